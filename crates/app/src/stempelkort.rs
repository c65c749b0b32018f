//! Values a process keeps by key until the stamp they were read under moves
//! ([`store::CacheStamp`], changed in the same transaction as the data), so an entry is used
//! only while nothing it shows has changed, also when another instance made the change.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

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
