//! Konto → Webhooks: the user's endpoints, registering one (the secret shown once), rotating
//! the secret, deactivating, and each endpoint's delivery log with "send igen". The same use
//! cases as the API (`/api/v1/webhooks`).

use crate::AppState;
use crate::error::PageResult;
use crate::format::tidspunkt;
use crate::layout::Layout;
use crate::security::{CsrfToken, CurrentUser};
use crate::view::render;
use axum::extract::{Path, Query, State};
use domain::haendelser::HaendelsesType;
use store::{EndepunktRecord, LeveranceId, WebhookId};

/// An endpoint as the list shows it.
struct EndepunktVisning {
    id: i64,
    url: String,
    typer: Vec<&'static str>,
    oprettet: String,
    /// "Aktiv", "Fejler siden …" or "Deaktiveret …: grund".
    tilstand: String,
    aktiv: bool,
}

impl From<&EndepunktRecord> for EndepunktVisning {
    fn from(e: &EndepunktRecord) -> Self {
        let tilstand = match (&e.deaktiveret, e.fejler_siden) {
            (Some((d, grund)), _) => format!("Deaktiveret {}: {grund}", tidspunkt(*d)),
            (None, Some(f)) => format!("Leverancerne fejler siden {}", tidspunkt(f)),
            (None, None) => "Aktiv".into(),
        };
        EndepunktVisning {
            id: e.id.0,
            url: e.endepunkt.url.clone(),
            typer: e.endepunkt.typer.iter().filter_map(|t| HaendelsesType::parse(t)).map(|t| t.label()).collect(),
            oprettet: tidspunkt(e.endepunkt.at),
            tilstand,
            aktiv: e.deaktiveret.is_none(),
        }
    }
}

/// A choice of event type on the form.
struct TypeValg {
    id: &'static str,
    label: &'static str,
    valgt: bool,
}

#[derive(askama::Template)]
#[template(path = "webhooks.html")]
struct WebhooksSide {
    layout: Layout,
    endepunkter: Vec<EndepunktVisning>,
    typer: Vec<TypeValg>,
    url: String,
    /// The secret just made (registration or rotation), shown this once, with its endpoint.
    ny_hemmelighed: Option<(String, String)>,
}

async fn side(
    state: &AppState,
    user: &app::SessionUser,
    layout: Layout,
    url: String,
    valgte: &[String],
    ny_hemmelighed: Option<(String, String)>,
) -> Result<WebhooksSide, app::AppError> {
    let endepunkter = state.app.webhooks(user).await?.iter().map(EndepunktVisning::from).collect();
    let typer = HaendelsesType::ALL
        .iter()
        .map(|t| TypeValg { id: t.as_str(), label: t.label(), valgt: valgte.iter().any(|v| v == t.as_str()) })
        .collect();
    Ok(WebhooksSide { layout, endepunkter, typer, url, ny_hemmelighed })
}

fn layout(user: &app::SessionUser, csrf: &str) -> Layout {
    Layout::new("Webhooks", Some(user), csrf, "/konto/webhooks")
}

pub async fn oversigt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<super::Besked>,
) -> PageResult {
    let layout = layout(&user, &csrf).with_besked(q.besked.as_deref());
    render(&side(&state, &user, layout, String::new(), &[], None).await?)
}

/// The registration form: `url` and one checkbox `type` per event type.
pub async fn opret(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    axum::Form(felter): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let url = felter.iter().find(|(k, _)| k == "url").map(|(_, v)| v.clone()).unwrap_or_default();
    let typer: Vec<String> = felter.iter().filter(|(k, _)| k == "type").map(|(_, v)| v.clone()).collect();
    let mut ind = crate::input::Indlaesning::new(state.app.today());
    let haendelser = ind.haendelsestyper("typer", &typer);
    let udfald = match ind.faerdig(haendelser) {
        Ok(haendelser) => state.app.registrer_webhook(&user, &url, &haendelser).await,
        Err(e) => Err(e),
    };
    match udfald {
        // Shown in this response only; a reload does not show it again.
        Ok((_, hemmelighed)) => {
            render(&side(&state, &user, layout(&user, &csrf), String::new(), &[], Some((url, hemmelighed))).await?)
        }
        Err(app::AppError::Invalid(errors)) => {
            let layout = layout(&user, &csrf).with_errors(errors);
            let side = side(&state, &user, layout, url, &typer, None).await?;
            crate::view::render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &side)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn roter(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> PageResult {
    let hemmelighed = state.app.roter_webhook(&user, WebhookId(id)).await?;
    let url = state.app.webhook(&user, WebhookId(id)).await?.endepunkt.url;
    render(&side(&state, &user, layout(&user, &csrf), String::new(), &[], Some((url, hemmelighed))).await?)
}

pub async fn deaktiver(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<i64>,
) -> PageResult {
    state.app.deaktiver_webhook(&user, WebhookId(id)).await?;
    Ok(super::redirect_with("/konto/webhooks", "webhook_deaktiveret"))
}

/// One delivery as the log shows it.
struct LeveranceVisning {
    id: i64,
    type_: &'static str,
    oprettet: String,
    forsoeg: i64,
    /// "Leveret …", "Næste forsøg …" or "Opgivet".
    udfald: String,
    svar: String,
    kan_sendes_igen: bool,
}

#[derive(askama::Template)]
#[template(path = "webhook.html")]
struct LogSide {
    layout: Layout,
    endepunkt: EndepunktVisning,
    leverancer: Vec<LeveranceVisning>,
    sider: crate::view::Sider,
}

#[derive(serde::Deserialize)]
pub struct SideQuery {
    side: Option<u32>,
    besked: Option<String>,
}

/// The endpoint's delivery log, newest first, 50 to a page.
pub async fn log(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<SideQuery>,
) -> PageResult {
    let e = state.app.webhook(&user, WebhookId(id)).await?;
    let side = store::Side::new(q.side.unwrap_or(1), 50);
    let udsnit = state.app.webhook_leverancer(&user, WebhookId(id), side).await?;
    let aktiv = e.deaktiveret.is_none();
    let sider = crate::view::Sider::new(&udsnit, |n| format!("/konto/webhooks/{id}?side={n}"));
    let leverancer = udsnit
        .raekker
        .into_iter()
        .map(|l| LeveranceVisning {
            id: l.id.0,
            type_: HaendelsesType::parse(&l.type_).map_or("Ukendt hændelse", |t| t.label()),
            oprettet: tidspunkt(l.oprettet),
            forsoeg: l.forsoeg,
            udfald: match (l.leveret, l.naeste_forsoeg) {
                (_, Some(n)) => format!("Næste forsøg {}", tidspunkt(n)),
                (Some(d), None) => format!("Leveret {}", tidspunkt(d)),
                (None, None) => "Opgivet".into(),
            },
            svar: match (l.sidste_statuskode, l.sidste_fejl) {
                (_, Some(f)) => f,
                (Some(k), None) => format!("HTTP {k}"),
                (None, None) => "–".into(),
            },
            kan_sendes_igen: aktiv,
        })
        .collect();
    let layout = Layout::new("Leverancer", Some(&user), &csrf, "/konto/webhooks").with_besked(q.besked.as_deref());
    render(&LogSide { layout, endepunkt: EndepunktVisning::from(&e), leverancer, sider })
}

pub async fn test(State(state): State<AppState>, CurrentUser(user, _): CurrentUser, Path(id): Path<i64>) -> PageResult {
    state.app.test_webhook(&user, WebhookId(id)).await?;
    Ok(super::redirect_with(&format!("/konto/webhooks/{id}"), "proeve_sendt"))
}

pub async fn send_igen(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, leverance)): Path<(i64, i64)>,
) -> PageResult {
    state.app.send_leverance_igen(&user, WebhookId(id), LeveranceId(leverance)).await?;
    Ok(super::redirect_with(&format!("/konto/webhooks/{id}"), "leverance_sendes_igen"))
}
