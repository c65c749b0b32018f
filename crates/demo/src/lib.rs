//! A deterministic, seeded generator of a national dataset with the scale and shape of the
//! real sector (domain.md §10). Pure: it returns data; the app layer stores it.

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

mod generator;
