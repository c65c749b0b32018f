//! Packages for integrations: read the user's packages and submit one. Bearer token required;
//! the scope rules are the pages' (a kommune never sees a draft, an organisation only its own).

use super::{ApiError, ApiResult, Fejl, Liste, Side, json_body, query, segment};
use crate::AppState;
use crate::security::CurrentUser;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::{PakkeId, PakkeRecord};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct OrganisationRef {
    pub nummer: u32,
    pub navn: String,
}

#[derive(Serialize, ToSchema)]
pub struct Periode {
    pub start: chrono::NaiveDate,
    pub slut: chrono::NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct Pakke {
    pub id: i64,
    pub organisation: OrganisationRef,
    pub styringsaar: i32,
    /// `bilag3` or `bilag5`.
    pub rapporttype: String,
    /// The package's state (`kladde`, `ikke_modtaget`, `indsendt`, `returneret`, `modtaget`,
    /// `moede_indkaldt`, `moede_afholdt`, `redegoerelse_i_hoering`, `redegoerelse_offentliggjort`).
    pub status: String,
    /// When the hjemstedskommune recorded the package as not received: the dialogue is held
    /// without it (absent once submitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ikke_modtaget: Option<chrono::DateTime<chrono::Utc>>,
    pub frist: Option<chrono::NaiveDate>,
    pub regnskabsperiode: Periode,
    /// The period the report covers when the hjemstedskommune set one (§ 112, stk. 4); absent:
    /// the accounting period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rapportperiode: Option<Periode>,
    /// The package's revision: every change moves it. A kommune's action sends back the
    /// revision it decided on and is refused (409) when the package changed since.
    pub revision: i64,
}

impl From<&PakkeRecord> for Pakke {
    fn from(p: &PakkeRecord) -> Self {
        Pakke {
            id: p.id.0,
            organisation: OrganisationRef { nummer: p.organisation_nummer.get(), navn: p.organisation_navn.clone() },
            styringsaar: p.styringsaar.get(),
            rapporttype: p.rapporttype.as_str().into(),
            status: p.status.as_str().into(),
            ikke_modtaget: p.ikke_modtaget,
            frist: p.frist,
            regnskabsperiode: Periode { start: p.periode.start(), slut: p.periode.slut() },
            rapportperiode: p.rapportperiode.map(|r| Periode { start: r.fra, slut: r.til }),
            revision: p.revision.0,
        }
    }
}

/// A package in a list, with its progress.
#[derive(Serialize, ToSchema)]
pub struct PakkeListepunkt {
    #[serde(flatten)]
    pub pakke: Pakke,
    /// The first submission, if any.
    pub foerst_indsendt: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether the newest submitted version came after the deadline.
    pub for_sent: Option<bool>,
    /// The deadline of the current step: resubmission of a returned package, or the
    /// organisation's comments on a redegørelse in høring.
    pub trin_frist: Option<chrono::NaiveDate>,
    /// For a kommune: `hjemsted` (it supervises the organisation) or `beliggenhed`.
    pub relation: Option<String>,
    /// The package's place in the change feed (see `siden`).
    pub aendring: i64,
}

impl PakkeListepunkt {
    fn af(f: &store::PakkeForloeb, kommune: Option<domain::Kommunekode>) -> PakkeListepunkt {
        PakkeListepunkt {
            pakke: Pakke::from(&f.pakke),
            foerst_indsendt: f.foerst_indsendt,
            for_sent: f.for_sent,
            trin_frist: f.trin_frist,
            relation: kommune.map(|k| {
                if k == f.pakke.hjemstedskommune { store::Relation::Hjemsted } else { store::Relation::Beliggenhed }
                    .as_str()
                    .to_string()
            }),
            aendring: f.aendring,
        }
    }
}

/// The filters of the package list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PakkeForespoergsel {
    /// The page, from 1.
    pub side: Option<u32>,
    /// Items per page, 1–500 (default 50).
    pub pr_side: Option<u32>,
    /// Only this styringsår.
    pub aar: Option<i32>,
    /// Only packages with this status (see `Pakke.status`).
    pub status: Option<String>,
    /// A kommune only: `hjemsted` or `beliggenhed`.
    pub relation: Option<String>,
    /// Only packages changed after this change number (`aendring`), oldest change first; ask
    /// again with the answer's `naeste_siden` to read only what changed since.
    pub siden: Option<i64>,
}

impl PakkeForespoergsel {
    fn filter(&self) -> Result<app::PakkeFilter, ApiError> {
        let mut errors = Vec::new();
        let mut fejl = |field: &str, message: String| errors.push(app::FieldError { field: field.into(), message });
        let styringsaar = self.aar.and_then(|a| match domain::Styringsaar::new(i64::from(a)) {
            Ok(a) => Some(a),
            Err(_) => {
                fejl("aar", format!("{a} er ikke et styringsår (2000–2100)"));
                None
            }
        });
        let status = self.status.as_deref().and_then(|s| match domain::package::PakkeStatus::parse(s) {
            Some(s) => Some(s),
            None => {
                let kendte: Vec<&str> = domain::package::PakkeStatus::ALL.iter().map(|s| s.as_str()).collect();
                fejl("status", format!("ukendt status «{s}»; forventede en af {}", kendte.join(", ")));
                None
            }
        });
        let relation = self.relation.as_deref().and_then(|r| match store::Relation::parse(r) {
            Some(r) => Some(r),
            None => {
                fejl("relation", format!("ukendt relation «{r}»; forventede hjemsted eller beliggenhed"));
                None
            }
        });
        if self.siden.is_some_and(|s| s < 0) {
            fejl("siden", "siden er et ændringsnummer, 0 eller derover".into());
        }
        if errors.is_empty() {
            Ok(app::PakkeFilter { styringsaar, status, relation, siden: self.siden })
        } else {
            Err(app::AppError::Invalid(errors).into())
        }
    }
}

#[derive(Clone, PartialEq, Serialize, ToSchema)]
pub struct Svar {
    pub ja: Option<bool>,
    pub tekst: String,
    pub valg: Option<String>,
}

/// A package's answers as the API writes them (each as a [`Svar`]), written straight from the
/// app's shared map: a read does not copy every answer of the package first.
pub struct SvarKort(pub std::sync::Arc<BTreeMap<String, domain::template::Svar>>);

impl Serialize for SvarKort {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// [`Svar`] borrowed (`valg` written as `null` when absent, as [`Svar`] writes it).
        #[derive(Serialize)]
        struct Laant<'a> {
            ja: Option<bool>,
            tekst: &'a str,
            valg: Option<&'a str>,
        }
        serializer
            .collect_map(self.0.iter().map(|(k, s)| (k, Laant { ja: s.ja, tekst: &s.tekst, valg: s.valg.as_deref() })))
    }
}

#[derive(Serialize, ToSchema)]
pub struct Version {
    pub version: i64,
    pub indsendt: chrono::DateTime<chrono::Utc>,
    pub for_sent: bool,
    /// The day the board approved the report (none for versions from before the rule).
    pub bestyrelse_godkendt: Option<chrono::NaiveDate>,
}

impl From<&store::VersionRecord> for Version {
    fn from(v: &store::VersionRecord) -> Self {
        Version {
            version: v.version,
            indsendt: v.submitted_at,
            for_sent: v.late,
            bestyrelse_godkendt: v.bestyrelse_godkendt,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PakkeDetalje {
    #[serde(flatten)]
    pub pakke: Pakke,
    /// The answers by question id (afdeling forms: `afd<nummer>:<id>`): the working copy for
    /// the organisation, the newest submitted version for others.
    #[schema(value_type = BTreeMap<String, Svar>)]
    pub svar: SvarKort,
    pub arbejdskopi: bool,
    pub versioner: Vec<Version>,
    /// The package's sections, each with the revision to send back when saving it (the
    /// working copy only; a save from a stale revision is refused).
    pub sektioner: Vec<SektionRef>,
    /// The afdeling forms (bilag 3 packages), each with its revision.
    pub afdelingsskemaer: Vec<AfdelingsskemaRef>,
    /// The attached files: the working copy's current ones, or the newest version's.
    pub bilag: Vec<BilagRef>,
}

#[derive(Serialize, ToSchema)]
pub struct AfdelingsskemaRef {
    pub afdeling: u32,
    pub navn: String,
    pub revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BilagRef {
    pub id: i64,
    /// The kind (`regnskab`, `revisionsprotokol`, …).
    pub art: String,
    pub filnavn: String,
    pub stoerrelse: i64,
    pub sha256: String,
}

#[derive(Serialize, ToSchema)]
pub struct SektionRef {
    pub id: String,
    pub titel: String,
    pub revision: i64,
}

/// The packages the user works on: the organisation's own, those sent to the kommune (never a
/// draft), or for the agency every package in the country. A listed draft is still
/// unreadable to all but its organisation.
///
/// A system that polls asks with `siden` = the `naeste_siden` of its last answer and gets only
/// the packages changed since, in the order the changes were committed.
#[utoipa::path(
    get, path = "/api/v1/pakker", tag = "pakker",
    params(PakkeForespoergsel),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user's packages: newest year first, or with `siden` in change order", body = Liste<PakkeListepunkt>),
        (status = 401, description = "No or an invalid token", body = Fejl),
        (status = 422, description = "An invalid filter or pagination, by parameter", body = Fejl)
    )
)]
pub async fn pakker(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<Liste<PakkeListepunkt>> {
    let q: PakkeForespoergsel = query(raw)?;
    let side = Side { side: q.side, pr_side: q.pr_side }.checked()?;
    let filter = q.filter()?;
    let pakker = state.app.listede_pakker(&user, &filter, side).await?;
    let kommune = user.principal.kommune.filter(|_| user.principal.role == domain::access::Role::Kommune);
    let naeste_siden = filter.siden.map(|s| pakker.raekker.last().map_or(s, |p| p.aendring));
    let mut liste = Liste::from(pakker.map(|p| PakkeListepunkt::af(&p, kommune)));
    liste.naeste_siden = naeste_siden;
    Ok(Json(liste))
}

/// One package with its answers and versions.
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}", tag = "pakker",
    params(("id" = i64, Path, description = "The package id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PakkeDetalje),
        (status = 401, body = Fejl),
        (status = 404, description = "Unknown, or out of the user's scope", body = Fejl)
    )
)]
pub async fn pakke(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<PakkeDetalje> {
    let v = state.app.pakke_view(&user, PakkeId(segment(&id)?)).await?;
    Ok(Json(detalje(&v)))
}

/// A package as the API shows it to the viewer of `v`.
fn detalje(v: &app::PakkeView) -> PakkeDetalje {
    PakkeDetalje {
        pakke: Pakke::from(&v.pakke),
        svar: SvarKort(v.svar.clone()),
        arbejdskopi: v.is_working_copy,
        versioner: v.versions.iter().map(Version::from).collect(),
        sektioner: v
            .skabelon
            .sektioner
            .iter()
            .map(|s| SektionRef { id: s.id.clone(), titel: s.titel.clone(), revision: v.revision_af(s.svar_ids()).0 })
            .collect(),
        afdelingsskemaer: v
            .afdelinger
            .iter()
            .map(|a| AfdelingsskemaRef {
                afdeling: a.data.nummer.get(),
                navn: a.data.navn.clone(),
                revision: v.afdelingsskema_revision(a).0,
            })
            .collect(),
        bilag: v
            .bilag
            .iter()
            .map(|b| BilagRef {
                id: b.id.0,
                art: b.art.clone(),
                filnavn: b.filnavn.clone(),
                stoerrelse: b.stoerrelse,
                sha256: b.sha256.clone(),
            })
            .collect(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct SvarInput {
    pub ja: Option<bool>,
    #[serde(default)]
    pub tekst: String,
    pub valg: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct SektionSvar {
    /// The section's revision as read (`sektioner[].revision`).
    pub revision: i64,
    /// Answers by question id; other questions of the section keep their answers.
    pub svar: BTreeMap<String, SvarInput>,
}

/// Saves answers of one section of the working copy (the organisation). Refused when a
/// colleague saved the section since `revision` was read, or when the package is submitted.
#[utoipa::path(
    put, path = "/api/v1/pakker/{id}/sektioner/{sektion}", tag = "pakker",
    params(("id" = i64, Path, description = "The package id"), ("sektion" = String, Path, description = "The section id, e.g. b3.I")),
    request_body = SektionSvar,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved; the package as it is now", body = PakkeDetalje),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl),
        (status = 409, description = "Saved by someone else meanwhile, or submitted", body = Fejl),
        (status = 422, description = "An unknown question or an invalid answer, by field", body = Fejl)
    )
)]
pub async fn gem_sektion(
    State(state): State<AppState>,
    CurrentUser(user, token): CurrentUser,
    Path((id, sektion)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<PakkeDetalje> {
    gem(state, CurrentUser(user, token), id, &sektion, None, &body).await
}

/// Saves answers of one afdeling form of the working copy (the organisation). The keys are
/// the form's question ids (`b4.A.udfordringer`, …) without the afdeling prefix.
#[utoipa::path(
    put, path = "/api/v1/pakker/{id}/afdelinger/{afdelingsnummer}", tag = "pakker",
    params(("id" = i64, Path, description = "The package id"), ("afdelingsnummer" = u32, Path, description = "The afdeling's number")),
    request_body = SektionSvar,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved; the package as it is now", body = PakkeDetalje),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl),
        (status = 409, description = "Saved by someone else meanwhile, or submitted", body = Fejl),
        (status = 422, description = "An unknown question or an invalid answer, by field", body = Fejl)
    )
)]
pub async fn gem_afdelingsskema(
    State(state): State<AppState>,
    CurrentUser(user, token): CurrentUser,
    Path((id, afdeling)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<PakkeDetalje> {
    let nummer: domain::AfdelingNummer = segment(&afdeling)?;
    gem(state, CurrentUser(user, token), id, "", Some(nummer), &body).await
}

/// Saves a section (`afdeling` None) or an afdeling form, whose answer keys get the afdeling
/// prefix, and answers with the package as it is now.
async fn gem(
    state: AppState,
    CurrentUser(user, _): CurrentUser,
    id: String,
    sektion: &str,
    afdeling: Option<domain::AfdelingNummer>,
    body: &[u8],
) -> ApiResult<PakkeDetalje> {
    let pakke_id: i64 = segment(&id)?;
    let request: SektionSvar = json_body(body, "svar", "revision og svar")?;
    let answers = request
        .svar
        .into_iter()
        .map(|(k, s)| {
            let ja = s.ja;
            let key = match afdeling {
                Some(nr) => domain::template::afdeling_noegle(nr, &k),
                None => k,
            };
            (key, app::SvarInput { ja, tekst: s.tekst, valg: s.valg })
        })
        .collect();
    // A save changes no cache stamp: its reads share the reading made with the session.
    let gem =
        state.app.gem_sektion(&user, PakkeId(pakke_id), sektion, afdeling, answers, store::Revision(request.revision));
    let saved = app::med_stemplerne_fra(&user, gem).await?;
    Ok(Json(detalje(&saved)))
}

/// A file to attach: multipart form with `art` (the kind) and `fil` (the file).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BilagUpload {
    /// The kind, e.g. `regnskab`.
    art: String,
    #[schema(value_type = String, format = Binary)]
    fil: Vec<u8>,
}

/// Attaches a file to the working copy (the organisation). The content is checked against
/// the kind's file types and size; a newer file of the same kind supersedes the older, which
/// is kept.
#[utoipa::path(
    post, path = "/api/v1/pakker/{id}/bilag", tag = "pakker",
    params(("id" = i64, Path, description = "The package id")),
    request_body(content = BilagUpload, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Attached; the package as it is now", body = PakkeDetalje),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl),
        (status = 409, description = "The package is submitted", body = Fejl),
        (status = 422, description = "Unknown kind, wrong file type or too large", body = Fejl)
    )
)]
pub async fn vedhaeft(
    State(state): State<AppState>,
    CurrentUser(user, token): CurrentUser,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<PakkeDetalje> {
    let pakke_id: i64 = segment(&id)?;
    // The scope first: nobody else's upload is read.
    state.app.kan_vedhaefte(&user, PakkeId(pakke_id)).await?;
    // Every error is JSON, also a body that is not a multipart form.
    let multipart =
        multipart.map_err(|e| app::AppError::field("fil", format!("forventede multipart/form-data: {e}")))?;
    let (art, navn, bytes) = crate::upload::les_upload(multipart, crate::upload::stoerste_mb(&state.app)).await?;
    state.app.vedhaeft_bilag(&user, PakkeId(pakke_id), &art, &navn, bytes).await?;
    pakke(State(state), CurrentUser(user, token), Path(id)).await
}

#[derive(Deserialize, ToSchema)]
pub struct Indsendelse {
    /// Chosen by the client; a repeat with the same key returns the same version.
    pub idempotensnoegle: String,
    /// The day the board approved the styringsrapport (år-måned-dag, e.g. 2026-05-20): not in
    /// the future, not before the accounting period. Shown on the receipt.
    #[serde(default)]
    #[schema(format = Date, example = "2026-05-20")]
    pub bestyrelse_godkendt: String,
}

/// Submits the package (the organisation). Refused with every missing answer when it is not
/// complete; a repeat with the same key submits once.
#[utoipa::path(
    post, path = "/api/v1/pakker/{id}/indsend", tag = "pakker",
    params(("id" = i64, Path, description = "The package id")),
    request_body = Indsendelse,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The submitted version", body = Version),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl),
        (status = 409, description = "Already submitted, or changed meanwhile", body = Fejl),
        (status = 422, description = "Incomplete: each missing answer is listed", body = Fejl)
    )
)]
pub async fn indsend(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Version> {
    let id: i64 = segment(&id)?;
    let request: Indsendelse = json_body(&body, "idempotensnoegle", "idempotensnoegle og bestyrelse_godkendt")?;
    if request.idempotensnoegle.trim().is_empty() {
        return Err(app::AppError::field("idempotensnoegle", "angiv en idempotensnøgle").into());
    }
    let mut ind = crate::input::Indlaesning::new(state.app.today());
    let godkendt = ind.dato("bestyrelse_godkendt", &request.bestyrelse_godkendt);
    let godkendt = ind.faerdig(godkendt)?;
    let v = state.app.indsend(&user, PakkeId(id), request.idempotensnoegle.trim(), godkendt).await?;
    Ok(Json(Version::from(&v)))
}

#[derive(Serialize, ToSchema)]
pub struct AfdelingRef {
    pub id: i64,
    pub nummer: u32,
    pub navn: String,
}

#[derive(Serialize, ToSchema)]
pub struct Effektivitet {
    pub afdeling: AfdelingRef,
    pub effektivitetstal: f64,
    /// `groen`, `gul` or `roed`.
    pub farve: String,
    pub gruppe: String,
    pub peers: usize,
    pub bedste_praksis_afdeling_id: i64,
    pub potentiale_kr: f64,
}

/// The efficiency figures of the package's afdelinger.
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}/effektivitet", tag = "pakker",
    params(("id" = i64, Path, description = "The package id"), Side),
    security(("bearer" = [])),
    responses((status = 200, body = Liste<Effektivitet>), (status = 401, body = Fejl), (status = 404, body = Fejl))
)]
pub async fn effektivitet(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Liste<Effektivitet>> {
    let side: Side = query(raw)?;
    let v = state.app.pakke_view(&user, PakkeId(segment(&id)?)).await?;
    let rows = state.app.pakke_effektivitet(&v).await?;
    let data = rows
        .iter()
        .map(|(a, e)| Effektivitet {
            afdeling: AfdelingRef { id: a.id.0, nummer: a.data.nummer.get(), navn: a.data.navn.clone() },
            effektivitetstal: e.effektivitetstal,
            farve: e.farve.as_str().into(),
            gruppe: e.gruppe.clone(),
            peers: e.peers,
            bedste_praksis_afdeling_id: e.bedste_praksis.0,
            potentiale_kr: e.potentiale_kr,
        })
        .collect();
    Ok(Json(side.cut(data)?))
}

#[derive(Serialize, ToSchema)]
pub struct Konto {
    pub konto: String,
    pub navn: String,
    pub egen_kr_pr_bolig: f64,
    pub bedste_praksis_kr_pr_bolig: f64,
    /// Own cost relative to best practice; absent when there is none to compare.
    pub forhold: Option<f64>,
}

/// The best-practice peer. Another organisation's afdeling is named only once that
/// organisation's year is public; until then `id`, `nummer`, `navn` and `organisation` are
/// absent and `beskrivelse` says "en afdeling i sammenligningsgruppen".
#[derive(Serialize, ToSchema)]
pub struct BedstePraksis {
    /// The afdeling is its own best practice.
    pub selv: bool,
    /// The peer in a Danish sentence fragment.
    pub beskrivelse: String,
    pub id: Option<i64>,
    pub nummer: Option<u32>,
    pub navn: Option<String>,
    pub organisation: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Forklaring {
    pub afdeling: AfdelingRef,
    pub effektivitetstal: f64,
    pub farve: String,
    pub gruppe: String,
    pub peers: usize,
    pub potentiale_kr: f64,
    pub gennemsnit_kommune: Option<f64>,
    pub gennemsnit_region: Option<f64>,
    pub bedste_praksis: BedstePraksis,
    pub konti: Vec<Konto>,
}

/// One afdeling's efficiency figure explained: group, best-practice peer, account by account.
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}/effektivitet/{afdeling}", tag = "pakker",
    params(("id" = i64, Path, description = "The package id"), ("afdeling" = i64, Path, description = "The afdeling's id")),
    security(("bearer" = [])),
    responses((status = 200, body = Forklaring), (status = 401, body = Fejl), (status = 404, body = Fejl))
)]
pub async fn forklaring(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, afdeling)): Path<(String, String)>,
) -> ApiResult<Forklaring> {
    let v = state.app.pakke_view(&user, PakkeId(segment(&id)?)).await?;
    let f = state.app.forklar_effektivitet(&v, domain::master::AfdelingId(segment(&afdeling)?)).await?;
    Ok(Json(Forklaring {
        afdeling: AfdelingRef {
            id: f.afdeling.id.0,
            nummer: f.afdeling.data.nummer.get(),
            navn: f.afdeling.data.navn.clone(),
        },
        effektivitetstal: f.resultat.effektivitetstal,
        farve: f.resultat.farve.as_str().into(),
        gruppe: f.resultat.gruppe,
        peers: f.resultat.peers,
        potentiale_kr: f.resultat.potentiale_kr,
        gennemsnit_kommune: f.gennemsnit_kommune,
        gennemsnit_region: f.gennemsnit_region,
        bedste_praksis: {
            let beskrivelse = f.bedste_praksis.beskrivelse();
            let selv = f.bedste_praksis == app::BedstePraksis::Selv;
            let (id, nummer, navn, organisation) = match f.bedste_praksis {
                app::BedstePraksis::Selv => (
                    Some(f.afdeling.id.0),
                    Some(f.afdeling.data.nummer.get()),
                    Some(f.afdeling.data.navn.clone()),
                    None,
                ),
                app::BedstePraksis::Navngivet { afdeling, organisation } => (
                    Some(afdeling.id.0),
                    Some(afdeling.data.nummer.get()),
                    Some(afdeling.data.navn),
                    Some(organisation),
                ),
                app::BedstePraksis::Anonym => (None, None, None, None),
            };
            BedstePraksis { selv, beskrivelse, id, nummer, navn, organisation }
        },
        konti: f
            .konti
            .into_iter()
            .map(|k| Konto {
                konto: k.konto,
                navn: k.navn,
                egen_kr_pr_bolig: k.egen,
                bedste_praksis_kr_pr_bolig: k.bedste_praksis,
                forhold: k.forhold.filter(|x| x.is_finite()),
            })
            .collect(),
    }))
}
