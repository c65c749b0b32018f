//! Hardening found in review: every response carries the security headers, the CSRF token of
//! an upload travels in the form (never the URL), uploads are authorised before they are read,
//! and the API takes the attachment sizes the rules allow.

use testkit::TestApp;

const HEADERS: [&str; 4] = ["content-security-policy", "x-content-type-options", "x-frame-options", "cache-control"];

fn assert_hardened(r: &reqwest::Response, what: &str) {
    for h in HEADERS {
        assert!(r.headers().contains_key(h), "{what}: {h} is missing");
    }
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    for directive in ["base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{what}: CSP lacks {directive}: {csp}");
    }
    assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{what}");
}

#[tokio::test]
async fn responses_answered_early_carry_the_security_headers_too() {
    let t = TestApp::spawn().await;
    let c = t.client();
    let url = |p: &str| format!("{}{p}", c.base);

    let page = c.http.get(url("/")).send().await.unwrap();
    assert_hardened(&page, "a page");

    // A form without its token: the guard's 403.
    let forged = c.http.post(url("/log-ind")).form(&[("brugernavn", "x")]).send().await.unwrap();
    assert_eq!(forged.status(), 403);
    assert_hardened(&forged, "CSRF 403");

    // The API without a token: 401 for a read, 403 for a change.
    let anonymous = c.http.get(url("/api/v1/pakker")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_hardened(&anonymous, "API 401");
    let change = c.http.post(url("/api/v1/pakker/1/indsend")).send().await.unwrap();
    assert_eq!(change.status(), 403);
    assert_hardened(&change, "API 403");

    // A form body over the limit: 413.
    let big = "x".repeat(2 << 20);
    let too_large = c.http.post(url("/log-ind")).form(&[("brugernavn", big.as_str())]).send().await.unwrap();
    assert_eq!(too_large.status(), 413);
    assert_hardened(&too_large, "413");

    // A 404.
    let missing = c.http.get(url("/findes-ikke")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_hardened(&missing, "404");
}

#[tokio::test]
async fn an_uploads_csrf_token_is_the_forms_first_field_never_in_the_url() {
    let t = TestApp::spawn().await;
    let c = t.client();
    c.login("boligorg").await;
    let id = t.package_of("boligorg").await;
    let page = c.get(&format!("/pakker/{id}/bilag")).await;
    assert!(!page.body.contains("?_csrf="), "no form puts the token in its URL");
    let token = page.csrf();
    let action = format!("/pakker/{id}/bilag");

    // The token in the form: accepted.
    let ok = c.upload(&action, &token, &[("art", "regnskab")], ("r.pdf", testkit::MINIMAL_PDF.to_vec())).await;
    assert_eq!(ok.status, 303, "{}", ok.body);

    // The token in the URL only (as before): refused.
    let in_url = c
        .http
        .post(format!("{}{action}?_csrf={token}", c.base))
        .multipart(
            reqwest::multipart::Form::new()
                .text("art", "regnskab")
                .part("fil", reqwest::multipart::Part::bytes(testkit::MINIMAL_PDF.to_vec()).file_name("r.pdf")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(in_url.status(), 403);

    // A wrong token, or the right one after the file: refused, and nothing is stored.
    let wrong = c.upload(&action, "forkert", &[("art", "regnskab")], ("r.pdf", testkit::MINIMAL_PDF.to_vec())).await;
    assert_eq!(wrong.status, 403);
    let late = c
        .http
        .post(format!("{}{action}", c.base))
        .multipart(
            reqwest::multipart::Form::new()
                .text("art", "regnskab")
                .part("fil", reqwest::multipart::Part::bytes(testkit::MINIMAL_PDF.to_vec()).file_name("r.pdf"))
                .text("_csrf", token.clone()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 403);
    let stored = t.app.store().bilag(store::PakkeId(id)).await.unwrap();
    assert_eq!(stored.len(), 1, "only the accepted upload is stored");
}

#[tokio::test]
async fn uploads_are_authorised_before_they_are_read() {
    let t = TestApp::spawn().await;
    let kommune = t.client();
    kommune.login("kommune").await;
    let token = kommune.get("/kommune").await.csrf();
    // Not a workbook and of no known kind: a user who may not import learns nothing about
    // the file, only that the page is not theirs.
    for action in ["/styrelse/import", "/styrelse/skabeloner"] {
        let refused =
            kommune.upload(action, &token, &[("art", "ukendt")], ("x.xlsx", b"PK\x03\x04junk".to_vec())).await;
        assert_eq!(refused.status, 404, "{action}: {}", refused.body);
        assert!(!refused.body.contains("x.xlsx"), "{action}: the file was read");
    }
    // Another organisation's package: refused before the file is looked at.
    let id = t.package_of("boligorg").await;
    let anden = t.client();
    anden.login("andenorg").await;
    let token = anden.get("/organisation").await.csrf();
    let refused =
        anden.upload(&format!("/pakker/{id}/bilag"), &token, &[("art", "ukendt")], ("x.pdf", b"nope".to_vec())).await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert!(!refused.body.contains("x.pdf"));
}

#[tokio::test]
async fn by_default_cookies_are_secure_and_browsers_are_told_to_keep_to_https() {
    let t = TestApp::spawn().await;
    // The same application with the default settings (served behind HTTPS).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = web::router(t.app.clone(), web::WebSettings::default());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = http.get(format!("{base}/log-ind")).send().await.unwrap();
    assert_eq!(form.headers()["strict-transport-security"], "max-age=31536000");
    let anon = form.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(anon.contains("; Secure"), "{anon}");
    // The plain-HTTP test server sends neither.
    let plain = t.client().http.get(format!("{}/log-ind", t.base)).send().await.unwrap();
    assert!(!plain.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_limit_however_often_it_is_extended() {
    let t = TestApp::spawn().await;
    let start = t.app.now();
    let klokke = std::sync::Arc::new(std::sync::Mutex::new(start));
    let app = {
        let klokke = klokke.clone();
        t.app.clone().with_clock(move || *klokke.lock().unwrap())
    };
    let (token, user) = match app.login("boligorg", demo::DEMO_PASSWORD).await.unwrap() {
        app::LoginOutcome::Success { token, user } => (token, user),
        _ => panic!("login"),
    };
    let max = app.settings().session_max;
    let at = |hours: i64| start + chrono::Duration::hours(hours);
    // Extended after 7 hours: the idle period would reach 15 hours, the limit stops it at 12.
    *klokke.lock().unwrap() = at(7);
    let expiry = app.extend_session(&token, &user).await.unwrap();
    assert_eq!(expiry, start + chrono::Duration::from_std(max).unwrap());
    *klokke.lock().unwrap() = at(11);
    assert!(app.authenticate(&token).await.unwrap().is_some());
    *klokke.lock().unwrap() = at(12) + chrono::Duration::seconds(1);
    assert!(app.authenticate(&token).await.unwrap().is_none(), "past the absolute limit");
}

#[tokio::test]
async fn a_user_sees_their_sessions_and_ends_another_one() {
    let t = TestApp::spawn().await;
    let (a, b) = (t.client(), t.client());
    a.login("boligorg").await;
    b.login("boligorg").await;
    let page = a.get("/konto/sessioner").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Denne browser"));
    let andre = page.links("/konto/sessioner/");
    let forms: Vec<&str> =
        page.body.match_indices("action=\"/konto/sessioner/").map(|(i, _)| &page.body[i + 8..]).collect();
    assert!(andre.is_empty() && forms.len() == 1, "one other session, as a form: {forms:?}");
    let action = forms[0][..forms[0].find('"').unwrap()].to_string();
    // Another user cannot end it.
    let c = t.client();
    c.login("andenorg").await;
    let fremmed = c.post("/konto/sessioner", &action, &[]).await;
    assert_eq!(fremmed.status, 404);
    assert_eq!(b.get("/organisation").await.status, 200, "still signed in");
    // Its owner can: the other browser must log in again, this one stays.
    let ended = a.post("/konto/sessioner", &action, &[]).await;
    assert_eq!(ended.status, 303, "{}", ended.body);
    assert!(b.get("/organisation").await.location.unwrap_or_default().starts_with("/log-ind"));
    assert_eq!(a.get("/organisation").await.status, 200);
    let audit = t.app.store().audit_events(20).await.unwrap();
    assert!(audit.iter().any(|e| e.event.action == "session_afsluttet"));
}

#[tokio::test]
async fn failed_logins_slow_the_guesser_down_not_the_owner() {
    let t = TestApp::spawn().await;
    // Over HTTP from one address: ten wrong passwords, then even the right one waits.
    let c = t.client();
    for _ in 0..10 {
        let wrong = c.post("/log-ind", "/log-ind", &[("brugernavn", "boligorg"), ("kodeord", "forkert")]).await;
        assert_eq!(wrong.status, 401);
        assert!(wrong.body.contains("Brugernavn eller kodeord er forkert"));
    }
    let paused = c.post("/log-ind", "/log-ind", &[("brugernavn", "boligorg"), ("kodeord", demo::DEMO_PASSWORD)]).await;
    assert_eq!(paused.status, 401);
    assert!(paused.body.contains("For mange mislykkede forsøg") && paused.body.contains("Vent"), "{}", paused.body);
    // Another account from the same address is not held up.
    t.client().login("kommune").await;

    // Through the use case, with a clock: a guesser at another address fails 25 times on
    // the kommune's account. Its owner elsewhere waits seconds, never a lockout, and a second
    // instance over the same database sees the same counts.
    let start = t.app.now();
    let klokke = std::sync::Arc::new(std::sync::Mutex::new(start));
    let instance = |app: app::App| {
        let klokke = klokke.clone();
        app.with_clock(move || *klokke.lock().unwrap())
    };
    let one = instance(t.app.clone());
    let two = instance(app::App::new(t.app.store().clone(), app::AppSettings::default()));
    let guesser = Some("203.0.113.7".parse().unwrap());
    let owner = Some("198.51.100.20".parse().unwrap());
    let (mut failures, mut paused_guesser) = (0, 0);
    while failures < 25 {
        match one.login_fra("kommune", "gæt", guesser).await.unwrap() {
            app::LoginOutcome::Failed => failures += 1,
            // The guesser waits out each pause, and it grows.
            app::LoginOutcome::Pause { til } => {
                paused_guesser += 1;
                *klokke.lock().unwrap() = til;
            }
            app::LoginOutcome::Success { .. } | app::LoginOutcome::KunNationalLogin => panic!("a guess succeeded"),
        }
    }
    assert!(paused_guesser > 0, "the guesser was slowed down");
    match two.login_fra("kommune", demo::DEMO_PASSWORD, owner).await.unwrap() {
        app::LoginOutcome::Pause { til } => {
            let now = *klokke.lock().unwrap();
            assert!(til - now <= chrono::Duration::seconds(60), "a pause of seconds, not a lockout: {}", til - now);
            *klokke.lock().unwrap() = til + chrono::Duration::seconds(1);
        }
        app::LoginOutcome::Success { .. } => {}
        app::LoginOutcome::Failed | app::LoginOutcome::KunNationalLogin => panic!("the owner's password is right"),
    }
    assert!(matches!(
        two.login_fra("kommune", demo::DEMO_PASSWORD, owner).await.unwrap(),
        app::LoginOutcome::Success { .. }
    ));
}

/// `/healthz` says the process lives; `/readyz` that the database answers with this release's
/// schema. Every response carries its request id, and keeps one a proxy gave it.
#[tokio::test]
async fn readiness_and_request_ids() {
    let t = TestApp::spawn().await;
    let c = t.client();
    let ready = c.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert!(ready.body.starts_with("klar (skema "), "{}", ready.body);
    let r = c.http.get(format!("{}/healthz", t.base)).send().await.unwrap();
    let id = r.headers().get("x-request-id").expect("a request id").to_str().unwrap().to_string();
    assert!(id.len() >= 32, "{id}");
    let given = c.http.get(format!("{}/healthz", t.base)).header("x-request-id", "proxy-42").send().await.unwrap();
    assert_eq!(given.headers()["x-request-id"], "proxy-42");
}

/// `/metrics` answers only with the configured token, in the Prometheus text format: requests
/// by route template (never an id) and status, the latency histogram, refused logins, the
/// pools and the outbox.
#[tokio::test]
async fn metrics_behind_their_token() {
    let t = TestApp::spawn().await;
    let c = t.client();
    assert_eq!(c.get("/metrics").await.status, 404, "not public");
    let wrong = c.http.get(format!("{}/metrics", t.base)).bearer_auth("gaet").send().await.unwrap();
    assert_eq!(wrong.status(), 404);

    let pakke = t.package_of("boligorg").await;
    let org = t.client();
    org.login("boligorg").await;
    assert_eq!(org.get(&format!("/pakker/{pakke}")).await.status, 200);
    let failed = t.client();
    let refused = failed.post("/log-ind", "/log-ind", &[("brugernavn", "boligorg"), ("kodeord", "forkert")]).await;
    assert_ne!(refused.status, 303);

    let scrape = c.http.get(format!("{}/metrics", t.base)).bearer_auth(testkit::METRICS_TOKEN).send().await.unwrap();
    assert_eq!(scrape.status(), 200);
    assert!(scrape.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = scrape.text().await.unwrap();
    // The recorder is shared by every test server of this process, so only presence is
    // asserted, never a count.
    let line = |prefix: &str| text.lines().find(|l| l.starts_with(prefix)).map(str::to_string);
    assert!(
        line("styringsdialog_http_requests_total{method=\"GET\",route=\"/pakker/{id}\",status=\"200\"}").is_some(),
        "{text}"
    );
    assert!(!text.contains(&format!("/pakker/{pakke}\"")), "ids never become series");
    assert!(
        line("styringsdialog_http_request_duration_seconds_bucket{method=\"GET\",route=\"/pakker/{id}\",le=\"0.1\"}")
            .is_some()
    );
    assert!(line("styringsdialog_login_failures_total{grund=\"adgangskode\"}").is_some(), "{text}");
    assert!(line("styringsdialog_db_pool_connections{pool=").is_some(), "{text}");
    assert!(line("styringsdialog_outbox_waiting ").is_some(), "{text}");
    assert!(line("styringsdialog_db_write_wait_seconds_count").is_some(), "{text}");
}
