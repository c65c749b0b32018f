//! National login against a real OpenID Connect provider: `oidc-provider-mock` (PyPI), run
//! as a local process with MitID-Erhverv-like claims (`.ci/run` installs it). Each test sets a
//! person's claims at the provider (`PUT /users/{sub}`), then logs in as a browser does:
//! our start page, the provider's consent form, back to our callback.

use domain::Cvr;
use domain::access::Role;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use testkit::{Client, Page, TestApp};

/// The right our configuration asks of each role (the defaults).
const RET_ORG: &str = "styringsdialog_boligorganisation";
const RET_KOMMUNE: &str = "styringsdialog_kommune";
const RET_STYRELSE: &str = "styringsdialog_styrelse";

/// The agency's CVR number in these tests.
fn styrelse_cvr() -> Cvr {
    Cvr::i_serie(5_000_000, 1)
}

/// An oidc-provider-mock process on a free port, stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    async fn start() -> Provider {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(testkit::test_python())
            .args(["-W", "ignore", "-m", "oidc_provider_mock", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with oidc-provider-mock is needed: pip install oidc-provider-mock");
        let issuer = format!("http://127.0.0.1:{port}");
        let provider = Provider { child, issuer };
        let http = reqwest::Client::new();
        for _ in 0..150 {
            let url = format!("{}/.well-known/openid-configuration", provider.issuer);
            if http.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return provider;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("oidc-provider-mock did not start on port {port}: is it installed (pip install oidc-provider-mock)?");
    }

    /// Sets a person's claims at the provider, as their organisation's administrator would.
    async fn set_person(&self, sub: &str, claims: Value) {
        let r = reqwest::Client::new()
            .put(format!("{}/users/{sub}", self.issuer))
            .json(&claims)
            .send()
            .await
            .expect("PUT /users");
        assert!(r.status().is_success(), "the provider took the claims: {}", r.status());
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// MitID-Erhverv-like claims of a person of `cvr` with `rights`.
fn person(sub: &str, cvr: Cvr, rights: &[&str]) -> Value {
    json!({
        "name": format!("Person {sub}"),
        "email": format!("{sub}@example.org"),
        "nemlogin.cvr": cvr.to_string(),
        "nemlogin.persistent_professional_id": format!("ppid-{sub}"),
        "nemlogin.org_name": "Organisationen A/S",
        "nemlogin.rights": rights.join(" "),
    })
}

fn settings(issuer: &str, base: &str) -> app::AppSettings {
    app::AppSettings {
        oidc: Some(app::OidcSettings {
            issuer: issuer.to_string(),
            client_id: "styringsdialog".into(),
            client_secret: "hemmelig".into(),
            redirect_url: format!("{base}/log-ind/mitid/retur"),
            post_logout_redirect_url: format!("{base}/log-ind?besked=logget_ud"),
            styrelse_cvr: vec![styrelse_cvr()],
            ..app::OidcSettings::default()
        }),
        ..app::AppSettings::default()
    }
}

async fn spawn(provider: &Provider) -> TestApp {
    let issuer = provider.issuer.clone();
    TestApp::spawn_custom(testkit::small_demo(), move |base| settings(&issuer, base), |a| a).await
}

/// The path and query of an absolute URL on our server.
fn local(url: &str) -> String {
    let u = url::Url::parse(url).expect("an absolute URL");
    format!("{}?{}", u.path(), u.query().unwrap_or_default())
}

/// Begins a login in `browser` and consents at the provider as `sub`; returns the callback
/// URL the provider sends the browser back to (not yet followed).
async fn at_provider(browser: &Client, sub: &str) -> String {
    let start = browser.get("/log-ind/mitid").await;
    assert_eq!(start.status, 303, "the login begins at the provider: {}", start.body);
    let authorize = start.location.expect("to the provider");
    assert!(authorize.contains("code_challenge=") && authorize.contains("nonce=") && authorize.contains("state="));
    let consent = browser.http.post(&authorize).form(&[("sub", sub)]).send().await.expect("consent");
    assert!(consent.status().is_redirection(), "the provider sends the browser back: {}", consent.status());
    consent.headers().get("location").expect("back to us").to_str().unwrap().to_string()
}

/// A whole login as `sub`: the page the callback answers with.
async fn login(browser: &Client, sub: &str) -> Page {
    let back = at_provider(browser, sub).await;
    browser.get(&local(&back)).await
}

async fn audit_actions(t: &TestApp) -> Vec<String> {
    t.app.store().audit_events(500).await.unwrap().into_iter().map(|a| a.event.action).collect()
}

/// The CVR numbers of the demo users' organisation and kommune.
async fn demo_cvr(t: &TestApp) -> (Cvr, Cvr) {
    let store = t.app.store();
    let org_user = store.user_by_username("boligorg").await.unwrap().unwrap();
    let org = store.organisation(org_user.organisationer[0]).await.unwrap().unwrap();
    let kommune_user = store.user_by_username("kommune").await.unwrap().unwrap();
    let kommune = store.kommuner().await.unwrap().into_iter().find(|k| Some(k.kode) == kommune_user.kommune).unwrap();
    (org.cvr.expect("the demo gives organisations CVR numbers"), kommune.cvr.expect("and kommuner"))
}

#[tokio::test]
async fn a_login_lands_on_the_right_pages_with_the_right_scope() {
    let provider = Provider::start().await;
    let t = spawn(&provider).await;
    let (org_cvr, kommune_cvr) = demo_cvr(&t).await;
    provider.set_person("anne", person("anne", org_cvr, &[RET_ORG, "andet_system"])).await;
    provider.set_person("karl", person("karl", kommune_cvr, &[RET_KOMMUNE])).await;
    provider.set_person("sofie", person("sofie", styrelse_cvr(), &[RET_STYRELSE])).await;

    let login_page = t.client().get("/log-ind").await;
    assert!(login_page.body.contains("Log ind med MitID Erhverv"), "the login page offers national login");

    let anne = t.client();
    let landed = login(&anne, "anne").await;
    assert_eq!((landed.status, landed.location.as_deref()), (303, Some("/organisation")));
    let own = anne.get("/organisation").await;
    assert_eq!(own.status, 200);
    assert!(own.body.contains("Person anne"), "signed in under the provider's name");
    // Her organisation's package is hers; the other demo organisation's is not.
    let own_package = t.package_of("boligorg").await;
    assert_eq!(anne.get(&format!("/pakker/{own_package}")).await.status, 200);
    let other = t.package_of("andenorg").await;
    assert_eq!(anne.get(&format!("/pakker/{other}")).await.status, 404, "another's package is not even there");
    assert!(matches!(anne.get("/kommune").await.status, 403 | 404), "not a kommune's page");

    let karl = t.client();
    assert_eq!(login(&karl, "karl").await.location.as_deref(), Some("/kommune"));
    assert_eq!(karl.get("/kommune").await.status, 200);
    assert!(matches!(karl.get("/styrelse").await.status, 403 | 404), "not the agency's page");

    let sofie = t.client();
    assert_eq!(login(&sofie, "sofie").await.location.as_deref(), Some("/styrelse"));
    assert_eq!(sofie.get("/styrelse/brugere?kilde=national").await.status, 200);

    // A second login is the same account, not a new one.
    assert_eq!(login(&t.client(), "anne").await.location.as_deref(), Some("/organisation"));
    let anne_account = t.app.store().user_by_ekstern_id(&format!("{}|ppid-anne", provider.issuer)).await.unwrap();
    let anne_account = anne_account.expect("provisioned");
    assert_eq!((anne_account.role, anne_account.cvr), (Role::Organisation, Some(org_cvr)));
    let actions = audit_actions(&t).await;
    assert_eq!(actions.iter().filter(|a| *a == "bruger_provisioneret").count(), 3, "{actions:?}");
    assert!(actions.iter().filter(|a| *a == "login").count() >= 4);

    // A provisioned account has no password here.
    let local =
        t.client().post("/log-ind", "/log-ind", &[("brugernavn", &anne_account.username), ("kodeord", "et-gæt")]).await;
    assert_eq!(local.status, 401);
}

#[tokio::test]
async fn every_failure_gets_a_clear_danish_answer() {
    let provider = Provider::start().await;
    let t = spawn(&provider).await;
    let (org_cvr, _) = demo_cvr(&t).await;
    provider.set_person("anne", person("anne", org_cvr, &[RET_ORG])).await;
    provider.set_person("ukendt", person("ukendt", Cvr::i_serie(6_000_000, 7), &[RET_ORG])).await;
    provider.set_person("uden", person("uden", org_cvr, &["noget_andet"])).await;
    provider.set_person("intet-cvr", json!({"name": "Uden CVR", "nemlogin.rights": RET_ORG})).await;

    // A wrong state: the answer is not of a login begun here.
    let browser = t.client();
    let back = at_provider(&browser, "anne").await;
    let mut url = url::Url::parse(&back).unwrap();
    let code = url.query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
    url.set_query(Some(&format!("code={code}&state=forkert")));
    let wrong = browser.get(&local(url.as_str())).await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("hørte ikke til et login, der blev startet i denne browser"), "{}", wrong.body);

    // The right answer in another browser (no cookie of the login): refused too.
    let back = at_provider(&browser, "anne").await;
    let elsewhere = t.client().get(&local(&back)).await;
    assert_eq!(elsewhere.status, 400);
    // ... and that used the attempt up: the browser that began it cannot finish it either.
    assert_eq!(browser.get(&local(&back)).await.status, 400);

    // A replayed code: the callback used twice is refused, and so is the old code with a
    // fresh, valid state (the provider refuses it).
    let back = at_provider(&browser, "anne").await;
    assert_eq!(browser.get(&local(&back)).await.status, 303);
    let replay = browser.get(&local(&back)).await;
    assert_eq!(replay.status, 400);
    let old_code = url::Url::parse(&back).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
    let fresh = t.client();
    let fresh_back = at_provider(&fresh, "anne").await;
    let fresh_state =
        url::Url::parse(&fresh_back).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let with_old_code = fresh.get(&format!("/log-ind/mitid/retur?code={old_code}&state={fresh_state}")).await;
    assert_eq!(with_old_code.status, 400);
    assert!(with_old_code.body.contains("afviste login-koden"), "{}", with_old_code.body);

    // An unknown CVR: who the person is, which CVR, and what to do.
    let unknown = login(&t.client(), "ukendt").await;
    assert_eq!(unknown.status, 403);
    assert!(unknown.body.contains("Din organisation er ikke kendt i styringsdialogen"), "{}", unknown.body);
    assert!(unknown.body.contains(&Cvr::i_serie(6_000_000, 7).to_string()) && unknown.body.contains("Person ukendt"));

    // A known CVR without the right: which organisation, which right, and who grants it.
    let no_right = login(&t.client(), "uden").await;
    assert_eq!(no_right.status, 403);
    assert!(no_right.body.contains("Du mangler rettigheden til styringsdialogen"));
    assert!(no_right.body.contains(RET_ORG) && no_right.body.contains("administrator"), "{}", no_right.body);
    let org = t.app.store().organisationer_med_cvr(org_cvr).await.unwrap().remove(0);
    assert!(no_right.body.contains(&org.navn), "names the organisation the login came from");

    // A login without a CVR number.
    let no_cvr = login(&t.client(), "intet-cvr").await;
    assert_eq!(no_cvr.status, 403);
    assert!(no_cvr.body.contains("nemlogin.cvr"), "{}", no_cvr.body);

    // The person cancels at the provider.
    let cancel = t.client();
    let start = cancel.get("/log-ind/mitid").await.location.unwrap();
    let denied = cancel.http.post(&start).form(&[("action", "deny")]).send().await.unwrap();
    let back = denied.headers().get("location").unwrap().to_str().unwrap().to_string();
    let cancelled = cancel.get(&local(&back)).await;
    assert_eq!(cancelled.status, 401);
    assert!(cancelled.body.contains("Du afbrød eller afviste login"), "{}", cancelled.body);
    // The error text of a link is never shown; only the standard codes are.
    let forged = t.client().get("/log-ind/mitid/retur?error=Ring+til+support+p%C3%A5+90909090").await;
    assert_eq!(forged.status, 401);
    assert!(!forged.body.contains("90909090") && forged.body.contains("«ukendt»"), "{}", forged.body);

    // None of them signed anybody in.
    for page in [&wrong, &unknown, &no_right, &cancelled] {
        assert!(page.cookies.iter().all(|c| !c.starts_with("sd_session=") || c == "sd_session="), "{:?}", page.cookies);
    }
    let actions = audit_actions(&t).await;
    assert!(actions.iter().filter(|a| *a == "login_afvist").count() >= 3, "refusals are audited: {actions:?}");
}

#[tokio::test]
async fn withdrawn_rights_end_the_sessions_and_keys_at_the_next_login() {
    let provider = Provider::start().await;
    let t = spawn(&provider).await;
    let (org_cvr, _) = demo_cvr(&t).await;
    provider.set_person("anne", person("anne", org_cvr, &[RET_ORG])).await;
    let office = t.client();
    assert_eq!(login(&office, "anne").await.location.as_deref(), Some("/organisation"));
    let made = office.post("/konto/api-noegler", "/konto/api-noegler", &[("navn", "fagsystem")]).await;
    let key = made.body.split("id=\"ny-noegle\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert_eq!(office.get_bearer("/api/v1/pakker", &key).await.status, 200);

    // Her organisation's administrator withdraws the right; she logs in again elsewhere.
    provider.set_person("anne", person("anne", org_cvr, &[])).await;
    let refused = login(&t.client(), "anne").await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("Du mangler rettigheden"));
    let gone = office.get("/organisation").await;
    assert_eq!(gone.status, 303, "the office browser's session ended");
    assert!(gone.location.unwrap().starts_with("/log-ind"));
    assert_eq!(office.get_bearer("/api/v1/pakker", &key).await.status, 401, "and her API key");
    assert!(audit_actions(&t).await.contains(&"adgang_frataget".to_string()));

    // Granted again, she is back in with the same account.
    provider.set_person("anne", person("anne", org_cvr, &[RET_ORG])).await;
    let back = t.client();
    assert_eq!(login(&back, "anne").await.location.as_deref(), Some("/organisation"));

    // She moves to the kommune (same person id at the broker): what she was signed in with
    // for the organisation ends before the account acts for the kommune.
    let (_, kommune_cvr) = demo_cvr(&t).await;
    provider.set_person("anne", person("anne", kommune_cvr, &[RET_KOMMUNE])).await;
    let kommune = t.client();
    assert_eq!(login(&kommune, "anne").await.location.as_deref(), Some("/kommune"));
    assert_eq!(back.get("/organisation").await.status, 303, "the organisation session ended");
    assert_eq!(kommune.get("/kommune").await.status, 200);
    provider.set_person("anne", person("anne", org_cvr, &[RET_ORG])).await;
    assert_eq!(login(&t.client(), "anne").await.location.as_deref(), Some("/organisation"));

    // Disabled by the agency: refused with its own page.
    let account = t.app.store().user_by_ekstern_id(&format!("{}|ppid-anne", provider.issuer)).await.unwrap().unwrap();
    t.app.set_user_disabled(None, &account.username, true).await.unwrap();
    let disabled = login(&t.client(), "anne").await;
    assert_eq!(disabled.status, 403);
    assert!(disabled.body.contains("Din konto er spærret"));
}

#[tokio::test]
async fn the_level_of_assurance_and_the_persons_id_are_required() {
    let provider = Provider::start().await;
    let issuer = provider.issuer.clone();
    let substantial = "https://data.gov.dk/concept/core/nsis/loa/Substantial";
    let t = TestApp::spawn_custom(
        testkit::small_demo(),
        move |base| {
            let mut s = settings(&issuer, base);
            s.oidc.as_mut().unwrap().acr_values = vec![substantial.to_string()];
            s
        },
        |a| a,
    )
    .await;
    let (org_cvr, _) = demo_cvr(&t).await;
    let with_acr = |sub: &str, acr: &str| {
        let mut p = person(sub, org_cvr, &[RET_ORG]);
        p["acr"] = json!(acr);
        p
    };
    provider.set_person("betydelig", with_acr("betydelig", substantial)).await;
    provider.set_person("lav", with_acr("lav", "https://data.gov.dk/concept/core/nsis/loa/Low")).await;
    let mut uden_id = with_acr("uden-id", substantial);
    uden_id.as_object_mut().unwrap().remove("nemlogin.persistent_professional_id");
    provider.set_person("uden-id", uden_id).await;

    let browser = t.client();
    let start = browser.get("/log-ind/mitid").await.location.unwrap();
    assert!(start.contains("acr_values="), "the level is asked for: {start}");
    assert_eq!(login(&t.client(), "betydelig").await.location.as_deref(), Some("/organisation"));
    let low = login(&t.client(), "lav").await;
    assert_eq!(low.status, 401, "a lower level of assurance is refused: {}", low.body);
    assert!(low.body.contains("sikringsniveau"));
    assert!(!low.body.contains("Low"), "the details stay in the log, not on the page");
    // Without the persistent id there is no account to map to (no fallback to `sub`).
    let no_id = login(&t.client(), "uden-id").await;
    assert_eq!(no_id.status, 403);
    assert!(no_id.body.contains("nemlogin.persistent_professional_id"), "{}", no_id.body);
}

#[tokio::test]
async fn logout_ends_the_session_here_and_at_the_provider() {
    let provider = Provider::start().await;
    let t = spawn(&provider).await;
    let (org_cvr, _) = demo_cvr(&t).await;
    provider.set_person("anne", person("anne", org_cvr, &[RET_ORG])).await;
    let browser = t.client();
    login(&browser, "anne").await;
    let out = browser.post("/organisation", "/log-ud", &[]).await;
    assert_eq!(out.status, 303);
    let target = out.location.unwrap();
    assert!(target.starts_with(&format!("{}/oauth2/end_session?", provider.issuer)), "{target}");
    assert!(target.contains("id_token_hint=") && target.contains("post_logout_redirect_uri="), "{target}");
    assert_eq!(browser.get("/organisation").await.status, 303, "our session is over");
    // The provider's logout page answers and offers the way back.
    let there = browser.http.get(&target).send().await.unwrap();
    assert!(there.status().is_success());
    // The policy lets the logout form redirect to the provider.
    let csp = t.client().http.get(format!("{}/log-ind", t.base)).send().await.unwrap();
    let csp = csp.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains(&format!("form-action 'self' {}", provider.issuer)), "{csp}");
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let provider = Provider::start().await;
    let issuer = provider.issuer.clone();
    let klokke = Arc::new(Mutex::new(None::<chrono::DateTime<chrono::Utc>>));
    let t = {
        let klokke = klokke.clone();
        TestApp::spawn_custom(
            testkit::small_demo(),
            move |base| {
                let mut s = settings(&issuer, base);
                // The attempt outlives the token, so the token's own expiry is what is tested.
                s.oidc.as_mut().unwrap().forsoeg_minutter = 24 * 60;
                s
            },
            move |a| a.with_clock(move || klokke.lock().unwrap().unwrap_or_else(chrono::Utc::now)),
        )
        .await
    };
    let (org_cvr, _) = demo_cvr(&t).await;
    provider.set_person("anne", person("anne", org_cvr, &[RET_ORG])).await;
    let browser = t.client();
    let back = at_provider(&browser, "anne").await;
    // The provider's tokens last an hour; two hours later ours is too old.
    *klokke.lock().unwrap() = Some(chrono::Utc::now() + chrono::Duration::hours(2));
    let late = browser.get(&local(&back)).await;
    assert_eq!(late.status, 401, "{}", late.body);
    assert!(late.body.contains("Login kunne ikke godkendes"), "{}", late.body);
    assert_eq!(browser.get("/organisation").await.status, 303, "not signed in");
}

/// A provider whose tokens are tampered with on the way: the same provider behind a proxy
/// that, in the token response, changes the ID token's CVR claim to the agency's and keeps
/// the signature (a forged token). Every other request passes unchanged, with the proxy's
/// host, so the provider names the proxy as its issuer.
/// What the proxy changes on the way.
#[derive(Clone, Copy, PartialEq)]
enum Tamper {
    /// The ID token's CVR claim, keeping the signature (a forged token).
    Token,
    /// The discovery document's logout endpoint, moved to another origin (same server,
    /// reached as `localhost` instead of `127.0.0.1`).
    LogoutElsewhere,
}

async fn tampering_proxy(provider: &Provider, tamper: Tamper) -> String {
    let target = provider.issuer.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let host = base.trim_start_matches("http://").to_string();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let proxy = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let (target, host, http) = (target.clone(), host.clone(), http.clone());
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
            let mut forward = http.request(parts.method.clone(), format!("{target}{path}")).body(body.to_vec());
            for (name, value) in &parts.headers {
                if name != "host" {
                    forward = forward.header(name, value);
                }
            }
            let answer = forward.header("host", &host).send().await.unwrap();
            let status = answer.status();
            let headers = answer.headers().clone();
            let mut bytes = answer.bytes().await.unwrap().to_vec();
            if tamper == Tamper::LogoutElsewhere && path.starts_with("/.well-known/openid-configuration") {
                let mut doc: Value = serde_json::from_slice(&bytes).unwrap();
                let moved = doc["end_session_endpoint"].as_str().unwrap().replace("127.0.0.1", "localhost");
                doc["end_session_endpoint"] = json!(moved);
                bytes = serde_json::to_vec(&doc).unwrap();
            }
            if tamper == Tamper::Token && path.starts_with("/oauth2/token") && status.is_success() {
                let mut token: Value = serde_json::from_slice(&bytes).unwrap();
                let id_token = token["id_token"].as_str().unwrap().to_string();
                let parts: Vec<&str> = id_token.split('.').collect();
                use base64::Engine;
                let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
                let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
                claims["nemlogin.cvr"] = json!(styrelse_cvr().to_string());
                let forged = engine.encode(serde_json::to_vec(&claims).unwrap());
                token["id_token"] = json!(format!("{}.{forged}.{}", parts[0], parts[2]));
                bytes = serde_json::to_vec(&token).unwrap();
            }
            let mut response = axum::response::Response::builder().status(status.as_u16());
            for (name, value) in &headers {
                if name != "content-length" && name != "transfer-encoding" {
                    response = response.header(name.as_str(), value.as_bytes());
                }
            }
            response.body(axum::body::Body::from(bytes)).unwrap()
        }
    });
    tokio::spawn(async move { axum::serve(listener, proxy).await.unwrap() });
    base
}

#[tokio::test]
async fn a_wrongly_signed_id_token_is_refused() {
    let provider = Provider::start().await;
    let issuer = tampering_proxy(&provider, Tamper::Token).await;
    let t = TestApp::spawn_custom(testkit::small_demo(), move |base| settings(&issuer, base), |a| a).await;
    let (org_cvr, _) = demo_cvr(&t).await;
    provider.set_person("mallory", person("mallory", org_cvr, &[RET_ORG, RET_STYRELSE])).await;
    let browser = t.client();
    let forged = login(&browser, "mallory").await;
    assert_eq!(forged.status, 401, "{}", forged.body);
    assert!(forged.body.contains("Login kunne ikke godkendes"), "{}", forged.body);
    assert_eq!(browser.get("/styrelse").await.status, 303, "not signed in, least of all as the agency");
    assert!(audit_actions(&t).await.contains(&"login_afvist".to_string()));
}

#[tokio::test]
async fn local_accounts_can_be_the_agencys_break_glass_only() {
    let provider = Provider::start().await;
    let issuer = provider.issuer.clone();
    let t = TestApp::spawn_custom(
        testkit::small_demo(),
        move |base| app::AppSettings { lokale_konti: app::LokaleKonti::KunStyrelsen, ..settings(&issuer, base) },
        |a| a,
    )
    .await;
    let refused =
        t.client().post("/log-ind", "/log-ind", &[("brugernavn", "boligorg"), ("kodeord", demo::DEMO_PASSWORD)]).await;
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("Lokale konti er slået fra") && refused.body.contains("MitID Erhverv"));
    let login_page = t.client().get("/log-ind").await;
    assert!(login_page.body.contains("kun af styrelsen som nødadgang"));
    // The agency still gets in with its local account.
    let agency = t.client();
    assert_eq!(agency.login("styrelse").await.status, 303);
    assert_eq!(agency.get("/styrelse").await.status, 200);
    // ... and cannot make local accounts for anyone else.
    let made = agency
        .post(
            "/styrelse/brugere",
            "/styrelse/brugere",
            &[
                ("brugernavn", "ny"),
                ("navn", "Ny"),
                ("kodeord", "langt-kodeord-1"),
                ("rolle", "kommune"),
                ("kommune", "101"),
            ],
        )
        .await;
    assert_eq!(made.status, 422);
    assert!(made.body.contains("Lokale konti er slået fra"));
}

#[tokio::test]
async fn logout_at_a_provider_elsewhere_is_a_link_the_policy_allows() {
    let provider = Provider::start().await;
    let issuer = tampering_proxy(&provider, Tamper::LogoutElsewhere).await;
    let t = TestApp::spawn_custom(testkit::small_demo(), move |base| settings(&issuer, base), |a| a).await;
    let (org_cvr, _) = demo_cvr(&t).await;
    provider.set_person("anne", person("anne", org_cvr, &[RET_ORG])).await;
    let browser = t.client();
    login(&browser, "anne").await;
    let out = browser.post("/organisation", "/log-ud", &[]).await;
    // Not a redirect the form-action policy would block, but a page with the link.
    assert_eq!(out.status, 200, "{}", out.body);
    assert!(out.body.contains("Du er logget ud af styringsdialogen") && out.body.contains("href=\"http://localhost:"));
    assert_eq!(browser.get("/organisation").await.status, 303, "our session is over");
}
