//! Validators: what a response must satisfy, by run level, as the seed's table has it.
//!
//! | check | core_model | advanced_model / full_model |
//! |---|---|---|
//! | omni | the request succeeded | + audio and text present as requested, keywords, text vs transcript, `audio_ref_text`, preset-speaker gender |
//! | speech | success, `min_audio_bytes`, content type | + PCM HNR floor, transcript vs input (not for PCM), preset-voice gender |
//! | diffusion | some output, image count, videos fully, audio sanity | + every image's exact size |
//! | video jobs | width, height, fps ± 1, frames = `(n // 4) * 4 + 1` | the same |
//! | text-to-audio | a decodable, non-empty sound | + `audio_length` seconds long (± 50 ms), not silent |
//!
//! Each failure message names what was expected and what came back.

pub mod accuracy;
pub mod media;
pub mod text;

use serde_json::Value;

use crate::client::{
    DiffusionRequest, DiffusionResponse, HttpResponse, Modality, OmniRequest, OmniResponse, SpeechRequest,
    SpeechResponse, VideoRequest,
};
use crate::media::{Audio, analysis, wav};
use crate::outcome::TestError;
use crate::registry::Level;

/// Something that turns speech into text (the client, through an ASR server).
pub trait Transcriber {
    /// The words spoken in `audio`.
    fn transcribe(&self, audio: &Audio) -> Result<String, TestError>;
}

impl Transcriber for crate::client::Client {
    fn transcribe(&self, audio: &Audio) -> Result<String, TestError> {
        crate::client::Client::transcribe(self, audio)
    }
}

/// The voices whose gender the seed checks.
const PRESET_GENDERS: &[(&str, bool)] =
    &[("serena", true), ("chelsie", true), ("clone", true), ("vivian", true), ("uncle_fu", false), ("ethan", false)];

/// Pitch above which a voice counts as female, as the seed's heuristic has it.
const FEMALE_PITCH_HZ: f32 = 165.0;

/// Speech transcripts must match their input this closely.
const SPEECH_SIMILARITY: f64 = 0.9;

fn fail(message: String) -> Result<(), TestError> {
    Err(TestError::failure(message))
}

/// Checks an omni chat answer.
pub fn check_omni(
    response: &OmniResponse,
    request: &OmniRequest,
    level: Level,
    asr: &dyn Transcriber,
) -> Result<(), TestError> {
    if !level.validates_deeply() {
        return Ok(());
    }
    let wants_text = request.modalities.contains(&Modality::Text);
    let wants_audio = request.modalities.contains(&Modality::Audio);
    if wants_audio && response.audio.as_ref().is_none_or(|a| a.audio.samples.is_empty()) {
        return fail("audio was requested but the answer has no audio".into());
    }
    if wants_text && response.text.as_deref().is_none_or(|text| text.trim().is_empty()) {
        return fail("text was requested but the answer has no text".into());
    }
    // As the seed: transcribe when there is text to compare, a reference to match, or
    // keywords to look for in the speech of an audio-only answer.
    let needs_transcript =
        wants_audio && (wants_text || request.audio_ref_text.is_some() || !request.key_words.is_empty());
    let transcript = match (&response.audio, needs_transcript) {
        (Some(audio), true) => {
            Some(asr.transcribe(&audio.audio).map_err(|e| e.context("transcribing the audio output"))?)
        }
        _ => None,
    };
    let checked_text =
        if wants_text { response.text.clone().unwrap_or_default() } else { transcript.clone().unwrap_or_default() };
    for (label, words) in &request.key_words.groups {
        if !text::contains_any(&checked_text, words) {
            let source = if wants_text { "text" } else { "transcript" };
            return fail(format!(
                "The output does not contain any of the keywords: none of {words:?} ({label}) is in the {source}: {checked_text:?}"
            ));
        }
    }
    if let (Some(transcript), true, Some(text_out)) = (&transcript, wants_text, &response.text) {
        let (ok, score) = text::consistent(text_out, transcript, request.similarity_threshold);
        if !ok {
            return fail(format!(
                "the audio does not say the text: similarity {score:.3} (needs > {})\n  text:       {text_out:?}\n  transcript: {transcript:?}",
                request.similarity_threshold
            ));
        }
    }
    if let (Some(transcript), Some(expected)) = (&transcript, &request.audio_ref_text) {
        let (ok, score) = text::consistent(expected, transcript, request.similarity_threshold);
        if !ok {
            return fail(format!(
                "the audio does not say {expected:?}: similarity {score:.3}; transcript {transcript:?}"
            ));
        }
    }
    if let (Some(speaker), Some(audio)) = (&request.speaker, &response.audio) {
        check_gender(speaker, &audio.audio)?;
    }
    Ok(())
}

/// Checks a speech answer, or the error it was expected to be.
pub fn check_speech(
    response: &SpeechResponse,
    request: &SpeechRequest,
    level: Level,
    asr: &dyn Transcriber,
) -> Result<(), TestError> {
    if let Some(allowed) = &request.expect_status {
        if (200..300).contains(&response.status) {
            return fail(format!(
                "expected an error {allowed:?}, got {} with {} bytes of audio",
                response.status,
                response.bytes.len()
            ));
        }
        if !allowed.contains(&response.status) {
            return fail(format!(
                "expected status {allowed:?}, got {}: {}",
                response.status,
                String::from_utf8_lossy(&response.bytes)
            ));
        }
        let body = String::from_utf8_lossy(&response.bytes).to_lowercase();
        if !request.expect_messages.is_empty()
            && !request.expect_messages.iter().any(|m| body.contains(&m.to_lowercase()))
        {
            return fail(format!("the error mentions none of {:?}: {body}", request.expect_messages));
        }
        return Ok(());
    }
    if response.status != 200 {
        return fail(format!("the server answered {}: {}", response.status, String::from_utf8_lossy(&response.bytes)));
    }
    if response.bytes.len() <= request.min_audio_bytes {
        return fail(format!(
            "only {} audio bytes (needs more than {})",
            response.bytes.len(),
            request.min_audio_bytes
        ));
    }
    let format = request.response_format.as_deref().unwrap_or("wav");
    if matches!(format, "pcm" | "wav")
        && request.mode != crate::client::SpeechMode::Sse
        && !response.content_type.contains(format)
    {
        return fail(format!("response_format {format} but content-type {:?}", response.content_type));
    }
    let audio = response.audio.as_ref().ok_or_else(|| TestError::failure("the speech could not be decoded"))?;
    if !level.validates_deeply() {
        return Ok(());
    }
    if format == "pcm" {
        let pcm: Vec<i16> =
            wav::resample(audio, 24_000).samples.iter().map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16).collect();
        let hnr = analysis::pcm_hnr_db(&pcm, 24_000).unwrap_or(f64::NEG_INFINITY);
        if hnr < request.min_hnr_db {
            return fail(format!(
                "the speech's harmonics-to-noise ratio is {hnr:.2} dB, below the {} dB floor",
                request.min_hnr_db
            ));
        }
        return Ok(());
    }
    let transcript = asr.transcribe(audio).map_err(|e| e.context("transcribing the speech"))?;
    let (ok, score) = text::consistent(&request.input, &transcript, SPEECH_SIMILARITY);
    if !ok {
        return fail(format!(
            "the speech does not say the input: similarity {score:.3} (needs > {SPEECH_SIMILARITY})\n  input:      {:?}\n  transcript: {transcript:?}",
            request.input
        ));
    }
    if let Some(voice) = &request.voice {
        check_gender(voice, audio)?;
    }
    Ok(())
}

fn check_gender(voice: &str, audio: &Audio) -> Result<(), TestError> {
    let Some(&(_, female)) = PRESET_GENDERS.iter().find(|(name, _)| name.eq_ignore_ascii_case(voice)) else {
        return Ok(());
    };
    // Unvoiced or unclear audio is skipped, as the seed skips low-confidence classifications.
    let Some(pitch) = analysis::median_f0_hz(audio) else {
        return Ok(());
    };
    if (pitch > FEMALE_PITCH_HZ) != female {
        let expected = if female { "female" } else { "male" };
        return fail(format!("voice {voice} should sound {expected}, but its median pitch is {pitch:.0} Hz"));
    }
    Ok(())
}

/// Checks a chat answer with images (or audio) from a diffusion model.
pub fn check_diffusion(
    response: &DiffusionResponse,
    request: &DiffusionRequest,
    level: Level,
) -> Result<(), TestError> {
    if response.images.is_empty() && response.videos.is_empty() && response.audios.is_empty() {
        return fail("the answer has no image, video or audio".into());
    }
    let expected_count = match (request.sizes.len(), request.num_outputs) {
        (n, _) if n > 1 => Some(n),
        (_, Some(per_prompt)) => Some(per_prompt as usize),
        _ => None,
    };
    if let Some(expected) = expected_count
        && !response.images.is_empty()
        && response.images.len() != expected
    {
        return fail(format!("expected {expected} image(s), got {}", response.images.len()));
    }
    for (i, audio) in response.audios.iter().enumerate() {
        media::check_audio_output(audio, level).map_err(|e| e.context(format!("audio output {i}")))?;
    }
    if level.validates_deeply() && !request.sizes.is_empty() {
        for (i, image) in response.images.iter().enumerate() {
            let (width, height) =
                request.sizes[(i * request.sizes.len() / response.images.len().max(1)).min(request.sizes.len() - 1)];
            media::check_image(image, Some(width), Some(height)).map_err(|e| e.context(format!("image {i}")))?;
        }
    }
    Ok(())
}

/// Checks an images-API answer against the request body (`n`, `size`).
pub fn check_images_api(response: &DiffusionResponse, body: &Value, level: Level) -> Result<(), TestError> {
    let n = body.get("n").and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok())).unwrap_or(1) as usize;
    if response.images.len() != n {
        return fail(format!("expected {n} image(s), got {}", response.images.len()));
    }
    let size = body.get("size").and_then(Value::as_str).filter(|s| *s != "auto");
    if let (true, Some(size)) = (level.validates_deeply(), size) {
        let (w, h) = size
            .split_once('x')
            .ok_or_else(|| TestError::harness(format!("the request's size {size:?} is not WxH")))?;
        let (w, h) = (w.parse().ok(), h.parse().ok());
        for (i, image) in response.images.iter().enumerate() {
            media::check_image(image, w, h).map_err(|e| e.context(format!("image {i}")))?;
        }
    }
    Ok(())
}

/// Checks a video job's output against its form: at every level, as the seed does.
pub fn check_video_job(response: &DiffusionResponse, request: &VideoRequest, _level: Level) -> Result<(), TestError> {
    let video = response.videos.first().ok_or_else(|| TestError::failure("the job produced no video"))?;
    let number = |name: &str| request.get(name).and_then(|v| v.parse::<f64>().ok());
    let (mut width, mut height) = (number("width").map(|v| v as u32), number("height").map(|v| v as u32));
    if let Some((w, h)) = request.get("size").and_then(|s| s.split_once('x')) {
        width = width.or(w.parse().ok());
        height = height.or(h.parse().ok());
    }
    let model = request.get("model").unwrap_or_default();
    // Helios outputs its own frame count.
    let frames = if model.contains("Helios") { None } else { number("num_frames").map(|n| n as u32) };
    media::check_video(&video.info, frames, width, height, number("fps")).map(|_| ())
}

/// Checks a text-to-audio answer (`/v1/audio/generate`) against the request body: at every level
/// a sound with frames and a rate (the seed's WAV sanity check); at deep levels also the asked
/// `audio_length` (to 50 ms) and a sound that is not silence.
pub fn check_generated_audio(response: &DiffusionResponse, body: &Value, level: Level) -> Result<(), TestError> {
    let audio = response.audios.first().ok_or_else(|| TestError::failure("the answer has no audio"))?;
    media::check_audio_output(audio, level).map_err(|e| e.context("generated audio"))?;
    if !level.validates_deeply() {
        return Ok(());
    }
    if let Some(expected) = body.get("audio_length").and_then(Value::as_f64)
        && (audio.duration_s() - expected).abs() > 0.05
    {
        return fail(format!(
            "the generated audio lasts {:.3} s, but audio_length asked for {expected} s",
            audio.duration_s()
        ));
    }
    Ok(())
}

/// Checks an error answer: the status is one of `codes`, a 4xx other than 404 carries an error
/// object (`detail` or `error`), and every fragment of `messages` appears in the body.
pub fn check_http_error(response: &HttpResponse, codes: &[u16], messages: &[&str]) -> Result<(), TestError> {
    if !codes.is_empty() && !codes.contains(&response.status) {
        return fail(format!("expected status {codes:?}, got {}: {}", response.status, response.text()));
    }
    if (400..500).contains(&response.status) && response.status != 404 && !codes.is_empty() {
        let has_object = response.json.as_ref().is_some_and(|j| j.get("detail").is_some() || j.get("error").is_some());
        if !has_object {
            return fail(format!(
                "a {} answer must carry a `detail` or `error` object: {}",
                response.status,
                response.text()
            ));
        }
    }
    let body = response.text().to_lowercase();
    for message in messages {
        if !body.contains(&message.to_lowercase()) {
            return fail(format!("the error body does not mention {message:?}: {}", response.text()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

/// Checks an offline runner's outputs, at every level (the seed validates offline runs
/// structurally): the requested kinds are present and non-empty; images have the requested
/// count and size; videos the requested size, fps and frame rule.
pub fn check_offline(
    outputs: &[crate::fixtures::OfflineOutput],
    request: &crate::fixtures::OfflineRequest,
    level: Level,
) -> Result<(), TestError> {
    use crate::fixtures::OfflineOutput;
    let texts: Vec<&str> =
        outputs.iter().filter_map(|o| if let OfflineOutput::Text(t) = o { Some(t.as_str()) } else { None }).collect();
    let audios: Vec<&Audio> =
        outputs.iter().filter_map(|o| if let OfflineOutput::Audio(_, a) = o { Some(a) } else { None }).collect();
    let number = |name: &str| request.get(name).and_then(Value::as_u64).map(|n| n as u32);
    match request.op() {
        "omni" => {
            let modalities: Vec<&str> = request
                .get("modalities")
                .and_then(Value::as_array)
                .map_or_else(|| vec!["text", "audio"], |m| m.iter().filter_map(Value::as_str).collect());
            if modalities.contains(&"text") && texts.iter().all(|t| t.trim().is_empty()) {
                return fail(format!("text was requested but the runner returned none (texts: {texts:?})"));
            }
            if modalities.contains(&"audio") && audios.iter().all(|a| a.frames() == 0) {
                return fail("audio was requested but the runner returned none".into());
            }
            if !modalities.contains(&"audio") && !audios.is_empty() {
                return fail(format!("only {modalities:?} was requested but the runner returned audio"));
            }
        }
        "speech" => {
            if audios.is_empty() {
                return fail("the runner returned no speech".into());
            }
            for audio in &audios {
                media::check_audio_output(audio, level).map_err(|e| e.context("speech"))?;
            }
        }
        _ => {
            let images: Vec<&crate::media::Frame> = outputs
                .iter()
                .filter_map(|o| if let OfflineOutput::Image(_, f) = o { Some(f) } else { None })
                .collect();
            let videos: Vec<&crate::media::video::VideoInfo> = outputs
                .iter()
                .filter_map(|o| if let OfflineOutput::Video(_, v) = o { Some(v) } else { None })
                .collect();
            if images.is_empty() && videos.is_empty() && audios.is_empty() {
                return fail("the runner returned no image, video or audio".into());
            }
            if let Some(expected) = number("num_outputs_per_prompt").filter(|_| !images.is_empty())
                && images.len() != expected as usize
            {
                return fail(format!("expected {expected} image(s), got {}", images.len()));
            }
            for (i, image) in images.iter().enumerate() {
                media::check_image(image, number("width"), number("height"))
                    .map_err(|e| e.context(format!("image {i}")))?;
            }
            for info in videos {
                media::check_video(
                    info,
                    number("num_frames"),
                    number("width"),
                    number("height"),
                    number("fps").map(f64::from),
                )?;
            }
            let clip = request.get("extra_args").map(|extra| {
                let start = extra["audio_start_in_s"].as_f64().unwrap_or(0.0);
                extra["audio_end_in_s"].as_f64().map(|end| end - start)
            });
            for (i, audio) in audios.iter().enumerate() {
                media::check_audio_output(audio, level).map_err(|e| e.context(format!("audio {i}")))?;
                if let Some(Some(seconds)) = clip {
                    media::check_audio(audio, audio.sample_rate, audio.channels, seconds)
                        .map_err(|e| e.context(format!("audio {i} of a {seconds} s clip")))?;
                }
            }
        }
    }
    Ok(())
}
