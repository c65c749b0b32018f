//! Reference, master and register data: regioner, kommuner, organisations, afdelinger, their
//! accounting periods, accounts and registers, and the bulk load that fills them.

use crate::{AuditEvent, Result};
use async_trait::async_trait;
use domain::master::{
    Afdeling, AfdelingData, AfdelingId, Kommune, NewOrganisation, Organisation, OrganisationId, Region,
};
use domain::noegletal::OrganisationRegnskab;
use domain::period::Regnskabsperiode;
use domain::registre::*;
use domain::{AfdelingNummer, Cvr, Kommunekode, OrganisationNummer, Styringsaar};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[async_trait]
pub trait MasterStore: Send + Sync {
    async fn replace_reference(&self, regioner: &[Region], kommuner: &[Kommune]) -> Result<()>;
    async fn regioner(&self) -> Result<Vec<Region>>;
    /// Every kommune, by name.
    async fn kommuner(&self) -> Result<Vec<Kommune>>;
    /// Bulk load of master and register data; all or nothing. `progress` is called with the
    /// number of rows written so far.
    async fn load_bulk(&self, data: &BulkData, progress: &(dyn Fn(u64) + Sync)) -> Result<()>;
    async fn stats(&self) -> Result<Stats>;
    /// Brings the planner's statistics up to date after many rows changed (a load, a
    /// computation, the demo's history), so pages keep their index plans; PostgreSQL also
    /// clears the row versions the changes left behind, which its index scans would otherwise
    /// visit until autovacuum comes by.
    async fn refresh_statistics(&self) -> Result<()>;
    /// Deletes all data except the audit log, which records the reset. Only `demo --force`
    /// uses it, on a demo database.
    async fn reset(&self, audit: &AuditEvent) -> Result<()>;
    /// The current stamps of what process caches hold, in one read; each changes in the same
    /// transaction as the data it stands for.
    async fn cache_stempler(&self) -> Result<CacheStempler>;
    /// Whether the database answers and has this release's whole schema (for `/readyz`):
    /// the schema version, or why not.
    async fn klar(&self) -> Result<i64>;

    async fn organisation(&self, id: OrganisationId) -> Result<Option<Organisation>>;
    async fn organisation_by_nummer(&self, nummer: OrganisationNummer) -> Result<Option<Organisation>>;
    /// Every organisation, by number.
    async fn organisationer(&self) -> Result<Vec<Organisation>>;
    /// The organisations a kommune supervises (its hjemstedskommune) or has afdelinger of, by
    /// number.
    async fn organisationer_i_kommune(&self, kommune: Kommunekode) -> Result<Vec<Organisation>>;
    async fn administered_by(&self, administrator: OrganisationId) -> Result<Vec<OrganisationId>>;
    /// The organisations with this CVR number (one, unless the register says otherwise).
    async fn organisationer_med_cvr(&self, cvr: Cvr) -> Result<Vec<Organisation>>;
    /// The kommune with this CVR number.
    async fn kommune_med_cvr(&self, cvr: Cvr) -> Result<Option<Kommune>>;
    /// Sets CVR numbers of organisations and kommuner (`None` removes one), all or nothing.
    /// A number moves freely within the change: it is unique only once every row is set.
    async fn set_cvr_numre(
        &self,
        organisationer: &[(OrganisationId, Option<Cvr>)],
        kommuner: &[(Kommunekode, Option<Cvr>)],
        audit: &AuditEvent,
    ) -> Result<()>;

    /// An organisation's afdelinger, by number.
    async fn afdelinger(&self, organisation: OrganisationId) -> Result<Vec<Afdeling>>;
    /// The afdelinger of several organisations, by organisation and number.
    async fn afdelinger_for(&self, organisationer: &[OrganisationId]) -> Result<Vec<Afdeling>>;
    async fn afdeling(&self, id: AfdelingId) -> Result<Option<Afdeling>>;
    /// Every afdeling of the country, for the public search.
    async fn alle_afdelinger(&self) -> Result<Vec<Afdeling>>;
    /// Every afdeling located in `kommune` of an organisation supervised by another kommune
    /// (the beliggenhedskommune's list).
    async fn andres_afdelinger_i_kommune(&self, kommune: Kommunekode) -> Result<Vec<Afdeling>>;
    /// How many afdelinger each organisation has in `kommune`.
    async fn afdelinger_pr_organisation(&self, kommune: Kommunekode) -> Result<Vec<(OrganisationId, usize)>>;
    /// Every afdeling as (organisation number, afdeling number, afdeling id).
    async fn afdeling_index(&self) -> Result<Vec<(OrganisationNummer, AfdelingNummer, AfdelingId)>>;

    /// An afdeling's accounts for a year: account → amount in øre.
    async fn afdeling_konti(&self, id: AfdelingId, styringsaar: Styringsaar) -> Result<BTreeMap<String, i64>>;
    async fn organisation_regnskab(
        &self,
        organisation: OrganisationId,
        styringsaar: Styringsaar,
    ) -> Result<OrganisationRegnskab>;
    /// An organisation's accounting periods, by styringsår.
    async fn regnskabsperioder(&self, organisation: OrganisationId) -> Result<Vec<PeriodeRecord>>;
    /// Every organisation's accounting periods (for creating the year's packages at once).
    async fn alle_regnskabsperioder(&self) -> Result<Vec<(OrganisationId, PeriodeRecord)>>;
    /// An organisation's lettings of familieboliger for a year: (kommune, tool, count).
    async fn udlejninger(
        &self,
        organisation: OrganisationId,
        styringsaar: Styringsaar,
    ) -> Result<Vec<(Kommunekode, Udlejningsredskab, u32)>>;
    /// An organisation's lettings of familieboliger per afdeling for a year, where they are
    /// known: (afdeling, tool, count).
    async fn afdeling_udlejninger(
        &self,
        organisation: OrganisationId,
        styringsaar: Styringsaar,
    ) -> Result<Vec<(AfdelingId, Udlejningsredskab, u32)>>;
    /// An organisation's beboerklagenævn cases for a year: (category, decided, lost).
    async fn klager(
        &self,
        organisation: OrganisationId,
        styringsaar: Styringsaar,
    ) -> Result<Vec<(KlageKategori, u32, u32)>>;
}

/// Master and register data to load in one go (demo data, national imports).
#[derive(Debug, Clone, Default)]
pub struct BulkData {
    /// Administration organisations must come before those they administer.
    pub organisationer: Vec<NewOrganisation>,
    pub afdelinger: Vec<(OrganisationNummer, AfdelingData)>,
    pub perioder: Vec<PeriodeRaekke>,
    pub afdeling_konti: Vec<AfdelingKontoRaekke>,
    pub organisation_poster: Vec<OrganisationPostRaekke>,
    pub boligtal: Vec<BoligtalRaekke>,
    pub udlejninger: Vec<UdlejningRaekke>,
    /// The same lettings per afdeling, where they are known (the kommune rows are their sums).
    pub afdeling_udlejninger: Vec<AfdelingUdlejningRaekke>,
    pub klager: Vec<KlageRaekke>,
    pub arbejdsmarked: Vec<ArbejdsmarkedRaekke>,
    pub kommune_arbejdsmarked: Vec<KommuneArbejdsmarkedRaekke>,
}

impl BulkData {
    pub fn row_count(&self) -> u64 {
        (self.organisationer.len()
            + self.afdelinger.len()
            + self.perioder.len()
            + self.afdeling_konti.len()
            + self.organisation_poster.len()
            + self.boligtal.len()
            + self.udlejninger.len()
            + self.afdeling_udlejninger.len()
            + self.klager.len()
            + self.arbejdsmarked.len()
            + self.kommune_arbejdsmarked.len()) as u64
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub regioner: i64,
    pub kommuner: i64,
    pub organisationer: i64,
    pub afdelinger: i64,
    pub boliger: i64,
    pub familieboliger: i64,
    pub aeldreboliger: i64,
    pub ungdomsboliger: i64,
    pub afdeling_kontolinjer: i64,
    pub pakker: i64,
    pub brugere: i64,
}

/// What a process cache may hold, each with a stamp in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStamp {
    /// The figures: master data (the kommuner too), registers, computed key figures and efficiency figures, which
    /// packages' figures and accounts are public, and published redegørelser.
    Tal,
    /// The aftaler and their statuses.
    Aftaler,
    /// The templates loaded by the agency.
    Skabeloner,
}

impl CacheStamp {
    pub const ALL: [CacheStamp; 3] = [CacheStamp::Tal, CacheStamp::Aftaler, CacheStamp::Skabeloner];

    pub fn as_str(self) -> &'static str {
        match self {
            CacheStamp::Tal => "tal",
            CacheStamp::Aftaler => "aftaler",
            CacheStamp::Skabeloner => "skabeloner",
        }
    }
}

/// The stamps at one moment: a cached value read under other stamps is out of date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CacheStempler {
    pub tal: i64,
    pub aftaler: i64,
    pub skabeloner: i64,
    /// The number of the newest change of any package (the change feed's counter): it moves
    /// with every submission, step, meeting and deadline.
    pub aendring: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodeRecord {
    pub periode: Regnskabsperiode,
    pub styringsaar: Styringsaar,
}
