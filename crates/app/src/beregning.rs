//! Computing the country's key figures and efficiency figures for a styringsår, and reading
//! them back for pages: one line per figure with value, benchmark, last year's value and mark.

use crate::{App, AppError, SessionUser};
use domain::Styringsaar;
use domain::access::Tilladelse;
use domain::beregning::{
    self, Benchmark, Katalog, Maaleenhed, Markering, Niveau, Omraade, OrganisationInput, Pulje, Sammenligning, Vaerdi,
};
use domain::master::{OrganisationId, OrganisationKind};
use serde_json::json;
use std::collections::HashMap;
use std::time::Instant;
use store::Store;

/// What a computation did, for the command line and the audit log.
#[derive(Debug, Clone)]
pub struct BeregningSummary {
    pub noegletal: usize,
    pub benchmarks: usize,
    pub effektivitetstal: usize,
    pub load_ms: u128,
    pub compute_ms: u128,
    pub store_ms: u128,
}

/// A key figure as a page shows it.
#[derive(Debug, Clone)]
pub struct NoegletalLinje {
    pub id: String,
    pub navn: String,
    pub enhed: Maaleenhed,
    pub boligtype: Option<domain::master::Boligtype>,
    pub vaerdi: Option<f64>,
    /// The national median, or the kommune's level for a figure compared with the kommune.
    pub benchmark: Option<f64>,
    /// Whose values the median is taken over (an organisation figure: its own kind's).
    pub pulje: Pulje,
    pub sammenligning: Sammenligning,
    /// Set when the benchmark is an earlier year's (this year has too few values yet).
    pub benchmark_fra_aar: Option<i32>,
    pub sidste_aar: Option<f64>,
    pub markering: Option<Markering>,
    /// What time the figure is told for (bilag 4: "fra året", "opgørelsestidspunkt").
    pub tidsangivelse: domain::beregning::Tidsangivelse,
    /// The catalogue's definition, where it narrows the guidance's wording.
    pub forklaring: Option<String>,
}

impl App {
    /// Computes and stores every figure of a styringsår for the whole country.
    pub async fn beregn(&self, actor: Option<&SessionUser>, aar: Styringsaar) -> Result<BeregningSummary, AppError> {
        if actor.is_some_and(|u| !u.principal.may(Tilladelse::Styrelse)) {
            return Err(AppError::Forbidden);
        }
        let started = Instant::now();
        let grundlag = self.store.beregningsgrundlag(aar).await?;
        self.compute_from(actor, aar, grundlag, started).await
    }

    /// Computes several styringsår, oldest first (a year may fall back on the benchmarks of
    /// the one before); each year's accounts are read while the year before is computed.
    pub async fn beregn_aarene(&self, aarene: &[Styringsaar]) -> Result<Vec<BeregningSummary>, AppError> {
        let mut summaries = Vec::new();
        let Some(foerste) = aarene.first() else { return Ok(summaries) };
        let mut grundlag = self.store.beregningsgrundlag(*foerste).await?;
        for (i, aar) in aarene.iter().enumerate() {
            let started = Instant::now();
            let naeste = async {
                match aarene.get(i + 1) {
                    Some(n) => Ok::<_, AppError>(Some(self.store.beregningsgrundlag(*n).await?)),
                    None => Ok(None),
                }
            };
            let (summary, naeste) = futures::try_join!(self.compute_from(None, *aar, grundlag, started), naeste)?;
            summaries.push(summary);
            match naeste {
                Some(g) => grundlag = g,
                None => break,
            }
        }
        Ok(summaries)
    }

    async fn compute_from(
        &self,
        actor: Option<&SessionUser>,
        aar: Styringsaar,
        grundlag: store::Beregningsgrundlag,
        started: Instant,
    ) -> Result<BeregningSummary, AppError> {
        let organisationer = self.store.organisationer().await?;
        let sidste = self.store.benchmarks(aar.previous()).await?;
        let load_ms = started.elapsed().as_millis();

        let regler = self.regler(aar).clone();
        let katalog = self.settings.katalog.clone();
        let computed = Instant::now();
        let resultat = tokio::task::spawn_blocking(move || {
            // Lejemålsenheder per organisation; an administration organisation's are those of
            // the organisations it administers.
            let mut enheder: HashMap<OrganisationId, f64> = HashMap::new();
            for a in &grundlag.afdelinger {
                *enheder.entry(a.organisation).or_default() += a.data.lejemaalsenheder(&regler.lejemaalsenhed);
            }
            for o in organisationer.iter().filter(|o| o.kind == OrganisationKind::Administration) {
                let administered: f64 = organisationer
                    .iter()
                    .filter(|x| x.administrator == Some(o.id))
                    .map(|x| enheder.get(&x.id).copied().unwrap_or(0.0))
                    .sum();
                *enheder.entry(o.id).or_default() += administered;
            }
            let kind: HashMap<OrganisationId, OrganisationKind> =
                organisationer.iter().map(|o| (o.id, o.kind)).collect();
            let inputs: Vec<OrganisationInput> = grundlag
                .organisationer
                .into_iter()
                .map(|(id, regnskab)| OrganisationInput {
                    id,
                    pulje: Pulje::for_organisation(kind.get(&id).copied().unwrap_or(OrganisationKind::EgneAfdelinger)),
                    regnskab,
                    lejemaalsenheder: enheder.get(&id).copied().unwrap_or(0.0),
                })
                .collect();
            let saet = katalog
                .for_aar(aar)
                .ok_or_else(|| AppError::internal_msg(format!("intet nøgletalskatalog for {aar}")))?;
            beregning::beregn(
                aar,
                saet,
                &inputs,
                &grundlag.afdelinger,
                &sidste,
                &regler.lejemaalsenhed,
                &regler.effektivitet,
            )
            .map_err(|e| AppError::internal("beregningen", e))
        })
        .await
        .map_err(|e| AppError::internal("beregningen stoppede", e))??;
        let compute_ms = computed.elapsed().as_millis();

        let stored = Instant::now();
        let summary_json = json!({
            "styringsaar": aar.get(),
            "noegletal": resultat.vaerdier.len(),
            "benchmarks": resultat.benchmarks.len(),
            "effektivitetstal": resultat.effektivitet.len(),
        });
        let audit = self.audit(actor.map(|u| u.principal.user_id), "beregning", "styringsaar", aar.get(), summary_json);
        self.store.replace_beregning(aar, &resultat, &audit).await?;
        Ok(BeregningSummary {
            noegletal: resultat.vaerdier.len(),
            benchmarks: resultat.benchmarks.len(),
            effektivitetstal: resultat.effektivitet.len(),
            load_ms,
            compute_ms,
            store_ms: stored.elapsed().as_millis(),
        })
    }
}

/// The catalogue's figures for a level with no values: what the public sees before the
/// meeting is held ("i/t"), without reading any figure.
pub(crate) fn tomme_linjer(katalog: &Katalog, niveau: Niveau, pulje: Pulje, aar: Styringsaar) -> Vec<NoegletalLinje> {
    katalog
        .for_aar(aar)
        .map(|saet| {
            saet.noegletal
                .iter()
                .filter(|d| d.niveau == niveau && !d.pr_boligtype)
                .map(|d| NoegletalLinje {
                    id: d.id.clone(),
                    navn: d.navn.clone(),
                    enhed: d.enhed,
                    boligtype: None,
                    vaerdi: None,
                    benchmark: None,
                    pulje,
                    sammenligning: d.sammenligning,
                    benchmark_fra_aar: None,
                    sidste_aar: None,
                    markering: None,
                    tidsangivelse: d.tidsangivelse,
                    forklaring: d.forklaring.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The figures of one organisation or afdeling for a year, in catalogue order, with
/// benchmark and last year's value. Callers decide whether the viewer may see them.
pub(crate) async fn noegletal_linjer(
    store: &dyn Store,
    katalog: &Katalog,
    niveau: Niveau,
    enhed_id: i64,
    pulje: Pulje,
    aar: Styringsaar,
) -> Result<Vec<NoegletalLinje>, AppError> {
    let Some(saet) = katalog.for_aar(aar) else { return Ok(Vec::new()) };
    let now = store.noegletal(aar, niveau, enhed_id).await?;
    let last = store.noegletal(aar.previous(), niveau, enhed_id).await?;
    let benchmarks = store.benchmarks(aar).await?;
    Ok(linjer(saet, niveau, pulje, &now, &last, &benchmarks, aar))
}

/// One unit's lines from its values this year and last, and the year's benchmarks of its pool.
pub(crate) fn linjer(
    saet: &beregning::Saet,
    niveau: Niveau,
    pulje: Pulje,
    now: &[Vaerdi],
    last: &[Vaerdi],
    benchmarks: &[Benchmark],
    aar: Styringsaar,
) -> Vec<NoegletalLinje> {
    let find = |list: &[Vaerdi], id: &str, t| list.iter().find(|v| v.noegletal == id && v.boligtype == t).cloned();
    let bench = |id: &str, t| Benchmark::find(benchmarks, id, t, pulje);
    let mut lines = Vec::new();
    for d in saet.noegletal.iter().filter(|d| d.niveau == niveau) {
        let types: Vec<_> =
            if d.pr_boligtype { domain::master::Boligtype::ALL.into_iter().map(Some).collect() } else { vec![None] };
        for t in types {
            let value = find(now, &d.id, t);
            let previous = find(last, &d.id, t);
            if d.pr_boligtype && value.is_none() && previous.is_none() {
                continue; // the afdeling has no homes of this type
            }
            let b = bench(&d.id, t);
            lines.push(NoegletalLinje {
                id: d.id.clone(),
                navn: d.navn.clone(),
                enhed: d.enhed,
                boligtype: t,
                vaerdi: value.as_ref().map(|v| v.vaerdi),
                pulje,
                benchmark: match d.sammenligning {
                    Sammenligning::Landet => b.map(|b| b.median),
                    Sammenligning::Kommune => value.as_ref().and_then(|v| v.sammenligning),
                },
                sammenligning: d.sammenligning,
                markering: value.and_then(|v| v.markering),
                benchmark_fra_aar: b.filter(|b| b.fra_aar != aar.get()).map(|b| b.fra_aar),
                sidste_aar: previous.map(|v| v.vaerdi),
                tidsangivelse: d.tidsangivelse,
                forklaring: d.forklaring.clone(),
            });
        }
    }
    lines
}

/// One account of an efficiency explanation: costs per home of the afdeling and of its
/// best-practice peer, and their ratio (`None` when both spend nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct KontoForklaring {
    pub konto: String,
    pub navn: String,
    pub egen: f64,
    pub bedste_praksis: f64,
    pub forhold: Option<f64>,
}

/// Why an afdeling has its efficiency figure: its group, its best-practice peer and the
/// comparison account by account.
#[derive(Debug, Clone)]
pub struct EffektivitetForklaring {
    pub afdeling: domain::master::Afdeling,
    pub resultat: beregning::Effektivitet,
    pub bedste_praksis: BedstePraksis,
    pub konti: Vec<KontoForklaring>,
    /// Averages weighted by homes [default]: the afdeling's kommune and region.
    pub gennemsnit_kommune: Option<f64>,
    pub gennemsnit_region: Option<f64>,
}

/// Who an afdeling's best-practice peer is, as far as the reader may know: another
/// organisation's afdeling is named only once that organisation's year is public (its meeting
/// is held); until then it is "an afdeling in the comparison group", with its figures.
#[derive(Debug, Clone, PartialEq)]
pub enum BedstePraksis {
    /// The afdeling is its own best practice.
    Selv,
    Navngivet {
        afdeling: domain::master::Afdeling,
        organisation: String,
    },
    Anonym,
}

impl BedstePraksis {
    /// The peer in a sentence: "afd. 3 Solgården (Boligselskabet Sjælland)".
    pub fn beskrivelse(&self) -> String {
        match self {
            BedstePraksis::Selv => "afdelingen selv".into(),
            BedstePraksis::Navngivet { afdeling, organisation } => {
                format!("afd. {} {} ({organisation})", afdeling.data.nummer, afdeling.data.navn)
            }
            BedstePraksis::Anonym => "en afdeling i sammenligningsgruppen".into(),
        }
    }
}

/// The best-practice peer of `egen` in year `aar`, named only where the public rule allows.
pub(crate) async fn bedste_praksis(
    store: &dyn Store,
    aar: domain::Styringsaar,
    egen: &domain::master::Afdeling,
    peer: &domain::master::Afdeling,
) -> Result<BedstePraksis, AppError> {
    if peer.id == egen.id {
        return Ok(BedstePraksis::Selv);
    }
    let offentlig = peer.organisation == egen.organisation
        || store
            .pakker_for_organisationer(&[peer.organisation])
            .await?
            .iter()
            .any(|p| p.styringsaar == aar && p.status.key_figures_public());
    if !offentlig {
        return Ok(BedstePraksis::Anonym);
    }
    let organisation = store.organisation(peer.organisation).await?.map(|o| o.navn).unwrap_or_default();
    Ok(BedstePraksis::Navngivet { afdeling: peer.clone(), organisation })
}

impl App {
    /// The efficiency figures of a package's afdelinger. Takes a `PakkeView`, which only
    /// `pakke_view` makes, after the scope check.
    pub async fn pakke_effektivitet(
        &self,
        view: &crate::PakkeView,
    ) -> Result<Vec<(domain::master::Afdeling, beregning::Effektivitet)>, AppError> {
        let figures = self.store.effektivitet_for(view.pakke.styringsaar, &[view.organisation.id]).await?;
        Ok(figures
            .into_iter()
            .filter_map(|e| view.afdelinger.iter().find(|a| a.id == e.afdeling).map(|a| (a.clone(), e)))
            .collect())
    }

    /// The explanation of one afdeling's figure, within a package the user may read.
    pub async fn forklar_effektivitet(
        &self,
        view: &crate::PakkeView,
        afdeling: domain::master::AfdelingId,
    ) -> Result<EffektivitetForklaring, AppError> {
        let aar = view.pakke.styringsaar;
        let (a, resultat) = self
            .pakke_effektivitet(view)
            .await?
            .into_iter()
            .find(|(a, _)| a.id == afdeling)
            .ok_or(AppError::NotFound)?;
        let peer = self.store.afdeling(resultat.bedste_praksis).await?.ok_or(AppError::NotFound)?;
        let bedste_praksis = bedste_praksis(self.store.as_ref(), aar, &a, &peer).await?;
        let own_konti = self.store.afdeling_konti(a.id, aar).await?;
        let peer_konti = self.store.afdeling_konti(peer.id, aar).await?;
        let regler = &self.regler(aar).effektivitet;
        let per_home = |konti: &std::collections::BTreeMap<String, i64>, k: &str, homes: u32| {
            regler.beloeb(konti, k).map(|v| v as f64 / 100.0 / f64::from(homes.max(1))).unwrap_or(0.0)
        };
        let names = domain::reference::kontoplan();
        let navn = |k: &str| names.iter().find(|n| n.nummer == k).map(|n| n.navn.clone()).unwrap_or_default();
        let konti = regler
            .konti
            .iter()
            .map(|k| {
                let egen = per_home(&own_konti, k, a.data.boliger_i_alt());
                let bedste = per_home(&peer_konti, k, peer.data.boliger_i_alt());
                KontoForklaring {
                    konto: k.clone(),
                    navn: match regler.grupper.get(k) {
                        Some(konti) => format!("Konto {} samlet", konti.join(", ")),
                        None => navn(k),
                    },
                    egen,
                    bedste_praksis: bedste,
                    forhold: if egen == 0.0 && bedste == 0.0 {
                        None
                    } else if egen == 0.0 {
                        Some(f64::INFINITY)
                    } else {
                        Some(bedste / egen)
                    },
                }
            })
            .collect();
        let kommune = Omraade::Kommune(a.data.kommune);
        let region = self.kommuner().await?.iter().find(|k| k.kode == a.data.kommune).map(|k| k.region);
        let omraader: Vec<Omraade> = std::iter::once(kommune).chain(region.map(Omraade::Region)).collect();
        let gennemsnit = self.store.effektivitet_gennemsnit(aar, &omraader).await?;
        Ok(EffektivitetForklaring {
            gennemsnit_kommune: gennemsnit.get(&kommune).copied(),
            gennemsnit_region: region.and_then(|r| gennemsnit.get(&Omraade::Region(r)).copied()),
            afdeling: a,
            resultat,
            bedste_praksis,
            konti,
        })
    }
}

/// Lettings of familieboliger in one kommune over the five rental tools (bilag 3 IV).
#[derive(Debug, Clone, PartialEq)]
pub struct UdlejningFordeling {
    pub kommune: String,
    /// (tool, lettings, share in percent) for every tool, in the catalogue's order.
    pub redskaber: Vec<(domain::registre::Udlejningsredskab, u32, f64)>,
    pub i_alt: u32,
}

/// Beboerklagenævn cases in one category: decided and lost, this year and last year.
#[derive(Debug, Clone, PartialEq)]
pub struct KlageLinje {
    pub kategori: Option<domain::registre::KlageKategori>,
    pub afgjorte: u32,
    pub tabte: u32,
    pub afgjorte_sidste_aar: u32,
    pub tabte_sidste_aar: u32,
}

impl App {
    /// The package organisation's rental tools per kommune and its beboerklagenævn cases
    /// (this year and last, with a total line), for whoever may read the package.
    pub async fn pakke_fakta(
        &self,
        view: &crate::PakkeView,
    ) -> Result<(Vec<UdlejningFordeling>, Vec<KlageLinje>), AppError> {
        use domain::registre::{KlageKategori, Udlejningsredskab};
        let (org, aar) = (view.organisation.id, view.pakke.styringsaar);
        let kommuner = self.kommuner().await?;
        let mut fordeling: Vec<UdlejningFordeling> = Vec::new();
        let lettings = self.store.udlejninger(org, aar).await?;
        let mut koder: Vec<_> = lettings.iter().map(|(k, _, _)| *k).collect();
        koder.dedup();
        for kode in koder {
            let count = |r: Udlejningsredskab| {
                lettings.iter().filter(|(k, x, _)| *k == kode && *x == r).map(|l| l.2).sum::<u32>()
            };
            let i_alt: u32 = Udlejningsredskab::ALL.iter().map(|r| count(*r)).sum();
            fordeling.push(UdlejningFordeling {
                kommune: kommuner.iter().find(|k| k.kode == kode).map(|k| k.navn.clone()).unwrap_or_default(),
                redskaber: Udlejningsredskab::ALL
                    .iter()
                    .map(|r| {
                        (*r, count(*r), if i_alt > 0 { f64::from(count(*r)) * 100.0 / f64::from(i_alt) } else { 0.0 })
                    })
                    .collect(),
                i_alt,
            });
        }
        let now = self.store.klager(org, aar).await?;
        let last = self.store.klager(org, aar.previous()).await?;
        let find = |list: &[(KlageKategori, u32, u32)], k: KlageKategori| {
            list.iter().find(|x| x.0 == k).map(|x| (x.1, x.2)).unwrap_or((0, 0))
        };
        let mut klager: Vec<KlageLinje> = KlageKategori::ALL
            .iter()
            .map(|k| {
                let (a, t) = find(&now, *k);
                let (a1, t1) = find(&last, *k);
                KlageLinje { kategori: Some(*k), afgjorte: a, tabte: t, afgjorte_sidste_aar: a1, tabte_sidste_aar: t1 }
            })
            .collect();
        let total = klager.iter().fold(
            KlageLinje { kategori: None, afgjorte: 0, tabte: 0, afgjorte_sidste_aar: 0, tabte_sidste_aar: 0 },
            |mut t, l| {
                t.afgjorte += l.afgjorte;
                t.tabte += l.tabte;
                t.afgjorte_sidste_aar += l.afgjorte_sidste_aar;
                t.tabte_sidste_aar += l.tabte_sidste_aar;
                t
            },
        );
        klager.push(total);
        Ok((fordeling, klager))
    }
}
