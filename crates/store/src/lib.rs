//! Storage: one trait per aggregate, the records they exchange, and the errors.
//!
//! | trait | aggregate |
//! |---|---|
//! | [`MasterStore`] | reference, master and register data, bulk load |
//! | [`BeregningStore`] | imports, the national computation and its read models |
//! | [`BrugerStore`] | users, sessions, API keys and the audit log |
//! | [`PakkeStore`] | packages, answers, versions, templates and the package read models |
//! | [`BilagStore`] | attachments |
//! | [`MailStore`] | the outbox |
//! | [`MoedeStore`] | convened and held dialogue meetings |
//! | [`RedegoerelseStore`] | redegørelser, comments in høring and aftaler |
//! | [`IntegrationStore`] | idempotency keys of API writes |
//! | [`HistorikStore`] | earlier years' package histories, written at once |
//!
//! [`Store`] is all of them, which is what the application holds. The engines
//! (store-sqlite, store-postgres) share their SQL: the folder `crates/store/sql/` is compiled
//! into each engine against its own sqlx driver (see `docs/architecture.md`).
//!
//! Every method that changes state takes the audit event that describes the change and writes
//! both in one transaction, so the audit log can never miss a change. Read models (progress per
//! package, supervision counts, critical marks, efficiency averages) are kept by the writes that
//! change what they summarise, in the same transaction.

mod beregning;
mod bilag;
mod brugere;
mod historik;
pub mod import;
mod integration;
mod mail;
mod master;
mod moeder;
mod pakker;
mod redegoerelse;
mod side;

pub use beregning::*;
pub use bilag::*;
pub use brugere::*;
pub use historik::*;
pub use integration::*;
pub use mail::*;
pub use master::*;
pub use moeder::*;
pub use pakker::*;
pub use redegoerelse::*;
pub use side::*;

pub use domain::{AftaleId, ApiNoegleId, BilagId, DialogmoedeId, MailId, PakkeId, Revision};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the string names the constraint.
    #[error("findes allerede: {0}")]
    Conflict(String),
    /// The row changed since it was read (optimistic concurrency).
    #[error("data er ændret af en anden i mellemtiden")]
    Stale,
    #[error("ikke fundet: {0}")]
    NotFound(String),
    /// The database refused or failed; the driver's error is the source.
    #[error("{context}")]
    Database { context: String, source: Box<dyn std::error::Error + Send + Sync> },
    /// A stored value the types refuse: the database was changed outside the system.
    #[error("ugyldig værdi i databasen ({what}): {value}")]
    Corrupt { what: &'static str, value: String },
    /// A database file, backup or history batch that cannot be used as it is (damaged,
    /// incomplete, of a newer schema, in the way of a file that must not be overwritten, or a
    /// history step the writer does not take); says why.
    #[error("{0}")]
    Ubrugelig(String),
}

impl StoreError {
    pub fn database(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
        StoreError::in_context("databasefejl", e)
    }

    /// A database error with what was being done, e.g. which database could not be opened.
    pub fn in_context(context: impl Into<String>, e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
        StoreError::Database { context: context.into(), source: Box::new(e) }
    }

    pub fn corrupt(what: &'static str, value: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt { what, value: value.to_string() }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which engine a store runs on, for messages and engine-specific tuning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Everything the system persists: every aggregate's store. The application holds an
/// `Arc<dyn Store>` (ADR 0001).
pub trait Store:
    MasterStore
    + BeregningStore
    + BrugerStore
    + PakkeStore
    + BilagStore
    + MailStore
    + MoedeStore
    + RedegoerelseStore
    + IntegrationStore
    + HistorikStore
    + Send
    + Sync
    + 'static
{
    fn engine(&self) -> Engine;
    /// The connection pools' use at this moment, for the metrics.
    fn pools(&self) -> Vec<PoolStatus>;
}

/// One connection pool's use at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// `laesere` and `skriver` on SQLite; `faelles` on PostgreSQL (one pool for both).
    pub navn: &'static str,
    /// Connections open now.
    pub forbindelser: u32,
    /// Of those, idle now.
    pub ledige: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// One append-only audit entry: who did what to which object, and the details.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: Option<domain::access::UserId>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub details: serde_json::Value,
}

impl AuditEvent {
    /// The same event about another object (a row id known only once it is inserted).
    pub fn about(&self, object_id: impl ToString) -> AuditEvent {
        AuditEvent { object_id: object_id.to_string(), ..self.clone() }
    }

    /// The same event with one more detail.
    pub fn with_detail(&self, key: &str, value: impl Into<serde_json::Value>) -> AuditEvent {
        let mut event = self.clone();
        if let serde_json::Value::Object(map) = &mut event.details {
            map.insert(key.into(), value.into());
        }
        event
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub event: AuditEvent,
}

/// The schema version of a database from its applied migrations `(version, success,
/// checksum)`, against this release's `(version, checksum)`: every applied one must be known,
/// unchanged and complete. A newer schema is refused, for migrations only go forward. `hvad`
/// names the database in the message.
pub fn skemaversion(applied: &[(i64, bool, Vec<u8>)], kendte: &[(i64, &[u8])], hvad: &str) -> Result<i64> {
    let nyeste = kendte.iter().map(|(v, _)| *v).max().unwrap_or(0);
    let mut version = 0;
    for (v, success, checksum) in applied {
        let Some((_, kendt)) = kendte.iter().find(|(k, _)| k == v) else {
            return Err(StoreError::Ubrugelig(format!(
                "{hvad} har skemaversion {v}, som denne udgave ikke kender (den kender til og med {nyeste}): den er fra en nyere udgave"
            )));
        };
        if !success || *kendt != checksum.as_slice() {
            return Err(StoreError::Ubrugelig(format!("{hvad}: migrering {v} er ufuldstændig eller ændret")));
        }
        version = version.max(*v);
    }
    Ok(version)
}
