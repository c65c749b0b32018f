//! The documentation package's forms over HTTP, on the engine under test: sections that
//! save on their own without overwriting a colleague, the afdeling forms (list, filter,
//! bulk action, Q7), comments on critical figures, templates loaded by the agency, and who
//! may see and edit the forms.

use testkit::{Client, TestApp};

async fn package_of(c: &Client) -> i64 {
    let json: serde_json::Value = serde_json::from_str(&c.get("/api/v1/pakker").await.body).unwrap();
    json["data"][0]["id"].as_i64().expect("package")
}

async fn organisation(t: &TestApp) -> (Client, i64) {
    let c = t.client();
    c.login("boligorg").await;
    let id = package_of(&c).await;
    (c, id)
}

#[tokio::test]
async fn a_stale_section_is_refused_instead_of_overwriting_a_colleague() {
    let t = TestApp::spawn().await;
    let (c, id) = organisation(&t).await;
    let sektion = format!("/pakker/{id}/sektioner/b3.II");
    // Two colleagues open the section; the first saves, the second saves from the old page.
    let first_page = c.get(&sektion).await;
    let second_page = c.get(&sektion).await;
    assert_eq!(first_page.hidden("_revision"), second_page.hidden("_revision"));
    let mut first = vec![("b3.q6.ja", "ja"), ("b3.q6.tekst", "Ny afdeling på havnen")];
    let revision = first_page.hidden("_revision").unwrap();
    first.push(("_revision", &revision));
    assert_eq!(c.post_with_token(&sektion, &first_page.csrf(), &first).await.status, 303);
    let second = [("b3.q6.ja", "nej"), ("_revision", revision.as_str())];
    let refused = c.post_with_token(&sektion, &second_page.csrf(), &second).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("En anden har gemt dette afsnit"));
    // The refused page shows the colleague's answer, and nothing was overwritten.
    assert!(refused.body.contains("Ny afdeling på havnen"));
    let view = c.get(&sektion).await;
    assert!(view.body.contains("Ny afdeling på havnen"));
    assert!(view.body.contains("Sidst redigeret af"));
    // Another section is independent: saving it from a page opened earlier works.
    let other = format!("/pakker/{id}/sektioner/b3.III");
    assert_eq!(c.post(&other, &other, &[("b3.q8.tekst", "Aftalerne er fulgt")]).await.status, 303);
}

#[tokio::test]
async fn afdeling_forms_are_listed_filtered_and_marked_in_bulk_and_feed_q7() {
    let t = TestApp::spawn().await;
    let (c, id) = organisation(&t).await;
    let list_path = format!("/pakker/{id}/afdelinger");
    let list = c.get(&list_path).await;
    assert_eq!(list.status, 200);
    let forms = list.links(&format!("/pakker/{id}/afdelinger/"));
    assert!(forms.len() >= 2, "the test organisation has several afdelinger");
    assert!(list.body.contains("0 af"));
    assert!(list.body.contains("Ikke startet"));

    // One afdeling reports a challenge; the rest are marked "no special challenges" at once.
    let challenged = &forms[0];
    let nummer = challenged.rsplit('/').next().unwrap().to_string();
    let key = format!("afd{nummer}:b4.A.udfordringer");
    let (ja, tekst) = (format!("{key}.ja"), format!("{key}.tekst"));
    let saved = c.post(challenged, challenged, &[(ja.as_str(), "ja"), (tekst.as_str(), "Skimmelsvamp i blok C")]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let checkboxes: Vec<String> = forms.iter().map(|f| format!("afd_{}", f.rsplit('/').next().unwrap())).collect();
    let fields: Vec<(&str, &str)> = checkboxes.iter().map(|c| (c.as_str(), "1")).collect();
    let marked = c.post(&list_path, &format!("{list_path}/ingen-udfordringer"), &fields).await;
    assert_eq!(marked.status, 303);
    assert!(marked.location.unwrap().contains("markeret_delvis"), "the answered form is left alone");
    // The answered form kept its yes, and Q7 carries it over.
    let q7 = c.get(&format!("/pakker/{id}/sektioner/b3.II")).await;
    assert!(q7.body.contains("Skimmelsvamp i blok C"), "{}", q7.body);
    let second = c.get(&forms[1]).await;
    assert!(second.body.contains("value=\"nej\" class=\"form-radio\" checked"));
    // Bilag 4 tells move-outs "fra året" and vacancy at its "opgørelsestidspunkt".
    let mut i_drift = None;
    for form in &forms {
        let body = c.get(form).await.body;
        if body.contains("Fraflytningsprocent") {
            i_drift = Some(body);
            break;
        }
    }
    let i_drift = i_drift.expect("an afdeling in operation");
    assert!(i_drift.contains("Fraflytningsprocent, fra året "), "move-outs name their year");
    assert!(i_drift.contains("Ledige boliger opgjort i procent, opgørelsestidspunkt "), "vacancy names its day");
    // Where the catalogue narrows the guidance's definition, the form says so.
    let iv = c.get(&format!("/pakker/{id}/sektioner/b3.IV")).await.body;
    assert!(iv.contains("Dispositionsfond (disponibel del)") && iv.contains("opgjort som dens disponible del"), "{iv}");

    // The filter narrows the list by status and by text.
    let in_progress = c.get(&format!("{list_path}?status=i_gang")).await;
    assert!(in_progress.body.contains("badge-warning\">I gang<"));
    assert!(!in_progress.body.contains("badge-info\">Ikke startet<"));
    let by_number = c.get(&format!("{list_path}?q={nummer}")).await;
    assert_eq!(by_number.links(&format!("/pakker/{id}/afdelinger/")), vec![challenged.clone()]);
    // An afdeling of another organisation is not reachable through this package.
    assert_eq!(c.get(&format!("{list_path}/99999")).await.status, 404);
}

#[tokio::test]
async fn critical_figures_need_a_comment_before_submission() {
    let t = TestApp::spawn().await;
    let (c, id) = organisation(&t).await;
    c.complete_package(id, "").await;
    // Find an afdeling form with a critical figure and clear its comments.
    let list = c.get(&format!("/pakker/{id}/afdelinger")).await;
    let mut critical = None;
    for form in list.links(&format!("/pakker/{id}/afdelinger/")) {
        let page = c.get(&form).await;
        if page.body.contains("skal udfyldes, da der er kritiske nøgletal") {
            critical = Some((form, page));
            break;
        }
    }
    let (form, page) = critical.expect("the demo has an afdeling with a critical key figure");
    assert!(page.body.contains("badge-warning") || page.body.contains("badge-error"));
    let nummer = form.rsplit('/').next().unwrap();
    let cleared: Vec<String> = ["henlaeggelser", "opsparede", "fraflytning", "ledighed"]
        .iter()
        .map(|b| format!("afd{nummer}:b4.{b}.tekst"))
        .collect();
    let fields: Vec<(&str, &str)> = cleared.iter().map(|k| (k.as_str(), "")).collect();
    assert_eq!(c.post(&form, &form, &fields).await.status, 303);
    let tjek = c.get(&format!("/pakker/{id}/indsend")).await;
    assert_eq!(tjek.status, 422);
    // One line per afdeling in the summary (its problems counted when several), linking to
    // the form, which then shows each problem at its field.
    assert!(tjek.body.contains(&format!("Afdeling {nummer}: ")), "{}", tjek.body);
    let link = format!("/pakker/{id}/afdelinger/{nummer}?fejl=alle#afd{nummer}:b4.");
    assert!(tjek.body.contains(&format!("href=\"{link}")), "{}", tjek.body);
    let skema = c.get(&format!("/pakker/{id}/afdelinger/{nummer}?fejl=alle")).await;
    assert!(skema.body.contains("Kommentér de kritiske nøgletal"), "{}", skema.body);
}

#[tokio::test]
async fn forms_are_read_only_after_submission_and_drafts_stay_with_the_organisation() {
    let t = TestApp::spawn().await;
    let (c, id) = organisation(&t).await;
    let kommune = t.client();
    kommune.login("kommune").await;
    let list = format!("/pakker/{id}/afdelinger");
    // The draft's forms are the organisation's alone.
    assert_eq!(kommune.get(&list).await.status, 404);
    assert_eq!(kommune.get(&format!("/pakker/{id}/sektioner/b3.II")).await.status, 404);
    c.complete_package(id, "").await;
    let tjek = c.get(&format!("/pakker/{id}/indsend")).await;
    assert_eq!(tjek.status, 200, "{}", tjek.body);
    let submitted = c
        .post_with_token(
            &format!("/pakker/{id}/indsend"),
            &tjek.csrf(),
            &[("idempotens", "s1"), ("bestyrelse_godkendt", "2026-05-20")],
        )
        .await;
    assert_eq!(submitted.status, 303);
    // Now the organisation cannot edit a form, and the kommune can read it.
    let form = c.get(&list).await.links(&format!("/pakker/{id}/afdelinger/"))[0].clone();
    let nummer = form.rsplit('/').next().unwrap().to_string();
    let field = format!("afd{nummer}:b4.A.udfordringer.ja");
    let edit = c.post_with_token(&form, &tjek.csrf(), &[(field.as_str(), "ja")]).await;
    assert_eq!(edit.status, 409);
    let read = kommune.get(&form).await;
    assert_eq!(read.status, 200);
    assert!(!read.body.contains("<textarea"), "read-only for the kommune");
    assert!(read.body.contains("Nej"));
    assert_eq!(kommune.get(&list).await.status, 200);
}

#[tokio::test]
async fn the_agency_loads_a_new_template_version_checked_in_full() {
    let t = TestApp::spawn().await;
    let styrelse = t.client();
    styrelse.login("styrelse").await;
    let page = styrelse.get("/styrelse/skabeloner").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Følger med systemet"));
    let (action, csrf) = ("/styrelse/skabeloner", page.csrf());
    let shipped = include_str!("../../../data/templates/2026/bilag3.toml");

    // A duplicate id is refused with the id named, and nothing is stored.
    let broken =
        shipped.replacen("id = \"b3.q2\"", "id = \"b3.q1\"", 1).replace("styringsaar = 2026", "styringsaar = 2027");
    let refused = styrelse.upload(action, &csrf, &[], ("bilag3-2027.toml", broken.into_bytes())).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("bilag3-2027.toml: id «b3.q1» er brugt mere end én gang"), "{}", refused.body);
    // A syntax error names the line.
    let syntax =
        styrelse.upload(action, &csrf, &[], ("x.toml", b"skema = \"bilag3\"\nstyringsaar = \n".to_vec())).await;
    assert_eq!(syntax.status, 422);
    assert!(syntax.body.contains("line 2"), "{}", syntax.body);
    // The shipped version cannot be replaced.
    let same = styrelse.upload(action, &csrf, &[], ("b3.toml", shipped.as_bytes().to_vec())).await;
    assert!(same.body.contains("følger med systemet"));

    // A valid 2027 template is stored and listed; loading it again is refused.
    let next = shipped.replace("styringsaar = 2026", "styringsaar = 2027").replace(
        "titel = \"Styringsrapport for almen boligorganisation med egne boligafdelinger\"\n\n[[sektioner]]",
        "titel = \"Styringsrapport 2027\"\n\n[[sektioner]]",
    );
    let loaded = styrelse.upload(action, &csrf, &[], ("bilag3-2027.toml", next.clone().into_bytes())).await;
    assert_eq!(loaded.status, 303, "{}", loaded.body);
    let listed = styrelse.get("/styrelse/skabeloner").await;
    assert!(listed.body.contains("Styringsrapport 2027") && listed.body.contains("Indlæst"), "{}", listed.body);
    let again = styrelse.upload(action, &csrf, &[], ("bilag3-2027.toml", next.into_bytes())).await;
    assert!(again.body.contains("er allerede indlæst"));
    let audit = t.app.store().audit_events(100).await.unwrap();
    assert!(audit.iter().any(|a| a.event.action == "skabelon_indlaest"));

    // Organisations and kommuner cannot load templates.
    let (org, _) = organisation(&t).await;
    assert_eq!(org.get("/styrelse/skabeloner").await.status, 404);
}

#[tokio::test]
async fn last_years_answers_fill_only_what_is_unanswered() {
    let t = TestApp::spawn().await;
    let (c, id) = organisation(&t).await;
    // One answer is given before loading; it must survive.
    let sektion = format!("/pakker/{id}/sektioner/b3.I");
    let own = [("b3.q2.ja", "ja"), ("b3.q2.tekst", "Vores egen strategi")];
    assert_eq!(c.post(&sektion, &sektion, &own).await.status, 303);
    let loaded = c.post(&format!("/pakker/{id}"), &format!("/pakker/{id}/sidste-aar"), &[]).await;
    assert_eq!(loaded.status, 303);
    assert!(loaded.location.unwrap().ends_with("besked=sidste_aar"));
    let page = c.get(&sektion).await;
    assert!(page.body.contains("Vores egen strategi"), "an answer given is never replaced");
    assert!(
        page.body.contains("name=\"b3.q1.ja\" value=\"ja\" class=\"form-radio\" checked")
            || page.body.contains("name=\"b3.q1.ja\" value=\"nej\" class=\"form-radio\" checked")
    );
    // Q8 is prefilled from the redegørelse, not copied from last year's answer.
    let q8 = c.get(&format!("/pakker/{id}/sektioner/b3.III")).await;
    assert!(q8.body.contains("Fra kommunens redegørelse for styringsår 2025"), "{}", q8.body);
    // The afdeling forms got last year's answers too.
    let list = c.get(&format!("/pakker/{id}/afdelinger")).await;
    assert!(!list.body.contains("badge-info\">Ikke startet<"));
    // Nothing left to fill: a second load copies nothing.
    let again = c.post(&format!("/pakker/{id}"), &format!("/pakker/{id}/sidste-aar"), &[]).await;
    assert!(again.location.unwrap().ends_with("besked=sidste_aar_intet"));
    let audit = t.app.store().audit_events(200).await.unwrap();
    assert!(audit.iter().any(|a| a.event.action == "sidste_aars_svar_hentet"));
}

#[tokio::test]
async fn packages_are_created_when_the_accounting_period_ends() {
    use chrono::TimeZone;
    let t = TestApp::spawn().await;
    let before = t.app.store().stats().await.unwrap().pakker;
    // On 26 November 2026 the periods ending in 2026 before that day have ended: forskudte
    // regnskabsår (e.g. 1.7.2025–30.6.2026) lead to styringsår 2027 packages.
    let app = t.app.clone().with_clock(|| chrono::Utc.with_ymd_and_hms(2026, 11, 26, 6, 0, 0).unwrap());
    let created = app.opret_forfaldne_pakker().await.unwrap();
    assert!(created > 0, "the demo has organisations with a forskudt regnskabsår");
    assert_eq!(t.app.store().stats().await.unwrap().pakker, before + i64::from(created));
    assert_eq!(app.opret_forfaldne_pakker().await.unwrap(), 0, "running it again creates nothing");
    // A calendar-year organisation gets its 2027 package only after 31 December 2026.
    let new_year = t.app.clone().with_clock(|| chrono::Utc.with_ymd_and_hms(2027, 1, 2, 6, 0, 0).unwrap());
    assert!(new_year.opret_forfaldne_pakker().await.unwrap() > 0);
}

#[tokio::test]
async fn attachments_are_checked_by_content_kept_when_replaced_and_scoped() {
    let t = TestApp::spawn().await;
    let (c, id) = organisation(&t).await;
    let page = c.get(&format!("/pakker/{id}/bilag")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("PDF eller Excel (XLSX), højst 20 MB"));
    let (action, csrf) = (format!("/pakker/{id}/bilag"), page.csrf());
    // A picture renamed to .pdf is refused with a precise message, and nothing is stored.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde".to_vec();
    let renamed = c.upload(&action, &csrf, &[("art", "regnskab")], ("regnskab.pdf", png)).await;
    assert_eq!(renamed.status, 422);
    assert!(renamed.body.contains("regnskab.pdf er ikke en fil af typen PDF; indholdet er PNG"), "{}", renamed.body);
    // Too large.
    let mut big = testkit::MINIMAL_PDF.to_vec();
    big.resize(20 * 1024 * 1024 + 10, b' ');
    let oversize = c.upload(&action, &csrf, &[("art", "regnskab")], ("stor.pdf", big)).await;
    assert_eq!(oversize.status, 422);
    assert!(oversize.body.contains("må højst fylde 20 MB"), "{}", oversize.body);
    assert!(t.app.store().bilag(store::PakkeId(id)).await.unwrap().is_empty());
    // Accepted, then replaced: the first file is kept, marked as superseded.
    let first =
        c.upload(&action, &csrf, &[("art", "regnskab")], ("regnskab-v1.pdf", testkit::MINIMAL_PDF.to_vec())).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let second =
        c.upload(&action, &csrf, &[("art", "regnskab")], ("regnskab-v2.pdf", testkit::MINIMAL_PDF.to_vec())).await;
    assert_eq!(second.status, 303);
    let stored = t.app.store().bilag(store::PakkeId(id)).await.unwrap();
    assert_eq!(stored.len(), 2);
    let stored = stored.into_iter().take(2).collect::<Vec<_>>();
    assert!(stored[0].erstattet.is_some() && stored[1].erstattet.is_none());
    let listing = c.get(&format!("/pakker/{id}/bilag")).await;
    assert!(listing.body.contains("regnskab-v2.pdf") && !listing.body.contains("regnskab-v1.pdf"));
    // A wrong extra file is withdrawn: no longer listed, but kept.
    let extra = c.upload(&action, &csrf, &[("art", "ekstra")], ("forkert.pdf", testkit::MINIMAL_PDF.to_vec())).await;
    assert_eq!(extra.status, 303);
    let extra_id = t.app.store().bilag(store::PakkeId(id)).await.unwrap().last().unwrap().id;
    let bilag_page = format!("/pakker/{id}/bilag");
    let removed = c.post(&bilag_page, &format!("/pakker/{id}/bilag/{extra_id}/fjern"), &[]).await;
    assert_eq!(removed.status, 303);
    assert!(!c.get(&bilag_page).await.body.contains("forkert.pdf"));
    let kept = t.app.store().bilag(store::PakkeId(id)).await.unwrap();
    assert!(kept.iter().any(|b| b.id == extra_id && b.erstattet.is_some()), "withdrawn, not deleted");
    assert_eq!(c.post(&bilag_page, &format!("/pakker/{id}/bilag/{extra_id}/fjern"), &[]).await.status, 404);
    // Missing accounts material does not block the report: it is named, with its deadline,
    // and may follow as a supplement.
    let tjek = c.get(&format!("/pakker/{id}/indsend")).await;
    assert!(tjek.body.contains("Regnskabsmaterialet (revisionsprotokol, årsberetning"), "{}", tjek.body);
    assert!(!tjek.body.contains(&format!("href=\"/pakker/{id}/bilag#bilag.revisionsprotokol\"")));
    // The kommune cannot fetch a draft's file; after submission it can, as a download.
    let kommune = t.client();
    kommune.login("kommune").await;
    let file = format!("/pakker/{id}/bilag/{}", stored[1].id);
    assert_eq!(kommune.get(&file).await.status, 404);
    c.complete_package(id, "").await;
    let tjek = c.get(&format!("/pakker/{id}/indsend")).await;
    assert_eq!(tjek.status, 200, "{}", tjek.body);
    let sent = c
        .post_with_token(
            &format!("/pakker/{id}/indsend"),
            &tjek.csrf(),
            &[("idempotens", "b1"), ("bestyrelse_godkendt", "2026-05-20")],
        )
        .await;
    assert_eq!(sent.status, 303);
    let version = t.app.store().versions(store::PakkeId(id)).await.unwrap().pop().unwrap();
    assert_eq!(version.bilag.len(), 4, "the version lists the files it was submitted with");
    let fetched =
        kommune.http.get(format!("{}/pakker/{id}/bilag/{}", kommune.base, version.bilag[0])).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert!(fetched.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), testkit::MINIMAL_PDF);
    // The superseded file was not submitted, so the kommune cannot fetch it.
    assert_eq!(kommune.get(&format!("/pakker/{id}/bilag/{}", stored[0].id)).await.status, 404);
    // The organisation cannot attach to a submitted package.
    let late = c.upload(&action, &csrf, &[("art", "ekstra")], ("x.pdf", testkit::MINIMAL_PDF.to_vec())).await;
    assert_eq!(late.status, 409);
}

#[tokio::test]
async fn rental_tools_are_a_chart_with_the_numbers_beside_it() {
    let t = TestApp::spawn().await;
    let (c, id) = organisation(&t).await;
    let page = c.get(&format!("/pakker/{id}/sektioner/b3.IV")).await;
    assert_eq!(page.status, 200);
    let titel = page.body.find("Udlejninger af familieboliger pr. kommune fordelt").expect("the rental chart");
    let start = page.body[..titel].rfind("<svg").unwrap();
    let svg = &page.body[start..start + page.body[start..].find("</svg>").unwrap()];
    assert!(svg.contains("role=\"img\"") && svg.contains("<title") && svg.contains("<desc"));
    assert!(svg.contains("i alt, heraf venteliste"), "the description carries the numbers");
    assert!(page.body.contains("<caption>Udlejninger af familieboliger pr. kommune og udlejningsredskab"));
    // The efficiency distribution is a chart too, this year beside last year.
    assert!(page.body.contains("Afdelinger pr. effektivitetsmarkering, i år og sidste år"));
    assert!(page.body.contains("afdelinger i 2026,"), "its description names both years");
}

#[tokio::test]
async fn administration_staff_see_every_organisation_they_act_for_with_progress() {
    let t = TestApp::spawn().await;
    let c = t.client();
    c.login("admorg").await;
    let page = c.get("/organisation").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Oversigten omfatter alle"), "{}", page.body);
    assert!(page.body.contains("opgaver gennemført"));
    assert!(page.body.contains("Administrationsorganisation (bilag 5)"));
    assert!(page.body.contains("Styringsrapport (bilag 3)"), "and the organisations it administers");
}

#[tokio::test]
async fn an_administration_organisation_completes_and_submits_its_own_bilag_5_package() {
    let t = TestApp::spawn().await;
    let c = t.client();
    c.login("admorg").await;
    let json: serde_json::Value = serde_json::from_str(&c.get("/api/v1/pakker").await.body).unwrap();
    let id = json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rapporttype"] == "bilag5" && p["styringsaar"] == 2026)
        .and_then(|p| p["id"].as_i64())
        .expect("the administration organisation has its own 2026 package");
    let pakke = c.get(&format!("/pakker/{id}")).await;
    assert!(pakke.body.contains("Styringsrapport for almen administrationsorganisation"));
    assert!(!pakke.body.contains("Oplysningsskemaer for afdelinger"), "bilag 5 has no afdeling forms");
    assert_eq!(c.get(&format!("/pakker/{id}/afdelinger")).await.status, 404);
    let tjek = c.get(&format!("/pakker/{id}/indsend")).await;
    assert_eq!(tjek.status, 422);
    assert!(tjek.body.contains("Svar ja eller nej til spørgsmål 1"));
    c.complete_package(id, "").await;
    let tjek = c.get(&format!("/pakker/{id}/indsend")).await;
    assert_eq!(tjek.status, 200, "{}", tjek.body);
    let sent = c
        .post_with_token(
            &format!("/pakker/{id}/indsend"),
            &tjek.csrf(),
            &[("idempotens", "adm-1"), ("bestyrelse_godkendt", "2026-05-20")],
        )
        .await;
    assert_eq!(sent.location.as_deref(), Some(format!("/pakker/{id}/kvittering/1").as_str()));
    let version = t.app.store().versions(store::PakkeId(id)).await.unwrap().pop().unwrap();
    let svar = t.app.store().version_svar(store::PakkeId(id), version.version).await.unwrap().unwrap();
    assert!(svar.contains_key("b5.C.status"));
    assert_eq!(version.bilag.len(), 4);
}

#[tokio::test]
async fn the_kommune_sets_deadlines_for_its_own_organisations_only() {
    let t = TestApp::spawn().await;
    let kommune = t.client();
    kommune.login("kommune").await;
    let page = kommune.get("/kommune/frister?aar=2026").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ikke indsendt"), "drafts show only that they are not submitted");
    let form = "/kommune/frister?aar=2026";
    // A bad date is refused next to the field, and nothing changes.
    let bad = kommune.post(form, form, &[("frist", "31.02.2027"), ("organisation", "")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("«31.02.2027» er ikke en dato"));
    // For all its organisations at once.
    let all = kommune.post(form, form, &[("frist", "2027-01-15"), ("organisation", ""), ("bekraeft", "ja")]).await;
    assert_eq!(all.status, 303);
    // The redirect keeps the year and adds the message as a second parameter.
    let back = all.location.expect("a redirect");
    assert_eq!(back, "/kommune/frister?aar=2026&besked=frist_fastsat");
    assert_eq!(kommune.get(&back).await.status, 200);
    let (c, id) = organisation(&t).await;
    let pakke = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap();
    assert_eq!(pakke.frist, chrono::NaiveDate::from_ymd_opt(2027, 1, 15));
    assert!(c.get(&format!("/pakker/{id}")).await.body.contains("15.01.2027"));
    // Another kommune's organisations are untouched, and cannot be picked.
    let others = t
        .app
        .store()
        .pakker_med_hjemsted(domain::Kommunekode::new(851).unwrap(), domain::Styringsaar::new(2026).unwrap())
        .await
        .unwrap();
    assert!(others.iter().all(|p| p.frist != chrono::NaiveDate::from_ymd_opt(2027, 1, 15)));
    let fremmed = t
        .app
        .store()
        .organisationer()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.hjemstedskommune != pakke.hjemstedskommune && o.kind.rapporttype().is_some())
        .expect("an organisation in another kommune")
        .nummer
        .to_string();
    let refused = kommune.post(form, form, &[("frist", "2027-02-01"), ("organisation", fremmed.as_str())]).await;
    assert_eq!(refused.status, 404);
    // Organisations cannot set deadlines.
    assert_eq!(c.get("/kommune/frister").await.status, 404);
    let audit = t.app.store().audit_events(50).await.unwrap();
    assert!(audit.iter().any(|a| a.event.action == "frist_fastsat"));
}

#[tokio::test]
async fn the_agency_sees_national_status_by_region_and_by_kommune() {
    let t = TestApp::spawn().await;
    let c = t.client();
    c.login("styrelse").await;
    let page = c.get("/styrelse?aar=2026").await;
    assert_eq!(page.status, 200);
    for region in
        ["Region Hovedstaden", "Region Sjælland", "Region Syddanmark", "Region Midtjylland", "Region Nordjylland"]
    {
        assert!(page.body.contains(&format!("<th scope=\"row\">{region}</th>")), "{region}");
    }
    assert!(page.body.contains("Dokumentationspakker pr. kommune og status"));
}
