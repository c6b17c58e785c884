//! Cross-checks against `ffprobe` and `ffmpeg`; each check is skipped, saying why, when its tool
//! is not installed.

use std::path::PathBuf;

use super::tests::moving_pattern;
use super::{decode_frames, encode_mp4, mux_audio_with_ffmpeg, probe};
use crate::media::Audio;
use crate::media::tool_runs::{ffprobe_stream, run_tool};

/// A scratch file that is removed when dropped.
struct ScratchFile(PathBuf);

impl ScratchFile {
    fn new(name: &str, bytes: &[u8]) -> ScratchFile {
        let path = std::env::temp_dir().join(format!("omnitest-video-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        ScratchFile(path)
    }

    fn path(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An MP4 made by ffmpeg's libx264 from its test pattern, 64×48 at 10 fps, 12 frames.
fn ffmpeg_mp4(name: &str, extra: &[&str]) -> Option<Vec<u8>> {
    let file = ScratchFile::new(name, &[]);
    let path = file.path();
    let mut args = vec![
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=10",
        "-frames:v",
        "12",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
    ];
    args.extend_from_slice(extra);
    args.push(&path);
    run_tool("ffmpeg", &args)?;
    Some(std::fs::read(&file.0).unwrap())
}

#[test]
fn ffprobe_reads_the_encoded_mp4_exactly() {
    let mp4 = encode_mp4(&moving_pattern(64, 48, 17), 8).unwrap();
    let file = ScratchFile::new("ours.mp4", &mp4);
    let entries = "stream=codec_name,width,height,r_frame_rate,nb_read_frames";
    let Some(lines) = ffprobe_stream(&file.path(), "v:0", entries) else {
        return;
    };
    for expected in ["codec_name=h264", "width=64", "height=48", "r_frame_rate=8/1", "nb_read_frames=17"] {
        assert!(lines.iter().any(|line| line == expected), "{expected} missing from {lines:?}");
    }
}

#[test]
fn ffmpeg_decodes_every_frame_without_errors() {
    let mp4 = encode_mp4(&moving_pattern(96, 64, 20), 25).unwrap();
    let file = ScratchFile::new("decode.mp4", &mp4);
    let path = file.path();
    let args = ["-v", "error", "-xerror", "-i", &path, "-f", "null", "-"];
    let Some(_) = run_tool("ffmpeg", &args) else {
        return;
    };
}

#[test]
fn probe_reads_ffmpeg_mp4s() {
    for (name, extra) in [("plain.mp4", &[][..]), ("faststart.mp4", &["-movflags", "+faststart"][..])] {
        let Some(mp4) = ffmpeg_mp4(name, extra) else {
            return;
        };
        let info = probe(&mp4).unwrap();
        assert_eq!((info.width, info.height, info.frames), (64, 48, 12), "{name}");
        assert!((info.fps - 10.0).abs() < 1e-6, "{name}: {} fps", info.fps);
        assert!((info.duration_s - 1.2).abs() < 1e-6, "{name}: {} s", info.duration_s);
        assert_eq!(info.codec, "h264");
        assert!(!info.has_audio);
    }
}

#[test]
fn decodes_ffmpeg_mp4s_like_ffmpeg_does() {
    // libx264's default High profile uses B-frames, so frames arrive out of display order.
    for (name, extra) in [("high.mp4", &[][..]), ("baseline.mp4", &["-profile:v", "baseline"][..])] {
        let Some(mp4) = ffmpeg_mp4(name, extra) else {
            return;
        };
        let file = ScratchFile::new(name, &mp4);
        let raw = ScratchFile::new(&format!("{name}.rgb"), &[]);
        let args = ["-v", "error", "-y", "-i", &file.path(), "-f", "rawvideo", "-pix_fmt", "rgb24", &raw.path()];
        let Some(_) = run_tool("ffmpeg", &args) else {
            return;
        };
        let reference = std::fs::read(&raw.0).unwrap();
        let (info, frames) = decode_frames(&mp4, 12).unwrap();
        assert_eq!((info.frames, frames.len()), (12, 12), "{name}");
        for (index, (frame, expected)) in frames.iter().zip(reference.chunks_exact(64 * 48 * 3)).enumerate() {
            assert_eq!((frame.width, frame.height), (64, 48), "{name} frame {index}");
            let difference: u64 = frame.rgb.iter().zip(expected).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
            let mean = difference as f64 / expected.len() as f64;
            assert!(mean < 3.0, "{name} frame {index} differs from ffmpeg's by {mean:.1} per channel");
        }
    }
}

#[test]
fn muxed_audio_is_an_aac_track() {
    let mp4 = encode_mp4(&moving_pattern(64, 48, 16), 8).unwrap();
    let tone = (0..32_000).map(|index| (index as f32 * 0.05).sin() * 0.5).collect();
    let muxed = match mux_audio_with_ffmpeg(&mp4, &Audio::mono(16_000, tone)) {
        Ok(muxed) => muxed,
        Err(error) if run_tool("ffmpeg", &["-version"]).is_none() => {
            assert!(error.to_string().contains("ffmpeg is needed"), "{error}");
            return;
        }
        Err(error) => panic!("muxing failed: {error}"),
    };
    let info = probe(&muxed).unwrap();
    assert!(info.has_audio);
    assert_eq!((info.width, info.height, info.frames), (64, 48, 16));
    let file = ScratchFile::new("muxed.mp4", &muxed);
    let Some(audio) = ffprobe_stream(&file.path(), "a:0", "stream=codec_name,bit_rate") else {
        return;
    };
    assert!(audio.iter().any(|line| line == "codec_name=aac"), "{audio:?}");
    let Some(video) = ffprobe_stream(&file.path(), "v:0", "stream=nb_read_frames") else {
        return;
    };
    assert_eq!(video, ["nb_read_frames=16"]);
}
