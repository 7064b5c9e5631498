//! The bad-input matrix: hostile and broken files, repositories, configs and rules, each run
//! through the real binary. Every case checks the same things: no panic, no hang (the scan is
//! killed and the test fails past a deadline), a warning naming what was skipped or broken, the
//! scan going on (a key planted elsewhere in the same scan is still found) and the exit code the
//! README promises; the big cases also bound the scan's peak memory. tests/README.md lists the
//! cases and what each proves. Linux only: it reads `/proc` and uses inotify.
#![cfg(target_os = "linux")]

mod common;

use std::{
    ffi::OsStr,
    os::unix::{ffi::OsStrExt, fs::PermissionsExt},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::{git, git_env, openai_key, write, KeyKind};
use keyhound::finding::sha256_hex;
use serde_json::Value;
use tempfile::TempDir;

const MIB: u64 = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Running the binary: a deadline, the exit code, and the child's peak memory

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// Peak resident set size of the scan (see `run`).
    peak_rss: u64,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "not a JSON report ({e}):\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }

    fn findings(&self) -> Vec<Value> {
        self.json()["findings"].as_array().unwrap().clone()
    }

    fn stats(&self) -> Value {
        self.json()["stats"].clone()
    }

    /// The findings of the secret `key`.
    fn found(&self, key: &str) -> Vec<Value> {
        let sha = sha256_hex(key.as_bytes());
        self.findings()
            .into_iter()
            .filter(|f| f["secret_sha256"] == sha.as_str())
            .collect()
    }

    /// The warning lines on stderr.
    fn warnings(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("keyhound: warning:"))
            .collect()
    }
}

/// `keyhound ARGS` in `dir`, isolated like `common::keyhound`. `KEYHOUND_BIN` names another build
/// to run (.ci/run runs the ignored 1 GiB case against the release build it made).
fn keyhound(dir: &Path, args: &[&OsStr]) -> Command {
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-home");
    let bin = std::env::var_os("KEYHOUND_BIN").unwrap_or(env!("CARGO_BIN_EXE_keyhound").into());
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"));
    cmd
}

fn os(args: &[&str]) -> Vec<&'static OsStr> {
    args.iter()
        .map(|a| OsStr::new(Box::leak(a.to_string().into_boxed_str())))
        .collect()
}

/// Runs `cmd` to its end, or kills it and fails after `limit`: a hang is a failure, never a stuck
/// test run. Also fails on a panic.
///
/// Peak memory is the child's `VmHWM` (the high-water mark of its own address space since `exec`),
/// read from `/proc` every few milliseconds until it exits: a sample can only be below the true
/// peak, so a ceiling never fails for nothing. (`wait4`'s `ru_maxrss` would be simpler, but Linux
/// carries the spawning process's own peak into it at `exec`, and this test process's peak is
/// whatever its other tests did.)
fn run(mut cmd: Command, limit: Duration) -> Run {
    use std::io::Read;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        out.read_to_end(&mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        err.read_to_end(&mut s).unwrap();
        s
    });
    let pid = child.id() as libc::pid_t;
    let deadline = Instant::now() + limit;
    let status_file = format!("/proc/{pid}/status");
    let mut peak_kib = 0;
    let status = loop {
        if let Some(kib) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        }) {
            peak_kib = peak_kib.max(kib);
        }
        let mut status = 0;
        // SAFETY: a pid this process spawned and has not reaped.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break status;
        }
        assert_eq!(r, 0, "waitpid: {}", std::io::Error::last_os_error());
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the scan hung: killed after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // `child` was reaped by waitpid above; dropping it neither waits nor kills.
    drop(child);
    assert!(
        libc::WIFEXITED(status),
        "the scan died of signal {}",
        libc::WTERMSIG(status)
    );
    let run = Run {
        code: libc::WEXITSTATUS(status),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        peak_rss: peak_kib * 1024,
    };
    assert!(!run.stderr.contains("panicked"), "panic:\n{}", run.stderr);
    run
}

/// `keyhound scan --format json ARGS` in `dir`, within a minute.
fn scan(dir: &Path, args: &[&str]) -> Run {
    let mut all = os(&["scan", "--format", "json"]);
    all.extend(os(args));
    run(keyhound(dir, &all), Duration::from_secs(60))
}

// ---------------------------------------------------------------------------------------------
// Trees and keys

fn key(seed: u64) -> String {
    openai_key(KeyKind::Project, seed)
}

fn key_line(seed: u64) -> String {
    format!("OPENAI_API_KEY={}\n", key(seed))
}

/// A temporary tree holding one planted key at `planted/.env`; returns it and the key.
fn planted() -> (TempDir, String) {
    planted_in(TempDir::new().unwrap())
}

/// Like `planted`, in memory (`/dev/shm`) when the system has it: creating and deleting 100,000
/// files on a busy disk takes minutes, in memory a second or two.
fn planted_in_memory() -> (TempDir, String) {
    planted_in(memory_tempdir())
}

fn memory_tempdir() -> TempDir {
    TempDir::new_in("/dev/shm").unwrap_or_else(|_| TempDir::new().unwrap())
}

fn planted_in(dir: TempDir) -> (TempDir, String) {
    let k = key(1);
    write(dir.path(), "planted/.env", format!("OPENAI_API_KEY={k}\n"));
    (dir, k)
}

/// Asserts that the planted key was found once, at `planted/.env` (the scan went on).
fn assert_planted_found(run: &Run, planted: &str) {
    let found = run.found(planted);
    assert_eq!(found.len(), 1, "planted key: {found:#?}\n{}", run.stderr);
    assert!(
        found[0]["path"].as_str().unwrap().ends_with("planted/.env"),
        "{found:#?}"
    );
}

/// Asserts that some warning line holds every one of `words`.
fn assert_warns(run: &Run, words: &[&str]) {
    assert!(
        run.warnings()
            .iter()
            .any(|l| words.iter().all(|w| l.contains(w))),
        "no warning with {words:?}:\n{}",
        run.stderr
    );
}

fn assert_no_warnings(run: &Run) {
    assert!(run.warnings().is_empty(), "{}", run.stderr);
}

fn c_path(p: &Path) -> std::ffi::CString {
    std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap()
}

fn is_root() -> bool {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::geteuid() == 0 }
}

// ---------------------------------------------------------------------------------------------
// Files

#[test]
fn empty_file_is_scanned_as_empty_text() {
    let (dir, k) = planted();
    write(dir.path(), "empty.js", "");
    let run = scan(dir.path(), &[]);
    assert_no_warnings(&run);
    assert_planted_found(&run, &k);
    assert_eq!(run.stats()["files_scanned"], 2);
    assert_eq!(run.code, 1);
}

#[test]
fn binary_file_is_skipped_and_counted_without_a_warning() {
    let (dir, k) = planted();
    let mut elf = b"\x7fELF\x02\x01\x01\x00\x00".to_vec();
    elf.extend_from_slice(key_line(2).as_bytes());
    write(dir.path(), "bin/tool", &elf);
    let run = scan(dir.path(), &[]);
    // README: binary files are skipped and counted, without a warning.
    assert_no_warnings(&run);
    assert_eq!(run.stats()["skipped_binary"], 1);
    assert!(run.found(&key(2)).is_empty());
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn invalid_utf8_is_scanned_as_bytes() {
    let (dir, k) = planted();
    let mut data = b"\xff\xfe\xfd garbage \xc3\x28 \xed\xa0\x80\n\x80\x81\n".to_vec();
    data.extend_from_slice(format!("k = \"{}\" ", key(2)).as_bytes());
    data.extend_from_slice(b"\xe9\n");
    write(dir.path(), "latin1.js", &data);
    let run = scan(dir.path(), &[]);
    assert_no_warnings(&run);
    let found = run.found(&key(2));
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert_eq!(found[0]["path"], "latin1.js");
    assert_eq!(found[0]["line"], 3);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn utf16_with_and_without_a_byte_order_mark_is_transcoded() {
    let (dir, k) = planted();
    let text = |seed| format!("OPENAI_API_KEY={}\r\n", key(seed));
    let mut le = vec![0xff, 0xfe];
    le.extend(text(2).encode_utf16().flat_map(u16::to_le_bytes));
    let be: Vec<u8> = text(3).encode_utf16().flat_map(u16::to_be_bytes).collect();
    write(dir.path(), "bom-le.env", le);
    write(dir.path(), "no-bom-be.env", be);
    let run = scan(dir.path(), &[]);
    assert_no_warnings(&run);
    assert_eq!(
        run.found(&key(2))[0]["decoded"],
        "utf-16le",
        "{}",
        run.stdout
    );
    assert_eq!(
        run.found(&key(3))[0]["decoded"],
        "utf-16be",
        "{}",
        run.stdout
    );
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

/// A one-line file of `size` bytes of minified-looking JavaScript, written in 1 MiB pieces (so
/// the test itself never holds it), with a key at its very end.
fn one_line_file(path: &Path, size: u64, seed: u64) {
    use std::io::Write;
    let piece: Vec<u8> = b"var a=function(b){return b+1};"
        .iter()
        .copied()
        .cycle()
        .take(MIB as usize)
        .collect();
    let tail = format!("k=\"{}\";", key(seed));
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut left = size - tail.len() as u64;
    while left > 0 {
        let n = left.min(MIB) as usize;
        f.write_all(&piece[..n]).unwrap();
        left -= n as u64;
    }
    f.write_all(tail.as_bytes()).unwrap();
    f.flush().unwrap();
}

#[test]
fn one_gigabyte_single_line_file_is_skipped_over_the_default_limit_in_bounded_memory() {
    let (dir, k) = planted();
    one_line_file(&dir.path().join("huge.js"), 1 << 30, 2);
    let run = scan(dir.path(), &[]);
    eprintln!("peak RSS {} MiB", run.peak_rss / MIB);
    assert_warns(&run, &["huge.js", "--max-file-size"]);
    assert_eq!(run.stats()["skipped_too_large"], 1);
    assert!(run.found(&key(2)).is_empty());
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
    // Skipped from its size alone: never read, so it costs no memory.
    assert!(
        run.peak_rss < 100 * MIB,
        "peak RSS {} MiB",
        run.peak_rss / MIB
    );
}

/// With the limit raised, a file is read whole: memory is its size plus a small constant. A debug
/// build needs over ten minutes for a gigabyte, a release build seconds, so this runs only when
/// asked, against a release build: `KEYHOUND_BIN=target/release/keyhound cargo test --test
/// bad_input -- --ignored` (as .ci/run does), or `cargo test --release --test bad_input -- --ignored`.
#[test]
#[ignore = "reads 1 GiB: run against a release build (KEYHOUND_BIN=target/release/keyhound)"]
fn one_gigabyte_single_line_file_is_read_whole_when_the_limit_is_raised() {
    let (dir, k) = planted();
    one_line_file(&dir.path().join("huge.js"), 1 << 30, 2);
    let mut args = os(&["scan", "--format", "json", "--max-file-size", "2G"]);
    args.push(OsStr::new("."));
    let run = run(keyhound(dir.path(), &args), Duration::from_secs(600));
    eprintln!("peak RSS {} MiB", run.peak_rss / MIB);
    assert_no_warnings(&run);
    assert_eq!(run.found(&key(2))[0]["path"], "huge.js");
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
    assert!(
        run.peak_rss > 1 << 30 && run.peak_rss < (1 << 30) + 512 * MIB,
        "peak RSS {} MiB",
        run.peak_rss / MIB
    );
}

#[test]
fn file_that_grows_and_shrinks_while_read_is_scanned_as_it_was() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let (dir, k) = planted();
    let path = dir.path().join("changing.log");
    let line = "log line, nothing secret here\n".repeat(8 * 1024);
    std::fs::write(&path, &line).unwrap();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            use std::io::Write;
            // Grows the file to a few MiB, then truncates it, over and over.
            while !stop.load(Ordering::Relaxed) {
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap();
                for _ in 0..16 {
                    f.write_all(line.as_bytes()).unwrap();
                }
                f.set_len(0).unwrap();
            }
        });
        for _ in 0..3 {
            let run = scan(dir.path(), &[]);
            // A shorter read is no error: the file is scanned as far as it was.
            assert_no_warnings(&run);
            assert_planted_found(&run, &k);
            assert_eq!(run.code, 1);
        }
        stop.store(true, Ordering::Relaxed);
    });
}

/// Calls `then` as soon as some file in `dir` is opened: by then the walker has listed `dir`.
fn on_first_open_in(dir: &Path, then: impl FnOnce() + Send) -> impl FnOnce() + Send {
    // SAFETY: inotify calls with a valid NUL-terminated path; the fd is closed below.
    let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
    assert!(fd >= 0);
    let wd = unsafe { libc::inotify_add_watch(fd, c_path(dir).as_ptr(), libc::IN_OPEN) };
    assert!(wd >= 0);
    move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut buf = [0u8; 4096];
        'wait: while Instant::now() < deadline {
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            let mut at = 0;
            while n > 0 && at < n as usize {
                // struct inotify_event: wd, mask, cookie, len, then len bytes of name.
                let len = u32::from_ne_bytes(buf[at + 12..at + 16].try_into().unwrap()) as usize;
                if len > 0 {
                    // A file in the directory, not the directory itself being read.
                    break 'wait;
                }
                at += 16 + len;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        then();
        unsafe { libc::close(fd) };
    }
}

#[test]
fn file_deleted_between_listing_and_reading_warns_and_the_scan_goes_on() {
    let (dir, k) = planted();
    let victims = dir.path().join("victims");
    let padding = "let nothing_to_see = 1;\n".repeat(4 * 1024);
    for i in 0..64 {
        write(&victims, format!("v{i:02}.js"), &padding);
    }
    let remove_all = || {
        for i in 0..64 {
            let _ = std::fs::remove_file(victims.join(format!("v{i:02}.js")));
        }
    };
    let watcher = on_first_open_in(&victims, remove_all);
    let run = std::thread::scope(|s| {
        s.spawn(watcher);
        // One thread: the walker lists `victims`, then reads its files one by one.
        scan(dir.path(), &["-j", "1"])
    });
    assert_warns(&run, &["victims/v", "No such file"]);
    for w in run.warnings() {
        assert!(w.contains("victims/v") && w.contains("No such file"), "{w}");
    }
    assert!(run.stats()["errors"].as_u64().unwrap() >= 1);
    assert_planted_found(&run, &k);
    // Findings take precedence over unreadable inputs.
    assert_eq!(run.code, 1);
}

#[test]
fn unreadable_file_and_directory_warn_and_the_scan_goes_on() {
    // Mode 000 stops everyone but root, and tests often run as root (containers, CI). Then the
    // scan runs as `nobody` (uid 65534), for whom mode 000 really is unreadable; and root's own
    // scan is checked to read the file, which is what root can do.
    let (dir, k) = planted();
    write(dir.path(), "locked.js", key_line(2));
    write(dir.path(), "locked-dir/inside.js", key_line(3));
    let mode = |p: &str, m| {
        std::fs::set_permissions(dir.path().join(p), std::fs::Permissions::from_mode(m)).unwrap()
    };
    for p in ["", "planted", "planted/.env"] {
        mode(p, 0o755);
    }
    mode("locked.js", 0o000);
    mode("locked-dir", 0o000);
    // `nobody` must be able to reach the binary and the tree; without that, only root's view is
    // checked (and said so).
    let others_reach = |p: &Path| {
        p.ancestors()
            .skip(1)
            .all(|a| std::fs::metadata(a).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
    };
    let as_nobody = is_root();
    if as_nobody
        && !(others_reach(Path::new(env!("CARGO_BIN_EXE_keyhound")))
            && others_reach(&dir.path().join("x")))
    {
        eprintln!("skipped the unreadable part: user nobody cannot reach the binary or the tree");
        return;
    }
    let scan_as_nobody = |args: &[&str]| {
        let mut all = os(&["scan", "--format", "json"]);
        all.extend(os(args));
        let mut cmd = keyhound(dir.path(), &all);
        if as_nobody {
            use std::os::unix::process::CommandExt;
            cmd.uid(65534).gid(65534);
        }
        run(cmd, Duration::from_secs(60))
    };

    let run = scan_as_nobody(&[]);
    assert_warns(&run, &["locked.js", "Permission denied"]);
    assert_warns(&run, &["locked-dir", "Permission denied"]);
    assert_eq!(run.stats()["errors"], 2);
    assert!(run.found(&key(2)).is_empty() && run.found(&key(3)).is_empty());
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);

    // Nothing found and something unread: exit 2.
    let run = scan_as_nobody(&["locked.js"]);
    assert_warns(&run, &["locked.js", "Permission denied"]);
    assert_eq!(run.code, 2);

    if is_root() {
        let run = scan(dir.path(), &[]);
        assert_no_warnings(&run);
        assert_eq!(run.found(&key(2)).len(), 1);
        assert_eq!(run.found(&key(3)).len(), 1);
        assert_eq!(run.code, 1);
    }
}

#[test]
fn fifos_and_device_nodes_are_skipped_with_a_warning_and_never_opened() {
    let (dir, k) = planted();
    let fifo = dir.path().join("pipe");
    // SAFETY: valid NUL-terminated paths.
    assert_eq!(unsafe { libc::mkfifo(c_path(&fifo).as_ptr(), 0o644) }, 0);
    // A real device node needs CAP_MKNOD (root, outside most user namespaces); links to the
    // system's /dev/zero (endless) and /dev/null stand in otherwise, followed with -L.
    let node = dir.path().join("zero-node");
    let made = unsafe {
        libc::mknod(
            c_path(&node).as_ptr(),
            libc::S_IFCHR | 0o644,
            libc::makedev(1, 5),
        )
    } == 0;
    if !made {
        eprintln!("no CAP_MKNOD: the device node case uses /dev/zero through a link only");
    }
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero-link")).unwrap();

    let run = scan(dir.path(), &["-L"]);
    assert_warns(&run, &["pipe", "FIFO"]);
    assert_warns(&run, &["zero-link", "device"]);
    if made {
        assert_warns(&run, &["zero-node", "device"]);
    }
    assert_planted_found(&run, &k);
    // Skipping what cannot be scanned is not an error.
    assert_eq!(run.stats()["errors"], 0);
    assert_eq!(run.code, 1);

    // Named on the command line, they are skipped all the same.
    let run = scan(
        dir.path(),
        &["pipe", "/dev/zero", "/dev/null", "planted/.env"],
    );
    assert_warns(&run, &["pipe", "FIFO"]);
    assert_warns(&run, &["/dev/zero", "device"]);
    assert_warns(&run, &["/dev/null", "device"]);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn symlink_loop_is_not_followed_and_with_follow_is_a_warning() {
    let (dir, k) = planted();
    write(dir.path(), "sub/app.js", "let a = 1;\n");
    std::os::unix::fs::symlink(dir.path().join("sub"), dir.path().join("sub/again")).unwrap();
    std::os::unix::fs::symlink("self", dir.path().join("self")).unwrap();

    let run = scan(dir.path(), &[]);
    // README: links are not followed while walking, and counted without a warning.
    assert_no_warnings(&run);
    assert_eq!(run.stats()["skipped_symlinks"], 2);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);

    let run = scan(dir.path(), &["-L"]);
    assert_warns(&run, &["sub/again", "loop"]);
    assert_warns(&run, &["self"]);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn symlink_out_of_the_root_is_followed_only_with_follow() {
    let (dir, k) = planted();
    let outside = TempDir::new().unwrap();
    write(outside.path(), "secret.env", key_line(2));
    std::os::unix::fs::symlink(outside.path(), dir.path().join("out-dir")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.env"),
        dir.path().join("out.env"),
    )
    .unwrap();

    let run = scan(dir.path(), &[]);
    assert_no_warnings(&run);
    assert_eq!(run.stats()["skipped_symlinks"], 2);
    assert!(run.found(&key(2)).is_empty());
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);

    let run = scan(dir.path(), &["-L"]);
    assert_no_warnings(&run);
    let mut paths: Vec<String> = run
        .found(&key(2))
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, ["out-dir/secret.env", "out.env"]);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn file_name_that_is_not_utf8_is_reported_with_a_lossy_path() {
    let (dir, k) = planted();
    std::fs::write(
        dir.path().join(OsStr::from_bytes(b"caf\xe9-\xff.env")),
        key_line(2),
    )
    .unwrap();
    let run = scan(dir.path(), &[]);
    assert_no_warnings(&run);
    assert_eq!(run.found(&key(2))[0]["path"], "caf\u{fffd}-\u{fffd}.env");
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn hundred_thousand_tiny_files_are_scanned_in_bounded_memory() {
    let (dir, k) = planted_in_memory();
    let t0 = Instant::now();
    for d in 0..100 {
        let sub = dir.path().join(format!("d{d:02}"));
        std::fs::create_dir(&sub).unwrap();
        for f in 0..1000 {
            std::fs::write(sub.join(format!("f{f:03}.js")), b"let a = 1;\n").unwrap();
        }
    }
    eprintln!("created in {:?}", t0.elapsed());
    let t0 = Instant::now();
    let run = scan(dir.path(), &[]);
    eprintln!(
        "scanned in {:?}, peak {} MiB",
        t0.elapsed(),
        run.peak_rss / MIB
    );
    assert_no_warnings(&run);
    assert_eq!(run.stats()["files_scanned"], 100_001);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
    assert!(
        run.peak_rss < 200 * MIB,
        "peak RSS {} MiB",
        run.peak_rss / MIB
    );
}

#[test]
fn thousand_nested_directories_are_walked() {
    let (dir, k) = planted_in_memory();
    let deep: PathBuf = std::iter::repeat_n("d", 1000).collect();
    write(dir.path(), deep.join("deep.env"), key_line(2));
    let run = scan(dir.path(), &[]);
    assert_no_warnings(&run);
    let found = run.found(&key(2));
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]["path"].as_str().unwrap().matches("d/").count(),
        1000
    );
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

// ---------------------------------------------------------------------------------------------
// Git

/// A repository at `<tmp>/repo` whose history holds the planted key in `planted/.env`, added and
/// then deleted (so only history can find it). Returns the temporary directory, the repository
/// and the key.
fn repo_with_planted_history() -> (TempDir, PathBuf, String) {
    let tmp = TempDir::new().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let k = key(1);
    write(&repo, "planted/.env", format!("OPENAI_API_KEY={k}\n"));
    write(&repo, "README.md", "# a project\n");
    commit_all(&repo, "add config");
    std::fs::remove_file(repo.join("planted/.env")).unwrap();
    commit_all(&repo, "remove config");
    (tmp, repo, k)
}

fn commit_all(repo: &Path, message: &str) -> String {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "--allow-empty", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

fn object_file(repo: &Path, id: &str) -> PathBuf {
    repo.join(".git/objects").join(&id[..2]).join(&id[2..])
}

#[test]
fn empty_repository_gets_its_work_tree_scanned() {
    let (dir, k) = planted();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    let run = scan(dir.path(), &[]);
    assert_no_warnings(&run);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
    let run = scan(dir.path(), &["--history-only"]);
    assert_no_warnings(&run);
    assert_eq!(run.code, 0);
}

#[test]
fn bare_repository_has_its_history_scanned() {
    let (tmp, _repo, k) = repo_with_planted_history();
    git(tmp.path(), &["clone", "-q", "--bare", "repo", "bare.git"]);
    let run = scan(&tmp.path().join("bare.git"), &[]);
    assert_no_warnings(&run);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn shallow_clone_is_scanned_to_its_boundary_without_warnings() {
    let (tmp, repo, k) = repo_with_planted_history();
    // The planted key must be inside the clone's depth: put it back at the tip.
    write(&repo, "planted/.env", key_line(1));
    commit_all(&repo, "restore config");
    let url = format!("file://{}", repo.display());
    git(
        tmp.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let run = scan(&tmp.path().join("shallow"), &["--history-only"]);
    assert_no_warnings(&run);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn missing_tree_and_commit_are_errors_naming_them_and_the_scan_goes_on() {
    let (_tmp, repo, k) = repo_with_planted_history();
    write(&repo, "src/app.js", "let a = 1;\n");
    commit_all(&repo, "add app");
    write(&repo, "src/app.js", "let a = 2;\n");
    commit_all(&repo, "change app");
    let tree = git(&repo, &["rev-parse", "HEAD~1^{tree}"]);
    let parent = git(&repo, &["rev-parse", "HEAD~1"]);
    std::fs::remove_file(object_file(&repo, &tree)).unwrap();
    std::fs::remove_file(object_file(&repo, &parent)).unwrap();

    let run = scan(&repo, &["--history-only"]);
    assert_warns(&run, &[&format!("git commit {parent}"), "missing"]);
    assert_planted_found(&run, &k);
    assert!(run.stats()["errors"].as_u64().unwrap() >= 1);
    assert_eq!(run.code, 1);

    // The root tree of a commit that is still there.
    let (_tmp, repo, _) = repo_with_planted_history();
    let tree = git(&repo, &["rev-parse", "HEAD^{tree}"]);
    std::fs::remove_file(object_file(&repo, &tree)).unwrap();
    let run = scan(&repo, &["--history-only", "--exit-code", "0"]);
    assert_warns(&run, &[&format!("git tree {tree}"), "missing"]);
    assert_eq!(run.stats()["errors"], 1);
}

#[test]
fn missing_object_alone_makes_exit_code_2() {
    let tmp = TempDir::new().unwrap();
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    write(tmp.path(), "a.js", "let a = 1;\n");
    commit_all(tmp.path(), "one");
    commit_all(tmp.path(), "two");
    let first = git(tmp.path(), &["rev-parse", "HEAD~1"]);
    std::fs::remove_file(object_file(tmp.path(), &first)).unwrap();
    let run = scan(tmp.path(), &[]);
    assert_warns(&run, &[&format!("git commit {first}"), "missing"]);
    assert!(run.findings().is_empty());
    assert_eq!(run.code, 2);
}

#[test]
fn partial_clone_warns_that_its_server_kept_objects_back() {
    let (tmp, repo, k) = repo_with_planted_history();
    git(&repo, &["config", "uploadpack.allowFilter", "true"]);
    let url = format!("file://{}", repo.display());
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            "--no-checkout",
            "--filter=blob:none",
            &url,
            "partial",
        ],
    );
    let partial = tmp.path().join("partial");
    let run = scan(&partial, &["--history-only"]);
    assert_warns(&run, &["partial clone"]);
    // The blob with the key was never fetched: nothing found, and the scan says it is incomplete.
    assert!(run.findings().is_empty());
    assert_eq!(run.code, 2);

    // A blob the clone did fetch is scanned.
    git(&partial, &["checkout", "-q", "main~1"]);
    let run = scan(&partial, &["--history-only"]);
    assert_warns(&run, &["partial clone"]);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn corrupt_packed_object_is_an_error_with_its_id_and_the_scan_goes_on() {
    let (_tmp, repo, k) = repo_with_planted_history();
    write(&repo, "victim.txt", "x".repeat(5000));
    commit_all(&repo, "add victim");
    std::fs::remove_file(repo.join("victim.txt")).unwrap();
    commit_all(&repo, "remove victim");
    git(&repo, &["repack", "-adq"]);
    let victim = git(&repo, &["rev-parse", "HEAD~1:victim.txt"]);
    let pack = std::fs::read_dir(repo.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .unwrap();
    let idx = pack.with_extension("idx");
    let listing = git(&repo, &["verify-pack", "-v", idx.to_str().unwrap()]);
    let offset: usize = listing
        .lines()
        .find(|l| l.starts_with(&victim))
        .and_then(|l| l.split_whitespace().nth(4))
        .unwrap()
        .parse()
        .unwrap();
    // Past the entry's type-and-size header (a varint), break the zlib stream's header.
    let mut bytes = std::fs::read(&pack).unwrap();
    let mut at = offset;
    while bytes[at] & 0x80 != 0 {
        at += 1;
    }
    bytes[at + 1] = 0;
    bytes[at + 2] = 0;
    std::fs::set_permissions(&pack, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&pack, bytes).unwrap();

    let run = scan(&repo, &[]);
    assert_warns(&run, &[&format!("git object {victim}")]);
    assert_eq!(run.stats()["errors"], 1);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn submodule_is_left_to_its_own_repository() {
    let (tmp, repo, k) = repo_with_planted_history();
    let lib = tmp.path().join("lib");
    std::fs::create_dir(&lib).unwrap();
    git(&lib, &["init", "-q", "-b", "main"]);
    write(&lib, "lib.js", key_line(2));
    commit_all(&lib, "lib");
    git(
        &repo,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            lib.to_str().unwrap(),
            "vendor/lib",
        ],
    );
    commit_all(&repo, "add submodule");

    let run = scan(&repo, &[]);
    // Its gitlink names a commit of another repository: no "missing object" for it.
    assert_no_warnings(&run);
    assert_planted_found(&run, &k);
    // Its checkout is files in the work tree, scanned as such.
    assert_eq!(run.found(&key(2))[0]["path"], "vendor/lib/lib.js");
    assert_eq!(run.code, 1);

    let run = scan(&repo, &["--history-only"]);
    assert_no_warnings(&run);
    assert!(run.found(&key(2)).is_empty());
    assert_planted_found(&run, &k);
}

#[test]
fn lfs_pointer_is_scanned_as_the_small_text_it_is() {
    let (_tmp, repo, k) = repo_with_planted_history();
    write(
        &repo,
        ".gitattributes",
        "*.bin filter=lfs diff=lfs merge=lfs -text\n",
    );
    let oid = sha256_hex(b"large content kept elsewhere");
    write(
        &repo,
        "model.bin",
        format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 1234567\n"),
    );
    commit_all(&repo, "add model");
    let run = scan(&repo, &[]);
    assert_no_warnings(&run);
    assert_eq!(run.findings().len(), 1, "{}", run.stdout);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn detached_head_is_scanned_like_a_branch() {
    let (_tmp, repo, k) = repo_with_planted_history();
    write(&repo, "later.env", key_line(2));
    commit_all(&repo, "later");
    git(&repo, &["checkout", "-q", "--detach", "HEAD~2"]);
    let run = scan(&repo, &[]);
    assert_no_warnings(&run);
    assert_planted_found(&run, &k);
    // On main, ahead of the detached HEAD: still history.
    assert_eq!(run.found(&key(2)).len(), 1);
    assert_eq!(run.code, 1);
}

#[test]
fn commit_with_a_non_utf8_message_and_author_is_scanned() {
    let (_tmp, repo, k) = repo_with_planted_history();
    // ISO-8859-1 bytes, declared as such, and a key in the message.
    let mut message = b"Caf\xe9 cr\xe8me: ".to_vec();
    message.extend_from_slice(key(2).as_bytes());
    message.push(b'\n');
    let file = repo.join("../message.txt");
    std::fs::write(&file, message).unwrap();
    let author = OsStr::from_bytes(b"Ren\xe9e \xff");
    git_env(
        &repo,
        &[
            "-c",
            "i18n.commitEncoding=ISO-8859-1",
            "commit",
            "-q",
            "--allow-empty",
            "-F",
            file.to_str().unwrap(),
        ],
        &[("GIT_AUTHOR_NAME", author)],
    );
    let run = scan(&repo, &[]);
    assert_no_warnings(&run);
    let found = run.found(&key(2));
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert_eq!(found[0]["source"]["kind"], "commit-message");
    assert!(
        found[0]["source"]["author"]
            .as_str()
            .unwrap()
            .starts_with("Ren"),
        "{found:#?}"
    );
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn hundred_thousand_commit_history_is_scanned_in_bounded_memory() {
    use std::io::Write;
    const COMMITS: usize = 100_000;
    let tmp = memory_tempdir();
    let t0 = Instant::now();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    // One file changed by every commit; the key is added by commit 50,000 and removed by the next.
    let mut stream = Vec::with_capacity(COMMITS * 200);
    for i in 1..=COMMITS {
        let content = if i == 50_000 {
            key_line(1)
        } else {
            format!("n = {i}\n")
        };
        write!(
            stream,
            "commit refs/heads/main\nmark :{i}\ncommitter Ada <ada@example.com> {} +0000\n\
             data 2\nc\n",
            1_600_000_000 + i
        )
        .unwrap();
        if i > 1 {
            writeln!(stream, "from :{}", i - 1).unwrap();
        }
        write!(
            stream,
            "M 644 inline planted/.env\ndata {}\n{content}\n",
            content.len()
        )
        .unwrap();
    }
    let mut child = Command::new("git")
        .current_dir(repo)
        .args(["fast-import", "--quiet"])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&stream).unwrap();
    assert!(child.wait().unwrap().success());
    let introduced = git(repo, &["rev-parse", &format!("main~{}", COMMITS - 50_000)]);
    eprintln!("history made in {:?}", t0.elapsed());
    let t0 = Instant::now();

    let mut args = os(&["scan", "--format", "json", "--history-only"]);
    args.push(OsStr::new("."));
    let run = run(keyhound(repo, &args), Duration::from_secs(300));
    eprintln!(
        "scanned in {:?}, peak {} MiB",
        t0.elapsed(),
        run.peak_rss / MIB
    );
    assert_no_warnings(&run);
    let found = run.found(&key(1));
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert_eq!(found[0]["source"]["commit"], introduced.as_str());
    assert_eq!(found[0]["source"]["in_head"], false);
    assert_eq!(run.code, 1);
    assert!(
        run.peak_rss < 300 * MIB,
        "peak RSS {} MiB",
        run.peak_rss / MIB
    );
}

// ---------------------------------------------------------------------------------------------
// Configs and rules: refused up front, naming the file (a half-read config could hide findings
// or show ones the team excluded, so none of these scans goes on; README: usage errors exit 2)

/// A rule file for `--rules` with one rule.
fn rule_file(keyword: &str, regex: &str, extra: &str) -> String {
    format!(
        "[provider]\nid = \"acme\"\nname = \"Acme\"\nrotation_url = \"https://acme.example/keys\"\n\
         remediation = \"Rotate it.\"\n\n[[rules]]\nid = \"acme-token\"\nname = \"Acme token\"\n\
         confidence = \"high\"\nkeywords = [\"{keyword}\"]\nregex = '''{regex}'''\n{extra}"
    )
}

fn assert_refused(run: &Run, words: &[&str]) {
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let err = run
        .stderr
        .lines()
        .find(|l| l.starts_with("keyhound: error:"))
        .unwrap_or_else(|| panic!("no error line:\n{}", run.stderr));
    let all = &run.stderr[run.stderr.find(err).unwrap()..];
    for w in words {
        assert!(all.contains(w), "{w:?} not in:\n{}", run.stderr);
    }
}

#[test]
fn malformed_config_is_an_error_naming_its_file_and_line() {
    let (dir, _) = planted();
    write(
        dir.path(),
        ".keyhound.toml",
        "exclude = [\"vendor\"\nmin_confidence = ",
    );
    assert_refused(&scan(dir.path(), &[]), &[".keyhound.toml:2"]);
}

#[test]
fn unknown_fields_in_a_config_or_a_rule_file_are_errors_naming_them() {
    let (dir, _) = planted();
    write(
        dir.path(),
        ".keyhound.toml",
        "exclude = []\nexcludes = [\"x\"]\n",
    );
    assert_refused(
        &scan(dir.path(), &[]),
        &[".keyhound.toml:2", "unknown field `excludes`"],
    );
    std::fs::remove_file(dir.path().join(".keyhound.toml")).unwrap();
    write(
        dir.path(),
        "rules.toml",
        rule_file("acme_", "acme_[a-z]{20}", "severity = \"high\"\n"),
    );
    assert_refused(
        &scan(dir.path(), &["--rules", "rules.toml"]),
        &["rules.toml", "unknown field `severity`"],
    );
}

#[test]
fn invalid_regex_in_a_user_rule_is_an_error_naming_the_rule() {
    let (dir, _) = planted();
    write(
        dir.path(),
        "rules.toml",
        rule_file("acme_", "acme_([a-z]{20}", ""),
    );
    assert_refused(
        &scan(dir.path(), &["--rules", "rules.toml"]),
        &["rules.toml", "acme-token", "regex"],
    );
}

#[test]
fn catastrophic_regex_in_a_user_rule_cannot_stall_a_scan() {
    // `(a+)+` then a `b` that never comes: a backtracking engine takes 2^n steps on n `a`s. The
    // regex crate's engines are linear, so half a MiB of them is a moment's work (a few seconds
    // in a debug build); the rule's window covers all of it.
    let (dir, k) = planted();
    write(
        dir.path(),
        "rules.toml",
        rule_file("aaa", "(?:a+)+(?:a|aa)*(b)", "window = 1000000\n"),
    );
    write(dir.path(), "adversarial.txt", "a".repeat(512 * 1024));
    let run = scan(dir.path(), &["--rules", "rules.toml"]);
    assert_no_warnings(&run);
    assert_planted_found(&run, &k);
    assert_eq!(run.stats()["files_scanned"], 3);
    assert_eq!(run.code, 1);
}

/// `scan --format json ARGS` in `dir` with at most 2 GiB of address space, for cases whose
/// failure would be reading without end.
fn scan_in_2_gib(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    use std::os::unix::process::CommandExt;
    let mut all = os(&["scan", "--format", "json"]);
    all.extend(os(args));
    let mut cmd = keyhound(dir, &all);
    cmd.envs(env.iter().copied());
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 2 << 30,
                rlim_max: 2 << 30,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    run(cmd, Duration::from_secs(60))
}

#[test]
fn config_ignore_and_attribute_files_that_are_devices_or_fifos_cannot_stall_a_scan() {
    // A repository can hold links to /dev/zero (and a work directory a FIFO) under the names of
    // files keyhound or the walker read whole: found by the matrix, these used to fill memory or
    // hang.
    let (dir, k) = planted();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join(".keyhound.toml")).unwrap();
    let run = scan_in_2_gib(dir.path(), &[], &[]);
    assert_refused(&run, &[".keyhound.toml", "not a regular file"]);
    std::fs::remove_file(dir.path().join(".keyhound.toml")).unwrap();

    write(dir.path(), "web/app.js", key_line(2));
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("web/.gitignore")).unwrap();
    write(dir.path(), "docs/readme.md", key_line(3));
    // SAFETY: a valid NUL-terminated path.
    let fifo = dir.path().join("docs/.keyhoundignore");
    assert_eq!(unsafe { libc::mkfifo(c_path(&fifo).as_ptr(), 0o644) }, 0);
    git(dir.path(), &["init", "-q", "-b", "main"]);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join(".gitattributes")).unwrap();
    git(dir.path(), &["add", ".gitattributes", "planted"]);
    git(dir.path(), &["commit", "-q", "-m", "attributes"]);

    let run = scan_in_2_gib(dir.path(), &[], &[]);
    // Their directories cannot be walked as the ignore files say, so they are not walked at all.
    assert_warns(&run, &["web/.gitignore", "device", "not scanned"]);
    assert_warns(&run, &["docs/.keyhoundignore", "FIFO", "not scanned"]);
    assert!(run.found(&key(2)).is_empty() && run.found(&key(3)).is_empty());
    assert_eq!(run.stats()["errors"], 2);
    assert_planted_found(&run, &k);
    assert_eq!(run.code, 1);
}

#[test]
fn rule_file_linked_out_of_the_repository_is_refused_unread() {
    // A parse error quotes the offending line, so a rule "file" linked to /proc/self/environ
    // would print the CI's environment: found by the matrix.
    let (dir, _) = planted();
    let secret = "hunter2-not-a-real-token";
    write(
        dir.path(),
        ".keyhound.toml",
        "rules = [\"ci/rules.toml\"]\n",
    );
    std::fs::create_dir(dir.path().join("ci")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", dir.path().join("ci/rules.toml")).unwrap();
    let run = scan_in_2_gib(dir.path(), &[], &[("CI_TOKEN", secret)]);
    assert_refused(&run, &["ci/rules.toml", "outside the config's directory"]);
    assert!(!run.stderr.contains(secret), "{}", run.stderr);

    // The same through a rule directory.
    write(dir.path(), ".keyhound.toml", "rules = [\"ci\"]\n");
    let run = scan_in_2_gib(dir.path(), &[], &[("CI_TOKEN", secret)]);
    assert_refused(&run, &["ci/rules.toml", "outside the config's directory"]);
    assert!(!run.stderr.contains(secret), "{}", run.stderr);
}

#[test]
fn baseline_from_a_future_version_is_refused_with_its_version() {
    let (dir, _) = planted();
    // A newer format may add fields: the version is what the error must name, not the field.
    write(
        dir.path(),
        "baseline.json",
        r#"{"version": 2, "tool": "keyhound", "findings": [], "written_by": "keyhound 9.0"}"#,
    );
    assert_refused(
        &scan(dir.path(), &["--baseline", "baseline.json"]),
        &["baseline.json", "version 2", "newer keyhound"],
    );
}
