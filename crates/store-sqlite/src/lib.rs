//! SQLite engine: the embedded default. WAL, a busy timeout and foreign keys on; migrations
//! embedded and run at connect.
//!
//! Readers and the writer are separate pools: pages read concurrently from several
//! connections (WAL lets them read while a write is in progress), and every write transaction
//! goes through one connection, so writers queue in the process instead of spinning on the
//! database file's lock.

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use store::{Result, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connections that read at once; more would only queue on the two cores.
const READERS: u32 = 8;

mod backup;
pub use backup::Verificeret;
use sql::Lesere;

pub struct SqliteStore {
    readers: Lesere,
    writer: SqlitePool,
    /// Saves of answers, written together.
    svarkoe: sql::Svarkoe,
    /// Sessions read, kept under the sessions' stamp.
    sessionskort: sql::Sessionskort,
}

pub(crate) type Db = sqlx::Sqlite;
pub(crate) type Backend = SqliteStore;
/// The batched writes in this engine's own text.
mod saetninger;

#[path = "../../store/sql/mod.rs"]
mod sql;

impl SqliteStore {
    /// Opens (creating if missing) the database at a `sqlite://` URL and migrates it.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::in_context(format!("ugyldig SQLite-adresse «{url}»"), e))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Each row crosses from the connection's thread in a channel: room for a whole
            // page's rows lets the thread run through a query without waiting to be drained.
            .row_buffer_size(2048);
        if let Some(parent) = Path::new(options.get_filename()).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::in_context(format!("kan ikke oprette mappen {}", parent.display()), e))?;
        }
        let open_error = |e| StoreError::in_context(format!("kan ikke åbne SQLite-databasen «{url}»"), e);
        // A connection is a file handle on this machine, not a network link: the pool's
        // liveness ping before each acquire would only add a round trip to the connection's
        // thread to every query.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(open_error)?;
        MIGRATOR.run(&writer).await.map_err(|e| StoreError::in_context("migrering fejlede", e))?;
        let readers = Lesere::connect(options.read_only(true), READERS).await.map_err(open_error)?;
        Ok(Self { readers, writer, svarkoe: sql::Svarkoe::default(), sessionskort: sql::Sessionskort::default() })
    }

    /// After a bulk change (a load, a computation): lets SQLite's planner learn the new sizes
    /// of the tables (`PRAGMA optimize` analyses the tables that changed, a sample of each).
    pub(crate) async fn analyse(&self) -> Result<()> {
        sqlx::query("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002")
            .execute(&self.writer)
            .await
            .map_err(sql::db_err)?;
        Ok(())
    }

    /// After a bulk change that rewrote many rows: the statistics (SQLite's writes leave no
    /// dead rows for readers to walk).
    pub(crate) async fn efter_massevis(&self) -> Result<()> {
        self.analyse().await
    }

    /// The pool pages read from.
    pub(crate) fn reader(&self) -> &Lesere {
        &self.readers
    }

    /// A write transaction on the single writer. `BEGIN IMMEDIATE` takes the write lock at
    /// once, so a transaction that reads before it writes never fails on a lock upgrade.
    pub(crate) async fn begin_write(&self) -> Result<sql::Tx> {
        begin_write_on(&self.writer).await
    }

    /// The pool writes go to: the single writer.
    pub(crate) fn skriver(&self) -> &SqlitePool {
        &self.writer
    }
}

/// A write transaction on `writer` (see [`SqliteStore::begin_write`]).
pub(crate) async fn begin_write_on(writer: &SqlitePool) -> Result<sql::Tx> {
    let waiting = std::time::Instant::now();
    let tx = writer.begin_with("BEGIN IMMEDIATE").await.map_err(sql::db_err);
    // The single writer is where SQLite's writes queue: the wait is worth watching.
    metrics::histogram!("styringsdialog_db_write_wait_seconds").record(waiting.elapsed().as_secs_f64());
    tx
}

impl store::Store for SqliteStore {
    fn engine(&self) -> store::Engine {
        store::Engine::Sqlite
    }

    fn pools(&self) -> Vec<store::PoolStatus> {
        let status = |navn, pool: &SqlitePool| store::PoolStatus {
            navn,
            forbindelser: pool.size(),
            ledige: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        };
        vec![self.readers.status("laesere"), status("skriver", &self.writer)]
    }
}
