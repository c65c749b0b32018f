//! The national computation through the app, on the engine under test.

use domain::Styringsaar;
use domain::beregning::Niveau;
use testkit::TestApp;

#[tokio::test]
async fn the_demo_is_computed_and_a_recomputation_changes_nothing() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let aar = Styringsaar::new(2026).unwrap();
    let benchmarks = store.benchmarks(aar).await.unwrap();
    assert!(benchmarks.iter().any(|b| b.noegletal == "administrationsbidrag"));
    let org = store.organisationer().await.unwrap().into_iter().find(|o| o.kind.rapporttype().is_some()).unwrap();
    let figures = store.noegletal(aar, Niveau::Organisation, org.id.0).await.unwrap();
    assert!(figures.iter().any(|v| v.noegletal == "administrationsbidrag" && v.vaerdi > 0.0), "{figures:?}");
    let eff = store.effektivitet_for_organisation(aar, org.id).await.unwrap();
    assert!(eff.iter().all(|e| (0.0..=100.0).contains(&e.effektivitetstal)));

    let before =
        (store.benchmarks(aar).await.unwrap(), store.noegletal(aar, Niveau::Organisation, org.id.0).await.unwrap());
    let summary = t.app.compute(None, aar).await.unwrap();
    assert!(summary.noegletal > 0 && summary.effektivitetstal > 0);
    let after =
        (store.benchmarks(aar).await.unwrap(), store.noegletal(aar, Niveau::Organisation, org.id.0).await.unwrap());
    assert_eq!(before, after);
    assert!(store.audit_events(50).await.unwrap().iter().any(|a| a.event.action == "beregning"));
}

#[tokio::test]
async fn only_the_agency_may_compute() {
    let t = TestApp::spawn().await;
    let kommune = t.client();
    kommune.login("kommune").await;
    let refused = kommune.post("/kommune", "/styrelse/beregning", &[("aar", "2026")]).await;
    assert_eq!(refused.status, 404);
    let agency = t.client();
    agency.login("styrelse").await;
    let done = agency.post("/styrelse", "/styrelse/beregning", &[("aar", "2026")]).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some("/styrelse?aar=2026&besked=beregnet"));
    let bad = agency.post("/styrelse", "/styrelse/beregning", &[("aar", "året")]).await;
    assert_eq!(bad.status, 422);
}
