//! The public part: front page, search and the organisation's data sheet. Handlers here only
//! get `app::Public`, which cannot read drafts.

use crate::error::PageResult;
use crate::pages::auth::home;
use crate::security::{CsrfToken, MaybeUser};
use crate::view::{Layout, tal, tidspunkt};
use crate::{AppState, view::render};
use app::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use domain::OrganisationNummer;
use domain::beregning::Maaleenhed;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "forside.html")]
struct Forside {
    layout: Layout,
    hjem: &'static str,
}

pub async fn forside(MaybeUser(user): MaybeUser, CsrfToken(csrf): CsrfToken) -> PageResult {
    let hjem = user.as_ref().map(|u| home(u.principal.role)).unwrap_or("/log-ind");
    render(&Forside { layout: Layout::new("Forside", user.as_ref(), &csrf, "/"), hjem })
}

#[derive(Template)]
#[template(path = "soeg.html")]
struct Soeg {
    layout: Layout,
    q: String,
    resultater: Vec<(u32, String)>,
}

#[derive(Deserialize)]
pub struct SoegQuery {
    #[serde(default)]
    q: String,
}

pub async fn soeg(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
    Query(query): Query<SoegQuery>,
) -> PageResult {
    let resultater = state.app.public().search(&query.q).await?.into_iter().map(|o| (o.nummer.get(), o.navn)).collect();
    render(&Soeg { layout: Layout::new("Offentlige data", user.as_ref(), &csrf, "/offentlig"), q: query.q, resultater })
}

#[derive(Template)]
#[template(path = "dataark.html")]
struct Dataark {
    layout: Layout,
    d: app::DataSheet,
    afdelinger: Vec<AfdelingRaekke>,
    boliger: Vec<(&'static str, String)>,
    noegletal: Vec<(i32, Vec<(String, String)>)>,
    redegoerelser: Vec<PubliceretRedegoerelse>,
}

/// An afdeling as a row of the data sheet.
struct AfdelingRaekke {
    nummer: u32,
    navn: String,
    adresse: String,
    kommune: String,
    boliger: String,
    ibrug: String,
}

/// A published redegørelse as shown: year, publication time, and sections with text.
struct PubliceretRedegoerelse {
    aar: i32,
    offentliggjort: String,
    afsnit: Vec<(String, String)>,
}

/// A key figure value as shown: with unit, or "i/t" when not (yet) available.
pub fn vis_noegletal(vaerdi: Option<f64>, enhed: Maaleenhed) -> String {
    match (vaerdi, enhed) {
        (Some(v), Maaleenhed::Procent) => format!("{} %", tal(v, 2)),
        (Some(v), other) => format!("{} {}", tal(v, 0), other.label()),
        (None, _) => "i/t".to_string(),
    }
}

/// The figure's name, with the housing type where the figure has one.
pub fn noegletal_navn(l: &app::NoegletalLinje) -> String {
    match l.boligtype {
        Some(t) => format!("{}, {}", l.navn, t.label().to_lowercase()),
        None => l.navn.clone(),
    }
}

/// The redegørelse's non-empty fields in reading order: (heading, text).
pub fn afsnit(tekst: &store::RedegoerelseTekst) -> Vec<(String, String)> {
    domain::redegoerelse::felter()
        .into_iter()
        .filter_map(|id| {
            let t = tekst.get(&id).filter(|t| !t.trim().is_empty())?;
            Some((domain::redegoerelse::felt_titel(&id)?, t.clone()))
        })
        .collect()
}

pub async fn dataark(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
    Path(nummer): Path<String>,
) -> PageResult {
    let nummer: OrganisationNummer = nummer.parse().map_err(|_| AppError::NotFound)?;
    let d = state.app.public().data_sheet(nummer).await?;
    let boliger = d.boliger.iter().map(|(t, n)| (t.label(), tal(f64::from(*n), 0))).collect();
    let noegletal = d
        .aar
        .iter()
        .map(|aar| {
            let rows = aar
                .noegletal
                .iter()
                .map(|n| {
                    (n.navn.to_string(), if aar.offentlig { vis_noegletal(n.vaerdi, n.enhed) } else { "i/t".into() })
                })
                .collect();
            (aar.styringsaar.get(), rows)
        })
        .collect();
    let redegoerelser = d
        .redegoerelser
        .iter()
        .map(|r| PubliceretRedegoerelse {
            aar: r.styringsaar.get(),
            offentliggjort: tidspunkt(r.published_at),
            afsnit: afsnit(&r.tekst),
        })
        .collect();
    let kommuner = state.app.public().kommuner().await?;
    let afdelinger = d
        .afdelinger
        .iter()
        .map(|a| AfdelingRaekke {
            nummer: a.data.nummer.get(),
            navn: a.data.navn.clone(),
            adresse: a.data.adresse.clone(),
            kommune: kommuner.iter().find(|k| k.kode == a.data.kommune).map(|k| k.navn.clone()).unwrap_or_default(),
            boliger: tal(f64::from(a.data.boliger_i_alt()), 0),
            ibrug: if a.data.under_opfoerelse {
                "Under opførelse".into()
            } else {
                a.data.ibrugtagningsaar.to_string()
            },
        })
        .collect();
    let title = format!("Dataark: {}", d.organisation.navn);
    render(&Dataark {
        layout: Layout::new(&title, user.as_ref(), &csrf, "/offentlig"),
        d,
        afdelinger,
        boliger,
        noegletal,
        redegoerelser,
    })
}

#[derive(Template)]
#[template(path = "aaben_data.html")]
struct AabenData {
    layout: Layout,
    /// (styringsår, organisations with public figures).
    aar: Vec<(i32, usize)>,
    kolonner: [&'static str; 10],
}

/// Open data: per styringsår, the published key figures and efficiency figures as CSV and XLSX.
pub async fn aaben_data(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
) -> PageResult {
    let aar = state.app.public().aabne_aar(state.app.today()).await?.into_iter().map(|(a, n)| (a.get(), n)).collect();
    render(&AabenData {
        layout: Layout::new("Åbne data", user.as_ref(), &csrf, "/offentlig"),
        aar,
        kolonner: app::EKSPORT_KOLONNER,
    })
}

/// `/offentlig/data/{aar}/noegletal.csv|xlsx`: the year's open data as a file.
pub async fn aaben_data_fil(State(state): State<AppState>, Path((aar, fil)): Path<(String, String)>) -> PageResult {
    use axum::http::header;
    use axum::response::IntoResponse;
    let aar: domain::Styringsaar = aar.parse().map_err(|_| AppError::NotFound)?;
    let rows = state.app.public().aaben_data(aar).await?;
    let celler: Vec<Vec<tabular::Celle>> = rows.iter().map(|r| r.celler(aar)).collect();
    let (bytes, mime) = match fil.as_str() {
        "noegletal.csv" => (tabular::csv(&app::EKSPORT_KOLONNER, &celler), "text/csv; charset=utf-8"),
        "noegletal.xlsx" => (
            tabular::xlsx(&format!("Nøgletal {aar}"), &app::EKSPORT_KOLONNER, &celler)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return Err(AppError::NotFound.into()),
    };
    let navn = fil.replace("noegletal", &format!("noegletal-{aar}"));
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{navn}\"")),
            (header::CACHE_CONTROL, "public, max-age=300".to_string()),
        ],
        bytes,
    )
        .into_response())
}
