//! The redegørelse's structure (docs/domain.md §7) and the aftaler (§8).
//!
//! A redegørelse is a summary, then per goal area of almenboligloven §§ 6 a–6 e both parties'
//! assessments and the initiatives pursued, then the aftaler. Its text is stored as a map from
//! field id to text; the ids are stable (`sammenfatning`, `<goal area>.<part>`, `aftaler`).

/// The five national goal areas: (stable id, heading).
pub const MAALOMRAADER: [(&str, &str); 5] = [
    ("oekonomi_og_drift", "Økonomi og drift"),
    ("boligafdelinger", "Boligafdelinger"),
    ("nybyggeri_og_renovering", "Nybyggeri og renovering"),
    ("udlejning", "Udlejning"),
    ("ledelse_og_beboerdemokrati", "Ledelse og beboerdemokrati"),
];

/// The parts of a goal area: (stable id, label, guidance shown to the writer).
pub const DELE: [(&str, &str, &str); 3] = [
    ("organisation", "Boligorganisationens vurdering", "Organisationens vurdering af sine resultater og udfordringer."),
    ("kommune", "Kommunens vurdering", "Kommunens vurdering af organisationens resultater og udfordringer."),
    ("initiativer", "Initiativer", "Om organisationen forfølger relevante initiativer for målet, og hvilke."),
];

pub const SAMMENFATNING: &str = "sammenfatning";
pub const AFTALER: &str = "aftaler";

/// The id of a goal area's part, e.g. `udlejning.kommune`.
pub fn felt(omraade: &str, del: &str) -> String {
    format!("{omraade}.{del}")
}

/// Every field of a redegørelse, in reading order.
pub fn felter() -> Vec<String> {
    let mut out = vec![SAMMENFATNING.to_string()];
    for (omraade, _) in MAALOMRAADER {
        out.extend(DELE.iter().map(|(del, _, _)| felt(omraade, del)));
    }
    out.push(AFTALER.to_string());
    out
}

/// The heading of a goal area id.
pub fn maalomraade_titel(id: &str) -> Option<&'static str> {
    MAALOMRAADER.iter().find(|(a, _)| *a == id).map(|(_, t)| *t)
}

/// A readable label of any field id ("Udlejning: Kommunens vurdering").
pub fn felt_titel(id: &str) -> Option<String> {
    match id {
        SAMMENFATNING => Some("Sammenfatning af dialogen".into()),
        AFTALER => Some("Aftaler".into()),
        _ => {
            let (omraade, del) = id.split_once('.')?;
            let del = DELE.iter().find(|(d, _, _)| *d == del)?.1;
            Some(format!("{}: {del}", maalomraade_titel(omraade)?))
        }
    }
}

/// The status of an aftale over the years (docs/domain.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AftaleStatus {
    /// The parties agree to seek the aftale later: the redegørelse describes "aftaler, som
    /// parterne er enige om efterfølgende at søge indgået" (driftsbekendtgørelsen § 112 stk. 7
    /// and 8, the guidance on the redegørelse). Not made yet, but followed up.
    SoegesIndgaaet,
    Aftalt,
    IGang,
    Opfyldt,
    IkkeOpfyldt,
    Bortfaldet,
}

impl AftaleStatus {
    pub const ALL: [AftaleStatus; 6] = [
        AftaleStatus::SoegesIndgaaet,
        AftaleStatus::Aftalt,
        AftaleStatus::IGang,
        AftaleStatus::Opfyldt,
        AftaleStatus::IkkeOpfyldt,
        AftaleStatus::Bortfaldet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AftaleStatus::SoegesIndgaaet => "soeges_indgaaet",
            AftaleStatus::Aftalt => "aftalt",
            AftaleStatus::IGang => "i_gang",
            AftaleStatus::Opfyldt => "opfyldt",
            AftaleStatus::IkkeOpfyldt => "ikke_opfyldt",
            AftaleStatus::Bortfaldet => "bortfaldet",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AftaleStatus::SoegesIndgaaet => "Søges indgået",
            AftaleStatus::Aftalt => "Aftalt",
            AftaleStatus::IGang => "I gang",
            AftaleStatus::Opfyldt => "Opfyldt",
            AftaleStatus::IkkeOpfyldt => "Ikke opfyldt",
            AftaleStatus::Bortfaldet => "Bortfaldet",
        }
    }

    /// Still to be followed up: it carries into next year's package and redegørelse.
    pub fn aaben(self) -> bool {
        matches!(self, AftaleStatus::SoegesIndgaaet | AftaleStatus::Aftalt | AftaleStatus::IGang)
    }
}

/// Typical subjects of aftaler (docs/domain.md §8), offered as suggestions.
pub const AFTALE_EMNER: [&str; 5] = [
    "Helhedsplan",
    "Kombinerede udlejningsredskaber",
    "Boligstandard, energi og arkitektur",
    "Særlig indsats i organisationen",
    "Effektivisering af driften",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_a_label_and_ids_are_unique() {
        let felter = felter();
        assert_eq!(felter.len(), 2 + 5 * 3);
        let unique: std::collections::BTreeSet<_> = felter.iter().collect();
        assert_eq!(unique.len(), felter.len());
        for f in &felter {
            assert!(felt_titel(f).is_some(), "{f}");
        }
        assert_eq!(felt_titel("udlejning.kommune").unwrap(), "Udlejning: Kommunens vurdering");
        assert!(felt_titel("udlejning.x").is_none());
    }

    #[test]
    fn open_aftaler_are_sought_agreed_or_in_progress() {
        let aabne: Vec<_> = AftaleStatus::ALL.into_iter().filter(|s| s.aaben()).collect();
        assert_eq!(aabne, [AftaleStatus::SoegesIndgaaet, AftaleStatus::Aftalt, AftaleStatus::IGang]);
        for s in AftaleStatus::ALL {
            assert_eq!(AftaleStatus::parse(s.as_str()), Some(s));
        }
    }
}
