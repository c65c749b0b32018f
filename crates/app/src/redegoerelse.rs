//! The redegørelse (docs/domain.md §7) and the aftaler register (§8): a draft generated from the
//! package, the editor's revisions, the organisation's comments in høring, publication, and
//! aftaler with a status history that carries into next year.

use crate::error::stale_as_conflict;
use crate::{App, AppError, FieldError, PakkeView, SessionUser};
use chrono::NaiveDate;
use domain::access::{PakkeTilladelse, Role};
use domain::package::{PakkeHaendelse, PakkeStatus};
use domain::redegoerelse::{AFTALER, AftaleStatus, MAALOMRAADER, SAMMENFATNING, felt, felter};
use serde_json::json;
use std::collections::BTreeMap;
use store::*;

/// What the dialogue is about, read from the package: the agenda and the draft use it.
#[derive(Debug, Clone, Default)]
pub struct Droeftelsespunkter {
    /// "Name: value (mark)" of each critical key figure of the organisation, then one line per
    /// figure for the afdelinger: "Name i 12 afdelinger (5 røde): afd. 3 … (rød); …".
    pub kritiske: Vec<String>,
    /// "Afdeling nr. name: description" of afdelinger with challenges.
    pub afdelinger: Vec<String>,
    /// "Subject (status): description" of the open aftaler from earlier years.
    pub aftaler: Vec<String>,
}

/// A new aftale.
#[derive(Debug, Clone, Default)]
pub struct AftaleInput {
    pub emne: String,
    pub beskrivelse: String,
    pub oevrige_parter: String,
    /// Ids of the guidance's målområder (`MAALOMRAADER`).
    pub maalomraader: Vec<String>,
    pub ansvarlig: String,
    /// An optional deadline.
    pub frist: Option<NaiveDate>,
    /// What the edge could not read as its field's type (the fields are then `None`): reported
    /// with the use case's own errors, so a form shows every mistake at once.
    pub laesefejl: Vec<FieldError>,
    /// The parties agree to seek the aftale later; it starts as "søges indgået".
    pub soeges_senere: bool,
}

impl App {
    /// The points for the meeting and the redegørelse, from the package as submitted.
    pub(crate) async fn droeftelsespunkter(&self, pakke: &PakkeRecord) -> Result<Droeftelsespunkter, AppError> {
        let svar = match self.store.versions(pakke.id).await?.last() {
            Some(v) => self.store.version_svar(pakke.id, v.version).await?.unwrap_or_default(),
            None => Default::default(),
        };
        let mut punkter = Droeftelsespunkter::default();
        for l in crate::beregning::noegletal_linjer(
            self.store.as_ref(),
            &self.settings.katalog,
            domain::beregning::Niveau::Organisation,
            pakke.organisation.0,
            domain::beregning::Pulje::for_rapporttype(pakke.rapporttype),
            pakke.styringsaar,
        )
        .await?
        {
            if let (Some(m), Some(v)) = (l.markering, l.vaerdi) {
                let navn = match l.boligtype {
                    Some(t) => format!("{}, {}", l.navn, t.label().to_lowercase()),
                    None => l.navn.clone(),
                };
                punkter.kritiske.push(format!("{navn}: {} ({})", l.enhed.vis(v), m.label().to_lowercase()));
            }
        }
        let afdelinger = self.store.afdelinger(pakke.organisation).await?;
        let katalog = &self.settings.katalog;
        // The afdelinger's critical figures grouped per figure, red before yellow: an
        // organisation with many afdelinger gets one line per topic, not one per afdeling.
        let mut per_noegletal: BTreeMap<String, Vec<(bool, domain::AfdelingNummer, String)>> = BTreeMap::new();
        for v in self.store.noegletal_for_afdelinger(pakke.styringsaar, pakke.organisation).await? {
            let (Some(m), Some(a)) = (v.markering, afdelinger.iter().find(|a| a.id.0 == v.enhed_id)) else { continue };
            let definition = katalog.definition(&v.noegletal);
            let navn = definition.map_or(v.noegletal.clone(), |d| d.navn.clone());
            let vaerdi = match definition {
                Some(d) => d.enhed.vis(v.vaerdi),
                None => domain::tal::dansk(v.vaerdi, 1),
            };
            let roed = m == domain::beregning::Markering::Roed;
            let tekst = format!("afd. {} {} {vaerdi} ({})", a.data.nummer, a.data.navn, m.label().to_lowercase());
            per_noegletal.entry(navn).or_default().push((!roed, a.data.nummer, tekst));
        }
        for (navn, mut linjer) in per_noegletal {
            linjer.sort();
            let roede = linjer.iter().filter(|l| !l.0).count();
            let antal =
                if linjer.len() == 1 { "1 afdeling".to_string() } else { format!("{} afdelinger", linjer.len()) };
            let tekster: Vec<String> = linjer.into_iter().map(|l| l.2).collect();
            punkter.kritiske.push(format!("{navn} i {antal} ({roede} røde): {}", tekster.join("; ")));
        }
        let skabeloner = self.skabeloner_i_kraft(pakke.styringsaar).await?;
        if let Ok(skema) = skabeloner.skabelon(domain::template::Skema::Bilag4)
            && let Some(q) = skema.udfordringsspoergsmaal()
        {
            for a in &afdelinger {
                if let Some(s) = svar.get(&domain::template::afdeling_noegle(a.data.nummer, &q.id))
                    && s.ja == Some(true)
                {
                    punkter.afdelinger.push(format!("Afd. {} {}: {}", a.data.nummer, a.data.navn, s.tekst.trim()));
                }
            }
        }
        for a in self.store.aftaler(AftaleFilter::Organisation(pakke.organisation)).await? {
            if a.styringsaar < pakke.styringsaar && a.status().is_some_and(|s| s.aaben()) {
                let status = a.status().map(|s| s.label().to_lowercase()).unwrap_or_default();
                punkter
                    .aftaler
                    .push(format!("{} ({status}, aftalt {}): {}", a.aftale.emne, a.styringsaar, a.aftale.beskrivelse));
            }
        }
        Ok(punkter)
    }

    /// A first draft from the package: what the dialogue will be about, for the kommune to
    /// rewrite. Nothing is saved.
    pub async fn redegoerelse_forslag(
        &self,
        user: &SessionUser,
        id: PakkeId,
    ) -> Result<BTreeMap<String, String>, AppError> {
        let (pakke, _) = self.scoped(&user.principal, id, PakkeTilladelse::Behandl).await?;
        let p = self.droeftelsespunkter(&pakke).await?;
        let moede = self.store.moeder(id).await?.pop();
        let mut tekst = BTreeMap::new();
        let dato = moede.map(|m| m.dato.format("%d.%m.%Y").to_string()).unwrap_or_else(|| "[dato]".into());
        let sammenfatning = if pakke.uden_pakke() {
            format!(
                "Dokumentationspakken er ikke modtaget. {} har ikke indsendt dokumentationspakken for styringsår {} \
                 inden fristen, og kommunen har derfor holdt styringsdialogen uden pakken. Dialogmødet blev holdt den {dato}.",
                pakke.organisation_navn, pakke.styringsaar
            )
        } else {
            format!(
                "Kommunen og {} holdt dialogmøde den {dato} om styringsrapporten for styringsår {}.",
                pakke.organisation_navn, pakke.styringsaar
            )
        };
        tekst.insert(SAMMENFATNING.to_string(), sammenfatning);
        if !p.kritiske.is_empty() {
            tekst.insert(
                felt("oekonomi_og_drift", "kommune"),
                format!("På mødet blev følgende kritiske nøgletal drøftet:\n- {}", p.kritiske.join("\n- ")),
            );
        }
        if !p.afdelinger.is_empty() {
            tekst.insert(
                felt("boligafdelinger", "organisation"),
                format!(
                    "Organisationen har beskrevet udfordringer i disse afdelinger:\n- {}",
                    p.afdelinger.join("\n- ")
                ),
            );
        }
        if !p.aftaler.is_empty() {
            tekst.insert(
                AFTALER.to_string(),
                format!("Status på tidligere aftaler:\n- {}\n\nNye aftaler:", p.aftaler.join("\n- ")),
            );
        }
        Ok(tekst)
    }

    /// Saves a new revision of the redegørelse. Only the known fields are kept; a summary is
    /// required. A published redegørelse can never change.
    pub async fn gem_redegoerelse(
        &self,
        user: &SessionUser,
        id: PakkeId,
        tekst: BTreeMap<String, String>,
        laest: Option<Revision>,
    ) -> Result<(), AppError> {
        let pakke = self.til_behandling(user, id, laest).await?;
        if pakke.status == PakkeStatus::RedegoerelseOffentliggjort {
            return Err(AppError::Conflict("Redegørelsen er offentliggjort og kan ikke længere ændres.".into()));
        }
        if !matches!(pakke.status, PakkeStatus::MoedeAfholdt | PakkeStatus::RedegoerelseIHoering) {
            return Err(AppError::Conflict(
                "Redegørelsen kan skrives, når mødet er markeret som afholdt, og indtil den er offentliggjort.".into(),
            ));
        }
        let tekst: BTreeMap<String, String> = felter()
            .into_iter()
            .map(|f| {
                let t = tekst.get(&f).map(|t| t.trim().to_string()).unwrap_or_default();
                (f, t)
            })
            .collect();
        if tekst.get(SAMMENFATNING).is_none_or(|t| t.is_empty()) {
            return Err(AppError::field(SAMMENFATNING, "Skriv en sammenfatning af dialogen"));
        }
        let draft = NewRedegoerelse { pakke: id, tekst, by: user.principal.user_id, at: self.now() };
        let audit = self.pakke_audit(user, &pakke, "redegoerelse_gemt", json!({}));
        self.store.save_redegoerelse(&draft, &audit).await.map_err(|e| match e {
            StoreError::Stale => {
                AppError::Conflict("Redegørelsen er offentliggjort og kan ikke længere ændres.".into())
            }
            other => AppError::Store(other),
        })?;
        Ok(())
    }

    /// Sends the newest draft to the organisation for comments, with a mail to its users.
    pub async fn send_i_hoering(
        &self,
        user: &SessionUser,
        id: PakkeId,
        frist: Option<NaiveDate>,
        laest: Option<Revision>,
    ) -> Result<(), AppError> {
        let pakke = self.til_behandling(user, id, laest).await?;
        let Some(udkast) = self.store.redegoerelser(id).await?.pop() else {
            return Err(AppError::Conflict("Gem et udkast til redegørelsen, før det sendes i høring.".into()));
        };
        let mut errors = Vec::new();
        let Some(frist) = self.trin_frist(frist, crate::Trin::Hoering, &mut errors) else {
            return Err(AppError::Invalid(errors));
        };
        let t = Transition {
            frist: Some(frist),
            ..self.transition(user, &pakke, PakkeHaendelse::SendRedegoerelseIHoering, None)?
        };
        let kommune = self.kommune_navn(pakke.hjemstedskommune).await?;
        let tekst = format!(
            "{kommune} Kommune har sendt sit udkast til redegørelse for styringsår {aar} i høring hos {org}.\n\n\
             Frist for bemærkninger: {frist}\n\n\
             Læs udkastet og skriv jeres bemærkninger i styringsdialogen under pakken for styringsår {aar}.\n",
            aar = pakke.styringsaar,
            org = pakke.organisation_navn,
            frist = frist.format("%d.%m.%Y"),
        );
        let mails = self
            .organisation_mails(
                &pakke,
                "hoering",
                &format!("Udkast til redegørelse i høring – styringsår {}", pakke.styringsaar),
                &tekst,
            )
            .await?;
        let audit = self.pakke_audit(
            user,
            &pakke,
            "redegoerelse_i_hoering",
            json!({"revision": udkast.revision, "frist": frist, "mails": mails.len()}),
        );
        self.store.transition(&t, &mails, &audit).await.map_err(stale_as_conflict)
    }

    /// E-mail addresses of an organisation's active users.
    pub(crate) async fn organisation_emails(
        &self,
        organisation: domain::master::OrganisationId,
    ) -> Result<Vec<String>, AppError> {
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| !u.disabled && u.role == Role::Organisation && u.organisationer.contains(&organisation))
            .filter_map(|u| u.email)
            .collect())
    }

    /// Publishes the newest revision. Only after the meeting is held; from then on it is
    /// public and can never change.
    pub async fn offentliggoer_redegoerelse(
        &self,
        user: &SessionUser,
        id: PakkeId,
        bekraeftet: bool,
        laest: Option<Revision>,
    ) -> Result<(), AppError> {
        let pakke = self.til_behandling(user, id, laest).await?;
        if pakke.status == PakkeStatus::RedegoerelseOffentliggjort {
            return Err(AppError::Conflict("Redegørelsen er allerede offentliggjort og kan ikke ændres.".into()));
        }
        if !matches!(pakke.status, PakkeStatus::MoedeAfholdt | PakkeStatus::RedegoerelseIHoering) {
            return Err(AppError::Conflict(
                "Redegørelsen kan først offentliggøres, når dialogmødet er markeret som afholdt.".into(),
            ));
        }
        if !bekraeftet && let Some(advarsel) = self.hoering_advarsel(&pakke).await? {
            return Err(AppError::field("bekraeftet", advarsel));
        }
        let latest = self.store.redegoerelser(id).await?.pop().ok_or_else(|| {
            AppError::Conflict("Der er ingen redegørelse at offentliggøre. Skriv og gem den først.".into())
        })?;
        let t = self.transition(user, &pakke, PakkeHaendelse::OffentliggoerRedegoerelse, None)?;
        let audit = self.pakke_audit(user, &pakke, "redegoerelse_offentliggjort", json!({"revision": latest.revision}));
        self.store.publish_redegoerelse(id, latest.revision, self.now(), &t, &audit).await.map_err(stale_as_conflict)
    }

    /// Publishing while the høring still runs and the organisation has not commented cuts the
    /// høring short: the kommune is told so and must confirm. `None` when nothing stands in
    /// the way.
    pub async fn hoering_advarsel(&self, pakke: &PakkeRecord) -> Result<Option<String>, AppError> {
        if pakke.status != PakkeStatus::RedegoerelseIHoering {
            return Ok(None);
        }
        let haendelser = self.store.haendelser(pakke.id).await?;
        let hoering = haendelser.iter().rev().find(|h| h.to == PakkeStatus::RedegoerelseIHoering);
        let Some((sendt, frist)) = hoering.and_then(|h| h.frist.map(|f| (h.at, f))) else { return Ok(None) };
        if frist < self.today() || self.store.bemaerkninger(pakke.id).await?.iter().any(|b| b.bemaerkning.at > sendt) {
            return Ok(None);
        }
        Ok(Some(format!(
            "Høringsfristen løber til {}, og organisationen har ikke afgivet bemærkninger. Bekræft, at redegørelsen skal offentliggøres før fristen.",
            frist.format("%d.%m.%Y")
        )))
    }

    /// The organisation comments on the redegørelse in høring.
    pub async fn bemaerk_redegoerelse(&self, user: &SessionUser, id: PakkeId, tekst: &str) -> Result<(), AppError> {
        let (pakke, _) = match self.scoped(&user.principal, id, PakkeTilladelse::Bemaerk).await {
            Err(AppError::Forbidden) if self.scoped(&user.principal, id, PakkeTilladelse::LaesKladde).await.is_ok() => {
                return Err(AppError::Conflict(
                    "Der kan kun skrives bemærkninger, mens kommunens udkast er i høring.".into(),
                ));
            }
            other => other?,
        };
        let tekst = tekst.trim();
        if tekst.is_empty() {
            return Err(AppError::field("bemaerkning", "Skriv jeres bemærkninger til udkastet"));
        }
        let revision = self.store.redegoerelser(id).await?.last().map(|r| r.revision).unwrap_or_default();
        let b = NewBemaerkning {
            pakke: id,
            revision,
            tekst: tekst.to_string(),
            by: user.principal.user_id,
            at: self.now(),
        };
        let audit = self.pakke_audit(user, &pakke, "redegoerelse_bemaerkning", json!({"revision": revision}));
        self.store.add_bemaerkning(&b, &audit).await.map_err(stale_as_conflict)?;
        Ok(())
    }

    /// The organisation's comments, for the kommune and the organisation (and the public once
    /// published; see `Offentlig`).
    pub async fn bemaerkninger(&self, view: &PakkeView) -> Result<Vec<BemaerkningRecord>, AppError> {
        Ok(self.store.bemaerkninger(view.pakke.id).await?)
    }

    /// Creates an aftale from the package's redegørelse (the kommune that supervises it).
    pub async fn opret_aftale(
        &self,
        user: &SessionUser,
        id: PakkeId,
        input: &AftaleInput,
        laest: Option<Revision>,
    ) -> Result<AftaleId, AppError> {
        let pakke = self.til_behandling(user, id, laest).await?;
        if !matches!(pakke.status, PakkeStatus::MoedeAfholdt | PakkeStatus::RedegoerelseIHoering) {
            return Err(AppError::Conflict(
                "Aftaler indgås fra redegørelsen: efter mødet er holdt og før redegørelsen er offentliggjort.".into(),
            ));
        }
        let mut errors = input.laesefejl.clone();
        if input.emne.trim().is_empty() {
            errors.push(FieldError { field: "emne".into(), message: "Angiv aftalens emne".into() });
        }
        if input.beskrivelse.trim().is_empty() {
            errors.push(FieldError { field: "beskrivelse".into(), message: "Beskriv hvad der er aftalt".into() });
        }
        if input.ansvarlig.trim().is_empty() {
            errors.push(FieldError { field: "ansvarlig".into(), message: "Angiv hvem der er ansvarlig".into() });
        }
        let maalomraader: Vec<String> = input.maalomraader.iter().map(|m| m.trim().to_string()).collect();
        if maalomraader.is_empty() {
            errors.push(FieldError { field: "maalomraader".into(), message: "Vælg mindst ét målområde".into() });
        } else if maalomraader.iter().any(|m| !MAALOMRAADER.iter().any(|(id, _)| id == m)) {
            errors.push(FieldError { field: "maalomraader".into(), message: "Ukendt målområde".into() });
        }
        let frist = input.frist;
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let aftale = NewAftale {
            pakke: id,
            organisation: pakke.organisation,
            kommune: pakke.hjemstedskommune,
            oevrige_parter: input.oevrige_parter.trim().to_string(),
            emne: input.emne.trim().to_string(),
            beskrivelse: input.beskrivelse.trim().to_string(),
            maalomraader,
            ansvarlig: input.ansvarlig.trim().to_string(),
            frist,
            by: user.principal.user_id,
            at: self.now(),
        };
        let status = AftaleStatusRecord {
            status: if input.soeges_senere { AftaleStatus::SoegesIndgaaet } else { AftaleStatus::Aftalt },
            bemaerkning: String::new(),
            by: user.principal.user_id,
            at: self.now(),
        };
        let audit = self.pakke_audit(
            user,
            &pakke,
            "aftale_oprettet",
            json!({"emne": aftale.emne, "status": status.status.as_str()}),
        );
        Ok(self.store.add_aftale(&aftale, &status, &audit).await?)
    }

    /// The kommune that made an aftale records its status, with the year's follow-up text.
    pub async fn opdater_aftale(
        &self,
        user: &SessionUser,
        aftale: AftaleId,
        status: Option<AftaleStatus>,
        bemaerkning: &str,
        laest: Option<usize>,
    ) -> Result<(), AppError> {
        let kommune =
            user.principal.kommune.filter(|_| user.principal.role == Role::Kommune).ok_or(AppError::NotFound)?;
        let egne = self.store.aftaler(AftaleFilter::Kommune(kommune)).await?;
        let a = egne.iter().find(|a| a.id == aftale).ok_or(AppError::NotFound)?;
        // `laest`: how many status entries the caller read; a status recorded since is news.
        if let Some(n) = laest.filter(|n| *n != a.historik.len()) {
            return Err(AppError::Conflict(format!(
                "Aftalen har fået en ny status, siden den blev læst (revision {n} er nu {}). Læs den igen.",
                a.historik.len()
            )));
        }
        let Some(ny) = status else {
            return Err(AppError::field("status", "Vælg en status"));
        };
        if bemaerkning.trim().is_empty() {
            return Err(AppError::field("bemaerkning", "Skriv årets opfølgning på aftalen"));
        }
        let record = AftaleStatusRecord {
            status: ny,
            bemaerkning: bemaerkning.trim().to_string(),
            by: user.principal.user_id,
            at: self.now(),
        };
        let audit = self.audit(
            Some(user.principal.user_id),
            "aftale_status",
            "aftale",
            aftale,
            json!({"fra": a.status().map(|s| s.as_str()), "til": ny.as_str()}),
        );
        Ok(self.store.add_aftale_status(aftale, &record, &audit).await?)
    }

    /// One page of the aftaler a user may read (`kun_aabne`: only those still open): a kommune
    /// its own and an organisation user those of its organisations, by styringsår; the agency
    /// all, newest first.
    pub async fn aftaler(
        &self,
        user: &SessionUser,
        kun_aabne: bool,
        side: Side,
    ) -> Result<Udsnit<AftaleRecord>, AppError> {
        let p = &user.principal;
        let filter = match p.role {
            Role::Styrelse => return Ok(self.store.alle_aftaler(kun_aabne, side).await?),
            Role::Kommune => AftaleFilter::Kommune(p.kommune.ok_or(AppError::Forbidden)?),
            Role::Organisation => AftaleFilter::Organisationer(p.organisationer.iter().copied().collect()),
        };
        let aftaler = self.store.aftaler(filter).await?;
        let valgte = aftaler.into_iter().filter(|a| !kun_aabne || a.status().is_some_and(|s| s.aaben())).collect();
        Ok(Udsnit::af(valgte, side))
    }

    /// One aftale, for whoever may read it: its kommune, its organisation's users and the
    /// agency. Anyone else gets not found.
    pub async fn aftale(&self, user: &SessionUser, id: AftaleId) -> Result<AftaleRecord, AppError> {
        let p = &user.principal;
        let a = self.store.aftaler(AftaleFilter::Id(id)).await?.pop().ok_or(AppError::NotFound)?;
        let maa = match p.role {
            Role::Styrelse => p.may(domain::access::Tilladelse::Styrelse),
            Role::Kommune => p.kommune == Some(a.aftale.kommune),
            Role::Organisation => p.organisationer.contains(&a.aftale.organisation),
        };
        if maa { Ok(a) } else { Err(AppError::NotFound) }
    }

    /// The aftaler of a package's organisation with its hjemstedskommune, for the package page.
    pub async fn pakke_aftaler(&self, view: &PakkeView) -> Result<std::sync::Arc<Vec<AftaleRecord>>, AppError> {
        let aftaler = view.data.aftaler.get_or_try_init(|| async {
            let alle = self.store.aftaler(AftaleFilter::Organisation(view.pakke.organisation)).await?;
            Ok::<_, AppError>(std::sync::Arc::new(
                alle.into_iter()
                    .filter(|a| {
                        a.aftale.kommune == view.pakke.hjemstedskommune && a.styringsaar <= view.pakke.styringsaar
                    })
                    .collect(),
            ))
        });
        Ok(aftaler.await?.clone())
    }
}
