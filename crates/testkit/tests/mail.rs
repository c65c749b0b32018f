//! Mail delivery against a real SMTP server: aiosmtpd (PyPI) run as a local sink that writes
//! every message it accepts to a maildir. `.ci/run` installs it.

use chrono::Utc;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use store::{NewMail, Store, Vedhaeftning};

/// An aiosmtpd process on a free port, stopped when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl SmtpSink {
    async fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = std::env::temp_dir().join(format!("sd-smtp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&maildir).unwrap();
        let child = Command::new(testkit::test_python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.join("mbox"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd is needed for the mail tests: pip install aiosmtpd");
        let sink = SmtpSink { child, port, maildir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return sink;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start on port {port}: is it installed (pip install aiosmtpd)?");
    }

    /// Every message the sink has accepted, as raw text.
    fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let dir = self.maildir.join("mbox").join(sub);
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for e in entries.flatten() {
                    out.push(std::fs::read_to_string(e.path()).unwrap());
                }
            }
        }
        out
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

fn settings(port: u16) -> mail::SmtpSettings {
    mail::SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        sikkerhed: mail::Sikkerhed::Ingen,
        afsender: "Styringsdialogen <noreply@styringsdialog.invalid>".into(),
        ..Default::default()
    }
}

fn mail(reference: &str, til: &str, ics: bool) -> NewMail {
    NewMail {
        reference: reference.into(),
        til: til.into(),
        emne: "Indkaldelse til dialogmøde – styringsår 2026".into(),
        tekst: "Tid: 14. maj 2026 kl. 13.00\nSted: Rådhuset".into(),
        oprettet: Utc::now(),
        vedhaeftning: ics.then(|| Vedhaeftning {
            navn: "dialogmoede.ics".into(),
            indhold: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n".into(),
            art: store::VedhaeftningArt::Kalender,
        }),
    }
}

async fn enqueue(store: &Arc<dyn Store>, mails: &[NewMail]) {
    let audit = store::AuditEvent {
        at: Utc::now(),
        actor: None,
        action: "test".into(),
        object_type: "udbakke".into(),
        object_id: "1".into(),
        details: serde_json::json!({}),
    };
    store.enqueue_mails(mails, &audit).await.unwrap();
}

fn has(messages: &[String], needle: &str) -> usize {
    messages.iter().filter(|m| m.contains(needle)).count()
}

#[tokio::test]
async fn the_outbox_is_delivered_once_over_smtp() {
    let sink = SmtpSink::start().await;
    let store = testkit::fresh_store().await;
    enqueue(&store, &[mail("a", "bo@example.invalid", true), mail("b", "kim@example.invalid", false)]).await;
    let postbud = mail::Postbud::new(&settings(sink.port), store.clone()).unwrap().expect("configured");
    let first = postbud.lever(Utc::now()).await.unwrap();
    assert_eq!(first, mail::Levering { sendt: 2, fejlet: 0 });
    // A second round, and a new sender after a "restart", send nothing again.
    assert_eq!(postbud.lever(Utc::now()).await.unwrap(), mail::Levering::default());
    let restarted = mail::Postbud::new(&settings(sink.port), store.clone()).unwrap().unwrap();
    assert_eq!(restarted.lever(Utc::now()).await.unwrap(), mail::Levering::default());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(has(&messages, "bo@example.invalid"), 1);
    // The Danish subject is encoded, the calendar file is attached.
    assert!(messages.iter().any(|m| m.contains("text/calendar") && m.contains("dialogmoede.ics")));
    assert!(messages.iter().all(|m| m.contains("Subject:")));
    assert!(store.udbakke(store::Side::new(1, 10)).await.unwrap().raekker.iter().all(|m| m.sendt.is_some()));
}

#[tokio::test]
async fn a_refused_delivery_is_retried_later_and_never_twice() {
    let store = testkit::fresh_store().await;
    enqueue(&store, &[mail("c", "bo@example.invalid", false), mail("d", "ikke en adresse", false)]).await;
    // No server listens: the delivery fails and the mail waits.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let offline = mail::Postbud::new(&settings(dead_port), store.clone()).unwrap().unwrap();
    assert_eq!(offline.lever(Utc::now()).await.unwrap(), mail::Levering { sendt: 0, fejlet: 2 });
    let waiting = store.udbakke(store::Side::new(1, 10)).await.unwrap().raekker;
    assert!(waiting.iter().all(|m| m.sendt.is_none() && m.afsendes.is_none() && m.sidste_fejl.is_some()));
    // Both wait; neither is due before its retry, so the backlog has no age yet.
    let tal = store.udbakke_tal(Utc::now()).await.unwrap();
    assert_eq!((tal.venter, tal.afsendes, tal.aeldste), (2, 0, None));
    let retry_due = store.udbakke_tal(Utc::now() + chrono::Duration::minutes(5)).await.unwrap();
    assert!(retry_due.aeldste.is_some(), "the retry of c is due, the malformed d is parked");
    // The server comes up; the retry waits for its time, then goes out once.
    let sink = SmtpSink::start().await;
    let online = mail::Postbud::new(&settings(sink.port), store.clone()).unwrap().unwrap();
    assert_eq!(online.lever(Utc::now()).await.unwrap(), mail::Levering::default(), "not due yet");
    let later = Utc::now() + chrono::Duration::minutes(5);
    assert_eq!(online.lever(later).await.unwrap(), mail::Levering { sendt: 1, fejlet: 0 });
    assert_eq!(online.lever(later + chrono::Duration::days(1)).await.unwrap(), mail::Levering::default());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1);
    // The malformed address is parked with its reason, not retried.
    let parked = store
        .udbakke(store::Side::new(1, 10))
        .await
        .unwrap()
        .raekker
        .into_iter()
        .find(|m| m.mail.reference == "d")
        .unwrap();
    assert!(parked.sendt.is_none() && parked.sidste_fejl.unwrap().contains("ikke en adresse"));
}

#[tokio::test]
async fn reminders_reach_the_smtp_server_once_per_step() {
    let sink = SmtpSink::start().await;
    let t = testkit::TestApp::spawn().await;
    let user = testkit::session_user(&t.app, "kommune").await;
    // The kommune sets a deadline 3 days ahead: the "3 days before" reminder is due today.
    let aar = domain::Styringsaar::new(2026).unwrap();
    let frist = t.app.today() + chrono::Duration::days(3);
    t.app.fastsaet_frist(&user, aar, frist, None, true).await.unwrap();
    let first = t.app.enqueue_paamindelser().await.unwrap();
    assert!(first >= 1, "the organisations of the kommune get a reminder");
    assert_eq!(t.app.enqueue_paamindelser().await.unwrap(), 0, "enqueued once");
    let postbud = mail::Postbud::new(&settings(sink.port), t.app.store().clone()).unwrap().unwrap();
    let sent = postbud.lever(Utc::now()).await.unwrap();
    assert!(sent.sendt as usize >= first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let messages = sink.messages();
    assert_eq!(has(&messages, "To: boligorg@demo.invalid"), 1, "{messages:?}");
    // The deadline passes: the next step is a new reminder.
    let later = t.app.clone().with_clock({
        let now = t.app.now();
        move || now + chrono::Duration::days(4)
    });
    assert!(later.enqueue_paamindelser().await.unwrap() >= 1);
    assert_eq!(later.enqueue_paamindelser().await.unwrap(), 0);
    postbud.lever(Utc::now()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(has(&sink.messages(), "To: boligorg@demo.invalid"), 2);
}

/// The receipt of a submission reaches the organisation's users by mail with the receipt as
/// a PDF (typeset when the mail is sent), whose text carries the receipt number.
#[tokio::test]
async fn the_receipt_mail_carries_the_receipt_as_a_pdf() {
    use base64::Engine;
    let sink = SmtpSink::start().await;
    let t = testkit::TestApp::spawn().await;
    let id = t.package_of("boligorg").await;
    let org = t.client();
    org.login("boligorg").await;
    org.complete_package(id, "").await;
    let tjek = org.get(&format!("/pakker/{id}/indsend")).await;
    let sent = org.submit_from(id, &tjek, "k1").await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let postbud = mail::Postbud::new(&settings(sink.port), t.app.store().clone())
        .unwrap()
        .unwrap()
        .med_pdf(Arc::new(|emne, tekst| Box::pin(web::udskrift::mail_pdf(emne, tekst))));
    postbud.lever(Utc::now()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let messages = sink.messages();
    let kvittering = messages.iter().find(|m| m.contains("Kvitteringsnummer: SD-")).expect("a receipt was delivered");
    assert!(kvittering.contains("application/pdf") && kvittering.contains("kvittering-SD-"), "{kvittering}");
    let nummer = kvittering.split("Kvitteringsnummer: ").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    // The PDF part: base64 lines after its headers, up to the closing boundary.
    let part = kvittering.split("application/pdf").nth(1).unwrap();
    let body = part.split("\r\n\r\n").nth(1).or_else(|| part.split("\n\n").nth(1)).unwrap();
    let b64: String = body.lines().take_while(|l| !l.starts_with("--")).collect::<Vec<_>>().concat();
    let pdf = base64::engine::general_purpose::STANDARD.decode(b64.trim()).expect("base64 PDF");
    assert!(pdf.starts_with(b"%PDF"));
    let tekst = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    assert!(tekst.contains(&nummer), "the PDF names the receipt number {nummer}: {tekst}");
}

/// A mail whose sender died mid-send is never resent by itself; the agency sends it again
/// from the outbox page (a CSRF-checked form), once, and nobody else may.
#[tokio::test]
async fn the_agency_sends_a_mail_of_unknown_outcome_again() {
    let t = testkit::TestApp::spawn().await;
    let store = t.app.store();
    enqueue(store, &[mail("ukendt", "bo@example.invalid", false)]).await;
    // A sender claimed it an hour ago and never came back.
    let claimed = store.claim_mail(Utc::now() - chrono::Duration::hours(1)).await.unwrap().unwrap();
    let styrelse = t.client();
    styrelse.login("styrelse").await;
    let side = styrelse.get("/styrelse/udbakke").await;
    assert!(side.body.contains("Ukendt udfald"), "{}", side.body);
    let action = format!("/styrelse/udbakke/{}/send-igen", claimed.id);
    assert!(side.body.contains(&action), "the page offers to send it again");
    // Without the form's CSRF token nothing happens.
    assert_eq!(styrelse.post_with_token(&action, "forkert", &[]).await.status, 403);
    let kommune = t.client();
    kommune.login("kommune").await;
    assert!([403, 404].contains(&kommune.post("/kommune", &action, &[]).await.status), "only the agency");
    assert_eq!(styrelse.post("/styrelse/udbakke", &action, &[]).await.status, 303);
    assert_eq!(styrelse.post("/styrelse/udbakke", &action, &[]).await.status, 409, "released once");
    let again = store.claim_mail(Utc::now()).await.unwrap().expect("due again");
    assert_eq!((again.id, again.forsoeg), (claimed.id, 2));
    let log = store.audit_events(50).await.unwrap();
    assert!(log.iter().any(|e| e.event.action == "mail_sendt_igen"));
}

/// A store of its own on the test database, as a second `serve` process would open.
async fn open_store(url: &str) -> Arc<dyn Store> {
    if url.starts_with("postgres") {
        Arc::new(store_postgres::PgStore::connect(url).await.expect("connect"))
    } else {
        Arc::new(store_sqlite::SqliteStore::connect(url).await.expect("open"))
    }
}

/// Two instances on one database, each with its own connections and its own background jobs,
/// run the jobs at the same moment: every due package is created once (and each instance
/// counts only what it created), and every mail reaches the SMTP server once.
#[tokio::test]
async fn two_instances_run_each_job_once() {
    let sink = SmtpSink::start().await;
    let url = testkit::fresh_database_url().await;
    let (store_a, store_b) = (open_store(&url).await, open_store(&url).await);
    // The period of styringsår 2027 has ended on this day, so its packages are due.
    let clock = || chrono::TimeZone::with_ymd_and_hms(&Utc, 2028, 3, 1, 9, 0, 0).unwrap();
    let a = app::App::new(store_a.clone(), app::AppSettings::default()).with_clock(clock);
    let b = app::App::new(store_b.clone(), app::AppSettings::default()).with_clock(clock);
    let year = domain::Styringsaar::new(2026).unwrap();
    demo::seed_demo(&a, &testkit::small_demo(), year, false, &|_| {}).await.unwrap();
    let before = store_a.stats().await.unwrap().pakker;

    let (made_a, made_b) = tokio::join!(a.opret_forfaldne_pakker(), b.opret_forfaldne_pakker());
    let made = made_a.unwrap() + made_b.unwrap();
    let after = store_b.stats().await.unwrap().pakker;
    assert!(made > 0, "the test needs due packages");
    assert_eq!(after - before, i64::from(made), "each package made once and counted by the instance that made it");
    let (again_a, again_b) = tokio::join!(a.opret_forfaldne_pakker(), b.opret_forfaldne_pakker());
    assert_eq!((again_a.unwrap(), again_b.unwrap()), (0, 0));

    // Reminders enqueued by both at once are one mail each; with 40 more, both senders
    // deliver at the same time.
    let (r_a, r_b) = tokio::join!(a.enqueue_paamindelser(), b.enqueue_paamindelser());
    let reminders = r_a.unwrap() + r_b.unwrap();
    let mails: Vec<NewMail> =
        (0..40).map(|i| mail(&format!("m{i}"), &format!("modtager{i}@example.invalid"), false)).collect();
    enqueue(&store_a, &mails).await;
    let sender_a = mail::Postbud::new(&settings(sink.port), store_a.clone()).unwrap().unwrap();
    let sender_b = mail::Postbud::new(&settings(sink.port), store_b.clone()).unwrap().unwrap();
    let now = Utc::now();
    let (sent_a, sent_b) = tokio::join!(sender_a.lever(now), sender_b.lever(now));
    let (sent_a, sent_b) = (sent_a.unwrap(), sent_b.unwrap());
    assert_eq!(sent_a.fejlet + sent_b.fejlet, 0);
    assert_eq!((sent_a.sendt + sent_b.sendt) as usize, 40 + reminders, "every mail sent once");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 40 + reminders);
    for i in 0..40 {
        assert_eq!(has(&messages, &format!("modtager{i}@example.invalid")), 1, "mail {i}");
    }
    let tal = store_b.udbakke_tal(Utc::now()).await.unwrap();
    assert_eq!((tal.venter, tal.afsendes), (0, 0), "nothing left or half sent");
}
