//! Webhooks a user registers: the endpoint's address is checked (https, public addresses
//! only), the event types must be known, the secret is made here and shown once. An endpoint
//! belongs to its user: only the owner lists, rotates, deactivates it and reads its delivery
//! log. What it receives follows the owner's scope at each event (see the store's fan-out).

use crate::{App, AppError, FieldError, SessionUser};
use domain::haendelser::HaendelsesType;
use serde_json::json;
use store::*;

/// The most active endpoints one user may have.
const MAX_AKTIVE: usize = 10;

impl App {
    /// Registers an endpoint for the user; returns its id and the secret (shown once).
    pub async fn registrer_webhook(
        &self,
        user: &SessionUser,
        url: &str,
        typer: &[HaendelsesType],
    ) -> Result<(WebhookId, String), AppError> {
        let mut errors = Vec::new();
        let url = url.trim();
        if let Err(e) = webhook::kontroller_adresse(url, self.settings.webhooks.tillad_loopback).await {
            errors.push(FieldError { field: "url".into(), message: e.to_string() });
        }
        if typer.is_empty() {
            errors.push(FieldError { field: "typer".into(), message: "Vælg mindst én hændelsestype".into() });
        }
        let aktive = self.webhooks(user).await?.iter().filter(|e| e.deaktiveret.is_none()).count();
        if aktive >= MAX_AKTIVE {
            errors.push(FieldError {
                field: "url".into(),
                message: format!("Du har allerede {MAX_AKTIVE} aktive endepunkter; deaktivér et først"),
            });
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let mut typer: Vec<String> = typer.iter().map(|t| t.as_str().to_string()).collect();
        typer.sort();
        typer.dedup();
        let hemmelighed = webhook::ny_hemmelighed();
        let nyt = NytEndepunkt {
            bruger: user.principal.user_id,
            url: url.to_string(),
            typer: typer.clone(),
            hemmelighed: hemmelighed.clone(),
            at: self.now(),
        };
        let audit = self.audit(
            Some(user.principal.user_id),
            "webhook_oprettet",
            "webhook",
            "",
            json!({"url": url, "typer": typer}),
        );
        let id = self.store.opret_webhook(&nyt, &audit).await?;
        Ok((id, hemmelighed))
    }

    /// The user's endpoints, newest first.
    pub async fn webhooks(&self, user: &SessionUser) -> Result<Vec<EndepunktRecord>, AppError> {
        Ok(self.store.brugerens_webhooks(user.principal.user_id).await?)
    }

    /// One of the user's endpoints; anyone else's is not found.
    pub async fn webhook(&self, user: &SessionUser, id: WebhookId) -> Result<EndepunktRecord, AppError> {
        match self.store.webhook(id).await? {
            Some(e) if e.endepunkt.bruger == user.principal.user_id => Ok(e),
            _ => Err(AppError::NotFound),
        }
    }

    /// A new secret for the endpoint; the old one keeps signing for a day, so the receiver
    /// can switch without losing a delivery. Returns the new secret (shown once).
    pub async fn roter_webhook(&self, user: &SessionUser, id: WebhookId) -> Result<String, AppError> {
        let e = self.webhook(user, id).await?;
        if e.deaktiveret.is_some() {
            return Err(AppError::Conflict("Endepunktet er deaktiveret.".into()));
        }
        let hemmelighed = webhook::ny_hemmelighed();
        let audit = self.audit(Some(user.principal.user_id), "webhook_hemmelighed_roteret", "webhook", id, json!({}));
        self.store.roter_webhook(id, &hemmelighed, self.now() + chrono::Duration::days(1), &audit).await.map_err(
            |e| match e {
                StoreError::Stale => AppError::Conflict("Endepunktet er deaktiveret.".into()),
                other => AppError::Store(other),
            },
        )?;
        Ok(hemmelighed)
    }

    /// The owner deactivates the endpoint; its waiting deliveries are given up.
    pub async fn deaktiver_webhook(&self, user: &SessionUser, id: WebhookId) -> Result<(), AppError> {
        self.webhook(user, id).await?;
        let audit =
            self.audit(Some(user.principal.user_id), "webhook_deaktiveret", "webhook", id, json!({"af": "ejer"}));
        self.store.deaktiver_webhook(id, "deaktiveret af ejeren", self.now(), None, &audit).await.map_err(|e| match e {
            StoreError::Stale => AppError::Conflict("Endepunktet er allerede deaktiveret.".into()),
            other => AppError::Store(other),
        })
    }

    /// Sends the endpoint a test event (`dk.styringsdialog.webhook.test`), signed like every
    /// other, so the owner can check the receiver and its verification.
    pub async fn test_webhook(&self, user: &SessionUser, id: WebhookId) -> Result<LeveranceId, AppError> {
        let e = self.webhook(user, id).await?;
        if e.deaktiveret.is_some() {
            return Err(AppError::Conflict("Endepunktet er deaktiveret.".into()));
        }
        let haendelse = uuid::Uuid::new_v4().to_string();
        let at = self.now();
        let data = json!({"webhook": id.0, "besked": "En prøvehændelse fra styringsdialogen"});
        let event = domain::haendelser::cloudevent(
            &haendelse,
            domain::haendelser::TEST_TYPE,
            &format!("webhooks/{id}"),
            at,
            data,
        );
        Ok(self.store.test_leverance(id, &haendelse, &event.to_string(), at).await?)
    }

    /// One page of the endpoint's delivery log, newest first.
    pub async fn webhook_leverancer(
        &self,
        user: &SessionUser,
        id: WebhookId,
        side: Side,
    ) -> Result<Udsnit<LeveranceRecord>, AppError> {
        self.webhook(user, id).await?;
        Ok(self.store.leverancer(id, side).await?)
    }

    /// Sends a delivery again now (after the receiver is fixed); returns it as it now waits.
    pub async fn send_leverance_igen(
        &self,
        user: &SessionUser,
        id: WebhookId,
        leverance: LeveranceId,
    ) -> Result<LeveranceRecord, AppError> {
        let e = self.webhook(user, id).await?;
        if e.deaktiveret.is_some() {
            return Err(AppError::Conflict("Endepunktet er deaktiveret; registrér det igen.".into()));
        }
        // The delivery must be the endpoint's own.
        let mut side = 1;
        let mut fundet = loop {
            let udsnit = self.store.leverancer(id, Side::new(side, Side::MAX_PR_SIDE)).await?;
            if let Some(l) = udsnit.raekker.into_iter().find(|l| l.id == leverance) {
                break l;
            }
            if i64::from(side) * i64::from(Side::MAX_PR_SIDE) >= udsnit.i_alt {
                return Err(AppError::NotFound);
            }
            side += 1;
        };
        let audit = self.audit(
            Some(user.principal.user_id),
            "webhook_send_igen",
            "webhook_leverance",
            leverance,
            json!({"webhook": id}),
        );
        self.store.send_leverance_igen(leverance, self.now(), &audit).await.map_err(|e| match e {
            StoreError::Stale => AppError::Conflict("Leverancen er ved at blive sendt.".into()),
            other => AppError::Store(other),
        })?;
        fundet.naeste_forsoeg = Some(self.now());
        Ok(fundet)
    }
}
