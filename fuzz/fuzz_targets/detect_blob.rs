//! The detector over arbitrary bytes: every built-in rule, decoding on, exposure rules on below
//! High. The first byte picks the path (so exposure classification, notebook cells and source maps
//! all run) and the confidence threshold; the rest is the blob.
#![no_main]

use std::sync::OnceLock;

use keyhound::{
    detect::{Blob, DetectOptions, Detector},
    finding::{FindingKind, Origin},
    rules::{Confidence, RuleSet},
};
use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 16] = [
    "src/app.js",
    "public/index.html",
    "dist/assets/index-4f2a.js",
    "dist/assets/index-4f2a.js.map",
    "notebooks/analysis.ipynb",
    ".env.local",
    ".env",
    "server/main.py",
    "README.md",
    "app/src/main/res/values/strings.xml",
    "tests/fixtures/sample.txt",
    "pages/api/chat.ts",
    "ios/App/Info.plist",
    "<stdin>",
    "deploy/values.yaml",
    "web/.next/static/chunks/main.js",
];

const LEVELS: [Confidence; 3] = [Confidence::Low, Confidence::Medium, Confidence::High];

fn detector(level: usize) -> &'static Detector {
    static DETECTORS: OnceLock<Vec<Detector>> = OnceLock::new();
    &DETECTORS.get_or_init(|| {
        let rules = RuleSet::builtin().expect("built-in rules load");
        LEVELS
            .iter()
            .map(|&min_confidence| {
                Detector::new(&rules, DetectOptions { min_confidence })
                    .expect("built-in rules compile")
                    .with_decoding(true)
            })
            .collect()
    })[level]
}

fuzz_target!(|input: &[u8]| {
    let Some((&head, data)) = input.split_first() else {
        return;
    };
    let path = PATHS[usize::from(head & 0x0f)];
    let level = usize::from(head >> 4) % LEVELS.len();
    let origin = Origin::File;
    let found = detector(level).scan_blob(&Blob {
        path,
        origin: &origin,
        data,
    });
    let mut last = 0;
    for f in &found {
        assert!(f.offset < data.len(), "finding starts outside the blob");
        assert!(f.offset >= last, "findings are in order of position");
        last = f.offset;
        assert!(f.line >= 1 && f.column >= 1);
        assert!((f.line, f.column) <= (f.end_line, f.end_column));
        assert!(f.confidence >= LEVELS[level]);
        assert_eq!(f.path, path);
        if f.kind == FindingKind::Exposure {
            continue;
        }
        let secret = f.secret.expose();
        assert!(!secret.is_empty());
        assert_ne!(
            f.secret_redacted, secret,
            "redaction shows the whole secret"
        );
        if secret.chars().count() >= 8 {
            assert!(
                !f.snippet.contains(secret),
                "snippet shows the whole secret"
            );
        }
        if f.decoded.is_none() && !secret.contains('\u{fffd}') {
            assert!(
                data[f.offset..].starts_with(secret.as_bytes()),
                "a plain secret sits at its offset"
            );
        }
    }
});
