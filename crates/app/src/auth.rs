//! Local accounts: Argon2id passwords, hashed session tokens, CSRF tokens per session.

use crate::{App, AppError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use domain::access::{Principal, Role};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::sync::OnceLock;
use store::{PakkeId, SessionRecord};

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub principal: Principal,
    pub username: String,
    pub display_name: String,
    /// The token every unsafe form must carry back.
    pub csrf_token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// When the session began: it may be extended up to the absolute limit from here.
    pub session_created: chrono::DateTime<chrono::Utc>,
    /// The cache stamps as read with the session at the start of the request (none after a
    /// login): a request that changes no stamp checks its caches against them
    /// ([`crate::med_stemplerne_fra`]).
    pub(crate) stempler: Option<store::CacheStempler>,
    /// The package the request's path names, with its revision as read with the session (in
    /// the same statement as `stempler`): [`App::pakke_view`] needs no read of the package
    /// when the process keeps it under both.
    pub(crate) pakkehint: Option<Pakkehint>,
}

/// What a request is about to do, for [`App::authenticate_for`]: the read of its session
/// brings along what the request would otherwise read on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forespoergsel {
    /// Reads the package its path names and changes nothing (GET, HEAD): every read of the
    /// request may use the revision read with the session.
    Pakkelaesning(PakkeId),
    /// Saves answers in the package its path names, reading it once first: only that first
    /// read may use the revision read with the session; a read after the write must see it.
    Pakkegemning(PakkeId),
    /// Reads an overview page (a kommune's or an organisation's) and changes nothing: a kommune
    /// user's pages are kept under the fingerprint of the kommune's packages, an organisation
    /// user's overview under that of its organisations' packages, read with the session.
    Oversigtslaesning,
}

/// The package's revision as read with the session.
#[derive(Debug, Clone)]
pub(crate) struct Pakkehint {
    pub id: PakkeId,
    pub revision: store::Revision,
    /// For a save: set once its first read of the package has used (or passed) the hint.
    pub brugt: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl Pakkehint {
    /// The revision for a read of package `id` now, if this read may use it.
    pub(crate) fn til(&self, id: PakkeId) -> Option<store::Revision> {
        if self.id != id {
            return None;
        }
        // A save's later reads come after its write.
        if let Some(brugt) = &self.brugt
            && brugt.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return None;
        }
        Some(self.revision)
    }
}

pub enum LoginOutcome {
    /// `token` goes in the cookie; only its hash is stored.
    Success { token: String, user: Box<SessionUser> },
    /// Unknown user, wrong password or disabled account: one answer for all.
    Failed,
    /// Too many failures lately for this account or address: try again after `til`. The
    /// password was not checked.
    Pause { til: chrono::DateTime<chrono::Utc> },
    /// The password was right, but local accounts are turned off for this user's role: they
    /// log in through the national login.
    KunNationalLogin,
}

/// How failed logins slow further attempts down. Every key counts its failures within
/// `vindue`; from its threshold on, each failure doubles the key's pause, up to its maximum.
/// The account on its own has a high threshold and a short maximum, so failures from
/// elsewhere can slow its owner down for seconds but never lock them out.
#[derive(Debug, Clone)]
pub struct LoginGraenser {
    /// Failures of one account from one address.
    pub konto_fra_adresse: i64,
    /// Failures of one account from anywhere.
    pub konto: i64,
    /// Failures from one address, over all accounts. Kept high with a short pause: many
    /// people can share an address (an office, a kommune's network).
    pub adresse: i64,
    pub vindue: std::time::Duration,
    /// The longest pause of an account from one address.
    pub max_pause: std::time::Duration,
    /// The longest pause of an account from anywhere, and of an address.
    pub max_pause_konto: std::time::Duration,
}

impl Default for LoginGraenser {
    fn default() -> Self {
        LoginGraenser {
            konto_fra_adresse: 10,
            konto: 20,
            adresse: 100,
            // Longer than the longest pause, so waiting one out does not wipe the count.
            vindue: std::time::Duration::from_secs(60 * 60),
            max_pause: std::time::Duration::from_secs(15 * 60),
            max_pause_konto: std::time::Duration::from_secs(60),
        }
    }
}

/// The pause after `fejl` failures on a key with this threshold and maximum: none below the
/// threshold, then 1, 2, 4 … seconds.
fn login_pause(fejl: i64, taerskel: i64, max: std::time::Duration) -> chrono::Duration {
    if fejl < taerskel {
        return chrono::Duration::zero();
    }
    let sekunder = 1u64.checked_shl(u32::try_from(fejl - taerskel).unwrap_or(u32::MAX)).unwrap_or(u64::MAX);
    chrono::Duration::from_std(std::time::Duration::from_secs(sekunder).min(max)).unwrap_or(chrono::Duration::zero())
}

/// A configured duration as a span of calendar time.
fn varighed(d: std::time::Duration) -> Result<chrono::Duration, AppError> {
    chrono::Duration::from_std(d).map_err(|e| AppError::internal("varighed", e))
}

/// A random 256-bit token, hex-encoded: session tokens, API keys and secrets.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Argon2id with the crate's recommended parameters.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| AppError::internal_msg(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal_msg(format!("adgangskode-hash: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A real hash of a random password, verified against for unknown users so that they take
/// as long to refuse as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).expect("hashing works"))
}

/// Runs an Argon2 computation off the async runtime, at most one per core at a time: each
/// takes some 19 MiB and a few milliseconds of CPU, so a burst of logins queues here instead of
/// taking every core and hundreds of megabytes at once.
async fn argon2<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    static PLADSER: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    let pladser = PLADSER.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
    });
    let _plads = pladser.acquire().await.map_err(|e| AppError::internal("hash: ingen plads", e))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::internal("hash stoppede", e))
}

impl App {
    pub async fn hash_password(&self, password: String) -> Result<String, AppError> {
        argon2(move || hash_password(&password)).await?
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<LoginOutcome, AppError> {
        self.login_fra(username, password, None).await
    }

    /// Logs in from a client address (when known), within the throttle of [`LoginGraenser`]:
    /// while a key is paused, the password is not even checked.
    pub async fn login_fra(
        &self,
        username: &str,
        password: &str,
        adresse: Option<std::net::IpAddr>,
    ) -> Result<LoginOutcome, AppError> {
        let navn: String = username.trim().to_lowercase().chars().take(100).collect();
        let graenser = &self.settings.login;
        // (key, threshold, longest pause); the account-from-address key first.
        let mut noegler: Vec<(String, i64, std::time::Duration)> = Vec::new();
        if let Some(a) = adresse {
            noegler.push((format!("konto@adresse:{navn}@{a}"), graenser.konto_fra_adresse, graenser.max_pause));
        }
        noegler.push((format!("konto:{navn}"), graenser.konto, graenser.max_pause_konto));
        // The address over all accounts, unless it is this machine: then it is a proxy or a
        // tool in front of every user, and would slow everybody down.
        if let Some(a) = adresse.filter(|a| !a.is_loopback()) {
            noegler.push((format!("adresse:{a}"), graenser.adresse, graenser.max_pause_konto));
        }
        let navne: Vec<String> = noegler.iter().map(|(n, _, _)| n.clone()).collect();
        let now = self.now();
        if let Some(til) = self.store.login_pause(&navne).await?.filter(|til| *til > now) {
            metrics::counter!("styringsdialog_login_failures_total", "grund" => "pause").increment(1);
            return Ok(LoginOutcome::Pause { til });
        }
        let outcome = self.check_password(username, password).await?;
        match &outcome {
            LoginOutcome::Failed => {
                metrics::counter!("styringsdialog_login_failures_total", "grund" => "adgangskode").increment(1);
                let vindue = varighed(graenser.vindue)?;
                let pause = |i: usize, fejl: i64| {
                    let (_, taerskel, max) = &noegler[i];
                    login_pause(fejl, *taerskel, *max)
                };
                self.store.register_login_fejl(&navne, now, now - vindue, &pause).await?;
            }
            LoginOutcome::Success { .. } if adresse.is_some() => {
                // This account from this address is trusted again; the others keep counting.
                self.store.clear_login_fejl(&navne[..1]).await?;
            }
            _ => {}
        }
        Ok(outcome)
    }

    async fn check_password(&self, username: &str, password: &str) -> Result<LoginOutcome, AppError> {
        let user = self.store.user_by_username(username.trim()).await?;
        let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_string());
        let password = password.to_string();
        let valid = argon2(move || verify_password(&password, &hash)).await?;
        let user = match user {
            Some(u) if valid && !u.disabled && !self.local_login_allowed(u.role) => {
                let audit = self.audit(
                    Some(u.id),
                    "login_afvist",
                    "bruger",
                    &u.username,
                    json!({"grund": "lokale_konti_slaaet_fra"}),
                );
                self.store.append_audit(&audit).await?;
                metrics::counter!("styringsdialog_login_failures_total", "grund" => "kun_national_login").increment(1);
                return Ok(LoginOutcome::KunNationalLogin);
            }
            Some(u) if valid && !u.disabled => u,
            other => {
                let audit =
                    self.audit(other.as_ref().map(|u| u.id), "login_afvist", "bruger", username.trim(), json!({}));
                self.store.append_audit(&audit).await?;
                return Ok(LoginOutcome::Failed);
            }
        };
        let (token, session) = self.new_session(user.id, None)?;
        let audit = self.audit(Some(user.id), "login", "bruger", user.id.0, json!({}));
        self.store.create_session(&session, &audit).await?;
        Ok(LoginOutcome::Success { token, user: Box::new(session_user(user, &session)) })
    }

    /// A new session of a user from now, and its token (only the token's hash is stored).
    /// `id_token` is the provider's, for a national login.
    pub(crate) fn new_session(
        &self,
        user: domain::access::UserId,
        id_token: Option<String>,
    ) -> Result<(String, SessionRecord), AppError> {
        let token = random_token();
        let now = self.now();
        let session = SessionRecord {
            token_hash: token_hash(&token),
            user_id: user,
            csrf_token: random_token(),
            created_at: now,
            expires_at: self.session_expiry(now, now)?,
            id_token,
        };
        Ok((token, session))
    }

    /// Whether local accounts of this role may log in (the agency's always may: break-glass).
    pub fn local_login_allowed(&self, role: Role) -> bool {
        self.settings.lokale_konti == crate::LokaleKonti::Alle || role == Role::Styrelse
    }

    /// When a session made at `created` expires if it is (re)started at `now`: one idle
    /// period on, but never past the absolute limit.
    pub(crate) fn session_expiry(
        &self,
        created: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
        Ok((now + varighed(self.settings.session_ttl)?).min(created + varighed(self.settings.session_max)?))
    }

    /// The user behind a session token, if the session is valid.
    pub async fn authenticate(&self, token: &str) -> Result<Option<SessionUser>, AppError> {
        self.authenticate_for(token, None).await
    }

    /// [`App::authenticate`] for a request that says what it is about to do: what it would
    /// read first is read with the session, in the same statement.
    pub async fn authenticate_for(
        &self,
        token: &str,
        forespoergsel: Option<Forespoergsel>,
    ) -> Result<Option<SessionUser>, AppError> {
        let now = self.now();
        let max = varighed(self.settings.session_max)?;
        let (id, gemning) = match forespoergsel {
            Some(Forespoergsel::Pakkelaesning(id)) => (Some(id), false),
            Some(Forespoergsel::Pakkegemning(id)) => (Some(id), true),
            _ => (None, false),
        };
        let med = store::Medlaesning {
            pakke: id,
            oversigtens_pakker: forespoergsel == Some(Forespoergsel::Oversigtslaesning),
        };
        match self.store.session_og_stempler(&token_hash(token), med).await? {
            Some(laest)
                if laest.session.expires_at > now && laest.session.created_at + max > now && !laest.user.disabled =>
            {
                // A request that changes nothing uses them at once (see `med_faste_stempler`).
                let oversigt = match (laest.user.role, laest.user.kommune) {
                    (Role::Kommune, Some(kommune)) => Some(crate::stempelkort::Oversigt::Kommune(kommune)),
                    (Role::Organisation, _) => Some(crate::stempelkort::Oversigt::Organisationer(laest.user.id)),
                    _ => None,
                };
                crate::stempelkort::kendte_stempler(laest.stempler, oversigt.zip(laest.oversigtens_pakker));
                Ok(Some(SessionUser {
                    stempler: Some(laest.stempler),
                    pakkehint: id.zip(laest.pakke_revision).map(|(id, revision)| Pakkehint {
                        id,
                        revision,
                        brugt: gemning.then(Default::default),
                    }),
                    ..session_user(laest.user, &laest.session)
                }))
            }
            _ => Ok(None),
        }
    }

    /// Keeps a signed-in user signed in for another full session length (the warning before
    /// expiry offers it, so work in a long form is not lost). Returns the new expiry.
    pub async fn extend_session(
        &self,
        token: &str,
        user: &SessionUser,
    ) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
        let expires_at = self.session_expiry(user.session_created, self.now())?;
        let audit = self.audit(
            Some(user.principal.user_id),
            "session_forlaenget",
            "bruger",
            user.principal.user_id.0,
            json!({}),
        );
        self.store.extend_session(&token_hash(token), expires_at, &audit).await.map_err(|e| match e {
            store::StoreError::Stale => AppError::Unauthenticated,
            other => other.into(),
        })?;
        Ok(expires_at)
    }

    /// The user's sessions that have not expired, newest first, each marked if it is the one
    /// of `token` (this browser).
    pub async fn mine_sessioner(
        &self,
        user: &SessionUser,
        token: &str,
    ) -> Result<Vec<(SessionRecord, bool)>, AppError> {
        let denne = token_hash(token);
        let sessioner = self.store.user_sessions(user.principal.user_id, self.now()).await?;
        Ok(sessioner
            .into_iter()
            .map(|s| {
                let er_denne = s.token_hash == denne;
                (s, er_denne)
            })
            .collect())
    }

    /// Ends another of the user's own sessions, named by its token's hash (the token itself
    /// is never shown again). Another user's session is not found.
    pub async fn afslut_session(&self, user: &SessionUser, session_hash: &str) -> Result<(), AppError> {
        let audit = self.audit(
            Some(user.principal.user_id),
            "session_afsluttet",
            "bruger",
            user.principal.user_id.0,
            json!({"session": session_hash.get(..12).unwrap_or(session_hash)}),
        );
        self.store.end_user_session(user.principal.user_id, session_hash, &audit).await.map_err(|e| match e {
            store::StoreError::Stale => AppError::NotFound,
            other => other.into(),
        })
    }

    /// Ends the session. For a session from the national login, returns where to send the
    /// browser to end the provider's session too (RP-initiated logout), when it offers that.
    pub async fn logout(&self, token: &str, user: &SessionUser) -> Result<Option<String>, AppError> {
        let id_token = self.session_id_token(token).await?;
        let audit = self.audit(Some(user.principal.user_id), "logout", "bruger", user.principal.user_id.0, json!({}));
        self.store.delete_session(&token_hash(token), &audit).await?;
        Ok(self.oidc_logout_url(id_token.as_deref()).await)
    }

    /// Makes a personal API key for integrations. Returns its id and the key itself, which is
    /// shown this once; only its hash is stored.
    pub async fn opret_api_noegle(
        &self,
        user: &SessionUser,
        navn: &str,
    ) -> Result<(store::ApiNoegleId, String), AppError> {
        let navn = navn.trim();
        if navn.is_empty() {
            return Err(AppError::field("navn", "Giv nøglen et navn, så du kan kende den igen, fx systemets navn"));
        }
        let token = format!("sd_{}", random_token());
        let ttl = varighed(self.settings.api_noegle_ttl)?;
        let noegle = store::NewApiNoegle {
            bruger: user.principal.user_id,
            navn: navn.to_string(),
            token_hash: token_hash(&token),
            oprettet: self.now(),
            udloeber: self.now() + ttl,
        };
        let audit = self.audit(
            Some(user.principal.user_id),
            "api_noegle_oprettet",
            "bruger",
            user.principal.user_id.0,
            json!({"navn": navn}),
        );
        let id = self.store.add_api_noegle(&noegle, &audit).await?;
        Ok((id, token))
    }

    /// The user's own API keys (never their tokens).
    pub async fn api_noegler(&self, user: &SessionUser) -> Result<Vec<store::ApiNoegleRecord>, AppError> {
        Ok(self.store.api_noegler(user.principal.user_id).await?)
    }

    /// Revokes one of the user's own keys; it is kept, and refused from then on.
    pub async fn tilbagekald_api_noegle(&self, user: &SessionUser, id: store::ApiNoegleId) -> Result<(), AppError> {
        let audit = self.audit(Some(user.principal.user_id), "api_noegle_tilbagekaldt", "api_noegle", id, json!({}));
        self.store.revoke_api_noegle(id, user.principal.user_id, self.now(), &audit).await.map_err(|e| match e {
            store::StoreError::Stale => AppError::NotFound,
            other => AppError::Store(other),
        })
    }

    /// The user behind a personal API key, if it is valid (not revoked, not expired, the user
    /// active). Such a user has no CSRF token: a key only works as a bearer token on the API.
    pub async fn authenticate_api_noegle(&self, token: &str) -> Result<Option<SessionUser>, AppError> {
        let Some((k, user)) = self.store.api_noegle(&token_hash(token)).await? else { return Ok(None) };
        if k.tilbagekaldt.is_some() || k.noegle.udloeber <= self.now() || user.disabled {
            return Ok(None);
        }
        let session = SessionRecord {
            token_hash: k.noegle.token_hash.clone(),
            user_id: user.id,
            csrf_token: random_token(),
            created_at: k.noegle.oprettet,
            expires_at: k.noegle.udloeber,
            id_token: None,
        };
        Ok(Some(session_user(user, &session)))
    }

    /// An enabled account acting from the command line, with the role and scope it has when
    /// it signs in. The operator already holds the database, so no password is asked; no
    /// session is stored, and the command is written to the audit log.
    pub async fn command_line_user(&self, username: &str, kommando: &str) -> Result<SessionUser, AppError> {
        let user = match self.store.user_by_username(username.trim()).await? {
            Some(u) if !u.disabled => u,
            _ => return Err(AppError::NotFound),
        };
        let audit =
            self.audit(Some(user.id), "kommandolinje", "bruger", &user.username, json!({ "kommando": kommando }));
        self.store.append_audit(&audit).await?;
        let now = self.now();
        let session = SessionRecord {
            token_hash: String::new(),
            user_id: user.id,
            csrf_token: random_token(),
            created_at: now,
            expires_at: now + chrono::Duration::hours(12),
            id_token: None,
        };
        Ok(session_user(user, &session))
    }
}

/// The principal of a session: the user's role and scope. Staff of an administration
/// organisation act for the organisations it administers.
pub(crate) fn session_user(user: store::UserRecord, session: &SessionRecord) -> SessionUser {
    let mut organisationer: BTreeSet<_> = user.organisationer.iter().copied().collect();
    if user.role == Role::Organisation {
        organisationer.extend(user.administrerede.iter().copied());
    }
    SessionUser {
        principal: Principal { user_id: user.id, role: user.role, kommune: user.kommune, organisationer },
        username: user.username,
        display_name: user.display_name,
        csrf_token: session.csrf_token.clone(),
        expires_at: session.expires_at,
        session_created: session.created_at,
        stempler: None,
        pakkehint: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_and_verify() {
        let hash = hash_password("hemmeligt kodeord").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("hemmeligt kodeord", &hash));
        assert!(!verify_password("forkert", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashes_differ_from_tokens() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn a_saves_hint_serves_only_its_first_read() {
        let id = PakkeId(7);
        let laesning = Pakkehint { id, revision: store::Revision(3), brugt: None };
        assert_eq!(laesning.til(PakkeId(8)), None, "another package");
        assert_eq!((laesning.til(id), laesning.til(id)), (Some(store::Revision(3)), Some(store::Revision(3))));
        let gemning = Pakkehint { brugt: Some(Default::default()), ..laesning };
        assert_eq!(gemning.til(id), Some(store::Revision(3)), "the read before the write");
        assert_eq!(gemning.til(id), None, "a read after the write reads the package");
    }
}
