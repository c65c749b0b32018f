//! Idempotency keys of API writes.

use super::{Backend, DbResult};
use chrono::{DateTime, Utc};
use domain::access::UserId;
use store::*;

#[async_trait::async_trait]
impl IntegrationStore for Backend {
    async fn reserver_idempotens(
        &self,
        bruger: UserId,
        noegle: &str,
        fingeraftryk: &str,
        at: DateTime<Utc>,
    ) -> Result<Idempotens> {
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "INSERT INTO idempotensnoegler (bruger_id, noegle, fingeraftryk, oprettet) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (bruger_id, noegle) DO NOTHING",
        )
        .bind(bruger.0)
        .bind(noegle)
        .bind(fingeraftryk)
        .bind(at)
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
        let found = if claimed == 1 {
            Idempotens::Ny
        } else {
            let (foerste, status, indholdstype, krop): (String, Option<i32>, Option<String>, Option<Vec<u8>>) =
                sqlx::query_as(
                    "SELECT fingeraftryk, status, indholdstype, svar FROM idempotensnoegler \
                     WHERE bruger_id = $1 AND noegle = $2",
                )
                .bind(bruger.0)
                .bind(noegle)
                .fetch_one(&mut *tx)
                .await
                .db()?;
            match status {
                _ if foerste != fingeraftryk => Idempotens::AndenForespoergsel,
                None => Idempotens::Igang,
                Some(status) => Idempotens::Besvaret(GemtSvar {
                    status: u16::try_from(status).map_err(|_| StoreError::corrupt("svarstatus", status))?,
                    indholdstype,
                    krop: krop.unwrap_or_default(),
                }),
            }
        };
        tx.commit().await.db()?;
        Ok(found)
    }

    async fn gem_idempotens_svar(&self, bruger: UserId, noegle: &str, svar: &GemtSvar) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE idempotensnoegler SET status = $1, indholdstype = $2, svar = $3 WHERE bruger_id = $4 AND noegle = $5",
        )
        .bind(i32::from(svar.status))
        .bind(&svar.indholdstype)
        .bind(&svar.krop)
        .bind(bruger.0)
        .bind(noegle)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }

    async fn frigiv_idempotens(&self, bruger: UserId, noegle: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM idempotensnoegler WHERE bruger_id = $1 AND noegle = $2 AND status IS NULL")
            .bind(bruger.0)
            .bind(noegle)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()
    }

    async fn glem_idempotens(&self, foer: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM idempotensnoegler WHERE oprettet < $1")
            .bind(foer)
            .execute(&mut *tx)
            .await
            .db()?
            .rows_affected();
        tx.commit().await.db()?;
        Ok(n)
    }
}
