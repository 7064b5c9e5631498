//! The decoders that uncover keys hidden by encoding: JSON/JavaScript escapes, percent-encoding,
//! joined string literals, base64 runs and UTF-16, plus the notebook-cell and source-map locator
//! (notebooks and source maps are JSON: their escapes go through the escape decoder). Every
//! decoded byte must map back to a span inside the input, within the decode budget.
#![no_main]

use std::sync::OnceLock;

use keyhound::{
    detect::{
        decode::{base64, concat, escape, utf16, Decoded, DECODE_BUDGET},
        exposure,
    },
    rules::RuleSet,
};
use libfuzzer_sys::fuzz_target;

fn needles() -> &'static base64::Needles {
    static NEEDLES: OnceLock<base64::Needles> = OnceLock::new();
    NEEDLES.get_or_init(|| {
        let rules = RuleSet::builtin().expect("built-in rules load");
        base64::Needles::new(
            rules
                .rules
                .iter()
                .filter(|r| r.window == 0)
                .flat_map(|r| r.keywords.iter().map(String::as_str))
                .collect::<Vec<_>>(),
        )
    })
}

fn check(data: &[u8], regions: &[Decoded]) {
    for d in regions {
        assert!(!d.text.is_empty(), "{}: empty region", d.kind);
        let mut prev = 0;
        for i in 0..d.text.len() {
            let (s, e) = d.original_span(i, i + 1);
            assert!(
                s < e && e <= data.len(),
                "{}: byte {i} maps outside",
                d.kind
            );
            assert!(s >= prev, "{}: spans go backwards", d.kind);
            prev = s;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut budget = DECODE_BUDGET;
    let mut regions = Vec::new();
    regions.extend(escape::decode_escapes(data, &mut budget));
    regions.extend(escape::decode_percent(data, &mut budget));
    regions.extend(concat::join_literals(data, &mut budget));
    regions.extend(base64::decode_runs(data, needles(), &mut budget));
    check(data, &regions);

    if let Some(t) = utf16::transcode(data) {
        let mut prev = 0;
        for at in [0, t.text.len() / 2, t.text.len()] {
            let o = t.original_offset(at);
            assert!(o <= data.len() && o >= prev, "UTF-16 offset maps outside");
            prev = o;
        }
    }

    for path in ["analysis.ipynb", "dist/app.js.map", "app.js"] {
        for offset in [0, data.len() / 2, data.len()] {
            let _ = exposure::inner_location(path, data, offset);
        }
    }
});
