//! Git history: real repositories built with the git CLI in temporary directories; every key is
//! expanded from a template at run time.

mod common;

use common::{git, openai_key, KeyKind};
use std::path::{Path, PathBuf};

use assert_cmd::Command as Bin;
use serde_json::Value;
use tempfile::TempDir;

fn key(seed: u64) -> String {
    openai_key(KeyKind::Project, seed)
}

struct Repo {
    _dir: TempDir,
    path: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let dir = TempDir::new().unwrap();
        let path = dir.path().join("repo");
        std::fs::create_dir(&path).unwrap();
        let repo = Repo { _dir: dir, path };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        git(&self.path, args)
    }

    fn write(&self, name: &str, text: &str) {
        common::write(&self.path, name, text);
    }

    /// Commits everything; returns the new commit's id.
    fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}

/// Runs `keyhound scan --format json ARGS` and returns (exit code, findings, stats, stderr).
fn scan(dir: &Path, args: &[&str]) -> (i32, Vec<Value>, Value, String) {
    let s = common::scan_json(dir, args);
    let (findings, stats) = (s.findings().clone(), s.stats().clone());
    (s.code, findings, stats, s.stderr)
}

fn the_one(findings: &[Value]) -> &Value {
    assert_eq!(findings.len(), 1, "expected one finding: {findings:#?}");
    &findings[0]
}

#[test]
fn key_added_then_removed_is_found_once_with_its_commit() {
    let r = Repo::new();
    r.write("README.md", "hello\n");
    r.commit("start");
    r.write("src/config.js", &format!("const k = \"{}\";\n", key(1)));
    let added = r.commit("add config");
    std::fs::remove_file(r.path.join("src/config.js")).unwrap();
    r.commit("remove the key");

    let (code, findings, _, _) = scan(&r.path, &[]);
    assert_eq!(code, 1);
    let f = the_one(&findings);
    assert_eq!(f["path"], "src/config.js");
    let s = &f["source"];
    assert_eq!(s["kind"], "git-blob");
    assert_eq!(s["commit"], added.as_str());
    assert_eq!(s["path"], "src/config.js");
    assert_eq!(s["author"], "Ada Lovelace");
    assert_eq!(s["email"], "ada@example.com");
    assert_eq!(s["summary"], "add config");
    assert_eq!(s["reachable"], true);
    assert_eq!(s["in_head"], false);
}

#[test]
fn text_report_says_a_removed_key_must_be_rotated() {
    let r = Repo::new();
    r.write("a.py", &format!("KEY = '{}'\n", key(2)));
    let added = r.commit("add");
    std::fs::remove_file(r.path.join("a.py")).unwrap();
    r.commit("remove");
    let out = Bin::cargo_bin("keyhound")
        .unwrap()
        .current_dir(&r.path)
        .args(["scan", "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&added[..10]), "{text}");
    assert!(
        text.contains("but still in history: rotate it, rewriting history is not enough"),
        "{text}"
    );
    assert!(!text.contains(&key(2)), "a full key was printed");
}

#[test]
fn key_still_at_head_is_found_once_as_the_file_with_its_commit() {
    let r = Repo::new();
    r.write(
        "web/app.js",
        &format!("fetch(u, {{key: \"{}\"}})\n", key(3)),
    );
    let added = r.commit("add app");
    r.write("other.txt", "unrelated\n");
    r.commit("more");

    let (_, findings, _, _) = scan(&r.path, &[]);
    let f = the_one(&findings);
    assert_eq!(f["path"], "web/app.js");
    assert_eq!(f["line"], 1);
    assert_eq!(f["source"]["commit"], added.as_str());
    assert_eq!(f["source"]["in_head"], true);
}

#[test]
fn key_on_a_merged_branch_is_found_once_with_the_branch_commit() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.commit("start");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write(
        "lib/client.ts",
        &format!("export const k = '{}';\n", key(4)),
    );
    let added = r.commit("feature work");
    r.git(&["checkout", "-q", "main"]);
    r.write("main.txt", "main side\n");
    r.commit("main work");
    r.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);

    let (_, findings, _, _) = scan(&r.path, &[]);
    let f = the_one(&findings);
    assert_eq!(f["source"]["commit"], added.as_str());
    assert_eq!(f["source"]["path"], "lib/client.ts");
    assert_eq!(f["source"]["in_head"], true);
}

#[test]
fn key_on_an_unmerged_branch_is_found_once() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.commit("start");
    r.git(&["checkout", "-q", "-b", "experiment"]);
    r.write("try.env", &format!("OPENAI_API_KEY={}\n", key(5)));
    let added = r.commit("try something");
    r.git(&["checkout", "-q", "main"]);

    let (_, findings, _, _) = scan(&r.path, &[]);
    let f = the_one(&findings);
    assert_eq!(f["path"], "try.env");
    assert_eq!(f["source"]["commit"], added.as_str());
    assert_eq!(f["source"]["reachable"], true);
    assert_eq!(f["source"]["in_head"], false);
}

#[test]
fn key_only_in_a_commit_message_is_found_once() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    let id = r.commit(&format!("oops, testing with {}", key(6)));

    let (_, findings, _, _) = scan(&r.path, &[]);
    let f = the_one(&findings);
    assert_eq!(f["source"]["kind"], "commit-message");
    assert_eq!(f["source"]["commit"], id.as_str());
    assert_eq!(f["source"]["author"], "Ada Lovelace");
    assert_eq!(f["source"]["reachable"], true);
}

#[test]
fn key_in_an_annotated_tag_message_is_found() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.commit("start");
    r.git(&[
        "tag",
        "-a",
        "v1",
        "-m",
        &format!("release with {}", key(13)),
    ]);
    let tag = r.git(&["rev-parse", "v1"]);

    let (_, findings, _, _) = scan(&r.path, &[]);
    let f = the_one(&findings);
    assert_eq!(f["source"]["kind"], "commit-message");
    assert_eq!(f["source"]["commit"], tag.as_str());
    assert_eq!(f["source"]["summary"], "tag v1");
}

#[test]
fn key_in_an_unreachable_commit_is_found_once() {
    let r = Repo::new();
    r.write("README.md", "x\n");
    r.commit("start");
    r.git(&["checkout", "-q", "-b", "doomed"]);
    r.write("secret.json", &format!("{{\"key\": \"{}\"}}\n", key(7)));
    let added = r.commit("force-pushed away later");
    r.git(&["checkout", "-q", "main"]);
    r.git(&["branch", "-q", "-D", "doomed"]);
    r.git(&["reflog", "expire", "--expire=now", "--all"]);

    let (_, findings, _, _) = scan(&r.path, &[]);
    let f = the_one(&findings);
    assert_eq!(f["source"]["commit"], added.as_str());
    assert_eq!(f["source"]["path"], "secret.json");
    assert_eq!(f["source"]["reachable"], false);
}

#[test]
fn renamed_file_is_found_once_with_its_first_path() {
    let r = Repo::new();
    r.write("old/name.js", &format!("k = '{}'\n", key(8)));
    let added = r.commit("add");
    r.git(&["mv", "old/name.js", "new-name.js"]);
    r.commit("rename");

    let (_, findings, _, _) = scan(&r.path, &[]);
    let f = the_one(&findings);
    assert_eq!(f["path"], "new-name.js");
    assert_eq!(f["source"]["commit"], added.as_str());
    assert_eq!(f["source"]["path"], "old/name.js");
}

#[test]
fn range_finds_only_what_its_commits_added() {
    let r = Repo::new();
    r.write("old.js", &format!("a = '{}'\n", key(9)));
    let base = r.commit("base with an old key");
    r.write("new.js", &format!("b = '{}'\n", key(10)));
    let added = r.commit(&format!("new key, also here {}", key(11)));
    r.write("untracked.js", &format!("c = '{}'\n", key(12)));

    let range = format!("{base}..HEAD");
    let (_, findings, _, _) = scan(&r.path, &["--range", &range]);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let blob = findings
        .iter()
        .find(|f| f["source"]["kind"] == "git-blob")
        .unwrap();
    assert_eq!(blob["path"], "new.js");
    assert_eq!(blob["source"]["commit"], added.as_str());
    let msg = findings
        .iter()
        .find(|f| f["source"]["kind"] == "commit-message")
        .unwrap();
    assert_eq!(msg["source"]["commit"], added.as_str());
}

#[test]
fn clean_repository_does_no_provenance_work() {
    let r = Repo::new();
    r.write("a.txt", "nothing here\n");
    r.commit("one");
    r.write("a.txt", "still nothing\n");
    r.commit("two");
    let (code, findings, stats, _) = scan(&r.path, &[]);
    assert_eq!(code, 0);
    assert!(findings.is_empty());
    assert!(stats["blobs_scanned"].as_u64().unwrap() >= 2);
    assert_eq!(stats["provenance_commits"], 0);

    // The counter does count when there is something to attribute.
    r.write("b.txt", &format!("{}\n", key(14)));
    r.commit("three");
    let (_, _, stats, _) = scan(&r.path, &[]);
    assert!(stats["provenance_commits"].as_u64().unwrap() > 0);
}

#[test]
fn no_history_scans_files_only_and_history_only_scans_git_only() {
    let r = Repo::new();
    r.write("gone.js", &format!("x = '{}'\n", key(15)));
    r.commit("add");
    std::fs::remove_file(r.path.join("gone.js")).unwrap();
    r.commit("remove");
    r.write("untracked.js", &format!("y = '{}'\n", key(16)));

    let (_, findings, _, _) = scan(&r.path, &["--no-history"]);
    assert_eq!(the_one(&findings)["path"], "untracked.js");
    let (_, findings, _, _) = scan(&r.path, &["--history-only"]);
    assert_eq!(the_one(&findings)["path"], "gone.js");
}

#[test]
fn bare_repository_is_scanned() {
    let r = Repo::new();
    r.write("k.js", &format!("k = '{}'\n", key(17)));
    let added = r.commit("add");
    let bare = r.path.parent().unwrap().join("bare.git");
    git(
        r.path.parent().unwrap(),
        &["clone", "-q", "--bare", "repo", "bare.git"],
    );
    let (code, findings, _, _) = scan(&bare, &[]);
    assert_eq!(code, 1);
    let f = the_one(&findings);
    assert_eq!(f["path"], "k.js");
    assert_eq!(f["source"]["commit"], added.as_str());
    assert_eq!(f["source"]["in_head"], true);
}

#[test]
fn empty_repository_is_clean() {
    let r = Repo::new();
    let (code, findings, _, stderr) = scan(&r.path, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(findings.is_empty());
}

#[test]
fn shallow_clone_is_scanned() {
    let r = Repo::new();
    r.write("a.js", &format!("a = '{}'\n", key(18)));
    r.commit("one");
    r.write("b.js", &format!("b = '{}'\n", key(19)));
    let second = r.commit("two");
    let parent = r.path.parent().unwrap();
    let url = format!("file://{}", r.path.display());
    git(parent, &["clone", "-q", "--depth", "1", &url, "shallow"]);
    std::fs::remove_file(parent.join("shallow/b.js")).unwrap();

    let (code, findings, _, stderr) = scan(&parent.join("shallow"), &["--history-only"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings.len(), 2, "{findings:#?}");
    for f in &findings {
        assert_eq!(f["source"]["commit"], second.as_str());
    }
}

#[test]
fn corrupt_object_is_a_warning_with_its_id_and_the_scan_goes_on() {
    let r = Repo::new();
    r.write("good.js", &format!("g = '{}'\n", key(20)));
    r.write("bad.txt", "this blob will be damaged\n");
    r.commit("add");
    let bad = r.git(&["rev-parse", "HEAD:bad.txt"]);
    let loose = r.path.join(".git/objects").join(&bad[..2]).join(&bad[2..]);
    let mut perms = std::fs::metadata(&loose).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&loose, perms).unwrap();
    std::fs::write(&loose, b"\x78\x01garbage, not zlib").unwrap();

    let (code, findings, stats, stderr) = scan(&r.path, &["--history-only"]);
    assert!(stderr.contains(&bad), "{stderr}");
    assert_eq!(code, 1);
    assert_eq!(the_one(&findings)["source"]["path"], "good.js");
    assert!(stats["errors"].as_u64().unwrap() >= 1);
}

#[test]
fn directory_that_is_not_a_repository_gets_the_file_scan() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("a.js"), format!("k = '{}'\n", key(21))).unwrap();
    let (_, findings, _, _) = scan(dir.path(), &[]);
    assert_eq!(the_one(&findings)["source"]["kind"], "file");
}

#[test]
fn sarif_carries_the_commit_and_the_repository_revision() {
    let r = Repo::new();
    r.write("c.js", &format!("c = '{}'\n", key(22)));
    let added = r.commit("add");
    std::fs::remove_file(r.path.join("c.js")).unwrap();
    let head = r.commit("remove");
    let out = Bin::cargo_bin("keyhound")
        .unwrap()
        .current_dir(&r.path)
        .args(["scan", "--format", "sarif"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &doc["runs"][0];
    assert_eq!(
        run["versionControlProvenance"][0]["revisionId"],
        head.as_str()
    );
    let result = &run["results"][0];
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "c.js"
    );
    assert_eq!(result["properties"]["source"]["commit"], added.as_str());
}

#[cfg(unix)]
#[test]
fn non_utf8_path_in_history_is_reported() {
    use std::os::unix::ffi::OsStrExt;
    let r = Repo::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.js");
    std::fs::write(r.path.join(name), format!("k = '{}'\n", key(23))).unwrap();
    let added = r.commit("add");
    std::fs::remove_file(r.path.join(name)).unwrap();
    r.commit("remove");
    let (_, findings, _, _) = scan(&r.path, &["--history-only"]);
    let f = the_one(&findings);
    assert_eq!(f["source"]["commit"], added.as_str());
    assert!(f["path"].as_str().unwrap().starts_with("caf"));
}

/// Lets the clock move past the files just written, so that the index git writes next is newer
/// than them (an entry as new as its index is racily clean and not trusted).
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(50));
}

#[test]
fn work_tree_equal_to_head_has_each_blob_scanned_once() {
    let r = Repo::new();
    r.write("a.txt", "first\n");
    r.commit("one");
    r.write("a.txt", "second\n");
    r.write("web/b.js", "let x = 1;\n");
    settle();
    r.commit("two");

    let (code, _, stats, _) = scan(&r.path, &[]);
    assert_eq!(code, 0);
    assert_eq!(stats["files_scanned"], 2);
    assert_eq!(stats["blobs_skipped_in_work_tree"], 2);
    // Only the old a.txt and the two commit messages are read from history.
    assert_eq!(stats["blobs_scanned"], 3);
}

#[test]
fn file_modified_after_commit_is_scanned_and_so_is_its_committed_blob() {
    let r = Repo::new();
    r.write("config.js", &format!("const k = \"{}\";\n", key(11)));
    settle();
    let added = r.commit("add config");
    // Same size, other key: only the stat data tell the file from its blob.
    r.write("config.js", &format!("const k = \"{}\";\n", key(12)));

    let (code, findings, stats, _) = scan(&r.path, &[]);
    assert_eq!(code, 1);
    assert_eq!(stats["blobs_skipped_in_work_tree"], 0);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let with_hash = |k: &str| {
        let id = keyhound::finding::sha256_hex(k.as_bytes());
        findings
            .iter()
            .find(|f| f["secret_sha256"] == id.as_str())
            .unwrap_or_else(|| panic!("not found: {findings:#?}"))
    };
    let old = with_hash(&key(11));
    assert_eq!(old["source"]["commit"], added.as_str());
    // Still in HEAD's tree: the change is not committed.
    assert_eq!(old["source"]["in_head"], true);
    let new = with_hash(&key(12));
    assert_eq!(new["path"], "config.js");
    assert!(new["source"].get("commit").is_none(), "{new:#?}");
}

#[test]
fn key_in_an_unchanged_committed_file_is_reported_once_with_its_commit() {
    let r = Repo::new();
    r.write("web/app.js", &format!("const k = \"{}\";\n", key(13)));
    r.write("README.md", "hello\n");
    settle();
    let added = r.commit("add app");

    let (code, findings, stats, _) = scan(&r.path, &[]);
    assert_eq!(code, 1);
    assert_eq!(stats["blobs_skipped_in_work_tree"], 2);
    let f = the_one(&findings);
    assert_eq!(f["path"], "web/app.js");
    assert_eq!(f["source"]["kind"], "git-blob");
    assert_eq!(f["source"]["commit"], added.as_str());
    assert_eq!(f["source"]["path"], "web/app.js");
    assert_eq!(f["source"]["in_head"], true);
}

#[test]
fn racily_clean_index_entries_are_not_trusted() {
    let r = Repo::new();
    r.write("a.txt", "text\n");
    r.write("b.txt", "more text\n");
    settle();
    r.commit("one");
    // An index no newer than its files cannot vouch for them (git's "racy git" problem).
    let past = std::time::UNIX_EPOCH + std::time::Duration::from_secs(946_684_800);
    std::fs::File::options()
        .write(true)
        .open(r.path.join(".git/index"))
        .unwrap()
        .set_modified(past)
        .unwrap();

    let (_, _, stats, _) = scan(&r.path, &[]);
    assert_eq!(stats["blobs_skipped_in_work_tree"], 0);
    assert_eq!(stats["files_scanned"], 2);
    assert_eq!(stats["blobs_scanned"], 3);
}

#[test]
fn files_with_carriage_returns_are_not_trusted_under_line_end_conversion() {
    let r = Repo::new();
    r.write(".gitattributes", "* text=auto\n");
    r.write("a.txt", "text\n");
    r.write("crlf.txt", "line\r\n");
    settle();
    r.commit("one");

    let (_, _, stats, _) = scan(&r.path, &[]);
    // crlf.txt was committed with LF: its blob is not the file. The other two have no CR.
    assert_eq!(stats["blobs_skipped_in_work_tree"], 2);
    assert_eq!(stats["blobs_scanned"], 2);
}

#[test]
fn index_is_not_trusted_when_attributes_name_a_content_filter() {
    let r = Repo::new();
    r.write(".gitattributes", "*.js ident\n");
    r.write("app.js", "let x = 1;\n");
    settle();
    r.commit("one");

    let (_, _, stats, _) = scan(&r.path, &[]);
    assert_eq!(stats["blobs_skipped_in_work_tree"], 0);
    assert_eq!(stats["blobs_scanned"], 3);
}

#[test]
fn with_core_autocrlf_only_files_without_carriage_returns_are_trusted() {
    let r = Repo::new();
    r.git(&["config", "core.autocrlf", "input"]);
    r.write("a.txt", "text\n");
    r.write("crlf.txt", "line\r\n");
    settle();
    r.commit("one");

    let (_, _, stats, _) = scan(&r.path, &[]);
    assert_eq!(stats["blobs_skipped_in_work_tree"], 1);
    assert_eq!(stats["blobs_scanned"], 2);
}
