//! The git index, for the pre-commit gate: every file staged for the next commit (new, modified,
//! renamed) is read from the object database by its staged blob id (never from the working tree)
//! and handed to the sink together with the lines the commit adds, so only secrets on added or
//! changed lines are reported. Which files changed comes from `git diff-index` (see
//! `staged_changes`); blobs and line diffs come from git2.

use std::{ops::Range, path::Path};

use git2::{DiffOptions, ErrorCode, ObjectType, Oid, Patch, Repository};

use super::is_binary;
use crate::{
    detect::Blob,
    diag::Diagnostics,
    finding::{Origin, ScanStats},
};

/// Why the staged scan could not start at all. Problems with single blobs are warnings instead.
#[derive(Debug, thiserror::Error)]
pub enum StagedError {
    #[error("{path}: not inside a git repository with a work tree (--staged needs one)")]
    NotARepository { path: String },
    #[error("{command}: {message}")]
    Command { command: String, message: String },
}

/// The 1-based line numbers (in the staged blob) that the commit adds or changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddedLines {
    /// A new file: every line is added.
    All,
    /// Sorted, non-overlapping ranges of added lines (end exclusive).
    Ranges(Vec<Range<usize>>),
}

impl AddedLines {
    /// Whether any line from `first` to `last` (inclusive) is added.
    pub fn touches(&self, first: usize, last: usize) -> bool {
        match self {
            AddedLines::All => true,
            AddedLines::Ranges(ranges) => {
                // The first range that ends after `first` is the only candidate.
                let i = ranges.partition_point(|r| r.end <= first);
                ranges.get(i).is_some_and(|r| r.start <= last)
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct StagedOptions {
    /// Staged blobs larger than this are skipped (with a warning) and counted.
    pub max_file_size: u64,
}

/// The work tree root of the repository that contains `path` (where its `.keyhound.toml` is).
pub fn work_tree(path: &Path) -> Result<std::path::PathBuf, StagedError> {
    let repo = open(path)?;
    Ok(repo
        .workdir()
        .expect("open() checks for a work tree")
        .to_path_buf())
}

fn open(path: &Path) -> Result<Repository, StagedError> {
    let not_a_repo = || StagedError::NotARepository {
        path: path.display().to_string(),
    };
    let repo = Repository::discover(path).map_err(|_| not_a_repo())?;
    if repo.workdir().is_none() {
        return Err(not_a_repo());
    }
    Ok(repo)
}

/// One staged change, as `git diff-index --cached --raw` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Change {
    status: u8,
    old_mode: String,
    new_mode: String,
    old_id: String,
    new_id: String,
    path: Vec<u8>,
}

/// Hands every staged text blob of the repository around `path` to `sink`, with its added lines.
/// Paths are relative to the work tree root, `/`-separated, as git stores them.
pub fn scan(
    path: &Path,
    opts: &StagedOptions,
    stats: &ScanStats,
    diag: &Diagnostics,
    sink: &mut dyn FnMut(&Blob<'_>, &AddedLines),
) -> Result<(), StagedError> {
    let repo = open(path)?;
    let root = repo.workdir().expect("open() checks for a work tree");
    let mut line_opts = DiffOptions::new();
    line_opts.context_lines(0).force_text(true);
    for change in staged_changes(&repo, root)? {
        // Symbolic links hold a path, gitlinks a commit: neither is content.
        if !matches!(change.new_mode.as_str(), "100644" | "100755") {
            continue;
        }
        let shown = String::from_utf8_lossy(&change.path).into_owned();
        let blob = match Oid::from_str(&change.new_id).and_then(|id| repo.find_blob(id)) {
            Ok(b) => b,
            Err(e) => {
                diag.error(format_args!("{shown} (staged blob {})", change.new_id), e);
                continue;
            }
        };
        if blob.size() as u64 > opts.max_file_size {
            ScanStats::add(&stats.skipped_too_large, 1);
            diag.warn(format_args!(
                "{shown}: skipped, {} bytes is over --max-file-size ({})",
                blob.size(),
                opts.max_file_size
            ));
            continue;
        }
        let data = blob.content();
        if is_binary(data) {
            ScanStats::add(&stats.skipped_binary, 1);
            continue;
        }
        // The old side of a modification or rename, when it was a file too.
        let old = (change.status != b'A' && change.old_mode.starts_with("100"))
            .then(|| {
                Oid::from_str(&change.old_id)
                    .and_then(|id| repo.find_blob(id))
                    .ok()
            })
            .flatten();
        let added = match &old {
            None => AddedLines::All,
            Some(old) => match added_lines(old, &blob, &mut line_opts) {
                Ok(a) => a,
                Err(e) => {
                    diag.warn(format_args!(
                        "{shown}: cannot diff against HEAD ({e}); scanning every line"
                    ));
                    AddedLines::All
                }
            },
        };
        if added == AddedLines::Ranges(Vec::new()) {
            // A pure rename or only deleted lines: nothing new to look at.
            continue;
        }
        ScanStats::add(&stats.files_scanned, 1);
        ScanStats::add(&stats.bytes_scanned, data.len() as u64);
        sink(
            &Blob {
                path: &shown,
                origin: &Origin::Staged {
                    blob: change.new_id.clone(),
                },
                data,
            },
            &added,
        );
    }
    Ok(())
}

/// What the next commit changes: new, modified, renamed and retyped files, from
/// `git diff-index --cached`. git compares the index with HEAD through the index's cache of tree
/// ids, so the cost follows the size of the change, not of the repository (libgit2 reads every
/// tree of HEAD and the whole index for the same answer, which is measurably slower in large
/// repositories; see BENCHMARKS.md). git also knows the index of a `git commit PATH` in progress
/// (GIT_INDEX_FILE), which is the one a pre-commit hook must check.
fn staged_changes(repo: &Repository, root: &Path) -> Result<Vec<Change>, StagedError> {
    let base = match repo.head().and_then(|h| h.peel_to_tree()) {
        Ok(tree) => tree.id(),
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
            // No HEAD yet (the first commit): compare with the empty tree, so everything is new.
            Oid::hash_object(ObjectType::Tree, b"").map_err(|e| StagedError::Command {
                command: "hash the empty tree".into(),
                message: e.to_string(),
            })?
        }
        Err(e) => {
            return Err(StagedError::Command {
                command: "read HEAD".into(),
                message: e.to_string(),
            })
        }
    }
    .to_string();
    let raw = run_git(
        root,
        &[
            "diff-index",
            "--cached",
            "--raw",
            "-z",
            "-M",
            "--no-abbrev",
            "--no-ext-diff",
            "--ignore-submodules",
            "--diff-filter=AMRT",
            &base,
        ],
    )?;
    parse_raw(&raw).ok_or_else(|| StagedError::Command {
        command: "git diff-index".into(),
        message: "unexpected output".into(),
    })
}

fn run_git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, StagedError> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| StagedError::Command {
            command: format!("git {}", args[0]),
            message: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(StagedError::Command {
            command: format!("git {}", args.join(" ")),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(out.stdout)
}

/// Parses `--raw -z` records: `:old_mode new_mode old_id new_id status NUL path NUL`, with a
/// second path (the new one) after renames and copies.
fn parse_raw(raw: &[u8]) -> Option<Vec<Change>> {
    let mut fields = raw.split(|&b| b == 0).filter(|f| !f.is_empty());
    let mut out = Vec::new();
    while let Some(meta) = fields.next() {
        let meta = std::str::from_utf8(meta.strip_prefix(b":")?).ok()?;
        let mut parts = meta.split(' ');
        let (old_mode, new_mode, old_id, new_id, status) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?.as_bytes().first().copied()?,
        );
        let mut path = fields.next()?;
        if matches!(status, b'R' | b'C') {
            path = fields.next()?;
        }
        out.push(Change {
            status,
            old_mode: old_mode.into(),
            new_mode: new_mode.into(),
            old_id: old_id.into(),
            new_id: new_id.into(),
            path: path.to_vec(),
        });
    }
    Some(out)
}

/// The lines of `new` that are not in `old`, from a diff without context lines (so every hunk's
/// new side is exactly the lines it adds).
fn added_lines(
    old: &git2::Blob<'_>,
    new: &git2::Blob<'_>,
    opts: &mut DiffOptions,
) -> Result<AddedLines, git2::Error> {
    // Plain buffers, not blobs: libgit2 would look up diff drivers in .gitattributes for blobs,
    // reading the whole index again.
    let patch = Patch::from_buffers(old.content(), None, new.content(), None, Some(opts))?;
    let mut ranges = Vec::with_capacity(patch.num_hunks());
    for h in 0..patch.num_hunks() {
        let (hunk, _) = patch.hunk(h)?;
        if hunk.new_lines() > 0 {
            let start = hunk.new_start() as usize;
            ranges.push(start..start + hunk.new_lines() as usize);
        }
    }
    Ok(AddedLines::Ranges(ranges))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_touch_only_their_ranges() {
        let a = AddedLines::Ranges(vec![3..5, 9..10]);
        assert!(!a.touches(1, 2));
        assert!(a.touches(3, 3));
        assert!(a.touches(4, 4));
        assert!(!a.touches(5, 8));
        assert!(a.touches(8, 9));
        assert!(!a.touches(10, 12));
        assert!(AddedLines::All.touches(100, 100));
    }

    #[test]
    fn raw_diff_records_parse_with_renames() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let raw = format!(
            ":000000 100644 {z} {a} A\0new file.txt\0:100644 100644 {a} {b} R087\0old\0dir/new\0"
        );
        let changes = parse_raw(raw.as_bytes()).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].path, b"new file.txt");
        assert_eq!(changes[0].status, b'A');
        assert_eq!(changes[1].path, b"dir/new");
        assert_eq!(changes[1].old_id, a);
        assert_eq!(parse_raw(b"").unwrap(), vec![]);
        assert!(parse_raw(b"garbage\0").is_none());
    }
}
