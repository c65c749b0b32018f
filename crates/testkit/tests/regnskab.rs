//! The accounts material's own track, on the engine under test: the report is submitted
//! before the accounts, which follow as versioned supplements by their own deadline, and the
//! kommune's overview shows both states.

use testkit::{MINIMAL_PDF, TestApp, foreign_kommune};

#[tokio::test]
async fn the_report_goes_first_and_the_accounts_follow_as_versioned_supplements() {
    let t = TestApp::spawn().await;
    let org = t.client();
    org.login("boligorg").await;
    let id = org.package_2026("bilag3").await;
    let side = format!("/pakker/{id}");

    // Every section and afdeling form, no attachment.
    let sektion = format!("{side}/sektioner/b3.I");
    assert_eq!(org.post(&sektion, &sektion, &testkit::svar_uden_udfordringer()).await.status, 303);
    for link in org.get(&side).await.links(&format!("{side}/sektioner/")) {
        if !link.ends_with("/b3.I") {
            assert_eq!(org.complete_form(&link).await.status, 303, "{link}");
        }
    }
    for link in org.get(&format!("{side}/afdelinger")).await.links(&format!("{side}/afdelinger/")) {
        assert_eq!(org.complete_form(&link).await.status, 303, "{link}");
    }
    let tjek = org.get(&format!("{side}/indsend")).await;
    assert_eq!(tjek.status, 200, "the accounts do not hold the report back: {}", tjek.body);
    assert!(tjek.body.contains("Regnskabsmaterialet (årsregnskab, revisionsprotokol"), "{}", tjek.body);
    assert_eq!(org.submit_from(id, &tjek, "rapport").await.status, 303);

    // The kommune sees the report and that the accounts are missing, with their deadline.
    let kommune = t.client();
    kommune.login("kommune").await;
    let oversigt = kommune.get("/kommune?aar=2026").await.body;
    assert!(oversigt.contains("Regnskab mangler (frist"), "{oversigt}");
    assert!(kommune.get(&side).await.body.contains("Mangler: årsregnskab"));

    // After submission only accounts material may be sent, by the organisation alone.
    let bilag = format!("{side}/bilag");
    let bilagside = org.get(&bilag).await;
    assert!(bilagside.body.contains("Eftersend"), "{}", bilagside.body);
    let csrf = bilagside.csrf();
    let ekstra = org.upload(&bilag, &csrf, &[("art", "ekstra")], ("ekstra.pdf", MINIMAL_PDF.to_vec())).await;
    assert_eq!(ekstra.status, 409, "{}", ekstra.body);
    let kcsrf = kommune.get(&side).await.csrf();
    let fremmed = kommune.upload(&bilag, &kcsrf, &[("art", "regnskab")], ("regnskab.pdf", MINIMAL_PDF.to_vec())).await;
    assert_eq!(fremmed.status, 404);
    let andre = foreign_kommune(&t, id).await;
    let acsrf = andre.get("/kommune").await.csrf();
    assert_eq!(
        andre.upload(&bilag, &acsrf, &[("art", "regnskab")], ("regnskab.pdf", MINIMAL_PDF.to_vec())).await.status,
        404
    );

    let store = t.app.store();
    let before = store.versions(store::PakkeId(id)).await.unwrap();
    assert_eq!(before.len(), 1);
    let sent = org.upload(&bilag, &csrf, &[("art", "regnskab")], ("regnskab.pdf", MINIMAL_PDF.to_vec())).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let after = store.versions(store::PakkeId(id)).await.unwrap();
    assert_eq!(after.len(), 2, "a supplement is a new version");
    assert_eq!(after[0], before[0], "the submitted version is never changed");
    assert_eq!(after[1].supplement.as_deref(), Some("regnskab"));
    assert_eq!(after[1].bilag.len(), 1);
    assert_eq!(
        store.version_svar(store::PakkeId(id), 2).await.unwrap(),
        store.version_svar(store::PakkeId(id), 1).await.unwrap()
    );
    let p = store.pakke(store::PakkeId(id)).await.unwrap().unwrap();
    assert_eq!(p.status, domain::package::PakkeStatus::Indsendt, "the report's state is unchanged");
    // The kommune reads the newest version, with the accounts; the API tells the supplement.
    let vist = kommune.get(&side).await.body;
    assert!(vist.contains("regnskab.pdf") || kommune.get(&bilag).await.body.contains("regnskab.pdf"));
    assert!(vist.contains("eftersendt regnskabsmateriale (årsregnskab)"), "{vist}");
    let token = t.client().login_token("kommune").await;
    let v2 = kommune.api(reqwest::Method::GET, &format!("/api/v1/pakker/{id}/versioner/2"), &token, None, None).await;
    assert_eq!(v2.status, 200, "{:?}", v2.json);
    assert_eq!(v2.json["supplement"], "regnskab");

    // The rest of the accounts: the overview shows them received.
    for art in ["revisionsprotokol", "aarsberetning", "regnskabsspoergeskema"] {
        let csrf = org.get(&bilag).await.csrf();
        let sent = org.upload(&bilag, &csrf, &[("art", art)], (&format!("{art}.pdf"), MINIMAL_PDF.to_vec())).await;
        assert_eq!(sent.status, 303, "{art}: {}", sent.body);
    }
    assert_eq!(store.versions(store::PakkeId(id)).await.unwrap().len(), 5);
    let oversigt = kommune.get("/kommune?aar=2026").await.body;
    assert!(oversigt.contains("Regnskab modtaget"), "{oversigt}");
    assert!(kommune.get(&side).await.body.contains("<dt>Regnskabsmateriale</dt><dd>Modtaget"));
    let audit = store.audit_events(200).await.unwrap();
    assert_eq!(audit.iter().filter(|a| a.event.action == "regnskab_eftersendt").count(), 4);
}
