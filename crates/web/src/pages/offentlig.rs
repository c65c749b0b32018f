//! The public part: front page, search and the organisation's data sheet. Handlers here only
//! get `app::Offentlig`, which cannot read drafts.

use crate::error::PageResult;
use crate::format::Valgmulighed;
use crate::format::{NavnOgVaerdi, tal, tidspunkt};
use crate::layout::Layout;
use crate::paths::home;
use crate::security::{CsrfToken, MaybeUser};
use crate::{AppState, view::render};
use app::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use domain::OrganisationNummer;
use domain::beregning::Maaleenhed;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "forside.html")]
struct Forside {
    layout: Layout,
    hjem: &'static str,
}

pub async fn forside(MaybeUser(user): MaybeUser, CsrfToken(csrf): CsrfToken) -> PageResult {
    let hjem = user.as_ref().map(|u| home(u.principal.role)).unwrap_or("/log-ind");
    render(&Forside { layout: Layout::new("Forside", user.as_ref(), &csrf, "/"), hjem })
}

#[derive(Template)]
#[template(path = "soeg.html")]
struct Soeg {
    layout: Layout,
    q: String,
    /// The kommune searched within.
    kommune: Option<domain::Kommunekode>,
    kommuner: Vec<Valgmulighed>,
    soegt: bool,
    i_alt: i64,
    resultater: Vec<Hit>,
    sider: crate::view::Sider,
}

#[derive(Deserialize)]
pub struct SoegQuery {
    #[serde(default)]
    q: String,
    /// Only within this kommune; an unknown code is no filter.
    #[serde(default, deserialize_with = "crate::input::valgfri")]
    kommune: Option<domain::Kommunekode>,
    side: Option<u32>,
}

/// Search hits per page.
const HITS_PR_SIDE: u32 = 50;

/// One search hit: link, name with number, kind, and the kommune it lies in.
pub struct Hit {
    pub href: String,
    pub navn: String,
    pub art: &'static str,
    pub kommune: String,
}

/// Search organisations and afdelinger by name or number, optionally within a kommune.
pub async fn soeg(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
    Query(query): Query<SoegQuery>,
) -> PageResult {
    let public = state.app.offentlig();
    let kommune = query.kommune;
    let side = store::Side::new(query.side.unwrap_or(1), HITS_PR_SIDE);
    let kommuner = public.kommuner().await?;
    let kommune_navn = |kode: domain::Kommunekode| {
        kommuner.iter().find(|k| k.kode == kode).map(|k| format!("{} Kommune", k.navn)).unwrap_or_default()
    };
    let udsnit = public.soeg(&query.q, kommune, side).await?.map(|f| match f {
        app::Fund::Organisation(o) => Hit {
            href: format!("/offentlig/organisationer/{}", o.nummer),
            navn: format!("{} (nr. {})", o.navn, o.nummer),
            art: "Boligorganisation",
            kommune: kommune_navn(o.hjemstedskommune),
        },
        app::Fund::Afdeling(a, o) => Hit {
            href: format!("/offentlig/organisationer/{}/afdelinger/{}", o.nummer, a.data.nummer),
            navn: format!("{} (afd. {}), {}", a.data.navn, a.data.nummer, o.navn),
            art: "Afdeling",
            kommune: kommune_navn(a.data.kommune),
        },
    });
    let href = |n: u32| {
        let kode = kommune.map(|k| i64::from(k).to_string()).unwrap_or_default();
        let q = serde_urlencoded::to_string([("q", query.q.as_str()), ("kommune", kode.as_str())]).unwrap_or_default();
        format!("/offentlig?{q}&side={n}")
    };
    let sider = crate::view::Sider::new(&udsnit, href);
    render(&Soeg {
        layout: Layout::new("Offentlige data", user.as_ref(), &csrf, "/offentlig"),
        soegt: !query.q.trim().is_empty() || kommune.is_some(),
        q: query.q,
        kommune,
        kommuner: Valgmulighed::liste(
            kommuner.iter().map(|k| (i64::from(k.kode), k.navn.clone())),
            kommune.map(|k| i64::from(k).to_string()).as_deref(),
        ),
        i_alt: udsnit.i_alt,
        resultater: udsnit.raekker,
        sider,
    })
}

#[derive(Template)]
#[template(path = "dataark.html")]
struct Dataark {
    layout: Layout,
    d: std::sync::Arc<app::DataSheet>,
    afdelinger: Vec<AfdelingRaekke>,
    /// Homes per type.
    boliger: Vec<NavnOgVaerdi>,
    /// The key figures of each styringsår.
    noegletal: Vec<AarsNoegletal>,
    udvikling: Udvikling,
    /// A line chart per figure with at least two public years (accessible SVG).
    diagrammer: Vec<String>,
    redegoerelser: Vec<PubliceretRedegoerelse>,
    /// The accounts.
    regnskaber: Vec<RegnskabsFil>,
}

struct AarsNoegletal {
    aar: i32,
    linjer: Vec<NavnOgVaerdi>,
}

/// The key figures over the years.
struct Udvikling {
    /// The years, oldest first.
    aar: Vec<i32>,
    raekker: Vec<Udviklingsraekke>,
}

/// A key figure's value each year.
struct Udviklingsraekke {
    navn: String,
    vaerdier: Vec<String>,
}

/// A public accounts file.
struct RegnskabsFil {
    aar: i32,
    art: String,
    filnavn: String,
    stoerrelse: String,
    href: String,
}

/// An afdeling as a row of the data sheet.
struct AfdelingRaekke {
    href: String,
    nummer: u32,
    navn: String,
    adresse: String,
    kommune: String,
    boliger: String,
    ibrug: String,
}

/// A published redegørelse as shown: year, publication time, and sections with text.
struct PubliceretRedegoerelse {
    aar: i32,
    offentliggjort: String,
    /// The dialogue was held without the documentation package.
    uden_pakke: bool,
    afsnit: Vec<Afsnit>,
}

/// A key figure value as shown: with unit, or "i/t" when not (yet) available.
pub fn vis_noegletal(vaerdi: Option<f64>, enhed: Maaleenhed) -> String {
    match (vaerdi, enhed) {
        (Some(v), enhed) => enhed.vis(v),
        (None, _) => "i/t".to_string(),
    }
}

/// The figure's name, with the housing type where the figure has one.
pub fn noegletal_navn(l: &app::NoegletalLinje) -> String {
    match l.boligtype {
        Some(t) => format!("{}, {}", l.navn, t.label().to_lowercase()),
        None => l.navn.clone(),
    }
}

/// A part of the redegørelse: one of its fields with the field's heading.
pub struct Afsnit {
    pub titel: String,
    pub tekst: String,
}

/// The redegørelse's non-empty fields in reading order.
pub fn afsnit(tekst: &store::RedegoerelseTekst) -> Vec<Afsnit> {
    domain::redegoerelse::felter()
        .into_iter()
        .filter_map(|id| {
            let t = tekst.get(&id).filter(|t| !t.trim().is_empty())?;
            Some(Afsnit { titel: domain::redegoerelse::felt_titel(&id)?, tekst: t.clone() })
        })
        .collect()
}

pub async fn dataark(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
    Path(nummer): Path<String>,
) -> PageResult {
    let nummer: OrganisationNummer = nummer.parse().map_err(|_| AppError::NotFound)?;
    let d = state.app.offentlig().data_sheet(nummer).await?;
    let boliger = d
        .boliger
        .iter()
        .map(|(t, n)| NavnOgVaerdi { navn: t.label().to_string(), vaerdi: tal(f64::from(*n), 0) })
        .collect();
    let noegletal = d
        .aar
        .iter()
        .map(|aar| {
            let rows = aar
                .noegletal
                .iter()
                .map(|n| NavnOgVaerdi {
                    navn: n.navn.to_string(),
                    vaerdi: if aar.offentlig { vis_noegletal(n.vaerdi, n.enhed) } else { "i/t".into() },
                })
                .collect();
            AarsNoegletal { aar: aar.styringsaar.get(), linjer: rows }
        })
        .collect();
    let redegoerelser = d
        .redegoerelser
        .iter()
        .map(|r| PubliceretRedegoerelse {
            aar: r.styringsaar.get(),
            offentliggjort: tidspunkt(r.published_at),
            uden_pakke: !r.pakke_modtaget,
            afsnit: afsnit(&r.tekst),
        })
        .collect();
    let kommuner = state.app.offentlig().kommuner().await?;
    let afdelinger = d
        .afdelinger
        .iter()
        .map(|a| AfdelingRaekke {
            href: format!("/offentlig/organisationer/{}/afdelinger/{}", d.organisation.nummer, a.data.nummer),
            nummer: a.data.nummer.get(),
            navn: a.data.navn.clone(),
            adresse: a.data.adresse.clone(),
            kommune: kommuner.iter().find(|k| k.kode == a.data.kommune).map(|k| k.navn.clone()).unwrap_or_default(),
            boliger: tal(f64::from(a.data.boliger_i_alt()), 0),
            ibrug: if a.data.under_opfoerelse {
                "Under opførelse".into()
            } else {
                a.data.ibrugtagningsaar.to_string()
            },
        })
        .collect();
    let udvikling = {
        let aar: Vec<&app::AarsNoegletal> = d.aar.iter().rev().collect();
        let navne: Vec<(String, String)> = aar
            .last()
            .map(|a| a.noegletal.iter().map(|n| (n.id.clone(), noegletal_navn(n))).collect())
            .unwrap_or_default();
        let rows = navne
            .into_iter()
            .map(|(id, navn)| {
                let values = aar
                    .iter()
                    .map(|a| {
                        let n = a.noegletal.iter().find(|n| n.id == id);
                        match n {
                            Some(n) if a.offentlig => vis_noegletal(n.vaerdi, n.enhed),
                            _ => "i/t".into(),
                        }
                    })
                    .collect();
                Udviklingsraekke { navn, vaerdier: values }
            })
            .collect();
        Udvikling { aar: aar.iter().map(|a| a.styringsaar.get()).collect(), raekker: rows }
    };
    let diagrammer = {
        let aar: Vec<&app::AarsNoegletal> = d.aar.iter().rev().collect();
        let figurer: Vec<&app::NoegletalLinje> = aar.last().map(|a| a.noegletal.iter().collect()).unwrap_or_default();
        figurer
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let punkter: Vec<(i32, Option<f64>)> = aar
                    .iter()
                    .map(|a| {
                        let v = a.noegletal.iter().find(|x| x.id == n.id && x.boligtype == n.boligtype);
                        (a.styringsaar.get(), v.and_then(|v| v.vaerdi).filter(|_| a.offentlig))
                    })
                    .collect();
                (punkter.iter().filter(|p| p.1.is_some()).count() >= 2).then(|| {
                    diagram::tidsserie(&format!("udvikling-{i}"), &noegletal_navn(n), n.enhed.label(), &punkter)
                })
            })
            .collect()
    };
    let regnskaber = d
        .regnskaber
        .iter()
        .map(|r| RegnskabsFil {
            aar: r.styringsaar.get(),
            art: r.art.clone(),
            filnavn: r.bilag.filnavn.clone(),
            stoerrelse: format!("{} kB", tal(r.bilag.stoerrelse as f64 / 1024.0, 0)),
            href: crate::paths::regnskab_sti(d.organisation.nummer, r.bilag.id),
        })
        .collect();
    let title = format!("Dataark: {}", d.organisation.navn);
    render(&Dataark {
        layout: Layout::new(&title, user.as_ref(), &csrf, "/offentlig"),
        udvikling,
        diagrammer,
        d,
        afdelinger,
        boliger,
        noegletal,
        redegoerelser,
        regnskaber,
    })
}

/// GET /offentlig/organisationer/{nummer}/regnskaber/{bilag}: a public attachment of a
/// received package, for everyone; anything else is 404.
pub async fn regnskab(State(state): State<AppState>, Path((nummer, bilag)): Path<(String, String)>) -> PageResult {
    let nummer: OrganisationNummer = nummer.parse().map_err(|_| AppError::NotFound)?;
    let bilag: store::BilagId = bilag.parse().map_err(|_| AppError::NotFound)?;
    let (record, indhold) = state.app.offentlig().offentligt_bilag(nummer, bilag).await?;
    Ok(crate::view::fil_svar(&record.mime, "attachment", &record.filnavn, indhold))
}

#[derive(Template)]
#[template(path = "aaben_data.html")]
struct AabenData {
    layout: Layout,
    aar: Vec<AabentAar>,
    kolonner: [&'static str; 10],
}

/// A styringsår of open data.
struct AabentAar {
    aar: i32,
    /// Organisations with public figures that year.
    organisationer: usize,
}

/// Open data: per styringsår, the published key figures and efficiency figures as CSV and XLSX.
pub async fn aaben_data(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
) -> PageResult {
    let aar = state
        .app
        .offentlig()
        .aabne_aar(state.app.today())
        .await?
        .into_iter()
        .map(|(a, n)| AabentAar { aar: a.get(), organisationer: n })
        .collect();
    render(&AabenData {
        layout: Layout::new("Åbne data", user.as_ref(), &csrf, "/offentlig"),
        aar,
        kolonner: app::EKSPORT_KOLONNER,
    })
}

/// A cached file as a response body: shared, not copied.
pub struct DeltFil(std::sync::Arc<Vec<u8>>);

impl DeltFil {
    pub fn body(fil: std::sync::Arc<Vec<u8>>) -> axum::body::Bytes {
        axum::body::Bytes::from_owner(DeltFil(fil))
    }
}

impl AsRef<[u8]> for DeltFil {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// `/offentlig/data/{aar}/noegletal.csv|xlsx`: the year's open data as a file.
pub async fn aaben_data_fil(State(state): State<AppState>, Path((aar, fil)): Path<(String, String)>) -> PageResult {
    let aar: domain::Styringsaar = aar.parse().map_err(|_| AppError::NotFound)?;
    let (format, mime) = match fil.as_str() {
        "noegletal.csv" => (app::Filformat::Csv, "text/csv; charset=utf-8"),
        "noegletal-dk.csv" => (app::Filformat::CsvDansk, "text/csv; charset=utf-8"),
        "noegletal.xlsx" => (app::Filformat::Xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        _ => return Err(AppError::NotFound.into()),
    };
    let bytes = DeltFil::body(state.app.offentlig().aaben_data_fil(aar, format).await?);
    let navn = fil.replace("noegletal", &format!("noegletal-{aar}"));
    let mut svar = crate::view::fil_svar(mime, "attachment", &navn, bytes);
    svar.headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("public, max-age=300"));
    Ok(svar)
}

#[derive(Template)]
#[template(path = "afdeling_dataark.html")]
struct AfdelingDataark {
    layout: Layout,
    /// The afdeling against its comparison group in the newest public year (accessible SVG).
    diagram: Option<String>,
    s: std::sync::Arc<app::AfdelingSheet>,
    boliger: Vec<NavnOgVaerdi>,
    aar: Vec<AfdelingsAar>,
}

/// A key figure of an afdeling against the national median.
struct AfdelingsNoegletal {
    navn: String,
    vaerdi: String,
    median: String,
    markering: String,
}

/// One year of an afdeling's sheet as shown.
struct AfdelingsAar {
    aar: i32,
    /// "i/t" until the meeting is held.
    noegletal: Vec<AfdelingsNoegletal>,
    effektivitet: String,
    /// The comparison group and its best practice.
    gruppe: String,
}

/// An afdeling's data sheet: master data, and per year its key figures against the national
/// benchmark and its efficiency figure against its comparison group ("i/t" until the meeting).
pub async fn afdeling_dataark(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
    Path((nummer, afdeling)): Path<(String, String)>,
) -> PageResult {
    let nummer: OrganisationNummer = nummer.parse().map_err(|_| AppError::NotFound)?;
    let afdeling: domain::AfdelingNummer = afdeling.parse().map_err(|_| AppError::NotFound)?;
    let s = state.app.offentlig().afdeling_sheet(nummer, afdeling).await?;
    let boliger = domain::master::Boligtype::ALL
        .into_iter()
        .map(|t| NavnOgVaerdi {
            navn: t.label().to_string(),
            vaerdi: tal(f64::from(s.afdeling.data.boliger(t).antal), 0),
        })
        .collect();
    let aar = s
        .aar
        .iter()
        .map(|a| {
            let rows = a
                .noegletal
                .iter()
                .map(|n| {
                    if a.offentlig {
                        AfdelingsNoegletal {
                            navn: noegletal_navn(n),
                            vaerdi: vis_noegletal(n.vaerdi, n.enhed),
                            median: vis_noegletal(n.benchmark, n.enhed),
                            markering: n.markering.map(|m| m.label().to_string()).unwrap_or_else(|| "Ingen".into()),
                        }
                    } else {
                        let it = || "i/t".to_string();
                        AfdelingsNoegletal { navn: noegletal_navn(n), vaerdi: it(), median: it(), markering: it() }
                    }
                })
                .collect();
            let (eff, gruppe) = match &a.effektivitet {
                Some(e) => (
                    format!("{} % ({})", tal(e.effektivitetstal, 1), e.farve.label().to_lowercase()),
                    format!(
                        "Sammenligningsgruppe {}; {} af gruppens afdelinger har offentlige tal. {}",
                        e.gruppe,
                        a.offentlige_i_gruppen,
                        match &a.bedste_praksis {
                            Some(app::BedstePraksis::Selv) | None => {
                                "Afdelingen er selv bedste praksis i sin gruppe.".to_string()
                            }
                            Some(b) => format!("Bedste praksis: {}.", b.beskrivelse()),
                        }
                    ),
                ),
                None => ("i/t".into(), String::new()),
            };
            AfdelingsAar { aar: a.styringsaar.get(), noegletal: rows, effektivitet: eff, gruppe }
        })
        .collect();
    let diagram = match s.aar.iter().find(|a| a.offentlig && a.effektivitet.is_some()) {
        Some(a) => {
            let e = a.effektivitet.as_ref().expect("found with one");
            let gruppe = state.app.offentlig().sammenligningsgruppe(a.styringsaar, &e.gruppe).await?;
            let (gruppe, roed, groen) = (&gruppe.0, gruppe.1, gruppe.2);
            let titel = format!("Effektivitetstal {} i sammenligningsgruppen {}", a.styringsaar, e.gruppe);
            Some(diagram::sammenligning("sammenligning", &titel, gruppe, e.effektivitetstal, roed, groen))
        }
        None => None,
    };
    let title = format!("Dataark: afdeling {} {}", s.afdeling.data.nummer, s.afdeling.data.navn);
    render(&AfdelingDataark {
        layout: Layout::new(&title, user.as_ref(), &csrf, "/offentlig"),
        diagram,
        s,
        boliger,
        aar,
    })
}

#[derive(Template)]
#[template(path = "kommune_redegoerelser.html")]
struct KommuneRedegoerelser {
    layout: Layout,
    kommune: String,
    raekker: Vec<PubliceretRaekke>,
}

/// A published redegørelse in a kommune's list.
struct PubliceretRaekke {
    organisation_nummer: u32,
    organisation: String,
    aar: i32,
    offentliggjort: String,
    pakke_modtaget: bool,
}

/// The published redegørelser of a kommune's organisations.
pub async fn kommune_redegoerelser(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
    Path(kode): Path<String>,
) -> PageResult {
    let kode: domain::Kommunekode = kode.parse().map_err(|_| AppError::NotFound)?;
    let public = state.app.offentlig();
    let navn = public.kommune_navn(kode).await?;
    if navn.is_empty() {
        return Err(AppError::NotFound.into());
    }
    let raekker = public
        .kommunens_redegoerelser(kode)
        .await?
        .into_iter()
        .map(|(o, r)| PubliceretRaekke {
            organisation_nummer: o.nummer.get(),
            organisation: o.navn,
            aar: r.styringsaar.get(),
            offentliggjort: tidspunkt(r.published_at),
            pakke_modtaget: r.pakke_modtaget,
        })
        .collect();
    render(&KommuneRedegoerelser {
        layout: Layout::new(&format!("Redegørelser fra {navn} Kommune"), user.as_ref(), &csrf, "/offentlig"),
        kommune: navn,
        raekker,
    })
}

/// The operator and the retention periods the legal pages state, read from the settings so
/// the pages say what this deployment does.
pub struct Juridisk {
    pub udbyder: app::Udbyder,
    pub session_timer: u64,
    pub session_max_timer: u64,
    pub api_noegle_dage: u64,
}

impl Juridisk {
    fn af(state: &AppState) -> Juridisk {
        let s = state.app.settings();
        Juridisk {
            udbyder: s.udbyder.clone(),
            session_timer: s.session_ttl.as_secs().div_ceil(3600),
            session_max_timer: s.session_max.as_secs().div_ceil(3600),
            api_noegle_dage: s.api_noegle_ttl.as_secs().div_ceil(24 * 3600),
        }
    }
}

#[derive(Template)]
#[template(path = "tilgaengelighed.html")]
struct Tilgaengelighed {
    layout: Layout,
    j: Juridisk,
}

/// The accessibility statement (tilgængelighedserklæring) every Danish public-sector site
/// links to.
pub async fn tilgaengelighed(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
) -> PageResult {
    let layout = Layout::new("Tilgængelighedserklæring", user.as_ref(), &csrf, "/om");
    render(&Tilgaengelighed { layout, j: Juridisk::af(&state) })
}

#[derive(Template)]
#[template(path = "privatliv.html")]
struct Privatliv {
    layout: Layout,
    j: Juridisk,
}

/// The privacy notice: what is stored about whom, why, for how long, and who is responsible.
pub async fn privatliv(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
) -> PageResult {
    let layout = Layout::new("Privatlivspolitik", user.as_ref(), &csrf, "/om");
    render(&Privatliv { layout, j: Juridisk::af(&state) })
}

/// The open data's format description, as the repository documents it (Markdown text).
pub async fn aaben_data_format() -> axum::response::Response {
    crate::view::fil_svar(
        "text/markdown; charset=utf-8",
        "inline",
        "eksport.md",
        include_str!("../../../../docs/formater/eksport.md"),
    )
}
