//! Values a process keeps by key until the stamp they were read under moves
//! ([`store::CacheStamp`], changed in the same transaction as the data), so an entry is used
//! only while nothing it shows has changed, also when another instance made the change.

use domain::Kommunekode;
use domain::access::{Principal, UserId};
use std::cell::OnceCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use store::{CacheStempler, PakkeStempel, Store, StoreError};

tokio::task_local! {
    /// The stamps as first read in a request that changes nothing ([`med_faste_stempler`]).
    static FASTE_STEMPLER: OnceCell<Laesning>;
}

/// A request's one reading of what its caches are checked against.
#[derive(Debug, Clone, Copy)]
struct Laesning {
    stempler: CacheStempler,
    /// The fingerprint of the packages of the user's overview, when read with the session
    /// ([`store::Medlaesning::oversigtens_pakker`]), and whose packages they are.
    oversigtens_pakker: Option<(Oversigt, PakkeStempel)>,
}

/// Whose packages an overview's fingerprint covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Oversigt {
    /// Those a kommune sees or supervises.
    Kommune(Kommunekode),
    /// Those of the organisations an organisation user acts for (its principal's).
    Organisationer(UserId),
}

impl From<CacheStempler> for Laesning {
    fn from(stempler: CacheStempler) -> Self {
        Self { stempler, oversigtens_pakker: None }
    }
}

/// Runs `request`, which must change nothing (a GET), with the stamps read once: every cache
/// it consults is checked against that one reading, instead of a read per cache. Its data are
/// never older than the stamps (they are read after them), as with a read per cache.
pub async fn med_faste_stempler<F: std::future::Future>(request: F) -> F::Output {
    FASTE_STEMPLER.scope(OnceCell::new(), request).await
}

/// [`med_faste_stempler`] for a request that changes no stamp (a save of answers), its
/// reading the one made with `user`'s session at the start of the request.
pub async fn med_stemplerne_fra<F: std::future::Future>(user: &crate::SessionUser, request: F) -> F::Output {
    let celle = OnceCell::new();
    if let Some(stempler) = user.stempler {
        let _ = celle.set(stempler.into());
    }
    FASTE_STEMPLER.scope(celle, request).await
}

/// The stamps just read (with the session), and the fingerprint of the packages of the user's
/// overview when it was read too, become the request's reading, inside [`med_faste_stempler`]
/// and unless it has one.
pub(crate) fn kendte_stempler(stempler: CacheStempler, oversigtens_pakker: Option<(Oversigt, PakkeStempel)>) {
    let _ = FASTE_STEMPLER.try_with(|c| c.set(Laesning { stempler, oversigtens_pakker }));
}

/// The fingerprint of `oversigt`'s packages as read with the session, inside
/// [`med_faste_stempler`] and when it was.
fn laest_med_sessionen(oversigt: Oversigt) -> Option<PakkeStempel> {
    let kendt = FASTE_STEMPLER.try_with(|c| c.get().and_then(|l| l.oversigtens_pakker)).ok().flatten();
    kendt.filter(|(o, _)| *o == oversigt).map(|(_, stempel)| stempel)
}

/// The stamps now: inside [`med_faste_stempler`], the request's one reading.
pub(crate) async fn stempler(store: &dyn Store) -> Result<CacheStempler, StoreError> {
    if let Ok(Some(kept)) = FASTE_STEMPLER.try_with(|c| c.get().map(|l| l.stempler)) {
        return Ok(kept);
    }
    let read = store.cache_stempler().await?;
    // Two reads of one request at once: the first to finish is the request's.
    let _ = FASTE_STEMPLER.try_with(|c| c.set(read.into()));
    Ok(FASTE_STEMPLER.try_with(|c| c.get().map(|l| l.stempler)).ok().flatten().unwrap_or(read))
}

/// The fingerprint of `kommune`'s packages now ([`store::PakkeStore::kommunens_pakkestempel`]):
/// inside [`med_faste_stempler`], as read with the session when it was. Read before the data
/// it stamps, so those are never older than it.
pub(crate) async fn kommunens_pakker(store: &dyn Store, kommune: Kommunekode) -> Result<PakkeStempel, StoreError> {
    match laest_med_sessionen(Oversigt::Kommune(kommune)) {
        Some(stempel) => Ok(stempel),
        None => store.kommunens_pakkestempel(kommune).await,
    }
}

/// The fingerprint of the packages of the organisations `principal` acts for now
/// ([`store::PakkeStore::organisationernes_pakkestempel`]), as [`kommunens_pakker`] reads a
/// kommune's.
pub(crate) async fn organisationernes_pakker(
    store: &dyn Store,
    principal: &Principal,
) -> Result<PakkeStempel, StoreError> {
    match laest_med_sessionen(Oversigt::Organisationer(principal.user_id)) {
        Some(stempel) => Ok(stempel),
        None => {
            let organisationer: Vec<_> = principal.organisationer.iter().copied().collect();
            store.organisationernes_pakkestempel(&organisationer).await
        }
    }
}

/// Kept values by key, each with the stamp it was read under.
pub(crate) type Stempelkort<K, V> = Mutex<HashMap<K, (i64, Arc<V>)>>;

/// The value kept for `key`, if it was read under `stamp`.
pub(crate) fn hent<K: Hash + Eq, V>(kort: &Stempelkort<K, V>, key: &K, stamp: i64) -> Option<Arc<V>> {
    kort.lock().expect("cache lock").get(key).filter(|(s, _)| *s == stamp).map(|(_, v)| v.clone())
}

/// Keeps `value` for `key`; entries of older stamps go, and at `max` entries all go.
pub(crate) fn gem<K: Hash + Eq, V>(kort: &Stempelkort<K, V>, key: K, stamp: i64, value: Arc<V>, max: usize) {
    let mut kort = kort.lock().expect("cache lock");
    kort.retain(|_, (s, _)| *s == stamp);
    if kort.len() >= max {
        kort.clear();
    }
    kort.insert(key, (stamp, value));
}

/// Keys a [`Noeglekort`] holds at most; at that many all go, and the busy ones come back at
/// their next read. Only the sets of organisations users act for come near it (more than the
/// sector's organisations and administrations, a few MB at most); a kommune and a styringsår
/// never do.
const HOEJST_NOEGLER: usize = 4096;

/// Kept values by key, each under a stamp of its own (a kommune's packages move apart from
/// another kommune's): an entry is replaced when its key is read again, never swept.
pub(crate) struct Noeglekort<K, S, V>(Mutex<HashMap<K, (S, Arc<V>)>>);

impl<K, S, V> Default for Noeglekort<K, S, V> {
    fn default() -> Self {
        Self(Mutex::new(HashMap::new()))
    }
}

impl<K: Hash + Eq, S: PartialEq, V> Noeglekort<K, S, V> {
    /// The value kept for `key`, if it was read under `stamp`.
    pub(crate) fn hent(&self, key: &K, stamp: &S) -> Option<Arc<V>> {
        self.0.lock().expect("cache lock").get(key).filter(|(s, _)| s == stamp).map(|(_, v)| v.clone())
    }

    /// Keeps `value` for `key` in place of what was kept.
    pub(crate) fn gem(&self, key: K, stamp: S, value: Arc<V>) {
        let mut kort = self.0.lock().expect("cache lock");
        if kort.len() >= HOEJST_NOEGLER && !kort.contains_key(&key) {
            kort.clear();
        }
        kort.insert(key, (stamp, value));
    }

    /// The value kept for `key` under `stamp`, else what `laes` reads, kept under `stamp`.
    /// The caller reads `stamp` before the data, so a value kept is never older than its stamp.
    pub(crate) async fn hent_eller_laes<E>(
        &self,
        key: K,
        stamp: S,
        laes: impl std::future::Future<Output = Result<V, E>>,
    ) -> Result<Arc<V>, E> {
        if let Some(kept) = self.hent(&key, &stamp) {
            return Ok(kept);
        }
        let value = Arc::new(laes.await?);
        self.gem(key, stamp, value.clone());
        Ok(value)
    }
}
