//! The application's error type: a Danish message for the user, the cause for the log.

use store::StoreError;

/// A problem with one form field, shown next to the field and in the error summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The use case's name of the field (`dato`, `frist`, `status`); a page shows the error at
    /// the input of that id, or maps it to its own id when one page holds two such fields.
    pub field: String,
    pub message: String,
}

/// Adds `message` on `field` unless the field already has an error: text the edge could not
/// read as the field's type is reported as that, not also as missing.
pub(crate) fn mangler(errors: &mut Vec<FieldError>, field: &str, message: impl Into<String>) {
    if !errors.iter().any(|e| e.field == field) {
        errors.push(FieldError { field: field.into(), message: message.into() });
    }
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
    /// A failure of the system itself: `context` says what was being done, `source` (when
    /// there is one) is the error that caused it. Both go to the log, never to the user.
    #[error("Der opstod en fejl i systemet. Prøv igen, eller kontakt support.")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl AppError {
    /// An internal failure caused by another error, which is kept as the source.
    pub fn internal(context: impl Into<String>, e: impl std::error::Error + Send + Sync + 'static) -> AppError {
        AppError::Internal { context: context.into(), source: Some(Box::new(e)) }
    }

    /// An internal failure the system found itself (an invariant that did not hold).
    pub fn internal_msg(context: impl Into<String>) -> AppError {
        AppError::Internal { context: context.into(), source: None }
    }

    /// The whole story for the log: the context, then each cause in turn
    /// ("lagring: databasefejl: no such table: x").
    pub fn cause_chain(&self) -> String {
        let mut parts = vec![match self {
            AppError::Internal { context, .. } => context.clone(),
            AppError::Store(_) => "lagring".to_string(),
            other => other.to_string(),
        }];
        let mut next = std::error::Error::source(self);
        while let Some(e) = next {
            parts.push(e.to_string());
            next = e.source();
        }
        parts.join(": ")
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_gets_every_cause_the_user_gets_none() {
        let io = std::io::Error::other("disken er fuld");
        let e = AppError::from(StoreError::in_context("kan ikke skrive", io));
        assert_eq!(e.cause_chain(), "lagring: kan ikke skrive: disken er fuld");
        assert!(!e.to_string().contains("disken"), "the user's message names no cause");
        let e = AppError::internal("regnearket kunne ikke skrives", std::io::Error::other("ingen plads"));
        assert_eq!(e.cause_chain(), "regnearket kunne ikke skrives: ingen plads");
        assert_eq!(AppError::internal_msg("tomt supplement").cause_chain(), "tomt supplement");
        assert_eq!(AppError::NotFound.cause_chain(), AppError::NotFound.to_string());
    }
}
