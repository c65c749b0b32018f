//! Idempotency keys of API writes, and webhooks: the endpoints, the fan-out of an event to
//! them in the transaction of the change, and the deliveries' outbox.

use super::mail::insert_mail;
use super::{Backend, Db, DbResult, Tx, commit, exactly_one, from_json, to_json};
use chrono::{DateTime, Utc};
use domain::access::UserId;
use domain::haendelser::HaendelsesType;
use domain::package::PakkeHaendelse;
use sqlx::QueryBuilder;
use store::*;

#[async_trait::async_trait]
impl IntegrationStore for Backend {
    async fn reserver_idempotens(
        &self,
        bruger: UserId,
        noegle: &str,
        fingeraftryk: &str,
        at: DateTime<Utc>,
        opgivet_foer: DateTime<Utc>,
    ) -> Result<Idempotens> {
        let mut tx = self.begin_write().await?;
        let overtaget = sqlx::query(
            "UPDATE idempotensnoegler SET oprettet = $1 WHERE bruger_id = $2 AND noegle = $3 AND fingeraftryk = $4 \
             AND status IS NULL AND oprettet < $5",
        )
        .bind(at)
        .bind(bruger.0)
        .bind(noegle)
        .bind(fingeraftryk)
        .bind(opgivet_foer)
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
        if overtaget == 1 {
            tx.commit().await.db()?;
            return Ok(Idempotens::Ny);
        }
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

    async fn opret_webhook(&self, e: &NytEndepunkt, audit: &AuditEvent) -> Result<WebhookId> {
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO webhook_endepunkter (bruger_id, url, typer, hemmelighed, oprettet) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(e.bruger.0)
        .bind(&e.url)
        .bind(to_json(&e.typer))
        .bind(&e.hemmelighed)
        .bind(e.at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        commit(tx, &audit.about(id)).await?;
        Ok(WebhookId(id))
    }

    async fn webhook(&self, id: WebhookId) -> Result<Option<EndepunktRecord>> {
        Ok(self.endepunkter_where("e.id = $1", id.0).await?.pop())
    }

    async fn brugerens_webhooks(&self, bruger: UserId) -> Result<Vec<EndepunktRecord>> {
        self.endepunkter_where("e.bruger_id = $1", bruger.0).await
    }

    async fn roter_webhook(
        &self,
        id: WebhookId,
        hemmelighed: &str,
        tidligere_udloeber: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let query = sqlx::query(
            "UPDATE webhook_endepunkter SET tidligere_hemmelighed = hemmelighed, tidligere_udloeber = $1, \
             hemmelighed = $2 WHERE id = $3 AND deaktiveret IS NULL",
        )
        .bind(tidligere_udloeber)
        .bind(hemmelighed)
        .bind(id.0);
        self.change_one(query, audit).await
    }

    async fn deaktiver_webhook(
        &self,
        id: WebhookId,
        grund: &str,
        at: DateTime<Utc>,
        mail: Option<&NewMail>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE webhook_endepunkter SET deaktiveret = $1, deaktiveret_grund = $2 WHERE id = $3 AND deaktiveret IS NULL",
        )
        .bind(at)
        .bind(grund)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
        exactly_one(n)?;
        sqlx::query(
            "UPDATE webhook_leverancer SET naeste_forsoeg = NULL, sidste_fejl = $1 \
             WHERE endepunkt_id = $2 AND leveret IS NULL AND naeste_forsoeg IS NOT NULL",
        )
        .bind(format!("opgivet: endepunktet er deaktiveret ({grund})"))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        if let Some(m) = mail {
            insert_mail(&mut tx, m).await?;
        }
        commit(tx, audit).await
    }

    async fn claim_leverance(&self, now: DateTime<Utc>, glemt_foer: DateTime<Utc>) -> Result<Option<Leverance>> {
        // Another sender may take the one found first: then look again, a few times.
        for _ in 0..5 {
            let mut tx = self.begin_write().await?;
            let next: Option<(i64,)> = sqlx::query_as(
                "SELECT l.id FROM webhook_leverancer l JOIN webhook_endepunkter e ON e.id = l.endepunkt_id \
                 WHERE e.deaktiveret IS NULL AND l.naeste_forsoeg IS NOT NULL AND l.naeste_forsoeg <= $1 \
                 AND (l.afsendes IS NULL OR l.afsendes < $2) ORDER BY l.naeste_forsoeg, l.id LIMIT 1",
            )
            .bind(now)
            .bind(glemt_foer)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
            let Some((id,)) = next else { return Ok(None) };
            // The claim re-checks the row, so two senders never take the same delivery.
            let claimed = sqlx::query(
                "UPDATE webhook_leverancer SET afsendes = $1, forsoeg = forsoeg + 1 \
                 WHERE id = $2 AND naeste_forsoeg IS NOT NULL AND (afsendes IS NULL OR afsendes < $3)",
            )
            .bind(now)
            .bind(id)
            .bind(glemt_foer)
            .execute(&mut *tx)
            .await
            .db()?
            .rows_affected();
            if claimed != 1 {
                continue;
            }
            let (endepunkt, url, hemmelighed, tidligere, udloeber, haendelse_id, indhold, forsoeg, oprettet): (
                i64,
                String,
                String,
                Option<String>,
                Option<DateTime<Utc>>,
                String,
                String,
                i32,
                DateTime<Utc>,
            ) = sqlx::query_as(
                "SELECT e.id, e.url, e.hemmelighed, e.tidligere_hemmelighed, e.tidligere_udloeber, l.haendelse_id, \
                 l.indhold, l.forsoeg, l.oprettet FROM webhook_leverancer l \
                 JOIN webhook_endepunkter e ON e.id = l.endepunkt_id WHERE l.id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            tx.commit().await.db()?;
            let mut hemmeligheder = vec![hemmelighed];
            if let (Some(t), Some(u)) = (tidligere, udloeber)
                && u > now
            {
                hemmeligheder.push(t);
            }
            return Ok(Some(Leverance {
                id: LeveranceId(id),
                endepunkt: WebhookId(endepunkt),
                url,
                hemmeligheder,
                haendelse_id,
                indhold,
                forsoeg: i64::from(forsoeg),
                oprettet,
            }));
        }
        Ok(None)
    }

    async fn leverance_forsoeg(&self, id: LeveranceId, udfald: &Forsoeg) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let leveret = udfald.fejl.is_none().then_some(udfald.at);
        let n = sqlx::query(
            "UPDATE webhook_leverancer SET afsendes = NULL, leveret = COALESCE($1, leveret), naeste_forsoeg = $2, \
             sidste_statuskode = $3, sidste_fejl = $4 WHERE id = $5",
        )
        .bind(leveret)
        .bind(udfald.naeste)
        .bind(udfald.statuskode.map(i32::from))
        .bind(&udfald.fejl)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
        exactly_one(n)?;
        // The endpoint fails from its first failure after the last success.
        let endepunkt = "(SELECT endepunkt_id FROM webhook_leverancer WHERE id = $1)";
        let query = if leveret.is_some() {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE webhook_endepunkter SET fejler_siden = NULL WHERE id = {endepunkt}"
            )))
            .bind(id.0)
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE webhook_endepunkter SET fejler_siden = COALESCE(fejler_siden, $2) WHERE id = {endepunkt}"
            )))
            .bind(id.0)
            .bind(udfald.at)
        };
        query.execute(&mut *tx).await.db()?;
        tx.commit().await.db()
    }

    async fn leverancer(&self, endepunkt: WebhookId, side: Side) -> Result<Udsnit<LeveranceRecord>> {
        let (i_alt,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM webhook_leverancer WHERE endepunkt_id = $1")
            .bind(endepunkt.0)
            .fetch_one(self.reader())
            .await
            .db()?;
        let rows: Vec<LeveranceRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{LEVERANCE_SELECT} WHERE endepunkt_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
        )))
        .bind(endepunkt.0)
        .bind(side.limit())
        .bind(side.offset())
        .fetch_all(self.reader())
        .await
        .db()?;
        Ok(Udsnit { raekker: rows.into_iter().map(LeveranceRecord::from).collect(), i_alt, side })
    }

    async fn send_leverance_igen(&self, id: LeveranceId, now: DateTime<Utc>, audit: &AuditEvent) -> Result<()> {
        let query = sqlx::query("UPDATE webhook_leverancer SET naeste_forsoeg = $1 WHERE id = $2 AND afsendes IS NULL")
            .bind(now)
            .bind(id.0);
        self.change_one(query, audit).await
    }

    async fn test_leverance(
        &self,
        endepunkt: WebhookId,
        haendelse_id: &str,
        indhold: &str,
        at: DateTime<Utc>,
    ) -> Result<LeveranceId> {
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO webhook_leverancer (endepunkt_id, haendelse_id, type, indhold, oprettet, naeste_forsoeg) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(endepunkt.0)
        .bind(haendelse_id)
        .bind(domain::haendelser::TEST_TYPE)
        .bind(indhold)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(LeveranceId(id))
    }

    async fn doede_webhooks(&self, foer: DateTime<Utc>) -> Result<Vec<EndepunktRecord>> {
        let rows: Vec<EndepunktRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{ENDEPUNKT_SELECT} WHERE e.deaktiveret IS NULL AND e.fejler_siden IS NOT NULL AND e.fejler_siden < $1"
        )))
        .bind(foer)
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter().map(EndepunktRecord::try_from).collect()
    }
}

/// Tells the webhooks of an event about a package, in the transaction of the change: one
/// delivery per active endpoint that subscribes to the type and whose owner may read the
/// package now (its organisation's users; the kommuner it was submitted to and the agency,
/// never of a draft, except the hjemstedskommune of its own deadlines and reminders). The CloudEvent carries what identifies the change; the subscriber reads
/// the rest through the API.
pub(super) async fn udsend(
    tx: &mut Tx,
    pakke: PakkeId,
    type_: HaendelsesType,
    at: DateTime<Utc>,
    ekstra: serde_json::Value,
) -> Result<()> {
    if !lyttes(tx, type_).await? {
        return Ok(());
    }
    lever(tx, pakke, type_, at, ekstra).await
}

/// [`udsend`] of one event type for many packages (a batch's), with one look at the endpoints.
pub(super) async fn udsend_hver(
    tx: &mut Tx,
    type_: HaendelsesType,
    haendelser: &[(PakkeId, DateTime<Utc>)],
) -> Result<()> {
    if haendelser.is_empty() || !lyttes(tx, type_).await? {
        return Ok(());
    }
    for (pakke, at) in haendelser {
        lever(tx, *pakke, type_, *at, serde_json::json!({})).await?;
    }
    Ok(())
}

/// Whether any active endpoint subscribes to the type.
async fn lyttes(tx: &mut Tx, type_: HaendelsesType) -> Result<bool> {
    let (nogen,): (bool,) =
        sqlx::query_as("SELECT EXISTS (SELECT 1 FROM webhook_endepunkter WHERE deaktiveret IS NULL AND typer LIKE $1)")
            .bind(moenster(type_))
            .fetch_one(&mut **tx)
            .await
            .db()?;
    Ok(nogen)
}

/// The `typer` pattern an endpoint subscribing to the type matches.
fn moenster(type_: HaendelsesType) -> String {
    format!("%\"{}\"%", type_.as_str())
}

/// The deliveries of one event about a package, one per endpoint that may see it.
async fn lever(
    tx: &mut Tx,
    pakke: PakkeId,
    type_: HaendelsesType,
    at: DateTime<Utc>,
    ekstra: serde_json::Value,
) -> Result<()> {
    let moenster = moenster(type_);
    let (nummer, aar, status, kommune, revision, aendring): (i64, i64, String, i64, i64, i64) = sqlx::query_as(
        "SELECT o.nummer, p.styringsaar, p.status, o.hjemstedskommune, p.revision, p.aendring \
         FROM pakker p JOIN organisationer o ON o.id = p.organisation_id WHERE p.id = $1",
    )
    .bind(pakke.0)
    .fetch_one(&mut **tx)
    .await
    .db()?;
    let id = uuid::Uuid::new_v4().to_string();
    let mut data = serde_json::json!({
        "pakke": pakke.0,
        "organisation": nummer,
        "styringsaar": aar,
        "status": status,
        "hjemstedskommune": kommune,
        "revision": revision,
        "aendring": aendring,
        "url": format!("/api/v1/pakker/{}", pakke.0),
    });
    if let (Some(d), serde_json::Value::Object(e)) = (data.as_object_mut(), ekstra) {
        d.extend(e);
    }
    let event = domain::haendelser::cloudevent(&id, type_.as_str(), &format!("pakker/{}", pakke.0), at, data);
    sqlx::query(
        "INSERT INTO webhook_leverancer (endepunkt_id, haendelse_id, type, indhold, oprettet, naeste_forsoeg) \
         SELECT e.id, $1, $2, $3, $4, $4 FROM webhook_endepunkter e JOIN brugere b ON b.id = e.bruger_id \
         JOIN pakker p ON p.id = $5 JOIN organisationer o ON o.id = p.organisation_id \
         WHERE e.deaktiveret IS NULL AND NOT b.deaktiveret AND e.typer LIKE $6 AND ( \
           (b.rolle = 'organisation' AND EXISTS (SELECT 1 FROM bruger_organisationer bo \
                                                 WHERE bo.bruger_id = b.id AND bo.organisation_id = p.organisation_id)) \
           OR ($7 AND b.rolle = 'kommune' AND b.kommunekode = o.hjemstedskommune) \
           OR (p.status <> 'kladde' AND (b.rolle = 'styrelse' OR (b.rolle = 'kommune' AND EXISTS ( \
                 SELECT 1 FROM pakke_modtagere m WHERE m.pakke_id = p.id AND m.kommunekode = b.kommunekode)))))",
    )
    .bind(&id)
    .bind(type_.as_str())
    .bind(event.to_string())
    .bind(at)
    .bind(pakke.0)
    .bind(&moenster)
    .bind(type_.om_ventet_pakke())
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Tells the webhooks of the packages' steps taken in this transaction (their new
/// `pakke_haendelser` rows), once each: called when a package's progress is recounted, after
/// the routing of a submission is written.
pub(super) async fn udsend_trin(tx: &mut Tx, pakker: &[PakkeId]) -> Result<()> {
    for part in pakker.chunks(super::chunk(1)) {
        // Whether any endpoint listens at all comes with the steps: without one (the common
        // case) no step needs a look at the endpoints of its own type.
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new("UPDATE pakke_haendelser SET udsendt = TRUE WHERE NOT udsendt AND pakke_id IN (");
        let mut ids = qb.separated(", ");
        for p in part {
            ids.push_bind(p.0);
        }
        qb.push(
            ") RETURNING pakke_id, haendelse, tidspunkt, \
             EXISTS (SELECT 1 FROM webhook_endepunkter WHERE deaktiveret IS NULL)",
        );
        let trin: Vec<(i64, String, DateTime<Utc>, bool)> = qb.build_query_as().fetch_all(&mut **tx).await.db()?;
        for (pakke, haendelse, at, _) in trin.into_iter().filter(|(_, _, _, lyttes)| *lyttes) {
            let h = PakkeHaendelse::parse(&haendelse).ok_or_else(|| StoreError::corrupt("hændelse", &haendelse))?;
            udsend(tx, PakkeId(pakke), HaendelsesType::af_trin(h), at, serde_json::json!({})).await?;
        }
    }
    Ok(())
}

const ENDEPUNKT_SELECT: &str = "SELECT e.id, e.bruger_id, e.url, e.typer, e.hemmelighed, e.tidligere_hemmelighed, \
     e.tidligere_udloeber, e.oprettet, e.fejler_siden, e.deaktiveret, e.deaktiveret_grund, b.email \
     FROM webhook_endepunkter e JOIN brugere b ON b.id = e.bruger_id";

#[derive(sqlx::FromRow)]
struct EndepunktRow {
    id: i64,
    bruger_id: i64,
    url: String,
    typer: String,
    hemmelighed: String,
    tidligere_hemmelighed: Option<String>,
    tidligere_udloeber: Option<DateTime<Utc>>,
    oprettet: DateTime<Utc>,
    fejler_siden: Option<DateTime<Utc>>,
    deaktiveret: Option<DateTime<Utc>>,
    deaktiveret_grund: Option<String>,
    email: Option<String>,
}

impl TryFrom<EndepunktRow> for EndepunktRecord {
    type Error = StoreError;
    fn try_from(r: EndepunktRow) -> Result<Self> {
        Ok(EndepunktRecord {
            id: WebhookId(r.id),
            endepunkt: NytEndepunkt {
                bruger: UserId(r.bruger_id),
                url: r.url,
                typer: from_json("webhook-typer", &r.typer)?,
                hemmelighed: r.hemmelighed,
                at: r.oprettet,
            },
            tidligere_hemmelighed: r.tidligere_hemmelighed.zip(r.tidligere_udloeber),
            fejler_siden: r.fejler_siden,
            deaktiveret: r.deaktiveret.map(|d| (d, r.deaktiveret_grund.unwrap_or_default())),
            ejer_email: r.email,
        })
    }
}

const LEVERANCE_SELECT: &str = "SELECT id, haendelse_id, type, oprettet, forsoeg, leveret, naeste_forsoeg, \
     sidste_statuskode, sidste_fejl FROM webhook_leverancer";

#[derive(sqlx::FromRow)]
struct LeveranceRow {
    id: i64,
    haendelse_id: String,
    #[sqlx(rename = "type")]
    type_: String,
    oprettet: DateTime<Utc>,
    forsoeg: i32,
    leveret: Option<DateTime<Utc>>,
    naeste_forsoeg: Option<DateTime<Utc>>,
    sidste_statuskode: Option<i32>,
    sidste_fejl: Option<String>,
}

impl From<LeveranceRow> for LeveranceRecord {
    fn from(r: LeveranceRow) -> Self {
        LeveranceRecord {
            id: LeveranceId(r.id),
            haendelse_id: r.haendelse_id,
            type_: r.type_,
            oprettet: r.oprettet,
            forsoeg: i64::from(r.forsoeg),
            leveret: r.leveret,
            naeste_forsoeg: r.naeste_forsoeg,
            sidste_statuskode: r.sidste_statuskode.and_then(|k| u16::try_from(k).ok()),
            sidste_fejl: r.sidste_fejl,
        }
    }
}

impl Backend {
    async fn endepunkter_where(&self, filter: &str, value: i64) -> Result<Vec<EndepunktRecord>> {
        let rows: Vec<EndepunktRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{ENDEPUNKT_SELECT} WHERE {filter} ORDER BY e.id DESC")))
                .bind(value)
                .fetch_all(self.reader())
                .await
                .db()?;
        rows.into_iter().map(EndepunktRecord::try_from).collect()
    }
}
