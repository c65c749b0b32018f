//! Webhook endpoints through the API: register, list, rotate the secret, deactivate, and read
//! the delivery log with "send again". Deliveries are CloudEvents signed by the Standard
//! Webhooks scheme; docs/integration.md shows how to verify one.

use super::{ApiError, ApiResult, Fejl, Liste, Side, json_body, query, segment};
use crate::AppState;
use crate::security::CurrentUser;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::{EndepunktRecord, LeveranceId, LeveranceRecord, WebhookId};
use utoipa::ToSchema;

/// A registered endpoint.
#[derive(Serialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// The CloudEvents types it receives (`dk.styringsdialog.pakke.indsendt`, …).
    pub typer: Vec<String>,
    pub oprettet: DateTime<Utc>,
    /// Since when every delivery has failed, if they do.
    pub fejler_siden: Option<DateTime<Utc>>,
    pub deaktiveret: Option<DateTime<Utc>>,
    pub deaktiveret_grund: Option<String>,
    /// Only in the answer to registering and rotating: the signing secret (`whsec_…`). It is
    /// not shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hemmelighed: Option<String>,
}

impl From<&EndepunktRecord> for Webhook {
    fn from(e: &EndepunktRecord) -> Webhook {
        Webhook {
            id: e.id.0,
            url: e.endepunkt.url.clone(),
            typer: e.endepunkt.typer.clone(),
            oprettet: e.endepunkt.at,
            fejler_siden: e.fejler_siden,
            deaktiveret: e.deaktiveret.as_ref().map(|(d, _)| *d),
            deaktiveret_grund: e.deaktiveret.as_ref().map(|(_, g)| g.clone()),
            hemmelighed: None,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NytWebhook {
    /// An https URL on a public address.
    pub url: String,
    /// The event types to receive.
    pub typer: Vec<String>,
}

/// The user's endpoints, newest first.
#[utoipa::path(
    get, path = "/api/v1/webhooks", tag = "webhooks",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Webhook>), (status = 401, body = Fejl))
)]
pub async fn webhooks(State(state): State<AppState>, CurrentUser(user, _): CurrentUser) -> ApiResult<Vec<Webhook>> {
    Ok(Json(state.app.webhooks(&user).await?.iter().map(Webhook::from).collect()))
}

/// Registers an endpoint. It receives the chosen events about what the user may read, as
/// long as the user may; the answer carries the signing secret, once.
#[utoipa::path(
    post, path = "/api/v1/webhooks", tag = "webhooks",
    request_body = NytWebhook,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered; `hemmelighed` is shown this once", body = Webhook),
        (status = 401, body = Fejl),
        (status = 422, description = "Not https, an internal address, or an unknown event type", body = Fejl)
    )
)]
pub async fn opret(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    body: Bytes,
) -> Result<(StatusCode, Json<Webhook>), ApiError> {
    let n: NytWebhook = json_body(&body, "krop", "url og typer")?;
    let mut ind = crate::input::Indlaesning::new(state.app.today());
    let typer = ind.haendelsestyper("typer", &n.typer);
    let typer = ind.faerdig(typer)?;
    let (id, hemmelighed) = state.app.registrer_webhook(&user, &n.url, &typer).await?;
    let mut w = Webhook::from(&state.app.webhook(&user, id).await?);
    w.hemmelighed = Some(hemmelighed);
    Ok((StatusCode::CREATED, Json(w)))
}

/// A new signing secret; the old one keeps signing (a second signature) for a day.
#[utoipa::path(
    post, path = "/api/v1/webhooks/{webhook}/roter", tag = "webhooks",
    params(("webhook" = i64, Path, description = "The endpoint id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint with its new secret, shown this once", body = Webhook),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl),
        (status = 409, description = "Deactivated", body = Fejl)
    )
)]
pub async fn roter(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(webhook): Path<String>,
) -> ApiResult<Webhook> {
    let id = WebhookId(segment(&webhook)?);
    let hemmelighed = state.app.roter_webhook(&user, id).await?;
    let mut w = Webhook::from(&state.app.webhook(&user, id).await?);
    w.hemmelighed = Some(hemmelighed);
    Ok(Json(w))
}

/// Deactivates the endpoint; waiting deliveries are given up. Nothing is deleted.
#[utoipa::path(
    post, path = "/api/v1/webhooks/{webhook}/deaktiver", tag = "webhooks",
    params(("webhook" = i64, Path, description = "The endpoint id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Webhook),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl),
        (status = 409, description = "Already deactivated", body = Fejl)
    )
)]
pub async fn deaktiver(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(webhook): Path<String>,
) -> ApiResult<Webhook> {
    let id = WebhookId(segment(&webhook)?);
    state.app.deaktiver_webhook(&user, id).await?;
    Ok(Json(Webhook::from(&state.app.webhook(&user, id).await?)))
}

/// The test event queued.
#[derive(Serialize, ToSchema)]
pub struct Proeve {
    /// The delivery in the log.
    pub leverance: i64,
}

/// Sends the endpoint a test event (`dk.styringsdialog.webhook.test`), signed like the
/// others, to check the receiver and its signature verification.
#[utoipa::path(
    post, path = "/api/v1/webhooks/{webhook}/test", tag = "webhooks",
    params(("webhook" = i64, Path, description = "The endpoint id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Queued; the sender delivers it within seconds", body = Proeve),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl),
        (status = 409, description = "Deactivated", body = Fejl)
    )
)]
pub async fn test(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(webhook): Path<String>,
) -> ApiResult<Proeve> {
    let leverance = state.app.test_webhook(&user, WebhookId(segment(&webhook)?)).await?;
    Ok(Json(Proeve { leverance: leverance.0 }))
}

/// One delivery of an event to the endpoint.
#[derive(Serialize, ToSchema)]
pub struct Leverance {
    pub id: i64,
    /// The CloudEvent's id (`webhook-id`).
    pub haendelse_id: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub oprettet: DateTime<Utc>,
    pub forsoeg: i64,
    pub leveret: Option<DateTime<Utc>>,
    /// When it is tried next (none once delivered or given up).
    pub naeste_forsoeg: Option<DateTime<Utc>>,
    pub sidste_statuskode: Option<u16>,
    pub sidste_fejl: Option<String>,
}

impl From<LeveranceRecord> for Leverance {
    fn from(l: LeveranceRecord) -> Leverance {
        Leverance {
            id: l.id.0,
            haendelse_id: l.haendelse_id,
            type_: l.type_,
            oprettet: l.oprettet,
            forsoeg: l.forsoeg,
            leveret: l.leveret,
            naeste_forsoeg: l.naeste_forsoeg,
            sidste_statuskode: l.sidste_statuskode,
            sidste_fejl: l.sidste_fejl,
        }
    }
}

/// The endpoint's delivery log, newest first.
#[utoipa::path(
    get, path = "/api/v1/webhooks/{webhook}/leverancer", tag = "webhooks",
    params(("webhook" = i64, Path, description = "The endpoint id"), Side),
    security(("bearer" = [])),
    responses((status = 200, body = Liste<Leverance>), (status = 401, body = Fejl), (status = 404, body = Fejl), (status = 422, body = Fejl))
)]
pub async fn leverancer(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(webhook): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Liste<Leverance>> {
    let side: Side = query(raw)?;
    let udsnit = state.app.webhook_leverancer(&user, WebhookId(segment(&webhook)?), side.checked()?).await?;
    Ok(Json(Liste::from(udsnit.map(Leverance::from))))
}

/// Sends a delivery again now (after the receiver is fixed).
#[utoipa::path(
    post, path = "/api/v1/webhooks/{webhook}/leverancer/{leverance}/send-igen", tag = "webhooks",
    params(("webhook" = i64, Path, description = "The endpoint id"), ("leverance" = i64, Path, description = "The delivery id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Due now; the sender takes it within seconds", body = Leverance),
        (status = 401, body = Fejl),
        (status = 404, body = Fejl),
        (status = 409, description = "Being sent, or the endpoint is deactivated", body = Fejl)
    )
)]
pub async fn send_igen(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((webhook, leverance)): Path<(String, String)>,
) -> ApiResult<Leverance> {
    let (id, leverance) = (WebhookId(segment(&webhook)?), LeveranceId(segment(&leverance)?));
    Ok(Json(Leverance::from(state.app.send_leverance_igen(&user, id, leverance).await?)))
}
