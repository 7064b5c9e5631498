//! Git history: every blob of a repository's object database (loose and packed, reachable or
//! not) and every commit and annotated tag message, each read once, in parallel. Provenance (which
//! commit brought a blob in, at which path) is worked out afterwards, and only for blobs that had
//! findings, so a clean repository pays nothing for it.

use std::{
    collections::{HashMap, HashSet},
    io::IsTerminal,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, AtomicU8, Ordering},
        Mutex, Once,
    },
};

use git2::{ObjectType, Oid, Repository, RepositoryOpenFlags, Sort};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::is_binary;
use crate::{
    detect::Blob,
    diag::Diagnostics,
    finding::{Finding, Origin, Provenance, ScanStats},
};

/// How a history scan runs.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// `A..B`: only what the commits of this range introduced.
    pub range: Option<String>,
    /// Blobs larger than this are skipped and counted.
    pub max_blob_size: u64,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
    /// Draw a progress bar on stderr (only if stderr is a terminal).
    pub progress: bool,
}

/// A git repository to scan: a work tree with its `.git`, or a bare repository.
pub struct GitRepo {
    git_dir: PathBuf,
    workdir: Option<PathBuf>,
    /// In range mode, the first commit (and path) that introduced each scanned blob.
    range_origins: Mutex<HashMap<Oid, (Oid, String)>>,
}

/// Prefix of the placeholder path of a blob that no commit has been found for (yet).
const BLOB_PATH_PREFIX: &str = "<blob ";

fn configure_libgit2() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Each object is read once, so libgit2's object cache would only hold memory; hashing
        // every object again to verify it costs as much as reading it (zlib still catches damage).
        git2::opts::enable_caching(false);
        git2::opts::strict_hash_verification(false);
        // keyhound only reads objects and refs (no hooks, no filters), so a repository owned by
        // another user (a CI checkout, a mounted volume) is as safe to scan as any other file.
        // SAFETY: called once, before any repository is opened.
        let _ = unsafe { git2::opts::set_verify_owner_validation(false) };
    });
}

impl GitRepo {
    /// Opens `path` if it is the top of a work tree, a `.git` directory or a bare repository.
    /// A directory inside a work tree is not a repository here: it gets the plain file scan.
    pub fn open(path: &Path) -> Option<GitRepo> {
        if !path.is_dir() {
            return None;
        }
        configure_libgit2();
        let repo =
            Repository::open_ext(path, RepositoryOpenFlags::NO_SEARCH, &[] as &[&Path]).ok()?;
        // Insist that the path really is the work tree's top or the git dir itself.
        let real = |p: &Path| std::fs::canonicalize(p).ok();
        let here = real(path);
        if here.is_none() || (here != real(repo.path()) && here != repo.workdir().and_then(real)) {
            return None;
        }
        Some(GitRepo {
            git_dir: repo.path().to_path_buf(),
            workdir: repo.workdir().map(Path::to_path_buf),
            range_origins: Mutex::new(HashMap::new()),
        })
    }

    /// Whether the repository has no work tree.
    pub fn is_bare(&self) -> bool {
        self.workdir.is_none()
    }

    fn repo(&self) -> Result<Repository, git2::Error> {
        Repository::open(&self.git_dir)
    }

    /// Scans the history (all of it, or the range of `opts`), handing every text blob and every
    /// commit and tag message to `sink`. Blobs whose id is in `skip` were scanned already, as
    /// working-tree files.
    pub fn scan(
        &self,
        opts: &HistoryOptions,
        skip: &HashSet<Oid>,
        stats: &ScanStats,
        diag: &Diagnostics,
        sink: &(dyn Fn(&Blob<'_>) + Sync),
    ) {
        let repo = match self.repo() {
            Ok(r) => r,
            Err(e) => {
                diag.error(self.git_dir.display(), e);
                return;
            }
        };
        let objects = match &opts.range {
            Some(range) => self.range_objects(&repo, range, diag),
            None => in_pack_order(&repo, all_objects(&repo, diag)),
        };
        let listed = objects.len();
        let objects: Vec<Oid> = objects.into_iter().filter(|o| !skip.contains(o)).collect();
        ScanStats::add(
            &stats.blobs_skipped_in_work_tree,
            (listed - objects.len()) as u64,
        );
        let shallow = shallow_commits(&repo);
        if is_partial_clone(&repo) {
            // Its history is incomplete by design: the scan cannot vouch for it.
            diag.error(
                self.git_dir.display(),
                "a partial clone: objects its server has not sent are not here to scan",
            );
        }
        drop(repo);
        self.read_objects(&objects, &shallow, opts, stats, diag, sink);
    }

    /// Commits, tags and blobs introduced by the commits of `range` (tree diff against each
    /// parent; a merge introduces only what none of its parents had).
    fn range_objects(&self, repo: &Repository, range: &str, diag: &Diagnostics) -> Vec<Oid> {
        let mut walk = match repo.revwalk() {
            Ok(w) => w,
            Err(e) => {
                diag.error(format_args!("--range {range}"), e);
                return Vec::new();
            }
        };
        let pushed = walk
            .set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .and_then(|()| {
                if range.contains("..") {
                    walk.push_range(range)
                } else {
                    walk.push(repo.revparse_single(range)?.peel_to_commit()?.id())
                }
            });
        if let Err(e) = pushed {
            diag.error(format_args!("--range {range}"), e);
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut origins = self.range_origins.lock().unwrap();
        for id in walk {
            let id = match id {
                Ok(id) => id,
                Err(e) => {
                    diag.error(format_args!("--range {range}"), e);
                    continue;
                }
            };
            out.push(id);
            let added = match introduced_blobs(repo, id) {
                Ok(a) => a,
                Err(e) => {
                    diag.error(format_args!("git commit {id}"), e);
                    continue;
                }
            };
            for (blob, path) in added {
                origins.entry(blob).or_insert_with(|| {
                    out.push(blob);
                    (id, path)
                });
            }
        }
        out
    }

    /// Reads `objects` in parallel, one `Repository` per worker thread, and scans blobs and
    /// messages. Only one object per worker is in memory at a time.
    fn read_objects(
        &self,
        objects: &[Oid],
        shallow: &HashSet<Oid>,
        opts: &HistoryOptions,
        stats: &ScanStats,
        diag: &Diagnostics,
        sink: &(dyn Fn(&Blob<'_>) + Sync),
    ) {
        let pool = match rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads)
            .build()
        {
            Ok(p) => p,
            Err(e) => {
                diag.error("thread pool", e);
                return;
            }
        };
        let bar = progress_bar(opts.progress, objects.len() as u64);
        let bytes = AtomicU64::new(0);
        let slots: Vec<Mutex<Option<Repository>>> = (0..pool.current_num_threads() + 1)
            .map(|_| Mutex::new(None))
            .collect();
        pool.install(|| {
            objects.par_chunks(64).for_each(|chunk| {
                let slot = rayon::current_thread_index().unwrap_or(slots.len() - 1);
                let mut slot = slots[slot.min(slots.len() - 1)].lock().unwrap();
                if slot.is_none() {
                    match self.repo() {
                        Ok(r) => *slot = Some(r),
                        Err(e) => {
                            diag.error(self.git_dir.display(), e);
                            return;
                        }
                    }
                }
                let repo = slot.as_ref().unwrap();
                let odb = match repo.odb() {
                    Ok(o) => o,
                    Err(e) => {
                        diag.error(self.git_dir.display(), e);
                        return;
                    }
                };
                for &oid in chunk {
                    let n = read_one(&odb, oid, opts.max_blob_size, shallow, stats, diag, sink);
                    if let Some(bar) = &bar {
                        let total = bytes.fetch_add(n, Ordering::Relaxed) + n;
                        bar.inc(1);
                        bar.set_message(indicatif::HumanBytes(total).to_string());
                    }
                }
            })
        });
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    }

    /// Fills in the provenance of every finding from history (and of working-tree findings whose
    /// blob is in the repository): the introducing commit, its path there, author, date, summary,
    /// whether a ref reaches it and whether the secret is still at HEAD. Findings from blobs that
    /// no commit holds keep `provenance: None`.
    pub fn add_provenance(&self, findings: &mut [Finding], stats: &ScanStats, diag: &Diagnostics) {
        let needs = |f: &Finding| {
            matches!(
                &f.source,
                Origin::GitBlob {
                    provenance: None,
                    ..
                } | Origin::CommitMessage { .. }
            )
        };
        if !findings.iter().any(needs) {
            return;
        }
        let repo = match self.repo() {
            Ok(r) => r,
            Err(e) => {
                diag.error(self.git_dir.display(), e);
                return;
            }
        };
        let mut targets: HashSet<Oid> = HashSet::new();
        for f in findings.iter() {
            if let Origin::GitBlob {
                blob,
                provenance: None,
            } = &f.source
            {
                if let Ok(oid) = Oid::from_str(blob) {
                    targets.insert(oid);
                }
            }
        }
        let reachable = reachable_commits(&repo, diag);
        ScanStats::add(&stats.provenance_commits, reachable.len() as u64);
        let mut found: HashMap<Oid, (Oid, String)> = HashMap::new();
        {
            let origins = self.range_origins.lock().unwrap();
            for t in &targets {
                if let Some(o) = origins.get(t) {
                    found.insert(*t, o.clone());
                }
            }
        }
        targets.retain(|t| !found.contains_key(t));
        if !targets.is_empty() {
            first_commits(&repo, &reachable, &mut targets, &mut found, diag);
        }
        if !targets.is_empty() {
            // Left: blobs that only unreachable commits hold (or none at all).
            let odb = repo.odb();
            let is_commit = |o: &Oid| {
                odb.as_ref()
                    .is_ok_and(|odb| matches!(odb.read_header(*o), Ok((_, ObjectType::Commit))))
            };
            let reached: HashSet<Oid> = reachable.iter().copied().collect();
            let mut orphans: Vec<(i64, Oid)> = all_objects(&repo, diag)
                .into_iter()
                .filter(|o| !reached.contains(o) && is_commit(o))
                .filter_map(|o| repo.find_commit(o).ok().map(|c| (c.time().seconds(), o)))
                .collect();
            orphans.sort();
            let orphans: Vec<Oid> = orphans.into_iter().map(|(_, o)| o).collect();
            ScanStats::add(&stats.provenance_commits, orphans.len() as u64);
            first_commits(&repo, &orphans, &mut targets, &mut found, diag);
        }
        let reachable: HashSet<Oid> = reachable.into_iter().collect();
        let head_blobs = head_blobs(&repo);
        let head_secrets: HashSet<String> = findings
            .iter()
            .filter_map(|f| match &f.source {
                Origin::GitBlob { blob, .. } => Oid::from_str(blob)
                    .ok()
                    .filter(|o| head_blobs.contains(o))
                    .map(|_| f.secret_sha256.clone()),
                _ => None,
            })
            .collect();
        let mut cache: HashMap<Oid, Provenance> = HashMap::new();
        for f in findings.iter_mut() {
            let in_head = head_secrets.contains(&f.secret_sha256);
            match &mut f.source {
                Origin::GitBlob {
                    blob,
                    provenance: p @ None,
                } => {
                    let Some((commit, path)) = Oid::from_str(blob).ok().and_then(|o| found.get(&o))
                    else {
                        continue;
                    };
                    let Some(mut prov) = cached_provenance(&repo, *commit, &reachable, &mut cache)
                    else {
                        continue;
                    };
                    prov.path = path.clone();
                    prov.in_head = in_head;
                    if f.path.starts_with(BLOB_PATH_PREFIX) {
                        f.path = path.clone();
                    }
                    *p = Some(prov);
                }
                Origin::CommitMessage { provenance } => {
                    if let Ok(id) = Oid::from_str(&provenance.commit) {
                        if let Some(prov) = cached_provenance(&repo, id, &reachable, &mut cache) {
                            *provenance = prov;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The commit at HEAD and where the repository came from, for SARIF's
    /// `versionControlProvenance`. Credentials in a remote URL are dropped.
    pub fn version_control(&self) -> Option<(String, String, Option<String>)> {
        let repo = self.repo().ok()?;
        let head = repo.head().ok()?;
        let commit = head.peel_to_commit().ok()?.id().to_string();
        let branch = head
            .is_branch()
            .then(|| head.shorthand().ok().map(str::to_string))
            .flatten();
        let uri = repo
            .find_remote("origin")
            .ok()
            .and_then(|r| r.url().ok().map(strip_credentials))
            .unwrap_or_else(|| {
                let dir = self.workdir.as_deref().unwrap_or(&self.git_dir);
                let p = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
                format!("file://{}", p.to_string_lossy())
            });
        Some((uri, commit, branch))
    }
}

/// What git's index knows of the work tree's files, to learn the blob id of a file the walk
/// scanned without hashing it, as git does: an entry whose stat data match the file names the
/// file's blob. Those blobs are then left out of the history scan, their content having been
/// scanned as the file.
pub struct WorkTreeIndex {
    /// The walk root that index paths are relative to.
    root: PathBuf,
    entries: HashMap<Vec<u8>, IndexedFile>,
    /// Line ends may be converted: `core.autocrlf`, or attribute files mention `text`, `eol`
    /// or `crlf`.
    line_ends: bool,
}

struct IndexedFile {
    entry: git2::IndexEntry,
    /// Set by the walk: `UNCHANGED` when the file was scanned and its stat data matched, plus
    /// `HAS_CR` when it holds a carriage return (line-end conversion may then change it).
    state: AtomicU8,
}

const UNCHANGED: u8 = 1;
const HAS_CR: u8 = 2;

impl WorkTreeIndex {
    /// Marks the file at `path` (as the walk reached it from the root), read as `data`, as
    /// unchanged if the index has an entry for it whose stat data match `meta` (taken after
    /// reading).
    pub fn note(&self, path: &Path, meta: &std::fs::Metadata, data: &[u8]) {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return;
        };
        let Some(key) = index_path(rel) else {
            return;
        };
        if let Some(f) = self.entries.get(key.as_ref()) {
            if stat_matches(&f.entry, meta) {
                let converts = self.line_ends && memchr::memchr(b'\r', data).is_some();
                let state = if converts {
                    UNCHANGED | HAS_CR
                } else {
                    UNCHANGED
                };
                f.state.store(state, Ordering::Relaxed);
            }
        }
    }

    /// The blob ids of the files found unchanged (a file with a carriage return is left out
    /// when line ends may be converted: `text`, `eol` or `crlf` attributes, or `core.autocrlf`;
    /// without a CR that conversion changes nothing).
    pub fn unchanged_blobs(self) -> HashSet<Oid> {
        self.entries
            .into_values()
            .filter(|f| f.state.load(Ordering::Relaxed) == UNCHANGED)
            .map(|f| f.entry.id)
            .collect()
    }
}

impl GitRepo {
    /// The index of the work tree rooted at `root` (the path the walk starts from), or `None`
    /// for a bare repository, an unreadable index, or attribute files that mention a content
    /// filter (`filter`, `ident`, `working-tree-encoding` or an `[attr]` macro): a blob may then
    /// differ from its file. Entries that are racily clean (written in the same instant as the
    /// index, or later) are left out: their stat data prove nothing. (As for git, attributes
    /// changed after a file was added are not seen.)
    pub fn work_tree_index(&self, root: &Path) -> Option<WorkTreeIndex> {
        self.workdir.as_ref()?;
        let repo = self.repo().ok()?;
        let config = repo.config().ok()?;
        let autocrlf =
            matches!(config.get_string("core.autocrlf"), Ok(v) if !v.eq_ignore_ascii_case("false"));
        // The index file's time is read before the index: a newer index can only be stricter.
        let stamp = std::fs::metadata(repo.path().join("index")).ok()?;
        let stamp = file_time(&stamp.modified().ok()?)?;
        let index = repo.index().ok()?;
        let workdir = self.workdir.as_deref()?;
        let mut attribute_files = vec![
            repo.path().join("info/attributes"),
            repo.commondir().join("info/attributes"),
        ];
        attribute_files.extend(config.get_path("core.attributesFile").ok());
        attribute_files.extend(dirs::config_dir().map(|d| d.join("git/attributes")));
        // Those may be missing; a tracked `.gitattributes` missing from the work tree still counts.
        let optional = attribute_files.len();
        let mut entries = HashMap::with_capacity(index.len());
        for entry in index.iter() {
            let name = entry.path.rsplit(|&b| b == b'/').next().unwrap_or_default();
            if name == b".gitattributes" {
                // A path that is not UTF-8 cannot be read below: it counts as mentioning all.
                let p = std::str::from_utf8(&entry.path)
                    .map_or_else(|_| PathBuf::new(), |p| workdir.join(p));
                attribute_files.push(p);
            }
            let stage = (entry.flags >> 12) & 3;
            let flags = git2::IndexEntryExtendedFlag::from_bits_truncate(entry.flags_extended);
            let regular = matches!(entry.mode, 0o100644 | 0o100755);
            let racy = (entry.mtime.seconds(), entry.mtime.nanoseconds()) >= stamp;
            if stage != 0 || !regular || racy || flags.is_intent_to_add() {
                continue;
            }
            let path = entry.path.clone();
            entries.insert(
                path,
                IndexedFile {
                    entry,
                    state: AtomicU8::new(0),
                },
            );
        }
        // Whether attribute files mention what converts content; read once, never per file.
        let (mut filters, mut line_ends) = (false, false);
        for (n, file) in attribute_files.iter().enumerate() {
            let text = match super::read_regular(file, 1 << 24) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && n < optional => continue,
                Err(_) => b"[attr]x".to_vec(),
            };
            let (f, l) = converting_attributes(&String::from_utf8_lossy(&text));
            filters |= f;
            line_ends |= l;
        }
        if filters {
            // Per-file attribute lookups (libgit2 resolves every path, component by component)
            // would cost more than reading the blobs again.
            return None;
        }
        Some(WorkTreeIndex {
            root: root.to_path_buf(),
            entries,
            line_ends: line_ends || autocrlf,
        })
    }
}

/// Whether the lines of an attributes file (`gitattributes(5)`) set (or unset) a content filter
/// (`filter`, `ident`, `working-tree-encoding`; any `[attr]` macro counts, it may set anything)
/// and whether they touch line-end conversion (`text`, `eol`, `crlf`).
fn converting_attributes(text: &str) -> (bool, bool) {
    let (mut filters, mut line_ends) = (false, false);
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("[attr]") {
            return (true, true);
        }
        // The pattern comes first, possibly quoted (with escapes); the attributes follow.
        let rest = match line.strip_prefix('"') {
            Some(quoted) => {
                let mut escaped = false;
                let end = quoted.char_indices().find(|&(_, c)| {
                    let close = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    close
                });
                end.map_or("", |(i, _)| &quoted[i + 1..])
            }
            None => line.split_once(char::is_whitespace).map_or("", |(_, r)| r),
        };
        for attr in rest.split_whitespace() {
            let name = attr.trim_start_matches(['-', '!']);
            let name = name.split_once('=').map_or(name, |(n, _)| n);
            filters |= matches!(name, "filter" | "ident" | "working-tree-encoding");
            line_ends |= matches!(name, "text" | "eol" | "crlf");
        }
    }
    (filters, line_ends)
}

/// (seconds, nanoseconds) since the epoch as the index stores them.
fn file_time(t: &std::time::SystemTime) -> Option<(i32, u32)> {
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some((d.as_secs() as i32, d.subsec_nanos()))
}

/// A relative path as the index spells it: bytes, `/`-separated.
#[cfg(unix)]
fn index_path(rel: &Path) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::os::unix::ffi::OsStrExt;
    Some(std::borrow::Cow::Borrowed(rel.as_os_str().as_bytes()))
}

#[cfg(not(unix))]
fn index_path(rel: &Path) -> Option<std::borrow::Cow<'_, [u8]>> {
    Some(std::borrow::Cow::Owned(
        rel.to_str()?.replace('\\', "/").into_bytes(),
    ))
}

/// Whether the stat data git recorded for an entry match the file now, as git's own check does:
/// size, modification and change times to the nanosecond, inode, owner and a regular file. The
/// device is left out, as git leaves it out (it changes across mounts and NFS reboots).
#[cfg(unix)]
fn stat_matches(e: &git2::IndexEntry, m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    m.is_file()
        && m.size() as u32 == e.file_size
        && m.mtime() as i32 == e.mtime.seconds()
        && m.mtime_nsec() as u32 == e.mtime.nanoseconds()
        && m.ctime() as i32 == e.ctime.seconds()
        && m.ctime_nsec() as u32 == e.ctime.nanoseconds()
        && m.ino() as u32 == e.ino
        && m.uid() == e.uid
        && m.gid() == e.gid
}

/// Without inode and change time the stat data prove too little: every file is scanned again.
#[cfg(not(unix))]
fn stat_matches(_: &git2::IndexEntry, _: &std::fs::Metadata) -> bool {
    false
}

/// The git blob id of `data` (what `git hash-object` prints).
pub fn blob_id(data: &[u8]) -> Option<Oid> {
    Oid::hash_object(ObjectType::Blob, data).ok()
}

/// The placeholder display path of a blob before its provenance is known.
pub fn blob_path(oid: Oid) -> String {
    format!("{BLOB_PATH_PREFIX}{oid}>")
}

/// A remote URL as an RFC 3986 URI without credentials: `https://user:token@host/x` becomes
/// `https://host/x`, and git's scp-like `git@host:team/app.git` becomes `ssh://host/team/app.git`.
fn strip_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        return format!("{scheme}://{host}{tail}");
    }
    match url.split_once(':') {
        Some((host, path)) if !host.contains('/') && !host.is_empty() => {
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            format!("ssh://{host}/{}", path.trim_start_matches('/'))
        }
        _ if url.starts_with('/') => format!("file://{url}"),
        _ => url.to_string(),
    }
}

fn progress_bar(wanted: bool, total: u64) -> Option<ProgressBar> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "git history [{bar:25}] {human_pos}/{human_len} objects, {msg}, {eta} left",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    Some(bar)
}

/// Every object id in the object database, loose and packed, sorted and without duplicates.
fn all_objects(repo: &Repository, diag: &Diagnostics) -> Vec<Oid> {
    let mut ids = Vec::new();
    let result = repo.odb().and_then(|odb| {
        odb.foreach(|id| {
            ids.push(*id);
            true
        })
    });
    if let Err(e) = result {
        diag.error(
            format_args!("{}: listing objects", repo.path().display()),
            e,
        );
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// `ids` reordered as their packs store them (loose objects last, in id order), as
/// `git cat-file --unordered` does: a pack puts a delta's base before the delta, so reading in
/// this order finds each base still in libgit2's delta-base cache instead of inflating whole delta
/// chains again for every object. An index that cannot be read just leaves its objects in id order.
fn in_pack_order(repo: &Repository, ids: Vec<Oid>) -> Vec<Oid> {
    let Ok(dir) = std::fs::read_dir(repo.commondir().join("objects/pack")) else {
        return ids;
    };
    let mut placed: HashMap<Oid, (usize, u64)> = HashMap::with_capacity(ids.len());
    let mut packs: Vec<PathBuf> = dir
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .collect();
    packs.sort();
    for (n, idx) in packs.iter().enumerate() {
        if let Ok(entries) = std::fs::read(idx).map(|b| pack_index_offsets(&b)) {
            for (oid, offset) in entries.into_iter().flatten() {
                placed.entry(oid).or_insert((n, offset));
            }
        }
    }
    let mut keyed: Vec<((usize, u64), Oid)> = ids
        .into_iter()
        .map(|o| (placed.get(&o).copied().unwrap_or((usize::MAX, 0)), o))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, o)| o).collect()
}

/// (object id, offset) of every entry of a version-2 pack index (`Documentation/gitformat-pack`);
/// `None` for anything else.
fn pack_index_offsets(b: &[u8]) -> Option<Vec<(Oid, u64)>> {
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    if b.get(..8)? != b"\xfftOc\x00\x00\x00\x02" {
        return None;
    }
    let count = u32_at(8 + 255 * 4)? as usize;
    let ids = 8 + 256 * 4;
    let offsets = ids + count * 20 + count * 4;
    let large = offsets + count * 4;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let oid = Oid::from_bytes(b.get(ids + i * 20..ids + i * 20 + 20)?).ok()?;
        let small = u32_at(offsets + i * 4)?;
        let offset = if small & 0x8000_0000 == 0 {
            u64::from(small)
        } else {
            let at = large + (small & 0x7fff_ffff) as usize * 8;
            u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?)
        };
        out.push((oid, offset));
    }
    Some(out)
}

/// Reads one object and hands its scannable text to `sink`; returns the bytes read.
fn read_one(
    odb: &git2::Odb<'_>,
    oid: Oid,
    max: u64,
    shallow: &HashSet<Oid>,
    stats: &ScanStats,
    diag: &Diagnostics,
    sink: &(dyn Fn(&Blob<'_>) + Sync),
) -> u64 {
    let (size, kind) = match odb.read_header(oid) {
        Ok(h) => h,
        Err(e) => {
            diag.error(format_args!("git object {oid}"), e.message());
            return 0;
        }
    };
    if kind == ObjectType::Tree {
        return 0;
    }
    if kind == ObjectType::Blob && size as u64 > max {
        ScanStats::add(&stats.skipped_too_large, 1);
        diag.warn(format_args!(
            "git blob {oid}: skipped, {size} bytes is over --max-file-size ({max})"
        ));
        return 0;
    }
    let obj = match odb.read(oid) {
        Ok(o) => o,
        Err(e) => {
            diag.error(format_args!("git object {oid}"), e.message());
            return 0;
        }
    };
    let data = obj.data();
    match kind {
        ObjectType::Blob => {
            if is_binary(data) {
                ScanStats::add(&stats.skipped_binary, 1);
                return data.len() as u64;
            }
            ScanStats::add(&stats.blobs_scanned, 1);
            ScanStats::add(&stats.bytes_scanned, data.len() as u64);
            sink(&Blob {
                path: &blob_path(oid),
                origin: &Origin::GitBlob {
                    blob: oid.to_string(),
                    provenance: None,
                },
                data,
            });
        }
        ObjectType::Commit | ObjectType::Tag => {
            // Headers hold names and ids, not secrets; the message follows the first blank line.
            let Some(start) = memchr::memmem::find(data, b"\n\n") else {
                return data.len() as u64;
            };
            if kind == ObjectType::Commit {
                check_links(odb, oid, &data[..start], shallow, diag);
            }
            let message = &data[start + 2..];
            if message.is_empty() || is_binary(message) {
                return data.len() as u64;
            }
            ScanStats::add(&stats.blobs_scanned, 1);
            ScanStats::add(&stats.bytes_scanned, message.len() as u64);
            let what = if kind == ObjectType::Commit {
                "commit"
            } else {
                "tag"
            };
            let id = oid.to_string();
            sink(&Blob {
                path: &format!("<{what} {} message>", &id[..12]),
                origin: &Origin::CommitMessage {
                    provenance: Provenance::unknown(id),
                },
                data: message,
            });
        }
        _ => {}
    }
    data.len() as u64
}

/// Reports the tree and parents that a commit's header names but the object database lacks:
/// history that cannot be scanned. The parents of a shallow clone's boundary commits are missing
/// by design. (Blobs and subtrees are not checked: that would mean reading every tree.)
fn check_links(
    odb: &git2::Odb<'_>,
    commit: Oid,
    header: &[u8],
    shallow: &HashSet<Oid>,
    diag: &Diagnostics,
) {
    for line in header.split(|&b| b == b'\n') {
        let (what, id) = if let Some(id) = line.strip_prefix(b"tree ") {
            ("tree", id)
        } else if let Some(id) = line.strip_prefix(b"parent ") {
            if shallow.contains(&commit) {
                continue;
            }
            ("commit", id)
        } else {
            break;
        };
        let Some(id) = std::str::from_utf8(id)
            .ok()
            .and_then(|s| Oid::from_str(s).ok())
        else {
            continue;
        };
        if !odb.exists(id) {
            diag.error(
                format_args!("git {what} {id}"),
                format_args!("missing (named by commit {commit}); its contents were not scanned"),
            );
        }
    }
}

/// Whether objects may be missing by design: a remote is a promisor (git 2.x marks the remote of
/// `git clone --filter=…` so; older versions set `extensions.partialClone`).
fn is_partial_clone(repo: &Repository) -> bool {
    let Ok(config) = repo.config() else {
        return false;
    };
    config.get_string("extensions.partialclone").is_ok()
        || repo.remotes().is_ok_and(|names| {
            (0..names.len())
                .filter_map(|i| names.get(i).ok().flatten())
                .any(|name| {
                    config
                        .get_bool(&format!("remote.{name}.promisor"))
                        .unwrap_or(false)
                })
        })
}

/// The boundary commits of a shallow clone (`shallow` in the git directory), whose parents are
/// not in the repository.
fn shallow_commits(repo: &Repository) -> HashSet<Oid> {
    std::fs::read_to_string(repo.commondir().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// Blobs of `commit`'s tree that none of its parents had at that path (gitlinks left out).
fn introduced_blobs(repo: &Repository, commit: Oid) -> Result<Vec<(Oid, String)>, git2::Error> {
    let c = repo.find_commit(commit)?;
    let tree = c.tree()?;
    let mut per_parent: Vec<HashSet<(Oid, String)>> = Vec::new();
    let parents: Vec<_> = c.parents().collect();
    let bases: Vec<Option<git2::Tree<'_>>> = if parents.is_empty() {
        vec![None]
    } else {
        parents.iter().map(|p| p.tree().ok()).collect()
    };
    for base in &bases {
        let diff = repo.diff_tree_to_tree(base.as_ref(), Some(&tree), None)?;
        let mut set = HashSet::new();
        for d in diff.deltas() {
            let new = d.new_file();
            if new.id().is_zero() || new.mode() == git2::FileMode::Commit {
                continue;
            }
            let path = new
                .path_bytes()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .unwrap_or_default();
            set.insert((new.id(), path));
        }
        per_parent.push(set);
    }
    let mut sets = per_parent.into_iter();
    let mut out = sets.next().unwrap_or_default();
    for s in sets {
        out.retain(|x| s.contains(x));
    }
    let mut out: Vec<_> = out.into_iter().collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// Commits reachable from any ref or HEAD, parents before children.
fn reachable_commits(repo: &Repository, diag: &Diagnostics) -> Vec<Oid> {
    let mut walk = match repo.revwalk() {
        Ok(w) => w,
        Err(e) => {
            diag.error(repo.path().display(), e);
            return Vec::new();
        }
    };
    let _ = walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE);
    let _ = walk.push_glob("*");
    let _ = walk.push_head();
    let mut out = Vec::new();
    for id in walk {
        match id {
            Ok(id) => out.push(id),
            // A shallow or damaged history ends early; what was walked still counts.
            Err(e) => {
                diag.warn(format_args!("walking history: {}", e.message()));
                break;
            }
        }
    }
    out
}

/// Walks the trees of `commits` in order until every blob of `targets` has its first commit and
/// path. A tree seen before holds nothing new, so each distinct tree is read once.
fn first_commits(
    repo: &Repository,
    commits: &[Oid],
    targets: &mut HashSet<Oid>,
    found: &mut HashMap<Oid, (Oid, String)>,
    diag: &Diagnostics,
) {
    let mut seen: HashSet<Oid> = HashSet::new();
    for &commit in commits {
        if targets.is_empty() {
            return;
        }
        let tree = match repo.find_commit(commit).and_then(|c| c.tree()) {
            Ok(t) => t,
            Err(e) => {
                diag.warn(format_args!("git commit {commit}: {}", e.message()));
                continue;
            }
        };
        let mut stack = vec![(tree, String::new())];
        while let Some((tree, prefix)) = stack.pop() {
            if !seen.insert(tree.id()) {
                continue;
            }
            for entry in tree.iter() {
                let path = || {
                    let name = String::from_utf8_lossy(entry.name_bytes());
                    if prefix.is_empty() {
                        name.into_owned()
                    } else {
                        format!("{prefix}/{name}")
                    }
                };
                match entry.kind() {
                    Some(ObjectType::Blob) if targets.remove(&entry.id()) => {
                        found.insert(entry.id(), (commit, path()));
                    }
                    Some(ObjectType::Tree) if !seen.contains(&entry.id()) => {
                        match repo.find_tree(entry.id()) {
                            Ok(t) => stack.push((t, path())),
                            Err(e) => {
                                diag.warn(format_args!("git tree {}: {}", entry.id(), e.message()))
                            }
                        }
                    }
                    // Gitlinks (submodules) point into another repository.
                    _ => {}
                }
            }
        }
    }
}

/// Ids of the blobs in HEAD's tree.
fn head_blobs(repo: &Repository) -> HashSet<Oid> {
    let mut out = HashSet::new();
    if let Ok(tree) = repo.head().and_then(|h| h.peel_to_tree()) {
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |_, e| {
            if e.kind() == Some(ObjectType::Blob) {
                out.insert(e.id());
            }
            git2::TreeWalkResult::Ok
        });
    }
    out
}

fn cached_provenance(
    repo: &Repository,
    id: Oid,
    reachable: &HashSet<Oid>,
    cache: &mut HashMap<Oid, Provenance>,
) -> Option<Provenance> {
    if let Some(p) = cache.get(&id) {
        return Some(p.clone());
    }
    let p = describe(repo, id, reachable)?;
    cache.insert(id, p.clone());
    Some(p)
}

/// Author, date and summary of a commit, or tagger, date and name of an annotated tag.
/// A tag counts as reachable when a ref under `refs/tags/` names it.
fn describe(repo: &Repository, id: Oid, reachable: &HashSet<Oid>) -> Option<Provenance> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    if let Ok(c) = repo.find_commit(id) {
        let a = c.author();
        return Some(Provenance {
            commit: id.to_string(),
            path: String::new(),
            author: text(a.name_bytes()),
            email: text(a.email_bytes()),
            date: rfc3339(a.when()),
            summary: text(c.summary_bytes().unwrap_or_default()),
            reachable: reachable.contains(&id),
            in_head: false,
        });
    }
    let tag = repo.find_tag(id).ok()?;
    let tagger = tag.tagger();
    let tag_reachable = repo
        .references_glob("refs/tags/*")
        .map(|refs| refs.flatten().any(|r| r.target() == Some(id)))
        .unwrap_or(false);
    Some(Provenance {
        commit: id.to_string(),
        path: String::new(),
        author: tagger
            .as_ref()
            .map_or_else(String::new, |s| text(s.name_bytes())),
        email: tagger
            .as_ref()
            .map_or_else(String::new, |s| text(s.email_bytes())),
        date: tagger
            .as_ref()
            .map_or_else(String::new, |s| rfc3339(s.when())),
        summary: format!("tag {}", text(tag.name_bytes())),
        reachable: tag_reachable,
        in_head: false,
    })
}

/// `2024-05-01T12:00:00+02:00` from git's seconds and offset.
fn rfc3339(t: git2::Time) -> String {
    let offset = i64::from(t.offset_minutes());
    let local = t.seconds() + offset * 60;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let sign = if offset < 0 { '-' } else { '+' };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        offset.abs() / 60,
        offset.abs() % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_in_the_authors_zone() {
        assert_eq!(rfc3339(git2::Time::new(0, 0)), "1970-01-01T00:00:00+00:00");
        assert_eq!(
            rfc3339(git2::Time::new(1_700_000_000, 120)),
            "2023-11-15T00:13:20+02:00"
        );
        assert_eq!(
            rfc3339(git2::Time::new(951_782_400, -330)),
            "2000-02-28T18:30:00-05:30"
        );
    }

    #[test]
    fn pack_order_is_a_permutation_that_matches_the_pack_offsets() {
        let dir = tempfile::TempDir::new().unwrap();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .current_dir(dir.path())
                .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
                .args(args)
                .output()
                .unwrap();
            assert!(ok.status.success(), "{ok:?}");
            String::from_utf8(ok.stdout).unwrap()
        };
        git(&["init", "-q"]);
        for i in 0..5 {
            std::fs::write(dir.path().join("f.txt"), "line\n".repeat(200 + i)).unwrap();
            git(&["add", "-A"]);
            git(&["commit", "-q", "-m", &format!("c{i}")]);
        }
        git(&["gc", "-q"]);
        let repo = Repository::open(dir.path()).unwrap();
        let diag = Diagnostics::new(true);
        let ids = all_objects(&repo, &diag);
        let ordered = in_pack_order(&repo, ids.clone());
        let mut sorted = ordered.clone();
        sorted.sort();
        assert_eq!(sorted, ids);
        // `git verify-pack -v` lists objects with their offsets.
        let mut by_offset: Vec<(u64, String)> = Vec::new();
        let pack_dir = dir.path().join(".git/objects/pack");
        for e in std::fs::read_dir(&pack_dir).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "idx") {
                let out = git(&["verify-pack", "-v", e.path().to_str().unwrap()]);
                for line in out.lines() {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    if f.len() >= 5 && f[0].len() == 40 {
                        by_offset.push((f[4].parse().unwrap(), f[0].to_string()));
                    }
                }
            }
        }
        by_offset.sort();
        let expected: Vec<String> = by_offset.into_iter().map(|(_, id)| id).collect();
        let got: Vec<String> = ordered.iter().map(Oid::to_string).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn attribute_files_are_read_for_what_converts_content() {
        assert_eq!(
            converting_attributes("*.vcxproj.filters eol=crlf\n"),
            (false, true)
        );
        assert_eq!(
            converting_attributes("# filter\n* text=auto\n"),
            (false, true)
        );
        assert_eq!(
            converting_attributes("*.psd filter=lfs -text\n"),
            (true, true)
        );
        assert_eq!(
            converting_attributes("\"a \\\" text\" ident\n"),
            (true, false)
        );
        assert_eq!(converting_attributes("[attr]mine text\n"), (true, true));
        assert_eq!(
            converting_attributes("*.rs linguist-generated\n"),
            (false, false)
        );
    }

    #[test]
    fn remote_urls_lose_their_credentials() {
        assert_eq!(
            strip_credentials("https://user:tok@example.com/a/b.git"),
            "https://example.com/a/b.git"
        );
        assert_eq!(
            strip_credentials("git@example.com:a/b.git"),
            "ssh://example.com/a/b.git"
        );
        assert_eq!(
            strip_credentials("/srv/git/app.git"),
            "file:///srv/git/app.git"
        );
    }
}
