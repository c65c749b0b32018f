//! Use cases over the storage traits: authentication, the package cycle, the public reads,
//! user management. Every use case that acts for a user checks the
//! principal's scope through `domain::access` before it touches data, and every state change
//! is written together with its audit event.

mod auth;
mod beregning;
mod eksport;
mod error;
mod fakta;
mod import;
mod moeder;
mod offentlig;
mod oidc;
mod packages;
mod pakkedata;
mod rapportperiode;
mod redegoerelse;
mod skabeloner;
mod stempelkort;
mod tilsyn;
mod tilsynsreaktion;
mod trinfrister;
mod users;
mod varsling;
mod webhooks;

pub use auth::{Forespoergsel, LoginGraenser, LoginOutcome, SessionUser, hash_password, random_token};
pub use beregning::{
    BedstePraksis, BeregningSummary, EffektivitetForklaring, KlageLinje, KontoForklaring, NoegletalLinje,
    UdlejningFordeling,
};
pub use eksport::{EKSPORT_KOLONNER, EksportRaekke};
pub use error::{AppError, FieldError};
pub use fakta::{AfdelingFakta, PakkeFakta};
pub use import::{CvrRapport, ImportArt, ImportRapport};
pub use moeder::{
    AfholdelseInput, AfholdtMoede, DialogmoedeVisning, FlytningInput, IndkaldelseInput, MoedeForslag, TidOgSted,
};
pub use offentlig::{
    AarsAfdeling, AarsNoegletal, AfdelingSheet, DataSheet, Filformat, Fund, Offentlig, OffentligtBilag,
};
pub use oidc::{ClaimNavne, Identitet, OidcAfvisning, OidcSettings, OidcUdfald, Rettigheder};
pub use packages::PakkeFilter;
pub use packages::bilag::VersionsBilag;
pub use packages::svar::SvarInput;
pub use packages::view::{Mangler, Massemarkering, PakkeView};
pub use rapportperiode::RapportperiodeValg;
pub use redegoerelse::{AftaleInput, Droeftelsespunkter};
pub use skabeloner::SkabelonInfo;
pub use stempelkort::{med_faste_stempler, med_stemplerne_fra};
pub use tilsyn::{
    BeliggenhedsAfdeling, Indsendelse, MoedeStatus, NationalStatus, OmraadeStatus, Opmaerksomhed, Opmaerksomhedspunkt,
    OversigtRaekke, RedegoerelseStatus, RegnskabStatus, StatusTal, Tilknytning,
};
pub use tilsynsreaktion::TilsynsreaktionInput;
pub use trinfrister::Trin;
pub use users::NewUserInput;
pub use varsling::{
    VARSEL_KOLONNER, VarselFilter, VarselOptaelling, VarselRaekke, VarselSortering, Varselliste, pr_organisation,
};

use chrono::{DateTime, Utc};
use domain::Styringsaar;
use domain::beregning::Katalog;
use domain::reference::{Regelsaet, Regler};
use std::sync::Arc;
use std::time::Duration;
use store::{AuditEvent, Store};

/// How many independent writes batch jobs (package creation) run at once.
const PARALLEL_WRITES: usize = 8;

/// Settings the use cases need, from the layered configuration.
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// How long a session lasts without being extended (the idle limit).
    pub session_ttl: Duration,
    /// How long a session may last at all, however often it is extended.
    pub session_max: Duration,
    /// How long a personal API key lasts.
    pub api_noegle_ttl: Duration,
    /// How failed logins slow further attempts down.
    pub login: LoginGraenser,
    /// Rules where the law is silent, by styringsår (data/regler/standard.toml or the
    /// deployment's own file).
    pub regler: Regelsaet,
    /// The key-figure catalogue (data/regler/noegletal.toml or the deployment's own file).
    pub katalog: Katalog,
    /// The national login provider, if the deployment has one.
    pub oidc: Option<OidcSettings>,
    /// Who may log in with a local password.
    pub lokale_konti: LokaleKonti,
    /// Who runs the service: the data controller and the contact on the legal pages.
    pub udbyder: Udbyder,
    /// Webhook delivery: which addresses may receive, timeouts, when a failing endpoint stops.
    pub webhooks: webhook::WebhookSettings,
}

/// The operator of the service, as the accessibility statement and the privacy notice name
/// it (`[udbyder]` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Udbyder {
    /// The data controller (dataansvarlig).
    pub navn: String,
    /// Where users write about accessibility, their data or errors; empty until the operator
    /// sets it (the pages then say so rather than invent an address).
    pub email: String,
    /// Postal address, for the privacy notice.
    pub adresse: String,
    /// The date the accessibility statement was last reviewed (YYYY-MM-DD).
    pub tilgaengelighed_vurderet: String,
}

impl Default for Udbyder {
    fn default() -> Self {
        Udbyder {
            navn: "Social- og Boligstyrelsen".into(),
            email: String::new(),
            adresse: String::new(),
            tilgaengelighed_vurderet: "2026-11-29".into(),
        }
    }
}

/// Who may log in with a local account (a password of ours). With national login the
/// agency keeps local accounts as break-glass access; everyone else logs in through the
/// provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LokaleKonti {
    /// Every local account (development, the demo, a deployment without national login).
    #[default]
    Alle,
    /// Only the agency's local accounts.
    KunStyrelsen,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(8 * 3600),
            session_max: Duration::from_secs(12 * 3600),
            api_noegle_ttl: Duration::from_secs(365 * 24 * 3600),
            login: LoginGraenser::default(),
            regler: Regelsaet::standard(),
            katalog: Katalog::shipped(),
            oidc: None,
            lokale_konti: LokaleKonti::Alle,
            udbyder: Udbyder::default(),
            webhooks: webhook::WebhookSettings::default(),
        }
    }
}

/// Operating figures for the metrics.
#[derive(Debug, Clone)]
pub struct Driftstal {
    pub pools: Vec<store::PoolStatus>,
    pub udbakke: store::UdbakkeTal,
}

/// The application: a store, its settings and a clock (tests may set the time).
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    settings: Arc<AppSettings>,
    clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    public_cache: Arc<offentlig::PublicCache>,
    skabelon_cache: Arc<skabeloner::SkabelonCache>,
    pakke_cache: Arc<pakkedata::PakkeCache>,
    opmaerksomhed_cache: Arc<tilsyn::OpmaerksomhedCache>,
    oversigt_cache: Arc<tilsyn::OversigtCache>,
    varsel_cache: Arc<varsling::VarselCache>,
    udbyder: Option<Arc<oidc::Udbyder>>,
}

impl App {
    pub fn new(store: Arc<dyn Store>, settings: AppSettings) -> Self {
        let udbyder = settings.oidc.clone().map(|o| Arc::new(oidc::Udbyder::new(o)));
        Self {
            udbyder,
            store,
            settings: Arc::new(settings),
            clock: Arc::new(Utc::now),
            public_cache: Default::default(),
            skabelon_cache: Default::default(),
            pakke_cache: Default::default(),
            opmaerksomhed_cache: Default::default(),
            oversigt_cache: Default::default(),
            varsel_cache: Default::default(),
        }
    }

    pub fn with_clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The current moment, to the microsecond: PostgreSQL keeps no finer time, so what a use
    /// case returns is exactly what a later read returns, on both engines.
    pub fn now(&self) -> DateTime<Utc> {
        chrono::SubsecRound::trunc_subsecs((self.clock)(), 6)
    }

    /// Today's date in Denmark: deadlines and meeting dates are Danish calendar dates.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now().with_timezone(&chrono_tz::Europe::Copenhagen).date_naive()
    }

    /// The styringsår of today's calendar year: the year overviews open on.
    pub fn current_styringsaar(&self) -> domain::Styringsaar {
        use chrono::Datelike;
        domain::Styringsaar::new(i64::from(self.today().year()))
            .unwrap_or_else(|_| domain::Styringsaar::new(2026).expect("2026 is a styringsår"))
    }

    /// The rules in force for a styringsår.
    pub fn regler(&self, aar: Styringsaar) -> &Regler {
        self.settings.regler.for_aar(aar)
    }

    /// Whether the database answers and has this release's whole schema: its version.
    pub async fn klar(&self) -> Result<i64, AppError> {
        Ok(self.store.klar().await?)
    }

    /// The cache stamps now (in a request that changes nothing, its one reading): a value kept
    /// under other stamps is out of date.
    pub async fn cache_stempler(&self) -> Result<store::CacheStempler, AppError> {
        Ok(stempelkort::stempler(&*self.store).await?)
    }

    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }

    /// The operating figures that are read when the metrics are scraped: the connection
    /// pools and the outbox's backlog (never anybody's data).
    pub async fn driftstal(&self) -> Result<Driftstal, AppError> {
        Ok(Driftstal { pools: self.store.pools(), udbakke: self.store.udbakke_tal(self.now()).await? })
    }

    /// The read-only capabilities of the public part: nothing here can reach a draft.
    pub fn offentlig(&self) -> Offentlig {
        Offentlig::new(self.store.clone(), self.settings.clone(), self.public_cache.clone())
    }

    /// Direct store access for operator commands (stats, migrations); never used by handlers.
    /// The same app with other webhook settings (development: loopback endpoints allowed).
    pub fn med_webhooks(mut self, webhooks: webhook::WebhookSettings) -> Self {
        Arc::make_mut(&mut self.settings).webhooks = webhooks;
        self
    }

    pub fn webhook_settings(&self) -> &webhook::WebhookSettings {
        &self.settings.webhooks
    }

    /// The kommuner, as the public part holds them (read again when master data changed).
    pub(crate) async fn kommuner(&self) -> Result<Arc<Vec<domain::master::Kommune>>, AppError> {
        self.offentlig().kommuner().await
    }

    /// Loads the reference data (kommuner, regioner). Safe to repeat.
    pub async fn load_reference(&self) -> Result<(), AppError> {
        let (regioner, kommuner) =
            domain::reference::kommuner_og_regioner().map_err(|e| AppError::internal("referencedata", e))?;
        Ok(self.store.replace_reference(&regioner, &kommuner).await?)
    }

    /// True when no organisation is stored yet.
    pub async fn is_empty(&self) -> Result<bool, AppError> {
        Ok(self.store.stats().await?.organisationer == 0)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// An audit event at this moment (`actor` none for the system itself).
    pub fn audit(
        &self,
        actor: Option<domain::access::UserId>,
        action: &str,
        object_type: &str,
        object_id: impl ToString,
        details: serde_json::Value,
    ) -> AuditEvent {
        AuditEvent {
            at: self.now(),
            actor,
            action: action.to_string(),
            object_type: object_type.to_string(),
            object_id: object_id.to_string(),
            details,
        }
    }
}
