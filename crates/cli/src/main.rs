use clap::Parser;

/// mimalloc instead of the system allocator: a request allocates many small values (rows,
/// strings), and glibc's per-thread arenas kept hundreds of megabytes after a burst.
/// With the crate's `override` feature SQLite's own allocations go through mimalloc too
/// (glibc's per-thread arenas kept 30–90 MB more under load; docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
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
