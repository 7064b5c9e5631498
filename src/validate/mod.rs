//! Live validation (opt-in, `--validate`): asks a key's own provider, with one free read-only
//! request, whether the key still works. Not for detection or formatting: it only fills in
//! `Finding::validation`.
//!
//! # The `[rules.validation]` table
//!
//! Only rules compiled into keyhound validate. A `[rules.validation]` table in a user rule file
//! (`--rules`) is dropped when the file is loaded, and the validator reads its checks from the
//! built-in rules alone, so nothing in a scanned repository can turn validation on or send a key
//! anywhere. The table is data for one generic HTTP checker ([`http`]):
//!
//! ```toml
//! [rules.validation]
//! method = "GET"                      # GET or HEAD: read-only, never a billable call
//! url = "https://api.example.com/v1/models"   # https only, on the provider's official host
//! auth = "bearer"                     # bearer (Authorization: Bearer KEY), header, or query
//! # auth_name = "x-api-key"           # the header name (auth = "header") or the query
//!                                     # parameter (auth = "query")
//! # auth_prefix = "Token "            # text before the key in that header (auth = "header")
//! # headers = { "anthropic-version" = "2023-06-01" }   # fixed headers the provider requires
//! json = true                         # a body that is not JSON means `unknown` (a proxy page?)
//! identity_headers = ["example-organization"]   # response headers that name the owner
//! identity_json = ["/owner/name"]     # JSON pointers into the body that name the owner
//! max_per_second = 5                  # requests per second to this provider (default 5)
//! # also_urls = ["https://api.example.cn/v1/models"]   # the same check on the provider's other
//!                                     # platforms (regions whose keys the first does not know):
//!                                     # asked in order, only while each before says `inactive`
//!
//! # How responses map to a verdict: the first entry whose status matches (and whose
//! # body_contains, if given, occurs in the body) wins. A status no entry matches is `unknown`.
//! [[rules.validation.responses]]
//! status = 200
//! verdict = "active"                  # active, inactive, unknown, or retry (rate limited:
//!                                     # wait, honouring Retry-After, and ask again; then unknown)
//! detail = "the key works"
//! # body_contains = "insufficient_quota"
//! ```
//!
//! A rule whose check is the same as another rule's of the same file writes
//! `validation = { same_as = "other-rule-id" }`.
//!
//! A provider without one fixed host (Azure OpenAI: one host per customer resource) writes the
//! host as `{endpoint}` and lists the host suffixes it may be:
//!
//! ```toml
//! url = "https://{endpoint}/openai/models?api-version=2024-10-21"
//! endpoint_hosts = [".openai.azure.com", ".cognitiveservices.azure.com"]
//! ```
//!
//! Detection then records, in `Finding::endpoint`, the nearest such host written next to the key
//! (see `detect::endpoint`), and the key is sent there only, after [`pinned_endpoint`] checks the
//! host again. A key found without such a host is `not_checked`.
//!
//! Where requests go: the URL in the table, except that the environment variable
//! `KEYHOUND_<PROVIDER>_BASE_URL` (the provider id in upper case, `-` as `_`) may replace its
//! origin, for tests and gateways. Plain `http://` is accepted there only for loopback addresses.
//! Requests honour `HTTPS_PROXY`/`ALL_PROXY` and `NO_PROXY`, never follow redirects, and carry
//! `User-Agent: keyhound/<version>`.

mod cache;
mod http;

use std::{
    collections::HashMap,
    io::{IsTerminal, Write},
    path::PathBuf,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex,
    },
    time::{Duration, SystemTime},
};

use serde::Deserialize;

use crate::{
    finding::{Sensitive, Validation},
    rules::{Rule, RuleSet},
};

pub use cache::Cache;

/// What a check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Active,
    Inactive,
    Unknown,
    /// Rate limited: ask again after a pause.
    Retry,
}

impl Verdict {
    pub fn status(self) -> &'static str {
        match self {
            Verdict::Active => "active",
            Verdict::Inactive => "inactive",
            Verdict::Unknown | Verdict::Retry => "unknown",
        }
    }
}

pub const NOT_CHECKED: &str = "not_checked";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Head,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    Bearer,
    Header,
    Query,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseRule {
    pub status: u16,
    #[serde(default)]
    pub body_contains: Option<String>,
    pub verdict: Verdict,
    pub detail: String,
}

/// A rule's check, parsed from its `[rules.validation]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(skip)]
    pub provider: String,
    pub method: Method,
    pub url: String,
    pub auth: Auth,
    #[serde(default)]
    pub auth_name: Option<String>,
    #[serde(default)]
    pub auth_prefix: Option<String>,
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub endpoint_hosts: Vec<String>,
    #[serde(default)]
    pub also_urls: Vec<String>,
    #[serde(default)]
    pub json: bool,
    #[serde(default)]
    pub identity_headers: Vec<String>,
    #[serde(default)]
    pub identity_json: Vec<String>,
    #[serde(default = "default_rate")]
    pub max_per_second: f64,
    pub responses: Vec<ResponseRule>,
}

fn default_rate() -> f64 {
    5.0
}

impl Spec {
    /// Reads the check of `rule`, following `same_as` within `set`.
    pub fn of(rule: &Rule, set: &RuleSet) -> Result<Option<Spec>, String> {
        let Some(mut table) = rule.validation.clone() else {
            return Ok(None);
        };
        if let Some(other) = table.get("same_as") {
            let id = other.as_str().ok_or("same_as names a rule id")?;
            if table.len() != 1 {
                return Err("same_as stands alone in a validation table".into());
            }
            table = set
                .get(id)
                .filter(|r| r.provider == rule.provider)
                .and_then(|r| r.validation.clone())
                .filter(|t| !t.contains_key("same_as"))
                .ok_or_else(|| format!("same_as = {id:?}: no such rule of this provider with its own validation table"))?;
        }
        let mut spec: Spec = table.try_into().map_err(|e| e.to_string())?;
        spec.provider = rule.provider.clone();
        if !spec.url.starts_with("https://") {
            return Err("the validation url must be https".into());
        }
        if spec.auth != Auth::Bearer && spec.auth_name.as_deref().is_none_or(str::is_empty) {
            return Err("auth = header or query needs auth_name".into());
        }
        if !spec.max_per_second.is_finite() || spec.max_per_second <= 0.0 {
            return Err("max_per_second must be positive".into());
        }
        if spec.auth_prefix.is_some() && spec.auth != Auth::Header {
            return Err("auth_prefix goes with auth = header".into());
        }
        for (name, value) in &spec.headers {
            let reserved = ["authorization", "host", "user-agent", "accept", "cookie"];
            if reserved.contains(&name.to_ascii_lowercase().as_str())
                || Some(name.to_ascii_lowercase())
                    == spec.auth_name.as_ref().map(|n| n.to_ascii_lowercase())
            {
                return Err(format!("headers may not set {name}"));
            }
            if value.contains(['\r', '\n']) {
                return Err(format!("header {name}: a value is one line"));
            }
        }
        if spec
            .also_urls
            .iter()
            .any(|u| !u.starts_with("https://") || u.contains("{endpoint}"))
        {
            return Err("also_urls are https URLs on fixed hosts".into());
        }
        let templated = spec.url.contains("{endpoint}");
        if templated == spec.endpoint_hosts.is_empty() {
            return Err(
                "a url with {endpoint} needs endpoint_hosts, and endpoint_hosts needs it".into(),
            );
        }
        if templated && !spec.url.starts_with("https://{endpoint}/") {
            return Err("{endpoint} stands for the whole host: https://{endpoint}/path".into());
        }
        if let Some(bad) = spec.endpoint_hosts.iter().find(|h| {
            !h.starts_with('.')
                || h.matches('.').count() < 2
                || !h[1..]
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        }) {
            return Err(format!(
                "endpoint_hosts: {bad:?} is not a host suffix like \".example.com\""
            ));
        }
        Ok(Some(spec))
    }

    /// The verdict and detail for a response, `None` when no entry matches.
    pub fn classify(&self, status: u16, body: &str) -> Option<(Verdict, &str)> {
        self.responses
            .iter()
            .find(|r| {
                r.status == status && r.body_contains.as_deref().is_none_or(|s| body.contains(s))
            })
            .map(|r| (r.verdict, r.detail.as_str()))
    }
}

/// `host` when it is one DNS label (a customer's resource name) followed by one of `suffixes`
/// (`.openai.azure.com`), lower-cased; `None` for anything else, so a key is never sent to a
/// host its provider does not own.
pub fn pinned_endpoint(host: &str, suffixes: &[String]) -> Option<String> {
    let host = host.to_ascii_lowercase();
    suffixes.iter().find_map(|suffix| {
        let label = host.strip_suffix(suffix.as_str())?;
        let ok = (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        ok.then(|| host.clone())
    })
}

/// The checks of every built-in rule that has one, by rule id. User rules never appear here.
pub fn builtin_specs() -> Result<HashMap<String, Spec>, String> {
    let set = RuleSet::builtin().map_err(|e| e.to_string())?;
    let mut specs = HashMap::new();
    for rule in &set.rules {
        if let Some(spec) =
            Spec::of(rule, &set).map_err(|e| format!("rule `{}`: validation: {e}", rule.id))?
        {
            specs.insert(rule.id.clone(), spec);
        }
    }
    Ok(specs)
}

/// Why validation cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{var}: {message}")]
    BaseUrl { var: String, message: String },
    #[error("built-in validation tables: {0}")]
    Spec(String),
    #[error("HTTP client: {0}")]
    Client(String),
}

/// Where the request for one check goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    /// Loopback override: connect directly, never through a proxy.
    pub direct: bool,
}

/// The environment variable that may replace a provider's origin.
pub fn base_url_var(provider: &str) -> String {
    format!(
        "KEYHOUND_{}_BASE_URL",
        provider.to_ascii_uppercase().replace('-', "_")
    )
}

/// The URL of a check: the rule's, or with its origin replaced by `override_base` (the value of
/// [`base_url_var`]). An override may carry a path prefix; plain http only to loopback.
pub fn target(spec_url: &str, override_base: Option<&str>) -> Result<Target, String> {
    let Some(base) = override_base.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Target {
            url: spec_url.to_string(),
            direct: false,
        });
    };
    let (scheme, rest) = base
        .split_once("://")
        .ok_or("expected http(s)://host[:port][/prefix]")?;
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() || authority.contains(['@', '?', '#']) {
        return Err("expected http(s)://host[:port][/prefix], without user or query".into());
    }
    let direct = match scheme {
        "https" => false,
        "http" if is_loopback(authority) => true,
        "http" => return Err("plain http is accepted only for loopback addresses".into()),
        _ => return Err("the scheme must be https (or http for loopback)".into()),
    };
    let path = spec_url
        .strip_prefix("https://")
        .and_then(|r| r.find('/').map(|i| &r[i..]))
        .unwrap_or("/");
    Ok(Target {
        url: format!("{}{}", base.trim_end_matches('/'), path),
        direct,
    })
}

fn is_loopback(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// How to validate: from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub concurrency: usize,
    pub timeout: Duration,
    pub use_cache: bool,
    /// Retries after a rate-limited answer.
    pub max_retries: u32,
    /// Print a progress line on standard error (when it is a terminal).
    pub progress: bool,
}

/// One secret to check.
pub struct Candidate<'a> {
    pub rule_id: &'a str,
    pub secret: &'a Sensitive,
    pub sha256: &'a str,
    /// The host written next to the key (`Finding::endpoint`), for providers whose check goes to
    /// the customer's own host.
    pub endpoint: Option<&'a str>,
}

/// Checks secrets against their providers: each distinct secret once, bounded concurrency, a
/// per-provider rate limit, a disk cache.
pub struct Validator {
    specs: HashMap<String, Spec>,
    /// By rule id: the URL, then `also_urls`; for `{endpoint}` checks, the URL still holds
    /// `{endpoint}`.
    targets: HashMap<String, Vec<Target>>,
    client: http::Client,
    opts: Options,
    cache: Option<Cache>,
}

impl Validator {
    /// Reads the built-in checks and the environment. Fails on a bad `KEYHOUND_*_BASE_URL`
    /// before any request is made.
    pub fn new(opts: Options) -> Result<Validator, SetupError> {
        let specs = builtin_specs().map_err(SetupError::Spec)?;
        let mut targets = HashMap::new();
        for (id, spec) in &specs {
            let var = base_url_var(&spec.provider);
            let value = std::env::var(&var).ok();
            let t = std::iter::once(&spec.url)
                .chain(&spec.also_urls)
                .map(|url| target(url, value.as_deref()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|message| SetupError::BaseUrl { var, message })?;
            targets.insert(id.clone(), t);
        }
        let client = http::Client::new(opts.timeout).map_err(SetupError::Client)?;
        let cache = if opts.use_cache {
            Some(Cache::open(cache_path()))
        } else {
            None
        };
        Ok(Validator {
            specs,
            targets,
            client,
            opts,
            cache,
        })
    }

    /// Whether a built-in check exists for this rule.
    pub fn checks(&self, rule_id: &str) -> bool {
        self.specs.contains_key(rule_id)
    }

    /// Whether this candidate can be checked: its rule has a check and, where the check goes to
    /// the customer's own host, a host the provider owns was found next to the key.
    fn can_check(&self, c: &Candidate<'_>) -> bool {
        self.specs.get(c.rule_id).is_some_and(|s| {
            s.endpoint_hosts.is_empty()
                || c.endpoint
                    .and_then(|h| pinned_endpoint(h, &s.endpoint_hosts))
                    .is_some()
        })
    }

    /// Where this candidate's requests go, in order.
    fn targets_of(&self, c: &Candidate<'_>) -> Vec<Target> {
        let spec = &self.specs[c.rule_id];
        let mut targets = self.targets[c.rule_id].clone();
        if let Some(host) = c
            .endpoint
            .and_then(|h| pinned_endpoint(h, &spec.endpoint_hosts))
        {
            for t in &mut targets {
                t.url = t.url.replacen("{endpoint}", &host, 1);
            }
        }
        targets
    }

    /// Checks every distinct secret once; returns a verdict per `secret_sha256`.
    pub fn check_all(&self, candidates: &[Candidate<'_>]) -> HashMap<String, Validation> {
        let now = now_rfc3339();
        let mut out: HashMap<String, Validation> = HashMap::new();
        // First candidate with a check wins; one without a check is only `not_checked` if no
        // other rule can check the same secret.
        let mut todo: Vec<&Candidate<'_>> = Vec::new();
        for c in candidates {
            if self.can_check(c) {
                if !todo.iter().any(|t| t.sha256 == c.sha256) {
                    out.remove(c.sha256);
                    todo.push(c);
                }
            } else if !todo.iter().any(|t| t.sha256 == c.sha256) {
                let detail = match self.specs.get(c.rule_id) {
                    Some(s) => format!(
                        "no {} endpoint next to the key: keyhound sends this key only to the endpoint found with it",
                        s.endpoint_hosts
                            .iter()
                            .map(|h| format!("*{h}"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                    None => format!("keyhound has no live check for {}", c.rule_id),
                };
                out.entry(c.sha256.to_string())
                    .or_insert_with(|| Validation {
                        status: NOT_CHECKED.into(),
                        detail,
                        identity: None,
                        checked_at: now.clone(),
                    });
            }
        }
        let mut misses = Vec::new();
        for c in todo {
            match self.cache.as_ref().and_then(|k| k.get(c.sha256)) {
                Some(hit) => {
                    out.insert(c.sha256.to_string(), hit);
                }
                None => misses.push(c),
            }
        }
        let fresh = self.run(&misses);
        if let Some(cache) = &self.cache {
            let definitive: Vec<_> = fresh
                .iter()
                .filter(|(_, v)| v.status == "active" || v.status == "inactive")
                .collect();
            if !definitive.is_empty() {
                // A cache that cannot be written costs a request next time, nothing more.
                let _ = cache.store(&definitive);
            }
        }
        out.extend(fresh);
        out
    }

    fn run(&self, todo: &[&Candidate<'_>]) -> Vec<(String, Validation)> {
        if todo.is_empty() {
            return Vec::new();
        }
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let results = Mutex::new(Vec::with_capacity(todo.len()));
        let limiter = http::RateLimiter::default();
        let progress = self.opts.progress && std::io::stderr().is_terminal();
        let workers = self.opts.concurrency.clamp(1, 64).min(todo.len());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = todo.get(i) else { break };
                    let spec = &self.specs[c.rule_id];
                    let targets = self.targets_of(c);
                    let v = self.client.check_each(
                        spec,
                        &targets,
                        c.secret,
                        &limiter,
                        self.opts.max_retries,
                    );
                    results.lock().unwrap().push((c.sha256.to_string(), v));
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if progress {
                        let _ = write!(
                            std::io::stderr().lock(),
                            "\rkeyhound: validating {n}/{} keys",
                            todo.len()
                        );
                    }
                });
            }
        });
        if progress {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
        results.into_inner().unwrap()
    }
}

/// `KEYHOUND_CACHE_DIR`, else the user's cache directory, `/keyhound/validation.json`.
pub fn cache_path() -> PathBuf {
    let dir = std::env::var_os("KEYHOUND_CACHE_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("keyhound")))
        .unwrap_or_else(|| std::env::temp_dir().join("keyhound-cache"));
    dir.join("validation.json")
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_validation_table_parses() {
        let specs = builtin_specs().unwrap();
        assert!(specs.contains_key("openai-project-key"));
        for (id, s) in &specs {
            assert!(s.url.starts_with("https://"), "{id}");
            assert!(!s.responses.is_empty(), "{id}");
        }
    }

    #[test]
    fn base_url_override_replaces_the_origin_only() {
        let url = "https://api.openai.com/v1/models";
        assert_eq!(target(url, None).unwrap().url, url);
        let t = target(url, Some("http://127.0.0.1:8080")).unwrap();
        assert_eq!(t.url, "http://127.0.0.1:8080/v1/models");
        assert!(t.direct);
        let t = target(url, Some("https://gateway.example/openai/")).unwrap();
        assert_eq!(t.url, "https://gateway.example/openai/v1/models");
        assert!(!t.direct);
        assert!(target(url, Some("http://[::1]:9/")).unwrap().direct);
        assert!(target(url, Some("http://localhost:9")).unwrap().direct);
    }

    #[test]
    fn plain_http_is_refused_for_anything_but_loopback() {
        let url = "https://api.openai.com/v1/models";
        for bad in [
            "http://example.com",
            "http://10.0.0.1:80",
            "http://127.0.0.1.evil.example",
            "ftp://127.0.0.1",
            "http://user@127.0.0.1",
            "127.0.0.1:8080",
        ] {
            assert!(target(url, Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn provider_ids_name_their_environment_variable() {
        assert_eq!(base_url_var("openai"), "KEYHOUND_OPENAI_BASE_URL");
        assert_eq!(
            base_url_var("azure-openai"),
            "KEYHOUND_AZURE_OPENAI_BASE_URL"
        );
    }

    #[test]
    fn responses_classify_by_status_then_body() {
        let rules = RuleSet::builtin().unwrap();
        let spec = Spec::of(rules.get("openai-project-key").unwrap(), &rules)
            .unwrap()
            .unwrap();
        assert_eq!(spec.classify(200, "{}").unwrap().0, Verdict::Active);
        assert_eq!(spec.classify(401, "{}").unwrap().0, Verdict::Inactive);
        let quota = r#"{"error":{"code":"insufficient_quota"}}"#;
        assert_eq!(spec.classify(429, quota).unwrap().0, Verdict::Active);
        assert_eq!(spec.classify(429, "{}").unwrap().0, Verdict::Retry);
        assert!(spec.classify(418, "{}").is_none());
    }

    fn spec_of(validation: &str) -> Result<Option<Spec>, String> {
        let mut set = RuleSet::default();
        set.add_text(
            "t.toml",
            &format!(
                r#"
[provider]
id = "x"
name = "X"
rotation_url = "https://x.example"
remediation = "r"
[[rules]]
id = "x-key"
name = "X key"
confidence = "high"
keywords = ["xkey"]
regex = 'xkey_[a-z]{{8}}'
[rules.validation]
method = "GET"
{validation}
responses = []
"#
            ),
        )
        .unwrap();
        Spec::of(&set.rules[0], &set)
    }

    #[test]
    fn fixed_headers_cannot_replace_the_key_or_the_host() {
        let ok = r#"url = "https://x.example/v1"
auth = "header"
auth_name = "x-api-key"
headers = { "x-version" = "1" }"#;
        assert!(spec_of(ok).is_ok());
        for bad in ["Authorization", "Host", "x-api-key", "User-Agent"] {
            let t = format!(
                "url = \"https://x.example/v1\"\nauth = \"header\"\nauth_name = \"x-api-key\"\nheaders = {{ \"{bad}\" = \"v\" }}"
            );
            assert!(spec_of(&t).is_err(), "{bad}");
        }
        let prefix_with_bearer =
            "url = \"https://x.example/v1\"\nauth = \"bearer\"\nauth_prefix = \"Token \"";
        assert!(spec_of(prefix_with_bearer).is_err());
    }

    #[test]
    fn an_endpoint_url_needs_host_suffixes_and_the_whole_host() {
        let ok = r#"url = "https://{endpoint}/v1/models"
auth = "bearer"
endpoint_hosts = [".x.example.com"]"#;
        assert!(spec_of(ok).is_ok());
        for bad in [
            r#"url = "https://{endpoint}/v1/models"
auth = "bearer""#,
            r#"url = "https://x.example/v1/models"
auth = "bearer"
endpoint_hosts = [".x.example.com"]"#,
            r#"url = "https://api.{endpoint}/v1"
auth = "bearer"
endpoint_hosts = [".x.example.com"]"#,
            r#"url = "https://{endpoint}/v1"
auth = "bearer"
endpoint_hosts = ["x.example.com"]"#,
            r#"url = "https://{endpoint}/v1"
auth = "bearer"
endpoint_hosts = [".com"]"#,
        ] {
            assert!(spec_of(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_azure_key_goes_to_the_pinned_endpoint_or_nowhere() {
        let v = Validator::new(Options {
            concurrency: 1,
            timeout: Duration::from_secs(1),
            use_cache: false,
            max_retries: 0,
            progress: false,
        })
        .unwrap();
        let secret = Sensitive::new("0123456789abcdef0123456789abcdef".into());
        let candidate = |endpoint| Candidate {
            rule_id: "azure-openai-key-with-endpoint",
            secret: &secret,
            sha256: "x",
            endpoint,
        };
        let c = candidate(Some("Contoso.openai.azure.com"));
        assert!(v.can_check(&c));
        if std::env::var_os(base_url_var("azure-openai")).is_none() {
            assert_eq!(
                v.targets_of(&c)[0].url,
                "https://contoso.openai.azure.com/openai/models?api-version=2024-10-21"
            );
        }
        for bad in [
            None,
            Some("contoso.openai.azure.com.evil.example"),
            Some("evil.example"),
        ] {
            assert!(!v.can_check(&candidate(bad)), "{bad:?}");
        }
    }

    #[test]
    fn a_user_validation_table_must_be_https() {
        let mut set = RuleSet::default();
        set.add_text(
            "t.toml",
            r#"
[provider]
id = "x"
name = "X"
rotation_url = "https://x.example"
remediation = "r"
[[rules]]
id = "x-key"
name = "X key"
confidence = "high"
keywords = ["xkey"]
regex = 'xkey_[a-z]{8}'
[rules.validation]
method = "GET"
url = "http://x.example/v1"
auth = "bearer"
responses = []
"#,
        )
        .unwrap();
        assert!(Spec::of(&set.rules[0], &set).is_err());
    }
}
