//! The application's error type: a Danish message for the user, the cause for the log.

use store::StoreError;

/// A problem with one form field, shown next to the field and in the error summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The HTML id of the field, so the summary can link to it.
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Du er ikke logget ind, eller din session er udløbet.")]
    Unauthenticated,
    /// Out of scope. Deliberately the same message as not found, so that the existence of
    /// another organisation's data is not revealed.
    #[error("Siden findes ikke, eller du har ikke adgang til den.")]
    Forbidden,
    #[error("Siden findes ikke, eller du har ikke adgang til den.")]
    NotFound,
    #[error("Der er fejl i det indtastede.")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("Der opstod en fejl i systemet. Prøv igen, eller kontakt support.")]
    Store(#[from] StoreError),
    #[error("Der opstod en fejl i systemet. Prøv igen, eller kontakt support.")]
    Internal(String),
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(vec![FieldError { field: field.to_string(), message: message.into() }])
    }
}

impl From<domain::package::UgyldigOvergang> for AppError {
    fn from(e: domain::package::UgyldigOvergang) -> Self {
        AppError::Conflict(format!("{e}."))
    }
}

/// A stale write means someone else changed the package first.
pub(crate) fn stale_as_conflict(e: StoreError) -> AppError {
    match e {
        StoreError::Stale => {
            AppError::Conflict("Pakken er blevet ændret i mellemtiden. Genindlæs siden og prøv igen.".to_string())
        }
        other => AppError::Store(other),
    }
}
