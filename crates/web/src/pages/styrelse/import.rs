//! The agency's import page: upload a file, check it whole, import all or nothing.

use crate::AppState;
use crate::error::PageResult;
use crate::format::Valgmulighed;
use crate::layout::Layout;
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::{AppError, FieldError, ImportArt, ImportRapport, SessionUser};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use chrono::Datelike;
use domain::Styringsaar;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportSide {
    layout: Layout,
    arter: Vec<Valgmulighed>,
    aar: String,
    proeve: bool,
    rapport: Option<ImportRapport>,
    cvr_rapport: Option<app::CvrRapport>,
}

/// The form's value for the CVR numbers of organisations and kommuner (master data, not of a
/// styringsår).
const CVR_ART: &str = "cvr";

fn side(user: &SessionUser, csrf: &str, valgt: String, aar: String, proeve: bool) -> ImportSide {
    ImportSide {
        layout: Layout::new("Import", Some(user), csrf, "/styrelse"),
        arter: Valgmulighed::liste(
            ImportArt::ALL
                .iter()
                .map(|a| (a.as_str(), a.label()))
                .chain([(CVR_ART, "CVR-numre på organisationer og kommuner (stamdata)")]),
            Some(valgt.as_str()),
        ),
        aar,
        proeve,
        rapport: None,
        cvr_rapport: None,
    }
}

pub async fn form(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
) -> PageResult {
    if !user.principal.may(domain::access::Tilladelse::Styrelse) {
        return Err(AppError::Forbidden.into());
    }
    let aar = state.app.now().year().to_string();
    render(&side(&user, &csrf, ImportArt::Afdelingsregnskab.as_str().into(), aar, false))
}

pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    mut multipart: Multipart,
) -> PageResult {
    // The agency only: nobody else's file is read, let alone parsed.
    if !user.principal.may(domain::access::Tilladelse::Styrelse) {
        return Err(AppError::Forbidden.into());
    }
    let (mut art, mut aar, mut proeve, mut fil) = (String::new(), String::new(), false, None);
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        AppError::field("fil", format!("Filen kunne ikke modtages: {}", e.body_text()))
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or("") {
            "art" => art = field.text().await.map_err(unreadable)?,
            "aar" => aar = field.text().await.map_err(unreadable)?,
            "proeve" => proeve = field.text().await.map_err(unreadable)? == "ja",
            "fil" => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !name.is_empty() {
                    fil = Some((name, bytes));
                }
            }
            _ => {}
        }
    }
    let mut errors = Vec::new();
    let cvr = art == CVR_ART;
    let kind = ImportArt::parse(&art);
    if kind.is_none() && !cvr {
        errors.push(FieldError { field: "art".into(), message: "Vælg hvilke data filen indeholder".into() });
    }
    let year = aar.parse::<Styringsaar>().ok();
    if year.is_none() && !cvr {
        errors.push(FieldError { field: "aar".into(), message: "Angiv styringsåret som et årstal, fx 2026".into() });
    }
    let table = match &fil {
        None => {
            errors.push(FieldError { field: "fil".into(), message: "Vælg en fil at importere".into() });
            None
        }
        Some((name, bytes)) => match tabular::read_bytes(name, bytes) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(FieldError { field: "fil".into(), message: e.to_string() });
                None
            }
        },
    };
    let mut page = side(&user, &csrf, art, aar, proeve);
    let result = match (kind, year, table) {
        (_, _, Some(t)) if cvr && errors.is_empty() => {
            state.app.import_cvr(Some(&user), &t, proeve).await.map(|r| page.cvr_rapport = Some(r))
        }
        (Some(k), Some(y), Some(t)) if errors.is_empty() => {
            state.app.import(Some(&user), k, y, &t, proeve).await.map(|r| page.rapport = Some(r))
        }
        _ => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(()) => render(&page),
        Err(AppError::Invalid(errors)) => {
            page.layout = page.layout.with_errors(errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
