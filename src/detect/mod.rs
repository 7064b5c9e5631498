//! Detection: from a blob's bytes to findings. The engine finds secret spans; this module turns
//! them into `Finding`s with positions, redacted snippets and fingerprints. It knows nothing of
//! files, git or output formats.

pub mod decode;
pub mod endpoint;
pub mod engine;
pub mod exposure;
pub mod keywords;
pub mod placeholder;
#[cfg(feature = "vectorscan")]
pub mod vectorscan;

use std::{borrow::Cow, collections::HashMap, sync::OnceLock};

use crate::{
    finding::{fingerprint, redact, sha256_hex, Exposure, Finding, FindingKind, Origin, Sensitive},
    rules::{Confidence, Rule, RuleSet},
};
pub use engine::{CompileError, Engine, RawMatch};
use keywords::{Hit, Keywords};

/// What a source hands to detection: bytes and where they came from.
#[derive(Clone, Copy)]
pub struct Blob<'a> {
    /// Display path, relative to the scanned root (`<stdin>` for standard input).
    pub path: &'a str,
    pub origin: &'a Origin,
    pub data: &'a [u8],
}

/// The bytes may hold secrets: `Debug` (a panic message, a log line) shows only their length.
impl std::fmt::Debug for Blob<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob")
            .field("path", &self.path)
            .field("origin", self.origin)
            .field("len", &self.data.len())
            .finish()
    }
}

/// One keyword pass for the engine and the base64 decoder: the engine's keywords, then the
/// needles that are not also keywords. Searching both at once costs less than two passes when
/// one pass holds them all.
struct SharedPass {
    keywords: Keywords,
    /// Hits of the keywords before this index are the engine's, the others the decoder's.
    engine_keywords: usize,
    /// The engine's keywords that are also needles.
    also_needle: Vec<bool>,
}

impl SharedPass {
    fn new(engine: &Engine, needles: &decode::base64::Needles) -> Option<SharedPass> {
        let mut all = engine.keywords().to_vec();
        let engine_keywords = all.len();
        let mut also_needle = vec![false; engine_keywords];
        for n in needles.strings() {
            match all.iter().position(|k| k == n) {
                Some(k) if k < engine_keywords => also_needle[k] = true,
                Some(_) => {}
                None => all.push(n.clone()),
            }
        }
        // Together in one pass, or not at all: past one Teddy searcher, the keywords' and the
        // needles' own searchers cost less than more searchers over both (BENCHMARKS.md).
        let keywords = Keywords::new_single_pass(&all)
            .ok()
            .flatten()
            .filter(Keywords::single_pass)?;
        Some(SharedPass {
            keywords,
            engine_keywords,
            also_needle,
        })
    }

    /// The engine's hits and the needles' hits in `data`, each sorted by start.
    fn hits(&self, data: &[u8]) -> (Vec<Hit>, Vec<Hit>) {
        let mut hits = Vec::new();
        self.keywords.hits(data, &mut hits);
        let mut needles = Vec::new();
        hits.retain(|&hit| {
            let k = hit.1;
            if k >= self.engine_keywords || self.also_needle[k] {
                needles.push(hit);
            }
            k < self.engine_keywords
        });
        (hits, needles)
    }
}

impl crate::diag::Redact for Detector {
    fn redact(&self, text: &str) -> String {
        self.redact_text(text).into_owned()
    }
}

/// Detection settings that shape findings.
#[derive(Debug, Clone)]
pub struct DetectOptions {
    pub min_confidence: Confidence,
}

/// Rules compiled for one scan. Shared by reference between all worker threads.
pub struct Detector {
    rules: Vec<Rule>,
    engine: Engine,
    /// The rules below the threshold. They report nothing, but what they match next to a finding
    /// is redacted in its snippet, so a key-shaped neighbour never prints in full.
    below: Option<Engine>,
    /// Per rule (as `rules`): the host suffixes of a check that goes to the customer's own host
    /// (`endpoint_hosts` of the validation table); such a finding records the host next to it.
    endpoint_hosts: Vec<Vec<String>>,
    options: DetectOptions,
    /// Look for keys hidden by encoding (on unless turned off with `with_decoding(false)`).
    decode: bool,
    /// Base64 forms of the rule keywords, which pick the base64 runs worth decoding.
    base64_needles: decode::base64::Needles,
    /// The engine's keywords and the base64 needles in one keyword pass, used while decoding;
    /// built by the first blob that needs it, so `--no-decode` and small scans pay nothing
    /// for it.
    shared: OnceLock<Option<SharedPass>>,
    /// Whether the exposure rules run (they are medium confidence, so not above that threshold).
    exposures: bool,
}

/// The `endpoint_hosts` of a rule's validation table (following `same_as`); empty for most rules
/// and for every user rule (their validation tables are dropped on load).
fn endpoint_hosts(rule: &Rule, set: &RuleSet) -> Vec<String> {
    let hosts = |t: &toml::Table| -> Vec<String> {
        t.get("endpoint_hosts")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let Some(table) = &rule.validation else {
        return Vec::new();
    };
    match table.get("same_as").and_then(|v| v.as_str()) {
        Some(id) => set
            .get(id)
            .filter(|r| r.provider == rule.provider)
            .and_then(|r| r.validation.as_ref())
            .map(hosts)
            .unwrap_or_default(),
        None => hosts(table),
    }
}

/// Longest part of a line kept on each side of a secret in a snippet.
const SNIPPET_CONTEXT: usize = 60;

/// How far past a snippet's edge a secret may begin or end and still be cut by it (snippets widen
/// to whole secrets); longer than any secret a rule matches.
const SECRET_REACH: usize = 1024;

impl Detector {
    pub fn new(rules: &RuleSet, options: DetectOptions) -> Result<Detector, CompileError> {
        let all = rules;
        // Rules below the threshold never report, so they cost nothing until there is a finding
        // whose snippet they must help redact.
        let (mut rules, below): (Vec<Rule>, Vec<Rule>) = rules
            .rules
            .iter()
            .cloned()
            .partition(|r| r.confidence >= options.min_confidence);
        let engine = Engine::new(&rules)?;
        let below = if below.is_empty() {
            None
        } else {
            Some(Engine::new(&below)?)
        };
        let endpoint_hosts = rules.iter().map(|r| endpoint_hosts(r, all)).collect();
        // Keywords that are part of a key (not context words a window away) say what an encoded
        // key looks like.
        let base64_needles = decode::base64::Needles::new(
            rules
                .iter()
                .filter(|r| r.window == 0)
                .flat_map(|r| r.keywords.iter().map(String::as_str)),
        );
        // Exposure rules come after the engine's, so engine rule indices stay valid.
        let exposures = options.min_confidence <= Confidence::Medium;
        if exposures {
            rules.extend(exposure::rules());
        }
        Ok(Detector {
            rules,
            engine,
            below,
            endpoint_hosts,
            options,
            decode: true,
            base64_needles,
            shared: OnceLock::new(),
            exposures,
        })
    }

    /// Turns the search for keys hidden by encoding on or off (`--no-decode`).
    pub fn with_decoding(mut self, on: bool) -> Self {
        self.decode = on;
        self
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every finding in one blob at or above the minimum confidence, in order of position.
    /// UTF-16 text is scanned as the text it holds, with byte offsets of the original.
    pub fn scan_blob(&self, blob: &Blob<'_>) -> Vec<Finding> {
        let Some(t) = decode::utf16::transcode(blob.data) else {
            return self.scan_text(blob);
        };
        let mut found = self.scan_text(&Blob {
            data: &t.text,
            ..*blob
        });
        let mut offsets = t.offsets();
        for f in &mut found {
            f.offset = offsets.original(f.offset);
            let enc = t.order.name();
            f.decoded = Some(
                f.decoded
                    .take()
                    .map_or(enc.to_string(), |k| format!("{enc}+{k}")),
            );
        }
        found
    }

    /// The shared keyword pass, built on first use; `None` when one pass cannot hold it.
    fn shared_pass(&self) -> Option<&SharedPass> {
        self.shared
            .get_or_init(|| SharedPass::new(&self.engine, &self.base64_needles))
            .as_ref()
    }

    fn scan_text(&self, blob: &Blob<'_>) -> Vec<Finding> {
        let (plain, hidden) = if !self.decode {
            (self.engine.find(blob.data), Vec::new())
        } else if let Some(shared) = self.shared_pass() {
            let (hits, needle_hits) = shared.hits(blob.data);
            let plain = self.engine.find_at(blob.data, &hits);
            let hidden = decode::find_hidden_at(&self.engine, &needle_hits, blob.data, &plain);
            (plain, hidden)
        } else {
            let plain = self.engine.find(blob.data);
            let hidden = decode::find_hidden(&self.engine, &self.base64_needles, blob.data, &plain);
            (plain, hidden)
        };
        let exposures = if self.exposures {
            exposure::find(blob.path, blob.data)
        } else {
            Vec::new()
        };
        if plain.is_empty() && hidden.is_empty() && exposures.is_empty() {
            return Vec::new();
        }
        // Every secret span, plain or encoded, in order: snippets redact all of them.
        let mut secrets: Vec<(RawMatch, Option<&decode::Hidden>)> = plain
            .iter()
            .map(|m| (m.clone(), None))
            .chain(hidden.iter().map(|h| (h.raw.clone(), Some(h))))
            .collect();
        secrets.sort_by_key(|(m, _)| (m.start, m.end));
        let spans: Vec<RawMatch> = secrets.iter().map(|(m, _)| m.clone()).collect();
        let spans = self.redacted_spans(blob.data, &spans);

        let mut lines = LineCounter::new(blob.data);
        let mut occurrences: HashMap<(usize, String), usize> = HashMap::new();
        let mut out = Vec::new();
        for (m, hidden) in &secrets {
            if m.confidence < self.options.min_confidence {
                continue;
            }
            let rule = &self.rules[m.rule];
            let secret_bytes = hidden.map_or(&blob.data[m.start..m.end], |h| &h.secret[..]);
            let secret = String::from_utf8_lossy(secret_bytes).into_owned();
            let secret_sha256 = sha256_hex(secret_bytes);
            let (line, column) = lines.position(m.start);
            let line_start = lines.line_start;
            let (end_line, end_column) = lines.position(m.end);
            let line_end = lines.line_end();
            let nth = occurrences
                .entry((m.rule, secret_sha256.clone()))
                .or_insert(0);
            let (snippet, snippet_unredacted) = snippet(blob.data, m, &spans, line_start, line_end);
            out.push(Finding {
                kind: FindingKind::Secret,
                rule_id: rule.id.clone(),
                rule_name: rule.name.clone(),
                provider: rule.provider.clone(),
                confidence: m.confidence,
                path: blob.path.to_string(),
                line,
                column,
                end_line,
                end_column,
                offset: m.start,
                secret_redacted: redact(&secret),
                fingerprint: fingerprint(&rule.id, blob.path, &secret_sha256, *nth),
                secret_sha256,
                snippet,
                source: blob.origin.clone(),
                note: m.note.map(str::to_string),
                exposure: Some(exposure_at(blob, m.start)),
                decoded: hidden.map(|h| h.kind.to_string()),
                validation: None,
                endpoint: endpoint::nearest_host(
                    blob.data,
                    m.start,
                    m.end,
                    &self.endpoint_hosts[m.rule],
                ),
                secret: Sensitive::new(secret),
                snippet_unredacted: Sensitive::new(snippet_unredacted),
            });
            *nth += 1;
        }
        let mut exposure_seen: HashMap<(&str, &[u8]), usize> = HashMap::new();
        for e in &exposures {
            let nth = exposure_seen
                .entry((e.rule, &blob.data[e.start..e.end]))
                .or_insert(0);
            out.push(self.exposure_finding(blob, e, *nth, &spans, &mut lines));
            *nth += 1;
        }
        redact_copies(&mut out);
        out.sort_by_key(|f| (f.offset, f.end_line, f.end_column));
        out
    }

    /// A finding of a design flaw (`FindingKind::Exposure`): the reported text is a variable name
    /// or an SDK option, never a secret, but a value beside it on the line is redacted.
    fn exposure_finding(
        &self,
        blob: &Blob<'_>,
        e: &exposure::ExposureMatch,
        nth: usize,
        secrets: &[RawMatch],
        lines: &mut LineCounter<'_>,
    ) -> Finding {
        let rule = self
            .rules
            .iter()
            .find(|r| r.id == e.rule)
            .expect("exposure rules are loaded");
        let text = String::from_utf8_lossy(&blob.data[e.start..e.end]).into_owned();
        let sha = sha256_hex(text.as_bytes());
        // The value replaces any secret inside it in the list of spans to redact.
        let mut redact_spans: Vec<RawMatch> = secrets
            .iter()
            .filter(|s| e.value.is_none_or(|(vs, ve)| s.end <= vs || s.start >= ve))
            .cloned()
            .collect();
        if let Some((vs, ve)) = e.value.filter(|(vs, ve)| vs < ve) {
            redact_spans.push(RawMatch {
                rule: 0,
                start: vs,
                end: ve,
                confidence: Confidence::Low,
                note: None,
            });
            redact_spans.sort_by_key(|s| s.start);
        }
        let me = RawMatch {
            rule: 0,
            start: e.start,
            end: e.end,
            confidence: rule.confidence,
            note: None,
        };
        let (line, column) = lines.position(e.start);
        let line_start = lines.line_start;
        let (end_line, end_column) = lines.position(e.end);
        let line_end = lines.line_end();
        let (snippet, _) = snippet(blob.data, &me, &redact_spans, line_start, line_end);
        let reason = exposure_at(blob, e.start).reason;
        Finding {
            kind: FindingKind::Exposure,
            rule_id: rule.id.clone(),
            rule_name: rule.name.clone(),
            provider: rule.provider.clone(),
            confidence: rule.confidence,
            path: blob.path.to_string(),
            line,
            column,
            end_line,
            end_column,
            offset: e.start,
            secret_redacted: text.clone(),
            fingerprint: fingerprint(&rule.id, blob.path, &sha, nth),
            secret_sha256: sha,
            // The unredacted snippet would show the value: the redacted one serves both.
            snippet_unredacted: Sensitive::new(snippet.clone()),
            snippet,
            source: blob.origin.clone(),
            note: None,
            exposure: Some(Exposure {
                class: "client".to_string(),
                reason,
            }),
            decoded: None,
            validation: None,
            endpoint: None,
            secret: Sensitive::new(text),
        }
    }

    /// `text` with every key in it redacted: for text from the scanned input that is printed
    /// but is no blob, such as a path, a commit's author or a warning. Every rule counts, those
    /// below the threshold too, as in snippets.
    pub fn redact_text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let data = text.as_bytes();
        let mut spans = self.engine.find(data);
        if let Some(below) = &self.below {
            spans.extend(below.find(data));
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_by_key(|m| (m.start, m.end));
        let mut out = String::with_capacity(text.len());
        let mut done = 0;
        for m in &spans {
            if m.start < done {
                continue;
            }
            // Rules match ASCII keys, so spans fall on character boundaries; a lossy copy keeps
            // this from panicking all the same.
            out.push_str(&String::from_utf8_lossy(&data[done..m.start]));
            out.push_str(&redact(&String::from_utf8_lossy(&data[m.start..m.end])));
            done = m.end;
        }
        out.push_str(&String::from_utf8_lossy(&data[done..]));
        Cow::Owned(out)
    }

    /// The spans snippets redact: every match, and whatever the rules below the threshold match
    /// near one. Sorted and disjoint.
    fn redacted_spans(&self, data: &[u8], matches: &[RawMatch]) -> Vec<RawMatch> {
        let mut spans = matches.to_vec();
        let Some(below) = &self.below else {
            return spans;
        };
        let reach = SNIPPET_CONTEXT + SECRET_REACH;
        let mut regions: Vec<(usize, usize)> = Vec::new();
        for m in matches {
            let (from, to) = (
                m.start.saturating_sub(reach),
                (m.end + reach).min(data.len()),
            );
            match regions.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => regions.push((from, to)),
            }
        }
        for (from, to) in regions {
            for mut o in below.find(&data[from..to]) {
                o.start += from;
                o.end += from;
                // `matches` is sorted and disjoint: the only one that can overlap `o` is the
                // first to end after `o` starts.
                let i = matches.partition_point(|k| k.end <= o.start);
                if matches.get(i).is_none_or(|k| k.start >= o.end) {
                    spans.push(o);
                }
            }
        }
        spans.sort_by_key(|o| (o.start, o.end));
        spans
    }
}

/// Who can read the line of `blob` at `offset`, with the notebook cell or the original source of
/// a source map when there is one.
fn exposure_at(blob: &Blob<'_>, offset: usize) -> Exposure {
    let data = blob.data;
    let line_start = memchr::memrchr(b'\n', &data[..offset]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &data[offset..]).map_or(data.len(), |i| offset + i);
    // A line of a minified bundle can be megabytes long; the context that matters is near.
    let line = &data[line_start.max(offset.saturating_sub(512))..line_end.min(offset + 512)];
    let mut e = exposure::classify(blob.path, data, line);
    if let Some(inner) = exposure::inner_location(blob.path, data, offset) {
        e.reason = format!("{}; {inner}", e.reason);
    }
    e
}

/// Turns byte offsets into 1-based (line, column) without scanning the blob more than once, as
/// long as offsets are asked for in increasing order (they are: matches are sorted and disjoint).
/// Columns are counted on from the last position too, so a minified bundle with thousands of
/// secrets on one line stays linear.
struct LineCounter<'a> {
    data: &'a [u8],
    offset: usize,
    line: usize,
    line_start: usize,
    /// Code points from `line_start` to `offset`.
    column: usize,
    /// End of the current line (its `\n` or the end of the data), once asked for.
    line_end: Option<usize>,
}

impl<'a> LineCounter<'a> {
    fn new(data: &'a [u8]) -> Self {
        LineCounter {
            data,
            offset: 0,
            line: 1,
            line_start: 0,
            column: 0,
            line_end: None,
        }
    }

    fn position(&mut self, at: usize) -> (usize, usize) {
        if at < self.offset {
            *self = LineCounter::new(self.data);
        }
        let seg = &self.data[self.offset..at];
        let newlines = memchr::memchr_iter(b'\n', seg).count();
        if newlines > 0 {
            self.line += newlines;
            self.line_start = self.offset + memchr::memrchr(b'\n', seg).unwrap() + 1;
            self.column = 0;
            self.line_end = None;
            self.offset = self.line_start;
        } else if self
            .data
            .get(self.offset)
            .is_some_and(|&b| (0x80..0xc0).contains(&b))
        {
            // The last position may split a character, and counting on from it would count the
            // halves apart: count this line from its start instead (rare: keys are ASCII).
            self.column = 0;
            self.offset = self.line_start;
        }
        self.column += count_chars(&self.data[self.offset..at]);
        self.offset = at;
        (self.line, 1 + self.column)
    }

    /// Where the line of the last position ends: its `\n`, or the end of the data.
    fn line_end(&mut self) -> usize {
        let offset = self.offset;
        let data = self.data;
        *self.line_end.get_or_insert_with(|| {
            memchr::memchr(b'\n', &data[offset..]).map_or(data.len(), |i| offset + i)
        })
    }
}

/// Unicode code points in UTF-8 text; each byte of an invalid sequence counts as one (a stray
/// Latin-1 or Windows-1252 byte is one character to whoever reads the file).
fn count_chars(s: &[u8]) -> usize {
    s.utf8_chunks()
        .map(|c| c.valid().chars().count() + c.invalid().len())
        .sum()
}

/// The line around `m` (from the start of the line `m` starts on to the end of the line it ends
/// on), cut to a readable width, with every matched secret on it redacted (and the same text
/// unredacted, for `--show-secrets`).
fn snippet(
    data: &[u8],
    m: &RawMatch,
    all: &[RawMatch],
    line_start: usize,
    line_end: usize,
) -> (String, String) {
    let mut from = m.start.saturating_sub(SNIPPET_CONTEXT).max(line_start);
    let mut to = (m.end + SNIPPET_CONTEXT).min(line_end);
    while from > line_start && (data[from] as i8) < -0x40 {
        from -= 1;
    }
    while to < line_end && (data[to] as i8) < -0x40 {
        to += 1;
    }
    // Widen to whole secrets so none is cut in half (a half key is still half a key). `all` is
    // sorted and its spans are disjoint, so ends are sorted too and a binary search finds the
    // one secret that can straddle each edge: a blob with many secrets stays linear.
    if let Some(o) = all.get(all.partition_point(|o| o.end <= from)) {
        if o.start < from {
            from = o.start;
        }
    }
    if let Some(o) = all.get(all.partition_point(|o| o.end <= to)) {
        if o.start < to {
            to = o.end;
        }
    }
    let mut redacted = String::new();
    let mut raw = String::new();
    if from > line_start {
        redacted.push('…');
        raw.push('…');
    }
    let mut pos = from;
    let first = all.partition_point(|o| o.start < from);
    for o in all[first..].iter().take_while(|o| o.end <= to) {
        let before = clean(&data[pos..o.start]);
        redacted.push_str(&before);
        raw.push_str(&before);
        let secret = String::from_utf8_lossy(&data[o.start..o.end]);
        redacted.push_str(&redact(&secret));
        raw.push_str(&secret);
        pos = o.end;
    }
    let after = clean(&data[pos..to]);
    redacted.push_str(&after);
    raw.push_str(&after);
    if to < line_end {
        redacted.push('…');
        raw.push('…');
    }
    (redacted.trim().to_string(), raw.trim().to_string())
}

/// Redacts in every snippet the copies of a blob's secrets that no rule matched where they sit
/// (the plain text of a key found encoded or split elsewhere on the line): snippets redact
/// matches, and such a copy is not one. Secrets under 8 characters are left alone, as `redact`
/// hides all of them anyway and short text would match too often.
fn redact_copies(found: &mut [Finding]) {
    let mut secrets: Vec<String> = found
        .iter()
        .filter(|f| f.kind == FindingKind::Secret && f.secret.expose().chars().count() >= 8)
        .map(|f| f.secret.expose().to_string())
        .collect();
    if secrets.is_empty() {
        return;
    }
    secrets.sort_unstable();
    secrets.dedup();
    let Ok(copies) = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&secrets)
    else {
        return;
    };
    for f in found {
        if copies.is_match(&f.snippet) {
            let mut snippet = String::with_capacity(f.snippet.len());
            copies.replace_all_with(&f.snippet, &mut snippet, |m, _, out| {
                out.push_str(&redact(&secrets[m.pattern()]));
                true
            });
            f.snippet = snippet;
        }
    }
}

/// Lossy UTF-8 with control characters (tabs, carriage returns, escapes) shown as spaces.
fn clean(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_copy_of_a_secret_found_split_is_redacted_in_the_snippet() {
        // Found by fuzzing (detect_blob): a Mistral key found joined from two literals, whose
        // plain text no rule matched at the start of the line, printed in full in the snippet.
        let key = crate::rules::template::expand("{alnum:32}", 7);
        let (a, b) = key.split_at(8);
        let data = format!("{key}const k = \"MISTRAL_API_KEY={a}\" +\n  \"{b}\";\n");
        let detector = Detector::new(
            &RuleSet::builtin().unwrap(),
            DetectOptions {
                min_confidence: Confidence::Low,
            },
        )
        .unwrap();
        let found = detector.scan_blob(&Blob {
            path: "src/app.js",
            origin: &Origin::File,
            data: data.as_bytes(),
        });
        assert!(found.iter().any(|f| f.secret.expose() == key));
        for f in &found {
            assert!(!f.snippet.contains(&key), "{}", f.snippet);
        }
    }

    #[test]
    fn keys_in_names_are_redacted_and_other_text_is_left_alone() {
        let key = crate::rules::template::expand("sk-ant-api03-{b64url:93}AA", 3);
        let high = Detector::new(
            &RuleSet::builtin().unwrap(),
            DetectOptions {
                min_confidence: Confidence::High,
            },
        )
        .unwrap();
        let path = format!("é/{key}/settings.py: skipped, fifo");
        let shown = high.redact_text(&path);
        assert_eq!(
            shown,
            format!("é/{}/settings.py: skipped, fifo", redact(&key))
        );
        // Twice in one text, and a key only a rule below the threshold matches.
        let mistral = crate::rules::template::expand("{alnum:32}", 4);
        let text = format!("{key} {key} MISTRAL_API_KEY={mistral}");
        let shown = high.redact_text(&text);
        assert!(
            !shown.contains(&key) && !shown.contains(&mistral),
            "{shown}"
        );
        let plain = "src/components/Chat.tsx";
        assert!(matches!(high.redact_text(plain), Cow::Borrowed(p) if p == plain));
    }

    /// Every rule's examples, plain and base64-encoded, give the same findings whether the
    /// keywords and the base64 needles are searched in one pass or in two.
    #[test]
    fn one_shared_keyword_pass_finds_what_two_passes_find() {
        use base64::Engine as _;
        let mut set = RuleSet::builtin().unwrap();
        // Few enough providers for one Teddy pass (with the vectorscan feature, any number).
        let providers = ["openai", "anthropic", "groq", "huggingface", "google"];
        set.rules
            .retain(|r| providers.contains(&r.provider.as_str()));
        let options = DetectOptions {
            min_confidence: Confidence::Low,
        };
        let shared = Detector::new(&set, options.clone()).unwrap();
        let mut separate = Detector::new(&set, options).unwrap();
        separate.shared = OnceLock::from(None);
        let mut text = String::new();
        for (i, rule) in set.rules.iter().enumerate() {
            for example in &rule.examples {
                let line = crate::rules::template::expand(example, i as u64);
                let encoded = base64::engine::general_purpose::STANDARD.encode(&line);
                text.push_str(&format!("{line}\nvalue: {encoded}\n"));
            }
        }
        let findings = |d: &Detector| -> Vec<(String, usize, String, Option<String>)> {
            d.scan_blob(&Blob {
                path: "config.yaml",
                origin: &Origin::File,
                data: text.as_bytes(),
            })
            .into_iter()
            .map(|f| (f.rule_id, f.offset, f.secret_sha256, f.decoded))
            .collect()
        };
        let found = findings(&shared);
        assert!(
            matches!(shared.shared.get(), Some(Some(_))),
            "these rules' keywords and needles fit one pass"
        );
        assert!(found.iter().any(|f| f.3.as_deref() == Some("base64")));
        assert_eq!(found, findings(&separate));
    }

    #[test]
    fn snippet_redacts_every_secret_on_the_line_and_cuts_none() {
        let s1 = "Q1w2E3r4T5y6U7i8O9p0";
        let s2 = "Z1x2C3v4B5n6M7a8S9d0";
        let s3 = "L1k2J3h4G5f6D7s8A9q0";
        // s1 at 100..120; s2 inside the context after it; s3 straddles the context's end.
        let line = format!(
            "{}{s1} {s2}{}{s3}{}",
            "x".repeat(100),
            "-".repeat(29),
            "y".repeat(100)
        );
        let at = |sec: &str| {
            let start = line.find(sec).unwrap();
            RawMatch {
                rule: 0,
                start,
                end: start + sec.len(),
                confidence: Confidence::High,
                note: None,
            }
        };
        let all = [at(s1), at(s2), at(s3)];
        assert!(
            all[2].start < all[0].end + SNIPPET_CONTEXT
                && all[2].end > all[0].end + SNIPPET_CONTEXT
        );
        let (redacted, raw) = snippet(line.as_bytes(), &all[0], &all, 0, line.len());
        for sec in [s1, s2, s3] {
            assert!(!redacted.contains(sec));
            assert!(redacted.contains(&redact(sec)));
            assert!(raw.contains(sec));
        }
        assert!(raw.starts_with('…') && raw.ends_with(&format!("{s3}…")));
    }

    #[test]
    fn a_position_inside_a_character_does_not_skew_the_next_column() {
        let data = "a€b".as_bytes();
        let mut lc = LineCounter::new(data);
        lc.position(2);
        // Counted from the line start, `a€` is two characters, so `b` is in column 3.
        assert_eq!(lc.position(4), (1, 3));
    }

    #[test]
    fn positions_asked_in_order_on_one_line_count_on_from_the_last() {
        let data = "é1é2é3\nab".as_bytes();
        let mut lc = LineCounter::new(data);
        let at = |c: u8| data.iter().position(|&b| b == c).unwrap();
        assert_eq!(lc.position(at(b'1')), (1, 2));
        assert_eq!(lc.position(at(b'3')), (1, 6));
        assert_eq!(lc.line_end(), at(b'\n'));
        assert_eq!(lc.position(at(b'b')), (2, 2));
        assert_eq!(lc.line_end(), data.len());
        // Going back starts over.
        assert_eq!(lc.position(at(b'2')), (1, 4));
    }

    #[test]
    fn positions_are_one_based_and_count_code_points() {
        let data = "ab\nçé x\n".as_bytes();
        let mut lc = LineCounter::new(data);
        assert_eq!(lc.position(0), (1, 1));
        let x = data.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(lc.position(x), (2, 4));
    }

    #[test]
    fn every_invalid_byte_is_one_column() {
        // A lone continuation byte, a truncated sequence, and a lead byte before ASCII.
        assert_eq!(count_chars(b"\x93ab"), 3);
        assert_eq!(count_chars(b"\xe2\x82x"), 3);
        assert_eq!(count_chars(b"\xc3\xa9\xe9 "), 3);
        assert_eq!(count_chars("🔑ok".as_bytes()), 3);
    }
}
