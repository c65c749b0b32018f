//! The PDF documents over HTTP, on the engine under test: the styringsrapport with its
//! afdeling forms, a submitted version, the bilag 5 report and the redegørelse. Each PDF is
//! read back as text, and each is refused to whoever may not read its HTML page.

use testkit::{Client, TestApp};

/// The id of the user's 2026 package of the given report type.
async fn package_of(c: &Client, rapporttype: &str) -> i64 {
    let json: serde_json::Value = serde_json::from_str(&c.get("/api/v1/pakker").await.body).unwrap();
    json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rapporttype"] == rapporttype && p["styringsaar"] == 2026)
        .and_then(|p| p["id"].as_i64())
        .expect("a 2026 package")
}

const SVAR: &str = "Afdeling 3 har en særlig udfordring med fugt i kældrene.";

/// Answers part I of the bilag 3 report with a recognisable text and completes the rest.
async fn complete(org: &Client, id: i64) {
    let sektion = format!("/pakker/{id}/sektioner/b3.I");
    let mut borrowed = testkit::svar_uden_udfordringer();
    borrowed.retain(|(k, _)| *k != "b3.q1.ja");
    borrowed.extend([("b3.q1.ja", "ja"), ("b3.q1.tekst", SVAR)]);
    let saved = org.post(&sektion, &sektion, &borrowed).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    org.complete_package(id, "b3.I").await;
}

async fn submit(org: &Client, id: i64) {
    let tjek = org.get(&format!("/pakker/{id}/indsend")).await;
    let sent = org
        .post_with_token(
            &format!("/pakker/{id}/indsend"),
            &tjek.csrf(),
            &[("idempotens", "u1"), ("bestyrelse_godkendt", "2026-05-20")],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
}

fn refused(status: u16, pages: &Option<Vec<String>>) -> bool {
    pages.is_none() && matches!(status, 303 | 403 | 404)
}

#[tokio::test]
async fn the_styringsrapport_pdf_prints_every_answer_and_afdeling_form_under_the_packages_scope() {
    let t = TestApp::spawn().await;
    let org = t.client();
    org.login("boligorg").await;
    let id = package_of(&org, "bilag3").await;
    complete(&org, id).await;
    let url = format!("/pakker/{id}/styringsrapport.pdf");
    assert!(org.get(&format!("/pakker/{id}")).await.body.contains(&format!("href=\"{url}\"")), "linked");

    // The organisation prints its draft, marked as such.
    let (status, pages) = org.get_pdf(&url).await;
    assert_eq!(status, 200);
    let pages = pages.expect("a PDF");
    let text = pages.concat();
    assert!(text.contains(SVAR), "the answer is printed");
    assert!(text.contains("Kladde"), "a draft says so");
    let navn = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().organisation;
    let organisation = t.app.store().organisation(navn).await.unwrap().unwrap();
    let afdelinger = t.app.store().afdelinger(organisation.id).await.unwrap();
    for a in &afdelinger {
        assert!(text.contains(&format!("Oplysningsskema for afdeling {} {}", a.data.nummer, a.data.navn)));
    }
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains(&organisation.navn) && page.contains("Styringsår 2026"), "page {} has the header", i + 1);
        assert!(page.contains(&format!("Side {} af {}", i + 1, pages.len())), "page {} is numbered: {page}", i + 1);
    }

    // Nobody else reads the draft: not the kommune, not another organisation, not the public.
    let kommune = t.client();
    kommune.login("kommune").await;
    let (status, pages) = kommune.get_pdf(&url).await;
    assert!(refused(status, &pages), "the kommune reads a draft: {status}");
    let other = t.client();
    other.login("andenorg").await;
    let (status, pages) = other.get_pdf(&url).await;
    assert!(refused(status, &pages), "another organisation reads the package: {status}");
    let (status, pages) = t.client().get_pdf(&url).await;
    assert!(refused(status, &pages), "the public reads the package: {status}");

    // Submitted: the kommune prints the submitted version, and version 1 by itself.
    submit(&org, id).await;
    let (status, pages) = kommune.get_pdf(&url).await;
    assert_eq!(status, 200);
    let text = pages.unwrap().concat();
    assert!(text.contains(SVAR) && !text.contains("Kladde"));
    assert!(text.contains("Version") && text.contains("Indsendt"));
    let version = format!("/pakker/{id}/versioner/1/styringsrapport.pdf");
    let (status, pages) = kommune.get_pdf(&version).await;
    assert_eq!(status, 200);
    assert!(pages.unwrap().concat().contains(SVAR));
    assert_eq!(kommune.get_pdf(&format!("/pakker/{id}/versioner/2/styringsrapport.pdf")).await.0, 404);
    let (status, pages) = other.get_pdf(&version).await;
    assert!(refused(status, &pages), "another organisation reads a version: {status}");
    let fremmed = testkit::foreign_kommune(&t, id).await;
    for url in [&url, &version] {
        let (status, pages) = fremmed.get_pdf(url).await;
        assert!(refused(status, &pages), "a kommune with no part in the package reads {url}: {status}");
    }
}

#[tokio::test]
async fn the_bilag_5_report_prints_without_afdeling_forms() {
    let t = TestApp::spawn().await;
    let c = t.client();
    c.login("admorg").await;
    let id = package_of(&c, "bilag5").await;
    let (status, pages) = c.get_pdf(&format!("/pakker/{id}/styringsrapport.pdf")).await;
    assert_eq!(status, 200);
    let text = pages.unwrap().concat();
    assert!(text.contains("Bilag 5: styringsrapport for administrationsorganisation"), "{text}");
    assert!(!text.contains("Oplysningsskema for afdeling"));
}

#[tokio::test]
async fn the_redegoerelse_pdf_follows_the_redegoerelse_from_draft_to_publication() {
    let t = TestApp::spawn().await;
    let org = t.client();
    org.login("boligorg").await;
    let id = package_of(&org, "bilag3").await;
    complete(&org, id).await;
    submit(&org, id).await;
    let pakke = format!("/pakker/{id}");
    let kommune = t.client();
    kommune.login("kommune").await;
    assert_eq!(kommune.post(&pakke, &format!("{pakke}/modtag"), &[]).await.status, 303);
    let moede = format!("{pakke}/moede");
    let today = t.app.today().to_string();
    let held = kommune.post(&moede, &moede, &[("dato", &today), ("deltagere", "Direktør, sagsbehandler")]).await;
    assert_eq!(held.status, 303, "{}", held.body);
    let red = format!("{pakke}/redegoerelse");
    let tekst = "Dialogen om fugt i afdeling 3 fortsætter i 2027.";
    assert_eq!(kommune.post(&red, &red, &[("sammenfatning", tekst)]).await.status, 303);

    let url = format!("{pakke}/redegoerelse.pdf");
    let nummer =
        t.app.store().organisation(t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().organisation);
    let nummer = nummer.await.unwrap().unwrap().nummer;
    let offentlig = format!("/offentlig/organisationer/{nummer}/redegoerelser/2026.pdf");
    // The kommune's draft is its own.
    let (status, pages) = kommune.get_pdf(&url).await;
    assert_eq!(status, 200);
    let text = pages.unwrap().concat();
    assert!(text.contains(tekst) && text.contains("Udkast"), "{text}");
    assert!(refused(org.get_pdf(&url).await.0, &None), "the organisation reads the kommune's draft");
    assert_eq!(t.client().get_pdf(&offentlig).await.0, 404, "the public reads a draft");

    // In høring: the organisation reads it; the public still does not.
    let frist = (t.app.today() + chrono::Days::new(14)).to_string();
    assert_eq!(kommune.post(&red, &format!("{red}/hoering"), &[("hoering_frist", &frist)]).await.status, 303);
    let (status, pages) = org.get_pdf(&url).await;
    assert_eq!(status, 200);
    assert!(pages.unwrap().concat().contains("i høring"));
    let fremmed = testkit::foreign_kommune(&t, id).await;
    let (status, pages) = fremmed.get_pdf(&url).await;
    assert!(refused(status, &pages), "a kommune with no part in the package reads the redegørelse: {status}");
    assert_eq!(t.client().get_pdf(&offentlig).await.0, 404, "the public reads a draft in høring");

    // Published: everyone reads it, linked from the data sheet.
    // Before the høring's deadline with no comment, publishing is confirmed.
    let offentliggoer = format!("{red}/offentliggoer");
    assert_eq!(kommune.post(&red, &offentliggoer, &[]).await.status, 422);
    assert!(kommune.get(&offentliggoer).await.body.contains("Ja, offentliggør før høringsfristen"));
    assert_eq!(kommune.post(&red, &offentliggoer, &[("bekraeftet", "ja")]).await.status, 303);
    let (status, pages) = t.client().get_pdf(&offentlig).await;
    assert_eq!(status, 200);
    let pages = pages.unwrap();
    let text = pages.concat();
    assert!(text.contains(tekst) && text.contains("Offentliggjort") && !text.contains("Udkast"));
    assert!(pages.iter().all(|p| p.contains("Styringsår 2026") && p.contains(&nummer.to_string())));
    let dataark = t.client().get(&format!("/offentlig/organisationer/{nummer}")).await;
    assert!(dataark.body.contains(&format!("href=\"{offentlig}\"")));
    for ingen in ["1999.pdf", "2026", "x.pdf"] {
        assert_eq!(
            t.client().get_pdf(&format!("/offentlig/organisationer/{nummer}/redegoerelser/{ingen}")).await.0,
            404
        );
    }
}
