//! Example templates: `{alnum:20}`-style placeholders that expand into pseudo-random characters
//! at run time. Rule examples, fixtures and tests are written this way, so the repository never
//! holds a key in a real format and still exercises every rule on realistic input.
//!
//! A placeholder is `{CHARSET:LEN}` or `{CHARSET:LEN:LABEL}`; the same label gives the same text
//! everywhere one [`Expander`] is used (to put one key in several files). Anything else between
//! braces is left as it is, so JSON and code in templates need no escaping. `{-}` expands to
//! nothing: it breaks up a placeholder example that would otherwise look like a real key in the
//! repository (`AIzaSy{-}XXXX…`), and the test still sees the whole string.

use std::collections::HashMap;

const CHARSETS: &[(&str, &str)] = &[
    (
        "alnum",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    ),
    (
        "b64url",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    ),
    (
        "base64",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    ),
    ("hex", "0123456789abcdef"),
    ("HEX", "0123456789ABCDEF"),
    ("lower", "abcdefghijklmnopqrstuvwxyz"),
    ("upper", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    ("digits", "0123456789"),
    ("lowernum", "abcdefghijklmnopqrstuvwxyz0123456789"),
    ("uppernum", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    (
        "letters",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    ),
];

/// Expands templates; one expander keeps labels consistent across many texts.
#[derive(Debug)]
pub struct Expander {
    state: u64,
    labels: HashMap<String, String>,
}

impl Expander {
    pub fn new(seed: u64) -> Self {
        Expander {
            state: seed ^ 0x6b65_7968_6f75_6e64,
            labels: HashMap::new(),
        }
    }

    /// Replaces every placeholder in `text`.
    pub fn expand(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 64);
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            if let Some(tail) = after.strip_prefix("-}") {
                rest = tail;
                continue;
            }
            match after
                .find('}')
                .and_then(|close| self.placeholder(&after[..close]).map(|s| (s, close)))
            {
                Some((generated, close)) => {
                    out.push_str(&generated);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn placeholder(&mut self, inner: &str) -> Option<String> {
        let mut parts = inner.splitn(3, ':');
        let name = parts.next()?;
        let len: usize = parts.next()?.parse().ok()?;
        let label = parts.next();
        let charset = CHARSETS.iter().find(|(n, _)| *n == name)?.1.as_bytes();
        if len == 0 || len > 4096 {
            return None;
        }
        if let Some(label) = label {
            let key = format!("{name}:{len}:{label}");
            if let Some(v) = self.labels.get(&key) {
                return Some(v.clone());
            }
            let v = self.random(charset, len);
            self.labels.insert(key, v.clone());
            return Some(v);
        }
        Some(self.random(charset, len))
    }

    fn random(&mut self, charset: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| charset[(self.next() % charset.len() as u64) as usize] as char)
            .collect()
    }

    /// splitmix64: tiny, deterministic, and good enough to look like key material.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Expands one template with a fresh expander.
pub fn expand(text: &str, seed: u64) -> String {
    Expander::new(seed).expand(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_characters_of_their_set_and_length() {
        let s = expand("k-{hex:10}-{upper:3}", 1);
        assert_eq!(s.len(), 2 + 10 + 1 + 3);
        assert!(s[2..12].bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(s[13..].bytes().all(|b| b.is_ascii_uppercase()));
    }

    #[test]
    fn other_braces_are_left_alone() {
        assert_eq!(
            expand(r#"{"a": {b}} {nope:3} {hex:x}"#, 0),
            r#"{"a": {b}} {nope:3} {hex:x}"#
        );
    }

    #[test]
    fn a_break_marker_expands_to_nothing() {
        assert_eq!(expand("AIza{-}Sy{-}XX", 0), "AIzaSyXX");
    }

    #[test]
    fn labels_repeat_and_unlabelled_do_not() {
        let mut e = Expander::new(7);
        let a = e.expand("{alnum:30:k1} {alnum:30:k1} {alnum:30}");
        let parts: Vec<_> = a.split(' ').collect();
        assert_eq!(parts[0], parts[1]);
        assert_ne!(parts[0], parts[2]);
        assert_eq!(e.expand("{alnum:30:k1}"), parts[0]);
    }

    #[test]
    fn same_seed_same_text() {
        assert_eq!(expand("{b64url:40}", 3), expand("{b64url:40}", 3));
        assert_ne!(expand("{b64url:40}", 3), expand("{b64url:40}", 4));
    }
}
