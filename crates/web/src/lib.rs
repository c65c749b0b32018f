//! The web tier: server-rendered Danish pages in the DKFDS Virk look, the public part and
//! the JSON API. Stateless: sessions live in the database, so several instances can serve.
//!
//! Every request passes [`security::guard`] (CSRF on unsafe methods, security headers) and
//! every handler that acts for a user receives a [`security::CurrentUser`]; the use cases in
//! `app` then check the user's scope.

pub mod api;
mod assets;
mod error;
mod format;
mod input;
mod layout;
mod metrics;
mod offentlige_svar;
mod pages;
mod paths;
pub mod security;
/// The printable documents (pages, the API and the command line's archive export).
pub mod udskrift;
mod upload;
mod view;

use app::App;
use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// Web settings from the layered configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Served over HTTPS (the default): cookies are `Secure` and responses carry HSTS. Off
    /// only for plain HTTP on loopback.
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client; without any, the header is
    /// ignored and the client is the connection's peer.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A request that takes longer is answered 503 (a slow upload or a stuck read cannot hold
    /// a worker for ever).
    pub request_timeout: std::time::Duration,
    /// Requests handled at once; more wait their turn (within the timeout).
    pub max_concurrent_requests: usize,
    /// The bearer token that opens `/metrics`; without one there are no metrics.
    pub metrics_token: Option<String>,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            secure_cookies: true,
            trusted_proxies: Vec::new(),
            request_timeout: std::time::Duration::from_secs(120),
            max_concurrent_requests: 1024,
            metrics_token: None,
        }
    }
}

/// What every handler and middleware is given. One shared allocation: a request clones the
/// state several times (each middleware and extractor), and one reference count is far
/// cheaper for two busy cores than the dozen of its parts.
#[derive(Clone)]
pub struct AppState(Arc<Tilstand>);

impl std::ops::Deref for AppState {
    type Target = Tilstand;
    fn deref(&self) -> &Tilstand {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Tilstand {
    pub app: App,
    pub settings: Arc<WebSettings>,
    /// The Content-Security-Policy header, made once (it names the login provider's origin).
    pub csp: axum::http::HeaderValue,
    /// The public pages' answers, kept while nothing they show has changed.
    offentlige_svar: Arc<offentlige_svar::Svarlager>,
    /// "Hvor skal vi kigge først" rendered, kept while its lists are.
    opmaerksomhed: Arc<pages::kommune::tilsyn::OpmaerksomhedIndhold>,
}

/// The header that carries a request's id.
pub(crate) const REQUEST_ID: axum::http::HeaderName = axum::http::HeaderName::from_static("x-request-id");

/// Ready to serve: the database answers and has this release's schema (`/healthz` only says
/// the process lives). A load balancer sends traffic only to ready instances.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.app.klar().await {
        Ok(version) => format!("klar (skema {version})").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "ikke klar").into_response()
        }
    }
}

/// The whole application as a router; `serve` and the tests use exactly this wiring.
pub fn router(app: App, settings: WebSettings) -> Router {
    let csp = security::content_security_policy(app.national_login().map(|o| o.issuer.as_str()));
    let state = AppState(Arc::new(Tilstand {
        app,
        settings: Arc::new(settings),
        csp,
        offentlige_svar: Default::default(),
        opmaerksomhed: Default::default(),
    }));
    // An upload may be as large as the largest the rules allow, plus the multipart framing.
    let upload_limit = (upload::stoerste_mb(&state.app) as usize).saturating_add(1).saturating_mul(1024 * 1024);
    let (api_routes, _) = api::routes_with_upload_limit(upload_limit);
    let router = Router::new()
        .route("/", get(pages::offentlig::forside))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::scrape))
        .route("/log-ind", get(pages::auth::login_form).post(pages::auth::login))
        .route("/log-ind/mitid", get(pages::auth::national_login))
        .route("/log-ind/mitid/retur", get(pages::auth::national_retur))
        .route("/log-ud", post(pages::auth::logout))
        .route("/session/forlaeng", post(pages::auth::forlaeng))
        .route("/konto/api-noegler", get(pages::auth::api_noegler).post(pages::auth::opret_api_noegle))
        .route("/konto/api-noegler/{id}/tilbagekald", post(pages::auth::tilbagekald_api_noegle))
        .route("/konto/webhooks", get(pages::webhooks::oversigt).post(pages::webhooks::opret))
        .route("/konto/webhooks/{id}", get(pages::webhooks::log))
        .route("/konto/webhooks/{id}/roter", post(pages::webhooks::roter))
        .route("/konto/webhooks/{id}/deaktiver", post(pages::webhooks::deaktiver))
        .route("/konto/webhooks/{id}/test", post(pages::webhooks::test))
        .route("/konto/webhooks/{id}/leverancer/{leverance}/send-igen", post(pages::webhooks::send_igen))
        .route("/konto/sessioner", get(pages::auth::sessioner))
        .route("/konto/sessioner/{session}/afslut", post(pages::auth::afslut_session))
        .route("/organisation", get(pages::organisation::oversigt))
        .route("/pakker/{id}", get(pages::organisation::pakke::vis))
        .route(
            "/pakker/{id}/sektioner/{sektion}",
            get(pages::organisation::sektion_form).post(pages::organisation::gem_sektion),
        )
        .route("/pakker/{id}/afdelinger", get(pages::organisation::afdelinger))
        .route("/pakker/{id}/sidste-aar", post(pages::organisation::sidste_aar))
        .route(
            "/pakker/{id}/bilag",
            get(pages::organisation::bilag::oversigt)
                .post(pages::organisation::bilag::upload)
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/pakker/{id}/bilag/{bilag}", get(pages::organisation::bilag::hent))
        .route("/pakker/{id}/bilag/{bilag}/fjern", post(pages::organisation::bilag::fjern))
        .route("/pakker/{id}/afdelinger/ingen-udfordringer", post(pages::organisation::uden_udfordringer))
        .route(
            "/pakker/{id}/afdelinger/{nummer}",
            get(pages::organisation::afdelingsskema).post(pages::organisation::gem_afdelingsskema),
        )
        .route("/pakker/{id}/indsend", get(pages::organisation::tjek_svar).post(pages::organisation::indsend))
        .route("/pakker/{id}/kvittering/{version}", get(pages::organisation::kvittering))
        .route("/pakker/{id}/versioner/{version}", get(pages::organisation::pakke::version))
        .route("/pakker/{id}/versioner/{version}/styringsrapport.pdf", get(udskrift::version))
        .route("/pakker/{id}/styringsrapport.pdf", get(udskrift::styringsrapport))
        .route("/pakker/{id}/redegoerelse.pdf", get(udskrift::redegoerelse))
        .route("/pakker/{id}/effektivitet/{afdeling}", get(pages::organisation::pakke::forklaring))
        .route("/pakker/{id}/modtag", post(pages::kommune::modtag))
        .route("/pakker/{id}/paamindelse", post(pages::styrelse::udbakke::send_paamindelse))
        .route(
            "/pakker/{id}/ikke-modtaget",
            get(pages::kommune::tilsynsreaktion::ikke_modtaget_form)
                .post(pages::kommune::tilsynsreaktion::ikke_modtaget),
        )
        .route(
            "/pakker/{id}/tilsynsreaktion",
            get(pages::kommune::tilsynsreaktion::reaktion_form).post(pages::kommune::tilsynsreaktion::reaktion),
        )
        .route("/pakker/{id}/returner", get(pages::kommune::returner_form).post(pages::kommune::returner))
        .route("/pakker/{id}/moede", get(pages::kommune::moede_form).post(pages::kommune::moede))
        .route(
            "/pakker/{id}/redegoerelse",
            get(pages::redegoerelse::redegoerelse_form).post(pages::redegoerelse::gem_redegoerelse),
        )
        .route("/pakker/{id}/redegoerelse/hoering", post(pages::redegoerelse::send_i_hoering))
        .route(
            "/pakker/{id}/redegoerelse/offentliggoer",
            get(pages::redegoerelse::bekraeft_offentliggoer).post(pages::redegoerelse::offentliggoer),
        )
        .route("/kommune", get(pages::kommune::tilsyn::oversigt))
        .route("/kommune/oversigt.xlsx", get(pages::kommune::tilsyn::oversigt_xlsx))
        .route("/kommune/pakker", get(pages::kommune::oversigt))
        .route("/kommune/afdelinger", get(pages::kommune::tilsyn::beliggenhed))
        .route("/kommune/opmaerksomhed", get(pages::kommune::tilsyn::opmaerksomhed))
        .route("/styrelse/udbakke", get(pages::styrelse::udbakke::udbakke))
        .route("/styrelse/udbakke/{id}/send-igen", post(pages::styrelse::udbakke::send_mail_igen))
        .route("/pakker/{id}/indkald", get(pages::moeder::indkald_form).post(pages::moeder::indkald))
        .route("/moeder/{id}", get(pages::moeder::moede))
        .route("/moeder/{id}/afholdt", post(pages::moeder::moede_afholdt))
        .route("/moeder/{id}/flyt", post(pages::moeder::flyt_moede))
        .route("/moeder/{id}/aflys", post(pages::moeder::aflys_moede))
        .route("/pakker/{id}/hoering", get(pages::hoering::hoering))
        .route("/pakker/{id}/bemaerkninger", post(pages::hoering::bemaerk))
        .route("/pakker/{id}/aftaler", post(pages::redegoerelse::opret_aftale))
        .route("/aftaler", get(pages::aftaler::aftaler))
        .route("/aftaler/{id}/status", post(pages::aftaler::aftale_status))
        .route("/kommune/frister", get(pages::kommune::frister).post(pages::kommune::saet_frist))
        .route("/kommune/rapportperiode", post(pages::kommune::saet_rapportperiode))
        .route("/styrelse", get(pages::styrelse::oversigt))
        .route("/styrelse/varsler", get(pages::varsling::national))
        .route("/styrelse/varsler.xlsx", get(pages::varsling::national_xlsx))
        .route("/styrelse/varsler/send", post(pages::varsling::send_til_kommunerne))
        .route("/kommune/varsler", get(pages::varsling::kommune))
        .route("/styrelse/kommuner/{kode}", get(pages::kommune::tilsyn::kommune_for_styrelsen))
        .route("/styrelse/pakker", post(pages::styrelse::opret_pakker))
        .route("/styrelse/brugere", get(pages::styrelse::brugere::oversigt).post(pages::styrelse::brugere::opret))
        .route("/styrelse/brugere/{brugernavn}/spaer", post(pages::styrelse::brugere::spaer))
        .route("/styrelse/brugere/{brugernavn}/genaktiver", post(pages::styrelse::brugere::genaktiver))
        .route("/styrelse/beregning", post(pages::styrelse::beregn))
        .route(
            "/styrelse/skabeloner",
            get(pages::styrelse::skabeloner::oversigt).post(pages::styrelse::skabeloner::upload),
        )
        .route(
            "/styrelse/import",
            get(pages::styrelse::import::form)
                .post(pages::styrelse::import::upload)
                // National accounts files are several MB.
                .layer(axum::extract::DefaultBodyLimit::max(50 * 1024 * 1024)),
        )
        .route("/om/tilgaengelighed", get(pages::offentlig::tilgaengelighed))
        .route("/om/privatliv", get(pages::offentlig::privatliv))
        .route("/offentlig", get(pages::offentlig::soeg))
        .route("/offentlig/data", get(pages::offentlig::aaben_data))
        .route("/offentlig/data/format", get(pages::offentlig::aaben_data_format))
        .route("/offentlig/data/{aar}/{fil}", get(pages::offentlig::aaben_data_fil))
        .route("/offentlig/organisationer/{nummer}", get(pages::offentlig::dataark))
        .route("/offentlig/organisationer/{nummer}/afdelinger/{afdeling}", get(pages::offentlig::afdeling_dataark))
        .route("/offentlig/kommuner/{kode}/redegoerelser", get(pages::offentlig::kommune_redegoerelser))
        .route("/offentlig/organisationer/{nummer}/redegoerelser/{fil}", get(udskrift::offentlig_redegoerelse))
        .route("/offentlig/organisationer/{nummer}/regnskaber/{bilag}", get(pages::offentlig::regnskab))
        // API writes with an Idempotency-Key are answered once (inside the guard: it knows
        // the user the key belongs to).
        .merge(api_routes.layer(axum::middleware::from_fn_with_state(state.clone(), api::idempotens::husk)))
        .route(
            "/api/v1/openapi.json",
            get(|| async { ([(axum::http::header::CONTENT_TYPE, "application/json")], api::openapi_json()) }),
        )
        .route("/static/{*path}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
        .fallback(error::not_found)
        // Inside the guard: it knows whether the reader is signed in.
        .layer(axum::middleware::from_fn_with_state(state.clone(), offentlige_svar::offentlige_svar))
        // Inside the guard, so a timeout's answer carries the security headers too.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            state.settings.request_timeout,
        ))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(state.settings.max_concurrent_requests.max(1)))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::guard))
        // Every request gets an id (or keeps the one its proxy gave it): on the response, on
        // every log line of its span, and on its error page.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(tower_http::request_id::PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(tower_http::request_id::SetRequestIdLayer::new(REQUEST_ID, tower_http::request_id::MakeRequestUuid));
    // Layers on a router wrap each route after routing, so the outermost one still sees the
    // route template, and counts what the timeout and the guard answered too.
    let router = if state.settings.metrics_token.is_some() {
        metrics::recorder();
        router.layer(axum::middleware::from_fn(metrics::track))
    } else {
        router
    };
    router.with_state(state)
}
