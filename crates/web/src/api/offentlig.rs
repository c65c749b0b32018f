//! The public part as JSON, without login. Only `app::Offentlig` is used, which cannot read
//! drafts: key figures are null until the package's meeting is marked held.

use super::{ApiResult, Fejl, Liste, Side, query, segment};
use crate::AppState;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct OrganisationKort {
    pub nummer: u32,
    pub navn: String,
    /// The organisation's kind (`egne_afdelinger`, `administration`, …).
    pub type_: String,
    pub hjemstedskommune: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Soegning {
    /// Part of the name, or the number.
    pub q: Option<String>,
    /// A kommunekode: organisations with hjemsted or afdelinger there.
    pub kommune: Option<i64>,
    pub side: Option<u32>,
    pub pr_side: Option<u32>,
}

fn kort(o: &domain::master::Organisation) -> OrganisationKort {
    OrganisationKort {
        nummer: o.nummer.get(),
        navn: o.navn.clone(),
        type_: o.kind.as_str().into(),
        hjemstedskommune: i64::from(o.hjemstedskommune),
    }
}

/// Organisations, all or by name, number or kommune.
#[utoipa::path(
    get, path = "/api/v1/offentlig/organisationer", tag = "offentlig",
    params(Soegning),
    responses((status = 200, body = Liste<OrganisationKort>), (status = 422, body = Fejl))
)]
pub async fn organisationer(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Liste<OrganisationKort>> {
    let s: Soegning = query(raw)?;
    let side = Side { side: s.side, pr_side: s.pr_side };
    let public = state.app.offentlig();
    let kommune = match s.kommune {
        Some(k) => Some(
            domain::Kommunekode::new(k)
                .map_err(|_| app::AppError::field("kommune", format!("{k} er ikke en kommunekode")))?,
        ),
        None => None,
    };
    let q = s.q.unwrap_or_default();
    let orgs: Vec<OrganisationKort> = if q.trim().is_empty() && kommune.is_none() {
        public.organisationer().await?.iter().map(kort).collect()
    } else {
        // Every organisation that matches, best match first; the API's own paging cuts it.
        public.soeg_organisationer(&q, kommune).await?.iter().map(kort).collect()
    };
    Ok(Json(side.cut(orgs)?))
}

#[derive(Serialize, ToSchema)]
pub struct Noegletal {
    pub id: String,
    pub navn: String,
    pub boligtype: Option<String>,
    pub enhed: String,
    /// Null until the package's meeting is marked held.
    pub vaerdi: Option<f64>,
    pub benchmark: Option<f64>,
    pub markering: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Aar {
    pub styringsaar: i32,
    /// False until the meeting for the year is held: every value is then null.
    pub offentlig: bool,
    pub noegletal: Vec<Noegletal>,
}

fn aar(y: domain::Styringsaar, offentlig: bool, linjer: &[app::NoegletalLinje]) -> Aar {
    Aar {
        styringsaar: y.get(),
        offentlig,
        noegletal: linjer
            .iter()
            .map(|l| Noegletal {
                id: l.id.clone(),
                navn: l.navn.clone(),
                boligtype: l.boligtype.map(|t| t.as_str().into()),
                enhed: l.enhed.label().into(),
                vaerdi: l.vaerdi.filter(|_| offentlig),
                benchmark: l.benchmark.filter(|_| offentlig),
                markering: l.markering.filter(|_| offentlig).map(|m| m.as_str().into()),
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct AfdelingKort {
    pub nummer: u32,
    pub navn: String,
    pub adresse: String,
    pub kommune: i64,
    pub boliger: u32,
    pub ibrugtagningsaar: i32,
}

#[derive(Serialize, ToSchema)]
pub struct Afsnit {
    pub id: String,
    pub titel: String,
    pub tekst: String,
}

#[derive(Serialize, ToSchema)]
pub struct Redegoerelse {
    pub styringsaar: i32,
    pub kommune: i64,
    pub offentliggjort: chrono::DateTime<chrono::Utc>,
    /// False when the kommune held the dialogue without the documentation package
    /// («dokumentationspakken er ikke modtaget»).
    pub dokumentationspakke_modtaget: bool,
    pub afsnit: Vec<Afsnit>,
    /// The printable PDF (tagged, PDF/UA-1).
    pub pdf: String,
}

#[derive(Serialize, ToSchema)]
pub struct Dataark {
    pub organisation: OrganisationKort,
    pub afdelinger: Vec<AfdelingKort>,
    pub aar: Vec<Aar>,
    pub redegoerelser: Vec<Redegoerelse>,
    /// The accounts of the packages the kommune has received.
    pub regnskaber: Vec<Regnskab>,
}

#[derive(Serialize, ToSchema)]
pub struct Regnskab {
    pub styringsaar: i32,
    /// The kind's name, e.g. "Årsregnskab".
    pub art: String,
    pub filnavn: String,
    pub stoerrelse: i64,
    pub sha256: String,
    /// Where the file is downloaded.
    pub url: String,
}

fn afdeling_kort(a: &domain::master::Afdeling) -> AfdelingKort {
    AfdelingKort {
        nummer: a.data.nummer.get(),
        navn: a.data.navn.clone(),
        adresse: a.data.adresse.clone(),
        kommune: i64::from(a.data.kommune),
        boliger: a.data.boliger_i_alt(),
        ibrugtagningsaar: a.data.ibrugtagningsaar,
    }
}

/// An organisation's data sheet: master data, key figures per year (null until the meeting is
/// held) and its published redegørelser.
#[utoipa::path(
    get, path = "/api/v1/offentlig/organisationer/{nummer}", tag = "offentlig",
    params(("nummer" = u32, Path, description = "The organisation's number")),
    responses((status = 200, body = Dataark), (status = 404, body = Fejl))
)]
pub async fn organisation(State(state): State<AppState>, Path(nummer): Path<String>) -> ApiResult<Dataark> {
    let d = state.app.offentlig().data_sheet(segment(&nummer)?).await?;
    Ok(Json(Dataark {
        organisation: kort(&d.organisation),
        afdelinger: d.afdelinger.iter().map(afdeling_kort).collect(),
        aar: d.aar.iter().map(|a| aar(a.styringsaar, a.offentlig, &a.noegletal)).collect(),
        regnskaber: d
            .regnskaber
            .iter()
            .map(|r| Regnskab {
                styringsaar: r.styringsaar.get(),
                art: r.art.clone(),
                filnavn: r.bilag.filnavn.clone(),
                stoerrelse: r.bilag.stoerrelse,
                sha256: r.bilag.sha256.clone(),
                url: crate::paths::regnskab_sti(d.organisation.nummer, r.bilag.id),
            })
            .collect(),
        redegoerelser: d
            .redegoerelser
            .iter()
            .map(|r| Redegoerelse {
                styringsaar: r.styringsaar.get(),
                kommune: i64::from(r.kommune),
                offentliggjort: r.published_at,
                dokumentationspakke_modtaget: r.pakke_modtaget,
                pdf: crate::paths::offentlig_sti(d.organisation.nummer, r.styringsaar),
                afsnit: domain::redegoerelse::felter()
                    .into_iter()
                    .filter_map(|id| {
                        let tekst = r.tekst.get(&id).filter(|t| !t.trim().is_empty())?.clone();
                        Some(Afsnit { titel: domain::redegoerelse::felt_titel(&id)?, id, tekst })
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AfdelingsEffektivitet {
    pub effektivitetstal: f64,
    pub farve: String,
    pub gruppe: String,
    pub peers: usize,
}

#[derive(Serialize, ToSchema)]
pub struct AfdelingsAar {
    #[serde(flatten)]
    pub aar: Aar,
    /// Null until the meeting is held.
    pub effektivitet: Option<AfdelingsEffektivitet>,
}

#[derive(Serialize, ToSchema)]
pub struct AfdelingDataark {
    pub organisation: OrganisationKort,
    pub afdeling: AfdelingKort,
    pub aar: Vec<AfdelingsAar>,
}

/// An afdeling's data sheet: key figures against the national median and the efficiency
/// figure against its comparison group, per year (null until the meeting is held).
#[utoipa::path(
    get, path = "/api/v1/offentlig/organisationer/{nummer}/afdelinger/{afdeling}", tag = "offentlig",
    params(("nummer" = u32, Path, description = "The organisation's number"), ("afdeling" = u32, Path, description = "The afdeling's number")),
    responses((status = 200, body = AfdelingDataark), (status = 404, body = Fejl))
)]
pub async fn afdeling(
    State(state): State<AppState>,
    Path((nummer, afdeling)): Path<(String, String)>,
) -> ApiResult<AfdelingDataark> {
    let s = state.app.offentlig().afdeling_sheet(segment(&nummer)?, segment(&afdeling)?).await?;
    Ok(Json(AfdelingDataark {
        organisation: kort(&s.organisation),
        afdeling: afdeling_kort(&s.afdeling),
        aar: s
            .aar
            .iter()
            .map(|a| AfdelingsAar {
                aar: aar(a.styringsaar, a.offentlig, &a.noegletal),
                effektivitet: a.effektivitet.as_ref().filter(|_| a.offentlig).map(|e| AfdelingsEffektivitet {
                    effektivitetstal: e.effektivitetstal,
                    farve: e.farve.as_str().into(),
                    gruppe: e.gruppe.clone(),
                    peers: e.peers,
                }),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RedegoerelseRef {
    pub organisation: OrganisationKort,
    pub styringsaar: i32,
    pub offentliggjort: chrono::DateTime<chrono::Utc>,
    /// The printable PDF (tagged, PDF/UA-1).
    pub pdf: String,
}

/// The published redegørelser of a kommune's organisations, newest year first.
#[utoipa::path(
    get, path = "/api/v1/offentlig/kommuner/{kode}/redegoerelser", tag = "offentlig",
    params(("kode" = i64, Path, description = "The kommunekode"), Side),
    responses((status = 200, body = Liste<RedegoerelseRef>), (status = 404, body = Fejl))
)]
pub async fn kommune_redegoerelser(
    State(state): State<AppState>,
    Path(kode): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Liste<RedegoerelseRef>> {
    let side: Side = query(raw)?;
    let kode: domain::Kommunekode = segment(&kode)?;
    let public = state.app.offentlig();
    if public.kommune_navn(kode).await?.is_empty() {
        return Err(app::AppError::NotFound.into());
    }
    let rows = public
        .kommunens_redegoerelser(kode)
        .await?
        .iter()
        .map(|(o, r)| RedegoerelseRef {
            organisation: kort(o),
            styringsaar: r.styringsaar.get(),
            offentliggjort: r.published_at,
            pdf: crate::paths::offentlig_sti(o.nummer, r.styringsaar),
        })
        .collect();
    Ok(Json(side.cut(rows)?))
}

#[derive(Serialize, ToSchema)]
pub struct AabenDataAar {
    pub styringsaar: i32,
    /// Organisations whose figures are public for the year.
    pub organisationer: usize,
    pub csv: String,
    pub xlsx: String,
}

/// The styringsår with open data, with the files' addresses.
#[utoipa::path(
    get, path = "/api/v1/offentlig/aabne-data", tag = "offentlig",
    params(Side),
    responses((status = 200, body = Liste<AabenDataAar>), (status = 422, body = Fejl))
)]
pub async fn aabne_data(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Liste<AabenDataAar>> {
    let side: Side = query(raw)?;
    let rows = state
        .app
        .offentlig()
        .aabne_aar(state.app.today())
        .await?
        .into_iter()
        .map(|(a, n)| AabenDataAar {
            styringsaar: a.get(),
            organisationer: n,
            csv: format!("/offentlig/data/{a}/noegletal.csv"),
            xlsx: format!("/offentlig/data/{a}/noegletal.xlsx"),
        })
        .collect();
    Ok(Json(side.cut(rows)?))
}
