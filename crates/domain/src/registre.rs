//! Rows of accounts and register data, keyed by public numbers so that the demo generator
//! and the importers produce the same shape. Amounts are integer øre.

use crate::ids::{AfdelingNummer, Kommunekode, OrganisationNummer, Styringsaar};
use crate::master::Boligtype;
use crate::noegletal::OrganisationPost;
use crate::period::Regnskabsperiode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Udlejningsredskab {
    Venteliste,
    Fleksibel,
    KommunalAnvisning,
    Annoncering,
    KombineretUdlejning,
}

impl Udlejningsredskab {
    pub const ALL: [Udlejningsredskab; 5] = [
        Udlejningsredskab::Venteliste,
        Udlejningsredskab::Fleksibel,
        Udlejningsredskab::KommunalAnvisning,
        Udlejningsredskab::Annoncering,
        Udlejningsredskab::KombineretUdlejning,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Udlejningsredskab::Venteliste => "venteliste",
            Udlejningsredskab::Fleksibel => "fleksibel",
            Udlejningsredskab::KommunalAnvisning => "kommunal_anvisning",
            Udlejningsredskab::Annoncering => "annoncering",
            Udlejningsredskab::KombineretUdlejning => "kombineret_udlejning",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Udlejningsredskab::Venteliste => "Venteliste",
            Udlejningsredskab::Fleksibel => "Fleksibel udlejning",
            Udlejningsredskab::KommunalAnvisning => "Kommunal anvisning",
            Udlejningsredskab::Annoncering => "Annoncering",
            Udlejningsredskab::KombineretUdlejning => "Kombineret udlejning",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KlageKategori {
    Forbrugsregnskaber,
    Fraflytning,
    Husorden,
    Andet,
}

impl KlageKategori {
    pub const ALL: [KlageKategori; 4] =
        [KlageKategori::Forbrugsregnskaber, KlageKategori::Fraflytning, KlageKategori::Husorden, KlageKategori::Andet];
    pub fn as_str(self) -> &'static str {
        match self {
            KlageKategori::Forbrugsregnskaber => "forbrugsregnskaber",
            KlageKategori::Fraflytning => "fraflytning",
            KlageKategori::Husorden => "husorden",
            KlageKategori::Andet => "andet",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            KlageKategori::Forbrugsregnskaber => "Forbrugsregnskaber",
            KlageKategori::Fraflytning => "Fraflytning",
            KlageKategori::Husorden => "Husordenssager",
            KlageKategori::Andet => "Andet",
        }
    }
}

/// An organisation's regnskabsperiode; the styringsår follows from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodeRaekke {
    pub organisation: OrganisationNummer,
    pub periode: Regnskabsperiode,
}

/// One account line of an afdeling's accounts (kontoplan-afdeling.csv numbers, e.g. "112.1";
/// the balance of saved maintenance is [`AfdelingKontoRaekke::OPSPAREDE_HENLAEGGELSER`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AfdelingKontoRaekke {
    pub organisation: OrganisationNummer,
    pub afdeling: AfdelingNummer,
    pub styringsaar: Styringsaar,
    pub konto: String,
    pub beloeb_oere: i64,
}

impl AfdelingKontoRaekke {
    /// Balance post: saved maintenance (opsparede henlæggelser) at the end of the period.
    pub const OPSPAREDE_HENLAEGGELSER: &'static str = "opsparede_henlaeggelser";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationPostRaekke {
    pub organisation: OrganisationNummer,
    pub styringsaar: Styringsaar,
    pub post: OrganisationPost,
    pub beloeb_oere: i64,
}

/// Move-outs, vacancy and rent for one housing type of an afdeling in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoligtalRaekke {
    pub organisation: OrganisationNummer,
    pub afdeling: AfdelingNummer,
    pub styringsaar: Styringsaar,
    pub boligtype: Boligtype,
    /// External household move-outs in the year.
    pub fraflytninger: u32,
    /// Homes empty with rent loss at the count date.
    pub ledige: u32,
    /// Yearly rent in øre per m².
    pub aarsleje_oere_pr_m2: i64,
}

/// Lettings of familieboliger by rental tool in one kommune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UdlejningRaekke {
    pub organisation: OrganisationNummer,
    pub styringsaar: Styringsaar,
    pub kommune: Kommunekode,
    pub redskab: Udlejningsredskab,
    pub antal: u32,
}

/// Lettings of familieboliger by rental tool in one afdeling (section V: the allocation rules
/// used per afdeling). The kommune's totals are their sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AfdelingUdlejningRaekke {
    pub organisation: OrganisationNummer,
    pub afdeling: AfdelingNummer,
    pub styringsaar: Styringsaar,
    pub redskab: Udlejningsredskab,
    pub antal: u32,
}

/// Beboerklagenævn cases decided, and of those lost wholly or partly by the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KlageRaekke {
    pub organisation: OrganisationNummer,
    pub styringsaar: Styringsaar,
    pub kategori: KlageKategori,
    pub afgjorte: u32,
    pub tabte: u32,
}

/// Share (per mille) of residents aged 18–64 outside the labour market in an afdeling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArbejdsmarkedRaekke {
    pub organisation: OrganisationNummer,
    pub afdeling: AfdelingNummer,
    pub styringsaar: Styringsaar,
    pub uden_for_promille: u32,
}

/// The same share for a whole kommune, to compare afdelinger against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KommuneArbejdsmarkedRaekke {
    pub kommune: Kommunekode,
    pub styringsaar: Styringsaar,
    pub uden_for_promille: u32,
}
