//! Records exchanged with the storage engines.

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Role, UserId};
use domain::master::{AfdelingData, NewOrganisation, OrganisationId, Rapporttype};
use domain::package::PakkeStatus;
use domain::period::Regnskabsperiode;
use domain::registre::*;
use domain::template::Svar;
use domain::{Kommunekode, OrganisationNummer, Styringsaar};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PakkeId(pub i64);

impl std::fmt::Display for PakkeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
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
            + self.klager.len()
            + self.arbejdsmarked.len()
            + self.kommune_arbejdsmarked.len()) as u64
    }
}

/// The inputs of a national computation, as the domain wants them.
#[derive(Debug, Clone, Default)]
pub struct Beregningsgrundlag {
    pub organisationer: Vec<(OrganisationId, domain::noegletal::OrganisationRegnskab)>,
    pub afdelinger: Vec<domain::beregning::AfdelingInput>,
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodeRecord {
    pub periode: Regnskabsperiode,
    pub styringsaar: Styringsaar,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub kommune: Option<Kommunekode>,
    pub organisationer: Vec<OrganisationId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub kommune: Option<Kommunekode>,
    pub organisationer: Vec<OrganisationId>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A login session. Only the SHA-256 of the token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A personal API key as made (its token is shown once and stored only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiNoegle {
    pub bruger: UserId,
    pub navn: String,
    pub token_hash: String,
    pub oprettet: DateTime<Utc>,
    pub udloeber: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiNoegleRecord {
    pub id: i64,
    pub noegle: NewApiNoegle,
    pub tilbagekaldt: Option<DateTime<Utc>>,
}

/// One append-only audit entry: who did what to which object, and the details.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub event: AuditEvent,
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
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCount {
    pub kommune: Kommunekode,
    pub status: PakkeStatus,
    pub antal: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvarRecord {
    pub svar: Svar,
    pub updated_by: UserId,
    pub updated_at: DateTime<Utc>,
    /// The package revision the answer was saved at.
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvarChange {
    pub pakke: PakkeId,
    pub expected_status: PakkeStatus,
    /// Every answer key of the section being saved, and the newest revision among them that
    /// the editor saw: a newer one means someone else saved the section meanwhile
    /// ([`crate::StoreError::Stale`]).
    pub sektion: Vec<String>,
    pub expected_revision: i64,
    pub svar: Vec<(String, Svar)>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub pakke: PakkeId,
    pub from: PakkeStatus,
    pub to: PakkeStatus,
    pub haendelse: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub begrundelse: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub transition: Transition,
    /// The package revision the answers were read and validated at.
    pub revision: i64,
    pub idempotency_key: String,
    pub svar: BTreeMap<String, Svar>,
    pub modtagere: Vec<Kommunekode>,
    pub late: bool,
    /// The version this submission becomes; the mails below name it.
    pub expected_version: i64,
    /// The attachments submitted with it.
    pub bilag: Vec<i64>,
    /// Mails to enqueue with the submission (the receipt).
    pub mails: Vec<NewMail>,
}

/// A mail for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// Unique per mail, so enqueueing the same mail twice adds it once.
    pub reference: String,
    pub til: String,
    pub emne: String,
    pub tekst: String,
    pub oprettet: DateTime<Utc>,
    /// One text attachment, such as the calendar file of a meeting invitation.
    pub vedhaeftning: Option<Vedhaeftning>,
}

/// A text attachment of a mail: file name and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vedhaeftning {
    pub navn: String,
    pub indhold: String,
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecord {
    pub id: i64,
    pub mail: NewMail,
    pub sendt: Option<DateTime<Utc>>,
    /// Set while a sender delivers it; set without `sendt`, the outcome is unknown.
    pub afsendes: Option<DateTime<Utc>>,
    pub forsoeg: i64,
    pub sidste_fejl: Option<String>,
}

/// A submitted, frozen version of a package. Never changed after it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub pakke: PakkeId,
    pub version: i64,
    pub svar: BTreeMap<String, Svar>,
    pub submitted_by: UserId,
    pub submitted_at: DateTime<Utc>,
    pub late: bool,
    /// The attachments the version was submitted with.
    pub bilag: Vec<i64>,
}

/// An uploaded attachment (its content is read separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilagRecord {
    pub id: i64,
    pub pakke: PakkeId,
    pub art: String,
    pub filnavn: String,
    pub mime: String,
    pub stoerrelse: i64,
    pub sha256: String,
    pub uploaded_by: UserId,
    pub uploaded_at: DateTime<Utc>,
    /// Set when a newer file of the same kind replaced it, or it was withdrawn from the draft
    /// (the file itself is kept).
    pub erstattet: Option<DateTime<Utc>>,
}

/// A new attachment, added while the package still has `expected_status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBilag {
    pub pakke: PakkeId,
    pub expected_status: PakkeStatus,
    pub art: String,
    /// Whether it supersedes the kind's current file.
    pub erstatter: bool,
    pub filnavn: String,
    pub mime: String,
    pub sha256: String,
    pub indhold: Vec<u8>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaendelseRecord {
    pub id: i64,
    pub pakke: PakkeId,
    pub from: PakkeStatus,
    pub to: PakkeStatus,
    pub haendelse: String,
    pub by: UserId,
    pub by_name: String,
    pub at: DateTime<Utc>,
    pub begrundelse: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMoede {
    pub pakke: PakkeId,
    pub dato: NaiveDate,
    pub deltagere: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
    /// The convened meeting it was, when it was convened in the system.
    pub dialogmoede: Option<i64>,
    /// At a joint meeting: whether the organisation had its own discussion.
    pub bilateral: bool,
    /// The kommune that held it (a beliggenhedskommune may hold its own meeting).
    pub kommune: Option<Kommunekode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoedeRecord {
    pub id: i64,
    pub pakke: PakkeId,
    pub dato: NaiveDate,
    pub deltagere: String,
    pub registered_by: UserId,
    pub registered_at: DateTime<Utc>,
    pub dialogmoede: Option<i64>,
    pub bilateral: bool,
    pub kommune: Option<Kommunekode>,
}

/// A dialogue meeting as convened, with the letter that was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDialogmoede {
    /// The convening kommune.
    pub kommune: Kommunekode,
    pub styringsaar: Styringsaar,
    pub starter: DateTime<Utc>,
    pub varighed_minutter: i64,
    pub sted: String,
    /// The invited participants, one per line.
    pub deltagere: String,
    /// Invited beliggenhedskommuner.
    pub kommuner: Vec<Kommunekode>,
    pub dagsorden: String,
    pub brev: String,
    /// The packages the meeting covers: one, or several for a joint meeting.
    pub pakker: Vec<PakkeId>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogmoedeRecord {
    pub id: i64,
    pub moede: NewDialogmoede,
}

/// The organisation's comment on a redegørelse in høring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBemaerkning {
    pub pakke: PakkeId,
    /// The revision of the redegørelse commented on.
    pub revision: i64,
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
    pub status: String,
    pub bemaerkning: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AftaleRecord {
    pub id: i64,
    pub aftale: NewAftale,
    pub organisation_navn: String,
    pub styringsaar: Styringsaar,
    /// Oldest first; the last entry is the current status.
    pub historik: Vec<AftaleStatusRecord>,
}

impl AftaleRecord {
    /// The current status: the newest entry of the history.
    pub fn status(&self) -> Option<domain::redegoerelse::AftaleStatus> {
        self.historik.last().and_then(|h| domain::redegoerelse::AftaleStatus::parse(&h.status))
    }
}

/// Which aftaler to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AftaleFilter {
    Organisation(OrganisationId),
    Kommune(Kommunekode),
    Pakke(PakkeId),
    Alle,
}

/// A package with what an overview needs about its progress.
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
}

/// Critical marks of an organisation for a year: marked key figures (organisation and
/// afdelinger) and red afdelinger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kritik {
    pub organisation: OrganisationId,
    pub kritiske_noegletal: i64,
    pub roede_noegletal: i64,
    pub roede_afdelinger: i64,
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
    pub revision: i64,
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
}

/// A report template loaded by the agency (the text is the TOML file, already checked).
#[derive(Debug, Clone, PartialEq)]
pub struct SkabelonRecord {
    pub skema: String,
    pub styringsaar: i32,
    pub version: u32,
    pub tekst: String,
    pub loaded_by: UserId,
    pub loaded_at: DateTime<Utc>,
}
