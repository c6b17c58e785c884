use omnitest::prelude::*;

omni_test! {
    #[levels(core_model)]
    #[hardware(cuda = "MI325")]
    fn test_wrong_resource() {}
}

fn main() {}
