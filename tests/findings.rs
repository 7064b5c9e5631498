//! What a finding says: the exact findings of every fixture, hashes, fingerprints, positions, and
//! detection on awkward input (multibyte text, invalid UTF-8, a huge one-line bundle, overlapping
//! rules).

mod common;

use common::{fixture, keyhound, openai_key, rule_of, scan_json, tree, write, KeyKind};
use sha2::{Digest, Sha256};

fn sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Scans fixture `name` and checks it gives exactly `expected`: (rule, path, line, key template),
/// in report order, each with the SHA-256 of the key the template expands to.
fn assert_fixture(name: &str, expected: &[(&str, &str, u64, &str)]) {
    let mut fx = fixture(name);
    let scan = scan_json(fx.path(), &[]);
    let want: Vec<(String, String, u64)> = expected
        .iter()
        .map(|(r, p, l, _)| (r.to_string(), p.to_string(), *l))
        .collect();
    assert_eq!(scan.places(), want, "{name}: stderr:\n{}", scan.stderr);
    for (f, (_, path, _, key)) in scan.findings().iter().zip(expected) {
        let key = fx.expand(key);
        assert_eq!(
            f["secret_sha256"],
            sha256(&key),
            "{name}: {path}: not the key"
        );
    }
    assert_eq!(scan.code, if expected.is_empty() { 0 } else { 1 });
    assert!(scan.stderr.is_empty(), "{name}: warnings: {}", scan.stderr);
    if !expected.is_empty() {
        // No noise hides below the threshold either: the low-confidence rules add nothing.
        let low = scan_json(fx.path(), &["--min-confidence", "low"]);
        assert_eq!(low.places(), want, "{name} at --min-confidence low");
    }
}

#[test]
fn react_app_fixture_gives_its_browser_key() {
    assert_fixture(
        "react-app",
        &[
            (
                "openai-project-key",
                "src/App.jsx",
                6,
                "sk-proj-{b64url:74:app_a}T3BlbkFJ{b64url:74:app_b}",
            ),
            // Exposure findings carry the hash of what they report (the option, not a key).
            (
                "browser-sdk-opt-in",
                "src/App.jsx",
                7,
                "dangerouslyAllowBrowser: true",
            ),
        ],
    );
}

#[test]
fn nextjs_fixture_gives_the_env_local_key_and_its_copy_in_a_component() {
    let key = "sk-proj-{b64url:58:next_a}T3BlbkFJ{b64url:58:next_b}";
    assert_fixture(
        "nextjs-app",
        &[
            (
                "client-exposed-env-var",
                ".env.local",
                3,
                "NEXT_PUBLIC_OPENAI_API_KEY",
            ),
            ("openai-project-key", ".env.local", 3, key),
            (
                "client-exposed-env-var",
                "app/components/Chat.tsx",
                9,
                "NEXT_PUBLIC_OPENAI_API_KEY",
            ),
            ("openai-project-key", "app/components/Chat.tsx", 10, key),
            (
                "browser-sdk-opt-in",
                "app/components/Chat.tsx",
                11,
                "dangerouslyAllowBrowser: true",
            ),
        ],
    );
}

#[test]
fn python_backend_fixture_gives_the_settings_key_and_the_openai_api_key_line() {
    assert_fixture(
        "python-backend",
        &[
            ("openai-style-key", "app/llm.py", 8, "sk-{alnum:48:proto}"),
            (
                "openai-service-account-key",
                "app/settings.py",
                11,
                "sk-svcacct-{b64url:74:svc_a}T3BlbkFJ{b64url:74:svc_b}",
            ),
        ],
    );
}

#[test]
fn notebook_fixture_gives_the_key_in_a_code_cell() {
    assert_fixture(
        "notebook",
        &[(
            "openai-legacy-key",
            "analysis.ipynb",
            21,
            "sk-{alnum:20:nb_a}T3BlbkFJ{alnum:20:nb_b}",
        )],
    );
}

#[test]
fn minified_bundle_fixture_gives_the_key_inside_its_one_line() {
    assert_fixture(
        "minified-bundle",
        &[
            (
                "openai-user-key",
                "dist/assets/index-B7x2kQ9d.js",
                1,
                "sk-None-{b64url:74:min_a}T3BlbkFJ{b64url:74:min_b}",
            ),
            (
                "browser-sdk-opt-in",
                "dist/assets/index-B7x2kQ9d.js",
                1,
                "dangerouslyAllowBrowser:!0",
            ),
        ],
    );
}

#[test]
fn placeholder_docs_fixture_gives_no_finding() {
    assert_fixture("placeholder-docs", &[]);
}

#[test]
fn fixtures_in_the_repository_hold_no_key() {
    // Unexpanded templates are not keys: the fixtures directory as committed holds no secret.
    // (Scanned as a root its apps are not test data, so their exposure findings are reported;
    // from the repository root they are under `fixtures/` and are not.)
    let scan = scan_json(&common::fixtures_dir(), &[]);
    let secrets: Vec<_> = scan
        .findings()
        .iter()
        .filter(|f| f["kind"] == "secret")
        .map(|f| f["path"].clone())
        .collect();
    assert!(secrets.is_empty(), "{secrets:?}");
}

#[test]
fn every_openai_key_format_is_reported_under_its_own_rule() {
    use KeyKind::*;
    for (i, kind) in [
        Project,
        ServiceAccount,
        Admin,
        User,
        Legacy,
        NamedServiceAccount,
        Style,
    ]
    .into_iter()
    .enumerate()
    {
        let key = openai_key(kind, i as u64);
        let dir = tree(&[("config.py", &format!("OPENAI_API_KEY = \"{key}\"\n"))]);
        let scan = scan_json(dir.path(), &[]);
        let rules: Vec<_> = scan.places().into_iter().map(|p| p.0).collect();
        assert_eq!(rules, [rule_of(kind)], "{kind:?}");
    }
}

#[test]
fn secret_sha256_is_the_sha256_of_the_exact_key() {
    let key = openai_key(KeyKind::Project, 1);
    let dir = tree(&[("app.js", &format!("const k = '{key}';\n"))]);
    let scan = scan_json(dir.path(), &[]);
    let f = &scan.findings()[0];
    assert_eq!(f["secret_sha256"], sha256(&key));
    assert!(f["secret_sha256"]
        .as_str()
        .unwrap()
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
}

#[test]
fn same_secret_in_several_places_is_reported_once_per_place() {
    let key = openai_key(KeyKind::Project, 2);
    let dir = tree(&[
        ("a.js", &format!("const k = '{key}';\n")),
        ("b/c.py", &format!("KEY = '{key}'\nOTHER = '{key}'\n")),
    ]);
    let scan = scan_json(dir.path(), &[]);
    let places: Vec<_> = scan.places().into_iter().map(|(_, p, l)| (p, l)).collect();
    assert_eq!(
        places,
        [
            ("a.js".to_string(), 1),
            ("b/c.py".to_string(), 1),
            ("b/c.py".to_string(), 2)
        ]
    );
    let mut fingerprints: Vec<_> = scan
        .findings()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 3, "each place has its own fingerprint");
    assert_eq!(scan.stats()["findings"], 3);
    assert_eq!(scan.stats()["secrets"], 1);
}

#[test]
fn text_report_shows_a_secret_once_with_all_its_places_under_it() {
    let key = openai_key(KeyKind::Project, 3);
    let dir = tree(&[
        ("a.js", &format!("const k = '{key}';\n")),
        ("b.js", &format!("\n\nexport const key = \"{key}\";\n")),
    ]);
    let out = keyhound()
        .current_dir(dir.path())
        .args(["scan", "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let redacted = format!("{}…{}", &key[..8], &key[key.len() - 4..]);
    let headers = text
        .lines()
        .filter(|l| l.contains(&redacted) && !l.contains("const"))
        .count();
    assert_eq!(headers, 1, "one heading for the secret:\n{text}");
    let a = text.find("a.js:1:").expect("first place listed");
    let b = text.find("b.js:3:").expect("second place listed");
    assert!(a > text.find(&redacted).unwrap() && b > a, "{text}");
}

#[test]
fn fingerprint_is_unchanged_when_unrelated_lines_are_inserted_above() {
    let key = openai_key(KeyKind::Admin, 4);
    let dir = tree(&[("deploy.sh", &format!("export OPENAI_ADMIN_KEY={key}\n"))]);
    let before = scan_json(dir.path(), &[]);
    write(
        dir.path(),
        "deploy.sh",
        format!("#!/bin/sh\nset -eu\n# deploy script\n\nexport OPENAI_ADMIN_KEY={key}\n")
            .as_bytes(),
    );
    let after = scan_json(dir.path(), &[]);
    let (b, a) = (&before.findings()[0], &after.findings()[0]);
    assert_eq!((b["line"].as_u64(), a["line"].as_u64()), (Some(1), Some(5)));
    assert_eq!(b["fingerprint"], a["fingerprint"]);
}

#[test]
fn line_and_column_count_characters_not_bytes() {
    let key = openai_key(KeyKind::Legacy, 5);
    // Two-, three- and four-byte characters before the key on its line.
    let line = format!("// clé — 🔑 : {key} fin\n");
    let dir = tree(&[("notes.js", &format!("première ligne\n{line}"))]);
    let scan = scan_json(dir.path(), &[]);
    let f = &scan.findings()[0];
    let column = line[..line.find("sk-").unwrap()].chars().count() as u64 + 1;
    assert_eq!(f["line"], 2);
    assert_eq!(f["column"], column);
    assert_eq!(f["end_line"], 2);
    assert_eq!(f["end_column"], column + key.chars().count() as u64);
}

#[test]
fn key_between_invalid_utf8_bytes_is_found() {
    let key = openai_key(KeyKind::Project, 6);
    let mut data = vec![0xff, 0xfe, 0x80, b'\n', 0xc3, b'"'];
    data.extend_from_slice(key.as_bytes());
    data.extend_from_slice(&[b'"', 0xe2, 0x82, b'\n']);
    let dir = tree(&[]);
    write(dir.path(), "broken.txt", &data);
    let scan = scan_json(dir.path(), &[]);
    assert_eq!(scan.places().len(), 1, "{}", scan.stderr);
    let f = &scan.findings()[0];
    assert_eq!(f["secret_sha256"], sha256(&key));
    // Each invalid byte counts as one column.
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(3))
    );
}

#[test]
fn key_touching_non_utf8_bytes_is_found() {
    // Windows-1252 curly quotes (0x93, 0x94) and Latin-1 guillemets (0xab, 0xbb) right against
    // the key: an invalid byte is a separator like any other non-key character.
    let key = openai_key(KeyKind::Legacy, 6);
    let dir = tree(&[]);
    for (name, open, close) in [("cp1252.txt", 0x93, 0x94), ("latin1.txt", 0xab, 0xbb)] {
        let mut data = b"cl\xe9 = ".to_vec();
        data.push(open);
        data.extend_from_slice(key.as_bytes());
        data.push(close);
        data.push(b'\n');
        write(dir.path(), name, &data);
    }
    let scan = scan_json(dir.path(), &[]);
    assert_eq!(
        scan.paths(),
        ["cp1252.txt", "latin1.txt"],
        "{}",
        scan.stderr
    );
    for f in scan.findings() {
        assert_eq!(f["secret_sha256"], sha256(&key));
        assert_eq!(f["column"], 8);
    }
}

#[test]
fn key_near_the_end_of_a_50_mb_single_line_bundle_is_found() {
    let key = openai_key(KeyKind::Project, 7);
    let chunk = "function(e,t){return e&&e.__esModule?e:{default:e}},n=Object.assign||function(e){for(var t=1;t<arguments.length;t++)e[t]=arguments[t];return e};";
    let mut bundle = String::with_capacity(50 << 20);
    while bundle.len() < 50 << 20 {
        bundle.push_str(chunk);
    }
    bundle.push_str(&format!("var cfg={{apiKey:\"{key}\"}};"));
    bundle.push_str(chunk);
    let dir = tree(&[]);
    write(dir.path(), "dist/vendor.min.js", bundle.as_bytes());
    let scan = scan_json(dir.path(), &[]);
    assert_eq!(
        scan.places(),
        [(
            "openai-project-key".to_string(),
            "dist/vendor.min.js".to_string(),
            1
        )]
    );
    let column = bundle.find("sk-proj-").unwrap() as u64 + 1;
    assert_eq!(scan.findings()[0]["column"], column);
}

#[test]
fn overlapping_sibling_rules_give_one_finding_of_the_most_specific_rule() {
    // A 20+20 project key also fits the early service-account shape (`sk-<name>-…`), and an
    // OpenAI-style key next to OPENAI_API_KEY also fits the no-context rule.
    let project = openai_key(KeyKind::Project, 8);
    let short_project =
        keyhound::rules::template::expand("sk-proj-{alnum:20}T3BlbkFJ{alnum:20}", 8);
    let style = openai_key(KeyKind::Style, 8);
    let dir = tree(&[(
        "keys.env",
        &format!("A={project}\nB={short_project}\nOPENAI_API_KEY={style}\n"),
    )]);
    let scan = scan_json(dir.path(), &["--min-confidence", "low"]);
    let rules: Vec<_> = scan.places().into_iter().map(|(r, _, l)| (r, l)).collect();
    assert_eq!(
        rules,
        [
            ("openai-project-key".to_string(), 1),
            ("openai-project-key".to_string(), 2),
            ("openai-style-key".to_string(), 3),
        ]
    );
}

#[test]
fn placeholders_in_docs_are_noticed_only_at_low_confidence_as_placeholders() {
    let fx = fixture("placeholder-docs");
    let scan = scan_json(fx.path(), &["--min-confidence", "low"]);
    assert!(!scan.findings().is_empty(), "the placeholders are seen");
    for f in scan.findings() {
        assert_eq!(f["confidence"], "low", "{f}");
        assert_eq!(f["note"], "placeholder", "{f}");
    }
}

#[test]
fn snippet_redacts_a_key_shaped_neighbour_that_is_below_the_confidence_threshold() {
    // The `sk-` string has no OpenAI context, so by default it is not reported; it must still
    // never print in full in the snippet of the key next to it.
    let key = openai_key(KeyKind::Project, 9);
    let neighbour = openai_key(KeyKind::Style, 9);
    let dir = tree(&[(
        "bundle.js",
        &format!("var a=\"{key}\",b=\"{neighbour}\";\n"),
    )]);
    let scan = scan_json(dir.path(), &[]);
    assert_eq!(scan.findings().len(), 1);
    let snippet = scan.findings()[0]["snippet"].as_str().unwrap();
    assert!(!snippet.contains(&neighbour[8..]), "{snippet}");
    assert!(snippet.contains("b=\"sk-"), "{snippet}");
}
