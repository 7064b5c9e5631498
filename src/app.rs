//! Runs a parsed command line: wires sources to the detector and the detector to a report, and
//! decides the exit code. The pipeline's stages meet here and nowhere else.

use std::{
    collections::HashSet,
    io::{IsTerminal, Write},
    path::PathBuf,
    sync::Mutex,
    time::Instant,
};

use anyhow::{Context, Result};

use crate::{
    cli::{
        Cli, ColorChoice, Command, FailOn, Format, ListFormat, RulesCommand, ScanArgs,
        ValidateArgs, ValidationArgs,
    },
    detect::{DetectOptions, Detector},
    diag::Diagnostics,
    finding::{redact, sha256_hex, Finding, FindingKind, Origin, ScanStats, Sensitive, Validation},
    report::{self, validation::Checked, Report},
    rules::{self, RuleSet},
    source::{
        self,
        git::{self, GitRepo},
    },
    triage::{self, Baseline, Suppressed, Triage},
    validate,
};

/// Exit code for usage and runtime errors, and for scans that could not read some input.
pub const EXIT_ERROR: u8 = 2;

/// Runs the command and returns the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Validate(args) => validate_input(args),
        Command::Rules(RulesCommand::List { format, rules }) => {
            let mut set = load_rules(&rules, &Diagnostics::new(false))?;
            // The exposure rules live in code (they judge paths), but users list them all the same.
            set.rules.extend(crate::detect::exposure::rules());
            let mut out = std::io::stdout().lock();
            ignore_broken_pipe(match format {
                ListFormat::Text => report::rules::write_text(&set, &mut out),
                ListFormat::Json => report::rules::write_json(&set, &mut out),
            })?;
            Ok(0)
        }
        Command::Hook(command) => crate::hook::run(command),
        Command::Rules(RulesCommand::Check { file }) => {
            let mut set = RuleSet::default();
            let dropped = set.add_path(&file)?;
            warn_dropped_validation(&dropped, &Diagnostics::new(false));
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

fn load_rules(extra: &[PathBuf], diag: &Diagnostics) -> Result<RuleSet> {
    let mut set = RuleSet::builtin().context("built-in rules")?;
    for p in extra {
        let dropped = set.add_path(p)?;
        warn_dropped_validation(&dropped, diag);
    }
    Ok(set)
}

/// A user rule file's `[rules.validation]` tables are dropped on loading: say so, once per file,
/// so nobody believes their rule is checked live.
fn warn_dropped_validation(files: &[String], diag: &Diagnostics) {
    for file in files {
        diag.warn(format_args!(
            "{file}: its [rules.validation] tables are ignored: only keyhound's built-in rules \
             check keys live (a rule file must not choose where keys are sent)"
        ));
    }
}

fn scan(args: ScanArgs) -> Result<u8> {
    crate::diag::show_panic_messages(args.show_secrets);
    let started = Instant::now();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (stdin, roots): (Vec<_>, Vec<_>) = paths.into_iter().partition(|p| p.as_os_str() == "-");
    let gate = &args.gate;
    // The staged scan reads one repository; its work tree is the root (config, report paths).
    let staged_root = if gate.staged {
        if !stdin.is_empty() || roots.len() > 1 {
            anyhow::bail!("--staged scans one repository: name at most one PATH");
        }
        Some(source::staged::work_tree(&roots[0])?)
    } else {
        None
    };
    let root_dir = match (&staged_root, roots.as_slice()) {
        (Some(r), _) => Some(r.clone()),
        (None, [only]) if only.is_dir() && stdin.is_empty() => Some(only.clone()),
        _ => None,
    };

    let diag = Diagnostics::new(args.quiet);
    let triage = load_triage(&args, root_dir.as_deref())?;
    let mut rules = load_rules(&args.rules, &diag)?;
    for file in &triage.config.rule_files {
        // As for --rules, a user rule file never validates (see RuleSet::add_path).
        let dropped = rules.add_path(file)?;
        warn_dropped_validation(&dropped, &diag);
    }
    disable_rules(&mut rules, &triage.config.disable_rules, &diag);
    let detector = Detector::new(
        &rules,
        DetectOptions {
            min_confidence: args
                .min_confidence
                .or(triage.config.min_confidence)
                .unwrap_or(rules::Confidence::Medium),
        },
    )?
    .with_decoding(!args.no_decode);
    let detector = std::sync::Arc::new(detector);
    if !args.show_secrets {
        // Warnings quote paths and archive members, and a file may be named after a key.
        diag.set_redactor(detector.clone());
    }
    let stats = ScanStats::default();
    let suppressed: Mutex<Vec<Suppressed>> = Mutex::default();
    // Detection, then the inline-allow screen while the blob's bytes are at hand. `keep` drops
    // findings before triage sees them (the staged scan keeps only added lines).
    let detect = |blob: &crate::detect::Blob<'_>, keep: &dyn Fn(&Finding) -> bool| {
        if triage.excluded(blob.path) {
            return Vec::new();
        }
        let mut found = detector.scan_blob(blob);
        found.retain(keep);
        if found.is_empty() {
            return found;
        }
        let mut set_aside = Vec::new();
        let kept = triage.screen_blob(blob.data, found, &mut set_aside);
        if !set_aside.is_empty() {
            suppressed.lock().unwrap().extend(set_aside);
        }
        kept
    };
    let collect = |into: &Mutex<Vec<Finding>>, blob: &crate::detect::Blob<'_>| {
        let found = detect(blob, &|_| true);
        if !found.is_empty() {
            into.lock().unwrap().extend(found);
        }
    };
    let findings: Mutex<Vec<Finding>> = Mutex::new(Vec::new());
    let sink = |blob: &crate::detect::Blob<'_>| {
        collect(&findings, blob);
    };

    let mut version_control = None;
    if let Some(root) = &staged_root {
        let opts = source::staged::StagedOptions {
            max_file_size: args.max_file_size,
        };
        source::staged::scan(root, &opts, &stats, &diag, &mut |blob, added| {
            let found = detect(blob, &|f| added.touches(f.line, f.end_line));
            findings.lock().unwrap().extend(found);
        })?;
    } else {
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

        // Git repositories among the roots get their history scanned too (unless --no-history).
        let repos: Vec<(PathBuf, GitRepo)> = if args.no_history {
            Vec::new()
        } else {
            walk_roots
                .iter()
                .filter_map(|r| GitRepo::open(r).map(|g| (r.clone(), g)))
                .collect()
        };
        let history_only = args.history_only || args.range.is_some();
        if history_only {
            for root in &walk_roots {
                if !repos.iter().any(|(r, _)| r == root) {
                    if args.range.is_some() {
                        anyhow::bail!("--range: {} is not a git repository", root.display());
                    }
                    diag.warn(format_args!(
                        "{}: not a git repository, nothing to scan with --history-only",
                        root.display()
                    ));
                }
            }
        }
        // With one work tree, a committed file with findings is reported once, as the file, with its
        // history's provenance; its blob is not scanned again.
        let merge_tree = walk_roots.len() == 1 && repos.len() == 1 && !repos[0].1.is_bare();
        let tree_blobs: Mutex<HashSet<git2::Oid>> = Mutex::new(HashSet::new());
        let file_roots: Vec<PathBuf> = if history_only {
            Vec::new()
        } else {
            // A bare repository's files are git's own, not the project's.
            walk_roots
                .iter()
                .filter(|root| !repos.iter().any(|(r, g)| r == *root && g.is_bare()))
                .cloned()
                .collect()
        };
        if !file_roots.is_empty() {
            let opts = source::fs::WalkOptions {
                no_ignore: args.no_ignore,
                follow_links: args.follow,
                max_file_size: args.max_file_size,
                threads: args.threads,
                archives: args
                    .archives_enabled(true)
                    .then(|| source::archive::ArchiveLimits {
                        max_member: args.max_file_size,
                        ..Default::default()
                    }),
            };
            let file_sink = |blob: &crate::detect::Blob<'_>| {
                let mut found = detect(blob, &|_| true);
                if found.is_empty() {
                    return;
                }
                // Hashing only files with findings: hashing every file would cost more than
                // scanning its blob again in history (see BENCHMARKS.md).
                if let Some(id) = merge_tree.then(|| git::blob_id(blob.data)).flatten() {
                    tree_blobs.lock().unwrap().insert(id);
                    for f in &mut found {
                        f.source = Origin::GitBlob {
                            blob: id.to_string(),
                            provenance: None,
                        };
                    }
                }
                findings.lock().unwrap().extend(found);
            };
            // Files that git's index shows unchanged need not have their blobs read again either.
            let index = merge_tree
                .then(|| repos[0].1.work_tree_index(&file_roots[0]))
                .flatten();
            source::fs::walk(
                &file_roots,
                &opts,
                index.as_ref(),
                &stats,
                &diag,
                &file_sink,
            );
            if let Some(index) = index {
                tree_blobs.lock().unwrap().extend(index.unchanged_blobs());
            }
        }
        let tree_blobs = tree_blobs.into_inner().unwrap();
        for (root, repo) in &repos {
            let opts = git::HistoryOptions {
                range: args.range.clone(),
                max_blob_size: args.max_file_size,
                threads: args.threads,
                progress: !args.quiet,
            };
            let found: Mutex<Vec<Finding>> = Mutex::new(Vec::new());
            repo.scan(&opts, &tree_blobs, &stats, &diag, &|blob| {
                collect(&found, blob);
            });
            let mut found = found.into_inner().unwrap();
            if merge_tree {
                found.append(&mut findings.lock().unwrap());
            }
            repo.add_provenance(&mut found, &stats, &diag);
            if walk_roots.len() > 1 {
                let prefix = source::fs::display_path(root, None);
                for f in &mut found {
                    if !matches!(f.source, Origin::File) {
                        f.path = format!("{}/{}", prefix.trim_end_matches('/'), f.path);
                    }
                }
            } else {
                version_control = repo.version_control();
            }
            findings.lock().unwrap().append(&mut found);
        }
    }

    let mut findings = findings.into_inner().unwrap();
    let mut suppressed = suppressed.into_inner().unwrap();
    let order = report_order;
    findings.sort_by(order);
    // Overlapping roots (`scan . src`) read a file twice; its places are still reported once.
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint && a.offset == b.offset);
    suppressed.sort_by(|a, b| order(&a.finding, &b.finding));
    suppressed.dedup_by(|a, b| {
        a.finding.fingerprint == b.finding.fingerprint && a.finding.offset == b.finding.offset
    });
    let mut findings = triage.finish(findings, &mut suppressed);
    if !args.show_secrets {
        redact_metadata(&detector, &mut findings, &mut suppressed);
    }
    if let Some(file) = &gate.write_baseline {
        // What is reported now is accepted from now on: record it, and report it as baselined.
        Baseline::from_findings(&findings).save(file)?;
        suppressed.extend(findings.drain(..).map(|finding| Suppressed {
            finding,
            reason: triage::Reason::Baseline,
        }));
    }
    // Triage keeps the order of what it is given; only suppressed findings were appended.
    suppressed.sort_by(|a, b| order(&a.finding, &b.finding));
    if args.validate {
        validate_findings(&mut findings, &args.validation, args.quiet)?;
    }
    let mut snapshot = stats.snapshot();
    snapshot.errors = diag.errors();
    snapshot.findings = findings.len() as u64;
    snapshot.secrets = {
        let mut ids: Vec<&str> = findings.iter().map(|f| f.secret_sha256.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() as u64
    };
    snapshot.suppressed = triage::counts(&suppressed);
    // A text report on a terminal is read by a person, who wants to know how long it took; any
    // report that is kept (a file, a pipe) stays byte-identical across runs unless asked.
    let to_a_person =
        args.format == Format::Text && args.output.is_none() && std::io::stdout().is_terminal();
    snapshot.elapsed_ms =
        (args.timings || to_a_person).then(|| started.elapsed().as_millis() as u64);

    let root = match &root_dir {
        Some(dir) => std::fs::canonicalize(dir).ok(),
        None => std::env::current_dir().ok(),
    };
    let report = Report {
        findings: &findings,
        stats: &snapshot,
        rules: detector.rules(),
        show_secrets: args.show_secrets,
        root: root.as_deref(),
        version_control: version_control.map(|(repository_uri, revision_id, branch)| {
            // The remote and the branch are named by the repository, which may name them
            // after a key.
            let shown = |text: String| match args.show_secrets {
                true => text,
                false => detector.redact_text(&text).into_owned(),
            };
            report::VersionControl {
                repository_uri: shown(repository_uri),
                revision_id,
                branch: branch.map(shown),
            }
        }),
        suppressed: if gate.show_suppressed {
            &suppressed
        } else {
            &[]
        },
    };
    write_report(&args, &report)?;
    if gate.staged && !findings.is_empty() && !args.quiet {
        eprintln!(
            "keyhound: commit blocked: the staged changes add {}. Remove it from the staged \
             files and rotate it. Not a secret? Put `keyhound:allow` in a comment on its line.",
            if findings.len() == 1 {
                "a secret"
            } else {
                "secrets"
            }
        );
    }

    let failing = match args.fail_on {
        FailOn::Any => !findings.is_empty(),
        FailOn::Active => findings.iter().any(is_active),
    };
    Ok(if failing {
        args.exit_code
    } else if snapshot.errors > 0 {
        EXIT_ERROR
    } else {
        0
    })
}

/// Redacts every key in the text of findings that comes from the scanned input but is not a
/// snippet: paths (a file may be named after a key) and the commit a finding came with. Each
/// is searched with every rule; a key found anywhere in the scan (a commit message is a
/// finding of its own) is redacted wherever it appears, even where no rule would match it
/// (cut short in a commit's one-line summary).
fn redact_metadata(detector: &Detector, findings: &mut [Finding], suppressed: &mut [Suppressed]) {
    let known = crate::finding::Redactor::new(
        findings
            .iter()
            .chain(suppressed.iter().map(|s| &s.finding))
            .filter(|f| f.kind == FindingKind::Secret)
            .map(|f| f.secret.expose()),
    );
    let redact = |text: &mut String| {
        let once = known.redact(text);
        *text = detector.redact_text(&once).into_owned();
    };
    for f in findings
        .iter_mut()
        .chain(suppressed.iter_mut().map(|s| &mut s.finding))
    {
        redact(&mut f.path);
        if let Origin::GitBlob {
            provenance: Some(p),
            ..
        }
        | Origin::CommitMessage { provenance: p } = &mut f.source
        {
            for field in [&mut p.path, &mut p.summary, &mut p.author, &mut p.email] {
                redact(field);
            }
        }
    }
}

/// The order of every report: by place; places that tie (one path in several commits, several
/// keys at one column of history) by secret, offset and git object. A total order, so the same
/// input gives the same report however the threads of a scan interleave.
fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    fn object(f: &Finding) -> &str {
        match &f.source {
            Origin::GitBlob { blob, .. } | Origin::Staged { blob } => blob,
            Origin::CommitMessage { provenance } => &provenance.commit,
            Origin::File | Origin::Stdin => "",
        }
    }
    #[allow(clippy::type_complexity)]
    fn key(f: &Finding) -> (&str, usize, usize, &str, &str, usize, &str, usize, usize) {
        (
            &f.path,
            f.line,
            f.column,
            &f.rule_id,
            &f.secret_sha256,
            f.offset,
            object(f),
            f.end_line,
            f.end_column,
        )
    }
    key(a).cmp(&key(b))
}

fn is_active(f: &Finding) -> bool {
    f.validation.as_ref().is_some_and(|v| v.status == "active")
}

fn validator(args: &ValidationArgs, quiet: bool) -> Result<validate::Validator> {
    Ok(validate::Validator::new(validate::Options {
        concurrency: args.validate_concurrency,
        timeout: args.validate_timeout,
        use_cache: !args.no_validation_cache,
        max_retries: 2,
        progress: !quiet,
    })?)
}

/// Fills in `validation` on every secret finding: each distinct secret is checked once.
fn validate_findings(findings: &mut [Finding], args: &ValidationArgs, quiet: bool) -> Result<()> {
    let v = validator(args, quiet)?;
    let candidates: Vec<validate::Candidate<'_>> = findings
        .iter()
        .filter(|f| f.kind == FindingKind::Secret)
        .map(|f| validate::Candidate {
            rule_id: &f.rule_id,
            secret: &f.secret,
            sha256: &f.secret_sha256,
            endpoint: f.endpoint.as_deref(),
        })
        .collect();
    let results = v.check_all(&candidates);
    for f in findings.iter_mut() {
        f.validation = results.get(&f.secret_sha256).cloned();
    }
    Ok(())
}

/// `keyhound validate`: keys from a report written with --show-secrets, or one per line.
fn validate_input(args: ValidateArgs) -> Result<u8> {
    let text = if args.input.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
            .context("cannot read standard input")?;
        String::from_utf8_lossy(&buf).into_owned()
    } else {
        let buf = std::fs::read(&args.input)
            .with_context(|| format!("cannot read {}", args.input.display()))?;
        String::from_utf8_lossy(&buf).into_owned()
    };
    let diag = Diagnostics::new(args.quiet);
    let keys = keys_of_input(&text, &diag)?;
    let v = validator(&args.validation, args.quiet)?;
    let candidates: Vec<validate::Candidate<'_>> = keys
        .iter()
        .filter(|k| k.recognised)
        .map(|k| validate::Candidate {
            rule_id: &k.rule_id,
            secret: &k.secret,
            sha256: &k.sha256,
            endpoint: k.endpoint.as_deref(),
        })
        .collect();
    let results = v.check_all(&candidates);
    let mut checked: Vec<Checked> = Vec::new();
    for k in &keys {
        if checked.iter().any(|c| c.secret_sha256 == k.sha256) {
            continue;
        }
        let validation = results
            .get(&k.sha256)
            .cloned()
            .unwrap_or_else(|| Validation {
                status: validate::NOT_CHECKED.into(),
                detail: "no built-in rule recognises this key".into(),
                identity: None,
                checked_at: validate::now_rfc3339(),
            });
        checked.push(Checked {
            rule_id: k.rule_id.clone(),
            provider: k.provider.clone(),
            secret_redacted: redact(k.secret.expose()),
            secret_sha256: k.sha256.clone(),
            validation,
        });
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        ListFormat::Text => report::validation::write_text(&mut checked, &mut out)?,
        ListFormat::Json => report::validation::write_json(&mut checked, &mut out)?,
    }
    out.flush()?;
    Ok(if checked.iter().any(|c| c.validation.status == "active") {
        1
    } else if checked.is_empty() || diag.errors() > 0 {
        EXIT_ERROR
    } else {
        0
    })
}

/// A key named by the input of `keyhound validate`.
struct InputKey {
    rule_id: String,
    provider: String,
    secret: Sensitive,
    sha256: String,
    /// Whether a built-in rule matches it; only then may it be sent anywhere.
    recognised: bool,
    /// The customer host the report found next to the key (Azure OpenAI); validation checks
    /// it again before using it.
    endpoint: Option<String>,
}

/// The keys of a JSON report, of JSON Lines findings, or of lines of text. Each key is matched
/// against the built-in rules again, so a report cannot make keyhound send arbitrary text.
fn keys_of_input(text: &str, diag: &Diagnostics) -> Result<Vec<InputKey>> {
    let detector = Detector::new(
        &RuleSet::builtin().context("built-in rules")?,
        DetectOptions {
            min_confidence: rules::Confidence::Low,
        },
    )?;
    let trimmed = text.trim_start();
    let findings: Option<Vec<serde_json::Value>> = if trimmed.starts_with('{') {
        match serde_json::from_str::<serde_json::Value>(trimmed) {
            Ok(doc) if doc.get("findings").is_some() => {
                Some(doc["findings"].as_array().cloned().unwrap_or_default())
            }
            Ok(one) => Some(vec![one]),
            Err(_) => Some(
                trimmed
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(serde_json::from_str)
                    .collect::<Result<_, _>>()
                    .context(
                        "the input starts like JSON but is neither a JSON report nor JSON Lines",
                    )?,
            ),
        }
    } else {
        None
    };
    let mut keys = Vec::new();
    let push_found = |line: &str, keys: &mut Vec<InputKey>| -> bool {
        let found = scan_text(&detector, line);
        for f in &found {
            keys.push(InputKey {
                rule_id: f.rule_id.clone(),
                provider: f.provider.clone(),
                secret: f.secret.clone(),
                sha256: f.secret_sha256.clone(),
                recognised: true,
                endpoint: f.endpoint.clone(),
            });
        }
        !found.is_empty()
    };
    match findings {
        Some(findings) => {
            for (i, f) in findings.iter().enumerate() {
                if f.get("kind").and_then(|k| k.as_str()) == Some("exposure") {
                    continue;
                }
                let Some(secret) = f.get("secret").and_then(|s| s.as_str()) else {
                    anyhow::bail!(
                        "finding {} has no secret: `keyhound validate` needs a report written with --show-secrets (keyhound scan --show-secrets --format json -o report.json)",
                        i + 1
                    );
                };
                let first = keys.len();
                let found = push_found(secret, &mut keys);
                if let Some(host) = f.get("endpoint").and_then(|e| e.as_str()) {
                    for k in &mut keys[first..] {
                        k.endpoint = Some(host.to_string());
                    }
                }
                if !found {
                    let field = |k: &str| f.get(k).and_then(|s| s.as_str()).unwrap_or("?");
                    keys.push(InputKey {
                        rule_id: field("rule_id").to_string(),
                        provider: field("provider").to_string(),
                        secret: Sensitive::new(secret.to_string()),
                        sha256: sha256_hex(secret.as_bytes()),
                        recognised: false,
                        endpoint: None,
                    });
                }
            }
        }
        None => {
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if !push_found(line, &mut keys) {
                    diag.warn(format_args!(
                        "line {}: no key that keyhound recognises",
                        n + 1
                    ));
                }
            }
        }
    }
    Ok(keys)
}

/// The config (`--config FILE`, or `.keyhound.toml` at the scanned root), inline-allow setting
/// and baseline of a scan.
fn load_triage(args: &ScanArgs, root: Option<&std::path::Path>) -> Result<Triage> {
    let gate = &args.gate;
    let config = match (&gate.config, gate.no_config) {
        (Some(file), _) => triage::Config::load(file, true)?,
        (None, true) => None,
        (None, false) => {
            let dir = root.map_or_else(|| PathBuf::from("."), |r| r.to_path_buf());
            triage::Config::load(&dir.join(triage::CONFIG_FILE), false)?
        }
    };
    let baseline = match &gate.baseline {
        Some(file) => Some(Baseline::load(file)?),
        None => None,
    };
    Ok(Triage {
        config: config.unwrap_or_default(),
        inline_allow: !gate.no_inline_allow,
        baseline,
    })
}

fn disable_rules(set: &mut RuleSet, ids: &[String], diag: &Diagnostics) {
    for id in ids {
        if set.get(id).is_none() {
            diag.warn(format_args!("disable_rules: there is no rule `{id}`"));
        }
    }
    set.rules.retain(|r| !ids.contains(&r.id));
}

fn write_report(args: &ScanArgs, report: &Report<'_>) -> Result<()> {
    for (format, path) in &args.gate.reports {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        report::write(*format, report, &mut w, false)?;
        w.flush()?;
    }
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
