//! Items of the guidance on the package forms, on the engine under test: question 4's
//! efficiency goals when afdelinger are yellow or red (§ 14 b, stk. 4), the organisation's
//! corrections of "under opførelse" and "afdelingsbestyrelse" on the afdeling form, section V's
//! complete list of critical afdelinger, and marks only on figures the guidance treats as
//! critical (docs/adr/0003).

use testkit::TestApp;

#[tokio::test]
async fn question_4_requires_the_boards_efficiency_goals_when_afdelinger_are_yellow_or_red() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let org = store.user_by_username("boligorg").await.unwrap().unwrap().organisationer[0];
    let aar = domain::Styringsaar::new(2026).unwrap();
    let farver = store.effektivitet_for(aar, &[org]).await.unwrap();
    assert!(
        farver.iter().any(|e| e.farve != domain::effektivitet::Farve::Groen),
        "the demo organisation has yellow or red afdelinger"
    );
    let c = t.client();
    c.login("boligorg").await;
    let id = c.package_2026("bilag3").await;
    let sektion = format!("/pakker/{id}/sektioner/b3.I");

    // The form says what question 4 must hold.
    let form = c.get(&sektion).await;
    assert!(form.body.contains("Bestyrelsen skal fastsætte mål for effektivisering"), "the prompt");
    assert!(form.body.contains("id=\"b3.q4-hint\""));

    // A no is saved as a draft, but check-your-answers refuses it with the reason.
    let mut nej = testkit::svar_uden_udfordringer();
    nej.retain(|(k, _)| !k.starts_with("b3.q4"));
    nej.push(("b3.q4.ja", "nej"));
    assert_eq!(c.post(&sektion, &sektion, &nej).await.status, 303);
    c.complete_package(id, "b3.I").await;
    let tjek = c.get(&format!("/pakker/{id}/indsend")).await;
    assert_eq!(tjek.status, 422, "refused while question 4 says no");
    assert!(tjek.body.contains("mål og initiativer for effektivisering"), "{}", tjek.body);
    let refused = c.submit_from(id, &tjek, "q4-nej").await;
    assert_eq!(refused.status, 422);

    // With the goals stated it goes through, and the styringsrapport prints them.
    assert_eq!(c.post(&sektion, &sektion, &testkit::svar_uden_udfordringer()).await.status, 303);
    let tjek = c.get(&format!("/pakker/{id}/indsend")).await;
    assert_eq!(tjek.status, 200, "{}", tjek.body);
    assert_eq!(c.submit_from(id, &tjek, "q4-ja").await.status, 303);
    let (status, pages) = c.get_pdf(&format!("/pakker/{id}/styringsrapport.pdf")).await;
    assert_eq!(status, 200);
    let tekst = pages.expect("a PDF").join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(tekst.contains("Bestyrelsens mål: driftsudgifterne ned med 3 %"), "the goals are in the report");
}

#[tokio::test]
async fn the_organisation_corrects_the_afdelings_register_and_the_kommune_sees_the_correction() {
    let t = TestApp::spawn().await;
    let c = t.client();
    c.login("boligorg").await;
    let id = c.package_2026("bilag3").await;
    let store = t.app.store();
    let org = store.user_by_username("boligorg").await.unwrap().unwrap().organisationer[0];
    let afdeling = store
        .afdelinger(org)
        .await
        .unwrap()
        .into_iter()
        .find(|a| !a.data.under_opfoerelse)
        .expect("an afdeling in operation");
    let nr = afdeling.data.nummer;
    let path = format!("/pakker/{id}/afdelinger/{nr}");
    let form = c.get(&path).await;
    let registreret = if afdeling.data.afdelingsbestyrelse { "Ja" } else { "Nej" };
    assert!(form.body.contains(&format!("Registreret i stamdata: {registreret}")), "the registered value is shown");
    // The registered value is preselected.
    let valgt = if afdeling.data.afdelingsbestyrelse { "ja" } else { "nej" };
    let radio = format!(
        "id=\"afd{nr}:b4.B.afdelingsbestyrelse-{valgt}\" type=\"radio\" name=\"afd{nr}:b4.B.afdelingsbestyrelse.ja\" value=\"{valgt}\" class=\"form-radio\" checked"
    );
    assert!(form.body.contains(&radio), "preselected");

    // The organisation corrects the afdelingsbestyrelse and submits.
    let rettet = if afdeling.data.afdelingsbestyrelse { "nej" } else { "ja" };
    let key = format!("afd{nr}:b4.B.afdelingsbestyrelse.ja");
    assert_eq!(c.post(&path, &path, &[(key.as_str(), rettet)]).await.status, 303);
    c.submit_package(id, "k-rettelse").await;

    // The kommune reads the submitted form with the correction named.
    let k = t.client();
    k.login("kommune").await;
    let laest = k.get(&path).await;
    assert_eq!(laest.status, 200);
    let rettet_label = if rettet == "ja" { "Ja" } else { "Nej" };
    assert!(
        laest.body.contains(&format!("{rettet_label} – rettet af organisationen (registreret: {registreret})")),
        "{}",
        laest.body
    );
}

#[tokio::test]
async fn section_v_lists_every_critical_afdeling_figure_and_rent_is_never_marked() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let aar = domain::Styringsaar::new(2026).unwrap();
    let orgs: Vec<_> = store.organisationer().await.unwrap().into_iter().map(|o| o.id).collect();
    let markerede = store.markerede_noegletal(aar, &orgs).await.unwrap();
    assert!(!markerede.is_empty());
    assert!(
        markerede.iter().all(|(_, v)| v.noegletal != "leje_pr_m2" && v.noegletal != "uden_for_arbejdsmarkedet"),
        "rent and labour-market attachment carry no marks"
    );
    // Every afdeling figure that can be critical is a column of section V.
    let c = t.client();
    c.login("boligorg").await;
    let id = c.package_2026("bilag3").await;
    let side = c.get(&format!("/pakker/{id}/sektioner/b3.V")).await;
    assert_eq!(side.status, 200);
    for kolonne in [
        "Ledige boliger",
        "Fraflytning",
        "Henlæggelser pr. lejemål",
        "Henlæggelser pr. m²",
        "Opsparede henlæggelser pr. lejemål",
        "Opsparede henlæggelser pr. m²",
    ] {
        assert!(side.body.contains(&format!(">{kolonne}<")), "column {kolonne}");
    }
    // An afdeling whose only critical figure is saved maintenance is listed.
    let afdelinger =
        store.afdelinger(store.user_by_username("boligorg").await.unwrap().unwrap().organisationer[0]).await.unwrap();
    let kun_opsparet = markerede.iter().find(|(_, v)| {
        v.noegletal.starts_with("opsparede")
            && afdelinger.iter().any(|a| a.id.0 == v.enhed_id)
            && !markerede.iter().any(|(_, w)| {
                w.enhed_id == v.enhed_id
                    && w.niveau == v.niveau
                    && ["ledighedsprocent", "fraflytningsprocent", "henlaeggelser_pr_m2"]
                        .contains(&w.noegletal.as_str())
            })
    });
    if let Some((_, v)) = kun_opsparet {
        let a = afdelinger.iter().find(|a| a.id.0 == v.enhed_id).unwrap();
        assert!(
            side.body.contains(&format!("{} {}", a.data.nummer, a.data.navn)),
            "afdeling {} is listed",
            a.data.nummer
        );
    }
}

#[tokio::test]
async fn the_kommune_sets_the_report_period_and_the_organisation_sees_it() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let org_id = store.user_by_username("boligorg").await.unwrap().unwrap().organisationer[0];
    let nummer = store.organisation(org_id).await.unwrap().unwrap().nummer.to_string();
    let k = t.client();
    k.login("kommune").await;
    let side = "/kommune/frister?aar=2026";
    let action = "/kommune/rapportperiode?aar=2026";

    // A chosen period that ends before it begins, and one without dates, are refused.
    let bagvendt = k
        .post(
            side,
            action,
            &[("valg", "valgt"), ("fra", "2026-06-30"), ("til", "2026-01-01"), ("organisation", &nummer)],
        )
        .await;
    assert_eq!(bagvendt.status, 422);
    assert!(bagvendt.body.contains("href=\"#rapport-til\""), "the error names the field");
    let uden = k.post(side, action, &[("valg", "valgt"), ("organisation", &nummer)]).await;
    assert_eq!(uden.status, 422);
    assert!(uden.body.contains("href=\"#rapport-fra\"") && uden.body.contains("href=\"#rapport-til\""));

    // A chosen period for one organisation.
    let sat = k
        .post(
            side,
            action,
            &[("valg", "valgt"), ("fra", "2025-03-01"), ("til", "2026-02-28"), ("organisation", &nummer)],
        )
        .await;
    assert_eq!(sat.status, 303, "{}", sat.body);
    assert!(k.get(side).await.body.contains("01.03.2025 – 28.02.2026 (fastsat af kommunen)"));
    let org = t.client();
    org.login("boligorg").await;
    let id = org.package_2026("bilag3").await;
    assert!(
        org.get(&format!("/pakker/{id}")).await.body.contains("<dt>Rapportperiode</dt><dd>01.03.2025 – 28.02.2026")
    );
    let token = t.client().login_token("boligorg").await;
    let detalje: serde_json::Value =
        serde_json::from_str(&org.get_bearer(&format!("/api/v1/pakker/{id}"), &token).await.body).unwrap();
    assert_eq!(detalje["rapportperiode"], serde_json::json!({"start": "2025-03-01", "slut": "2026-02-28"}));

    // Since the last dialogue meeting: from the day after last year's meeting to the deadline.
    let sidste = store
        .pakke_forloeb(domain::Styringsaar::new(2025).unwrap(), Some(&[org_id]))
        .await
        .unwrap()
        .into_iter()
        .find_map(|f| f.moede_afholdt)
        .expect("the demo held last year's meeting");
    let moede = k.post(side, action, &[("valg", "moede"), ("organisation", &nummer)]).await;
    assert_eq!(moede.status, 303, "{}", moede.body);
    let pakke = store.pakke(domain::PakkeId(id)).await.unwrap().unwrap();
    let periode = pakke.rapportperiode.expect("a period");
    assert_eq!(periode.fra, sidste.succ_opt().unwrap());
    assert_eq!(Some(periode.til), pakke.frist);

    // Back to the accounting period.
    assert_eq!(k.post(side, action, &[("valg", "regnskab"), ("organisation", &nummer)]).await.status, 303);
    assert!(store.pakke(domain::PakkeId(id)).await.unwrap().unwrap().rapportperiode.is_none());
    let audit = store.audit_events(50).await.unwrap();
    assert_eq!(audit.iter().filter(|a| a.event.action == "rapportperiode_fastsat").count(), 3);

    // Another kommune cannot set it for an organisation it does not supervise.
    let fremmed = testkit::foreign_kommune(&t, id).await;
    let nej = fremmed.post(side, action, &[("valg", "regnskab"), ("organisation", &nummer)]).await;
    assert_eq!(nej.status, 404);
}
