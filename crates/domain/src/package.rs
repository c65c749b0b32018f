//! The dokumentationspakke's workflow (docs/domain.md §3, states [default]).
//!
//! `kladde → indsendt → (returneret → indsendt)* → modtaget → møde indkaldt → møde afholdt →
//! redegørelse i høring → redegørelse offentliggjort`. A returned package is open for the
//! organisation again, exactly like a kladde, but keeps its own state so the kommune's reason
//! stays visible until it is resubmitted.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PakkeStatus {
    Kladde,
    /// The deadline passed and the kommune recorded the package as not received: the dialogue
    /// goes on without it (§ 112, § 164 stk. 2). The organisation may still submit until a
    /// meeting is convened.
    IkkeModtaget,
    Indsendt,
    Returneret,
    Modtaget,
    MoedeIndkaldt,
    MoedeAfholdt,
    RedegoerelseIHoering,
    RedegoerelseOffentliggjort,
}

/// What can happen to a package. Each event is one audited transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PakkeHaendelse {
    Indsend,
    Returner,
    Modtag,
    IndkaldMoede,
    /// The last standing invitation is cancelled: the package waits for a new one.
    AflysMoede,
    MarkerMoedeAfholdt,
    SendRedegoerelseIHoering,
    OffentliggoerRedegoerelse,
    /// The kommune records that the package was not received by the deadline.
    RegistrerIkkeModtaget,
}

/// The kommune's reaction as supervisor when an organisation does not meet its duties (guidance
/// chapter 7; almenboliglovens § 164): a henstilling recommends, a påbud orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tilsynsreaktion {
    Henstilling,
    Paabud,
}

impl Tilsynsreaktion {
    pub const ALL: [Tilsynsreaktion; 2] = [Tilsynsreaktion::Henstilling, Tilsynsreaktion::Paabud];
    pub fn as_str(self) -> &'static str {
        match self {
            Tilsynsreaktion::Henstilling => "henstilling",
            Tilsynsreaktion::Paabud => "paabud",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Tilsynsreaktion::Henstilling => "Henstilling",
            Tilsynsreaktion::Paabud => "Påbud",
        }
    }
}

/// The reference number of a submission, on its receipt page and mail: one package per
/// organisation and styringsår, one number per version ("SD-2026-1234-1").
pub fn kvitteringsnummer(
    styringsaar: crate::Styringsaar,
    organisation: crate::OrganisationNummer,
    version: i64,
) -> String {
    format!("SD-{styringsaar}-{organisation}-{version}")
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Handlingen «{haendelse}» kan ikke udføres, når pakken har status «{status}»")]
pub struct UgyldigOvergang {
    pub status: &'static str,
    pub haendelse: &'static str,
}

impl PakkeStatus {
    pub const ALL: [PakkeStatus; 9] = [
        PakkeStatus::Kladde,
        PakkeStatus::IkkeModtaget,
        PakkeStatus::Indsendt,
        PakkeStatus::Returneret,
        PakkeStatus::Modtaget,
        PakkeStatus::MoedeIndkaldt,
        PakkeStatus::MoedeAfholdt,
        PakkeStatus::RedegoerelseIHoering,
        PakkeStatus::RedegoerelseOffentliggjort,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PakkeStatus::Kladde => "kladde",
            PakkeStatus::IkkeModtaget => "ikke_modtaget",
            PakkeStatus::Indsendt => "indsendt",
            PakkeStatus::Returneret => "returneret",
            PakkeStatus::Modtaget => "modtaget",
            PakkeStatus::MoedeIndkaldt => "moede_indkaldt",
            PakkeStatus::MoedeAfholdt => "moede_afholdt",
            PakkeStatus::RedegoerelseIHoering => "redegoerelse_i_hoering",
            PakkeStatus::RedegoerelseOffentliggjort => "redegoerelse_offentliggjort",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PakkeStatus::Kladde => "Kladde",
            PakkeStatus::IkkeModtaget => "Ikke modtaget",
            PakkeStatus::Indsendt => "Indsendt",
            PakkeStatus::Returneret => "Returneret til rettelse",
            PakkeStatus::Modtaget => "Modtaget",
            PakkeStatus::MoedeIndkaldt => "Møde indkaldt",
            PakkeStatus::MoedeAfholdt => "Møde afholdt",
            PakkeStatus::RedegoerelseIHoering => "Redegørelse i høring",
            PakkeStatus::RedegoerelseOffentliggjort => "Redegørelse offentliggjort",
        }
    }

    /// The organisation may edit answers only while the package is open to it.
    pub fn editable_by_organisation(self) -> bool {
        matches!(self, PakkeStatus::Kladde | PakkeStatus::Returneret | PakkeStatus::IkkeModtaget)
    }

    /// Has the package ever been submitted, so that its recipients may read a version?
    pub fn visible_to_recipients(self) -> bool {
        self != PakkeStatus::Kladde
    }

    /// The kommune has received the package (and not returned it): its material is then
    /// covered by public access to records (guidance 6.1), so public attachments are shown.
    pub fn received_by_kommune(self) -> bool {
        matches!(
            self,
            PakkeStatus::Modtaget
                | PakkeStatus::MoedeIndkaldt
                | PakkeStatus::MoedeAfholdt
                | PakkeStatus::RedegoerelseIHoering
                | PakkeStatus::RedegoerelseOffentliggjort
        )
    }

    /// Key figures become public only once the meeting is marked held (docs/domain.md §9).
    pub fn key_figures_public(self) -> bool {
        matches!(
            self,
            PakkeStatus::MoedeAfholdt | PakkeStatus::RedegoerelseIHoering | PakkeStatus::RedegoerelseOffentliggjort
        )
    }

    /// The state after `haendelse` of a package that was received, or why it is not allowed now.
    pub fn apply(self, haendelse: PakkeHaendelse) -> Result<PakkeStatus, UgyldigOvergang> {
        self.apply_for(haendelse, true)
    }

    /// The state after `haendelse`; `modtaget` is false while the dialogue runs without the
    /// package (a cancelled meeting then returns to «ikke modtaget»).
    pub fn apply_for(self, haendelse: PakkeHaendelse, modtaget: bool) -> Result<PakkeStatus, UgyldigOvergang> {
        use PakkeHaendelse as H;
        use PakkeStatus as S;
        let next = match (self, haendelse) {
            (S::Kladde | S::Returneret | S::IkkeModtaget, H::Indsend) => S::Indsendt,
            (S::Kladde | S::Returneret, H::RegistrerIkkeModtaget) => S::IkkeModtaget,
            (S::Indsendt | S::Modtaget, H::Returner) => S::Returneret,
            (S::Indsendt, H::Modtag) => S::Modtaget,
            (S::Modtaget | S::IkkeModtaget | S::MoedeIndkaldt, H::IndkaldMoede) => S::MoedeIndkaldt,
            (S::MoedeIndkaldt, H::AflysMoede) if modtaget => S::Modtaget,
            (S::MoedeIndkaldt, H::AflysMoede) => S::IkkeModtaget,
            (S::Modtaget | S::IkkeModtaget | S::MoedeIndkaldt, H::MarkerMoedeAfholdt) => S::MoedeAfholdt,
            (S::MoedeAfholdt, H::SendRedegoerelseIHoering) => S::RedegoerelseIHoering,
            (S::MoedeAfholdt | S::RedegoerelseIHoering, H::OffentliggoerRedegoerelse) => S::RedegoerelseOffentliggjort,
            _ => {
                return Err(UgyldigOvergang { status: self.label(), haendelse: haendelse.label() });
            }
        };
        Ok(next)
    }
}

impl PakkeHaendelse {
    pub const ALL: [PakkeHaendelse; 9] = [
        PakkeHaendelse::Indsend,
        PakkeHaendelse::Returner,
        PakkeHaendelse::Modtag,
        PakkeHaendelse::IndkaldMoede,
        PakkeHaendelse::AflysMoede,
        PakkeHaendelse::MarkerMoedeAfholdt,
        PakkeHaendelse::SendRedegoerelseIHoering,
        PakkeHaendelse::OffentliggoerRedegoerelse,
        PakkeHaendelse::RegistrerIkkeModtaget,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PakkeHaendelse::Indsend => "indsend",
            PakkeHaendelse::Returner => "returner",
            PakkeHaendelse::Modtag => "modtag",
            PakkeHaendelse::IndkaldMoede => "indkald_moede",
            PakkeHaendelse::AflysMoede => "aflys_moede",
            PakkeHaendelse::MarkerMoedeAfholdt => "marker_moede_afholdt",
            PakkeHaendelse::SendRedegoerelseIHoering => "send_redegoerelse_i_hoering",
            PakkeHaendelse::OffentliggoerRedegoerelse => "offentliggoer_redegoerelse",
            PakkeHaendelse::RegistrerIkkeModtaget => "registrer_ikke_modtaget",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PakkeHaendelse::Indsend => "Indsend",
            PakkeHaendelse::Returner => "Returnér til rettelse",
            PakkeHaendelse::Modtag => "Kvittér for modtagelse",
            PakkeHaendelse::IndkaldMoede => "Indkald til møde",
            PakkeHaendelse::AflysMoede => "Aflys mødet",
            PakkeHaendelse::MarkerMoedeAfholdt => "Markér mødet som afholdt",
            PakkeHaendelse::SendRedegoerelseIHoering => "Send redegørelsen i høring",
            PakkeHaendelse::OffentliggoerRedegoerelse => "Offentliggør redegørelsen",
            PakkeHaendelse::RegistrerIkkeModtaget => "Registrér at pakken ikke er modtaget",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PakkeHaendelse as H;
    use PakkeStatus as S;

    #[test]
    fn the_whole_cycle_is_allowed_in_order() {
        let mut s = S::Kladde;
        for h in [H::Indsend, H::Returner, H::Indsend, H::Modtag, H::IndkaldMoede]
            .into_iter()
            .chain([H::MarkerMoedeAfholdt, H::SendRedegoerelseIHoering])
            .chain([H::OffentliggoerRedegoerelse])
        {
            s = s.apply(h).unwrap();
        }
        assert_eq!(s, S::RedegoerelseOffentliggjort);
    }

    #[test]
    fn steps_cannot_be_skipped_or_repeated() {
        assert!(S::Kladde.apply(H::MarkerMoedeAfholdt).is_err());
        assert!(S::Kladde.apply(H::OffentliggoerRedegoerelse).is_err());
        assert!(S::Indsendt.apply(H::Indsend).is_err());
        assert!(S::RedegoerelseOffentliggjort.apply(H::Returner).is_err());
        assert!(S::MoedeAfholdt.apply(H::Returner).is_err());
    }

    #[test]
    fn the_dialogue_goes_on_without_a_package() {
        let s = S::Kladde.apply_for(H::RegistrerIkkeModtaget, false).unwrap();
        assert_eq!(s, S::IkkeModtaget);
        assert!(s.editable_by_organisation(), "the organisation may still submit late");
        assert!(!s.received_by_kommune() && !s.key_figures_public());
        assert_eq!(s.apply(H::Indsend), Ok(S::Indsendt));
        let indkaldt = s.apply_for(H::IndkaldMoede, false).unwrap();
        assert_eq!(indkaldt.apply_for(H::AflysMoede, false), Ok(S::IkkeModtaget));
        assert_eq!(indkaldt.apply_for(H::AflysMoede, true), Ok(S::Modtaget));
        assert_eq!(s.apply_for(H::MarkerMoedeAfholdt, false), Ok(S::MoedeAfholdt));
        // Only an unsubmitted package can be recorded missing, and only once.
        for from in [S::Indsendt, S::Modtaget, S::IkkeModtaget, S::MoedeAfholdt] {
            assert!(from.apply_for(H::RegistrerIkkeModtaget, false).is_err(), "{from:?}");
        }
        assert!(s.apply_for(H::Modtag, false).is_err() && s.apply_for(H::Returner, false).is_err());
    }

    #[test]
    fn key_figures_are_public_only_after_the_meeting() {
        let public: Vec<_> = S::ALL.into_iter().filter(|s| s.key_figures_public()).collect();
        assert_eq!(public, [S::MoedeAfholdt, S::RedegoerelseIHoering, S::RedegoerelseOffentliggjort]);
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }
}
