//! Load benchmark of styringsdialog: the real `styringsdialog` server on the national demo
//! data, driven by goose through the journeys of its five audiences (organisation, kommune,
//! styrelse, the public, API clients).
//!
//! Phases: setup (fresh database, demo, server, accounts, sessions); every page alone in a
//! closed loop, as a share of `/healthz` in the same run; a mixed workload of weighted
//! journeys with think time; the server's memory throughout. Prints Markdown tables for
//! docs/performance.md and exits non-zero if any request failed (timings are never judged).

use loadtest::{journeys, phases, quiet, report, server, setup};

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "loadtest",
    about = "Load benchmark of styringsdialog: per-page throughput as a share of /healthz, a mixed workload of the real journeys, and the server's memory.",
    after_help = "Run it with `cargo run --release -p loadtest -- [OPTIONS]` (it builds the server with the same profile first), or `--kort` for the short CI run."
)]
struct Args {
    /// `sqlite` (a new file in a temporary folder) or a PostgreSQL server such as
    /// postgres://postgres@127.0.0.1:5432/postgres (a new database sd_last_<random> is made
    /// on it and dropped at the end).
    #[arg(long, default_value = "sqlite", value_name = "sqlite|URL")]
    database: String,
    /// Demo scale, 1.0 = national [default: 1.0; --kort: 0.05].
    #[arg(long)]
    skala: Option<f64>,
    /// Connections per page in the per-page phase [default: 64; --kort: 8].
    #[arg(long)]
    forbindelser: Option<usize>,
    /// Seconds per page [default: 10; --kort: 2].
    #[arg(long)]
    sekunder: Option<u64>,
    /// Simulated users in the mixed phase [default: 200; --kort: 30].
    #[arg(long)]
    brugere: Option<usize>,
    /// Seconds of the mixed phase [default: 60; --kort: 12].
    #[arg(long)]
    varighed: Option<u64>,
    /// Think time between a user's requests in the mixed phase, seconds, random in MIN-MAX.
    #[arg(long, default_value = "1-3", value_parser = parse_think, value_name = "MIN-MAX")]
    taenketid: (f64, f64),
    /// Request timeout in seconds: a slower answer counts as a failed request.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Kommune users besides the demo's `kommune` and `nabokommune`.
    #[arg(long, default_value_t = 6)]
    kommuner: usize,
    /// Measure only the pages whose path contains one of these texts (repeatable), e.g.
    /// `--side /kommune --side indsend`: for profiling one page. `/healthz` always runs.
    #[arg(long = "side", value_name = "TEKST")]
    sider: Vec<String>,
    /// The short run for CI: a small demo and short phases (about a minute with a debug server).
    #[arg(long)]
    kort: bool,
    /// Also write every result as JSON to this file.
    #[arg(long, value_name = "FIL")]
    json: Option<PathBuf>,
    /// The styringsdialog binary [default: `styringsdialog` beside this executable, built
    /// first when this runs through cargo].
    #[arg(long, value_name = "STI")]
    server: Option<PathBuf>,
}

fn parse_think(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let parse = |x: &str| x.trim().parse::<f64>().map_err(|_| format!("{s}: expected seconds as MIN-MAX, e.g. 1-3"));
    let (a, b) = (parse(a)?, parse(b)?);
    if a < 0.0 || b < a {
        return Err(format!("{s}: MIN-MAX with 0 ≤ MIN ≤ MAX"));
    }
    Ok((a, b))
}

/// The settings in force: explicit options, else `--kort`'s, else the full run's.
#[derive(Debug, Clone, Serialize)]
struct Settings {
    database: String,
    skala: f64,
    forbindelser: usize,
    sekunder: u64,
    brugere: usize,
    varighed: u64,
    taenketid: (f64, f64),
    timeout_s: u64,
    kommuner: usize,
    kort: bool,
    sider: Vec<String>,
}

impl Settings {
    fn from(a: &Args) -> Settings {
        let pick = |explicit: Option<f64>, kort: f64, full: f64| explicit.unwrap_or(if a.kort { kort } else { full });
        let pick_n = |explicit: Option<usize>, kort, full| explicit.unwrap_or(if a.kort { kort } else { full });
        let pick_s = |explicit: Option<u64>, kort, full| explicit.unwrap_or(if a.kort { kort } else { full });
        Settings {
            database: a.database.clone(),
            skala: pick(a.skala, 0.05, 1.0),
            forbindelser: pick_n(a.forbindelser, 8, 64).max(1),
            sekunder: pick_s(a.sekunder, 2, 10).max(1),
            brugere: pick_n(a.brugere, 30, 200).max(1),
            varighed: pick_s(a.varighed, 12, 60).max(1),
            taenketid: a.taenketid,
            timeout_s: a.timeout.max(1),
            kommuner: a.kommuner,
            kort: a.kort,
            sider: a.sider.clone(),
        }
    }
}

/// Everything a run measured, printed as Markdown and written as JSON.
#[derive(Serialize)]
struct Results {
    command: String,
    commit: Option<String>,
    date: String,
    engine: &'static str,
    server_binary: String,
    settings: Settings,
    demo_seconds: f64,
    setup_seconds: f64,
    counts: setup::Counts,
    memory_after_setup: u64,
    memory_after_per_page: u64,
    per_page: phases::PerPage,
    mixed: phases::Mixed,
    /// The server's warnings and errors by message, most frequent first.
    server_log_problems: Vec<(String, usize)>,
    failures: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    quiet::install();
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("loadtest: some requests failed (see the errors above)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("loadtest: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: &Args) -> Result<bool> {
    let settings = Settings::from(args);
    let binary = server::locate_binary(args.server.as_deref())?;
    let temp = tempfile::Builder::new().prefix("styringsdialog-last-").tempdir()?;
    let database = server::Database::create(&settings.database, temp.path()).await?;
    eprintln!("Database: {} ({})", database.engine.label(), database.url);
    let cli =
        server::Cli { binary: binary.clone(), database_url: database.url.clone(), workdir: temp.path().to_path_buf() };
    let engine = database.engine.label();
    let outcome = benchmark(&settings, &cli, engine).await;
    // Clean up whatever happened; a failed cleanup is reported but does not hide the results.
    if let Err(e) = database.remove().await {
        eprintln!("loadtest: could not drop the database: {e:#}");
    }
    drop(temp);
    let results = outcome?;
    print!("{}", markdown(&results));
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&results)?;
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(results.failures == 0)
}

async fn benchmark(settings: &Settings, cli: &server::Cli, engine: &'static str) -> Result<Results> {
    let skala = settings.skala.to_string();
    eprintln!("Loading the demo (skala {skala}) …");
    let started = Instant::now();
    cli.run(&["demo", "--skala", &skala], None).await?;
    let demo_seconds = started.elapsed().as_secs_f64();
    eprintln!("Demo loaded in {demo_seconds:.1} s. Starting the server …");
    let mut server = server::Server::start(cli).await?;
    let outcome = measure(settings, cli, &mut server).await;
    let problems = server.log_problems();
    let running = server.running();
    let tail = server.log_tail();
    let stopping = Instant::now();
    server.stop().await?;
    eprintln!("Server stopped in {:.1} s.", stopping.elapsed().as_secs_f64());
    let (mut results, started) = outcome?;
    if !running {
        bail!("the server stopped during the run:\n{tail}");
    }
    results.demo_seconds = demo_seconds;
    results.server_log_problems = problems;
    results.engine = engine;
    results.command = std::env::args().collect::<Vec<_>>().join(" ");
    results.commit = git_commit();
    results.date = started.format("%Y-%m-%d %H:%M").to_string();
    results.server_binary = cli.binary.display().to_string();
    Ok(results)
}

/// Setup, per-page phase and mixed phase against the running server.
async fn measure(
    settings: &Settings,
    cli: &server::Cli,
    server: &mut server::Server,
) -> Result<(Results, chrono::DateTime<chrono::Local>)> {
    let date = chrono::Local::now();
    let started = Instant::now();
    let http = setup::Http::new(&server.base_url)?;
    let w = |name: &str| journeys::WEIGHTS.iter().find(|w| w.0 == name).map_or(0, |w| w.1);
    let needs = setup::Needs {
        form_savers: settings.forbindelser.max(journeys::users_of(w("organisation"), settings.brugere)),
        api_savers: settings.forbindelser.max(journeys::users_of(w("api"), settings.brugere)),
        extra_kommuner: settings.kommuner,
    };
    let fixture = Arc::new(setup::prepare(cli, &http, &needs).await?);
    let setup_seconds = started.elapsed().as_secs_f64();
    let memory_after_setup = server.rss_bytes()?;
    eprintln!(
        "Setup done in {setup_seconds:.1} s: {} users made, {} form savers and {} API savers on {} editable packages.",
        fixture.counts.brugere_oprettet,
        fixture.savers.len(),
        fixture.api_savers.len(),
        fixture.counts.redigerbare
    );

    let client = journeys::client(Duration::from_secs(settings.timeout_s))?;
    eprintln!("Per page: {} connections, {} s each …", settings.forbindelser, settings.sekunder);
    let per_page_settings = phases::PerPageSettings {
        connections: settings.forbindelser,
        seconds: settings.sekunder,
        only: settings.sider.clone(),
    };
    let phase = Instant::now();
    let per_page = phases::per_page(&server.base_url, &client, &fixture, &per_page_settings).await?;
    eprintln!("Per-page phase done in {:.0} s.", phase.elapsed().as_secs_f64());
    let memory_after_per_page = server.rss_bytes()?;
    if !server.running() {
        bail!("the server stopped during the per-page phase:\n{}", server.log_tail());
    }

    eprintln!("Mixed workload: {} users for {} s …", settings.brugere, settings.varighed);
    let think = (Duration::from_secs_f64(settings.taenketid.0), Duration::from_secs_f64(settings.taenketid.1));
    let mixed_settings = phases::MixedSettings { users: settings.brugere, seconds: settings.varighed, think };
    let pid = server.pid().context("the server has exited")?;
    let phase = Instant::now();
    let mixed = phases::mixed(&server.base_url, &client, fixture.clone(), pid, &mixed_settings).await?;
    eprintln!("Mixed phase done in {:.0} s.", phase.elapsed().as_secs_f64());

    let failures = per_page.failures + mixed.failures;
    let results = Results {
        command: String::new(),
        commit: None,
        date: String::new(),
        engine: "",
        server_binary: String::new(),
        settings: settings.clone(),
        demo_seconds: 0.0,
        setup_seconds,
        counts: fixture.counts.clone(),
        memory_after_setup,
        memory_after_per_page,
        per_page,
        mixed,
        server_log_problems: Vec::new(),
        failures,
    };
    Ok((results, date))
}

fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git").args(["rev-parse", "--short", "HEAD"]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The report for docs/performance.md.
fn markdown(r: &Results) -> String {
    let s = &r.settings;
    let mut out = String::new();
    // The profile is the binary's folder in the target folder (debug, release, …).
    let build = std::path::Path::new(&r.server_binary)
        .parent()
        .and_then(|p| p.file_name())
        .map_or("unknown".into(), |p| p.to_string_lossy().into_owned());
    let _ = writeln!(out, "## Load test: {} ({} engine, demo skala {})\n", r.date, r.engine, s.skala);
    let _ = writeln!(out, "- command: `{}`", r.command);
    let _ = writeln!(out, "- commit: {}", r.commit.as_deref().unwrap_or("unknown"));
    let _ = writeln!(out, "- server: `{}` ({build} build)", r.server_binary);
    let _ = writeln!(
        out,
        "- data: {} organisations, {} packages ({} in styringsår {}), demo loaded in {:.1} s; setup (users, sessions) {:.1} s, {} users made",
        report::group(r.counts.organisationer as u64),
        report::group(r.counts.pakker as u64),
        r.counts.pakker_i_aar,
        r.counts.styringsaar,
        r.demo_seconds,
        r.setup_seconds,
        r.counts.brugere_oprettet
    );
    let _ = writeln!(
        out,
        "- request timeout {} s; latency is time to the response headers (goose), the body is read in full",
        s.timeout_s
    );

    let p = &r.per_page;
    let _ = writeln!(
        out,
        "\n### Per page\n\nEach page alone, {} users in a closed loop (no think time) for {} s. Share of /healthz: the page's requests/s over the first /healthz baseline of this run ({} req/s; again at the end: {} req/s).\n",
        s.forbindelser,
        s.sekunder,
        report::format_rps(p.healthz_first.rps),
        report::format_rps(p.healthz_last.rps)
    );
    let mut rows = vec![baseline(&p.healthz_first, "first")];
    rows.extend(p.rows.iter().cloned());
    rows.push(baseline(&p.healthz_last, "last"));
    out.push_str(&report::per_page_table(&rows));

    let m = &r.mixed;
    let users: Vec<String> = m.users.iter().map(|(n, c)| format!("{n} {c}")).collect();
    let _ = writeln!(
        out,
        "\n### Mixed workload\n\n{} users for {} s ({:.1} s measured, start-up included), think time {}–{} s; users per journey: {}.",
        s.brugere,
        s.varighed,
        m.seconds,
        s.taenketid.0,
        s.taenketid.1,
        users.join(", ")
    );
    let _ = writeln!(
        out,
        "Saving users never share a form: each organisation user saves its own section and afdeling form \
         (of {} editable packages, at most two users per package, on different sections), each API client \
         section {} of a package; every save sends the revision just read.",
        r.counts.redigerbare,
        setup::API_SECTION
    );
    if m.read_only != (0, 0) {
        let _ = writeln!(
            out,
            "Users beyond the editable packages only read: {} organisation users, {} API clients.",
            m.read_only.0, m.read_only.1
        );
    }
    out.push('\n');
    out.push_str(&report::mixed_table(&m.rows, &m.total));

    let samples: Vec<u64> = m.memory.iter().map(|x| x.1).collect();
    let _ = writeln!(out, "\n### Server memory (VmRSS)\n");
    let _ = writeln!(
        out,
        "| after setup | after per page | mixed: start | mixed: end | mixed: max |\n|---:|---:|---:|---:|---:|"
    );
    let cell = |v: Option<&u64>| v.map_or("–".into(), |b| report::format_bytes(*b));
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} |",
        report::format_bytes(r.memory_after_setup),
        report::format_bytes(r.memory_after_per_page),
        cell(samples.first()),
        cell(samples.last()),
        cell(samples.iter().max())
    );
    let series: Vec<String> = m.memory.iter().map(|(t, b)| format!("{t:.0} s: {}", report::format_bytes(*b))).collect();
    let _ = writeln!(out, "\nSamples during the mixed phase: {}.", series.join(", "));

    let errors: Vec<&phases::ErrorLine> = p.errors.iter().chain(&m.errors).collect();
    let _ = writeln!(out, "\n### Errors\n");
    if errors.is_empty() {
        let _ = writeln!(out, "None: every request answered as expected.");
    } else {
        let _ = writeln!(out, "| phase | request | error | count |\n|---|---|---|---:|");
        for e in errors {
            let _ = writeln!(out, "| {} | `{}` | {} | {} |", e.phase, e.request, e.error.replace('|', "\\|"), e.count);
        }
    }
    if !r.server_log_problems.is_empty() {
        let _ = writeln!(out, "\nServer log warnings and errors, by message:\n\n| message | count |\n|---|---:|");
        for (message, count) in &r.server_log_problems {
            let _ = writeln!(out, "| `{message}` | {count} |");
        }
    }
    out
}

fn baseline(row: &report::Row, which: &str) -> report::Row {
    let mut row = row.clone();
    row.note = Some(format!("{which} baseline"));
    row
}

#[cfg(test)]
mod tests {
    use super::parse_think;

    #[test]
    fn think_time_is_a_range_of_seconds() {
        assert_eq!(parse_think("1-3"), Ok((1.0, 3.0)));
        assert_eq!(parse_think("0.5-0.5"), Ok((0.5, 0.5)));
        assert_eq!(parse_think("2"), Ok((2.0, 2.0)));
        assert!(parse_think("3-1").is_err());
        assert!(parse_think("x").is_err());
    }
}
