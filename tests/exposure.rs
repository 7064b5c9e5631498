//! Exposure: every finding says who can read it, public-prefixed key variables and SDK browser
//! opt-ins are findings of their own, and client-side findings come first in every report.

mod common;
mod exposure_fixtures;

use exposure_fixtures::{at, build, position_of, scan_json, Keys};
use serde_json::Value;

fn class(f: &Value) -> &str {
    f["exposure"]["class"].as_str().unwrap()
}

fn secrets<'a>(findings: &'a [Value], path: &str) -> Vec<&'a Value> {
    at(findings, path)
        .into_iter()
        .filter(|f| f["kind"] == "secret")
        .collect()
}

#[test]
fn nextjs_app_client_code_and_public_variables_are_client_and_api_routes_are_server() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(1);
    build("nextjs-app", &keys, dir.path());
    let (code, findings, _) = scan_json(dir.path(), &[]);
    assert_eq!(code, 1);

    let route = secrets(&findings, "app/api/chat/route.ts");
    assert_eq!(route.len(), 1);
    assert_eq!(class(route[0]), "server");

    let env = secrets(&findings, ".env.local");
    assert_eq!(env.len(), 1);
    assert_eq!(class(env[0]), "client");
    assert!(env[0]["exposure"]["reason"]
        .as_str()
        .unwrap()
        .contains("NEXT_PUBLIC_"));

    let chunk = secrets(&findings, ".next/static/chunks/app/page-3f2a1b9c4d.js");
    assert_eq!(chunk.len(), 1);
    assert_eq!(class(chunk[0]), "client");
}

#[test]
fn public_key_variables_and_browser_opt_ins_are_exposure_findings() {
    let dir = tempfile::tempdir().unwrap();
    build("nextjs-app", &Keys::new(2), dir.path());
    let (_, findings, _) = scan_json(dir.path(), &[]);
    let page: Vec<&Value> = at(&findings, "app/page.tsx");
    let rules: Vec<&str> = page
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["client-exposed-env-var", "browser-sdk-opt-in"]);
    for f in &page {
        assert_eq!(f["kind"], "exposure");
        assert_eq!(f["confidence"], "medium");
        assert_eq!(class(f), "client");
    }
    let (line, col) = position_of(
        &dir.path().join("app/page.tsx"),
        "NEXT_PUBLIC_OPENAI_API_KEY",
    );
    assert_eq!(
        (
            page[0]["line"].as_u64().unwrap(),
            page[0]["column"].as_u64().unwrap()
        ),
        (line, col)
    );

    let env: Vec<&Value> = at(&findings, ".env.local")
        .into_iter()
        .filter(|f| f["kind"] == "exposure")
        .collect();
    assert_eq!(env.len(), 1);
    assert_eq!(env[0]["rule_id"], "client-exposed-env-var");
}

#[test]
fn exposure_snippets_never_show_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(3);
    build("nextjs-app", &keys, dir.path());
    let out = assert_cmd::Command::cargo_bin("keyhound")
        .unwrap()
        .current_dir(dir.path())
        .args(["scan", "--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(&keys.key));
    assert!(!text.contains(&keys.key[20..60]));
}

#[test]
fn placeholder_values_in_env_example_do_not_fire() {
    let dir = tempfile::tempdir().unwrap();
    build("nextjs-app", &Keys::new(4), dir.path());
    let (_, findings, _) = scan_json(dir.path(), &[]);
    assert!(at(&findings, ".env.example").is_empty());
}

#[test]
fn vite_app_import_meta_env_and_opt_in_are_found() {
    let dir = tempfile::tempdir().unwrap();
    build("vite-app", &Keys::new(5), dir.path());
    let (_, findings, _) = scan_json(dir.path(), &[]);
    let ai = at(&findings, "src/lib/ai.ts");
    let exposures: Vec<&str> = ai
        .iter()
        .filter(|f| f["kind"] == "exposure")
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(exposures, ["client-exposed-env-var", "browser-sdk-opt-in"]);
    let server = secrets(&findings, "server/index.py");
    assert_eq!(server.len(), 1);
    assert_eq!(class(server[0]), "server");
    let bundle = secrets(&findings, "dist/assets/index-BkQ3x9aZ.js");
    assert_eq!(class(bundle[0]), "client");
}

#[test]
fn android_resources_are_client_and_the_backend_is_server() {
    let dir = tempfile::tempdir().unwrap();
    build("android-app", &Keys::new(6), dir.path());
    let (_, findings, _) = scan_json(dir.path(), &[]);
    let res = secrets(&findings, "app/src/main/res/values/strings.xml");
    assert_eq!(res.len(), 1);
    assert_eq!(class(res[0]), "client");
    assert_eq!(class(secrets(&findings, "server/main.py")[0]), "server");
    assert_eq!(findings.len(), 2);
}

#[test]
fn browser_extension_scripts_are_client() {
    let dir = tempfile::tempdir().unwrap();
    build("browser-extension", &Keys::new(7), dir.path());
    let (_, findings, _) = scan_json(dir.path(), &[]);
    let bg = secrets(&findings, "background.js");
    assert_eq!(bg.len(), 1);
    assert_eq!(class(bg[0]), "client");
    assert!(bg[0]["exposure"]["reason"]
        .as_str()
        .unwrap()
        .contains("extension"));
}

#[test]
fn notebooks_are_their_own_class_and_name_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    build("notebook", &Keys::new(8), dir.path());
    let (_, findings, _) = scan_json(dir.path(), &[]);
    let nb = secrets(&findings, "analysis.ipynb");
    assert_eq!(nb.len(), 1);
    assert_eq!(class(nb[0]), "notebook");
    assert!(nb[0]["exposure"]["reason"]
        .as_str()
        .unwrap()
        .contains("cell 2"));
}

#[test]
fn source_maps_are_client_and_name_the_original_source() {
    let dir = tempfile::tempdir().unwrap();
    build("sourcemap", &Keys::new(9), dir.path());
    let (_, findings, _) = scan_json(dir.path(), &[]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["path"], "dist/main.js.map");
    assert_eq!(class(f), "client");
    assert!(f["exposure"]["reason"]
        .as_str()
        .unwrap()
        .contains("original source src/config.ts:3"));
}

#[test]
fn kubernetes_secrets_are_server() {
    let dir = tempfile::tempdir().unwrap();
    build("kubernetes", &Keys::new(10), dir.path());
    let (_, findings, _) = scan_json(dir.path(), &[]);
    assert_eq!(class(&findings[0]), "server");
}

#[test]
fn client_findings_rank_first_in_text_output() {
    let dir = tempfile::tempdir().unwrap();
    build("android-app", &Keys::new(11), dir.path());
    let out = assert_cmd::Command::cargo_bin("keyhound")
        .unwrap()
        .current_dir(dir.path())
        .args(["scan", "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let client = text.find("strings.xml").unwrap();
    let server = text.find("server/main.py").unwrap();
    assert!(client < server, "{text}");
    assert!(text.contains("server endpoint"), "{text}");
}

#[test]
fn sarif_gives_client_findings_level_error_and_the_highest_severity() {
    let dir = tempfile::tempdir().unwrap();
    build("nextjs-app", &Keys::new(12), dir.path());
    let out = assert_cmd::Command::cargo_bin("keyhound")
        .unwrap()
        .current_dir(dir.path())
        .args(["scan", "--format", "sarif"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let exposure_rule = rules
        .iter()
        .find(|r| r["id"] == "client-exposed-env-var")
        .expect("exposure rule in SARIF");
    assert_eq!(exposure_rule["properties"]["security-severity"], "10.0");
    let results = run["results"].as_array().unwrap();
    assert!(results
        .iter()
        .any(|r| r["properties"]["exposure"]["class"] == "client"));
    for r in results {
        if r["properties"]["exposure"]["class"] == "client" {
            assert_eq!(r["level"], "error");
        }
    }
}
