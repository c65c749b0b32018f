//! Dialogue meetings: the kommune convenes (with the invitation letter and calendar file),
//! moves, cancels and marks a meeting held.

use crate::AppState;
use crate::error::PageResult;
use crate::format::{Valgmulighed, dato, tidspunkt};
use crate::input::Indlaesning;
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
    felter: IndkaldelseFelter,
    /// The kommuner that may be invited, and the packages that may join a joint meeting.
    kommuner: Vec<Valgmulighed>,
    faelles: Vec<Valgmulighed>,
}

/// The invitation form as posted, kept as typed to show again with its errors.
#[derive(Default)]
struct IndkaldelseFelter {
    dato: String,
    tid: String,
    varighed: String,
    sted: String,
    deltagere: String,
    dagsorden: String,
    /// The checked kommuner's codes and joint packages' ids (boxes named `kommune_<kode>`,
    /// `faelles_<id>`).
    kommuner: Vec<String>,
    faelles: Vec<String>,
    kort_varsel: bool,
}

impl IndkaldelseFelter {
    fn fra(form: &Felter) -> Self {
        IndkaldelseFelter {
            dato: felt(form, "dato").into(),
            tid: felt(form, "tid").into(),
            varighed: felt(form, "varighed").into(),
            sted: felt(form, "sted").into(),
            deltagere: felt(form, "deltagere").into(),
            dagsorden: felt(form, "dagsorden").into(),
            kommuner: afkrydset(form, "kommune_"),
            faelles: afkrydset(form, "faelles_"),
            kort_varsel: felt(form, "kort_varsel") == "ja",
        }
    }

    /// The invitation the fields give, with what could not be read.
    fn input(&self, today: chrono::NaiveDate) -> app::IndkaldelseInput {
        let mut ind = Indlaesning::new(today);
        let tid_og_sted = tid_og_sted(&mut ind, &self.dato, &self.tid, &self.varighed, &self.sted);
        let kommuner = ind.kommunekoder("kommuner", &self.kommuner);
        let faelles = ind.pakker("faelles", &self.faelles);
        app::IndkaldelseInput {
            tid_og_sted,
            deltagere: self.deltagere.clone(),
            kommuner,
            faelles,
            dagsorden: self.dagsorden.clone(),
            kort_varsel_ok: self.kort_varsel,
            laest: None,
            laesefejl: ind.fejlene(),
        }
    }
}

/// A meeting's time and place as its form fields hold them.
fn tid_og_sted(ind: &mut Indlaesning, dato: &str, tid: &str, varighed: &str, sted: &str) -> app::TidOgSted {
    app::TidOgSted {
        dato: ind.dato("dato", dato),
        tid: ind.klokkeslaet("tid", tid),
        varighed_minutter: ind.minutter("varighed", varighed),
        sted: sted.to_string(),
    }
}

fn indkald_side(
    v: &app::PakkeView,
    layout: Layout,
    forslag: app::MoedeForslag,
    felter: IndkaldelseFelter,
) -> IndkaldSide {
    let kommuner = forslag
        .beliggenhedskommuner
        .iter()
        .map(|(kode, navn)| Valgmulighed {
            kode: kode.to_string(),
            label: navn.clone(),
            valgt: felter.kommuner.contains(&kode.to_string()),
        })
        .collect();
    let faelles = forslag
        .faelles_kandidater
        .iter()
        .map(|p| Valgmulighed {
            kode: p.id.to_string(),
            label: format!("{} ({})", p.organisation_navn, p.organisation_nummer),
            valgt: felter.faelles.contains(&p.id.to_string()),
        })
        .collect();
    IndkaldSide { layout, hoved: v.into(), forslag, felter, kommuner, faelles }
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
    let felter = IndkaldelseFelter {
        dato: dato.to_string(),
        tid: "13:00".into(),
        varighed: forslag.varighed_minutter.to_string(),
        deltagere: forslag.deltagere.clone(),
        dagsorden: forslag.dagsorden.clone(),
        ..Default::default()
    };
    render(&indkald_side(&v, Layout::new("Indkald til dialogmøde", Some(&user), &csrf, "/pakker"), forslag, felter))
}

pub async fn indkald(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<Felter>,
) -> PageResult {
    let felter = IndkaldelseFelter::fra(&form);
    match state.app.indkald_moede(&user, PakkeId(id), &felter.input(state.app.today())).await {
        Ok(moede) => Ok(redirect_with(&format!("/moeder/{moede}"), "indkaldt")),
        Err(AppError::Invalid(errors)) => {
            let forslag = state.app.moede_forslag(&user, PakkeId(id)).await?;
            let v = state.app.pakke_view(&user, PakkeId(id)).await?;
            let layout = Layout::new("Indkald til dialogmøde", Some(&user), &csrf, "/pakker").with_errors(errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &indkald_side(&v, layout, forslag, felter))
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
    pakker: Vec<MoedePakke>,
    /// The moves and the cancellation.
    aendringer: Vec<MoedeAendring>,
    aflyst: bool,
    /// The meeting lies ahead: it cannot be marked held yet.
    kommende: bool,
    /// The move form as posted (or the meeting's own time and place).
    flyt: FlytningFelter,
    aflys_begrundelse: String,
}

/// A package the meeting covers.
struct MoedePakke {
    id: i64,
    /// The organisation's name and number.
    organisation: String,
    /// The day it was held, when it was.
    afholdt: Option<String>,
    /// The organisation had its own discussion (always so at a meeting of one).
    bilateral: bool,
}

/// A move or the cancellation of a meeting, with its letter.
struct MoedeAendring {
    hvad: &'static str,
    hvornaar: String,
    begrundelse: String,
    brev: String,
}

/// What a meeting page's forms hold: the held form's date and participants, the move form
/// and the cancellation's reason.
struct MoedeFelter {
    dato: Option<String>,
    deltagere: Option<String>,
    flyt: Option<FlytningFelter>,
    aflys_begrundelse: String,
}

/// The move form as posted, kept as typed to show again with its errors.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct FlytningFelter {
    dato: String,
    tid: String,
    #[serde(rename = "varighed")]
    varighed_minutter: String,
    sted: String,
    begrundelse: String,
    kort_varsel: String,
}

/// A text field of the move form.
struct Flytfelt<'a> {
    /// The posted name; its id on the page is `flyt_<navn>`.
    navn: &'static str,
    label: &'static str,
    hjaelp: &'static str,
    vaerdi: &'a str,
    /// A date field (the browser's date picker).
    dato: bool,
    /// Full width (the place), the others are short.
    bred: bool,
}

impl FlytningFelter {
    /// The time-and-place fields in the form's order.
    fn felter(&self) -> [Flytfelt<'_>; 4] {
        let felt = |navn, label, hjaelp, vaerdi| Flytfelt { navn, label, hjaelp, vaerdi, dato: false, bred: false };
        [
            Flytfelt { dato: true, ..felt("dato", "Ny mødedato", "År-måned-dag, fx 2026-05-14.", &self.dato) },
            felt("tid", "Klokkeslæt", "Time:minut, dansk tid, fx 13:00.", &self.tid),
            felt("varighed", "Varighed i minutter", "", &self.varighed_minutter),
            Flytfelt { bred: true, ..felt("sted", "Sted", "", &self.sted) },
        ]
    }

    /// The move the fields give, with what could not be read.
    fn input(&self, today: chrono::NaiveDate) -> app::FlytningInput {
        let mut ind = Indlaesning::new(today);
        let tid_og_sted = tid_og_sted(&mut ind, &self.dato, &self.tid, &self.varighed_minutter, &self.sted);
        app::FlytningInput {
            tid_og_sted,
            begrundelse: self.begrundelse.clone(),
            kort_varsel_ok: self.kort_varsel == "ja",
            laesefejl: ind.fejlene(),
        }
    }
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
    let flyt = felter.flyt.unwrap_or_else(|| FlytningFelter {
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
            MoedeAendring { hvad, hvornaar: tidspunkt(a.at), begrundelse: a.begrundelse.clone(), brev: a.brev.clone() }
        })
        .collect();
    let aflyst = m.moede.aflyst().is_some();
    let slut = m.moede.moede.starter + chrono::Duration::minutes(m.moede.moede.varighed_minutter);
    let tid = format!("{}–{}", tidspunkt(m.moede.moede.starter), tidspunkt(slut).split(" kl. ").nth(1).unwrap_or(""));
    let kommuner = crate::pages::kommune_navne(&state.app, &m.moede.moede.kommuner).await?;
    let pakker = m
        .pakker
        .iter()
        .map(|(p, held)| MoedePakke {
            id: p.id.0,
            organisation: format!("{} ({})", p.organisation_navn, p.organisation_nummer),
            afholdt: held.first().map(|h| dato_fmt(h.dato)),
            bilateral: held.first().is_none_or(|h| h.bilateral),
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
    Form(felter): Form<FlytningFelter>,
) -> PageResult {
    let udfald = state.app.flyt_dialogmoede(&user, id, &felter.input(state.app.today())).await;
    moede_svar(&state, &user, &csrf, id, udfald, "moede_flyttet", |errors| {
        // The move form's fields carry their own prefix on the page.
        let errors =
            errors.into_iter().map(|e| app::FieldError { field: format!("flyt_{}", e.field), message: e.message });
        (errors.collect(), MoedeFelter { flyt: Some(felter), ..MoedeFelter::tomme() })
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
    Form(form): Form<AflysForm>,
) -> PageResult {
    let udfald = state.app.aflys_dialogmoede(&user, id, &form.aflys_begrundelse).await;
    moede_svar(&state, &user, &csrf, id, udfald, "moede_aflyst", |errors| {
        (errors, MoedeFelter { aflys_begrundelse: form.aflys_begrundelse, ..MoedeFelter::tomme() })
    })
    .await
}

/// The cancellation form: its reason.
#[derive(serde::Deserialize)]
pub struct AflysForm {
    #[serde(default)]
    aflys_begrundelse: String,
}

pub async fn moede_afholdt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<store::DialogmoedeId>,
    Form(form): Form<Felter>,
) -> PageResult {
    let (dato, deltagere) = (felt(&form, "dato"), felt(&form, "deltagere"));
    let mut ind = Indlaesning::new(state.app.today());
    let bilaterale = ind.pakker("bilaterale", &afkrydset(&form, "bilateral_"));
    let afholdelse =
        app::AfholdelseInput { dato: ind.dato("dato", dato), deltagere: deltagere.to_string(), laesefejl: Vec::new() };
    let afholdelse = app::AfholdelseInput { laesefejl: ind.fejlene(), ..afholdelse };
    let afholdt = app::AfholdtMoede::Indkaldt { moede: id, bilaterale, laest: None };
    let udfald = state.app.marker_moede_afholdt(&user, &afholdt, &afholdelse).await;
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
