//! Report templates (bilag 3, 4 and 5) as versioned data per styringsår. Question ids are
//! stable across years so answers can be carried forward and compared.

use crate::master::Rapporttype;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Templates shipped with this release; an agency can add newer years as data.
const SHIPPED: &[&str] = &[
    include_str!("../../../data/templates/2026/bilag3.toml"),
    include_str!("../../../data/templates/2026/bilag5.toml"),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skabelon {
    pub rapporttype: Rapporttype,
    pub styringsaar: i32,
    pub version: u32,
    pub titel: String,
    pub sektioner: Vec<Sektion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sektion {
    pub id: String,
    pub titel: String,
    #[serde(default)]
    pub intro: Option<String>,
    pub spoergsmaal: Vec<Spoergsmaal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spoergsmaal {
    pub id: String,
    pub nummer: u32,
    pub tekst: String,
    /// The follow-up asked when the answer is yes ("Hvis ja, hvilke?").
    #[serde(default)]
    pub hvilke: Option<String>,
    pub svartype: Svartype,
    pub paakraevet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Svartype {
    /// Yes/no, and a text that is required when the answer is yes.
    JaNejHvilke,
    /// Free text.
    Tekst,
}

/// An answer to one question.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Svar {
    #[serde(default)]
    pub ja: Option<bool>,
    #[serde(default)]
    pub tekst: String,
}

impl Svar {
    pub fn is_empty(&self) -> bool {
        self.ja.is_none() && self.tekst.trim().is_empty()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SkabelonError {
    #[error("skabelonen kan ikke læses: {0}")]
    Syntax(String),
    #[error("skabelonen har ingen sektioner")]
    Tom,
    #[error("id «{0}» er brugt mere end én gang")]
    DobbeltId(String),
    #[error("sektion «{0}» har ingen spørgsmål")]
    TomSektion(String),
    #[error("spørgsmål «{0}» har ingen tekst")]
    TomTekst(String),
}

impl Skabelon {
    /// Parse and check a template file.
    pub fn parse(text: &str) -> Result<Skabelon, SkabelonError> {
        let skabelon: Skabelon = toml::from_str(text).map_err(|e| SkabelonError::Syntax(e.to_string()))?;
        if skabelon.sektioner.is_empty() {
            return Err(SkabelonError::Tom);
        }
        let mut seen = HashSet::new();
        for sektion in &skabelon.sektioner {
            if !seen.insert(sektion.id.as_str()) {
                return Err(SkabelonError::DobbeltId(sektion.id.clone()));
            }
            if sektion.spoergsmaal.is_empty() {
                return Err(SkabelonError::TomSektion(sektion.id.clone()));
            }
            for q in &sektion.spoergsmaal {
                if !seen.insert(q.id.as_str()) {
                    return Err(SkabelonError::DobbeltId(q.id.clone()));
                }
                if q.tekst.trim().is_empty() {
                    return Err(SkabelonError::TomTekst(q.id.clone()));
                }
            }
        }
        Ok(skabelon)
    }

    /// The shipped template in force for `rapporttype` in `styringsaar`: the newest one not
    /// newer than the year.
    pub fn shipped(rapporttype: Rapporttype, styringsaar: i32) -> Option<Skabelon> {
        SHIPPED
            .iter()
            .map(|text| Skabelon::parse(text).expect("shipped templates are valid"))
            .filter(|s| s.rapporttype == rapporttype && s.styringsaar <= styringsaar)
            .max_by_key(|s| (s.styringsaar, s.version))
            .or_else(|| {
                // Years before the first shipped template use the oldest one.
                SHIPPED
                    .iter()
                    .map(|text| Skabelon::parse(text).expect("shipped templates are valid"))
                    .filter(|s| s.rapporttype == rapporttype)
                    .min_by_key(|s| (s.styringsaar, s.version))
            })
    }

    pub fn sektion(&self, id: &str) -> Option<&Sektion> {
        self.sektioner.iter().find(|s| s.id == id)
    }

    pub fn spoergsmaal(&self) -> impl Iterator<Item = &Spoergsmaal> {
        self.sektioner.iter().flat_map(|s| s.spoergsmaal.iter())
    }
}

impl Spoergsmaal {
    /// Why the answer is not acceptable for submission, in Danish, or `None` when it is.
    pub fn fejl(&self, svar: Option<&Svar>) -> Option<String> {
        let empty = Svar::default();
        let svar = svar.unwrap_or(&empty);
        match self.svartype {
            Svartype::JaNejHvilke => match svar.ja {
                None if self.paakraevet => Some(format!("Svar ja eller nej til spørgsmål {}", self.nummer)),
                Some(true) if svar.tekst.trim().is_empty() => {
                    Some(format!("Beskriv hvilke, når du har svaret ja til spørgsmål {}", self.nummer))
                }
                _ => None,
            },
            Svartype::Tekst if self.paakraevet && svar.tekst.trim().is_empty() => {
                Some(format!("Besvar spørgsmål {}", self.nummer))
            }
            Svartype::Tekst => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_templates_exist_for_both_reports() {
        let b3 = Skabelon::shipped(Rapporttype::Bilag3, 2026).unwrap();
        assert_eq!(b3.spoergsmaal().count(), 5);
        assert_eq!(b3.spoergsmaal().next().unwrap().id, "b3.q1");
        let b5 = Skabelon::shipped(Rapporttype::Bilag5, 2030).unwrap();
        assert_eq!(b5.rapporttype, Rapporttype::Bilag5);
        assert!(Skabelon::shipped(Rapporttype::Bilag3, 2024).is_some());
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let text = r#"
            rapporttype = "bilag3"
            styringsaar = 2026
            version = 1
            titel = "x"
            [[sektioner]]
            id = "s"
            titel = "S"
            [[sektioner.spoergsmaal]]
            id = "q"
            nummer = 1
            tekst = "Q?"
            svartype = "tekst"
            paakraevet = true
            [[sektioner.spoergsmaal]]
            id = "q"
            nummer = 2
            tekst = "Q2?"
            svartype = "tekst"
            paakraevet = false
        "#;
        assert_eq!(Skabelon::parse(text), Err(SkabelonError::DobbeltId("q".into())));
    }

    #[test]
    fn yes_needs_a_which() {
        let b3 = Skabelon::shipped(Rapporttype::Bilag3, 2026).unwrap();
        let q = b3.spoergsmaal().next().unwrap();
        assert!(q.fejl(None).is_some());
        assert!(q.fejl(Some(&Svar { ja: Some(true), tekst: " ".into() })).is_some());
        assert!(q.fejl(Some(&Svar { ja: Some(true), tekst: "Fælles boligsociale tiltag".into() })).is_none());
        assert!(q.fejl(Some(&Svar { ja: Some(false), tekst: String::new() })).is_none());
    }
}
