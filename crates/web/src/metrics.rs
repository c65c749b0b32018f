//! `/metrics` in the Prometheus text format, through the `metrics` facade and its Prometheus
//! exporter. Off unless a token is configured: the figures describe the service's load and
//! are for its operators, who scrape with `Authorization: Bearer <token>`.
//!
//! Requests are counted by route template (`/pakker/{id}`, never the id: a bounded set of
//! series) and status, with a latency histogram. The other crates count their own events
//! (logins refused, jobs, mails, the wait for the database's writer); the pools and the
//! outbox are read when the metrics are scraped.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Upper bounds of the latency buckets, seconds: the targets are 100 and 250 ms.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use. One per process: every router in it
/// (the tests start many) reports into the same registry.
pub(crate) fn recorder() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed");
        // Histogram samples wait in the recorder until drained; without a scrape they would
        // pile up, so they are drained on a timer.
        let upkeep = handle.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(5));
            loop {
                interval.tick().await;
                upkeep.run_upkeep();
            }
        });
        handle
    })
}

/// Counts a request by its route template and status, and times it.
pub(crate) async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        // Unknown paths are one series, whatever was asked for.
        .unwrap_or_else(|| "ukendt".to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("styringsdialog_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("styringsdialog_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: 404 unless a token is configured and presented (nobody learns that the
/// route exists without it).
pub(crate) async fn scrape(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let Some(expected) = state.settings.metrics_token.as_deref() else {
        return crate::error::not_found(uri).await;
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !bool::from(subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), expected.as_bytes())) {
        return crate::error::not_found(uri).await;
    }
    match state.app.driftstal().await {
        Ok(tal) => {
            for pool in &tal.pools {
                metrics::gauge!("styringsdialog_db_pool_connections", "pool" => pool.navn).set(pool.forbindelser);
                metrics::gauge!("styringsdialog_db_pool_idle", "pool" => pool.navn).set(pool.ledige);
                metrics::gauge!("styringsdialog_db_pool_max", "pool" => pool.navn).set(pool.max);
            }
            metrics::gauge!("styringsdialog_outbox_waiting").set(tal.udbakke.venter as f64);
            metrics::gauge!("styringsdialog_outbox_sending").set(tal.udbakke.afsendes as f64);
            let alder = tal.udbakke.aeldste.map(|t| (state.app.now() - t).num_milliseconds().max(0) as f64 / 1000.0);
            metrics::gauge!("styringsdialog_outbox_oldest_age_seconds").set(alder.unwrap_or(0.0));
        }
        // The request figures are still worth having when the database does not answer.
        Err(e) => tracing::warn!(error = %e, "operating figures for the metrics could not be read"),
    }
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], recorder().render())
        .into_response()
}
