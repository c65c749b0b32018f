//! National login: OpenID Connect with a MitID Erhverv broker (docs/architecture.md, "Login").
//!
//! The authorization code flow with PKCE, `state` and `nonce`; the ID token's signature,
//! issuer, audience, expiry and nonce are checked by the `openidconnect` crate against the
//! provider's discovery document and keys. A login is then mapped to an account by data: the
//! CVR number it carries names the organisation, the kommune or the agency, and the rights
//! the person's own organisation granted (a configurable claim) decide whether they may act.
//! Accounts are provisioned at the first login and brought up to date at every later one; a
//! person whose rights were withdrawn loses their sessions and API keys at the next login.

use crate::auth::{SessionUser, session_user, token_hash};
use crate::{App, AppError};
use base64::Engine;
use domain::Cvr;
use domain::access::Role;
use domain::master::{Kommune, Organisation};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, LogoutRequest, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, RequestTokenError, Scope,
    TokenResponse, reqwest,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use store::{NewUser, OidcForsoeg, UserRecord};

/// The start of every provisioned account's user name; local accounts may not use it.
pub(crate) const BRUGERNAVN_PREFIKS: &str = "mitid-";

/// The password hash of a provisioned account: no password verifies against it, so such an
/// account can only log in through its provider.
const INGEN_ADGANGSKODE: &str = "!national-login";

/// The login provider of a deployment. Brokers name their claims differently, so every claim
/// name is configuration; the defaults are the names MitID Erhverv brokers commonly use.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcSettings {
    /// The provider's issuer URL; its discovery document is read from
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// Empty for a public client (PKCE only).
    pub client_secret: String,
    /// Where the provider sends the browser back: `https://<host>/log-ind/mitid/retur`.
    pub redirect_url: String,
    /// Where the provider sends the browser after logging out there (RP-initiated logout);
    /// empty to log out only here.
    pub post_logout_redirect_url: String,
    pub scopes: Vec<String>,
    pub claims: ClaimNavne,
    pub rettigheder: Rettigheder,
    /// The agency's CVR numbers: logins from them act as the agency.
    pub styrelse_cvr: Vec<Cvr>,
    /// What the login button and pages call the provider.
    pub navn: String,
    /// Minutes a login begun at the provider may take to come back.
    pub forsoeg_minutter: u64,
    /// The levels of assurance a login must have (`acr`), asked for and checked; empty to
    /// accept the broker's default. For MitID Erhverv at NSIS "betydelig":
    /// `https://data.gov.dk/concept/core/nsis/loa/Substantial` (and `…/High`).
    pub acr_values: Vec<String>,
}

impl Default for OidcSettings {
    fn default() -> Self {
        OidcSettings {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            redirect_url: String::new(),
            post_logout_redirect_url: String::new(),
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            claims: ClaimNavne::default(),
            rettigheder: Rettigheder::default(),
            styrelse_cvr: Vec::new(),
            navn: "MitID Erhverv".into(),
            forsoeg_minutter: 10,
            acr_values: Vec::new(),
        }
    }
}

/// The names of the claims a login is read from. A name is looked up as a key first (brokers
/// use flat names with dots, such as `nemlogin.cvr`), then as a path into nested objects.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimNavne {
    pub cvr: String,
    /// The person's persistent id at the provider (stays the same across logins).
    pub person_id: String,
    pub navn: String,
    pub email: String,
    /// The name of the organisation the person logged in for (shown when refused).
    pub organisation_navn: String,
    /// The rights the person's organisation granted: a list, or one text with the rights
    /// separated by spaces or commas.
    pub rettigheder: String,
}

impl Default for ClaimNavne {
    fn default() -> Self {
        ClaimNavne {
            cvr: "nemlogin.cvr".into(),
            person_id: "nemlogin.persistent_professional_id".into(),
            navn: "name".into(),
            email: "email".into(),
            organisation_navn: "nemlogin.org_name".into(),
            rettigheder: "nemlogin.rights".into(),
        }
    }
}

/// Which granted rights give which role. The CVR decides who the person acts for; the right
/// decides whether they may. Each organisation's own administrator grants the right (in
/// MitID Erhverv's user administration).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Rettigheder {
    pub organisation: Vec<String>,
    pub kommune: Vec<String>,
    pub styrelse: Vec<String>,
}

impl Default for Rettigheder {
    fn default() -> Self {
        Rettigheder {
            organisation: vec!["styringsdialog_boligorganisation".into()],
            kommune: vec!["styringsdialog_kommune".into()],
            styrelse: vec!["styringsdialog_styrelse".into()],
        }
    }
}

impl Rettigheder {
    fn for_role(&self, role: Role) -> &[String] {
        match role {
            Role::Organisation => &self.organisation,
            Role::Kommune => &self.kommune,
            Role::Styrelse => &self.styrelse,
        }
    }
}

/// Who came back from the provider, as far as the claims said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identitet {
    pub navn: String,
    pub email: Option<String>,
    pub cvr: Option<Cvr>,
    pub organisation_navn: Option<String>,
}

/// What a login through the provider came to when it did not sign the person in. Each has
/// its own page: the person learns what happened and what to do, never a bare 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OidcAfvisning {
    /// The person cancelled at the provider, or the provider refused (`error` came back).
    Afbrudt { fejl: String },
    /// The answer did not belong to a login begun in this browser (no, wrong, used or
    /// expired `state`).
    UgyldigTilstand,
    /// The provider did not accept the code (already used, expired, or not ours).
    KodeAfvist,
    /// The ID token failed its checks (signature, issuer, audience, expiry, nonce, level of
    /// assurance). Why is logged and audited, not shown.
    UgyldigToken,
    /// A claim the login needs was missing or malformed.
    ManglerOplysninger { claim: String, identitet: Box<Identitet> },
    /// No organisation, kommune or the agency has this CVR number.
    UkendtCvr { identitet: Box<Identitet> },
    /// The CVR is known, but the person's organisation has not granted them the right.
    ManglerRettighed { identitet: Box<Identitet>, for_hvem: String, rolle: Role, rettighed: String },
    /// The agency has disabled the account.
    Spaerret { identitet: Box<Identitet> },
    /// The provider could not be reached or answered nonsense.
    UdbyderUtilgaengelig,
}

impl OidcAfvisning {
    /// The refusal's label in the metrics (a fixed set, never a person's details).
    pub fn metrik(&self) -> &'static str {
        match self {
            OidcAfvisning::Afbrudt { .. } => "national_afbrudt",
            OidcAfvisning::UgyldigTilstand => "national_ugyldig_tilstand",
            OidcAfvisning::KodeAfvist => "national_kode_afvist",
            OidcAfvisning::UgyldigToken => "national_ugyldig_token",
            OidcAfvisning::ManglerOplysninger { .. } => "national_mangler_oplysninger",
            OidcAfvisning::UkendtCvr { .. } => "national_ukendt_cvr",
            OidcAfvisning::ManglerRettighed { .. } => "national_mangler_rettighed",
            OidcAfvisning::Spaerret { .. } => "national_spaerret",
            OidcAfvisning::UdbyderUtilgaengelig => "national_udbyder_utilgaengelig",
        }
    }
}

pub enum OidcUdfald {
    /// `token` goes in the session cookie; `naeste` is where the login was begun from.
    LoggetInd {
        token: String,
        user: Box<SessionUser>,
        naeste: String,
    },
    Afvist(OidcAfvisning),
}

/// The error codes of an authorization response (RFC 6749 4.1.2.1, OpenID Connect Core
/// 3.1.2.6).
const OAUTH_FEJL: &[&str] = &[
    "access_denied",
    "invalid_request",
    "unauthorized_client",
    "unsupported_response_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
    "interaction_required",
    "login_required",
    "account_selection_required",
    "consent_required",
];

/// The provider's discovery document (with its keys), read at the first login and again when
/// it is an hour old or a token is signed with a key it does not hold.
pub(crate) struct Udbyder {
    settings: OidcSettings,
    http: Option<reqwest::Client>,
    metadata: tokio::sync::RwLock<Option<(Arc<ProviderMetadataWithLogout>, std::time::Instant)>>,
}

const METADATA_MAX_ALDER: std::time::Duration = std::time::Duration::from_secs(3600);

impl Udbyder {
    pub(crate) fn new(settings: OidcSettings) -> Self {
        // No redirects: the token endpoint must answer itself (the crate's advice against SSRF).
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|e| tracing::error!("HTTP-klienten til login-udbyderen kunne ikke bygges: {e}"))
            .ok();
        Udbyder { settings, http, metadata: tokio::sync::RwLock::new(None) }
    }

    fn http(&self) -> Result<&reqwest::Client, OidcAfvisning> {
        self.http.as_ref().ok_or(OidcAfvisning::UdbyderUtilgaengelig)
    }

    async fn metadata(&self, forny: bool) -> Result<Arc<ProviderMetadataWithLogout>, OidcAfvisning> {
        if !forny
            && let Some((m, hentet)) = self.metadata.read().await.as_ref()
            && hentet.elapsed() < METADATA_MAX_ALDER
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| {
            tracing::error!("oidc.issuer er ikke en gyldig adresse: {e}");
            OidcAfvisning::UdbyderUtilgaengelig
        })?;
        let m = ProviderMetadataWithLogout::discover_async(issuer, self.http()?).await.map_err(|e| {
            tracing::warn!("login-udbyderens discovery fejlede: {e}");
            OidcAfvisning::UdbyderUtilgaengelig
        })?;
        let m = Arc::new(m);
        *self.metadata.write().await = Some((m.clone(), std::time::Instant::now()));
        Ok(m)
    }

    fn client(
        &self,
        metadata: &ProviderMetadataWithLogout,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        OidcAfvisning,
    > {
        let secret = Some(self.settings.client_secret.clone()).filter(|s| !s.is_empty()).map(ClientSecret::new);
        let redirect = RedirectUrl::new(self.settings.redirect_url.clone()).map_err(|e| {
            tracing::error!("oidc.redirect_url er ikke en gyldig adresse: {e}");
            OidcAfvisning::UdbyderUtilgaengelig
        })?;
        Ok(CoreClient::from_provider_metadata(metadata.clone(), ClientId::new(self.settings.client_id.clone()), secret)
            .set_redirect_uri(redirect))
    }
}

/// A claim by name: the key itself, else a path of nested keys.
fn claim<'a>(claims: &'a Value, navn: &str) -> Option<&'a Value> {
    if navn.is_empty() {
        return None;
    }
    claims.get(navn).or_else(|| navn.split('.').try_fold(claims, |v, del| v.get(del))).filter(|v| !v.is_null())
}

fn claim_tekst(claims: &Value, navn: &str) -> Option<String> {
    match claim(claims, navn)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The granted rights: a list of texts, or one text separated by spaces, commas or semicolons.
fn claim_rettigheder(claims: &Value, navn: &str) -> Vec<String> {
    let split = |s: &str| -> Vec<String> {
        s.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect()
    };
    match claim(claims, navn) {
        Some(Value::String(s)) => split(s),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).flat_map(split).collect(),
        _ => Vec::new(),
    }
}

/// The claims of a token whose signature was just verified, as JSON.
fn payload(id_token: &str) -> Option<Value> {
    let del = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(del.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Whom a CVR number stands for.
enum Tilhoer {
    Styrelse,
    Kommune(Kommune),
    Organisationer(Vec<Organisation>),
}

impl Tilhoer {
    fn role(&self) -> Role {
        match self {
            Tilhoer::Styrelse => Role::Styrelse,
            Tilhoer::Kommune(_) => Role::Kommune,
            Tilhoer::Organisationer(_) => Role::Organisation,
        }
    }

    fn navn(&self) -> String {
        match self {
            Tilhoer::Styrelse => "Styrelsen".into(),
            Tilhoer::Kommune(k) => format!("{} Kommune", k.navn),
            Tilhoer::Organisationer(o) => o.iter().map(|o| o.navn.as_str()).collect::<Vec<_>>().join(", "),
        }
    }
}

impl App {
    /// True when this deployment logs in through a provider.
    pub fn national_login(&self) -> Option<&OidcSettings> {
        self.udbyder.as_ref().map(|u| &u.settings)
    }

    fn udbyder(&self) -> Result<&Udbyder, AppError> {
        self.udbyder.as_deref().ok_or(AppError::NotFound)
    }

    /// Begins a login at the provider: returns the provider's URL to send the browser to and
    /// the `state`, which the browser keeps in a cookie until it comes back. `naeste` is the
    /// local path to go to afterwards.
    pub async fn oidc_start(&self, naeste: &str) -> Result<Result<(String, String), OidcAfvisning>, AppError> {
        let udbyder = self.udbyder()?;
        let metadata = match udbyder.metadata(false).await {
            Ok(m) => m,
            Err(a) => return Ok(Err(a)),
        };
        let client = match udbyder.client(&metadata) {
            Ok(c) => c,
            Err(a) => return Ok(Err(a)),
        };
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in udbyder.settings.scopes.iter().filter(|s| s.as_str() != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        for acr in &udbyder.settings.acr_values {
            request = request.add_auth_context_value(openidconnect::AuthenticationContextClass::new(acr.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let forsoeg = OidcForsoeg {
            state_hash: token_hash(state.secret()),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            naeste: naeste.to_string(),
            expires_at: self.now() + chrono::Duration::minutes(udbyder.settings.forsoeg_minutter.max(1) as i64),
        };
        self.store.add_oidc_forsoeg(&forsoeg).await?;
        Ok(Ok((url.to_string(), state.secret().clone())))
    }

    /// Finishes a login when the provider sends the browser back. `cookie_state` is the state
    /// this browser kept; `state`, `code` and `error` are the provider's query parameters.
    pub async fn oidc_finish(
        &self,
        cookie_state: Option<&str>,
        state: Option<&str>,
        code: Option<&str>,
        error: Option<&str>,
    ) -> Result<OidcUdfald, AppError> {
        let udfald = self.oidc_finish_checked(cookie_state, state, code, error).await;
        if let Ok(OidcUdfald::Afvist(a)) = &udfald {
            metrics::counter!("styringsdialog_login_failures_total", "grund" => a.metrik()).increment(1);
        }
        udfald
    }

    async fn oidc_finish_checked(
        &self,
        cookie_state: Option<&str>,
        state: Option<&str>,
        code: Option<&str>,
        error: Option<&str>,
    ) -> Result<OidcUdfald, AppError> {
        let udbyder = self.udbyder()?;
        let afvist = |a| Ok(OidcUdfald::Afvist(a));
        // The attempt is taken (used up) whatever else is wrong, so a state works once.
        let forsoeg = match state {
            Some(s) if !s.is_empty() => self.store.take_oidc_forsoeg(&token_hash(s)).await?,
            _ => None,
        };
        // An error answer signs nobody in, so it is shown whatever its state (some providers
        // leave the state out of it).
        if let Some(fejl) = error {
            // Only the standard codes are shown: the text of the link is anybody's to write.
            let kendt = OAUTH_FEJL.iter().find(|k| **k == fejl).copied().unwrap_or("ukendt");
            tracing::info!("login-udbyderen svarede med fejl: {}", fejl.chars().take(100).collect::<String>());
            return afvist(OidcAfvisning::Afbrudt { fejl: kendt.to_string() });
        }
        let (Some(forsoeg), Some(state)) = (forsoeg, state) else { return afvist(OidcAfvisning::UgyldigTilstand) };
        let same_browser = cookie_state.is_some_and(|c| {
            use subtle::ConstantTimeEq;
            bool::from(c.as_bytes().ct_eq(state.as_bytes()))
        });
        if !same_browser || forsoeg.expires_at <= self.now() {
            return afvist(OidcAfvisning::UgyldigTilstand);
        }
        let Some(code) = code.filter(|c| !c.is_empty()) else { return afvist(OidcAfvisning::KodeAfvist) };

        let metadata = match udbyder.metadata(false).await {
            Ok(m) => m,
            Err(a) => return afvist(a),
        };
        let client = match udbyder.client(&metadata) {
            Ok(c) => c,
            Err(a) => return afvist(a),
        };
        let http = match udbyder.http() {
            Ok(h) => h,
            Err(a) => return afvist(a),
        };
        let svar = match client.exchange_code(AuthorizationCode::new(code.to_string())) {
            Ok(request) => {
                request
                    .set_pkce_verifier(PkceCodeVerifier::new(forsoeg.pkce_verifier.clone()))
                    .request_async(http)
                    .await
            }
            Err(e) => {
                tracing::error!("login-udbyderen har intet token-endpoint: {e}");
                return afvist(OidcAfvisning::UdbyderUtilgaengelig);
            }
        };
        let svar = match svar {
            Ok(s) => s,
            Err(RequestTokenError::ServerResponse(e)) => {
                tracing::info!("login-udbyderen afviste koden: {e}");
                return afvist(OidcAfvisning::KodeAfvist);
            }
            Err(e) => {
                tracing::warn!("token-forespørgslen fejlede: {e}");
                return afvist(OidcAfvisning::UdbyderUtilgaengelig);
            }
        };
        let Some(id_token) = svar.id_token() else {
            tracing::warn!("token-svaret havde intet ID-token");
            return afvist(OidcAfvisning::UgyldigToken);
        };
        let nonce = Nonce::new(forsoeg.nonce.clone());
        let now = self.now();
        let acr = &udbyder.settings.acr_values;
        let niveau = move |a: Option<&openidconnect::AuthenticationContextClass>| {
            if acr.is_empty() || a.is_some_and(|a| acr.iter().any(|k| k == a.as_str())) {
                Ok(())
            } else {
                Err(format!("sikringsniveauet {:?} er ikke et af {acr:?}", a.map(|a| a.as_str())))
            }
        };
        let verified = {
            let verifier = client.id_token_verifier().set_time_fn(move || now).set_auth_context_verifier_fn(niveau);
            id_token.claims(&verifier, &nonce).map(|_| ())
        };
        let verified = match verified {
            // The provider may have rotated its keys since the document was read: once more
            // with a fresh one.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                match udbyder.metadata(true).await.and_then(|m| udbyder.client(&m)) {
                    Ok(fresh) => {
                        let verifier =
                            fresh.id_token_verifier().set_time_fn(move || now).set_auth_context_verifier_fn(niveau);
                        id_token.claims(&verifier, &nonce).map(|_| ())
                    }
                    Err(a) => return afvist(a),
                }
            }
            other => other,
        };
        if let Err(e) = verified {
            let audit = self.audit(None, "login_afvist", "national_login", "", json!({"grund": e.to_string()}));
            self.store.append_audit(&audit).await?;
            tracing::warn!("ID-token afvist: {e}");
            return afvist(OidcAfvisning::UgyldigToken);
        }
        let raw = id_token.to_string();
        let Some(claims) = payload(&raw) else {
            tracing::warn!("ID-tokenets indhold kunne ikke læses");
            return afvist(OidcAfvisning::UgyldigToken);
        };
        self.provision(udbyder, &claims, raw, forsoeg.naeste).await
    }

    /// Maps a verified login to its account: CVR to organisation, kommune or agency, rights to
    /// role; provisions or updates the account and opens a session.
    async fn provision(
        &self,
        udbyder: &Udbyder,
        claims: &Value,
        id_token: String,
        naeste: String,
    ) -> Result<OidcUdfald, AppError> {
        let navne = &udbyder.settings.claims;
        let cvr_tekst = claim_tekst(claims, &navne.cvr);
        let mut identitet = Identitet {
            navn: claim_tekst(claims, &navne.navn).unwrap_or_default(),
            email: claim_tekst(claims, &navne.email),
            cvr: cvr_tekst.as_deref().and_then(|c| c.parse().ok()),
            organisation_navn: claim_tekst(claims, &navne.organisation_navn),
        };
        // No fallback to `sub`: the same person under two ids would get two accounts, and a
        // block of one would not hold the other.
        let person_id = claim_tekst(claims, &navne.person_id);
        let cvr_felt = cvr_tekst.clone().unwrap_or_default();
        let afvist = |a: OidcAfvisning, app: &App, grund: &str, navn: &str| {
            let audit =
                app.audit(None, "login_afvist", "national_login", &cvr_felt, json!({"grund": grund, "navn": navn}));
            (a, audit)
        };
        let (Some(cvr), Some(person_id)) = (identitet.cvr, person_id) else {
            let navn = if identitet.cvr.is_none() { &navne.cvr } else { &navne.person_id };
            let a =
                OidcAfvisning::ManglerOplysninger { claim: navn.to_string(), identitet: Box::new(identitet.clone()) };
            let (a, audit) = afvist(a, self, "mangler_oplysninger", &identitet.navn);
            self.store.append_audit(&audit).await?;
            return Ok(OidcUdfald::Afvist(a));
        };
        if identitet.navn.is_empty() {
            identitet.navn = identitet.email.clone().unwrap_or_else(|| format!("Medarbejder i CVR {cvr}"));
        }

        let tilhoer = if udbyder.settings.styrelse_cvr.contains(&cvr) {
            Some(Tilhoer::Styrelse)
        } else if let Some(k) = self.store.kommune_med_cvr(cvr).await? {
            Some(Tilhoer::Kommune(k))
        } else {
            let orgs = self.store.organisationer_med_cvr(cvr).await?;
            (!orgs.is_empty()).then_some(Tilhoer::Organisationer(orgs))
        };
        let ekstern_id = format!("{}|{}", udbyder.settings.issuer, person_id);
        let eksisterende = self.store.user_by_ekstern_id(&ekstern_id).await?;
        let Some(tilhoer) = tilhoer else {
            let (a, audit) = afvist(
                OidcAfvisning::UkendtCvr { identitet: Box::new(identitet.clone()) },
                self,
                "ukendt_cvr",
                &identitet.navn,
            );
            self.store.append_audit(&audit).await?;
            self.withdraw(eksisterende.as_ref(), "ukendt_cvr").await?;
            return Ok(OidcUdfald::Afvist(a));
        };
        let role = tilhoer.role();
        let krav = udbyder.settings.rettigheder.for_role(role);
        let givne = claim_rettigheder(claims, &navne.rettigheder);
        if !givne.iter().any(|r| krav.contains(r)) {
            let a = OidcAfvisning::ManglerRettighed {
                identitet: Box::new(identitet.clone()),
                for_hvem: tilhoer.navn(),
                rolle: role,
                rettighed: krav.first().cloned().unwrap_or_default(),
            };
            let (a, audit) = afvist(a, self, "mangler_rettighed", &identitet.navn);
            self.store.append_audit(&audit).await?;
            self.withdraw(eksisterende.as_ref(), "mangler_rettighed").await?;
            return Ok(OidcUdfald::Afvist(a));
        }
        if eksisterende.as_ref().is_some_and(|u| u.disabled) {
            let (a, audit) = afvist(
                OidcAfvisning::Spaerret { identitet: Box::new(identitet.clone()) },
                self,
                "spaerret",
                &identitet.navn,
            );
            self.store.append_audit(&audit).await?;
            return Ok(OidcUdfald::Afvist(a));
        }

        let ny = NewUser {
            username: format!("{BRUGERNAVN_PREFIKS}{}", &hex::encode(Sha256::digest(ekstern_id.as_bytes()))[..16]),
            display_name: identitet.navn.chars().take(200).collect(),
            email: identitet.email.clone().map(|e| e.chars().take(200).collect()),
            password_hash: INGEN_ADGANGSKODE.into(),
            role,
            kommune: match &tilhoer {
                Tilhoer::Kommune(k) => Some(k.kode),
                _ => None,
            },
            organisationer: match &tilhoer {
                Tilhoer::Organisationer(o) => o.iter().map(|o| o.id).collect(),
                _ => Vec::new(),
            },
            created_at: self.now(),
            ekstern_id: Some(ekstern_id.clone()),
            cvr: Some(cvr),
        };
        let detaljer = json!({"cvr": cvr.to_string(), "rolle": role.as_str(), "for": tilhoer.navn()});
        let user_id = match &eksisterende {
            None => {
                let audit = self.audit(None, "bruger_provisioneret", "bruger", "", detaljer.clone());
                match self.store.create_user(&ny, &audit).await {
                    Ok(id) => id,
                    // Two first logins at once: the other made the account a moment ago.
                    Err(store::StoreError::Conflict(_)) => {
                        self.store.user_by_ekstern_id(&ekstern_id).await?.ok_or(AppError::NotFound)?.id
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Some(u) => {
                let mut organisationer = u.organisationer.clone();
                organisationer.sort();
                let mut nye = ny.organisationer.clone();
                nye.sort();
                let ny_scope = u.role != ny.role || u.kommune != ny.kommune || u.cvr != ny.cvr || organisationer != nye;
                if ny_scope {
                    // What the person was signed in with acted for the old organisation or
                    // kommune: sessions and API keys end before the account takes the new one.
                    self.withdraw(Some(u), "ny_tilknytning").await?;
                }
                if ny_scope || u.display_name != ny.display_name || u.email != ny.email {
                    let audit =
                        self.audit(Some(u.id), "bruger_opdateret_ved_login", "bruger", u.id.0, detaljer.clone());
                    self.store.update_provisioned_user(u.id, &ny, &audit).await?;
                }
                u.id
            }
        };
        let user = self.store.user(user_id).await?.ok_or(AppError::NotFound)?;
        let (token, session) = self.new_session(user.id, Some(id_token))?;
        let audit = self.audit(
            Some(user.id),
            "login",
            "bruger",
            user.id.0,
            json!({"via": udbyder.settings.navn, "cvr": cvr.to_string()}),
        );
        self.store.create_session(&session, &audit).await?;
        Ok(OidcUdfald::LoggetInd { token, user: Box::new(session_user(user, &session)), naeste })
    }

    /// A known person came back without the right or CVR they had: everything they are signed
    /// in with ends now (sessions, API keys); the account is kept for the record.
    async fn withdraw(&self, user: Option<&UserRecord>, grund: &str) -> Result<(), AppError> {
        let Some(user) = user else { return Ok(()) };
        let audit = self.audit(None, "adgang_frataget", "bruger", user.id.0, json!({"grund": grund}));
        self.store.end_user_access(user.id, self.now(), &audit).await?;
        Ok(())
    }

    /// Where to send the browser to log out at the provider as well, for a session that came
    /// from it (RP-initiated logout), if the provider offers it.
    pub async fn oidc_logout_url(&self, id_token: Option<&str>) -> Option<String> {
        let udbyder = self.udbyder.as_deref()?;
        let id_token: CoreIdToken = id_token?.parse().ok()?;
        let endpoint = udbyder.metadata(false).await.ok()?.additional_metadata().end_session_endpoint.clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_id_token_hint(&id_token)
            .set_client_id(ClientId::new(udbyder.settings.client_id.clone()));
        if let Ok(url) = PostLogoutRedirectUrl::new(udbyder.settings.post_logout_redirect_url.clone()) {
            request = request.set_post_logout_redirect_uri(url);
        }
        Some(request.http_get_url().to_string())
    }

    /// The provider's ID token of a session, if it came from the provider.
    pub(crate) async fn session_id_token(&self, token: &str) -> Result<Option<String>, AppError> {
        Ok(self.store.session(&token_hash(token)).await?.and_then(|(s, _)| s.id_token))
    }

    /// Forgets logins begun and never finished.
    pub async fn delete_expired_oidc_forsoeg(&self) -> Result<u64, AppError> {
        Ok(self.store.delete_expired_oidc_forsoeg(self.now()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_found_by_flat_or_nested_name() {
        let c = json!({"nemlogin.cvr": "12345678", "org": {"cvr": 87654321}, "x": null});
        assert_eq!(claim_tekst(&c, "nemlogin.cvr").as_deref(), Some("12345678"));
        assert_eq!(claim_tekst(&c, "org.cvr").as_deref(), Some("87654321"));
        assert_eq!(claim_tekst(&c, "x"), None);
        assert_eq!(claim_tekst(&c, ""), None);
    }

    #[test]
    fn rights_are_a_list_or_separated_text() {
        let c = json!({"a": "r1 r2,r3;r4", "b": ["r1", "r2 r3", 7]});
        assert_eq!(claim_rettigheder(&c, "a"), ["r1", "r2", "r3", "r4"]);
        assert_eq!(claim_rettigheder(&c, "b"), ["r1", "r2", "r3"]);
        assert!(claim_rettigheder(&c, "c").is_empty());
    }
}
