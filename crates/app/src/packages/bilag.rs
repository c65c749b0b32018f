//! A package's attachments: upload, withdrawal and download.

use super::*;
use crate::PakkeView;
use crate::error::stale_as_conflict;
use crate::{App, AppError, SessionUser};
use domain::access::PakkeTilladelse;
use domain::template::Svar;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use store::*;

/// A file a version was submitted with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionsBilag {
    pub id: BilagId,
    pub filnavn: String,
    /// The kind's name (the rules' name for it).
    pub art: String,
}

impl PakkeView {
    /// The files a version was submitted with: (id, file name, kind name), from the package's
    /// files as the view read them (every file ever attached; none is deleted).
    pub fn versions_bilag(&self, version: &VersionRecord) -> Vec<VersionsBilag> {
        self.data
            .bilag
            .iter()
            .filter(|b| version.bilag.contains(&b.id))
            .map(|b| {
                let art = self.bilagsregler.art(&b.art).map(|a| a.navn.clone()).unwrap_or_else(|| b.art.clone());
                VersionsBilag { id: b.id, filnavn: b.filnavn.clone(), art }
            })
            .collect()
    }
}

impl App {
    /// Checks that the user may attach files to the package, before an upload is read: to the
    /// draft, or accounts material to the submitted package (a supplement).
    pub async fn kan_vedhaefte(&self, user: &SessionUser, id: PakkeId) -> Result<(), AppError> {
        let (_, scope) = self.pakke_scope(id).await?;
        if kan_eftersende(&user.principal, &scope) {
            return Ok(());
        }
        may_edit(&user.principal, &scope)
    }

    /// Attaches a file to the package. The file is checked by its content against the kind's
    /// accepted types and the size limit; a new file of a single-file kind supersedes the
    /// earlier one, which is kept.
    pub async fn vedhaeft_bilag(
        &self,
        user: &SessionUser,
        id: PakkeId,
        art: &str,
        filnavn: &str,
        indhold: Vec<u8>,
    ) -> Result<BilagId, AppError> {
        use sha2::{Digest, Sha256};
        // After submission only accounts material may follow, as a supplement (a new version).
        let (pakke, scope) = self.pakke_scope(id).await?;
        let supplement = kan_eftersende(&user.principal, &scope);
        if !supplement {
            may_edit(&user.principal, &scope)?;
        }
        let regler = &self.regler(pakke.styringsaar).bilag;
        let kind = regler.art(art).ok_or_else(|| AppError::field("art", "Vælg hvilket bilag filen er"))?;
        if supplement && !kind.regnskab {
            return Err(AppError::Conflict(format!(
                "{INDSENDT} Efter indsendelsen kan kun regnskabsmateriale eftersendes."
            )));
        }
        // Only the last path segment: browsers may send a full path.
        let filnavn = filnavn.rsplit(['/', '\\']).next().unwrap_or(filnavn).trim().to_string();
        if filnavn.is_empty() {
            return Err(AppError::field(&format!("bilag.{art}"), "Vælg en fil"));
        }
        let filtype =
            regler.kontroller(kind, &filnavn, &indhold).map_err(|m| AppError::field(&format!("bilag.{art}"), m))?;
        let sha256 = hex::encode(Sha256::digest(&indhold));
        let audit = self.pakke_audit(
            user,
            &pakke,
            if supplement { "regnskab_eftersendt" } else { "bilag_tilfoejet" },
            json!({"art": art, "filnavn": filnavn, "stoerrelse": indhold.len(), "sha256": sha256}),
        );
        let new = NewBilag {
            pakke: id,
            expected_status: pakke.status,
            art: art.to_string(),
            erstatter: !kind.flere,
            filnavn,
            mime: filtype.mime().to_string(),
            sha256,
            indhold,
            by: user.principal.user_id,
            at: self.now(),
        };
        if supplement {
            // The supplement's new file is the last of its version's.
            let version = self.store.add_supplement(&new, &audit).await.map_err(stale_as_conflict)?;
            return version.bilag.last().copied().ok_or_else(|| AppError::internal_msg("tomt supplement"));
        }
        self.store.add_bilag(&new, &audit).await.map_err(stale_as_conflict)
    }

    /// Withdraws a file from the draft (a wrong upload). The file is kept, no longer current.
    pub async fn fjern_bilag(&self, user: &SessionUser, id: PakkeId, bilag: BilagId) -> Result<(), AppError> {
        let pakke = self.scoped_for_edit(&user.principal, id).await?;
        let record = self
            .store
            .bilag(id)
            .await?
            .into_iter()
            .find(|b| b.id == bilag && b.erstattet.is_none())
            .ok_or(AppError::NotFound)?;
        let audit = self.pakke_audit(
            user,
            &pakke,
            "bilag_fjernet",
            json!({"bilag": record.id, "art": record.art, "filnavn": record.filnavn}),
        );
        self.store.withdraw_bilag(id, bilag, pakke.status, self.now(), &audit).await.map_err(stale_as_conflict)
    }

    /// The answers of one submitted version, for whoever holds the package view (read once per
    /// kept package, see [`App::indsendte_svar`]).
    pub async fn version_svar(&self, view: &PakkeView, version: i64) -> Result<Arc<BTreeMap<String, Svar>>, AppError> {
        if !view.data.versions.iter().any(|v| v.version == version) {
            return Err(AppError::NotFound);
        }
        self.indsendte_svar(&view.data, view.pakke.id, Some(version)).await
    }

    /// An attachment's content for whoever may read the package: the organisation any of its
    /// files, others only files of a submitted version.
    pub async fn hent_bilag(
        &self,
        user: &SessionUser,
        id: PakkeId,
        bilag: BilagId,
    ) -> Result<(BilagRecord, Vec<u8>), AppError> {
        let p = &user.principal;
        let (_, scope) = self.pakke_scope(id).await?;
        let working = p.may_pakke(PakkeTilladelse::LaesKladde, &scope);
        if !working && !p.may_pakke(PakkeTilladelse::LaesIndsendt, &scope) {
            return Err(AppError::Forbidden);
        }
        let (record, indhold) = self.store.bilag_indhold(bilag).await?.ok_or(AppError::NotFound)?;
        let readable = record.pakke == id
            && (working || self.store.versions(id).await?.iter().any(|v| v.bilag.contains(&record.id)));
        if readable { Ok((record, indhold)) } else { Err(AppError::NotFound) }
    }
}
