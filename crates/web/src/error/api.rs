//! The JSON API's errors: every one is `{"fejl": {"status", "besked", "felter"}}`, its
//! message in Danish, a field error naming the field.

use app::AppError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Every error: `{"fejl": {"status": 404, "besked": "…", "felter": [...]}}`.
#[derive(Serialize, ToSchema)]
pub struct Fejl {
    pub fejl: FejlIndhold,
}

#[derive(Serialize, ToSchema)]
pub struct FejlIndhold {
    pub status: u16,
    /// In Danish, for people.
    pub besked: String,
    /// For invalid input: each field with what was expected.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub felter: Vec<FeltFejl>,
}

#[derive(Serialize, ToSchema)]
pub struct FeltFejl {
    pub felt: String,
    pub besked: String,
}

pub fn error(status: StatusCode, message: &str) -> Response {
    fejl(status, message, Vec::new())
}

fn fejl(status: StatusCode, message: &str, felter: Vec<FeltFejl>) -> Response {
    let body = Fejl { fejl: FejlIndhold { status: status.as_u16(), besked: message.to_string(), felter } };
    (status, Json(body)).into_response()
}

pub struct ApiError(AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Store(_) | AppError::Internal { .. } => {
                tracing::error!(cause = %self.0.cause_chain(), "api request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let felter = match &self.0 {
            AppError::Invalid(errors) => {
                errors.iter().map(|e| FeltFejl { felt: e.field.clone(), besked: e.message.clone() }).collect()
            }
            _ => Vec::new(),
        };
        fejl(status, &self.0.to_string(), felter)
    }
}

pub type ApiResult<T> = Result<Json<T>, ApiError>;
