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
    /// Moves or cancels a convened meeting: the change with its letter (beside the
    /// invitation, which stays as sent), the packages' transitions (a cancelled meeting that
    /// was the last standing one) and the mails, at once. [`crate::StoreError::Stale`] when
    /// the meeting has been changed since (its change number is no longer `sekvens - 1`).
    async fn aendr_dialogmoede(
        &self,
        aendring: &DialogmoedeAendring,
        transitions: &[Transition],
        mails: &[NewMail],
        audit: &AuditEvent,
    ) -> Result<()>;
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

/// A convened meeting. `moede` holds its time and place as they stand now (after any move),
/// and the letter of the invitation as it was sent; `aendringer` holds every move and the
/// cancellation, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogmoedeRecord {
    pub id: DialogmoedeId,
    pub moede: NewDialogmoede,
    pub aendringer: Vec<DialogmoedeAendring>,
}

impl DialogmoedeRecord {
    /// The cancellation, if the meeting is cancelled.
    pub fn aflyst(&self) -> Option<&DialogmoedeAendring> {
        self.aendringer.iter().find(|a| a.art == MoedeAendringsArt::Aflyst)
    }

    /// The calendar file's SEQUENCE now: 0 for the invitation, then one per change.
    pub fn sekvens(&self) -> i64 {
        self.aendringer.last().map_or(0, |a| a.sekvens)
    }

    /// The calendar UID every file about this meeting carries (RFC 5545: the same event).
    pub fn uid(&self) -> String {
        dialogmoede_uid(self.moede.kommune, self.moede.at)
    }
}

/// The calendar UID of a meeting convened by `kommune` at `indkaldt`.
pub fn dialogmoede_uid(kommune: Kommunekode, indkaldt: DateTime<Utc>) -> String {
    format!("dialogmoede-{kommune}-{}@styringsdialog", indkaldt.timestamp_micros())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoedeAendringsArt {
    Flyttet,
    Aflyst,
}

impl MoedeAendringsArt {
    pub fn as_str(self) -> &'static str {
        match self {
            MoedeAendringsArt::Flyttet => "flyttet",
            MoedeAendringsArt::Aflyst => "aflyst",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [MoedeAendringsArt::Flyttet, MoedeAendringsArt::Aflyst].into_iter().find(|a| a.as_str() == s)
    }
}

/// A move or the cancellation of a convened meeting, with the letter sent about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogmoedeAendring {
    pub moede: DialogmoedeId,
    /// 1 for the first change; the calendar file's SEQUENCE.
    pub sekvens: i64,
    pub art: MoedeAendringsArt,
    /// The time and place after the change (a cancellation keeps those it cancels).
    pub starter: DateTime<Utc>,
    pub varighed_minutter: i64,
    pub sted: String,
    pub begrundelse: String,
    pub brev: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}
