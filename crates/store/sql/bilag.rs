//! Attachments.

use super::integration::udsend;
use super::pakker::{bump_revision, refresh_forloeb};
use super::rows::{BILAG_COLUMNS, BilagRow};
use super::{Backend, DbResult, commit, exactly_one, from_json, to_json};
use chrono::{DateTime, NaiveDate, Utc};
use domain::haendelser::HaendelsesType;
use domain::package::PakkeStatus;
use sqlx::Row;
use store::*;

/// Stores an uploaded file of a package; returns its id.
async fn insert_bilag(tx: &mut super::Tx, b: &NewBilag) -> Result<i64> {
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
    .fetch_one(&mut **tx)
    .await
    .db()?;
    Ok(id)
}

/// An upload (see [`BilagStore::add_bilag`]) in the caller's transaction; returns the file's id
/// and the package's new revision.
pub(super) async fn add_bilag_in(tx: &mut super::Tx, b: &NewBilag) -> Result<(BilagId, Revision)> {
    let revision = bump_revision(tx, b.pakke, &[b.expected_status], b.at).await?.ok_or(StoreError::Stale)?;
    if b.erstatter {
        sqlx::query("UPDATE bilag SET erstattet = $1 WHERE pakke_id = $2 AND art = $3 AND erstattet IS NULL")
            .bind(b.at)
            .bind(b.pakke.0)
            .bind(&b.art)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    let id = insert_bilag(tx, b).await?;
    Ok((BilagId(id), revision))
}

#[async_trait::async_trait]
impl BilagStore for Backend {
    async fn add_bilag(&self, b: &NewBilag, audit: &AuditEvent) -> Result<BilagId> {
        let mut tx = self.begin_write().await?;
        let (id, _) = add_bilag_in(&mut tx, b).await?;
        commit(tx, &audit.with_detail("bilag", id.0)).await?;
        Ok(id)
    }

    async fn add_supplement(&self, b: &NewBilag, audit: &AuditEvent) -> Result<VersionRecord> {
        let mut tx = self.begin_write().await?;
        bump_revision(&mut tx, b.pakke, &[b.expected_status], b.at).await?.ok_or(StoreError::Stale)?;
        let newest: Option<(i64, String, bool, String, Option<NaiveDate>)> = sqlx::query_as(
            "SELECT version, svar, for_sent, bilag, bestyrelse_godkendt FROM pakke_versioner WHERE pakke_id = $1 \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(b.pakke.0)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let Some((version, svar, late, bilag, bestyrelse_godkendt)) = newest else { return Err(StoreError::Stale) };
        let mut bilag: Vec<BilagId> = from_json("bilag", &bilag)?;
        if b.erstatter {
            let erstattede: Vec<(i64,)> = sqlx::query_as(
                "UPDATE bilag SET erstattet = $1 WHERE pakke_id = $2 AND art = $3 AND erstattet IS NULL RETURNING id",
            )
            .bind(b.at)
            .bind(b.pakke.0)
            .bind(&b.art)
            .fetch_all(&mut *tx)
            .await
            .db()?;
            bilag.retain(|id| !erstattede.iter().any(|(e,)| *e == id.0));
        }
        let id = insert_bilag(&mut tx, b).await?;
        bilag.push(BilagId(id));
        let next = version + 1;
        sqlx::query(
            "INSERT INTO pakke_versioner (pakke_id, version, svar, indsendt_af, indsendt, for_sent, idempotens, bilag, \
             bestyrelse_godkendt, supplement) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(b.pakke.0)
        .bind(next)
        .bind(svar)
        .bind(b.by.0)
        .bind(b.at)
        .bind(late)
        .bind(format!("supplement-{id}"))
        .bind(to_json(&bilag))
        .bind(bestyrelse_godkendt)
        .bind(&b.art)
        .execute(&mut *tx)
        .await
        .db()?;
        let data = serde_json::json!({"art": b.art, "version": next});
        udsend(&mut tx, b.pakke, HaendelsesType::RegnskabEftersendt, b.at, data).await?;
        refresh_forloeb(&mut tx, b.pakke).await?;
        commit(tx, &audit.with_detail("version", next)).await?;
        Ok(VersionRecord {
            pakke: b.pakke,
            version: next,
            submitted_by: b.by,
            submitted_at: b.at,
            late,
            bilag,
            bestyrelse_godkendt,
            supplement: Some(b.art.clone()),
        })
    }

    async fn aktuelle_bilagsarter(&self, pakker: &[PakkeId]) -> Result<Vec<(PakkeId, String)>> {
        if pakker.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb: sqlx::QueryBuilder<super::Db> = sqlx::QueryBuilder::new(
            "SELECT DISTINCT pakke_id, art FROM bilag WHERE erstattet IS NULL AND pakke_id IN (",
        );
        let mut list = qb.separated(", ");
        for p in pakker {
            list.push_bind(p.0);
        }
        qb.push(")");
        let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        Ok(rows.into_iter().map(|(p, a)| (PakkeId(p), a)).collect())
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
