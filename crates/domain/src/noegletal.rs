//! Key figures (domain.md §5). This module holds the organisation-level accounts figures;
//! the catalogue grows with the computing core.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Posts of an organisation's accounts that key figures use. Amounts are in øre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationPost {
    Administrationsbidrag,
    ByggesagshonorarNybyggeri,
    AnskaffelsessumNybyggeri,
    ByggesagshonorarRenovering,
    AnskaffelsessumRenovering,
    DispositionsfondDisponibel,
    Arbejdskapital,
}

impl OrganisationPost {
    pub const ALL: [OrganisationPost; 7] = [
        OrganisationPost::Administrationsbidrag,
        OrganisationPost::ByggesagshonorarNybyggeri,
        OrganisationPost::AnskaffelsessumNybyggeri,
        OrganisationPost::ByggesagshonorarRenovering,
        OrganisationPost::AnskaffelsessumRenovering,
        OrganisationPost::DispositionsfondDisponibel,
        OrganisationPost::Arbejdskapital,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationPost::Administrationsbidrag => "administrationsbidrag",
            OrganisationPost::ByggesagshonorarNybyggeri => "byggesagshonorar_nybyggeri",
            OrganisationPost::AnskaffelsessumNybyggeri => "anskaffelsessum_nybyggeri",
            OrganisationPost::ByggesagshonorarRenovering => "byggesagshonorar_renovering",
            OrganisationPost::AnskaffelsessumRenovering => "anskaffelsessum_renovering",
            OrganisationPost::DispositionsfondDisponibel => "dispositionsfond_disponibel",
            OrganisationPost::Arbejdskapital => "arbejdskapital",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// An organisation's accounts for one period: post → amount in øre.
pub type OrganisationRegnskab = BTreeMap<OrganisationPost, i64>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enhed {
    KrPerLejemaalsenhed,
    Procent,
}

impl Enhed {
    pub fn label(self) -> &'static str {
        match self {
            Enhed::KrPerLejemaalsenhed => "kr. pr. lejemålsenhed",
            Enhed::Procent => "%",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Noegletal {
    pub id: &'static str,
    pub navn: &'static str,
    pub enhed: Enhed,
    /// `None` when the figure cannot be computed (no accounts, or nothing to divide by).
    pub vaerdi: Option<f64>,
}

/// The organisation-level accounts key figures of bilag 3 IV and bilag 5 B.
pub fn organisation_noegletal(regnskab: &OrganisationRegnskab, lejemaalsenheder: f64) -> Vec<Noegletal> {
    let kr = |post| regnskab.get(&post).map(|oere| *oere as f64 / 100.0);
    let per_enhed = |post| kr(post).filter(|_| lejemaalsenheder > 0.0).map(|v| v / lejemaalsenheder);
    let andel = |honorar, sum| match (kr(honorar), kr(sum)) {
        (Some(h), Some(s)) if s > 0.0 => Some(h / s * 100.0),
        _ => None,
    };
    use OrganisationPost as P;
    vec![
        Noegletal {
            id: "administrationsbidrag",
            navn: "Administrationsbidrag",
            enhed: Enhed::KrPerLejemaalsenhed,
            vaerdi: per_enhed(P::Administrationsbidrag),
        },
        Noegletal {
            id: "byggesagshonorar_nybyggeri",
            navn: "Byggesagshonorar, nybyggeri",
            enhed: Enhed::Procent,
            vaerdi: andel(P::ByggesagshonorarNybyggeri, P::AnskaffelsessumNybyggeri),
        },
        Noegletal {
            id: "byggesagshonorar_renovering",
            navn: "Byggesagshonorar, støttet renovering",
            enhed: Enhed::Procent,
            vaerdi: andel(P::ByggesagshonorarRenovering, P::AnskaffelsessumRenovering),
        },
        Noegletal {
            id: "dispositionsfond",
            navn: "Dispositionsfond (disponibel del)",
            enhed: Enhed::KrPerLejemaalsenhed,
            vaerdi: per_enhed(P::DispositionsfondDisponibel),
        },
        Noegletal {
            id: "arbejdskapital",
            navn: "Arbejdskapital",
            enhed: Enhed::KrPerLejemaalsenhed,
            vaerdi: per_enhed(P::Arbejdskapital),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_divide_by_lejemaalsenheder_and_anskaffelsessum() {
        let mut r = OrganisationRegnskab::new();
        r.insert(OrganisationPost::Administrationsbidrag, 400_000_000); // 4 mio. kr.
        r.insert(OrganisationPost::ByggesagshonorarNybyggeri, 150_000_000);
        r.insert(OrganisationPost::AnskaffelsessumNybyggeri, 5_000_000_000);
        let figures = organisation_noegletal(&r, 1000.0);
        assert_eq!(figures[0].vaerdi, Some(4000.0));
        assert_eq!(figures[1].vaerdi, Some(3.0));
        assert_eq!(figures[2].vaerdi, None, "no renovation cases");
        assert_eq!(organisation_noegletal(&r, 0.0)[0].vaerdi, None);
    }
}
