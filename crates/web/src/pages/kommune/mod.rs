//! The kommune's side: the overview and the handling of one package; supervision across its
//! organisations (`tilsyn`) and henstillinger and påbud (`tilsynsreaktion`).

pub mod tilsyn;
pub mod tilsynsreaktion;

use crate::AppState;
use crate::error::PageResult;
use crate::input::Indlaesning;
use crate::layout::Layout;
use crate::pages::{PakkeHoved, PakkeRaekke, redirect_with, valgt_aar};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::{AppError, PakkeView, SessionUser};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use store::PakkeId;

#[derive(Template)]
#[template(path = "kommune_oversigt.html")]
struct Oversigt {
    layout: Layout,
    kommune: String,
    titel: &'static str,
    tom: &'static str,
    pakker: Vec<PakkeRaekke>,
    vis_fremdrift: bool,
}

pub async fn oversigt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
) -> PageResult {
    let pakker = state.app.kommunens_pakker(&user).await?.iter().map(PakkeRaekke::from).collect();
    let kommune = crate::pages::kommune_navn(&state, &user).await?;
    render(&Oversigt {
        layout: Layout::new("Kommunens oversigt", Some(&user), &csrf, "/kommune"),
        kommune,
        titel: "Dokumentationspakker sendt til kommunen",
        tom: "Der er ikke indsendt nogen dokumentationspakker til kommunen endnu.",
        pakker,
        vis_fremdrift: false,
    })
}

/// The package for a form page of the kommune: only when the user may handle it.
pub(crate) async fn handled(state: &AppState, user: &SessionUser, id: i64) -> Result<PakkeView, AppError> {
    let v = state.app.pakke_view(user, PakkeId(id)).await?;
    if v.may_behandl { Ok(v) } else { Err(AppError::Forbidden) }
}

pub async fn modtag(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<i64>,
) -> PageResult {
    state.app.modtag_pakke(&user, PakkeId(id), None).await?;
    Ok(redirect_with(&format!("/pakker/{id}"), "modtaget"))
}

#[derive(Template)]
#[template(path = "returner.html")]
struct ReturnerSide {
    layout: Layout,
    hoved: PakkeHoved,
    form: ReturnerForm,
}

fn returner_side(v: &PakkeView, layout: Layout, form: ReturnerForm) -> ReturnerSide {
    ReturnerSide { layout, hoved: v.into(), form }
}

pub async fn returner_form(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> PageResult {
    let v = handled(&state, &user, id).await?;
    // The rules propose the deadline; the kommune may choose another.
    let frist = state.app.foreslaaet_trin_frist(v.pakke.styringsaar, app::Trin::Genindsendelse);
    let form = ReturnerForm { begrundelse: String::new(), frist: frist.to_string() };
    render(&returner_side(&v, Layout::new("Send retur", Some(&user), &csrf, "/pakker"), form))
}

#[derive(Deserialize)]
pub struct ReturnerForm {
    #[serde(default)]
    begrundelse: String,
    #[serde(default)]
    frist: String,
}

pub async fn returner(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<ReturnerForm>,
) -> PageResult {
    let mut ind = Indlaesning::new(state.app.today());
    let frist = ind.dato("frist", &form.frist);
    let udfald = match ind.faerdig(frist) {
        Ok(frist) => state.app.returner_pakke(&user, PakkeId(id), &form.begrundelse, frist, None).await,
        Err(e) => Err(e),
    };
    match udfald {
        Ok(()) => Ok(redirect_with(&format!("/pakker/{id}"), "returneret")),
        Err(AppError::Invalid(errors)) => {
            let v = handled(&state, &user, id).await?;
            let layout = Layout::new("Send retur", Some(&user), &csrf, "/pakker").with_errors(errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &returner_side(&v, layout, form))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "moede.html")]
struct MoedeSide {
    layout: Layout,
    hoved: PakkeHoved,
    dato: String,
    deltagere: String,
}

#[derive(Deserialize, Default)]
pub struct MoedeForm {
    #[serde(default)]
    dato: String,
    #[serde(default)]
    deltagere: String,
    /// "ja" when a date before the receipt is confirmed.
    #[serde(default)]
    bekraeft: String,
}

fn moede_side(v: &PakkeView, layout: Layout, form: MoedeForm) -> MoedeSide {
    MoedeSide { layout, hoved: v.into(), dato: form.dato, deltagere: form.deltagere }
}

pub async fn moede_form(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> PageResult {
    let v = handled(&state, &user, id).await?;
    let today = MoedeForm { dato: state.app.today().to_string(), deltagere: String::new(), bekraeft: String::new() };
    render(&moede_side(&v, Layout::new("Registrér dialogmøde", Some(&user), &csrf, "/pakker"), today))
}

pub async fn moede(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<MoedeForm>,
) -> PageResult {
    let afholdt =
        app::AfholdtMoede::UdenIndkaldelse { pakke: PakkeId(id), bekraeftet: form.bekraeft == "ja", laest: None };
    let mut ind = Indlaesning::new(state.app.today());
    let dato = ind.dato("dato", &form.dato);
    let afholdelse = app::AfholdelseInput { dato, deltagere: form.deltagere.clone(), laesefejl: ind.fejlene() };
    match state.app.marker_moede_afholdt(&user, &afholdt, &afholdelse).await {
        Ok(()) => Ok(redirect_with(&format!("/pakker/{id}"), "moede")),
        Err(AppError::Invalid(errors)) => {
            let v = handled(&state, &user, id).await?;
            let layout = Layout::new("Registrér dialogmøde", Some(&user), &csrf, "/pakker").with_errors(errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &moede_side(&v, layout, form))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "frister.html")]
struct FristSide {
    layout: Layout,
    kommune: String,
    aar: i32,
    frist: String,
    /// The organisation chosen in the form (empty: all).
    valgt: String,
    raekker: Vec<FristRaekke>,
    /// The report period form as posted (or empty).
    rapport: RapportForm,
}

/// One organisation's package on the deadlines page.
pub struct FristRaekke {
    nummer: u32,
    navn: String,
    frist: String,
    /// The report period the kommune set, or the accounting period.
    rapportperiode: String,
    status: &'static str,
}

/// The report period form: the choice ("regnskab", "moede" or "valgt"), the chosen period's
/// dates, and the organisation (empty: all).
#[derive(serde::Deserialize, Default)]
pub struct RapportForm {
    /// Which period; none or an unknown choice is refused with a field error.
    #[serde(default, deserialize_with = "crate::input::valgfri")]
    valg: Option<Periodevalg>,
    #[serde(default)]
    fra: String,
    #[serde(default)]
    til: String,
    #[serde(default)]
    organisation: String,
}

#[derive(serde::Deserialize, Default)]
pub struct AarQuery {
    aar: Option<i64>,
    besked: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct FristForm {
    #[serde(default)]
    frist: String,
    #[serde(default)]
    organisation: String,
    /// "ja" when the user confirmed a past date or replacing deadlines already set.
    #[serde(default)]
    bekraeft: String,
}

async fn frist_side(
    state: &AppState,
    user: &SessionUser,
    layout: Layout,
    aar: domain::Styringsaar,
    form: FristForm,
    rapport: RapportForm,
) -> Result<FristSide, AppError> {
    let pakker = state.app.tilsynspakker(user, aar).await?;
    let kommune = crate::pages::kommune_navn(state, user).await?;
    Ok(FristSide {
        layout,
        kommune,
        aar: aar.get(),
        frist: form.frist,
        valgt: form.organisation,
        rapport,
        raekker: pakker
            .iter()
            .map(|p| FristRaekke {
                nummer: p.organisation_nummer.get(),
                navn: p.organisation_navn.clone(),
                frist: p.frist.map(crate::format::dato).unwrap_or_else(|| "Ikke fastsat".into()),
                rapportperiode: rapportperiode_tekst(p),
                // Drafts are the organisation's own: the kommune sees only that it is not submitted.
                status: if p.status.editable_by_organisation() { "Ikke indsendt" } else { "Indsendt" },
            })
            .collect(),
    })
}

/// The period a package's report covers, as the pages write it.
pub fn rapportperiode_tekst(p: &store::PakkeRecord) -> String {
    match p.rapportperiode {
        Some(r) => format!("{} (fastsat af kommunen)", r.label()),
        None => format!("{} (regnskabsperioden)", p.periode.label()),
    }
}

/// The period a report covers, as the kommune's radio buttons choose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Periodevalg {
    /// The accounting period (the default).
    Regnskab,
    /// The time since the last dialogue meeting, up to the deadline.
    Moede,
    /// A period the kommune gives.
    Valgt,
}

impl std::str::FromStr for Periodevalg {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "regnskab" => Ok(Periodevalg::Regnskab),
            "moede" => Ok(Periodevalg::Moede),
            "valgt" => Ok(Periodevalg::Valgt),
            _ => Err(()),
        }
    }
}

/// The kommune sets the report period of its organisations' packages (§ 112, stk. 4).
pub async fn saet_rapportperiode(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<AarQuery>,
    Form(form): Form<RapportForm>,
) -> PageResult {
    let aar = valgt_aar(&state, q.aar)?;
    let valg = match form.valg {
        Some(Periodevalg::Regnskab) => Ok(app::RapportperiodeValg::Regnskabsperiode),
        Some(Periodevalg::Moede) => Ok(app::RapportperiodeValg::SidenSidsteMoede),
        Some(Periodevalg::Valgt) => {
            let mut ind = Indlaesning::new(state.app.today());
            let fra = ind.kraevet_dato("rapport-fra", &form.fra, "Skriv en dato");
            let til = ind.kraevet_dato("rapport-til", &form.til, "Skriv en dato");
            match (fra, til) {
                (Some(fra), Some(til)) => {
                    domain::period::Rapportperiode::new(fra, til).map(app::RapportperiodeValg::Valgt).map_err(|e| {
                        vec![app::FieldError { field: "rapport-til".into(), message: format!("Ret datoerne: {e}") }]
                    })
                }
                _ => Err(ind.fejlene()),
            }
        }
        None => Err(vec![app::FieldError {
            field: "rapport-valg".into(),
            message: "Vælg, hvilken periode rapporten skal dække".into(),
        }]),
    };
    let organisation = match form.organisation.trim() {
        "" => None,
        n => Some(n.parse::<domain::OrganisationNummer>().map_err(|_| AppError::NotFound)?),
    };
    let result = match valg {
        Ok(valg) => state.app.fastsaet_rapportperiode(&user, aar, valg, organisation).await.map_err(|e| match e {
            // The use case names its field by the choice; the page's field is the radio group.
            AppError::Invalid(errors) => AppError::Invalid(
                errors.into_iter().map(|e| app::FieldError { field: format!("rapport-{}", e.field), ..e }).collect(),
            ),
            e => e,
        }),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(_) => Ok(redirect_with(&format!("/kommune/frister?aar={aar}"), "rapportperiode_fastsat")),
        Err(AppError::Invalid(errors)) => {
            let layout = Layout::new("Frister", Some(&user), &csrf, "/kommune").with_errors(errors);
            let tom = FristForm { frist: String::new(), organisation: String::new(), bekraeft: String::new() };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &frist_side(&state, &user, layout, aar, tom, form).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The deadlines of a styringsår for the organisations the kommune supervises.
pub async fn frister(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<AarQuery>,
) -> PageResult {
    let aar = valgt_aar(&state, q.aar)?;
    let layout = Layout::new("Frister", Some(&user), &csrf, "/kommune").with_besked(q.besked.as_deref());
    let tom = FristForm { frist: String::new(), organisation: String::new(), bekraeft: String::new() };
    render(&frist_side(&state, &user, layout, aar, tom, RapportForm::default()).await?)
}

pub async fn saet_frist(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<AarQuery>,
    Form(form): Form<FristForm>,
) -> PageResult {
    let aar = valgt_aar(&state, q.aar)?;
    let mut ind = Indlaesning::new(state.app.today());
    let frist = ind.kraevet_dato("frist", &form.frist, "Vælg en dato for fristen");
    let organisation = match form.organisation.trim() {
        "" => None,
        n => Some(n.parse::<domain::OrganisationNummer>().map_err(|_| AppError::NotFound)?),
    };
    let result = match frist {
        Some(frist) => state.app.fastsaet_frist(&user, aar, frist, organisation, form.bekraeft == "ja").await,
        None => Err(AppError::Invalid(ind.fejlene())),
    };
    match result {
        Ok(_) => Ok(redirect_with(&format!("/kommune/frister?aar={aar}"), "frist_fastsat")),
        Err(AppError::Invalid(errors)) => {
            let layout = Layout::new("Frister", Some(&user), &csrf, "/kommune").with_errors(errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &frist_side(&state, &user, layout, aar, form, RapportForm::default()).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}
