//! The handlers: parse, call the engine or the store, map errors. No scoring here.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use guardian_engine::{
    AnalyzeTextRequest, AnalyzeUrlRequest, IdentityCheckRequest, Module, MoneyAssessRequest, RiskResponse, SafeSteps,
    SessionEvent,
};
use guardian_store::{NewSession, Retention, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Body;

/// Runs store work on a blocking thread (SQLite calls block).
async fn blocking<T: Send + 'static>(
    store: &Store,
    work: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> ApiResult<T> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || work(&store))
        .await
        .map_err(|e| ApiError::internal("store task failed", &e))?
        .map_err(ApiError::from)
}

fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

// ---- sessions ----

/// `POST /v1/session/start`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StartSession {
    /// The user (a UUID).
    #[schema(example = "7d1f3c2a-5b6e-4c1d-9a0b-2f3e4d5c6b7a")]
    pub user_id: String,
    /// The device.
    #[schema(example = "phone-1")]
    pub device_id: String,
    /// Which guard: callguard, moneyguard, inboxguard or identitywatch.
    pub module: Module,
    /// Anything the client wants kept with the session (stored encrypted).
    #[serde(default)]
    pub context: Option<Value>,
}

/// The new session's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionStarted {
    /// Send events to `/v1/session/{session_id}/event`.
    pub session_id: String,
}

/// One stored event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Event id.
    pub id: String,
    /// Event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The event's body as sent.
    pub payload: Value,
    /// The client's timestamp (or when the server received it).
    pub timestamp: String,
}

/// `GET /v1/session/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Session id.
    pub session_id: String,
    /// Its module.
    pub module: Module,
    /// When it started.
    pub created_at: String,
    /// When it ended, if it has.
    pub ended_at: Option<String>,
    /// Its events, oldest first.
    pub events: Vec<EventView>,
    /// The latest assessment.
    pub last_risk: Option<RiskResponse>,
}

/// `POST /v1/session/{id}/end`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionSummary {
    /// Session id.
    pub session_id: String,
    /// Its module.
    pub module: Module,
    /// When it started.
    pub created_at: String,
    /// The latest assessment.
    pub last_risk: RiskResponse,
    /// What to remember: the next step, then the strongest reasons.
    pub key_takeaways: Vec<String>,
}

#[utoipa::path(post, path = "/v1/session/start", tag = "Sessions", request_body = StartSession,
    responses((status = 200, body = SessionStarted), (status = 422, body = ValidationError)))]
pub async fn start_session(
    State(state): State<AppState>,
    Body(body): Body<StartSession>,
) -> ApiResult<Json<SessionStarted>> {
    if uuid::Uuid::parse_str(body.user_id.trim()).is_err() {
        return Err(ApiError::validation(&["user_id"], "must be a UUID, e.g. 7d1f3c2a-5b6e-4c1d-9a0b-2f3e4d5c6b7a"));
    }
    if body.device_id.trim().is_empty() {
        return Err(ApiError::validation(&["device_id"], "must not be empty"));
    }
    let new = NewSession {
        user_id: body.user_id.trim().to_owned(),
        device_id: body.device_id,
        module: body.module,
        context: body.context,
    };
    let session = blocking(state.store(), move |store| store.start_session(&new, Utc::now())).await?;
    Ok(Json(SessionStarted { session_id: session.id }))
}

#[utoipa::path(post, path = "/v1/session/{session_id}/event", tag = "Sessions", request_body = SessionEvent,
    params(("session_id" = String, Path, description = "The session")),
    responses((status = 200, body = RiskResponse), (status = 404, body = ErrorDetail), (status = 422, body = ValidationError)))]
pub async fn session_event(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
    Body(event): Body<SessionEvent>,
) -> ApiResult<Json<RiskResponse>> {
    let engine = state.engine();
    let (_, risk) = blocking(state.store(), move |store| {
        store.append_event(&session_id, &event, Utc::now(), |module, earlier, event| {
            engine.assess_event(module, earlier, event)
        })
    })
    .await?;
    Ok(Json(risk))
}

#[utoipa::path(post, path = "/v1/session/{session_id}/end", tag = "Sessions",
    params(("session_id" = String, Path, description = "The session")),
    responses((status = 200, body = SessionSummary), (status = 404, body = ErrorDetail)))]
pub async fn end_session(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
) -> ApiResult<Json<SessionSummary>> {
    let session = blocking(state.store(), move |store| {
        let record = store.get_session(&session_id)?;
        // A session never assessed has nothing to summarise: 404, and it stays open.
        if record.session.last_risk.is_none() {
            return Err(StoreError::NotFound { what: "assessed session", id: session_id });
        }
        store.end_session(&session_id, Utc::now())
    })
    .await?;
    let last_risk = session.last_risk.ok_or_else(|| ApiError::not_found("Assessed session"))?;
    let key_takeaways = std::iter::once(last_risk.next_action.to_string())
        .chain(last_risk.reasons.iter().take(3).map(|r| r.to_string()))
        .collect();
    Ok(Json(SessionSummary {
        session_id: session.id,
        module: session.module,
        created_at: iso(session.created_at),
        last_risk,
        key_takeaways,
    }))
}

#[utoipa::path(get, path = "/v1/session/{session_id}", tag = "Sessions",
    params(("session_id" = String, Path, description = "The session")),
    responses((status = 200, body = SessionView), (status = 404, body = ErrorDetail)))]
pub async fn get_session(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
) -> ApiResult<Json<SessionView>> {
    let record = blocking(state.store(), move |store| store.get_session(&session_id)).await?;
    Ok(Json(SessionView {
        session_id: record.session.id,
        module: record.session.module,
        created_at: iso(record.session.created_at),
        ended_at: record.session.ended_at.map(iso),
        events: record
            .events
            .into_iter()
            .map(|e| EventView {
                timestamp: e.timestamp.unwrap_or_else(|| iso(e.recorded_at)),
                id: e.id,
                kind: e.kind,
                payload: e.payload,
            })
            .collect(),
        last_risk: record.session.last_risk,
    }))
}

// ---- MoneyGuard ----

#[utoipa::path(post, path = "/v1/moneyguard/assess", tag = "MoneyGuard", request_body = MoneyAssessRequest,
    responses((status = 200, body = RiskResponse), (status = 404, body = ErrorDetail, description = "Unknown session_id"),
        (status = 422, body = ValidationError)))]
pub async fn money_assess(
    State(state): State<AppState>,
    Body(request): Body<MoneyAssessRequest>,
) -> ApiResult<Json<RiskResponse>> {
    let response = state.engine().assess_money(&request)?;
    if let Some(session_id) = request.session_id.clone() {
        // Recorded as that session's event, as the old server did.
        let now = Utc::now();
        let payload = serde_json::to_value(MoneyAssessRequest { session_id: None, ..request })
            .map_err(|e| ApiError::internal("cannot record the assessment", &e))?;
        let event = SessionEvent { id: None, kind: "assess".to_owned(), payload, timestamp: Some(iso(now)) };
        let recorded = response.clone();
        blocking(state.store(), move |store| store.append_event(&session_id, &event, now, |_, _, _| Ok(recorded)))
            .await?;
    }
    Ok(Json(response))
}

/// `POST /v1/moneyguard/safe_steps`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SafeStepsRequest {
    /// The session asking (optional; the steps are the same for everyone).
    #[serde(default)]
    #[expect(dead_code, reason = "accepted from old clients; the steps do not depend on the session")]
    pub session_id: Option<String>,
}

#[utoipa::path(post, path = "/v1/moneyguard/safe_steps", tag = "MoneyGuard", request_body = SafeStepsRequest,
    responses((status = 200, body = SafeSteps)))]
pub async fn safe_steps(State(state): State<AppState>, Body(_request): Body<SafeStepsRequest>) -> Json<SafeSteps> {
    Json(state.engine().safe_steps())
}

// ---- InboxGuard ----

#[utoipa::path(post, path = "/v1/inboxguard/analyze_text", tag = "InboxGuard", request_body = AnalyzeTextRequest,
    responses((status = 200, body = RiskResponse), (status = 422, body = ValidationError)))]
pub async fn analyze_text(
    State(state): State<AppState>,
    Body(request): Body<AnalyzeTextRequest>,
) -> ApiResult<Json<RiskResponse>> {
    Ok(Json(state.engine().analyze_text(&request)?))
}

#[utoipa::path(post, path = "/v1/inboxguard/analyze_url", tag = "InboxGuard", request_body = AnalyzeUrlRequest,
    responses((status = 200, body = RiskResponse), (status = 422, body = ValidationError)))]
pub async fn analyze_url(
    State(state): State<AppState>,
    Body(request): Body<AnalyzeUrlRequest>,
) -> ApiResult<Json<RiskResponse>> {
    Ok(Json(state.engine().analyze_url(&request)?))
}

// ---- IdentityWatch ----

/// `POST /v1/identitywatch/profile`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfileRequest {
    /// E-mail addresses to watch (at least one).
    pub emails: Vec<String>,
    /// Phone numbers to watch (at least one).
    pub phones: Vec<String>,
    /// The person's name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// Their state or region.
    #[serde(default)]
    pub state: Option<String>,
}

/// The new profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileCreated {
    /// Use it with `/v1/identitywatch/check_risk`.
    pub profile_id: String,
    /// Always true: a new profile was stored.
    pub created: bool,
}

#[utoipa::path(post, path = "/v1/identitywatch/profile", tag = "IdentityWatch", request_body = ProfileRequest,
    responses((status = 200, body = ProfileCreated), (status = 422, body = ValidationError)))]
pub async fn create_profile(
    State(state): State<AppState>,
    Body(body): Body<ProfileRequest>,
) -> ApiResult<Json<ProfileCreated>> {
    let new = guardian_store::NewProfile {
        emails: body.emails,
        phones: body.phones,
        full_name: body.full_name,
        state: body.state,
        user_id: None,
    };
    let profile = blocking(state.store(), move |store| store.create_profile(&new, Utc::now())).await?;
    Ok(Json(ProfileCreated { profile_id: profile.id, created: true }))
}

/// `POST /v1/identitywatch/check_risk`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckRiskRequest {
    /// The profile to check.
    pub profile_id: String,
    /// Signal name → present, e.g. `{"new_device_login": true}`.
    #[serde(default)]
    pub signals: BTreeMap<String, bool>,
}

#[utoipa::path(post, path = "/v1/identitywatch/check_risk", tag = "IdentityWatch", request_body = CheckRiskRequest,
    responses((status = 200, body = RiskResponse), (status = 404, body = ErrorDetail), (status = 422, body = ValidationError)))]
pub async fn check_risk(
    State(state): State<AppState>,
    Body(body): Body<CheckRiskRequest>,
) -> ApiResult<Json<RiskResponse>> {
    let profile_id = body.profile_id;
    blocking(state.store(), move |store| store.get_profile(&profile_id)).await?;
    Ok(Json(state.engine().check_identity(&IdentityCheckRequest { signals: body.signals })))
}

// ---- operations ----

/// `GET /v1/data-retention/policy`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionPolicy {
    /// A session with no event for this long ends.
    pub session_idle_hours: u32,
    /// A session ends after this long in all.
    pub session_max_hours: u32,
    /// Session events are deleted after this many days.
    pub event_retention_days: u32,
    /// Personal data (profiles, recorded checks) is deleted after this many days.
    pub personal_data_retention_days: u32,
    /// How personal data is kept on the server's disk.
    pub encryption_at_rest: &'static str,
    /// How often expired data is purged, in minutes.
    pub purge_interval_minutes: u64,
}

#[utoipa::path(get, path = "/v1/data-retention/policy", tag = "Operations", responses((status = 200, body = RetentionPolicy)))]
pub async fn retention_policy(State(state): State<AppState>) -> Json<RetentionPolicy> {
    let Retention { session_idle_hours, session_max_hours, event_retention_days, personal_data_retention_days } =
        *state.store().retention();
    Json(RetentionPolicy {
        session_idle_hours,
        session_max_hours,
        event_retention_days,
        personal_data_retention_days,
        encryption_at_rest: "XChaCha20-Poly1305, one random nonce per value",
        purge_interval_minutes: crate::PURGE_INTERVAL.as_secs() / 60,
    })
}

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the store cannot be read.
    pub status: &'static str,
    /// The server's time (ISO 8601).
    pub timestamp: String,
    /// Sessions open now.
    pub sessions: u64,
}

#[utoipa::path(get, path = "/health", tag = "Operations", security(()),
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Response {
    let now = Utc::now();
    match blocking(state.store(), move |store| store.active_sessions(now)).await {
        Ok(sessions) => Json(Health { status: "ok", timestamp: iso(now), sessions }).into_response(),
        Err(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "degraded", timestamp: iso(now), sessions: 0 }))
                .into_response()
        }
    }
}

#[utoipa::path(get, path = "/metrics", tag = "Operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let now = Utc::now();
    let sessions = blocking(state.store(), move |store| store.active_sessions(now)).await.ok();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics().render(sessions))
        .into_response()
}

/// `{"detail": "…"}`: every error but validation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// What went wrong.
    pub detail: String,
}

/// One validation problem, FastAPI-style.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationItem {
    /// Where: `["body", "field"]`.
    pub loc: Vec<String>,
    /// What is wrong.
    pub msg: String,
    /// `value_error` or `json_invalid`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// 422: `{"detail": [{"loc", "msg", "type"}]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationError {
    /// The problems found.
    pub detail: Vec<ValidationItem>,
}

pub async fn not_found() -> ApiError {
    ApiError::status(StatusCode::NOT_FOUND, "Not Found")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::status(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}
