//! Speech recognition through an OpenAI-compatible `/v1/audio/transcriptions` server: a vLLM
//! Whisper server on real backends (`OMNITEST_ASR_URL`), the mock itself on CPU runs.

use std::time::Instant;

use serde_json::Value;

use super::transport::TransportError;
use crate::media::{Audio, wav};

/// Where transcriptions go.
#[derive(Clone, Debug)]
pub struct Transcription {
    base_url: String,
}

impl Transcription {
    /// Transcriptions by the server at `base_url`.
    pub fn at(base_url: &str) -> Transcription {
        Transcription { base_url: base_url.trim_end_matches('/').to_owned() }
    }

    /// The text spoken in `audio` (16 kHz mono WAV is sent, what Whisper expects).
    pub async fn transcribe(&self, http: &reqwest::Client, audio: &Audio) -> Result<String, TransportError> {
        let mono = wav::resample(&wav::to_mono(audio), 16_000);
        let model = self.model(http).await.unwrap_or_else(|| "whisper".to_owned());
        let form = reqwest::multipart::Form::new()
            .text("model", model)
            .text("response_format", "json")
            .text("temperature", "0")
            .part("file", reqwest::multipart::Part::bytes(wav::encode_wav(&mono)).file_name("audio.wav"));
        let url = format!("{}/v1/audio/transcriptions", self.base_url);
        let started = Instant::now();
        let failed = |detail: String| TransportError::Failed {
            method: "POST".into(),
            url: url.clone(),
            elapsed: started.elapsed(),
            detail,
        };
        let response =
            http.post(&url).multipart(form).send().await.map_err(|e| TransportError::new("POST", &url, started, &e))?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|e| TransportError::new("POST", &url, started, &e))?;
        if !status.is_success() {
            return Err(failed(format!("the transcription server answered {status}: {body}")));
        }
        body.get("text")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| failed(format!("no `text` in {body}")))
    }

    /// The first model the server lists.
    async fn model(&self, http: &reqwest::Client) -> Option<String> {
        let models: Value = http.get(format!("{}/v1/models", self.base_url)).send().await.ok()?.json().await.ok()?;
        models["data"][0]["id"].as_str().map(str::to_owned)
    }
}
