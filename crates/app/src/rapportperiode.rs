//! The report period the hjemstedskommune may set (almenboliglovens § 112, stk. 4): the time
//! since the last dialogue meeting, or a period it chooses. The default stays the accounting
//! period.

use crate::{App, AppError, SessionUser};
use chrono::NaiveDate;
use domain::OrganisationNummer;
use domain::Styringsaar;
use domain::period::Rapportperiode;
use serde_json::json;
use std::collections::BTreeMap;
use store::PakkeRecord;

/// What the kommune chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RapportperiodeValg {
    /// The accounting period (the default; removes a period set before).
    Regnskabsperiode,
    /// From the day after the newest dialogue meeting held with the organisation, to the
    /// package's deadline (the report is written up to then).
    SidenSidsteMoede,
    /// A period the kommune chooses.
    Valgt(Rapportperiode),
}

impl App {
    /// Sets the report period of a styringsår's packages of the organisations the kommune
    /// supervises, or of one (`organisation`). Returns how many packages got it. With
    /// [`RapportperiodeValg::SidenSidsteMoede`], an organisation without a registered meeting
    /// in the last three styringsår is refused by name, and nothing changes.
    pub async fn fastsaet_rapportperiode(
        &self,
        user: &SessionUser,
        aar: Styringsaar,
        valg: RapportperiodeValg,
        organisation: Option<OrganisationNummer>,
    ) -> Result<usize, AppError> {
        let pakker = self.valgte_tilsynspakker(user, aar, organisation).await?;
        let valgte: Vec<&PakkeRecord> = pakker.iter().collect();
        let perioder: Vec<(store::PakkeId, Option<Rapportperiode>)> = match valg {
            RapportperiodeValg::Regnskabsperiode => valgte.iter().map(|p| (p.id, None)).collect(),
            RapportperiodeValg::Valgt(periode) => valgte.iter().map(|p| (p.id, Some(periode))).collect(),
            RapportperiodeValg::SidenSidsteMoede => {
                let moeder = self.seneste_moeder(&valgte, aar).await?;
                let mut ud = Vec::new();
                let mut uden = Vec::new();
                for p in &valgte {
                    let til = p.frist.unwrap_or(p.periode.slut());
                    match moeder.get(&p.organisation).and_then(|m| m.succ_opt()) {
                        Some(fra) if fra <= til => ud.push((p.id, Some(Rapportperiode { fra, til }))),
                        _ => uden.push(p.organisation_navn.clone()),
                    }
                }
                if !uden.is_empty() {
                    return Err(AppError::field(
                        "valg",
                        format!(
                            "{} har ikke et registreret dialogmøde før fristen i de seneste tre styringsår. Vælg en periode for {}.",
                            uden.join(", "),
                            if uden.len() == 1 { "den" } else { "dem" }
                        ),
                    ));
                }
                ud
            }
        };
        let audit = self.audit(
            Some(user.principal.user_id),
            "rapportperiode_fastsat",
            "kommune",
            user.principal.kommune.map(|k| k.get()).unwrap_or_default(),
            json!({
                "styringsaar": aar.get(),
                "organisation": organisation.map(|o| o.get()),
                "pakker": perioder.iter().map(|(id, p)| json!({"pakke": id.0, "fra": p.map(|p| p.fra), "til": p.map(|p| p.til)})).collect::<Vec<_>>(),
            }),
        );
        self.store.set_rapportperioder(&perioder, &audit).await?;
        Ok(perioder.len())
    }

    /// The newest dialogue meeting held with each organisation in the three styringsår
    /// before `aar` or in it.
    async fn seneste_moeder(
        &self,
        pakker: &[&PakkeRecord],
        aar: Styringsaar,
    ) -> Result<BTreeMap<domain::master::OrganisationId, NaiveDate>, AppError> {
        let ids: Vec<domain::master::OrganisationId> = pakker.iter().map(|p| p.organisation).collect();
        let mut seneste = BTreeMap::new();
        for tilbage in 0..=3 {
            let Ok(y) = Styringsaar::new(i64::from(aar.get() - tilbage)) else { continue };
            for f in self.store.pakke_forloeb(y, Some(&ids)).await? {
                if let Some(dato) = f.moede_afholdt {
                    let s = seneste.entry(f.pakke.organisation).or_insert(dato);
                    *s = (*s).max(dato);
                }
            }
        }
        Ok(seneste)
    }
}
