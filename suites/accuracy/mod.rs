//! L3 accuracy: a model answers our own evaluation set (`baselines/accuracy/`), the answers are
//! scored, and the score is held against the baseline recorded for the model and backend through
//! its 95% confidence interval. The counterpart of the seed's `tests/e2e/accuracy/`.

mod qwen3_omni;

use std::path::PathBuf;

use omnitest::prelude::*;
use omnitest::validators::accuracy::{Baselines, EvalItem, EvalSet, Score, Verdict, answer_matches};
use serde_json::json;

/// `baselines/accuracy/` in this repository.
fn accuracy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("baselines/accuracy")
}

/// Loads a set from `baselines/accuracy/`; a broken file is the harness's problem, not the model's.
pub(crate) fn load_set(file: &str) -> Result<EvalSet, TestError> {
    EvalSet::load(&accuracy_dir().join(file)).map_err(|e| TestError::harness(e.to_string()))
}

/// The user message of an item: its media first, then the question.
fn messages(item: &EvalItem) -> Result<Messages, TestError> {
    let mut messages = Messages::user(item.question.clone());
    if let Some(picture) = &item.image {
        messages = messages.image(picture.data_url().map_err(TestError::harness)?);
    }
    if let Some(clip) = &item.video {
        messages = messages.video(clip.data_url().map_err(TestError::harness)?);
    }
    if let Some(speech) = &item.audio {
        messages = messages.audio(speech.data_url()?);
    }
    Ok(messages)
}

/// Asks every item of `set` (text answers, greedy decoding), writes each answer and whether it
/// matched to `accuracy.json` in the trial's folder, and returns the score.
pub(crate) fn answer_set(
    ctx: &TestContext,
    server: &Server,
    client: &Client,
    set: &EvalSet,
) -> Result<Score, TestError> {
    let mut score = Score { correct: 0, total: 0 };
    let mut answers = Vec::new();
    for item in &set.items {
        let request = OmniRequest::new(server.model(), messages(item)?)
            .modalities(&[Modality::Text])
            .max_tokens(64)
            .extra("temperature", json!(0.0))
            .extra("seed", json!(42));
        let answer = client.send_omni_request(&request, 1)?.remove(0).text.unwrap_or_default();
        let correct = answer_matches(&answer, &item.answers);
        score.correct += u32::from(correct);
        score.total += 1;
        answers.push(json!({"id": item.id, "question": item.question, "answer": answer, "accepted": item.answers, "correct": correct}));
    }
    let report = json!({"set": set.name, "model": server.model(), "backend": ctx.backend().name(),
        "correct": score.correct, "total": score.total, "accuracy": score.accuracy(),
        "interval_95": score.interval_95(), "answers": answers});
    std::fs::write(ctx.output_dir()?.join("accuracy.json"), serde_json::to_string_pretty(&report)?)?;
    Ok(score)
}

/// Holds `score` against the baseline for the set, model and backend; a missing baseline fails
/// with the line to record.
pub(crate) fn check_against_baseline(ctx: &TestContext, set: &EvalSet, model: &str, score: Score) -> TestResult {
    let path = accuracy_dir().join("baselines.yaml");
    let baselines = Baselines::load(&path).map_err(|e| TestError::harness(e.to_string()))?;
    let backend = ctx.backend().name();
    let Some(baseline) = baselines.get(&set.name, model, backend) else {
        return Err(TestError::failure(format!(
            "no baseline for {} / {model} / {backend} in {}: scored {score}; after checking the answers in \
             accuracy.json, record it as\n{}:\n  {model}:\n    {backend}: {{correct: {}, total: {}, recorded: \"YYYY-MM-DD\", note: \"…\"}}",
            set.name,
            path.display(),
            set.name,
            score.correct,
            score.total
        )));
    };
    check_eq!(
        baseline.total,
        score.total,
        "the set has {} items but its baseline was recorded on {}: record it again",
        score.total,
        baseline.total
    );
    match baseline.verdict(score) {
        Verdict::Regressed => Err(TestError::failure(format!(
            "accuracy regressed on {}: {score} lies wholly below the baseline {}/{} = {:.3} recorded {} ({})",
            set.name,
            baseline.correct,
            baseline.total,
            baseline.accuracy(),
            baseline.recorded,
            baseline.note
        ))),
        Verdict::Improved => {
            eprintln!(
                "{}: {score} lies wholly above the baseline {:.3}: consider recording the new score",
                set.name,
                baseline.accuracy()
            );
            Ok(())
        }
        Verdict::Consistent => Ok(()),
    }
}
