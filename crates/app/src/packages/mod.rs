//! The package cycle: create and list packages (here), their page view (`view`), answers
//! (`svar`), submission and its handling (`indsendelse`) and attachments (`bilag`).

pub(crate) mod bilag;
mod indsendelse;
pub(crate) mod svar;
pub(crate) mod view;

use crate::{App, AppError, SessionUser};
use chrono::{Datelike, Months, NaiveDate};
use domain::access::{PakkeScope, PakkeTilladelse, Principal, Role, Tilladelse};
use domain::master::Afdeling;
use domain::master::{Organisation, OrganisationId};
use domain::package::{PakkeHaendelse, PakkeStatus};
use domain::period::Regnskabsperiode;
use domain::{Kommunekode, Styringsaar};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use store::*;

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
    pub async fn opret_pakker(&self, actor: Option<&SessionUser>, aar: Styringsaar) -> Result<(u32, u32), AppError> {
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

    /// Packages of the user's organisations (organisation users), kept under their fingerprint
    /// (read with the session for the overview) and the figures' stamp, both read before them.
    pub async fn mine_pakker(&self, user: &SessionUser) -> Result<Arc<Vec<PakkeRecord>>, AppError> {
        let orgs: Vec<OrganisationId> = user.principal.organisationer.iter().copied().collect();
        let stempel = (
            crate::stempelkort::stempler(&*self.store).await?.tal,
            crate::stempelkort::organisationernes_pakker(&*self.store, &user.principal).await?,
        );
        let laes = async { self.store.pakker_for_organisationer(&orgs).await };
        Ok(self.oversigt_cache.organisationernes.hent_eller_laes(orgs.clone(), stempel, laes).await?)
    }

    /// Packages sent to the user's kommune.
    pub async fn kommunens_pakker(&self, user: &SessionUser) -> Result<Arc<Vec<PakkeRecord>>, AppError> {
        require(&user.principal, Tilladelse::KommuneOversigt)?;
        let kommune = user.principal.kommune.ok_or(AppError::Forbidden)?;
        let stempel = self.kommunestempel(kommune).await?;
        let laes = self.store.pakker_for_kommune(kommune);
        Ok(self.oversigt_cache.modtagne.hent_eller_laes(kommune, stempel, laes).await?)
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
    pub async fn fastsaet_frist(
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
            Role::Organisation => self.mine_pakker(user).await?.to_vec(),
            Role::Kommune => self.kommunens_pakker(user).await?.to_vec(),
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

    /// Creates the packages that are due: for every organisation with a reporting duty, the
    /// package of each styringsår whose regnskabsperiode has ended by `today` (docs/domain.md §3.2).
    /// Idempotent, so the server can run it daily. Returns how many were created.
    pub async fn opret_forfaldne_pakker(&self) -> Result<u32, AppError> {
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
