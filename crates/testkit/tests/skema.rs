//! The two engines' migrations build the same schema: the same tables, columns, primary keys
//! and indexes (unique or not, on the same columns), apart from the column types. Needs a
//! PostgreSQL server: it runs when `TEST_DATABASE_URL` names one (as `.ci/run` does).

use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// A table's columns, its primary key, and its other indexes as (unique, columns).
#[derive(Debug, Default, PartialEq, Eq)]
struct Tabel {
    kolonner: BTreeSet<String>,
    primaernoegle: Vec<String>,
    indekser: BTreeSet<(bool, Vec<String>)>,
}

type Skema = BTreeMap<String, Tabel>;

async fn sqlite_skema() -> Skema {
    let url =
        format!("sqlite://{}", std::env::temp_dir().join(format!("sd_skema_{}.db", uuid::Uuid::new_v4())).display());
    let _migrated = store_sqlite::SqliteStore::connect(&url).await.expect("SQLite migrates");
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let tabeller: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut skema = Skema::new();
    for (navn,) in tabeller {
        let mut t = Tabel::default();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for r in sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info({navn})"))).fetch_all(&pool).await.unwrap()
        {
            let kolonne: String = r.get("name");
            let nr: i64 = r.get("pk");
            if nr > 0 {
                pk.push((nr, kolonne.clone()));
            }
            t.kolonner.insert(kolonne);
        }
        pk.sort();
        t.primaernoegle = pk.into_iter().map(|(_, k)| k).collect();
        for r in sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA index_list({navn})"))).fetch_all(&pool).await.unwrap()
        {
            let (indeks, unik, oprindelse): (String, bool, String) = (r.get("name"), r.get("unique"), r.get("origin"));
            if oprindelse == "pk" {
                continue;
            }
            let kolonner: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA index_info({indeks})")))
                .fetch_all(&pool)
                .await
                .unwrap()
                .iter()
                .map(|c| c.get("name"))
                .collect();
            t.indekser.insert((unik, kolonner));
        }
        skema.insert(navn, t);
    }
    skema
}

async fn postgres_skema(url: &str) -> Skema {
    let _migrated = store_postgres::PgStore::connect(url).await.expect("PostgreSQL migrates");
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let mut skema = Skema::new();
    let kolonner: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (tabel, kolonne) in kolonner {
        skema.entry(tabel).or_default().kolonner.insert(kolonne);
    }
    // Every index with its columns in order; the primary key's index is the primary key.
    let indekser: Vec<(String, bool, bool, Vec<String>)> = sqlx::query_as(
        "SELECT t.relname::text, ix.indisunique, ix.indisprimary, \
           ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n) \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         WHERE ns.nspname = 'public' AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (tabel, unik, primaer, kolonner) in indekser {
        let t = skema.entry(tabel).or_default();
        if primaer {
            t.primaernoegle = kolonner;
        } else {
            t.indekser.insert((unik, kolonner));
        }
    }
    skema
}

#[tokio::test]
async fn both_engines_migrate_to_the_same_schema() {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL server to compare the engines' schemas");
        return;
    }
    let url = testkit::fresh_database_url().await;
    let (sqlite, postgres) = (sqlite_skema().await, postgres_skema(&url).await);
    assert_eq!(sqlite.keys().collect::<Vec<_>>(), postgres.keys().collect::<Vec<_>>(), "the same tables");
    for (navn, tabel) in &sqlite {
        assert_eq!(tabel, &postgres[navn], "table {navn}: SQLite left, PostgreSQL right");
    }
}
