//! The stored read models (progress per package, supervision and status counts, critical marks,
//! efficiency averages, open aftaler) agree with the data they summarise after every kind of
//! change, on the engine under test; and every process cache shows a change at once.

use domain::beregning::{Markering, Omraade};
use domain::effektivitet::Farve;
use domain::package::PakkeStatus;
use domain::{Kommunekode, Styringsaar};
use std::collections::{BTreeMap, HashMap};
use store::{AftaleFilter, Tilsynstal};
use testkit::{Client, TestApp};

fn aar(y: i64) -> Styringsaar {
    Styringsaar::new(y).unwrap()
}

/// Recounts every read model of `aar` from the rows it summarises, the slow way, and compares
/// with what the store keeps and what the agency's page model shows.
async fn assert_read_models_agree(t: &TestApp, aar: Styringsaar, step: &str) {
    let store = t.app.store();
    let today = t.app.today();
    let forloeb = store.pakke_forloeb(aar, None).await.unwrap();
    let mut expected: BTreeMap<Kommunekode, Tilsynstal> = BTreeMap::new();
    let mut status: BTreeMap<(Kommunekode, PakkeStatus), i64> = BTreeMap::new();
    for f in &forloeb {
        let p = &f.pakke;
        let versions = store.versions(p.id).await.unwrap();
        // The package's meetings are its hjemstedskommune's; a beliggenhedskommune's own is not.
        let hjemsted = |k: Option<Kommunekode>| k.is_none_or(|k| k == p.hjemstedskommune);
        let moeder: Vec<_> = store.moeder(p.id).await.unwrap().into_iter().filter(|m| hjemsted(m.kommune)).collect();
        let indkaldt: Vec<_> = store
            .dialogmoeder_for_pakke(p.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.moede.kommune == p.hjemstedskommune && d.aflyst().is_none())
            .collect();
        let redegoerelser = store.redegoerelser(p.id).await.unwrap();
        let what = format!("{step}: package {}", p.id);
        assert_eq!(f.foerst_indsendt, versions.iter().map(|v| v.submitted_at).min(), "{what}: first submission");
        assert_eq!(f.for_sent, versions.last().map(|v| v.late), "{what}: late");
        assert_eq!(f.moede_afholdt, moeder.iter().map(|m| m.dato).max(), "{what}: meeting held");
        assert_eq!(f.moede_indkaldt, indkaldt.iter().map(|d| d.moede.starter).max(), "{what}: meeting convened");
        assert_eq!(f.redegoerelse_revisioner, redegoerelser.len() as i64, "{what}: redegørelse");
        let c = expected
            .entry(p.hjemstedskommune)
            .or_insert(Tilsynstal { kommune: Some(p.hjemstedskommune), ..Default::default() });
        c.pakker += 1;
        c.indsendt += i64::from(p.status != PakkeStatus::Kladde);
        c.for_sent += i64::from(
            !matches!(p.status, PakkeStatus::Kladde | PakkeStatus::Returneret)
                && versions.last().is_some_and(|v| v.late),
        );
        c.mangler += i64::from(p.status == PakkeStatus::Kladde && p.frist.is_some_and(|d| d < today));
        c.moeder_afholdt += i64::from(!moeder.is_empty());
        c.offentliggjort += i64::from(p.status == PakkeStatus::RedegoerelseOffentliggjort);
        *status.entry((p.hjemstedskommune, p.status)).or_default() += 1;
    }
    let stored: BTreeMap<Kommunekode, Tilsynstal> =
        store.tilsynstal(aar, today).await.unwrap().into_iter().map(|t| (t.kommune.unwrap(), t)).collect();
    assert_eq!(stored, expected, "{step}: supervision counts");
    let stored_status: BTreeMap<(Kommunekode, PakkeStatus), i64> =
        store.pakke_status_counts(aar).await.unwrap().into_iter().map(|c| ((c.kommune, c.status), c.antal)).collect();
    assert_eq!(stored_status, status, "{step}: packages per status");

    // What the agency's page shows: the same counts, and the open aftaler per kommune.
    let styrelse = testkit::session_user(&t.app, "styrelse").await;
    let national = t.app.national_oversigt(&styrelse, aar).await.unwrap();
    for app::OmraadeStatus { kode, tal, .. } in &national.kommuner {
        let e = expected.get(kode).copied().unwrap_or_default();
        let aabne = store
            .aftaler(AftaleFilter::Kommune(*kode))
            .await
            .unwrap()
            .iter()
            .filter(|a| a.status().is_some_and(|s| s.aaben()))
            .count() as i64;
        assert_eq!(
            (
                tal.pakker,
                tal.indsendt,
                tal.for_sent,
                tal.mangler,
                tal.moeder_afholdt,
                tal.offentliggjort,
                tal.aftaler_aabne
            ),
            (e.pakker, e.indsendt, e.for_sent, e.mangler, e.moeder_afholdt, e.offentliggjort, aabne),
            "{step}: national status of kommune {kode}"
        );
    }
    assert_eq!(national.landet.pakker, forloeb.len() as i64, "{step}: packages in the country");
    // The kommune's overview kept by the process is the one read afresh.
    let kommune = testkit::session_user(&t.app, "kommune").await;
    assert_eq!(
        format!("{:?}", t.app.tilsynsoversigt(&kommune, aar).await.unwrap()),
        fresh_overview(t, &kommune, aar).await,
        "{step}: the kommune's overview"
    );

    // Critical marks and efficiency averages, recounted from the computed figures.
    let organisationer = store.organisationer().await.unwrap();
    let ids: Vec<_> = organisationer.iter().map(|o| o.id).collect();
    let mut kritik: BTreeMap<_, (i64, i64, i64)> = BTreeMap::new();
    for (org, v) in store.markerede_noegletal(aar, &ids).await.unwrap() {
        let k = kritik.entry(org).or_default();
        k.0 += 1;
        k.1 += i64::from(v.markering == Some(Markering::Roed));
    }
    let effektivitet = store.effektivitet_for(aar, &ids).await.unwrap();
    let afdelinger: HashMap<_, _> = store.afdelinger_for(&ids).await.unwrap().into_iter().map(|a| (a.id, a)).collect();
    for e in effektivitet.iter().filter(|e| e.farve == Farve::Roed) {
        kritik.entry(afdelinger[&e.afdeling].organisation).or_default().2 += 1;
    }
    let stored: BTreeMap<_, _> = store
        .kritik(aar, &ids)
        .await
        .unwrap()
        .into_iter()
        .map(|k| (k.organisation, (k.kritiske_noegletal, k.roede_noegletal, k.roede_afdelinger)))
        .collect();
    assert_eq!(stored, kritik, "{step}: critical marks");
    let region: HashMap<_, _> = store.kommuner().await.unwrap().into_iter().map(|k| (k.kode, k.region)).collect();
    let mut per_omraade: BTreeMap<Omraade, Vec<(f64, u32)>> = BTreeMap::new();
    for e in &effektivitet {
        let a = &afdelinger[&e.afdeling];
        for o in [
            Omraade::Organisation(a.organisation),
            Omraade::Kommune(a.data.kommune),
            Omraade::Region(region[&a.data.kommune]),
        ] {
            per_omraade.entry(o).or_default().push((e.effektivitetstal, a.data.boliger_i_alt()));
        }
    }
    let omraader: Vec<Omraade> = per_omraade.keys().copied().collect();
    let stored = store.effektivitet_gennemsnit(aar, &omraader).await.unwrap();
    for (o, values) in per_omraade {
        let want = domain::beregning::vaegtet_gennemsnit(values);
        let got = stored.get(&o).copied();
        let close = match (want, got) {
            (Some(w), Some(g)) => (w - g).abs() <= 1e-9 * w.abs().max(1.0),
            (w, g) => w == g,
        };
        assert!(close, "{step}: average of {o:?}: stored {got:?}, recounted {want:?}");
    }
}

/// The kommune's overview as a process that has kept nothing reads it (printed, to compare).
async fn fresh_overview(t: &TestApp, user: &app::SessionUser, aar: Styringsaar) -> String {
    let now = t.app.now();
    let fresh = app::App::new(t.app.store().clone(), t.app.settings().clone()).with_clock(move || now);
    format!("{:?}", fresh.tilsynsoversigt(user, aar).await.unwrap())
}

fn audit(t: &TestApp, action: &str) -> store::AuditEvent {
    store::AuditEvent {
        at: t.app.now(),
        actor: None,
        action: action.into(),
        object_type: "test".into(),
        object_id: String::new(),
        details: serde_json::json!({}),
    }
}

/// The organisation numbers in the open-data CSV of a year.
async fn open_data(c: &Client, y: i32) -> Vec<String> {
    let page = c.get(&format!("/offentlig/data/{y}/noegletal.csv")).await;
    assert_eq!(page.status, 200);
    // The third column is the organisation's number (docs/formater/eksport.md).
    let mut numbers: Vec<String> =
        page.body.lines().skip(1).filter_map(|l| l.split(',').nth(2)).map(str::to_string).collect();
    numbers.dedup();
    numbers
}

#[tokio::test]
async fn read_models_agree_with_their_data_through_the_whole_cycle() {
    let t = TestApp::spawn_with(testkit::demo_at(0.05)).await;
    // The demo's history went through every write path of the store.
    assert_read_models_agree(&t, aar(2025), "after the demo").await;
    assert_read_models_agree(&t, aar(2026), "after the demo").await;

    let id = t.package_of("boligorg").await;
    let pakke = format!("/pakker/{id}");
    let org = t.client();
    org.login("boligorg").await;
    let kommune = t.client();
    kommune.login("kommune").await;
    let anonym = t.client();
    let nummer = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().organisation_nummer.to_string();

    // A deadline in the past makes the draft missing; a later one makes it awaited again.
    let frister = "/kommune/frister?aar=2026";
    let past = (t.app.today() - chrono::Duration::days(3)).to_string();
    assert_eq!(
        kommune.post(frister, frister, &[("frist", &past), ("organisation", &nummer), ("bekraeft", "ja")]).await.status,
        303
    );
    assert_read_models_agree(&t, aar(2026), "deadline passed").await;
    let later = (t.app.today() + chrono::Duration::days(30)).to_string();
    assert_eq!(
        kommune
            .post(frister, frister, &[("frist", &later), ("organisation", &nummer), ("bekraeft", "ja")])
            .await
            .status,
        303
    );
    assert_read_models_agree(&t, aar(2026), "deadline moved").await;

    org.submit_package(id, "r1").await;
    assert_read_models_agree(&t, aar(2026), "submitted").await;
    let retur = format!("{pakke}/returner");
    let frist = t.app.today().to_string();
    assert_eq!(kommune.post(&retur, &retur, &[("begrundelse", "Ret afsnit IV"), ("frist", &frist)]).await.status, 303);
    assert_read_models_agree(&t, aar(2026), "returned").await;
    org.submit_package(id, "r2").await;
    assert_read_models_agree(&t, aar(2026), "resubmitted").await;
    // The organisation's public sheet, kept by the process, shows the accounts once the
    // kommune has received the package.
    let dataark = format!("/offentlig/organisationer/{nummer}");
    let bilag = t.app.store().bilag(store::PakkeId(id)).await.unwrap();
    let links: Vec<String> =
        bilag.iter().map(|b| format!("/offentlig/organisationer/{nummer}/regnskaber/{}\"", b.id.0)).collect();
    let shown = |body: &str| links.iter().any(|l| body.contains(l.as_str()));
    assert!(!links.is_empty());
    assert!(!shown(&anonym.get(&dataark).await.body), "no accounts of this year before they are received");
    assert_eq!(kommune.post(&pakke, &format!("{pakke}/modtag"), &[]).await.status, 303);
    assert_read_models_agree(&t, aar(2026), "received").await;
    assert!(shown(&anonym.get(&dataark).await.body), "the cached sheet shows the received accounts");

    // Holding the meeting makes the organisation's figures public: the open-data file, kept
    // by the process, shows it at once.
    assert!(!open_data(&anonym, 2026).await.contains(&nummer), "not public before the meeting");
    // The afdeling sheet, kept by the process, too.
    let afdeling = t
        .app
        .store()
        .afdelinger(t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().organisation)
        .await
        .unwrap()[0]
        .data
        .nummer;
    let ark = format!("/offentlig/organisationer/{nummer}/afdelinger/{afdeling}");
    let before = anonym.get(&ark).await.body;
    let aars_kolonne = |body: &str| body[body.find("Styringsår 2026").expect("the year on the sheet")..].to_string();
    assert!(aars_kolonne(&before).contains("i/t"), "not public before the meeting");
    let moede = format!("{pakke}/moede");
    let held = kommune
        .post(&moede, &moede, &[("dato", &t.app.today().to_string()), ("deltagere", "Kommunen og bestyrelsen")])
        .await;
    assert_eq!(held.status, 303, "{}", held.body);
    assert_read_models_agree(&t, aar(2026), "meeting held").await;
    assert!(open_data(&anonym, 2026).await.contains(&nummer), "the cached open data shows the meeting");
    let after = anonym.get(&ark).await.body;
    assert_ne!(aars_kolonne(&after), aars_kolonne(&before), "the cached afdeling sheet shows the meeting");

    let redegoerelse = format!("{pakke}/redegoerelse");
    let saved = kommune.post(&redegoerelse, &redegoerelse, &[("sammenfatning", "Et godt møde.")]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_read_models_agree(&t, aar(2026), "redegørelse saved").await;
    let publish = format!("{pakke}/redegoerelse/offentliggoer");
    assert_eq!(kommune.post(&publish, &publish, &[]).await.status, 303);
    assert_read_models_agree(&t, aar(2026), "published").await;

    // A recomputation replaces the marks and averages with the figures.
    let styrelse = t.client();
    styrelse.login("styrelse").await;
    let beregn = styrelse.post("/styrelse", "/styrelse/beregning", &[("aar", "2026")]).await;
    assert_eq!(beregn.status, 303, "{}", beregn.body);
    assert_read_models_agree(&t, aar(2026), "recomputed").await;
}

#[tokio::test]
async fn the_search_index_follows_the_master_data() {
    let t = TestApp::spawn().await;
    let public = t.app.offentlig();
    let side = store::Side::new(1, 50);
    assert_eq!(public.soeg("zetagården", None, side).await.unwrap().i_alt, 0);
    // The public page is asked first, so the answer kept for it is the one without the hit.
    let soeg = "/offentlig?q=zetag%C3%A5rden";
    assert!(!t.client().get(soeg).await.body.contains("Zetagården"));
    // A new load of master data (the demo loaded again with one afdeling renamed) is found at
    // once: the cached index is keyed by the stamp the load changes.
    let mut data = testkit::small_demo();
    data.afdelinger[0].1.navn = "Zetagården".into();
    demo::seed_demo(&t.app, &data, aar(2026), true, &|_| {}).await.unwrap();
    let hits = public.soeg("zetagården", None, side).await.unwrap();
    assert_eq!(hits.i_alt, 1, "the renamed afdeling is found");
    let page = t.client().get(soeg).await;
    assert!(page.body.contains("Zetagården"), "{}", page.body);
}

#[tokio::test]
async fn a_loaded_template_is_in_force_at_once() {
    let t = TestApp::spawn().await;
    let before = t.app.skabeloner_i_kraft(aar(2027)).await.unwrap();
    let titel = before.skabelon(domain::template::Skema::Bilag3).unwrap().titel.clone();
    assert!(!titel.contains("2027"), "{titel}");
    let styrelse = testkit::session_user(&t.app, "styrelse").await;
    let shipped = include_str!("../../../data/templates/2026/bilag3.toml");
    let next = shipped.replace("styringsaar = 2026", "styringsaar = 2027").replace(
        "titel = \"Styringsrapport for almen boligorganisation med egne boligafdelinger\"\n\n[[sektioner]]",
        "titel = \"Styringsrapport 2027\"\n\n[[sektioner]]",
    );
    t.app.load_skabelon(&styrelse, "bilag3-2027.toml", &next).await.unwrap();
    let after = t.app.skabeloner_i_kraft(aar(2027)).await.unwrap();
    assert_eq!(after.skabelon(domain::template::Skema::Bilag3).unwrap().titel, "Styringsrapport 2027");
}

#[tokio::test]
async fn the_kommuner_follow_their_master_data() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let kommune = testkit::session_user(&t.app, "kommune").await.principal.kommune.unwrap();
    let navn = t.app.offentlig().kommune_navn(kommune).await.unwrap();
    let c = t.client();
    c.login("kommune").await;
    assert!(c.get("/kommune/pakker").await.body.contains(&format!("{navn} Kommune")));
    // A public page too (its answer is kept whole for anonymous readers).
    let offentlig = format!("/offentlig/kommuner/{kommune}/redegoerelser");
    let anonym = t.client();
    assert!(anonym.get(&offentlig).await.body.contains(&format!("{navn} Kommune")));
    // Changed in the database as another instance would (not through this process's app):
    // the kommuner held in the process are read again, because the change moves the stamp.
    let (regioner, mut kommuner) = domain::reference::kommuner_og_regioner().unwrap();
    kommuner.iter_mut().filter(|k| k.kode == kommune).for_each(|k| k.navn = "Nyby".into());
    store.replace_reference(&regioner, &kommuner).await.unwrap();
    assert_eq!(t.app.offentlig().kommune_navn(kommune).await.unwrap(), "Nyby");
    assert!(c.get("/kommune/pakker").await.body.contains("Nyby Kommune"));
    assert!(anonym.get(&offentlig).await.body.contains("Nyby Kommune"));
    let cvr: domain::Cvr = "29189838".parse().unwrap();
    store.set_cvr_numre(&[], &[(kommune, Some(cvr))], &audit(&t, "import")).await.unwrap();
    let med_cvr = t.app.offentlig().kommuner().await.unwrap();
    assert_eq!(med_cvr.iter().find(|k| k.kode == kommune).unwrap().cvr, Some(cvr));
}

#[tokio::test]
async fn a_saved_section_keeps_the_rest_of_the_package_only_when_nothing_else_changed() {
    let t = TestApp::spawn().await;
    let org = testkit::session_user(&t.app, "boligorg").await;
    let id = store::PakkeId(t.package_of("boligorg").await);
    // Kept in the process: the package as read now.
    let foer = t.app.pakke_view(&org, id).await.unwrap();
    let noegle = foer.skabelon.sektion("b3.III").unwrap().svar_ids().next().unwrap().to_string();
    let gem = |tekst: &str, revision| {
        let svar = app::SvarInput { ja: None, tekst: tekst.to_string(), valg: None };
        t.app.gem_sektion(&org, id, "b3.III", None, vec![(noegle.clone(), svar)], revision)
    };
    // A file added without the process's package copy knowing (as on another instance), then
    // a save here: the copy was read two revisions ago, so nothing of it is carried on.
    t.app.vedhaeft_bilag(&org, id, "regnskab", "regnskab.pdf", b"%PDF-1.4 lasttest".to_vec()).await.unwrap();
    gem("Første tekst", foer.revision_af([noegle.as_str()])).await.unwrap();
    let efter = t.app.pakke_view(&org, id).await.unwrap();
    assert_eq!(efter.bilag.len(), foer.bilag.len() + 1, "the file added before the save shows");
    assert_eq!(efter.svar[&noegle].tekst, "Første tekst");
    // A save right after another: the rest is carried on and the new answer shows.
    gem("Anden tekst", efter.revision_af([noegle.as_str()])).await.unwrap();
    let igen = t.app.pakke_view(&org, id).await.unwrap();
    assert_eq!(igen.svar[&noegle].tekst, "Anden tekst");
    assert_eq!(igen.bilag.len(), efter.bilag.len());
    assert_eq!(igen.pakke.revision.0, efter.pakke.revision.0 + 1);
    // The working copy carried on is the one the database holds, to who saved it and when.
    let lagret = t.app.store().svar(id).await.unwrap();
    assert_eq!(*igen.svar_meta, lagret, "the kept working copy is the stored one");
    assert_eq!(igen.svar_meta[&noegle].updated_by_name, org.display_name);
    // An afdeling form saved after the section: carried on the same way.
    let afdeling = igen.afdelinger.first().unwrap().data.nummer;
    let noegler = igen.afdelingsskema_noegler(igen.afdelinger.first().unwrap());
    let svar = app::SvarInput { ja: None, tekst: "Afdelingens tekst".into(), valg: None };
    let foerste = noegler.iter().find(|k| !igen.svar.contains_key(*k)).unwrap().clone();
    let revision = igen.revision_af(noegler.iter().map(String::as_str));
    t.app.gem_sektion(&org, id, "", Some(afdeling), vec![(foerste.clone(), svar)], revision).await.unwrap();
    let sidst = t.app.pakke_view(&org, id).await.unwrap();
    assert_eq!(sidst.svar[&foerste].tekst, "Afdelingens tekst");
    assert_eq!(*sidst.svar_meta, t.app.store().svar(id).await.unwrap());
    // The form's revision as the API gives it: the save's, and the same as its keys' newest.
    let form = sidst.afdelinger.first().unwrap();
    assert_eq!(sidst.afdelingsskema_revision(form), sidst.svar_meta[&foerste].revision);
    let noegler = sidst.afdelingsskema_noegler(form);
    assert_eq!(sidst.afdelingsskema_revision(form), sidst.revision_af(noegler.iter().map(String::as_str)));
    assert!(sidst.afdelingsskema_revision(form) > revision, "the save moved the form's revision on");
}

/// A henstilling written to the store directly, as another instance would (not through this
/// process's app and its caches).
async fn henstilling_registreret_direkte(t: &TestApp, id: store::PakkeId, af: &app::SessionUser, tekst: &str) {
    let reaktion = store::NyTilsynsreaktion {
        pakke: id,
        art: domain::package::Tilsynsreaktion::Henstilling,
        dato: t.app.today(),
        tekst: tekst.into(),
        frist: None,
        af: af.principal.user_id,
        at: t.app.now(),
    };
    t.app.store().registrer_tilsynsreaktion(&reaktion, &[], &audit(t, "henstilling")).await.unwrap();
}

#[tokio::test]
async fn the_kommune_overview_follows_changes_made_elsewhere() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let kommune = testkit::session_user(&t.app, "kommune").await;
    let id = store::PakkeId(t.package_of("boligorg").await);
    let pakke = store.pakke(id).await.unwrap().unwrap();
    let aar = pakke.styringsaar;
    let raekke = |rows: Vec<app::OversigtRaekke>| rows.into_iter().find(|r| r.pakke == Some(id)).unwrap();
    let foer = raekke(t.app.tilsynsoversigt(&kommune, aar).await.unwrap());

    // Changed in the database as another instance would (not through this process's app):
    // a new deadline, then a henstilling. The overview kept by the process shows each.
    let frist = t.app.today() + chrono::Duration::days(41);
    assert_ne!(foer.frist, Some(frist));
    store.set_frist(&[id], frist, &audit(&t, "frist")).await.unwrap();
    assert_eq!(raekke(t.app.tilsynsoversigt(&kommune, aar).await.unwrap()).frist, Some(frist));
    assert_eq!(foer.tilsynsreaktion, None);
    henstilling_registreret_direkte(&t, id, &kommune, "Henstilling om vedligeholdelsesplan").await;
    let efter = raekke(t.app.tilsynsoversigt(&kommune, aar).await.unwrap());
    assert_eq!(efter.tilsynsreaktion.map(|(art, _)| art), Some(domain::package::Tilsynsreaktion::Henstilling));

    // "Hvor skal vi kigge først", kept rendered while its lists are kept: read twice, the same.
    let sti = format!("/kommune/opmaerksomhed?aar={aar}");
    let opmaerksomhed = || async {
        let c = t.client();
        c.login("kommune").await;
        let body = side(&c, &sti).await;
        // The page's content: its head holds the session's own CSRF token and expiry.
        let start = body.find("<main").expect("a main element");
        let slut = body.find("</main>").expect("a main element");
        body[start..slut].to_string()
    };
    let markeret = t.app.opmaerksomhedspunkter(&kommune, aar).await.unwrap()[0].organisation_nummer;
    let foer = opmaerksomhed().await;
    assert_eq!(opmaerksomhed().await, foer);
    assert!(!foer.contains("Ypsilonboligerne"));

    // Master data loaded anew with the organisation renamed (the demo's packages are made
    // anew too, so the row is found by the organisation's number), and an organisation with
    // marks too.
    let mut data = testkit::small_demo();
    let org = data.organisationer.iter_mut().find(|o| o.nummer == pakke.organisation_nummer).unwrap();
    org.navn = "Zetaboligerne".into();
    if markeret != pakke.organisation_nummer {
        data.organisationer.iter_mut().find(|o| o.nummer == markeret).unwrap().navn = "Ypsilonboligerne".into();
    }
    demo::seed_demo(&t.app, &data, aar, true, &|_| {}).await.unwrap();
    let rows = t.app.tilsynsoversigt(&kommune, aar).await.unwrap();
    assert_eq!(rows.iter().find(|r| r.nummer == pakke.organisation_nummer).unwrap().navn, "Zetaboligerne");
    let efter = opmaerksomhed().await;
    let ny = if markeret == pakke.organisation_nummer { "Zetaboligerne" } else { "Ypsilonboligerne" };
    assert!(efter.contains(ny), "the renamed organisation shows where to look first");
    assert_eq!(
        format!("{:?}", t.app.tilsynsoversigt(&kommune, aar).await.unwrap()),
        fresh_overview(&t, &kommune, aar).await
    );
}

/// A page's body, read by `c` (200 expected).
async fn side(c: &Client, path: &str) -> String {
    let page = c.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body
}

/// Reads `path` twice (the second request finds what the first kept under the fingerprint
/// read with its session: the same page), then writes a new deadline of `id` as another
/// instance would (the fingerprint moves with it) and sees it shown. The page before, and the
/// deadline as shown.
async fn ny_frist_vises(t: &TestApp, c: &Client, path: &str, id: store::PakkeId) -> (String, String) {
    let foer = side(c, path).await;
    assert_eq!(side(c, path).await, foer);
    let frist = t.app.today() + chrono::Duration::days(43);
    let vist = frist.format("%d.%m.%Y").to_string();
    assert!(!foer.contains(&vist));
    t.app.store().set_frist(&[id], frist, &audit(t, "frist")).await.unwrap();
    assert!(side(c, path).await.contains(&vist), "the new deadline shows");
    (foer, vist)
}

#[tokio::test]
async fn the_kommune_pages_kept_under_the_sessions_reading_show_changes_made_elsewhere() {
    // At a scale where the organisation has afdelinger in another kommune.
    let t = TestApp::spawn_with(testkit::demo_at(0.1)).await;
    let store = t.app.store();
    let kommune = testkit::session_user(&t.app, "kommune").await;
    let id = store::PakkeId(t.package_of("boligorg").await);
    let aar = store.pakke(id).await.unwrap().unwrap().styringsaar;
    let c = t.client();
    c.login("kommune").await;
    let path = format!("/kommune?aar={aar}");
    let read = || side(&c, &path);
    let (foer, vist) = ny_frist_vises(&t, &c, &path, id).await;
    // A henstilling registered elsewhere (the package's revision moves).
    assert!(!foer.contains("Henstilling"));
    henstilling_registreret_direkte(&t, id, &kommune, "Henstilling om vedligeholdelsesplan").await;
    assert!(read().await.contains("Henstilling"), "the henstilling shows");

    // The agency's view of the kommune (no fingerprint with its session) agrees.
    let styrelsen = t.client();
    styrelsen.login("styrelse").await;
    let kode = kommune.principal.kommune.unwrap();
    let set = styrelsen.get(&format!("/styrelse/kommuner/{kode}?aar={aar}")).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert!(set.body.contains(&vist));

    // The beliggenhedskommune's afdelinger, kept likewise, link the package once it is sent.
    let (_, belig) = testkit::beliggenhedskommune(&t, id.0).await;
    let afdelinger_sti = format!("/kommune/afdelinger?aar={aar}");
    let afdelinger = || side(&belig, &afdelinger_sti);
    let link = format!("href=\"/pakker/{}\"", id.0);
    let foer = afdelinger().await;
    assert_eq!(afdelinger().await, foer);
    assert!(!foer.contains(&link), "a draft is never linked");
    // So are the kommune's packages received.
    let modtagne = || side(&c, "/kommune/pakker");
    let foer = modtagne().await;
    assert_eq!(modtagne().await, foer);
    assert!(!foer.contains(&link), "a draft is never received");
    testkit::submit_package(&t, "boligorg", id.0).await;
    assert!(afdelinger().await.contains(&link), "the package sent is linked");
    assert!(modtagne().await.contains(&link), "the package sent is received");
}

#[tokio::test]
async fn the_organisation_overview_kept_under_the_sessions_reading_shows_changes_made_elsewhere() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let id = store::PakkeId(t.package_of("boligorg").await);
    let pakke = store.pakke(id).await.unwrap().unwrap();
    let c = t.client();
    c.login("boligorg").await;
    let read = || side(&c, "/organisation?vis=alle");
    ny_frist_vises(&t, &c, "/organisation?vis=alle", id).await;
    // A package of another styringsår created elsewhere (the count moves) is listed.
    let tidligt = domain::Styringsaar::new(i64::from(pakke.styringsaar.get()) - 10).unwrap();
    let ny = store::NewPakke {
        organisation: pakke.organisation,
        styringsaar: tidligt,
        rapporttype: pakke.rapporttype,
        periode: domain::period::Regnskabsperiode::for_styringsaar(tidligt, 1).unwrap(),
        frist: None,
        created_at: t.app.now(),
    };
    let (ny_id, oprettet) = store.create_pakke(&ny, &audit(&t, "pakke_oprettet")).await.unwrap();
    assert!(oprettet);
    assert!(read().await.contains(&format!("href=\"/pakker/{}\"", ny_id.0)), "the new package is listed");
    // A submission made elsewhere shows as submitted.
    let indsendt = domain::package::PakkeStatus::Indsendt.label();
    let foer_indsendelse = read().await;
    let antal = |side: &str| side.matches(indsendt).count();
    testkit::submit_package(&t, "boligorg", id.0).await;
    assert!(antal(&read().await) > antal(&foer_indsendelse), "the submission shows");
}

#[tokio::test]
async fn the_package_page_shows_a_henstilling_registered_elsewhere() {
    let t = TestApp::spawn().await;
    let kommune = testkit::session_user(&t.app, "kommune").await;
    let id = store::PakkeId(t.package_of("boligorg").await);
    let c = t.client();
    c.login("boligorg").await;
    let side = format!("/pakker/{}", id.0);
    let tekst = "Henstilling om en plan for vedligeholdelsen";
    // Read once, so the process keeps the package with its (no) henstillinger.
    assert!(!c.get(&side).await.body.contains(tekst));
    // Registered in the database as another instance would (not through this process's app):
    // the registration moves the package's revision, so the kept package is read again.
    henstilling_registreret_direkte(&t, id, &kommune, tekst).await;
    assert!(c.get(&side).await.body.contains(tekst), "the package page shows the new henstilling");
    let org = testkit::session_user(&t.app, "boligorg").await;
    let view = t.app.pakke_view(&org, id).await.unwrap();
    let kept = t.app.pakkens_tilsynsreaktioner(&org, &view).await.unwrap();
    assert_eq!(kept.iter().map(|r| r.tekst.as_str()).collect::<Vec<_>>(), [tekst]);
}

#[tokio::test]
async fn a_package_kept_under_its_sessions_reading_shows_changes_made_elsewhere() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let id = store::PakkeId(t.package_of("boligorg").await);
    let org = testkit::session_user(&t.app, "boligorg").await;
    let c = t.client();
    let token = c.login_token("boligorg").await;
    let path = format!("/api/v1/pakker/{}", id.0);
    let read = || async {
        let page = c.get_bearer(&path, &token).await;
        assert_eq!(page.status, 200, "{}", page.body);
        serde_json::from_str::<serde_json::Value>(&page.body).unwrap()
    };
    // Read twice: the second request finds the package's row kept under its session's reading.
    let foer = read().await;
    assert_eq!(read().await, foer);

    // A new deadline written as another instance would: the row changes but not its revision;
    // the change number moves the stamps read with the session, so the row is read again.
    let frist = t.app.today() + chrono::Duration::days(30);
    assert_ne!(foer["frist"], serde_json::json!(frist));
    store.set_frist(&[id], frist, &audit(&t, "frist")).await.unwrap();
    let efter_frist = read().await;
    assert_eq!(efter_frist["frist"], serde_json::json!(frist));
    assert_eq!(efter_frist["revision"], foer["revision"]);

    // An answer saved as another instance would: the revision moves.
    let view = t.app.pakke_view(&org, id).await.unwrap();
    let noegle = view.skabelon.sektion("b3.III").unwrap().svar_ids().next().unwrap().to_string();
    let change = store::SvarChange {
        pakke: id,
        expected_status: view.pakke.status,
        sektion: vec![noegle.clone()],
        expected_revision: view.revision_af([noegle.as_str()]),
        svar: vec![(
            noegle.clone(),
            domain::template::Svar { tekst: "Gemt et andet sted".into(), ..Default::default() },
        )],
        by: org.principal.user_id,
        at: t.app.now(),
    };
    store.save_svar(&change, &audit(&t, "svar_gemt")).await.unwrap();
    let efter_svar = read().await;
    assert_eq!(efter_svar["svar"][&noegle]["tekst"], "Gemt et andet sted");
    assert_eq!(efter_svar["revision"].as_i64().unwrap(), foer["revision"].as_i64().unwrap() + 1);
    assert_eq!(efter_svar["frist"], serde_json::json!(frist));

    // A kommune never reads the draft, also when the row is kept.
    let kommune = t.client();
    let kommune_token = kommune.login_token("kommune").await;
    for _ in 0..2 {
        assert_eq!(kommune.get_bearer(&path, &kommune_token).await.status, 404);
    }
}
