//! Turning errors into pages: a clear Danish message, and for system errors an id the user
//! can quote while the log gets the cause.

use crate::view::Layout;
use app::AppError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "fejl.html")]
struct FejlSide {
    layout: Layout,
    overskrift: String,
    besked: String,
    fejl_id: Option<String>,
}

pub fn page(status: StatusCode, overskrift: &str, besked: &str) -> Response {
    render_error(status, overskrift, besked, None)
}

fn render_error(status: StatusCode, overskrift: &str, besked: &str, fejl_id: Option<String>) -> Response {
    let side = FejlSide {
        layout: Layout::anonymous(overskrift),
        overskrift: overskrift.to_string(),
        besked: besked.to_string(),
        fejl_id,
    };
    match side.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, besked.to_string()).into_response(),
    }
}

tokio::task_local! {
    /// The id of the request being handled (set by the guard), for its error page.
    pub static REQUEST_ID: String;
}

pub fn internal(cause: &str) -> Response {
    // The request's own id, so the user quotes what the log lines of the request carry.
    let id = REQUEST_ID
        .try_with(|id| id.clone())
        .ok()
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    tracing::error!(fejl_id = %id, cause, "request failed");
    render_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Der opstod en fejl",
        "Der opstod en fejl i systemet. Prøv igen, eller kontakt support og oplys fejl-id'et.",
        Some(id),
    )
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
        WebError(AppError::Internal(e.to_string()))
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
            AppError::Store(e) => internal(&e.to_string()),
            AppError::Internal(e) => internal(e),
        }
    }
}

pub type PageResult = Result<Response, WebError>;

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
