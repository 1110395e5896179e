//! Configuration from the environment (and a `.env` file, read by `main`), exactly as the
//! server contract names it. Every refusal says which variable and what to set instead.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use axum::http::HeaderValue;

/// The largest request body accepted (the biggest real request, a long e-mail, is far less).
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;
/// How long one request may take before it is answered with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (the default; for log collectors).
    Json,
    /// Human-readable lines.
    Text,
}

/// Which origins may call the API from a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No cross-origin browser access (the default).
    None,
    /// Any origin (`CORS_ORIGINS=*`).
    Any,
    /// Exactly these origins.
    List(Vec<HeaderValue>),
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on (0 picks a free one; the log says which).
    pub port: u16,
    /// The key clients must send as `X-API-Key`; `None` serves loopback only.
    pub api_key: Option<String>,
    /// The SQLite file.
    pub database: PathBuf,
    /// Idle hours after which a session ends; it ends at twice this in all.
    pub session_ttl_hours: u32,
    /// Browser origins allowed.
    pub cors_origins: CorsOrigins,
    /// Requests per minute per client address; 0 turns the limit off.
    pub rate_limit_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the rate limit).
    pub trusted_proxies: Vec<IpNet>,
    /// `tracing` filter directive, e.g. `info` or `guardian_server=debug`.
    pub log_level: String,
    /// Log line format.
    pub log_format: LogFormat,
    /// The signed rule pack served to devices (`GET /v1/rule-pack`), made by
    /// `guardian-pack sign`; `None` serves none.
    pub rule_pack_file: Option<PathBuf>,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

fn invalid(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { variable, message: message.into() }
}

/// The default requests per minute per client: generous for a person's devices, low
/// enough to slow down key guessing.
const DEFAULT_RATE_LIMIT: u32 = 300;

impl Config {
    /// Reads the configuration through `var` (the process environment in `main`, a map in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let host = match get("HOST").as_deref() {
            None => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(raw) => raw
                .parse()
                .map_err(|_| invalid("HOST", format!("'{raw}' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)")))?,
        };
        let port = match get("PORT") {
            None => 8000,
            Some(raw) => raw.parse().map_err(|_| invalid("PORT", format!("'{raw}' is not a port number (0–65535)")))?,
        };
        let api_key = get("API_KEY");
        if api_key.is_none() && !host.is_loopback() {
            return Err(invalid(
                "API_KEY",
                format!(
                    "refusing to listen on {host} without an API key: anyone on the network could use the API. \
                     Set API_KEY to a long random value, or HOST=127.0.0.1"
                ),
            ));
        }
        let database = match get("DATABASE_URL") {
            None => default_database()?,
            Some(url) => database_path(&url)?,
        };
        let session_ttl_hours = match get("SESSION_TTL_HOURS") {
            None => 24,
            Some(raw) => match raw.parse::<u32>() {
                Ok(hours) if (1..=24 * 365).contains(&hours) => hours,
                _ => {
                    return Err(invalid(
                        "SESSION_TTL_HOURS",
                        format!("'{raw}' is not a whole number of hours from 1 to 8760"),
                    ));
                }
            },
        };
        let cors_origins = match get("CORS_ORIGINS") {
            None => CorsOrigins::None,
            Some(raw) if raw == "*" => CorsOrigins::Any,
            Some(raw) => CorsOrigins::List(
                raw.split(',').map(str::trim).filter(|o| !o.is_empty()).map(parse_origin).collect::<Result<_, _>>()?,
            ),
        };
        let rate_limit_per_minute = match get("RATE_LIMIT_PER_MINUTE") {
            None => DEFAULT_RATE_LIMIT,
            Some(raw) => raw.parse().map_err(|_| {
                invalid("RATE_LIMIT_PER_MINUTE", format!("'{raw}' is not a whole number (0 turns the limit off)"))
            })?,
        };
        let trusted_proxies = match get("TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(raw) => {
                raw.split(',').map(str::trim).filter(|p| !p.is_empty()).map(IpNet::parse).collect::<Result<_, _>>()?
            }
        };
        let log_level = get("LOG_LEVEL").unwrap_or_else(|| "info".to_owned());
        if tracing_subscriber::EnvFilter::try_new(&log_level).is_err() {
            return Err(invalid(
                "LOG_LEVEL",
                format!("'{log_level}' is not a level (error, warn, info, debug, trace)"),
            ));
        }
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("text") => LogFormat::Text,
            Some(other) => return Err(invalid("LOG_FORMAT", format!("'{other}' is not json or text"))),
        };
        let rule_pack_file = get("RULE_PACK_FILE").map(PathBuf::from);
        Ok(Config {
            rule_pack_file,
            host,
            port,
            api_key,
            database,
            session_ttl_hours,
            cors_origins,
            rate_limit_per_minute,
            trusted_proxies,
            log_level,
            log_format,
        })
    }

    /// The store's retention rules: the old system's, with the session limits from
    /// `SESSION_TTL_HOURS` (idle) and twice that (in all).
    pub fn retention(&self) -> guardian_store::Retention {
        guardian_store::Retention {
            session_idle_hours: self.session_ttl_hours,
            session_max_hours: self.session_ttl_hours.saturating_mul(2),
            ..guardian_store::Retention::default()
        }
    }
}

/// An address or a network (`10.0.0.1`, `172.16.0.0/12`, `::1`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    fn parse(raw: &str) -> Result<IpNet, ConfigError> {
        let bad = || invalid("TRUSTED_PROXIES", format!("'{raw}' is not an address or network like 172.17.0.0/16"));
        let (addr, prefix) = match raw.split_once('/') {
            Some((addr, prefix)) => {
                (addr.parse::<IpAddr>().map_err(|_| bad())?, Some(prefix.parse::<u8>().map_err(|_| bad())?))
            }
            None => (raw.parse::<IpAddr>().map_err(|_| bad())?, None),
        };
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        if prefix > bits {
            return Err(bad());
        }
        Ok(IpNet { addr, prefix })
    }

    /// True if `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (net, ip, bits) = match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => (u128::from(net.to_bits()), u128::from(ip.to_bits()), 32),
            (IpAddr::V6(net), IpAddr::V6(ip)) => (net.to_bits(), ip.to_bits(), 128),
            (IpAddr::V4(net), IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
                Some(ip) => (u128::from(net.to_bits()), u128::from(ip.to_bits()), 32),
                None => return false,
            },
            (IpAddr::V6(_), IpAddr::V4(_)) => return false,
        };
        let host_bits = bits - u32::from(self.prefix);
        host_bits >= bits || (net >> host_bits) == (ip >> host_bits)
    }
}

fn default_database() -> Result<PathBuf, ConfigError> {
    dirs::data_dir().map(|dir| dir.join("titanium-guardian").join("server.db")).ok_or_else(|| {
        invalid("DATABASE_URL", "no data directory for this user; set DATABASE_URL=sqlite:///path/to/guardian.db")
    })
}

/// `sqlite:///abs/path.db` → `/abs/path.db`; `sqlite://relative.db` → `relative.db`.
fn database_path(url: &str) -> Result<PathBuf, ConfigError> {
    if let Some(rest) = url.strip_prefix("sqlite://") {
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path == "/" {
            return Err(invalid(
                "DATABASE_URL",
                "no file name after sqlite://; e.g. sqlite:///var/lib/titanium-guardian/guardian.db",
            ));
        }
        // sqlite:////abs (SQLAlchemy's spelling) means the same as sqlite:///abs.
        let path = if path.starts_with("//") { path.trim_start_matches('/').to_owned() } else { path.to_owned() };
        let path = if rest.starts_with('/') { format!("/{path}") } else { path };
        return Ok(PathBuf::from(path));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(invalid(
            "DATABASE_URL",
            "PostgreSQL is not supported by this version; use sqlite:///path/to/guardian.db",
        ));
    }
    Err(invalid("DATABASE_URL", "expected sqlite:///absolute/path.db or sqlite://relative/path.db"))
}

fn parse_origin(origin: &str) -> Result<HeaderValue, ConfigError> {
    let bad = || invalid("CORS_ORIGINS", format!("'{origin}' is not an origin like https://app.example.org"));
    let (scheme, rest) = origin.split_once("://").ok_or_else(bad)?;
    if !matches!(scheme, "http" | "https") || rest.is_empty() || rest.contains('/') {
        return Err(bad());
    }
    HeaderValue::from_str(origin).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_vars(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_are_the_contracts() {
        let c = config(&[("DATABASE_URL", "sqlite:///tmp/g.db")]).unwrap();
        assert_eq!((c.host, c.port, c.session_ttl_hours), (IpAddr::V4(Ipv4Addr::LOCALHOST), 8000, 24));
        assert_eq!(c.database, PathBuf::from("/tmp/g.db"));
        assert_eq!(c.cors_origins, CorsOrigins::None);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.retention().session_max_hours, 48);
    }

    #[test]
    fn any_address_but_loopback_needs_a_key() {
        let error = config(&[("HOST", "0.0.0.0"), ("DATABASE_URL", "sqlite://g.db")]).unwrap_err();
        assert_eq!(error.variable, "API_KEY");
        assert!(error.to_string().contains("refusing to listen on 0.0.0.0"), "{error}");
        assert!(config(&[("HOST", "0.0.0.0"), ("API_KEY", "k"), ("DATABASE_URL", "sqlite://g.db")]).is_ok());
        assert!(config(&[("HOST", "::1"), ("DATABASE_URL", "sqlite://g.db")]).is_ok());
    }

    #[test]
    fn database_urls() {
        assert_eq!(database_path("sqlite://data/g.db").unwrap(), PathBuf::from("data/g.db"));
        assert_eq!(database_path("sqlite:////var/lib/g.db").unwrap(), PathBuf::from("/var/lib/g.db"));
        assert_eq!(database_path("sqlite:///var/lib/g.db").unwrap(), PathBuf::from("/var/lib/g.db"));
        assert!(database_path("postgres://x").unwrap_err().to_string().contains("not supported"));
        assert!(database_path("mysql://x").is_err());
        assert!(database_path("sqlite://").is_err());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases = [
            ("PORT", "eighty"),
            ("HOST", "my server"),
            ("SESSION_TTL_HOURS", "0"),
            ("CORS_ORIGINS", "app.example.org"),
            ("RATE_LIMIT_PER_MINUTE", "-1"),
            ("LOG_FORMAT", "xml"),
            ("LOG_LEVEL", "loud=="),
        ];
        for (variable, value) in cases {
            let error = config(&[(variable, value), ("DATABASE_URL", "sqlite://g.db")]).unwrap_err();
            assert_eq!(error.variable, variable, "{error}");
            assert!(error.to_string().contains(value), "{error}");
        }
    }

    #[test]
    fn trusted_proxy_networks() {
        let c = config(&[("TRUSTED_PROXIES", "127.0.0.1, 172.16.0.0/12, fd00::/8"), ("DATABASE_URL", "sqlite://g.db")])
            .unwrap();
        let inside = |ip: &str| c.trusted_proxies.iter().any(|n| n.contains(ip.parse().unwrap()));
        assert!(inside("127.0.0.1") && inside("172.17.0.1") && inside("172.31.255.255") && inside("fd12::1"));
        assert!(inside("::ffff:172.20.0.3"), "IPv4-mapped addresses count");
        assert!(!inside("127.0.0.2") && !inside("172.32.0.1") && !inside("203.0.113.5") && !inside("::1"));
        let everything = IpNet::parse("0.0.0.0/0").unwrap();
        assert!(everything.contains("8.8.8.8".parse().unwrap()));
        for bad in ["172.16.0.0/33", "10.0.0", "::/129", "proxy"] {
            let error = config(&[("TRUSTED_PROXIES", bad), ("DATABASE_URL", "sqlite://g.db")]).unwrap_err();
            assert_eq!(error.variable, "TRUSTED_PROXIES", "{bad}");
        }
    }

    #[test]
    fn cors_lists_and_wildcard() {
        let c =
            config(&[("CORS_ORIGINS", "https://a.example, http://localhost:5173"), ("DATABASE_URL", "sqlite://g.db")])
                .unwrap();
        assert_eq!(
            c.cors_origins,
            CorsOrigins::List(vec![
                HeaderValue::from_static("https://a.example"),
                HeaderValue::from_static("http://localhost:5173")
            ])
        );
        let any = config(&[("CORS_ORIGINS", "*"), ("DATABASE_URL", "sqlite://g.db")]).unwrap();
        assert_eq!(any.cors_origins, CorsOrigins::Any);
    }
}
