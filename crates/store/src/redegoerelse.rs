//! The kommune's redegørelse (a revision per save; immutable once published), the
//! organisation's comments in høring, and the aftaler with their status history.

use crate::{AftaleId, AuditEvent, PakkeId, Result, Revision, Side, Transition, Udsnit};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::UserId;
use domain::master::OrganisationId;
use domain::redegoerelse::AftaleStatus;
use domain::{Kommunekode, Styringsaar};
use std::collections::BTreeMap;

#[async_trait]
pub trait RedegoerelseStore: Send + Sync {
    /// Saves a new draft revision; refused once a version is published.
    async fn save_redegoerelse(&self, draft: &NewRedegoerelse, audit: &AuditEvent) -> Result<RedegoerelseRecord>;
    /// Every revision, oldest first.
    async fn redegoerelser(&self, pakke: PakkeId) -> Result<Vec<RedegoerelseRecord>>;
    /// Publishes revision `revision` together with the package transition.
    async fn publish_redegoerelse(
        &self,
        pakke: PakkeId,
        revision: Revision,
        at: DateTime<Utc>,
        transition: &Transition,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Published redegørelser of an organisation, newest year first.
    async fn published_redegoerelser(&self, organisation: OrganisationId) -> Result<Vec<PublishedRedegoerelse>>;

    /// Adds the organisation's comment while the redegørelse is in høring
    /// ([`crate::StoreError::Stale`] otherwise).
    async fn add_bemaerkning(&self, bemaerkning: &NewBemaerkning, audit: &AuditEvent) -> Result<i64>;
    async fn bemaerkninger(&self, pakke: PakkeId) -> Result<Vec<BemaerkningRecord>>;

    /// Creates an aftale with its first status.
    async fn add_aftale(&self, aftale: &NewAftale, status: &AftaleStatusRecord, audit: &AuditEvent)
    -> Result<AftaleId>;
    /// Appends a status to an aftale's history.
    async fn add_aftale_status(&self, aftale: AftaleId, status: &AftaleStatusRecord, audit: &AuditEvent) -> Result<()>;
    /// The aftaler the filter selects, with their histories, oldest styringsår first.
    async fn aftaler(&self, filter: AftaleFilter) -> Result<Vec<AftaleRecord>>;
    /// One page of every aftale in the country, or of the open ones (the agency's register),
    /// newest first.
    async fn alle_aftaler(&self, kun_aabne: bool, side: Side) -> Result<Udsnit<AftaleRecord>>;
    /// Read model: open aftaler per kommune (their current status is kept on the aftale).
    async fn aabne_aftaler(&self) -> Result<Vec<(Kommunekode, i64)>>;
}

/// The redegørelse text per goal area (key: goal area id) plus a summary.
pub type RedegoerelseTekst = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRedegoerelse {
    pub pakke: PakkeId,
    pub tekst: RedegoerelseTekst,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedegoerelseRecord {
    pub pakke: PakkeId,
    /// Every save is a new revision; earlier ones are kept.
    pub revision: Revision,
    pub tekst: RedegoerelseTekst,
    pub saved_by: UserId,
    pub saved_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedRedegoerelse {
    pub pakke: PakkeId,
    pub styringsaar: Styringsaar,
    pub kommune: Kommunekode,
    pub tekst: RedegoerelseTekst,
    pub published_at: DateTime<Utc>,
    /// False when the kommune held the dialogue without the documentation package: the
    /// redegørelse is then marked «dokumentationspakken er ikke modtaget».
    pub pakke_modtaget: bool,
}

/// The organisation's comment on a redegørelse in høring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBemaerkning {
    pub pakke: PakkeId,
    /// The revision of the redegørelse commented on.
    pub revision: Revision,
    pub tekst: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BemaerkningRecord {
    pub id: i64,
    pub bemaerkning: NewBemaerkning,
    pub by_name: String,
}

/// An aftale between an organisation and a kommune, made from a redegørelse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAftale {
    pub pakke: PakkeId,
    pub organisation: OrganisationId,
    pub kommune: Kommunekode,
    /// Parties besides the kommune and the organisation (may be empty).
    pub oevrige_parter: String,
    pub emne: String,
    pub beskrivelse: String,
    /// Goal-area ids (domain::redegoerelse::MAALOMRAADER).
    pub maalomraader: Vec<String>,
    pub ansvarlig: String,
    pub frist: Option<NaiveDate>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// One entry of an aftale's status history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AftaleStatusRecord {
    pub status: AftaleStatus,
    pub bemaerkning: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AftaleRecord {
    pub id: AftaleId,
    pub aftale: NewAftale,
    pub organisation_navn: String,
    pub styringsaar: Styringsaar,
    /// Oldest first; the last entry is the current status.
    pub historik: Vec<AftaleStatusRecord>,
}

impl AftaleRecord {
    /// The current status: the newest entry of the history.
    pub fn status(&self) -> Option<AftaleStatus> {
        self.historik.last().map(|h| h.status)
    }
}

/// Which aftaler to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AftaleFilter {
    Organisation(OrganisationId),
    /// Those of several organisations at once (an administration organisation's staff).
    Organisationer(Vec<OrganisationId>),
    Kommune(Kommunekode),
    Pakke(PakkeId),
    /// One aftale (the caller checks who may read it).
    Id(AftaleId),
}
