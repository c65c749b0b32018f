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
