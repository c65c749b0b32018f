//! Users, login sessions, personal API keys and the append-only audit log.

use crate::{ApiNoegleId, AuditEvent, AuditRecord, Result, Side, Udsnit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::access::{Role, UserId};
use domain::master::OrganisationId;
use domain::{Cvr, Kommunekode};

#[async_trait]
pub trait BrugerStore: Send + Sync {
    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> Result<UserId>;
    async fn user(&self, id: UserId) -> Result<Option<UserRecord>>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>>;
    /// Every user, by user name.
    async fn users(&self) -> Result<Vec<UserRecord>>;
    /// A page of the users matching `filter`, by user name.
    async fn search_users(&self, filter: &BrugerFilter, side: Side) -> Result<Udsnit<UserRecord>>;
    /// The account provisioned for a provider's identity.
    async fn user_by_ekstern_id(&self, ekstern_id: &str) -> Result<Option<UserRecord>>;
    /// Brings a provisioned account up to date with what its provider said at login: name,
    /// e-mail, CVR, role and scope.
    async fn update_provisioned_user(&self, id: UserId, user: &NewUser, audit: &AuditEvent) -> Result<()>;
    /// Ends everything a user is signed in with: sessions are deleted and active API keys
    /// revoked (their rights were withdrawn). The account is kept.
    async fn end_user_access(&self, id: UserId, at: DateTime<Utc>, audit: &AuditEvent) -> Result<()>;

    /// A login begun at the provider, until it comes back.
    async fn add_oidc_forsoeg(&self, forsoeg: &OidcForsoeg) -> Result<()>;
    /// Takes (and deletes) the attempt of a `state` hash: an attempt is used once.
    async fn take_oidc_forsoeg(&self, state_hash: &str) -> Result<Option<OidcForsoeg>>;
    /// Forgets attempts that expired before `now` (housekeeping).
    async fn delete_expired_oidc_forsoeg(&self, now: DateTime<Utc>) -> Result<u64>;
    /// Disabling a user also ends every session of theirs.
    async fn set_user_disabled(&self, id: UserId, disabled: bool, audit: &AuditEvent) -> Result<()>;

    async fn create_session(&self, session: &SessionRecord, audit: &AuditEvent) -> Result<()>;
    /// A session with its user, in one read: every request asks this.
    async fn session(&self, token_hash: &str) -> Result<Option<(SessionRecord, UserRecord)>> {
        Ok(self.session_og_stempler(token_hash, Medlaesning::default()).await?.map(|l| (l.session, l.user)))
    }
    /// [`BrugerStore::session`] with the cache stamps as read in the same statement: the
    /// request's caches are then checked against them without a read of their own. With it
    /// what `med` asks for ([`Medlaesning`]), so what the process keeps under those values
    /// needs no read of its own. The engines keep a session they have read and then read only
    /// the stamps, while no change that could end the session or change its user has been
    /// made by any instance (the sessions' stamp, moved by triggers).
    async fn session_og_stempler(&self, token_hash: &str, med: Medlaesning) -> Result<Option<SessionLaest>>;
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
    /// For an account provisioned from a login provider: the provider and the person's
    /// persistent id. `None` for a local account.
    pub ekstern_id: Option<String>,
    /// The CVR number the person logged in with (provisioned accounts).
    pub cvr: Option<Cvr>,
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
    pub ekstern_id: Option<String>,
    pub cvr: Option<Cvr>,
    pub last_login: Option<DateTime<Utc>>,
}

impl UserRecord {
    /// Provisioned from a login provider (no password of ours).
    pub fn is_provisioned(&self) -> bool {
        self.ekstern_id.is_some()
    }
}

/// Which users the agency's account page lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrugerFilter {
    /// Part of the user name, name, e-mail or CVR number (case-insensitive).
    pub tekst: Option<String>,
    pub rolle: Option<Role>,
    /// `Some(true)`: only provisioned accounts; `Some(false)`: only local ones.
    pub provisioneret: Option<bool>,
    /// `Some(true)`: only disabled accounts.
    pub deaktiveret: Option<bool>,
}

/// A login begun at the provider: what the callback needs to finish it. Only the hash of
/// `state` is the key; the browser holds the state itself in a cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcForsoeg {
    pub state_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The local path to go to after login.
    pub naeste: String,
    pub expires_at: DateTime<Utc>,
}

/// A login session. Only the SHA-256 of the token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The provider's ID token of a national login, kept as the hint for logging out there.
    pub id_token: Option<String>,
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

/// A session as read at the start of a request ([`BrugerStore::session_og_stempler`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionLaest {
    pub session: SessionRecord,
    pub user: UserRecord,
    pub stempler: crate::CacheStempler,
    /// The revision of the package asked about, when it exists.
    pub pakke_revision: Option<crate::Revision>,
    /// The fingerprint of the packages the user's overview lists, when asked for: a kommune
    /// user's kommune's, an organisation user's organisations' (none for the agency).
    pub oversigtens_pakker: Option<crate::PakkeStempel>,
}

/// What a request's read of its session brings along, so the request needs no read of its own
/// for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Medlaesning {
    /// The revision of this package (the one the request's path names).
    pub pakke: Option<crate::PakkeId>,
    /// The fingerprint of the packages the user's overview lists: a kommune user's kommune's
    /// ([`crate::PakkeStore::kommunens_pakkestempel`]), an organisation user's organisations'
    /// ([`crate::PakkeStore::organisationernes_pakkestempel`]). Their pages are kept under it.
    pub oversigtens_pakker: bool,
}
