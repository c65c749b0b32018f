//! The kommune's side over HTTP, on the engine under test: overview and export, invitation
//! with notice check and calendar mail, joint and held meetings, redegørelse with the
//! organisation's comments, aftaler carried into next year, the agency's national view, and
//! refusals for another kommune.

use testkit::TestApp;

use testkit::submit_package as submit;

use testkit::beliggenhedskommune;

/// The part of the overview below "where to look first".
fn main_table(body: &str) -> &str {
    &body[body.find("Alle organisationer").expect("the full list")..]
}

/// Generated text (agenda, draft) writes numbers the Danish way: "11.782 kr. pr. lejemål",
/// "66,70 %", never "11782.3" before a mark.
fn assert_danish_numbers(body: &str) {
    for mark in [" (rød)", " (gul)"] {
        for (i, _) in body.match_indices(mark) {
            let before: String = body[..i].chars().rev().take(25).collect::<Vec<_>>().into_iter().rev().collect();
            let english = before.split_whitespace().any(|w| {
                w.split_once('.').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && a.chars().all(|c| c.is_ascii_digit())
                        && (1..=2).contains(&b.len())
                        && b.chars().all(|c| c.is_ascii_digit())
                })
            });
            assert!(!english, "an English number before a mark: «{before}{mark}»");
        }
    }
}

/// The move form of a meeting: a new date, time and place, and the reason.
fn flytning<'a>(dato: &'a str, begrundelse: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("dato", dato),
        ("tid", "10:00"),
        ("varighed", "60"),
        ("sted", "Rådhuset, sal 1"),
        ("begrundelse", begrundelse),
    ]
}

fn days_from_today(t: &TestApp, days: i64) -> String {
    (t.app.today() + chrono::Duration::days(days)).to_string()
}

fn invitation<'a>(dato: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("dato", dato),
        ("tid", "13:00"),
        ("varighed", "90"),
        ("sted", "Rådhuset, mødelokale 2"),
        ("deltagere", "Kommunens sagsbehandler\nBestyrelsen"),
        ("dagsorden", "1. Styringsrapporten\n2. Aftaler"),
    ];
    f.extend_from_slice(extra);
    f
}

#[tokio::test]
async fn the_municipal_flow_from_overview_to_published_redegoerelse() {
    let t = TestApp::spawn_with(testkit::demo_at(0.1)).await;
    let id = t.package_of("boligorg").await;
    let pakke = format!("/pakker/{id}");
    let kommune = t.client();
    kommune.login("kommune").await;

    // The overview lists the organisation, without a link to its draft.
    let oversigt = kommune.get("/kommune?aar=2026").await;
    assert_eq!(oversigt.status, 200);
    assert!(oversigt.body.contains("Hvor skal vi kigge først"));
    assert!(!oversigt.body.contains(&format!("href=\"{pakke}\"")), "a draft is linked");
    let org = submit(&t, "boligorg", id).await;
    let oversigt = kommune.get("/kommune?aar=2026&indsendelse=for_sent&sorter=kritiske").await;
    assert!(main_table(&oversigt.body).contains(&format!("href=\"{pakke}\"")), "the late package is listed");
    let rettidig = kommune.get("/kommune?aar=2026&indsendelse=rettidig").await;
    assert!(!main_table(&rettidig.body).contains(&format!("href=\"{pakke}\"")));
    // The XLSX export has the same rows.
    let xlsx = kommune.http.get(format!("{}/kommune/oversigt.xlsx?aar=2026", kommune.base)).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let table = tabular::read_bytes("oversigt.xlsx", &bytes).unwrap();
    assert_eq!(table.headers[1], "organisation");
    assert!(table.rows.iter().any(|r| r.cells[4] == "Indsendt for sent"));

    // "Where to look first" in detail lists exactly the red marks the overview counts.
    let user = testkit::session_user(&t.app, "kommune").await;
    let aar = domain::Styringsaar::new(2026).unwrap();
    let rows = t.app.tilsynsoversigt(&user, aar).await.unwrap();
    let punkter = t.app.opmaerksomhedspunkter(&user, aar).await.unwrap();
    let tilsyn: Vec<_> = rows.iter().filter(|r| r.tilknytning == app::Tilknytning::Tilsyn).collect();
    let counted: i64 = tilsyn.iter().map(|r| r.roede_afdelinger + r.roede_noegletal).sum();
    let listed = punkter.iter().filter(|p| p.roed && tilsyn.iter().any(|r| r.nummer == p.organisation_nummer)).count();
    assert_eq!(counted, listed as i64);
    assert!(counted > 0, "the demo has red marks");
    let detail = kommune.get("/kommune/opmaerksomhed?aar=2026").await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains("Effektivitetstal") || detail.body.contains("badge-error"));

    // Invitation: a past date and short notice are refused, the latter until acknowledged.
    assert_eq!(kommune.post(&pakke, &format!("{pakke}/modtag"), &[]).await.status, 303);
    let form = format!("{pakke}/indkald");
    let page = kommune.get(&form).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Styringsrapporten for styringsår 2026"), "agenda is suggested from the package");
    assert_danish_numbers(&page.body);
    // The afdelinger's critical figures are grouped per figure, one line each.
    assert!(!page.body.contains("   - Afd. ") && page.body.contains(" røde): afd. "), "{}", page.body);
    let past = days_from_today(&t, -1);
    let refused = kommune.post(&form, &form, &invitation(&past, &[])).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Mødedatoen ligger før i dag"));
    let soon = days_from_today(&t, 5);
    let warned = kommune.post(&form, &form, &invitation(&soon, &[])).await;
    assert_eq!(warned.status, 422);
    assert!(warned.body.contains("kun varslet 5 dage"));
    assert!(t.app.store().dialogmoeder_for_pakke(store::PakkeId(id)).await.unwrap().is_empty(), "nothing saved");
    // The beliggenhedskommune is invited along.
    let (nabo, _) = beliggenhedskommune(&t, id).await;
    let nabo_felt = format!("kommune_{nabo}");
    let invited =
        kommune.post(&form, &form, &invitation(&soon, &[("kort_varsel", "ja"), (nabo_felt.as_str(), "ja")])).await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let moede = invited.location.unwrap().split('?').next().unwrap().to_string();
    let letter = kommune.get(&moede).await;
    assert!(letter.body.contains("Indkaldelse til dialogmøde") && letter.body.contains("Rådhuset, mødelokale 2"));
    // The invitation mail with its calendar file went to the organisation and the nabokommune.
    let mails = t.app.store().udbakke(store::Side::new(1, 100)).await.unwrap().raekker;
    let invitations: Vec<_> = mails.iter().filter(|m| m.mail.reference.starts_with("indkaldelse/")).collect();
    for user in ["boligorg", "belig"] {
        let m = invitations.iter().find(|m| m.mail.til == format!("{user}@demo.invalid")).expect(user);
        let ics = m.mail.vedhaeftning.as_ref().expect("calendar file");
        assert!(ics.indhold.contains("BEGIN:VEVENT") && ics.indhold.contains("LOCATION:Rådhuset"));
    }
    assert!(org.get(&pakke).await.body.contains("Rådhuset, mødelokale 2"), "the organisation sees the letter");

    // Publishing before the meeting is held is refused with a reason.
    let early = kommune.post(&pakke, &format!("{pakke}/redegoerelse/offentliggoer"), &[]).await;
    assert_eq!(early.status, 409);
    assert!(early.body.contains("markeret som afholdt"), "{}", early.body);

    // Held: not before the date it was convened for.
    let held_form = format!("{moede}/afholdt");
    let too_early = kommune.post(&moede, &held_form, &[("dato", &t.app.today().to_string()), ("deltagere", "x")]).await;
    assert_eq!(too_early.status, 422);
    // The meeting lies 5 days ahead: mark it held with the clock moved past it.
    let later = t.app.clone().with_clock({
        let now = t.app.now();
        move || now + chrono::Duration::days(6)
    });
    let kommune_user = testkit::session_user(&t.app, "kommune").await;
    later
        .marker_moede_afholdt(
            &kommune_user,
            &indkaldt(moede_id(&moede), &[]),
            &afholdelse(&soon, "Sagsbehandler, bestyrelsen"),
        )
        .await
        .unwrap();
    assert!(kommune.get(&pakke).await.body.contains("Møde afholdt"));

    // The redegørelse: a generated draft, saved, sent for comments; the organisation comments.
    let red = format!("{pakke}/redegoerelse");
    // The suggestion is a POST of the form as typed: it fills the empty fields only.
    let forslag = kommune
        .post(
            &red,
            &red,
            &[("_handling", "forslag"), ("sammenfatning", ""), ("udlejning.organisation", "Skrevet selv.")],
        )
        .await;
    assert_eq!(forslag.status, 200);
    assert!(forslag.body.contains("holdt dialogmøde"), "draft generated from the package");
    assert!(forslag.body.contains("Skrevet selv."), "typed text is kept");
    let saved = kommune
        .post(
            &red,
            &red,
            &[
                ("sammenfatning", "Konstruktiv dialog."),
                ("udlejning.organisation", "Udlejningen går godt."),
                ("udlejning.kommune", "Kommunen er enig."),
                ("udlejning.initiativer", "Fleksibel udlejning fortsætter."),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    // On a saved draft the suggestion leaves every saved field as it is.
    let again = kommune.post(&red, &red, &[("_handling", "forslag"), ("sammenfatning", "Konstruktiv dialog.")]).await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("Konstruktiv dialog.") && !again.body.contains("holdt dialogmøde"));
    assert_danish_numbers(&again.body);
    assert!(kommune.get(&red).await.body.contains("Udlejningen går godt."), "the suggestion saved nothing");
    let aftale = kommune
        .post(
            &red,
            &format!("{pakke}/aftaler"),
            &[("emne", "Helhedsplan"), ("beskrivelse", "Plan for afdelingen"), ("ansvarlig", "Organisationen")],
        )
        .await;
    assert_eq!(aftale.status, 422, "a goal area is required");
    assert!(aftale.body.contains("Vælg mindst ét målområde"));
    let aftale = kommune
        .post(
            &red,
            &format!("{pakke}/aftaler"),
            &[
                ("emne", "Helhedsplan"),
                ("beskrivelse", "Plan for afdelingen"),
                ("ansvarlig", "Organisationen"),
                ("maal_boligafdelinger", "ja"),
                ("frist", "2027-06-30"),
            ],
        )
        .await;
    assert_eq!(aftale.status, 303);
    // An aftale the parties will seek later is registered as such.
    let senere = kommune
        .post(
            &red,
            &format!("{pakke}/aftaler"),
            &[
                ("emne", "Kombinerede udlejningsredskaber"),
                ("beskrivelse", "Parterne undersøger fleksibel udlejning"),
                ("ansvarlig", "Kommunen"),
                ("maal_udlejning", "ja"),
                ("soeges_senere", "ja"),
            ],
        )
        .await;
    assert_eq!(senere.status, 303, "{}", senere.body);
    // The organisation cannot comment before the høring, nor read the kommune's draft.
    let hoering = format!("{pakke}/hoering");
    assert_eq!(org.get(&hoering).await.status, 404);
    let tom = kommune.post(&red, &format!("{red}/hoering"), &[("hoering_frist", "")]).await;
    assert_eq!(tom.status, 422);
    assert!(tom.body.contains("id=\"hoering_frist-fejl\""), "the error is at the høring's own field");
    let frist = t.app.today() + chrono::Days::new(7);
    assert_eq!(
        kommune.post(&red, &format!("{red}/hoering"), &[("hoering_frist", &frist.to_string())]).await.status,
        303
    );
    let draft = org.get(&hoering).await;
    assert!(draft.body.contains("Udlejningen går godt."), "{}", draft.body);
    let vist = frist.format("%d.%m.%Y").to_string();
    assert!(draft.body.contains(&format!("Frist for bemærkninger: {vist}")));
    let empty = org.post(&hoering, &format!("{pakke}/bemaerkninger"), &[("bemaerkning", " ")]).await;
    assert_eq!(empty.status, 422);
    let comment =
        org.post(&hoering, &format!("{pakke}/bemaerkninger"), &[("bemaerkning", "Vi er enige i udkastet.")]).await;
    assert_eq!(comment.status, 303);
    assert!(kommune.get(&red).await.body.contains("Vi er enige i udkastet."));
    // The kommune's package page flags the new comment.
    assert!(kommune.get(&pakke).await.body.contains("Organisationen har sendt 1 ny bemærkning"));
    // … and so does its overview, with the høring's deadline.
    let oversigt = kommune.get("/kommune").await.body;
    assert!(oversigt.contains("1 ny bemærkning") && oversigt.contains(&format!("Høringsfrist {vist}")), "{oversigt}");
    // The høring mail went to the organisation.
    let mails = t.app.store().udbakke(store::Side::new(1, 100)).await.unwrap().raekker;
    let mail = mails.iter().find(|m| m.mail.reference.starts_with(&format!("hoering/{id}/"))).expect("a høring mail");
    assert!(mail.mail.tekst.contains(&format!("Frist for bemærkninger: {vist}")));

    // Published: public, immutable, and no more comments.
    assert_eq!(kommune.post(&red, &format!("{red}/offentliggoer"), &[]).await.status, 303);
    let edit = kommune.post(&pakke, &red, &[("sammenfatning", "Ændret")]).await;
    assert_eq!(edit.status, 409);
    assert!(edit.body.contains("kan ikke længere ændres"), "{}", edit.body);
    let late_comment = org.post(&pakke, &format!("{pakke}/bemaerkninger"), &[("bemaerkning", "For sent")]).await;
    assert_eq!(late_comment.status, 409);

    // The aftale is in the register with its history; the kommune records this year's status.
    let register = kommune.get("/aftaler").await;
    assert!(register.body.contains("Helhedsplan") && register.body.contains("Aftalt"));
    assert!(register.body.contains("Søges indgået"), "{}", register.body);
    let aftaler = t.app.store().aftaler(store::AftaleFilter::Pakke(store::PakkeId(id))).await.unwrap();
    let soeges = aftaler.iter().find(|a| a.aftale.emne == "Kombinerede udlejningsredskaber").unwrap();
    assert_eq!(soeges.status(), Some(domain::redegoerelse::AftaleStatus::SoegesIndgaaet));
    let aftale_id = aftaler.iter().find(|a| a.aftale.emne == "Helhedsplan").unwrap().id;
    let status_url = format!("/aftaler/{aftale_id}/status");
    let no_text = kommune.post("/aftaler", &status_url, &[("status", "i_gang"), ("bemaerkning", "")]).await;
    assert_eq!(no_text.status, 422);
    let ok =
        kommune.post("/aftaler", &status_url, &[("status", "i_gang"), ("bemaerkning", "Planen er i høring")]).await;
    assert_eq!(ok.status, 303);
    assert!(org.get("/aftaler").await.body.contains("Planen er i høring"), "the organisation reads its aftaler");

    // Next year, the open aftale carries into the organisation's package (question 8) and into
    // the suggested agenda of the next meeting.
    let naeste = domain::Styringsaar::new(2027).unwrap();
    t.app.opret_pakker(None, naeste).await.unwrap();
    let organisation = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().organisation;
    let next = t.app.store().pakker_for_organisationer(&[organisation]).await.unwrap();
    let next = next.iter().find(|p| p.styringsaar == naeste).expect("next year's package").id.0;
    let q8 = org.get(&format!("/pakker/{next}/sektioner/b3.III")).await;
    assert_eq!(q8.status, 200);
    assert!(q8.body.contains("Helhedsplan (I gang"), "the open aftale is prefilled in question 8");
    assert!(q8.body.contains("Kombinerede udlejningsredskaber (Søges indgået"), "so is the one still sought");
    assert!(q8.body.contains("Konstruktiv dialog."), "last year's summary is prefilled");
    submit(&t, "boligorg", next).await;
    assert_eq!(kommune.post(&format!("/pakker/{next}"), &format!("/pakker/{next}/modtag"), &[]).await.status, 303);
    let agenda = kommune.get(&format!("/pakker/{next}/indkald")).await;
    assert!(
        agenda.body.contains("Opfølgning på aftaler:") && agenda.body.contains("Helhedsplan (i gang, aftalt 2026)")
    );

    // The beliggenhedskommune sees its afdelinger of the organisation, with the package.
    let (_, belig) = (nabo, t.client());
    belig.login("belig").await;
    let afdelinger = belig.get("/kommune/afdelinger?aar=2026").await;
    assert_eq!(afdelinger.status, 200);
    assert!(afdelinger.body.contains(&format!("href=\"{pakke}\"")), "the submitted package is linked");
    let overblik = belig.get("/kommune?aar=2026&tilknytning=beliggenhed").await;
    assert!(main_table(&overblik.body).contains(&format!("href=\"{pakke}\"")));

    // The agency's national view counts the meeting, the publication and the open aftale.
    let styrelse = t.client();
    styrelse.login("styrelse").await;
    let national = styrelse.get("/styrelse?aar=2026").await;
    assert_eq!(national.status, 200);
    assert!(national.body.contains("Tilsynet pr. kommune") && national.body.contains("aftaler er åbne"));
    let styrelse_user = testkit::session_user(&t.app, "styrelse").await;
    let tal = t.app.national_oversigt(&styrelse_user, domain::Styringsaar::new(2026).unwrap()).await.unwrap();
    assert!(tal.landet.aftaler_aabne >= 1 && tal.landet.offentliggjort >= 1 && tal.landet.moeder_afholdt >= 1);
    // The per-kommune table filters and drills down to the kommune's organisations.
    let kode = testkit::session_user(&t.app, "kommune").await.principal.kommune.unwrap();
    let navn = tal.kommuner.iter().find(|k| k.kode == kode).map(|k| k.navn.clone()).unwrap();
    let filtreret = styrelse
        .get(&format!(
            "/styrelse?aar=2026&kommune={}",
            url::form_urlencoded::byte_serialize(navn.as_bytes()).collect::<String>()
        ))
        .await;
    let drill = format!("/styrelse/kommuner/{kode}?aar=2026");
    assert!(filtreret.body.contains(&format!("href=\"{drill}\"")), "the kommune links to its drill-down");
    assert!(filtreret.body.contains(&format!("af {} kommuner vises", tal.kommuner.len())));
    let andre =
        tal.kommuner.iter().find(|k| k.kode != kode && !k.navn.contains(&navn) && !navn.contains(&k.navn)).unwrap();
    assert!(
        !filtreret.body.contains(&format!("/styrelse/kommuner/{}?", andre.kode)),
        "the filter hides other kommuner"
    );
    let side = styrelse.get(&drill).await;
    assert_eq!(side.status, 200);
    assert!(side.body.contains(&format!("href=\"{pakke}\"")), "the received package is linked: {}", side.body);
    assert!(!side.body.contains("/paamindelse"), "reminders are the kommune's to send");
    let filtreret = styrelse.get(&format!("{drill}&indsendelse=mangler")).await;
    assert!(!filtreret.body.contains(&format!("href=\"{pakke}\"")));
    assert_eq!(styrelse.get("/styrelse/kommuner/999").await.status, 404);
    for c in [&kommune, &org] {
        assert!(matches!(c.get(&drill).await.status, 403 | 404), "the drill-down is the agency's");
    }
    // The outbox page is the agency's alone.
    let udbakke = styrelse.get("/styrelse/udbakke").await;
    assert_eq!(udbakke.status, 200);
    assert!(udbakke.body.contains("Indkaldelse til dialogmøde"));
    for c in [&kommune, &org] {
        assert_eq!(c.get("/styrelse/udbakke").await.status, 404);
    }
}

fn moede_id(path: &str) -> store::DialogmoedeId {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn another_kommune_cannot_act_on_the_organisations() {
    let t = TestApp::spawn_with(testkit::demo_at(0.1)).await;
    let id = t.package_of("boligorg").await;
    let pakke = format!("/pakker/{id}");
    submit(&t, "boligorg", id).await;
    let kommune = t.client();
    kommune.login("kommune").await;
    assert_eq!(kommune.post(&pakke, &format!("{pakke}/modtag"), &[]).await.status, 303);
    let soon = days_from_today(&t, 20);
    let invited = kommune.post(&format!("{pakke}/indkald"), &format!("{pakke}/indkald"), &invitation(&soon, &[])).await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let moede = invited.location.unwrap().split('?').next().unwrap().to_string();

    let fremmed = testkit::foreign_kommune(&t, id).await;
    let own = fremmed.get("/kommune").await;
    assert_eq!(own.status, 200);
    assert!(!own.body.contains(&format!("href=\"{pakke}\"")), "another kommune's organisation is listed");
    assert_eq!(fremmed.get(&format!("{pakke}/indkald")).await.status, 404);
    let csrf = own.csrf();
    for (path, fields) in [
        (format!("{pakke}/indkald"), invitation(&soon, &[])),
        (format!("{moede}/afholdt"), vec![("dato", "2026-01-01"), ("deltagere", "x")]),
        (format!("{pakke}/redegoerelse"), vec![("sammenfatning", "x")]),
        (format!("{pakke}/aftaler"), vec![("emne", "x")]),
        (format!("{pakke}/redegoerelse/offentliggoer"), vec![]),
    ] {
        let r = fremmed.post_with_token(&path, &csrf, &fields).await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }
    assert_eq!(fremmed.get(&moede).await.status, 404);
    assert_eq!(fremmed.get(&format!("{pakke}/hoering")).await.status, 404);
    assert!(!fremmed.get("/kommune/afdelinger").await.body.contains(&format!("href=\"{pakke}\"")));
    // The beliggenhedskommune reads the package and may hold its own meeting, which does not
    // move the package; it cannot touch the hjemstedskommune's meeting.
    let (_, nabo) = beliggenhedskommune(&t, id).await;
    assert_eq!(nabo.get(&moede).await.status, 404);
    let form = format!("{pakke}/indkald");
    let page = nabo.get(&form).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("beliggenhedskommune"));
    let own_meeting = nabo.post(&form, &form, &invitation(&soon, &[])).await;
    assert_eq!(own_meeting.status, 303, "{}", own_meeting.body);
    let status = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().status;
    assert_eq!(status, domain::package::PakkeStatus::MoedeIndkaldt);
    assert_eq!(t.app.store().dialogmoeder_for_pakke(store::PakkeId(id)).await.unwrap().len(), 2);
    // Its own meeting held is its own matter: the package's meeting (the hjemstedskommune's)
    // is still only convened, on the store's read model and on the hjemstedskommune's overview.
    let own_moede = own_meeting.location.unwrap().split('?').next().unwrap().to_string();
    let own_id: i64 = own_moede.rsplit('/').next().unwrap().parse().unwrap();
    // Held on its day: the use case with a clock past the meeting.
    let later = t.app.now() + chrono::Duration::days(21);
    let app = t.app.clone().with_clock(move || later);
    let belig = testkit::session_user(&app, "belig").await;
    app.marker_moede_afholdt(&belig, &indkaldt(store::DialogmoedeId(own_id), &[]), &afholdelse(&soon, "Nabokommunen"))
        .await
        .unwrap();
    let pakke_record = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap();
    let forloeb =
        t.app.store().pakke_forloeb(pakke_record.styringsaar, Some(&[pakke_record.organisation])).await.unwrap();
    let forloeb = forloeb.iter().find(|f| f.pakke.id == store::PakkeId(id)).unwrap();
    assert_eq!(forloeb.moede_afholdt, None, "the beliggenhedskommune's meeting is not the package's");
    assert!(forloeb.moede_indkaldt.is_some());
    let overview = kommune.get("/kommune").await.body;
    let row = &overview[overview.find(&format!("href=\"{pakke}\"")).expect("the package on the overview")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(!row.contains("Afholdt"), "{row}");
    // Nobody else can post a comment or an aftale status.
    let other_org = t.client();
    other_org.login("andenorg").await;
    let csrf = other_org.get("/aftaler").await.csrf();
    assert_eq!(
        other_org.post_with_token(&format!("{pakke}/bemaerkninger"), &csrf, &[("bemaerkning", "x")]).await.status,
        404
    );
}

#[tokio::test]
async fn a_joint_meeting_needs_each_organisations_own_discussion() {
    let t = TestApp::spawn_with(testkit::demo_at(0.25)).await;
    // Next year's packages are all drafts: a kommune that supervises two organisations with a
    // styringsrapport convenes them together. (At a quarter of the national size there are more
    // organisations than kommuner, so some kommune has two.)
    let aar = domain::Styringsaar::new(2027).unwrap();
    t.app.opret_pakker(None, aar).await.unwrap();
    let mut per_kommune: std::collections::BTreeMap<domain::Kommunekode, Vec<store::PakkeRecord>> = Default::default();
    for o in t.app.store().organisationer().await.unwrap() {
        for p in t.app.store().pakker_for_organisationer(&[o.id]).await.unwrap() {
            use domain::package::PakkeStatus as S;
            let convenable = matches!(p.status, S::Kladde | S::Indsendt | S::Modtaget);
            if p.styringsaar == aar && p.rapporttype == domain::master::Rapporttype::Bilag3 && convenable {
                per_kommune.entry(p.hjemstedskommune).or_default().push(p);
            }
        }
    }
    let sizes: Vec<usize> = per_kommune.values().map(Vec::len).collect();
    let (kommune, pakker) = per_kommune
        .into_iter()
        .find(|(_, p)| p.len() >= 2)
        .unwrap_or_else(|| panic!("a kommune with two organisations: {sizes:?}"));
    testkit::add_user(&t, "tilsyn", domain::access::Role::Kommune, Some(kommune), vec![]).await;
    for (i, p) in pakker.iter().take(2).enumerate() {
        let name = format!("org{i}");
        testkit::add_user(&t, &name, domain::access::Role::Organisation, None, vec![p.organisation_nummer]).await;
        if p.status.editable_by_organisation() {
            submit(&t, &name, p.id.0).await;
        }
    }
    let user = testkit::session_user(&t.app, "tilsyn").await;
    let (first, second) = (pakker[0].id.0, &pakker[1]);
    let c = t.client();
    c.login("tilsyn").await;
    for p in [first, second.id.0] {
        let status = t.app.store().pakke(store::PakkeId(p)).await.unwrap().unwrap().status;
        if status == domain::package::PakkeStatus::Indsendt {
            assert_eq!(c.post(&format!("/pakker/{p}"), &format!("/pakker/{p}/modtag"), &[]).await.status, 303);
        }
    }
    let soon = days_from_today(&t, 30);
    let faelles = format!("faelles_{}", second.id.0);
    let form = format!("/pakker/{first}/indkald");
    let invited = c.post(&form, &form, &invitation(&soon, &[(faelles.as_str(), "ja")])).await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let moede = invited.location.unwrap().split('?').next().unwrap().to_string();
    assert!(c.get(&moede).await.body.contains("fælles dialogmøde"));
    let later = t.app.clone().with_clock({
        let now = t.app.now();
        move || now + chrono::Duration::days(31)
    });
    // Without the second organisation's own discussion it is refused.
    let refused = later
        .marker_moede_afholdt(
            &user,
            &indkaldt(moede_id(&moede), &[store::PakkeId(first)]),
            &afholdelse(&soon, "Begge bestyrelser"),
        )
        .await;
    match refused {
        Err(app::AppError::Invalid(errors)) => {
            assert!(
                errors
                    .iter()
                    .any(|e| e.field == format!("bilateral_{}", second.id.0) && e.message.contains("egen drøftelse"))
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    later
        .marker_moede_afholdt(
            &user,
            &indkaldt(moede_id(&moede), &[store::PakkeId(first), second.id]),
            &afholdelse(&soon, "Begge bestyrelser"),
        )
        .await
        .unwrap();
    for p in [store::PakkeId(first), second.id] {
        let rec = t.app.store().pakke(p).await.unwrap().unwrap();
        assert_eq!(rec.status, domain::package::PakkeStatus::MoedeAfholdt);
        assert!(t.app.store().moeder(p).await.unwrap().iter().all(|m| m.bilateral && m.kommune == Some(kommune)));
    }
}

#[tokio::test]
async fn a_convened_meeting_is_moved_and_cancelled_with_calendar_updates() {
    let t = TestApp::spawn_with(testkit::demo_at(0.1)).await;
    let id = t.package_of("boligorg").await;
    let pakke = format!("/pakker/{id}");
    let kommune = t.client();
    kommune.login("kommune").await;
    submit(&t, "boligorg", id).await;
    assert_eq!(kommune.post(&pakke, &format!("{pakke}/modtag"), &[]).await.status, 303);
    let form = format!("{pakke}/indkald");
    let invited = kommune.post(&form, &form, &invitation(&days_from_today(&t, 30), &[])).await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let moede = invited.location.unwrap().split('?').next().unwrap().to_string();

    // The meeting lies ahead: the held form does not offer a date it would refuse.
    let page = kommune.get(&moede).await;
    assert!(page.body.contains("Det kan markeres som afholdt fra den dag"));
    assert!(page.body.contains("id=\"dato\" name=\"dato\" value=\"\""), "no held date before the meeting");

    // Moved: a reason is required; then everyone gets the same event with a higher SEQUENCE.
    let ny = days_from_today(&t, 35);
    let flyt = format!("{moede}/flyt");
    let refs = flytning(&ny, "");
    let refused = kommune.post(&moede, &flyt, &refs).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Skriv hvorfor mødet flyttes"));
    let refs = flytning(&ny, "Sygdom hos formanden");
    let moved = kommune.post(&moede, &flyt, &refs).await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let mails = t.app.store().udbakke(store::Side::new(1, 200)).await.unwrap().raekker;
    let ics_of = |prefix: &str| {
        mails
            .iter()
            .find(|m| m.mail.reference.starts_with(prefix) && m.mail.til == "boligorg@demo.invalid")
            .and_then(|m| m.mail.vedhaeftning.as_ref())
            .map(|v| v.indhold.clone())
            .unwrap_or_else(|| panic!("a {prefix} mail with a calendar file"))
    };
    let uid = |ics: &str| ics.lines().find(|l| l.starts_with("UID:")).unwrap().to_string();
    let original = ics_of("indkaldelse/");
    let flyttet = ics_of("flyttet/");
    assert_eq!(uid(&original), uid(&flyttet), "the same event");
    assert!(original.contains("SEQUENCE:0") && flyttet.contains("SEQUENCE:1"));
    assert!(flyttet.contains("METHOD:REQUEST") && flyttet.contains("Rådhuset\\, sal 1"), "{flyttet}");
    let after = kommune.get(&moede).await;
    assert!(after.body.contains("Indkaldt, flyttet") && after.body.contains("Sygdom hos formanden"));
    assert!(after.body.contains("Indkaldelse til dialogmøde"), "the invitation stays as it was sent");

    // Cancelled: a CANCEL of the same event; the package waits for a new invitation.
    let aflys = format!("{moede}/aflys");
    assert_eq!(kommune.post(&moede, &aflys, &[("aflys_begrundelse", "")]).await.status, 422);
    let cancelled = kommune.post(&moede, &aflys, &[("aflys_begrundelse", "Organisationen fusionerer")]).await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    let mails = t.app.store().udbakke(store::Side::new(1, 200)).await.unwrap().raekker;
    let aflyst = mails
        .iter()
        .find(|m| m.mail.reference.starts_with("aflyst/") && m.mail.til == "boligorg@demo.invalid")
        .and_then(|m| m.mail.vedhaeftning.as_ref())
        .map(|v| v.indhold.clone())
        .expect("a cancellation mail");
    assert_eq!(uid(&aflyst), uid(&original));
    assert!(aflyst.contains("METHOD:CANCEL") && aflyst.contains("SEQUENCE:2") && aflyst.contains("STATUS:CANCELLED"));
    let status = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap().status;
    assert_eq!(status, domain::package::PakkeStatus::Modtaget, "back to received");
    let page = kommune.get(&moede).await;
    assert!(page.body.contains("Aflyst") && !page.body.contains("Flyt mødet"));
    // A cancelled meeting cannot be moved or held.
    assert_eq!(kommune.post(&moede, &flyt, &refs).await.status, 409);
    let record = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap();
    let forloeb = t.app.store().pakke_forloeb(record.styringsaar, Some(&[record.organisation])).await.unwrap();
    let forloeb = forloeb.iter().find(|f| f.pakke.id == store::PakkeId(id)).unwrap();
    assert!(forloeb.moede_indkaldt.is_none(), "the overview no longer counts a convened meeting");

    // A meeting held outside the system before the package was received is confirmed first.
    let registrer = format!("{pakke}/moede");
    let foer = days_from_today(&t, -3);
    let warned = kommune.post(&registrer, &registrer, &[("dato", &foer), ("deltagere", "Bestyrelsen")]).await;
    assert_eq!(warned.status, 422);
    assert!(warned.body.contains("før pakken blev kvitteret modtaget"), "{}", warned.body);
    let held = kommune
        .post(&registrer, &registrer, &[("dato", &foer), ("deltagere", "Bestyrelsen"), ("bekraeft", "ja")])
        .await;
    assert_eq!(held.status, 303, "{}", held.body);
}

/// A held meeting's form: its date (year-month-day) and who took part.
fn afholdelse(dato: &str, deltagere: &str) -> app::AfholdelseInput {
    app::AfholdelseInput {
        dato: Some(dato.parse().expect("a date")),
        deltagere: deltagere.into(),
        ..Default::default()
    }
}

/// A convened meeting to mark held, as read (no change number given).
fn indkaldt(moede: store::DialogmoedeId, bilaterale: &[store::PakkeId]) -> app::AfholdtMoede {
    app::AfholdtMoede::Indkaldt { moede, bilaterale: bilaterale.to_vec(), laest: None }
}
