//! Attachments of a package. A file is never deleted: a newer file of the same kind, or a
//! withdrawal from the draft, only marks it superseded.

use crate::{AuditEvent, BilagId, PakkeId, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::access::UserId;
use domain::package::PakkeStatus;

#[async_trait]
pub trait BilagStore: Send + Sync {
    /// Adds an attachment (superseding the kind's current one when asked); bumps the package
    /// revision. [`crate::StoreError::Stale`] when the package no longer has the expected
    /// status.
    async fn add_bilag(&self, bilag: &NewBilag, audit: &AuditEvent) -> Result<BilagId>;
    /// Adds accounts material to a submitted package as a supplement: the file, and a new
    /// version with the newest version's answers and files plus this one (superseding the
    /// kind's earlier file when asked), in one transaction, told to webhooks. Returns the new
    /// version. [`crate::StoreError::Stale`] when the package left `expected_status` or has no
    /// submitted version.
    async fn add_supplement(&self, bilag: &NewBilag, audit: &AuditEvent) -> Result<crate::VersionRecord>;
    /// Withdraws a current attachment from a draft: it stops being current but is kept.
    /// [`crate::StoreError::Stale`] when the package left `expected_status` or the file is not
    /// current.
    async fn withdraw_bilag(
        &self,
        pakke: PakkeId,
        bilag: BilagId,
        expected_status: PakkeStatus,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// The kinds of the current (not superseded) attachments of packages: (package, kind).
    async fn aktuelle_bilagsarter(&self, pakker: &[PakkeId]) -> Result<Vec<(PakkeId, String)>>;
    /// Every attachment of a package, superseded ones included, oldest first.
    async fn bilag(&self, pakke: PakkeId) -> Result<Vec<BilagRecord>>;
    /// One attachment with its content.
    async fn bilag_indhold(&self, id: BilagId) -> Result<Option<(BilagRecord, Vec<u8>)>>;
}

/// An uploaded attachment (its content is read separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilagRecord {
    pub id: BilagId,
    pub pakke: PakkeId,
    /// The kind's id in the year's rules (data/regler: `bilag`).
    pub art: String,
    pub filnavn: String,
    pub mime: String,
    pub stoerrelse: i64,
    pub sha256: String,
    pub uploaded_by: UserId,
    pub uploaded_at: DateTime<Utc>,
    /// Set when a newer file of the same kind replaced it, or it was withdrawn from the draft
    /// (the file itself is kept).
    pub erstattet: Option<DateTime<Utc>>,
}

/// A new attachment, added while the package still has `expected_status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBilag {
    pub pakke: PakkeId,
    pub expected_status: PakkeStatus,
    pub art: String,
    /// Whether it supersedes the kind's current file.
    pub erstatter: bool,
    pub filnavn: String,
    pub mime: String,
    pub sha256: String,
    pub indhold: Vec<u8>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}
