//! Diagnostics: the one place where warnings about skipped or unreadable inputs are printed (to
//! stderr) and counted, so the summary and the exit code can say what happened.

use std::{
    fmt::Display,
    io::Write,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, OnceLock,
    },
};

/// Hides keys in text before it is printed (the detector, once a scan has one).
pub trait Redact: Send + Sync {
    fn redact(&self, text: &str) -> String;
}

/// Collects warnings from every thread of a scan.
#[derive(Default)]
pub struct Diagnostics {
    quiet: bool,
    warnings: AtomicU64,
    errors: AtomicU64,
    /// Warnings quote paths and names from the scanned input, which may hold a key.
    redactor: OnceLock<Arc<dyn Redact>>,
}

impl std::fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diagnostics")
            .field("quiet", &self.quiet)
            .field("warnings", &self.warnings)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
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

    /// From now on, every warning goes through `redactor` before it is printed. The first one
    /// set stays.
    pub fn set_redactor(&self, redactor: Arc<dyn Redact>) {
        let _ = self.redactor.set(redactor);
    }

    fn print(&self, message: impl Display) {
        if self.quiet {
            return;
        }
        let mut message = message.to_string();
        if let Some(r) = self.redactor.get() {
            message = r.redact(&message);
        }
        let _ = writeln!(std::io::stderr().lock(), "keyhound: warning: {message}");
    }

    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    pub fn warnings(&self) -> u64 {
        self.warnings.load(Ordering::Relaxed)
    }
}

/// Whether a panic may print its message: only when the user asked to see secrets.
static SHOW_PANIC_MESSAGES: AtomicBool = AtomicBool::new(false);

/// Lets panics print their messages (`--show-secrets`), or not.
pub fn show_panic_messages(show: bool) {
    SHOW_PANIC_MESSAGES.store(show, Ordering::Relaxed);
}

/// Replaces the default panic hook: a panic message may quote scanned text (the standard
/// library's own `byte index 7 is not a char boundary ... of `<the string>`` does), so it is
/// printed only with `--show-secrets`; otherwise only where keyhound failed.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if SHOW_PANIC_MESSAGES.load(Ordering::Relaxed) {
            default(info);
            return;
        }
        let location = info.location().map(|l| l.to_string());
        let _ = writeln!(
            std::io::stderr().lock(),
            "{}",
            panic_text(location.as_deref(), &payload_text(info.payload()), false)
        );
    }));
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// What keyhound prints when it panics: the message only when `show` (it may hold a secret).
pub fn panic_text(location: Option<&str>, message: &str, show: bool) -> String {
    let at = location.map(|l| format!(" at {l}")).unwrap_or_default();
    if show {
        format!("keyhound: internal error{at}: {message}")
    } else {
        format!(
            "keyhound: internal error{at}. This is a bug in keyhound: please report it at \
             https://github.com/keyhound/keyhound/issues. Its message is not shown because it \
             may quote scanned text; run again with --show-secrets to see it."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_message_is_withheld_unless_secrets_may_be_shown() {
        let message = "byte index 9 is not a char boundary of `sk-test-0123456789abcdef`";
        let hidden = panic_text(Some("src/detect/mod.rs:1:2"), message, false);
        assert!(hidden.contains("src/detect/mod.rs:1:2"), "{hidden}");
        assert!(!hidden.contains("0123456789abcdef"), "{hidden}");
        assert!(hidden.contains("--show-secrets"), "{hidden}");
        let shown = panic_text(None, message, true);
        assert!(shown.contains(message), "{shown}");
    }
}
