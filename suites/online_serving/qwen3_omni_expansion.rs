//! Qwen3-Omni's full functional scenarios at L4 (full_model, nightly): the port of the seed's
//! `tests/e2e/online_serving/test_qwen3_omni_expansion.py`.
//!
//! Three deploy settings, as the seed's parameters: `default` (synchronous pipeline, prefix
//! caching on the thinker and talker, thinker answers up to 2048 tokens), `async_chunk` (the
//! talker starts on the thinker's first chunks) and `batch_token_64` (the talker schedules at
//! most 64 batched tokens a step, the small-batch path). Inputs range from text to long videos,
//! two-minute audio and 1080p pictures; outputs are text, speech or both, streamed or not, in
//! several speakers and audio formats, one request or a hundred at once.
//!
//! Beyond the seed's cases: PCM and FLAC audio output, a per-request `sampling_params_list`, a
//! speaker asked about a picture (so that the voice's gender is checked where no real model is
//! needed), and a hundred concurrent requests. The seed's `test_mix_to_text_audio_001` is
//! skipped there (a known shape mismatch) and is not ported.

use omnitest::prelude::*;
use serde_json::json;

use super::common::{
    AUDIO_KEY, BEIJING, FEW, IMAGE_KEY, MEDIUM, PROMPT_TEXT_ONLY, VIDEO_KEY, qwen_messages, speech_url,
};

const MODEL: &str = "Qwen/Qwen3-Omni-30B-A3B-Instruct";
const DEPLOY: &str = "ci/qwen3_omni_moe.yaml";
/// The thinker may answer at length in the `default` and `async_chunk` settings.
const LONG_THINKER: &[(&str, &str)] = &[("stages.0.default_sampling_params.max_tokens", "2048")];

/// The synchronous pipeline with prefix caching.
static DEFAULT: Scenario = Scenario::vllm_omni(MODEL).stage_configs(DEPLOY).updates(LONG_THINKER).args(&[
    "--no-async-chunk",
    "--stage-overrides",
    r#"{"0": {"enable_prefix_caching": true}, "1": {"enable_prefix_caching": true}}"#,
]);
/// The talker streams from the thinker's first chunks.
static ASYNC_CHUNK: Scenario =
    Scenario::vllm_omni(MODEL).stage_configs(DEPLOY).updates(LONG_THINKER).args(&["--async-chunk"]);
/// The talker batches at most 64 tokens a step.
static BATCH_TOKEN_64: Scenario =
    Scenario::vllm_omni(MODEL).stage_configs(DEPLOY).updates(&[("stages.1.max_num_batched_tokens", "64")]);

/// A two-minute video at 30 fps, kept at 224² to bound its size.
const LONG_VIDEO_FRAMES: u32 = 3600;
/// A 1080p-class picture.
const LARGE_IMAGE: (u32, u32) = (1920, 1080);
/// Two minutes of speech.
const LONG_AUDIO_SECONDS: f64 = 120.0;

const PROMPT_VIDEO: &str = "What is in this video? ";
const PROMPT_IMAGE: &str = "What is in this image? ";
const PROMPT_AUDIO: &str = "What is in this audio? ";
const PROMPT_AUDIO_VIDEO: &str = "First, what is in this audio? Then, what is in this video? ";
const PROMPT_ONE_WORD: &str = "What is the capital of UK? Answer in one word";
const PROMPT_CHINESE: &str =
    "北京，中国的首都，是一座融合了长城等历史地点与现代建筑的国际化大都市，充满了独特的文化与活力。请重复这句话。";

/// The Qwen system prompt, the 224×224 picture and [`PROMPT_IMAGE`].
fn image_question() -> Result<Messages, TestError> {
    Ok(qwen_messages(PROMPT_IMAGE).image(synth::image(224, 224)?.data_url()))
}

/// The Qwen system prompt, ten seconds of bouncing balls with spoken "test" muxed in, and
/// [`PROMPT_AUDIO_VIDEO`]; the model is told to hear the video's own sound.
fn audio_in_video(model: &str) -> Result<OmniRequest, TestError> {
    let options = synth::VideoOptions { num_frames: 300, embed_audio: true, ..synth::VideoOptions::default() };
    let messages = qwen_messages(PROMPT_AUDIO_VIDEO).video(synth::video_with(options)?.data_url());
    Ok(OmniRequest::new(model, messages)
        .extra("mm_processor_kwargs", json!({"use_audio_in_video": true}))
        .key_words(KeyWords::video(VIDEO_KEY)))
}

/// Text-only prompt in the voice of `speaker`, asked about Beijing.
fn spoken_by(model: &str, speaker: &str) -> OmniRequest {
    OmniRequest::new(model, qwen_messages(PROMPT_TEXT_ONLY))
        .stream(true)
        .speaker(speaker)
        .key_words(KeyWords::text(BEIJING))
}

omni_test! {
    /// Text in, speech only out: the transcript must answer the question.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text
    /// Output Modal: audio
    /// Input Setting: stream=True
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(real_model, transcription)]
    fn test_text_to_audio_001(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), qwen_messages(PROMPT_TEXT_ONLY))
            .modalities(&[Modality::Audio])
            .stream(true)
            .key_words(KeyWords::text(BEIJING));
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// Text in, text and speech out, several requests at once.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk; talker max_num_batched_tokens=64
    /// Input Modal: text
    /// Output Modal: text, audio
    /// Input Setting: stream=False
    /// Datasets: few requests
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK, BATCH_TOKEN_64)]
    #[deep_needs(real_model, transcription)]
    fn test_text_to_text_audio_001(server: &Server, client: &Client) -> TestResult {
        let request =
            OmniRequest::new(server.model(), qwen_messages(PROMPT_TEXT_ONLY)).key_words(KeyWords::text(BEIJING));
        client.send_omni_request(&request, FEW)?;
        Ok(())
    }

    /// A long video (two minutes at 30 fps) described in text.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text, long video (224×224, 3600 frames)
    /// Output Modal: text
    /// Input Setting: stream=False
    /// Datasets: few requests
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    fn test_text_video_to_text_001(server: &Server, client: &Client) -> TestResult {
        let video = synth::video(224, 224, LONG_VIDEO_FRAMES)?;
        let request = OmniRequest::new(server.model(), qwen_messages(PROMPT_VIDEO).video(video.data_url()))
            .modalities(&[Modality::Text])
            .key_words(KeyWords::video(VIDEO_KEY));
        client.send_omni_request(&request, FEW)?;
        Ok(())
    }

    /// Spoken audio in, text and speech out: the answer says what is recited.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk; talker max_num_batched_tokens=64
    /// Input Modal: text, audio (5 s)
    /// Output Modal: text, audio
    /// Input Setting: stream=False
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK, BATCH_TOKEN_64)]
    #[deep_needs(real_model, transcription)]
    fn test_text_audio_to_text_audio_001(server: &Server, client: &Client) -> TestResult {
        let messages = qwen_messages(PROMPT_AUDIO).audio(speech_url(5.0, 48_000)?);
        let request = OmniRequest::new(server.model(), messages).key_words(KeyWords::audio(AUDIO_KEY));
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// Two minutes of audio in, several requests at once.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk; talker max_num_batched_tokens=64
    /// Input Modal: text, long audio (120 s)
    /// Output Modal: text, audio
    /// Input Setting: stream=False
    /// Datasets: few requests
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK, BATCH_TOKEN_64)]
    #[deep_needs(real_model, transcription)]
    fn test_text_audio_to_text_audio_002(server: &Server, client: &Client) -> TestResult {
        let messages = qwen_messages(PROMPT_AUDIO).audio(speech_url(LONG_AUDIO_SECONDS, 48_000)?);
        let request = OmniRequest::new(server.model(), messages).key_words(KeyWords::audio(AUDIO_KEY));
        client.send_omni_request(&request, FEW)?;
        Ok(())
    }

    /// A picture of squares in, text and speech out.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk; talker max_num_batched_tokens=64
    /// Input Modal: text, image (224×224)
    /// Output Modal: text, audio
    /// Input Setting: stream=False
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK, BATCH_TOKEN_64)]
    #[deep_needs(transcription)]
    fn test_text_image_to_text_audio_001(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), image_question()?).key_words(KeyWords::image(IMAGE_KEY));
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// A hundred requests about a picture at once, text out: the larger batch.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk; talker max_num_batched_tokens=64
    /// Input Modal: text, image (224×224)
    /// Output Modal: text
    /// Input Setting: stream=False
    /// Datasets: medium batch (100 concurrent requests)
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK, BATCH_TOKEN_64)]
    fn test_text_image_to_text_001(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), image_question()?)
            .modalities(&[Modality::Text])
            .key_words(KeyWords::image(IMAGE_KEY));
        client.send_omni_request(&request, MEDIUM)?;
        Ok(())
    }

    /// A high-resolution picture in, several requests at once.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk; talker max_num_batched_tokens=64
    /// Input Modal: text, image (1920×1080)
    /// Output Modal: text, audio
    /// Input Setting: stream=False
    /// Datasets: few requests
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK, BATCH_TOKEN_64)]
    #[deep_needs(transcription)]
    fn test_large_image_to_text_audio_001(server: &Server, client: &Client) -> TestResult {
        let (width, height) = LARGE_IMAGE;
        let messages = qwen_messages(PROMPT_IMAGE).image(synth::image(width, height)?.data_url());
        let request = OmniRequest::new(server.model(), messages).key_words(KeyWords::image(IMAGE_KEY));
        client.send_omni_request(&request, FEW)?;
        Ok(())
    }

    /// A 720p video in, text and speech streamed out.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk; talker max_num_batched_tokens=64
    /// Input Modal: text, video (1280×720, 30 frames)
    /// Output Modal: text, audio
    /// Input Setting: stream=True
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK, BATCH_TOKEN_64)]
    #[deep_needs(transcription)]
    fn test_text_video_to_text_audio_001(server: &Server, client: &Client) -> TestResult {
        let messages = qwen_messages(PROMPT_VIDEO).video(synth::video(1280, 720, 30)?.data_url());
        let request =
            OmniRequest::new(server.model(), messages).stream(true).key_words(KeyWords::video(VIDEO_KEY));
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// A video with its own soundtrack, heard through `use_audio_in_video`.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text + video with embedded audio
    /// Output Modal: text, audio
    /// Input Setting: stream=False, mm_processor_kwargs.use_audio_in_video=True
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_audio_in_video_001(server: &Server, client: &Client) -> TestResult {
        client.send_omni_request(&audio_in_video(server.model())?, 1)?;
        Ok(())
    }

    /// A video with its own soundtrack, streamed, several requests at once.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text + video with embedded audio
    /// Output Modal: text, audio
    /// Input Setting: stream=True, mm_processor_kwargs.use_audio_in_video=True
    /// Datasets: few requests
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_audio_in_video_002(server: &Server, client: &Client) -> TestResult {
        client.send_omni_request(&audio_in_video(server.model())?.stream(true), FEW)?;
        Ok(())
    }

    /// A one-word answer: short text and speech must still agree.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text
    /// Output Modal: text, audio
    /// Input Setting: stream=True
    /// Datasets: few requests
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(real_model, transcription)]
    fn test_one_word_prompt_001(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), qwen_messages(PROMPT_ONE_WORD))
            .stream(true)
            .key_words(KeyWords::text(["london"]));
        client.send_omni_request(&request, FEW)?;
        Ok(())
    }

    /// The speaker Chelsie: a woman's voice.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text
    /// Output Modal: text, audio
    /// Input Setting: stream=True, speaker=Chelsie
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(real_model, transcription)]
    fn test_speaker_001(server: &Server, client: &Client) -> TestResult {
        client.send_omni_request(&spoken_by(server.model(), "Chelsie"), 1)?;
        Ok(())
    }

    /// The speaker Ethan: a man's voice, several requests at once.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text
    /// Output Modal: text, audio
    /// Input Setting: stream=True, speaker=Ethan
    /// Datasets: few requests
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(real_model, transcription)]
    fn test_speaker_002(server: &Server, client: &Client) -> TestResult {
        client.send_omni_request(&spoken_by(server.model(), "Ethan"), FEW)?;
        Ok(())
    }

    /// Speaker names are case-insensitive.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text
    /// Output Modal: text, audio
    /// Input Setting: stream=True, speaker=CHELSIE
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(real_model, transcription)]
    fn test_speaker_003(server: &Server, client: &Client) -> TestResult {
        client.send_omni_request(&spoken_by(server.model(), "CHELSIE"), 1)?;
        Ok(())
    }

    /// A speaker asked about a picture: the voice's gender and the keywords hold without a
    /// real model's knowledge.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text, image (224×224)
    /// Output Modal: text, audio
    /// Input Setting: stream=True, speaker=Ethan
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_speaker_004(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), image_question()?)
            .stream(true)
            .speaker("Ethan")
            .key_words(KeyWords::image(IMAGE_KEY));
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// A Chinese prompt, answered in Chinese text and speech.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text (Chinese)
    /// Output Modal: text, audio
    /// Input Setting: stream=True
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(real_model, transcription)]
    fn test_language_001(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), qwen_messages(PROMPT_CHINESE))
            .stream(true)
            .key_words(KeyWords::text(["北京"]));
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// Speech as raw 16-bit PCM segments, streamed.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text, image (224×224)
    /// Output Modal: text, audio (pcm)
    /// Input Setting: stream=True, audio.format=pcm
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_audio_format_001(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), image_question()?)
            .stream(true)
            .audio_format("pcm")
            .key_words(KeyWords::image(IMAGE_KEY));
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// Speech as FLAC, whole.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text, image (224×224)
    /// Output Modal: text, audio (flac)
    /// Input Setting: stream=False, audio.format=flac
    /// Datasets: single request
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_audio_format_002(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), image_question()?)
            .audio_format("flac")
            .key_words(KeyWords::image(IMAGE_KEY));
        client.send_omni_request(&request, 1)?;
        Ok(())
    }

    /// Per-request sampling parameters for every stage: the thinker writes exactly 64 tokens
    /// (ignoring end of sequence), and the talker and code2wav get their own limits.
    /// Deploy Setting: default yaml (sync, prefix caching); async chunk
    /// Input Modal: text, image (224×224)
    /// Output Modal: text, audio
    /// Input Setting: stream=True, sampling_params_list (thinker, talker, code2wav)
    /// Datasets: few requests
    #[levels(full_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT, ASYNC_CHUNK)]
    #[deep_needs(transcription)]
    fn test_sampling_params_list_001(server: &Server, client: &Client) -> TestResult {
        let stages = json!([
            {"temperature": 0.0, "top_p": 1.0, "top_k": -1, "max_tokens": 64, "ignore_eos": true, "seed": 42},
            {"temperature": 0.9, "top_k": 50, "max_tokens": 1000, "seed": 42},
            {"temperature": 0.0, "max_tokens": 2000, "seed": 42},
        ]);
        let request = OmniRequest::new(server.model(), image_question()?)
            .stream(true)
            .extra("sampling_params_list", stages)
            .key_words(KeyWords::image(IMAGE_KEY));
        client.send_omni_request(&request, FEW)?;
        Ok(())
    }
}
