//! The national demo: a deterministic, seeded generator of a dataset with the scale and shape
//! of the real sector (docs/domain.md §10), and its loading through the application's use
//! cases and the store's history writer (`seed_demo`): computations, demo users, packages and
//! five years of history. None of it ships in the application crate.

mod historik;
mod indlaesning;

pub use indlaesning::{DEMO_PASSWORD, DemoLogin, seed_demo};

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
