//! The dialogue every year, also without a package (§ 112, § 164 stk. 2, guidance chapter 7),
//! on the engine under test: the hjemstedskommune records a missing package after the deadline,
//! holds the meeting, writes and publishes a redegørelse marked «dokumentationspakken er ikke
//! modtaget», and records henstillinger and påbud; the organisation's draft is never read, and
//! no other kommune may act.

use chrono::{TimeZone, Utc};
use testkit::{TestApp, beliggenhedskommune, foreign_kommune};

/// After the 2026 packages' deadline (mid-2027).
fn efter_fristen() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 10, 1, 9, 0, 0).unwrap()
}

async fn app_efter_fristen() -> TestApp {
    TestApp::spawn_custom(testkit::demo_at(0.1), |_| app::AppSettings::default(), |a| a.with_clock(efter_fristen)).await
}

const KLADDE: &str = "HEMMELIG-KLADDETEKST-123";

#[tokio::test]
async fn the_kommune_holds_the_dialogue_and_publishes_without_the_package_and_never_reads_the_draft() {
    let t = app_efter_fristen().await;
    let org = t.client();
    org.login("boligorg").await;
    let id = org.package_2026("bilag3").await;
    let side = format!("/pakker/{id}");
    // A draft answer the kommune must never see.
    let sektion = format!("{side}/sektioner/b3.I");
    assert_eq!(org.post(&sektion, &sektion, &[("b3.q1.ja", "ja"), ("b3.q1.tekst", KLADDE)]).await.status, 303);

    let kommune = t.client();
    kommune.login("kommune").await;
    assert_eq!(kommune.get(&side).await.status, 404, "a draft is the organisation's own");
    let oversigt = kommune.get("/kommune?aar=2026").await.body;
    assert!(oversigt.contains(&format!("/pakker/{id}/ikke-modtaget")), "the overview offers it after the deadline");

    // No other kommune may record it, nor the organisation.
    let (_, nabo) = beliggenhedskommune(&t, id).await;
    let fremmed = foreign_kommune(&t, id).await;
    let handling = format!("{side}/ikke-modtaget");
    for c in [&nabo, &fremmed] {
        assert_eq!(c.get(&handling).await.status, 404);
        let csrf = c.get("/kommune").await.csrf();
        assert_eq!(c.post_with_token(&handling, &csrf, &[]).await.status, 404);
    }
    assert_eq!(org.get(&handling).await.status, 404);

    // The hjemstedskommune confirms on a page of its own.
    let bekraeft = kommune.get(&handling).await;
    assert_eq!(bekraeft.status, 200);
    assert!(bekraeft.body.contains("Registrér at pakken ikke er modtaget"));
    assert!(!bekraeft.body.contains(KLADDE));
    let svar = kommune.post(&handling, &handling, &[]).await;
    assert_eq!(svar.status, 303, "{}", svar.body);
    assert_eq!(svar.location.as_deref(), Some(format!("{side}?besked=ikke_modtaget").as_str()));
    let again = kommune.post(&side, &handling, &[]).await;
    assert_ne!(again.status, 303, "recorded once");

    // The kommune now reads the package's record, not the draft.
    let vist = kommune.get(&side).await;
    assert_eq!(vist.status, 200);
    assert!(vist.body.contains("Dokumentationspakken er ikke modtaget"));
    assert!(vist.body.contains("Organisationen har ikke indsendt en styringsrapport"));
    assert!(vist.body.contains("Indkald til dialogmøde") && vist.body.contains("Giv henstilling eller påbud"));
    assert!(!vist.body.contains(KLADDE), "the draft leaked to the kommune");
    let (status, pdf) = kommune.get_pdf(&format!("{side}/styringsrapport.pdf")).await;
    assert!(status != 200 || !pdf.unwrap_or_default().concat().contains(KLADDE), "the draft leaked in the PDF");
    for c in [&nabo, &fremmed] {
        assert_eq!(c.get(&side).await.status, 404, "routed to the hjemstedskommune alone");
    }
    let oversigt = kommune.get("/kommune?aar=2026&indsendelse=ikke_modtaget").await.body;
    assert!(oversigt.contains("Ikke modtaget (dialog uden pakke)"), "{oversigt}");
    // The organisation is told, and may still submit.
    let mails = t.app.store().udbakke(store::Side::new(1, 200)).await.unwrap().raekker;
    assert!(
        mails.iter().any(|m| m.mail.reference.starts_with("ikke-modtaget/") && m.mail.til == "boligorg@demo.invalid")
    );
    let org_side = org.get(&side).await.body;
    assert!(org_side.contains("Pakken kan stadig indsendes"), "{org_side}");

    // The meeting, held without the package.
    let moede = format!("{side}/moede");
    let held = kommune.post(&moede, &moede, &[("dato", "2027-09-30"), ("deltagere", "Kommunen, bestyrelsen")]).await;
    assert_eq!(held.status, 303, "{}", held.body);
    assert!(org.get(&side).await.body.contains("Møde afholdt"));

    // The redegørelse: the suggestion says the package was not received; it is published marked.
    let red = format!("{side}/redegoerelse");
    let forslag = kommune.post(&red, &red, &[("_handling", "forslag"), ("sammenfatning", "")]).await;
    assert_eq!(forslag.status, 200);
    assert!(forslag.body.contains("Dokumentationspakken er ikke modtaget."), "{}", forslag.body);
    let gemt = kommune
        .post(&red, &red, &[("sammenfatning", "Dokumentationspakken er ikke modtaget. Mødet drøftede driften.")])
        .await;
    assert_eq!(gemt.status, 303);
    assert_eq!(kommune.post(&red, &format!("{red}/offentliggoer"), &[]).await.status, 303);
    let record = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap();
    let nummer = record.organisation_nummer;
    let offentlig = t.client();
    let dataark = offentlig.get(&format!("/offentlig/organisationer/{nummer}")).await.body;
    assert!(dataark.contains("Mødet drøftede driften.") && dataark.contains("Dokumentationspakken er ikke modtaget"));
    assert!(!dataark.contains(KLADDE));
    let api = offentlig.get(&format!("/api/v1/offentlig/organisationer/{nummer}")).await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let r = json["redegoerelser"].as_array().unwrap().iter().find(|r| r["styringsaar"] == 2026).unwrap();
    assert_eq!(r["dokumentationspakke_modtaget"], false);
    let (status, pdf) = offentlig.get_pdf(&format!("/offentlig/organisationer/{nummer}/redegoerelser/2026.pdf")).await;
    assert_eq!(status, 200);
    let tekst = pdf.unwrap().concat();
    assert!(tekst.contains("Dokumentationspakken er ikke modtaget"), "{tekst}");
    let kommunens = offentlig.get(&format!("/offentlig/kommuner/{}/redegoerelser", record.hjemstedskommune)).await;
    assert_eq!(kommunens.status, 200);
    assert!(kommunens.body.contains(&nummer.to_string()), "{}", kommunens.body);
    assert!(kommunens.body.contains("Dokumentationspakken er ikke modtaget"));
}

#[tokio::test]
async fn henstillinger_and_paabud_are_dated_audited_events_for_the_organisation_and_the_overview() {
    let t = app_efter_fristen().await;
    let org = t.client();
    org.login("boligorg").await;
    let id = org.package_2026("bilag3").await;
    let side = format!("/pakker/{id}");
    let kommune = t.client();
    kommune.login("kommune").await;
    let handling = format!("{side}/ikke-modtaget");
    assert_eq!(kommune.post(&handling, &handling, &[]).await.status, 303);

    let form = format!("{side}/tilsynsreaktion");
    assert_eq!(kommune.get(&form).await.status, 200);
    // Bad input: each field named, nothing saved.
    let fejl = kommune.post(&form, &form, &[("art", "bøde"), ("dato", "2027-13-01"), ("tekst", " ")]).await;
    assert_eq!(fejl.status, 422);
    for felt in ["art-fejl", "dato-fejl", "tekst-fejl"] {
        assert!(fejl.body.contains(&format!("id=\"{felt}\"")), "{felt}: {}", fejl.body);
    }
    let fremtid = kommune.post(&form, &form, &[("art", "paabud"), ("dato", "2027-12-01"), ("tekst", "x")]).await;
    assert!(fremtid.status == 422 && fremtid.body.contains("kan ikke ligge i fremtiden"));
    assert!(t.app.store().tilsynsreaktioner(&[store::PakkeId(id)]).await.unwrap().is_empty());

    let ok = kommune
        .post(
            &form,
            &form,
            &[
                ("art", "paabud"),
                ("dato", "2027-10-01"),
                ("tekst", "Organisationen skal indsende dokumentationspakken."),
                ("frist", "2027-10-31"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let vist = kommune.get(&side).await.body;
    assert!(
        vist.contains("Henstillinger og påbud") && vist.contains("Organisationen skal indsende dokumentationspakken.")
    );
    assert!(vist.contains("31.10.2027"));
    assert!(kommune.get("/kommune?aar=2026").await.body.contains("Påbud 01.10.2027"), "the overview shows it");
    // The organisation reads it and got it by mail; no other kommune may give or read one.
    assert!(org.get(&side).await.body.contains("Organisationen skal indsende dokumentationspakken."));
    let mails = t.app.store().udbakke(store::Side::new(1, 200)).await.unwrap().raekker;
    assert!(mails.iter().any(|m| m.mail.reference.starts_with("paabud/") && m.mail.emne.starts_with("Påbud fra")));
    let (_, nabo) = beliggenhedskommune(&t, id).await;
    let nabo_side = nabo.get("/kommune").await;
    assert!(nabo_side.body.contains("name=\"_csrf\""), "{} {}", nabo_side.status, nabo_side.body);
    let csrf = nabo_side.csrf();
    let afvist =
        nabo.post_with_token(&form, &csrf, &[("art", "henstilling"), ("dato", "2027-10-01"), ("tekst", "x")]).await;
    assert_eq!(afvist.status, 404);
    assert_eq!(nabo.get(&form).await.status, 404);
    // Audited, and told to the API.
    let audit = t.app.store().audit_events(500).await.unwrap();
    let handlinger: Vec<&str> = audit.iter().map(|a| a.event.action.as_str()).collect();
    assert!(handlinger.contains(&"tilsynsreaktion") && handlinger.contains(&"pakke_ikke_modtaget"), "{handlinger:?}");
    let token = t.client().login_token("kommune").await;
    let liste =
        kommune.api(reqwest::Method::GET, &format!("/api/v1/pakker/{id}/tilsynsreaktioner"), &token, None, None).await;
    assert_eq!(liste.status, 200);
    assert_eq!(liste.json[0]["art"], "paabud");
    assert_eq!(liste.json[0]["frist"], "2027-10-31");
    let nabo_token = t.client().login_token("belig").await;
    let skjult = nabo
        .api(reqwest::Method::GET, &format!("/api/v1/pakker/{id}/tilsynsreaktioner"), &nabo_token, None, None)
        .await;
    assert_eq!(skjult.status, 404);
}

#[tokio::test]
async fn a_late_submission_after_the_record_is_received_as_late_and_the_api_records_it_with_a_revision() {
    let t = app_efter_fristen().await;
    let org = t.client();
    org.login("boligorg").await;
    let id = org.package_2026("bilag3").await;
    let kommune = t.client();
    let token = kommune.login_token("kommune").await;
    let url = format!("/api/v1/pakker/{id}/ikke-modtaget");
    let revision = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().revision.0;
    let stale = kommune
        .api(reqwest::Method::POST, &url, &token, Some("k-1"), Some(serde_json::json!({"revision": revision - 1})))
        .await;
    assert_eq!(stale.status, 409, "a changed package is refused");
    let ok = kommune
        .api(reqwest::Method::POST, &url, &token, Some("k-2"), Some(serde_json::json!({"revision": revision})))
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.json);
    assert_eq!(ok.json["status"], "ikke_modtaget");
    assert!(ok.json["ikke_modtaget"].is_string());

    // The organisation submits after all: received as late, the record cleared.
    org.submit_package(id, "sent").await;
    let p = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap();
    assert_eq!(p.status, domain::package::PakkeStatus::Indsendt);
    assert!(p.ikke_modtaget.is_none());
    let oversigt = kommune.get("/kommune?aar=2026&indsendelse=for_sent").await.body;
    assert!(oversigt.contains(&p.organisation_navn), "{oversigt}");
}

#[tokio::test]
async fn before_the_deadline_the_package_cannot_be_recorded_as_not_received() {
    // Before the 2026 packages' deadline of 30 June 2026.
    let foer = || Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
    let t = TestApp::spawn_custom(testkit::small_demo(), |_| app::AppSettings::default(), |a| a.with_clock(foer)).await;
    let org = t.client();
    org.login("boligorg").await;
    let id = org.package_2026("bilag3").await;
    let kommune = t.client();
    kommune.login("kommune").await;
    let handling = format!("/pakker/{id}/ikke-modtaget");
    let side = kommune.get(&handling).await;
    assert_eq!(side.status, 200);
    assert!(
        side.body.contains("er ikke overskredet endnu") && !side.body.contains("type=\"submit\">Registrér"),
        "{}",
        side.body
    );
    let csrf = kommune.get("/kommune").await.csrf();
    let svar = kommune.post_with_token(&handling, &csrf, &[]).await;
    assert_eq!(svar.status, 409, "{}", svar.body);
    assert_eq!(
        t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().status,
        domain::package::PakkeStatus::Kladde
    );
}

#[tokio::test]
async fn a_returned_package_is_held_to_its_resubmission_deadline() {
    let t = app_efter_fristen().await;
    let org = t.client();
    org.login("boligorg").await;
    let id = org.package_2026("bilag3").await;
    org.submit_package(id, "foerste").await;
    let kommune = t.client();
    kommune.login("kommune").await;
    let side = format!("/pakker/{id}");
    let retur = kommune
        .post(
            &format!("{side}/returner"),
            &format!("{side}/returner"),
            &[("begrundelse", "Uddyb spørgsmål 1."), ("frist", "2027-10-15")],
        )
        .await;
    assert_eq!(retur.status, 303, "{}", retur.body);
    // The report deadline passed long ago; the resubmission deadline has not.
    let handling = format!("{side}/ikke-modtaget");
    let vist = kommune.get(&handling).await;
    assert!(vist.body.contains("Fristen 15.10.2027 er ikke overskredet endnu"), "{}", vist.body);
    assert_eq!(kommune.post_with_token(&handling, &vist.csrf(), &[]).await.status, 409);
    let senere = t.app.clone().with_clock(|| Utc.with_ymd_and_hms(2027, 10, 16, 9, 0, 0).unwrap());
    let bruger = testkit::session_user(&senere, "kommune").await;
    senere.registrer_ikke_modtaget(&bruger, store::PakkeId(id), None).await.unwrap();
    let p = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap();
    assert_eq!(p.status, domain::package::PakkeStatus::IkkeModtaget);
}
