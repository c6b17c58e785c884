use omnitest::media::{video, wav};
use omnitest::prelude::*;
use serde_json::{Value, json};

use super::{IMAGE, LONG, OMNI, TEXT, TTS, VIDEO};

omni_test! {
    /// `/health`, `/v1/models` and `/metrics` answer as vLLM's do.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(OMNI)]
    fn test_health_models_and_metrics(server: &Server, client: &Client) -> TestResult {
        let health = client.health()?;
        check_eq!((health.status, health.json.clone()), (200, Some(json!({"status": "healthy"}))));
        let models = client.models()?;
        check_eq!(models.json.as_ref().map(|m| m["data"][0]["id"].clone()), Some(json!(server.model())));
        client.send_omni_request(&OmniRequest::new(server.model(), Messages::user("hi")).modalities(&[Modality::Text]), 1)?;
        let metrics = client.get("/metrics")?.text();
        for family in ["vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
                       "vllm:generation_tokens_total", "vllm:request_success_total", "vllm:time_to_first_token_seconds_bucket",
                       "vllm:inter_token_latency_seconds_bucket", "vllm:e2e_request_latency_seconds_bucket", "vllm_omni:audio_rtf"] {
            check!(metrics.contains(family), "/metrics lacks {family}");
        }
        Ok(())
    }

    /// Omni chat, streamed and not: text plus audio, the audio saying the text (the mock
    /// transcribes its own speech), usage counts that match the streamed tokens.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(OMNI)]
    fn test_omni_chat_text_and_audio(server: &Server) -> TestResult {
        let deep = Client::new(server.url(), Level::AdvancedModel);
        for stream in [false, true] {
            let request = OmniRequest::new(server.model(), Messages::user("Say something."))
                .stream(stream)
                .max_tokens(24)
                .extra("ignore_eos", json!(true));
            let response = deep.send_omni_request(&request, 2)?.remove(0);
            let text = response.text.clone().unwrap_or_default();
            check!(!text.is_empty(), "no text (stream={stream})");
            let audio = response.audio.as_ref().ok_or_else(|| TestError::failure("no audio"))?;
            check!(audio.audio.sample_rate == 24_000, "audio at {} Hz", audio.audio.sample_rate);
            check_eq!(deep.transcribe(&audio.audio)?, text);
            check_eq!(response.completion_tokens, Some(24));
            if stream {
                check!(audio.segments > 1 || audio.audio.duration_s() < 1.0, "audio came in one segment");
            }
        }
        Ok(())
    }

    /// Streams carry vLLM-Omni's per-chunk `modality`, per-chunk usage with
    /// `continuous_usage_stats`, a role-only first chunk, a final usage chunk and `[DONE]`.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(OMNI)]
    fn test_stream_chunks_have_modality_and_usage(server: &Server, client: &Client) -> TestResult {
        let body = json!({"model": server.model(), "messages": [{"role": "user", "content": "hello"}], "stream": true,
            "max_tokens": 5, "stream_options": {"include_usage": true, "continuous_usage_stats": true}});
        let raw = client.post_json("/v1/chat/completions", &body)?;
        check_eq!(raw.status, 200);
        check!(raw.content_type.starts_with("text/event-stream"), "content-type {}", raw.content_type);
        let events: Vec<String> = raw.text().split("\n\n").filter_map(|e| e.strip_prefix("data: ").map(str::to_owned)).collect();
        check_eq!(events.last().map(String::as_str), Some("[DONE]"));
        let chunks: Vec<Value> = events[..events.len() - 1].iter().map(|e| serde_json::from_str(e)).collect::<Result<_, _>>()?;
        check_eq!(chunks[0]["choices"][0]["delta"], json!({"role": "assistant", "content": ""}));
        let text_chunks: Vec<&Value> = chunks.iter().filter(|c| c["modality"] == "text").collect();
        check!(text_chunks.iter().all(|c| c["usage"]["prompt_tokens"].is_u64()), "a text chunk lacks usage");
        check!(chunks.iter().any(|c| c["modality"] == "audio"), "no audio chunk");
        let last = &chunks[chunks.len() - 1];
        check_eq!((last["choices"].clone(), last["usage"]["completion_tokens"].clone()), (json!([]), json!(5)));
        Ok(())
    }

    /// Thinker–talker models reject /v1/completions with 400; a text model serves it.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(OMNI)]
    fn test_completions_rejected_for_omni(server: &Server, client: &Client) -> TestResult {
        let answer = client.post_json("/v1/completions", &json!({"model": server.model(), "prompt": "hi"}))?;
        check_http_error(&answer, &[400], &["thinker-talker"])
    }

    /// A text model's completions, streamed and not.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(TEXT)]
    fn test_text_completions(server: &Server, client: &Client) -> TestResult {
        let answer = client.post_json("/v1/completions", &json!({"model": server.model(), "prompt": "Once", "max_tokens": 7}))?;
        check_eq!(answer.status, 200);
        let json = answer.json.unwrap_or_default();
        check_eq!(json["usage"]["completion_tokens"], json!(7));
        check_eq!(json["object"], json!("text_completion"));
        Ok(())
    }

    /// A long stream arrives whole and in order: 400 tokens, one chunk each, every chunk's
    /// continuous usage one more than the last.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(LONG)]
    fn test_long_stream_arrives_whole(server: &Server, client: &Client) -> TestResult {
        let body = json!({"model": server.model(), "messages": [{"role": "user", "content": "go"}], "max_tokens": 400,
            "ignore_eos": true, "stream": true, "stream_options": {"continuous_usage_stats": true}});
        let raw = client.post_json("/v1/chat/completions", &body)?;
        let counts: Vec<u64> = raw
            .text()
            .split("\n\n")
            .filter_map(|e| e.strip_prefix("data: "))
            .filter_map(|e| serde_json::from_str::<Value>(e).ok())
            .filter(|c| c["choices"][0]["delta"].get("content").is_some_and(|t| t != ""))
            .filter_map(|c| c["usage"]["completion_tokens"].as_u64())
            .collect();
        check_eq!(counts, (1..=400).collect::<Vec<u64>>());
        Ok(())
    }

    /// Images at the requested size through chat, the images API and edits.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(IMAGE)]
    fn test_images_at_requested_sizes(server: &Server) -> TestResult {
        let deep = Client::new(server.url(), Level::AdvancedModel);
        let chat = DiffusionRequest::new(server.model(), Messages::user("two red squares")).sizes(&[(256, 192), (128, 128)]).steps(2);
        let images = deep.send_diffusion_request(&chat, 1)?.remove(0).images;
        check_eq!(images.iter().map(|i| (i.width, i.height)).collect::<Vec<_>>(), vec![(256, 192), (128, 128)]);
        let generated = deep.images_generations(&json!({"model": server.model(), "prompt": "a blue circle", "n": 2, "size": "320x240"}))?;
        check_eq!(generated.images.len(), 2);
        let source = omnitest::media::picture::encode_png(&omnitest::media::Frame::filled(64, 48, [10, 200, 10]))?;
        let edited = deep.images_edits(source, &[("prompt", "add a red square"), ("size", "96x64"), ("model", server.model())])?;
        check_eq!((edited.images[0].width, edited.images[0].height), (96, 64));
        Ok(())
    }

    /// The video job API: queued → completed, content as H.264 MP4 with `(n // 4) * 4 + 1`
    /// frames; list and delete; the sync route with its headers.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(VIDEO)]
    fn test_video_jobs(server: &Server, client: &Client) -> TestResult {
        let request = VideoRequest::new(server.model(), "three balls").field("width", 64).field("height", 48).field("num_frames", 10).field("fps", 8).field("num_inference_steps", 2);
        let job = client.send_video_diffusion_request(&request, 1)?.remove(0);
        let info = &job.videos[0].info;
        check_eq!((info.width, info.height, info.frames, info.codec.as_str()), (64, 48, 9, "h264"));
        let list = client.get("/v1/videos?limit=10&order=asc")?.json.unwrap_or_default();
        let id = list["data"][0]["id"].as_str().unwrap_or_default().to_owned();
        check_eq!(list["object"], json!("list"));
        check_eq!(client.delete(&format!("/v1/videos/{id}"))?.json.map(|j| j["deleted"].clone()), Some(json!(true)));
        check_eq!(client.get(&format!("/v1/videos/{id}"))?.status, 404);
        let fields = [("prompt", "balls"), ("width", "32"), ("height", "32"), ("num_frames", "5"), ("fps", "5"), ("model", server.model())];
        let sync = client.post_multipart("/v1/videos/sync", &fields, &[])?;
        check_eq!(sync.status, 200);
        check_eq!(video::probe(&sync.body)?.frames, 5);
        Ok(())
    }

    /// Speech: raw WAV, raw PCM streaming, SSE; the transcription route decodes the mock's own
    /// voice exactly and transcribes other audio to nothing.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(TTS)]
    fn test_speech_modes_and_transcription(server: &Server) -> TestResult {
        let deep = Client::new(server.url(), Level::AdvancedModel);
        let input = "Beijing is the capital of China.";
        for (mode, format) in [(SpeechMode::Whole, "wav"), (SpeechMode::RawStream, "pcm"), (SpeechMode::Sse, "wav"), (SpeechMode::RawStream, "wav")] {
            let request = SpeechRequest::new(server.model(), input).voice("vivian").mode(mode).response_format(format).min_audio_bytes(1000);
            let response = deep.send_audio_speech_request(&request, 1)?.remove(0);
            check!(response.audio.is_some(), "{mode:?}/{format}: no audio");
        }
        let noise = omnitest::media::Audio::mono(16_000, (0..16_000).map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0).collect());
        check_eq!(deep.transcribe(&noise)?, "");
        let bad = SpeechRequest::new(server.model(), input).voice("nobody").expect_error(&[400], &["Invalid speaker"]);
        deep.send_audio_speech_request(&bad, 1)?;
        let wav_bytes = deep.post_json("/v1/audio/speech", &json!({"model": server.model(), "input": "ok", "voice": "ethan"}))?.body;
        check!(wav::decode_wav(&wav_bytes)?.sample_rate == 24_000, "speech is not 24 kHz");
        Ok(())
    }
}
