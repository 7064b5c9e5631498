//! UTF-16 text (little- or big-endian, with or without a byte order mark), which Windows tools
//! write. Such files are full of NUL bytes, so this is asked before a blob is called binary.

/// Byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    Le,
    Be,
}

impl Utf16 {
    pub fn name(self) -> &'static str {
        match self {
            Utf16::Le => "utf-16le",
            Utf16::Be => "utf-16be",
        }
    }
}

/// Code units looked at to recognise UTF-16 without a byte order mark.
const PROBE_UNITS: usize = 4096;

/// Whether `data` is UTF-16 text, and in which byte order: a byte order mark, or (without one)
/// mostly ASCII characters, each with a NUL high byte, and no NUL characters.
pub fn sniff(data: &[u8]) -> Option<Utf16> {
    let bom = match data {
        [0xFF, 0xFE, ..] => Some(Utf16::Le),
        [0xFE, 0xFF, ..] => Some(Utf16::Be),
        _ => None,
    };
    if let Some(order) = bom {
        // A mark alone could be two stray bytes: the text after it must be UTF-16 too, with at
        // least a quarter ASCII characters (keys, names and punctuation are ASCII).
        let body = &data[2..];
        let units = (body.len() / 2).min(PROBE_UNITS);
        let ascii = body[..units * 2]
            .chunks_exact(2)
            .filter(|p| match order {
                Utf16::Le => p[1] == 0 && p[0] != 0,
                Utf16::Be => p[0] == 0 && p[1] != 0,
            })
            .count();
        return (units == 0 || ascii * 4 >= units).then_some(order);
    }
    let units = (data.len() / 2).min(PROBE_UNITS);
    // Most text has no NUL at all: one memchr and done.
    if units < 4 || memchr::memchr(0, &data[..units * 2]).is_none() {
        return None;
    }
    let (mut le, mut be) = (0, 0);
    for pair in data[..units * 2].chunks_exact(2) {
        match (pair[0], pair[1]) {
            (0, 0) => return None,
            (b, 0) if b != 0 => le += 1,
            (0, b) if b != 0 => be += 1,
            _ => {}
        }
    }
    if le * 10 >= units * 9 {
        Some(Utf16::Le)
    } else if be * 10 >= units * 9 {
        Some(Utf16::Be)
    } else {
        None
    }
}

/// UTF-16 text transcoded to UTF-8 (without the byte order mark); unpaired surrogates become
/// U+FFFD. Lines and code-point columns stay what they were.
pub struct Transcoded {
    pub order: Utf16,
    pub text: Vec<u8>,
    bom: bool,
}

impl Transcoded {
    /// The byte offset in the original UTF-16 data of UTF-8 offset `at`.
    pub fn original_offset(&self, at: usize) -> usize {
        self.offsets().original(at)
    }

    /// A mapper for many offsets: given in increasing order, they cost one pass over the text
    /// in all, not one each.
    pub fn offsets(&self) -> OffsetMap<'_> {
        OffsetMap {
            t: self,
            pos: 0,
            units: 0,
        }
    }
}

/// Maps UTF-8 offsets of a `Transcoded` text back to byte offsets of the UTF-16 original, each
/// call going on from where the last one stopped (a smaller offset starts over).
pub struct OffsetMap<'a> {
    t: &'a Transcoded,
    pos: usize,
    units: usize,
}

impl OffsetMap<'_> {
    pub fn original(&mut self, at: usize) -> usize {
        let at = at.min(self.t.text.len());
        if at < self.pos {
            (self.pos, self.units) = (0, 0);
        }
        // One UTF-16 unit per character (a byte that is not a continuation byte), two for a
        // character of four UTF-8 bytes (a surrogate pair).
        for &b in &self.t.text[self.pos..at] {
            self.units += usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0);
        }
        self.pos = at;
        self.units * 2 + if self.t.bom { 2 } else { 0 }
    }
}

pub fn transcode(data: &[u8]) -> Option<Transcoded> {
    let order = sniff(data)?;
    let bom = matches!(data, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]);
    let body = &data[if bom { 2 } else { 0 }..];
    let units = body.chunks_exact(2).map(|p| match order {
        Utf16::Le => u16::from_le_bytes([p[0], p[1]]),
        Utf16::Be => u16::from_be_bytes([p[0], p[1]]),
    });
    let text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some(Transcoded {
        order,
        text: text.into_bytes(),
        bom,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xFF, 0xFE] } else { vec![] };
        v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        v
    }

    fn be(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn recognises_both_byte_orders_with_and_without_a_mark() {
        assert_eq!(sniff(&le("KEY=value\r\n", true)), Some(Utf16::Le));
        assert_eq!(sniff(&le("KEY=value\r\n", false)), Some(Utf16::Le));
        assert_eq!(sniff(&be("KEY=value\r\n")), Some(Utf16::Be));
        assert_eq!(sniff(b"plain ascii text"), None);
        assert_eq!(sniff(&[0, 0, 0, 0, 1, 2, 3, 4, 0, 0]), None);
        // Stray bytes that look like a mark, then no UTF-16.
        assert_eq!(sniff(b"\xff\xfe\x80\n\xc3\"sk-proj-abcdef\""), None);
    }

    #[test]
    fn transcoding_keeps_text_and_maps_offsets_back() {
        let t = transcode(&le("ab\r\nçd", true)).unwrap();
        assert_eq!(t.text, "ab\r\nçd".as_bytes());
        let d = "ab\r\nçd".find('d').unwrap();
        assert_eq!(t.original_offset(d), 2 + 5 * 2);
    }

    #[test]
    fn offsets_in_order_map_like_one_at_a_time_surrogate_pairs_included() {
        let s = "plain text around a😀b\nçd😀e, and more plain text after it";
        let t = transcode(&le(s, false)).unwrap();
        let mut map = t.offsets();
        for (at, _) in s.char_indices() {
            let units = s[..at].encode_utf16().count();
            assert_eq!(map.original(at), units * 2);
            assert_eq!(t.original_offset(at), units * 2);
        }
        // A smaller offset after a larger one starts over.
        assert_eq!(map.original(1), 2);
    }
}
