//! L1 tests of the fault injectors, each showing its effect from outside: what the client sees
//! through the proxy's toxics, which processes a kill leaves alive, what the GPU shows while the
//! pressure sidecar runs, and the mock's fault modes switched while it runs.

mod gpu_pressure;
mod kill;
mod mock_modes;
mod proxy;
