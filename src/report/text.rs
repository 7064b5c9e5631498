//! The human report: findings grouped by secret, most urgent first, each group ending with what
//! to do about that key; then one summary line.

use std::io::Write;

use termcolor::{Ansi, Color, ColorSpec, NoColor, WriteColor};

use super::Report;
use crate::{
    finding::{Finding, FindingKind, Origin, Validation},
    rules::Confidence,
};

pub fn write(report: &Report<'_>, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
    if color {
        write_to(report, &mut Ansi::new(out))
    } else {
        write_to(report, &mut NoColor::new(out))
    }
}

/// Findings of one secret, in path order.
struct Group<'a> {
    places: Vec<&'a Finding>,
}

impl Group<'_> {
    fn first(&self) -> &Finding {
        self.places[0]
    }
    fn confidence(&self) -> Confidence {
        self.places.iter().map(|f| f.confidence).max().unwrap()
    }
    /// What a live check said, if one ran (the same secret gets the same answer everywhere).
    fn validation(&self) -> Option<&Validation> {
        self.places.iter().find_map(|f| f.validation.as_ref())
    }
    fn is_live(&self) -> bool {
        self.validation().is_some_and(|v| v.status == "active")
    }
    /// Active keys lead, then unchecked or unknown ones, then inactive ones.
    fn urgency(&self) -> u8 {
        self.validation()
            .map_or(1, |v| super::validation::urgency(&v.status).min(2))
    }
    /// Whether any place ships the secret to browsers or apps.
    fn client(&self) -> bool {
        self.places.iter().any(|f| is_client(f))
    }
}

fn is_client(f: &Finding) -> bool {
    f.exposure.as_ref().is_some_and(|e| e.class == "client")
}

fn groups<'a>(findings: &'a [Finding]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for f in findings {
        // An exposure holds no secret of its own: each one stands alone.
        let key = match f.kind {
            FindingKind::Secret => f.secret_sha256.as_str(),
            FindingKind::Exposure => f.fingerprint.as_str(),
        };
        let i = *index.entry(key).or_insert_with(|| {
            groups.push(Group { places: Vec::new() });
            groups.len() - 1
        });
        groups[i].places.push(f);
    }
    // Most urgent first: what a live check said, then keys shipped to clients, then confidence;
    // ties keep path order.
    groups.sort_by_key(|g| {
        (
            g.urgency(),
            std::cmp::Reverse(g.client()),
            std::cmp::Reverse(g.confidence()),
        )
    });
    groups
}

fn write_to(report: &Report<'_>, w: &mut dyn WriteColor) -> std::io::Result<()> {
    let groups = groups(report.findings);
    for g in &groups {
        let f = g.first();
        let secret = if report.show_secrets {
            f.secret.expose()
        } else {
            &f.secret_redacted
        };
        w.set_color(
            ColorSpec::new()
                .set_fg(Some(severity_color(g.confidence())))
                .set_bold(true),
        )?;
        write!(w, "{}", f.rule_name)?;
        w.reset()?;
        write!(w, "  ")?;
        w.set_color(ColorSpec::new().set_bold(true))?;
        write!(w, "{secret}")?;
        w.reset()?;
        writeln!(w, "  ({} confidence, {})", g.confidence(), f.rule_id)?;
        if let Some(v) = g.validation() {
            let (label, color) = match v.status.as_str() {
                "active" => ("ACTIVE", Color::Red),
                "inactive" => ("inactive", Color::Green),
                "unknown" => ("unknown", Color::Yellow),
                _ => ("not checked", Color::White),
            };
            write!(w, "  Live check: ")?;
            w.set_color(ColorSpec::new().set_fg(Some(color)).set_bold(true))?;
            write!(w, "{label}")?;
            w.reset()?;
            write!(w, ", {}", v.detail)?;
            if let Some(id) = &v.identity {
                write!(w, " ({id})")?;
            }
            writeln!(w)?;
        }
        for p in &g.places {
            w.set_color(ColorSpec::new().set_fg(Some(Color::Cyan)))?;
            write!(w, "  {}:{}:{}", p.path, p.line, p.column)?;
            w.reset()?;
            let details = place_details(p);
            if !details.is_empty() {
                write!(w, "  ({})", details.join("; "))?;
            }
            writeln!(w)?;
            let snippet = if report.show_secrets {
                p.snippet_unredacted.expose()
            } else {
                &p.snippet
            };
            w.set_color(ColorSpec::new().set_dimmed(true))?;
            writeln!(w, "      {snippet}")?;
            w.reset()?;
            removed_but_in_history(p, w)?;
        }
        if let Some(rule) = report
            .rule(&f.rule_id)
            .filter(|_| f.kind == FindingKind::Exposure)
        {
            // A design flaw: no key to rotate here, the fix is where the call is made.
            w.set_color(ColorSpec::new().set_bold(true))?;
            writeln!(w, "  What to do:")?;
            w.reset()?;
            write_wrapped(w, "    ", &rule.remediation)?;
        } else if let Some(rule) = report.rule(&f.rule_id) {
            w.set_color(ColorSpec::new().set_bold(true))?;
            writeln!(w, "  What to do:")?;
            w.reset()?;
            let why = if g.is_live() {
                "it works, and anyone who saw it can use it."
            } else {
                "anyone who saw it may use it, and deleting it from the code (or from git history) does not revoke it."
            };
            write_wrapped(
                w,
                "    1. ",
                &format!("Rotate this key at {}: {why}", rule.rotation_url),
            )?;
            if g.client() {
                write_wrapped(
                    w,
                    "    2. ",
                    "Move the call behind a server endpoint: your backend keeps the key (in a variable without a public prefix) and calls the provider; the browser or app calls your endpoint. A key in client code or an app package is readable by every user.",
                )?;
            } else {
                write_wrapped(w, "    2. ", &rule.remediation)?;
            }
        }
        writeln!(w)?;
    }
    if !report.suppressed.is_empty() {
        w.set_color(ColorSpec::new().set_bold(true))?;
        writeln!(w, "Suppressed (not counted as findings):")?;
        w.reset()?;
        for s in report.suppressed {
            let f = &s.finding;
            let secret = if report.show_secrets {
                f.secret.expose()
            } else {
                &f.secret_redacted
            };
            writeln!(
                w,
                "  {}:{}:{}  {}  {}  (by {})",
                f.path,
                f.line,
                f.column,
                f.rule_name,
                secret,
                s.reason.label()
            )?;
        }
        writeln!(w)?;
    }
    summary(report, groups.len(), w)
}

fn summary(report: &Report<'_>, secrets: usize, w: &mut dyn WriteColor) -> std::io::Result<()> {
    let s = report.stats;
    if report.findings.is_empty() {
        w.set_color(ColorSpec::new().set_fg(Some(Color::Green)).set_bold(true))?;
        write!(w, "No secrets found.")?;
    } else {
        let count = |c| report.findings.iter().filter(|f| f.confidence == c).count();
        w.set_color(ColorSpec::new().set_fg(Some(Color::Red)).set_bold(true))?;
        write!(
            w,
            "Found {} in {} ({} high, {} medium, {} low confidence).",
            plural(secrets as u64, "secret"),
            plural(report.findings.len() as u64, "place"),
            count(Confidence::High),
            count(Confidence::Medium),
            count(Confidence::Low),
        )?;
    }
    w.reset()?;
    let validated: Vec<&str> = {
        let mut seen = std::collections::HashSet::new();
        report
            .findings
            .iter()
            .filter(|f| seen.insert(f.secret_sha256.as_str()))
            .filter_map(|f| f.validation.as_ref().map(|v| v.status.as_str()))
            .collect()
    };
    if !validated.is_empty() {
        let n = |s: &str| validated.iter().filter(|v| **v == s).count();
        write!(
            w,
            " Live check: {} active, {} inactive, {} unknown, {} not checked.",
            n("active"),
            n("inactive"),
            n("unknown"),
            n("not_checked")
        )?;
    }
    write!(
        w,
        " Scanned {} ({})",
        plural(s.files_scanned, "file"),
        human_bytes(s.bytes_scanned)
    )?;
    if s.blobs_scanned > 0 {
        write!(w, " and {}", plural(s.blobs_scanned, "git object"))?;
    }
    if let Some(ms) = s.elapsed_ms {
        write!(w, " in {:.2} s", ms as f64 / 1000.0)?;
    }
    let mut skipped = Vec::new();
    if s.skipped_binary > 0 {
        skipped.push(format!("{} binary", s.skipped_binary));
    }
    if s.skipped_too_large > 0 {
        skipped.push(format!("{} too large", s.skipped_too_large));
    }
    if s.skipped_symlinks > 0 {
        skipped.push(plural(s.skipped_symlinks, "symlink"));
    }
    if !skipped.is_empty() {
        write!(w, "; skipped {}", skipped.join(", "))?;
    }
    let suppressed = s.suppressed.describe();
    if !suppressed.is_empty() {
        write!(w, "; {suppressed}")?;
    }
    if s.errors > 0 {
        write!(
            w,
            "; {} could not be read (see warnings)",
            plural(s.errors, "input")
        )?;
    }
    writeln!(w, ".")
}

/// A key deleted from the code is not gone: say so where it applies.
fn removed_but_in_history(f: &Finding, w: &mut dyn WriteColor) -> std::io::Result<()> {
    if let Origin::GitBlob {
        provenance: Some(p),
        ..
    } = &f.source
    {
        if !p.in_head {
            w.set_color(ColorSpec::new().set_fg(Some(Color::Yellow)))?;
            write!(
                w,
                "      added in {}, removed from HEAD but still in history: rotate it, rewriting history is not enough",
                short(&p.commit)
            )?;
            w.reset()?;
            writeln!(w)?;
        }
    }
    Ok(())
}

/// What the reader should know about one place beyond its path: where in git history it is,
/// who can read the file, how the secret was encoded, why its confidence was lowered.
fn place_details(f: &Finding) -> Vec<String> {
    let mut out = Vec::new();
    match &f.source {
        Origin::File | Origin::Stdin => {}
        Origin::GitBlob { provenance, blob } => match provenance {
            Some(p) => {
                out.push(format!(
                    "commit {} by {} on {}",
                    short(&p.commit),
                    p.author,
                    day(&p.date)
                ));
                if !p.in_head {
                    out.push("no longer in HEAD, still in history".to_string());
                }
                if !p.reachable {
                    out.push("in an unreachable commit".to_string());
                }
            }
            None => out.push(format!("git blob {}", short(blob))),
        },
        Origin::CommitMessage { provenance: p } => out.push(format!(
            "message of commit {} by {} on {}",
            short(&p.commit),
            p.author,
            day(&p.date)
        )),
        Origin::Staged { .. } => out.push("staged".to_string()),
    }
    if let Some(e) = &f.exposure {
        out.push(format!("{}: {}", e.class, e.reason));
    }
    if let Some(d) = &f.decoded {
        out.push(format!("decoded from {d}"));
    }
    if let Some(note) = &f.note {
        out.push(note.clone());
    }
    out
}

fn short(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}

/// The date of an RFC 3339 timestamp.
fn day(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

fn severity_color(c: Confidence) -> Color {
    match c {
        Confidence::High => Color::Red,
        Confidence::Medium => Color::Yellow,
        Confidence::Low => Color::Blue,
    }
}

/// Lines of advice are wrapped at this width (counted in characters), continuation lines
/// indented under the first.
const WRAP: usize = 100;

fn write_wrapped(w: &mut dyn WriteColor, lead: &str, text: &str) -> std::io::Result<()> {
    let indent = " ".repeat(lead.chars().count());
    let mut line = lead.to_string();
    let mut width = line.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if !empty && width + 1 + n > WRAP {
            writeln!(w, "{line}")?;
            line = indent.clone();
            width = indent.len();
            empty = true;
        }
        if !empty {
            line.push(' ');
            width += 1;
        }
        line.push_str(word);
        width += n;
        empty = false;
    }
    writeln!(w, "{line}")
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Provenance, Sensitive, StatsSnapshot};

    fn finding(source: Origin, validation: Option<Validation>) -> Finding {
        Finding {
            kind: crate::finding::FindingKind::Secret,
            rule_id: "r".into(),
            rule_name: "Some key".into(),
            provider: "p".into(),
            confidence: Confidence::High,
            path: "a.js".into(),
            line: 3,
            column: 7,
            end_line: 3,
            end_column: 20,
            offset: 40,
            secret_redacted: "abcd…yz".into(),
            secret_sha256: "00".into(),
            snippet: "x = abcd…yz".into(),
            fingerprint: "f".into(),
            source,
            note: None,
            exposure: None,
            decoded: Some("base64".into()),
            validation,
            endpoint: None,
            secret: Sensitive::new("abcdefghijklmnopqrstuvwxyz".into()),
            snippet_unredacted: Sensitive::new("x = abcdefghijklmnopqrstuvwxyz".into()),
        }
    }

    fn render(findings: &[Finding]) -> String {
        let stats = StatsSnapshot::default();
        let report = Report {
            findings,
            stats: &stats,
            rules: &[],
            show_secrets: false,
            root: None,
            version_control: None,
            suppressed: &[],
        };
        let mut out = Vec::new();
        write(&report, &mut out, false).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn places_in_git_history_name_their_commit() {
        let provenance = Provenance {
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            path: "a.js".into(),
            author: "Ada".into(),
            email: "ada@example.com".into(),
            date: "2024-05-06T07:08:09Z".into(),
            summary: "add config".into(),
            reachable: true,
            in_head: false,
        };
        let text = render(&[finding(
            Origin::GitBlob {
                blob: "b".into(),
                provenance: Some(provenance),
            },
            None,
        )]);
        assert!(text.contains(
            "  a.js:3:7  (commit 0123456789 by Ada on 2024-05-06; no longer in HEAD, still in history; decoded from base64)"
        ), "{text}");
        assert!(!text.contains("abcdefghijklmnop"));
    }

    #[test]
    fn live_keys_come_first_and_say_so() {
        let live = Validation {
            status: "active".into(),
            detail: String::new(),
            identity: None,
            checked_at: "2024-05-06T07:08:09Z".into(),
        };
        let mut dead = finding(Origin::File, None);
        dead.secret_sha256 = "11".into();
        dead.path = "0-first-in-path-order.js".into();
        let text = render(&[dead, finding(Origin::File, Some(live))]);
        assert!(
            text.starts_with("Some key  abcd…yz  (high confidence, r)\n  Live check: ACTIVE, "),
            "{text}"
        );
    }
}
