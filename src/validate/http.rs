//! The one generic HTTP checker: sends a rule's request with the key where the rule says, and
//! maps the answer to a verdict. Never follows redirects; no error text it returns contains the key.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use ureq::{
    config::Config,
    http::{HeaderMap, Response},
    Agent, Body, Proxy,
};

use super::{now_rfc3339, Auth, Method, Spec, Target, Verdict};
use crate::finding::{redact, Sensitive, Validation};

/// Longest wait keyhound accepts from a `Retry-After` before giving up on a key.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(20);
/// Enough for any error or model list; a larger body is cut (and is then not JSON).
const MAX_BODY: u64 = 256 * 1024;

pub struct Client {
    /// Through `HTTPS_PROXY`/`ALL_PROXY` (minus `NO_PROXY`), when set.
    proxied: Agent,
    /// For loopback overrides (tests): never through a proxy.
    direct: Agent,
    timeout: Duration,
}

impl Client {
    pub fn new(timeout: Duration) -> Result<Client, String> {
        let agent = |proxy: Option<Proxy>| -> Agent {
            let config = Config::builder()
                .user_agent(concat!("keyhound/", env!("CARGO_PKG_VERSION")))
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .timeout_global(Some(timeout))
                .proxy(proxy)
                .build();
            Agent::new_with_config(config)
        };
        Ok(Client {
            proxied: agent(Proxy::try_from_env()),
            direct: agent(None),
            timeout,
        })
    }

    /// Checks one key at each target in turn (a provider's platforms), moving on only while the
    /// answer is `inactive`: a key one platform does not know may belong to the next.
    pub fn check_each(
        &self,
        spec: &Spec,
        targets: &[Target],
        secret: &Sensitive,
        limiter: &RateLimiter,
        max_retries: u32,
    ) -> Validation {
        let mut last = None;
        for target in targets {
            let v = self.check(spec, target, secret, limiter, max_retries);
            if v.status != Verdict::Inactive.status() {
                return v;
            }
            last = Some(v);
        }
        let mut v = last.expect("a check has at least one target");
        if targets.len() > 1 {
            v.detail = format!("{} (on each of its {} platforms)", v.detail, targets.len());
        }
        v
    }

    /// Checks one key: the request, retries after rate limiting, and the verdict.
    pub fn check(
        &self,
        spec: &Spec,
        target: &Target,
        secret: &Sensitive,
        limiter: &RateLimiter,
        max_retries: u32,
    ) -> Validation {
        let mut attempt = 0;
        loop {
            limiter.wait(&spec.provider, spec.max_per_second);
            let (verdict, detail, identity, retry_after) = match self.send(spec, target, secret) {
                Ok(mut resp) => self.judge(spec, &mut resp),
                Err(e) => (
                    Verdict::Unknown,
                    describe(&e, secret, self.timeout),
                    None,
                    None,
                ),
            };
            // A server (or proxy) could echo the key back in a header it names the owner by.
            let identity = identity.map(|i| scrub(&i, secret).chars().take(200).collect());
            if verdict != Verdict::Retry {
                return validation(verdict, detail, identity);
            }
            let wait = retry_after.unwrap_or(Duration::from_secs(1 << attempt.min(4)));
            if attempt >= max_retries || wait > MAX_RETRY_WAIT {
                let tries = attempt + 1;
                return validation(
                    Verdict::Unknown,
                    format!(
                        "{detail}; still rate limited after {tries} {}",
                        if tries == 1 { "try" } else { "tries" }
                    ),
                    identity,
                );
            }
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    fn send(
        &self,
        spec: &Spec,
        target: &Target,
        secret: &Sensitive,
    ) -> Result<Response<Body>, ureq::Error> {
        let agent = if target.direct {
            &self.direct
        } else {
            &self.proxied
        };
        let url = target.url.as_str();
        let key = secret.expose();
        let name = spec.auth_name.as_deref().unwrap_or("");
        let prefix = spec.auth_prefix.as_deref().unwrap_or("");
        macro_rules! finish {
            ($req:expr) => {{
                let mut req = $req.header("Accept", "application/json");
                for (k, v) in &spec.headers {
                    req = req.header(k.as_str(), v.as_str());
                }
                match spec.auth {
                    Auth::Bearer => req.header("Authorization", format!("Bearer {key}")).call(),
                    Auth::Header => req.header(name, format!("{prefix}{key}")).call(),
                    Auth::Query => req.query(name, key).call(),
                }
            }};
        }
        match spec.method {
            Method::Get => finish!(agent.get(url)),
            Method::Head => finish!(agent.head(url)),
        }
    }

    fn judge(
        &self,
        spec: &Spec,
        resp: &mut Response<Body>,
    ) -> (Verdict, String, Option<String>, Option<Duration>) {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .unwrap_or_default();
        let retry_after = retry_after(&headers);
        let parsed: Option<serde_json::Value> = serde_json::from_str(&body).ok();
        if spec.json && spec.method != Method::Head && parsed.is_none() {
            return (
                Verdict::Unknown,
                format!("HTTP {status} with a body that is not JSON (a proxy or captive portal?)"),
                None,
                None,
            );
        }
        let identity = identity(spec, &headers, parsed.as_ref());
        match spec.classify(status, &body) {
            Some((verdict, detail)) => (verdict, detail.to_string(), identity, retry_after),
            None if status >= 500 => (
                Verdict::Unknown,
                format!("the provider answered HTTP {status} (server error)"),
                None,
                None,
            ),
            None if (300..400).contains(&status) => (
                Verdict::Unknown,
                format!("the provider answered HTTP {status} (redirects are not followed)"),
                None,
                None,
            ),
            None => (
                Verdict::Unknown,
                format!("unexpected answer HTTP {status}"),
                None,
                None,
            ),
        }
    }
}

fn validation(verdict: Verdict, detail: String, identity: Option<String>) -> Validation {
    Validation {
        status: verdict.status().to_string(),
        detail,
        identity,
        checked_at: now_rfc3339(),
    }
}

/// The owner named by the response: the first identity header or JSON field present.
fn identity(spec: &Spec, headers: &HeaderMap, body: Option<&serde_json::Value>) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for h in &spec.identity_headers {
        if let Some(v) = headers.get(h.as_str()).and_then(|v| v.to_str().ok()) {
            let v = v.trim();
            if !v.is_empty() && !parts.iter().any(|p| p == v) {
                parts.push(v.to_string());
            }
        }
    }
    if let Some(body) = body {
        for p in &spec.identity_json {
            if let Some(v) = body.pointer(p).and_then(|v| v.as_str()) {
                if !v.is_empty() && !parts.iter().any(|p| p == v) {
                    parts.push(v.to_string());
                }
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `Retry-After` in seconds (the HTTP-date form is rare on APIs; it falls back to backoff).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// A transport failure in words, with nothing of the key (nor of a URL that could hold it).
fn describe(e: &ureq::Error, secret: &Sensitive, timeout: Duration) -> String {
    use ureq::Error as E;
    let text = match e {
        E::Timeout(_) => format!("no answer within {} s (timeout)", timeout.as_secs_f64()),
        E::HostNotFound => "DNS lookup failed: host not found".into(),
        E::ConnectionFailed => "could not connect".into(),
        E::Io(io) => format!("network error: {}", io.kind()),
        E::Tls(m) => format!("TLS error: {m}"),
        E::Rustls(r) => format!("TLS error: {r}"),
        E::ConnectProxyFailed(_) | E::InvalidProxyUrl => "the proxy refused or failed".into(),
        E::Protocol(_) => "the answer was not valid HTTP".into(),
        E::BadUri(_) => "invalid URL".into(),
        other => format!("request failed: {other}"),
    };
    scrub(&text, secret)
}

/// Belt and braces: no error text may carry the key, however a library words it.
fn scrub(text: &str, secret: &Sensitive) -> String {
    let key = secret.expose();
    if key.len() >= 8 && text.contains(key) {
        text.replace(key, &redact(key))
    } else {
        text.to_string()
    }
}

/// Spaces requests to each provider by `1 / max_per_second`.
#[derive(Default)]
pub struct RateLimiter {
    next: Mutex<HashMap<String, Instant>>,
}

impl RateLimiter {
    pub fn wait(&self, provider: &str, per_second: f64) {
        let gap = Duration::from_secs_f64(1.0 / per_second);
        let start = {
            let mut next = self.next.lock().unwrap();
            let now = Instant::now();
            let slot = next.get(provider).copied().unwrap_or(now).max(now);
            next.insert(provider.to_string(), slot + gap);
            slot
        };
        let now = Instant::now();
        if start > now {
            std::thread::sleep(start - now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_the_key_from_error_text() {
        let s = Sensitive::new("sk-test-0123456789abcdef".into());
        let t = scrub("failed for https://x/?key=sk-test-0123456789abcdef", &s);
        assert!(!t.contains("0123456789abcdef"), "{t}");
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), None);
    }
}
