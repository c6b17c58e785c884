use omnitest::prelude::*;

omni_test! {
    #[levels(core_model)]
    #[markers(cpu, omny)]
    fn test_typo() {}
}

fn main() {}
