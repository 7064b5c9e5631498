//! The on-disk cache of verdicts, so a key is not asked about again within a day. Keyed by the
//! secret's SHA-256, never the secret; only definitive verdicts (active, inactive) are kept.

use std::{
    collections::HashMap,
    io::Write,
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use serde::{Deserialize, Serialize};

use crate::finding::Validation;

/// How long a verdict is trusted.
pub const TTL: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    version: u32,
    /// By `secret_sha256`.
    entries: HashMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    status: String,
    detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identity: Option<String>,
    checked_at: String,
    /// Seconds since the Unix epoch, for the TTL.
    stored: u64,
}

pub struct Cache {
    path: PathBuf,
    loaded: File,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Cache {
    /// Reads the cache; a missing or unreadable file is an empty cache.
    pub fn open(path: PathBuf) -> Cache {
        let loaded = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<File>(&b).ok())
            .filter(|f| f.version == 1)
            .unwrap_or_default();
        Cache { path, loaded }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A verdict younger than the TTL.
    pub fn get(&self, sha256: &str) -> Option<Validation> {
        let e = self.loaded.entries.get(sha256)?;
        let age = unix_now().saturating_sub(e.stored);
        (age < TTL.as_secs()).then(|| Validation {
            status: e.status.clone(),
            detail: format!("{} (cached)", e.detail),
            identity: e.identity.clone(),
            checked_at: e.checked_at.clone(),
        })
    }

    /// Adds verdicts and rewrites the file (re-reading it first, so parallel runs lose little),
    /// dropping expired entries. Written to a temporary file and renamed into place.
    pub fn store(&self, fresh: &[&(String, Validation)]) -> std::io::Result<()> {
        let mut file = Cache::open(self.path.clone()).loaded;
        file.version = 1;
        let now = unix_now();
        file.entries
            .retain(|_, e| now.saturating_sub(e.stored) < TTL.as_secs());
        for (sha, v) in fresh {
            file.entries.insert(
                sha.clone(),
                Entry {
                    status: v.status.clone(),
                    detail: v.detail.clone(),
                    identity: v.identity.clone(),
                    checked_at: v.checked_at.clone(),
                    stored: now,
                },
            );
        }
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".validation.{}.tmp", std::process::id()));
        {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp)?;
            f.write_all(&serde_json::to_vec_pretty(&file)?)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_verdicts_come_back_until_they_expire() {
        let dir = std::env::temp_dir().join(format!("kh-cache-test-{}", std::process::id()));
        let path = dir.join("validation.json");
        let cache = Cache::open(path.clone());
        let v = Validation {
            status: "inactive".into(),
            detail: "revoked".into(),
            identity: None,
            checked_at: "2026-01-01T00:00:00Z".into(),
        };
        cache.store(&[&("abc".to_string(), v)]).unwrap();
        let again = Cache::open(path.clone());
        assert_eq!(again.get("abc").unwrap().status, "inactive");
        assert!(again.get("def").is_none());

        let mut old = again.loaded;
        old.entries.get_mut("abc").unwrap().stored -= TTL.as_secs() + 1;
        std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();
        assert!(Cache::open(path).get("abc").is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
