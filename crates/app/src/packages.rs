//! The package cycle: create, answer, submit, return, receive, meeting held, redegørelse.

use crate::error::stale_as_conflict;
use crate::{App, AppError, FieldError, SessionUser};
use chrono::{Datelike, Months, NaiveDate};
use domain::AfdelingNummer;
use domain::access::{PakkeScope, PakkeTilladelse, Principal, Role, Tilladelse};
use domain::master::{Afdeling, AfdelingId, Rapporttype};
use domain::master::{Organisation, OrganisationId};
use domain::package::{PakkeHaendelse, PakkeStatus};
use domain::period::Regnskabsperiode;
use domain::template::{
    Element, FaktaArt, Faktablok, Problem, Sektion, SektionStatus, Skabelon, Skema, Svar, Svartype,
};
use domain::{Kommunekode, Styringsaar};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use store::*;

/// A form answer as posted: the yes/no choice, the text and the chosen option.
#[derive(Debug, Clone, Default)]
pub struct SvarInput {
    pub ja: Option<String>,
    pub tekst: String,
    pub valg: Option<String>,
}

/// Everything a package page shows, already cut to what the viewer may see.
/// Non-exhaustive so that only `pakke_view` makes one, after the scope check: holding a
/// view is proof that the viewer may read the package.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PakkeView {
    pub pakke: PakkeRecord,
    pub organisation: Organisation,
    pub skabelon: Arc<Skabelon>,
    /// The working copy for the organisation; the newest submitted version for others.
    pub svar: Arc<BTreeMap<String, Svar>>,
    pub svar_meta: Arc<BTreeMap<String, SvarRecord>>,
    pub is_working_copy: bool,
    pub versions: Vec<VersionRecord>,
    pub haendelser: Vec<HaendelseRecord>,
    pub modtagere: Vec<Kommunekode>,
    pub moeder: Vec<MoedeRecord>,
    pub redegoerelser: Vec<RedegoerelseRecord>,
    pub may_edit: bool,
    pub may_behandl: bool,
    /// The organisation's key figures for the year, with benchmark and last year's value.
    pub noegletal: Vec<crate::NoegletalLinje>,
    /// The organisation's afdelinger, each with an afdeling form (bilag 3 packages only).
    pub afdelinger: Arc<Vec<Afdeling>>,
    /// The afdeling form (bilag 4) in force, for bilag 3 packages.
    pub afdelingsskema: Option<Arc<Skabelon>>,
    /// This year's computed figures of the afdelinger (for critical marks on the forms).
    pub afdeling_noegletal: Arc<Vec<domain::beregning::Vaerdi>>,
    /// The afdelinger whose efficiency figure is yellow or red this year.
    pub gule_eller_roede: Arc<Vec<AfdelingId>>,
    /// The suggested text of questions prefilled from last year's redegørelse and aftaler.
    pub forudfyldning: Option<String>,
    /// The attachments: the current ones of the working copy, or those of the newest version.
    pub bilag: Vec<BilagRecord>,
    /// The attachment kinds of the package's styringsår.
    pub bilagsregler: domain::bilag::BilagRegler,
    /// The accounts material's own deadline ([`domain::reference::FristRegler`]).
    pub regnskab_frist: Option<NaiveDate>,
    /// The organisation may send accounts material after the report, as a supplement.
    pub may_eftersende: bool,
    /// Days from today (Danish calendar) to the deadline; negative when it has passed.
    pub dage_til_frist: Option<i64>,
    /// The package's cached data, for the parts pages read on demand (facts, meetings, aftaler).
    pub(crate) data: Arc<crate::pakkedata::PakkeData>,
}

/// What the afdeling list's bulk action did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Massemarkering {
    /// Forms marked "no special challenges".
    pub markeret: usize,
    /// Forms whose part A was answered already (left as they were).
    pub allerede_besvaret: usize,
    /// Questions given their "nothing to remark" choice.
    pub uden_bemaerkninger: usize,
    /// Afdelinger whose critical key figures leave a section to be filled in by hand.
    pub kritiske: Vec<AfdelingNummer>,
}

impl PakkeView {
    /// The kommune's reason when the package is currently returned.
    pub fn returned_reason(&self) -> Option<&str> {
        if self.pakke.status != PakkeStatus::Returneret {
            return None;
        }
        self.haendelser.iter().rev().find(|h| h.to == PakkeStatus::Returneret).and_then(|h| h.begrundelse.as_deref())
    }

    /// The deadline of the step the package is in, where the kommune set one: resubmission
    /// while returned, comments while the redegørelse is in høring.
    pub fn trin_frist(&self) -> Option<NaiveDate> {
        if !matches!(self.pakke.status, PakkeStatus::Returneret | PakkeStatus::RedegoerelseIHoering) {
            return None;
        }
        self.haendelser.iter().rev().find(|h| h.to == self.pakke.status).and_then(|h| h.frist)
    }

    pub fn latest_redegoerelse(&self) -> Option<&RedegoerelseRecord> {
        self.redegoerelser.last()
    }

    /// Whether a fact block shows a critical key figure of the organisation, or of the
    /// afdeling on an afdeling form; its comment is then required.
    pub fn kritisk(&self, f: &Faktablok, afdeling: Option<AfdelingId>) -> bool {
        if f.art != FaktaArt::Noegletal {
            return false;
        }
        match afdeling {
            None => self.noegletal.iter().any(|l| f.noegletal.contains(&l.id) && l.markering.is_some()),
            Some(a) => self
                .afdeling_noegletal
                .iter()
                .any(|v| v.enhed_id == a.0 && f.noegletal.contains(&v.noegletal) && v.markering.is_some()),
        }
    }

    /// Whether a template's condition holds for the package's organisation.
    pub fn gaelder(&self, b: domain::template::Betingelse) -> bool {
        match b {
            domain::template::Betingelse::GuleEllerRoedeAfdelinger => !self.gule_eller_roede.is_empty(),
        }
    }

    /// A package section's status on the task list, and its problems.
    pub fn sektion_status(&self, s: &Sektion) -> (SektionStatus, Vec<Problem>) {
        s.vurder(|id| self.svar.get(id), |f| self.kritisk(f, None), |b| self.gaelder(b), "")
    }

    /// An afdeling's yes/no from master data as its form answers it: the organisation's
    /// correction when it gave one, else the registered value.
    pub fn stamdata(&self, a: &Afdeling, felt: domain::template::Forudfyldning) -> Option<bool> {
        let registreret = felt.stamdata(&a.data)?;
        let rettet = self
            .afdelingsskema
            .iter()
            .flat_map(|s| s.spoergsmaal())
            .find(|q| q.forudfyld == Some(felt))
            .and_then(|q| self.svar.get(&domain::template::afdeling_noegle(a.data.nummer, &q.id)))
            .and_then(|s| s.ja);
        Some(rettet.unwrap_or(registreret))
    }

    /// The sections of the afdeling form that apply to an afdeling: part B only in operation
    /// (as the organisation has corrected it on the form, where it has).
    pub fn afdelingsskema_sektioner<'a>(&'a self, a: &'a Afdeling) -> impl Iterator<Item = &'a Sektion> + 'a {
        let under_opfoerelse =
            self.stamdata(a, domain::template::Forudfyldning::UnderOpfoerelse).unwrap_or(a.data.under_opfoerelse);
        self.afdelingsskema.iter().flat_map(move |s| s.afdelingssektioner(under_opfoerelse))
    }

    /// An afdeling form's status and problems (keys carry the afdeling prefix).
    pub fn afdelingsskema_status(&self, a: &Afdeling) -> (SektionStatus, Vec<Problem>) {
        let prefix = domain::template::afdeling_noegle(a.data.nummer, "");
        let mut problems = Vec::new();
        let mut statuses = Vec::new();
        for s in self.afdelingsskema_sektioner(a) {
            let (status, p) = s.vurder(
                |id| self.svar.get(&format!("{prefix}{id}")),
                |f| self.kritisk(f, Some(a.id)),
                |b| self.gaelder(b),
                &prefix,
            );
            statuses.push(status);
            problems.extend(p);
        }
        (SektionStatus::samlet(statuses), problems)
    }

    /// Every answer key of an afdeling's form.
    pub fn afdelingsskema_noegler(&self, a: &Afdeling) -> Vec<String> {
        self.afdelingsskema_sektioner(a)
            .flat_map(|s| s.svar_ids())
            .map(|id| domain::template::afdeling_noegle(a.data.nummer, id))
            .collect()
    }

    /// The newest saved answer among `keys`: who edited last, and when.
    pub fn sidst_redigeret<'a>(&'a self, keys: impl IntoIterator<Item = &'a str>) -> Option<&'a SvarRecord> {
        keys.into_iter().filter_map(|k| self.svar_meta.get(k)).max_by_key(|r| r.revision)
    }

    /// The revision a section form carries, so a stale save is refused.
    pub fn revision_af<'a>(&'a self, keys: impl IntoIterator<Item = &'a str>) -> Revision {
        self.sidst_redigeret(keys).map(|r| r.revision).unwrap_or_default()
    }

    /// Bilag 3 Q7: the afdelinger whose form reports special challenges, with the description.
    pub fn afdelinger_med_udfordringer(&self) -> Vec<(&Afdeling, &Svar)> {
        let Some(q) = self.afdelingsskema.as_ref().and_then(|s| s.udfordringsspoergsmaal()) else {
            return Vec::new();
        };
        self.afdelinger
            .iter()
            .filter_map(|a| {
                self.svar
                    .get(&domain::template::afdeling_noegle(a.data.nummer, &q.id))
                    .filter(|s| s.ja == Some(true))
                    .map(|s| (a, s))
            })
            .collect()
    }

    /// Submission problems in form order: the package's sections, every afdeling form, then
    /// the required attachments.
    pub fn missing_answers(&self) -> Vec<FieldError> {
        let package = self.skabelon.sektioner.iter().flat_map(|s| self.sektion_status(s).1);
        let forms = self.afdelinger.iter().flat_map(|a| self.afdelingsskema_status(a).1);
        let mut errors: Vec<FieldError> =
            package.chain(forms).map(|p| FieldError { field: p.noegle, message: p.besked }).collect();
        errors.extend(self.manglende_bilag().map(|art| FieldError {
            field: format!("bilag.{}", art.id),
            message: format!("Vedhæft {} ({})", art.navn.to_lowercase(), art.typer_tekst()),
        }));
        errors
    }

    /// The attachment kinds required for submitting the report, with no file. Accounts
    /// material has its own deadline and may follow the report ([`Self::manglende_regnskab`]).
    pub fn manglende_bilag(&self) -> impl Iterator<Item = &domain::bilag::BilagArt> {
        self.bilagsregler.manglende(false, |art| self.bilag.iter().any(|b| b.art == art))
    }

    /// The required accounts material with no file yet.
    pub fn manglende_regnskab(&self) -> impl Iterator<Item = &domain::bilag::BilagArt> {
        self.bilagsregler.manglende(true, |art| self.bilag.iter().any(|b| b.art == art))
    }

    /// The attachments task: not started, in progress or complete.
    /// Accounts material counts, though it may follow the report.
    pub fn bilag_status(&self) -> SektionStatus {
        if self.manglende_bilag().next().is_none() && self.manglende_regnskab().next().is_none() {
            SektionStatus::Gennemfoert
        } else if self.bilag.is_empty() {
            SektionStatus::IkkeStartet
        } else {
            SektionStatus::IGang
        }
    }
}

impl SvarInput {
    pub fn ja_nej(ja: bool) -> SvarInput {
        SvarInput { ja: Some(if ja { "ja" } else { "nej" }.into()), ..SvarInput::default() }
    }

    fn parse(&self, field: &str) -> Result<Svar, FieldError> {
        let ja = match self.ja.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("ja") => Some(true),
            Some("nej") => Some(false),
            Some(other) => {
                return Err(FieldError {
                    field: field.to_string(),
                    message: format!("Ukendt svar «{other}»: vælg ja eller nej"),
                });
            }
        };
        let valg = self.valg.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        Ok(Svar { ja, tekst: self.tekst.trim().to_string(), valg })
    }
}

/// The answer id of an element, and the question when it is one (a fact block's comment is
/// free text).
fn answerable(e: &domain::template::Element) -> Option<(&str, Option<domain::template::Spoergsmaal>)> {
    match e {
        domain::template::Element::Spoergsmaal(q) => Some((q.id.as_str(), Some(q.clone()))),
        domain::template::Element::Fakta(f) => f.kommentar.as_ref().map(|_| (f.id.as_str(), None)),
    }
}

/// What a package list may be narrowed to (the API's query).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PakkeFilter {
    pub styringsaar: Option<Styringsaar>,
    pub status: Option<PakkeStatus>,
    /// A kommune's packages as hjemstedskommune or as beliggenhedskommune.
    pub relation: Option<Relation>,
    /// Only packages changed after this change number, in change order.
    pub siden: Option<i64>,
}

/// Why the organisation cannot change a package it has submitted.
const INDSENDT: &str = "Pakken er indsendt og kan ikke ændres, medmindre kommunen sender den retur.";

/// Refuses a step decided on an older reading of the package (`laest`, its revision then).
pub(crate) fn uaendret_siden(pakke: &PakkeRecord, laest: Option<Revision>) -> Result<(), AppError> {
    match laest {
        Some(r) if r != pakke.revision => Err(AppError::Conflict(format!(
            "Pakken er ændret, siden den blev læst (revision {} er nu {}). Læs den igen, før der handles.",
            r.0, pakke.revision.0
        ))),
        _ => Ok(()),
    }
}

/// Where a submission goes: the hjemstedskommune and every kommune with an afdeling.
fn recipients(pakke: &PakkeRecord, afdelinger: &[Afdeling]) -> Vec<Kommunekode> {
    let mut modtagere: BTreeSet<Kommunekode> = BTreeSet::from([pakke.hjemstedskommune]);
    modtagere.extend(afdelinger.iter().map(|a| a.data.kommune));
    modtagere.into_iter().collect()
}

/// The organisation may send accounts material after its report: the package is submitted
/// (no longer open to it) and is its own.
fn kan_eftersende(principal: &Principal, scope: &PakkeScope) -> bool {
    principal.may_pakke(PakkeTilladelse::LaesKladde, scope)
        && !principal.may_pakke(PakkeTilladelse::Rediger, scope)
        && scope.status.visible_to_recipients()
        && scope.status != PakkeStatus::IkkeModtaget
}

/// A change by the organisation: not found for anyone who may not read the draft, and a clear
/// refusal once it is submitted.
fn may_edit(principal: &Principal, scope: &PakkeScope) -> Result<(), AppError> {
    if !principal.may_pakke(PakkeTilladelse::LaesKladde, scope) {
        return Err(AppError::Forbidden);
    }
    if !principal.may_pakke(PakkeTilladelse::Rediger, scope) {
        return Err(AppError::Conflict(INDSENDT.into()));
    }
    Ok(())
}

fn require(principal: &Principal, tilladelse: Tilladelse) -> Result<(), AppError> {
    if principal.may(tilladelse) { Ok(()) } else { Err(AppError::Forbidden) }
}

impl App {
    /// A package and the facts its scope decisions need, read once.
    pub(crate) async fn pakke_scope(&self, id: PakkeId) -> Result<(PakkeRecord, PakkeScope), AppError> {
        let (pakke, modtagere) = self.store.pakke_med_modtagere(id).await?.ok_or(AppError::NotFound)?;
        let scope = PakkeScope {
            organisation: pakke.organisation,
            hjemstedskommune: pakke.hjemstedskommune,
            modtagere,
            status: pakke.status,
        };
        Ok((pakke, scope))
    }

    /// Loads a package with the scope facts, refusing unless `tilladelse` is allowed.
    pub(crate) async fn scoped(
        &self,
        principal: &Principal,
        id: PakkeId,
        tilladelse: PakkeTilladelse,
    ) -> Result<(PakkeRecord, PakkeScope), AppError> {
        let (pakke, scope) = self.pakke_scope(id).await?;
        if principal.may_pakke(tilladelse, &scope) { Ok((pakke, scope)) } else { Err(AppError::Forbidden) }
    }

    /// Loads a package the kommune acts on. `laest` is the revision the caller decided on (an
    /// integration's reading): a change since is refused, so nothing is done to a package the
    /// caller has not seen. The step's transition checks the revision again as it writes.
    pub(crate) async fn til_behandling(
        &self,
        user: &SessionUser,
        id: PakkeId,
        laest: Option<Revision>,
    ) -> Result<PakkeRecord, AppError> {
        let (pakke, _) = self.scoped(&user.principal, id, PakkeTilladelse::Behandl).await?;
        uaendret_siden(&pakke, laest)?;
        Ok(pakke)
    }

    /// Loads a package for a change by the organisation. A reader of the draft who may no
    /// longer edit it (it is submitted) is told why; anyone else gets not found.
    pub(crate) async fn scoped_for_edit(&self, principal: &Principal, id: PakkeId) -> Result<PakkeRecord, AppError> {
        let (pakke, scope) = self.pakke_scope(id).await?;
        may_edit(principal, &scope)?;
        Ok(pakke)
    }

    /// The package view for a change by the organisation, its scope checked once: not found
    /// for anyone who may not read the draft, and a clear refusal once it is submitted.
    async fn view_for_edit(&self, user: &SessionUser, id: PakkeId) -> Result<PakkeView, AppError> {
        let view = self.pakke_view(user, id).await?;
        if !view.is_working_copy {
            return Err(AppError::Forbidden);
        }
        if !view.may_edit {
            return Err(AppError::Conflict(INDSENDT.into()));
        }
        Ok(view)
    }

    pub(crate) fn transition(
        &self,
        user: &SessionUser,
        pakke: &PakkeRecord,
        h: PakkeHaendelse,
        reason: Option<String>,
    ) -> Result<Transition, AppError> {
        Ok(Transition {
            pakke: pakke.id,
            from: pakke.status,
            to: pakke.status.apply_for(h, !pakke.uden_pakke())?,
            haendelse: h,
            by: user.principal.user_id,
            at: self.now(),
            begrundelse: reason,
            frist: None,
            // The step is decided on this reading of the package: a change since refuses it.
            revision: Some(pakke.revision),
        })
    }

    pub(crate) fn pakke_audit(
        &self,
        user: &SessionUser,
        pakke: &PakkeRecord,
        action: &str,
        details: serde_json::Value,
    ) -> AuditEvent {
        let mut details = details;
        if let serde_json::Value::Object(map) = &mut details {
            map.insert("organisation".into(), pakke.organisation_nummer.get().into());
            map.insert("styringsaar".into(), pakke.styringsaar.get().into());
            map.insert("fra".into(), pakke.status.as_str().into());
        }
        self.audit(Some(user.principal.user_id), action, "pakke", pakke.id.0, details)
    }

    /// The default deadline: a number of months after the period ends (data/regler).
    fn standard_frist(&self, periode: &Regnskabsperiode) -> Option<NaiveDate> {
        let maaneder = self.regler(periode.styringsaar()).frist.maaneder_efter_periodens_udloeb;
        periode.slut().checked_add_months(Months::new(maaneder))
    }

    /// Creates the packages of a styringsår for every organisation with a reporting duty.
    /// Existing packages are left alone, so running it twice changes nothing.
    pub async fn create_packages(&self, actor: Option<&SessionUser>, aar: Styringsaar) -> Result<(u32, u32), AppError> {
        if let Some(user) = actor {
            require(&user.principal, Tilladelse::Styrelse)?;
        }
        let organisationer = self.store.organisationer().await?;
        // The new packages are worked out side by side (each reads its organisation's
        // accounting periods), then written in one transaction: all of the year's or none.
        let nye: Vec<Option<(NewPakke, store::AuditEvent)>> =
            futures::stream::iter(organisationer.into_iter().filter(|o| o.kind.rapporttype().is_some()))
                .map(|org| async move { self.ny_pakke(actor, org, aar).await })
                .buffered(crate::PARALLEL_WRITES)
                .try_collect()
                .await?;
        let nye: Vec<(NewPakke, store::AuditEvent)> = nye.into_iter().flatten().collect();
        let results = self.store.create_pakker(&nye).await?;
        let created = results.iter().filter(|(_, c)| *c).count() as u32;
        let existing = results.len() as u32 - created;
        Ok((created, existing))
    }

    /// The package an organisation reports in for `aar`, and the audit event of its creation.
    async fn ny_pakke(
        &self,
        actor: Option<&SessionUser>,
        org: Organisation,
        aar: Styringsaar,
    ) -> Result<Option<(NewPakke, store::AuditEvent)>, AppError> {
        let periode = match self.store.regnskabsperioder(org.id).await?.into_iter().find(|p| p.styringsaar == aar) {
            Some(p) => p.periode,
            None => Regnskabsperiode::for_styringsaar(aar, u32::from(org.regnskabsaar_start_maaned))
                .map_err(|e| AppError::internal("regnskabsperiode", e))?,
        };
        Ok(self.ny_pakke_for(actor, &org, aar, periode))
    }

    /// The package of `org` for `aar` over `periode` (none without a reporting duty), and the
    /// audit event of its creation.
    fn ny_pakke_for(
        &self,
        actor: Option<&SessionUser>,
        org: &Organisation,
        aar: Styringsaar,
        periode: Regnskabsperiode,
    ) -> Option<(NewPakke, store::AuditEvent)> {
        let rapporttype = org.kind.rapporttype()?;
        let new = NewPakke {
            organisation: org.id,
            styringsaar: aar,
            rapporttype,
            periode,
            frist: self.standard_frist(&periode),
            created_at: self.now(),
        };
        let audit = self.audit(
            actor.map(|u| u.principal.user_id),
            "pakke_oprettet",
            "pakke",
            "",
            json!({"organisation": org.nummer.get(), "styringsaar": aar.get(), "rapporttype": rapporttype.as_str()}),
        );
        Some((new, audit))
    }

    /// Packages of the user's organisations (organisation users).
    pub async fn my_packages(&self, user: &SessionUser) -> Result<Vec<PakkeRecord>, AppError> {
        let orgs: Vec<OrganisationId> = user.principal.organisationer.iter().copied().collect();
        Ok(self.store.pakker_for_organisationer(&orgs).await?)
    }

    /// Packages sent to the user's kommune.
    pub async fn kommune_packages(&self, user: &SessionUser) -> Result<Vec<PakkeRecord>, AppError> {
        require(&user.principal, Tilladelse::KommuneOversigt)?;
        let kommune = user.principal.kommune.ok_or(AppError::Forbidden)?;
        Ok(self.store.pakker_for_kommune(kommune).await?)
    }

    /// The packages of a styringsår of the organisations the kommune supervises (its
    /// hjemstedskommune organisations), for setting deadlines. No answers are read.
    pub async fn tilsynspakker(&self, user: &SessionUser, aar: Styringsaar) -> Result<Vec<PakkeRecord>, AppError> {
        require(&user.principal, Tilladelse::KommuneOversigt)?;
        let kommune = user.principal.kommune.ok_or(AppError::Forbidden)?;
        Ok(self.store.pakker_med_hjemsted(kommune, aar).await?)
    }

    /// A styringsår's packages of the organisations the kommune supervises, or of the one
    /// named (not found when the kommune does not supervise it).
    pub(crate) async fn valgte_tilsynspakker(
        &self,
        user: &SessionUser,
        aar: Styringsaar,
        organisation: Option<domain::OrganisationNummer>,
    ) -> Result<Vec<PakkeRecord>, AppError> {
        let mut pakker = self.tilsynspakker(user, aar).await?;
        pakker.retain(|p| organisation.is_none_or(|o| p.organisation_nummer == o));
        if organisation.is_some() && pakker.is_empty() {
            return Err(AppError::NotFound);
        }
        Ok(pakker)
    }

    /// The kommune sets the deadline of a styringsår for all the organisations it supervises,
    /// or for one (`organisation`). A package already submitted keeps its "late" mark as it
    /// was at submission. Returns how many packages got the deadline.
    pub async fn set_frist(
        &self,
        user: &SessionUser,
        aar: Styringsaar,
        frist: NaiveDate,
        organisation: Option<domain::OrganisationNummer>,
        bekraeftet: bool,
    ) -> Result<usize, AppError> {
        let valgte = self.valgte_tilsynspakker(user, aar, organisation).await?;
        // Nothing changes silently: a deadline already passed, or one that replaces deadlines
        // set before (one organisation's own, when all are set at once), is confirmed first.
        if !bekraeftet {
            let mut advarsler = Vec::new();
            if frist < self.today() {
                advarsler.push(format!("Datoen {} er allerede passeret.", frist.format("%d.%m.%Y")));
            }
            let aendres: Vec<String> = valgte
                .iter()
                .filter(|p| p.frist.is_some_and(|f| f != frist))
                .map(|p| {
                    format!(
                        "{} ({})",
                        p.organisation_navn,
                        p.frist.map(|f| f.format("%d.%m.%Y").to_string()).unwrap_or_default()
                    )
                })
                .collect();
            if !aendres.is_empty() {
                let navne = if aendres.len() > 5 {
                    format!("{} og {} andre", aendres[..5].join(", "), aendres.len() - 5)
                } else {
                    aendres.join(", ")
                };
                advarsler.push(format!(
                    "{} {} allerede en anden frist, som ændres: {navne}.",
                    aendres.len(),
                    if aendres.len() == 1 { "organisation har" } else { "organisationer har" }
                ));
            }
            if !advarsler.is_empty() {
                return Err(AppError::field(
                    "bekraeft",
                    format!("{} Bekræft, at fristen skal sættes.", advarsler.join(" ")),
                ));
            }
        }
        let audit = self.audit(
            Some(user.principal.user_id),
            "frist_fastsat",
            "kommune",
            user.principal.kommune.map(|k| k.get()).unwrap_or_default(),
            json!({"styringsaar": aar.get(), "frist": frist, "organisation": organisation.map(|o| o.get()), "pakker": valgte.len()}),
        );
        let ids: Vec<PakkeId> = valgte.iter().map(|p| p.id).collect();
        self.store.set_frist(&ids, frist, &audit).await?;
        Ok(ids.len())
    }

    /// One page of the packages the user's role lists, with their progress: the organisation's
    /// own, those sent to the kommune (as hjemsted or beliggenhed, `filter.relation`), or, for
    /// the agency, every package in the country. The store reads one page; listing reads no
    /// answers, and reading a package still goes through `pakke_view`.
    pub async fn listede_pakker(
        &self,
        user: &SessionUser,
        filter: &PakkeFilter,
        side: Side,
    ) -> Result<Udsnit<PakkeForloeb>, AppError> {
        let p = &user.principal;
        if filter.relation.is_some() && p.role != Role::Kommune {
            return Err(AppError::field(
                "relation",
                "Kun en kommune modtager pakker som hjemsteds- eller beliggenhedskommune",
            ));
        }
        let omfang = match p.role {
            Role::Organisation => PakkeOmfang::Organisationer(p.organisationer.iter().copied().collect()),
            Role::Kommune => {
                require(p, Tilladelse::KommuneOversigt)?;
                PakkeOmfang::Kommune { kode: p.kommune.ok_or(AppError::Forbidden)?, relation: filter.relation }
            }
            Role::Styrelse => {
                require(p, Tilladelse::Styrelse)?;
                PakkeOmfang::Alle
            }
        };
        let udvalg =
            PakkeUdvalg { omfang, styringsaar: filter.styringsaar, status: filter.status, siden: filter.siden };
        Ok(self.store.pakke_udvalg(&udvalg, side).await?)
    }

    /// The packages of one styringsår the user's role lists (every one, for the archive).
    pub async fn pakker_i_aar(&self, user: &SessionUser, aar: Styringsaar) -> Result<Vec<PakkeRecord>, AppError> {
        let pakker = match user.principal.role {
            Role::Organisation => self.my_packages(user).await?,
            Role::Kommune => self.kommune_packages(user).await?,
            Role::Styrelse => {
                require(&user.principal, Tilladelse::Styrelse)?;
                self.store.pakke_forloeb(aar, None).await?.into_iter().map(|f| f.pakke).collect()
            }
        };
        Ok(pakker.into_iter().filter(|p| p.styringsaar == aar).collect())
    }

    /// National status per kommune for the agency.
    pub async fn national_status(&self, user: &SessionUser, aar: Styringsaar) -> Result<Vec<StatusCount>, AppError> {
        require(&user.principal, Tilladelse::Styrelse)?;
        Ok(self.store.pakke_status_counts(aar).await?)
    }

    pub async fn pakke_view(&self, user: &SessionUser, id: PakkeId) -> Result<PakkeView, AppError> {
        let p = &user.principal;
        let ((pakke, scope), stempler) =
            futures::try_join!(self.pakke_scope(id), async { Ok::<_, AppError>(self.store.cache_stempler().await?) })?;
        // The organisation reads its working copy; recipients the newest submitted version.
        let working = p.may_pakke(PakkeTilladelse::LaesKladde, &scope);
        if !working && !p.may_pakke(PakkeTilladelse::LaesIndsendt, &scope) {
            return Err(AppError::Forbidden);
        }
        let may_behandl = p.may_pakke(PakkeTilladelse::Behandl, &scope);
        let may_eftersende = kan_eftersende(p, &scope);
        let (data, skabeloner) = futures::try_join!(
            self.pakke_data(&pakke, stempler),
            self.skabeloner_under(stempler.skabeloner, pakke.styringsaar),
        )?;
        let newest = data.versions.last().cloned();
        let (svar, svar_meta) = if working {
            let (meta, svar) = data
                .arbejdskopi
                .get_or_try_init(|| async {
                    let meta = self.store.svar(id).await?;
                    let svar = meta.iter().map(|(k, v)| (k.clone(), v.svar.clone())).collect();
                    Ok::<_, AppError>((Arc::new(meta), Arc::new(svar)))
                })
                .await?;
            (svar.clone(), meta.clone())
        } else {
            let svar = data
                .indsendt
                .get_or_try_init(|| async {
                    Ok::<_, AppError>(Arc::new(match &newest {
                        Some(v) => self.store.version_svar(id, v.version).await?.unwrap_or_default(),
                        None => BTreeMap::new(),
                    }))
                })
                .await?;
            (svar.clone(), Arc::default())
        };
        let forudfyldning = if working {
            data.forudfyldning.get_or_try_init(|| self.tidligere_droeftede_forhold(&pakke)).await?.clone()
        } else {
            None
        };
        let skabelon = skabeloner.skabelon(pakke.rapporttype.into())?;
        let bilag3 = pakke.rapporttype == Rapporttype::Bilag3;
        let afdelingsskema = if bilag3 { Some(skabeloner.skabelon(Skema::Bilag4)?) } else { None };
        let bilag = if working {
            data.bilag.iter().filter(|b| b.erstattet.is_none()).cloned().collect()
        } else {
            let ids = newest.map(|v| v.bilag).unwrap_or_default();
            data.bilag.iter().filter(|b| ids.contains(&b.id)).cloned().collect()
        };
        // The redegørelse draft is the kommune's until it is sent for comments.
        let redegoerelser = if may_behandl
            || matches!(pakke.status, PakkeStatus::RedegoerelseIHoering | PakkeStatus::RedegoerelseOffentliggjort)
        {
            data.redegoerelser.clone()
        } else {
            Vec::new()
        };
        Ok(PakkeView {
            may_edit: p.may_pakke(PakkeTilladelse::Rediger, &scope),
            may_behandl,
            haendelser: data.haendelser.clone(),
            moeder: data.moeder.clone(),
            modtagere: scope.modtagere,
            dage_til_frist: pakke.frist.map(|f| (f - self.today()).num_days()),
            bilagsregler: self.regler(pakke.styringsaar).bilag.clone(),
            regnskab_frist: self.regler(pakke.styringsaar).frist.regnskab_frist(&pakke.periode),
            may_eftersende,
            organisation: data.organisation.clone(),
            versions: data.versions.clone(),
            noegletal: data.noegletal.clone(),
            afdelinger: data.afdelinger.clone(),
            afdeling_noegletal: data.afdeling_noegletal.clone(),
            gule_eller_roede: data.gule_eller_roede.clone(),
            pakke,
            skabelon,
            svar,
            svar_meta,
            is_working_copy: working,
            redegoerelser,
            afdelingsskema,
            forudfyldning,
            bilag,
            data,
        })
    }

    /// A package's data for every viewer, read once per change of the package or of what it
    /// shows (see `pakkedata`).
    async fn pakke_data(
        &self,
        pakke: &PakkeRecord,
        stempler: CacheStempler,
    ) -> Result<Arc<crate::pakkedata::PakkeData>, AppError> {
        let noegle = crate::pakkedata::Noegle { revision: pakke.revision, stempler };
        if let Some(data) = self.pakke_cache.hent(pakke.id, noegle) {
            return Ok(data);
        }
        let id = pakke.id;
        let bilag3 = pakke.rapporttype == Rapporttype::Bilag3;
        let (versions, organisation, bilag, haendelser, moeder, redegoerelser) = futures::try_join!(
            async { Ok::<_, AppError>(self.store.versions(id).await?) },
            async { self.store.organisation(pakke.organisation).await?.ok_or(AppError::NotFound) },
            async { Ok(self.store.bilag(id).await?) },
            async { Ok(self.store.haendelser(id).await?) },
            async { Ok(self.store.moeder(id).await?) },
            async { Ok(self.store.redegoerelser(id).await?) },
        )?;
        let (afdelinger, afdeling_noegletal, noegletal, effektivitet) = futures::try_join!(
            async {
                Ok::<_, AppError>(if bilag3 { self.store.afdelinger(pakke.organisation).await? } else { Vec::new() })
            },
            async {
                Ok(if bilag3 {
                    self.store.noegletal_for_afdelinger(pakke.styringsaar, pakke.organisation).await?
                } else {
                    Vec::new()
                })
            },
            crate::beregning::noegletal_linjer(
                self.store.as_ref(),
                &self.settings.katalog,
                domain::beregning::Niveau::Organisation,
                pakke.organisation.0,
                domain::beregning::Pulje::for_rapporttype(pakke.rapporttype),
                pakke.styringsaar,
            ),
            async {
                Ok(if bilag3 {
                    self.store.effektivitet_for(pakke.styringsaar, &[pakke.organisation]).await?
                } else {
                    Vec::new()
                })
            },
        )?;
        let gule_eller_roede = effektivitet
            .iter()
            .filter(|e| matches!(e.farve, domain::effektivitet::Farve::Gul | domain::effektivitet::Farve::Roed))
            .map(|e| e.afdeling)
            .collect();
        let data = Arc::new(crate::pakkedata::PakkeData {
            organisation,
            versions,
            bilag,
            haendelser,
            moeder,
            redegoerelser,
            noegletal,
            afdelinger: Arc::new(afdelinger),
            afdeling_noegletal: Arc::new(afdeling_noegletal),
            gule_eller_roede: Arc::new(gule_eller_roede),
            arbejdskopi: Default::default(),
            indsendt: Default::default(),
            forudfyldning: Default::default(),
            fakta: Default::default(),
            dialogmoeder: Default::default(),
            aftaler: Default::default(),
        });
        self.pakke_cache.gem(id, noegle, data.clone());
        Ok(data)
    }

    /// Last year's published redegørelse of the same organisation and report, as the
    /// starting point for "status for tidligere drøftede forhold".
    async fn tidligere_droeftede_forhold(&self, pakke: &PakkeRecord) -> Result<Option<String>, AppError> {
        let earlier = self.store.pakker_for_organisationer(&[pakke.organisation]).await?;
        let Some(last) = earlier
            .iter()
            .find(|p| p.styringsaar == pakke.styringsaar.previous() && p.rapporttype == pakke.rapporttype)
        else {
            return Ok(None);
        };
        let redegoerelser = self.store.redegoerelser(last.id).await?;
        let aabne: Vec<AftaleRecord> = self
            .store
            .aftaler(AftaleFilter::Organisation(pakke.organisation))
            .await?
            .into_iter()
            .filter(|a| a.styringsaar < pakke.styringsaar && a.status().is_some_and(|s| s.aaben()))
            .collect();
        let published = redegoerelser.iter().rev().find(|r| r.published_at.is_some());
        if published.is_none() && aabne.is_empty() {
            return Ok(None);
        }
        let mut text = format!("Fra kommunens redegørelse for styringsår {}:", last.styringsaar);
        for id in ["aftaler", "sammenfatning"] {
            if let Some(t) = published.and_then(|p| p.tekst.get(id)).filter(|t| !t.trim().is_empty()) {
                let titel = domain::redegoerelse::felt_titel(id).unwrap_or_else(|| id.to_string());
                text.push_str(&format!("\n\n{titel}:\n{}", t.trim()));
            }
        }
        if !aabne.is_empty() {
            text.push_str("\n\nÅbne aftaler med kommunen:");
            for a in &aabne {
                let status = a.status().map(|s| s.label()).unwrap_or_default();
                let frist = a.aftale.frist.map(|f| format!(", frist {}", f.format("%d.%m.%Y"))).unwrap_or_default();
                text.push_str(&format!("\n- {} ({status}{frist}): {}", a.aftale.emne, a.aftale.beskrivelse));
            }
        }
        text.push_str("\n\nStatus i dag:\n");
        Ok(Some(text))
    }

    /// Saves one section of the package, or one afdeling's whole form (`afdeling`). Drafts may
    /// be incomplete; only the section's own questions are accepted. `expected_revision` is the
    /// newest revision among the section's answers when the form was opened: if a colleague
    /// saved the section since, nothing is saved and the user is told (never a silent overwrite).
    pub async fn save_sektion(
        &self,
        user: &SessionUser,
        id: PakkeId,
        sektion: &str,
        afdeling: Option<AfdelingNummer>,
        answers: Vec<(String, SvarInput)>,
        expected_revision: Revision,
    ) -> Result<(), AppError> {
        // Only what a save needs: the package (its scope once), its template, and for an
        // afdeling form the afdeling.
        let pakke = self.scoped_for_edit(&user.principal, id).await?;
        let skabeloner = self.skabeloner_i_kraft(pakke.styringsaar).await?;
        // (answer key, the question when it is one): the section's answerable ids.
        let fields: Vec<(String, Option<domain::template::Spoergsmaal>)> = match afdeling {
            None => {
                let skabelon = skabeloner.skabelon(pakke.rapporttype.into())?;
                let s = skabelon.sektion(sektion).ok_or(AppError::NotFound)?;
                s.elementer.iter().filter_map(|e| answerable(e).map(|(id, q)| (id.to_string(), q))).collect()
            }
            Some(nr) if pakke.rapporttype == Rapporttype::Bilag3 => {
                let afdelinger = self.store.afdelinger(pakke.organisation).await?;
                if !afdelinger.iter().any(|a| a.data.nummer == nr) {
                    return Err(AppError::NotFound);
                }
                let skema = skabeloner.skabelon(Skema::Bilag4)?;
                // Every section: the organisation may correct "under opførelse" on the same
                // form, and the sections shown follow its answer, not only the register.
                skema
                    .afdelingssektioner(false)
                    .flat_map(|s| s.elementer.iter())
                    .filter_map(|e| answerable(e).map(|(id, q)| (domain::template::afdeling_noegle(nr, id), q)))
                    .collect()
            }
            Some(_) => return Err(AppError::NotFound),
        };
        let mut svar = Vec::new();
        let mut errors = Vec::new();
        for (key, input) in answers {
            let Some((_, question)) = fields.iter().find(|(k, _)| *k == key) else {
                return Err(AppError::field(&key, "Ukendt spørgsmål"));
            };
            match input.parse(&key) {
                Ok(s) => match question {
                    Some(q) if q.svartype == Svartype::Valg && s.valg.as_ref().is_some_and(|v| !q.valg.contains(v)) => {
                        errors.push(FieldError {
                            field: key.clone(),
                            message: format!("Vælg et af svarene til {}", q.navn()),
                        })
                    }
                    // "Hvis ja, hvilke?" belongs to a yes: under a no the form hides it, and a
                    // text left there is not kept as if it were part of the answer.
                    Some(q) if q.svartype == Svartype::JaNejHvilke && s.ja == Some(false) => {
                        svar.push((key, Svar { tekst: String::new(), ..s }))
                    }
                    _ => svar.push((key, s)),
                },
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let audit = self.pakke_audit(
            user,
            &pakke,
            "svar_gemt",
            json!({"sektion": sektion, "afdeling": afdeling.map(|a| a.get()), "spoergsmaal": svar.iter().map(|(q, _)| q).collect::<Vec<_>>()}),
        );
        let change = SvarChange {
            pakke: id,
            expected_status: pakke.status,
            sektion: fields.into_iter().map(|(k, _)| k).collect(),
            expected_revision,
            svar,
            by: user.principal.user_id,
            at: self.now(),
        };
        self.store.save_svar(&change, &audit).await.map_err(|e| match e {
            StoreError::Stale => AppError::Conflict(
                "En anden har gemt dette afsnit, mens du arbejdede, eller pakken er indsendt. Dine ændringer er ikke gemt: \
                 åbn afsnittet igen for at se de nye svar, og indtast dine ændringer på ny."
                    .into(),
            ),
            other => other.into(),
        })
    }

    /// Copies last year's submitted answers into the unanswered questions of one section
    /// (`sektion`), of all afdeling forms (`sektion = "afdelinger"`) or of the whole package
    /// (`None`). Answers already given are never replaced, and questions prefilled from the
    /// redegørelse are left to that. Returns how many answers were copied.
    pub async fn load_last_year(
        &self,
        user: &SessionUser,
        id: PakkeId,
        sektion: Option<&str>,
    ) -> Result<usize, AppError> {
        let view = self.view_for_edit(user, id).await?;
        let pakke = &view.pakke;
        let earlier = self.store.pakker_for_organisationer(&[pakke.organisation]).await?;
        let Some(last) = earlier
            .iter()
            .find(|p| p.styringsaar == pakke.styringsaar.previous() && p.rapporttype == pakke.rapporttype)
        else {
            return Err(AppError::Conflict(format!(
                "Der er ingen pakke fra styringsår {} at hente svar fra.",
                pakke.styringsaar.previous()
            )));
        };
        let Some(version) = self.store.versions(last.id).await?.pop() else {
            return Err(AppError::Conflict(format!(
                "Pakken for styringsår {} blev ikke indsendt, så der er ingen svar at hente.",
                last.styringsaar
            )));
        };
        let last_svar = self.store.version_svar(last.id, version.version).await?.unwrap_or_default();
        let prefilled = |id: &str| {
            view.skabelon.spoergsmaal().chain(view.afdelingsskema.iter().flat_map(|s| s.spoergsmaal())).any(|q| {
                q.forudfyld.is_some()
                    && (q.id == id || domain::template::split_afdeling_noegle(id).is_some_and(|(_, x)| x == q.id))
            })
        };
        let package_keys = |s: &Sektion| s.svar_ids().map(str::to_string).collect::<Vec<_>>();
        let form_keys = || view.afdelinger.iter().flat_map(|a| view.afdelingsskema_noegler(a)).collect::<Vec<_>>();
        let keys: Vec<String> = match sektion {
            None => view.skabelon.sektioner.iter().flat_map(package_keys).chain(form_keys()).collect(),
            Some("afdelinger") => form_keys(),
            Some(sid) => package_keys(view.skabelon.sektion(sid).ok_or(AppError::NotFound)?),
        };
        let svar: Vec<(String, Svar)> = keys
            .iter()
            .filter(|k| !prefilled(k) && view.svar.get(*k).is_none_or(Svar::is_empty))
            .filter_map(|k| last_svar.get(k).filter(|s| !s.is_empty()).map(|s| (k.clone(), s.clone())))
            .collect();
        if svar.is_empty() {
            return Ok(0);
        }
        let copied = svar.len();
        let audit = self.pakke_audit(
            user,
            pakke,
            "sidste_aars_svar_hentet",
            json!({"sektion": sektion, "fra_version": version.version, "antal": copied}),
        );
        let change = SvarChange {
            pakke: id,
            expected_status: pakke.status,
            expected_revision: view.revision_af(keys.iter().map(String::as_str)),
            sektion: keys,
            svar,
            by: user.principal.user_id,
            at: self.now(),
        };
        self.store.save_svar(&change, &audit).await.map_err(stale_as_conflict)?;
        Ok(copied)
    }

    /// Creates the packages that are due: for every organisation with a reporting duty, the
    /// package of each styringsår whose regnskabsperiode has ended by `today` (docs/domain.md §3.2).
    /// Idempotent, so the server can run it daily. Returns how many were created.
    pub async fn create_due_packages(&self) -> Result<u32, AppError> {
        let today = self.today();
        let organisationer = self.store.organisationer().await?;
        let mut nye = Vec::new();
        for org in organisationer.into_iter().filter(|o| o.kind.rapporttype().is_some()) {
            let perioder = self.store.regnskabsperioder(org.id).await?;
            for aar in [today.year() - 1, today.year(), today.year() + 1] {
                let Ok(aar) = Styringsaar::new(i64::from(aar)) else { continue };
                let periode = match perioder.iter().find(|p| p.styringsaar == aar) {
                    Some(p) => p.periode,
                    None => match Regnskabsperiode::for_styringsaar(aar, u32::from(org.regnskabsaar_start_maaned)) {
                        Ok(p) => p,
                        Err(_) => continue,
                    },
                };
                if periode.slut() < today {
                    nye.extend(self.ny_pakke_for(None, &org, aar, periode));
                }
            }
        }
        // Existing ones are left as they are: only the new count.
        let results = self.store.create_pakker(&nye).await?;
        Ok(results.iter().filter(|(_, created)| *created).count() as u32)
    }

    /// The afdeling list's bulk action: the chosen afdelinger's forms are marked "no special
    /// challenges" (part A), and with `ogsaa_uden_bemaerkninger` every question that names its
    /// "nothing to remark" choice is given it (part B's state of maintenance), but only in a
    /// section where none of the afdeling's key figures is critical. Only unanswered questions
    /// are written. Returns what was marked and what was left for the organisation.
    pub async fn mark_uden_udfordringer(
        &self,
        user: &SessionUser,
        id: PakkeId,
        afdelinger: &[AfdelingNummer],
        ogsaa_uden_bemaerkninger: bool,
    ) -> Result<Massemarkering, AppError> {
        let view = self.view_for_edit(user, id).await?;
        let pakke = &view.pakke;
        let skema = view
            .afdelingsskema
            .as_ref()
            .ok_or_else(|| AppError::Conflict("Pakken har ingen afdelingsskemaer.".into()))?;
        let q = skema
            .udfordringsspoergsmaal()
            .ok_or_else(|| AppError::Conflict("Pakken har ingen afdelingsskemaer.".into()))?;
        let mut svar = Vec::new();
        let mut udfald = Massemarkering::default();
        for nr in afdelinger {
            let a = view.afdelinger.iter().find(|a| a.data.nummer == *nr).ok_or(AppError::NotFound)?;
            let key = domain::template::afdeling_noegle(*nr, &q.id);
            if view.svar.get(&key).is_some_and(|s| s.ja.is_some()) {
                udfald.allerede_besvaret += 1;
            } else {
                svar.push((key, Svar { ja: Some(false), ..Svar::default() }));
                udfald.markeret += 1;
            }
            if !ogsaa_uden_bemaerkninger {
                continue;
            }
            for s in view.afdelingsskema_sektioner(a) {
                let standard: Vec<(&str, &str)> = s
                    .spoergsmaal()
                    .filter_map(|q| q.uden_bemaerkninger.as_deref().map(|v| (q.id.as_str(), v)))
                    .collect();
                if standard.is_empty() {
                    continue;
                }
                if s.elementer.iter().any(|e| matches!(e, Element::Fakta(f) if view.kritisk(f, Some(a.id)))) {
                    udfald.kritiske.push(*nr);
                    continue;
                }
                for (qid, valg) in standard {
                    let key = domain::template::afdeling_noegle(*nr, qid);
                    if view.svar.get(&key).is_none() {
                        svar.push((key, Svar { valg: Some(valg.to_string()), ..Svar::default() }));
                        udfald.uden_bemaerkninger += 1;
                    }
                }
            }
        }
        if svar.is_empty() {
            return Ok(udfald);
        }
        let audit = self.pakke_audit(
            user,
            pakke,
            "afdelinger_uden_udfordringer",
            json!({"afdelinger": udfald.markeret, "uden_bemaerkninger": udfald.uden_bemaerkninger}),
        );
        let keys: Vec<String> = svar.iter().map(|(k, _)| k.clone()).collect();
        let change = SvarChange {
            pakke: id,
            expected_status: pakke.status,
            sektion: keys,
            // Only unanswered questions are written; one answered meanwhile makes the action stale.
            expected_revision: Revision(0),
            svar,
            by: user.principal.user_id,
            at: self.now(),
        };
        self.store.save_svar(&change, &audit).await.map_err(stale_as_conflict)?;
        Ok(udfald)
    }

    /// Submits the package to the hjemstedskommune and every beliggenhedskommune. Repeating
    /// the same `idempotency_key` (double click, back button) returns the first submission.
    /// The submitter states the day the board approved the report (`bestyrelse_godkendt`):
    /// the board is responsible for it, and the receipt shows the approval.
    pub async fn submit(
        &self,
        user: &SessionUser,
        id: PakkeId,
        idempotency_key: &str,
        bestyrelse_godkendt: &str,
    ) -> Result<VersionRecord, AppError> {
        // One read of the package and its scope serves the checks and the submission.
        let view = self.pakke_view(user, id).await?;
        if !view.is_working_copy {
            return Err(AppError::Forbidden);
        }
        // A resend of a submission that went through only finds it; it never writes.
        if let Some(earlier) = self.store.version_by_key(id, idempotency_key).await? {
            return Ok(earlier);
        }
        if !view.may_edit {
            return Err(AppError::Conflict(INDSENDT.into()));
        }
        let pakke = &view.pakke;
        let mut missing = view.missing_answers();
        let godkendt = self.bestyrelsens_godkendelse(pakke, bestyrelse_godkendt, &mut missing);
        let Some(godkendt) = godkendt.filter(|_| missing.is_empty()) else {
            return Err(AppError::Invalid(missing));
        };
        let modtagere = recipients(pakke, &view.afdelinger);
        let late = pakke.frist.is_some_and(|frist| self.today() > frist);
        let version = view.versions.len() as i64 + 1;
        let mails = match self.store.user(user.principal.user_id).await?.and_then(|u| u.email) {
            Some(til) => vec![self.kvittering(&view, &til, version, &modtagere, late, godkendt).await?],
            None => Vec::new(),
        };
        let submission = Submission {
            transition: self.transition(user, pakke, PakkeHaendelse::Indsend, None)?,
            // The answers validated above are exactly those at this revision.
            revision: view.pakke.revision,
            idempotency_key: idempotency_key.into(),
            svar: (*view.svar).clone(),
            modtagere,
            late,
            expected_version: version,
            mails,
            bilag: view.bilag.iter().map(|b| b.id).collect(),
            bestyrelse_godkendt: Some(godkendt),
        };
        let audit = self.pakke_audit(
            user,
            pakke,
            "pakke_indsendt",
            json!({"modtagere": submission.modtagere.iter().map(|k| k.get()).collect::<Vec<_>>(), "for_sent": late}),
        );
        match self.store.submit(&submission, &audit).await {
            Ok(version) => Ok(version),
            // A concurrent resend may have won the race: then it is the same submission.
            Err(StoreError::Stale) => match self.store.version_by_key(id, idempotency_key).await? {
                Some(version) => Ok(version),
                None => Err(stale_as_conflict(StoreError::Stale)),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// The day the board approved the report: a date within the package's accounting period's
    /// start and today.
    fn bestyrelsens_godkendelse(
        &self,
        pakke: &PakkeRecord,
        tekst: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<NaiveDate> {
        let fejl = |message: String| FieldError { field: "bestyrelse_godkendt".into(), message };
        let tekst = tekst.trim();
        if tekst.is_empty() {
            errors.push(fejl("Angiv den dato, hvor bestyrelsen godkendte styringsrapporten".into()));
            return None;
        }
        match NaiveDate::parse_from_str(tekst, "%Y-%m-%d") {
            Ok(d) if d > self.today() => {
                errors.push(fejl("Bestyrelsens godkendelse kan ikke ligge i fremtiden".into()));
                None
            }
            Ok(d) if d < pakke.periode.start() => {
                errors.push(fejl(format!(
                    "Bestyrelsens godkendelse kan ikke ligge før regnskabsperioden ({})",
                    pakke.periode.label()
                )));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(fejl(format!("«{tekst}» er ikke en dato; skriv den som år-måned-dag, fx 2026-05-20")));
                None
            }
        }
    }

    /// Attaches a file to the package. The file is checked by its content against the kind's
    /// accepted types and the size limit; a new file of a single-file kind supersedes the
    /// earlier one, which is kept.
    /// Checks that the user may attach files to the package, before an upload is read.
    /// Whether the user may upload to the package: to the draft, or accounts material to the
    /// submitted package (a supplement).
    pub async fn kan_vedhaefte(&self, user: &SessionUser, id: PakkeId) -> Result<(), AppError> {
        let (_, scope) = self.pakke_scope(id).await?;
        if kan_eftersende(&user.principal, &scope) {
            return Ok(());
        }
        may_edit(&user.principal, &scope)
    }

    pub async fn upload_bilag(
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
    pub async fn withdraw_bilag(&self, user: &SessionUser, id: PakkeId, bilag: BilagId) -> Result<(), AppError> {
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

    /// The answers of one submitted version, for whoever holds the package view.
    pub async fn version_svar(&self, view: &PakkeView, version: i64) -> Result<BTreeMap<String, Svar>, AppError> {
        self.store.version_svar(view.pakke.id, version).await?.ok_or(AppError::NotFound)
    }

    /// The files a version was submitted with: (id, file name, kind name), for whoever holds
    /// the package view.
    pub async fn pakke_bilag_navne(
        &self,
        view: &PakkeView,
        version: &VersionRecord,
    ) -> Result<Vec<(BilagId, String, String)>, AppError> {
        let alle = self.store.bilag(view.pakke.id).await?;
        Ok(alle
            .into_iter()
            .filter(|b| version.bilag.contains(&b.id))
            .map(|b| {
                let art = view.bilagsregler.art(&b.art).map(|a| a.navn.clone()).unwrap_or_else(|| b.art.clone());
                (b.id, b.filnavn, art)
            })
            .collect())
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

    /// The receipt mail of a submission, in Danish, for the submitting user.
    async fn kvittering(
        &self,
        view: &PakkeView,
        til: &str,
        version: i64,
        modtagere: &[Kommunekode],
        late: bool,
        bestyrelse_godkendt: NaiveDate,
    ) -> Result<NewMail, AppError> {
        let kommuner = self.store.kommuner().await?;
        let navne: Vec<String> = modtagere
            .iter()
            .map(|k| kommuner.iter().find(|x| x.kode == *k).map(|x| format!("{} Kommune", x.navn)).unwrap_or_default())
            .collect();
        let tid = self.now().with_timezone(&chrono_tz::Europe::Copenhagen).format("%d.%m.%Y kl. %H:%M");
        let org = &view.organisation;
        let nummer = domain::package::kvitteringsnummer(view.pakke.styringsaar, org.nummer, version);
        let mut tekst = format!(
            "Kvittering for indsendt dokumentationspakke\n\n\
             Kvitteringsnummer: {nummer}\n\
             Organisation: {} ({})\nStyringsår: {}\nVersion: {version}\nIndsendt: {tid}\nSendt til: {}\n\
             Godkendt af bestyrelsen: {}\n",
            org.navn,
            org.nummer,
            view.pakke.styringsaar,
            navne.join(", "),
            bestyrelse_godkendt.format("%d.%m.%Y")
        );
        if late {
            tekst.push_str("\nPakken er indsendt efter kommunens frist og er markeret som indsendt for sent.\n");
        }
        tekst.push_str(
            "\nPakken kan nu kun læses. Sender kommunen den retur til rettelse, kan den rettes og indsendes igen som en ny version.\n\n\
             Hvad sker der nu:\n\
             - Kommunen kvitterer for modtagelsen eller sender pakken retur med en begrundelse.\n\
             - Kommunen indkalder til dialogmøde med brev og kalenderfil.\n\
             - Efter mødet skriver kommunen en redegørelse, som organisationen får i høring, før den offentliggøres.\n",
        );
        Ok(NewMail {
            reference: format!("kvittering/{}/{version}", view.pakke.id.0),
            til: til.to_string(),
            emne: format!("Kvittering: dokumentationspakke {} for {}", view.pakke.styringsaar, org.navn),
            tekst,
            oprettet: self.now(),
            // The receipt as a PDF the organisation can file, typeset when the mail is sent.
            vedhaeftning: Some(Vedhaeftning {
                navn: format!("kvittering-{nummer}.pdf"),
                indhold: String::new(),
                art: VedhaeftningArt::TekstSomPdf,
            }),
        })
    }

    /// The recipients a submission of this package would go to (for check-your-answers).
    pub async fn recipients_if_submitted(&self, user: &SessionUser, id: PakkeId) -> Result<Vec<Kommunekode>, AppError> {
        let (pakke, _) = self.scoped(&user.principal, id, PakkeTilladelse::LaesKladde).await?;
        Ok(recipients(&pakke, &self.store.afdelinger(pakke.organisation).await?))
    }

    /// The kommune returns the package for correction with a reason and a deadline for
    /// resubmission; both are shown to the organisation and sent to its users by mail.
    pub async fn return_package(
        &self,
        user: &SessionUser,
        id: PakkeId,
        begrundelse: &str,
        frist: &str,
        laest: Option<Revision>,
    ) -> Result<(), AppError> {
        let pakke = self.til_behandling(user, id, laest).await?;
        let begrundelse = begrundelse.trim();
        let mut errors = Vec::new();
        if begrundelse.is_empty() {
            errors.push(FieldError {
                field: "begrundelse".into(),
                message: "Skriv hvorfor pakken sendes retur, så organisationen kan rette den".into(),
            });
        }
        let frist = self.trin_frist(frist, crate::Trin::Genindsendelse, &mut errors);
        let Some(frist) = frist.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let t = Transition {
            frist: Some(frist),
            ..self.transition(user, &pakke, PakkeHaendelse::Returner, Some(begrundelse.to_string()))?
        };
        let kommune = self.kommune_navn(user.principal.kommune.unwrap_or(pakke.hjemstedskommune)).await?;
        let tekst = format!(
            "{kommune} Kommune har sendt dokumentationspakken for styringsår {aar} retur til {org} til rettelse.\n\n\
             Begrundelse:\n{begrundelse}\n\n\
             Frist for genindsendelse: {frist}\n\n\
             Pakken kan nu rettes i styringsdialogen og indsendes igen. Den nye indsendelse bliver en ny version; \
             den tidligere version gemmes.\n",
            aar = pakke.styringsaar,
            org = pakke.organisation_navn,
            frist = frist.format("%d.%m.%Y"),
        );
        let mails = self
            .organisation_mails(
                &pakke,
                "retur",
                &format!("Pakken er sendt retur til rettelse – styringsår {}", pakke.styringsaar),
                &tekst,
            )
            .await?;
        let audit = self.pakke_audit(
            user,
            &pakke,
            "pakke_returneret",
            json!({"begrundelse": begrundelse, "frist": frist, "mails": mails.len()}),
        );
        self.store.transition(&t, &mails, &audit).await.map_err(stale_as_conflict)
    }

    /// The kommune acknowledges receipt; the organisation's users are told by mail, as the
    /// receipt page promises.
    pub async fn receive_package(
        &self,
        user: &SessionUser,
        id: PakkeId,
        laest: Option<Revision>,
    ) -> Result<(), AppError> {
        let pakke = self.til_behandling(user, id, laest).await?;
        let t = self.transition(user, &pakke, PakkeHaendelse::Modtag, None)?;
        let kommune = self.kommune_navn(user.principal.kommune.unwrap_or(pakke.hjemstedskommune)).await?;
        let tekst = format!(
            "{kommune} Kommune har kvitteret for modtagelsen af dokumentationspakken for styringsår {aar} fra {org}.\n\n\
             Hvad sker der nu:\n\
             - Kommunen indkalder til dialogmøde med brev og kalenderfil.\n\
             - Efter mødet skriver kommunen en redegørelse, som organisationen får i høring, før den offentliggøres.\n",
            aar = pakke.styringsaar,
            org = pakke.organisation_navn,
        );
        let mails = self
            .organisation_mails(
                &pakke,
                "modtaget",
                &format!("Kommunen har modtaget pakken – styringsår {}", pakke.styringsaar),
                &tekst,
            )
            .await?;
        let audit = self.pakke_audit(user, &pakke, "pakke_modtaget", json!({"mails": mails.len()}));
        self.store.transition(&t, &mails, &audit).await.map_err(stale_as_conflict)
    }

    /// One mail per active user of the package's organisation, with a reference unique to
    /// this step of the package (its revision), so a retried write never sends twice.
    pub(crate) async fn organisation_mails(
        &self,
        pakke: &PakkeRecord,
        art: &str,
        emne: &str,
        tekst: &str,
    ) -> Result<Vec<NewMail>, AppError> {
        Ok(self
            .organisation_emails(pakke.organisation)
            .await?
            .into_iter()
            .map(|til| NewMail {
                reference: format!("{art}/{}/{}/{til}", pakke.id.0, pakke.revision.0),
                emne: emne.to_string(),
                tekst: tekst.to_string(),
                til,
                oprettet: self.now(),
                vedhaeftning: None,
            })
            .collect())
    }
}
