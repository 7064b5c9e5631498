//! Conformance: other scanners' public test strings (`../shared/conformance/ai-key-examples.jsonl`,
//! see its README) give the verdict recorded for them, with keyhound's default settings.
//!
//! The strings are read at test time and never copied into this repository. A missing file fails
//! the test: a conformance suite that silently passes when its data is gone proves nothing.

mod common;

use std::path::PathBuf;

use keyhound::{
    detect::{Blob, DetectOptions, Detector},
    finding::Origin,
    rules::{Confidence, RuleSet},
};
use serde_json::Value;

/// Providers whose entries must all pass: every provider the examples file has.
const COVERED_PROVIDERS: &[&str] = &[
    "anthropic",
    "azure-openai",
    "cohere",
    "deepseek",
    "google",
    "groq",
    "huggingface",
    "mistral",
    "openai",
    "openrouter",
    "perplexity",
    "replicate",
    "xai",
];

/// Environment variable that overrides where the examples file is.
const PATH_VAR: &str = "KEYHOUND_CONFORMANCE";

struct Example {
    id: u64,
    provider: String,
    expect_match: bool,
    input: String,
    note: String,
}

fn examples_path() -> PathBuf {
    match std::env::var_os(PATH_VAR) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/conformance/ai-key-examples.jsonl"),
    }
}

/// Every entry of a covered provider in the examples file, in file order.
fn covered_examples() -> Vec<Example> {
    load(&examples_path())
}

fn load(path: &std::path::Path) -> Vec<Example> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "conformance examples not readable at {} ({e}). They live in ../shared/conformance/ \
             next to the repository; set {PATH_VAR} to the file's path to use another copy.",
            path.display()
        )
    });
    let path = path.display();
    let mut out = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: not JSON: {e}", path, n + 1));
        let field = |name: &str| {
            v[name]
                .as_str()
                .unwrap_or_else(|| panic!("{}:{}: no string `{name}`", path, n + 1))
                .to_string()
        };
        let provider = field("provider");
        if !COVERED_PROVIDERS.contains(&provider.as_str()) {
            continue;
        }
        let expect_match = match field("expect").as_str() {
            "match" => true,
            "none" => false,
            other => panic!("{}:{}: unknown expect `{other}`", path, n + 1),
        };
        out.push(Example {
            id: v["id"].as_u64().expect("numeric id"),
            provider,
            expect_match,
            input: field("input"),
            note: v["note"].as_str().unwrap_or("").to_string(),
        });
    }
    for p in COVERED_PROVIDERS {
        assert!(
            out.iter().any(|e| e.provider == *p),
            "{path}: no entries for covered provider `{p}`"
        );
    }
    out
}

fn verdict(found: bool) -> &'static str {
    if found {
        "match"
    } else {
        "none"
    }
}

#[test]
fn every_covered_example_gives_its_expected_verdict_at_default_settings() {
    let rules = RuleSet::builtin().unwrap();
    let detector = Detector::new(
        &rules,
        DetectOptions {
            min_confidence: Confidence::Medium,
        },
    )
    .unwrap();
    let examples = covered_examples();
    let mut mismatches = Vec::new();
    for e in &examples {
        let found = detector.scan_blob(&Blob {
            path: "<conformance>",
            origin: &Origin::Stdin,
            data: e.input.as_bytes(),
        });
        if found.is_empty() == e.expect_match {
            // Redacted forms only: the inputs are key-shaped.
            let got: Vec<String> = found
                .iter()
                .map(|f| format!("{} {} ({})", f.rule_id, f.secret_redacted, f.confidence))
                .collect();
            mismatches.push(format!(
                "id {} ({}): expected {}, got {} [{}]{}",
                e.id,
                e.provider,
                verdict(e.expect_match),
                verdict(!found.is_empty()),
                got.join(", "),
                if e.note.is_empty() {
                    String::new()
                } else {
                    format!(" — note: {}", e.note)
                }
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} conformance examples ({}) give the wrong verdict:\n{}",
        mismatches.len(),
        examples.len(),
        COVERED_PROVIDERS.join(", "),
        mismatches.join("\n")
    );
}

#[test]
fn the_binary_agrees_on_a_sample_of_examples_read_from_stdin() {
    let examples = covered_examples();
    // A few of each verdict, spread over the file.
    let sample: Vec<&Example> = [true, false]
        .into_iter()
        .flat_map(|m| {
            let of: Vec<&Example> = examples.iter().filter(|e| e.expect_match == m).collect();
            let step = (of.len() / 4).max(1);
            of.into_iter().step_by(step).take(4).collect::<Vec<_>>()
        })
        .collect();
    assert!(sample.iter().any(|e| e.expect_match) && sample.iter().any(|e| !e.expect_match));
    let mut mismatches = Vec::new();
    for e in sample {
        let out = common::keyhound()
            .args(["scan", "--format", "json", "-"])
            .write_stdin(e.input.clone())
            .output()
            .unwrap();
        let code = out.status.code();
        let want = if e.expect_match { 1 } else { 0 };
        if code != Some(want) {
            mismatches.push(format!(
                "id {} ({}): expected {} (exit {want}), exit {code:?}; note: {}",
                e.id,
                e.provider,
                verdict(e.expect_match),
                e.note
            ));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let leaked = e
            .input
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .filter(|t| t.len() >= 40)
            .any(|t| stdout.contains(t));
        assert!(!leaked, "id {}: the report prints a full key", e.id);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn every_provider_in_the_examples_file_is_covered() {
    let path = examples_path();
    let text = std::fs::read_to_string(&path).expect("examples file readable");
    let mut missing: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["provider"].as_str().map(str::to_string))
        .filter(|p| !COVERED_PROVIDERS.contains(&p.as_str()))
        .collect();
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "{}: providers without conformance coverage: {}",
        path.display(),
        missing.join(", ")
    );
}

#[test]
fn a_missing_examples_file_fails_loudly_naming_the_path_and_variable() {
    let missing = tempfile::TempDir::new()
        .unwrap()
        .path()
        .join("ai-key-examples.jsonl");
    let err =
        std::panic::catch_unwind(|| load(&missing).len()).expect_err("a missing file must fail");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains(&missing.display().to_string()), "{msg}");
    assert!(msg.contains(PATH_VAR), "{msg}");
}
