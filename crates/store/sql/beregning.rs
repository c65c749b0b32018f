//! Imports, the national computation's inputs and results, and the read models the
//! computation keeps: critical marks per organisation and efficiency averages per area.

use super::master::push_organisation_ids;
use super::rows::{
    AFDELING_COLUMNS, AfdelingRow, EFFEKTIVITET_COLUMNS, EffektivitetRow, VAERDI_COLUMNS, VaerdiRow, numre,
};
use super::{Backend, Db, DbResult, bump_stamp, checked, chunk, commit, count, parsed};
use chrono::NaiveDate;
use domain::beregning::{self, AfdelingInput, Benchmark, Effektivitet, Kritik, Niveau, Omraade, Pulje, Vaerdi};
use domain::master::*;
use domain::noegletal::{OrganisationPost, OrganisationRegnskab};
use domain::period::Regnskabsperiode;
use domain::{AfdelingNummer, OrganisationNummer, Regionskode, Styringsaar};
use futures::TryStreamExt;
use sqlx::{QueryBuilder, Row};
use std::collections::{BTreeMap, HashMap};
use store::import::{Felt, ImportRaekke, Tabel};
use store::*;

/// The tables one computation replaces, its read models included.
const BEREGNING_TABLES: [&str; 5] =
    ["noegletal_vaerdier", "noegletal_benchmarks", "effektivitet", "kritik", "effektivitet_gennemsnit"];

/// Makes each organisation's kommune totals of lettings the sums of its afdelinger's, for every
/// organisation and kommune with lettings known per afdeling in the year (section V: the
/// totals per kommune are the afdelinger's sums). Totals of other kommuner are left as imported.
async fn summer_udlejninger(tx: &mut super::Tx, y: i64) -> Result<()> {
    sqlx::query(
        "DELETE FROM udlejninger WHERE styringsaar = $1 AND EXISTS ( \
           SELECT 1 FROM afdeling_udlejninger u JOIN afdelinger a ON a.id = u.afdeling_id \
           WHERE u.styringsaar = $1 AND a.organisation_id = udlejninger.organisation_id \
             AND a.kommunekode = udlejninger.kommunekode)",
    )
    .bind(y)
    .execute(&mut **tx)
    .await
    .db()?;
    sqlx::query(
        "INSERT INTO udlejninger (organisation_id, styringsaar, kommunekode, redskab, antal) \
         SELECT a.organisation_id, $1, a.kommunekode, u.redskab, CAST(SUM(u.antal) AS BIGINT) \
         FROM afdeling_udlejninger u JOIN afdelinger a ON a.id = u.afdeling_id \
         WHERE u.styringsaar = $1 GROUP BY a.organisation_id, a.kommunekode, u.redskab",
    )
    .bind(y)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

#[async_trait::async_trait]
impl BeregningStore for Backend {
    async fn import_existing(&self, tabel: Tabel, aar: Styringsaar) -> Result<HashMap<Vec<Felt>, Vec<i64>>> {
        let columns: Vec<&str> = tabel.noegle.iter().chain(tabel.vaerdier.iter()).copied().collect();
        let sql = format!("SELECT {} FROM {} WHERE styringsaar = $1", columns.join(", "), tabel.navn);
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(aar)).fetch_all(self.reader()).await.db()?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in &rows {
            let mut key = Vec::with_capacity(tabel.noegle.len());
            for i in 0..tabel.noegle.len() {
                // Key columns are integers (ids, codes) or text (account, type, tool).
                match r.try_get::<i64, _>(i) {
                    Ok(v) => key.push(Felt::Tal(v)),
                    Err(_) => key.push(Felt::Tekst(r.try_get::<String, _>(i).db()?)),
                }
            }
            let values = (0..tabel.vaerdier.len())
                .map(|j| r.try_get::<i64, _>(tabel.noegle.len() + j).db())
                .collect::<Result<Vec<i64>>>()?;
            out.insert(key, values);
        }
        Ok(out)
    }

    async fn import_upsert(
        &self,
        tabel: Tabel,
        aar: Styringsaar,
        rows: &[ImportRaekke],
        audit: &AuditEvent,
    ) -> Result<()> {
        let y = i64::from(aar);
        let mut tx = self.begin_write().await?;
        let keys: Vec<&str> = std::iter::once("styringsaar").chain(tabel.noegle.iter().copied()).collect();
        let columns: Vec<&str> = keys.iter().chain(tabel.vaerdier.iter()).copied().collect();
        let updates: Vec<String> = tabel.vaerdier.iter().map(|v| format!("{v} = excluded.{v}")).collect();
        for part in rows.chunks(chunk(columns.len())) {
            let mut qb: QueryBuilder<Db> =
                QueryBuilder::new(format!("INSERT INTO {} ({}) ", tabel.navn, columns.join(", ")));
            qb.push_values(part, |mut b, r| {
                b.push_bind(y);
                for k in &r.noegle {
                    match k {
                        Felt::Tal(v) => b.push_bind(*v),
                        Felt::Tekst(t) => b.push_bind(t.clone()),
                    };
                }
                for v in &r.vaerdier {
                    b.push_bind(*v);
                }
            });
            qb.push(format!(" ON CONFLICT ({}) DO UPDATE SET {}", keys.join(", "), updates.join(", ")));
            qb.build().execute(&mut *tx).await.db()?;
        }
        if tabel == store::import::AFDELING_UDLEJNINGER {
            summer_udlejninger(&mut tx, y).await?;
        }
        // Pages show the registers (lettings, complaints) as imported.
        bump_stamp(&mut tx, CacheStamp::Tal).await?;
        commit(tx, audit).await
    }

    async fn beregningsgrundlag(&self, aar: Styringsaar) -> Result<Beregningsgrundlag> {
        let y = i64::from(aar);
        let perioder: Vec<(i64, NaiveDate, NaiveDate)> = sqlx::query_as(
            "SELECT organisation_id, start_dato, slut_dato FROM regnskabsperioder WHERE styringsaar = $1",
        )
        .bind(y)
        .fetch_all(self.reader())
        .await
        .db()?;
        let tolv: HashMap<i64, bool> = perioder
            .into_iter()
            .map(|(o, start, slut)| (o, Regnskabsperiode::new(start, slut).is_ok_and(|p| p.is_twelve_months())))
            .collect();
        let regioner: HashMap<i64, i64> = sqlx::query_as("SELECT kode, regionskode FROM kommuner")
            .fetch_all(self.reader())
            .await
            .db()?
            .into_iter()
            .collect();
        let sql = format!("SELECT {AFDELING_COLUMNS} FROM afdelinger a ORDER BY a.id");
        let rows: Vec<AfdelingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(self.reader()).await.db()?;
        let mut afdelinger = Vec::with_capacity(rows.len());
        let mut index: HashMap<i64, usize> = HashMap::new();
        for r in rows {
            let a = Afdeling::try_from(r)?;
            let kode = i64::from(a.data.kommune);
            let region =
                super::checked::<Regionskode, _>("regionskode", regioner.get(&kode).copied().unwrap_or_default())?;
            index.insert(a.id.0, afdelinger.len());
            afdelinger.push(AfdelingInput {
                id: a.id,
                organisation: a.organisation,
                region,
                tolv_maaneder: tolv.get(&a.organisation.0).copied().unwrap_or(false),
                data: a.data,
                konti: BTreeMap::new(),
                boligtal: BTreeMap::new(),
                uden_for_promille: None,
                kommune_uden_for_promille: None,
            });
        }
        let konti: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT afdeling_id, konto, beloeb_oere FROM afdeling_konti WHERE styringsaar = $1")
                .bind(y)
                .fetch_all(self.reader())
                .await
                .db()?;
        for (id, konto, beloeb) in konti {
            if let Some(i) = index.get(&id) {
                afdelinger[*i].konti.insert(konto, beloeb);
            }
        }
        let boligtal: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT afdeling_id, boligtype, fraflytninger, ledige, aarsleje_oere_pr_m2 FROM boligtal WHERE styringsaar = $1",
        )
        .bind(y)
        .fetch_all(self.reader())
        .await
        .db()?;
        for (id, t, ud, ledige, leje) in boligtal {
            let t = parsed("boligtype", &t, Boligtype::parse)?;
            if let Some(i) = index.get(&id) {
                afdelinger[*i].boligtal.insert(t, (count("fraflytninger", ud)?, count("ledige", ledige)?, leje));
            }
        }
        let marked: Vec<(i64, i64)> =
            sqlx::query_as("SELECT afdeling_id, uden_for_promille FROM arbejdsmarked WHERE styringsaar = $1")
                .bind(y)
                .fetch_all(self.reader())
                .await
                .db()?;
        for (id, promille) in marked {
            if let Some(i) = index.get(&id) {
                afdelinger[*i].uden_for_promille = u32::try_from(promille).ok();
            }
        }
        let kommune_marked: Vec<(i64, i64)> =
            sqlx::query_as("SELECT kommunekode, uden_for_promille FROM kommune_arbejdsmarked WHERE styringsaar = $1")
                .bind(y)
                .fetch_all(self.reader())
                .await
                .db()?;
        let kommune_marked: HashMap<i64, u32> =
            kommune_marked.into_iter().filter_map(|(k, p)| Some((k, u32::try_from(p).ok()?))).collect();
        for a in &mut afdelinger {
            a.kommune_uden_for_promille = kommune_marked.get(&i64::from(a.data.kommune)).copied();
        }
        let poster: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT organisation_id, post, beloeb_oere FROM organisation_poster WHERE styringsaar = $1 ORDER BY organisation_id",
        )
        .bind(y)
        .fetch_all(self.reader())
        .await
        .db()?;
        let mut organisationer: BTreeMap<i64, OrganisationRegnskab> = BTreeMap::new();
        for (o, post, beloeb) in poster {
            organisationer.entry(o).or_default().insert(parsed("post", &post, OrganisationPost::parse)?, beloeb);
        }
        Ok(Beregningsgrundlag {
            organisationer: organisationer.into_iter().map(|(o, r)| (OrganisationId(o), r)).collect(),
            afdelinger,
        })
    }

    async fn replace_beregning(&self, aar: Styringsaar, r: &beregning::Resultat, audit: &AuditEvent) -> Result<()> {
        let y = i64::from(aar);
        let mut tx = self.begin_write().await?;
        for table in BEREGNING_TABLES {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE styringsaar = $1")))
                .bind(y)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        let boligtype = |t: Option<Boligtype>| t.map(|t| t.as_str()).unwrap_or("");
        for rows in r.vaerdier.chunks(chunk(8)) {
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO noegletal_vaerdier (styringsaar, niveau, enhed_id, noegletal, boligtype, vaerdi, sammenligning, markering) ",
            );
            qb.push_values(rows, |mut b, v| {
                b.push_bind(y)
                    .push_bind(v.niveau.as_str())
                    .push_bind(v.enhed_id)
                    .push_bind(v.noegletal.clone())
                    .push_bind(boligtype(v.boligtype))
                    .push_bind(v.vaerdi)
                    .push_bind(v.sammenligning)
                    .push_bind(v.markering.map(|m| m.as_str()));
            });
            qb.build().execute(&mut *tx).await.db()?;
        }
        for rows in r.benchmarks.chunks(chunk(9)) {
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO noegletal_benchmarks (styringsaar, noegletal, pulje, boligtype, fra_aar, median, gul, roed, antal) ",
            );
            qb.push_values(rows, |mut b, v| {
                b.push_bind(y)
                    .push_bind(v.noegletal.clone())
                    .push_bind(v.pulje.as_str())
                    .push_bind(boligtype(v.boligtype))
                    .push_bind(i64::from(v.fra_aar))
                    .push_bind(v.median)
                    .push_bind(v.gul)
                    .push_bind(v.roed)
                    .push_bind(v.antal as i64);
            });
            qb.build().execute(&mut *tx).await.db()?;
        }
        for rows in r.effektivitet.chunks(chunk(8)) {
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO effektivitet (styringsaar, afdeling_id, gruppe, peers, effektivitetstal, bedste_praksis_id, potentiale_kr, farve) ",
            );
            qb.push_values(rows, |mut b, e| {
                b.push_bind(y)
                    .push_bind(e.afdeling.0)
                    .push_bind(e.gruppe.clone())
                    .push_bind(e.peers as i64)
                    .push_bind(e.effektivitetstal)
                    .push_bind(e.bedste_praksis.0)
                    .push_bind(e.potentiale_kr)
                    .push_bind(e.farve.as_str());
            });
            qb.build().execute(&mut *tx).await.db()?;
        }
        for rows in r.sammendrag.kritik.chunks(chunk(5)) {
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO kritik (styringsaar, organisation_id, kritiske_noegletal, roede_noegletal, roede_afdelinger) ",
            );
            qb.push_values(rows, |mut b, k| {
                b.push_bind(y)
                    .push_bind(k.organisation.0)
                    .push_bind(k.kritiske_noegletal)
                    .push_bind(k.roede_noegletal)
                    .push_bind(k.roede_afdelinger);
            });
            qb.build().execute(&mut *tx).await.db()?;
        }
        for rows in r.sammendrag.gennemsnit.chunks(chunk(4)) {
            let mut qb: QueryBuilder<Db> =
                QueryBuilder::new("INSERT INTO effektivitet_gennemsnit (styringsaar, omraade, noegle, gennemsnit) ");
            qb.push_values(rows, |mut b, (omraade, gennemsnit)| {
                let (kind, key) = omraade.noegle();
                b.push_bind(y).push_bind(kind).push_bind(key).push_bind(*gennemsnit);
            });
            qb.build().execute(&mut *tx).await.db()?;
        }
        bump_stamp(&mut tx, CacheStamp::Tal).await?;
        commit(tx, audit).await?;
        self.analyse().await
    }

    async fn benchmarks(&self, aar: Styringsaar) -> Result<Vec<Benchmark>> {
        let rows: Vec<(String, String, String, i64, f64, f64, f64, i64)> = sqlx::query_as(
            "SELECT noegletal, pulje, boligtype, fra_aar, median, gul, roed, antal FROM noegletal_benchmarks \
             WHERE styringsaar = $1 ORDER BY noegletal, pulje, boligtype",
        )
        .bind(i64::from(aar))
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter()
            .map(|(noegletal, pulje, t, fra_aar, median, gul, roed, antal)| {
                Ok(Benchmark {
                    pulje: parsed("pulje", &pulje, Pulje::parse)?,
                    noegletal,
                    boligtype: Boligtype::parse(&t),
                    fra_aar: count("fra_aar", fra_aar)?,
                    median,
                    gul,
                    roed,
                    antal: count("antal", antal)?,
                })
            })
            .collect()
    }

    async fn noegletal(&self, aar: Styringsaar, niveau: Niveau, enhed_id: i64) -> Result<Vec<Vaerdi>> {
        let sql = format!(
            "SELECT {VAERDI_COLUMNS} FROM noegletal_vaerdier v WHERE v.styringsaar = $1 AND v.niveau = $2 \
             AND v.enhed_id = $3 ORDER BY v.noegletal, v.boligtype"
        );
        let rows: Vec<VaerdiRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(aar))
            .bind(niveau.as_str())
            .bind(enhed_id)
            .fetch_all(self.reader())
            .await
            .db()?;
        rows.into_iter().map(Vaerdi::try_from).collect()
    }

    async fn noegletal_for_afdelinger(&self, aar: Styringsaar, organisation: OrganisationId) -> Result<Vec<Vaerdi>> {
        // The organisation's afdelinger first, then each one's figures by the primary key: a
        // join could make the planner walk the year's figures for the whole country.
        let sql = format!(
            "SELECT {VAERDI_COLUMNS} FROM noegletal_vaerdier v WHERE v.styringsaar = $1 AND v.niveau = 'afdeling' \
             AND v.enhed_id IN (SELECT id FROM afdelinger WHERE organisation_id = $2) \
             ORDER BY v.enhed_id, v.noegletal, v.boligtype"
        );
        let rows: Vec<VaerdiRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(aar))
            .bind(organisation.0)
            .fetch_all(self.reader())
            .await
            .db()?;
        rows.into_iter().map(Vaerdi::try_from).collect()
    }

    async fn markerede_noegletal(
        &self,
        aar: Styringsaar,
        organisationer: &[OrganisationId],
    ) -> Result<Vec<(OrganisationId, Vaerdi)>> {
        if organisationer.is_empty() {
            return Ok(Vec::new());
        }
        // The organisations' own figures, then their afdelinger's: both by the primary key
        // (the afdelinger found first by their organisation, never the country's figures).
        let mut out = Vec::new();
        for niveau in [Niveau::Organisation, Niveau::Afdeling] {
            let (org, enheder) = match niveau {
                Niveau::Organisation => ("v.enhed_id", "v.enhed_id IN ("),
                Niveau::Afdeling => (
                    "(SELECT a.organisation_id FROM afdelinger a WHERE a.id = v.enhed_id)",
                    "v.enhed_id IN (SELECT id FROM afdelinger WHERE organisation_id IN (",
                ),
            };
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(format!(
                "SELECT {org} AS organisation_id, {VAERDI_COLUMNS} FROM noegletal_vaerdier v WHERE v.styringsaar = "
            ));
            qb.push_bind(i64::from(aar)).push(" AND v.niveau = ").push_bind(niveau.as_str());
            qb.push(format!(" AND v.markering IS NOT NULL AND {enheder}"));
            push_organisation_ids(&mut qb, organisationer);
            qb.push(if niveau == Niveau::Afdeling { "))" } else { ")" });
            qb.push(" ORDER BY v.enhed_id, v.noegletal, v.boligtype");
            for row in qb.build().fetch_all(self.reader()).await.db()? {
                let organisation = OrganisationId(row.try_get("organisation_id").db()?);
                let v: VaerdiRow = sqlx::FromRow::from_row(&row).db()?;
                out.push((organisation, Vaerdi::try_from(v)?));
            }
        }
        Ok(out)
    }

    async fn noegletal_eksport(
        &self,
        aar: Styringsaar,
    ) -> Result<Vec<(OrganisationNummer, Option<AfdelingNummer>, Vaerdi)>> {
        // Organisation figures join on the organisation, afdeling figures on the afdeling.
        let sql = format!(
            "SELECT COALESCE(o1.nummer, o2.nummer) AS organisation_nummer, a.nummer AS afdeling_nummer, {VAERDI_COLUMNS} \
             FROM noegletal_vaerdier v \
             LEFT JOIN organisationer o1 ON v.niveau = 'organisation' AND o1.id = v.enhed_id \
             LEFT JOIN afdelinger a ON v.niveau = 'afdeling' AND a.id = v.enhed_id \
             LEFT JOIN organisationer o2 ON o2.id = a.organisation_id \
             WHERE v.styringsaar = $1 ORDER BY 1, v.niveau DESC, 2, v.noegletal, v.boligtype"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(aar)).fetch_all(self.reader()).await.db()?;
        rows.iter()
            .map(|row| {
                let org: i64 = row.try_get("organisation_nummer").db()?;
                let afd: Option<i64> = row.try_get("afdeling_nummer").db()?;
                let v: VaerdiRow = sqlx::FromRow::from_row(row).db()?;
                Ok((
                    super::checked("organisationsnummer", org)?,
                    afd.map(|a| super::checked("afdelingsnummer", a)).transpose()?,
                    Vaerdi::try_from(v)?,
                ))
            })
            .collect()
    }

    async fn effektivitet_eksport(
        &self,
        aar: Styringsaar,
    ) -> Result<Vec<(OrganisationNummer, AfdelingNummer, Effektivitet)>> {
        let sql = format!(
            "SELECT o.nummer AS organisation_nummer, a.nummer AS afdeling_nummer, {EFFEKTIVITET_COLUMNS} \
             FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id JOIN organisationer o ON o.id = a.organisation_id \
             WHERE e.styringsaar = $1 ORDER BY o.nummer, a.nummer"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(i64::from(aar)).fetch_all(self.reader()).await.db()?;
        rows.iter()
            .map(|row| {
                let (o, a) = numre(row.try_get("organisation_nummer").db()?, row.try_get("afdeling_nummer").db()?)?;
                let e: EffektivitetRow = sqlx::FromRow::from_row(row).db()?;
                Ok((o, a, Effektivitet::try_from(e)?))
            })
            .collect()
    }

    async fn effektivitet_for(&self, aar: Styringsaar, organisationer: &[OrganisationId]) -> Result<Vec<Effektivitet>> {
        if organisationer.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(format!(
            "SELECT {EFFEKTIVITET_COLUMNS} FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id WHERE e.styringsaar = "
        ));
        qb.push_bind(i64::from(aar))
            .push(" AND e.afdeling_id IN (SELECT id FROM afdelinger WHERE organisation_id IN (");
        push_organisation_ids(&mut qb, organisationer);
        qb.push(")) ORDER BY a.organisation_id, a.nummer");
        let rows: Vec<EffektivitetRow> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        rows.into_iter().map(Effektivitet::try_from).collect()
    }

    async fn effektivitet_i_gruppe(&self, aar: Styringsaar, gruppe: &str) -> Result<Vec<(OrganisationNummer, f64)>> {
        let rows: Vec<(i64, f64)> = sqlx::query_as(
            "SELECT o.nummer, e.effektivitetstal FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id \
             JOIN organisationer o ON o.id = a.organisation_id WHERE e.styringsaar = $1 AND e.gruppe = $2 \
             ORDER BY e.effektivitetstal",
        )
        .bind(i64::from(aar))
        .bind(gruppe)
        .fetch_all(self.reader())
        .await
        .db()?;
        rows.into_iter().map(|(n, v)| Ok((super::checked("organisationsnummer", n)?, v))).collect()
    }

    async fn varslingsgrundlag(
        &self,
        fra: Styringsaar,
        til: Styringsaar,
        organisationer: Option<&[OrganisationId]>,
        spoergsmaal: &str,
    ) -> Result<Varslingshistorik> {
        use domain::varsling::{EffektivitetsMaaling, Indsendelse, Maaling};
        if organisationer.is_some_and(<[OrganisationId]>::is_empty) {
            return Ok(Varslingshistorik::default());
        }
        let (fra_aar, til_aar) = (i64::from(fra), i64::from(til));
        // The organisations' filter, on the column that holds the organisation in each query.
        let afgraens = |qb: &mut QueryBuilder<Db>, kolonne: &str| {
            if let Some(ids) = organisationer {
                qb.push(format!(" AND {kolonne} IN ("));
                push_organisation_ids(qb, ids);
                qb.push(")");
            }
        };
        let mut ud = Varslingshistorik::default();

        // Figures: the organisations' own, then their afdelinger's (joined for the organisation).
        for niveau in [Niveau::Organisation, Niveau::Afdeling] {
            let (org, join) = match niveau {
                Niveau::Organisation => ("v.enhed_id", ""),
                Niveau::Afdeling => ("a.organisation_id", " JOIN afdelinger a ON a.id = v.enhed_id"),
            };
            let mut qb: QueryBuilder<Db> = QueryBuilder::new(format!(
                "SELECT v.styringsaar, {org} AS organisation_id, {VAERDI_COLUMNS} FROM noegletal_vaerdier v{join} \
                 WHERE v.niveau = "
            ));
            // The years as a list, not a range: with an organisation's afdelinger the primary
            // key (styringsår, niveau, enhed) is then sought per year and afdeling instead of
            // scanning the country's figures of the years (the meeting agenda reads one
            // organisation's signals at a time).
            qb.push_bind(niveau.as_str()).push(" AND v.styringsaar IN (");
            let mut aar = qb.separated(", ");
            for y in fra_aar..=til_aar {
                aar.push_bind(y);
            }
            qb.push(")");
            afgraens(&mut qb, org);
            // Streamed, not collected: the country's five years are some 300,000 rows, and a
            // collected result held them all as rows beside the measurements made of them
            // (the agency's list took the server from 80 to 360 MB).
            let mut rows = qb.build().fetch(self.reader());
            while let Some(row) = rows.try_next().await.db()? {
                let aar: i64 = row.try_get("styringsaar").db()?;
                let organisation = OrganisationId(row.try_get("organisation_id").db()?);
                let v = Vaerdi::try_from(<VaerdiRow as sqlx::FromRow<_>>::from_row(&row).db()?)?;
                ud.maalinger.push(Maaling {
                    aar: checked("styringsaar", aar)?,
                    niveau: v.niveau,
                    enhed_id: v.enhed_id,
                    organisation,
                    noegletal: v.noegletal,
                    boligtype: v.boligtype,
                    vaerdi: v.vaerdi,
                    markering: v.markering,
                });
            }
        }

        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "SELECT e.styringsaar, e.afdeling_id, a.organisation_id, e.effektivitetstal, e.farve \
             FROM effektivitet e JOIN afdelinger a ON a.id = e.afdeling_id WHERE e.styringsaar BETWEEN ",
        );
        qb.push_bind(fra_aar).push(" AND ").push_bind(til_aar);
        afgraens(&mut qb, "a.organisation_id");
        let mut rows = qb.build_query_as::<(i64, i64, i64, f64, String)>().fetch(self.reader());
        while let Some((aar, afdeling, organisation, tal, farve)) = rows.try_next().await.db()? {
            ud.effektivitet.push(EffektivitetsMaaling {
                aar: checked("styringsaar", aar)?,
                afdeling: AfdelingId(afdeling),
                organisation: OrganisationId(organisation),
                tal,
                farve: parsed("farve", &farve, domain::effektivitet::Farve::parse)?,
            });
        }

        // Every year that held a package (the country's: a year before the system is unknown).
        let aarene: Vec<(i64,)> =
            sqlx::query_as("SELECT DISTINCT styringsaar FROM pakker WHERE styringsaar BETWEEN $1 AND $2")
                .bind(fra_aar)
                .bind(til_aar)
                .fetch_all(self.reader())
                .await
                .db()?;
        for (aar,) in aarene {
            ud.aar_med_pakker.insert(checked("styringsaar", aar)?);
        }
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "SELECT p.organisation_id, p.styringsaar, p.frist, p.foerst_indsendt, p.for_sent, p.moede_afholdt FROM pakker p \
             WHERE p.styringsaar BETWEEN ",
        );
        qb.push_bind(fra_aar).push(" AND ").push_bind(til_aar);
        afgraens(&mut qb, "p.organisation_id");
        type PakkeRaekke =
            (i64, i64, Option<NaiveDate>, Option<chrono::DateTime<chrono::Utc>>, Option<bool>, Option<NaiveDate>);
        let rows: Vec<PakkeRaekke> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        for (organisation, aar, frist, indsendt, for_sent, moede) in rows {
            if let Some(dato) = moede {
                ud.moeder.push((OrganisationId(organisation), dato));
            }
            ud.indsendelser.push(Indsendelse {
                organisation: OrganisationId(organisation),
                aar: checked("styringsaar", aar)?,
                frist,
                foerst_indsendt: indsendt.map(|t| t.date_naive()),
                for_sent: for_sent.unwrap_or(false),
            });
        }

        // The answer in the newest submitted version of each of the year's packages.
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "SELECT p.organisation_id, v.svar FROM pakker p JOIN pakke_versioner v ON v.pakke_id = p.id \
             WHERE v.version = (SELECT MAX(n.version) FROM pakke_versioner n WHERE n.pakke_id = p.id) \
             AND p.styringsaar = ",
        );
        qb.push_bind(til_aar);
        afgraens(&mut qb, "p.organisation_id");
        let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        for (organisation, svar) in rows {
            let svar: BTreeMap<String, domain::template::Svar> = super::from_json("svar", &svar)?;
            for (noegle, s) in svar {
                let Some((afdeling, id)) = domain::template::split_afdeling_noegle(&noegle) else { continue };
                if let (true, Some(valg)) = (id == spoergsmaal, s.valg) {
                    ud.svar.push((OrganisationId(organisation), afdeling, valg));
                }
            }
        }
        Ok(ud)
    }

    async fn kritik(&self, aar: Styringsaar, organisationer: &[OrganisationId]) -> Result<Vec<Kritik>> {
        if organisationer.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "SELECT organisation_id, kritiske_noegletal, roede_noegletal, roede_afdelinger FROM kritik WHERE styringsaar = ",
        );
        qb.push_bind(i64::from(aar)).push(" AND organisation_id IN (");
        push_organisation_ids(&mut qb, organisationer);
        qb.push(") ORDER BY organisation_id");
        let rows: Vec<(i64, i64, i64, i64)> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        Ok(rows
            .into_iter()
            .map(|(o, kritiske, roede, roede_afd)| Kritik {
                organisation: OrganisationId(o),
                kritiske_noegletal: kritiske,
                roede_noegletal: roede,
                roede_afdelinger: roede_afd,
            })
            .collect())
    }

    async fn effektivitet_gennemsnit(&self, aar: Styringsaar, omraader: &[Omraade]) -> Result<HashMap<Omraade, f64>> {
        if omraader.is_empty() {
            return Ok(HashMap::new());
        }
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new("SELECT omraade, noegle, gennemsnit FROM effektivitet_gennemsnit WHERE styringsaar = ");
        qb.push_bind(i64::from(aar)).push(" AND (");
        let mut any = qb.separated(" OR ");
        for o in omraader {
            let (kind, key) = o.noegle();
            any.push("(omraade = ")
                .push_bind_unseparated(kind)
                .push_unseparated(" AND noegle = ")
                .push_bind_unseparated(key)
                .push_unseparated(")");
        }
        qb.push(")");
        let rows: Vec<(String, i64, f64)> = qb.build_query_as().fetch_all(self.reader()).await.db()?;
        rows.into_iter()
            .map(|(kind, key, g)| {
                let omraade = Omraade::fra_noegle(&kind, key)
                    .ok_or_else(|| StoreError::corrupt("område", format!("{kind} {key}")))?;
                Ok((omraade, g))
            })
            .collect()
    }
}
