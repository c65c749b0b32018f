//! The outbox.

use super::integration::udsend;
use super::rows::{MAIL_SELECT, MailRow};
use super::{Backend, DbResult, Tx, commit};
use chrono::{DateTime, Utc};
use domain::haendelser::HaendelsesType;
use store::*;

/// Enqueues a mail; the same reference twice is one mail.
pub(super) async fn insert_mail(tx: &mut Tx, m: &NewMail) -> Result<u64> {
    let n = sqlx::query(
        "INSERT INTO udbakke (reference, til, emne, tekst, oprettet, vedhaeftning_navn, vedhaeftning, vedhaeftning_art) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (reference) DO NOTHING",
    )
    .bind(&m.reference)
    .bind(&m.til)
    .bind(&m.emne)
    .bind(&m.tekst)
    .bind(m.oprettet)
    .bind(m.vedhaeftning.as_ref().map(|v| v.navn.clone()))
    .bind(m.vedhaeftning.as_ref().map(|v| v.indhold.clone()))
    .bind(m.vedhaeftning.as_ref().map(|v| v.art.as_str()))
    .execute(&mut **tx)
    .await
    .db()?
    .rows_affected();
    Ok(n)
}

#[async_trait::async_trait]
impl MailStore for Backend {
    async fn enqueue_paamindelser(&self, paamindelser: &[(PakkeId, Vec<NewMail>)], audit: &AuditEvent) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for (pakke, mails) in paamindelser {
            let mut nye = 0;
            for m in mails {
                nye += insert_mail(&mut tx, m).await?;
            }
            if nye > 0 {
                let data = serde_json::json!({"modtagere": nye});
                udsend(&mut tx, *pakke, HaendelsesType::PaamindelseSendt, audit.at, data).await?;
            }
            added += nye;
        }
        commit(tx, audit).await?;
        Ok(added)
    }

    async fn mails_med_praefiks(&self, praefiks: &str) -> Result<i64> {
        // The prefix is compared as a string, not a LIKE pattern: '%' and '_' are not special.
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM udbakke WHERE substr(reference, 1, CAST($1 AS INTEGER)) = $2")
                .bind(praefiks.chars().count() as i64)
                .bind(praefiks)
                .fetch_one(self.reader())
                .await
                .db()?;
        Ok(n)
    }

    async fn enqueue_mails(&self, mails: &[NewMail], audit: &AuditEvent) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for m in mails {
            added += insert_mail(&mut tx, m).await?;
        }
        commit(tx, audit).await?;
        Ok(added)
    }

    async fn claim_mail(&self, now: DateTime<Utc>) -> Result<Option<MailRecord>> {
        let mut tx = self.begin_write().await?;
        let next: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM udbakke WHERE sendt IS NULL AND afsendes IS NULL \
             AND (naeste_forsoeg IS NULL OR naeste_forsoeg <= $1) ORDER BY id LIMIT 1",
        )
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let Some((id,)) = next else { return Ok(None) };
        // The claim re-checks the row, so two senders can never take the same mail.
        let claimed = sqlx::query(
            "UPDATE udbakke SET afsendes = $1, forsoeg = forsoeg + 1 WHERE id = $2 AND sendt IS NULL AND afsendes IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
        if claimed != 1 {
            return Ok(None);
        }
        let row: MailRow = sqlx::query_as(sqlx::AssertSqlSafe(format!("{MAIL_SELECT} WHERE id = $1")))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(Some(MailRecord::from(row)))
    }

    async fn mark_mail_sent(&self, id: MailId, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE udbakke SET sendt = $1, sidste_fejl = NULL WHERE id = $2 AND sendt IS NULL AND afsendes IS NOT NULL",
        )
        .bind(at)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        super::exactly_one(n.rows_affected())?;
        tx.commit().await.db()
    }

    async fn mark_mail_failed(&self, id: MailId, fejl: &str, naeste: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE udbakke SET afsendes = NULL, sidste_fejl = $1, naeste_forsoeg = $2 \
             WHERE id = $3 AND sendt IS NULL AND afsendes IS NOT NULL",
        )
        .bind(fejl)
        .bind(naeste)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        super::exactly_one(n.rows_affected())?;
        tx.commit().await.db()
    }

    async fn resend_mail(&self, id: MailId, foer: DateTime<Utc>, audit: &AuditEvent) -> Result<()> {
        self.change_one(
            sqlx::query(
                "UPDATE udbakke SET afsendes = NULL, naeste_forsoeg = NULL, sidste_fejl = $1 \
                 WHERE id = $2 AND sendt IS NULL AND afsendes IS NOT NULL AND afsendes < $3",
            )
            .bind("Udfaldet var ukendt; sendt igen efter beslutning i Styrelsen")
            .bind(id.0)
            .bind(foer),
            audit,
        )
        .await
    }

    async fn udbakke(&self, side: Side) -> Result<Udsnit<MailRecord>> {
        let (i_alt,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM udbakke").fetch_one(self.reader()).await.db()?;
        let rows: Vec<MailRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{MAIL_SELECT} ORDER BY id DESC LIMIT $1 OFFSET $2")))
                .bind(side.limit())
                .bind(side.offset())
                .fetch_all(self.reader())
                .await
                .db()?;
        Ok(Udsnit { raekker: rows.into_iter().map(MailRecord::from).collect(), i_alt, side })
    }

    async fn udbakke_tal(&self, now: DateTime<Utc>) -> Result<UdbakkeTal> {
        let (venter, afsendes, aeldste): (i64, i64, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN afsendes IS NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN afsendes IS NULL THEN 0 ELSE 1 END), 0), \
             MIN(CASE WHEN afsendes IS NULL AND (naeste_forsoeg IS NULL OR naeste_forsoeg <= $1) THEN oprettet END) \
             FROM udbakke WHERE sendt IS NULL",
        )
        .bind(now)
        .fetch_one(self.reader())
        .await
        .db()?;
        Ok(UdbakkeTal { venter, afsendes, aeldste })
    }
}
