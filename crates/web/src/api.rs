//! JSON API /api/v1. Same use cases and scope checks as the pages; every error is JSON.

use crate::AppState;
use crate::security::CurrentUser;
use app::AppError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use store::{PakkeId, PakkeRecord};

pub fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"fejl": {"status": status.as_u16(), "besked": message}}))).into_response()
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
            AppError::Store(_) | AppError::Internal(_) => {
                tracing::error!(cause = %format!("{:?}", self.0), "api request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        error(status, &self.0.to_string())
    }
}

fn pakke_json(p: &PakkeRecord) -> serde_json::Value {
    json!({
        "id": p.id.0,
        "organisation": {"nummer": p.organisation_nummer.get(), "navn": p.organisation_navn},
        "styringsaar": p.styringsaar.get(),
        "rapporttype": p.rapporttype.as_str(),
        "status": p.status.as_str(),
        "frist": p.frist,
        "regnskabsperiode": {"start": p.periode.start(), "slut": p.periode.slut()},
    })
}

/// The packages the user works on: the organisation's own, or those sent to the kommune.
pub async fn pakker(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let pakker = match user.principal.role {
        domain::access::Role::Organisation => state.app.my_packages(&user).await?,
        domain::access::Role::Kommune => state.app.kommune_packages(&user).await?,
        domain::access::Role::Styrelse => Vec::new(),
    };
    Ok(Json(json!({"data": pakker.iter().map(pakke_json).collect::<Vec<_>>()})))
}

pub async fn pakke(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let mut body = pakke_json(&v.pakke);
    body["svar"] = serde_json::to_value(&v.svar).unwrap_or_default();
    body["arbejdskopi"] = v.is_working_copy.into();
    body["versioner"] = v
        .versions
        .iter()
        .map(|x| json!({"version": x.version, "indsendt": x.submitted_at, "for_sent": x.late}))
        .collect();
    Ok(Json(body))
}

/// The efficiency figures of the package's afdelinger.
pub async fn effektivitet(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let rows = state.app.pakke_effektivitet(&v).await?;
    let data: Vec<_> = rows
        .iter()
        .map(|(a, e)| {
            json!({
                "afdeling": {"id": a.id.0, "nummer": a.data.nummer.get(), "navn": a.data.navn},
                "effektivitetstal": e.effektivitetstal,
                "farve": e.farve.as_str(),
                "gruppe": e.gruppe,
                "peers": e.peers,
                "bedste_praksis_afdeling_id": e.bedste_praksis.0,
                "potentiale_kr": e.potentiale_kr,
            })
        })
        .collect();
    Ok(Json(json!({"data": data})))
}

/// One afdeling's figure explained: group, best-practice peer, account by account.
pub async fn forklaring(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    Path((id, afdeling)): Path<(i64, i64)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let f = state.app.forklar_effektivitet(&v, domain::master::AfdelingId(afdeling)).await?;
    Ok(Json(json!({
        "afdeling": {"id": f.afdeling.id.0, "nummer": f.afdeling.data.nummer.get(), "navn": f.afdeling.data.navn},
        "effektivitetstal": f.resultat.effektivitetstal,
        "farve": f.resultat.farve.as_str(),
        "gruppe": f.resultat.gruppe,
        "peers": f.resultat.peers,
        "potentiale_kr": f.resultat.potentiale_kr,
        "gennemsnit_kommune": f.gennemsnit_kommune,
        "gennemsnit_region": f.gennemsnit_region,
        "bedste_praksis": {
            "id": f.bedste_praksis.id.0,
            "nummer": f.bedste_praksis.data.nummer.get(),
            "navn": f.bedste_praksis.data.navn,
            "organisation": f.bedste_praksis_organisation,
        },
        "konti": f.konti.iter().map(|k| json!({
            "konto": k.konto,
            "navn": k.navn,
            "egen_kr_pr_bolig": k.egen,
            "bedste_praksis_kr_pr_bolig": k.bedste_praksis,
            "forhold": k.forhold.filter(|x| x.is_finite()),
        })).collect::<Vec<_>>(),
    })))
}
