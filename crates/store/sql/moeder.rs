//! Dialogue meetings.

use super::integration::udsend;
use super::mail::insert_mail;
use super::pakker::{apply_transition, lock_pakke, refresh_forloeb};
use super::rows::{AENDRING_COLUMNS, AendringRow, DIALOGMOEDE_SELECT, DialogmoedeRow, MOEDE_SELECT, MoedeRow};
use super::{Backend, Db, DbResult, Tx, commit, to_json};
use domain::haendelser::HaendelsesType;
use sqlx::QueryBuilder;
use std::collections::{BTreeSet, HashMap};
use store::*;

impl Backend {
    /// Convened meetings with the packages each covers: two reads for any number.
    async fn dialogmoeder_where(&self, filter: &str, id: i64) -> Result<Vec<DialogmoedeRecord>> {
        let sql = format!("{DIALOGMOEDE_SELECT} WHERE {filter} ORDER BY starter, id");
        let rows: Vec<DialogmoedeRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(self.reader()).await.db()?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new("SELECT moede_id, pakke_id FROM dialogmoede_pakker WHERE moede_id IN (");
        let mut ids = qb.separated(", ");
        for r in &rows {
            ids.push_bind(r.id().0);
        }
        qb.push(") ORDER BY moede_id, pakke_id");
        let links: Vec<(i64, i64)> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        let mut pakker: HashMap<i64, Vec<PakkeId>> = HashMap::new();
        for (moede, pakke) in links {
            pakker.entry(moede).or_default().push(PakkeId(pakke));
        }
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new(format!("SELECT {AENDRING_COLUMNS} FROM dialogmoede_aendringer WHERE moede_id IN ("));
        let mut ids = qb.separated(", ");
        for r in &rows {
            ids.push_bind(r.id().0);
        }
        qb.push(") ORDER BY moede_id, sekvens");
        let changes: Vec<AendringRow> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        let mut aendringer: HashMap<i64, Vec<DialogmoedeAendring>> = HashMap::new();
        for c in changes {
            aendringer.entry(c.moede_id).or_default().push(c.into_record()?);
        }
        rows.into_iter()
            .map(|r| {
                let covered = pakker.remove(&r.id().0).unwrap_or_default();
                let changed = aendringer.remove(&r.id().0).unwrap_or_default();
                r.into_record(covered, changed)
            })
            .collect()
    }
}

/// A meeting convened (see [`MoedeStore::convene_dialogmoede`]) in the caller's transaction,
/// before the packages' progress is recounted.
pub(super) async fn convene_in(
    tx: &mut Tx,
    m: &NewDialogmoede,
    transitions: &[Transition],
    mails: &[NewMail],
) -> Result<DialogmoedeId> {
    for t in transitions {
        apply_transition(tx, t, None).await?;
    }
    for p in m.pakker.iter().filter(|p| !transitions.iter().any(|t| t.pakke == **p)) {
        lock_pakke(tx, *p).await?;
    }
    let kommuner: Vec<i64> = m.kommuner.iter().map(|k| i64::from(*k)).collect();
    let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO dialogmoeder (kommunekode, styringsaar, starter, varighed_minutter, sted, deltagere, kommuner, \
             dagsorden, brev, indkaldt_af, indkaldt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(i64::from(m.kommune))
        .bind(i64::from(m.styringsaar))
        .bind(m.starter)
        .bind(m.varighed_minutter)
        .bind(&m.sted)
        .bind(&m.deltagere)
        .bind(to_json(&kommuner))
        .bind(&m.dagsorden)
        .bind(&m.brev)
        .bind(m.by.0)
        .bind(m.at)
        .fetch_one(&mut **tx)
        .await
        .db()?;
    for p in &m.pakker {
        sqlx::query("INSERT INTO dialogmoede_pakker (moede_id, pakke_id) VALUES ($1, $2)")
            .bind(id)
            .bind(p.0)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    for mail in mails {
        insert_mail(tx, mail).await?;
    }
    Ok(DialogmoedeId(id))
}

/// Meetings held (see [`MoedeStore::record_moeder`]) in the caller's transaction, before the
/// packages' progress is recounted.
pub(super) async fn record_moeder_in(tx: &mut Tx, moeder: &[NewMoede], transitions: &[Transition]) -> Result<()> {
    for t in transitions {
        apply_transition(tx, t, None).await?;
    }
    for m in moeder.iter().filter(|m| !transitions.iter().any(|t| t.pakke == m.pakke)) {
        lock_pakke(tx, m.pakke).await?;
    }
    for m in moeder {
        sqlx::query(
            "INSERT INTO moeder (pakke_id, dato, deltagere, registreret_af, registreret, dialogmoede_id, bilateral, \
                 kommunekode) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(m.pakke.0)
        .bind(m.dato)
        .bind(&m.deltagere)
        .bind(m.by.0)
        .bind(m.at)
        .bind(m.dialogmoede.map(|d| d.0))
        .bind(m.bilateral)
        .bind(m.kommune.map(i64::from))
        .execute(&mut **tx)
        .await
        .db()?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MoedeStore for Backend {
    async fn convene_dialogmoede(
        &self,
        m: &NewDialogmoede,
        transitions: &[Transition],
        mails: &[NewMail],
        audit: &AuditEvent,
    ) -> Result<DialogmoedeId> {
        let mut tx = self.begin_write().await?;
        let id = convene_in(&mut tx, m, transitions, mails).await?;
        let beroerte: BTreeSet<PakkeId> = m.pakker.iter().copied().chain(transitions.iter().map(|t| t.pakke)).collect();
        for p in beroerte {
            refresh_forloeb(&mut tx, p).await?;
        }
        // A package that does not move (a beliggenhedskommune's own meeting) is told of the
        // meeting here; a moved one was told by its step.
        for p in m.pakker.iter().filter(|p| !transitions.iter().any(|t| t.pakke == **p)) {
            let data = serde_json::json!({"moede": id.0});
            udsend(&mut tx, *p, HaendelsesType::MoedeIndkaldt, m.at, data).await?;
        }
        commit(tx, audit).await?;
        Ok(id)
    }

    async fn dialogmoede(&self, id: DialogmoedeId) -> Result<Option<DialogmoedeRecord>> {
        Ok(self.dialogmoeder_where("id = $1", id.0).await?.pop())
    }

    async fn dialogmoeder_for_pakke(&self, pakke: PakkeId) -> Result<Vec<DialogmoedeRecord>> {
        self.dialogmoeder_where("id IN (SELECT moede_id FROM dialogmoede_pakker WHERE pakke_id = $1)", pakke.0).await
    }

    async fn aendr_dialogmoede(
        &self,
        a: &DialogmoedeAendring,
        transitions: &[Transition],
        mails: &[NewMail],
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for t in transitions {
            apply_transition(&mut tx, t, None).await?;
        }
        let pakker: Vec<(i64,)> = sqlx::query_as("SELECT pakke_id FROM dialogmoede_pakker WHERE moede_id = $1")
            .bind(a.moede.0)
            .fetch_all(&mut *tx)
            .await
            .db()?;
        // The packages' row locks serialise changes to the meeting; then its change number
        // must still be the one the change was made from.
        for (p,) in pakker.iter().filter(|(p,)| !transitions.iter().any(|t| t.pakke.0 == *p)) {
            lock_pakke(&mut tx, PakkeId(*p)).await?;
        }
        let (foer,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM dialogmoede_aendringer WHERE moede_id = $1")
            .bind(a.moede.0)
            .fetch_one(&mut *tx)
            .await
            .db()?;
        if foer != a.sekvens - 1 {
            return Err(StoreError::Stale);
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO dialogmoede_aendringer ({AENDRING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )))
        .bind(a.moede.0)
        .bind(a.sekvens)
        .bind(a.art.as_str())
        .bind(a.starter)
        .bind(a.varighed_minutter)
        .bind(&a.sted)
        .bind(&a.begrundelse)
        .bind(&a.brev)
        .bind(a.by.0)
        .bind(a.at)
        .execute(&mut *tx)
        .await
        .db()?;
        for mail in mails {
            insert_mail(&mut tx, mail).await?;
        }
        for (p,) in pakker {
            refresh_forloeb(&mut tx, PakkeId(p)).await?;
        }
        commit(tx, audit).await
    }

    async fn record_moeder(&self, moeder: &[NewMoede], transitions: &[Transition], audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        record_moeder_in(&mut tx, moeder, transitions).await?;
        let beroerte: BTreeSet<PakkeId> =
            moeder.iter().map(|m| m.pakke).chain(transitions.iter().map(|t| t.pakke)).collect();
        for p in beroerte {
            refresh_forloeb(&mut tx, p).await?;
        }
        for m in moeder.iter().filter(|m| !transitions.iter().any(|t| t.pakke == m.pakke)) {
            let data = serde_json::json!({"moede": m.dialogmoede.map(|d| d.0), "dato": m.dato});
            udsend(&mut tx, m.pakke, HaendelsesType::MoedeAfholdt, m.at, data).await?;
        }
        commit(tx, audit).await
    }

    async fn moeder(&self, pakke: PakkeId) -> Result<Vec<MoedeRecord>> {
        let rows: Vec<MoedeRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{MOEDE_SELECT} WHERE pakke_id = $1 ORDER BY id")))
                .bind(pakke.0)
                .fetch_all(self.reader())
                .await
                .db()?;
        rows.into_iter().map(MoedeRecord::try_from).collect()
    }
}
