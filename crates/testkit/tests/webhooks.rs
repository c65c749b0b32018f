//! Webhooks against a real local HTTP receiver, on the engine under test: deliveries are
//! CloudEvents signed by the Standard Webhooks scheme (a tampered body or an old timestamp
//! fails verification), a subscriber only hears of what it may read, a refused delivery is
//! retried after a pause, two senders deliver each event once, a sender that died is taken
//! over, an endpoint that fails for days is deactivated and its owner told, and bad endpoints
//! are refused.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use testkit::{Client, TestApp};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Modtaget {
    sti: String,
    headers: HeaderMap,
    krop: Bytes,
}

/// A receiver on loopback: records every request and answers with the queued statuses (then
/// 200).
#[derive(Clone, Default)]
struct Modtager {
    modtaget: Arc<Mutex<Vec<Modtaget>>>,
    svar: Arc<Mutex<VecDeque<u16>>>,
}

impl Modtager {
    async fn start() -> (Modtager, String) {
        let m = Modtager::default();
        let state = m.clone();
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap, krop: Bytes| {
            let state = state.clone();
            async move {
                state.modtaget.lock().unwrap().push(Modtaget { sti: uri.path().to_string(), headers, krop });
                let kode = state.svar.lock().unwrap().pop_front().unwrap_or(200);
                StatusCode::from_u16(kode).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (m, base)
    }

    fn paa(&self, sti: &str) -> Vec<Modtaget> {
        self.modtaget.lock().unwrap().iter().filter(|r| r.sti == sti).cloned().collect()
    }

    fn svar_med(&self, koder: &[u16]) {
        self.svar.lock().unwrap().extend(koder);
    }
}

/// A server that lets endpoints on loopback receive (development mode).
async fn server() -> TestApp {
    TestApp::spawn_custom(
        testkit::demo_at(0.1),
        |_| app::AppSettings::default(),
        |app| app.med_webhooks(webhook::WebhookSettings { tillad_loopback: true, ..Default::default() }),
    )
    .await
}

fn budbringer(t: &TestApp) -> webhook::Budbringer {
    webhook::Budbringer::new(t.app.store().clone(), t.app.webhook_settings().clone())
}

async fn registrer(c: &Client, token: &str, url: &str, typer: &[&str]) -> (i64, String) {
    let svar = c.api(Method::POST, "/api/v1/webhooks", token, None, Some(json!({"url": url, "typer": typer}))).await;
    assert_eq!(svar.status, 201, "{}", svar.json);
    (svar.json["id"].as_i64().unwrap(), svar.json["hemmelighed"].as_str().unwrap().to_string())
}

/// Verifies a delivery as a receiver does, and returns the CloudEvent.
fn verificeret(r: &Modtaget, hemmelighed: &str) -> Value {
    let h = |n: &str| r.headers.get(n).unwrap_or_else(|| panic!("header {n}")).to_str().unwrap().to_string();
    assert_eq!(h("content-type"), "application/cloudevents+json");
    webhook::verificer(
        hemmelighed,
        &h("webhook-id"),
        &h("webhook-timestamp"),
        &h("webhook-signature"),
        &r.krop,
        Utc::now(),
    )
    .expect("a valid signature");
    let event: Value = serde_json::from_slice(&r.krop).unwrap();
    assert_eq!(event["specversion"], "1.0");
    assert_eq!(event["id"], h("webhook-id"), "the event id is the webhook id");
    event
}

#[tokio::test]
async fn signed_events_reach_only_those_who_may_read_them() {
    let t = server().await;
    let (modtager, base) = Modtager::start().await;
    let id = t.package_of("boligorg").await;
    testkit::foreign_kommune(&t, id).await;
    let c = t.client();
    let kommune = t.client().login_token("kommune").await;
    let fremmed = t.client().login_token("fremmed").await;
    let org = t.client().login_token("boligorg").await;
    let typer = ["dk.styringsdialog.pakke.indsendt", "dk.styringsdialog.pakke.modtaget"];
    let (_, k_hemmelighed) = registrer(&c, &kommune, &format!("{base}/kommune"), &typer).await;
    registrer(&c, &fremmed, &format!("{base}/fremmed"), &typer).await;
    let (_, o_hemmelighed) = registrer(&c, &org, &format!("{base}/org"), &["dk.styringsdialog.pakke.modtaget"]).await;

    testkit::submit_package(&t, "boligorg", id).await;
    let rev = c.api(Method::GET, &format!("/api/v1/pakker/{id}"), &kommune, None, None).await.json["revision"].clone();
    let modtag = c
        .api(Method::POST, &format!("/api/v1/pakker/{id}/modtag"), &kommune, Some("m1"), Some(json!({"revision": rev})))
        .await;
    assert_eq!(modtag.status, 200, "{}", modtag.json);
    let u = budbringer(&t).lever(Utc::now()).await.unwrap();
    assert_eq!((u.leveret, u.fejlet), (3, 0), "{u:?}");

    let til_kommune = modtager.paa("/kommune");
    let typer_modtaget: Vec<Value> =
        til_kommune.iter().map(|r| verificeret(r, &k_hemmelighed)["type"].clone()).collect();
    assert_eq!(typer_modtaget, [json!(typer[0]), json!(typer[1])], "in the order they happened");
    let event = verificeret(&til_kommune[0], &k_hemmelighed);
    assert_eq!(event["data"]["pakke"], id);
    assert_eq!(event["data"]["url"], format!("/api/v1/pakker/{id}"));
    assert!(modtager.paa("/fremmed").is_empty(), "another kommune hears nothing of the package");
    let til_org = modtager.paa("/org");
    assert_eq!(til_org.len(), 1);
    assert_eq!(verificeret(&til_org[0], &o_hemmelighed)["type"], typer[1]);
    // A tampered body or an old timestamp fails verification.
    let r = &til_kommune[0];
    let h = |n: &str| r.headers[n].to_str().unwrap().to_string();
    let mut tampered = r.krop.to_vec();
    tampered[10] ^= 1;
    let (wid, ts, sig) = (h("webhook-id"), h("webhook-timestamp"), h("webhook-signature"));
    assert_eq!(
        webhook::verificer(&k_hemmelighed, &wid, &ts, &sig, &tampered, Utc::now()),
        Err(webhook::Afvist::Signatur)
    );
    assert_eq!(
        webhook::verificer(&k_hemmelighed, &wid, &ts, &sig, &r.krop, Utc::now() + Duration::minutes(10)),
        Err(webhook::Afvist::Tidsstempel)
    );
    // Delivered: nothing is sent twice.
    assert_eq!(budbringer(&t).lever(Utc::now() + Duration::hours(1)).await.unwrap().leveret, 0);
    // The delivery log shows it.
    let (kid, _) = registrer(&c, &kommune, &format!("{base}/ny"), &typer).await;
    let log = c.api(Method::GET, &format!("/api/v1/webhooks/{kid}/leverancer"), &kommune, None, None).await;
    assert_eq!(log.json["i_alt"], 0, "a new endpoint hears only of what happens after it");
    let egne = c.api(Method::GET, "/api/v1/webhooks", &kommune, None, None).await;
    let foerste = egne.json.as_array().unwrap().last().unwrap()["id"].as_i64().unwrap();
    let log = c.api(Method::GET, &format!("/api/v1/webhooks/{foerste}/leverancer"), &kommune, None, None).await;
    assert_eq!(log.json["i_alt"], 2);
    assert_eq!(log.json["data"][0]["sidste_statuskode"], 200);
    // A test event reaches the endpoint, signed like the others.
    let proeve = c.api(Method::POST, &format!("/api/v1/webhooks/{foerste}/test"), &kommune, None, None).await;
    assert_eq!(proeve.status, 200, "{}", proeve.json);
    assert_eq!(budbringer(&t).lever(Utc::now()).await.unwrap().leveret, 1);
    let sidste = modtager.paa("/kommune").pop().unwrap();
    assert_eq!(verificeret(&sidste, &k_hemmelighed)["type"], "dk.styringsdialog.webhook.test");
    // Another user can neither read nor touch the endpoint.
    let fremmed_log = c.api(Method::GET, &format!("/api/v1/webhooks/{foerste}/leverancer"), &fremmed, None, None).await;
    assert_eq!(fremmed_log.status, 404);
    for handling in ["roter", "test", "deaktiver"] {
        let svar = c.api(Method::POST, &format!("/api/v1/webhooks/{foerste}/{handling}"), &fremmed, None, None).await;
        assert_eq!(svar.status, 404, "{handling}");
    }
}

#[tokio::test]
async fn a_refused_delivery_is_retried_and_a_dead_endpoint_is_deactivated() {
    let t = server().await;
    let (modtager, base) = Modtager::start().await;
    let id = t.package_of("boligorg").await;
    let c = t.client();
    let kommune = t.client().login_token("kommune").await;
    let (wid, _) = registrer(
        &c,
        &kommune,
        &format!("{base}/hook"),
        &["dk.styringsdialog.pakke.indsendt", "dk.styringsdialog.pakke.modtaget"],
    )
    .await;
    modtager.svar_med(&[500]);
    testkit::submit_package(&t, "boligorg", id).await;
    let b = budbringer(&t);
    let nu = Utc::now();
    assert_eq!(b.lever(nu).await.unwrap().fejlet, 1);
    let log = c.api(Method::GET, &format!("/api/v1/webhooks/{wid}/leverancer"), &kommune, None, None).await;
    assert_eq!(log.json["data"][0]["sidste_statuskode"], 500);
    assert!(log.json["data"][0]["naeste_forsoeg"].is_string(), "it will be tried again");
    assert_eq!(b.lever(nu).await.unwrap().leveret, 0, "not before the pause");
    assert_eq!(b.lever(nu + Duration::seconds(6)).await.unwrap().leveret, 1);
    let hook = modtager.paa("/hook");
    assert_eq!(hook.len(), 2);
    assert_eq!(hook[0].headers["webhook-id"], hook[1].headers["webhook-id"], "the same event, to de-duplicate on");

    // From now on the receiver fails: after days of failures the endpoint is deactivated and
    // its owner told by mail.
    modtager.svar_med(&[503; 20]);
    let rev = c.api(Method::GET, &format!("/api/v1/pakker/{id}"), &kommune, None, None).await.json["revision"].clone();
    let m = c
        .api(Method::POST, &format!("/api/v1/pakker/{id}/modtag"), &kommune, Some("m"), Some(json!({"revision": rev})))
        .await;
    assert_eq!(m.status, 200);
    let mut tid = Utc::now();
    for _ in 0..7 {
        b.lever(tid).await.unwrap();
        tid += Duration::hours(24);
    }
    let w = c.api(Method::GET, "/api/v1/webhooks", &kommune, None, None).await;
    assert!(w.json[0]["deaktiveret"].is_string(), "{}", w.json);
    assert!(w.json[0]["deaktiveret_grund"].as_str().unwrap().contains("5 dage"));
    let udbakke = t.app.store().udbakke(store::Side::new(1, 50)).await.unwrap();
    assert!(udbakke.raekker.iter().any(|m| m.mail.reference == format!("webhook-deaktiveret/{wid}")));
    let efter = modtager.paa("/hook").len();
    assert_eq!(b.lever(tid + Duration::days(1)).await.unwrap(), webhook::Udbringning::default());
    assert_eq!(modtager.paa("/hook").len(), efter, "a deactivated endpoint gets nothing");
    // Sending again needs an active endpoint.
    let log = c.api(Method::GET, &format!("/api/v1/webhooks/{wid}/leverancer"), &kommune, None, None).await;
    let lid = log.json["data"][0]["id"].as_i64().unwrap();
    let igen =
        c.api(Method::POST, &format!("/api/v1/webhooks/{wid}/leverancer/{lid}/send-igen"), &kommune, None, None).await;
    assert_eq!(igen.status, 409);
}

#[tokio::test]
async fn two_senders_deliver_each_event_once_and_a_dead_sender_is_taken_over() {
    let t = server().await;
    let (modtager, base) = Modtager::start().await;
    let c = t.client();
    let styrelse = t.client().login_token("styrelse").await;
    registrer(&c, &styrelse, &format!("{base}/alle"), &["dk.styringsdialog.pakke.indsendt"]).await;
    // Several organisations submit.
    let mut pakker = Vec::new();
    for bruger in ["boligorg", "andenorg"] {
        let id = t.package_of(bruger).await;
        testkit::submit_package(&t, bruger, id).await;
        pakker.push(id);
    }
    let (a, b) = (budbringer(&t), budbringer(&t));
    let nu = Utc::now();
    let (ua, ub) = tokio::join!(a.lever(nu), b.lever(nu));
    assert_eq!(ua.unwrap().leveret + ub.unwrap().leveret, 2);
    let ids: Vec<String> =
        modtager.paa("/alle").iter().map(|r| r.headers["webhook-id"].to_str().unwrap().to_string()).collect();
    let mut unikke = ids.clone();
    unikke.sort();
    unikke.dedup();
    assert_eq!((ids.len(), unikke.len()), (2, 2), "each event once");

    // A sender claims a delivery and dies before it reports: after the delivery timeout
    // another sender takes it over, and the event arrives.
    let rev = c.api(Method::GET, &format!("/api/v1/pakker/{}", pakker[0]), &styrelse, None, None).await;
    assert_eq!(rev.status, 200);
    let kommune = t.client().login_token("kommune").await;
    registrer(&c, &kommune, &format!("{base}/k"), &["dk.styringsdialog.pakke.modtaget"]).await;
    let r = c.api(Method::GET, &format!("/api/v1/pakker/{}", pakker[0]), &kommune, None, None).await.json["revision"]
        .clone();
    let m = c
        .api(
            Method::POST,
            &format!("/api/v1/pakker/{}/modtag", pakker[0]),
            &kommune,
            Some("k"),
            Some(json!({"revision": r})),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.json);
    let nu = Utc::now();
    let claimed = t.app.store().claim_leverance(nu, nu - Duration::seconds(30)).await.unwrap();
    assert!(claimed.is_some(), "the dead sender's claim");
    assert_eq!(a.lever(nu).await.unwrap().leveret, 0, "a fresh claim is left alone");
    assert_eq!(a.lever(nu + Duration::minutes(1)).await.unwrap().leveret, 1, "taken over");
    assert_eq!(modtager.paa("/k").len(), 1);
}

#[tokio::test]
async fn bad_endpoints_are_refused_with_a_reason() {
    // The default settings: no development mode, so loopback is refused too.
    let t = TestApp::spawn().await;
    let c = t.client();
    let token = t.client().login_token("kommune").await;
    let typer = ["dk.styringsdialog.pakke.indsendt"];
    for (url, ord) in [
        ("http://example.dk/hook", "https"),
        ("https://10.0.0.5/hook", "intern"),
        ("https://169.254.169.254/latest", "intern"),
        ("https://[fd00::1]/hook", "intern"),
        ("https://127.0.0.1:8443/hook", "intern"),
        ("ikke-en-url", "gyldig"),
    ] {
        let svar =
            c.api(Method::POST, "/api/v1/webhooks", &token, None, Some(json!({"url": url, "typer": typer}))).await;
        assert_eq!(svar.status, 422, "{url}");
        let felt = &svar.json["fejl"]["felter"][0];
        assert_eq!(felt["felt"], "url", "{url}");
        assert!(felt["besked"].as_str().unwrap().contains(ord), "{url}: {felt}");
    }
    let ukendt = c
        .api(
            Method::POST,
            "/api/v1/webhooks",
            &token,
            None,
            Some(json!({"url": "https://80.62.117.1/h", "typer": ["dk.styringsdialog.pakke.slettet"]})),
        )
        .await;
    assert_eq!(ukendt.status, 422);
    assert_eq!(ukendt.json["fejl"]["felter"][0]["felt"], "typer");
    // Without a token, nothing.
    let anonym = c.http.post(format!("{}/api/v1/webhooks", c.base)).json(&json!({})).send().await.unwrap();
    assert_eq!(anonym.status().as_u16(), 403);
    assert!(c.api(Method::GET, "/api/v1/webhooks", &token, None, None).await.json.as_array().unwrap().is_empty());
}

/// The page under Konto: register (the secret shown once), see the endpoint and its log,
/// deactivate it; another user's endpoint is not found.
#[tokio::test]
async fn the_account_page_registers_logs_and_deactivates() {
    let t = server().await;
    let (_, base) = Modtager::start().await;
    let c = t.client();
    c.login("kommune").await;
    let side = c.get("/konto/webhooks").await;
    assert_eq!(side.status, 200);
    let tom = c.post("/konto/webhooks", "/konto/webhooks", &[("url", "ftp://x")]).await;
    assert_eq!(tom.status, 422);
    assert!(tom.body.contains("https") && tom.body.contains("Vælg mindst én hændelsestype"), "{}", tom.body);
    let url = format!("{base}/k");
    let ok = c
        .post("/konto/webhooks", "/konto/webhooks", &[("url", &url), ("type", "dk.styringsdialog.pakke.indsendt")])
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("id=\"ny-hemmelighed\">whsec_"), "the secret, once");
    assert!(!c.get("/konto/webhooks").await.body.contains("whsec_"), "never again");
    let id = t
        .app
        .store()
        .brugerens_webhooks(testkit::session_user(&t.app, "kommune").await.principal.user_id)
        .await
        .unwrap()[0]
        .id;
    let log = c.get(&format!("/konto/webhooks/{id}")).await;
    assert_eq!(log.status, 200);
    assert!(log.body.contains("Der er ingen leverancer endnu"));
    let anden = t.client();
    anden.login("boligorg").await;
    assert_eq!(anden.get(&format!("/konto/webhooks/{id}")).await.status, 404);
    let deaktiveret = c.post("/konto/webhooks", &format!("/konto/webhooks/{id}/deaktiver"), &[]).await;
    assert_eq!(deaktiveret.status, 303);
    assert!(c.get("/konto/webhooks").await.body.contains("deaktiveret af ejeren"));
}

/// A reminder the kommune sends about a package it awaits (still a draft) is told to the
/// hjemstedskommune's endpoint and the organisation's, never to another kommune's.
#[tokio::test]
async fn reminders_about_an_awaited_package_reach_its_kommune() {
    let t = server().await;
    let (modtager, base) = Modtager::start().await;
    let id = t.package_of("boligorg").await;
    testkit::foreign_kommune(&t, id).await;
    let c = t.client();
    let typer = ["dk.styringsdialog.paamindelse.sendt"];
    let (_, hemmelighed) = registrer(&c, &t.client().login_token("kommune").await, &format!("{base}/k"), &typer).await;
    registrer(&c, &t.client().login_token("fremmed").await, &format!("{base}/f"), &typer).await;
    registrer(&c, &t.client().login_token("boligorg").await, &format!("{base}/o"), &typer).await;
    let kommune = t.client();
    kommune.login("kommune").await;
    let sendt = kommune.post("/kommune", &format!("/pakker/{id}/paamindelse"), &[]).await;
    assert_eq!(sendt.status, 303, "{}", sendt.body);
    assert_eq!(budbringer(&t).lever(Utc::now()).await.unwrap().leveret, 2);
    let til_kommune = modtager.paa("/k");
    assert_eq!(til_kommune.len(), 1);
    let event = verificeret(&til_kommune[0], &hemmelighed);
    assert_eq!((event["data"]["pakke"].as_i64(), event["data"]["status"].as_str()), (Some(id), Some("kladde")));
    assert_eq!(modtager.paa("/o").len(), 1);
    assert!(modtager.paa("/f").is_empty());
}

/// A beliggenhedskommune's own meeting moves no package, yet its convening is an event.
#[tokio::test]
async fn a_beliggenhedskommunes_own_meeting_is_an_event() {
    let t = server().await;
    let (modtager, base) = Modtager::start().await;
    let id = t.package_of("boligorg").await;
    testkit::submit_package(&t, "boligorg", id).await;
    testkit::beliggenhedskommune(&t, id).await;
    let c = t.client();
    let belig = t.client().login_token("belig").await;
    let (_, hemmelighed) = registrer(&c, &belig, &format!("{base}/b"), &["dk.styringsdialog.moede.indkaldt"]).await;
    let rev = c.api(Method::GET, &format!("/api/v1/pakker/{id}"), &belig, None, None).await.json["revision"].clone();
    let dato = (t.app.today() + Duration::days(30)).to_string();
    let body = json!({"revision": rev, "dato": dato, "tid": "13:00", "sted": "Nabo Rådhus", "deltagere": "Afdelingsbestyrelsen"});
    let moede = c.api(Method::POST, &format!("/api/v1/pakker/{id}/moeder"), &belig, Some("eget"), Some(body)).await;
    assert_eq!(moede.status, 201, "{}", moede.json);
    assert_eq!(budbringer(&t).lever(Utc::now()).await.unwrap().leveret, 1);
    let event = verificeret(&modtager.paa("/b")[0], &hemmelighed);
    assert_eq!(event["type"], "dk.styringsdialog.moede.indkaldt");
    assert_eq!(event["data"]["moede"], moede.json["id"]);
    assert_eq!(event["data"]["status"], "indsendt", "the package did not move");
}
