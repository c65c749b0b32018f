//! Saves of answers gathered into shared write transactions.
//!
//! On deadline day hundreds of users save at once. SQLite has one writer, and every statement
//! of a write transaction is a round trip to its connection's thread: one transaction per save
//! made the saves queue for the writer one at a time (measured: about 1,500 saves a second,
//! whatever the cores did meanwhile). PostgreSQL waits for the disk at every commit. Here a
//! task of its own takes every save waiting when the last transaction is done and writes them
//! in one transaction, with the statements of one save ([`gem_svar_samlet`]). Each save is
//! still checked as if it were alone.
//!
//! One task on PostgreSQL too: two or four tasks side by side were slower there (measured
//! 2026-12-03: the saves split into smaller batches, each waiting for its own commit).

use super::pakker::gem_svar_samlet;
use super::{Db, Tx};
use std::sync::Mutex;
use store::{AuditEvent, Result, Revision, StoreError, SvarChange};
use tokio::sync::{mpsc, oneshot};

/// Saves per transaction at most: keeps a transaction's statements under the bind limits and
/// its time on the writer short.
const SAMLET: usize = 64;

struct Opgave {
    change: SvarChange,
    audit: AuditEvent,
    svar: oneshot::Sender<Result<Revision>>,
}

/// The way to the task that writes saves; started in the runtime of the first save, and again
/// if that runtime has ended (a test's, say).
#[derive(Default)]
pub(crate) struct Svarkoe {
    afsender: Mutex<Option<mpsc::UnboundedSender<Opgave>>>,
}

impl Svarkoe {
    /// Saves `change` with its audit event in the next shared transaction.
    pub(crate) async fn gem(
        &self,
        writer: &sqlx::Pool<Db>,
        change: &SvarChange,
        audit: &AuditEvent,
    ) -> Result<Revision> {
        let (svar, udfald) = oneshot::channel();
        let opgave = Opgave { change: change.clone(), audit: audit.clone(), svar };
        if let Err(mpsc::error::SendError(opgave)) = self.afsender(writer).send(opgave) {
            // The task ended between the check and the send: this save goes alone.
            return alene(writer, &opgave).await;
        }
        // The task answers every save it takes; no answer means it stopped mid-transaction
        // (its runtime shut down), and then nothing of the save was committed.
        udfald.await.map_err(|e| StoreError::in_context("gemningen blev afbrudt", e))?
    }

    fn afsender(&self, writer: &sqlx::Pool<Db>) -> mpsc::UnboundedSender<Opgave> {
        let mut afsender = self.afsender.lock().expect("svarkø-lås");
        match &*afsender {
            Some(a) if !a.is_closed() => a.clone(),
            _ => {
                let (a, modtager) = mpsc::unbounded_channel();
                tokio::spawn(skriv(writer.clone(), modtager));
                *afsender = Some(a.clone());
                a
            }
        }
    }
}

/// The task: waits for a save, takes every other one waiting too, writes them together.
async fn skriv(writer: sqlx::Pool<Db>, mut modtager: mpsc::UnboundedReceiver<Opgave>) {
    let mut opgaver = Vec::with_capacity(SAMLET);
    while modtager.recv_many(&mut opgaver, SAMLET).await > 0 {
        metrics::histogram!("styringsdialog_db_saves_per_transaction").record(opgaver.len() as f64);
        let saves: Vec<(&SvarChange, &AuditEvent)> = opgaver.iter().map(|o| (&o.change, &o.audit)).collect();
        let udfald = match begin(&writer).await {
            Ok(tx) => gem_svar_samlet(tx, &saves).await,
            Err(e) => Err(e),
        };
        match udfald {
            Ok(revisioner) => {
                for (opgave, revision) in opgaver.drain(..).zip(revisioner) {
                    // A requester that has gone (its client hung up) needs no answer.
                    let _ = opgave.svar.send(revision);
                }
            }
            // The transaction failed as a whole (nothing of it was committed; on PostgreSQL a
            // deadlock with another writer is one way): each save is tried alone, so one
            // save's error is its own and the others still land.
            Err(_) => {
                for opgave in opgaver.drain(..) {
                    let revision = alene(&writer, &opgave).await;
                    let _ = opgave.svar.send(revision);
                }
            }
        }
    }
}

/// A write transaction on the engine's writer (see `Backend::begin_write`).
async fn begin(writer: &sqlx::Pool<Db>) -> Result<Tx> {
    super::super::begin_write_on(writer).await
}

/// One save in a transaction of its own.
async fn alene(writer: &sqlx::Pool<Db>, opgave: &Opgave) -> Result<Revision> {
    let tx = begin(writer).await?;
    let mut udfald = gem_svar_samlet(tx, &[(&opgave.change, &opgave.audit)]).await?;
    udfald.pop().expect("one outcome per save")
}
