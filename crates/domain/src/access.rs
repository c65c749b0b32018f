//! Who may do what (docs/domain.md §2). Every use case asks [`Principal::may`] before it acts,
//! so the scope rules live in one place and are tested here for every role.

use crate::ids::Kommunekode;
use crate::master::OrganisationId;
use crate::package::PakkeStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Staff or board of one or more boligorganisationer.
    Organisation,
    /// Caseworker of one kommune.
    Kommune,
    /// The national agency that runs the system.
    Styrelse,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Organisation, Role::Kommune, Role::Styrelse];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Organisation => "organisation",
            Role::Kommune => "kommune",
            Role::Styrelse => "styrelse",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Organisation => "Boligorganisation",
            Role::Kommune => "Kommune",
            Role::Styrelse => "Styrelsen",
        }
    }
}

/// An authenticated user with the scope the request may act within.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: UserId,
    pub role: Role,
    /// The kommune of a kommune user.
    pub kommune: Option<Kommunekode>,
    /// The organisations of an organisation user, including those its administration
    /// organisation administers.
    pub organisationer: BTreeSet<OrganisationId>,
}

/// The facts about a package that scope decisions need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PakkeScope {
    pub organisation: OrganisationId,
    pub hjemstedskommune: Kommunekode,
    /// The kommuner the package was sent to (empty until first submission).
    pub modtagere: Vec<Kommunekode>,
    pub status: PakkeStatus,
}

/// Operations on one package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PakkeTilladelse {
    /// Read the working copy, including unsubmitted answers.
    LaesKladde,
    /// Change answers and submit.
    Rediger,
    /// Read the submitted versions.
    LaesIndsendt,
    /// Receive, return, convene, mark held, write and publish the redegørelse.
    Behandl,
    /// A beliggenhedskommune's own meeting about its afdelinger (no change to the package).
    EgetMoede,
    /// Comment on the redegørelse while it is in høring.
    Bemaerk,
    /// Remind the organisation of a package it has not submitted (the supervising kommune).
    Paamind,
    /// Record that the package was not received by the deadline (the supervising kommune).
    RegistrerIkkeModtaget,
    /// Record a henstilling or a påbud to the organisation (the supervising kommune).
    Tilsynsreaktion,
}

/// Operations that do not concern one package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tilladelse {
    /// The kommune's overview of packages sent to it.
    KommuneOversigt,
    /// National status, package creation, master data.
    Styrelse,
    /// Manage users.
    Brugere,
}

impl Principal {
    pub fn is_member_of(&self, organisation: OrganisationId) -> bool {
        self.role == Role::Organisation && self.organisationer.contains(&organisation)
    }

    pub fn may(&self, tilladelse: Tilladelse) -> bool {
        match tilladelse {
            Tilladelse::KommuneOversigt => self.role == Role::Kommune && self.kommune.is_some(),
            Tilladelse::Styrelse | Tilladelse::Brugere => self.role == Role::Styrelse,
        }
    }

    pub fn may_pakke(&self, tilladelse: PakkeTilladelse, pakke: &PakkeScope) -> bool {
        let submitted = pakke.status.visible_to_recipients();
        match (self.role, tilladelse) {
            (Role::Organisation, PakkeTilladelse::LaesKladde | PakkeTilladelse::LaesIndsendt) => {
                self.is_member_of(pakke.organisation)
            }
            (Role::Organisation, PakkeTilladelse::Rediger) => {
                self.is_member_of(pakke.organisation) && pakke.status.editable_by_organisation()
            }
            // A package recorded as not received is routed to its hjemstedskommune alone, which
            // then reads its record (meeting, redegørelse, events) but never the organisation's
            // working copy: readers of the submitted versions get only those, and there are none.
            (Role::Kommune, PakkeTilladelse::LaesIndsendt) => {
                submitted && self.kommune.is_some_and(|k| pakke.modtagere.contains(&k))
            }
            // The hjemstedskommune acts on what was sent to it: an organisation that moved
            // after submitting does not hand its package to the new kommune.
            (Role::Kommune, PakkeTilladelse::Behandl) => {
                submitted
                    && self.kommune == Some(pakke.hjemstedskommune)
                    && pakke.modtagere.contains(&pakke.hjemstedskommune)
            }
            (Role::Kommune, PakkeTilladelse::RegistrerIkkeModtaget) => {
                matches!(pakke.status, PakkeStatus::Kladde | PakkeStatus::Returneret)
                    && self.kommune == Some(pakke.hjemstedskommune)
            }
            (Role::Kommune, PakkeTilladelse::Tilsynsreaktion) => self.kommune == Some(pakke.hjemstedskommune),
            (Role::Kommune, PakkeTilladelse::EgetMoede) => {
                submitted && self.kommune.is_some_and(|k| k != pakke.hjemstedskommune && pakke.modtagere.contains(&k))
            }
            (Role::Organisation, PakkeTilladelse::Bemaerk) => {
                self.is_member_of(pakke.organisation) && pakke.status == PakkeStatus::RedegoerelseIHoering
            }
            (Role::Kommune, PakkeTilladelse::Paamind) => {
                pakke.status.editable_by_organisation() && self.kommune == Some(pakke.hjemstedskommune)
            }
            (Role::Styrelse, PakkeTilladelse::LaesIndsendt) => submitted,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: i64) -> Kommunekode {
        Kommunekode::new(code).unwrap()
    }

    fn principal(role: Role, kommune: Option<i64>, orgs: &[i64]) -> Principal {
        Principal {
            user_id: UserId(1),
            role,
            kommune: kommune.map(k),
            organisationer: orgs.iter().map(|o| OrganisationId(*o)).collect(),
        }
    }

    fn pakke(status: PakkeStatus) -> PakkeScope {
        let modtagere = if status == PakkeStatus::Kladde { vec![] } else { vec![k(101), k(147)] };
        PakkeScope { organisation: OrganisationId(7), hjemstedskommune: k(101), modtagere, status }
    }

    #[test]
    fn organisation_users_reach_only_their_own_organisations() {
        let own = principal(Role::Organisation, None, &[7]);
        let other = principal(Role::Organisation, None, &[8]);
        for status in PakkeStatus::ALL {
            let p = pakke(status);
            assert!(own.may_pakke(PakkeTilladelse::LaesKladde, &p));
            assert_eq!(own.may_pakke(PakkeTilladelse::Rediger, &p), status.editable_by_organisation());
            assert!(!own.may_pakke(PakkeTilladelse::Behandl, &p));
            for t in [PakkeTilladelse::LaesKladde, PakkeTilladelse::LaesIndsendt, PakkeTilladelse::Rediger] {
                assert!(!other.may_pakke(t, &p), "{t:?} {status:?}");
            }
        }
    }

    #[test]
    fn kommuner_see_only_what_was_sent_to_them() {
        let hjemsted = principal(Role::Kommune, Some(101), &[]);
        let beliggenhed = principal(Role::Kommune, Some(147), &[]);
        let outsider = principal(Role::Kommune, Some(851), &[]);
        let draft = pakke(PakkeStatus::Kladde);
        let sent = pakke(PakkeStatus::Indsendt);
        for kommune in [&hjemsted, &beliggenhed, &outsider] {
            assert!(!kommune.may_pakke(PakkeTilladelse::LaesIndsendt, &draft));
            assert!(!kommune.may_pakke(PakkeTilladelse::LaesKladde, &sent));
            assert!(!kommune.may_pakke(PakkeTilladelse::Rediger, &sent));
        }
        assert!(hjemsted.may_pakke(PakkeTilladelse::LaesIndsendt, &sent));
        assert!(hjemsted.may_pakke(PakkeTilladelse::Behandl, &sent));
        assert!(beliggenhed.may_pakke(PakkeTilladelse::LaesIndsendt, &sent));
        assert!(!beliggenhed.may_pakke(PakkeTilladelse::Behandl, &sent));
        assert!(!outsider.may_pakke(PakkeTilladelse::LaesIndsendt, &sent));
        // Only a beliggenhedskommune holds its own meeting; the hjemstedskommune convenes.
        assert!(beliggenhed.may_pakke(PakkeTilladelse::EgetMoede, &sent));
        assert!(!hjemsted.may_pakke(PakkeTilladelse::EgetMoede, &sent));
        assert!(!outsider.may_pakke(PakkeTilladelse::EgetMoede, &sent));
        assert!(!beliggenhed.may_pakke(PakkeTilladelse::EgetMoede, &draft));
    }

    #[test]
    fn a_kommune_acts_only_on_packages_sent_to_it() {
        // Sent to 101 and 147; the organisation has since moved its seat to 851.
        let moved = PakkeScope { hjemstedskommune: k(851), ..pakke(PakkeStatus::Indsendt) };
        let ny = principal(Role::Kommune, Some(851), &[]);
        let gammel = principal(Role::Kommune, Some(101), &[]);
        for t in [PakkeTilladelse::Behandl, PakkeTilladelse::LaesIndsendt, PakkeTilladelse::EgetMoede] {
            assert!(!ny.may_pakke(t, &moved), "{t:?}");
        }
        assert!(gammel.may_pakke(PakkeTilladelse::LaesIndsendt, &moved));
    }

    #[test]
    fn only_the_organisation_comments_and_only_in_hoering() {
        let own = principal(Role::Organisation, None, &[7]);
        let other = principal(Role::Organisation, None, &[8]);
        let kommune = principal(Role::Kommune, Some(101), &[]);
        for status in PakkeStatus::ALL {
            let p = pakke(status);
            assert_eq!(own.may_pakke(PakkeTilladelse::Bemaerk, &p), status == PakkeStatus::RedegoerelseIHoering);
            assert!(!other.may_pakke(PakkeTilladelse::Bemaerk, &p));
            assert!(!kommune.may_pakke(PakkeTilladelse::Bemaerk, &p));
        }
    }

    #[test]
    fn without_a_package_only_the_hjemstedskommune_acts_and_reads_no_draft() {
        let hjemsted = principal(Role::Kommune, Some(101), &[]);
        let beliggenhed = principal(Role::Kommune, Some(147), &[]);
        let draft = pakke(PakkeStatus::Kladde);
        assert!(hjemsted.may_pakke(PakkeTilladelse::RegistrerIkkeModtaget, &draft));
        assert!(!beliggenhed.may_pakke(PakkeTilladelse::RegistrerIkkeModtaget, &draft));
        assert!(!hjemsted.may_pakke(PakkeTilladelse::RegistrerIkkeModtaget, &pakke(PakkeStatus::Indsendt)));
        // Recorded as not received: routed to the hjemstedskommune only.
        let uden = PakkeScope { modtagere: vec![k(101)], ..pakke(PakkeStatus::IkkeModtaget) };
        assert!(hjemsted.may_pakke(PakkeTilladelse::Behandl, &uden));
        assert!(hjemsted.may_pakke(PakkeTilladelse::LaesIndsendt, &uden));
        assert!(!hjemsted.may_pakke(PakkeTilladelse::LaesKladde, &uden));
        for t in [PakkeTilladelse::Behandl, PakkeTilladelse::LaesIndsendt, PakkeTilladelse::Tilsynsreaktion] {
            assert!(!beliggenhed.may_pakke(t, &uden), "{t:?}");
            assert!(!principal(Role::Organisation, None, &[8]).may_pakke(t, &uden), "{t:?}");
        }
        // The organisation may still submit late; the kommune may remind it.
        assert!(principal(Role::Organisation, None, &[7]).may_pakke(PakkeTilladelse::Rediger, &uden));
        assert!(hjemsted.may_pakke(PakkeTilladelse::Paamind, &uden));
        assert!(hjemsted.may_pakke(PakkeTilladelse::Tilsynsreaktion, &draft));
    }

    #[test]
    fn the_agency_never_reads_drafts() {
        let styrelse = principal(Role::Styrelse, None, &[]);
        assert!(!styrelse.may_pakke(PakkeTilladelse::LaesKladde, &pakke(PakkeStatus::Kladde)));
        assert!(!styrelse.may_pakke(PakkeTilladelse::LaesIndsendt, &pakke(PakkeStatus::Kladde)));
        assert!(styrelse.may_pakke(PakkeTilladelse::LaesIndsendt, &pakke(PakkeStatus::Indsendt)));
        assert!(styrelse.may(Tilladelse::Styrelse) && styrelse.may(Tilladelse::Brugere));
        assert!(!principal(Role::Kommune, Some(101), &[]).may(Tilladelse::Brugere));
    }
}
