//! The seed's `tests/dfx/`: stability (soaks). The perf and stability configs' own trials are
//! `dfx::perf::…` and `dfx::stability::…`, generated from `baselines/`.

mod stability;
