//! Times the keyword pass and each decoder alone over a tree held in memory, one thread, no I/O:
//! the figures BENCHMARKS.md gives under "The limit of the keyword pass".
//!
//! `cargo run --release --example keyword_pass -- bench/work/tree [ROUNDS]`

use std::time::Instant;

use keyhound::detect::decode::{base64, concat, escape, Decoded};
use keyhound::detect::keywords::Keywords;
use keyhound::rules::{Confidence, Rule, RuleSet};

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("usage: keyword_pass DIR [ROUNDS]");
    let rounds: usize = args
        .next()
        .map_or(3, |r| r.parse().expect("ROUNDS is a number"));
    let files = load(&root);
    let bytes: usize = files.iter().map(Vec::len).sum();
    println!("{}: {} files, {} bytes", root, files.len(), bytes);

    let rules = RuleSet::builtin().expect("built-in rules load").rules;
    // The rules a default scan runs (medium confidence and up), all of them or OpenAI's alone.
    let sets: [(&str, Vec<&Rule>); 2] = [
        (
            "openai only",
            rules
                .iter()
                .filter(|r| r.id.starts_with("openai"))
                .collect(),
        ),
        ("all providers", rules.iter().collect()),
    ];
    for (name, set) in &sets {
        let set: Vec<&Rule> = set
            .iter()
            .copied()
            .filter(|r| r.confidence >= Confidence::Medium)
            .collect();
        let keywords = distinct(set.iter().flat_map(|r| r.keywords.iter()));
        let pass = Keywords::new(&keywords).expect("keywords build");
        // As the detector does: keywords that are part of a key make the base64 needles.
        let needles = base64::Needles::new(
            distinct(
                set.iter()
                    .filter(|r| r.window == 0)
                    .flat_map(|r| r.keywords.iter()),
            )
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        );
        time(
            &format!(
                "{name}: keyword pass ({} keywords, {} anchors)",
                keywords.len(),
                pass.anchor_count()
            ),
            rounds,
            bytes,
            || all_hits(&pass, &files),
        );
        // While decoding, the detector searches the keywords and the needles in one pass.
        let mut both = keywords.clone();
        both.extend(
            needles
                .strings()
                .iter()
                .filter(|n| !keywords.contains(n))
                .cloned(),
        );
        let shared = Keywords::new(&both).expect("keywords build");
        time(
            &format!(
                "{name}: keywords and base64 needles in one pass ({} literals)",
                both.len()
            ),
            rounds,
            bytes,
            || all_hits(&shared, &files),
        );
        // For comparison: a plain automaton, whose cost does not depend on the number of
        // keywords, but which reads every byte through a table instead of skipping with SIMD.
        let dfa = aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .prefilter(false)
            .build(&keywords)
            .expect("automaton builds");
        time(
            &format!("{name}: one automaton (DFA, no SIMD prefilter)"),
            rounds,
            bytes,
            || {
                files
                    .iter()
                    .map(|f| dfa.find_iter(f.as_slice()).count())
                    .sum()
            },
        );
        time(&format!("{name}: base64 needles"), rounds, bytes, || {
            files
                .iter()
                .map(|f| base64::decode_runs(f, &needles, &mut unlimited()).len())
                .sum()
        });
    }
    // The other decoders, the same whatever the rules.
    let decoders: [(&str, Decoder); 3] = [
        ("escapes (\\x, \\u, …)", escape::decode_escapes),
        ("percent-encoding", escape::decode_percent),
        ("joined string literals", concat::join_literals),
    ];
    for (name, decode) in decoders {
        time(name, rounds, bytes, || {
            files
                .iter()
                .map(|f| decode(f, &mut unlimited()).len())
                .sum()
        });
    }
}

/// A decoder's signature: the text, and a budget of bytes to decode.
type Decoder = fn(&[u8], &mut usize) -> Vec<Decoded>;

/// Every text file under `root` of at most 64 MiB (binary as keyhound judges it: a NUL in the
/// first 8 KiB), ignore files not honoured.
fn load(root: &str) -> Vec<Vec<u8>> {
    ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter(|d| d.len() <= 64 << 20 && !d[..d.len().min(8 << 10)].contains(&0))
        .collect()
}

/// How many keyword hits `pass` finds in all of `files`.
fn all_hits(pass: &Keywords, files: &[Vec<u8>]) -> usize {
    let mut hits = Vec::new();
    files
        .iter()
        .map(|f| {
            pass.hits(f, &mut hits);
            hits.len()
        })
        .sum()
}

/// A decoding budget that never runs out.
fn unlimited() -> usize {
    usize::MAX
}

fn distinct<'a>(words: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words {
        if !out.contains(w) {
            out.push(w.clone());
        }
    }
    out
}

/// Runs `f` `rounds` times and prints the fastest run; `f` returns a count, printed so that
/// the work cannot be optimized away.
fn time(what: &str, rounds: usize, bytes: usize, mut f: impl FnMut() -> usize) {
    let mut best = f64::MAX;
    let mut count = 0;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        count = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{what}: {best:.3} s, {:.2} GB/s ({count} found)",
        bytes as f64 / best / 1e9
    );
}
