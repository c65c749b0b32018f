//! Login and logout.

use crate::AppState;
use crate::error::PageResult;
use crate::security::{CsrfToken, CurrentUser, MaybeUser, expired_session_cookie, session_cookie};
use crate::view::{Layout, render, render_status};
use app::LoginOutcome;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use domain::access::Role;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginSide {
    layout: Layout,
    fejl: Option<String>,
    naeste: String,
    brugernavn: String,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    naeste: Option<String>,
    besked: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    brugernavn: String,
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

pub fn home(role: Role) -> &'static str {
    match role {
        Role::Organisation => "/organisation",
        Role::Kommune => "/kommune",
        Role::Styrelse => "/styrelse",
    }
}

pub async fn login_form(
    MaybeUser(user): MaybeUser,
    CsrfToken(csrf): CsrfToken,
    Query(q): Query<LoginQuery>,
) -> PageResult {
    if let Some(user) = user {
        return Ok(Redirect::to(home(user.principal.role)).into_response());
    }
    render(&LoginSide {
        layout: Layout::new("Log ind", None, &csrf, "/log-ind").with_besked(q.besked.as_deref()),
        fejl: None,
        naeste: q.naeste.unwrap_or_default(),
        brugernavn: String::new(),
    })
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
            &LoginSide {
                layout: Layout::new("Log ind", None, &csrf, "/log-ind"),
                fejl: Some(message.to_string()),
                naeste: form.naeste.clone(),
                brugernavn: form.brugernavn.clone(),
            },
        )
    };
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
    state.app.logout(&token, &user).await?;
    Ok((jar.add(expired_session_cookie()), Redirect::to("/log-ind?besked=logget_ud")).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

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
    /// (id, name, created, expires, state, active).
    noegler: Vec<(store::ApiNoegleId, String, String, String, &'static str, bool)>,
    /// A key just made: shown this once.
    ny: Option<String>,
    navn: String,
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
            (
                k.id,
                k.noegle.navn,
                crate::view::tidspunkt(k.noegle.oprettet),
                crate::view::tidspunkt(k.noegle.udloeber),
                tilstand,
                aktiv,
            )
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
    state.app.revoke_api_noegle(&user, id).await?;
    Ok(crate::pages::redirect_with("/konto/api-noegler", "noegle_tilbagekaldt"))
}

#[derive(askama::Template)]
#[template(path = "sessioner.html")]
struct SessionerSide {
    layout: Layout,
    /// (token hash, started, expires, this browser).
    sessioner: Vec<(String, String, String, bool)>,
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
        .map(|(s, denne)| {
            (s.token_hash, crate::view::tidspunkt(s.created_at), crate::view::tidspunkt(s.expires_at), denne)
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
