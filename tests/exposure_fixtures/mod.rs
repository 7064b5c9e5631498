//! Builds the trees of `fixtures/exposure/` in a temporary directory: `.tmpl` suffixes dropped,
//! markers replaced with keys made at run time (the repository holds no key), and runs the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

/// Keys of one test run, in the real OpenAI project-key format.
pub struct Keys {
    pub key: String,
    pub key2: String,
}

impl Keys {
    pub fn new(seed: u64) -> Keys {
        let t = "sk-proj-{b64url:74}T3BlbkFJ{b64url:74}";
        Keys {
            key: keyhound::rules::template::expand(t, seed),
            key2: keyhound::rules::template::expand(t, seed + 1000),
        }
    }

    pub fn fill(&self, text: &str) -> String {
        let (head, tail) = self.key.split_at(40);
        text.replace(
            "@KEY_B64@",
            &base64::engine::general_purpose::STANDARD.encode(&self.key),
        )
        .replace("@KEY_ESC@", &self.key.replace('-', "\\u002d"))
        .replace("@KEY_HEAD@", head)
        .replace("@KEY_TAIL@", tail)
        .replace("@KEY2@", &self.key2)
        .replace("@KEY@", &self.key)
        .replace("@PUBLIC@", &["NEXT", "PUBLIC", ""].join("_"))
        .replace("@VITE@", "VITE_")
    }
}

pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/exposure")
        .join(name)
}

/// Copies `fixtures/exposure/<name>` into `dest`, filling in markers.
pub fn build(name: &str, keys: &Keys, dest: &Path) {
    copy(&fixture_dir(name), dest, keys);
}

fn copy(from: &Path, to: &Path, keys: &Keys) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &to.join(&name), keys);
        } else if let Some(real) = name.strip_suffix(".tmpl") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            std::fs::write(to.join(real), keys.fill(&text)).unwrap();
        }
    }
}

/// Runs `keyhound scan --format json ARGS` in `dir`; returns (exit code, findings, stderr).
pub fn scan_json(dir: &Path, args: &[&str]) -> (i32, Vec<Value>, String) {
    let s = crate::common::scan_json(dir, args);
    let findings = s.findings().clone();
    (s.code, findings, s.stderr)
}

/// The findings whose path is `path`.
pub fn at<'a>(findings: &'a [Value], path: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["path"] == path).collect()
}

/// 1-based (line, column) of the first occurrence of `needle` in a file.
pub fn position_of(file: &Path, needle: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(file).unwrap();
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {}", file.display()));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u64, col as u64)
}
