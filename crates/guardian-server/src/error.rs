//! Errors as the old API gave them: JSON `{"detail": …}` with the status a client expects.
//! Validation errors (422) carry FastAPI's list shape, `[{"loc", "msg", "type"}]`, so old
//! clients that read it keep working; every other error carries one sentence.
//!
//! Details name the field and the problem, never the value sent (it may be personal).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guardian_engine::EngineError;
use guardian_store::StoreError;
use serde_json::json;

/// An error answer.
#[derive(Debug)]
pub enum ApiError {
    /// 422: the body is not what the endpoint takes.
    Validation { loc: Vec<String>, msg: String, kind: &'static str },
    /// Any status with one sentence of detail.
    Status { status: StatusCode, detail: String, retry_after: Option<u64> },
}

impl ApiError {
    pub fn validation(loc: &[&str], msg: impl Into<String>) -> ApiError {
        ApiError::Validation {
            loc: std::iter::once("body").chain(loc.iter().copied()).map(str::to_owned).collect(),
            msg: msg.into(),
            kind: "value_error",
        }
    }

    pub fn status(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError::Status { status, detail: detail.into(), retry_after: None }
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::status(StatusCode::NOT_FOUND, format!("{what} not found"))
    }

    pub fn too_many(per_minute: u32, retry_after: u64) -> ApiError {
        ApiError::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            detail: format!("Rate limit exceeded ({per_minute} requests per minute); retry in {retry_after} s"),
            retry_after: Some(retry_after),
        }
    }

    /// A server-side failure: logged with its cause, answered without it.
    pub fn internal(context: &str, error: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%error, "{context}");
        ApiError::status(StatusCode::INTERNAL_SERVER_ERROR, "Internal error; it has been logged")
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> ApiError {
        match error {
            EngineError::InvalidInput { field, message } => ApiError::validation(&[field], message),
            EngineError::InvalidUrl(message) => ApiError::validation(&["url"], message),
            other => ApiError::internal("the rule pack failed", &other),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound { what, .. } => ApiError::not_found(&capitalise(what)),
            StoreError::SessionEnded { .. } => {
                ApiError::status(StatusCode::NOT_FOUND, "Session not found or has ended")
            }
            StoreError::InvalidInput { field, message } => ApiError::validation(&[field], message),
            StoreError::Rejected(engine) => engine.into(),
            StoreError::DiskFull { .. } => {
                tracing::error!(error = %error, "store full");
                ApiError::status(StatusCode::INSUFFICIENT_STORAGE, "The server's storage is full; nothing was saved")
            }
            other => ApiError::internal("store failure", &other),
        }
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body, retry_after) = match self {
            ApiError::Validation { loc, msg, kind } => {
                (StatusCode::UNPROCESSABLE_ENTITY, json!({"detail": [{"loc": loc, "msg": msg, "type": kind}]}), None)
            }
            ApiError::Status { status, detail, retry_after } => (status, json!({ "detail": detail }), retry_after),
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The handlers' result type.
pub type ApiResult<T> = Result<T, ApiError>;
