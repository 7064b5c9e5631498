//! Baselines: the findings a team has accepted for now, recorded by fingerprint and secret hash
//! (never the secret), so that a scan reports only what is new. A finding matches its own
//! fingerprint first; failing that (the file was renamed, the secret moved), an unused entry
//! for the same rule and secret, one for one, so a copy of a baselined key into a new place is
//! still reported.

use std::{collections::HashMap, path::Path};

use serde::{Deserialize, Serialize};

use crate::finding::Finding;

pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    tool: String,
    #[serde(default)]
    note: String,
    findings: Vec<Entry>,
}

/// What every version of the baseline format has, whatever else it holds.
#[derive(Debug, Deserialize)]
struct BaselineHeader {
    version: u32,
    tool: String,
}

/// One accepted finding. `path` and `rule_id` are there for people reading the file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub secret_sha256: String,
    pub rule_id: String,
    pub path: String,
}

impl Entry {
    fn of(f: &Finding) -> Entry {
        Entry {
            fingerprint: f.fingerprint.clone(),
            secret_sha256: f.secret_sha256.clone(),
            rule_id: f.rule_id.clone(),
            path: f.path.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{file}: {error}")]
    Io {
        file: String,
        /// Not a `source`: the message already says it, and a chain would say it twice.
        error: std::io::Error,
    },
    #[error("{file}: not a keyhound baseline: {message}")]
    Invalid { file: String, message: String },
}

#[derive(Debug, Default, Clone)]
pub struct Baseline {
    pub entries: Vec<Entry>,
}

impl Baseline {
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Baseline {
        let mut entries: Vec<Entry> = findings.into_iter().map(Entry::of).collect();
        entries.sort_by(|a, b| (&a.path, &a.fingerprint).cmp(&(&b.path, &b.fingerprint)));
        entries.dedup();
        Baseline { entries }
    }

    pub fn load(file: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(file).map_err(|error| BaselineError::Io {
            file: file.display().to_string(),
            error,
        })?;
        Baseline::parse(&file.display().to_string(), &text)
    }

    /// Reads baseline text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Baseline, BaselineError> {
        let invalid = |message: String| BaselineError::Invalid {
            file: file.to_string(),
            message,
        };
        // The version first, read leniently: a baseline from a newer keyhound may have fields this
        // one does not know, and "written by a newer version" is what its user needs to hear.
        let header: BaselineHeader =
            serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if header.version != BASELINE_VERSION || header.tool != "keyhound" {
            return Err(invalid(format!(
                "version {} of tool `{}` (expected version {BASELINE_VERSION} of keyhound{})",
                header.version,
                header.tool,
                if header.version > BASELINE_VERSION && header.tool == "keyhound" {
                    "; a newer keyhound wrote it"
                } else {
                    ""
                }
            )));
        }
        let parsed: BaselineFile =
            serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        Ok(Baseline {
            entries: parsed.findings,
        })
    }

    pub fn save(&self, file: &Path) -> Result<(), BaselineError> {
        std::fs::write(file, self.to_json()).map_err(|error| BaselineError::Io {
            file: file.display().to_string(),
            error,
        })
    }

    /// The text `save` writes.
    pub fn to_json(&self) -> String {
        let doc = BaselineFile {
            version: BASELINE_VERSION,
            tool: "keyhound".into(),
            note: "Findings accepted for now: a scan with --baseline reports only others. \
                   Secrets are identified by SHA-256, never stored."
                .into(),
            findings: self.entries.clone(),
        };
        let mut text = serde_json::to_string_pretty(&doc).expect("baselines serialize");
        text.push('\n');
        text
    }

    /// For each finding, whether the baseline accounts for it (see the module comment).
    pub fn matches(&self, findings: &[Finding]) -> Vec<bool> {
        let mut by_fingerprint: HashMap<&str, usize> = HashMap::new();
        let mut by_secret: HashMap<(&str, &str), usize> = HashMap::new();
        for e in &self.entries {
            *by_fingerprint.entry(&e.fingerprint).or_default() += 1;
            *by_secret.entry((&e.rule_id, &e.secret_sha256)).or_default() += 1;
        }
        let mut matched = vec![false; findings.len()];
        // Exact places first, so that a moved entry never takes the slot of one that stayed.
        for (i, f) in findings.iter().enumerate() {
            if take(&mut by_fingerprint, f.fingerprint.as_str()) {
                take(
                    &mut by_secret,
                    (f.rule_id.as_str(), f.secret_sha256.as_str()),
                );
                matched[i] = true;
            }
        }
        for (i, f) in findings.iter().enumerate() {
            if !matched[i]
                && take(
                    &mut by_secret,
                    (f.rule_id.as_str(), f.secret_sha256.as_str()),
                )
            {
                matched[i] = true;
            }
        }
        matched
    }
}

/// Uses up one of the entries counted under `key`, if any is left.
fn take<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: K) -> bool {
    match map.get_mut(&key) {
        Some(n) if *n > 0 => {
            *n -= 1;
            true
        }
        _ => false,
    }
}
