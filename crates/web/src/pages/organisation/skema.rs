//! The report forms: a package section or an afdeling form, built from the template's
//! elements (questions and fact blocks), and the facts rendered as accessible tables.

use crate::format::{dato, farve_badge, svar_tekst, tal};
use crate::layout::Layout;
use crate::pages::offentlig::vis_noegletal;
use app::{AfdelingFakta, NoegletalLinje, PakkeFakta, PakkeView};
use domain::beregning::{Markering, Sammenligning, Tidsangivelse};
use domain::master::Afdeling;
use domain::template::{Element, FaktaArt, Faktablok, Forudfyldning, Sektion, Svartype};
use std::collections::HashMap;

/// A table cell: text, optionally a badge or a link.
pub struct Celle {
    pub tekst: String,
    pub badge: Option<&'static str>,
    pub link: Option<String>,
    pub tal: bool,
}

impl Celle {
    fn tekst(t: impl Into<String>) -> Celle {
        Celle { tekst: t.into(), badge: None, link: None, tal: false }
    }
    fn tal(t: impl Into<String>) -> Celle {
        Celle { tal: true, ..Celle::tekst(t) }
    }
    fn markering(m: Option<Markering>) -> Celle {
        match m {
            Some(m) => Celle { badge: Some(crate::format::markering_badge(m)), ..Celle::tekst(m.label()) },
            None => Celle::tekst("Ingen"),
        }
    }
}

/// A column of a fact table: its heading, and whether it holds numbers (aligned right).
pub struct Kolonne {
    pub titel: String,
    pub tal: bool,
}

/// A fact table with a caption; the first column is the row header.
pub struct Tabel {
    pub caption: String,
    pub hoved: Vec<Kolonne>,
    pub raekker: Vec<Vec<Celle>>,
    pub tom: String,
    /// Definitions shown under the table (where the system's narrows the guidance's).
    pub noter: Vec<String>,
}

impl Tabel {
    fn new(caption: impl Into<String>, hoved: &[&str], tal_fra: usize) -> Tabel {
        Tabel {
            caption: caption.into(),
            hoved: hoved.iter().enumerate().map(|(i, h)| Kolonne { titel: h.to_string(), tal: i >= tal_fra }).collect(),
            raekker: Vec::new(),
            tom: "Der er ingen oplysninger.".into(),
            noter: Vec::new(),
        }
    }
}

/// One element of a form as the template shows it.
pub struct FeltVisning {
    pub id: String,
    pub label: String,
    pub hint: Option<String>,
    /// "ja_nej_hvilke", "ja_nej", "tekst", "valg" or "fakta".
    pub art: &'static str,
    pub hvilke: String,
    pub valg: Vec<String>,
    pub ja: Option<bool>,
    pub tekst: String,
    pub valgt: Option<String>,
    pub fejl: Option<String>,
    pub tabeller: Vec<Tabel>,
    /// An accessible SVG chart shown before the tables.
    pub diagram: Option<Diagram>,
    /// A fact block's comment field (label), when it has one.
    pub kommentar: Option<String>,
    pub kommentar_paakraevet: bool,
    /// The answer as read-only text (check-your-answers and submitted versions).
    pub laest: String,
}

/// A chart: the SVG (already escaped by the `diagram` crate) and a caption saying how to read it.
pub struct Diagram {
    pub svg: String,
    pub forklaring: &'static str,
}

/// A part of a form page: a section's heading, intro and elements.
pub struct Del {
    pub titel: String,
    pub intro: Option<String>,
    pub felter: Vec<FeltVisning>,
}

/// Builds the parts of a form. `prefix` is the afdeling key prefix ("" for the package),
/// `posted` the submitted form when it is shown again with errors.
pub fn dele(
    v: &PakkeView,
    fakta: &PakkeFakta,
    sektioner: &[&Sektion],
    afdeling: Option<&Afdeling>,
    layout: &Layout,
    posted: Option<&HashMap<String, String>>,
) -> Vec<Del> {
    let prefix = afdeling.map(|a| domain::template::afdeling_noegle(a.data.nummer, "")).unwrap_or_default();
    let afdeling_fakta = afdeling.and_then(|a| fakta.afdeling(a.id));
    sektioner
        .iter()
        .map(|s| Del {
            titel: s.titel.clone(),
            intro: s.intro.clone(),
            felter: s
                .elementer
                .iter()
                .map(|e| {
                    let key = match e {
                        Element::Spoergsmaal(q) => format!("{prefix}{}", q.id),
                        Element::Fakta(f) => format!("{prefix}{}", f.id),
                    };
                    let saved = v.svar.get(&key);
                    let field = |suffix: &str| posted.and_then(|p| p.get(&format!("{key}.{suffix}")).cloned());
                    // A yes/no from master data the organisation may correct: the registered
                    // value until it answers otherwise.
                    let registreret = match (e, afdeling) {
                        (Element::Spoergsmaal(q), Some(a)) => q.forudfyld.and_then(|f| f.stamdata(&a.data)),
                        _ => None,
                    };
                    let ja = match posted {
                        Some(_) => field("ja").map(|s| s == "ja"),
                        None => saved.and_then(|s| s.ja).or(registreret),
                    };
                    let forudfyldt = match e {
                        Element::Spoergsmaal(q)
                            if q.forudfyld == Some(Forudfyldning::TidligereDroeftedeForhold) && saved.is_none() =>
                        {
                            v.forudfyldning.clone()
                        }
                        _ => None,
                    };
                    let tekst = match posted {
                        Some(_) => field("tekst").unwrap_or_default(),
                        None => saved.map(|s| s.tekst.clone()).or(forudfyldt).unwrap_or_default(),
                    };
                    let valgt = match posted {
                        Some(_) => field("valg"),
                        None => saved.and_then(|s| s.valg.clone()),
                    };
                    let fejl = layout.error_for(&key).map(str::to_string);
                    let ja_nej = |b: bool| if b { "Ja" } else { "Nej" };
                    let laest = match (saved.and_then(|s| s.valg.clone()), registreret) {
                        (Some(valg), _) => valg,
                        (None, Some(r)) => match saved.and_then(|s| s.ja) {
                            Some(svar) if svar != r => {
                                format!("{} – rettet af organisationen (registreret: {})", ja_nej(svar), ja_nej(r))
                            }
                            _ => format!("{} (som registreret)", ja_nej(r)),
                        },
                        (None, None) => svar_tekst(saved),
                    };
                    match e {
                        Element::Spoergsmaal(q) => FeltVisning {
                            label: q.overskrift(),
                            hint: match (q.kraeves_ja_ved.filter(|b| v.gaelder(*b)), registreret) {
                                // The condition holds: the form says what the answer must hold.
                                (Some(_), _) => q.krav.clone(),
                                (None, Some(r)) => Some(format!(
                                    "Registreret i stamdata: {}. Ret svaret, hvis det ikke passer; kommunen ser rettelsen.",
                                    ja_nej(r)
                                )),
                                (None, None) => q.forudfyld.map(|_| {
                                    "Udfyldt på forhånd med sidste års redegørelse, når den findes. Ret teksten, så den beskriver status i dag."
                                        .to_string()
                                }),
                            },
                            art: match q.svartype {
                                Svartype::JaNejHvilke => "ja_nej_hvilke",
                                Svartype::JaNej => "ja_nej",
                                Svartype::Tekst => "tekst",
                                Svartype::Valg => "valg",
                            },
                            hvilke: q.hvilke.clone().unwrap_or_else(|| "Uddybning".into()),
                            valg: q.valg.clone(),
                            tabeller: Vec::new(),
                            diagram: None,
                            kommentar: None,
                            kommentar_paakraevet: false,
                            id: key,
                            ja,
                            tekst,
                            valgt,
                            fejl,
                            laest,
                        },
                        Element::Fakta(f) => {
                          let kritisk = v.kritisk(f, afdeling.map(|a| a.id));
                          FeltVisning {
                            label: f.titel.clone(),
                            hint: f.tekst.clone(),
                            art: "fakta",
                            hvilke: String::new(),
                            valg: Vec::new(),
                            tabeller: tabeller(f, v, fakta, afdeling_fakta),
                            diagram: match f.art {
                                FaktaArt::Udlejningsredskaber => udlejning_diagram(&f.id, fakta),
                                FaktaArt::Effektivitetsfordeling => {
                                    fordeling_diagram(&f.id, fakta, v.pakke.styringsaar.get())
                                }
                                _ => None,
                            },
                            kommentar: f.kommentar.as_deref().map(|k| {
                                // A required comment is not "Evt." (optional) as well.
                                match k.strip_prefix("Evt. ").filter(|_| kritisk) {
                                    Some(rest) => stort_begyndelsesbogstav(rest),
                                    None => k.to_string(),
                                }
                            }),
                            kommentar_paakraevet: kritisk,
                            laest: saved.map(|s| s.tekst.clone()).filter(|t| !t.is_empty()).unwrap_or_else(|| "Ingen kommentar".into()),
                            id: key,
                            ja,
                            tekst,
                            valgt,
                            fejl,
                          }
                        },
                    }
                })
                .collect(),
        })
        .collect()
}

fn noegletal_raekke(l: &NoegletalLinje) -> Vec<Celle> {
    let benchmark = match (l.benchmark, l.benchmark_fra_aar, l.sammenligning) {
        (Some(b), _, Sammenligning::Kommune) => format!("{} (kommunen)", vis_noegletal(Some(b), l.enhed)),
        (Some(b), Some(aar), _) => format!("{} (fra {aar})", vis_noegletal(Some(b), l.enhed)),
        (b, _, _) => vis_noegletal(b, l.enhed),
    };
    vec![
        Celle::tekst(crate::pages::offentlig::noegletal_navn(l)),
        Celle::tal(vis_noegletal(l.vaerdi, l.enhed)),
        Celle::tal(benchmark),
        Celle::tal(vis_noegletal(l.sidste_aar, l.enhed)),
        Celle::markering(l.markering),
    ]
}

fn procent(x: Option<f64>) -> String {
    x.map(|x| format!("{} %", tal(x, 1))).unwrap_or_else(|| "i/t".into())
}

/// The tables of one fact block.
fn tabeller(f: &Faktablok, v: &PakkeView, fakta: &PakkeFakta, afdeling: Option<&AfdelingFakta>) -> Vec<Tabel> {
    let aar = v.pakke.styringsaar;
    match f.art {
        FaktaArt::Stamdata => {
            let mut t = Tabel::new("Stamdata", &["Oplysning", "Værdi"], 9);
            let rows: Vec<(String, String)> = match afdeling {
                None => vec![
                    ("Nummer".into(), v.organisation.nummer.to_string()),
                    ("Navn".into(), v.organisation.navn.clone()),
                    ("Organisationstype".into(), v.organisation.kind.label().into()),
                    ("Regnskabsperiode".into(), v.pakke.periode.label()),
                    ("Afdelinger".into(), v.afdelinger.len().to_string()),
                ],
                Some(a) => {
                    let d = &a.afdeling.data;
                    vec![
                        ("Afdelingsnummer".into(), d.nummer.to_string()),
                        ("Navn".into(), d.navn.clone()),
                        ("Adresse".into(), d.adresse.clone()),
                        ("Kommune".into(), a.kommune.clone()),
                        ("Familieboliger".into(), format!("{} ({} m²)", d.familie.antal, d.familie.m2)),
                        ("Ældreboliger".into(), format!("{} ({} m²)", d.aeldre.antal, d.aeldre.m2)),
                        ("Ungdomsboliger".into(), format!("{} ({} m²)", d.ungdom.antal, d.ungdom.m2)),
                        ("Erhverv og institutioner".into(), format!("{} m²", d.erhverv_m2 + d.institution_m2)),
                        ("Ibrugtagningsår".into(), d.ibrugtagningsaar.to_string()),
                        ("Afdeling under opførelse".into(), if d.under_opfoerelse { "Ja" } else { "Nej" }.into()),
                    ]
                }
            };
            t.raekker = rows.into_iter().map(|(k, val)| vec![Celle::tekst(k), Celle::tekst(val)]).collect();
            vec![t]
        }
        FaktaArt::Noegletal => {
            let lines: Vec<&NoegletalLinje> = match afdeling {
                None => v.noegletal.iter().collect(),
                Some(a) => a.noegletal.iter().collect(),
            };
            let lines: Vec<&NoegletalLinje> = lines.into_iter().filter(|l| f.noegletal.contains(&l.id)).collect();
            // Bilag 4 tells move-outs "fra året" and vacancy at its "opgørelsestidspunkt".
            let periode = &v.pakke.periode;
            let titel = match lines.first().map(|l| l.tidsangivelse) {
                Some(Tidsangivelse::FraAaret) => {
                    use chrono::Datelike;
                    let kalenderaar = periode.start().ordinal() == 1
                        && periode.slut()
                            == periode.start().with_month(12).and_then(|d| d.with_day(31)).unwrap_or_default();
                    let aaret = if kalenderaar { periode.start().year().to_string() } else { periode.label() };
                    format!("{}, fra året {aaret} (styringsår {aar})", f.titel)
                }
                Some(Tidsangivelse::Opgoerelsestidspunkt) => {
                    format!("{}, opgørelsestidspunkt {} (styringsår {aar})", f.titel, dato(periode.slut()))
                }
                _ => format!("{} for styringsår {aar}", f.titel),
            };
            let mut t = Tabel::new(titel, &["Nøgletal", "Værdi", "Benchmark", "Sidste års værdi", "Markering"], 1);
            t.tom = "Nøgletallene er ikke beregnet endnu.".into();
            t.noter = lines.iter().filter_map(|l| l.forklaring.clone()).collect();
            t.noter.dedup();
            // Say whose median the benchmark is: an administration organisation's figures are
            // compared with administration organisations only (bilag 5).
            if let Some(l) = lines
                .iter()
                .find(|l| l.sammenligning == Sammenligning::Landet && l.pulje != domain::beregning::Pulje::Alle)
            {
                t.noter.push(format!("Benchmark er medianen for {}.", l.pulje.label()));
            }
            t.raekker = lines.into_iter().map(noegletal_raekke).collect();
            vec![t]
        }
        FaktaArt::Effektivitetsfordeling => {
            let mut t =
                Tabel::new("Afdelinger pr. effektivitetsmarkering", &["Markering", "Afdelinger", "Sidste år"], 1);
            t.raekker = fakta
                .fordeling
                .iter()
                .map(|(farve, n, sidste)| {
                    vec![
                        Celle { badge: Some(farve_badge(*farve)), ..Celle::tekst(farve.label()) },
                        Celle::tal(n.to_string()),
                        Celle::tal(sidste.to_string()),
                    ]
                })
                .collect();
            t.raekker.push(vec![
                Celle::tekst("Organisationens gennemsnit (vægtet med boliger)"),
                Celle::tal(procent(fakta.gennemsnit_organisation)),
                Celle::tal(procent(fakta.gennemsnit_organisation_sidste_aar)),
            ]);
            vec![t]
        }
        FaktaArt::Udlejningsredskaber => {
            let redskaber: Vec<&str> = domain::registre::Udlejningsredskab::ALL.iter().map(|r| r.label()).collect();
            let mut hoved = vec!["Kommune"];
            hoved.extend(redskaber.iter());
            hoved.push("I alt");
            hoved.push("I alt sidste år");
            let mut t = Tabel::new(
                "Udlejninger af familieboliger pr. kommune og udlejningsredskab (antal og andel)",
                &hoved,
                1,
            );
            t.tom = format!("Der er ingen oplysninger om udlejning af familieboliger i styringsår {aar}.");
            t.raekker = fakta
                .udlejning
                .iter()
                .map(|u| {
                    let mut row = vec![Celle::tekst(u.kommune.clone())];
                    row.extend(
                        u.redskaber.iter().map(|(_, n, andel)| Celle::tal(format!("{n} ({} %)", tal(*andel, 0)))),
                    );
                    row.push(Celle::tal(u.i_alt.to_string()));
                    row.push(Celle::tal(fakta.udlejning_sidste_aar.get(&u.kommune).copied().unwrap_or(0).to_string()));
                    row
                })
                .collect();
            vec![t]
        }
        FaktaArt::Beboerklager => {
            let mut t = Tabel::new(
                "Afgjorte sager, og heraf sager organisationen helt eller delvist tabte",
                &[
                    "Sagstype",
                    "Afgjort i år",
                    "Helt/delvist tabt i år",
                    "Afgjort sidste år",
                    "Helt/delvist tabt sidste år",
                ],
                1,
            );
            t.raekker = fakta
                .klager
                .iter()
                .map(|k| {
                    vec![
                        Celle::tekst(k.kategori.map(|c| c.label()).unwrap_or("I alt")),
                        Celle::tal(k.afgjorte.to_string()),
                        Celle::tal(k.tabte.to_string()),
                        Celle::tal(k.afgjorte_sidste_aar.to_string()),
                        Celle::tal(k.tabte_sidste_aar.to_string()),
                    ]
                })
                .collect();
            vec![t]
        }
        FaktaArt::KritiskeAfdelinger => {
            let mut hoved = vec!["Afdeling", "Kommune"];
            let navne: Vec<String> = f.noegletal.iter().map(|id| noegletal_kort(id)).collect();
            hoved.extend(navne.iter().map(String::as_str));
            hoved.push("Kritisk sidste år");
            let mut t = Tabel::new("Afdelinger med kritiske nøgletal", &hoved, 9);
            t.tom = "Ingen afdelinger har kritiske nøgletal.".into();
            t.raekker = fakta
                .afdelinger
                .iter()
                .filter(|a| f.noegletal.iter().any(|id| a.kritisk(id).is_some()))
                .map(|a| {
                    let mut row = vec![
                        Celle::tekst(format!("{} {}", a.afdeling.data.nummer, a.afdeling.data.navn)),
                        Celle::tekst(a.kommune.clone()),
                    ];
                    row.extend(f.noegletal.iter().map(|id| match a.kritisk(id) {
                        Some(m) => Celle::markering(Some(m)),
                        None => Celle::tekst("–"),
                    }));
                    let mut sidste: Vec<String> = a
                        .kritiske_sidste_aar
                        .iter()
                        .filter(|(id, _)| f.noegletal.contains(id))
                        .map(|(id, m)| format!("{} ({})", noegletal_kort(id), m.label().to_lowercase()))
                        .collect();
                    sidste.dedup();
                    row.push(Celle::tekst(if sidste.is_empty() { "Ingen".to_string() } else { sidste.join(", ") }));
                    row
                })
                .collect();
            vec![t]
        }
        FaktaArt::Familieboliger => {
            let mut t = Tabel::new(
                "Familieboliger, anvisning og beboere 18–64 år uden for arbejdsmarkedet",
                &[
                    "Afdeling",
                    "Kommune",
                    "Familieboliger",
                    "Anvendte anvisningsregler",
                    "Afdeling",
                    "Kommune",
                    "Afdeling sidste år",
                ],
                2,
            );
            t.raekker = fakta
                .afdelinger
                .iter()
                .filter(|a| a.afdeling.data.familie.antal > 0)
                .map(|a| {
                    let marked = a.noegletal.iter().find(|l| f.noegletal.contains(&l.id));
                    vec![
                        Celle::tekst(format!("{} {}", a.afdeling.data.nummer, a.afdeling.data.navn)),
                        Celle::tekst(a.kommune.clone()),
                        Celle::tal(a.afdeling.data.familie.antal.to_string()),
                        Celle::tekst(match (a.anvisningsregler.is_empty(), a.anvisning_i_kommunen) {
                            (true, true) => "Ingen oplyst".to_string(),
                            (true, false) => "Ingen udlejninger i året".to_string(),
                            // Without lettings per afdeling the organisation's tools in the
                            // kommune are shown, and said to be so.
                            (false, true) => format!("{} (organisationens i kommunen)", a.anvisningsregler.join(", ")),
                            (false, false) => a.anvisningsregler.join(", "),
                        }),
                        Celle::tal(procent(marked.and_then(|l| l.vaerdi))),
                        Celle::tal(procent(marked.and_then(|l| l.benchmark))),
                        Celle::tal(procent(marked.and_then(|l| l.sidste_aar))),
                    ]
                })
                .collect();
            vec![t]
        }
        FaktaArt::Effektivitetstal => {
            let mut t = Tabel::new(
                "Effektivitet for boligorganisationens afdelinger med gennemsnit for organisation, kommune og region",
                &["Afdeling", "Kommune", "Markering", "Afdeling", "Sidste år", "Organisation", "Kommune", "Region"],
                3,
            );
            t.tom = format!("Der er ikke beregnet effektivitetstal for styringsår {aar}.");
            t.raekker = fakta
                .afdelinger
                .iter()
                .filter_map(|a| a.effektivitet.as_ref().map(|e| (a, e)))
                .map(|(a, e)| {
                    vec![
                        Celle {
                            link: Some(format!("/pakker/{}/effektivitet/{}", v.pakke.id, a.afdeling.id.0)),
                            ..Celle::tekst(format!("{} {}", a.afdeling.data.nummer, a.afdeling.data.navn))
                        },
                        Celle::tekst(a.kommune.clone()),
                        Celle { badge: Some(farve_badge(e.farve)), ..Celle::tekst(e.farve.label()) },
                        Celle::tal(procent(Some(e.effektivitetstal))),
                        Celle::tal(procent(a.effektivitet_sidste_aar.as_ref().map(|e| e.effektivitetstal))),
                        Celle::tal(procent(fakta.gennemsnit_organisation)),
                        Celle::tal(procent(a.gennemsnit_kommune)),
                        Celle::tal(procent(a.gennemsnit_region)),
                    ]
                })
                .collect();
            vec![t]
        }
        FaktaArt::AfdelingerMedUdfordringer => {
            let mut t = Tabel::new("Svar fra afdelingsskemaerne, punkt A", &["Afdeling", "Beskrivelse"], 9);
            t.tom = "Ingen afdelingsskemaer melder om særlige udfordringer endnu.".into();
            t.raekker = v
                .afdelinger_med_udfordringer()
                .into_iter()
                .map(|(a, s)| {
                    vec![
                        Celle {
                            link: Some(format!("/pakker/{}/afdelinger/{}", v.pakke.id, a.data.nummer)),
                            ..Celle::tekst(format!("{} {}", a.data.nummer, a.data.navn))
                        },
                        Celle::tekst(s.tekst.clone()),
                    ]
                })
                .collect();
            vec![t]
        }
        FaktaArt::Leje => {
            let mut t =
                Tabel::new("Årlig leje pr. m²", &["Boligtype", "Leje", "Benchmark", "Sidste år", "Markering"], 1);
            t.raekker = afdeling
                .map(|a| a.noegletal.iter().filter(|l| l.id == "leje_pr_m2").map(noegletal_raekke).collect())
                .unwrap_or_default();
            t.tom = "Lejen er ikke oplyst.".into();
            vec![t]
        }
        FaktaArt::Afdelingsbestyrelse => {
            let mut t = Tabel::new("Beboerdemokrati", &["Oplysning", "Værdi"], 9);
            let har = afdeling.is_some_and(|a| a.afdeling.data.afdelingsbestyrelse);
            t.raekker = vec![vec![Celle::tekst("Afdelingsbestyrelse"), Celle::tekst(if har { "Ja" } else { "Nej" })]];
            vec![t]
        }
    }
}

/// A short column heading for a key figure.
fn noegletal_kort(id: &str) -> String {
    match id {
        "ledighedsprocent" => "Ledige boliger".into(),
        "fraflytningsprocent" => "Fraflytning".into(),
        "henlaeggelser_pr_lejemaal" => "Henlæggelser pr. lejemål".into(),
        "henlaeggelser_pr_m2" => "Henlæggelser pr. m²".into(),
        "opsparede_henlaeggelser_pr_lejemaal" => "Opsparede henlæggelser pr. lejemål".into(),
        "opsparede_henlaeggelser_pr_m2" => "Opsparede henlæggelser pr. m²".into(),
        other => other.replace('_', " "),
    }
}

/// The rental tools per kommune as stacked bars (bilag 3 IV); the numbers are also in the
/// table beside the chart, so colour is never the only carrier.
fn udlejning_diagram(id: &str, fakta: &PakkeFakta) -> Option<Diagram> {
    let soejler: Vec<diagram::StabletSoejle> = fakta
        .udlejning
        .iter()
        .filter(|u| u.i_alt > 0)
        .map(|u| diagram::StabletSoejle {
            etiket: u.kommune.clone(),
            dele: u.redskaber.iter().map(|(r, n, andel)| (r.label().to_string(), *n, *andel)).collect(),
            i_alt: u.i_alt,
        })
        .collect();
    if soejler.is_empty() {
        return None;
    }
    let kategorier: Vec<&str> = domain::registre::Udlejningsredskab::ALL.iter().map(|r| r.label()).collect();
    let svg = diagram::stablede_soejler(
        &format!("{}-diagram", id.replace('.', "-")),
        "Udlejninger af familieboliger pr. kommune fordelt på udlejningsredskaber",
        &soejler,
        &kategorier,
    );
    Some(Diagram {
        svg,
        forklaring: "Søjlerne viser andelen af udlejninger pr. udlejningsredskab i hver kommune; tallet til højre er \
                     udlejninger i alt. Tallene står i tabellen herunder.",
    })
}

/// The efficiency distribution this year beside last year (bilag 3 III).
fn fordeling_diagram(id: &str, fakta: &PakkeFakta, aar: i32) -> Option<Diagram> {
    use domain::effektivitet::Farve;
    if fakta.fordeling.iter().all(|(_, n, sidst)| *n == 0 && *sidst == 0) {
        return None;
    }
    let farve = |f: Farve| match f {
        Farve::Roed => diagram::ROED,
        Farve::Gul => diagram::GUL,
        Farve::Groen => diagram::GROEN,
    };
    let kategorier: Vec<(&str, &str, usize, usize)> =
        fakta.fordeling.iter().map(|(f, n, sidst)| (f.label(), farve(*f), *n, *sidst)).collect();
    let svg = diagram::fordeling(
        &format!("{}-diagram", id.replace('.', "-")),
        "Afdelinger pr. effektivitetsmarkering, i år og sidste år",
        aar,
        &kategorier,
    );
    Some(Diagram {
        svg,
        forklaring: "Antallet af afdelinger med rødt, gult og grønt effektivitetstal; tallene står i tabellen herunder.",
    })
}

/// "kommentarer" as "Kommentarer".
fn stort_begyndelsesbogstav(tekst: &str) -> String {
    let mut tegn = tekst.chars();
    match tegn.next() {
        Some(f) => f.to_uppercase().chain(tegn).collect(),
        None => String::new(),
    }
}
