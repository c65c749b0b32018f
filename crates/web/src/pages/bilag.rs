//! The package's attachments: the kinds with their accepted types and size, the files
//! attached, upload (checked by content) and download under the package's scope.

use crate::AppState;
use crate::error::PageResult;
use crate::pages::skema::kortform;
use crate::pages::{Besked, PakkeHoved, redirect_with};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{Layout, render, render_status, tidspunkt};
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
    pub filer: Vec<(store::BilagId, String, String, String)>,
    pub fejl: Option<String>,
    /// Accounts material: may follow the submitted report.
    pub regnskab: bool,
}

#[derive(Template)]
#[template(path = "bilag.html")]
struct BilagSide {
    layout: Layout,
    hoved: PakkeHoved,
    arter: Vec<BilagArtVisning>,
    max_mb: u32,
    status: (&'static str, &'static str),
    redigerbar: bool,
    /// The report is submitted; accounts material may still be sent, as a supplement.
    eftersendelse: bool,
    regnskab_frist: Option<String>,
}

fn side(v: &PakkeView, layout: Layout) -> BilagSide {
    let kb = |n: i64| format!("{} kB", crate::view::tal(n as f64 / 1024.0, 0));
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
                .map(|b| (b.id, b.filnavn.clone(), kb(b.stoerrelse), tidspunkt(b.uploaded_at)))
                .collect(),
        })
        .collect();
    BilagSide {
        hoved: v.into(),
        arter,
        max_mb: v.bilagsregler.max_megabyte,
        status: kortform(v.bilag_status()),
        redigerbar: v.may_edit && v.is_working_copy,
        eftersendelse: v.may_eftersende,
        regnskab_frist: v.regnskab_frist.map(crate::view::dato),
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
        Ok((art, name, bytes)) => state.app.upload_bilag(&user, PakkeId(id), &art, &name, bytes).await,
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

/// The largest attachment any rule set allows, in MB: the upload routes take that much (plus
/// the form's framing) and no more.
pub fn stoerste_mb(app: &app::App) -> u32 {
    app.settings().regler.saet.iter().map(|r| r.bilag.max_megabyte).max().unwrap_or(20)
}

/// An upload form's fields: the kind (`art`), and the file (`fil`) with its name. The app
/// checks both; a missing field arrives empty. A body over the route's limit is the user's
/// file being too large, said in the kind's own field (browsers send the kind first).
pub async fn les_upload(mut multipart: Multipart, max_mb: u32) -> Result<(String, String, Vec<u8>), AppError> {
    let (mut art, mut fil) = (String::new(), None);
    let unreadable = |art: &str, e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            let felt = if art.is_empty() { "fil".to_string() } else { format!("bilag.{art}") };
            AppError::field(&felt, format!("Filen er større end {max_mb} MB. Vælg en mindre fil."))
        } else {
            AppError::field("fil", format!("Filen kunne ikke modtages: {}", e.body_text()))
        }
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(unreadable(&art, e)),
        };
        match field.name().unwrap_or("") {
            "art" => art = field.text().await.map_err(|e| unreadable("", e))?,
            "fil" => {
                let name = field.file_name().unwrap_or("").to_string();
                fil = Some((name, field.bytes().await.map_err(|e| unreadable(&art, e))?.to_vec()));
            }
            _ => {}
        }
    }
    let (name, bytes) = fil.unwrap_or_default();
    Ok((art, name, bytes))
}

/// Withdraws a file from the draft; it is kept in the package's history.
pub async fn fjern(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, bilag)): Path<(i64, store::BilagId)>,
) -> PageResult {
    state.app.withdraw_bilag(&user, PakkeId(id), bilag).await?;
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
