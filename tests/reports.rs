//! The text, JSON and JSON Lines reports, and `-o FILE`, as a user sees them: the real binary on
//! temporary trees whose keys are built at run time.

use std::{fs, path::Path};

use assert_cmd::Command;
use keyhound::{finding::sha256_hex, rules::template::expand};
use serde_json::Value;
use tempfile::TempDir;

fn project_key() -> String {
    expand("sk-proj-{b64url:74}T3BlbkFJ{b64url:74}", 21)
}

fn other_project_key() -> String {
    expand("sk-proj-{b64url:58}T3BlbkFJ{b64url:58}", 22)
}

/// A medium-confidence key: OpenAI-style, no marker, named by its context.
fn style_key() -> String {
    expand("sk-{alnum:48}", 23)
}

fn tree(files: &[(&str, String)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

/// One key twice and another once, in three files.
fn leaky_project() -> (TempDir, String, String) {
    let (a, b) = (project_key(), other_project_key());
    let dir = tree(&[
        ("web/src/api.js", format!("const key = \"{a}\";\n")),
        ("server/.env", format!("OPENAI_API_KEY={a}\n")),
        ("notes/setup.md", format!("\nUse `{b}` for staging.\n")),
    ]);
    (dir, a, b)
}

fn keyhound(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("keyhound").unwrap();
    cmd.current_dir(dir).env_remove("NO_COLOR").arg("scan");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[test]
fn text_report_groups_places_under_their_secret() {
    let (dir, a, b) = leaky_project();
    let r = run(&mut keyhound(dir.path()));
    assert_eq!(r.code, 1);
    let redacted_a = keyhound::finding::redact(&a);
    let redacted_b = keyhound::finding::redact(&b);
    // One heading per secret, its places listed under it.
    let headings: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(" confidence, "))
        .collect();
    assert_eq!(headings.len(), 2, "{}", r.stdout);
    let start_a = r.stdout.find(&format!("  {redacted_a}  ")).unwrap();
    let start_b = r.stdout.find(&format!("  {redacted_b}  ")).unwrap();
    let group_a = if start_a < start_b {
        &r.stdout[start_a..start_b]
    } else {
        &r.stdout[start_a..]
    };
    assert!(group_a.contains("  server/.env:1:16"), "{}", r.stdout);
    assert!(group_a.contains("  web/src/api.js:1:14"), "{}", r.stdout);
    assert!(r.stdout.contains("  notes/setup.md:2:6"), "{}", r.stdout);
}

#[test]
fn text_report_lists_the_most_urgent_secret_first() {
    // In path order the medium-confidence key comes first; in the report it comes last.
    let (high, medium) = (project_key(), style_key());
    let dir = tree(&[
        ("a/config.py", format!("OPENAI_API_KEY = \"{medium}\"\n")),
        ("z/app.js", format!("const key = '{high}';\n")),
    ]);
    let r = run(&mut keyhound(dir.path()));
    let h = r.stdout.find("z/app.js").expect("high finding");
    let m = r.stdout.find("a/config.py").expect("medium finding");
    assert!(h < m, "{}", r.stdout);
    assert!(r.stdout.contains("(high confidence, openai-project-key)"));
    assert!(r.stdout.contains("(medium confidence, openai-style-key)"));
}

#[test]
fn text_report_says_what_to_do_about_each_secret() {
    let (dir, _, _) = leaky_project();
    let r = run(&mut keyhound(dir.path()));
    assert_eq!(r.stdout.matches("What to do:").count(), 2, "{}", r.stdout);
    assert!(r
        .stdout
        .contains("Rotate this key at https://platform.openai.com/api-keys"));
    assert!(r.stdout.contains("server-side"));
}

#[test]
fn text_report_ends_with_a_summary_line() {
    let (dir, _, _) = leaky_project();
    let r = run(&mut keyhound(dir.path()));
    let last = r.stdout.lines().last().unwrap();
    assert!(
        last.starts_with("Found 2 secrets in 3 places (3 high, 0 medium, 0 low confidence)."),
        "{last}"
    );
    assert!(last.contains("Scanned 3 files"), "{last}");

    let clean = tree(&[("app.js", "console.log('hello');\n".to_string())]);
    let r = run(&mut keyhound(clean.path()));
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("No secrets found. Scanned 1 file"));
}

#[test]
fn text_report_is_coloured_only_when_asked_or_on_a_terminal() {
    let (dir, _, _) = leaky_project();
    // Through a pipe: no colour.
    assert!(!run(&mut keyhound(dir.path())).stdout.contains('\x1b'));
    assert!(!run(keyhound(dir.path()).args(["--color", "never"]))
        .stdout
        .contains('\x1b'));
    assert!(!run(keyhound(dir.path()).env("NO_COLOR", "1"))
        .stdout
        .contains('\x1b'));
    let always = run(keyhound(dir.path()).args(["--color", "always"]));
    assert!(always.stdout.contains("\x1b["));
    // An explicit flag outranks NO_COLOR (https://no-color.org).
    let both = run(keyhound(dir.path())
        .env("NO_COLOR", "1")
        .args(["--color", "always"]));
    assert!(both.stdout.contains("\x1b["));
    // Other formats are never coloured.
    let json = run(keyhound(dir.path()).args(["--color", "always", "--format", "json"]));
    assert!(!json.stdout.contains('\x1b'));
}

#[test]
fn json_report_has_version_tool_findings_and_stats() {
    let (dir, a, _) = leaky_project();
    let r = run(keyhound(dir.path()).args(["--format", "json"]));
    assert_eq!(r.code, 1);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "keyhound");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);

    let f = findings
        .iter()
        .find(|f| f["path"] == "web/src/api.js")
        .unwrap();
    assert_eq!(f["kind"], "secret");
    assert_eq!(f["rule_id"], "openai-project-key");
    assert_eq!(f["rule_name"], "OpenAI project API key");
    assert_eq!(f["provider"], "openai");
    assert_eq!(f["confidence"], "high");
    assert_eq!(f["line"], 1);
    assert_eq!(f["column"], 14);
    assert_eq!(f["end_line"], 1);
    assert_eq!(f["end_column"], 14 + a.len());
    assert_eq!(f["offset"], 13);
    assert_eq!(f["secret_redacted"], keyhound::finding::redact(&a));
    assert_eq!(f["secret_sha256"], sha256_hex(a.as_bytes()));
    assert_eq!(
        f["snippet"],
        format!("const key = \"{}\";", keyhound::finding::redact(&a))
    );
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 32);
    assert_eq!(f["source"]["kind"], "file");
    assert!(f.get("secret").is_none());

    let stats = &doc["stats"];
    assert_eq!(stats["files_scanned"], 3);
    assert_eq!(stats["findings"], 3);
    assert_eq!(stats["secrets"], 2);
    for field in [
        "bytes_scanned",
        "blobs_scanned",
        "skipped_binary",
        "skipped_too_large",
        "skipped_symlinks",
        "errors",
    ] {
        assert!(stats[field].is_u64(), "stats.{field} missing: {stats}");
    }
}

#[test]
fn jsonl_report_is_one_finding_per_line_and_nothing_else() {
    let (dir, _, _) = leaky_project();
    let r = run(keyhound(dir.path()).args(["--format", "jsonl"]));
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    for line in lines {
        let f: Value = serde_json::from_str(line).unwrap();
        assert_eq!(f["rule_id"], "openai-project-key");
        assert!(f["path"].is_string());
    }

    let clean = tree(&[("app.js", "console.log('hello');\n".to_string())]);
    let r = run(keyhound(clean.path()).args(["--format", "jsonl"]));
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "");
}

#[test]
fn every_format_prints_only_redacted_secrets_by_default() {
    let (dir, a, b) = leaky_project();
    for format in ["text", "json", "jsonl", "sarif"] {
        let r = run(keyhound(dir.path()).args(["--format", format, "--color", "always"]));
        assert_eq!(r.code, 1, "{format}");
        for key in [&a, &b] {
            for text in [&r.stdout, &r.stderr] {
                assert!(!text.contains(key.as_str()), "{format} shows a full key");
                // Not even the random middle of one.
                assert!(!text.contains(&key[20..50]), "{format} shows part of a key");
            }
        }
        assert!(
            r.stdout.contains(&keyhound::finding::redact(&a)),
            "{format} shows the redacted form"
        );
    }
}

#[test]
fn show_secrets_prints_full_keys_in_every_format() {
    let (dir, a, _) = leaky_project();
    for format in ["text", "json", "jsonl", "sarif"] {
        let r = run(keyhound(dir.path()).args(["--format", format, "--show-secrets"]));
        assert!(r.stdout.contains(&a), "{format}");
    }
    let r = run(keyhound(dir.path()).args(["--format", "json", "--show-secrets"]));
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let f = &doc["findings"][0];
    assert_eq!(
        f["secret"].as_str().map(sha256_hex_str),
        Some(f["secret_sha256"].as_str().unwrap().to_string())
    );
}

fn sha256_hex_str(s: &str) -> String {
    sha256_hex(s.as_bytes())
}

#[test]
fn output_file_receives_the_report_and_stdout_stays_empty() {
    let (dir, a, _) = leaky_project();
    let out = dir.path().join("reports/keyhound.json");
    fs::create_dir_all(out.parent().unwrap()).unwrap();
    let r = run(keyhound(dir.path())
        .args(["web", "server", "--format", "json", "-o"])
        .arg(&out));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    let text = fs::read_to_string(&out).unwrap();
    assert!(!text.contains(&a));
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2);

    // A text report in a file has no colour codes, even when colour is forced.
    let txt = dir.path().join("reports/keyhound.txt");
    let r = run(keyhound(dir.path())
        .args(["web", "--color", "always", "-o"])
        .arg(&txt));
    assert_eq!(r.code, 1);
    let text = fs::read_to_string(&txt).unwrap();
    assert!(text.contains("What to do:") && !text.contains('\x1b'));
}

#[test]
fn output_file_that_cannot_be_written_is_an_error() {
    let (dir, _, _) = leaky_project();
    let r = run(keyhound(dir.path()).args(["-o", "no/such/dir/report.json"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot write"), "{}", r.stderr);
}
