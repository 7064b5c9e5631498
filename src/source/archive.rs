//! Archives: members of zip-family files (zip, jar, war, ear, apk, aab, aar, ipa, whl, crx, xpi)
//! and tarballs (tar, tar.gz, tgz: npm packages) become blobs named `outer!/inner`, nested
//! archives too (`app.war!/WEB-INF/lib/x.jar!/config.properties`). Limits on depth, member count,
//! total inflated size and compression ratio refuse zip bombs with a warning.

use std::io::{Cursor, Read};

use super::is_binary;
use crate::{
    detect::Blob,
    diag::Diagnostics,
    finding::{Origin, ScanStats},
};

/// Bounds on what one archive (with everything nested in it) may make keyhound read.
#[derive(Debug, Clone)]
pub struct ArchiveLimits {
    /// Archives inside archives, counting the outer one as 1.
    pub max_depth: usize,
    /// Members over all nesting levels.
    pub max_entries: usize,
    /// Inflated bytes over all nesting levels.
    pub max_total: u64,
    /// Largest member read (larger ones are skipped, like large files).
    pub max_member: u64,
    /// Largest inflated-to-compressed ratio of a member (or of a whole .tar.gz) that is not
    /// called a zip bomb, for members over `RATIO_FLOOR` bytes.
    pub max_ratio: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_depth: 3,
            max_entries: 100_000,
            max_total: 1 << 30,
            max_member: 64 << 20,
            max_ratio: 200,
        }
    }
}

/// Members smaller than this are never called bombs: small text compresses very well too.
const RATIO_FLOOR: u64 = 1 << 20;

/// The kind of archive a name says, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Crx,
    Tar,
    TarGz,
}

pub fn kind_of(name: &str) -> Option<Kind> {
    // Called for every file of a walk: compare in place rather than lowercase a copy.
    let file = name.rsplit('/').next().unwrap_or(name);
    let (stem, ext) = file.rsplit_once('.')?;
    let is = |e: &str| ext.eq_ignore_ascii_case(e);
    const ZIP: &[&str] = &[
        "zip", "jar", "war", "ear", "apk", "aab", "aar", "ipa", "whl", "xpi", "nupkg", "vsix",
    ];
    if ZIP.iter().any(|e| is(e)) {
        Some(Kind::Zip)
    } else if is("crx") {
        Some(Kind::Crx)
    } else if is("tar") {
        Some(Kind::Tar)
    } else if is("tgz")
        || (is("gz")
            && stem.len() >= 4
            && stem.as_bytes()[stem.len() - 4..].eq_ignore_ascii_case(b".tar"))
    {
        Some(Kind::TarGz)
    } else {
        None
    }
}

/// Why an archive was not read (in full).
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("refused: a member inflates {ratio}× (over the limit of {limit}×), likely a zip bomb")]
    Bomb { ratio: u64, limit: u64 },
    #[error("stopped: more than {0} members")]
    TooManyEntries(usize),
    #[error("stopped: more than {0} bytes inflated")]
    TooLarge(u64),
    #[error("cannot read archive: {0}")]
    Corrupt(String),
}

/// Reads one archive and hands every text member to `sink`.
pub struct ArchiveScanner<'a> {
    pub limits: &'a ArchiveLimits,
    pub stats: &'a ScanStats,
    pub diag: &'a Diagnostics,
    pub sink: &'a (dyn Fn(&Blob<'_>) + Sync),
}

struct Budget {
    entries: usize,
    bytes: u64,
}

impl ArchiveScanner<'_> {
    /// Scans the archive `data`, shown as `name`, of the given kind.
    pub fn scan(&self, name: &str, data: &[u8], kind: Kind) {
        let mut budget = Budget {
            entries: 0,
            bytes: 0,
        };
        self.scan_nested(name, data, kind, 1, &mut budget);
    }

    fn scan_nested(&self, name: &str, data: &[u8], kind: Kind, depth: usize, budget: &mut Budget) {
        let result = match kind {
            Kind::Zip => self.zip(name, data, depth, budget),
            Kind::Crx => match crx_payload(data) {
                Some(zip) => self.zip(name, zip, depth, budget),
                None => Err(Refused::Corrupt("not a CRX file".into())),
            },
            Kind::Tar => self.tar(name, data, depth, budget),
            Kind::TarGz => {
                let gz = flate2::read::GzDecoder::new(data);
                let limit = self.ratio_limit(data.len() as u64);
                let mut counted = Counted {
                    inner: gz,
                    read: 0,
                    limit,
                };
                let r = self.tar(name, &mut counted, depth, budget);
                if counted.read > limit {
                    Err(Refused::Bomb {
                        ratio: counted.read / (data.len() as u64).max(1),
                        limit: self.limits.max_ratio,
                    })
                } else {
                    r
                }
            }
        };
        match result {
            Ok(()) => {}
            Err(e @ Refused::Corrupt(_)) => self.diag.error(name, e),
            Err(e) => self.diag.warn(format_args!("{name}: {e}")),
        }
    }

    /// Most bytes that `compressed` bytes may inflate to.
    fn ratio_limit(&self, compressed: u64) -> u64 {
        compressed
            .saturating_mul(self.limits.max_ratio)
            .max(RATIO_FLOOR)
    }

    fn zip(
        &self,
        name: &str,
        data: &[u8],
        depth: usize,
        budget: &mut Budget,
    ) -> Result<(), Refused> {
        let mut zip =
            zip::ZipArchive::new(Cursor::new(data)).map_err(|e| Refused::Corrupt(e.to_string()))?;
        for i in 0..zip.len() {
            let mut entry = match zip.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.diag.error(format_args!("{name}!/#{i}"), e);
                    continue;
                }
            };
            if !entry.is_file() {
                continue;
            }
            let inner = format!("{name}!/{}", entry.name().trim_start_matches('/'));
            let declared = entry.size();
            let compressed = entry.compressed_size();
            let limit = self.ratio_limit(compressed);
            if declared > limit {
                return Err(Refused::Bomb {
                    ratio: declared / compressed.max(1),
                    limit: self.limits.max_ratio,
                });
            }
            self.count_entry(budget)?;
            if declared > self.limits.max_member {
                ScanStats::add(&self.stats.skipped_too_large, 1);
                continue;
            }
            let mut buf = Vec::new();
            // Declared sizes can lie: read at most what the limits allow and judge what came.
            let cap = limit.min(self.limits.max_member) + 1;
            if let Err(e) = (&mut entry).take(cap).read_to_end(&mut buf) {
                self.diag.error(&inner, e);
                continue;
            }
            if buf.len() as u64 > limit {
                return Err(Refused::Bomb {
                    ratio: buf.len() as u64 / compressed.max(1),
                    limit: self.limits.max_ratio,
                });
            }
            if buf.len() as u64 > self.limits.max_member {
                ScanStats::add(&self.stats.skipped_too_large, 1);
                continue;
            }
            drop(entry);
            self.member(&inner, &buf, depth, budget)?;
        }
        Ok(())
    }

    fn tar(
        &self,
        name: &str,
        reader: impl Read,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<(), Refused> {
        let mut tar = tar::Archive::new(reader);
        let entries = tar.entries().map_err(|e| Refused::Corrupt(e.to_string()))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| Refused::Corrupt(e.to_string()))?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let inner = match entry.path() {
                Ok(p) => format!("{name}!/{}", p.to_string_lossy().trim_start_matches("./")),
                Err(e) => {
                    self.diag.error(format_args!("{name}!/?"), e);
                    continue;
                }
            };
            self.count_entry(budget)?;
            let size = entry.size();
            if size > self.limits.max_member {
                ScanStats::add(&self.stats.skipped_too_large, 1);
                continue;
            }
            let mut buf = Vec::with_capacity(size as usize);
            if let Err(e) = (&mut entry).take(size).read_to_end(&mut buf) {
                return Err(Refused::Corrupt(format!("{inner}: {e}")));
            }
            self.member(&inner, &buf, depth, budget)?;
        }
        Ok(())
    }

    fn count_entry(&self, budget: &mut Budget) -> Result<(), Refused> {
        budget.entries += 1;
        if budget.entries > self.limits.max_entries {
            return Err(Refused::TooManyEntries(self.limits.max_entries));
        }
        Ok(())
    }

    fn member(
        &self,
        inner: &str,
        data: &[u8],
        depth: usize,
        budget: &mut Budget,
    ) -> Result<(), Refused> {
        budget.bytes += data.len() as u64;
        if budget.bytes > self.limits.max_total {
            return Err(Refused::TooLarge(self.limits.max_total));
        }
        if let Some(kind) = kind_of(inner) {
            if depth < self.limits.max_depth {
                self.scan_nested(inner, data, kind, depth + 1, budget);
            } else {
                self.diag.warn(format_args!(
                    "{inner}: skipped, archives nested deeper than {} levels",
                    self.limits.max_depth
                ));
            }
            return Ok(());
        }
        if is_binary(data) {
            ScanStats::add(&self.stats.skipped_binary, 1);
            return Ok(());
        }
        ScanStats::add(&self.stats.files_scanned, 1);
        ScanStats::add(&self.stats.bytes_scanned, data.len() as u64);
        (self.sink)(&Blob {
            path: inner,
            origin: &Origin::File,
            data,
        });
        Ok(())
    }
}

/// The zip inside a Chrome extension package (CRX2 or CRX3 header).
fn crx_payload(data: &[u8]) -> Option<&[u8]> {
    let u32_at = |i: usize| -> Option<usize> {
        Some(u32::from_le_bytes(data.get(i..i + 4)?.try_into().ok()?) as usize)
    };
    if data.get(..4)? != b"Cr24" {
        // Some stores serve plain zips under the .crx name.
        return Some(data);
    }
    let start = match u32_at(4)? {
        2 => 16 + u32_at(8)? + u32_at(12)?,
        3 => 12 + u32_at(8)?,
        _ => return None,
    };
    data.get(start..)
}

/// A reader that counts what it inflated and stops at a limit (the gzip ratio check).
struct Counted<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read > self.limit {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_kinds_come_from_the_name() {
        assert_eq!(kind_of("dist/app.apk"), Some(Kind::Zip));
        assert_eq!(kind_of("x.WHL"), Some(Kind::Zip));
        assert_eq!(kind_of("pkg-1.0.0.tgz"), Some(Kind::TarGz));
        assert_eq!(kind_of("a/b.tar.gz"), Some(Kind::TarGz));
        assert_eq!(kind_of("logs.gz"), None);
        assert_eq!(kind_of("BACKUP.TAR.GZ"), Some(Kind::TarGz));
        assert_eq!(kind_of("a.tar/logs.gz"), None);
        assert_eq!(kind_of("ext.crx"), Some(Kind::Crx));
        assert_eq!(kind_of("README"), None);
    }

    #[test]
    fn crx3_headers_are_skipped() {
        let mut data = b"Cr24".to_vec();
        data.extend(3u32.to_le_bytes());
        data.extend(5u32.to_le_bytes());
        data.extend(b"HEADEPK..");
        assert_eq!(crx_payload(&data), Some(&b"PK.."[..]));
    }
}
