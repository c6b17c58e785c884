//! L5 (DFX) suites: `reliability/`, faults injected into a live server (the seed's
//! `tests/dfx/reliability/`).

pub(crate) mod reliability;
