//! Test support: a fresh database on the engine under test, and the real application served
//! on port 0 with exactly the production wiring.
//!
//! The engine is chosen by `TEST_DATABASE_URL`: unset means SQLite in a temporary file; a
//! `postgres://` URL means a new, uniquely named database on that server per test.

pub mod conformance;

use app::{App, AppSettings};
use std::sync::Arc;
use store::Store;

pub use demo::DemoOptions;

/// The Python packages the tests run as real local servers: an SMTP sink for the mail tests
/// and an OpenID Connect provider for the national-login tests (PyPI).
const TEST_PYTHON_PACKAGES: [&str; 2] = ["aiosmtpd==1.4.6", "oidc-provider-mock==0.3.4"];

/// A Python 3 that has the tests' servers: the system's `python3` when it already has them,
/// else a virtual environment the tests make once beside the build (`target/test-python`,
/// from PyPI). So `cargo test` needs only Python 3 on a fresh machine, as the README says.
pub fn test_python() -> std::path::PathBuf {
    static PYTHON: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PYTHON.get_or_init(make_test_python).clone()
}

fn make_test_python() -> std::path::PathBuf {
    use std::process::{Command, Stdio};
    let has_modules = |python: &std::path::Path| {
        Command::new(python)
            .args(["-W", "ignore", "-c", "import aiosmtpd, oidc_provider_mock"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_modules(std::path::Path::new("python3")) {
        return "python3".into();
    }
    // target/<profile>/deps/<test binary> → target/test-python
    let exe = std::env::current_exe().expect("the test binary's path");
    let target = exe.ancestors().nth(3).expect("the test binary lies under target/<profile>/deps");
    let venv = target.join("test-python");
    let python = venv.join("bin").join("python3");
    if has_modules(&python) {
        return python;
    }
    // Made under a name of its own and renamed when complete, so a test binary running at the
    // same time never sees half an environment.
    let building = target.join(format!("test-python.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let made = Command::new("python3").args(["-m", "venv"]).arg(&building).status();
    assert!(
        made.is_ok_and(|s| s.success()),
        "the mail and national-login tests need Python 3 with venv (Debian: apt-get install python3-venv)"
    );
    let installed = Command::new(building.join("bin").join("python3"))
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .args(TEST_PYTHON_PACKAGES)
        .status();
    assert!(
        installed.is_ok_and(|s| s.success()),
        "pip could not install {TEST_PYTHON_PACKAGES:?} from PyPI into {}",
        building.display()
    );
    let _ = std::fs::remove_dir_all(&venv);
    if std::fs::rename(&building, &venv).is_err() {
        // Another test binary finished first: use its environment.
        let _ = std::fs::remove_dir_all(&building);
    }
    assert!(has_modules(&python), "{} lacks the test packages", python.display());
    python
}

/// The URL of a new, empty database on the engine under test (not yet migrated).
pub async fn fresh_database_url() -> String {
    let name = format!("sd_test_{}", uuid::Uuid::new_v4().simple());
    match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(base) if base.starts_with("postgres") => {
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(&base).await.expect("TEST_DATABASE_URL answers");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create test database");
            let mut url = url::Url::parse(&base).expect("valid TEST_DATABASE_URL");
            url.set_path(&name);
            url.to_string()
        }
        Some(other) => panic!("TEST_DATABASE_URL must be a postgres:// URL, got {other}"),
        None => format!("sqlite://{}", std::env::temp_dir().join(format!("{name}.db")).display()),
    }
}

/// A fresh, migrated, empty store on the engine under test.
pub async fn fresh_store() -> Arc<dyn Store> {
    open_store(&fresh_database_url().await).await
}

/// Two stores on one fresh database, as two instances of the server would have.
pub async fn fresh_store_pair() -> (Arc<dyn Store>, Arc<dyn Store>) {
    let url = fresh_database_url().await;
    (open_store(&url).await, open_store(&url).await)
}

/// The store of the database at `url`, migrated.
async fn open_store(url: &str) -> Arc<dyn Store> {
    if url.starts_with("postgres") {
        Arc::new(store_postgres::PgStore::connect(url).await.expect("connect to test database"))
    } else {
        Arc::new(store_sqlite::SqliteStore::connect(url).await.expect("open SQLite"))
    }
}

/// A small but complete demo dataset (all shapes of the national one).
pub fn small_demo() -> store::BulkData {
    demo_at(0.02)
}

/// The demo data at a scale of the national size.
pub fn demo_at(skala: f64) -> store::BulkData {
    demo_with_years(skala, 2)
}

/// The demo data with `aar` styringsår of accounts up to 2026 (the early warning's history).
pub fn demo_with_years(skala: f64, aar: u32) -> store::BulkData {
    let (_, kommuner) = domain::reference::kommuner_og_regioner().expect("reference data");
    demo::generate(
        &kommuner,
        &DemoOptions { seed: 7, styringsaar: domain::Styringsaar::new(2026).expect("year"), aar, skala },
    )
}

/// The application served on 127.0.0.1:0 over a fresh store with small demo data.
pub struct TestApp {
    pub base: String,
    pub app: App,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(small_demo()).await
    }

    /// Over other demo data, e.g. [`demo_at`] a larger scale where a test needs several
    /// organisations in one kommune or afdelinger in several kommuner.
    pub async fn spawn_with(data: store::BulkData) -> TestApp {
        Self::spawn_custom(data, |_| AppSettings::default(), |app| app).await
    }

    /// With settings that may depend on the server's own address (`settings` gets it, e.g.
    /// for the national login's redirect URL), and the app adapted before it serves (e.g.
    /// with a clock).
    pub async fn spawn_custom(
        data: store::BulkData,
        settings: impl FnOnce(&str) -> AppSettings,
        adapt: impl FnOnce(App) -> App,
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let store = fresh_store().await;
        let app = adapt(App::new(store, settings(&base)));
        let year = domain::Styringsaar::new(2026).expect("year");
        demo::seed_demo(&app, &data, year, false, &|_| {}).await.expect("demo seed");
        // The tests speak plain HTTP on loopback.
        let router = web::router(
            app.clone(),
            web::WebSettings {
                secure_cookies: false,
                metrics_token: Some(METRICS_TOKEN.into()),
                ..web::WebSettings::default()
            },
        );
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.expect("serve") });
        TestApp { base, app }
    }

    /// The id of the first package the user's API list shows (a new session of its own).
    pub async fn package_of(&self, user: &str) -> i64 {
        let c = self.client();
        let token = c.login_token(user).await;
        let page = c.get_bearer("/api/v1/pakker", &token).await;
        let json: serde_json::Value = serde_json::from_str(&page.body).expect("JSON");
        json["data"][0]["id"].as_i64().expect("a package")
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests check them).
    pub fn client(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }
}

/// Completes and submits a package as `user` in the browser; returns the signed-in client.
pub async fn submit_package(t: &TestApp, user: &str, id: i64) -> Client {
    let org = t.client();
    org.login(user).await;
    org.submit_package(id, "k1").await;
    org
}

/// Section b3.I answered as an organisation without anything to raise: no to questions 1–3 and
/// 5, and question 4 with the board's efficiency goals, which yellow or red afdelinger require.
pub fn svar_uden_udfordringer() -> Vec<(&'static str, &'static str)> {
    vec![
        ("b3.q1.ja", "nej"),
        ("b3.q2.ja", "nej"),
        ("b3.q3.ja", "nej"),
        ("b3.q4.ja", "ja"),
        ("b3.q4.tekst", "Bestyrelsens mål: driftsudgifterne ned med 3 % over fire år gennem fælles indkøb."),
        ("b3.q5.ja", "nej"),
    ]
}

/// A JSON API answer: status, the body as JSON (Null when it is not JSON) and the headers.
pub struct ApiSvar {
    pub status: u16,
    pub json: serde_json::Value,
    pub body: Vec<u8>,
    pub headers: reqwest::header::HeaderMap,
}

/// A signed-in demo user for calling use cases directly (e.g. with another clock).
pub async fn session_user(app: &App, username: &str) -> app::SessionUser {
    match app.login(username, demo::DEMO_PASSWORD).await.expect("login") {
        app::LoginOutcome::Success { user, .. } => *user,
        _ => panic!("demo user {username} cannot log in"),
    }
}

/// A user (`belig`) of the package's first beliggenhedskommune, signed in.
pub async fn beliggenhedskommune(t: &TestApp, id: i64) -> (domain::Kommunekode, Client) {
    let pakke = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap();
    let afdelinger = t.app.store().afdelinger(pakke.organisation).await.unwrap();
    let nabo = afdelinger
        .iter()
        .map(|a| a.data.kommune)
        .find(|k| *k != pakke.hjemstedskommune)
        .expect("an afdeling elsewhere");
    add_user(t, "belig", domain::access::Role::Kommune, Some(nabo), vec![]).await;
    let c = t.client();
    c.login("belig").await;
    (nabo, c)
}

/// A kommune user of a kommune with no part in the package.
pub async fn foreign_kommune(t: &TestApp, id: i64) -> Client {
    let pakke = t.app.store().pakke(store::PakkeId(id)).await.unwrap().unwrap();
    let afdelinger = t.app.store().afdelinger(pakke.organisation).await.unwrap();
    let outsider = t
        .app
        .store()
        .kommuner()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.kode != pakke.hjemstedskommune && afdelinger.iter().all(|a| a.data.kommune != k.kode))
        .unwrap();
    add_user(t, "fremmed", domain::access::Role::Kommune, Some(outsider.kode), vec![]).await;
    let c = t.client();
    c.login("fremmed").await;
    c
}

/// Adds a user with the demo password.
pub async fn add_user(
    t: &TestApp,
    username: &str,
    role: domain::access::Role,
    kommune: Option<domain::Kommunekode>,
    organisationer: Vec<domain::OrganisationNummer>,
) {
    t.app
        .add_user(
            None,
            app::NewUserInput {
                username: username.into(),
                display_name: username.into(),
                email: Some(format!("{username}@demo.invalid")),
                password: demo::DEMO_PASSWORD.into(),
                role,
                kommune,
                organisationer,
            },
        )
        .await
        .unwrap();
}

/// The smallest file a PDF reader accepts as a PDF, for attachments in tests.
/// The token that opens `/metrics` on every test server.
pub const METRICS_TOKEN: &str = "test-metrics-token";

pub const MINIMAL_PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
}

/// A response's status, location and body.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    /// `name=value` of each cookie the response sets.
    pub cookies: Vec<String>,
}

impl Page {
    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"_csrf\" value=\"";
        let start = self.body.find(marker).map(|i| i + marker.len()).expect("page has a form with a CSRF token");
        let end = self.body[start..].find('"').expect("token ends") + start;
        self.body[start..end].to_string()
    }
}

impl Page {
    /// The value of a hidden field, when the page has it.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_string())
    }

    /// The distinct targets of links starting with `prefix`, in page order.
    pub fn links(&self, prefix: &str) -> Vec<String> {
        let marker = format!("href=\"{prefix}");
        let mut out: Vec<String> = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(i) = rest.find(&marker) {
            rest = &rest[i + 6..];
            let link = rest[..rest.find('"').expect("href ends")].to_string();
            if !out.contains(&link) {
                out.push(link);
            }
        }
        out
    }
}

impl Client {
    pub async fn get(&self, path: &str) -> Page {
        let r = self.http.get(format!("{}{path}", self.base)).send().await.expect("GET");
        Self::page(r).await
    }

    /// A PDF download: its status, and its text (one string per page) when it is a PDF.
    pub async fn get_pdf(&self, path: &str) -> (u16, Option<Vec<String>>) {
        let r = self.http.get(format!("{}{path}", self.base)).send().await.expect("GET");
        let status = r.status().as_u16();
        let is_pdf = r.headers().get("content-type").is_some_and(|v| v == "application/pdf");
        let bytes = r.bytes().await.expect("body");
        let pages = is_pdf.then(|| pdf_extract::extract_text_from_mem_by_pages(&bytes).expect("a readable PDF"));
        (status, pages)
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Page {
        let r = self.http.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.expect("GET");
        Self::page(r).await
    }

    /// Posts a form with the CSRF token of the page at `form_page`, and its `_revision`
    /// when it has one (as a browser posts the form's hidden fields).
    pub async fn post(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(form_page).await;
        let token = page.csrf();
        let revision = page.hidden("_revision");
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if let Some(r) = &revision {
            all.push(("_revision", r));
        }
        self.post_with_token(action, &token, &all).await
    }

    /// Completes every section and afdeling form of a package except `skip` (a section id
    /// the caller answers itself), so it can be submitted.
    pub async fn complete_package(&self, id: i64, skip: &str) {
        let pakke = self.get(&format!("/pakker/{id}")).await;
        for link in pakke.links(&format!("/pakker/{id}/sektioner/")) {
            if !link.ends_with(&format!("/{skip}")) {
                let saved = self.complete_form(&link).await;
                assert_eq!(saved.status, 303, "{link}: {}", saved.body);
            }
        }
        let bilag = self.get(&format!("/pakker/{id}/bilag")).await;
        let (action, csrf) = (format!("/pakker/{id}/bilag"), bilag.csrf());
        for art in ["regnskab", "revisionsprotokol", "aarsberetning", "regnskabsspoergeskema"] {
            let saved =
                self.upload(&action, &csrf, &[("art", art)], (&format!("{art}.pdf"), MINIMAL_PDF.to_vec())).await;
            assert_eq!(saved.status, 303, "{art}: {}", saved.body);
        }
        let list = self.get(&format!("/pakker/{id}/afdelinger")).await;
        if list.status == 200 {
            for link in list.links(&format!("/pakker/{id}/afdelinger/")) {
                let saved = self.complete_form(&link).await;
                assert_eq!(saved.status, 303, "{link}: {}", saved.body);
            }
        }
    }

    /// Fills in every answer field of the form page at `path` the way a diligent user would
    /// (no to yes/no questions, the first choice, a text in every text field) and saves it.
    pub async fn complete_form(&self, path: &str) -> Page {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut rest = page.body.as_str();
        while let Some(i) = rest.find("name=\"") {
            rest = &rest[i + 6..];
            let name = &rest[..rest.find('"').expect("name ends")];
            if fields.iter().any(|(n, _)| n == name) || name.starts_with('_') {
                continue;
            }
            // Question 4 states the board's efficiency goals, which yellow or red afdelinger
            // require (§ 14 b, stk. 4); its text field gets the text below.
            // A preselected choice (a register value the form prefills) is kept, as a browser
            // keeps it.
            let checked = ["ja", "nej"]
                .into_iter()
                .find(|v| page.body.contains(&format!("name=\"{name}\" value=\"{v}\" class=\"form-radio\" checked")));
            let value = if let Some(v) = checked {
                v.to_string()
            } else if name == "b3.q4.ja" {
                "ja".to_string()
            } else if name.ends_with(".ja") {
                "nej".to_string()
            } else if name.ends_with(".valg") {
                let v = rest.find("value=\"").map(|j| &rest[j + 7..]).expect("a choice has a value");
                v[..v.find('"').unwrap()].to_string()
            } else if name.ends_with(".tekst") {
                "Organisationen følger op med afdelingsbestyrelsen.".to_string()
            } else {
                continue;
            };
            fields.push((name.to_string(), value));
        }
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        self.post(path, path, &borrowed).await
    }

    /// Completes and submits a package as the signed-in organisation user, with `key`.
    pub async fn submit_package(&self, id: i64, key: &str) {
        let sektion = format!("/pakker/{id}/sektioner/b3.I");
        let fields = svar_uden_udfordringer();
        assert_eq!(self.post(&sektion, &sektion, &fields).await.status, 303);
        self.complete_package(id, "b3.I").await;
        let tjek = self.get(&format!("/pakker/{id}/indsend")).await;
        assert_eq!(tjek.status, 200, "check-your-answers: {}", tjek.body);
        let sent = self.submit_from(id, &tjek, key).await;
        assert_eq!(sent.status, 303, "{}", sent.body);
    }

    /// Submits a completed package from check-your-answers (`tjek`, as read), with `key` and
    /// the board's approval of 20 May 2026.
    pub async fn submit_from(&self, id: i64, tjek: &Page, key: &str) -> Page {
        let fields = [("idempotens", key), ("bestyrelse_godkendt", "2026-05-20")];
        self.post_with_token(&format!("/pakker/{id}/indsend"), &tjek.csrf(), &fields).await
    }

    /// An API request with a bearer token, an optional Idempotency-Key and a JSON body
    /// (`None`: no body).
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        key: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> ApiSvar {
        let mut r = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token);
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.expect("API request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.bytes().await.expect("body").to_vec();
        let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        ApiSvar { status, json, body, headers }
    }

    pub async fn post_with_token(&self, action: &str, token: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(&str, &str)> = vec![("_csrf", token)];
        form.extend_from_slice(fields);
        let r = self.http.post(format!("{}{action}", self.base)).form(&form).send().await.expect("POST");
        Self::page(r).await
    }

    /// Uploads a file with a multipart form whose action carries the CSRF token.
    /// Posts a multipart form as a browser does: the CSRF token first (the guard reads it before
    /// any file), then the fields and the file.
    pub async fn upload(&self, action: &str, csrf: &str, fields: &[(&str, &str)], file: (&str, Vec<u8>)) -> Page {
        let mut form = reqwest::multipart::Form::new().text("_csrf", csrf.to_string());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part("fil", reqwest::multipart::Part::bytes(file.1).file_name(file.0.to_string()));
        let r = self.http.post(format!("{}{action}", self.base)).multipart(form).send().await.expect("POST");
        Self::page(r).await
    }

    pub async fn login(&self, username: &str) -> Page {
        let page =
            self.post("/log-ind", "/log-ind", &[("brugernavn", username), ("kodeord", demo::DEMO_PASSWORD)]).await;
        assert_eq!(page.status, 303, "login as {username} failed: {}", page.body);
        page
    }

    /// The id of the signed-in organisation user's 2026 package of a report type (`bilag3`,
    /// `bilag5`), from its API list.
    pub async fn package_2026(&self, rapporttype: &str) -> i64 {
        let json: serde_json::Value = serde_json::from_str(&self.get("/api/v1/pakker").await.body).expect("JSON");
        json["data"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|p| p["rapporttype"] == rapporttype && p["styringsaar"] == 2026)
            .and_then(|p| p["id"].as_i64())
            .expect("a 2026 package")
    }

    /// Logs in and returns the session token, for bearer-token API calls.
    pub async fn login_token(&self, username: &str) -> String {
        let page = self.login(username).await;
        page.cookies
            .iter()
            .find_map(|c| c.strip_prefix("sd_session=").map(str::to_string))
            .expect("login sets the session cookie")
    }

    async fn page(r: reqwest::Response) -> Page {
        let status = r.status().as_u16();
        let location = r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let cookies = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").to_string())
            .collect();
        Page { status, location, cookies, body: r.text().await.expect("body") }
    }
}
