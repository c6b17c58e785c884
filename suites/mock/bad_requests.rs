//! Bad requests get vLLM's answers: the status, and an error object naming the problem.

use omnitest::prelude::*;
use serde_json::json;

use super::{IMAGE, OMNI, TTS, VIDEO};

omni_test! {
    /// The chat route's invalid-parameter table.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(OMNI)]
    fn test_chat_invalid_parameters(server: &Server, client: &Client) -> TestResult {
        let model = server.model();
        let user = json!([{"role": "user", "content": "hi"}]);
        let malformed = client.post_raw("/v1/chat/completions", "{\"model\": ", "application/json")?;
        check_http_error(&malformed, &[400], &["json_invalid", "decode error"])?;
        let cases = [
            (json!({"model": model}), 400, vec!["missing", "messages"]),
            (json!({"model": "no-such-model", "messages": user}), 404, vec!["does not exist", "NotFoundError"]),
            (json!({"model": model, "messages": user, "stream": "maybe"}), 400, vec!["bool_parsing"]),
            (json!({"model": model, "messages": user, "temperature": "hot"}), 400, vec!["float_parsing"]),
            (json!({"model": model, "messages": user, "max_tokens": "many"}), 400, vec!["int_parsing"]),
            (json!({"model": model, "messages": user, "audio": {"format": "ogg"}}), 400, vec!["Invalid audio format"]),
            (json!({"model": model, "messages": user, "top_logprobs": 3}), 400, vec!["logprobs"]),
            (json!({"model": model, "messages": user, "response_format": {"type": "json_schema"}}), 400, vec!["json_schema"]),
            (json!({"model": model, "messages": user, "modalities": ["image"]}), 400, vec!["modality"]),
            (json!({"model": model, "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,!!"}}]}]}), 400, vec!["base64"]),
        ];
        for (body, status, messages) in cases {
            let answer = client.post_json("/v1/chat/completions", &body)?;
            check_http_error(&answer, &[status], &messages).map_err(|e| e.context(format!("body {body}")))?;
        }
        check_http_error(&client.get("/v1/nothing-here")?, &[404], &["Not Found"])
    }

    /// The images API's bad values.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(IMAGE)]
    fn test_images_invalid_parameters(server: &Server, client: &Client) -> TestResult {
        let model = server.model();
        for (body, messages) in [
            (json!({"model": model, "prompt": "x", "n": 11}), vec!["n must be between 1 and 10"]),
            (json!({"model": model, "prompt": "x", "size": "big"}), vec!["Invalid size format"]),
            (json!({"model": model}), vec!["missing", "prompt"]),
            (json!({"model": model, "prompt": "x", "response_format": "url"}), vec!["not implemented"]),
        ] {
            check_http_error(&client.post_json("/v1/images/generations", &body)?, &[400], &messages)?;
        }
        let wrong_format = client.post_multipart("/v1/images/edits", &[("prompt", "x"), ("response_format", "url")], &[])?;
        check_http_error(&wrong_format, &[400], &["Only response_format 'b64_json' is supported now."])
    }

    /// The speech route's bad values.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(TTS)]
    fn test_speech_invalid_parameters(server: &Server, client: &Client) -> TestResult {
        let model = server.model();
        for (body, messages) in [
            (json!({"model": model, "input": "  "}), vec!["Input text cannot be empty"]),
            (json!({"model": model, "input": "hi", "voice": "nobody"}), vec!["Invalid speaker", "Supported"]),
            (json!({"model": model, "input": "hi", "task_type": "VoiceDesign"}), vec!["instructions"]),
            (json!({"model": model, "input": "hi", "task_type": "Base"}), vec!["ref_audio"]),
            (json!({"model": model, "input": "hi", "response_format": "aiff"}), vec!["Invalid audio format"]),
            (json!({"model": model, "input": "hi", "speed": 9}), vec!["speed"]),
        ] {
            check_http_error(&client.post_json("/v1/audio/speech", &body)?, &[400], &messages)?;
        }
        Ok(())
    }

    /// The video API's bad values and unknown jobs.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(VIDEO)]
    fn test_videos_invalid_parameters(server: &Server, client: &Client) -> TestResult {
        let no_prompt = client.post_multipart("/v1/videos", &[("model", server.model())], &[])?;
        check_http_error(&no_prompt, &[400], &["prompt"])?;
        let odd = client.post_multipart("/v1/videos", &[("prompt", "x"), ("width", "33"), ("height", "32")], &[])?;
        check_http_error(&odd, &[400], &["even"])?;
        check_http_error(&client.get("/v1/videos/video_gen-missing")?, &[404], &["not found"])?;
        check_http_error(&client.get("/v1/videos?limit=500")?, &[400], &["limit"])
    }
}
