//! Reference, master and register data.

use super::rows::{AFDELING_COLUMNS, AfdelingRow, ORGANISATION_COLUMNS, OrganisationRow, stored_cvr};
use super::{Backend, Db, DbResult, bump_stamp, checked, chunk, commit, count, exactly_one, parsed};
use chrono::NaiveDate;
use domain::master::*;
use domain::noegletal::{OrganisationPost, OrganisationRegnskab};
use domain::period::Regnskabsperiode;
use domain::registre::{KlageKategori, Udlejningsredskab};
use domain::{AfdelingNummer, Cvr, Kommunekode, OrganisationNummer, Regionskode, Styringsaar};
use sqlx::QueryBuilder;
use std::collections::{BTreeMap, HashMap};
use store::*;

/// Tables in the order a reset empties them: children before parents, so foreign keys hold
/// at every step. The audit log is not among them.
const RESET_ORDER: &[&str] = &[
    "noegletal_vaerdier",
    "noegletal_benchmarks",
    "effektivitet",
    "kritik",
    "effektivitet_gennemsnit",
    "tilsynstal",
    "aftale_status",
    "aftaler",
    "redegoerelse_bemaerkninger",
    "redegoerelser",
    "moeder",
    "dialogmoede_pakker",
    "dialogmoede_aendringer",
    "dialogmoeder",
    "pakke_haendelser",
    "tilsynsreaktioner",
    "pakke_modtagere",
    "pakke_versioner",
    "bilag",
    "pakke_svar",
    "kommunernes_pakker",
    "pakker",
    "sessioner",
    "api_noegler",
    "bruger_organisationer",
    "skabeloner",
    "brugere",
    "udbakke",
    "kommune_arbejdsmarked",
    "arbejdsmarked",
    "beboerklager",
    "udlejninger",
    "afdeling_udlejninger",
    "boligtal",
    "organisation_poster",
    "afdeling_konti",
    "regnskabsperioder",
    "afdelinger",
];

/// A list of organisation ids as the inside of one `IN (...)`.
pub(super) fn push_organisation_ids(qb: &mut QueryBuilder<Db>, ids: &[OrganisationId]) {
    let mut list = qb.separated(", ");
    for o in ids {
        list.push_bind(o.0);
    }
}

impl Backend {
    async fn kommuner_where(&self, filter: &str, value: Option<String>) -> Result<Vec<Kommune>> {
        let sql = format!("SELECT kode, navn, regionskode, cvr FROM kommuner WHERE {filter} ORDER BY navn");
        let query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        let query = match value {
            Some(v) => query.bind(v),
            None => query,
        };
        let rows: Vec<(i64, String, i64, Option<String>)> = query.fetch_all(self.reader()).await.db()?;
        rows.into_iter()
            .map(|(kode, navn, region, cvr)| {
                Ok(Kommune {
                    kode: checked("kommunekode", kode)?,
                    navn,
                    region: checked("regionskode", region)?,
                    cvr: stored_cvr(cvr)?,
                })
            })
            .collect()
    }

    async fn organisationer_where(&self, filter: &str, value: i64) -> Result<Vec<Organisation>> {
        let sql = format!("SELECT {ORGANISATION_COLUMNS} FROM organisationer o WHERE {filter}");
        let rows: Vec<OrganisationRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(value).fetch_all(self.reader()).await.db()?;
        rows.into_iter().map(Organisation::try_from).collect()
    }

    async fn afdelinger_where(&self, filter: &str, value: Option<i64>) -> Result<Vec<Afdeling>> {
        let sql =
            format!("SELECT {AFDELING_COLUMNS} FROM afdelinger a WHERE {filter} ORDER BY a.organisation_id, a.nummer");
        let rows: Vec<AfdelingRow> = match value {
            Some(v) => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(v).fetch_all(self.reader()).await.db()?,
            None => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(self.reader()).await.db()?,
        };
        rows.into_iter().map(Afdeling::try_from).collect()
    }
}

#[async_trait::async_trait]
impl MasterStore for Backend {
    async fn replace_reference(&self, regioner: &[Region], kommuner: &[Kommune]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for r in regioner {
            sqlx::query(
                "INSERT INTO regioner (kode, navn) VALUES ($1, $2) ON CONFLICT (kode) DO UPDATE SET navn = excluded.navn",
            )
            .bind(i64::from(r.kode))
            .bind(&r.navn)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        for k in kommuner {
            sqlx::query(
                "INSERT INTO kommuner (kode, navn, regionskode) VALUES ($1, $2, $3) \
                 ON CONFLICT (kode) DO UPDATE SET navn = excluded.navn, regionskode = excluded.regionskode",
            )
            .bind(i64::from(k.kode))
            .bind(&k.navn)
            .bind(i64::from(k.region))
            .execute(&mut *tx)
            .await
            .db()?;
        }
        // Kommuner are master data: the processes' copies of them are read again.
        bump_stamp(&mut tx, CacheStamp::Tal).await?;
        tx.commit().await.db()
    }

    async fn regioner(&self) -> Result<Vec<Region>> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT kode, navn FROM regioner ORDER BY kode").fetch_all(self.reader()).await.db()?;
        rows.into_iter()
            .map(|(kode, navn)| Ok(Region { kode: checked::<Regionskode, _>("regionskode", kode)?, navn }))
            .collect()
    }

    async fn kommuner(&self) -> Result<Vec<Kommune>> {
        self.kommuner_where("1 = 1", None).await
    }

    async fn kommune_med_cvr(&self, cvr: Cvr) -> Result<Option<Kommune>> {
        Ok(self.kommuner_where("cvr = $1", Some(cvr.to_string())).await?.pop())
    }

    async fn organisationer_med_cvr(&self, cvr: Cvr) -> Result<Vec<Organisation>> {
        let sql = format!("SELECT {ORGANISATION_COLUMNS} FROM organisationer o WHERE o.cvr = $1 ORDER BY o.nummer");
        let rows: Vec<OrganisationRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(cvr.to_string()).fetch_all(self.reader()).await.db()?;
        rows.into_iter().map(Organisation::try_from).collect()
    }

    async fn set_cvr_numre(
        &self,
        organisationer: &[(OrganisationId, Option<Cvr>)],
        kommuner: &[(Kommunekode, Option<Cvr>)],
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // Clear first, so a number can move from one row to another within the change.
        for (id, _) in organisationer {
            sqlx::query("UPDATE organisationer SET cvr = NULL WHERE id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        for (kode, _) in kommuner {
            sqlx::query("UPDATE kommuner SET cvr = NULL WHERE kode = $1")
                .bind(i64::from(*kode))
                .execute(&mut *tx)
                .await
                .db()?;
        }
        for (id, cvr) in organisationer.iter().filter_map(|(id, c)| c.map(|c| (id, c))) {
            let n = sqlx::query("UPDATE organisationer SET cvr = $1 WHERE id = $2")
                .bind(cvr.to_string())
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .db()?;
            exactly_one(n.rows_affected())?;
        }
        for (kode, cvr) in kommuner.iter().filter_map(|(k, c)| c.map(|c| (k, c))) {
            let n = sqlx::query("UPDATE kommuner SET cvr = $1 WHERE kode = $2")
                .bind(cvr.to_string())
                .bind(i64::from(*kode))
                .execute(&mut *tx)
                .await
                .db()?;
            exactly_one(n.rows_affected())?;
        }
        if !kommuner.is_empty() {
            bump_stamp(&mut tx, CacheStamp::Tal).await?;
        }
        commit(tx, audit).await
    }

    async fn refresh_statistics(&self) -> Result<()> {
        self.efter_massevis().await
    }

    async fn load_bulk(&self, data: &BulkData, progress: &(dyn Fn(u64) + Sync)) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let mut written = 0u64;
        let mut org_ids: HashMap<OrganisationNummer, i64> = HashMap::new();
        for o in &data.organisationer {
            let administrator = match o.administrator {
                Some(nr) => Some(*org_ids.get(&nr).ok_or_else(|| {
                    StoreError::NotFound(format!("administrationsorganisation {nr} for organisation {}", o.nummer))
                })?),
                None => None,
            };
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO organisationer (nummer, navn, kind, hjemstedskommune, administrator_id, \
                 regnskabsaar_start_maaned, cvr) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(i64::from(o.nummer))
            .bind(&o.navn)
            .bind(o.kind.as_str())
            .bind(i64::from(o.hjemstedskommune))
            .bind(administrator)
            .bind(i64::from(o.regnskabsaar_start_maaned))
            .bind(o.cvr.map(|c| c.to_string()))
            .fetch_one(&mut *tx)
            .await
            .db()?;
            org_ids.insert(o.nummer, id);
        }
        written += data.organisationer.len() as u64;
        progress(written);
        let org_id = |nr: &OrganisationNummer| -> Result<i64> {
            org_ids.get(nr).copied().ok_or_else(|| StoreError::NotFound(format!("organisation {nr}")))
        };

        for rows in data.afdelinger.chunks(chunk(17)) {
            let ids = rows.iter().map(|(nr, _)| org_id(nr)).collect::<Result<Vec<i64>>>()?;
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO afdelinger (organisation_id, nummer, navn, adresse, kommunekode, familie_antal, \
                 familie_m2, aeldre_antal, aeldre_m2, ungdom_antal, ungdom_m2, erhverv_m2, institution_m2, \
                 garager, ibrugtagningsaar, under_opfoerelse, afdelingsbestyrelse) ",
            );
            qb.push_values(rows.iter().zip(ids), |mut b, ((_, a), org)| {
                b.push_bind(org)
                    .push_bind(i64::from(a.nummer))
                    .push_bind(a.navn.clone())
                    .push_bind(a.adresse.clone())
                    .push_bind(i64::from(a.kommune))
                    .push_bind(i64::from(a.familie.antal))
                    .push_bind(i64::from(a.familie.m2))
                    .push_bind(i64::from(a.aeldre.antal))
                    .push_bind(i64::from(a.aeldre.m2))
                    .push_bind(i64::from(a.ungdom.antal))
                    .push_bind(i64::from(a.ungdom.m2))
                    .push_bind(i64::from(a.erhverv_m2))
                    .push_bind(i64::from(a.institution_m2))
                    .push_bind(i64::from(a.garager))
                    .push_bind(i64::from(a.ibrugtagningsaar))
                    .push_bind(a.under_opfoerelse)
                    .push_bind(a.afdelingsbestyrelse);
            });
            qb.build().execute(&mut *tx).await.db()?;
            written += rows.len() as u64;
            progress(written);
        }

        let afd_rows: Vec<(i64, i64, i64)> =
            sqlx::query_as("SELECT id, organisation_id, nummer FROM afdelinger").fetch_all(&mut *tx).await.db()?;
        let afd_ids: HashMap<(i64, i64), i64> = afd_rows.into_iter().map(|(id, org, nr)| ((org, nr), id)).collect();
        let afd_id = |org: &OrganisationNummer, nr: &AfdelingNummer| -> Result<i64> {
            afd_ids
                .get(&(org_id(org)?, i64::from(*nr)))
                .copied()
                .ok_or_else(|| StoreError::NotFound(format!("afdeling {org}-{nr}")))
        };

        /// Inserts `rows` in chunks; `bind` gives a row's values (resolving its ids first, so
        /// a row naming an unknown organisation or afdeling fails the whole load).
        async fn bulk<T, const N: usize>(
            tx: &mut super::Tx,
            sql: &str,
            rows: &[T],
            bind: impl Fn(&T) -> Result<[Bulkvaerdi; N]>,
            written: &mut u64,
            progress: &(dyn Fn(u64) + Sync),
        ) -> Result<()> {
            for part in rows.chunks(chunk(N)) {
                let values = part.iter().map(&bind).collect::<Result<Vec<_>>>()?;
                let mut qb: QueryBuilder<Db> = QueryBuilder::new(sql);
                qb.push_values(values, |mut b, row| {
                    for v in row {
                        match v {
                            Bulkvaerdi::Tal(n) => b.push_bind(n),
                            Bulkvaerdi::Tekst(t) => b.push_bind(t),
                            Bulkvaerdi::Dato(d) => b.push_bind(d),
                        };
                    }
                });
                qb.build().execute(&mut **tx).await.db()?;
                *written += part.len() as u64;
                progress(*written);
            }
            Ok(())
        }
        use Bulkvaerdi::{Dato, Tal, Tekst};
        let y = |aar: Styringsaar| Tal(i64::from(aar));

        bulk(
            &mut tx,
            "INSERT INTO regnskabsperioder (organisation_id, styringsaar, start_dato, slut_dato) ",
            &data.perioder,
            |r| {
                Ok([
                    Tal(org_id(&r.organisation)?),
                    y(r.periode.styringsaar()),
                    Dato(r.periode.start()),
                    Dato(r.periode.slut()),
                ])
            },
            &mut written,
            progress,
        )
        .await?;
        bulk(
            &mut tx,
            "INSERT INTO afdeling_konti (afdeling_id, styringsaar, konto, beloeb_oere) ",
            &data.afdeling_konti,
            |r| {
                Ok([
                    Tal(afd_id(&r.organisation, &r.afdeling)?),
                    y(r.styringsaar),
                    Tekst(r.konto.clone()),
                    Tal(r.beloeb_oere),
                ])
            },
            &mut written,
            progress,
        )
        .await?;
        bulk(
            &mut tx,
            "INSERT INTO organisation_poster (organisation_id, styringsaar, post, beloeb_oere) ",
            &data.organisation_poster,
            |r| {
                Ok([Tal(org_id(&r.organisation)?), y(r.styringsaar), Tekst(r.post.as_str().into()), Tal(r.beloeb_oere)])
            },
            &mut written,
            progress,
        )
        .await?;
        bulk(
            &mut tx,
            "INSERT INTO boligtal (afdeling_id, styringsaar, boligtype, fraflytninger, ledige, aarsleje_oere_pr_m2) ",
            &data.boligtal,
            |r| {
                Ok([
                    Tal(afd_id(&r.organisation, &r.afdeling)?),
                    y(r.styringsaar),
                    Tekst(r.boligtype.as_str().into()),
                    Tal(r.fraflytninger.into()),
                    Tal(r.ledige.into()),
                    Tal(r.aarsleje_oere_pr_m2),
                ])
            },
            &mut written,
            progress,
        )
        .await?;
        bulk(
            &mut tx,
            "INSERT INTO udlejninger (organisation_id, styringsaar, kommunekode, redskab, antal) ",
            &data.udlejninger,
            |r| {
                Ok([
                    Tal(org_id(&r.organisation)?),
                    y(r.styringsaar),
                    Tal(r.kommune.into()),
                    Tekst(r.redskab.as_str().into()),
                    Tal(r.antal.into()),
                ])
            },
            &mut written,
            progress,
        )
        .await?;
        bulk(
            &mut tx,
            "INSERT INTO afdeling_udlejninger (afdeling_id, styringsaar, redskab, antal) ",
            &data.afdeling_udlejninger,
            |r| {
                Ok([
                    Tal(afd_id(&r.organisation, &r.afdeling)?),
                    y(r.styringsaar),
                    Tekst(r.redskab.as_str().into()),
                    Tal(r.antal.into()),
                ])
            },
            &mut written,
            progress,
        )
        .await?;
        bulk(
            &mut tx,
            "INSERT INTO beboerklager (organisation_id, styringsaar, kategori, afgjorte, tabte) ",
            &data.klager,
            |r| {
                Ok([
                    Tal(org_id(&r.organisation)?),
                    y(r.styringsaar),
                    Tekst(r.kategori.as_str().into()),
                    Tal(r.afgjorte.into()),
                    Tal(r.tabte.into()),
                ])
            },
            &mut written,
            progress,
        )
        .await?;
        bulk(
            &mut tx,
            "INSERT INTO arbejdsmarked (afdeling_id, styringsaar, uden_for_promille) ",
            &data.arbejdsmarked,
            |r| Ok([Tal(afd_id(&r.organisation, &r.afdeling)?), y(r.styringsaar), Tal(r.uden_for_promille.into())]),
            &mut written,
            progress,
        )
        .await?;
        bulk(
            &mut tx,
            "INSERT INTO kommune_arbejdsmarked (kommunekode, styringsaar, uden_for_promille) ",
            &data.kommune_arbejdsmarked,
            |r| Ok([Tal(r.kommune.into()), y(r.styringsaar), Tal(r.uden_for_promille.into())]),
            &mut written,
            progress,
        )
        .await?;
        bump_stamp(&mut tx, CacheStamp::Tal).await?;
        tx.commit().await.db()?;
        self.analyse().await
    }

    async fn stats(&self) -> Result<Stats> {
        let count = |sql: &'static str| async move {
            let (n,): (i64,) = sqlx::query_as(sql).fetch_one(self.reader()).await.db()?;
            Ok::<i64, StoreError>(n)
        };
        let (familie, aeldre, ungdom): (i64, i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(familie_antal), 0) AS BIGINT), CAST(COALESCE(SUM(aeldre_antal), 0) AS BIGINT), \
             CAST(COALESCE(SUM(ungdom_antal), 0) AS BIGINT) FROM afdelinger",
        )
        .fetch_one(self.reader())
        .await
        .db()?;
        Ok(Stats {
            regioner: count("SELECT COUNT(*) FROM regioner").await?,
            kommuner: count("SELECT COUNT(*) FROM kommuner").await?,
            organisationer: count("SELECT COUNT(*) FROM organisationer").await?,
            afdelinger: count("SELECT COUNT(*) FROM afdelinger").await?,
            boliger: familie + aeldre + ungdom,
            familieboliger: familie,
            aeldreboliger: aeldre,
            ungdomsboliger: ungdom,
            afdeling_kontolinjer: count("SELECT COUNT(*) FROM afdeling_konti").await?,
            pakker: count("SELECT COUNT(*) FROM pakker").await?,
            brugere: count("SELECT COUNT(*) FROM brugere").await?,
        })
    }

    async fn reset(&self, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for table in RESET_ORDER {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await.db()?;
        }
        // Administered organisations refer to their administrator: unlink first.
        sqlx::query("UPDATE organisationer SET administrator_id = NULL").execute(&mut *tx).await.db()?;
        for table in ["organisationer", "kommuner", "regioner"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await.db()?;
        }
        for stamp in CacheStamp::ALL {
            bump_stamp(&mut tx, stamp).await?;
        }
        // The audit log is kept: it records the reset itself too.
        commit(tx, audit).await
    }

    async fn klar(&self) -> Result<i64> {
        let applied: Vec<(i64, bool, Vec<u8>)> =
            sqlx::query_as("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
                .fetch_all(self.reader())
                .await
                .db()?;
        // The engine's own migrations (each engine crate includes this module at its root).
        let kendte: Vec<(i64, &[u8])> = super::super::MIGRATOR.iter().map(|m| (m.version, &*m.checksum)).collect();
        let version = store::skemaversion(&applied, &kendte, "databasen")?;
        let nyeste = kendte.iter().map(|(v, _)| *v).max().unwrap_or(0);
        if version < nyeste {
            return Err(StoreError::Ubrugelig(format!("databasens skema er version {version}, ikke {nyeste}")));
        }
        Ok(version)
    }

    async fn cache_stempler(&self) -> Result<CacheStempler> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT navn, version FROM cache_stempler UNION ALL SELECT 'aendring', vaerdi FROM aendringstaeller",
        )
        .fetch_all(self.reader())
        .await
        .db()?;
        let stamp = |s: CacheStamp| rows.iter().find(|(n, _)| n == s.as_str()).map(|(_, v)| *v).unwrap_or_default();
        Ok(CacheStempler {
            tal: stamp(CacheStamp::Tal),
            aftaler: stamp(CacheStamp::Aftaler),
            skabeloner: stamp(CacheStamp::Skabeloner),
            aendring: rows.iter().find(|(n, _)| n == "aendring").map(|(_, v)| *v).unwrap_or_default(),
        })
    }

    async fn organisation(&self, id: OrganisationId) -> Result<Option<Organisation>> {
        Ok(self.organisationer_where("o.id = $1", id.0).await?.pop())
    }

    async fn organisation_by_nummer(&self, nummer: OrganisationNummer) -> Result<Option<Organisation>> {
        Ok(self.organisationer_where("o.nummer = $1", i64::from(nummer)).await?.pop())
    }

    async fn organisationer(&self) -> Result<Vec<Organisation>> {
        let sql = format!("SELECT {ORGANISATION_COLUMNS} FROM organisationer o ORDER BY o.nummer");
        let rows: Vec<OrganisationRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(self.reader()).await.db()?;
        rows.into_iter().map(Organisation::try_from).collect()
    }

    async fn organisationer_i_kommune(&self, kommune: Kommunekode) -> Result<Vec<Organisation>> {
        self.organisationer_where(
            "o.hjemstedskommune = $1 OR o.id IN (SELECT a.organisation_id FROM afdelinger a WHERE a.kommunekode = $1) \
             ORDER BY o.nummer",
            i64::from(kommune),
        )
        .await
    }

    async fn administered_by(&self, administrator: OrganisationId) -> Result<Vec<OrganisationId>> {
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM organisationer WHERE administrator_id = $1 ORDER BY id")
            .bind(administrator.0)
            .fetch_all(self.reader())
            .await
            .db()?;
        Ok(rows.into_iter().map(|(id,)| OrganisationId(id)).collect())
    }

    async fn afdelinger(&self, organisation: OrganisationId) -> Result<Vec<Afdeling>> {
        self.afdelinger_where("a.organisation_id = $1", Some(organisation.0)).await
    }

    async fn afdelinger_for(&self, organisationer: &[OrganisationId]) -> Result<Vec<Afdeling>> {
        if organisationer.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new(format!("SELECT {AFDELING_COLUMNS} FROM afdelinger a WHERE a.organisation_id IN ("));
        push_organisation_ids(&mut qb, organisationer);
        qb.push(") ORDER BY a.organisation_id, a.nummer");
        let rows: Vec<AfdelingRow> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        rows.into_iter().map(Afdeling::try_from).collect()
    }

    async fn afdeling(&self, id: AfdelingId) -> Result<Option<Afdeling>> {
        Ok(self.afdelinger_where("a.id = $1", Some(id.0)).await?.pop())
    }

    async fn alle_afdelinger(&self) -> Result<Vec<Afdeling>> {
        self.afdelinger_where("1 = 1", None).await
    }

    async fn andres_afdelinger_i_kommune(&self, kommune: Kommunekode) -> Result<Vec<Afdeling>> {
        // Most afdelinger in a kommune are its own organisations': only the others are read.
        // Written so the kommune's afdelinger drive the search (with `IN (…)`, SQLite walked
        // every other organisation's afdelinger instead).
        self.afdelinger_where(
            "a.kommunekode = $1 AND EXISTS \
             (SELECT 1 FROM organisationer o WHERE o.id = a.organisation_id AND o.hjemstedskommune <> $1)",
            Some(i64::from(kommune)),
        )
        .await
    }

    async fn afdelinger_pr_organisation(&self, kommune: Kommunekode) -> Result<Vec<(OrganisationId, usize)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT organisation_id, COUNT(*) FROM afdelinger WHERE kommunekode = $1 GROUP BY organisation_id",
        )
        .bind(i64::from(kommune))
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter().map(|(o, n)| Ok((OrganisationId(o), count("antal", n)?))).collect()
    }

    async fn afdeling_index(&self) -> Result<Vec<(OrganisationNummer, AfdelingNummer, AfdelingId)>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT o.nummer, a.nummer, a.id FROM afdelinger a JOIN organisationer o ON o.id = a.organisation_id",
        )
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter()
            .map(|(o, a, id)| {
                let (o, a) = super::rows::numre(o, a)?;
                Ok((o, a, AfdelingId(id)))
            })
            .collect()
    }

    async fn afdeling_konti(&self, id: AfdelingId, aar: Styringsaar) -> Result<BTreeMap<String, i64>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT konto, beloeb_oere FROM afdeling_konti WHERE afdeling_id = $1 AND styringsaar = $2")
                .bind(id.0)
                .bind(i64::from(aar))
                .fetch_all(self.reader())
                .await
                .db()?;
        Ok(rows.into_iter().collect())
    }

    async fn organisation_regnskab(
        &self,
        organisation: OrganisationId,
        aar: Styringsaar,
    ) -> Result<OrganisationRegnskab> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT post, beloeb_oere FROM organisation_poster WHERE organisation_id = $1 AND styringsaar = $2",
        )
        .bind(organisation.0)
        .bind(i64::from(aar))
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter().map(|(post, beloeb)| Ok((parsed("post", &post, OrganisationPost::parse)?, beloeb))).collect()
    }

    async fn regnskabsperioder(&self, organisation: OrganisationId) -> Result<Vec<PeriodeRecord>> {
        Ok(self.perioder_where("organisation_id = $1", organisation.0).await?.into_iter().map(|(_, p)| p).collect())
    }

    async fn alle_regnskabsperioder(&self) -> Result<Vec<(OrganisationId, PeriodeRecord)>> {
        self.perioder_where("$1 = $1", 0).await
    }

    async fn udlejninger(
        &self,
        organisation: OrganisationId,
        aar: Styringsaar,
    ) -> Result<Vec<(Kommunekode, Udlejningsredskab, u32)>> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT kommunekode, redskab, antal FROM udlejninger WHERE organisation_id = $1 AND styringsaar = $2 \
             ORDER BY kommunekode, redskab",
        )
        .bind(organisation.0)
        .bind(i64::from(aar))
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter()
            .map(|(k, r, n)| {
                Ok((checked("kommunekode", k)?, parsed("redskab", &r, Udlejningsredskab::parse)?, count("antal", n)?))
            })
            .collect()
    }

    async fn afdeling_udlejninger(
        &self,
        organisation: OrganisationId,
        aar: Styringsaar,
    ) -> Result<Vec<(AfdelingId, Udlejningsredskab, u32)>> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT u.afdeling_id, u.redskab, u.antal FROM afdeling_udlejninger u \
             JOIN afdelinger a ON a.id = u.afdeling_id WHERE a.organisation_id = $1 AND u.styringsaar = $2 \
             ORDER BY u.afdeling_id, u.redskab",
        )
        .bind(organisation.0)
        .bind(i64::from(aar))
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter()
            .map(|(a, r, n)| Ok((AfdelingId(a), parsed("redskab", &r, Udlejningsredskab::parse)?, count("antal", n)?)))
            .collect()
    }

    async fn klager(&self, organisation: OrganisationId, aar: Styringsaar) -> Result<Vec<(KlageKategori, u32, u32)>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT kategori, afgjorte, tabte FROM beboerklager WHERE organisation_id = $1 AND styringsaar = $2",
        )
        .bind(organisation.0)
        .bind(i64::from(aar))
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter()
            .map(|(k, a, t)| {
                Ok((parsed("kategori", &k, KlageKategori::parse)?, count("afgjorte", a)?, count("tabte", t)?))
            })
            .collect()
    }
}

impl Backend {
    async fn perioder_where(&self, filter: &str, value: i64) -> Result<Vec<(OrganisationId, PeriodeRecord)>> {
        let sql = format!(
            "SELECT organisation_id, styringsaar, start_dato, slut_dato FROM regnskabsperioder WHERE {filter} \
             ORDER BY organisation_id, styringsaar"
        );
        let rows: Vec<(i64, i64, NaiveDate, NaiveDate)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(value).fetch_all(self.reader()).await.db()?;
        rows.into_iter()
            .map(|(org, aar, start, slut)| {
                Ok((
                    OrganisationId(org),
                    PeriodeRecord {
                        periode: Regnskabsperiode::new(start, slut).map_err(|e| StoreError::corrupt("periode", e))?,
                        styringsaar: checked("styringsår", aar)?,
                    },
                ))
            })
            .collect()
    }
}

/// One value of a bulk-inserted row.
enum Bulkvaerdi {
    Tal(i64),
    Tekst(String),
    Dato(NaiveDate),
}
