//! The documentation packages: creation, answers, transitions, submitted versions, the
//! templates loaded by the agency, and the read models of package progress and supervision.

use crate::{AuditEvent, BilagId, NewMail, PakkeId, Result, Revision, Side, Udsnit};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::UserId;
use domain::master::{OrganisationId, Rapporttype};
use domain::package::{PakkeHaendelse, PakkeStatus};
use domain::period::Regnskabsperiode;
use domain::template::{Skema, Svar};
use domain::{Kommunekode, OrganisationNummer, Styringsaar};
use std::collections::BTreeMap;

#[async_trait]
pub trait PakkeStore: Send + Sync {
    /// Creates the package unless one exists for the organisation, year and report.
    /// Returns the id and whether it was created now.
    async fn create_pakke(&self, pakke: &NewPakke, audit: &AuditEvent) -> Result<(PakkeId, bool)> {
        let created = self.create_pakker(&[(pakke.clone(), audit.clone())]).await?;
        created.into_iter().next().ok_or_else(|| crate::StoreError::NotFound("den oprettede pakke".into()))
    }
    /// [`PakkeStore::create_pakke`] for many packages in one transaction (a styringsår's
    /// packages for the whole country), in order; each created one gets its audit event with
    /// its id.
    async fn create_pakker(&self, pakker: &[(NewPakke, AuditEvent)]) -> Result<Vec<(PakkeId, bool)>>;
    async fn pakke(&self, id: PakkeId) -> Result<Option<PakkeRecord>>;
    /// A package with the kommuner it was sent to: what a scope decision needs, in one read.
    async fn pakke_med_modtagere(&self, id: PakkeId) -> Result<Option<(PakkeRecord, Vec<Kommunekode>)>>;
    /// The packages of the given organisations, newest year first.
    async fn pakker_for_organisationer(&self, organisationer: &[OrganisationId]) -> Result<Vec<PakkeRecord>>;
    /// Packages ever submitted to `kommune` (drafts never appear), newest year first.
    async fn pakker_for_kommune(&self, kommune: Kommunekode) -> Result<Vec<PakkeRecord>>;
    /// The packages of a styringsår of every organisation whose hjemstedskommune is `kommune`,
    /// drafts included (for the deadlines the kommune sets; callers show no answers).
    async fn pakker_med_hjemsted(&self, kommune: Kommunekode, styringsaar: Styringsaar) -> Result<Vec<PakkeRecord>>;
    /// Sets the deadline of the given packages in one transaction.
    async fn set_frist(&self, pakker: &[PakkeId], frist: NaiveDate, audit: &AuditEvent) -> Result<()>;
    /// What the packages a kommune sees or supervises look like at this moment
    /// ([`PakkeStempel`]): the packages, of every styringsår, of the organisations with their
    /// hjemsted or an afdeling in the kommune, and those sent to it. A value read from them
    /// under another stamp is out of date.
    async fn kommunens_pakkestempel(&self, kommune: Kommunekode) -> Result<PakkeStempel>;
    /// The fingerprint ([`PakkeStempel`]) of the packages, of every styringsår, of the
    /// organisations `organisationer` (an organisation user's overview lists them).
    async fn organisationernes_pakkestempel(&self, organisationer: &[OrganisationId]) -> Result<PakkeStempel>;
    /// Sets the report period of each package (`None`: back to the accounting period), with
    /// the audit event, in one transaction; each package's change is numbered for the feed.
    async fn set_rapportperioder(
        &self,
        perioder: &[(PakkeId, Option<domain::period::Rapportperiode>)],
        audit: &AuditEvent,
    ) -> Result<()>;
    /// The kommuner the package was sent to.
    async fn modtagere(&self, pakke: PakkeId) -> Result<Vec<Kommunekode>> {
        Ok(self.modtagere_for(&[pakke]).await?.into_iter().map(|(_, k)| k).collect())
    }
    /// The kommuner each of `pakker` was sent to, by package (a draft has none), in one read.
    async fn modtagere_for(&self, pakker: &[PakkeId]) -> Result<Vec<(PakkeId, Kommunekode)>>;
    /// Records a henstilling or påbud with its mails and the audit event, in one transaction;
    /// the package's change is numbered for the feed and told to webhooks. Returns its id.
    async fn registrer_tilsynsreaktion(
        &self,
        reaktion: &NyTilsynsreaktion,
        mails: &[NewMail],
        audit: &AuditEvent,
    ) -> Result<i64>;
    /// The henstillinger and påbud of the given packages, oldest first.
    async fn tilsynsreaktioner(&self, pakker: &[PakkeId]) -> Result<Vec<TilsynsreaktionRecord>>;

    /// The working copy's answers, each with who saved it and at which revision.
    async fn svar(&self, pakke: PakkeId) -> Result<BTreeMap<String, SvarRecord>>;
    /// Saves answers while the package still has `expected_status` (else
    /// [`crate::StoreError::Stale`]). Returns the package's new revision.
    async fn save_svar(&self, change: &SvarChange, audit: &AuditEvent) -> Result<Revision>;
    /// Moves the package from `from` to `to` and records the event; [`crate::StoreError::Stale`]
    /// when the package is no longer in `from`.
    /// Moves the package, and queues the mails that tell of it in the same transaction.
    async fn transition(&self, transition: &Transition, mails: &[NewMail], audit: &AuditEvent) -> Result<()>;
    /// Submission: the transition, a frozen version of the answers and the routing, at once.
    /// Refused ([`crate::StoreError::Stale`]) unless the package is open and still at the
    /// revision the answers were validated at. A repeated `idempotency_key` returns the
    /// earlier version.
    async fn submit(&self, submission: &Submission, audit: &AuditEvent) -> Result<VersionRecord>;
    /// The submitted versions, oldest first (without their answers).
    async fn versions(&self, pakke: PakkeId) -> Result<Vec<VersionRecord>>;
    /// The answers of one submitted version.
    async fn version_svar(&self, pakke: PakkeId, version: i64) -> Result<Option<BTreeMap<String, Svar>>>;
    /// The version an earlier submission with `idempotency_key` made, if any.
    async fn version_by_key(&self, pakke: PakkeId, idempotency_key: &str) -> Result<Option<VersionRecord>>;
    async fn haendelser(&self, pakke: PakkeId) -> Result<Vec<HaendelseRecord>>;

    /// Templates loaded by the agency, oldest first.
    async fn skabeloner(&self) -> Result<Vec<SkabelonRecord>>;
    /// Stores a new template version; [`crate::StoreError::Stale`] when that version exists.
    async fn add_skabelon(&self, skabelon: &SkabelonRecord, audit: &AuditEvent) -> Result<()>;

    /// Read model: the packages of a styringsår (or of the given organisations) with their
    /// progress, by organisation name.
    async fn pakke_forloeb(
        &self,
        styringsaar: Styringsaar,
        organisationer: Option<&[OrganisationId]>,
    ) -> Result<Vec<PakkeForloeb>>;
    /// Read model: the supervision counts of a styringsår per hjemstedskommune. Drafts whose
    /// deadline is before `today` count as missing.
    async fn tilsynstal(&self, styringsaar: Styringsaar, today: NaiveDate) -> Result<Vec<Tilsynstal>>;
    /// Read model: packages per status and hjemstedskommune in a styringsår.
    async fn pakke_status_counts(&self, styringsaar: Styringsaar) -> Result<Vec<StatusCount>>;
    /// The organisations whose key figures of a year are public (their meeting is held).
    async fn offentlige_organisationer(&self, styringsaar: Styringsaar) -> Result<Vec<OrganisationNummer>>;
    /// One page of the packages `udvalg` selects, with their progress: newest year first, or,
    /// with `siden`, only those changed after that change number, in change order.
    async fn pakke_udvalg(&self, udvalg: &PakkeUdvalg, side: Side) -> Result<Udsnit<PakkeForloeb>>;
}

/// A fingerprint of a set of packages. Every change of a package moves its revision or its
/// change number (`aendring`), both only ever grow, and packages are never deleted: so any
/// change of the set moves the stamp.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PakkeStempel {
    pub antal: i64,
    /// The sum of the packages' revisions.
    pub revisioner: i64,
    /// The newest change number (the change feed's), 0 when there is none.
    pub aendring: i64,
}

/// Whose packages a list may hold: the caller's scope, decided by the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PakkeOmfang {
    /// The given organisations' packages, drafts included.
    Organisationer(Vec<OrganisationId>),
    /// The packages submitted to a kommune (never a draft), optionally only those it receives
    /// as hjemstedskommune or as beliggenhedskommune.
    Kommune { kode: Kommunekode, relation: Option<Relation> },
    /// Every package in the country (the agency).
    Alle,
}

/// A kommune's relation to a package it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The organisation's hjemstedskommune: it supervises and holds the dialogue.
    Hjemsted,
    /// A kommune where the organisation has afdelinger.
    Beliggenhed,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Hjemsted => "hjemsted",
            Relation::Beliggenhed => "beliggenhed",
        }
    }

    pub fn parse(s: &str) -> Option<Relation> {
        [Relation::Hjemsted, Relation::Beliggenhed].into_iter().find(|r| r.as_str() == s)
    }
}

/// Which packages to list: a scope and optional filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PakkeUdvalg {
    pub omfang: PakkeOmfang,
    pub styringsaar: Option<Styringsaar>,
    pub status: Option<PakkeStatus>,
    /// Only packages changed after this change number ([`PakkeForloeb::aendring`]).
    pub siden: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPakke {
    pub organisation: OrganisationId,
    pub styringsaar: Styringsaar,
    pub rapporttype: Rapporttype,
    pub periode: Regnskabsperiode,
    pub frist: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PakkeRecord {
    pub id: PakkeId,
    pub organisation: OrganisationId,
    pub organisation_nummer: OrganisationNummer,
    pub organisation_navn: String,
    pub hjemstedskommune: Kommunekode,
    pub styringsaar: Styringsaar,
    pub rapporttype: Rapporttype,
    pub periode: Regnskabsperiode,
    pub status: PakkeStatus,
    pub frist: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change to the package or its answers (optimistic concurrency).
    pub revision: Revision,
    /// The period the report covers when the kommune set one; else the accounting period.
    pub rapportperiode: Option<domain::period::Rapportperiode>,
    /// When the hjemstedskommune recorded the package as not received, while the dialogue
    /// runs without it (cleared by a submission).
    pub ikke_modtaget: Option<DateTime<Utc>>,
}

impl PakkeRecord {
    /// Whether the kommune holds the dialogue without the package.
    pub fn uden_pakke(&self) -> bool {
        self.ikke_modtaget.is_some()
    }
}

/// A henstilling or påbud to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NyTilsynsreaktion {
    pub pakke: PakkeId,
    pub art: domain::package::Tilsynsreaktion,
    /// The date the kommune gave it (its letter's date), not later than today.
    pub dato: NaiveDate,
    pub tekst: String,
    /// The deadline it sets the organisation, if any.
    pub frist: Option<NaiveDate>,
    pub af: UserId,
    pub at: DateTime<Utc>,
}

/// A recorded henstilling or påbud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilsynsreaktionRecord {
    pub id: i64,
    pub pakke: PakkeId,
    pub art: domain::package::Tilsynsreaktion,
    pub dato: NaiveDate,
    pub tekst: String,
    pub frist: Option<NaiveDate>,
    pub af_navn: String,
    pub registreret: DateTime<Utc>,
}

/// A package with what an overview needs about its progress. Kept on the package row by the
/// writes that change it (submission, convening, holding the meeting, saving the redegørelse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PakkeForloeb {
    pub pakke: PakkeRecord,
    /// First submission, if any.
    pub foerst_indsendt: Option<DateTime<Utc>>,
    /// Whether the newest version was late.
    pub for_sent: Option<bool>,
    /// Start of the latest convened meeting.
    pub moede_indkaldt: Option<DateTime<Utc>>,
    /// Date of the latest held meeting.
    pub moede_afholdt: Option<NaiveDate>,
    /// Saved revisions of the redegørelse.
    pub redegoerelse_revisioner: i64,
    /// The deadline of the current step, where it has one: resubmission of a returned
    /// package, or comments on a redegørelse in høring.
    pub trin_frist: Option<NaiveDate>,
    /// The organisation's høring comments since the draft was last saved.
    pub nye_bemaerkninger: i64,
    /// The package's place in the change feed: every change takes the next number, in commit
    /// order (integrations poll with `siden`).
    pub aendring: i64,
}

/// How many packages of a hjemstedskommune have a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCount {
    pub kommune: Kommunekode,
    pub status: PakkeStatus,
    pub antal: i64,
}

/// The supervision counts of one hjemstedskommune in a styringsår.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tilsynstal {
    pub kommune: Option<Kommunekode>,
    pub pakker: i64,
    /// Submitted at least once (returned ones included).
    pub indsendt: i64,
    /// Of those, the newest version late (returned ones not).
    pub for_sent: i64,
    /// Drafts whose deadline has passed.
    pub mangler: i64,
    pub moeder_afholdt: i64,
    pub offentliggjort: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvarRecord {
    pub svar: Svar,
    pub updated_by: UserId,
    /// The display name of who saved it ("sidst redigeret af").
    pub updated_by_name: String,
    pub updated_at: DateTime<Utc>,
    /// The package revision the answer was saved at.
    pub revision: Revision,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvarChange {
    pub pakke: PakkeId,
    pub expected_status: PakkeStatus,
    /// Every answer key of the section being saved, and the newest revision among them that
    /// the editor saw: a newer one means someone else saved the section meanwhile
    /// ([`crate::StoreError::Stale`]).
    pub sektion: Vec<String>,
    pub expected_revision: Revision,
    pub svar: Vec<(String, Svar)>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub pakke: PakkeId,
    pub from: PakkeStatus,
    pub to: PakkeStatus,
    pub haendelse: PakkeHaendelse,
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub begrundelse: Option<String>,
    /// The deadline the step sets: resubmission after a return, comments in a høring.
    pub frist: Option<NaiveDate>,
    /// The package revision the step was decided at: refused ([`crate::StoreError::Stale`])
    /// when the package changed since. None checks the status only.
    pub revision: Option<Revision>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub transition: Transition,
    /// The package revision the answers were read and validated at.
    pub revision: Revision,
    pub idempotency_key: String,
    pub svar: BTreeMap<String, Svar>,
    pub modtagere: Vec<Kommunekode>,
    pub late: bool,
    /// The version this submission becomes; the mails below name it.
    pub expected_version: i64,
    /// The attachments submitted with it.
    pub bilag: Vec<BilagId>,
    /// Mails to enqueue with the submission (the receipt).
    pub mails: Vec<NewMail>,
    /// The day the board approved the report, as the submitter states it.
    pub bestyrelse_godkendt: Option<NaiveDate>,
}

/// A submitted, frozen version of a package (its answers are read with
/// [`PakkeStore::version_svar`]). Never changed after it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub pakke: PakkeId,
    pub version: i64,
    pub submitted_by: UserId,
    pub submitted_at: DateTime<Utc>,
    pub late: bool,
    /// The attachments the version was submitted with.
    pub bilag: Vec<BilagId>,
    /// The day the board approved the report (versions from before the rule have none).
    pub bestyrelse_godkendt: Option<NaiveDate>,
    /// The accounts material kind a supplement added after the report (None: a submission).
    pub supplement: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaendelseRecord {
    pub id: i64,
    pub pakke: PakkeId,
    pub from: PakkeStatus,
    pub to: PakkeStatus,
    pub haendelse: PakkeHaendelse,
    pub by: UserId,
    pub by_name: String,
    pub at: DateTime<Utc>,
    pub begrundelse: Option<String>,
    pub frist: Option<NaiveDate>,
}

/// A report template loaded by the agency (the text is the TOML file, already checked).
#[derive(Debug, Clone, PartialEq)]
pub struct SkabelonRecord {
    pub skema: Skema,
    pub styringsaar: i32,
    pub version: u32,
    pub tekst: String,
    pub loaded_by: UserId,
    pub loaded_at: DateTime<Utc>,
}
