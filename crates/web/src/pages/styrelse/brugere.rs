//! The agency's account administration: every user, local or provisioned by the national
//! login, searchable and paged; disabling ends a user's sessions; local accounts are made
//! here (break-glass and development). Every change is audited by the use cases.

use crate::AppState;
use crate::error::PageResult;
use crate::format::Valgmulighed;
use crate::input::valg;
use crate::layout::Layout;
use crate::pages::redirect_with;
use crate::security::CurrentUser;
use crate::view::{Sider, render, render_status};
use app::{AppError, NewUserInput, SessionUser};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::access::Role;
use serde::Deserialize;
use std::collections::HashMap;
use store::{BrugerFilter, Side, UserRecord};

const PR_SIDE: u32 = 50;

/// One account as the table shows it.
struct BrugerLinje {
    brugernavn: String,
    navn: String,
    email: String,
    rolle: &'static str,
    tilknytning: String,
    kilde: String,
    sidst: String,
    spaerret: bool,
    er_dig: bool,
}

#[derive(Template)]
#[template(path = "brugere.html")]
struct BrugereSide {
    layout: Layout,
    soeg: BrugerQuery,
    brugere: Vec<BrugerLinje>,
    sider: Sider,
    ny: NyBrugerForm,
    /// The roles for the search's filter and for the new account.
    rollefilter: Vec<Valgmulighed>,
    rollevalg: Vec<Valgmulighed>,
    /// Local accounts are only for the agency.
    kun_styrelsen: bool,
    udbyder: Option<String>,
}

valg! {
    /// Accounts by where they come from.
    pub enum Kildefilter {
        Alle = "",
        /// Made by national login (provisioned).
        National = "national",
        Lokal = "lokal",
    }
}

valg! {
    /// Accounts by whether they are blocked.
    pub enum Statusfilter {
        Alle = "",
        Aktiv = "aktiv",
        Spaerret = "spaerret",
    }
}

/// A role as the filter gives it; an unknown role is no filter.
fn rollefilter<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Role>, D::Error> {
    let kode = String::deserialize(d)?;
    Ok(Role::parse(kode.trim()))
}

#[derive(Deserialize, Default, Clone)]
pub struct BrugerQuery {
    #[serde(default)]
    q: String,
    #[serde(default, deserialize_with = "rollefilter")]
    rolle: Option<Role>,
    #[serde(default)]
    kilde: Kildefilter,
    #[serde(default)]
    status: Statusfilter,
    side: Option<String>,
    besked: Option<String>,
}

impl BrugerQuery {
    fn filter(&self) -> BrugerFilter {
        BrugerFilter {
            tekst: Some(self.q.trim().to_string()).filter(|t| !t.is_empty()),
            rolle: self.rolle,
            provisioneret: match self.kilde {
                Kildefilter::National => Some(true),
                Kildefilter::Lokal => Some(false),
                Kildefilter::Alle => None,
            },
            deaktiveret: match self.status {
                Statusfilter::Spaerret => Some(true),
                Statusfilter::Aktiv => Some(false),
                Statusfilter::Alle => None,
            },
        }
    }

    /// The list's own address with its search, at page `side`.
    fn href(&self, side: u32) -> String {
        let query = serde_urlencoded::to_string([
            ("q", self.q.as_str()),
            ("rolle", self.rolle.map_or("", Role::as_str)),
            ("kilde", self.kilde.kode()),
            ("status", self.status.kode()),
            ("side", &side.to_string()),
        ])
        .unwrap_or_default();
        format!("/styrelse/brugere?{query}")
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct NyBrugerForm {
    #[serde(default)]
    brugernavn: String,
    #[serde(default)]
    navn: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    kodeord: String,
    #[serde(default)]
    rolle: String,
    #[serde(default)]
    kommune: String,
    #[serde(default)]
    organisationer: String,
}

async fn side(
    state: &AppState,
    user: &SessionUser,
    soeg: BrugerQuery,
    ny: NyBrugerForm,
    layout: Layout,
) -> Result<BrugereSide, AppError> {
    let nummer = soeg.side.as_deref().and_then(|s| s.parse().ok()).unwrap_or(1);
    let udsnit = state.app.search_users(user, &soeg.filter(), Side::new(nummer, PR_SIDE)).await?;
    let public = state.app.offentlig();
    let kommuner: HashMap<_, _> = public.kommuner().await?.iter().map(|k| (k.kode, k.navn.clone())).collect();
    let organisationer: HashMap<_, _> =
        public.organisationer().await?.into_iter().map(|o| (o.id, format!("{} ({})", o.navn, o.nummer))).collect();
    let udbyder = state.app.national_login().map(|o| o.navn.clone());
    let linje = |u: &UserRecord| BrugerLinje {
        brugernavn: u.username.clone(),
        navn: u.display_name.clone(),
        email: u.email.clone().unwrap_or_default(),
        rolle: u.role.label(),
        tilknytning: match u.role {
            Role::Styrelse => "Styrelsen".into(),
            Role::Kommune => u.kommune.and_then(|k| kommuner.get(&k).cloned()).unwrap_or_default(),
            Role::Organisation => u
                .organisationer
                .iter()
                .map(|o| organisationer.get(o).cloned().unwrap_or_else(|| o.0.to_string()))
                .collect::<Vec<_>>()
                .join(", "),
        },
        kilde: match (&u.ekstern_id, u.cvr) {
            (Some(_), Some(c)) => format!("{} (CVR {c})", udbyder.as_deref().unwrap_or("National login")),
            (Some(_), None) => udbyder.clone().unwrap_or_else(|| "National login".into()),
            (None, _) => "Lokal konto".into(),
        },
        sidst: u
            .last_login
            .map(|t| t.with_timezone(&chrono_tz::Europe::Copenhagen).format("%d.%m.%Y %H:%M").to_string())
            .unwrap_or_else(|| "aldrig".into()),
        spaerret: u.disabled,
        er_dig: u.id == user.principal.user_id,
    };
    let brugere = udsnit.raekker.iter().map(linje).collect();
    let sider = Sider::new(&udsnit, |n| soeg.href(n));
    let roller = || Role::ALL.iter().map(|r| (r.as_str(), r.label()));
    Ok(BrugereSide {
        rollefilter: Valgmulighed::liste(roller(), soeg.rolle.map(Role::as_str)),
        rollevalg: Valgmulighed::liste(roller(), Some(ny.rolle.as_str())),
        layout,
        brugere,
        sider,
        ny,
        kun_styrelsen: !state.app.local_login_allowed(Role::Organisation),
        udbyder,
        soeg,
    })
}

pub async fn oversigt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Query(q): Query<BrugerQuery>,
) -> PageResult {
    let layout =
        Layout::new("Brugere", Some(&user), &user.csrf_token, "/styrelse/brugere").with_besked(q.besked.as_deref());
    render(&side(&state, &user, q, NyBrugerForm::default(), layout).await?)
}

/// Makes a local account. Errors come back on the page (422), the form keeps its values (not
/// the password).
pub async fn opret(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Form(form): Form<NyBrugerForm>,
) -> PageResult {
    let mut errors = Vec::new();
    let role = Role::parse(&form.rolle);
    if role.is_none() {
        errors.push(app::FieldError { field: "rolle".into(), message: "Vælg en rolle".into() });
    }
    let kommune = match form.kommune.trim() {
        "" => None,
        k => match k.parse() {
            Ok(k) => Some(k),
            Err(_) => {
                errors.push(app::FieldError {
                    field: "kommune".into(),
                    message: format!("«{k}» er ikke en kommunekode; skriv fx 101 eller 851"),
                });
                None
            }
        },
    };
    let mut organisationer = Vec::new();
    for nr in form.organisationer.split([',', ' ', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        match nr.parse() {
            Ok(n) => organisationer.push(n),
            Err(_) => errors.push(app::FieldError {
                field: "organisationer".into(),
                message: format!("«{nr}» er ikke et organisationsnummer"),
            }),
        }
    }
    let result = match (role, errors.is_empty()) {
        (Some(role), true) => {
            let input = NewUserInput {
                username: form.brugernavn.clone(),
                display_name: form.navn.clone(),
                email: Some(form.email.trim().to_string()).filter(|e| !e.is_empty()),
                password: form.kodeord.clone(),
                role,
                kommune,
                organisationer,
            };
            state.app.add_user(Some(&user), input).await.map(|_| ())
        }
        _ => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(()) => {
            let q = serde_urlencoded::to_string([("q", form.brugernavn.trim().to_lowercase())]).unwrap_or_default();
            Ok(redirect_with(&format!("/styrelse/brugere?{q}"), "bruger_oprettet"))
        }
        Err(AppError::Invalid(errors)) => {
            let layout = Layout::new("Brugere", Some(&user), &user.csrf_token, "/styrelse/brugere").with_errors(errors);
            let ny = NyBrugerForm { kodeord: String::new(), ..form };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &side(&state, &user, BrugerQuery::default(), ny, layout).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct TilbageForm {
    /// The list to go back to (a local path of this page).
    #[serde(default)]
    tilbage: String,
}

fn tilbage(form: &TilbageForm) -> String {
    let ok = form.tilbage.starts_with("/styrelse/brugere") && form.tilbage.chars().all(|c| c.is_ascii_graphic());
    if ok { form.tilbage.clone() } else { "/styrelse/brugere".into() }
}

/// Disables an account: its sessions end at once.
pub async fn spaer(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(brugernavn): Path<String>,
    Form(form): Form<TilbageForm>,
) -> PageResult {
    state.app.set_user_disabled(Some(&user), &brugernavn, true).await?;
    Ok(redirect_with(&tilbage(&form), "bruger_spaerret").into_response())
}

pub async fn genaktiver(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(brugernavn): Path<String>,
    Form(form): Form<TilbageForm>,
) -> PageResult {
    state.app.set_user_disabled(Some(&user), &brugernavn, false).await?;
    Ok(redirect_with(&tilbage(&form), "bruger_genaktiveret").into_response())
}
