//! HTML pages, one module per audience.

pub mod aftaler;
pub mod auth;
pub mod hoering;
pub mod kommune;
pub mod moeder;
pub mod offentlig;
pub mod organisation;
pub mod redegoerelse;
pub mod styrelse;
pub mod varsling;
pub mod webhooks;

use crate::AppState;
use crate::format::dato;
use app::{AppError, SessionUser};
use axum::response::{Redirect, Response};
use domain::package::PakkeStatus;
use serde::Deserialize;
use store::PakkeRecord;

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

/// The styringsår of `?aar=`, or the current year.
pub(crate) fn valgt_aar(state: &AppState, q: Option<i64>) -> Result<domain::Styringsaar, AppError> {
    use chrono::Datelike;
    domain::Styringsaar::new(q.unwrap_or(i64::from(state.app.today().year())))
        .map_err(|_| AppError::field("aar", "Ukendt styringsår"))
}

/// "X Kommune" of the signed-in kommune user ("" for others).
pub(crate) async fn kommune_navn(state: &AppState, user: &SessionUser) -> Result<String, AppError> {
    kommune_navne(&state.app, user.principal.kommune.as_slice()).await
}

/// The names of kommuner as "X Kommune, Y Kommune" (one read of the kommuner for all).
pub async fn kommune_navne(app: &app::App, koder: &[domain::Kommunekode]) -> Result<String, AppError> {
    if koder.is_empty() {
        return Ok(String::new());
    }
    let kommuner = app.offentlig().kommuner().await?;
    let navn = |k: &domain::Kommunekode| kommuner.iter().find(|x| x.kode == *k).map_or("", |x| x.navn.as_str());
    Ok(koder.iter().map(|k| format!("{} Kommune", navn(k))).collect::<Vec<_>>().join(", "))
}

/// A posted form as its fields, in order (repeated names kept).
pub(crate) type Felter = Vec<(String, String)>;

/// The value of a posted field ("" when absent).
pub(crate) fn felt<'a>(form: &'a Felter, navn: &str) -> &'a str {
    form.iter().find(|(k, _)| k == navn).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// The suffixes of checked boxes named `<prefix><suffix>`.
pub(crate) fn afkrydset(form: &Felter, prefix: &str) -> Vec<String> {
    form.iter().filter_map(|(k, _)| k.strip_prefix(prefix).map(str::to_string)).collect()
}
