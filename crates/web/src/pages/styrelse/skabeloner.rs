//! The agency's template page: the templates in use, and loading a new year's template file
//! without a release. The file is checked in full before anything is stored.

use crate::AppState;
use crate::error::PageResult;
use crate::format::tidspunkt;
use crate::layout::Layout;
use crate::pages::redirect_with;
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::{AppError, SessionUser};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;

#[derive(Template)]
#[template(path = "skabeloner.html")]
struct SkabelonSide {
    layout: Layout,
    skabeloner: Vec<SkabelonRaekke>,
}

/// A template as listed: which form, for which year, and where it came from.
struct SkabelonRaekke {
    skema: &'static str,
    aar: i32,
    version: u32,
    titel: String,
    /// "Følger med systemet", or when it was loaded.
    oprindelse: String,
}

async fn side(state: &AppState, user: &SessionUser, csrf: &str) -> Result<SkabelonSide, AppError> {
    if !user.principal.may(domain::access::Tilladelse::Styrelse) {
        return Err(AppError::Forbidden);
    }
    let mut skabeloner: Vec<_> = state
        .app
        .skabeloner()
        .await?
        .into_iter()
        .map(|i| {
            let s = i.skabelon;
            let origin =
                i.indlaest.map(|t| format!("Indlæst {}", tidspunkt(t))).unwrap_or_else(|| "Følger med systemet".into());
            SkabelonRaekke {
                skema: s.skema.label(),
                aar: s.styringsaar,
                version: s.version,
                titel: s.titel,
                oprindelse: origin,
            }
        })
        .collect();
    // By form, then the newest year and version first.
    skabeloner.sort_by(|a: &SkabelonRaekke, b| (a.skema, b.aar, b.version).cmp(&(b.skema, a.aar, a.version)));
    Ok(SkabelonSide { layout: Layout::new("Skabeloner", Some(user), csrf, "/styrelse"), skabeloner })
}

pub async fn oversigt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<crate::pages::Besked>,
) -> PageResult {
    let mut page = side(&state, &user, &csrf).await?;
    page.layout = page.layout.with_besked(q.besked.as_deref());
    render(&page)
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
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        AppError::field("fil", format!("Filen kunne ikke modtages: {}", e.body_text()))
    };
    let mut fil = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() == Some("fil") {
            let name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(unreadable)?;
            if !name.is_empty() {
                fil = Some((name, bytes));
            }
        }
    }
    let result = match &fil {
        None => Err(AppError::field("fil", "Vælg en skabelonfil (TOML) at indlæse")),
        Some((name, bytes)) => match std::str::from_utf8(bytes) {
            Err(e) => Err(AppError::field(
                "fil",
                format!("{name}: filen er ikke UTF-8-tekst (fejl ved byte {})", e.valid_up_to() + 1),
            )),
            Ok(text) => state.app.load_skabelon(&user, name, text).await.map(|_| ()),
        },
    };
    match result {
        Ok(()) => Ok(redirect_with("/styrelse/skabeloner", "skabelon_indlaest")),
        Err(AppError::Invalid(errors)) => {
            let mut page = side(&state, &user, &csrf).await?;
            page.layout = page.layout.with_errors(errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
