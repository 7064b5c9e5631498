//! Decoders that uncover keys hidden by encoding: base64 runs, JSON/JavaScript string escapes,
//! percent-encoding, string literals split with `+`, and UTF-16 text. Each decoder finds its
//! candidate regions with a cheap byte scan, decodes only those (within a byte budget), and keeps
//! for every decoded byte the span of original bytes it came from, so a match is reported where
//! it sits in the file. Decoding is one level deep: decoded text is not decoded again.

pub mod base64;
pub mod concat;
pub mod escape;
pub mod utf16;

use super::engine::{Engine, RawMatch};
use super::keywords::Hit;

/// Most bytes decoded from one blob, over all decoders; the rest of a huge bundle is left alone.
pub const DECODE_BUDGET: usize = 4 << 20;

/// Text decoded from one region of a blob, with the way back to the original bytes.
#[derive(Default)]
pub struct Decoded {
    /// How it was decoded: `base64`, `json-escape`, `percent`, `concatenation`.
    pub kind: &'static str,
    pub text: Vec<u8>,
    /// For decoded byte `i`, the original span `start[i]..end[i]` (absolute blob offsets).
    start: Vec<usize>,
    end: Vec<usize>,
}

/// Decoded text may be a secret: `Debug` shows only its kind and length.
impl std::fmt::Debug for Decoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoded")
            .field("kind", &self.kind)
            .field("len", &self.text.len())
            .finish_non_exhaustive()
    }
}

impl Decoded {
    fn new(kind: &'static str) -> Self {
        Decoded {
            kind,
            ..Default::default()
        }
    }

    fn push(&mut self, byte: u8, start: usize, end: usize) {
        self.text.push(byte);
        self.start.push(start);
        self.end.push(end);
    }

    /// The original span of decoded bytes `s..e` (`s < e`).
    pub fn original_span(&self, s: usize, e: usize) -> (usize, usize) {
        (self.start[s], self.end[e - 1])
    }
}

/// A secret found in decoded text, placed at its original span.
#[derive(Clone)]
pub struct Hidden {
    /// The match with `start..end` in original blob offsets.
    pub raw: RawMatch,
    /// The decoded secret.
    pub secret: Vec<u8>,
    pub kind: &'static str,
}

/// `Debug` leaves the secret out.
impl std::fmt::Debug for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hidden")
            .field("raw", &self.raw)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Every secret that only decoding reveals. A decoded match whose original span overlaps a plain
/// match (`plain`, sorted by start) is the same key at the same place and is left out, as is a
/// second decoding of one place.
pub fn find_hidden(
    engine: &Engine,
    needles: &base64::Needles,
    data: &[u8],
    plain: &[RawMatch],
) -> Vec<Hidden> {
    find_hidden_with(engine, data, plain, |data, budget| {
        base64::decode_runs(data, needles, budget)
    })
}

/// `find_hidden`, given where the base64 needles occur in `data` (sorted by start), from a
/// keyword pass made elsewhere.
pub fn find_hidden_at(
    engine: &Engine,
    needle_hits: &[Hit],
    data: &[u8],
    plain: &[RawMatch],
) -> Vec<Hidden> {
    find_hidden_with(engine, data, plain, |data, budget| {
        base64::decode_runs_at(data, needle_hits, budget)
    })
}

fn find_hidden_with(
    engine: &Engine,
    data: &[u8],
    plain: &[RawMatch],
    base64_runs: impl FnOnce(&[u8], &mut usize) -> Vec<Decoded>,
) -> Vec<Hidden> {
    let mut budget = DECODE_BUDGET;
    let mut regions = Vec::new();
    regions.extend(escape::decode_escapes(data, &mut budget));
    regions.extend(escape::decode_percent(data, &mut budget));
    regions.extend(concat::join_literals(data, &mut budget));
    regions.extend(base64_runs(data, &mut budget));
    let mut taken: Vec<(usize, usize)> = plain.iter().map(|m| (m.start, m.end)).collect();
    let mut out = Vec::new();
    for region in &regions {
        for m in engine.find(&region.text) {
            let (start, end) = region.original_span(m.start, m.end);
            if taken.iter().any(|&(s, e)| s < end && start < e) {
                continue;
            }
            taken.push((start, end));
            out.push(Hidden {
                secret: region.text[m.start..m.end].to_vec(),
                raw: RawMatch { start, end, ..m },
                kind: region.kind,
            });
        }
    }
    out.sort_by_key(|h| (h.raw.start, h.raw.end));
    out
}

/// Widens `[from, to)` around a trigger to the nearest token delimiters, within `limit` bytes
/// more on each side and never past a line end, so a key near a trigger is decoded whole.
fn widen_to_delimiters(data: &[u8], from: usize, to: usize, limit: usize) -> (usize, usize) {
    let is_delim = |b: u8| b.is_ascii_whitespace() || b"\"'`,;<>()[]{}".contains(&b);
    let mut s = from;
    let floor = from.saturating_sub(limit);
    while s > floor && !is_delim(data[s - 1]) {
        s -= 1;
    }
    let mut e = to;
    let ceil = (to + limit).min(data.len());
    while e < ceil && !is_delim(data[e]) {
        e += 1;
    }
    (s, e)
}

/// Merges sorted-by-start windows that overlap or touch.
fn merge_windows(mut w: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    w.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(w.len());
    for (s, e) in w {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The window of one line around `[at, at_end)`: `radius` bytes each side, clipped to the line,
/// then widened to delimiters.
fn window_around(data: &[u8], at: usize, at_end: usize, radius: usize) -> (usize, usize) {
    let floor = at.saturating_sub(radius);
    let line_start = memchr::memrchr(b'\n', &data[floor..at]).map_or(floor, |i| floor + i + 1);
    let ceil = (at_end + radius).min(data.len());
    let line_end = memchr::memchr(b'\n', &data[at_end..ceil]).map_or(ceil, |i| at_end + i);
    let (s, e) = widen_to_delimiters(data, line_start, line_end, radius);
    // Widening must not cross a line either.
    let s = memchr::memrchr(b'\n', &data[s..line_start]).map_or(s, |i| s + i + 1);
    let e = memchr::memchr(b'\n', &data[line_end..e]).map_or(e, |i| line_end + i);
    (s, e)
}

/// Whether decoded bytes look like text worth matching (not an image or compressed data).
fn mostly_text(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    let printable = bytes
        .iter()
        .filter(|&&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\r' || b == b'\t')
        .count();
    printable * 100 >= bytes.len() * 90
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_merge_when_they_overlap() {
        assert_eq!(
            merge_windows(vec![(10, 20), (0, 5), (15, 30), (30, 31)]),
            vec![(0, 5), (10, 31)]
        );
    }

    #[test]
    fn a_window_stays_on_its_line() {
        let data = b"first line\nsome \\u002d text here\nlast";
        let at = 16;
        let (s, e) = window_around(data, at, at + 6, 1000);
        assert_eq!(&data[s..e], b"some \\u002d text here");
    }

    #[test]
    fn binary_is_not_text() {
        assert!(mostly_text(b"hello: world\n"));
        assert!(!mostly_text(&[0x89, b'P', b'N', b'G', 0, 0, 1, 2, 3, 200]));
    }
}
