//! The sync crate's one error type. Every message is a sentence a person can act on, and
//! none carries a token, a message or anything else personal: they are shown in Settings,
//! printed by `guardian sync` and may be logged.

use guardian_store::StoreError;

/// Anything that can go wrong talking to the server or updating the rule pack.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// Sync is not set up on this device.
    #[error("this device is not enrolled with a server; enrol it first")]
    NotEnrolled,
    /// The server address cannot be used.
    #[error("the server address is not usable: {0}")]
    BadServerUrl(String),
    /// The server cannot be reached (no network, wrong address, nothing listening).
    #[error("the server cannot be reached ({0}); checks are kept and will be sent later")]
    Unreachable(String),
    /// A secure connection could not be made (certificate, protocol).
    #[error("a secure connection to the server failed ({0}); check the server address and its certificate")]
    Tls(String),
    /// The server took too long.
    #[error("the server did not answer in time; checks are kept and will be sent later")]
    Timeout,
    /// 401: the token (or key, or code) was not accepted.
    #[error("the server did not accept this device ({0})")]
    Unauthorized(String),
    /// 403 for a device that was revoked on the server.
    #[error("this device was revoked on the server, so it can no longer send checks; enrol it again to sync")]
    Revoked(String),
    /// 403 for anything else (wrong API key, bad enrolment code).
    #[error("the server refused: {0}")]
    Forbidden(String),
    /// 429.
    #[error("the server is busy (too many requests); trying again in {retry_after_secs} s")]
    RateLimited {
        /// What `Retry-After` said (or a default).
        retry_after_secs: u64,
    },
    /// 5xx.
    #[error("the server had a problem (HTTP {status}: {detail}); trying again later")]
    Server {
        /// The status code.
        status: u16,
        /// The server's `detail`, if any.
        detail: String,
    },
    /// Any other 4xx.
    #[error("the server refused the request (HTTP {status}: {detail})")]
    Refused {
        /// The status code.
        status: u16,
        /// The server's `detail`, if any.
        detail: String,
    },
    /// The answer is not what a Titanium Guardian server sends.
    #[error("the server's answer could not be read ({0}); is this the right server address?")]
    BadAnswer(String),
    /// The device token cannot be kept or read.
    #[error("the device token cannot be kept: {0}")]
    Token(String),
    /// A rule pack was refused; the pack in use stays.
    #[error("the rule-pack update was refused: {0}; the current rules stay in use")]
    PackRefused(String),
    /// A setting given to sync is not acceptable.
    #[error("{field}: {message}")]
    InvalidInput {
        /// Which setting.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// The error as a sentence for a person (Settings, `guardian sync status`): first
    /// letter capital, full stop.
    pub fn sentence(&self) -> String {
        let text = self.to_string();
        let mut chars = text.chars();
        let mut out: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
        if !out.ends_with('.') {
            out.push('.');
        }
        out
    }

    /// True when trying again later may succeed without anyone doing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SyncError::Unreachable(_)
                | SyncError::Timeout
                | SyncError::RateLimited { .. }
                | SyncError::Server { .. }
                | SyncError::BadAnswer(_)
                | SyncError::Tls(_)
        )
    }
}

/// The crate's result type.
pub type Result<T, E = SyncError> = std::result::Result<T, E>;
