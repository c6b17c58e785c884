//! Deliberate defects: one broken behaviour per output modality, switched on with `--defect`, so
//! the suites can be shown to fail on a server that answers but answers wrongly. Each defect is
//! the kind of bug a serving engine really ships: a dropped stream, an off-by-one frame count, a
//! resize that forgets one side.

use std::collections::BTreeSet;

use serde::Serialize;

/// A broken behaviour of the mock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Defect {
    /// Chat answers carry an empty text, though the tokens are counted.
    EmptyText,
    /// Chat answers carry no audio, even when it is asked for.
    NoAudio,
    /// The chat audio says something other than the text.
    MismatchedAudio,
    /// `/v1/audio/speech` returns noise instead of a voice.
    NoiseSpeech,
    /// Images come out at half the requested width.
    WrongImageSize,
    /// One image fewer than asked for.
    MissingImage,
    /// Videos have exactly `num_frames` frames instead of the model's `(n / 4) * 4 + 1`.
    WrongVideoFrames,
    /// Generated sound (text-to-audio) is silence.
    SilentAudio,
}

impl Defect {
    /// The defect's name, as `--defect` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Defect::EmptyText => "empty-text",
            Defect::NoAudio => "no-audio",
            Defect::MismatchedAudio => "mismatched-audio",
            Defect::NoiseSpeech => "noise-speech",
            Defect::WrongImageSize => "wrong-image-size",
            Defect::MissingImage => "missing-image",
            Defect::WrongVideoFrames => "wrong-video-frames",
            Defect::SilentAudio => "silent-audio",
        }
    }

    /// Every defect.
    pub const ALL: [Defect; 8] = [
        Defect::EmptyText,
        Defect::NoAudio,
        Defect::MismatchedAudio,
        Defect::NoiseSpeech,
        Defect::WrongImageSize,
        Defect::MissingImage,
        Defect::WrongVideoFrames,
        Defect::SilentAudio,
    ];
}

impl std::str::FromStr for Defect {
    type Err = UnknownDefect;

    fn from_str(name: &str) -> Result<Defect, UnknownDefect> {
        Defect::ALL.into_iter().find(|d| d.name() == name).ok_or_else(|| UnknownDefect(name.to_owned()))
    }
}

/// A defect name the mock does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown mock defect `{0}` (valid: {valid})", valid = Defect::ALL.map(Defect::name).join(", "))]
pub struct UnknownDefect(pub String);

/// The defects a mock runs with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Defects(BTreeSet<Defect>);

impl Defects {
    /// The set of `defects`.
    pub fn new(defects: impl IntoIterator<Item = Defect>) -> Defects {
        Defects(defects.into_iter().collect())
    }

    /// Whether `defect` is on.
    pub fn has(&self, defect: Defect) -> bool {
        self.0.contains(&defect)
    }

    /// The width an image asked at `width` comes out at.
    pub fn image_width(&self, width: u32) -> u32 {
        if self.has(Defect::WrongImageSize) { (width / 2).max(16) } else { width }
    }

    /// How many of `count` requested images come out.
    pub fn image_count(&self, count: u32) -> u32 {
        if self.has(Defect::MissingImage) { count.saturating_sub(1) } else { count }
    }

    /// The frames a video of `num_frames` requested frames has.
    pub fn video_frames(&self, num_frames: u32) -> u32 {
        if self.has(Defect::WrongVideoFrames) { num_frames.max(1) } else { (num_frames / 4) * 4 + 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_valid_ones() {
        for defect in Defect::ALL {
            assert_eq!(defect.name().parse::<Defect>(), Ok(defect));
            let value = clap::ValueEnum::to_possible_value(&defect).unwrap();
            assert_eq!(value.get_name(), defect.name());
        }
        let err = "no-sound".parse::<Defect>().unwrap_err().to_string();
        assert!(err.starts_with("unknown mock defect `no-sound` (valid: empty-text, no-audio,"), "{err}");
    }

    #[test]
    fn shapes_follow_the_defects() {
        let sound = Defects::default();
        assert_eq!((sound.image_width(512), sound.image_count(2), sound.video_frames(8)), (512, 2, 9));
        let broken = Defects::new([Defect::WrongImageSize, Defect::MissingImage, Defect::WrongVideoFrames]);
        assert_eq!((broken.image_width(512), broken.image_count(2), broken.video_frames(8)), (256, 1, 8));
    }
}
