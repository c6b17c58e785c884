//! Cross-checks against `sox` and `ffmpeg`; each check is skipped, saying why, when its tool is
//! not installed.

use std::path::PathBuf;

use super::decode_wav;
use super::encode_wav;
use super::tests::tone;
use crate::media::tool_runs::run_tool;

/// A scratch file that is removed when dropped.
struct ScratchFile(PathBuf);

impl ScratchFile {
    fn new(name: &str, bytes: &[u8]) -> ScratchFile {
        let path = std::env::temp_dir().join(format!("omnitest-wav-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        ScratchFile(path)
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn sox_reads_the_encoded_wav() {
    let file = ScratchFile::new("sox.wav", &encode_wav(&tone(22_050, 2, 4_410)));
    let path = file.0.to_string_lossy();
    let Some(rate) = run_tool("sox", &["--i", "-r", &path]) else {
        return;
    };
    let channels = run_tool("sox", &["--i", "-c", &path]);
    let frames = run_tool("sox", &["--i", "-s", &path]);
    assert_eq!((rate.as_str(), channels.as_deref(), frames.as_deref()), ("22050", Some("2"), Some("4410")));
}

#[test]
fn decodes_wavs_written_by_ffmpeg() {
    // ffmpeg adds a LIST chunk, and for float a fact chunk and WAVE_FORMAT_EXTENSIBLE-style headers.
    for codec in ["pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le"] {
        let file = ScratchFile::new(&format!("ffmpeg-{codec}.wav"), &[]);
        let path = file.0.to_string_lossy();
        let args = [
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=16000:duration=0.25",
            "-ac",
            "2",
            "-c:a",
            codec,
            &path,
        ];
        if run_tool("ffmpeg", &args).is_none() {
            return;
        }
        let audio = decode_wav(&std::fs::read(&file.0).unwrap()).unwrap();
        assert_eq!((audio.sample_rate, audio.channels, audio.frames()), (16_000, 2, 4_000), "{codec}");
        let peak = audio.samples.iter().fold(0.0f32, |peak, sample| peak.max(sample.abs()));
        assert!((0.05..=1.0).contains(&peak), "{codec}: peak {peak}");
    }
}
