//! The customer host written next to a key, for providers whose keys only work against the
//! customer's own resource (Azure OpenAI: `https://<resource>.openai.azure.com`). Detection only
//! records what it saw; `validate` decides, again, whether the host may be contacted.

/// How far from the secret, in bytes either way, a host still counts as written next to it.
pub const REACH: usize = 1024;

/// The host nearest to `data[start..end]`, within [`REACH`], that is one DNS label followed by
/// one of `suffixes` (each like `.openai.azure.com`), lower-cased. A longer name that merely
/// contains a suffix (`x.openai.azure.com.evil.example`, `a.b.openai.azure.com`) is no match.
pub fn nearest_host(data: &[u8], start: usize, end: usize, suffixes: &[String]) -> Option<String> {
    if suffixes.is_empty() {
        return None;
    }
    let lo = start.saturating_sub(REACH);
    let hi = end.saturating_add(REACH).min(data.len());
    let hay = data[lo..hi].to_ascii_lowercase();
    let mut best: Option<(usize, String)> = None;
    for suffix in suffixes {
        let needle = suffix.as_bytes();
        let mut from = 0;
        while let Some(i) = find(&hay[from..], needle).map(|i| i + from) {
            from = i + 1;
            if let Some((host_start, host)) = host_at(&hay, i, needle.len()) {
                let at = lo + host_start;
                let distance = if at >= end {
                    at - end
                } else {
                    start.saturating_sub(at + host.len())
                };
                if best.as_ref().is_none_or(|(d, _)| distance < *d) {
                    best = Some((distance, host));
                }
            }
        }
    }
    best.map(|(_, h)| h)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The host whose suffix starts at `i` (`len` bytes long), with its start, if the label before
/// the suffix is a whole DNS label and nothing continues the name after it.
fn host_at(hay: &[u8], i: usize, len: usize) -> Option<(usize, String)> {
    let mut s = i;
    while s > 0 && is_name_byte(hay[s - 1]) {
        s -= 1;
    }
    let label = &hay[s..i];
    if label.is_empty()
        || label.len() > 63
        || label.contains(&b'_')
        || label.starts_with(b"-")
        || label.ends_with(b"-")
        || (s > 0 && hay[s - 1] == b'.')
    {
        return None;
    }
    let after = i + len;
    match hay.get(after) {
        Some(&b) if is_name_byte(b) => return None,
        // A dot ends a sentence; a dot followed by a name makes a longer (foreign) host.
        Some(b'.') if hay.get(after + 1).is_some_and(|&b| is_name_byte(b)) => return None,
        _ => {}
    }
    Some((s, String::from_utf8_lossy(&hay[s..after]).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn azure() -> Vec<String> {
        vec![
            ".openai.azure.com".into(),
            ".cognitiveservices.azure.com".into(),
        ]
    }

    fn host_near_key(text: &str) -> Option<String> {
        let key = text.find("KEY").unwrap();
        nearest_host(text.as_bytes(), key, key + 3, &azure())
    }

    #[test]
    fn finds_the_resource_host_next_to_a_key() {
        assert_eq!(
            host_near_key("ENDPOINT=https://Contoso-East.openai.azure.com/\nAPI_KEY=KEY")
                .as_deref(),
            Some("contoso-east.openai.azure.com")
        );
        assert_eq!(
            host_near_key("key: KEY, url: 'https://res1.cognitiveservices.azure.com'").as_deref(),
            Some("res1.cognitiveservices.azure.com")
        );
    }

    #[test]
    fn picks_the_nearest_of_several_hosts() {
        let text = format!(
            "https://far.openai.azure.com{}key=KEY base=https://near.openai.azure.com",
            "\n".repeat(40)
        );
        assert_eq!(
            host_near_key(&text).as_deref(),
            Some("near.openai.azure.com")
        );
    }

    #[test]
    fn refuses_hosts_that_only_contain_the_suffix() {
        for text in [
            "https://contoso.openai.azure.com.evil.example/ key=KEY",
            "https://a.contoso.openai.azure.com/ key=KEY",
            "https://evil-openai.azure.com/ key=KEY",
            "https://openai.azure.com/ key=KEY",
            "https://contoso.openai.azure.community/ key=KEY",
            "https://contoso.example.com/ key=KEY",
        ] {
            assert_eq!(host_near_key(text), None, "{text}");
        }
    }

    #[test]
    fn ignores_hosts_beyond_reach() {
        let text = format!(
            "https://contoso.openai.azure.com/{}KEY",
            " ".repeat(REACH + 10)
        );
        assert_eq!(host_near_key(&text), None);
    }
}
