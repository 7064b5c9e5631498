//! The command line: every subcommand and flag, with help text. Parsing only; `app` acts on it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::rules::Confidence;

#[derive(Debug, Parser)]
#[command(
    name = "keyhound",
    version,
    about = "Finds AI-provider API keys where they must not be: client-side code and git history.",
    after_help = "Examples:\n  keyhound scan                      scan the current directory\n  keyhound scan web/ server/ .env    scan files and directories\n  cat bundle.js | keyhound scan -    scan standard input\n  keyhound scan --format sarif -o keyhound.sarif\n  keyhound rules list\n\nExit codes: 0 nothing found, 1 findings (see --exit-code), 2 error or unreadable input."
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

    /// Report findings of at least this confidence. Example: --min-confidence low
    #[arg(long, value_enum, default_value = "medium", value_name = "LEVEL")]
    pub min_confidence: Confidence,

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

    /// When to colour text output (NO_COLOR in the environment turns auto off).
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print no warnings and no progress on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
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
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
