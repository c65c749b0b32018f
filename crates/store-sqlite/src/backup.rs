//! Online backup, restore and verification of the SQLite database (docs/operations.md).
//!
//! A backup is `VACUUM INTO` a temporary file beside the target, renamed into place when it
//! is complete: it is one consistent read of the database while the server keeps writing,
//! and an interrupted backup never leaves a file under the target's name. Verification opens
//! a file read-only and checks SQLite's integrity, the foreign keys and the schema version
//! against this release's migrations; nothing is ever overwritten.

use crate::{MIGRATOR, SqliteStore};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::path::{Path, PathBuf};
use store::{Result, StoreError};

/// What a verification found: the schema version and the store, opened read-only, to count.
pub struct Verificeret {
    pub skemaversion: i64,
    pub store: SqliteStore,
}

fn ubrugelig(s: impl Into<String>) -> StoreError {
    StoreError::Ubrugelig(s.into())
}

/// The file name beside `target` a backup or restore is written to before it is renamed.
fn midlertidig(target: &Path) -> PathBuf {
    let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{}.delvis", std::process::id()));
    target.with_file_name(name)
}

fn refuse_existing(target: &Path) -> Result<()> {
    if target.exists() {
        return Err(ubrugelig(format!("{} findes allerede; intet er overskrevet", target.display())));
    }
    Ok(())
}

impl SqliteStore {
    /// Writes a consistent copy of the whole database to `target` while the server runs.
    /// Refuses an existing `target`.
    pub async fn backup(&self, target: &Path) -> Result<()> {
        refuse_existing(target)?;
        let tmp = midlertidig(target);
        let _ = std::fs::remove_file(&tmp);
        let path = tmp.to_str().ok_or_else(|| ubrugelig("stien til backuppen er ikke gyldig UTF-8"))?;
        // On a reader connection: the copy is one read transaction, and writers go on meanwhile.
        let copied = sqlx::query("VACUUM INTO $1").bind(path).execute(&self.readers).await;
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&tmp);
            return Err(StoreError::in_context(format!("backup til {} fejlede", target.display()), e));
        }
        // The copy is complete on disk before it takes the target's name.
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .and_then(|_| std::fs::hard_link(&tmp, target))
            .map_err(|e| StoreError::in_context(format!("backup til {} kunne ikke gemmes", target.display()), e))?;
        let _ = std::fs::remove_file(&tmp);
        Ok(())
    }

    /// Checks a database file without changing it, and opens it read-only for counting.
    pub async fn verify_file(path: &Path) -> Result<Verificeret> {
        if !path.is_file() {
            return Err(ubrugelig(format!("{} findes ikke eller er ikke en fil", path.display())));
        }
        let options = SqliteConnectOptions::new().filename(path).read_only(true);
        let damaged = |e: sqlx::Error| {
            ubrugelig(format!(
                "{} er ikke en brugbar SQLite-database (beskadiget eller ufuldstændig): {e}",
                path.display()
            ))
        };
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await.map_err(damaged)?;
        let integrity: Vec<(String,)> =
            sqlx::query_as("PRAGMA integrity_check").fetch_all(&pool).await.map_err(damaged)?;
        if integrity.first().map(|r| r.0.as_str()) != Some("ok") {
            let fund: Vec<String> = integrity.into_iter().take(5).map(|r| r.0).collect();
            return Err(ubrugelig(format!("{} er beskadiget: {}", path.display(), fund.join("; "))));
        }
        let fremmede: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(&pool).await.map_err(damaged)?;
        if let Some((tabel,)) = fremmede.first() {
            return Err(ubrugelig(format!("{} har rækker i {tabel}, der peger på noget, der mangler", path.display())));
        }
        let skemaversion = skemaversion(&pool, path).await?;
        let readers = crate::Lesere::connect(options, 1).await.map_err(damaged)?;
        Ok(Verificeret {
            skemaversion,
            store: SqliteStore { readers, writer: pool, svarkoe: Default::default(), sessionskort: Default::default() },
        })
    }

    /// Restores a backup to `target` (a new file): the backup is verified first, copied beside
    /// the target and renamed into place, then verified there. Refuses an existing `target`.
    pub async fn restore(backup: &Path, target: &Path) -> Result<Verificeret> {
        refuse_existing(target)?;
        drop(Self::verify_file(backup).await?);
        let tmp = midlertidig(target);
        let copy = std::fs::copy(backup, &tmp)
            .and_then(|_| std::fs::File::open(&tmp))
            .and_then(|f| f.sync_all())
            .and_then(|_| std::fs::hard_link(&tmp, target));
        let _ = std::fs::remove_file(&tmp);
        copy.map_err(|e| StoreError::in_context(format!("gendannelsen til {} fejlede", target.display()), e))?;
        Self::verify_file(target).await
    }
}

/// The schema version of the database, checked against this release's migrations.
async fn skemaversion(pool: &sqlx::SqlitePool, path: &Path) -> Result<i64> {
    let damaged = |e: sqlx::Error| ubrugelig(format!("{} har ingen læsbar skemaversion: {e}", path.display()));
    let applied: Vec<(i64, bool, Vec<u8>)> =
        sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .map_err(damaged)?;
    let kendte: Vec<(i64, &[u8])> = MIGRATOR.iter().map(|m| (m.version, &*m.checksum)).collect();
    store::skemaversion(&applied, &kendte, &path.display().to_string())
}
