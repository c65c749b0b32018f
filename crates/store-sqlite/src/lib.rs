//! SQLite engine: the embedded default. WAL, a busy timeout and foreign keys on; migrations
//! embedded and run at connect.

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use store::StoreError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at a `sqlite://` URL and migrates it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Database(format!("ugyldig SQLite-adresse «{url}»: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        if let Some(parent) = Path::new(options.get_filename()).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Database(format!("kan ikke oprette mappen {}: {e}", parent.display())))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Database(format!("kan ikke åbne SQLite-databasen «{url}»: {e}")))?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Database(format!("migrering fejlede: {e}")))?;
        Ok(Self { pool })
    }
}

store::sql_store_impl!(SqliteStore, sqlx::Sqlite, store::Engine::Sqlite, "BEGIN IMMEDIATE");
