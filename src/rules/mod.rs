//! Rules as data: the schema of `rules/*.toml`, the built-in rule files embedded at compile time,
//! and user rule files added with `--rules`. Turning rules into a matcher is `detect`'s job.

pub mod template;

use std::{fmt, path::Path};

use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// How sure a rule is that a match is a live credential.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        })
    }
}

/// One rule file: a provider and the rules for its credentials.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    provider: ProviderSpec,
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderSpec {
    id: String,
    name: String,
    /// Where the owner revokes and rotates a leaked key.
    rotation_url: String,
    /// What to do about a leaked key, in a sentence or two.
    remediation: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    confidence: Confidence,
    keywords: Vec<String>,
    regex: String,
    #[serde(default)]
    window: Option<usize>,
    #[serde(default)]
    min_entropy: Option<f64>,
    #[serde(default = "yes")]
    placeholder_check: bool,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    remediation: Option<String>,
    #[serde(default)]
    rotation_url: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negative_examples: Vec<String>,
    #[serde(default)]
    validation: Option<toml::Table>,
}

fn yes() -> bool {
    true
}

/// A rule, with its provider's defaults filled in.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub provider: String,
    pub provider_name: String,
    pub confidence: Confidence,
    /// Literals of which at least one must occur near a match; the prefilter looks for these.
    pub keywords: Vec<String>,
    /// The pattern; its group named `secret` (or else its first group) is the secret.
    pub regex: String,
    /// How many bytes away from a keyword a match may lie (0: the match touches the keyword).
    pub window: usize,
    /// Minimum Shannon entropy (bits per character) of the secret.
    pub min_entropy: Option<f64>,
    /// Whether the shared placeholder heuristics (`YOUR_KEY`, `xxxx`, `abcdef123456`) apply.
    pub placeholder_check: bool,
    /// Patterns of secrets that are known not to be credentials (published examples); an entry
    /// `sha256:<64 hex>` names one exact secret by its hash instead.
    pub allow: Vec<String>,
    pub remediation: String,
    pub rotation_url: String,
    pub tags: Vec<String>,
    /// Templates (see [`template`]) that must each produce exactly one finding of this rule.
    pub examples: Vec<String>,
    /// Templates that must produce no finding of this rule at its confidence.
    pub negative_examples: Vec<String>,
    /// How to check the key live; interpreted by `validate`. Always `None` for user rule files.
    #[serde(skip)]
    pub validation: Option<toml::Table>,
    /// The file the rule came from (a built-in file name or a user path).
    pub source_file: String,
    /// Compiled into keyhound (and so proven by its tests), not read from a user's file.
    #[serde(skip)]
    pub builtin: bool,
}

/// Why a rule file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: rule `{id}`: {message}")]
    Invalid {
        file: String,
        id: String,
        message: String,
    },
    #[error("rule `{id}` is defined twice ({first} and {second})")]
    Duplicate {
        id: String,
        first: String,
        second: String,
    },
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

/// The rules of one scan, in the order they were loaded. Order matters: when two rules of equal
/// confidence match the same span with the same length, the earlier one wins.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules compiled into keyhound.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, text) in BUILTIN_RULE_FILES {
            set.add_text(name, text)?;
        }
        for rule in &mut set.rules {
            rule.builtin = true;
        }
        Ok(set)
    }

    /// Adds a user rule file, or every `*.toml` in a directory. Returns the files whose
    /// `[rules.validation]` tables were dropped (only built-in rules validate), for a warning.
    pub fn add_path(&mut self, path: &Path) -> Result<Vec<String>, RuleError> {
        let io = |source| RuleError::Io {
            file: path.display().to_string(),
            source,
        };
        if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            let mut dropped = Vec::new();
            for f in files {
                dropped.extend(self.add_path(&f)?);
            }
            return Ok(dropped);
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        let first = self.rules.len();
        let file = path.display().to_string();
        self.add_text(&file, &text)?;
        // Only built-in rules validate: a user file (perhaps from the scanned repository) must
        // not choose where keys are sent.
        let mut had_validation = false;
        for rule in &mut self.rules[first..] {
            had_validation |= rule.validation.take().is_some();
        }
        Ok(if had_validation {
            vec![file]
        } else {
            Vec::new()
        })
    }

    /// Parses one rule file and appends its rules.
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<(), RuleError> {
        for rule in parse_rule_file(file, text)? {
            if let Some(prev) = self.rules.iter().find(|r| r.id == rule.id) {
                return Err(RuleError::Duplicate {
                    id: rule.id,
                    first: prev.source_file.clone(),
                    second: file.to_string(),
                });
            }
            self.rules.push(rule);
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Parses and checks one rule file without adding it anywhere.
pub fn parse_rule_file(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    // The crate's full message quotes the offending line, which may hold a pasted key: keep
    // the line number and the gist only.
    let parsed: RuleFile = toml::from_str(text).map_err(|e| RuleError::Parse {
        file: file.to_string(),
        message: match e.span() {
            Some(span) => format!(
                "line {}: {}",
                1 + text.as_bytes()[..span.start.min(text.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count(),
                e.message().trim()
            ),
            None => e.message().trim().to_string(),
        },
    })?;
    let p = parsed.provider;
    let mut out = Vec::with_capacity(parsed.rules.len());
    for r in parsed.rules {
        let invalid = |message: &str| RuleError::Invalid {
            file: file.to_string(),
            id: r.id.clone(),
            message: message.to_string(),
        };
        if r.id.is_empty() || !r.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(invalid("an id is lowercase letters, digits and dashes"));
        }
        if r.keywords.is_empty() || r.keywords.iter().any(|k| k.len() < 3) {
            return Err(invalid(
                "needs at least one keyword, each at least 3 bytes long",
            ));
        }
        if let Some(e) = r.min_entropy {
            if !(0.0..=8.0).contains(&e) {
                return Err(invalid("min_entropy is in bits per character, 0 to 8"));
            }
        }
        out.push(Rule {
            description: r.description.unwrap_or_else(|| {
                format!(
                    "{} found. Whoever holds it can use the {} account it belongs to.",
                    r.name, p.name
                )
            }),
            id: r.id,
            name: r.name,
            provider: p.id.clone(),
            provider_name: p.name.clone(),
            confidence: r.confidence,
            keywords: r.keywords,
            regex: r.regex,
            window: r.window.unwrap_or(0),
            min_entropy: r.min_entropy,
            placeholder_check: r.placeholder_check,
            allow: r.allow,
            remediation: r.remediation.unwrap_or_else(|| p.remediation.clone()),
            rotation_url: r.rotation_url.unwrap_or_else(|| p.rotation_url.clone()),
            tags: r.tags,
            examples: r.examples,
            negative_examples: r.negative_examples,
            validation: r.validation,
            source_file: file.to_string(),
            builtin: false,
        });
    }
    Ok(out)
}
