//! String escapes that hide key characters: JSON and JavaScript (`\u002d`, `\x2d`, `\/`, also in
//! notebooks and source maps, which are JSON) and percent-encoding (`%2D`) in URLs and logs.
//! Only the neighbourhood of an escape that stands for a character a key or its context can hold
//! is decoded, so escaped quotes and newlines in a bundle cost nothing.

use super::{merge_windows, window_around, Decoded};

/// Bytes of context decoded on each side of a relevant escape (longer than any key).
const RADIUS: usize = 320;

/// Characters of keys and of the text around them (URLs, `name=value`).
fn key_char(c: u32) -> bool {
    char::from_u32(c).is_some_and(|c| c.is_ascii_alphanumeric() || "-_/+=:.".contains(c))
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn hex_n(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, &b| Some(acc * 16 + hex(b)?))
}

/// Reads one escape at an offset: the character it stands for and its length in bytes.
type EscapeFn = fn(&[u8], usize) -> Option<(u32, usize)>;

/// One JSON/JS escape at `data[i] == b'\\'`: the character and the escape's length.
fn js_escape(data: &[u8], i: usize) -> Option<(u32, usize)> {
    let rest = &data[i + 1..];
    match *rest.first()? {
        b'u' if rest.len() >= 5 && rest[1] != b'{' => {
            let hi = hex_n(&rest[1..5])?;
            // A surrogate pair written as two escapes.
            if (0xD800..0xDC00).contains(&hi) && rest.len() >= 11 && &rest[5..7] == b"\\u" {
                let lo = hex_n(&rest[7..11])?;
                if (0xDC00..0xE000).contains(&lo) {
                    return Some((0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), 12));
                }
            }
            Some((hi, 6))
        }
        b'u' if rest.get(1) == Some(&b'{') => {
            let close = rest.iter().take(9).position(|&b| b == b'}')?;
            let digits = rest.get(2..close).filter(|d| !d.is_empty())?;
            Some((hex_n(digits)?, close + 2))
        }
        b'x' if rest.len() >= 3 => Some((hex_n(&rest[1..3])?, 4)),
        b'n' => Some((u32::from(b'\n'), 2)),
        b't' => Some((u32::from(b'\t'), 2)),
        b'r' => Some((u32::from(b'\r'), 2)),
        b'b' | b'f' | b'0' => Some((u32::from(b' '), 2)),
        c @ (b'/' | b'\\' | b'"' | b'\'' | b'`') => Some((u32::from(c), 2)),
        _ => None,
    }
}

/// One `%XX` at `data[i] == b'%'`.
fn percent_escape(data: &[u8], i: usize) -> Option<(u32, usize)> {
    let h = data.get(i + 1..i + 3)?;
    Some((hex_n(h)?, 3))
}

/// JSON/JavaScript escapes, decoded around each escape of a key character.
pub fn decode_escapes(data: &[u8], budget: &mut usize) -> Vec<Decoded> {
    decode(data, b'\\', js_escape, "json-escape", budget)
}

/// Percent-encoding, decoded around each `%XX` of a key character.
pub fn decode_percent(data: &[u8], budget: &mut usize) -> Vec<Decoded> {
    decode(data, b'%', percent_escape, "percent", budget)
}

fn decode(
    data: &[u8],
    marker: u8,
    escape: EscapeFn,
    kind: &'static str,
    budget: &mut usize,
) -> Vec<Decoded> {
    let mut windows = Vec::new();
    let mut covered = 0;
    for i in memchr::memchr_iter(marker, data) {
        if i < covered {
            continue;
        }
        if let Some((c, len)) = escape(data, i) {
            // `\/` alone only matters in a URL: `https:\/\/api.openai.com`.
            if key_char(c) && !(c == u32::from(b'/') && len == 2 && !data[..i].ends_with(b":")) {
                let w = window_around(data, i, i + len, RADIUS);
                covered = w.1;
                windows.push(w);
            }
        }
    }
    let mut out = Vec::new();
    for (s, e) in merge_windows(windows) {
        if e - s > *budget {
            break;
        }
        *budget -= e - s;
        out.push(decode_window(data, s, e, marker, escape, kind));
    }
    out
}

fn decode_window(
    data: &[u8],
    s: usize,
    e: usize,
    marker: u8,
    escape: EscapeFn,
    kind: &'static str,
) -> Decoded {
    let mut d = Decoded::new(kind);
    let mut i = s;
    let mut utf8 = [0u8; 4];
    while i < e {
        if data[i] == marker {
            if let Some((c, len)) = escape(data, i).filter(|&(_, len)| i + len <= e) {
                match char::from_u32(c) {
                    Some(ch) if c >= 0x80 && marker == b'\\' => {
                        for &b in ch.encode_utf8(&mut utf8).as_bytes() {
                            d.push(b, i, i + len);
                        }
                    }
                    _ if c <= 0xff => d.push(c as u8, i, i + len),
                    _ => d.push(b'?', i, i + len),
                }
                i += len;
                continue;
            }
        }
        d.push(data[i], i, i + 1);
        i += 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(data: &[u8]) -> Vec<String> {
        let mut budget = usize::MAX;
        decode_escapes(data, &mut budget)
            .into_iter()
            .map(|d| String::from_utf8(d.text).unwrap())
            .collect()
    }

    #[test]
    fn a_cut_or_empty_braced_escape_is_left_as_it_is() {
        // Found by fuzzing (decoders): `\u}` sliced `rest[2..1]` and panicked.
        assert_eq!(js_escape(br"\u}5", 0), None);
        assert_eq!(js_escape(br"\u{}x", 0), None);
        assert_eq!(js_escape(br"\u{2d}", 0), Some((0x2d, 6)));
        assert_eq!(
            decoded(br#"k = "ab\u002dcd\u}5""#),
            vec![r#"k = "ab-cd\u}5""#]
        );
    }

    #[test]
    fn unicode_and_hex_escapes_become_characters() {
        assert_eq!(
            decoded(br#"k = "ab\u002dcd\x2Def\/g";"#),
            vec![r#"k = "ab-cd-ef/g";"#]
        );
    }

    #[test]
    fn escaped_slashes_alone_decode_only_in_urls() {
        assert!(decoded(br#"{"a":"x\/y"}"#).is_empty());
        assert_eq!(
            decoded(br#"{"u":"https:\/\/api.example"}"#),
            vec![r#"{"u":"https://api.example"}"#]
        );
    }

    #[test]
    fn escaped_quotes_and_newlines_are_not_triggers() {
        assert!(decoded(br#""say \"hi\"\n""#).is_empty());
    }

    #[test]
    fn decoded_bytes_map_to_their_escapes() {
        let data = br#""a\u002db""#;
        let mut budget = usize::MAX;
        let d = &decode_escapes(data, &mut budget)[0];
        let dash = d.text.iter().position(|&b| b == b'-').unwrap();
        assert_eq!(d.original_span(dash, dash + 1), (2, 8));
        assert_eq!(d.original_span(dash, dash + 2), (2, 9));
    }

    #[test]
    fn percent_escapes_decode_in_urls() {
        let mut budget = usize::MAX;
        let d = decode_percent(b"GET /v1?key=sk%2Dabc%5Fdef HTTP/1.1", &mut budget);
        assert_eq!(d[0].text, b"GET /v1?key=sk-abc_def HTTP/1.1");
    }

    #[test]
    fn the_budget_bounds_decoding() {
        let mut budget = 10;
        assert!(decode_percent(b"key=sk%2Dabc%5Fdef", &mut budget).is_empty());
    }
}
