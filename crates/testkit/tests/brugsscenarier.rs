//! The use cases called as the pages and the API call them, with typed input and without
//! HTTP: the yearly cycle's state transitions, the refusal of another organisation's or
//! another kommune's package, and the rules at the edges of their input. Only the
//! organisation's package is filled in through the browser helpers, as the setup; every
//! assertion is on what a use case answers and what it left in the store.

use app::{
    AfholdelseInput, AfholdtMoede, AftaleInput, AppError, FlytningInput, IndkaldelseInput, SessionUser, TidOgSted,
    TilsynsreaktionInput,
};
use chrono::{Days, NaiveDate, NaiveTime};
use domain::package::{PakkeStatus, Tilsynsreaktion};
use domain::redegoerelse::AftaleStatus;
use std::collections::BTreeMap;
use store::PakkeId;
use testkit::{TestApp, session_user};

/// The fields a refusal names, in order; anything but field errors fails the test.
fn felter<T: std::fmt::Debug>(r: Result<T, AppError>) -> Vec<String> {
    match r {
        Err(AppError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

/// The message of the refusal on `felt`.
fn besked<T: std::fmt::Debug>(r: Result<T, AppError>, felt: &str) -> String {
    match r {
        Err(AppError::Invalid(errors)) => errors
            .into_iter()
            .find(|e| e.field == felt)
            .map(|e| e.message)
            .unwrap_or_else(|| panic!("no error on {felt}")),
        other => panic!("expected field errors, got {other:?}"),
    }
}

/// Out of scope: the same answer as a package that does not exist, so nothing is revealed.
fn uden_adgang<T: std::fmt::Debug>(r: Result<T, AppError>) {
    assert!(matches!(r, Err(AppError::NotFound | AppError::Forbidden)), "expected no access, got {r:?}");
}

async fn status(app: &app::App, id: PakkeId) -> PakkeStatus {
    app.store().pakke(id).await.unwrap().unwrap().status
}

fn om_dage(app: &app::App, dage: u64) -> NaiveDate {
    app.today() + Days::new(dage)
}

fn igaar(app: &app::App) -> NaiveDate {
    app.today() - Days::new(1)
}

/// An invitation at 13:00 on `dato` in the town hall.
fn indkaldelse(dato: NaiveDate) -> IndkaldelseInput {
    IndkaldelseInput {
        tid_og_sted: TidOgSted {
            dato: Some(dato),
            tid: NaiveTime::from_hms_opt(13, 0, 0),
            varighed_minutter: None,
            sted: "Rådhuset, mødelokale 2".into(),
        },
        deltagere: "Sagsbehandler; organisationens bestyrelse".into(),
        dagsorden: "1. Styringsrapporten\n2. Aftaler".into(),
        ..IndkaldelseInput::default()
    }
}

/// The demo's organisation, another organisation (supervised by another kommune) and the
/// first one's hjemstedskommune.
async fn brugere(app: &app::App) -> (SessionUser, SessionUser, SessionUser) {
    (session_user(app, "boligorg").await, session_user(app, "andenorg").await, session_user(app, "kommune").await)
}

/// The demo organisation's package, submitted (in the browser) and received by the kommune.
async fn modtaget_pakke(t: &TestApp, kommune: &SessionUser) -> PakkeId {
    let id = PakkeId(t.package_of("boligorg").await);
    testkit::submit_package(t, "boligorg", id.0).await;
    t.app.modtag_pakke(kommune, id, None).await.unwrap();
    assert_eq!(status(&t.app, id).await, PakkeStatus::Modtaget);
    id
}

#[tokio::test]
async fn indsend_refuses_an_incomplete_package_and_a_boards_date_outside_the_period() {
    let t = TestApp::spawn().await;
    let (org, ..) = brugere(&t.app).await;
    let id = PakkeId(t.package_of("boligorg").await);

    let ingen_dato = felter(t.app.indsend(&org, id, "k1", None).await);
    assert!(ingen_dato.contains(&"bestyrelse_godkendt".to_string()), "{ingen_dato:?}");
    assert!(ingen_dato.len() > 1, "the missing answers are named too: {ingen_dato:?}");
    let fremtid = besked(t.app.indsend(&org, id, "k1", Some(om_dage(&t.app, 1))).await, "bestyrelse_godkendt");
    assert!(fremtid.contains("fremtiden"), "{fremtid}");
    let for_tidlig = NaiveDate::from_ymd_opt(2000, 1, 1);
    let foer = besked(t.app.indsend(&org, id, "k1", for_tidlig).await, "bestyrelse_godkendt");
    assert!(foer.contains("før regnskabsperioden"), "{foer}");

    assert_eq!(status(&t.app, id).await, PakkeStatus::Kladde, "a refused submission changes nothing");
    assert!(t.app.store().versions(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn another_organisation_reaches_nothing_of_a_package() {
    let t = TestApp::spawn().await;
    let (_, anden, kommune) = brugere(&t.app).await;
    let id = PakkeId(t.package_of("boligorg").await);

    uden_adgang(t.app.pakke_view(&anden, id).await);
    uden_adgang(t.app.gem_sektion(&anden, id, "b3.I", None, Vec::new(), store::Revision(0)).await);
    uden_adgang(t.app.vedhaeft_bilag(&anden, id, "regnskab", "regnskab.pdf", b"%PDF-1.4".to_vec()).await);
    uden_adgang(t.app.indsend(&anden, id, "k1", NaiveDate::from_ymd_opt(2026, 5, 20)).await);
    // A kommune does not edit the organisation's draft either.
    uden_adgang(t.app.indsend(&kommune, id, "k1", NaiveDate::from_ymd_opt(2026, 5, 20)).await);
    assert_eq!(status(&t.app, id).await, PakkeStatus::Kladde);
}

#[tokio::test]
async fn only_the_hjemstedskommune_handles_a_package() {
    // At a tenth of the country the demo organisation has afdelinger in another kommune.
    let t = TestApp::spawn_with(testkit::demo_at(0.1)).await;
    let (_, _, kommune) = brugere(&t.app).await;
    let id = PakkeId(t.package_of("boligorg").await);
    testkit::submit_package(&t, "boligorg", id.0).await;
    testkit::beliggenhedskommune(&t, id.0).await;
    let nabo = session_user(&t.app, "belig").await;
    let anden = PakkeId(t.package_of("andenorg").await);
    testkit::submit_package(&t, "andenorg", anden.0).await;

    // Another kommune's organisation: the kommune neither receives nor returns its package
    // (it may at most hold its own meeting, where the organisation has afdelinger in it).
    uden_adgang(t.app.modtag_pakke(&kommune, anden, None).await);
    uden_adgang(t.app.returner_pakke(&kommune, anden, "Mangler", Some(om_dage(&t.app, 14)), None).await);
    let afholdelse =
        AfholdelseInput { dato: Some(t.app.today()), deltagere: "Bestyrelsen".into(), ..AfholdelseInput::default() };
    let uden = AfholdtMoede::UdenIndkaldelse { pakke: anden, bekraeftet: true, laest: None };
    uden_adgang(t.app.marker_moede_afholdt(&kommune, &uden, &afholdelse).await);
    // A beliggenhedskommune reads the package but neither receives nor returns it.
    uden_adgang(t.app.modtag_pakke(&nabo, id, None).await);
    uden_adgang(t.app.returner_pakke(&nabo, id, "Mangler", Some(om_dage(&t.app, 14)), None).await);

    assert_eq!(status(&t.app, anden).await, PakkeStatus::Indsendt);
    assert_eq!(status(&t.app, id).await, PakkeStatus::Indsendt);
}

#[tokio::test]
async fn a_return_needs_a_reason_and_a_deadline_from_today() {
    let t = TestApp::spawn().await;
    let (_, _, kommune) = brugere(&t.app).await;
    let id = PakkeId(t.package_of("boligorg").await);
    testkit::submit_package(&t, "boligorg", id.0).await;

    assert_eq!(felter(t.app.returner_pakke(&kommune, id, " ", None, None).await), ["begrundelse", "frist"]);
    let foer = besked(t.app.returner_pakke(&kommune, id, "Bilag 4 mangler", Some(igaar(&t.app)), None).await, "frist");
    assert!(foer.contains("før i dag"), "{foer}");
    assert_eq!(status(&t.app, id).await, PakkeStatus::Indsendt);

    t.app.returner_pakke(&kommune, id, "Bilag 4 mangler", Some(om_dage(&t.app, 14)), None).await.unwrap();
    assert_eq!(status(&t.app, id).await, PakkeStatus::Returneret);
    // A returned package is the organisation's again: the kommune cannot receive it.
    assert!(t.app.modtag_pakke(&kommune, id, None).await.is_err());
    assert_eq!(status(&t.app, id).await, PakkeStatus::Returneret);
}

#[tokio::test]
async fn a_meeting_is_convened_from_today_with_a_time_a_place_and_enough_notice() {
    let t = TestApp::spawn().await;
    let (_, _, kommune) = brugere(&t.app).await;
    let id = modtaget_pakke(&t, &kommune).await;

    let tom = IndkaldelseInput::default();
    assert_eq!(
        felter(t.app.indkald_moede(&kommune, id, &tom).await),
        ["dato", "tid", "sted", "deltagere", "dagsorden"]
    );
    let fortid = indkaldelse(igaar(&t.app));
    assert_eq!(felter(t.app.indkald_moede(&kommune, id, &fortid).await), ["dato"]);
    let mut kort = indkaldelse(om_dage(&t.app, 30));
    kort.tid_og_sted.varighed_minutter = Some(5);
    assert_eq!(felter(t.app.indkald_moede(&kommune, id, &kort).await), ["varighed"]);
    // Only the package's beliggenhedskommuner may be invited: not the kommune itself.
    let mut sig_selv = indkaldelse(om_dage(&t.app, 30));
    sig_selv.kommuner = vec![kommune.principal.kommune.unwrap()];
    assert_eq!(felter(t.app.indkald_moede(&kommune, id, &sig_selv).await), ["kommuner"]);
    // Less notice than the rules give is a warning the kommune must acknowledge.
    let snart = indkaldelse(om_dage(&t.app, 2));
    assert_eq!(felter(t.app.indkald_moede(&kommune, id, &snart).await), ["kort_varsel"]);
    assert_eq!(status(&t.app, id).await, PakkeStatus::Modtaget, "no refused invitation changed anything");
    assert!(t.app.store().dialogmoeder_for_pakke(id).await.unwrap().is_empty());

    let moede = t.app.indkald_moede(&kommune, id, &IndkaldelseInput { kort_varsel_ok: true, ..snart }).await.unwrap();
    assert_eq!(status(&t.app, id).await, PakkeStatus::MoedeIndkaldt);

    // A meeting ahead cannot be marked held, nor moved into the past.
    let held = AfholdtMoede::Indkaldt { moede, bilaterale: Vec::new(), laest: None };
    let i_dag =
        AfholdelseInput { dato: Some(t.app.today()), deltagere: "Bestyrelsen".into(), ..AfholdelseInput::default() };
    assert_eq!(felter(t.app.marker_moede_afholdt(&kommune, &held, &i_dag).await), ["dato"]);
    let ingen = AfholdelseInput::default();
    assert_eq!(felter(t.app.marker_moede_afholdt(&kommune, &held, &ingen).await), ["dato", "deltagere"]);
    let tilbage = FlytningInput {
        tid_og_sted: TidOgSted { dato: Some(igaar(&t.app)), ..indkaldelse(igaar(&t.app)).tid_og_sted },
        begrundelse: "Sygdom".into(),
        kort_varsel_ok: true,
        ..FlytningInput::default()
    };
    assert_eq!(felter(t.app.flyt_dialogmoede(&kommune, moede, &tilbage).await), ["dato"]);
    assert_eq!(status(&t.app, id).await, PakkeStatus::MoedeIndkaldt);
}

#[tokio::test]
async fn the_cycle_runs_from_a_held_meeting_to_the_published_redegoerelse() {
    let t = TestApp::spawn().await;
    let (org, _, kommune) = brugere(&t.app).await;
    let id = modtaget_pakke(&t, &kommune).await;

    // The høring comes after the meeting.
    assert!(t.app.send_i_hoering(&kommune, id, Some(om_dage(&t.app, 14)), None).await.is_err());
    let uden = AfholdtMoede::UdenIndkaldelse { pakke: id, bekraeftet: true, laest: None };
    let fremtid = AfholdelseInput {
        dato: Some(om_dage(&t.app, 1)),
        deltagere: "Bestyrelsen".into(),
        ..AfholdelseInput::default()
    };
    assert_eq!(felter(t.app.marker_moede_afholdt(&kommune, &uden, &fremtid).await), ["dato"]);
    let i_dag =
        AfholdelseInput { dato: Some(t.app.today()), deltagere: "Bestyrelsen".into(), ..AfholdelseInput::default() };
    t.app.marker_moede_afholdt(&kommune, &uden, &i_dag).await.unwrap();
    assert_eq!(status(&t.app, id).await, PakkeStatus::MoedeAfholdt);

    let tekst = BTreeMap::from([(domain::redegoerelse::SAMMENFATNING.to_string(), "Dialogen er holdt.".to_string())]);
    t.app.gem_redegoerelse(&kommune, id, tekst.clone(), None).await.unwrap();

    // An aftale names what, who and which goal areas; a deadline is a date or none.
    let tom_aftale = felter(t.app.opret_aftale(&kommune, id, &AftaleInput::default(), None).await);
    assert_eq!(tom_aftale, ["emne", "beskrivelse", "ansvarlig", "maalomraader"]);
    let maal = domain::redegoerelse::MAALOMRAADER[0].0.to_string();
    let aftale = AftaleInput {
        emne: "Driftsudgifter".into(),
        beskrivelse: "Udgifterne til renholdelse ned".into(),
        maalomraader: vec![maal],
        ansvarlig: "Organisationens direktør".into(),
        frist: Some(om_dage(&t.app, 365)),
        ..AftaleInput::default()
    };
    let aftale = t.app.opret_aftale(&kommune, id, &aftale, None).await.unwrap();
    assert_eq!(felter(t.app.opdater_aftale(&kommune, aftale, None, "Fulgt op", None).await), ["status"]);
    assert_eq!(
        felter(t.app.opdater_aftale(&kommune, aftale, Some(AftaleStatus::Opfyldt), " ", None).await),
        ["bemaerkning"]
    );

    // A henstilling is dated today or earlier, with its text; a deadline from today.
    let tom = felter(t.app.registrer_tilsynsreaktion(&kommune, id, &TilsynsreaktionInput::default(), None).await);
    assert_eq!(tom, ["art", "dato", "tekst"]);
    let reaktion = TilsynsreaktionInput {
        art: Some(Tilsynsreaktion::Henstilling),
        dato: Some(t.app.today()),
        tekst: "Følg op på udlejningen".into(),
        frist: Some(igaar(&t.app)),
        ..TilsynsreaktionInput::default()
    };
    assert_eq!(felter(t.app.registrer_tilsynsreaktion(&kommune, id, &reaktion, None).await), ["frist"]);

    assert_eq!(felter(t.app.send_i_hoering(&kommune, id, None, None).await), ["frist"]);
    assert_eq!(felter(t.app.send_i_hoering(&kommune, id, Some(igaar(&t.app)), None).await), ["frist"]);
    assert_eq!(status(&t.app, id).await, PakkeStatus::MoedeAfholdt);
    t.app.send_i_hoering(&kommune, id, Some(om_dage(&t.app, 14)), None).await.unwrap();
    assert_eq!(status(&t.app, id).await, PakkeStatus::RedegoerelseIHoering);

    // The organisation comments; the kommune publishes; the published text is final.
    t.app.bemaerk_redegoerelse(&org, id, "Vi er enige.").await.unwrap();
    t.app.offentliggoer_redegoerelse(&kommune, id, true, None).await.unwrap();
    assert_eq!(status(&t.app, id).await, PakkeStatus::RedegoerelseOffentliggjort);
    assert!(matches!(t.app.gem_redegoerelse(&kommune, id, tekst, None).await, Err(AppError::Conflict(_))));
}
