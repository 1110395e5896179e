//! The sync API: devices enrol and push their checks (stored once per record id), keep a
//! history on the server, make link codes for a trusted contact (caregiver) who then sees
//! alerts for high-risk checks; devices fetch the newest signed rule pack.
//!
//! Devices and caregivers authenticate with `Authorization: Bearer <token>`, not the
//! server's API key: the server keeps only a SHA-256 hash of each token and compares hashes
//! in constant time. A revoked device gets 403 with a detail saying so.

use std::str::FromStr;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use guardian_engine::{Level, Module};
use guardian_store::{Alert, CodePurpose, LinkedCaregiver, NewSyncedRecord, Store, StoreError, SyncedRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Body;
use crate::routes::{ErrorDetail, ValidationError};

/// The most records one push may carry.
pub const MAX_BATCH: usize = 200;
/// How long an enrolment or link code stays usable.
const CODE_LIFETIME: TimeDelta = TimeDelta::hours(24);
/// Letters for codes a person reads out or types: no 0/O, 1/I/L.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Runs store work on a blocking thread; the outer error is the task failing.
async fn blocking<T: Send + 'static>(
    store: &Store,
    work: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> ApiResult<Result<T, StoreError>> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || work(&store)).await.map_err(|e| ApiError::internal("store task failed", &e))
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.trim().as_bytes()).to_vec()
}

fn random_bytes<const N: usize>() -> ApiResult<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal("no random source", &e))?;
    Ok(bytes)
}

/// A new token: 32 random bytes as 64 hex digits.
fn new_token() -> ApiResult<String> {
    Ok(random_bytes::<32>()?.iter().map(|b| format!("{b:02x}")).collect())
}

/// A new one-time code like `K7QM-X3RT-HP9A` (12 letters from 31, about 59 bits).
fn new_code() -> ApiResult<String> {
    let bytes = random_bytes::<12>()?;
    let mut code = String::with_capacity(14);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        code.push(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char);
    }
    Ok(code)
}

/// A code as typed: case, spaces and dashes do not matter.
fn normalize_code(code: &str) -> String {
    let letters: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    let mut out = String::with_capacity(letters.len() + 3);
    for (i, c) in letters.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

fn bearer(headers: &HeaderMap) -> ApiResult<&str> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    match value.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()) {
        Some(token) => Ok(token),
        None => Err(ApiError::status(
            StatusCode::UNAUTHORIZED,
            "Missing token: send the token you received at enrolment as 'Authorization: Bearer <token>'",
        )),
    }
}

fn wrong_token(what: &str) -> ApiError {
    ApiError::status(StatusCode::UNAUTHORIZED, format!("Unknown {what} or wrong token; enrol again"))
}

fn store_error(error: StoreError) -> ApiError {
    ApiError::from(error)
}

/// Checks the bearer token belongs to this device and the device is not revoked.
async fn authorize_device(state: &AppState, headers: &HeaderMap, device_id: &str) -> ApiResult<()> {
    let token_hash = hash(bearer(headers)?);
    let id = device_id.to_owned();
    let device = match blocking(state.store(), move |store| store.sync_device(&id)).await? {
        Ok(device) => device,
        Err(StoreError::NotFound { .. }) => return Err(wrong_token("device")),
        Err(other) => return Err(store_error(other)),
    };
    if !bool::from(device.token_hash.as_slice().ct_eq(&token_hash)) {
        return Err(wrong_token("device"));
    }
    if device.revoked_at.is_some() {
        return Err(revoked());
    }
    Ok(())
}

fn revoked() -> ApiError {
    ApiError::status(
        StatusCode::FORBIDDEN,
        "This device was revoked on the server: it can no longer sync. Enrol it again to sync",
    )
}

async fn authorize_caregiver(state: &AppState, headers: &HeaderMap, caregiver_id: &str) -> ApiResult<()> {
    let token_hash = hash(bearer(headers)?);
    let id = caregiver_id.to_owned();
    let caregiver = match blocking(state.store(), move |store| store.sync_caregiver(&id)).await? {
        Ok(caregiver) => caregiver,
        Err(StoreError::NotFound { .. }) => return Err(wrong_token("caregiver")),
        Err(other) => return Err(store_error(other)),
    };
    if !bool::from(caregiver.token_hash.as_slice().ct_eq(&token_hash)) {
        return Err(wrong_token("caregiver"));
    }
    Ok(())
}

/// True when the request carries the server's API key (or the server has none).
fn has_api_key(state: &AppState, headers: &HeaderMap) -> Result<bool, ApiError> {
    let Some(expected) = state.api_key() else { return Ok(true) };
    match headers.get("x-api-key") {
        None => Ok(false),
        Some(given) if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) => Ok(true),
        Some(_) => Err(ApiError::status(StatusCode::FORBIDDEN, "Invalid API key")),
    }
}

// ---- enrolment ----

/// `POST /v1/devices/register`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// An enrolment code from the server's operator (or the server's API key itself), when
    /// the device does not send the API key as `X-API-Key`.
    #[serde(default)]
    pub enrolment_code: Option<String>,
}

/// A new device's id and token. The token is shown once: keep it secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    /// The device's id.
    pub device_id: String,
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
}

#[utoipa::path(post, path = "/v1/devices/register", tag = "Sync", request_body = RegisterRequest, security((), ("api_key" = [])),
    responses((status = 200, body = Registered), (status = 401, body = ErrorDetail), (status = 403, body = ErrorDetail)))]
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body<RegisterRequest>,
) -> ApiResult<Json<Registered>> {
    let code = body.enrolment_code.as_deref().map(normalize_code).filter(|c| !c.is_empty());
    let allowed = match code {
        Some(code) => {
            // A person may type the server's API key where the app asks for a code.
            let is_key = state.api_key().is_some_and(|key| {
                bool::from(body.enrolment_code.as_deref().unwrap_or("").trim().as_bytes().ct_eq(key.as_bytes()))
            });
            let code_hash = hash(&code);
            is_key
                || blocking(state.store(), move |store| store.take_enrolment_code(&code_hash, Utc::now()))
                    .await?
                    .map_err(store_error)?
        }
        None => has_api_key(&state, &headers)?,
    };
    if !allowed {
        return Err(match body.enrolment_code {
            Some(_) => ApiError::status(
                StatusCode::FORBIDDEN,
                "The enrolment code is not valid or has expired; ask for a new one",
            ),
            None => ApiError::status(
                StatusCode::UNAUTHORIZED,
                "Enrolment needs the server's API key (X-API-Key) or an enrolment code",
            ),
        });
    }
    let token = new_token()?;
    let token_hash = hash(&token);
    let device_id = blocking(state.store(), move |store| store.register_device(&token_hash, Utc::now()))
        .await?
        .map_err(store_error)?;
    tracing::info!(device_id = %device_id, "device enrolled");
    Ok(Json(Registered { device_id, token }))
}

/// A one-time code and when it stops working.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneTimeCode {
    /// The code, e.g. `K7QM-X3RT-HP9A` (case, spaces and dashes do not matter when typed).
    pub code: String,
    /// When it expires (ISO 8601); it also stops working once used.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/v1/enrolment-codes", tag = "Sync",
    responses((status = 200, body = OneTimeCode), (status = 401, body = ErrorDetail), (status = 403, body = ErrorDetail)))]
pub async fn enrolment_code(State(state): State<AppState>) -> ApiResult<Json<OneTimeCode>> {
    let code = new_code()?;
    let expires_at = Utc::now() + CODE_LIFETIME;
    let code_hash = hash(&code);
    blocking(state.store(), move |store| store.add_sync_code(&code_hash, CodePurpose::Enrolment, expires_at))
        .await?
        .map_err(store_error)?;
    Ok(Json(OneTimeCode { code, expires_at }))
}

/// `POST /v1/devices/{device_id}/revoke`: done.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revoked {
    /// The device.
    pub device_id: String,
    /// Always true.
    pub revoked: bool,
}

#[utoipa::path(post, path = "/v1/devices/{device_id}/revoke", tag = "Sync", security(("api_key" = []), ("device_token" = [])),
    params(("device_id" = String, Path, description = "The device")),
    responses((status = 200, body = Revoked), (status = 401, body = ErrorDetail), (status = 403, body = ErrorDetail),
        (status = 404, body = ErrorDetail)))]
pub async fn revoke(
    State(state): State<AppState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Revoked>> {
    // The operator (API key) may revoke any device; a device may revoke itself.
    let operator = state.api_key().is_some() && headers.contains_key("x-api-key") && has_api_key(&state, &headers)?;
    if !operator {
        authorize_device(&state, &headers, &device_id).await?;
    }
    let id = device_id.clone();
    blocking(state.store(), move |store| store.revoke_device(&id, Utc::now())).await?.map_err(store_error)?;
    tracing::info!(device_id = %device_id, "device revoked");
    Ok(Json(Revoked { device_id, revoked: true }))
}

// ---- records ----

/// One check, as a device sends it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RecordIn {
    /// A UUID made on the device: a record sent again with the same id is stored once.
    pub id: String,
    /// `assessment` or `session_summary`.
    pub kind: String,
    /// Which guard answered.
    pub module: Module,
    /// The level.
    pub level: Level,
    /// 0–100.
    pub score: u8,
    /// The fired rules' ids.
    #[serde(default)]
    pub rule_ids: Vec<String>,
    /// The rule pack's version.
    #[serde(default)]
    pub pack_version: String,
    /// When the check was made (ISO 8601, the device's clock).
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// Only what the person opted in to share.
    #[serde(default)]
    pub details: Option<guardian_store::SharedDetails>,
}

/// `POST /v1/devices/{device_id}/records`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PushRequest {
    /// Up to 200 records.
    pub records: Vec<RecordIn>,
}

/// What happened to one record.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordResult {
    /// The record's id.
    pub id: String,
    /// `stored` (new) or `duplicate` (already stored before; nothing changed).
    pub status: &'static str,
}

/// `POST /v1/devices/{device_id}/records` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushResult {
    /// Records new to the server.
    pub stored: usize,
    /// Records it already had.
    pub duplicates: usize,
    /// Per record, in the order sent.
    pub results: Vec<RecordResult>,
}

/// The alert line a caregiver reads: what kind of check, never its content.
pub fn headline(module: Module) -> &'static str {
    match module {
        Module::Callguard => "High risk: a phone call showed strong signs of a scam",
        Module::Moneyguard => "High risk: a request to send money showed strong signs of a scam",
        Module::Inboxguard => "High risk: a message or link showed strong signs of a scam",
        Module::Identitywatch => "High risk: strong signs that someone may be using their identity",
    }
}

fn check_record(index: usize, record: RecordIn) -> ApiResult<NewSyncedRecord> {
    let at = |field: &str| vec!["records".to_owned(), index.to_string(), field.to_owned()];
    let fail = |field: &str, msg: &str| ApiError::Validation {
        loc: std::iter::once("body".to_owned()).chain(at(field)).collect(),
        msg: msg.to_owned(),
        kind: "value_error",
    };
    let id = uuid::Uuid::from_str(record.id.trim()).map_err(|_| fail("id", "must be a UUID"))?.to_string();
    if !matches!(record.kind.as_str(), "assessment" | "session_summary") {
        return Err(fail("kind", "must be assessment or session_summary"));
    }
    if record.score > 100 {
        return Err(fail("score", "must be 0 to 100"));
    }
    if record.rule_ids.len() > 100 || record.rule_ids.iter().any(|r| r.is_empty() || r.len() > 100) {
        return Err(fail("rule_ids", "at most 100 ids of 1 to 100 characters"));
    }
    if record.pack_version.len() > 64 {
        return Err(fail("pack_version", "at most 64 characters"));
    }
    let details = match record.details {
        Some(details) => {
            let size = serde_json::to_vec(&details).map(|v| v.len()).unwrap_or(usize::MAX);
            if size > 16 * 1024 {
                return Err(fail("details", "at most 16 KiB"));
            }
            if details.amount.is_some_and(|a| !a.is_finite()) {
                return Err(fail("details", "amount must be a number"));
            }
            Some(serde_json::to_value(details).map_err(|_| fail("details", "cannot be stored"))?)
        }
        None => None,
    };
    Ok(NewSyncedRecord {
        id,
        kind: record.kind,
        module: record.module.as_str().to_owned(),
        level: record.level.as_str().to_owned(),
        score: record.score,
        rule_ids: record.rule_ids,
        pack_version: record.pack_version,
        created_at: record.created_at,
        details,
        headline: headline(record.module).to_owned(),
    })
}

#[utoipa::path(post, path = "/v1/devices/{device_id}/records", tag = "Sync", request_body = PushRequest,
    security(("device_token" = [])), params(("device_id" = String, Path, description = "The device")),
    responses((status = 200, body = PushResult), (status = 401, body = ErrorDetail), (status = 403, body = ErrorDetail),
        (status = 422, body = ValidationError)))]
pub async fn push(
    State(state): State<AppState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<PushRequest>,
) -> ApiResult<Json<PushResult>> {
    authorize_device(&state, &headers, &device_id).await?;
    if body.records.len() > MAX_BATCH {
        return Err(ApiError::validation(&["records"], format!("at most {MAX_BATCH} records per request")));
    }
    let records =
        body.records.into_iter().enumerate().map(|(i, r)| check_record(i, r)).collect::<ApiResult<Vec<_>>>()?;
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    let stored = blocking(state.store(), move |store| store.store_synced_records(&device_id, &records, Utc::now()))
        .await?
        .map_err(store_error)?;
    let results: Vec<RecordResult> = ids
        .into_iter()
        .zip(&stored)
        .map(|(id, new)| RecordResult { id, status: if *new { "stored" } else { "duplicate" } })
        .collect();
    let new = stored.iter().filter(|n| **n).count();
    Ok(Json(PushResult { stored: new, duplicates: results.len() - new, results }))
}

/// `?limit=` for lists.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// At most this many (1–1000, default 100).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Alerts only: include acknowledged ones too.
    #[serde(default)]
    pub all: Option<bool>,
}

/// `GET /v1/devices/{device_id}/history`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceHistory {
    /// The device.
    pub device_id: String,
    /// Its synced records, newest first.
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<SyncedRecord>,
}

#[utoipa::path(get, path = "/v1/devices/{device_id}/history", tag = "Sync", security(("device_token" = [])),
    params(("device_id" = String, Path, description = "The device"), ListQuery),
    responses((status = 200, body = DeviceHistory), (status = 401, body = ErrorDetail), (status = 403, body = ErrorDetail)))]
pub async fn history(
    State(state): State<AppState>,
    Path(device_id): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<DeviceHistory>> {
    authorize_device(&state, &headers, &device_id).await?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let id = device_id.clone();
    let records = blocking(state.store(), move |store| store.synced_records(&id, limit)).await?.map_err(store_error)?;
    Ok(Json(DeviceHistory { device_id, records }))
}

// ---- trusted contacts ----

#[utoipa::path(post, path = "/v1/devices/{device_id}/link-codes", tag = "Sync", security(("device_token" = [])),
    params(("device_id" = String, Path, description = "The device")),
    responses((status = 200, body = OneTimeCode), (status = 401, body = ErrorDetail), (status = 403, body = ErrorDetail)))]
pub async fn link_code(
    State(state): State<AppState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<OneTimeCode>> {
    authorize_device(&state, &headers, &device_id).await?;
    let code = new_code()?;
    let expires_at = Utc::now() + CODE_LIFETIME;
    let code_hash = hash(&code);
    blocking(state.store(), move |store| {
        store.add_sync_code(&code_hash, CodePurpose::Link { device_id: &device_id }, expires_at)
    })
    .await?
    .map_err(store_error)?;
    Ok(Json(OneTimeCode { code, expires_at }))
}

/// `GET /v1/devices/{device_id}/caregivers`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceCaregivers {
    /// The trusted contacts linked to this device.
    #[schema(value_type = Vec<Object>)]
    pub caregivers: Vec<LinkedCaregiver>,
}

#[utoipa::path(get, path = "/v1/devices/{device_id}/caregivers", tag = "Sync", security(("device_token" = [])),
    params(("device_id" = String, Path, description = "The device")),
    responses((status = 200, body = DeviceCaregivers), (status = 401, body = ErrorDetail), (status = 403, body = ErrorDetail)))]
pub async fn device_caregivers(
    State(state): State<AppState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<DeviceCaregivers>> {
    authorize_device(&state, &headers, &device_id).await?;
    let caregivers =
        blocking(state.store(), move |store| store.device_caregivers(&device_id)).await?.map_err(store_error)?;
    Ok(Json(DeviceCaregivers { caregivers }))
}

/// `POST /v1/devices/{device_id}/unlink`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UnlinkRequest {
    /// One caregiver; without it, every caregiver linked to the device.
    #[serde(default)]
    pub caregiver_id: Option<String>,
}

/// How many links were removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unlinked {
    /// Links removed; alerts for them stop at once.
    pub unlinked: u64,
}

#[utoipa::path(post, path = "/v1/devices/{device_id}/unlink", tag = "Sync", request_body = UnlinkRequest,
    security(("device_token" = [])), params(("device_id" = String, Path, description = "The device")),
    responses((status = 200, body = Unlinked), (status = 401, body = ErrorDetail), (status = 403, body = ErrorDetail)))]
pub async fn unlink(
    State(state): State<AppState>,
    Path(device_id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<UnlinkRequest>,
) -> ApiResult<Json<Unlinked>> {
    authorize_device(&state, &headers, &device_id).await?;
    let unlinked =
        blocking(state.store(), move |store| store.unlink_caregivers(&device_id, body.caregiver_id.as_deref()))
            .await?
            .map_err(store_error)?;
    Ok(Json(Unlinked { unlinked }))
}

/// `POST /v1/caregivers`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CaregiverRequest {
    /// The link code the person shared.
    pub code: String,
    /// The name the person will see (optional; stored encrypted).
    #[serde(default)]
    pub name: Option<String>,
}

/// A new caregiver account, linked to the device whose code was used.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaregiverCreated {
    /// The caregiver's id.
    pub caregiver_id: String,
    /// Send it as `Authorization: Bearer <token>`; shown once.
    pub token: String,
    /// The device now linked.
    pub device_id: String,
}

fn bad_link_code() -> ApiError {
    ApiError::status(StatusCode::NOT_FOUND, "That link code is not valid or has expired; ask for a new one")
}

#[utoipa::path(post, path = "/v1/caregivers", tag = "Sync", request_body = CaregiverRequest, security(()),
    responses((status = 200, body = CaregiverCreated), (status = 404, body = ErrorDetail), (status = 422, body = ValidationError)))]
pub async fn create_caregiver(
    State(state): State<AppState>,
    Body(body): Body<CaregiverRequest>,
) -> ApiResult<Json<CaregiverCreated>> {
    let name = body.name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > 80 || n.chars().any(char::is_control)) {
        return Err(ApiError::validation(&["name"], "at most 80 characters, without control characters"));
    }
    let code_hash = hash(&normalize_code(&body.code));
    let token = new_token()?;
    let token_hash = hash(&token);
    let (caregiver_id, device_id) = blocking(state.store(), move |store| {
        store.create_caregiver(&token_hash, name.as_deref(), &code_hash, Utc::now())
    })
    .await?
    .map_err(|e| if e.is_not_found() { bad_link_code() } else { store_error(e) })?;
    tracing::info!(caregiver_id = %caregiver_id, device_id = %device_id, "caregiver enrolled and linked");
    Ok(Json(CaregiverCreated { caregiver_id, token, device_id }))
}

/// `POST /v1/caregivers/{caregiver_id}/links`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkRequest {
    /// The link code the person shared.
    pub code: String,
}

/// The device now linked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Linked {
    /// The device.
    pub device_id: String,
}

#[utoipa::path(post, path = "/v1/caregivers/{caregiver_id}/links", tag = "Sync", request_body = LinkRequest,
    security(("caregiver_token" = [])), params(("caregiver_id" = String, Path, description = "The caregiver")),
    responses((status = 200, body = Linked), (status = 401, body = ErrorDetail), (status = 404, body = ErrorDetail)))]
pub async fn link(
    State(state): State<AppState>,
    Path(caregiver_id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<LinkRequest>,
) -> ApiResult<Json<Linked>> {
    authorize_caregiver(&state, &headers, &caregiver_id).await?;
    let code_hash = hash(&normalize_code(&body.code));
    let device_id = blocking(state.store(), move |store| store.link_caregiver(&caregiver_id, &code_hash, Utc::now()))
        .await?
        .map_err(|e| if e.is_not_found() { bad_link_code() } else { store_error(e) })?;
    Ok(Json(Linked { device_id }))
}

/// `GET /v1/caregivers/{caregiver_id}/alerts`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    /// Newest first; unacknowledged only unless `?all=true`.
    #[schema(value_type = Vec<Object>)]
    pub alerts: Vec<Alert>,
}

#[utoipa::path(get, path = "/v1/caregivers/{caregiver_id}/alerts", tag = "Sync", security(("caregiver_token" = [])),
    params(("caregiver_id" = String, Path, description = "The caregiver"), ListQuery),
    responses((status = 200, body = AlertList), (status = 401, body = ErrorDetail)))]
pub async fn alerts(
    State(state): State<AppState>,
    Path(caregiver_id): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<AlertList>> {
    authorize_caregiver(&state, &headers, &caregiver_id).await?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let all = query.all.unwrap_or(false);
    let alerts = blocking(state.store(), move |store| store.caregiver_alerts(&caregiver_id, all, limit))
        .await?
        .map_err(store_error)?;
    Ok(Json(AlertList { alerts }))
}

#[utoipa::path(post, path = "/v1/caregivers/{caregiver_id}/alerts/{alert_id}/ack", tag = "Sync",
    security(("caregiver_token" = [])),
    params(("caregiver_id" = String, Path, description = "The caregiver"), ("alert_id" = String, Path, description = "The alert")),
    responses((status = 200, body = Object, description = "The alert, acknowledged"), (status = 401, body = ErrorDetail),
        (status = 404, body = ErrorDetail)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    Path((caregiver_id, alert_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<Alert>> {
    authorize_caregiver(&state, &headers, &caregiver_id).await?;
    let alert = blocking(state.store(), move |store| store.acknowledge_alert(&caregiver_id, &alert_id, Utc::now()))
        .await?
        .map_err(store_error)?;
    Ok(Json(alert))
}

// ---- rule pack ----

#[utoipa::path(get, path = "/v1/rule-pack", tag = "Sync", security(()),
    responses((status = 200, description = "The newest signed rule pack: `{version, bundle, signature}`; devices check \
the ed25519 signature over `bundle` against the key compiled into them", body = Object),
        (status = 404, body = ErrorDetail, description = "This server has no rule-pack update")))]
pub async fn rule_pack(State(state): State<AppState>) -> Response {
    let Some(path) = state.rule_pack_file() else {
        return ApiError::status(StatusCode::NOT_FOUND, "This server has no rule-pack update").into_response();
    };
    let file = path.to_path_buf();
    let bytes = match tokio::task::spawn_blocking(move || std::fs::read(file)).await {
        Ok(Ok(bytes)) => bytes,
        Err(error) => return ApiError::internal("rule pack task failed", &error).into_response(),
        Ok(Err(error)) => {
            tracing::error!(file = %path.display(), %error, "RULE_PACK_FILE cannot be read");
            return ApiError::status(StatusCode::SERVICE_UNAVAILABLE, "The rule pack cannot be read right now")
                .into_response();
        }
    };
    let valid = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .is_some_and(|v| ["version", "bundle", "signature"].iter().all(|k| v.get(*k).is_some_and(Value::is_string)));
    if !valid {
        tracing::error!(file = %path.display(), "RULE_PACK_FILE is not a signed pack made by guardian-pack sign");
        return ApiError::status(StatusCode::SERVICE_UNAVAILABLE, "The rule pack on this server is not usable")
            .into_response();
    }
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_however_typed() {
        let code = new_code().unwrap();
        assert_eq!(code.len(), 14);
        assert_eq!(normalize_code(&code.to_lowercase().replace('-', " ")), code);
        assert!(code.bytes().all(|b| b == b'-' || CODE_ALPHABET.contains(&b)));
    }

    #[test]
    fn tokens_are_long_and_random() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
