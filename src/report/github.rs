//! GitHub Actions: workflow-command annotations (`--format github`, one `::error file=…,line=…::`
//! per finding, shown on the pull request's diff) and a Markdown table for the job summary
//! (`--format markdown`). Secrets are redacted as in every report.

use std::io::Write;

use super::{locate::Locator, Report};
use crate::{
    finding::{Finding, Origin},
    rules::Confidence,
};

pub fn write_annotations(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    // GitHub places annotations by repository path: the job's working directory is the checkout.
    let locator = Locator::from_working_dir(report.root);
    for f in report.findings {
        let level = match f.confidence {
            Confidence::High | Confidence::Medium => "error",
            Confidence::Low => "warning",
        };
        annotation(report, &locator, f, level, "", out)?;
    }
    for s in report.suppressed {
        let note = format!(" [suppressed by {}]", s.reason.label());
        annotation(report, &locator, &s.finding, "notice", &note, out)?;
    }
    let st = report.stats;
    writeln!(
        out,
        "keyhound: {} {} in {} {}{}",
        st.findings,
        if st.findings == 1 {
            "finding"
        } else {
            "findings"
        },
        st.files_scanned + st.blobs_scanned,
        if st.files_scanned + st.blobs_scanned == 1 {
            "input"
        } else {
            "inputs"
        },
        suppressed_clause(report)
    )
}

fn annotation(
    report: &Report<'_>,
    locator: &Locator,
    f: &Finding,
    level: &str,
    note: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let secret = if report.show_secrets {
        f.secret.expose()
    } else {
        &f.secret_redacted
    };
    let mut message = format!(
        "{} {} ({} confidence){}{note}.",
        f.rule_name,
        secret,
        f.confidence,
        where_in_git(&f.source)
    );
    if let Some(rule) = report.rule(&f.rule_id) {
        message.push_str(&format!(
            " Rotate it at {}, then {}",
            rule.rotation_url,
            lowercase_first(&rule.remediation)
        ));
    }
    // A one-line position: GitHub rejects endColumn on annotations that span lines.
    let columns = if f.end_line == f.line {
        format!(",col={},endColumn={}", f.column, f.end_column)
    } else {
        format!(",endLine={}", f.end_line)
    };
    writeln!(
        out,
        "::{level} file={},line={}{columns},title={}::{}",
        escape_property(&locator.relative(&f.path).unwrap_or_else(|| f.path.clone())),
        f.line,
        escape_property(&format!("keyhound: {}", f.rule_id)),
        escape_data(&message)
    )
}

/// Where in history a finding is, when it is not in a plain file.
fn where_in_git(origin: &Origin) -> String {
    match origin {
        Origin::GitBlob {
            provenance: Some(p),
            ..
        }
        | Origin::CommitMessage { provenance: p } => {
            format!(" in commit {}", &p.commit[..p.commit.len().min(12)])
        }
        Origin::Staged { .. } => " (staged)".into(),
        _ => String::new(),
    }
}

/// Workflow-command data: `%`, CR and LF are escaped (GitHub's toolkit does the same).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command properties: also `:` and `,`, which end a property.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write_markdown(report: &Report<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let st = report.stats;
    if report.findings.is_empty() {
        writeln!(out, "### keyhound: no secrets found")?;
    } else {
        writeln!(
            out,
            "### keyhound: {} {} found in {} {}",
            st.secrets,
            if st.secrets == 1 { "secret" } else { "secrets" },
            st.findings,
            if st.findings == 1 { "place" } else { "places" },
        )?;
        writeln!(out)?;
        table(report, report.findings.iter().map(|f| (f, None)), out)?;
        writeln!(out)?;
        writeln!(
            out,
            "Rotate every key listed (anyone who saw it can use it), then remove it from the code; \
             a key that is in git history stays readable there."
        )?;
    }
    if !report.suppressed.is_empty() {
        writeln!(out)?;
        writeln!(out, "#### Suppressed")?;
        writeln!(out)?;
        table(
            report,
            report
                .suppressed
                .iter()
                .map(|s| (&s.finding, Some(s.reason.label()))),
            out,
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Scanned {} files and {} git objects{}.",
        st.files_scanned,
        st.blobs_scanned,
        suppressed_clause(report)
    )
}

fn table<'a>(
    report: &Report<'_>,
    rows: impl Iterator<Item = (&'a Finding, Option<String>)>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(out, "| Confidence | Secret | Rule | Location | Note |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for (f, reason) in rows {
        let secret = if report.show_secrets {
            f.secret.expose()
        } else {
            &f.secret_redacted
        };
        let note = reason
            .map(|r| format!("suppressed: {r}"))
            .or_else(|| f.note.clone())
            .unwrap_or_default();
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            f.confidence,
            code(secret),
            cell(&f.rule_name),
            code(&format!("{}:{}{}", f.path, f.line, where_in_git(&f.source))),
            cell(&note)
        )?;
    }
    Ok(())
}

/// Text for a table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// An inline code span that cannot be broken out of.
fn code(s: &str) -> String {
    format!("`{}`", cell(&s.replace('`', "'")))
}

fn suppressed_clause(report: &Report<'_>) -> String {
    let s = report.stats.suppressed.describe();
    if s.is_empty() {
        s
    } else {
        format!("; {s}")
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(code("a|`b"), "`a\\|'b`");
    }
}
