//! Scope, authentication and CSRF over HTTP, on the engine under test.

use testkit::TestApp;

#[tokio::test]
async fn an_organisation_cannot_reach_another_organisations_package() {
    let t = TestApp::spawn().await;
    let own = t.package_of("boligorg").await;
    let other = t.client();
    let token = other.login_token("andenorg").await;
    let page = other.get(&format!("/pakker/{own}")).await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("Styringsrapport for almen"));
    assert_eq!(other.get(&format!("/pakker/{own}/sektioner/b3.I")).await.status, 404);
    assert_eq!(other.get(&format!("/pakker/{own}/indsend")).await.status, 404);
    let post = other.post("/organisation", &format!("/pakker/{own}/sektioner/b3.I"), &[("b3.q1.ja", "nej")]).await;
    assert_eq!(post.status, 404);
    // The API refuses too, with the cookie and with a bearer token.
    assert_eq!(other.get(&format!("/api/v1/pakker/{own}")).await.status, 404);
    let api = t.client().get_bearer(&format!("/api/v1/pakker/{own}"), &token).await;
    assert_eq!(api.status, 404);
    assert!(api.body.contains("\"fejl\""));
    // The owner can.
    let owner = t.client();
    let owner_token = owner.login_token("boligorg").await;
    assert_eq!(t.client().get_bearer(&format!("/api/v1/pakker/{own}"), &owner_token).await.status, 200);
}

#[tokio::test]
async fn a_kommune_cannot_read_a_package_not_sent_to_it() {
    let t = TestApp::spawn().await;
    let id = t.package_of("boligorg").await;
    let kommune = t.client();
    kommune.login("kommune").await;
    // A draft is invisible even to the hjemstedskommune, in the UI and the API.
    assert_eq!(kommune.get(&format!("/pakker/{id}")).await.status, 404);
    assert_eq!(kommune.get(&format!("/api/v1/pakker/{id}")).await.status, 404);
    assert!(!kommune.get("/kommune").await.body.contains(&format!("/pakker/{id}\"")));
    // A kommune user of a kommune the package is not routed to cannot read or act on it,
    // even after submission.
    let pakke = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap();
    let afdelinger = t.app.store().afdelinger(pakke.organisation).await.unwrap();
    let kommuner = t.app.store().kommuner().await.unwrap();
    let outsider = kommuner
        .iter()
        .find(|k| k.kode != pakke.hjemstedskommune && afdelinger.iter().all(|a| a.data.kommune != k.kode))
        .unwrap();
    t.app
        .add_user(
            None,
            app::NewUserInput {
                username: "fremmed".into(),
                display_name: "Fremmed kommune".into(),
                email: None,
                password: demo::DEMO_PASSWORD.into(),
                role: domain::access::Role::Kommune,
                kommune: Some(outsider.kode),
                organisationer: vec![],
            },
        )
        .await
        .unwrap();
    testkit::submit_package(&t, "boligorg", id).await;
    assert_eq!(kommune.get(&format!("/pakker/{id}")).await.status, 200, "the hjemstedskommune now sees it");
    let other = t.client();
    other.login("fremmed").await;
    assert_eq!(other.get(&format!("/pakker/{id}")).await.status, 404);
    assert_eq!(other.get(&format!("/api/v1/pakker/{id}")).await.status, 404);
    let act = other.post("/kommune", &format!("/pakker/{id}/modtag"), &[]).await;
    assert_eq!(act.status, 404);
}

#[tokio::test]
async fn the_public_never_sees_drafts_and_needs_login_for_packages() {
    let t = TestApp::spawn().await;
    let id = t.package_of("boligorg").await;
    let anon = t.client();
    let page = anon.get(&format!("/pakker/{id}")).await;
    assert_eq!(page.status, 303);
    assert!(page.location.unwrap().starts_with("/log-ind"));
    assert_eq!(anon.get(&format!("/api/v1/pakker/{id}")).await.status, 401);
    assert_eq!(anon.get("/api/v1/pakker").await.status, 401);
    // Draft answers never appear on a public page.
    let org = t.client();
    org.login("boligorg").await;
    let sektion = format!("/pakker/{id}/sektioner/b3.I");
    org.post(&sektion, &sektion, &[("b3.q1.ja", "ja"), ("b3.q1.tekst", "HEMMELIGT-UDKAST")]).await;
    let search = anon.get("/offentlig?q=a").await.body;
    assert!(!search.contains("HEMMELIGT-UDKAST"));
    for link in search.split("href=\"/offentlig/organisationer/").skip(1).take(20) {
        let nummer: String = link.chars().take_while(|c| c.is_ascii_digit()).collect();
        let sheet = anon.get(&format!("/offentlig/organisationer/{nummer}")).await;
        assert_eq!(sheet.status, 200);
        assert!(!sheet.body.contains("HEMMELIGT-UDKAST"));
    }
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let t = TestApp::spawn().await;
    let c = t.client();
    let refused =
        c.post_with_token("/log-ind", "forkert", &[("brugernavn", "boligorg"), ("kodeord", demo::DEMO_PASSWORD)]).await;
    assert_eq!(refused.status, 403);
    c.login("boligorg").await;
    let id = t.package_of("boligorg").await;
    let forged = c.post_with_token(&format!("/pakker/{id}/sektioner/b3.I"), "", &[("b3.q1.ja", "nej")]).await;
    assert_eq!(forged.status, 403);
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_the_same_answer() {
    let t = TestApp::spawn().await;
    let c = t.client();
    let wrong = c.post("/log-ind", "/log-ind", &[("brugernavn", "boligorg"), ("kodeord", "forkert-kodeord")]).await;
    let unknown =
        c.post("/log-ind", "/log-ind", &[("brugernavn", "findes-ikke"), ("kodeord", "forkert-kodeord")]).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    let message = "Brugernavn eller kodeord er forkert.";
    assert!(wrong.body.contains(message) && unknown.body.contains(message));
    // Logout ends the session on the server, not only in the browser.
    let token = c.login_token("boligorg").await;
    let api = t.client();
    assert_eq!(api.get_bearer("/api/v1/pakker", &token).await.status, 200);
    let page = c.get("/organisation").await;
    c.post_with_token("/log-ud", &page.csrf(), &[]).await;
    assert_eq!(api.get_bearer("/api/v1/pakker", &token).await.status, 401);
}

#[tokio::test]
async fn administration_staff_act_for_the_organisations_they_administer_only() {
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let admin = store.user_by_username("admorg").await.unwrap().expect("the demo has an administration organisation");
    let administered = store.administered_by(admin.organisationer[0]).await.unwrap();
    assert!(!administered.is_empty());
    let c = t.client();
    c.login("admorg").await;
    let json: serde_json::Value = serde_json::from_str(&c.get("/api/v1/pakker").await.body).unwrap();
    let visible: Vec<i64> = json["data"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    for org in &administered {
        for p in store.pakker_for_organisationer(&[*org]).await.unwrap() {
            assert!(visible.contains(&p.id.0), "administered package {} missing", p.id.0);
            assert_eq!(c.get(&format!("/pakker/{}", p.id.0)).await.status, 200);
        }
    }
    // An organisation it does not administer stays out of reach.
    let all = store.organisationer().await.unwrap();
    let outsider = all
        .iter()
        .find(|o| {
            !administered.contains(&o.id) && !admin.organisationer.contains(&o.id) && o.kind.rapporttype().is_some()
        })
        .unwrap();
    let foreign = store.pakker_for_organisationer(&[outsider.id]).await.unwrap();
    assert!(!visible.contains(&foreign[0].id.0));
    assert_eq!(c.get(&format!("/pakker/{}", foreign[0].id.0)).await.status, 404);
}

#[tokio::test]
async fn api_errors_are_json() {
    let t = TestApp::spawn().await;
    let c = t.client();
    let unknown = c.get("/api/v1/findes-ikke").await;
    assert_eq!(unknown.status, 404);
    let json: serde_json::Value = serde_json::from_str(&unknown.body).expect("JSON error");
    assert_eq!(json["fejl"]["status"], 404);
    assert_eq!(c.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn a_session_can_be_extended_before_it_expires_but_only_with_the_csrf_token() {
    let t = TestApp::spawn().await;
    let c = t.client();
    c.login("boligorg").await;
    let page = c.get("/organisation").await;
    // The page tells the expiry warning when the session ends.
    let marker = "name=\"session-udloeber\" content=\"";
    let start = page.body.find(marker).expect("the expiry is on the page") + marker.len();
    let end = page.body[start..].find('"').unwrap() + start;
    let before = chrono::DateTime::parse_from_rfc3339(&page.body[start..end]).unwrap();
    assert_eq!(c.post_with_token("/session/forlaeng", "forkert", &[]).await.status, 403);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let extended = c.post_with_token("/session/forlaeng", &page.csrf(), &[]).await;
    assert_eq!(extended.status, 200, "{}", extended.body);
    let json: serde_json::Value = serde_json::from_str(&extended.body).unwrap();
    let after = chrono::DateTime::parse_from_rfc3339(json["udloeber"].as_str().unwrap()).unwrap();
    assert!(after > before, "{after} > {before}");
    assert!(extended.cookies.iter().any(|c| c.starts_with("sd_session=")), "the cookie is renewed too");
    // Anonymous visitors have nothing to extend.
    assert_eq!(t.client().post_with_token("/session/forlaeng", "x", &[]).await.status, 403);
}
