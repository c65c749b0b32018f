//! The agency's national reads: the status of a styringsår per kommune and region, and the
//! outbox. (The aftaler register is `/api/v1/aftaler`, which gives the agency every aftale.)

use super::{ApiResult, Fejl, Liste, Side, query};
use crate::AppState;
use crate::security::CurrentUser;
use app::AppError;
use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Counts of one kommune, region or the country in a styringsår.
#[derive(Serialize, ToSchema)]
pub struct Status {
    pub pakker: i64,
    /// Submitted at least once.
    pub indsendt: i64,
    /// Of those, the newest version late.
    pub for_sent: i64,
    /// Drafts past their deadline.
    pub mangler: i64,
    pub moeder_afholdt: i64,
    /// Redegørelser published.
    pub offentliggjort: i64,
    pub aftaler_aabne: i64,
}

impl From<&app::StatusTal> for Status {
    fn from(t: &app::StatusTal) -> Status {
        Status {
            pakker: t.pakker,
            indsendt: t.indsendt,
            for_sent: t.for_sent,
            mangler: t.mangler,
            moeder_afholdt: t.moeder_afholdt,
            offentliggjort: t.offentliggjort,
            aftaler_aabne: t.aftaler_aabne,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Enhed {
    pub kode: i64,
    pub navn: String,
    #[serde(flatten)]
    pub status: Status,
}

#[derive(Serialize, ToSchema)]
pub struct NationalStatus {
    pub styringsaar: i32,
    pub landet: Status,
    pub regioner: Vec<Enhed>,
    pub kommuner: Vec<Enhed>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusForespoergsel {
    /// The styringsår (default: the current one).
    pub aar: Option<i32>,
}

/// The national status of a styringsår, per kommune (as hjemstedskommune) and region (the
/// agency).
#[utoipa::path(
    get, path = "/api/v1/styrelse/status", tag = "styrelse",
    params(StatusForespoergsel),
    security(("bearer" = [])),
    responses(
        (status = 200, body = NationalStatus),
        (status = 401, body = Fejl),
        (status = 404, description = "Not the agency", body = Fejl),
        (status = 422, body = Fejl)
    )
)]
pub async fn status(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<NationalStatus> {
    let q: StatusForespoergsel = query(raw)?;
    let aar = match q.aar {
        None => state.app.current_styringsaar(),
        Some(a) => domain::Styringsaar::new(i64::from(a))
            .map_err(|_| AppError::field("aar", format!("{a} er ikke et styringsår (2000–2100)")))?,
    };
    let n = state.app.national_oversigt(&user, aar).await?;
    Ok(Json(NationalStatus {
        styringsaar: aar.get(),
        landet: Status::from(&n.landet),
        regioner: n
            .regioner
            .iter()
            .map(|r| Enhed { kode: i64::from(r.kode.get()), navn: r.navn.clone(), status: Status::from(&r.tal) })
            .collect(),
        kommuner: n
            .kommuner
            .iter()
            .map(|k| Enhed { kode: i64::from(k.kode), navn: k.navn.clone(), status: Status::from(&k.tal) })
            .collect(),
    }))
}

/// A mail in the outbox.
#[derive(Serialize, ToSchema)]
pub struct Mail {
    pub id: i64,
    /// What the mail is about (the step and its package), unique per mail.
    pub reference: String,
    pub til: String,
    pub emne: String,
    pub oprettet: DateTime<Utc>,
    pub sendt: Option<DateTime<Utc>>,
    pub forsoeg: i64,
    pub sidste_fejl: Option<String>,
    /// A sender took it and never reported back: it may or may not have gone out.
    pub ukendt_udfald: bool,
}

/// One page of the outbox, newest first (the agency).
#[utoipa::path(
    get, path = "/api/v1/styrelse/udbakke", tag = "styrelse",
    params(Side),
    security(("bearer" = [])),
    responses((status = 200, body = Liste<Mail>), (status = 401, body = Fejl), (status = 404, body = Fejl), (status = 422, body = Fejl))
)]
pub async fn udbakke(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<Liste<Mail>> {
    let side: Side = query(raw)?;
    let mails = state.app.udbakke(&user, side.checked()?).await?;
    Ok(Json(Liste::from(mails.map(|m| Mail {
        id: m.id.0,
        ukendt_udfald: state.app.ukendt_udfald(&m),
        reference: m.mail.reference,
        til: m.mail.til,
        emne: m.mail.emne,
        oprettet: m.mail.oprettet,
        sendt: m.sendt,
        forsoeg: m.forsoeg,
        sidste_fejl: m.sidste_fejl,
    }))))
}
