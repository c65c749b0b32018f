//! The agency's national status and package creation; its outbox (`udbakke`), users
//! (`brugere`), templates (`skabeloner`) and imports (`import`).

pub mod brugere;
pub mod import;
pub mod skabeloner;
pub mod udbakke;

use crate::AppState;
use crate::error::PageResult;
use crate::input::valg;
use crate::layout::Layout;
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::{AppError, SessionUser};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::package::PakkeStatus;
use domain::{Kommunekode, Regionskode, Styringsaar};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "styrelse.html")]
struct StyrelseSide {
    layout: Layout,
    styringsaar: i32,
    statuser: Vec<&'static str>,
    /// Packages per status in each region.
    regioner: Vec<StatusRaekke>,
    /// Packages per status in each kommune the filter shows.
    raekker: Vec<StatusRaekke>,
    /// Supervision: submitted, late, missing, meetings held, published, open aftaler; its
    /// kommune rows are those the filter shows.
    tilsyn: app::NationalStatus,
    antal_kommuner: usize,
    q: AarQuery,
    /// The regions, for the filter.
    regionvalg: Vec<Regionsvalg>,
}

/// One row of a table of packages per status: a region's or a kommune's.
struct StatusRaekke {
    /// The kommune's code, for the link to its organisations (none for a region).
    kommune: Option<Kommunekode>,
    navn: String,
    per_status: Vec<i64>,
    i_alt: i64,
}

struct Regionsvalg {
    kode: Regionskode,
    navn: &'static str,
}

valg! {
    /// Which kommuner the per-kommune tables show.
    pub enum Kommunefilter {
        Alle = "",
        Mangler = "mangler",
    }
}

valg! {
    /// The per-kommune tables' order.
    pub enum Kommuneorden {
        Navn = "",
        Mangler = "mangler",
        ForSent = "for_sent",
        /// The lowest share submitted first.
        Indsendt = "indsendt",
    }
}

#[derive(Deserialize, Default)]
pub struct AarQuery {
    aar: Option<String>,
    besked: Option<String>,
    /// Filter of the per-kommune tables: a region's code, a part of the name, or only the
    /// kommuner whose packages are missing or late.
    #[serde(default, deserialize_with = "crate::input::valgfri")]
    region: Option<Regionskode>,
    #[serde(default)]
    kommune: String,
    #[serde(default)]
    vis: Kommunefilter,
    #[serde(default)]
    sorter: Kommuneorden,
}

impl AarQuery {
    fn viser(&self, k: &app::OmraadeStatus<Kommunekode>, region: Option<Regionskode>) -> bool {
        let soeg = self.kommune.trim().to_lowercase();
        (self.region.is_none() || region == self.region)
            && (soeg.is_empty() || k.navn.to_lowercase().contains(&soeg) || k.kode.to_string() == soeg)
            && match self.vis {
                Kommunefilter::Mangler => k.tal.mangler > 0 || k.tal.for_sent > 0,
                Kommunefilter::Alle => true,
            }
    }

    /// Whether the region filter is `r` (the select's chosen option).
    fn region_valgt(&self, r: &Regionsvalg) -> bool {
        self.region == Some(r.kode)
    }
}

async fn side(
    state: &AppState,
    user: &SessionUser,
    aar: Styringsaar,
    layout: Layout,
    q: AarQuery,
) -> Result<StyrelseSide, AppError> {
    let counts = state.app.national_status(user, aar).await?;
    let kommuner = state.app.offentlig().kommuner().await?;
    // Packages per status, per kommune and per region, in one pass over the counts.
    let status_nr = |s: PakkeStatus| PakkeStatus::ALL.iter().position(|x| *x == s).unwrap_or_default();
    let region_af: std::collections::HashMap<_, _> = kommuner.iter().map(|k| (k.kode, k.region)).collect();
    let mut per_kommune: std::collections::HashMap<domain::Kommunekode, Vec<i64>> = Default::default();
    let mut per_region: std::collections::BTreeMap<domain::Regionskode, Vec<i64>> =
        kommuner.iter().map(|k| (k.region, vec![0; PakkeStatus::ALL.len()])).collect();
    for c in &counts {
        per_kommune.entry(c.kommune).or_insert_with(|| vec![0; PakkeStatus::ALL.len()])[status_nr(c.status)] += c.antal;
        if let Some(r) = region_af.get(&c.kommune).and_then(|r| per_region.get_mut(r)) {
            r[status_nr(c.status)] += c.antal;
        }
    }
    let raekke = |kommune: Option<Kommunekode>, navn: String, per_status: Vec<i64>| StatusRaekke {
        kommune,
        navn,
        i_alt: per_status.iter().sum(),
        per_status,
    };
    let mut tilsyn = state.app.national_oversigt(user, aar).await?;
    let antal_kommuner = tilsyn.kommuner.len();
    tilsyn.kommuner.retain(|k| q.viser(k, region_af.get(&k.kode).copied()));
    match q.sorter {
        Kommuneorden::Mangler => tilsyn.kommuner.sort_by_key(|k| (std::cmp::Reverse(k.tal.mangler), k.navn.clone())),
        Kommuneorden::ForSent => tilsyn.kommuner.sort_by_key(|k| (std::cmp::Reverse(k.tal.for_sent), k.navn.clone())),
        Kommuneorden::Indsendt => tilsyn.kommuner.sort_by(|a, b| {
            let andel = |t: &app::StatusTal| if t.pakker == 0 { 1.0 } else { t.indsendt as f64 / t.pakker as f64 };
            andel(&a.tal).total_cmp(&andel(&b.tal)).then_with(|| a.navn.cmp(&b.navn))
        }),
        Kommuneorden::Navn => tilsyn.kommuner.sort_by(|a, b| a.navn.cmp(&b.navn)),
    }
    let raekker = tilsyn
        .kommuner
        .iter()
        .map(|k| {
            let per_status = per_kommune.remove(&k.kode).unwrap_or_else(|| vec![0; PakkeStatus::ALL.len()]);
            raekke(Some(k.kode), k.navn.clone(), per_status)
        })
        .collect();
    let regioner = per_region
        .into_iter()
        .map(|(r, per_status)| {
            let navn = domain::reference::region_navn(r).map(str::to_string).unwrap_or_else(|| r.to_string());
            raekke(None, navn, per_status)
        })
        .collect();
    let mut regionvalg: Vec<Regionsvalg> = region_af
        .values()
        .filter_map(|r| domain::reference::region_navn(*r).map(|navn| Regionsvalg { kode: *r, navn }))
        .collect();
    regionvalg.sort_by_key(|r| r.kode);
    regionvalg.dedup_by_key(|r| r.kode);
    Ok(StyrelseSide {
        layout,
        tilsyn,
        styringsaar: aar.get(),
        statuser: PakkeStatus::ALL.iter().map(|s| s.label()).collect(),
        regioner,
        raekker,
        antal_kommuner,
        q,
        regionvalg,
    })
}

pub async fn oversigt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<AarQuery>,
) -> PageResult {
    let aar = q.aar.as_deref().and_then(|a| a.parse().ok()).unwrap_or_else(|| state.app.current_styringsaar());
    let layout = Layout::new("National status", Some(&user), &csrf, "/styrelse").with_besked(q.besked.as_deref());
    render(&side(&state, &user, aar, layout, q).await?)
}

#[derive(Deserialize)]
pub struct OpretForm {
    #[serde(default)]
    aar: String,
}

/// Computes every figure of a styringsår for the country (replaces that year's figures).
pub async fn beregn(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Form(form): Form<OpretForm>,
) -> PageResult {
    let Ok(aar) = form.aar.parse::<Styringsaar>() else {
        let errors = vec![app::FieldError {
            field: "beregn-aar".into(),
            message: "Angiv styringsåret som et årstal, fx 2026".into(),
        }];
        let layout = Layout::new("National status", Some(&user), &csrf, "/styrelse").with_errors(errors);
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &side(&state, &user, state.app.current_styringsaar(), layout, AarQuery::default()).await?,
        );
    };
    state.app.beregn(Some(&user), aar).await?;
    Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!(
        "/styrelse?aar={aar}&besked=beregnet"
    ))))
}

pub async fn opret_pakker(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Form(form): Form<OpretForm>,
) -> PageResult {
    let aar: Styringsaar = match form.aar.parse() {
        Ok(a) => a,
        Err(_) => {
            let errors = vec![app::FieldError {
                field: "aar".into(),
                message: "Angiv styringsåret som et årstal, fx 2026".into(),
            }];
            let layout = Layout::new("National status", Some(&user), &csrf, "/styrelse").with_errors(errors);
            let aar = state.app.current_styringsaar();
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &side(&state, &user, aar, layout, AarQuery::default()).await?,
            );
        }
    };
    state.app.opret_pakker(Some(&user), aar).await?;
    Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!(
        "/styrelse?aar={aar}&besked=pakker_oprettet"
    ))))
}
