//! The report of `keyhound validate`: one line (or JSON object) per distinct key, active keys
//! first. Keys appear redacted only.

use std::io::Write;

use serde::Serialize;
use serde_json::json;

use crate::finding::Validation;

/// One checked key.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub rule_id: String,
    pub provider: String,
    pub secret_redacted: String,
    pub secret_sha256: String,
    pub validation: Validation,
}

/// Most urgent first: active, unknown, inactive, not checked.
pub fn urgency(status: &str) -> u8 {
    match status {
        "active" => 0,
        "unknown" => 1,
        "inactive" => 2,
        _ => 3,
    }
}

fn sort(items: &mut [Checked]) {
    items.sort_by_key(|c| urgency(&c.validation.status));
}

pub fn write_text(items: &mut [Checked], out: &mut dyn Write) -> std::io::Result<()> {
    sort(items);
    for c in items.iter() {
        let v = &c.validation;
        write!(
            out,
            "{:<11} {}  {}  {}",
            v.status, c.secret_redacted, c.rule_id, v.detail
        )?;
        if let Some(id) = &v.identity {
            write!(out, " ({id})")?;
        }
        writeln!(out)?;
    }
    let count = |s: &str| items.iter().filter(|c| c.validation.status == s).count();
    writeln!(
        out,
        "{} checked: {} active, {} inactive, {} unknown, {} not checked.",
        if items.len() == 1 {
            "1 key".to_string()
        } else {
            format!("{} keys", items.len())
        },
        count("active"),
        count("inactive"),
        count("unknown"),
        count("not_checked"),
    )
}

pub fn write_json(items: &mut [Checked], out: &mut dyn Write) -> std::io::Result<()> {
    sort(items);
    let doc = json!({
        "version": super::json::SCHEMA_VERSION,
        "tool": {"name": "keyhound", "version": env!("CARGO_PKG_VERSION")},
        "keys": items,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
