//! The simulated users as goose scenarios: one page hit in a closed loop (per-page phase), and
//! the real journeys of the five audiences with think time (mixed phase).
//!
//! Every user shares one HTTP client that follows no redirects, so a save answers its own 303
//! and an expired session shows as a redirect to the login (a failure) instead of a login
//! page with 200. Sessions were made in the setup and travel as cookie or bearer token.

use crate::html;
use crate::setup::{API_SECTION, Fixture, Saver, Session};
use goose::goose::{GooseMethod, GooseRequest, Scenario, Transaction, TransactionError, TransactionFunction};
use goose::prelude::{GooseError, GooseUser, TransactionResult};
use rand::Rng;
use reqwest::header::COOKIE;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The question of [`API_SECTION`] the API clients answer (data/templates/2026/bilag3.toml).
const API_QUESTION: &str = "b3.q6";
/// One organisation iteration in this many downloads the styringsrapport PDF (typst is
/// CPU-heavy; real users print now and then).
const PDF_EVERY: u32 = 20;
/// The sections an organisation user reads: the fact sections are the heavy ones.
const READ_SECTIONS: [&str; 6] = ["b3.I", "b3.II", "b3.III", "b3.IV", "b3.V", "b3.bilag1"];

/// How a request is authenticated.
#[derive(Clone)]
pub enum Auth {
    Anonymous,
    Cookie(Arc<str>),
    Bearer(Arc<str>),
}

impl Auth {
    fn cookie(s: &Session) -> Auth {
        Auth::Cookie(s.token.clone())
    }
    fn bearer(s: &Session) -> Auth {
        Auth::Bearer(s.token.clone())
    }
}

pub enum Body {
    Empty,
    Form(Vec<(String, String)>),
    Json(serde_json::Value),
}

/// The client all simulated users share, like browsers on one machine: no redirects
/// followed, gzip accepted, and a request timeout that counts as a failure.
pub fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .pool_max_idle_per_host(1024)
        .build()
}

fn custom(message: String) -> Box<TransactionError> {
    Box::new(TransactionError::Custom(message))
}

/// One request, recorded under `name`, with its body read. Any status but `expect` (and any
/// transport error or timeout) is a failed request and ends the transaction.
async fn request(
    user: &mut GooseUser,
    auth: &Auth,
    method: GooseMethod,
    path: &str,
    name: &str,
    expect: u16,
    body: Body,
) -> Result<String, Box<TransactionError>> {
    let mut builder = user.get_request_builder(&method, path)?;
    builder = match auth {
        Auth::Anonymous => builder,
        Auth::Cookie(token) => builder.header(COOKIE, format!("sd_session={token}")),
        Auth::Bearer(token) => builder.bearer_auth(token),
    };
    builder = match body {
        Body::Empty => builder,
        Body::Form(fields) => builder.form(&fields),
        Body::Json(json) => builder.json(&json),
    };
    let request = GooseRequest::builder()
        .method(method)
        .name(name)
        .expect_status_code(expect)
        .error_on_fail()
        .set_request_builder(builder)
        .build();
    let mut goose = user.request(request).await?;
    let response = goose.response.map_err(|e| custom(format!("{name}: {e}")))?;
    match response.text().await {
        Ok(text) => Ok(text),
        Err(e) => {
            // A body cut off (or timed out) is a failed request too.
            let message = format!("{name}: reading the body: {e}");
            user.set_failure(&message, &mut goose.request, None, None)?;
            Err(custom(message))
        }
    }
}

async fn get(user: &mut GooseUser, auth: &Auth, path: &str, name: &str) -> Result<String, Box<TransactionError>> {
    request(user, auth, GooseMethod::Get, path, name, 200, Body::Empty).await
}

async fn get_expecting(
    user: &mut GooseUser,
    auth: &Auth,
    path: &str,
    name: &str,
    expect: u16,
) -> Result<String, Box<TransactionError>> {
    request(user, auth, GooseMethod::Get, path, name, expect, Body::Empty).await
}

/// The text field a user edits on a form: a free-text question or comment if there is one,
/// else the first question's explanation.
fn text_key(html: &str) -> Option<&str> {
    let keys = html::text_keys(html);
    let plain = keys
        .iter()
        .find(|k| !html.contains(&format!("name=\"{k}.ja\"")) && !html.contains(&format!("name=\"{k}.valg\"")));
    plain.or(keys.first()).copied()
}

/// Opens a form (section or afdeling form) and saves a new text in it with the revision and
/// CSRF token read from it, as a browser does; the server answers 303 (409 if someone else
/// saved meanwhile, which the one-user-per-form design rules out).
async fn save_form(
    user: &mut GooseUser,
    session: &Session,
    path: &str,
    get_name: &str,
    post_name: &str,
) -> TransactionResult {
    let auth = Auth::cookie(session);
    let form = get(user, &auth, path, get_name).await?;
    let key = text_key(&form).ok_or_else(|| custom(format!("{get_name}: no text field to fill in")))?;
    let text = format!("Lasttest: gemt af {} ({})", session.username, chrono::Utc::now().format("%H:%M:%S%.3f"));
    let fields = html::save_fields(&form, key, &text)
        .ok_or_else(|| custom(format!("{get_name}: no _csrf or _revision on the form")))?;
    request(user, &auth, GooseMethod::Post, path, post_name, 303, Body::Form(fields)).await?;
    Ok(())
}

/// Reads the package through the API for the section's revision, then saves the section with it.
async fn save_api(user: &mut GooseUser, saver: &Saver, get_name: &str, put_name: &str) -> TransactionResult {
    let auth = Auth::bearer(&saver.session);
    let detail = get(user, &auth, &format!("/api/v1/pakker/{}", saver.pakke), get_name).await?;
    let revision = section_revision(&detail, saver, get_name)?;
    put_api(user, saver, revision, put_name).await.map(drop)
}

/// Saves the section with `revision` through the API and returns the section's new revision
/// from the answer (the package as it is after the save), as an integration keeps it for its
/// next save instead of reading the package again.
async fn put_api(
    user: &mut GooseUser,
    saver: &Saver,
    revision: i64,
    put_name: &str,
) -> Result<i64, Box<TransactionError>> {
    let body = serde_json::json!({
        "revision": revision,
        "svar": { API_QUESTION: { "ja": true, "tekst": format!("Lasttest via API ({})", saver.session.username) } }
    });
    let path = format!("/api/v1/pakker/{}/sektioner/{}", saver.pakke, saver.sektion);
    let answer =
        request(user, &Auth::bearer(&saver.session), GooseMethod::Put, &path, put_name, 200, Body::Json(body)).await?;
    section_revision(&answer, saver, put_name)
}

/// The revision of the saver's section in a package as the API gives it.
fn section_revision(detail: &str, saver: &Saver, name: &str) -> Result<i64, Box<TransactionError>> {
    let detail: serde_json::Value = serde_json::from_str(detail).map_err(|e| custom(format!("{name}: {e}")))?;
    detail["sektioner"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == saver.sektion))
        .and_then(|s| s["revision"].as_i64())
        .ok_or_else(|| custom(format!("{name}: no revision of {}", saver.sektion)))
}

/// A transaction from an async closure over shared state.
fn transaction<S, F>(state: &Arc<S>, name: &str, f: F) -> Transaction
where
    S: Send + Sync + 'static,
    F: for<'u> Fn(&'u mut GooseUser, Arc<S>) -> futures::future::BoxFuture<'u, TransactionResult>
        + Send
        + Sync
        + 'static,
{
    let state = state.clone();
    let function: TransactionFunction = Arc::new(move |user| f(user, state.clone()));
    Transaction::new(function).set_name(name)
}

/// Gives the user the shared client.
fn use_client(client: &reqwest::Client) -> Transaction {
    let client = client.clone();
    let function: TransactionFunction = Arc::new(move |user| {
        user.client = client.clone();
        Box::pin(async { Ok(()) })
    });
    Transaction::new(function).set_name("start").set_on_start()
}

// ---------------------------------------------------------------------------------------------
// Per-page phase

/// What one per-page row measures.
#[derive(Clone)]
pub enum Target {
    /// A page or API read, the same for every user, answering `expect`.
    Get { path: String, auth: Auth, expect: u16 },
    /// A section saved through the form; each user on its own package.
    SaveForm { savers: Arc<Vec<Saver>> },
    /// A section saved through the API; each user on its own package.
    SaveApi { savers: Arc<Vec<Saver>> },
}

impl Target {
    /// The request of this target the row reports (goose's key: method and name).
    pub fn key(&self, name: &str) -> String {
        match self {
            Target::Get { .. } => format!("GET {name}"),
            Target::SaveForm { .. } => format!("POST {name}"),
            Target::SaveApi { .. } => format!("PUT {name}"),
        }
    }
}

impl Target {
    /// One request before the measurement, outside goose: the page must answer as expected,
    /// and its caches are warm when the loop starts (a cold cache under full concurrency is a
    /// different measurement).
    pub async fn warm_up(&self, client: &reqwest::Client, host: &str) -> anyhow::Result<()> {
        let Target::Get { path, auth, expect } = self else { return Ok(()) };
        let mut request = client.get(format!("{host}{path}"));
        request = match auth {
            Auth::Anonymous => request,
            Auth::Cookie(token) => request.header(COOKIE, format!("sd_session={token}")),
            Auth::Bearer(token) => request.bearer_auth(token),
        };
        let status = request.send().await?.status();
        if status.as_u16() != *expect {
            anyhow::bail!("GET {path} answered {status}, expected {expect}");
        }
        Ok(())
    }
}

/// A per-page user's saver, and for an API saver the revision its last save answered with.
#[derive(Clone)]
struct Slot {
    index: usize,
    revision: Option<i64>,
}

/// The closed-loop scenario of one per-page row: the target as fast as it answers.
pub fn per_page(client: &reqwest::Client, name: &str, target: Target) -> Scenario {
    let state = Arc::new((target, name.to_string(), AtomicUsize::new(0)));
    let scenario = Scenario::new(name).register_transaction(use_client(client));
    let slot = transaction(&state, "slot", |user, state| {
        Box::pin(async move {
            // Each saving user takes a saver of its own.
            let index = state.2.fetch_add(1, Ordering::Relaxed);
            user.set_session_data(Slot { index, revision: None });
            Ok(())
        })
    })
    .set_on_start();
    let hit = transaction(&state, "hit", |user, state| {
        Box::pin(async move {
            let (target, name, _) = &*state;
            let index = user.get_session_data_unchecked::<Slot>().index;
            match target {
                Target::Get { path, auth, expect } => {
                    get_expecting(user, auth, path, name, *expect).await?;
                }
                Target::SaveForm { savers } => {
                    let saver = savers.get(index).ok_or_else(|| custom("more users than savers".into()))?;
                    let path = format!("/pakker/{}/sektioner/{}", saver.pakke, saver.sektion);
                    save_form(user, &saver.session, &path, &format!("{name} (read revision)"), name).await?;
                }
                Target::SaveApi { savers } => {
                    // The package is read for the revision once; each save after that uses the
                    // revision the last one answered with, as an integration does.
                    let saver = savers.get(index).ok_or_else(|| custom("more users than savers".into()))?;
                    let revision = match user.get_session_data_unchecked::<Slot>().revision {
                        Some(revision) => revision,
                        None => {
                            let read = format!("/api/v1/pakker/{{id}} (read revision for {name})");
                            let detail = get(
                                user,
                                &Auth::bearer(&saver.session),
                                &format!("/api/v1/pakker/{}", saver.pakke),
                                &read,
                            )
                            .await?;
                            section_revision(&detail, saver, &read)?
                        }
                    };
                    // A failed save reads the package again next time.
                    user.set_session_data(Slot { index, revision: None });
                    let next = put_api(user, saver, revision, name).await?;
                    user.set_session_data(Slot { index, revision: Some(next) });
                }
            }
            Ok(())
        })
    });
    scenario.register_transaction(slot).register_transaction(hit)
}

// ---------------------------------------------------------------------------------------------
// Mixed phase

/// How many users each journey got, and how many organisation users had to share a package
/// and therefore only read.
#[derive(Default)]
pub struct Allocation {
    pub kommune: AtomicUsize,
    pub organisation: AtomicUsize,
    pub organisation_read_only: AtomicUsize,
    pub offentlig: AtomicUsize,
    pub styrelse: AtomicUsize,
    pub api: AtomicUsize,
    pub api_read_only: AtomicUsize,
}

struct Mixed {
    fixture: Arc<Fixture>,
    allocation: Arc<Allocation>,
}

/// A simulated user's own state.
#[derive(Clone)]
struct Person {
    /// A kommune user: which one, and the package it has open.
    kommune: usize,
    open: Option<(i64, i64)>,
    /// An organisation user or API client: its saver, and whether it may save (a user beyond
    /// the number of savers shares another's package and only reads).
    saver: Option<Saver>,
    saves: bool,
}

impl Person {
    fn new() -> Person {
        Person { kommune: 0, open: None, saver: None, saves: false }
    }
}

fn person(user: &GooseUser) -> &Person {
    user.get_session_data_unchecked::<Person>()
}

/// The weighted journeys of the mixed phase.
pub fn mixed(
    client: &reqwest::Client,
    fixture: Arc<Fixture>,
    think: (Duration, Duration),
) -> Result<(Vec<Scenario>, Arc<Allocation>), GooseError> {
    let allocation = Arc::new(Allocation::default());
    let state = Arc::new(Mixed { fixture, allocation: allocation.clone() });
    let journeys = [kommune, organisation, offentlig, styrelse, api];
    let scenarios = journeys
        .iter()
        .zip(WEIGHTS)
        .map(|(journey, (_, weight))| journey(client, &state).set_weight(weight)?.set_wait_time(think.0, think.1))
        .collect::<Result<_, _>>()?;
    Ok((scenarios, allocation))
}

/// The weights above, for sizing the setup: at most this share of the users per journey.
pub const WEIGHTS: [(&str, usize); 5] =
    [("kommune", 3), ("organisation", 4), ("offentlig", 6), ("styrelse", 1), ("api", 2)];

/// The most users goose gives the journey of `weight` out of `users` (it deals users out in
/// rounds of the summed weights).
pub fn users_of(weight: usize, users: usize) -> usize {
    let total: usize = WEIGHTS.iter().map(|w| w.1).sum();
    users.div_ceil(total) * weight
}

fn kommune(client: &reqwest::Client, state: &Arc<Mixed>) -> Scenario {
    let start = transaction(state, "kommune: start", |user, state| {
        Box::pin(async move {
            let n = state.allocation.kommune.fetch_add(1, Ordering::Relaxed);
            user.set_session_data(Person { kommune: n % state.fixture.kommuner.len(), ..Person::new() });
            Ok(())
        })
    })
    .set_on_start();
    let page = |path: &'static str| {
        transaction(state, path, move |user, state| {
            Box::pin(async move {
                let k = &state.fixture.kommuner[person(user).kommune];
                get(user, &Auth::cookie(&k.session), path, &format!("[kommune] {path}")).await?;
                Ok(())
            })
        })
    };
    let open = transaction(state, "open a package", |user, state| {
        Box::pin(async move {
            let k = &state.fixture.kommuner[person(user).kommune];
            let Some(&(pakke, version)) = k.pakker.get(rand::rng().random_range(0..k.pakker.len().max(1))) else {
                return Ok(());
            };
            user.get_session_data_unchecked_mut::<Person>().open = Some((pakke, version));
            get(user, &Auth::cookie(&k.session), &format!("/pakker/{pakke}"), "[kommune] /pakker/{id}").await?;
            Ok(())
        })
    });
    let version = transaction(state, "open a version", |user, state| {
        Box::pin(async move {
            let k = &state.fixture.kommuner[person(user).kommune];
            if let Some((pakke, version)) = person(user).open {
                let path = format!("/pakker/{pakke}/versioner/{version}");
                get(user, &Auth::cookie(&k.session), &path, "[kommune] /pakker/{id}/versioner/{n}").await?;
            }
            Ok(())
        })
    });
    Scenario::new("kommune")
        .register_transaction(use_client(client))
        .register_transaction(start)
        .register_transaction(page("/kommune"))
        .register_transaction(page("/kommune/opmaerksomhed"))
        .register_transaction(page("/kommune/pakker"))
        .register_transaction(open)
        .register_transaction(version)
}

fn organisation(client: &reqwest::Client, state: &Arc<Mixed>) -> Scenario {
    let start = transaction(state, "organisation: start", |user, state| {
        Box::pin(async move {
            let n = state.allocation.organisation.fetch_add(1, Ordering::Relaxed);
            let savers = &state.fixture.savers;
            let saves = n < savers.len();
            if !saves {
                state.allocation.organisation_read_only.fetch_add(1, Ordering::Relaxed);
            }
            user.set_session_data(Person { saver: Some(savers[n % savers.len()].clone()), saves, ..Person::new() });
            Ok(())
        })
    })
    .set_on_start();
    fn saver(user: &GooseUser) -> Saver {
        person(user).saver.clone().expect("set on start")
    }
    let overview = transaction(state, "overview", |user, _| {
        Box::pin(async move {
            let s = saver(user);
            get(user, &Auth::cookie(&s.session), "/organisation", "[organisation] /organisation").await?;
            Ok(())
        })
    });
    let package = transaction(state, "package", |user, _| {
        Box::pin(async move {
            let s = saver(user);
            get(user, &Auth::cookie(&s.session), &format!("/pakker/{}", s.pakke), "[organisation] /pakker/{id}")
                .await?;
            Ok(())
        })
    });
    let read_section = transaction(state, "read a section", |user, _| {
        Box::pin(async move {
            let s = saver(user);
            let sektion = READ_SECTIONS[rand::rng().random_range(0..READ_SECTIONS.len())];
            let path = format!("/pakker/{}/sektioner/{sektion}", s.pakke);
            get(user, &Auth::cookie(&s.session), &path, &format!("[organisation] /pakker/{{id}}/sektioner/{sektion}"))
                .await?;
            Ok(())
        })
    });
    let save_section = transaction(state, "save a section", |user, _| {
        Box::pin(async move {
            let s = saver(user);
            let path = format!("/pakker/{}/sektioner/{}", s.pakke, s.sektion);
            let name = format!("[organisation] /pakker/{{id}}/sektioner/{}", s.sektion);
            if person(user).saves {
                save_form(user, &s.session, &path, &name, &name).await
            } else {
                get(user, &Auth::cookie(&s.session), &path, &name).await.map(drop)
            }
        })
    });
    let afdelinger = transaction(state, "afdeling list", |user, _| {
        Box::pin(async move {
            let s = saver(user);
            let path = format!("/pakker/{}/afdelinger", s.pakke);
            get(user, &Auth::cookie(&s.session), &path, "[organisation] /pakker/{id}/afdelinger").await?;
            Ok(())
        })
    });
    let save_afdeling = transaction(state, "save an afdeling form", |user, _| {
        Box::pin(async move {
            let s = saver(user);
            let Some(nr) = s.afdeling else { return Ok(()) };
            let path = format!("/pakker/{}/afdelinger/{nr}", s.pakke);
            let name = "[organisation] /pakker/{id}/afdelinger/{nummer}";
            if person(user).saves {
                save_form(user, &s.session, &path, name, name).await
            } else {
                get(user, &Auth::cookie(&s.session), &path, name).await.map(drop)
            }
        })
    });
    let check = transaction(state, "check answers", |user, _| {
        Box::pin(async move {
            let s = saver(user);
            let path = format!("/pakker/{}/indsend", s.pakke);
            let name = "[organisation] /pakker/{id}/indsend";
            get_expecting(user, &Auth::cookie(&s.session), &path, name, s.tjek_status).await?;
            Ok(())
        })
    });
    let pdf = transaction(state, "styringsrapport", |user, _| {
        Box::pin(async move {
            if rand::rng().random_range(0..PDF_EVERY) != 0 {
                return Ok(());
            }
            let s = saver(user);
            let path = format!("/pakker/{}/styringsrapport.pdf", s.pakke);
            get(user, &Auth::cookie(&s.session), &path, "[organisation] /pakker/{id}/styringsrapport.pdf").await?;
            Ok(())
        })
    });
    Scenario::new("organisation")
        .register_transaction(use_client(client))
        .register_transaction(start)
        .register_transaction(overview)
        .register_transaction(package)
        .register_transaction(read_section)
        .register_transaction(save_section)
        .register_transaction(afdelinger)
        .register_transaction(save_afdeling)
        .register_transaction(check)
        .register_transaction(pdf)
}

fn offentlig(client: &reqwest::Client, state: &Arc<Mixed>) -> Scenario {
    let start = transaction(state, "offentlig: start", |user, state| {
        Box::pin(async move {
            state.allocation.offentlig.fetch_add(1, Ordering::Relaxed);
            user.set_session_data(Person::new());
            Ok(())
        })
    })
    .set_on_start();
    let search = transaction(state, "search", |user, _| {
        Box::pin(async move {
            get(user, &Auth::Anonymous, "/offentlig?q=bolig", "[offentlig] /offentlig?q=bolig").await?;
            Ok(())
        })
    });
    let sheet = transaction(state, "data sheet", |user, state| {
        Box::pin(async move {
            let blade = &state.fixture.datablade;
            let (nr, _) = blade[rand::rng().random_range(0..blade.len())];
            let path = format!("/offentlig/organisationer/{nr}");
            get(user, &Auth::Anonymous, &path, "[offentlig] /offentlig/organisationer/{nummer}").await?;
            Ok(())
        })
    });
    let afdeling = transaction(state, "afdeling sheet", |user, state| {
        Box::pin(async move {
            let blade = &state.fixture.datablade;
            let (nr, afd) = blade[rand::rng().random_range(0..blade.len())];
            let path = format!("/offentlig/organisationer/{nr}/afdelinger/{afd}");
            let name = "[offentlig] /offentlig/organisationer/{nummer}/afdelinger/{afdeling}";
            get(user, &Auth::Anonymous, &path, name).await?;
            Ok(())
        })
    });
    let data = transaction(state, "open data", |user, _| {
        Box::pin(async move {
            get(user, &Auth::Anonymous, "/offentlig/data", "[offentlig] /offentlig/data").await?;
            Ok(())
        })
    });
    let csv = transaction(state, "open data CSV", |user, state| {
        Box::pin(async move {
            let path = state.fixture.csv.clone();
            get(user, &Auth::Anonymous, &path, &format!("[offentlig] {path}")).await?;
            Ok(())
        })
    });
    Scenario::new("offentlig")
        .register_transaction(use_client(client))
        .register_transaction(start)
        .register_transaction(search)
        .register_transaction(sheet)
        .register_transaction(afdeling)
        .register_transaction(data)
        .register_transaction(csv)
}

fn styrelse(client: &reqwest::Client, state: &Arc<Mixed>) -> Scenario {
    let start = transaction(state, "styrelse: start", |user, state| {
        Box::pin(async move {
            state.allocation.styrelse.fetch_add(1, Ordering::Relaxed);
            user.set_session_data(Person::new());
            Ok(())
        })
    })
    .set_on_start();
    let page = |path: &'static str| {
        transaction(state, path, move |user, state| {
            Box::pin(async move {
                get(user, &Auth::cookie(&state.fixture.styrelse), path, &format!("[styrelse] {path}")).await?;
                Ok(())
            })
        })
    };
    Scenario::new("styrelse")
        .register_transaction(use_client(client))
        .register_transaction(start)
        .register_transaction(page("/styrelse"))
        .register_transaction(page("/aftaler?vis=alle"))
        .register_transaction(page("/styrelse/udbakke"))
}

fn api(client: &reqwest::Client, state: &Arc<Mixed>) -> Scenario {
    let start = transaction(state, "api: start", |user, state| {
        Box::pin(async move {
            let n = state.allocation.api.fetch_add(1, Ordering::Relaxed);
            let savers = &state.fixture.api_savers;
            let saves = n < savers.len();
            if !saves {
                state.allocation.api_read_only.fetch_add(1, Ordering::Relaxed);
            }
            user.set_session_data(Person { saver: Some(savers[n % savers.len()].clone()), saves, ..Person::new() });
            Ok(())
        })
    })
    .set_on_start();
    let list = transaction(state, "list packages", |user, _| {
        Box::pin(async move {
            let s = person(user).saver.clone().expect("set on start");
            get(user, &Auth::bearer(&s.session), "/api/v1/pakker", "[api] /api/v1/pakker").await?;
            Ok(())
        })
    });
    let save = transaction(state, "read and save", |user, _| {
        Box::pin(async move {
            let s = person(user).saver.clone().expect("set on start");
            let read = "[api] /api/v1/pakker/{id}";
            if person(user).saves {
                save_api(user, &s, read, &format!("[api] /api/v1/pakker/{{id}}/sektioner/{API_SECTION}")).await
            } else {
                get(user, &Auth::bearer(&s.session), &format!("/api/v1/pakker/{}", s.pakke), read).await.map(drop)
            }
        })
    });
    Scenario::new("api")
        .register_transaction(use_client(client))
        .register_transaction(start)
        .register_transaction(list)
        .register_transaction(save)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_is_preferred_over_a_yes_no_explanation() {
        let form = r#"<input type="radio" name="b3.q1.ja" value="ja"><textarea name="b3.q1.tekst"></textarea>
            <textarea name="b3.noegletal.tekst"></textarea>"#;
        assert_eq!(text_key(form), Some("b3.noegletal"));
        let only_yes_no = r#"<input type="radio" name="b3.q1.ja" value="ja"><textarea name="b3.q1.tekst"></textarea>"#;
        assert_eq!(text_key(only_yes_no), Some("b3.q1"));
    }

    #[test]
    fn journeys_never_get_more_users_than_sized_for() {
        // Goose deals users round-robin over the weights, so a journey's share is bounded by
        // whole rounds.
        assert_eq!(users_of(4, 200), 52);
        assert_eq!(users_of(4, 16), 4);
        assert_eq!(users_of(2, 30), 4);
    }
}
