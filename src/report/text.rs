//! The human report: findings grouped by secret, most urgent first, each group ending with what
//! to do about that key; then one summary line.

use std::io::Write;

use termcolor::{Ansi, Color, ColorSpec, NoColor, WriteColor};

use super::Report;
use crate::{
    finding::{Finding, Validation},
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
    fn validation(&self) -> Option<&Validation> {
        self.places.iter().find_map(|f| f.validation.as_ref())
    }
    /// Active keys lead, then unchecked or unknown ones, then inactive ones.
    fn urgency(&self) -> u8 {
        self.validation()
            .map_or(1, |v| super::validation::urgency(&v.status).min(2))
    }
}

fn groups<'a>(findings: &'a [Finding]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for f in findings {
        let i = *index.entry(f.secret_sha256.as_str()).or_insert_with(|| {
            groups.push(Group { places: Vec::new() });
            groups.len() - 1
        });
        groups[i].places.push(f);
    }
    // Most urgent first; ties keep the order of the first place.
    groups.sort_by_key(|g| (g.urgency(), std::cmp::Reverse(g.confidence())));
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
            if let Some(note) = &p.note {
                write!(w, "  ({note})")?;
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
        }
        if let Some(rule) = report.rule(&f.rule_id) {
            writeln!(
                w,
                "  What to do: rotate this key at {} (anyone who saw it can use it), then {}",
                rule.rotation_url,
                lowercase_first(&rule.remediation)
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
    write!(w, " in {:.2} s", s.elapsed_ms as f64 / 1000.0)?;
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
    if s.errors > 0 {
        write!(
            w,
            "; {} could not be read (see warnings)",
            plural(s.errors, "input")
        )?;
    }
    writeln!(w, ".")
}

fn severity_color(c: Confidence) -> Color {
    match c {
        Confidence::High => Color::Red,
        Confidence::Medium => Color::Yellow,
        Confidence::Low => Color::Blue,
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
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
