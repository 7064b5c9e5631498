//! The user rule loader: rule-file TOML from a scanned repository's config, parsed, checked and
//! compiled as `--rules` would; a rule set that compiles then scans the input itself.
#![no_main]

use keyhound::{
    detect::{Blob, DetectOptions, Detector},
    finding::Origin,
    rules::{parse_rule_file, Confidence, RuleSet},
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let Ok(mut rules) = parse_rule_file("fuzz-rules.toml", text) else {
        return;
    };
    for rule in &mut rules {
        // As `RuleSet::add_path` does for every user file.
        rule.validation = None;
    }
    let set = RuleSet { rules };
    let Ok(detector) = Detector::new(
        &set,
        DetectOptions {
            min_confidence: Confidence::Low,
        },
    ) else {
        return;
    };
    let origin = Origin::File;
    for f in detector.scan_blob(&Blob {
        path: "src/config.js",
        origin: &origin,
        data: input,
    }) {
        assert!(f.offset < input.len(), "finding starts outside the blob");
        assert!((f.line, f.column) <= (f.end_line, f.end_column));
    }
});
