//! Submission and its handling: the organisation submits (with the board's approval and
//! the receipt), the kommune receives or returns.

use super::*;
use crate::PakkeView;
use crate::error::stale_as_conflict;
use crate::{App, AppError, FieldError, SessionUser};
use chrono::NaiveDate;
use domain::Kommunekode;
use domain::master::Rapporttype;
use domain::package::PakkeHaendelse;
use serde_json::json;
use store::*;

impl App {
    /// Submits the package to the hjemstedskommune and every beliggenhedskommune. Repeating
    /// the same `idempotency_key` (double click, back button) returns the first submission.
    /// The submitter states the day the board approved the report (`bestyrelse_godkendt`):
    /// the board is responsible for it, and the receipt shows the approval.
    pub async fn indsend(
        &self,
        user: &SessionUser,
        id: PakkeId,
        idempotency_key: &str,
        bestyrelse_godkendt: Option<NaiveDate>,
    ) -> Result<VersionRecord, AppError> {
        // One read of the package and its scope serves the checks and the submission.
        let view = self.pakke_view(user, id).await?;
        if !view.is_working_copy {
            return Err(AppError::Forbidden);
        }
        // A resend of a submission that went through only finds it; it never writes.
        if let Some(earlier) = self.store.version_by_key(id, idempotency_key).await? {
            return Ok(earlier);
        }
        if !view.may_edit {
            return Err(AppError::Conflict(INDSENDT.into()));
        }
        let pakke = &view.pakke;
        let mut missing = view.missing_answers();
        let godkendt = self.bestyrelsens_godkendelse(pakke, bestyrelse_godkendt, &mut missing);
        let Some(godkendt) = godkendt.filter(|_| missing.is_empty()) else {
            return Err(AppError::Invalid(missing));
        };
        let modtagere = recipients(pakke, &view.afdelinger);
        let late = pakke.frist.is_some_and(|frist| self.today() > frist);
        let version = view.versions.len() as i64 + 1;
        let mails = match self.store.user(user.principal.user_id).await?.and_then(|u| u.email) {
            Some(til) => vec![self.kvittering(&view, &til, version, &modtagere, late, godkendt).await?],
            None => Vec::new(),
        };
        let submission = Submission {
            transition: self.transition(user, pakke, PakkeHaendelse::Indsend, None)?,
            // The answers validated above are exactly those at this revision.
            revision: view.pakke.revision,
            idempotency_key: idempotency_key.into(),
            svar: (*view.svar).clone(),
            modtagere,
            late,
            expected_version: version,
            mails,
            bilag: view.bilag.iter().map(|b| b.id).collect(),
            bestyrelse_godkendt: Some(godkendt),
        };
        let audit = self.pakke_audit(
            user,
            pakke,
            "pakke_indsendt",
            json!({"modtagere": submission.modtagere.iter().map(|k| k.get()).collect::<Vec<_>>(), "for_sent": late}),
        );
        match self.store.submit(&submission, &audit).await {
            Ok(version) => Ok(version),
            // A concurrent resend may have won the race: then it is the same submission.
            Err(StoreError::Stale) => match self.store.version_by_key(id, idempotency_key).await? {
                Some(version) => Ok(version),
                None => Err(stale_as_conflict(StoreError::Stale)),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// The day the board approved the report: a date within the package's accounting period's
    /// start and today.
    pub(crate) fn bestyrelsens_godkendelse(
        &self,
        pakke: &PakkeRecord,
        dato: Option<NaiveDate>,
        errors: &mut Vec<FieldError>,
    ) -> Option<NaiveDate> {
        let fejl = |message: String| FieldError { field: "bestyrelse_godkendt".into(), message };
        match dato {
            None => {
                errors.push(fejl("Angiv den dato, hvor bestyrelsen godkendte styringsrapporten".into()));
                None
            }
            Some(d) if d > self.today() => {
                errors.push(fejl("Bestyrelsens godkendelse kan ikke ligge i fremtiden".into()));
                None
            }
            Some(d) if d < pakke.periode.start() => {
                errors.push(fejl(format!(
                    "Bestyrelsens godkendelse kan ikke ligge før regnskabsperioden ({})",
                    pakke.periode.label()
                )));
                None
            }
            Some(d) => Some(d),
        }
    }

    /// The receipt mail of a submission, in Danish, for the submitting user.
    pub(crate) async fn kvittering(
        &self,
        view: &PakkeView,
        til: &str,
        version: i64,
        modtagere: &[Kommunekode],
        late: bool,
        bestyrelse_godkendt: NaiveDate,
    ) -> Result<NewMail, AppError> {
        let kommuner = self.kommuner().await?;
        let navne: Vec<String> = modtagere
            .iter()
            .map(|k| kommuner.iter().find(|x| x.kode == *k).map(|x| format!("{} Kommune", x.navn)).unwrap_or_default())
            .collect();
        let tid = self.now().with_timezone(&chrono_tz::Europe::Copenhagen).format("%d.%m.%Y kl. %H:%M");
        let org = &view.organisation;
        let nummer = domain::package::kvitteringsnummer(view.pakke.styringsaar, org.nummer, version);
        let mut tekst = format!(
            "Kvittering for indsendt dokumentationspakke\n\n\
             Kvitteringsnummer: {nummer}\n\
             Organisation: {} ({})\nStyringsår: {}\nVersion: {version}\nIndsendt: {tid}\nSendt til: {}\n\
             Godkendt af bestyrelsen: {}\n",
            org.navn,
            org.nummer,
            view.pakke.styringsaar,
            navne.join(", "),
            bestyrelse_godkendt.format("%d.%m.%Y")
        );
        if late {
            tekst.push_str("\nPakken er indsendt efter kommunens frist og er markeret som indsendt for sent.\n");
        }
        tekst.push_str(
            "\nPakken kan nu kun læses. Sender kommunen den retur til rettelse, kan den rettes og indsendes igen som en ny version.\n\n\
             Hvad sker der nu:\n\
             - Kommunen kvitterer for modtagelsen eller sender pakken retur med en begrundelse.\n\
             - Kommunen indkalder til dialogmøde med brev og kalenderfil.\n\
             - Efter mødet skriver kommunen en redegørelse, som organisationen får i høring, før den offentliggøres.\n",
        );
        Ok(NewMail {
            reference: format!("kvittering/{}/{version}", view.pakke.id.0),
            til: til.to_string(),
            emne: format!("Kvittering: dokumentationspakke {} for {}", view.pakke.styringsaar, org.navn),
            tekst,
            oprettet: self.now(),
            // The receipt as a PDF the organisation can file, typeset when the mail is sent.
            vedhaeftning: Some(Vedhaeftning {
                navn: format!("kvittering-{nummer}.pdf"),
                indhold: String::new(),
                art: VedhaeftningArt::TekstSomPdf,
            }),
        })
    }

    /// The recipients a submission of this package would go to (for check-your-answers).
    pub async fn modtagere_ved_indsendelse(&self, view: &PakkeView) -> Result<Vec<Kommunekode>, AppError> {
        // The view was read in the user's scope; a bilag 3 view holds the organisation's
        // afdelinger already.
        if view.pakke.rapporttype == Rapporttype::Bilag3 {
            return Ok(recipients(&view.pakke, &view.afdelinger));
        }
        Ok(recipients(&view.pakke, &self.store.afdelinger(view.pakke.organisation).await?))
    }

    /// The kommune returns the package for correction with a reason and a deadline for
    /// resubmission; both are shown to the organisation and sent to its users by mail.
    pub async fn returner_pakke(
        &self,
        user: &SessionUser,
        id: PakkeId,
        begrundelse: &str,
        frist: Option<NaiveDate>,
        laest: Option<Revision>,
    ) -> Result<(), AppError> {
        let pakke = self.til_behandling(user, id, laest).await?;
        let begrundelse = begrundelse.trim();
        let mut errors = Vec::new();
        if begrundelse.is_empty() {
            errors.push(FieldError {
                field: "begrundelse".into(),
                message: "Skriv hvorfor pakken sendes retur, så organisationen kan rette den".into(),
            });
        }
        let frist = self.trin_frist(frist, crate::Trin::Genindsendelse, &mut errors);
        let Some(frist) = frist.filter(|_| errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let t = Transition {
            frist: Some(frist),
            ..self.transition(user, &pakke, PakkeHaendelse::Returner, Some(begrundelse.to_string()))?
        };
        let kommune = self.kommune_navn(user.principal.kommune.unwrap_or(pakke.hjemstedskommune)).await?;
        let tekst = format!(
            "{kommune} Kommune har sendt dokumentationspakken for styringsår {aar} retur til {org} til rettelse.\n\n\
             Begrundelse:\n{begrundelse}\n\n\
             Frist for genindsendelse: {frist}\n\n\
             Pakken kan nu rettes i styringsdialogen og indsendes igen. Den nye indsendelse bliver en ny version; \
             den tidligere version gemmes.\n",
            aar = pakke.styringsaar,
            org = pakke.organisation_navn,
            frist = frist.format("%d.%m.%Y"),
        );
        let mails = self
            .organisation_mails(
                &pakke,
                "retur",
                &format!("Pakken er sendt retur til rettelse – styringsår {}", pakke.styringsaar),
                &tekst,
            )
            .await?;
        let audit = self.pakke_audit(
            user,
            &pakke,
            "pakke_returneret",
            json!({"begrundelse": begrundelse, "frist": frist, "mails": mails.len()}),
        );
        self.store.transition(&t, &mails, &audit).await.map_err(stale_as_conflict)
    }

    /// The kommune acknowledges receipt; the organisation's users are told by mail, as the
    /// receipt page promises.
    pub async fn modtag_pakke(&self, user: &SessionUser, id: PakkeId, laest: Option<Revision>) -> Result<(), AppError> {
        let pakke = self.til_behandling(user, id, laest).await?;
        let t = self.transition(user, &pakke, PakkeHaendelse::Modtag, None)?;
        let kommune = self.kommune_navn(user.principal.kommune.unwrap_or(pakke.hjemstedskommune)).await?;
        let tekst = format!(
            "{kommune} Kommune har kvitteret for modtagelsen af dokumentationspakken for styringsår {aar} fra {org}.\n\n\
             Hvad sker der nu:\n\
             - Kommunen indkalder til dialogmøde med brev og kalenderfil.\n\
             - Efter mødet skriver kommunen en redegørelse, som organisationen får i høring, før den offentliggøres.\n",
            aar = pakke.styringsaar,
            org = pakke.organisation_navn,
        );
        let mails = self
            .organisation_mails(
                &pakke,
                "modtaget",
                &format!("Kommunen har modtaget pakken – styringsår {}", pakke.styringsaar),
                &tekst,
            )
            .await?;
        let audit = self.pakke_audit(user, &pakke, "pakke_modtaget", json!({"mails": mails.len()}));
        self.store.transition(&t, &mails, &audit).await.map_err(stale_as_conflict)
    }
}
