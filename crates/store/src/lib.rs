//! Storage traits, the records they exchange, and the conformance suite that every engine
//! must pass. The engines (store-sqlite, store-postgres) share their SQL through
//! [`sql_store_impl!`]: plain runtime SQL with `$n` placeholders that both understand.

pub mod conformance;
pub mod import;
mod records;
mod sql;

pub use records::*;

use async_trait::async_trait;
use domain::access::UserId;
use domain::beregning;
use domain::master::{Afdeling, Kommune, Organisation, OrganisationId, Region};
use domain::noegletal::OrganisationRegnskab;
use domain::{Kommunekode, OrganisationNummer, Styringsaar};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the string names the constraint.
    #[error("findes allerede: {0}")]
    Conflict(String),
    /// The row changed since it was read (optimistic concurrency).
    #[error("data er ændret af en anden i mellemtiden")]
    Stale,
    #[error("ikke fundet: {0}")]
    NotFound(String),
    #[error("databasefejl: {0}")]
    Database(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which engine a store runs on, for messages and engine-specific tuning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Everything the system persists. Every method that changes state takes the audit event
/// that describes the change and writes both in one transaction, so the audit log can never
/// miss a change.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn engine(&self) -> Engine;

    // --- master data -------------------------------------------------------------------
    async fn replace_reference(&self, regioner: &[Region], kommuner: &[Kommune]) -> Result<()>;
    async fn regioner(&self) -> Result<Vec<Region>>;
    async fn kommuner(&self) -> Result<Vec<Kommune>>;
    /// Bulk load of master and register data; all or nothing. `progress` is called with the
    /// number of rows written so far.
    async fn load_bulk(&self, data: &BulkData, progress: &(dyn Fn(u64) + Sync)) -> Result<()>;
    async fn stats(&self) -> Result<Stats>;
    /// Deletes all data except the audit log, which records the reset. Only `demo --force`
    /// uses it, on a demo database.
    async fn reset(&self, audit: &AuditEvent) -> Result<()>;
    async fn organisation(&self, id: OrganisationId) -> Result<Option<Organisation>>;
    async fn organisation_by_nummer(&self, nummer: OrganisationNummer) -> Result<Option<Organisation>>;
    async fn organisationer(&self) -> Result<Vec<Organisation>>;
    async fn administered_by(&self, administrator: OrganisationId) -> Result<Vec<OrganisationId>>;
    async fn afdelinger(&self, organisation: OrganisationId) -> Result<Vec<Afdeling>>;
    async fn afdeling(&self, id: domain::master::AfdelingId) -> Result<Option<Afdeling>>;
    /// An afdeling's accounts for a year: account → amount in øre.
    async fn afdeling_konti(
        &self,
        id: domain::master::AfdelingId,
        styringsaar: Styringsaar,
    ) -> Result<BTreeMap<String, i64>>;
    async fn organisation_regnskab(
        &self,
        organisation: OrganisationId,
        styringsaar: Styringsaar,
    ) -> Result<OrganisationRegnskab>;
    async fn regnskabsperioder(&self, organisation: OrganisationId) -> Result<Vec<PeriodeRecord>>;
    /// An organisation's lettings of familieboliger for a year: (kommune, tool, count).
    async fn udlejninger(
        &self,
        organisation: OrganisationId,
        styringsaar: Styringsaar,
    ) -> Result<Vec<(Kommunekode, domain::registre::Udlejningsredskab, u32)>>;
    /// An organisation's beboerklagenævn cases for a year: (category, decided, lost).
    async fn klager(
        &self,
        organisation: OrganisationId,
        styringsaar: Styringsaar,
    ) -> Result<Vec<(domain::registre::KlageKategori, u32, u32)>>;

    // --- imports --------------------------------------------------------------------------
    /// The rows of an importable table for a year: key → values.
    async fn import_existing(
        &self,
        tabel: import::Tabel,
        styringsaar: Styringsaar,
    ) -> Result<std::collections::HashMap<Vec<import::Felt>, Vec<i64>>>;
    /// Inserts or updates `rows` of a year in one transaction, with the audit event.
    async fn import_upsert(
        &self,
        tabel: import::Tabel,
        styringsaar: Styringsaar,
        rows: &[import::ImportRaekke],
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Every afdeling as (organisation number, afdeling number, afdeling id).
    async fn afdeling_index(
        &self,
    ) -> Result<Vec<(OrganisationNummer, domain::AfdelingNummer, domain::master::AfdelingId)>>;

    // --- computed figures -----------------------------------------------------------------
    /// Everything the national computation of a styringsår needs.
    async fn beregningsgrundlag(&self, styringsaar: Styringsaar) -> Result<Beregningsgrundlag>;
    /// Replaces a year's computed figures in one transaction.
    async fn replace_beregning(
        &self,
        styringsaar: Styringsaar,
        resultat: &beregning::Resultat,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn benchmarks(&self, styringsaar: Styringsaar) -> Result<Vec<beregning::Benchmark>>;
    /// Computed figures of one organisation or afdeling.
    async fn noegletal(
        &self,
        styringsaar: Styringsaar,
        niveau: beregning::Niveau,
        enhed_id: i64,
    ) -> Result<Vec<beregning::Vaerdi>>;
    /// Every computed figure of a year with public numbers, for export: (organisation number,
    /// afdeling number for afdeling figures, the value).
    async fn noegletal_eksport(
        &self,
        styringsaar: Styringsaar,
    ) -> Result<Vec<(OrganisationNummer, Option<domain::AfdelingNummer>, beregning::Vaerdi)>>;
    /// Every efficiency figure of a year with public numbers: (organisation, afdeling, figure).
    async fn effektivitet_eksport(
        &self,
        styringsaar: Styringsaar,
    ) -> Result<Vec<(OrganisationNummer, domain::AfdelingNummer, beregning::Effektivitet)>>;
    /// Every efficiency figure of a year with its afdeling's kommune, region and homes, for
    /// averages by kommune and region.
    async fn effektivitet_med_placering(
        &self,
        styringsaar: Styringsaar,
    ) -> Result<Vec<(Kommunekode, domain::Regionskode, u32, f64)>>;
    /// Efficiency figures of an organisation's afdelinger.
    async fn effektivitet_for_organisation(
        &self,
        styringsaar: Styringsaar,
        organisation: OrganisationId,
    ) -> Result<Vec<beregning::Effektivitet>>;

    // --- users, sessions, audit ----------------------------------------------------------
    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> Result<UserId>;
    async fn user(&self, id: UserId) -> Result<Option<UserRecord>>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>>;
    async fn users(&self) -> Result<Vec<UserRecord>>;
    async fn set_user_disabled(&self, id: UserId, disabled: bool, audit: &AuditEvent) -> Result<()>;
    async fn create_session(&self, session: &SessionRecord, audit: &AuditEvent) -> Result<()>;
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>>;
    async fn delete_session(&self, token_hash: &str, audit: &AuditEvent) -> Result<()>;
    /// Moves a valid session's expiry (the user chose to stay signed in).
    async fn extend_session(
        &self,
        token_hash: &str,
        expires_at: chrono::DateTime<chrono::Utc>,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn add_api_noegle(&self, noegle: &NewApiNoegle, audit: &AuditEvent) -> Result<i64>;
    async fn api_noegle(&self, token_hash: &str) -> Result<Option<ApiNoegleRecord>>;
    async fn api_noegler(&self, bruger: UserId) -> Result<Vec<ApiNoegleRecord>>;
    /// Revokes the user's own active key ([`StoreError::Stale`] when there is none such).
    async fn tilbagekald_api_noegle(
        &self,
        id: i64,
        bruger: UserId,
        at: chrono::DateTime<chrono::Utc>,
        audit: &AuditEvent,
    ) -> Result<()>;
    async fn delete_expired_sessions(&self, now: chrono::DateTime<chrono::Utc>) -> Result<u64>;
    async fn append_audit(&self, audit: &AuditEvent) -> Result<()>;
    async fn audit_events(&self, limit: u32) -> Result<Vec<AuditRecord>>;

    // --- packages ------------------------------------------------------------------------
    /// Creates the package unless one exists for the organisation, year and report.
    /// Returns the id and whether it was created now.
    async fn create_pakke(&self, pakke: &NewPakke, audit: &AuditEvent) -> Result<(PakkeId, bool)>;
    async fn pakke(&self, id: PakkeId) -> Result<Option<PakkeRecord>>;
    async fn pakker_for_organisationer(&self, organisationer: &[OrganisationId]) -> Result<Vec<PakkeRecord>>;
    /// Packages ever submitted to `kommune` (drafts never appear).
    async fn pakker_for_kommune(&self, kommune: Kommunekode) -> Result<Vec<PakkeRecord>>;
    /// The packages of a styringsår of every organisation whose hjemstedskommune is `kommune`,
    /// drafts included (for the deadlines the kommune sets; callers show no answers).
    async fn pakker_med_hjemsted(&self, kommune: Kommunekode, styringsaar: Styringsaar) -> Result<Vec<PakkeRecord>>;
    /// Sets the deadline of the given packages in one transaction.
    async fn set_frist(&self, pakker: &[PakkeId], frist: chrono::NaiveDate, audit: &AuditEvent) -> Result<()>;
    /// Number of packages per status for a styringsår, by the hjemstedskommune.
    async fn pakke_status_counts(&self, styringsaar: Styringsaar) -> Result<Vec<StatusCount>>;
    async fn modtagere(&self, pakke: PakkeId) -> Result<Vec<Kommunekode>>;
    async fn svar(&self, pakke: PakkeId) -> Result<BTreeMap<String, SvarRecord>>;
    /// Every computed afdeling figure of one organisation's afdelinger for a year.
    async fn noegletal_for_afdelinger(
        &self,
        styringsaar: Styringsaar,
        organisation: OrganisationId,
    ) -> Result<Vec<beregning::Vaerdi>>;
    /// Adds an attachment (superseding the kind's current one when asked); bumps the package
    /// revision. [`StoreError::Stale`] when the package no longer has the expected status.
    async fn add_bilag(&self, bilag: &NewBilag, audit: &AuditEvent) -> Result<i64>;
    /// Withdraws a current attachment from a draft: it stops being current but is kept.
    /// [`StoreError::Stale`] when the package left `expected_status` or the file is not current.
    async fn withdraw_bilag(
        &self,
        pakke: PakkeId,
        bilag: i64,
        expected_status: domain::package::PakkeStatus,
        at: chrono::DateTime<chrono::Utc>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Every attachment of a package, superseded ones included, oldest first.
    async fn bilag(&self, pakke: PakkeId) -> Result<Vec<BilagRecord>>;
    /// One attachment with its content.
    async fn bilag_indhold(&self, id: i64) -> Result<Option<(BilagRecord, Vec<u8>)>>;
    /// The newest mails in the outbox, newest first.
    async fn udbakke(&self, limit: u32) -> Result<Vec<MailRecord>>;
    /// Templates loaded by the agency, oldest first.
    async fn skabeloner(&self) -> Result<Vec<SkabelonRecord>>;
    /// Stores a new template version; [`StoreError::Stale`] when that version exists.
    async fn add_skabelon(&self, skabelon: &SkabelonRecord, audit: &AuditEvent) -> Result<()>;
    /// Saves answers while the package still has `expected_status` (else [`StoreError::Stale`]).
    async fn save_svar(&self, change: &SvarChange, audit: &AuditEvent) -> Result<()>;
    /// Moves the package from `from` to `to` and records the event; [`StoreError::Stale`]
    /// when the package is no longer in `from`.
    async fn transition(&self, transition: &Transition, audit: &AuditEvent) -> Result<()>;
    /// Submission: the transition, a frozen version of the answers and the routing, at once.
    /// Refused ([`StoreError::Stale`]) unless the package is open and still at the revision the
    /// answers were validated at. A repeated `idempotency_key` returns the earlier version.
    async fn submit(&self, submission: &Submission, audit: &AuditEvent) -> Result<VersionRecord>;
    async fn versions(&self, pakke: PakkeId) -> Result<Vec<VersionRecord>>;
    /// The version an earlier submission with `idempotency_key` made, if any.
    async fn version_by_key(&self, pakke: PakkeId, idempotency_key: &str) -> Result<Option<VersionRecord>>;
    async fn haendelser(&self, pakke: PakkeId) -> Result<Vec<HaendelseRecord>>;
    /// Meetings held: the records plus the packages' transitions, at once. A beliggenhedskommune's
    /// own meeting has no transition.
    async fn record_moeder(&self, moeder: &[NewMoede], transitions: &[Transition], audit: &AuditEvent) -> Result<()>;
    async fn moeder(&self, pakke: PakkeId) -> Result<Vec<MoedeRecord>>;
    /// Convenes a meeting: the meeting with its letter, the packages' transitions and the
    /// invitation mails, at once. Returns the meeting's id.
    async fn indkald_moede(
        &self,
        moede: &NewDialogmoede,
        transitions: &[Transition],
        mails: &[NewMail],
        audit: &AuditEvent,
    ) -> Result<i64>;
    async fn dialogmoede(&self, id: i64) -> Result<Option<DialogmoedeRecord>>;
    /// The convened meetings that cover a package, oldest first.
    async fn dialogmoeder_for_pakke(&self, pakke: PakkeId) -> Result<Vec<DialogmoedeRecord>>;
    /// Every package of a styringsår (or of the given organisations) with its progress.
    async fn pakke_forloeb(
        &self,
        styringsaar: Styringsaar,
        organisationer: Option<&[OrganisationId]>,
    ) -> Result<Vec<PakkeForloeb>>;
    /// The organisations whose key figures of a year are public (their meeting is held).
    async fn offentlige_organisationer(&self, styringsaar: Styringsaar) -> Result<Vec<OrganisationNummer>>;
    /// The efficiency figures of one comparison group in a year: (organisation, figure).
    async fn effektivitet_i_gruppe(
        &self,
        styringsaar: Styringsaar,
        gruppe: &str,
    ) -> Result<Vec<(OrganisationNummer, f64)>>;
    /// Every afdeling of the country, for the public search.
    async fn alle_afdelinger(&self) -> Result<Vec<Afdeling>>;
    /// Every afdeling located in `kommune`, of any organisation.
    async fn afdelinger_i_kommune(&self, kommune: Kommunekode) -> Result<Vec<Afdeling>>;
    /// Critical marks per organisation for a year (only organisations that have some).
    async fn kritik(&self, styringsaar: Styringsaar) -> Result<Vec<Kritik>>;

    // --- mail ----------------------------------------------------------------------------
    /// Enqueues mails (an existing reference is skipped) with the audit event; returns how
    /// many were added.
    async fn enqueue_mails(&self, mails: &[NewMail], audit: &AuditEvent) -> Result<u64>;
    /// Claims the oldest mail that is due for delivery, or none.
    async fn claim_mail(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Option<MailRecord>>;
    /// Marks a claimed mail delivered.
    async fn mail_sendt(&self, id: i64, at: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Releases a claimed mail after a refused delivery, to be tried again at `naeste`.
    async fn mail_fejlet(&self, id: i64, fejl: &str, naeste: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Releases a mail whose delivery outcome is unknown (claimed before `foer` and never
    /// marked sent) to be sent again, with the audit event; Stale when it is not in that state.
    async fn mail_send_igen(&self, id: i64, foer: chrono::DateTime<chrono::Utc>, audit: &AuditEvent) -> Result<()>;

    // --- redegørelse ---------------------------------------------------------------------
    /// Saves a new draft revision; refused once a version is published.
    async fn save_redegoerelse(&self, draft: &NewRedegoerelse, audit: &AuditEvent) -> Result<RedegoerelseRecord>;
    async fn redegoerelser(&self, pakke: PakkeId) -> Result<Vec<RedegoerelseRecord>>;
    /// Publishes revision `revision` together with the package transition.
    async fn publish_redegoerelse(
        &self,
        pakke: PakkeId,
        revision: i64,
        at: chrono::DateTime<chrono::Utc>,
        transition: &Transition,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Adds the organisation's comment while the redegørelse is in høring
    /// ([`StoreError::Stale`] otherwise).
    async fn add_bemaerkning(&self, bemaerkning: &NewBemaerkning, audit: &AuditEvent) -> Result<i64>;
    async fn bemaerkninger(&self, pakke: PakkeId) -> Result<Vec<BemaerkningRecord>>;

    // --- aftaler -------------------------------------------------------------------------
    /// Creates an aftale with its first status.
    async fn add_aftale(&self, aftale: &NewAftale, status: &AftaleStatusRecord, audit: &AuditEvent) -> Result<i64>;
    /// Appends a status to an aftale's history.
    async fn add_aftale_status(&self, aftale: i64, status: &AftaleStatusRecord, audit: &AuditEvent) -> Result<()>;
    async fn aftaler(&self, filter: AftaleFilter) -> Result<Vec<AftaleRecord>>;

    /// Published redegørelser of an organisation, newest year first.
    async fn published_redegoerelser(&self, organisation: OrganisationId) -> Result<Vec<PublishedRedegoerelse>>;
}
