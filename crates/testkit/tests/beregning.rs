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
    let eff = store.effektivitet_for(aar, &[org.id]).await.unwrap();
    assert!(eff.iter().all(|e| (0.0..=100.0).contains(&e.effektivitetstal)));

    let before =
        (store.benchmarks(aar).await.unwrap(), store.noegletal(aar, Niveau::Organisation, org.id.0).await.unwrap());
    let summary = t.app.beregn(None, aar).await.unwrap();
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

#[tokio::test]
async fn efficiency_figures_are_explained_within_the_package_scope() {
    let t = TestApp::spawn().await;
    let org = t.client();
    org.login("boligorg").await;
    let list: serde_json::Value = serde_json::from_str(&org.get("/api/v1/pakker").await.body).unwrap();
    let id = list["data"][0]["id"].as_i64().unwrap();
    let eff: serde_json::Value =
        serde_json::from_str(&org.get(&format!("/api/v1/pakker/{id}/effektivitet")).await.body).unwrap();
    let first = eff["data"][0]["afdeling"]["id"].as_i64().expect("the organisation has efficiency figures");
    let page = org.get(&format!("/pakker/{id}/effektivitet/{first}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Sammenligningsgruppe") && page.body.contains("Udgifter pr. bolig pr. konto"));
    let api: serde_json::Value =
        serde_json::from_str(&org.get(&format!("/api/v1/pakker/{id}/effektivitet/{first}")).await.body).unwrap();
    assert_eq!(api["konti"].as_array().unwrap().len(), 9);
    assert!(api["bedste_praksis"]["beskrivelse"].as_str().is_some());
    let kommune = api["gennemsnit_kommune"].as_f64().expect("a kommune average");
    let region = api["gennemsnit_region"].as_f64().expect("a region average");
    assert!((0.0..=100.0).contains(&kommune) && (0.0..=100.0).contains(&region));
    // Bilag 1 links to each explanation; section IV shows the distribution, the rental tools
    // per kommune and the beboerklagenævn cases this year and last.
    let bilag1 = org.get(&format!("/pakker/{id}/sektioner/b3.bilag1")).await.body;
    assert!(bilag1.contains(&format!("/pakker/{id}/effektivitet/{first}")));
    let iv = org.get(&format!("/pakker/{id}/sektioner/b3.IV")).await.body;
    assert!(iv.contains("Afdelinger pr. effektivitetsmarkering"));
    assert!(iv.contains("Udlejninger af familieboliger pr. kommune og udlejningsredskab"));
    assert!(iv.contains("Helt/delvist tabt sidste år") && iv.contains(">I alt</th>"));

    // Another organisation reaches neither, and an afdeling outside the package is not found.
    let other = t.client();
    other.login("andenorg").await;
    assert_eq!(other.get(&format!("/pakker/{id}/effektivitet/{first}")).await.status, 404);
    assert_eq!(other.get(&format!("/api/v1/pakker/{id}/effektivitet")).await.status, 404);
    let foreign = t.app.store().afdeling_index().await.unwrap();
    let own_org = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().organisation_nummer;
    let outside = foreign.iter().find(|(o, _, _)| *o != own_org).unwrap().2;
    assert_eq!(org.get(&format!("/pakker/{id}/effektivitet/{}", outside.0)).await.status, 404);
}

/// Another organisation's best-practice afdeling is named, on the explanation page, in the
/// API and on the public sheet, only once that organisation's year is public; until then it
/// is "en afdeling i sammenligningsgruppen", with its figures.
#[tokio::test]
async fn a_best_practice_peer_is_named_only_once_its_year_is_public() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let org = t.client();
    org.login("boligorg").await;
    let id = t.package_of("boligorg").await;
    let pakke = store.pakke(store::PakkeId(id)).await.unwrap().unwrap();
    let eff: serde_json::Value =
        serde_json::from_str(&org.get(&format!("/api/v1/pakker/{id}/effektivitet")).await.body).unwrap();
    let (mut anonyme, mut navngivne) = (0, 0);
    for row in eff["data"].as_array().unwrap() {
        let afdeling = row["afdeling"]["id"].as_i64().unwrap();
        let peer = store
            .afdeling(domain::master::AfdelingId(row["bedste_praksis_afdeling_id"].as_i64().unwrap()))
            .await
            .unwrap()
            .unwrap();
        let peer_public = store
            .pakker_for_organisationer(&[peer.organisation])
            .await
            .unwrap()
            .iter()
            .any(|p| p.styringsaar == pakke.styringsaar && p.status.key_figures_public());
        let api: serde_json::Value =
            serde_json::from_str(&org.get(&format!("/api/v1/pakker/{id}/effektivitet/{afdeling}")).await.body).unwrap();
        let page = org.get(&format!("/pakker/{id}/effektivitet/{afdeling}")).await.body;
        let b = &api["bedste_praksis"];
        if peer.id.0 == afdeling || peer.organisation == pakke.organisation || peer_public {
            assert_eq!(b["nummer"].as_u64(), Some(u64::from(peer.data.nummer.get())), "{b}");
            navngivne += 1;
        } else {
            assert!(b["id"].is_null() && b["navn"].is_null() && b["organisation"].is_null(), "{b}");
            assert_eq!(b["beskrivelse"], "en afdeling i sammenligningsgruppen");
            assert!(page.contains("En afdeling i sammenligningsgruppen"));
            assert!(!page.contains(&peer.data.navn), "the page names {}", peer.data.navn);
            // The figures are still there, to compare with.
            assert_eq!(api["konti"].as_array().unwrap().len(), 9);
            anonyme += 1;
        }
    }
    assert!(anonyme > 0, "the demo has a peer whose year is not public ({navngivne} named)");
}

/// Bilag 5: an administration organisation's key figures are benchmarked against
/// administration organisations only, a boligorganisation's against boligorganisationer; the
/// pages say whose median the benchmark is.
#[tokio::test]
async fn organisation_figures_are_benchmarked_within_the_organisations_own_kind() {
    use domain::beregning::{Benchmark, Pulje};
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let aar = Styringsaar::new(2026).unwrap();
    let benchmarks = store.benchmarks(aar).await.unwrap();
    let katalog = domain::beregning::Katalog::shipped();
    for b in &benchmarks {
        let niveau = katalog.definition(&b.noegletal).unwrap().niveau;
        let ventet = match niveau {
            Niveau::Afdeling => vec![Pulje::Alle],
            Niveau::Organisation => vec![Pulje::Boligorganisationer, Pulje::Administrationsorganisationer],
        };
        assert!(ventet.contains(&b.pulje), "{b:?}");
    }
    assert!(Benchmark::find(&benchmarks, "administrationsbidrag", None, Pulje::Boligorganisationer).is_some());
    assert!(Benchmark::find(&benchmarks, "administrationsbidrag", None, Pulje::Alle).is_none(), "no mixed pool");

    for (bruger, pulje) in
        [("boligorg", "landets boligorganisationer"), ("admorg", "landets administrationsorganisationer")]
    {
        let c = t.client();
        c.login(bruger).await;
        let id = c.package_2026(if bruger == "admorg" { "bilag5" } else { "bilag3" }).await;
        let side = c.get(&format!("/pakker/{id}")).await;
        assert!(side.body.contains(&format!("Benchmark er medianen for {pulje}")), "{bruger}: {}", side.body);
    }
}
