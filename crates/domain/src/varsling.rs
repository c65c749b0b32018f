//! Early warning across years (tidlig varsling): the sector-wide watch on key figures the
//! ministry has strengthened since 2021. From a few years of computed figures, efficiency
//! figures, part B answers and package deadlines, it finds the organisations and afdelinger
//! whose kommune should look at them, each with the signal it meets and the numbers per year.
//!
//! The signals and their limits are data (`[saet.varsling]` in `data/regler/standard.toml`,
//! versioned per styringsår); this module only applies them. Pure: the caller reads the
//! history and today's date.

use crate::Styringsaar;
use crate::beregning::{Katalog, Markering, Niveau};
use crate::effektivitet::Farve;
use crate::master::{AfdelingId, Boligtype, OrganisationId};
use crate::tal::dansk;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The limits of the warning signals. A signal is switched off by a zero count (or an empty
/// list of figures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VarslingRegler {
    /// The same key figure critical (yellow or red) in at least this many …
    pub kritisk_antal_aar: u32,
    /// … of the last this many styringsår.
    pub kritisk_ud_af_aar: u32,
    /// The efficiency figure red this many styringsår in a row.
    pub effektivitet_roed_aar_i_traek: u32,
    /// The efficiency figure falling by more than this many points from one year to the next
    /// (0 switches the signal off).
    pub effektivitet_fald_point: f64,
    /// Afdeling figures that together, all critical in the same year, make a signal.
    pub samtidigt_kritiske: Vec<String>,
    /// The savings figure, and the mark at or beyond which it counts as low …
    pub opsparing_noegletal: String,
    pub opsparing_markering: Markering,
    /// … together with these answers to this part B question.
    pub vedligeholdelse_spoergsmaal: String,
    pub vedligeholdelse_utilstraekkelig: Vec<String>,
    /// The package missing or submitted late this many styringsår in a row.
    pub pakke_mangler_aar_i_traek: u32,
}

impl Default for VarslingRegler {
    fn default() -> Self {
        Self {
            kritisk_antal_aar: 3,
            kritisk_ud_af_aar: 4,
            effektivitet_roed_aar_i_traek: 2,
            effektivitet_fald_point: 10.0,
            samtidigt_kritiske: vec!["ledighedsprocent".into(), "fraflytningsprocent".into()],
            opsparing_noegletal: "opsparede_henlaeggelser_pr_lejemaal".into(),
            opsparing_markering: Markering::Roed,
            vedligeholdelse_spoergsmaal: "b4.B.vedligeholdelse".into(),
            vedligeholdelse_utilstraekkelig: vec!["Mindre tilfredsstillende".into(), "Ikke tilfredsstillende".into()],
            pakke_mangler_aar_i_traek: 2,
        }
    }
}

impl VarslingRegler {
    /// Refuses limits that cannot be met or read.
    pub fn check(&self) -> Result<(), String> {
        if self.kritisk_antal_aar > self.kritisk_ud_af_aar {
            return Err("varsling: kritisk_antal_aar er større end kritisk_ud_af_aar".into());
        }
        if self.kritisk_ud_af_aar > 10 || self.effektivitet_roed_aar_i_traek > 10 || self.pakke_mangler_aar_i_traek > 10
        {
            return Err("varsling: et vindue på mere end 10 år".into());
        }
        if !(self.effektivitet_fald_point >= 0.0 && self.effektivitet_fald_point <= 100.0) {
            return Err("varsling: effektivitet_fald_point skal ligge mellem 0 og 100".into());
        }
        Ok(())
    }

    /// How many styringsår back (the evaluated year included) the signals look.
    pub fn vindue(&self) -> u32 {
        let fald = u32::from(self.effektivitet_fald_point > 0.0) * 2;
        [self.kritisk_ud_af_aar, self.effektivitet_roed_aar_i_traek, fald, self.pakke_mangler_aar_i_traek + 1, 1]
            .into_iter()
            .max()
            .unwrap_or(1)
    }
}

/// The kinds of warning signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// The same key figure critical in K of the last M years.
    GentagetKritisk,
    /// The efficiency figure red N years in a row.
    EffektivitetRoed,
    /// The efficiency figure fell by more than the limit.
    EffektivitetFald,
    /// Vacancy and move-outs both critical in one afdeling.
    LedighedOgFraflytning,
    /// Low savings with maintenance assessed as inadequate.
    LavOpsparing,
    /// The package missing or late N years in a row.
    PakkeMangler,
}

impl Signal {
    pub const ALL: [Signal; 6] = [
        Signal::GentagetKritisk,
        Signal::EffektivitetRoed,
        Signal::EffektivitetFald,
        Signal::LedighedOgFraflytning,
        Signal::LavOpsparing,
        Signal::PakkeMangler,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Signal::GentagetKritisk => "gentaget_kritisk",
            Signal::EffektivitetRoed => "effektivitet_roed",
            Signal::EffektivitetFald => "effektivitet_fald",
            Signal::LedighedOgFraflytning => "ledighed_og_fraflytning",
            Signal::LavOpsparing => "lav_opsparing",
            Signal::PakkeMangler => "pakke_mangler",
        }
    }

    pub fn parse(s: &str) -> Option<Signal> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// A short name for lists and filters.
    pub fn label(self) -> &'static str {
        match self {
            Signal::GentagetKritisk => "Gentaget kritisk nøgletal",
            Signal::EffektivitetRoed => "Rødt effektivitetstal flere år i træk",
            Signal::EffektivitetFald => "Faldende effektivitetstal",
            Signal::LedighedOgFraflytning => "Både ledighed og fraflytning kritiske",
            Signal::LavOpsparing => "Lav opsparing og utilstrækkelig vedligeholdelse",
            Signal::PakkeMangler => "Dokumentationspakken mangler eller kom for sent",
        }
    }
}

/// One computed figure of one year.
#[derive(Debug, Clone, PartialEq)]
pub struct Maaling {
    pub aar: Styringsaar,
    pub niveau: Niveau,
    /// The organisation's or afdeling's id, by `niveau`.
    pub enhed_id: i64,
    pub organisation: OrganisationId,
    pub noegletal: String,
    pub boligtype: Option<Boligtype>,
    pub vaerdi: f64,
    pub markering: Option<Markering>,
}

/// One afdeling's efficiency figure of one year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EffektivitetsMaaling {
    pub aar: Styringsaar,
    pub afdeling: AfdelingId,
    pub organisation: OrganisationId,
    pub tal: f64,
    pub farve: Farve,
}

/// One organisation's package of one year, as far as its deadline goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indsendelse {
    pub organisation: OrganisationId,
    pub aar: Styringsaar,
    pub frist: Option<NaiveDate>,
    pub foerst_indsendt: Option<NaiveDate>,
    pub for_sent: bool,
}

/// Everything the signals are computed from, for the organisations in scope.
#[derive(Debug, Clone, Default)]
pub struct Grundlag {
    /// Every computed figure of the window's years.
    pub maalinger: Vec<Maaling>,
    pub effektivitet: Vec<EffektivitetsMaaling>,
    /// The part B answer of the evaluated year's newest submitted version, per afdeling.
    pub vedligeholdelse: BTreeMap<AfdelingId, String>,
    /// The packages of the window's years.
    pub indsendelser: Vec<Indsendelse>,
    /// The organisations expected to report (a year without their package counts as missing
    /// once the system held packages that year and the year is over).
    pub organisationer: Vec<OrganisationId>,
    /// The years in which the system held any package at all.
    pub aar_med_pakker: BTreeSet<Styringsaar>,
}

/// A number of one year behind a signal, as shown beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VarselTal {
    pub aar: Styringsaar,
    /// What was measured: a key figure's name, "Effektivitetstal", "Dokumentationspakke" or
    /// the part B question.
    pub hvad: String,
    /// The number, where there is one.
    pub vaerdi: Option<f64>,
    /// The number with its unit, or the state ("mangler", "for sent", an answer).
    pub vist: String,
    /// The assessment: "Rød", "Gul", "Ikke kritisk", "Ingen værdi", …
    pub vurdering: String,
    /// Whether this year counts towards the signal.
    pub taeller: bool,
    /// The unit of `vaerdi` ("%", "kr. pr. lejemål", …; empty without a number).
    pub enhed: String,
    /// The housing type of a key figure benchmarked per type.
    pub boligtype: Option<Boligtype>,
    /// The national median of the key figure that year (filled in by the caller, which holds
    /// the benchmarks), for charts against the country.
    pub median: Option<f64>,
}

/// One warning: a signal met by an organisation, or by one of its afdelinger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Varsel {
    pub signal: Signal,
    pub organisation: OrganisationId,
    pub afdeling: Option<AfdelingId>,
    /// The key figure, for a repeated critical figure.
    pub noegletal: Option<String>,
    /// The signal in plain Danish.
    pub forklaring: String,
    pub tal: Vec<VarselTal>,
}

/// The state of a package in a year, for the missing-package signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PakkeUdfald {
    Rettidig,
    ForSent,
    Mangler,
    /// The deadline has not passed (or the system held no packages that year).
    Ukendt,
}

fn aarraekke(til: Styringsaar, antal: u32) -> Vec<Styringsaar> {
    (0..antal as i32).rev().filter_map(|i| Styringsaar::new(i64::from(til.get() - i)).ok()).collect()
}

fn aar_tekst(aar: &[Styringsaar]) -> String {
    let navne: Vec<String> = aar.iter().map(|a| a.to_string()).collect();
    match navne.as_slice() {
        [] => String::new(),
        [en] => en.clone(),
        [foer @ .., sidste] => format!("{} og {sidste}", foer.join(", ")),
    }
}

/// The warning signals met in styringsår `aar`, given the history, the rules, the key-figure
/// catalogue (for names and units) and today's date (for deadlines).
pub fn vurder(
    grundlag: &Grundlag,
    regler: &VarslingRegler,
    katalog: &Katalog,
    aar: Styringsaar,
    idag: NaiveDate,
) -> Vec<Varsel> {
    let mut ud = Vec::new();
    let navn = |id: &str| katalog.navn(id).unwrap_or(id).to_string();
    let vis = |id: &str, v: f64| match katalog.definition(id) {
        Some(d) => d.enhed.vis(v),
        None => dansk(v, 2),
    };

    // Per (level, unit, figure): the year's values (every housing type), worst mark first.
    let mut serier: Serier = BTreeMap::new();
    for m in &grundlag.maalinger {
        let post =
            serier.entry((m.niveau, m.enhed_id, m.noegletal.as_str())).or_insert((m.organisation, BTreeMap::new()));
        post.1.entry(m.aar).or_default().push(m);
    }
    let vaerste = |maal: &[&Maaling]| maal.iter().filter_map(|m| m.markering).max();
    let tal_for = |id: &str, aar: Styringsaar, maal: Option<&Vec<&Maaling>>, taeller: bool| -> VarselTal {
        let maal = maal.map(Vec::as_slice).unwrap_or_default();
        // The shown value is the worst-marked one (housing types are benchmarked apart).
        let vist = maal.iter().max_by_key(|m| m.markering).copied();
        VarselTal {
            aar,
            hvad: navn(id),
            vaerdi: vist.map(|m| m.vaerdi),
            vist: vist.map(|m| vis(id, m.vaerdi)).unwrap_or_else(|| "–".into()),
            vurdering: match (vist, vaerste(maal)) {
                (None, _) => "Ingen værdi".into(),
                (Some(_), Some(mark)) => mark.label().into(),
                (Some(_), None) => "Ikke kritisk".into(),
            },
            taeller,
            enhed: katalog.definition(id).map(|d| d.enhed.label().to_string()).unwrap_or_default(),
            boligtype: vist.and_then(|m| m.boligtype),
            median: None,
        }
    };
    let afdeling_af = |niveau: Niveau, id: i64| (niveau == Niveau::Afdeling).then_some(AfdelingId(id));

    // 1. The same figure critical in K of the last M years; a year without a value is a year
    // without a mark.
    if regler.kritisk_antal_aar > 0 {
        let vindue = aarraekke(aar, regler.kritisk_ud_af_aar);
        for ((niveau, enhed, id), (org, aarene)) in &serier {
            let kritiske: Vec<Styringsaar> =
                vindue.iter().copied().filter(|a| aarene.get(a).is_some_and(|m| vaerste(m).is_some())).collect();
            if kritiske.len() as u32 >= regler.kritisk_antal_aar {
                ud.push(Varsel {
                    signal: Signal::GentagetKritisk,
                    organisation: *org,
                    afdeling: afdeling_af(*niveau, *enhed),
                    noegletal: Some(id.to_string()),
                    forklaring: format!(
                        "«{}» har været kritisk i {} af de seneste {} styringsår ({}). Et tal, der bliver ved med at ligge højt eller lavt i forhold til landet, peger på et varigt problem frem for et enkelt dårligt år.",
                        navn(id),
                        kritiske.len(),
                        vindue.len(),
                        aar_tekst(&kritiske)
                    ),
                    tal: vindue.iter().map(|a| tal_for(id, *a, aarene.get(a), kritiske.contains(a))).collect(),
                });
            }
        }
    }

    // 2. Efficiency: red N years in a row, or a fall of more than the limit.
    let mut eff: BTreeMap<AfdelingId, (OrganisationId, BTreeMap<Styringsaar, &EffektivitetsMaaling>)> = BTreeMap::new();
    for e in &grundlag.effektivitet {
        eff.entry(e.afdeling).or_insert((e.organisation, BTreeMap::new())).1.insert(e.aar, e);
    }
    let eff_tal = |a: Styringsaar, e: Option<&&EffektivitetsMaaling>, taeller: bool| VarselTal {
        aar: a,
        hvad: "Effektivitetstal".into(),
        vaerdi: e.map(|e| e.tal),
        vist: e.map(|e| dansk(e.tal, 1)).unwrap_or_else(|| "–".into()),
        vurdering: e.map(|e| e.farve.label().to_string()).unwrap_or_else(|| "Ingen værdi".into()),
        taeller,
        enhed: "point".into(),
        boligtype: None,
        median: None,
    };
    for (afdeling, (org, aarene)) in &eff {
        if regler.effektivitet_roed_aar_i_traek > 0 {
            let vindue = aarraekke(aar, regler.effektivitet_roed_aar_i_traek);
            if vindue.iter().all(|a| aarene.get(a).is_some_and(|e| e.farve == Farve::Roed)) {
                ud.push(Varsel {
                    signal: Signal::EffektivitetRoed,
                    organisation: *org,
                    afdeling: Some(*afdeling),
                    noegletal: None,
                    forklaring: format!(
                        "Effektivitetstallet har været rødt {} styringsår i træk ({}): afdelingens driftsudgifter ligger vedvarende over de mest effektive sammenlignelige afdelingers.",
                        vindue.len(),
                        aar_tekst(&vindue)
                    ),
                    tal: vindue.iter().map(|a| eff_tal(*a, aarene.get(a), true)).collect(),
                });
            }
        }
        if regler.effektivitet_fald_point > 0.0 {
            let forrige = aar.previous();
            if let (Some(foer), Some(nu)) = (aarene.get(&forrige), aarene.get(&aar)) {
                let fald = foer.tal - nu.tal;
                // "More than" the limit: a fall of exactly the limit is no signal.
                if fald > regler.effektivitet_fald_point + 1e-9 {
                    ud.push(Varsel {
                        signal: Signal::EffektivitetFald,
                        organisation: *org,
                        afdeling: Some(*afdeling),
                        noegletal: None,
                        forklaring: format!(
                            "Effektivitetstallet er faldet {} point fra {forrige} til {aar} (grænsen er {} point): afdelingens udgifter er steget mere end de sammenlignelige afdelingers.",
                            dansk(fald, 1),
                            dansk(regler.effektivitet_fald_point, 0)
                        ),
                        tal: [forrige, aar].iter().map(|a| eff_tal(*a, aarene.get(a), true)).collect(),
                    });
                }
            }
        }
    }

    // 3. Figures critical together in one afdeling in the year (vacancy and move-outs).
    if !regler.samtidigt_kritiske.is_empty() {
        let mut afdelinger: BTreeSet<(i64, OrganisationId)> = BTreeSet::new();
        for ((niveau, enhed, _), (org, _)) in &serier {
            if *niveau == Niveau::Afdeling {
                afdelinger.insert((*enhed, *org));
            }
        }
        for (enhed, org) in afdelinger {
            // The afdeling's figures of the year, looked up by name.
            let figurer: BTreeMap<&str, &Vec<&Maaling>> = serier
                .range((Niveau::Afdeling, enhed, "")..)
                .take_while(|((n, e, _), _)| *n == Niveau::Afdeling && *e == enhed)
                .filter_map(|((_, _, id), (_, a))| a.get(&aar).map(|m| (*id, m)))
                .collect();
            let aarets = |id: &String| figurer.get(id.as_str()).copied();
            if regler.samtidigt_kritiske.iter().all(|id| aarets(id).is_some_and(|m| vaerste(m).is_some())) {
                let navne: Vec<String> = regler.samtidigt_kritiske.iter().map(|id| navn(id)).collect();
                ud.push(Varsel {
                    signal: Signal::LedighedOgFraflytning,
                    organisation: org,
                    afdeling: Some(AfdelingId(enhed)),
                    noegletal: None,
                    forklaring: format!(
                        "{} er kritiske i samme år ({aar}). Tomme boliger og mange fraflytninger på én gang tyder på, at afdelingen har svært ved at holde på og tiltrække beboere.",
                        aar_tekst_navne(&navne)
                    ),
                    tal: regler.samtidigt_kritiske.iter().map(|id| tal_for(id, aar, aarets(id), true)).collect(),
                });
            }
        }
    }

    // 4. Low savings (at or beyond the mark) with maintenance assessed as inadequate in part B.
    if !regler.opsparing_noegletal.is_empty() {
        let id = regler.opsparing_noegletal.as_str();
        for ((niveau, enhed, fig), (org, aarene)) in &serier {
            if *niveau != Niveau::Afdeling || *fig != id {
                continue;
            }
            let Some(maal) = aarene.get(&aar) else { continue };
            if vaerste(maal).is_none_or(|m| m < regler.opsparing_markering) {
                continue;
            }
            let Some(svar) = grundlag.vedligeholdelse.get(&AfdelingId(*enhed)) else { continue };
            if !regler.vedligeholdelse_utilstraekkelig.iter().any(|u| u == svar) {
                continue;
            }
            ud.push(Varsel {
                signal: Signal::LavOpsparing,
                organisation: *org,
                afdeling: Some(AfdelingId(*enhed)),
                noegletal: Some(id.to_string()),
                forklaring: format!(
                    "«{}» er blandt landets laveste ({} i {aar}), og organisationen vurderer selv vedligeholdelsestilstanden som «{}» i oplysningsskemaets del B. Afdelingen kan mangle midler til det vedligehold, den har brug for.",
                    navn(id),
                    regler.opsparing_markering.label().to_lowercase(),
                    svar.to_lowercase()
                ),
                tal: vec![
                    tal_for(id, aar, Some(maal), true),
                    VarselTal {
                        aar,
                        hvad: "Vedligeholdelsestilstand (del B)".into(),
                        vaerdi: None,
                        vist: svar.clone(),
                        vurdering: "Utilstrækkelig".into(),
                        taeller: true,
                        enhed: String::new(),
                        boligtype: None,
                        median: None,
                    },
                ],
            });
        }
    }

    // 5. The package missing or late N years in a row. A year whose deadline has not passed
    // (and whose package is not in) is not counted: the window then ends the year before.
    if regler.pakke_mangler_aar_i_traek > 0 {
        let mut pakker: BTreeMap<(OrganisationId, Styringsaar), &Indsendelse> = BTreeMap::new();
        for p in &grundlag.indsendelser {
            pakker.insert((p.organisation, p.aar), p);
        }
        let udfald = |org: OrganisationId, a: Styringsaar| match pakker.get(&(org, a)) {
            Some(p) => match (p.foerst_indsendt, p.frist) {
                (Some(_), _) if p.for_sent => PakkeUdfald::ForSent,
                (Some(_), _) => PakkeUdfald::Rettidig,
                (None, Some(frist)) if frist < idag => PakkeUdfald::Mangler,
                (None, _) => PakkeUdfald::Ukendt,
            },
            None if grundlag.aar_med_pakker.contains(&a) && a < aar => PakkeUdfald::Mangler,
            None => PakkeUdfald::Ukendt,
        };
        for org in &grundlag.organisationer {
            let slut = if udfald(*org, aar) == PakkeUdfald::Ukendt { aar.previous() } else { aar };
            let vindue = aarraekke(slut, regler.pakke_mangler_aar_i_traek);
            let udfaldene: Vec<PakkeUdfald> = vindue.iter().map(|a| udfald(*org, *a)).collect();
            if !udfaldene.is_empty()
                && udfaldene.len() == regler.pakke_mangler_aar_i_traek as usize
                && udfaldene.iter().all(|u| matches!(u, PakkeUdfald::ForSent | PakkeUdfald::Mangler))
            {
                ud.push(Varsel {
                    signal: Signal::PakkeMangler,
                    organisation: *org,
                    afdeling: None,
                    noegletal: None,
                    forklaring: format!(
                        "Dokumentationspakken er kommet for sent eller mangler {} styringsår i træk ({}). Kommunen skal føre dialogen hvert år, også uden pakken.",
                        vindue.len(),
                        aar_tekst(&vindue)
                    ),
                    tal: vindue
                        .iter()
                        .zip(&udfaldene)
                        .map(|(a, u)| {
                            let p = pakker.get(&(*org, *a));
                            VarselTal {
                                aar: *a,
                                hvad: "Dokumentationspakke".into(),
                                vaerdi: None,
                                vist: match (u, p.and_then(|p| p.foerst_indsendt), p.and_then(|p| p.frist)) {
                                    (PakkeUdfald::ForSent, Some(d), Some(f)) => {
                                        format!("indsendt {}, frist {}", d.format("%d.%m.%Y"), f.format("%d.%m.%Y"))
                                    }
                                    (PakkeUdfald::ForSent, Some(d), None) => format!("indsendt {}", d.format("%d.%m.%Y")),
                                    (_, _, Some(f)) => format!("ikke indsendt, frist {}", f.format("%d.%m.%Y")),
                                    _ => "ikke indsendt".into(),
                                },
                                vurdering: if *u == PakkeUdfald::ForSent { "For sent" } else { "Mangler" }.into(),
                                taeller: true,
                                enhed: String::new(),
                                boligtype: None,
                                median: None,
                            }
                        })
                        .collect(),
                });
            }
        }
    }

    ud.sort_by(|a, b| {
        (a.organisation, a.afdeling, a.signal, &a.noegletal).cmp(&(b.organisation, b.afdeling, b.signal, &b.noegletal))
    });
    ud
}

type Serier<'a> = BTreeMap<(Niveau, i64, &'a str), (OrganisationId, BTreeMap<Styringsaar, Vec<&'a Maaling>>)>;

fn aar_tekst_navne(navne: &[String]) -> String {
    match navne {
        [] => String::new(),
        [en] => en.clone(),
        [foer @ .., sidste] => format!("{} og {}", foer.join(", "), sidste.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aar(a: i32) -> Styringsaar {
        Styringsaar::new(i64::from(a)).unwrap()
    }

    fn dag(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const ORG: OrganisationId = OrganisationId(1);

    fn maaling(a: i32, afdeling: i64, id: &str, vaerdi: f64, markering: Option<Markering>) -> Maaling {
        Maaling {
            aar: aar(a),
            niveau: Niveau::Afdeling,
            enhed_id: afdeling,
            organisation: ORG,
            noegletal: id.into(),
            boligtype: Some(Boligtype::Familie),
            vaerdi,
            markering,
        }
    }

    fn vurder_2026(g: &Grundlag) -> Vec<Varsel> {
        vurder(g, &VarslingRegler::default(), &Katalog::shipped(), aar(2026), dag("2026-11-30"))
    }

    fn signaler(v: &[Varsel]) -> Vec<Signal> {
        v.iter().map(|v| v.signal).collect()
    }

    const GUL: Option<Markering> = Some(Markering::Gul);
    const ROED: Option<Markering> = Some(Markering::Roed);

    #[test]
    fn a_figure_critical_in_exactly_three_of_four_years_is_a_signal_two_is_not() {
        let mut g = Grundlag::default();
        for (a, m) in [(2023, GUL), (2024, None), (2025, ROED), (2026, GUL)] {
            g.maalinger.push(maaling(a, 7, "ledighedsprocent", 3.0, m));
        }
        let v = vurder_2026(&g);
        assert_eq!(signaler(&v), [Signal::GentagetKritisk]);
        assert_eq!(v[0].afdeling, Some(AfdelingId(7)));
        assert_eq!(v[0].tal.len(), 4);
        assert_eq!(v[0].tal.iter().filter(|t| t.taeller).count(), 3);
        assert_eq!(v[0].tal[1].vurdering, "Ikke kritisk");
        assert!(v[0].forklaring.contains("3 af de seneste 4 styringsår (2023, 2025 og 2026)"), "{}", v[0].forklaring);

        g.maalinger[3].markering = None;
        assert!(vurder_2026(&g).is_empty());
    }

    #[test]
    fn a_missing_year_counts_as_not_critical_and_the_window_is_calendar_years() {
        let mut g = Grundlag::default();
        // 2024 has no value at all; 2022 lies outside the window of 2023–2026.
        for (a, m) in [(2022, ROED), (2023, ROED), (2025, ROED), (2026, GUL)] {
            g.maalinger.push(maaling(a, 7, "fraflytningsprocent", 12.0, m));
        }
        let v = vurder_2026(&g);
        assert_eq!(signaler(&v), [Signal::GentagetKritisk]);
        assert_eq!(v[0].tal[1].vurdering, "Ingen værdi");
        g.maalinger.retain(|m| m.aar != aar(2023));
        assert!(vurder_2026(&g).is_empty(), "2 of the window's 4 years");
    }

    #[test]
    fn efficiency_red_two_years_in_a_row_and_a_fall_of_more_than_ten_points() {
        let e = |a: i32, tal: f64, farve| EffektivitetsMaaling {
            aar: aar(a),
            afdeling: AfdelingId(9),
            organisation: ORG,
            tal,
            farve,
        };
        let mut g = Grundlag {
            effektivitet: vec![e(2025, 65.0, Farve::Roed), e(2026, 64.0, Farve::Roed)],
            ..Default::default()
        };
        assert_eq!(signaler(&vurder_2026(&g)), [Signal::EffektivitetRoed]);

        // A fall of exactly 10 points is no signal; 10.1 is.
        g.effektivitet = vec![e(2025, 90.0, Farve::Groen), e(2026, 80.0, Farve::Gul)];
        assert!(vurder_2026(&g).is_empty());
        g.effektivitet = vec![e(2025, 90.0, Farve::Groen), e(2026, 79.9, Farve::Gul)];
        let v = vurder_2026(&g);
        assert_eq!(signaler(&v), [Signal::EffektivitetFald]);
        assert!(v[0].forklaring.contains("10,1 point fra 2025 til 2026"), "{}", v[0].forklaring);

        // A missing previous year: neither signal.
        g.effektivitet = vec![e(2026, 50.0, Farve::Roed)];
        assert!(vurder_2026(&g).is_empty());
    }

    #[test]
    fn vacancy_and_move_outs_both_critical_in_the_same_year() {
        let mut g = Grundlag::default();
        g.maalinger.push(maaling(2026, 3, "ledighedsprocent", 4.0, GUL));
        g.maalinger.push(maaling(2026, 3, "fraflytningsprocent", 20.0, None));
        assert!(vurder_2026(&g).is_empty());
        g.maalinger[1].markering = ROED;
        let v = vurder_2026(&g);
        assert_eq!(signaler(&v), [Signal::LedighedOgFraflytning]);
        assert_eq!(v[0].tal.len(), 2);
        // Critical in different years is not together.
        g.maalinger[1].aar = aar(2025);
        assert!(vurder_2026(&g).is_empty());
    }

    #[test]
    fn low_savings_count_only_with_maintenance_assessed_as_inadequate() {
        let mut g = Grundlag::default();
        g.maalinger.push(maaling(2026, 5, "opsparede_henlaeggelser_pr_lejemaal", 800.0, ROED));
        assert!(vurder_2026(&g).is_empty(), "no answer");
        g.vedligeholdelse.insert(AfdelingId(5), "Tilfredsstillende".into());
        assert!(vurder_2026(&g).is_empty());
        g.vedligeholdelse.insert(AfdelingId(5), "Ikke tilfredsstillende".into());
        assert_eq!(signaler(&vurder_2026(&g)), [Signal::LavOpsparing]);
        // Yellow (below the 25 % fractile, not the 10 %) is not low enough.
        g.maalinger[0].markering = GUL;
        assert!(vurder_2026(&g).is_empty());
    }

    #[test]
    fn a_package_missing_or_late_two_years_in_a_row() {
        let p = |a: i32, frist: &str, indsendt: Option<&str>, for_sent| Indsendelse {
            organisation: ORG,
            aar: aar(a),
            frist: Some(dag(frist)),
            foerst_indsendt: indsendt.map(dag),
            for_sent,
        };
        let mut g = Grundlag {
            organisationer: vec![ORG],
            aar_med_pakker: [aar(2024), aar(2025), aar(2026)].into(),
            indsendelser: vec![p(2025, "2025-06-30", Some("2025-07-15"), true), p(2026, "2026-06-30", None, false)],
            ..Default::default()
        };
        let v = vurder_2026(&g);
        assert_eq!(signaler(&v), [Signal::PakkeMangler]);
        assert_eq!(v[0].tal[0].vurdering, "For sent");
        assert_eq!(v[0].tal[1].vurdering, "Mangler");

        // This year's deadline not passed yet: the window is 2024–2025, and 2024 has no package
        // while the system held packages that year, so it is missing.
        g.indsendelser[1].frist = Some(dag("2026-12-31"));
        let v = vurder_2026(&g);
        assert_eq!(signaler(&v), [Signal::PakkeMangler]);
        assert_eq!(v[0].tal[0].aar, aar(2024));
        // … but a year before the system held packages is unknown, not missing.
        g.aar_med_pakker.remove(&aar(2024));
        assert!(vurder_2026(&g).is_empty());

        // On time last year: no signal.
        g.indsendelser[0] = p(2025, "2025-06-30", Some("2025-06-01"), false);
        g.indsendelser[1].frist = Some(dag("2026-06-30"));
        assert!(vurder_2026(&g).is_empty());
    }

    #[test]
    fn the_shipped_rules_have_the_defaults_and_a_switched_off_signal_is_silent() {
        let regler = crate::reference::Regelsaet::standard();
        assert_eq!(regler.for_aar(aar(2026)).varsling, VarslingRegler::default());
        let mut g = Grundlag::default();
        for a in 2023..=2026 {
            g.maalinger.push(maaling(a, 7, "ledighedsprocent", 3.0, ROED));
        }
        let slukket = VarslingRegler { kritisk_antal_aar: 0, samtidigt_kritiske: vec![], ..Default::default() };
        assert!(vurder(&g, &slukket, &Katalog::shipped(), aar(2026), dag("2026-11-30")).is_empty());
        assert!(VarslingRegler { kritisk_antal_aar: 5, ..Default::default() }.check().is_err());
    }
}
