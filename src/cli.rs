//! The command line: every subcommand and flag, with help text. Parsing only; `app` acts on it.

use std::{path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::rules::Confidence;

#[derive(Debug, Parser)]
#[command(
    name = "keyhound",
    version,
    about = "Finds AI-provider API keys where they must not be: client-side code and git history.",
    after_help = "Examples:\n  keyhound scan                      scan the current directory (and its git history)\n  keyhound scan web/ server/ .env    scan files and directories\n  keyhound scan --range origin/main..HEAD   only what a pull request's commits added\n  cat bundle.js | keyhound scan -    scan standard input\n  keyhound scan --format sarif -o keyhound.sarif\n  keyhound rules list\n  keyhound scan --validate --fail-on active    CI: fail only for keys that still work\n\nExit codes: 0 nothing found, 1 findings (see --exit-code), 2 error or unreadable input."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files, directories or standard input for API keys.
    Scan(ScanArgs),
    /// List the rules, or check a rule file against its own examples.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Check keys live with their providers: those of an earlier report, or keys on standard input.
    ///
    /// It needs the secrets themselves, so give it a JSON report written with --show-secrets
    /// (`keyhound scan --show-secrets -f json -o report.json`), or keys on standard input (`-`),
    /// one per line. Exits 1 when a key is active.
    #[command(
        after_help = "Examples:\n  keyhound validate report.json\n  printenv OPENAI_API_KEY | keyhound validate -\n  keyhound validate --format json keys.txt"
    )]
    Validate(ValidateArgs),
    /// Install or remove keyhound as a plain git pre-commit hook (without the pre-commit framework).
    #[command(subcommand)]
    Hook(HookCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Grouped by secret, with what to do about each (colours on a terminal).
    Text,
    /// One JSON document: {"version", "tool", "findings", "stats"}.
    Json,
    /// One JSON finding per line.
    Jsonl,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: one `::error file=…,line=…::` annotation per finding.
    Github,
    /// A Markdown table of findings (redacted), e.g. for $GITHUB_STEP_SUMMARY.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input. [default: .]
    pub paths: Vec<PathBuf>,

    /// Output format. Example: --format sarif
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: Format,

    /// Write the report to FILE instead of standard output. Example: -o keyhound.sarif
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print full secrets in every format. Without it, keyhound only ever prints redacted forms
    /// and SHA-256 hashes.
    #[arg(long)]
    pub show_secrets: bool,

    /// Report findings of at least this confidence [default: medium, or `min_confidence` in the
    /// config]. Example: --min-confidence low
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<Confidence>,

    /// Exit code when there are findings. Example: --exit-code 0 (report, never fail)
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub exit_code: u8,

    /// Add rules from a TOML file, or from every *.toml in a directory (repeatable).
    /// Example: --rules my-rules.toml
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,

    /// Ignore .gitignore, .ignore and .keyhoundignore: scan every file (never inside .git/).
    #[arg(long)]
    pub no_ignore: bool,

    /// Follow symbolic links while walking directories.
    #[arg(long, short = 'L')]
    pub follow: bool,

    /// Skip files larger than this (bytes, or with a K/M/G suffix). Example: --max-file-size 200M
    #[arg(long, default_value = "64M", value_parser = parse_size, value_name = "SIZE")]
    pub max_file_size: u64,

    /// Worker threads (0: one per core). Example: -j 1
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// Look inside archives: zip, jar, war, apk, aar, whl, crx, xpi, tar, tar.gz, tgz (the default
    /// when scanning files; zip bombs are refused). Members are reported as
    /// `app.apk!/assets/config.json`. Example: --archives
    #[arg(long, overrides_with = "no_archives")]
    pub archives: bool,

    /// Do not look inside archives. Example: --no-archives
    #[arg(long, overrides_with = "archives")]
    pub no_archives: bool,

    /// Do not decode base64, string escapes, percent-encoding and split literals to find hidden
    /// keys (UTF-16 files are still read). Example: --no-decode
    #[arg(long)]
    pub no_decode: bool,

    /// When to colour text output (NO_COLOR in the environment turns auto off).
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,

    /// Skip git history: scan files only (a repository's history is scanned by default).
    #[arg(long, conflicts_with_all = ["history_only", "range"])]
    pub no_history: bool,

    /// Scan git history only, not the files of the work tree.
    /// Example: keyhound scan --history-only path/to/repo
    #[arg(long)]
    pub history_only: bool,

    /// Scan only what the commits of a range introduced (blobs and messages), not the work tree.
    /// Example: --range origin/main..HEAD (CI on a pull request)
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,

    /// Print no warnings and no progress on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Report how long the scan took: the time in the text summary, `stats.elapsed_ms` in JSON.
    /// Without it, only a text report on a terminal shows the time, and the same input gives
    /// byte-identical reports. Example: --timings
    #[arg(long)]
    pub timings: bool,

    /// Ask each key's provider whether it still works: one free, read-only request per
    /// distinct secret, over HTTPS to the provider's official API host only (see README).
    /// Without this flag keyhound makes no network request. Example: keyhound scan --validate
    #[arg(long)]
    pub validate: bool,

    /// Which findings make the exit code non-zero. Example: --validate --fail-on active
    #[arg(
        long,
        value_enum,
        default_value = "any",
        value_name = "WHICH",
        requires = "validate"
    )]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub validation: ValidationArgs,

    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Every finding.
    Any,
    /// Only keys that validation found active.
    Active,
}

/// How live checks run (with `scan --validate` and `keyhound validate`).
#[derive(Debug, Clone, Args)]
pub struct ValidationArgs {
    /// Checks running at once. Example: --validate-concurrency 8
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub validate_concurrency: usize,

    /// Give up on one request after this long (seconds, or with ms/s/m). Example: --validate-timeout 5s
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "TIME")]
    pub validate_timeout: Duration,

    /// Ignore and do not update the cache of verdicts (by default a verdict is reused for 24 h;
    /// the cache holds SHA-256 hashes of keys, never keys). Example: --validate --no-validation-cache
    #[arg(long)]
    pub no_validation_cache: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A JSON or JSON Lines report written with --show-secrets, a file of keys one per line, or
    /// `-` for standard input.
    pub input: PathBuf,

    /// Output format. Example: --format json
    #[arg(long, short = 'f', value_enum, default_value = "text")]
    pub format: ListFormat,

    #[command(flatten)]
    pub validation: ValidationArgs,

    /// Print no warnings and no progress on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl ScanArgs {
    /// Whether to look inside archives, given the default of the kind of scan (on for audits).
    pub fn archives_enabled(&self, default: bool) -> bool {
        if self.archives {
            true
        } else if self.no_archives {
            false
        } else {
            default
        }
    }
}

/// The pre-commit and CI gates: the staged scan, triage (config, inline allow, baseline) and
/// extra reports written by the same scan.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Scan what is staged for the next commit (read from the git index, not the working tree)
    /// and report only secrets on added or changed lines. PATHS names the repository [default: .].
    /// Example: keyhound scan --staged
    #[arg(long, help_heading = "Gates")]
    pub staged: bool,

    /// Also write the report in FORMAT to FILE, from the same scan (repeatable).
    /// Example: --report sarif=keyhound.sarif --report markdown=summary.md
    #[arg(long = "report", value_name = "FORMAT=FILE", value_parser = parse_report, help_heading = "Gates")]
    pub reports: Vec<(Format, PathBuf)>,

    /// Read settings from FILE instead of `.keyhound.toml` at the scanned root.
    /// Example: --config ci/keyhound.toml
    #[arg(long, value_name = "FILE", help_heading = "Triage")]
    pub config: Option<PathBuf>,

    /// Do not read `.keyhound.toml` at the scanned root.
    #[arg(long, conflicts_with = "config", help_heading = "Triage")]
    pub no_config: bool,

    /// Ignore `keyhound:allow` markers in scanned lines (strict CI).
    #[arg(long, help_heading = "Triage")]
    pub no_inline_allow: bool,

    /// Report only findings that are not in this baseline file.
    /// Example: --baseline .keyhound-baseline.json
    #[arg(long, value_name = "FILE", help_heading = "Triage")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding (fingerprint and SHA-256 of the secret, never the secret) in
    /// FILE; they then count as baselined. Example: --write-baseline .keyhound-baseline.json
    #[arg(long, value_name = "FILE", help_heading = "Triage")]
    pub write_baseline: Option<PathBuf>,

    /// Also list suppressed findings (by baseline, inline allow or config), marked as such.
    #[arg(long, help_heading = "Triage")]
    pub show_suppressed: bool,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write a git pre-commit hook that runs `keyhound scan --staged` (honours core.hooksPath).
    /// Example: keyhound hook install
    Install {
        /// Replace a pre-commit hook that keyhound did not write.
        #[arg(long)]
        force: bool,
        /// The repository [default: the one around the current directory].
        #[arg(long, value_name = "DIR", default_value = ".")]
        repo: PathBuf,
    },
    /// Remove the pre-commit hook, if keyhound wrote it.
    Uninstall {
        /// The repository [default: the one around the current directory].
        #[arg(long, value_name = "DIR", default_value = ".")]
        repo: PathBuf,
    },
}

/// Parses `sarif=keyhound.sarif` for `--report`.
fn parse_report(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not FORMAT=FILE (example: sarif=keyhound.sarif)"))?;
    let format = Format::from_str(format, true).map_err(|_| {
        format!("`{format}` is not a format (text, json, jsonl, sarif, github, markdown)")
    })?;
    if file.is_empty() {
        return Err(format!("`{s}` names no file"));
    }
    Ok((format, PathBuf::from(file)))
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the built-in rules (and any added with --rules), grouped by provider.
    List {
        /// Output format. Example: --format json
        #[arg(long, short = 'f', value_enum, default_value = "text")]
        format: ListFormat,
        /// Also list rules from this file or directory. Example: --rules my-rules.toml
        #[arg(long = "rules", value_name = "PATH")]
        rules: Vec<PathBuf>,
    },
    /// Run a rule file's rules against their own examples and report every failure.
    /// Example: keyhound rules check my-rules.toml
    Check {
        /// The rule file (or directory of rule files) to check.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

/// Parses `1024`, `64K`, `64M`, `1G` (powers of 1024; a trailing `B` or `iB` is allowed).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (num, mult) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&t[..t.len() - 1], 1 << 20),
        Some('G' | 'g') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("`{s}` is not a size (examples: 1048576, 512K, 64M, 1G)"))
}

/// Parses `10`, `10s`, `500ms`, `1m` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let bad = || format!("`{s}` is not a duration (examples: 10, 10s, 500ms, 1m)");
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    let secs = v * scale;
    if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_suffixes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn durations_accept_units() {
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn extra_reports_are_format_equals_file() {
        assert_eq!(
            parse_report("sarif=out/k.sarif"),
            Ok((Format::Sarif, PathBuf::from("out/k.sarif")))
        );
        assert!(parse_report("sarif").is_err());
        assert!(parse_report("pdf=x").is_err());
        assert!(parse_report("json=").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
