//! The async runtime the blocking client runs its requests on: shared by every test thread.

use std::future::Future;
use std::sync::OnceLock;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("omnitest-client")
            .enable_all()
            .build()
            .expect("the client runtime starts")
    })
}

/// Runs `future` to completion on the shared runtime. Called from test threads, which are not
/// inside a runtime themselves.
pub fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}
