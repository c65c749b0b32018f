//! The organisation accounts posts that key figures use (docs/domain.md §5); the figures
//! themselves are computed in `beregning`.

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
