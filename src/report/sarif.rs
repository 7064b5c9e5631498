//! SARIF 2.1.0 for GitHub code scanning: one run, the rules that fired, one result per finding
//! with a repository-relative location and a stable partial fingerprint. Never a full secret
//! unless the report shows secrets. Not a general SARIF writer: only what keyhound reports.

use std::{io::Write, path::Path};

use serde_json::{json, Value};

use super::{locate::Locator, Report};
use crate::{
    finding::Finding,
    rules::{Confidence, Rule},
};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/keyhound/keyhound";
/// The key of keyhound's own entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "keyhound/v1";
/// GitHub rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;
/// GitHub rejects a rule with more than 20 tags and shows only 10.
const MAX_TAGS: usize = 10;

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let doc = document(report, std::env::current_dir().ok().as_deref());
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// The SARIF log. Locations are made relative to `base` (the working directory, where a CI job
/// runs from the repository root) when the scanned files lie under it, so GitHub can place them.
fn document(report: &Report<'_>, base: Option<&Path>) -> Value {
    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    let mut notifications = Vec::new();
    if findings.len() > MAX_RESULTS {
        // Keep the most urgent; the sort is stable, so path order survives within a confidence.
        findings.sort_by_key(|f| std::cmp::Reverse(f.confidence));
        notifications.push(json!({
            "level": "warning",
            "message": {"text": format!(
                "{} findings were left out: GitHub code scanning accepts at most {MAX_RESULTS} results per run. Use --format json to see all of them.",
                findings.len() - MAX_RESULTS
            )},
        }));
        findings.truncate(MAX_RESULTS);
    }
    if report.stats.errors > 0 {
        notifications.push(json!({
            "level": "warning",
            "message": {"text": format!(
                "{} inputs could not be read, so the scan is incomplete (keyhound printed a warning for each).",
                report.stats.errors
            )},
        }));
    }

    // Every rule the scan ran, not only those that fired: an empty run still says what was
    // looked for, and `ruleIndex` stays the same from one scan to the next.
    let used: Vec<&Rule> = report.rules.iter().collect();
    let locator = Locator::new(report.root, base);
    let results: Vec<Value> = findings
        .iter()
        .map(|f| result(f, &used, &locator, report))
        .collect();

    let mut invocation = json!({"executionSuccessful": true});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = json!(notifications);
    }
    let mut run = json!({
        "tool": {"driver": {
            "name": "keyhound",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": INFORMATION_URI,
            "rules": used.iter().map(|r| rule(r, client_rule(report.findings, &r.id))).collect::<Vec<_>>(),
        }},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    let base_uri = base_uri(&locator);
    if let Some(base) = &base_uri {
        run["originalUriBaseIds"] = json!({"SRCROOT": {"uri": base}});
    }
    if let Some(vc) = &report.version_control {
        let mut details = json!({
            "repositoryUri": vc.repository_uri,
            "revisionId": vc.revision_id,
        });
        if let Some(branch) = &vc.branch {
            details["branch"] = json!(branch);
        }
        if base_uri.is_some() {
            details["mappedTo"] = json!({"uriBaseId": "SRCROOT"});
        }
        run["versionControlProvenance"] = json!([details]);
    }
    json!({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]})
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

fn is_client(f: &Finding) -> bool {
    f.exposure.as_ref().is_some_and(|e| e.class == "client")
}

/// Whether a rule fired on client-side code in this run: GitHub reads severity per rule, so such
/// a rule takes the highest severity.
fn client_rule(findings: &[Finding], id: &str) -> bool {
    findings.iter().any(|f| f.rule_id == id && is_client(f))
}

/// Highest on GitHub's scale: for keys that ship to every browser or app user, and live keys.
const CLIENT_SEVERITY: &str = "10.0";

fn rule(r: &Rule, client: bool) -> Value {
    let help = format!(
        "Rotate the key at {} (anyone who saw it can use it; deleting it from the code does not revoke it), then: {}",
        r.rotation_url, r.remediation
    );
    let markdown = format!(
        "**{}** ({} confidence)\n\n{}\n\n1. Rotate the key now at [{}]({}). Deleting it from the code, or rewriting git history, does not revoke it.\n2. {}\n",
        r.name, r.confidence, r.description, r.rotation_url, r.rotation_url, r.remediation
    );
    let mut tags = vec![
        "security".to_string(),
        "secret".to_string(),
        r.provider.clone(),
    ];
    for t in &r.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    tags.truncate(MAX_TAGS);
    json!({
        "id": r.id,
        "name": pascal_case(&r.id),
        "shortDescription": {"text": sentence(&r.name)},
        "fullDescription": {"text": sentence(&r.description)},
        "help": {"text": help, "markdown": markdown},
        "helpUri": r.rotation_url,
        "defaultConfiguration": {"level": if client { "error" } else { level(r.confidence) }},
        "properties": {
            "security-severity": if client { CLIENT_SEVERITY } else { security_severity(r.confidence) },
            "precision": match r.confidence { Confidence::High => "very-high", Confidence::Medium => "high", Confidence::Low => "medium" },
            "problem.severity": match r.confidence { Confidence::Low => "warning", _ => "error" },
            "tags": tags,
        },
    })
}

fn result(f: &Finding, used: &[&Rule], locator: &Locator, report: &Report<'_>) -> Value {
    let index = used.iter().position(|r| r.id == f.rule_id).unwrap_or(0);
    let (secret, snippet) = if report.show_secrets {
        (f.secret.expose(), f.snippet_unredacted.expose())
    } else {
        (f.secret_redacted.as_str(), f.snippet.as_str())
    };
    let rotate = report
        .rule(&f.rule_id)
        .map(|r| format!(" Rotate it at {} and keep it server-side.", r.rotation_url))
        .unwrap_or_else(|| " Rotate it and keep it server-side.".to_string());
    let mut properties = json!({
        "provider": f.provider,
        "confidence": f.confidence,
        "secret_redacted": f.secret_redacted,
        "secret_sha256": f.secret_sha256,
        "source": f.source,
    });
    if let Some(note) = &f.note {
        properties["note"] = json!(note);
    }
    if let Some(v) = &f.exposure {
        properties["exposure"] = json!(v);
    }
    if let Some(v) = &f.decoded {
        properties["decoded"] = json!(v);
    }
    if let Some(v) = &f.validation {
        properties["validation"] = json!(v);
    }
    let active = f.validation.as_ref().is_some_and(|v| v.status == "active");
    let client = is_client(f);
    if active || client {
        // An active key is an incident, and a key in client code is readable by every user,
        // whatever the rule's confidence.
        properties["security-severity"] = json!(CLIENT_SEVERITY);
    }
    let level = if active || client {
        "error"
    } else {
        level(f.confidence)
    };
    let status = if active { "ACTIVE " } else { "" };
    let reason = f.exposure.as_ref().map_or("", |e| e.reason.as_str());
    let message = match f.kind {
        crate::finding::FindingKind::Exposure => format!(
            "{}: {} exposes the key to every client ({reason}). Move the call behind a server endpoint.",
            f.rule_name, secret
        ),
        _ if client => format!(
            "{status}{} {} ships to browsers or apps ({reason}). Rotate it and move the call behind a server endpoint.",
            f.rule_name, secret
        ),
        _ => format!("{status}{} {} is in this file.{rotate}", f.rule_name, secret),
    };
    json!({
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": level,
        "message": {"text": message},
        "locations": [{"physicalLocation": {
            "artifactLocation": artifact(locator, &f.path),
            // The region's snippet is the secret itself; the context is its line.
            "region": {
                "startLine": f.line,
                "startColumn": f.column,
                "endLine": f.end_line,
                "endColumn": f.end_column,
                "snippet": {"text": secret},
            },
            "contextRegion": {
                "startLine": f.line,
                "endLine": f.end_line,
                "snippet": {"text": snippet},
            },
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": properties,
    })
}

/// The SARIF artifact location of a finding's file: relative to `SRCROOT` (the locator's base)
/// when the file lies under it, else an absolute `file://` URI.
fn artifact(locator: &Locator, path: &str) -> Value {
    match (locator.relative(path), locator.absolute(path)) {
        (Some(rel), _) => json!({"uri": uri_path(&rel), "uriBaseId": "SRCROOT"}),
        (None, Some(abs)) => json!({"uri": file_uri(&abs)}),
        (None, None) => {
            json!({"uri": uri_path(path.trim_start_matches("./")), "uriBaseId": "SRCROOT"})
        }
    }
}

/// `SRCROOT` as a `file://` URI ending in `/`.
fn base_uri(locator: &Locator) -> Option<String> {
    locator.base.as_deref().map(|b| {
        let mut uri = file_uri(b);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        uri
    })
}

/// `openai-project-key` → `OpenaiProjectKey`.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
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

/// Percent-encodes what a relative URI reference cannot hold as is (RFC 3986 path characters
/// stay; spaces, `%`, `#`, `?`, non-ASCII bytes are encoded).
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

fn file_uri(path: &Path) -> String {
    let p = path.to_string_lossy().replace('\\', "/");
    let p = if p.starts_with('/') {
        p
    } else {
        format!("/{p}")
    };
    format!("file://{}", uri_path(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_uri_references() {
        assert_eq!(uri_path("src/my dir/a.js"), "src/my%20dir/a.js");
        assert_eq!(uri_path("über#1.js"), "%C3%BCber%231.js");
        assert_eq!(pascal_case("openai-project-key"), "OpenaiProjectKey");
    }

    #[test]
    fn locations_are_relative_to_the_working_directory() {
        let base = std::fs::canonicalize(std::env::temp_dir()).unwrap();
        let root = base.join("kh-sarif-root");
        let l = Locator::new(Some(&root), Some(&base));
        assert_eq!(
            artifact(&l, "web/app.js"),
            json!({"uri": "kh-sarif-root/web/app.js", "uriBaseId": "SRCROOT"})
        );
        let outside = Locator::new(Some(&base), Some(&root));
        assert_eq!(
            artifact(&outside, "/elsewhere/a b.js"),
            json!({"uri": "file:///elsewhere/a%20b.js"})
        );
    }
}
