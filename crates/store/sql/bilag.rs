//! Attachments.

use super::pakker::bump_revision;
use super::rows::{BILAG_COLUMNS, BilagRow};
use super::{Backend, DbResult, commit, exactly_one};
use chrono::{DateTime, Utc};
use domain::package::PakkeStatus;
use sqlx::Row;
use store::*;

#[async_trait::async_trait]
impl BilagStore for Backend {
    async fn add_bilag(&self, b: &NewBilag, audit: &AuditEvent) -> Result<BilagId> {
        let mut tx = self.begin_write().await?;
        bump_revision(&mut tx, b.pakke, &[b.expected_status], b.at).await?.ok_or(StoreError::Stale)?;
        if b.erstatter {
            sqlx::query("UPDATE bilag SET erstattet = $1 WHERE pakke_id = $2 AND art = $3 AND erstattet IS NULL")
                .bind(b.at)
                .bind(b.pakke.0)
                .bind(&b.art)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO bilag (pakke_id, art, filnavn, mime, stoerrelse, sha256, indhold, uploadet_af, uploadet) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(b.pakke.0)
        .bind(&b.art)
        .bind(&b.filnavn)
        .bind(&b.mime)
        .bind(b.indhold.len() as i64)
        .bind(&b.sha256)
        .bind(&b.indhold)
        .bind(b.by.0)
        .bind(b.at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        commit(tx, &audit.with_detail("bilag", id)).await?;
        Ok(BilagId(id))
    }

    async fn withdraw_bilag(
        &self,
        pakke: PakkeId,
        bilag: BilagId,
        expected_status: PakkeStatus,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        bump_revision(&mut tx, pakke, &[expected_status], at).await?.ok_or(StoreError::Stale)?;
        let withdrawn =
            sqlx::query("UPDATE bilag SET erstattet = $1 WHERE id = $2 AND pakke_id = $3 AND erstattet IS NULL")
                .bind(at)
                .bind(bilag.0)
                .bind(pakke.0)
                .execute(&mut *tx)
                .await
                .db()?
                .rows_affected();
        exactly_one(withdrawn)?;
        commit(tx, audit).await
    }

    async fn bilag(&self, pakke: PakkeId) -> Result<Vec<BilagRecord>> {
        let rows: Vec<BilagRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {BILAG_COLUMNS} FROM bilag WHERE pakke_id = $1 ORDER BY id"
        )))
        .bind(pakke.0)
        .fetch_all(self.reader())
        .await
        .db()?;
        Ok(rows.into_iter().map(BilagRecord::from).collect())
    }

    async fn bilag_indhold(&self, id: BilagId) -> Result<Option<(BilagRecord, Vec<u8>)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {BILAG_COLUMNS}, indhold FROM bilag WHERE id = $1")))
            .bind(id.0)
            .fetch_optional(self.reader())
            .await
            .db()?;
        match row {
            Some(r) => {
                let record: BilagRow = sqlx::FromRow::from_row(&r).db()?;
                Ok(Some((BilagRecord::from(record), r.try_get("indhold").db()?)))
            }
            None => Ok(None),
        }
    }
}
