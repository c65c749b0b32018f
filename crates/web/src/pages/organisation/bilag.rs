//! The package's attachments: the kinds with their accepted types and size, the files
//! attached, upload (checked by content) and download under the package's scope.

use crate::AppState;
use crate::error::PageResult;
use crate::format::{kortform, tidspunkt};
use crate::layout::Layout;
use crate::pages::{Besked, PakkeHoved, redirect_with};
use crate::security::{CsrfToken, CurrentUser};
use crate::upload::{les_upload, stoerste_mb};
use crate::view::{render, render_status};
use app::{AppError, PakkeView};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use store::PakkeId;

/// One kind of attachment with its current files.
pub struct BilagArtVisning {
    pub id: String,
    pub navn: String,
    pub paakraevet: bool,
    pub typer: String,
    pub accept: String,
    pub filer: Vec<BilagFil>,
    pub fejl: Option<String>,
    /// Accounts material: may follow the submitted report.
    pub regnskab: bool,
}

/// An attached file.
pub struct BilagFil {
    pub id: store::BilagId,
    pub filnavn: String,
    pub stoerrelse: String,
    pub vedhaeftet: String,
}

#[derive(Template)]
#[template(path = "bilag.html")]
struct BilagSide {
    layout: Layout,
    hoved: PakkeHoved,
    arter: Vec<BilagArtVisning>,
    max_mb: u32,
    status: crate::format::Merke,
    redigerbar: bool,
    /// The report is submitted; accounts material may still be sent, as a supplement.
    eftersendelse: bool,
    regnskab_frist: Option<String>,
}

fn side(v: &PakkeView, layout: Layout) -> BilagSide {
    let kb = |n: i64| format!("{} kB", crate::format::tal(n as f64 / 1024.0, 0));
    let arter = v
        .bilagsregler
        .arter
        .iter()
        .map(|a| BilagArtVisning {
            fejl: layout.error_for(&format!("bilag.{}", a.id)).map(str::to_string),
            id: a.id.clone(),
            navn: a.navn.clone(),
            paakraevet: a.paakraevet,
            regnskab: a.regnskab,
            typer: a.typer_tekst(),
            accept: a
                .filtyper
                .iter()
                .flat_map(|t| t.endelser().iter().map(|e| format!(".{e}")))
                .collect::<Vec<_>>()
                .join(","),
            filer: v
                .bilag
                .iter()
                .filter(|b| b.art == a.id)
                .map(|b| BilagFil {
                    id: b.id,
                    filnavn: b.filnavn.clone(),
                    stoerrelse: kb(b.stoerrelse),
                    vedhaeftet: tidspunkt(b.uploaded_at),
                })
                .collect(),
        })
        .collect();
    BilagSide {
        hoved: v.into(),
        arter,
        max_mb: v.bilagsregler.max_megabyte,
        status: kortform(v.bilag_status()),
        redigerbar: v.redigerbar(),
        eftersendelse: v.may_eftersende,
        regnskab_frist: v.regnskab_frist.map(crate::format::dato),
        layout,
    }
}

pub async fn oversigt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<Besked>,
) -> PageResult {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    render(&side(&v, Layout::new("Bilag", Some(&user), &csrf, "/pakker").with_besked(q.besked.as_deref())))
}

pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> PageResult {
    // The scope first: nobody else's upload is read.
    state.app.kan_vedhaefte(&user, PakkeId(id)).await?;
    let upload = match les_upload(multipart, stoerste_mb(&state.app)).await {
        Ok((art, name, bytes)) => state.app.vedhaeft_bilag(&user, PakkeId(id), &art, &name, bytes).await,
        Err(e) => Err(e),
    };
    match upload {
        Ok(_) => Ok(redirect_with(&format!("/pakker/{id}/bilag"), "bilag_tilfoejet")),
        Err(AppError::Invalid(errors)) => {
            let v = state.app.pakke_view(&user, PakkeId(id)).await?;
            let layout = Layout::new("Bilag", Some(&user), &csrf, "/pakker").with_errors(errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &side(&v, layout))
        }
        Err(e) => Err(e.into()),
    }
}

/// Withdraws a file from the draft; it is kept in the package's history.
pub async fn fjern(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, bilag)): Path<(i64, store::BilagId)>,
) -> PageResult {
    state.app.fjern_bilag(&user, PakkeId(id), bilag).await?;
    Ok(redirect_with(&format!("/pakker/{id}/bilag"), "bilag_fjernet"))
}

/// Downloads an attachment; always as a download, never rendered inline by the browser.
pub async fn hent(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, bilag)): Path<(i64, store::BilagId)>,
) -> PageResult {
    let (record, indhold) = state.app.hent_bilag(&user, PakkeId(id), bilag).await?;
    Ok(crate::view::fil_svar(&record.mime, "attachment", &record.filnavn, indhold))
}
