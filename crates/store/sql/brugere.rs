//! Users, sessions, API keys and the audit log.

use super::rows::{API_NOEGLE_COLUMNS, ApiNoegleRow, SessionRow, USER_COLUMNS, UserRow};
use super::{Backend, Db, DbResult, Tx, commit, exactly_one, from_json, insert_audit};
use chrono::{DateTime, Utc};
use domain::access::{Role, UserId};
use domain::master::OrganisationId;
use sqlx::QueryBuilder;
use std::collections::HashMap;
use store::*;

/// Replaces a user's organisations.
async fn set_organisations(tx: &mut Tx, user: i64, organisationer: &[OrganisationId]) -> Result<()> {
    sqlx::query("DELETE FROM bruger_organisationer WHERE bruger_id = $1").bind(user).execute(&mut **tx).await.db()?;
    for org in organisationer {
        sqlx::query("INSERT INTO bruger_organisationer (bruger_id, organisation_id) VALUES ($1, $2)")
            .bind(user)
            .bind(org.0)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    Ok(())
}

/// The WHERE clause of a user search, its values bound in order.
fn push_user_filter(qb: &mut QueryBuilder<Db>, filter: &BrugerFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(tekst) = filter.tekst.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // LIKE's own wildcards in the text are matched literally.
        let escaped: String = tekst
            .to_lowercase()
            .chars()
            .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
            .collect();
        let pattern = format!("%{escaped}%");
        qb.push(" AND (LOWER(b.brugernavn) LIKE ");
        qb.push_bind(pattern.clone());
        qb.push(" ESCAPE '\\' OR LOWER(b.navn) LIKE ");
        qb.push_bind(pattern.clone());
        qb.push(" ESCAPE '\\' OR LOWER(COALESCE(b.email, '')) LIKE ");
        qb.push_bind(pattern.clone());
        qb.push(" ESCAPE '\\' OR COALESCE(b.cvr, '') LIKE ");
        qb.push_bind(pattern);
        qb.push(" ESCAPE '\\')");
    }
    if let Some(rolle) = filter.rolle {
        qb.push(" AND b.rolle = ");
        qb.push_bind(rolle.as_str());
    }
    match filter.provisioneret {
        Some(true) => {
            qb.push(" AND b.ekstern_id IS NOT NULL");
        }
        Some(false) => {
            qb.push(" AND b.ekstern_id IS NULL");
        }
        None => {}
    }
    if let Some(d) = filter.deaktiveret {
        qb.push(" AND b.deaktiveret = ");
        qb.push_bind(d);
    }
}

/// One row of a user's organisations, ordered by organisation: the organisation, and one it
/// administers (a row per administered organisation).
fn add_link(
    (egne, administrerede): &mut (Vec<OrganisationId>, Vec<OrganisationId>),
    org: i64,
    administreret: Option<i64>,
) {
    if egne.last() != Some(&OrganisationId(org)) {
        egne.push(OrganisationId(org));
    }
    administrerede.extend(administreret.map(OrganisationId));
}

impl Backend {
    /// Users with their organisations, and those their organisations administer: two reads
    /// for any number of users.
    async fn users_with_organisations(&self, rows: Vec<UserRow>) -> Result<Vec<UserRecord>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "SELECT bo.bruger_id, bo.organisation_id, o.id FROM bruger_organisationer bo \
             LEFT JOIN organisationer o ON o.administrator_id = bo.organisation_id WHERE bo.bruger_id IN (",
        );
        let mut ids = qb.separated(", ");
        for r in &rows {
            ids.push_bind(r.id().0);
        }
        qb.push(") ORDER BY bo.bruger_id, bo.organisation_id, o.id");
        let links: Vec<(i64, i64, Option<i64>)> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        let mut per_user: HashMap<i64, (Vec<OrganisationId>, Vec<OrganisationId>)> = HashMap::new();
        for (bruger, org, administreret) in links {
            add_link(per_user.entry(bruger).or_default(), org, administreret);
        }
        rows.into_iter()
            .map(|r| {
                let (egne, administrerede) = per_user.remove(&r.id().0).unwrap_or_default();
                r.into_record(egne, administrerede)
            })
            .collect()
    }

    async fn users_where(&self, filter: &str, value: Option<&str>, id: Option<i64>) -> Result<Vec<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM brugere b WHERE {filter} ORDER BY b.brugernavn");
        let query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        let query = match (value, id) {
            (Some(v), _) => query.bind(v),
            (None, Some(id)) => query.bind(id),
            (None, None) => query,
        };
        let rows: Vec<UserRow> = query.fetch_all(self.reader()).await.db()?;
        self.users_with_organisations(rows).await
    }
}

#[async_trait::async_trait]
impl BrugerStore for Backend {
    async fn login_pause(&self, noegler: &[String]) -> Result<Option<DateTime<Utc>>> {
        if noegler.is_empty() {
            return Ok(None);
        }
        let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT MAX(pause_til) FROM login_fejl WHERE noegle IN (");
        let mut list = qb.separated(", ");
        for n in noegler {
            list.push_bind(n);
        }
        qb.push(")");
        let (pause,): (Option<DateTime<Utc>>,) = qb.build_query_as().fetch_one(self.reader()).await.db()?;
        Ok(pause)
    }

    async fn register_login_fejl(
        &self,
        noegler: &[String],
        now: DateTime<Utc>,
        glemt_foer: DateTime<Utc>,
        pause: &(dyn Fn(usize, i64) -> chrono::Duration + Sync),
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (i, noegle) in noegler.iter().enumerate() {
            // One statement per key: the row lock makes concurrent failures count one by one.
            let (fejl,): (i64,) = sqlx::query_as(
                "INSERT INTO login_fejl (noegle, fejl, sidste, pause_til) VALUES ($1, 1, $2, $2) \
                 ON CONFLICT (noegle) DO UPDATE SET \
                 fejl = CASE WHEN login_fejl.sidste < $3 THEN 1 ELSE login_fejl.fejl + 1 END, sidste = $2 \
                 RETURNING fejl",
            )
            .bind(noegle)
            .bind(now)
            .bind(glemt_foer)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            sqlx::query("UPDATE login_fejl SET pause_til = $1 WHERE noegle = $2")
                .bind(now + pause(i, fejl))
                .bind(noegle)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        tx.commit().await.db()
    }

    async fn clear_login_fejl(&self, noegler: &[String]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for noegle in noegler {
            sqlx::query("DELETE FROM login_fejl WHERE noegle = $1").bind(noegle).execute(&mut *tx).await.db()?;
        }
        tx.commit().await.db()
    }

    async fn delete_old_login_fejl(&self, foer: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM login_fejl WHERE sidste < $1 AND pause_til < $1")
            .bind(foer)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(n.rows_affected())
    }

    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> Result<UserId> {
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO brugere (brugernavn, navn, email, password_hash, rolle, kommunekode, deaktiveret, oprettet, \
             ekstern_id, cvr) VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $8, $9) RETURNING id",
        )
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(user.role.as_str())
        .bind(user.kommune.map(i64::from))
        .bind(user.created_at)
        .bind(&user.ekstern_id)
        .bind(user.cvr.map(|c| c.to_string()))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        set_organisations(&mut tx, id, &user.organisationer).await?;
        commit(tx, &audit.about(id)).await?;
        Ok(UserId(id))
    }

    async fn user(&self, id: UserId) -> Result<Option<UserRecord>> {
        Ok(self.users_where("b.id = $1", None, Some(id.0)).await?.pop())
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        Ok(self.users_where("b.brugernavn = $1", Some(username), None).await?.pop())
    }

    async fn users(&self) -> Result<Vec<UserRecord>> {
        self.users_where("1 = 1", None, None).await
    }

    async fn search_users(&self, filter: &BrugerFilter, side: Side) -> Result<Udsnit<UserRecord>> {
        let mut count: QueryBuilder<Db> = QueryBuilder::new("SELECT COUNT(*) FROM brugere b");
        push_user_filter(&mut count, filter);
        let (i_alt,): (i64,) = count.build_query_as().fetch_one(self.reader()).await.db()?;
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(format!("SELECT {USER_COLUMNS} FROM brugere b"));
        push_user_filter(&mut qb, filter);
        qb.push(" ORDER BY b.brugernavn LIMIT ");
        qb.push_bind(side.limit());
        qb.push(" OFFSET ");
        qb.push_bind(side.offset());
        let rows: Vec<UserRow> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        Ok(Udsnit { raekker: self.users_with_organisations(rows).await?, i_alt, side })
    }

    async fn user_by_ekstern_id(&self, ekstern_id: &str) -> Result<Option<UserRecord>> {
        Ok(self.users_where("b.ekstern_id = $1", Some(ekstern_id), None).await?.pop())
    }

    async fn update_provisioned_user(&self, id: UserId, user: &NewUser, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE brugere SET navn = $1, email = $2, rolle = $3, kommunekode = $4, cvr = $5 \
             WHERE id = $6 AND ekstern_id IS NOT NULL",
        )
        .bind(&user.display_name)
        .bind(&user.email)
        .bind(user.role.as_str())
        .bind(user.kommune.map(i64::from))
        .bind(user.cvr.map(|c| c.to_string()))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        exactly_one(n.rows_affected())?;
        set_organisations(&mut tx, id.0, &user.organisationer).await?;
        commit(tx, audit).await
    }

    async fn end_user_access(&self, id: UserId, at: DateTime<Utc>, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessioner WHERE bruger_id = $1").bind(id.0).execute(&mut *tx).await.db()?;
        sqlx::query("UPDATE api_noegler SET tilbagekaldt = $1 WHERE bruger_id = $2 AND tilbagekaldt IS NULL")
            .bind(at)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        commit(tx, audit).await
    }

    async fn add_oidc_forsoeg(&self, f: &OidcForsoeg) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO oidc_forsoeg (state_hash, nonce, pkce_verifier, naeste, udloeber) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&f.state_hash)
        .bind(&f.nonce)
        .bind(&f.pkce_verifier)
        .bind(&f.naeste)
        .bind(f.expires_at)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }

    async fn take_oidc_forsoeg(&self, state_hash: &str) -> Result<Option<OidcForsoeg>> {
        let mut tx = self.begin_write().await?;
        // Deleting and reading in one statement: two callbacks with the same state cannot
        // both find it.
        let row: Option<(String, String, String, String, DateTime<Utc>)> = sqlx::query_as(
            "DELETE FROM oidc_forsoeg WHERE state_hash = $1 \
             RETURNING state_hash, nonce, pkce_verifier, naeste, udloeber",
        )
        .bind(state_hash)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(row.map(|(state_hash, nonce, pkce_verifier, naeste, expires_at)| OidcForsoeg {
            state_hash,
            nonce,
            pkce_verifier,
            naeste,
            expires_at,
        }))
    }

    async fn delete_expired_oidc_forsoeg(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM oidc_forsoeg WHERE udloeber < $1").bind(now).execute(&mut *tx).await.db()?;
        tx.commit().await.db()?;
        Ok(n.rows_affected())
    }

    async fn set_user_disabled(&self, id: UserId, disabled: bool, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE brugere SET deaktiveret = $1 WHERE id = $2")
            .bind(disabled)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("bruger {}", id.0)));
        }
        if disabled {
            // A disabled user loses every open session at once.
            sqlx::query("DELETE FROM sessioner WHERE bruger_id = $1").bind(id.0).execute(&mut *tx).await.db()?;
        }
        commit(tx, audit).await
    }

    async fn create_session(&self, s: &SessionRecord, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessioner (token_hash, bruger_id, csrf_token, oprettet, udloeber, id_token) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id.0)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(&s.id_token)
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query("UPDATE brugere SET sidste_login = $1 WHERE id = $2")
            .bind(s.created_at)
            .bind(s.user_id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        commit(tx, audit).await
    }

    async fn session_og_stempler(&self, token_hash: &str, med: Medlaesning) -> Result<Option<SessionLaest>> {
        // Every request reads its session. A session read in full before is kept, and then only
        // the stamps are read (with what `med` asks for): the kept session holds while the
        // sessions' stamp has not moved (`sessionskort.rs`).
        if let Some(kept) = self.sessionskort.hent(token_hash) {
            let sql = &sessionslaesninger().stempler;
            let query = match (med.oversigtens_pakker, kept.user.role, kept.user.kommune) {
                (true, Role::Kommune, Some(kommune)) => {
                    sqlx::query(sqlx::AssertSqlSafe(sql.kommunens.as_str())).bind(i64::from(kommune))
                }
                (true, Role::Organisation, _) => sqlx::query(sqlx::AssertSqlSafe(sql.organisationernes.as_str()))
                    .bind(kept.user.id.0)
                    .bind(kept.user.id.0),
                _ => sqlx::query(sqlx::AssertSqlSafe(sql.uden.as_str())),
            };
            let row = query.bind(med.pakke.map(|p| p.0)).fetch_one(self.reader()).await.db()?;
            let laest = Medlaest::fra(&row)?;
            if laest.sessionsstempel == kept.stempel {
                return Ok(Some(laest.med(kept.session.clone(), kept.user.clone())));
            }
        }
        self.session_i_fuld(token_hash, med).await
    }

    async fn delete_session(&self, token_hash: &str, audit: &AuditEvent) -> Result<()> {
        self.sessionskort.glem(token_hash);
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessioner WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await.db()?;
        commit(tx, audit).await
    }

    async fn extend_session(&self, token_hash: &str, expires_at: DateTime<Utc>, audit: &AuditEvent) -> Result<()> {
        self.change_one(
            sqlx::query("UPDATE sessioner SET udloeber = $1 WHERE token_hash = $2").bind(expires_at).bind(token_hash),
            audit,
        )
        .await
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM sessioner WHERE udloeber < $1").bind(now).execute(&mut *tx).await.db()?;
        tx.commit().await.db()?;
        Ok(n.rows_affected())
    }

    async fn user_sessions(&self, user: UserId, now: DateTime<Utc>) -> Result<Vec<SessionRecord>> {
        let rows: Vec<SessionRow> = sqlx::query_as(
            "SELECT token_hash, bruger_id, csrf_token, oprettet AS session_oprettet, udloeber, id_token FROM sessioner \
             WHERE bruger_id = $1 AND udloeber > $2 ORDER BY oprettet DESC, token_hash",
        )
        .bind(user.0)
        .bind(now)
        .fetch_all(self.reader())
        .await
        .db()?;
        Ok(rows.into_iter().map(SessionRecord::from).collect())
    }

    async fn end_user_session(&self, user: UserId, token_hash: &str, audit: &AuditEvent) -> Result<()> {
        self.change_one(
            sqlx::query("DELETE FROM sessioner WHERE bruger_id = $1 AND token_hash = $2").bind(user.0).bind(token_hash),
            audit,
        )
        .await
    }

    async fn add_api_noegle(&self, n: &NewApiNoegle, audit: &AuditEvent) -> Result<ApiNoegleId> {
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO api_noegler (bruger_id, navn, token_hash, oprettet, udloeber) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(n.bruger.0)
        .bind(&n.navn)
        .bind(&n.token_hash)
        .bind(n.oprettet)
        .bind(n.udloeber)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        commit(tx, audit).await?;
        Ok(ApiNoegleId(id))
    }

    async fn api_noegle(&self, token_hash: &str) -> Result<Option<(ApiNoegleRecord, UserRecord)>> {
        let sql = format!(
            "SELECT {API_NOEGLE_COLUMNS}, {USER_COLUMNS} FROM api_noegler k JOIN brugere b ON b.id = k.bruger_id \
             WHERE k.token_hash = $1"
        );
        let Some(row) =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(self.reader()).await.db()?
        else {
            return Ok(None);
        };
        let noegle: ApiNoegleRow = sqlx::FromRow::from_row(&row).db()?;
        let user: UserRow = sqlx::FromRow::from_row(&row).db()?;
        let user = self.users_with_organisations(vec![user]).await?.pop();
        Ok(user.map(|u| (ApiNoegleRecord::from(noegle), u)))
    }

    async fn api_noegler(&self, bruger: UserId) -> Result<Vec<ApiNoegleRecord>> {
        let sql = format!("SELECT {API_NOEGLE_COLUMNS} FROM api_noegler k WHERE k.bruger_id = $1 ORDER BY k.id");
        let rows: Vec<ApiNoegleRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(bruger.0).fetch_all(self.reader()).await.db()?;
        Ok(rows.into_iter().map(ApiNoegleRecord::from).collect())
    }

    async fn revoke_api_noegle(
        &self,
        id: ApiNoegleId,
        bruger: UserId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        self.change_one(
            sqlx::query(
                "UPDATE api_noegler SET tilbagekaldt = $1 WHERE id = $2 AND bruger_id = $3 AND tilbagekaldt IS NULL",
            )
            .bind(at)
            .bind(id.0)
            .bind(bruger.0),
            audit,
        )
        .await
    }

    async fn append_audit(&self, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.db()
    }

    async fn audit_events(&self, limit: u32) -> Result<Vec<AuditRecord>> {
        let rows: Vec<(i64, DateTime<Utc>, Option<i64>, String, String, String, String)> = sqlx::query_as(
            "SELECT id, tidspunkt, aktoer_id, handling, objekt_type, objekt_id, detaljer FROM audit_log \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter()
            .map(|(id, at, actor, action, object_type, object_id, details)| {
                Ok(AuditRecord {
                    id,
                    event: AuditEvent {
                        at,
                        actor: actor.map(UserId),
                        action,
                        object_type,
                        object_id,
                        details: from_json("detaljer", &details)?,
                    },
                })
            })
            .collect()
    }
}

/// The statements of a request's read of its session ([`BrugerStore::session_og_stempler`]).
struct Sessionslaesninger {
    /// The session with its user and the user's organisations, with the stamps: without and
    /// with the fingerprint of the user's overview.
    fuld: [String; 2],
    /// The stamps only, for a kept session.
    stempler: Stempellaesninger,
}

/// The stamps, with the package revision asked for (bound last) and, in two of them, the
/// fingerprint of an overview: statements of their own, not a flag bound to one, as PostgreSQL
/// would plan a statement whose subquery a bound flag skips afresh on every execution.
struct Stempellaesninger {
    uden: String,
    /// A kommune's (`$1`).
    kommunens: String,
    /// An organisation user's organisations (the user, `$1` and `$2`).
    organisationernes: String,
}

fn sessionslaesninger() -> &'static Sessionslaesninger {
    static SQL: std::sync::OnceLock<Sessionslaesninger> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let stempel = |s: CacheStamp| {
            format!("COALESCE((SELECT version FROM cache_stempler WHERE navn = '{}'), 0)", s.as_str())
        };
        let stempler = |pakke: &str, oversigtens: &str| {
            format!(
                "{} AS stempel_tal, {} AS stempel_aftaler, {} AS stempel_skabeloner, \
                 COALESCE((SELECT vaerdi FROM aendringstaeller), 0) AS stempel_aendring, \
                 (SELECT version FROM sessionsstempel WHERE id = 1) AS sessionsstempel, \
                 (SELECT revision FROM pakker WHERE id = {pakke}) AS pakke_revision, \
                 {oversigtens} AS oversigtens_pakker",
                stempel(CacheStamp::Tal),
                stempel(CacheStamp::Aftaler),
                stempel(CacheStamp::Skabeloner),
            )
        };
        // The organisations an organisation user acts for: their own and those they
        // administer, as the principal's scope has them.
        let organisationer = |bruger: &str, igen: &str| {
            super::pakker::organisationernes_pakkestempel_sql(&format!(
                "SELECT bo2.organisation_id FROM bruger_organisationer bo2 WHERE bo2.bruger_id = {bruger} \
                 UNION SELECT o2.id FROM organisationer o2 \
                 JOIN bruger_organisationer bo3 ON o2.administrator_id = bo3.organisation_id WHERE bo3.bruger_id = {igen}"
            ))
        };
        let fuld = |oversigtens: &str| {
            format!(
                "SELECT s.token_hash, s.bruger_id, s.csrf_token, s.oprettet AS session_oprettet, s.udloeber, \
                 s.id_token, {USER_COLUMNS}, bo.organisation_id AS egen_organisation, \
                 o.id AS administreret_organisation, {} \
                 FROM sessioner s JOIN brugere b ON b.id = s.bruger_id \
                 LEFT JOIN bruger_organisationer bo ON bo.bruger_id = b.id \
                 LEFT JOIN organisationer o ON o.administrator_id = bo.organisation_id \
                 WHERE s.token_hash = $1",
                stempler("$2", oversigtens)
            )
        };
        let oversigtens = format!(
            "CASE WHEN b.rolle = '{}' AND b.kommunekode IS NOT NULL THEN {} WHEN b.rolle = '{}' THEN {} END",
            Role::Kommune.as_str(),
            super::pakker::kommunens_pakkestempel_sql("b.kommunekode"),
            Role::Organisation.as_str(),
            organisationer("b.id", "b.id"),
        );
        let ingen = "CAST(NULL AS TEXT)";
        Sessionslaesninger {
            fuld: [fuld(ingen), fuld(&oversigtens)],
            stempler: Stempellaesninger {
                uden: format!("SELECT {}", stempler("$1", ingen)),
                kommunens: format!("SELECT {}", stempler("$2", &super::pakker::kommunens_pakkestempel_sql("$1"))),
                organisationernes: format!("SELECT {}", stempler("$3", &organisationer("$1", "$2"))),
            },
        }
    })
}

/// What a session's read brings beside the session.
struct Medlaest {
    stempler: CacheStempler,
    sessionsstempel: i64,
    pakke_revision: Option<Revision>,
    oversigtens_pakker: Option<PakkeStempel>,
}

impl Medlaest {
    fn fra(row: &<Db as sqlx::Database>::Row) -> Result<Self> {
        let tal = |navn: &str| -> Result<i64> { sqlx::Row::try_get(row, navn).db() };
        let pakke_revision: Option<i64> = sqlx::Row::try_get(row, "pakke_revision").db()?;
        let oversigtens_pakker: Option<String> = sqlx::Row::try_get(row, "oversigtens_pakker").db()?;
        Ok(Self {
            stempler: CacheStempler {
                tal: tal("stempel_tal")?,
                aftaler: tal("stempel_aftaler")?,
                skabeloner: tal("stempel_skabeloner")?,
                aendring: tal("stempel_aendring")?,
            },
            sessionsstempel: tal("sessionsstempel")?,
            pakke_revision: pakke_revision.map(Revision),
            oversigtens_pakker: oversigtens_pakker.as_deref().map(super::pakker::laes_pakkestempel).transpose()?,
        })
    }

    fn med(self, session: SessionRecord, user: UserRecord) -> SessionLaest {
        SessionLaest {
            session,
            user,
            stempler: self.stempler,
            pakke_revision: self.pakke_revision,
            oversigtens_pakker: self.oversigtens_pakker,
        }
    }
}

impl Backend {
    /// A session read in full: with its user and the user's organisations joined on (a row per
    /// organisation and administered organisation; one row for most users), and the stamps
    /// beside them. Kept for the session's next requests.
    async fn session_i_fuld(&self, token_hash: &str, med: Medlaesning) -> Result<Option<SessionLaest>> {
        let [uden, med_oversigten] = &sessionslaesninger().fuld;
        let sql = if med.oversigtens_pakker { med_oversigten } else { uden };
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(token_hash)
            .bind(med.pakke.map(|p| p.0))
            .fetch_all(self.reader())
            .await
            .db()?;
        let Some(first) = rows.first() else {
            self.sessionskort.glem(token_hash);
            return Ok(None);
        };
        let session: SessionRow = sqlx::FromRow::from_row(first).db()?;
        let user: UserRow = sqlx::FromRow::from_row(first).db()?;
        let laest = Medlaest::fra(first)?;
        // Ordered here, not by the database: a sort is a plan node PostgreSQL sets up for
        // every statement, for the one to few rows a session has.
        let mut pairs = Vec::with_capacity(rows.len());
        for row in &rows {
            let egen: Option<i64> = sqlx::Row::try_get(row, "egen_organisation").db()?;
            let administreret: Option<i64> = sqlx::Row::try_get(row, "administreret_organisation").db()?;
            pairs.extend(egen.map(|org| (org, administreret)));
        }
        pairs.sort_unstable();
        let mut links = (Vec::new(), Vec::new());
        for (org, administreret) in pairs {
            add_link(&mut links, org, administreret);
        }
        let (egne, administrerede) = links;
        let session = SessionRecord::from(session);
        let user = user.into_record(egne, administrerede)?;
        self.sessionskort.gem(super::sessionskort::KeptSession {
            stempel: laest.sessionsstempel,
            session: session.clone(),
            user: user.clone(),
        });
        Ok(Some(laest.med(session, user)))
    }
}
