//! `styringsdialog udskriv`: prints a styringsår's documents as PDF files into a folder, as
//! one user account may read them: the styringsrapport of each package it may read (the newest
//! submitted version, or the organisation's own working copy) and each redegørelse it may
//! read. With the agency's account this is the national archive of the year. The same
//! builders as the web pages make the documents, so the files equal the downloads.

use app::{App, AppError};
use domain::Styringsaar;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct UdskrivOptions {
    pub aar: Styringsaar,
    pub mappe: PathBuf,
    pub bruger: String,
    pub organisation: Option<domain::OrganisationNummer>,
    /// Typesets each document this many times and reports the median (for benchmarks).
    pub gentag: u32,
    /// Also writes each document's data as JSON beside it (for work on the template).
    pub json: bool,
}

/// One written document and how long it took.
struct Maaling {
    fil: PathBuf,
    afdelinger: usize,
    /// Reading and building the document (database and view models), in ms.
    opbyg_ms: f64,
    /// typst: layout, and PDF export; medians over the repetitions, in ms.
    saet_ms: f64,
    eksport_ms: f64,
    sider: usize,
    bytes: usize,
}

pub struct Opsummering {
    pub dokumenter: usize,
    pub ikke_laesbare: usize,
    pub bytes: usize,
    pub sekunder: f64,
    /// Markdown lines: the slowest documents and the percentiles.
    pub rapport: String,
}

pub async fn run(app: &App, o: &UdskrivOptions) -> anyhow::Result<Opsummering> {
    let user = app.command_line_user(&o.bruger, "udskriv").await.map_err(|e| match e {
        AppError::NotFound => anyhow::anyhow!("brugeren «{}» findes ikke eller er spærret", o.bruger),
        e => anyhow::anyhow!("{e}"),
    })?;
    let mut pakker = app.pakker_i_aar(&user, o.aar).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(nr) = o.organisation {
        pakker.retain(|p| p.organisation_nummer == nr);
        anyhow::ensure!(!pakker.is_empty(), "organisation {nr} har ingen pakke for styringsår {} hos brugeren", o.aar);
    }
    let started = Instant::now();
    let bar = ProgressBar::new(pakker.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} pakker, {eta} tilbage")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // One package per core at a time: typst is CPU-bound, and each document is typeset on a
    // blocking thread of its own.
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    web::udskrift::saet_pdf_pladser(jobs);
    let resultater: Vec<anyhow::Result<Option<Vec<Maaling>>>> = futures::stream::iter(&pakker)
        .map(|p| {
            let (user, bar) = (&user, &bar);
            async move {
                let r = pakke(app, user, p.id, o).await;
                bar.inc(1);
                r
            }
        })
        .buffer_unordered(jobs)
        .collect()
        .await;
    let mut maalinger = Vec::new();
    let mut ikke_laesbare = 0;
    for r in resultater {
        match r? {
            Some(m) => maalinger.extend(m),
            // A draft the user may not read is not printed.
            None => ikke_laesbare += 1,
        }
    }
    bar.finish_and_clear();
    Ok(Opsummering {
        dokumenter: maalinger.len(),
        ikke_laesbare,
        bytes: maalinger.iter().map(|m| m.bytes).sum(),
        sekunder: started.elapsed().as_secs_f64(),
        rapport: rapport(&mut maalinger, &o.mappe),
    })
}

/// The documents of one package, or None when the user may not read it.
async fn pakke(
    app: &App,
    user: &app::SessionUser,
    id: store::PakkeId,
    o: &UdskrivOptions,
) -> anyhow::Result<Option<Vec<Maaling>>> {
    let v = match app.pakke_view(user, id).await {
        Ok(v) => v,
        Err(AppError::Forbidden | AppError::NotFound) => return Ok(None),
        Err(e) => anyhow::bail!("pakke {}: {e}", id.0),
    };
    if !v.is_working_copy && v.versions.is_empty() {
        return Ok(None);
    }
    let mappe = o.mappe.join(o.aar.to_string()).join(v.pakke.hjemstedskommune.to_string());
    std::fs::create_dir_all(&mappe)?;
    let mut ud = Vec::new();
    let t = Instant::now();
    let dokument = web::udskrift::styringsrapport_dokument(app, &v, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let opbyg_ms = ms(t);
    let fil = mappe.join(web::udskrift::filnavn(&v, "styringsrapport"));
    ud.push(skriv(dokument, fil, v.afdelinger.len(), opbyg_ms, o).await?);
    let t = Instant::now();
    if let Some(dokument) = web::udskrift::pakkens_redegoerelse(app, &v).await.map_err(|e| anyhow::anyhow!("{e}"))? {
        let opbyg_ms = ms(t);
        let fil = mappe.join(web::udskrift::filnavn(&v, "redegoerelse"));
        ud.push(skriv(dokument, fil, 0, opbyg_ms, o).await?);
    }
    Ok(Some(ud))
}

async fn skriv(
    dokument: pdf::Dokument,
    fil: PathBuf,
    afdelinger: usize,
    opbyg_ms: f64,
    o: &UdskrivOptions,
) -> anyhow::Result<Maaling> {
    if o.json {
        std::fs::write(fil.with_extension("json"), serde_json::to_vec_pretty(&dokument)?)?;
    }
    let gentag = o.gentag;
    let mut saetning = Vec::new();
    let mut eksport = Vec::new();
    let mut udskrift = None;
    for _ in 0..gentag.max(1) {
        // Each repetition from scratch: a repeated document would otherwise come from the cache.
        if gentag > 1 {
            pdf::ryd_op();
        }
        let u = web::udskrift::saet(dokument.clone()).await.map_err(|e| anyhow::anyhow!("{}: {e}", fil.display()))?;
        saetning.push(u.saetning.as_secs_f64() * 1000.0);
        eksport.push(u.eksport.as_secs_f64() * 1000.0);
        udskrift = Some(u);
    }
    let u = udskrift.expect("typeset at least once");
    std::fs::write(&fil, &u.bytes)?;
    Ok(Maaling {
        fil,
        afdelinger,
        opbyg_ms,
        saet_ms: median(saetning),
        eksport_ms: median(eksport),
        sider: u.sider,
        bytes: u.bytes.len(),
    })
}

/// Percentiles of the time per document, and the five slowest.
fn rapport(maalinger: &mut [Maaling], rod: &Path) -> String {
    if maalinger.is_empty() {
        return String::new();
    }
    let i_alt = |m: &Maaling| m.opbyg_ms + m.saet_ms + m.eksport_ms;
    maalinger.sort_by(|a, b| i_alt(b).total_cmp(&i_alt(a)));
    let mut tider: Vec<f64> = maalinger.iter().map(i_alt).collect();
    tider.sort_by(f64::total_cmp);
    let pct = |p: f64| tider[((tider.len() - 1) as f64 * p).round() as usize];
    let mut ud = format!(
        "Tid pr. dokument (opbygning, sætning og PDF): median {:.0} ms, 95 % {:.0} ms, største {:.0} ms.\n\n\
         | dokument | afdelinger | sider | opbygning | sætning | PDF | i alt | størrelse |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    for m in maalinger.iter().take(5) {
        ud.push_str(&format!(
            "| {} | {} | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {} kB |\n",
            m.fil.strip_prefix(rod).unwrap_or(&m.fil).display(),
            m.afdelinger,
            m.sider,
            m.opbyg_ms,
            m.saet_ms,
            m.eksport_ms,
            i_alt(m),
            m.bytes / 1024
        ));
    }
    ud
}

fn median(mut x: Vec<f64>) -> f64 {
    x.sort_by(f64::total_cmp);
    x[x.len() / 2]
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
