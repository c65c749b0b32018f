//! HTML pages, one module per audience.

pub mod auth;
pub mod bilag;
pub mod brugere;
pub mod import;
pub mod kommune;
pub mod organisation;
pub mod pakke;
pub mod public;
pub mod skabeloner;
pub mod skema;
pub mod styrelse;
pub mod tilsyn;
pub mod tilsynsreaktion;
pub mod udskrift;
pub mod varsling;
pub mod webhooks;

use crate::error::page;
use crate::view::dato;
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use domain::package::PakkeStatus;
use serde::Deserialize;
use store::PakkeRecord;

pub async fn not_found(uri: axum::http::Uri) -> Response {
    const MESSAGE: &str = "Siden findes ikke, eller du har ikke adgang til den.";
    if uri.path().starts_with("/api/") {
        crate::api::error(StatusCode::NOT_FOUND, MESSAGE)
    } else {
        page(StatusCode::NOT_FOUND, "Siden findes ikke", MESSAGE)
    }
}

/// `?besked=` on a page after a redirect.
#[derive(Deserialize, Default)]
pub struct Besked {
    pub besked: Option<String>,
}

/// Redirects to `path` with a message; `path` may already carry a query.
pub fn redirect_with(path: &str, besked: &str) -> Response {
    let separator = if path.contains('?') { '&' } else { '?' };
    axum::response::IntoResponse::into_response(Redirect::to(&format!("{path}{separator}besked={besked}")))
}

/// DKFDS badge class for a package status.
pub fn badge(status: PakkeStatus) -> &'static str {
    match status {
        PakkeStatus::Kladde => "badge-info",
        PakkeStatus::Returneret | PakkeStatus::IkkeModtaget => "badge-warning",
        PakkeStatus::RedegoerelseOffentliggjort => "badge-success",
        _ => "",
    }
}

/// Which package a form page is about: shown above its heading, used in its action.
pub struct PakkeHoved {
    pub id: i64,
    pub organisation: String,
    pub styringsaar: i32,
    /// The kommune's deadline, with the days left while the organisation is working on it.
    pub frist: Option<String>,
}

impl From<&app::PakkeView> for PakkeHoved {
    fn from(v: &app::PakkeView) -> Self {
        PakkeHoved {
            id: v.pakke.id.0,
            organisation: v.organisation.navn.clone(),
            styringsaar: v.pakke.styringsaar.get(),
            frist: v.pakke.frist.map(|f| {
                let dato = dato(f);
                match v.dage_til_frist.filter(|_| v.pakke.status.editable_by_organisation()) {
                    Some(0) => format!("Frist {dato}: i dag"),
                    Some(1) => format!("Frist {dato}: 1 dag tilbage"),
                    Some(d) if d > 1 => format!("Frist {dato}: {d} dage tilbage"),
                    Some(_) => format!(
                        "Frist {dato}: overskredet. Pakken kan stadig indsendes, men markeres som indsendt for sent."
                    ),
                    None => format!("Frist {dato}"),
                }
            }),
        }
    }
}

/// A package as a row of an overview table.
pub struct PakkeRaekke {
    pub id: i64,
    pub organisation: String,
    pub styringsaar: i32,
    pub rapport: &'static str,
    pub status: &'static str,
    pub badge: &'static str,
    pub frist: String,
    /// "n af m opgaver gennemført" for a package the organisation is working on.
    pub fremdrift: Option<String>,
    /// Not submitted and past its deadline (set where the page knows today's date).
    pub overskredet: bool,
}

impl From<&PakkeRecord> for PakkeRaekke {
    fn from(p: &PakkeRecord) -> Self {
        PakkeRaekke {
            id: p.id.0,
            organisation: format!("{} ({})", p.organisation_navn, p.organisation_nummer),
            styringsaar: p.styringsaar.get(),
            rapport: match p.rapporttype {
                domain::master::Rapporttype::Bilag3 => "Styringsrapport (bilag 3)",
                domain::master::Rapporttype::Bilag5 => "Administrationsorganisation (bilag 5)",
            },
            status: p.status.label(),
            badge: badge(p.status),
            frist: p.frist.map(dato).unwrap_or_else(|| "Ikke fastsat".into()),
            fremdrift: None,
            overskredet: false,
        }
    }
}
