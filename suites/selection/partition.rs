use std::collections::BTreeSet;

use omnitest::prelude::*;
use omnitest::selection::{Backend, Partition};

use super::{environment, options, run_selection};

omni_test! {
    /// Hash partitions split every level's selection into disjoint shards that cover it, and
    /// keep a scenario's trials together so each shard starts its server once.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_hash_partitions_cover_each_level_exactly_once() -> TestResult {
        let env = environment(Backend::Mock, 0);
        for level in Level::ALL {
            let everything = run_selection(&options(level, "")?, &env)?;
            let all: BTreeSet<String> = everything.trials.iter().map(|t| t.name.clone()).collect();
            let mut seen = BTreeSet::new();
            for index in 1..=3 {
                let mut opts = options(level, "")?;
                opts.partition = Some(format!("hash:{index}/3").parse::<Partition>()?);
                for trial in run_selection(&opts, &env)?.trials {
                    check!(seen.insert(trial.name.clone()), "{} is in two shards", trial.name);
                }
            }
            check_eq!(seen, all, "shards of {level} do not cover its selection");
        }
        Ok(())
    }
}
