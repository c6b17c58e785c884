use omnitest::prelude::*;

omni_test! {
    #[levels(nightly)]
    #[markers(cpu)]
    fn test_bad_level() {}
}

fn main() {}
