//! Login and logout.

use crate::AppState;
use crate::error::PageResult;
use crate::layout::Layout;
use crate::paths::home;
use crate::security::{CsrfToken, CurrentUser, MaybeUser, expired_session_cookie, session_cookie};
use crate::view::{render, render_status};
use app::LoginOutcome;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginSide {
    layout: Layout,
    fejl: Option<String>,
    naeste: String,
    brugernavn: String,
    /// The national login provider's name, when the deployment has one.
    national: Option<String>,
    national_href: String,
    /// Local accounts are the agency's break-glass access only.
    kun_styrelsen: bool,
}

impl LoginSide {
    fn new(state: &AppState, layout: Layout, fejl: Option<String>, naeste: String, brugernavn: String) -> Self {
        let national_href = match safe_next(&naeste) {
            Some(n) => format!("/log-ind/mitid?{}", serde_urlencoded::to_string([("naeste", n)]).unwrap_or_default()),
            None => "/log-ind/mitid".into(),
        };
        LoginSide {
            layout,
            fejl,
            naeste,
            brugernavn,
            national: state.app.national_login().map(|o| o.navn.clone()),
            national_href,
            kun_styrelsen: state.app.settings().lokale_konti == app::LokaleKonti::KunStyrelsen,
        }
    }
}

/// The page of a national login that did not sign the person in: what happened, who the
/// provider said they are, and what to do.
#[derive(Template)]
#[template(path = "login_afvist.html")]
struct LoginAfvistSide {
    layout: Layout,
    overskrift: String,
    forklaring: String,
    identitet: Option<app::Identitet>,
    udbyder: String,
    hvad_nu: Vec<String>,
    /// A link onward (to log out at the provider), when there is one.
    videre: Option<String>,
}

/// The cookie that ties the provider's answer to the browser that began the login.
const OIDC_COOKIE: &str = "sd_oidc";
const OIDC_COOKIE_PATH: &str = "/log-ind/mitid";

fn afvist_side(state: &AppState, csrf: &str, afvisning: app::OidcAfvisning) -> PageResult {
    use app::OidcAfvisning as A;
    let udbyder = state.app.national_login().map(|o| o.navn.clone()).unwrap_or_else(|| "login-udbyderen".into());
    let forfra = "Start login forfra fra siden «Log ind», i samme browser hele vejen.".to_string();
    let support = "Sker det igen, så kontakt styrelsens support og oplys tidspunktet.".to_string();
    let (status, overskrift, forklaring, identitet, hvad_nu) = match afvisning {
        A::Afbrudt { fejl } => (
            StatusCode::UNAUTHORIZED,
            "Login blev afbrudt".to_string(),
            if fejl == "access_denied" {
                format!("Du afbrød eller afviste login hos {udbyder}. Du er ikke logget ind.")
            } else {
                format!("{udbyder} gennemførte ikke login (fejlkode «{fejl}»). Du er ikke logget ind.")
            },
            None,
            vec!["Prøv at logge ind igen.".to_string()],
        ),
        A::UgyldigTilstand => (
            StatusCode::BAD_REQUEST,
            "Login kunne ikke gennemføres".to_string(),
            format!(
                "Svaret fra {udbyder} hørte ikke til et login, der blev startet i denne browser, eller det var for gammelt eller allerede brugt. Af sikkerhedshensyn er du ikke logget ind."
            ),
            None,
            vec![forfra],
        ),
        A::KodeAfvist => (
            StatusCode::BAD_REQUEST,
            "Login kunne ikke gennemføres".to_string(),
            format!("{udbyder} afviste login-koden: den var allerede brugt eller udløbet. Du er ikke logget ind."),
            None,
            vec![forfra],
        ),
        A::UgyldigToken => (
            StatusCode::UNAUTHORIZED,
            "Login kunne ikke godkendes".to_string(),
            format!(
                "Svaret fra {udbyder} bestod ikke kontrollen af underskrift, afsender, modtager, gyldighed og sikringsniveau. Af sikkerhedshensyn er du ikke logget ind."
            ),
            None,
            vec!["Prøv at logge ind igen.".to_string(), support],
        ),
        A::ManglerOplysninger { claim, identitet } => (
            StatusCode::FORBIDDEN,
            "Login mangler oplysninger".to_string(),
            format!(
                "{udbyder} sendte ikke oplysningen «{claim}», som styringsdialogen bruger til at finde din organisation og din person. Du er ikke logget ind."
            ),
            Some(*identitet),
            vec![support],
        ),
        A::UkendtCvr { identitet } => {
            let cvr = identitet.cvr.map(|c| format!(" (CVR {c})")).unwrap_or_default();
            (
                StatusCode::FORBIDDEN,
                "Din organisation er ikke kendt i styringsdialogen".to_string(),
                format!(
                    "Du er logget ind hos {udbyder} for en organisation{cvr}, som hverken er en almen boligorganisation, en kommune eller styrelsen i styringsdialogen."
                ),
                Some(*identitet),
                vec![
                    "Har du flere organisationer i MitID Erhverv, så log ind igen og vælg den boligorganisation eller kommune, du arbejder for.".to_string(),
                    "Er din organisation en almen boligorganisation eller en kommune, så bed styrelsen registrere jeres CVR-nummer.".to_string(),
                ],
            )
        }
        A::ManglerRettighed { identitet, for_hvem, rolle, rettighed } => (
            StatusCode::FORBIDDEN,
            "Du mangler rettigheden til styringsdialogen".to_string(),
            format!(
                "Du er logget ind hos {udbyder} som medarbejder i {for_hvem} ({}), men din organisation har ikke givet dig rettigheden «{rettighed}». Uden den kan du ikke bruge styringsdialogen.",
                rolle.label().to_lowercase()
            ),
            Some(*identitet),
            vec![
                format!(
                    "Bed din organisations administrator om at tildele dig rettigheden «{rettighed}» i brugeradministrationen til {udbyder}."
                ),
                "Log ind igen, når rettigheden er tildelt.".to_string(),
            ],
        ),
        A::Spaerret { identitet } => (
            StatusCode::FORBIDDEN,
            "Din konto er spærret".to_string(),
            "Styrelsen har spærret din konto i styringsdialogen. Du er ikke logget ind.".to_string(),
            Some(*identitet),
            vec!["Kontakt styrelsen, hvis du mener, at spærringen er en fejl.".to_string()],
        ),
        A::UdbyderUtilgaengelig => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{udbyder} svarer ikke"),
            format!("{udbyder} kunne ikke nås eller svarede ikke som ventet. Du er ikke logget ind."),
            None,
            vec!["Prøv igen om lidt.".to_string(), support],
        ),
    };
    render_status(
        status,
        &LoginAfvistSide {
            layout: Layout::new(&overskrift, None, csrf, "/log-ind"),
            overskrift,
            forklaring,
            identitet,
            udbyder,
            hvad_nu,
            videre: None,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct NationalStart {
    naeste: Option<String>,
}

/// Begins a national login: the browser goes to the provider with a fresh `state`, which it
/// also keeps in a cookie until it comes back.
pub async fn national_login(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    jar: CookieJar,
    Query(q): Query<NationalStart>,
) -> PageResult {
    let Some(oidc) = state.app.national_login() else { return Err(app::AppError::NotFound.into()) };
    let naeste = q.naeste.as_deref().and_then(safe_next).unwrap_or_default().to_string();
    match state.app.oidc_start(&naeste).await? {
        Ok((url, oidc_state)) => {
            let cookie = axum_extra::extract::cookie::Cookie::build((OIDC_COOKIE, oidc_state))
                .path(OIDC_COOKIE_PATH)
                .http_only(true)
                // Lax: the provider's redirect back is a top-level navigation, which carries it.
                .same_site(axum_extra::extract::cookie::SameSite::Lax)
                .secure(state.settings.secure_cookies)
                .max_age(time::Duration::minutes(oidc.forsoeg_minutter.max(1) as i64))
                .build();
            Ok((jar.add(cookie), Redirect::to(&url)).into_response())
        }
        Err(afvisning) => afvist_side(&state, &csrf, afvisning),
    }
}

#[derive(Deserialize, Default)]
pub struct NationalRetur {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

/// The provider sends the browser back here with a code (or an error).
pub async fn national_retur(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    jar: CookieJar,
    Query(q): Query<NationalRetur>,
) -> PageResult {
    let cookie_state = jar.get(OIDC_COOKIE).map(|c| c.value().to_string());
    let jar = jar.remove(axum_extra::extract::cookie::Cookie::build(OIDC_COOKIE).path(OIDC_COOKIE_PATH));
    let udfald = state
        .app
        .oidc_finish(cookie_state.as_deref(), q.state.as_deref(), q.code.as_deref(), q.error.as_deref())
        .await?;
    match udfald {
        app::OidcUdfald::LoggetInd { token, user, naeste } => {
            let cookie = session_cookie(token, state.settings.secure_cookies, state.app.settings().session_ttl);
            let target = safe_next(&naeste).unwrap_or(home(user.principal.role)).to_string();
            Ok((jar.add(cookie), Redirect::to(&target)).into_response())
        }
        app::OidcUdfald::Afvist(afvisning) => Ok((jar, afvist_side(&state, &csrf, afvisning)?).into_response()),
    }
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    naeste: Option<String>,
    besked: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    brugernavn: String,
    #[serde(default)]
    kodeord: String,
    #[serde(default)]
    naeste: String,
}

/// Only local paths are followed after login (no open redirect). Browsers drop tabs and
/// newlines from a Location, so any whitespace or control character is refused too.
fn safe_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/') && !next.starts_with("//");
    let plain = next.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    (local && plain).then_some(next)
}

pub async fn login_form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<LoginQuery>,
) -> PageResult {
    if let Some(user) = user {
        return Ok(Redirect::to(home(user.principal.role)).into_response());
    }
    render(&LoginSide::new(
        &state,
        Layout::new("Log ind", None, &csrf, "/log-ind").with_besked(q.besked.as_deref()),
        None,
        q.naeste.unwrap_or_default(),
        String::new(),
    ))
}

pub async fn login(
    State(state): State<AppState>,
    CsrfToken(csrf): CsrfToken,
    adresse: crate::security::KlientAdresse,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let username = form.brugernavn.trim().to_lowercase();
    let failed = |message: &str| {
        render_status(
            StatusCode::UNAUTHORIZED,
            &LoginSide::new(
                &state,
                Layout::new("Log ind", None, &csrf, "/log-ind"),
                Some(message.to_string()),
                form.naeste.clone(),
                form.brugernavn.clone(),
            ),
        )
    };
    // An empty field is said as such, not as a wrong password (and costs no login attempt).
    let mut tomme = Vec::new();
    if username.is_empty() {
        tomme.push(app::FieldError { field: "brugernavn".into(), message: "Skriv dit brugernavn".into() });
    }
    if form.kodeord.is_empty() {
        tomme.push(app::FieldError { field: "kodeord".into(), message: "Skriv dit kodeord".into() });
    }
    if !tomme.is_empty() {
        let layout = Layout::new("Log ind", None, &csrf, "/log-ind").with_errors(tomme);
        let side = LoginSide::new(&state, layout, None, form.naeste.clone(), form.brugernavn.clone());
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &side);
    }
    match state.app.login_fra(&username, &form.kodeord, adresse.0).await? {
        LoginOutcome::Pause { til } => {
            let sekunder = (til - state.app.now()).num_seconds().max(1);
            let vent = if sekunder < 120 {
                format!("{sekunder} sekunder")
            } else {
                format!("{} minutter", (sekunder + 59) / 60)
            };
            failed(&format!(
                "For mange mislykkede forsøg på kort tid. Vent {vent}, og prøv igen. Har du glemt dit kodeord, så kontakt din administrator."
            ))
        }
        LoginOutcome::Success { token, user } => {
            let cookie = session_cookie(token, state.settings.secure_cookies, state.app.settings().session_ttl);
            let target = safe_next(&form.naeste).unwrap_or(home(user.principal.role)).to_string();
            Ok((jar.add(cookie), Redirect::to(&target)).into_response())
        }
        LoginOutcome::Failed => failed("Brugernavn eller kodeord er forkert."),
        LoginOutcome::KunNationalLogin => {
            let udbyder = state.app.national_login().map(|o| o.navn.as_str()).unwrap_or("national login");
            failed(&format!("Lokale konti er slået fra for din organisation. Log ind med {udbyder}."))
        }
    }
}

/// "Forbliv logget ind": extends the session and its cookie; answers the new expiry as JSON.
pub async fn forlaeng(
    State(state): State<AppState>,
    CurrentUser(user, token): CurrentUser,
    jar: CookieJar,
) -> PageResult {
    let expires_at = state.app.extend_session(&token, &user).await?;
    let cookie = session_cookie(token, state.settings.secure_cookies, state.app.settings().session_ttl);
    Ok((jar.add(cookie), axum::Json(serde_json::json!({"udloeber": expires_at.to_rfc3339()}))).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    CurrentUser(user, token): CurrentUser,
    jar: CookieJar,
) -> PageResult {
    // A session from the national login ends at the provider too, when it offers that.
    let jar = jar.add(expired_session_cookie());
    let web_address = |t: &String| url::Url::parse(t).is_ok_and(|u| matches!(u.scheme(), "https" | "http"));
    let Some(target) = state.app.logout(&token, &user).await?.filter(web_address) else {
        return Ok((jar, Redirect::to("/log-ind?besked=logget_ud")).into_response());
    };
    let issuer = state.app.national_login().map(|o| o.issuer.as_str()).unwrap_or_default();
    if same_origin(&target, issuer) {
        return Ok((jar, Redirect::to(&target)).into_response());
    }
    // The policy lets a form's redirect go only to the issuer's origin: for a logout page
    // elsewhere, the person follows a link instead.
    let side = LoginAfvistSide {
        layout: Layout::new("Du er logget ud", None, "", "/log-ind"),
        overskrift: "Du er logget ud af styringsdialogen".into(),
        forklaring: format!(
            "Din session her er afsluttet. Log også ud hos {}, så ingen andre kan logge ind som dig fra denne browser.",
            state.app.national_login().map(|o| o.navn.as_str()).unwrap_or("login-udbyderen")
        ),
        identitet: None,
        udbyder: String::new(),
        hvad_nu: Vec::new(),
        videre: Some(target),
    };
    Ok((jar, render(&side)?).into_response())
}

/// Whether two URLs share scheme, host and port.
fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin() && a.origin().is_tuple(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{safe_next, same_origin};

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin("https://idp.example.dk/logout?x=1", "https://idp.example.dk"));
        assert!(!same_origin("https://logout.example.dk/x", "https://idp.example.dk"));
        assert!(!same_origin("http://idp.example.dk/x", "https://idp.example.dk"));
        assert!(!same_origin("https://idp.example.dk:8443/x", "https://idp.example.dk"));
        assert!(!same_origin("javascript:alert(1)", "https://idp.example.dk"));
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/pakker/1"), Some("/pakker/1"));
        assert_eq!(safe_next("//evil.example"), None);
        assert_eq!(safe_next("https://evil.example"), None);
        assert_eq!(safe_next("/\\evil"), None);
        assert_eq!(safe_next("/\t/evil.example"), None);
        assert_eq!(safe_next("/%09/evil.example"), Some("/%09/evil.example"), "encoded stays a local path");
    }
}

#[derive(askama::Template)]
#[template(path = "api_noegler.html")]
struct ApiNoeglerSide {
    layout: Layout,
    noegler: Vec<NoegleRaekke>,
    /// A key just made: shown this once.
    ny: Option<String>,
    navn: String,
}

/// A personal API key as listed.
struct NoegleRaekke {
    id: store::ApiNoegleId,
    navn: String,
    oprettet: String,
    udloeber: String,
    /// "Aktiv", "Udløbet" or "Tilbagekaldt".
    tilstand: &'static str,
    /// Still usable, so it can be revoked.
    aktiv: bool,
}

async fn api_noegler_side(
    state: &AppState,
    user: &app::SessionUser,
    layout: Layout,
    ny: Option<String>,
    navn: String,
) -> Result<ApiNoeglerSide, app::AppError> {
    let now = state.app.now();
    let noegler = state
        .app
        .api_noegler(user)
        .await?
        .into_iter()
        .rev()
        .map(|k| {
            let (tilstand, aktiv) = match (k.tilbagekaldt, k.noegle.udloeber <= now) {
                (Some(_), _) => ("Tilbagekaldt", false),
                (None, true) => ("Udløbet", false),
                (None, false) => ("Aktiv", true),
            };
            NoegleRaekke {
                id: k.id,
                navn: k.noegle.navn,
                oprettet: crate::format::tidspunkt(k.noegle.oprettet),
                udloeber: crate::format::tidspunkt(k.noegle.udloeber),
                tilstand,
                aktiv,
            }
        })
        .collect();
    Ok(ApiNoeglerSide { layout, noegler, ny, navn })
}

/// The user's personal API keys for integrations (`Authorization: Bearer`).
pub async fn api_noegler(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<crate::pages::Besked>,
) -> PageResult {
    let layout = Layout::new("API-nøgler", Some(&user), &csrf, "/konto").with_besked(q.besked.as_deref());
    render(&api_noegler_side(&state, &user, layout, None, String::new()).await?)
}

#[derive(serde::Deserialize)]
pub struct NoegleForm {
    #[serde(default)]
    navn: String,
}

pub async fn opret_api_noegle(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Form(form): Form<NoegleForm>,
) -> PageResult {
    match state.app.opret_api_noegle(&user, &form.navn).await {
        // Shown in this response only; a reload does not show it again.
        Ok((_, token)) => {
            let layout = Layout::new("API-nøgler", Some(&user), &csrf, "/konto");
            render(&api_noegler_side(&state, &user, layout, Some(token), String::new()).await?)
        }
        Err(app::AppError::Invalid(errors)) => {
            let layout = Layout::new("API-nøgler", Some(&user), &csrf, "/konto").with_errors(errors);
            let side = api_noegler_side(&state, &user, layout, None, form.navn).await?;
            crate::view::render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &side)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn tilbagekald_api_noegle(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<store::ApiNoegleId>,
) -> PageResult {
    state.app.tilbagekald_api_noegle(&user, id).await?;
    Ok(crate::pages::redirect_with("/konto/api-noegler", "noegle_tilbagekaldt"))
}

#[derive(askama::Template)]
#[template(path = "sessioner.html")]
struct SessionerSide {
    layout: Layout,
    sessioner: Vec<SessionRaekke>,
}

/// A signed-in session as listed.
struct SessionRaekke {
    /// The stored hash of its token: how the session is named in the URL to end it.
    token_hash: String,
    logget_ind: String,
    udloeber: String,
    /// The session of this browser (it is ended by logging out).
    denne: bool,
}

/// The user's signed-in sessions, with a button to end each other one.
pub async fn sessioner(
    State(state): State<AppState>,
    CurrentUser(user, token): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<crate::pages::Besked>,
) -> PageResult {
    let sessioner = state
        .app
        .mine_sessioner(&user, &token)
        .await?
        .into_iter()
        .map(|(s, denne)| SessionRaekke {
            token_hash: s.token_hash,
            logget_ind: crate::format::tidspunkt(s.created_at),
            udloeber: crate::format::tidspunkt(s.expires_at),
            denne,
        })
        .collect();
    let layout = Layout::new("Dine sessioner", Some(&user), &csrf, "/konto").with_besked(q.besked.as_deref());
    render(&SessionerSide { layout, sessioner })
}

pub async fn afslut_session(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(session): Path<String>,
) -> PageResult {
    state.app.afslut_session(&user, &session).await?;
    Ok(crate::pages::redirect_with("/konto/sessioner", "session_afsluttet"))
}
