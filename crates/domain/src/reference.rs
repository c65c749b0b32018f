//! Reference data and rules shipped as versioned data files under `data/`.

use crate::ids::{Kommunekode, Regionskode};
use crate::master::{Kommune, LejemaalsenhedRegel, Region};
use serde::{Deserialize, Serialize};

const KOMMUNER_CSV: &str = include_str!("../../../data/reference/kommuner.csv");
const STANDARD_REGLER: &str = include_str!("../../../data/regler/standard.toml");
const KONTOPLAN_CSV: &str = include_str!("../../../data/reference/kontoplan-afdeling.csv");

/// An account of the afdeling chart of accounts (kontoplan-afdeling.csv).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Konto {
    pub nummer: String,
    pub navn: String,
    pub i_effektivitetsmodel: bool,
}

/// The afdeling accounts the system knows, from `data/reference/kontoplan-afdeling.csv`.
pub fn kontoplan() -> &'static [Konto] {
    static KONTI: std::sync::OnceLock<Vec<Konto>> = std::sync::OnceLock::new();
    KONTI.get_or_init(|| {
        let mut reader = csv::Reader::from_reader(KONTOPLAN_CSV.as_bytes());
        reader
            .records()
            .filter_map(Result::ok)
            .map(|r| Konto { nummer: r[0].to_string(), navn: r[1].to_string(), i_effektivitetsmodel: &r[2] == "ja" })
            .collect()
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("kommuner.csv række {row}: {message}")]
    Kommuner { row: usize, message: String },
    #[error("regelfil: {0}")]
    Regler(String),
}

#[derive(Deserialize)]
struct KommuneRow {
    kommunekode: String,
    kommune: String,
    regionskode: String,
    region: String,
}

/// The name of a region ("Region Hovedstaden"), from the shipped reference data.
pub fn region_navn(kode: Regionskode) -> Option<&'static str> {
    static REGIONER: std::sync::OnceLock<Vec<Region>> = std::sync::OnceLock::new();
    REGIONER
        .get_or_init(|| kommuner_og_regioner().map(|(r, _)| r).unwrap_or_default())
        .iter()
        .find(|r| r.kode == kode)
        .map(|r| r.navn.as_str())
}

/// The 98 kommuner and 5 regioner from `data/reference/kommuner.csv`.
pub fn kommuner_og_regioner() -> Result<(Vec<Region>, Vec<Kommune>), ReferenceError> {
    parse_kommuner(KOMMUNER_CSV)
}

pub fn parse_kommuner(csv_text: &str) -> Result<(Vec<Region>, Vec<Kommune>), ReferenceError> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut regioner: Vec<Region> = Vec::new();
    let mut kommuner = Vec::new();
    for (i, row) in reader.deserialize::<KommuneRow>().enumerate() {
        let row_no = i + 2; // header is row 1
        let err = |message: String| ReferenceError::Kommuner { row: row_no, message };
        let row = row.map_err(|e| err(e.to_string()))?;
        let kode: Kommunekode = row.kommunekode.parse().map_err(|e| err(format!("{e}")))?;
        let region: Regionskode = row.regionskode.parse().map_err(|e| err(format!("{e}")))?;
        if !regioner.iter().any(|r| r.kode == region) {
            regioner.push(Region { kode: region, navn: row.region.clone() });
        }
        kommuner.push(Kommune { kode, navn: row.kommune, region, cvr: None });
    }
    regioner.sort_by_key(|r| r.kode);
    Ok((regioner, kommuner))
}

/// The rule sets by styringsår (data/regler/standard.toml).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regelsaet {
    pub version: u32,
    pub saet: Vec<Regler>,
}

impl Regelsaet {
    /// The rules shipped with this release.
    pub fn standard() -> Regelsaet {
        Self::parse(STANDARD_REGLER).expect("data/regler/standard.toml is valid")
    }

    pub fn parse(text: &str) -> Result<Regelsaet, ReferenceError> {
        let saet: Regelsaet = toml::from_str(text).map_err(|e| ReferenceError::Regler(e.to_string()))?;
        if saet.saet.is_empty() {
            return Err(ReferenceError::Regler("filen har intet [[saet]]".into()));
        }
        for regler in &saet.saet {
            regler.check()?;
        }
        Ok(saet)
    }

    /// The newest set (for tools that work outside a styringsår).
    pub fn nyeste(&self) -> &Regler {
        self.saet.iter().max_by_key(|r| r.fra_styringsaar).expect("parse refuses an empty file")
    }

    /// The set in force for a styringsår: the newest not later than it (the oldest before
    /// the first set).
    pub fn for_aar(&self, aar: crate::Styringsaar) -> &Regler {
        self.saet
            .iter()
            .filter(|r| r.fra_styringsaar <= aar.get())
            .max_by_key(|r| r.fra_styringsaar)
            .or_else(|| self.saet.iter().min_by_key(|r| r.fra_styringsaar))
            .expect("parse refuses an empty file")
    }
}

/// One set of rules kept as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regler {
    pub fra_styringsaar: i32,
    pub lejemaalsenhed: LejemaalsenhedRegel,
    pub moede: MoedeRegler,
    pub effektivitet: EffektivitetRegler,
    pub frist: FristRegler,
    /// The package's attachments; the standard set when a rule file has none.
    #[serde(default = "crate::bilag::BilagRegler::standard")]
    pub bilag: crate::bilag::BilagRegler,
    #[serde(default)]
    pub paamindelser: PaamindelseRegler,
    /// The early-warning signals across years; the defaults when a rule file has none.
    #[serde(default)]
    pub varsling: crate::varsling::VarslingRegler,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoedeRegler {
    pub varsel_dage: u32,
    /// The length of a meeting unless the kommune says otherwise (for the calendar file).
    #[serde(default = "default_varighed")]
    pub varighed_minutter: u32,
}

fn default_varighed() -> u32 {
    120
}

/// Reminder mails about the deadline: days before it, and days after it while the package is
/// still not submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaamindelseRegler {
    pub dage_foer_frist: Vec<u32>,
    pub dage_efter_frist: Vec<u32>,
}

impl Default for PaamindelseRegler {
    fn default() -> Self {
        Self { dage_foer_frist: vec![14, 3], dage_efter_frist: vec![1, 14] }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffektivitetRegler {
    pub roed_under_procent: f64,
    pub groen_fra_procent: f64,
    pub trim_andel: f64,
    pub min_sammenligningsgruppe: u32,
    /// Upper bounds (homes, exclusive) of the size bands for comparison groups.
    #[serde(default)]
    pub stoerrelsesgraenser: Vec<u32>,
    /// The benchmarked accounts of the efficiency model: account numbers, or the names of
    /// `grupper`.
    #[serde(default)]
    pub konti: Vec<String>,
    /// Accounts compared as one (docs/domain.md §6: 117, 121 and 122 may be combined as "117.h"):
    /// the group's cost is the sum of its accounts.
    #[serde(default)]
    pub grupper: std::collections::BTreeMap<String, Vec<String>>,
}

impl EffektivitetRegler {
    /// The accounts behind a benchmarked entry: a group's accounts, or the account itself.
    pub fn konti_i(&self, post: &str) -> Vec<String> {
        self.grupper.get(post).cloned().unwrap_or_else(|| vec![post.to_string()])
    }

    /// A benchmarked entry's amount (øre) in an afdeling's accounts: a group sums its
    /// accounts; None when none of them is there.
    pub fn beloeb(&self, konti: &std::collections::BTreeMap<String, i64>, post: &str) -> Option<i64> {
        let beloeb: Vec<i64> = self.konti_i(post).iter().filter_map(|k| konti.get(k).copied()).collect();
        (!beloeb.is_empty()).then(|| beloeb.iter().sum())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FristRegler {
    pub maaneder_efter_periodens_udloeb: u32,
    /// The accounts material's own deadline: months after the end of the regnskabsperiode
    /// (approved by the øverste myndighed; the material may follow the report as a supplement).
    #[serde(default = "FristRegler::standard_regnskab_maaneder")]
    pub regnskab_maaneder_efter_periodens_udloeb: u32,
    /// Days the organisation gets to resubmit a returned package (the kommune may change it).
    #[serde(default = "FristRegler::standard_dage")]
    pub genindsendelse_dage: u32,
    /// Days the organisation gets to comment on a redegørelse in høring.
    #[serde(default = "FristRegler::standard_dage")]
    pub hoering_dage: u32,
}

impl FristRegler {
    fn standard_dage() -> u32 {
        14
    }
    fn standard_regnskab_maaneder() -> u32 {
        6
    }
    /// The accounts material's deadline for a period.
    pub fn regnskab_frist(&self, periode: &crate::period::Regnskabsperiode) -> Option<chrono::NaiveDate> {
        periode.slut().checked_add_months(chrono::Months::new(self.regnskab_maaneder_efter_periodens_udloeb))
    }
}

impl Regler {
    /// The newest shipped set, for tools and tests that need one set of rules.
    pub fn standard() -> Regler {
        Regelsaet::standard().nyeste().clone()
    }

    fn check(&self) -> Result<(), ReferenceError> {
        self.varsling.check().map_err(ReferenceError::Regler)?;
        let e = &self.effektivitet;
        if !(0.0..=100.0).contains(&e.roed_under_procent) || e.groen_fra_procent < e.roed_under_procent {
            return Err(ReferenceError::Regler(
                "effektivitet: roed_under_procent skal være 0–100 og højst groen_fra_procent".into(),
            ));
        }
        if !(0.0..0.5).contains(&e.trim_andel) {
            return Err(ReferenceError::Regler("effektivitet: trim_andel skal være mellem 0 og 0,5".into()));
        }
        // An account may count once: alone or in one group.
        let mut brugt = std::collections::BTreeSet::new();
        for post in &e.konti {
            if e.grupper.get(post).is_some_and(Vec::is_empty) {
                return Err(ReferenceError::Regler(format!("effektivitet: gruppen «{post}» har ingen konti")));
            }
            for konto in e.konti_i(post) {
                if !brugt.insert(konto.clone()) {
                    return Err(ReferenceError::Regler(format!(
                        "effektivitet: konto {konto} indgår mere end én gang i konti (alene eller i en gruppe)"
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_country_has_98_kommuner_in_5_regioner() {
        let (regioner, kommuner) = kommuner_og_regioner().unwrap();
        assert_eq!(regioner.len(), 5);
        assert_eq!(kommuner.len(), 98);
        assert!(kommuner.iter().any(|k| k.kode.get() == 101 && k.navn == "København"));
    }

    #[test]
    fn bad_rows_name_the_row() {
        let err = parse_kommuner("kommunekode,kommune,regionskode,region\n101,A,1084,H\nx,B,1084,H\n").unwrap_err();
        assert!(err.to_string().contains("række 3"), "{err}");
    }

    #[test]
    fn accounts_117_121_and_122_can_be_compared_as_one() {
        let mut e = Regler::standard().effektivitet;
        let konti: std::collections::BTreeMap<String, i64> =
            [("117".to_string(), 100), ("121".into(), 20), ("109".into(), 7)].into_iter().collect();
        assert_eq!(e.beloeb(&konti, "117.h"), Some(120), "the group sums the accounts that are there");
        assert_eq!(e.beloeb(&konti, "109"), Some(7));
        assert_eq!(e.beloeb(&konti, "110"), None);
        // The merged variant is valid; counting an account twice is refused with the reason.
        let mut merged = Regler::standard();
        merged.effektivitet.konti = ["109", "110", "111", "112.1", "114", "115", "117.h"].map(String::from).to_vec();
        assert!(merged.check().is_ok());
        e.konti.push("117.h".into());
        let mut twice = Regler::standard();
        twice.effektivitet = e;
        let err = twice.check().unwrap_err().to_string();
        assert!(err.contains("konto 117 indgår mere end én gang"), "{err}");
    }

    #[test]
    fn the_chart_of_accounts_has_the_efficiency_accounts() {
        let model: Vec<_> = kontoplan().iter().filter(|k| k.i_effektivitetsmodel).map(|k| k.nummer.as_str()).collect();
        assert_eq!(model, ["109", "110", "111", "112.1", "114", "115", "117", "121", "122"]);
        assert_eq!(model, Regler::standard().effektivitet.konti);
    }

    #[test]
    fn standard_rules_parse() {
        let r = Regler::standard();
        assert_eq!(r.moede.varsel_dage, 14);
        assert_eq!(r.lejemaalsenhed.m2_per_enhed_erhverv, 60);
        assert!(Regelsaet::parse("version = 1").is_err());
        let alle = Regelsaet::standard();
        assert_eq!(alle.for_aar(crate::Styringsaar::new(2026).unwrap()), &r);
        assert_eq!(alle.for_aar(crate::Styringsaar::new(2001).unwrap()), &r, "years before the first set use it");
        // A later set applies from its year on.
        let text = STANDARD_REGLER.to_string()
            + &STANDARD_REGLER[STANDARD_REGLER.find("\n[[saet]]").unwrap()..]
                .replace("fra_styringsaar = 2020", "fra_styringsaar = 2027")
                .replace("varsel_dage = 14", "varsel_dage = 21");
        let to = Regelsaet::parse(&text).unwrap();
        assert_eq!(to.for_aar(crate::Styringsaar::new(2026).unwrap()).moede.varsel_dage, 14);
        assert_eq!(to.for_aar(crate::Styringsaar::new(2027).unwrap()).moede.varsel_dage, 21);
        assert_eq!(to.nyeste().fra_styringsaar, 2027);
    }
}
