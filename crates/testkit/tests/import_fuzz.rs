//! Every importer on arbitrary tables: each file is imported in full or refused with the row,
//! column and what was expected, and a refused file changes nothing (all or nothing).

use app::ImportArt;
use proptest::prelude::*;
use testkit::TestApp;

/// A cell: often plausible (numbers, known codes), sometimes not.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..100_000).prop_map(|n| n.to_string()),
        (-1000.0f64..1e7).prop_map(|x| format!("{x:.2}")),
        (-1000.0f64..1e7).prop_map(|x| format!("{x:.2}").replace('.', ",")),
        Just(String::new()),
        Just("101".to_string()),
        Just("109".to_string()),
        Just("familiebolig".to_string()),
        "[a-zæøå ]{1,10}",
        "\\PC{0,6}",
    ]
}

fn table(art: ImportArt) -> impl Strategy<Value = String> {
    let width = art.kolonner().len();
    proptest::collection::vec(proptest::collection::vec(cell(), width), 0..6).prop_map(move |rows| {
        let quote = |c: &String| format!("\"{}\"", c.replace('"', "\"\""));
        let mut text = art.kolonner().join(",");
        for r in rows {
            text.push('\n');
            text.push_str(&r.iter().map(quote).collect::<Vec<_>>().join(","));
        }
        text
    })
}

fn any_art() -> impl Strategy<Value = ImportArt> {
    proptest::sample::select(ImportArt::ALL.to_vec())
}

#[test]
fn importers_take_a_file_whole_or_refuse_it_and_change_nothing() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let t = runtime.block_on(TestApp::spawn());
    let aar = domain::Styringsaar::new(2026).unwrap();
    let config = ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(art in any_art(), text in any_art().prop_flat_map(table), raw in proptest::collection::vec(any::<u8>(), 0..200))| {
        runtime.block_on(async {
            let store = t.app.store();
            for (name, bytes) in [("fil.csv", text.as_bytes().to_vec()), ("fil.csv", raw.clone())] {
                let before = (store.stats().await.unwrap(), store.audit_events(1).await.unwrap());
                let outcome = match tabular::read_bytes(name, &bytes) {
                    Ok(table) => t.app.import(None, art, aar, &table, false).await.map(|_| ()),
                    Err(e) => Err(app::AppError::field("fil", e.to_string())),
                };
                match outcome {
                    Ok(()) => {}
                    Err(app::AppError::Invalid(errors)) => {
                        prop_assert!(!errors.is_empty());
                        for e in &errors {
                            prop_assert!(e.message.starts_with(name), "the refusal names the file: {}", e.message);
                        }
                        let after = (store.stats().await.unwrap(), store.audit_events(1).await.unwrap());
                        prop_assert!(before == after, "a refused file changed nothing");
                    }
                    Err(other) => prop_assert!(false, "{art:?}: not a refusal with reasons: {other:?}"),
                }
            }
            Ok(())
        })?;
    });
}
