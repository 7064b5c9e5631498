//! The data that flows down the pipeline: where a blob came from (`Origin`), what was found in it
//! (`Finding`), and the counts of a scan (`ScanStats`). Every stage may use these; none of them
//! does any work beyond formatting and hashing.

use std::{
    fmt,
    sync::atomic::{AtomicU64, Ordering},
};

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::rules::Confidence;

/// Text that may contain a full secret. It cannot be serialized, and `Debug` prints nothing of it,
/// so it only reaches output where a report asks for it explicitly (`--show-secrets`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Sensitive(String);

impl Sensitive {
    pub fn new(s: String) -> Self {
        Sensitive(s)
    }
    /// The full text. Call only where the user asked to see secrets, or to send a key to its
    /// own provider's validation endpoint.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(<redacted>)")
    }
}

/// Where a blob came from. Downstream stages know nothing else about their input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// A file in a scanned directory (or named on the command line).
    File,
    /// Standard input (`keyhound scan -`).
    Stdin,
    /// A blob in a git object database.
    GitBlob {
        blob: String,
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        provenance: Option<Provenance>,
    },
    /// The message of a commit or of an annotated tag.
    CommitMessage {
        #[serde(flatten)]
        provenance: Provenance,
    },
    /// A blob staged in the git index.
    Staged { blob: String },
}

/// Which commit brought a git object in, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The commit (or annotated tag) that introduced the object.
    pub commit: String,
    /// The blob's path in that commit (empty for messages).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    pub author: String,
    pub email: String,
    /// RFC 3339.
    pub date: String,
    pub summary: String,
    /// Whether any ref (branch, tag, stash, HEAD) reaches the commit.
    pub reachable: bool,
    /// Whether the secret is still in a file at HEAD.
    pub in_head: bool,
}

impl Provenance {
    /// Only the commit id known: the rest is filled in when a finding needs it.
    pub fn unknown(commit: String) -> Self {
        Provenance {
            commit,
            path: String::new(),
            author: String::new(),
            email: String::new(),
            date: String::new(),
            summary: String::new(),
            reachable: false,
            in_head: false,
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// A literal credential.
    Secret,
    /// A design flaw that exposes a credential without containing it.
    Exposure,
}

/// Who gets to read the file a finding is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exposure {
    /// `client`, `server`, `notebook`, `docs`, `test` or `unknown`.
    pub class: String,
    pub reason: String,
}

/// What a live check said about a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    /// `active`, `inactive`, `unknown` or `not_checked`.
    pub status: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// RFC 3339.
    pub checked_at: String,
}

/// One secret at one place.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub rule_id: String,
    pub rule_name: String,
    pub provider: String,
    pub confidence: Confidence,
    /// Relative to the scanned root, with `/` separators.
    pub path: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in Unicode code points from the start of the line.
    pub column: usize,
    pub end_line: usize,
    /// 1-based and exclusive: the column just past the secret.
    pub end_column: usize,
    /// Byte offset of the secret in the blob.
    pub offset: usize,
    pub secret_redacted: String,
    /// Lowercase hex SHA-256 of the exact secret bytes.
    pub secret_sha256: String,
    /// The line around the secret, with every secret on it redacted.
    pub snippet: String,
    /// Identifies this secret at this place; unchanged when unrelated lines move.
    pub fingerprint: String,
    pub source: Origin,
    /// Why the confidence was lowered, if it was (`placeholder`, `low entropy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<Exposure>,
    /// How the secret was found when it was encoded (`base64`, `json-escape`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<Validation>,
    /// The customer host written next to the key, for providers whose keys work only there
    /// (Azure OpenAI resources); validation sends the key to this host and no other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip)]
    pub secret: Sensitive,
    #[serde(skip)]
    pub snippet_unredacted: Sensitive,
}

/// Redacted form of a secret: enough to recognise it, not enough to use it.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0..=7 => return "*".repeat(n.max(3)),
        8..=15 => (2, 0),
        16..=23 => (4, 2),
        _ => (8, 4),
    };
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[n - tail..]);
    out
}

/// Replaces known secrets with their redacted forms in text that comes from the scanned input
/// but is not a snippet (a path, a commit's summary and author), even where no rule matches it:
/// a key pasted into a commit message is cut short in its one-line summary.
pub struct Redactor {
    matcher: Option<aho_corasick::AhoCorasick>,
    redacted: Vec<String>,
}

impl Redactor {
    /// A redactor of `secrets` (duplicates and empty strings are fine).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Redactor {
        let mut secrets: Vec<&str> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        secrets.sort_unstable();
        secrets.dedup();
        let matcher = (!secrets.is_empty())
            .then(|| {
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(&secrets)
                    .ok()
            })
            .flatten();
        Redactor {
            matcher,
            redacted: secrets.iter().map(|s| redact(s)).collect(),
        }
    }

    /// `text` with every known secret redacted.
    pub fn redact(&self, text: &str) -> String {
        match &self.matcher {
            Some(m) => m.replace_all(text, &self.redacted),
            None => text.to_string(),
        }
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Stable identity of a finding: rule, path, secret, and which occurrence of that secret in the
/// file it is. Line numbers stay out, so moving unrelated lines changes nothing.
pub fn fingerprint(rule_id: &str, path: &str, secret_sha256: &str, occurrence: usize) -> String {
    let mut h = Sha256::new();
    for part in [rule_id, path, secret_sha256, &occurrence.to_string()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize()[..16])
}

impl Serialize for Sensitive {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Reached only through a mistake: a report must ask for `expose()` explicitly.
        s.serialize_str("<redacted>")
    }
}

/// Counts of one scan, updated from many threads.
#[derive(Debug, Default)]
pub struct ScanStats {
    pub files_scanned: AtomicU64,
    pub bytes_scanned: AtomicU64,
    pub blobs_scanned: AtomicU64,
    /// Git blobs not read because a working-tree file with the same content was scanned.
    pub blobs_skipped_in_work_tree: AtomicU64,
    pub skipped_binary: AtomicU64,
    pub skipped_too_large: AtomicU64,
    pub skipped_symlinks: AtomicU64,
    /// Commits walked to find where findings in history came from (0 for a clean history).
    pub provenance_commits: AtomicU64,
}

impl ScanStats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            files_scanned: g(&self.files_scanned),
            bytes_scanned: g(&self.bytes_scanned),
            blobs_scanned: g(&self.blobs_scanned),
            blobs_skipped_in_work_tree: g(&self.blobs_skipped_in_work_tree),
            skipped_binary: g(&self.skipped_binary),
            skipped_too_large: g(&self.skipped_too_large),
            skipped_symlinks: g(&self.skipped_symlinks),
            provenance_commits: g(&self.provenance_commits),
            ..StatsSnapshot::default()
        }
    }
}

/// The counts of a finished scan, as reports print them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StatsSnapshot {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Git blobs and commit messages scanned.
    pub blobs_scanned: u64,
    /// Git blobs not read because a working-tree file with the same content was scanned.
    pub blobs_skipped_in_work_tree: u64,
    pub skipped_binary: u64,
    pub skipped_too_large: u64,
    pub skipped_symlinks: u64,
    /// Commits walked to find where findings in history came from (0 for a clean history).
    pub provenance_commits: u64,
    /// Inputs that could not be read (each had a warning).
    pub errors: u64,
    pub findings: u64,
    /// Distinct secrets among the findings.
    pub secrets: u64,
    /// Findings set aside by triage (not in `findings`).
    pub suppressed: SuppressedCounts,
    /// Wall time of the scan, only when asked for (`--timings`): without it, the same input
    /// gives byte-identical reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
}

/// How many findings each kind of triage set aside.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SuppressedCounts {
    pub baseline: u64,
    pub inline_allow: u64,
    pub config: u64,
}

impl SuppressedCounts {
    pub fn total(&self) -> u64 {
        self.baseline + self.inline_allow + self.config
    }

    /// `3 suppressed by baseline, 1 by inline allow`; empty when nothing was suppressed.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for (n, what) in [
            (self.baseline, "baseline"),
            (self.inline_allow, "inline allow"),
            (self.config, "config allowlist"),
        ] {
            if n > 0 && out.is_empty() {
                out = format!("{n} suppressed by {what}");
            } else if n > 0 {
                out.push_str(&format!(", {n} by {what}"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_a_short_head_and_tail() {
        let key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
        assert_eq!(redact(key), "sk-proj-…6789");
        assert_eq!(redact("0123456789abcdefXY"), "0123…XY");
        assert_eq!(redact("short"), "*****");
    }

    #[test]
    fn sensitive_text_never_prints_through_debug_or_serde() {
        let s = Sensitive::new("hunter2-secret".into());
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&s).unwrap().contains("hunter2"));
    }

    #[test]
    fn the_redactor_redacts_every_known_secret_and_nothing_else() {
        let a = "sk-test-0123456789abcdefghijklmnop";
        let b = "AIzaSy-not-a-real-key-0123456789abcd";
        let r = Redactor::new([a, b, a, ""]);
        let text = format!("rotate {a} and {b}, then {a}");
        let out = r.redact(&text);
        assert_eq!(
            out,
            format!("rotate {} and {}, then {}", redact(a), redact(b), redact(a))
        );
        assert_eq!(Redactor::new([]).redact("plain"), "plain");
    }

    #[test]
    fn suppressed_counts_read_as_a_sentence() {
        let c = SuppressedCounts {
            baseline: 3,
            inline_allow: 1,
            config: 0,
        };
        assert_eq!(c.describe(), "3 suppressed by baseline, 1 by inline allow");
        assert_eq!(SuppressedCounts::default().describe(), "");
    }

    #[test]
    fn fingerprint_depends_on_place_not_line() {
        let a = fingerprint("r", "a.js", "00", 0);
        assert_eq!(a, fingerprint("r", "a.js", "00", 0));
        assert_ne!(a, fingerprint("r", "b.js", "00", 0));
        assert_ne!(a, fingerprint("r", "a.js", "00", 1));
        assert_eq!(a.len(), 32);
    }
}
