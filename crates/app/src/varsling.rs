//! Early warning across years (tidlig varsling) for the agency and the kommune: the signals of
//! `domain::varsling` applied to the history the store reads, with the names, kommuner and
//! meetings a reader needs beside them; the agency's XLSX export and its yearly mail to the
//! kommuner.

use crate::{App, AppError, SessionUser};
use chrono::NaiveDate;
use domain::access::Tilladelse;
use domain::beregning::Pulje;
use domain::master::{Afdeling, AfdelingId, Boligtype, Organisation, OrganisationId, OrganisationKind};
use domain::varsling::{self, Grundlag, Signal, Varsel};
use domain::{Kommunekode, Regionskode, Styringsaar};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use store::{CacheStempler, NewMail, PakkeStempel, Vedhaeftning, VedhaeftningArt};

/// One warning with what a reader needs beside it.
#[derive(Debug, Clone)]
pub struct VarselRaekke {
    pub varsel: Varsel,
    pub organisation: Organisation,
    /// The organisation's hjemstedskommune (the supervising kommune) and its region.
    pub kommune: Kommunekode,
    pub kommune_navn: String,
    pub region: Regionskode,
    pub afdeling: Option<Afdeling>,
    /// The kommune the afdeling lies in, when it is another than the hjemstedskommune.
    pub afdeling_kommune_navn: Option<String>,
    /// The newest dialogue meeting held with the organisation in the styringsår or later:
    /// whether the kommune has met it since the signal's year began.
    pub moede_siden: Option<NaiveDate>,
}

impl VarselRaekke {
    /// Whether an afdeling-level warning concerns afdelinger with homes of this type; an
    /// organisation-level warning concerns none.
    fn har_boligtype(&self, boligtype: Boligtype) -> bool {
        self.afdeling.as_ref().is_some_and(|a| a.data.boliger(boligtype).antal > 0)
    }

    /// The numbers per year as one line ("2024: 4,10 % (Gul); 2025: …").
    pub fn tal_tekst(&self) -> String {
        self.varsel
            .tal
            .iter()
            .map(|t| format!("{} {}: {} ({})", t.hvad, t.aar, t.vist, t.vurdering))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// How the agency's list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum VarselSortering {
    /// The organisations with most signals first.
    #[default]
    FlestSignaler,
    Organisation,
    Kommune,
    Signal,
}

impl VarselSortering {
    pub const ALL: [VarselSortering; 4] = [
        VarselSortering::FlestSignaler,
        VarselSortering::Organisation,
        VarselSortering::Kommune,
        VarselSortering::Signal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VarselSortering::FlestSignaler => "flest",
            VarselSortering::Organisation => "organisation",
            VarselSortering::Kommune => "kommune",
            VarselSortering::Signal => "signal",
        }
    }

    pub fn parse(s: &str) -> Option<VarselSortering> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            VarselSortering::FlestSignaler => "Flest signaler først",
            VarselSortering::Organisation => "Organisation",
            VarselSortering::Kommune => "Kommune",
            VarselSortering::Signal => "Signal",
        }
    }
}

/// The agency's filters on the national list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VarselFilter {
    pub region: Option<Regionskode>,
    /// The hjemstedskommune, or the kommune an afdeling lies in.
    pub kommune: Option<Kommunekode>,
    pub signal: Option<Signal>,
    /// Afdelinger with homes of this type (organisation-level signals then drop out).
    pub boligtype: Option<Boligtype>,
    pub sortering: VarselSortering,
}

/// The columns of the XLSX export, in order.
pub const VARSEL_KOLONNER: [&str; 13] = [
    "Styringsår",
    "Organisationsnummer",
    "Organisation",
    "Hjemstedskommune",
    "Region",
    "Afdelingsnummer",
    "Afdeling",
    "Afdelingens kommune",
    "Signal",
    "Signal (id)",
    "Forklaring",
    "Tal pr. år",
    "Dialogmøde holdt siden",
];

/// A list of warnings; each row is shared, so a filtered page of a kept list copies no rows.
pub type Varselliste = Vec<Arc<VarselRaekke>>;

/// The kept lists by scope (a kommune, or the country) and styringsår, each with what it was
/// read under: today, the figures' stamp and the newest change of a package in its scope and
/// window. A list is used only while none of them has moved; a new reading replaces the
/// scope's entry, so there is at most one per scope and year.
#[derive(Default)]
pub(crate) struct VarselCache {
    lister: crate::stempelkort::Noeglekort<VarselOmfang, VarselStempel, Varselliste>,
}

/// A kept list's scope: a kommune (the country when `None`) and a styringsår.
type VarselOmfang = (Option<Kommunekode>, Styringsaar);
/// What a kept list was read under: today, the figures' stamp, the newest package change.
type VarselStempel = (NaiveDate, i64, i64);

impl App {
    /// The warnings of a kommune's scope, or of the country, from the cache when nothing they
    /// depend on has moved. A kommune's list follows the changes of its own organisations'
    /// packages only, so another kommune's work does not make it read again.
    pub(crate) async fn kept_varsler(
        &self,
        kommune: Option<Kommunekode>,
        aar: Styringsaar,
    ) -> Result<Arc<Varselliste>, AppError> {
        let stempler = crate::stempelkort::stempler(&*self.store).await?;
        let Some(kommune) = kommune else {
            return self.kept_varsler_i(None, aar, stempler).await;
        };
        let pakker = crate::stempelkort::kommunens_pakker(&*self.store, kommune).await?;
        let organisationer = self.kommunens_organisationer(kommune, stempler.tal).await?;
        self.kept_varsler_i(Some((kommune, &organisationer.rapporterende, pakker)), aar, stempler).await
    }

    /// As [`App::kept_varsler`], under stamps the caller has read already (the overview has):
    /// the figures' and, for a kommune, its packages' fingerprint
    /// ([`store::PakkeStore::kommunens_pakkestempel`]).
    pub(crate) async fn kept_varsler_i(
        &self,
        scope: Option<(Kommunekode, &[Organisation], PakkeStempel)>,
        aar: Styringsaar,
        stempler: CacheStempler,
    ) -> Result<Arc<Varselliste>, AppError> {
        let kommune = scope.map(|(k, _, _)| k);
        let aendring = scope.map_or(stempler.aendring, |(_, _, pakker)| pakker.aendring);
        let noegle = (kommune, aar);
        let stempel = (self.today(), stempler.tal, aendring);
        let laes = async {
            let mut raekker = self.varsler_for(aar, scope.map(|(_, orgs, _)| orgs.to_vec())).await?;
            if let Some(k) = kommune {
                raekker.retain(|r| r.kommune == k || r.afdeling.as_ref().is_some_and(|a| a.data.kommune == k));
            }
            let mut liste: Varselliste = raekker.into_iter().map(Arc::new).collect();
            sorter(&mut liste, VarselSortering::FlestSignaler);
            Ok::<_, AppError>(liste)
        };
        self.varsel_cache.lister.hent_eller_laes(noegle, stempel, laes).await
    }

    /// The first styringsår the signals of `aar` look at.
    pub(crate) fn varslingsvindue(&self, aar: Styringsaar) -> Styringsaar {
        let vindue = self.settings.regler.for_aar(aar).varsling.vindue();
        Styringsaar::new(i64::from(aar.get()) - i64::from(vindue) + 1).unwrap_or(aar)
    }

    /// The agency's national list of warnings for a styringsår, filtered and sorted.
    pub async fn nationale_varsler(
        &self,
        user: &SessionUser,
        aar: Styringsaar,
        filter: &VarselFilter,
    ) -> Result<Varselliste, AppError> {
        if !user.principal.may(Tilladelse::Styrelse) {
            return Err(AppError::Forbidden);
        }
        let kommuner = self.kommuner().await?;
        let region_af: HashMap<Kommunekode, Regionskode> = kommuner.iter().map(|k| (k.kode, k.region)).collect();
        let mut raekker: Varselliste = self.kept_varsler(None, aar).await?.iter().cloned().collect();
        raekker.retain(|r| {
            let afd_kommune = r.afdeling.as_ref().map(|a| a.data.kommune);
            filter.kommune.is_none_or(|k| r.kommune == k || afd_kommune == Some(k))
                && filter.region.is_none_or(|reg| {
                    r.region == reg || afd_kommune.and_then(|k| region_af.get(&k)).is_some_and(|x| *x == reg)
                })
                && filter.signal.is_none_or(|s| r.varsel.signal == s)
                && filter.boligtype.is_none_or(|t| r.har_boligtype(t))
        });
        sorter(&mut raekker, filter.sortering);
        Ok(raekker)
    }

    /// The kommune's own warnings: of the organisations it supervises, every signal; of those
    /// supervised elsewhere, the signals of their afdelinger in the kommune.
    pub async fn kommunens_varsler(&self, user: &SessionUser, aar: Styringsaar) -> Result<Arc<Varselliste>, AppError> {
        if !user.principal.may(Tilladelse::KommuneOversigt) {
            return Err(AppError::Forbidden);
        }
        let kommune = user.principal.kommune.ok_or(AppError::Forbidden)?;
        self.kept_varsler(Some(kommune), aar).await
    }

    /// The warnings of the given organisations (the country's reporting organisations when
    /// `None`).
    pub async fn varsler_for(
        &self,
        aar: Styringsaar,
        organisationer: Option<Vec<Organisation>>,
    ) -> Result<Vec<VarselRaekke>, AppError> {
        let regler = &self.settings.regler.for_aar(aar).varsling;
        let fra = self.varslingsvindue(aar);
        let (organisationer, afgraenset) = match organisationer {
            Some(o) => (o, true),
            None => (
                self.store.organisationer().await?.into_iter().filter(|o| o.kind.rapporttype().is_some()).collect(),
                false,
            ),
        };
        let ids: Vec<OrganisationId> = organisationer.iter().map(|o| o.id).collect();
        let (historik, afdelinger, kommuner) = futures::try_join!(
            async {
                let omfang = afgraenset.then_some(ids.as_slice());
                Ok(self.store.varslingsgrundlag(fra, aar, omfang, &regler.vedligeholdelse_spoergsmaal).await?)
            },
            async {
                Ok(if afgraenset {
                    self.store.afdelinger_for(&ids).await?
                } else {
                    self.store.alle_afdelinger().await?
                })
            },
            self.kommuner(),
        )?;
        let afdelinger: HashMap<AfdelingId, Afdeling> = afdelinger.into_iter().map(|a| (a.id, a)).collect();
        let nummer_til_id: HashMap<(OrganisationId, domain::AfdelingNummer), AfdelingId> =
            afdelinger.values().map(|a| ((a.organisation, a.data.nummer), a.id)).collect();
        let grundlag = Grundlag {
            maalinger: historik.maalinger,
            effektivitet: historik.effektivitet,
            vedligeholdelse: historik
                .svar
                .into_iter()
                .filter_map(|(org, nr, svar)| nummer_til_id.get(&(org, nr)).map(|id| (*id, svar)))
                .collect(),
            indsendelser: historik.indsendelser,
            organisationer: ids.clone(),
            aar_med_pakker: historik.aar_med_pakker,
        };
        let mut varsler = varsling::vurder(&grundlag, regler, &self.settings.katalog, aar, self.today());
        // The national median beside each key figure's yearly value, for the charts: an
        // afdeling's over the country's afdelinger, an organisation's over its own kind.
        let mut medianer: HashMap<(Styringsaar, String, Pulje, Option<Boligtype>), f64> = HashMap::new();
        for a in (fra.get()..=aar.get()).filter_map(|y| Styringsaar::new(i64::from(y)).ok()) {
            for b in self.store.benchmarks(a).await? {
                medianer.insert((a, b.noegletal, b.pulje, b.boligtype), b.median);
            }
        }
        let kinds: HashMap<OrganisationId, OrganisationKind> = organisationer.iter().map(|o| (o.id, o.kind)).collect();
        for v in varsler.iter_mut() {
            let Some(id) = v.noegletal.clone() else { continue };
            let pulje = match v.afdeling {
                Some(_) => Pulje::Alle,
                None => Pulje::for_organisation(
                    kinds.get(&v.organisation).copied().unwrap_or(OrganisationKind::EgneAfdelinger),
                ),
            };
            for t in v.tal.iter_mut().filter(|t| t.vaerdi.is_some()) {
                t.median = medianer.get(&(t.aar, id.clone(), pulje, t.boligtype)).copied();
            }
        }

        let aarets_start = NaiveDate::from_ymd_opt(aar.get(), 1, 1).unwrap_or(NaiveDate::MIN);
        let mut moeder: BTreeMap<OrganisationId, NaiveDate> = BTreeMap::new();
        for (org, dato) in historik.moeder.into_iter().filter(|(_, d)| *d >= aarets_start) {
            let seneste = moeder.entry(org).or_insert(dato);
            *seneste = (*seneste).max(dato);
        }
        let kommuner: HashMap<Kommunekode, &domain::master::Kommune> = kommuner.iter().map(|k| (k.kode, k)).collect();
        let organisationer: HashMap<OrganisationId, &Organisation> = organisationer.iter().map(|o| (o.id, o)).collect();
        let mut ud = Vec::with_capacity(varsler.len());
        for varsel in varsler {
            let Some(o) = organisationer.get(&varsel.organisation) else { continue };
            let afdeling = varsel.afdeling.and_then(|id| afdelinger.get(&id)).cloned();
            // A warning about an afdeling the master data no longer holds is not shown.
            if varsel.afdeling.is_some() && afdeling.is_none() {
                continue;
            }
            let hjemsted = kommuner.get(&o.hjemstedskommune);
            ud.push(VarselRaekke {
                afdeling_kommune_navn: afdeling
                    .as_ref()
                    .filter(|a| a.data.kommune != o.hjemstedskommune)
                    .and_then(|a| kommuner.get(&a.data.kommune))
                    .map(|k| k.navn.clone()),
                kommune: o.hjemstedskommune,
                kommune_navn: hjemsted.map(|k| k.navn.clone()).unwrap_or_default(),
                region: hjemsted.map(|k| k.region).unwrap_or(Regionskode::new(1084).expect("a region code")),
                moede_siden: moeder.get(&o.id).copied(),
                organisation: (*o).clone(),
                afdeling,
                varsel,
            });
        }
        Ok(ud)
    }

    /// The national list as an XLSX file.
    pub fn varsler_xlsx(&self, aar: Styringsaar, raekker: &[Arc<VarselRaekke>]) -> Result<Vec<u8>, AppError> {
        let celler: Vec<Vec<tabular::Celle>> = raekker.iter().map(|r| varsel_celler(aar, r)).collect();
        tabular::xlsx(&format!("Varsler {aar}"), &VARSEL_KOLONNER, &celler)
            .map_err(|e| AppError::internal("regnearket kunne ikke skrives", e))
    }

    /// Sends each kommune with warnings its own list for the styringsår, as an XLSX file to
    /// its active users, through the outbox. Sent once per styringsår: a second request is
    /// refused. Returns the number of kommuner written to.
    pub async fn send_varsler_til_kommunerne(&self, user: &SessionUser, aar: Styringsaar) -> Result<usize, AppError> {
        if !user.principal.may(Tilladelse::Styrelse) {
            return Err(AppError::Forbidden);
        }
        let praefiks = format!("varsling/{aar}/");
        if self.store.mails_med_praefiks(&praefiks).await? > 0 {
            return Err(AppError::Conflict(format!(
                "Årets varsler for styringsår {aar} er allerede sendt til kommunerne. De sendes kun én gang."
            )));
        }
        let alle = self.kept_varsler(None, aar).await?;
        let brugere = self.store.users().await?;
        let mut pr_kommune: BTreeMap<Kommunekode, Varselliste> = BTreeMap::new();
        for r in alle.iter() {
            pr_kommune.entry(r.kommune).or_default().push(r.clone());
            if let Some(a) = r.afdeling.as_ref().filter(|a| a.data.kommune != r.kommune) {
                pr_kommune.entry(a.data.kommune).or_default().push(r.clone());
            }
        }
        let kommuner: HashMap<Kommunekode, String> =
            self.kommuner().await?.iter().map(|k| (k.kode, k.navn.clone())).collect();
        let mut mails = Vec::new();
        let mut kommuner_skrevet = BTreeSet::new();
        for (kommune, mut raekker) in pr_kommune {
            sorter(&mut raekker, VarselSortering::FlestSignaler);
            let modtagere: BTreeSet<String> = brugere
                .iter()
                .filter(|u| !u.disabled && u.role == domain::access::Role::Kommune && u.kommune == Some(kommune))
                .filter_map(|u| u.email.clone())
                .collect();
            if modtagere.is_empty() {
                continue;
            }
            let navn = kommuner.get(&kommune).cloned().unwrap_or_default();
            let xlsx = self.varsler_xlsx(aar, &raekker)?;
            let organisationer: BTreeSet<OrganisationId> = raekker.iter().map(|r| r.organisation.id).collect();
            let tekst = format!(
                "Kære {navn} Kommune\n\nSocial- og Boligstyrelsen følger nøgletallene i hele den almene sektor over flere år. \
                 For styringsår {aar} giver {} signal(er) om {} boligorganisation(er), som I fører tilsyn med, eller som har \
                 afdelinger i kommunen. Listen er vedhæftet som regneark med signalerne, tallene pr. år og om I har holdt \
                 dialogmøde med organisationen siden.\n\nSignalerne er ikke en afgørelse, men en anledning til at se nærmere \
                 på forholdene i dialogen med organisationen. Listen kan også ses under Kommunens overblik i styringsdialog.\n\n\
                 Venlig hilsen\nSocial- og Boligstyrelsen",
                raekker.len(),
                organisationer.len()
            );
            kommuner_skrevet.insert(kommune);
            for til in modtagere {
                mails.push(NewMail {
                    reference: format!("{praefiks}{kommune}/{til}"),
                    emne: format!("Tidlig varsling: nøgletal til opmærksomhed, styringsår {aar} – {navn} Kommune"),
                    tekst: tekst.clone(),
                    oprettet: self.now(),
                    vedhaeftning: Some(Vedhaeftning {
                        navn: format!("varsler-{aar}-{kommune}.xlsx"),
                        indhold: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &xlsx),
                        art: VedhaeftningArt::Regneark,
                    }),
                    til,
                });
            }
        }
        let audit = self.audit(
            Some(user.principal.user_id),
            "varsler.sendt_til_kommuner",
            "styringsaar",
            aar,
            serde_json::json!({
                "kommuner": kommuner_skrevet.iter().map(|k| k.get()).collect::<Vec<_>>(),
                "mails": mails.len(),
                "varsler": alle.len(),
            }),
        );
        self.store.enqueue_mails(&mails, &audit).await?;
        Ok(kommuner_skrevet.len())
    }
}

fn sorter(raekker: &mut [Arc<VarselRaekke>], sortering: VarselSortering) {
    let mut antal: HashMap<OrganisationId, usize> = HashMap::new();
    for r in raekker.iter() {
        *antal.entry(r.organisation.id).or_default() += 1;
    }
    let afd = |r: &VarselRaekke| r.afdeling.as_ref().map(|a| a.data.nummer);
    raekker.sort_by(|a, b| {
        let navn = a.organisation.navn.cmp(&b.organisation.navn).then(a.organisation.id.cmp(&b.organisation.id));
        let rest = afd(a).cmp(&afd(b)).then(a.varsel.signal.cmp(&b.varsel.signal));
        match sortering {
            VarselSortering::FlestSignaler => antal[&b.organisation.id].cmp(&antal[&a.organisation.id]).then(navn),
            VarselSortering::Organisation => navn,
            VarselSortering::Kommune => a.kommune_navn.cmp(&b.kommune_navn).then(navn),
            VarselSortering::Signal => a.varsel.signal.cmp(&b.varsel.signal).then(navn),
        }
        .then(rest)
    });
}

fn varsel_celler(aar: Styringsaar, r: &VarselRaekke) -> Vec<tabular::Celle> {
    use tabular::Celle;
    let tekst = |s: &str| Celle::Tekst(s.to_string());
    vec![
        Celle::Heltal(i64::from(aar)),
        Celle::Heltal(i64::from(r.organisation.nummer.get())),
        tekst(&r.organisation.navn),
        tekst(&r.kommune_navn),
        tekst(domain::reference::region_navn(r.region).unwrap_or_default()),
        r.afdeling.as_ref().map(|a| Celle::Heltal(i64::from(a.data.nummer.get()))).unwrap_or(Celle::Tom),
        r.afdeling.as_ref().map(|a| tekst(&a.data.navn)).unwrap_or(Celle::Tom),
        r.afdeling_kommune_navn.as_deref().map(tekst).unwrap_or(Celle::Tom),
        tekst(r.varsel.signal.label()),
        tekst(r.varsel.signal.as_str()),
        tekst(&r.varsel.forklaring),
        tekst(&r.tal_tekst()),
        r.moede_siden.map(|d| tekst(&d.format("%d.%m.%Y").to_string())).unwrap_or_else(|| tekst("Nej")),
    ]
}

/// An organisation's warnings, counted for the kommune's overviews.
#[derive(Debug, Clone)]
pub struct VarselOptaelling {
    pub organisation: OrganisationId,
    /// "Navn (nummer)".
    pub navn: String,
    /// Warnings about the organisation as a whole.
    pub om_organisationen: usize,
    /// Warnings about its afdelinger.
    pub om_afdelinger: usize,
    /// The kinds of signal, in the order first met.
    pub signaler: Vec<Signal>,
}

impl VarselOptaelling {
    pub fn i_alt(&self) -> usize {
        self.om_organisationen + self.om_afdelinger
    }
}

/// A list of warnings counted per organisation, the organisation with most first.
pub fn pr_organisation(raekker: &[Arc<VarselRaekke>]) -> Vec<VarselOptaelling> {
    let mut pr: BTreeMap<OrganisationId, VarselOptaelling> = BTreeMap::new();
    for r in raekker {
        let o = pr.entry(r.organisation.id).or_insert_with(|| VarselOptaelling {
            organisation: r.organisation.id,
            navn: format!("{} ({})", r.organisation.navn, r.organisation.nummer),
            om_organisationen: 0,
            om_afdelinger: 0,
            signaler: Vec::new(),
        });
        match r.afdeling {
            Some(_) => o.om_afdelinger += 1,
            None => o.om_organisationen += 1,
        }
        if !o.signaler.contains(&r.varsel.signal) {
            o.signaler.push(r.varsel.signal);
        }
    }
    let mut out: Vec<VarselOptaelling> = pr.into_values().collect();
    out.sort_by_key(|o| std::cmp::Reverse(o.i_alt()));
    out
}
