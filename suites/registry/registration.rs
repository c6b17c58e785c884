use omnitest::prelude::*;
use omnitest::registry::{Body, Catalog, GenerateContext, RegistryError, TestCase};

fn catalog() -> Result<Catalog, TestError> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Catalog::collect(&GenerateContext { root }).map_err(|err| TestError::harness(err.to_string()))
}

fn own_case(ctx: &TestContext) -> Result<std::sync::Arc<TestCase>, TestError> {
    let path = ctx.name().split('[').next().unwrap_or_default().to_owned();
    let catalog = catalog()?;
    let found = catalog.cases().iter().find(|case| case.path == path).cloned();
    found.ok_or_else(|| TestError::failure(format!("`{path}` is not in the catalog")))
}

omni_test! {
    /// A hardware requirement derives the platform, resource and multi-card markers, as the
    /// seed's `hardware_marks` does, and the harness lets the test run only where the cards are
    /// (or where the backend waives them).
    /// Deploy Setting: none
    /// Input Modal: the test's own registration
    /// Output Modal: markers
    /// Input Setting: cuda H100 and rocm MI325, 2 cards
    /// Datasets: none
    #[levels(core_model)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    fn test_hardware_requirement_derives_markers(ctx: &TestContext) -> TestResult {
        let case = own_case(ctx)?;
        let markers: Vec<&str> = case.markers.iter().map(Marker::name).collect();
        check_eq!(
            markers,
            ["core_model", "gpu", "cuda", "rocm", "H100", "MI325", "distributed_cuda", "distributed_rocm"]
        );
        check!(
            !ctx.backend().needs_hardware() || ctx.gpus() >= 2,
            "ran on the {} backend with {} GPU(s) although it needs 2",
            ctx.backend(),
            ctx.gpus()
        );
        Ok(())
    }

    /// The trial name is the module path without the crate, plus the function name: what
    /// rust-analyzer passes with `--exact`.
    /// Deploy Setting: none
    /// Input Modal: the test's own registration
    /// Output Modal: name and doc comment
    /// Input Setting: none
    /// Datasets: none
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_names_drop_the_crate_and_keep_docs(ctx: &TestContext) -> TestResult {
        check_eq!(ctx.name(), "registry::registration::test_names_drop_the_crate_and_keep_docs");
        let case = own_case(ctx)?;
        check!(case.doc.contains(" Deploy Setting: none\n"), "doc comment not recorded: {:?}", case.doc);
        let (file, _line) = case.source.clone().ok_or_else(|| TestError::failure("no source location"))?;
        check!(file.ends_with("suites/registry/registration.rs"), "source file {file}");
        Ok(())
    }

    /// A registration without a level or without hardware/cpu is rejected with a message
    /// naming the test, the seed's pre-commit rule enforced by the harness itself.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_invalid_registrations_are_rejected_by_name() -> TestResult {
        let no_level = TestCase::new("suite::test_levelless", &[], &[Marker::Cpu], Body::Static(|_| Ok(())));
        let no_hardware =
            TestCase::new("suite::test_nowhere", &[Level::CoreModel], &[Marker::Omni], Body::Static(|_| Ok(())));
        let err = match Catalog::from_cases(vec![no_level, no_hardware]) {
            Err(err @ RegistryError::Invalid { .. }) => err.to_string(),
            Err(other) => return Err(TestError::failure(format!("unexpected error {other}"))),
            Ok(_) => return Err(TestError::failure("invalid registrations were accepted")),
        };
        check!(err.contains("suite::test_levelless: has no level"), "{err}");
        check!(err.contains("suite::test_nowhere: has neither a hardware requirement nor the `cpu` marker"), "{err}");
        Ok(())
    }
}
