//! What a package's pages read, kept per package while nothing it shows has changed.
//!
//! The key is the package's revision (bumped in the same transaction as every change to the
//! package: answers, files, transitions, meetings, the redegørelse) and the cache stamps of the
//! figures, the aftaler and the templates (bumped by the transactions that change those). Every
//! request reads the package row for its scope check anyway, and the stamps come with its
//! session; a hit then needs nothing else, on any instance. Parts only some pages need (the
//! working copy, the submitted answers, the facts, the meetings, the aftaler) are read the first
//! time a page asks for them.

use crate::{NoegletalLinje, PakkeFakta};
use domain::beregning::Vaerdi;
use domain::master::{Afdeling, Organisation};
use domain::template::Svar;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use store::*;
use tokio::sync::OnceCell;

/// [`PakkeData::afdelingsstatus`] of the working copy, and of the submitted version.
pub(crate) const ARBEJDSKOPI: usize = 0;
pub(crate) const INDSENDT: usize = 1;

/// How many packages are kept: the busiest ones of a deadline day, some tens of MB.
const PAKKER: usize = 64;

/// What a cached package was read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Noegle {
    pub revision: Revision,
    pub stempler: CacheStempler,
}

/// The working copy's answers with who saved them, and the answers alone.
pub(crate) type Arbejdskopi = (Arc<BTreeMap<String, SvarRecord>>, Arc<BTreeMap<String, Svar>>);

/// Submitted versions' answers by version number.
pub(crate) type TidligereVersioner = Arc<Mutex<HashMap<i64, Arc<BTreeMap<String, Svar>>>>>;

/// The afdeling forms as worked out once, with the answers they were worked out from.
pub(crate) type Afdelingsstatus = (Arc<BTreeMap<String, Svar>>, HashMap<domain::master::AfdelingId, Afdelingsskema>);

/// One afdeling's form as its answers make it: what every package page shows of it, small
/// (a kept package may have hundreds of forms).
pub(crate) struct Afdelingsskema {
    pub tilstand: domain::template::SektionStatus,
    /// How many problems stop a submission, and the first (check-your-answers shows a form
    /// as one line; the whole list is worked out when asked).
    pub problemer: usize,
    pub foerste_problem: Option<domain::template::Problem>,
    /// The key of its newest saved answer.
    pub sidst_redigeret: Option<String>,
}

/// A kept package row with its recipients (the kommuner it was sent to).
pub(crate) type Raekke = Arc<(PakkeRecord, Vec<domain::Kommunekode>)>;

/// A kept package: what it was read under, when it was kept, its data.
type Gemt = (Noegle, u64, Arc<PakkeData>);

/// A package's data as read under one [`Noegle`]: the same for every viewer; what a viewer may
/// see of it is decided per request.
#[derive(Clone)]
pub(crate) struct PakkeData {
    pub organisation: Organisation,
    pub versions: Vec<VersionRecord>,
    pub bilag: Vec<BilagRecord>,
    pub haendelser: Vec<HaendelseRecord>,
    pub moeder: Vec<MoedeRecord>,
    /// Every revision; the page shows them only to whoever may see the draft.
    pub redegoerelser: Vec<RedegoerelseRecord>,
    pub noegletal: Vec<NoegletalLinje>,
    pub afdelinger: Arc<Vec<Afdeling>>,
    pub afdeling_noegletal: Arc<Vec<Vaerdi>>,
    /// The afdelinger whose efficiency figure is yellow or red this year (bilag 3 packages).
    pub gule_eller_roede: Arc<Vec<domain::master::AfdelingId>>,
    pub arbejdskopi: OnceCell<Arbejdskopi>,
    pub indsendt: OnceCell<Arc<BTreeMap<String, Svar>>>,
    /// Earlier versions' answers as a version page or comparison asked for them. A version is
    /// never changed once submitted, so the map is shared by the data carried on after a save.
    pub tidligere_versioner: TidligereVersioner,
    pub forudfyldning: OnceCell<Option<String>>,
    pub fakta: OnceCell<Arc<PakkeFakta>>,
    pub dialogmoeder: OnceCell<Arc<Vec<crate::DialogmoedeVisning>>>,
    pub aftaler: OnceCell<Arc<Vec<AftaleRecord>>>,
    /// The package's henstillinger and påbud: registering one bumps the package's revision,
    /// so they hold as long as the rest.
    pub tilsynsreaktioner: OnceCell<Arc<Vec<TilsynsreaktionRecord>>>,
    /// The afdeling forms' statuses of the working copy and of the newest submitted version:
    /// every package page shows them, and an organisation with 55 afdelinger has 55 forms of
    /// some thirty answers each.
    pub afdelingsstatus: [std::sync::OnceLock<Arc<Afdelingsstatus>>; 2],
}

impl std::fmt::Debug for PakkeData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PakkeData").field("organisation", &self.organisation.nummer).finish_non_exhaustive()
    }
}

/// The kept packages, with the order they were kept in (the oldest goes first when full).
#[derive(Default)]
pub(crate) struct PakkeCache {
    pakker: Mutex<HashMap<PakkeId, Gemt>>,
    taeller: std::sync::atomic::AtomicU64,
    /// Each kept package's row and recipients (its scope) as last read, under what it was read
    /// under: every change of the row moves its revision (answers, files, transitions) or a
    /// stamp (a deadline or reporting period numbers a change, master data moves `tal`).
    raekker: Mutex<HashMap<PakkeId, (Noegle, Raekke)>>,
}

impl PakkeCache {
    /// The package's row and recipients if they were read under `noegle`.
    pub fn raekke(&self, id: PakkeId, noegle: Noegle) -> Option<Raekke> {
        let raekker = self.raekker.lock().expect("cache lock");
        raekker.get(&id).filter(|(n, _)| *n == noegle).map(|(_, r)| r.clone())
    }

    /// Keeps the package's row and recipients as read under `noegle`, for as many packages as
    /// their data (a row is small; the bound only stops growth).
    pub fn gem_raekke(&self, pakke: &PakkeRecord, modtagere: &[domain::Kommunekode], noegle: Noegle) {
        let mut raekker = self.raekker.lock().expect("cache lock");
        if raekker.get(&pakke.id).is_some_and(|(n, _)| *n == noegle) {
            return;
        }
        if raekker.len() >= PAKKER * 16 && !raekker.contains_key(&pakke.id) {
            raekker.clear();
        }
        raekker.insert(pakke.id, (noegle, Arc::new((pakke.clone(), modtagere.to_vec()))));
    }

    /// The package's data if it was read under `noegle`.
    pub fn hent(&self, id: PakkeId, noegle: Noegle) -> Option<Arc<PakkeData>> {
        let pakker = self.pakker.lock().expect("cache lock");
        pakker.get(&id).filter(|(n, _, _)| *n == noegle).map(|(_, _, d)| d.clone())
    }

    /// After answers were saved in this process, the package moved to `revision`. When the
    /// kept data was read at the revision just before (nothing else changed the package in
    /// between), everything in it still holds but the working copy, and the working copy is
    /// the one read plus the answers just saved (`change`, saved by `by_name`): a save costs
    /// neither a reload of the package's versions, files, events and figures nor of its
    /// answers. The afdeling forms' statuses are worked out again when asked for. Otherwise
    /// (or on another instance) the next read misses and reads everything.
    pub fn efter_svar(&self, change: &SvarChange, by_name: &str, revision: Revision) {
        let id = change.pakke;
        let kept = self.pakker.lock().expect("cache lock").get(&id).cloned();
        let Some((noegle, nr, data)) = kept.filter(|(n, _, _)| n.revision.0 + 1 == revision.0) else {
            self.pakker.lock().expect("cache lock").remove(&id);
            return;
        };
        // The copy is made outside the lock: a working copy holds thousands of answers.
        let mut videre = PakkeData::clone(&data);
        videre.arbejdskopi = match data.arbejdskopi.get() {
            Some((meta, svar)) => {
                let (mut meta, mut svar) = (BTreeMap::clone(meta), BTreeMap::clone(svar));
                for (key, saved) in &change.svar {
                    let record = SvarRecord {
                        svar: saved.clone(),
                        updated_by: change.by,
                        updated_by_name: by_name.to_string(),
                        updated_at: change.at,
                        revision,
                    };
                    meta.insert(key.clone(), record);
                    svar.insert(key.clone(), saved.clone());
                }
                OnceCell::new_with(Some((Arc::new(meta), Arc::new(svar))))
            }
            None => OnceCell::new(),
        };
        videre.afdelingsstatus[ARBEJDSKOPI] = std::sync::OnceLock::new();
        let mut pakker = self.pakker.lock().expect("cache lock");
        // Only over the data it was made from: a read at another revision may have come first.
        if pakker.get(&id).is_some_and(|(n, _, d)| *n == noegle && Arc::ptr_eq(d, &data)) {
            pakker.insert(id, (Noegle { revision, stempler: noegle.stempler }, nr, Arc::new(videre)));
        }
    }

    pub fn gem(&self, id: PakkeId, noegle: Noegle, data: Arc<PakkeData>) {
        let nr = self.taeller.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut pakker = self.pakker.lock().expect("cache lock");
        if pakker.len() >= PAKKER && !pakker.contains_key(&id) {
            let aeldste = pakker.iter().min_by_key(|(_, (_, n, _))| *n).map(|(id, _)| *id);
            if let Some(aeldste) = aeldste {
                pakker.remove(&aeldste);
            }
        }
        pakker.insert(id, (noegle, nr, data));
    }
}
