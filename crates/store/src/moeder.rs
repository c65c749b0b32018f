//! Dialogue meetings: convened (with the letter that was sent) and held.

use crate::{AuditEvent, DialogmoedeId, NewMail, PakkeId, Result, Transition};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::UserId;
use domain::{Kommunekode, Styringsaar};

#[async_trait]
pub trait MoedeStore: Send + Sync {
    /// Convenes a meeting: the meeting with its letter, the packages' transitions and the
    /// invitation mails, at once. Returns the meeting's id.
    async fn convene_dialogmoede(
        &self,
        moede: &NewDialogmoede,
        transitions: &[Transition],
        mails: &[NewMail],
        audit: &AuditEvent,
    ) -> Result<DialogmoedeId>;
    async fn dialogmoede(&self, id: DialogmoedeId) -> Result<Option<DialogmoedeRecord>>;
    /// The convened meetings that cover a package, oldest first.
    async fn dialogmoeder_for_pakke(&self, pakke: PakkeId) -> Result<Vec<DialogmoedeRecord>>;
    /// Meetings held: the records plus the packages' transitions, at once. A
    /// beliggenhedskommune's own meeting has no transition.
    async fn record_moeder(&self, moeder: &[NewMoede], transitions: &[Transition], audit: &AuditEvent) -> Result<()>;
    /// The meetings held about a package, oldest first.
    async fn moeder(&self, pakke: PakkeId) -> Result<Vec<MoedeRecord>>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMoede {
    pub pakke: PakkeId,
    pub dato: NaiveDate,
    pub deltagere: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
    /// The convened meeting it was, when it was convened in the system.
    pub dialogmoede: Option<DialogmoedeId>,
    /// At a joint meeting: whether the organisation had its own discussion.
    pub bilateral: bool,
    /// The kommune that held it (a beliggenhedskommune may hold its own meeting).
    pub kommune: Option<Kommunekode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoedeRecord {
    pub id: i64,
    pub pakke: PakkeId,
    pub dato: NaiveDate,
    pub deltagere: String,
    pub registered_by: UserId,
    pub registered_at: DateTime<Utc>,
    pub dialogmoede: Option<DialogmoedeId>,
    pub bilateral: bool,
    pub kommune: Option<Kommunekode>,
}

/// A dialogue meeting as convened, with the letter that was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDialogmoede {
    /// The convening kommune.
    pub kommune: Kommunekode,
    pub styringsaar: Styringsaar,
    pub starter: DateTime<Utc>,
    pub varighed_minutter: i64,
    pub sted: String,
    /// The invited participants, one per line.
    pub deltagere: String,
    /// Invited beliggenhedskommuner.
    pub kommuner: Vec<Kommunekode>,
    pub dagsorden: String,
    pub brev: String,
    /// The packages the meeting covers: one, or several for a joint meeting.
    pub pakker: Vec<PakkeId>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogmoedeRecord {
    pub id: DialogmoedeId,
    pub moede: NewDialogmoede,
}
