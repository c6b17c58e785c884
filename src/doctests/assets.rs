//! Checking the files a documentation example produces: an example that "works" but writes an
//! empty or undecodable image has not shown what the page promises.

use std::path::{Path, PathBuf};

use crate::media::{picture, video, wav};

/// A produced file that is missing or does not hold what its extension says.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    /// The file was not written.
    #[error("the example did not produce {}", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// The file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty or does not decode.
    #[error("{} is not a valid {kind}: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What it should be.
        kind: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// What kind of media a file is, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssetKind {
    /// PNG or JPEG: decoded, and must have pixels.
    Image,
    /// WAV or FLAC: decoded, and must have samples.
    Audio,
    /// MP4: probed, and must have frames.
    Video,
    /// Anything else: must exist and not be empty.
    Other,
}

impl AssetKind {
    /// The kind of the file at `path`.
    pub fn of(path: &Path) -> AssetKind {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        match ext.as_str() {
            "png" | "jpg" | "jpeg" => AssetKind::Image,
            "wav" | "flac" => AssetKind::Audio,
            "mp4" => AssetKind::Video,
            _ => AssetKind::Other,
        }
    }

    /// Whether files of this kind are media a Python example's new files are checked as.
    pub fn is_media(self) -> bool {
        self != AssetKind::Other
    }

    fn name(self) -> &'static str {
        match self {
            AssetKind::Image => "image",
            AssetKind::Audio => "audio file",
            AssetKind::Video => "video",
            AssetKind::Other => "file",
        }
    }
}

/// Checks one produced file; returns a one-line description of what it holds.
pub fn validate_asset(path: &Path) -> Result<String, AssetError> {
    if !path.exists() {
        return Err(AssetError::Missing { path: path.to_path_buf() });
    }
    let bytes = std::fs::read(path).map_err(|source| AssetError::Read { path: path.to_path_buf(), source })?;
    let kind = AssetKind::of(path);
    let invalid = |problem: String| AssetError::Invalid { path: path.to_path_buf(), kind: kind.name(), problem };
    if bytes.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    match kind {
        AssetKind::Image => {
            let frame = picture::decode_image(&bytes).map_err(|e| invalid(e.to_string()))?;
            if frame.width == 0 || frame.height == 0 {
                return Err(invalid(format!("it has no pixels ({}×{})", frame.width, frame.height)));
            }
            Ok(format!("{}×{} image", frame.width, frame.height))
        }
        AssetKind::Audio => {
            let audio = wav::decode_any(&bytes).map_err(|e| invalid(e.to_string()))?;
            if audio.frames() == 0 {
                return Err(invalid("it has no samples".into()));
            }
            Ok(format!("{:.2} s of audio at {} Hz", audio.duration_s(), audio.sample_rate))
        }
        AssetKind::Video => {
            let info = video::probe(&bytes).map_err(|e| invalid(e.to_string()))?;
            if info.frames == 0 || info.width == 0 || info.height == 0 {
                return Err(invalid(format!("it has {} frames of {}×{}", info.frames, info.width, info.height)));
            }
            Ok(format!("{}×{} video, {} frames", info.width, info.height, info.frames))
        }
        AssetKind::Other => Ok(format!("{} bytes", bytes.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{Audio, Frame};

    fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("omnitest-assets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn valid_media_are_described() {
        let png = picture::encode_png(&Frame::filled(8, 4, [255, 0, 0])).unwrap();
        assert_eq!(validate_asset(&scratch("a.png", &png)).unwrap(), "8×4 image");
        let audio = wav::encode_wav(&Audio::mono(16000, vec![0.1; 8000]));
        assert_eq!(validate_asset(&scratch("a.wav", &audio)).unwrap(), "0.50 s of audio at 16000 Hz");
        let frames = vec![Frame::filled(32, 32, [0, 0, 255]); 3];
        let mp4 = video::encode_mp4(&frames, 8).unwrap();
        assert_eq!(validate_asset(&scratch("a.mp4", &mp4)).unwrap(), "32×32 video, 3 frames");
    }

    #[test]
    fn empty_undecodable_and_missing_files_are_errors() {
        let empty = validate_asset(&scratch("empty.png", b"")).unwrap_err().to_string();
        assert!(empty.ends_with("empty.png is not a valid image: it is empty"), "{empty}");
        let text = validate_asset(&scratch("text.wav", b"not audio")).unwrap_err().to_string();
        assert!(text.contains("text.wav is not a valid audio file: invalid audio"), "{text}");
        let missing = validate_asset(Path::new("/nonexistent/out.mp4")).unwrap_err().to_string();
        assert_eq!(missing, "the example did not produce /nonexistent/out.mp4");
    }
}
