use clap::Parser;

/// mimalloc instead of the system allocator: a request allocates many small values (rows,
/// strings), and glibc's per-thread arenas kept hundreds of megabytes after a burst.
/// With the crate's `override` feature SQLite's own allocations go through mimalloc too
/// (glibc's per-thread arenas kept 30–90 MB more under load; docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h; the sys crate names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back to the system at once instead of after mimalloc's default 10 ms:
/// over ten minutes of mixed national load the server then held 121–140 MB instead of
/// 147–179 MB, at the same throughput (docs/performance.md). `MIMALLOC_PURGE_DELAY` in the
/// environment still decides when it is set (mimalloc reads it when the process starts).
#[allow(unsafe_code)]
fn purge_freed_memory_at_once() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's integer options; any value is valid, and options may
        // be set at any time (mimalloc reads them atomically).
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
}

/// Transparent huge pages off for this process (and the PDF worker it starts): with them the
/// kernel's khugepaged fills out every 2 MB range of the allocator's arena the server has
/// touched at all, a few ranges every ten seconds, and the resident memory rose by some 40 MB
/// over the first minutes of load without the server holding more (docs/performance.md).
#[allow(unsafe_code)]
fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments and sets a flag of this process only;
    // on failure (an old kernel) nothing changes.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// SQLite's count of its own memory off: with it on (the default), every allocation SQLite
/// makes takes one mutex shared by all connections, and the readers' and the writer's threads
/// queued on it (`perf` of the demo load: 7.5 % of the time in that mutex's lock and unlock).
/// Nothing here reads those counts. It must come before SQLite's first use, when the process
/// starts; later, SQLite refuses it (`SQLITE_MISUSE`) and keeps counting, which is only slower.
#[allow(unsafe_code)]
fn sqlite_without_memory_statistics() {
    // SAFETY: sqlite3_config with SQLITE_CONFIG_MEMSTATUS takes one int; it is called once,
    // before any thread has opened a connection.
    let off: std::ffi::c_int = 0;
    unsafe {
        libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, off);
    }
}

fn main() -> std::process::ExitCode {
    // Before the async runtime starts its threads.
    sqlite_without_memory_statistics();
    run()
}

#[tokio::main]
async fn run() -> std::process::ExitCode {
    without_transparent_huge_pages();
    purge_freed_memory_at_once();
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("STYRINGSDIALOG_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
    // One JSON object per line for a log collector; readable text otherwise. Each request's
    // lines carry its request id (the span the server opens for it).
    if std::env::var("STYRINGSDIALOG_LOG_FORMAT").is_ok_and(|f| f == "json") {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        // Colours only on a terminal: a log file or a collector gets plain text.
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(terminal).init();
    }
    match cli::run(cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Fejl: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
