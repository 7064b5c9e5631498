//! Shared helpers of the integration tests: fixtures copied into temporary directories with their
//! key templates expanded, test keys built at run time, and running the binary.
//!
//! Each test file uses only some of these.
#![allow(dead_code)]

use std::{
    ffi::OsStr,
    path::{Path, PathBuf},
    process::Output,
};

use keyhound::rules::template::{self, Expander};
use serde_json::Value;
use tempfile::TempDir;

/// A fixture copied into a temporary directory, templates expanded.
pub struct Fixture {
    pub dir: TempDir,
    expander: Expander,
}

impl Fixture {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Expands `template` with the fixture's expander: a labelled placeholder gives the same text
    /// as in the fixture's files (how a test learns the full key it should find).
    pub fn expand(&mut self, template: &str) -> String {
        self.expander.expand(template)
    }
}

/// The `fixtures/` directory of the repository.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Copies `fixtures/<name>` into a fresh temporary directory, expanding templates in every text
/// file with one expander (seeded from the name), so a label means one key across files.
pub fn fixture(name: &str) -> Fixture {
    let src = fixtures_dir().join(name);
    assert!(src.is_dir(), "no fixture {}", src.display());
    let dir = TempDir::new().unwrap();
    let mut expander = Expander::new(seed_of(name));
    copy_expanding(&src, dir.path(), &mut expander);
    Fixture { dir, expander }
}

/// FNV-1a of the name: a stable seed per fixture.
fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn copy_expanding(src: &Path, dst: &Path, expander: &mut Expander) {
    let mut entries: Vec<_> = std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // Sorted, so the expander hands out the same text to unlabelled placeholders every run.
    entries.sort();
    for path in entries {
        let target = dst.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_expanding(&path, &target, expander);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            let out = match String::from_utf8(bytes) {
                Ok(text) => expander.expand(&text).into_bytes(),
                Err(e) => e.into_bytes(),
            };
            std::fs::write(&target, out).unwrap();
        }
    }
}

/// The shapes of OpenAI keys the rules know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `sk-proj-` 74 + `T3BlbkFJ` + 74.
    Project,
    /// `sk-svcacct-` 74 + marker + 74.
    ServiceAccount,
    /// `sk-admin-` 58 + marker + 58.
    Admin,
    /// `sk-None-` 74 + marker + 74.
    User,
    /// `sk-` 20 + marker + 20, alphanumeric.
    Legacy,
    /// `sk-<name>-` 20 + marker + 20.
    NamedServiceAccount,
    /// `sk-` + 48 alphanumerics, no marker: reported only with OpenAI context nearby.
    Style,
}

/// A key of `kind` in the real format, made at run time (the repository never holds one).
pub fn openai_key(kind: KeyKind, seed: u64) -> String {
    let t = match kind {
        KeyKind::Project => "sk-proj-{b64url:74}T3BlbkFJ{b64url:74}",
        KeyKind::ServiceAccount => "sk-svcacct-{b64url:74}T3BlbkFJ{b64url:74}",
        KeyKind::Admin => "sk-admin-{b64url:58}T3BlbkFJ{b64url:58}",
        KeyKind::User => "sk-None-{b64url:74}T3BlbkFJ{b64url:74}",
        KeyKind::Legacy => "sk-{alnum:20}T3BlbkFJ{alnum:20}",
        KeyKind::NamedServiceAccount => "sk-billing-bot-{alnum:20}T3BlbkFJ{alnum:20}",
        KeyKind::Style => "sk-{alnum:48}",
    };
    template::expand(t, seed)
}

/// The rule id each kind of key is reported under (with context, for `Style`).
pub fn rule_of(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::Project => "openai-project-key",
        KeyKind::ServiceAccount => "openai-service-account-key",
        KeyKind::Admin => "openai-admin-key",
        KeyKind::User => "openai-user-key",
        KeyKind::Legacy => "openai-legacy-key",
        KeyKind::NamedServiceAccount => "openai-named-service-account-key",
        KeyKind::Style => "openai-style-key",
    }
}

/// The binary under test, isolated from the user's environment: no NO_COLOR, and an empty home.
pub fn keyhound() -> assert_cmd::Command {
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-home");
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_keyhound"));
    cmd.env_remove("NO_COLOR")
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"));
    cmd
}

/// A temporary directory with the given files (parents created).
pub fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (path, content) in files {
        write(dir.path(), path, content.as_bytes());
    }
    dir
}

/// Writes `content` to `root/path`, creating parent directories.
pub fn write(root: &Path, path: impl AsRef<Path>, content: impl AsRef<[u8]>) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// The result of `keyhound scan --format json ARGS` run in `dir`.
pub struct Scan {
    pub json: Value,
    pub code: i32,
    pub stderr: String,
}

impl Scan {
    pub fn findings(&self) -> &Vec<Value> {
        self.json["findings"].as_array().expect("findings array")
    }

    pub fn stats(&self) -> &Value {
        &self.json["stats"]
    }

    /// `(rule_id, path, line)` of every finding, in report order.
    pub fn places(&self) -> Vec<(String, String, u64)> {
        self.findings()
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// Sorted paths of the findings, one per finding.
    pub fn paths(&self) -> Vec<String> {
        let mut p: Vec<String> = self
            .findings()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        p.sort();
        p
    }
}

/// Runs `keyhound scan --format json ARGS` in `dir` and parses its report.
pub fn scan_json(dir: &Path, args: &[&str]) -> Scan {
    let out = keyhound()
        .current_dir(dir)
        .arg("scan")
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    parse_scan(out)
}

/// Parses the JSON report on the standard output of a scan.
pub fn parse_scan(out: Output) -> Scan {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("not a JSON report ({e}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}")
    });
    Scan {
        json,
        code: out.status.code().expect("exit code"),
        stderr,
    }
}

/// `git ARGS` in `dir`, whatever its outcome (a commit that a hook blocks), isolated from the
/// user's and the system's git config: a fixed identity (Ada Lovelace, ada@example.com), unsigned
/// commits, `main` as the first branch.
pub fn git_output(dir: &Path, args: &[&str]) -> Output {
    git_output_env(dir, args, &[])
}

/// [`git_output`] with extra environment variables (`GIT_AUTHOR_NAME` overrides the identity).
pub fn git_output_env(dir: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> Output {
    std::process::Command::new("git")
        .args([
            "-c",
            "user.name=Ada Lovelace",
            "-c",
            "user.email=ada@example.com",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .envs(env.iter().copied())
        .output()
        .expect("git runs")
}

/// `git ARGS` in `dir` (as [`git_output`]), which must succeed; its standard output, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    git_env(dir, args, &[])
}

/// [`git`] with extra environment variables.
pub fn git_env(dir: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> String {
    let out = git_output_env(dir, args, env);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A fresh, empty git repository in a temporary directory.
pub fn git_repo() -> TempDir {
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q"]);
    dir
}
