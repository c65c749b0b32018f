//! The kommune's supervision pages: the overview with "where to look first" and its XLSX
//! export, the detail of where to look first, and the beliggenhedskommune's afdelinger; the
//! agency's view of one kommune.

use crate::AppState;
use crate::error::PageResult;
use crate::format::{dato, tidspunkt};
use crate::input::valg;
use crate::layout::Layout;
use crate::pages::{kommune_navn, valgt_aar};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::render;
use app::{AppError, Indsendelse, MoedeStatus, Opmaerksomhed, OversigtRaekke, Tilknytning};
use askama::Template;
use axum::extract::{Path, Query, State};
use domain::beregning::Markering;
use domain::{Kommunekode, Styringsaar};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

// --- the overview --------------------------------------------------------------------------

valg! {
    /// Which organisations the overview shows: all, those the kommune supervises, or those with
    /// afdelinger in it.
    pub enum Tilknytningsfilter {
        Alle = "",
        Tilsyn = "tilsyn",
        Beliggenhed = "beliggenhed",
    }
}

valg! {
    /// Organisations by their meeting.
    pub enum Moedefilter {
        Alle = "",
        Ingen = "ingen",
        Indkaldt = "indkaldt",
        Afholdt = "afholdt",
    }
}

valg! {
    /// The overview's order.
    pub enum Oversigtsorden {
        Navn = "",
        Frist = "frist",
        Indsendelse = "indsendelse",
        Moede = "moede",
        Kritiske = "kritiske",
        Roede = "roede",
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct OversigtQuery {
    aar: Option<i64>,
    #[serde(default)]
    tilknytning: Tilknytningsfilter,
    /// Organisations by their package's state; an unknown state is no filter.
    #[serde(default, deserialize_with = "indsendelsesfilter")]
    indsendelse: Option<Indsendelse>,
    #[serde(default)]
    moede: Moedefilter,
    #[serde(default)]
    q: String,
    #[serde(default)]
    sorter: Oversigtsorden,
    besked: Option<String>,
}

fn indsendelsesfilter<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Indsendelse>, D::Error> {
    let kode = String::deserialize(d)?;
    Ok(Indsendelse::ALL.iter().copied().find(|i| i.as_str() == kode.trim()))
}

impl OversigtQuery {
    /// Whether the package-state filter is `i` (the select's chosen option).
    fn indsendelse_valgt(&self, i: &Indsendelse) -> bool {
        self.indsendelse == Some(*i)
    }

    /// The query as the export link repeats it.
    fn eksport(&self, aar: domain::Styringsaar) -> String {
        serde_urlencoded::to_string([
            ("aar", aar.to_string().as_str()),
            ("tilknytning", self.tilknytning.kode()),
            ("indsendelse", self.indsendelse.map_or("", Indsendelse::as_str)),
            ("moede", self.moede.kode()),
            ("q", self.q.as_str()),
            ("sorter", self.sorter.kode()),
        ])
        .unwrap_or_default()
    }
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
    pub regnskab: Option<crate::format::Merke>,
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
                crate::format::Merke { tekst: s.label(), badge }
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
    indsendelser: &'static [Indsendelse],
    /// Where the filter form sends its query.
    filter_handling: String,
}

fn filtrer(rows: Vec<OversigtRaekke>, q: &OversigtQuery) -> Vec<OversigtRaekke> {
    let soeg = q.q.trim().to_lowercase();
    let mut rows: Vec<OversigtRaekke> = rows
        .into_iter()
        .filter(|r| match q.tilknytning {
            Tilknytningsfilter::Tilsyn => r.tilknytning == Tilknytning::Tilsyn,
            Tilknytningsfilter::Beliggenhed => r.tilknytning == Tilknytning::Beliggenhed,
            Tilknytningsfilter::Alle => true,
        })
        .filter(|r| q.indsendelse.is_none_or(|i| r.indsendelse == i))
        .filter(|r| match q.moede {
            Moedefilter::Ingen => matches!(r.moede, MoedeStatus::Ingen),
            Moedefilter::Indkaldt => matches!(r.moede, MoedeStatus::Indkaldt(_)),
            Moedefilter::Afholdt => matches!(r.moede, MoedeStatus::Afholdt(_)),
            Moedefilter::Alle => true,
        })
        .filter(|r| soeg.is_empty() || r.navn.to_lowercase().contains(&soeg) || r.nummer.to_string().contains(&soeg))
        .collect();
    // Compared by reference: a key that owns a name would copy it at every comparison.
    let navn = |a: &OversigtRaekke, b: &OversigtRaekke| a.navn.cmp(&b.navn);
    match q.sorter {
        Oversigtsorden::Frist => rows.sort_by(|a, b| a.frist.cmp(&b.frist).then_with(|| navn(a, b))),
        Oversigtsorden::Indsendelse => rows.sort_by(|a, b| a.indsendelse.cmp(&b.indsendelse).then_with(|| navn(a, b))),
        Oversigtsorden::Moede => rows.sort_by(|a, b| a.moede.cmp(&b.moede).then_with(|| navn(a, b))),
        Oversigtsorden::Kritiske => {
            rows.sort_by(|a, b| b.kritiske_noegletal.cmp(&a.kritiske_noegletal).then_with(|| navn(a, b)))
        }
        Oversigtsorden::Roede => {
            rows.sort_by(|a, b| b.roede_afdelinger.cmp(&a.roede_afdelinger).then_with(|| navn(a, b)))
        }
        Oversigtsorden::Navn => rows.sort_by_cached_key(|r| (r.navn.to_lowercase(), r.nummer)),
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
    foerst.sort_by(|a, b| b.opmaerksomhed().cmp(&a.opmaerksomhed()).then_with(|| a.navn.cmp(&b.navn)));
    let foerst = foerst.into_iter().take(10).map(Raekke::from).collect();
    let raekker = filtrer(alle, &q).iter().map(Raekke::from).collect();
    let kommune = kommune_navn(&state, &user).await?;
    let eksport = q.eksport(aar);
    render(&OversigtSide {
        layout: Layout::new("Kommunens oversigt", Some(&user), &csrf, "/kommune").with_besked(q.besked.as_deref()),
        kommune,
        aar: aar.get(),
        foerst,
        raekker,
        antal_i_alt,
        eksport,
        indsendelser: &Indsendelse::ALL,
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
    indsendelser: &'static [Indsendelse],
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
    let tal =
        state.app.national_oversigt(&user, aar).await?.kommuner.into_iter().find(|k| k.kode == kode).map(|k| k.tal);
    let kommune = format!("{} Kommune", state.app.offentlig().kommune_navn(kode).await?);
    render(&KommuneForStyrelsen {
        layout: Layout::new(&kommune, Some(&user), &csrf, "/styrelse"),
        kommune,
        aar: aar.get(),
        raekker,
        antal_i_alt,
        eksport: String::new(),
        indsendelser: &Indsendelse::ALL,
        filter_handling: format!("/styrelse/kommuner/{kode}"),
        tal: tal.unwrap_or_default(),
        q,
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

// --- where to look first, in detail --------------------------------------------------------

#[derive(Template)]
#[template(path = "opmaerksomhed.html")]
struct OpmaerksomhedSide {
    layout: Layout,
    /// [`OpmaerksomhedIndholdSide`] rendered.
    indhold: Arc<str>,
}

#[derive(Template)]
#[template(path = "opmaerksomhed_indhold.html")]
struct OpmaerksomhedIndholdSide {
    kommune: String,
    aar: i32,
    punkter: Vec<Punkt>,
    roede: usize,
    /// The signals across years (early warning), counted per organisation: the signals
    /// themselves, with their figures and explanations, are on the early warning's page.
    varsler: Vec<app::VarselOptaelling>,
    /// Signals in all.
    signaler: usize,
}

/// The content of "hvor skal vi kigge først" as last rendered per kommune and styringsår,
/// with the kept lists it was rendered from. While the app hands out the same lists (kept
/// until something they show changes, also on another instance), the page's long tables (a
/// large kommune has hundreds of rows) are not formatted and rendered again. The lists are
/// held here, so their addresses are not reused: the same address is the same list.
#[derive(Default)]
pub(crate) struct OpmaerksomhedIndhold(Mutex<HashMap<(Kommunekode, Styringsaar), Gengivet>>);

struct Gengivet {
    punkter: Arc<Vec<app::Opmaerksomhedspunkt>>,
    varsler: Arc<app::Varselliste>,
    kommune: String,
    html: Arc<str>,
}

impl OpmaerksomhedIndhold {
    fn hent(
        &self,
        noegle: &(Kommunekode, Styringsaar),
        punkter: &Arc<Vec<app::Opmaerksomhedspunkt>>,
        varsler: &Arc<app::Varselliste>,
        kommune: &str,
    ) -> Option<Arc<str>> {
        let kort = self.0.lock().expect("cache lock");
        let g = kort.get(noegle)?;
        (Arc::ptr_eq(&g.punkter, punkter) && Arc::ptr_eq(&g.varsler, varsler) && g.kommune == kommune)
            .then(|| g.html.clone())
    }

    fn gem(&self, noegle: (Kommunekode, Styringsaar), gengivet: Gengivet) {
        // A kommune and a styringsår each: a few hundred keys at most.
        self.0.lock().expect("cache lock").insert(noegle, gengivet);
    }
}

/// A red afdeling or a critical key figure, as the list shows it.
struct Punkt {
    organisation: String,
    /// The afdeling, or "Organisationen".
    hvor: String,
    hvad: String,
    vaerdi: String,
    markering: crate::format::Merke,
}

/// Every red afdeling and critical key figure across the kommune's organisations.
pub async fn opmaerksomhed(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<OversigtQuery>,
) -> PageResult {
    let aar = valgt_aar(&state, q.aar)?;
    let kode = user.principal.kommune.ok_or(AppError::Forbidden)?;
    let (punkter, alle_varsler) =
        futures::try_join!(state.app.opmaerksomhedspunkter(&user, aar), state.app.kommunens_varsler(&user, aar))?;
    let kommune = kommune_navn(&state, &user).await?;
    let noegle = (kode, aar);
    let indhold = match state.opmaerksomhed.hent(&noegle, &punkter, &alle_varsler, &kommune) {
        Some(html) => html,
        None => {
            let html: Arc<str> = opmaerksomhed_indhold(&punkter, &alle_varsler, &kommune, aar)?.into();
            let gengivet = Gengivet { punkter, varsler: alle_varsler, kommune, html: html.clone() };
            state.opmaerksomhed.gem(noegle, gengivet);
            html
        }
    };
    render(&OpmaerksomhedSide {
        layout: Layout::new("Hvor skal vi kigge først", Some(&user), &csrf, "/kommune"),
        indhold,
    })
}

/// The content of "hvor skal vi kigge først" rendered from its lists.
fn opmaerksomhed_indhold(
    punkter: &[app::Opmaerksomhedspunkt],
    alle_varsler: &app::Varselliste,
    kommune: &str,
    aar: Styringsaar,
) -> Result<String, crate::error::WebError> {
    let varsler = app::pr_organisation(alle_varsler);
    let roede = punkter.iter().filter(|p| p.roed).count();
    let punkter = punkter
        .iter()
        .map(|p| {
            let markering = if p.roed { Markering::Roed } else { Markering::Gul };
            let vaerdi = match p.hvad {
                Opmaerksomhed::Effektivitetstal => format!("{} %", crate::format::tal(p.vaerdi, 1)),
                Opmaerksomhed::Noegletal(_) => crate::format::tal(p.vaerdi, 1),
            };
            Punkt {
                organisation: format!("{} ({})", p.organisation, p.organisation_nummer),
                hvor: p
                    .afdeling
                    .as_ref()
                    .map(|a| format!("Afd. {} {}", a.data.nummer, a.data.navn))
                    .unwrap_or_else(|| "Organisationen".into()),
                hvad: p.hvad.navn().to_string(),
                vaerdi,
                markering: crate::format::markering_merke(markering),
            }
        })
        .collect();
    let side = OpmaerksomhedIndholdSide {
        kommune: kommune.to_string(),
        aar: aar.get(),
        punkter,
        roede,
        varsler,
        signaler: alle_varsler.len(),
    };
    Ok(side.render()?)
}

// --- the beliggenhedskommune's afdelinger --------------------------------------------------

pub struct AfdelingRaekke {
    pub afdeling: String,
    pub organisation: String,
    pub hjemsted: String,
    pub boliger: u32,
    pub effektivitet: String,
    pub farve: Option<crate::format::Merke>,
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
    let public = state.app.offentlig();
    let mut raekker = Vec::new();
    for a in state.app.beliggenhedsafdelinger(&user, aar).await?.iter() {
        let d = &a.afdeling.data;
        raekker.push(AfdelingRaekke {
            afdeling: format!("{} {}", d.nummer, d.navn),
            organisation: format!("{} ({})", a.organisation, a.organisation_nummer),
            hjemsted: format!("{} Kommune", public.kommune_navn(a.hjemstedskommune).await?),
            boliger: d.boliger_i_alt(),
            effektivitet: a
                .effektivitet
                .as_ref()
                .map(|e| format!("{} %", crate::format::tal(e.effektivitetstal, 1)))
                .unwrap_or_else(|| "i/t".into()),
            farve: a.effektivitet.as_ref().map(|e| crate::format::Merke {
                tekst: e.farve.label().into(),
                badge: crate::format::farve_badge(e.farve),
            }),
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
