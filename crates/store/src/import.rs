//! Generic upserts for register and accounts imports. Each importable table is described
//! once (its key and value columns); table and column names come only from these constants,
//! never from input.

/// One key field of an imported row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Felt {
    Tal(i64),
    Tekst(String),
}

/// An importable table: key columns (including `styringsaar`) and integer value columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tabel {
    pub navn: &'static str,
    /// Key columns except `styringsaar`, which every table has.
    pub noegle: &'static [&'static str],
    pub vaerdier: &'static [&'static str],
}

pub const AFDELING_KONTI: Tabel =
    Tabel { navn: "afdeling_konti", noegle: &["afdeling_id", "konto"], vaerdier: &["beloeb_oere"] };
pub const ORGANISATION_POSTER: Tabel =
    Tabel { navn: "organisation_poster", noegle: &["organisation_id", "post"], vaerdier: &["beloeb_oere"] };
pub const BOLIGTAL: Tabel = Tabel {
    navn: "boligtal",
    noegle: &["afdeling_id", "boligtype"],
    vaerdier: &["fraflytninger", "ledige", "aarsleje_oere_pr_m2"],
};
pub const UDLEJNINGER: Tabel =
    Tabel { navn: "udlejninger", noegle: &["organisation_id", "kommunekode", "redskab"], vaerdier: &["antal"] };
/// Lettings per afdeling; importing them makes the organisation's kommune rows in
/// [`UDLEJNINGER`] their sums, in the same transaction.
pub const AFDELING_UDLEJNINGER: Tabel =
    Tabel { navn: "afdeling_udlejninger", noegle: &["afdeling_id", "redskab"], vaerdier: &["antal"] };
pub const BEBOERKLAGER: Tabel =
    Tabel { navn: "beboerklager", noegle: &["organisation_id", "kategori"], vaerdier: &["afgjorte", "tabte"] };
pub const ARBEJDSMARKED: Tabel =
    Tabel { navn: "arbejdsmarked", noegle: &["afdeling_id"], vaerdier: &["uden_for_promille"] };
pub const KOMMUNE_ARBEJDSMARKED: Tabel =
    Tabel { navn: "kommune_arbejdsmarked", noegle: &["kommunekode"], vaerdier: &["uden_for_promille"] };

/// A row to import: the key (in the table's key order) and the values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRaekke {
    pub noegle: Vec<Felt>,
    pub vaerdier: Vec<i64>,
}
