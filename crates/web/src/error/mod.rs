//! Turning errors into pages: a clear Danish message, and for system errors an id the user
//! can quote while the log gets the cause.

pub mod api;

use crate::layout::Layout;
use app::AppError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "fejl.html")]
struct FejlSide {
    layout: Layout,
    indhold: FejlIndhold,
    /// Where the user came from (same site only), offered as the way back.
    tilbage: Option<String>,
    /// The user's own start page (or the front page), offered beside it.
    hjem: crate::format::Link,
}

/// What an error page says. It travels on the response, so that the guard, which knows who
/// is signed in and where they came from, draws the page with the user's own header.
#[derive(Clone)]
pub struct FejlIndhold {
    pub overskrift: String,
    pub besked: String,
    pub fejl_id: Option<String>,
}

pub fn page(status: StatusCode, overskrift: &str, besked: &str) -> Response {
    render_error(status, FejlIndhold { overskrift: overskrift.to_string(), besked: besked.to_string(), fejl_id: None })
}

fn render_error(status: StatusCode, indhold: FejlIndhold) -> Response {
    let mut response = draw(status, &indhold, None, None, "");
    response.extensions_mut().insert(indhold);
    response
}

fn draw(
    status: StatusCode,
    indhold: &FejlIndhold,
    user: Option<&app::SessionUser>,
    tilbage: Option<String>,
    path: &str,
) -> Response {
    let layout = match user {
        Some(u) => Layout::new(&indhold.overskrift, Some(u), &u.csrf_token, path),
        None => Layout::anonymous(&indhold.overskrift),
    };
    let hjem = crate::layout::startside(user.map(|u| u.principal.role));
    let side = FejlSide { layout, indhold: indhold.clone(), tilbage, hjem };
    match side.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, indhold.besked.clone()).into_response(),
    }
}

/// The Danish text for an error the framework answered itself (a query or form it could not
/// read, a body over the limit, a method the route does not take): its own plain text is
/// English and technical.
fn standard_indhold(status: StatusCode) -> FejlIndhold {
    let (overskrift, besked) = match status {
        StatusCode::BAD_REQUEST => (
            "Forespørgslen kunne ikke forstås",
            "Adressen eller formularen indeholdt en værdi, systemet ikke kan læse. Gå tilbage og prøv igen.",
        ),
        StatusCode::NOT_FOUND => ("Siden findes ikke", "Siden findes ikke, eller du har ikke adgang til den."),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("Siden findes ikke", "Adressen kan ikke bruges på den måde. Gå tilbage og brug siden selv.")
        }
        StatusCode::CONFLICT => (
            "Handlingen kunne ikke udføres",
            "Sagen er ændret i mellemtiden. Gå tilbage, genindlæs siden og prøv igen.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "For stor forespørgsel",
            "Filen eller formularen er større, end systemet tager imod. Gå tilbage og vælg en mindre fil.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::UNPROCESSABLE_ENTITY => (
            "Der er fejl i det indtastede",
            "Formularen manglede felter eller havde værdier af en forkert type. Gå tilbage, genindlæs siden og prøv igen.",
        ),
        StatusCode::TOO_MANY_REQUESTS => ("For mange forsøg", "Vent lidt, og prøv så igen."),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => (
            "Systemet svarede ikke i tide",
            "Systemet er travlt lige nu. Vent et øjeblik, og prøv igen. Det, du allerede har gemt, er ikke tabt.",
        ),
        s if s.is_server_error() => (
            "Der opstod en fejl",
            "Der opstod en fejl i systemet. Prøv igen, eller kontakt support og oplys fejl-id'et.",
        ),
        _ => ("Handlingen kunne ikke udføres", "Gå tilbage og prøv igen."),
    };
    FejlIndhold { overskrift: overskrift.into(), besked: besked.into(), fejl_id: None }
}

/// Paths whose errors are not pages: the JSON API, the probes and the metrics, and files.
fn uden_fejlside(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/static/") || ["/healthz", "/readyz", "/metrics"].contains(&path)
}

/// Every error a user can reach as a Danish DKFDS page with their own header (signed in or
/// not) and a way back: pages that drew their own error state (a form with its errors) pass
/// unchanged; an error page made by [`page`] is drawn again for the user; the framework's own
/// plain-text refusals (400, 405, 413, 415, 422, a timeout's 503) get the page for their status.
pub fn fejlside(
    response: Response,
    user: Option<&app::SessionUser>,
    path: &str,
    tilbage: impl FnOnce() -> Option<String>,
) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || uden_fejlside(path) {
        return response;
    }
    let indhold = match response.extensions().get::<FejlIndhold>() {
        Some(indhold) => indhold.clone(),
        None => {
            let html = response
                .headers()
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            if html {
                return response;
            }
            let mut indhold = standard_indhold(status);
            if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
                indhold.fejl_id = Some(fejl_id());
                tracing::error!(fejl_id = indhold.fejl_id.as_deref().unwrap_or(""), %status, "plain error response");
            }
            indhold
        }
    };
    let (mut parts, _) = response.into_parts();
    let drawn = draw(status, &indhold, user, tilbage(), path);
    // The headers the response already had (cookies, Allow, Retry-After) stay; the body is new.
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let (new_parts, body) = drawn.into_parts();
    parts.headers.extend(new_parts.headers);
    Response::from_parts(parts, body)
}

/// The request's own id (so the user quotes what the log lines of the request carry).
fn fejl_id() -> String {
    REQUEST_ID
        .try_with(|id| id.clone())
        .ok()
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string())
}

tokio::task_local! {
    /// The id of the request being handled (set by the guard), for its error page.
    pub static REQUEST_ID: String;
}

pub fn internal(cause: &str) -> Response {
    let id = fejl_id();
    tracing::error!(fejl_id = %id, cause, "request failed");
    let mut indhold = standard_indhold(StatusCode::INTERNAL_SERVER_ERROR);
    indhold.fejl_id = Some(id);
    render_error(StatusCode::INTERNAL_SERVER_ERROR, indhold)
}

/// An application error as a page response.
pub struct WebError(pub AppError);

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError(e)
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError(AppError::internal("siden kunne ikke tegnes", e))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match &self.0 {
            AppError::Unauthenticated => Redirect::to("/log-ind").into_response(),
            AppError::Forbidden | AppError::NotFound => {
                page(StatusCode::NOT_FOUND, "Siden findes ikke", &self.0.to_string())
            }
            AppError::Conflict(message) => page(StatusCode::CONFLICT, "Handlingen kunne ikke udføres", message),
            AppError::Invalid(errors) => {
                let text = errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(". ");
                page(StatusCode::UNPROCESSABLE_ENTITY, "Der er fejl i det indtastede", &text)
            }
            AppError::Store(_) | AppError::Internal { .. } => internal(&self.0.cause_chain()),
        }
    }
}

pub type PageResult = Result<Response, WebError>;

/// The answer to an address nothing serves: a JSON error under `/api/`, else a page.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    const MESSAGE: &str = "Siden findes ikke, eller du har ikke adgang til den.";
    if uri.path().starts_with("/api/") {
        api::error(StatusCode::NOT_FOUND, MESSAGE)
    } else {
        page(StatusCode::NOT_FOUND, "Siden findes ikke", MESSAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_system_error_page_shows_the_requests_own_id() {
        let response = REQUEST_ID.scope("8f1c2e".to_string(), async { internal("the cause") }).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("Fejl-id: <strong>8f1c2e</strong>"), "{body}");
        assert!(!body.contains("the cause"), "the cause goes to the log, not the page");
    }
}
