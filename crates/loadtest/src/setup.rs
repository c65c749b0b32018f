//! Phase 1 after the server is up: the accounts of the simulated users, their sessions, and
//! the packages, versions and data sheets the journeys open, all read from the running
//! server as its users would see them.

use crate::server::Cli;
use anyhow::{Context, Result, bail};
use futures::{StreamExt, TryStreamExt};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// The demo users' password (`crates/app/src/seed.rs`).
pub const DEMO_PASSWORD: &str = "demo-styringsdialog";
/// Sections the organisation users save through the form, one per user of a package. Each
/// section has its own revision, so two users saving different sections never conflict.
pub const FORM_SECTIONS: [&str; 2] = ["b3.III", "b3.I"];
/// The section the API clients save (on the same packages as the form users, who never touch it).
pub const API_SECTION: &str = "b3.II";
/// `user add` runs at a time (each hashes a password).
const PARALLEL: usize = 4;

/// A signed-in user: the session token (cookie `sd_session`, or bearer on the API). Forms
/// carry the session's CSRF token, read from each form as a browser would.
#[derive(Debug, Clone)]
pub struct Session {
    pub username: String,
    pub token: Arc<str>,
}

/// An organisation user who saves: its package, and the section and afdeling form it saves.
#[derive(Debug, Clone)]
pub struct Saver {
    pub session: Session,
    pub pakke: i64,
    pub sektion: &'static str,
    pub afdeling: Option<u32>,
    /// What "check your answers" answers for the package: 422 while answers are missing (the
    /// page lists them), 200 when it can be submitted.
    pub tjek_status: u16,
}

/// A kommune user and packages sent to its kommune, each with its newest version.
#[derive(Debug, Clone)]
pub struct KommuneUser {
    pub session: Session,
    pub pakker: Vec<(i64, i64)>,
}

/// Everything the journeys need, found once.
pub struct Fixture {
    pub styrelse: Session,
    /// The demo's `boligorg` and its package of the year (a draft), with one afdeling.
    pub boligorg: Session,
    pub boligorg_nummer: u32,
    pub boligorg_pakke: i64,
    pub boligorg_afdeling: u32,
    /// boligorg's "check your answers" status (see [`Saver::tjek_status`]).
    pub boligorg_tjek_status: u16,
    /// `kommune` (the demo's hjemstedskommune of boligorg) first, then the others.
    pub kommuner: Vec<KommuneUser>,
    /// Form savers: first one per package (`FORM_SECTIONS[0]` and the first afdeling form),
    /// then, if more users are needed, a second per package (the next section and afdeling).
    pub savers: Vec<Saver>,
    pub api_savers: Vec<Saver>,
    /// Public data sheets: organisation and one of its afdelinger.
    pub datablade: Vec<(u32, u32)>,
    /// The open-data CSV file of the newest open year.
    pub csv: String,
    pub counts: Counts,
}

/// What the dataset held, for the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Counts {
    /// The styringsår the journeys work in: the demo's.
    pub styringsaar: i32,
    pub organisationer: usize,
    pub pakker: usize,
    pub pakker_i_aar: usize,
    /// This year's bilag 3 packages still editable (kladde, returneret), boligorg's aside.
    pub redigerbare: usize,
    pub brugere_oprettet: usize,
}

/// How many accounts of each kind the phases need.
pub struct Needs {
    pub form_savers: usize,
    pub api_savers: usize,
    pub extra_kommuner: usize,
}

#[derive(Deserialize)]
struct Liste<T> {
    data: Vec<T>,
    i_alt: usize,
}

#[derive(Deserialize, Clone)]
struct Pakke {
    id: i64,
    organisation: OrganisationRef,
    styringsaar: i32,
    rapporttype: String,
    status: String,
}

#[derive(Deserialize, Clone)]
struct OrganisationRef {
    nummer: u32,
}

#[derive(Deserialize)]
struct PakkeDetalje {
    versioner: Vec<Version>,
    afdelingsskemaer: Vec<Afdelingsskema>,
}

#[derive(Deserialize)]
struct Version {
    version: i64,
}

#[derive(Deserialize)]
struct Afdelingsskema {
    afdeling: u32,
}

#[derive(Deserialize)]
struct OrganisationKort {
    nummer: u32,
    type_: String,
    hjemstedskommune: i64,
}

#[derive(Deserialize)]
struct Dataark {
    afdelinger: Vec<AfdelingKort>,
}

#[derive(Deserialize)]
struct AfdelingKort {
    nummer: u32,
}

#[derive(Deserialize)]
struct AabenData {
    csv: String,
}

/// The HTTP client of the setup: no redirects followed, so a login answers its own 303.
pub struct Http {
    client: reqwest::Client,
    base: String,
}

impl Http {
    pub fn new(base: &str) -> Result<Http> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Http { client, base: base.to_string() })
    }

    /// Logs in through the form, as a browser does: the login page's double-submit CSRF
    /// cookie and field, the POST, and the home page it leads to (which must show).
    pub async fn login(&self, username: &str, password: &str) -> Result<Session> {
        let page = self.client.get(format!("{}/log-ind", self.base)).send().await?;
        let anon = cookie(&page, "sd_csrf").context("no sd_csrf cookie on /log-ind")?;
        let html = page.text().await?;
        let csrf = crate::html::input_value(&html, "_csrf").context("no _csrf on /log-ind")?;
        let answer = self
            .client
            .post(format!("{}/log-ind", self.base))
            .header(COOKIE, format!("sd_csrf={anon}"))
            .form(&[("brugernavn", username), ("kodeord", password), ("_csrf", csrf), ("naeste", "")])
            .send()
            .await?;
        if answer.status() != reqwest::StatusCode::SEE_OTHER {
            bail!("logging in as {username} answered {}", answer.status());
        }
        let token = cookie(&answer, "sd_session").context("no session cookie after login")?;
        let home = answer.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or("/").to_string();
        let page = self
            .client
            .get(format!("{}{home}", self.base))
            .header(COOKIE, format!("sd_session={token}"))
            .send()
            .await?;
        if !page.status().is_success() {
            bail!("{username}'s home page {home} answered {}", page.status());
        }
        Ok(Session { username: username.to_string(), token: token.into() })
    }

    /// The status of a page as the session's user sees it: "check your answers" is 200 or 422.
    pub async fn tjek_status(&self, pakke: i64, session: &Session) -> Result<u16> {
        let path = format!("/pakker/{pakke}/indsend");
        let answer = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, format!("sd_session={}", session.token))
            .send()
            .await?;
        match answer.status().as_u16() {
            status @ (200 | 422) => Ok(status),
            other => bail!("GET {path} as {} answered {other}", session.username),
        }
    }

    pub async fn get_json<T: DeserializeOwned>(&self, path: &str, session: Option<&Session>) -> Result<T> {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(s) = session {
            request = request.bearer_auth(&*s.token);
        }
        let answer = request.send().await?;
        if !answer.status().is_success() {
            bail!("GET {path} answered {}", answer.status());
        }
        answer.json().await.with_context(|| format!("GET {path}: unexpected JSON"))
    }

    /// Every item of a paginated API list.
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str, session: Option<&Session>) -> Result<Vec<T>> {
        let mut all = Vec::new();
        for side in 1.. {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page: Liste<T> = self.get_json(&format!("{path}{sep}pr_side=500&side={side}"), session).await?;
            let done = page.data.is_empty();
            all.extend(page.data);
            if done || all.len() >= page.i_alt {
                break;
            }
        }
        Ok(all)
    }
}

pub fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get_all(SET_COOKIE).iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let value = v.strip_prefix(name)?.strip_prefix('=')?;
        Some(value.split(';').next()?.to_string())
    })
}

/// Creates the accounts, logs everyone in and finds the journeys' pages.
pub async fn prepare(cli: &Cli, http: &Http, needs: &Needs) -> Result<Fixture> {
    let styrelse = http.login("styrelse", DEMO_PASSWORD).await?;
    let boligorg = http.login("boligorg", DEMO_PASSWORD).await?;

    let year = cli.demo_year().await?;
    let mut pakker: Vec<Pakke> = http.get_all("/api/v1/pakker", Some(&styrelse)).await?;
    // The server makes next year's packages at start-up, maybe while this reads the list page by
    // page: a package added in front of the page read next moves the rest, and one package can
    // come twice (then its organisation's users would be made twice).
    pakker.sort_by_key(|p| p.id);
    pakker.dedup_by_key(|p| p.id);
    let organisationer: Vec<OrganisationKort> = http.get_all("/api/v1/offentlig/organisationer", None).await?;
    let hjemsted: BTreeMap<u32, i64> = organisationer.iter().map(|o| (o.nummer, o.hjemstedskommune)).collect();

    let egen = http.get_all::<Pakke>("/api/v1/pakker", Some(&boligorg)).await?;
    let egen = egen.into_iter().find(|p| p.styringsaar == year).context("boligorg has no package this year")?;
    let detalje: PakkeDetalje = http.get_json(&format!("/api/v1/pakker/{}", egen.id), Some(&boligorg)).await?;
    let boligorg_afdeling = detalje.afdelingsskemaer.first().context("boligorg has no afdelinger")?.afdeling;

    // This year's editable bilag 3 packages, each for its own organisation user(s).
    let mut redigerbare: Vec<&Pakke> = pakker
        .iter()
        .filter(|p| p.styringsaar == year && p.rapporttype == "bilag3")
        .filter(|p| matches!(p.status.as_str(), "kladde" | "returneret"))
        .filter(|p| p.organisation.nummer != egen.organisation.nummer)
        .collect();
    redigerbare.sort_by_key(|p| p.id);
    if redigerbare.is_empty() {
        bail!("the demo has no editable bilag 3 package this year to save in");
    }
    let capacity = redigerbare.len() * FORM_SECTIONS.len();
    let form_slots: Vec<(&Pakke, usize)> = (0..needs.form_savers.min(capacity))
        .map(|i| (redigerbare[i % redigerbare.len()], i / redigerbare.len()))
        .collect();
    let api_slots: Vec<&Pakke> = redigerbare.iter().copied().take(needs.api_savers).collect();

    // Extra kommune users: the kommuner that have received the most packages this year.
    let boligorg_kommune = hjemsted.get(&egen.organisation.nummer).copied();
    let mut modtaget: BTreeMap<i64, usize> = BTreeMap::new();
    for p in pakker.iter().filter(|p| p.styringsaar == year && p.status != "kladde") {
        if let Some(k) = hjemsted.get(&p.organisation.nummer).filter(|k| Some(**k) != boligorg_kommune) {
            *modtaget.entry(*k).or_default() += 1;
        }
    }
    let mut kommuner: Vec<(i64, usize)> = modtaget.into_iter().collect();
    kommuner.sort_by_key(|(k, n)| (std::cmp::Reverse(*n), *k));
    kommuner.truncate(needs.extra_kommuner);

    // One password for every account made here, new each run.
    let password = format!("last-{}", uuid::Uuid::new_v4().simple());
    let mut accounts: Vec<(String, Vec<String>)> = Vec::new();
    for (p, variant) in &form_slots {
        let nr = p.organisation.nummer;
        accounts.push((format!("last-org-{nr}-{variant}"), org_args(nr)));
    }
    for p in &api_slots {
        let nr = p.organisation.nummer;
        accounts.push((format!("last-api-{nr}"), org_args(nr)));
    }
    for (kode, _) in &kommuner {
        let args = vec!["--role".into(), "kommune".into(), "--kommune".into(), kode.to_string()];
        accounts.push((format!("last-kommune-{kode}"), args));
    }
    eprintln!("Creating {} users (organisations, API clients, kommuner) …", accounts.len());
    futures::stream::iter(&accounts)
        .map(|(username, scope)| {
            let mut args = vec!["user", "add", "--username", username, "--name", username];
            args.extend(scope.iter().map(String::as_str));
            let password = &password;
            async move { cli.run(&args, Some(password)).await }
        })
        .buffer_unordered(PARALLEL)
        .try_collect::<Vec<_>>()
        .await?;

    eprintln!("Logging in {} users …", accounts.len() + 2);
    let sessions: BTreeMap<String, Session> = futures::stream::iter(&accounts)
        .map(|(username, _)| {
            let password = &password;
            async move { http.login(username, password).await.map(|s| (username.clone(), s)) }
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await?;
    let session = |name: &str| sessions.get(name).cloned().context("missing session");

    let mut savers = Vec::new();
    let mut known: BTreeMap<i64, (Vec<u32>, u16)> = BTreeMap::new();
    for (p, variant) in &form_slots {
        let session = session(&format!("last-org-{}-{variant}", p.organisation.nummer))?;
        if let Entry::Vacant(entry) = known.entry(p.id) {
            let d: PakkeDetalje = http.get_json(&format!("/api/v1/pakker/{}", p.id), Some(&session)).await?;
            let status = http.tjek_status(p.id, &session).await?;
            entry.insert((d.afdelingsskemaer.iter().map(|a| a.afdeling).collect(), status));
        }
        let (afdelinger, tjek_status) = &known[&p.id];
        savers.push(Saver {
            session,
            pakke: p.id,
            sektion: FORM_SECTIONS[*variant],
            // Each user of a package fills in a different afdeling form.
            afdeling: afdelinger.get(*variant).copied(),
            tjek_status: *tjek_status,
        });
    }
    let api_savers = api_slots
        .iter()
        .map(|p| {
            Ok(Saver {
                session: session(&format!("last-api-{}", p.organisation.nummer))?,
                pakke: p.id,
                sektion: API_SECTION,
                afdeling: None,
                tjek_status: 0,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let mut kommune_users = Vec::new();
    let mut named = vec![http.login("kommune", DEMO_PASSWORD).await?, http.login("nabokommune", DEMO_PASSWORD).await?];
    for (kode, _) in &kommuner {
        named.push(session(&format!("last-kommune-{kode}"))?);
    }
    for s in named {
        kommune_users.push(KommuneUser { pakker: received(http, &s, year).await?, session: s });
    }
    if kommune_users[0].pakker.is_empty() {
        bail!("the demo kommune user has no received package with a version");
    }

    let aabne: Vec<AabenData> = http.get_all("/api/v1/offentlig/aabne-data", None).await?;
    let csv = aabne.first().context("no open data year")?.csv.clone();

    // Data sheets of organisations spread over the list, each with its first afdeling.
    let egne: Vec<u32> = organisationer.iter().filter(|o| o.type_ == "egne_afdelinger").map(|o| o.nummer).collect();
    let step = (egne.len() / 12).max(1);
    let mut datablade = vec![(egen.organisation.nummer, boligorg_afdeling)];
    for nr in egne.iter().step_by(step).take(12) {
        let ark: Dataark = http.get_json(&format!("/api/v1/offentlig/organisationer/{nr}"), None).await?;
        if let Some(a) = ark.afdelinger.first() {
            datablade.push((*nr, a.nummer));
        }
    }

    let boligorg_tjek_status = http.tjek_status(egen.id, &boligorg).await?;
    let distinct: BTreeSet<i64> = redigerbare.iter().map(|p| p.id).collect();
    Ok(Fixture {
        counts: Counts {
            styringsaar: year,
            organisationer: organisationer.len(),
            pakker: pakker.len(),
            pakker_i_aar: pakker.iter().filter(|p| p.styringsaar == year).count(),
            redigerbare: distinct.len(),
            brugere_oprettet: accounts.len(),
        },
        styrelse,
        boligorg,
        boligorg_nummer: egen.organisation.nummer,
        boligorg_pakke: egen.id,
        boligorg_afdeling,
        boligorg_tjek_status,
        kommuner: kommune_users,
        savers,
        api_savers,
        datablade,
        csv,
    })
}

pub fn org_args(nummer: u32) -> Vec<String> {
    vec!["--role".into(), "organisation".into(), "--organisation".into(), nummer.to_string()]
}

/// Packages sent to the user's kommune (this year's first, received ones before submitted
/// ones), each with its newest version; at most eight.
async fn received(http: &Http, session: &Session, year: i32) -> Result<Vec<(i64, i64)>> {
    let mut pakker: Vec<Pakke> = http.get_all("/api/v1/pakker", Some(session)).await?;
    pakker.retain(|p| p.status != "kladde");
    pakker.sort_by_key(|p| (p.styringsaar != year, p.status == "indsendt", p.id));
    // Read page by page while the server may add packages: one can come twice.
    pakker.dedup_by_key(|p| p.id);
    let mut found = Vec::new();
    for p in pakker.iter().take(8) {
        let d: PakkeDetalje = http.get_json(&format!("/api/v1/pakker/{}", p.id), Some(session)).await?;
        if let Some(v) = d.versioner.iter().map(|v| v.version).max() {
            found.push((p.id, v));
        }
    }
    Ok(found)
}
