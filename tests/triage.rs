//! Triage: `.keyhound.toml` (excludes, disabled and extra rules, allowlisted secrets, confidence),
//! inline `keyhound:allow`, and baselines; suppressed findings are counted and can be listed.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{openai_key, parse_scan, write, KeyKind};
use keyhound::{finding::sha256_hex, rules::template::expand};
use predicates::prelude::*;
use serde_json::Value;

fn key(seed: u64) -> String {
    openai_key(KeyKind::Project, seed)
}

fn scan(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = common::keyhound()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let s = parse_scan(out);
    (s.code, s.json)
}

fn paths(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect()
}

#[test]
fn config_excludes_paths_by_glob() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "vendor/lib/a.js", key(1));
    write(dir.path(), "web/app.min.js", key(2));
    write(dir.path(), "web/app.js", key(3));
    write(
        dir.path(),
        ".keyhound.toml",
        "exclude = [\"vendor\", \"**/*.min.js\"]\n",
    );
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(paths(&report), vec!["web/app.js"]);
}

#[test]
fn config_allowlists_a_secret_by_hash_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "docs/example.md", format!("key: {}\n", key(1)));
    write(
        dir.path(),
        ".keyhound.toml",
        format!(
            "[[allow]]\nsecret_sha256 = \"{}\"\nreason = \"revoked key kept in the docs\"\n",
            sha256_hex(key(1).as_bytes())
        ),
    );
    let (code, report) = scan(dir.path(), &["--show-suppressed"]);
    assert_eq!(code, 0);
    assert_eq!(report["stats"]["suppressed"]["config"], 1);
    assert_eq!(report["suppressed"][0]["suppressed"]["by"], "config");
    assert_eq!(
        report["suppressed"][0]["suppressed"]["reason"],
        "revoked key kept in the docs"
    );
}

#[test]
fn config_disables_rules_and_sets_the_minimum_confidence() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", key(1));
    write(
        dir.path(),
        ".keyhound.toml",
        "disable_rules = [\"openai-project-key\"]\n",
    );
    assert_eq!(scan(dir.path(), &[]).0, 0);

    // A low-confidence finding (a placeholder-looking key) shows only when the config asks.
    let placeholder = "sk-proj-".to_string() + &"x".repeat(74) + "T3BlbkFJ" + &"x".repeat(74);
    write(dir.path(), "a.js", &placeholder);
    write(dir.path(), ".keyhound.toml", "min_confidence = \"low\"\n");
    let low = scan(dir.path(), &[]).1["findings"]
        .as_array()
        .unwrap()
        .len();
    write(dir.path(), ".keyhound.toml", "min_confidence = \"high\"\n");
    let high = scan(dir.path(), &[]).1["findings"]
        .as_array()
        .unwrap()
        .len();
    assert!(low > high, "low {low}, high {high}");
    // The command line wins over the config.
    let cli = scan(dir.path(), &["--min-confidence", "low"]).1["findings"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(cli, low);
}

#[test]
fn config_adds_rule_files_but_never_their_validation() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ci/rules.toml",
        r#"[provider]
id = "acme"
name = "Acme AI"
rotation_url = "https://acme.example/keys"
remediation = "Rotate it."

[[rules]]
id = "acme-key"
name = "Acme key"
confidence = "high"
keywords = ["acme_"]
regex = '''(?P<secret>acme_[0-9a-f]{32})'''
examples = ["acme_{hex:32}"]
negative_examples = ["acme_short"]

[rules.validation]
url = "https://attacker.example/collect"
"#,
    );
    write(dir.path(), "a.txt", expand("x = acme_{hex:32}\n", 1));
    write(
        dir.path(),
        ".keyhound.toml",
        "rules = [\"ci/rules.toml\"]\n",
    );
    // Even with --validate, the config's rule is never checked: no request to its host.
    let (code, report) = scan(dir.path(), &["--validate"]);
    assert_eq!(code, 1);
    assert_eq!(report["findings"][0]["rule_id"], "acme-key");
    assert_eq!(report["findings"][0]["validation"]["status"], "not_checked");
}

#[test]
fn config_cannot_turn_on_validation_and_unknown_keys_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", "nothing\n");
    write(
        dir.path(),
        ".keyhound.toml",
        "exclude = [\"x\"]\nvalidate = true\n",
    );
    Command::cargo_bin("keyhound")
        .unwrap()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(".keyhound.toml:2:"))
        .stderr(predicate::str::contains("validate"));
}

#[test]
fn an_explicit_config_file_replaces_the_one_at_the_root() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", key(1));
    write(dir.path(), ".keyhound.toml", "exclude = [\"a.js\"]\n");
    let other = tempfile::tempdir().unwrap();
    write(other.path(), "strict.toml", "exclude = []\n");
    let strict = other.path().join("strict.toml");
    assert_eq!(scan(dir.path(), &[]).0, 0);
    assert_eq!(
        scan(dir.path(), &["--config", strict.to_str().unwrap()]).0,
        1
    );
    assert_eq!(scan(dir.path(), &["--no-config"]).0, 1);
}

#[test]
fn inline_allow_suppresses_its_own_line_only() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.py",
        format!(
            "A = \"{}\"  # keyhound:allow test fixture\nB = \"{}\"\n",
            key(1),
            key(2)
        ),
    );
    write(
        dir.path(),
        "b.js",
        format!("/* keyhound:allow */ const k = '{}';\n", key(3)),
    );
    let (code, report) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    assert_eq!(report["findings"][0]["line"], 2);
    assert_eq!(report["stats"]["suppressed"]["inline_allow"], 2);

    let (_, strict) = scan(dir.path(), &["--no-inline-allow"]);
    assert_eq!(strict["findings"].as_array().unwrap().len(), 3);
}

#[test]
fn baseline_records_hashes_never_secrets_and_reports_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let baseline = out.path().join("baseline.json");
    write(dir.path(), "src/a.js", format!("const a = '{}';\n", key(1)));
    write(dir.path(), "src/b.js", format!("const b = '{}';\n", key(2)));

    let (code, _) = scan(
        dir.path(),
        &["--write-baseline", baseline.to_str().unwrap()],
    );
    assert_eq!(code, 0, "what was just baselined is not new");
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(!text.contains(&key(1)) && !text.contains(&key(2)));
    assert!(!text.contains("sk-proj-"));
    let doc: Value = serde_json::from_str(&text).unwrap();
    let entry = &doc["findings"][0];
    assert_eq!(entry["secret_sha256"], sha256_hex(key(1).as_bytes()));
    assert!(entry["fingerprint"].is_string());

    // Move the line down, rename the other file, add one new key: only the new one is reported.
    write(
        dir.path(),
        "src/a.js",
        format!("// moved\n\n\nconst a = '{}';\n", key(1)),
    );
    std::fs::rename(
        dir.path().join("src/b.js"),
        dir.path().join("src/renamed.js"),
    )
    .unwrap();
    write(dir.path(), "src/c.js", format!("const c = '{}';\n", key(3)));
    let (code, report) = scan(dir.path(), &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(paths(&report), vec!["src/c.js"]);
    assert_eq!(report["stats"]["suppressed"]["baseline"], 2);
}

#[test]
fn a_baselined_key_copied_to_a_new_place_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let baseline = out.path().join("b.json");
    write(dir.path(), "server.py", format!("K = '{}'\n", key(1)));
    scan(
        dir.path(),
        &["--write-baseline", baseline.to_str().unwrap()],
    );
    write(
        dir.path(),
        "web/app.js",
        format!("const k = '{}';\n", key(1)),
    );
    let (code, report) = scan(dir.path(), &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(paths(&report), vec!["web/app.js"]);
}

#[test]
fn the_text_summary_counts_what_was_suppressed() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let baseline = out.path().join("b.json");
    write(dir.path(), "a.js", format!("'{}'\n'{}'\n", key(1), key(2)));
    scan(
        dir.path(),
        &["--write-baseline", baseline.to_str().unwrap()],
    );
    write(
        dir.path(),
        "b.js",
        format!("'{}' // keyhound:allow\n", key(3)),
    );
    Command::cargo_bin("keyhound")
        .unwrap()
        .arg("scan")
        .arg(dir.path())
        .args(["--baseline", baseline.to_str().unwrap()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "2 suppressed by baseline, 1 by inline allow",
        ))
        .stdout(predicate::str::contains("Suppressed").not());

    Command::cargo_bin("keyhound")
        .unwrap()
        .arg("scan")
        .arg(dir.path())
        .args([
            "--baseline",
            baseline.to_str().unwrap(),
            "--show-suppressed",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("b.js:1:2"))
        .stdout(predicate::str::contains("(by inline allow)"))
        .stdout(predicate::str::contains(key(3)).not());
}

#[test]
fn a_broken_baseline_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.json", "{\"not\": \"a baseline\"}");
    Command::cargo_bin("keyhound")
        .unwrap()
        .arg("scan")
        .arg(dir.path())
        .args(["--baseline", dir.path().join("b.json").to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a keyhound baseline"));
}

#[test]
fn a_missing_baseline_or_config_names_the_file_and_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    for flag in ["--baseline", "--config"] {
        let missing = dir.path().join("missing.file");
        let out = Command::cargo_bin("keyhound")
            .unwrap()
            .arg("scan")
            .arg(dir.path())
            .args([flag, missing.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("missing.file"), "{flag}: {err}");
        assert_eq!(err.matches("No such file").count(), 1, "{flag}: {err}");
    }
}

#[test]
fn triage_applies_to_the_staged_scan() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        assert!(std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
            .status
            .success());
    };
    git(&["init", "-q"]);
    write(dir.path(), "fixtures/k.txt", key(1));
    write(
        dir.path(),
        "t.py",
        format!("K = '{}'  # keyhound:allow\n", key(2)),
    );
    write(dir.path(), ".keyhound.toml", "exclude = [\"fixtures\"]\n");
    git(&["add", "."]);
    Command::cargo_bin("keyhound")
        .unwrap()
        .args(["scan", "--staged"])
        .current_dir(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 suppressed by inline allow"));
}
