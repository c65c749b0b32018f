//! The overviews of supervision: the kommune's overview of every organisation it supervises
//! or has afdelinger of, "where to look first", the agency's national status, and the
//! reminder mails about deadlines.

use crate::{App, AppError, SessionUser};
use chrono::NaiveDate;
use domain::access::{PakkeTilladelse, Role, Tilladelse};
use domain::beregning::Kritik;
use domain::master::OrganisationId;
use domain::package::PakkeStatus;
use domain::{Kommunekode, Regionskode, Styringsaar};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use store::*;

/// How long after a sender claimed a mail its outcome counts as unknown: far beyond the SMTP
/// timeouts, so no sender is still at work on it.
const UKENDT_EFTER: chrono::Duration = chrono::Duration::minutes(10);

/// How the kommune relates to an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tilknytning {
    /// The kommune is its hjemstedskommune and supervises it.
    Tilsyn,
    /// The organisation has afdelinger in the kommune.
    Beliggenhed,
}

impl Tilknytning {
    /// How `kommune` relates to an organisation of its overview.
    fn af(o: &domain::master::Organisation, kommune: Kommunekode) -> Self {
        if o.hjemstedskommune == kommune { Tilknytning::Tilsyn } else { Tilknytning::Beliggenhed }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tilknytning::Tilsyn => "Tilsyn",
            Tilknytning::Beliggenhed => "Afdelinger i kommunen",
        }
    }
}

/// Where the package stands with the kommune.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Indsendelse {
    /// Not submitted, deadline passed (or no package at all).
    Mangler,
    /// Recorded as not received: the kommune holds the dialogue without it.
    IkkeModtaget,
    Returneret,
    ForSent,
    /// Not submitted, deadline not yet passed.
    Afventer,
    Rettidig,
}

impl Indsendelse {
    pub const ALL: [Indsendelse; 6] = [
        Indsendelse::Mangler,
        Indsendelse::IkkeModtaget,
        Indsendelse::Returneret,
        Indsendelse::ForSent,
        Indsendelse::Afventer,
        Indsendelse::Rettidig,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Indsendelse::Mangler => "mangler",
            Indsendelse::IkkeModtaget => "ikke_modtaget",
            Indsendelse::Returneret => "returneret",
            Indsendelse::ForSent => "for_sent",
            Indsendelse::Afventer => "afventer",
            Indsendelse::Rettidig => "rettidig",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Indsendelse::Mangler => "Mangler (fristen er overskredet)",
            Indsendelse::IkkeModtaget => "Ikke modtaget (dialog uden pakke)",
            Indsendelse::Returneret => "Returneret til rettelse",
            Indsendelse::ForSent => "Indsendt for sent",
            Indsendelse::Afventer => "Ikke indsendt endnu",
            Indsendelse::Rettidig => "Indsendt rettidigt",
        }
    }
}

/// The meeting of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MoedeStatus {
    Ingen,
    Indkaldt(chrono::DateTime<chrono::Utc>),
    Afholdt(NaiveDate),
}

/// Where the accounts material stands: it has its own deadline and may follow the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RegnskabStatus {
    /// Every required kind of accounts material is with the kommune.
    Modtaget,
    /// Some is missing; the accounts deadline and whether it has passed.
    Mangler { frist: NaiveDate, overskredet: bool },
}

impl RegnskabStatus {
    pub fn label(self) -> String {
        match self {
            RegnskabStatus::Modtaget => "Regnskab modtaget".into(),
            RegnskabStatus::Mangler { frist, overskredet: false } => {
                format!("Regnskab mangler (frist {})", frist.format("%d.%m.%Y"))
            }
            RegnskabStatus::Mangler { frist, overskredet: true } => {
                format!("Regnskab mangler (fristen {} er overskredet)", frist.format("%d.%m.%Y"))
            }
        }
    }
}

/// The redegørelse of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RedegoerelseStatus {
    Ingen,
    Udkast,
    IHoering,
    Offentliggjort,
}

impl RedegoerelseStatus {
    pub fn label(self) -> &'static str {
        match self {
            RedegoerelseStatus::Ingen => "Ikke påbegyndt",
            RedegoerelseStatus::Udkast => "Udkast",
            RedegoerelseStatus::IHoering => "I høring",
            RedegoerelseStatus::Offentliggjort => "Offentliggjort",
        }
    }
}

/// One organisation (and package) in the kommune's overview.
#[derive(Debug, Clone)]
pub struct OversigtRaekke {
    pub organisation: OrganisationId,
    pub nummer: domain::OrganisationNummer,
    pub navn: String,
    pub tilknytning: Tilknytning,
    /// The package, once created; its status is told only as far as the kommune may know it.
    pub pakke: Option<PakkeId>,
    pub rapporttype: Option<domain::master::Rapporttype>,
    pub frist: Option<NaiveDate>,
    pub indsendelse: Indsendelse,
    pub indsendt: Option<chrono::DateTime<chrono::Utc>>,
    pub moede: MoedeStatus,
    pub redegoerelse: RedegoerelseStatus,
    pub kritiske_noegletal: i64,
    pub roede_noegletal: i64,
    pub roede_afdelinger: i64,
    /// How many of its afdelinger lie in the kommune.
    pub afdelinger_i_kommunen: usize,
    /// The deadline of the package's current step: resubmission or the høring's comments.
    pub trin_frist: Option<NaiveDate>,
    /// The organisation's høring comments since the draft was last saved.
    pub nye_bemaerkninger: i64,
    /// Early-warning signals across years about the organisation (of one supervised elsewhere,
    /// about its afdelinger in the kommune).
    pub signaler: usize,
    /// The newest henstilling or påbud of the year, with its date (the supervising kommune's).
    pub tilsynsreaktion: Option<(domain::package::Tilsynsreaktion, NaiveDate)>,
    /// The accounts material of a submitted report (its own track and deadline).
    pub regnskab: Option<RegnskabStatus>,
}

/// One critical mark for "where to look first": a red afdeling or a marked key figure.
#[derive(Debug, Clone)]
pub struct Opmaerksomhedspunkt {
    pub organisation: String,
    pub organisation_nummer: domain::OrganisationNummer,
    /// The afdeling, for an afdeling's figure or efficiency.
    pub afdeling: Option<domain::master::Afdeling>,
    pub hvad: Opmaerksomhed,
    pub vaerdi: f64,
    pub roed: bool,
}

/// What a point of attention is about: a critical key figure, or a red efficiency figure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Opmaerksomhed {
    /// The key figure, by its catalogue name.
    Noegletal(String),
    Effektivitetstal,
}

impl Opmaerksomhed {
    pub fn navn(&self) -> &str {
        match self {
            Opmaerksomhed::Noegletal(navn) => navn,
            Opmaerksomhed::Effektivitetstal => "Effektivitetstal",
        }
    }
}

/// The overviews, kept whole: the kommunes' (see [`App::tilsynsoversigt`]) and the
/// organisation users' packages ([`App::mine_pakker`]).
#[derive(Default)]
pub(crate) struct OversigtCache {
    /// Each kommune's organisations, under the figures' stamp (master data moves it).
    organisationer: crate::stempelkort::Stempelkort<Kommunekode, KommunensOrganisationer>,
    /// Each kommune's overview of a styringsår, under what it was read from.
    oversigter: crate::stempelkort::Noeglekort<(Kommunekode, Styringsaar), OversigtStempel, Vec<OversigtRaekke>>,
    /// Each beliggenhedskommune's afdelinger of a styringsår, under the figures' stamp (master
    /// data, figures and marks) and its packages' fingerprint (the packages linked).
    beliggenhed:
        crate::stempelkort::Noeglekort<(Kommunekode, Styringsaar), (i64, PakkeStempel), Vec<BeliggenhedsAfdeling>>,
    /// Each kommune's packages received, under the figures' stamp (the organisations' names)
    /// and its packages' fingerprint (which holds every package sent to it).
    pub(crate) modtagne: crate::stempelkort::Noeglekort<Kommunekode, (i64, PakkeStempel), Vec<PakkeRecord>>,
    /// The packages of the organisations an organisation user acts for (colleagues share the
    /// set), under the figures' stamp (the organisations' names) and their fingerprint.
    pub(crate) organisationernes:
        crate::stempelkort::Noeglekort<Vec<OrganisationId>, (i64, PakkeStempel), Vec<PakkeRecord>>,
}

/// What an overview shows moves with the day (deadlines pass), the figures' stamp (master data,
/// computed figures and marks) and the kommune's packages' fingerprint (every change of a
/// package: submissions, steps, files, meetings, reactions).
type OversigtStempel = (NaiveDate, i64, PakkeStempel);

/// The organisations of a kommune's overview.
pub(crate) struct KommunensOrganisationer {
    /// Those that report, supervised by the kommune or with afdelinger in it, by number.
    pub(crate) rapporterende: Vec<domain::master::Organisation>,
    /// How many afdelinger each organisation has in the kommune.
    afdelinger: BTreeMap<OrganisationId, usize>,
}

/// The kept lists of "where to look first" in detail, per kommune and year, with the stamp of
/// the figures they were read under.
pub(crate) type OpmaerksomhedCache =
    crate::stempelkort::Stempelkort<(Kommunekode, Styringsaar), Vec<Opmaerksomhedspunkt>>;

/// An afdeling in the kommune that belongs to an organisation supervised elsewhere.
#[derive(Debug, Clone)]
pub struct BeliggenhedsAfdeling {
    pub afdeling: domain::master::Afdeling,
    pub organisation: String,
    pub organisation_nummer: domain::OrganisationNummer,
    pub hjemstedskommune: Kommunekode,
    pub effektivitet: Option<domain::beregning::Effektivitet>,
    /// Marked (critical) key figures of the afdeling this year.
    pub kritiske: usize,
    /// The organisation's package as sent to this kommune, once submitted.
    pub pakke: Option<PakkeId>,
}

impl OversigtRaekke {
    /// Weight for "where to look first": red marks weigh most, then late or missing packages.
    pub fn opmaerksomhed(&self) -> i64 {
        let pakke = match self.indsendelse {
            Indsendelse::Mangler | Indsendelse::IkkeModtaget => 5,
            Indsendelse::ForSent | Indsendelse::Returneret => 2,
            _ => 0,
        };
        self.roede_afdelinger * 3
            + self.roede_noegletal * 2
            + (self.kritiske_noegletal - self.roede_noegletal)
            + pakke
            + 2 * self.signaler as i64
    }
}

/// The status counts of one kommune or region for the agency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusTal {
    pub pakker: i64,
    pub indsendt: i64,
    pub for_sent: i64,
    pub mangler: i64,
    pub moeder_afholdt: i64,
    pub offentliggjort: i64,
    pub aftaler_aabne: i64,
}

impl StatusTal {
    fn add(&mut self, o: &StatusTal) {
        self.pakker += o.pakker;
        self.indsendt += o.indsendt;
        self.for_sent += o.for_sent;
        self.mangler += o.mangler;
        self.moeder_afholdt += o.moeder_afholdt;
        self.offentliggjort += o.offentliggjort;
        self.aftaler_aabne += o.aftaler_aabne;
    }
}

/// The national status by kommune and by region.
#[derive(Debug, Clone, Default)]
pub struct NationalStatus {
    /// Per kommune, in code order.
    pub kommuner: Vec<OmraadeStatus<Kommunekode>>,
    pub regioner: Vec<OmraadeStatus<Regionskode>>,
    pub landet: StatusTal,
}

/// The supervision counts of one kommune or region.
#[derive(Debug, Clone)]
pub struct OmraadeStatus<K> {
    pub kode: K,
    pub navn: String,
    pub tal: StatusTal,
}

fn indsendelse(f: &PakkeForloeb, today: NaiveDate) -> Indsendelse {
    if f.pakke.uden_pakke() {
        return Indsendelse::IkkeModtaget;
    }
    match f.pakke.status {
        PakkeStatus::Returneret => Indsendelse::Returneret,
        PakkeStatus::Kladde if f.pakke.frist.is_some_and(|d| d < today) => Indsendelse::Mangler,
        PakkeStatus::Kladde => Indsendelse::Afventer,
        _ if f.for_sent == Some(true) => Indsendelse::ForSent,
        _ => Indsendelse::Rettidig,
    }
}

fn moede(f: &PakkeForloeb) -> MoedeStatus {
    match (f.moede_afholdt, f.moede_indkaldt) {
        (Some(d), _) => MoedeStatus::Afholdt(d),
        (None, Some(t)) => MoedeStatus::Indkaldt(t),
        _ => MoedeStatus::Ingen,
    }
}

fn redegoerelse(f: &PakkeForloeb) -> RedegoerelseStatus {
    match f.pakke.status {
        PakkeStatus::RedegoerelseOffentliggjort => RedegoerelseStatus::Offentliggjort,
        PakkeStatus::RedegoerelseIHoering => RedegoerelseStatus::IHoering,
        _ if f.redegoerelse_revisioner > 0 => RedegoerelseStatus::Udkast,
        _ => RedegoerelseStatus::Ingen,
    }
}

impl App {
    /// Every organisation the kommune supervises, and every organisation with afdelinger in
    /// it, with the status of its package for the styringsår.
    pub async fn tilsynsoversigt(&self, user: &SessionUser, aar: Styringsaar) -> Result<Vec<OversigtRaekke>, AppError> {
        if !user.principal.may(Tilladelse::KommuneOversigt) {
            return Err(AppError::Forbidden);
        }
        let kommune = user.principal.kommune.ok_or(AppError::Forbidden)?;
        self.oversigt_raekker(kommune, aar).await
    }

    /// The agency's drill-down from the national status: one kommune's overview, as the
    /// kommune sees it (the agency reads only what the kommune may: no drafts).
    pub async fn kommunes_oversigt(
        &self,
        user: &SessionUser,
        kommune: Kommunekode,
        aar: Styringsaar,
    ) -> Result<Vec<OversigtRaekke>, AppError> {
        if !user.principal.may(Tilladelse::Styrelse) {
            return Err(AppError::Forbidden);
        }
        if !self.kommuner().await?.iter().any(|k| k.kode == kommune) {
            return Err(AppError::NotFound);
        }
        self.oversigt_raekker(kommune, aar).await
    }

    /// The overview from the cache while nothing it shows has moved: then it costs no read
    /// beyond the session's (which brings the cache stamps and, for the kommune's own user, its
    /// packages' fingerprint), however many organisations the kommune has.
    async fn oversigt_raekker(&self, kommune: Kommunekode, aar: Styringsaar) -> Result<Vec<OversigtRaekke>, AppError> {
        let stempler = crate::stempelkort::stempler(&*self.store).await?;
        // Read before the data: an entry read later is newer than its stamp, never older.
        let pakker = crate::stempelkort::kommunens_pakker(&*self.store, kommune).await?;
        let organisationer = self.kommunens_organisationer(kommune, stempler.tal).await?;
        let stempel = (self.today(), stempler.tal, pakker);
        let laes = self.les_oversigt(kommune, aar, &organisationer, stempler, pakker);
        Ok(self.oversigt_cache.oversigter.hent_eller_laes((kommune, aar), stempel, laes).await?.to_vec())
    }

    /// The organisations of the kommune's overview, kept under the figures' stamp `tal`.
    pub(crate) async fn kommunens_organisationer(
        &self,
        kommune: Kommunekode,
        tal: i64,
    ) -> Result<Arc<KommunensOrganisationer>, AppError> {
        let kort = &self.oversigt_cache.organisationer;
        if let Some(kept) = crate::stempelkort::hent(kort, &kommune, tal) {
            return Ok(kept);
        }
        let (mut rapporterende, afdelinger) = futures::try_join!(
            self.store.organisationer_i_kommune(kommune),
            self.store.afdelinger_pr_organisation(kommune),
        )?;
        rapporterende.retain(|o| o.kind.rapporttype().is_some());
        let kept = Arc::new(KommunensOrganisationer { rapporterende, afdelinger: afdelinger.into_iter().collect() });
        // One entry per kommune at most: the bound is never reached.
        crate::stempelkort::gem(kort, kommune, tal, kept.clone(), usize::MAX);
        Ok(kept)
    }

    /// Reads the overview: its organisations' packages with progress, their critical marks
    /// (stored read models), signals, reactions and accounts.
    async fn les_oversigt(
        &self,
        kommune: Kommunekode,
        aar: Styringsaar,
        organisationer: &KommunensOrganisationer,
        stempler: CacheStempler,
        pakker: PakkeStempel,
    ) -> Result<Vec<OversigtRaekke>, AppError> {
        let beliggenhed = &organisationer.afdelinger;
        let valgte = &organisationer.rapporterende;
        let ids: Vec<OrganisationId> = valgte.iter().map(|o| o.id).collect();
        let (forloeb, kritik, varsler) = futures::try_join!(
            async { Ok::<_, AppError>(self.store.pakke_forloeb(aar, Some(&ids)).await?) },
            async { Ok::<_, AppError>(self.store.kritik(aar, &ids).await?) },
            self.kept_varsler_i(Some((kommune, valgte, pakker)), aar, stempler),
        )?;
        let signaler: HashMap<OrganisationId, usize> =
            crate::varsling::pr_organisation(&varsler).iter().map(|o| (o.organisation, o.i_alt())).collect();
        // Henstillinger and påbud are the supervising kommune's: shown on its own rows only.
        let egne_pakker: Vec<PakkeId> =
            forloeb.iter().filter(|f| f.pakke.hjemstedskommune == kommune).map(|f| f.pakke.id).collect();
        let mut reaktioner: HashMap<PakkeId, (domain::package::Tilsynsreaktion, NaiveDate)> = HashMap::new();
        for r in self.store.tilsynsreaktioner(&egne_pakker).await? {
            reaktioner.insert(r.pakke, (r.art, r.dato)); // oldest first: the newest stays
        }
        // The accounts track of submitted reports: their current files against the year's rules.
        let indsendte: Vec<PakkeId> =
            forloeb.iter().filter(|f| f.foerst_indsendt.is_some()).map(|f| f.pakke.id).collect();
        let mut arter: HashMap<PakkeId, Vec<String>> = HashMap::new();
        for (p, art) in self.store.aktuelle_bilagsarter(&indsendte).await? {
            arter.entry(p).or_default().push(art);
        }
        let regnskab = |f: &PakkeForloeb| -> Option<RegnskabStatus> {
            f.foerst_indsendt?;
            let regler = self.regler(f.pakke.styringsaar);
            let har = arter.get(&f.pakke.id);
            let mangler =
                regler.bilag.manglende(true, |art| har.is_some_and(|h| h.iter().any(|x| x == art))).next().is_some();
            let frist = regler.frist.regnskab_frist(&f.pakke.periode)?;
            Some(if mangler {
                RegnskabStatus::Mangler { frist, overskredet: frist < self.today() }
            } else {
                RegnskabStatus::Modtaget
            })
        };
        let kritik: HashMap<OrganisationId, Kritik> = kritik.into_iter().map(|k| (k.organisation, k)).collect();
        let today = self.today();
        let mut rows = Vec::new();
        for o in valgte {
            let tilknytning = Tilknytning::af(o, kommune);
            let k = kritik.get(&o.id).copied();
            let base = OversigtRaekke {
                organisation: o.id,
                nummer: o.nummer,
                navn: o.navn.clone(),
                tilknytning,
                pakke: None,
                rapporttype: o.kind.rapporttype(),
                frist: None,
                indsendelse: Indsendelse::Afventer,
                indsendt: None,
                moede: MoedeStatus::Ingen,
                redegoerelse: RedegoerelseStatus::Ingen,
                kritiske_noegletal: k.map(|k| k.kritiske_noegletal).unwrap_or_default(),
                roede_noegletal: k.map(|k| k.roede_noegletal).unwrap_or_default(),
                roede_afdelinger: k.map(|k| k.roede_afdelinger).unwrap_or_default(),
                afdelinger_i_kommunen: beliggenhed.get(&o.id).copied().unwrap_or_default(),
                trin_frist: None,
                nye_bemaerkninger: 0,
                signaler: signaler.get(&o.id).copied().unwrap_or_default(),
                tilsynsreaktion: None,
                regnskab: None,
            };
            let egne: Vec<&PakkeForloeb> = forloeb.iter().filter(|f| f.pakke.organisation == o.id).collect();
            if egne.is_empty() {
                rows.push(base);
                continue;
            }
            for f in egne {
                rows.push(OversigtRaekke {
                    pakke: Some(f.pakke.id),
                    rapporttype: Some(f.pakke.rapporttype),
                    frist: f.pakke.frist,
                    indsendelse: indsendelse(f, today),
                    indsendt: f.foerst_indsendt,
                    moede: moede(f),
                    redegoerelse: redegoerelse(f),
                    trin_frist: f.trin_frist,
                    nye_bemaerkninger: f.nye_bemaerkninger,
                    tilsynsreaktion: reaktioner.get(&f.pakke.id).copied(),
                    regnskab: regnskab(f),
                    ..base.clone()
                });
            }
        }
        Ok(rows)
    }

    /// The beliggenhedskommune's view: every afdeling in the kommune of an organisation
    /// supervised by another kommune, with its efficiency figure and critical marks.
    pub async fn beliggenhedsafdelinger(
        &self,
        user: &SessionUser,
        aar: Styringsaar,
    ) -> Result<Arc<Vec<BeliggenhedsAfdeling>>, AppError> {
        if !user.principal.may(Tilladelse::KommuneOversigt) {
            return Err(AppError::Forbidden);
        }
        let kommune = user.principal.kommune.ok_or(AppError::Forbidden)?;
        let stempel = self.kommunestempel(kommune).await?;
        let laes = self.les_beliggenhedsafdelinger(kommune, aar);
        self.oversigt_cache.beliggenhed.hent_eller_laes((kommune, aar), stempel, laes).await
    }

    /// What a kommune's kept lists other than the overview are read under: the figures' stamp
    /// (master data, figures, marks) and its packages' fingerprint. Read before the data, so an
    /// entry read later is newer than its stamp, never older.
    pub(crate) async fn kommunestempel(&self, kommune: Kommunekode) -> Result<(i64, PakkeStempel), AppError> {
        Ok((
            crate::stempelkort::stempler(&*self.store).await?.tal,
            crate::stempelkort::kommunens_pakker(&*self.store, kommune).await?,
        ))
    }

    async fn les_beliggenhedsafdelinger(
        &self,
        kommune: Kommunekode,
        aar: Styringsaar,
    ) -> Result<Vec<BeliggenhedsAfdeling>, AppError> {
        let (organisationer, i_kommunen) = futures::try_join!(
            self.store.organisationer_i_kommune(kommune),
            self.store.andres_afdelinger_i_kommune(kommune),
        )?;
        let andre: BTreeMap<OrganisationId, &domain::master::Organisation> =
            organisationer.iter().filter(|o| o.hjemstedskommune != kommune).map(|o| (o.id, o)).collect();
        let ids: Vec<OrganisationId> = andre.keys().copied().collect();
        let (effektivitet, markerede, pakker) = futures::try_join!(
            self.store.effektivitet_for(aar, &ids),
            self.store.markerede_noegletal(aar, &ids),
            self.store.pakker_for_organisationer(&ids),
        )?;
        let mut out = Vec::new();
        for a in i_kommunen {
            let Some(o) = andre.get(&a.organisation) else { continue };
            // Only a package sent to this kommune is linked (drafts never are).
            let pakke = pakker
                .iter()
                .find(|p| p.organisation == o.id && p.styringsaar == aar && p.status.visible_to_recipients())
                .map(|p| p.id);
            out.push(BeliggenhedsAfdeling {
                effektivitet: effektivitet.iter().find(|e| e.afdeling == a.id).cloned(),
                kritiske: markerede
                    .iter()
                    .filter(|(_, v)| v.niveau == domain::beregning::Niveau::Afdeling && v.enhed_id == a.id.0)
                    .count(),
                organisation: o.navn.clone(),
                organisation_nummer: o.nummer,
                hjemstedskommune: o.hjemstedskommune,
                pakke,
                afdeling: a,
            });
        }
        Ok(out)
    }

    /// Every red afdeling and every critical key figure of the organisations in the kommune's
    /// overview (of an organisation supervised elsewhere, only its afdelinger in the kommune):
    /// red marks first, then the lowest efficiency.
    ///
    /// The list depends only on master data and the computed figures, so it is kept per kommune
    /// and year until the figures' stamp moves.
    pub async fn opmaerksomhedspunkter(
        &self,
        user: &SessionUser,
        aar: Styringsaar,
    ) -> Result<Arc<Vec<Opmaerksomhedspunkt>>, AppError> {
        if !user.principal.may(Tilladelse::KommuneOversigt) {
            return Err(AppError::Forbidden);
        }
        let kommune = user.principal.kommune.ok_or(AppError::Forbidden)?;
        let stamp = crate::stempelkort::stempler(&*self.store).await?.tal;
        if let Some(punkter) = crate::stempelkort::hent(&self.opmaerksomhed_cache, &(kommune, aar), stamp) {
            return Ok(punkter);
        }
        let punkter = Arc::new(self.les_opmaerksomhedspunkter(kommune, aar, stamp).await?);
        // One entry per kommune and year at most: the bound is never reached.
        crate::stempelkort::gem(&self.opmaerksomhed_cache, (kommune, aar), stamp, punkter.clone(), usize::MAX);
        Ok(punkter)
    }

    async fn les_opmaerksomhedspunkter(
        &self,
        kommune: Kommunekode,
        aar: Styringsaar,
        tal: i64,
    ) -> Result<Vec<Opmaerksomhedspunkt>, AppError> {
        // The organisations of the kommune's overview.
        let orgs: BTreeMap<OrganisationId, (Tilknytning, domain::master::Organisation)> = self
            .kommunens_organisationer(kommune, tal)
            .await?
            .rapporterende
            .iter()
            .map(|o| (o.id, (Tilknytning::af(o, kommune), o.clone())))
            .collect();
        let ids: Vec<OrganisationId> = orgs.keys().copied().collect();
        let (afdelinger, markerede, effektivitet) = futures::try_join!(
            self.store.afdelinger_for(&ids),
            self.store.markerede_noegletal(aar, &ids),
            self.store.effektivitet_for(aar, &ids),
        )?;
        let afdelinger: HashMap<i64, &domain::master::Afdeling> = afdelinger.iter().map(|a| (a.id.0, a)).collect();
        // Of an organisation supervised elsewhere, only its afdelinger in the kommune count.
        let relevant = |org: OrganisationId, id: i64| {
            let (tilknytning, _) = orgs.get(&org)?;
            afdelinger
                .get(&id)
                .filter(|a| *tilknytning == Tilknytning::Tilsyn || a.data.kommune == kommune)
                .map(|a| (*a).clone())
        };
        let katalog = &self.settings.katalog;
        let punkt = |org: OrganisationId, afdeling, hvad: Opmaerksomhed, vaerdi, roed| {
            let (_, o) = &orgs[&org];
            Opmaerksomhedspunkt {
                organisation: o.navn.clone(),
                organisation_nummer: o.nummer,
                afdeling,
                hvad,
                vaerdi,
                roed,
            }
        };
        let mut out = Vec::new();
        for (org, v) in &markerede {
            let Some(m) = v.markering else { continue };
            let navn = Opmaerksomhed::Noegletal(katalog.navn(&v.noegletal).unwrap_or(&v.noegletal).to_string());
            let roed = m == domain::beregning::Markering::Roed;
            match v.niveau {
                domain::beregning::Niveau::Organisation if orgs[org].0 == Tilknytning::Tilsyn => {
                    out.push(punkt(*org, None, navn, v.vaerdi, roed))
                }
                domain::beregning::Niveau::Organisation => {}
                domain::beregning::Niveau::Afdeling => {
                    if let Some(a) = relevant(*org, v.enhed_id) {
                        out.push(punkt(*org, Some(a), navn, v.vaerdi, roed));
                    }
                }
            }
        }
        for e in effektivitet.iter().filter(|e| e.farve == domain::effektivitet::Farve::Roed) {
            let Some(org) = afdelinger.get(&e.afdeling.0).map(|a| a.organisation) else { continue };
            if let Some(a) = relevant(org, e.afdeling.0) {
                out.push(punkt(org, Some(a), Opmaerksomhed::Effektivitetstal, e.effektivitetstal, true));
            }
        }
        out.sort_by(|a, b| {
            b.roed
                .cmp(&a.roed)
                .then_with(|| a.organisation.cmp(&b.organisation))
                .then_with(|| a.hvad.navn().cmp(b.hvad.navn()))
        });
        Ok(out)
    }

    /// The newest mails of the outbox with their delivery state, for the agency.
    pub async fn udbakke(&self, user: &SessionUser, side: Side) -> Result<Udsnit<MailRecord>, AppError> {
        if !user.principal.may(Tilladelse::Styrelse) {
            return Err(AppError::Forbidden);
        }
        Ok(self.store.udbakke(side).await?)
    }

    /// Whether a mail's delivery outcome is unknown: claimed by a sender this long ago and never
    /// marked sent. A delivery attempt times out well before, so the sender is gone.
    pub fn ukendt_udfald(&self, m: &MailRecord) -> bool {
        m.sendt.is_none() && m.afsendes.is_some_and(|t| self.now() - t > UKENDT_EFTER)
    }

    /// The agency decides to send a mail of unknown outcome again (after checking the SMTP
    /// server's log): the recipient may then get it twice, so it is never done automatically.
    pub async fn send_mail_igen(&self, user: &SessionUser, id: MailId) -> Result<(), AppError> {
        if !user.principal.may(Tilladelse::Styrelse) {
            return Err(AppError::Forbidden);
        }
        let audit = self.audit(Some(user.principal.user_id), "mail_sendt_igen", "udbakke", id, json!({}));
        match self.store.resend_mail(id, self.now() - UKENDT_EFTER, &audit).await {
            Ok(()) => Ok(()),
            Err(store::StoreError::Stale) => Err(AppError::Conflict(
                "Mailen har ikke ukendt udfald (den er sendt, venter eller sendes netop nu).".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// National status for the agency, by kommune (the hjemstedskommune) and by region.
    pub async fn national_oversigt(&self, user: &SessionUser, aar: Styringsaar) -> Result<NationalStatus, AppError> {
        if !user.principal.may(Tilladelse::Styrelse) {
            return Err(AppError::Forbidden);
        }
        // The stored supervision counts and open aftaler: a few rows per kommune.
        let (kommuner, regioner, tal, aabne) = futures::try_join!(
            self.kommuner(),
            async { Ok(self.store.regioner().await?) },
            async { Ok(self.store.tilsynstal(aar, self.today()).await?) },
            async { Ok(self.store.aabne_aftaler().await?) },
        )?;
        let mut per_kommune: BTreeMap<Kommunekode, StatusTal> = BTreeMap::new();
        for t in tal {
            let Some(k) = t.kommune else { continue };
            per_kommune.insert(
                k,
                StatusTal {
                    pakker: t.pakker,
                    indsendt: t.indsendt,
                    for_sent: t.for_sent,
                    mangler: t.mangler,
                    moeder_afholdt: t.moeder_afholdt,
                    offentliggjort: t.offentliggjort,
                    aftaler_aabne: 0,
                },
            );
        }
        for (k, n) in aabne {
            per_kommune.entry(k).or_default().aftaler_aabne = n;
        }
        let mut out = NationalStatus::default();
        let mut per_region: BTreeMap<Regionskode, StatusTal> = BTreeMap::new();
        for k in kommuner.iter() {
            let t = per_kommune.remove(&k.kode).unwrap_or_default();
            per_region.entry(k.region).or_default().add(&t);
            out.landet.add(&t);
            out.kommuner.push(OmraadeStatus { kode: k.kode, navn: k.navn.clone(), tal: t });
        }
        out.kommuner.sort_by_key(|k| k.kode);
        for r in &regioner {
            let tal = per_region.remove(&r.kode).unwrap_or_default();
            out.regioner.push(OmraadeStatus { kode: r.kode, navn: r.navn.clone(), tal });
        }
        Ok(out)
    }

    /// Enqueues the reminder mails that are due today (data/regler: paamindelser): before the
    /// deadline and after it, for packages not submitted. Each reminder has a reference made
    /// of the package, the deadline and the step, so it is enqueued once however often this
    /// runs, and a new deadline gives new reminders. Returns how many mails were enqueued.
    pub async fn enqueue_paamindelser(&self) -> Result<usize, AppError> {
        let today = self.today();
        let users = self.store.users().await?;
        let kommuner = self.kommuner().await?;
        let mut paamindelser: Vec<(PakkeId, Vec<NewMail>)> = Vec::new();
        let mut aar: BTreeSet<Styringsaar> = BTreeSet::new();
        for y in [-1, 0, 1] {
            if let Ok(a) = Styringsaar::new(i64::from(chrono::Datelike::year(&today)) + y) {
                aar.insert(a);
            }
        }
        for a in aar {
            let regler = self.regler(a).paamindelser.clone();
            for f in self.store.pakke_forloeb(a, None).await? {
                let p = &f.pakke;
                let Some(frist) = p.frist else { continue };
                if !p.status.editable_by_organisation() {
                    continue;
                }
                let Some(trin) = paamindelse_trin(&regler, frist, today) else { continue };
                let kommune =
                    kommuner.iter().find(|k| k.kode == p.hjemstedskommune).map(|k| k.navn.as_str()).unwrap_or("");
                let (emne, tekst) = paamindelse_tekst(p, frist, today, kommune);
                let mut mails = Vec::new();
                for u in users.iter().filter(|u| {
                    !u.disabled && u.role == Role::Organisation && u.organisationer.contains(&p.organisation)
                }) {
                    let Some(til) = u.email.clone() else { continue };
                    mails.push(NewMail {
                        reference: format!("paamindelse/{}/{frist}/{trin}/{til}", p.id.0),
                        til,
                        emne: emne.clone(),
                        tekst: tekst.clone(),
                        oprettet: self.now(),
                        vedhaeftning: None,
                    });
                }
                if !mails.is_empty() {
                    paamindelser.push((p.id, mails));
                }
            }
        }
        if paamindelser.is_empty() {
            return Ok(0);
        }
        let kandidater: usize = paamindelser.iter().map(|(_, m)| m.len()).sum();
        let audit = self.audit(None, "paamindelser", "udbakke", today, json!({"kandidater": kandidater}));
        Ok(self.store.enqueue_paamindelser(&paamindelser, &audit).await? as usize)
    }
}

impl App {
    /// The supervising kommune reminds the organisation of a package it has not submitted:
    /// a mail to each of its users, at most one a day (the mail's reference carries the day).
    /// Returns how many mails were enqueued (0 when today's reminder was already sent).
    pub async fn send_paamindelse(&self, user: &SessionUser, id: PakkeId) -> Result<usize, AppError> {
        let (pakke, _) = self.scoped(&user.principal, id, PakkeTilladelse::Paamind).await?;
        let today = self.today();
        let kommune = self.kommune_navn(pakke.hjemstedskommune).await?;
        let (emne, tekst) = match pakke.frist {
            Some(frist) => paamindelse_tekst(&pakke, frist, today, &kommune),
            None => (
                format!("Påmindelse: dokumentationspakke {} er ikke indsendt", pakke.styringsaar),
                format!(
                    "Dokumentationspakken for styringsår {} for {} er endnu ikke indsendt til {kommune} Kommune.\n\n\
                     Log ind i styringsdialogen for at gøre pakken færdig og indsende den.\n",
                    pakke.styringsaar, pakke.organisation_navn
                ),
            ),
        };
        let mails: Vec<NewMail> = self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| !u.disabled && u.role == Role::Organisation && u.organisationer.contains(&pakke.organisation))
            .filter_map(|u| u.email)
            .map(|til| NewMail {
                reference: format!("paamindelse/{}/kommune/{today}/{til}", id.0),
                til,
                emne: emne.clone(),
                tekst: tekst.clone(),
                oprettet: self.now(),
                vedhaeftning: None,
            })
            .collect();
        if mails.is_empty() {
            return Err(AppError::Conflict(
                "Organisationen har ingen brugere med en e-mailadresse i systemet. Kontakt organisationen direkte."
                    .into(),
            ));
        }
        let audit = self.pakke_audit(user, &pakke, "paamindelse_sendt", json!({"modtagere": mails.len()}));
        Ok(self.store.enqueue_paamindelser(&[(id, mails)], &audit).await? as usize)
    }
}

/// The reminder step due today, if any: the most recent step whose day has come. Before the
/// deadline the steps are "foer<N>", after it "efter<N>". A step is due from its day until the
/// next step's day, so a day the job did not run is caught up once, never twice.
fn paamindelse_trin(r: &domain::reference::PaamindelseRegler, frist: NaiveDate, today: NaiveDate) -> Option<String> {
    let dage = (frist - today).num_days();
    if dage >= 0 {
        // The smallest N with N >= days left is the step whose day has come most recently.
        r.dage_foer_frist.iter().filter(|n| i64::from(**n) >= dage).min().map(|n| format!("foer{n}"))
    } else {
        r.dage_efter_frist.iter().filter(|n| i64::from(**n) <= -dage).max().map(|n| format!("efter{n}"))
    }
}

fn paamindelse_tekst(p: &PakkeRecord, frist: NaiveDate, today: NaiveDate, kommune: &str) -> (String, String) {
    let dage = (frist - today).num_days();
    let frist_txt = frist.format("%d.%m.%Y");
    if dage >= 0 {
        (
            format!("Påmindelse: dokumentationspakke {} skal indsendes senest {frist_txt}", p.styringsaar),
            format!(
                "Dokumentationspakken for styringsår {} for {} er endnu ikke indsendt.\n\n\
                 {kommune} Kommunes frist er {frist_txt} ({dage} dage herfra).\n\n\
                 Log ind i styringsdialogen for at gøre pakken færdig og indsende den.\n",
                p.styringsaar, p.organisation_navn
            ),
        )
    } else {
        (
            format!("Fristen er overskredet: dokumentationspakke {} er ikke indsendt", p.styringsaar),
            format!(
                "Dokumentationspakken for styringsår {} for {} skulle have været indsendt til {kommune} Kommune senest {frist_txt}.\n\n\
                 Pakken kan stadig indsendes, men markeres som indsendt for sent.\n",
                p.styringsaar, p.organisation_navn
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn reminder_steps_follow_the_rules() {
        let r = domain::reference::PaamindelseRegler::default(); // 14 and 3 before, 1 and 14 after
        let frist = d(6, 30);
        assert_eq!(paamindelse_trin(&r, frist, d(6, 1)), None, "too early");
        assert_eq!(paamindelse_trin(&r, frist, d(6, 16)).as_deref(), Some("foer14"));
        assert_eq!(paamindelse_trin(&r, frist, d(6, 20)).as_deref(), Some("foer14"), "caught up, same step");
        assert_eq!(paamindelse_trin(&r, frist, d(6, 27)).as_deref(), Some("foer3"));
        assert_eq!(paamindelse_trin(&r, frist, d(6, 30)).as_deref(), Some("foer3"));
        assert_eq!(paamindelse_trin(&r, frist, d(7, 1)).as_deref(), Some("efter1"));
        assert_eq!(paamindelse_trin(&r, frist, d(7, 14)).as_deref(), Some("efter14"));
        assert_eq!(paamindelse_trin(&r, frist, d(12, 1)).as_deref(), Some("efter14"));
    }
}
