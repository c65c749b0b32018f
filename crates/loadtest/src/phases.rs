//! Phases 2–4: the per-page closed loops, the mixed workload and the memory samples, each
//! attack a goose run of its own against the one server.

use crate::journeys::{self, Auth, Target};
use crate::report::{self, Row};
use crate::setup::{API_SECTION, FORM_SECTIONS, Fixture};
use anyhow::{Result, bail};
use goose::GooseAttack;
use goose::client::GooseClientBuilder;
use goose::config::GooseConfiguration;
use goose::goose::Scenario;
use goose::metrics::GooseMetrics;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The PDF is typeset for every request (CPU-bound, tens of MB each): a few connections say
/// what it costs without swapping the machine.
const PDF_CONNECTIONS: usize = 4;

/// An error goose recorded, with the phase it happened in.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorLine {
    pub phase: String,
    pub request: String,
    pub error: String,
    pub count: usize,
}

/// One goose run: `users` started at `increase_rate` a second, for `seconds`. Nothing is
/// printed and no metric is reset after the start, so every request, and every error, counts.
async fn attack(
    host: &str,
    users: usize,
    increase_rate: f64,
    seconds: u64,
    scenarios: Vec<Scenario>,
) -> Result<GooseMetrics> {
    let args = [
        "--host",
        host,
        "--users",
        &users.to_string(),
        "--increase-rate",
        &increase_rate.to_string(),
        "--run-time",
        &seconds.to_string(),
        "--quiet",
        "--no-print-metrics",
        "--no-reset-metrics",
        "--no-telnet",
        "--co-mitigation",
        "disabled",
    ];
    let configuration = GooseConfiguration::parse_args_default(&args)?;
    // Goose's own clients are never used (each user takes the shared one on start), so one
    // cheap shared client instead of one per user.
    let mut attack = GooseAttack::initialize_with_config(configuration)?
        .set_client_builder_without_cookies(GooseClientBuilder::new().without_cookies())?;
    for scenario in scenarios {
        attack = attack.register_scenario(scenario);
    }
    let metrics = {
        let _muted = crate::quiet::MutedStdout::new();
        attack.execute().await?
    };
    if goose::is_killswitch_triggered() {
        bail!("interrupted");
    }
    Ok(metrics)
}

/// Every error of an attack: failed requests, and journeys that could not go on.
fn error_lines(phase: &str, metrics: &GooseMetrics) -> Vec<ErrorLine> {
    let requests = report::errors(metrics).into_iter().map(|(request, error, count)| ErrorLine {
        phase: phase.to_string(),
        request,
        error,
        count,
    });
    let journeys = metrics.transaction_errors.values().map(|e| ErrorLine {
        phase: phase.to_string(),
        request: format!("{} / {}", e.scenario_name, e.transaction_name),
        error: e.error.clone(),
        count: e.occurrences,
    });
    requests.chain(journeys).collect()
}

/// Failed requests plus journey errors that were no failed request.
fn failures(metrics: &GooseMetrics) -> u64 {
    let requests: usize = metrics.requests.values().map(|r| r.fail_count).sum();
    let journeys: usize = metrics.transaction_errors.values().map(|e| e.occurrences).sum();
    (requests + journeys) as u64
}

pub struct PerPageSettings {
    pub connections: usize,
    pub seconds: u64,
    /// If not empty, only the pages whose name contains one of these.
    pub only: Vec<String>,
}

#[derive(Serialize)]
pub struct PerPage {
    pub rows: Vec<Row>,
    /// `/healthz` first and last: the first is the baseline the shares are of.
    pub healthz_first: Row,
    pub healthz_last: Row,
    pub failures: u64,
    pub errors: Vec<ErrorLine>,
}

/// One row's definition.
struct Page {
    audience: &'static str,
    name: String,
    users: usize,
    note: Option<String>,
    target: Target,
}

fn pages(f: &Fixture, connections: usize) -> Vec<Page> {
    let get = |audience, path: String, auth: &Auth| Page {
        audience,
        name: path.clone(),
        users: connections,
        note: None,
        target: Target::Get { path, auth: auth.clone(), expect: 200 },
    };
    let org = Auth::Cookie(f.boligorg.token.clone());
    let kommune = Auth::Cookie(f.kommuner[0].session.token.clone());
    let styrelse = Auth::Cookie(f.styrelse.token.clone());
    let bearer = Auth::Bearer(f.styrelse.token.clone());
    let public = Auth::Anonymous;
    let (p, afd, nr) = (f.boligorg_pakke, f.boligorg_afdeling, f.boligorg_nummer);
    let (kp, kv) = f.kommuner[0].pakker[0];
    // One saving user per package: the first saver of each package (see `setup`).
    let first_savers: Vec<_> =
        f.savers.iter().filter(|s| s.sektion == FORM_SECTIONS[0]).take(connections).cloned().collect();
    let api_savers: Vec<_> = f.api_savers.iter().take(connections).cloned().collect();
    // "Check your answers" lists the missing answers with 422 until the package is complete.
    let mut tjek = get("organisation", format!("/pakker/{p}/indsend"), &org);
    if let Target::Get { expect, .. } = &mut tjek.target {
        *expect = f.boligorg_tjek_status;
    }
    tjek.note = Some(format!("answers {}", f.boligorg_tjek_status));
    let mut pdf = get("organisation", format!("/pakker/{p}/styringsrapport.pdf"), &org);
    pdf.users = connections.min(PDF_CONNECTIONS);
    pdf.note = Some("typeset for every request, so fewer users".into());
    vec![
        get("organisation", "/organisation".into(), &org),
        get("organisation", format!("/pakker/{p}"), &org),
        get("organisation", format!("/pakker/{p}/afdelinger"), &org),
        get("organisation", format!("/pakker/{p}/sektioner/b3.I"), &org),
        get("organisation", format!("/pakker/{p}/sektioner/b3.IV"), &org),
        get("organisation", format!("/pakker/{p}/sektioner/b3.V"), &org),
        get("organisation", format!("/pakker/{p}/sektioner/b3.bilag1"), &org),
        get("organisation", format!("/pakker/{p}/afdelinger/{afd}"), &org),
        tjek,
        pdf,
        Page {
            audience: "organisation",
            name: format!("/pakker/{{id}}/sektioner/{}", FORM_SECTIONS[0]),
            users: first_savers.len(),
            note: Some("save: each user its own package, after a GET of the form for the revision".into()),
            target: Target::SaveForm { savers: Arc::new(first_savers) },
        },
        get("kommune", "/kommune".into(), &kommune),
        get("kommune", "/kommune/opmaerksomhed".into(), &kommune),
        get("kommune", "/kommune/pakker".into(), &kommune),
        get("kommune", "/kommune/afdelinger".into(), &kommune),
        get("kommune", format!("/pakker/{kp}"), &kommune),
        get("kommune", format!("/pakker/{kp}/versioner/{kv}"), &kommune),
        get("styrelse", "/styrelse".into(), &styrelse),
        get("styrelse", "/aftaler?vis=alle".into(), &styrelse),
        get("styrelse", "/styrelse/udbakke".into(), &styrelse),
        get("offentlig", "/offentlig?q=bolig".into(), &public),
        get("offentlig", format!("/offentlig/organisationer/{nr}"), &public),
        get("offentlig", format!("/offentlig/organisationer/{nr}/afdelinger/{afd}"), &public),
        get("offentlig", "/offentlig/data".into(), &public),
        get("offentlig", f.csv.clone(), &public),
        get("api", "/api/v1/pakker".into(), &bearer),
        get("api", format!("/api/v1/pakker/{kp}"), &bearer),
        get("api", "/api/v1/offentlig/organisationer?q=bolig".into(), &public),
        Page {
            audience: "api",
            name: format!("/api/v1/pakker/{{id}}/sektioner/{API_SECTION}"),
            users: api_savers.len(),
            note: Some("save: each user its own package, with the revision its last save answered with".into()),
            target: Target::SaveApi { savers: Arc::new(api_savers) },
        },
    ]
}

/// Runs one page in a closed loop and returns its row.
async fn measure(host: &str, client: &reqwest::Client, page: Page, seconds: u64, out: &mut PerPage) -> Result<Row> {
    let key = page.target.key(&page.name);
    page.target.warm_up(client, host).await?;
    let scenario = journeys::per_page(client, &page.name, page.target);
    // All users at once: the loop is closed, so they pace themselves.
    let metrics = attack(host, page.users, 10_000.0, seconds, vec![scenario]).await?;
    let elapsed = report::measured_seconds(&metrics);
    out.failures += failures(&metrics);
    out.errors.extend(error_lines(&format!("per page: {}", page.name), &metrics));
    let mut row = report::request_row(&metrics, &key, elapsed).unwrap_or_else(|| report::total(&[], &key));
    row.audience = page.audience.to_string();
    row.users = page.users;
    row.note = page.note;
    // A failed request before the reported one (e.g. the read before a save) is an error of
    // the row too.
    row.errors = metrics.requests.values().map(|r| r.fail_count as u64).sum();
    eprintln!(
        "  {:<12} {:<60} {:>9} req/s  median {:>10}  p99 {:>10}  errors {}",
        row.audience,
        row.name,
        report::format_rps(row.rps),
        report::format_ms(row.median_ms),
        report::format_ms(row.p99_ms),
        row.errors
    );
    Ok(row)
}

pub async fn per_page(host: &str, client: &reqwest::Client, f: &Fixture, s: &PerPageSettings) -> Result<PerPage> {
    let healthz = || Page {
        audience: "baseline",
        name: "/healthz".into(),
        users: s.connections,
        note: None,
        target: Target::Get { path: "/healthz".into(), auth: Auth::Anonymous, expect: 200 },
    };
    let mut out = PerPage {
        rows: Vec::new(),
        healthz_first: report::total(&[], "/healthz"),
        healthz_last: report::total(&[], "/healthz"),
        failures: 0,
        errors: Vec::new(),
    };
    out.healthz_first = measure(host, client, healthz(), s.seconds, &mut out).await?;
    let chosen = |page: &Page| s.only.is_empty() || s.only.iter().any(|o| page.name.contains(o.as_str()));
    for page in pages(f, s.connections).into_iter().filter(chosen) {
        let row = measure(host, client, page, s.seconds, &mut out).await?;
        out.rows.push(row);
    }
    out.healthz_last = measure(host, client, healthz(), s.seconds, &mut out).await?;
    let baseline = out.healthz_first.rps;
    for row in out.rows.iter_mut() {
        row.share_of_healthz = (baseline > 0.0).then(|| row.rps / baseline);
    }
    Ok(out)
}

pub struct MixedSettings {
    pub users: usize,
    pub seconds: u64,
    pub think: (Duration, Duration),
}

#[derive(Serialize)]
pub struct Mixed {
    pub rows: Vec<Row>,
    pub total: Row,
    pub seconds: f64,
    /// Users per journey.
    pub users: Vec<(String, usize)>,
    /// Organisation users and API clients beyond the packages to save in: they only read.
    pub read_only: (usize, usize),
    /// Resident memory of the server, (seconds into the phase, bytes), every ten seconds.
    pub memory: Vec<(f64, u64)>,
    pub failures: u64,
    pub errors: Vec<ErrorLine>,
}

pub async fn mixed(
    host: &str,
    client: &reqwest::Client,
    f: Arc<Fixture>,
    pid: u32,
    s: &MixedSettings,
) -> Result<Mixed> {
    let (scenarios, allocation) = journeys::mixed(client, f, s.think)?;
    let samples = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let sampler = {
        let samples = samples.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(10));
            loop {
                every.tick().await;
                let Ok(rss) = crate::server::rss_bytes(pid) else { break };
                samples.lock().expect("sampler").push((started.elapsed().as_secs_f64(), rss));
            }
        })
    };
    // Users arrive over about two seconds, as a morning's first clicks would not all land at once.
    let rate = (s.users as f64 / 2.0).max(1.0);
    let metrics = attack(host, s.users, rate, s.seconds, scenarios).await;
    sampler.abort();
    let metrics = metrics?;
    let mut memory = samples.lock().expect("sampler").clone();
    if let Ok(rss) = crate::server::rss_bytes(pid) {
        memory.push((started.elapsed().as_secs_f64(), rss));
    }
    let seconds = report::measured_seconds(&metrics);
    let rows = report::request_rows(&metrics, seconds);
    let total = report::total(&rows, "all requests");
    let a = &allocation;
    let users = [
        ("kommune", &a.kommune),
        ("organisation", &a.organisation),
        ("offentlig", &a.offentlig),
        ("styrelse", &a.styrelse),
        ("api", &a.api),
    ]
    .iter()
    .map(|(n, c)| (n.to_string(), c.load(Ordering::Relaxed)))
    .collect();
    Ok(Mixed {
        rows,
        total,
        seconds,
        users,
        read_only: (a.organisation_read_only.load(Ordering::Relaxed), a.api_read_only.load(Ordering::Relaxed)),
        memory,
        failures: failures(&metrics),
        errors: error_lines("mixed", &metrics),
    })
}
