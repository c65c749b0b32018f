//! Usability defects found by walking the yearly cycle (issue 18), each fixed and kept fixed
//! here over HTTP on the engine under test: Danish error pages with the user's own header,
//! errors shown where they arise, suggestions that never discard text, deadlines that never
//! change silently, Danish numbers in generated text, and a public search that ranks, pages
//! and tells organisations apart.

use testkit::{Client, TestApp};

async fn logged_in(t: &TestApp, user: &str) -> Client {
    let c = t.client();
    c.login(user).await;
    c
}

/// A GET with a `Referer`, as a browser sends it after following a link.
async fn get_from(c: &Client, path: &str, referer: &str) -> testkit::Page {
    let r =
        c.http.get(format!("{}{path}", c.base)).header("referer", format!("{}{referer}", c.base)).send().await.unwrap();
    let status = r.status().as_u16();
    let html = r.headers().get("content-type").is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
    assert!(html, "{path}: an error page is HTML");
    testkit::Page { status, location: None, cookies: vec![], body: r.text().await.unwrap() }
}

#[tokio::test]
async fn every_error_page_is_danish_with_the_users_header_and_a_way_back() {
    let t = TestApp::spawn().await;
    let kommune = logged_in(&t, "kommune").await;
    // 400: a query the framework cannot read (its own text is English).
    let bad = get_from(&kommune, "/kommune/frister?aar=2026?besked=x", "/kommune").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Forespørgslen kunne ikke forstås"), "{}", bad.body);
    assert!(!bad.body.contains("Failed to deserialize"), "no framework text");
    assert!(bad.body.contains("Karen Holm") && bad.body.contains("Log af"), "shown as signed in");
    assert!(bad.body.contains("href=\"/kommune\"") && bad.body.contains("Gå tilbage til siden, du kom fra"));
    // 404 for a signed-in user and for the public.
    let missing = get_from(&kommune, "/findes/ikke", "/kommune").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Siden findes ikke") && missing.body.contains("Log af"));
    assert!(missing.body.contains("Gå til kommunens oversigt"));
    let anonymous = get_from(&t.client(), "/findes/ikke", "/").await;
    assert!(anonymous.body.contains("Log ind") && anonymous.body.contains("Gå til forsiden"));
    // 405: a GET on an action.
    let method = get_from(&kommune, "/pakker/1/modtag", "/kommune").await;
    assert_eq!(method.status, 405);
    assert!(method.body.contains("Adressen kan ikke bruges på den måde"), "{}", method.body);
    // 422: a form without its fields.
    let page = kommune.get("/kommune/frister?aar=2026").await;
    let r = kommune
        .http
        .post(format!("{}/styrelse/brugere", kommune.base))
        .form(&[("_csrf", page.csrf().as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    let body = r.text().await.unwrap();
    assert!(body.contains("<html lang=\"da\">") && body.contains("Log af"), "{body}");
    // 413: a form over the limit, still with the user's header.
    let big = "x".repeat(2 << 20);
    let r = kommune
        .http
        .post(format!("{}/kommune/frister?aar=2026", kommune.base))
        .form(&[("_csrf", page.csrf().as_str()), ("frist", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let body = r.text().await.unwrap();
    assert!(body.contains("For stor forespørgsel") && body.contains("Log af"), "{body}");
    // The API keeps answering JSON.
    let api = kommune.get("/api/v1/findes-ikke").await;
    assert_eq!(api.status, 404);
    assert!(api.body.starts_with('{'), "{}", api.body);
    // The favicon exists.
    let r = t.client().http.get(format!("{}/favicon.ico", t.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/x-icon");
}

#[tokio::test]
async fn deadlines_never_change_silently() {
    let t = TestApp::spawn_with(testkit::demo_at(0.1)).await;
    let kommune = logged_in(&t, "kommune").await;
    let side = "/kommune/frister?aar=2026";
    // An empty date says so.
    let empty = kommune.post(side, side, &[("frist", ""), ("organisation", "")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Vælg en dato for fristen"), "{}", empty.body);
    // A deadline for everybody, then one organisation's own.
    let first = (t.app.today() + chrono::Duration::days(30)).to_string();
    // The demo's packages already have a deadline: changing it for all is confirmed first.
    let unconfirmed = kommune.post(side, side, &[("frist", &first), ("organisation", "")]).await;
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.body.contains("Ja, sæt fristen alligevel"));
    let set = kommune.post(side, side, &[("frist", &first), ("organisation", ""), ("bekraeft", "ja")]).await;
    assert_eq!(set.status, 303, "{}", set.body);
    assert_eq!(set.location.as_deref(), Some("/kommune/frister?aar=2026&besked=frist_fastsat"));
    assert_eq!(kommune.get(set.location.as_deref().unwrap()).await.status, 200);
    let pakker = t.app.tilsynspakker(&testkit::session_user(&t.app, "kommune").await, aar()).await.unwrap();
    let egen = pakker[0].organisation_nummer.get().to_string();
    let own = (t.app.today() + chrono::Duration::days(40)).to_string();
    let changed = kommune.post(side, side, &[("frist", &own), ("organisation", &egen)]).await;
    assert_eq!(changed.status, 422, "replacing a deadline is confirmed first");
    let confirmed = kommune.post(side, side, &[("frist", &own), ("organisation", &egen), ("bekraeft", "ja")]).await;
    assert_eq!(confirmed.status, 303);
    // "Alle organisationer" would overwrite that one: it asks, names it, and changes nothing.
    let later = (t.app.today() + chrono::Duration::days(50)).to_string();
    let all = kommune.post(side, side, &[("frist", &later), ("organisation", "")]).await;
    assert_eq!(all.status, 422);
    assert!(all.body.contains("Bekræft, at fristen skal sættes") && all.body.contains(&pakker[0].organisation_navn));
    let after = t.app.store().pakke(pakker[0].id).await.unwrap().unwrap();
    assert_eq!(after.frist.unwrap().to_string(), own, "nothing changed before the confirmation");
    // A past date is confirmed too.
    let past = (t.app.today() - chrono::Duration::days(1)).to_string();
    let old = kommune.post(side, side, &[("frist", &past), ("organisation", &egen)]).await;
    assert_eq!(old.status, 422);
    assert!(old.body.contains("allerede passeret"), "{}", old.body);
    // The page has a year selector.
    assert!(kommune.get(side).await.body.contains("Vis år"));
}

fn aar() -> domain::Styringsaar {
    domain::Styringsaar::new(2026).unwrap()
}

#[tokio::test]
async fn a_section_shows_its_own_errors_where_the_task_list_says_there_is_one() {
    let t = TestApp::spawn().await;
    let id = t.package_of("boligorg").await;
    let org = logged_in(&t, "boligorg").await;
    let sektion = format!("/pakker/{id}/sektioner/b3.I");
    // "Ja" without saying which: saved, but the form comes back with the error.
    let saved = org.post(&sektion, &sektion, &[("b3.q1.ja", "ja"), ("b3.q1.tekst", "")]).await;
    assert_eq!(saved.status, 303);
    assert_eq!(saved.location.as_deref(), Some(format!("{sektion}?besked=gemt_med_fejl").as_str()));
    let again = org.get(&sektion).await;
    assert!(again.body.contains("Der er problemer"), "an error summary");
    assert!(again.body.contains("href=\"#b3.q1\""), "linked to the field");
    assert!(again.body.contains("id=\"b3.q1-fejl\""), "an inline error");
    assert!(again.body.contains("<title>Fejl: "), "the title says so");
    assert!(org.get(&format!("/pakker/{id}")).await.body.contains("Der er en fejl"));
    // Check-your-answers links to the field on a page that shows it, missing answers too.
    let tjek = org.get(&format!("/pakker/{id}/indsend")).await;
    assert!(tjek.body.contains(&format!("{sektion}?fejl=alle#b3.q1")), "{}", tjek.body);
    let fra_tjek = org.get(&format!("{sektion}?fejl=alle")).await;
    assert!(fra_tjek.body.contains("id=\"b3.q2-fejl\""), "a missing answer is shown from check-your-answers");
    assert!(!again.body.contains("id=\"b3.q2-fejl\""), "but not on a first visit");
    // Text under "Nej" is not kept.
    let nej = org.post(&sektion, &sektion, &[("b3.q1.ja", "nej"), ("b3.q1.tekst", "Glemt tekst")]).await;
    assert_eq!(nej.status, 303);
    assert!(!org.get(&sektion).await.body.contains("Glemt tekst"));
}

#[tokio::test]
async fn choosing_no_afdeling_is_an_error_and_the_filter_survives_the_bulk_action() {
    let t = TestApp::spawn().await;
    let id = t.package_of("boligorg").await;
    let org = logged_in(&t, "boligorg").await;
    let liste = format!("/pakker/{id}/afdelinger");
    let action = format!("{liste}/ingen-udfordringer");
    let none = org.post(&liste, &action, &[("q", "x"), ("status", "")]).await;
    assert_eq!(none.status, 422);
    assert!(none.body.contains("alert-error") && none.body.contains("Vælg mindst én afdeling."));
    assert!(!none.body.contains("alert-success"));
    let page = org.get(&liste).await;
    let first = page.body.split("name=\"afd_").nth(1).expect("an afdeling to choose");
    let nummer = &first[..first.find('"').unwrap()];
    let marked = org.post(&liste, &action, &[(&format!("afd_{nummer}"), "1"), ("q", nummer), ("status", "")]).await;
    assert_eq!(marked.status, 303);
    let location = marked.location.unwrap();
    assert!(location.contains(&format!("q={nummer}")), "{location}");
    assert!(location.contains("besked=markeret"), "{location}");
}

#[tokio::test]
async fn the_bulk_action_fills_part_b_only_where_no_key_figure_is_critical() {
    let t = TestApp::spawn().await;
    let id = t.package_of("boligorg").await;
    let org = logged_in(&t, "boligorg").await;
    let liste = format!("/pakker/{id}/afdelinger");
    let page = org.get(&liste).await;
    assert!(page.body.contains("Udfyld også punkt B uden bemærkninger"));
    let forms = page.links(&format!("/pakker/{id}/afdelinger/"));
    let valgt: Vec<String> = forms.iter().map(|f| format!("afd_{}", f.rsplit('/').next().unwrap())).collect();
    let mut fields: Vec<(&str, &str)> = valgt.iter().map(|c| (c.as_str(), "1")).collect();
    fields.push(("uden_bemaerkninger", "ja"));
    let marked = org.post(&liste, &format!("{liste}/ingen-udfordringer"), &fields).await;
    assert_eq!(marked.status, 303);
    let location = marked.location.unwrap();
    let (mut kritiske, mut udfyldt) = (0, 0);
    for form in &forms {
        let body = org.get(form).await.body;
        let tilfredsstillende = body.contains("value=\"Tilfredsstillende\" class=\"form-radio\" checked");
        if body.contains("skal udfyldes, da der er kritiske nøgletal") {
            assert!(!tilfredsstillende, "{form}: part B was answered although a figure is critical");
            kritiske += 1;
        } else {
            // An afdeling under construction has no part B.
            let har_del_b = body.contains("value=\"Tilfredsstillende\"");
            assert!(tilfredsstillende || !har_del_b, "{form}: part B was not answered although nothing is critical");
            assert!(body.contains("value=\"nej\" class=\"form-radio\" checked"), "{form}: part A");
            udfyldt += 1;
        }
    }
    assert!(udfyldt > 0, "the test organisation has afdelinger without critical figures");
    let forventet = if kritiske > 0 { "besked=markeret_kritiske" } else { "besked=markeret" };
    assert!(location.contains(forventet), "{location} ({kritiske} with critical figures)");
}

#[tokio::test]
async fn a_file_over_the_limit_is_an_inline_error_on_the_attachments_page() {
    let t = TestApp::spawn().await;
    let id = t.package_of("boligorg").await;
    let org = logged_in(&t, "boligorg").await;
    let bilag = format!("/pakker/{id}/bilag");
    let csrf = org.get(&bilag).await.csrf();
    let mut big = testkit::MINIMAL_PDF.to_vec();
    big.resize(25 << 20, b' ');
    let page = org.upload(&bilag, &csrf, &[("art", "regnskab")], ("regnskab.pdf", big)).await;
    assert_eq!(page.status, 422, "{}", &page.body[..page.body.len().min(500)]);
    assert!(page.body.contains("Filen er større end 20 MB"), "{}", page.body);
    assert!(page.body.contains("id=\"fil-regnskab-fejl\""), "shown at the regnskab field");
    assert!(page.body.contains("Bilag til dokumentationspakken"), "on the attachments page");
}

#[tokio::test]
async fn every_page_links_the_accessibility_statement_and_the_privacy_notice() {
    let settings = |_: &str| app::AppSettings {
        udbyder: app::Udbyder { email: "tilgaengelighed@example.dk".into(), ..app::Udbyder::default() },
        ..app::AppSettings::default()
    };
    let t = TestApp::spawn_custom(testkit::small_demo(), settings, |a| a).await;
    let org = logged_in(&t, "boligorg").await;
    for (c, path) in
        [(&t.client(), "/"), (&t.client(), "/offentlig"), (&t.client(), "/log-ind"), (&org, "/organisation")]
    {
        let page = c.get(path).await;
        assert!(page.body.contains("href=\"/om/tilgaengelighed\""), "{path}");
        assert!(page.body.contains("href=\"/om/privatliv\""), "{path}");
    }
    let erklaering = t.client().get("/om/tilgaengelighed").await;
    assert_eq!(erklaering.status, 200);
    assert!(erklaering.body.contains("WCAG 2.1") && erklaering.body.contains("tilgaengelighed@example.dk"));
    let privatliv = t.client().get("/om/privatliv").await;
    assert_eq!(privatliv.status, 200);
    assert!(privatliv.body.contains("Social- og Boligstyrelsen er dataansvarlig"));
    assert!(privatliv.body.contains("Højst 8 timer uden brug og 12 timer i alt"), "from the session settings");
}

#[tokio::test]
async fn public_search_ranks_the_exact_match_first_pages_and_names_the_kommune() {
    let t = TestApp::spawn_with(testkit::demo_at(0.1)).await;
    let organisationer = t.app.store().organisationer().await.unwrap();
    // An organisation whose name is also part of longer names, when the demo has one.
    let org = organisationer
        .iter()
        .max_by_key(|o| organisationer.iter().filter(|p| p.navn.contains(&o.navn)).count())
        .unwrap();
    let anonym = t.client();
    let q: String = url::form_urlencoded::byte_serialize(org.navn.as_bytes()).collect();
    let page = anonym.get(&format!("/offentlig?q={q}")).await;
    assert_eq!(page.status, 200);
    let first = page.links("/offentlig/organisationer/")[0].clone();
    assert_eq!(first, format!("/offentlig/organisationer/{}", org.nummer), "the exact match comes first");
    assert!(page.body.contains(&format!("(nr. {})", org.nummer)) && page.body.contains(" Kommune</span>"));
    // A broad query is paged, with the whole count.
    let bred = anonym.get("/offentlig?q=e").await;
    assert!(bred.body.contains("rel=\"next\""), "more than one page");
    let side2 = anonym.get("/offentlig?q=e&kommune=&side=2").await;
    assert_eq!(side2.status, 200);
    assert_ne!(bred.links("/offentlig/organisationer/"), side2.links("/offentlig/organisationer/"));
}

#[tokio::test]
async fn open_data_comes_in_the_danish_excel_dialect_too_with_its_description() {
    let t = TestApp::spawn().await;
    let anonym = t.client();
    let side = anonym.get("/offentlig/data").await;
    let link = side.links("/offentlig/data/").into_iter().find(|l| l.ends_with("/noegletal-dk.csv"));
    let link = link.expect("a public year with a Danish CSV");
    let plain = anonym.http.get(format!("{}{}", t.base, link.replace("-dk", ""))).send().await.unwrap();
    let plain = plain.bytes().await.unwrap();
    let dansk = anonym.http.get(format!("{}{link}", t.base)).send().await.unwrap();
    assert_eq!(dansk.status().as_u16(), 200);
    let dansk = dansk.bytes().await.unwrap();
    assert!(dansk.starts_with("\u{feff}".as_bytes()), "a byte order mark for Excel");
    let dansk = String::from_utf8(dansk[3..].to_vec()).unwrap();
    let plain = String::from_utf8(plain.to_vec()).unwrap();
    assert_eq!(dansk.lines().count(), plain.lines().count(), "the same rows");
    assert!(dansk.lines().next().unwrap().contains(";noegletal;"));
    // A row without quoted text: its value (column 8) has a decimal comma in the Danish file.
    let (row, dansk_row) =
        plain.lines().zip(dansk.lines()).skip(1).find(|(p, d)| !p.contains('"') && !d.contains('"')).unwrap();
    let vaerdi = |line: &str, sep: char| line.split(sep).nth(7).unwrap_or("").to_string();
    assert!(vaerdi(row, ',').contains('.'), "{row}");
    assert_eq!(vaerdi(dansk_row, ';'), vaerdi(row, ',').replace('.', ","));
    // The columns' description is a link, not a path in the repository.
    assert!(side.body.contains("href=\"/offentlig/data/format\""));
    let format = anonym.get("/offentlig/data/format").await;
    assert_eq!(format.status, 200);
    assert!(format.body.contains("| `vaerdi` |"));
}

#[tokio::test]
async fn check_your_answers_and_the_receipt_follow_the_gov_uk_pattern() {
    let t = TestApp::spawn().await;
    let id = t.package_of("boligorg").await;
    let org = logged_in(&t, "boligorg").await;
    // An overdue package is marked, and can be picked out, in "Mine pakker".
    let kommune = logged_in(&t, "kommune").await;
    let nummer = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().organisation_nummer.to_string();
    let igaar = (t.app.today() - chrono::Duration::days(1)).to_string();
    let side = "/kommune/frister?aar=2026";
    let sat = kommune.post(side, side, &[("frist", &igaar), ("organisation", &nummer), ("bekraeft", "ja")]).await;
    assert_eq!(sat.status, 303);
    let mine = org.get("/organisation").await;
    assert!(mine.body.contains("Fristen er overskredet"), "{}", mine.body);
    assert!(org.get("/organisation?vis=overskredet").await.body.contains(&format!("href=\"/pakker/{id}\"")));

    org.complete_package(id, "").await;
    let tjek = org.get(&format!("/pakker/{id}/indsend")).await;
    assert_eq!(tjek.status, 200, "{}", tjek.body);
    assert!(tjek.body.contains("<h2>Bilag</h2>") && tjek.body.contains("regnskab.pdf"), "the attachments are listed");
    assert!(tjek.body.contains("<h2>Erklæring</h2>") && tjek.body.contains("på vegne af bestyrelsen"));
    let sent = org.submit_from(id, &tjek, "k1").await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let kvittering = org.get(sent.location.as_deref().unwrap()).await;
    let forventet = format!("SD-2026-{nummer}-1");
    assert!(kvittering.body.contains(&forventet), "a reference number");
    assert!(kvittering.body.contains("Hvad sker der nu") && kvittering.body.contains("regnskab.pdf"));
    assert!(kvittering.body.contains(&format!("/pakker/{id}/versioner/1/styringsrapport.pdf")));
    let mails = t.app.store().udbakke(store::Side::new(1, 100)).await.unwrap().raekker;
    let mail =
        mails.iter().find(|m| m.mail.reference.starts_with(&format!("kvittering/{id}/"))).expect("a receipt mail");
    assert!(mail.mail.tekst.contains(&forventet) && mail.mail.tekst.contains("Hvad sker der nu"));
}

#[tokio::test]
async fn the_kommune_reminds_an_organisation_of_a_missing_package_once_a_day() {
    let t = TestApp::spawn().await;
    let id = t.package_of("boligorg").await;
    let kommune = logged_in(&t, "kommune").await;
    let oversigt = kommune.get("/kommune?aar=2026").await;
    let action = format!("/pakker/{id}/paamindelse");
    assert!(oversigt.body.contains(&format!("action=\"{action}\"")), "offered on the overview");
    let sent = kommune.post("/kommune?aar=2026", &action, &[]).await;
    assert_eq!(sent.location.as_deref(), Some("/kommune?besked=paamindelse_sendt"));
    let again = kommune.post("/kommune?aar=2026", &action, &[]).await;
    assert_eq!(again.location.as_deref(), Some("/kommune?besked=paamindelse_allerede"));
    let mails = t.app.store().udbakke(store::Side::new(1, 100)).await.unwrap().raekker;
    let reminders: Vec<_> =
        mails.iter().filter(|m| m.mail.reference.starts_with(&format!("paamindelse/{id}/kommune/"))).collect();
    assert_eq!(reminders.iter().filter(|m| m.mail.til == "boligorg@demo.invalid").count(), 1);
    // Nobody else may: another kommune, the organisation itself.
    let fremmed = testkit::foreign_kommune(&t, id).await;
    assert_eq!(fremmed.post("/kommune", &action, &[]).await.status, 404);
    let org = logged_in(&t, "boligorg").await;
    assert_eq!(org.post("/organisation", &action, &[]).await.status, 404);
}
