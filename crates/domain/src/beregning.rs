//! The national computation for one styringsår (docs/domain.md §5–6): every key figure of every
//! organisation and afdeling, the benchmarks and critical marks, and the efficiency figures
//! with their comparison groups. Pure: the inputs are loaded and the results stored by `app`.

use crate::effektivitet::{self, Enhed, Farve};
use crate::ids::{Kommunekode, Regionskode, Styringsaar};
use crate::master::{AfdelingData, AfdelingId, Boligtype, LejemaalsenhedRegel, OrganisationId, OrganisationKind};
use crate::noegletal::{OrganisationPost, OrganisationRegnskab};
use crate::reference::EffektivitetRegler;
use crate::registre::AfdelingKontoRaekke;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

const KATALOG: &str = include_str!("../../../data/regler/noegletal.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Niveau {
    Organisation,
    Afdeling,
}

impl Niveau {
    pub fn as_str(self) -> &'static str {
        match self {
            Niveau::Organisation => "organisation",
            Niveau::Afdeling => "afdeling",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Niveau::Organisation, Niveau::Afdeling].into_iter().find(|n| n.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retning {
    /// High values are unfavourable (costs, vacancy, move-outs).
    HoejErKritisk,
    /// Low values are unfavourable (savings, buffers).
    LavErKritisk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Maaleenhed {
    KrPrLejemaalsenhed,
    KrPrLejemaal,
    KrPrM2,
    Procent,
}

impl Maaleenhed {
    pub fn label(self) -> &'static str {
        match self {
            Maaleenhed::KrPrLejemaalsenhed => "kr. pr. lejemålsenhed",
            Maaleenhed::KrPrLejemaal => "kr. pr. lejemål",
            Maaleenhed::KrPrM2 => "kr. pr. m²",
            Maaleenhed::Procent => "%",
        }
    }
}

/// What a figure is compared with (docs/domain.md §5, column "compared with").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sammenligning {
    /// The national benchmark (median) of the figure; marks from the fractiles of its values.
    #[default]
    Landet,
    /// The afdeling's own kommune's level. Marks come from the fractiles of the national
    /// spread of the differences afdeling − kommune, so the benchmark record of such a figure
    /// holds differences (in the figure's unit), not levels.
    Kommune,
}

/// A key figure's definition, from data/regler/noegletal.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    pub id: String,
    pub navn: String,
    pub niveau: Niveau,
    pub enhed: Maaleenhed,
    pub retning: Retning,
    #[serde(default)]
    pub pr_boligtype: bool,
    #[serde(default)]
    pub sammenligning: Sammenligning,
    pub gul_fraktil: f64,
    pub roed_fraktil: f64,
    /// What time the figure is told for, where the guidance's forms ask for it.
    #[serde(default)]
    pub tidsangivelse: Tidsangivelse,
    /// How the figure is defined, where the system's definition narrows the guidance's
    /// wording; shown under the figure on forms and in PDFs.
    #[serde(default)]
    pub forklaring: Option<String>,
    /// Whether the figure gets yellow and red marks. A figure the guidance gives no benchmark
    /// for (rent, labour-market attachment: docs/adr/0003) is shown beside its median or its
    /// kommune's level, unmarked.
    #[serde(default = "ja")]
    pub markeres: bool,
}

fn ja() -> bool {
    true
}

/// The time a key figure is told for, as bilag 4 writes it beside the figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tidsangivelse {
    /// The styringsår alone (most figures).
    #[default]
    Styringsaar,
    /// "Fra året": the accounting period the figure covers (move-outs).
    FraAaret,
    /// "Opgørelsestidspunkt": the day it was counted, the period's end (vacancy).
    Opgoerelsestidspunkt,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saet {
    pub fra_styringsaar: i32,
    pub noegletal: Vec<Definition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Katalog {
    pub saet: Vec<Saet>,
}

/// The ids that have a formula in this module.
const FORMLER: [&str; 13] = [
    "administrationsbidrag",
    "byggesagshonorar_nybyggeri",
    "byggesagshonorar_renovering",
    "dispositionsfond",
    "arbejdskapital",
    "henlaeggelser_pr_lejemaal",
    "henlaeggelser_pr_m2",
    "opsparede_henlaeggelser_pr_lejemaal",
    "opsparede_henlaeggelser_pr_m2",
    "fraflytningsprocent",
    "ledighedsprocent",
    "leje_pr_m2",
    "uden_for_arbejdsmarkedet",
];

/// The ids whose kommune level is known (and so can be `sammenligning = "kommune"`).
const KOMMUNE_NIVEAUER: [&str; 1] = ["uden_for_arbejdsmarkedet"];

impl Katalog {
    /// The name of a figure, from the newest set that defines it.
    pub fn navn(&self, id: &str) -> Option<&str> {
        self.definition(id).map(|d| d.navn.as_str())
    }

    /// A figure's definition, from the newest set that defines it.
    pub fn definition(&self, id: &str) -> Option<&Definition> {
        let mut saet: Vec<&Saet> = self.saet.iter().collect();
        saet.sort_by_key(|s| std::cmp::Reverse(s.fra_styringsaar));
        saet.into_iter().flat_map(|s| &s.noegletal).find(|d| d.id == id)
    }

    pub fn shipped() -> Katalog {
        Katalog::parse(KATALOG).expect("data/regler/noegletal.toml is valid")
    }

    /// The shipped catalogue file's text (a template for deployments' own files).
    pub fn shipped_text() -> &'static str {
        KATALOG
    }

    pub fn parse(text: &str) -> Result<Katalog, String> {
        let katalog: Katalog = toml::from_str(text).map_err(|e| e.to_string())?;
        for saet in &katalog.saet {
            for d in &saet.noegletal {
                if !FORMLER.contains(&d.id.as_str()) {
                    return Err(format!("nøgletallet «{}» har ingen formel", d.id));
                }
                let ordered = match d.retning {
                    Retning::HoejErKritisk => {
                        0.5 <= d.gul_fraktil && d.gul_fraktil <= d.roed_fraktil && d.roed_fraktil < 1.0
                    }
                    Retning::LavErKritisk => {
                        0.0 < d.roed_fraktil && d.roed_fraktil <= d.gul_fraktil && d.gul_fraktil <= 0.5
                    }
                };
                if !ordered {
                    return Err(format!("nøgletallet «{}»: fraktilerne passer ikke til retningen", d.id));
                }
                if d.sammenligning == Sammenligning::Kommune && !KOMMUNE_NIVEAUER.contains(&d.id.as_str()) {
                    return Err(format!("nøgletallet «{}» har intet kommuneniveau at sammenligne med", d.id));
                }
            }
        }
        Ok(katalog)
    }

    /// The set in force for a styringsår: the newest not later than it.
    pub fn for_aar(&self, aar: Styringsaar) -> Option<&Saet> {
        self.saet.iter().filter(|s| s.fra_styringsaar <= aar.get()).max_by_key(|s| s.fra_styringsaar)
    }
}

/// One organisation's inputs.
#[derive(Debug, Clone)]
pub struct OrganisationInput {
    pub id: OrganisationId,
    /// Which organisations its figures are benchmarked against.
    pub pulje: Pulje,
    pub regnskab: OrganisationRegnskab,
    pub lejemaalsenheder: f64,
}

/// One afdeling's inputs for the year.
#[derive(Debug, Clone)]
pub struct AfdelingInput {
    pub id: AfdelingId,
    pub organisation: OrganisationId,
    pub region: Regionskode,
    pub data: AfdelingData,
    /// Account → amount in øre (the balance of saved maintenance included).
    pub konti: BTreeMap<String, i64>,
    /// Only twelve-month accounts enter the efficiency model.
    pub tolv_maaneder: bool,
    /// Per housing type: (move-outs, empty homes, yearly rent in øre per m²).
    pub boligtal: BTreeMap<Boligtype, (u32, u32, i64)>,
    pub uden_for_promille: Option<u32>,
    /// The same share for the afdeling's kommune (residents 18–64 outside the labour market).
    pub kommune_uden_for_promille: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Markering {
    Gul,
    Roed,
}

impl Markering {
    pub fn as_str(self) -> &'static str {
        match self {
            Markering::Gul => "gul",
            Markering::Roed => "roed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Markering::Gul, Markering::Roed].into_iter().find(|m| m.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Markering::Gul => "Gul",
            Markering::Roed => "Rød",
        }
    }
}

/// Whose values a benchmark is made from. Afdeling figures are compared across the country;
/// organisation figures within the organisation's own kind, because bilag 5 benchmarks an
/// administration organisation against administration organisations (guidance chapter 6,
/// bilag 5 B), whose volume and tasks differ from a boligorganisation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pulje {
    /// Every afdeling in the country.
    Alle,
    /// Organisations with their own afdelinger (and the kinds outside the report duty).
    Boligorganisationer,
    /// Administration organisations (bilag 5).
    Administrationsorganisationer,
}

impl Pulje {
    pub const ALL: [Pulje; 3] = [Pulje::Alle, Pulje::Boligorganisationer, Pulje::Administrationsorganisationer];

    pub fn as_str(self) -> &'static str {
        match self {
            Pulje::Alle => "alle",
            Pulje::Boligorganisationer => "boligorganisationer",
            Pulje::Administrationsorganisationer => "administrationsorganisationer",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Pulje::ALL.into_iter().find(|p| p.as_str() == s)
    }
    /// How a page names what the benchmark compares with.
    pub fn label(self) -> &'static str {
        match self {
            Pulje::Alle => "landets afdelinger",
            Pulje::Boligorganisationer => "landets boligorganisationer",
            Pulje::Administrationsorganisationer => "landets administrationsorganisationer",
        }
    }
    /// The pool an organisation's own figures are compared within.
    pub fn for_organisation(kind: OrganisationKind) -> Pulje {
        match kind {
            OrganisationKind::Administration => Pulje::Administrationsorganisationer,
            _ => Pulje::Boligorganisationer,
        }
    }
    /// The pool of the organisation figures in a styringsrapport of this type.
    pub fn for_rapporttype(t: crate::master::Rapporttype) -> Pulje {
        match t {
            crate::master::Rapporttype::Bilag5 => Pulje::Administrationsorganisationer,
            crate::master::Rapporttype::Bilag3 => Pulje::Boligorganisationer,
        }
    }
    /// The pool of a figure at `niveau` of a unit whose organisation is of `kind`.
    pub fn for_niveau(niveau: Niveau, kind: OrganisationKind) -> Pulje {
        match niveau {
            Niveau::Afdeling => Pulje::Alle,
            Niveau::Organisation => Pulje::for_organisation(kind),
        }
    }
}

/// A figure's benchmark for a year, pool and housing type (where the figure has one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Benchmark {
    pub noegletal: String,
    pub boligtype: Option<Boligtype>,
    pub pulje: Pulje,
    /// The year whose values the benchmark was made from (earlier when this year has none).
    pub fra_aar: i32,
    pub median: f64,
    pub gul: f64,
    pub roed: f64,
    pub antal: usize,
}

impl Benchmark {
    /// The benchmark of a figure, housing type and pool among a year's benchmarks.
    pub fn find<'a>(
        benchmarks: &'a [Benchmark],
        noegletal: &str,
        boligtype: Option<Boligtype>,
        pulje: Pulje,
    ) -> Option<&'a Benchmark> {
        benchmarks.iter().find(|b| b.noegletal == noegletal && b.boligtype == boligtype && b.pulje == pulje)
    }
}

/// One computed key figure of one organisation or afdeling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vaerdi {
    pub noegletal: String,
    pub niveau: Niveau,
    /// The organisation's or afdeling's database id.
    pub enhed_id: i64,
    pub boligtype: Option<Boligtype>,
    pub vaerdi: f64,
    /// What this value is compared with when that is its own (the kommune's level for a
    /// figure compared with the kommune); `None` for figures compared with the benchmark.
    pub sammenligning: Option<f64>,
    pub markering: Option<Markering>,
}

/// One afdeling's efficiency figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Effektivitet {
    pub afdeling: AfdelingId,
    pub gruppe: String,
    pub peers: usize,
    pub effektivitetstal: f64,
    pub bedste_praksis: AfdelingId,
    /// Potential in kr. for the whole afdeling (per home × homes).
    pub potentiale_kr: f64,
    pub farve: Farve,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resultat {
    pub vaerdier: Vec<Vaerdi>,
    pub benchmarks: Vec<Benchmark>,
    pub effektivitet: Vec<Effektivitet>,
    /// What the overviews read, derived from the above in the same computation.
    pub sammendrag: Sammendrag,
}

/// The counts and averages overviews show, derived once per computation so a page reads a
/// few stored rows instead of the country's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sammendrag {
    /// Organisations with at least one mark, in id order.
    pub kritik: Vec<Kritik>,
    /// Efficiency averages weighted by homes, per organisation, kommune and region.
    pub gennemsnit: Vec<(Omraade, f64)>,
}

/// Critical marks of an organisation in a year: its own and its afdelinger's marked key
/// figures (of which red), and its red afdelinger (efficiency).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kritik {
    pub organisation: OrganisationId,
    pub kritiske_noegletal: i64,
    pub roede_noegletal: i64,
    pub roede_afdelinger: i64,
}

impl Kritik {
    pub fn ingen(organisation: OrganisationId) -> Kritik {
        Kritik { organisation, kritiske_noegletal: 0, roede_noegletal: 0, roede_afdelinger: 0 }
    }
}

/// What an efficiency average covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Omraade {
    Organisation(OrganisationId),
    Kommune(Kommunekode),
    Region(Regionskode),
}

impl Omraade {
    /// The stored kind and key.
    pub fn noegle(self) -> (&'static str, i64) {
        match self {
            Omraade::Organisation(o) => ("organisation", o.0),
            Omraade::Kommune(k) => ("kommune", i64::from(k)),
            Omraade::Region(r) => ("region", i64::from(r)),
        }
    }

    pub fn fra_noegle(kind: &str, key: i64) -> Option<Omraade> {
        match kind {
            "organisation" => Some(Omraade::Organisation(OrganisationId(key))),
            "kommune" => Kommunekode::new(key).ok().map(Omraade::Kommune),
            "region" => Regionskode::new(key).ok().map(Omraade::Region),
            _ => None,
        }
    }
}

/// The overviews' counts and averages of one computation.
pub fn sammendrag(vaerdier: &[Vaerdi], effektivitet: &[Effektivitet], afdelinger: &[AfdelingInput]) -> Sammendrag {
    let afdeling: HashMap<i64, &AfdelingInput> = afdelinger.iter().map(|a| (a.id.0, a)).collect();
    let mut kritik: BTreeMap<OrganisationId, Kritik> = BTreeMap::new();
    for v in vaerdier.iter().filter(|v| v.markering.is_some()) {
        let org = match v.niveau {
            Niveau::Organisation => Some(OrganisationId(v.enhed_id)),
            Niveau::Afdeling => afdeling.get(&v.enhed_id).map(|a| a.organisation),
        };
        if let Some(org) = org {
            let k = kritik.entry(org).or_insert(Kritik::ingen(org));
            k.kritiske_noegletal += 1;
            if v.markering == Some(Markering::Roed) {
                k.roede_noegletal += 1;
            }
        }
    }
    let mut per_omraade: BTreeMap<Omraade, Vec<(f64, u32)>> = BTreeMap::new();
    for e in effektivitet {
        let Some(a) = afdeling.get(&e.afdeling.0) else { continue };
        if e.farve == Farve::Roed {
            let k = kritik.entry(a.organisation).or_insert(Kritik::ingen(a.organisation));
            k.roede_afdelinger += 1;
        }
        let homes = a.data.boliger_i_alt();
        for omraade in
            [Omraade::Organisation(a.organisation), Omraade::Kommune(a.data.kommune), Omraade::Region(a.region)]
        {
            per_omraade.entry(omraade).or_default().push((e.effektivitetstal, homes));
        }
    }
    Sammendrag {
        kritik: kritik.into_values().collect(),
        gennemsnit: per_omraade
            .into_iter()
            .filter_map(|(o, values)| vaegtet_gennemsnit(values).map(|g| (o, g)))
            .collect(),
    }
}

/// Fewer values than this make no benchmark; last year's is used instead.
const MIN_BENCHMARK_VALUES: usize = 10;

fn kr(oere: i64) -> f64 {
    oere as f64 / 100.0
}

fn organisation_value(id: &str, o: &OrganisationInput) -> Option<f64> {
    let get = |p: OrganisationPost| o.regnskab.get(&p).map(|v| kr(*v));
    let per_enhed = |p| get(p).filter(|_| o.lejemaalsenheder > 0.0).map(|v| v / o.lejemaalsenheder);
    let andel = |h, s| match (get(h), get(s)) {
        (Some(h), Some(s)) if s > 0.0 => Some(h / s * 100.0),
        _ => None,
    };
    use OrganisationPost as P;
    match id {
        "administrationsbidrag" => per_enhed(P::Administrationsbidrag),
        "byggesagshonorar_nybyggeri" => andel(P::ByggesagshonorarNybyggeri, P::AnskaffelsessumNybyggeri),
        "byggesagshonorar_renovering" => andel(P::ByggesagshonorarRenovering, P::AnskaffelsessumRenovering),
        "dispositionsfond" => per_enhed(P::DispositionsfondDisponibel),
        "arbejdskapital" => per_enhed(P::Arbejdskapital),
        _ => None,
    }
}

fn afdeling_value(id: &str, a: &AfdelingInput, t: Option<Boligtype>, regel: &LejemaalsenhedRegel) -> Option<f64> {
    let enheder = a.data.lejemaalsenheder(regel);
    let m2 = f64::from(a.data.bolig_m2_i_alt() + a.data.erhverv_m2 + a.data.institution_m2);
    let konto = |k: &str| a.konti.get(k).map(|v| kr(*v));
    let pr = |v: Option<f64>, d: f64| v.filter(|_| d > 0.0).map(|v| v / d);
    let boliger = |t: Boligtype| f64::from(a.data.boliger(t).antal);
    match (id, t) {
        ("henlaeggelser_pr_lejemaal", None) => pr(konto("120"), enheder),
        ("henlaeggelser_pr_m2", None) => pr(konto("120"), m2),
        ("opsparede_henlaeggelser_pr_lejemaal", None) => {
            pr(konto(AfdelingKontoRaekke::OPSPAREDE_HENLAEGGELSER), enheder)
        }
        ("opsparede_henlaeggelser_pr_m2", None) => pr(konto(AfdelingKontoRaekke::OPSPAREDE_HENLAEGGELSER), m2),
        ("fraflytningsprocent", Some(t)) => {
            a.boligtal.get(&t).and_then(|b| pr(Some(f64::from(b.0) * 100.0), boliger(t)))
        }
        ("ledighedsprocent", Some(t)) => a.boligtal.get(&t).and_then(|b| pr(Some(f64::from(b.1) * 100.0), boliger(t))),
        ("leje_pr_m2", Some(t)) => a.boligtal.get(&t).filter(|_| boliger(t) > 0.0).map(|b| kr(b.2)),
        ("uden_for_arbejdsmarkedet", None) => a.uden_for_promille.map(|p| f64::from(p) / 10.0),
        _ => None,
    }
}

/// The level a figure compared with the kommune is compared with.
fn kommune_niveau(id: &str, a: &AfdelingInput) -> Option<f64> {
    match id {
        "uden_for_arbejdsmarkedet" => a.kommune_uden_for_promille.map(|p| f64::from(p) / 10.0),
        _ => None,
    }
}

/// The value at fractile `q` (0–1) of sorted values, interpolating linearly.
fn fractile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn mark(d: &Definition, b: &Benchmark, v: f64) -> Option<Markering> {
    match d.retning {
        Retning::HoejErKritisk if v > b.roed => Some(Markering::Roed),
        Retning::HoejErKritisk if v > b.gul => Some(Markering::Gul),
        Retning::LavErKritisk if v < b.roed => Some(Markering::Roed),
        Retning::LavErKritisk if v < b.gul => Some(Markering::Gul),
        _ => None,
    }
}

/// Everything for one styringsår. `sidste_aars_benchmarks` are used, and labelled with their
/// year, for figures with too few values this year.
pub fn beregn(
    aar: Styringsaar,
    saet: &Saet,
    organisationer: &[OrganisationInput],
    afdelinger: &[AfdelingInput],
    sidste_aars_benchmarks: &[Benchmark],
    lejemaal: &LejemaalsenhedRegel,
    eff: &EffektivitetRegler,
) -> Result<Resultat, effektivitet::EffektivitetError> {
    let mut vaerdier = Vec::new();
    for d in &saet.noegletal {
        let types: Vec<Option<Boligtype>> =
            if d.pr_boligtype { Boligtype::ALL.into_iter().map(Some).collect() } else { vec![None] };
        for t in types {
            match d.niveau {
                Niveau::Organisation => vaerdier.extend(organisationer.iter().filter_map(|o| {
                    organisation_value(&d.id, o).map(|v| Vaerdi {
                        noegletal: d.id.clone(),
                        niveau: d.niveau,
                        enhed_id: o.id.0,
                        boligtype: t,
                        vaerdi: v,
                        sammenligning: None,
                        markering: None,
                    })
                })),
                Niveau::Afdeling => {
                    vaerdier.extend(afdelinger.iter().filter(|a| !a.data.under_opfoerelse).filter_map(|a| {
                        let sammenligning = match d.sammenligning {
                            Sammenligning::Landet => None,
                            // Without its kommune's level the figure cannot be compared.
                            Sammenligning::Kommune => Some(kommune_niveau(&d.id, a)?),
                        };
                        afdeling_value(&d.id, a, t, lejemaal).map(|v| Vaerdi {
                            noegletal: d.id.clone(),
                            niveau: d.niveau,
                            enhed_id: a.id.0,
                            boligtype: t,
                            vaerdi: v,
                            sammenligning,
                            markering: None,
                        })
                    }))
                }
            }
        }
    }

    // Benchmarks per figure, pool and housing type; marks against them. A figure compared
    // with its own reference (the kommune) is benchmarked and marked on the difference.
    let compared = |v: &Vaerdi| v.vaerdi - v.sammenligning.unwrap_or(0.0);
    let org_pulje: HashMap<i64, Pulje> = organisationer.iter().map(|o| (o.id.0, o.pulje)).collect();
    let pulje_of = |v: &Vaerdi| match v.niveau {
        Niveau::Afdeling => Pulje::Alle,
        Niveau::Organisation => org_pulje.get(&v.enhed_id).copied().unwrap_or(Pulje::Boligorganisationer),
    };
    let mut groups: BTreeMap<(String, Pulje, Option<Boligtype>), Vec<f64>> = BTreeMap::new();
    for v in &vaerdier {
        groups.entry((v.noegletal.clone(), pulje_of(v), v.boligtype)).or_default().push(compared(v));
    }
    let mut benchmarks = Vec::new();
    for d in &saet.noegletal {
        let types: Vec<Option<Boligtype>> =
            if d.pr_boligtype { Boligtype::ALL.into_iter().map(Some).collect() } else { vec![None] };
        let puljer: &[Pulje] = match d.niveau {
            Niveau::Afdeling => &[Pulje::Alle],
            Niveau::Organisation => &[Pulje::Boligorganisationer, Pulje::Administrationsorganisationer],
        };
        for (&pulje, t) in puljer.iter().flat_map(|p| types.iter().map(move |t| (p, *t))) {
            let mut values = groups.get(&(d.id.clone(), pulje, t)).cloned().unwrap_or_default();
            if values.len() >= MIN_BENCHMARK_VALUES {
                values.sort_by(f64::total_cmp);
                benchmarks.push(Benchmark {
                    noegletal: d.id.clone(),
                    boligtype: t,
                    pulje,
                    fra_aar: aar.get(),
                    median: fractile(&values, 0.5),
                    gul: fractile(&values, d.gul_fraktil),
                    roed: fractile(&values, d.roed_fraktil),
                    antal: values.len(),
                });
            } else if let Some(old) = Benchmark::find(sidste_aars_benchmarks, &d.id, t, pulje) {
                benchmarks.push(old.clone());
            }
        }
    }
    for v in &mut vaerdier {
        let d = saet.noegletal.iter().find(|d| d.id == v.noegletal).expect("defined above");
        if let Some(b) = Benchmark::find(&benchmarks, &v.noegletal, v.boligtype, pulje_of(v)) {
            let diff = compared(v);
            // At or better than its kommune's level is never critical, whatever the spread.
            let no_worse_than_kommune = d.sammenligning == Sammenligning::Kommune
                && match d.retning {
                    Retning::HoejErKritisk => diff <= 0.0,
                    Retning::LavErKritisk => diff >= 0.0,
                };
            v.markering = if no_worse_than_kommune || !d.markeres { None } else { mark(d, b, diff) };
        }
    }

    let effektivitet = efficiency(afdelinger, eff)?;
    let sammendrag = sammendrag(&vaerdier, &effektivitet, afdelinger);
    Ok(Resultat { vaerdier, benchmarks, effektivitet, sammendrag })
}

/// Size band index of an afdeling with `homes` homes.
fn band(homes: u32, bounds: &[u32]) -> usize {
    bounds.iter().take_while(|b| homes >= **b).count()
}

/// A comparison group at one widening step: the key, and whether an afdeling belongs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct GroupKey {
    boligtype: Boligtype,
    /// Inclusive range of size bands.
    bands: (usize, usize),
    region: Option<Regionskode>,
}

impl GroupKey {
    fn label(&self, bounds: &[u32]) -> String {
        let edge = |i: usize| if i == 0 { 0 } else { bounds[i - 1] };
        let size = match (self.bands.0, self.bands.1) {
            (lo, hi) if hi >= bounds.len() && lo == 0 => "alle størrelser".to_string(),
            (lo, hi) if hi >= bounds.len() => format!("{} boliger og derover", edge(lo)),
            (lo, hi) => format!("{}–{} boliger", edge(lo), bounds[hi] - 1),
        };
        let where_ = match self.region {
            Some(r) => crate::reference::region_navn(r).map(str::to_string).unwrap_or_else(|| format!("region {r}")),
            None => "hele landet".into(),
        };
        format!("{}, {size}, {where_}", self.boligtype.label())
    }

    fn contains(&self, t: Boligtype, b: usize, r: Regionskode) -> bool {
        self.boligtype == t && self.bands.0 <= b && b <= self.bands.1 && self.region.is_none_or(|x| x == r)
    }
}

fn efficiency(
    afdelinger: &[AfdelingInput],
    regler: &EffektivitetRegler,
) -> Result<Vec<Effektivitet>, effektivitet::EffektivitetError> {
    let bounds = &regler.stoerrelsesgraenser;
    let last_band = bounds.len();
    // Candidates: in operation, twelve-month accounts, homes, and some benchmarked cost.
    let members: Vec<(&AfdelingInput, Boligtype, usize, Vec<f64>)> = afdelinger
        .iter()
        .filter(|a| a.tolv_maaneder && !a.data.under_opfoerelse && a.data.boliger_i_alt() > 0)
        .filter_map(|a| {
            let homes = f64::from(a.data.boliger_i_alt());
            let costs: Vec<f64> =
                regler.konti.iter().map(|k| regler.beloeb(&a.konti, k).map(kr).unwrap_or(0.0) / homes).collect();
            costs
                .iter()
                .any(|c| *c > 0.0)
                .then(|| (a, a.data.hovedboligtype(), band(a.data.boliger_i_alt(), bounds), costs))
        })
        .collect();
    let min = regler.min_sammenligningsgruppe as usize;
    let count = |key: &GroupKey| members.iter().filter(|(a, t, b, _)| key.contains(*t, *b, a.region)).count();
    let mut cache: HashMap<GroupKey, usize> = HashMap::new();
    let mut size = |key: &GroupKey| *cache.entry(key.clone()).or_insert_with(|| count(key));

    // The widening steps (documented in data/regler/standard.toml).
    let mut assigned: BTreeMap<GroupKey, Vec<usize>> = BTreeMap::new();
    for (i, (a, t, b, _)) in members.iter().enumerate() {
        let regional = *t == Boligtype::Familie;
        let mut steps = Vec::new();
        if regional {
            steps.push(GroupKey { boligtype: *t, bands: (*b, *b), region: Some(a.region) });
            steps.push(GroupKey {
                boligtype: *t,
                bands: (b.saturating_sub(1), (*b + 1).min(last_band)),
                region: Some(a.region),
            });
            steps.push(GroupKey { boligtype: *t, bands: (0, last_band), region: Some(a.region) });
        }
        steps.push(GroupKey { boligtype: *t, bands: (*b, *b), region: None });
        steps.push(GroupKey { boligtype: *t, bands: (0, last_band), region: None });
        let chosen =
            steps.iter().find(|k| size(k) >= min).cloned().unwrap_or_else(|| steps.last().cloned().expect("steps"));
        assigned.entry(chosen).or_default().push(i);
    }

    let mut results = Vec::with_capacity(members.len());
    for (key, own) in assigned {
        let label = key.label(bounds);
        // Everyone in the group's definition is a peer; only the assigned get a result here.
        let in_group: Vec<usize> = members
            .iter()
            .enumerate()
            .filter(|(_, (a, t, b, _))| key.contains(*t, *b, a.region))
            .map(|(i, _)| i)
            .collect();
        let enheder: Vec<Enhed> = in_group
            .iter()
            .map(|i| Enhed {
                id: members[*i].0.id.0.to_string(),
                gruppe: label.clone(),
                omkostninger: members[*i].3.clone(),
            })
            .collect();
        let scored = effektivitet::beregn(&enheder, regler)?;
        for (pos, r) in in_group.iter().zip(scored) {
            if !own.contains(pos) {
                continue;
            }
            let a = members[*pos].0;
            let total: f64 = members[*pos].3.iter().sum();
            results.push(Effektivitet {
                afdeling: a.id,
                gruppe: label.clone(),
                peers: r.peers,
                effektivitetstal: r.effektivitetstal,
                bedste_praksis: AfdelingId(r.bedste_praksis.parse().unwrap_or(a.id.0)),
                potentiale_kr: (1.0 - r.effektivitet) * total * f64::from(a.data.boliger_i_alt()),
                farve: r.farve,
            });
        }
    }
    results.sort_by_key(|e| e.afdeling);
    Ok(results)
}

/// The average of efficiency figures weighted by homes [default]: (figure, homes) pairs of
/// any set of afdelinger (an organisation, a kommune, a region).
pub fn vaegtet_gennemsnit(items: impl IntoIterator<Item = (f64, u32)>) -> Option<f64> {
    let (sum, weight) =
        items.into_iter().fold((0.0, 0.0), |(s, w), (tal, homes)| (s + tal * f64::from(homes), w + f64::from(homes)));
    (weight > 0.0).then(|| sum / weight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AfdelingNummer, Kommunekode};
    use crate::master::Boliger;
    use crate::reference::Regler;

    fn afdeling(id: i64, homes: u32, region: i64, cost: f64, vacant: u32) -> AfdelingInput {
        let regler = Regler::standard();
        let mut konti = BTreeMap::new();
        for (i, k) in regler.effektivitet.konti.iter().enumerate() {
            konti.insert(k.clone(), ((cost + i as f64 * 10.0) * f64::from(homes) * 100.0) as i64);
        }
        konti.insert("120".into(), i64::from(homes) * 300_000);
        AfdelingInput {
            id: AfdelingId(id),
            organisation: OrganisationId(1),
            region: Regionskode::new(region).unwrap(),
            data: AfdelingData {
                nummer: AfdelingNummer::new(id).unwrap(),
                navn: format!("A{id}"),
                adresse: String::new(),
                kommune: Kommunekode::new(101).unwrap(),
                familie: Boliger { antal: homes, m2: homes * 80 },
                aeldre: Boliger::default(),
                ungdom: Boliger::default(),
                erhverv_m2: 0,
                institution_m2: 0,
                garager: 0,
                ibrugtagningsaar: 1970,
                under_opfoerelse: false,
                afdelingsbestyrelse: true,
            },
            konti,
            tolv_maaneder: true,
            boligtal: BTreeMap::from([(Boligtype::Familie, (homes / 10, vacant, 90_000))]),
            uden_for_promille: Some(250),
            kommune_uden_for_promille: Some(200),
        }
    }

    fn run(afdelinger: &[AfdelingInput], last: &[Benchmark]) -> Resultat {
        run_med(Katalog::shipped(), afdelinger, last)
    }

    fn run_med(katalog: Katalog, afdelinger: &[AfdelingInput], last: &[Benchmark]) -> Resultat {
        let regler = Regler::standard();
        let aar = Styringsaar::new(2026).unwrap();
        beregn(aar, katalog.for_aar(aar).unwrap(), &[], afdelinger, last, &regler.lejemaalsenhed, &regler.effektivitet)
            .unwrap()
    }

    #[test]
    fn the_shipped_catalogue_has_a_formula_for_every_figure() {
        let k = Katalog::shipped();
        let saet = k.for_aar(Styringsaar::new(2026).unwrap()).unwrap();
        assert_eq!(saet.noegletal.len(), FORMLER.len());
        assert!(Katalog::parse("[[saet]]\nfra_styringsaar = 2020\n[[saet.noegletal]]\nid = \"x\"\nnavn = \"x\"\nniveau = \"afdeling\"\nenhed = \"procent\"\nretning = \"hoej_er_kritisk\"\ngul_fraktil = 0.75\nroed_fraktil = 0.9\n").is_err());
    }

    #[test]
    fn fractiles_benchmarks_and_marks() {
        // 20 afdelinger; vacancy 0..19 homes of 100: median 9.5 %, red beyond the 90th fractile.
        let afdelinger: Vec<_> = (1..=20).map(|i| afdeling(i, 100, 1084, 1000.0, (i - 1) as u32)).collect();
        let r = run(&afdelinger, &[]);
        let b = r
            .benchmarks
            .iter()
            .find(|b| b.noegletal == "ledighedsprocent" && b.boligtype == Some(Boligtype::Familie))
            .unwrap();
        assert_eq!((b.median, b.antal, b.fra_aar), (9.5, 20, 2026));
        assert!((b.roed - 17.1).abs() < 1e-9 && (b.gul - 14.25).abs() < 1e-9, "{b:?}");
        let mark_of = |id: i64| {
            r.vaerdier.iter().find(|v| v.noegletal == "ledighedsprocent" && v.enhed_id == id).unwrap().markering
        };
        assert_eq!(mark_of(20), Some(Markering::Roed));
        assert_eq!(mark_of(16), Some(Markering::Gul));
        assert_eq!(mark_of(10), None);
        // No aeldre homes: no benchmark and no values for that type.
        assert!(!r.benchmarks.iter().any(|b| b.boligtype == Some(Boligtype::Aeldre)));
    }

    #[test]
    fn too_few_values_use_last_years_benchmark_labelled_with_its_year() {
        let afdelinger: Vec<_> = (1..=3).map(|i| afdeling(i, 100, 1084, 1000.0, 1)).collect();
        let last = Benchmark {
            noegletal: "ledighedsprocent".into(),
            boligtype: Some(Boligtype::Familie),
            pulje: Pulje::Alle,
            fra_aar: 2025,
            median: 0.5,
            gul: 0.8,
            roed: 1.5,
            antal: 7000,
        };
        let r = run(&afdelinger, std::slice::from_ref(&last));
        let b = r.benchmarks.iter().find(|b| b.noegletal == "ledighedsprocent").unwrap();
        assert_eq!(b, &last);
        // 1 % vacancy is beyond last year's yellow fractile (0.8 %), not its red (1.5 %).
        assert!(
            r.vaerdier
                .iter()
                .filter(|v| v.noegletal == "ledighedsprocent")
                .all(|v| v.markering == Some(Markering::Gul))
        );
    }

    #[test]
    fn small_groups_are_widened_until_they_have_enough_peers() {
        // 40 large afdelinger in Hovedstaden and 5 small ones in Nordjylland: the small ones
        // have too few peers in their band and region and are widened.
        let mut afdelinger: Vec<_> = (1..=40).map(|i| afdeling(i, 300, 1084, 900.0 + i as f64 * 10.0, 0)).collect();
        afdelinger.extend((41..=45).map(|i| afdeling(i, 20, 1081, 1500.0, 0)));
        let r = run(&afdelinger, &[]);
        assert_eq!(r.effektivitet.len(), 45);
        let big = r.effektivitet.iter().find(|e| e.afdeling == AfdelingId(10)).unwrap();
        assert_eq!(big.gruppe, "Familieboliger, 200–499 boliger, Region Hovedstaden");
        let small = r.effektivitet.iter().find(|e| e.afdeling == AfdelingId(41)).unwrap();
        assert_eq!(small.gruppe, "Familieboliger, alle størrelser, hele landet");
        assert!(small.peers >= 30);
        // The cheapest large afdeling is best practice for the expensive small one.
        assert!(small.effektivitetstal < 100.0);
        assert!(small.potentiale_kr > 0.0);
    }

    #[test]
    fn merging_117_121_and_122_changes_who_is_best_practice_on_the_sum() {
        // Afdeling 1 is cheaper than 2 on every account but 117: account by account it is no
        // best practice for 2; with 117.h (117 + 121 + 122) it is cheaper on every entry.
        let mut a1 = afdeling(1, 100, 1084, 900.0, 0);
        let mut a2 = afdeling(2, 100, 1084, 1000.0, 0);
        a1.konti.insert("117".into(), 50_000 * 100);
        a1.konti.insert("121".into(), 10_000 * 100);
        a2.konti.insert("117".into(), 40_000 * 100);
        a2.konti.insert("121".into(), 30_000 * 100);
        let regler = Regler::standard();
        let mut merged = regler.effektivitet.clone();
        merged.min_sammenligningsgruppe = 1;
        let separate = efficiency(&[a1.clone(), a2.clone()], &merged).unwrap();
        merged.konti = ["109", "110", "111", "112.1", "114", "115", "117.h"].map(String::from).to_vec();
        let together = efficiency(&[a1, a2], &merged).unwrap();
        let tal = |r: &[Effektivitet], id| r.iter().find(|e| e.afdeling == AfdelingId(id)).unwrap().effektivitetstal;
        assert_eq!(tal(&separate, 2), 100.0, "no peer is cheaper on every account");
        assert!(tal(&together, 2) < 100.0, "afdeling 1 is cheaper on every entry once merged");
    }

    #[test]
    fn labour_market_attachment_is_compared_with_the_afdelings_kommune() {
        // 20 afdelinger in a kommune at 20 %: 21..=40 % outside the labour market, so the
        // differences run 1..=20 points. Two more in a kommune at 45 % sit below their kommune.
        let mut afdelinger: Vec<_> = (1..=20)
            .map(|i| {
                let mut a = afdeling(i, 100, 1084, 1000.0, 0);
                a.uden_for_promille = Some(200 + 10 * i as u32);
                a
            })
            .collect();
        for i in 21..=22 {
            let mut a = afdeling(i, 100, 1084, 1000.0, 0);
            (a.uden_for_promille, a.kommune_uden_for_promille) = (Some(440), Some(450));
            afdelinger.push(a);
        }
        // No kommune level: the figure is not computed, as it cannot be compared.
        let mut unknown = afdeling(23, 100, 1084, 1000.0, 0);
        unknown.kommune_uden_for_promille = None;
        afdelinger.push(unknown);
        // The shipped catalogue shows the figure unmarked (docs/adr/0003); the comparison with
        // the kommune is checked with marks switched on.
        let shipped = run(&afdelinger, &[]);
        assert!(
            shipped
                .vaerdier
                .iter()
                .filter(|v| v.noegletal == "uden_for_arbejdsmarkedet")
                .all(|v| v.markering.is_none())
        );
        let mut katalog = Katalog::shipped();
        for d in katalog.saet.iter_mut().flat_map(|s| s.noegletal.iter_mut()) {
            d.markeres = true;
        }
        let r = run_med(katalog, &afdelinger, &[]);
        let value = |id: i64| r.vaerdier.iter().find(|v| v.noegletal == "uden_for_arbejdsmarkedet" && v.enhed_id == id);
        assert_eq!(value(20).map(|v| (v.vaerdi, v.sammenligning)), Some((40.0, Some(20.0))));
        assert_eq!(value(20).unwrap().markering, Some(Markering::Roed));
        assert_eq!(value(1).unwrap().markering, None);
        // 44 % is high nationally but below its own kommune's 45 %: not critical.
        assert_eq!(value(21).unwrap().markering, None);
        assert!(value(23).is_none());
        let b = r.benchmarks.iter().find(|b| b.noegletal == "uden_for_arbejdsmarkedet").unwrap();
        assert_eq!(b.antal, 22);
        assert!(b.median > 0.0 && b.median < 20.0, "the benchmark holds differences: {b:?}");
        // The catalogue refuses a kommune comparison for a figure without a kommune level.
        let text = Katalog::shipped_text().replacen(
            "id = \"leje_pr_m2\"",
            "id = \"leje_pr_m2\"\nsammenligning = \"kommune\"",
            1,
        );
        assert!(Katalog::parse(&text).unwrap_err().contains("kommuneniveau"));
    }

    /// Bilag 5 compares an administration organisation with administration organisations:
    /// each kind gets its own benchmark and is marked against it alone.
    #[test]
    fn organisation_figures_are_benchmarked_within_their_own_kind() {
        use crate::noegletal::OrganisationPost as P;
        let org = |id: i64, pulje: Pulje, bidrag_kr: i64| OrganisationInput {
            id: OrganisationId(id),
            pulje,
            regnskab: [(P::Administrationsbidrag, bidrag_kr * 100 * 1000)].into_iter().collect(),
            lejemaalsenheder: 1000.0,
        };
        // Boligorganisationer charge 4,000–4,190 kr. per lejemålsenhed; administration
        // organisations 6,000–6,190 kr. In one pool every administration organisation would be red.
        let mut orgs: Vec<_> = (0..20).map(|i| org(i, Pulje::Boligorganisationer, 4_000 + 10 * i)).collect();
        orgs.extend((0..20).map(|i| org(100 + i, Pulje::Administrationsorganisationer, 6_000 + 10 * i)));
        let regler = Regler::standard();
        let aar = Styringsaar::new(2026).unwrap();
        let saet = Katalog::shipped();
        let r = beregn(aar, saet.for_aar(aar).unwrap(), &orgs, &[], &[], &regler.lejemaalsenhed, &regler.effektivitet)
            .unwrap();
        let bench = |p| Benchmark::find(&r.benchmarks, "administrationsbidrag", None, p).unwrap();
        assert_eq!((bench(Pulje::Boligorganisationer).median, bench(Pulje::Boligorganisationer).antal), (4_095.0, 20));
        assert_eq!(bench(Pulje::Administrationsorganisationer).median, 6_095.0);
        assert!(Benchmark::find(&r.benchmarks, "administrationsbidrag", None, Pulje::Alle).is_none());
        let mark_of = |id: i64| {
            r.vaerdier.iter().find(|v| v.noegletal == "administrationsbidrag" && v.enhed_id == id).unwrap().markering
        };
        // The dearest of each kind is red within its kind; the cheapest administration
        // organisation, dearer than every boligorganisation, is not marked.
        assert_eq!(mark_of(19), Some(Markering::Roed));
        assert_eq!(mark_of(119), Some(Markering::Roed));
        assert_eq!(mark_of(100), None);
        // Too few of a kind this year: last year's benchmark of that kind, never the other's.
        let last = bench(Pulje::Administrationsorganisationer).clone();
        let few: Vec<_> = orgs.iter().filter(|o| o.id.0 < 105).cloned().collect();
        let r2 = beregn(
            aar,
            saet.for_aar(aar).unwrap(),
            &few,
            &[],
            std::slice::from_ref(&last),
            &regler.lejemaalsenhed,
            &regler.effektivitet,
        )
        .unwrap();
        assert_eq!(
            Benchmark::find(&r2.benchmarks, "administrationsbidrag", None, Pulje::Administrationsorganisationer),
            Some(&last)
        );
    }

    /// Every figure of the catalogue against numbers worked out by hand.
    #[test]
    fn every_key_figure_matches_a_hand_computed_case() {
        use crate::noegletal::OrganisationPost as P;
        let kr = |x: i64| x * 100;
        let organisation = OrganisationInput {
            id: OrganisationId(1),
            pulje: Pulje::Boligorganisationer,
            regnskab: [
                (P::Administrationsbidrag, kr(5_000_000)),
                (P::ByggesagshonorarNybyggeri, kr(300_000)),
                (P::AnskaffelsessumNybyggeri, kr(10_000_000)),
                (P::ByggesagshonorarRenovering, kr(200_000)),
                (P::AnskaffelsessumRenovering, kr(8_000_000)),
                (P::DispositionsfondDisponibel, kr(12_000_000)),
                (P::Arbejdskapital, kr(3_000_000)),
            ]
            .into_iter()
            .collect(),
            lejemaalsenheder: 1000.0,
        };
        // 100 family homes of 80 m²: 100 lejemålsenheder, 8,000 m².
        let mut a = afdeling(7, 100, 1084, 1000.0, 3);
        a.konti.insert("120".into(), kr(300_000));
        a.konti.insert(AfdelingKontoRaekke::OPSPAREDE_HENLAEGGELSER.into(), kr(1_200_000));
        a.boligtal = BTreeMap::from([(Boligtype::Familie, (12, 3, 90_000))]);
        a.uden_for_promille = Some(250);
        a.kommune_uden_for_promille = Some(200);
        let regler = Regler::standard();
        let katalog = Katalog::shipped();
        let aar = Styringsaar::new(2026).unwrap();
        let r = beregn(
            aar,
            katalog.for_aar(aar).unwrap(),
            &[organisation],
            &[a],
            &[],
            &regler.lejemaalsenhed,
            &regler.effektivitet,
        )
        .unwrap();
        let value = |id: &str| {
            let v = r.vaerdier.iter().find(|v| v.noegletal == id).unwrap_or_else(|| panic!("{id} computed"));
            (v.vaerdi, v.sammenligning)
        };
        let expected: [(&str, f64); 13] = [
            ("administrationsbidrag", 5_000.0),     // 5,000,000 kr. / 1,000 lejemålsenheder
            ("byggesagshonorar_nybyggeri", 3.0),    // 300,000 / 10,000,000
            ("byggesagshonorar_renovering", 2.5),   // 200,000 / 8,000,000
            ("dispositionsfond", 12_000.0),         // 12,000,000 / 1,000
            ("arbejdskapital", 3_000.0),            // 3,000,000 / 1,000
            ("henlaeggelser_pr_lejemaal", 3_000.0), // 300,000 / 100
            ("henlaeggelser_pr_m2", 37.5),          // 300,000 / 8,000 m²
            ("opsparede_henlaeggelser_pr_lejemaal", 12_000.0), // 1,200,000 / 100
            ("opsparede_henlaeggelser_pr_m2", 150.0), // 1,200,000 / 8,000 m²
            ("fraflytningsprocent", 12.0),          // 12 move-outs of 100 homes
            ("ledighedsprocent", 3.0),              // 3 empty of 100 homes
            ("leje_pr_m2", 900.0),                  // 90,000 øre
            ("uden_for_arbejdsmarkedet", 25.0),     // 250 ‰
        ];
        for (id, want) in expected {
            let (got, _) = value(id);
            assert!((got - want).abs() < 1e-9, "{id}: {got} != {want}");
        }
        assert_eq!(value("uden_for_arbejdsmarkedet").1, Some(20.0), "compared with the kommune's 20 %");
        assert_eq!(r.vaerdier.len(), 13, "one value per figure (family homes only)");
    }

    /// A value exactly at a fractile is not beyond it; the next one is. Both directions.
    #[test]
    fn marks_at_the_fractile_edges() {
        // Vacancy 0..=20 of 100 homes: the 75th fractile is exactly 15 %, the 90th 18 %.
        let afdelinger: Vec<_> = (1..=21).map(|i| afdeling(i, 100, 1084, 1000.0, (i - 1) as u32)).collect();
        let r = run(&afdelinger, &[]);
        let b = r.benchmarks.iter().find(|b| b.noegletal == "ledighedsprocent").unwrap();
        assert_eq!((b.gul, b.roed), (15.0, 18.0));
        let mark_of = |vacant: i64| {
            r.vaerdier.iter().find(|v| v.noegletal == "ledighedsprocent" && v.enhed_id == vacant + 1).unwrap().markering
        };
        assert_eq!(mark_of(15), None, "at the yellow fractile");
        assert_eq!(mark_of(16), Some(Markering::Gul));
        assert_eq!(mark_of(18), Some(Markering::Gul), "at the red fractile");
        assert_eq!(mark_of(19), Some(Markering::Roed));
        // Low is critical: saved maintenance per m² with 21 values 100, 110, …, 300.
        let def = Katalog::shipped()
            .for_aar(Styringsaar::new(2026).unwrap())
            .unwrap()
            .noegletal
            .iter()
            .find(|d| d.id == "opsparede_henlaeggelser_pr_m2")
            .unwrap()
            .clone();
        assert_eq!(def.retning, Retning::LavErKritisk);
        let values: Vec<f64> = (0..21).map(|i| 100.0 + 10.0 * f64::from(i)).collect();
        let b = Benchmark {
            noegletal: def.id.clone(),
            boligtype: None,
            pulje: Pulje::Alle,
            fra_aar: 2026,
            median: fractile(&values, 0.5),
            gul: fractile(&values, def.gul_fraktil),
            roed: fractile(&values, def.roed_fraktil),
            antal: values.len(),
        };
        assert_eq!(mark(&def, &b, b.gul), None, "at the yellow fractile");
        assert_eq!(mark(&def, &b, b.gul - 0.01), Some(Markering::Gul));
        assert_eq!(mark(&def, &b, b.roed), Some(Markering::Gul), "at the red fractile");
        assert_eq!(mark(&def, &b, b.roed - 0.01), Some(Markering::Roed));
    }

    #[test]
    fn weighted_average_weighs_by_homes() {
        assert_eq!(vaegtet_gennemsnit([(100.0, 300), (50.0, 100)]), Some(87.5));
        assert_eq!(vaegtet_gennemsnit(std::iter::empty()), None);
    }
}
