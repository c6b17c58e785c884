use omnitest::prelude::*;
use omnitest::selection::{Backend, HardwareShard};

use super::{environment, names, options, run_selection};

const TWO_CARD_TEST: &str = "registry::registration::test_hardware_requirement_derives_markers";

omni_test! {
    /// `--hardware cuda:H100 --cards 2` selects exactly the tests of that CI shard.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_shard_selects_platform_resource_and_cards() -> TestResult {
        let mut opts = options(Level::CoreModel, "")?;
        opts.hardware = Some("cuda:H100".parse::<HardwareShard>()?);
        opts.cards = Some(2);
        let env = environment(Backend::Mock, 0);
        let selection = run_selection(&opts, &env)?;
        check!(names(&selection).contains(&TWO_CARD_TEST), "the 2-card H100 test is missing");
        check!(selection.trials.iter().all(|t| !t.case.requirements.is_empty()), "a CPU test leaked into a GPU shard");
        opts.cards = Some(1);
        check!(!names(&run_selection(&opts, &env)?).contains(&TWO_CARD_TEST), "--cards 1 selected a 2-card test");
        opts.hardware = Some(HardwareShard::Cpu);
        opts.cards = None;
        check!(!names(&run_selection(&opts, &env)?).contains(&TWO_CARD_TEST), "the cpu shard selected a GPU test");
        Ok(())
    }

    /// On a real backend, a test needing more cards than the machine has is ignored with the
    /// reason; on the mock its requirement is waived and it runs.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_missing_cards_are_ignored_with_a_reason() -> TestResult {
        let opts = options(Level::CoreModel, "")?;
        let real = run_selection(&opts, &environment(Backend::VllmOmni, 0))?;
        let trial = real.trials.iter().find(|t| t.name == TWO_CARD_TEST);
        check_eq!(trial.and_then(|t| t.ignored.as_deref()), Some("needs 2 GPUs, found 0"));
        let cpu_trial = real.trials.iter().find(|t| t.case.requirements.is_empty());
        check!(cpu_trial.is_some_and(|t| t.ignored.is_none()), "a CPU test was ignored for missing GPUs");
        let mock = run_selection(&opts, &environment(Backend::Mock, 0))?;
        let trial = mock.trials.iter().find(|t| t.name == TWO_CARD_TEST);
        check!(trial.is_some_and(|t| t.ignored.is_none()), "the mock did not waive the requirement");
        check!(mock.hardware_waived >= 1, "the waiver was not counted for the report");
        Ok(())
    }
}
