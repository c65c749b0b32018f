//! Layered configuration: built-in defaults, then a TOML file, then environment variables
//! (`STYRINGSDIALOG__SECTION__KEY`, plus the conventional `DATABASE_URL`), then flags.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Clone, Serialize, Deserialize)]
pub struct Config {
    pub database: DatabaseConfig,
    pub server: ServerConfig,
    pub session: SessionConfig,
    pub login: LoginConfig,
    pub demo: DemoConfig,
    #[serde(default)]
    pub regler: RegelConfig,
    /// Outgoing mail. With no host the mails wait in the outbox (and can be read there).
    #[serde(default)]
    pub smtp: mail::SmtpSettings,
    /// National login through OpenID Connect (a MitID Erhverv broker). Off while `issuer` is
    /// empty; the README explains each setting.
    #[serde(default)]
    pub oidc: app::OidcSettings,
    /// `/metrics` for Prometheus; off without a token.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// Who runs the service (data controller and contact on the legal pages).
    #[serde(default)]
    pub udbyder: app::Udbyder,
    /// Webhook delivery.
    #[serde(default)]
    pub webhook: WebhookConfig,
}

/// Webhook delivery (`[webhook]`): how often the outbox is read, how long a delivery may take,
/// and after how many days of failures an endpoint is deactivated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookConfig {
    pub interval_sekunder: u64,
    pub timeout_sekunder: u64,
    pub deaktiver_efter_dage: i64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig { interval_sekunder: 5, timeout_sekunder: 15, deaktiver_efter_dage: 5 }
    }
}

/// Where the rules and the key-figure catalogue come from. Empty means the files shipped
/// with the release (data/regler/); a path lets a deployment change them without a release.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegelConfig {
    #[serde(default)]
    pub fil: String,
    #[serde(default)]
    pub noegletal_fil: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct DatabaseConfig {
    /// `sqlite://path` (embedded default) or `postgres://user:password@host/db`.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerConfig {
    pub listen: String,
    /// Serve plain HTTP: cookies without `Secure`, no HSTS. Only on a loopback address (a
    /// developer's machine); `serve --demo` on loopback sets it. Otherwise the server assumes
    /// HTTPS in front of it (a TLS-terminating proxy).
    #[serde(default)]
    pub plain_http: bool,
    /// Seconds before a request is answered 503 (uploads of national files included).
    #[serde(default = "default_request_timeout")]
    pub request_timeout_sekunder: u64,
    /// Requests handled at once; more wait their turn.
    #[serde(default = "default_max_samtidige")]
    pub max_samtidige_forespoergsler: usize,
    /// Addresses of the reverse proxies in front of the server. Only from these is
    /// `X-Forwarded-For` believed (for the login throttle); without any, it is ignored.
    #[serde(default)]
    pub betroede_proxyer: Vec<std::net::IpAddr>,
    /// Seconds a stop (SIGTERM or Ctrl-C) waits for requests in flight and background jobs
    /// to finish before the process exits anyway.
    #[serde(default = "default_nedlukning")]
    pub nedlukning_sekunder: u64,
    /// Typeset each PDF in a worker process of this binary (`pdf-arbejder`), so the layout's
    /// memory leaves with it; false typesets in the server process.
    #[serde(default = "default_true")]
    pub pdf_i_arbejdsproces: bool,
}

fn default_true() -> bool {
    true
}

fn default_nedlukning() -> u64 {
    30
}

/// `/metrics` for Prometheus.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct MetricsConfig {
    /// The bearer token a scraper presents. Empty (the default): no metrics, `/metrics` is 404.
    #[serde(default)]
    pub token: String,
}

/// The token never reaches logs.
impl std::fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsConfig").field("token", &if self.token.is_empty() { "" } else { "***" }).finish()
    }
}

fn default_request_timeout() -> u64 {
    120
}

fn default_max_samtidige() -> usize {
    1024
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionConfig {
    /// Minutes a session lasts without being extended.
    pub ttl_minutes: u64,
    /// Hours a session may last at all from login, however often it is extended.
    #[serde(default = "default_max_timer")]
    pub max_timer: u64,
    /// How long a personal API key lasts.
    #[serde(default = "default_api_noegle_dage")]
    pub api_noegle_dage: u64,
}

fn default_max_timer() -> u64 {
    12
}

fn default_api_noegle_dage() -> u64 {
    365
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginConfig {
    /// Failed logins of one account from one address before each further failure doubles a
    /// pause (1, 2, 4 … s, at most 15 minutes). An account's failures from anywhere (20) and
    /// an address's over all accounts (100) have their own thresholds, with pauses of at most
    /// a minute.
    pub max_failed_attempts: u32,
    /// Minutes a failure counts.
    pub window_minutes: u64,
    /// Who may log in with a local account: `alle` (default) or `kun_styrelsen` (with
    /// national login, the agency's break-glass access only).
    #[serde(default)]
    pub lokale_konti: app::LokaleKonti,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoConfig {
    pub seed: u64,
    /// The styringsår whose packages the demo creates; accounts cover it and the years before.
    pub styringsaar: i32,
    /// Scale on the national size (1.0 = the real sector).
    pub skala: f64,
    /// How many styringsår of accounts, key figures and efficiency figures the demo holds
    /// (at least 2), so the early warning has years to compare.
    #[serde(default = "standard_demo_aar")]
    pub aar: u32,
}

fn standard_demo_aar() -> u32 {
    5
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: DatabaseConfig { url: "sqlite://data/styringsdialog.db".into() },
            server: ServerConfig {
                listen: "127.0.0.1:8080".into(),
                plain_http: false,
                request_timeout_sekunder: default_request_timeout(),
                max_samtidige_forespoergsler: default_max_samtidige(),
                betroede_proxyer: Vec::new(),
                nedlukning_sekunder: default_nedlukning(),
                pdf_i_arbejdsproces: true,
            },
            metrics: MetricsConfig::default(),
            udbyder: app::Udbyder::default(),
            webhook: WebhookConfig::default(),
            session: SessionConfig {
                ttl_minutes: 8 * 60,
                max_timer: default_max_timer(),
                api_noegle_dage: default_api_noegle_dage(),
            },
            login: LoginConfig { max_failed_attempts: 10, window_minutes: 60, lokale_konti: app::LokaleKonti::Alle },
            demo: DemoConfig { seed: 2026, styringsaar: 2026, skala: 1.0, aar: standard_demo_aar() },
            regler: RegelConfig::default(),
            smtp: mail::SmtpSettings::default(),
            oidc: app::OidcSettings::default(),
        }
    }
}

/// The password in a database URL never reaches logs or `Debug` output.
impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig").field("url", &store_postgres::redact(&self.url)).finish()
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database", &self.database)
            .field("server", &self.server)
            .field("session", &self.session)
            .field("login", &self.login)
            .field("demo", &self.demo)
            .field("regler", &self.regler)
            .field("smtp", &self.smtp)
            .field("metrics", &self.metrics)
            .field("oidc.issuer", &self.oidc.issuer)
            .finish()
    }
}

impl Config {
    /// Defaults, then `file` (or `styringsdialog.toml` when it exists), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                anyhow::ensure!(path.exists(), "konfigurationsfilen {} findes ikke", path.display());
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("styringsdialog.toml")),
        }
        figment = figment.merge(Env::prefixed("STYRINGSDIALOG__").split("__"));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(Serialized::default("database.url", url));
        }
        Ok(figment.extract()?)
    }

    pub fn default_toml() -> String {
        let body = toml::to_string_pretty(&Config::default()).expect("config serializes");
        format!(
            "# styringsdialog configuration. Every value here is the built-in default.\n\
             # Environment variables override the file: STYRINGSDIALOG__SECTION__KEY, e.g.\n\
             # STYRINGSDIALOG__SERVER__LISTEN=0.0.0.0:8080; DATABASE_URL overrides database.url.\n\
             # Rules where the law is silent (notice period, colours, deadlines) are data files\n\
             # under data/regler/.\n\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_round_trips_through_toml() {
        let text = Config::default_toml();
        let parsed: Config = toml::from_str(&text).unwrap();
        assert_eq!(parsed.database.url, "sqlite://data/styringsdialog.db");
        assert_eq!(parsed.server.listen, "127.0.0.1:8080");
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let mut c = Config::default();
        c.database.url = "postgres://app:hemmeligt@db/styring".into();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hemmeligt"), "{shown}");
    }
}
