//! Standard output carries the Markdown report only. Goose (like sqlx) logs through the `log`
//! crate and, unless a logger is already installed, installs one that prints to standard
//! output: this logger comes first and sends warnings and errors to standard error, the first
//! few in full.
//! Goose also prints progress lines on standard output whatever its options, so standard
//! output points to /dev/null while an attack runs.

use log::{Level, LevelFilter, Log, Metadata, Record};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicUsize, Ordering};

const SHOWN: usize = 20;

struct Stderr {
    seen: AtomicUsize,
}

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= Level::Warn
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let n = self.seen.fetch_add(1, Ordering::Relaxed);
        if n < SHOWN {
            eprintln!("{} {}: {}", record.level(), record.target(), record.args());
        } else if n == SHOWN {
            eprintln!("(further warnings not shown; the report lists every failed request)");
        }
    }

    fn flush(&self) {}
}

static LOGGER: Stderr = Stderr { seen: AtomicUsize::new(0) };

pub fn install() {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(LevelFilter::Warn);
    }
}

/// While alive, standard output goes to /dev/null.
pub struct MutedStdout {
    saved: Option<OwnedFd>,
}

impl MutedStdout {
    // Not `Default`: making one mutes the process's standard output.
    #[allow(clippy::new_without_default)]
    pub fn new() -> MutedStdout {
        let _ = std::io::stdout().flush();
        let mute = || -> std::io::Result<OwnedFd> {
            let saved = rustix::io::dup(std::io::stdout())?;
            let null = std::fs::OpenOptions::new().write(true).open("/dev/null")?;
            rustix::stdio::dup2_stdout(&null)?;
            Ok(saved)
        };
        MutedStdout { saved: mute().ok() }
    }
}

impl Drop for MutedStdout {
    fn drop(&mut self) {
        let _ = std::io::stdout().flush();
        if let Some(saved) = &self.saved {
            let _ = rustix::stdio::dup2_stdout(saved);
        }
    }
}
