//! `styringsdialog bench`: the end-to-end benchmark of the national data path, through the
//! same store and use cases as production: load the national demo, import a national accounts
//! file, and recompute every figure of the country. Prints a Markdown table for
//! docs/performance.md. The divan benches (`cargo bench`) measure the pure parts alone.

use anyhow::Context;
use app::{App, ImportArt};
use domain::Styringsaar;
use std::fmt::Write;
use std::time::Instant;

pub struct BenchOptions {
    pub runs: u32,
    pub skala: f64,
    pub seed: u64,
    pub styringsaar: Styringsaar,
}

/// The measurements of one step over all runs, in milliseconds.
struct Step {
    name: String,
    ms: Vec<f64>,
}

impl Step {
    fn row(&self) -> String {
        let mut sorted = self.ms.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        format!(
            "| {} | {median:.0} ms | {:.0}–{:.0} ms | {} |",
            self.name,
            sorted[0],
            sorted[sorted.len() - 1],
            sorted.len()
        )
    }
}

/// Runs the benchmark against `app`, whose database must be empty.
pub async fn run(app: &App, options: &BenchOptions) -> anyhow::Result<String> {
    anyhow::ensure!(app.is_empty().await?, "bench kræver en tom database (den fylder den selv med demodata)");
    let aar = options.styringsaar;
    let (_, kommuner) = domain::reference::kommuner_og_regioner()?;
    let demo_options = demo::DemoOptions { seed: options.seed, styringsaar: aar, aar: 2, skala: options.skala };

    let started = Instant::now();
    let data = demo::generate(&kommuner, &demo_options);
    let generate_ms = ms(started);
    let started = Instant::now();
    demo::seed_demo(app, &data, aar, false, &|_| {}).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let load_ms = ms(started);

    let mut steps = vec![
        Step { name: "import, --dry-run (read, check, compare)".into(), ms: vec![] },
        Step { name: "import, every line changed".into(), ms: vec![] },
        Step { name: "import, the same file again (nothing changes)".into(), ms: vec![] },
        Step { name: "compute: loading the inputs".into(), ms: vec![] },
        Step { name: "compute: key figures, benchmarks, marks, groups, FDH".into(), ms: vec![] },
        Step { name: "compute: storing the results".into(), ms: vec![] },
        Step { name: "compute: the whole command".into(), ms: vec![] },
    ];
    let mut lines = 0;
    for run in 0..options.runs {
        // Each run's file differs from what is stored, so the import really writes.
        let file = demo::regnskabsfil(&data, aar, i64::from(run) + 1);
        let import = |dry_run| {
            let file = &file;
            async move {
                let started = Instant::now();
                let table = tabular::read_bytes("national.csv", file.as_bytes())?;
                let r = app
                    .import(None, ImportArt::Afdelingsregnskab, aar, &table, dry_run)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                anyhow::Ok((ms(started), r))
            }
        };
        let (dry, r) = import(true).await?;
        anyhow::ensure!(r.aendrede == r.raekker, "the dry run should find every line changed");
        let (changed, r) = import(false).await?;
        lines = r.raekker;
        let (same, r) = import(false).await?;
        anyhow::ensure!(r.uaendrede == r.raekker, "a repeated import should change nothing");
        let started = Instant::now();
        let s = app.beregn(None, aar).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let total = ms(started);
        for (step, value) in
            steps.iter_mut().zip([dry, changed, same, s.load_ms as f64, s.compute_ms as f64, s.store_ms as f64, total])
        {
            step.ms.push(value);
        }
    }

    let stats = app.store().stats().await.context("stats")?;
    let mut out = String::new();
    writeln!(
        out,
        "National demo (seed {}, skala {}): {} organisations, {} afdelinger, {} homes; generated in {generate_ms:.0} ms, loaded in {:.1} s.\n",
        options.seed,
        options.skala,
        stats.organisationer,
        stats.afdelinger,
        stats.boliger,
        load_ms / 1000.0
    )?;
    writeln!(out, "Accounts file: {lines} lines (styringsår {aar}, Danish CSV). {} runs.\n", options.runs)?;
    writeln!(out, "| step | median | fastest–slowest | runs |\n|---|---|---|---|")?;
    for step in &steps {
        writeln!(out, "{}", step.row())?;
    }
    Ok(out)
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}
