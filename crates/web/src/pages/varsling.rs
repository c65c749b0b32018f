//! Early warning across years: the agency's national list (filters, XLSX, the yearly mail to
//! the kommuner) and the kommune's own list.

use crate::AppState;
use crate::error::PageResult;
use crate::format::Valgmulighed;
use crate::format::dato;
use crate::layout::Layout;
use crate::pages::redirect_with;
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{Sider, render};
use app::{AppError, VarselFilter, VarselRaekke, VarselSortering};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use domain::master::Boligtype;
use domain::varsling::Signal;
use domain::{Kommunekode, Regionskode, Styringsaar};
use serde::Deserialize;

/// Warnings per page of the national list.
const PR_SIDE: u32 = 50;

/// A number of one year with the national median beside it, where the figure has one.
pub struct TalVisning {
    pub tal: domain::varsling::VarselTal,
    pub median: Option<String>,
}

/// One warning as the lists show it.
pub struct VarselVisning {
    pub organisation: String,
    pub organisation_nummer: String,
    pub kommune: String,
    pub afdeling: Option<String>,
    pub afdeling_kommune: Option<String>,
    pub signal: &'static str,
    pub forklaring: String,
    pub tal: Vec<TalVisning>,
    pub moede_siden: Option<String>,
    /// A repeated critical figure over the years against the national median (SVG).
    pub diagram: Option<String>,
}

impl VarselVisning {
    /// The warning with its chart, `nr` making the chart's ids unique on the page.
    pub fn med_diagram(r: &VarselRaekke, nr: usize) -> Self {
        let mut v = VarselVisning::from(r);
        if r.varsel.signal == Signal::GentagetKritisk {
            let tal = &r.varsel.tal;
            let punkter: Vec<(i32, Option<f64>)> = tal.iter().map(|t| (t.aar.get(), t.vaerdi)).collect();
            let median: Vec<Option<f64>> = tal.iter().map(|t| t.median).collect();
            let enhed = tal.iter().map(|t| t.enhed.as_str()).find(|e| !e.is_empty()).unwrap_or_default();
            let hvad = tal.first().map(|t| t.hvad.as_str()).unwrap_or_default();
            let titel = match &v.afdeling {
                Some(a) => format!("{hvad}, afd. {a}, over årene mod landsmedianen"),
                None => format!("{hvad}, {}, over årene mod landsmedianen", v.organisation),
            };
            v.diagram = Some(diagram::tidsserie_mod(
                &format!("varsel-{nr}"),
                &titel,
                enhed,
                &punkter,
                Some(("Landsmedian", &median)),
            ));
        }
        v
    }
}

impl From<&VarselRaekke> for VarselVisning {
    fn from(r: &VarselRaekke) -> Self {
        VarselVisning {
            diagram: None,
            organisation: r.organisation.navn.clone(),
            organisation_nummer: r.organisation.nummer.to_string(),
            kommune: r.kommune_navn.clone(),
            afdeling: r.afdeling.as_ref().map(|a| format!("{} {}", a.data.nummer, a.data.navn)),
            afdeling_kommune: r.afdeling_kommune_navn.clone(),
            signal: r.varsel.signal.label(),
            forklaring: r.varsel.forklaring.clone(),
            tal: r
                .varsel
                .tal
                .iter()
                .map(|t| TalVisning {
                    median: t.median.map(|m| match t.enhed.as_str() {
                        "%" => format!("{} %", domain::tal::dansk(m, 2)),
                        enhed => format!("{} {enhed}", domain::tal::dansk(m, 0)),
                    }),
                    tal: t.clone(),
                })
                .collect(),
            moede_siden: r.moede_siden.map(dato),
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct VarselQuery {
    #[serde(default)]
    aar: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    kommune: String,
    #[serde(default)]
    signal: String,
    #[serde(default)]
    boligtype: String,
    #[serde(default)]
    sorter: String,
    side: Option<String>,
    besked: Option<String>,
}

impl VarselQuery {
    fn aar(&self, state: &AppState) -> Styringsaar {
        self.aar.parse().unwrap_or_else(|_| state.app.current_styringsaar())
    }

    /// The filter; a value that names nothing known is no filter (the form offers only known
    /// values).
    fn filter(&self) -> VarselFilter {
        VarselFilter {
            region: self.region.parse::<Regionskode>().ok(),
            kommune: self.kommune.parse::<Kommunekode>().ok(),
            signal: Signal::parse(&self.signal),
            boligtype: Boligtype::parse(&self.boligtype),
            sortering: VarselSortering::parse(&self.sorter).unwrap_or_default(),
        }
    }

    /// The query string of the filter, for page links and the export.
    fn soegestreng(&self, aar: Styringsaar) -> String {
        let f = self.filter();
        let mut dele = vec![format!("aar={aar}")];
        if let Some(r) = f.region {
            dele.push(format!("region={r}"));
        }
        if let Some(k) = f.kommune {
            dele.push(format!("kommune={k}"));
        }
        if let Some(s) = f.signal {
            dele.push(format!("signal={}", s.as_str()));
        }
        if let Some(b) = f.boligtype {
            dele.push(format!("boligtype={}", b.as_str()));
        }
        dele.push(format!("sorter={}", f.sortering.as_str()));
        dele.join("&")
    }
}

#[derive(Template)]
#[template(path = "varsler.html")]
struct NationalVarselSide {
    layout: Layout,
    styringsaar: i32,
    varsler: Vec<VarselVisning>,
    i_alt: usize,
    organisationer: usize,
    sider: Sider,
    soegestreng: String,
    regionvalg: Vec<Valgmulighed>,
    kommunevalg: Vec<Valgmulighed>,
    signalvalg: Vec<Valgmulighed>,
    boligtypevalg: Vec<Valgmulighed>,
    sorteringsvalg: Vec<Valgmulighed>,
}

pub async fn national(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<VarselQuery>,
) -> PageResult {
    let aar = q.aar(&state);
    let filter = q.filter();
    let alle = state.app.nationale_varsler(&user, aar, &filter).await?;
    let organisationer = alle.iter().map(|r| r.organisation.id).collect::<std::collections::BTreeSet<_>>().len();
    let side = store::Side::new(q.side.as_deref().and_then(|s| s.parse().ok()).unwrap_or(1), PR_SIDE);
    let udsnit = store::Udsnit::af(alle.iter().collect::<Vec<_>>(), side);
    let soegestreng = q.soegestreng(aar);
    let sider = Sider::new(&udsnit, |n| format!("/styrelse/varsler?{soegestreng}&side={n}"));
    let kommuner = state.app.offentlig().kommuner().await?;
    let mut regionvalg: Vec<(String, &'static str)> = kommuner
        .iter()
        .filter_map(|k| domain::reference::region_navn(k.region).map(|n| (k.region.to_string(), n)))
        .collect();
    regionvalg.sort();
    regionvalg.dedup();
    let mut kommunevalg: Vec<(String, String)> =
        kommuner.iter().map(|k| (k.kode.to_string(), k.navn.clone())).collect();
    kommunevalg.sort_by(|a, b| a.1.cmp(&b.1));
    let layout = Layout::new("Tidlig varsling", Some(&user), &csrf, "/styrelse").with_besked(q.besked.as_deref());
    render(&NationalVarselSide {
        layout,
        styringsaar: aar.get(),
        i_alt: alle.len(),
        organisationer,
        varsler: udsnit.raekker.into_iter().enumerate().map(|(i, r)| VarselVisning::med_diagram(r, i)).collect(),
        sider,
        soegestreng,
        regionvalg: Valgmulighed::liste(regionvalg, filter.region.map(|r| r.to_string()).as_deref()),
        kommunevalg: Valgmulighed::liste(kommunevalg, filter.kommune.map(|k| k.to_string()).as_deref()),
        signalvalg: Valgmulighed::liste(
            Signal::ALL.iter().map(|s| (s.as_str(), s.label())),
            filter.signal.map(Signal::as_str),
        ),
        boligtypevalg: Valgmulighed::liste(
            Boligtype::ALL.iter().map(|b| (b.as_str(), b.label())),
            filter.boligtype.map(Boligtype::as_str),
        ),
        sorteringsvalg: Valgmulighed::liste(
            VarselSortering::ALL.iter().map(|s| (s.as_str(), s.label())),
            Some(filter.sortering.as_str()),
        ),
    })
}

/// The national list, as the filter shows it, as XLSX.
pub async fn national_xlsx(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Query(q): Query<VarselQuery>,
) -> PageResult {
    let aar = q.aar(&state);
    let raekker = state.app.nationale_varsler(&user, aar, &q.filter()).await?;
    let bytes = state.app.varsler_xlsx(aar, &raekker)?;
    Ok(crate::view::fil_svar(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment",
        &format!("varsler-{aar}.xlsx"),
        bytes,
    ))
}

#[derive(Deserialize)]
pub struct SendForm {
    #[serde(default)]
    aar: String,
}

/// The yearly mail: each kommune gets its list once.
pub async fn send_til_kommunerne(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Form(form): Form<SendForm>,
) -> PageResult {
    let aar: Styringsaar = form.aar.parse().map_err(|_| AppError::field("aar", "Angiv styringsåret som et årstal"))?;
    let tilbage = format!("/styrelse/varsler?aar={aar}");
    match state.app.send_varsler_til_kommunerne(&user, aar).await {
        Ok(_) => Ok(redirect_with(&tilbage, "varsler_sendt")),
        Err(AppError::Conflict(_)) => Ok(redirect_with(&tilbage, "varsler_allerede")),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "kommune_varsler.html")]
struct KommuneVarselSide {
    layout: Layout,
    styringsaar: i32,
    varsler: Vec<VarselVisning>,
}

/// The kommune's own warnings.
pub async fn kommune(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<VarselQuery>,
) -> PageResult {
    let aar = q.aar(&state);
    let raekker = state.app.kommunens_varsler(&user, aar).await?;
    render(&KommuneVarselSide {
        layout: Layout::new("Tidlig varsling", Some(&user), &csrf, "/kommune"),
        styringsaar: aar.get(),
        varsler: raekker.iter().enumerate().map(|(i, r)| VarselVisning::med_diagram(r, i)).collect(),
    })
}
