use clap::Parser;

/// mimalloc instead of the system allocator: a request allocates many small values (rows,
/// strings), and glibc's per-thread arenas kept hundreds of megabytes after a burst.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STYRINGSDIALOG_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli::run(cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Fejl: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
