//! The reliability tests every model gets, registered by [`reliability_suite!`]: the seed's
//! `test_reliability_<model>.py` files check the same behaviours model after model, against
//! each model's route, so one definition serves them all and each model's file says only what
//! differs (its scenarios, markers, hardware, engine title and route).

/// Registers the reliability tests of one model. `target` is its [`super::target::Target`];
/// `faults` a per-test scenario (those tests break their server); `served` a shared one (those
/// tests leave it intact); `markers` and `hardware` as in `omni_test!`.
macro_rules! reliability_suite {
    (
        target: $target:ident,
        faults: $faults:ident,
        served: $served:ident,
        markers: [$($marker:ident),*],
        hardware: ($($hw:tt)*) $(,)?
    ) => {
        omni_test! {
            /// The engine process is killed (SIGKILL to the first process of the server's tree whose
            /// title matches the model's engine); `/health` must answer 503 within 20 s.
            /// Deploy Setting: the model's reliability scenario, a fresh server per test
            /// Input Modal: none (a process fault)
            /// Output Modal: /health status
            /// Input Setting: SIGKILL, one process
            /// Datasets: /health polled every 0.5 s
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[needs(local_process)]
            #[scenarios($faults)]
            fn test_engine_kill_health_503_001(server: &Server, client: &Client) -> TestResult {
                $crate::dfx::reliability::process_faults::health_after_engine_kill(&$target, server, client)
            }

            /// After the engine process is killed, the first request fails within 15 s with a 5xx
            /// answer carrying an OpenAI error object.
            /// Deploy Setting: the model's reliability scenario, a fresh server per test
            /// Input Modal: the route's smallest request
            /// Output Modal: an error object
            /// Input Setting: SIGKILL, one process; 20 s request timeout
            /// Datasets: single request
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[needs(local_process)]
            #[scenarios($faults)]
            fn test_engine_kill_fast_fail_001(server: &Server, client: &Client) -> TestResult {
                $crate::dfx::reliability::process_faults::fast_fail_after_engine_kill(&$target, server, client)
            }

            /// After the engine process is killed, four concurrent requests all end within 30 s,
            /// each with a 5xx error object: none hangs.
            /// Deploy Setting: the model's reliability scenario, a fresh server per test
            /// Input Modal: the route's smallest request
            /// Output Modal: error objects
            /// Input Setting: SIGKILL, one process; 20 s request timeout
            /// Datasets: 4 concurrent requests
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[needs(local_process)]
            #[scenarios($faults)]
            fn test_engine_kill_concurrent_001(server: &Server, client: &Client) -> TestResult {
                $crate::dfx::reliability::process_faults::concurrent_after_engine_kill(&$target, server, client)
            }

            /// Requests in flight when the engine process is killed end, each failing with a 5xx
            /// error object, instead of hanging.
            /// Deploy Setting: the model's reliability scenario, a fresh server per test
            /// Input Modal: the route's long request
            /// Output Modal: error objects
            /// Input Setting: SIGKILL, one process, 0.5 s after the requests start
            /// Datasets: 4 concurrent requests
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[needs(local_process)]
            #[scenarios($faults)]
            fn test_engine_kill_inflight_001(server: &Server, client: &Client) -> TestResult {
                $crate::dfx::reliability::process_faults::inflight_when_engine_killed(&$target, server, client)
            }

            /// SIGKILL to the server's root: every process of its tree exits within 30 s and, on
            /// GPUs, none holds GPU memory.
            /// Deploy Setting: the model's reliability scenario, a fresh server per test
            /// Input Modal: none (a process fault)
            /// Output Modal: the process tree, GPU memory
            /// Input Setting: SIGKILL to the root
            /// Datasets: none
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[needs(local_process)]
            #[scenarios($faults)]
            fn test_server_sigkill_no_residue_001(server: &Server) -> TestResult {
                use $crate::dfx::reliability::{bounds, process_faults};
                process_faults::no_residue_after_root_kill(server, Signal::SIGKILL, bounds::SIGKILL_RESIDUE)
            }

            /// SIGTERM to the server's root: it shuts down in order, and every process of its
            /// tree exits within 90 s, releasing its GPU memory.
            /// Deploy Setting: the model's reliability scenario, a fresh server per test
            /// Input Modal: none (a process fault)
            /// Output Modal: the process tree, GPU memory
            /// Input Setting: SIGTERM to the root
            /// Datasets: none
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[needs(local_process)]
            #[scenarios($faults)]
            fn test_server_sigterm_no_residue_001(server: &Server) -> TestResult {
                use $crate::dfx::reliability::{bounds, process_faults};
                process_faults::no_residue_after_root_kill(server, Signal::SIGTERM, bounds::SIGTERM_RESIDUE)
            }

            /// SIGKILL to every process of the server's tree, leaves first: nothing of it remains
            /// after 30 s, and no GPU memory is held by it.
            /// Deploy Setting: the model's reliability scenario, a fresh server per test
            /// Input Modal: none (a process fault)
            /// Output Modal: the process tree, GPU memory
            /// Input Setting: SIGKILL to the whole tree, 0.2 s apart
            /// Datasets: none
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[needs(local_process)]
            #[scenarios($faults)]
            fn test_tree_kill_no_residue_001(server: &Server) -> TestResult {
                $crate::dfx::reliability::process_faults::no_residue_after_tree_kill(server)
            }

            /// Under GPU memory pressure (95 % of every device in use; the `oom` fault on the
            /// mock), the heavy requests fail with 5xx error objects that have a `code`, and the
            /// text and text+audio variants of omni models fail alike.
            /// Deploy Setting: the model's reliability scenario, a fresh server per test
            /// Input Modal: the route's heavy requests
            /// Output Modal: error objects
            /// Input Setting: memory pressure
            /// Datasets: one request per variant
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[needs(local_process)]
            #[scenarios($faults)]
            fn test_oom_error_contract_001(ctx: &TestContext, server: &Server, client: &Client) -> TestResult {
                $crate::dfx::reliability::pressure::error_contract_under_pressure(ctx, &$target, server, client)
            }

            /// Under GPU memory pressure, four concurrent heavy requests all end, each with a
            /// result or a 5xx error object: none hangs and no connection breaks.
            /// Deploy Setting: the model's reliability scenario, a fresh server per test
            /// Input Modal: the route's heavy request
            /// Output Modal: results or error objects
            /// Input Setting: memory pressure; 120 s request timeout
            /// Datasets: 4 concurrent requests
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[needs(local_process)]
            #[scenarios($faults)]
            fn test_oom_concurrent_001(ctx: &TestContext, server: &Server, client: &Client) -> TestResult {
                $crate::dfx::reliability::pressure::concurrent_under_pressure(ctx, &$target, server, client)
            }

            /// A heavy request fails under GPU memory pressure; once the pressure goes, `/health`
            /// settles within 90 s, and the same request then succeeds (200) or fails fast (503),
            /// all within 200 s.
            /// Deploy Setting: the model's reliability scenario, a fresh server per test
            /// Input Modal: the route's heavy request
            /// Output Modal: an error object, then a valid result
            /// Input Setting: memory pressure, then none
            /// Datasets: the same request twice
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[needs(local_process)]
            #[scenarios($faults)]
            fn test_oom_recovery_001(ctx: &TestContext, server: &Server, client: &Client) -> TestResult {
                $crate::dfx::reliability::pressure::recovery_after_pressure(ctx, &$target, server, client)
            }

            /// Through a loopback proxy: a partition ends the request at the client's timeout, a
            /// reset ends it at once, and once the faults are removed the request succeeds.
            /// Deploy Setting: the model's reliability scenario, shared
            /// Input Modal: the route's smallest request
            /// Output Modal: connection errors, then a valid result
            /// Input Setting: timeout (never closing) downstream, then reset_peer downstream
            /// Datasets: the same request three times
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[scenarios($served)]
            fn test_network_fault_recovery_001(server: &Server) -> TestResult {
                $crate::dfx::reliability::network::network_fault_recovery(&$target, server)
            }

            /// The invalid-parameter table of the model's route: malformed JSON, missing fields,
            /// wrong types, an unknown model and the route's own bad values each get their 4xx
            /// status and an error naming the problem.
            /// Deploy Setting: the model's reliability scenario, shared
            /// Input Modal: invalid requests
            /// Output Modal: error objects
            /// Input Setting: one row per case
            /// Datasets: the route's table
            #[levels(full_model)]
            #[markers($($marker),*)]
            #[hardware($($hw)*)]
            #[scenarios($served)]
            fn test_invalid_parameters_001(server: &Server, client: &Client) -> TestResult {
                $crate::dfx::reliability::invalid_params::for_route(&$target, server, client)
            }
        }
    };
}

pub(crate) use reliability_suite;
