//! `keyhound scan --staged`: the pre-commit scan reads the git index, compares it with HEAD, and
//! reports only secrets on lines the commit adds, with their line numbers in the staged file.

mod common;

use std::path::Path;

use common::{git, git_repo as repo, openai_key, write, KeyKind};

use assert_cmd::Command as Bin;
use predicates::prelude::*;
use serde_json::Value;

fn key(seed: u64) -> String {
    openai_key(KeyKind::Project, seed)
}

/// Runs the staged scan in `dir` and returns (exit code, JSON report).
fn staged(dir: &Path) -> (i32, Value) {
    let out = Bin::cargo_bin("keyhound")
        .unwrap()
        .args(["scan", "--staged", "--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), report)
}

fn places(report: &Value) -> Vec<(String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn finds_a_key_in_a_new_file_before_the_first_commit() {
    let r = repo();
    write(
        r.path(),
        "web/app.js",
        format!("// app\nconst k = \"{}\";\n", key(1)),
    );
    git(r.path(), &["add", "."]);
    let (code, report) = staged(r.path());
    assert_eq!(code, 1);
    assert_eq!(places(&report), vec![("web/app.js".to_string(), 2)]);
    assert_eq!(report["findings"][0]["source"]["kind"], "staged");
}

#[test]
fn reports_only_added_lines_with_staged_line_numbers() {
    let r = repo();
    let old = key(1);
    write(r.path(), "config.py", format!("A = 1\nOLD = \"{old}\"\n"));
    git(r.path(), &["add", "."]);
    git(r.path(), &["commit", "-q", "-m", "base"]);
    // Two lines above the old key move it down; the new key is on staged line 5.
    let new = key(2);
    write(
        r.path(),
        "config.py",
        format!("# header\n# more\nA = 1\nOLD = \"{old}\"\nNEW = \"{new}\"\n"),
    );
    git(r.path(), &["add", "."]);
    let (code, report) = staged(r.path());
    assert_eq!(code, 1);
    assert_eq!(places(&report), vec![("config.py".to_string(), 5)]);
}

#[test]
fn reads_the_index_not_the_working_tree() {
    let r = repo();
    write(r.path(), "a.txt", "clean\n");
    git(r.path(), &["add", "."]);
    git(r.path(), &["commit", "-q", "-m", "base"]);
    // Staged: a key. Working tree afterwards: the key is gone again, but the commit would have it.
    write(r.path(), "a.txt", format!("clean\nk = {}\n", key(3)));
    git(r.path(), &["add", "."]);
    write(r.path(), "a.txt", "clean\n");
    let (code, report) = staged(r.path());
    assert_eq!(code, 1);
    assert_eq!(places(&report), vec![("a.txt".to_string(), 2)]);

    // And the opposite: a key only in the working tree is not part of the commit.
    git(r.path(), &["reset", "-q"]);
    write(r.path(), "b.txt", format!("k = {}\n", key(4)));
    let (code, report) = staged(r.path());
    assert_eq!(code, 0, "{report}");
}

#[test]
fn a_renamed_file_brings_nothing_new() {
    let r = repo();
    write(
        r.path(),
        "old/name.js",
        format!("x\nk = \"{}\"\ny\n", key(5)),
    );
    git(r.path(), &["add", "."]);
    git(r.path(), &["commit", "-q", "-m", "base"]);
    git(r.path(), &["mv", "old/name.js", "new-name.js"]);
    let (code, report) = staged(r.path());
    assert_eq!(code, 0, "{report}");

    // A rename with an edit: only the edited line counts.
    let path = r.path().join("new-name.js");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!("k2 = \"{}\"\n", key(6)));
    std::fs::write(&path, text).unwrap();
    git(r.path(), &["add", "."]);
    let (code, report) = staged(r.path());
    assert_eq!(code, 1);
    assert_eq!(places(&report), vec![("new-name.js".to_string(), 4)]);
}

#[test]
fn deleting_a_file_with_a_key_passes() {
    let r = repo();
    write(r.path(), "leak.env", format!("KEY={}\n", key(7)));
    git(r.path(), &["add", "."]);
    git(r.path(), &["commit", "-q", "-m", "base"]);
    git(r.path(), &["rm", "-q", "leak.env"]);
    assert_eq!(staged(r.path()).0, 0);
}

#[test]
fn runs_from_a_subdirectory_with_paths_from_the_repository_root() {
    let r = repo();
    write(
        r.path(),
        "src/deep/k.ts",
        format!("export const k = '{}';\n", key(8)),
    );
    git(r.path(), &["add", "."]);
    let (code, report) = staged(&r.path().join("src"));
    assert_eq!(code, 1);
    assert_eq!(places(&report), vec![("src/deep/k.ts".to_string(), 1)]);
}

#[test]
fn blocks_with_a_readable_message() {
    let r = repo();
    write(r.path(), ".env", format!("OPENAI_API_KEY={}\n", key(9)));
    git(r.path(), &["add", "."]);
    Bin::cargo_bin("keyhound")
        .unwrap()
        .args(["scan", "--staged"])
        .current_dir(r.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(".env:1:16"))
        .stdout(predicate::str::contains(key(9)).not())
        .stderr(predicate::str::contains("commit blocked"));
}

#[test]
fn outside_a_repository_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    Bin::cargo_bin("keyhound")
        .unwrap()
        .args(["scan", "--staged"])
        .env("GIT_CEILING_DIRECTORIES", dir.path())
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not inside a git repository"));
}
