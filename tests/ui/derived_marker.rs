use omnitest::prelude::*;

omni_test! {
    #[levels(core_model)]
    #[markers(H100)]
    fn test_names_a_resource() {}
}

fn main() {}
