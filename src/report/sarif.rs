//! SARIF 2.1.0 for GitHub code scanning: one run, the rules that fired, one result per finding
//! with a repository-relative location and a stable partial fingerprint. Never a full secret.

use std::io::Write;

use serde_json::{json, Value};

use super::Report;
use crate::{
    finding::Finding,
    rules::{Confidence, Rule},
};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/keyhound/keyhound";

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    // Only the rules that fired, in first-seen order, so `ruleIndex` is stable for one input.
    let mut used: Vec<&Rule> = Vec::new();
    for f in report.findings {
        if !used.iter().any(|r| r.id == f.rule_id) {
            if let Some(r) = report.rule(&f.rule_id) {
                used.push(r);
            }
        }
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, &used, report.show_secrets))
        .collect();
    let mut run = json!({
        "tool": {"driver": {
            "name": "keyhound",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": INFORMATION_URI,
            "rules": used.iter().map(|r| rule(r)).collect::<Vec<_>>(),
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(root) = report.root {
        let mut uri = file_uri(root);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run["originalUriBaseIds"] = json!({"SRCROOT": {"uri": uri}});
    }
    let doc = json!({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]});
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// GitHub's scale: 9.0+ critical, 7.0+ high, 4.0+ medium.
fn security_severity(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "9.0",
        Confidence::Medium => "7.0",
        Confidence::Low => "4.0",
    }
}

fn level(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "error",
        Confidence::Medium => "warning",
        Confidence::Low => "note",
    }
}

fn rule(r: &Rule) -> Value {
    let help = format!(
        "Rotate the key at {} (whoever saw it can use it), then {}",
        r.rotation_url, r.remediation
    );
    let markdown = format!(
        "**{}** ({} confidence)\n\n{}\n\n1. Rotate the key now: [{}]({}). Deleting it from the code, or rewriting git history, does not revoke it.\n2. {}\n",
        r.name, r.confidence, r.description, r.rotation_url, r.rotation_url, r.remediation
    );
    let mut tags = vec![
        "security".to_string(),
        "secret".to_string(),
        r.provider.clone(),
    ];
    tags.extend(r.tags.iter().cloned());
    json!({
        "id": r.id,
        "name": pascal_case(&r.id),
        "shortDescription": {"text": sentence(&r.name)},
        "fullDescription": {"text": sentence(&r.description)},
        "help": {"text": help, "markdown": markdown},
        "helpUri": r.rotation_url,
        "defaultConfiguration": {"level": level(r.confidence)},
        "properties": {
            "security-severity": security_severity(r.confidence),
            "precision": match r.confidence { Confidence::High => "very-high", Confidence::Medium => "high", Confidence::Low => "medium" },
            "problem.severity": match r.confidence { Confidence::Low => "warning", _ => "error" },
            "tags": tags,
        },
    })
}

fn result(f: &Finding, used: &[&Rule], show_secrets: bool) -> Value {
    let index = used.iter().position(|r| r.id == f.rule_id).unwrap_or(0);
    let secret = if show_secrets {
        f.secret.expose()
    } else {
        &f.secret_redacted
    };
    let snippet = if show_secrets {
        f.snippet_unredacted.expose()
    } else {
        &f.snippet
    };
    let mut properties = json!({
        "provider": f.provider,
        "confidence": f.confidence,
        "secret_sha256": f.secret_sha256,
        "secret_redacted": f.secret_redacted,
    });
    if let Some(note) = &f.note {
        properties["note"] = json!(note);
    }
    let active = f.validation.as_ref().is_some_and(|v| v.status == "active");
    if let Some(v) = &f.validation {
        properties["validation"] = json!(v);
    }
    if active {
        // An active key is an incident, whatever the rule's confidence.
        properties["security-severity"] = json!("10.0");
    }
    let level = if active { "error" } else { level(f.confidence) };
    let status = if active { "ACTIVE " } else { "" };
    json!({
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": level,
        "message": {"text": format!("{status}{} '{}' is committed in this file. Rotate it and keep it server-side.", f.rule_name, secret)},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri_path(&f.path), "uriBaseId": "SRCROOT"},
            "region": {
                "startLine": f.line,
                "startColumn": f.column,
                "endLine": f.end_line,
                "endColumn": f.end_column,
                "snippet": {"text": snippet},
            },
        }}],
        "partialFingerprints": {"keyhound/v1": f.fingerprint},
        "properties": properties,
    })
}

/// `openai-project-key` → `OpenaiProjectKey`.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        })
        .collect()
}

fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.ends_with('.') {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// Percent-encodes what a relative URI reference cannot hold as is.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn file_uri(path: &std::path::Path) -> String {
    let p = path.to_string_lossy().replace('\\', "/");
    let p = if p.starts_with('/') {
        p
    } else {
        format!("/{p}")
    };
    format!("file://{}", uri_path(&p))
}
