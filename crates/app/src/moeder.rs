//! Dialogue meetings (domain.md §3.6–7): the written invitation kept as a letter and sent as a
//! mail with a calendar file, the notice check, joint meetings with the bilateral check, the
//! beliggenhedskommune's own meeting, and marking a meeting held.

use crate::error::stale_as_conflict;
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

/// The invitation form as posted.
#[derive(Debug, Clone, Default)]
pub struct IndkaldelseInput {
    pub dato: String,
    pub tid: String,
    pub varighed_minutter: String,
    pub sted: String,
    pub deltagere: String,
    /// Invited beliggenhedskommuner (kommunekoder).
    pub kommuner: Vec<String>,
    /// Further packages for a joint meeting (package ids).
    pub faelles: Vec<String>,
    pub dagsorden: String,
    /// The kommune has seen the short-notice warning and convenes anyway.
    pub kort_varsel_ok: bool,
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
        let kommuner = self.store.kommuner().await?;
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
                .filter(|p| p.id != id && matches!(p.status, PakkeStatus::Modtaget | PakkeStatus::MoedeIndkaldt))
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
        let kommune = user.principal.kommune.ok_or(AppError::Forbidden)?;
        let regler = self.regler(pakke.styringsaar).moede.clone();
        let mut errors = Vec::new();
        let mut fejl = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
        let dato = match NaiveDate::parse_from_str(input.dato.trim(), "%Y-%m-%d") {
            Ok(d) if d < self.today() => {
                fejl("dato", "Mødedatoen ligger før i dag. En indkaldelse skal være til et kommende møde.".into());
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                fejl(
                    "dato",
                    format!("«{}» er ikke en dato; skriv den som år-måned-dag, fx 2026-05-14", input.dato.trim()),
                );
                None
            }
        };
        let tid = NaiveTime::parse_from_str(input.tid.trim(), "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(input.tid.trim(), "%H.%M"));
        if tid.is_err() {
            fejl("tid", format!("«{}» er ikke et klokkeslæt; skriv det som time:minut, fx 13:00", input.tid.trim()));
        }
        let varighed = match input.varighed_minutter.trim() {
            "" => Some(i64::from(regler.varighed_minutter)),
            v => match v.parse::<i64>() {
                Ok(m) if (15..=600).contains(&m) => Some(m),
                _ => {
                    fejl("varighed", "Angiv mødets varighed i minutter, mellem 15 og 600".into());
                    None
                }
            },
        };
        if input.sted.trim().is_empty() {
            fejl("sted", "Angiv hvor mødet holdes".into());
        }
        if input.deltagere.trim().is_empty() {
            fejl("deltagere", "Angiv hvem der indkaldes".into());
        }
        if input.dagsorden.trim().is_empty() {
            fejl("dagsorden", "Skriv en dagsorden".into());
        }
        // Invited kommuner must be the package's beliggenhedskommuner.
        let modtagere = self.store.modtagere(id).await?;
        let mut kommuner = Vec::new();
        for k in &input.kommuner {
            match k.parse::<Kommunekode>() {
                Ok(k) if modtagere.contains(&k) && k != kommune => kommuner.push(k),
                _ => fejl("kommuner", "Vælg kun kommuner, hvor organisationen har afdelinger".into()),
            }
        }
        // A joint meeting covers further packages the kommune itself supervises.
        let mut pakker = vec![pakke.clone()];
        if !input.faelles.is_empty() && eget {
            fejl("faelles", "Et fælles møde indkaldes af den tilsynsførende kommune".into());
        }
        for f in &input.faelles {
            let Ok(other) = f.parse::<i64>() else {
                fejl("faelles", "Ukendt pakke".into());
                continue;
            };
            match self.scoped(&user.principal, PakkeId(other), PakkeTilladelse::Behandl).await {
                Ok((p, _)) if p.styringsaar == pakke.styringsaar && p.id != pakke.id => pakker.push(p),
                Ok(_) => fejl("faelles", "Et fælles møde samler pakker fra samme styringsår".into()),
                Err(AppError::Forbidden | AppError::NotFound) => {
                    fejl("faelles", "Du kan kun indkalde organisationer, som kommunen fører tilsyn med".into())
                }
                Err(e) => return Err(e),
            }
        }
        let (Some(dato), Ok(tid), Some(varighed)) = (dato, tid, varighed) else {
            return Err(AppError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let varsel = (dato - self.today()).num_days();
        if varsel < i64::from(regler.varsel_dage) && !input.kort_varsel_ok {
            return Err(AppError::field(
                "kort_varsel",
                format!(
                    "Mødet er kun varslet {varsel} dage før. Standarden er mindst {} dages varsel. Bekræft, at du vil indkalde med kortere varsel.",
                    regler.varsel_dage
                ),
            ));
        }
        let starter = Copenhagen
            .from_local_datetime(&dato.and_time(tid))
            .earliest()
            .ok_or_else(|| AppError::field("tid", "Klokkeslættet findes ikke på den dato (sommertid)"))?
            .with_timezone(&chrono::Utc);
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
            sted: input.sted.trim().to_string(),
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

    pub(crate) async fn kommune_navn(&self, k: Kommunekode) -> Result<String, AppError> {
        Ok(self.store.kommuner().await?.into_iter().find(|x| x.kode == k).map(|x| x.navn).unwrap_or_default())
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

    /// One mail per recipient (the organisations' users and the invited kommuner's users),
    /// each with the calendar file.
    async fn indkaldelsesmails(
        &self,
        m: &NewDialogmoede,
        pakker: &[PakkeRecord],
        kommune_navn: &str,
    ) -> Result<Vec<NewMail>, AppError> {
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
        let uid = format!("dialogmoede-{}-{}@styringsdialog", m.kommune, m.at.timestamp_micros());
        let ics = ics(&uid, m, kommune_navn);
        let emne = format!("Indkaldelse til dialogmøde, styringsår {} – {kommune_navn} Kommune", m.styringsaar);
        Ok(modtagere
            .into_iter()
            .map(|til| NewMail {
                reference: format!("indkaldelse/{uid}/{til}"),
                til,
                emne: emne.clone(),
                tekst: m.brev.clone(),
                oprettet: self.now(),
                vedhaeftning: Some(Vedhaeftning { navn: "dialogmoede.ics".into(), indhold: ics.clone() }),
            })
            .collect())
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

    /// Marks a convened meeting held, for every package it covers. At a joint meeting each
    /// organisation must have had its own discussion (`bilaterale`), as the law requires.
    pub async fn marker_dialogmoede_afholdt(
        &self,
        user: &SessionUser,
        moede: DialogmoedeId,
        dato: &str,
        deltagere: &str,
        bilaterale: &[PakkeId],
    ) -> Result<(), AppError> {
        let visning = self.dialogmoede(user, moede).await?;
        if visning.is_held() {
            return Err(AppError::Conflict("Mødet er allerede markeret som afholdt.".into()));
        }
        let mut errors = Vec::new();
        let dato = self.held_date(dato, &mut errors);
        if let Some(d) = dato
            && d < visning.moede.moede.starter.with_timezone(&Copenhagen).date_naive()
        {
            errors.push(FieldError {
                field: "dato".into(),
                message: "Mødet kan ikke være holdt før den dato, det var indkaldt til".into(),
            });
        }
        if deltagere.trim().is_empty() {
            errors.push(FieldError { field: "deltagere".into(), message: "Angiv hvem der deltog i mødet".into() });
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
        let eget = visning.moede.moede.kommune != visning.pakker[0].0.hjemstedskommune;
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
                deltagere: deltagere.trim().to_string(),
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
        self.store.record_moeder(&moeder, &transitions, &audit).await.map_err(stale_as_conflict)
    }

    /// A held meeting's date: a date, and not in the future.
    pub(crate) fn held_date(&self, dato: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(dato.trim(), "%Y-%m-%d") {
            Ok(d) if d > self.today() => {
                errors
                    .push(FieldError {
                        field: "dato".into(), message: "Mødedatoen kan ikke ligge i fremtiden".into()
                    });
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError {
                    field: "dato".into(),
                    message: "Angiv mødedatoen som en dato, fx 2026-05-14".into(),
                });
                None
            }
        }
    }
}

/// The calendar file of an invitation (RFC 5545), times in UTC.
fn ics(uid: &str, m: &NewDialogmoede, kommune_navn: &str) -> String {
    use icalendar::{Calendar, Component, Event, EventLike};
    let event = Event::new()
        .uid(uid)
        .summary(&format!("Dialogmøde, styringsår {} – {kommune_navn} Kommune", m.styringsaar))
        .description(&format!("Dagsorden:\n{}", m.dagsorden))
        .location(&m.sted)
        .starts(m.starter)
        .ends(m.starter + chrono::Duration::minutes(m.varighed_minutter))
        .timestamp(m.at)
        .done();
    Calendar::new().push(event).done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_dates_are_written_out() {
        assert_eq!(dansk_dato(NaiveDate::from_ymd_opt(2026, 5, 14).unwrap()), "14. maj 2026");
    }
}
