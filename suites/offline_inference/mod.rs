//! L2–L4 offline-inference tests: the counterparts of the seed's
//! `tests/e2e/offline_inference/test_<model>.py`, driving an offline runner (vLLM-Omni's `Omni`
//! through `harness/offline_runner.py`, or `omnitest mock-runner`) over the JSON-lines protocol.
