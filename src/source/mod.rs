//! Sources: where bytes come from. Each source walks its inputs and hands every blob to a sink
//! closure; it never looks at the contents beyond what is needed to skip binary data.

pub mod archive;
pub mod fs;
pub mod git;
pub mod staged;

use crate::finding::{Origin, ScanStats};
use crate::{detect::Blob, diag::Diagnostics};

/// Bytes in the head of a blob that are checked for NUL to call it binary.
pub const BINARY_PROBE: usize = 8 * 1024;

/// Whether content is binary (a NUL byte near its start), as git and ripgrep judge it. UTF-16
/// text is full of NULs but is text: detection transcodes it.
pub fn is_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(BINARY_PROBE)]).is_some()
        && crate::detect::decode::utf16::sniff(data).is_none()
}

/// Opens `path` for reading without waiting, and its metadata: a FIFO found where a file was
/// (or that replaced it since it was listed) would otherwise wait for a writer. Callers read only
/// what the metadata says is a regular file.
pub fn open_no_wait(path: &std::path::Path) -> std::io::Result<(std::fs::File, std::fs::Metadata)> {
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut open, libc::O_NONBLOCK);
    let file = open.open(path)?;
    let meta = file.metadata()?;
    Ok((file, meta))
}

/// Reads a small file that must be a regular file of at most `max` bytes: opened without waiting
/// (a FIFO would wait for a writer) and refused unless regular (`/dev/zero` never ends).
pub fn read_regular(path: &std::path::Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let (file, meta) = open_no_wait(path)?;
    if !meta.is_file() || meta.len() > max {
        return Err(std::io::Error::other(format!(
            "not a regular file of at most {max} bytes"
        )));
    }
    let mut data = Vec::with_capacity(meta.len() as usize);
    file.take(max).read_to_end(&mut data)?;
    Ok(data)
}

/// Reads standard input whole and hands it to `sink` as one blob named `<stdin>`.
pub fn scan_stdin(stats: &ScanStats, diag: &Diagnostics, sink: &(dyn Fn(&Blob<'_>) + Sync)) {
    use std::io::Read;
    let mut data = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut data) {
        diag.error("<stdin>", e);
        return;
    }
    if is_binary(&data) {
        ScanStats::add(&stats.skipped_binary, 1);
        return;
    }
    ScanStats::add(&stats.files_scanned, 1);
    ScanStats::add(&stats.bytes_scanned, data.len() as u64);
    sink(&Blob {
        path: "<stdin>",
        origin: &Origin::Stdin,
        data: &data,
    });
}
