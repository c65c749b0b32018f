//! Integrations: idempotency keys of API writes. (The package change feed is a column of the
//! package, [`crate::PakkeForloeb::aendring`], kept by the package's writes.)

use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::access::UserId;

#[async_trait]
pub trait IntegrationStore: Send + Sync {
    /// Claims `noegle` for the user's request with `fingeraftryk` (method, path and body), or
    /// says what became of the first request with that key.
    async fn reserver_idempotens(
        &self,
        bruger: UserId,
        noegle: &str,
        fingeraftryk: &str,
        at: DateTime<Utc>,
    ) -> Result<Idempotens>;
    /// Keeps the response of the request that claimed the key, for its retries.
    async fn gem_idempotens_svar(&self, bruger: UserId, noegle: &str, svar: &GemtSvar) -> Result<()>;
    /// Gives the key up again after a failure the client may retry (a server error).
    async fn frigiv_idempotens(&self, bruger: UserId, noegle: &str) -> Result<()>;
    /// Forgets the keys claimed before `foer`; returns how many.
    async fn glem_idempotens(&self, foer: DateTime<Utc>) -> Result<u64>;
}

/// What a claim of an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotens {
    /// The key is new and now held by this request.
    Ny,
    /// The first request with the key is still running.
    Igang,
    /// The first request was answered; this is its response.
    Besvaret(GemtSvar),
    /// The key was used for a different request.
    AndenForespoergsel,
}

/// A response kept for the retries of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GemtSvar {
    pub status: u16,
    pub indholdstype: Option<String>,
    pub krop: Vec<u8>,
}
