//! User management: by the agency in the UI, or by an operator on the command line.

use crate::{App, AppError, SessionUser};
use domain::access::{Role, Tilladelse, UserId};
use domain::{Kommunekode, OrganisationNummer};
use serde_json::json;
use store::{BrugerFilter, NewUser, Side, Udsnit, UserRecord};

#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password: String,
    pub role: Role,
    pub kommune: Option<Kommunekode>,
    pub organisationer: Vec<OrganisationNummer>,
}

/// The operator's command line (`None`) may always; a web user needs the agency's right.
fn require_user_admin(actor: Option<&SessionUser>) -> Result<(), AppError> {
    if actor.is_some_and(|u| !u.principal.may(Tilladelse::Brugere)) { Err(AppError::Forbidden) } else { Ok(()) }
}

/// Minimum password length for local accounts.
const MIN_PASSWORD: usize = 10;

impl App {
    /// `actor` is `None` for the operator's command line; the audit log says so.
    pub async fn add_user(&self, actor: Option<&SessionUser>, input: NewUserInput) -> Result<UserId, AppError> {
        require_user_admin(actor)?;
        let username = input.username.trim().to_lowercase();
        if !username.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
        {
            return Err(AppError::field(
                "brugernavn",
                "Brugernavnet skal begynde med et bogstav a–z eller et tal og må kun indeholde bogstaver a–z, tal og . _ - @",
            ));
        }
        if username.starts_with(crate::oidc::BRUGERNAVN_PREFIKS) {
            return Err(AppError::field(
                "brugernavn",
                format!(
                    "Brugernavne, der begynder med «{}», er forbeholdt national login",
                    crate::oidc::BRUGERNAVN_PREFIKS
                ),
            ));
        }
        if input.password.chars().count() < MIN_PASSWORD {
            return Err(AppError::field("kodeord", format!("Kodeordet skal have mindst {MIN_PASSWORD} tegn")));
        }
        // The operator's command line (and the demo) may still make them; they cannot log in.
        if actor.is_some() && !self.local_login_allowed(input.role) {
            return Err(AppError::field(
                "rolle",
                "Lokale konti er slået fra for andre end styrelsen: brugere logger ind med national login",
            ));
        }
        match (input.role, input.kommune, input.organisationer.is_empty()) {
            (Role::Kommune, None, _) => {
                return Err(AppError::field("kommune", "En kommunebruger skal have en kommune"));
            }
            (Role::Organisation, _, true) => {
                return Err(AppError::field(
                    "organisationer",
                    "En organisationsbruger skal have mindst én organisation",
                ));
            }
            _ => {}
        }
        let mut organisationer = Vec::new();
        for nummer in &input.organisationer {
            let org = self
                .store
                .organisation_by_nummer(*nummer)
                .await?
                .ok_or_else(|| AppError::field("organisationer", format!("Organisation {nummer} findes ikke")))?;
            organisationer.push(org.id);
        }
        if let Some(k) = input.kommune
            && !self.kommuner().await?.iter().any(|x| x.kode == k)
        {
            return Err(AppError::field("kommune", format!("Kommunekode {k} findes ikke")));
        }
        let new = NewUser {
            password_hash: self.hash_password(input.password).await?,
            username: username.clone(),
            display_name: input.display_name.trim().to_string(),
            email: input.email,
            role: input.role,
            kommune: input.kommune.filter(|_| input.role == Role::Kommune),
            organisationer: if input.role == Role::Organisation { organisationer } else { Vec::new() },
            created_at: self.now(),
            ekstern_id: None,
            cvr: None,
        };
        let audit = self.audit(
            actor.map(|u| u.principal.user_id),
            "bruger_oprettet",
            "bruger",
            "",
            json!({"brugernavn": username, "rolle": input.role.as_str(), "via": if actor.is_some() { "web" } else { "cli" }}),
        );
        self.store.create_user(&new, &audit).await.map_err(|e| match e {
            store::StoreError::Conflict(_) => {
                AppError::field("brugernavn", format!("Brugernavnet «{username}» er allerede i brug"))
            }
            other => AppError::Store(other),
        })
    }

    pub async fn list_users(&self, actor: Option<&SessionUser>) -> Result<Vec<UserRecord>, AppError> {
        require_user_admin(actor)?;
        Ok(self.store.users().await?)
    }

    /// One page of the accounts (local and provisioned) that match the agency's search.
    pub async fn search_users(
        &self,
        actor: &SessionUser,
        filter: &BrugerFilter,
        side: Side,
    ) -> Result<Udsnit<UserRecord>, AppError> {
        require_user_admin(Some(actor))?;
        Ok(self.store.search_users(filter, side).await?)
    }

    /// Disables a user and ends the user's sessions. Accounts are never deleted.
    pub async fn set_user_disabled(
        &self,
        actor: Option<&SessionUser>,
        username: &str,
        disabled: bool,
    ) -> Result<(), AppError> {
        require_user_admin(actor)?;
        let user = self
            .store
            .user_by_username(&username.trim().to_lowercase())
            .await?
            .ok_or_else(|| AppError::field("brugernavn", format!("Brugeren «{username}» findes ikke")))?;
        if disabled && actor.is_some_and(|a| a.principal.user_id == user.id) {
            return Err(AppError::field("brugernavn", "Du kan ikke spærre din egen konto"));
        }
        let action = if disabled { "bruger_deaktiveret" } else { "bruger_genaktiveret" };
        let audit = self.audit(
            actor.map(|u| u.principal.user_id),
            action,
            "bruger",
            user.id.0,
            json!({"brugernavn": user.username}),
        );
        Ok(self.store.set_user_disabled(user.id, disabled, &audit).await?)
    }
}
