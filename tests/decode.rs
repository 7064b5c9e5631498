//! Keys hidden by encoding are found, reported at their original file, line and column, say how
//! they were found, and are never reported twice for one place.

mod common;
mod exposure_fixtures;

use std::path::Path;

use base64::Engine as _;
use exposure_fixtures::{build, position_of, scan_json, Keys};
use serde_json::Value;

fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn pos(f: &Value) -> (u64, u64) {
    (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap())
}

fn only_secret(findings: &[Value]) -> &Value {
    let s: Vec<&Value> = findings.iter().filter(|f| f["kind"] == "secret").collect();
    assert_eq!(s.len(), 1, "{findings:#?}");
    s[0]
}

#[test]
fn finds_a_base64_key_in_a_kubernetes_secret_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(21);
    build("kubernetes", &keys, dir.path());
    let (code, findings, _) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let f = only_secret(&findings);
    assert_eq!(f["decoded"], "base64");
    assert_eq!(f["rule_id"], "openai-project-key");
    let encoded = base64::engine::general_purpose::STANDARD.encode(&keys.key);
    assert_eq!(
        pos(f),
        position_of(&dir.path().join("secret.yaml"), &encoded)
    );
    assert_eq!(
        f["secret_sha256"],
        keyhound::finding::sha256_hex(keys.key.as_bytes())
    );
}

#[test]
fn finds_a_key_written_with_unicode_escapes_in_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(22);
    build("vite-app", &keys, dir.path());
    let (_, findings, _) = scan_json(dir.path(), &[]);
    let path = "dist/assets/index-BkQ3x9aZ.js";
    let f: Vec<&Value> = findings.iter().filter(|f| f["path"] == path).collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["decoded"], "json-escape");
    assert_eq!(
        pos(f[0]),
        position_of(&dir.path().join(path), "sk\\u002dproj")
    );
}

#[test]
fn finds_a_key_split_across_concatenated_literals() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(23);
    build("vite-app", &keys, dir.path());
    let (_, findings, _) = scan_json(dir.path(), &[]);
    let f: Vec<&Value> = findings
        .iter()
        .filter(|f| f["path"] == "src/lib/ai.ts" && f["kind"] == "secret")
        .collect();
    assert_eq!(f.len(), 1, "{findings:#?}");
    assert_eq!(f[0]["decoded"], "concatenation");
    let file = dir.path().join("src/lib/ai.ts");
    assert_eq!(pos(f[0]), position_of(&file, &keys.key[..40]));
    let (end_line, _) = position_of(&file, &keys.key[40..]);
    assert_eq!(f[0]["end_line"].as_u64().unwrap(), end_line);
    assert_eq!(f[0]["exposure"]["class"], "client");
}

#[test]
fn finds_a_percent_encoded_key_in_a_log() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(24);
    let encoded = keys.key.replace('-', "%2D").replace('_', "%5F");
    write(
        dir.path(),
        "logs/access.log",
        format!("10.0.0.1 - - \"GET /proxy?model=gpt-4o\"\n10.0.0.2 - - \"GET /proxy?api_key={encoded}&q=hi\"\n"),
    );
    let (_, findings, _) = scan_json(dir.path(), &[]);
    let f = only_secret(&findings);
    assert_eq!(f["decoded"], "percent");
    assert_eq!(pos(f), (2, 34));
}

#[test]
fn finds_keys_in_utf16_files_with_and_without_a_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(25);
    let text = format!("# settings\r\nOPENAI_API_KEY={}\r\n", keys.key);
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    write(dir.path(), "le.txt", &le);
    write(dir.path(), "be.txt", &be);
    let (_, findings, _) = scan_json(dir.path(), &[]);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    for f in &findings {
        assert_eq!(pos(f), (2, 16));
        let expect = if f["path"] == "le.txt" {
            "utf-16le"
        } else {
            "utf-16be"
        };
        assert_eq!(f["decoded"], expect);
    }
    let le_f = findings.iter().find(|f| f["path"] == "le.txt").unwrap();
    // BOM, then "# settings\r\n" and "OPENAI_API_KEY=", two bytes a character.
    assert_eq!(le_f["offset"].as_u64().unwrap(), 2 + 2 * 27);
}

#[test]
fn a_key_seen_in_plain_text_is_not_reported_again_when_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(26);
    // Plain inside a JSON string next to escapes, and inside a concatenation's first piece.
    write(
        dir.path(),
        "config.js",
        format!(
            "const a = \"{}\\u002e\";\nconst b = \"{}\" + \"x\";\n",
            keys.key, keys.key2
        ),
    );
    let (_, findings, _) = scan_json(dir.path(), &[]);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert!(findings.iter().all(|f| f.get("decoded").is_none()));
}

#[test]
fn no_decode_turns_decoding_off() {
    let dir = tempfile::tempdir().unwrap();
    build("kubernetes", &Keys::new(27), dir.path());
    let (code, findings, _) = scan_json(dir.path(), &["--no-decode"]);
    assert_eq!(code, 0);
    assert!(findings.is_empty());
}

#[test]
fn decoded_keys_never_appear_in_output() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(28);
    build("kubernetes", &keys, dir.path());
    let encoded = base64::engine::general_purpose::STANDARD.encode(&keys.key);
    for format in ["text", "json", "sarif"] {
        let out = assert_cmd::Command::cargo_bin("keyhound")
            .unwrap()
            .current_dir(dir.path())
            .args(["scan", "--format", format])
            .output()
            .unwrap();
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(!s.contains(&keys.key), "{format}");
        assert!(!s.contains(&encoded[..40]), "{format}");
    }
}
