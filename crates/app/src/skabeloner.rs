//! Report templates: the shipped ones and those the agency loads without a release.

use crate::{App, AppError, FieldError, SessionUser};
use domain::access::Tilladelse;
use domain::template::{Skabelon, Skema};
use serde_json::json;
use std::sync::Arc;
use store::{SkabelonRecord, StoreError};

/// A template as listed for the agency: where it came from and when it applies.
#[derive(Debug, Clone)]
pub struct SkabelonInfo {
    pub skabelon: Skabelon,
    /// `None` for a template shipped with the release.
    pub indlaest: Option<chrono::DateTime<chrono::Utc>>,
}

impl App {
    /// Every template: shipped first, then those loaded by the agency.
    pub async fn skabeloner(&self) -> Result<Vec<SkabelonInfo>, AppError> {
        let mut all: Vec<SkabelonInfo> =
            Skabelon::all_shipped().iter().map(|s| SkabelonInfo { skabelon: s.clone(), indlaest: None }).collect();
        for r in self.store.skabeloner().await? {
            // Stored templates were checked when loaded; one that no longer parses (a release
            // removed a fact kind) is skipped rather than breaking every package page.
            match Skabelon::parse(&r.tekst) {
                Ok(skabelon) => all.push(SkabelonInfo { skabelon, indlaest: Some(r.loaded_at) }),
                Err(e) => {
                    tracing::warn!(skema = r.skema.as_str(), aar = r.styringsaar, version = r.version, error = %e,
                    "stored template no longer valid")
                }
            }
        }
        Ok(all)
    }

    /// The templates in force for a styringsår: one read serves every form of a package.
    pub async fn skabeloner_i_kraft(&self, styringsaar: domain::Styringsaar) -> Result<SkabelonerIKraft, AppError> {
        let stempler = crate::stempelkort::stempler(&*self.store).await?;
        self.skabeloner_under(stempler.skabeloner, styringsaar).await
    }

    /// The templates in force, parsed once per change of the loaded ones (`stamp`: the
    /// templates' cache stamp, bumped when the agency loads one, on any instance).
    pub(crate) async fn skabeloner_under(
        &self,
        stamp: i64,
        styringsaar: domain::Styringsaar,
    ) -> Result<SkabelonerIKraft, AppError> {
        if let Some((s, alle)) = self.skabelon_cache.lock().expect("cache lock").as_ref()
            && *s == stamp
        {
            return Ok(SkabelonerIKraft { alle: alle.clone(), styringsaar });
        }
        let alle: Arc<Vec<Arc<Skabelon>>> =
            Arc::new(self.skabeloner().await?.into_iter().map(|i| Arc::new(i.skabelon)).collect());
        *self.skabelon_cache.lock().expect("cache lock") = Some((stamp, alle.clone()));
        Ok(SkabelonerIKraft { alle, styringsaar })
    }
}

/// The parsed templates with the stamp they were read under.
pub(crate) type SkabelonCache = std::sync::Mutex<Option<(i64, Arc<Vec<Arc<Skabelon>>>)>>;

/// The templates to choose from for one styringsår.
pub struct SkabelonerIKraft {
    alle: Arc<Vec<Arc<Skabelon>>>,
    styringsaar: domain::Styringsaar,
}

impl SkabelonerIKraft {
    /// The template in force for a form.
    pub fn skabelon(&self, skema: Skema) -> Result<Arc<Skabelon>, AppError> {
        Skabelon::in_force(&self.alle, skema, self.styringsaar.get()).cloned().ok_or_else(|| {
            AppError::internal_msg(format!("ingen skabelon for {} {}", skema.as_str(), self.styringsaar))
        })
    }
}

impl App {
    /// The agency loads a template file. It is checked in full (syntax with line and column,
    /// ids, choices, key figures against the catalogue) and stored as a new version; an
    /// existing (form, year, version) is never replaced.
    pub async fn load_skabelon(&self, user: &SessionUser, file: &str, text: &str) -> Result<Skabelon, AppError> {
        if !user.principal.may(Tilladelse::Styrelse) {
            return Err(AppError::Forbidden);
        }
        let invalid = |message: String| AppError::Invalid(vec![FieldError { field: "fil".into(), message }]);
        let skabelon = Skabelon::parse(text).map_err(|e| invalid(format!("{file}: {e}")))?;
        let aar = domain::Styringsaar::new(i64::from(skabelon.styringsaar))
            .map_err(|e| invalid(format!("{file}: styringsaar: {e}")))?;
        let katalog = self
            .settings
            .katalog
            .for_aar(aar)
            .ok_or_else(|| invalid(format!("{file}: der er intet nøgletalskatalog for {aar}")))?;
        let kendte: Vec<&str> = katalog.noegletal.iter().map(|d| d.id.as_str()).collect();
        skabelon.check_noegletal(&kendte).map_err(|e| invalid(format!("{file}: {e}")))?;
        if Skabelon::all_shipped()
            .iter()
            .any(|s| (s.skema, s.styringsaar, s.version) == (skabelon.skema, skabelon.styringsaar, skabelon.version))
        {
            return Err(invalid(format!(
                "{file}: version {} af {} for {} følger med systemet; giv den nye skabelon et højere versionsnummer",
                skabelon.version,
                skabelon.skema.as_str(),
                skabelon.styringsaar
            )));
        }
        let record = SkabelonRecord {
            skema: skabelon.skema,
            styringsaar: skabelon.styringsaar,
            version: skabelon.version,
            tekst: text.to_string(),
            loaded_by: user.principal.user_id,
            loaded_at: self.now(),
        };
        let audit = self.audit(
            Some(user.principal.user_id),
            "skabelon_indlaest",
            "skabelon",
            format!("{}/{}/{}", record.skema.as_str(), record.styringsaar, record.version),
            json!({"fil": file, "titel": skabelon.titel}),
        );
        match self.store.add_skabelon(&record, &audit).await {
            Ok(()) => Ok(skabelon),
            Err(StoreError::Stale) => Err(invalid(format!(
                "{file}: version {} af {} for {} er allerede indlæst; giv den nye skabelon et højere versionsnummer",
                skabelon.version,
                skabelon.skema.as_str(),
                skabelon.styringsaar
            ))),
            Err(e) => Err(e.into()),
        }
    }
}
