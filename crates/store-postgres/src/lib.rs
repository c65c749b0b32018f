//! PostgreSQL engine for production. Migrations embedded and run at connect.

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;
use store::StoreError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to a `postgres://` URL and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| StoreError::Database(format!("kan ikke forbinde til PostgreSQL «{}»: {e}", redact(url))))?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Database(format!("migrering fejlede: {e}")))?;
        Ok(Self { pool })
    }
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

store::sql_store_impl!(PgStore, sqlx::Postgres, store::Engine::Postgres, "BEGIN");
