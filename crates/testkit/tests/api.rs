//! The JSON API over HTTP: every documented route answers, the public endpoints never show a
//! draft's figures, lists are paginated, errors are JSON, and submission works for
//! integrations with a bearer token.

use serde_json::Value;
use testkit::TestApp;

struct Fixture {
    pakke: i64,
    nummer: i64,
    afdeling_nummer: u32,
    afdeling_id: i64,
    kommune: i64,
    token: String,
}

async fn fixture(t: &TestApp) -> Fixture {
    let c = t.client();
    let token = c.login_token("boligorg").await;
    let list: Value = serde_json::from_str(&c.get_bearer("/api/v1/pakker", &token).await.body).unwrap();
    let pakke = list["data"][0]["id"].as_i64().unwrap();
    let nummer = list["data"][0]["organisation"]["nummer"].as_i64().unwrap();
    let org =
        t.app.store().organisation_by_nummer(domain::OrganisationNummer::new(nummer).unwrap()).await.unwrap().unwrap();
    let afdeling = t.app.store().afdelinger(org.id).await.unwrap().remove(0);
    Fixture {
        pakke,
        nummer,
        afdeling_nummer: afdeling.data.nummer.get(),
        afdeling_id: afdeling.id.0,
        kommune: i64::from(org.hjemstedskommune),
        token,
    }
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test]
async fn every_documented_route_answers() {
    let t = TestApp::spawn().await;
    let f = fixture(&t).await;
    let doc = json(&t.client().get("/api/v1/openapi.json").await.body);
    assert_eq!(doc, json(&web::api::openapi_json()), "the served document is the generated one");
    // Submitted, so the kommune's and the versions' routes have something to answer with.
    testkit::submit_package(&t, "boligorg", f.pakke).await;
    let c = t.client();
    let kommune = c.login_token("kommune").await;
    let styrelse = t.client().login_token("styrelse").await;
    let version = json(&c.get_bearer(&format!("/api/v1/pakker/{}/versioner/1", f.pakke), &kommune).await.body);
    let bilag = version["bilag"][0]["id"].as_i64().expect("a submitted file");
    for (path, methods) in doc["paths"].as_object().unwrap() {
        let url = path
            .replace("{id}", &f.pakke.to_string())
            .replace("{nummer}", &f.nummer.to_string())
            .replace("{kode}", &f.kommune.to_string())
            .replace("{sektion}", "b3.I")
            .replace("{afdelingsnummer}", &f.afdeling_nummer.to_string())
            .replace("{version}", "1")
            .replace("{bilag}", &bilag.to_string())
            // No meeting or aftale exists yet: the route answers with a JSON 404 of its own.
            .replace("{moede}", "999999")
            .replace("{aftale}", "999999")
            .replace("{webhook}", "999999")
            .replace("{leverance}", "999999")
            .replace(
                "{afdeling}",
                &if path.contains("/pakker/") { f.afdeling_id.to_string() } else { f.afdeling_nummer.to_string() },
            );
        for (method, operation) in methods.as_object().unwrap() {
            let token = match operation["tags"][0].as_str() {
                Some("kommune") => &kommune,
                Some("styrelse") => &styrelse,
                _ => &f.token,
            };
            let request = match method.as_str() {
                "get" => c.http.get(format!("{}{url}", c.base)),
                "post" => {
                    c.http.post(format!("{}{url}", c.base)).json(&serde_json::json!({"idempotensnoegle": "probe"}))
                }
                "put" => c.http.put(format!("{}{url}", c.base)).json(&serde_json::json!({"revision": 0, "svar": {}})),
                other => panic!("undocumented method {other}"),
            };
            let r = request.bearer_auth(token).send().await.unwrap();
            let status = r.status().as_u16();
            let is_json = r.headers()["content-type"].to_str().unwrap().starts_with("application/json");
            let body = r.text().await.unwrap_or_default();
            // A documented route exists: it may refuse (the package is submitted, the body is
            // a probe), never 404/405 from the router. An unknown meeting or aftale is the
            // route's own 404, in JSON (as are an unknown webhook and delivery).
            let own_404 =
                status == 404 && ["{moede}", "{aftale}", "{webhook}"].iter().any(|p| path.contains(p)) && is_json;
            assert!(own_404 || ![404, 405].contains(&status), "{method} {url}: {status} {body}");
            if status != 200 || is_json {
                assert!(is_json, "{method} {url}: an error is JSON: {body}");
                json(&body);
            }
        }
    }
}

#[tokio::test]
async fn the_public_api_never_shows_a_drafts_figures() {
    let t = TestApp::spawn().await;
    let f = fixture(&t).await;
    let anonymous = t.client();
    let sheet = json(&anonymous.get(&format!("/api/v1/offentlig/organisationer/{}", f.nummer)).await.body);
    let years = sheet["aar"].as_array().unwrap();
    let draft = years.iter().find(|a| a["styringsaar"] == 2026).expect("2026");
    assert_eq!(draft["offentlig"], false);
    for n in draft["noegletal"].as_array().unwrap() {
        assert!(n["vaerdi"].is_null() && n["benchmark"].is_null() && n["markering"].is_null(), "{n}");
    }
    let held = years.iter().find(|a| a["styringsaar"] == 2025).expect("2025");
    assert!(held["noegletal"].as_array().unwrap().iter().any(|n| n["vaerdi"].is_number()));
    let afd = json(
        &anonymous
            .get(&format!("/api/v1/offentlig/organisationer/{}/afdelinger/{}", f.nummer, f.afdeling_nummer))
            .await
            .body,
    );
    let draft = afd["aar"].as_array().unwrap().iter().find(|a| a["styringsaar"] == 2026).unwrap().clone();
    assert!(draft["effektivitet"].is_null());
    assert!(draft["noegletal"].as_array().unwrap().iter().all(|n| n["vaerdi"].is_null()));
    // Packages need a token.
    assert_eq!(anonymous.get(&format!("/api/v1/pakker/{}", f.pakke)).await.status, 401);
}

#[tokio::test]
async fn lists_are_paginated_and_errors_are_json() {
    let t = TestApp::spawn().await;
    let c = t.client();
    let all = json(&c.get("/api/v1/offentlig/organisationer?pr_side=500").await.body);
    let total = all["i_alt"].as_u64().unwrap();
    assert!(total > 3);
    let page2 = json(&c.get("/api/v1/offentlig/organisationer?side=2&pr_side=2").await.body);
    assert_eq!(
        (page2["side"].as_u64(), page2["pr_side"].as_u64(), page2["i_alt"].as_u64()),
        (Some(2), Some(2), Some(total))
    );
    assert_eq!(page2["data"].as_array().unwrap().len(), 2);
    assert_eq!(page2["data"][0], all["data"][2], "page 2 continues where page 1 ended");
    for bad in ["pr_side=0", "pr_side=501", "side=0", "side=x", "kommune=1"] {
        let r = c.get(&format!("/api/v1/offentlig/organisationer?{bad}")).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
        assert!(json(&r.body)["fejl"]["felter"].is_array(), "{bad}: the field is named");
    }
    for missing in [
        "/api/v1/offentlig/organisationer/abc",
        "/api/v1/offentlig/organisationer/999999",
        "/api/v1/offentlig/kommuner/9999/redegoerelser",
        "/api/v1/nope",
    ] {
        let r = c.get(missing).await;
        assert_eq!(r.status, 404, "{missing}");
        assert_eq!(json(&r.body)["fejl"]["status"], 404);
    }
}

#[tokio::test]
async fn an_integration_submits_a_package_with_its_token() {
    let t = TestApp::spawn().await;
    let f = fixture(&t).await;
    let c = t.client();
    let url = format!("{}/api/v1/pakker/{}/indsend", c.base, f.pakke);
    let post = |token: Option<String>, body: Value| {
        let mut r = c.http.post(&url).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), json(&r.text().await.unwrap()))
        }
    };
    // Incomplete: every missing answer is listed, nothing is submitted.
    let (status, body) =
        post(Some(f.token.clone()), serde_json::json!({"idempotensnoegle": "k1", "bestyrelse_godkendt": "2026-05-20"}))
            .await;
    assert_eq!(status, 422);
    assert!(body["fejl"]["felter"].as_array().unwrap().len() > 1);
    assert!(t.app.store().versions(store::PakkeId(f.pakke)).await.unwrap().is_empty());
    // No token, a bad body, another organisation's or a kommune's token: refused.
    assert_eq!(
        post(None, serde_json::json!({"idempotensnoegle": "k1", "bestyrelse_godkendt": "2026-05-20"})).await.0,
        403
    );
    assert_eq!(post(Some(f.token.clone()), serde_json::json!({"x": 1})).await.0, 422);
    for other in ["andenorg", "kommune"] {
        let token = t.client().login_token(other).await;
        assert_eq!(
            post(Some(token), serde_json::json!({"idempotensnoegle": "k1", "bestyrelse_godkendt": "2026-05-20"}))
                .await
                .0,
            404,
            "{other}"
        );
    }
    // Complete it in the UI, submit through the API twice with the same key: one version.
    let org = t.client();
    org.login("boligorg").await;
    let sektion = format!("/pakker/{}/sektioner/b3.I", f.pakke);
    assert_eq!(org.post(&sektion, &sektion, &testkit::svar_uden_udfordringer()).await.status, 303);
    org.complete_package(f.pakke, "b3.I").await;
    // Complete, but without the board's approval: the field is named.
    let (status, uden) = post(Some(f.token.clone()), serde_json::json!({"idempotensnoegle": "k-uden"})).await;
    assert_eq!(status, 422);
    assert_eq!(uden["fejl"]["felter"][0]["felt"], "bestyrelse_godkendt", "{uden}");
    let (status, first) =
        post(Some(f.token.clone()), serde_json::json!({"idempotensnoegle": "k2", "bestyrelse_godkendt": "2026-05-20"}))
            .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["version"], 1);
    assert_eq!(first["bestyrelse_godkendt"], "2026-05-20");
    let (status, again) =
        post(Some(f.token.clone()), serde_json::json!({"idempotensnoegle": "k2", "bestyrelse_godkendt": "2026-05-20"}))
            .await;
    assert_eq!((status, &again), (200, &first));
    assert_eq!(t.app.store().versions(store::PakkeId(f.pakke)).await.unwrap().len(), 1);
    let (status, _) =
        post(Some(f.token.clone()), serde_json::json!({"idempotensnoegle": "k3", "bestyrelse_godkendt": "2026-05-20"}))
            .await;
    assert_eq!(status, 409, "a submitted package is not submitted again");
}

#[tokio::test]
async fn personal_api_keys_work_on_the_api_only_until_revoked() {
    let t = TestApp::spawn().await;
    let org = t.client();
    org.login("boligorg").await;
    let page = org.get("/konto/api-noegler").await;
    assert_eq!(page.status, 200);
    let unnamed = org.post("/konto/api-noegler", "/konto/api-noegler", &[("navn", " ")]).await;
    assert_eq!(unnamed.status, 422);
    let made = org.post("/konto/api-noegler", "/konto/api-noegler", &[("navn", "Ejendomssystem")]).await;
    assert_eq!(made.status, 200);
    let start =
        made.body.find("<code id=\"ny-noegle\">").expect("the key is shown once") + "<code id=\"ny-noegle\">".len();
    let key = made.body[start..start + made.body[start..].find('<').unwrap()].to_string();
    assert!(key.starts_with("sd_"));
    assert!(!org.get("/konto/api-noegler").await.body.contains(&key), "never shown again");
    // Only its hash is stored.
    let user = t.app.store().user_by_username("boligorg").await.unwrap().unwrap();
    let stored = t.app.store().api_noegler(user.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].noegle.token_hash, key);

    // It works as a bearer token on the API, with the user's scope.
    let integration = t.client();
    let list = integration.get_bearer("/api/v1/pakker", &key).await;
    assert_eq!(list.status, 200);
    assert!(json(&list.body)["i_alt"].as_u64().unwrap() >= 1);
    // Not as a page session.
    let as_cookie = t.client();
    let r = as_cookie
        .http
        .get(format!("{}/organisation", as_cookie.base))
        .header("cookie", format!("{}={key}", web::security::SESSION_COOKIE))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "a key is no page session");
    // Another user cannot revoke it; its owner can, and then it is refused.
    let other = t.client();
    other.login("andenorg").await;
    let action = format!("/konto/api-noegler/{}/tilbagekald", stored[0].id);
    assert_eq!(other.post("/konto/api-noegler", &action, &[]).await.status, 404);
    assert_eq!(integration.get_bearer("/api/v1/pakker", &key).await.status, 200);
    assert_eq!(org.post("/konto/api-noegler", &action, &[]).await.status, 303);
    assert_eq!(integration.get_bearer("/api/v1/pakker", &key).await.status, 401);
    assert!(org.get("/konto/api-noegler").await.body.contains("Tilbagekaldt"));
    let audit = t.app.store().audit_events(200).await.unwrap();
    for action in ["api_noegle_oprettet", "api_noegle_tilbagekaldt"] {
        assert!(audit.iter().any(|a| a.event.action == action), "{action}");
    }
}

#[tokio::test]
async fn an_integration_saves_a_section_without_overwriting_a_colleague() {
    let t = TestApp::spawn().await;
    let f = fixture(&t).await;
    let c = t.client();
    let url = format!("{}/api/v1/pakker/{}/sektioner/b3.I", c.base, f.pakke);
    let put = |token: String, body: Value| {
        let r = c.http.put(&url).bearer_auth(token).json(&body);
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), json(&r.text().await.unwrap()))
        }
    };
    let detail = json(&c.get_bearer(&format!("/api/v1/pakker/{}", f.pakke), &f.token).await.body);
    let sektion = detail["sektioner"].as_array().unwrap().iter().find(|s| s["id"] == "b3.I").unwrap().clone();
    let revision = sektion["revision"].as_i64().unwrap();
    let svar = |tekst: &str| serde_json::json!({"revision": revision, "svar": {"b3.q1": {"ja": true, "tekst": tekst}, "b3.q2": {"ja": false}}});
    let (status, saved) = put(f.token.clone(), svar("Helhedsplan")).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["svar"]["b3.q1"]["tekst"], "Helhedsplan");
    assert_eq!(saved["svar"]["b3.q2"]["ja"], false);
    // The same revision again: someone saved the section meanwhile, so it is refused.
    let (status, body) = put(f.token.clone(), svar("Overskrevet")).await;
    assert_eq!(status, 409, "{body}");
    let now = json(&c.get_bearer(&format!("/api/v1/pakker/{}", f.pakke), &f.token).await.body);
    assert_eq!(now["svar"]["b3.q1"]["tekst"], "Helhedsplan", "nothing was overwritten");
    // An unknown question, and a kommune's token.
    let fresh = now["sektioner"].as_array().unwrap().iter().find(|s| s["id"] == "b3.I").unwrap()["revision"].clone();
    let (status, body) =
        put(f.token.clone(), serde_json::json!({"revision": fresh, "svar": {"b3.q99": {"ja": true}}})).await;
    assert_eq!(status, 422, "{body}");
    let kommune = t.client().login_token("kommune").await;
    assert_eq!(put(kommune, serde_json::json!({"revision": fresh, "svar": {}})).await.0, 404);
}

#[tokio::test]
async fn an_integration_fills_afdeling_forms_and_attaches_files() {
    let t = TestApp::spawn().await;
    let f = fixture(&t).await;
    let c = t.client();
    let detail_url = format!("/api/v1/pakker/{}", f.pakke);
    let detail = json(&c.get_bearer(&detail_url, &f.token).await.body);
    let skema = detail["afdelingsskemaer"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["afdeling"] == f.afdeling_nummer)
        .expect("the afdeling's form is listed")
        .clone();
    let url = format!("{}/api/v1/pakker/{}/afdelinger/{}", c.base, f.pakke, f.afdeling_nummer);
    let put = |token: String, body: Value| {
        let r = c.http.put(&url).bearer_auth(token).json(&body);
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), json(&r.text().await.unwrap()))
        }
    };
    let body = serde_json::json!({"revision": skema["revision"], "svar": {"b4.A.udfordringer": {"ja": true, "tekst": "Tagudskiftning"}}});
    let (status, saved) = put(f.token.clone(), body.clone()).await;
    assert_eq!(status, 200, "{saved}");
    let key = format!("afd{}:b4.A.udfordringer", f.afdeling_nummer);
    assert_eq!(saved["svar"][&key]["tekst"], "Tagudskiftning");
    assert_eq!(put(f.token.clone(), body).await.0, 409, "a stale revision is refused");
    let fresh = saved["afdelingsskemaer"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["afdeling"] == f.afdeling_nummer)
        .unwrap()["revision"]
        .clone();
    let (status, error) =
        put(f.token.clone(), serde_json::json!({"revision": fresh, "svar": {"b3.q1": {"ja": true}}})).await;
    assert_eq!(status, 422, "a question of another form: {error}");
    let other = format!("{}/api/v1/pakker/{}/afdelinger/99999", c.base, f.pakke);
    let r = c.http.put(&other).bearer_auth(&f.token).json(&serde_json::json!({"revision": 0, "svar": {}})).send().await;
    assert_eq!(r.unwrap().status(), 404, "an afdeling the organisation does not have");

    // Attachments: multipart with the kind and the file; the content is checked.
    let bilag_url = format!("{}/api/v1/pakker/{}/bilag", c.base, f.pakke);
    let upload = |token: String, art: &str, navn: &str, indhold: &[u8]| {
        let form = reqwest::multipart::Form::new()
            .text("art", art.to_string())
            .part("fil", reqwest::multipart::Part::bytes(indhold.to_vec()).file_name(navn.to_string()));
        let r = c.http.post(&bilag_url).bearer_auth(token).multipart(form);
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), json(&r.text().await.unwrap()))
        }
    };
    let (status, with_file) = upload(f.token.clone(), "regnskab", "regnskab.pdf", testkit::MINIMAL_PDF).await;
    assert_eq!(status, 200, "{with_file}");
    let filer = with_file["bilag"].as_array().unwrap();
    assert!(filer.iter().any(|b| b["art"] == "regnskab" && b["filnavn"] == "regnskab.pdf"), "{with_file}");
    let (status, error) = upload(f.token.clone(), "regnskab", "regnskab.pdf", b"ikke en pdf").await;
    assert_eq!(status, 422, "{error}");
    assert!(error["fejl"]["felter"].is_array(), "{error}");
    let (status, _) = upload(f.token.clone(), "ukendt", "x.pdf", testkit::MINIMAL_PDF).await;
    assert_eq!(status, 422);
    // Not a multipart form: still a JSON error.
    let r = c.http.post(&bilag_url).bearer_auth(&f.token).json(&serde_json::json!({})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    json(&r.text().await.unwrap());
    // Another organisation's token: the package does not exist for it.
    let andenorg = t.client().login_token("andenorg").await;
    assert_eq!(upload(andenorg.clone(), "regnskab", "r.pdf", testkit::MINIMAL_PDF).await.0, 404);
    assert_eq!(put(andenorg, serde_json::json!({"revision": 0, "svar": {}})).await.0, 404);
    let filer_nu = json(&c.get_bearer(&detail_url, &f.token).await.body)["bilag"].as_array().unwrap().len();
    assert_eq!(filer_nu, filer.len(), "refused uploads changed nothing");
    // The API takes files as large as the rules allow (20 MB), not only axum's 2 MB default;
    // a larger one is refused by the rule, in JSON.
    let mut stor = testkit::MINIMAL_PDF.to_vec();
    stor.resize(5 * 1024 * 1024, b' ');
    let (status, body) = upload(f.token.clone(), "regnskab", "stor.pdf", &stor).await;
    assert_eq!(status, 200, "{body}");
    stor.resize(20 * 1024 * 1024 + 10, b' ');
    let (status, error) = upload(f.token.clone(), "regnskab", "for-stor.pdf", &stor).await;
    assert_eq!(status, 422, "{error}");
}

#[tokio::test]
async fn the_agency_lists_every_package_but_reads_no_draft() {
    let t = TestApp::spawn().await;
    let c = t.client();
    let token = c.login_token("styrelse").await;
    let first = json(&c.get_bearer("/api/v1/pakker?pr_side=500", &token).await.body);
    let alle = first["data"].as_array().unwrap();
    let i_alt = t.app.store().organisationer().await.unwrap();
    let ids: Vec<domain::master::OrganisationId> = i_alt.iter().map(|o| o.id).collect();
    let forventet = t.app.store().pakker_for_organisationer(&ids).await.unwrap().len();
    assert_eq!(first["i_alt"].as_u64().unwrap() as usize, forventet, "every package in the country");
    assert!(!alle.is_empty());
    let kladde = alle.iter().find(|p| p["status"] == "kladde").expect("the demo has drafts");
    let page = c.get_bearer(&format!("/api/v1/pakker/{}", kladde["id"]), &token).await;
    assert!([403, 404].contains(&page.status), "the agency reads a draft: {} {}", page.status, page.body);
    json(&page.body);
}
