//! The invalid-parameter table of each route, after the seed's
//! `tests/dfx/reliability/invalid_param_test/`: each bad request gets the status vLLM-Omni
//! answers with and an error naming the problem. A server must refuse bad input cleanly,
//! never with a 500 or a hang.

use omnitest::prelude::*;
use serde_json::{Value, json};

use super::target::{Route, Target};

/// The rows every JSON route shares: malformed JSON, a body that is not an object, the required
/// field missing or of the wrong type, and a model the server does not serve. `valid` is a
/// valid body for the route.
fn json_basics(client: &Client, path: &str, valid: &Value, required: &str) -> TestResult {
    let malformed = client.post_raw(path, "{\"model\": ", "application/json")?;
    check_http_error(&malformed, &[400], &["json_invalid", "decode error"])
        .map_err(|e| e.context(format!("{path}: malformed JSON")))?;
    let not_an_object = client.post_raw(path, "[]", "application/json")?;
    check_http_error(&not_an_object, &[400], &["valid dictionary"])
        .map_err(|e| e.context(format!("{path}: a JSON array")))?;
    let with = |key: &str, value: Value| {
        let mut body = valid.clone();
        body[key] = value;
        body
    };
    let mut missing = valid.clone();
    if let Some(fields) = missing.as_object_mut() {
        fields.remove(required);
    }
    for (what, body, status, words) in [
        ("the required field missing", missing, 400, vec!["missing", required]),
        ("the required field of the wrong type", with(required, json!(5)), 400, vec![required, "should be a valid"]),
        ("an unknown model", with("model", json!("no-such-model")), 404, vec!["does not exist", "NotFoundError"]),
    ] {
        let answer = client.post_json(path, &body)?;
        check_http_error(&answer, &[status], &words).map_err(|e| e.context(format!("{path}: {what}")))?;
    }
    Ok(())
}

/// Rows of one route: a body and the status and words its error must have.
fn rows(client: &Client, path: &str, cases: &[(Value, u16, &[&str])]) -> TestResult {
    for (body, status, words) in cases {
        let answer = client.post_json(path, body)?;
        check_http_error(&answer, &[*status], words).map_err(|e| e.context(format!("{path} with {body}")))?;
    }
    Ok(())
}

/// An unknown route is FastAPI's 404.
pub(crate) fn unknown_route(client: &Client) -> TestResult {
    check_http_error(&client.get("/v1/nothing-here")?, &[404], &["Not Found"])
}

/// `/v1/chat/completions`.
pub(crate) fn chat(client: &Client, model: &str) -> TestResult {
    let user = json!([{"role": "user", "content": "hi"}]);
    json_basics(client, "/v1/chat/completions", &json!({"model": model, "messages": user}), "messages")?;
    let bad_image =
        json!([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,!!"}}]}]);
    rows(
        client,
        "/v1/chat/completions",
        &[
            (json!({"model": model, "messages": user, "stream": "maybe"}), 400, &["bool_parsing"]),
            (json!({"model": model, "messages": user, "temperature": "hot"}), 400, &["float_parsing"]),
            (json!({"model": model, "messages": user, "max_tokens": "many"}), 400, &["int_parsing"]),
            (json!({"model": model, "messages": user, "audio": {"format": "ogg"}}), 400, &["Invalid audio format"]),
            (json!({"model": model, "messages": user, "top_logprobs": 3}), 400, &["logprobs"]),
            (
                json!({"model": model, "messages": user, "response_format": {"type": "json_schema"}}),
                400,
                &["json_schema"],
            ),
            (json!({"model": model, "messages": user, "modalities": ["image"]}), 400, &["modality"]),
            (json!({"model": model, "messages": bad_image}), 400, &["base64"]),
        ],
    )
}

/// `/v1/audio/speech`.
pub(crate) fn speech(client: &Client, model: &str) -> TestResult {
    json_basics(client, "/v1/audio/speech", &json!({"model": model, "input": "hi"}), "input")?;
    rows(
        client,
        "/v1/audio/speech",
        &[
            (json!({"model": model, "input": "  "}), 400, &["Input text cannot be empty"]),
            (json!({"model": model, "input": "hi", "voice": "nobody"}), 400, &["Invalid speaker", "Supported"]),
            (json!({"model": model, "input": "hi", "task_type": "VoiceDesign"}), 400, &["instructions"]),
            (json!({"model": model, "input": "hi", "task_type": "Base"}), 400, &["ref_audio"]),
            (json!({"model": model, "input": "hi", "response_format": "aiff"}), 400, &["Invalid audio format"]),
            (json!({"model": model, "input": "hi", "speed": 9}), 400, &["speed"]),
        ],
    )
}

/// `/v1/images/generations` and `/v1/images/edits`.
pub(crate) fn images(client: &Client, model: &str) -> TestResult {
    json_basics(client, "/v1/images/generations", &json!({"model": model, "prompt": "x"}), "prompt")?;
    rows(
        client,
        "/v1/images/generations",
        &[
            (json!({"model": model, "prompt": "x", "n": 11}), 400, &["n must be between 1 and 10"]),
            (json!({"model": model, "prompt": "x", "size": "big"}), 400, &["Invalid size format"]),
            (json!({"model": model, "prompt": "x", "num_inference_steps": "many"}), 400, &["int_parsing"]),
            (json!({"model": model, "prompt": "x", "response_format": "url"}), 400, &["not implemented"]),
        ],
    )?;
    let wrong_format =
        client.post_multipart("/v1/images/edits", &[("prompt", "x"), ("response_format", "url")], &[])?;
    check_http_error(&wrong_format, &[400], &["Only response_format 'b64_json' is supported now."])?;
    let no_image = client.post_multipart("/v1/images/edits", &[("prompt", "x"), ("model", model)], &[])?;
    check_http_error(&no_image, &[400], &["image"])
}

/// The `/v1/videos` job API.
pub(crate) fn videos(client: &Client, model: &str) -> TestResult {
    let no_prompt = client.post_multipart("/v1/videos", &[("model", model)], &[])?;
    check_http_error(&no_prompt, &[400], &["prompt"])?;
    let unknown = client.post_multipart("/v1/videos", &[("model", "no-such-model"), ("prompt", "x")], &[])?;
    check_http_error(&unknown, &[404], &["does not exist"])?;
    let odd = client.post_multipart("/v1/videos", &[("prompt", "x"), ("width", "33"), ("height", "32")], &[])?;
    check_http_error(&odd, &[400], &["even"])?;
    let not_a_number = client.post_multipart("/v1/videos", &[("prompt", "x"), ("num_frames", "abc")], &[])?;
    check_http_error(&not_a_number, &[400], &["num_frames"])?;
    let sync_no_prompt = client.post_multipart("/v1/videos/sync", &[("model", model)], &[])?;
    check_http_error(&sync_no_prompt, &[400], &["prompt"])?;
    check_http_error(&client.get("/v1/videos/video_gen-missing")?, &[404], &["not found"])?;
    check_http_error(&client.delete("/v1/videos/video_gen-missing")?, &[404], &["not found"])?;
    check_http_error(&client.get("/v1/videos?limit=500")?, &[400], &["limit"])
}

/// The invalid-parameter table of the target's route, and an unknown route.
pub(crate) fn for_route(target: &Target, server: &Server, client: &Client) -> TestResult {
    let table = match target.route {
        Route::Chat => chat,
        Route::Speech => speech,
        Route::Images => images,
        Route::Videos => videos,
    };
    table(client, server.model())?;
    unknown_route(client)
}
