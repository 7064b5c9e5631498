//! Which files a directory scan reads: ignore files, hidden files, `.git/`, binary and oversized
//! files, unreadable files and symbolic links.

mod common;

use common::{keyhound, openai_key, scan_json, tree, write, KeyKind};

fn key_line(seed: u64) -> String {
    format!("OPENAI_API_KEY={}\n", openai_key(KeyKind::Project, seed))
}

#[test]
fn honours_gitignore_even_outside_a_git_repository() {
    let dir = tree(&[
        (".gitignore", "secrets.env\nbuild/\n"),
        ("secrets.env", &key_line(1)),
        ("build/app.js", &key_line(2)),
        ("src/app.js", &key_line(3)),
    ]);
    assert!(!dir.path().join(".git").exists());
    let scan = scan_json(dir.path(), &[]);
    assert_eq!(scan.paths(), ["src/app.js"]);
}

#[test]
fn honours_dot_ignore_files() {
    let dir = tree(&[
        (".ignore", "vendor/\n"),
        ("vendor/lib.js", &key_line(1)),
        ("app.js", &key_line(2)),
    ]);
    assert_eq!(scan_json(dir.path(), &[]).paths(), ["app.js"]);
}

#[test]
fn honours_keyhoundignore_files_in_subdirectories_too() {
    let dir = tree(&[
        (".keyhoundignore", "*.snap\n"),
        ("web/.keyhoundignore", "fixtures/\n"),
        ("tests/api.snap", &key_line(1)),
        ("web/fixtures/key.txt", &key_line(2)),
        ("web/app.js", &key_line(3)),
    ]);
    assert_eq!(scan_json(dir.path(), &[]).paths(), ["web/app.js"]);
}

#[test]
fn scans_hidden_files_and_directories() {
    let dir = tree(&[
        (".env", &key_line(1)),
        (".config/settings.json", &key_line(2)),
    ]);
    assert_eq!(
        scan_json(dir.path(), &[]).paths(),
        [".config/settings.json", ".env"]
    );
}

#[test]
fn never_enters_the_git_directory_even_with_no_ignore() {
    let dir = tree(&[
        (".git/config", &key_line(1)),
        (".git/COMMIT_EDITMSG", &key_line(2)),
        ("sub/.git/config", &key_line(3)),
        ("app.js", &key_line(4)),
    ]);
    assert_eq!(scan_json(dir.path(), &[]).paths(), ["app.js"]);
    assert_eq!(scan_json(dir.path(), &["--no-ignore"]).paths(), ["app.js"]);
}

#[test]
fn no_ignore_scans_ignored_files() {
    let dir = tree(&[
        (".gitignore", ".env\n"),
        (".ignore", "dist/\n"),
        (".keyhoundignore", "*.snap\n"),
        (".env", &key_line(1)),
        ("dist/app.js", &key_line(2)),
        ("a.snap", &key_line(3)),
    ]);
    assert_eq!(scan_json(dir.path(), &[]).paths(), Vec::<String>::new());
    assert_eq!(
        scan_json(dir.path(), &["--no-ignore"]).paths(),
        [".env", "a.snap", "dist/app.js"]
    );
}

#[test]
fn skips_and_counts_binary_files() {
    let dir = tree(&[("app.js", "console.log('hi');\n")]);
    let mut data = b"\x7fELF\x02\x01\x01\x00\x00".to_vec();
    data.extend_from_slice(key_line(1).as_bytes());
    write(dir.path(), "bin/tool", &data);
    let scan = scan_json(dir.path(), &[]);
    assert!(scan.findings().is_empty());
    assert_eq!(scan.stats()["skipped_binary"], 1);
    assert_eq!(scan.stats()["files_scanned"], 1);
    assert_eq!(scan.code, 0);
}

#[test]
fn skips_counts_and_warns_about_files_over_max_file_size() {
    let mut big = "x".repeat(2000);
    big.push_str(&key_line(1));
    let dir = tree(&[("big.js", &big), ("small.js", "let a = 1;\n")]);
    let scan = scan_json(dir.path(), &["--max-file-size", "1K"]);
    assert!(scan.findings().is_empty());
    assert_eq!(scan.stats()["skipped_too_large"], 1);
    assert_eq!(scan.stats()["files_scanned"], 1);
    assert!(
        scan.stderr.contains("big.js") && scan.stderr.contains("--max-file-size"),
        "{}",
        scan.stderr
    );
    // Skipping on purpose is not an error.
    assert_eq!(scan.code, 0);
    let scan = scan_json(dir.path(), &["--max-file-size", "1M"]);
    assert_eq!(scan.paths(), ["big.js"]);
}

/// A file this process cannot read, and how to name it to the scan. `chmod 000` does that, except
/// for root (tests often run as root in containers), who reads it anyway: then the process's own
/// `/proc/self/mem`, which opens fine but fails to read at offset 0, stands in on Linux.
/// Returns the scan's arguments and the name the warning must give.
fn unreadable_file(dir: &std::path::Path) -> Option<(Vec<String>, &'static str)> {
    use std::os::unix::fs::PermissionsExt;
    let locked = dir.join("locked.js");
    std::fs::write(&locked, key_line(9)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        return Some((vec![".".into()], "locked.js"));
    }
    std::fs::remove_file(&locked).unwrap();
    if std::path::Path::new("/proc/self/mem").exists() {
        return Some((vec![".".into(), "/proc/self/mem".into()], "/proc/self/mem"));
    }
    eprintln!("skipped: running as root and no /proc/self/mem, so no file is unreadable");
    None
}

#[test]
fn unreadable_file_warns_and_the_scan_goes_on_with_exit_2_when_nothing_found() {
    let dir = tree(&[("a.js", "let a = 1;\n"), ("b.js", "let b = 2;\n")]);
    let Some((args, name)) = unreadable_file(dir.path()) else {
        return;
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let scan = scan_json(dir.path(), &args);
    assert!(
        scan.stderr.contains("warning") && scan.stderr.contains(name),
        "{}",
        scan.stderr
    );
    assert_eq!(scan.stats()["files_scanned"], 2);
    assert_eq!(scan.stats()["errors"], 1);
    assert_eq!(scan.code, 2);
}

#[test]
fn unreadable_file_does_not_hide_findings_elsewhere() {
    let dir = tree(&[("a.js", &key_line(1))]);
    let Some((args, name)) = unreadable_file(dir.path()) else {
        return;
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let scan = scan_json(dir.path(), &args);
    assert!(
        scan.stderr.contains("warning") && scan.stderr.contains(name),
        "{}",
        scan.stderr
    );
    assert_eq!(scan.paths().len(), 1);
    assert_eq!(scan.code, 1);
}

#[test]
fn does_not_follow_symlinks_by_default() {
    let outside = tree(&[("key.js", &key_line(1))]);
    let dir = tree(&[("app.js", "let a = 1;\n")]);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked-dir")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("key.js"), dir.path().join("linked.js"))
        .unwrap();
    let scan = scan_json(dir.path(), &[]);
    assert!(scan.findings().is_empty());
    assert_eq!(scan.stats()["skipped_symlinks"], 2);
    assert_eq!(scan.code, 0);
}

#[test]
fn follows_symlinks_with_follow() {
    let outside = tree(&[("key.js", &key_line(1))]);
    let dir = tree(&[("app.js", "let a = 1;\n")]);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked-dir")).unwrap();
    let scan = scan_json(dir.path(), &["-L"]);
    assert_eq!(scan.paths(), ["linked-dir/key.js"]);
}

#[test]
fn broken_symlink_with_follow_warns_and_the_scan_goes_on() {
    let dir = tree(&[("app.js", &key_line(1))]);
    std::os::unix::fs::symlink(dir.path().join("gone.js"), dir.path().join("dangling.js")).unwrap();
    let scan = scan_json(dir.path(), &["-L"]);
    assert!(scan.stderr.contains("dangling.js"), "{}", scan.stderr);
    assert_eq!(scan.paths(), ["app.js"]);
    assert_eq!(scan.code, 1);
}

#[test]
fn symlink_loop_with_follow_warns_and_the_scan_goes_on() {
    let dir = tree(&[("sub/app.js", &key_line(1))]);
    std::os::unix::fs::symlink(dir.path().join("sub"), dir.path().join("sub/again")).unwrap();
    let out = keyhound()
        .current_dir(dir.path())
        .args(["scan", "--format", "json", "-L"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let scan = common::parse_scan(out);
    assert!(
        scan.stderr.to_lowercase().contains("loop"),
        "{}",
        scan.stderr
    );
    assert_eq!(scan.paths(), ["sub/app.js"]);
    assert_eq!(scan.code, 1);
}

#[test]
fn symlinks_named_on_the_command_line_are_followed() {
    let outside = tree(&[("key.js", &key_line(1))]);
    let dir = tree(&[]);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked-dir")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("key.js"), dir.path().join("linked.js"))
        .unwrap();
    assert_eq!(scan_json(dir.path(), &["linked-dir"]).paths(), ["key.js"]);
    assert_eq!(scan_json(dir.path(), &["linked.js"]).paths(), ["linked.js"]);
}

#[test]
fn honours_ignore_files_above_the_scanned_directory() {
    let dir = tree(&[
        (".gitignore", "*.local\n"),
        ("web/.env.local", &key_line(1)),
        ("web/app.js", &key_line(2)),
    ]);
    assert_eq!(scan_json(&dir.path().join("web"), &[]).paths(), ["app.js"]);
    assert_eq!(scan_json(dir.path(), &["web"]).paths(), ["app.js"]);
}

#[test]
fn quiet_hides_warnings_but_not_the_exit_code() {
    let dir = tree(&[("a.js", "let a = 1;\n")]);
    let Some((mut args, _)) = unreadable_file(dir.path()) else {
        return;
    };
    args.push("-q".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let scan = scan_json(dir.path(), &args);
    assert!(scan.stderr.is_empty(), "{}", scan.stderr);
    assert_eq!(scan.stats()["errors"], 1);
    assert_eq!(scan.code, 2);
}

#[test]
fn a_users_global_git_excludes_do_not_hide_files() {
    // Many people exclude `.env` globally; an audit must still read it.
    let home = tempfile::tempdir().unwrap();
    write(home.path(), ".config/git/ignore", b".env\n");
    write(
        home.path(),
        ".gitconfig",
        b"[core]\n\texcludesFile = ~/.config/git/ignore\n",
    );
    let dir = tree(&[(".env", &key_line(1))]);
    let out = keyhound()
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .args(["scan", "-f", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(common::parse_scan(out).paths(), [".env"]);
}
