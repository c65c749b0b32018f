//! The conformance suite: behaviour every engine must show. Each function gets a fresh,
//! migrated, empty store; `testkit` runs them all against the engine under test.

use chrono::{NaiveDate, TimeZone, Utc};
use domain::access::Role;
use domain::master::{
    Afdeling, AfdelingData, AfdelingId, Boliger, NewOrganisation, OrganisationId, OrganisationKind, Rapporttype,
};
use domain::noegletal::OrganisationPost;
use domain::package::PakkeStatus;
use domain::period::Regnskabsperiode;
use domain::reference::kommuner_og_regioner;
use domain::registre::*;
use domain::template::Svar;
use domain::{AfdelingNummer, Kommunekode, OrganisationNummer, Styringsaar};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use store::*;

fn at(day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
}

fn audit(action: &str) -> AuditEvent {
    AuditEvent {
        at: at(1),
        actor: None,
        action: action.into(),
        object_type: "test".into(),
        object_id: "1".into(),
        details: serde_json::json!({}),
    }
}

fn k(code: i64) -> Kommunekode {
    Kommunekode::new(code).unwrap()
}

fn nr(n: i64) -> OrganisationNummer {
    OrganisationNummer::new(n).unwrap()
}

fn aar() -> Styringsaar {
    Styringsaar::new(2026).unwrap()
}

fn afdeling(n: i64, kommune: i64, familie: u32) -> AfdelingData {
    AfdelingData {
        nummer: AfdelingNummer::new(n).unwrap(),
        navn: format!("Afdeling {n}"),
        adresse: "Testvej 1".into(),
        kommune: k(kommune),
        familie: Boliger { antal: familie, m2: familie * 80 },
        aeldre: Boliger::default(),
        ungdom: Boliger { antal: 2, m2: 90 },
        erhverv_m2: 0,
        institution_m2: 0,
        garager: 5,
        ibrugtagningsaar: 1975,
        under_opfoerelse: false,
        afdelingsbestyrelse: true,
    }
}

/// A CVR number of the test data.
fn cvr(n: u32) -> domain::Cvr {
    domain::Cvr::i_serie(3_000_000, n)
}

/// Two organisations (one administering the other) with three afdelinger and accounts.
pub fn sample_data() -> BulkData {
    let periode = Regnskabsperiode::for_styringsaar(aar(), 1).unwrap();
    BulkData {
        organisationer: vec![
            NewOrganisation {
                nummer: nr(900),
                navn: "Administrationsselskabet".into(),
                kind: OrganisationKind::Administration,
                hjemstedskommune: k(101),
                administrator: None,
                regnskabsaar_start_maaned: 1,
                cvr: Some(cvr(1)),
            },
            NewOrganisation {
                nummer: nr(10),
                navn: "Boligselskabet Test".into(),
                kind: OrganisationKind::EgneAfdelinger,
                hjemstedskommune: k(101),
                administrator: Some(nr(900)),
                regnskabsaar_start_maaned: 1,
                cvr: Some(cvr(2)),
            },
        ],
        afdelinger: vec![
            (nr(10), afdeling(1, 101, 100)),
            (nr(10), afdeling(2, 147, 40)),
            (nr(10), afdeling(3, 101, 10)),
        ],
        perioder: vec![PeriodeRaekke { organisation: nr(10), periode }],
        afdeling_konti: vec![AfdelingKontoRaekke {
            organisation: nr(10),
            afdeling: AfdelingNummer::new(1).unwrap(),
            styringsaar: aar(),
            konto: "112.1".into(),
            beloeb_oere: 12_345_678,
        }],
        organisation_poster: vec![OrganisationPostRaekke {
            organisation: nr(10),
            styringsaar: aar(),
            post: OrganisationPost::Administrationsbidrag,
            beloeb_oere: 50_000_000,
        }],
        boligtal: vec![BoligtalRaekke {
            organisation: nr(10),
            afdeling: AfdelingNummer::new(1).unwrap(),
            styringsaar: aar(),
            boligtype: domain::master::Boligtype::Familie,
            fraflytninger: 9,
            ledige: 1,
            aarsleje_oere_pr_m2: 90_000,
        }],
        udlejninger: vec![UdlejningRaekke {
            organisation: nr(10),
            styringsaar: aar(),
            kommune: k(101),
            redskab: Udlejningsredskab::Venteliste,
            antal: 8,
        }],
        afdeling_udlejninger: vec![AfdelingUdlejningRaekke {
            organisation: nr(10),
            afdeling: AfdelingNummer::new(1).unwrap(),
            styringsaar: aar(),
            redskab: Udlejningsredskab::Venteliste,
            antal: 8,
        }],
        klager: vec![KlageRaekke {
            organisation: nr(10),
            styringsaar: aar(),
            kategori: KlageKategori::Husorden,
            afgjorte: 2,
            tabte: 1,
        }],
        arbejdsmarked: vec![ArbejdsmarkedRaekke {
            organisation: nr(10),
            afdeling: AfdelingNummer::new(1).unwrap(),
            styringsaar: aar(),
            uden_for_promille: 300,
        }],
        kommune_arbejdsmarked: vec![KommuneArbejdsmarkedRaekke {
            kommune: k(101),
            styringsaar: aar(),
            uden_for_promille: 250,
        }],
    }
}

async fn loaded(store: &Arc<dyn Store>) {
    let (regioner, kommuner) = kommuner_og_regioner().unwrap();
    store.replace_reference(&regioner, &kommuner).await.unwrap();
    store.load_bulk(&sample_data(), &|_| {}).await.unwrap();
}

async fn user(store: &Arc<dyn Store>, name: &str) -> domain::access::UserId {
    let new = NewUser {
        username: name.into(),
        display_name: name.to_uppercase(),
        email: None,
        password_hash: "$argon2id$x".into(),
        role: Role::Organisation,
        kommune: None,
        organisationer: vec![],
        created_at: at(1),
        ekstern_id: None,
        cvr: None,
    };
    store.create_user(&new, &audit("bruger_oprettet")).await.unwrap()
}

/// A session of a new user of `kommune`; its token hash.
async fn kommune_session(store: &Arc<dyn Store>, kommune: Kommunekode) -> String {
    let new = NewUser {
        username: format!("kommune-{kommune}"),
        display_name: "Kommunen".into(),
        email: None,
        password_hash: "$argon2id$x".into(),
        role: Role::Kommune,
        kommune: Some(kommune),
        organisationer: vec![],
        created_at: at(1),
        ekstern_id: None,
        cvr: None,
    };
    session_of(store, &new).await
}

/// A session of a new organisation user of `organisationer`; its token hash.
async fn organisation_session(store: &Arc<dyn Store>, navn: &str, organisationer: Vec<OrganisationId>) -> String {
    let new = NewUser {
        username: navn.into(),
        display_name: navn.to_uppercase(),
        email: None,
        password_hash: "$argon2id$x".into(),
        role: Role::Organisation,
        kommune: None,
        organisationer,
        created_at: at(1),
        ekstern_id: None,
        cvr: None,
    };
    session_of(store, &new).await
}

/// A session of the new user `new`; its token hash.
async fn session_of(store: &Arc<dyn Store>, new: &NewUser) -> String {
    let user_id = store.create_user(new, &audit("bruger_oprettet")).await.unwrap();
    let token_hash = format!("{}-token", new.username);
    let session = SessionRecord {
        token_hash: token_hash.clone(),
        user_id,
        csrf_token: "c".into(),
        created_at: at(1),
        expires_at: at(2),
        id_token: None,
    };
    store.create_session(&session, &audit("login")).await.unwrap();
    token_hash
}

async fn new_package(store: &Arc<dyn Store>) -> PakkeId {
    let org = store.organisation_by_nummer(nr(10)).await.unwrap().unwrap();
    let new = NewPakke {
        organisation: org.id,
        styringsaar: aar(),
        rapporttype: Rapporttype::Bilag3,
        periode: Regnskabsperiode::for_styringsaar(aar(), 1).unwrap(),
        frist: NaiveDate::from_ymd_opt(2026, 6, 30),
        created_at: at(1),
    };
    store.create_pakke(&new, &audit("pakke_oprettet")).await.unwrap().0
}

fn transition(pakke: PakkeId, from: PakkeStatus, to: PakkeStatus, by: domain::access::UserId) -> Transition {
    Transition {
        pakke,
        from,
        to,
        haendelse: domain::package::PakkeHaendelse::Indsend,
        by,
        at: at(2),
        begrundelse: Some("fordi".into()),
        frist: None,
        revision: None,
    }
}

pub async fn reference_and_bulk_load_round_trip(store: Arc<dyn Store>) {
    loaded(&store).await;
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.regioner, stats.kommuner, stats.organisationer, stats.afdelinger), (5, 98, 2, 3));
    assert_eq!(stats.boliger, 100 + 40 + 10 + 6);
    assert_eq!(stats.afdeling_kontolinjer, 1);
    let org = store.organisation_by_nummer(nr(10)).await.unwrap().unwrap();
    let admin = store.organisation_by_nummer(nr(900)).await.unwrap().unwrap();
    assert_eq!(org.administrator, Some(admin.id));
    assert_eq!(store.administered_by(admin.id).await.unwrap(), vec![org.id]);
    let afdelinger = store.afdelinger(org.id).await.unwrap();
    assert_eq!(afdelinger.len(), 3);
    assert_eq!(afdelinger[1].data, afdeling(2, 147, 40));
    let regnskab = store.organisation_regnskab(org.id, aar()).await.unwrap();
    assert_eq!(regnskab.get(&OrganisationPost::Administrationsbidrag), Some(&50_000_000));
    assert_eq!(store.regnskabsperioder(org.id).await.unwrap()[0].styringsaar, aar());
    assert_eq!(
        store.organisationer().await.unwrap().iter().map(|o| o.nummer).collect::<Vec<_>>(),
        vec![nr(10), nr(900)]
    );
}

pub async fn a_failed_bulk_load_changes_nothing(store: Arc<dyn Store>) {
    let (regioner, kommuner) = kommuner_og_regioner().unwrap();
    store.replace_reference(&regioner, &kommuner).await.unwrap();
    let mut data = sample_data();
    // An account line for an afdeling that does not exist fails the whole load.
    data.afdeling_konti[0].afdeling = AfdelingNummer::new(99).unwrap();
    assert!(store.load_bulk(&data, &|_| {}).await.is_err());
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.organisationer, stats.afdelinger), (0, 0));
}

pub async fn users_sessions_and_audit(store: Arc<dyn Store>) {
    loaded(&store).await;
    let id = user(&store, "anna").await;
    // Templates loaded by the agency: insert-only, an existing version is never replaced.
    let skabelon = SkabelonRecord {
        skema: domain::template::Skema::Bilag3,
        styringsaar: 2027,
        version: 2,
        tekst: "skema = \"bilag3\"".into(),
        loaded_by: id,
        loaded_at: at(1),
    };
    store.add_skabelon(&skabelon, &audit("skabelon_indlaest")).await.unwrap();
    let replacement = SkabelonRecord { tekst: "ændret".into(), ..skabelon.clone() };
    assert!(matches!(store.add_skabelon(&replacement, &audit("x")).await, Err(StoreError::Stale)));
    assert_eq!(store.skabeloner().await.unwrap(), vec![skabelon]);
    let dup = NewUser {
        username: "anna".into(),
        display_name: "x".into(),
        email: None,
        password_hash: "h".into(),
        role: Role::Styrelse,
        kommune: None,
        organisationer: vec![],
        created_at: at(1),
        ekstern_id: None,
        cvr: None,
    };
    assert!(matches!(store.create_user(&dup, &audit("x")).await, Err(StoreError::Conflict(_))));
    let session = SessionRecord {
        token_hash: "abc".into(),
        user_id: id,
        csrf_token: "c".into(),
        created_at: at(1),
        expires_at: at(2),
        id_token: Some("hint".into()),
    };
    store.create_session(&session, &audit("login")).await.unwrap();
    assert_eq!(store.user(id).await.unwrap().unwrap().last_login, Some(at(1)), "a session records the login");
    assert_eq!(store.session("abc").await.unwrap().map(|(s, u)| (s, u.id)), Some((session, id)));
    // The cache stamps read with the session are the stamps, and move with what they stamp.
    let stempler = |s: Option<store::SessionLaest>| s.map(|l| l.stempler);
    let foer = store.cache_stempler().await.unwrap();
    assert_eq!(stempler(store.session_og_stempler("abc", Medlaesning::default()).await.unwrap()), Some(foer));
    // No package asked about, or one that does not exist: no revision. An organisation user
    // acting for no organisation: the fingerprint of no packages, as the store reads it.
    let med = Medlaesning { pakke: Some(store::PakkeId(i64::MAX)), oversigtens_pakker: true };
    let laest = store.session_og_stempler("abc", med).await.unwrap().unwrap();
    let ingen = store.organisationernes_pakkestempel(&[]).await.unwrap();
    assert_eq!((laest.pakke_revision, laest.oversigtens_pakker), (None, Some(ingen)));
    assert_eq!(laest.session.token_hash, "abc");
    let naeste = SkabelonRecord { version: 3, ..store.skabeloner().await.unwrap().remove(0) };
    store.add_skabelon(&naeste, &audit("skabelon_indlaest")).await.unwrap();
    let efter = store.cache_stempler().await.unwrap();
    assert!(efter.skabeloner > foer.skabeloner, "a template moves its stamp");
    assert_eq!(stempler(store.session_og_stempler("abc", Medlaesning::default()).await.unwrap()), Some(efter));
    store.set_user_disabled(id, true, &audit("bruger_deaktiveret")).await.unwrap();
    assert!(store.user(id).await.unwrap().unwrap().disabled);
    assert_eq!(store.session("abc").await.unwrap(), None, "disabling ends sessions");
    let events = store.audit_events(10).await.unwrap();
    assert_eq!(events.first().unwrap().event.action, "bruger_deaktiveret", "newest first");
    assert!(events.iter().any(|e| e.event.action == "login"));
}

/// A batch written in one transaction appends its audit events in the batch's order, each
/// with its own actor and details (PostgreSQL writes them as arrays in one statement).
pub async fn a_batch_appends_its_audit_events_in_order(store: Arc<dyn Store>) {
    loaded(&store).await;
    let by = user(&store, "revisor").await;
    let org = store.organisation_by_nummer(nr(10)).await.unwrap().unwrap();
    let years = [aar().previous().previous(), aar(), aar().previous()];
    let batch: Vec<(NewPakke, AuditEvent)> = years
        .iter()
        .enumerate()
        .map(|(i, year)| {
            let new = NewPakke {
                organisation: org.id,
                styringsaar: *year,
                rapporttype: Rapporttype::Bilag3,
                periode: Regnskabsperiode::for_styringsaar(*year, 1).unwrap(),
                frist: None,
                created_at: at(1),
            };
            let event = AuditEvent {
                actor: (i == 1).then_some(by),
                details: serde_json::json!({ "nummer": i }),
                ..audit(&format!("oprettet_{i}"))
            };
            (new, event)
        })
        .collect();
    let created = store.create_pakker(&batch).await.unwrap();
    let newest_first = store.audit_events(3).await.unwrap();
    let got: Vec<(String, Option<domain::access::UserId>, serde_json::Value, String)> = newest_first
        .into_iter()
        .rev()
        .map(|r| (r.event.action, r.event.actor, r.event.details, r.event.object_id))
        .collect();
    let expected: Vec<_> = batch
        .iter()
        .zip(&created)
        .map(|((_, a), (id, _))| (a.action.clone(), a.actor, a.details.clone(), id.0.to_string()))
        .collect();
    assert_eq!(got, expected, "the batch's audit events, in its order");
}

pub async fn package_creation_is_idempotent(store: Arc<dyn Store>) {
    loaded(&store).await;
    let first = new_package(&store).await;
    let org = store.organisation_by_nummer(nr(10)).await.unwrap().unwrap();
    let again = NewPakke {
        organisation: org.id,
        styringsaar: aar(),
        rapporttype: Rapporttype::Bilag3,
        periode: Regnskabsperiode::for_styringsaar(aar(), 1).unwrap(),
        frist: None,
        created_at: at(3),
    };
    assert_eq!(store.create_pakke(&again, &audit("x")).await.unwrap(), (first, false));
    let p = store.pakke(first).await.unwrap().unwrap();
    assert_eq!(p.status, PakkeStatus::Kladde);
    assert_eq!(p.frist, NaiveDate::from_ymd_opt(2026, 6, 30));
    assert_eq!(store.pakker_for_organisationer(&[org.id]).await.unwrap().len(), 1);
}

pub async fn submission_freezes_a_version_and_routes_it(store: Arc<dyn Store>) {
    loaded(&store).await;
    let by = user(&store, "bo").await;
    let id = new_package(&store).await;
    let svar = vec![("b3.q1".to_string(), Svar { ja: Some(false), ..Svar::default() })];
    let sektion: Vec<String> = svar.iter().map(|(k, _)| k.clone()).collect();
    let change = SvarChange {
        pakke: id,
        expected_status: PakkeStatus::Kladde,
        sektion: sektion.clone(),
        expected_revision: Revision(0),
        svar: svar.clone(),
        by,
        at: at(2),
    };
    store.save_svar(&change, &audit("svar_gemt")).await.unwrap();
    // A colleague who opened the section before that save is refused, not silently applied.
    assert!(matches!(store.save_svar(&change, &audit("svar_gemt")).await, Err(StoreError::Stale)));
    let saved = store.svar(id).await.unwrap();
    let seen = saved.values().map(|r| r.revision).max().unwrap();
    assert!(seen > Revision(0));
    // Saving from the current revision works, and another section is independent of it.
    store.save_svar(&SvarChange { expected_revision: seen, ..change.clone() }, &audit("svar_gemt")).await.unwrap();
    let other = SvarChange {
        sektion: vec!["andet".into()],
        expected_revision: Revision(0),
        svar: vec![("andet".into(), Svar::default())],
        ..change.clone()
    };
    store.save_svar(&other, &audit("svar_gemt")).await.unwrap();
    // Many answers in one save (written a chunk at a time), one of them named twice: the last
    // answer given is kept.
    let mange: Vec<(String, Svar)> = (0..40)
        .map(|i| (format!("afd.{i}.q"), Svar::tekst(&format!("svar {i}"))))
        .chain([("afd.3.q".to_string(), Svar::tekst("rettet"))])
        .collect();
    let mange = SvarChange {
        sektion: mange.iter().map(|(k, _)| k.clone()).collect(),
        expected_revision: Revision(0),
        svar: mange,
        ..change.clone()
    };
    store.save_svar(&mange, &audit("svar_gemt")).await.unwrap();
    let gemt = store.svar(id).await.unwrap();
    assert_eq!(gemt.keys().filter(|k| k.starts_with("afd.")).count(), 40);
    assert_eq!(gemt["afd.3.q"].svar.tekst, "rettet");
    assert_eq!(gemt["afd.39.q"].svar.tekst, "svar 39");
    assert!(store.pakker_for_kommune(k(101)).await.unwrap().is_empty(), "drafts are never routed");
    let (kladde, ingen) = store.pakke_med_modtagere(id).await.unwrap().unwrap();
    assert!(ingen.is_empty(), "a draft has no recipients");
    let revision = kladde.revision;
    assert_eq!(store.pakke(id).await.unwrap().unwrap().revision, revision);
    // The fingerprint of a kommune's packages: the draft's, for its hjemstedskommune and the
    // kommune of one of its afdelinger, not for another kommune; the submission moves it.
    let foer = store.kommunens_pakkestempel(k(101)).await.unwrap();
    assert_eq!((foer.antal, foer.revisioner), (1, revision.0));
    assert_eq!(store.kommunens_pakkestempel(k(147)).await.unwrap(), foer);
    assert_eq!(store.kommunens_pakkestempel(k(851)).await.unwrap(), PakkeStempel::default());
    // A kommune user's session brings the same value along when asked, and only then.
    let kommunens = kommune_session(&store, k(101)).await;
    let med = Medlaesning { oversigtens_pakker: true, ..Medlaesning::default() };
    let laest = store.session_og_stempler(&kommunens, med).await.unwrap().unwrap();
    assert_eq!(laest.oversigtens_pakker, Some(foer));
    let uden = store.session_og_stempler(&kommunens, Medlaesning::default()).await.unwrap().unwrap();
    assert_eq!(uden.oversigtens_pakker, None);
    // The fingerprint of organisations' packages: the draft's for its organisation, also
    // through the administration organisation that acts for it; the same value with the
    // session of a user of either, and nothing of another organisation's.
    let org = store.pakke(id).await.unwrap().unwrap().organisation;
    let admin = store.organisation_by_nummer(nr(900)).await.unwrap().unwrap().id;
    let egne = store.organisationernes_pakkestempel(&[org]).await.unwrap();
    assert_eq!(egne, foer);
    assert_eq!(store.organisationernes_pakkestempel(&[admin, org]).await.unwrap(), foer);
    assert_eq!(store.organisationernes_pakkestempel(&[admin]).await.unwrap(), PakkeStempel::default());
    assert_eq!(store.organisationernes_pakkestempel(&[]).await.unwrap(), PakkeStempel::default());
    let organisationens = organisation_session(&store, "bo-egen", vec![org]).await;
    let administrationens = organisation_session(&store, "bo-admin", vec![admin]).await;
    for token in [&organisationens, &administrationens] {
        let laest = store.session_og_stempler(token, med).await.unwrap().unwrap();
        assert_eq!(laest.oversigtens_pakker, Some(foer), "{token}");
        let uden = store.session_og_stempler(token, Medlaesning::default()).await.unwrap().unwrap();
        assert_eq!(uden.oversigtens_pakker, None);
    }
    // A submission validated at an older revision is refused: answers changed since.
    let outdated = Submission {
        transition: transition(id, PakkeStatus::Kladde, PakkeStatus::Indsendt, by),
        revision: Revision(revision.0 - 1),
        idempotency_key: "key-0".into(),
        svar: BTreeMap::new(),
        modtagere: vec![],
        late: false,
        expected_version: 1,
        bilag: vec![],
        mails: vec![],
        bestyrelse_godkendt: None,
    };
    assert!(matches!(store.submit(&outdated, &audit("x")).await, Err(StoreError::Stale)));
    let submission = Submission {
        transition: transition(id, PakkeStatus::Kladde, PakkeStatus::Indsendt, by),
        revision,
        idempotency_key: "key-1".into(),
        svar: svar.into_iter().collect(),
        modtagere: vec![k(101), k(147)],
        late: false,
        expected_version: 1,
        bilag: vec![],
        mails: vec![NewMail {
            reference: format!("kvittering/{}/1", id.0),
            til: "bo@example.invalid".into(),
            emne: "Kvittering".into(),
            tekst: "Indsendt".into(),
            oprettet: at(3),
            vedhaeftning: None,
        }],
        bestyrelse_godkendt: Some(chrono::NaiveDate::from_ymd_opt(2026, 5, 20).unwrap()),
    };
    let v1 = store.submit(&submission, &audit("pakke_indsendt")).await.unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(v1.bestyrelse_godkendt, submission.bestyrelse_godkendt, "the board's approval is kept");
    assert_eq!(store.versions(id).await.unwrap()[0].bestyrelse_godkendt, submission.bestyrelse_godkendt);
    // The same key again returns the same version and changes nothing.
    assert_eq!(store.submit(&submission, &audit("pakke_indsendt")).await.unwrap(), v1);
    assert_eq!(store.versions(id).await.unwrap().len(), 1);
    // The receipt is enqueued with the submission, once.
    let outbox = store.udbakke(Side::new(1, 10)).await.unwrap().raekker;
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0].mail.til.as_str(), outbox[0].sendt), ("bo@example.invalid", None));
    assert_eq!(store.modtagere(id).await.unwrap(), vec![k(101), k(147)]);
    let ukendt = store::PakkeId(id.0 + 1_000_000);
    assert_eq!(store.modtagere_for(&[ukendt, id]).await.unwrap(), vec![(id, k(101)), (id, k(147))]);
    assert!(store.modtagere_for(&[]).await.unwrap().is_empty());
    let (indsendt, modtagere) = store.pakke_med_modtagere(id).await.unwrap().unwrap();
    assert_eq!((indsendt.status, modtagere), (PakkeStatus::Indsendt, vec![k(101), k(147)]));
    let efter = store.kommunens_pakkestempel(k(101)).await.unwrap();
    assert_ne!(efter, foer, "a submission moves the fingerprint");
    assert_eq!(efter.revisioner, indsendt.revision.0);
    assert_eq!(store.kommunens_pakkestempel(k(147)).await.unwrap(), efter);
    let laest = store.session_og_stempler(&kommunens, med).await.unwrap().unwrap();
    assert_eq!(laest.oversigtens_pakker, Some(efter));
    assert_eq!(store.organisationernes_pakkestempel(&[org]).await.unwrap(), efter);
    let laest = store.session_og_stempler(&administrationens, med).await.unwrap().unwrap();
    assert_eq!(laest.oversigtens_pakker, Some(efter), "a submission moves the organisation's fingerprint");
    assert_eq!(store.pakker_for_kommune(k(147)).await.unwrap().len(), 1);
    assert!(store.pakker_for_kommune(k(851)).await.unwrap().is_empty());
    // Answers cannot be saved into a submitted package.
    let late = SvarChange { expected_status: PakkeStatus::Kladde, ..change };
    assert!(matches!(store.save_svar(&late, &audit("x")).await, Err(StoreError::Stale)));
    // Return and resubmit: a new version; the first one is kept unchanged.
    store
        .transition(&transition(id, PakkeStatus::Indsendt, PakkeStatus::Returneret, by), &[], &audit("x"))
        .await
        .unwrap();
    let resubmission = Submission {
        transition: transition(id, PakkeStatus::Returneret, PakkeStatus::Indsendt, by),
        revision: store.pakke(id).await.unwrap().unwrap().revision,
        idempotency_key: "key-2".into(),
        expected_version: 2,
        mails: vec![],
        ..submission
    };
    assert_eq!(store.submit(&resubmission, &audit("x")).await.unwrap().version, 2);
    let versions = store.versions(id).await.unwrap();
    assert_eq!(versions[0], v1);
    let history = store.haendelser(id).await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[1].begrundelse.as_deref(), Some("fordi"));
    assert_eq!(history[1].by_name, "BO");
}

/// Saves made at once (on SQLite they share transactions) are each checked as if alone:
/// every section saved from the revision its editor read lands; of the editors who all read
/// one section at the same revision, exactly one lands and the others are refused; each
/// save that lands has its audit event, and the package's revision counts every one of them.
/// Needs a runtime with worker threads, so the saves really meet.
pub async fn saves_made_at_once_are_each_checked_alone(store: Arc<dyn Store>) {
    loaded(&store).await;
    let by = user(&store, "bo").await;
    let id = new_package(&store).await;
    let org = store.organisation_by_nummer(nr(10)).await.unwrap().unwrap();
    let andet_aar = NewPakke {
        organisation: org.id,
        styringsaar: aar().previous(),
        rapporttype: Rapporttype::Bilag3,
        periode: Regnskabsperiode::for_styringsaar(aar().previous(), 1).unwrap(),
        frist: None,
        created_at: at(1),
    };
    let anden = store.create_pakke(&andet_aar, &audit("pakke_oprettet")).await.unwrap().0;
    let save = |pakke: PakkeId, sektion: String, tekst: String| SvarChange {
        pakke,
        expected_status: PakkeStatus::Kladde,
        sektion: vec![sektion.clone()],
        expected_revision: Revision(0),
        svar: vec![(sektion, Svar::tekst(&tekst))],
        by,
        at: at(2),
    };
    // 20 sections of each package, each by its own editor; 10 editors of one shared section.
    let mut saves: Vec<(SvarChange, bool)> = Vec::new();
    for i in 0..20 {
        saves.push((save(id, format!("egen.{i}"), format!("svar {i}")), true));
        saves.push((save(anden, format!("egen.{i}"), format!("andet aar {i}")), true));
    }
    for i in 0..10 {
        saves.push((save(id, "faelles".into(), format!("redaktør {i}")), false));
    }
    let gemt_audit = |events: Vec<AuditRecord>| events.iter().filter(|e| e.event.action == "samtidig_gemt").count();
    let revision = |pakke| {
        let store = store.clone();
        async move { store.pakke(pakke).await.unwrap().unwrap().revision }
    };
    let (foer, foer_anden) = (revision(id).await, revision(anden).await);
    let tasks: Vec<_> = saves
        .into_iter()
        .map(|(change, alone)| {
            let store = store.clone();
            tokio::spawn(async move { (store.save_svar(&change, &audit("samtidig_gemt")).await, change, alone) })
        })
        .collect();
    let mut landed = 0;
    let mut faelles = Vec::new();
    for task in tasks {
        let (outcome, change, alone) = task.await.unwrap();
        match outcome {
            Ok(_) => {
                landed += 1;
                if !alone {
                    faelles.push(change.svar[0].1.tekst.clone());
                }
            }
            Err(StoreError::Stale) => assert!(!alone, "a section only one editor saved was refused"),
            Err(e) => panic!("save failed: {e}"),
        }
    }
    assert_eq!(faelles.len(), 1, "exactly one of the editors of the shared section lands");
    assert_eq!(landed, 41);
    let gemt = store.svar(id).await.unwrap();
    assert_eq!(gemt["faelles"].svar.tekst, faelles[0]);
    assert_eq!(gemt["egen.7"].svar.tekst, "svar 7");
    assert_eq!(store.svar(anden).await.unwrap()["egen.19"].svar.tekst, "andet aar 19");
    // Revisions: 21 saves of the package, 20 of the other; each answer carries the revision
    // its save gave the package.
    let revisioner: BTreeSet<i64> = gemt.values().map(|r| r.revision.0).collect();
    assert_eq!(revisioner, (foer.0 + 1..=foer.0 + 21).collect(), "every save that landed has a revision of its own");
    assert_eq!(revision(id).await, Revision(foer.0 + 21));
    assert_eq!(revision(anden).await, Revision(foer_anden.0 + 20));
    assert_eq!(gemt_audit(store.audit_events(1000).await.unwrap()), 41, "one audit event per save that landed");
}

pub async fn transitions_are_compare_and_set(store: Arc<dyn Store>) {
    loaded(&store).await;
    let by = user(&store, "bo").await;
    let id = new_package(&store).await;
    let wrong = transition(id, PakkeStatus::Indsendt, PakkeStatus::Modtaget, by);
    assert!(matches!(store.transition(&wrong, &[], &audit("x")).await, Err(StoreError::Stale)));
    assert_eq!(store.pakke(id).await.unwrap().unwrap().status, PakkeStatus::Kladde);
    assert!(store.haendelser(id).await.unwrap().is_empty());
}

pub async fn a_published_redegoerelse_is_immutable(store: Arc<dyn Store>) {
    loaded(&store).await;
    let by = user(&store, "kim").await;
    let id = new_package(&store).await;
    let mut tekst = RedegoerelseTekst::new();
    tekst.insert("sammenfatning".into(), "Første udkast".into());
    let draft = NewRedegoerelse { pakke: id, tekst: tekst.clone(), by, at: at(3) };
    // No redegørelse before the meeting is held.
    assert!(matches!(store.save_redegoerelse(&draft, &audit("x")).await, Err(StoreError::Stale)));
    for (from, to) in [
        (PakkeStatus::Kladde, PakkeStatus::Indsendt),
        (PakkeStatus::Indsendt, PakkeStatus::Modtaget),
        (PakkeStatus::Modtaget, PakkeStatus::MoedeAfholdt),
    ] {
        store.transition(&transition(id, from, to, by), &[], &audit("x")).await.unwrap();
    }
    assert_eq!(store.save_redegoerelse(&draft, &audit("x")).await.unwrap().revision, Revision(1));
    tekst.insert("sammenfatning".into(), "Andet udkast".into());
    let second = NewRedegoerelse { tekst, ..draft.clone() };
    assert_eq!(store.save_redegoerelse(&second, &audit("x")).await.unwrap().revision, Revision(2));
    let publish = transition(id, PakkeStatus::MoedeAfholdt, PakkeStatus::RedegoerelseOffentliggjort, by);
    // Publishing an older revision is refused.
    assert!(store.publish_redegoerelse(id, Revision(1), at(4), &publish, &audit("x")).await.is_err());
    store.publish_redegoerelse(id, Revision(2), at(4), &publish, &audit("offentliggjort")).await.unwrap();
    assert!(matches!(store.save_redegoerelse(&draft, &audit("x")).await, Err(StoreError::Stale)));
    let org = store.organisation_by_nummer(nr(10)).await.unwrap().unwrap();
    let published = store.published_redegoerelser(org.id).await.unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].tekst["sammenfatning"], "Andet udkast");
    // Every revision is kept.
    assert_eq!(store.redegoerelser(id).await.unwrap().len(), 2);
}

pub async fn meetings_are_recorded_with_their_transition(store: Arc<dyn Store>) {
    loaded(&store).await;
    let by = user(&store, "kim").await;
    let id = new_package(&store).await;
    let moede = NewMoede {
        pakke: id,
        dato: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        deltagere: "A, B".into(),
        by,
        at: at(5),
        dialogmoede: None,
        bilateral: true,
        kommune: Some(k(101)),
    };
    // Not allowed from a draft: nothing is written.
    let bad = transition(id, PakkeStatus::Modtaget, PakkeStatus::MoedeAfholdt, by);
    let moede = std::slice::from_ref(&moede);
    assert!(store.record_moeder(moede, std::slice::from_ref(&bad), &audit("x")).await.is_err());
    assert!(store.moeder(id).await.unwrap().is_empty());
    store.transition(&transition(id, PakkeStatus::Kladde, PakkeStatus::Indsendt, by), &[], &audit("x")).await.unwrap();
    store
        .transition(&transition(id, PakkeStatus::Indsendt, PakkeStatus::Modtaget, by), &[], &audit("x"))
        .await
        .unwrap();
    store.record_moeder(moede, &[bad], &audit("moede")).await.unwrap();
    let held = store.moeder(id).await.unwrap();
    assert_eq!((held[0].deltagere.as_str(), held[0].kommune), ("A, B", Some(k(101))));
    let counts = store.pakke_status_counts(aar()).await.unwrap();
    assert_eq!(counts, vec![StatusCount { kommune: k(101), status: PakkeStatus::MoedeAfholdt, antal: 1 }]);
}

pub async fn reset_empties_everything_but_the_audit_log(store: Arc<dyn Store>) {
    loaded(&store).await;
    user(&store, "x").await;
    new_package(&store).await;
    let before = store.audit_events(1000).await.unwrap().len();
    store.reset(&audit("demo_nulstillet")).await.unwrap();
    assert_eq!(store.stats().await.unwrap(), Stats::default());
    let after = store.audit_events(1000).await.unwrap();
    assert_eq!(after.len(), before + 1, "the audit log survives a reset");
    assert_eq!(after[0].event.action, "demo_nulstillet");
}

fn mail(reference: &str) -> NewMail {
    NewMail {
        reference: reference.into(),
        til: "bo@example.invalid".into(),
        emne: "Påmindelse".into(),
        tekst: "Fristen nærmer sig".into(),
        oprettet: at(1),
        vedhaeftning: Some(Vedhaeftning {
            navn: "moede.ics".into(),
            indhold: "BEGIN:VCALENDAR".into(),
            art: store::VedhaeftningArt::Kalender,
        }),
    }
}

/// The outbox: a mail is claimed once, a refused delivery waits for its next try, and a claim
/// left by a dead sender is never handed out again.
pub async fn the_outbox_never_hands_out_a_mail_twice(store: Arc<dyn Store>) {
    loaded(&store).await;
    assert_eq!(store.enqueue_mails(&[mail("a"), mail("b"), mail("a")], &audit("paamindelse")).await.unwrap(), 2);
    assert_eq!(store.udbakke(Side::new(1, 10)).await.unwrap().raekker.len(), 2, "a reference is enqueued once");
    let first = store.claim_mail(at(2)).await.unwrap().unwrap();
    assert_eq!(first.mail, mail("a"));
    let second = store.claim_mail(at(2)).await.unwrap().unwrap();
    assert_eq!(second.mail.reference, "b");
    assert!(store.claim_mail(at(2)).await.unwrap().is_none(), "both are claimed");
    store.mark_mail_sent(first.id, at(2)).await.unwrap();
    assert!(store.mark_mail_sent(first.id, at(3)).await.is_err(), "sent once");
    store.mark_mail_failed(second.id, "421 prøv igen", at(5)).await.unwrap();
    assert!(store.claim_mail(at(4)).await.unwrap().is_none(), "waits for its next try");
    let again = store.claim_mail(at(5)).await.unwrap().unwrap();
    assert_eq!((again.id, again.forsoeg, again.sidste_fejl.as_deref()), (second.id, 2, Some("421 prøv igen")));
    // The sender dies here: the claim stays, and the mail is never handed out again.
    assert!(store.claim_mail(at(9)).await.unwrap().is_none());
    let listed = store.udbakke(Side::new(1, 10)).await.unwrap().raekker;
    assert!(listed.iter().any(|m| m.id == second.id && m.afsendes.is_some() && m.sendt.is_none()));
    // The agency sends it again: only a claim older than the given moment, only once, and
    // never a sent mail; each time with its audit event.
    let audits = store.audit_events(1000).await.unwrap().len();
    assert!(store.resend_mail(second.id, at(5), &audit("mail_sendt_igen")).await.is_err(), "claimed too recently");
    assert!(store.resend_mail(first.id, at(20), &audit("mail_sendt_igen")).await.is_err(), "already sent");
    store.resend_mail(second.id, at(10), &audit("mail_sendt_igen")).await.unwrap();
    assert!(store.resend_mail(second.id, at(10), &audit("mail_sendt_igen")).await.is_err(), "released once");
    assert_eq!(store.audit_events(1000).await.unwrap().len(), audits + 1);
    let resent = store.claim_mail(at(11)).await.unwrap().unwrap();
    assert_eq!((resent.id, resent.forsoeg), (second.id, 3));
}

/// A convened (joint) meeting, held with its transitions; comments only in høring; aftaler
/// with an insert-only status history; the progress overview.
pub async fn meetings_comments_and_aftaler(store: Arc<dyn Store>) {
    loaded(&store).await;
    let by = user(&store, "kim").await;
    let id = new_package(&store).await;
    for (from, to) in [(PakkeStatus::Kladde, PakkeStatus::Indsendt), (PakkeStatus::Indsendt, PakkeStatus::Modtaget)] {
        store.transition(&transition(id, from, to, by), &[], &audit("x")).await.unwrap();
    }
    let moede = NewDialogmoede {
        kommune: k(101),
        styringsaar: aar(),
        starter: at(20),
        varighed_minutter: 90,
        sted: "Rådhuset".into(),
        deltagere: "Kim\nBo".into(),
        kommuner: vec![k(147)],
        dagsorden: "1. Nøgletal".into(),
        brev: "Indkaldelse".into(),
        pakker: vec![id],
        by,
        at: at(6),
    };
    let indkald = transition(id, PakkeStatus::Modtaget, PakkeStatus::MoedeIndkaldt, by);
    let moede_id = store.convene_dialogmoede(&moede, &[indkald], &[mail("indkaldelse")], &audit("x")).await.unwrap();
    assert_eq!(store.dialogmoede(moede_id).await.unwrap().unwrap().moede, moede);
    assert_eq!(store.dialogmoeder_for_pakke(id).await.unwrap().len(), 1);
    assert_eq!(store.udbakke(Side::new(1, 10)).await.unwrap().raekker[0].mail.vedhaeftning, mail("x").vedhaeftning);
    let forloeb = store.pakke_forloeb(aar(), None).await.unwrap();
    assert_eq!((forloeb.len(), forloeb[0].moede_indkaldt, forloeb[0].moede_afholdt), (1, Some(at(20)), None));

    let bemaerkning = NewBemaerkning { pakke: id, revision: Revision(1), tekst: "Enig".into(), by, at: at(21) };
    assert!(matches!(store.add_bemaerkning(&bemaerkning, &audit("x")).await, Err(StoreError::Stale)));

    let aftale = NewAftale {
        pakke: id,
        organisation: store.pakke(id).await.unwrap().unwrap().organisation,
        kommune: k(101),
        oevrige_parter: "Landsbyggefonden".into(),
        emne: "Energirenovering".into(),
        beskrivelse: "Plan for afdeling 3".into(),
        maalomraader: vec!["nybyggeri_og_renovering".into()],
        ansvarlig: "Organisationen".into(),
        frist: NaiveDate::from_ymd_opt(2027, 6, 30),
        by,
        at: at(22),
    };
    let status = |s: &str, d| AftaleStatusRecord {
        status: domain::redegoerelse::AftaleStatus::parse(s).unwrap(),
        bemaerkning: String::new(),
        by,
        at: at(d),
    };
    let aftale_id = store.add_aftale(&aftale, &status("aftalt", 22), &audit("x")).await.unwrap();
    store.add_aftale_status(aftale_id, &status("opfyldt", 25), &audit("x")).await.unwrap();
    assert!(store.add_aftale_status(AftaleId(aftale_id.0 + 99), &status("opfyldt", 25), &audit("x")).await.is_err());
    let listed = store.aftaler(AftaleFilter::Kommune(k(101))).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].aftale, aftale);
    let historik: Vec<&str> = listed[0].historik.iter().map(|h| h.status.as_str()).collect();
    assert_eq!(historik, ["aftalt", "opfyldt"]);
    assert!(store.aftaler(AftaleFilter::Kommune(k(147))).await.unwrap().is_empty());
    assert_eq!(store.alle_aftaler(false, Side::new(1, 10)).await.unwrap().raekker.len(), 1);
    // The beliggenhedskommune's list: afdelinger in the kommune, of organisations elsewhere.
    let organisationer = store.organisationer().await.unwrap();
    let hjemsted = |a: &Afdeling| organisationer.iter().find(|o| o.id == a.organisation).unwrap().hjemstedskommune;
    let alle = store.alle_afdelinger().await.unwrap();
    for kommune in [k(101), k(147)] {
        let andres = store.andres_afdelinger_i_kommune(kommune).await.unwrap();
        let ventet: Vec<AfdelingId> =
            alle.iter().filter(|a| a.data.kommune == kommune && hjemsted(a) != kommune).map(|a| a.id).collect();
        assert_eq!(andres.iter().map(|a| a.id).collect::<Vec<_>>(), ventet);
    }
    assert!(alle.iter().any(|a| a.data.kommune == k(147) && hjemsted(a) != k(147)), "the fixture has one");
    // Received and convened, not held: the figures are not public yet.
    assert!(store.offentlige_organisationer(aar()).await.unwrap().is_empty());
    assert!(store.effektivitet_i_gruppe(aar(), "ingen").await.unwrap().is_empty());
}

/// Personal API keys: found by hash, listed per user, revoked once and only by their owner.
pub async fn api_keys_are_revoked_once_by_their_owner(store: Arc<dyn Store>) {
    loaded(&store).await;
    let owner = user(&store, "ejer").await;
    let other = user(&store, "anden").await;
    let key = NewApiNoegle {
        bruger: owner,
        navn: "System".into(),
        token_hash: "abc123".into(),
        oprettet: at(1),
        udloeber: at(20),
    };
    let id = store.add_api_noegle(&key, &audit("api_noegle_oprettet")).await.unwrap();
    assert_eq!(store.api_noegle("abc123").await.unwrap().unwrap().0.noegle, key);
    assert!(store.api_noegle("andet").await.unwrap().is_none());
    assert!(matches!(store.revoke_api_noegle(id, other, at(2), &audit("x")).await, Err(StoreError::Stale)));
    store.revoke_api_noegle(id, owner, at(3), &audit("x")).await.unwrap();
    assert!(matches!(store.revoke_api_noegle(id, owner, at(4), &audit("x")).await, Err(StoreError::Stale)));
    let listed = store.api_noegler(owner).await.unwrap();
    assert_eq!((listed.len(), listed[0].tilbagekaldt), (1, Some(at(3))));
    assert!(store.api_noegler(other).await.unwrap().is_empty());
}

/// CVR numbers find their organisation or kommune; a change sets them all or none, and a
/// number may move from one to another within it.
pub async fn cvr_numbers_map_to_one_organisation_or_kommune(store: Arc<dyn Store>) {
    loaded(&store).await;
    let admin = store.organisation_by_nummer(nr(900)).await.unwrap().unwrap();
    let org = store.organisation_by_nummer(nr(10)).await.unwrap().unwrap();
    assert_eq!((admin.cvr, org.cvr), (Some(cvr(1)), Some(cvr(2))), "the bulk load keeps CVR numbers");
    assert_eq!(store.organisationer_med_cvr(cvr(2)).await.unwrap().iter().map(|o| o.id).collect::<Vec<_>>(), [org.id]);
    // Swap the two numbers and give København the third, in one change.
    let swap = [(admin.id, Some(cvr(2))), (org.id, Some(cvr(1)))];
    store.set_cvr_numre(&swap, &[(k(101), Some(cvr(3)))], &audit("import")).await.unwrap();
    assert_eq!(store.organisationer_med_cvr(cvr(1)).await.unwrap()[0].id, org.id);
    assert_eq!(store.kommune_med_cvr(cvr(3)).await.unwrap().map(|k| k.kode), Some(k(101)));
    // A number already held by a row outside the change is refused, and nothing changes.
    let clash = store.set_cvr_numre(&[(admin.id, Some(cvr(1)))], &[(k(147), Some(cvr(4)))], &audit("import")).await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
    assert_eq!(store.organisation(admin.id).await.unwrap().unwrap().cvr, Some(cvr(2)), "all or nothing");
    assert_eq!(store.kommune_med_cvr(cvr(4)).await.unwrap(), None);
    // Reference data loaded again keeps the kommuner's numbers.
    let (regioner, kommuner) = kommuner_og_regioner().unwrap();
    store.replace_reference(&regioner, &kommuner).await.unwrap();
    assert_eq!(store.kommune_med_cvr(cvr(3)).await.unwrap().map(|k| k.kode), Some(k(101)));
}

/// Accounts provisioned by the national login: found by their provider's id, updated at
/// login, searched by the agency, and cut off (sessions and keys) when their rights go.
pub async fn provisioned_accounts_and_login_attempts(store: Arc<dyn Store>) {
    loaded(&store).await;
    let org = store.organisation_by_nummer(nr(10)).await.unwrap().unwrap();
    let mut new = NewUser {
        username: "mitid-0001".into(),
        display_name: "Bente Bruger".into(),
        email: Some("bente@example.org".into()),
        password_hash: "!national-login".into(),
        role: Role::Organisation,
        kommune: None,
        organisationer: vec![org.id],
        created_at: at(1),
        ekstern_id: Some("https://idp|abc".into()),
        cvr: Some(cvr(2)),
    };
    let id = store.create_user(&new, &audit("bruger_provisioneret")).await.unwrap();
    user(&store, "lokal").await;
    let found = store.user_by_ekstern_id("https://idp|abc").await.unwrap().unwrap();
    assert_eq!((found.id, found.cvr, found.is_provisioned()), (id, Some(cvr(2)), true));
    new.role = Role::Kommune;
    new.kommune = Some(k(101));
    new.organisationer = vec![];
    store.update_provisioned_user(id, &new, &audit("bruger_opdateret_ved_login")).await.unwrap();
    let updated = store.user(id).await.unwrap().unwrap();
    assert_eq!((updated.role, updated.kommune, updated.organisationer.len()), (Role::Kommune, Some(k(101)), 0));

    let alle = BrugerFilter::default();
    assert_eq!(store.search_users(&alle, Side::new(1, 50)).await.unwrap().i_alt, 2);
    let national = BrugerFilter { provisioneret: Some(true), ..Default::default() };
    let hit = store.search_users(&national, Side::new(1, 50)).await.unwrap();
    assert_eq!(hit.raekker.iter().map(|u| u.id).collect::<Vec<_>>(), [id]);
    let by_cvr = BrugerFilter { tekst: Some(cvr(2).to_string()), ..Default::default() };
    assert_eq!(store.search_users(&by_cvr, Side::new(1, 50)).await.unwrap().i_alt, 1);
    let wildcard = BrugerFilter { tekst: Some("%".into()), ..Default::default() };
    assert_eq!(store.search_users(&wildcard, Side::new(1, 50)).await.unwrap().i_alt, 0, "% is matched literally");
    let paged = store.search_users(&alle, Side::new(2, 1)).await.unwrap();
    assert_eq!((paged.raekker.len(), paged.i_alt), (1, 2));

    let session = SessionRecord {
        token_hash: "s1".into(),
        user_id: id,
        csrf_token: "c".into(),
        created_at: at(1),
        expires_at: at(9),
        id_token: None,
    };
    store.create_session(&session, &audit("login")).await.unwrap();
    let noegle =
        NewApiNoegle { bruger: id, navn: "system".into(), token_hash: "k1".into(), oprettet: at(1), udloeber: at(9) };
    store.add_api_noegle(&noegle, &audit("api_noegle_oprettet")).await.unwrap();
    store.end_user_access(id, at(2), &audit("adgang_frataget")).await.unwrap();
    assert_eq!(store.session("s1").await.unwrap(), None);
    assert_eq!(store.api_noegle("k1").await.unwrap().unwrap().0.tilbagekaldt, Some(at(2)));
    assert!(!store.user(id).await.unwrap().unwrap().disabled, "the account is kept, not disabled");

    let forsoeg = OidcForsoeg {
        state_hash: "h".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        naeste: "/".into(),
        expires_at: at(5),
    };
    store.add_oidc_forsoeg(&forsoeg).await.unwrap();
    assert_eq!(store.take_oidc_forsoeg("h").await.unwrap(), Some(forsoeg.clone()));
    assert_eq!(store.take_oidc_forsoeg("h").await.unwrap(), None, "an attempt is used once");
    store.add_oidc_forsoeg(&OidcForsoeg { state_hash: "old".into(), ..forsoeg }).await.unwrap();
    assert_eq!(store.delete_expired_oidc_forsoeg(at(6)).await.unwrap(), 1);
}

/// The change feed: every change of a package takes the next number, the list read from a
/// cursor holds only what changed after it, in change order; a kommune's list never shows a
/// draft and splits hjemsted from beliggenhed. Idempotency keys: claimed once per user,
/// answered and replayed, refused for another request, freed after a failure, forgotten.
pub async fn the_change_feed_and_idempotency_keys(store: Arc<dyn Store>) {
    loaded(&store).await;
    let by = user(&store, "bo").await;
    let id = new_package(&store).await;
    let side = Side::new(1, 50);
    let udvalg =
        |omfang: PakkeOmfang, siden: Option<i64>| PakkeUdvalg { omfang, styringsaar: Some(aar()), status: None, siden };
    let hjemsted = |relation| PakkeOmfang::Kommune { kode: k(101), relation };
    assert_eq!(store.pakke_udvalg(&udvalg(hjemsted(None), None), side).await.unwrap().i_alt, 0, "no draft");
    let alle = store.pakke_udvalg(&udvalg(PakkeOmfang::Alle, None), side).await.unwrap();
    assert_eq!(alle.i_alt, 1);
    let oprettet = alle.raekker[0].aendring;
    assert!(oprettet > 0, "creation is a change");
    let revision = store.pakke(id).await.unwrap().unwrap().revision;
    let submission = Submission {
        transition: transition(id, PakkeStatus::Kladde, PakkeStatus::Indsendt, by),
        revision,
        idempotency_key: "feed".into(),
        svar: BTreeMap::new(),
        modtagere: vec![k(101), k(147)],
        late: false,
        expected_version: 1,
        bilag: vec![],
        mails: vec![],
        bestyrelse_godkendt: None,
    };
    store.submit(&submission, &audit("pakke_indsendt")).await.unwrap();
    let efter = store.pakke_udvalg(&udvalg(hjemsted(None), Some(oprettet)), side).await.unwrap();
    assert_eq!(efter.raekker.len(), 1);
    let indsendt = efter.raekker[0].aendring;
    assert!(indsendt > oprettet, "the submission took a later number");
    assert!(store.pakke_udvalg(&udvalg(hjemsted(None), Some(indsendt)), side).await.unwrap().raekker.is_empty());
    assert_eq!(store.pakke_udvalg(&udvalg(hjemsted(Some(Relation::Hjemsted)), None), side).await.unwrap().i_alt, 1);
    assert_eq!(store.pakke_udvalg(&udvalg(hjemsted(Some(Relation::Beliggenhed)), None), side).await.unwrap().i_alt, 0);
    let nabo = PakkeOmfang::Kommune { kode: k(147), relation: Some(Relation::Beliggenhed) };
    assert_eq!(store.pakke_udvalg(&udvalg(nabo, None), side).await.unwrap().i_alt, 1);
    // A new deadline is a change too; the status filter narrows.
    store.set_frist(&[id], NaiveDate::from_ymd_opt(2026, 7, 31).unwrap(), &audit("frist")).await.unwrap();
    let frist = store.pakke_udvalg(&udvalg(hjemsted(None), Some(indsendt)), side).await.unwrap();
    assert!(frist.raekker[0].aendring > indsendt);
    let modtaget = PakkeUdvalg { status: Some(PakkeStatus::Modtaget), ..udvalg(hjemsted(None), None) };
    assert_eq!(store.pakke_udvalg(&modtaget, side).await.unwrap().i_alt, 0);
    let egne = store.pakke_udvalg(&udvalg(PakkeOmfang::Organisationer(vec![]), None), side).await.unwrap();
    assert_eq!(egne.i_alt, 0, "no organisations, no packages");

    let other = user(&store, "anden").await;
    assert_eq!(store.reserver_idempotens(by, "n1", "A", at(1), at(1)).await.unwrap(), Idempotens::Ny);
    assert_eq!(store.reserver_idempotens(by, "n1", "A", at(1), at(1)).await.unwrap(), Idempotens::Igang);
    assert_eq!(store.reserver_idempotens(other, "n1", "B", at(1), at(1)).await.unwrap(), Idempotens::Ny, "per user");
    let svar = GemtSvar { status: 200, indholdstype: Some("application/json".into()), krop: b"{}".to_vec() };
    store.gem_idempotens_svar(by, "n1", &svar).await.unwrap();
    assert_eq!(store.reserver_idempotens(by, "n1", "A", at(2), at(1)).await.unwrap(), Idempotens::Besvaret(svar));
    assert_eq!(store.reserver_idempotens(by, "n1", "C", at(2), at(1)).await.unwrap(), Idempotens::AndenForespoergsel);
    // A failed first request frees its key; an answered one is not freed.
    store.frigiv_idempotens(other, "n1").await.unwrap();
    assert_eq!(store.reserver_idempotens(other, "n1", "D", at(3), at(1)).await.unwrap(), Idempotens::Ny);
    store.frigiv_idempotens(by, "n1").await.unwrap();
    assert!(matches!(store.reserver_idempotens(by, "n1", "A", at(3), at(1)).await.unwrap(), Idempotens::Besvaret(_)));
    assert_eq!(store.glem_idempotens(at(2)).await.unwrap(), 1, "the key claimed on day 1");
    assert_eq!(store.reserver_idempotens(by, "n1", "E", at(4), at(1)).await.unwrap(), Idempotens::Ny);
    // A first request whose server stopped mid-request: unanswered since before the cut-off,
    // the same request claims the key again; another request still may not.
    assert_eq!(store.reserver_idempotens(by, "n1", "E", at(5), at(4)).await.unwrap(), Idempotens::Igang);
    assert_eq!(store.reserver_idempotens(by, "n1", "F", at(6), at(6)).await.unwrap(), Idempotens::AndenForespoergsel);
    assert_eq!(store.reserver_idempotens(by, "n1", "E", at(6), at(6)).await.unwrap(), Idempotens::Ny);
}

/// A package's story (upload, submission, receipt, meeting, redegørelse with an aftale,
/// publication) as the steps of a history.
fn historie(
    pakke: PakkeId,
    organisation: domain::master::OrganisationId,
    by: domain::access::UserId,
) -> Vec<Historiktrin> {
    use domain::package::PakkeHaendelse as H;
    let t = |from: PakkeStatus, h: H, day: u32| Transition {
        pakke,
        from,
        to: from.apply(h).unwrap(),
        haendelse: h,
        by,
        at: at(day),
        begrundelse: None,
        frist: None,
        revision: None,
    };
    let bilag = NewBilag {
        pakke,
        expected_status: PakkeStatus::Kladde,
        art: "aarsregnskab".into(),
        erstatter: true,
        filnavn: "regnskab.pdf".into(),
        mime: "application/pdf".into(),
        sha256: "00".into(),
        indhold: b"%PDF-1.4".to_vec(),
        by,
        at: at(2),
    };
    let indsendelse = Submission {
        transition: t(PakkeStatus::Kladde, H::Indsend, 3),
        revision: Revision(0),
        idempotency_key: format!("historik-{pakke}"),
        svar: BTreeMap::from([("b3.q1".to_string(), Svar { ja: Some(true), ..Svar::default() })]),
        modtagere: vec![k(101), k(147)],
        late: true,
        expected_version: 1,
        bilag: vec![],
        mails: vec![],
        bestyrelse_godkendt: NaiveDate::from_ymd_opt(2026, 3, 2),
    };
    let indkaldelse = NewDialogmoede {
        kommune: k(101),
        styringsaar: aar(),
        starter: at(20),
        varighed_minutter: 90,
        sted: "Rådhuset".into(),
        deltagere: "Kim".into(),
        kommuner: vec![],
        dagsorden: "1. Nøgletal".into(),
        brev: "Indkaldelse".into(),
        pakker: vec![pakke],
        by,
        at: at(6),
    };
    let afholdt = NewMoede {
        pakke,
        dato: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
        deltagere: "Kim og bestyrelsen".into(),
        by,
        at: at(20),
        dialogmoede: None,
        bilateral: true,
        kommune: Some(k(101)),
    };
    let aftale = NewAftale {
        pakke,
        organisation,
        kommune: k(101),
        oevrige_parter: String::new(),
        emne: "Energirenovering".into(),
        beskrivelse: "Plan".into(),
        maalomraader: vec!["nybyggeri_og_renovering".into()],
        ansvarlig: "Organisationen".into(),
        frist: NaiveDate::from_ymd_opt(2027, 6, 30),
        by,
        at: at(24),
    };
    let aftalt = AftaleStatusRecord {
        status: domain::redegoerelse::AftaleStatus::Aftalt,
        bemaerkning: String::new(),
        by,
        at: at(24),
    };
    vec![
        Historiktrin::Indsend {
            bilag: vec![(bilag, audit("bilag"))],
            kladde: None,
            indsendelse,
            audit: audit("indsendt"),
        },
        Historiktrin::Overgang { overgang: t(PakkeStatus::Indsendt, H::Modtag, 4), audit: audit("modtaget") },
        Historiktrin::Moede {
            indkaldelse,
            indkald: vec![t(PakkeStatus::Modtaget, H::IndkaldMoede, 6)],
            indkaldt_audit: audit("indkaldt"),
            afholdt: vec![afholdt],
            afhold: vec![t(PakkeStatus::MoedeIndkaldt, H::MarkerMoedeAfholdt, 20)],
            afholdt_audit: audit("afholdt"),
        },
        Historiktrin::Redegoerelse {
            udkast: NewRedegoerelse {
                pakke,
                tekst: BTreeMap::from([("sammenfatning".to_string(), "Godt møde.".to_string())]),
                by,
                at: at(23),
            },
            gemt_audit: audit("gemt"),
            aftaler: vec![(aftale, aftalt, audit("aftale"))],
            offentliggjort: Some(Offentliggoerelse {
                at: at(25),
                overgang: t(PakkeStatus::MoedeAfholdt, H::OffentliggoerRedegoerelse, 25),
                audit: audit("offentliggjort"),
            }),
        },
    ]
}

/// The same story through the single changes, in the order a history writes it.
async fn enkeltvis(store: &Arc<dyn Store>, trin: Vec<Historiktrin>) {
    for t in trin {
        match t {
            Historiktrin::Indsend { bilag, mut indsendelse, audit: a, .. } => {
                for (b, ba) in bilag {
                    indsendelse.bilag.push(store.add_bilag(&b, &ba).await.unwrap());
                }
                indsendelse.revision = store.pakke(indsendelse.transition.pakke).await.unwrap().unwrap().revision;
                store.submit(&indsendelse, &a).await.unwrap();
            }
            Historiktrin::Overgang { overgang, audit: a } => store.transition(&overgang, &[], &a).await.unwrap(),
            Historiktrin::Moede { indkaldelse, indkald, indkaldt_audit, afholdt, afhold, afholdt_audit } => {
                let id = store.convene_dialogmoede(&indkaldelse, &indkald, &[], &indkaldt_audit).await.unwrap();
                let afholdt: Vec<NewMoede> =
                    afholdt.into_iter().map(|m| NewMoede { dialogmoede: Some(id), ..m }).collect();
                store.record_moeder(&afholdt, &afhold, &afholdt_audit).await.unwrap();
            }
            Historiktrin::AftaleStatus { aftale, status, audit: a } => {
                store.add_aftale_status(aftale, &status, &a).await.unwrap()
            }
            Historiktrin::Redegoerelse { udkast, gemt_audit, aftaler, offentliggjort } => {
                let saved = store.save_redegoerelse(&udkast, &gemt_audit).await.unwrap();
                for (a, s, aa) in aftaler {
                    store.add_aftale(&a, &s, &aa).await.unwrap();
                }
                if let Some(o) = offentliggjort {
                    store
                        .publish_redegoerelse(udkast.pakke, saved.revision, o.at, &o.overgang, &o.audit)
                        .await
                        .unwrap();
                }
            }
        }
    }
}

/// What a package's story left, without ids and change numbers (which depend on the order of
/// writes): status, revision, progress, steps, versions, meetings, redegørelser and aftaler.
async fn spor(store: &Arc<dyn Store>, pakke: PakkeId) -> String {
    let p = store.pakke(pakke).await.unwrap().unwrap();
    let forloeb = store.pakke_forloeb(p.styringsaar, None).await.unwrap();
    let f = forloeb.iter().find(|f| f.pakke.id == pakke).unwrap();
    let trin: Vec<_> =
        store.haendelser(pakke).await.unwrap().into_iter().map(|h| (h.from, h.to, h.haendelse, h.at)).collect();
    let versioner: Vec<_> = store
        .versions(pakke)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.version, v.submitted_at, v.late, v.bilag.len(), v.bestyrelse_godkendt))
        .collect();
    let moeder: Vec<_> =
        store.moeder(pakke).await.unwrap().into_iter().map(|m| (m.dato, m.dialogmoede.is_some())).collect();
    let indkaldt = store.dialogmoeder_for_pakke(pakke).await.unwrap().len();
    let redegoerelser: Vec<_> =
        store.redegoerelser(pakke).await.unwrap().into_iter().map(|r| (r.revision, r.published_at)).collect();
    let aftaler: Vec<_> = store
        .aftaler(AftaleFilter::Pakke(pakke))
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.aftale.emne, a.historik.len()))
        .collect();
    let modtagere = store.pakke_med_modtagere(pakke).await.unwrap().unwrap().1;
    format!(
        "{:?} rev {:?} | {:?} {:?} {:?} {:?} {} | {trin:?} | {versioner:?} | {moeder:?} {indkaldt} | {redegoerelser:?} | \
         {aftaler:?} | {modtagere:?}",
        p.status,
        p.revision,
        f.foerst_indsendt,
        f.for_sent,
        f.moede_indkaldt,
        f.moede_afholdt,
        f.redegoerelse_revisioner
    )
}

/// A history written at once leaves what its single changes leave, with the progress and the
/// supervision counts recounted; a refused step leaves nothing of the batch.
pub async fn a_history_is_written_as_its_single_changes(store: Arc<dyn Store>) {
    loaded(&store).await;
    let by = user(&store, "kim").await;
    let ved_historik = new_package(&store).await;
    let org = store.pakke(ved_historik).await.unwrap().unwrap().organisation;
    // The same story on a package of the year before, through the single changes.
    let forrige = NewPakke {
        organisation: org,
        styringsaar: Styringsaar::new(2025).unwrap(),
        rapporttype: Rapporttype::Bilag3,
        periode: Regnskabsperiode::for_styringsaar(Styringsaar::new(2025).unwrap(), 1).unwrap(),
        frist: NaiveDate::from_ymd_opt(2025, 6, 30),
        created_at: at(1),
    };
    let enkelt = store.create_pakke(&forrige, &audit("pakke_oprettet")).await.unwrap().0;
    let foer = store.audit_events(1000).await.unwrap().len();

    // A batch with a refused step (a receipt of a package not submitted) writes nothing.
    let mut afvist = historie(ved_historik, org, by);
    afvist.insert(0, afvist[1].clone());
    assert!(matches!(store.skriv_historik(&afvist).await, Err(StoreError::Stale)));
    assert_eq!(store.pakke(ved_historik).await.unwrap().unwrap().status, PakkeStatus::Kladde);
    assert!(store.bilag(ved_historik).await.unwrap().is_empty());
    assert_eq!(store.audit_events(1000).await.unwrap().len(), foer);

    store.skriv_historik(&historie(ved_historik, org, by)).await.unwrap();
    enkeltvis(&store, historie(enkelt, org, by)).await;
    let (a, b) = (spor(&store, ved_historik).await, spor(&store, enkelt).await);
    assert_eq!(a, b);
    assert!(a.starts_with("RedegoerelseOffentliggjort"), "{a}");
    // Eight audit events each: upload, submission, receipt, convened, held, saved, aftale,
    // published.
    assert_eq!(store.audit_events(1000).await.unwrap().len(), foer + 16);
    // The supervision counts of the year are recounted from the packages.
    let tal = store.tilsynstal(aar(), NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()).await.unwrap();
    let tal = tal.iter().find(|t| t.kommune == Some(k(101))).unwrap();
    assert_eq!((tal.pakker, tal.indsendt, tal.for_sent, tal.moeder_afholdt, tal.offentliggjort), (1, 1, 1, 1, 1));
}

/// The session of `token` as `store` reads it at the start of a request.
async fn laest(store: &Arc<dyn Store>, token: &str) -> Option<SessionLaest> {
    store.session_og_stempler(token, Medlaesning::default()).await.unwrap()
}

/// A session one instance keeps (`her`) follows every change another instance (`andet`, on the
/// same database) makes to whether it is valid or what its user may see: its extension and
/// end, the user's organisations, role and state, and a reset.
pub async fn a_kept_session_follows_changes_made_elsewhere(her: Arc<dyn Store>, andet: Arc<dyn Store>) {
    loaded(&her).await;
    let org = her.organisation_by_nummer(nr(10)).await.unwrap().unwrap().id;
    let admin = her.organisation_by_nummer(nr(900)).await.unwrap().unwrap().id;
    let mut provisioneret = NewUser {
        username: "mitid-0002".into(),
        display_name: "Bo Bruger".into(),
        email: None,
        password_hash: "!national-login".into(),
        role: Role::Organisation,
        kommune: None,
        organisationer: vec![org],
        created_at: at(1),
        ekstern_id: Some("https://idp|bo".into()),
        cvr: Some(cvr(2)),
    };
    let a = session_of(&andet, &provisioneret).await;
    let foerste = laest(&her, &a).await.unwrap();
    assert_eq!((foerste.user.organisationer.clone(), foerste.session.expires_at), (vec![org], at(2)));
    assert_eq!(laest(&her, &a).await, Some(foerste.clone()), "read again, the same session");
    andet.extend_session(&a, at(3), &audit("session_forlaenget")).await.unwrap();
    assert_eq!(laest(&her, &a).await.unwrap().session.expires_at, at(3), "an extension elsewhere is seen");
    provisioneret.organisationer = vec![admin];
    let id = foerste.user.id;
    andet.update_provisioned_user(id, &provisioneret, &audit("bruger_opdateret")).await.unwrap();
    let flyttet = laest(&her, &a).await.unwrap().user;
    assert_eq!((flyttet.organisationer, flyttet.administrerede), (vec![admin], vec![org]), "new organisations");
    provisioneret.role = Role::Kommune;
    provisioneret.kommune = Some(k(101));
    provisioneret.organisationer = vec![];
    andet.update_provisioned_user(id, &provisioneret, &audit("bruger_opdateret")).await.unwrap();
    let kommunal = laest(&her, &a).await.unwrap().user;
    assert_eq!((kommunal.role, kommunal.kommune, kommunal.organisationer), (Role::Kommune, Some(k(101)), vec![]));
    andet.delete_session(&a, &audit("logout")).await.unwrap();
    assert_eq!(laest(&her, &a).await, None, "a logout elsewhere ends the session here");

    // One of two sessions ended by its user, then the user disabled.
    let b = organisation_session(&andet, "bo-b", vec![org]).await;
    let bruger = laest(&her, &b).await.unwrap().user.id;
    let b2 = SessionRecord {
        token_hash: "bo-b-anden".into(),
        user_id: bruger,
        csrf_token: "c2".into(),
        created_at: at(1),
        expires_at: at(2),
        id_token: None,
    };
    andet.create_session(&b2, &audit("login")).await.unwrap();
    assert!(laest(&her, &b2.token_hash).await.is_some());
    andet.end_user_session(bruger, &b2.token_hash, &audit("session_afsluttet")).await.unwrap();
    assert_eq!(laest(&her, &b2.token_hash).await, None, "the session ended elsewhere");
    assert!(laest(&her, &b).await.is_some(), "the other session holds");
    andet.set_user_disabled(bruger, true, &audit("bruger_deaktiveret")).await.unwrap();
    assert_eq!(laest(&her, &b).await, None, "a user disabled elsewhere");

    // Everything emptied elsewhere.
    let c = organisation_session(&andet, "bo-c", vec![org]).await;
    assert!(laest(&her, &c).await.is_some());
    andet.reset(&audit("nulstillet")).await.unwrap();
    assert_eq!(laest(&her, &c).await, None, "a reset elsewhere ends every session");
}
