//! PostgreSQL engine for production. Migrations embedded and run at connect.

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;
use store::{Result, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connections pages read from at once, besides the pool writes go to.
const READERS: u32 = 16;

/// Connections writes go to: the saves of answers share one (`svarkoe`), and other writes
/// are short transactions.
const WRITERS: u32 = 8;

pub struct PgStore {
    /// The connections pages read from, without sqlx's ping on every return
    /// (`sql/lesere.rs`).
    readers: sql::Lesere,
    /// The pool writes go to.
    pool: PgPool,
    /// Saves of answers, written together.
    svarkoe: sql::Svarkoe,
    /// Sessions read, kept under the sessions' stamp.
    sessionskort: sql::Sessionskort,
}

pub(crate) type Db = sqlx::Postgres;
pub(crate) type Backend = PgStore;
/// The batched writes in this engine's own text.
mod saetninger;

#[path = "../../store/sql/mod.rs"]
mod sql;

impl PgStore {
    /// Connects to a `postgres://` URL and migrates the database.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = open_pool(url, WRITERS).await?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::in_context("migrering fejlede", e))?;
        Self::with_readers(url, pool, READERS).await
    }

    /// Checks a database without changing it (one restored with `pg_restore`, say): every
    /// applied migration is one of this release's, unchanged and complete. Returns the schema
    /// version and the store, for counting. Nothing is migrated.
    pub async fn verify(url: &str) -> Result<(i64, Self)> {
        let pool = open_pool(url, 2).await?;
        let applied: Vec<(i64, bool, Vec<u8>)> =
            sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&pool)
                .await
                .map_err(|e| StoreError::Ubrugelig(format!("{} har ingen læsbar skemaversion: {e}", redact(url))))?;
        let kendte: Vec<(i64, &[u8])> = MIGRATOR.iter().map(|m| (m.version, &*m.checksum)).collect();
        let version = store::skemaversion(&applied, &kendte, &redact(url))?;
        Ok((version, Self::with_readers(url, pool, 2).await?))
    }

    async fn with_readers(url: &str, pool: PgPool, readers: u32) -> Result<Self> {
        let options = PgConnectOptions::from_str(url).map_err(|e| unreachable_url(url, e))?;
        let readers = sql::Lesere::connect(options, readers).await.map_err(|e| unreachable_url(url, e))?;
        Ok(Self { readers, pool, svarkoe: sql::Svarkoe::default(), sessionskort: sql::Sessionskort::default() })
    }

    /// After a bulk change: PostgreSQL's autovacuum keeps the planner's statistics current.
    pub(crate) async fn analyse(&self) -> Result<()> {
        // Autovacuum analyses a table only after a while; until then the planner guesses
        // from no statistics and walks a year's figures for the country instead of an index.
        sqlx::query("ANALYZE").execute(&self.pool).await.map_err(sql::db_err)?;
        Ok(())
    }

    /// After a bulk change that rewrote many rows (the demo's history updates every package
    /// many times): the dead row versions go as well, so the first pages after it do not
    /// walk them. A whole-database vacuum, so not after every computation.
    pub(crate) async fn efter_massevis(&self) -> Result<()> {
        sqlx::raw_sql("VACUUM (ANALYZE)").execute(&self.pool).await.map_err(sql::db_err)?;
        Ok(())
    }

    /// The connections pages read from.
    pub(crate) fn reader(&self) -> &sql::Lesere {
        &self.readers
    }

    /// The pool writes go to.
    pub(crate) fn skriver(&self) -> &PgPool {
        &self.pool
    }

    /// A write transaction; row locks and compare-and-set statements serialise conflicting
    /// writers.
    pub(crate) async fn begin_write(&self) -> Result<sql::Tx> {
        begin_write_on(&self.pool).await
    }
}

/// A write transaction on `pool` (see [`PgStore::begin_write`]).
pub(crate) async fn begin_write_on(pool: &PgPool) -> Result<sql::Tx> {
    let waiting = std::time::Instant::now();
    let tx = pool.begin().await.map_err(sql::db_err);
    metrics::histogram!("styringsdialog_db_write_wait_seconds").record(waiting.elapsed().as_secs_f64());
    tx
}

impl store::Store for PgStore {
    fn engine(&self) -> store::Engine {
        store::Engine::Postgres
    }

    fn pools(&self) -> Vec<store::PoolStatus> {
        vec![
            self.readers.status("laesere"),
            store::PoolStatus {
                navn: "skriver",
                forbindelser: self.pool.size(),
                ledige: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
                max: self.pool.options().get_max_connections(),
            },
        ]
    }
}

/// A pool of at most `connections` on the database at `url`.
async fn open_pool(url: &str, connections: u32) -> Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(10))
        // sqlx's default checks every connection with a round trip to the server before each
        // use: a busy page's two queries became four round trips. A connection that rested is
        // still checked (the server may have restarted or dropped it meanwhile); one in steady
        // use has just answered. The readers check after the same rest.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= sql::lesere::HVILE {
                    sqlx::Connection::ping(connection).await?;
                }
                Ok(true)
            })
        })
        .connect(url)
        .await
        .map_err(|e| unreachable_url(url, e))
}

fn unreachable_url(url: &str, e: sqlx::Error) -> StoreError {
    StoreError::in_context(format!("kan ikke forbinde til PostgreSQL «{}»", redact(url)), e)
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or("");
                format!("{scheme}://{user}:***@{host}")
            }
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}
