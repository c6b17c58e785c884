//! Model profiles: which routes and output modalities a served model has. The mock rejects the
//! rest as the real server does, e.g. `/v1/completions` with 400 for thinker–talker models.

use std::fmt;
use std::str::FromStr;

/// A kind of model the mock can stand in for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Qwen3-Omni: text, image, audio and video in; text and audio out.
    #[value(name = "qwen3-omni")]
    Qwen3Omni,
    /// Qwen2.5-Omni: as Qwen3-Omni.
    #[value(name = "qwen2.5-omni")]
    Qwen25Omni,
    /// MiMo-Audio: text and audio in; text and audio out (thinker and talker), as the
    /// Qwen omni models.
    #[value(name = "mimo-audio")]
    MimoAudio,
    /// Qwen3-TTS: `/v1/audio/speech`.
    #[value(name = "qwen3-tts")]
    Qwen3Tts,
    /// Qwen-Image (and -Edit): images through chat, generations and edits.
    #[value(name = "qwen-image")]
    QwenImage,
    /// Z-Image: images through chat and generations.
    #[value(name = "z-image")]
    ZImage,
    /// Wan2.2: videos through the `/v1/videos` job API.
    #[value(name = "wan2.2")]
    Wan22,
    /// BAGEL: text and images through chat, and generations.
    #[value(name = "bagel")]
    Bagel,
    /// Stable Audio: audio through chat and `/v1/audio/generate`.
    #[value(name = "stable-audio")]
    StableAudio,
    /// A plain text model: chat and completions.
    #[value(name = "text")]
    Text,
}

/// What a route is, for deciding whether a profile serves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /v1/chat/completions`.
    Chat,
    /// `POST /v1/completions`.
    Completions,
    /// `POST /v1/audio/speech` and the voice routes.
    Speech,
    /// `POST /v1/audio/generate`.
    AudioGenerate,
    /// `POST /v1/images/generations`.
    ImageGenerations,
    /// `POST /v1/images/edits`.
    ImageEdits,
    /// `/v1/videos…`.
    Videos,
}

/// An output modality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    /// Text.
    Text,
    /// Audio.
    Audio,
    /// Image.
    Image,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 10] = [
        Profile::Qwen3Omni,
        Profile::Qwen25Omni,
        Profile::MimoAudio,
        Profile::Qwen3Tts,
        Profile::QwenImage,
        Profile::ZImage,
        Profile::Wan22,
        Profile::Bagel,
        Profile::StableAudio,
        Profile::Text,
    ];

    /// The profile's name, as `--profile` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Qwen3Omni => "qwen3-omni",
            Profile::Qwen25Omni => "qwen2.5-omni",
            Profile::MimoAudio => "mimo-audio",
            Profile::Qwen3Tts => "qwen3-tts",
            Profile::QwenImage => "qwen-image",
            Profile::ZImage => "z-image",
            Profile::Wan22 => "wan2.2",
            Profile::Bagel => "bagel",
            Profile::StableAudio => "stable-audio",
            Profile::Text => "text",
        }
    }

    /// The profile a model name implies: what the mock stands in for when a scenario names a
    /// real model and no profile.
    pub fn for_model(model: &str) -> Profile {
        let m = model.to_ascii_lowercase().replace('_', "-");
        let has = |needle: &str| m.contains(needle);
        if has("qwen3-omni") {
            Profile::Qwen3Omni
        } else if has("qwen2.5-omni") {
            Profile::Qwen25Omni
        } else if has("mimo-audio") {
            Profile::MimoAudio
        } else if has("tts") {
            Profile::Qwen3Tts
        } else if has("qwen-image") {
            Profile::QwenImage
        } else if has("z-image") {
            Profile::ZImage
        } else if has("wan2") {
            Profile::Wan22
        } else if has("bagel") {
            Profile::Bagel
        } else if has("stable-audio") || has("audiox") {
            Profile::StableAudio
        } else {
            Profile::Text
        }
    }

    /// Whether this is a thinker–talker model.
    pub fn is_omni(self) -> bool {
        matches!(self, Profile::Qwen3Omni | Profile::Qwen25Omni | Profile::MimoAudio)
    }

    /// Whether the profile serves `route`.
    pub fn serves(self, route: Route) -> bool {
        use Profile::*;
        match route {
            Route::Chat => !matches!(self, Qwen3Tts | Wan22),
            Route::Completions => matches!(self, Text),
            Route::Speech => matches!(self, Qwen3Tts),
            Route::AudioGenerate => matches!(self, StableAudio),
            Route::ImageGenerations => matches!(self, QwenImage | ZImage | Bagel),
            Route::ImageEdits => matches!(self, QwenImage | Bagel),
            Route::Videos => matches!(self, Wan22),
        }
    }

    /// The modalities the model can output through chat, in stream order.
    pub fn chat_outputs(self) -> &'static [Modality] {
        use Profile::*;
        match self {
            Qwen3Omni | Qwen25Omni | MimoAudio => &[Modality::Text, Modality::Audio],
            QwenImage | ZImage => &[Modality::Image],
            Bagel => &[Modality::Text, Modality::Image],
            StableAudio => &[Modality::Audio],
            Text => &[Modality::Text],
            Qwen3Tts | Wan22 => &[],
        }
    }

    /// The modalities a chat request gets when it names none: every output for omni models
    /// (thinker and talker both run), text when a model has it, else its one output.
    pub fn default_chat_outputs(self) -> &'static [Modality] {
        match self {
            Profile::Bagel => &[Modality::Text],
            other => other.chat_outputs(),
        }
    }

    /// The sample rate of the audio the model makes.
    pub fn sample_rate(self) -> u32 {
        match self {
            Profile::StableAudio => 44_100,
            _ => 24_000,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            let names: Vec<_> = Profile::ALL.iter().map(|p| p.name()).collect();
            format!("unknown profile `{s}` (valid: {})", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_imply_profiles() {
        assert_eq!(Profile::for_model("Qwen/Qwen3-Omni-30B-A3B-Instruct"), Profile::Qwen3Omni);
        assert_eq!(Profile::for_model("Qwen/Qwen2.5-Omni-7B"), Profile::Qwen25Omni);
        assert_eq!(Profile::for_model("XiaomiMiMo/MiMo-Audio-7B-Instruct"), Profile::MimoAudio);
        assert_eq!(Profile::for_model("Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice"), Profile::Qwen3Tts);
        assert_eq!(Profile::for_model("Qwen/Qwen-Image-Edit-2509"), Profile::QwenImage);
        assert_eq!(Profile::for_model("Tongyi-MAI/Z-Image-Turbo"), Profile::ZImage);
        assert_eq!(Profile::for_model("Wan-AI/Wan2.2-T2V-A14B-Diffusers"), Profile::Wan22);
        assert_eq!(Profile::for_model("ByteDance-Seed/BAGEL-7B-MoT"), Profile::Bagel);
        assert_eq!(Profile::for_model("stabilityai/stable-audio-open-1.0"), Profile::StableAudio);
        assert_eq!(Profile::for_model("meta-llama/Llama-3.1-8B"), Profile::Text);
    }

    #[test]
    fn thinker_talker_models_have_no_completions() {
        assert!(!Profile::Qwen3Omni.serves(Route::Completions));
        assert!(Profile::MimoAudio.is_omni() && !Profile::MimoAudio.serves(Route::Completions));
        assert_eq!(Profile::MimoAudio.chat_outputs(), [Modality::Text, Modality::Audio]);
        assert!(Profile::Text.serves(Route::Completions));
        assert!(Profile::Wan22.serves(Route::Videos) && !Profile::Wan22.serves(Route::Chat));
    }
}
