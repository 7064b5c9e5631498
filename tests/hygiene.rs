//! Secret hygiene, proven: keys planted everywhere a repository can hold them (work tree, history
//! only, a commit message, the index, an archive, base64, a client-side file, and the names of
//! a directory, an archive member and a commit's author) go through every
//! subcommand and every report format, with live validation against a provider stand-in that
//! fails in every way it can, and no full key (nor the full base64 form of the encoded one)
//! reaches standard output, standard error, a report, a baseline, the validation cache or a
//! panic message. Only `--show-secrets` prints them.
//!
//! keyhound has no logging framework and no verbose flag: `RUST_LOG=trace` and `RUST_BACKTRACE`
//! are set all the same, so that adding one later cannot leak unnoticed.

mod common;
mod mock_provider;

use std::{
    io::{Cursor, Write},
    net::TcpListener,
    path::{Path, PathBuf},
    process::Output,
    time::Duration,
};

use base64::Engine as _;
use clap::{CommandFactory, ValueEnum};
use common::git;
use keyhound::{
    cli::{Cli, Format},
    detect::{Blob, DetectOptions, Detector},
    finding::{sha256_hex, Origin},
    rules::{template::expand, Confidence, RuleSet},
};
use mock_provider::{MockProvider, Reply};
use serde_json::Value;
use tempfile::TempDir;

/// A key planted in the fixture: the text around it and the key itself.
struct Planted {
    what: &'static str,
    text: String,
    secret: String,
}

/// Expands `template` and learns, with keyhound's own detector, which key it holds.
fn plant(what: &'static str, template: &str, seed: u64) -> Planted {
    let text = expand(template, seed);
    let detector = Detector::new(
        &RuleSet::builtin().unwrap(),
        DetectOptions {
            min_confidence: Confidence::Medium,
        },
    )
    .unwrap();
    let found = detector.scan_blob(&Blob {
        path: "planted",
        origin: &Origin::File,
        data: text.as_bytes(),
    });
    let secrets: Vec<&str> = found
        .iter()
        .filter(|f| f.kind == keyhound::finding::FindingKind::Secret)
        .map(|f| f.secret.expose())
        .collect();
    assert_eq!(secrets.len(), 1, "{what}: {template} should hold one key");
    Planted {
        what,
        secret: secrets[0].to_string(),
        text,
    }
}

/// Every key of the fixture, and where each one is.
struct Keys {
    work_tree: Planted,
    history_only: Planted,
    commit_message: Planted,
    staged: Planted,
    archived: Planted,
    encoded: Planted,
    client: Planted,
    azure: Planted,
    /// Keys that are not findings (keyhound does not search names) but are printed with the
    /// findings and warnings they come with: a directory and an archive member named after one.
    path_name: Planted,
    /// And a commit author named after one.
    author: Planted,
}

impl Keys {
    fn new() -> Keys {
        Keys {
            work_tree: plant(
                "work tree (OpenAI)",
                "OPENAI_API_KEY = \"sk-proj-{b64url:74}T3BlbkFJ{b64url:74}\"\n",
                1,
            ),
            history_only: plant(
                "history only (Anthropic)",
                "ANTHROPIC_API_KEY='sk-ant-api03-{b64url:93}AA'\n",
                2,
            ),
            commit_message: plant(
                "commit message (OpenAI service account)",
                "sk-svcacct-{b64url:74}T3BlbkFJ{b64url:74}",
                3,
            ),
            staged: plant(
                "staged (Google)",
                "export const GEMINI_API_KEY = \"AIzaSy{b64url:33}\";\n",
                4,
            ),
            archived: plant(
                "archive member (OpenAI user key)",
                "{\"openai\": \"sk-None-{b64url:74}T3BlbkFJ{b64url:74}\"}\n",
                5,
            ),
            encoded: plant(
                "base64 (OpenAI)",
                "sk-proj-{b64url:74}T3BlbkFJ{b64url:74}",
                6,
            ),
            client: plant(
                "client-exposed (OpenAI)",
                "NEXT_PUBLIC_OPENAI_API_KEY=sk-proj-{b64url:74}T3BlbkFJ{b64url:74}\n",
                7,
            ),
            azure: plant(
                "Azure OpenAI with its endpoint",
                "AZURE_OPENAI_ENDPOINT=https://contoso.openai.azure.com/\nAZURE_OPENAI_API_KEY={hex:32}\n",
                8,
            ),
            path_name: plant(
                "in a directory's name (Anthropic)",
                "sk-ant-api03-{b64url:93}AA",
                9,
            ),
            author: plant(
                "a commit author's name (OpenAI)",
                "sk-proj-{b64url:74}T3BlbkFJ{b64url:74}",
                10,
            ),
        }
    }

    fn all(&self) -> [&Planted; 8] {
        [
            &self.work_tree,
            &self.history_only,
            &self.commit_message,
            &self.staged,
            &self.archived,
            &self.encoded,
            &self.client,
            &self.azure,
        ]
    }

    /// The keys that only name things.
    fn in_names(&self) -> [&Planted; 2] {
        [&self.path_name, &self.author]
    }

    /// Every text that must never be printed: each key, its long middle (a cut-off key is
    /// still a key), and each key's base64 forms.
    fn forbidden(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for k in self.all().into_iter().chain(self.in_names()) {
            let s = &k.secret;
            out.push((format!("{}: the key", k.what), s.clone()));
            out.push((
                format!("{}: the key's middle", k.what),
                s[8..s.len() - 4].to_string(),
            ));
            for (name, engine) in [
                ("base64", &base64::engine::general_purpose::STANDARD),
                (
                    "base64 (no padding)",
                    &base64::engine::general_purpose::STANDARD_NO_PAD,
                ),
                (
                    "base64url",
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                ),
            ] {
                let encoded = engine.encode(s);
                out.push((format!("{}: {name} of the key", k.what), encoded.clone()));
                out.push((
                    format!("{}: the middle of the {name} of the key", k.what),
                    encoded[8..encoded.len() - 8].to_string(),
                ));
            }
        }
        out
    }
}

fn zip_of(name: &str, data: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file(name, opts).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap().into_inner()
}

/// The fixture repository: a key in a committed file, one added and deleted again, one in a
/// commit message, one staged only, one inside a zip, one base64-encoded, one in a client-side
/// env file, and an Azure key with its endpoint.
fn fixture(keys: &Keys) -> TempDir {
    let repo = common::git_repo();
    let r = repo.path();
    common::write(r, "server/config.py", keys.work_tree.text.as_bytes());
    common::write(r, "server/azure.env", keys.azure.text.as_bytes());
    common::write(r, "README.md", b"# demo\n");
    git(r, &["add", "."]);
    git(r, &["commit", "-q", "-m", "first"]);

    common::write(r, "old/secrets.env", keys.history_only.text.as_bytes());
    git(r, &["add", "."]);
    git(r, &["commit", "-q", "-m", "add secrets"]);
    git(r, &["rm", "-q", "old/secrets.env"]);
    git(r, &["commit", "-q", "-m", "remove secrets"]);

    // The key is the summary of the commit that brings in the next files.
    let encoded = base64::engine::general_purpose::STANDARD.encode(&keys.encoded.secret);
    common::write(
        r,
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\ndata:\n  OPENAI_API_KEY: {encoded}\n  # openai key\n"
        )
        .as_bytes(),
    );
    common::write(
        r,
        "dist/app.zip",
        zip_of("assets/config.json", keys.archived.text.as_bytes()),
    );
    common::write(r, "web/.env.production", keys.client.text.as_bytes());
    git(r, &["add", "."]);
    let message = format!("use {} for now", keys.commit_message.secret);
    git(r, &["commit", "-q", "-m", &message]);

    // A directory and an archive member named after a key, with findings in them, committed
    // by an author named after another key; and a FIFO in the directory, which is warned about.
    let dir = &keys.path_name.secret;
    common::write(
        r,
        format!("{dir}/settings.py"),
        format!("# settings\n{}", keys.work_tree.text).as_bytes(),
    );
    common::write(
        r,
        "dist/named.zip",
        zip_of(&format!("{dir}/config.json"), keys.archived.text.as_bytes()),
    );
    git(r, &["add", "."]);
    git(
        r,
        &[
            "-c",
            &format!("user.name={}", keys.author.secret),
            "-c",
            &format!("user.email={}@example.com", keys.author.secret),
            "commit",
            "-q",
            "-m",
            "named",
        ],
    );
    let fifo = std::process::Command::new("mkfifo")
        .arg(r.join(dir).join("pipe"))
        .status()
        .unwrap();
    assert!(fifo.success());

    common::write(r, "web/src/gemini.ts", keys.staged.text.as_bytes());
    git(r, &["add", "web/src/gemini.ts"]);
    repo
}

/// A loopback port nothing listens on: connections are refused.
fn refused_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The provider stand-in, answering each key with a different failure.
fn failing_provider(keys: &Keys) -> MockProvider {
    let mock = MockProvider::start();
    let echo = |k: &Planted| format!("{{\"error\":{{\"message\":\"bad key {}\"}}}}", k.secret);
    mock.answer(
        &keys.work_tree.secret,
        Reply::new(500, &echo(&keys.work_tree)),
    );
    // An answer that works and names the key as its owner, in a header and in the body.
    mock.answer(
        &keys.history_only.secret,
        Reply::new(
            200,
            &format!("{{\"name\":\"{}\"}}", keys.history_only.secret),
        )
        .header("anthropic-organization-id", &keys.history_only.secret),
    );
    mock.answer(
        &keys.commit_message.secret,
        Reply::new(429, &echo(&keys.commit_message)).header("Retry-After", "0"),
    );
    mock.answer(
        &keys.staged.secret,
        Reply::new(200, &format!("<html>{}</html>", keys.staged.secret))
            .header("Content-Type", "text/html"),
    );
    mock.answer(
        &keys.archived.secret,
        Reply::new(302, "").header(
            "Location",
            &format!("https://collector.example/?key={}", keys.archived.secret),
        ),
    );
    mock.answer(
        &keys.encoded.secret,
        Reply::new(200, "{}").hang(Duration::from_secs(3)),
    );
    mock.answer(&keys.client.secret, Reply::new(401, &echo(&keys.client)));
    mock
}

/// Where a run may write: reports, the cache, a home directory. Everything in it is checked.
struct Sandbox {
    dir: TempDir,
    mock: MockProvider,
    refused: u16,
    path: PathBuf,
}

impl Sandbox {
    fn new(keys: &Keys) -> Sandbox {
        let dir = TempDir::new().unwrap();
        for d in ["home", "cache", "out", "bin"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        // The installed hook runs `keyhound` from PATH: this one.
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_keyhound"),
            dir.path().join("bin/keyhound"),
        )
        .unwrap();
        let path = std::env::join_paths(std::iter::once(dir.path().join("bin")).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        Sandbox {
            mock: failing_provider(keys),
            refused: refused_port(),
            path: PathBuf::from(path),
            dir,
        }
    }

    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join("out").join(name)
    }

    /// keyhound at its most talkative, every provider pointed at the stand-in (Azure at a port
    /// that refuses connections), its cache and home inside the sandbox.
    fn keyhound(&self) -> assert_cmd::Command {
        let mut c = common::keyhound();
        let home = self.dir.path().join("home");
        c.env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("KEYHOUND_CACHE_DIR", self.dir.path().join("cache"))
            .env("RUST_LOG", "trace")
            .env("RUST_BACKTRACE", "full")
            .env("PATH", &self.path)
            .env("KEYHOUND_OPENAI_BASE_URL", self.mock.base_url())
            .env("KEYHOUND_ANTHROPIC_BASE_URL", self.mock.base_url())
            .env("KEYHOUND_GOOGLE_BASE_URL", self.mock.base_url())
            .env(
                "KEYHOUND_AZURE_OPENAI_BASE_URL",
                format!("http://127.0.0.1:{}", self.refused),
            )
            .timeout(Duration::from_secs(120));
        c
    }
}

/// Fails when any forbidden text occurs in `bytes`.
fn assert_clean(keys: &Keys, what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for (name, needle) in keys.forbidden() {
        assert!(
            !text.contains(&needle),
            "{what} leaks {name}:\n{}",
            text.chars().take(4000).collect::<String>()
        );
    }
}

fn assert_output_clean(keys: &Keys, what: &str, out: &Output) {
    assert_clean(keys, &format!("{what}: stdout"), &out.stdout);
    assert_clean(keys, &format!("{what}: stderr"), &out.stderr);
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Runs `cmd` in `dir` and checks its output; returns it.
fn run_clean(keys: &Keys, what: &str, cmd: &mut assert_cmd::Command, dir: &Path) -> Output {
    let out = cmd.current_dir(dir).output().unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "{what}: exit {code:?} (a crash?)\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_output_clean(keys, what, &out);
    out
}

fn formats() -> Vec<&'static str> {
    Format::value_variants()
        .iter()
        .map(|f| match f {
            Format::Text => "text",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Markdown => "markdown",
        })
        .collect()
}

#[test]
fn no_subcommand_format_or_failing_validation_prints_a_full_key() {
    let keys = Keys::new();
    let repo = fixture(&keys);
    let r = repo.path();
    let sb = Sandbox::new(&keys);
    let scan_args = [
        "scan",
        "--validate",
        "--validate-timeout",
        "1",
        "--min-confidence",
        "low",
        "--show-suppressed",
        "--color",
        "always",
    ];

    // The scan of work tree and history found every key but the staged one, which it sees in
    // the work tree: the test is not vacuous.
    let out = run_clean(
        &keys,
        "scan json",
        sb.keyhound().args(scan_args).args(["-f", "json"]),
        r,
    );
    assert_eq!(out.status.code(), Some(1));
    // The FIFO was warned about, with its path redacted.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let dir = keyhound::finding::redact(&keys.path_name.secret);
    assert!(
        stderr.contains(&format!("{dir}/pipe: skipped")),
        "no warning about the FIFO: {stderr}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret_sha256"].as_str().unwrap())
        .collect();
    for k in keys.all() {
        assert!(
            found.contains(&sha256_hex(k.secret.as_bytes()).as_str()),
            "{} was not found",
            k.what
        );
    }
    // Each key with a check was sent to the stand-in (Azure's connection was refused).
    let seen = sb.mock.requests();
    for k in keys.all() {
        if k.what.starts_with("Azure") {
            continue;
        }
        assert!(
            seen.iter()
                .any(|s| s.headers.values().any(|v| v.ends_with(&k.secret))),
            "{} was not validated: {seen:?}",
            k.what
        );
    }

    // Every format, to standard output and with -o, and all of them at once with --report.
    for format in formats() {
        run_clean(
            &keys,
            &format!("scan -f {format}"),
            sb.keyhound().args(scan_args).args(["-f", format]),
            r,
        );
        let file = sb.out(&format!("report.{format}"));
        run_clean(
            &keys,
            &format!("scan -f {format} -o"),
            sb.keyhound()
                .args(scan_args)
                .args(["-f", format, "-o"])
                .arg(&file),
            r,
        );
        assert!(file.exists(), "{format}: no report written");
    }
    let mut all_reports = sb.keyhound();
    all_reports.args(scan_args).args(["--no-validation-cache"]);
    for format in formats() {
        all_reports.arg("--report").arg(format!(
            "{format}={}",
            sb.out(&format!("extra.{format}")).display()
        ));
    }
    run_clean(&keys, "scan --report each format", &mut all_reports, r);

    // The other kinds of scan: history only, files only, a commit range, standard input.
    for extra in [
        &["--history-only"][..],
        &["--no-history"],
        &["--range", "HEAD~3..HEAD"],
        &["-j", "1"],
    ] {
        for format in ["text", "json", "sarif"] {
            run_clean(
                &keys,
                &format!("scan {extra:?} -f {format}"),
                sb.keyhound()
                    .args(scan_args)
                    .args(extra)
                    .args(["-f", format]),
                r,
            );
        }
    }
    let stdin: String = keys.all().iter().map(|k| k.text.clone() + "\n").collect();
    for format in formats() {
        run_clean(
            &keys,
            &format!("scan - -f {format}"),
            sb.keyhound()
                .args(scan_args)
                .args(["-f", format, "-"])
                .write_stdin(stdin.clone()),
            r,
        );
    }

    // The staged scan, and the pre-commit hook that runs it.
    for format in formats() {
        let out = run_clean(
            &keys,
            &format!("scan --staged -f {format}"),
            sb.keyhound()
                .args(scan_args)
                .args(["--staged", "-f", format]),
            r,
        );
        assert_eq!(out.status.code(), Some(1), "the staged key is found");
    }
    run_clean(
        &keys,
        "hook install",
        sb.keyhound().args(["hook", "install"]),
        r,
    );
    let mut commit = std::process::Command::new("git");
    commit
        .args(["-c", "user.name=Dev", "-c", "user.email=dev@example.com"])
        .args(["commit", "-m", "add gemini"])
        .current_dir(r)
        .env("PATH", &sb.path)
        .env("HOME", sb.dir.path().join("home"))
        .env("RUST_LOG", "trace")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    let blocked = commit.output().unwrap();
    assert!(!blocked.status.success(), "the hook lets the key through");
    assert!(
        String::from_utf8_lossy(&blocked.stderr).contains("commit blocked"),
        "{}",
        String::from_utf8_lossy(&blocked.stderr)
    );
    assert_output_clean(&keys, "git commit through the hook", &blocked);
    run_clean(
        &keys,
        "hook uninstall",
        sb.keyhound().args(["hook", "uninstall"]),
        r,
    );

    // Baselines: written, then used, with suppressed findings listed in every format.
    let baseline = sb.out("baseline.json");
    run_clean(
        &keys,
        "scan --write-baseline",
        sb.keyhound()
            .args(scan_args)
            .args(["-f", "json", "--write-baseline"])
            .arg(&baseline),
        r,
    );
    assert!(baseline.exists());
    for format in formats() {
        run_clean(
            &keys,
            &format!("scan --baseline -f {format}"),
            sb.keyhound()
                .args(scan_args)
                .args(["-f", format, "--baseline"])
                .arg(&baseline),
            r,
        );
    }

    // Rules: listed, checked, and a broken user rule file and config that quote a key.
    for args in [
        &["rules", "list"][..],
        &["rules", "list", "--format", "json"],
    ] {
        run_clean(&keys, &format!("{args:?}"), sb.keyhound().args(args), r);
    }
    // Inputs written by the test itself live apart from what keyhound writes.
    let inputs = TempDir::new().unwrap();
    let rules = inputs.path().join("acme.toml");
    std::fs::write(
        &rules,
        "[provider]\nid = \"acme\"\nname = \"Acme\"\nrotation_url = \"https://acme.example\"\n\
         remediation = \"Rotate it.\"\n[[rules]]\nid = \"acme-key\"\nname = \"Acme key\"\n\
         confidence = \"high\"\nkeywords = [\"acme_\"]\nregex = '''acme_[0-9a-f]{32}'''\n\
         examples = [\"acme_{hex:32}\"]\n",
    )
    .unwrap();
    run_clean(
        &keys,
        "rules check",
        sb.keyhound().args(["rules", "check"]).arg(&rules),
        r,
    );
    let broken = inputs.path().join("broken.toml");
    std::fs::write(
        &broken,
        format!(
            "[provider]\nid = \"x\"\nname = \"X\"\nexamples = [\"{}\" oops]\n",
            keys.work_tree.secret
        ),
    )
    .unwrap();
    for args in [&["scan", "--rules"][..], &["rules", "check"]] {
        let out = run_clean(
            &keys,
            &format!("{args:?} on a broken rule file"),
            sb.keyhound().args(args).arg(&broken),
            r,
        );
        assert_eq!(out.status.code(), Some(2));
    }
    let config = inputs.path().join("keyhound.toml");
    std::fs::write(
        &config,
        format!(
            "[[allow]]\nsecret = \"{}\"\nreason = \"test\"\n",
            keys.work_tree.secret
        ),
    )
    .unwrap();
    let out = run_clean(
        &keys,
        "scan with a config that names a key",
        sb.keyhound().args(["scan", "--config"]).arg(&config),
        r,
    );
    assert_eq!(out.status.code(), Some(2));

    // `keyhound validate`: keys from a report written with --show-secrets, and on stdin.
    let with_secrets = inputs.path().join("report.json");
    sb.keyhound()
        .args([
            "scan",
            "--show-secrets",
            "--min-confidence",
            "low",
            "-f",
            "json",
            "-o",
        ])
        .arg(&with_secrets)
        .current_dir(r)
        .assert()
        .code(1);
    for format in ["text", "json"] {
        run_clean(
            &keys,
            &format!("validate -f {format} REPORT"),
            sb.keyhound()
                .args(["validate", "--validate-timeout", "1", "-f", format])
                .arg(&with_secrets),
            r,
        );
        let lines: String = keys.all().iter().map(|k| k.secret.clone() + "\n").collect();
        run_clean(
            &keys,
            &format!("validate -f {format} -"),
            sb.keyhound()
                .args(["validate", "--validate-timeout", "1", "-f", format, "-"])
                .write_stdin(lines),
            r,
        );
    }

    // Everything written: reports, baseline, the validation cache, the home directory.
    let written = files_under(sb.dir.path());
    assert!(
        written.iter().any(|p| p.ends_with("cache/validation.json")),
        "no validation cache was written: {written:?}"
    );
    assert!(written.len() > formats().len() * 2, "{written:?}");
    for file in written
        .iter()
        .filter(|p| !p.starts_with(sb.dir.path().join("bin")))
    {
        assert_clean(
            &keys,
            &file.display().to_string(),
            &std::fs::read(file).unwrap(),
        );
    }
    // And nothing was written into the scanned repository.
    let status = git(r, &["status", "--porcelain", "--ignored"]);
    // (git does not list the FIFO.)
    assert_eq!(status, "A  web/src/gemini.ts", "{status}");
}

#[test]
fn show_secrets_prints_the_full_keys() {
    let keys = Keys::new();
    let repo = fixture(&keys);
    let sb = Sandbox::new(&keys);
    for format in formats() {
        let out = sb
            .keyhound()
            .args(["scan", "--show-secrets", "-f", format])
            .current_dir(repo.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&keys.work_tree.secret),
            "{format} does not show the key"
        );
    }
    let out = sb
        .keyhound()
        .args(["scan", "--show-secrets", "-f", "json"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for k in keys.all().into_iter().chain(keys.in_names()) {
        assert!(stdout.contains(&k.secret), "{} is not shown", k.what);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}/pipe: skipped", keys.path_name.secret)),
        "the warning about the FIFO does not show its path: {stderr}"
    );
    // The commit summary keeps the key it names, too.
    assert!(stdout.contains(&format!("use {} for now", keys.commit_message.secret)));
}

#[test]
fn the_hygiene_test_covers_every_subcommand() {
    let covered = ["scan", "rules", "validate", "hook", "help"];
    for sub in Cli::command().get_subcommands() {
        assert!(
            covered.contains(&sub.get_name()),
            "`keyhound {}` is new: add it to the hygiene test",
            sub.get_name()
        );
    }
    assert_eq!(formats().len(), Format::value_variants().len());
}

#[test]
fn debug_output_and_panic_messages_hold_no_secret() {
    let keys = Keys::new();
    let detector = Detector::new(
        &RuleSet::builtin().unwrap(),
        DetectOptions {
            min_confidence: Confidence::Low,
        },
    )
    .unwrap();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&keys.encoded.secret);
    for text in keys
        .all()
        .iter()
        .map(|k| k.text.clone())
        .chain([format!("data:\n  OPENAI_API_KEY: {encoded}\n")])
    {
        let blob = Blob {
            path: "a.env",
            origin: &Origin::File,
            data: text.as_bytes(),
        };
        let found = detector.scan_blob(&blob);
        assert!(!found.is_empty());
        assert_clean(&keys, "Debug of a blob", format!("{blob:?}").as_bytes());
        assert_clean(&keys, "Debug of findings", format!("{found:#?}").as_bytes());
    }
    // keyhound cannot be made to panic from outside; its panic hook withholds the message,
    // which can quote scanned text (as the standard library's string slicing panics do).
    let message = format!(
        "byte index 12 is not a char boundary; it is inside 'é' of `{}`",
        keys.work_tree.secret
    );
    let printed = keyhound::diag::panic_text(Some("src/detect/mod.rs:1:1"), &message, false);
    assert_clean(&keys, "a panic message", printed.as_bytes());
}
