//! The rules, the key-figure catalogue and the form templates are read from files a deployment
//! may change. Whatever bytes such a file holds, reading it never panics, and a refusal says
//! what is wrong. Arbitrary text and damaged copies of the shipped files are tried.

use domain::beregning::Katalog;
use domain::reference::Regelsaet;
use domain::template::Skabelon;
use proptest::prelude::*;

const REGLER: &str = include_str!("../../../data/regler/standard.toml");
const KATALOG: &str = include_str!("../../../data/regler/noegletal.toml");
const BILAG3: &str = include_str!("../../../data/templates/2026/bilag3.toml");

/// Every reader on one text; each refusal must carry a message.
fn read_all(text: &str) {
    if let Err(e) = Regelsaet::parse(text) {
        assert!(!e.to_string().trim().is_empty());
    }
    if let Err(e) = Katalog::parse(text) {
        assert!(!e.trim().is_empty());
    }
    if let Err(e) = Skabelon::parse(text) {
        assert!(!e.to_string().trim().is_empty());
    }
}

/// A shipped file with a slice replaced by other text: mostly still TOML, often wrong.
fn damaged(original: &'static str) -> impl Strategy<Value = String> {
    (0..original.len(), 0..200usize, ".{0,40}").prop_map(move |(start, len, insert)| {
        let start = (0..=start).rev().find(|i| original.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + len).min(original.len());
        let end = (end..=original.len()).find(|i| original.is_char_boundary(*i)).unwrap_or(original.len());
        format!("{}{insert}{}", &original[..start], &original[end..])
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_is_refused_with_a_reason(text in "\\PC{0,400}") {
        read_all(&text);
    }

    #[test]
    fn arbitrary_bytes_read_as_text_are_refused_with_a_reason(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        read_all(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn damaged_rules_never_panic(text in damaged(REGLER)) {
        read_all(&text);
    }

    #[test]
    fn damaged_catalogues_never_panic(text in damaged(KATALOG)) {
        read_all(&text);
    }

    #[test]
    fn damaged_templates_never_panic(text in damaged(BILAG3)) {
        read_all(&text);
    }
}
