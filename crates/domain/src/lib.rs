//! Pure rules of the styringsdialog: master data types, the yearly cycle, templates, key
//! figures and who may do what. No IO beyond parsing embedded data, no async, no framework.

pub mod access;
pub mod beregning;
pub mod bilag;
pub mod effektivitet;
pub mod haendelser;
pub mod ids;
pub mod master;
pub mod noegletal;
pub mod package;
pub mod period;
pub mod redegoerelse;
pub mod reference;
pub mod registre;
pub mod tal;
pub mod template;
pub mod varsling;

pub use ids::{
    AfdelingNummer, AftaleId, ApiNoegleId, BilagId, Cvr, DialogmoedeId, Kommunekode, MailId, OrganisationNummer,
    PakkeId, Regionskode, Revision, Styringsaar,
};
