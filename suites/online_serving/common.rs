//! What several online-serving files share, as the seed's test files each repeat it: the Qwen
//! system prompt, the prompts, the batch sizes, the keyword lists and the mixed-media message.

use omnitest::prelude::*;

/// The system prompt every Qwen omni test sends (the talker only speaks with it).
pub(crate) const QWEN_SYSTEM_PROMPT: &str = "You are Qwen, a virtual human developed by the Qwen Team, Alibaba Group, \
capable of perceiving auditory and visual inputs, as well as generating text and speech.";

/// The seed's `text_only` prompt.
pub(crate) const PROMPT_TEXT_ONLY: &str = "What is the capital of China? Answer in 20 words.";
/// The seed's `mix` prompt.
pub(crate) const PROMPT_MIX: &str = "What is recited in the audio? What is in this image? Describe the video briefly.";

/// The seed's `get_max_batch_size("few")`.
pub(crate) const FEW: usize = 5;
/// The seed's `get_max_batch_size("medium")`.
pub(crate) const MEDIUM: usize = 100;

/// What the synthetic audio says (it recites "test").
pub(crate) const AUDIO_KEY: [&str; 1] = ["test"];
/// Words for the synthetic picture of squares.
pub(crate) const IMAGE_KEY: [&str; 3] = ["square", "quadrate", "rectangle"];
/// Words for the synthetic video of bouncing balls.
pub(crate) const VIDEO_KEY: [&str; 5] = ["sphere", "globe", "circle", "round", "ball"];
/// The seed's answer to the text-only prompt.
pub(crate) const BEIJING: [&str; 1] = ["beijing"];

/// The seed's `dummy_messages_from_mix_data(system_prompt=…, content_text=text)`.
pub(crate) fn qwen_messages(text: &str) -> Messages {
    Messages::user(text).system(QWEN_SYSTEM_PROMPT)
}

/// The seed's `text_to_text` request: `messages` asking for the capital of China, answered in
/// text only, which must name Beijing.
pub(crate) fn capital_in_text(model: &str, messages: Messages) -> OmniRequest {
    OmniRequest::new(model, messages).modalities(&[Modality::Text]).key_words(KeyWords::text(BEIJING))
}

/// `duration_s` seconds of the synthetic speech ("test", again and again), mono at
/// `sample_rate` Hz, as a `data:` URL.
pub(crate) fn speech_url(duration_s: f64, sample_rate: u32) -> Result<String, TestError> {
    let options = synth::AudioOptions { duration_s, channels: 1, sample_rate, ..synth::AudioOptions::default() };
    Ok(synth::audio_with(options)?.data_url())
}

/// The Qwen system prompt and a user message with `text`, a 224×224 video of 300 frames, a
/// 224×224 picture and five seconds of speech at `audio_rate` Hz.
pub(crate) fn mixed_media(text: &str, audio_rate: u32) -> Result<Messages, TestError> {
    Ok(qwen_messages(text)
        .video(synth::video(224, 224, 300)?.data_url())
        .image(synth::image(224, 224)?.data_url())
        .audio(speech_url(5.0, audio_rate)?))
}

/// The seed's speech input: the Beijing sentence it also asks the omni models about.
pub(crate) const TTS_PROMPT: &str = "Beijing, China's capital, blends ancient wonders like the Great Wall with modern \
marvels. This vibrant metropolis offers rich culture, delicious Peking duck, and endless exploration opportunities.";

/// A CustomVoice speech request: `input` in the preset `voice`, as WAV unless changed.
pub(crate) fn custom_voice(model: &str, input: &str, voice: &str, mode: SpeechMode) -> SpeechRequest {
    SpeechRequest::new(model, input)
        .voice(voice)
        .response_format("wav")
        .mode(mode)
        .extra("task_type", serde_json::json!("CustomVoice"))
}
