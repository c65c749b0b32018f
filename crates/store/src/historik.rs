//! A package history written at once: the steps packages went through in earlier years (the
//! history a migration brings from the system this one replaces, or the demo's generated one),
//! each with its audit event.
//!
//! Each step is checked and written by the same statements as the single change
//! ([`crate::PakkeStore::submit`], [`crate::MoedeStore::convene_dialogmoede`] …), in one
//! transaction per call: all or nothing. What a single change does after its step — recount
//! the package's progress and its kommune's supervision counts, number the change for the
//! change feed, tell the webhooks of the step — is done once per package at the end of the
//! batch, and the audit events are written together. (Writing the national demo's two years
//! step by step cost about 110,000 round trips to the database; see `docs/performance.md`.)

use crate::{
    AftaleId, AftaleStatusRecord, AuditEvent, NewAftale, NewBilag, NewDialogmoede, NewMoede, NewRedegoerelse, Result,
    Submission, SvarChange, Transition,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// One step of a package's history. Steps that produce ids a later step names (an
/// attachment, a convened meeting, a saved redegørelse) carry that later step with them.
#[derive(Debug, Clone)]
pub enum Historiktrin {
    /// Attachments uploaded, perhaps a working copy of the answers saved, then the submission.
    /// The submission names the attachments' new ids after any it names itself, and is
    /// checked against the revision the uploads and the save left.
    Indsend {
        bilag: Vec<(NewBilag, AuditEvent)>,
        kladde: Option<(SvarChange, AuditEvent)>,
        indsendelse: Submission,
        audit: AuditEvent,
    },
    /// A step of the package's status (receipt, return, …).
    Overgang { overgang: Transition, audit: AuditEvent },
    /// A dialogue meeting convened for the packages of `indkaldelse` and held: each
    /// `afholdt` names the convened meeting.
    Moede {
        indkaldelse: NewDialogmoede,
        indkald: Vec<Transition>,
        indkaldt_audit: AuditEvent,
        afholdt: Vec<NewMoede>,
        afhold: Vec<Transition>,
        afholdt_audit: AuditEvent,
    },
    /// A new status of an existing aftale (a meeting's follow-up).
    AftaleStatus { aftale: AftaleId, status: AftaleStatusRecord, audit: AuditEvent },
    /// A redegørelse saved, the aftaler made with it, and perhaps its publication (of the
    /// revision just saved).
    Redegoerelse {
        udkast: NewRedegoerelse,
        gemt_audit: AuditEvent,
        aftaler: Vec<(NewAftale, AftaleStatusRecord, AuditEvent)>,
        offentliggjort: Option<Offentliggoerelse>,
    },
}

/// The publication of a redegørelse: its time, the package's step and the audit event.
#[derive(Debug, Clone)]
pub struct Offentliggoerelse {
    pub at: DateTime<Utc>,
    pub overgang: Transition,
    pub audit: AuditEvent,
}

#[async_trait]
pub trait HistorikStore {
    /// Writes `trin` in order, in one transaction; nothing of it when a step is refused
    /// ([`crate::StoreError::Stale`] when a package is not in the state a step expects).
    async fn skriv_historik(&self, trin: &[Historiktrin]) -> Result<()>;
}
