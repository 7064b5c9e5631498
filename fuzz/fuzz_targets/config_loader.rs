//! The config loader: `.keyhound.toml` text as a scanned repository may hold it. A config that
//! parses then answers exclusion questions for a few paths, some taken from the input.
#![no_main]

use std::path::Path;

use keyhound::triage::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let Ok(config) = Config::parse(Path::new("/repo/.keyhound.toml"), text) else {
        return;
    };
    for path in ["src/app.js", "./dist/x.js", "", "a/b/c/d.txt"]
        .into_iter()
        .chain(text.lines().take(8))
    {
        let _ = config.excluded(path);
    }
    for file in &config.rule_files {
        assert!(
            file.starts_with("/repo")
                && !file
                    .components()
                    .any(|c| c == std::path::Component::ParentDir),
            "rule files stay inside the config's directory"
        );
    }
});
