//! Port of `tests/e2e/offline_inference/test_qwen2_5_omni.py`: Qwen2.5-Omni through the offline
//! `Omni` API, audio, image and video in together, audio (or only text) out.

use omnitest::prelude::*;

use super::common::texts;

static QWEN2_5_OMNI: Scenario =
    Scenario::offline("Qwen/Qwen2.5-Omni-3B").stage_configs("ci/offline/qwen2_5_omni.yaml").id("ci_stage_configs");

const QUESTION: &str = "What is recited in the audio? What is in this image? Describe the video briefly.";

/// The three inputs of both tests: five seconds of speech, a small picture and a short clip.
fn mixed_inputs() -> Result<OfflineRequest, TestError> {
    let audio = synth::audio(5, 1)?;
    let image = synth::image(128, 128)?;
    let video = synth::video(128, 128, 4)?;
    Ok(OfflineRequest::omni(&[QUESTION])
        .audios(&[&audio.path.display().to_string()])
        .images(&[&image.path.display().to_string()])
        .videos(&[&video.path.display().to_string()]))
}

omni_test! {
    /// Audio, image and video in one prompt; the thinker's text and the talker's speech out.
    /// Deploy Setting: ci/offline/qwen2_5_omni.yaml (thinker, talker, code2wav on separate cards)
    /// Input Modal: text + audio + image + video
    /// Output Modal: text + audio
    /// Input Setting: offline Omni.generate
    /// Datasets: single request
    #[levels(core_model)]
    #[markers(omni)]
    #[hardware(cuda = "L4", rocm = "MI325", cards = { cuda: 4, rocm: 2 })]
    #[scenarios(QWEN2_5_OMNI)]
    fn test_mixed_modalities_to_audio_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let outputs = runner.send(&mixed_inputs()?, &ctx.output_dir()?.join("outputs"))?;
        check!(texts(&outputs).iter().any(|t| !t.trim().is_empty()), "the thinker said nothing");
        Ok(())
    }

    /// The same inputs with only text asked for: the talker must not run.
    /// Deploy Setting: ci/offline/qwen2_5_omni.yaml
    /// Input Modal: text + audio + image + video
    /// Output Modal: text
    /// Input Setting: offline Omni.generate, modalities=["text"]
    /// Datasets: single request
    #[levels(core_model)]
    #[markers(omni)]
    #[hardware(cuda = "L4", rocm = "MI325", cards = { cuda: 4, rocm: 2 })]
    #[scenarios(QWEN2_5_OMNI)]
    fn test_mixed_modalities_to_text_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let request = mixed_inputs()?.modalities(&["text"]);
        runner.send(&request, &ctx.output_dir()?.join("outputs"))?;
        Ok(())
    }
}
