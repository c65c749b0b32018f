//! The SQL both engines share, one module per aggregate. This folder is not a module of the
//! `store` crate: each engine crate includes it as its own module `sql` (`#[path]`) and puts
//! in scope, at its root,
//!
//! - `Db`, its sqlx driver (`sqlx::Sqlite` or `sqlx::Postgres`),
//! - `Backend`, its store type, with `reader()` (the connections pages read from, a
//!   [`Lesere`] built with the engine's connect options), `skriver()` (the pool writes go to),
//!   `begin_write()` (a write transaction: `BEGIN IMMEDIATE` on SQLite's single writer),
//!   `analyse()` (planner statistics after bulk changes) and a field
//!   `svarkoe` ([`Svarkoe`], where saves of answers meet) and a field `sessionskort`
//!   ([`Sessionskort`], the sessions it has read),
//! - `begin_write_on(pool)`, what `begin_write()` does, for a task that holds the pool, and
//! - `saetninger`, the few batched writes whose text differs per engine: the saves of answers
//!   (locking the packages, checking them, their revisions, the answers) and the audit log,
//!   which every change appends to. PostgreSQL binds a batch as arrays, in one fixed text
//!   it plans once per connection, and locks the rows (`FOR UPDATE`); SQLite binds no arrays,
//!   so it writes `VALUES` lists, and locks nothing, as its single writer holds the database.
//!   Each engine's module has the same functions, on the types below ([`SvarRaekke`]).
//!
//! So the same text is compiled once per engine against its native driver: rustfmt, the
//! compiler and rust-analyzer see ordinary modules, and no generic bounds clutter the queries.
//! The statements are portable (`$n` placeholders, `RETURNING`, `ON CONFLICT`, integer øre,
//! UTC timestamps); apart from `saetninger`, only the migrations differ per engine.

mod beregning;
mod bilag;
mod brugere;
mod historik;
mod integration;
pub(crate) mod lesere;
mod mail;
mod master;
mod moeder;
mod pakker;
mod redegoerelse;
mod rows;
mod sessionskort;
mod svarkoe;

pub(crate) use lesere::Lesere;
pub(crate) use sessionskort::Sessionskort;
pub(crate) use svarkoe::Svarkoe;

use super::{Backend, Db, saetninger};
use store::{AuditEvent, Result, StoreError};

pub(crate) type Tx = sqlx::Transaction<'static, Db>;
type Query<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>;

/// Bound values per multi-row INSERT: keeps every statement under both engines' bind limits.
const BIND_BUDGET: usize = 30_000;

/// Rows per statement for a table with `columns` columns.
pub(crate) fn chunk(columns: usize) -> usize {
    (BIND_BUDGET / columns).max(1)
}

/// A uniqueness violation names its constraint; anything else keeps the driver's error.
pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    if let Some(d) = e.as_database_error()
        && d.is_unique_violation()
    {
        return StoreError::Conflict(d.constraint().unwrap_or(d.message()).to_string());
    }
    StoreError::database(e)
}

/// `.db()?` on a driver result: the store's error with the driver's as its source.
trait DbResult<T> {
    fn db(self) -> Result<T>;
}

impl<T> DbResult<T> for std::result::Result<T, sqlx::Error> {
    fn db(self) -> Result<T> {
        self.map_err(db_err)
    }
}

/// A compare-and-set changed exactly one row, or the row had moved on.
fn exactly_one(changed: u64) -> Result<()> {
    if changed == 1 { Ok(()) } else { Err(StoreError::Stale) }
}

async fn insert_audit(tx: &mut Tx, a: &AuditEvent) -> Result<()> {
    insert_audits(tx, std::slice::from_ref(a)).await
}

/// Audit events, in their order (the engine's batched statement).
async fn insert_audits(tx: &mut Tx, events: &[AuditEvent]) -> Result<()> {
    saetninger::indsaet_audit(tx, events).await
}

/// A row of `pakke_svar` as a save writes it.
pub(crate) struct SvarRaekke<'a> {
    pub pakke: i64,
    pub spoergsmaal: &'a str,
    /// The answer as JSON.
    pub svar: String,
    pub af: i64,
    pub tid: chrono::DateTime<chrono::Utc>,
    pub revision: i64,
}

/// `a, b, c`: ids as bound values.
pub(crate) fn push_ids(qb: &mut sqlx::QueryBuilder<Db>, ids: &[i64]) {
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
}

/// Marks what caches of `stamp` hold as out of date, in the transaction that changes it.
async fn bump_stamp(tx: &mut Tx, stamp: store::CacheStamp) -> Result<()> {
    sqlx::query("UPDATE cache_stempler SET version = version + 1 WHERE navn = $1")
        .bind(stamp.as_str())
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}

/// The end of every state change: its audit event, then the commit.
async fn commit(tx: Tx, audit: &AuditEvent) -> Result<()> {
    commit_alle(tx, std::slice::from_ref(audit)).await
}

/// The end of a batch of changes: the audit event of each, then the commit.
async fn commit_alle(mut tx: Tx, audit: &[AuditEvent]) -> Result<()> {
    insert_audits(&mut tx, audit).await?;
    tx.commit().await.db()
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("records serialize")
}

fn from_json<T: serde::de::DeserializeOwned>(what: &'static str, v: &str) -> Result<T> {
    serde_json::from_str(v).map_err(|e| StoreError::corrupt(what, e))
}

/// A stored code or number the domain type accepts, else the database is corrupt.
fn checked<T, E>(what: &'static str, v: i64) -> Result<T>
where
    T: TryFrom<i64, Error = E>,
{
    T::try_from(v).map_err(|_| StoreError::corrupt(what, v))
}

/// A stored count that must fit a smaller unsigned type.
fn count<T: TryFrom<i64>>(what: &'static str, v: i64) -> Result<T> {
    T::try_from(v).map_err(|_| StoreError::corrupt(what, v))
}

/// A stored name of an enum value, parsed by the enum's own `parse`.
fn parsed<T>(what: &'static str, v: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse(v).ok_or_else(|| StoreError::corrupt(what, v))
}

impl Backend {
    /// The shape of most single changes: one statement that must change exactly one row
    /// (otherwise the row had moved on: [`StoreError::Stale`]), then the audit event, in one
    /// transaction.
    async fn change_one(&self, query: Query<'_>, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        exactly_one(query.execute(&mut *tx).await.db()?.rows_affected())?;
        commit(tx, audit).await
    }
}
