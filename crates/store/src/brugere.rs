//! Users, login sessions, personal API keys and the append-only audit log.

use crate::{ApiNoegleId, AuditEvent, AuditRecord, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::Kommunekode;
use domain::access::{Role, UserId};
use domain::master::OrganisationId;

#[async_trait]
pub trait BrugerStore: Send + Sync {
    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> Result<UserId>;
    async fn user(&self, id: UserId) -> Result<Option<UserRecord>>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>>;
    /// Every user, by user name.
    async fn users(&self) -> Result<Vec<UserRecord>>;
    /// Disabling a user also ends every session of theirs.
    async fn set_user_disabled(&self, id: UserId, disabled: bool, audit: &AuditEvent) -> Result<()>;

    async fn create_session(&self, session: &SessionRecord, audit: &AuditEvent) -> Result<()>;
    /// A session with its user, in one read: every request asks this.
    async fn session(&self, token_hash: &str) -> Result<Option<(SessionRecord, UserRecord)>>;
    async fn delete_session(&self, token_hash: &str, audit: &AuditEvent) -> Result<()>;
    /// Moves a valid session's expiry (the user chose to stay signed in).
    async fn extend_session(&self, token_hash: &str, expires_at: DateTime<Utc>, audit: &AuditEvent) -> Result<()>;
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64>;
    /// A user's sessions that have not expired, newest first.
    async fn user_sessions(&self, user: UserId, now: DateTime<Utc>) -> Result<Vec<SessionRecord>>;
    /// Ends one of the user's own sessions; `Stale` when the user has no such session.
    async fn end_user_session(&self, user: UserId, token_hash: &str, audit: &AuditEvent) -> Result<()>;

    async fn add_api_noegle(&self, noegle: &NewApiNoegle, audit: &AuditEvent) -> Result<ApiNoegleId>;
    /// A key with its user, in one read.
    async fn api_noegle(&self, token_hash: &str) -> Result<Option<(ApiNoegleRecord, UserRecord)>>;
    async fn api_noegler(&self, bruger: UserId) -> Result<Vec<ApiNoegleRecord>>;
    /// Revokes the user's own active key ([`crate::StoreError::Stale`] when there is none such).
    async fn revoke_api_noegle(
        &self,
        id: ApiNoegleId,
        bruger: UserId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()>;

    async fn append_audit(&self, audit: &AuditEvent) -> Result<()>;

    /// The latest pause any of the throttle keys is under.
    async fn login_pause(&self, noegler: &[String]) -> Result<Option<DateTime<Utc>>>;
    /// Counts a failed login against each key (a count older than `glemt_foer` starts over)
    /// and sets each key's pause by `pause(key index, failures)`, atomically per key.
    async fn register_login_fejl(
        &self,
        noegler: &[String],
        now: DateTime<Utc>,
        glemt_foer: DateTime<Utc>,
        pause: &(dyn Fn(usize, i64) -> chrono::Duration + Sync),
    ) -> Result<()>;
    /// Forgets the failures of the keys (after a successful login).
    async fn clear_login_fejl(&self, noegler: &[String]) -> Result<()>;
    /// Forgets failures older than `foer` (housekeeping).
    async fn delete_old_login_fejl(&self, foer: DateTime<Utc>) -> Result<u64>;
    /// The newest audit events, newest first.
    async fn audit_events(&self, limit: u32) -> Result<Vec<AuditRecord>>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub kommune: Option<Kommunekode>,
    pub organisationer: Vec<OrganisationId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub kommune: Option<Kommunekode>,
    /// The organisations the user belongs to.
    pub organisationer: Vec<OrganisationId>,
    /// The organisations those administer (an administration organisation's staff act for
    /// them).
    pub administrerede: Vec<OrganisationId>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A login session. Only the SHA-256 of the token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A personal API key as made (its token is shown once and stored only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiNoegle {
    pub bruger: UserId,
    pub navn: String,
    pub token_hash: String,
    pub oprettet: DateTime<Utc>,
    pub udloeber: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiNoegleRecord {
    pub id: ApiNoegleId,
    pub noegle: NewApiNoegle,
    pub tilbagekaldt: Option<DateTime<Utc>>,
}
