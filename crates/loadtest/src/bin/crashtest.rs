//! Crash harness: the release server on the national demo, concurrent writers through the API
//! and the forms, SIGKILL at random moments, restart, and a check after every kill that each
//! acknowledged write is there exactly once and nothing is half written.
//!
//! The writers, each on packages of its own (so every outcome can be predicted):
//! - savers: section saves with the revision read, afdeling form saves and uploads (API);
//! - cycles: submissions with idempotency keys (API), the kommune's return and receipt (forms).
//!
//! A request answered 2xx is acknowledged; one that got no answer (the server died) is
//! unknown: it may or may not have happened, but wholly or not at all. After each kill,
//! while the server is down, the database itself is read:
//! - every acknowledged save, upload, submission, return and receipt is there once;
//! - nothing is there that was never sent;
//! - each change has exactly one audit event, and each submission one version and receipt;
//! - `styringsdialog verify`: integrity, foreign keys and schema (SQLite), schema (PostgreSQL).
//!
//! At the end a graceful stop: an upload still being sent when SIGTERM comes is answered,
//! and the process exits within its bound. `docs/operations.md` explains the command.

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use loadtest::server::{self, Cli, Database, Engine, Server};
use loadtest::setup::{self, Http, Session};
use rand::Rng;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "crashtest",
    about = "Kills the styringsdialog server with SIGKILL under concurrent writers and checks that every acknowledged write survives exactly once.",
    after_help = "Run it with `cargo run --release -p loadtest --bin crashtest -- [OPTIONS]`, or `--kort` for the short CI run."
)]
struct Args {
    /// `sqlite` or a PostgreSQL server URL (a new database is made on it and dropped).
    #[arg(long, default_value = "sqlite", value_name = "sqlite|URL")]
    database: String,
    /// Demo scale, 1.0 = national [default: 1.0; --kort: 0.05].
    #[arg(long)]
    skala: Option<f64>,
    /// SIGKILLs in the run.
    #[arg(long, default_value_t = 20)]
    drab: usize,
    /// Packages with a saver (sections, afdeling forms, uploads).
    #[arg(long, default_value_t = 6)]
    gemmere: usize,
    /// Packages that go round submit, return and receive.
    #[arg(long, default_value_t = 3)]
    rundgange: usize,
    /// Milliseconds of work between two kills, random in MIN-MAX.
    #[arg(long, default_value = "700-2500", value_parser = parse_range, value_name = "MIN-MAX")]
    mellem: (u64, u64),
    /// The short run for CI: a small demo and 20 kills.
    #[arg(long)]
    kort: bool,
    /// The styringsdialog binary [default: beside this executable, built first through cargo].
    #[arg(long, value_name = "STI")]
    server: Option<PathBuf>,
}

fn parse_range(s: &str) -> Result<(u64, u64), String> {
    let (a, b) = s.split_once('-').ok_or_else(|| format!("{s}: expected MIN-MAX"))?;
    let (a, b) = (
        a.trim().parse().map_err(|_| format!("{s}: not a number"))?,
        b.trim().parse().map_err(|_| format!("{s}: not a number"))?,
    );
    if a > b {
        return Err(format!("{s}: MIN above MAX"));
    }
    Ok((a, b))
}

/// The section question the savers answer through the API, and the afdeling form's.
const SEKTION: &str = "b3.II";
const SPOERGSMAAL: &str = "b3.q6";
const AFDELING_SPOERGSMAAL: &str = "b4.B.vedligeholdelse_kommentar";

#[tokio::main]
async fn main() -> ExitCode {
    let code = match run(Args::parse()).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("crashtest failed: {e:#}");
            1
        }
    };
    // Exit at once: a stray task (a pool's maintenance) must not hold the verdict up.
    std::process::exit(code)
}

async fn run(args: Args) -> Result<()> {
    let skala = args.skala.unwrap_or(if args.kort { 0.05 } else { 1.0 });
    let binary = server::locate_binary(args.server.as_deref())?;
    let workdir = tempfile::tempdir()?;
    let database = Database::create(&args.database, workdir.path()).await?;
    let cli = Cli { binary, database_url: database.url.clone(), workdir: workdir.path().to_path_buf() };
    let result = drive(&args, &cli, database.engine, skala).await;
    if result.is_err() {
        let log = std::fs::read_dir(workdir.path())?
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().starts_with("server-"));
        if let Some(log) = log {
            let text = std::fs::read_to_string(log.path()).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            eprintln!("The server's log, last lines:\n{}", lines[lines.len().saturating_sub(40)..].join("\n"));
        }
    }
    database.remove().await?;
    result
}

async fn drive(args: &Args, cli: &Cli, engine: Engine, skala: f64) -> Result<()> {
    let started = Instant::now();
    eprintln!("{}: national demo at scale {skala} …", engine.label());
    cli.run(&["demo", "--skala", &skala.to_string()], None).await?;
    let port = server::free_port()?;
    let mut server = Server::start_on(cli, port, &[]).await?;
    let base = server.base_url.clone();
    let http = Http::new(&base)?;
    let mut plan = plan(args, cli, &http).await?;
    let db = Db::open(&cli.database_url, engine).await?;
    let audit_start = db.scalar("SELECT COALESCE(MAX(id), 0) FROM audit_log", &[]).await?;
    for cycle in &plan.cycles {
        for til in ["returneret", "modtaget"] {
            let n = db
                .scalar(
                    "SELECT COUNT(*) FROM pakke_haendelser WHERE pakke_id = CAST($1 AS BIGINT) AND til = $2",
                    &[&cycle.pakke.to_string(), til],
                )
                .await?;
            plan.baseline.insert((cycle.pakke, til), n);
        }
    }
    eprintln!(
        "{} savers and {} cycles on their own packages; {} kills ({:.0} s of setup).",
        plan.savers.len(),
        plan.cycles.len(),
        args.drab,
        started.elapsed().as_secs_f64()
    );

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let finale = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicUsize::new(0));
    let client = client()?;
    // The server comes back on the same port after each kill.
    let writer = Writer {
        client: client.clone(),
        base: base.clone(),
        ledger: ledger.clone(),
        stop: stop.clone(),
        finale: finale.clone(),
        requests: requests.clone(),
    };
    let mut writers = Vec::new();
    for (i, saver) in plan.savers.iter().cloned().enumerate() {
        let w = writer.clone();
        writers.push(tokio::spawn(async move { w.save_loop(i, saver).await }));
    }
    for cycle in plan.cycles.iter().cloned() {
        let w = writer.clone();
        writers.push(tokio::spawn(async move { w.cycle_loop(cycle).await }));
    }

    for kill in 1..=args.drab {
        if kill > args.drab * 3 / 4 {
            finale.store(true, Ordering::Relaxed);
        }
        let pause = rand::rng().random_range(args.mellem.0..=args.mellem.1);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        finished_writers(&mut writers).await?;
        server.kill().await?;
        // Down: the database as the crash left it.
        cli.run(&["verify"], None).await.context("styringsdialog verify after SIGKILL")?;
        // Taken after verify: an answer that arrived just before the kill has been recorded.
        let snapshot = ledger.lock().expect("ledger").clone();
        check(&db, audit_start, &plan, &snapshot).await.with_context(|| format!("after kill {kill}"))?;
        eprintln!(
            "kill {kill:>2}/{}: {} requests so far, {} acknowledged, {} unknown; consistent, verify passed",
            args.drab,
            requests.load(Ordering::Relaxed),
            snapshot.acknowledged(),
            snapshot.unknown()
        );
        server = Server::start_on(cli, port, &[]).await?;
    }
    finished_writers(&mut writers).await?;

    // The graceful stop, with writers still at work and an upload under way.
    let org = plan.savers.first().context("no saver")?.clone();
    let slow = tokio::spawn(slow_upload(client.clone(), base.clone(), org.session.clone(), org.pakke));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let stopping = Instant::now();
    let status = server.terminate(Duration::from_secs(40)).await?;
    let stopped_in = stopping.elapsed();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.context("a writer panicked")??;
    }
    let answered = slow.await.context("the slow upload panicked")?;
    ensure!(status.success(), "the server exited with {status} after SIGTERM");
    let (upload_status, marker) = answered.context("the upload under way when SIGTERM came got no answer")?;
    ensure!(upload_status == 200, "the upload under way when SIGTERM came was answered {upload_status}");
    ledger.lock().expect("ledger").uploads.entry(org.pakke).or_default().push((marker, Outcome::Acknowledged));

    let final_ledger = ledger.lock().expect("ledger").clone();
    cli.run(&["verify"], None).await.context("styringsdialog verify after the graceful stop")?;
    check(&db, audit_start, &plan, &final_ledger).await.context("after the graceful stop")?;
    db.close().await;
    eprintln!("Acknowledged: {}.", final_ledger.breakdown());
    eprintln!(
        "{}: {} kills, {} requests, {} acknowledged writes and {} unknown, all consistent; SIGTERM to exit {:.1} s with an upload answered; {:.0} s in all.",
        engine.label(),
        args.drab,
        requests.load(Ordering::Relaxed),
        final_ledger.acknowledged(),
        final_ledger.unknown(),
        stopped_in.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "| {} | {} | {} | {} | {} | 0 | {:.1} s |",
        engine.label(),
        args.drab,
        requests.load(Ordering::Relaxed),
        final_ledger.acknowledged(),
        final_ledger.unknown(),
        stopped_in.as_secs_f64()
    );
    Ok(())
}

/// Collects the writers that have ended: a cycle ends with its receipt; an error ends the run.
async fn finished_writers(writers: &mut Vec<tokio::task::JoinHandle<Result<()>>>) -> Result<()> {
    let mut i = 0;
    while i < writers.len() {
        if writers[i].is_finished() {
            writers.swap_remove(i).await.context("a writer panicked")??;
        } else {
            i += 1;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The plan: packages, accounts and sessions.

#[derive(Clone)]
struct SaverPlan {
    session: Session,
    pakke: i64,
    afdeling: u32,
}

#[derive(Clone)]
struct CyclePlan {
    org: Session,
    kommune: Session,
    pakke: i64,
}

struct Plan {
    savers: Vec<SaverPlan>,
    cycles: Vec<CyclePlan>,
    baseline: Baseline,
}

/// The cycle packages' changes of status before the run, by (package, new status).
type Baseline = BTreeMap<(i64, &'static str), i64>;

#[derive(Deserialize)]
struct Pakke {
    id: i64,
    organisation: Nummer,
    styringsaar: i32,
    rapporttype: String,
    status: String,
}

#[derive(Deserialize)]
struct Nummer {
    nummer: u32,
}

#[derive(Deserialize)]
struct Organisation {
    nummer: u32,
    hjemstedskommune: i64,
}

#[derive(Deserialize)]
struct Detalje {
    afdelingsskemaer: Vec<Afdelingsskema>,
}

#[derive(Deserialize)]
struct Afdelingsskema {
    afdeling: u32,
}

/// Packages of this year, one organisation each: drafts for the savers, submitted ones for
/// the cycles, each with a user of its own and, for a cycle, a user of its hjemstedskommune.
async fn plan(args: &Args, cli: &Cli, http: &Http) -> Result<Plan> {
    let styrelse = http.login("styrelse", setup::DEMO_PASSWORD).await?;
    let year = cli.demo_year().await?;
    let pakker: Vec<Pakke> = http.get_all("/api/v1/pakker", Some(&styrelse)).await?;
    let organisationer: Vec<Organisation> = http.get_all("/api/v1/offentlig/organisationer", None).await?;
    let hjemsted: BTreeMap<u32, i64> = organisationer.iter().map(|o| (o.nummer, o.hjemstedskommune)).collect();
    let mut candidates: Vec<&Pakke> = pakker
        .iter()
        .filter(|p| p.styringsaar == year && p.rapporttype == "bilag3")
        .filter(|p| matches!(p.status.as_str(), "kladde" | "returneret" | "indsendt"))
        .collect();
    candidates.sort_by_key(|p| p.id);
    let password = format!("crash-{}", uuid::Uuid::new_v4().simple());
    let mut savers = Vec::new();
    let mut cycles = Vec::new();
    let mut kommuner: BTreeMap<i64, Session> = BTreeMap::new();
    for p in candidates {
        // Drafts for the savers; submitted packages (complete, so they can be submitted
        // again after a return) for the cycles.
        let cycle = p.status == "indsendt";
        if (cycle && cycles.len() >= args.rundgange) || (!cycle && savers.len() >= args.gemmere) {
            continue;
        }
        let nr = p.organisation.nummer;
        let username = format!("crash-org-{nr}");
        let mut add = vec!["user", "add", "--username", &username, "--name", &username];
        let scope = setup::org_args(nr);
        add.extend(scope.iter().map(String::as_str));
        cli.run(&add, Some(&password)).await?;
        let session = http.login(&username, &password).await?;
        if cycle {
            let kode = *hjemsted.get(&nr).context("organisation without hjemstedskommune")?;
            if let std::collections::btree_map::Entry::Vacant(e) = kommuner.entry(kode) {
                let name = format!("crash-kommune-{kode}");
                let k = kode.to_string();
                cli.run(
                    &["user", "add", "--username", &name, "--name", &name, "--role", "kommune", "--kommune", &k],
                    Some(&password),
                )
                .await?;
                e.insert(http.login(&name, &password).await?);
            }
            cycles.push(CyclePlan { org: session, kommune: kommuner[&kode].clone(), pakke: p.id });
        } else {
            let d: Detalje = http.get_json(&format!("/api/v1/pakker/{}", p.id), Some(&session)).await?;
            let afdeling = d.afdelingsskemaer.first().context("a bilag 3 package without afdelinger")?.afdeling;
            savers.push(SaverPlan { session, pakke: p.id, afdeling });
        }
    }
    ensure!(!savers.is_empty(), "the demo has no editable package to save in");
    ensure!(!cycles.is_empty(), "the demo has no submitted package this year to return and submit again");
    Ok(Plan { savers, cycles, baseline: Baseline::new() })
}

// ---------------------------------------------------------------------------------------
// The ledger: what was sent, and what came of it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Answered 2xx.
    Acknowledged,
    /// No answer: the server died with the request in flight.
    Unknown,
}

#[derive(Debug, Clone, Default)]
struct Ledger {
    /// Per package, in order: the marker written into the section question.
    sektion: BTreeMap<i64, Vec<(String, Outcome)>>,
    /// Per package, in order: the marker written into the afdeling form.
    afdeling: BTreeMap<i64, Vec<(String, Outcome)>>,
    /// Per package: uploads by file name.
    uploads: BTreeMap<i64, Vec<(String, Outcome)>>,
    /// Per package: submissions by idempotency key, with the version when answered.
    submissions: BTreeMap<i64, Vec<(String, Outcome, Option<i64>)>>,
    /// Per package: returns and receipts sent by the kommune.
    returns: BTreeMap<i64, Vec<Outcome>>,
    receipts: BTreeMap<i64, Vec<Outcome>>,
}

impl Ledger {
    fn outcomes(&self) -> impl Iterator<Item = Outcome> + '_ {
        let writes = self.sektion.values().chain(self.afdeling.values()).chain(self.uploads.values());
        writes
            .flat_map(|v| v.iter().map(|(_, o)| *o))
            .chain(self.submissions.values().flat_map(|v| v.iter().map(|(_, o, _)| *o)))
            .chain(self.returns.values().chain(self.receipts.values()).flat_map(|v| v.iter().copied()))
    }

    /// The acknowledged writes by kind.
    fn breakdown(&self) -> String {
        let acked = |lists: &BTreeMap<i64, Vec<(String, Outcome)>>| {
            lists.values().flatten().filter(|(_, o)| *o == Outcome::Acknowledged).count()
        };
        let plain = |lists: &BTreeMap<i64, Vec<Outcome>>| {
            lists.values().flatten().filter(|o| **o == Outcome::Acknowledged).count()
        };
        let submissions = self.submissions.values().flatten().filter(|(_, o, _)| *o == Outcome::Acknowledged).count();
        format!(
            "{} section saves, {} afdeling form saves, {} uploads, {} submissions, {} returns, {} receipts",
            acked(&self.sektion),
            acked(&self.afdeling),
            acked(&self.uploads),
            submissions,
            plain(&self.returns),
            plain(&self.receipts)
        )
    }

    fn acknowledged(&self) -> usize {
        self.outcomes().filter(|o| *o == Outcome::Acknowledged).count()
    }

    fn unknown(&self) -> usize {
        self.outcomes().filter(|o| *o == Outcome::Unknown).count()
    }
}

// ---------------------------------------------------------------------------------------
// The writers.

/// No connection pooling: a request never lands on a connection the server is closing.
fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()?)
}

#[derive(Clone)]
struct Writer {
    client: reqwest::Client,
    base: String,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
    /// Set for the last quarter of the kills: the cycles then end with the kommune's receipt.
    finale: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
}

/// What came of one request.
enum Answer {
    Status(u16, String),
    /// No answer (connection refused or broken): the server is down or died mid-request.
    None,
}

impl Writer {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        self.requests.fetch_add(1, Ordering::Relaxed);
        match request.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                match r.text().await {
                    Ok(body) => Answer::Status(status, body),
                    Err(_) => Answer::None,
                }
            }
            Err(_) => Answer::None,
        }
    }

    fn record(&self, change: impl FnOnce(&mut Ledger)) {
        change(&mut self.ledger.lock().expect("ledger"));
    }

    /// Waits while the server is down (between a kill and its restart).
    async fn pause(&self) {
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    /// A read that must succeed once the server is up: retried while it is down.
    async fn read(&self, path: &str, session: &Session, bearer: bool) -> Result<Option<String>> {
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let mut request = self.client.get(self.url(path));
            request = if bearer {
                request.bearer_auth(&*session.token)
            } else {
                request.header("cookie", format!("sd_session={}", session.token))
            };
            match self.send(request).await {
                Answer::Status(200, body) => return Ok(Some(body)),
                Answer::Status(status, body) if status < 500 => {
                    bail!("GET {path} as {} answered {status}: {}", session.username, head(&body))
                }
                _ => self.pause().await,
            }
        }
    }

    /// Saves a section, an afdeling form and an upload in turn, each with a new marker.
    async fn save_loop(self, nr: usize, saver: SaverPlan) -> Result<()> {
        for i in 0.. {
            let Some(detail) = self.read(&format!("/api/v1/pakker/{}", saver.pakke), &saver.session, true).await?
            else {
                return Ok(());
            };
            let detail: serde_json::Value = serde_json::from_str(&detail)?;
            let marker = format!("crash-{nr}-{i}");
            let path = format!("/api/v1/pakker/{}", saver.pakke);
            let (answer, kind) = match i % 3 {
                0 => {
                    let revision = revision(&detail["sektioner"], "id", SEKTION)?;
                    let body =
                        serde_json::json!({"revision": revision, "svar": {SPOERGSMAAL: {"ja": true, "tekst": marker}}});
                    let r = self
                        .client
                        .put(self.url(&format!("{path}/sektioner/{SEKTION}")))
                        .bearer_auth(&*saver.session.token)
                        .json(&body);
                    (self.send(r).await, 0)
                }
                1 => {
                    let revision = revision(&detail["afdelingsskemaer"], "afdeling", saver.afdeling)?;
                    let body =
                        serde_json::json!({"revision": revision, "svar": {AFDELING_SPOERGSMAAL: {"tekst": marker}}});
                    let r = self
                        .client
                        .put(self.url(&format!("{path}/afdelinger/{}", saver.afdeling)))
                        .bearer_auth(&*saver.session.token)
                        .json(&body);
                    (self.send(r).await, 1)
                }
                _ => {
                    let form = reqwest::multipart::Form::new().text("art", "ekstra").part(
                        "fil",
                        reqwest::multipart::Part::bytes(pdf(&marker))
                            .file_name(format!("{marker}.pdf"))
                            .mime_str("application/pdf")?,
                    );
                    let r = self
                        .client
                        .post(self.url(&format!("{path}/bilag")))
                        .bearer_auth(&*saver.session.token)
                        .multipart(form);
                    (self.send(r).await, 2)
                }
            };
            let outcome = match answer {
                Answer::Status(200, _) => Outcome::Acknowledged,
                Answer::Status(status, body) if status < 500 => {
                    bail!("{marker} on package {} answered {status}: {}", saver.pakke, head(&body))
                }
                Answer::Status(status, body) => bail!("{marker}: the server answered {status}: {}", head(&body)),
                Answer::None => Outcome::Unknown,
            };
            let name = if kind == 2 { format!("{marker}.pdf") } else { marker };
            self.record(|ledger| {
                let list = match kind {
                    0 => &mut ledger.sektion,
                    1 => &mut ledger.afdeling,
                    _ => &mut ledger.uploads,
                };
                list.entry(saver.pakke).or_default().push((name, outcome));
            });
            if outcome == Outcome::Unknown {
                self.pause().await;
            }
        }
        Ok(())
    }

    /// Submit (API, idempotency key), then the kommune returns it (form), and again; in the
    /// run's last quarter the kommune receives it instead, and the cycle ends.
    async fn cycle_loop(self, cycle: CyclePlan) -> Result<()> {
        let mut key_nr = 0;
        let mut rounds = 0;
        loop {
            let Some(detail) = self.read(&format!("/api/v1/pakker/{}", cycle.pakke), &cycle.org, true).await? else {
                return Ok(());
            };
            let detail: serde_json::Value = serde_json::from_str(&detail)?;
            let status = detail["status"].as_str().context("no status")?.to_string();
            match status.as_str() {
                "kladde" | "returneret" => {
                    // The same key until the server has answered: a repeat after a crash
                    // must give the version the lost answer named, or make it once.
                    let key = format!("crash-{}-{key_nr}", cycle.pakke);
                    let r = self
                        .client
                        .post(self.url(&format!("/api/v1/pakker/{}/indsend", cycle.pakke)))
                        .bearer_auth(&*cycle.org.token)
                        .json(&serde_json::json!({"idempotensnoegle": key, "bestyrelse_godkendt": "2026-05-20"}));
                    let entry = match self.send(r).await {
                        Answer::Status(200, body) => {
                            let v: serde_json::Value = serde_json::from_str(&body)?;
                            key_nr += 1;
                            (key, Outcome::Acknowledged, v["version"].as_i64())
                        }
                        Answer::Status(status, body) => bail!("submitting {key} answered {status}: {}", head(&body)),
                        Answer::None => (key, Outcome::Unknown, None),
                    };
                    self.record(|ledger| ledger.submissions.entry(cycle.pakke).or_default().push(entry));
                }
                "indsendt" => {
                    rounds += 1;
                    let receive = self.finale.load(Ordering::Relaxed);
                    let (form, action) = if receive {
                        (format!("/pakker/{}", cycle.pakke), format!("/pakker/{}/modtag", cycle.pakke))
                    } else {
                        (format!("/pakker/{}/returner", cycle.pakke), format!("/pakker/{}/returner", cycle.pakke))
                    };
                    let Some(page) = self.read(&form, &cycle.kommune, false).await? else { return Ok(()) };
                    let csrf = loadtest::html::input_value(&page, "_csrf").context("no _csrf on the kommune's page")?;
                    let mut fields = vec![("_csrf".to_string(), csrf.to_string())];
                    if !receive {
                        fields.push(("begrundelse".into(), format!("Crashtest, runde {rounds}")));
                        // The deadline the form proposes.
                        let frist =
                            loadtest::html::input_value(&page, "frist").context("no deadline on the return form")?;
                        fields.push(("frist".into(), frist.to_string()));
                    }
                    let r = self
                        .client
                        .post(self.url(&action))
                        .header("cookie", format!("sd_session={}", cycle.kommune.token))
                        .form(&fields);
                    let outcome = match self.send(r).await {
                        Answer::Status(303, _) => Outcome::Acknowledged,
                        Answer::Status(status, body) => bail!("{action} answered {status}: {}", head(&body)),
                        Answer::None => Outcome::Unknown,
                    };
                    self.record(|ledger| {
                        let list = if receive { &mut ledger.receipts } else { &mut ledger.returns };
                        list.entry(cycle.pakke).or_default().push(outcome);
                    });
                }
                // Received: the cycle is over (a receipt is final).
                _ => return Ok(()),
            }
            if self.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The revision of the section (or afdeling form) whose `field` is `value`.
fn revision(list: &serde_json::Value, field: &str, value: impl Into<serde_json::Value>) -> Result<i64> {
    let value = value.into();
    list.as_array()
        .and_then(|l| l.iter().find(|s| s[field] == value))
        .and_then(|s| s["revision"].as_i64())
        .with_context(|| format!("no revision for {field} {value}"))
}

/// A small valid PDF whose bytes carry the marker (each upload its own content).
fn pdf(marker: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {marker}\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

fn head(body: &str) -> String {
    body.chars().take(200).collect()
}

/// An upload whose body takes about 1.5 s to send: SIGTERM arrives while it is in flight.
/// Returns the status and the file name, or None without an answer.
async fn slow_upload(client: reqwest::Client, base: String, session: Session, pakke: i64) -> Option<(u16, String)> {
    let name = "crash-sigterm.pdf".to_string();
    let boundary = "crashtestgraense";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"art\"\r\n\r\nekstra\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"fil\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend(pdf("sigterm"));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let chunks: Vec<Vec<u8>> = body.chunks(body.len().div_ceil(6)).map(<[u8]>::to_vec).collect();
    let stream = futures::stream::iter(chunks).then(|chunk| async move {
        tokio::time::sleep(Duration::from_millis(250)).await;
        Ok::<_, std::io::Error>(chunk)
    });
    let answer = client
        .post(format!("{base}/api/v1/pakker/{pakke}/bilag"))
        .bearer_auth(&*session.token)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("content-length", body.len())
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .ok()?;
    Some((answer.status().as_u16(), name))
}

use futures::StreamExt;

// ---------------------------------------------------------------------------------------
// The checks, on the database itself while the server is down.

enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Db {
    async fn open(url: &str, engine: Engine) -> Result<Db> {
        Ok(match engine {
            Engine::Sqlite => {
                let options: sqlx::sqlite::SqliteConnectOptions = url.parse()?;
                // Read-only, one connection (WAL lets it read beside the server's writer).
                Db::Sqlite(
                    sqlx::sqlite::SqlitePoolOptions::new()
                        .max_connections(1)
                        .connect_with(options.read_only(true))
                        .await?,
                )
            }
            Engine::Postgres => {
                Db::Postgres(sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(url).await?)
            }
        })
    }

    async fn close(self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }

    /// One integer from a query with text parameters `$1`, `$2`, ….
    async fn scalar(&self, sql: &str, binds: &[&str]) -> Result<i64> {
        self.column::<i64>(sql, binds).await?.into_iter().next().with_context(|| format!("no row: {sql}"))
    }

    /// Text values of one column.
    async fn texts(&self, sql: &str, binds: &[&str]) -> Result<Vec<String>> {
        self.column::<String>(sql, binds).await
    }

    /// The first column of every row, on either engine.
    async fn column<T>(&self, sql: &str, binds: &[&str]) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
        T: Send + Unpin,
    {
        macro_rules! fetch {
            ($pool:expr) => {{
                let mut q = sqlx::query_scalar::<_, T>(sqlx::AssertSqlSafe(sql.to_string()));
                for b in binds {
                    q = q.bind(b.to_string());
                }
                q.fetch_all($pool).await.with_context(|| sql.to_string())?
            }};
        }
        Ok(match self {
            Db::Sqlite(p) => fetch!(p),
            Db::Postgres(p) => fetch!(p),
        })
    }
}

/// Audit events of an action on a package since the run began.
async fn audit_count(db: &Db, start: i64, pakke: i64, action: &str) -> Result<i64> {
    db.scalar(
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE id > {start} AND objekt_type = 'pakke' AND objekt_id = $1 AND handling = $2"
        ),
        &[&pakke.to_string(), action],
    )
    .await
}

/// A list of writes in order: the acknowledged ones and the unknown ones.
fn split<T: Clone>(list: &[(T, Outcome)]) -> (Vec<T>, Vec<T>) {
    let ack = list.iter().filter(|(_, o)| *o == Outcome::Acknowledged).map(|(t, _)| t.clone()).collect();
    let unknown = list.iter().filter(|(_, o)| *o == Outcome::Unknown).map(|(t, _)| t.clone()).collect();
    (ack, unknown)
}

async fn check(db: &Db, start: i64, plan: &Plan, ledger: &Ledger) -> Result<()> {
    for saver in &plan.savers {
        let p = saver.pakke;
        let ps = p.to_string();
        // Answers: the stored text is the last acknowledged marker or a later unknown one,
        // and the saves' audit events are between the acknowledged and all sent.
        for (list, key, what) in [
            (ledger.sektion.get(&p), SPOERGSMAAL.to_string(), "section"),
            (ledger.afdeling.get(&p), format!("afd{}:{AFDELING_SPOERGSMAAL}", saver.afdeling), "afdeling form"),
        ] {
            let Some(list) = list else { continue };
            let stored = db
                .texts(
                    "SELECT svar FROM pakke_svar WHERE pakke_id = CAST($1 AS BIGINT) AND spoergsmaal_id = $2",
                    &[&ps, &key],
                )
                .await?;
            let last_ack = list.iter().rposition(|(_, o)| *o == Outcome::Acknowledged);
            let allowed: Vec<&str> = list
                .iter()
                .enumerate()
                .filter(|(i, (_, o))| {
                    Some(*i) == last_ack || (*o == Outcome::Unknown && last_ack.is_none_or(|a| *i > a))
                })
                .map(|(_, (m, _))| m.as_str())
                .collect();
            let found =
                stored.first().map(|s| allowed.iter().any(|m| s.contains(&format!("\"{m}\"")))).unwrap_or(false);
            if last_ack.is_some() || stored.first().is_some_and(|s| s.contains("crash-")) {
                ensure!(found, "package {p}, {what}: stored {:?}, expected one of {allowed:?}", stored.first());
            }
        }
        let saves = ledger.sektion.get(&p).map_or(0, Vec::len) + ledger.afdeling.get(&p).map_or(0, Vec::len);
        let acked = ledger
            .sektion
            .get(&p)
            .into_iter()
            .chain(ledger.afdeling.get(&p))
            .flatten()
            .filter(|(_, o)| *o == Outcome::Acknowledged)
            .count();
        let audited = audit_count(db, start, p, "svar_gemt").await? as usize;
        ensure!(
            (acked..=saves).contains(&audited),
            "package {p}: {audited} audit events of saves for {acked} acknowledged of {saves} sent"
        );
        check_uploads(db, start, p, ledger.uploads.get(&p).map(Vec::as_slice).unwrap_or(&[])).await?;
    }
    for cycle in &plan.cycles {
        check_cycle(db, start, &plan.baseline, cycle.pakke, ledger).await?;
    }
    Ok(())
}

/// Each acknowledged upload once, nothing that was not sent, one audit event per file.
async fn check_uploads(db: &Db, start: i64, p: i64, list: &[(String, Outcome)]) -> Result<()> {
    let (ack, unknown) = split(list);
    let stored = db
        .texts(
            "SELECT filnavn FROM bilag WHERE pakke_id = CAST($1 AS BIGINT) AND filnavn LIKE 'crash-%'",
            &[&p.to_string()],
        )
        .await?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for name in &stored {
        *counts.entry(name.as_str()).or_default() += 1;
    }
    for name in &ack {
        ensure!(
            counts.get(name.as_str()) == Some(&1),
            "package {p}: acknowledged upload {name} stored {:?} times",
            counts.get(name.as_str())
        );
    }
    for (name, n) in &counts {
        ensure!(*n == 1, "package {p}: upload {name} stored {n} times");
        ensure!(ack.iter().chain(&unknown).any(|a| a == name), "package {p}: upload {name} stored but never sent");
    }
    let audited = audit_count(db, start, p, "bilag_tilfoejet").await?;
    ensure!(audited == stored.len() as i64, "package {p}: {} uploads stored, {audited} audit events", stored.len());
    Ok(())
}

/// Each acknowledged submission once as a version with its key (and the version the answer
/// named), no version without its audit event, and returns and receipts likewise.
async fn check_cycle(db: &Db, start: i64, baseline: &Baseline, p: i64, ledger: &Ledger) -> Result<()> {
    let ps = p.to_string();
    let sent = ledger.submissions.get(&p).cloned().unwrap_or_default();
    let keys = db
        .texts(
            "SELECT idempotens FROM pakke_versioner WHERE pakke_id = CAST($1 AS BIGINT) AND idempotens LIKE 'crash-%'",
            &[&ps],
        )
        .await?;
    let distinct: BTreeSet<&String> = keys.iter().collect();
    ensure!(distinct.len() == keys.len(), "package {p}: a submission key twice among {keys:?}");
    for (key, outcome, version) in &sent {
        if *outcome == Outcome::Acknowledged {
            ensure!(keys.contains(key), "package {p}: acknowledged submission {key} has no version");
            let stored = db
                .scalar(
                    "SELECT version FROM pakke_versioner WHERE pakke_id = CAST($1 AS BIGINT) AND idempotens = $2",
                    &[&ps, key],
                )
                .await?;
            ensure!(Some(stored) == *version, "package {p}: {key} answered version {version:?}, stored {stored}");
        }
    }
    for key in &keys {
        ensure!(sent.iter().any(|(k, _, _)| k == key), "package {p}: version with key {key} never sent");
    }
    let audited = audit_count(db, start, p, "pakke_indsendt").await?;
    ensure!(audited == keys.len() as i64, "package {p}: {} versions, {audited} audit events of submission", keys.len());
    for (action, til, list) in [
        ("pakke_returneret", "returneret", ledger.returns.get(&p)),
        ("pakke_modtaget", "modtaget", ledger.receipts.get(&p)),
    ] {
        let list = list.cloned().unwrap_or_default();
        let acked = list.iter().filter(|o| **o == Outcome::Acknowledged).count() as i64;
        let audited = audit_count(db, start, p, action).await?;
        let events = db
            .scalar(
                "SELECT COUNT(*) FROM pakke_haendelser WHERE pakke_id = CAST($1 AS BIGINT) AND til = $2",
                &[&ps, til],
            )
            .await?
            - baseline.get(&(p, til)).copied().unwrap_or(0);
        ensure!(
            audited >= acked && audited <= list.len() as i64,
            "package {p}: {audited} audit events of {action} for {acked} acknowledged of {} sent",
            list.len()
        );
        ensure!(events == audited, "package {p}: {events} changes to {til}, {audited} audit events");
    }
    Ok(())
}
