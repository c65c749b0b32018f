//! Saves of answers gathered into shared write transactions.
//!
//! SQLite has one writer, and every statement of a write transaction is a round trip to its
//! connection's thread. On deadline day hundreds of users save at once; one transaction per
//! save would make them queue for the writer one save at a time (measured: about 1,500 saves
//! a second, whatever the cores did meanwhile). Here a task of its own takes every save waiting
//! when the writer is free and writes them in one transaction, with the statements of one
//! save (`sql::gem_svar_samlet`). Each save is still checked as if it were alone.

use crate::sql;
use sqlx::SqlitePool;
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
    pub(crate) async fn gem(&self, writer: &SqlitePool, change: &SvarChange, audit: &AuditEvent) -> Result<Revision> {
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

    fn afsender(&self, writer: &SqlitePool) -> mpsc::UnboundedSender<Opgave> {
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
async fn skriv(writer: SqlitePool, mut modtager: mpsc::UnboundedReceiver<Opgave>) {
    let mut opgaver = Vec::with_capacity(SAMLET);
    while modtager.recv_many(&mut opgaver, SAMLET).await > 0 {
        metrics::histogram!("styringsdialog_db_saves_per_transaction").record(opgaver.len() as f64);
        let saves: Vec<(&SvarChange, &AuditEvent)> = opgaver.iter().map(|o| (&o.change, &o.audit)).collect();
        let udfald = match crate::begin_immediate(&writer).await {
            Ok(tx) => sql::gem_svar_samlet(tx, &saves).await,
            Err(e) => Err(e),
        };
        match udfald {
            Ok(revisioner) => {
                for (opgave, revision) in opgaver.drain(..).zip(revisioner) {
                    // A requester that has gone (its client hung up) needs no answer.
                    let _ = opgave.svar.send(revision);
                }
            }
            // The transaction failed as a whole (nothing of it was committed): each save is
            // tried alone, so one save's error is its own and the others still land.
            Err(_) => {
                for opgave in opgaver.drain(..) {
                    let revision = alene(&writer, &opgave).await;
                    let _ = opgave.svar.send(revision);
                }
            }
        }
    }
}

/// One save in a transaction of its own.
async fn alene(writer: &SqlitePool, opgave: &Opgave) -> Result<Revision> {
    let tx = crate::begin_immediate(writer).await?;
    let mut udfald = sql::gem_svar_samlet(tx, &[(&opgave.change, &opgave.audit)]).await?;
    udfald.pop().expect("one outcome per save")
}
