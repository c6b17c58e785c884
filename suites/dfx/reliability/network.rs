//! Network faults between the client and the server, through the loopback proxy: the client
//! must give up cleanly, and recover once the faults are removed.

use std::time::Duration;

use omnitest::prelude::*;

use super::bounds::{FAST_FAIL, REQUEST_TIMEOUT};
use super::not_injected;
use super::probe::{Ended, structural};
use super::target::{Size, Target};

/// Through a proxy: a partition (nothing comes back) ends the request at the client's timeout,
/// a reset ends it at once with a connection error, and once the faults are removed the same
/// request succeeds through the same proxy.
pub(crate) fn network_fault_recovery(target: &Target, server: &Server) -> TestResult {
    let proxy = FaultProxy::start(server.url()).map_err(not_injected)?;
    let through = structural(&proxy.url());
    let light = target.request(server.model(), Size::Light)?;
    let patience = Duration::from_secs(3);
    let partition = proxy.add(Direction::Downstream, Toxic::timeout(None));
    let held = light.send(&through, patience);
    proxy.remove(partition);
    check!(
        matches!(held.ended, Ended::Broken(_)) && held.elapsed < FAST_FAIL,
        "a request whose answer never comes must end at the client's {patience:?} timeout, but it {held}"
    );
    let reset = proxy.add(Direction::Downstream, Toxic::reset_peer(Duration::ZERO));
    let cut = light.send(&through, REQUEST_TIMEOUT);
    proxy.remove(reset);
    check!(
        matches!(cut.ended, Ended::Broken(_)) && cut.elapsed < FAST_FAIL,
        "a reset connection must end the request at once with a connection error, but it {cut}"
    );
    light
        .send_validated(&through)
        .map_err(|e| e.context("after the network faults were removed, the request through the proxy does not succeed"))
}
