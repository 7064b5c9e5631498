//! Heuristics that tell a key-shaped placeholder (`sk-xxxx…`, `YOUR_KEY_HERE`, `abcdef123456`)
//! from key material. Real keys are long random strings; these look for what randomness
//! practically never produces.

/// Longest run of identical or consecutive characters that random key material may contain.
/// A given run of 6 appears in a random base-62 string with probability about 1e-9 per position.
const MAX_RUN: usize = 5;

/// Words that mark a value as an example rather than a credential. Matched case-insensitively,
/// except the short ones, which random text contains too often in mixed case.
const WORDS: &[&str] = &[
    "example",
    "replace",
    "placeholder",
    "dummy",
    "sample",
    "redacted",
    "insert",
    "changeme",
];
const SHORT_WORDS: &[&str] = &[
    "YOUR", "your", "Your", "xxxx", "XXXX", "HERE", "FAKE", "fake",
];

pub fn looks_like_placeholder(secret: &[u8]) -> bool {
    if secret.contains(&b'*') || secret.windows(3).any(|w| w == b"...") {
        return true;
    }
    if longest_run(secret) > MAX_RUN {
        return true;
    }
    let lower = secret.to_ascii_lowercase();
    if WORDS
        .iter()
        .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
    {
        return true;
    }
    SHORT_WORDS
        .iter()
        .any(|w| memchr::memmem::find(secret, w.as_bytes()).is_some())
}

/// Longest run of repeated (`aaaa`), ascending (`abcd`, `1234`) or descending (`9876`) characters.
fn longest_run(s: &[u8]) -> usize {
    let (mut best, mut same, mut up, mut down) = (usize::from(!s.is_empty()), 1, 1, 1);
    for w in s.windows(2) {
        let (a, b) = (w[0], w[1]);
        let alnum = a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
        same = if a == b { same + 1 } else { 1 };
        up = if alnum && b == a.wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if alnum && a == b.wrapping_add(1) {
            down + 1
        } else {
            1
        };
        best = best.max(same).max(up).max(down);
    }
    best
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_and_template_words_are_placeholders() {
        for p in [
            "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "sk-proj-YOUR_API_KEY_HERE",
            "sk-None-abcdefghij1234567890ABCDEFGHIJ",
            "sk-proj-REPLACE_WITH_YOUR_KEY",
            "sk-proj-Ab...9Qz",
            "sk-1111111111111111111111111111",
        ] {
            assert!(looks_like_placeholder(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn random_material_with_a_test_suffix_is_not_a_placeholder() {
        let s = crate::rules::template::expand("sk-{alnum:44}test", 11);
        assert!(!looks_like_placeholder(s.as_bytes()));
    }

    #[test]
    fn entropy_of_random_text_is_high_and_of_filler_low() {
        let s = crate::rules::template::expand("{alnum:48}", 5);
        assert!(shannon_entropy(s.as_bytes()) > 4.5);
        assert!(shannon_entropy(b"aaaaaaaaab") < 1.0);
    }
}
