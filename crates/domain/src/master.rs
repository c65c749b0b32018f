//! Master data: regioner, kommuner, boligorganisationer and afdelinger.

use crate::ids::{AfdelingNummer, Cvr, Kommunekode, OrganisationNummer, Regionskode};
use serde::{Deserialize, Serialize};

/// Database identity of a boligorganisation (not its public number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrganisationId(pub i64);

/// Database identity of an afdeling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AfdelingId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub kode: Regionskode,
    pub navn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kommune {
    pub kode: Kommunekode,
    pub navn: String,
    pub region: Regionskode,
    /// The kommune's CVR number: its caseworkers' logins carry it.
    pub cvr: Option<Cvr>,
}

/// What kind of organisation this is, which decides its report (guidance 2.1 and 6.2–6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// Almen boligorganisation med egne afdelinger: styringsrapport bilag 3 + bilag 4 per afdeling.
    EgneAfdelinger,
    /// Almen administrationsorganisation: styringsrapport bilag 5.
    Administration,
    /// The kinds exempt from the report/dialogue duty (guidance 2.1): covered by the goals only.
    RegionaleAeldreboliger,
    KommunaleAeldreboliger,
    SelvejendeAeldreboliger,
    SelvejendeUngdomsboliger,
}

/// Which report template a package uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rapporttype {
    Bilag3,
    Bilag5,
}

impl Rapporttype {
    pub const ALL: [Rapporttype; 2] = [Rapporttype::Bilag3, Rapporttype::Bilag5];
    pub fn as_str(self) -> &'static str {
        match self {
            Rapporttype::Bilag3 => "bilag3",
            Rapporttype::Bilag5 => "bilag5",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 6] = [
        OrganisationKind::EgneAfdelinger,
        OrganisationKind::Administration,
        OrganisationKind::RegionaleAeldreboliger,
        OrganisationKind::KommunaleAeldreboliger,
        OrganisationKind::SelvejendeAeldreboliger,
        OrganisationKind::SelvejendeUngdomsboliger,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::EgneAfdelinger => "egne_afdelinger",
            OrganisationKind::Administration => "administration",
            OrganisationKind::RegionaleAeldreboliger => "regionale_aeldreboliger",
            OrganisationKind::KommunaleAeldreboliger => "kommunale_aeldreboliger",
            OrganisationKind::SelvejendeAeldreboliger => "selvejende_aeldreboliger",
            OrganisationKind::SelvejendeUngdomsboliger => "selvejende_ungdomsboliger",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrganisationKind::EgneAfdelinger => "Almen boligorganisation med egne afdelinger",
            OrganisationKind::Administration => "Almen administrationsorganisation",
            OrganisationKind::RegionaleAeldreboliger => "Regionale almene ældreboliger",
            OrganisationKind::KommunaleAeldreboliger => "Kommunale almene ældreboliger",
            OrganisationKind::SelvejendeAeldreboliger => "Selvejende almene ældreboliger",
            OrganisationKind::SelvejendeUngdomsboliger => "Selvejende almene ungdomsboliger",
        }
    }

    /// The report this kind submits, or `None` for the kinds exempt under guidance 2.1.
    pub fn rapporttype(self) -> Option<Rapporttype> {
        match self {
            OrganisationKind::EgneAfdelinger => Some(Rapporttype::Bilag3),
            OrganisationKind::Administration => Some(Rapporttype::Bilag5),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrganisationId,
    pub nummer: OrganisationNummer,
    pub navn: String,
    pub kind: OrganisationKind,
    pub hjemstedskommune: Kommunekode,
    /// The administration organisation that administers this one, if any.
    pub administrator: Option<OrganisationId>,
    /// First month of the regnskabsår: 1 for calendar years, otherwise a forskudt regnskabsår.
    pub regnskabsaar_start_maaned: u8,
    /// The organisation's CVR number: its staff's logins carry it.
    pub cvr: Option<Cvr>,
}

/// A new organisation before it has a database identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrganisation {
    pub nummer: OrganisationNummer,
    pub navn: String,
    pub kind: OrganisationKind,
    pub hjemstedskommune: Kommunekode,
    /// Number of the administering organisation (resolved to an id on insert).
    pub administrator: Option<OrganisationNummer>,
    pub regnskabsaar_start_maaned: u8,
    pub cvr: Option<Cvr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Boligtype {
    Familie,
    Aeldre,
    Ungdom,
}

impl Boligtype {
    pub const ALL: [Boligtype; 3] = [Boligtype::Familie, Boligtype::Aeldre, Boligtype::Ungdom];
    pub fn as_str(self) -> &'static str {
        match self {
            Boligtype::Familie => "familie",
            Boligtype::Aeldre => "aeldre",
            Boligtype::Ungdom => "ungdom",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Boligtype::Familie => "Familieboliger",
            Boligtype::Aeldre => "Ældreboliger",
            Boligtype::Ungdom => "Ungdomsboliger",
        }
    }
}

/// Homes of one type in an afdeling.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Boliger {
    pub antal: u32,
    pub m2: u32,
}

/// The afdeling's physical and organisational facts (shared by new and stored afdelinger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AfdelingData {
    pub nummer: AfdelingNummer,
    pub navn: String,
    pub adresse: String,
    pub kommune: Kommunekode,
    pub familie: Boliger,
    pub aeldre: Boliger,
    pub ungdom: Boliger,
    pub erhverv_m2: u32,
    pub institution_m2: u32,
    pub garager: u32,
    pub ibrugtagningsaar: i32,
    pub under_opfoerelse: bool,
    pub afdelingsbestyrelse: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Afdeling {
    pub id: AfdelingId,
    pub organisation: OrganisationId,
    pub data: AfdelingData,
}

/// The rule for lejemålsenheder (docs/domain.md §5), kept as data in `data/regler/`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LejemaalsenhedRegel {
    /// Commercial and institution leases count one unit per started this many m².
    pub m2_per_enhed_erhverv: u32,
    /// How many garages or carports make one unit.
    pub garager_per_enhed: u32,
}

impl AfdelingData {
    pub fn boliger(&self, boligtype: Boligtype) -> Boliger {
        match boligtype {
            Boligtype::Familie => self.familie,
            Boligtype::Aeldre => self.aeldre,
            Boligtype::Ungdom => self.ungdom,
        }
    }

    pub fn boliger_i_alt(&self) -> u32 {
        self.familie.antal + self.aeldre.antal + self.ungdom.antal
    }

    pub fn bolig_m2_i_alt(&self) -> u32 {
        self.familie.m2 + self.aeldre.m2 + self.ungdom.m2
    }

    /// The housing type that dominates the afdeling (most homes; familie on ties).
    pub fn hovedboligtype(&self) -> Boligtype {
        let mut best = Boligtype::Familie;
        for t in Boligtype::ALL {
            if self.boliger(t).antal > self.boliger(best).antal {
                best = t;
            }
        }
        best
    }

    /// Lejemålsenheder: each home 1; commercial and institution leases 1 per started
    /// `m2_per_enhed_erhverv` m²; garages and carports 1 per `garager_per_enhed`.
    pub fn lejemaalsenheder(&self, regel: &LejemaalsenhedRegel) -> f64 {
        let per = regel.m2_per_enhed_erhverv.max(1);
        let erhverv = self.erhverv_m2.div_ceil(per) + self.institution_m2.div_ceil(per);
        f64::from(self.boliger_i_alt())
            + f64::from(erhverv)
            + f64::from(self.garager) / f64::from(regel.garager_per_enhed.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn afdeling() -> AfdelingData {
        AfdelingData {
            nummer: AfdelingNummer::new(1).unwrap(),
            navn: "Test".into(),
            adresse: "Vej 1".into(),
            kommune: Kommunekode::new(101).unwrap(),
            familie: Boliger { antal: 40, m2: 3000 },
            aeldre: Boliger { antal: 10, m2: 700 },
            ungdom: Boliger::default(),
            erhverv_m2: 61,
            institution_m2: 60,
            garager: 7,
            ibrugtagningsaar: 1970,
            under_opfoerelse: false,
            afdelingsbestyrelse: true,
        }
    }

    #[test]
    fn lejemaalsenheder_follow_the_rule() {
        let regel = LejemaalsenhedRegel { m2_per_enhed_erhverv: 60, garager_per_enhed: 5 };
        // 50 homes + 2 (61 m² started two 60 m² blocks) + 1 (60 m²) + 7/5 garages
        assert!((afdeling().lejemaalsenheder(&regel) - 54.4).abs() < 1e-9);
    }

    #[test]
    fn hovedboligtype_is_the_largest_group() {
        assert_eq!(afdeling().hovedboligtype(), Boligtype::Familie);
    }

    #[test]
    fn exempt_kinds_have_no_report() {
        assert_eq!(OrganisationKind::SelvejendeUngdomsboliger.rapporttype(), None);
        assert_eq!(OrganisationKind::Administration.rapporttype(), Some(Rapporttype::Bilag5));
        for k in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(k.as_str()), Some(k));
        }
    }
}
