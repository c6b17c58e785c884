//! The seed's `tests/dfx/`: `reliability/`, faults injected into a live server, and
//! `stability/`, soaks. The perf and stability configs' own trials are `dfx::perf::…` and
//! `dfx::stability::…`, generated from `baselines/`.

pub(crate) mod reliability;
mod stability;
