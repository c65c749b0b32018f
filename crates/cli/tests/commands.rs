//! The `styringsdialog` command as an operator uses it, on the engine under test.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_styringsdialog"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("STYRINGSDIALOG_PASSWORD", "et-godt-kodeord")
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[tokio::test]
async fn demo_stats_and_a_refused_second_demo() {
    let db = testkit::fresh_database_url().await;
    let demo = run(&["--database", &db, "demo", "--skala", "0.02"]);
    assert!(demo.status.success(), "{}", text(&demo));
    // Logs written to a pipe or a file carry no terminal colour codes.
    assert!(!demo.stderr.contains(&0x1b), "ANSI escape codes in the log: {}", String::from_utf8_lossy(&demo.stderr));
    let stats = run(&["--database", &db, "stats"]);
    assert!(stats.status.success(), "{}", text(&stats));
    let json: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("stats prints one JSON object");
    assert_eq!(json["kommuner"], 98);
    for key in ["organisationer", "afdelinger", "boliger"] {
        assert!(json[key].as_i64().unwrap() > 0, "{key}");
    }
    // A second demo is refused and changes nothing.
    let again = run(&["--database", &db, "demo", "--skala", "0.02"]);
    assert!(!again.status.success());
    assert!(text(&again).contains("--force"), "{}", text(&again));
    let after: serde_json::Value = serde_json::from_slice(&run(&["--database", &db, "stats"]).stdout).unwrap();
    assert_eq!(after, json);
}

#[tokio::test]
async fn users_are_added_listed_and_disabled() {
    let db = testkit::fresh_database_url().await;
    assert!(run(&["--database", &db, "migrate"]).status.success());
    let add = run(&[
        "--database",
        &db,
        "user",
        "add",
        "--username",
        "sagsbehandler",
        "--name",
        "Sara Sagsbehandler",
        "--role",
        "kommune",
        "--kommune",
        "101",
    ]);
    assert!(add.status.success(), "{}", text(&add));
    let list = text(&run(&["--database", &db, "user", "list"]));
    assert!(list.contains("sagsbehandler") && list.contains("aktiv"), "{list}");
    assert!(run(&["--database", &db, "user", "disable", "sagsbehandler"]).status.success());
    assert!(text(&run(&["--database", &db, "user", "list"])).contains("deaktiveret"));
    // Bad input gets a clear message and changes nothing.
    let duplicate =
        run(&["--database", &db, "user", "add", "--username", "sagsbehandler", "--name", "X", "--role", "styrelse"]);
    assert!(!duplicate.status.success());
    assert!(text(&duplicate).contains("allerede i brug"), "{}", text(&duplicate));
    let no_kommune = run(&["--database", &db, "user", "add", "--username", "k2", "--name", "X", "--role", "kommune"]);
    assert!(text(&no_kommune).contains("skal have en kommune"), "{}", text(&no_kommune));
    let unknown = run(&["--database", &db, "user", "disable", "findes-ikke"]);
    assert!(!unknown.status.success());
    assert!(text(&unknown).contains("findes ikke"));
}

#[test]
fn a_wrong_database_url_is_refused_clearly() {
    let out = run(&["--database", "mysql://localhost/x", "stats"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("ukendt databaseadresse"), "{}", text(&out));
    let help = text(&run(&["demo", "--help"]));
    assert!(help.contains("--force") && help.contains("--seed"), "{help}");
}

#[test]
fn default_config_is_valid_toml() {
    let out = run(&["default-config"]);
    assert!(out.status.success());
    let parsed: toml::Value = toml::from_str(&String::from_utf8_lossy(&out.stdout)).expect("valid TOML");
    assert_eq!(parsed["database"]["url"].as_str(), Some("sqlite://data/styringsdialog.db"));
}

#[tokio::test]
async fn figures_are_computed_and_exported_as_csv_and_xlsx() {
    let db = testkit::fresh_database_url().await;
    assert!(run(&["--database", &db, "demo", "--skala", "0.02"]).status.success());
    let compute = run(&["--database", &db, "compute", "--year", "2026"]);
    assert!(compute.status.success(), "{}", text(&compute));
    let dir = std::env::temp_dir();
    let csv_path = dir.join(format!("sd_export_{}.csv", std::process::id()));
    let xlsx_path = dir.join(format!("sd_export_{}.xlsx", std::process::id()));
    for path in [&csv_path, &xlsx_path] {
        let out =
            run(&["--database", &db, "export", "noegletal", "--year", "2026", "--output", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let csv = tabular::read_path(&csv_path).unwrap();
    let xlsx = tabular::read_path(&xlsx_path).unwrap();
    assert_eq!(csv.headers, xlsx.headers);
    assert_eq!(csv.rows.len(), xlsx.rows.len());
    let noegletal = csv.column("noegletal").unwrap();
    assert!(csv.rows.iter().any(|r| r.cells[noegletal] == "effektivitetstal"));
    assert!(csv.rows.iter().any(|r| r.cells[noegletal] == "administrationsbidrag"));
    // Labour-market attachment is compared with the afdeling's own kommune: its benchmark is
    // the kommune's level, so it differs between kommuner (a national median would not).
    let (vaerdi, benchmark) = (csv.column("vaerdi").unwrap(), csv.column("benchmark").unwrap());
    let marked: Vec<_> = csv.rows.iter().filter(|r| r.cells[noegletal] == "uden_for_arbejdsmarkedet").collect();
    assert!(!marked.is_empty());
    assert!(marked.iter().all(|r| !r.cells[benchmark].is_empty() && !r.cells[vaerdi].is_empty()));
    let levels: std::collections::BTreeSet<&str> = marked.iter().map(|r| r.cells[benchmark].as_str()).collect();
    assert!(levels.len() > 1, "one level for every afdeling: {levels:?}");
    let none =
        run(&["--database", &db, "export", "noegletal", "--year", "2030", "--output", csv_path.to_str().unwrap()]);
    assert!(!none.status.success() && text(&none).contains("ingen beregnede nøgletal"));
}

#[tokio::test]
async fn bench_measures_the_national_path_on_an_empty_database_only() {
    let db = testkit::fresh_database_url().await;
    let bench = run(&["--database", &db, "bench", "--skala", "0.02", "--runs", "1"]);
    assert!(bench.status.success(), "{}", text(&bench));
    let out = String::from_utf8_lossy(&bench.stdout);
    for step in ["import, every line changed", "compute: the whole command"] {
        assert!(out.contains(step), "{out}");
    }
    // The database now holds the demo: a second run is refused.
    let again = run(&["--database", &db, "bench", "--skala", "0.02", "--runs", "1"]);
    assert!(!again.status.success() && text(&again).contains("tom database"), "{}", text(&again));
}

#[test]
fn rule_files_from_the_configuration_are_checked() {
    let dir = std::env::temp_dir().join(format!("sd_regler_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("styringsdialog.toml");
    let db = format!("sqlite://{}", dir.join("d.db").display());
    std::fs::write(&config, "[regler]\nfil = \"/findes/ikke.toml\"\n").unwrap();
    let missing = run(&["--config", config.to_str().unwrap(), "--database", &db, "stats"]);
    assert!(!missing.status.success());
    assert!(text(&missing).contains("kan ikke læse /findes/ikke.toml"), "{}", text(&missing));
    let bad = dir.join("regler.toml");
    std::fs::write(&bad, "version = 1\n").unwrap();
    std::fs::write(&config, format!("[regler]\nfil = \"{}\"\n", bad.display())).unwrap();
    let refused = run(&["--config", config.to_str().unwrap(), "--database", &db, "stats"]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("regelfilen"), "{}", text(&refused));
    // The shipped file itself is a valid configuration.
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/regler/standard.toml");
    std::fs::write(&config, format!("[regler]\nfil = \"{shipped}\"\n")).unwrap();
    assert!(run(&["--config", config.to_str().unwrap(), "--database", &db, "stats"]).status.success());
}

/// The server typesets each PDF in a child of its own binary: the document goes through the
/// worker and comes back as the same PDF the server process would have made.
#[tokio::test]
async fn a_pdf_is_typeset_in_the_worker_process() {
    use web::udskrift::{PdfSaetter, saet, saet_pdf_saetter};
    saet_pdf_saetter(PdfSaetter::Underproces {
        program: env!("CARGO_BIN_EXE_styringsdialog").into(),
        args: vec!["pdf-arbejder".into()],
    });
    let dokument = pdf::Dokument {
        titel: "Styringsrapport 2026".into(),
        organisation: "Boligselskabet Prøve".into(),
        aar: "Styringsår 2026".into(),
        forfatter: "Boligselskabet Prøve".into(),
        dato: pdf::Dato { aar: 2026, maaned: 11, dag: 30 },
        fakta: vec![("Status".into(), "Indsendt".into())],
        indhold: false,
        bemaerkning: None,
        dele: vec![pdf::Del {
            niveau: 1,
            titel: "Del A".into(),
            intro: Some("Æble, øl og å".into()),
            ny_side: false,
            blokke: vec![],
        }],
    };
    let udskrift = saet(dokument).await.expect("the worker typesets the document");
    assert!(udskrift.bytes.starts_with(b"%PDF-"), "a PDF comes back");
    assert!(udskrift.sider >= 1);
    // Bad input to the worker is refused with a message, not a crash.
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_styringsdialog"))
        .arg("pdf-arbejder")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut worker.stdin.take().unwrap(), b"{ikke json").unwrap();
    let out = worker.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("ugyldigt dokument"), "{}", text(&out));
}
