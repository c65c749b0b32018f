//! The facts a package's forms fill in automatically (bilag 3 IV–V and bilag 1, bilag 4 B,
//! bilag 5 B): key figures of the organisation and of each afdeling with benchmark, last
//! year's value and mark; efficiency figures with averages; rental tools; complaints.

use crate::beregning::{KlageLinje, NoegletalLinje, UdlejningFordeling, linjer};
use crate::{App, AppError, PakkeView};
use domain::beregning::{self, Effektivitet, Niveau, Omraade, Pulje};
use domain::effektivitet::Farve;
use domain::master::{Afdeling, AfdelingId};
use domain::{Kommunekode, Regionskode};
use std::collections::HashMap;
use std::sync::Arc;

/// One afdeling's facts.
#[derive(Debug, Clone)]
pub struct AfdelingFakta {
    pub afdeling: Afdeling,
    pub kommune: String,
    pub noegletal: Vec<NoegletalLinje>,
    /// The key figures of `noegletal` marked critical this year (ids, with their mark): the
    /// forms ask for every afdeling and figure, and few are marked.
    pub kritiske: Vec<(String, domain::beregning::Markering)>,
    pub effektivitet: Option<Effektivitet>,
    /// The key figures that were marked critical last year (ids, with their mark).
    pub kritiske_sidste_aar: Vec<(String, domain::beregning::Markering)>,
    /// Last year's efficiency figure of the afdeling, when it had one.
    pub effektivitet_sidste_aar: Option<Effektivitet>,
    /// Efficiency averages weighted by homes [default] for the afdeling's kommune and region.
    pub gennemsnit_kommune: Option<f64>,
    pub gennemsnit_region: Option<f64>,
    /// The rental tools used for the afdeling this year: its own where the lettings are known
    /// per afdeling, else those the organisation used in the afdeling's kommune.
    pub anvisningsregler: Vec<&'static str>,
    /// True when `anvisningsregler` are the kommune's (no lettings per afdeling are known).
    pub anvisning_i_kommunen: bool,
}

impl AfdelingFakta {
    /// The strongest mark of the key figure `id` for this afdeling, if it is critical.
    pub fn kritisk(&self, id: &str) -> Option<domain::beregning::Markering> {
        self.kritiske.iter().filter(|(k, _)| k == id).map(|(_, m)| *m).max()
    }
}

/// Every fact a package's forms show.
#[derive(Debug, Clone)]
pub struct PakkeFakta {
    pub afdelinger: Vec<AfdelingFakta>,
    /// The organisation's efficiency average, weighted by homes.
    pub gennemsnit_organisation: Option<f64>,
    /// How many afdelinger have each efficiency colour: (colour, this year, last year).
    pub fordeling: Vec<(Farve, usize, usize)>,
    /// Last year's organisation average.
    pub gennemsnit_organisation_sidste_aar: Option<f64>,
    /// Lettings per kommune last year, by kommune name (for the "last year" column).
    pub udlejning_sidste_aar: HashMap<String, u32>,
    pub udlejning: Vec<UdlejningFordeling>,
    pub klager: Vec<KlageLinje>,
}

impl PakkeFakta {
    pub fn afdeling(&self, id: AfdelingId) -> Option<&AfdelingFakta> {
        self.afdelinger.iter().find(|a| a.afdeling.id == id)
    }
}

impl App {
    /// The facts of a package the viewer may read (the view is proof of the scope check), read
    /// once per change of the package or the figures (see `pakkedata`).
    pub async fn fakta(&self, view: &PakkeView) -> Result<Arc<PakkeFakta>, AppError> {
        Ok(view
            .data
            .fakta
            .get_or_try_init(|| async { Ok::<_, AppError>(Arc::new(self.les_fakta(view).await?)) })
            .await?
            .clone())
    }

    async fn les_fakta(&self, view: &PakkeView) -> Result<PakkeFakta, AppError> {
        let aar = view.pakke.styringsaar;
        let (udlejning, klager) = self.pakke_fakta(view).await?;
        let kommuner = self.kommuner().await?;
        let kommune_navn = |k: Kommunekode| kommuner.iter().find(|x| x.kode == k).map(|x| x.navn.clone());
        let region_of: HashMap<Kommunekode, Regionskode> = kommuner.iter().map(|k| (k.kode, k.region)).collect();

        let saet = self.settings.katalog.for_aar(aar);
        let benchmarks = self.store.benchmarks(aar).await?;
        let now = self.store.noegletal_for_afdelinger(aar, view.organisation.id).await?;
        let last = self.store.noegletal_for_afdelinger(aar.previous(), view.organisation.id).await?;
        let group = |list: Vec<beregning::Vaerdi>| {
            let mut map: HashMap<i64, Vec<beregning::Vaerdi>> = HashMap::new();
            for v in list {
                map.entry(v.enhed_id).or_default().push(v);
            }
            map
        };
        let (now, last) = (group(now), group(last));

        let org = [view.organisation.id];
        let by_afdeling = |list: Vec<Effektivitet>| -> HashMap<AfdelingId, Effektivitet> {
            list.into_iter().map(|e| (e.afdeling, e)).collect()
        };
        let effektivitet = by_afdeling(self.store.effektivitet_for(aar, &org).await?);
        let sidste_aar = by_afdeling(self.store.effektivitet_for(aar.previous(), &org).await?);
        // The allocation rules of each afdeling, where the lettings are known per afdeling.
        let mut pr_afdeling: HashMap<AfdelingId, Vec<&'static str>> = HashMap::new();
        let mut udlejet = self.store.afdeling_udlejninger(view.organisation.id, aar).await?;
        // In the guidance's order of the tools.
        udlejet.sort_by_key(|(a, r, _)| (*a, domain::registre::Udlejningsredskab::ALL.iter().position(|x| x == r)));
        for (afdeling, redskab, antal) in udlejet {
            let redskaber = pr_afdeling.entry(afdeling).or_default();
            if antal > 0 {
                redskaber.push(redskab.label());
            }
        }
        let kendt_pr_afdeling = !pr_afdeling.is_empty();
        let mut udlejning_sidste_aar: HashMap<String, u32> = HashMap::new();
        for (kode, _, antal) in self.store.udlejninger(view.organisation.id, aar.previous()).await? {
            *udlejning_sidste_aar.entry(kommune_navn(kode).unwrap_or_default()).or_default() += antal;
        }
        // Kommune and region averages: the stored read model of the computation.
        let mut omraader: Vec<Omraade> = Vec::new();
        for a in view.afdelinger.iter() {
            omraader.push(Omraade::Kommune(a.data.kommune));
            omraader.extend(region_of.get(&a.data.kommune).map(|r| Omraade::Region(*r)));
        }
        omraader.sort();
        omraader.dedup();
        let gennemsnit = self.store.effektivitet_gennemsnit(aar, &omraader).await?;
        let average = |o: Omraade| gennemsnit.get(&o).copied();

        let afdelinger: Vec<AfdelingFakta> = view
            .afdelinger
            .iter()
            .map(|a| {
                let kommune = a.data.kommune;
                let noegletal: Vec<NoegletalLinje> = saet
                    .map(|s| {
                        linjer(
                            s,
                            Niveau::Afdeling,
                            Pulje::Alle,
                            now.get(&a.id.0).map(Vec::as_slice).unwrap_or_default(),
                            last.get(&a.id.0).map(Vec::as_slice).unwrap_or_default(),
                            &benchmarks,
                            aar,
                        )
                    })
                    .unwrap_or_default();
                AfdelingFakta {
                    kommune: kommune_navn(kommune).unwrap_or_else(|| kommune.to_string()),
                    kritiske: noegletal.iter().filter_map(|l| l.markering.map(|m| (l.id.clone(), m))).collect(),
                    noegletal,
                    effektivitet: effektivitet.get(&a.id).cloned(),
                    effektivitet_sidste_aar: sidste_aar.get(&a.id).cloned(),
                    kritiske_sidste_aar: last
                        .get(&a.id.0)
                        .map(|values| {
                            values.iter().filter_map(|v| v.markering.map(|m| (v.noegletal.clone(), m))).collect()
                        })
                        .unwrap_or_default(),
                    gennemsnit_kommune: average(Omraade::Kommune(kommune)),
                    gennemsnit_region: region_of.get(&kommune).and_then(|r| average(Omraade::Region(*r))),
                    anvisningsregler: if kendt_pr_afdeling {
                        pr_afdeling.get(&a.id).cloned().unwrap_or_default()
                    } else {
                        udlejning
                            .iter()
                            .filter(|u| Some(&u.kommune) == kommune_navn(kommune).as_ref())
                            .flat_map(|u| u.redskaber.iter().filter(|r| r.1 > 0).map(|r| r.0.label()))
                            .collect()
                    },
                    anvisning_i_kommunen: !kendt_pr_afdeling,
                    afdeling: a.clone(),
                }
            })
            .collect();
        let gennemsnit_organisation =
            beregning::vaegtet_gennemsnit(afdelinger.iter().filter_map(|a| {
                a.effektivitet.as_ref().map(|e| (e.effektivitetstal, a.afdeling.data.boliger_i_alt()))
            }));
        let gennemsnit_organisation_sidste_aar = beregning::vaegtet_gennemsnit(afdelinger.iter().filter_map(|a| {
            a.effektivitet_sidste_aar.as_ref().map(|e| (e.effektivitetstal, a.afdeling.data.boliger_i_alt()))
        }));
        let count = |f: Farve, last: bool| {
            afdelinger
                .iter()
                .filter(|a| {
                    if last { &a.effektivitet_sidste_aar } else { &a.effektivitet }
                        .as_ref()
                        .is_some_and(|e| e.farve == f)
                })
                .count()
        };
        let fordeling =
            [Farve::Groen, Farve::Gul, Farve::Roed].into_iter().map(|f| (f, count(f, false), count(f, true))).collect();
        Ok(PakkeFakta {
            afdelinger,
            gennemsnit_organisation,
            gennemsnit_organisation_sidste_aar,
            fordeling,
            udlejning,
            udlejning_sidste_aar,
            klager,
        })
    }
}
