//! `keyhound rules list`: the rules grouped by provider, as a table or as JSON.

use std::io::Write;

use serde_json::json;

use crate::rules::RuleSet;

pub fn write_text(set: &RuleSet, out: &mut dyn Write) -> std::io::Result<()> {
    let mut providers: Vec<(&str, &str)> = set
        .rules
        .iter()
        .map(|r| (r.provider.as_str(), r.provider_name.as_str()))
        .collect();
    providers.sort_unstable();
    providers.dedup();
    let width = set.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for (id, name) in &providers {
        writeln!(out, "{name} ({id})")?;
        for r in set.rules.iter().filter(|r| r.provider == *id) {
            let validates = if r.validation.is_some() {
                "  validates"
            } else {
                ""
            };
            writeln!(
                out,
                "  {:width$}  {:6}  {}{validates}",
                r.id,
                r.confidence.to_string(),
                r.name
            )?;
        }
    }
    writeln!(
        out,
        "{} rules, {} providers",
        set.rules.len(),
        providers.len()
    )
}

pub fn write_json(set: &RuleSet, out: &mut dyn Write) -> std::io::Result<()> {
    let rules: Vec<_> = set
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "provider": r.provider,
                "provider_name": r.provider_name,
                "name": r.name,
                "confidence": r.confidence,
                "keywords": r.keywords,
                "validates": r.validation.is_some(),
                "rotation_url": r.rotation_url,
                "source_file": r.source_file,
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rules)?;
    writeln!(out)
}
