//! The same input gives byte-identical reports: from one run to the next and whatever the number
//! of threads, for a directory tree and for git history with many findings spread over many
//! files and commits. No timestamps or durations unless asked for (`--timings`).

mod common;

use std::path::Path;

use common::git;
use keyhound::rules::template::expand;

/// Key templates of several providers; each file gets a few, the same key sometimes in several
/// places, so findings tie on path and line and only a total order keeps them in place.
const TEMPLATES: &[&str] = &[
    "OPENAI_API_KEY=sk-proj-{b64url:74}T3BlbkFJ{b64url:74}",
    "ANTHROPIC_API_KEY='sk-ant-api03-{b64url:93}AA'",
    "GEMINI_API_KEY=\"AIzaSy{b64url:33}\"",
    "const groq = \"gsk_{alnum:52}\";",
    "NEXT_PUBLIC_OPENAI_API_KEY=sk-proj-{b64url:74}T3BlbkFJ{b64url:74}",
];

/// A file with several keys, some twice on one line.
fn file_text(seed: u64) -> String {
    let mut text = String::new();
    for i in 0..4u64 {
        let t = TEMPLATES[((seed + i) % TEMPLATES.len() as u64) as usize];
        let line = expand(t, seed * 7 + i);
        text.push_str(&line);
        if i == 1 {
            // The same key again on the same line, and the first key of the file once more.
            text.push_str(" # ");
            text.push_str(&line);
        }
        text.push('\n');
    }
    text
}

/// 120 files in nested directories, several with the same content.
fn tree(root: &Path) {
    for i in 0..120u64 {
        let dir = format!("pkg{}/sub{}", i % 7, i % 3);
        let name = match i % 4 {
            0 => format!("{dir}/config{i}.js"),
            1 => format!("{dir}/.env.{i}"),
            2 => format!("{dir}/settings{i}.py"),
            _ => format!("public/{dir}/bundle{i}.min.js"),
        };
        // Every tenth file repeats another's content: the same blob at several paths.
        let seed = if i % 10 == 9 { i - 1 } else { i };
        common::write(root, &name, file_text(seed).as_bytes());
    }
}

/// A history of 40 commits on two branches with a merge: keys added, changed in place (same path
/// and line, another key), deleted, and one in a commit message.
fn history() -> tempfile::TempDir {
    let repo = common::git_repo();
    let r = repo.path();
    common::write(r, "README.md", b"# demo\n");
    git(r, &["add", "."]);
    git(r, &["commit", "-q", "-m", "start"]);
    for c in 0..40u64 {
        if c == 20 {
            git(r, &["checkout", "-q", "-b", "side", "HEAD~5"]);
        }
        if c == 30 {
            git(r, &["checkout", "-q", "main"]);
            git(r, &["merge", "-q", "--no-edit", "side"]);
        }
        for f in 0..3u64 {
            // Few paths, rewritten often: one path holds many keys over time, at the same line.
            let top = if (20..30).contains(&c) { "side" } else { "src" };
            let path = format!("{top}/m{}/file{}.env", (c + f) % 4, (c * 3 + f) % 5);
            common::write(r, &path, file_text(1000 + c * 3 + f).as_bytes());
        }
        if c % 6 == 5 && !(20..30).contains(&c) {
            git(r, &["rm", "-q", "-r", "-f", "--ignore-unmatch", "src/m1"]);
        }
        git(r, &["add", "-A"]);
        let message = if c == 12 {
            expand("rotate sk-proj-{b64url:74}T3BlbkFJ{b64url:74}", 99)
        } else {
            format!("change {c}")
        };
        git(r, &["commit", "-q", "--allow-empty", "-m", &message]);
    }
    repo
}

fn report(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = common::keyhound()
        .current_dir(dir)
        .arg("scan")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Every format, three times, then with 1, 2 and 8 threads: always the same bytes.
fn assert_deterministic(dir: &Path, scope: &[&str]) {
    for format in ["json", "jsonl", "sarif", "text", "github", "markdown"] {
        let mut args = vec!["--format", format, "--min-confidence", "low"];
        args.extend(scope);
        let first = report(dir, &args);
        assert!(first.len() > 10_000, "{format}: too few findings to tell");
        for threads in ["0", "0", "1", "2", "8"] {
            let mut with = args.clone();
            with.extend(["-j", threads]);
            let again = report(dir, &with);
            assert!(
                again == first,
                "{format} {scope:?} -j {threads} differs from the first run:\n{}",
                first_difference(&first, &again)
            );
        }
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    match a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
    {
        Some((n, (x, y))) => format!("line {}:\n- {x}\n+ {y}", n + 1),
        None => format!("{} lines against {}", a.lines().count(), b.lines().count()),
    }
}

#[test]
fn a_tree_gives_byte_identical_reports_across_runs_and_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    assert_deterministic(dir.path(), &[]);
}

#[test]
fn git_history_gives_byte_identical_reports_across_runs_and_thread_counts() {
    let repo = history();
    assert_deterministic(repo.path(), &["--history-only"]);
    // The work tree and its history together, files merged with their commits.
    assert_deterministic(repo.path(), &[]);
}

#[test]
fn reports_carry_no_time_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "a.env", file_text(1).as_bytes());
    let json = report(dir.path(), &["-f", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert!(doc["stats"].get("elapsed_ms").is_none(), "{}", doc["stats"]);
    let text = String::from_utf8(report(dir.path(), &["-f", "text"])).unwrap();
    assert!(!text.contains(" s."), "{text}");
    let sarif = String::from_utf8(report(dir.path(), &["-f", "sarif"])).unwrap();
    for field in ["startTimeUtc", "endTimeUtc", "timeUtc"] {
        assert!(!sarif.contains(field), "SARIF has {field}");
    }

    let json = report(dir.path(), &["-f", "json", "--timings"]);
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert!(doc["stats"]["elapsed_ms"].is_u64(), "{}", doc["stats"]);
    let text = String::from_utf8(report(dir.path(), &["-f", "text", "--timings"])).unwrap();
    assert!(text.trim_end().ends_with(" s."), "{text}");
}
