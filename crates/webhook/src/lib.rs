//! Webhook delivery. The transactions that change a package write one delivery per subscribed
//! endpoint into the outbox (`store`, `webhook_leverancer`); the [`Budbringer`] claims each due
//! delivery, signs it and POSTs it, and records the attempt:
//!
//! - **Payload:** the CloudEvent 1.0 as JSON (`application/cloudevents+json`, structured mode).
//! - **Signature:** Standard Webhooks (<https://www.standardwebhooks.com>): the headers
//!   `webhook-id` (the event id, for de-duplication), `webhook-timestamp` (Unix seconds) and
//!   `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` with the
//!   endpoint's secret; during a rotation, one signature per secret, space-separated).
//! - **Retries:** with growing pauses ([`PAUSER`]); an endpoint that has failed for days is
//!   deactivated and its owner told by mail; a `410 Gone` deactivates it at once.
//! - **At least once:** a claim older than the delivery timeout is taken again, so a sender
//!   that dies mid-delivery loses nothing; the receiver de-duplicates on `webhook-id`. The
//!   claim is a compare-and-set, so two instances on one database never send the same
//!   delivery at the same time.
//! - **No SSRF:** a delivery only connects to public addresses ([`offentlig`]), checked when
//!   the host is resolved, so a name that later points into the operator's network is refused
//!   too. Loopback is allowed only in development ([`WebhookSettings::tillad_loopback`]).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use store::{AuditEvent, Forsoeg, Leverance, NewMail, Store, StoreError};

/// The pauses after the 1st, 2nd, … failed attempt (Standard Webhooks' suggestion); after the
/// last, the delivery is given up (about 3 days in all).
pub const PAUSER: [Duration; 8] = [
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(24),
    Duration::hours(24),
];

/// How old a signed timestamp a receiver should accept (Standard Webhooks: 5 minutes).
pub const TOLERANCE: Duration = Duration::minutes(5);

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Endpoints on loopback (`http://127.0.0.1:…`) are allowed: development and tests only.
    pub tillad_loopback: bool,
    /// How long one delivery may take; a claim older than this is taken again.
    pub timeout: std::time::Duration,
    /// An endpoint that has failed every delivery for this long is deactivated.
    pub deaktiver_efter: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            tillad_loopback: false,
            timeout: std::time::Duration::from_secs(15),
            deaktiver_efter: Duration::days(5),
        }
    }
}

/// When to try again after `forsoeg` failed attempts; None: give up.
pub fn naeste_forsoeg(forsoeg: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let i = usize::try_from(forsoeg.max(1) - 1).ok()?;
    PAUSER.get(i).map(|p| now + *p)
}

/// A new endpoint secret: `whsec_` and 32 random bytes in base64.
pub fn ny_hemmelighed() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", B64.encode(bytes))
}

/// The `v1,…` signature of a delivery with one secret; None for a secret that is not
/// `whsec_` and base64.
pub fn signatur(hemmelighed: &str, id: &str, tidsstempel: i64, krop: &[u8]) -> Option<String> {
    let noegle = B64.decode(hemmelighed.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&noegle).ok()?;
    mac.update(format!("{id}.{tidsstempel}.").as_bytes());
    mac.update(krop);
    Some(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// Why a received webhook is not to be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Afvist {
    #[error("tidsstemplet er ugyldigt eller mere end 5 minutter fra nu")]
    Tidsstempel,
    #[error("ingen signatur passer til indholdet")]
    Signatur,
}

/// What a receiver does (and the tests do): the timestamp is recent and one of the
/// signatures matches the body under the secret.
pub fn verificer(
    hemmelighed: &str,
    id: &str,
    tidsstempel: &str,
    signaturer: &str,
    krop: &[u8],
    now: DateTime<Utc>,
) -> Result<(), Afvist> {
    let t: i64 = tidsstempel.parse().map_err(|_| Afvist::Tidsstempel)?;
    if (now.timestamp() - t).abs() > TOLERANCE.num_seconds() {
        return Err(Afvist::Tidsstempel);
    }
    let forventet = signatur(hemmelighed, id, t, krop).ok_or(Afvist::Signatur)?;
    // Constant time per candidate: compare the MACs, not the strings.
    let match_ = signaturer.split(' ').any(|s| {
        let (Some(a), Some(b)) = (s.strip_prefix("v1,"), forventet.strip_prefix("v1,")) else { return false };
        let (Ok(a), Ok(b)) = (B64.decode(a), B64.decode(b)) else { return false };
        a.len() == b.len() && a.iter().zip(&b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    });
    if match_ { Ok(()) } else { Err(Afvist::Signatur) }
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared,
/// documentation, multicast or otherwise reserved (IPv4 and IPv6, and IPv4 inside IPv6).
pub fn offentlig(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_unspecified()
                || v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return offentlig(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x0064 && s[1] == 0xff9b))
        }
    }
}

/// Why an endpoint address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdresseFejl {
    #[error("«{0}» er ikke en gyldig URL")]
    Ugyldig(String),
    #[error("adressen skal bruge https (http kun til 127.0.0.1 i udviklingstilstand)")]
    IkkeHttps,
    #[error("adressen må ikke indeholde brugernavn eller adgangskode")]
    Brugeroplysninger,
    #[error("værtsnavnet {0} kan ikke slås op")]
    Opslag(String),
    #[error("{0} peger på en intern eller reserveret adresse ({1}); kun offentlige adresser kan modtage webhooks")]
    Intern(String, IpAddr),
}

/// Whether an address is allowed for this endpoint: loopback only when allowed, else public.
fn tilladt(ip: IpAddr, tillad_loopback: bool) -> bool {
    offentlig(ip) || (tillad_loopback && ip.is_loopback())
}

/// Checks an endpoint URL before it is registered and before every delivery: https (or http to
/// loopback in development), no credentials, and a host that resolves to allowed addresses
/// only. Returns the addresses to connect to.
pub async fn kontroller_adresse(url: &str, tillad_loopback: bool) -> Result<Vec<SocketAddr>, AdresseFejl> {
    let u = url::Url::parse(url.trim()).map_err(|_| AdresseFejl::Ugyldig(url.to_string()))?;
    let host = u.host_str().ok_or_else(|| AdresseFejl::Ugyldig(url.to_string()))?.to_string();
    if !u.username().is_empty() || u.password().is_some() {
        return Err(AdresseFejl::Brugeroplysninger);
    }
    let https = match u.scheme() {
        "https" => true,
        "http" if tillad_loopback => false,
        _ => return Err(AdresseFejl::IkkeHttps),
    };
    let port = u.port_or_known_default().ok_or_else(|| AdresseFejl::Ugyldig(url.to_string()))?;
    let adresser: Vec<SocketAddr> = match u.host() {
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        _ => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| AdresseFejl::Opslag(host.clone()))?
            .collect(),
    };
    if adresser.is_empty() {
        return Err(AdresseFejl::Opslag(host));
    }
    if let Some(a) = adresser.iter().find(|a| !tilladt(a.ip(), tillad_loopback)) {
        return Err(AdresseFejl::Intern(host, a.ip()));
    }
    // Plain http only ever to this machine.
    if https || adresser.iter().all(|a| a.ip().is_loopback()) { Ok(adresser) } else { Err(AdresseFejl::IkkeHttps) }
}

/// What one round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Udbringning {
    pub leveret: usize,
    pub fejlet: usize,
    pub deaktiveret: usize,
}

/// Delivers the webhook outbox.
#[derive(Clone)]
pub struct Budbringer {
    store: Arc<dyn Store>,
    settings: WebhookSettings,
}

impl Budbringer {
    pub fn new(store: Arc<dyn Store>, settings: WebhookSettings) -> Budbringer {
        Budbringer { store, settings }
    }

    /// Deactivates the endpoints that have failed for too long, then delivers everything due
    /// at `now`.
    pub async fn lever(&self, now: DateTime<Utc>) -> Result<Udbringning, StoreError> {
        let mut udfald = Udbringning { deaktiveret: self.deaktiver_doede(now).await?, ..Udbringning::default() };
        let glemt_foer = now - Duration::from_std(self.settings.timeout).unwrap_or(Duration::seconds(15)) * 2;
        while let Some(l) = self.store.claim_leverance(now, glemt_foer).await? {
            let forsoeg = self.send(&l, now).await;
            if let Some(410) = forsoeg.statuskode {
                let grund = "modtageren svarede 410 Gone".to_string();
                self.deaktiver(l.endepunkt, &grund, now).await?;
            }
            if forsoeg.fejl.is_none() {
                udfald.leveret += 1;
            } else {
                udfald.fejlet += 1;
            }
            metrics::counter!("styringsdialog_webhook_forsoeg_total", "udfald" => if forsoeg.fejl.is_none() { "leveret" } else { "fejlet" })
                .increment(1);
            self.store.leverance_forsoeg(l.id, &forsoeg).await?;
        }
        Ok(udfald)
    }

    /// One attempt: the address checked again (a name may point elsewhere now), then POST.
    async fn send(&self, l: &Leverance, now: DateTime<Utc>) -> Forsoeg {
        let fejlet = |statuskode: Option<u16>, fejl: String| Forsoeg {
            at: now,
            statuskode,
            fejl: Some(fejl),
            naeste: naeste_forsoeg(l.forsoeg, now),
        };
        let adresser = match kontroller_adresse(&l.url, self.settings.tillad_loopback).await {
            Ok(a) => a,
            Err(e) => return fejlet(None, e.to_string()),
        };
        let tidsstempel = now.timestamp();
        let signaturer: Vec<String> = l
            .hemmeligheder
            .iter()
            .filter_map(|h| signatur(h, &l.haendelse_id, tidsstempel, l.indhold.as_bytes()))
            .collect();
        let host = url::Url::parse(&l.url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
        // Connect only to the addresses just checked; never follow a redirect elsewhere.
        let client = reqwest::Client::builder()
            .timeout(self.settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .resolve_to_addrs(&host, &adresser)
            .user_agent("styringsdialog-webhooks/1")
            .build();
        let client = match client {
            Ok(c) => c,
            Err(e) => return fejlet(None, format!("klienten kunne ikke bygges: {e}")),
        };
        let svar = client
            .post(&l.url)
            .header("content-type", "application/cloudevents+json")
            .header("webhook-id", &l.haendelse_id)
            .header("webhook-timestamp", tidsstempel.to_string())
            .header("webhook-signature", signaturer.join(" "))
            .body(l.indhold.clone())
            .send()
            .await;
        match svar {
            Ok(r) if r.status().is_success() => {
                Forsoeg { at: now, statuskode: Some(r.status().as_u16()), fejl: None, naeste: None }
            }
            Ok(r) => {
                let kode = r.status().as_u16();
                let naeste = if kode == 410 { None } else { naeste_forsoeg(l.forsoeg, now) };
                Forsoeg { at: now, statuskode: Some(kode), fejl: Some(format!("svarede {}", r.status())), naeste }
            }
            Err(e) if e.is_timeout() => fejlet(None, "svarede ikke i tide".into()),
            Err(e) => fejlet(None, format!("kunne ikke levere: {e}")),
        }
    }

    async fn deaktiver_doede(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let doede = self.store.doede_webhooks(now - self.settings.deaktiver_efter).await?;
        for e in &doede {
            let dage = self.settings.deaktiver_efter.num_days();
            self.deaktiver(e.id, &format!("alle leverancer er fejlet i {dage} dage"), now).await?;
        }
        Ok(doede.len())
    }

    /// Deactivates an endpoint and tells its owner, in one transaction.
    async fn deaktiver(&self, id: store::WebhookId, grund: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let Some(e) = self.store.webhook(id).await? else { return Ok(()) };
        if e.deaktiveret.is_some() {
            return Ok(());
        }
        let mail = e.ejer_email.as_ref().map(|til| NewMail {
            reference: format!("webhook-deaktiveret/{id}"),
            til: til.clone(),
            emne: "Et webhook-endepunkt er deaktiveret – styringsdialogen".into(),
            tekst: format!(
                "Endepunktet {url} er deaktiveret, fordi {grund}.\n\n\
                 Ventende leverancer er opgivet. Ret modtageren, og registrér endepunktet igen under \
                 Konto → Webhooks; leveranceloggen viser hvert forsøg.\n",
                url = e.endepunkt.url
            ),
            oprettet: now,
            vedhaeftning: None,
        });
        let audit = AuditEvent {
            at: now,
            actor: None,
            action: "webhook_deaktiveret".into(),
            object_type: "webhook".into(),
            object_id: id.to_string(),
            details: serde_json::json!({"grund": grund, "url": e.endepunkt.url}),
        };
        match self.store.deaktiver_webhook(id, grund, now, mail.as_ref(), &audit).await {
            Ok(()) | Err(StoreError::Stale) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Delivers every `interval` until `stopped`, with the time from `clock`.
    pub async fn run(
        self,
        interval: std::time::Duration,
        clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static,
        mut stopped: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            match self.lever(clock()).await {
                Ok(u) if u != Udbringning::default() => {
                    tracing::info!(leveret = u.leveret, fejlet = u.fejlet, deaktiveret = u.deaktiveret, "webhooks")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "webhook delivery failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stopped.changed() => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's own example: this secret, id, timestamp and body
    /// sign to this signature.
    #[test]
    fn signs_as_the_standard_webhooks_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        let sig = signatur(secret, id, 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn verification_refuses_a_tampered_body_an_old_timestamp_and_a_wrong_secret() {
        let secret = ny_hemmelighed();
        let now = Utc::now();
        let t = now.timestamp();
        let body = br#"{"type":"dk.styringsdialog.pakke.indsendt"}"#;
        let sig = signatur(&secret, "e1", t, body).unwrap();
        assert_eq!(verificer(&secret, "e1", &t.to_string(), &sig, body, now), Ok(()));
        assert_eq!(verificer(&secret, "e1", &t.to_string(), &sig, br#"{"type":"x"}"#, now), Err(Afvist::Signatur));
        assert_eq!(verificer(&secret, "e2", &t.to_string(), &sig, body, now), Err(Afvist::Signatur));
        let old = now + Duration::minutes(6);
        assert_eq!(verificer(&secret, "e1", &t.to_string(), &sig, body, old), Err(Afvist::Tidsstempel));
        assert_eq!(verificer(&ny_hemmelighed(), "e1", &t.to_string(), &sig, body, now), Err(Afvist::Signatur));
        // During a rotation both signatures are sent; either secret verifies.
        let other = ny_hemmelighed();
        let both = format!("{} {sig}", signatur(&other, "e1", t, body).unwrap());
        assert_eq!(verificer(&secret, "e1", &t.to_string(), &both, body, now), Ok(()));
        assert_eq!(verificer(&other, "e1", &t.to_string(), &both, body, now), Ok(()));
    }

    #[test]
    fn only_public_addresses_receive() {
        for ip in ["10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"] {
            assert!(!offentlig(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "2001:db8::1"] {
            assert!(!offentlig(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["80.62.117.1", "2a00:1450:400f:80d::200e"] {
            assert!(offentlig(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn endpoint_addresses_are_checked() {
        assert_eq!(kontroller_adresse("ftp://example.dk/x", false).await, Err(AdresseFejl::IkkeHttps));
        assert!(matches!(kontroller_adresse("https://10.0.0.5/hook", false).await, Err(AdresseFejl::Intern(..))));
        assert!(matches!(kontroller_adresse("https://[::1]:8443/hook", false).await, Err(AdresseFejl::Intern(..))));
        assert_eq!(kontroller_adresse("http://127.0.0.1:9/x", false).await, Err(AdresseFejl::IkkeHttps));
        assert!(matches!(kontroller_adresse("https://127.0.0.1:9/x", false).await, Err(AdresseFejl::Intern(..))));
        assert!(kontroller_adresse("http://127.0.0.1:9/x", true).await.is_ok(), "loopback in development");
        assert_eq!(kontroller_adresse("https://u:p@203.0.114.1/x", false).await, Err(AdresseFejl::Brugeroplysninger));
        assert!(matches!(kontroller_adresse("ikke en url", false).await, Err(AdresseFejl::Ugyldig(_))));
        assert!(kontroller_adresse("https://80.62.117.1/hook", false).await.is_ok());
    }

    #[test]
    fn retries_pause_longer_and_end() {
        let now = Utc::now();
        assert_eq!(naeste_forsoeg(1, now), Some(now + Duration::seconds(5)));
        assert!(naeste_forsoeg(2, now) > naeste_forsoeg(1, now));
        assert_eq!(naeste_forsoeg(PAUSER.len() as i64 + 1, now), None);
    }
}
