//! The agency's national status and package creation.

use crate::AppState;
use crate::error::PageResult;
use crate::layout::Layout;
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::{AppError, SessionUser};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use domain::package::PakkeStatus;
use domain::{Kommunekode, Styringsaar};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "styrelse.html")]
struct StyrelseSide {
    layout: Layout,
    styringsaar: i32,
    statuser: Vec<&'static str>,
    /// Per region: (name, count per status, total).
    regioner: Vec<(String, Vec<i64>, i64)>,
    /// Per kommune shown by the filter: (code, name, count per status, total).
    raekker: Vec<(Kommunekode, String, Vec<i64>, i64)>,
    /// Supervision: submitted, late, missing, meetings held, published, open aftaler; its
    /// kommune rows are those the filter shows.
    tilsyn: app::NationalStatus,
    antal_kommuner: usize,
    q: AarQuery,
    /// (code, name) of the regions, for the filter.
    regionvalg: Vec<(i64, &'static str)>,
}

#[derive(Deserialize, Default)]
pub struct AarQuery {
    aar: Option<String>,
    besked: Option<String>,
    /// Filter of the per-kommune tables: a region's code, a part of the name, or only the
    /// kommuner whose packages are missing or late.
    #[serde(default)]
    region: String,
    #[serde(default)]
    kommune: String,
    #[serde(default)]
    vis: String,
    #[serde(default)]
    sorter: String,
}

impl AarQuery {
    fn viser(&self, kode: Kommunekode, navn: &str, region: Option<domain::Regionskode>, tal: &app::StatusTal) -> bool {
        let soeg = self.kommune.trim().to_lowercase();
        (self.region.is_empty() || region.is_some_and(|r| r.to_string() == self.region))
            && (soeg.is_empty() || navn.to_lowercase().contains(&soeg) || kode.to_string() == soeg)
            && match self.vis.as_str() {
                "mangler" => tal.mangler > 0 || tal.for_sent > 0,
                _ => true,
            }
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
    let kommuner = state.app.public().kommuner().await?;
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
    let row = |navn: String, per_status: Vec<i64>| {
        let total = per_status.iter().sum();
        (navn, per_status, total)
    };
    let mut tilsyn = state.app.national_oversigt(user, aar).await?;
    let antal_kommuner = tilsyn.kommuner.len();
    tilsyn.kommuner.retain(|(kode, navn, tal)| q.viser(*kode, navn, region_af.get(kode).copied(), tal));
    match q.sorter.as_str() {
        "mangler" => tilsyn.kommuner.sort_by_key(|k| (std::cmp::Reverse(k.2.mangler), k.1.clone())),
        "for_sent" => tilsyn.kommuner.sort_by_key(|k| (std::cmp::Reverse(k.2.for_sent), k.1.clone())),
        // The share not yet submitted, lowest share submitted first.
        "indsendt" => tilsyn.kommuner.sort_by(|a, b| {
            let andel = |t: &app::StatusTal| if t.pakker == 0 { 1.0 } else { t.indsendt as f64 / t.pakker as f64 };
            andel(&a.2).total_cmp(&andel(&b.2)).then_with(|| a.1.cmp(&b.1))
        }),
        _ => tilsyn.kommuner.sort_by(|a, b| a.1.cmp(&b.1)),
    }
    let raekker = tilsyn
        .kommuner
        .iter()
        .map(|(kode, navn, _)| {
            let (navn, per_status, total) =
                row(navn.clone(), per_kommune.remove(kode).unwrap_or_else(|| vec![0; PakkeStatus::ALL.len()]));
            (*kode, navn, per_status, total)
        })
        .collect();
    let regioner = per_region
        .into_iter()
        .map(|(r, per_status)| {
            let navn = domain::reference::region_navn(r).map(str::to_string).unwrap_or_else(|| r.to_string());
            row(navn, per_status)
        })
        .collect();
    let mut regionvalg: Vec<(i64, &'static str)> = region_af
        .values()
        .filter_map(|r| domain::reference::region_navn(*r).map(|n| (i64::from(r.get()), n)))
        .collect();
    regionvalg.sort();
    regionvalg.dedup();
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
    state.app.compute(Some(&user), aar).await?;
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
    state.app.create_packages(Some(&user), aar).await?;
    Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!(
        "/styrelse?aar={aar}&besked=pakker_oprettet"
    ))))
}
