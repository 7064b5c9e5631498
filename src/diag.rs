//! Diagnostics: the one place where warnings about skipped or unreadable inputs are printed (to
//! stderr) and counted, so the summary and the exit code can say what happened.

use std::{
    fmt::Display,
    io::Write,
    sync::atomic::{AtomicU64, Ordering},
};

/// Collects warnings from every thread of a scan.
#[derive(Debug, Default)]
pub struct Diagnostics {
    quiet: bool,
    warnings: AtomicU64,
    errors: AtomicU64,
}

impl Diagnostics {
    pub fn new(quiet: bool) -> Self {
        Diagnostics {
            quiet,
            ..Default::default()
        }
    }

    /// Something was passed over on purpose or could not be used, but nothing was lost.
    pub fn warn(&self, message: impl Display) {
        self.warnings.fetch_add(1, Ordering::Relaxed);
        self.print(message);
    }

    /// An input could not be read: the scan is incomplete, which the exit code reports.
    pub fn error(&self, what: impl Display, err: impl Display) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.print(format_args!("{what}: {err}"));
    }

    fn print(&self, message: impl Display) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "keyhound: warning: {message}");
        }
    }

    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    pub fn warnings(&self) -> u64 {
        self.warnings.load(Ordering::Relaxed)
    }
}
