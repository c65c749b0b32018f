//! Uploaded tables are untrusted: whatever the bytes, reading never panics, and a refusal
//! names the file and what is wrong.

use proptest::prelude::*;

fn check(file: &str, bytes: &[u8]) {
    match tabular::read_bytes(file, bytes) {
        Ok(table) => {
            // Every row has the header's width and a row number after the header's.
            for row in &table.rows {
                assert_eq!(row.cells.len(), table.headers.len());
                assert!(row.number >= 2);
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with(file), "the refusal names the file: {message}");
            assert!(message.len() > file.len() + 2, "and says what is wrong: {message}");
        }
    }
}

/// Lines of cells in either dialect, with quotes, empty cells and stray separators.
fn csv_like() -> impl Strategy<Value = String> {
    let cell = prop_oneof!["[a-zæøå0-9 .,-]{0,8}", "\"[^\"]{0,6}\"", Just(String::new()), "\"[a-z\"]{0,4}"];
    let line = (proptest::collection::vec(cell, 1..6), prop_oneof![Just(','), Just(';')])
        .prop_map(|(cells, sep)| cells.join(&sep.to_string()));
    proptest::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_as_csv(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check("data.csv", &bytes);
    }

    #[test]
    fn arbitrary_bytes_as_xlsx(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check("data.xlsx", &bytes);
    }

    #[test]
    fn zip_headers_with_garbage_as_xlsx(tail in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        check("data.xlsx", &bytes);
    }

    #[test]
    fn csv_like_text(text in csv_like()) {
        check("data.csv", text.as_bytes());
    }
}

#[test]
fn rows_are_numbered_as_the_user_sees_them_whatever_the_line_ends() {
    for text in ["a;b\r1;2\r3;4", "a;b\n1;2\n3;4", "a;b\r\n1;2\r\n3;4"] {
        let table = tabular::read_bytes("x.csv", text.as_bytes()).unwrap();
        let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 3], "{text:?}");
    }
}
