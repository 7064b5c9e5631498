//! The baseline reader: `--baseline` JSON. A baseline that reads must write back to text that
//! reads as the same entries.
#![no_main]

use keyhound::triage::baseline::Baseline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let Ok(baseline) = Baseline::parse("keyhound-baseline.json", text) else {
        return;
    };
    let again = Baseline::parse("again", &baseline.to_json()).expect("a written baseline reads");
    assert_eq!(again.entries, baseline.entries);
    assert!(baseline.matches(&[]).is_empty());
});
