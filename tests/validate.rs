//! Live validation, end to end against a local stand-in for OpenAI: verdicts for every kind of
//! answer, one request per distinct secret, the cache, and the safety properties (no request
//! without --validate, nothing in a repository can redirect one, no key in any output).

mod common;
mod mock_provider;

use std::{collections::HashMap, path::Path, time::Duration, time::Instant};

use assert_cmd::Command;
use keyhound::{finding::sha256_hex, rules::template::expand};
use mock_provider::{MockProvider, Reply};
use serde_json::Value;
use tempfile::TempDir;

fn project_key(seed: u64) -> String {
    expand("sk-proj-{b64url:74}T3BlbkFJ{b64url:74}", seed)
}

fn admin_key(seed: u64) -> String {
    expand("sk-admin-{b64url:58}T3BlbkFJ{b64url:58}", seed)
}

/// A scan tree with one file per key (`cfg<i>.js`).
fn tree(keys: &[&str]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (i, k) in keys.iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("cfg{i}.js")),
            format!("const apiKey = \"{k}\";\n"),
        )
        .unwrap();
    }
    dir
}

/// keyhound with OpenAI pointed at the mock and a private cache directory.
fn keyhound(mock: &MockProvider, cache: &Path) -> Command {
    let mut c = common::keyhound();
    c.env("KEYHOUND_OPENAI_BASE_URL", mock.base_url())
        .env("KEYHOUND_CACHE_DIR", cache)
        .timeout(Duration::from_secs(60));
    c
}

/// `secret_sha256` → the finding's validation object, from a JSON report.
fn verdicts(stdout: &[u8]) -> HashMap<String, Value> {
    let doc: Value = serde_json::from_slice(stdout).expect("JSON report");
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["secret_sha256"].as_str().unwrap().to_string(),
                f["validation"].clone(),
            )
        })
        .collect()
}

fn status_of<'a>(v: &'a HashMap<String, Value>, key: &str) -> &'a str {
    v[&sha256_hex(key.as_bytes())]["status"].as_str().unwrap()
}

#[test]
fn no_request_leaves_without_validate() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let key = project_key(1);
    mock.answer(&key, Reply::new(200, r#"{"data":[]}"#));
    let dir = tree(&[&key]);
    let out = keyhound(&mock, cache.path())
        .args(["scan", "-f", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(mock.requests().is_empty());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["findings"][0].get("validation").is_none());
    assert!(!cache.path().join("validation.json").exists());
}

#[test]
fn every_kind_of_answer_maps_to_its_verdict() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let keys: Vec<String> = (10..18).map(project_key).collect();
    let ok = Reply::new(
        200,
        r#"{"object":"list","data":[{"id":"gpt-4o","object":"model"}]}"#,
    )
    .header("openai-organization", "org-mock123");
    mock.answer(&keys[0], ok);
    mock.answer(
        &keys[1],
        Reply::new(
            401,
            r#"{"error":{"message":"Incorrect API key provided","code":"invalid_api_key"}}"#,
        ),
    );
    mock.answer(&keys[2], Reply::new(403, r#"{"error":{"message":"You have insufficient permissions for this operation. Missing scopes: api.model.read."}}"#));
    mock.answer(&keys[3], Reply::new(429, r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#));
    mock.answer(
        &keys[4],
        Reply::new(500, r#"{"error":{"message":"The server had an error"}}"#),
    );
    mock.answer(
        &keys[5],
        Reply::new(200, "{\"object\":\"list\",\"data\":[")
            .header("Content-Type", "application/json"),
    );
    mock.answer(&keys[6], Reply::new(401, r#"{"error":{"message":"You have insufficient permissions for this operation. Missing scopes: api.model.read."}}"#));
    mock.answer(&keys[7], Reply::new(403, r#"{"error":{"message":"Country, region, or territory not supported","code":"unsupported_country_region_territory"}}"#));
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let dir = tree(&refs);
    let out = keyhound(&mock, cache.path())
        .args(["scan", "--validate", "-f", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v = verdicts(&out.stdout);
    assert_eq!(status_of(&v, &keys[0]), "active");
    assert_eq!(
        v[&sha256_hex(keys[0].as_bytes())]["identity"],
        "org-mock123"
    );
    assert_eq!(status_of(&v, &keys[1]), "inactive");
    assert_eq!(status_of(&v, &keys[2]), "active", "403 missing scopes");
    assert_eq!(status_of(&v, &keys[3]), "active", "429 insufficient_quota");
    assert_eq!(status_of(&v, &keys[4]), "unknown", "500");
    let detail500 = v[&sha256_hex(keys[4].as_bytes())]["detail"]
        .as_str()
        .unwrap();
    assert!(detail500.contains("500"), "{detail500}");
    assert_eq!(status_of(&v, &keys[5]), "unknown", "malformed JSON");
    assert_eq!(status_of(&v, &keys[6]), "active", "401 missing scopes");
    assert_eq!(status_of(&v, &keys[7]), "unknown", "403 region");
    for val in v.values() {
        assert!(val["checked_at"].as_str().unwrap().ends_with('Z'));
    }

    let reqs = mock.requests();
    assert_eq!(reqs.len(), keys.len());
    for r in &reqs {
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/v1/models");
        let ua = &r.headers["user-agent"];
        assert_eq!(ua, &format!("keyhound/{}", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn a_rate_limited_key_is_retried_after_retry_after_then_unknown() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let key = project_key(20);
    mock.answer(
        &key,
        Reply::new(429, r#"{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}"#)
            .header("Retry-After", "1"),
    );
    let dir = tree(&[&key]);
    let started = Instant::now();
    let out = keyhound(&mock, cache.path())
        .args(["scan", "--validate", "-f", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v = verdicts(&out.stdout);
    assert_eq!(status_of(&v, &key), "unknown");
    assert_eq!(mock.requests().len(), 3, "one try and two retries");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "waited for Retry-After"
    );
    // Unknown verdicts are not cached: the next run asks again.
    assert!(!cache.path().join("validation.json").exists());
}

#[test]
fn a_hang_past_the_timeout_is_unknown() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let key = project_key(30);
    mock.answer(&key, Reply::new(200, "{}").hang(Duration::from_secs(20)));
    let dir = tree(&[&key]);
    let started = Instant::now();
    let out = keyhound(&mock, cache.path())
        .args([
            "scan",
            "--validate",
            "--validate-timeout",
            "1s",
            "-f",
            "json",
        ])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "did not wait for the hang"
    );
    let v = verdicts(&out.stdout);
    let val = &v[&sha256_hex(key.as_bytes())];
    assert_eq!(val["status"], "unknown");
    assert!(val["detail"].as_str().unwrap().contains("timeout"), "{val}");
}

#[test]
fn each_distinct_secret_is_requested_once_across_many_files() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let a = project_key(40);
    let b = project_key(41);
    mock.answer(&a, Reply::new(200, "{}"));
    mock.answer(&b, Reply::new(401, "{}"));
    let mut places: Vec<&str> = vec![a.as_str(); 30];
    places.extend(vec![b.as_str(); 12]);
    let dir = tree(&places);
    let out = keyhound(&mock, cache.path())
        .args([
            "scan",
            "--validate",
            "--validate-concurrency",
            "8",
            "-f",
            "json",
        ])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 42);
    assert!(findings
        .iter()
        .all(|f| f["validation"]["status"] != "not_checked"));
}

#[test]
fn the_cache_prevents_a_second_request() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let key = project_key(50);
    mock.answer(&key, Reply::new(200, "{}"));
    let dir = tree(&[&key]);
    let run = |extra: &[&str]| {
        let out = keyhound(&mock, cache.path())
            .args(["scan", "--validate", "-f", "json"])
            .args(extra)
            .arg(dir.path())
            .assert()
            .code(1)
            .get_output()
            .clone();
        verdicts(&out.stdout)
    };
    run(&[]);
    assert_eq!(mock.requests().len(), 1);
    let second = run(&[]);
    assert_eq!(mock.requests().len(), 1, "answered from the cache");
    let val = &second[&sha256_hex(key.as_bytes())];
    assert_eq!(val["status"], "active");
    assert!(val["detail"].as_str().unwrap().contains("cached"));
    run(&["--no-validation-cache"]);
    assert_eq!(mock.requests().len(), 2, "--no-validation-cache asks again");
}

#[test]
fn no_secret_reaches_stderr_stdout_or_the_cache_file() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let keys: Vec<String> = (60..64).map(project_key).collect();
    // A server that echoes the key where keyhound looks for the owner's name.
    mock.answer(
        &keys[0],
        Reply::new(200, "{}").header("openai-organization", &keys[0]),
    );
    mock.answer(&keys[1], Reply::new(401, "{}"));
    mock.answer(&keys[2], Reply::new(500, "<html>oops</html>"));
    mock.answer(&keys[3], Reply::new(200, "{}").hang(Duration::from_secs(5)));
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let dir = tree(&refs);
    for format in ["text", "json", "sarif"] {
        let out = keyhound(&mock, cache.path())
            .args([
                "scan",
                "--validate",
                "--validate-timeout",
                "1",
                "-f",
                format,
            ])
            .arg(dir.path())
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        for k in &keys {
            assert!(!stdout.contains(k.as_str()), "{format} stdout has a key");
            assert!(!stderr.contains(k.as_str()), "stderr has a key");
        }
    }
    let cached = std::fs::read_to_string(cache.path().join("validation.json")).unwrap();
    for k in &keys {
        assert!(!cached.contains(k.as_str()), "cache file has a key");
        // Only the 24-byte-and-longer random middle could leak: check a slice too.
        assert!(!cached.contains(&k[8..40]));
    }
    assert!(cached.contains(&sha256_hex(keys[0].as_bytes())));
    assert!(cached.contains(&sha256_hex(keys[1].as_bytes())));
    assert!(
        !cached.contains(&sha256_hex(keys[2].as_bytes())),
        "unknown is not cached"
    );
}

#[test]
fn user_rules_and_repository_files_cannot_enable_or_redirect_validation() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let secret = expand("acme_{alnum:32}", 70);
    mock.answer(&secret, Reply::new(200, "{}"));
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("app.js"), format!("k = '{secret}'\n")).unwrap();
    // A rule file and a config file in the scanned repository that try to send keys to the mock.
    let rules = format!(
        r#"
[provider]
id = "openai"
name = "Acme (pretending to be OpenAI)"
rotation_url = "https://acme.example/keys"
remediation = "Rotate it."

[[rules]]
id = "acme-key"
name = "Acme key"
confidence = "high"
keywords = ["acme_"]
regex = '''(?P<secret>acme_[A-Za-z0-9]{{32}})'''
examples = ["acme_{{alnum:32}}"]
negative_examples = ["acme_short"]

[rules.validation]
method = "GET"
url = "https://127.0.0.1:{port}/v1/models"
auth = "bearer"
responses = [{{ status = 200, verdict = "active", detail = "works" }}]
"#,
        port = mock.port
    );
    std::fs::write(dir.path().join("acme.toml"), &rules).unwrap();
    std::fs::write(
        dir.path().join(".keyhound.toml"),
        format!(
            "[validation]\nenabled = true\nbase_url = \"{}\"\n[env]\nKEYHOUND_OPENAI_BASE_URL = \"{}\"\n",
            mock.base_url(),
            mock.base_url()
        ),
    )
    .unwrap();

    // The config's unknown tables are an error naming the file and line: no scan, no request.
    keyhound(&mock, cache.path())
        .args(["scan", "--validate", "-f", "json"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(".keyhound.toml:1:"));
    assert!(mock.requests().is_empty());
    std::fs::remove_file(dir.path().join(".keyhound.toml")).unwrap();

    // Without --validate, even with the rule loaded and the environment pointing at the mock.
    keyhound(&mock, cache.path())
        .args(["scan", "-f", "json", "--rules"])
        .arg(dir.path().join("acme.toml"))
        .arg(dir.path())
        .assert()
        .code(1);
    assert!(mock.requests().is_empty());

    // With --validate: the user rule's table is ignored, so the key is not checked at all.
    let out = keyhound(&mock, cache.path())
        .args(["scan", "--validate", "-f", "json", "--rules"])
        .arg(dir.path().join("acme.toml"))
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
    let v = verdicts(&out.stdout);
    assert_eq!(v[&sha256_hex(secret.as_bytes())]["status"], "not_checked");

    // A real OpenAI key in the same repository still goes only where the environment says.
    let key = project_key(71);
    mock.answer(&key, Reply::new(200, "{}"));
    std::fs::write(dir.path().join("openai.js"), format!("k = '{key}'\n")).unwrap();
    keyhound(&mock, cache.path())
        .args(["scan", "--validate", "-f", "json"])
        .arg(dir.path())
        .assert()
        .code(1);
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/v1/models");
    assert_eq!(reqs[0].bearer(), Some(key.as_str()));
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_any_request() {
    let cache = TempDir::new().unwrap();
    let key = project_key(80);
    let dir = tree(&[&key]);
    common::keyhound()
        .env("KEYHOUND_OPENAI_BASE_URL", "http://api.example.com")
        .env("KEYHOUND_CACHE_DIR", cache.path())
        .args(["scan", "--validate"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("only for loopback"));
}

#[test]
fn admin_keys_are_checked_on_the_organization_endpoint() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let key = admin_key(90);
    mock.answer(&key, Reply::new(200, r#"{"object":"list","data":[]}"#));
    let dir = tree(&[&key]);
    let out = keyhound(&mock, cache.path())
        .args(["scan", "--validate", "-f", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(status_of(&verdicts(&out.stdout), &key), "active");
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/v1/organization/admin_api_keys?limit=1");
}

#[test]
fn fail_on_active_fails_only_for_keys_that_work() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let dead = project_key(100);
    let live = project_key(101);
    mock.answer(&dead, Reply::new(401, "{}"));
    mock.answer(&live, Reply::new(200, "{}"));
    keyhound(&mock, cache.path())
        .args(["scan", "--validate", "--fail-on", "active"])
        .arg(tree(&[&dead]).path())
        .assert()
        .code(0);
    keyhound(&mock, cache.path())
        .args(["scan", "--validate", "--fail-on", "active"])
        .arg(tree(&[&dead, &live]).path())
        .assert()
        .code(1);
    common::keyhound()
        .args(["scan", "--fail-on", "active", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--validate"));
}

#[test]
fn reports_lead_with_active_keys() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let dead = project_key(110);
    let live = project_key(111);
    mock.answer(&dead, Reply::new(401, "{}"));
    mock.answer(
        &live,
        Reply::new(200, "{}").header("openai-organization", "org-live"),
    );
    // The inactive key comes first in path order.
    let dir = tree(&[&dead, &live]);
    let out = keyhound(&mock, cache.path())
        .args(["scan", "--validate", "--color", "never"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout);
    let active = text.find("ACTIVE").expect("an ACTIVE line");
    let inactive = text.find("Live check: inactive").expect("an inactive line");
    assert!(active < inactive, "{text}");
    assert!(text.contains("org-live"));
    assert!(text.contains("1 active, 1 inactive"), "{text}");

    let out = keyhound(&mock, cache.path())
        .args(["scan", "--validate", "-f", "sarif"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let live_result = results
        .iter()
        .find(|r| r["properties"]["validation"]["status"] == "active")
        .expect("an active result");
    assert_eq!(live_result["level"], "error");
    assert_eq!(live_result["properties"]["security-severity"], "10.0");
    assert!(results
        .iter()
        .any(|r| r["properties"]["validation"]["status"] == "inactive"));
}

#[test]
fn validate_reads_keys_on_standard_input() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let live = project_key(120);
    let dead = project_key(121);
    mock.answer(&live, Reply::new(200, "{}"));
    mock.answer(&dead, Reply::new(401, "{}"));
    let input = format!("{dead}\n\n{live}\nnot a key\n{live}\n");
    let out = keyhound(&mock, cache.path())
        .args(["validate", "-f", "json", "-"])
        .write_stdin(input)
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(mock.requests().len(), 2);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys = doc["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["validation"]["status"], "active", "active first");
    assert_eq!(keys[1]["validation"]["status"], "inactive");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains(live.as_str()) && !stderr.contains(live.as_str()));
    assert!(stderr.contains("line 4"), "{stderr}");
}

#[test]
fn validate_reads_a_report_written_with_show_secrets() {
    let mock = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let key = project_key(130);
    mock.answer(&key, Reply::new(401, "{}"));
    let dir = tree(&[&key]);
    let report = dir.path().join("report.json");
    keyhound(&mock, cache.path())
        .args(["scan", "--show-secrets", "-f", "json", "-o"])
        .arg(&report)
        .arg(dir.path().join("cfg0.js"))
        .assert()
        .code(1);
    assert!(mock.requests().is_empty());
    keyhound(&mock, cache.path())
        .arg("validate")
        .arg(&report)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("inactive"));
    assert_eq!(mock.requests().len(), 1);

    // JSON Lines written with --show-secrets work too.
    let lines = dir.path().join("report.jsonl");
    keyhound(&mock, cache.path())
        .args(["scan", "--show-secrets", "-f", "jsonl", "-o"])
        .arg(&lines)
        .arg(dir.path().join("cfg0.js"))
        .assert()
        .code(1);
    keyhound(&mock, cache.path())
        .args(["validate", "--no-validation-cache"])
        .arg(&lines)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("inactive"));
    assert_eq!(mock.requests().len(), 2);

    // A report without secrets cannot be validated, and says why.
    let redacted = dir.path().join("redacted.json");
    keyhound(&mock, cache.path())
        .args(["scan", "-f", "json", "-o"])
        .arg(&redacted)
        .arg(dir.path().join("cfg0.js"))
        .assert()
        .code(1);
    keyhound(&mock, cache.path())
        .arg("validate")
        .arg(&redacted)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--show-secrets"));
}

#[test]
fn validate_help_says_it_needs_the_secrets() {
    common::keyhound()
        .args(["validate", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains("--show-secrets"))
        .stdout(predicates::str::contains("one per line"));
}

#[test]
fn https_proxy_from_the_environment_is_honoured() {
    // The mock plays a proxy that refuses every CONNECT: the request goes to it, not to OpenAI,
    // and the proxy never sees the key (it travels only inside the TLS tunnel).
    let proxy = MockProvider::start();
    let cache = TempDir::new().unwrap();
    let key = project_key(140);
    let dir = tree(&[&key]);
    let out = common::keyhound()
        .env("KEYHOUND_CACHE_DIR", cache.path())
        .env_remove("KEYHOUND_OPENAI_BASE_URL")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("HTTPS_PROXY", proxy.base_url())
        .args([
            "scan",
            "--validate",
            "--validate-timeout",
            "5s",
            "-f",
            "json",
        ])
        .arg(dir.path())
        .timeout(Duration::from_secs(60))
        .assert()
        .code(1)
        .get_output()
        .clone();
    let reqs = proxy.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].method, "CONNECT");
    assert!(reqs[0].path.starts_with("api.openai.com:443"), "{reqs:?}");
    assert!(reqs[0].bearer().is_none());
    assert!(!format!("{reqs:?}").contains(key.as_str()));
    assert_eq!(status_of(&verdicts(&out.stdout), &key), "unknown");
}

#[test]
fn a_user_rule_files_validation_table_is_dropped_with_one_warning_naming_it() {
    let dir = TempDir::new().unwrap();
    let rule = |id: &str, validation: bool| {
        let mut r = format!(
            "[[rules]]\nid = \"{id}\"\nname = \"Acme key\"\nconfidence = \"high\"\n\
             keywords = [\"{id}_\"]\nregex = '''{id}_[0-9a-f]{{32}}'''\n\
             examples = [\"{id}_{{hex:32}}\"]\n"
        );
        if validation {
            r.push_str(
                "[rules.validation]\nmethod = \"GET\"\nurl = \"https://collector.example/\"\n\
                 auth = \"bearer\"\nresponses = []\n",
            );
        }
        r
    };
    let provider = "[provider]\nid = \"acme\"\nname = \"Acme\"\n\
                    rotation_url = \"https://acme.example/keys\"\nremediation = \"Rotate it.\"\n";
    let with = dir.path().join("with-checks.toml");
    std::fs::write(
        &with,
        format!("{provider}{}{}", rule("acme", true), rule("acmetwo", true)),
    )
    .unwrap();
    let without = dir.path().join("plain.toml");
    std::fs::write(&without, format!("{provider}{}", rule("acmethree", false))).unwrap();
    let warning = "with-checks.toml: its [rules.validation] tables are ignored";
    let warnings = |stderr: &[u8]| String::from_utf8_lossy(stderr).matches(warning).count();

    for args in [
        vec!["scan".into(), dir.path().display().to_string()],
        vec!["rules".into(), "list".into()],
    ] {
        let out = common::keyhound()
            .args(&args)
            .arg("--rules")
            .arg(&with)
            .arg("--rules")
            .arg(&without)
            .output()
            .unwrap();
        assert_eq!(warnings(&out.stderr), 1, "{args:?}: {out:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("plain.toml"));
    }
    let out = common::keyhound()
        .args(["rules", "check"])
        .arg(&with)
        .output()
        .unwrap();
    assert_eq!(warnings(&out.stderr), 1, "{out:?}");
    // A repository's config that adds the file: the same warning.
    std::fs::write(
        dir.path().join(".keyhound.toml"),
        "rules = [\"with-checks.toml\"]\n",
    )
    .unwrap();
    let out = common::keyhound()
        .arg("scan")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(warnings(&out.stderr), 1, "{out:?}");
}
