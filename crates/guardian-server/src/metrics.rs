//! Prometheus metrics, written by hand: requests by route, method and status; a latency
//! histogram per route; active sessions (read from the store at scrape time).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// Counters shared by every request.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(&'static str, String, u16), u64>,
    latency: BTreeMap<&'static str, Histogram>,
}

impl Metrics {
    /// Records one answered request. `route` is the route template (never a raw path).
    pub fn observe(&self, route: &'static str, method: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *inner.requests.entry((route, method.to_owned(), status)).or_default() += 1;
        let histogram = inner.latency.entry(route).or_default();
        if let Some(bucket) = BUCKETS.iter().position(|&upper| seconds <= upper) {
            histogram.counts[bucket] += 1;
        }
        histogram.sum += seconds;
        histogram.count += 1;
    }

    /// The Prometheus text exposition.
    pub fn render(&self, active_sessions: Option<u64>) -> String {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP guardian_http_requests_total Requests answered, by route, method and status.\n");
        out.push_str("# TYPE guardian_http_requests_total counter\n");
        for ((route, method, status), count) in &inner.requests {
            let _ = writeln!(
                out,
                "guardian_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str("# HELP guardian_http_request_duration_seconds Time to answer a request, by route.\n");
        out.push_str("# TYPE guardian_http_request_duration_seconds histogram\n");
        for (route, histogram) in &inner.latency {
            let mut cumulative = 0;
            for (upper, count) in BUCKETS.iter().zip(histogram.counts) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "guardian_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{upper}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "guardian_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(out, "guardian_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", histogram.sum);
            let _ =
                writeln!(out, "guardian_http_request_duration_seconds_count{{route=\"{route}\"}} {}", histogram.count);
        }
        if let Some(sessions) = active_sessions {
            out.push_str("# HELP guardian_active_sessions Sessions open now.\n");
            out.push_str("# TYPE guardian_active_sessions gauge\n");
            let _ = writeln!(out, "guardian_active_sessions {sessions}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_counts_match() {
        let metrics = Metrics::default();
        metrics.observe("/health", "GET", 200, Duration::from_micros(300));
        metrics.observe("/health", "GET", 200, Duration::from_millis(3));
        metrics.observe("/health", "GET", 429, Duration::from_secs(9));
        let text = metrics.render(Some(2));
        assert!(
            text.contains("guardian_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"} 2"),
            "{text}"
        );
        assert!(text.contains("le=\"0.0005\"} 1"), "{text}");
        assert!(text.contains("le=\"0.005\"} 2"), "{text}");
        assert!(text.contains("le=\"5\"} 2"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 3"), "{text}");
        assert!(text.contains("guardian_active_sessions 2"), "{text}");
    }
}
