//! Export of a year's computed figures as a table (the command line writes CSV or XLSX).

use crate::{App, AppError};
use domain::Styringsaar;
use domain::beregning::Niveau;
use std::collections::HashMap;

/// The export's columns.
pub const EKSPORT_KOLONNER: [&str; 10] = [
    "styringsaar",
    "niveau",
    "organisation",
    "afdeling",
    "noegletal",
    "navn",
    "boligtype",
    "vaerdi",
    "benchmark",
    "markering",
];

/// One exported line; numbers stay numbers so spreadsheets can sum them.
#[derive(Debug, Clone, PartialEq)]
pub struct EksportRaekke {
    pub niveau: &'static str,
    pub organisation: u32,
    pub afdeling: Option<u32>,
    pub noegletal: String,
    pub navn: String,
    pub boligtype: &'static str,
    pub vaerdi: f64,
    pub benchmark: Option<f64>,
    pub markering: &'static str,
}

impl EksportRaekke {
    /// The row's cells in the order of [`EKSPORT_KOLONNER`].
    pub fn celler(&self, aar: Styringsaar) -> Vec<tabular::Celle> {
        use tabular::Celle;
        vec![
            Celle::Heltal(i64::from(aar.get())),
            Celle::Tekst(self.niveau.into()),
            Celle::Heltal(i64::from(self.organisation)),
            self.afdeling.map(|a| Celle::Heltal(i64::from(a))).unwrap_or(Celle::Tom),
            Celle::Tekst(self.noegletal.clone()),
            Celle::Tekst(self.navn.clone()),
            Celle::Tekst(self.boligtype.into()),
            Celle::Tal(self.vaerdi),
            self.benchmark.map(Celle::Tal).unwrap_or(Celle::Tom),
            Celle::Tekst(self.markering.into()),
        ]
    }
}

impl App {
    /// Every key figure and efficiency figure of a year, with benchmark and mark (the
    /// operator's export: nothing is held back; the public's is `Offentlig::aaben_data`).
    pub async fn eksport_noegletal(&self, aar: Styringsaar) -> Result<Vec<EksportRaekke>, AppError> {
        eksport_raekker(self.store.as_ref(), &self.settings.katalog, aar).await
    }
}

/// The export rows of a year, read from the store.
pub(crate) async fn eksport_raekker(
    store: &dyn store::Store,
    katalog: &domain::beregning::Katalog,
    aar: Styringsaar,
) -> Result<Vec<EksportRaekke>, AppError> {
    let navne: HashMap<&str, &str> = katalog
        .for_aar(aar)
        .map(|s| s.noegletal.iter().map(|d| (d.id.as_str(), d.navn.as_str())).collect())
        .unwrap_or_default();
    let benchmarks = store.benchmarks(aar).await?;
    // An organisation figure's benchmark is its own kind's (bilag 5).
    let kinds: HashMap<domain::OrganisationNummer, domain::master::OrganisationKind> =
        store.organisationer().await?.into_iter().map(|o| (o.nummer, o.kind)).collect();
    let mut rows: Vec<EksportRaekke> = store
        .noegletal_eksport(aar)
        .await?
        .into_iter()
        .map(|(org, afd, v)| EksportRaekke {
            niveau: v.niveau.as_str(),
            organisation: org.get(),
            afdeling: afd.map(|a| a.get()),
            navn: navne.get(v.noegletal.as_str()).copied().unwrap_or_default().to_string(),
            boligtype: v.boligtype.map(|t| t.as_str()).unwrap_or(""),
            vaerdi: v.vaerdi,
            // A figure compared with the kommune is exported with the kommune's level.
            benchmark: v.sammenligning.or_else(|| {
                let kind = kinds.get(&org).copied().unwrap_or(domain::master::OrganisationKind::EgneAfdelinger);
                let pulje = domain::beregning::Pulje::for_niveau(v.niveau, kind);
                domain::beregning::Benchmark::find(&benchmarks, &v.noegletal, v.boligtype, pulje).map(|b| b.median)
            }),
            markering: v.markering.map(|m| m.as_str()).unwrap_or(""),
            noegletal: v.noegletal,
        })
        .collect();
    rows.extend(store.effektivitet_eksport(aar).await?.into_iter().map(|(org, afd, e)| EksportRaekke {
        niveau: Niveau::Afdeling.as_str(),
        organisation: org.get(),
        afdeling: Some(afd.get()),
        noegletal: "effektivitetstal".into(),
        navn: format!("Effektivitetstal ({})", e.gruppe),
        boligtype: "",
        vaerdi: e.effektivitetstal,
        benchmark: None,
        markering: e.farve.as_str(),
    }));
    Ok(rows)
}
