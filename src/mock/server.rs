//! Starting the mock: routes, binding, the printed URL and port file, graceful shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use super::config::{self, ConfigError, MockSetup};
use super::engine::Engine;
use super::faults::Faults;
use super::metrics::Metrics;
use super::profile::Profile;
use super::routes::{audio, basic, chat, completions, images, speech, videos};
use super::state::AppState;

/// Builds the router over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(basic::health))
        .route("/version", get(basic::version))
        .route("/v1/models", get(basic::models))
        .route("/metrics", get(basic::metrics))
        .route("/v1/chat/completions", post(chat::chat_completions))
        .route("/v1/completions", post(completions::completions))
        .route("/v1/audio/speech", post(speech::speech))
        .route("/v1/audio/generate", post(audio::generate))
        .route("/v1/audio/transcriptions", post(audio::transcriptions))
        .route("/v1/images/generations", post(images::generations))
        .route("/v1/images/edits", post(images::edits))
        .route("/v1/videos", post(videos::create).get(videos::list))
        .route("/v1/videos/sync", post(videos::sync))
        .route("/v1/videos/{id}", get(videos::retrieve).delete(videos::delete))
        .route("/v1/videos/{id}/content", get(videos::content_of))
        .route("/omnitest/config", get(basic::config))
        .route("/omnitest/faults", get(basic::get_faults).post(basic::set_faults).delete(basic::clear_faults))
        .fallback(basic::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(512 * 1024 * 1024))
        .with_state(state)
}

/// The state a configuration describes.
pub fn state_for(setup: &MockSetup) -> AppState {
    let config = setup.config.clone();
    let profile: Profile = config.profile.parse().unwrap_or(Profile::Text);
    let faults = Arc::new(Faults::new(config.faults.clone()));
    let metrics = Arc::new(Metrics::new(&config.served_model_names[0]));
    let engine = Engine::new(config.timing.clone(), faults, metrics);
    AppState::new(config, profile, engine)
}

/// Why the mock stopped.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// The command line or deploy config is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The address cannot be bound.
    #[error("cannot listen on {address}: {source}\n(hint: pass --port 0 to pick a free port)")]
    Bind {
        /// The address.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The port file cannot be written.
    #[error("cannot write the port file {}: {source}", path.display())]
    PortFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("the server failed: {0}")]
    Serve(#[source] std::io::Error),
    /// The engine process cannot start.
    #[error("cannot start the engine process: {0}")]
    Engine(#[source] std::io::Error),
    /// The runtime cannot start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// `omnitest mock-server ARGS…`: runs until SIGTERM or Ctrl-C.
pub fn run(argv: &[String]) -> ExitCode {
    let setup = match config::parse(argv) {
        Ok(setup) => setup,
        Err(ConfigError::Clap(err)) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = setup.args.workers {
        runtime.worker_threads(workers.max(1));
    }
    let result = runtime.enable_all().build().map_err(MockError::Runtime).and_then(|rt| rt.block_on(serve(setup)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(1)
        }
    }
}

/// Binds, announces the URL and serves until a termination signal.
pub async fn serve(setup: MockSetup) -> Result<(), MockError> {
    let address = format!("{}:{}", setup.args.host, setup.args.port);
    let listener =
        TcpListener::bind(&address).await.map_err(|source| MockError::Bind { address: address.clone(), source })?;
    let local = listener.local_addr().map_err(MockError::Serve)?;
    let url = format!(
        "http://{}:{}",
        if local.ip().is_unspecified() { "127.0.0.1".to_owned() } else { local.ip().to_string() },
        local.port()
    );
    let state = state_for(&setup);
    if setup.args.engine_process {
        let pid =
            super::engine_process::spawn(state.profile, state.engine.shared_faults()).map_err(MockError::Engine)?;
        eprintln!("omnitest mock: engine process {pid} titled `{}`", super::engine_process::title_for(state.profile));
    }
    eprintln!("omnitest mock: serving {} as {} on {url}", state.config.served_model_names.join(", "), state.profile);
    if let Some(path) = &setup.args.port_file {
        write_port_file(path, &url).map_err(|source| MockError::PortFile { path: path.clone(), source })?;
    }
    // The URL on stdout is the readiness announcement a launcher may wait for.
    println!("{url}");
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // Streams send small writes; without TCP_NODELAY, Nagle's algorithm and delayed ACKs hold
    // tokens back for tens of milliseconds and distort every latency a client measures.
    let listener = listener.tap_io(|stream| {
        if let Err(err) = stream.set_nodelay(true) {
            eprintln!("omnitest mock: cannot set TCP_NODELAY: {err}");
        }
    });
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.map_err(MockError::Serve)
}

/// Writes the file atomically, so a reader never sees half a URL.
fn write_port_file(path: &Path, url: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, format!("{url}\n"))?;
    std::fs::rename(&tmp, path)
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let terminated = async {
        match term.as_mut() {
            Some(term) => {
                term.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminated => {}
    }
    eprintln!("omnitest mock: shutting down");
}
