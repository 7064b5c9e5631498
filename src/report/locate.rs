//! Where a finding's file is, seen from the working directory. SARIF and GitHub annotations both
//! need paths relative to the checkout a CI job runs in, not to the folder that was scanned
//! (`keyhound scan web/` from the repository root must say `web/app.js`).

use std::path::{Path, PathBuf};

/// Turns finding paths (relative to the scanned root) into paths relative to a base directory.
pub struct Locator {
    /// The scanned root, when findings' paths are relative to it.
    root: Option<PathBuf>,
    /// The directory paths are made relative to, absolute.
    pub base: Option<PathBuf>,
}

impl Locator {
    pub fn new(root: Option<&Path>, base: Option<&Path>) -> Self {
        // Both sides canonical, so a symlinked working directory still matches the root.
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let root = root.map(canon);
        let base = base.map(canon).or_else(|| root.clone());
        Locator { root, base }
    }

    /// Relative to the current working directory.
    pub fn from_working_dir(root: Option<&Path>) -> Self {
        Locator::new(root, std::env::current_dir().ok().as_deref())
    }

    /// The file's absolute path, when it can be known.
    pub fn absolute(&self, path: &str) -> Option<PathBuf> {
        let p = Path::new(path);
        if p.is_absolute() {
            Some(p.to_path_buf())
        } else {
            self.root.as_ref().map(|r| r.join(p))
        }
    }

    /// `/`-separated and relative to the base, when the file lies under it.
    pub fn relative(&self, path: &str) -> Option<String> {
        let abs = self.absolute(path)?;
        let rel = abs.strip_prefix(self.base.as_ref()?).ok()?;
        let s = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        (!s.is_empty()).then_some(s)
    }
}
