//! The organisation's side: its packages, answering sections, check-your-answers, submit
//! and the receipt; the package page every reader shares (`pakke`), the forms (`skema`) and
//! the attachments (`bilag`).

pub mod bilag;
pub mod pakke;
pub mod skema;

use crate::AppState;
use crate::error::{PageResult, WebError};
use crate::format::{NavnOgVaerdi, dato, kortform, sidst_redigeret, tidspunkt};
use crate::input::{Indlaesning, valg};
use crate::layout::Layout;
use crate::pages::organisation::skema::{Del, dele};
use crate::pages::{Besked, PakkeHoved, PakkeRaekke, kommune_navne, redirect_with};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::{AppError, FieldError, PakkeView, SvarInput};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::AfdelingNummer;
use domain::master::Afdeling;
use domain::template::{Sektion, SektionStatus};
use std::collections::HashMap;
use store::PakkeId;

#[derive(Template)]
#[template(path = "org_oversigt.html")]
struct Oversigt {
    layout: Layout,
    vis: Pakkefilter,
    sorter: Pakkeorden,
    antal_alle: usize,
    antal_overskredet: usize,
    titel: &'static str,
    tom: &'static str,
    pakker: Vec<PakkeRaekke>,
    vis_fremdrift: bool,
    flere_organisationer: bool,
    antal_organisationer: usize,
}

valg! {
    /// Which of "Mine pakker" to show.
    pub enum Pakkefilter {
        Alle = "alle",
        IkkeIndsendt = "ikke_indsendt",
        /// Not submitted, and the deadline has passed.
        Overskredet = "overskredet",
    }
}

valg! {
    /// The order of "Mine pakker".
    pub enum Pakkeorden {
        Organisation = "organisation",
        /// The earliest deadline first.
        Frist = "frist",
    }
}

/// "Mine pakker" narrowed and ordered.
#[derive(serde::Deserialize, Default)]
pub struct OversigtFilter {
    #[serde(default)]
    vis: Pakkefilter,
    #[serde(default)]
    sorter: Pakkeorden,
}

pub async fn oversigt(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(filter): Query<OversigtFilter>,
) -> PageResult {
    let today = state.app.today();
    let mut records = state.app.mine_pakker(&user).await?.to_vec();
    let alle = records.len();
    let overskredet =
        |p: &store::PakkeRecord| p.status.editable_by_organisation() && p.frist.is_some_and(|f| f < today);
    let antal_overskredet = records.iter().filter(|p| overskredet(p)).count();
    records.retain(|p| match filter.vis {
        Pakkefilter::IkkeIndsendt => p.status.editable_by_organisation(),
        Pakkefilter::Overskredet => overskredet(p),
        Pakkefilter::Alle => true,
    });
    if filter.sorter == Pakkeorden::Frist {
        records.sort_by_key(|p| (p.frist.is_none(), p.frist));
    }
    let mut pakker = Vec::with_capacity(records.len());
    // One overview of every organisation the user acts for; the packages still being worked
    // on show how far they have come (their views read together: an administration
    // organisation has a draft for each organisation it acts for).
    let kladder: Vec<store::PakkeRecord> =
        records.iter().filter(|p| p.status.editable_by_organisation()).cloned().collect();
    let views = state.app.pakke_views(&user, &kladder).await?;
    for p in &records {
        let mut row = PakkeRaekke::from(p);
        row.overskredet = overskredet(p);
        if let Some(v) = views.iter().find(|v| v.pakke.id == p.id) {
            let tasks = crate::pages::organisation::pakke::sektion_status(v);
            let done = tasks.iter().filter(|t| t.tilstand == SektionStatus::Gennemfoert).count();
            row.fremdrift = Some(format!("{done} af {} opgaver gennemført", tasks.len()));
        }
        pakker.push(row);
    }
    let organisationer: std::collections::BTreeSet<_> = records.iter().map(|p| p.organisation).collect();
    render(&Oversigt {
        vis: filter.vis,
        sorter: filter.sorter,
        antal_alle: alle,
        antal_overskredet,
        layout: Layout::new("Mine pakker", Some(&user), &csrf, "/organisation"),
        titel: "Dokumentationspakker for dine organisationer",
        tom: "Der er ingen dokumentationspakker for dine organisationer endnu.",
        pakker,
        vis_fremdrift: true,
        flere_organisationer: organisationer.len() > 1,
        antal_organisationer: organisationer.len(),
    })
}

#[derive(Template)]
#[template(path = "sektion.html")]
struct SektionSide {
    layout: Layout,
    hoved: PakkeHoved,
    titel: String,
    status: Option<crate::format::Merke>,
    sidst: Option<String>,
    dele: Vec<Del>,
    redigerbar: bool,
    action: String,
    tilbage: String,
    revision: i64,
    /// The section id for "Hent sidste års svar" (package sections only).
    sektion_id: Option<String>,
}

/// What a form page is: one package section, or one afdeling's whole form.
enum Formular {
    Sektion(String),
    Afdeling(AfdelingNummer),
}

impl Formular {
    fn afdeling<'a>(&self, v: &'a PakkeView) -> Result<Option<&'a Afdeling>, WebError> {
        match self {
            Formular::Sektion(_) => Ok(None),
            Formular::Afdeling(nr) => {
                Ok(Some(v.afdelinger.iter().find(|a| a.data.nummer == *nr).ok_or(AppError::NotFound)?))
            }
        }
    }
}

async fn formular_side(
    state: &AppState,
    v: &PakkeView,
    formular: &Formular,
    layout: Layout,
    posted: Option<&HashMap<String, String>>,
) -> Result<SektionSide, WebError> {
    let fakta = state.app.fakta(v).await?;
    let afdeling = formular.afdeling(v)?;
    let id = v.pakke.id.0;
    let (titel, sektioner, keys, status, action, tilbage): (String, Vec<&Sektion>, Vec<String>, _, String, String) =
        match (formular, afdeling) {
            (Formular::Afdeling(_), Some(a)) => (
                format!("Oplysningsskema for afdeling {} {}", a.data.nummer, a.data.navn),
                v.afdelingsskema_sektioner(a).collect(),
                v.afdelingsskema_noegler(a),
                v.afdelingsskema_tilstand(a),
                formular.sti(id),
                format!("/pakker/{id}/afdelinger"),
            ),
            (Formular::Sektion(sid), _) => {
                let s = v.skabelon.sektion(sid).ok_or(AppError::NotFound)?;
                (
                    s.titel.clone(),
                    vec![s],
                    s.svar_ids().map(str::to_string).collect(),
                    v.sektion_status(s).0,
                    formular.sti(id),
                    format!("/pakker/{id}"),
                )
            }
            (Formular::Afdeling(_), None) => return Err(AppError::NotFound.into()),
        };
    let redigerbar = v.redigerbar();
    let dele = dele(v, &fakta, &sektioner, afdeling, &layout, posted);
    Ok(SektionSide {
        hoved: v.into(),
        titel,
        status: redigerbar.then(|| kortform(status)),
        sidst: sidst_redigeret(v, keys.iter().map(String::as_str)),
        revision: v.revision_af(keys.iter().map(String::as_str)).0,
        dele,
        redigerbar,
        action,
        tilbage,
        sektion_id: match formular {
            Formular::Sektion(sid) => Some(sid.clone()),
            Formular::Afdeling(_) => None,
        },
        layout,
    })
}

/// `?besked=` after a save, and `?fejl=alle` from check-your-answers: then the page shows
/// what is missing too, not only what is wrong.
#[derive(serde::Deserialize, Default)]
pub struct FormularQuery {
    besked: Option<String>,
    #[serde(default)]
    fejl: Fejlvisning,
}

valg! {
    /// Which of a form's problems the page lists: what is wrong, or also what is missing.
    pub enum Fejlvisning {
        Forkerte = "",
        Alle = "alle",
    }
}

/// The problems of a form's saved answers (missing, and wrong).
fn problemer(v: &PakkeView, formular: &Formular) -> Result<Vec<domain::template::Problem>, WebError> {
    Ok(match (formular, formular.afdeling(v)?) {
        (Formular::Afdeling(_), Some(a)) => v.afdelingsskema_status(a).1,
        (Formular::Sektion(sid), _) => v.sektion_status(v.skabelon.sektion(sid).ok_or(AppError::NotFound)?).1,
        (Formular::Afdeling(_), None) => return Err(AppError::NotFound.into()),
    })
}

impl Formular {
    fn sti(&self, id: i64) -> String {
        match self {
            Formular::Sektion(sid) => format!("/pakker/{id}/sektioner/{sid}"),
            Formular::Afdeling(nr) => format!("/pakker/{id}/afdelinger/{nr}"),
        }
    }
}

async fn vis_formular(
    state: &AppState,
    user: &app::SessionUser,
    csrf: &str,
    id: i64,
    formular: Formular,
    q: FormularQuery,
) -> PageResult {
    let v = state.app.pakke_view(user, PakkeId(id)).await?;
    // A form whose task shows "Der er en fejl" shows that error where it is, with a summary;
    // from check-your-answers it shows the missing answers as well.
    let errors = if v.redigerbar() {
        problemer(&v, &formular)?
            .into_iter()
            .filter(|p| q.fejl == Fejlvisning::Alle || !p.mangler)
            .map(|p| FieldError { field: p.noegle, message: p.besked })
            .collect()
    } else {
        Vec::new()
    };
    let layout = Layout::new("Skema", Some(user), csrf, "/pakker").with_besked(q.besked.as_deref()).with_errors(errors);
    let mut side = formular_side(state, &v, &formular, layout, None).await?;
    side.layout.title = side.titel.clone();
    render(&side)
}

async fn gem_formular(
    state: &AppState,
    user: &app::SessionUser,
    csrf: &str,
    id: i64,
    formular: Formular,
    form: HashMap<String, String>,
) -> PageResult {
    // A save changes no cache stamp: its reads share the reading made with the session.
    app::med_stemplerne_fra(user, async move {
        let v = state.app.view_for_edit(user, PakkeId(id)).await?;
        let afdeling = formular.afdeling(&v)?;
        let keys: Vec<String> = match (&formular, afdeling) {
            (Formular::Afdeling(_), Some(a)) => v.afdelingsskema_noegler(a),
            (Formular::Sektion(sid), _) => {
                v.skabelon.sektion(sid).ok_or(AppError::NotFound)?.svar_ids().map(str::to_string).collect()
            }
            (Formular::Afdeling(_), None) => return Err(AppError::NotFound.into()),
        };
        // Only fields present in the form are saved; a fact comment has text only.
        let mut ind = Indlaesning::new(state.app.today());
        let answers: Vec<(String, SvarInput)> = keys
            .iter()
            .filter(|k| ["ja", "tekst", "valg"].iter().any(|f| form.contains_key(&format!("{k}.{f}"))))
            .map(|k| {
                let get = |f: &str| form.get(&format!("{k}.{f}")).cloned();
                let ja = ind.ja_nej(k, get("ja").as_deref().unwrap_or_default());
                (k.clone(), SvarInput { ja, tekst: get("tekst").unwrap_or_default(), valg: get("valg") })
            })
            .collect();
        let answers = ind.faerdig(answers);
        let revision = form.get("_revision").and_then(|r| r.parse().ok()).unwrap_or(0);
        let (sektion, nr, tilbage) = match &formular {
            Formular::Sektion(sid) => (sid.clone(), None, format!("/pakker/{id}")),
            Formular::Afdeling(nr) => (String::new(), Some(*nr), format!("/pakker/{id}/afdelinger")),
        };
        let udfald = match answers {
            Ok(answers) => state.app.gem_sektion_i(user, &v, &sektion, nr, answers, store::Revision(revision)).await,
            Err(e) => Err(e),
        };
        match udfald {
            Ok(saved) => {
                // Saved, but wrong (e.g. "Ja" without saying which): the form again, with the error.
                if problemer(&saved, &formular)?.iter().any(|p| !p.mangler) {
                    return Ok(redirect_with(&formular.sti(id), "gemt_med_fejl"));
                }
                // "Gem og gå til næste afdeling" on an afdeling form.
                if let (Formular::Afdeling(nr), true) = (&formular, form.contains_key("_naeste")) {
                    let naeste = saved.afdelinger.iter().skip_while(|a| a.data.nummer != *nr).nth(1);
                    if let Some(a) = naeste {
                        return Ok(redirect_with(&format!("/pakker/{id}/afdelinger/{}", a.data.nummer), "gemt"));
                    }
                }
                Ok(redirect_with(&tilbage, "gemt"))
            }
            Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
                let (errors, status) = match e {
                    AppError::Invalid(errors) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
                    AppError::Conflict(message) => {
                        (vec![FieldError { field: "_revision".into(), message }], StatusCode::CONFLICT)
                    }
                    _ => unreachable!("matched above"),
                };
                let layout = Layout::new("Skema", Some(user), csrf, "/pakker").with_errors(errors);
                // After a conflict the page shows the colleague's saved answers, not the posted ones.
                let posted = (status != StatusCode::CONFLICT).then_some(&form);
                let fresh =
                    if status == StatusCode::CONFLICT { state.app.view_for_edit(user, PakkeId(id)).await? } else { v };
                let mut side = formular_side(state, &fresh, &formular, layout, posted).await?;
                side.layout.title = side.titel.clone();
                render_status(status, &side)
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

pub async fn sektion_form(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path((id, sektion_id)): Path<(i64, String)>,
    Query(q): Query<FormularQuery>,
) -> PageResult {
    vis_formular(&state, &user, &csrf, id, Formular::Sektion(sektion_id), q).await
}

pub async fn gem_sektion(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path((id, sektion_id)): Path<(i64, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    gem_formular(&state, &user, &csrf, id, Formular::Sektion(sektion_id), form).await
}

fn afdelingsnummer(nr: u32) -> Result<AfdelingNummer, WebError> {
    Ok(AfdelingNummer::new(i64::from(nr)).map_err(|_| AppError::NotFound)?)
}

pub async fn afdelingsskema(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path((id, nr)): Path<(i64, u32)>,
    Query(q): Query<FormularQuery>,
) -> PageResult {
    vis_formular(&state, &user, &csrf, id, Formular::Afdeling(afdelingsnummer(nr)?), q).await
}

pub async fn gem_afdelingsskema(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path((id, nr)): Path<(i64, u32)>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    gem_formular(&state, &user, &csrf, id, Formular::Afdeling(afdelingsnummer(nr)?), form).await
}

/// One afdeling form in the list.
pub struct AfdelingRaekke {
    pub nummer: u32,
    pub navn: String,
    pub kommune: String,
    pub tilstand: SektionStatus,
    /// The state as the page writes it, and its badge.
    pub status: String,
    pub badge: &'static str,
    pub sidst: Option<String>,
    /// The form is not completed, so the bulk action has something to do in it.
    pub kan_vaelges: bool,
}

#[derive(Template)]
#[template(path = "afdelinger.html")]
struct AfdelingerSide {
    layout: Layout,
    hoved: PakkeHoved,
    raekker: Vec<AfdelingRaekke>,
    i_alt: usize,
    gennemfoert: usize,
    filter_status: Option<SektionStatus>,
    filter_tekst: String,
    statusser: [SektionStatus; 4],
    redigerbar: bool,
    /// (question, choice) the bulk action may give where nothing in the section is critical.
    uden_bemaerkninger: Vec<(String, String)>,
}

#[derive(serde::Deserialize, Default)]
pub struct AfdelingFilter {
    /// Forms in this state only; an unknown state is no filter.
    #[serde(default, deserialize_with = "sektionsstatusfilter")]
    status: Option<SektionStatus>,
    #[serde(default)]
    q: String,
    besked: Option<String>,
}

fn sektionsstatusfilter<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SektionStatus>, D::Error> {
    let kode = <String as serde::Deserialize>::deserialize(d)?;
    Ok(SektionStatus::parse(kode.trim()))
}

impl AfdelingerSide {
    /// The status filter's code, for the form that carries it along.
    fn status_kode(&self) -> &'static str {
        self.filter_status.map_or("", SektionStatus::as_str)
    }

    /// Whether the status filter is `s` (the select's chosen option).
    fn status_valgt(&self, s: &SektionStatus) -> bool {
        self.filter_status == Some(*s)
    }
}

/// The afdeling forms of a package: a filterable list with a status per form, and one action
/// that marks many forms "no special challenges".
pub async fn afdelinger(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Query(filter): Query<AfdelingFilter>,
) -> PageResult {
    let layout = Layout::new("Oplysningsskemaer for afdelinger", Some(&user), &csrf, "/pakker")
        .with_besked(filter.besked.as_deref());
    render(&afdelinger_side(&state, &user, layout, id, filter).await?)
}

async fn afdelinger_side(
    state: &AppState,
    user: &app::SessionUser,
    layout: Layout,
    id: i64,
    filter: AfdelingFilter,
) -> Result<AfdelingerSide, WebError> {
    let v = state.app.pakke_view(user, PakkeId(id)).await?;
    if v.afdelingsskema.is_none() {
        return Err(AppError::NotFound.into());
    }
    let kommuner = state.app.offentlig().kommuner().await?;
    let q = filter.q.trim().to_lowercase();
    let all: Vec<AfdelingRaekke> = v
        .afdelinger
        .iter()
        .map(|a| {
            let tilstand = v.afdelingsskema_tilstand(a);
            let crate::format::Merke { tekst: status, badge } = kortform(tilstand);
            AfdelingRaekke {
                nummer: a.data.nummer.get(),
                navn: a.data.navn.clone(),
                kommune: kommuner.iter().find(|k| k.kode == a.data.kommune).map(|k| k.navn.clone()).unwrap_or_default(),
                tilstand,
                status,
                badge,
                sidst: crate::format::redigeret_af(v.afdelingsskema_sidst_redigeret(a)),
                kan_vaelges: tilstand != SektionStatus::Gennemfoert,
            }
        })
        .collect();
    let i_alt = all.len();
    let gennemfoert = all.iter().filter(|r| r.tilstand == SektionStatus::Gennemfoert).count();
    let raekker = all
        .into_iter()
        .filter(|r| filter.status.is_none_or(|s| s == r.tilstand))
        .filter(|r| {
            q.is_empty()
                || r.navn.to_lowercase().contains(&q)
                || r.nummer.to_string() == q
                || r.kommune.to_lowercase().contains(&q)
        })
        .collect();
    Ok(AfdelingerSide {
        layout,
        hoved: (&v).into(),
        raekker,
        i_alt,
        gennemfoert,
        statusser: [SektionStatus::IkkeStartet, SektionStatus::IGang, SektionStatus::Gennemfoert, SektionStatus::Fejl],
        filter_status: filter.status,
        filter_tekst: filter.q,
        redigerbar: v.redigerbar(),
        uden_bemaerkninger: v
            .afdelingsskema
            .iter()
            .flat_map(|s| s.sektioner.iter().flat_map(|s| s.spoergsmaal()))
            .filter_map(|q| q.uden_bemaerkninger.as_ref().map(|v| (q.tekst.clone(), v.clone())))
            .collect(),
    })
}

#[derive(serde::Deserialize)]
pub struct SidsteAarForm {
    #[serde(default)]
    sektion: String,
}

/// "Hent sidste års svar" for a section, the afdeling forms or the whole package.
pub async fn sidste_aar(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<SidsteAarForm>,
) -> PageResult {
    let sektion = Some(form.sektion.as_str()).filter(|s| !s.is_empty());
    let copied = state.app.hent_sidste_aars_svar(&user, PakkeId(id), sektion).await?;
    let back = match sektion {
        None => format!("/pakker/{id}"),
        Some("afdelinger") => format!("/pakker/{id}/afdelinger"),
        Some(sid) => format!("/pakker/{id}/sektioner/{sid}"),
    };
    Ok(redirect_with(&back, if copied > 0 { "sidste_aar" } else { "sidste_aar_intet" }))
}

/// Marks the checked afdeling forms "no special challenges" (checkboxes `afd_<nummer>`).
pub async fn uden_udfordringer(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    // The list's filter comes along, so the page after the action shows the same rows.
    let filter = AfdelingFilter {
        status: form.get("status").and_then(|s| SektionStatus::parse(s.trim())),
        q: form.get("q").cloned().unwrap_or_default(),
        besked: None,
    };
    let tilbage = format!(
        "/pakker/{id}/afdelinger?{}",
        serde_urlencoded::to_string([("status", filter.status.map_or("", SektionStatus::as_str)), ("q", &filter.q)])
            .unwrap_or_default()
    );
    let numre: Vec<AfdelingNummer> = form
        .keys()
        .filter_map(|k| k.strip_prefix("afd_"))
        .map(|n| {
            n.parse::<u32>()
                .map_err(|_| AppError::NotFound)
                .and_then(|n| afdelingsnummer(n).map_err(|_| AppError::NotFound))
        })
        .collect::<Result<_, _>>()?;
    if numre.is_empty() {
        let mut side = afdelinger_side(
            &state,
            &user,
            Layout::new("Oplysningsskemaer for afdelinger", Some(&user), &csrf, "/pakker"),
            id,
            filter,
        )
        .await?;
        // The summary links to the first box that can be chosen.
        let felt = side.raekker.iter().find(|r| r.kan_vaelges).map(|r| format!("afd-{}", r.nummer)).unwrap_or_default();
        side.layout =
            side.layout.with_errors(vec![FieldError { field: felt, message: "Vælg mindst én afdeling.".into() }]);
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &side);
    }
    let ogsaa = form.get("uden_bemaerkninger").is_some_and(|v| v == "ja");
    let udfald = state.app.marker_uden_udfordringer(&user, PakkeId(id), &numre, ogsaa).await?;
    let besked = if !udfald.kritiske.is_empty() {
        "markeret_kritiske"
    } else if udfald.allerede_besvaret > 0 {
        "markeret_delvis"
    } else {
        "markeret"
    };
    tracing::info!(
        markeret = udfald.markeret,
        allerede_besvaret = udfald.allerede_besvaret,
        uden_bemaerkninger = udfald.uden_bemaerkninger,
        kritiske = udfald.kritiske.len(),
        "afdeling forms marked in bulk"
    );
    Ok(redirect_with(&tilbage, besked))
}

/// A section on check-your-answers, with the link to change it.
struct SektionOversigt {
    titel: String,
    href: String,
    svar: crate::pages::organisation::pakke::Svarliste,
}

/// How many afdeling forms are completed.
struct Skemaer {
    gennemfoert: usize,
    i_alt: usize,
}

#[derive(Template)]
#[template(path = "tjek_svar.html")]
struct TjekSvar {
    layout: Layout,
    v: PakkeView,
    oversigt: Vec<SektionOversigt>,
    afdelingsskemaer: Option<Skemaer>,
    /// Per kind of attachment: its name, and the attached files' names.
    bilag: Vec<NavnOgVaerdi>,
    modtagere: String,
    idempotens: String,
    sent: bool,
    frist: String,
    /// The board's approval date as typed.
    bestyrelse_godkendt: String,
    /// Accounts material not attached, which may follow the report: (names, its deadline).
    regnskab_mangler: Option<(String, String)>,
}

async fn tjek_side(
    state: &AppState,
    user: &app::SessionUser,
    csrf: &str,
    v: PakkeView,
    mangler: app::Mangler,
    bestyrelse_godkendt: &str,
) -> PageResult {
    let koder = state.app.modtagere_ved_indsendelse(&v).await?;
    // Errors link to the field, on the section page or the afdeling form that holds it; an
    // afdeling with several problems is one line with their count, and its link opens the form
    // showing them.
    let id = v.pakke.id;
    let mut errors: Vec<FieldError> = mangler
        .enkelte
        .into_iter()
        .map(|e| {
            let href = if e.field.starts_with("bilag.") {
                format!("/pakker/{id}/bilag#{}", e.field)
            } else {
                match v.skabelon.sektion_for(&e.field) {
                    Some(s) => format!("/pakker/{id}/sektioner/{}?fejl=alle#{}", s.id, e.field),
                    // A field of this page (the board's approval): the summary links to it,
                    // and the field shows its message.
                    None => e.field.clone(),
                }
            };
            FieldError { field: href, message: e.message }
        })
        .collect();
    errors.extend(mangler.afdelinger.into_iter().map(|(nr, antal, foerste)| {
        let href = format!("/pakker/{id}/afdelinger/{nr}?fejl=alle#{}", foerste.field);
        let message = match antal {
            1 => format!("Afdeling {nr}: {}", foerste.message),
            _ => format!("Afdeling {nr}: {antal} svar mangler eller skal rettes"),
        };
        FieldError { field: href, message }
    }));
    let oversigt = v
        .skabelon
        .sektioner
        .iter()
        .map(|s| SektionOversigt {
            titel: s.titel.clone(),
            href: format!("/pakker/{id}/sektioner/{}", s.id),
            svar: crate::pages::organisation::pakke::svarliste(std::iter::once(s), &v.svar, ""),
        })
        .collect();
    let afdelingsskemaer = v.afdelingsskema.as_ref().map(|_| {
        let done = v.afdelinger.iter().filter(|a| v.afdelingsskema_tilstand(a) == SektionStatus::Gennemfoert).count();
        Skemaer { gennemfoert: done, i_alt: v.afdelinger.len() }
    });
    let bilag = v
        .bilagsregler
        .arter
        .iter()
        .map(|a| {
            let filer: Vec<&str> = v.bilag.iter().filter(|b| b.art == a.id).map(|b| b.filnavn.as_str()).collect();
            NavnOgVaerdi { navn: a.navn.clone(), vaerdi: filer.join(", ") }
        })
        .collect();
    let mangler: Vec<String> = v.manglende_regnskab().map(|a| a.navn.to_lowercase()).collect();
    let regnskab_mangler = (!mangler.is_empty())
        .then(|| (mangler.join(", "), v.regnskab_frist.map(dato).unwrap_or_else(|| "regnskabsfristen".into())));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let side = TjekSvar {
        regnskab_mangler,
        bilag,
        layout: Layout::new("Tjek dine svar", Some(user), csrf, "/pakker").with_errors(errors),
        modtagere: kommune_navne(&state.app, &koder).await?,
        idempotens: uuid::Uuid::new_v4().simple().to_string(),
        sent: v.pakke.frist.is_some_and(|f| state.app.today() > f),
        frist: v.pakke.frist.map(dato).unwrap_or_default(),
        bestyrelse_godkendt: bestyrelse_godkendt.to_string(),
        oversigt,
        afdelingsskemaer,
        v,
    };
    render_status(status, &side)
}

pub async fn tjek_svar(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> PageResult {
    let v = state.app.view_for_edit(&user, PakkeId(id)).await?;
    let mangler = v.mangler();
    tjek_side(&state, &user, &csrf, v, mangler, "").await
}

#[derive(serde::Deserialize)]
pub struct IndsendForm {
    idempotens: String,
    #[serde(default)]
    bestyrelse_godkendt: String,
}

pub async fn indsend(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<IndsendForm>,
) -> PageResult {
    let mut ind = Indlaesning::new(state.app.today());
    let godkendt = ind.dato("bestyrelse_godkendt", &form.bestyrelse_godkendt);
    let udfald = match ind.faerdig(godkendt) {
        Ok(godkendt) => state.app.indsend(&user, PakkeId(id), &form.idempotens, godkendt).await,
        Err(e) => Err(e),
    };
    match udfald {
        Ok(version) => Ok(Redirect::to(&format!("/pakker/{id}/kvittering/{}", version.version)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let v = state.app.pakke_view(&user, PakkeId(id)).await?;
            tjek_side(&state, &user, &csrf, v, app::Mangler::af(errors), &form.bestyrelse_godkendt).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "kvittering.html")]
struct Kvittering {
    layout: Layout,
    /// The receipt's reference number.
    nummer: String,
    /// The attached files, to download.
    filer: Vec<crate::format::Link>,
    pakke_id: i64,
    organisation: String,
    styringsaar: i32,
    version: i64,
    indsendt: String,
    late: bool,
    modtagere: String,
    /// The day the board approved the report ("" for versions from before the rule).
    bestyrelse_godkendt: String,
}

pub async fn kvittering(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path((id, version)): Path<(i64, i64)>,
    Query(_): Query<Besked>,
) -> PageResult {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let ver = v.versions.iter().find(|x| x.version == version).ok_or(AppError::NotFound)?;
    render(&Kvittering {
        layout: Layout::new("Kvittering", Some(&user), &csrf, "/pakker"),
        nummer: domain::package::kvitteringsnummer(v.pakke.styringsaar, v.organisation.nummer, version),
        filer: v
            .bilag
            .iter()
            .map(|b| crate::format::Link { href: format!("/pakker/{id}/bilag/{}", b.id), tekst: b.filnavn.clone() })
            .collect(),
        pakke_id: id,
        organisation: format!("{} ({})", v.organisation.navn, v.organisation.nummer),
        styringsaar: v.pakke.styringsaar.get(),
        version,
        indsendt: tidspunkt(ver.submitted_at),
        late: ver.late,
        modtagere: kommune_navne(&state.app, &v.modtagere).await?,
        bestyrelse_godkendt: ver.bestyrelse_godkendt.map(crate::format::dato).unwrap_or_default(),
    })
}
