//! Backup, restore and verification of the SQLite database (docs/operations.md): a backup
//! taken while writes go on holds everything acknowledged before it began; damaged,
//! incomplete and newer-schema files are refused with a clear message; nothing is overwritten.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use store::{AuditEvent, BrugerStore, MasterStore, StoreError};
use store_sqlite::SqliteStore;

/// A folder of its own, removed when dropped.
struct Mappe(PathBuf);

impl Mappe {
    fn new() -> Mappe {
        let dir = std::env::temp_dir().join(format!("sd-backup-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Mappe(dir)
    }
    fn fil(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Mappe {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A SQLite database with the small demo, and the app over it.
async fn database(mappe: &Mappe) -> (Arc<SqliteStore>, app::App) {
    let url = format!("sqlite://{}", mappe.fil("styringsdialog.db").display());
    let store = Arc::new(SqliteStore::connect(&url).await.unwrap());
    let app = app::App::new(store.clone(), app::AppSettings::default());
    demo::seed_demo(&app, &testkit::small_demo(), domain::Styringsaar::new(2026).unwrap(), false, &|_| {})
        .await
        .unwrap();
    (store, app)
}

fn belastning(i: i64) -> AuditEvent {
    AuditEvent {
        at: chrono::Utc::now(),
        actor: None,
        action: "belastning".into(),
        object_type: "test".into(),
        object_id: i.to_string(),
        details: serde_json::json!({}),
    }
}

fn ubrugelig(result: Result<impl Sized, StoreError>) -> String {
    match result {
        Err(StoreError::Ubrugelig(message)) => message,
        Err(other) => panic!("expected a clear refusal, got {other}"),
        Ok(_) => panic!("expected a refusal"),
    }
}

#[tokio::test]
async fn a_backup_under_write_load_holds_every_write_acknowledged_before_it() {
    let mappe = Mappe::new();
    let (store, app) = database(&mappe).await;
    // Writers go on during the backup: each write is acknowledged when its transaction
    // commits, and counted only then.
    let acked = Arc::new(AtomicI64::new(-1));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, acked, stop) = (store.clone(), acked.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                store.append_audit(&belastning(i)).await.unwrap();
                acked.store(i, Ordering::SeqCst);
                i += 1;
            }
            i
        })
    };
    while acked.load(Ordering::SeqCst) < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let before = acked.load(Ordering::SeqCst);
    store.backup(&mappe.fil("backup.db")).await.unwrap();
    stop.store(true, Ordering::SeqCst);
    let written = writer.await.unwrap();
    assert!(written > before + 1, "writes went on during the backup ({before} before, {written} in all)");

    let restored = SqliteStore::restore(&mappe.fil("backup.db"), &mappe.fil("gendannet.db")).await.unwrap();
    let events = restored.store.audit_events(u32::MAX).await.unwrap();
    let ids: std::collections::BTreeSet<i64> =
        events.iter().filter(|e| e.event.action == "belastning").map(|e| e.event.object_id.parse().unwrap()).collect();
    assert!((0..=before).all(|i| ids.contains(&i)), "every write acknowledged before the backup is in it");
    assert_eq!(ids.len() as i64, ids.last().unwrap() + 1, "and the backup is one consistent moment: no gaps");
    assert_eq!(restored.store.stats().await.unwrap(), app.store().stats().await.unwrap());
    assert!(restored.skemaversion >= 13);
    // The restored database is a working one.
    let url = format!("sqlite://{}", mappe.fil("gendannet.db").display());
    let reopened = app::App::new(Arc::new(SqliteStore::connect(&url).await.unwrap()), app::AppSettings::default());
    assert!(matches!(
        reopened.login("boligorg", demo::DEMO_PASSWORD).await.unwrap(),
        app::LoginOutcome::Success { .. }
    ));
}

#[tokio::test]
async fn damaged_incomplete_and_newer_backups_are_refused_and_nothing_is_overwritten() {
    let mappe = Mappe::new();
    let (store, _app) = database(&mappe).await;
    let backup = mappe.fil("backup.db");
    store.backup(&backup).await.unwrap();
    let original = std::fs::read(&backup).unwrap();
    SqliteStore::verify_file(&backup).await.unwrap();

    // A second backup to the same file is refused, and the first is untouched.
    assert!(ubrugelig(store.backup(&backup).await).contains("findes allerede"));
    assert_eq!(std::fs::read(&backup).unwrap(), original);

    // Interrupted: only the first half was written.
    let halv = mappe.fil("halv.db");
    std::fs::write(&halv, &original[..original.len() / 2]).unwrap();
    let message = ubrugelig(SqliteStore::verify_file(&halv).await);
    assert!(message.contains("halv.db"), "{message}");
    // Damaged: a page in the middle overwritten.
    let skadet = mappe.fil("skadet.db");
    let mut bytes = original.clone();
    let midt = (bytes.len() / 4096 / 2) * 4096;
    bytes[midt..midt + 4096].fill(0xA5);
    std::fs::write(&skadet, &bytes).unwrap();
    assert!(ubrugelig(SqliteStore::verify_file(&skadet).await).contains("skadet.db"));
    // Not a database at all.
    let tekst = mappe.fil("tekst.db");
    std::fs::write(&tekst, "organisation;afdeling\n1;2\n".repeat(500)).unwrap();
    assert!(ubrugelig(SqliteStore::verify_file(&tekst).await).contains("ikke en brugbar SQLite-database"));
    // From a newer release: a migration this one does not know.
    let nyere = mappe.fil("nyere.db");
    std::fs::write(&nyere, &original).unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", nyere.display())).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99999, 'fremtiden', TRUE, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert!(ubrugelig(SqliteStore::verify_file(&nyere).await).contains("nyere udgave"));
    let target = mappe.fil("maal.db");
    assert!(ubrugelig(SqliteStore::restore(&nyere, &target).await).contains("nyere udgave"));
    assert!(!target.exists(), "a refused restore leaves nothing behind");

    // A restore never replaces a database that is there.
    let existing = mappe.fil("styringsdialog.db");
    let before = std::fs::metadata(&existing).unwrap().len();
    assert!(ubrugelig(SqliteStore::restore(&backup, &existing).await).contains("findes allerede"));
    assert_eq!(std::fs::metadata(&existing).unwrap().len(), before);
    assert!(no_partial_files(&mappe.0), "no half-written files are left");

    // A database whose schema is behind this release is not ready to serve.
    assert!(store.klar().await.unwrap() >= 13, "the running database is ready");
    let bagud = mappe.fil("bagud.db");
    std::fs::write(&bagud, &original).unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", bagud.display())).await.unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let behind = SqliteStore::verify_file(&bagud).await.unwrap().store;
    assert!(matches!(behind.klar().await, Err(StoreError::Ubrugelig(m)) if m.contains("ikke")));
}

fn no_partial_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().ends_with(".delvis"))
}
