use omnitest::prelude::*;
use omnitest::selection::{Backend, MarkerExpr};

use super::{environment, names, options, run_selection};

omni_test! {
    /// `and` binds tighter than `or`, `not` applies to the next operand, as in pytest.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_precedence_matches_pytest() -> TestResult {
        let cpu_only = [Marker::Cpu].into_iter().collect();
        let gpu_only = [Marker::Gpu].into_iter().collect();
        let expr = MarkerExpr::parse("cpu or gpu and omni")?;
        check!(expr.matches(cpu_only), "`cpu or gpu and omni` must select a cpu test");
        check!(!expr.matches(gpu_only), "`cpu or gpu and omni` must not select a gpu test without omni");
        check!(MarkerExpr::parse("not omni and cpu")?.matches(cpu_only));
        Ok(())
    }

    /// A syntax error is shown with a caret under the offending token.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_syntax_error_points_at_the_token() -> TestResult {
        let err = match MarkerExpr::parse("core_model and (cpu or gpu") {
            Err(err) => err.to_string(),
            Ok(_) => return Err(TestError::failure("an unclosed parenthesis parsed")),
        };
        let lines: Vec<&str> = err.lines().collect();
        check_eq!(lines[0], "invalid marker expression: expected `)`, found end of input");
        check_eq!(lines[2].find('^'), Some(2 + "core_model and (cpu or gpu".len()));
        Ok(())
    }

    /// Over the real catalog, `-m "cpu and not slow"` keeps this suite and drops GPU tests.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_expression_selects_over_the_catalog(ctx: &TestContext) -> TestResult {
        let selection = run_selection(&options(Level::CoreModel, "cpu and not slow")?, &environment(Backend::Mock, 0))?;
        let selected = names(&selection);
        check!(selected.contains(&ctx.name()), "this test is not selected by its own markers");
        check!(
            !selected.contains(&"registry::registration::test_hardware_requirement_derives_markers"),
            "a GPU test was selected by `cpu`"
        );
        Ok(())
    }
}
