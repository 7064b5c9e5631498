//! Live validation of every provider with a check, end to end against a local stand-in: each
//! check goes to the provider's official host, carries the key where the provider expects it, and
//! maps the provider's own answers (active, inactive, and its special cases: Google's disabled
//! API, Anthropic's headers, Azure's endpoint pinning) to the right verdict.

mod common;
mod mock_provider;

use std::{collections::HashMap, sync::OnceLock, time::Duration};

use assert_cmd::Command;
use keyhound::{
    detect::{Blob, DetectOptions, Detector},
    finding::{sha256_hex, Origin},
    rules::{Confidence, RuleSet},
    validate::{builtin_specs, pinned_endpoint, Auth, Spec},
};
use mock_provider::{MockProvider, Reply, Seen};
use serde_json::Value;
use tempfile::TempDir;

/// Provider → the only host its check may contact. A typo, or a table that points anywhere
/// else, fails here.
const OFFICIAL_HOSTS: &[(&str, &str)] = &[
    ("openai", "api.openai.com"),
    ("anthropic", "api.anthropic.com"),
    ("google", "generativelanguage.googleapis.com"),
    ("groq", "api.groq.com"),
    ("huggingface", "huggingface.co"),
    ("xai", "api.x.ai"),
    ("mistral", "api.mistral.ai"),
    ("cohere", "api.cohere.com"),
    ("deepseek", "api.deepseek.com"),
    ("openrouter", "openrouter.ai"),
    ("replicate", "api.replicate.com"),
    ("together", "api.together.xyz"),
    ("cerebras", "api.cerebras.ai"),
    ("elevenlabs", "api.elevenlabs.io"),
    ("deepgram", "api.deepgram.com"),
    ("assemblyai", "api.assemblyai.com"),
    ("stability", "api.stability.ai"),
    ("pinecone", "api.pinecone.io"),
    ("langsmith", "api.smith.langchain.com"),
    ("moonshot", "api.moonshot.ai"),
    ("dashscope", "dashscope.aliyuncs.com"),
    ("sambanova", "api.sambanova.ai"),
    ("nebius", "api.tokenfactory.nebius.com"),
    ("novita", "api.novita.ai"),
    ("hyperbolic", "api.hyperbolic.xyz"),
    ("baseten", "api.baseten.co"),
    ("tavily", "api.tavily.com"),
    ("firecrawl", "api.firecrawl.dev"),
    ("vercel-ai-gateway", "ai-gateway.vercel.sh"),
    ("nvidia", "api.nvcf.nvidia.com"),
    ("fireworks", "api.fireworks.ai"),
];

/// Provider → the hosts of its other platforms (regions with keys of their own), asked only when
/// the official host rejects a key.
const OTHER_PLATFORM_HOSTS: &[(&str, &str)] = &[
    ("moonshot", "api.moonshot.cn"),
    ("dashscope", "dashscope-intl.aliyuncs.com"),
];

/// Azure OpenAI has no single host: keys go to the customer's resource, which must be one of these.
const AZURE_HOST_SUFFIXES: &[&str] = &[".openai.azure.com", ".cognitiveservices.azure.com"];

#[test]
fn every_validation_url_is_https_on_the_providers_official_host() {
    let specs = builtin_specs().unwrap();
    let mut providers: Vec<&str> = specs.values().map(|s| s.provider.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    for (id, spec) in &specs {
        let rest = spec
            .url
            .strip_prefix("https://")
            .unwrap_or_else(|| panic!("{id}: {} is not https", spec.url));
        let host = rest.split(['/', '?']).next().unwrap();
        if spec.provider == "azure-openai" {
            assert_eq!(host, "{endpoint}", "{id}");
            assert_eq!(spec.endpoint_hosts, AZURE_HOST_SUFFIXES, "{id}");
            continue;
        }
        let expected = OFFICIAL_HOSTS
            .iter()
            .find(|(p, _)| *p == spec.provider)
            .unwrap_or_else(|| {
                panic!(
                    "{id}: provider {} has no official host in this test",
                    spec.provider
                )
            })
            .1;
        assert_eq!(host, expected, "{id}: {}", spec.url);
        assert!(spec.endpoint_hosts.is_empty(), "{id}");
        for url in &spec.also_urls {
            let host = url
                .strip_prefix("https://")
                .unwrap_or_else(|| panic!("{id}: {url} is not https"))
                .split(['/', '?'])
                .next()
                .unwrap();
            assert!(
                OTHER_PLATFORM_HOSTS.contains(&(spec.provider.as_str(), host)),
                "{id}: {url} is not a known platform of {}",
                spec.provider
            );
        }
    }
    for (p, _) in OFFICIAL_HOSTS {
        assert!(providers.contains(p), "{p} lost its validation table");
    }
    assert!(providers.contains(&"azure-openai"));
}

#[test]
fn azure_endpoints_are_pinned_to_azure_hosts() {
    let suffixes: Vec<String> = AZURE_HOST_SUFFIXES.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        pinned_endpoint("Contoso.OpenAI.Azure.com", &suffixes).as_deref(),
        Some("contoso.openai.azure.com")
    );
    assert!(pinned_endpoint("res-1.cognitiveservices.azure.com", &suffixes).is_some());
    for bad in [
        "openai.azure.com",
        "a.b.openai.azure.com",
        "contoso.openai.azure.com.evil.example",
        "evil.example",
        "contoso.openai.azure.com:8443",
        "contoso.openai.azure.com/x",
        "-bad.openai.azure.com",
        "contoso@openai.azure.com",
    ] {
        assert_eq!(pinned_endpoint(bad, &suffixes), None, "{bad}");
    }
}

/// One key of a validating rule: the text it was found in and the secret itself.
struct TestKey {
    rule_id: String,
    text: String,
    secret: String,
}

/// For rule `rule_id`, a text from its own examples (the first containing `must_contain`) and
/// the key in it, built with `seed`. Keys come from templates, never from files.
fn key_of(rule_id: &str, must_contain: &str, seed: u64) -> TestKey {
    static DETECTOR: OnceLock<(RuleSet, Detector)> = OnceLock::new();
    let (set, detector) = DETECTOR.get_or_init(|| {
        let set = RuleSet::builtin().unwrap();
        let options = DetectOptions {
            min_confidence: Confidence::Low,
        };
        let detector = Detector::new(&set, options).unwrap();
        (set, detector)
    });
    let rule = set.get(rule_id).unwrap();
    let template = rule
        .examples
        .iter()
        .find(|e| e.contains(must_contain))
        .unwrap_or_else(|| panic!("{rule_id}: no example containing {must_contain:?}"));
    let text = keyhound::rules::template::expand(template, seed);
    let found = detector.scan_blob(&Blob {
        path: "example",
        origin: &Origin::File,
        data: text.as_bytes(),
    });
    let f = found
        .iter()
        .find(|f| f.rule_id == rule_id)
        .unwrap_or_else(|| panic!("{rule_id}: its example {template:?} finds nothing"));
    TestKey {
        rule_id: rule_id.to_string(),
        secret: f.secret.expose().to_string(),
        text,
    }
}

/// Every rule with a check (its own or `same_as` another's), and a filter choosing one of its
/// examples. Azure keys are checked only when their endpoint is written next to them, so they
/// need an example with one; the key shape without such an example is covered by the Azure test.
fn rules_with_checks() -> Vec<(String, Spec, &'static str)> {
    let set = RuleSet::builtin().unwrap();
    let mut out = Vec::new();
    for rule in &set.rules {
        let Some(spec) = Spec::of(rule, &set).unwrap() else {
            continue;
        };
        let must_contain = if spec.endpoint_hosts.is_empty() {
            ""
        } else {
            "azure.com"
        };
        if rule.examples.iter().any(|e| e.contains(must_contain)) {
            out.push((rule.id.clone(), spec, must_contain));
        }
    }
    out
}

/// A tree with one file per key.
fn tree(keys: &[&TestKey]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (i, k) in keys.iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("k{i}-{}.txt", k.rule_id)),
            format!("{}\n", k.text),
        )
        .unwrap();
    }
    dir
}

/// keyhound with every validating provider pointed at the mock, and no cache.
fn keyhound(mock: &MockProvider) -> Command {
    let mut c = common::keyhound();
    for spec in builtin_specs().unwrap().values() {
        c.env(
            keyhound::validate::base_url_var(&spec.provider),
            mock.base_url(),
        );
    }
    c.arg("scan")
        .args(["--validate", "--no-validation-cache", "-f", "json"])
        .timeout(Duration::from_secs(120));
    c
}

/// `secret_sha256` → the finding as JSON.
fn findings_by_secret(stdout: &[u8]) -> HashMap<String, Value> {
    let doc: Value = serde_json::from_slice(stdout).expect("JSON report");
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["secret_sha256"].as_str().unwrap().to_string(), f.clone()))
        .collect()
}

fn validation_of<'a>(found: &'a HashMap<String, Value>, key: &TestKey) -> &'a Value {
    let f = found
        .get(&sha256_hex(key.secret.as_bytes()))
        .unwrap_or_else(|| panic!("{}: key not found by the scan", key.rule_id));
    &f["validation"]
}

/// The answer a provider gives for an invalid or revoked key.
fn rejection(provider: &str) -> Reply {
    match provider {
        "google" => Reply::new(
            400,
            r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#,
        ),
        "xai" => Reply::new(
            400,
            r#"{"code":"Client specified an invalid argument","error":"Incorrect API key provided: xa***. You can obtain an API key from https://console.x.ai."}"#,
        ),
        _ => Reply::new(
            401,
            r#"{"error":{"message":"Invalid API key","type":"authentication_error"}}"#,
        ),
    }
}

/// The path (and query) a check requests: the spec URL minus its origin.
fn path_of(spec: &Spec) -> String {
    let rest = spec.url.strip_prefix("https://").unwrap();
    rest[rest.find('/').unwrap()..].to_string()
}

/// Asserts the request carried the key exactly where the spec says, and its fixed headers.
fn assert_auth_placement(id: &str, spec: &Spec, seen: &Seen, key: &str) {
    match spec.auth {
        Auth::Bearer => assert_eq!(seen.bearer(), Some(key), "{id}: bearer"),
        Auth::Header => {
            let name = spec.auth_name.as_deref().unwrap().to_ascii_lowercase();
            let expected = format!("{}{key}", spec.auth_prefix.as_deref().unwrap_or(""));
            assert_eq!(seen.headers.get(&name), Some(&expected), "{id}: {name}");
            if name != "authorization" {
                assert!(!seen.headers.contains_key("authorization"), "{id}");
            }
        }
        Auth::Query => panic!("{id}: no built-in check puts the key in a URL"),
    }
    for (k, v) in &spec.headers {
        assert_eq!(
            seen.headers.get(&k.to_ascii_lowercase()),
            Some(v),
            "{id}: header {k}"
        );
    }
    assert_eq!(seen.method, "GET", "{id}");
}

#[test]
fn every_provider_check_tells_a_working_key_from_a_rejected_one() {
    let mock = MockProvider::start();
    let checks = rules_with_checks();
    assert!(checks.len() >= 40, "{} checks", checks.len());
    let mut keys = Vec::new();
    for (i, (id, spec, must_contain)) in checks.iter().enumerate() {
        let good = key_of(id, must_contain, 1000 + i as u64);
        let bad = key_of(id, must_contain, 2000 + i as u64);
        assert_ne!(good.secret, bad.secret, "{id}");
        mock.answer(&good.secret, Reply::new(200, "{}"));
        mock.answer(&bad.secret, rejection(&spec.provider));
        keys.push((id, spec, good, bad));
    }
    let all: Vec<&TestKey> = keys.iter().flat_map(|(_, _, g, b)| [g, b]).collect();
    let dir = tree(&all);
    let out = keyhound(&mock)
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let found = findings_by_secret(&out.stdout);
    let requests = mock.requests();
    for (id, spec, good, bad) in &keys {
        assert_eq!(
            validation_of(&found, good)["status"],
            "active",
            "{id}: {}",
            validation_of(&found, good)
        );
        assert_eq!(
            validation_of(&found, bad)["status"],
            "inactive",
            "{id}: {}",
            validation_of(&found, bad)
        );
        for key in [good, bad] {
            let seen: Vec<&Seen> = requests
                .iter()
                .filter(|r| r.headers.values().any(|v| v.ends_with(&key.secret)))
                .collect();
            // A rejected key is asked on each of the provider's platforms, a working one once.
            let expected = if key.secret == bad.secret {
                1 + spec.also_urls.len()
            } else {
                1
            };
            assert_eq!(seen.len(), expected, "{id}: requests for one key");
            for s in &seen {
                assert_eq!(s.path, path_of(spec), "{id}");
                assert_auth_placement(id, spec, s, &key.secret);
            }
        }
    }
    let expected: usize = keys
        .iter()
        .map(|(_, spec, _, _)| 2 + spec.also_urls.len())
        .sum();
    assert_eq!(requests.len(), expected, "no other request left");
}

/// Runs one scan over `cases` (rule, example filter, the provider's answer) and returns each
/// key's validation.
fn verdicts_for(cases: &[(&str, &str, Reply)]) -> (Vec<Value>, Vec<Seen>) {
    let mock = MockProvider::start();
    let keys: Vec<TestKey> = cases
        .iter()
        .enumerate()
        .map(|(i, (rule, filter, reply))| {
            let k = key_of(rule, filter, 5000 + i as u64);
            mock.answer(&k.secret, reply.clone());
            k
        })
        .collect();
    let dir = tree(&keys.iter().collect::<Vec<_>>());
    let out = keyhound(&mock)
        .arg(dir.path())
        .assert()
        .get_output()
        .clone();
    let found = findings_by_secret(&out.stdout);
    let v = keys
        .iter()
        .map(|k| validation_of(&found, k).clone())
        .collect();
    (v, mock.requests())
}

#[test]
fn a_google_key_without_the_generative_language_api_is_valid_not_invalid() {
    let disabled = r#"{"error":{"code":403,"message":"Generative Language API has not been used in project 123456789 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=123456789 then retry.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com","consumer":"projects/123456789"}}]}}"#;
    let blocked = r#"{"error":{"code":403,"message":"Requests to this API generativelanguage.googleapis.com method google.ai.generativelanguage.v1beta.ModelService.ListModels are blocked.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_SERVICE_BLOCKED","domain":"googleapis.com"}]}}"#;
    let invalid = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#;
    let location = r#"{"error":{"code":400,"message":"User location is not supported for the API use.","status":"FAILED_PRECONDITION"}}"#;
    let (v, requests) = verdicts_for(&[
        ("google-gemini-api-key", "", Reply::new(403, disabled)),
        ("google-gemini-api-key", "", Reply::new(403, blocked)),
        ("google-gemini-api-key", "", Reply::new(400, invalid)),
        ("google-gemini-api-key", "", Reply::new(400, location)),
        ("google-api-key", "", Reply::new(403, disabled)),
    ]);
    assert_eq!(v[0]["status"], "active", "{}", v[0]);
    let detail = v[0]["detail"].as_str().unwrap();
    assert!(detail.contains("not enabled"), "{detail}");
    assert_eq!(v[1]["status"], "active", "{}", v[1]);
    assert_eq!(v[2]["status"], "inactive", "{}", v[2]);
    assert_eq!(v[3]["status"], "unknown", "{}", v[3]);
    assert_eq!(
        v[4]["status"], "active",
        "a generic AIza key is checked the same way"
    );
    for r in &requests {
        assert!(r.headers.contains_key("x-goog-api-key"), "{r:?}");
        assert!(!r.path.contains("key="), "the key never goes in the URL");
    }
}

#[test]
fn anthropic_checks_send_the_key_and_version_headers_and_name_the_owner() {
    let (v, requests) = verdicts_for(&[
        (
            "anthropic-api-key",
            "",
            Reply::new(200, r#"{"data":[],"has_more":false}"#)
                .header("anthropic-organization-id", "org-mock-1"),
        ),
        (
            "anthropic-admin-key",
            "",
            Reply::new(
                200,
                r#"{"id":"org-mock-2","type":"organization","name":"Mock Org"}"#,
            ),
        ),
        (
            "anthropic-api-key",
            "",
            Reply::new(
                403,
                r#"{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}"#,
            ),
        ),
    ]);
    assert_eq!(v[0]["status"], "active");
    assert_eq!(v[0]["identity"], "org-mock-1");
    assert_eq!(v[1]["status"], "active");
    assert_eq!(v[1]["identity"], "Mock Org");
    assert_eq!(v[2]["status"], "active", "permission_error: the key exists");
    let mut paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/v1/models", "/v1/models", "/v1/organizations/me"]);
    for r in &requests {
        assert_eq!(r.headers["anthropic-version"], "2023-06-01");
        assert!(r.headers.contains_key("x-api-key"));
        assert!(!r.headers.contains_key("authorization"));
    }
}

#[test]
fn provider_specific_answers_map_to_their_verdicts() {
    let (v, requests) = verdicts_for(&[
        (
            "elevenlabs-api-key",
            "",
            Reply::new(
                401,
                r#"{"detail":{"status":"missing_permissions","message":"The API key you used is missing the permission user_read to execute this operation."}}"#,
            ),
        ),
        (
            "xai-api-key",
            "",
            Reply::new(
                200,
                r#"{"name":"ci key","api_key_blocked":false,"api_key_disabled":true}"#,
            ),
        ),
        (
            "firecrawl-api-key",
            "",
            Reply::new(402, r#"{"success":false,"error":"Payment required"}"#),
        ),
        (
            "deepgram-api-key",
            "",
            Reply::new(
                200,
                r#"{"projects":[{"project_id":"p1","name":"Mock Project"}]}"#,
            ),
        ),
        (
            "huggingface-access-token",
            "",
            Reply::new(200, r#"{"type":"user","name":"mock-user"}"#),
        ),
        (
            "langsmith-api-key",
            "",
            Reply::new(
                403,
                r#"{"detail":"This API key is org-scoped and requires workspace specification. Please provide 'X-Tenant-ID' header."}"#,
            ),
        ),
        ("groq-api-key", "", Reply::new(503, "<html>down</html>")),
    ]);
    assert_eq!(v[0]["status"], "active", "ElevenLabs missing_permissions");
    assert_eq!(v[1]["status"], "inactive", "xAI disabled key: {}", v[1]);
    assert_eq!(v[2]["status"], "active", "Firecrawl 402");
    assert_eq!(v[3]["status"], "active");
    assert_eq!(v[3]["identity"], "Mock Project");
    assert_eq!(v[4]["identity"], "mock-user");
    assert_eq!(v[5]["status"], "active", "LangSmith org-scoped key");
    assert_eq!(v[6]["status"], "unknown", "a proxy page is not a verdict");
    let deepgram = requests.iter().find(|r| r.path == "/v1/projects").unwrap();
    assert!(deepgram.headers["authorization"].starts_with("Token "));
}

#[test]
fn an_azure_key_is_checked_only_against_the_azure_endpoint_next_to_it() {
    let mock = MockProvider::start();
    let with_endpoint = key_of(
        "azure-openai-key-with-endpoint",
        "contoso.openai.azure.com",
        1,
    );
    let services = key_of("azure-openai-key-with-endpoint", "cognitiveservices", 2);
    let alone = key_of("azure-ai-services-key", "AZURE_OPENAI_API_KEY", 3);
    // The same shapes next to hosts Microsoft does not own for this service.
    let foreign_hex = keyhound::rules::template::expand(
        "AZURE_OPENAI_ENDPOINT=https://contoso.openai.azure.com.evil.example/\nAZURE_OPENAI_API_KEY={hex:32}",
        4,
    );
    let foreign_ais = keyhound::rules::template::expand(
        "endpoint = 'https://openai.evil.example/'\nAZURE_OPENAI_API_KEY={alnum:52}JQQJ99BDAC{alnum:5}XJ3w3AAABACOG{alnum:4}",
        5,
    );
    for k in [&with_endpoint, &services, &alone] {
        mock.answer(&k.secret, Reply::new(200, r#"{"data":[]}"#));
    }
    let dir = tree(&[&with_endpoint, &services, &alone]);
    std::fs::write(dir.path().join("foreign-hex.env"), &foreign_hex).unwrap();
    std::fs::write(dir.path().join("foreign-ais.py"), &foreign_ais).unwrap();
    let out = keyhound(&mock)
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let found = findings_by_secret(&out.stdout);
    let f = &found[&sha256_hex(with_endpoint.secret.as_bytes())];
    assert_eq!(f["endpoint"], "contoso.openai.azure.com");
    assert_eq!(f["validation"]["status"], "active", "{}", f["validation"]);
    assert_eq!(validation_of(&found, &services)["status"], "active");
    let v = validation_of(&found, &alone);
    assert_eq!(v["status"], "not_checked", "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("openai.azure.com"),
        "{v}"
    );

    let requests = mock.requests();
    assert_eq!(
        requests.len(),
        2,
        "only the two keys with an Azure endpoint: {requests:?}"
    );
    for r in &requests {
        assert_eq!(r.path, "/openai/models?api-version=2024-10-21");
        assert!(r.headers.contains_key("api-key"));
        assert!(!r.headers.contains_key("authorization"));
    }
    // Keys next to foreign hosts were found (or not) but never sent anywhere.
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    for f in doc["findings"].as_array().unwrap() {
        if f["path"].as_str().unwrap().starts_with("foreign") {
            assert!(f.get("endpoint").is_none(), "{f}");
            assert_eq!(f["validation"]["status"], "not_checked", "{f}");
        }
    }
}

#[test]
fn keys_whose_provider_is_uncertain_are_never_sent() {
    // sk- + 32 hex is both DeepSeek's and DashScope's shape: without context it goes nowhere.
    let mock = MockProvider::start();
    let bare = keyhound::rules::template::expand("const k = \"sk-{hex:32}\";", 7);
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("a.js"), &bare).unwrap();
    let out = keyhound(&mock)
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &doc["findings"][0];
    assert_eq!(f["rule_id"], "deepseek-style-api-key");
    assert_eq!(f["validation"]["status"], "not_checked");
    assert!(mock.requests().is_empty());
}

#[test]
fn rules_list_shows_which_rules_validate() {
    let out = common::keyhound()
        .args(["rules", "list", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let rules: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let validates = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))["validates"]
            .as_bool()
            .unwrap()
    };
    for id in [
        "anthropic-api-key",
        "google-api-key",
        "azure-openai-key-with-endpoint",
        "groq-api-key",
        "huggingface-org-token",
        "nvidia-api-key",
    ] {
        assert!(validates(id), "{id}");
    }
    for id in [
        "deepseek-style-api-key",
        "anthropic-oauth-access-token",
        "perplexity-api-key",
    ] {
        assert!(!validates(id), "{id}");
    }
}

#[test]
fn validating_a_report_keeps_the_azure_endpoint_found_by_the_scan() {
    let mock = MockProvider::start();
    let text = keyhound::rules::template::expand(
        "AZURE_OPENAI_ENDPOINT=https://contoso.openai.azure.com/\nAZURE_OPENAI_API_KEY={alnum:52}JQQJ99BDAC{alnum:5}XJ3w3AAABACOG{alnum:4}",
        11,
    );
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join(".env"), &text).unwrap();
    let report = dir.path().join("report.json");
    common::keyhound()
        .args(["scan", "--show-secrets", "-f", "json", "-o"])
        .arg(&report)
        .arg(dir.path().join(".env"))
        .assert()
        .code(1);
    let doc: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let secret = doc["findings"][0]["secret"].as_str().unwrap().to_string();
    assert_eq!(doc["findings"][0]["endpoint"], "contoso.openai.azure.com");
    mock.answer(&secret, Reply::new(200, r#"{"data":[]}"#));
    common::keyhound()
        .env(
            keyhound::validate::base_url_var("azure-openai"),
            mock.base_url(),
        )
        .args(["validate", "--no-validation-cache", "-f", "json"])
        .arg(&report)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("\"active\""));
    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/openai/models?api-version=2024-10-21");
}
