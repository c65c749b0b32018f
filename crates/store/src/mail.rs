//! The outbox: mails written in the same transaction as the event they tell about, then
//! delivered by the `mail` crate. A mail is claimed before it is sent and never handed out
//! twice.

use crate::{AuditEvent, MailId, Result, Side, Udsnit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait MailStore: Send + Sync {
    /// Enqueues mails (an existing reference is skipped) with the audit event; returns how
    /// many were added.
    async fn enqueue_mails(&self, mails: &[NewMail], audit: &AuditEvent) -> Result<u64>;
    /// How many mails of the outbox have a reference that begins with `praefiks` (a mailing
    /// sent once, such as a year's warnings).
    async fn mails_med_praefiks(&self, praefiks: &str) -> Result<i64>;
    /// Enqueues deadline reminders, per package; a package whose reminder was new is told to
    /// the webhooks (`paamindelse.sendt`) in the same transaction. Returns the mails added.
    async fn enqueue_paamindelser(
        &self,
        paamindelser: &[(crate::PakkeId, Vec<NewMail>)],
        audit: &AuditEvent,
    ) -> Result<u64>;
    /// Claims the oldest mail that is due for delivery, or none.
    async fn claim_mail(&self, now: DateTime<Utc>) -> Result<Option<MailRecord>>;
    /// Marks a claimed mail delivered.
    async fn mark_mail_sent(&self, id: MailId, at: DateTime<Utc>) -> Result<()>;
    /// Releases a claimed mail after a refused delivery, to be tried again at `naeste`.
    async fn mark_mail_failed(&self, id: MailId, fejl: &str, naeste: DateTime<Utc>) -> Result<()>;
    /// Releases a mail whose delivery outcome is unknown (claimed before `foer` and never
    /// marked sent) to be sent again, with the audit event; Stale when it is not in that state.
    async fn resend_mail(&self, id: MailId, foer: DateTime<Utc>, audit: &AuditEvent) -> Result<()>;
    /// One page of the outbox, newest first.
    async fn udbakke(&self, side: Side) -> Result<Udsnit<MailRecord>>;
    /// How far delivery lags behind at `now`: the mails waiting, and the oldest of those due.
    async fn udbakke_tal(&self, now: DateTime<Utc>) -> Result<UdbakkeTal>;
}

/// The outbox's backlog at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UdbakkeTal {
    /// Not yet delivered and not being delivered (due now or waiting for a retry).
    pub venter: i64,
    /// Claimed by a sender and not marked sent: being delivered, or the outcome is unknown.
    pub afsendes: i64,
    /// When the oldest mail due for delivery now was written. A mail parked until a later
    /// retry (or for good: a malformed address) is waiting but not due, so it does not age
    /// the backlog.
    pub aeldste: Option<DateTime<Utc>>,
}

/// A mail for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// Unique per mail, so enqueueing the same mail twice adds it once.
    pub reference: String,
    pub til: String,
    pub emne: String,
    pub tekst: String,
    pub oprettet: DateTime<Utc>,
    /// One text attachment, such as the calendar file of a meeting invitation.
    pub vedhaeftning: Option<Vedhaeftning>,
}

/// A text attachment of a mail: file name and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vedhaeftning {
    pub navn: String,
    /// The file's text; empty for a document made when the mail is sent.
    pub indhold: String,
    pub art: VedhaeftningArt,
}

/// What an attachment is, and so how the sender makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VedhaeftningArt {
    /// An iCalendar file (`indhold`).
    #[default]
    Kalender,
    /// The mail's own text typeset as a PDF when it is sent (a receipt the organisation can
    /// file). The outbox keeps the text, not the PDF.
    TekstSomPdf,
    /// A spreadsheet (XLSX) made when the mail was written; `indhold` holds it in base64.
    Regneark,
}

impl VedhaeftningArt {
    pub fn as_str(self) -> &'static str {
        match self {
            VedhaeftningArt::Kalender => "kalender",
            VedhaeftningArt::TekstSomPdf => "tekst_som_pdf",
            VedhaeftningArt::Regneark => "regneark",
        }
    }

    pub fn parse(s: &str) -> Option<VedhaeftningArt> {
        [VedhaeftningArt::Kalender, VedhaeftningArt::TekstSomPdf, VedhaeftningArt::Regneark]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecord {
    pub id: MailId,
    pub mail: NewMail,
    pub sendt: Option<DateTime<Utc>>,
    /// Set while a sender delivers it; set without `sendt`, the outcome is unknown.
    pub afsendes: Option<DateTime<Utc>>,
    pub forsoeg: i64,
    pub sidste_fejl: Option<String>,
}
