//! The kommune's supervision when the organisation does not do its part: recording a package
//! as not received (so the dialogue goes on without it), and henstillinger and påbud.

use crate::AppState;
use crate::error::PageResult;
use crate::format::dato;
use crate::input::Indlaesning;
use crate::layout::Layout;
use crate::pages::{PakkeHoved, redirect_with};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::{AppError, TilsynsreaktionInput};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::package::Tilsynsreaktion;
use serde::Deserialize;
use store::PakkeId;

#[derive(Template)]
#[template(path = "ikke_modtaget.html")]
struct IkkeModtagetSide {
    layout: Layout,
    id: i64,
    organisation: String,
    styringsaar: i32,
    frist: String,
    status: &'static str,
    /// Why the package cannot be recorded yet (the deadline has not passed).
    afvist: Option<String>,
}

/// GET /pakker/{id}/ikke-modtaget: what recording the package as not received means, and the
/// button that does it (only after the deadline).
pub async fn ikke_modtaget_form(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> PageResult {
    let (pakke, frist, afvist) = state.app.pakke_til_ikke_modtaget(&user, PakkeId(id)).await?;
    render(&IkkeModtagetSide {
        layout: Layout::new("Hold dialogen uden pakken", Some(&user), &csrf, "/kommune"),
        id,
        organisation: format!("{} ({})", pakke.organisation_navn, pakke.organisation_nummer),
        styringsaar: pakke.styringsaar.get(),
        frist: frist.map(dato).unwrap_or_else(|| "Ikke fastsat".into()),
        status: pakke.status.label(),
        afvist,
    })
}

/// POST /pakker/{id}/ikke-modtaget.
pub async fn ikke_modtaget(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<i64>,
) -> PageResult {
    state.app.registrer_ikke_modtaget(&user, PakkeId(id), None).await?;
    Ok(redirect_with(&format!("/pakker/{id}"), "ikke_modtaget"))
}

#[derive(Deserialize, Default)]
pub struct ReaktionForm {
    #[serde(default)]
    art: String,
    #[serde(default)]
    dato: String,
    #[serde(default)]
    tekst: String,
    #[serde(default)]
    frist: String,
}

#[derive(Template)]
#[template(path = "tilsynsreaktion.html")]
struct ReaktionSide {
    layout: Layout,
    hoved: PakkeHoved,
    art: String,
    dato: String,
    tekst: String,
    frist: String,
}

async fn reaktion_side(
    state: &AppState,
    user: &app::SessionUser,
    id: i64,
    layout: Layout,
    form: ReaktionForm,
) -> Result<ReaktionSide, AppError> {
    let v = state.app.pakke_view(user, PakkeId(id)).await?;
    if !v.may_behandl {
        return Err(AppError::Forbidden);
    }
    Ok(ReaktionSide {
        layout,
        hoved: (&v).into(),
        art: form.art,
        dato: form.dato,
        tekst: form.tekst,
        frist: form.frist,
    })
}

/// GET /pakker/{id}/tilsynsreaktion: the form for a henstilling or påbud.
pub async fn reaktion_form(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> PageResult {
    let form = ReaktionForm { dato: state.app.today().to_string(), ..Default::default() };
    let layout = Layout::new("Henstilling eller påbud", Some(&user), &csrf, "/pakker");
    render(&reaktion_side(&state, &user, id, layout, form).await?)
}

/// POST /pakker/{id}/tilsynsreaktion.
pub async fn reaktion(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<ReaktionForm>,
) -> PageResult {
    let mut ind = Indlaesning::new(state.app.today());
    let (art, dato) = (
        ind.valg("art", &form.art, Tilsynsreaktion::parse, "Vælg henstilling eller påbud"),
        ind.dato("dato", &form.dato),
    );
    let frist = ind.dato("frist", &form.frist);
    let input = TilsynsreaktionInput { art, dato, tekst: form.tekst.clone(), frist, laesefejl: ind.fejlene() };
    match state.app.registrer_tilsynsreaktion(&user, PakkeId(id), &input, None).await {
        Ok(_) => Ok(redirect_with(&format!("/pakker/{id}"), "tilsynsreaktion")),
        Err(AppError::Invalid(errors)) => {
            let layout = Layout::new("Henstilling eller påbud", Some(&user), &csrf, "/pakker").with_errors(errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &reaktion_side(&state, &user, id, layout, form).await?)
        }
        Err(e) => Err(e.into()),
    }
}
