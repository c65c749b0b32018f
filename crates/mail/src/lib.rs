//! Delivery of the outbox (`udbakke`) over SMTP with lettre.
//!
//! Mails are written to the outbox in the same transaction as the event they report. The
//! [`Postbud`] claims one due mail at a time, sends it and marks it sent. A refused delivery
//! releases the claim with a growing pause before the next try. A claim without a result (the
//! process died mid-send) is never retried automatically: the mail may have gone out, and a
//! mail is never sent twice. The outbox is in the database, so it survives a restart.

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use store::{MailRecord, Store, StoreError, VedhaeftningArt};

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sikkerhed {
    /// Plain SMTP: only for a relay on the same host or a test server.
    Ingen,
    /// STARTTLS on the submission port (587).
    #[default]
    Starttls,
    /// Implicit TLS (port 465).
    Tls,
}

/// The SMTP settings of a deployment.
#[derive(Clone, Serialize, Deserialize)]
pub struct SmtpSettings {
    /// Empty: no SMTP server; mails wait in the outbox.
    pub host: String,
    pub port: u16,
    pub sikkerhed: Sikkerhed,
    #[serde(default)]
    pub brugernavn: String,
    #[serde(default)]
    pub adgangskode: String,
    /// The sender, e.g. `Styringsdialogen <noreply@styringsdialog.dk>`.
    pub afsender: String,
    /// Seconds between rounds of delivery.
    pub interval_sekunder: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            host: String::new(),
            port: 587,
            sikkerhed: Sikkerhed::Starttls,
            brugernavn: String::new(),
            adgangskode: String::new(),
            afsender: "Styringsdialogen <noreply@styringsdialog.invalid>".into(),
            interval_sekunder: 30,
        }
    }
}

/// The password never reaches logs.
impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("sikkerhed", &self.sikkerhed)
            .field("brugernavn", &self.brugernavn)
            .field("afsender", &self.afsender)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("ugyldig SMTP-opsætning: {0}")]
    Opsaetning(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The outcome of one round of delivery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Levering {
    pub sendt: u32,
    pub fejlet: u32,
}

/// Delivers the outbox.
pub struct Postbud {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    afsender: Mailbox,
    store: Arc<dyn Store>,
    saetter: Option<PdfSaetter>,
}

/// Typesets a mail's subject and text as a PDF (for [`VedhaeftningArt::TekstSomPdf`]). The
/// deployment hands one in ([`Postbud::med_pdf`]); this crate stays free of the typesetter.
pub type PdfSaetter = Arc<
    dyn Fn(String, String) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<u8>, String>> + Send>>
        + Send
        + Sync,
>;

impl Postbud {
    /// `None` when no SMTP host is configured.
    pub fn new(settings: &SmtpSettings, store: Arc<dyn Store>) -> Result<Option<Postbud>, MailError> {
        if settings.host.trim().is_empty() {
            return Ok(None);
        }
        let fejl = |e: lettre::transport::smtp::Error| MailError::Opsaetning(e.to_string());
        let builder = match settings.sikkerhed {
            Sikkerhed::Ingen => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
            Sikkerhed::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host).map_err(fejl)?
            }
            Sikkerhed::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(fejl)?,
        };
        let mut builder = builder.port(settings.port).timeout(Some(Duration::from_secs(30)));
        if !settings.brugernavn.is_empty() {
            builder = builder.credentials(Credentials::new(settings.brugernavn.clone(), settings.adgangskode.clone()));
        }
        let afsender = settings
            .afsender
            .parse()
            .map_err(|e| MailError::Opsaetning(format!("afsender «{}»: {e}", settings.afsender)))?;
        Ok(Some(Postbud { transport: builder.build(), afsender, store, saetter: None }))
    }

    /// Attachments that are the mail's text as a PDF are typeset by `saetter`. Without one,
    /// such a mail goes out with its text only.
    pub fn med_pdf(mut self, saetter: PdfSaetter) -> Postbud {
        self.saetter = Some(saetter);
        self
    }

    /// Delivers every mail that is due at `now`, one at a time.
    pub async fn lever(&self, now: DateTime<Utc>) -> Result<Levering, MailError> {
        self.lever_indtil(now, &tokio::sync::watch::channel(false).1).await
    }

    /// Delivers until nothing is due or a stop is asked for; the stop is heeded between two
    /// mails, never between a claim and its result.
    async fn lever_indtil(
        &self,
        now: DateTime<Utc>,
        stopped: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<Levering, MailError> {
        let mut levering = Levering::default();
        while !*stopped.borrow() {
            let Some(mail) = self.store.claim_mail(now).await? else { break };
            match self.send(&mail).await {
                Ok(()) => {
                    self.store.mark_mail_sent(mail.id, Utc::now()).await?;
                    levering.sendt += 1;
                    metrics::counter!("styringsdialog_mails_total", "udfald" => "sendt").increment(1);
                }
                Err(Afvist { fejl, permanent }) => {
                    tracing::warn!(mail = mail.id.0, forsoeg = mail.forsoeg, %fejl, "mail kunne ikke afleveres");
                    // A mail that can never go out (a malformed address) is parked for good;
                    // otherwise the pause doubles per try, from one minute up to six hours.
                    let pause = if permanent {
                        chrono::Duration::days(365 * 100)
                    } else {
                        chrono::Duration::minutes(1i64 << mail.forsoeg.clamp(1, 9).saturating_sub(1))
                            .min(chrono::Duration::hours(6))
                    };
                    self.store.mark_mail_failed(mail.id, &fejl, now + pause).await?;
                    levering.fejlet += 1;
                    metrics::counter!("styringsdialog_mails_total", "udfald" => "fejlet").increment(1);
                }
            }
        }
        Ok(levering)
    }

    async fn send(&self, mail: &MailRecord) -> Result<(), Afvist> {
        let pdf = match (&mail.mail.vedhaeftning, &self.saetter) {
            (Some(v), Some(saetter)) if v.art == VedhaeftningArt::TekstSomPdf => {
                // A document that cannot be typeset now may be next time: not permanent.
                let bytes = saetter(mail.mail.emne.clone(), mail.mail.tekst.clone())
                    .await
                    .map_err(|fejl| Afvist { fejl: format!("PDF'en kunne ikke sættes: {fejl}"), permanent: false })?;
                Some(bytes)
            }
            _ => None,
        };
        let message = self.message(mail, pdf).map_err(|fejl| Afvist { fejl, permanent: true })?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(Afvist { permanent: e.is_permanent(), fejl: e.to_string() }),
        }
    }

    fn message(&self, mail: &MailRecord, pdf: Option<Vec<u8>>) -> Result<Message, String> {
        let m = &mail.mail;
        let til: Mailbox = m.til.parse().map_err(|e| format!("modtager «{}»: {e}", m.til))?;
        // A stable Message-ID: should a receiver ever see the same mail twice, it can tell.
        let id: String = m
            .reference
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '.' })
            .collect();
        let builder = Message::builder()
            .from(self.afsender.clone())
            .to(til)
            .subject(m.emne.clone())
            .message_id(Some(format!("<{}.{id}@styringsdialog>", mail.id)));
        let result = match (&m.vedhaeftning, pdf) {
            (Some(v), Some(pdf)) => builder.multipart(
                MultiPart::mixed().singlepart(SinglePart::plain(m.tekst.clone())).singlepart(
                    Attachment::new(v.navn.clone())
                        .body(pdf, ContentType::parse("application/pdf").map_err(|e| e.to_string())?),
                ),
            ),
            (Some(v), None) if v.art == VedhaeftningArt::TekstSomPdf => {
                tracing::warn!(mail = mail.id.0, "ingen PDF-sætter: kvitteringen sendes uden PDF");
                builder.header(ContentType::TEXT_PLAIN).body(m.tekst.clone())
            }
            (None, _) => builder.header(ContentType::TEXT_PLAIN).body(m.tekst.clone()),
            (Some(v), None) if v.art == VedhaeftningArt::Regneark => {
                let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, v.indhold.trim())
                    .map_err(|e| format!("regnearket «{}» kan ikke læses: {e}", v.navn))?;
                let xlsx = ContentType::parse("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                    .map_err(|e| e.to_string())?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(m.tekst.clone()))
                        .singlepart(Attachment::new(v.navn.clone()).body(bytes, xlsx)),
                )
            }
            (Some(v), None) => {
                let kalender =
                    ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH").map_err(|e| e.to_string())?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(m.tekst.clone()))
                        .singlepart(Attachment::new(v.navn.clone()).body(v.indhold.clone(), kalender)),
                )
            }
        };
        result.map_err(|e| e.to_string())
    }

    /// Delivers due mails every `interval` until the process ends.
    pub async fn run(self, interval: Duration, mut stopped: tokio::sync::watch::Receiver<bool>) {
        loop {
            match self.lever_indtil(Utc::now(), &stopped).await {
                Ok(l) => {
                    metrics::counter!("styringsdialog_job_runs_total", "job" => "udbakke", "udfald" => "ok")
                        .increment(1);
                    if l.sendt + l.fejlet > 0 {
                        tracing::info!(sendt = l.sendt, fejlet = l.fejlet, "udbakke leveret")
                    }
                }
                Err(e) => {
                    metrics::counter!("styringsdialog_job_runs_total", "job" => "udbakke", "udfald" => "fejl")
                        .increment(1);
                    tracing::error!(error = %e, "udbakken kunne ikke læses")
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stopped.wait_for(|s| *s) => return,
            }
        }
    }
}

struct Afvist {
    fejl: String,
    permanent: bool,
}
