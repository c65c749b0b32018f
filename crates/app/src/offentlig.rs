//! The public part's capabilities. `Offentlig` reads only what docs/domain.md §9 makes public: master
//! data, key figures of packages whose meeting is held, and published redegørelser.

use crate::stempelkort::{self, Stempelkort};
use crate::{AppError, AppSettings};
use domain::master::{Afdeling, Boligtype, Kommune, Organisation};
use domain::{OrganisationNummer, Styringsaar};
use std::sync::Arc;
use store::{PublishedRedegoerelse, Store};

#[derive(Clone)]
pub struct Offentlig {
    store: Arc<dyn Store>,
    settings: Arc<AppSettings>,
    cache: Arc<PublicCache>,
}

/// A cached value with the stamp of the public data it was read under.
type Gemt<T> = std::sync::Mutex<Option<(i64, T)>>;

/// Reused reads of the public part, shared by every request of the process. Each entry keeps
/// the stamp of the figures it was read under ([`store::CacheStamp::Tal`], changed in the
/// same transaction as any change of public data), so an entry is used only while nothing it
/// shows has changed, also when another instance made the change. Only public data is kept.
#[derive(Default)]
pub struct PublicCache {
    indeks: Gemt<Arc<Soegeindeks>>,
    /// Built public files by name (open-data files, published redegørelser as PDF).
    filer: Stempelkort<String, Vec<u8>>,
    /// The years with open data, as of a day.
    aabne_aar: Gemt<(chrono::NaiveDate, Vec<(Styringsaar, usize)>)>,
    /// Afdeling sheets by organisation and afdeling number: every figure on them (key
    /// figures, efficiency figures, which years and peers are public) moves the stamp.
    afdelingsark: Stempelkort<(OrganisationNummer, domain::AfdelingNummer), AfdelingSheet>,
    /// Organisation sheets by number: their figures, accounts and redegørelser all move the
    /// stamp when they change or become public.
    dataark: Stempelkort<OrganisationNummer, DataSheet>,
    /// The public efficiency figures of a comparison group, with its colour limits.
    grupper: Stempelkort<(Styringsaar, String), (Vec<f64>, f64, f64)>,
    /// Held while an entry is built, so a burst of requests after a change builds it once
    /// while the others wait for it.
    bygger: tokio::sync::Mutex<()>,
    /// The kommuner (names, regions, CVR numbers) for the names on most pages: master data,
    /// so any change of them moves the stamp.
    kommuner: Gemt<Arc<Vec<Kommune>>>,
}

/// Every organisation and afdeling with its name in lower case, for the search.
struct Soegeindeks {
    organisationer: Vec<(Organisation, String)>,
    /// (afdeling, name in lower case, index of its organisation)
    afdelinger: Vec<(Afdeling, String, usize)>,
}

/// At most this many sheets per map (a sheet is some kilobytes).
const MAX_ARK: usize = 2000;

fn fra_cache<T: Clone>(slot: &Gemt<T>, stamp: i64) -> Option<T> {
    slot.lock().expect("cache lock").as_ref().filter(|(s, _)| *s == stamp).map(|(_, v)| v.clone())
}

fn gem<T>(slot: &Gemt<T>, stamp: i64, value: T) {
    *slot.lock().expect("cache lock") = Some((stamp, value));
}

/// An open-data file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filformat {
    /// Comma-separated, decimal point.
    Csv,
    /// Danish Excel: semicolon-separated, decimal comma.
    CsvDansk,
    Xlsx,
}

#[derive(Debug, Clone)]
pub struct AarsNoegletal {
    pub styringsaar: Styringsaar,
    /// False until the meeting for that year's package is marked held; until then
    /// `noegletal` holds the catalogue's names only, so nothing ungated can reach a page.
    pub offentlig: bool,
    pub noegletal: Vec<crate::NoegletalLinje>,
}

#[derive(Debug, Clone)]
pub struct DataSheet {
    pub organisation: Organisation,
    pub hjemstedskommune_navn: String,
    pub administrator: Option<Organisation>,
    pub afdelinger: Vec<Afdeling>,
    pub boliger: Vec<(Boligtype, u32)>,
    pub aar: Vec<AarsNoegletal>,
    pub redegoerelser: Vec<PublishedRedegoerelse>,
    /// The public attachments (the accounts) of the packages the kommune has received.
    pub regnskaber: Vec<OffentligtBilag>,
}

/// A public attachment of a received package: the newest submitted version's file.
#[derive(Debug, Clone)]
pub struct OffentligtBilag {
    pub styringsaar: Styringsaar,
    /// The kind's name, e.g. "Årsregnskab".
    pub art: String,
    pub bilag: store::BilagRecord,
}

/// An afdeling's public data sheet: master data, and per year its key figures and efficiency
/// figure, read only for years whose meeting is held.
#[derive(Debug, Clone)]
pub struct AfdelingSheet {
    pub organisation: Organisation,
    pub afdeling: Afdeling,
    pub kommune_navn: String,
    pub aar: Vec<AarsAfdeling>,
}

#[derive(Debug, Clone)]
pub struct AarsAfdeling {
    pub styringsaar: Styringsaar,
    pub offentlig: bool,
    /// The afdeling's figures against the national benchmark (names only when not public).
    pub noegletal: Vec<crate::NoegletalLinje>,
    /// The efficiency figure with its comparison group, when public.
    pub effektivitet: Option<domain::beregning::Effektivitet>,
    /// The best-practice peer of the comparison group, named only once its year is public.
    pub bedste_praksis: Option<crate::BedstePraksis>,
    /// How many afdelinger of the comparison group have public figures this year.
    pub offentlige_i_gruppen: usize,
}

/// A search hit: an organisation, or an afdeling with its organisation.
#[derive(Debug, Clone)]
pub enum Fund {
    Organisation(Organisation),
    Afdeling(Afdeling, Organisation),
}

impl Offentlig {
    pub(crate) fn new(store: Arc<dyn Store>, settings: Arc<AppSettings>, cache: Arc<PublicCache>) -> Self {
        Self { store, settings, cache }
    }

    /// The stamp of the public data now.
    async fn stamp(&self) -> Result<i64, AppError> {
        Ok(crate::stempelkort::stempler(&*self.store).await?.tal)
    }

    /// The search index, read again only when public data changed.
    async fn soegeindeks(&self) -> Result<Arc<Soegeindeks>, AppError> {
        let stamp = self.stamp().await?;
        if let Some(indeks) = fra_cache(&self.cache.indeks, stamp) {
            return Ok(indeks);
        }
        let _bygger = self.cache.bygger.lock().await;
        if let Some(indeks) = fra_cache(&self.cache.indeks, stamp) {
            return Ok(indeks);
        }
        let (organisationer, afdelinger) =
            futures::try_join!(self.store.organisationer(), self.store.alle_afdelinger())?;
        let position: std::collections::HashMap<_, _> =
            organisationer.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
        let indeks = Arc::new(Soegeindeks {
            afdelinger: afdelinger
                .into_iter()
                .filter_map(|a| {
                    let i = *position.get(&a.organisation)?;
                    let navn = a.data.navn.to_lowercase();
                    Some((a, navn, i))
                })
                .collect(),
            organisationer: organisationer
                .into_iter()
                .map(|o| (o.navn.to_lowercase(), o))
                .map(|(n, o)| (o, n))
                .collect(),
        });
        gem(&self.cache.indeks, stamp, indeks.clone());
        Ok(indeks)
    }

    /// A public file built by `byg`, kept for each `navn` until public data changes. Only
    /// public files may be kept here.
    pub async fn gemt_fil<F>(&self, navn: String, byg: F) -> Result<Arc<Vec<u8>>, AppError>
    where
        F: std::future::Future<Output = Result<Vec<u8>, AppError>>,
    {
        /// At most this many files (some tens of MB of PDFs).
        const MAX_FILER: usize = 1000;
        let stamp = self.stamp().await?;
        if let Some(bytes) = stempelkort::hent(&self.cache.filer, &navn, stamp) {
            return Ok(bytes);
        }
        let _bygger = self.cache.bygger.lock().await;
        if let Some(bytes) = stempelkort::hent(&self.cache.filer, &navn, stamp) {
            return Ok(bytes);
        }
        let bytes = Arc::new(byg.await?);
        stempelkort::gem(&self.cache.filer, navn, stamp, bytes.clone(), MAX_FILER);
        Ok(bytes)
    }

    /// The open-data file of a year (built once per change of public data).
    pub async fn aaben_data_fil(&self, aar: Styringsaar, format: Filformat) -> Result<Arc<Vec<u8>>, AppError> {
        let navn = format!(
            "aabne-data/{aar}.{}",
            match format {
                Filformat::Csv => "csv",
                Filformat::CsvDansk => "dk.csv",
                Filformat::Xlsx => "xlsx",
            }
        );
        self.gemt_fil(navn, async {
            let rows = self.aaben_data(aar).await?;
            let celler: Vec<Vec<tabular::Celle>> = rows.iter().map(|r| r.celler(aar)).collect();
            Ok(match format {
                Filformat::Csv => tabular::csv(tabular::Dialect::Standard, &crate::EKSPORT_KOLONNER, &celler),
                Filformat::CsvDansk => tabular::csv(tabular::Dialect::Dansk, &crate::EKSPORT_KOLONNER, &celler),
                Filformat::Xlsx => tabular::xlsx(&format!("Nøgletal {aar}"), &crate::EKSPORT_KOLONNER, &celler)
                    .map_err(|e| AppError::internal("offentlige data", e))?,
            })
        })
        .await
    }

    /// One published redegørelse of an organisation, with the organisation: NotFound unless
    /// it is published.
    pub async fn publiceret_redegoerelse(
        &self,
        nummer: OrganisationNummer,
        aar: Styringsaar,
    ) -> Result<(Organisation, PublishedRedegoerelse), AppError> {
        let organisation = self.store.organisation_by_nummer(nummer).await?.ok_or(AppError::NotFound)?;
        let r = self.store.published_redegoerelser(organisation.id).await?.into_iter().find(|r| r.styringsaar == aar);
        Ok((organisation, r.ok_or(AppError::NotFound)?))
    }

    /// Organisations and afdelinger by name or number, optionally within a kommune (an
    /// organisation is in a kommune when it has its hjemsted or an afdeling there). The sector
    /// has some thousand names, so this runs in memory over the cached index.
    pub async fn soeg(
        &self,
        query: &str,
        kommune: Option<domain::Kommunekode>,
        side: store::Side,
    ) -> Result<store::Udsnit<Fund>, AppError> {
        let indeks = self.soegeindeks().await?;
        let fund = rangeret(&indeks, query, kommune, false);
        Ok(store::Udsnit::af(fund, side).map(|(art, i)| match art {
            Art::Organisation => Fund::Organisation(indeks.organisationer[i].0.clone()),
            Art::Afdeling => {
                let (a, _, o) = &indeks.afdelinger[i];
                Fund::Afdeling(a.clone(), indeks.organisationer[*o].0.clone())
            }
        }))
    }

    /// Every organisation that matches, best match first (as [`Offentlig::soeg`] ranks them).
    pub async fn soeg_organisationer(
        &self,
        query: &str,
        kommune: Option<domain::Kommunekode>,
    ) -> Result<Vec<Organisation>, AppError> {
        let indeks = self.soegeindeks().await?;
        Ok(rangeret(&indeks, query, kommune, true)
            .into_iter()
            .map(|(_, i)| indeks.organisationer[i].0.clone())
            .collect())
    }

    /// Published redegørelser of the organisations with hjemsted in `kommune`, newest first.
    pub async fn kommunens_redegoerelser(
        &self,
        kommune: domain::Kommunekode,
    ) -> Result<Vec<(Organisation, PublishedRedegoerelse)>, AppError> {
        let mut out = Vec::new();
        for o in self.store.organisationer().await?.into_iter().filter(|o| o.hjemstedskommune == kommune) {
            for r in self.store.published_redegoerelser(o.id).await? {
                out.push((o.clone(), r));
            }
        }
        out.sort_by(|a, b| b.1.styringsaar.cmp(&a.1.styringsaar).then_with(|| a.0.navn.cmp(&b.0.navn)));
        Ok(out)
    }

    /// An afdeling's sheet, kept until public data changes.
    pub async fn afdeling_sheet(
        &self,
        nummer: OrganisationNummer,
        afdeling: domain::AfdelingNummer,
    ) -> Result<Arc<AfdelingSheet>, AppError> {
        let stamp = self.stamp().await?;
        if let Some(ark) = stempelkort::hent(&self.cache.afdelingsark, &(nummer, afdeling), stamp) {
            return Ok(ark);
        }
        let ark = Arc::new(self.les_afdeling_sheet(nummer, afdeling).await?);
        stempelkort::gem(&self.cache.afdelingsark, (nummer, afdeling), stamp, ark.clone(), MAX_ARK);
        Ok(ark)
    }

    async fn les_afdeling_sheet(
        &self,
        nummer: OrganisationNummer,
        afdeling: domain::AfdelingNummer,
    ) -> Result<AfdelingSheet, AppError> {
        let organisation = self.store.organisation_by_nummer(nummer).await?.ok_or(AppError::NotFound)?;
        let afdelinger = self.store.afdelinger(organisation.id).await?;
        let afdeling = afdelinger.iter().find(|a| a.data.nummer == afdeling).cloned().ok_or(AppError::NotFound)?;
        let pakker = self.store.pakker_for_organisationer(&[organisation.id]).await?;
        let mut aar = Vec::new();
        for periode in self.store.regnskabsperioder(organisation.id).await?.iter().rev() {
            let y = periode.styringsaar;
            let offentlig = pakker.iter().any(|p| p.styringsaar == y && p.status.key_figures_public());
            let niveau = domain::beregning::Niveau::Afdeling;
            // Ungated figures are never read for the public, so they cannot leak.
            let (noegletal, effektivitet) = if offentlig {
                let linjer = crate::beregning::noegletal_linjer(
                    self.store.as_ref(),
                    &self.settings.katalog,
                    niveau,
                    afdeling.id.0,
                    domain::beregning::Pulje::Alle,
                    y,
                )
                .await?;
                let e = self.store.effektivitet_for(y, &[organisation.id]).await?;
                (linjer, e.into_iter().find(|e| e.afdeling == afdeling.id))
            } else {
                (
                    crate::beregning::tomme_linjer(&self.settings.katalog, niveau, domain::beregning::Pulje::Alle, y),
                    None,
                )
            };
            let (bedste_praksis, offentlige_i_gruppen) = match &effektivitet {
                Some(e) => {
                    let peer = self.store.afdeling(e.bedste_praksis).await?.ok_or(AppError::NotFound)?;
                    let bedste = crate::beregning::bedste_praksis(self.store.as_ref(), y, &afdeling, &peer).await?;
                    (Some(bedste), self.sammenligningsgruppe(y, &e.gruppe).await?.0.len())
                }
                None => (None, 0),
            };
            aar.push(AarsAfdeling {
                styringsaar: y,
                offentlig,
                noegletal,
                effektivitet,
                bedste_praksis,
                offentlige_i_gruppen,
            });
        }
        Ok(AfdelingSheet { kommune_navn: self.kommune_navn(afdeling.data.kommune).await?, organisation, afdeling, aar })
    }

    /// The efficiency figures of a comparison group in a year, of the organisations whose
    /// meeting is held (others are not public yet), with the rule's colour limits
    /// (red below, green from).
    pub async fn sammenligningsgruppe(
        &self,
        aar: Styringsaar,
        gruppe: &str,
    ) -> Result<Arc<(Vec<f64>, f64, f64)>, AppError> {
        let stamp = self.stamp().await?;
        let key = (aar, gruppe.to_string());
        if let Some(g) = stempelkort::hent(&self.cache.grupper, &key, stamp) {
            return Ok(g);
        }
        let g = Arc::new(self.les_sammenligningsgruppe(aar, gruppe).await?);
        stempelkort::gem(&self.cache.grupper, key, stamp, g.clone(), MAX_ARK);
        Ok(g)
    }

    async fn les_sammenligningsgruppe(&self, aar: Styringsaar, gruppe: &str) -> Result<(Vec<f64>, f64, f64), AppError> {
        let offentlige: std::collections::BTreeSet<OrganisationNummer> =
            self.store.offentlige_organisationer(aar).await?.into_iter().collect();
        let mut tal: Vec<f64> = self
            .store
            .effektivitet_i_gruppe(aar, gruppe)
            .await?
            .into_iter()
            .filter(|(org, _)| offentlige.contains(org))
            .map(|(_, v)| v)
            .collect();
        tal.sort_by(f64::total_cmp);
        let regler = &self.settings.regler.for_aar(aar).effektivitet;
        Ok((tal, regler.roed_under_procent, regler.groen_fra_procent))
    }

    /// Every organisation (master data is public).
    pub async fn organisationer(&self) -> Result<Vec<Organisation>, AppError> {
        Ok(self.store.organisationer().await?)
    }

    /// The kommuner, for names in pages: read again only when master data changed (a few
    /// stamps instead of the 98 rows).
    pub async fn kommuner(&self) -> Result<Arc<Vec<Kommune>>, AppError> {
        let stamp = self.stamp().await?;
        if let Some(kommuner) = fra_cache(&self.cache.kommuner, stamp) {
            return Ok(kommuner);
        }
        let kommuner = Arc::new(self.store.kommuner().await?);
        gem(&self.cache.kommuner, stamp, kommuner.clone());
        Ok(kommuner)
    }

    pub async fn kommune_navn(&self, kode: domain::Kommunekode) -> Result<String, AppError> {
        Ok(self.kommuner().await?.iter().find(|k| k.kode == kode).map(|k| k.navn.clone()).unwrap_or_default())
    }

    /// Open data: the key figures and efficiency figures of a styringsår, of the organisations
    /// whose meeting for that year is marked held (docs/domain.md §9). Others are left out whole,
    /// so nothing ungated can reach the file.
    pub async fn aaben_data(&self, aar: Styringsaar) -> Result<Vec<crate::EksportRaekke>, AppError> {
        let offentlige: std::collections::BTreeSet<u32> =
            self.store.offentlige_organisationer(aar).await?.into_iter().map(|n| n.get()).collect();
        let mut rows = crate::eksport::eksport_raekker(self.store.as_ref(), &self.settings.katalog, aar).await?;
        rows.retain(|r| offentlige.contains(&r.organisation));
        Ok(rows)
    }

    /// The styringsår with open data: those where some organisation's meeting is held, among
    /// the last ten years, newest first.
    pub async fn aabne_aar(&self, today: chrono::NaiveDate) -> Result<Vec<(Styringsaar, usize)>, AppError> {
        use chrono::Datelike;
        let stamp = self.stamp().await?;
        if let Some((dag, aar)) = fra_cache(&self.cache.aabne_aar, stamp)
            && dag == today
        {
            return Ok(aar);
        }
        let mut out = Vec::new();
        for y in (today.year() - 9..=today.year() + 1).rev() {
            let Ok(aar) = Styringsaar::new(i64::from(y)) else { continue };
            let n = self
                .store
                .pakke_forloeb(aar, None)
                .await?
                .iter()
                .filter(|f| f.pakke.status.key_figures_public())
                .count();
            if n > 0 {
                out.push((aar, n));
            }
        }
        gem(&self.cache.aabne_aar, stamp, (today, out.clone()));
        Ok(out)
    }

    /// The public attachments of packages the kommune has received, newest year first: only
    /// files of the newest submitted version, of kinds the year's rules mark public.
    async fn offentlige_bilag(&self, pakker: &[store::PakkeRecord]) -> Result<Vec<OffentligtBilag>, AppError> {
        let mut ud = Vec::new();
        for p in pakker.iter().filter(|p| p.status.received_by_kommune()) {
            let Some(version) = self.store.versions(p.id).await?.pop() else { continue };
            let regler = &self.settings.regler.for_aar(p.styringsaar).bilag;
            for b in self.store.bilag(p.id).await?.into_iter().filter(|b| version.bilag.contains(&b.id)) {
                if let Some(art) = regler.art(&b.art).filter(|a| a.offentlig) {
                    ud.push(OffentligtBilag { styringsaar: p.styringsaar, art: art.navn.clone(), bilag: b });
                }
            }
        }
        ud.sort_by(|a, b| b.styringsaar.cmp(&a.styringsaar).then_with(|| a.bilag.filnavn.cmp(&b.bilag.filnavn)));
        Ok(ud)
    }

    /// One public attachment with its content, if it is public (see [`DataSheet::regnskaber`]).
    pub async fn offentligt_bilag(
        &self,
        nummer: OrganisationNummer,
        bilag: store::BilagId,
    ) -> Result<(store::BilagRecord, Vec<u8>), AppError> {
        let organisation = self.store.organisation_by_nummer(nummer).await?.ok_or(AppError::NotFound)?;
        let pakker = self.store.pakker_for_organisationer(&[organisation.id]).await?;
        let offentlige = self.offentlige_bilag(&pakker).await?;
        if !offentlige.iter().any(|o| o.bilag.id == bilag) {
            return Err(AppError::NotFound);
        }
        let (record, indhold) = self.store.bilag_indhold(bilag).await?.ok_or(AppError::NotFound)?;
        Ok((record, indhold))
    }

    /// An organisation's sheet, kept until public data changes.
    pub async fn data_sheet(&self, nummer: OrganisationNummer) -> Result<Arc<DataSheet>, AppError> {
        let stamp = self.stamp().await?;
        if let Some(ark) = stempelkort::hent(&self.cache.dataark, &nummer, stamp) {
            return Ok(ark);
        }
        let ark = Arc::new(self.les_data_sheet(nummer).await?);
        stempelkort::gem(&self.cache.dataark, nummer, stamp, ark.clone(), MAX_ARK);
        Ok(ark)
    }

    async fn les_data_sheet(&self, nummer: OrganisationNummer) -> Result<DataSheet, AppError> {
        let organisation = self.store.organisation_by_nummer(nummer).await?.ok_or(AppError::NotFound)?;
        let afdelinger = self.store.afdelinger(organisation.id).await?;
        let administrator = match organisation.administrator {
            Some(id) => self.store.organisation(id).await?,
            None => None,
        };
        let pakker = self.store.pakker_for_organisationer(&[organisation.id]).await?;
        let mut aar = Vec::new();
        for periode in self.store.regnskabsperioder(organisation.id).await?.iter().rev() {
            let offentlig =
                pakker.iter().any(|p| p.styringsaar == periode.styringsaar && p.status.key_figures_public());
            // Ungated figures are never read for the public, so they cannot leak.
            let noegletal = if offentlig {
                crate::beregning::noegletal_linjer(
                    self.store.as_ref(),
                    &self.settings.katalog,
                    domain::beregning::Niveau::Organisation,
                    organisation.id.0,
                    domain::beregning::Pulje::for_organisation(organisation.kind),
                    periode.styringsaar,
                )
                .await?
            } else {
                crate::beregning::tomme_linjer(
                    &self.settings.katalog,
                    domain::beregning::Niveau::Organisation,
                    domain::beregning::Pulje::for_organisation(organisation.kind),
                    periode.styringsaar,
                )
            };
            aar.push(AarsNoegletal { styringsaar: periode.styringsaar, offentlig, noegletal });
        }
        let boliger =
            Boligtype::ALL.into_iter().map(|t| (t, afdelinger.iter().map(|a| a.data.boliger(t).antal).sum())).collect();
        Ok(DataSheet {
            regnskaber: self.offentlige_bilag(&pakker).await?,
            hjemstedskommune_navn: self.kommune_navn(organisation.hjemstedskommune).await?,
            redegoerelser: self.store.published_redegoerelser(organisation.id).await?,
            organisation,
            administrator,
            afdelinger,
            boliger,
            aar,
        })
    }
}

#[derive(Clone, Copy)]
enum Art {
    Organisation,
    Afdeling,
}

/// The search hits as (kind, position in the index), best first: the exact name or number,
/// then names that begin with the query, then names with a word that does, then names that
/// contain it; organisations before afdelinger, then by name. Ranked without copying a
/// record.
fn rangeret(
    indeks: &Soegeindeks,
    query: &str,
    kommune: Option<domain::Kommunekode>,
    kun_organisationer: bool,
) -> Vec<(Art, usize)> {
    let query = query.trim().to_lowercase();
    if query.is_empty() && kommune.is_none() {
        return Vec::new();
    }
    let nummer = query.parse::<u32>().ok();
    let rang = |navn: &str, nr: u32| -> Option<u8> {
        if query.is_empty() {
            Some(3)
        } else if Some(nr) == nummer || navn == query {
            Some(0)
        } else if navn.starts_with(&query) {
            Some(1)
        } else if navn.split(|c: char| !c.is_alphanumeric()).any(|ord| ord.starts_with(&query)) {
            Some(2)
        } else if navn.contains(&query) {
            Some(3)
        } else {
            None
        }
    };
    let i_kommunen: std::collections::BTreeSet<usize> = indeks
        .afdelinger
        .iter()
        .filter(|(a, _, _)| kommune.is_some_and(|k| a.data.kommune == k))
        .map(|(_, _, i)| *i)
        .collect();
    // (rank, organisations before afdelinger, name, number, which).
    let mut fund: Vec<(u8, u8, &str, u32, usize)> = indeks
        .organisationer
        .iter()
        .enumerate()
        .filter(|(i, (o, _))| kommune.is_none_or(|k| o.hjemstedskommune == k || i_kommunen.contains(i)))
        .filter_map(|(i, (o, navn))| rang(navn, o.nummer.get()).map(|r| (r, 0, navn.as_str(), o.nummer.get(), i)))
        .collect();
    if !kun_organisationer {
        fund.extend(
            indeks
                .afdelinger
                .iter()
                .enumerate()
                .filter(|(_, (a, _, _))| kommune.is_none_or(|k| a.data.kommune == k))
                .filter_map(|(i, (a, navn, _))| {
                    rang(navn, a.data.nummer.get()).map(|r| (r, 1, navn.as_str(), a.data.nummer.get(), i))
                }),
        );
    }
    fund.sort_unstable();
    fund.into_iter().map(|(_, art, _, _, i)| (if art == 0 { Art::Organisation } else { Art::Afdeling }, i)).collect()
}
