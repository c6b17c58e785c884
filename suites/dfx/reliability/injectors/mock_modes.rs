//! The mock's fault modes switched at run time through the typed helper.

use omnitest::prelude::*;

static MOCK: Scenario = Scenario::mock("Qwen/Qwen3-Omni-30B-A3B-Instruct", "qwen3-omni").id("switched").per_test();

omni_test! {
    /// `dead` makes `/health` 503 and `oom` fails requests with a 500; adding one keeps the
    /// other; clearing brings the server back; a bad spec is refused before anything is sent.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(MOCK)]
    fn test_mock_faults_switch_while_running(server: &Server, client: &Client) -> TestResult {
        let faults = MockFaults::of(client);
        faults.apply(&["oom"]).map_err(|e| TestError::failure(e.to_string()))?;
        let body = OmniRequest::new(server.model(), Messages::user("hi")).modalities(&[Modality::Text]).body();
        check_http_error(&client.post_json("/v1/chat/completions", &body)?, &[500], &["out of memory"])?;
        check_eq!(client.health()?.status, 200, "an OOM leaves the server healthy");
        let both = faults.apply(&["dead"]).map_err(|e| TestError::failure(e.to_string()))?;
        check!(both.dead && both.oom.is_some(), "adding a fault keeps the others: {both:?}");
        check_eq!(client.health()?.status, 503);
        faults.clear().map_err(|e| TestError::failure(e.to_string()))?;
        check_eq!(faults.get().map_err(|e| TestError::failure(e.to_string()))?, faults::FaultSettings::default());
        check_eq!(client.health()?.status, 200);
        check_eq!(client.post_json("/v1/chat/completions", &body)?.status, 200);
        check!(faults.apply(&["explode"]).is_err(), "an unknown fault must be refused");
        Ok(())
    }
}
