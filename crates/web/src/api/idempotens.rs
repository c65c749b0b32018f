//! Idempotent API writes with the `Idempotency-Key` header (IETF draft "The Idempotency-Key
//! HTTP Header Field", as Stripe and Altinn use it). The first request with a key is run and
//! its response kept for a day; a retry with the same key and the same request gets that
//! response again (`Idempotency-Replayed: true`) and changes nothing. The same key on another
//! request is refused, and so is a retry while the first still runs.
//!
//! Every write accepts the header; the kommune's actions require it ([`Idempotensnoegle`]).
//! Keys are per user, so two systems cannot collide.

use super::{ApiError, error};
use crate::AppState;
use crate::security::Authenticated;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use store::{GemtSvar, Idempotens};

pub const HEADER: &str = "idempotency-key";
const GENTAGET: &str = "idempotency-replayed";
/// The largest request body a key is kept for: the attachment upload's limit, with room.
const STOERSTE_KROP: usize = 32 * 1024 * 1024;
/// The largest response kept: the package with every answer fits many times over.
const STOERSTE_SVAR: usize = 8 * 1024 * 1024;

/// How long a key is remembered.
pub const LEVETID: chrono::Duration = chrono::Duration::hours(24);

/// The key of a write that requires one; a request without it is refused before anything is
/// read or changed.
pub struct Idempotensnoegle(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Idempotensnoegle {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        match noegle(parts) {
            Some(Ok(k)) => Ok(Idempotensnoegle(k)),
            Some(Err(e)) => Err(e),
            None => Err(app::AppError::field(
                "Idempotency-Key",
                "Angiv en Idempotency-Key (fx et UUID), så en gentagelse ikke udfører handlingen to gange",
            )
            .into()),
        }
    }
}

/// The header's key, checked: 1–255 visible ASCII characters.
fn noegle(parts: &Parts) -> Option<Result<String, ApiError>> {
    let v = parts.headers.get(HEADER)?;
    let ok = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
    Some(match ok {
        Some(k) => Ok(k.to_string()),
        None => {
            Err(app::AppError::field("Idempotency-Key", "Idempotency-Key skal være 1–255 synlige ASCII-tegn").into())
        }
    })
}

/// The layer over the API's routes.
pub async fn husk(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let key = match noegle(&parts) {
        None => return next.run(Request::from_parts(parts, body)).await,
        Some(Err(e)) => return e.into_response(),
        Some(Ok(k)) => k,
    };
    // Without a user the handler refuses the request anyway; nothing to remember.
    let Some(bruger) = parts.extensions.get::<Authenticated>().map(|a| a.user.principal.user_id) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let bytes = match axum::body::to_bytes(body, STOERSTE_KROP).await {
        Ok(b) => b,
        Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, "Forespørgslen er for stor."),
    };
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str().as_bytes());
    hash.update(b" ");
    hash.update(parts.uri.path().as_bytes());
    hash.update(b"\n");
    hash.update(&bytes);
    let fingeraftryk = hex::encode(hash.finalize());
    let store = state.app.store();
    // A first request older than twice the request timeout can no longer be running.
    let now = state.app.now();
    let opgivet_foer = now - chrono::Duration::from_std(state.settings.request_timeout * 2).unwrap_or(LEVETID);
    match store.reserver_idempotens(bruger, &key, &fingeraftryk, now, opgivet_foer).await {
        Err(e) => crate::error::internal(&e.to_string()),
        Ok(Idempotens::Igang) => error(
            StatusCode::CONFLICT,
            "En forespørgsel med samme Idempotency-Key er ved at blive udført. Prøv igen om lidt.",
        ),
        Ok(Idempotens::AndenForespoergsel) => ApiError::from(app::AppError::field(
            "Idempotency-Key",
            "Nøglen er allerede brugt til en anden forespørgsel; brug en ny nøgle til en ny handling",
        ))
        .into_response(),
        Ok(Idempotens::Besvaret(svar)) => gentag(svar),
        Ok(Idempotens::Ny) => {
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let (mut parts, body) = response.into_parts();
            let krop = match axum::body::to_bytes(body, STOERSTE_SVAR).await {
                Ok(b) => b,
                Err(e) => {
                    let _ = store.frigiv_idempotens(bruger, &key).await;
                    return crate::error::internal(&format!("svaret kunne ikke læses: {e}"));
                }
            };
            // A server error may be retried with the same key; anything else is the answer.
            let gemt = if parts.status.is_server_error() {
                store.frigiv_idempotens(bruger, &key).await
            } else {
                let svar = GemtSvar {
                    status: parts.status.as_u16(),
                    indholdstype: parts
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string),
                    krop: krop.to_vec(),
                };
                store.gem_idempotens_svar(bruger, &key, &svar).await
            };
            if let Err(e) = gemt {
                tracing::error!(cause = %e, "idempotency key not kept");
            }
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(krop))
        }
    }
}

/// The kept response of the first request.
fn gentag(svar: GemtSvar) -> Response {
    let status = StatusCode::from_u16(svar.status).unwrap_or(StatusCode::OK);
    let mut response = (status, svar.krop).into_response();
    let headers = response.headers_mut();
    if let Some(v) = svar.indholdstype.and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(GENTAGET, HeaderValue::from_static("true"));
    response
}
