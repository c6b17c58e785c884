//! Port of `tests/e2e/offline_inference/test_qwen3_omni.py`: Qwen3-Omni through the offline
//! `Omni` API on two H100s (MI325 on ROCm).

use omnitest::prelude::*;

use super::common::texts;

static QWEN3_OMNI: Scenario = Scenario::offline("Qwen/Qwen3-Omni-30B-A3B-Instruct")
    .stage_configs("ci/offline/qwen3_omni.yaml")
    .updates(&[("stage_args.0.engine_args.enforce_eager", "true"), ("stage_args.1.engine_args.enforce_eager", "true")])
    .id("ci_eager");

omni_test! {
    /// A long synthetic clip of bouncing balls in, speech only out.
    /// Deploy Setting: ci/offline/qwen3_omni.yaml, stages 0–1 eager
    /// Input Modal: text + video
    /// Output Modal: audio
    /// Input Setting: offline Omni.generate, modalities=["audio"]
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(QWEN3_OMNI)]
    fn test_video_to_audio_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let video = synth::video(224, 224, 300)?;
        let request = OfflineRequest::omni(&["Describe the video briefly."])
            .videos(&[&video.path.display().to_string()])
            .modalities(&["audio"]);
        runner.send(&request, &ctx.output_dir()?.join("outputs"))?;
        Ok(())
    }

    /// Several text prompts in one call: each gets its own answer, in text and speech.
    /// Deploy Setting: ci/offline/qwen3_omni.yaml, stages 0–1 eager
    /// Input Modal: text
    /// Output Modal: text + audio
    /// Input Setting: offline Omni.generate, a batch of prompts
    /// Datasets: few requests
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(QWEN3_OMNI)]
    fn test_text_to_text_audio_001(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let prompts = ["What is the capital of China?", "Name a colour of the sky.", "Count from one to three."];
        let outputs = runner.send(&OfflineRequest::omni(&prompts), &ctx.output_dir()?.join("outputs"))?;
        let answers = texts(&outputs);
        check_eq!(answers.len(), prompts.len(), "one text answer per prompt");
        check!(answers.iter().all(|a| !a.trim().is_empty()), "an empty answer: {answers:?}");
        Ok(())
    }
}
