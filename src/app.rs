//! Runs a parsed command line: wires sources to the detector and the detector to a report, and
//! decides the exit code. The pipeline's stages meet here and nowhere else.

use std::{
    io::{IsTerminal, Write},
    path::PathBuf,
    sync::Mutex,
    time::Instant,
};

use anyhow::{Context, Result};

use crate::{
    cli::{Cli, ColorChoice, Command, Format, ListFormat, RulesCommand, ScanArgs},
    detect::{DetectOptions, Detector},
    diag::Diagnostics,
    finding::{Finding, ScanStats},
    report::{self, Report},
    rules::{self, RuleSet},
    source,
};

/// Exit code for usage and runtime errors, and for scans that could not read some input.
pub const EXIT_ERROR: u8 = 2;

/// Runs the command and returns the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Rules(RulesCommand::List { format, rules }) => {
            let set = load_rules(&rules)?;
            let mut out = std::io::stdout().lock();
            ignore_broken_pipe(match format {
                ListFormat::Text => report::rules::write_text(&set, &mut out),
                ListFormat::Json => report::rules::write_json(&set, &mut out),
            })?;
            Ok(0)
        }
        Command::Rules(RulesCommand::Check { file }) => {
            let mut set = RuleSet::default();
            set.add_path(&file)?;
            let failures = rules_check(&set)?;
            let mut out = std::io::stdout().lock();
            for f in &failures {
                writeln!(out, "FAIL {f}")?;
            }
            writeln!(
                out,
                "{} rules checked, {} failures",
                set.rules.len(),
                failures.len()
            )?;
            Ok(if failures.is_empty() { 0 } else { 1 })
        }
    }
}

fn load_rules(extra: &[PathBuf]) -> Result<RuleSet> {
    let mut set = RuleSet::builtin().context("built-in rules")?;
    for p in extra {
        set.add_path(p)?;
    }
    Ok(set)
}

fn scan(args: ScanArgs) -> Result<u8> {
    let started = Instant::now();
    let rules = load_rules(&args.rules)?;
    let detector = Detector::new(
        &rules,
        DetectOptions {
            min_confidence: args.min_confidence,
        },
    )?;
    let diag = Diagnostics::new(args.quiet);
    let stats = ScanStats::default();
    let findings: Mutex<Vec<Finding>> = Mutex::new(Vec::new());
    let sink = |blob: &crate::detect::Blob<'_>| {
        let found = detector.scan_blob(blob);
        if !found.is_empty() {
            findings.lock().unwrap().extend(found);
        }
    };

    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (stdin, roots): (Vec<_>, Vec<_>) = paths.into_iter().partition(|p| p.as_os_str() == "-");
    if !stdin.is_empty() {
        source::scan_stdin(&stats, &diag, &sink);
    }
    let mut walk_roots = Vec::new();
    for root in roots {
        // A missing root is a usage error, not a warning: the user named it.
        std::fs::symlink_metadata(&root)
            .with_context(|| format!("cannot scan {}", root.display()))?;
        walk_roots.push(root);
    }
    if !walk_roots.is_empty() {
        let opts = source::fs::WalkOptions {
            no_ignore: args.no_ignore,
            follow_links: args.follow,
            max_file_size: args.max_file_size,
            threads: args.threads,
        };
        source::fs::walk(&walk_roots, &opts, &stats, &diag, &sink);
    }

    let mut findings = findings.into_inner().unwrap();
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule_id).cmp(&(&b.path, b.line, b.column, &b.rule_id))
    });
    // Overlapping roots (`scan . src`) read a file twice; its places are still reported once.
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint && a.offset == b.offset);
    let mut snapshot = stats.snapshot();
    snapshot.errors = diag.errors();
    snapshot.findings = findings.len() as u64;
    snapshot.secrets = {
        let mut ids: Vec<&str> = findings.iter().map(|f| f.secret_sha256.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() as u64
    };
    snapshot.elapsed_ms = started.elapsed().as_millis() as u64;

    let root = match walk_roots.as_slice() {
        [only] if only.is_dir() => std::fs::canonicalize(only).ok(),
        _ => std::env::current_dir().ok(),
    };
    let report = Report {
        findings: &findings,
        stats: &snapshot,
        rules: detector.rules(),
        show_secrets: args.show_secrets,
        root: root.as_deref(),
    };
    write_report(&args, &report)?;

    Ok(if !findings.is_empty() {
        args.exit_code
    } else if snapshot.errors > 0 {
        EXIT_ERROR
    } else {
        0
    })
}

fn write_report(args: &ScanArgs, report: &Report<'_>) -> Result<()> {
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            report::write(args.format, report, &mut w, false)?;
            w.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = args.format == Format::Text
                && match args.color {
                    ColorChoice::Always => true,
                    ColorChoice::Never => false,
                    ColorChoice::Auto => {
                        stdout.is_terminal()
                            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    }
                };
            let mut w = std::io::BufWriter::new(stdout.lock());
            ignore_broken_pipe(
                report::write(args.format, report, &mut w, color).and_then(|()| w.flush()),
            )?;
        }
    }
    Ok(())
}

/// A reader that stops early (`keyhound scan | head`) has seen all it wanted: not an error.
fn ignore_broken_pipe(r: std::io::Result<()>) -> std::io::Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Runs every rule of `set` against its own examples; returns one line per failure.
pub fn rules_check(set: &RuleSet) -> Result<Vec<String>> {
    let detector = Detector::new(
        set,
        DetectOptions {
            min_confidence: rules::Confidence::Low,
        },
    )?;
    let mut failures = Vec::new();
    for rule in &set.rules {
        for (i, example) in rule.examples.iter().enumerate() {
            let text = rules::template::expand(example, i as u64);
            let found = scan_text(&detector, &text);
            let mine: Vec<_> = found.iter().filter(|f| f.rule_id == rule.id).collect();
            if mine.len() != 1 || mine[0].confidence != rule.confidence {
                let got: Vec<String> = found
                    .iter()
                    .map(|f| format!("{} ({})", f.rule_id, f.confidence))
                    .collect();
                failures.push(format!(
                    "{}: example {} should give one {} finding of this rule, got [{}]",
                    rule.id,
                    i + 1,
                    rule.confidence,
                    got.join(", ")
                ));
            }
        }
        for (i, example) in rule.negative_examples.iter().enumerate() {
            let text = rules::template::expand(example, i as u64);
            let found = scan_text(&detector, &text);
            if let Some(f) = found
                .iter()
                .find(|f| f.rule_id == rule.id && f.confidence >= rule.confidence)
            {
                failures.push(format!(
                    "{}: negative example {} was found ({}, {})",
                    rule.id,
                    i + 1,
                    f.secret_redacted,
                    f.confidence
                ));
            }
        }
    }
    Ok(failures)
}

fn scan_text(detector: &Detector, text: &str) -> Vec<Finding> {
    detector.scan_blob(&crate::detect::Blob {
        path: "example",
        origin: &crate::finding::Origin::Stdin,
        data: text.as_bytes(),
    })
}
