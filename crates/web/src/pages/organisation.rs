//! The organisation's side: its packages, answering sections, check-your-answers, submit
//! and the receipt.

use crate::AppState;
use crate::error::{PageResult, WebError};
use crate::pages::pakke::{kommune_navne, svar_tekst};
use crate::pages::{Besked, PakkeHoved, PakkeRaekke, redirect_with};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{Layout, dato, render, render_status, tidspunkt};
use app::{AppError, FieldError, PakkeView, SvarInput};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::template::Sektion;
use std::collections::HashMap;
use store::PakkeId;

#[derive(Template)]
#[template(path = "org_oversigt.html")]
struct Oversigt {
    layout: Layout,
    titel: &'static str,
    tom: &'static str,
    pakker: Vec<PakkeRaekke>,
}

pub async fn oversigt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
) -> PageResult {
    let pakker = state.app.my_packages(&user).await?.iter().map(PakkeRaekke::from).collect();
    render(&Oversigt {
        layout: Layout::new("Mine pakker", Some(&user), &csrf, "/organisation"),
        titel: "Dokumentationspakker for dine organisationer",
        tom: "Der er ingen dokumentationspakker for dine organisationer endnu.",
        pakker,
    })
}

pub struct Felt {
    pub id: String,
    pub nummer: u32,
    pub tekst: String,
    pub hvilke: String,
    pub ja: Option<bool>,
    pub tekst_svar: String,
    pub fejl: Option<String>,
}

#[derive(Template)]
#[template(path = "sektion.html")]
struct SektionSide {
    layout: Layout,
    hoved: PakkeHoved,
    sektion: Sektion,
    felter: Vec<Felt>,
}

fn find_sektion(v: &PakkeView, id: &str) -> Result<Sektion, WebError> {
    Ok(v.skabelon.sektion(id).cloned().ok_or(AppError::NotFound)?)
}

fn sektion_side(
    v: &PakkeView,
    sektion: Sektion,
    layout: Layout,
    posted: Option<&HashMap<String, String>>,
) -> SektionSide {
    let felter = sektion
        .spoergsmaal
        .iter()
        .map(|q| {
            let saved = v.svar.get(&q.id);
            let (ja, tekst_svar) = match posted {
                Some(form) => (
                    form.get(&format!("{}.ja", q.id)).map(|s| s == "ja"),
                    form.get(&format!("{}.tekst", q.id)).cloned().unwrap_or_default(),
                ),
                None => (saved.and_then(|s| s.ja), saved.map(|s| s.tekst.clone()).unwrap_or_default()),
            };
            Felt {
                id: q.id.clone(),
                nummer: q.nummer,
                tekst: q.tekst.clone(),
                hvilke: q.hvilke.clone().unwrap_or_else(|| "Uddybning".into()),
                ja,
                tekst_svar,
                fejl: layout.error_for(&q.id).map(str::to_string),
            }
        })
        .collect();
    SektionSide { hoved: v.into(), sektion, felter, layout }
}

async fn editable_view(state: &AppState, user: &app::SessionUser, id: i64) -> Result<PakkeView, WebError> {
    let v = state.app.pakke_view(user, PakkeId(id)).await?;
    if !v.may_edit {
        return Err(AppError::Conflict(
            "Pakken er indsendt og kan ikke redigeres, medmindre kommunen sender den retur.".into(),
        )
        .into());
    }
    Ok(v)
}

pub async fn sektion_form(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path((id, sektion_id)): Path<(i64, String)>,
) -> PageResult {
    let v = editable_view(&state, &user, id).await?;
    let sektion = find_sektion(&v, &sektion_id)?;
    let layout = Layout::new(&sektion.titel, Some(&user), &csrf, "/pakker");
    render(&sektion_side(&v, sektion, layout, None))
}

pub async fn gem_sektion(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path((id, sektion_id)): Path<(i64, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let v = editable_view(&state, &user, id).await?;
    let sektion = find_sektion(&v, &sektion_id)?;
    let answers = sektion
        .spoergsmaal
        .iter()
        .map(|q| {
            let input = SvarInput {
                ja: form.get(&format!("{}.ja", q.id)).cloned(),
                tekst: form.get(&format!("{}.tekst", q.id)).cloned().unwrap_or_default(),
            };
            (q.id.clone(), input)
        })
        .collect();
    match state.app.save_answers(&user, PakkeId(id), answers).await {
        Ok(()) => Ok(redirect_with(&format!("/pakker/{id}"), "gemt")),
        Err(AppError::Invalid(errors)) => {
            let layout = Layout::new(&sektion.titel, Some(&user), &csrf, "/pakker").with_errors(errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &sektion_side(&v, sektion, layout, Some(&form)))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tjek_svar.html")]
struct TjekSvar {
    layout: Layout,
    v: PakkeView,
    modtagere: String,
    idempotens: String,
    sent: bool,
    frist: String,
}

impl TjekSvar {
    fn svar_tekst(&self, id: &str) -> String {
        svar_tekst(self.v.svar.get(id))
    }
}

async fn tjek_side(
    state: &AppState,
    user: &app::SessionUser,
    csrf: &str,
    v: PakkeView,
    errors: Vec<FieldError>,
) -> PageResult {
    let koder = state.app.recipients_if_submitted(user, v.pakke.id).await?;
    // Errors link to the section that holds the question.
    let errors: Vec<FieldError> = errors
        .into_iter()
        .map(|e| {
            let sektion = v.skabelon.sektioner.iter().find(|s| s.spoergsmaal.iter().any(|q| q.id == e.field));
            let href = match sektion {
                Some(s) => format!("/pakker/{}/sektioner/{}#{}-ja", v.pakke.id, s.id, e.field),
                None => e.field,
            };
            FieldError { field: href, message: e.message }
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let side = TjekSvar {
        layout: Layout::new("Tjek dine svar", Some(user), csrf, "/pakker").with_errors(errors),
        modtagere: kommune_navne(state, &koder).await?,
        idempotens: uuid::Uuid::new_v4().simple().to_string(),
        sent: v.pakke.frist.is_some_and(|f| state.app.today() > f),
        frist: v.pakke.frist.map(dato).unwrap_or_default(),
        v,
    };
    render_status(status, &side)
}

pub async fn tjek_svar(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> PageResult {
    let v = editable_view(&state, &user, id).await?;
    let missing = v.missing_answers();
    tjek_side(&state, &user, &csrf, v, missing).await
}

#[derive(serde::Deserialize)]
pub struct IndsendForm {
    idempotens: String,
}

pub async fn indsend(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<IndsendForm>,
) -> PageResult {
    match state.app.submit(&user, PakkeId(id), &form.idempotens).await {
        Ok(version) => Ok(Redirect::to(&format!("/pakker/{id}/kvittering/{}", version.version)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let v = state.app.pakke_view(&user, PakkeId(id)).await?;
            tjek_side(&state, &user, &csrf, v, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "kvittering.html")]
struct Kvittering {
    layout: Layout,
    pakke_id: i64,
    organisation: String,
    styringsaar: i32,
    version: i64,
    indsendt: String,
    late: bool,
    modtagere: String,
}

pub async fn kvittering(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path((id, version)): Path<(i64, i64)>,
    Query(_): Query<Besked>,
) -> PageResult {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let ver = v.versions.iter().find(|x| x.version == version).ok_or(AppError::NotFound)?;
    render(&Kvittering {
        layout: Layout::new("Kvittering", Some(&user), &csrf, "/pakker"),
        pakke_id: id,
        organisation: format!("{} ({})", v.organisation.navn, v.organisation.nummer),
        styringsaar: v.pakke.styringsaar.get(),
        version,
        indsendt: tidspunkt(ver.submitted_at),
        late: ver.late,
        modtagere: kommune_navne(&state, &v.modtagere).await?,
    })
}
