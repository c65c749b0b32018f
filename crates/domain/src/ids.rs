//! Identifier newtypes. Each has a private field and a checking constructor, so a value of
//! the type is always valid ("parse, don't validate").

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error("kommunekode skal være et tal mellem 101 og 860, fik «{0}»")]
    Kommunekode(String),
    #[error("regionskode skal være et tal mellem 1081 og 1085, fik «{0}»")]
    Regionskode(String),
    #[error("organisationsnummer skal være et positivt heltal, fik «{0}»")]
    OrganisationNummer(String),
    #[error("afdelingsnummer skal være et positivt heltal, fik «{0}»")]
    AfdelingNummer(String),
    #[error("styringsår skal være et årstal mellem 2000 og 2100, fik «{0}»")]
    Styringsaar(String),
    #[error("CVR-nummer skal være 8 cifre, fik «{0}»")]
    Cvr(String),
}

macro_rules! checked_id {
    ($name:ident, $inner:ty, $err:ident, $range:expr) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "i64", into = "i64")]
        pub struct $name($inner);

        impl $name {
            pub fn new(value: i64) -> Result<Self, IdError> {
                if $range.contains(&value) { Ok(Self(value as $inner)) } else { Err(IdError::$err(value.to_string())) }
            }
            pub fn get(self) -> $inner {
                self.0
            }
        }
        impl TryFrom<i64> for $name {
            type Error = IdError;
            fn try_from(value: i64) -> Result<Self, IdError> {
                Self::new(value)
            }
        }
        impl From<$name> for i64 {
            fn from(value: $name) -> i64 {
                value.0 as i64
            }
        }
        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                s.trim().parse::<i64>().map_err(|_| IdError::$err(s.to_string())).and_then(Self::new)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

checked_id!(Kommunekode, u16, Kommunekode, 101..=860);
checked_id!(Regionskode, u16, Regionskode, 1081..=1085);
checked_id!(OrganisationNummer, u32, OrganisationNummer, 1..=9_999_999);
checked_id!(AfdelingNummer, u32, AfdelingNummer, 1..=99_999);
checked_id!(Styringsaar, i32, Styringsaar, 2000..=2100);

impl Styringsaar {
    pub fn previous(self) -> Styringsaar {
        Styringsaar(self.0 - 1)
    }
}

/// A CVR number (Det Centrale Virksomhedsregister): the number a login from MitID Erhverv
/// carries, and by which it is mapped to an organisation, a kommune or the agency. Eight
/// digits; spaces and a leading "DK" are accepted on input ("DK 12 34 56 78").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cvr(u32);

impl Cvr {
    /// The weights of the modulus-11 check over a CVR number's eight digits.
    const VAEGTE: [u32; 8] = [2, 7, 6, 5, 4, 3, 2, 1];

    pub fn get(self) -> u32 {
        self.0
    }

    /// The CVR number of seven leading digits and the check digit that makes the weighted sum
    /// divisible by 11, as the register's numbers are; `None` when no digit does. Demo and
    /// test data make plausible numbers with it.
    pub fn med_kontrolciffer(foerste_syv: u32) -> Option<Cvr> {
        if !(1_000_000..=9_999_999).contains(&foerste_syv) {
            return None;
        }
        let sum: u32 = (0..7).map(|i| (foerste_syv / 10u32.pow(6 - i)) % 10 * Self::VAEGTE[i as usize]).sum();
        let ciffer = (11 - sum % 11) % 11;
        (ciffer < 10).then(|| Cvr(foerste_syv * 10 + ciffer))
    }

    /// The demo's organisations' CVR numbers: 40xxxxxx, by organisation number.
    pub const DEMO_ORGANISATIONER: u32 = 4_000_000;
    /// The demo's kommuners' CVR numbers: 29xxxxxx, by kommunekode.
    pub const DEMO_KOMMUNER: u32 = 2_900_000;

    /// A plausible CVR number for the `n`th of a series that starts at the seven leading
    /// digits `start` (demo and test data). Of two neighbouring prefixes 2n and 2n + 1 (the
    /// same but for the last digit) one always has a check digit, so distinct `n` give
    /// distinct numbers.
    pub fn i_serie(start: u32, n: u32) -> Cvr {
        let p = start.saturating_add(n.saturating_mul(2)).min(9_999_998);
        Cvr::med_kontrolciffer(p)
            .or_else(|| Cvr::med_kontrolciffer(p + 1))
            .expect("one of two neighbouring prefixes has a check digit")
    }

    /// Whether the number passes the register's modulus-11 check.
    pub fn har_gyldigt_kontrolciffer(self) -> bool {
        let sum: u32 = (0..8).map(|i| (self.0 / 10u32.pow(7 - i)) % 10 * Self::VAEGTE[i as usize]).sum();
        sum.is_multiple_of(11)
    }
}

impl std::str::FromStr for Cvr {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let compact: String = s.trim().trim_start_matches("DK").chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() == 8 && compact.bytes().all(|b| b.is_ascii_digit()) && !compact.starts_with('0') {
            compact.parse().map(Cvr).map_err(|_| IdError::Cvr(s.to_string()))
        } else {
            Err(IdError::Cvr(s.to_string()))
        }
    }
}

impl TryFrom<String> for Cvr {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        s.parse()
    }
}

impl From<Cvr> for String {
    fn from(c: Cvr) -> String {
        c.to_string()
    }
}

impl fmt::Display for Cvr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08}", self.0)
    }
}

/// A database row id: any value the database handed out. Unlike the checked ids above it
/// carries no rule, but its type says which table it belongs to.
macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                Self(value)
            }
        }
        impl From<$name> for i64 {
            fn from(value: $name) -> i64 {
                value.0
            }
        }
        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map(Self)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

row_id!(
    /// A dokumentationspakke.
    PakkeId
);
row_id!(
    /// An uploaded attachment of a package.
    BilagId
);
row_id!(
    /// An aftale between a kommune and an organisation.
    AftaleId
);
row_id!(
    /// A convened dialogue meeting (the invitation with its letter).
    DialogmoedeId
);
row_id!(
    /// A personal API key.
    ApiNoegleId
);
row_id!(
    /// A mail in the outbox.
    MailId
);

/// A package's revision: bumped by every change to the package or its answers, so a save made
/// from an older read is refused (optimistic concurrency). Answers record the revision they
/// were saved at; a redegørelse counts its own saves the same way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Revision(pub i64);

impl From<i64> for Revision {
    fn from(value: i64) -> Self {
        Self(value)
    }
}
impl From<Revision> for i64 {
    fn from(value: Revision) -> i64 {
        value.0
    }
}
impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvr_is_eight_digits_written_with_leading_dk_or_spaces() {
        assert_eq!("12345678".parse::<Cvr>().unwrap().to_string(), "12345678");
        assert_eq!("DK 12 34 56 78".parse::<Cvr>().unwrap().get(), 12_345_678);
        for bad in ["1234567", "123456789", "0234567a", "01234567", "", "12-34-56-78"] {
            assert!(bad.parse::<Cvr>().is_err(), "{bad}");
        }
        for prefix in [1_000_000, 2_900_101, 4_000_123, 9_999_999] {
            if let Some(c) = Cvr::med_kontrolciffer(prefix) {
                assert!(c.har_gyldigt_kontrolciffer(), "{c}");
                assert_eq!(c.get() / 10, prefix);
            }
        }
        assert!(Cvr::med_kontrolciffer(999_999).is_none());
        let serie: std::collections::BTreeSet<Cvr> =
            (0..5000).map(|n| Cvr::i_serie(Cvr::DEMO_ORGANISATIONER, n)).collect();
        assert_eq!(serie.len(), 5000, "distinct n give distinct numbers");
        assert!(serie.iter().all(|c| c.har_gyldigt_kontrolciffer()));
        let json = serde_json::to_string(&"87654321".parse::<Cvr>().unwrap()).unwrap();
        assert_eq!(json, "\"87654321\"");
    }

    #[test]
    fn kommunekode_range_is_checked() {
        assert!(Kommunekode::new(101).is_ok());
        assert!(Kommunekode::new(100).is_err());
        assert_eq!("851".parse::<Kommunekode>().unwrap().get(), 851);
        assert!("abc".parse::<Kommunekode>().is_err());
    }

    #[test]
    fn serde_rejects_invalid_ids() {
        assert!(serde_json::from_str::<Styringsaar>("1999").is_err());
        assert_eq!(serde_json::from_str::<Styringsaar>("2026").unwrap().get(), 2026);
    }
}
