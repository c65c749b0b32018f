//! The subcommands.

use crate::config::Config;
use crate::connect;
use anyhow::{Context, bail};
use app::{App, AppSettings, NewUserInput};
use clap::{Args, Parser, Subcommand};
use domain::Styringsaar;
use domain::access::Role;
use domain::reference::kommuner_og_regioner;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "styringsdialog",
    version,
    about = "Styringsdialog for den almene boligsektor: web, data og administration"
)]
pub struct Cli {
    /// Configuration file (TOML). Default: styringsdialog.toml in the working folder, if present.
    #[arg(long, global = true, value_name = "FIL")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://sti.db or postgres://… Overrides DATABASE_URL and the file.
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI, the public part and the API.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (overrides server.listen).
        #[arg(long)]
        listen: Option<String>,
        /// Seed the national demo data first if the database is empty, and print demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// Fill the database with a deterministic national demo dataset and demo users.
    Demo(DemoArgs),
    /// Print counts of the stored data as one JSON object.
    Stats,
    /// Write an online, consistent backup of the SQLite database to a new file while the
    /// server runs, then verify it (PostgreSQL: use pg_dump; docs/operations.md).
    Backup {
        #[arg(long, value_name = "FIL")]
        output: PathBuf,
    },
    /// Restore a SQLite backup as the configured database, which must not exist yet; the
    /// backup is verified before and the database after.
    Restore {
        #[arg(long, value_name = "FIL")]
        input: PathBuf,
    },
    /// Check a SQLite backup file (or, without FIL, the configured database) without changing
    /// it: integrity, references and schema version; prints the same counts as `stats`.
    Verify { fil: Option<PathBuf> },
    /// Import accounts or register data for a styringsår from CSV (both dialects) or XLSX.
    ///
    /// All or nothing: the whole file is checked first, and every error names the file, row,
    /// column, the value found and what was expected. Rows are upserted by their key, so
    /// importing the same file again changes nothing. File formats: docs/formater/import.md.
    Import {
        /// afdelingsregnskab, organisationsregnskab, boligtal, udlejning, klager, arbejdsmarked
        /// or kommune-arbejdsmarked.
        #[arg(value_parser = ["afdelingsregnskab", "organisationsregnskab", "boligtal", "udlejning", "klager", "arbejdsmarked", "kommune-arbejdsmarked"])]
        art: String,
        /// The styringsår the data belongs to, e.g. 2026.
        #[arg(long)]
        year: i64,
        #[arg(long, value_name = "FIL")]
        file: PathBuf,
        /// Report what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Import the CVR numbers of organisations and kommuner (columns type, nummer, cvr), which
    /// map national logins to them; all or nothing.
    ImportCvr {
        #[arg(long, value_name = "FIL")]
        file: PathBuf,
        /// Report what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export a styringsår's computed figures (key figures with benchmark and mark, and
    /// efficiency figures) as CSV or XLSX, chosen by the output file's extension.
    Export {
        /// What to export.
        #[arg(value_parser = ["noegletal"])]
        what: String,
        #[arg(long)]
        year: i64,
        #[arg(long, value_name = "FIL")]
        output: PathBuf,
    },
    /// Compute every key figure, benchmark, critical mark and efficiency figure of a
    /// styringsår for the whole country (replaces that year's computed figures).
    Compute {
        /// The styringsår, e.g. 2026.
        #[arg(long)]
        year: i64,
    },
    /// Manage local user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Create or upgrade the database schema and load the reference data, then exit.
    Migrate,
    /// Print the default configuration as TOML.
    DefaultConfig,
    /// Print the OpenAPI document of the JSON API (the checked-in docs/openapi.json).
    Openapi,
    /// Typeset one document: JSON on standard input, the PDF on standard output. The server
    /// starts this for each PDF (`server.pdf_i_arbejdsproces`); not for use by hand.
    #[command(hide = true)]
    PdfArbejder,
    /// Measure the national data path end to end: load the national demo, import a national
    /// accounts file and recompute the country, several times; prints a Markdown table.
    ///
    /// Uses a new SQLite database in the temporary folder (removed afterwards) unless
    /// --database names one, which must be empty.
    Bench {
        /// How many times to import and recompute.
        #[arg(long, default_value_t = 3)]
        runs: u32,
        /// Scale on the national size.
        #[arg(long, default_value_t = 1.0)]
        skala: f64,
    },
    /// Print a styringsår's documents as PDF files into a folder, as one user account may read
    /// them: each readable package's styringsrapport (with its afdeling forms) and redegørelse.
    /// With the agency's account this is the national archive of the year.
    Udskriv {
        #[arg(long)]
        year: i64,
        /// The folder; files go to <MAPPE>/<år>/<hjemstedskommune>/.
        #[arg(long, value_name = "MAPPE")]
        output: PathBuf,
        /// The user account whose access applies, e.g. the agency's.
        #[arg(long)]
        bruger: String,
        /// Only this organisation (its number).
        #[arg(long)]
        organisation: Option<String>,
        /// Typeset each document this many times and report the median (benchmarks).
        #[arg(long, default_value_t = 1)]
        gentag: u32,
        /// Also write each document's data as JSON beside it (for work on the template).
        #[arg(long)]
        json: bool,
    },
    /// Compute efficiency figures (FDH) from a file of costs per home per account.
    ///
    /// Input: CSV (comma and decimal point, or the Danish Excel dialect with semicolon and
    /// decimal comma) or XLSX with the header `afdeling,gruppe,<one column per account>`.
    /// Without a `gruppe` column all afdelinger form one group. Output: CSV with
    /// `afdeling,effektivitetstal,bedste_praksis`. Nothing is written if the input has errors.
    Effektivitet {
        #[arg(long, value_name = "FIL")]
        input: PathBuf,
        #[arg(long, value_name = "FIL")]
        output: PathBuf,
        /// Share of the cheapest and of the most expensive afdelinger left out as peers in each
        /// group (0 disables trimming). Default: from data/regler.
        #[arg(long, value_name = "ANDEL")]
        trim: Option<f64>,
        /// Groups smaller than this are reported (groups from the file are never widened).
        #[arg(long, value_name = "N")]
        min_peers: Option<u32>,
    },
}

#[derive(Args)]
struct DemoArgs {
    /// Empty a non-empty database first (deletes all its data).
    #[arg(long)]
    force: bool,
    /// Random seed; the same seed gives the same data.
    #[arg(long)]
    seed: Option<u64>,
    /// Scale on the national size, e.g. 0.05 for a small dataset.
    #[arg(long)]
    skala: Option<f64>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. The password is read from STYRINGSDIALOG_PASSWORD or --password.
    Add {
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// organisation, kommune or styrelse.
        #[arg(long, value_parser = ["organisation", "kommune", "styrelse"])]
        role: String,
        /// Kommunekode of a kommune user, e.g. 101.
        #[arg(long)]
        kommune: Option<String>,
        /// Organisation number of an organisation user; repeat for several.
        #[arg(long = "organisation")]
        organisationer: Vec<String>,
        #[arg(long)]
        email: Option<String>,
        /// Password (prefer the STYRINGSDIALOG_PASSWORD environment variable).
        #[arg(long, env = "STYRINGSDIALOG_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// List users.
    List,
    /// Disable a user and end the user's sessions.
    Disable { username: String },
}

/// The app's settings; rule files named in the configuration replace the shipped ones.
fn settings(config: &Config) -> anyhow::Result<AppSettings> {
    let read = |path: &str| std::fs::read_to_string(path).with_context(|| format!("kan ikke læse {path}"));
    let mut settings = AppSettings {
        session_ttl: Duration::from_secs(config.session.ttl_minutes * 60),
        session_max: Duration::from_secs(config.session.max_timer * 3600),
        login: app::LoginGraenser {
            konto_fra_adresse: i64::from(config.login.max_failed_attempts.max(1)),
            vindue: Duration::from_secs(config.login.window_minutes.max(1) * 60),
            ..app::LoginGraenser::default()
        },
        api_noegle_ttl: Duration::from_secs(config.session.api_noegle_dage * 24 * 3600),
        oidc: national_login(&config.oidc)?,
        lokale_konti: config.login.lokale_konti,
        udbyder: config.udbyder.clone(),
        ..AppSettings::default()
    };
    if !config.regler.fil.is_empty() {
        settings.regler = domain::reference::Regelsaet::parse(&read(&config.regler.fil)?)
            .with_context(|| format!("regelfilen {}", config.regler.fil))?;
    }
    if !config.regler.noegletal_fil.is_empty() {
        settings.katalog = domain::beregning::Katalog::parse(&read(&config.regler.noegletal_fil)?)
            .map_err(|e| anyhow::anyhow!("nøgletalskataloget {}: {e}", config.regler.noegletal_fil))?;
    }
    Ok(settings)
}

/// The file of a `sqlite://` URL.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

async fn backup(url: &str, output: &std::path::Path) -> anyhow::Result<()> {
    if sqlite_path(url).is_none() {
        bail!(
            "backup tager SQLite-databaser; tag PostgreSQL med pg_dump --format=custom, gendan med pg_restore, og kontrollér med `styringsdialog --database <url> verify` (docs/operations.md)"
        );
    }
    let store = store_sqlite::SqliteStore::connect(url).await?;
    let started = std::time::Instant::now();
    store.backup(output).await?;
    let v = store_sqlite::SqliteStore::verify_file(output).await?;
    let what = format!("backup skrevet til {} på {:.1} s", output.display(), started.elapsed().as_secs_f64());
    print_verified(&what, v.skemaversion, &v.store).await
}

async fn verify(url: &str, fil: Option<&std::path::Path>) -> anyhow::Result<()> {
    match (fil, sqlite_path(url)) {
        (Some(fil), _) => {
            let v = store_sqlite::SqliteStore::verify_file(fil).await?;
            print_verified(&format!("{} er i orden", fil.display()), v.skemaversion, &v.store).await
        }
        (None, Some(path)) => {
            let v = store_sqlite::SqliteStore::verify_file(&path).await?;
            print_verified(&format!("{} er i orden", path.display()), v.skemaversion, &v.store).await
        }
        (None, None) => {
            let (version, store) = store_postgres::PgStore::verify(url).await?;
            print_verified(&format!("{} er i orden", store_postgres::redact(url)), version, &store).await
        }
    }
}

/// What was verified, on stderr, and the counts of `stats` as JSON on stdout.
async fn print_verified(what: &str, skemaversion: i64, store: &dyn store::Store) -> anyhow::Result<()> {
    let stats = store.stats().await?;
    eprintln!("{what}: integritet og skemaversion {skemaversion} kontrolleret.");
    println!("{}", serde_json::to_string(&stats)?);
    Ok(())
}

/// An import refused: each error on its own line, then what that means.
fn refused_import(e: app::AppError) -> anyhow::Error {
    match e {
        app::AppError::Invalid(errors) => {
            for e in &errors {
                eprintln!("{}", e.message);
            }
            anyhow::anyhow!("filen er ikke importeret ({} fejl); intet er ændret", errors.len())
        }
        other => anyhow::anyhow!("{other}"),
    }
}

/// The national login, when configured: all of issuer, client id and redirect URL, or none.
fn national_login(oidc: &app::OidcSettings) -> anyhow::Result<Option<app::OidcSettings>> {
    if oidc.issuer.is_empty() {
        return Ok(None);
    }
    for (name, value) in [("oidc.client_id", &oidc.client_id), ("oidc.redirect_url", &oidc.redirect_url)] {
        if value.is_empty() {
            bail!("{name} mangler: national login kræver issuer, client_id og redirect_url");
        }
    }
    Ok(Some(oidc.clone()))
}

fn web_settings(config: &Config, plain_http: bool) -> web::WebSettings {
    web::WebSettings {
        secure_cookies: !plain_http,
        trusted_proxies: config.server.betroede_proxyer.clone(),
        request_timeout: Duration::from_secs(config.server.request_timeout_sekunder.max(1)),
        max_concurrent_requests: config.server.max_samtidige_forespoergsler,
        metrics_token: Some(config.metrics.token.trim().to_string()).filter(|t| !t.is_empty()),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // The worker reads no configuration and opens no database: it only typesets.
    if matches!(cli.command, Command::PdfArbejder) {
        return Ok(pdf::arbejder::koer(std::io::stdin().lock(), std::io::stdout().lock())?);
    }
    let mut config = Config::load(cli.config.as_deref())?;
    let explicit_database = cli.database.is_some();
    if let Some(url) = cli.database {
        config.database.url = url;
    }
    // The benchmark gets a database of its own unless one is named.
    let bench_folder = match &cli.command {
        Command::Bench { .. } if !explicit_database => {
            let folder = std::env::temp_dir().join(format!("styringsdialog-bench-{}", std::process::id()));
            std::fs::create_dir_all(&folder)?;
            config.database.url = format!("sqlite://{}", folder.join("bench.db").display());
            Some(folder)
        }
        _ => None,
    };
    match &cli.command {
        Command::Backup { output } => return backup(&config.database.url, output).await,
        Command::Restore { input } => {
            let target = sqlite_path(&config.database.url)
                .context("restore gendanner en SQLite-backup; gendan PostgreSQL med pg_restore")?;
            let v = store_sqlite::SqliteStore::restore(input, &target).await?;
            return print_verified(
                &format!("{} gendannet til {}", input.display(), target.display()),
                v.skemaversion,
                &v.store,
            )
            .await;
        }
        Command::Verify { fil } => return verify(&config.database.url, fil.as_deref()).await,
        Command::DefaultConfig => {
            print!("{}", Config::default_toml());
            return Ok(());
        }
        Command::Openapi => {
            print!("{}", web::api::openapi_json());
            return Ok(());
        }
        Command::Effektivitet { input, output, trim, min_peers } => {
            let regler = settings(&config)?.regler.nyeste().effektivitet.clone();
            let summary = crate::effektivitet::run(input, output, *trim, *min_peers, &regler)?;
            eprintln!(
                "{} afdelinger i {} grupper; gennemsnitligt effektivitetstal {:.1} %. Skrevet til {}.",
                summary.afdelinger,
                summary.grupper,
                summary.mean,
                output.display()
            );
            for (gruppe, n) in summary.small_groups {
                eprintln!("Bemærk: gruppen «{gruppe}» har kun {n} afdelinger (under minimum); den er ikke udvidet.");
            }
            return Ok(());
        }
        _ => {}
    }
    let store = connect(&config.database.url).await?;
    let app = App::new(store, settings(&config)?);
    app.load_reference().await?;
    match cli.command {
        Command::DefaultConfig
        | Command::Openapi
        | Command::PdfArbejder
        | Command::Effektivitet { .. }
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Verify { .. } => unreachable!("handled above"),
        Command::Migrate => {
            println!("Databasen er migreret og referencedata indlæst.");
        }
        Command::Stats => {
            let stats = app.store().stats().await?;
            println!("{}", serde_json::to_string(&stats)?);
        }
        Command::Import { art, year, file, dry_run } => {
            let art = app::ImportArt::parse(&art).context("ukendt importart")?;
            let aar = Styringsaar::new(year)?;
            let table = tabular::read_path(&file)?;
            match app.import(None, art, aar, &table, dry_run).await {
                Ok(r) => {
                    let verb = if r.dry_run { "ville give" } else { "gav" };
                    println!(
                        "{} ({}), styringsår {}: {} rækker {verb} {} nye, {} ændrede og {} uændrede.{}",
                        r.fil,
                        r.art.label(),
                        r.styringsaar,
                        r.raekker,
                        r.nye,
                        r.aendrede,
                        r.uaendrede,
                        if r.dry_run { " Intet er ændret (--dry-run)." } else { "" }
                    );
                }
                Err(e) => return Err(refused_import(e)),
            }
        }
        Command::ImportCvr { file, dry_run } => {
            let table = tabular::read_path(&file)?;
            match app.import_cvr(None, &table, dry_run).await {
                Ok(r) => println!(
                    "{}: {} rækker, {} CVR-numre {}.",
                    r.fil,
                    r.raekker,
                    r.aendrede,
                    if r.dry_run { "ville blive ændret; intet er ændret (--dry-run)" } else { "ændret" }
                ),
                Err(e) => return Err(refused_import(e)),
            }
        }
        Command::Export { what: _, year, output } => {
            let aar = Styringsaar::new(year)?;
            let rows = app.eksport_noegletal(aar).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            anyhow::ensure!(
                !rows.is_empty(),
                "der er ingen beregnede nøgletal for styringsår {aar}; kør først compute --year {aar}"
            );
            crate::eksport::write(&output, aar, &rows)?;
            eprintln!("{} rækker skrevet til {}.", rows.len(), output.display());
        }
        Command::Udskriv { year, output, bruger, organisation, gentag, json } => {
            let organisation = match organisation {
                Some(nr) => Some(nr.parse().map_err(|e| anyhow::anyhow!("organisationsnummer «{nr}»: {e}"))?),
                None => None,
            };
            let options = crate::udskriv::UdskrivOptions {
                aar: Styringsaar::new(year)?,
                mappe: output.clone(),
                bruger,
                organisation,
                gentag,
                json,
            };
            let o = crate::udskriv::run(&app, &options).await?;
            eprintln!(
                "{} PDF-dokumenter ({:.1} MB) skrevet til {} på {:.1} s; {} pakker kunne brugeren ikke læse.",
                o.dokumenter,
                o.bytes as f64 / 1e6,
                output.display(),
                o.sekunder,
                o.ikke_laesbare
            );
            print!("{}", o.rapport);
        }
        Command::Compute { year } => {
            let aar = Styringsaar::new(year)?;
            let spinner = ProgressBar::new_spinner();
            spinner.set_message(format!("Beregner nøgletal og effektivitetstal for styringsår {aar} …"));
            spinner.enable_steady_tick(Duration::from_millis(100));
            let s = app.beregn(None, aar).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            spinner.finish_and_clear();
            eprintln!(
                "Styringsår {aar}: {} nøgletal, {} benchmarks, {} effektivitetstal (indlæsning {} ms, beregning {} ms, lagring {} ms).",
                s.noegletal, s.benchmarks, s.effektivitetstal, s.load_ms, s.compute_ms, s.store_ms
            );
        }
        Command::Demo(args) => {
            seed_demo(&app, &config, args.force, args.seed, args.skala).await?;
        }
        Command::Serve { listen, demo } => {
            if demo && app.is_empty().await? {
                seed_demo(&app, &config, false, None, None).await?;
            }
            let address = listen.unwrap_or(config.server.listen.clone());
            let listener = tokio::net::TcpListener::bind(&address)
                .await
                .with_context(|| format!("kan ikke lytte på {address}"))?;
            let local = listener.local_addr()?;
            // Plain HTTP only where nobody else can listen in: on this machine.
            let plain_http = config.server.plain_http || demo;
            if plain_http && !local.ip().is_loopback() {
                bail!(
                    "almindelig HTTP (server.plain_http eller --demo) er kun tilladt på en loopback-adresse, \
                     ikke {local}; sæt HTTPS foran serveren og slå plain_http fra"
                );
            }
            if plain_http {
                println!("styringsdialog kører på http://{local} (almindelig HTTP, kun på denne maskine)");
            } else {
                println!("styringsdialog lytter på {local}; cookies er mærket Secure, så siderne skal nås over HTTPS");
            }
            if demo {
                print_demo_logins(&app).await?;
            }
            if config.server.pdf_i_arbejdsproces {
                let program = std::env::current_exe().context("kan ikke finde programmet til PDF-arbejderen")?;
                web::udskrift::saet_pdf_saetter(web::udskrift::PdfSaetter::Underproces {
                    program,
                    args: vec!["pdf-arbejder".into()],
                });
            }
            serve(app, &config, listener, plain_http).await?;
        }
        Command::User(cmd) => user(&app, cmd).await?,
        Command::Bench { runs, skala } => {
            let options = crate::bench::BenchOptions {
                runs: runs.max(1),
                skala,
                seed: config.demo.seed,
                styringsaar: Styringsaar::new(i64::from(config.demo.styringsaar))?,
            };
            eprintln!("Måler på {} …", config.database.url);
            let result = crate::bench::run(&app, &options).await;
            drop(app);
            if let Some(folder) = bench_folder {
                let _ = std::fs::remove_dir_all(folder);
            }
            print!("{}", result?);
        }
    }
    Ok(())
}

/// Serves until SIGTERM or Ctrl-C, then stops in order: no new connections, the requests in
/// flight answered, the background jobs stopped at a safe point (between two steps, never
/// inside one), all within `server.nedlukning_sekunder`; after that the process exits anyway
/// (every step is a transaction, so an interrupted one leaves nothing half done).
async fn serve(app: App, config: &Config, listener: tokio::net::TcpListener, plain_http: bool) -> anyhow::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut jobs =
        vec![spawn_session_cleanup(app.clone(), stopped.clone()), spawn_package_creation(app.clone(), stopped.clone())];
    match mail::Postbud::new(&config.smtp, app.store().clone())? {
        Some(postbud) => {
            let postbud =
                postbud.med_pdf(std::sync::Arc::new(|emne, tekst| Box::pin(web::udskrift::mail_pdf(emne, tekst))));
            let interval = Duration::from_secs(config.smtp.interval_sekunder.max(1));
            jobs.push(tokio::spawn(postbud.run(interval, stopped.clone())));
        }
        None => eprintln!("Ingen SMTP-server er sat op (smtp.host): mails venter i udbakken."),
    }
    // Webhooks: loopback endpoints only where the server itself is a developer's (plain HTTP
    // on loopback).
    let webhooks = webhook::WebhookSettings {
        tillad_loopback: plain_http,
        timeout: Duration::from_secs(config.webhook.timeout_sekunder.max(1)),
        deaktiver_efter: chrono::Duration::days(config.webhook.deaktiver_efter_dage.max(1)),
    };
    let app = app.med_webhooks(webhooks.clone());
    let budbringer = webhook::Budbringer::new(app.store().clone(), webhooks);
    let ur = app.clone();
    let interval = Duration::from_secs(config.webhook.interval_sekunder.max(1));
    jobs.push(tokio::spawn(budbringer.run(interval, move || ur.now(), stopped.clone())));
    let mut server_stopped = stopped.clone();
    let mut server = tokio::spawn(
        axum::serve(
            listener,
            web::router(app, web_settings(config, plain_http))
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = server_stopped.wait_for(|s| *s).await;
        })
        .into_future(),
    );
    tokio::select! {
        served = &mut server => return Ok(served??),
        signal = stop_signal() => tracing::info!(signal, "stopping: finishing requests in flight and background jobs"),
    }
    let _ = stop.send(true);
    let grace = Duration::from_secs(config.server.nedlukning_sekunder);
    let all = async {
        let served = server.await;
        for job in jobs {
            let _ = job.await;
        }
        served
    };
    match tokio::time::timeout(grace, all).await {
        Ok(served) => {
            served??;
            tracing::info!("stopped");
        }
        Err(_) => tracing::warn!(seconds = grace.as_secs(), "stopped before everything in flight had finished"),
    }
    Ok(())
}

/// The first SIGTERM (from systemd, Kubernetes, docker stop) or Ctrl-C.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(e) => {
                tracing::warn!(error = %e, "SIGTERM cannot be caught; only Ctrl-C stops gracefully");
                let _ = tokio::signal::ctrl_c().await;
                return "SIGINT";
            }
        };
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = tokio::signal::ctrl_c() => "SIGINT",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// Runs `step` at start-up and then every `every`, until stopped; a step under way when the
/// stop comes is finished first. Each run is counted in the metrics by job and outcome.
fn spawn_job<F, Fut>(
    job: &'static str,
    every: Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
    step: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                _ = stopped.wait_for(|s| *s) => return,
            }
            let udfald = match step().await {
                Ok(()) => "ok",
                Err(e) => {
                    tracing::warn!(job, error = %e, "background job failed");
                    "fejl"
                }
            };
            metrics::counter!("styringsdialog_job_runs_total", "job" => job, "udfald" => udfald).increment(1);
        }
    })
}

/// Removes expired sessions, old login failures, unfinished national logins and day-old
/// idempotency keys every hour. Safe with several instances: deleting is idempotent.
fn spawn_session_cleanup(app: App, stopped: tokio::sync::watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    spawn_job("oprydning", Duration::from_secs(3600), stopped, move || {
        let app = app.clone();
        async move {
            let n = app.store().delete_expired_sessions(app.now()).await?;
            if n > 0 {
                tracing::info!(sessions = n, "expired sessions removed");
            }
            // Failed logins outside every window count for nothing any more.
            app.store().delete_old_login_fejl(app.now() - chrono::Duration::days(1)).await?;
            // National logins begun and never finished.
            app.delete_expired_oidc_forsoeg().await?;
            // Idempotency keys of API writes are kept for a day.
            app.store().glem_idempotens(app.now() - web::api::idempotens::LEVETID).await?;
            Ok(())
        }
    })
}

/// Creates the packages that have become due (a regnskabsperiode has ended) and enqueues the
/// deadline reminders, at start-up and then daily. Idempotent, so several instances may run it.
fn spawn_package_creation(app: App, stopped: tokio::sync::watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    spawn_job("pakker_og_paamindelser", Duration::from_secs(24 * 3600), stopped, move || {
        let app = app.clone();
        async move {
            let n = app.opret_forfaldne_pakker().await?;
            if n > 0 {
                tracing::info!(packages = n, "due packages created");
            }
            // Reminders are enqueued once per package, deadline and step, so this is
            // idempotent too; the outbox sends them.
            let n = app.enqueue_paamindelser().await?;
            if n > 0 {
                tracing::info!(mails = n, "deadline reminders enqueued");
            }
            Ok(())
        }
    })
}

async fn seed_demo(
    app: &App,
    config: &Config,
    force: bool,
    seed: Option<u64>,
    skala: Option<f64>,
) -> anyhow::Result<()> {
    if !force && !app.is_empty().await? {
        bail!("Databasen indeholder allerede data. Brug --force for at slette alt og indlæse demodata igen.");
    }
    let started = Instant::now();
    let (_, kommuner) = kommuner_og_regioner()?;
    let styringsaar = Styringsaar::new(i64::from(config.demo.styringsaar))?;
    let options = demo::DemoOptions {
        seed: seed.unwrap_or(config.demo.seed),
        styringsaar,
        aar: config.demo.aar.max(2),
        skala: skala.unwrap_or(config.demo.skala),
    };
    eprintln!("Genererer demodata (seed {}, skala {}) …", options.seed, options.skala);
    let data = demo::generate(&kommuner, &options);
    let bar = ProgressBar::new(data.row_count());
    bar.set_style(
        ProgressStyle::with_template("{spinner} Indlæser [{bar:40}] {pos}/{len} rækker ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let logins = demo::seed_demo(app, &data, styringsaar, force, &|n| bar.set_position(n))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    let stats = app.store().stats().await?;
    eprintln!(
        "Demodata indlæst på {:.1} s: {} organisationer, {} afdelinger, {} boliger, {} brugere.",
        started.elapsed().as_secs_f64(),
        stats.organisationer,
        stats.afdelinger,
        stats.boliger,
        logins.len()
    );
    Ok(())
}

async fn print_demo_logins(app: &App) -> anyhow::Result<()> {
    let users = app.list_users(None).await?;
    let demo_users: Vec<_> =
        users.iter().filter(|u| u.email.as_deref().is_some_and(|e| e.ends_with("@demo.invalid"))).collect();
    if demo_users.is_empty() {
        return Ok(());
    }
    println!("\nDemo-logins (kodeord for alle: {}):", demo::DEMO_PASSWORD);
    for u in demo_users {
        println!("  {:<12} {:<17} {}", u.username, u.role.label(), u.display_name);
    }
    Ok(())
}

async fn user(app: &App, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add { username, name, role, kommune, organisationer, email, password } => {
            let role = Role::parse(&role).context("ukendt rolle")?;
            let kommune = kommune.map(|k| k.parse()).transpose().map_err(|e| anyhow::anyhow!("{e}"))?;
            let organisationer = organisationer
                .iter()
                .map(|o| o.parse())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let input = NewUserInput { username, display_name: name, email, password, role, kommune, organisationer };
            match app.add_user(None, input).await {
                Ok(id) => println!("Bruger oprettet (id {}).", id.0),
                Err(app::AppError::Invalid(errors)) => {
                    bail!(
                        "{}",
                        errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
                    )
                }
                Err(e) => bail!("{e}"),
            }
        }
        UserCommand::List => {
            for u in app.list_users(None).await? {
                let scope = match (u.kommune, u.organisationer.len()) {
                    (Some(k), _) => format!("kommune {k}"),
                    (None, 0) => String::new(),
                    (None, n) => format!("{n} organisation(er)"),
                };
                let state = if u.disabled { "deaktiveret" } else { "aktiv" };
                println!("{:<20} {:<13} {:<12} {:<22} {}", u.username, u.role.as_str(), state, scope, u.display_name);
            }
        }
        UserCommand::Disable { username } => match app.set_user_disabled(None, &username, true).await {
            Ok(()) => println!("Brugeren {username} er deaktiveret."),
            Err(app::AppError::Invalid(errors)) => bail!("{}", errors[0].message),
            Err(e) => bail!("{e}"),
        },
    }
    Ok(())
}
