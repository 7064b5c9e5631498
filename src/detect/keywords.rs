//! The keyword pass: finds every occurrence of every rule keyword in one SIMD-prefiltered scan.
//! It searches for a few short anchors instead of the keywords themselves, then checks each
//! keyword at its anchor's hits, so hundreds of keywords cost about what a few dozen would.

use aho_corasick::{AhoCorasick, MatchKind};
#[cfg(feature = "vectorscan")]
use std::sync::OnceLock;

/// Most anchors one Aho-Corasick searcher gets. Its SIMD prefilter (Teddy) takes at most 64
/// patterns; past that the search falls back to a byte-at-a-time automaton several times slower,
/// so more anchors are split over several searchers, each a fast pass of its own.
const ANCHORS_PER_SEARCHER: usize = 64;

/// Longest anchor. Teddy fingerprints at most the first four bytes of its patterns, so a longer
/// anchor filters no better, and a short one is shared by more keywords.
const ANCHOR_LEN: usize = 4;

/// Every keyword of a rule set, found through its anchors.
///
/// A keyword's anchor is a substring of it: an anchor another keyword already has when the
/// keyword contains one (`sk-ant-api` is found through `sk-`), else its four bytes least likely
/// to occur in source code (`Mistral` through `Mist`, not `tral`). The keyword is then compared
/// in full wherever its anchor occurs. Fewer, rarer patterns keep the SIMD prefilter's false
/// candidates down; measured in BENCHMARKS.md ("Keyword anchors").
pub struct Keywords {
    keywords: Vec<String>,
    /// Searchers, each for at most `ANCHORS_PER_SEARCHER` anchors, with the index of each of
    /// its patterns among all anchors.
    searchers: Vec<(AhoCorasick, Vec<usize>)>,
    /// For each anchor, every anchor that is a prefix of it (itself included): the anchors that
    /// also match wherever it matches, at the same start.
    prefixes: Vec<Vec<usize>>,
    /// For each anchor, the keywords found through it and where in each keyword it sits.
    anchored: Vec<Vec<(usize, usize)>>,
    /// With the `vectorscan` feature, when the anchors need more than one Teddy searcher: all
    /// keywords in one pass of Vectorscan's literal matcher, compiled on first use (a set that
    /// is never searched costs no compilation). The searchers above stay the fallback for what
    /// it cannot scan or compile.
    #[cfg(feature = "vectorscan")]
    vectorscan: Option<OnceLock<Option<super::vectorscan::Matcher>>>,
}

/// A keyword occurrence: `(start, keyword, end)`.
pub type Hit = (usize, usize, usize);

impl Keywords {
    /// `keywords` must be distinct and non-empty.
    pub fn new(keywords: &[String]) -> Result<Keywords, aho_corasick::BuildError> {
        Self::build(keywords, false)
            .map(|k| k.expect("a set needing several passes is built unless one was asked for"))
    }

    /// `new`, or `None` without building anything when one pass could not find them all.
    pub fn new_single_pass(
        keywords: &[String],
    ) -> Result<Option<Keywords>, aho_corasick::BuildError> {
        Self::build(keywords, true)
    }

    fn build(
        keywords: &[String],
        single_only: bool,
    ) -> Result<Option<Keywords>, aho_corasick::BuildError> {
        let mut anchors: Vec<Vec<u8>> = Vec::new();
        let mut anchored: Vec<Vec<(usize, usize)>> = Vec::new();
        // Shortest keywords first: their anchors are the ones longer keywords can share.
        let mut order: Vec<usize> = (0..keywords.len()).collect();
        order.sort_by_key(|&k| (keywords[k].len(), k));
        for k in order {
            let kw = keywords[k].as_bytes();
            let shared = anchors
                .iter()
                .enumerate()
                .find_map(|(a, anchor)| memchr::memmem::find(kw, anchor).map(|offset| (a, offset)));
            let (a, offset) = shared.unwrap_or_else(|| {
                let (offset, anchor) = rarest_window(kw);
                anchors.push(anchor.to_vec());
                anchored.push(Vec::new());
                (anchors.len() - 1, offset)
            });
            anchored[a].push((k, offset));
        }
        let prefixes = anchors
            .iter()
            .map(|x| {
                (0..anchors.len())
                    .filter(|&j| x.starts_with(&anchors[j]))
                    .collect()
            })
            .collect();
        // Leftmost-longest rather than standard (overlapping) semantics, because only the
        // leftmost kinds get the SIMD (Teddy) prefilter; `hits` restores the overlapping hits.
        // Short anchors together and long ones together: Teddy fingerprints as many leading bytes
        // as its shortest pattern has, so a group without three-byte anchors filters better.
        let mut by_len: Vec<usize> = (0..anchors.len()).collect();
        by_len.sort_by_key(|&a| (anchors[a].len(), a));
        let groups = by_len.len().div_ceil(ANCHORS_PER_SEARCHER).max(1);
        if single_only && groups > 1 && !cfg!(feature = "vectorscan") {
            return Ok(None);
        }
        let per_group = by_len.len().div_ceil(groups).max(1);
        let searchers: Vec<(AhoCorasick, Vec<usize>)> = by_len
            .chunks(per_group)
            .map(|ids| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(ids.iter().map(|&a| &anchors[a]))
                    .map(|ac| (ac, ids.to_vec()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Some(Keywords {
            #[cfg(feature = "vectorscan")]
            vectorscan: (searchers.len() > 1).then(OnceLock::new),
            keywords: keywords.to_vec(),
            searchers,
            prefixes,
            anchored,
        }))
    }

    /// The Vectorscan matcher, compiled on first use; `None` when the set fits one Teddy
    /// searcher or the library refused it.
    #[cfg(feature = "vectorscan")]
    fn vectorscan(&self) -> Option<&super::vectorscan::Matcher> {
        self.vectorscan
            .as_ref()?
            .get_or_init(|| super::vectorscan::Matcher::new(&self.keywords))
            .as_ref()
    }

    /// The keywords, in the order of the keyword indices of hits.
    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }

    /// Whether one pass over a haystack finds every keyword: one Teddy searcher, or Vectorscan
    /// (which is compiled to tell).
    pub fn single_pass(&self) -> bool {
        #[cfg(feature = "vectorscan")]
        if self.vectorscan().is_some() {
            return true;
        }
        self.searchers.len() == 1
    }

    /// Number of literals the SIMD pass looks for.
    pub fn anchor_count(&self) -> usize {
        self.anchored.len()
    }

    /// Every occurrence of every keyword, overlapping ones included, sorted by start, into `out`
    /// (cleared first).
    ///
    /// A leftmost-longest search from `at` finds the first start at which any anchor matches,
    /// with the longest anchor there; the other anchors matching at that start are exactly its
    /// prefixes. Resuming one byte after the start (not after the end) finds the anchors that
    /// begin inside this one.
    pub fn hits(&self, hay: &[u8], out: &mut Vec<Hit>) {
        out.clear();
        #[cfg(feature = "vectorscan")]
        if let Some(v) = self.vectorscan() {
            if v.hits(hay, out) {
                out.sort_unstable();
                return;
            }
            out.clear();
        }
        self.teddy_hits(hay, out);
    }

    /// `hits` through the Teddy searchers.
    fn teddy_hits(&self, hay: &[u8], out: &mut Vec<Hit>) {
        for (ac, ids) in &self.searchers {
            let mut at = 0;
            while at < hay.len() {
                let Some(m) = ac.find(aho_corasick::Input::new(hay).span(at..hay.len())) else {
                    break;
                };
                for &a in &self.prefixes[ids[m.pattern().as_usize()]] {
                    for &(k, offset) in &self.anchored[a] {
                        let kw = self.keywords[k].as_bytes();
                        if let Some(start) = m.start().checked_sub(offset) {
                            if hay[start..].starts_with(kw) {
                                out.push((start, k, start + kw.len()));
                            }
                        }
                    }
                }
                at = m.start() + 1;
            }
        }
        // A prefix found by two searchers is reported twice.
        out.sort_unstable();
        out.dedup();
    }
}

/// The `ANCHOR_LEN` bytes of `kw` (all of it when shorter) least likely to occur in source code,
/// and their offset; the first such window on a tie.
fn rarest_window(kw: &[u8]) -> (usize, &[u8]) {
    kw.windows(ANCHOR_LEN.min(kw.len()))
        .enumerate()
        .min_by_key(|(_, w)| w.iter().map(|&b| commonness(b)).sum::<u32>())
        .expect("keywords are not empty")
}

/// How common a byte is in source code, roughly: most text is lowercase letters, spaces and a
/// little punctuation; capitals, digits, `-` and `_` are rarer, and everything else rarer still.
fn commonness(b: u8) -> u32 {
    match b {
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' | b'h' | b'l' => 10,
        b' ' | b'\n' | b'\t' => 10,
        b'a'..=b'z' => 7,
        b'.' | b'(' | b')' | b',' | b';' | b'"' | b'\'' | b'=' => 6,
        b'0'..=b'9' => 4,
        b'A'..=b'Z' | b'-' | b'_' => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each hit as its start and the text found there, which must be its keyword.
    fn hits<'h>(keywords: &[&str], hay: &'h str) -> Vec<(usize, &'h str)> {
        let kws: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
        let mut out = Vec::new();
        Keywords::new(&kws).unwrap().hits(hay.as_bytes(), &mut out);
        out.iter()
            .map(|&(s, kw, e)| {
                assert_eq!(&hay[s..e], keywords[kw]);
                (s, &hay[s..e])
            })
            .collect()
    }

    #[test]
    fn a_keyword_containing_another_is_found_through_the_shorter_ones_anchor() {
        let kws: Vec<String> = ["sk-", "sk-ant-api", "gsk_", "sk_"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(Keywords::new(&kws).unwrap().anchor_count(), 2);
        assert_eq!(
            hits(
                &["sk-", "sk-ant-api", "gsk_", "sk_"],
                "x sk-ant-api gsk_ sk-"
            ),
            vec![
                (2, "sk-"),
                (2, "sk-ant-api"),
                (13, "gsk_"),
                (14, "sk_"),
                (18, "sk-")
            ]
        );
    }

    #[test]
    fn every_overlapping_and_repeated_occurrence_is_found_in_order() {
        assert_eq!(
            hits(&["Mistral", "istral", "MISTRAL"], "MistralMISTRAListral"),
            vec![
                (0, "Mistral"),
                (1, "istral"),
                (7, "MISTRAL"),
                (14, "istral")
            ]
        );
    }

    #[test]
    fn an_anchor_at_the_start_of_the_haystack_does_not_underflow() {
        // The anchor of `stral_X` is `al_X`, three bytes into it: `al_X` at offset 0 is no hit.
        assert_eq!(rarest_window(b"stral_X"), (3, &b"al_X"[..]));
        assert_eq!(hits(&["stral_X"], "al_X stral_X"), vec![(5, "stral_X")]);
    }

    #[test]
    fn anchors_are_the_rarest_bytes_of_a_keyword() {
        assert_eq!(rarest_window(b"Mistral").1, b"Mist");
        assert_eq!(rarest_window(b"api.together").1, b"api.");
        assert_eq!(rarest_window(b"hf_").1, b"hf_");
    }

    #[test]
    fn more_anchors_than_one_searcher_takes_are_all_found() {
        let kws: Vec<String> = (0..150).map(|i| format!("Q{i:03}Z")).collect();
        let k = Keywords::new(&kws).unwrap();
        assert!(k.searchers.len() > 1);
        let hay: String = kws.iter().rev().map(|k| format!("{k} ")).collect();
        let mut out = Vec::new();
        k.hits(hay.as_bytes(), &mut out);
        assert_eq!(out.len(), 150);
        assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
    }

    /// With the `vectorscan` feature, large keyword sets go through Vectorscan: it must find
    /// exactly what the Teddy searchers find, on the built-in rules' keywords planted whole, cut
    /// short, overlapping and at the ends of haystacks of every small length and some large ones.
    #[cfg(feature = "vectorscan")]
    #[test]
    fn vectorscan_finds_exactly_what_teddy_finds() {
        let mut kws: Vec<String> = Vec::new();
        for rule in crate::rules::RuleSet::builtin().unwrap().rules {
            for k in rule.keywords {
                if !kws.contains(&k) {
                    kws.push(k);
                }
            }
        }
        let k = Keywords::new(&kws).unwrap();
        assert!(
            k.vectorscan().is_some(),
            "the built-in keywords need more than one Teddy pass"
        );
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let filler = b"aeiou_-.AEIOU0123 \n\"=:skhfKIMIxaimistralopenaiOPENAI";
        let (mut theirs, mut ours) = (Vec::new(), Vec::new());
        let mut found = 0;
        for case in 0..3000 {
            let len = if case % 10 == 0 {
                1 + next(20_000)
            } else {
                next(120)
            };
            let mut hay = Vec::with_capacity(len + 64);
            while hay.len() < len {
                match next(4) {
                    0 => {
                        let kw = kws[next(kws.len())].as_bytes();
                        hay.extend_from_slice(&kw[..1 + next(kw.len())]);
                    }
                    1 => hay.extend_from_slice(kws[next(kws.len())].as_bytes()),
                    _ => hay.push(filler[next(filler.len())]),
                }
            }
            k.hits(&hay, &mut ours);
            theirs.clear();
            k.teddy_hits(&hay, &mut theirs);
            assert_eq!(
                ours,
                theirs,
                "case {case}: {:?}",
                String::from_utf8_lossy(&hay)
            );
            found += ours.len();
        }
        assert!(
            found > 10_000,
            "only {found} hits: the haystacks do not exercise the search"
        );
    }
}
