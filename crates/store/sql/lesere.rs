//! The readers' connections: a small pool of the engine's own connections instead of sqlx's
//! `Pool`, for the reads pages make.
//!
//! sqlx's pool pings every connection when it is returned (`Floating::return_to_pool`), to
//! flush what a cancelled query left behind: a round trip to the server on PostgreSQL, and to
//! the connection's thread on SQLite (two thread switches on these two cores). Every page
//! makes at least one read, so that ping was a second round trip on most requests: on
//! PostgreSQL about a tenth of the server's CPU under load (docs/performance.md).
//!
//! A reader needs none of it:
//! - both drivers finish what a cancelled query left behind before they start the next one
//!   (PostgreSQL reads up to the server's "ready for query"; SQLite's thread runs its
//!   commands in order);
//! - a reader never begins a transaction (this type has no `begin`), so nothing a cancelled
//!   read leaves holds a lock until the connection's next use.
//!
//! What the pool's ping also did, finding a connection the server dropped, is done before a
//! use after a rest ([`HVILE`]), as the write pools do it, and a connection whose link broke
//! is not returned. A connection is closed after [`LEVETID`], as sqlx's pool does, so the
//! server's per-connection state does not grow without end.

use super::Db;
use async_stream::try_stream;
use futures::TryStreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use sqlx::{ConnectOptions, Connection, Database, Either, Execute, Executor};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

type Forbindelse = <Db as Database>::Connection;
type Valg = <Forbindelse as Connection>::Options;

/// A connection that rested this long is pinged before use (the server may have restarted);
/// PostgreSQL's writers' pool checks after the same rest.
pub(crate) const HVILE: Duration = Duration::from_secs(1);

/// A connection older than this is closed when it is returned, and the next borrower opens a
/// new one (sqlx's pool closes its connections after the same time).
const LEVETID: Duration = Duration::from_secs(30 * 60);

/// Up to `max` connections, opened when first needed and kept.
#[derive(Debug, Clone)]
pub(crate) struct Lesere(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    options: Valg,
    max: u32,
    ledige: Mutex<Vec<Ledig>>,
    pladser: Arc<Semaphore>,
}

/// A connection at rest, with when it was opened and when it was last returned.
#[derive(Debug)]
struct Ledig {
    forbindelse: Forbindelse,
    aabnet: Instant,
    brugt: Instant,
}

/// A connection lent out; it goes back to the pool when dropped, unless it broke or is old.
struct Laan {
    pool: Arc<Inner>,
    forbindelse: Option<Forbindelse>,
    aabnet: Instant,
    _plads: OwnedSemaphorePermit,
}

impl Laan {
    fn forbindelse(&mut self) -> &mut Forbindelse {
        self.forbindelse.as_mut().expect("a lent connection is present until dropped")
    }

    /// After an error that means the link (or SQLite's thread) is gone, the connection is not
    /// returned (the next borrower opens a new one).
    fn efter(&mut self, fejl: &sqlx::Error) {
        if matches!(fejl, sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) | sqlx::Error::Protocol(_)) {
            self.forbindelse = None;
        }
    }
}

impl Drop for Laan {
    fn drop(&mut self) {
        let Some(forbindelse) = self.forbindelse.take() else { return };
        if self.aabnet.elapsed() < LEVETID {
            let ledig = Ledig { forbindelse, aabnet: self.aabnet, brugt: Instant::now() };
            self.pool.ledige.lock().expect("reader pool lock").push(ledig);
        } else if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            // Closed politely, so the server logs no lost client.
            runtime.spawn(async move {
                let _ = forbindelse.close().await;
            });
        }
    }
}

impl Lesere {
    /// Opens the first connection at once, so a wrong address, a damaged file or a server
    /// that does not answer shows at start.
    pub(crate) async fn connect(options: Valg, max: u32) -> Result<Self, sqlx::Error> {
        let forbindelse = options.connect().await?;
        let nu = Instant::now();
        Ok(Lesere(Arc::new(Inner {
            options,
            max,
            ledige: Mutex::new(vec![Ledig { forbindelse, aabnet: nu, brugt: nu }]),
            pladser: Arc::new(Semaphore::new(max as usize)),
        })))
    }

    async fn laan(&self) -> Result<Laan, sqlx::Error> {
        let plads = self.0.pladser.clone().acquire_owned().await.map_err(|_| sqlx::Error::PoolClosed)?;
        // The most recently returned first: it has just answered, so it needs no check.
        let ledig = self.0.ledige.lock().expect("reader pool lock").pop();
        let mut kandidat = None;
        if let Some(mut l) = ledig
            && (l.brugt.elapsed() < HVILE || l.forbindelse.ping().await.is_ok())
        {
            kandidat = Some((l.forbindelse, l.aabnet));
        }
        let (forbindelse, aabnet) = match kandidat {
            Some(k) => k,
            None => (self.0.options.connect().await?, Instant::now()),
        };
        Ok(Laan { pool: self.0.clone(), forbindelse: Some(forbindelse), aabnet, _plads: plads })
    }

    /// Connections open, idle, and the most there may be (for `/readyz` and the metrics).
    pub(crate) fn status(&self, navn: &'static str) -> store::PoolStatus {
        let ledige = self.0.ledige.lock().expect("reader pool lock").len();
        let i_brug = self.0.max as usize - self.0.pladser.available_permits();
        let antal = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        store::PoolStatus { navn, forbindelser: antal(ledige + i_brug), ledige: antal(ledige), max: self.0.max }
    }
}

impl<'p> Executor<'p> for &'_ Lesere {
    type Database = Db;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<<Db as Database>::QueryResult, <Db as Database>::Row>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Db>,
    {
        let pool = self.clone();
        Box::pin(try_stream! {
            let mut laan = pool.laan().await?;
            let mut rows = laan.forbindelse().fetch_many(query);
            let udfald = loop {
                match rows.try_next().await {
                    Ok(Some(row)) => yield row,
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                }
            };
            drop(rows);
            if let Err(e) = udfald {
                laan.efter(&e);
                Err(e)?;
            }
        })
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<<Db as Database>::Row>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Db>,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut laan = pool.laan().await?;
            let svar = laan.forbindelse().fetch_optional(query).await;
            if let Err(e) = &svar {
                laan.efter(e);
            }
            svar
        })
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [<Db as Database>::TypeInfo],
    ) -> BoxFuture<'e, Result<<Db as Database>::Statement, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move { pool.laan().await?.forbindelse().prepare_with(sql, parameters).await })
    }

    fn describe<'e>(self, sql: sqlx::SqlStr) -> BoxFuture<'e, Result<sqlx::Describe<Db>, sqlx::Error>> {
        let pool = self.clone();
        Box::pin(async move { pool.laan().await?.forbindelse().describe(sql).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// A reader pool of one connection on this engine's test database: PostgreSQL's at
    /// `TEST_DATABASE_URL` (none, no test), SQLite's in memory.
    async fn en_forbindelse() -> Option<Lesere> {
        let url = match <Db as Database>::NAME {
            "PostgreSQL" => std::env::var("TEST_DATABASE_URL").ok()?,
            _ => "sqlite::memory:".to_string(),
        };
        Some(Lesere::connect(Valg::from_str(&url).expect("test database URL"), 1).await.expect("connects"))
    }

    /// A query that answers `n` after a while on either engine: PostgreSQL sleeps, SQLite
    /// counts.
    fn langsom(n: i64) -> String {
        match <Db as Database>::NAME {
            "PostgreSQL" => format!("SELECT CAST({n} AS BIGINT) FROM pg_sleep(0.3)"),
            _ => format!(
                "WITH RECURSIVE t(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM t WHERE i < 3000000) \
                 SELECT MAX(i) - MAX(i) + {n} FROM t"
            ),
        }
    }

    #[tokio::test]
    async fn a_cancelled_read_leaves_nothing_for_the_next_one() {
        let Some(laesere) = en_forbindelse().await else { return };
        // Given up mid-query, as a request is when its client leaves.
        let opgivet = tokio::time::timeout(Duration::from_millis(20), async {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(langsom(1))).fetch_one(&laesere).await
        })
        .await;
        assert!(opgivet.is_err(), "the slow read was given up");
        // The one connection goes on to answer the next reads, each with its own answer.
        for n in 2..5_i64 {
            let svar: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT CAST({n} AS BIGINT)")))
                .fetch_one(&laesere)
                .await
                .expect("the next read answers");
            assert_eq!(svar, n);
        }
        assert_eq!(laesere.status("laesere").forbindelser, 1, "no new connection was needed");
    }

    #[tokio::test]
    async fn rows_left_unread_are_not_the_next_reads_rows() {
        let Some(laesere) = en_forbindelse().await else { return };
        let mut raekker = sqlx::query_scalar::<_, i64>(
            "WITH RECURSIVE t(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM t WHERE i < 5000) SELECT CAST(i AS BIGINT) FROM t",
        )
        .fetch(&laesere);
        assert_eq!(raekker.try_next().await.expect("first row"), Some(1));
        drop(raekker);
        let alle: Vec<i64> = sqlx::query_scalar("SELECT CAST(7 AS BIGINT) UNION ALL SELECT CAST(8 AS BIGINT)")
            .fetch_all(&laesere)
            .await
            .expect("the next read answers");
        assert_eq!(alle, [7, 8]);
    }
}
