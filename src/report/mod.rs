//! Reports: the only place findings become text. One file per format; every format prints
//! redacted secrets unless the report was asked to show them.

pub mod github;
pub mod json;
pub mod locate;
pub mod rules;
pub mod sarif;
pub mod text;
pub mod validation;

use std::{io::Write, path::Path};

use crate::{
    cli::Format,
    finding::{Finding, StatsSnapshot},
    rules::Rule,
    triage::Suppressed,
};

/// Everything a report needs, borrowed from the finished scan.
pub struct Report<'a> {
    /// Sorted by path, line, column.
    pub findings: &'a [Finding],
    pub stats: &'a StatsSnapshot,
    /// The rules the scan ran (for SARIF rule metadata and remediation texts).
    pub rules: &'a [Rule],
    pub show_secrets: bool,
    /// The scanned root, absolute, when there is one (SARIF's `%SRCROOT%`).
    pub root: Option<&'a Path>,
    /// The scanned repository and its HEAD, when the scan covered one (SARIF's
    /// `versionControlProvenance`).
    pub version_control: Option<VersionControl>,
    /// Findings set aside by triage; reports list them only when this is not empty
    /// (`--show-suppressed`).
    pub suppressed: &'a [Suppressed],
}

/// Where the scanned code lives in version control.
#[derive(Debug, Clone)]
pub struct VersionControl {
    /// The `origin` remote without credentials, or a `file://` URI of the repository.
    pub repository_uri: String,
    /// The commit at HEAD.
    pub revision_id: String,
    pub branch: Option<String>,
}

impl Report<'_> {
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

pub fn write(
    format: Format,
    report: &Report<'_>,
    out: &mut dyn Write,
    color: bool,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(report, out, color),
        Format::Json => json::write(report, out),
        Format::Jsonl => json::write_lines(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write_annotations(report, out),
        Format::Markdown => github::write_markdown(report, out),
    }
}
