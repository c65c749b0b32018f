//! The aftaler register: the aftaler made at the dialogue, their status year by year.

use crate::AppState;
use crate::error::PageResult;
use crate::format::{AftaleVisning, aftale_visning};
use crate::input::{Indlaesning, valg};
use crate::layout::Layout;
use crate::pages::redirect_with;
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::{AppError, SessionUser};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::redegoerelse::AftaleStatus;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "aftaler.html")]
struct AftaleSide {
    layout: Layout,
    aftaler: Vec<AftaleVisning>,
    kan_opdatere: bool,
    statusser: &'static [AftaleStatus],
    alle: bool,
    sider: crate::view::Sider,
}

/// Aftaler per page of the register.
const AFTALER_PR_SIDE: u32 = 50;

valg! {
    /// Which aftaler the register shows: those still open, or all.
    pub enum Aftalefilter {
        Aabne = "",
        Alle = "alle",
    }
}

#[derive(Deserialize, Default)]
pub struct AftaleQuery {
    #[serde(default)]
    vis: Aftalefilter,
    side: Option<String>,
    besked: Option<String>,
}

async fn aftale_side(
    state: &AppState,
    user: &SessionUser,
    layout: Layout,
    vis: Aftalefilter,
    side: Option<&str>,
) -> Result<AftaleSide, AppError> {
    let alle = vis == Aftalefilter::Alle;
    let side = store::Side::new(side.and_then(|s| s.parse().ok()).unwrap_or(1), AFTALER_PR_SIDE);
    let udsnit = state.app.aftaler(user, !alle, side).await?;
    let kommuner = state.app.offentlig().kommuner().await?;
    let navn = |k| kommuner.iter().find(|x| x.kode == k).map(|x| format!("{} Kommune", x.navn)).unwrap_or_default();
    let vis = if alle { "vis=alle&" } else { "" };
    Ok(AftaleSide {
        sider: crate::view::Sider::new(&udsnit, |n| format!("/aftaler?{vis}side={n}")),
        layout,
        aftaler: udsnit.raekker.iter().map(|a| aftale_visning(a, &navn(a.aftale.kommune))).collect(),
        kan_opdatere: user.principal.role == domain::access::Role::Kommune,
        statusser: &AftaleStatus::ALL,
        alle,
    })
}

/// The aftaler register: the kommune's own (with status updates), an organisation's, or all.
pub async fn aftaler(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<AftaleQuery>,
) -> PageResult {
    let layout = Layout::new("Aftaler", Some(&user), &csrf, "/aftaler").with_besked(q.besked.as_deref());
    render(&aftale_side(&state, &user, layout, q.vis, q.side.as_deref()).await?)
}

#[derive(Deserialize)]
pub struct AftaleStatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    bemaerkning: String,
}

pub async fn aftale_status(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<store::AftaleId>,
    Form(form): Form<AftaleStatusForm>,
) -> PageResult {
    let mut ind = Indlaesning::new(state.app.today());
    let status = ind.valg("status", &form.status, AftaleStatus::parse, "Vælg en status");
    let udfald = match ind.faerdig(status) {
        Ok(status) => state.app.opdater_aftale(&user, id, status, &form.bemaerkning, None).await,
        Err(e) => Err(e),
    };
    match udfald {
        Ok(()) => Ok(redirect_with("/aftaler", "aftale_opdateret")),
        Err(AppError::Invalid(errors)) => {
            let errors =
                errors.into_iter().map(|e| app::FieldError { field: format!("{}-{id}", e.field), ..e }).collect();
            let layout = Layout::new("Aftaler", Some(&user), &csrf, "/aftaler").with_errors(errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &aftale_side(&state, &user, layout, Aftalefilter::Alle, None).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}
