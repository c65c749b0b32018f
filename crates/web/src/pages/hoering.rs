//! The organisation's høring of the redegørelse: the draft to read and its comments to the
//! kommune.

use crate::AppState;
use crate::error::PageResult;
use crate::layout::Layout;
use crate::pages::{PakkeHoved, redirect_with};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::{AppError, SessionUser};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use store::PakkeId;

#[derive(Template)]
#[template(path = "hoering.html")]
struct HoeringSide {
    layout: Layout,
    hoved: PakkeHoved,
    afsnit: Vec<crate::pages::offentlig::Afsnit>,
    revision: i64,
    bemaerkninger: Vec<crate::format::Bemaerkning>,
    kan_bemaerke: bool,
    tekst: String,
    /// The deadline for comments, while the høring runs: (date, passed).
    frist: Option<(String, bool)>,
}

async fn hoering_side(
    state: &AppState,
    user: &SessionUser,
    layout: Layout,
    id: i64,
    tekst: String,
) -> Result<HoeringSide, AppError> {
    let v = state.app.pakke_view(user, PakkeId(id)).await?;
    let r = v.latest_redegoerelse().ok_or(AppError::NotFound)?;
    let bemaerkninger = state.app.bemaerkninger(&v).await?.into_iter().map(crate::format::Bemaerkning::from).collect();
    Ok(HoeringSide {
        layout,
        hoved: (&v).into(),
        afsnit: crate::pages::offentlig::afsnit(&r.tekst),
        revision: r.revision.0,
        bemaerkninger,
        kan_bemaerke: v.pakke.status == domain::package::PakkeStatus::RedegoerelseIHoering
            && user.principal.is_member_of(v.pakke.organisation),
        tekst,
        frist: v.trin_frist().map(|f| (crate::format::dato(f), f < state.app.today())),
    })
}

/// The draft in høring and the comments on it: for the organisation and the kommune.
pub async fn hoering(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<crate::pages::Besked>,
) -> PageResult {
    let layout = Layout::new("Redegørelse i høring", Some(&user), &csrf, "/pakker").with_besked(q.besked.as_deref());
    render(&hoering_side(&state, &user, layout, id, String::new()).await?)
}

#[derive(Deserialize)]
pub struct BemaerkningForm {
    #[serde(default)]
    bemaerkning: String,
}

pub async fn bemaerk(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<BemaerkningForm>,
) -> PageResult {
    match state.app.bemaerk_redegoerelse(&user, PakkeId(id), &form.bemaerkning).await {
        Ok(()) => Ok(redirect_with(&format!("/pakker/{id}/hoering"), "bemaerkning")),
        Err(AppError::Invalid(errors)) => {
            let layout = Layout::new("Redegørelse i høring", Some(&user), &csrf, "/pakker").with_errors(errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &hoering_side(&state, &user, layout, id, form.bemaerkning).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}
