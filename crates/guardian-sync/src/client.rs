//! The HTTP client: one blocking request at a time over rustls, with a connect timeout and
//! an overall timeout on every call, so a server that hangs costs at most that long. Every
//! failure becomes a [`SyncError`] that says what happened in plain words.

use std::io::ErrorKind;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::{Result, SyncError};

/// How long a call may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open the connection (DNS, TCP, TLS).
    pub connect: Duration,
    /// For the whole call, answer included.
    pub overall: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts { connect: Duration::from_secs(5), overall: Duration::from_secs(20) }
    }
}

/// The largest answer read (a signed rule pack is about 200 KB).
const MAX_ANSWER_BYTES: u64 = 8 * 1024 * 1024;

/// A server address, checked: `https://…`, or `http://` to this computer only.
pub fn check_server_url(raw: &str) -> Result<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(SyncError::BadServerUrl(
            "it is empty; type the address you were given, like https://guardian.example.org".to_owned(),
        ));
    }
    let parsed = url::Url::parse(raw).map_err(|e| {
        SyncError::BadServerUrl(format!(
            "'{raw}' is not a web address ({e}); it should look like https://guardian.example.org"
        ))
    })?;
    let host = parsed.host_str().unwrap_or_default().to_owned();
    if host.is_empty() {
        return Err(SyncError::BadServerUrl(format!("'{raw}' has no server name")));
    }
    match parsed.scheme() {
        "https" => {}
        "http" => {
            let local = host == "localhost"
                || host
                    .trim_matches(|c| c == '[' || c == ']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !local {
                return Err(SyncError::BadServerUrl(
                    "http:// is only allowed for a server on this computer; use https:// so nothing is sent in clear"
                        .to_owned(),
                ));
            }
        }
        other => {
            return Err(SyncError::BadServerUrl(format!("'{other}://' is not a web address; use https://")));
        }
    }
    if parsed.query().is_some() || parsed.fragment().is_some() || !parsed.username().is_empty() {
        return Err(SyncError::BadServerUrl("give only the server's address, without ?, # or a user name".to_owned()));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// An id the server handed out, safe to put in a path.
fn check_id(id: &str) -> Result<&str> {
    if !id.is_empty() && id.len() <= 100 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(id)
    } else {
        Err(SyncError::BadAnswer("the server gave an id that is not one".to_owned()))
    }
}

/// A new device's id and token.
#[derive(Debug, Clone, Deserialize)]
pub struct Registered {
    /// The device's id.
    pub device_id: String,
    /// Its secret token.
    pub token: String,
}

/// A one-time code to read out or send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeCode {
    /// The code.
    pub code: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A trusted contact linked to this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// The caregiver's id.
    pub caregiver_id: String,
    /// The name they gave.
    #[serde(default)]
    pub name: Option<String>,
    /// When they linked.
    pub linked_at: DateTime<Utc>,
}

/// What the server did with a pushed batch.
#[derive(Debug, Clone, Deserialize)]
pub struct PushResult {
    /// New to the server.
    pub stored: usize,
    /// Already there.
    pub duplicates: usize,
    /// Per record.
    pub results: Vec<RecordResult>,
}

/// One record's fate.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordResult {
    /// Its id.
    pub id: String,
    /// `stored` or `duplicate`.
    pub status: String,
}

/// A caregiver account (for a caregiver's own tools and the tests).
#[derive(Debug, Clone, Deserialize)]
pub struct CaregiverCreated {
    /// Its id.
    pub caregiver_id: String,
    /// Its token.
    pub token: String,
    /// The device it is linked to.
    pub device_id: String,
}

/// An alert a caregiver sees: the server's own type.
pub use guardian_store::Alert;

/// A client for one server.
#[derive(Debug, Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

enum Auth<'a> {
    None,
    Token(&'a str),
    ApiKey(&'a str),
}

impl Client {
    /// A client for `server_url` (checked with [`check_server_url`]).
    pub fn new(server_url: &str, timeouts: Timeouts) -> Result<Client> {
        let base = check_server_url(server_url)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(timeouts.connect))
            .timeout_global(Some(timeouts.overall))
            .user_agent(concat!("titanium-guardian-sync/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client { agent: config.into(), base })
    }

    /// The server's address.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn call<T: DeserializeOwned>(&self, method: &str, path: &str, auth: Auth<'_>, body: Option<&Value>) -> Result<T> {
        self.call_raw(method, path, auth, body).and_then(|bytes| {
            serde_json::from_slice(&bytes)
                .map_err(|_| SyncError::BadAnswer("it is not the JSON a Titanium Guardian server sends".to_owned()))
        })
    }

    fn call_raw(&self, method: &str, path: &str, auth: Auth<'_>, body: Option<&Value>) -> Result<Vec<u8>> {
        let url = format!("{}{path}", self.base);
        let result = match method {
            "GET" => {
                let mut request = self.agent.get(&url).header("Accept", "application/json");
                match auth {
                    Auth::Token(token) => request = request.header("Authorization", &format!("Bearer {token}")),
                    Auth::ApiKey(key) => request = request.header("X-API-Key", key),
                    Auth::None => {}
                }
                request.call()
            }
            _ => {
                let mut request = self.agent.post(&url).header("Accept", "application/json");
                match auth {
                    Auth::Token(token) => request = request.header("Authorization", &format!("Bearer {token}")),
                    Auth::ApiKey(key) => request = request.header("X-API-Key", key),
                    Auth::None => {}
                }
                request.send_json(body.cloned().unwrap_or_else(|| json!({})))
            }
        };
        let mut response = result.map_err(transport_error)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = response.body_mut().with_config().limit(MAX_ANSWER_BYTES).read_to_vec().map_err(transport_error)?;
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        let detail = detail_of(&bytes);
        Err(match status {
            300..=399 => SyncError::BadServerUrl(match location {
                Some(to) => format!("the server sent this request to {to}; use that address"),
                None => format!("the server answered with a redirect (HTTP {status})"),
            }),
            401 => SyncError::Unauthorized(detail),
            403 if detail.to_lowercase().contains("revoked") => SyncError::Revoked(detail),
            403 => SyncError::Forbidden(detail),
            429 => SyncError::RateLimited { retry_after_secs: retry_after.unwrap_or(60).clamp(1, 3600) },
            500..=599 => SyncError::Server { status, detail },
            _ => SyncError::Refused { status, detail },
        })
    }

    /// Enrols this device with the server's API key or an enrolment code.
    pub fn register(&self, api_key: Option<&str>, enrolment_code: Option<&str>) -> Result<Registered> {
        let auth = api_key.map_or(Auth::None, Auth::ApiKey);
        let registered: Registered =
            self.call("POST", "/v1/devices/register", auth, Some(&json!({ "enrolment_code": enrolment_code })))?;
        check_id(&registered.device_id)?;
        if registered.token.len() < 32 {
            return Err(SyncError::BadAnswer("the server gave a token that is not one".to_owned()));
        }
        Ok(registered)
    }

    /// Sends records; the server stores each id once.
    pub fn push(&self, device_id: &str, token: &str, records: &[Value]) -> Result<PushResult> {
        let path = format!("/v1/devices/{}/records", check_id(device_id)?);
        self.call("POST", &path, Auth::Token(token), Some(&json!({ "records": records })))
    }

    /// The device's history on the server (newest first).
    pub fn history(&self, device_id: &str, token: &str, limit: usize) -> Result<Vec<Value>> {
        #[derive(Deserialize)]
        struct History {
            records: Vec<Value>,
        }
        let path = format!("/v1/devices/{}/history?limit={limit}", check_id(device_id)?);
        Ok(self.call::<History>("GET", &path, Auth::Token(token), None)?.records)
    }

    /// A code to give a trusted contact so they can link to this device.
    pub fn link_code(&self, device_id: &str, token: &str) -> Result<OneTimeCode> {
        let path = format!("/v1/devices/{}/link-codes", check_id(device_id)?);
        self.call("POST", &path, Auth::Token(token), None)
    }

    /// The trusted contacts linked to this device.
    pub fn contacts(&self, device_id: &str, token: &str) -> Result<Vec<Contact>> {
        #[derive(Deserialize)]
        struct Contacts {
            caregivers: Vec<Contact>,
        }
        let path = format!("/v1/devices/{}/caregivers", check_id(device_id)?);
        Ok(self.call::<Contacts>("GET", &path, Auth::Token(token), None)?.caregivers)
    }

    /// Unlinks every trusted contact (alerts stop at once); returns how many.
    pub fn unlink(&self, device_id: &str, token: &str) -> Result<u64> {
        #[derive(Deserialize)]
        struct Unlinked {
            unlinked: u64,
        }
        let path = format!("/v1/devices/{}/unlink", check_id(device_id)?);
        Ok(self.call::<Unlinked>("POST", &path, Auth::Token(token), None)?.unlinked)
    }

    /// Revokes this device on the server (when the person leaves sync).
    pub fn revoke(&self, device_id: &str, token: &str) -> Result<()> {
        let path = format!("/v1/devices/{}/revoke", check_id(device_id)?);
        self.call::<Value>("POST", &path, Auth::Token(token), None).map(|_| ())
    }

    /// Revokes any device, as the server's operator (API key).
    pub fn revoke_as_operator(&self, device_id: &str, api_key: &str) -> Result<()> {
        let path = format!("/v1/devices/{}/revoke", check_id(device_id)?);
        self.call::<Value>("POST", &path, Auth::ApiKey(api_key), None).map(|_| ())
    }

    /// The newest signed rule pack, as served; `None` when the server has none.
    pub fn rule_pack(&self) -> Result<Option<Vec<u8>>> {
        match self.call_raw("GET", "/v1/rule-pack", Auth::None, None) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(SyncError::Refused { status: 404, .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// A caregiver enrols with a link code the person shared.
    pub fn create_caregiver(&self, code: &str, name: Option<&str>) -> Result<CaregiverCreated> {
        self.call("POST", "/v1/caregivers", Auth::None, Some(&json!({ "code": code, "name": name })))
    }

    /// A caregiver's unacknowledged alerts.
    pub fn alerts(&self, caregiver_id: &str, token: &str) -> Result<Vec<Alert>> {
        #[derive(Deserialize)]
        struct Alerts {
            alerts: Vec<Alert>,
        }
        let path = format!("/v1/caregivers/{}/alerts", check_id(caregiver_id)?);
        Ok(self.call::<Alerts>("GET", &path, Auth::Token(token), None)?.alerts)
    }

    /// A caregiver acknowledges an alert.
    pub fn acknowledge(&self, caregiver_id: &str, token: &str, alert_id: &str) -> Result<Alert> {
        let path = format!("/v1/caregivers/{}/alerts/{}/ack", check_id(caregiver_id)?, check_id(alert_id)?);
        self.call("POST", &path, Auth::Token(token), None)
    }
}

/// The server's `detail`, or a short note when there is none.
fn detail_of(bytes: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let detail = match parsed.as_ref().and_then(|v| v.get("detail")) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| {
                let msg = item.get("msg")?.as_str()?;
                let loc: Vec<String> = item
                    .get("loc")?
                    .as_array()?
                    .iter()
                    .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                    .collect();
                Some(format!("{}: {msg}", loc.join(".")))
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => "no explanation given".to_owned(),
    };
    detail.chars().take(300).collect()
}

fn transport_error(error: ureq::Error) -> SyncError {
    match error {
        ureq::Error::Timeout(_) => SyncError::Timeout,
        ureq::Error::HostNotFound => SyncError::Unreachable("the server's name was not found".to_owned()),
        ureq::Error::ConnectionFailed => SyncError::Unreachable("nothing answered at that address".to_owned()),
        ureq::Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) => {
            SyncError::Tls(io.get_ref().map(ToString::to_string).unwrap_or_default())
        }
        ureq::Error::Io(io) if io.to_string().contains("lookup address") => {
            SyncError::Unreachable("no server has that name".to_owned())
        }
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => SyncError::Timeout,
            ErrorKind::ConnectionRefused => {
                SyncError::Unreachable("the connection was refused: the server is not running there".to_owned())
            }
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::UnexpectedEof => {
                SyncError::Unreachable("the connection was cut".to_owned())
            }
            ErrorKind::InvalidData => SyncError::BadAnswer(format!("it is not HTTP ({io})")),
            _ => SyncError::Unreachable(io.to_string()),
        },
        ureq::Error::Tls(what) => SyncError::Tls(what.to_owned()),
        ureq::Error::Rustls(error) => SyncError::Tls(error.to_string()),
        ureq::Error::BadUri(what) => SyncError::BadServerUrl(what),
        ureq::Error::Protocol(error) => SyncError::BadAnswer(format!("it is not HTTP ({error})")),
        ureq::Error::BodyExceedsLimit(_) => SyncError::BadAnswer("the answer is far too large".to_owned()),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
            SyncError::BadServerUrl("the server redirects elsewhere".to_owned())
        }
        other => SyncError::Unreachable(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses() {
        assert_eq!(check_server_url(" https://g.example.org/ ").unwrap(), "https://g.example.org");
        assert_eq!(check_server_url("https://g.example.org/api").unwrap(), "https://g.example.org/api");
        assert_eq!(check_server_url("http://127.0.0.1:8000").unwrap(), "http://127.0.0.1:8000");
        assert_eq!(check_server_url("http://localhost:8000/").unwrap(), "http://localhost:8000");
        assert!(check_server_url("http://[::1]:8000").is_ok());
        for bad in [
            "",
            "g.example.org",
            "http://g.example.org",
            "ftp://g.example.org",
            "https://u:p@g.example.org",
            "https://g.example.org/?x=1",
        ] {
            let error = check_server_url(bad).unwrap_err();
            assert!(matches!(error, SyncError::BadServerUrl(_)), "{bad}: {error}");
        }
    }

    #[test]
    fn details_are_read_in_both_shapes() {
        assert_eq!(detail_of(br#"{"detail": "Invalid API key"}"#), "Invalid API key");
        assert_eq!(
            detail_of(br#"{"detail": [{"loc": ["body", "records", 0, "id"], "msg": "must be a UUID", "type": "value_error"}]}"#),
            "body.records.0.id: must be a UUID"
        );
        assert_eq!(detail_of(b"<html>"), "no explanation given");
    }
}
