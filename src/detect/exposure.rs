//! Who gets to read a finding: code and assets served to browsers or shipped in apps (`client`),
//! backends and infrastructure (`server`), notebooks, docs, tests, or `unknown`; judged from the
//! path (archive members included), the file type, framework conventions that inline variables
//! into bundles, and SDK opt-ins to browser use. Also finds those conventions and opt-ins on
//! their own (`FindingKind::Exposure`): they leak a key at build time even when none is committed.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use regex_automata::{meta::Regex, Anchored, Input};

use super::placeholder::looks_like_placeholder;
use crate::{
    finding::Exposure,
    rules::{Confidence, Rule},
};

/// Prefixes that frameworks inline into client bundles at build time.
pub const PUBLIC_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "NUXT_PUBLIC_",
    "EXPO_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "GATSBY_",
    "VUE_APP_",
    "PUBLIC_",
];

/// Names of AI providers as they appear in variable names.
const PROVIDER_WORDS: &str = "OPENAI|AZURE_OPENAI|ANTHROPIC|CLAUDE|GEMINI|GOOGLE_AI|GOOGLE_GENERATIVE_AI|GENAI|GROQ|MISTRAL|COHERE|HUGGINGFACE|HUGGING_FACE|HF|REPLICATE|PERPLEXITY|PPLX|XAI|GROK|DEEPSEEK|OPENROUTER|TOGETHER|FIREWORKS|AI";

pub const ENV_VAR_RULE: &str = "client-exposed-env-var";
pub const BROWSER_OPT_IN_RULE: &str = "browser-sdk-opt-in";

const SERVER_REMEDIATION: &str = "Move the call behind a server endpoint: your backend reads the key from a server-only variable (without a public prefix) and calls the provider; the browser or app calls your endpoint. Then rotate any key that was ever built into a bundle.";

/// The rules behind exposure findings, for reports (SARIF metadata, remediation).
pub fn rules() -> Vec<Rule> {
    let rule = |id: &str, name: &str, description: &str| Rule {
        id: id.to_string(),
        name: name.to_string(),
        description: description.to_string(),
        provider: "exposure".to_string(),
        provider_name: "Client-side exposure".to_string(),
        confidence: Confidence::Medium,
        keywords: Vec::new(),
        regex: String::new(),
        window: 0,
        min_entropy: None,
        placeholder_check: true,
        allow: Vec::new(),
        remediation: SERVER_REMEDIATION.to_string(),
        rotation_url: "https://owasp.org/www-project-top-ten/2017/A3_2017-Sensitive_Data_Exposure"
            .to_string(),
        tags: vec!["client-exposure".to_string()],
        examples: Vec::new(),
        negative_examples: Vec::new(),
        validation: None,
        source_file: "built-in".to_string(),
        builtin: true,
    };
    vec![
        rule(
            ENV_VAR_RULE,
            "AI provider key in a client-exposed variable",
            "An AI provider key variable carries a prefix (NEXT_PUBLIC_, VITE_, REACT_APP_, EXPO_PUBLIC_, PUBLIC_, NUXT_PUBLIC_, GATSBY_, VUE_APP_) that the framework inlines into the client bundle at build time, so every visitor can read the key.",
        ),
        rule(
            BROWSER_OPT_IN_RULE,
            "AI SDK opted into browser use",
            "An AI SDK is told to run in the browser (dangerouslyAllowBrowser: true, or the anthropic-dangerous-direct-browser-access header), which sends the API key to every visitor.",
        ),
    ]
}

/// An exposure finding's place and what it is.
#[derive(Debug, Clone)]
pub struct ExposureMatch {
    pub rule: &'static str,
    /// Span of what is reported (the variable name or the opt-in).
    pub start: usize,
    pub end: usize,
    /// Span of a value on the same line that must be redacted in the snippet (`NAME=value`).
    pub value: Option<(usize, usize)>,
}

struct Matchers {
    /// Public prefixes (longest first) and the opt-ins: every exposure starts at one of these.
    triggers: AhoCorasick,
    env_line: Regex,
    /// A key variable, matched anchored at a prefix.
    var: Regex,
    /// An opt-in, matched anchored at its trigger.
    opt_in: Regex,
}

const OPT_INS: &[&str] = &[
    "dangerouslyAllowBrowser",
    "anthropic-dangerous-direct-browser-access",
];

/// Longest `.env*` file read whole by the line pattern; `.env` files are small.
const MAX_ENV_FILE: usize = 1 << 20;

fn matchers() -> &'static Matchers {
    static M: OnceLock<Matchers> = OnceLock::new();
    M.get_or_init(|| {
        let prefixes = PUBLIC_PREFIXES.join("|");
        let var = key_variable(&prefixes);
        let build = |p: &str| Regex::new(p).expect("exposure patterns compile");
        Matchers {
            triggers: AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(PUBLIC_PREFIXES.iter().chain(OPT_INS))
                .expect("exposure triggers compile"),
            env_line: build(&format!(
                r#"(?m)^[ \t]*(?:export[ \t]+)?(?P<name>{var})[ \t]*[=:][ \t]*(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s#]*)"#
            )),
            var: build(&var),
            opt_in: build(
                r#"dangerouslyAllowBrowser["']?\s*:\s*(?:true|!0)|anthropic-dangerous-direct-browser-access["']?\s*:\s*["']?true"#,
            ),
        }
    })
}

/// A public-prefixed variable that names an AI provider and a key: `NEXT_PUBLIC_OPENAI_API_KEY`,
/// `VITE_ANTHROPIC_KEY`, `REACT_APP_MY_GROQ_TOKEN`. Provider names are whole words of the name.
fn key_variable(prefixes: &str) -> String {
    format!(
        r"(?:{prefixes})(?:[A-Z0-9]+_)*?(?:{PROVIDER_WORDS})_(?:[A-Z0-9]+_)*?(?:API_?KEY|KEY|TOKEN|SECRET)\b"
    )
}

/// Bare public-prefixed variable names, as on a line that a finding is on.
fn bare_var() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        let prefixes = PUBLIC_PREFIXES.join("|");
        Regex::new(&format!(r"\b(?P<name>{})", key_variable(&prefixes)))
            .expect("exposure pattern compiles")
    })
}

/// Ways code reads a build-time variable, written just before its name.
const ENV_READS: &[&str] = &[
    "process.env.",
    "import.meta.env.",
    "process.env[\"",
    "process.env['",
    "import.meta.env[\"",
    "import.meta.env['",
];

/// Exposure findings in one blob: public-prefixed key variables with a value in `.env*` files or
/// read in code, and SDK browser opt-ins in code. Patterns run only at prefilter hits.
pub fn find(path: &str, data: &[u8]) -> Vec<ExposureMatch> {
    let name = file_name(path);
    let ext = extension(name);
    let env_file = name.starts_with(".env") || name.ends_with(".env");
    let code = CODE_EXTS.contains(&ext) || ext == "html" || ext == "htm";
    // Test code and test data are not built into anything that ships.
    if !env_file && !code || is_test_path(path) {
        return Vec::new();
    }
    let m = matchers();
    let mut out = Vec::new();
    if env_file && data.len() <= MAX_ENV_FILE && m.triggers.find(data).is_some() {
        for caps in m.env_line.captures_iter(data) {
            let span = |g: &str| caps.get_group_by_name(g).map(|s| (s.start, s.end));
            let (Some(n), Some(v)) = (span("name"), span("value")) else {
                continue;
            };
            let value = trim_quotes(&data[v.0..v.1]);
            // An empty or placeholder value in a template says nothing about a real build.
            if value.is_empty() || looks_like_placeholder(value) || value.starts_with(b"<") {
                continue;
            }
            out.push(ExposureMatch {
                rule: ENV_VAR_RULE,
                start: n.0,
                end: n.1,
                value: Some(v),
            });
        }
    }
    if code {
        let svelte_public = memchr::memmem::find(data, b"$env/static/public").is_some();
        let anchored = |re: &Regex, at: usize| {
            let input = Input::new(data)
                .range(at..(at + 256).min(data.len()))
                .anchored(Anchored::Yes);
            re.find(input).map(|h| (h.start(), h.end()))
        };
        for hit in m.triggers.find_iter(data) {
            let at = hit.start();
            let (rule, span) = if hit.pattern().as_usize() < PUBLIC_PREFIXES.len() {
                let before = &data[..at];
                let read = ENV_READS.iter().any(|r| before.ends_with(r.as_bytes()));
                let bare = svelte_public
                    && before
                        .last()
                        .is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_'));
                if !read && !bare {
                    continue;
                }
                (ENV_VAR_RULE, anchored(&m.var, at))
            } else {
                (BROWSER_OPT_IN_RULE, anchored(&m.opt_in, at))
            };
            if let Some((start, end)) = span {
                out.push(ExposureMatch {
                    rule,
                    start,
                    end,
                    value: None,
                });
            }
        }
    }
    out.sort_by_key(|m| m.start);
    out
}

fn trim_quotes(v: &[u8]) -> &[u8] {
    match v {
        [b'"', inner @ .., b'"'] | [b'\'', inner @ .., b'\''] => inner,
        _ => v,
    }
}

const CODE_EXTS: &[&str] = &[
    "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "vue", "svelte", "astro",
];
const DOC_EXTS: &[&str] = &["md", "mdx", "markdown", "rst", "adoc", "txt", "rtf"];
const SERVER_EXTS: &[&str] = &[
    "py", "go", "rb", "php", "rs", "cs", "ex", "exs", "scala", "pl", "tf", "tfvars", "hcl", "sh",
    "bash", "ps1", "sql",
];
const SERVER_DIRS: &[&str] = &[
    "server",
    "servers",
    "api",
    "backend",
    "functions",
    "lambda",
    "lambdas",
    "worker",
    "workers",
    "infra",
    "terraform",
    "helm",
    "k8s",
    "kubernetes",
    "deploy",
    "deployment",
    ".github",
    ".circleci",
    ".gitlab",
    "cmd",
    "internal",
    "middleware",
];
const CLIENT_DIRS: &[&str] = &[
    "public", "static", "www", "assets", "dist", "build", "out", "wwwroot", "_next", "chunks",
];
const FRONTEND_DIRS: &[&str] = &[
    "src",
    "app",
    "pages",
    "components",
    "views",
    "routes",
    "lib",
    "hooks",
    "client",
    "frontend",
    "web",
    "ui",
    "extension",
];
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "spec",
    "specs",
    "fixtures",
    "__fixtures__",
    "testdata",
    "__mocks__",
    "e2e",
    "cypress",
];

/// Whether a path is test code or test data: a test folder, or a test file name.
fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut segments: Vec<&str> = lower.split(['/', '!']).filter(|s| !s.is_empty()).collect();
    let name = segments.pop().unwrap_or("");
    segments.iter().any(|d| TEST_DIRS.contains(d))
        || [".test.", ".spec.", "_test.", "test_"]
            .iter()
            .any(|t| name.contains(t))
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '!']).next().unwrap_or(path)
}

fn extension(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, e)| e)
}

fn exposure(class: &str, reason: impl Into<String>) -> Exposure {
    Exposure {
        class: class.to_string(),
        reason: reason.into(),
    }
}

/// Who can read the line at `[line_start, line_end)` of the blob at `path`.
pub fn classify(path: &str, data: &[u8], line: &[u8]) -> Exposure {
    // Inside a package that ships to devices, everything ships.
    let (outer, inner) = match path.split_once("!/") {
        Some((o, i)) => (Some(o), i),
        None => (None, path),
    };
    if let Some(o) = outer {
        let oext = extension(file_name(o)).to_ascii_lowercase();
        match oext.as_str() {
            "apk" | "aab" | "aar" | "ipa" => {
                return exposure("client", format!("inside the mobile app package {o}"));
            }
            "crx" | "xpi" => {
                return exposure(
                    "client",
                    format!("inside the browser extension package {o}"),
                );
            }
            "war" | "whl" | "jar" | "ear" => {
                return exposure("server", format!("inside the server package {o}"));
            }
            _ => {}
        }
    }
    let lower = inner.to_ascii_lowercase();
    let segments: Vec<&str> = lower.split('/').collect();
    let (dirs, name) = segments.split_at(segments.len() - 1);
    let name = name[0];
    let ext = extension(name);
    let in_dir = |set: &[&str]| dirs.iter().any(|d| set.contains(d));

    if ext == "ipynb" {
        return exposure(
            "notebook",
            "Jupyter notebook: code and outputs are shared with the notebook",
        );
    }
    if let Some(prefix) = PUBLIC_PREFIXES
        .iter()
        .find(|p| memchr::memmem::find(line, p.as_bytes()).is_some() && bare_var().is_match(line))
    {
        return exposure(
            "client",
            format!("{prefix} variables are inlined into the client bundle at build time"),
        );
    }
    if memchr::memmem::find(line, b"dangerouslyAllowBrowser").is_some() {
        return exposure(
            "client",
            "the SDK is opted into browser use (dangerouslyAllowBrowser)",
        );
    }
    if is_test_path(inner) {
        return exposure("test", "test code or test data");
    }
    if DOC_EXTS.contains(&ext)
        || in_dir(&["docs", "doc", "documentation"]) && !CODE_EXTS.contains(&ext) && ext != "html"
    {
        return exposure("docs", "documentation");
    }
    if ext == "map" {
        return exposure("client", "source map of a client bundle (served beside it)");
    }
    if dirs.windows(2).any(|w| w == [".next", "static"]) {
        return exposure("client", "Next.js static output, served to browsers");
    }
    // Server routes inside front-end frameworks come before the front-end folders around them.
    if dirs
        .windows(2)
        .any(|w| w == ["pages", "api"] || w == ["app", "api"])
    {
        return exposure("server", "API route: runs on the server");
    }
    if name.ends_with(".server.ts")
        || name.ends_with(".server.js")
        || name.starts_with("+server.")
        || name.starts_with("+page.server.")
        || name.starts_with("+layout.server.")
    {
        return exposure("server", "server-only module of the framework");
    }
    if is_mobile(dirs, name, ext, data) {
        return exposure(
            "client",
            "mobile app source or resource: shipped inside the app",
        );
    }
    if name == "manifest.json" && memchr::memmem::find(data, b"\"manifest_version\"").is_some() {
        return exposure(
            "client",
            "browser extension manifest: the extension ships to every user",
        );
    }
    if CODE_EXTS.contains(&ext) || matches!(ext, "html" | "htm") {
        if in_dir(SERVER_DIRS) || looks_like_server_code(data) {
            return exposure("server", "server code");
        }
        if name.ends_with(".min.js") || is_hashed_chunk(name) {
            return exposure("client", "bundled JavaScript served to browsers");
        }
        if in_dir(CLIENT_DIRS) {
            return exposure("client", "served to browsers from a static or build folder");
        }
        if matches!(
            ext,
            "html" | "htm" | "jsx" | "tsx" | "vue" | "svelte" | "astro"
        ) {
            return exposure(
                "client",
                "front-end component or page, rendered in the browser",
            );
        }
        if is_extension_script(data) {
            return exposure("client", "browser extension script");
        }
        if in_dir(FRONTEND_DIRS) && looks_like_browser_code(data) {
            return exposure("client", "front-end code that runs in the browser");
        }
        return exposure("unknown", "JavaScript not clearly client or server");
    }
    if in_dir(CLIENT_DIRS)
        && matches!(
            ext,
            "json" | "js" | "css" | "txt" | "xml" | "yml" | "yaml" | "config"
        )
    {
        return exposure("client", "served to browsers from a static or build folder");
    }
    if SERVER_EXTS.contains(&ext)
        || in_dir(SERVER_DIRS)
        || name.starts_with("dockerfile")
        || name.starts_with("docker-compose")
        || name.starts_with(".env")
        || (matches!(ext, "yml" | "yaml") && memchr::memmem::find(data, b"apiVersion:").is_some())
    {
        return exposure(
            "server",
            "server code, infrastructure or server configuration",
        );
    }
    if ext == "java" || ext == "kt" {
        return exposure("server", "JVM service code");
    }
    exposure("unknown", "not clearly client or server")
}

fn is_mobile(dirs: &[&str], name: &str, ext: &str, data: &[u8]) -> bool {
    if name == "androidmanifest.xml"
        || name == "google-services.json"
        || name == "googleservice-info.plist"
        || matches!(ext, "plist" | "xcconfig" | "swift" | "dart" | "m")
    {
        return true;
    }
    let android_res = dirs.contains(&"res") && ext == "xml";
    let android_src = dirs.windows(2).any(|w| w == ["src", "main"])
        && matches!(ext, "java" | "kt")
        && memchr::memmem::find(data, b"import android").is_some();
    let gradle = name.starts_with("build.gradle")
        && memchr::memmem::find(data, b"buildConfigField").is_some();
    android_res
        || android_src
        || gradle
        || (ext == "kt" && memchr::memmem::find(data, b"import android").is_some())
}

/// `main.3f2a1b9c.js`, `index-BkQ3x9aZ.js`, `123.abcdef12.chunk.js`.
fn is_hashed_chunk(name: &str) -> bool {
    name.split(['.', '-']).any(|part| {
        part.len() >= 8
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && part.bytes().any(|b| b.is_ascii_digit())
            && part.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

fn contains_any(data: &[u8], needles: &[&str]) -> bool {
    let head = &data[..data.len().min(64 << 10)];
    needles
        .iter()
        .any(|n| memchr::memmem::find(head, n.as_bytes()).is_some())
}

fn looks_like_server_code(data: &[u8]) -> bool {
    contains_any(
        data,
        &[
            "\"use server\"",
            "'use server'",
            "from 'express'",
            "from \"express\"",
            "require('express')",
            "require(\"express\")",
            "from 'fastify'",
            "from \"fastify\"",
            "http.createServer",
            "from 'next/server'",
            "from \"next/server\"",
            "import 'server-only'",
            "import \"server-only\"",
        ],
    )
}

fn looks_like_browser_code(data: &[u8]) -> bool {
    contains_any(
        data,
        &[
            "\"use client\"",
            "'use client'",
            "from 'react'",
            "from \"react\"",
            "from 'vue'",
            "from \"vue\"",
            "import.meta.env",
            "document.",
            "window.",
            "localStorage",
            "fetch(",
            "dangerouslyAllowBrowser",
        ],
    )
}

fn is_extension_script(data: &[u8]) -> bool {
    contains_any(
        data,
        &[
            "chrome.runtime",
            "chrome.storage",
            "browser.runtime",
            "chrome.tabs",
        ],
    )
}

/// Where a notebook or source-map finding sits inside its container, for the exposure reason:
/// `cell 3`, or the original source of a source map with its line.
pub fn inner_location(path: &str, data: &[u8], offset: usize) -> Option<String> {
    let ext = extension(file_name(path)).to_ascii_lowercase();
    match ext.as_str() {
        "ipynb" => {
            // nbformat writes each cell's keys sorted, `cell_type` first, so cells are counted
            // by their `"cell_type"` keys.
            let before = &data[..offset];
            let cell = memchr::memmem::find_iter(before, b"\"cell_type\"").count();
            if cell == 0 {
                return None;
            }
            let last = memchr::memmem::rfind(before, b"\"cell_type\"").unwrap_or(0);
            let in_output = memchr::memmem::find(&before[last..], b"\"outputs\"").is_some()
                && memchr::memmem::find(&data[last..], b"\"outputs\"")
                    .zip(memchr::memmem::find(&data[last..], b"\"source\""))
                    .is_some_and(|(o, s)| o < s && last + s > offset);
            Some(if in_output {
                format!("output of cell {cell}")
            } else {
                format!("cell {cell}")
            })
        }
        "map" => source_map_location(data, offset),
        _ => None,
    }
}

/// The original source (and line in it) that a source map's `sourcesContent` holds at `offset`.
fn source_map_location(data: &[u8], offset: usize) -> Option<String> {
    let key = memchr::memmem::find(data, b"\"sourcesContent\"")?;
    let mut i = key + b"\"sourcesContent\"".len();
    let mut index = 0usize;
    // Walk the array of strings: index of the string holding `offset`, and newlines before it.
    while i < data.len() && i < offset {
        match data[i] {
            b'"' => {
                let start = i + 1;
                let mut j = start;
                let mut line = 1;
                while j < data.len() && data[j] != b'"' {
                    if data[j] == b'\\' {
                        if data.get(j + 1) == Some(&b'n') && j < offset {
                            line += 1;
                        }
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                if offset >= start && offset < j {
                    let sources: serde_json::Value = serde_json::from_slice(data).ok()?;
                    let name = sources["sources"][index].as_str()?;
                    return Some(format!("original source {name}:{line}"));
                }
                index += 1;
                i = j + 1;
            }
            b']' => return None,
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(path: &str, data: &str) -> String {
        classify(path, data.as_bytes(), b"").class
    }

    #[test]
    fn front_end_paths_are_client() {
        assert_eq!(class("web/public/config.js", ""), "client");
        assert_eq!(
            class(".next/static/chunks/app/page-3f2a1b9c.js", ""),
            "client"
        );
        assert_eq!(class("dist/assets/index-BkQ3x9aZ.js", ""), "client");
        assert_eq!(class("src/components/Chat.tsx", ""), "client");
        assert_eq!(class("src/lib/ai.ts", "'use client'\n"), "client");
        assert_eq!(class("app.apk!/assets/config.json", ""), "client");
        assert_eq!(class("app/src/main/res/values/strings.xml", ""), "client");
        assert_eq!(class("dist/main.js.map", ""), "client");
    }

    #[test]
    fn server_paths_are_server() {
        assert_eq!(class("pages/api/chat.ts", ""), "server");
        assert_eq!(class("src/app/api/chat/route.ts", ""), "server");
        assert_eq!(class("server/index.js", ""), "server");
        assert_eq!(class("main.py", ""), "server");
        assert_eq!(class("deploy/secret.yaml", "apiVersion: v1\n"), "server");
        assert_eq!(class(".env.production", ""), "server");
    }

    #[test]
    fn notebooks_docs_and_tests_have_their_own_class() {
        assert_eq!(class("analysis.ipynb", ""), "notebook");
        assert_eq!(class("docs/setup.md", ""), "docs");
        assert_eq!(class("src/__tests__/chat.test.tsx", ""), "test");
    }

    #[test]
    fn a_public_prefix_on_the_line_makes_it_client() {
        let e = classify(".env.local", b"", b"NEXT_PUBLIC_OPENAI_API_KEY=abc");
        assert_eq!(e.class, "client");
        assert!(e.reason.contains("NEXT_PUBLIC_"));
    }
}
