//! Dialogue meetings: the kommune convenes (with the invitation letter and calendar file),
//! moves, cancels and marks a meeting held.

use crate::AppState;
use crate::error::PageResult;
use crate::format::{dato, tidspunkt};
use crate::layout::Layout;
use crate::pages::{Felter, PakkeHoved, afkrydset, felt, redirect_with};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::AppError;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use store::PakkeId;

#[derive(Template)]
#[template(path = "indkald.html")]
struct IndkaldSide {
    layout: Layout,
    hoved: PakkeHoved,
    forslag: app::MoedeForslag,
    dato: String,
    tid: String,
    varighed: String,
    sted: String,
    deltagere: String,
    dagsorden: String,
    valgte_kommuner: Vec<String>,
    valgte_faelles: Vec<String>,
    kort_varsel: bool,
}

fn indkald_side(
    v: &app::PakkeView,
    layout: Layout,
    forslag: app::MoedeForslag,
    input: app::IndkaldelseInput,
) -> IndkaldSide {
    IndkaldSide {
        layout,
        hoved: v.into(),
        forslag,
        dato: input.dato,
        tid: input.tid,
        varighed: input.varighed_minutter,
        sted: input.sted,
        deltagere: input.deltagere,
        dagsorden: input.dagsorden,
        valgte_kommuner: input.kommuner,
        valgte_faelles: input.faelles,
        kort_varsel: input.kort_varsel_ok,
    }
}

pub async fn indkald_form(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> PageResult {
    let forslag = state.app.moede_forslag(&user, PakkeId(id)).await?;
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let dato = state.app.today() + chrono::Duration::days(i64::from(forslag.varsel_dage) + 7);
    let input = app::IndkaldelseInput {
        dato: dato.to_string(),
        tid: "13:00".into(),
        varighed_minutter: forslag.varighed_minutter.to_string(),
        deltagere: forslag.deltagere.clone(),
        dagsorden: forslag.dagsorden.clone(),
        ..Default::default()
    };
    render(&indkald_side(&v, Layout::new("Indkald til dialogmøde", Some(&user), &csrf, "/pakker"), forslag, input))
}

pub async fn indkald(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<Felter>,
) -> PageResult {
    let input = app::IndkaldelseInput {
        dato: felt(&form, "dato").into(),
        tid: felt(&form, "tid").into(),
        varighed_minutter: felt(&form, "varighed").into(),
        sted: felt(&form, "sted").into(),
        deltagere: felt(&form, "deltagere").into(),
        kommuner: afkrydset(&form, "kommune_"),
        faelles: afkrydset(&form, "faelles_"),
        dagsorden: felt(&form, "dagsorden").into(),
        kort_varsel_ok: felt(&form, "kort_varsel") == "ja",
        laest: None,
    };
    match state.app.indkald_moede(&user, PakkeId(id), &input).await {
        Ok(moede) => Ok(redirect_with(&format!("/moeder/{moede}"), "indkaldt")),
        Err(AppError::Invalid(errors)) => {
            let forslag = state.app.moede_forslag(&user, PakkeId(id)).await?;
            let v = state.app.pakke_view(&user, PakkeId(id)).await?;
            let layout = Layout::new("Indkald til dialogmøde", Some(&user), &csrf, "/pakker").with_errors(errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &indkald_side(&v, layout, forslag, input))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "dialogmoede.html")]
struct MoedeSide {
    layout: Layout,
    m: app::DialogmoedeVisning,
    tid: String,
    indkaldt: String,
    kommuner: String,
    dato: String,
    deltagere: String,
    /// (package id, organisation, held date if held, bilateral).
    pakker: Vec<(i64, String, Option<String>, bool)>,
    /// The moves and the cancellation: (what, when, reason, letter).
    aendringer: Vec<(&'static str, String, String, String)>,
    aflyst: bool,
    /// The meeting lies ahead: it cannot be marked held yet.
    kommende: bool,
    /// The move form as posted (or the meeting's own time and place).
    flyt: app::FlytningInput,
    aflys_begrundelse: String,
}

/// What a meeting page's forms hold: the held form's date and participants, the move form
/// and the cancellation's reason.
struct MoedeFelter {
    dato: Option<String>,
    deltagere: Option<String>,
    flyt: Option<app::FlytningInput>,
    aflys_begrundelse: String,
}

async fn moede_side(
    state: &AppState,
    layout: Layout,
    m: app::DialogmoedeVisning,
    felter: MoedeFelter,
) -> Result<MoedeSide, AppError> {
    let lokal = m.moede.moede.starter.with_timezone(&chrono_tz::Europe::Copenhagen);
    let kommende = lokal.date_naive() > state.app.today();
    // The held date defaults to the meeting's own date, never to one that is refused.
    let dato = felter.dato.unwrap_or_else(|| if kommende { String::new() } else { lokal.date_naive().to_string() });
    let deltagere = felter.deltagere.unwrap_or_else(|| m.moede.moede.deltagere.clone());
    let flyt = felter.flyt.unwrap_or_else(|| app::FlytningInput {
        dato: lokal.date_naive().to_string(),
        tid: lokal.format("%H:%M").to_string(),
        varighed_minutter: m.moede.moede.varighed_minutter.to_string(),
        sted: m.moede.moede.sted.clone(),
        ..Default::default()
    });
    let aendringer = m
        .moede
        .aendringer
        .iter()
        .map(|a| {
            let hvad = match a.art {
                store::MoedeAendringsArt::Flyttet => "Flyttet",
                store::MoedeAendringsArt::Aflyst => "Aflyst",
            };
            (hvad, tidspunkt(a.at), a.begrundelse.clone(), a.brev.clone())
        })
        .collect();
    let aflyst = m.moede.aflyst().is_some();
    let slut = m.moede.moede.starter + chrono::Duration::minutes(m.moede.moede.varighed_minutter);
    let tid = format!("{}–{}", tidspunkt(m.moede.moede.starter), tidspunkt(slut).split(" kl. ").nth(1).unwrap_or(""));
    let kommuner = crate::pages::kommune_navne(&state.app, &m.moede.moede.kommuner).await?;
    let pakker = m
        .pakker
        .iter()
        .map(|(p, held)| {
            (
                p.id.0,
                format!("{} ({})", p.organisation_navn, p.organisation_nummer),
                held.first().map(|h| dato_fmt(h.dato)),
                held.first().is_none_or(|h| h.bilateral),
            )
        })
        .collect();
    Ok(MoedeSide {
        layout,
        tid,
        indkaldt: tidspunkt(m.moede.moede.at),
        kommuner,
        dato,
        deltagere,
        pakker,
        aendringer,
        aflyst,
        kommende,
        flyt,
        aflys_begrundelse: felter.aflys_begrundelse,
        m,
    })
}

impl MoedeFelter {
    fn tomme() -> MoedeFelter {
        MoedeFelter { dato: None, deltagere: None, flyt: None, aflys_begrundelse: String::new() }
    }
}

fn dato_fmt(d: chrono::NaiveDate) -> String {
    dato(d)
}

pub async fn moede(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<store::DialogmoedeId>,
    Query(q): Query<crate::pages::Besked>,
) -> PageResult {
    let m = state.app.dialogmoede(&user, id).await?;
    let layout = Layout::new("Dialogmøde", Some(&user), &csrf, "/kommune").with_besked(q.besked.as_deref());
    render(&moede_side(&state, layout, m, MoedeFelter::tomme()).await?)
}

/// The meeting page again with the errors of one of its forms.
async fn moede_med_fejl(
    state: &AppState,
    user: &app::SessionUser,
    csrf: &str,
    id: store::DialogmoedeId,
    errors: Vec<app::FieldError>,
    felter: MoedeFelter,
) -> PageResult {
    let m = state.app.dialogmoede(user, id).await?;
    let layout = Layout::new("Dialogmøde", Some(user), csrf, "/kommune").with_errors(errors);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &moede_side(state, layout, m, felter).await?)
}

/// Moves a convened meeting (new time or place, with a reason).
pub async fn flyt_moede(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<store::DialogmoedeId>,
    Form(form): Form<Felter>,
) -> PageResult {
    let input = app::FlytningInput {
        dato: felt(&form, "dato").to_string(),
        tid: felt(&form, "tid").to_string(),
        varighed_minutter: felt(&form, "varighed").to_string(),
        sted: felt(&form, "sted").to_string(),
        begrundelse: felt(&form, "begrundelse").to_string(),
        kort_varsel_ok: felt(&form, "kort_varsel") == "ja",
    };
    let udfald = state.app.flyt_dialogmoede(&user, id, &input).await;
    moede_svar(&state, &user, &csrf, id, udfald, "moede_flyttet", |errors| {
        // The move form's fields carry their own prefix on the page.
        let errors =
            errors.into_iter().map(|e| app::FieldError { field: format!("flyt_{}", e.field), message: e.message });
        (errors.collect(), MoedeFelter { flyt: Some(input), ..MoedeFelter::tomme() })
    })
    .await
}

/// A meeting form's answer: the meeting page with its message, or the page again with the
/// errors where they arose (`felter` says which, and what the forms hold).
async fn moede_svar(
    state: &AppState,
    user: &app::SessionUser,
    csrf: &str,
    id: store::DialogmoedeId,
    udfald: Result<(), AppError>,
    besked: &str,
    felter: impl FnOnce(Vec<app::FieldError>) -> (Vec<app::FieldError>, MoedeFelter),
) -> PageResult {
    match udfald {
        Ok(()) => Ok(redirect_with(&format!("/moeder/{id}"), besked)),
        Err(AppError::Invalid(errors)) => {
            let (errors, felter) = felter(errors);
            moede_med_fejl(state, user, csrf, id, errors, felter).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Cancels a convened meeting, with a reason.
pub async fn aflys_moede(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<store::DialogmoedeId>,
    Form(form): Form<Felter>,
) -> PageResult {
    let begrundelse = felt(&form, "aflys_begrundelse");
    let udfald = state.app.aflys_dialogmoede(&user, id, begrundelse).await;
    moede_svar(&state, &user, &csrf, id, udfald, "moede_aflyst", |errors| {
        (errors, MoedeFelter { aflys_begrundelse: begrundelse.to_string(), ..MoedeFelter::tomme() })
    })
    .await
}

pub async fn moede_afholdt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<store::DialogmoedeId>,
    Form(form): Form<Felter>,
) -> PageResult {
    let bilaterale: Vec<PakkeId> =
        afkrydset(&form, "bilateral_").iter().filter_map(|p| p.parse().ok()).map(PakkeId).collect();
    let (dato, deltagere) = (felt(&form, "dato"), felt(&form, "deltagere"));
    let afholdt = app::AfholdtMoede::Indkaldt { moede: id, bilaterale, laest: None };
    let udfald = state.app.marker_moede_afholdt(&user, &afholdt, dato, deltagere).await;
    moede_svar(&state, &user, &csrf, id, udfald, "moede", |errors| {
        let felter = MoedeFelter {
            dato: Some(dato.to_string()),
            deltagere: Some(deltagere.to_string()),
            ..MoedeFelter::tomme()
        };
        (errors, felter)
    })
    .await
}
