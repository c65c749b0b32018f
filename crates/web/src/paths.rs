//! The system's own addresses, built in one place for pages, documents and the API.

use domain::access::Role;

/// The start page of a role.
pub fn home(role: Role) -> &'static str {
    match role {
        Role::Organisation => "/organisation",
        Role::Kommune => "/kommune",
        Role::Styrelse => "/styrelse",
    }
}

/// Where a public attachment (the accounts) is downloaded.
pub fn regnskab_sti(nummer: domain::OrganisationNummer, bilag: store::BilagId) -> String {
    format!("/offentlig/organisationer/{nummer}/regnskaber/{bilag}")
}

/// Where a published redegørelse's PDF is, for links and the API.
pub fn offentlig_sti(nummer: domain::OrganisationNummer, aar: domain::Styringsaar) -> String {
    format!("/offentlig/organisationer/{nummer}/redegoerelser/{aar}.pdf")
}
