use omnitest::prelude::*;

omni_test! {
    #[levels(core_model)]
    #[markers(omni)]
    fn test_runs_nowhere() {}
}

fn main() {}
