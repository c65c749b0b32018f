//! Redegørelser, comments in høring and aftaler.

use super::integration::udsend;
use super::pakker::{apply_transition, bump_revision, refresh_forloeb};
use super::rows::{AFTALE_SELECT, AftaleRow, AftaleStatusRow, RedegoerelseRow};
use super::{Backend, Db, DbResult, Tx, bump_stamp, checked, commit, exactly_one, from_json, to_json};
use chrono::{DateTime, Utc};
use domain::access::UserId;
use domain::haendelser::HaendelsesType;
use domain::master::OrganisationId;
use domain::package::PakkeStatus;
use domain::redegoerelse::AftaleStatus;
use sqlx::QueryBuilder;
use std::collections::HashMap;
use store::*;

/// Appends a status to an aftale's history and keeps the current one on the aftale (the read
/// model the supervision counts use).
pub(super) async fn insert_aftale_status(tx: &mut Tx, aftale: AftaleId, s: &AftaleStatusRecord) -> Result<()> {
    let n = sqlx::query(
        "INSERT INTO aftale_status (aftale_id, status, bemaerkning, af, tidspunkt) \
         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM aftaler WHERE id = $1)",
    )
    .bind(aftale.0)
    .bind(s.status.as_str())
    .bind(&s.bemaerkning)
    .bind(s.by.0)
    .bind(s.at)
    .execute(&mut **tx)
    .await
    .db()?
    .rows_affected();
    if n != 1 {
        return Err(StoreError::NotFound(format!("aftale {aftale}")));
    }
    let (pakke,): (i64,) = sqlx::query_as("UPDATE aftaler SET status = $1 WHERE id = $2 RETURNING pakke_id")
        .bind(s.status.as_str())
        .bind(aftale.0)
        .fetch_one(&mut **tx)
        .await
        .db()?;
    let data = serde_json::json!({"aftale": aftale.0, "aftalestatus": s.status.as_str()});
    udsend(tx, PakkeId(pakke), HaendelsesType::AftaleStatus, s.at, data).await?;
    bump_stamp(tx, CacheStamp::Aftaler).await
}

/// A save of a redegørelse (see [`RedegoerelseStore::save_redegoerelse`]) in the caller's
/// transaction, before the package's progress is recounted.
pub(super) async fn save_redegoerelse_in(tx: &mut Tx, d: &NewRedegoerelse) -> Result<RedegoerelseRecord> {
    // Locks the package row and checks its state, so saves and publishing are serialised
    // and nothing is added after publication.
    bump_revision(tx, d.pakke, &[PakkeStatus::MoedeAfholdt, PakkeStatus::RedegoerelseIHoering], d.at)
        .await?
        .ok_or(StoreError::Stale)?;
    let (published, next): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COUNT(offentliggjort) AS BIGINT), CAST(COALESCE(MAX(revision), 0) + 1 AS BIGINT) \
             FROM redegoerelser WHERE pakke_id = $1",
    )
    .bind(d.pakke.0)
    .fetch_one(&mut **tx)
    .await
    .db()?;
    if published > 0 {
        return Err(StoreError::Stale);
    }
    sqlx::query("INSERT INTO redegoerelser (pakke_id, revision, tekst, gemt_af, gemt) VALUES ($1, $2, $3, $4, $5)")
        .bind(d.pakke.0)
        .bind(next)
        .bind(to_json(&d.tekst))
        .bind(d.by.0)
        .bind(d.at)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(RedegoerelseRecord {
        pakke: d.pakke,
        revision: Revision(next),
        tekst: d.tekst.clone(),
        saved_by: d.by,
        saved_at: d.at,
        published_at: None,
    })
}

/// The publication of a redegørelse (see [`RedegoerelseStore::publish_redegoerelse`]) in the
/// caller's transaction, before the package's progress is recounted.
pub(super) async fn publish_in(
    tx: &mut Tx,
    pakke: PakkeId,
    revision: Revision,
    at: DateTime<Utc>,
    t: &Transition,
) -> Result<()> {
    apply_transition(tx, t, None).await?;
    // Only the newest revision can be published, and only once.
    let n = sqlx::query(
        "UPDATE redegoerelser SET offentliggjort = $1 WHERE pakke_id = $2 AND revision = $3 \
             AND offentliggjort IS NULL AND revision = (SELECT MAX(revision) FROM redegoerelser WHERE pakke_id = $2)",
    )
    .bind(at)
    .bind(pakke.0)
    .bind(revision.0)
    .execute(&mut **tx)
    .await
    .db()?
    .rows_affected();
    exactly_one(n)?;
    Ok(())
}

/// A new aftale with its first status (see [`RedegoerelseStore::add_aftale`]) in the caller's
/// transaction.
pub(super) async fn add_aftale_in(tx: &mut Tx, a: &NewAftale, status: &AftaleStatusRecord) -> Result<AftaleId> {
    let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO aftaler (pakke_id, organisation_id, kommunekode, emne, beskrivelse, maalomraader, ansvarlig, \
             frist, oprettet_af, oprettet, oevrige_parter) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(a.pakke.0)
        .bind(a.organisation.0)
        .bind(i64::from(a.kommune))
        .bind(&a.emne)
        .bind(&a.beskrivelse)
        .bind(to_json(&a.maalomraader))
        .bind(&a.ansvarlig)
        .bind(a.frist)
        .bind(a.by.0)
        .bind(a.at)
        .bind(&a.oevrige_parter)
        .fetch_one(&mut **tx)
        .await
        .db()?;
    insert_aftale_status(tx, AftaleId(id), status).await?;
    Ok(AftaleId(id))
}

impl Backend {
    /// Aftaler with their histories: two reads for any number.
    async fn aftaler_with_history(&self, rows: Vec<AftaleRow>) -> Result<Vec<AftaleRecord>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "SELECT aftale_id, status, bemaerkning, af, tidspunkt FROM aftale_status WHERE aftale_id IN (",
        );
        let mut ids = qb.separated(", ");
        for r in &rows {
            ids.push_bind(r.id().0);
        }
        qb.push(") ORDER BY id");
        let historik: Vec<AftaleStatusRow> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        let mut per_aftale: HashMap<i64, Vec<AftaleStatusRecord>> = HashMap::new();
        for h in historik {
            let aftale = h.aftale_id;
            per_aftale.entry(aftale).or_default().push(AftaleStatusRecord::try_from(h)?);
        }
        rows.into_iter()
            .map(|r| {
                let historik = per_aftale.remove(&r.id().0).unwrap_or_default();
                r.into_record(historik)
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl RedegoerelseStore for Backend {
    async fn save_redegoerelse(&self, d: &NewRedegoerelse, audit: &AuditEvent) -> Result<RedegoerelseRecord> {
        let mut tx = self.begin_write().await?;
        let saved = save_redegoerelse_in(&mut tx, d).await?;
        refresh_forloeb(&mut tx, d.pakke).await?;
        commit(tx, audit).await?;
        Ok(saved)
    }

    async fn redegoerelser(&self, pakke: PakkeId) -> Result<Vec<RedegoerelseRecord>> {
        let rows: Vec<RedegoerelseRow> = sqlx::query_as(
            "SELECT pakke_id, revision, tekst, gemt_af, gemt, offentliggjort FROM redegoerelser \
             WHERE pakke_id = $1 ORDER BY revision",
        )
        .bind(pakke.0)
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter().map(RedegoerelseRecord::try_from).collect()
    }

    async fn publish_redegoerelse(
        &self,
        pakke: PakkeId,
        revision: Revision,
        at: DateTime<Utc>,
        t: &Transition,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        publish_in(&mut tx, pakke, revision, at, t).await?;
        refresh_forloeb(&mut tx, pakke).await?;
        commit(tx, audit).await
    }

    async fn published_redegoerelser(&self, organisation: OrganisationId) -> Result<Vec<PublishedRedegoerelse>> {
        let rows: Vec<(i64, i64, i64, String, DateTime<Utc>, bool)> = sqlx::query_as(
            "SELECT r.pakke_id, p.styringsaar, o.hjemstedskommune, r.tekst, r.offentliggjort, p.ikke_modtaget IS NULL \
             FROM redegoerelser r JOIN pakker p ON p.id = r.pakke_id JOIN organisationer o ON o.id = p.organisation_id \
             WHERE p.organisation_id = $1 AND r.offentliggjort IS NOT NULL ORDER BY p.styringsaar DESC",
        )
        .bind(organisation.0)
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter()
            .map(|(pakke, aar, kommune, tekst, at, pakke_modtaget)| {
                Ok(PublishedRedegoerelse {
                    pakke: PakkeId(pakke),
                    styringsaar: checked("styringsår", aar)?,
                    kommune: checked("kommunekode", kommune)?,
                    tekst: from_json("redegørelse", &tekst)?,
                    published_at: at,
                    pakke_modtaget,
                })
            })
            .collect()
    }

    async fn add_bemaerkning(&self, b: &NewBemaerkning, audit: &AuditEvent) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        // Only while in høring: the status check and the insert are one statement.
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO redegoerelse_bemaerkninger (pakke_id, revision, tekst, af, tidspunkt) \
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM pakker WHERE id = $1 AND status = $6) RETURNING id",
        )
        .bind(b.pakke.0)
        .bind(b.revision.0)
        .bind(&b.tekst)
        .bind(b.by.0)
        .bind(b.at)
        .bind(PakkeStatus::RedegoerelseIHoering.as_str())
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        let Some((id,)) = row else { return Err(StoreError::Stale) };
        // The kommune's overview counts the new comments.
        refresh_forloeb(&mut tx, b.pakke).await?;
        udsend(&mut tx, b.pakke, HaendelsesType::RedegoerelseBemaerkning, b.at, serde_json::json!({})).await?;
        commit(tx, audit).await?;
        Ok(id)
    }

    async fn bemaerkninger(&self, pakke: PakkeId) -> Result<Vec<BemaerkningRecord>> {
        let rows: Vec<(i64, i64, String, i64, DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT b.id, b.revision, b.tekst, b.af, b.tidspunkt, u.navn FROM redegoerelse_bemaerkninger b \
             JOIN brugere u ON u.id = b.af WHERE b.pakke_id = $1 ORDER BY b.id",
        )
        .bind(pakke.0)
        .fetch_all(self.reader())
        .await
        .db()?;
        Ok(rows
            .into_iter()
            .map(|(id, revision, tekst, by, at, by_name)| BemaerkningRecord {
                id,
                bemaerkning: NewBemaerkning { pakke, revision: Revision(revision), tekst, by: UserId(by), at },
                by_name,
            })
            .collect())
    }

    async fn add_aftale(&self, a: &NewAftale, status: &AftaleStatusRecord, audit: &AuditEvent) -> Result<AftaleId> {
        let mut tx = self.begin_write().await?;
        let id = add_aftale_in(&mut tx, a, status).await?;
        commit(tx, audit).await?;
        Ok(id)
    }

    async fn add_aftale_status(&self, aftale: AftaleId, status: &AftaleStatusRecord, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        insert_aftale_status(&mut tx, aftale, status).await?;
        commit(tx, audit).await
    }

    async fn aftaler(&self, filter: AftaleFilter) -> Result<Vec<AftaleRecord>> {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(AFTALE_SELECT);
        match filter {
            AftaleFilter::Organisation(o) => qb.push(" WHERE a.organisation_id = ").push_bind(o.0),
            AftaleFilter::Kommune(k) => qb.push(" WHERE a.kommunekode = ").push_bind(i64::from(k)),
            AftaleFilter::Pakke(p) => qb.push(" WHERE a.pakke_id = ").push_bind(p.0),
            AftaleFilter::Id(id) => qb.push(" WHERE a.id = ").push_bind(id.0),
            AftaleFilter::Organisationer(orgs) if orgs.is_empty() => return Ok(Vec::new()),
            AftaleFilter::Organisationer(orgs) => {
                qb.push(" WHERE a.organisation_id IN (");
                super::master::push_organisation_ids(&mut qb, &orgs);
                qb.push(")")
            }
        };
        qb.push(" ORDER BY p.styringsaar, a.id");
        let rows: Vec<AftaleRow> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        self.aftaler_with_history(rows).await
    }

    async fn alle_aftaler(&self, kun_aabne: bool, side: Side) -> Result<Udsnit<AftaleRecord>> {
        // The current status is kept on the aftale, so "open" is one indexed condition.
        let aabne: Vec<&str> = AftaleStatus::ALL.iter().filter(|s| s.aaben()).map(|s| s.as_str()).collect();
        let filter = |qb: &mut QueryBuilder<Db>| {
            if kun_aabne {
                qb.push(" WHERE a.status IN (");
                let mut list = qb.separated(", ");
                for s in &aabne {
                    list.push_bind(*s);
                }
                qb.push(")");
            }
        };
        let mut count: QueryBuilder<Db> = QueryBuilder::new("SELECT COUNT(*) FROM aftaler a");
        filter(&mut count);
        let (i_alt,): (i64,) = count.build_query_as().fetch_one(self.reader()).await.db()?;
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(AFTALE_SELECT);
        filter(&mut qb);
        qb.push(" ORDER BY p.styringsaar DESC, a.id DESC LIMIT ").push_bind(side.limit());
        qb.push(" OFFSET ").push_bind(side.offset());
        let rows: Vec<AftaleRow> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        Ok(Udsnit { raekker: self.aftaler_with_history(rows).await?, i_alt, side })
    }

    async fn aabne_aftaler(&self) -> Result<Vec<(domain::Kommunekode, i64)>> {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT kommunekode, COUNT(*) FROM aftaler WHERE status IN (");
        let mut list = qb.separated(", ");
        for s in AftaleStatus::ALL.iter().filter(|s| s.aaben()) {
            list.push_bind(s.as_str());
        }
        qb.push(") GROUP BY kommunekode ORDER BY kommunekode");
        let rows: Vec<(i64, i64)> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        rows.into_iter().map(|(k, n)| Ok((checked("kommunekode", k)?, n))).collect()
    }
}
