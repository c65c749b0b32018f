//! Imports through the app, on the engine under test: all or nothing, dry run, idempotent.

use app::{AppError, ImportArt};
use domain::Styringsaar;
use store::import::AFDELING_KONTI;
use testkit::TestApp;

fn aar() -> Styringsaar {
    Styringsaar::new(2026).unwrap()
}

async fn an_afdeling(t: &TestApp) -> (u32, u32) {
    let index = t.app.store().afdeling_index().await.unwrap();
    let (org, afd, _) = index[0];
    (org.get(), afd.get())
}

#[tokio::test]
async fn dry_run_changes_nothing_and_a_repeated_import_changes_nothing() {
    let t = TestApp::spawn().await;
    let (org, afd) = an_afdeling(&t).await;
    let csv = format!("organisation;afdeling;konto;beloeb\n{org};{afd};109;12.345,67\n{org};{afd};118;1.000\n");
    let table = tabular::read_bytes("regnskab.csv", csv.as_bytes()).unwrap();
    let before = t.app.store().import_existing(AFDELING_KONTI, aar()).await.unwrap();

    let dry = t.app.import(None, ImportArt::Afdelingsregnskab, aar(), &table, true).await.unwrap();
    assert_eq!(dry.raekker, 2);
    assert_eq!(dry.nye + dry.aendrede, 2, "{dry:?}");
    assert_eq!(t.app.store().import_existing(AFDELING_KONTI, aar()).await.unwrap(), before, "a dry run writes nothing");

    let done = t.app.import(None, ImportArt::Afdelingsregnskab, aar(), &table, false).await.unwrap();
    assert_eq!((done.nye, done.aendrede), (dry.nye, dry.aendrede));
    let after = t.app.store().import_existing(AFDELING_KONTI, aar()).await.unwrap();
    assert!(after.values().any(|v| v == &vec![1_234_567]), "12.345,67 kr. is stored as øre");

    let again = t.app.import(None, ImportArt::Afdelingsregnskab, aar(), &table, false).await.unwrap();
    assert_eq!((again.nye, again.aendrede, again.uaendrede), (0, 0, 2));
    assert_eq!(t.app.store().import_existing(AFDELING_KONTI, aar()).await.unwrap(), after);
}

#[tokio::test]
async fn one_bad_row_stops_the_whole_file_with_precise_messages() {
    let t = TestApp::spawn().await;
    let (org, afd) = an_afdeling(&t).await;
    let csv = format!(
        "organisation,afdeling,konto,beloeb\n{org},{afd},109,1\n{org},{afd},999,2\n{org},9999,110,3\n77777,1,110,4\n{org},{afd},109,5\n{org},{afd},110,mange\n"
    );
    let table = tabular::read_bytes("fejl.csv", csv.as_bytes()).unwrap();
    let before = t.app.store().import_existing(AFDELING_KONTI, aar()).await.unwrap();
    let Err(AppError::Invalid(errors)) = t.app.import(None, ImportArt::Afdelingsregnskab, aar(), &table, false).await
    else {
        panic!("the file must be refused");
    };
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    let expected = [
        "fejl.csv, række 3, kolonne «konto»: fandt «999», forventede et kontonummer fra kontoplanen",
        &format!("fejl.csv, række 4, kolonne «afdeling»: afdeling 9999 i organisation {org} findes ikke i stamdata"),
        "fejl.csv, række 5, kolonne «organisation»: organisation 77777 findes ikke i stamdata",
        "fejl.csv, række 6: samme nøgle som række 2",
        "fejl.csv, række 7, kolonne «beloeb»: fandt «mange», forventede et tal som 1234.5",
    ];
    for e in expected {
        assert!(messages.iter().any(|m| m.starts_with(e)), "missing «{e}» in {messages:#?}");
    }
    assert_eq!(t.app.store().import_existing(AFDELING_KONTI, aar()).await.unwrap(), before, "nothing is written");
}

#[tokio::test]
async fn every_kind_imports_and_checks_its_own_rules() {
    let t = TestApp::spawn().await;
    let (org, afd) = an_afdeling(&t).await;
    let files = [
        (ImportArt::Organisationsregnskab, format!("organisation,post,beloeb\n{org},administrationsbidrag,4000000\n")),
        (
            ImportArt::Boligtal,
            format!(
                "organisation,afdeling,boligtype,fraflytninger,ledige,aarsleje_pr_m2\n{org},{afd},familie,3,0,912.5\n"
            ),
        ),
        (ImportArt::Udlejning, format!("organisation,kommune,redskab,antal\n{org},101,venteliste,12\n")),
        (ImportArt::Klager, format!("organisation,kategori,afgjorte,tabte\n{org},husorden,3,1\n")),
        (ImportArt::Arbejdsmarked, format!("organisation,afdeling,uden_for_procent\n{org},{afd},27.5\n")),
        (ImportArt::KommuneArbejdsmarked, "kommune,uden_for_procent\n101,22.1\n".to_string()),
    ];
    for (art, csv) in files {
        let table = tabular::read_bytes("fil.csv", csv.as_bytes()).unwrap();
        let r = t.app.import(None, art, aar(), &table, false).await.unwrap_or_else(|e| panic!("{art:?}: {e:?}"));
        assert_eq!(r.raekker, 1, "{art:?}");
    }
    let bad = [
        (
            ImportArt::Klager,
            format!("organisation,kategori,afgjorte,tabte\n{org},husorden,1,2\n"),
            "forventede højst antallet af afgjorte sager",
        ),
        (
            ImportArt::Udlejning,
            format!("organisation,kommune,redskab,antal\n{org},100,venteliste,1\n"),
            "forventede en kommunekode",
        ),
        (
            ImportArt::Boligtal,
            format!("organisation,afdeling,boligtype,fraflytninger,ledige,aarsleje_pr_m2\n{org},{afd},villa,1,0,1\n"),
            "forventede en af: familie, aeldre, ungdom",
        ),
        (
            ImportArt::KommuneArbejdsmarked,
            "kommune,uden_for_procent\n101,120\n".to_string(),
            "forventede en procent mellem 0 og 100",
        ),
        (ImportArt::Organisationsregnskab, "organisation,beloeb\n1,2\n".to_string(), "kolonnen «post» mangler"),
    ];
    for (art, csv, expected) in bad {
        let table = tabular::read_bytes("fil.csv", csv.as_bytes()).unwrap();
        match t.app.import(None, art, aar(), &table, false).await {
            Err(AppError::Invalid(errors)) => {
                assert!(errors[0].message.contains(expected), "{art:?}: {}", errors[0].message)
            }
            other => panic!("{art:?} should be refused, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_agency_imports_through_the_web_page() {
    let t = TestApp::spawn().await;
    let (org, afd) = an_afdeling(&t).await;
    let agency = t.client();
    agency.login("styrelse").await;
    let page = agency.get("/styrelse/import").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("action=\"/styrelse/import\""), "the token is not in the URL");
    let token = page.csrf();
    let action = "/styrelse/import";
    let csv = format!("organisation,afdeling,konto,beloeb\n{org},{afd},109,1\n");

    let dry = agency
        .upload(
            action,
            &token,
            &[("art", "afdelingsregnskab"), ("aar", "2026"), ("proeve", "ja")],
            ("r.csv", csv.clone().into_bytes()),
        )
        .await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert!(dry.body.contains("Prøveimport: intet er gemt"));
    let done = agency
        .upload(action, &token, &[("art", "afdelingsregnskab"), ("aar", "2026")], ("r.csv", csv.clone().into_bytes()))
        .await;
    assert!(done.body.contains("Filen er importeret"));

    let bad = agency
        .upload(
            action,
            &token,
            &[("art", "afdelingsregnskab"), ("aar", "2026")],
            ("r.csv", b"organisation,afdeling,konto,beloeb\n1,1,999,x\n".to_vec()),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("r.csv, række 2"), "{}", bad.body);

    // Without the token the upload is refused; a kommune user cannot import at all.
    let forged = agency
        .upload(
            "/styrelse/import",
            "",
            &[("art", "afdelingsregnskab"), ("aar", "2026")],
            ("r.csv", csv.clone().into_bytes()),
        )
        .await;
    assert_eq!(forged.status, 403);
    let kommune = t.client();
    kommune.login("kommune").await;
    assert_eq!(kommune.get("/styrelse/import").await.status, 404);
    let page = kommune.get("/kommune").await;
    let refused = kommune
        .upload(
            "/styrelse/import",
            &page.csrf(),
            &[("art", "afdelingsregnskab"), ("aar", "2026")],
            ("r.csv", csv.into_bytes()),
        )
        .await;
    assert_eq!(refused.status, 404);
}

/// Section V lists the allocation rules per afdeling: lettings imported per afdeling (the
/// `udlejning` format with an `afdeling` column) are shown per afdeling, and the organisation's
/// kommune totals become their sums; an afdeling given with the wrong kommune stops the file.
#[tokio::test]
async fn lettings_per_afdeling_are_shown_per_afdeling_and_the_kommune_totals_are_their_sums() {
    use domain::registre::Udlejningsredskab as R;
    let t = TestApp::spawn().await;
    let store = t.app.store();
    let org = store.user_by_username("boligorg").await.unwrap().unwrap().organisationer[0];
    let nummer = store.organisationer().await.unwrap().into_iter().find(|o| o.id == org).unwrap().nummer;
    let afdelinger = store.afdelinger(org).await.unwrap();
    let familie: Vec<_> = afdelinger.iter().filter(|a| a.data.familie.antal > 0).collect();
    let (a, b) = (familie[0], familie[1]);
    let anden_kommune = store.kommuner().await.unwrap().into_iter().find(|k| k.kode != a.data.kommune).unwrap().kode;
    // The demo knows its lettings per afdeling, with the kommune totals as their sums.
    let demo = store.afdeling_udlejninger(org, aar()).await.unwrap();
    assert!(!demo.is_empty());
    let sum: u32 = demo.iter().map(|x| x.2).sum();
    assert_eq!(sum, store.udlejninger(org, aar()).await.unwrap().iter().map(|x| x.2).sum::<u32>());

    // A wrong kommune: the file is refused whole, naming row and column.
    let csv = format!(
        "organisation,afdeling,kommune,redskab,antal\n{nummer},{},{},venteliste,5\n{nummer},{},{anden_kommune},fleksibel,2\n",
        a.data.nummer, a.data.kommune, a.data.nummer
    );
    let table = tabular::read_bytes("udlejning.csv", csv.as_bytes()).unwrap();
    let Err(AppError::Invalid(errors)) = t.app.import(None, ImportArt::Udlejning, aar(), &table, false).await else {
        panic!("a wrong kommune must refuse the file");
    };
    assert!(
        errors[0].message.starts_with(&format!(
            "udlejning.csv, række 3, kolonne «kommune»: fandt «{anden_kommune}», forventede afdelingens kommune {}",
            a.data.kommune
        )),
        "{errors:?}"
    );
    assert_eq!(store.afdeling_udlejninger(org, aar()).await.unwrap(), demo, "nothing written");

    // Every tool of both afdelinger, the unused ones as 0.
    let mut csv = String::from("organisation,afdeling,redskab,antal\n");
    for (afd, brugt) in
        [(a, [(R::Venteliste, 5), (R::Fleksibel, 2)]), (b, [(R::Venteliste, 3), (R::KommunalAnvisning, 1)])]
    {
        for r in R::ALL {
            let n = brugt.iter().find(|x| x.0 == r).map_or(0, |x| x.1);
            csv.push_str(&format!("{nummer},{},{},{n}\n", afd.data.nummer, r.as_str()));
        }
    }
    let table = tabular::read_bytes("udlejning.csv", csv.as_bytes()).unwrap();
    let done = t.app.import(None, ImportArt::Udlejning, aar(), &table, false).await.unwrap();
    assert_eq!(done.raekker, 10);
    let per_afdeling = store.afdeling_udlejninger(org, aar()).await.unwrap();
    let antal = |afd: domain::master::AfdelingId, r| per_afdeling.iter().find(|x| x.0 == afd && x.1 == r).map(|x| x.2);
    assert_eq!((antal(a.id, R::Venteliste), antal(b.id, R::KommunalAnvisning)), (Some(5), Some(1)));
    // Each kommune total is the sum of its afdelinger's.
    let kommune_af: std::collections::HashMap<_, _> = afdelinger.iter().map(|x| (x.id, x.data.kommune)).collect();
    let totals = store.udlejninger(org, aar()).await.unwrap();
    for k in afdelinger.iter().map(|x| x.data.kommune) {
        for r in R::ALL {
            let sum: u32 = per_afdeling.iter().filter(|x| kommune_af[&x.0] == k && x.1 == r).map(|x| x.2).sum();
            let total: u32 = totals.iter().filter(|x| x.0 == k && x.1 == r).map(|x| x.2).sum();
            assert_eq!(total, sum, "kommune {k}, {r:?}");
        }
    }
    // Importing the same file again changes nothing.
    let again = t.app.import(None, ImportArt::Udlejning, aar(), &table, false).await.unwrap();
    assert_eq!((again.nye, again.aendrede, again.uaendrede), (0, 0, 10));

    // Section V shows each afdeling's own rules.
    let c = t.client();
    c.login("boligorg").await;
    let id = c.package_2026("bilag3").await;
    let side = c.get(&format!("/pakker/{id}/sektioner/b3.V")).await;
    assert_eq!(side.status, 200);
    let tabel = &side.body[side.body.find("Familieboliger, anvisning").expect("the table")..];
    let raekke = |afd: &domain::master::Afdeling| {
        let start = tabel.find(&format!("<th scope=\"row\">{} ", afd.data.nummer)).expect("the afdeling's row");
        tabel[start..].split("</tr>").next().unwrap().to_string()
    };
    assert!(raekke(a).contains("<td>Venteliste, Fleksibel udlejning</td>"), "{}", raekke(a));
    assert!(raekke(b).contains("<td>Venteliste, Kommunal anvisning</td>"), "{}", raekke(b));
}
