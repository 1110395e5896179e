//! The layers every request passes: request id and access log (outermost), rate limit,
//! API key. Each is a plain function over the shared state.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::config::IpNet;
use crate::error::ApiError;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static API_KEY: HeaderName = HeaderName::from_static("x-api-key");

/// Paths anyone may read: a load balancer's health check, the documentation and the web
/// front end's files (its API calls still need the key).
fn is_public(path: &str) -> bool {
    matches!(path, "/health" | "/docs" | "/openapi.json" | "/app") || path.starts_with("/app/")
}

/// The sync API: devices and caregivers authenticate with their own tokens (checked by
/// the handlers), enrolment with the API key or an enrolment code, and the signed rule
/// pack is public. `/v1/enrolment-codes` is not here: it needs the API key.
fn has_own_auth(path: &str) -> bool {
    path.starts_with("/v1/devices/")
        || path == "/v1/caregivers"
        || path.starts_with("/v1/caregivers/")
        || path == "/v1/rule-pack"
}

/// Gives each request an id (the client's `X-Request-Id` if it is a plain token, else a
/// new UUID), echoes it, counts the request and logs one line: method, route template,
/// status, time. Never a body, a raw path or a header value.
pub async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let start = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_token(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    if let Ok(value) = HeaderValue::from_str(&id) {
        request.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    let route = state.route_name(request.extensions().get::<MatchedPath>().map(MatchedPath::as_str));
    let method = request.method().as_str().to_owned();
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    let elapsed = start.elapsed();
    let status = response.status().as_u16();
    state.metrics().observe(route, &method, status, elapsed);
    tracing::info!(request_id = %id, method, route, status, latency_us = elapsed.as_micros() as u64, "request");
    response
}

fn is_token(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Per-client-address request budget.
pub struct Limiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    per_minute: u32,
    trusted_proxies: Vec<IpNet>,
}

impl Limiter {
    pub fn new(per_minute: u32, trusted_proxies: Vec<IpNet>) -> Option<Limiter> {
        let rate = NonZeroU32::new(per_minute)?;
        Some(Limiter { limiter: RateLimiter::keyed(Quota::per_minute(rate)), per_minute, trusted_proxies })
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the
    /// nearest address in `X-Forwarded-For` that is not a trusted proxy (addresses further
    /// left were written by the client and could be forged).
    fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.is_trusted(peer) {
            return peer;
        }
        let Some(list) = forwarded_for else { return peer };
        for hop in list.rsplit(',').map(str::trim) {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.is_trusted(ip) => continue,
                Ok(ip) => return ip,
                Err(_) => break,
            }
        }
        peer
    }

    /// Forgets clients that have their whole budget back (keeps memory bounded).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// 429 with `Retry-After` once a client address has used its budget for the minute.
pub async fn rate_limit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(limiter) = state.limiter()
        && request.uri().path() != "/health"
        && let Err(not_until) = limiter.limiter.check_key(
            &limiter.client(peer.ip(), request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok())),
        )
    {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return ApiError::too_many(limiter.per_minute, wait.as_secs().max(1)).into_response();
    }
    next.run(request).await
}

/// 401 without `X-API-Key`, 403 with a wrong one (compared in constant time). The sync
/// API's paths check their own tokens instead.
pub async fn require_key(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(expected) = state.api_key() else { return next.run(request).await };
    if is_public(request.uri().path()) || has_own_auth(request.uri().path()) {
        return next.run(request).await;
    }
    match request.headers().get(&API_KEY) {
        None => ApiError::status(StatusCode::UNAUTHORIZED, "Missing API key: send it in the X-API-Key header")
            .into_response(),
        Some(given) if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) => next.run(request).await,
        Some(_) => ApiError::status(StatusCode::FORBIDDEN, "Invalid API key").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let config = crate::config::Config::from_vars(|name| match name {
            "TRUSTED_PROXIES" => Some("127.0.0.1,10.0.0.0/8".to_owned()),
            "DATABASE_URL" => Some("sqlite://g.db".to_owned()),
            _ => None,
        })
        .unwrap();
        let limiter = Limiter::new(10, config.trusted_proxies).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(limiter.client(ip("127.0.0.1"), Some("203.0.113.5")), ip("203.0.113.5"));
        assert_eq!(limiter.client(ip("127.0.0.1"), Some("198.51.100.1, 203.0.113.5, 10.0.0.7")), ip("203.0.113.5"));
        assert_eq!(limiter.client(ip("198.51.100.9"), Some("203.0.113.5")), ip("198.51.100.9"), "untrusted peer");
        assert_eq!(limiter.client(ip("127.0.0.1"), Some("garbage")), ip("127.0.0.1"));
        assert_eq!(limiter.client(ip("127.0.0.1"), None), ip("127.0.0.1"));
    }
}
