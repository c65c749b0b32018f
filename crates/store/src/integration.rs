//! Integrations: idempotency keys of API writes, and webhooks: the endpoints users register
//! and the outbox of deliveries, filled by the transactions of the changes they tell of. (The
//! package change feed is a column of the package, [`crate::PakkeForloeb::aendring`], kept by
//! the package's writes.)

use crate::{AuditEvent, NewMail, Result, Side, Udsnit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::access::UserId;

#[async_trait]
pub trait IntegrationStore: Send + Sync {
    /// Claims `noegle` for the user's request with `fingeraftryk` (method, path and body), or
    /// says what became of the first request with that key. A first request still unanswered
    /// since before `opgivet_foer` was cut off (its server stopped mid-request): the same
    /// request may then claim the key again.
    async fn reserver_idempotens(
        &self,
        bruger: UserId,
        noegle: &str,
        fingeraftryk: &str,
        at: DateTime<Utc>,
        opgivet_foer: DateTime<Utc>,
    ) -> Result<Idempotens>;
    /// Keeps the response of the request that claimed the key, for its retries.
    async fn gem_idempotens_svar(&self, bruger: UserId, noegle: &str, svar: &GemtSvar) -> Result<()>;
    /// Gives the key up again after a failure the client may retry (a server error).
    async fn frigiv_idempotens(&self, bruger: UserId, noegle: &str) -> Result<()>;
    /// Forgets the keys claimed before `foer`; returns how many.
    async fn glem_idempotens(&self, foer: DateTime<Utc>) -> Result<u64>;

    /// Registers an endpoint.
    async fn opret_webhook(&self, endepunkt: &NytEndepunkt, audit: &AuditEvent) -> Result<WebhookId>;
    /// One endpoint, with its secrets.
    async fn webhook(&self, id: WebhookId) -> Result<Option<EndepunktRecord>>;
    /// A user's endpoints, newest first.
    async fn brugerens_webhooks(&self, bruger: UserId) -> Result<Vec<EndepunktRecord>>;
    /// A new secret; the old one keeps signing until `tidligere_udloeber`.
    async fn roter_webhook(
        &self,
        id: WebhookId,
        hemmelighed: &str,
        tidligere_udloeber: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Deactivates an endpoint (its waiting deliveries are given up), with the mail that tells
    /// its owner, when any. Stale when it is already deactivated.
    async fn deaktiver_webhook(
        &self,
        id: WebhookId,
        grund: &str,
        at: DateTime<Utc>,
        mail: Option<&NewMail>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Claims the oldest delivery that is due to an active endpoint, or one whose sender has
    /// held it since before `glemt_foer` (it died).
    async fn claim_leverance(&self, now: DateTime<Utc>, glemt_foer: DateTime<Utc>) -> Result<Option<Leverance>>;
    /// Records an attempt: delivered (2xx), or failed with the next attempt (none: given up).
    async fn leverance_forsoeg(&self, id: LeveranceId, udfald: &Forsoeg) -> Result<()>;
    /// One page of an endpoint's deliveries, newest first.
    async fn leverancer(&self, endepunkt: WebhookId, side: Side) -> Result<Udsnit<LeveranceRecord>>;
    /// Makes a delivery due again now (the owner's "send again"); a delivery being sent is Stale.
    async fn send_leverance_igen(&self, id: LeveranceId, now: DateTime<Utc>, audit: &AuditEvent) -> Result<()>;
    /// Queues a test event for one endpoint (the owner's "send a test"), due now.
    async fn test_leverance(
        &self,
        endepunkt: WebhookId,
        haendelse_id: &str,
        indhold: &str,
        at: DateTime<Utc>,
    ) -> Result<LeveranceId>;
    /// Active endpoints that have failed every delivery since before `foer`.
    async fn doede_webhooks(&self, foer: DateTime<Utc>) -> Result<Vec<EndepunktRecord>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct WebhookId(pub i64);

impl std::fmt::Display for WebhookId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct LeveranceId(pub i64);

impl std::fmt::Display for LeveranceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An endpoint as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NytEndepunkt {
    pub bruger: UserId,
    pub url: String,
    /// The CloudEvents types it receives.
    pub typer: Vec<String>,
    /// `whsec_` and the base64 of the key (Standard Webhooks).
    pub hemmelighed: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndepunktRecord {
    pub id: WebhookId,
    pub endepunkt: NytEndepunkt,
    pub tidligere_hemmelighed: Option<(String, DateTime<Utc>)>,
    pub fejler_siden: Option<DateTime<Utc>>,
    pub deaktiveret: Option<(DateTime<Utc>, String)>,
    /// The owner's e-mail address, for telling of a deactivation.
    pub ejer_email: Option<String>,
}

/// A delivery claimed for sending, with what signing and sending need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leverance {
    pub id: LeveranceId,
    pub endepunkt: WebhookId,
    pub url: String,
    /// The secrets that sign it: the current one, and the previous during its grace day.
    pub hemmeligheder: Vec<String>,
    pub haendelse_id: String,
    /// The CloudEvent as JSON.
    pub indhold: String,
    /// Attempts so far, this one included.
    pub forsoeg: i64,
    pub oprettet: DateTime<Utc>,
}

/// The outcome of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forsoeg {
    pub at: DateTime<Utc>,
    pub statuskode: Option<u16>,
    /// None when delivered.
    pub fejl: Option<String>,
    /// When to try again; None when delivered or given up.
    pub naeste: Option<DateTime<Utc>>,
}

/// A delivery in the endpoint's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeveranceRecord {
    pub id: LeveranceId,
    pub haendelse_id: String,
    pub type_: String,
    pub oprettet: DateTime<Utc>,
    pub forsoeg: i64,
    pub leveret: Option<DateTime<Utc>>,
    pub naeste_forsoeg: Option<DateTime<Utc>>,
    pub sidste_statuskode: Option<u16>,
    pub sidste_fejl: Option<String>,
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
