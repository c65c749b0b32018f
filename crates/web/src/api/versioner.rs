//! A package's submitted versions as the recipients read them: each version's answers and
//! receipt, what changed from the version before, its files and its styringsrapport as PDF,
//! and the package's history of steps. Whoever may read the package may read these.

use super::pakker::{Svar, SvarKort};
use super::{ApiError, ApiResult, Fejl, segment};
use crate::AppState;
use crate::security::CurrentUser;
use app::{AppError, PakkeView};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use store::{BilagId, PakkeId, VersionRecord};
use utoipa::ToSchema;

/// One submitted version with its receipt.
#[derive(Serialize, ToSchema)]
pub struct VersionDetalje {
    pub version: i64,
    /// The receipt number, as on the receipt page, mail and PDF.
    pub kvitteringsnummer: String,
    pub indsendt: DateTime<Utc>,
    pub indsendt_af: Option<String>,
    pub for_sent: bool,
    pub bestyrelse_godkendt: Option<NaiveDate>,
    /// A supplement after the report: the kind of accounts material it added (absent: a
    /// submission of the report).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplement: Option<String>,
    /// The kommuner it was sent to (kommunekoder).
    pub modtagere: Vec<i64>,
    /// The answers as submitted, by question id (afdeling forms: `afd<nummer>:<id>`).
    #[schema(value_type = BTreeMap<String, Svar>)]
    pub svar: SvarKort,
    /// The files submitted with it.
    pub bilag: Vec<VersionBilag>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionBilag {
    pub id: i64,
    /// The kind's name.
    pub art: String,
    pub filnavn: String,
    /// Where to download it.
    pub url: String,
}

fn svar_af(svar: &BTreeMap<String, domain::template::Svar>) -> BTreeMap<String, Svar> {
    svar.iter().map(|(k, s)| (k.clone(), Svar { ja: s.ja, tekst: s.tekst.clone(), valg: s.valg.clone() })).collect()
}

fn find_version(v: &PakkeView, nummer: &str) -> Result<VersionRecord, ApiError> {
    let nummer: i64 = segment(nummer)?;
    Ok(v.versions.iter().find(|x| x.version == nummer).ok_or(AppError::NotFound)?.clone())
}

fn bilag_af(v: &PakkeView, ver: &VersionRecord) -> Vec<VersionBilag> {
    v.versions_bilag(ver)
        .into_iter()
        .map(|b| VersionBilag {
            id: b.id.0,
            url: format!("/api/v1/pakker/{}/bilag/{}", v.pakke.id.0, b.id.0),
            art: b.art,
            filnavn: b.filnavn,
        })
        .collect()
}

/// One submitted version: its receipt, answers and files.
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}/versioner/{version}", tag = "pakker",
    params(("id" = i64, Path, description = "The package id"), ("version" = i64, Path, description = "The version, from 1")),
    security(("bearer" = [])),
    responses((status = 200, body = VersionDetalje), (status = 401, body = Fejl), (status = 404, body = Fejl))
)]
pub async fn version(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, nummer)): Path<(String, String)>,
) -> ApiResult<VersionDetalje> {
    let v = state.app.pakke_view(&user, PakkeId(segment(&id)?)).await?;
    let ver = find_version(&v, &nummer)?;
    let svar = state.app.version_svar(&v, ver.version).await?;
    Ok(Json(VersionDetalje {
        version: ver.version,
        kvitteringsnummer: domain::package::kvitteringsnummer(v.pakke.styringsaar, v.organisation.nummer, ver.version),
        indsendt: ver.submitted_at,
        indsendt_af: v.haendelser.iter().find(|h| h.at == ver.submitted_at).map(|h| h.by_name.clone()),
        for_sent: ver.late,
        bestyrelse_godkendt: ver.bestyrelse_godkendt,
        supplement: ver.supplement.clone(),
        modtagere: v.modtagere.iter().map(|k| i64::from(*k)).collect(),
        svar: SvarKort(svar),
        bilag: bilag_af(&v, &ver),
    }))
}

/// What changed from the version before.
#[derive(Serialize, ToSchema)]
pub struct Aendringer {
    /// The version compared with (none for the first version: nothing changed).
    pub fra_version: Option<i64>,
    pub til_version: i64,
    /// Every answer that differs, by question id: before and now (none when it had no answer).
    pub svar: Vec<SvarAendring>,
    /// Files added, removed or replaced.
    pub bilag: Vec<BilagAendring>,
}

#[derive(Serialize, ToSchema)]
pub struct SvarAendring {
    pub noegle: String,
    pub foer: Option<Svar>,
    pub nu: Option<Svar>,
}

#[derive(Serialize, ToSchema)]
pub struct BilagAendring {
    /// The kind's name.
    pub art: String,
    pub foer: Option<String>,
    pub nu: Option<String>,
}

/// The changes between a version and the one before it: the answers that differ and the
/// files added, removed or replaced.
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}/versioner/{version}/aendringer", tag = "pakker",
    params(("id" = i64, Path, description = "The package id"), ("version" = i64, Path, description = "The version, from 1")),
    security(("bearer" = [])),
    responses((status = 200, body = Aendringer), (status = 401, body = Fejl), (status = 404, body = Fejl))
)]
pub async fn aendringer(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, nummer)): Path<(String, String)>,
) -> ApiResult<Aendringer> {
    let v = state.app.pakke_view(&user, PakkeId(segment(&id)?)).await?;
    let ver = find_version(&v, &nummer)?;
    let Some(forrige) = v.versions.iter().rev().find(|x| x.version < ver.version).cloned() else {
        return Ok(Json(Aendringer { fra_version: None, til_version: ver.version, svar: vec![], bilag: vec![] }));
    };
    let nu = svar_af(state.app.version_svar(&v, ver.version).await?.as_ref());
    let foer = svar_af(state.app.version_svar(&v, forrige.version).await?.as_ref());
    let noegler: BTreeSet<&String> = nu.keys().chain(foer.keys()).collect();
    let svar = noegler
        .into_iter()
        .filter(|k| nu.get(*k) != foer.get(*k))
        .map(|k| SvarAendring { noegle: k.clone(), foer: foer.get(k).cloned(), nu: nu.get(k).cloned() })
        .collect();
    let bilag_nu = v.versions_bilag(&ver);
    let bilag_foer = v.versions_bilag(&forrige);
    let arter: BTreeSet<&String> = bilag_nu.iter().chain(&bilag_foer).map(|b| &b.art).collect();
    let mut bilag = Vec::new();
    for art in arter {
        let af = |liste: &[app::VersionsBilag]| -> BTreeSet<(BilagId, String)> {
            liste.iter().filter(|b| &b.art == art).map(|b| (b.id, b.filnavn.clone())).collect()
        };
        let (f, n) = (af(&bilag_foer), af(&bilag_nu));
        if f == n {
            continue;
        }
        let navne = |s: &BTreeSet<(BilagId, String)>| {
            Some(s.iter().map(|(_, navn)| navn.as_str()).collect::<Vec<_>>().join(", ")).filter(|t| !t.is_empty())
        };
        bilag.push(BilagAendring { art: art.clone(), foer: navne(&f), nu: navne(&n) });
    }
    Ok(Json(Aendringer { fra_version: Some(forrige.version), til_version: ver.version, svar, bilag }))
}

/// The styringsrapport of a version as PDF, typeset as the page's download.
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}/versioner/{version}/styringsrapport.pdf", tag = "pakker",
    params(("id" = i64, Path, description = "The package id"), ("version" = i64, Path, description = "The version, from 1")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl)
    )
)]
pub async fn styringsrapport(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, nummer)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    use crate::udskrift::{filnavn, saet, styringsrapport_dokument};
    let v = state.app.pakke_view(&user, PakkeId(segment(&id)?)).await?;
    let ver = find_version(&v, &nummer)?;
    let mut som_indsendt = v.clone();
    som_indsendt.svar = state.app.version_svar(&v, ver.version).await?;
    let dokument = styringsrapport_dokument(&state.app, &som_indsendt, Some(&ver)).await?;
    let pdf = saet(dokument).await?.bytes;
    let navn = filnavn(&v, &format!("styringsrapport-version-{}", ver.version));
    Ok(crate::view::fil_svar("application/pdf", "attachment", &navn, pdf))
}

/// One attached file, as uploaded (whoever may read the package; a kommune only files that
/// were submitted).
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}/bilag/{bilag}", tag = "pakker",
    params(("id" = i64, Path, description = "The package id"), ("bilag" = i64, Path, description = "The file's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file, with its own media type"),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl)
    )
)]
pub async fn bilag(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, bilag)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (record, indhold) = state.app.hent_bilag(&user, PakkeId(segment(&id)?), BilagId(segment(&bilag)?)).await?;
    Ok(crate::view::fil_svar(&record.mime, "attachment", &record.filnavn, indhold))
}

/// One step in a package's history.
#[derive(Serialize, ToSchema)]
pub struct Haendelse {
    /// The step (`indsend`, `modtag`, `returner`, …).
    pub haendelse: String,
    pub fra: String,
    pub til: String,
    /// Who took it.
    pub af: String,
    pub tidspunkt: DateTime<Utc>,
    /// A return's reason.
    pub begrundelse: Option<String>,
    /// The deadline the step set (resubmission, comments in høring).
    pub frist: Option<NaiveDate>,
}

/// The package's steps, oldest first.
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}/haendelser", tag = "pakker",
    params(("id" = i64, Path, description = "The package id")),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Haendelse>), (status = 401, body = Fejl), (status = 404, body = Fejl))
)]
pub async fn haendelser(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Vec<Haendelse>> {
    let v = state.app.pakke_view(&user, PakkeId(segment(&id)?)).await?;
    Ok(Json(
        v.haendelser
            .iter()
            .map(|h| Haendelse {
                haendelse: h.haendelse.as_str().into(),
                fra: h.from.as_str().into(),
                til: h.to.as_str().into(),
                af: h.by_name.clone(),
                tidspunkt: h.at,
                begrundelse: h.begrundelse.clone(),
                frist: h.frist,
            })
            .collect(),
    ))
}
