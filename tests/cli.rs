//! The command line as a user meets it: inputs (standard input, several roots), where the report
//! goes, exit codes, the confidence threshold, and that a full key shows only with
//! `--show-secrets`.

mod common;

use common::{keyhound, openai_key, parse_scan, scan_json, tree, KeyKind};
use predicates::prelude::*;

#[test]
fn reads_standard_input_when_the_path_is_a_dash() {
    let key = openai_key(KeyKind::Project, 1);
    let out = keyhound()
        .args(["scan", "--format", "json", "-"])
        .write_stdin(format!("const bundle = 1;\nvar k=\"{key}\";\n"))
        .output()
        .unwrap();
    let scan = parse_scan(out);
    assert_eq!(
        scan.places(),
        [("openai-project-key".to_string(), "<stdin>".to_string(), 2)]
    );
    assert_eq!(scan.findings()[0]["source"]["kind"], "stdin");
    assert_eq!(scan.code, 1);
}

#[test]
fn scans_several_roots_in_one_run() {
    let dir = tree(&[
        (
            "web/src/app.js",
            &format!("k='{}'\n", openai_key(KeyKind::Project, 1)),
        ),
        (
            "server/.env",
            &format!("K={}\n", openai_key(KeyKind::Admin, 2)),
        ),
        (
            "server/main.py",
            &format!("K='{}'\n", openai_key(KeyKind::User, 3)),
        ),
        (
            "other/app.js",
            &format!("k='{}'\n", openai_key(KeyKind::Project, 4)),
        ),
    ]);
    let scan = scan_json(dir.path(), &["web", "server/.env"]);
    assert_eq!(scan.paths(), ["server/.env", "web/src/app.js"]);
}

#[test]
fn scans_the_current_directory_without_arguments() {
    let dir = tree(&[(
        "a/b.js",
        &format!("k='{}'\n", openai_key(KeyKind::Project, 1)),
    )]);
    assert_eq!(scan_json(dir.path(), &[]).paths(), ["a/b.js"]);
}

#[test]
fn missing_root_is_an_error_with_exit_2() {
    let dir = tree(&[]);
    keyhound()
        .current_dir(dir.path())
        .args(["scan", "no-such-dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-dir"));
}

#[test]
fn output_option_writes_the_report_to_a_file_and_nothing_to_stdout() {
    let dir = tree(&[(
        "app.js",
        &format!("k='{}'\n", openai_key(KeyKind::Project, 1)),
    )]);
    let out = tempfile::TempDir::new().unwrap();
    let report = out.path().join("report.json");
    keyhound()
        .current_dir(dir.path())
        .args(["scan", "--format", "json", "-o"])
        .arg(&report)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["findings"][0]["path"], "app.js");
}

#[test]
fn exits_1_on_findings_and_0_when_clean() {
    let dirty = tree(&[(
        "app.js",
        &format!("k='{}'\n", openai_key(KeyKind::Project, 1)),
    )]);
    let clean = tree(&[("app.js", "let k = process.env.OPENAI_API_KEY;\n")]);
    keyhound()
        .current_dir(dirty.path())
        .arg("scan")
        .assert()
        .code(1);
    keyhound()
        .current_dir(clean.path())
        .arg("scan")
        .assert()
        .code(0);
}

#[test]
fn exit_code_option_sets_the_code_for_findings_only() {
    let dirty = tree(&[(
        "app.js",
        &format!("k='{}'\n", openai_key(KeyKind::Project, 1)),
    )]);
    let clean = tree(&[("app.js", "let k = 1;\n")]);
    for (dir, code) in [(&dirty, 7), (&clean, 0)] {
        keyhound()
            .current_dir(dir.path())
            .args(["scan", "--exit-code", "7"])
            .assert()
            .code(code);
    }
    keyhound()
        .current_dir(dirty.path())
        .args(["scan", "--exit-code", "0"])
        .assert()
        .code(0);
}

#[test]
fn min_confidence_low_shows_a_key_without_context_that_the_default_hides() {
    let key = openai_key(KeyKind::Style, 1);
    let dir = tree(&[("notes.txt", &format!("token: {key}\n"))]);
    let default = scan_json(dir.path(), &[]);
    assert!(default.findings().is_empty());
    assert_eq!(default.code, 0);
    let low = scan_json(dir.path(), &["--min-confidence", "low"]);
    assert_eq!(
        low.places(),
        [(
            "openai-style-key-no-context".to_string(),
            "notes.txt".to_string(),
            1
        )]
    );
    assert_eq!(low.findings()[0]["confidence"], "low");
}

#[test]
fn min_confidence_high_hides_medium_findings() {
    let dir = tree(&[(
        "settings.py",
        &format!("OPENAI_API_KEY = '{}'\n", openai_key(KeyKind::Style, 1)),
    )]);
    assert_eq!(scan_json(dir.path(), &[]).findings().len(), 1);
    let high = scan_json(dir.path(), &["--min-confidence", "high"]);
    assert!(high.findings().is_empty());
    assert_eq!(high.code, 0);
}

/// Whether `text` holds any 16 consecutive characters of `key` (more than a redacted form shows).
fn leaks(text: &str, key: &str) -> bool {
    key.as_bytes()
        .windows(16)
        .any(|w| text.contains(std::str::from_utf8(w).unwrap()))
}

#[test]
fn full_key_appears_only_with_show_secrets_in_every_format_and_destination() {
    let keys = [
        openai_key(KeyKind::Project, 11),
        openai_key(KeyKind::Legacy, 12),
        openai_key(KeyKind::Style, 13),
    ];
    let dir = tree(&[
        ("src/app.js", &format!("const k = '{}';\n", keys[0])),
        (
            "nb.ipynb",
            &format!("{{\"source\": [\"key = '{}'\"]}}\n", keys[1]),
        ),
        ("server/.env", &format!("OPENAI_API_KEY={}\n", keys[2])),
    ]);
    let out_dir = tempfile::TempDir::new().unwrap();
    for format in ["text", "json", "jsonl", "sarif"] {
        for to_file in [false, true] {
            for show in [false, true] {
                let report = out_dir.path().join(format!("r-{format}-{show}"));
                let mut cmd = keyhound();
                cmd.current_dir(dir.path())
                    .args(["scan", "--color", "always", "--format", format]);
                if to_file {
                    cmd.arg("-o").arg(&report);
                }
                if show {
                    cmd.arg("--show-secrets");
                }
                let out = cmd.output().unwrap();
                assert_eq!(out.status.code(), Some(1), "{format}");
                let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
                let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
                let file = if to_file {
                    std::fs::read_to_string(&report).unwrap()
                } else {
                    String::new()
                };
                let what = format!("{format}, to file: {to_file}, --show-secrets: {show}");
                for key in &keys {
                    assert!(!leaks(&stderr, key), "stderr leaks a key ({what})");
                    if show {
                        let report = if to_file { &file } else { &stdout };
                        assert!(report.contains(key.as_str()), "full key missing ({what})");
                    } else {
                        assert!(!leaks(&stdout, key), "stdout leaks a key ({what})");
                        assert!(!leaks(&file, key), "report file leaks a key ({what})");
                    }
                }
            }
        }
    }
}

#[test]
fn paths_are_relative_to_a_single_directory_root() {
    let dir = tree(&[(
        "web/src/app.js",
        &format!("k='{}'\n", openai_key(KeyKind::Project, 1)),
    )]);
    assert_eq!(scan_json(dir.path(), &["web"]).paths(), ["src/app.js"]);
    assert_eq!(scan_json(dir.path(), &["web/"]).paths(), ["src/app.js"]);
}

#[test]
fn paths_named_on_the_command_line_are_scanned_even_when_ignored() {
    let dir = tree(&[
        (".gitignore", ".env\nbuild/\n"),
        (
            ".env",
            &format!("OPENAI_API_KEY={}\n", openai_key(KeyKind::Project, 1)),
        ),
        (
            "build/app.js",
            &format!("k='{}'\n", openai_key(KeyKind::Project, 2)),
        ),
    ]);
    assert!(scan_json(dir.path(), &[]).findings().is_empty());
    assert_eq!(scan_json(dir.path(), &[".env"]).paths(), [".env"]);
    assert_eq!(scan_json(dir.path(), &["build"]).paths(), ["app.js"]);
}

#[test]
fn binary_standard_input_is_skipped_and_counted() {
    let mut data = b"\x00\x01binary".to_vec();
    data.extend_from_slice(openai_key(KeyKind::Project, 1).as_bytes());
    let out = keyhound()
        .args(["scan", "--format", "json", "-"])
        .write_stdin(data)
        .output()
        .unwrap();
    let scan = parse_scan(out);
    assert!(scan.findings().is_empty());
    assert_eq!(scan.stats()["skipped_binary"], 1);
    assert_eq!(scan.code, 0);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["scan", "--min-confidence", "extreme"][..],
        &["scan", "--max-file-size", "lots"],
        &["scan", "--format", "xml"],
        &["scan", "--no-such-flag"],
    ] {
        keyhound()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::is_empty().not());
    }
}

#[test]
fn unwritable_output_file_is_an_error_with_exit_2() {
    let dir = tree(&[(
        "app.js",
        &format!("k='{}'\n", openai_key(KeyKind::Project, 1)),
    )]);
    keyhound()
        .current_dir(dir.path())
        .args(["scan", "-o", "no-such-dir/report.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-dir/report.json"));
}

#[test]
fn overlapping_roots_report_each_place_once() {
    let dir = tree(&[(
        "src/app.js",
        &format!("k='{}'\n", openai_key(KeyKind::Project, 1)),
    )]);
    assert_eq!(scan_json(dir.path(), &[".", "."]).paths(), ["src/app.js"]);
    assert_eq!(scan_json(dir.path(), &[".", "src"]).paths(), ["src/app.js"]);
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    // `keyhound scan | head -n 1`: the pipe closes before the report is written.
    let mut files = Vec::new();
    for i in 0..200u64 {
        files.push((
            format!("f{i}.env"),
            format!("OPENAI_API_KEY={}\n", openai_key(KeyKind::Project, i)),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let dir = tree(&refs);
    let bin = env!("CARGO_BIN_EXE_keyhound");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#""$0" scan "$1" -f jsonl | head -c 1 >/dev/null; echo "status=${PIPESTATUS[0]}""#)
        .arg(bin)
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Broken pipe"), "stderr: {stderr}");
    assert!(stdout.contains("status=1"), "{stdout}");
}

#[test]
fn rules_list_json_names_every_rule_with_provider_name_and_confidence() {
    let out = keyhound()
        .args(["rules", "list", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let providers: std::collections::BTreeSet<&str> = rules
        .iter()
        .filter_map(|r| r["provider"].as_str())
        .collect();
    assert!(providers.len() >= 40, "{} providers", providers.len());
    for r in &rules {
        for field in ["id", "provider", "name", "confidence"] {
            assert!(r[field].is_string(), "{field} missing in {r}");
        }
    }
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    for id in [
        "openai-project-key",
        "client-exposed-env-var",
        "browser-sdk-opt-in",
    ] {
        assert!(ids.contains(&id), "{id} is not listed");
    }
}

#[test]
fn rules_list_text_groups_rules_under_their_provider() {
    let out = keyhound().args(["rules", "list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let openai = text.find("OpenAI (openai)").expect("an OpenAI heading");
    let project = text.find("openai-project-key").unwrap();
    let next_heading = text[openai + 1..]
        .lines()
        .skip(1)
        .find(|l| !l.starts_with(' '))
        .and_then(|l| text.find(l))
        .unwrap_or(text.len());
    assert!(openai < project && project < next_heading);
}

#[test]
fn github_annotations_name_files_from_the_checkout_root_when_a_subfolder_is_scanned() {
    // The Action runs from the checkout root; `path: web` must still annotate `web/src/app.js`.
    let key = openai_key(KeyKind::Project, 7);
    let dir = tree(&[("web/src/app.js", &format!("const k = \"{key}\";\n"))]);
    let out = keyhound()
        .current_dir(dir.path())
        .args(["scan", "web", "--format", "github"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("file=web/src/app.js,line=1"), "{text}");
    assert!(!text.contains(&key));
}
