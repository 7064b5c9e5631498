//! `keyhound hook install|uninstall`: a plain git pre-commit hook that runs the staged scan, for
//! people who do not use the pre-commit framework. It goes where git looks for hooks (honouring
//! `core.hooksPath`), never replaces a hook it did not write unless forced, and removes only its
//! own.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::cli::HookCommand;

/// The line that marks a hook as keyhound's own.
pub const MARKER: &str = "# keyhound pre-commit hook";

pub fn run(command: HookCommand) -> Result<u8> {
    match command {
        HookCommand::Install { force, repo } => install(&repo, force),
        HookCommand::Uninstall { repo } => uninstall(&repo),
    }
}

/// Where git runs the pre-commit hook of the repository around `dir`.
pub fn hook_path(dir: &Path) -> Result<PathBuf> {
    let repo = git2::Repository::discover(dir)
        .with_context(|| format!("{}: not inside a git repository", dir.display()))?;
    let configured = repo
        .config()
        .and_then(|c| c.get_path("core.hooksPath"))
        .ok();
    let hooks = match configured {
        // Relative hook paths are relative to where hooks run: the work tree root.
        Some(p) if p.is_relative() => repo.workdir().unwrap_or_else(|| repo.path()).join(p),
        Some(p) => p,
        // Linked worktrees share the hooks of the main repository.
        None => repo.commondir().join("hooks"),
    };
    Ok(hooks.join("pre-commit"))
}

fn script() -> String {
    let fallback = std::env::current_exe()
        .ok()
        .map(|p| p.display().to_string().replace('\'', "'\\''"))
        .unwrap_or_else(|| "keyhound".into());
    format!(
        "#!/bin/sh\n\
         {MARKER} (written by `keyhound hook install`; `keyhound hook uninstall` removes it).\n\
         # Blocks a commit that adds an API key. To commit anyway: git commit --no-verify\n\
         if command -v keyhound >/dev/null 2>&1; then\n  \
           exec keyhound scan --staged\n\
         fi\n\
         exec '{fallback}' scan --staged\n"
    )
}

fn is_ours(path: &Path) -> bool {
    std::fs::read(path)
        .map(|b| memchr::memmem::find(&b, MARKER.as_bytes()).is_some())
        .unwrap_or(false)
}

fn install(dir: &Path, force: bool) -> Result<u8> {
    let path = hook_path(dir)?;
    if path.exists() && !is_ours(&path) {
        if !force {
            bail!(
                "{} already exists and keyhound did not write it; add `keyhound scan --staged` to \
                 it yourself, or replace it with `keyhound hook install --force` (it is kept as \
                 pre-commit.keyhound-backup)",
                path.display()
            );
        }
        let backup = path.with_file_name("pre-commit.keyhound-backup");
        std::fs::rename(&path, &backup)
            .with_context(|| format!("cannot move {} aside", path.display()))?;
        eprintln!("keyhound: moved the old hook to {}", backup.display());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&path, script()).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    println!(
        "Installed {}: each commit now runs `keyhound scan --staged`.",
        path.display()
    );
    Ok(0)
}

fn uninstall(dir: &Path) -> Result<u8> {
    let path = hook_path(dir)?;
    if !path.exists() {
        println!(
            "No pre-commit hook at {}: nothing to remove.",
            path.display()
        );
        return Ok(0);
    }
    if !is_ours(&path) {
        bail!(
            "{} was not written by keyhound; leaving it alone",
            path.display()
        );
    }
    std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    println!("Removed {}.", path.display());
    Ok(0)
}
