//! The public pages' answers kept whole while nothing they show has changed.
//!
//! A public page is the same for every anonymous reader: its data sit under the cache stamps
//! (the figures' stamp moves with master data, computed figures and everything a package makes
//! public; the others with aftaler, templates and every step of a package), so an answer kept
//! under the stamps and the day is what the handler would answer again, also after a change made
//! on another instance. A hit costs the one read of the stamps every page makes anyway.
//!
//! Kept: an anonymous GET of `/offentlig…` or `/api/v1/offentlig…` answered 200, not setting a
//! cookie, no larger than [`STOERSTE_SVAR`] and not carrying the reader's CSRF token.

use crate::AppState;
use crate::security::{Authenticated, CsrfToken};
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use store::CacheStempler;

/// The largest answer kept: the pages, not the open-data files.
const STOERSTE_SVAR: u64 = 256 * 1024;
/// All kept answers together: the busiest public pages (the search, the open data, the
/// sheets being read most). At the bound the store starts afresh. Memory is the bound: the
/// server is to stay under 150 MB with a day's traffic.
const LAGERETS_STOERRELSE: usize = 2 * 1024 * 1024;

/// What the kept answers were made under.
type Stempel = (NaiveDate, CacheStempler);

/// A kept answer.
struct Svar {
    headers: HeaderMap,
    body: Bytes,
}

/// The kept answers by path and query, all under one stamp.
#[derive(Default)]
pub struct Svarlager {
    indhold: Mutex<Lager>,
}

#[derive(Default)]
struct Lager {
    stempel: Option<Stempel>,
    svar: HashMap<String, Arc<Svar>>,
    bytes: usize,
}

impl Svarlager {
    fn hent(&self, noegle: &str, stempel: &Stempel) -> Option<Arc<Svar>> {
        let lager = self.indhold.lock().expect("cache lock");
        lager.svar.get(noegle).filter(|_| lager.stempel.as_ref() == Some(stempel)).cloned()
    }

    fn gem(&self, noegle: String, stempel: Stempel, svar: Svar) {
        let mut lager = self.indhold.lock().expect("cache lock");
        if lager.stempel != Some(stempel) || lager.bytes + svar.body.len() > LAGERETS_STOERRELSE {
            *lager = Lager { stempel: Some(stempel), ..Lager::default() };
        }
        lager.bytes += svar.body.len();
        if let Some(gammelt) = lager.svar.insert(noegle, Arc::new(svar)) {
            lager.bytes -= gammelt.body.len();
        }
    }
}

fn offentlig(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::GET
        && (path.starts_with("/offentlig") || path.starts_with("/api/v1/offentlig"))
        && request.extensions().get::<Authenticated>().is_none()
}

/// The layer: a kept answer when there is one, else the handler's, kept when it may be.
pub async fn offentlige_svar(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !offentlig(&request) {
        return next.run(request).await;
    }
    // Read before the handler reads its data: what it answers is never older than the stamps.
    let Ok(stempler) = state.app.cache_stempler().await else { return next.run(request).await };
    let stempel = (state.app.today(), stempler);
    let noegle = request.uri().to_string();
    if let Some(svar) = state.offentlige_svar.hent(&noegle, &stempel) {
        let mut response = Response::new(Body::from(svar.body.clone()));
        *response.headers_mut() = svar.headers.clone();
        return response;
    }
    let csrf = request.extensions().get::<CsrfToken>().map(|c| c.0.clone()).unwrap_or_default();
    let response = next.run(request).await;
    let kan_gemmes = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && response.body().size_hint().exact().is_some_and(|n| n <= STOERSTE_SVAR);
    if !kan_gemmes {
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, STOERSTE_SVAR as usize).await {
        Ok(body) => body,
        // The size was known and within the bound: a body that fails now failed to be made.
        Err(_) => return crate::error::internal("svaret kunne ikke læses"),
    };
    // A page with a form carries the reader's token: it is not the same for every reader.
    if csrf.is_empty() || !body.windows(csrf.len()).any(|w| w == csrf.as_bytes()) {
        // A tight copy: the collected body may hold twice its length.
        let kopi = Bytes::copy_from_slice(&body);
        state.offentlige_svar.gem(noegle, stempel, Svar { headers: parts.headers.clone(), body: kopi });
    }
    Response::from_parts(parts, Body::from(body))
}
