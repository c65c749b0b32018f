//! Sessions kept in the process by token hash, under the sessions' stamp.
//!
//! Every request reads its session. Read in full it is a join of the session, its user and
//! the user's organisations; on PostgreSQL the stamps alone run at about 1.4 times the
//! statements per second of that join (docs/performance.md). A session read in full is kept
//! here with the stamp of `sessionsstempel` read in the same statement; the next request of
//! that session reads only the stamps (one short statement, which it needs for its caches
//! anyway) and uses the kept session while the stamp has not moved. Triggers move the stamp in the transaction of every change that can end
//! a session or change what its user may see (migration 0025), so a logout, a disabled user or
//! a changed role is seen by the next request on every instance, as with a read in full.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use store::{SessionRecord, UserRecord};

/// Sessions kept at most: a full map is emptied and refills from the sessions in use (a few
/// hundred bytes each, a few MB at most).
const HOEJST_SESSIONER: usize = 16_384;

/// A session as read in full, and the sessions' stamp it was read with.
pub(crate) struct KeptSession {
    pub(crate) stempel: i64,
    pub(crate) session: SessionRecord,
    pub(crate) user: UserRecord,
}

#[derive(Default)]
pub(crate) struct Sessionskort(Mutex<HashMap<String, Arc<KeptSession>>>);

impl Sessionskort {
    /// The session kept for `token_hash`, whatever its stamp (the caller compares it with the
    /// stamp it reads).
    pub(crate) fn hent(&self, token_hash: &str) -> Option<Arc<KeptSession>> {
        self.0.lock().expect("session cache lock").get(token_hash).cloned()
    }

    /// Keeps a session read in full in place of what was kept for its token.
    pub(crate) fn gem(&self, kept: KeptSession) {
        let mut kort = self.0.lock().expect("session cache lock");
        if kort.len() >= HOEJST_SESSIONER && !kort.contains_key(&kept.session.token_hash) {
            kort.clear();
        }
        kort.insert(kept.session.token_hash.clone(), Arc::new(kept));
    }

    /// Forgets the session of `token_hash` (not found in full, or ended here).
    pub(crate) fn glem(&self, token_hash: &str) {
        self.0.lock().expect("session cache lock").remove(token_hash);
    }
}
