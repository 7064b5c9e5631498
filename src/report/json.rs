//! JSON and JSON Lines. The schema is documented in README.md; `version` changes when a field's
//! meaning does.

use std::io::Write;

use serde_json::{json, Value};

use super::Report;
use crate::finding::Finding;

pub const SCHEMA_VERSION: u32 = 1;

/// One finding as JSON; the full secret and unredacted snippet only when asked for.
pub fn finding_value(f: &Finding, show_secrets: bool) -> Value {
    let mut v = serde_json::to_value(f).expect("findings serialize");
    if show_secrets {
        v["secret"] = json!(f.secret.expose());
        v["snippet"] = json!(f.snippet_unredacted.expose());
    }
    v
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut doc = json!({
        "version": SCHEMA_VERSION,
        "tool": {"name": "keyhound", "version": env!("CARGO_PKG_VERSION")},
        "findings": report.findings.iter().map(|f| finding_value(f, report.show_secrets)).collect::<Vec<_>>(),
        "stats": report.stats,
    });
    if !report.suppressed.is_empty() {
        doc["suppressed"] = report
            .suppressed
            .iter()
            .map(|s| {
                let mut v = finding_value(&s.finding, report.show_secrets);
                v["suppressed"] = json!(s.reason);
                v
            })
            .collect();
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub fn write_lines(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    for f in report.findings {
        serde_json::to_writer(&mut *out, &finding_value(f, report.show_secrets))?;
        writeln!(out)?;
    }
    Ok(())
}
