//! The SARIF report: what GitHub code scanning needs (rules with help and severity, relative
//! locations with 1-based columns, partial fingerprints), no full secret unless asked, and zero
//! errors and zero warnings in Microsoft's SARIF Multitool (`Sarif.Multitool validate
//! --rule-kind "Gh;Sarif"`). The Multitool is found through `KEYHOUND_SARIF_MULTITOOL` or in
//! `.ci/node_modules` (`.ci/run` installs it); in CI (`CI=true`) a missing Multitool fails.

mod common;

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command as Process,
};

use assert_cmd::Command;
use keyhound::rules::template::expand;
use serde_json::Value;
use tempfile::TempDir;

/// Test keys, built at run time so the repository never holds one.
struct Keys {
    project: String,
    service_account: String,
    legacy: String,
}

fn keys() -> Keys {
    Keys {
        project: expand("sk-proj-{b64url:74}T3BlbkFJ{b64url:74}", 11),
        service_account: expand("sk-svcacct-{b64url:46}T3BlbkFJ{b64url:46}", 12),
        legacy: expand("sk-{alnum:20}T3BlbkFJ{alnum:20}", 13),
    }
}

/// A small project: several files, a nested path, a path with a space, one key in two places.
fn project(k: &Keys) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: String| {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    write(
        "src/app.js",
        format!(
            "import OpenAI from 'openai';\nconst key = \"{}\";\n",
            k.project
        ),
    );
    write(
        "web/my components/Chat.tsx",
        format!(
            "// é\nexport const client = new OpenAI({{ apiKey: '{}' }});\n",
            k.service_account
        ),
    );
    write(
        "deep/nested/dir/config.py",
        format!("OPENAI_KEY = '{}'\nBACKUP = '{}'\n", k.legacy, k.project),
    );
    write("README.md", "Nothing to see here.\n".to_string());
    dir
}

/// Runs `keyhound scan ARGS --format sarif` in `dir`; returns the parsed log and its text.
fn scan_sarif(dir: &Path, args: &[&str]) -> (Value, String) {
    let out = Command::cargo_bin("keyhound")
        .unwrap()
        .current_dir(dir)
        .arg("scan")
        .args(args)
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "keyhound failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    (serde_json::from_str(&text).expect("SARIF is JSON"), text)
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

fn result_for<'a>(log: &'a Value, uri: &str, line: u64) -> &'a Value {
    results(log)
        .iter()
        .find(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            loc["artifactLocation"]["uri"] == uri && loc["region"]["startLine"] == line
        })
        .unwrap_or_else(|| panic!("no result at {uri}:{line} in {log:#}"))
}

#[test]
fn sarif_rules_carry_what_github_shows() {
    let k = keys();
    let dir = project(&k);
    let (log, _) = scan_sarif(dir.path(), &[]);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "keyhound");
    let rules = driver["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for rule in rules {
        for field in [
            "/id",
            "/name",
            "/shortDescription/text",
            "/fullDescription/text",
        ] {
            assert!(
                rule.pointer(field)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty()),
                "rule without {field}: {rule:#}"
            );
        }
        assert!(rule["help"]["text"].as_str().unwrap().contains("https://"));
        assert!(rule["help"]["markdown"].as_str().unwrap().contains("]("));
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&severity));
        let tags = rule["properties"]["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t == "security"), "{rule:#}");
        assert!(tags.len() <= 10);
    }
}

#[test]
fn sarif_results_have_relative_locations_columns_and_fingerprints() {
    let k = keys();
    let dir = project(&k);
    let (log, _) = scan_sarif(dir.path(), &[]);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(results(&log).len(), 4, "{log:#}");
    for r in results(&log) {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains(':'),
            "not relative: {uri}"
        );
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "SRCROOT");
        let region = &loc["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
        assert!(region["endColumn"].as_u64() > region["startColumn"].as_u64());
        let fp = r["partialFingerprints"]["keyhound/v1"].as_str().unwrap();
        assert!(fp.len() >= 16);
    }
    let base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap();
    assert!(base.starts_with("file:///") && base.ends_with('/'));

    // Columns are 1-based, counted in code points, and the end column is exclusive.
    let app = result_for(&log, "src/app.js", 2);
    assert_eq!(app["ruleId"], "openai-project-key");
    let region = &app["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startColumn"], 14);
    assert_eq!(region["endColumn"], 14 + k.project.len() as u64);

    // A space in a path is percent-encoded.
    let chat = result_for(&log, "web/my%20components/Chat.tsx", 2);
    assert_eq!(chat["ruleId"], "openai-service-account-key");

    // The same key in two places: two results, one secret, two fingerprints.
    let again = result_for(&log, "deep/nested/dir/config.py", 2);
    assert_eq!(again["ruleId"], "openai-project-key");
    assert_eq!(
        again["properties"]["secret_sha256"],
        app["properties"]["secret_sha256"]
    );
    assert_ne!(again["partialFingerprints"], app["partialFingerprints"]);
}

#[test]
fn sarif_report_never_contains_a_full_secret() {
    let k = keys();
    let dir = project(&k);
    let (_, text) = scan_sarif(dir.path(), &[]);
    for key in [&k.project, &k.service_account, &k.legacy] {
        assert!(!text.contains(key.as_str()), "full key in SARIF");
        // Not even the random half of one.
        assert!(!text.contains(&key[key.len() - 20..]));
    }
    assert!(text.contains(&k.project[..8]), "redacted form is shown");
}

#[test]
fn sarif_report_shows_full_secrets_only_when_asked() {
    let k = keys();
    let dir = project(&k);
    let (_, text) = scan_sarif(dir.path(), &["--show-secrets"]);
    assert!(text.contains(&k.project));
}

#[test]
fn sarif_locations_are_relative_to_the_working_directory() {
    let k = keys();
    let dir = project(&k);
    let (log, _) = scan_sarif(dir.path(), &["src"]);
    assert_eq!(results(&log).len(), 1);
    result_for(&log, "src/app.js", 2);
}

#[test]
fn sarif_report_with_findings_validates_in_the_multitool() {
    let Some(tool) = multitool() else { return };
    let k = keys();
    let dir = project(&k);
    let (log, text) = scan_sarif(dir.path(), &[]);
    assert!(!results(&log).is_empty());
    assert_valid(&tool, &text);
}

#[test]
fn empty_sarif_report_validates_in_the_multitool() {
    let Some(tool) = multitool() else { return };
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("clean.js"), "const model = 'gpt-4o';\n").unwrap();
    let (log, text) = scan_sarif(dir.path(), &[]);
    assert!(results(&log).is_empty());
    assert_valid(&tool, &text);
}

#[test]
fn every_fixture_gives_sarif_that_validates_in_the_multitool() {
    let Some(tool) = multitool() else { return };
    let mut names: Vec<String> = fs::read_dir(common::fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut logs = Vec::new();
    for name in &names {
        let fixture = common::fixture(name);
        // Low confidence too, so results of every level are checked.
        let (_, text) = scan_sarif(fixture.path(), &["--min-confidence", "low"]);
        logs.push((name.clone(), text));
    }
    assert!(logs.len() >= 6, "fixtures: {names:?}");
    assert_valid_all(&tool, &logs);
}

/// The Multitool's binary: `KEYHOUND_SARIF_MULTITOOL`, or the one `.ci/run` installs. `None`
/// (with a note on stderr) when there is none outside CI; in CI that is a failure.
fn multitool() -> Option<PathBuf> {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let path = match std::env::var_os("KEYHOUND_SARIF_MULTITOOL") {
        Some(p) => PathBuf::from(p),
        None => {
            let (package, exe) = match std::env::consts::OS {
                "macos" => ("sarif-multitool-darwin", "Sarif.Multitool"),
                "windows" => ("sarif-multitool-win32", "Sarif.Multitool.exe"),
                _ => ("sarif-multitool-linux", "Sarif.Multitool"),
            };
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(".ci/node_modules/@microsoft")
                .join(package)
                .join(exe)
        }
    };
    if path.is_file() {
        return Some(path);
    }
    let message = format!(
        "SARIF Multitool not found at {} (set KEYHOUND_SARIF_MULTITOOL, or run `npm ci --prefix .ci`)",
        path.display()
    );
    if in_ci || std::env::var_os("KEYHOUND_SARIF_MULTITOOL").is_some() {
        panic!("{message}: CI must validate SARIF");
    }
    eprintln!("skipping SARIF validation: {message}");
    None
}

/// Runs `Sarif.Multitool validate --rule-kind "Gh;Sarif"` on `sarif` and fails on any error or
/// warning it reports (notes are advice, not defects).
fn assert_valid(tool: &Path, sarif: &str) {
    assert_valid_all(tool, &[("keyhound".to_string(), sarif.to_string())]);
}

/// `assert_valid` for several logs at once (one Multitool run), each named for the messages.
fn assert_valid_all(tool: &Path, logs: &[(String, String)]) {
    let work = tempfile::tempdir().unwrap();
    let output = work.path().join("validation.sarif");
    let inputs: Vec<PathBuf> = logs
        .iter()
        .map(|(name, text)| {
            let input = work.path().join(format!("{name}.sarif"));
            fs::write(&input, text).unwrap();
            input
        })
        .collect();
    let run = Process::new(tool)
        .args([
            "validate",
            "--rule-kind",
            "Gh;Sarif",
            "--level",
            "Error;Warning",
        ])
        .arg("--output")
        .arg(&output)
        .args(&inputs)
        .output()
        .expect("the SARIF Multitool runs");
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "Multitool failed:\n{console}");
    let log: Value = serde_json::from_str(
        &fs::read_to_string(&output)
            .unwrap_or_else(|e| panic!("no validation log ({e}):\n{console}")),
    )
    .unwrap();
    let run = &log["runs"][0];
    let mut problems: Vec<String> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| matches!(r["level"].as_str(), Some("error" | "warning") | None))
        .map(|r| {
            let at = r
                .pointer("/locations/0/physicalLocation/artifactLocation/uri")
                .unwrap_or(&Value::Null);
            format!("{at} {} {}: {}", r["level"], r["ruleId"], r["message"])
        })
        .collect();
    for invocation in run["invocations"].as_array().into_iter().flatten() {
        if invocation["executionSuccessful"] == false {
            problems.push(format!("validation did not complete: {invocation}"));
        }
        for kind in [
            "toolExecutionNotifications",
            "toolConfigurationNotifications",
        ] {
            for n in invocation[kind].as_array().into_iter().flatten() {
                if n["level"] == "error" {
                    problems.push(format!("{kind}: {n}"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "SARIF Multitool reports {} problems:\n{}\n\nconsole:\n{console}",
        problems.len(),
        problems.join("\n")
    );
}
