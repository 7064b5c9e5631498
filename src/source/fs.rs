//! Files and directories: a parallel walk (the `ignore` crate) that honours `.gitignore`,
//! `.ignore` and `.keyhoundignore`, never enters `.git/`, and skips binary and oversized files.

use std::{
    io::Read,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use ignore::{WalkBuilder, WalkState};

use super::{archive, git::WorkTreeIndex, is_binary, BINARY_PROBE};
use crate::{
    detect::Blob,
    diag::Diagnostics,
    finding::{Origin, ScanStats},
};

/// The ignore file of keyhound's own, read like `.gitignore` in every directory.
pub const IGNORE_FILE: &str = ".keyhoundignore";

#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Scan everything: no ignore files, hidden or not (`.git/` is still never entered).
    pub no_ignore: bool,
    /// Follow symbolic links (loops and dangling links then get a warning).
    pub follow_links: bool,
    /// Files larger than this are skipped and counted.
    pub max_file_size: u64,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
    /// Look inside archives (zip, jar, apk, tgz, …) within these limits; `None` skips them.
    pub archives: Option<archive::ArchiveLimits>,
}

/// Walks `roots` in parallel and hands every readable text file to `sink`. With `index`, each
/// scanned file's stat data are checked against git's index (to skip its blob in history).
///
/// Paths are shown relative to the root when there is one directory root (so a report lines up
/// with the repository), and as walked otherwise.
pub fn walk(
    roots: &[PathBuf],
    opts: &WalkOptions,
    index: Option<&WorkTreeIndex>,
    stats: &ScanStats,
    diag: &Diagnostics,
    sink: &(dyn Fn(&Blob<'_>) + Sync),
) {
    let strip_root = match roots {
        [only] if only.is_dir() => Some(only.clone()),
        _ => None,
    };
    // The `ignore` crate reads every ignore file whole, following links: one that is a FIFO or a
    // link to a device (which a repository can hold) would hang the walk or fill memory. A
    // directory with such a file is not entered, and an error names the file; the roots and the
    // directories above them (whose ignore files count too) are checked before the walk.
    let ignore_names: &'static [&'static str] = if opts.no_ignore {
        &[]
    } else {
        &[".gitignore", ".ignore", IGNORE_FILE]
    };
    let refused: Arc<Mutex<Vec<PathBuf>>> = Arc::default();
    let roots: Vec<&PathBuf> = roots
        .iter()
        .filter(|root| {
            let above = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
            let bad = above
                .ancestors()
                .find_map(|dir| special_ignore_file(dir, ignore_names));
            if let Some(bad) = &bad {
                refused.lock().unwrap().push(bad.clone());
            }
            bad.is_none()
        })
        .collect();
    let Some((first, rest)) = roots.split_first() else {
        report_refused(&refused, strip_root.as_deref(), diag);
        return;
    };
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    let refusing = refused.clone();
    builder
        .hidden(false)
        .parents(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .git_ignore(!opts.no_ignore)
        // A user's global excludes (often `.env`) must not change what a scan finds.
        .git_global(false)
        .git_exclude(!opts.no_ignore)
        .require_git(false)
        .follow_links(opts.follow_links)
        .threads(opts.threads)
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            if !e.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            match special_ignore_file(e.path(), ignore_names) {
                Some(bad) => {
                    refusing.lock().unwrap().push(bad);
                    false
                }
                None => true,
            }
        });
    if !opts.no_ignore {
        builder.add_custom_ignore_filename(IGNORE_FILE);
    }
    builder.build_parallel().run(|| {
        let strip_root = strip_root.clone();
        let mut buf = Vec::new();
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    diag.error("walk", err);
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                // Standard input is never walked; anything else without a type is odd but harmless.
                return WalkState::Continue;
            };
            if ft.is_symlink() {
                // Only reached when links are not followed (and the link is not a root).
                ScanStats::add(&stats.skipped_symlinks, 1);
                return WalkState::Continue;
            }
            if ft.is_dir() {
                return WalkState::Continue;
            }
            let path = entry.path();
            let shown = display_path(path, strip_root.as_deref());
            if !ft.is_file() {
                // Never opened: a FIFO blocks until someone writes to it, a device may never end.
                diag.warn(format_args!("{shown}: skipped, {}", special_kind(ft)));
                return WalkState::Continue;
            }
            // Archives are binary by nature; they are read whole and opened instead.
            let archive_kind = opts
                .archives
                .as_ref()
                .and_then(|_| archive::kind_of(&shown));
            match read_file(path, opts.max_file_size, archive_kind.is_none(), &mut buf) {
                Ok(FileRead::TooLarge(len)) => {
                    ScanStats::add(&stats.skipped_too_large, 1);
                    diag.warn(format_args!(
                        "{shown}: skipped, {len} bytes is over --max-file-size ({})",
                        opts.max_file_size
                    ));
                }
                Ok(FileRead::Data) if archive_kind.is_some() => {
                    let scanner = archive::ArchiveScanner {
                        limits: opts.archives.as_ref().unwrap(),
                        stats,
                        diag,
                        sink,
                    };
                    scanner.scan(&shown, &buf, archive_kind.unwrap());
                }
                Ok(FileRead::Binary) => {
                    ScanStats::add(&stats.skipped_binary, 1);
                }
                Ok(FileRead::NotRegular(ft)) => {
                    diag.warn(format_args!("{shown}: skipped, {}", special_kind(ft)));
                }
                Ok(FileRead::Data) => {
                    // Stat data taken after reading: a file changed while it was read shows it.
                    if let Some(index) = index {
                        if let Ok(meta) = std::fs::metadata(path) {
                            index.note(path, &meta, &buf);
                        }
                    }
                    ScanStats::add(&stats.files_scanned, 1);
                    ScanStats::add(&stats.bytes_scanned, buf.len() as u64);
                    sink(&Blob {
                        path: &shown,
                        origin: &Origin::File,
                        data: &buf,
                    });
                }
                Err(err) => diag.error(&shown, err),
            }
            if buf.capacity() > 1 << 24 {
                // Don't let one huge file pin its buffer for the rest of the walk.
                buf = Vec::new();
            }
            WalkState::Continue
        })
    });
    report_refused(&refused, strip_root.as_deref(), diag);
}

/// An ignore file among `names` in `dir` that exists but is not a regular file (links followed).
fn special_ignore_file(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    names
        .iter()
        .map(|name| dir.join(name))
        .find(|p| std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir()))
}

fn report_refused(refused: &Mutex<Vec<PathBuf>>, root: Option<&Path>, diag: &Diagnostics) {
    for file in refused.lock().unwrap().iter() {
        let kind =
            std::fs::metadata(file).map_or("not a regular file", |m| special_kind(m.file_type()));
        diag.error(
            display_path(file, root),
            format_args!("an ignore file that is {kind}: its directory was not scanned"),
        );
    }
}

enum FileRead {
    /// `buf` holds the whole file, which is text.
    Data,
    Binary,
    TooLarge(u64),
    /// Not a regular file after all (it was replaced after the directory was listed).
    NotRegular(std::fs::FileType),
}

/// What a file that is not a regular file is, for the warning that skips it.
fn special_kind(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe), not a regular file";
        }
        if ft.is_socket() {
            return "a socket, not a regular file";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device node, not a regular file";
        }
    }
    let _ = ft;
    "not a regular file"
}

/// Reads a text file into `buf` unless it is larger than `max`.
///
/// Reads the length the file had when it was opened and no further, which saves the read that
/// would only find the end of the file (a third of all reads in a tree of small files); a file
/// that grows meanwhile is scanned as it was. Files that claim to be empty (as some special
/// files do) are read to their end, up to `max + 1` bytes.
fn read_file(
    path: &Path,
    max: u64,
    judge_binary: bool,
    buf: &mut Vec<u8>,
) -> std::io::Result<FileRead> {
    let (file, meta) = super::open_no_wait(path)?;
    if !meta.is_file() {
        return Ok(FileRead::NotRegular(meta.file_type()));
    }
    let len = meta.len();
    if len > max {
        return Ok(FileRead::TooLarge(len));
    }
    buf.clear();
    buf.reserve(len as usize);
    let mut file = file.take(if len == 0 { max + 1 } else { len });
    if judge_binary && len > BINARY_PROBE as u64 {
        // Judge a big file by its head before reading the rest: binaries (images, wasm, native
        // modules) are then skipped at the cost of one small read.
        (&mut file).take(BINARY_PROBE as u64).read_to_end(buf)?;
        if is_binary(buf) {
            return Ok(FileRead::Binary);
        }
    }
    file.read_to_end(buf)?;
    if buf.len() as u64 > max {
        return Ok(FileRead::TooLarge(buf.len() as u64));
    }
    if judge_binary && is_binary(buf) {
        return Ok(FileRead::Binary);
    }
    Ok(FileRead::Data)
}

/// `/`-separated, relative to `root` when given, without a leading `./`.
pub fn display_path(path: &Path, root: Option<&Path>) -> String {
    let rel = root
        .and_then(|r| path.strip_prefix(r).ok())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(path);
    let s = rel.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(content: &[u8]) -> (FileRead, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, content).unwrap();
        let mut buf = Vec::new();
        (read_file(&path, 1 << 20, true, &mut buf).unwrap(), buf)
    }

    #[test]
    fn big_file_with_nul_in_its_head_is_binary() {
        let mut content = vec![b'a'; 100_000];
        content[BINARY_PROBE - 1] = 0;
        assert!(matches!(read(&content).0, FileRead::Binary));
    }

    #[test]
    fn small_file_with_nul_is_binary() {
        assert!(matches!(read(b"ab\0cd").0, FileRead::Binary));
    }

    #[test]
    fn nul_after_the_head_does_not_make_a_file_binary() {
        let mut content = vec![b'a'; 100_000];
        content[BINARY_PROBE] = 0;
        let (kind, buf) = read(&content);
        assert!(matches!(kind, FileRead::Data));
        assert_eq!(buf, content);
    }

    #[test]
    fn empty_file_is_empty_text() {
        let (kind, buf) = read(b"");
        assert!(matches!(kind, FileRead::Data));
        assert!(buf.is_empty());
    }

    #[test]
    fn file_over_the_limit_is_too_large() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![b'a'; 20_000]).unwrap();
        let mut buf = Vec::new();
        assert!(matches!(
            read_file(&path, 10_000, true, &mut buf).unwrap(),
            FileRead::TooLarge(20_000)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_not_read_and_opening_it_does_not_wait_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pipe");
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let mut buf = Vec::new();
        assert!(matches!(
            read_file(&path, 1 << 20, true, &mut buf).unwrap(),
            FileRead::NotRegular(_)
        ));
    }
}
