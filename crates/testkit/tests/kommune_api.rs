//! The kommune's side in the JSON API, on the engine under test: a kommune system runs the
//! whole municipal cycle through the API alone (list with the change cursor, read versions,
//! changes, files, PDF and history, receive, return, convene, hold, write, høring, publish,
//! aftaler), every write is idempotent and refuses a stale revision, and every new route keeps
//! to the one scope mechanism: another kommune, a beliggenhedskommune on the hjemsted's
//! actions, an organisation and anonymous callers are refused.

use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use testkit::{ApiSvar, Client, TestApp};

/// A server whose clock the test can move forward (days).
async fn server() -> (TestApp, Arc<AtomicI64>) {
    let dage = Arc::new(AtomicI64::new(0));
    let clock = dage.clone();
    let start = chrono::Utc::now();
    let t = TestApp::spawn_custom(
        testkit::demo_at(0.1),
        |_| app::AppSettings::default(),
        move |app| app.with_clock(move || start + chrono::Duration::days(clock.load(Ordering::SeqCst))),
    )
    .await;
    (t, dage)
}

struct Kommune<'a> {
    c: &'a Client,
    token: String,
}

impl Kommune<'_> {
    async fn get(&self, path: &str) -> ApiSvar {
        self.c.api(Method::GET, path, &self.token, None, None).await
    }
    async fn post(&self, path: &str, key: &str, body: Value) -> ApiSvar {
        self.c.api(Method::POST, path, &self.token, Some(key), Some(body)).await
    }
    async fn put(&self, path: &str, key: &str, body: Value) -> ApiSvar {
        self.c.api(Method::PUT, path, &self.token, Some(key), Some(body)).await
    }
    async fn revision(&self, id: i64) -> i64 {
        let p = self.get(&format!("/api/v1/pakker/{id}")).await;
        assert_eq!(p.status, 200, "{}", p.json);
        p.json["revision"].as_i64().expect("revision")
    }
}

fn dato(t: &TestApp, dage: i64) -> String {
    (t.app.today() + chrono::Duration::days(dage)).to_string()
}

#[tokio::test]
async fn a_kommune_system_runs_the_whole_cycle_through_the_api() {
    let (t, dage) = server().await;
    let id = t.package_of("boligorg").await;
    let c = t.client();
    let mut k = Kommune { c: &c, token: c.login_token("kommune").await };

    // Before submission the kommune's list and cursor know nothing of the package.
    let start = k.get("/api/v1/pakker?siden=0").await;
    assert_eq!(start.status, 200, "{}", start.json);
    assert!(start.json["data"].as_array().unwrap().iter().all(|p| p["id"] != id), "a draft is never listed");
    let cursor = start.json["naeste_siden"].as_i64().expect("a cursor");

    testkit::submit_package(&t, "boligorg", id).await;

    // Polling from the cursor gives the submitted package, and nothing more after it.
    let nyt = k.get(&format!("/api/v1/pakker?siden={cursor}")).await;
    let raekker = nyt.json["data"].as_array().unwrap();
    let p = raekker.iter().find(|p| p["id"] == id).unwrap_or_else(|| panic!("submitted package listed: {}", nyt.json));
    assert_eq!(p["status"], "indsendt");
    assert_eq!(p["relation"], "hjemsted");
    assert!(p["foerst_indsendt"].is_string() && p["for_sent"].is_boolean());
    let cursor = nyt.json["naeste_siden"].as_i64().unwrap();
    assert_eq!(p["aendring"].as_i64().unwrap(), cursor, "the cursor is the last change read");
    let tomt = k.get(&format!("/api/v1/pakker?siden={cursor}")).await;
    assert_eq!(tomt.json["data"].as_array().unwrap().len(), 0);
    assert_eq!(tomt.json["naeste_siden"].as_i64(), Some(cursor), "nothing changed: the same cursor");
    // Filters: year, status and relation.
    let filtreret = k.get("/api/v1/pakker?aar=2026&status=indsendt&relation=hjemsted").await;
    assert!(filtreret.json["data"].as_array().unwrap().iter().any(|p| p["id"] == id));
    let beliggenhed = k.get("/api/v1/pakker?relation=beliggenhed").await;
    assert!(beliggenhed.json["data"].as_array().unwrap().iter().all(|p| p["id"] != id));
    let forkert = k.get("/api/v1/pakker?status=afsendt&relation=nabo&aar=1900").await;
    assert_eq!(forkert.status, 422);
    let felter: Vec<&str> =
        forkert.json["fejl"]["felter"].as_array().unwrap().iter().map(|f| f["felt"].as_str().unwrap()).collect();
    assert_eq!(felter, ["aar", "status", "relation"], "each bad filter is named");

    // Read what was submitted: the version with its receipt, its files, PDF and history.
    let v1 = k.get(&format!("/api/v1/pakker/{id}/versioner/1")).await;
    assert_eq!(v1.status, 200, "{}", v1.json);
    assert!(v1.json["kvitteringsnummer"].as_str().unwrap().starts_with("SD-2026-"));
    assert_eq!(v1.json["bestyrelse_godkendt"], "2026-05-20");
    assert!(v1.json["svar"].as_object().unwrap().len() > 5);
    let fil = v1.json["bilag"][0]["url"].as_str().expect("a file").to_string();
    let hentet = k.get(&fil).await;
    assert_eq!(hentet.status, 200);
    assert!(hentet.body.starts_with(b"%PDF"), "the file as uploaded");
    let pdf = k.get(&format!("/api/v1/pakker/{id}/versioner/1/styringsrapport.pdf")).await;
    assert_eq!((pdf.status, &pdf.headers["content-type"]), (200, &"application/pdf".parse().unwrap()));
    assert!(pdf.body.starts_with(b"%PDF"));
    let foerste = k.get(&format!("/api/v1/pakker/{id}/versioner/1/aendringer")).await;
    assert_eq!(foerste.json["fra_version"], Value::Null);

    // Receive: the key is required, a stale revision is refused, a retry changes nothing.
    let url = format!("/api/v1/pakker/{id}/modtag");
    let rev = k.revision(id).await;
    let uden = k.c.api(Method::POST, &url, &k.token, None, Some(json!({"revision": rev}))).await;
    assert_eq!(uden.status, 422);
    assert_eq!(uden.json["fejl"]["felter"][0]["felt"], "Idempotency-Key");
    let gammel = k.post(&url, "modtag-0", json!({"revision": rev - 1})).await;
    assert_eq!(gammel.status, 409, "{}", gammel.json);
    let modtaget = k.post(&url, "modtag-1", json!({"revision": rev})).await;
    assert_eq!(modtaget.status, 200, "{}", modtaget.json);
    assert_eq!(modtaget.json["status"], "modtaget");
    let igen = k.post(&url, "modtag-1", json!({"revision": rev})).await;
    assert_eq!((igen.status, &igen.json), (200, &modtaget.json), "the first answer again");
    assert_eq!(igen.headers["idempotency-replayed"], "true");
    let anden = k.post(&url, "modtag-1", json!({"revision": rev + 5})).await;
    assert_eq!(anden.status, 422, "a key is for one request only");
    let haendelser = k.get(&format!("/api/v1/pakker/{id}/haendelser")).await;
    let modtag: Vec<&Value> =
        haendelser.json.as_array().unwrap().iter().filter(|h| h["haendelse"] == "modtag").collect();
    assert_eq!(modtag.len(), 1, "received once: {}", haendelser.json);
    // The change shows on the cursor.
    let efter = k.get(&format!("/api/v1/pakker?siden={cursor}")).await;
    assert_eq!(efter.json["data"][0]["id"], id);
    assert_eq!(efter.json["data"][0]["status"], "modtaget");

    // Convene the meeting 30 days ahead; the agenda is proposed when none is given.
    let rev = k.revision(id).await;
    let indkaldt = k
        .post(
            &format!("/api/v1/pakker/{id}/moeder"),
            "moede-1",
            json!({"revision": rev, "dato": dato(&t, 30), "tid": "10:00", "sted": "Rådhuset, mødelokale 2",
                   "deltagere": "Sagsbehandler\nBestyrelsen"}),
        )
        .await;
    assert_eq!(indkaldt.status, 201, "{}", indkaldt.json);
    assert!(indkaldt.json["dagsorden"].as_str().unwrap().contains("Opfølgning på aftaler"));
    let moede = indkaldt.json["id"].as_i64().unwrap();
    let ics = k.get(&format!("/api/v1/moeder/{moede}/kalender.ics")).await;
    assert_eq!(ics.status, 200);
    let ics = String::from_utf8(ics.body).unwrap();
    assert!(ics.contains("BEGIN:VCALENDAR") && ics.contains("Rådhuset"), "{ics}");
    assert_eq!(k.get(&format!("/api/v1/pakker/{id}/moeder")).await.json[0]["id"], moede);

    // Held, after the day (the clock moves past it; the session has ended by then).
    dage.store(31, Ordering::SeqCst);
    k.token = t.client().login_token("kommune").await;
    let held = format!("/api/v1/moeder/{moede}/afholdt");
    let forkert = k.post(&held, "held-0", json!({"revision": 3, "dato": dato(&t, 0), "deltagere": "x"})).await;
    assert_eq!(forkert.status, 409, "a meeting read before a move: {}", forkert.json);
    let afholdt = k.post(&held, "held-1", json!({"revision": 0, "dato": dato(&t, 0), "deltagere": "Begge"})).await;
    assert_eq!(afholdt.status, 200, "{}", afholdt.json);
    assert_eq!(afholdt.json["afholdt"], dato(&t, 0));

    // The redegørelse: unknown fields are named, the draft is saved, sent to høring, published.
    let red = format!("/api/v1/pakker/{id}/redegoerelse");
    let rev = k.revision(id).await;
    let ukendt =
        k.put(&red, "red-0", json!({"revision": rev, "tekst": {"sammenfatning": "x", "vejret": "godt"}})).await;
    assert_eq!(ukendt.status, 422);
    assert_eq!(ukendt.json["fejl"]["felter"][0]["felt"], "tekst.vejret");
    let gemt =
        k.put(&red, "red-1", json!({"revision": rev, "tekst": {"sammenfatning": "En god dialog om driften."}})).await;
    assert_eq!(gemt.status, 200, "{}", gemt.json);
    assert_eq!(gemt.json["udkast"]["nummer"], 1);
    let stale = k.put(&red, "red-2", json!({"revision": rev, "tekst": {"sammenfatning": "Overskriver"}})).await;
    assert_eq!(stale.status, 409, "a save from an older reading never overwrites");
    let rev = gemt.json["revision"].as_i64().unwrap();

    // An aftale from the redegørelse, then its status.
    let aftale = k
        .post(
            &format!("/api/v1/pakker/{id}/aftaler"),
            "aftale-1",
            json!({"revision": rev, "emne": "Tomgangsleje", "beskrivelse": "Nedbringe tomgangslejen",
                   "maalomraader": ["udlejning"], "ansvarlig": "Organisationen", "frist": dato(&t, 200)}),
        )
        .await;
    assert_eq!(aftale.status, 201, "{}", aftale.json);
    assert_eq!(aftale.json["status"], "aftalt");
    let aftale_id = aftale.json["id"].as_i64().unwrap();
    let opfoelg = k
        .put(
            &format!("/api/v1/aftaler/{aftale_id}/status"),
            "aftale-2",
            json!({"revision": 1, "status": "i_gang", "bemaerkning": "Arbejdet er gået i gang"}),
        )
        .await;
    assert_eq!(opfoelg.status, 200, "{}", opfoelg.json);
    assert_eq!((opfoelg.json["status"].as_str(), opfoelg.json["revision"].as_i64()), (Some("i_gang"), Some(2)));
    let gammel = k
        .put(
            &format!("/api/v1/aftaler/{aftale_id}/status"),
            "aftale-3",
            json!({"revision": 1, "status": "opfyldt", "bemaerkning": "Fra en gammel læsning"}),
        )
        .await;
    assert_eq!(gammel.status, 409);
    let liste = k.get("/api/v1/aftaler?kun_aabne=true").await;
    assert!(liste.json["data"].as_array().unwrap().iter().any(|a| a["id"] == aftale_id));

    let rev = k.revision(id).await;
    let hoering = k.post(&format!("{red}/hoering"), "hoering-1", json!({"revision": rev})).await;
    assert_eq!(hoering.status, 200, "{}", hoering.json);
    assert_eq!(hoering.json["status"], "redegoerelse_i_hoering");
    // Publishing before the høring's deadline, without comments, must be confirmed.
    let rev = hoering.json["revision"].as_i64().unwrap();
    let tidligt = k.post(&format!("{red}/offentliggoer"), "pub-0", json!({"revision": rev})).await;
    assert_eq!(tidligt.status, 422);
    assert_eq!(tidligt.json["fejl"]["felter"][0]["felt"], "bekraeftet");
    let offentlig =
        k.post(&format!("{red}/offentliggoer"), "pub-1", json!({"revision": rev, "bekraeftet": true})).await;
    assert_eq!(offentlig.status, 200, "{}", offentlig.json);
    assert_eq!(offentlig.json["status"], "redegoerelse_offentliggjort");
    let laest = k.get(&red).await;
    assert!(laest.json["udkast"]["offentliggjort"].is_string());
    // Published for good: a later save is refused.
    let rev = offentlig.json["revision"].as_i64().unwrap();
    let efter = k.put(&red, "red-9", json!({"revision": rev, "tekst": {"sammenfatning": "Ny tekst"}})).await;
    assert_eq!(efter.status, 409, "{}", efter.json);
}

#[tokio::test]
async fn a_returned_package_comes_back_as_a_new_version_with_its_changes() {
    let (t, _) = server().await;
    let id = t.package_of("boligorg").await;
    let org = testkit::submit_package(&t, "boligorg", id).await;
    let c = t.client();
    let k = Kommune { c: &c, token: c.login_token("kommune").await };
    let rev = k.revision(id).await;
    let url = format!("/api/v1/pakker/{id}/returner");
    let uden = k.post(&url, "ret-0", json!({"revision": rev, "begrundelse": " "})).await;
    assert_eq!(uden.status, 422);
    assert_eq!(uden.json["fejl"]["felter"][0]["felt"], "begrundelse");
    let retur = k.post(&url, "ret-1", json!({"revision": rev, "begrundelse": "Regnskabet mangler noter"})).await;
    assert_eq!(retur.status, 200, "{}", retur.json);
    assert_eq!(retur.json["status"], "returneret");
    let h = k.get(&format!("/api/v1/pakker/{id}/haendelser")).await;
    let sidste = h.json.as_array().unwrap().last().unwrap().clone();
    assert_eq!(sidste["begrundelse"], "Regnskabet mangler noter");
    assert_eq!(sidste["frist"], dato(&t, 14), "the rules' proposal when none is given");

    // The organisation changes an answer and submits again.
    let sektion = format!("/pakker/{id}/sektioner/b3.I");
    let page = org.get(&sektion).await;
    assert_eq!(page.status, 200);
    let mut borrowed = testkit::svar_uden_udfordringer();
    borrowed.retain(|(k, _)| *k != "b3.q1.ja");
    borrowed.extend([("b3.q1.ja", "ja"), ("b3.q1.tekst", "Vi har rettet noterne.")]);
    let saved = org.post(&sektion, &sektion, &borrowed).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let tjek = org.get(&format!("/pakker/{id}/indsend")).await;
    assert_eq!(org.submit_from(id, &tjek, "k2").await.status, 303);

    let aendringer = k.get(&format!("/api/v1/pakker/{id}/versioner/2/aendringer")).await;
    assert_eq!(aendringer.status, 200, "{}", aendringer.json);
    assert_eq!(aendringer.json["fra_version"], 1);
    let svar = aendringer.json["svar"].as_array().unwrap();
    let q1 = svar.iter().find(|s| s["noegle"] == "b3.q1").unwrap_or_else(|| panic!("{}", aendringer.json));
    assert_eq!((q1["foer"]["ja"].as_bool(), q1["nu"]["ja"].as_bool()), (Some(false), Some(true)));
    assert!(svar.iter().all(|s| s["foer"] != s["nu"]), "only what changed");
}

/// Every kommune route refuses whoever may not act: anonymous callers, the organisation,
/// another kommune, and a beliggenhedskommune on the hjemstedskommune's actions. Nothing
/// changes.
#[tokio::test]
async fn the_kommune_routes_keep_to_the_scope() {
    let (t, _) = server().await;
    let id = t.package_of("boligorg").await;
    testkit::submit_package(&t, "boligorg", id).await;
    // The helpers make the users `fremmed` and `belig`; each gets a key of its own below.
    testkit::foreign_kommune(&t, id).await;
    testkit::beliggenhedskommune(&t, id).await;
    let c = t.client();
    let hjem = Kommune { c: &c, token: c.login_token("kommune").await };
    let rev = hjem.revision(id).await;
    let writes: Vec<(Method, String, Value)> = vec![
        (Method::POST, format!("/api/v1/pakker/{id}/modtag"), json!({"revision": rev})),
        (Method::POST, format!("/api/v1/pakker/{id}/returner"), json!({"revision": rev, "begrundelse": "x"})),
        (
            Method::PUT,
            format!("/api/v1/pakker/{id}/redegoerelse"),
            json!({"revision": rev, "tekst": {"sammenfatning": "x"}}),
        ),
        (Method::POST, format!("/api/v1/pakker/{id}/redegoerelse/hoering"), json!({"revision": rev})),
        (
            Method::POST,
            format!("/api/v1/pakker/{id}/redegoerelse/offentliggoer"),
            json!({"revision": rev, "bekraeftet": true}),
        ),
        (
            Method::POST,
            format!("/api/v1/pakker/{id}/aftaler"),
            json!({"revision": rev, "emne": "x", "beskrivelse": "x", "maalomraader": ["udlejning"], "ansvarlig": "x"}),
        ),
    ];
    let outsiders = [
        ("organisationen", t.client().login_token("boligorg").await),
        ("en anden kommune", t.client().login_token("fremmed").await),
        ("beliggenhedskommunen", t.client().login_token("belig").await),
    ];
    for (hvem, token) in &outsiders {
        for (i, (method, url, body)) in writes.iter().enumerate() {
            let svar = c.api(method.clone(), url, token, Some(&format!("{hvem}-{i}")), Some(body.clone())).await;
            assert_eq!(svar.status, 404, "{hvem}: {method} {url}: {}", svar.json);
        }
    }
    // Anonymous: no token, no change.
    for (method, url, body) in &writes {
        let r = c.http.request(method.clone(), format!("{}{url}", c.base)).json(body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403, "{method} {url}");
    }
    // Another kommune reads nothing of the package; the beliggenhedskommune reads it.
    for path in [
        format!("/api/v1/pakker/{id}"),
        format!("/api/v1/pakker/{id}/versioner/1"),
        format!("/api/v1/pakker/{id}/versioner/1/aendringer"),
        format!("/api/v1/pakker/{id}/haendelser"),
        format!("/api/v1/pakker/{id}/moeder"),
        format!("/api/v1/pakker/{id}/redegoerelse"),
    ] {
        let f = c.api(Method::GET, &path, &outsiders[1].1, None, None).await;
        assert_eq!(f.status, 404, "another kommune: {path}");
        let b = c.api(Method::GET, &path, &outsiders[2].1, None, None).await;
        assert_eq!(b.status, 200, "the beliggenhedskommune: {path}: {}", b.json);
    }
    let fremmed_liste = c.api(Method::GET, "/api/v1/pakker?siden=0", &outsiders[1].1, None, None).await;
    assert!(fremmed_liste.json["data"].as_array().unwrap().iter().all(|p| p["id"] != id));
    let belig_liste = c.api(Method::GET, "/api/v1/pakker?relation=beliggenhed", &outsiders[2].1, None, None).await;
    let p = belig_liste.json["data"].as_array().unwrap().iter().find(|p| p["id"] == id).cloned();
    assert_eq!(p.expect("listed to the beliggenhedskommune")["relation"], "beliggenhed");
    // An organisation asks for a kommune's relation: named.
    let org = c.api(Method::GET, "/api/v1/pakker?relation=hjemsted", &outsiders[0].1, None, None).await;
    assert_eq!((org.status, &org.json["fejl"]["felter"][0]["felt"]), (422, &json!("relation")));
    // Nothing happened to the package.
    assert_eq!(hjem.revision(id).await, rev);
    // The agency's national reads are the agency's.
    for path in ["/api/v1/styrelse/status", "/api/v1/styrelse/udbakke"] {
        assert_eq!(hjem.get(path).await.status, 404, "{path}");
    }
    let styrelse = t.client().login_token("styrelse").await;
    let status = c.api(Method::GET, "/api/v1/styrelse/status?aar=2026", &styrelse, None, None).await;
    assert_eq!(status.status, 200, "{}", status.json);
    assert!(status.json["landet"]["indsendt"].as_i64().unwrap() >= 1);
    assert_eq!(status.json["kommuner"].as_array().unwrap().len(), 98);
    let udbakke = c.api(Method::GET, "/api/v1/styrelse/udbakke?pr_side=5", &styrelse, None, None).await;
    assert_eq!(udbakke.status, 200);
    assert!(!udbakke.json["data"].as_array().unwrap().is_empty(), "the receipt mails");
}

/// A write with a key that is still running answers 409; after a server error the key may be
/// used again. Keys are per user: two systems may pick the same key.
#[tokio::test]
async fn idempotency_keys_are_per_user() {
    let (t, _) = server().await;
    let id = t.package_of("boligorg").await;
    testkit::submit_package(&t, "boligorg", id).await;
    let c = t.client();
    let k = Kommune { c: &c, token: c.login_token("kommune").await };
    let rev = k.revision(id).await;
    // The organisation used "faelles" for its own request first: the kommune's is its own.
    let org = t.client().login_token("boligorg").await;
    let o = c
        .api(
            Method::POST,
            &format!("/api/v1/pakker/{id}/modtag"),
            &org,
            Some("faelles"),
            Some(json!({"revision": rev})),
        )
        .await;
    assert_eq!(o.status, 404);
    let svar = k.post(&format!("/api/v1/pakker/{id}/modtag"), "faelles", json!({"revision": rev})).await;
    assert_eq!(svar.status, 200, "{}", svar.json);
    assert!(svar.headers.get("idempotency-replayed").is_none());
    // A key that is not visible ASCII is refused, naming the header.
    let bad = k.post(&format!("/api/v1/pakker/{id}/modtag"), "", json!({"revision": rev})).await;
    assert_eq!((bad.status, &bad.json["fejl"]["felter"][0]["felt"]), (422, &json!("Idempotency-Key")));
}
