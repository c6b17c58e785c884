//! The seed's bounds on what a client may wait for under a fault.

use std::time::Duration;

/// A post-fault request must fail within this.
pub(crate) const FAST_FAIL: Duration = Duration::from_secs(15);
/// The timeout of a post-fault request.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// `/health` must answer 503 within this after the engine dies.
pub(crate) const HEALTH_WITHIN: Duration = Duration::from_secs(20);
/// Concurrent post-fault requests must all have ended within this.
pub(crate) const CONCURRENT_WITHIN: Duration = Duration::from_secs(30);
/// How many concurrent requests.
pub(crate) const CONCURRENT: usize = 4;
/// How long the processes of a tree may take to go, by the signal that killed the root.
pub(crate) const SIGKILL_RESIDUE: Duration = Duration::from_secs(30);
/// The same after SIGTERM, which the server handles by shutting down in order.
pub(crate) const SIGTERM_RESIDUE: Duration = Duration::from_secs(90);
/// How long a heavy request may take, under pressure or after it.
pub(crate) const HEAVY_TIMEOUT: Duration = Duration::from_secs(120);
/// After the pressure goes, `/health` must settle (200 or 503) within this.
pub(crate) const SETTLE_WITHIN: Duration = Duration::from_secs(90);
/// The whole phase after the pressure goes must end within this.
pub(crate) const RECOVERY_WITHIN: Duration = Duration::from_secs(200);
