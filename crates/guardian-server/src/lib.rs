//! Titanium Guardian's remote API server: the old Python v1 API, field for field, over
//! guardian-engine (every check) and guardian-store (sessions and profiles, encrypted at
//! rest). axum on tokio; store calls run on blocking threads.
//!
//! Layers, outermost first: request id + access log + metrics → security headers → CORS →
//! timeout → rate limit → API key → body limit → the handlers.

#![forbid(unsafe_code)]

pub mod config;
mod error;
mod extract;
mod metrics;
mod middleware;
mod openapi;
mod routes;
mod sync;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use guardian_engine::Engine;
use guardian_store::Store;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::{BODY_LIMIT_BYTES, Config, CorsOrigins, REQUEST_TIMEOUT};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::middleware::Limiter;

/// How often expired sessions, events and personal data are purged.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// Every route template, so metrics and logs name routes, never raw paths.
const ROUTES: &[&str] = &[
    "/v1/session/start",
    "/v1/session/{session_id}/event",
    "/v1/session/{session_id}/end",
    "/v1/session/{session_id}",
    "/v1/moneyguard/assess",
    "/v1/moneyguard/safe_steps",
    "/v1/inboxguard/analyze_text",
    "/v1/inboxguard/analyze_url",
    "/v1/identitywatch/profile",
    "/v1/identitywatch/check_risk",
    "/v1/data-retention/policy",
    "/v1/devices/register",
    "/v1/enrolment-codes",
    "/v1/devices/{device_id}/revoke",
    "/v1/devices/{device_id}/records",
    "/v1/devices/{device_id}/history",
    "/v1/devices/{device_id}/link-codes",
    "/v1/devices/{device_id}/caregivers",
    "/v1/devices/{device_id}/unlink",
    "/v1/caregivers",
    "/v1/caregivers/{caregiver_id}/links",
    "/v1/caregivers/{caregiver_id}/alerts",
    "/v1/caregivers/{caregiver_id}/alerts/{alert_id}/ack",
    "/v1/rule-pack",
    "/health",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/app",
    "/app/",
    "/app/{file}",
];

/// What every handler shares.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

struct Shared {
    engine: &'static Engine,
    store: Store,
    api_key: Option<String>,
    metrics: Metrics,
    limiter: Option<Limiter>,
    openapi: String,
    rule_pack_file: Option<std::path::PathBuf>,
}

impl AppState {
    /// The state for `config`, over an engine and an open store.
    pub fn new(config: &Config, engine: &'static Engine, store: Store) -> AppState {
        AppState(Arc::new(Shared {
            engine,
            store,
            api_key: config.api_key.clone(),
            metrics: Metrics::default(),
            limiter: Limiter::new(config.rate_limit_per_minute, config.trusted_proxies.clone()),
            openapi: openapi::document(),
            rule_pack_file: config.rule_pack_file.clone(),
        }))
    }

    fn engine(&self) -> &'static Engine {
        self.0.engine
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    fn api_key(&self) -> Option<&str> {
        self.0.api_key.as_deref()
    }

    fn rule_pack_file(&self) -> Option<&std::path::Path> {
        self.0.rule_pack_file.as_deref()
    }

    fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    fn limiter(&self) -> Option<&Limiter> {
        self.0.limiter.as_ref()
    }

    fn route_name(&self, matched: Option<&str>) -> &'static str {
        matched.and_then(|m| ROUTES.iter().find(|r| **r == m).copied()).unwrap_or("unmatched")
    }

    /// Periodic upkeep: purge what retention expires, forget idle rate-limit entries.
    pub async fn upkeep(&self) {
        let store = self.store().clone();
        match tokio::task::spawn_blocking(move || store.purge_expired(chrono::Utc::now())).await {
            Ok(Ok(report)) => {
                tracing::info!(sessions_ended = report.sessions_ended, deleted = report.deleted(), "retention purge")
            }
            Ok(Err(error)) => tracing::error!(%error, "retention purge failed"),
            Err(error) => tracing::error!(%error, "retention purge task failed"),
        }
        if let Some(limiter) = self.limiter() {
            limiter.forget_idle();
        }
    }
}

/// The app's web front end: the same `ui/` files the desktop app shows, bundled, served
/// under `/app/` (web mode: `ui/transport.js` then talks to this server's v1 API).
const UI_FILES: &[(&str, &str, &[u8])] = &[
    ("index.html", "text/html; charset=utf-8", include_bytes!("../../../ui/index.html")),
    ("app.css", "text/css; charset=utf-8", include_bytes!("../../../ui/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/app.js")),
    ("transport.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/transport.js")),
    ("signals.js", "text/javascript; charset=utf-8", include_bytes!("../../../ui/signals.js")),
    ("icon.svg", "image/svg+xml", include_bytes!("../../../ui/icon.svg")),
];
const UI_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async fn ui_file(file: Option<axum::extract::Path<String>>) -> axum::response::Response {
    let name = file.map_or_else(|| "index.html".to_owned(), |axum::extract::Path(name)| name);
    match UI_FILES.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, bytes)) => {
            ([(header::CONTENT_TYPE, *content_type), (header::CONTENT_SECURITY_POLICY, UI_CSP)], *bytes).into_response()
        }
        None => routes::not_found().await.into_response(),
    }
}

async fn ui_root() -> axum::response::Redirect {
    axum::response::Redirect::permanent("/app/")
}

const DOCS_PAGE: &str = include_str!("../assets/docs.html");
const DOCS_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; \
img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async fn docs() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CONTENT_SECURITY_POLICY, DOCS_CSP)], DOCS_PAGE)
}

async fn openapi_json(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], state.0.openapi.clone())
}

/// The whole application.
pub fn router(state: AppState, config: &Config) -> Router {
    let api = Router::new()
        .route("/v1/session/start", post(routes::start_session))
        .route("/v1/session/{session_id}/event", post(routes::session_event))
        .route("/v1/session/{session_id}/end", post(routes::end_session))
        .route("/v1/session/{session_id}", get(routes::get_session))
        .route("/v1/moneyguard/assess", post(routes::money_assess))
        .route("/v1/moneyguard/safe_steps", post(routes::safe_steps))
        .route("/v1/inboxguard/analyze_text", post(routes::analyze_text))
        .route("/v1/inboxguard/analyze_url", post(routes::analyze_url))
        .route("/v1/identitywatch/profile", post(routes::create_profile))
        .route("/v1/identitywatch/check_risk", post(routes::check_risk))
        .route("/v1/data-retention/policy", get(routes::retention_policy))
        .route("/v1/devices/register", post(sync::register))
        .route("/v1/enrolment-codes", post(sync::enrolment_code))
        .route("/v1/devices/{device_id}/revoke", post(sync::revoke))
        .route("/v1/devices/{device_id}/records", post(sync::push))
        .route("/v1/devices/{device_id}/history", get(sync::history))
        .route("/v1/devices/{device_id}/link-codes", post(sync::link_code))
        .route("/v1/devices/{device_id}/caregivers", get(sync::device_caregivers))
        .route("/v1/devices/{device_id}/unlink", post(sync::unlink))
        .route("/v1/caregivers", post(sync::create_caregiver))
        .route("/v1/caregivers/{caregiver_id}/links", post(sync::link))
        .route("/v1/caregivers/{caregiver_id}/alerts", get(sync::alerts))
        .route("/v1/caregivers/{caregiver_id}/alerts/{alert_id}/ack", post(sync::acknowledge))
        .route("/v1/rule-pack", get(sync::rule_pack))
        .route("/health", get(routes::health))
        .route("/metrics", get(routes::metrics))
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs))
        .route("/app", get(ui_root))
        .route("/app/", get(|| ui_file(None)))
        .route("/app/{file}", get(|file| ui_file(Some(file))))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed);

    let timeout = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            ApiError::status(StatusCode::SERVICE_UNAVAILABLE, "The request took too long and was stopped")
        }))
        .timeout(REQUEST_TIMEOUT);

    let mut app = api
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::require_key))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::rate_limit))
        .layer(timeout);
    if let Some(cors) = cors_layer(&config.cors_origins) {
        app = app.layer(cors);
    }
    with_security_headers(app)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::observe))
        .with_state(state)
}

fn cors_layer(origins: &CorsOrigins) -> Option<CorsLayer> {
    let allow = match origins {
        CorsOrigins::None => return None,
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(list.iter().cloned()),
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                HeaderName::from_static("x-api-key"),
                middleware::REQUEST_ID.clone(),
            ])
            .expose_headers([middleware::REQUEST_ID.clone(), header::RETRY_AFTER])
            .max_age(Duration::from_secs(600)),
    )
}

/// Headers on every answer: no sniffing, no framing, no caching of answers that may hold
/// personal data, and a CSP that allows nothing (the docs page sets its own).
fn with_security_headers(app: Router<AppState>) -> Router<AppState> {
    app.layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_ui_file_is_bundled() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui");
        for entry in std::fs::read_dir(&dir).expect("ui/ exists") {
            let name = entry.expect("entry").file_name().into_string().expect("UTF-8 name");
            assert!(super::UI_FILES.iter().any(|(file, _, _)| *file == name), "ui/{name} is not served under /app/");
        }
    }
}
