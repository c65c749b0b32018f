//! Imports of accounts and registers, the national computation's inputs and results, and the
//! read models the computation keeps (critical marks and efficiency averages).

use crate::import::{Felt, ImportRaekke, Tabel};
use crate::{AuditEvent, Result};
use async_trait::async_trait;
use domain::beregning::{self, Benchmark, Effektivitet, Kritik, Niveau, Omraade, Vaerdi};
use domain::master::OrganisationId;
use domain::{AfdelingNummer, OrganisationNummer, Styringsaar};
use std::collections::HashMap;

#[async_trait]
pub trait BeregningStore: Send + Sync {
    /// The rows of an importable table for a year: key → values.
    async fn import_existing(&self, tabel: Tabel, styringsaar: Styringsaar) -> Result<HashMap<Vec<Felt>, Vec<i64>>>;
    /// Inserts or updates `rows` of a year in one transaction, with the audit event.
    async fn import_upsert(
        &self,
        tabel: Tabel,
        styringsaar: Styringsaar,
        rows: &[ImportRaekke],
        audit: &AuditEvent,
    ) -> Result<()>;

    /// Everything the national computation of a styringsår needs.
    async fn beregningsgrundlag(&self, styringsaar: Styringsaar) -> Result<Beregningsgrundlag>;
    /// Replaces a year's computed figures, and the read models derived from them, in one
    /// transaction.
    async fn replace_beregning(
        &self,
        styringsaar: Styringsaar,
        resultat: &beregning::Resultat,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn benchmarks(&self, styringsaar: Styringsaar) -> Result<Vec<Benchmark>>;
    /// Computed figures of one organisation or afdeling.
    async fn noegletal(&self, styringsaar: Styringsaar, niveau: Niveau, enhed_id: i64) -> Result<Vec<Vaerdi>>;
    /// Every computed afdeling figure of one organisation's afdelinger for a year.
    async fn noegletal_for_afdelinger(
        &self,
        styringsaar: Styringsaar,
        organisation: OrganisationId,
    ) -> Result<Vec<Vaerdi>>;
    /// The marked (critical) figures of the given organisations and of their afdelinger, each
    /// with its organisation.
    async fn markerede_noegletal(
        &self,
        styringsaar: Styringsaar,
        organisationer: &[OrganisationId],
    ) -> Result<Vec<(OrganisationId, Vaerdi)>>;
    /// Every computed figure of a year, for export: (organisation number, afdeling number for
    /// afdeling figures, the value).
    async fn noegletal_eksport(
        &self,
        styringsaar: Styringsaar,
    ) -> Result<Vec<(OrganisationNummer, Option<AfdelingNummer>, Vaerdi)>>;
    /// Every efficiency figure of a year: (organisation, afdeling, figure).
    async fn effektivitet_eksport(
        &self,
        styringsaar: Styringsaar,
    ) -> Result<Vec<(OrganisationNummer, AfdelingNummer, Effektivitet)>>;
    /// Efficiency figures of the given organisations' afdelinger, by afdeling number.
    async fn effektivitet_for(
        &self,
        styringsaar: Styringsaar,
        organisationer: &[OrganisationId],
    ) -> Result<Vec<Effektivitet>>;
    /// The efficiency figures of one comparison group in a year: (organisation, figure).
    async fn effektivitet_i_gruppe(
        &self,
        styringsaar: Styringsaar,
        gruppe: &str,
    ) -> Result<Vec<(OrganisationNummer, f64)>>;

    /// The history of the early-warning signals for the styringsår `fra..=til`: every computed
    /// figure and efficiency figure, the packages and the years that held any package, and the
    /// answer to the afdeling question `spoergsmaal` in `til`'s newest submitted versions; of
    /// the given organisations and their afdelinger (the country's when `None`).
    async fn varslingsgrundlag(
        &self,
        fra: Styringsaar,
        til: Styringsaar,
        organisationer: Option<&[OrganisationId]>,
        spoergsmaal: &str,
    ) -> Result<Varslingshistorik>;

    /// Read model: the critical marks of the given organisations (only those with marks).
    async fn kritik(&self, styringsaar: Styringsaar, organisationer: &[OrganisationId]) -> Result<Vec<Kritik>>;
    /// Read model: the efficiency averages of the given areas (weighted by homes).
    async fn effektivitet_gennemsnit(
        &self,
        styringsaar: Styringsaar,
        omraader: &[Omraade],
    ) -> Result<HashMap<Omraade, f64>>;
}

/// What [`BeregningStore::varslingsgrundlag`] reads.
#[derive(Debug, Clone, Default)]
pub struct Varslingshistorik {
    pub maalinger: Vec<domain::varsling::Maaling>,
    pub effektivitet: Vec<domain::varsling::EffektivitetsMaaling>,
    pub indsendelser: Vec<domain::varsling::Indsendelse>,
    pub aar_med_pakker: std::collections::BTreeSet<Styringsaar>,
    /// (organisation, afdeling number, the chosen answer).
    pub svar: Vec<(OrganisationId, AfdelingNummer, String)>,
    /// The dialogue meetings held about the packages of the years: (organisation, date).
    pub moeder: Vec<(OrganisationId, chrono::NaiveDate)>,
}

/// The inputs of a national computation, as the domain wants them.
#[derive(Debug, Clone, Default)]
pub struct Beregningsgrundlag {
    pub organisationer: Vec<(OrganisationId, domain::noegletal::OrganisationRegnskab)>,
    pub afdelinger: Vec<domain::beregning::AfdelingInput>,
}
