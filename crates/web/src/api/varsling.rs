//! Early warning across years in the API: the agency's national list and the kommune's own,
//! the same lists as the pages show.

use super::{ApiResult, Fejl, Liste, query};
use crate::AppState;
use crate::security::CurrentUser;
use app::{AppError, VarselFilter, VarselRaekke, VarselSortering};
use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::NaiveDate;
use domain::master::Boligtype;
use domain::varsling::Signal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A number of one year behind a signal.
#[derive(Serialize, ToSchema)]
pub struct VarselTal {
    pub aar: i32,
    /// What was measured: a key figure's name, "Effektivitetstal", "Dokumentationspakke" or the
    /// part B question.
    pub hvad: String,
    pub vaerdi: Option<f64>,
    /// The number with its unit, or the state.
    pub vist: String,
    /// "Rød", "Gul", "Ikke kritisk", "Ingen værdi", "For sent", "Mangler", …
    pub vurdering: String,
    /// Whether the year counts towards the signal.
    pub taeller: bool,
}

/// One warning: a signal met by an organisation or one of its afdelinger.
#[derive(Serialize, ToSchema)]
pub struct Varsel {
    /// gentaget_kritisk, effektivitet_roed, effektivitet_fald, ledighed_og_fraflytning,
    /// lav_opsparing or pakke_mangler.
    pub signal: String,
    pub signal_navn: String,
    pub forklaring: String,
    pub organisationsnummer: u32,
    pub organisation: String,
    /// The hjemstedskommune's code and name.
    pub kommunekode: u16,
    pub kommune: String,
    pub afdelingsnummer: Option<u32>,
    pub afdeling: Option<String>,
    /// The kommune the afdeling lies in.
    pub afdeling_kommunekode: Option<u16>,
    /// The key figure's id, for a repeated critical figure.
    pub noegletal: Option<String>,
    pub tal: Vec<VarselTal>,
    /// The newest dialogue meeting held with the organisation in the styringsår or later.
    pub moede_siden: Option<NaiveDate>,
}

impl From<&VarselRaekke> for Varsel {
    fn from(r: &VarselRaekke) -> Varsel {
        Varsel {
            signal: r.varsel.signal.as_str().into(),
            signal_navn: r.varsel.signal.label().into(),
            forklaring: r.varsel.forklaring.clone(),
            organisationsnummer: r.organisation.nummer.get(),
            organisation: r.organisation.navn.clone(),
            kommunekode: r.kommune.get(),
            kommune: r.kommune_navn.clone(),
            afdelingsnummer: r.afdeling.as_ref().map(|a| a.data.nummer.get()),
            afdeling: r.afdeling.as_ref().map(|a| a.data.navn.clone()),
            afdeling_kommunekode: r.afdeling.as_ref().map(|a| a.data.kommune.get()),
            noegletal: r.varsel.noegletal.clone(),
            tal: r
                .varsel
                .tal
                .iter()
                .map(|t| VarselTal {
                    aar: t.aar.get(),
                    hvad: t.hvad.clone(),
                    vaerdi: t.vaerdi,
                    vist: t.vist.clone(),
                    vurdering: t.vurdering.clone(),
                    taeller: t.taeller,
                })
                .collect(),
            moede_siden: r.moede_siden,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VarselForespoergsel {
    /// The styringsår (default: the current one).
    pub aar: Option<i32>,
    /// A region's code (1081–1085).
    pub region: Option<String>,
    /// A kommune's code: its organisations and the afdelinger in it.
    pub kommune: Option<String>,
    /// gentaget_kritisk, effektivitet_roed, effektivitet_fald, ledighed_og_fraflytning,
    /// lav_opsparing or pakke_mangler.
    pub signal: Option<String>,
    /// familie, aeldre or ungdom: afdelinger with homes of the type.
    pub boligtype: Option<String>,
    /// flest (default), organisation, kommune or signal.
    pub sorter: Option<String>,
    /// The page, from 1.
    pub side: Option<u32>,
    /// Items per page, 1–500 (default 50).
    pub pr_side: Option<u32>,
}

impl VarselForespoergsel {
    fn aar(&self, state: &AppState) -> Result<domain::Styringsaar, AppError> {
        match self.aar {
            None => Ok(state.app.current_styringsaar()),
            Some(a) => domain::Styringsaar::new(i64::from(a))
                .map_err(|_| AppError::field("aar", format!("{a} er ikke et styringsår (2000–2100)"))),
        }
    }

    /// The filter; an unknown value is refused with the field named.
    fn filter(&self) -> Result<VarselFilter, AppError> {
        let mut fejl = Vec::new();
        let mut felt = |felt: &str, besked: String| fejl.push(app::FieldError { field: felt.into(), message: besked });
        let mut filter = VarselFilter::default();
        if let Some(r) = self.region.as_deref().filter(|s| !s.is_empty()) {
            match r.parse() {
                Ok(r) => filter.region = Some(r),
                Err(_) => felt("region", format!("«{r}» er ikke en regionskode (1081–1085)")),
            }
        }
        if let Some(k) = self.kommune.as_deref().filter(|s| !s.is_empty()) {
            match k.parse() {
                Ok(k) => filter.kommune = Some(k),
                Err(_) => felt("kommune", format!("«{k}» er ikke en kommunekode")),
            }
        }
        if let Some(s) = self.signal.as_deref().filter(|s| !s.is_empty()) {
            match Signal::parse(s) {
                Some(s) => filter.signal = Some(s),
                None => felt("signal", format!("«{s}» er ikke et signal")),
            }
        }
        if let Some(b) = self.boligtype.as_deref().filter(|s| !s.is_empty()) {
            match Boligtype::parse(b) {
                Some(b) => filter.boligtype = Some(b),
                None => felt("boligtype", format!("«{b}» er ikke en boligtype (familie, aeldre, ungdom)")),
            }
        }
        if let Some(s) = self.sorter.as_deref().filter(|s| !s.is_empty()) {
            match VarselSortering::parse(s) {
                Some(s) => filter.sortering = s,
                None => felt("sorter", format!("«{s}» er ikke en sortering (flest, organisation, kommune, signal)")),
            }
        }
        if fejl.is_empty() { Ok(filter) } else { Err(AppError::Invalid(fejl)) }
    }

    fn side(&self) -> Result<store::Side, super::ApiError> {
        super::Side { side: self.side, pr_side: self.pr_side }.checked()
    }
}

fn liste(raekker: &[std::sync::Arc<VarselRaekke>], side: store::Side) -> Liste<Varsel> {
    Liste::from(store::Udsnit::af(raekker.iter().collect::<Vec<_>>(), side).map(|r| Varsel::from(&**r)))
}

/// The agency's national list of warnings for a styringsår, filtered and sorted as on the
/// page (the agency).
#[utoipa::path(
    get, path = "/api/v1/styrelse/varsler", tag = "styrelse",
    params(VarselForespoergsel),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Liste<Varsel>),
        (status = 401, body = Fejl),
        (status = 404, description = "Not the agency", body = Fejl),
        (status = 422, body = Fejl)
    )
)]
pub async fn nationale(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<Liste<Varsel>> {
    let q: VarselForespoergsel = query(raw)?;
    let (aar, filter, side) = (q.aar(&state)?, q.filter()?, q.side()?);
    let raekker = state.app.nationale_varsler(&user, aar, &filter).await?;
    Ok(Json(liste(&raekker, side)))
}

/// The kommune's own warnings: of the organisations it supervises, and of afdelinger in it (a
/// kommune). Only `aar`, `side` and `pr_side` apply.
#[utoipa::path(
    get, path = "/api/v1/kommune/varsler", tag = "kommune",
    params(VarselForespoergsel),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Liste<Varsel>),
        (status = 401, body = Fejl),
        (status = 404, description = "Not a kommune", body = Fejl),
        (status = 422, body = Fejl)
    )
)]
pub async fn kommunens(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<Liste<Varsel>> {
    let q: VarselForespoergsel = query(raw)?;
    let (aar, side) = (q.aar(&state)?, q.side()?);
    let raekker = state.app.kommunens_varsler(&user, aar).await?;
    Ok(Json(liste(&raekker, side)))
}
