//! JSON API /api/v1. Same use cases and scope checks as the pages; every error is JSON; lists
//! are paginated. The OpenAPI document is generated from the handlers' annotations while the
//! routes are registered (utoipa-axum), so the two cannot drift apart; `docs/openapi.json` is
//! the checked-in copy, and a test fails when it differs.

pub mod idempotens;
mod kommune;
mod offentlig;
mod pakker;
mod styrelse;
mod varsling;
mod versioner;
mod webhooks;

use crate::AppState;
use app::AppError;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use crate::error::api::{ApiError, ApiResult, Fejl, error};

/// Pagination of every list: `side` from 1, `pr_side` up to 500 (default 50).
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Side {
    /// The page, from 1.
    pub side: Option<u32>,
    /// Items per page, 1–500 (default 50).
    pub pr_side: Option<u32>,
}

/// One page of a list.
#[derive(Serialize, ToSchema)]
pub struct Liste<T: ToSchema> {
    pub data: Vec<T>,
    pub side: u32,
    pub pr_side: u32,
    pub i_alt: usize,
    /// Lists read with a `siden` cursor: the cursor to ask with next time (the last change
    /// number on this page, or the one asked with when nothing changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub naeste_siden: Option<i64>,
}

impl<T: ToSchema> From<store::Udsnit<T>> for Liste<T> {
    fn from(u: store::Udsnit<T>) -> Liste<T> {
        Liste {
            side: u.side.nummer(),
            pr_side: u.side.pr_side(),
            i_alt: usize::try_from(u.i_alt).unwrap_or_default(),
            data: u.raekker,
            naeste_siden: None,
        }
    }
}

impl Side {
    /// The page asked for, or a JSON error naming the parameter out of range.
    pub fn checked(self) -> Result<store::Side, ApiError> {
        let side = self.side.unwrap_or(1);
        let pr_side = self.pr_side.unwrap_or(50);
        let mut errors = Vec::new();
        if side == 0 {
            errors.push(app::FieldError { field: "side".into(), message: "side tælles fra 1".into() });
        }
        if !(1..=store::Side::MAX_PR_SIDE).contains(&pr_side) {
            errors.push(app::FieldError { field: "pr_side".into(), message: "pr_side skal være 1–500".into() });
        }
        if errors.is_empty() { Ok(store::Side::new(side, pr_side)) } else { Err(AppError::Invalid(errors).into()) }
    }

    /// Cuts `items` to the page.
    pub fn cut<T: ToSchema>(self, items: Vec<T>) -> Result<Liste<T>, ApiError> {
        Ok(Liste::from(store::Udsnit::af(items, self.checked()?)))
    }
}

/// A query string parsed into `T`, with a JSON error naming the bad parameter.
pub fn query<T: serde::de::DeserializeOwned>(raw: Option<String>) -> Result<T, ApiError> {
    serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).map_err(|e| {
        ApiError::from(AppError::Invalid(vec![app::FieldError {
            field: "query".into(),
            message: format!("ugyldig forespørgsel: {e}"),
        }]))
    })
}

/// A JSON request body, or a 422 naming `felt` and what was expected.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8], felt: &str, forventet: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::from(app::AppError::Invalid(vec![app::FieldError {
            field: felt.into(),
            message: format!("forventede JSON med {forventet}: {e}"),
        }]))
    })
}

/// A path segment parsed into `T`; anything else is not found.
pub fn segment<T: std::str::FromStr>(s: &str) -> Result<T, ApiError> {
    s.parse().map_err(|_| ApiError::from(AppError::NotFound))
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "styringsdialog API",
        version = "1.0.0",
        description = "Styringsdialogen for den almene boligsektor. Offentlige endepunkter kræver ikke login; \
                       pakker kræver et adgangstoken (Authorization: Bearer) og følger samme adgangsregler som brugerfladen. \
                       Alle fejl er JSON; alle lister er sidedelte (side, pr_side). \
                       Skrivninger kan gentages sikkert med headeren Idempotency-Key; kommunens handlinger kræver den. \
                       Se docs/integration.md."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "offentlig", description = "Offentlige data: organisationer, afdelinger, nøgletal efter afholdt møde, redegørelser"),
        (name = "pakker", description = "Dokumentationspakker for integrationer (kræver adgangstoken)"),
        (name = "kommune", description = "Kommunens behandling: modtag, returnér, dialogmøde, redegørelse, høring, offentliggørelse og aftaler. \
                                          Hver handling kræver Idempotency-Key og den revision, der blev læst"),
        (name = "styrelse", description = "Styrelsens nationale status og udbakke"),
        (name = "webhooks", description = "Webhooks: hændelser som CloudEvents, signeret efter Standard Webhooks")
    )
)]
struct ApiDoc;

/// The API's routes and its OpenAPI document, from the same registrations.
pub fn routes() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    routes_with_upload_limit(21 * 1024 * 1024)
}

/// The routes with the body limit of the attachment upload (the JSON endpoints keep axum's
/// default of 2 MB).
pub fn routes_with_upload_limit(upload_limit: usize) -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let upload = OpenApiRouter::new()
        .routes(routes!(pakker::vedhaeft))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(offentlig::organisationer))
        .routes(routes!(offentlig::organisation))
        .routes(routes!(offentlig::afdeling))
        .routes(routes!(offentlig::kommune_redegoerelser))
        .routes(routes!(offentlig::aabne_data))
        .routes(routes!(pakker::pakker))
        .routes(routes!(pakker::pakke))
        .routes(routes!(pakker::gem_sektion))
        .routes(routes!(pakker::gem_afdelingsskema))
        .merge(upload)
        .routes(routes!(pakker::indsend))
        .routes(routes!(pakker::effektivitet))
        .routes(routes!(pakker::forklaring))
        .routes(routes!(versioner::version))
        .routes(routes!(versioner::aendringer))
        .routes(routes!(versioner::styringsrapport))
        .routes(routes!(versioner::bilag))
        .routes(routes!(versioner::haendelser))
        .routes(routes!(kommune::modtag))
        .routes(routes!(kommune::returner))
        .routes(routes!(kommune::ikke_modtaget))
        .routes(routes!(kommune::tilsynsreaktioner, kommune::opret_tilsynsreaktion))
        .routes(routes!(kommune::indkald, kommune::pakkens_moeder))
        .routes(routes!(kommune::moede))
        .routes(routes!(kommune::kalender))
        .routes(routes!(kommune::afholdt))
        .routes(routes!(kommune::redegoerelse, kommune::gem_redegoerelse))
        .routes(routes!(kommune::send_i_hoering))
        .routes(routes!(kommune::offentliggoer))
        .routes(routes!(kommune::opret_aftale))
        .routes(routes!(kommune::aftaler))
        .routes(routes!(kommune::aftale_status))
        .routes(routes!(styrelse::status))
        .routes(routes!(styrelse::udbakke))
        .routes(routes!(varsling::nationale))
        .routes(routes!(varsling::kommunens))
        .routes(routes!(webhooks::webhooks, webhooks::opret))
        .routes(routes!(webhooks::roter))
        .routes(routes!(webhooks::deaktiver))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::leverancer))
        .routes(routes!(webhooks::send_igen))
        .split_for_parts()
}

/// The OpenAPI document as checked in (`docs/openapi.json`): pretty JSON, trailing newline.
pub fn openapi_json() -> String {
    let (_, doc) = routes();
    let mut text = doc.to_pretty_json().expect("the OpenAPI document serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    /// The checked-in document is the generated one. After an intended API change, update it
    /// with `OPENAPI_UPDATE=1 cargo test -p web openapi` (or `styringsdialog openapi`).
    #[test]
    fn the_checked_in_openapi_document_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let generated = super::openapi_json();
        if std::env::var_os("OPENAPI_UPDATE").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == generated,
            "docs/openapi.json differs from the API; run `OPENAPI_UPDATE=1 cargo test -p web openapi` and commit it"
        );
    }

    #[test]
    fn every_route_is_documented_with_json_errors() {
        let (_, doc) = super::routes();
        let paths: Vec<&String> = doc.paths.paths.keys().collect();
        assert_eq!(paths.len(), 42, "{paths:?}");
        let text = super::openapi_json();
        assert!(text.contains("\"Fejl\"") && text.contains("\"bearer\""));
    }
}
