//! The readers' connections: a small pool of its own instead of sqlx's `Pool`.
//!
//! Each SQLite connection in sqlx lives on a thread of its own, and every command is a round
//! trip to that thread (two thread switches on these two cores). sqlx's pool adds one more
//! round trip to every query: it pings the connection when it is returned (to flush what a
//! cancelled query left behind on a network connection). A reader here needs none of it: the
//! connection's thread runs its commands in order, so a connection whose query was cancelled
//! simply finishes or abandons that query before it starts the next. Measured on a page with
//! only the session lookup, the ping was a third of the time the query took (docs/performance.md).

use async_stream::try_stream;
use futures::TryStreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use sqlx::sqlite::{SqliteConnectOptions, SqliteQueryResult, SqliteRow, SqliteStatement, SqliteTypeInfo};
use sqlx::{ConnectOptions, Either, Execute, Executor, Sqlite, SqliteConnection};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Up to `max` read-only connections, opened when first needed and kept.
#[derive(Debug, Clone)]
pub struct Lesere(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    options: SqliteConnectOptions,
    max: u32,
    ledige: Mutex<Vec<SqliteConnection>>,
    pladser: Arc<Semaphore>,
}

/// A connection lent out; it goes back to the pool when dropped, unless it broke.
struct Laan {
    pool: Arc<Inner>,
    forbindelse: Option<SqliteConnection>,
    _plads: OwnedSemaphorePermit,
}

impl Laan {
    fn forbindelse(&mut self) -> &mut SqliteConnection {
        self.forbindelse.as_mut().expect("a lent connection is present until dropped")
    }

    /// After an error that means the connection's thread is gone, the connection is not
    /// returned (the next borrower opens a new one).
    fn efter(&mut self, fejl: &sqlx::Error) {
        if matches!(fejl, sqlx::Error::WorkerCrashed | sqlx::Error::Io(_)) {
            self.forbindelse = None;
        }
    }
}

impl Drop for Laan {
    fn drop(&mut self) {
        if let Some(forbindelse) = self.forbindelse.take() {
            self.pool.ledige.lock().expect("reader pool lock").push(forbindelse);
        }
    }
}

impl Lesere {
    /// Opens the first connection at once, so a wrong path or a damaged file shows at start.
    pub async fn connect(options: SqliteConnectOptions, max: u32) -> Result<Self, sqlx::Error> {
        let first = options.connect().await?;
        Ok(Lesere(Arc::new(Inner {
            options,
            max,
            ledige: Mutex::new(vec![first]),
            pladser: Arc::new(Semaphore::new(max as usize)),
        })))
    }

    async fn laan(&self) -> Result<Laan, sqlx::Error> {
        let plads = self.0.pladser.clone().acquire_owned().await.map_err(|_| sqlx::Error::PoolClosed)?;
        let ledig = self.0.ledige.lock().expect("reader pool lock").pop();
        let forbindelse = match ledig {
            Some(f) => f,
            None => self.0.options.connect().await?,
        };
        Ok(Laan { pool: self.0.clone(), forbindelse: Some(forbindelse), _plads: plads })
    }

    /// Connections open, idle, and the most there may be (for `/readyz` and the metrics).
    pub fn status(&self, navn: &'static str) -> store::PoolStatus {
        let ledige = self.0.ledige.lock().expect("reader pool lock").len();
        let i_brug = self.0.max as usize - self.0.pladser.available_permits();
        let antal = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        store::PoolStatus { navn, forbindelser: antal(ledige + i_brug), ledige: antal(ledige), max: self.0.max }
    }
}

impl<'p> Executor<'p> for &'_ Lesere {
    type Database = Sqlite;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<SqliteQueryResult, SqliteRow>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Sqlite>,
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

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<SqliteRow>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Sqlite>,
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
        parameters: &'e [SqliteTypeInfo],
    ) -> BoxFuture<'e, Result<SqliteStatement, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move { pool.laan().await?.forbindelse().prepare_with(sql, parameters).await })
    }

    fn describe<'e>(self, sql: sqlx::SqlStr) -> BoxFuture<'e, Result<sqlx::Describe<Sqlite>, sqlx::Error>> {
        let pool = self.clone();
        Box::pin(async move { pool.laan().await?.forbindelse().describe(sql).await })
    }
}
