//! Writes the seed corpus of the `detect_blob` target into `corpus/detect_blob/` (or the directory
//! given): every built-in rule's examples expanded from their templates, and the first example of
//! each rule hidden every way keyhound decodes (JSON escapes, percent, base64, joined literals,
//! UTF-16) and placed where exposure classification looks (notebook cells, source maps, `.env`).
//! The keys are generated at run time, so no key in a real format is ever committed; the
//! generated files are git-ignored (`gen-*`).

use std::{fs, path::PathBuf};

use base64::Engine as _;
use keyhound::rules::{template, RuleSet};

/// The first byte of a `detect_blob` input picks the path (low nibble, see the target's `PATHS`)
/// and the confidence threshold (high nibble, mod 3).
const JS: u8 = 0x00;
const MAP: u8 = 0x03;
const NOTEBOOK: u8 = 0x04;
const ENV_LOCAL: u8 = 0x05;
const PY_MEDIUM: u8 = 0x17;
const CHUNK_HIGH: u8 = 0x2f;

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("corpus/detect_blob"), PathBuf::from);
    fs::create_dir_all(&dir)?;
    let rules = RuleSet::builtin().expect("built-in rules load");
    let mut n = 0;
    let mut write = |head: u8, body: &[u8]| -> std::io::Result<()> {
        let mut data = vec![head];
        data.extend_from_slice(body);
        n += 1;
        fs::write(dir.join(format!("gen-{n:04}")), data)
    };
    for (r, rule) in rules.rules.iter().enumerate() {
        for (e, example) in rule.examples.iter().enumerate() {
            let text = template::expand(example, (r * 100 + e) as u64);
            write(JS, text.as_bytes())?;
        }
        let Some(example) = rule.examples.first() else {
            continue;
        };
        let key = template::expand(example, r as u64);
        let b = key.as_bytes();
        let json: String = key
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        write(JS, format!("const k = \"{json}\";\n").as_bytes())?;
        let pct: String = b.iter().map(|c| format!("%{c:02X}")).collect();
        write(PY_MEDIUM, format!("GET /?key={pct} HTTP/1.1\n").as_bytes())?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(b);
        write(CHUNK_HIGH, format!("atob(\"{b64}\")\n").as_bytes())?;
        let (l, rest) = key.split_at(key.len() / 2);
        write(
            JS,
            format!("const k = \"{l}\" +\n  \"{rest}\";\n").as_bytes(),
        )?;
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend(key.encode_utf16().flat_map(u16::to_le_bytes));
        write(JS, &utf16)?;
        let cell = serde_escape(&key);
        write(
            NOTEBOOK,
            format!(
                "{{\"cells\":[{{\"cell_type\":\"markdown\",\"source\":[\"# x\"]}},\
                 {{\"cell_type\":\"code\",\"source\":[\"k = \\\"{cell}\\\"\\n\"]}}]}}"
            )
            .as_bytes(),
        )?;
        write(
            MAP,
            format!(
                "{{\"version\":3,\"sources\":[\"src/a.ts\"],\
                 \"sourcesContent\":[\"import x;\\nconst k = \\\"{cell}\\\";\"],\"mappings\":\"AAAA\"}}"
            )
            .as_bytes(),
        )?;
        write(
            ENV_LOCAL,
            format!("NEXT_PUBLIC_OPENAI_API_KEY={key}\n").as_bytes(),
        )?;
    }
    // Exposures without any key.
    write(JS, b"new OpenAI({ apiKey: process.env.NEXT_PUBLIC_OPENAI_API_KEY, dangerouslyAllowBrowser: true })\n")?;
    write(ENV_LOCAL, b"VITE_ANTHROPIC_API_KEY=changeme\n")?;
    println!("{n} seeds in {}", dir.display());
    Ok(())
}

/// A key as it sits inside a JSON string (keys only hold characters that need no escape but `\`
/// and `"`, which no key holds; kept for safety).
fn serde_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
