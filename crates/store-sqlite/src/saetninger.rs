//! The batched writes whose text is SQLite's own (see the shared `sql` module's
//! `saetninger`). SQLite binds no arrays, so a batch is a `VALUES` list, split into chunks under
//! the bind limit. Its single writer holds the whole database, so no rows are locked.

use crate::sql::{SvarRaekke, Tx, chunk, db_err, push_ids};
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};
use store::{AuditEvent, Result};

/// Nothing to lock: the write transaction (`BEGIN IMMEDIATE`) holds the database already.
pub(crate) async fn laas_pakker(_tx: &mut Tx, _ids: &[i64]) -> Result<()> {
    Ok(())
}

/// Each package's status and revision, and the newest revision among the answers named by
/// the pairs (package, answer key) of that package.
pub(crate) async fn pakkernes_stand(
    tx: &mut Tx,
    ids: &[i64],
    par: &[(i64, &str)],
) -> Result<Vec<(i64, String, i64, i64)>> {
    let mut found = Vec::new();
    let mut parts: Vec<&[(i64, &str)]> = par.chunks(chunk(2)).collect();
    if parts.is_empty() {
        parts.push(&[]);
    }
    for part in parts {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT p.id, p.status, p.revision, ");
        if part.is_empty() {
            qb.push("CAST(0 AS BIGINT) FROM pakker p ");
        } else {
            // (package, answer key) as a table, whose columns SQLite names column1 and column2.
            qb.push("CAST(COALESCE(MAX(s.revision), 0) AS BIGINT) FROM pakker p LEFT JOIN (VALUES ");
            let mut list = qb.separated(", ");
            for (pakke, key) in part {
                list.push("(")
                    .push_bind_unseparated(*pakke)
                    .push_unseparated(", ")
                    .push_bind_unseparated(key.to_string());
                list.push_unseparated(")");
            }
            qb.push(
                ") AS n ON n.column1 = p.id \
                 LEFT JOIN pakke_svar s ON s.pakke_id = n.column1 AND s.spoergsmaal_id = n.column2 ",
            );
        }
        qb.push("WHERE p.id IN (");
        push_ids(&mut qb, ids);
        qb.push(") GROUP BY p.id, p.status, p.revision");
        found.extend(qb.build_query_as::<(i64, String, i64, i64)>().fetch_all(&mut **tx).await.map_err(db_err)?);
    }
    Ok(found)
}

/// Moves each package (distinct ids) to its next revision, changed at the time given; returns
/// how many rows changed.
pub(crate) async fn naeste_revision(tx: &mut Tx, pakker: &[(i64, DateTime<Utc>)]) -> Result<u64> {
    let mut changed = 0;
    for part in pakker.chunks(chunk(3)) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("UPDATE pakker SET revision = revision + 1, opdateret = CASE id");
        for (id, at) in part {
            qb.push(" WHEN ").push_bind(*id).push(" THEN ").push_bind(*at);
        }
        qb.push(" END WHERE id IN (");
        push_ids(&mut qb, &part.iter().map(|(id, _)| *id).collect::<Vec<_>>());
        qb.push(")");
        changed += qb.build().execute(&mut **tx).await.map_err(db_err)?.rows_affected();
    }
    Ok(changed)
}

/// Writes answers (each (package, key) at most once), replacing those there.
pub(crate) async fn gem_svar(tx: &mut Tx, raekker: &[SvarRaekke<'_>]) -> Result<()> {
    for part in raekker.chunks(chunk(6)) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO pakke_svar (pakke_id, spoergsmaal_id, svar, opdateret_af, opdateret, revision) ",
        );
        qb.push_values(part, |mut b, r| {
            b.push_bind(r.pakke)
                .push_bind(r.spoergsmaal.to_string())
                .push_bind(r.svar.clone())
                .push_bind(r.af)
                .push_bind(r.tid)
                .push_bind(r.revision);
        });
        qb.push(
            " ON CONFLICT (pakke_id, spoergsmaal_id) DO UPDATE SET svar = excluded.svar, \
                 opdateret_af = excluded.opdateret_af, opdateret = excluded.opdateret, revision = excluded.revision",
        );
        qb.build().execute(&mut **tx).await.map_err(db_err)?;
    }
    Ok(())
}

/// Appends audit events, in their order.
pub(crate) async fn indsaet_audit(tx: &mut Tx, events: &[AuditEvent]) -> Result<()> {
    for part in events.chunks(chunk(6)) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO audit_log (tidspunkt, aktoer_id, handling, objekt_type, objekt_id, detaljer) ",
        );
        qb.push_values(part, |mut b, a| {
            b.push_bind(a.at)
                .push_bind(a.actor.map(|u| u.0))
                .push_bind(a.action.clone())
                .push_bind(a.object_type.clone())
                .push_bind(a.object_id.clone())
                .push_bind(a.details.to_string());
        });
        qb.build().execute(&mut **tx).await.map_err(db_err)?;
    }
    Ok(())
}
