//! The git index, for the pre-commit gate: every file staged for the next commit (new, modified,
//! renamed) is read from the index (never from the working tree) and handed to the sink together
//! with the lines the commit adds, so only secrets on added or changed lines are reported.

use std::{ops::Range, path::Path};

use git2::{Delta, DiffFindOptions, DiffOptions, FileMode, Patch, Repository};

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
    #[error("{what}: {source}")]
    Git {
        what: &'static str,
        source: git2::Error,
    },
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

/// Hands every staged text blob of the repository around `path` to `sink`, with its added lines.
/// Paths are relative to the work tree root, `/`-separated, as git stores them.
pub fn scan(
    path: &Path,
    opts: &StagedOptions,
    stats: &ScanStats,
    diag: &Diagnostics,
    sink: &mut dyn FnMut(&Blob<'_>, &AddedLines),
) -> Result<(), StagedError> {
    let git = |what| move |source| StagedError::Git { what, source };
    let repo = open(path)?;
    let index = repo.index().map_err(git("cannot read the index"))?;
    // No HEAD yet (the first commit): everything in the index is new.
    let head_tree = match repo.head() {
        Ok(head) => Some(head.peel_to_tree().map_err(git("cannot read HEAD"))?),
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            None
        }
        Err(e) => return Err(git("cannot read HEAD")(e)),
    };
    let mut diff_opts = DiffOptions::new();
    diff_opts.include_typechange(true).ignore_submodules(true);
    let mut diff = repo
        .diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut diff_opts))
        .map_err(git("cannot compare the index with HEAD"))?;
    // A renamed (and perhaps edited) file is diffed against its old self, so only its edits count.
    diff.find_similar(Some(
        DiffFindOptions::new()
            .renames(true)
            .copies(false)
            .exact_match_only(false),
    ))
    .map_err(git("cannot detect renames"))?;

    let mut line_opts = DiffOptions::new();
    line_opts.context_lines(0).force_text(true);
    for delta in diff.deltas() {
        let old_id = match delta.status() {
            Delta::Added | Delta::Copied => None,
            Delta::Modified | Delta::Renamed | Delta::Typechange => Some(delta.old_file().id()),
            _ => continue,
        };
        let new = delta.new_file();
        // Symbolic links hold a path, gitlinks a commit: neither is content.
        if !matches!(new.mode(), FileMode::Blob | FileMode::BlobExecutable) {
            continue;
        }
        let shown = String::from_utf8_lossy(new.path_bytes().unwrap_or_default()).into_owned();
        let blob = match repo.find_blob(new.id()) {
            Ok(b) => b,
            Err(e) => {
                diag.error(format_args!("{shown} (staged blob {})", new.id()), e);
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
        let old = old_id
            .filter(|_| delta.old_file().mode() != FileMode::Link)
            .and_then(|id| repo.find_blob(id).ok());
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
            // A pure rename or a deletion of lines: nothing new to look at.
            continue;
        }
        ScanStats::add(&stats.files_scanned, 1);
        ScanStats::add(&stats.bytes_scanned, data.len() as u64);
        sink(
            &Blob {
                path: &shown,
                origin: &Origin::Staged {
                    blob: new.id().to_string(),
                },
                data,
            },
            &added,
        );
    }
    Ok(())
}

/// The lines of `new` that are not in `old`, from a diff without context lines (so every hunk's
/// new side is exactly the lines it adds).
fn added_lines(
    old: &git2::Blob<'_>,
    new: &git2::Blob<'_>,
    opts: &mut DiffOptions,
) -> Result<AddedLines, git2::Error> {
    let patch = Patch::from_blobs(old, None, new, None, Some(opts))?;
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
}
