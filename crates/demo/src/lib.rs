//! A deterministic, seeded generator of a national dataset with the scale and shape of the
//! real sector (docs/domain.md §10). Pure: it returns data; the app layer stores it.

use domain::Styringsaar;
use domain::master::Kommune;

/// Everything the demo puts in a database, keyed by public numbers.
pub type Dataset = store::BulkData;

/// Parameters of the generator.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    /// The styringsår the newest accounts lead to; accounts are made for this and earlier years.
    pub styringsaar: Styringsaar,
    /// How many years of accounts to make (at least 2).
    pub aar: u32,
    /// Scale factor on the national size (1.0 = the real sector; tests use less).
    pub skala: f64,
}

/// Generate the dataset for `kommuner` (the 98 real ones in production).
pub fn generate(kommuner: &[Kommune], options: &DemoOptions) -> Dataset {
    generator::generate(kommuner, options)
}

/// A year's afdeling accounts as an import file in the Danish Excel dialect (semicolon,
/// decimal comma): `organisation;afdeling;konto;beloeb`. `tillaeg_oere` is added to every
/// amount, so a benchmark can import a file where every line differs from what is stored.
pub fn regnskabsfil(data: &Dataset, aar: Styringsaar, tillaeg_oere: i64) -> String {
    use std::fmt::Write;
    let mut csv = String::from("organisation;afdeling;konto;beloeb\n");
    for k in data.afdeling_konti.iter().filter(|k| k.styringsaar == aar) {
        let oere = k.beloeb_oere + tillaeg_oere;
        let sign = if oere < 0 { "-" } else { "" };
        let (kr, rest) = (oere.abs() / 100, oere.abs() % 100);
        writeln!(csv, "{};{};{};{sign}{kr},{rest:02}", k.organisation, k.afdeling, k.konto)
            .expect("writing to a String");
    }
    csv
}

mod generator;
