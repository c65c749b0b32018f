//! The kommune's side of the cycle for its own systems (ESDH): receive or return a package,
//! convene and hold the dialogue meeting, write the redegørelse, send it to høring, publish
//! it, and make and follow up aftaler. The same use cases, rules, scope and audit as the
//! pages. Every action requires an `Idempotency-Key` and the revision the caller decided on;
//! a package, meeting or aftale changed since is refused with 409.

use super::idempotens::Idempotensnoegle;
use super::pakker::{PakkeDetalje, pakke};
use super::{ApiError, ApiResult, Fejl, Liste, Side, json_body, query, segment};
use crate::AppState;
use crate::input::Indlaesning;
use crate::security::CurrentUser;
use app::{AppError, DialogmoedeVisning};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::{AftaleId, AftaleRecord, DialogmoedeId, PakkeId, Revision};
use utoipa::{IntoParams, ToSchema};

/// The refusals every action of the kommune may answer with, all JSON.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only the OpenAPI document uses it.
enum Afvisninger {
    /// No token, or one that is unknown, expired or revoked.
    #[response(status = 401)]
    Uautoriseret(#[to_schema] Fejl),
    /// Unknown, or not the user's to act on (a beliggenhedskommune on the hjemstedskommune's
    /// steps, another kommune, an organisation).
    #[response(status = 404)]
    IkkeFundet(#[to_schema] Fejl),
    /// Changed since the revision read, or not in a state for the step; a retry while the
    /// first request with the key still runs.
    #[response(status = 409)]
    Konflikt(#[to_schema] Fejl),
    /// Invalid input, by field; also a missing or reused Idempotency-Key, and warnings that
    /// must be confirmed (short notice, publishing during the høring).
    #[response(status = 422)]
    Ugyldig(#[to_schema] Fejl),
}

/// The package as it is after the action.
async fn pakken_nu(state: AppState, user: CurrentUser, id: i64) -> ApiResult<PakkeDetalje> {
    pakke(State(state), user, Path(id.to_string())).await
}

/// The revision the caller read; nothing else.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Handling {
    /// The package's `revision` as read.
    pub revision: i64,
}

/// Receipt of a submitted package: the organisation is told by mail.
#[utoipa::path(
    post, path = "/api/v1/pakker/{id}/modtag", tag = "kommune",
    params(("id" = i64, Path, description = "The package id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client, e.g. a UUID")),
    request_body = Handling,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Received; the package as it is now", body = PakkeDetalje),
        Afvisninger
    ))]
pub async fn modtag(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Idempotensnoegle,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<PakkeDetalje> {
    let id: i64 = segment(&id)?;
    let h: Handling = json_body(&body, "krop", "revision")?;
    state.app.modtag_pakke(&user.0, PakkeId(id), Some(Revision(h.revision))).await?;
    pakken_nu(state, user, id).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Returnering {
    pub revision: i64,
    /// Why: shown to the organisation and sent to its users.
    pub begrundelse: String,
    /// The deadline for resubmission (default: the rules' proposal, 14 days).
    #[schema(format = Date)]
    pub frist: Option<NaiveDate>,
}

/// Returns a submitted package for correction, with a reason and a deadline.
#[utoipa::path(
    post, path = "/api/v1/pakker/{id}/returner", tag = "kommune",
    params(("id" = i64, Path, description = "The package id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client")),
    request_body = Returnering,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Returned; the package as it is now", body = PakkeDetalje),
        Afvisninger
    ))]
pub async fn returner(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Idempotensnoegle,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<PakkeDetalje> {
    let id: i64 = segment(&id)?;
    let r: Returnering = json_body(&body, "krop", "revision, begrundelse og evt. frist")?;
    let frist = trin_frist(&state, &user, id, r.frist, app::Trin::Genindsendelse).await?;
    state.app.returner_pakke(&user.0, PakkeId(id), &r.begrundelse, Some(frist), Some(Revision(r.revision))).await?;
    pakken_nu(state, user, id).await
}

/// A step's deadline as the app reads it: the one given, or the rules' proposal.
async fn trin_frist(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    frist: Option<NaiveDate>,
    trin: app::Trin,
) -> Result<NaiveDate, ApiError> {
    match frist {
        Some(f) => Ok(f),
        None => {
            let v = state.app.pakke_view(&user.0, PakkeId(id)).await?;
            Ok(state.app.foreslaaet_trin_frist(v.pakke.styringsaar, trin))
        }
    }
}

/// A dialogue meeting.
#[derive(Serialize, ToSchema)]
pub struct Moede {
    pub id: i64,
    /// The convening kommune's code.
    pub kommune: i64,
    pub styringsaar: i32,
    /// Start as it stands now (after any move).
    pub starter: DateTime<Utc>,
    pub varighed_minutter: i64,
    pub sted: String,
    pub deltagere: String,
    pub dagsorden: String,
    /// The packages it covers (several for a joint meeting).
    pub pakker: Vec<i64>,
    /// Invited beliggenhedskommuner.
    pub kommuner: Vec<i64>,
    /// The meeting's change number: 0 as convened, then one per move. Send it back when
    /// marking the meeting held.
    pub revision: i64,
    pub aflyst: bool,
    /// The day it was held, once marked.
    pub afholdt: Option<NaiveDate>,
    /// The invitation letter as sent.
    pub brev: String,
    /// The calendar file as it stands now (`text/calendar`).
    pub kalender: String,
}

impl From<&DialogmoedeVisning> for Moede {
    fn from(v: &DialogmoedeVisning) -> Moede {
        let m = &v.moede.moede;
        Moede {
            id: v.moede.id.0,
            kommune: i64::from(m.kommune),
            styringsaar: m.styringsaar.get(),
            starter: m.starter,
            varighed_minutter: m.varighed_minutter,
            sted: m.sted.clone(),
            deltagere: m.deltagere.clone(),
            dagsorden: m.dagsorden.clone(),
            pakker: m.pakker.iter().map(|p| p.0).collect(),
            kommuner: m.kommuner.iter().map(|k| i64::from(*k)).collect(),
            revision: v.moede.sekvens(),
            aflyst: v.moede.aflyst().is_some(),
            afholdt: v.afholdt.first().map(|a| a.dato),
            brev: m.brev.clone(),
            kalender: format!("/api/v1/moeder/{}/kalender.ics", v.moede.id.0),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indkaldelse {
    /// The package's `revision` as read.
    pub revision: i64,
    #[schema(format = Date, example = "2026-09-14")]
    pub dato: NaiveDate,
    /// Local time in Denmark, `TT:MM`.
    #[schema(example = "10:00")]
    pub tid: String,
    /// Default: the rules' meeting length.
    pub varighed_minutter: Option<u32>,
    pub sted: String,
    /// Who is invited, one per line.
    pub deltagere: String,
    /// Default: the agenda the system proposes from the package (critical figures, afdelinger
    /// with challenges, open aftaler).
    pub dagsorden: Option<String>,
    /// Beliggenhedskommuner to invite (kommunekoder among the package's recipients).
    #[serde(default)]
    pub kommuner: Vec<i64>,
    /// Further packages of the same year for a joint meeting.
    #[serde(default)]
    pub faelles: Vec<i64>,
    /// Convene although the notice is shorter than the rules give.
    #[serde(default)]
    pub kort_varsel_ok: bool,
}

/// Convenes the dialogue meeting: the letter and the calendar file go to the organisation's
/// users (and invited kommuner) by mail, as from the page. A beliggenhedskommune convenes its
/// own meeting this way.
#[utoipa::path(
    post, path = "/api/v1/pakker/{id}/moeder", tag = "kommune",
    params(("id" = i64, Path, description = "The package id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client")),
    request_body = Indkaldelse,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Convened", body = Moede),
        Afvisninger
    ))]
pub async fn indkald(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Idempotensnoegle,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Moede>), ApiError> {
    let id: i64 = segment(&id)?;
    let i: Indkaldelse = json_body(&body, "krop", "revision, dato, tid, sted og deltagere")?;
    let forslag = state.app.moede_forslag(&user.0, PakkeId(id)).await?;
    let mut ind = Indlaesning::new(state.app.today());
    let tid = ind.klokkeslaet("tid", &i.tid);
    let kommuner = ind.kommunekoder("kommuner", &i.kommuner.iter().map(i64::to_string).collect::<Vec<_>>());
    let input = app::IndkaldelseInput {
        tid_og_sted: app::TidOgSted { dato: Some(i.dato), tid, varighed_minutter: i.varighed_minutter, sted: i.sted },
        deltagere: i.deltagere,
        kommuner,
        faelles: i.faelles.into_iter().map(PakkeId).collect(),
        dagsorden: i.dagsorden.unwrap_or(forslag.dagsorden),
        kort_varsel_ok: i.kort_varsel_ok,
        laest: Some(Revision(i.revision)),
        laesefejl: ind.fejlene(),
    };
    let moede = state.app.indkald_moede(&user.0, PakkeId(id), &input).await?;
    let visning = state.app.dialogmoede(&user.0, moede).await?;
    Ok((StatusCode::CREATED, Json(Moede::from(&visning))))
}

/// The package's meetings.
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}/moeder", tag = "kommune",
    params(("id" = i64, Path, description = "The package id")),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Moede>), (status = 401, body = Fejl), (status = 404, body = Fejl))
)]
pub async fn pakkens_moeder(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Vec<Moede>> {
    let v = state.app.pakke_view(&user, PakkeId(segment(&id)?)).await?;
    Ok(Json(state.app.dialogmoeder(&v).await?.iter().map(Moede::from).collect()))
}

/// One meeting.
#[utoipa::path(
    get, path = "/api/v1/moeder/{moede}", tag = "kommune",
    params(("moede" = i64, Path, description = "The meeting id")),
    security(("bearer" = [])),
    responses((status = 200, body = Moede), (status = 401, body = Fejl), (status = 404, body = Fejl))
)]
pub async fn moede(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(moede): Path<String>,
) -> ApiResult<Moede> {
    let visning = state.app.dialogmoede(&user, DialogmoedeId(segment(&moede)?)).await?;
    Ok(Json(Moede::from(&visning)))
}

/// The meeting's calendar file as it stands now (RFC 5545): the same UID and SEQUENCE as the
/// mails, so a calendar that imports it moves or cancels the same event.
#[utoipa::path(
    get, path = "/api/v1/moeder/{moede}/kalender.ics", tag = "kommune",
    params(("moede" = i64, Path, description = "The meeting id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The calendar file", content_type = "text/calendar"),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl)
    )
)]
pub async fn kalender(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(moede): Path<String>,
) -> Result<Response, ApiError> {
    let ics = state.app.moede_kalender(&user, DialogmoedeId(segment(&moede)?)).await?;
    Ok(crate::view::fil_svar("text/calendar; charset=utf-8", "attachment", "dialogmoede.ics", ics))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Afholdelse {
    /// The meeting's `revision` as read.
    pub revision: i64,
    #[schema(format = Date)]
    pub dato: NaiveDate,
    /// Who took part.
    pub deltagere: String,
    /// A joint meeting: the packages whose organisation had its own discussion (every one must).
    #[serde(default)]
    pub bilaterale: Vec<i64>,
}

/// Marks a convened meeting held, for every package it covers.
#[utoipa::path(
    post, path = "/api/v1/moeder/{moede}/afholdt", tag = "kommune",
    params(("moede" = i64, Path, description = "The meeting id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client")),
    request_body = Afholdelse,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Held", body = Moede),
        Afvisninger
    ))]
pub async fn afholdt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    _: Idempotensnoegle,
    Path(moede): Path<String>,
    body: Bytes,
) -> ApiResult<Moede> {
    let id = DialogmoedeId(segment(&moede)?);
    let a: Afholdelse = json_body(&body, "krop", "revision, dato og deltagere")?;
    let bilaterale: Vec<PakkeId> = a.bilaterale.into_iter().map(PakkeId).collect();
    let afholdt = app::AfholdtMoede::Indkaldt { moede: id, bilaterale, laest: Some(a.revision) };
    let afholdelse = app::AfholdelseInput { dato: Some(a.dato), deltagere: a.deltagere, laesefejl: Vec::new() };
    state.app.marker_moede_afholdt(&user, &afholdt, &afholdelse).await?;
    Ok(Json(Moede::from(&state.app.dialogmoede(&user, id).await?)))
}

/// The redegørelse as the reader may see it, with the organisation's comments.
#[derive(Serialize, ToSchema)]
pub struct RedegoerelseSag {
    /// The package's revision: send it back with the next save or step.
    pub revision: i64,
    pub status: String,
    /// The field ids a redegørelse has, in reading order.
    pub felter: Vec<String>,
    /// The newest saved draft (none before the first save).
    pub udkast: Option<RedegoerelseUdkast>,
    pub bemaerkninger: Vec<Bemaerkning>,
}

#[derive(Serialize, ToSchema)]
pub struct RedegoerelseUdkast {
    /// The draft's own number: each save is a new one, earlier ones are kept.
    pub nummer: i64,
    pub tekst: BTreeMap<String, String>,
    pub gemt: DateTime<Utc>,
    pub offentliggjort: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct Bemaerkning {
    pub tekst: String,
    pub af: String,
    pub tidspunkt: DateTime<Utc>,
    /// The draft number the comment was written to.
    pub udkast: i64,
}

async fn redegoerelse_nu(state: &AppState, user: &app::SessionUser, id: i64) -> ApiResult<RedegoerelseSag> {
    let v = state.app.pakke_view(user, PakkeId(id)).await?;
    let bemaerkninger = state.app.bemaerkninger(&v).await?;
    Ok(Json(RedegoerelseSag {
        revision: v.pakke.revision.0,
        status: v.pakke.status.as_str().into(),
        felter: domain::redegoerelse::felter(),
        udkast: v.latest_redegoerelse().map(|r| RedegoerelseUdkast {
            nummer: r.revision.0,
            tekst: r.tekst.clone(),
            gemt: r.saved_at,
            offentliggjort: r.published_at,
        }),
        bemaerkninger: bemaerkninger
            .into_iter()
            .map(|b| Bemaerkning {
                tekst: b.bemaerkning.tekst,
                af: b.by_name,
                tidspunkt: b.bemaerkning.at,
                udkast: b.bemaerkning.revision.0,
            })
            .collect(),
    }))
}

/// The package's redegørelse: the kommune's draft (the organisation sees it from the høring),
/// and the organisation's comments.
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}/redegoerelse", tag = "kommune",
    params(("id" = i64, Path, description = "The package id")),
    security(("bearer" = [])),
    responses((status = 200, body = RedegoerelseSag), (status = 401, body = Fejl), (status = 404, body = Fejl))
)]
pub async fn redegoerelse(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<RedegoerelseSag> {
    redegoerelse_nu(&state, &user, segment(&id)?).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedegoerelseInput {
    /// The package's `revision` as read.
    pub revision: i64,
    /// The text by field id (see `felter`); `sammenfatning` is required, fields left out are
    /// saved empty.
    pub tekst: BTreeMap<String, String>,
}

/// Saves a new draft of the redegørelse (after the meeting, until published).
#[utoipa::path(
    put, path = "/api/v1/pakker/{id}/redegoerelse", tag = "kommune",
    params(("id" = i64, Path, description = "The package id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client")),
    request_body = RedegoerelseInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = RedegoerelseSag),
        Afvisninger
    ))]
pub async fn gem_redegoerelse(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    _: Idempotensnoegle,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<RedegoerelseSag> {
    let id: i64 = segment(&id)?;
    let r: RedegoerelseInput = json_body(&body, "krop", "revision og tekst")?;
    let kendte = domain::redegoerelse::felter();
    let ukendte: Vec<app::FieldError> = r
        .tekst
        .keys()
        .filter(|k| !kendte.contains(k))
        .map(|k| app::FieldError {
            field: format!("tekst.{k}"),
            message: format!("ukendt felt; en redegørelse har {}", kendte.join(", ")),
        })
        .collect();
    if !ukendte.is_empty() {
        return Err(AppError::Invalid(ukendte).into());
    }
    state.app.gem_redegoerelse(&user, PakkeId(id), r.tekst, Some(Revision(r.revision))).await?;
    redegoerelse_nu(&state, &user, id).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hoering {
    pub revision: i64,
    /// The deadline for the organisation's comments (default: the rules' proposal).
    #[schema(format = Date)]
    pub frist: Option<NaiveDate>,
}

/// Sends the newest draft to the organisation for comments, with a mail to its users.
#[utoipa::path(
    post, path = "/api/v1/pakker/{id}/redegoerelse/hoering", tag = "kommune",
    params(("id" = i64, Path, description = "The package id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client")),
    request_body = Hoering,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "In høring; the package as it is now", body = PakkeDetalje),
        Afvisninger
    ))]
pub async fn send_i_hoering(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Idempotensnoegle,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<PakkeDetalje> {
    let id: i64 = segment(&id)?;
    let h: Hoering = json_body(&body, "krop", "revision og evt. frist")?;
    let frist = trin_frist(&state, &user, id, h.frist, app::Trin::Hoering).await?;
    state.app.send_i_hoering(&user.0, PakkeId(id), Some(frist), Some(Revision(h.revision))).await?;
    pakken_nu(state, user, id).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Offentliggoerelse {
    pub revision: i64,
    /// Publish while the høring runs and the organisation has not commented.
    #[serde(default)]
    pub bekraeftet: bool,
}

/// Publishes the newest draft; from then on it is public and can never change.
#[utoipa::path(
    post, path = "/api/v1/pakker/{id}/redegoerelse/offentliggoer", tag = "kommune",
    params(("id" = i64, Path, description = "The package id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client")),
    request_body = Offentliggoerelse,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Published; the package as it is now", body = PakkeDetalje),
        Afvisninger
    ))]
pub async fn offentliggoer(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Idempotensnoegle,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<PakkeDetalje> {
    let id: i64 = segment(&id)?;
    let o: Offentliggoerelse = json_body(&body, "krop", "revision og evt. bekraeftet")?;
    state.app.offentliggoer_redegoerelse(&user.0, PakkeId(id), o.bekraeftet, Some(Revision(o.revision))).await?;
    pakken_nu(state, user, id).await
}

/// An aftale between the kommune and an organisation.
#[derive(Serialize, ToSchema)]
pub struct Aftale {
    pub id: i64,
    /// The package (and redegørelse) it was made from.
    pub pakke: i64,
    pub organisation: String,
    pub kommune: i64,
    pub styringsaar: i32,
    pub emne: String,
    pub beskrivelse: String,
    pub oevrige_parter: String,
    /// Goal-area ids.
    pub maalomraader: Vec<String>,
    pub ansvarlig: String,
    pub frist: Option<NaiveDate>,
    /// The current status (`aftalt`, `soeges_indgaaet`, …).
    pub status: Option<String>,
    /// How many status entries it has: send it back with a status update.
    pub revision: i64,
    pub historik: Vec<AftaleStatus>,
}

#[derive(Serialize, ToSchema)]
pub struct AftaleStatus {
    pub status: String,
    pub bemaerkning: String,
    pub tidspunkt: DateTime<Utc>,
}

impl From<&AftaleRecord> for Aftale {
    fn from(a: &AftaleRecord) -> Aftale {
        Aftale {
            id: a.id.0,
            pakke: a.aftale.pakke.0,
            organisation: a.organisation_navn.clone(),
            kommune: i64::from(a.aftale.kommune),
            styringsaar: a.styringsaar.get(),
            emne: a.aftale.emne.clone(),
            beskrivelse: a.aftale.beskrivelse.clone(),
            oevrige_parter: a.aftale.oevrige_parter.clone(),
            maalomraader: a.aftale.maalomraader.clone(),
            ansvarlig: a.aftale.ansvarlig.clone(),
            frist: a.aftale.frist,
            status: a.status().map(|s| s.as_str().to_string()),
            revision: i64::try_from(a.historik.len()).unwrap_or(i64::MAX),
            historik: a
                .historik
                .iter()
                .map(|h| AftaleStatus {
                    status: h.status.as_str().into(),
                    bemaerkning: h.bemaerkning.clone(),
                    tidspunkt: h.at,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AftaleInput {
    /// The package's `revision` as read.
    pub revision: i64,
    pub emne: String,
    pub beskrivelse: String,
    #[serde(default)]
    pub oevrige_parter: String,
    pub maalomraader: Vec<String>,
    pub ansvarlig: String,
    #[schema(format = Date)]
    pub frist: Option<NaiveDate>,
    /// The parties agree to seek it later ("søges indgået").
    #[serde(default)]
    pub soeges_senere: bool,
}

/// Makes an aftale from the redegørelse (after the meeting, before publication).
#[utoipa::path(
    post, path = "/api/v1/pakker/{id}/aftaler", tag = "kommune",
    params(("id" = i64, Path, description = "The package id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client")),
    request_body = AftaleInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Aftale),
        Afvisninger
    ))]
pub async fn opret_aftale(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    _: Idempotensnoegle,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Aftale>), ApiError> {
    let id: i64 = segment(&id)?;
    let a: AftaleInput = json_body(&body, "krop", "revision, emne, beskrivelse, maalomraader og ansvarlig")?;
    let input = app::AftaleInput {
        emne: a.emne,
        beskrivelse: a.beskrivelse,
        oevrige_parter: a.oevrige_parter,
        maalomraader: a.maalomraader,
        ansvarlig: a.ansvarlig,
        frist: a.frist,
        soeges_senere: a.soeges_senere,
        laesefejl: Vec::new(),
    };
    let aftale = state.app.opret_aftale(&user, PakkeId(id), &input, Some(Revision(a.revision))).await?;
    Ok((StatusCode::CREATED, Json(Aftale::from(&state.app.aftale(&user, aftale).await?))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AftaleOpfoelgning {
    /// The aftale's `revision` as read.
    pub revision: i64,
    /// The new status (`aftalt`, `soeges_indgaaet`, `opfyldt`, …).
    pub status: String,
    /// The year's follow-up.
    pub bemaerkning: String,
}

/// Records an aftale's status with the year's follow-up (the kommune that made it).
#[utoipa::path(
    put, path = "/api/v1/aftaler/{aftale}/status", tag = "kommune",
    params(("aftale" = i64, Path, description = "The aftale id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client")),
    request_body = AftaleOpfoelgning,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Aftale),
        Afvisninger
    ))]
pub async fn aftale_status(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    _: Idempotensnoegle,
    Path(aftale): Path<String>,
    body: Bytes,
) -> ApiResult<Aftale> {
    let id = AftaleId(segment(&aftale)?);
    let o: AftaleOpfoelgning = json_body(&body, "krop", "revision, status og bemaerkning")?;
    let laest = usize::try_from(o.revision).map_err(|_| AppError::field("revision", "revision er 0 eller derover"))?;
    let mut ind = Indlaesning::new(state.app.today());
    let status = ind.valg("status", &o.status, domain::redegoerelse::AftaleStatus::parse, "Vælg en status");
    let status = ind.faerdig(status)?;
    state.app.opdater_aftale(&user, id, status, &o.bemaerkning, Some(laest)).await?;
    Ok(Json(Aftale::from(&state.app.aftale(&user, id).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AftaleForespoergsel {
    pub side: Option<u32>,
    pub pr_side: Option<u32>,
    /// Only aftaler still open.
    pub kun_aabne: Option<bool>,
}

/// The aftaler the user may read: a kommune its own, an organisation its own, the agency the
/// national register.
#[utoipa::path(
    get, path = "/api/v1/aftaler", tag = "kommune",
    params(AftaleForespoergsel),
    security(("bearer" = [])),
    responses((status = 200, body = Liste<Aftale>), (status = 401, body = Fejl), (status = 422, body = Fejl))
)]
pub async fn aftaler(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<Liste<Aftale>> {
    let q: AftaleForespoergsel = query(raw)?;
    let side = Side { side: q.side, pr_side: q.pr_side }.checked()?;
    let aftaler = state.app.aftaler(&user, q.kun_aabne.unwrap_or(false), side).await?;
    Ok(Json(Liste::from(aftaler.map(|a| Aftale::from(&a)))))
}

/// Records that a package was not received by the deadline, so that the dialogue is held
/// without it (§ 112, § 164 stk. 2): only the hjemstedskommune, only after the deadline. The
/// package is then routed to the kommune; the organisation may still submit until a meeting is
/// convened, and the redegørelse is marked «dokumentationspakken er ikke modtaget».
#[utoipa::path(
    post, path = "/api/v1/pakker/{id}/ikke-modtaget", tag = "kommune",
    params(("id" = i64, Path, description = "The package id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client")),
    request_body = Handling,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; the package as it is now", body = PakkeDetalje),
        Afvisninger
    ))]
pub async fn ikke_modtaget(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Idempotensnoegle,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<PakkeDetalje> {
    let id: i64 = segment(&id)?;
    let h: Handling = json_body(&body, "krop", "revision")?;
    state.app.registrer_ikke_modtaget(&user.0, PakkeId(id), Some(Revision(h.revision))).await?;
    pakken_nu(state, user, id).await
}

/// A henstilling or påbud the kommune gave the organisation.
#[derive(Serialize, ToSchema)]
pub struct Tilsynsreaktion {
    pub id: i64,
    /// `henstilling` or `paabud`.
    pub art: String,
    pub dato: NaiveDate,
    pub tekst: String,
    pub frist: Option<NaiveDate>,
    pub registreret_af: String,
    pub registreret: DateTime<Utc>,
}

impl From<&store::TilsynsreaktionRecord> for Tilsynsreaktion {
    fn from(r: &store::TilsynsreaktionRecord) -> Self {
        Tilsynsreaktion {
            id: r.id,
            art: r.art.as_str().into(),
            dato: r.dato,
            tekst: r.tekst.clone(),
            frist: r.frist,
            registreret_af: r.af_navn.clone(),
            registreret: r.registreret,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TilsynsreaktionInput {
    /// The package's `revision` as read.
    pub revision: i64,
    /// `henstilling` or `paabud`.
    pub art: String,
    /// The date it was given; not in the future.
    #[schema(format = Date)]
    pub dato: NaiveDate,
    /// What the kommune recommends or orders, and why.
    pub tekst: String,
    /// The deadline it sets, if any; today or later.
    #[schema(format = Date)]
    pub frist: Option<NaiveDate>,
}

/// The henstillinger and påbud of a package, oldest first (the organisation, the
/// hjemstedskommune and the agency).
#[utoipa::path(
    get, path = "/api/v1/pakker/{id}/tilsynsreaktioner", tag = "kommune",
    params(("id" = i64, Path, description = "The package id")),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Tilsynsreaktion>), (status = 401, body = Fejl), (status = 404, body = Fejl))
)]
pub async fn tilsynsreaktioner(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Vec<Tilsynsreaktion>> {
    let reaktioner = state.app.tilsynsreaktioner(&user, PakkeId(segment(&id)?)).await?;
    Ok(Json(reaktioner.iter().map(Tilsynsreaktion::from).collect()))
}

/// Records a henstilling or påbud to the organisation (the hjemstedskommune), dated and
/// audited; the organisation's users get it by mail and webhooks hear
/// `dk.styringsdialog.tilsyn.reaktion`.
#[utoipa::path(
    post, path = "/api/v1/pakker/{id}/tilsynsreaktioner", tag = "kommune",
    params(("id" = i64, Path, description = "The package id"), ("Idempotency-Key" = String, Header, description = "Chosen by the client")),
    request_body = TilsynsreaktionInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Tilsynsreaktion),
        Afvisninger
    ))]
pub async fn opret_tilsynsreaktion(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    _: Idempotensnoegle,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Tilsynsreaktion>), ApiError> {
    let id: i64 = segment(&id)?;
    let r: TilsynsreaktionInput = json_body(&body, "krop", "revision, art, dato, tekst og evt. frist")?;
    let mut ind = Indlaesning::new(state.app.today());
    let art = ind.valg("art", &r.art, domain::package::Tilsynsreaktion::parse, "Vælg henstilling eller påbud");
    let input =
        app::TilsynsreaktionInput { art, dato: Some(r.dato), tekst: r.tekst, frist: r.frist, laesefejl: ind.fejlene() };
    let ny = state.app.registrer_tilsynsreaktion(&user, PakkeId(id), &input, Some(Revision(r.revision))).await?;
    let alle = state.app.tilsynsreaktioner(&user, PakkeId(id)).await?;
    let r = alle.iter().find(|r| r.id == ny).ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(Tilsynsreaktion::from(r))))
}
