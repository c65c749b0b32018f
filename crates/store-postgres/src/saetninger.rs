//! The batched writes whose text is PostgreSQL's own (see the shared `sql` module's
//! `saetninger`): each binds its rows as arrays and unpacks them with `UNNEST`, so a batch of
//! any size is one statement of one fixed text. PostgreSQL parses and plans it once per
//! connection; a list of `VALUES` would be a new statement for every batch size, parsed and
//! planned again on the writer's critical path (the saves of answers run one batch at a time).

use crate::sql::{SvarRaekke, Tx, db_err};
use chrono::{DateTime, Utc};
use store::{AuditEvent, Result};

/// Locks the packages' rows, in one order, so a concurrent writer of the same package waits
/// here and deadlocks between batches cannot arise.
pub(crate) async fn laas_pakker(tx: &mut Tx, ids: &[i64]) -> Result<()> {
    sqlx::query("SELECT id FROM pakker WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(ids)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Each package's status and revision, and the newest revision among the answers named by
/// the pairs (package, answer key) of that package.
pub(crate) async fn pakkernes_stand(
    tx: &mut Tx,
    ids: &[i64],
    par: &[(i64, &str)],
) -> Result<Vec<(i64, String, i64, i64)>> {
    let (pakker, noegler): (Vec<i64>, Vec<&str>) = par.iter().copied().unzip();
    sqlx::query_as(
        "SELECT p.id, p.status, p.revision, CAST(COALESCE(MAX(s.revision), 0) AS BIGINT) FROM pakker p \
         LEFT JOIN UNNEST($2::BIGINT[], $3::TEXT[]) AS n (pakke_id, spoergsmaal_id) ON n.pakke_id = p.id \
         LEFT JOIN pakke_svar s ON s.pakke_id = n.pakke_id AND s.spoergsmaal_id = n.spoergsmaal_id \
         WHERE p.id = ANY($1) GROUP BY p.id, p.status, p.revision",
    )
    .bind(ids)
    .bind(pakker)
    .bind(noegler)
    .fetch_all(&mut **tx)
    .await
    .map_err(db_err)
}

/// Moves each package (distinct ids) to its next revision, changed at the time given; returns
/// how many rows changed.
pub(crate) async fn naeste_revision(tx: &mut Tx, pakker: &[(i64, DateTime<Utc>)]) -> Result<u64> {
    let (ids, tider): (Vec<i64>, Vec<DateTime<Utc>>) = pakker.iter().copied().unzip();
    let done = sqlx::query(
        "UPDATE pakker p SET revision = p.revision + 1, opdateret = n.opdateret \
         FROM UNNEST($1::BIGINT[], $2::TIMESTAMPTZ[]) AS n (id, opdateret) WHERE p.id = n.id",
    )
    .bind(ids)
    .bind(tider)
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(done.rows_affected())
}

/// Writes answers (each (package, key) at most once), replacing those there.
pub(crate) async fn gem_svar(tx: &mut Tx, raekker: &[SvarRaekke<'_>]) -> Result<()> {
    if raekker.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO pakke_svar (pakke_id, spoergsmaal_id, svar, opdateret_af, opdateret, revision) \
         SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::BIGINT[], $5::TIMESTAMPTZ[], $6::BIGINT[]) \
         ON CONFLICT (pakke_id, spoergsmaal_id) DO UPDATE SET svar = excluded.svar, \
         opdateret_af = excluded.opdateret_af, opdateret = excluded.opdateret, revision = excluded.revision",
    )
    .bind(raekker.iter().map(|r| r.pakke).collect::<Vec<_>>())
    .bind(raekker.iter().map(|r| r.spoergsmaal).collect::<Vec<_>>())
    .bind(raekker.iter().map(|r| r.svar.as_str()).collect::<Vec<_>>())
    .bind(raekker.iter().map(|r| r.af).collect::<Vec<_>>())
    .bind(raekker.iter().map(|r| r.tid).collect::<Vec<_>>())
    .bind(raekker.iter().map(|r| r.revision).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Appends audit events, in their order.
pub(crate) async fn indsaet_audit(tx: &mut Tx, events: &[AuditEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    // `WITH ORDINALITY` keeps the events' order in their ids, as the rows of a `VALUES` list.
    sqlx::query(
        "INSERT INTO audit_log (tidspunkt, aktoer_id, handling, objekt_type, objekt_id, detaljer) \
         SELECT tidspunkt, aktoer_id, handling, objekt_type, objekt_id, detaljer \
         FROM UNNEST($1::TIMESTAMPTZ[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[]) \
         WITH ORDINALITY AS a (tidspunkt, aktoer_id, handling, objekt_type, objekt_id, detaljer, n) ORDER BY n",
    )
    .bind(events.iter().map(|a| a.at).collect::<Vec<_>>())
    .bind(events.iter().map(|a| a.actor.map(|u| u.0)).collect::<Vec<_>>())
    .bind(events.iter().map(|a| a.action.as_str()).collect::<Vec<_>>())
    .bind(events.iter().map(|a| a.object_type.as_str()).collect::<Vec<_>>())
    .bind(events.iter().map(|a| a.object_id.as_str()).collect::<Vec<_>>())
    .bind(events.iter().map(|a| a.details.to_string()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}
