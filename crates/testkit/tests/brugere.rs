//! The agency's account page and the CVR numbers that map national logins: only the agency
//! reaches them; disabling ends sessions; bad input gets a precise answer and changes nothing.

use testkit::TestApp;

#[tokio::test]
async fn the_agency_lists_searches_creates_and_disables_accounts() {
    let t = TestApp::spawn().await;
    let agency = t.client();
    agency.login("styrelse").await;
    let all = agency.get("/styrelse/brugere").await;
    assert_eq!(all.status, 200);
    assert!(all.body.contains("boligorg") && all.body.contains("kommune"), "every account is listed");
    let searched = agency.get("/styrelse/brugere?q=andenorg").await;
    assert!(searched.body.contains("andenorg") && !searched.body.contains(">boligorg<"), "search narrows the list");
    let by_role = agency.get("/styrelse/brugere?rolle=kommune").await;
    assert!(by_role.body.contains(">kommune<") && !by_role.body.contains(">boligorg<"));

    // A new local account: each error is named, nothing is made, the password is not echoed.
    let bad = agency
        .post(
            "/styrelse/brugere",
            "/styrelse/brugere",
            &[
                ("brugernavn", "ny bruger"),
                ("navn", "Ny"),
                ("kodeord", "kort"),
                ("rolle", "kommune"),
                ("kommune", "abc"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("«abc» er ikke en kommunekode"), "{}", bad.body);
    assert!(!bad.body.contains("value=\"kort\""), "the password is not sent back");
    assert!(t.app.store().user_by_username("ny bruger").await.unwrap().is_none());
    for (name, why) in [("..", "skal begynde med et bogstav"), ("mitid-0123456789abcdef", "forbeholdt national login")]
    {
        let refused = agency
            .post(
                "/styrelse/brugere",
                "/styrelse/brugere",
                &[("brugernavn", name), ("navn", "X"), ("kodeord", "et-langt-kodeord"), ("rolle", "styrelse")],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.body.contains(why), "{name}: {}", refused.body);
    }
    let made = agency
        .post(
            "/styrelse/brugere",
            "/styrelse/brugere",
            &[
                ("brugernavn", "Sagsbehandler.Ny"),
                ("navn", "Ny Sagsbehandler"),
                ("email", "ny@kommune.invalid"),
                ("kodeord", "et-langt-kodeord"),
                ("rolle", "kommune"),
                ("kommune", "101"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let newcomer = t.client();
    assert_eq!(
        newcomer
            .post("/log-ind", "/log-ind", &[("brugernavn", "sagsbehandler.ny"), ("kodeord", "et-langt-kodeord")])
            .await
            .status,
        303
    );
    assert_eq!(newcomer.get("/kommune").await.status, 200);

    // Disabling ends the account's sessions at once; reopening lets it log in again.
    let list = "/styrelse/brugere?q=sagsbehandler.ny";
    let disabled = agency.post(list, "/styrelse/brugere/sagsbehandler.ny/spaer", &[("tilbage", list)]).await;
    assert_eq!(disabled.status, 303);
    assert!(disabled.location.unwrap().starts_with(list), "back to the same list");
    assert_eq!(newcomer.get("/kommune").await.status, 303, "the session ended");
    let page = agency.get(list).await;
    assert!(page.body.contains("Spærret") && page.body.contains("Genåbn"));
    agency.post(list, "/styrelse/brugere/sagsbehandler.ny/genaktiver", &[]).await;
    assert!(!t.app.store().user_by_username("sagsbehandler.ny").await.unwrap().unwrap().disabled);
    // The agency cannot lock itself out.
    let own = agency.post("/styrelse/brugere", "/styrelse/brugere/styrelse/spaer", &[]).await;
    assert_eq!(own.status, 422, "{}", own.body);
    let actions: Vec<String> =
        t.app.store().audit_events(50).await.unwrap().into_iter().map(|a| a.event.action).collect();
    for action in ["bruger_oprettet", "bruger_deaktiveret", "bruger_genaktiveret"] {
        assert!(actions.iter().any(|a| a == action), "{action} is audited");
    }
}

#[tokio::test]
async fn only_the_agency_reaches_the_account_page_and_every_change_needs_csrf() {
    let t = TestApp::spawn().await;
    for user in ["boligorg", "kommune"] {
        let c = t.client();
        c.login(user).await;
        assert!(matches!(c.get("/styrelse/brugere").await.status, 403 | 404), "{user} sees no accounts");
        let token = c.get("/organisation").await.csrf();
        let tried = c.post_with_token("/styrelse/brugere/styrelse/spaer", &token, &[]).await;
        assert!(matches!(tried.status, 403 | 404), "{user} cannot disable the agency");
    }
    assert!(!t.app.store().user_by_username("styrelse").await.unwrap().unwrap().disabled);
    let agency = t.client();
    agency.login("styrelse").await;
    let forged = agency.post_with_token("/styrelse/brugere/boligorg/spaer", "forkert", &[]).await;
    assert_eq!(forged.status, 403, "a change without the form's token is refused");
    assert!(!t.app.store().user_by_username("boligorg").await.unwrap().unwrap().disabled);
    assert_eq!(t.client().get("/styrelse/brugere").await.status, 303, "anonymous: to login");
}

#[tokio::test]
async fn cvr_numbers_are_imported_whole_or_not_at_all() {
    let t = TestApp::spawn().await;
    let agency = t.client();
    agency.login("styrelse").await;
    let orgs = t.app.store().organisationer().await.unwrap();
    let (a, b) = (&orgs[0], &orgs[1]);
    let token = agency.get("/styrelse/import").await.csrf();
    let upload = |csv: String| {
        let agency = &agency;
        let token = token.clone();
        async move {
            agency
                .upload("/styrelse/import", &token, &[("art", "cvr"), ("aar", "")], ("cvr.csv", csv.into_bytes()))
                .await
        }
    };

    // A bad number, an unknown organisation and a number used twice: each named by row and
    // column; nothing changes.
    let bad = format!(
        "type;nummer;cvr\norganisation;{};1234\norganisation;9999999;12345678\nkommune;101;{}\norganisation;{};{}\n",
        a.nummer,
        b.cvr.unwrap(),
        b.nummer,
        b.cvr.unwrap()
    );
    let refused = upload(bad).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("række 2") && refused.body.contains("forventede et CVR-nummer på 8 cifre"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("organisation 9999999 findes ikke"), "{}", refused.body);
    assert!(refused.body.contains("står også i række"), "{}", refused.body);
    assert_eq!(t.app.store().organisation(a.id).await.unwrap().unwrap().cvr, a.cvr, "nothing changed");

    // Swapping two organisations' numbers and giving a kommune a new one is one change.
    let swap = format!(
        "type,nummer,cvr\norganisation,{},{}\norganisation,{},{}\nkommune,101,29999993\n",
        a.nummer,
        b.cvr.unwrap(),
        b.nummer,
        a.cvr.unwrap()
    );
    let done = upload(swap).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("3 CVR-numre ændret"), "{}", done.body);
    assert_eq!(t.app.store().organisation(a.id).await.unwrap().unwrap().cvr, b.cvr);
    let kbh = t.app.store().kommune_med_cvr("29999993".parse().unwrap()).await.unwrap();
    assert_eq!(kbh.map(|k| k.kode.get()), Some(101));
}
