//! The kommune's supervision pages: the overview with "where to look first" and its XLSX
//! export, meeting invitations and held meetings, the organisation's høring of the
//! redegørelse, and the aftaler register.

use crate::AppState;
use crate::error::PageResult;
use crate::pages::kommune::valgt_aar;
use crate::pages::{PakkeHoved, redirect_with};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{Layout, dato, render, render_status, tidspunkt};
use app::{AppError, Indsendelse, MoedeStatus, OversigtRaekke, SessionUser, Tilknytning};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::redegoerelse::{AftaleStatus, MAALOMRAADER};
use serde::Deserialize;
use store::PakkeId;

type Felter = Vec<(String, String)>;

/// The value of a posted field ("" when absent).
fn felt<'a>(form: &'a Felter, navn: &str) -> &'a str {
    form.iter().find(|(k, _)| k == navn).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// The suffixes of checked boxes named `<prefix><suffix>`.
fn afkrydset(form: &Felter, prefix: &str) -> Vec<String> {
    form.iter().filter_map(|(k, _)| k.strip_prefix(prefix).map(str::to_string)).collect()
}

// --- the overview --------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct OversigtQuery {
    aar: Option<i64>,
    #[serde(default)]
    tilknytning: String,
    #[serde(default)]
    indsendelse: String,
    #[serde(default)]
    moede: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    sorter: String,
    besked: Option<String>,
}

pub struct Raekke {
    pub href: Option<String>,
    /// A package not submitted: the kommune may send the organisation a reminder.
    pub paamind: Option<i64>,
    /// A package missing after the deadline: the kommune may hold the dialogue without it.
    pub uden_pakke: Option<i64>,
    /// The newest henstilling or påbud: "Påbud 12.03.2027".
    pub tilsynsreaktion: Option<String>,
    /// The accounts track of a submitted report, with its badge.
    pub regnskab: Option<(String, &'static str)>,
    pub organisation: String,
    pub tilknytning: &'static str,
    pub frist: String,
    pub indsendelse: &'static str,
    pub indsendelse_badge: &'static str,
    pub moede: String,
    pub redegoerelse: &'static str,
    /// The resubmission deadline of a returned package, under its status.
    pub genindsendelse_frist: Option<String>,
    /// The deadline for comments on a redegørelse in høring, under its status.
    pub hoering_frist: Option<String>,
    /// The organisation's høring comments not yet read into a saved draft.
    pub nye_bemaerkninger: i64,
    pub kritiske: i64,
    pub roede_noegletal: i64,
    pub roede_afdelinger: i64,
    pub afdelinger_i_kommunen: usize,
    /// Early-warning signals across years.
    pub signaler: usize,
}

fn indsendelse_badge(i: Indsendelse) -> &'static str {
    match i {
        Indsendelse::Mangler | Indsendelse::IkkeModtaget => "badge-error",
        Indsendelse::Returneret | Indsendelse::ForSent => "badge-warning",
        Indsendelse::Rettidig => "badge-success",
        Indsendelse::Afventer => "badge-info",
    }
}

fn moede_tekst(m: MoedeStatus) -> String {
    match m {
        MoedeStatus::Ingen => "Ikke indkaldt".into(),
        MoedeStatus::Indkaldt(t) => format!("Indkaldt til {}", tidspunkt(t)),
        MoedeStatus::Afholdt(d) => format!("Afholdt {}", dato(d)),
    }
}

impl From<&OversigtRaekke> for Raekke {
    fn from(r: &OversigtRaekke) -> Self {
        Raekke {
            // A draft is the organisation's own: the kommune sees only that it is not submitted.
            href: r
                .pakke
                .filter(|_| !matches!(r.indsendelse, Indsendelse::Mangler | Indsendelse::Afventer))
                .map(|p| format!("/pakker/{p}")),
            paamind: r
                .pakke
                .filter(|_| r.tilknytning == app::Tilknytning::Tilsyn)
                .filter(|_| {
                    matches!(r.indsendelse, Indsendelse::Mangler | Indsendelse::Afventer | Indsendelse::Returneret)
                })
                .map(|p| p.0),
            uden_pakke: r
                .pakke
                .filter(|_| r.tilknytning == app::Tilknytning::Tilsyn && r.indsendelse == Indsendelse::Mangler)
                .map(|p| p.0),
            tilsynsreaktion: r.tilsynsreaktion.map(|(art, d)| format!("{} {}", art.label(), dato(d))),
            regnskab: r.regnskab.map(|s| {
                let badge = match s {
                    app::RegnskabStatus::Modtaget => "badge-success",
                    app::RegnskabStatus::Mangler { overskredet: true, .. } => "badge-error",
                    app::RegnskabStatus::Mangler { .. } => "badge-info",
                };
                (s.label(), badge)
            }),
            organisation: format!("{} ({})", r.navn, r.nummer),
            tilknytning: r.tilknytning.label(),
            frist: r.frist.map(dato).unwrap_or_else(|| "Ikke fastsat".into()),
            indsendelse: if r.pakke.is_none() { "Ingen pakke oprettet" } else { r.indsendelse.label() },
            indsendelse_badge: indsendelse_badge(r.indsendelse),
            moede: moede_tekst(r.moede),
            redegoerelse: r.redegoerelse.label(),
            genindsendelse_frist: r.trin_frist.filter(|_| r.indsendelse == Indsendelse::Returneret).map(dato),
            hoering_frist: r.trin_frist.filter(|_| r.redegoerelse == app::RedegoerelseStatus::IHoering).map(dato),
            nye_bemaerkninger: r.nye_bemaerkninger,
            kritiske: r.kritiske_noegletal,
            roede_noegletal: r.roede_noegletal,
            roede_afdelinger: r.roede_afdelinger,
            afdelinger_i_kommunen: r.afdelinger_i_kommunen,
            signaler: r.signaler,
        }
    }
}

#[derive(Template)]
#[template(path = "tilsyn_oversigt.html")]
struct OversigtSide {
    layout: Layout,
    kommune: String,
    aar: i32,
    q: OversigtQuery,
    foerst: Vec<Raekke>,
    raekker: Vec<Raekke>,
    antal_i_alt: usize,
    eksport: String,
    indsendelser: Vec<(&'static str, &'static str)>,
    /// Where the filter form sends its query.
    filter_handling: String,
}

fn filtrer(rows: Vec<OversigtRaekke>, q: &OversigtQuery) -> Vec<OversigtRaekke> {
    let soeg = q.q.trim().to_lowercase();
    let mut rows: Vec<OversigtRaekke> = rows
        .into_iter()
        .filter(|r| match q.tilknytning.as_str() {
            "tilsyn" => r.tilknytning == Tilknytning::Tilsyn,
            "beliggenhed" => r.tilknytning == Tilknytning::Beliggenhed,
            _ => true,
        })
        .filter(|r| q.indsendelse.is_empty() || r.indsendelse.as_str() == q.indsendelse)
        .filter(|r| match q.moede.as_str() {
            "ingen" => matches!(r.moede, MoedeStatus::Ingen),
            "indkaldt" => matches!(r.moede, MoedeStatus::Indkaldt(_)),
            "afholdt" => matches!(r.moede, MoedeStatus::Afholdt(_)),
            _ => true,
        })
        .filter(|r| soeg.is_empty() || r.navn.to_lowercase().contains(&soeg) || r.nummer.to_string().contains(&soeg))
        .collect();
    match q.sorter.as_str() {
        "frist" => rows.sort_by_key(|r| (r.frist, r.navn.clone())),
        "indsendelse" => rows.sort_by_key(|r| (r.indsendelse, r.navn.clone())),
        "moede" => rows.sort_by_key(|r| (r.moede, r.navn.clone())),
        "kritiske" => rows.sort_by_key(|r| (std::cmp::Reverse(r.kritiske_noegletal), r.navn.clone())),
        "roede" => rows.sort_by_key(|r| (std::cmp::Reverse(r.roede_afdelinger), r.navn.clone())),
        _ => rows.sort_by_key(|r| (r.navn.to_lowercase(), r.nummer)),
    }
    rows
}

/// The kommune's overview of every organisation it supervises or has afdelinger of.
pub async fn oversigt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<OversigtQuery>,
) -> PageResult {
    let aar = valgt_aar(&state, q.aar)?;
    let alle = state.app.tilsynsoversigt(&user, aar).await?;
    let antal_i_alt = alle.len();
    let mut foerst: Vec<&OversigtRaekke> = alle.iter().filter(|r| r.opmaerksomhed() > 0).collect();
    foerst.sort_by_key(|r| (std::cmp::Reverse(r.opmaerksomhed()), r.navn.clone()));
    let foerst = foerst.into_iter().take(10).map(Raekke::from).collect();
    let raekker = filtrer(alle, &q).iter().map(Raekke::from).collect();
    let kommune = kommune_navn(&state, &user).await?;
    let eksport = serde_urlencoded::to_string([
        ("aar", aar.to_string()),
        ("tilknytning", q.tilknytning.clone()),
        ("indsendelse", q.indsendelse.clone()),
        ("moede", q.moede.clone()),
        ("q", q.q.clone()),
        ("sorter", q.sorter.clone()),
    ])
    .unwrap_or_default();
    render(&OversigtSide {
        layout: Layout::new("Kommunens oversigt", Some(&user), &csrf, "/kommune").with_besked(q.besked.as_deref()),
        kommune,
        aar: aar.get(),
        foerst,
        raekker,
        antal_i_alt,
        eksport,
        indsendelser: Indsendelse::ALL.iter().map(|i| (i.as_str(), i.label())).collect(),
        filter_handling: "/kommune".into(),
        q,
    })
}

#[derive(Template)]
#[template(path = "styrelse_kommune.html")]
struct KommuneForStyrelsen {
    layout: Layout,
    kommune: String,
    aar: i32,
    q: OversigtQuery,
    raekker: Vec<Raekke>,
    antal_i_alt: usize,
    eksport: String,
    indsendelser: Vec<(&'static str, &'static str)>,
    filter_handling: String,
    /// The kommune's supervision counts, as on the national table.
    tal: app::StatusTal,
}

/// The agency's drill-down from the national table: one kommune's organisations and their
/// packages, filtered as the kommune filters its own overview. Drafts stay closed.
pub async fn kommune_for_styrelsen(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(kode): Path<String>,
    Query(q): Query<OversigtQuery>,
) -> PageResult {
    let kode: domain::Kommunekode = kode.parse().map_err(|_| AppError::NotFound)?;
    let aar = valgt_aar(&state, q.aar)?;
    let alle = state.app.kommunes_oversigt(&user, kode, aar).await?;
    let antal_i_alt = alle.len();
    let raekker =
        filtrer(alle, &q).iter().map(|r| Raekke { paamind: None, uden_pakke: None, ..Raekke::from(r) }).collect();
    let tal = state.app.national_oversigt(&user, aar).await?.kommuner.into_iter().find(|k| k.0 == kode).map(|k| k.2);
    let kommune = format!("{} Kommune", state.app.public().kommune_navn(kode).await?);
    render(&KommuneForStyrelsen {
        layout: Layout::new(&kommune, Some(&user), &csrf, "/styrelse"),
        kommune,
        aar: aar.get(),
        raekker,
        antal_i_alt,
        eksport: String::new(),
        indsendelser: Indsendelse::ALL.iter().map(|i| (i.as_str(), i.label())).collect(),
        filter_handling: format!("/styrelse/kommuner/{kode}"),
        tal: tal.unwrap_or_default(),
        q,
    })
}

/// "X Kommune" of the signed-in kommune user ("" for others).
pub(crate) async fn kommune_navn(state: &AppState, user: &SessionUser) -> Result<String, AppError> {
    Ok(match user.principal.kommune {
        Some(k) => format!("{} Kommune", state.app.public().kommune_navn(k).await?),
        None => String::new(),
    })
}

/// The same rows, filtered and sorted the same way, as an XLSX file.
pub async fn oversigt_xlsx(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Query(q): Query<OversigtQuery>,
) -> PageResult {
    use tabular::Celle;
    let aar = valgt_aar(&state, q.aar)?;
    let rows = filtrer(state.app.tilsynsoversigt(&user, aar).await?, &q);
    let tekst = |s: &str| Celle::Tekst(s.to_string());
    let data: Vec<Vec<Celle>> = rows
        .iter()
        .map(|r| {
            let v = Raekke::from(r);
            vec![
                Celle::Tal(f64::from(r.nummer.get())),
                tekst(&r.navn),
                tekst(v.tilknytning),
                r.frist.map(|f| tekst(&f.to_string())).unwrap_or(Celle::Tom),
                tekst(v.indsendelse),
                tekst(&v.moede),
                tekst(v.redegoerelse),
                Celle::Tal(r.kritiske_noegletal as f64),
                Celle::Tal(r.roede_noegletal as f64),
                Celle::Tal(r.roede_afdelinger as f64),
            ]
        })
        .collect();
    let bytes = tabular::xlsx(
        &format!("Styringsår {aar}"),
        &[
            "organisationsnummer",
            "organisation",
            "tilknytning",
            "frist",
            "indsendelse",
            "dialogmøde",
            "redegørelse",
            "kritiske nøgletal",
            "røde nøgletal",
            "røde afdelinger",
        ],
        &data,
    )
    .map_err(|e| AppError::internal("svaret kunne ikke skrives", e))?;
    Ok(crate::view::fil_svar(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment",
        &format!("tilsyn-{aar}.xlsx"),
        bytes,
    ))
}

// --- meetings ------------------------------------------------------------------------------

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
    let kommuner = crate::pages::pakke::kommune_navne(&state.app, &m.moede.moede.kommuner).await?;
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

// --- the organisation's høring ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "hoering.html")]
struct HoeringSide {
    layout: Layout,
    hoved: PakkeHoved,
    afsnit: Vec<(String, String)>,
    revision: i64,
    bemaerkninger: Vec<(String, String, String)>,
    kan_bemaerke: bool,
    tekst: String,
    /// The deadline for comments, while the høring runs: (date, passed).
    frist: Option<(String, bool)>,
}

async fn hoering_side(
    state: &AppState,
    user: &SessionUser,
    layout: Layout,
    id: i64,
    tekst: String,
) -> Result<HoeringSide, AppError> {
    let v = state.app.pakke_view(user, PakkeId(id)).await?;
    let r = v.latest_redegoerelse().ok_or(AppError::NotFound)?;
    let bemaerkninger = state
        .app
        .bemaerkninger(&v)
        .await?
        .into_iter()
        .map(|b| (tidspunkt(b.bemaerkning.at), b.by_name, b.bemaerkning.tekst))
        .collect();
    Ok(HoeringSide {
        layout,
        hoved: (&v).into(),
        afsnit: crate::pages::public::afsnit(&r.tekst),
        revision: r.revision.0,
        bemaerkninger,
        kan_bemaerke: v.pakke.status == domain::package::PakkeStatus::RedegoerelseIHoering
            && user.principal.is_member_of(v.pakke.organisation),
        tekst,
        frist: v.trin_frist().map(|f| (crate::view::dato(f), f < state.app.today())),
    })
}

/// The draft in høring and the comments on it: for the organisation and the kommune.
pub async fn hoering(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<crate::pages::Besked>,
) -> PageResult {
    let layout = Layout::new("Redegørelse i høring", Some(&user), &csrf, "/pakker").with_besked(q.besked.as_deref());
    render(&hoering_side(&state, &user, layout, id, String::new()).await?)
}

#[derive(Deserialize)]
pub struct BemaerkningForm {
    #[serde(default)]
    bemaerkning: String,
}

pub async fn bemaerk(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<BemaerkningForm>,
) -> PageResult {
    match state.app.bemaerk_redegoerelse(&user, PakkeId(id), &form.bemaerkning).await {
        Ok(()) => Ok(redirect_with(&format!("/pakker/{id}/hoering"), "bemaerkning")),
        Err(AppError::Invalid(errors)) => {
            let layout = Layout::new("Redegørelse i høring", Some(&user), &csrf, "/pakker").with_errors(errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &hoering_side(&state, &user, layout, id, form.bemaerkning).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

// --- aftaler -------------------------------------------------------------------------------

pub struct AftaleVisning {
    pub id: store::AftaleId,
    pub organisation: String,
    pub aar: i32,
    pub emne: String,
    pub beskrivelse: String,
    pub parter: String,
    pub maalomraader: String,
    pub ansvarlig: String,
    pub frist: String,
    pub status: &'static str,
    pub aaben: bool,
    /// (time, status, follow-up text).
    pub historik: Vec<(String, &'static str, String)>,
}

pub fn aftale_visning(a: &store::AftaleRecord, kommune: &str) -> AftaleVisning {
    let mut parter = vec![kommune.to_string(), a.organisation_navn.clone()];
    if !a.aftale.oevrige_parter.is_empty() {
        parter.push(a.aftale.oevrige_parter.clone());
    }
    AftaleVisning {
        id: a.id,
        organisation: a.organisation_navn.clone(),
        aar: a.styringsaar.get(),
        emne: a.aftale.emne.clone(),
        beskrivelse: a.aftale.beskrivelse.clone(),
        parter: parter.join(", "),
        maalomraader: a
            .aftale
            .maalomraader
            .iter()
            .filter_map(|m| domain::redegoerelse::maalomraade_titel(m))
            .collect::<Vec<_>>()
            .join(", "),
        ansvarlig: a.aftale.ansvarlig.clone(),
        frist: a.aftale.frist.map(dato).unwrap_or_else(|| "Ingen".into()),
        status: a.status().map(|s| s.label()).unwrap_or(""),
        aaben: a.status().is_some_and(|s| s.aaben()),
        historik: a.historik.iter().map(|h| (tidspunkt(h.at), h.status.label(), h.bemaerkning.clone())).collect(),
    }
}

#[derive(Template)]
#[template(path = "aftaler.html")]
struct AftaleSide {
    layout: Layout,
    aftaler: Vec<AftaleVisning>,
    kan_opdatere: bool,
    statusser: Vec<(&'static str, &'static str)>,
    alle: bool,
    sider: crate::view::Sider,
}

/// Aftaler per page of the register.
const AFTALER_PR_SIDE: u32 = 50;

#[derive(Deserialize, Default)]
pub struct AftaleQuery {
    #[serde(default)]
    vis: String,
    side: Option<String>,
    besked: Option<String>,
}

async fn aftale_side(
    state: &AppState,
    user: &SessionUser,
    layout: Layout,
    vis: &str,
    side: Option<&str>,
) -> Result<AftaleSide, AppError> {
    let alle = vis == "alle";
    let side = store::Side::new(side.and_then(|s| s.parse().ok()).unwrap_or(1), AFTALER_PR_SIDE);
    let udsnit = state.app.aftaler(user, !alle, side).await?;
    let kommuner = state.app.public().kommuner().await?;
    let navn = |k| kommuner.iter().find(|x| x.kode == k).map(|x| format!("{} Kommune", x.navn)).unwrap_or_default();
    let vis = if alle { "vis=alle&" } else { "" };
    Ok(AftaleSide {
        sider: crate::view::Sider::new(&udsnit, |n| format!("/aftaler?{vis}side={n}")),
        layout,
        aftaler: udsnit.raekker.iter().map(|a| aftale_visning(a, &navn(a.aftale.kommune))).collect(),
        kan_opdatere: user.principal.role == domain::access::Role::Kommune,
        statusser: AftaleStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        alle,
    })
}

/// The aftaler register: the kommune's own (with status updates), an organisation's, or all.
pub async fn aftaler(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<AftaleQuery>,
) -> PageResult {
    let layout = Layout::new("Aftaler", Some(&user), &csrf, "/aftaler").with_besked(q.besked.as_deref());
    render(&aftale_side(&state, &user, layout, &q.vis, q.side.as_deref()).await?)
}

#[derive(Deserialize)]
pub struct AftaleStatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    bemaerkning: String,
}

pub async fn aftale_status(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<store::AftaleId>,
    Form(form): Form<AftaleStatusForm>,
) -> PageResult {
    match state.app.opdater_aftale(&user, id, &form.status, &form.bemaerkning, None).await {
        Ok(()) => Ok(redirect_with("/aftaler", "aftale_opdateret")),
        Err(AppError::Invalid(errors)) => {
            let errors =
                errors.into_iter().map(|e| app::FieldError { field: format!("{}-{id}", e.field), ..e }).collect();
            let layout = Layout::new("Aftaler", Some(&user), &csrf, "/aftaler").with_errors(errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &aftale_side(&state, &user, layout, "alle", None).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The goal areas for checkboxes: (id, heading).
pub fn maalomraader() -> Vec<(&'static str, &'static str)> {
    MAALOMRAADER.to_vec()
}

// --- where to look first, in detail --------------------------------------------------------

#[derive(Template)]
#[template(path = "opmaerksomhed.html")]
struct OpmaerksomhedSide {
    layout: Layout,
    kommune: String,
    aar: i32,
    /// (organisation, afdeling or "Organisationen", what, value, mark, badge).
    punkter: Vec<(String, String, String, String, &'static str, &'static str)>,
    roede: usize,
    /// The signals across years (early warning).
    varsler: Vec<crate::pages::varsling::VarselVisning>,
}

/// Every red afdeling and critical key figure across the kommune's organisations.
pub async fn opmaerksomhed(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<OversigtQuery>,
) -> PageResult {
    let aar = valgt_aar(&state, q.aar)?;
    let punkter = state.app.opmaerksomhedspunkter(&user, aar).await?;
    let varsler = state
        .app
        .kommunens_varsler(&user, aar)
        .await?
        .iter()
        .map(|r| crate::pages::varsling::VarselVisning::from(&**r))
        .collect();
    let roede = punkter.iter().filter(|p| p.roed).count();
    let punkter = punkter
        .iter()
        .map(|p| {
            let (mark, badge) = if p.roed { ("Rød", "badge-error") } else { ("Gul", "badge-warning") };
            let vaerdi = if p.hvad == "Effektivitetstal" {
                format!("{} %", crate::view::tal(p.vaerdi, 1))
            } else {
                crate::view::tal(p.vaerdi, 1)
            };
            (
                format!("{} ({})", p.organisation, p.organisation_nummer),
                p.afdeling
                    .as_ref()
                    .map(|a| format!("Afd. {} {}", a.data.nummer, a.data.navn))
                    .unwrap_or_else(|| "Organisationen".into()),
                p.hvad.clone(),
                vaerdi,
                mark,
                badge,
            )
        })
        .collect();
    render(&OpmaerksomhedSide {
        layout: Layout::new("Hvor skal vi kigge først", Some(&user), &csrf, "/kommune"),
        kommune: kommune_navn(&state, &user).await?,
        aar: aar.get(),
        punkter,
        roede,
        varsler,
    })
}

// --- the beliggenhedskommune's afdelinger --------------------------------------------------

pub struct AfdelingRaekke {
    pub afdeling: String,
    pub organisation: String,
    pub hjemsted: String,
    pub boliger: u32,
    pub effektivitet: String,
    pub farve: Option<(&'static str, &'static str)>,
    pub kritiske: usize,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "beliggenhed.html")]
struct BeliggenhedSide {
    layout: Layout,
    kommune: String,
    aar: i32,
    raekker: Vec<AfdelingRaekke>,
}

/// The afdelinger in the kommune of organisations supervised by another kommune.
pub async fn beliggenhed(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<OversigtQuery>,
) -> PageResult {
    let aar = valgt_aar(&state, q.aar)?;
    let public = state.app.public();
    let mut raekker = Vec::new();
    for a in state.app.beliggenhedsafdelinger(&user, aar).await? {
        let d = &a.afdeling.data;
        raekker.push(AfdelingRaekke {
            afdeling: format!("{} {}", d.nummer, d.navn),
            organisation: format!("{} ({})", a.organisation, a.organisation_nummer),
            hjemsted: format!("{} Kommune", public.kommune_navn(a.hjemstedskommune).await?),
            boliger: d.boliger_i_alt(),
            effektivitet: a
                .effektivitet
                .as_ref()
                .map(|e| format!("{} %", crate::view::tal(e.effektivitetstal, 1)))
                .unwrap_or_else(|| "i/t".into()),
            farve: a.effektivitet.as_ref().map(|e| (e.farve.label(), crate::pages::pakke::farve_badge(e.farve))),
            kritiske: a.kritiske,
            href: a.pakke.map(|p| format!("/pakker/{p}")),
        });
    }
    render(&BeliggenhedSide {
        layout: Layout::new("Afdelinger i kommunen", Some(&user), &csrf, "/kommune"),
        kommune: kommune_navn(&state, &user).await?,
        aar: aar.get(),
        raekker,
    })
}

// --- the outbox, for the agency ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "udbakke.html")]
struct UdbakkeSide {
    layout: Layout,
    mails: Vec<MailVisning>,
    sider: crate::view::Sider,
}

/// A mail of the outbox as the page shows it.
struct MailVisning {
    id: store::MailId,
    oprettet: String,
    til: String,
    emne: String,
    tilstand: &'static str,
    badge: &'static str,
    fejl: String,
    kan_sendes_igen: bool,
}

/// The newest mails with their delivery state, so an operator can see what waits, what failed
/// and what has an unknown outcome (a sender died mid-send; it is never resent by itself, but
/// the agency may send it again after checking the SMTP server's log).
pub async fn udbakke(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<UdbakkeQuery>,
) -> PageResult {
    let side = store::Side::new(q.side.as_deref().and_then(|s| s.parse().ok()).unwrap_or(1), UDBAKKE_PR_SIDE);
    let udsnit = state.app.udbakke(&user, side).await?;
    let sider = crate::view::Sider::new(&udsnit, |n| format!("/styrelse/udbakke?side={n}"));
    let mails = udsnit
        .raekker
        .into_iter()
        .map(|m| {
            let ukendt = state.app.ukendt_udfald(&m);
            let (tilstand, badge) = match (m.sendt, m.afsendes, &m.sidste_fejl) {
                (Some(_), _, _) => ("Sendt", "badge-success"),
                (None, Some(_), _) if ukendt => ("Ukendt udfald", "badge-error"),
                (None, Some(_), _) => ("Sendes nu", "badge-info"),
                (None, None, Some(_)) => ("Fejlet, prøves igen", "badge-warning"),
                (None, None, None) => ("Venter", "badge-info"),
            };
            MailVisning {
                id: m.id,
                oprettet: tidspunkt(m.mail.oprettet),
                til: m.mail.til,
                emne: m.mail.emne,
                tilstand,
                badge,
                fejl: m.sidste_fejl.unwrap_or_default(),
                kan_sendes_igen: ukendt,
            }
        })
        .collect();
    render(&UdbakkeSide {
        layout: Layout::new("Udbakke", Some(&user), &csrf, "/styrelse").with_besked(q.besked.as_deref()),
        mails,
        sider,
    })
}

/// Mails per page of the outbox.
const UDBAKKE_PR_SIDE: u32 = 100;

#[derive(Deserialize, Default)]
pub struct UdbakkeQuery {
    side: Option<String>,
    besked: Option<String>,
}

/// POST /styrelse/udbakke/{id}/send-igen: the agency sends a mail of unknown outcome again.
pub async fn send_mail_igen(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<store::MailId>,
) -> PageResult {
    state.app.send_mail_igen(&user, id).await?;
    Ok(redirect_with("/styrelse/udbakke", "mail_sendes_igen"))
}

/// "Send påmindelse" from the overview: a reminder mail to the organisation's users.
pub async fn send_paamindelse(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<i64>,
) -> PageResult {
    let sendt = state.app.send_paamindelse(&user, PakkeId(id)).await?;
    let besked = if sendt > 0 { "paamindelse_sendt" } else { "paamindelse_allerede" };
    Ok(redirect_with("/kommune", besked))
}
