//! Cross-checks with `ffprobe`, `sox`, `ffmpeg` and `espeak-ng`; each check is skipped, saying
//! why, when its tool is not installed.

use super::audio::{AudioOptions, audio_in};
use super::programs::find_program;
use super::tests::ScratchDir;
use super::video::{VideoOptions, video_in};
use super::voice::Voice;
use super::{ESPEAK_NG, FALLBACK};
use crate::media::analysis::median_f0_hz;
use crate::media::tool_runs::{ffprobe_stream, run_tool};
use crate::media::video::probe;
use crate::media::wav::decode_wav;

#[test]
fn ffprobe_reads_the_video_as_asked() {
    let scratch = ScratchDir::new("tool-ffprobe");
    let options = VideoOptions { width: 96, height: 64, num_frames: 45, fps: 15, seed: 5, embed_audio: false };
    let video = video_in(&scratch.cache(), options, &Voice::Fallback, false).unwrap();
    let entries = "stream=codec_name,width,height,r_frame_rate,nb_read_frames";
    let Some(lines) = ffprobe_stream(&video.path.to_string_lossy(), "v:0", entries) else {
        return;
    };
    for expected in ["codec_name=h264", "width=96", "height=64", "r_frame_rate=15/1", "nb_read_frames=45"] {
        assert!(lines.iter().any(|line| line == expected), "{expected} missing from {lines:?}");
    }
}

#[test]
fn embedded_speech_is_an_aac_track() {
    if find_program("ffmpeg").is_none() {
        eprintln!("skipping: ffmpeg is not on PATH");
        return;
    }
    let scratch = ScratchDir::new("tool-mux");
    let options = VideoOptions { width: 64, height: 48, num_frames: 30, fps: 15, seed: 0, embed_audio: true };
    let video = video_in(&scratch.cache(), options, &Voice::Fallback, true).unwrap();
    assert_eq!(video.source, "video+fallback");
    let info = probe(&video.bytes).unwrap();
    assert!(info.has_audio);
    assert_eq!((info.width, info.height, info.frames), (64, 48, 30));
    assert!(video.path.ends_with("video_w64_h48_n30_f15_s0_a1_fallback.mp4"), "{}", video.path.display());
    let again = video_in(&scratch.cache(), options, &Voice::Fallback, true).unwrap();
    assert_eq!((again.bytes, again.source), (video.bytes, "video+fallback"));
    let Some(audio) = ffprobe_stream(&video.path.to_string_lossy(), "a:0", "stream=codec_name") else {
        return;
    };
    assert_eq!(audio, ["codec_name=aac"]);
}

#[test]
fn sox_reads_the_audio_as_asked() {
    let scratch = ScratchDir::new("tool-sox");
    let options = AudioOptions { duration_s: 2.0, channels: 2, sample_rate: 22_050, ..AudioOptions::default() };
    let audio = audio_in(&scratch.cache(), &options, &Voice::detect()).unwrap();
    let path = audio.path.to_string_lossy();
    let Some(rate) = run_tool("sox", &["--i", "-r", &path]) else {
        return;
    };
    let channels = run_tool("sox", &["--i", "-c", &path]);
    let samples = run_tool("sox", &["--i", "-s", &path]);
    let seconds = run_tool("sox", &["--i", "-D", &path]);
    assert_eq!(
        (rate.as_str(), channels.as_deref(), samples.as_deref(), seconds.as_deref()),
        ("22050", Some("2"), Some("44100"), Some("2.000000"))
    );
}

#[test]
fn espeak_ng_speaks_the_phrase_when_installed() {
    let voice = Voice::detect();
    if voice == Voice::Fallback {
        eprintln!("skipping: espeak-ng is not on PATH, so audio is the fallback");
        return;
    }
    let (first, second) = (ScratchDir::new("tool-espeak-1"), ScratchDir::new("tool-espeak-2"));
    let options = AudioOptions { duration_s: 5.0, ..AudioOptions::default() };
    let audio = audio_in(&first.cache(), &options, &voice).unwrap();
    assert_eq!(audio.source, ESPEAK_NG);
    assert_ne!(audio.source, FALLBACK);
    assert!(audio.path.to_string_lossy().ends_with("_espeak-ng.wav"), "{}", audio.path.display());
    let decoded = decode_wav(&audio.bytes).unwrap();
    assert_eq!((decoded.sample_rate, decoded.channels, decoded.frames()), (48_000, 1, 240_000));
    let pitch = median_f0_hz(&decoded).unwrap();
    assert!((120.0..=350.0).contains(&pitch), "a voice's pitch, got {pitch} Hz");
    let again = audio_in(&second.cache(), &options, &voice).unwrap();
    assert_eq!(again.bytes, audio.bytes, "espeak-ng speaks the same way each time");
    let quoted = AudioOptions { phrase: "-v is not an option here".to_owned(), ..options };
    audio_in(&first.cache(), &quoted, &voice).unwrap();
}
