//! The GitHub Action: `action.yml` is valid action metadata, and its steps, run locally in an
//! emulated Actions environment (tests/support/emulate_action.py) against a real repository,
//! annotate the key, write the job summary and outputs, and fail the job.
//!
//! These tests need Python with PyYAML and check-jsonschema (`pip install pre-commit
//! check-jsonschema` brings both). Without them they are skipped locally and fail in CI.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use common::git;

use keyhound::rules::template::expand;
use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether a tool the test needs is there; in CI it must be.
fn available(program: &str, args: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{program} is required in CI (pip install pre-commit check-jsonschema)"
        );
        eprintln!("skipped: {program} {args:?} is not available");
    }
    ok
}

fn key(seed: u64) -> String {
    expand("sk-proj-{b64url:74}T3BlbkFJ{b64url:74}", seed)
}

#[test]
fn action_yml_matches_the_github_action_schema() {
    if !available("check-jsonschema", &["--version"]) {
        return;
    }
    let out = Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.github-actions"])
        .arg(root().join("action.yml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A repository whose pull request adds a key on line 3 of web/app.js; returns (base, head).
fn pull_request_repo(dir: &Path) -> (String, String) {
    git(dir, &["init", "-q"]);
    std::fs::create_dir_all(dir.join("web")).unwrap();
    std::fs::write(dir.join("web/app.js"), "// app\n").unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
    let base = git(dir, &["rev-parse", "HEAD"]);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(
        dir.join("web/app.js"),
        format!(
            "// app\nconst model = 'gpt-4o';\nconst key = '{}';\n",
            key(1)
        ),
    )
    .unwrap();
    git(
        dir,
        &["commit", "-q", "-am", "call the API from the browser"],
    );
    let head = git(dir, &["rev-parse", "HEAD"]);
    (base, head)
}

/// A `pull_request` event payload as GitHub sends it (the fields a workflow usually reads).
fn pull_request_event(base: &str, head: &str) -> Value {
    let repo = json!({
        "id": 1296269, "name": "web", "full_name": "acme/web", "private": false,
        "owner": {"login": "acme", "id": 1, "type": "Organization"},
        "html_url": "https://github.com/acme/web", "default_branch": "main"
    });
    json!({
        "action": "opened",
        "number": 42,
        "pull_request": {
            "url": "https://api.github.com/repos/acme/web/pulls/42",
            "id": 1, "number": 42, "state": "open", "locked": false, "draft": false,
            "title": "Call the API from the browser",
            "user": {"login": "dev", "id": 2, "type": "User"},
            "body": null,
            "head": {"label": "acme:feature", "ref": "feature", "sha": head,
                     "user": {"login": "acme", "id": 1}, "repo": repo},
            "base": {"label": "acme:main", "ref": "main", "sha": base,
                     "user": {"login": "acme", "id": 1}, "repo": repo},
            "merged": false, "mergeable": null, "commits": 1, "additions": 2, "deletions": 0,
            "changed_files": 1
        },
        "repository": repo,
        "sender": {"login": "dev", "id": 2, "type": "User"}
    })
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    result: Value,
    summary: String,
}

/// Runs the action's steps in an emulated runner for `event` in `workspace`.
fn run_action(workspace: &Path, event_name: &str, event: &Value, inputs: &[(&str, &str)]) -> Run {
    let runner = tempfile::tempdir().unwrap();
    let event_path = runner.path().join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let summary = runner.path().join("step_summary.md");
    std::fs::write(&summary, "").unwrap();
    let result_path = runner.path().join("result.json");
    let mut cmd = Command::new("python3");
    cmd.arg(root().join("tests/support/emulate_action.py"))
        .arg(root())
        .arg(&result_path)
        .args(["--prebuilt", env!("CARGO_BIN_EXE_keyhound")]);
    for (k, v) in inputs {
        cmd.args(["--input", &format!("{k}={v}")]);
    }
    let out = cmd
        .current_dir(workspace)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_WORKSPACE", workspace)
        .env("GITHUB_REPOSITORY", "acme/web")
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_TEMP", runner.path())
        .env("RUNNER_TOOL_CACHE", runner.path().join("tool-cache"))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        result: serde_json::from_str(&std::fs::read_to_string(&result_path).unwrap_or_default())
            .unwrap_or(Value::Null),
        summary: std::fs::read_to_string(&summary).unwrap(),
    }
}

fn supports_range() -> bool {
    let help = Command::new(env!("CARGO_BIN_EXE_keyhound"))
        .args(["scan", "--help"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&help.stdout).contains("--range")
}

#[test]
fn a_pull_request_is_scanned_by_its_commit_range() {
    if !available("python3", &["-c", "import yaml"]) {
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    let (base, head) = pull_request_repo(repo.path());
    let run = run_action(
        repo.path(),
        "pull_request",
        &pull_request_event(&base, &head),
        &[],
    );
    // The action asks keyhound for exactly the pull request's commits.
    assert!(
        run.stderr.contains(&format!("--range {base}..{head}")),
        "{}",
        run.stderr
    );
    if !supports_range() {
        eprintln!("skipped the rest: this keyhound has no --range yet (git history scan)");
        return;
    }
    check_found_key(&run);
}

#[test]
fn a_scheduled_audit_scans_everything_and_fails_on_the_key() {
    if !available("python3", &["-c", "import yaml"]) {
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    pull_request_repo(repo.path());
    let event = json!({"schedule": "0 3 * * 1"});
    let run = run_action(repo.path(), "schedule", &event, &[("upload-sarif", "true")]);
    assert!(!run.stderr.contains("--range"), "{}", run.stderr);
    check_found_key(&run);
    // The SARIF report is written and handed to GitHub's upload action.
    let upload = run.result["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "upload")
        .unwrap();
    assert_eq!(upload["uses"], "github/codeql-action/upload-sarif@v3");
    assert_eq!(upload["with"]["sarif_file"], "keyhound.sarif");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("keyhound.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
}

/// What a run over the key of `pull_request_repo` must show.
fn check_found_key(run: &Run) {
    assert_eq!(run.code, 1, "the job fails\n{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("::error file=web/app.js,line=3,")),
        "annotation missing:\n{}",
        run.stdout
    );
    assert!(
        run.summary.contains("| Confidence | Secret |"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("`web/app.js:3"), "{}", run.summary);
    assert_eq!(run.result["outputs"]["findings"], "1");
    assert_eq!(run.result["outputs"]["sarif-file"], "keyhound.sarif");
    let verdict = run.result["steps"].as_array().unwrap().last().unwrap();
    assert_eq!(verdict["id"], "verdict");
    assert_eq!(verdict["outcome"], "failure");
    for text in [&run.stdout, &run.stderr, &run.summary] {
        assert!(!text.contains(&key(1)), "a full key was printed");
    }
}

#[test]
fn findings_can_be_reported_without_failing_the_job() {
    if !available("python3", &["-c", "import yaml"]) {
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    pull_request_repo(repo.path());
    let run = run_action(
        repo.path(),
        "workflow_dispatch",
        &json!({}),
        &[("fail-on-findings", "false"), ("mode", "full")],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.result["outputs"]["findings"], "1");
}

#[test]
fn a_shallow_checkout_is_refused_with_a_clear_message() {
    if !available("python3", &["-c", "import yaml"]) {
        return;
    }
    let origin = tempfile::tempdir().unwrap();
    pull_request_repo(origin.path());
    let parent = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git(
        parent.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "feature", &url, "clone",
        ],
    );
    let clone = parent.path().join("clone");
    let run = run_action(&clone, "schedule", &json!({}), &[]);
    assert_ne!(run.code, 0);
    assert!(run.stdout.contains("fetch-depth: 0"), "{}", run.stdout);
    assert!(run.stdout.contains("shallow"), "{}", run.stdout);
}
