use omnitest::prelude::*;

omni_test! {
    #[markers(cpu)]
    fn test_without_level() {}
}

fn main() {}
