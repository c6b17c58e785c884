//! A mock server inside a unit test: parsed from a command line, bound to a free port, served
//! on the test's runtime. Route tests talk to it over real HTTP.

use super::{config, server};

/// Starts a mock for `command_line` (`MODEL [flags]`) and returns its base URL.
pub async fn start(command_line: &str) -> String {
    let argv: Vec<String> = shlex::split(command_line).expect("a shell-quoted command line");
    let setup = config::parse(&argv).expect("a valid mock command line");
    let state = server::state_for(&setup);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("a bound address"));
    tokio::spawn(async move {
        let app = server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// A client that ignores proxies.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("a reqwest client")
}
