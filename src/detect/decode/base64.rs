//! Base64 and base64url runs (Kubernetes Secrets, `atob("…")` in front-end code, data URLs,
//! `Authorization: Basic` headers). A run is decoded when it is long enough to hold a key and
//! short enough to be a value rather than an embedded file, and kept only when it decodes to text.

use std::sync::OnceLock;

use base64::{
    alphabet,
    engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig},
    Engine as _,
};

use crate::detect::keywords::{Hit, Keywords};

use super::{mostly_text, Decoded};

/// Shortest run worth decoding: 32 characters hold 24 bytes, less than any key with its prefix.
const MIN_RUN: usize = 32;
/// Longest run decoded; longer ones are images and archives, not configuration values.
const MAX_RUN: usize = 256 << 10;
/// Shortest base64 form of a keyword looked for.
const MIN_NEEDLE: usize = 4;
/// Characters decoded first to tell text from binary before decoding a whole run.
const PROBE: usize = 64;

const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, CONFIG);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CONFIG);

/// 1 for a character of either base64 alphabet.
static IN_RUN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'-' || b == b'_';
        c += 1;
    }
    t
};

/// What base64 text of a rule keyword looks like: for each keyword and each of the three
/// alignments it can have in an encoded stream, the characters that depend on the keyword alone
/// (standard and URL-safe). A run is decoded only when one of these occurs in it.
pub struct Needles {
    strings: Vec<String>,
    /// Searched like rule keywords, through short anchors: one SIMD pass for hundreds of needles.
    /// Built on first use: the detector searches the needles in its own keyword pass.
    finder: OnceLock<Option<Keywords>>,
}

impl Needles {
    pub fn new<'a>(keywords: impl IntoIterator<Item = &'a str>) -> Needles {
        let mut needles: Vec<String> = Vec::new();
        for kw in keywords {
            let k = kw.as_bytes();
            for o in 0..3usize {
                let mut bytes = vec![0u8; o];
                bytes.extend_from_slice(k);
                let enc = STANDARD.encode(&bytes);
                let from = (8 * o).div_ceil(6);
                let to = (8 * (o + k.len())) / 6;
                // Three characters would match too much minified code to be worth it.
                if to <= from || to - from < MIN_NEEDLE {
                    continue;
                }
                let stable = &enc[from..to];
                let url = stable.replace('+', "-").replace('/', "_");
                for n in [stable.to_string(), url] {
                    if !needles.contains(&n) {
                        needles.push(n);
                    }
                }
            }
        }
        Needles {
            finder: OnceLock::new(),
            strings: needles,
        }
    }

    /// The needles, for a keyword pass that looks for them along with other literals.
    pub fn strings(&self) -> &[String] {
        &self.strings
    }
}

/// Decodes every base64 or base64url run of a plausible length that holds the encoding of a
/// rule keyword and turns out to be text.
pub fn decode_runs(data: &[u8], needles: &Needles, budget: &mut usize) -> Vec<Decoded> {
    let finder = needles.finder.get_or_init(|| {
        (!needles.strings.is_empty())
            .then(|| Keywords::new(&needles.strings).ok())
            .flatten()
    });
    let Some(finder) = finder else {
        return Vec::new();
    };
    let mut hits = Vec::new();
    finder.hits(data, &mut hits);
    decode_runs_at(data, &hits, budget)
}

/// `decode_runs`, given where the needles occur in `data` (sorted by start; only the spans
/// count), from a keyword pass made elsewhere.
pub fn decode_runs_at(data: &[u8], hits: &[Hit], budget: &mut usize) -> Vec<Decoded> {
    let mut out = Vec::new();
    let mut done = 0;
    for &(hit_start, _, hit_end) in hits {
        if hit_start < done {
            continue;
        }
        let mut start = hit_start;
        while start > done && IN_RUN[data[start - 1] as usize] {
            start -= 1;
        }
        let mut end = hit_end;
        while end < data.len() && IN_RUN[data[end] as usize] {
            end += 1;
        }
        done = end;
        let len = end - start;
        if !(MIN_RUN..=MAX_RUN).contains(&len) {
            continue;
        }
        if len > *budget {
            break;
        }
        if let Some(d) = decode_run(data, start, end) {
            *budget -= len;
            out.push(d);
        }
    }
    out
}

fn decode_run(data: &[u8], start: usize, end: usize) -> Option<Decoded> {
    let run = &data[start..end];
    let std_only = run.iter().any(|&b| b == b'+' || b == b'/');
    let url_only = run.iter().any(|&b| b == b'-' || b == b'_');
    let engine = match (std_only, url_only) {
        (true, true) => return None,
        (false, true) => &URL_SAFE,
        _ => &STANDARD,
    };
    // A run whose length leaves one character over cannot be complete; drop that character.
    let usable = if run.len() % 4 == 1 {
        &run[..run.len() - 1]
    } else {
        run
    };
    // Images and fonts in data URLs are long: their first bytes already tell they are not text.
    if usable.len() > PROBE {
        let head = engine.decode(&usable[..PROBE]).ok()?;
        if !mostly_text(&head) {
            return None;
        }
    }
    let bytes = engine.decode(usable).ok()?;
    if !mostly_text(&bytes) {
        return None;
    }
    let mut d = Decoded::new("base64");
    for (i, &b) in bytes.iter().enumerate() {
        // Each 3 decoded bytes come from one group of 4 characters.
        let g = start + i / 3 * 4;
        d.push(b, g, (g + 4).min(end));
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(data: &[u8]) -> Vec<Decoded> {
        let mut budget = usize::MAX;
        decode_runs(data, &Needles::new(["token", "inside"]), &mut budget)
    }

    #[test]
    fn a_kubernetes_secret_value_decodes() {
        let value = STANDARD.encode("token: hello-this-is-some-config-text");
        let data = format!("data:\n  CONFIG: {value}\n");
        let d = runs(data.as_bytes());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].text, b"token: hello-this-is-some-config-text");
        let at = data.find(&value).unwrap();
        assert_eq!(d[0].original_span(0, 3), (at, at + 4));
    }

    #[test]
    fn keywords_are_found_in_every_alignment() {
        for pad in ["", "a", "ab"] {
            let text = format!("{pad}some text with a token somewhere in it");
            let value = STANDARD.encode(&text);
            assert_eq!(runs(value.as_bytes())[0].text, text.as_bytes(), "{pad:?}");
        }
    }

    #[test]
    fn base64url_without_padding_decodes() {
        let value = URL_SAFE.encode("a value with ~~~ and ??? inside it, long enough");
        assert!(value.contains('-') || value.contains('_'));
        let d = runs(format!("x={}", value.trim_end_matches('=')).as_bytes());
        assert_eq!(
            d[0].text,
            b"a value with ~~~ and ??? inside it, long enough"
        );
    }

    #[test]
    fn runs_without_an_encoded_keyword_are_left_alone() {
        let value = STANDARD.encode("nothing of interest is written in this text");
        assert!(runs(value.as_bytes()).is_empty());
        let png = STANDARD.encode([
            0x89u8, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
            15, 16, 17, 18, 19, 20,
        ]);
        assert!(runs(png.as_bytes()).is_empty());
    }
}
