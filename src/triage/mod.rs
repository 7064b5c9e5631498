//! Triage: between detection and the report, the findings a team has already dealt with are set
//! aside (still counted, and listed with `--show-suppressed`): lines marked `keyhound:allow`,
//! secrets allowlisted in `.keyhound.toml`, and findings recorded in a baseline.

pub mod baseline;
pub mod config;

use std::collections::HashMap;

use serde::Serialize;

pub use baseline::Baseline;
pub use config::{Config, CONFIG_FILE};

use crate::finding::{Finding, SuppressedCounts};

/// The marker that, anywhere on a line (in any comment syntax), suppresses findings on it.
pub const INLINE_ALLOW: &str = "keyhound:allow";

/// Why a finding was set aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum Reason {
    /// The line holds `keyhound:allow`.
    InlineAllow,
    /// `.keyhound.toml` allowlists the secret, for this reason.
    Config { reason: String },
    /// The baseline records it.
    Baseline,
}

impl Reason {
    pub fn label(&self) -> String {
        match self {
            Reason::InlineAllow => "inline allow".into(),
            Reason::Config { reason } => format!("config allowlist: {reason}"),
            Reason::Baseline => "baseline".into(),
        }
    }
}

/// A finding that is not reported, and why.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: Reason,
}

/// Counts suppressed findings by why.
pub fn counts(suppressed: &[Suppressed]) -> SuppressedCounts {
    let mut c = SuppressedCounts::default();
    for s in suppressed {
        match s.reason {
            Reason::InlineAllow => c.inline_allow += 1,
            Reason::Config { .. } => c.config += 1,
            Reason::Baseline => c.baseline += 1,
        }
    }
    c
}

/// The triage settings of one scan.
#[derive(Debug, Default)]
pub struct Triage {
    pub config: Config,
    pub inline_allow: bool,
    pub baseline: Option<Baseline>,
}

impl Triage {
    /// Whether a blob at this path is excluded by the config (and so never scanned).
    pub fn excluded(&self, path: &str) -> bool {
        self.config.excluded(path)
    }

    /// Sets aside the findings of one blob that sit on a `keyhound:allow` line. Runs where the
    /// blob's bytes are still at hand.
    pub fn screen_blob(
        &self,
        data: &[u8],
        findings: Vec<Finding>,
        suppressed: &mut Vec<Suppressed>,
    ) -> Vec<Finding> {
        if !self.inline_allow || memchr::memmem::find(data, INLINE_ALLOW.as_bytes()).is_none() {
            return findings;
        }
        let mut kept = Vec::with_capacity(findings.len());
        for f in findings {
            if on_allowed_line(data, &f) {
                suppressed.push(Suppressed {
                    finding: f,
                    reason: Reason::InlineAllow,
                });
            } else {
                kept.push(f);
            }
        }
        kept
    }

    /// Sets aside, from all findings of the scan, the allowlisted and the baselined ones.
    pub fn finish(&self, findings: Vec<Finding>, suppressed: &mut Vec<Suppressed>) -> Vec<Finding> {
        let allowed: HashMap<&str, &str> = self
            .config
            .allow
            .iter()
            .map(|a| (a.secret_sha256.as_str(), a.reason.as_str()))
            .collect();
        let mut rest = Vec::with_capacity(findings.len());
        for f in findings {
            match allowed.get(f.secret_sha256.as_str()) {
                Some(reason) => suppressed.push(Suppressed {
                    finding: f,
                    reason: Reason::Config {
                        reason: reason.to_string(),
                    },
                }),
                None => rest.push(f),
            }
        }
        let Some(baseline) = &self.baseline else {
            return rest;
        };
        let matched = baseline.matches(&rest);
        let mut kept = Vec::with_capacity(rest.len());
        for (f, m) in rest.into_iter().zip(matched) {
            if m {
                suppressed.push(Suppressed {
                    finding: f,
                    reason: Reason::Baseline,
                });
            } else {
                kept.push(f);
            }
        }
        kept
    }
}

/// Whether any line the secret of `f` spans holds the inline-allow marker.
fn on_allowed_line(data: &[u8], f: &Finding) -> bool {
    let start = f.offset.min(data.len());
    let end = (start + f.secret.expose().len()).min(data.len());
    let from = memchr::memrchr(b'\n', &data[..start]).map_or(0, |i| i + 1);
    let to = memchr::memchr(b'\n', &data[end..]).map_or(data.len(), |i| end + i);
    memchr::memmem::find(&data[from..to], INLINE_ALLOW.as_bytes()).is_some()
}
