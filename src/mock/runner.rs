//! `omnitest mock-runner`: the offline counterpart of the mock server, speaking the JSON-lines
//! offline-runner protocol (`docs/offline-runner-protocol.md`).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use serde_json::{Value, json};

use super::content;
use super::defects::{Defect, Defects};
use super::profile::Profile;
use super::routes::chat::request::{Message, Part};
use super::text::compose_reply;
use crate::media::{data_url, picture, speech, video, wav};

/// The offline runner of the mock.
#[derive(Parser, Debug)]
#[command(name = "omnitest mock-runner", max_term_width = 100)]
struct RunnerArgs {
    /// The model, as `Omni(model=…)`.
    model: String,
    /// The kind of model to stand in for [default: implied by the model name].
    #[arg(long, value_enum)]
    profile: Option<Profile>,
    /// A stage-config file, checked as the server checks it.
    #[arg(long)]
    stage_configs_path: Option<PathBuf>,
    /// The seed of generated content.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// `Omni(...)` keyword arguments as JSON, checked as the engine checks them.
    #[arg(long, default_value = "{}")]
    extra: String,
    /// A deliberate wrong answer, as the mock server's `--defect`. Repeatable.
    #[arg(long = "defect", value_enum, value_name = "DEFECT")]
    defects: Vec<Defect>,
}

/// What every request is answered with.
struct Setup {
    profile: Profile,
    seed: u64,
    defects: Defects,
}

/// A request that cannot be carried out.
#[derive(Debug)]
struct Invalid(String);

/// Runs the protocol on stdin/stdout until `shutdown` or end of input.
pub fn run(argv: &[String]) -> ExitCode {
    let args = match RunnerArgs::try_parse_from(
        std::iter::once("omnitest mock-runner".to_owned()).chain(argv.iter().cloned()),
    ) {
        Ok(args) => args,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    if let Some(path) = &args.stage_configs_path
        && let Err(err) = super::deploy::DeployConfig::load(path, super::deploy::ConfigFlag::StageConfigs)
    {
        eprintln!("error: {err}");
        return ExitCode::from(1);
    }
    if let Err(err) = super::omni_kwargs::parse(&args.extra) {
        eprintln!("error: {err}");
        return ExitCode::from(1);
    }
    let profile = args.profile.unwrap_or_else(|| Profile::for_model(&args.model));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let ready = json!({"event": "ready", "runner": "omnitest-mock", "model": args.model, "profile": profile.name()});
    if writeln!(out, "{ready}").and_then(|()| out.flush()).is_err() {
        return ExitCode::from(1);
    }
    let setup = Setup { profile, seed: args.seed, defects: Defects::new(args.defects.iter().copied()) };
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let request: Value = match serde_json::from_str(&line) {
            Ok(value @ Value::Object(_)) => value,
            _ => {
                let reply = failure(Value::Null, "InvalidRequest", "each line must be one JSON object");
                if writeln!(out, "{reply}").and_then(|()| out.flush()).is_err() {
                    break;
                }
                continue;
            }
        };
        if request["op"] == "shutdown" {
            break;
        }
        let started = Instant::now();
        let reply = match handle(&request, &setup) {
            Ok(outputs) => {
                json!({"id": request["id"], "ok": true, "elapsed_s": started.elapsed().as_secs_f64(), "outputs": outputs})
            }
            Err(Invalid(message)) => failure(request["id"].clone(), "InvalidRequest", &message),
        };
        if writeln!(out, "{reply}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}

fn failure(id: Value, kind: &str, message: &str) -> Value {
    json!({"id": id, "ok": false, "error": {"type": kind, "message": message}})
}

fn handle(request: &Value, setup: &Setup) -> Result<Vec<Value>, Invalid> {
    let dir = PathBuf::from(request["output_dir"].as_str().ok_or_else(|| Invalid("`output_dir` is required".into()))?);
    std::fs::create_dir_all(&dir).map_err(|e| Invalid(format!("cannot create {}: {e}", dir.display())))?;
    let seed = request["seed"].as_u64().unwrap_or(setup.seed);
    match request["op"].as_str() {
        Some("omni") => omni(request, setup, seed, &dir),
        Some("diffusion") if setup.profile == Profile::StableAudio => sound(request, setup, seed, &dir),
        Some("diffusion") => diffusion(request, &setup.defects, seed, &dir),
        Some("speech") => speech_op(request, setup, &dir),
        Some(other) => Err(Invalid(format!("unknown op `{other}` (expected omni, diffusion, speech or shutdown)"))),
        None => Err(Invalid("`op` is required".into())),
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// A file path or `data:` URL as the `data:` URL the perception code reads.
fn as_data_url(source: &str, mime: &str) -> Result<String, Invalid> {
    if source.starts_with("data:") {
        return Ok(source.to_owned());
    }
    let bytes = std::fs::read(source).map_err(|e| Invalid(format!("cannot read {source}: {e}")))?;
    Ok(data_url::encode(mime, &bytes))
}

fn omni(request: &Value, setup: &Setup, seed: u64, dir: &Path) -> Result<Vec<Value>, Invalid> {
    let (profile, defects) = (setup.profile, &setup.defects);
    let prompts = strings(&request["prompts"]);
    if prompts.is_empty() {
        return Err(Invalid("omni needs `prompts`".into()));
    }
    let modalities = strings(&request["modalities"]);
    let wants = |m: &str| modalities.is_empty() || modalities.iter().any(|x| x == m);
    let mut parts = Vec::new();
    for (key, mime, make) in [
        ("images", "image/png", Part::Image as fn(String) -> Part),
        ("audios", "audio/wav", Part::Audio),
        ("videos", "video/mp4", Part::Video),
    ] {
        for source in strings(&request[key]) {
            parts.push(make(as_data_url(&source, mime)?));
        }
    }
    let mut outputs = Vec::new();
    for (i, prompt) in prompts.iter().enumerate() {
        let mut message_parts = parts.clone();
        message_parts.push(Part::Text(prompt.clone()));
        let message = Message { role: "user".into(), parts: message_parts };
        let perception = content::perceive(&[message])
            .map_err(|e| Invalid(e.body()["error"]["message"].as_str().unwrap_or_default().to_owned()))?;
        let reply =
            compose_reply(&perception.descriptions, seed ^ xxhash_rust::xxh3::xxh3_64(prompt.as_bytes()), None, false);
        if wants("text") {
            let text = if defects.has(Defect::EmptyText) { "" } else { reply.text.as_str() };
            outputs.push(json!({"type": "text", "text": text}));
        }
        let has_talker = profile.chat_outputs().contains(&super::profile::Modality::Audio);
        if wants("audio") && has_talker && !defects.has(Defect::NoAudio) {
            let spoken = if defects.has(Defect::MismatchedAudio) {
                super::text::filler(seed, super::text::count_tokens(&reply.text).max(4))
            } else {
                reply.text.clone()
            };
            let audio =
                content::speak(&spoken, request["speaker"].as_str().unwrap_or("ethan"), profile.sample_rate(), 1.0);
            let path = dir.join(format!("output_{i}.wav"));
            std::fs::write(&path, wav::encode_wav(&audio))
                .map_err(|e| Invalid(format!("cannot write {}: {e}", path.display())))?;
            outputs.push(json!({"type": "audio", "path": path, "sample_rate": audio.sample_rate, "duration_s": audio.duration_s()}));
        }
    }
    Ok(outputs)
}

fn diffusion(request: &Value, defects: &Defects, seed: u64, dir: &Path) -> Result<Vec<Value>, Invalid> {
    let prompt =
        request["prompt"].as_str().map(str::to_owned).or_else(|| strings(&request["prompts"]).into_iter().next());
    let prompt = prompt.ok_or_else(|| Invalid("diffusion needs `prompt`".into()))?;
    let dimension = |key: &str, default: u64| request[key].as_u64().unwrap_or(default).clamp(16, 4096) as u32;
    let (width, height) = (dimension("width", 512), dimension("height", 512));
    if let Some(frames) = request["num_frames"].as_u64() {
        let fps = request["fps"].as_u64().unwrap_or(16).clamp(1, 120) as u32;
        if width % 2 != 0 || height % 2 != 0 {
            return Err(Invalid(format!("video width and height must be even, got {width}x{height}")));
        }
        let frames = defects.video_frames(frames as u32);
        let rendered = content::render_video(&prompt, seed, width, height, frames);
        let mp4 = video::encode_mp4(&rendered, fps).map_err(|e| Invalid(format!("video encoding failed: {e}")))?;
        let path = dir.join("video_0.mp4");
        std::fs::write(&path, mp4).map_err(|e| Invalid(format!("cannot write {}: {e}", path.display())))?;
        return Ok(vec![
            json!({"type": "video", "path": path, "width": width, "height": height, "frames": frames, "fps": fps}),
        ]);
    }
    let count = defects.image_count(request["num_outputs_per_prompt"].as_u64().unwrap_or(1).clamp(1, 10) as u32);
    let width = defects.image_width(width);
    let lora = lora_of(request)?;
    (0..u64::from(count))
        .map(|i| {
            let mut frame = content::render_image(&prompt, seed.wrapping_add(i), width, height);
            if let Some(adapter) = &lora {
                super::lora::apply(&mut frame, adapter);
            }
            let png = picture::encode_png(&frame).map_err(|e| Invalid(format!("image encoding failed: {e}")))?;
            let path = dir.join(format!("image_{i}.png"));
            std::fs::write(&path, png).map_err(|e| Invalid(format!("cannot write {}: {e}", path.display())))?;
            Ok(json!({"type": "image", "path": path, "width": width, "height": height}))
        })
        .collect()
}

/// The request's `lora` (`{"name", "path", "scale"}`), loaded.
fn lora_of(request: &Value) -> Result<Option<super::lora::Adapter>, Invalid> {
    super::lora::load(Some(&request["lora"]))
        .map_err(|err| Invalid(err.body()["error"]["message"].as_str().unwrap_or("invalid lora").to_owned()))
}

/// Text-to-audio: stereo sound from `extra_args.audio_start_in_s` to `audio_end_in_s`.
fn sound(request: &Value, setup: &Setup, seed: u64, dir: &Path) -> Result<Vec<Value>, Invalid> {
    let prompt = request["prompt"].as_str().ok_or_else(|| Invalid("diffusion needs `prompt`".into()))?;
    let start = request["extra_args"]["audio_start_in_s"].as_f64().unwrap_or(0.0);
    let end = request["extra_args"]["audio_end_in_s"].as_f64().unwrap_or(10.0);
    if !(start >= 0.0 && end > start && end - start <= 600.0) {
        return Err(Invalid(format!("audio_start_in_s {start} and audio_end_in_s {end} give no clip of 0–600 s")));
    }
    let mono = content::render_sound(prompt, seed, end - start, setup.profile.sample_rate());
    let mono = if setup.defects.has(Defect::SilentAudio) { content::silence_like(&mono) } else { mono };
    let samples = mono.samples.iter().flat_map(|&s| [s, s]).collect();
    let stereo = crate::media::Audio { sample_rate: mono.sample_rate, channels: 2, samples };
    let path = dir.join("audio_0.wav");
    std::fs::write(&path, wav::encode_wav(&stereo))
        .map_err(|e| Invalid(format!("cannot write {}: {e}", path.display())))?;
    Ok(vec![
        json!({"type": "audio", "path": path, "sample_rate": stereo.sample_rate, "duration_s": stereo.duration_s()}),
    ])
}

fn speech_op(request: &Value, setup: &Setup, dir: &Path) -> Result<Vec<Value>, Invalid> {
    let input =
        request["input"].as_str().map(str::to_owned).or_else(|| strings(&request["prompts"]).into_iter().next());
    let input =
        input.filter(|s| !s.trim().is_empty()).ok_or_else(|| Invalid("speech needs a non-empty `input`".into()))?;
    let voice = speech::voice(request["voice"].as_str().unwrap_or("vivian"));
    let audio = speech::synthesize(&input, &voice, setup.profile.sample_rate(), 1.0);
    let audio = if setup.defects.has(Defect::NoiseSpeech) { content::noise_like(&audio, setup.seed) } else { audio };
    let path = dir.join("speech_0.wav");
    std::fs::write(&path, wav::encode_wav(&audio))
        .map_err(|e| Invalid(format!("cannot write {}: {e}", path.display())))?;
    Ok(vec![json!({"type": "audio", "path": path, "sample_rate": audio.sample_rate, "duration_s": audio.duration_s()})])
}
