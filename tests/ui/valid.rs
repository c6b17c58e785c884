use omnitest::prelude::*;

static DEFAULT: Scenario = Scenario::mock("m", "text");

omni_test! {
    /// Any attribute order, several tests in one block.
    #[markers(omni, slow)]
    #[scenarios(DEFAULT)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = { cuda: 2 })]
    #[levels(full_model)]
    #[needs(real_model)]
    fn test_everything(ctx: &TestContext) -> TestResult {
        check!(ctx.scenario().is_some());
        Ok(())
    }

    #[levels(core_model)]
    #[markers(cpu)]
    fn test_plain() {}
}

fn main() {}
