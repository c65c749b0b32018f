//! The yearly cycle over HTTP, on the engine under test (see testkit docs).

use testkit::{Client, TestApp};

/// The key-figure table of one styringsår on a public data sheet.
fn year_table(body: &str, aar: i32) -> String {
    let start = body.find(&format!("id=\"noegletal-{aar}\"")).expect("the data sheet has a table for the year");
    let end = body[start..].find("</table>").expect("table ends") + start;
    body[start..end].to_string()
}

async fn first_package(client: &Client) -> (i64, i64) {
    let page = client.get("/api/v1/pakker").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    let p = &json["data"][0];
    (p["id"].as_i64().expect("package id"), p["organisation"]["nummer"].as_i64().expect("number"))
}

fn answers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("b3.q1.ja", "ja"),
        ("b3.q1.tekst", "Fælles indsats for boligsocial helhedsplan"),
        ("b3.q2.ja", "nej"),
        ("b3.q3.ja", "nej"),
        ("b3.q4.ja", "ja"),
        ("b3.q4.tekst", "Fælles driftscenter for tre afdelinger"),
        ("b3.q5.ja", "nej"),
    ]
}

#[tokio::test]
async fn the_whole_yearly_cycle() {
    let t = TestApp::spawn().await;
    let org = t.client();
    org.login("boligorg").await;
    let (id, nummer) = first_package(&org).await;
    let pakke = format!("/pakker/{id}");
    let sektion = format!("{pakke}/sektioner/b3.I");
    let sheet = format!("/offentlig/organisationer/{nummer}");
    let public = t.client();

    // Before the meeting the public sees no key figures for the year.
    let before = public.get(&sheet).await;
    assert_eq!(before.status, 200);
    let table = year_table(&before.body, 2026);
    assert!(table.contains("i/t"));
    assert!(!table.contains("kr. pr. lejemålsenhed"), "ungated key figures leaked: {table}");
    // Last year's meeting was held, so last year's figures are public.
    assert!(year_table(&before.body, 2025).contains("kr. pr. lejemålsenhed"));

    // Submitting with missing answers is refused with a message per question.
    let tjek = org.get(&format!("{pakke}/indsend")).await;
    assert_eq!(tjek.status, 422);
    assert!(tjek.body.contains("Svar ja eller nej til spørgsmål 1"));
    let refused = org
        .post_with_token(
            &format!("{pakke}/indsend"),
            &tjek.csrf(),
            &[("idempotens", "k0"), ("bestyrelse_godkendt", "2026-05-20")],
        )
        .await;
    assert_eq!(refused.status, 422);

    // A "yes" without "which" is an error, and saving keeps the answers on the page.
    let bad = org.post(&sektion, &sektion, &[("b3.q1.ja", "ja")]).await;
    assert_eq!(bad.status, 303, "incomplete drafts save");
    let saved = org.post(&sektion, &sektion, &answers()).await;
    assert_eq!(saved.status, 303);
    let overview = org.get(&pakke).await;
    assert!(overview.body.contains("Gennemført"));
    // Still not complete: the other sections and every afdeling form are required too.
    assert_eq!(org.get(&format!("{pakke}/indsend")).await.status, 422);
    org.complete_package(id, "b3.I").await;

    // Submit; a resend with the same key (double click) submits once.
    let tjek = org.get(&format!("{pakke}/indsend")).await;
    assert_eq!(tjek.status, 200, "{}", tjek.body);
    // The board's approval is stated with a date: not missing, not in the future.
    assert!(tjek.body.contains("Bestyrelsen er ansvarlig for styringsrapporten"));
    let indsend = format!("{pakke}/indsend");
    let uden = org.post_with_token(&indsend, &tjek.csrf(), &[("idempotens", "k-uden")]).await;
    assert_eq!(uden.status, 422);
    assert!(uden.body.contains("href=\"#bestyrelse_godkendt\""), "the summary links to the field: {}", uden.body);
    let i_morgen = (t.app.today() + chrono::Days::new(1)).to_string();
    let fremtid = org
        .post_with_token(&indsend, &tjek.csrf(), &[("idempotens", "k-frem"), ("bestyrelse_godkendt", &i_morgen)])
        .await;
    assert!(fremtid.status == 422 && fremtid.body.contains("kan ikke ligge i fremtiden"));
    let submitted = org
        .post_with_token(
            &format!("{pakke}/indsend"),
            &tjek.csrf(),
            &[("idempotens", "k1"), ("bestyrelse_godkendt", "2026-05-20")],
        )
        .await;
    assert_eq!(submitted.location.as_deref(), Some(format!("{pakke}/kvittering/1").as_str()));
    let again = org
        .post_with_token(
            &format!("{pakke}/indsend"),
            &tjek.csrf(),
            &[("idempotens", "k1"), ("bestyrelse_godkendt", "2026-05-20")],
        )
        .await;
    assert_eq!(again.location.as_deref(), Some(format!("{pakke}/kvittering/1").as_str()));
    let receipt = org.get(&format!("{pakke}/kvittering/1")).await;
    assert!(receipt.body.contains("Dokumentationspakken er indsendt"));
    assert!(receipt.body.contains("Godkendt af bestyrelsen</dt><dd>20.05.2026"), "{}", receipt.body);
    // A receipt mail is in the outbox, once, although the form was sent twice.
    let outbox = t.app.store().udbakke(store::Side::new(1, 50)).await.unwrap().raekker;
    let receipts: Vec<_> = outbox.iter().filter(|m| m.mail.reference == format!("kvittering/{id}/1")).collect();
    assert_eq!(receipts.len(), 1);
    assert!(receipts[0].mail.tekst.contains("Version: 1") && receipts[0].mail.til.ends_with("@demo.invalid"));
    assert!(receipts[0].mail.tekst.contains("Godkendt af bestyrelsen: 20.05.2026"));

    // Submitted material cannot be edited by the organisation.
    let locked = org.post(&pakke, &sektion, &answers()).await;
    assert_eq!(locked.status, 409, "{}", locked.body);
    // A second submission (another tab, a new key) is refused and adds no version.
    let second_tab = org
        .post_with_token(
            &format!("{pakke}/indsend"),
            &tjek.csrf(),
            &[("idempotens", "k-other"), ("bestyrelse_godkendt", "2026-05-20")],
        )
        .await;
    assert_eq!(second_tab.status, 409);
    assert_eq!(t.app.store().versions(store::PakkeId(id)).await.unwrap().len(), 1);

    // The kommune sees it and returns it with a reason.
    let kommune = t.client();
    kommune.login("kommune").await;
    let oversigt = kommune.get("/kommune").await;
    assert!(oversigt.body.contains(&format!("href=\"/pakker/{id}\"")));
    // The return form proposes a resubmission deadline from the rules (14 days).
    let retur = format!("{pakke}/returner");
    let proposed = (t.app.today() + chrono::Days::new(14)).to_string();
    assert!(kommune.get(&retur).await.body.contains(&format!("value=\"{proposed}\"")));
    let no_reason = kommune.post(&retur, &retur, &[("begrundelse", " "), ("frist", "")]).await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.body.contains("Angiv fristen for genindsendelse"), "{}", no_reason.body);
    let yesterday = (t.app.today() - chrono::Days::new(1)).to_string();
    let past = kommune.post(&retur, &retur, &[("begrundelse", "Uddyb"), ("frist", &yesterday)]).await;
    assert_eq!(past.status, 422);
    assert!(past.body.contains("kan ikke ligge før i dag"));
    let frist = t.app.today() + chrono::Days::new(10);
    let returned = kommune
        .post(&retur, &retur, &[("begrundelse", "Uddyb svaret om driftscenteret"), ("frist", &frist.to_string())])
        .await;
    assert_eq!(returned.status, 303);

    // The organisation sees the reason and the deadline, on the package and by mail, and
    // resubmits: version 2.
    let reopened = org.get(&pakke).await;
    assert!(reopened.body.contains("Uddyb svaret om driftscenteret"));
    let vist = frist.format("%d.%m.%Y").to_string();
    assert!(reopened.body.contains(&format!("Frist for genindsendelse: {vist}")), "{}", reopened.body);
    assert!(kommune.get("/kommune").await.body.contains(&format!("Frist for genindsendelse {vist}")));
    let mails = t.app.store().udbakke(store::Side::new(1, 100)).await.unwrap().raekker;
    let mail = mails.iter().find(|m| m.mail.reference.starts_with(&format!("retur/{id}/"))).expect("a return mail");
    assert!(mail.mail.tekst.contains("Uddyb svaret om driftscenteret") && mail.mail.tekst.contains(&vist));
    let mut corrected = answers();
    corrected.retain(|(k, _)| *k != "b3.q4.tekst");
    corrected.push(("b3.q4.tekst", "Fælles driftscenter, nu med tidsplan"));
    let saved = org.post(&sektion, &sektion, &corrected).await;
    assert_eq!(saved.status, 303);
    // The accounts are replaced by a corrected file.
    let bilag = org.get(&format!("{pakke}/bilag")).await;
    let rettet = org
        .upload(
            &format!("{pakke}/bilag"),
            &bilag.csrf(),
            &[("art", "regnskab")],
            ("regnskab-rettet.pdf", testkit::MINIMAL_PDF.to_vec()),
        )
        .await;
    assert_eq!(rettet.status, 303, "{}", rettet.body);
    // Version 1 read while it is the newest (kept with the package's data, as the version
    // pages keep every version's answers): the resubmission below must show as version 2, and
    // version 1 as it was.
    let foer = kommune.get(&format!("{pakke}/versioner/1")).await;
    assert_eq!(foer.status, 200);
    assert!(foer.body.contains("Fælles driftscenter for tre afdelinger"));
    let tjek = org.get(&format!("{pakke}/indsend")).await;
    let resubmitted = org
        .post_with_token(
            &format!("{pakke}/indsend"),
            &tjek.csrf(),
            &[("idempotens", "k2"), ("bestyrelse_godkendt", "2026-05-20")],
        )
        .await;
    assert_eq!(resubmitted.location.as_deref(), Some(format!("{pakke}/kvittering/2").as_str()));
    // Both versions are kept and can be read, by the organisation and by the kommune.
    for c in [&org, &kommune, &org] {
        let v1 = c.get(&format!("{pakke}/versioner/1")).await;
        assert_eq!(v1.status, 200);
        assert!(v1.body.contains("Fælles driftscenter for tre afdelinger") && !v1.body.contains("nu med tidsplan"));
        let v2 = c.get(&format!("{pakke}/versioner/2")).await;
        assert!(v2.body.contains("Fælles driftscenter, nu med tidsplan"));
        assert!(v2.body.contains("regnskab-rettet.pdf"), "the version lists its files");
        assert!(v2.body.contains("Erstattet af regnskab-rettet.pdf"), "a replaced file is one row");
        assert!(!v2.body.contains("Ny fil: regnskab-rettet.pdf"));
    }
    assert_eq!(org.get(&format!("{pakke}/versioner/3")).await.status, 404);
    let stranger = t.client();
    stranger.login("andenorg").await;
    assert_eq!(stranger.get(&format!("{pakke}/versioner/1")).await.status, 404);

    // Publishing before the meeting is refused.
    let early = kommune.post(&pakke, &format!("{pakke}/redegoerelse/offentliggoer"), &[]).await;
    assert_eq!(early.status, 409);

    // Receive, meeting held, redegørelse, publish.
    assert_eq!(kommune.post(&pakke, &format!("{pakke}/modtag"), &[]).await.status, 303);
    let mails = t.app.store().udbakke(store::Side::new(1, 100)).await.unwrap().raekker;
    assert!(
        mails.iter().any(|m| m.mail.reference.starts_with(&format!("modtaget/{id}/"))),
        "the receipt is told by mail"
    );
    let future = kommune
        .post(&format!("{pakke}/moede"), &format!("{pakke}/moede"), &[("dato", "2999-01-01"), ("deltagere", "x")])
        .await;
    assert_eq!(future.status, 422);
    assert!(future.body.contains("fremtiden"));
    let held = kommune
        .post(
            &format!("{pakke}/moede"),
            &format!("{pakke}/moede"),
            &[("dato", &t.app.today().to_string()), ("deltagere", "Kommunen og bestyrelsen")],
        )
        .await;
    assert_eq!(held.status, 303);

    // Key figures become public once the meeting is held.
    let after = public.get(&sheet).await;
    assert!(
        year_table(&after.body, 2026).contains("kr. pr. lejemålsenhed"),
        "key figures should show after the meeting"
    );

    let red = format!("{pakke}/redegoerelse");
    let draft = kommune
        .post(
            &red,
            &red,
            &[
                ("sammenfatning", "God og konstruktiv dialog om driften."),
                ("udlejning", "Fleksibel udlejning drøftet."),
            ],
        )
        .await;
    assert_eq!(draft.status, 303);
    assert!(!public.get(&sheet).await.body.contains("God og konstruktiv dialog"), "draft redegørelse leaked");
    assert_eq!(kommune.post(&red, &format!("{red}/offentliggoer"), &[]).await.status, 303);
    let published = public.get(&sheet).await;
    assert!(published.body.contains("God og konstruktiv dialog om driften."));

    // The published redegørelse is immutable.
    let edit = kommune.post(&pakke, &red, &[("sammenfatning", "Ændret")]).await;
    assert_eq!(edit.status, 409);
    let republish = kommune.post(&pakke, &format!("{red}/offentliggoer"), &[]).await;
    assert_eq!(republish.status, 409);

    // Every step is in the history and the audit log.
    let history = org.get(&pakke).await.body;
    for label in ["Indsendt", "Returneret til rettelse", "Modtaget", "Møde afholdt", "Redegørelse offentliggjort"] {
        assert!(history.contains(label), "history lacks {label}");
    }
    let audit = t.app.store().audit_events(500).await.unwrap();
    for action in [
        "pakke_indsendt",
        "pakke_returneret",
        "pakke_modtaget",
        "moede_afholdt",
        "redegoerelse_offentliggjort",
        "login",
    ] {
        assert!(audit.iter().any(|a| a.event.action == action), "audit lacks {action}");
    }
}
