//! Adding an AAC soundtrack to an MP4 with the `ffmpeg` command, the one step no Rust crate here
//! can do (there is no AAC encoder among them).

use std::io::ErrorKind;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::media::wav::encode_wav;
use crate::media::{Audio, MediaError};

const WHAT: &str = "audio muxing";

/// Muxes `audio` as AAC 128 kb/s into `video_mp4`, copying the video stream, cut to the shorter
/// of the two, with the index at the front (`+faststart`). Needs `ffmpeg` on `PATH`.
pub fn mux_audio_with_ffmpeg(video_mp4: &[u8], audio: &Audio) -> Result<Vec<u8>, MediaError> {
    mux_with("ffmpeg", video_mp4, audio)
}

/// The muxing, with the ffmpeg command named so that a missing one can be tested.
fn mux_with(ffmpeg: &str, video_mp4: &[u8], audio: &Audio) -> Result<Vec<u8>, MediaError> {
    if audio.frames() == 0 || audio.sample_rate == 0 || audio.channels == 0 {
        return Err(MediaError::Unsupported { what: WHAT, detail: "the audio has no samples to mux".to_owned() });
    }
    let scratch = ScratchDir::create().map_err(|error| io_failed("create a scratch directory", &error))?;
    let video = scratch.path.join("video.mp4");
    let sound = scratch.path.join("audio.wav");
    let muxed = scratch.path.join("muxed.mp4");
    std::fs::write(&video, video_mp4).map_err(|error| io_failed("write the video", &error))?;
    std::fs::write(&sound, encode_wav(audio)).map_err(|error| io_failed("write the audio", &error))?;
    let output = Command::new(ffmpeg)
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i"])
        .arg(&video)
        .arg("-i")
        .arg(&sound)
        .args(["-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", "128k"])
        .args(["-shortest", "-movflags", "+faststart"])
        .arg(&muxed)
        .output()
        .map_err(|error| match error.kind() {
            ErrorKind::NotFound => MediaError::Unsupported {
                what: WHAT,
                detail: "ffmpeg is needed on PATH to encode AAC and mux it, and none was found".to_owned(),
            },
            _ => io_failed("run ffmpeg", &error),
        })?;
    if !output.status.success() {
        return Err(MediaError::Invalid {
            format: "MP4",
            detail: format!(
                "ffmpeg could not mux the audio ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    std::fs::read(&muxed).map_err(|error| io_failed("read ffmpeg's output", &error))
}

/// A private directory for ffmpeg's inputs and output, removed with everything in it on drop.
struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    fn create() -> std::io::Result<ScratchDir> {
        // Unique across threads (the counter) and processes (the pid and the clock).
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_nanos());
        let name = format!("omnitest-mux-{}-{}-{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path)?;
        Ok(ScratchDir { path })
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Nothing useful can be done if removal fails; the system cleans its temp dir.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn io_failed(action: &str, error: &std::io::Error) -> MediaError {
    MediaError::Unsupported { what: WHAT, detail: format!("could not {action}: {error}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scratch_directory_is_removed_on_drop() {
        let scratch = ScratchDir::create().unwrap();
        let kept = scratch.path.clone();
        std::fs::write(kept.join("file"), b"x").unwrap();
        assert!(kept.is_dir());
        drop(scratch);
        assert!(!kept.exists());
    }

    #[test]
    fn scratch_directories_are_distinct() {
        let first = ScratchDir::create().unwrap();
        let second = ScratchDir::create().unwrap();
        assert_ne!(first.path, second.path);
    }

    #[test]
    fn a_missing_ffmpeg_is_unsupported() {
        let audio = Audio::mono(16_000, vec![0.0; 160]);
        let error = mux_with("omnitest-no-such-ffmpeg", b"", &audio).unwrap_err();
        assert!(matches!(error, MediaError::Unsupported { what: WHAT, .. }), "{error}");
        assert!(error.to_string().contains("ffmpeg is needed on PATH"), "{error}");
    }

    #[test]
    fn empty_audio_is_refused_before_running_ffmpeg() {
        let error = mux_audio_with_ffmpeg(b"", &Audio::mono(16_000, Vec::new())).unwrap_err();
        assert!(matches!(error, MediaError::Unsupported { what: WHAT, .. }), "{error}");
    }
}
