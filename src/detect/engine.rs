//! The matcher: one Aho-Corasick pass finds every rule keyword, then each rule's regex runs only in
//! a bounded window around its keywords' hits. The cost is one linear pass over the bytes plus work
//! proportional to the number of hits, however long the lines are.

use std::sync::OnceLock;

use regex_automata::{
    meta::{self, Regex},
    util::captures::Captures,
    Input,
};

use super::keywords::{Hit, Keywords};
use super::placeholder;
use crate::finding::sha256_hex;
use crate::rules::{Confidence, Rule};

/// A rule that could not be compiled.
#[derive(Debug, thiserror::Error)]
#[error("{file}: rule `{id}`: {message}")]
pub struct CompileError {
    pub file: String,
    pub id: String,
    pub message: String,
}

struct CompiledRule {
    /// The rule's pattern and `allow` patterns, compiled on first use for a built-in rule (most
    /// rules never get a keyword hit in a small scan, and compiling them all is most of
    /// start-up), at once for a user's rule, whose errors must show before the scan.
    compiled: OnceLock<Patterns>,
    pattern: String,
    allow_patterns: Vec<String>,
    secret_group: usize,
    /// How far before or after a keyword hit a match may begin or end.
    reach: usize,
    min_entropy: Option<f64>,
    placeholder_check: bool,
    /// SHA-256 (lowercase hex) of exact secrets to drop: published example keys, listed without
    /// writing the key itself into a rule file.
    allow_sha256: Vec<String>,
    confidence: Confidence,
}

/// A secret found in a haystack, before it becomes a `Finding`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawMatch {
    /// Index of the rule in the slice the engine was built from.
    pub rule: usize,
    /// Byte span of the secret.
    pub start: usize,
    pub end: usize,
    /// The rule's confidence, or `Low` when the secret looks like a placeholder.
    pub confidence: Confidence,
    pub note: Option<&'static str>,
}

/// Compiled rules, ready to scan any number of blobs from any number of threads.
pub struct Engine {
    rules: Vec<CompiledRule>,
    keywords: Keywords,
    /// For each keyword, the rules that use it.
    keyword_rules: Vec<Vec<usize>>,
}

/// Prefix of an `allow` entry that names one exact secret by its SHA-256 instead of a pattern.
const ALLOW_SHA256: &str = "sha256:";

/// Window used when a rule's pattern has no upper bound on its length.
const UNBOUNDED_REACH: usize = 1024;

impl Engine {
    pub fn new(rules: &[Rule]) -> Result<Engine, CompileError> {
        let mut compiled = Vec::with_capacity(rules.len());
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            compiled.push(compile_rule(rule)?);
            for kw in &rule.keywords {
                match keywords.iter().position(|k| k == kw) {
                    Some(p) => keyword_rules[p].push(i),
                    None => {
                        keywords.push(kw.clone());
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let keywords = Keywords::new(&keywords).map_err(|e| CompileError {
            file: String::new(),
            id: String::new(),
            message: format!("keywords: {e}"),
        })?;
        Ok(Engine {
            rules: compiled,
            keywords,
            keyword_rules,
        })
    }

    /// The rules' distinct keywords, in the order of the keyword indices of hits.
    pub fn keywords(&self) -> &[String] {
        self.keywords.keywords()
    }

    /// All secrets in `hay`, sorted by position, overlaps resolved to the most specific rule.
    pub fn find(&self, hay: &[u8]) -> Vec<RawMatch> {
        let mut hits: Vec<Hit> = Vec::new();
        self.keywords.hits(hay, &mut hits);
        self.find_at(hay, &hits)
    }

    /// `find`, given every occurrence of the engine's keywords in `hay` (sorted by start, each
    /// keyword by its index in `keywords()`), from a keyword pass made elsewhere: the detector's,
    /// which also looks for the base64 decoder's needles.
    pub fn find_at(&self, hay: &[u8], hits: &[Hit]) -> Vec<RawMatch> {
        if hits.is_empty() {
            return Vec::new();
        }
        // (rule, start, end) windows in which that rule's regex must run.
        let mut windows: Vec<(usize, usize, usize)> = Vec::new();
        // Per rule, the index in `windows` of its latest window. Hits come in order of start, so
        // a rule's next window either overlaps its latest one (and widens it) or lies after it:
        // a file dense with keywords costs one window per stretch, not one per hit.
        let mut latest: Vec<usize> = vec![usize::MAX; self.rules.len()];
        for &(start, k, end) in hits {
            for &r in &self.keyword_rules[k] {
                let reach = self.rules[r].reach;
                let (from, to) = (start.saturating_sub(reach), (end + reach).min(hay.len()));
                match windows.get_mut(latest[r]) {
                    Some(w) if from <= w.2 => w.2 = w.2.max(to),
                    _ => {
                        latest[r] = windows.len();
                        windows.push((r, from, to));
                    }
                }
            }
        }
        if windows.is_empty() {
            return Vec::new();
        }
        windows.sort_unstable();
        let mut candidates = Vec::new();
        let mut caps: Option<(usize, Captures)> = None;
        let mut i = 0;
        while i < windows.len() {
            let (r, start, mut end) = windows[i];
            i += 1;
            while i < windows.len() && windows[i].0 == r && windows[i].1 <= end {
                end = end.max(windows[i].2);
                i += 1;
            }
            let rule = &self.rules[r];
            let caps = match &mut caps {
                Some((cr, c)) if *cr == r => c,
                slot => {
                    *slot = Some((r, rule.regex().create_captures()));
                    &mut slot.as_mut().unwrap().1
                }
            };
            self.find_in_window(r, hay, start, end, caps, &mut candidates);
        }
        resolve_overlaps(candidates, &self.rules)
    }

    fn find_in_window(
        &self,
        r: usize,
        hay: &[u8],
        start: usize,
        end: usize,
        caps: &mut Captures,
        out: &mut Vec<RawMatch>,
    ) {
        let rule = &self.rules[r];
        // The range limits where a match may lie while `^`, `$` and boundaries still see the
        // bytes around the window, so a window edge never passes for a token edge.
        let mut input = Input::new(hay).range(start..end);
        loop {
            rule.regex().search_captures(&input, caps);
            let Some(whole) = caps.get_match() else {
                break;
            };
            let span = caps.get_group(rule.secret_group).unwrap_or(whole.span());
            if span.start < span.end {
                if let Some(m) = judge(r, rule, hay, span.start, span.end) {
                    out.push(m);
                }
            }
            // Resume right after the secret: the character that ended it may begin the next.
            let next = span.end.max(whole.start() + 1);
            if next >= end {
                break;
            }
            input.set_start(next);
        }
    }
}

/// Applies a rule's own filters to a match; `None` drops it.
fn judge(r: usize, rule: &CompiledRule, hay: &[u8], start: usize, end: usize) -> Option<RawMatch> {
    let secret = &hay[start..end];
    if rule.allow().iter().any(|a| a.is_match(secret)) {
        return None;
    }
    if !rule.allow_sha256.is_empty() && rule.allow_sha256.contains(&sha256_hex(secret)) {
        return None;
    }
    let mut m = RawMatch {
        rule: r,
        start,
        end,
        confidence: rule.confidence,
        note: None,
    };
    if rule.placeholder_check && placeholder::looks_like_placeholder(secret) {
        m.confidence = Confidence::Low;
        m.note = Some("placeholder");
    } else if rule
        .min_entropy
        .is_some_and(|min| placeholder::shannon_entropy(secret) < min)
    {
        m.confidence = Confidence::Low;
        m.note = Some("low entropy");
    }
    Some(m)
}

/// Keeps, among overlapping secrets, the one with the highest confidence, then the longest, then
/// the rule listed first; disjoint secrets all stay.
fn resolve_overlaps(mut c: Vec<RawMatch>, rules: &[CompiledRule]) -> Vec<RawMatch> {
    c.sort_by(|a, b| {
        b.confidence
            .cmp(&a.confidence)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.rule.cmp(&b.rule))
            .then(a.start.cmp(&b.start))
    });
    debug_assert!(c.iter().all(|m| m.rule < rules.len()));
    let mut kept: Vec<RawMatch> = Vec::with_capacity(c.len());
    // Kept spans sorted by start, for an overlap test by binary search.
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(c.len());
    for m in c {
        let i = spans.partition_point(|&(s, _)| s < m.end);
        let overlaps = i > 0 && spans[i - 1].1 > m.start;
        if !overlaps {
            spans.insert(i, (m.start, m.end));
            kept.push(m);
        }
    }
    kept.sort_by_key(|m| (m.start, m.end, m.rule));
    kept
}

/// Rules match bytes, not text: a class like `[^A-Za-z0-9]` matches any byte outside it, invalid
/// UTF-8 included, so a key next to a Latin-1 or Windows-1252 character is still found. A rule
/// that needs Unicode classes turns them on with `(?u)`.
fn byte_syntax() -> regex_automata::util::syntax::Config {
    regex_automata::util::syntax::Config::new()
        .utf8(false)
        .unicode(false)
}

fn compile_rule(rule: &Rule) -> Result<CompiledRule, CompileError> {
    let err = |message: String| CompileError {
        file: rule.source_file.clone(),
        id: rule.id.clone(),
        message,
    };
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(&rule.regex)
        .map_err(|e| err(format!("regex: {e}")))?;
    let max_len = hir.properties().maximum_len();
    // The group the secret is in: the one named `secret`, else the first, else the whole match.
    let secret_group =
        capture_named(&hir, "secret").unwrap_or(if hir.properties().explicit_captures_len() > 0 {
            1
        } else {
            0
        });
    let (hashes, patterns): (Vec<&String>, Vec<&String>) =
        rule.allow.iter().partition(|a| a.starts_with(ALLOW_SHA256));
    let allow_sha256 = hashes
        .into_iter()
        .map(|a| {
            let h = a[ALLOW_SHA256.len()..].to_ascii_lowercase();
            if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(h)
            } else {
                Err(err(format!(
                    "allow entry `{a}`: expected sha256: and 64 hex digits"
                )))
            }
        })
        .collect::<Result<_, _>>()?;
    let compiled = CompiledRule {
        compiled: OnceLock::new(),
        pattern: rule.regex.clone(),
        allow_patterns: patterns.into_iter().cloned().collect(),
        secret_group,
        reach: max_len.unwrap_or(UNBOUNDED_REACH) + rule.window,
        min_entropy: rule.min_entropy,
        placeholder_check: rule.placeholder_check,
        allow_sha256,
        confidence: rule.confidence,
    };
    if !rule.builtin {
        let _ = compiled.compiled.set(compiled.compile().map_err(err)?);
    }
    Ok(compiled)
}

/// A rule's compiled patterns.
struct Patterns {
    regex: Regex,
    allow: Vec<Regex>,
}

impl CompiledRule {
    fn patterns(&self) -> &Patterns {
        self.compiled.get_or_init(|| {
            // Every built-in pattern is compiled by the tests (each rule runs its examples), so
            // this cannot fail for them; user rules are compiled before the scan.
            self.compile().expect("built-in rule patterns compile")
        })
    }

    fn regex(&self) -> &Regex {
        &self.patterns().regex
    }

    fn allow(&self) -> &[Regex] {
        &self.patterns().allow
    }

    /// Compiles the pattern and the `allow` patterns; the error says which failed.
    fn compile(&self) -> Result<Patterns, String> {
        // The library's error type is large: it becomes text at once.
        let build = |what: &str, pattern: &str, config: meta::Config| {
            meta::Builder::new()
                .configure(config)
                .syntax(byte_syntax())
                .build(pattern)
                .map_err(|e| format!("{what}: {e}"))
        };
        let regex = build(
            "regex",
            &self.pattern,
            meta::Config::new().utf8_empty(false),
        )?;
        let allow = self
            .allow_patterns
            .iter()
            .map(|a| build(&format!("allow pattern `{a}`"), a, meta::Config::new()))
            .collect::<Result<_, _>>()?;
        Ok(Patterns { regex, allow })
    }
}

/// The index of the capture group called `name`, as the compiled regex numbers its groups.
fn capture_named(hir: &regex_syntax::hir::Hir, name: &str) -> Option<usize> {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) if c.name.as_deref() == Some(name) => Some(c.index as usize),
        HirKind::Capture(c) => capture_named(&c.sub, name),
        HirKind::Repetition(r) => capture_named(&r.sub, name),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().find_map(|h| capture_named(h, name))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_rule_file;

    /// A built-in rule's pattern is compiled on first use, so the secret's group is found from
    /// the parsed pattern: it must be the group the compiled regex gives that name.
    #[test]
    fn the_secret_group_is_the_one_the_compiled_regex_names() {
        for rule in crate::rules::RuleSet::builtin().unwrap().rules {
            let compiled = compile_rule(&rule).unwrap();
            assert!(
                compiled.compiled.get().is_none(),
                "{}: compiled before use",
                rule.id
            );
            assert_eq!(
                compiled.allow().len(),
                compiled.allow_patterns.len(),
                "{}",
                rule.id
            );
            let info = compiled.regex().group_info().clone();
            let expected = match info.to_index(regex_automata::PatternID::ZERO, "secret") {
                Some(i) => i,
                None if info.group_len(regex_automata::PatternID::ZERO) > 1 => 1,
                None => 0,
            };
            assert_eq!(compiled.secret_group, expected, "{}", rule.id);
        }
    }

    #[test]
    fn a_user_rules_pattern_is_compiled_before_the_scan() {
        let mut rule = crate::rules::RuleSet::builtin().unwrap().rules.remove(0);
        rule.builtin = false;
        let compiled = compile_rule(&rule).unwrap();
        assert!(compiled.compiled.get().is_some());
        // Valid syntax the compiler still refuses (too big) is an error at once, not mid-scan.
        rule.regex = "(?P<secret>[a-z]{1000}){1000}".to_string();
        assert!(compile_rule(&rule).is_err());
    }

    fn engine(rules_toml: &str) -> (Engine, Vec<Rule>) {
        let text = format!(
            "[provider]\nid='t'\nname='T'\nrotation_url='https://example.invalid'\nremediation='r'\n{rules_toml}"
        );
        let rules = parse_rule_file("test.toml", &text).unwrap();
        (Engine::new(&rules).unwrap(), rules)
    }

    const TOKEN_RULE: &str = r#"
[[rules]]
id = "tok"
name = "Token"
confidence = "high"
keywords = ["tok_"]
regex = '(?:^|[^A-Za-z0-9_])(?P<secret>tok_[A-Za-z0-9]{16})(?:[^A-Za-z0-9_]|$)'
"#;

    #[test]
    fn window_edges_are_not_token_edges() {
        let (e, _) = engine(TOKEN_RULE);
        // A keyword hit deep inside a long token: the window starts mid-token, and the match must
        // still be refused because the byte before `tok_` is a letter.
        let hay = format!(
            "{}tok_AbCdEfGh12345678 tok_ZyXwVuTs98765432",
            "x".repeat(5000)
        );
        let found = e.find(hay.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(&hay[found[0].start..found[0].end], "tok_ZyXwVuTs98765432");
    }

    #[test]
    fn every_secret_in_a_dense_run_of_keyword_hits_is_found() {
        let (e, _) = engine(TOKEN_RULE);
        // Overlapping windows merge into one; no secret inside may be lost.
        let hay = "tok_ tok_AbCdEfGh12345678 ".repeat(1000);
        assert_eq!(e.find(hay.as_bytes()).len(), 1000);
    }

    #[test]
    fn adjacent_secrets_sharing_one_separator_are_both_found() {
        let (e, _) = engine(TOKEN_RULE);
        let hay = "tok_AbCdEfGh12345678,tok_ZyXwVuTs98765432";
        assert_eq!(e.find(hay.as_bytes()).len(), 2);
    }

    #[test]
    fn longer_or_more_confident_match_wins_an_overlap() {
        let (e, rules) = engine(
            r#"
[[rules]]
id = "short"
name = "Short"
confidence = "medium"
keywords = ["key_"]
regex = 'key_[a-z]{8}'
[[rules]]
id = "long"
name = "Long"
confidence = "medium"
keywords = ["key_"]
regex = 'key_[a-z]{12}'
"#,
        );
        let found = e.find(b"key_qwertyuiopas");
        assert_eq!(found.len(), 1);
        assert_eq!(rules[found[0].rule].id, "long");
    }

    #[test]
    fn keywords_inside_other_keywords_still_trigger_their_rules() {
        let (e, rules) = engine(
            r#"
[[rules]]
id = "prefix"
name = "Prefix"
confidence = "high"
keywords = ["abc"]
regex = 'abc[a-d0-9]{9}'
[[rules]]
id = "long"
name = "Long"
confidence = "medium"
keywords = ["abcd"]
regex = 'abcd[0-9]{8}'
[[rules]]
id = "inner"
name = "Inner"
confidence = "medium"
keywords = ["cdef"]
regex = 'cdef[0-9]{8}'
"#,
        );
        let ids = |hay: &str| -> Vec<&str> {
            e.find(hay.as_bytes())
                .iter()
                .map(|m| rules[m.rule].id.as_str())
                .collect()
        };
        // `abc` is a prefix of the keyword `abcd` found here; its rule must run and wins.
        assert_eq!(ids("abcd12345678"), ["prefix"]);
        // `cdef` begins inside the keyword `abcd`.
        assert_eq!(ids("xabcdef12345678"), ["inner"]);
    }

    #[test]
    fn more_keywords_than_one_searcher_takes_are_all_found() {
        // Over twice the 64 patterns one SIMD searcher takes.
        let n = 133;
        let toml: String = (0..n)
            .map(|i| {
                format!(
                    "[[rules]]\nid = 'r{i}'\nname = 'R'\nconfidence = 'high'\n\
                     keywords = ['kw{i:03}x']\nregex = 'kw{i:03}x[0-9]{{8}}'\n"
                )
            })
            .collect();
        let (e, rules) = engine(&toml);
        let hay: String = (0..n)
            .rev()
            .map(|i| format!("kw{i:03}x12345678 "))
            .collect();
        let mut ids: Vec<String> = e
            .find(hay.as_bytes())
            .iter()
            .map(|m| rules[m.rule].id.clone())
            .collect();
        assert_eq!(ids.len(), n);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn context_window_lets_a_keyword_anchor_a_nearby_secret() {
        let (e, _) = engine(
            r#"
[[rules]]
id = "ctx"
name = "Ctx"
confidence = "medium"
keywords = ["MYAPI"]
window = 40
regex = '\b(k[0-9a-z]{20})\b'
"#,
        );
        assert_eq!(
            e.find(b"MYAPI = {\n  key: 'kq8w7e6r5t4y3u2i1o0pz' }").len(),
            1
        );
        let far = format!("MYAPI{}kq8w7e6r5t4y3u2i1o0pz", " ".repeat(200));
        assert!(e.find(far.as_bytes()).is_empty());
    }

    #[test]
    fn allow_by_sha256_drops_exactly_that_secret() {
        let listed = "tok_AbCdEfGh12345678";
        let (e, _) = engine(&format!(
            "{TOKEN_RULE}allow = ['sha256:{}']\n",
            sha256_hex(listed.as_bytes()).to_uppercase()
        ));
        assert!(e.find(listed.as_bytes()).is_empty());
        assert_eq!(e.find(b"tok_AbCdEfGh12345679").len(), 1);
    }

    #[test]
    fn malformed_sha256_allow_entry_is_refused() {
        let text = format!(
            "[provider]\nid='t'\nname='T'\nrotation_url='https://example.invalid'\nremediation='r'\n{TOKEN_RULE}allow = ['sha256:abc']\n"
        );
        let rules = parse_rule_file("test.toml", &text).unwrap();
        assert!(Engine::new(&rules).is_err());
    }

    #[test]
    fn placeholders_are_demoted_to_low() {
        let (e, _) = engine(TOKEN_RULE);
        let found = e.find(b"tok_XXXXXXXXXXXXXXXX");
        assert_eq!(found[0].confidence, Confidence::Low);
        assert_eq!(found[0].note, Some("placeholder"));
    }

    #[test]
    fn invalid_utf8_around_a_secret_is_fine() {
        let (e, _) = engine(TOKEN_RULE);
        let mut hay = vec![0xff, 0xfe, b' '];
        hay.extend_from_slice(b"tok_AbCdEfGh12345678");
        hay.extend_from_slice(&[b' ', 0xc3]);
        assert_eq!(e.find(&hay).len(), 1);
    }
}
