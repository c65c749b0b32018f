//! The public part's open data: only organisations whose meeting is held are in the files.

use std::collections::BTreeSet;
use testkit::TestApp;

async fn public_and_hidden(t: &TestApp, aar: i64) -> (BTreeSet<String>, BTreeSet<String>) {
    let aar = domain::Styringsaar::new(aar).unwrap();
    let mut public = BTreeSet::new();
    let mut hidden = BTreeSet::new();
    for f in t.app.store().pakke_forloeb(aar, None).await.unwrap() {
        let nummer = f.pakke.organisation_nummer.to_string();
        if f.pakke.status.key_figures_public() {
            public.insert(nummer)
        } else {
            hidden.insert(nummer)
        };
    }
    (public, hidden)
}

#[tokio::test]
async fn open_data_holds_only_figures_made_public_by_a_held_meeting() {
    let t = TestApp::spawn().await;
    let anonymous = t.client();
    let page = anonymous.get("/offentlig/data").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/offentlig/data/2025/noegletal.csv"));
    for aar in [2025, 2026] {
        let (public, hidden) = public_and_hidden(&t, aar).await;
        for fil in ["noegletal.csv", "noegletal.xlsx"] {
            let url = format!("{}/offentlig/data/{aar}/{fil}", anonymous.base);
            let r = anonymous.http.get(&url).send().await.unwrap();
            assert_eq!(r.status(), 200, "{url}");
            let bytes = r.bytes().await.unwrap();
            let table = tabular::read_bytes(fil, &bytes).unwrap();
            assert_eq!(table.headers, app::EKSPORT_KOLONNER);
            let in_file: BTreeSet<String> = table.rows.iter().map(|r| r.cells[2].clone()).collect();
            assert_eq!(in_file, public, "{aar} {fil}: exactly the organisations with a held meeting");
            assert!(in_file.is_disjoint(&hidden), "{aar} {fil}: ungated figures leaked");
            if aar == 2025 {
                assert!(!in_file.is_empty(), "last year's figures are public");
                assert!(table.rows.iter().any(|r| r.cells[4] == "effektivitetstal"));
            }
        }
    }
    // The 2026 package of boligorg is a draft: none of its figures are in the file.
    let (_, hidden) = public_and_hidden(&t, 2026).await;
    assert!(!hidden.is_empty());
    assert_eq!(anonymous.get("/offentlig/data/2026/noegletal.pdf").await.status, 404);
    assert_eq!(anonymous.get("/offentlig/data/aar/noegletal.csv").await.status, 404);
}
