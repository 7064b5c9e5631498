//! Keys split across adjacent string literals: `"sk-proj-abc" + "def…"` in JavaScript, or
//! implicit concatenation (`"abc" "def"` in Python and C), on one line or across one line break.
//! The pieces of each chain are joined into one decoded string, each byte mapped to its literal.

use std::sync::OnceLock;

use regex_automata::meta::Regex;

use super::Decoded;

/// Longest literal considered part of a chain.
const MAX_LITERAL: usize = 512;
/// Longest chain joined.
const MAX_CHAIN: usize = 4096;

/// If a literal closed by the quote at `close` is followed by a join and an opening quote of the
/// same kind, the offset of that opening quote.
fn join_after(data: &[u8], close: usize) -> Option<usize> {
    let q = data[close];
    let mut i = close + 1;
    let mut plus = false;
    let mut newline = false;
    while i < data.len() && i - close < 64 {
        match data[i] {
            b' ' | b'\t' | b'\r' => {}
            b'\n' if !newline => newline = true,
            b'+' if !plus => plus = true,
            b if b == q => return Some(i),
            _ => return None,
        }
        i += 1;
    }
    None
}

/// The literal opened by the quote at `open`: the offset of its closing quote, on the same line.
fn literal_end(data: &[u8], open: usize) -> Option<usize> {
    let q = data[open];
    let mut i = open + 1;
    while i < data.len() && i - open <= MAX_LITERAL {
        match data[i] {
            b'\\' => i += 2,
            b'\n' => return None,
            b if b == q => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The literal closed by the quote at `close`: the offset of its opening quote, on the same line.
fn literal_start(data: &[u8], close: usize) -> Option<usize> {
    let q = data[close];
    let floor = close.saturating_sub(MAX_LITERAL);
    let mut i = close;
    while i > floor {
        i -= 1;
        match data[i] {
            b'\n' => return None,
            b if b == q && (i == 0 || data[i - 1] != b'\\') => return Some(i),
            _ => {}
        }
    }
    None
}

/// A closing quote, then `+` and/or at most one line break or just blanks, then an opening quote:
/// where two literals may join. Found by one regex pass; literals are only read around it.
fn joins() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r#"["'`](?:[ \t]*\+[ \t]*(?:\r?\n[ \t]*)?|[ \t]*\r?\n[ \t]*\+?[ \t]*|[ \t]+)["'`]"#,
        )
        .expect("join pattern compiles")
    })
}

/// Joins every chain of two or more adjacent literals.
pub fn join_literals(data: &[u8], budget: &mut usize) -> Vec<Decoded> {
    let mut out = Vec::new();
    let mut next = 0;
    for j in joins().find_iter(data) {
        let close = j.start();
        if close < next || data[close] != data[j.end() - 1] {
            continue;
        }
        let Some(open) = literal_start(data, close) else {
            continue;
        };
        let mut pieces = vec![(open + 1, close)];
        let mut end = close;
        while let Some(o) = join_after(data, end) {
            let Some(c) = literal_end(data, o) else { break };
            pieces.push((o + 1, c));
            end = c;
            if c - open > MAX_CHAIN {
                break;
            }
        }
        if pieces.len() < 2 {
            continue;
        }
        next = end + 1;
        let len: usize = pieces.iter().map(|(s, e)| e - s).sum();
        if len > *budget {
            break;
        }
        *budget -= len;
        let mut d = Decoded::new("concatenation");
        // The quotes around the joined text keep token boundaries where they were.
        d.push(data[open], open, open + 1);
        for (s, e) in pieces {
            for (i, &b) in data.iter().enumerate().take(e).skip(s) {
                d.push(b, i, i + 1);
            }
        }
        d.push(data[end], end, end + 1);
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(data: &str) -> Vec<String> {
        let mut budget = usize::MAX;
        join_literals(data.as_bytes(), &mut budget)
            .into_iter()
            .map(|d| String::from_utf8(d.text).unwrap())
            .collect()
    }

    #[test]
    fn plus_joined_literals_are_one_string() {
        assert_eq!(
            joined(r#"const k = "abc" + "def" + 'x';"#),
            vec![r#""abcdef""#]
        );
    }

    #[test]
    fn implicit_concatenation_across_a_line_break_joins() {
        assert_eq!(
            joined("key = (\"abc\"\n       \"def\")"),
            vec!["\"abcdef\""]
        );
    }

    #[test]
    fn separate_literals_do_not_join() {
        assert!(joined(r#"f("a", "b"); x = {"k": "v"}"#).is_empty());
        assert!(joined("a = \"x\"\n\n\"y\"").is_empty());
    }

    #[test]
    fn each_byte_maps_to_its_literal() {
        let src = r#"'ab' + 'cd'"#;
        let mut budget = usize::MAX;
        let d = &join_literals(src.as_bytes(), &mut budget)[0];
        // "cd" starts at byte 8 of the source; it is bytes 3..5 of the joined text.
        assert_eq!(d.original_span(3, 5), (8, 10));
        assert_eq!(d.original_span(1, 5), (1, 10));
    }
}
