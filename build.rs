//! Embeds every `rules/*.toml` into the binary, so adding a provider is adding a file.

use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("rules/ directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("/// (file name, contents) of every built-in rule file.\npub static BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        let abs = fs::canonicalize(f).unwrap();
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_rules.rs");
    fs::write(dest, out).unwrap();
}
