//! The pre-commit gates: `keyhound hook install|uninstall` (a plain git hook) and the hook for
//! the pre-commit framework (`.pre-commit-hooks.yaml`), each blocking a commit that adds a key.

mod common;

use std::{path::Path, process::Command};

use common::{git_output as git, git_repo as repo};

use assert_cmd::Command as Bin;
use keyhound::rules::template::expand;
use predicates::prelude::*;

fn key(seed: u64) -> String {
    expand("sk-proj-{b64url:74}T3BlbkFJ{b64url:74}", seed)
}

fn hook(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    Bin::cargo_bin("keyhound")
        .unwrap()
        .arg("hook")
        .args(args)
        .current_dir(dir)
        .assert()
}

#[test]
fn installed_hook_blocks_a_commit_that_adds_a_key_and_passes_a_clean_one() {
    let r = repo();
    hook(r.path(), &["install"]).success();
    let installed = r.path().join(".git/hooks/pre-commit");
    assert!(std::fs::read_to_string(&installed)
        .unwrap()
        .contains("keyhound scan --staged"));

    std::fs::write(
        r.path().join("app.js"),
        format!("const k = '{}';\n", key(1)),
    )
    .unwrap();
    git(r.path(), &["add", "."]);
    let blocked = git(r.path(), &["commit", "-q", "-m", "leak"]);
    assert!(!blocked.status.success(), "the commit went through");
    let said = String::from_utf8_lossy(&blocked.stdout).to_string()
        + &String::from_utf8_lossy(&blocked.stderr);
    assert!(said.contains("app.js:1:12"), "{said}");
    assert!(said.contains("commit blocked"), "{said}");
    assert!(!said.contains(&key(1)));

    std::fs::write(r.path().join("app.js"), "const k = process.env.KEY;\n").unwrap();
    git(r.path(), &["add", "."]);
    let clean = git(r.path(), &["commit", "-q", "-m", "clean"]);
    assert!(clean.status.success(), "{clean:?}");
}

#[test]
fn installed_hook_checks_the_index_of_a_commit_with_paths() {
    // `git commit FILE` commits the working-tree FILE through a temporary index: that index is
    // what the hook must check, not the regular one.
    let r = repo();
    hook(r.path(), &["install"]).success();
    std::fs::write(r.path().join("a.txt"), "clean\n").unwrap();
    git(r.path(), &["add", "."]);
    assert!(git(r.path(), &["commit", "-q", "-m", "a"]).status.success());
    std::fs::write(r.path().join("a.txt"), format!("clean\nk = {}\n", key(3))).unwrap();
    let blocked = git(r.path(), &["commit", "-q", "-m", "b", "a.txt"]);
    assert!(!blocked.status.success(), "the commit went through");
    // git shows a hook's standard output on its standard error.
    assert!(String::from_utf8_lossy(&blocked.stderr).contains("a.txt:2:5"));
}

#[test]
fn install_honours_core_hooks_path() {
    let r = repo();
    git(r.path(), &["config", "core.hooksPath", ".githooks"]);
    hook(r.path(), &["install"]).success();
    assert!(r.path().join(".githooks/pre-commit").is_file());
    assert!(!r.path().join(".git/hooks/pre-commit").exists());
}

#[test]
fn install_refuses_to_replace_a_foreign_hook_unless_forced() {
    let r = repo();
    let path = r.path().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "#!/bin/sh\necho mine\n").unwrap();
    hook(r.path(), &["install"])
        .code(2)
        .stderr(predicate::str::contains("keyhound did not write it"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "#!/bin/sh\necho mine\n"
    );

    hook(r.path(), &["install", "--force"]).success();
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("keyhound scan --staged"));
    let backup = path.with_file_name("pre-commit.keyhound-backup");
    assert_eq!(
        std::fs::read_to_string(backup).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    // Installing over its own hook is an update, not a conflict.
    hook(r.path(), &["install"]).success();
}

#[test]
fn uninstall_removes_only_its_own_hook() {
    let r = repo();
    let path = r.path().join(".git/hooks/pre-commit");
    hook(r.path(), &["install"]).success();
    hook(r.path(), &["uninstall"]).success();
    assert!(!path.exists());

    std::fs::write(&path, "#!/bin/sh\necho mine\n").unwrap();
    hook(r.path(), &["uninstall"])
        .code(2)
        .stderr(predicate::str::contains("not written by keyhound"));
    assert!(path.exists());
    hook(r.path(), &["uninstall", "--repo", "."]).code(2);
}

/// The real pre-commit framework, building this repository's hook (`language: rust`) with
/// `pre-commit try-repo`. Needs `pip install pre-commit`: skipped without it, except in CI.
#[test]
fn pre_commit_framework_hook_blocks_a_staged_key_and_passes_a_clean_commit() {
    let have = Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pre-commit is required in CI (pip install pre-commit)"
        );
        eprintln!("skipped: pre-commit is not installed");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let home = tempfile::tempdir().unwrap();
    let r = repo();
    let try_repo = |dir: &Path| {
        Command::new("pre-commit")
            .args([
                "try-repo",
                root.to_str().unwrap(),
                "keyhound",
                "--color",
                "never",
            ])
            .current_dir(dir)
            .env("PRE_COMMIT_HOME", home.path())
            // One build directory across runs: the hook is built once per test run, not per try.
            .env("CARGO_TARGET_DIR", root.join("target/pre-commit-hook"))
            .output()
            .unwrap()
    };

    std::fs::write(
        r.path().join(".env"),
        format!("OPENAI_API_KEY={}\n", key(2)),
    )
    .unwrap();
    git(r.path(), &["add", "."]);
    let blocked = try_repo(r.path());
    let said = String::from_utf8_lossy(&blocked.stdout).to_string()
        + &String::from_utf8_lossy(&blocked.stderr);
    assert_eq!(blocked.status.code(), Some(1), "{said}");
    assert!(said.contains("Failed"), "{said}");
    assert!(said.contains(".env:1:16"), "{said}");
    assert!(said.contains("commit blocked"), "{said}");
    assert!(!said.contains(&key(2)), "the full key was printed");

    std::fs::write(r.path().join(".env"), "OPENAI_API_KEY=\n").unwrap();
    git(r.path(), &["add", "."]);
    let clean = try_repo(r.path());
    let said = String::from_utf8_lossy(&clean.stdout);
    assert!(clean.status.success(), "{said}");
    assert!(said.contains("Passed"), "{said}");
    assert!(git(r.path(), &["commit", "-q", "-m", "clean"])
        .status
        .success());
}
