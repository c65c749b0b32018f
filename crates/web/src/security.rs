//! The one gate every request passes: it authenticates the session (cookie or bearer
//! token), checks the CSRF token of every unsafe request, and sets security headers.
//! Handlers get the result through [`CurrentUser`] / [`MaybeUser`]; scope is then checked
//! by the use cases in `app`.

use crate::AppState;
use app::SessionUser;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use http_body_util::BodyExt;
use std::collections::HashMap;
use std::time::Duration;
use subtle::ConstantTimeEq;

pub const SESSION_COOKIE: &str = "sd_session";
/// Double-submit token for forms shown before login.
pub const ANON_CSRF_COOKIE: &str = "sd_csrf";
pub const CSRF_FIELD: &str = "_csrf";
/// Largest form body accepted by the CSRF check (attachments use their own route later).
const MAX_FORM_BYTES: usize = 1 << 20;

/// The authenticated session of this request, put in the request extensions by [`guard`].
#[derive(Clone)]
pub struct Authenticated {
    pub user: SessionUser,
    pub token: String,
}

/// The CSRF token forms on this page must carry.
#[derive(Clone)]
pub struct CsrfToken(pub String);

/// A signed-in user; pages redirect to the login, the API answers 401.
pub struct CurrentUser(pub SessionUser, pub String);

/// The signed-in user if any (public pages show the login state).
pub struct MaybeUser(pub Option<SessionUser>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        match parts.extensions.get::<Authenticated>() {
            Some(a) => Ok(CurrentUser(a.user.clone(), a.token.clone())),
            None if parts.uri.path().starts_with("/api/") => Err(crate::error::api::error(
                StatusCode::UNAUTHORIZED,
                "Log ind eller angiv et gyldigt adgangstoken (Authorization: Bearer).",
            )),
            None => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let target =
                    format!("/log-ind?{}", serde_urlencoded::to_string([("naeste", next)]).unwrap_or_default());
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<Authenticated>().map(|a| a.user.clone())))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<CsrfToken>().cloned().unwrap_or(CsrfToken(String::new())))
    }
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn is_multipart(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn equal(a: &str, b: &str) -> bool {
    !a.is_empty() && a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn forbidden_form() -> Response {
    crate::error::page(
        StatusCode::FORBIDDEN,
        "Formularen kunne ikke godkendes",
        "Formularen er udløbet eller blev ikke sendt fra denne side. Gå tilbage, genindlæs siden og prøv igen.",
    )
}

/// The gate: every response, including the ones the checks below answer early (CSRF 403, 413,
/// API 401/403, 500), leaves with the security headers.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let id = request.headers().get(crate::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    // A request that changes nothing checks every cache against one reading of the stamps.
    let leser = matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let besvar = crate::error::REQUEST_ID.scope(id, checks(&state, request, next));
    let mut response = if leser { app::med_faste_stempler(besvar).await } else { besvar.await };
    security_headers(&mut response, &state);
    response
}

/// The Content-Security-Policy of every response. Forms post only here, except that logging
/// out may redirect to the national login provider to end its session too (a redirect after
/// a form submission is governed by `form-action`).
pub fn content_security_policy(login_provider: Option<&str>) -> HeaderValue {
    let provider = login_provider
        .and_then(|issuer| url::Url::parse(issuer).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    let csp = format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         frame-ancestors 'none'; form-action 'self'{provider}; base-uri 'none'; object-src 'none'"
    );
    HeaderValue::from_str(&csp).unwrap_or_else(|_| content_security_policy(None))
}

/// Headers every response carries.
fn security_headers(response: &mut Response, state: &crate::AppState) {
    let settings = &state.settings;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, state.csp.clone());
    for (name, value) in
        [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"), ("referrer-policy", "same-origin")]
    {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if settings.secure_cookies {
        // Served over HTTPS (the default): browsers keep to HTTPS for a year.
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages can hold personal or draft data: never store them in shared caches.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// What a request is about to do, so its session's read brings along what it would read first.
/// The package a request reads (`/pakker/{id}…`, `/api/v1/pakker/{id}…` by GET or HEAD) or
/// saves answers in (a section or afdeling form: POST of the form, PUT through the API): its
/// revision, so the request needs no read of the package while the process keeps it. An
/// overview read (GET or HEAD of `/kommune…` or `/organisation…`): the fingerprint of the
/// packages the user's overview lists. Only hints:
/// scope is checked as always. Other writes get none: they may read after they changed.
fn forespoergsel(method: &Method, path: &str) -> Option<app::Forespoergsel> {
    let laeser = *method == Method::GET || *method == Method::HEAD;
    let oversigt = |side: &str| path == side || path.strip_prefix(side).is_some_and(|rest| rest.starts_with('/'));
    if laeser && (oversigt("/kommune") || oversigt("/organisation")) {
        return Some(app::Forespoergsel::Oversigtslaesning);
    }
    let (api, rest) = match path.strip_prefix("/api/v1") {
        Some(rest) => (true, rest),
        None => (false, path),
    };
    let mut segments = rest.strip_prefix("/pakker/")?.split('/');
    let id = store::PakkeId(segments.next()?.parse().ok()?);
    if laeser {
        return Some(app::Forespoergsel::Pakkelaesning(id));
    }
    let gemmer = if api { *method == Method::PUT } else { *method == Method::POST };
    let formular = match (segments.next(), segments.next(), segments.next()) {
        (Some("sektioner"), Some(sektion), None) => !sektion.is_empty(),
        (Some("afdelinger"), Some(nummer), None) => nummer.parse::<u32>().is_ok(),
        _ => false,
    };
    (gemmer && formular).then_some(app::Forespoergsel::Pakkegemning(id))
}

async fn checks(state: &AppState, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let jar = CookieJar::from_headers(&parts.headers);
    let is_api = parts.uri.path().starts_with("/api/");
    let bearer_token = bearer(&parts);
    let cookie_token = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    let token = bearer_token.clone().or(cookie_token);

    let mut authenticated = None;
    if let Some(token) = token {
        match state.app.authenticate_for(&token, forespoergsel(&parts.method, parts.uri.path())).await {
            Ok(Some(user)) => authenticated = Some(Authenticated { user, token }),
            Ok(None) => {}
            Err(e) => return crate::error::internal(&e.to_string()),
        }
    }
    // A personal API key works only as a bearer token on the API, never as a page session.
    if authenticated.is_none()
        && is_api
        && let Some(token) = bearer_token.clone()
    {
        match state.app.authenticate_api_noegle(&token).await {
            Ok(Some(user)) => authenticated = Some(Authenticated { user, token }),
            Ok(None) => {}
            Err(e) => return crate::error::internal(&e.to_string()),
        }
    }

    let user = authenticated.as_ref().map(|a| a.user.clone());
    let path = parts.uri.path().to_string();
    // Only an error page needs the way back: the Referer is read then, not on every request.
    let kilde = (
        parts.method.clone(),
        parts.uri.clone(),
        parts.headers.get(header::REFERER).cloned(),
        parts.headers.get(header::HOST).cloned(),
    );
    // Every early answer below and the handler's own leave through the error pages.
    let response = async move {
        // Forms before login use a random double-submit cookie; after login, the session's token.
        let mut new_anon_cookie = None;
        let csrf = match &authenticated {
            Some(a) => a.user.csrf_token.clone(),
            None => match jar.get(ANON_CSRF_COOKIE) {
                Some(c) => c.value().to_string(),
                None => {
                    let fresh = uuid::Uuid::new_v4().simple().to_string();
                    new_anon_cookie = Some(fresh.clone());
                    fresh
                }
            },
        };

        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let body = if unsafe_method {
            if is_api {
                // The API takes unsafe requests only with a bearer token, which browsers never
                // send on their own, so cross-site requests cannot ride on a cookie.
                if bearer_token.is_none() {
                    return crate::error::api::error(
                        StatusCode::FORBIDDEN,
                        "Ændringer via API kræver et adgangstoken (Authorization: Bearer).",
                    );
                }
                body
            } else if is_multipart(&parts) {
                // File uploads carry the token as the form's first field, so it is checked before
                // any file is read and never travels in a URL; the body then goes on unchanged.
                match multipart_csrf(&parts, body).await {
                    Ok((sent, body)) if equal(&sent, &csrf) => body,
                    Ok(_) => return forbidden_form(),
                    Err(response) => return response,
                }
            } else {
                let bytes: Bytes = match http_body_util::Limited::new(body, MAX_FORM_BYTES).collect().await {
                    Ok(collected) => collected.to_bytes(),
                    Err(_) => {
                        return crate::error::page(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "For stor forespørgsel",
                            "Formularen indeholder for meget data.",
                        );
                    }
                };
                let fields: HashMap<String, String> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
                let sent = fields.get(CSRF_FIELD).map(String::as_str).unwrap_or("");
                if !equal(sent, &csrf) {
                    return forbidden_form();
                }
                Body::from(bytes)
            }
        } else {
            body
        };

        parts.extensions.insert(CsrfToken(csrf));
        let adresse = klient_adresse(&parts, &state.settings.trusted_proxies);
        parts.extensions.insert(adresse);
        if let Some(a) = authenticated {
            parts.extensions.insert(a);
        }
        let mut response = next.run(Request::from_parts(parts, body)).await;
        let headers = response.headers_mut();
        if let Some(value) = new_anon_cookie {
            let cookie = Cookie::build((ANON_CSRF_COOKIE, value))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(state.settings.secure_cookies)
                .build();
            if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
                headers.append(header::SET_COOKIE, v);
            }
        }
        response
    }
    .await;
    let (method, uri, referer, host) = kilde;
    crate::error::fejlside(response, user.as_ref(), &path, || tilbage(&method, &uri, referer.as_ref(), host.as_ref()))
}

/// The page the user came from, when it is on this site and not the page that failed: the
/// error page's way back.
fn tilbage(
    method: &Method,
    uri: &axum::http::Uri,
    referer: Option<&HeaderValue>,
    host: Option<&HeaderValue>,
) -> Option<String> {
    let referer = url::Url::parse(referer?.to_str().ok()?).ok()?;
    let host = host?.to_str().ok()?;
    let same_site = referer.host_str().map(|h| match referer.port() {
        Some(port) => format!("{h}:{port}"),
        None => h.to_string(),
    });
    if same_site.as_deref() != Some(host) {
        return None;
    }
    let target = match referer.query() {
        Some(q) => format!("{}?{q}", referer.path()),
        None => referer.path().to_string(),
    };
    let current = uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    (method != Method::GET || target != current).then_some(target)
}

/// How much of a multipart body is read to find its first field, the CSRF token.
const MULTIPART_PEEK_BYTES: usize = 16 * 1024;

/// The value of a multipart body's first field if it is the CSRF field (else empty), and the
/// whole body to pass on: the bytes read are put back in front of the rest of the stream.
async fn multipart_csrf(parts: &Parts, body: Body) -> Result<(String, Body), Response> {
    use futures::StreamExt;
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Err(forbidden_form());
    };
    let mut stream = body.into_data_stream();
    let mut prefix = Vec::new();
    while prefix.len() < MULTIPART_PEEK_BYTES {
        match stream.next().await {
            Some(Ok(chunk)) => prefix.extend_from_slice(&chunk),
            Some(Err(_)) => {
                return Err(crate::error::page(
                    StatusCode::BAD_REQUEST,
                    "Formularen kunne ikke modtages",
                    "Forbindelsen blev afbrudt under afsendelsen. Prøv igen.",
                ));
            }
            None => break,
        }
    }
    let prefix = Bytes::from(prefix);
    let peek = futures::stream::once(std::future::ready(Ok::<_, std::convert::Infallible>(prefix.clone())));
    let mut form = multer::Multipart::new(peek, boundary);
    let sent = match form.next_field().await {
        Ok(Some(field)) if field.name() == Some(CSRF_FIELD) => field.text().await.unwrap_or_default(),
        _ => String::new(),
    };
    let rest = futures::stream::once(std::future::ready(Ok::<_, axum::Error>(prefix))).chain(stream);
    Ok((sent, Body::from_stream(rest)))
}

/// The session cookie after a successful login.
pub fn session_cookie(token: String, secure: bool, max_age: Duration) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::seconds(max_age.as_secs() as i64))
        .build()
}

pub fn expired_session_cookie() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, "")).path("/").max_age(time::Duration::ZERO).build()
}

/// The client's address as the login throttle sees it: the connection's peer, or, when the
/// peer is a trusted reverse proxy, the nearest address in `X-Forwarded-For` that is not one
/// of the trusted proxies. Put in the request extensions by [`guard`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KlientAdresse(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for KlientAdresse {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<KlientAdresse>().copied().unwrap_or(KlientAdresse(None)))
    }
}

fn klient_adresse(parts: &Parts, trusted: &[std::net::IpAddr]) -> KlientAdresse {
    let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let Some(peer) = peer else { return KlientAdresse(None) };
    if !trusted.contains(&peer) {
        return KlientAdresse(Some(peer));
    }
    // Proxies append: read from the right, past the trusted ones.
    let forwarded: Vec<std::net::IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    KlientAdresse(Some(forwarded.into_iter().rev().find(|a| !trusted.contains(a)).unwrap_or(peer)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_request_reads_or_saves_in() {
        use app::Forespoergsel::{Oversigtslaesning, Pakkegemning as Gemning, Pakkelaesning as Laesning};
        use store::PakkeId;
        let f = |method: Method, path| forespoergsel(&method, path);
        assert_eq!(f(Method::GET, "/pakker/1057"), Some(Laesning(PakkeId(1057))));
        assert_eq!(f(Method::GET, "/pakker/1057/sektioner/b3.I"), Some(Laesning(PakkeId(1057))));
        assert_eq!(f(Method::HEAD, "/api/v1/pakker/678"), Some(Laesning(PakkeId(678))));
        assert_eq!(f(Method::GET, "/api/v1/pakker"), None);
        assert_eq!(f(Method::GET, "/pakker/ny"), None);
        assert_eq!(f(Method::GET, "/kommune/pakker"), Some(Oversigtslaesning));
        assert_eq!(f(Method::HEAD, "/kommune"), Some(Oversigtslaesning));
        assert_eq!(f(Method::GET, "/organisation"), Some(Oversigtslaesning));
        assert_eq!(f(Method::GET, "/organisationer"), None);
        assert_eq!(f(Method::POST, "/kommune/frister"), None, "a write reads after it changed");
        assert_eq!(f(Method::GET, "/kommuner"), None);
        assert_eq!(f(Method::GET, "/offentlig/pakker/12"), None);
        // Saves of a form read the package once before they write.
        assert_eq!(f(Method::POST, "/pakker/1057/sektioner/b3.III"), Some(Gemning(PakkeId(1057))));
        assert_eq!(f(Method::POST, "/pakker/1057/afdelinger/3"), Some(Gemning(PakkeId(1057))));
        assert_eq!(f(Method::PUT, "/api/v1/pakker/678/sektioner/b3.II"), Some(Gemning(PakkeId(678))));
        assert_eq!(f(Method::PUT, "/api/v1/pakker/678/afdelinger/2"), Some(Gemning(PakkeId(678))));
        // Every other write may read the package after it changed it: no hint.
        assert_eq!(f(Method::POST, "/pakker/1057/afdelinger/ingen-udfordringer"), None);
        assert_eq!(f(Method::POST, "/pakker/1057/bilag"), None);
        assert_eq!(f(Method::POST, "/api/v1/pakker/678/bilag"), None);
        assert_eq!(f(Method::POST, "/pakker/1057/indsend"), None);
        assert_eq!(f(Method::PUT, "/api/v1/pakker/678/redegoerelse"), None);
        assert_eq!(f(Method::POST, "/api/v1/pakker/678/sektioner/b3.II"), None);
        assert_eq!(f(Method::PUT, "/pakker/1057/sektioner/b3.III"), None);
        assert_eq!(f(Method::POST, "/pakker/1057/sektioner/b3.III/mere"), None);
    }

    fn parts(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut request = axum::http::Request::builder().uri("/");
        if let Some(f) = forwarded {
            request = request.header("x-forwarded-for", f);
        }
        let (mut parts, _) = request.body(()).unwrap().into_parts();
        parts.extensions.insert(axum::extract::ConnectInfo::<std::net::SocketAddr>(peer.parse().unwrap()));
        parts
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let ip = |a: &str| Some(a.parse::<std::net::IpAddr>().unwrap());
        let proxy: Vec<std::net::IpAddr> = vec!["10.0.0.1".parse().unwrap()];
        // No trusted proxy: the header is ignored, whatever it says.
        assert_eq!(klient_adresse(&parts("10.0.0.1:5000", Some("1.2.3.4")), &[]).0, ip("10.0.0.1"));
        // From an untrusted peer: ignored too.
        assert_eq!(klient_adresse(&parts("9.9.9.9:5000", Some("1.2.3.4")), &proxy).0, ip("9.9.9.9"));
        // From the proxy: the nearest untrusted address; a forged left part does not count.
        assert_eq!(klient_adresse(&parts("10.0.0.1:5000", Some("6.6.6.6, 1.2.3.4")), &proxy).0, ip("1.2.3.4"));
        assert_eq!(klient_adresse(&parts("10.0.0.1:5000", None), &proxy).0, ip("10.0.0.1"));
    }

    #[test]
    fn csrf_comparison_refuses_empty_and_different_tokens() {
        assert!(equal("abc", "abc"));
        assert!(!equal("", ""));
        assert!(!equal("abc", "abd"));
    }
}
