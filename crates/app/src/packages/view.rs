//! What a package page shows (`PakkeView`), read once and cut to the viewer's scope.

use super::*;
use crate::{App, AppError, FieldError, SessionUser};
use chrono::NaiveDate;
use domain::AfdelingNummer;
use domain::Kommunekode;
use domain::access::{PakkeScope, PakkeTilladelse};
use domain::master::Organisation;
use domain::master::{Afdeling, AfdelingId, Rapporttype};
use domain::package::PakkeStatus;
use domain::template::{FaktaArt, Faktablok, Problem, Sektion, SektionStatus, Skabelon, Skema, Svar};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use store::*;

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
    /// The cache stamps the data was read under.
    pub(crate) stempler: CacheStempler,
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
    /// The viewer edits the package here: it reads the working copy and may change it (what
    /// [`App::view_for_edit`] requires). Pages show their forms as editable only then.
    pub fn redigerbar(&self) -> bool {
        self.may_edit && self.is_working_copy
    }

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

    /// The afdeling forms worked out once for all the afdelinger per package revision, for the
    /// answers the view shows as read; `None` for a view given other answers (such as an older
    /// version's), which works each form out when asked.
    fn kept_afdelingsskemaer(&self) -> Option<&HashMap<AfdelingId, crate::pakkedata::Afdelingsskema>> {
        use crate::pakkedata::{ARBEJDSKOPI, Afdelingsskema, INDSENDT};
        let (kilde, celle) = if self.is_working_copy {
            (self.data.arbejdskopi.get().map(|(_, svar)| svar), &self.data.afdelingsstatus[ARBEJDSKOPI])
        } else {
            (self.data.indsendt.get(), &self.data.afdelingsstatus[INDSENDT])
        };
        if !kilde.is_some_and(|k| Arc::ptr_eq(k, &self.svar)) {
            return None;
        }
        let kept = celle.get_or_init(|| {
            let skemaer = self.afdelinger.iter().map(|a| {
                let sidst_redigeret = self.nyeste_svar(&self.afdelingsskema_noegler(a)).map(|(k, _)| k.clone());
                let (tilstand, problemer) = self.afdelingsskema_status(a);
                let skema = Afdelingsskema {
                    tilstand,
                    problemer: problemer.len(),
                    foerste_problem: problemer.into_iter().next(),
                    sidst_redigeret,
                };
                (a.id, skema)
            });
            Arc::new((self.svar.clone(), skemaer.collect()))
        });
        Arc::ptr_eq(&kept.0, &self.svar).then_some(&kept.1)
    }

    /// An afdeling form's status, as the task lists show it.
    pub fn afdelingsskema_tilstand(&self, a: &Afdeling) -> SektionStatus {
        match self.kept_afdelingsskemaer().and_then(|k| k.get(&a.id)) {
            Some(skema) => skema.tilstand,
            None => self.afdelingsskema_status(a).0,
        }
    }

    /// An afdeling form's problems as a list shows them: how many, and the first.
    pub fn afdelingsskema_mangler(&self, a: &Afdeling) -> (usize, Option<Problem>) {
        match self.kept_afdelingsskemaer().and_then(|k| k.get(&a.id)) {
            Some(skema) => (skema.problemer, skema.foerste_problem.clone()),
            None => {
                let problemer = self.afdelingsskema_status(a).1;
                (problemer.len(), problemer.into_iter().next())
            }
        }
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

    /// The newest saved answer of an afdeling's form.
    pub fn afdelingsskema_sidst_redigeret(&self, a: &Afdeling) -> Option<&SvarRecord> {
        match self.kept_afdelingsskemaer().and_then(|k| k.get(&a.id)) {
            Some(skema) => skema.sidst_redigeret.as_deref().and_then(|k| self.svar_meta.get(k)),
            None => self.nyeste_svar(&self.afdelingsskema_noegler(a)).map(|(_, r)| r),
        }
    }

    /// The newest saved answer of all the afdeling forms.
    pub fn afdelingsskemaer_sidst_redigeret(&self) -> Option<&SvarRecord> {
        self.afdelinger.iter().filter_map(|a| self.afdelingsskema_sidst_redigeret(a)).max_by_key(|r| r.revision)
    }

    /// The newest saved answer among `noegler`, with its key.
    fn nyeste_svar(&self, noegler: &[String]) -> Option<(&String, &SvarRecord)> {
        noegler.iter().filter_map(|k| self.svar_meta.get_key_value(k.as_str())).max_by_key(|(_, r)| r.revision)
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

    /// The revision an afdeling's form carries ([`PakkeView::revision_af`] of its
    /// [`PakkeView::afdelingsskema_noegler`]), looked up through one key buffer: the API's
    /// package detail gives it for every afdeling, dozens of questions each.
    pub fn afdelingsskema_revision(&self, a: &Afdeling) -> Revision {
        let mut noegle = domain::template::afdeling_noegle(a.data.nummer, "");
        let prefix = noegle.len();
        let mut newest = Revision::default();
        for id in self.afdelingsskema_sektioner(a).flat_map(|s| s.svar_ids()) {
            noegle.truncate(prefix);
            noegle.push_str(id);
            if let Some(r) = self.svar_meta.get(noegle.as_str()) {
                newest = newest.max(r.revision);
            }
        }
        newest
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
        // A complete form has no problems (complete means none): only the others are worked
        // through, which on a package nearly ready to submit is few of its forms.
        let forms = self
            .afdelinger
            .iter()
            .filter(|a| self.afdelingsskema_tilstand(a) != SektionStatus::Gennemfoert)
            .flat_map(|a| self.afdelingsskema_status(a).1)
            .map(fejl);
        self.sektionernes_mangler().chain(forms).chain(self.bilagenes_mangler()).collect()
    }

    /// The same problems as check-your-answers lists them: each afdeling form as one line, from
    /// the forms as worked out once per revision.
    pub fn mangler(&self) -> Mangler {
        let afdelinger = self
            .afdelinger
            .iter()
            .filter_map(|a| {
                let (antal, foerste) = self.afdelingsskema_mangler(a);
                foerste.map(|p| (a.data.nummer, antal, fejl(p)))
            })
            .collect();
        Mangler { enkelte: self.sektionernes_mangler().chain(self.bilagenes_mangler()).collect(), afdelinger }
    }

    fn sektionernes_mangler(&self) -> impl Iterator<Item = FieldError> + '_ {
        self.skabelon.sektioner.iter().flat_map(|s| self.sektion_status(s).1).map(fejl)
    }

    fn bilagenes_mangler(&self) -> impl Iterator<Item = FieldError> + '_ {
        self.manglende_bilag().map(|art| FieldError {
            field: format!("bilag.{}", art.id),
            message: format!("Vedhæft {} ({})", art.navn.to_lowercase(), art.typer_tekst()),
        })
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

/// A problem as a field error: the answer key and the message.
fn fejl(p: Problem) -> FieldError {
    FieldError { field: p.noegle, message: p.besked }
}

/// What stops a submission, as check-your-answers lists it: the package's own problems one by
/// one, and each afdeling form with problems as one line (an organisation with 55 afdelinger
/// would otherwise read a list of hundreds).
#[derive(Debug, Default)]
pub struct Mangler {
    pub enkelte: Vec<FieldError>,
    /// Each afdeling form with problems, in list order: its number, how many, the first.
    pub afdelinger: Vec<(AfdelingNummer, usize, FieldError)>,
}

impl Mangler {
    /// A whole list of problems (a refused submission's) grouped the same way.
    pub fn af(errors: Vec<FieldError>) -> Mangler {
        let mut mangler = Mangler::default();
        for e in errors {
            match domain::template::split_afdeling_noegle(&e.field).map(|(nr, _)| nr) {
                Some(nr) => match mangler.afdelinger.iter_mut().find(|(n, _, _)| *n == nr) {
                    Some((_, antal, _)) => *antal += 1,
                    None => mangler.afdelinger.push((nr, 1, e)),
                },
                None => mangler.enkelte.push(e),
            }
        }
        mangler
    }
}

impl App {
    /// A package and the facts its scope decisions need, read once.
    pub(crate) async fn pakke_scope(&self, id: PakkeId) -> Result<(PakkeRecord, PakkeScope), AppError> {
        let (pakke, modtagere) = self.store.pakke_med_modtagere(id).await?.ok_or(AppError::NotFound)?;
        let scope = scope_of(&pakke, modtagere);
        Ok((pakke, scope))
    }

    /// The package view for a change by the organisation, its scope checked once: not found
    /// for anyone who may not read the draft, and a clear refusal once it is submitted.
    pub async fn view_for_edit(&self, user: &SessionUser, id: PakkeId) -> Result<PakkeView, AppError> {
        let view = self.pakke_view(user, id).await?;
        if !view.is_working_copy {
            return Err(AppError::Forbidden);
        }
        if !view.may_edit {
            return Err(AppError::Conflict(INDSENDT.into()));
        }
        Ok(view)
    }

    /// The views of packages already read (the organisation's overview shows each draft's
    /// progress): the recipients of those the process does not keep in one read for all, not a
    /// read of each package.
    pub async fn pakke_views(&self, user: &SessionUser, pakker: &[PakkeRecord]) -> Result<Vec<PakkeView>, AppError> {
        if pakker.is_empty() {
            return Ok(Vec::new());
        }
        // The rows were read after the stamps: a package kept under its row's revision and
        // those stamps has the recipients the database holds, so only the others are read.
        let stempler = crate::stempelkort::stempler(&*self.store).await?;
        let kept: Vec<_> = pakker
            .iter()
            .map(|p| self.pakke_cache.raekke(p.id, crate::pakkedata::Noegle { revision: p.revision, stempler }))
            .collect();
        let ids: Vec<PakkeId> = pakker.iter().zip(&kept).filter(|(_, k)| k.is_none()).map(|(p, _)| p.id).collect();
        let modtagere = if ids.is_empty() { Vec::new() } else { self.store.modtagere_for(&ids).await? };
        let mut views = Vec::with_capacity(pakker.len());
        for (pakke, kept) in pakker.iter().zip(kept) {
            let egne = match kept {
                Some(raekke) => raekke.1.clone(),
                None => modtagere.iter().filter(|(p, _)| *p == pakke.id).map(|(_, k)| *k).collect(),
            };
            let scope = scope_of(pakke, egne);
            views.push(self.view_of(user, pakke.clone(), scope, stempler).await?);
        }
        Ok(views)
    }

    pub async fn pakke_view(&self, user: &SessionUser, id: PakkeId) -> Result<PakkeView, AppError> {
        // The package's revision came with the session, in the same statement as the stamps:
        // when the process keeps the row under both, it is the row the database holds.
        if let (Some(revision), Some(stempler)) = (user.pakkehint.as_ref().and_then(|h| h.til(id)), user.stempler)
            && crate::stempelkort::stempler(&*self.store).await? == stempler
            && let Some(kept) = self.pakke_cache.raekke(id, crate::pakkedata::Noegle { revision, stempler })
        {
            let (pakke, modtagere) = &*kept;
            return self.view_of(user, pakke.clone(), scope_of(pakke, modtagere.clone()), stempler).await;
        }
        let ((pakke, scope), stempler) = futures::try_join!(self.pakke_scope(id), async {
            Ok::<_, AppError>(crate::stempelkort::stempler(&*self.store).await?)
        })?;
        self.view_of(user, pakke, scope, stempler).await
    }

    /// The view of the package row `pakke` as just read (or as a save made it), with the
    /// package's cached data read under `stempler`.
    pub(crate) async fn view_of(
        &self,
        user: &SessionUser,
        pakke: PakkeRecord,
        scope: PakkeScope,
        stempler: CacheStempler,
    ) -> Result<PakkeView, AppError> {
        // Under the stamps read with the session the row is never older than them (it was read
        // after the session, or is the row a save of this request made), so a later request
        // that reads this revision and these stamps with its session may use it.
        if user.stempler == Some(stempler) {
            let noegle = crate::pakkedata::Noegle { revision: pakke.revision, stempler };
            self.pakke_cache.gem_raekke(&pakke, &scope.modtagere, noegle);
        }
        let p = &user.principal;
        let id = pakke.id;
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
            (self.indsendte_svar(&data, id, None).await?, Arc::default())
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
            stempler,
        })
    }

    /// The answers of a submitted version of the package `data` was read for, read once per
    /// kept package: the newest (`None`; none when nothing was submitted) kept in `indsendt`,
    /// which the recipients' view shows, earlier ones beside it (a version never changes).
    pub(crate) async fn indsendte_svar(
        &self,
        data: &crate::pakkedata::PakkeData,
        pakke: PakkeId,
        version: Option<i64>,
    ) -> Result<Arc<BTreeMap<String, Svar>>, AppError> {
        let newest = data.versions.last().map(|v| v.version);
        if let Some(earlier) = version.filter(|v| Some(*v) != newest) {
            if let Some(kept) = data.tidligere_versioner.lock().expect("cache lock").get(&earlier) {
                return Ok(kept.clone());
            }
            let svar = Arc::new(self.store.version_svar(pakke, earlier).await?.unwrap_or_default());
            data.tidligere_versioner.lock().expect("cache lock").insert(earlier, svar.clone());
            return Ok(svar);
        }
        let svar = data
            .indsendt
            .get_or_try_init(|| async {
                Ok::<_, AppError>(Arc::new(match newest {
                    Some(n) => self.store.version_svar(pakke, n).await?.unwrap_or_default(),
                    None => BTreeMap::new(),
                }))
            })
            .await?;
        Ok(svar.clone())
    }

    /// A package's data for every viewer, read once per change of the package or of what it
    /// shows (see `pakkedata`).
    pub(crate) async fn pakke_data(
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
            tidligere_versioner: Default::default(),
            forudfyldning: Default::default(),
            fakta: Default::default(),
            dialogmoeder: Default::default(),
            aftaler: Default::default(),
            tilsynsreaktioner: Default::default(),
            afdelingsstatus: Default::default(),
        });
        self.pakke_cache.gem(id, noegle, data.clone());
        Ok(data)
    }

    /// Last year's published redegørelse of the same organisation and report, as the
    /// starting point for "status for tidligere drøftede forhold".
    pub(crate) async fn tidligere_droeftede_forhold(&self, pakke: &PakkeRecord) -> Result<Option<String>, AppError> {
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
}

/// Who a package concerns, as the access rules read it.
pub(crate) fn scope_of(pakke: &PakkeRecord, modtagere: Vec<Kommunekode>) -> PakkeScope {
    PakkeScope {
        organisation: pakke.organisation,
        hjemstedskommune: pakke.hjemstedskommune,
        modtagere,
        status: pakke.status,
    }
}

impl PakkeView {
    /// The package's scope as it was read for this view (no second read).
    pub(crate) fn scope(&self) -> PakkeScope {
        scope_of(&self.pakke, self.modtagere.clone())
    }
}
