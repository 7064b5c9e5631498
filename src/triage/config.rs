//! `.keyhound.toml`: what a repository may say about its own scan (paths to exclude, rules to turn
//! off or add, secrets known to be harmless, the confidence threshold). It is data only: nothing
//! in it can turn on validation, point validation anywhere, or run code.

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::rules::Confidence;

/// The config file looked for at the scanned root.
pub const CONFIG_FILE: &str = ".keyhound.toml";

/// A config larger than this is refused: no real one comes near it.
const MAX_CONFIG_SIZE: u64 = 1 << 20;

/// Checks that a rule file the config names (or each `*.toml` of a rule directory, as the rule
/// loader reads them) is a regular file inside `base` once links are resolved. A link out of the
/// repository would make keyhound read any file on the machine, and a rule file's parse error
/// quotes the offending line: `/proc/self/environ` would print the CI's secrets.
fn check_rule_path(base: &Path, path: &Path) -> Result<(), String> {
    let Ok(meta) = std::fs::metadata(path) else {
        // Missing or unreadable: the rule loader reports it.
        return Ok(());
    };
    let base = std::fs::canonicalize(base).map_err(|e| e.to_string())?;
    let files: Vec<PathBuf> = if meta.is_dir() {
        std::fs::read_dir(path)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    for f in files {
        let real = std::fs::canonicalize(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        if !real.starts_with(&base) {
            return Err(format!(
                "leads outside the config's directory (`{}` is a symbolic link)",
                f.display()
            ));
        }
        if !std::fs::metadata(&real).is_ok_and(|m| m.is_file()) {
            return Err(format!("`{}` is not a regular file", f.display()));
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    exclude: Vec<toml::Spanned<String>>,
    #[serde(default)]
    disable_rules: Vec<String>,
    #[serde(default)]
    rules: Vec<toml::Spanned<String>>,
    min_confidence: Option<Confidence>,
    #[serde(default)]
    allow: Vec<AllowSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowSpec {
    secret_sha256: toml::Spanned<String>,
    reason: toml::Spanned<String>,
}

/// A secret the repository says is harmless, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedSecret {
    pub secret_sha256: String,
    pub reason: String,
}

/// A parsed and checked config.
#[derive(Debug, Default)]
pub struct Config {
    /// Where it was read from (for messages), if from anywhere.
    pub file: Option<PathBuf>,
    pub excludes: Vec<String>,
    exclude_set: GlobSet,
    pub disable_rules: Vec<String>,
    /// Rule files to add, resolved against the config's directory.
    pub rule_files: Vec<PathBuf>,
    pub min_confidence: Option<Confidence>,
    pub allow: Vec<AllowedSecret>,
}

/// A config that cannot be used, with the place to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {error}")]
    Io {
        file: String,
        /// Not a `source`: the message already says it, and a chain would say it twice.
        error: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
}

impl Config {
    /// Reads `file`; `Ok(None)` when it does not exist and `required` is false.
    pub fn load(file: &Path, required: bool) -> Result<Option<Config>, ConfigError> {
        // A FIFO would never end the read, a link to /dev/zero would fill memory.
        if let Ok(meta) = std::fs::metadata(file) {
            if !meta.is_file() || meta.len() > MAX_CONFIG_SIZE {
                return Err(ConfigError::Io {
                    file: file.display().to_string(),
                    error: std::io::Error::other(format!(
                        "not a regular file of at most {MAX_CONFIG_SIZE} bytes"
                    )),
                });
            }
        }
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(ConfigError::Io {
                    file: file.display().to_string(),
                    error,
                })
            }
        };
        Config::parse(file, &text).map(Some)
    }

    /// Parses config text; `file` names it in errors and anchors relative rule paths.
    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let invalid =
            |span: Option<std::ops::Range<usize>>, message: String| ConfigError::Invalid {
                file: file.display().to_string(),
                line: span.map_or(1, |s| line_of(text, s.start)),
                message,
            };
        let raw: ConfigFile = toml::from_str(text).map_err(|e| {
            // The crate's message repeats the position and quotes the line; keep the gist.
            invalid(e.span(), e.message().trim().to_string())
        })?;

        let mut set = GlobSetBuilder::new();
        let mut excludes = Vec::new();
        for pattern in &raw.exclude {
            let glob = Glob::new(pattern.get_ref())
                .map_err(|e| invalid(Some(pattern.span()), format!("exclude: {}", e.kind())))?;
            set.add(glob);
            excludes.push(pattern.get_ref().clone());
        }
        let exclude_set = set
            .build()
            .map_err(|e| invalid(None, format!("exclude: {e}")))?;

        let base = file.parent().unwrap_or(Path::new("."));
        let mut rule_files = Vec::new();
        for r in &raw.rules {
            let p = Path::new(r.get_ref());
            // A repository's config may only point at rule files inside its own directory tree.
            if !p
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
            {
                return Err(invalid(
                    Some(r.span()),
                    format!(
                        "rules: `{}` must be a relative path inside the config's directory",
                        r.get_ref()
                    ),
                ));
            }
            let full = base.join(p);
            if let Err(why) = check_rule_path(base, &full) {
                return Err(invalid(
                    Some(r.span()),
                    format!("rules: `{}`: {why}", r.get_ref()),
                ));
            }
            rule_files.push(full);
        }

        let mut allow = Vec::new();
        for a in raw.allow {
            let sha = a.secret_sha256.get_ref().to_ascii_lowercase();
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(
                    Some(a.secret_sha256.span()),
                    "allow: secret_sha256 must be 64 hex digits (the `secret_sha256` of a finding)"
                        .into(),
                ));
            }
            if a.reason.get_ref().trim().is_empty() {
                return Err(invalid(
                    Some(a.reason.span()),
                    "allow: give a reason for allowing this secret".into(),
                ));
            }
            allow.push(AllowedSecret {
                secret_sha256: sha,
                reason: a.reason.into_inner(),
            });
        }

        Ok(Config {
            file: Some(file.to_path_buf()),
            excludes,
            exclude_set,
            disable_rules: raw.disable_rules,
            rule_files,
            min_confidence: raw.min_confidence,
            allow,
        })
    }

    /// Whether a `/`-separated path relative to the scanned root (or any directory above it) is
    /// matched by an `exclude` glob.
    pub fn excluded(&self, path: &str) -> bool {
        if self.excludes.is_empty() {
            return false;
        }
        let path = path.strip_prefix("./").unwrap_or(path);
        let mut prefix = path;
        loop {
            if self.exclude_set.is_match(prefix) {
                return true;
            }
            match prefix.rfind('/') {
                Some(i) => prefix = &prefix[..i],
                None => return false,
            }
        }
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &text.as_bytes()[..offset.min(text.len())]).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("repo/.keyhound.toml"), text)
    }

    #[test]
    fn unknown_keys_are_errors_with_file_and_line() {
        let err = parse("exclude = []\n\nvalidate = true\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("repo/.keyhound.toml:3: "), "{msg}");
        assert!(msg.contains("validate"), "{msg}");
        let err = parse("[[allow]]\nsecret_sha256 = \"\"\nreason = \"x\"\nendpoint = \"x\"\n")
            .unwrap_err();
        assert!(
            err.to_string().starts_with("repo/.keyhound.toml:4: "),
            "{err}"
        );
    }

    #[test]
    fn excludes_match_paths_and_their_directories() {
        let c = parse("exclude = [\"vendor\", \"**/*.min.js\", \"docs/**\"]").unwrap();
        assert!(c.excluded("vendor/a/b.js"));
        assert!(c.excluded("web/app.min.js"));
        assert!(c.excluded("docs/x.md"));
        assert!(!c.excluded("web/app.js"));
        assert!(!c.excluded("src/vendor.rs"));
    }

    #[test]
    fn rule_files_stay_inside_the_config_directory() {
        let c = parse("rules = [\"ci/rules.toml\"]").unwrap();
        assert_eq!(c.rule_files, vec![PathBuf::from("repo/ci/rules.toml")]);
        assert!(parse("rules = [\"../x.toml\"]").is_err());
        assert!(parse("rules = [\"/etc/x.toml\"]").is_err());
    }

    #[test]
    fn allowed_secrets_need_a_hash_and_a_reason() {
        let sha = "ab".repeat(32);
        let ok = parse(&format!(
            "[[allow]]\nsecret_sha256 = \"{sha}\"\nreason = \"revoked\"\n"
        ));
        assert_eq!(ok.unwrap().allow[0].secret_sha256, sha);
        let err = parse(&format!(
            "[[allow]]\nsecret_sha256 = \"{sha}\"\nreason = \" \"\n"
        ))
        .unwrap_err();
        assert!(err.to_string().contains(":3: "), "{err}");
        assert!(parse("[[allow]]\nsecret_sha256 = \"abc\"\nreason = \"r\"\n").is_err());
    }
}
