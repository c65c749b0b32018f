//! Packages, answers, transitions, versions, templates, and the package read models.

use super::integration::{udsend, udsend_hver, udsend_trin};
use super::mail::insert_mail;
use super::master::push_organisation_ids;
use super::rows::{HaendelseRow, PAKKE_SELECT, PakkeMedModtagerRow, PakkeRow, VersionRow};
use super::{
    Backend, Db, DbResult, SvarRaekke, Tx, bump_stamp, checked, chunk, commit, commit_alle, exactly_one, from_json,
    push_ids, saetninger, to_json,
};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::UserId;
use domain::haendelser::HaendelsesType;
use domain::master::OrganisationId;
use domain::package::{PakkeHaendelse, PakkeStatus, Tilsynsreaktion};
use domain::template::{Skema, Svar};
use domain::{Kommunekode, OrganisationNummer, Styringsaar};
use sqlx::{QueryBuilder, Row};
use std::collections::{BTreeMap, BTreeSet};
use store::*;

/// Compare-and-set of the package status (and revision: `revision`, else the transition's own),
/// plus the event row. The
/// caller refreshes the package's progress ([`refresh_forloeb`]) before it commits.
pub(super) async fn apply_transition(tx: &mut Tx, t: &Transition, revision: Option<Revision>) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE pakker SET status = $1, opdateret = $2, revision = revision + 1 \
         WHERE id = $3 AND status = $4 AND ($5 IS NULL OR revision = $5)",
    )
    .bind(t.to.as_str())
    .bind(t.at)
    .bind(t.pakke.0)
    .bind(t.from.as_str())
    .bind(revision.or(t.revision).map(|r| r.0))
    .execute(&mut **tx)
    .await
    .db()?
    .rows_affected();
    exactly_one(changed)?;
    match t.haendelse {
        // Without the package the dialogue is the hjemstedskommune's alone: the package is
        // routed to it (as a submission routes it), so its lists and rules need no exception.
        PakkeHaendelse::RegistrerIkkeModtaget => {
            sqlx::query("UPDATE pakker SET ikke_modtaget = $1 WHERE id = $2")
                .bind(t.at)
                .bind(t.pakke.0)
                .execute(&mut **tx)
                .await
                .db()?;
            let sql = format!(
                "INSERT INTO pakke_modtagere (pakke_id, kommunekode) SELECT id, ({HJEMSTED}) FROM pakker WHERE id = $1 \
                 ON CONFLICT (pakke_id, kommunekode) DO NOTHING"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(t.pakke.0).execute(&mut **tx).await.db()?;
        }
        // Submitted after all: the package is received from here on.
        PakkeHaendelse::Indsend => {
            sqlx::query("UPDATE pakker SET ikke_modtaget = NULL WHERE id = $1 AND ikke_modtaget IS NOT NULL")
                .bind(t.pakke.0)
                .execute(&mut **tx)
                .await
                .db()?;
        }
        _ => {}
    }
    sqlx::query(
        "INSERT INTO pakke_haendelser (pakke_id, fra, til, haendelse, af, tidspunkt, begrundelse, frist) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(t.pakke.0)
    .bind(t.from.as_str())
    .bind(t.to.as_str())
    .bind(t.haendelse.as_str())
    .bind(t.by.0)
    .bind(t.at)
    .bind(&t.begrundelse)
    .bind(t.frist)
    .execute(&mut **tx)
    .await
    .db()?;
    // The public part shows a package's figures from the meeting, its accounts while the
    // kommune has received it, and its redegørelse once published: a change of any is a
    // change of public data.
    if t.from.key_figures_public() != t.to.key_figures_public()
        || t.from.received_by_kommune() != t.to.received_by_kommune()
        || t.to == PakkeStatus::RedegoerelseOffentliggjort
    {
        bump_stamp(tx, CacheStamp::Tal).await?;
    }
    Ok(())
}

/// The package's hjemstedskommune inside a statement on `pakker`.
const HJEMSTED: &str = "SELECT o.hjemstedskommune FROM organisationer o WHERE o.id = pakker.organisation_id";

/// Recomputes a package's progress (kept on its row) from what it summarises, then its
/// kommune's supervision counts of the year. Every write that changes a submission, a meeting,
/// a redegørelse or the status calls it, so the read models never disagree with their data.
///
/// The caller holds the package's row lock (its transition or revision bump, or
/// [`lock_pakke`]), and each recount locks the row it writes before it counts. PostgreSQL runs
/// at read committed, where every statement sees what was committed before it started: so a
/// recount sees every change of the writers that held the lock before. (SQLite has one
/// writer.)
pub(super) async fn refresh_forloeb(tx: &mut Tx, pakke: PakkeId) -> Result<()> {
    refresh_forloeb_for(tx, &[pakke]).await
}

/// [`refresh_forloeb`] for the packages a batch changed: each package's progress and change
/// number, then their steps to the webhooks, then each touched kommune's counts once.
pub(super) async fn refresh_forloeb_for(tx: &mut Tx, pakker: &[PakkeId]) -> Result<()> {
    let mut optaellinger = BTreeSet::new();
    for p in pakker {
        optaellinger.insert(refresh_fremdrift(tx, *p).await?);
    }
    udsend_trin(tx, pakker).await?;
    for (aar, kommune) in optaellinger {
        refresh_tilsynstal(tx, aar, kommune).await?;
    }
    Ok(())
}

/// The package's own progress and its change number. Returns the styringsår and
/// hjemstedskommune whose counts the change touches.
async fn refresh_fremdrift(tx: &mut Tx, pakke: PakkeId) -> Result<(i64, i64)> {
    // The progress is the hjemstedskommune's: a beliggenhedskommune's own meeting is its own
    // matter and does not make the package's meeting held (or convened).
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "UPDATE pakker SET \
         foerst_indsendt = (SELECT MIN(v.indsendt) FROM pakke_versioner v WHERE v.pakke_id = pakker.id), \
         for_sent = (SELECT v.for_sent FROM pakke_versioner v WHERE v.pakke_id = pakker.id ORDER BY v.version DESC LIMIT 1), \
         moede_indkaldt = (SELECT MAX(COALESCE((SELECT a.starter FROM dialogmoede_aendringer a \
                                                WHERE a.moede_id = d.id ORDER BY a.sekvens DESC LIMIT 1), d.starter)) \
                           FROM dialogmoeder d JOIN dialogmoede_pakker dp ON dp.moede_id = d.id \
                           WHERE dp.pakke_id = pakker.id AND d.kommunekode = ({HJEMSTED}) \
                           AND NOT EXISTS (SELECT 1 FROM dialogmoede_aendringer a \
                                           WHERE a.moede_id = d.id AND a.art = 'aflyst')), \
         moede_afholdt = (SELECT MAX(m.dato) FROM moeder m WHERE m.pakke_id = pakker.id \
                          AND (m.kommunekode IS NULL OR m.kommunekode = ({HJEMSTED}))), \
         redegoerelse_revisioner = (SELECT COUNT(*) FROM redegoerelser r WHERE r.pakke_id = pakker.id), \
         trin_frist = (SELECT h.frist FROM pakke_haendelser h WHERE h.pakke_id = pakker.id AND h.til = pakker.status \
                       ORDER BY h.id DESC LIMIT 1), \
         nye_bemaerkninger = CASE WHEN pakker.status = '{hoering}' THEN \
             (SELECT COUNT(*) FROM redegoerelse_bemaerkninger b WHERE b.pakke_id = pakker.id AND b.tidspunkt > \
                COALESCE((SELECT MAX(r.gemt) FROM redegoerelser r WHERE r.pakke_id = pakker.id), '0001-01-01')) \
             ELSE 0 END, \
         aendring = $2 \
         WHERE id = $1 \
         RETURNING styringsaar, ({HJEMSTED})",
            hoering = PakkeStatus::RedegoerelseIHoering.as_str()
        )
    });
    // The change number is taken first and written with the progress: one statement less on
    // every change of a package (the package's row is already locked, see `nummerer_aendring`).
    let aendring = naeste_aendring(tx).await?;
    let (aar, kommune): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(pakke.0)
        .bind(aendring)
        .fetch_one(&mut **tx)
        .await
        .db()?;
    Ok((aar, kommune))
}

/// The next number of the package change feed (`pakker.aendring`, read by integrations that
/// poll with `siden`). The counter's row lock is held to commit, so numbers are taken in
/// commit order and a poller never passes a change that commits later with a smaller number.
/// The package's row is locked first (every caller has written it), so the counter is always
/// locked after the package locks and a writer holding it never waits on a package.
async fn nummerer_aendring(tx: &mut Tx, pakke: PakkeId) -> Result<()> {
    let n = naeste_aendring(tx).await?;
    sqlx::query("UPDATE pakker SET aendring = $1 WHERE id = $2").bind(n).bind(pakke.0).execute(&mut **tx).await.db()?;
    Ok(())
}

/// The fingerprint of a set of packages as one scalar subquery over `pakker p` as `kilde`
/// (the tables and condition after `FROM`): their count, revision sum and newest change number
/// as one text (read by [`laes_pakkestempel`]), so the session's read asks it as a subquery
/// too and both read the same value.
fn pakkestempel_sql(kilde: &str) -> String {
    format!(
        "(SELECT CAST(COUNT(*) AS TEXT) || ' ' || CAST(COALESCE(SUM(p.revision), 0) AS TEXT) || ' ' || \
         CAST(COALESCE(MAX(p.aendring), 0) AS TEXT) FROM {kilde})"
    )
}

/// The fingerprint of the packages the kommune `kommune` (a bind or a column) sees or
/// supervises ([`PakkeStore::kommunens_pakkestempel`]): the packages are found by primary key
/// in `kommunernes_pakker`.
pub(super) fn kommunens_pakkestempel_sql(kommune: &str) -> String {
    pakkestempel_sql(&format!(
        "kommunernes_pakker kp JOIN pakker p ON p.id = kp.pakke_id WHERE kp.kommunekode = {kommune}"
    ))
}

/// The fingerprint of the packages of the organisations `organisationer` lists (an SQL list or
/// subquery, without its parentheses) ([`PakkeStore::organisationernes_pakkestempel`]).
pub(super) fn organisationernes_pakkestempel_sql(organisationer: &str) -> String {
    pakkestempel_sql(&format!("pakker p WHERE p.organisation_id IN ({organisationer})"))
}

/// A fingerprint [`pakkestempel_sql`] reads.
pub(super) fn laes_pakkestempel(tekst: &str) -> Result<PakkeStempel> {
    let tal: Option<Vec<i64>> = tekst.split(' ').map(|t| t.parse().ok()).collect();
    match tal.as_deref() {
        Some(&[antal, revisioner, aendring]) => Ok(PakkeStempel { antal, revisioner, aendring }),
        _ => Err(StoreError::Corrupt { what: "kommunens pakkestempel", value: tekst.to_string() }),
    }
}

/// Takes the next change number (and the counter's lock, to commit).
async fn naeste_aendring(tx: &mut Tx) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("UPDATE aendringstaeller SET vaerdi = vaerdi + 1 WHERE id = 1 RETURNING vaerdi")
        .fetch_one(&mut **tx)
        .await
        .db()?;
    Ok(n)
}

/// Takes a package's row lock for a change that does not move the package (a
/// beliggenhedskommune's own meeting), before its progress is recounted. It is a change of the
/// package, so its revision moves too.
pub(super) async fn lock_pakke(tx: &mut Tx, pakke: PakkeId) -> Result<()> {
    sqlx::query("UPDATE pakker SET revision = revision + 1 WHERE id = $1")
        .bind(pakke.0)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}

/// The recount of one kommune's supervision counts and packages per status in a styringsår,
/// built once from [`PakkeStatus::ALL`] (a column per status).
fn tilsynstal_recount() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let statuses = || PakkeStatus::ALL.iter().map(|s| s.as_str());
        let columns: Vec<String> = statuses().map(|s| format!("status_{s} = t.status_{s}")).collect();
        let counts: Vec<String> = statuses()
            .map(|s| format!("COALESCE(SUM(CASE WHEN p.status = '{s}' THEN 1 ELSE 0 END), 0) AS status_{s}"))
            .collect();
        format!(
            "UPDATE tilsynstal SET pakker = t.pakker, indsendt = t.indsendt, for_sent = t.for_sent, \
             moeder_afholdt = t.moeder_afholdt, offentliggjort = t.offentliggjort, {} FROM ( \
               SELECT COUNT(*) AS pakker, \
                 COALESCE(SUM(CASE WHEN p.status <> 'kladde' AND p.ikke_modtaget IS NULL THEN 1 ELSE 0 END), 0) AS indsendt, \
                 COALESCE(SUM(CASE WHEN p.status NOT IN ('kladde', 'returneret', 'ikke_modtaget') AND p.for_sent THEN 1 ELSE 0 END), 0) \
                   AS for_sent, \
                 COALESCE(SUM(CASE WHEN p.moede_afholdt IS NOT NULL THEN 1 ELSE 0 END), 0) AS moeder_afholdt, \
                 COALESCE(SUM(CASE WHEN p.status = 'redegoerelse_offentliggjort' THEN 1 ELSE 0 END), 0) \
                   AS offentliggjort, {} \
               FROM pakker p JOIN organisationer o ON o.id = p.organisation_id \
               WHERE p.styringsaar = $1 AND o.hjemstedskommune = $2 \
             ) t WHERE tilsynstal.styringsaar = $1 AND tilsynstal.kommunekode = $2",
            columns.join(", "),
            counts.join(", ")
        )
    })
}

/// Recomputes one kommune's supervision counts of a styringsår from its packages.
async fn refresh_tilsynstal(tx: &mut Tx, aar: i64, kommune: i64) -> Result<()> {
    // The upsert makes the row and locks it: the lock that serialises recounts of this kommune
    // (see `refresh_forloeb`).
    sqlx::query(
        "INSERT INTO tilsynstal (styringsaar, kommunekode, pakker, indsendt, for_sent, moeder_afholdt, offentliggjort) \
         VALUES ($1, $2, 0, 0, 0, 0, 0) \
         ON CONFLICT (styringsaar, kommunekode) DO UPDATE SET pakker = tilsynstal.pakker",
    )
    .bind(aar)
    .bind(kommune)
    .execute(&mut **tx)
    .await
    .db()?;
    sqlx::query(sqlx::AssertSqlSafe(tilsynstal_recount())).bind(aar).bind(kommune).execute(&mut **tx).await.db()?;
    Ok(())
}

/// Touches the package row under the expected status and returns its new revision: answers,
/// files and redegørelse saves are serialised with submissions and transitions this way, so
/// nothing lands in a package that moved on. None when it did.
pub(super) async fn bump_revision(
    tx: &mut Tx,
    pakke: PakkeId,
    statuses: &[PakkeStatus],
    at: DateTime<Utc>,
) -> Result<Option<Revision>> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new("UPDATE pakker SET opdateret = ");
    qb.push_bind(at).push(", revision = revision + 1 WHERE id = ").push_bind(pakke.0).push(" AND status IN (");
    let mut list = qb.separated(", ");
    for s in statuses {
        list.push_bind(s.as_str());
    }
    qb.push(") RETURNING revision");
    let row: Option<(i64,)> = qb.build_query_as().fetch_optional(&mut **tx).await.db()?;
    Ok(row.map(|(r,)| Revision(r)))
}

/// Inserts a package unless one exists for its organisation, year and report; its id and
/// whether it was created now.
async fn create_pakke_in(tx: &mut Tx, p: &NewPakke) -> Result<(PakkeId, bool)> {
    let created: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO pakker (organisation_id, styringsaar, rapporttype, periode_start, periode_slut, status, \
         frist, oprettet, opdateret) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
         ON CONFLICT (organisation_id, styringsaar, rapporttype) DO NOTHING RETURNING id",
    )
    .bind(p.organisation.0)
    .bind(i64::from(p.styringsaar))
    .bind(p.rapporttype.as_str())
    .bind(p.periode.start())
    .bind(p.periode.slut())
    .bind(PakkeStatus::Kladde.as_str())
    .bind(p.frist)
    .bind(p.created_at)
    .fetch_optional(&mut **tx)
    .await
    .db()?;
    if let Some((id,)) = created {
        // The kommuner that see or supervise it: its hjemsted and its afdelinger's kommuner.
        sqlx::query(
            "INSERT INTO kommunernes_pakker (kommunekode, pakke_id) \
             SELECT hjemstedskommune, CAST($1 AS BIGINT) FROM organisationer WHERE id = $2 \
             UNION SELECT kommunekode, CAST($1 AS BIGINT) FROM afdelinger WHERE organisation_id = $2",
        )
        .bind(id)
        .bind(p.organisation.0)
        .execute(&mut **tx)
        .await
        .db()?;
        return Ok((PakkeId(id), true));
    }
    let (id,): (i64,) =
        sqlx::query_as("SELECT id FROM pakker WHERE organisation_id = $1 AND styringsaar = $2 AND rapporttype = $3")
            .bind(p.organisation.0)
            .bind(i64::from(p.styringsaar))
            .bind(p.rapporttype.as_str())
            .fetch_one(&mut **tx)
            .await
            .db()?;
    Ok((PakkeId(id), false))
}

/// A save of answers (see [`PakkeStore::save_svar`]) in the caller's transaction; returns the
/// package's new revision.
pub(super) async fn save_svar_in(tx: &mut Tx, change: &SvarChange) -> Result<Revision> {
    let mut outcome = save_svar_alle_in(tx, &[change]).await?;
    outcome.pop().expect("one outcome per save")
}

/// Saves of answers in the caller's write transaction, each checked as if it were alone: its
/// package in the status it expects, and no answer of its section newer than the revision its
/// editor read (else [`StoreError::Stale`] for that save only, and nothing of it written).
/// Saves to the same package are taken in their order, each seeing the one before. The
/// statements serve every save at once (a check, an update, the answers), so a batch costs
/// the round trips of one save: that is what lets SQLite's one writer keep up.
pub(super) async fn save_svar_alle_in(tx: &mut Tx, changes: &[&SvarChange]) -> Result<Vec<Result<Revision>>> {
    let mut outcomes: Vec<Option<Result<Revision>>> = changes.iter().map(|_| None).collect();
    let mut waiting: Vec<usize> = (0..changes.len()).collect();
    while !waiting.is_empty() {
        // A round: the first waiting save of each package.
        let mut packages = BTreeSet::new();
        let (round, later): (Vec<usize>, Vec<usize>) =
            waiting.iter().partition(|&&i| packages.insert(changes[i].pakke));
        let saves: Vec<&SvarChange> = round.iter().map(|&i| changes[i]).collect();
        for (i, revision) in round.into_iter().zip(save_svar_runde(tx, &saves).await?) {
            outcomes[i] = Some(revision.ok_or(StoreError::Stale));
        }
        waiting = later;
    }
    Ok(outcomes.into_iter().map(|o| o.expect("every save has had its round")).collect())
}

/// Saves of answers with their audit events, in `tx` and committed (see
/// [`save_svar_alle_in`]): each save's outcome; the audit event of each that went through.
pub(super) async fn gem_svar_samlet(mut tx: Tx, saves: &[(&SvarChange, &AuditEvent)]) -> Result<Vec<Result<Revision>>> {
    let changes: Vec<&SvarChange> = saves.iter().map(|(c, _)| *c).collect();
    let outcomes = save_svar_alle_in(&mut tx, &changes).await?;
    let audit: Vec<AuditEvent> =
        saves.iter().zip(&outcomes).filter(|(_, o)| o.is_ok()).map(|((_, a), _)| (*a).clone()).collect();
    commit_alle(tx, &audit).await?;
    Ok(outcomes)
}

/// One round of [`save_svar_alle_in`]: saves to distinct packages. The new revision of each
/// save that went through, `None` for a stale one. The statements are the engine's own
/// ([`saetninger`]), as they carry a whole batch.
async fn save_svar_runde(tx: &mut Tx, changes: &[&SvarChange]) -> Result<Vec<Option<Revision>>> {
    let ids: Vec<i64> = changes.iter().map(|c| c.pakke.0).collect();
    // Locked first (on PostgreSQL), so a concurrent writer of the same package waits here.
    saetninger::laas_pakker(tx, &ids).await?;
    // Each package's status and revision, and the newest answer among its save's section.
    let par: Vec<(i64, &str)> =
        changes.iter().flat_map(|c| c.sektion.iter().map(|k| (c.pakke.0, k.as_str()))).collect();
    let mut found: BTreeMap<i64, (String, i64, i64)> = BTreeMap::new();
    for (id, status, revision, newest) in saetninger::pakkernes_stand(tx, &ids, &par).await? {
        let entry = found.entry(id).or_insert((status, revision, 0));
        entry.2 = entry.2.max(newest);
    }
    let revisions: Vec<Option<Revision>> = changes
        .iter()
        .map(|c| {
            let (status, revision, newest) = found.get(&c.pakke.0)?;
            (*status == c.expected_status.as_str() && Revision(*newest) <= c.expected_revision)
                .then_some(Revision(revision + 1))
        })
        .collect();
    let saved: Vec<(&SvarChange, Revision)> =
        changes.iter().zip(&revisions).filter_map(|(c, r)| r.map(|r| (*c, r))).collect();
    // The packages' new revisions; the rows are the caller's alone (locked, or SQLite's
    // single writer), so `+ 1` is the revision worked out above.
    let moved: Vec<(i64, DateTime<Utc>)> = saved.iter().map(|(c, _)| (c.pakke.0, c.at)).collect();
    if saetninger::naeste_revision(tx, &moved).await? != moved.len() as u64 {
        return Err(StoreError::Stale);
    }
    // The answers in one batch, not one statement per answer: an afdeling form holds dozens,
    // and every statement is a round trip to the database. A question named twice in a save
    // keeps its last answer (PostgreSQL refuses to upsert one row twice in a statement).
    let rows: Vec<SvarRaekke> = saved
        .iter()
        .flat_map(|(c, r)| {
            let last: BTreeMap<&str, &Svar> = c.svar.iter().map(|(k, v)| (k.as_str(), v)).collect();
            last.into_iter().map(move |(k, v)| SvarRaekke {
                pakke: c.pakke.0,
                spoergsmaal: k,
                svar: to_json(v),
                af: c.by.0,
                tid: c.at,
                revision: r.0,
            })
        })
        .collect();
    saetninger::gem_svar(tx, &rows).await?;
    Ok(revisions)
}

/// A submission (see [`PakkeStore::submit`]) in the caller's transaction, before the
/// package's progress is recounted.
pub(super) async fn submit_in(tx: &mut Tx, s: &Submission) -> Result<VersionRecord> {
    if !s.transition.from.editable_by_organisation() || s.transition.to != PakkeStatus::Indsendt {
        return Err(StoreError::Stale);
    }
    let pakke = s.transition.pakke;
    // The compare-and-set first: it locks the package row, so a concurrent submission
    // waits here and then finds the package moved on.
    apply_transition(tx, &s.transition, Some(s.revision)).await?;
    let (next,): (i64,) =
        sqlx::query_as("SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM pakke_versioner WHERE pakke_id = $1")
            .bind(pakke.0)
            .fetch_one(&mut **tx)
            .await
            .db()?;
    if next != s.expected_version {
        return Err(StoreError::Stale);
    }
    sqlx::query(
        "INSERT INTO pakke_versioner (pakke_id, version, svar, indsendt_af, indsendt, for_sent, idempotens, bilag, \
             bestyrelse_godkendt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(pakke.0)
    .bind(next)
    .bind(to_json(&s.svar))
    .bind(s.transition.by.0)
    .bind(s.transition.at)
    .bind(s.late)
    .bind(&s.idempotency_key)
    .bind(to_json(&s.bilag))
    .bind(s.bestyrelse_godkendt)
    .execute(&mut **tx)
    .await
    .db()?;
    for m in &s.mails {
        insert_mail(tx, m).await?;
    }
    for k in &s.modtagere {
        sqlx::query(
            "INSERT INTO pakke_modtagere (pakke_id, kommunekode) VALUES ($1, $2) \
                 ON CONFLICT (pakke_id, kommunekode) DO NOTHING",
        )
        .bind(pakke.0)
        .bind(i64::from(*k))
        .execute(&mut **tx)
        .await
        .db()?;
    }
    // A kommune sent the package sees it (the recipients are its kommuner already, see
    // `kommunernes_pakker`; stated here so the store keeps its own rule).
    sqlx::query(
        "INSERT INTO kommunernes_pakker (kommunekode, pakke_id) \
         SELECT kommunekode, pakke_id FROM pakke_modtagere WHERE pakke_id = $1 \
         ON CONFLICT (kommunekode, pakke_id) DO NOTHING",
    )
    .bind(pakke.0)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(VersionRecord {
        pakke,
        version: next,
        submitted_by: s.transition.by,
        submitted_at: s.transition.at,
        late: s.late,
        bilag: s.bilag.clone(),
        bestyrelse_godkendt: s.bestyrelse_godkendt,
        supplement: None,
    })
}

impl Backend {
    async fn pakker_query(&self, filter: &str, values: &[i64]) -> Result<Vec<PakkeForloeb>> {
        let sql = format!("{PAKKE_SELECT} {filter}");
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for v in values {
            query = query.bind(*v);
        }
        let rows: Vec<PakkeRow> = query.fetch_all(self.reader()).await.db()?;
        rows.into_iter().map(PakkeForloeb::try_from).collect()
    }

    async fn pakker_where(&self, filter: &str, values: &[i64]) -> Result<Vec<PakkeRecord>> {
        Ok(self.pakker_query(filter, values).await?.into_iter().map(|f| f.pakke).collect())
    }
}

#[async_trait::async_trait]
impl PakkeStore for Backend {
    async fn create_pakker(&self, pakker: &[(NewPakke, AuditEvent)]) -> Result<Vec<(PakkeId, bool)>> {
        let mut tx = self.begin_write().await?;
        let mut results = Vec::with_capacity(pakker.len());
        for (p, _) in pakker {
            results.push(create_pakke_in(&mut tx, p).await?);
        }
        // What each creation does after its insert, once for the batch; then each is told.
        let nye: Vec<(PakkeId, DateTime<Utc>)> = results
            .iter()
            .zip(pakker)
            .filter(|((_, created), _)| *created)
            .map(|((id, _), (p, _))| (*id, p.created_at))
            .collect();
        let ids: Vec<PakkeId> = nye.iter().map(|(id, _)| *id).collect();
        refresh_forloeb_for(&mut tx, &ids).await?;
        udsend_hver(&mut tx, HaendelsesType::PakkeOprettet, &nye).await?;
        let audit: Vec<AuditEvent> = results
            .iter()
            .zip(pakker)
            .filter(|((_, created), _)| *created)
            .map(|((id, _), (_, a))| a.about(id.0))
            .collect();
        commit_alle(tx, &audit).await?;
        Ok(results)
    }

    async fn pakke(&self, id: PakkeId) -> Result<Option<PakkeRecord>> {
        Ok(self.pakker_where("WHERE p.id = $1", &[id.0]).await?.pop())
    }

    async fn pakke_med_modtagere(&self, id: PakkeId) -> Result<Option<(PakkeRecord, Vec<Kommunekode>)>> {
        // One read, a row per receiving kommune (one row without any for a draft): every
        // logged-in package page starts with it.
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| {
            let fra = PAKKE_SELECT.strip_prefix("SELECT ").expect("PAKKE_SELECT is a SELECT");
            format!(
                "SELECT m.kommunekode AS modtager, {fra} LEFT JOIN pakke_modtagere m ON m.pakke_id = p.id \
                 WHERE p.id = $1 ORDER BY m.kommunekode"
            )
        });
        let rows: Vec<PakkeMedModtagerRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id.0).fetch_all(self.reader()).await.db()?;
        let modtagere =
            rows.iter().filter_map(|r| r.modtager).map(|k| checked("kommunekode", k)).collect::<Result<_>>()?;
        let Some(row) = rows.into_iter().next() else { return Ok(None) };
        Ok(Some((PakkeRecord::try_from(row.pakke)?, modtagere)))
    }

    async fn pakker_for_organisationer(&self, organisationer: &[OrganisationId]) -> Result<Vec<PakkeRecord>> {
        if organisationer.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(PAKKE_SELECT);
        qb.push(" WHERE p.organisation_id IN (");
        push_organisation_ids(&mut qb, organisationer);
        qb.push(") ORDER BY p.styringsaar DESC, o.nummer");
        let rows: Vec<PakkeRow> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        rows.into_iter().map(PakkeRecord::try_from).collect()
    }

    async fn pakker_for_kommune(&self, kommune: Kommunekode) -> Result<Vec<PakkeRecord>> {
        // Routing rows exist only from the first submission, so drafts never match; the status
        // filter states the rule once more.
        self.pakker_where(
            "JOIN pakke_modtagere m ON m.pakke_id = p.id WHERE m.kommunekode = $1 AND p.status <> 'kladde' \
             ORDER BY p.styringsaar DESC, o.nummer",
            &[i64::from(kommune)],
        )
        .await
    }

    async fn pakker_med_hjemsted(&self, kommune: Kommunekode, aar: Styringsaar) -> Result<Vec<PakkeRecord>> {
        self.pakker_where(
            "WHERE o.hjemstedskommune = $1 AND p.styringsaar = $2 ORDER BY o.navn, o.nummer",
            &[i64::from(kommune), i64::from(aar)],
        )
        .await
    }

    async fn set_frist(&self, pakker: &[PakkeId], frist: NaiveDate, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for p in pakker {
            sqlx::query("UPDATE pakker SET frist = $1 WHERE id = $2")
                .bind(frist)
                .bind(p.0)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        // A new deadline is a change the kommune's and organisation's systems are told of.
        for p in pakker {
            nummerer_aendring(&mut tx, *p).await?;
            let data = serde_json::json!({"frist": frist});
            udsend(&mut tx, *p, HaendelsesType::FristAendret, audit.at, data).await?;
        }
        commit(tx, audit).await
    }

    async fn kommunens_pakkestempel(&self, kommune: Kommunekode) -> Result<PakkeStempel> {
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| format!("SELECT {}", kommunens_pakkestempel_sql("$1")));
        let (tekst,): (String,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(i64::from(kommune))
            .fetch_one(self.reader())
            .await
            .db()?;
        laes_pakkestempel(&tekst)
    }

    async fn organisationernes_pakkestempel(&self, organisationer: &[OrganisationId]) -> Result<PakkeStempel> {
        if organisationer.is_empty() {
            return Ok(PakkeStempel::default());
        }
        let ids: Vec<String> = (1..=organisationer.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT {}", organisationernes_pakkestempel_sql(&ids.join(", ")));
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for o in organisationer {
            query = query.bind(o.0);
        }
        let (tekst,): (String,) = query.fetch_one(self.reader()).await.db()?;
        laes_pakkestempel(&tekst)
    }

    async fn set_rapportperioder(
        &self,
        perioder: &[(PakkeId, Option<domain::period::Rapportperiode>)],
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (p, periode) in perioder {
            sqlx::query("UPDATE pakker SET rapport_fra = $1, rapport_til = $2 WHERE id = $3")
                .bind(periode.map(|r| r.fra))
                .bind(periode.map(|r| r.til))
                .bind(p.0)
                .execute(&mut *tx)
                .await
                .db()?;
            nummerer_aendring(&mut tx, *p).await?;
        }
        commit(tx, audit).await
    }

    async fn modtagere_for(&self, pakker: &[PakkeId]) -> Result<Vec<(PakkeId, Kommunekode)>> {
        let mut out = Vec::new();
        for part in pakker.chunks(chunk(1)) {
            let mut qb: QueryBuilder<Db> =
                QueryBuilder::new("SELECT pakke_id, kommunekode FROM pakke_modtagere WHERE pakke_id IN (");
            push_ids(&mut qb, &part.iter().map(|p| p.0).collect::<Vec<_>>());
            qb.push(") ORDER BY pakke_id, kommunekode");
            let rows: Vec<(i64, i64)> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
            for (pakke, kommune) in rows {
                out.push((PakkeId(pakke), checked("kommunekode", kommune)?));
            }
        }
        Ok(out)
    }

    async fn registrer_tilsynsreaktion(
        &self,
        r: &NyTilsynsreaktion,
        mails: &[NewMail],
        audit: &AuditEvent,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        lock_pakke(&mut tx, r.pakke).await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO tilsynsreaktioner (pakke_id, art, dato, tekst, frist, registreret_af, registreret) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(r.pakke.0)
        .bind(r.art.as_str())
        .bind(r.dato)
        .bind(&r.tekst)
        .bind(r.frist)
        .bind(r.af.0)
        .bind(r.at)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        for m in mails {
            insert_mail(&mut tx, m).await?;
        }
        let data = serde_json::json!({"art": r.art.as_str(), "dato": r.dato, "frist": r.frist});
        udsend(&mut tx, r.pakke, HaendelsesType::Tilsynsreaktion, r.at, data).await?;
        refresh_forloeb(&mut tx, r.pakke).await?;
        commit(tx, audit).await?;
        Ok(id)
    }

    async fn tilsynsreaktioner(&self, pakker: &[PakkeId]) -> Result<Vec<TilsynsreaktionRecord>> {
        if pakker.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "SELECT r.id, r.pakke_id, r.art, r.dato, r.tekst, r.frist, b.navn, r.registreret FROM tilsynsreaktioner r \
             JOIN brugere b ON b.id = r.registreret_af WHERE r.pakke_id IN (",
        );
        let mut list = qb.separated(", ");
        for p in pakker {
            list.push_bind(p.0);
        }
        qb.push(") ORDER BY r.dato, r.id");
        let rows: Vec<(i64, i64, String, NaiveDate, String, Option<NaiveDate>, String, DateTime<Utc>)> =
            qb.build_query_as().fetch_all(self.reader()).await.db()?;
        rows.into_iter()
            .map(|(id, pakke, art, dato, tekst, frist, af_navn, registreret)| {
                Ok(TilsynsreaktionRecord {
                    id,
                    pakke: PakkeId(pakke),
                    art: super::parsed("art", &art, Tilsynsreaktion::parse)?,
                    dato,
                    tekst,
                    frist,
                    af_navn,
                    registreret,
                })
            })
            .collect()
    }

    async fn svar(&self, pakke: PakkeId) -> Result<BTreeMap<String, SvarRecord>> {
        let rows: Vec<(String, String, i64, String, DateTime<Utc>, i64)> = sqlx::query_as(
            "SELECT s.spoergsmaal_id, s.svar, s.opdateret_af, b.navn, s.opdateret, s.revision FROM pakke_svar s \
             JOIN brugere b ON b.id = s.opdateret_af WHERE s.pakke_id = $1",
        )
        .bind(pakke.0)
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter()
            .map(|(id, svar, by, by_name, at, revision)| {
                Ok((
                    id,
                    SvarRecord {
                        svar: from_json::<Svar>("svar", &svar)?,
                        updated_by: UserId(by),
                        updated_by_name: by_name,
                        updated_at: at,
                        revision: Revision(revision),
                    },
                ))
            })
            .collect()
    }

    async fn save_svar(&self, change: &SvarChange, audit: &AuditEvent) -> Result<Revision> {
        self.svarkoe.gem(self.skriver(), change, audit).await
    }

    async fn transition(&self, t: &Transition, mails: &[NewMail], audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        apply_transition(&mut tx, t, None).await?;
        refresh_forloeb(&mut tx, t.pakke).await?;
        for m in mails {
            insert_mail(&mut tx, m).await?;
        }
        commit(tx, audit).await
    }

    async fn submit(&self, s: &Submission, audit: &AuditEvent) -> Result<VersionRecord> {
        if let Some(earlier) = self.version_by_key(s.transition.pakke, &s.idempotency_key).await? {
            return Ok(earlier);
        }
        let mut tx = self.begin_write().await?;
        let version = submit_in(&mut tx, s).await?;
        refresh_forloeb(&mut tx, s.transition.pakke).await?;
        commit(tx, &audit.with_detail("version", version.version)).await?;
        Ok(version)
    }

    async fn versions(&self, pakke: PakkeId) -> Result<Vec<VersionRecord>> {
        let rows: Vec<VersionRow> = sqlx::query_as(
            "SELECT pakke_id, version, indsendt_af, indsendt, for_sent, bilag, bestyrelse_godkendt, supplement FROM pakke_versioner \
             WHERE pakke_id = $1 ORDER BY version",
        )
        .bind(pakke.0)
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter().map(VersionRecord::try_from).collect()
    }

    async fn version_svar(&self, pakke: PakkeId, version: i64) -> Result<Option<BTreeMap<String, Svar>>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT svar FROM pakke_versioner WHERE pakke_id = $1 AND version = $2")
                .bind(pakke.0)
                .bind(version)
                .fetch_optional(self.reader())
                .await
                .db()?;
        row.map(|(svar,)| from_json("svar", &svar)).transpose()
    }

    async fn version_by_key(&self, pakke: PakkeId, key: &str) -> Result<Option<VersionRecord>> {
        let row: Option<VersionRow> = sqlx::query_as(
            "SELECT pakke_id, version, indsendt_af, indsendt, for_sent, bilag, bestyrelse_godkendt, supplement FROM pakke_versioner \
             WHERE pakke_id = $1 AND idempotens = $2",
        )
        .bind(pakke.0)
        .bind(key)
        .fetch_optional(self.reader())
        .await
        .db()?;
        row.map(VersionRecord::try_from).transpose()
    }

    async fn haendelser(&self, pakke: PakkeId) -> Result<Vec<HaendelseRecord>> {
        let rows: Vec<HaendelseRow> = sqlx::query_as(
            "SELECT h.id, h.pakke_id, h.fra, h.til, h.haendelse, h.af, b.navn AS af_navn, h.tidspunkt, h.begrundelse, h.frist \
             FROM pakke_haendelser h JOIN brugere b ON b.id = h.af WHERE h.pakke_id = $1 ORDER BY h.id",
        )
        .bind(pakke.0)
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter().map(HaendelseRecord::try_from).collect()
    }

    async fn skabeloner(&self) -> Result<Vec<SkabelonRecord>> {
        let rows: Vec<(String, i64, i64, String, i64, DateTime<Utc>)> = sqlx::query_as(
            "SELECT skema, styringsaar, version, tekst, indlaest_af, indlaest FROM skabeloner ORDER BY indlaest",
        )
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter()
            .map(|(skema, aar, version, tekst, by, at)| {
                Ok(SkabelonRecord {
                    skema: super::parsed("skema", &skema, Skema::parse)?,
                    styringsaar: super::count("styringsår", aar)?,
                    version: super::count("version", version)?,
                    tekst,
                    loaded_by: UserId(by),
                    loaded_at: at,
                })
            })
            .collect()
    }

    async fn add_skabelon(&self, s: &SkabelonRecord, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO skabeloner (skema, styringsaar, version, tekst, indlaest_af, indlaest) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (skema, styringsaar, version) DO NOTHING",
        )
        .bind(s.skema.as_str())
        .bind(i64::from(s.styringsaar))
        .bind(i64::from(s.version))
        .bind(&s.tekst)
        .bind(s.loaded_by.0)
        .bind(s.loaded_at)
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
        exactly_one(inserted)?;
        bump_stamp(&mut tx, CacheStamp::Skabeloner).await?;
        commit(tx, audit).await
    }

    async fn pakke_udvalg(&self, udvalg: &PakkeUdvalg, side: Side) -> Result<Udsnit<PakkeForloeb>> {
        // The same WHERE for the count and the page.
        let filter = |qb: &mut QueryBuilder<Db>| {
            match &udvalg.omfang {
                PakkeOmfang::Organisationer(ids) if ids.is_empty() => {
                    qb.push(" WHERE 1 = 0");
                }
                PakkeOmfang::Organisationer(ids) => {
                    qb.push(" WHERE p.organisation_id IN (");
                    push_organisation_ids(qb, ids);
                    qb.push(")");
                }
                PakkeOmfang::Kommune { kode, relation } => {
                    // Routing rows exist only from the first submission; the status filter
                    // states once more that a draft is never listed to a kommune.
                    qb.push(" JOIN pakke_modtagere m ON m.pakke_id = p.id WHERE m.kommunekode = ")
                        .push_bind(i64::from(*kode))
                        .push(" AND p.status <> ")
                        .push_bind(PakkeStatus::Kladde.as_str());
                    match relation {
                        Some(Relation::Hjemsted) => qb.push(" AND o.hjemstedskommune = ").push_bind(i64::from(*kode)),
                        Some(Relation::Beliggenhed) => {
                            qb.push(" AND o.hjemstedskommune <> ").push_bind(i64::from(*kode))
                        }
                        None => qb,
                    };
                }
                PakkeOmfang::Alle => {
                    qb.push(" WHERE 1 = 1");
                }
            }
            if let Some(aar) = udvalg.styringsaar {
                qb.push(" AND p.styringsaar = ").push_bind(i64::from(aar));
            }
            if let Some(status) = udvalg.status {
                qb.push(" AND p.status = ").push_bind(status.as_str());
            }
            if let Some(siden) = udvalg.siden {
                qb.push(" AND p.aendring > ").push_bind(siden);
            }
        };
        let mut count: QueryBuilder<Db> =
            QueryBuilder::new("SELECT COUNT(*) FROM pakker p JOIN organisationer o ON o.id = p.organisation_id");
        filter(&mut count);
        let (i_alt,): (i64,) = count.build_query_as().fetch_one(self.reader()).await.db()?;
        let mut page: QueryBuilder<Db> = QueryBuilder::new(PAKKE_SELECT);
        filter(&mut page);
        page.push(if udvalg.siden.is_some() {
            " ORDER BY p.aendring"
        } else {
            " ORDER BY p.styringsaar DESC, o.nummer, p.id"
        });
        page.push(" LIMIT ").push_bind(side.limit()).push(" OFFSET ").push_bind(side.offset());
        let rows: Vec<PakkeRow> = page.build_query_as().fetch_all(self.reader()).await.db()?;
        let raekker = rows.into_iter().map(PakkeForloeb::try_from).collect::<Result<_>>()?;
        Ok(Udsnit { raekker, i_alt, side })
    }

    async fn pakke_forloeb(
        &self,
        aar: Styringsaar,
        organisationer: Option<&[OrganisationId]>,
    ) -> Result<Vec<PakkeForloeb>> {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(PAKKE_SELECT);
        qb.push(" WHERE p.styringsaar = ").push_bind(i64::from(aar));
        if let Some(orgs) = organisationer {
            if orgs.is_empty() {
                return Ok(Vec::new());
            }
            qb.push(" AND p.organisation_id IN (");
            push_organisation_ids(&mut qb, orgs);
            qb.push(")");
        }
        qb.push(" ORDER BY o.navn, o.nummer, p.rapporttype");
        let rows: Vec<PakkeRow> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        rows.into_iter().map(PakkeForloeb::try_from).collect()
    }

    async fn tilsynstal(&self, aar: Styringsaar, today: NaiveDate) -> Result<Vec<Tilsynstal>> {
        let y = i64::from(aar);
        let mut per_kommune: BTreeMap<i64, Tilsynstal> = BTreeMap::new();
        let rows: Vec<(i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT kommunekode, pakker, indsendt, for_sent, moeder_afholdt, offentliggjort FROM tilsynstal \
             WHERE styringsaar = $1",
        )
        .bind(y)
        .fetch_all(self.reader())
        .await
        .db()?;
        for (kommune, pakker, indsendt, for_sent, moeder_afholdt, offentliggjort) in rows {
            per_kommune.insert(
                kommune,
                Tilsynstal { kommune: None, pakker, indsendt, for_sent, mangler: 0, moeder_afholdt, offentliggjort },
            );
        }
        // Missing depends on today's date, so it is counted when asked: drafts past their
        // deadline, found by the (styringsår, status) index.
        let mangler: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT o.hjemstedskommune, COUNT(*) FROM pakker p JOIN organisationer o ON o.id = p.organisation_id \
             WHERE p.styringsaar = $1 AND ((p.status = 'kladde' AND p.frist < $2) OR p.ikke_modtaget IS NOT NULL) \
             GROUP BY o.hjemstedskommune",
        )
        .bind(y)
        .bind(today)
        .fetch_all(self.reader())
        .await
        .db()?;
        for (kommune, n) in mangler {
            per_kommune.entry(kommune).or_default().mangler = n;
        }
        per_kommune
            .into_iter()
            .map(|(k, t)| Ok(Tilsynstal { kommune: Some(checked("kommunekode", k)?), ..t }))
            .collect()
    }

    async fn pakke_status_counts(&self, aar: Styringsaar) -> Result<Vec<StatusCount>> {
        let columns: Vec<String> = PakkeStatus::ALL.iter().map(|s| format!("status_{}", s.as_str())).collect();
        let sql = format!(
            "SELECT kommunekode, {} FROM tilsynstal WHERE styringsaar = $1 ORDER BY kommunekode",
            columns.join(", ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(aar)).fetch_all(self.reader()).await.db()?;
        let mut out = Vec::new();
        for row in rows {
            let kommune: Kommunekode = checked("kommunekode", row.try_get::<i64, _>("kommunekode").db()?)?;
            for (i, status) in PakkeStatus::ALL.into_iter().enumerate() {
                let antal: i64 = row.try_get(i + 1).db()?;
                if antal > 0 {
                    out.push(StatusCount { kommune, status, antal });
                }
            }
        }
        Ok(out)
    }

    async fn offentlige_organisationer(&self, aar: Styringsaar) -> Result<Vec<OrganisationNummer>> {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "SELECT DISTINCT o.nummer FROM pakker p JOIN organisationer o ON o.id = p.organisation_id WHERE p.styringsaar = ",
        );
        qb.push_bind(i64::from(aar)).push(" AND p.status IN (");
        let mut list = qb.separated(", ");
        for s in PakkeStatus::ALL.iter().filter(|s| s.key_figures_public()) {
            list.push_bind(s.as_str());
        }
        qb.push(") ORDER BY o.nummer");
        let rows: Vec<(i64,)> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        rows.into_iter().map(|(n,)| checked("organisationsnummer", n)).collect()
    }
}
