//! Archives are opened (zip family, tar, tar.gz), members are reported as `outer!/inner`, nested
//! archives too, and zip bombs are refused with a warning instead of filling memory.

mod common;
mod exposure_fixtures;

use std::io::{Cursor, Write};

use exposure_fixtures::{scan_json, Keys};
use serde_json::Value;
use zip::write::SimpleFileOptions;

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn tgz_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn paths(findings: &[Value]) -> Vec<&str> {
    findings
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect()
}

#[test]
fn finds_a_key_in_an_android_package_and_calls_it_client() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(31);
    let config = format!("{{\"openai\": \"{}\"}}\n", keys.key);
    let apk = zip_of(&[
        ("AndroidManifest.xml", b"\x03\x00\x08\x00binary-xml"),
        ("assets/config.json", config.as_bytes()),
    ]);
    std::fs::write(dir.path().join("app.apk"), apk).unwrap();
    let (code, findings, _) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(paths(&findings), ["app.apk!/assets/config.json"]);
    assert_eq!(findings[0]["line"], 1);
    assert_eq!(findings[0]["column"], 13);
    assert_eq!(findings[0]["exposure"]["class"], "client");
}

#[test]
fn looks_into_archives_nested_in_archives() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(32);
    let props = format!("openai.key={}\n", keys.key);
    let jar = zip_of(&[("application.properties", props.as_bytes())]);
    let war = zip_of(&[("WEB-INF/lib/app.jar", &jar)]);
    std::fs::write(dir.path().join("site.war"), war).unwrap();
    let (_, findings, _) = scan_json(dir.path(), &[]);
    assert_eq!(
        paths(&findings),
        ["site.war!/WEB-INF/lib/app.jar!/application.properties"]
    );
    assert_eq!(findings[0]["exposure"]["class"], "server");
}

#[test]
fn finds_a_key_in_an_npm_tarball() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(33);
    let js = format!("export const key = \"{}\";\n", keys.key);
    let tgz = tgz_of(&[
        ("package/package.json", b"{\"name\":\"x\"}"),
        ("package/dist/index.min.js", js.as_bytes()),
    ]);
    std::fs::write(dir.path().join("x-1.0.0.tgz"), tgz).unwrap();
    let (_, findings, _) = scan_json(dir.path(), &[]);
    assert_eq!(paths(&findings), ["x-1.0.0.tgz!/package/dist/index.min.js"]);
    assert_eq!(findings[0]["exposure"]["class"], "client");
}

#[test]
fn refuses_a_zip_bomb_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(34);
    // 32 MiB of zeros deflate to about 32 KiB: a ratio near 1000.
    let zeros = vec![0u8; 32 << 20];
    let bomb = zip_of(&[("zeros.txt", &zeros), ("key.txt", keys.key.as_bytes())]);
    assert!(bomb.len() < 1 << 20);
    std::fs::write(dir.path().join("bomb.zip"), bomb).unwrap();
    let (code, findings, stderr) = scan_json(dir.path(), &[]);
    assert!(
        stderr.contains("bomb.zip") && stderr.contains("zip bomb"),
        "{stderr}"
    );
    assert!(findings.is_empty());
    assert_eq!(code, 0);
}

#[test]
fn refuses_a_tar_gz_bomb_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![b'a'; 32 << 20];
    std::fs::write(dir.path().join("big.tar.gz"), tgz_of(&[("a.txt", &zeros)])).unwrap();
    let (_, findings, stderr) = scan_json(dir.path(), &[]);
    assert!(
        stderr.contains("big.tar.gz") && stderr.contains("zip bomb"),
        "{stderr}"
    );
    assert!(findings.is_empty());
}

#[test]
fn a_corrupt_archive_is_a_warning_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.jar"),
        b"PK\x03\x04 not really a zip",
    )
    .unwrap();
    let (code, findings, stderr) = scan_json(dir.path(), &[]);
    assert!(findings.is_empty());
    assert!(stderr.contains("broken.jar"), "{stderr}");
    assert_eq!(code, 2);
}

#[test]
fn no_archives_leaves_archives_closed() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(35);
    let apk = zip_of(&[("assets/k.txt", keys.key.as_bytes())]);
    std::fs::write(dir.path().join("app.apk"), apk).unwrap();
    let (code, findings, _) = scan_json(dir.path(), &["--no-archives"]);
    assert_eq!(code, 0);
    assert!(findings.is_empty());
    let (_, findings, _) = scan_json(dir.path(), &["--no-archives", "--archives"]);
    assert_eq!(findings.len(), 1);
}
