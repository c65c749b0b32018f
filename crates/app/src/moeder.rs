//! Dialogue meetings (docs/domain.md §3.6–7): the written invitation kept as a letter and sent as a
//! mail with a calendar file, the notice check, joint meetings with the bilateral check, the
//! beliggenhedskommune's own meeting, and marking a meeting held.

use crate::error::{mangler, stale_as_conflict};
use crate::{App, AppError, FieldError, SessionUser};
use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Europe::Copenhagen;
use domain::Kommunekode;
use domain::access::{PakkeTilladelse, Role};
use domain::package::{PakkeHaendelse, PakkeStatus};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use store::*;

/// Which meeting [`App::marker_moede_afholdt`] records as held.
#[derive(Debug, Clone)]
pub enum AfholdtMoede {
    /// A meeting convened in the system, for every package it covers. `bilaterale`: the
    /// packages whose organisation had its own discussion at a joint meeting; `laest`: the
    /// meeting's change number as read (a meeting moved or cancelled since is refused).
    Indkaldt { moede: DialogmoedeId, bilaterale: Vec<PakkeId>, laest: Option<i64> },
    /// A meeting convened outside the system, for one package. `bekraeftet`: the kommune
    /// confirms a date before the package was received; `laest`: the package's revision as read.
    UdenIndkaldelse { pakke: PakkeId, bekraeftet: bool, laest: Option<Revision> },
}

/// When and where a meeting is to be held, as the kommune chose it. Empty fields are `None`;
/// the use case says which may be empty.
#[derive(Debug, Clone, Default)]
pub struct TidOgSted {
    /// The day, in Danish time.
    pub dato: Option<NaiveDate>,
    /// The time of day, in Danish time.
    pub tid: Option<NaiveTime>,
    /// `None`: the rule's duration.
    pub varighed_minutter: Option<u32>,
    pub sted: String,
}

/// An invitation to a dialogue meeting.
#[derive(Debug, Clone, Default)]
pub struct IndkaldelseInput {
    pub tid_og_sted: TidOgSted,
    pub deltagere: String,
    /// Invited beliggenhedskommuner.
    pub kommuner: Vec<Kommunekode>,
    /// Further packages for a joint meeting.
    pub faelles: Vec<PakkeId>,
    pub dagsorden: String,
    /// The kommune has seen the short-notice warning and convenes anyway.
    pub kort_varsel_ok: bool,
    /// The package revision the caller decided on (an integration's reading); a change since
    /// is refused.
    pub laest: Option<Revision>,
    /// What the edge could not read as its field's type (the fields are then `None`): reported
    /// with the use case's own errors, so a form shows every mistake at once.
    pub laesefejl: Vec<FieldError>,
}

/// A move of a convened meeting.
#[derive(Debug, Clone, Default)]
pub struct FlytningInput {
    pub tid_og_sted: TidOgSted,
    pub begrundelse: String,
    /// The kommune has seen the short-notice warning and moves the meeting anyway.
    pub kort_varsel_ok: bool,
    /// What the edge could not read as its field's type (the fields are then `None`): reported
    /// with the use case's own errors, so a form shows every mistake at once.
    pub laesefejl: Vec<FieldError>,
}

/// A held meeting: the day it was held and who took part.
#[derive(Debug, Clone, Default)]
pub struct AfholdelseInput {
    pub dato: Option<NaiveDate>,
    pub deltagere: String,
    /// What the edge could not read as its field's type (the fields are then `None`): reported
    /// with the use case's own errors, so a form shows every mistake at once.
    pub laesefejl: Vec<FieldError>,
}

/// What the invitation form offers: a suggested agenda, the kommuner to invite and the
/// packages that could join a joint meeting.
#[derive(Debug, Clone)]
pub struct MoedeForslag {
    pub dagsorden: String,
    pub deltagere: String,
    pub varighed_minutter: u32,
    pub varsel_dage: u32,
    /// (kode, name) of the kommuner that may be invited: the package's other recipients.
    pub beliggenhedskommuner: Vec<(Kommunekode, String)>,
    /// Packages of the same styringsår the kommune may convene with this one.
    pub faelles_kandidater: Vec<PakkeRecord>,
    /// Whether the user convenes as the beliggenhedskommune (its own meeting).
    pub eget_moede: bool,
}

/// A convened meeting with what happened at it.
#[derive(Debug, Clone)]
pub struct DialogmoedeVisning {
    pub moede: DialogmoedeRecord,
    /// (package, organisation name) of every package the meeting covers.
    pub pakker: Vec<(PakkeRecord, Vec<MoedeRecord>)>,
    /// Held records of this meeting.
    pub afholdt: Vec<MoedeRecord>,
    pub kommune_navn: String,
}

impl DialogmoedeVisning {
    pub fn is_held(&self) -> bool {
        !self.afholdt.is_empty()
    }
    pub fn is_joint(&self) -> bool {
        self.moede.moede.pakker.len() > 1
    }
}

fn dansk_dato(d: NaiveDate) -> String {
    const MAANEDER: [&str; 12] = [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ];
    use chrono::Datelike;
    format!("{}. {} {}", d.day(), MAANEDER[d.month0() as usize], d.year())
}

impl App {
    /// The package for a meeting: the hjemstedskommune convenes (and moves the package), a
    /// beliggenhedskommune holds its own meeting. Returns whether it is the latter.
    async fn moede_pakke(&self, user: &SessionUser, id: PakkeId) -> Result<(PakkeRecord, bool), AppError> {
        match self.scoped(&user.principal, id, PakkeTilladelse::Behandl).await {
            Ok((pakke, _)) => Ok((pakke, false)),
            Err(AppError::Forbidden) => {
                let (pakke, _) = self.scoped(&user.principal, id, PakkeTilladelse::EgetMoede).await?;
                Ok((pakke, true))
            }
            Err(e) => Err(e),
        }
    }

    pub async fn moede_forslag(&self, user: &SessionUser, id: PakkeId) -> Result<MoedeForslag, AppError> {
        let (pakke, eget) = self.moede_pakke(user, id).await?;
        let kommuner = self.kommuner().await?;
        let navn = |k: Kommunekode| kommuner.iter().find(|x| x.kode == k).map(|x| x.navn.clone()).unwrap_or_default();
        let beliggenhedskommuner = self
            .store
            .modtagere(id)
            .await?
            .into_iter()
            // A beliggenhedskommune's own meeting may invite the hjemstedskommune too.
            .filter(|k| (eget || *k != pakke.hjemstedskommune) && Some(*k) != user.principal.kommune)
            .map(|k| (k, navn(k)))
            .collect();
        let faelles_kandidater = if eget {
            Vec::new()
        } else {
            self.tilsynspakker(user, pakke.styringsaar)
                .await?
                .into_iter()
                .filter(|p| {
                    p.id != id
                        && matches!(
                            p.status,
                            PakkeStatus::Modtaget | PakkeStatus::IkkeModtaget | PakkeStatus::MoedeIndkaldt
                        )
                })
                .collect()
        };
        let regler = self.regler(pakke.styringsaar);
        Ok(MoedeForslag {
            dagsorden: self.dagsorden(&pakke).await?,
            deltagere: format!(
                "{} Kommune\nBestyrelsen for {}",
                navn(user.principal.kommune.unwrap_or(pakke.hjemstedskommune)),
                pakke.organisation_navn
            ),
            varighed_minutter: regler.moede.varighed_minutter,
            varsel_dage: regler.moede.varsel_dage,
            beliggenhedskommuner,
            faelles_kandidater,
            eget_moede: eget,
        })
    }

    /// The suggested agenda from the package: critical key figures, afdelinger with
    /// challenges and last year's open aftaler.
    pub(crate) async fn dagsorden(&self, pakke: &PakkeRecord) -> Result<String, AppError> {
        // The early warning's signals across years about the organisation, as the kommune's
        // list shows them. Read for this organisation alone: a kommune's kept list is read
        // again after every package change, and convening is one.
        let organisation = self.store.organisation(pakke.organisation).await?.ok_or(AppError::NotFound)?;
        let varsler = self.varsler_for(pakke.styringsaar, Some(vec![organisation])).await?;
        self.dagsorden_med(pakke, &varsler.iter().collect::<Vec<_>>()).await
    }

    /// The suggested agenda with the organisation's early-warning signals given (the demo's
    /// history reads the whole country's once per styringsår instead of once per meeting).
    pub async fn dagsorden_med(&self, pakke: &PakkeRecord, egne: &[&crate::VarselRaekke]) -> Result<String, AppError> {
        let punkter = self.droeftelsespunkter(pakke).await?;
        let mut out = String::from("1. Velkomst\n");
        out.push_str(&format!("2. Styringsrapporten for styringsår {}\n", pakke.styringsaar));
        if !punkter.kritiske.is_empty() {
            out.push_str("3. Kritiske nøgletal:\n");
            for k in &punkter.kritiske {
                out.push_str(&format!("   - {k}\n"));
            }
        } else {
            out.push_str("3. Nøgletal (ingen er markeret kritiske)\n");
        }
        if !egne.is_empty() {
            out.push_str("   Signaler over flere år (tidlig varsling):\n");
            for r in egne {
                let afdeling = r
                    .afdeling
                    .as_ref()
                    .map(|a| format!(", afd. {} {}", a.data.nummer, a.data.navn))
                    .unwrap_or_default();
                let saetning = r.varsel.forklaring.split_inclusive(". ").next().unwrap_or_default().trim();
                out.push_str(&format!("   - {}{afdeling}: {saetning}\n", r.varsel.signal.label()));
            }
        }
        if !punkter.afdelinger.is_empty() {
            out.push_str("4. Afdelinger med udfordringer:\n");
            for a in &punkter.afdelinger {
                out.push_str(&format!("   - {a}\n"));
            }
        } else {
            out.push_str("4. Afdelingerne (ingen har angivet særlige udfordringer)\n");
        }
        if !punkter.aftaler.is_empty() {
            out.push_str("5. Opfølgning på aftaler:\n");
            for a in &punkter.aftaler {
                out.push_str(&format!("   - {a}\n"));
            }
        } else {
            out.push_str("5. Opfølgning på aftaler (ingen åbne aftaler)\n");
        }
        out.push_str("6. Nye aftaler\n7. Eventuelt\n");
        Ok(out)
    }

    /// Convenes a meeting. A date before today is refused; less notice than the rule gives is
    /// a warning the kommune must acknowledge. Returns the meeting's id.
    pub async fn indkald_moede(
        &self,
        user: &SessionUser,
        id: PakkeId,
        input: &IndkaldelseInput,
    ) -> Result<DialogmoedeId, AppError> {
        let (pakke, eget) = self.moede_pakke(user, id).await?;
        crate::packages::uaendret_siden(&pakke, input.laest)?;
        let kommune = user.principal.kommune.ok_or(AppError::Forbidden)?;
        let regler = self.regler(pakke.styringsaar).moede.clone();
        let mut errors = input.laesefejl.clone();
        let tidspunkt = self.kommende_tidspunkt(&input.tid_og_sted, &regler, &mut errors);
        let mut fejl = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
        if input.deltagere.trim().is_empty() {
            fejl("deltagere", "Angiv hvem der indkaldes".into());
        }
        if input.dagsorden.trim().is_empty() {
            fejl("dagsorden", "Skriv en dagsorden".into());
        }
        // Invited kommuner must be the package's beliggenhedskommuner.
        let modtagere = self.store.modtagere(id).await?;
        let mut kommuner = Vec::new();
        for &k in &input.kommuner {
            if modtagere.contains(&k) && k != kommune {
                kommuner.push(k);
            } else {
                fejl("kommuner", "Vælg kun kommuner, hvor organisationen har afdelinger".into());
            }
        }
        // A joint meeting covers further packages the kommune itself supervises.
        let mut pakker = vec![pakke.clone()];
        if !input.faelles.is_empty() && eget {
            fejl("faelles", "Et fælles møde indkaldes af den tilsynsførende kommune".into());
        }
        for &other in &input.faelles {
            match self.scoped(&user.principal, other, PakkeTilladelse::Behandl).await {
                Ok((p, _)) if p.styringsaar == pakke.styringsaar && p.id != pakke.id => pakker.push(p),
                Ok(_) => fejl("faelles", "Et fælles møde samler pakker fra samme styringsår".into()),
                Err(AppError::Forbidden | AppError::NotFound) => {
                    fejl("faelles", "Du kan kun indkalde organisationer, som kommunen fører tilsyn med".into())
                }
                Err(e) => return Err(e),
            }
        }
        let Some((starter, varighed)) = tidspunkt.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let varsel = self.varsel(starter, &regler, input.kort_varsel_ok)?;
        let transitions = if eget {
            Vec::new()
        } else {
            pakker
                .iter()
                .map(|p| self.transition(user, p, PakkeHaendelse::IndkaldMoede, None))
                .collect::<Result<Vec<_>, _>>()?
        };
        let kommune_navn = self.kommune_navn(kommune).await?;
        let moede = NewDialogmoede {
            kommune,
            styringsaar: pakke.styringsaar,
            starter,
            varighed_minutter: varighed,
            sted: input.tid_og_sted.sted.trim().to_string(),
            deltagere: input.deltagere.trim().to_string(),
            kommuner: kommuner.clone(),
            dagsorden: input.dagsorden.trim().to_string(),
            brev: String::new(),
            pakker: pakker.iter().map(|p| p.id).collect(),
            by: user.principal.user_id,
            at: self.now(),
        };
        let brev = self.indkaldelsesbrev(user, &moede, &pakker, &kommune_navn, eget).await?;
        let moede = NewDialogmoede { brev, ..moede };
        let mails = self.indkaldelsesmails(&moede, &pakker, &kommune_navn).await?;
        let audit = self.pakke_audit(
            user,
            &pakke,
            "moede_indkaldt",
            json!({"starter": starter, "pakker": moede.pakker, "kommuner": kommuner.iter().map(|k| k.get()).collect::<Vec<_>>(),
                   "varsel_dage": varsel, "kort_varsel": varsel < i64::from(regler.varsel_dage), "eget_moede": eget, "mails": mails.len()}),
        );
        self.store.convene_dialogmoede(&moede, &transitions, &mails, &audit).await.map_err(stale_as_conflict)
    }

    /// The time and place of a meeting to come: a date from today on, a time (Danish time), a
    /// duration (the rule's when not given) and a place. Errors are added to `errors`; returns
    /// the start (UTC) and the duration in minutes.
    fn kommende_tidspunkt(
        &self,
        input: &TidOgSted,
        regler: &domain::reference::MoedeRegler,
        errors: &mut Vec<FieldError>,
    ) -> Option<(chrono::DateTime<chrono::Utc>, i64)> {
        let fejl = |errors: &mut Vec<FieldError>, field: &str, message: &str| {
            errors.push(FieldError { field: field.into(), message: message.into() })
        };
        let dato = match input.dato {
            Some(d) if d < self.today() => {
                let besked = "Mødedatoen ligger før i dag. En indkaldelse skal være til et kommende møde.";
                fejl(errors, "dato", besked);
                None
            }
            Some(d) => Some(d),
            None => {
                mangler(errors, "dato", "Angiv mødets dato");
                None
            }
        };
        if input.tid.is_none() {
            mangler(errors, "tid", "Angiv hvornår mødet begynder");
        }
        let varighed = match input.varighed_minutter {
            None => Some(i64::from(regler.varighed_minutter)),
            Some(m) if (15..=600).contains(&m) => Some(i64::from(m)),
            Some(_) => {
                fejl(errors, "varighed", "Angiv mødets varighed i minutter, mellem 15 og 600");
                None
            }
        };
        if input.sted.trim().is_empty() {
            fejl(errors, "sted", "Angiv hvor mødet holdes");
        }
        let (Some(dato), Some(tid), Some(varighed)) = (dato, input.tid, varighed) else { return None };
        match Copenhagen.from_local_datetime(&dato.and_time(tid)).earliest() {
            Some(t) => Some((t.with_timezone(&chrono::Utc), varighed)),
            None => {
                fejl(errors, "tid", "Klokkeslættet findes ikke på den dato (sommertid)");
                None
            }
        }
    }

    /// Days of notice before `starter`; less than the rule gives is a warning the kommune must
    /// acknowledge (`kort_varsel_ok`).
    fn varsel(
        &self,
        starter: chrono::DateTime<chrono::Utc>,
        regler: &domain::reference::MoedeRegler,
        kort_varsel_ok: bool,
    ) -> Result<i64, AppError> {
        let varsel = (starter.with_timezone(&Copenhagen).date_naive() - self.today()).num_days();
        if varsel < i64::from(regler.varsel_dage) && !kort_varsel_ok {
            return Err(AppError::field(
                "kort_varsel",
                format!(
                    "Mødet er kun varslet {varsel} dage før. Standarden er mindst {} dages varsel. Bekræft, at du vil indkalde med kortere varsel.",
                    regler.varsel_dage
                ),
            ));
        }
        Ok(varsel)
    }

    /// A convened meeting that may still change: neither held nor cancelled.
    async fn aendrbart_moede(&self, user: &SessionUser, moede: DialogmoedeId) -> Result<DialogmoedeVisning, AppError> {
        let visning = self.dialogmoede(user, moede).await?;
        if visning.is_held() {
            return Err(AppError::Conflict("Mødet er markeret som afholdt og kan ikke ændres.".into()));
        }
        if visning.moede.aflyst().is_some() {
            return Err(AppError::Conflict("Mødet er aflyst.".into()));
        }
        Ok(visning)
    }

    /// Moves a convened meeting to a new time or place, with a reason. Everyone invited gets a
    /// letter and a calendar file with the same UID and a higher SEQUENCE, so their calendars
    /// move the event. The invitation stays as it was sent.
    pub async fn flyt_dialogmoede(
        &self,
        user: &SessionUser,
        moede: DialogmoedeId,
        input: &FlytningInput,
    ) -> Result<(), AppError> {
        let visning = self.aendrbart_moede(user, moede).await?;
        let m = &visning.moede.moede;
        let regler = self.regler(m.styringsaar).moede.clone();
        let mut errors = input.laesefejl.clone();
        let tidspunkt = self.kommende_tidspunkt(&input.tid_og_sted, &regler, &mut errors);
        if input.begrundelse.trim().is_empty() {
            errors.push(FieldError { field: "begrundelse".into(), message: "Skriv hvorfor mødet flyttes".into() });
        }
        let Some((starter, varighed)) = tidspunkt.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        if starter == m.starter && varighed == m.varighed_minutter && input.tid_og_sted.sted.trim() == m.sted {
            return Err(AppError::field("dato", "Angiv en ny tid eller et nyt sted for mødet"));
        }
        let varsel = self.varsel(starter, &regler, input.kort_varsel_ok)?;
        let aendring = DialogmoedeAendring {
            moede,
            sekvens: visning.moede.sekvens() + 1,
            art: MoedeAendringsArt::Flyttet,
            starter,
            varighed_minutter: varighed,
            sted: input.tid_og_sted.sted.trim().to_string(),
            begrundelse: input.begrundelse.trim().to_string(),
            brev: String::new(),
            by: user.principal.user_id,
            at: self.now(),
        };
        let audit = self.audit(
            Some(user.principal.user_id),
            "moede_flyttet",
            "dialogmoede",
            moede,
            json!({"fra": m.starter, "til": starter, "sted": aendring.sted, "sekvens": aendring.sekvens, "varsel_dage": varsel}),
        );
        self.send_aendring(user, &visning, aendring, Vec::new(), audit).await
    }

    /// Cancels a convened meeting, with a reason. Everyone invited gets a letter and a calendar
    /// file that cancels the event (METHOD:CANCEL, same UID, higher SEQUENCE). A package whose
    /// only standing invitation this was goes back to "received", ready for a new one.
    pub async fn aflys_dialogmoede(
        &self,
        user: &SessionUser,
        moede: DialogmoedeId,
        begrundelse: &str,
    ) -> Result<(), AppError> {
        let visning = self.aendrbart_moede(user, moede).await?;
        if begrundelse.trim().is_empty() {
            return Err(AppError::field("aflys_begrundelse", "Skriv hvorfor mødet aflyses"));
        }
        let m = &visning.moede.moede;
        let mut transitions = Vec::new();
        for (p, _) in &visning.pakker {
            if m.kommune != p.hjemstedskommune || p.status != PakkeStatus::MoedeIndkaldt {
                continue;
            }
            let andre_staaende = self
                .store
                .dialogmoeder_for_pakke(p.id)
                .await?
                .into_iter()
                .any(|d| d.id != moede && d.moede.kommune == p.hjemstedskommune && d.aflyst().is_none());
            if !andre_staaende {
                let (pakke, _) = self.scoped(&user.principal, p.id, PakkeTilladelse::Behandl).await?;
                transitions.push(self.transition(user, &pakke, PakkeHaendelse::AflysMoede, None)?);
            }
        }
        let aendring = DialogmoedeAendring {
            moede,
            sekvens: visning.moede.sekvens() + 1,
            art: MoedeAendringsArt::Aflyst,
            starter: m.starter,
            varighed_minutter: m.varighed_minutter,
            sted: m.sted.clone(),
            begrundelse: begrundelse.trim().to_string(),
            brev: String::new(),
            by: user.principal.user_id,
            at: self.now(),
        };
        let audit = self.audit(
            Some(user.principal.user_id),
            "moede_aflyst",
            "dialogmoede",
            moede,
            json!({"starter": m.starter, "sekvens": aendring.sekvens, "pakker_tilbage": transitions.len()}),
        );
        self.send_aendring(user, &visning, aendring, transitions, audit).await
    }

    /// The letter and the mails of a move or a cancellation, stored with it at once.
    async fn send_aendring(
        &self,
        user: &SessionUser,
        visning: &DialogmoedeVisning,
        mut aendring: DialogmoedeAendring,
        transitions: Vec<Transition>,
        audit: AuditEvent,
    ) -> Result<(), AppError> {
        let m = &visning.moede.moede;
        let aflyst = aendring.art == MoedeAendringsArt::Aflyst;
        let kommune_navn = &visning.kommune_navn;
        let tid = |starter: chrono::DateTime<chrono::Utc>, minutter: i64| {
            let lokal = starter.with_timezone(&Copenhagen);
            let slut = (starter + chrono::Duration::minutes(minutter)).with_timezone(&Copenhagen);
            format!("{} kl. {}–{}", dansk_dato(lokal.date_naive()), lokal.format("%H.%M"), slut.format("%H.%M"))
        };
        // The time and place as they stood before this change.
        let oprindelig = (m.starter, m.varighed_minutter, m.sted.clone());
        let mut brev = format!("{kommune_navn} Kommune\n{}\n\n", dansk_dato(self.today()));
        if aflyst {
            brev.push_str(&format!("Aflysning af dialogmøde – styringsår {}\n\n", m.styringsaar));
            brev.push_str(&format!(
                "Dialogmødet {}, {}, er aflyst.\n\nBegrundelse:\n{}\n\nKommunen indkalder til et nyt møde.\n",
                tid(oprindelig.0, oprindelig.1),
                oprindelig.2,
                aendring.begrundelse
            ));
        } else {
            brev.push_str(&format!("Dialogmødet er flyttet – styringsår {}\n\n", m.styringsaar));
            brev.push_str(&format!(
                "Dialogmødet er flyttet fra {}, {}.\n\nNy tid: {}\nNyt sted: {}\n\nBegrundelse:\n{}\n\nDagsordenen er uændret.\n",
                tid(oprindelig.0, oprindelig.1),
                oprindelig.2,
                tid(aendring.starter, aendring.varighed_minutter),
                aendring.sted,
                aendring.begrundelse
            ));
        }
        brev.push_str("\nTil:\n");
        for (p, _) in &visning.pakker {
            brev.push_str(&format!("- {} (organisation nr. {})\n", p.organisation_navn, p.organisation_nummer));
        }
        brev.push_str(&format!("\nMed venlig hilsen\n{}\n{kommune_navn} Kommune\n", user.display_name));
        aendring.brev = brev;
        let uid = visning.moede.uid();
        let kalender = Kalender {
            uid: &uid,
            sekvens: aendring.sekvens,
            aflyst,
            styringsaar: m.styringsaar,
            starter: aendring.starter,
            varighed_minutter: aendring.varighed_minutter,
            sted: &aendring.sted,
            dagsorden: &m.dagsorden,
            at: aendring.at,
        };
        let pakker: Vec<PakkeRecord> = visning.pakker.iter().map(|(p, _)| p.clone()).collect();
        let emne = if aflyst {
            format!("Aflyst: dialogmøde, styringsår {} – {kommune_navn} Kommune", m.styringsaar)
        } else {
            format!("Flyttet: dialogmøde, styringsår {} – {kommune_navn} Kommune", m.styringsaar)
        };
        let reference = format!("{}/{uid}/{}", aendring.art.as_str(), aendring.sekvens);
        let mails = self.moedemails(
            self.moedemodtagere(m, &pakker).await?,
            &reference,
            &emne,
            &aendring.brev,
            &ics(&kalender, kommune_navn),
        );
        self.store.aendr_dialogmoede(&aendring, &transitions, &mails, &audit).await.map_err(stale_as_conflict)
    }

    /// The meeting's calendar file as it stands now (after any move or the cancellation), the
    /// same file its latest mail carried, for systems that file or show it.
    pub async fn moede_kalender(&self, user: &SessionUser, moede: DialogmoedeId) -> Result<String, AppError> {
        let visning = self.dialogmoede(user, moede).await?;
        let m = &visning.moede;
        let uid = m.uid();
        let kalender = Kalender {
            uid: &uid,
            sekvens: m.sekvens(),
            aflyst: m.aflyst().is_some(),
            styringsaar: m.moede.styringsaar,
            starter: m.moede.starter,
            varighed_minutter: m.moede.varighed_minutter,
            sted: &m.moede.sted,
            dagsorden: &m.moede.dagsorden,
            at: m.aendringer.last().map_or(m.moede.at, |a| a.at),
        };
        Ok(ics(&kalender, &visning.kommune_navn))
    }

    pub(crate) async fn kommune_navn(&self, k: Kommunekode) -> Result<String, AppError> {
        self.offentlig().kommune_navn(k).await
    }

    async fn indkaldelsesbrev(
        &self,
        user: &SessionUser,
        m: &NewDialogmoede,
        pakker: &[PakkeRecord],
        kommune_navn: &str,
        eget: bool,
    ) -> Result<String, AppError> {
        let lokal = m.starter.with_timezone(&Copenhagen);
        let slut = (m.starter + chrono::Duration::minutes(m.varighed_minutter)).with_timezone(&Copenhagen);
        let mut brev = format!("{kommune_navn} Kommune\n{}\n\n", dansk_dato(self.today()));
        brev.push_str(&format!("Indkaldelse til dialogmøde – styringsår {}\n\n", m.styringsaar));
        brev.push_str("Til:\n");
        for p in pakker {
            brev.push_str(&format!("- {} (organisation nr. {})\n", p.organisation_navn, p.organisation_nummer));
        }
        brev.push('\n');
        if eget {
            brev.push_str(&format!(
                "{kommune_navn} Kommune indkalder som beliggenhedskommune til et møde om organisationens afdelinger i kommunen.\n\n"
            ));
        } else {
            brev.push_str(&format!(
                "{kommune_navn} Kommune indkalder hermed til det årlige dialogmøde om boligorganisationens styringsrapport, jf. almenboligloven § 164 og driftsbekendtgørelsen § 112.\n\n"
            ));
        }
        brev.push_str(&format!(
            "Tid: {} kl. {}–{}\nSted: {}\n\n",
            dansk_dato(lokal.date_naive()),
            lokal.format("%H.%M"),
            slut.format("%H.%M"),
            m.sted
        ));
        brev.push_str(&format!("Indkaldte deltagere:\n{}\n", m.deltagere));
        if !m.kommuner.is_empty() {
            let mut navne = Vec::new();
            for k in &m.kommuner {
                navne.push(format!("{} Kommune", self.kommune_navn(*k).await?));
            }
            brev.push_str(&format!("\nInviterede beliggenhedskommuner: {}\n", navne.join(", ")));
        }
        brev.push_str(&format!("\nDagsorden:\n{}\n", m.dagsorden));
        if pakker.len() > 1 {
            brev.push_str(
                "\nMødet er et fælles dialogmøde for flere boligorganisationer. Hver organisation får sin egen drøftelse af sin styringsrapport på mødet.\n",
            );
        }
        brev.push_str(&format!("\nMed venlig hilsen\n{}\n{kommune_navn} Kommune\n", user.display_name));
        Ok(brev)
    }

    /// Who hears about a meeting: the organisations' users and the convening and invited
    /// kommuner's users.
    async fn moedemodtagere(&self, m: &NewDialogmoede, pakker: &[PakkeRecord]) -> Result<Vec<String>, AppError> {
        let orgs: BTreeSet<_> = pakker.iter().map(|p| p.organisation).collect();
        let users = self.store.users().await?;
        let modtagere: BTreeSet<String> = users
            .iter()
            .filter(|u| !u.disabled)
            .filter(|u| match u.role {
                Role::Organisation => u.organisationer.iter().any(|o| orgs.contains(o)),
                Role::Kommune => u.kommune.is_some_and(|k| m.kommuner.contains(&k) || k == m.kommune),
                Role::Styrelse => false,
            })
            .filter_map(|u| u.email.clone())
            .collect();
        Ok(modtagere.into_iter().collect())
    }

    /// The invitation's mails, one per recipient, each with the calendar file.
    async fn indkaldelsesmails(
        &self,
        m: &NewDialogmoede,
        pakker: &[PakkeRecord],
        kommune_navn: &str,
    ) -> Result<Vec<NewMail>, AppError> {
        let uid = dialogmoede_uid(m.kommune, m.at);
        let kalender = Kalender {
            uid: &uid,
            sekvens: 0,
            aflyst: false,
            styringsaar: m.styringsaar,
            starter: m.starter,
            varighed_minutter: m.varighed_minutter,
            sted: &m.sted,
            dagsorden: &m.dagsorden,
            at: m.at,
        };
        let emne = format!("Indkaldelse til dialogmøde, styringsår {} – {kommune_navn} Kommune", m.styringsaar);
        let modtagere = self.moedemodtagere(m, pakker).await?;
        Ok(self.moedemails(modtagere, &format!("indkaldelse/{uid}"), &emne, &m.brev, &ics(&kalender, kommune_navn)))
    }

    fn moedemails(&self, modtagere: Vec<String>, reference: &str, emne: &str, brev: &str, ics: &str) -> Vec<NewMail> {
        modtagere
            .into_iter()
            .map(|til| NewMail {
                reference: format!("{reference}/{til}"),
                til,
                emne: emne.to_string(),
                tekst: brev.to_string(),
                oprettet: self.now(),
                vedhaeftning: Some(Vedhaeftning {
                    navn: "dialogmoede.ics".into(),
                    indhold: ics.to_string(),
                    art: VedhaeftningArt::Kalender,
                }),
            })
            .collect()
    }

    /// The meetings convened for a package, for anyone who holds its view (the proof that they
    /// may read it).
    pub async fn dialogmoeder(&self, view: &crate::PakkeView) -> Result<Arc<Vec<DialogmoedeVisning>>, AppError> {
        let moeder = view.data.dialogmoeder.get_or_try_init(|| async {
            let mut out = Vec::new();
            for m in self.store.dialogmoeder_for_pakke(view.pakke.id).await? {
                out.push(self.dialogmoede_visning(m).await?);
            }
            Ok::<_, AppError>(Arc::new(out))
        });
        Ok(moeder.await?.clone())
    }

    async fn dialogmoede_visning(&self, moede: DialogmoedeRecord) -> Result<DialogmoedeVisning, AppError> {
        let mut pakker = Vec::new();
        let mut afholdt = Vec::new();
        for p in &moede.moede.pakker {
            let pakke = self.store.pakke(*p).await?.ok_or(AppError::NotFound)?;
            let held: Vec<MoedeRecord> =
                self.store.moeder(*p).await?.into_iter().filter(|r| r.dialogmoede == Some(moede.id)).collect();
            afholdt.extend(held.iter().cloned());
            pakker.push((pakke, held));
        }
        let kommune_navn = self.kommune_navn(moede.moede.kommune).await?;
        Ok(DialogmoedeVisning { moede, pakker, afholdt, kommune_navn })
    }

    /// One convened meeting, for the kommune that convened it.
    pub async fn dialogmoede(&self, user: &SessionUser, moede: DialogmoedeId) -> Result<DialogmoedeVisning, AppError> {
        let m = self.store.dialogmoede(moede).await?.ok_or(AppError::NotFound)?;
        if user.principal.kommune != Some(m.moede.kommune) {
            return Err(AppError::NotFound);
        }
        // The same package scope as convening: the kommune must still handle every package.
        for p in &m.moede.pakker {
            self.moede_pakke(user, *p).await?;
        }
        self.dialogmoede_visning(m).await
    }

    /// Marks a dialogue meeting held: the one way to record a held meeting. The date cannot
    /// lie in the future and someone must have taken part; then the meeting decides the rest
    /// (see [`AfholdtMoede`]). Every package concerned moves to "meeting held" in one
    /// transaction, or none does.
    pub async fn marker_moede_afholdt(
        &self,
        user: &SessionUser,
        moede: &AfholdtMoede,
        afholdelse: &AfholdelseInput,
    ) -> Result<(), AppError> {
        let (moeder, transitions, audit) = match moede {
            AfholdtMoede::Indkaldt { moede, bilaterale, laest } => {
                self.indkaldt_afholdt(user, *moede, afholdelse, bilaterale, *laest).await?
            }
            AfholdtMoede::UdenIndkaldelse { pakke, bekraeftet, laest } => {
                self.afholdt_uden_indkaldelse(user, *pakke, afholdelse, *bekraeftet, *laest).await?
            }
        };
        self.store.record_moeder(&moeder, &transitions, &audit).await.map_err(stale_as_conflict)
    }

    /// The date and the participants every held meeting has, checked; the errors gathered
    /// with `errors` (a field error each).
    fn afholdt_felter(&self, afholdelse: &AfholdelseInput, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
        let dato = self.held_date(afholdelse.dato, errors);
        if afholdelse.deltagere.trim().is_empty() {
            errors.push(FieldError { field: "deltagere".into(), message: "Angiv hvem der deltog i mødet".into() });
        }
        dato
    }

    /// A meeting convened in the system, for every package it covers. At a joint meeting each
    /// organisation must have had its own discussion (`bilaterale`), as the law requires.
    async fn indkaldt_afholdt(
        &self,
        user: &SessionUser,
        moede: DialogmoedeId,
        afholdelse: &AfholdelseInput,
        bilaterale: &[PakkeId],
        laest: Option<i64>,
    ) -> Result<(Vec<NewMoede>, Vec<Transition>, AuditEvent), AppError> {
        let visning = self.dialogmoede(user, moede).await?;
        if visning.is_held() {
            return Err(AppError::Conflict("Mødet er allerede markeret som afholdt.".into()));
        }
        // `laest`: the meeting's change number as read; moved or cancelled since is news.
        if let Some(n) = laest.filter(|n| *n != visning.moede.sekvens()) {
            return Err(AppError::Conflict(format!(
                "Mødet er ændret, siden det blev læst (revision {n} er nu {}). Læs det igen.",
                visning.moede.sekvens()
            )));
        }
        let mut errors = afholdelse.laesefejl.clone();
        let dato = self.afholdt_felter(afholdelse, &mut errors);
        if let Some(d) = dato
            && d < visning.moede.moede.starter.with_timezone(&Copenhagen).date_naive()
        {
            errors.push(FieldError {
                field: "dato".into(),
                message: "Mødet kan ikke være holdt før den dato, det var indkaldt til".into(),
            });
        }
        if visning.is_joint() {
            for (p, _) in &visning.pakker {
                if !bilaterale.contains(&p.id) {
                    errors.push(FieldError {
                        field: format!("bilateral_{}", p.id.0),
                        message: format!(
                            "{} skal have haft sin egen drøftelse på mødet. Hold ellers et særskilt møde med organisationen.",
                            p.organisation_navn
                        ),
                    });
                }
            }
        }
        let Some(dato) = dato.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        // A meeting always concerns at least one package; one without any is not found.
        let (foerste, _) = visning.pakker.first().ok_or(AppError::NotFound)?;
        let eget = visning.moede.moede.kommune != foerste.hjemstedskommune;
        let mut transitions = Vec::new();
        let mut moeder = Vec::new();
        for (p, _) in &visning.pakker {
            if !eget {
                // The kommune must still supervise it; the state machine says whether it may.
                let (pakke, _) = self.scoped(&user.principal, p.id, PakkeTilladelse::Behandl).await?;
                transitions.push(self.transition(user, &pakke, PakkeHaendelse::MarkerMoedeAfholdt, None)?);
            }
            moeder.push(NewMoede {
                pakke: p.id,
                dato,
                deltagere: afholdelse.deltagere.trim().to_string(),
                by: user.principal.user_id,
                at: self.now(),
                dialogmoede: Some(moede),
                bilateral: !visning.is_joint() || bilaterale.contains(&p.id),
                kommune: user.principal.kommune,
            });
        }
        let audit = self.audit(
            Some(user.principal.user_id),
            "moede_afholdt",
            "dialogmoede",
            moede,
            json!({"dato": dato, "pakker": visning.moede.moede.pakker, "eget_moede": eget}),
        );
        Ok((moeder, transitions, audit))
    }

    /// A meeting convened outside the system, for one package. A date before the package was
    /// received is a warning the kommune must confirm (`bekraeftet`), since the meeting should
    /// discuss the package as received.
    async fn afholdt_uden_indkaldelse(
        &self,
        user: &SessionUser,
        id: PakkeId,
        afholdelse: &AfholdelseInput,
        bekraeftet: bool,
        laest: Option<Revision>,
    ) -> Result<(Vec<NewMoede>, Vec<Transition>, AuditEvent), AppError> {
        let pakke = self.til_behandling(user, id, laest).await?;
        let mut errors = afholdelse.laesefejl.clone();
        let dato = self.afholdt_felter(afholdelse, &mut errors);
        let Some(dato) = dato.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        if !bekraeftet {
            let modtaget = self.store.haendelser(id).await?.into_iter().rev().find(|h| h.to == PakkeStatus::Modtaget);
            let modtaget = modtaget.map(|h| h.at.with_timezone(&Copenhagen).date_naive());
            if let Some(m) = modtaget.filter(|m| dato < *m) {
                return Err(AppError::field(
                    "foer_modtagelse",
                    format!(
                        "Mødedatoen {} ligger før pakken blev kvitteret modtaget ({}). Bekræft, at mødet drøftede pakken, som den blev indsendt.",
                        dato.format("%d.%m.%Y"),
                        m.format("%d.%m.%Y")
                    ),
                ));
            }
        }
        let t = self.transition(user, &pakke, PakkeHaendelse::MarkerMoedeAfholdt, None)?;
        let moede = NewMoede {
            pakke: id,
            dato,
            deltagere: afholdelse.deltagere.trim().to_string(),
            by: user.principal.user_id,
            at: self.now(),
            dialogmoede: None,
            bilateral: true,
            kommune: user.principal.kommune,
        };
        let audit = self.pakke_audit(user, &pakke, "moede_afholdt", json!({"dato": dato.to_string()}));
        Ok((vec![moede], vec![t], audit))
    }

    /// A held meeting's date: a date, and not in the future.
    fn held_date(&self, dato: Option<NaiveDate>, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
        match dato {
            Some(d) if d > self.today() => {
                errors
                    .push(FieldError {
                        field: "dato".into(), message: "Mødedatoen kan ikke ligge i fremtiden".into()
                    });
                None
            }
            Some(d) => Some(d),
            None => {
                mangler(errors, "dato", "Angiv hvornår mødet blev holdt");
                None
            }
        }
    }
}

/// What a calendar file says about a meeting: its time and place, its change number and
/// whether it is cancelled.
struct Kalender<'a> {
    uid: &'a str,
    sekvens: i64,
    aflyst: bool,
    styringsaar: domain::Styringsaar,
    starter: chrono::DateTime<chrono::Utc>,
    varighed_minutter: i64,
    sted: &'a str,
    dagsorden: &'a str,
    at: chrono::DateTime<chrono::Utc>,
}

/// The calendar file (RFC 5545/5546), times in UTC: the invitation and every move are a
/// REQUEST of the same UID with a higher SEQUENCE, so calendars move the event; the
/// cancellation is a CANCEL, so they remove it.
fn ics(k: &Kalender<'_>, kommune_navn: &str) -> String {
    use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
    let mut event = Event::new();
    event
        .uid(k.uid)
        .summary(&format!("Dialogmøde, styringsår {} – {kommune_navn} Kommune", k.styringsaar))
        .description(&format!("Dagsorden:\n{}", k.dagsorden))
        .location(k.sted)
        .starts(k.starter)
        .ends(k.starter + chrono::Duration::minutes(k.varighed_minutter))
        .timestamp(k.at)
        .add_property("SEQUENCE", k.sekvens.to_string());
    if k.aflyst {
        event.status(EventStatus::Cancelled);
    }
    Calendar::new()
        .append_property(("METHOD", if k.aflyst { "CANCEL" } else { "REQUEST" }))
        .push(event.done())
        .done()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_dates_are_written_out() {
        assert_eq!(dansk_dato(NaiveDate::from_ymd_opt(2026, 5, 14).unwrap()), "14. maj 2026");
    }
}
