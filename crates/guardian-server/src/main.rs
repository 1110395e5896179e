//! `guardian-server`: configuration from the environment (and `.env`), JSON logs, the
//! store opened, the API served until SIGTERM or Ctrl-C (in-flight requests finish).

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use guardian_server::config::{Config, LogFormat};
use guardian_server::{AppState, PURGE_INTERVAL, router};
use guardian_store::{Store, StoreOptions};

fn main() -> ExitCode {
    // A `.env` in the working directory (only there, not in parent folders) fills in
    // what the environment does not set.
    if let Err(error) = dotenvy::from_path(".env")
        && !error.not_found()
    {
        eprintln!("guardian-server: .env: {error}");
        return ExitCode::from(2);
    }
    let config = match Config::from_vars(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("guardian-server: {error}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("guardian-server: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "cannot start");
            eprintln!("guardian-server: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::new(&config.log_level);
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stdout);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

async fn run(config: Config) -> anyhow::Result<()> {
    if config.api_key.is_none() {
        tracing::warn!("API_KEY is not set: serving on loopback only, without authentication");
    }
    let engine = guardian_engine::Engine::bundled().context("the built-in rule pack failed to load")?;
    let store = open_store(&config).await?;
    let state = AppState::new(&config, engine, store);
    let app = router(state.clone(), &config);

    let listener = tokio::net::TcpListener::bind((config.host, config.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
    let addr = listener.local_addr().context("no local address")?;
    tracing::info!(%addr, rate_limit_per_minute = config.rate_limit_per_minute, "listening");

    let upkeep_state = state.clone();
    let upkeep = tokio::spawn(async move {
        let mut every = tokio::time::interval(PURGE_INTERVAL);
        loop {
            every.tick().await;
            upkeep_state.upkeep().await;
        }
    });

    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    upkeep.abort();
    // Fold the write-ahead log into the database file, so the file alone (a copy, a
    // backup) holds everything.
    let store = state.store().clone();
    match tokio::task::spawn_blocking(move || store.checkpoint()).await {
        Ok(Ok(())) => tracing::info!("stopped"),
        Ok(Err(error)) => tracing::error!(%error, "stopped, but the final checkpoint failed"),
        Err(error) => tracing::error!(%error, "stopped, but the final checkpoint task failed"),
    }
    Ok(())
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let path = config.database.clone();
    let retention = config.retention();
    tokio::task::spawn_blocking(move || {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            guardian_store::create_private_dir(folder)
                .with_context(|| format!("cannot create the database folder {}", folder.display()))?;
        }
        Ok(Store::open_with(&path, StoreOptions { retention, ..StoreOptions::default() })?)
    })
    .await
    .context("the store task failed")?
}

/// SIGTERM (systemd, Docker) or Ctrl-C: stop accepting, let in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
