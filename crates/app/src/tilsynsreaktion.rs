//! The kommune's supervision when an organisation does not do its part: the dialogue held
//! without a package (§ 112, § 164 stk. 2, guidance chapter 7), and henstillinger and påbud
//! as dated, audited events on the package.

use crate::error::{mangler, stale_as_conflict};
use crate::{App, AppError, FieldError, SessionUser};
use chrono::NaiveDate;
use domain::access::PakkeTilladelse;
use domain::package::{PakkeHaendelse, Tilsynsreaktion};
use serde_json::json;
use std::sync::Arc;
use store::{NyTilsynsreaktion, PakkeId, PakkeRecord, Revision, TilsynsreaktionRecord};

/// A henstilling or påbud as the kommune gives it. Empty fields are `None`.
#[derive(Debug, Clone, Default)]
pub struct TilsynsreaktionInput {
    pub art: Option<Tilsynsreaktion>,
    pub dato: Option<NaiveDate>,
    pub tekst: String,
    /// An optional deadline.
    pub frist: Option<NaiveDate>,
    /// What the edge could not read as its field's type (the fields are then `None`): reported
    /// with the use case's own errors, so a form shows every mistake at once.
    pub laesefejl: Vec<FieldError>,
}

/// Why a package cannot be recorded as not received yet: its deadline has not passed, or it
/// has none.
fn for_tidligt(frist: Option<NaiveDate>, today: NaiveDate) -> Option<String> {
    match frist {
        Some(f) if f < today => None,
        Some(f) => Some(format!(
            "Fristen {} er ikke overskredet endnu. Pakken kan først registreres som ikke modtaget dagen efter fristen.",
            f.format("%d.%m.%Y")
        )),
        None => Some(
            "Pakken har ingen frist. Fastsæt en frist under Frister, før pakken kan registreres som ikke modtaget."
                .into(),
        ),
    }
}

impl App {
    /// The package the hjemstedskommune is about to record as not received, with the deadline
    /// that must have passed, for the page that asks it to confirm (the draft is not read).
    pub async fn pakke_til_ikke_modtaget(
        &self,
        user: &SessionUser,
        id: PakkeId,
    ) -> Result<(PakkeRecord, Option<NaiveDate>, Option<String>), AppError> {
        let (pakke, _) = self.scoped(&user.principal, id, PakkeTilladelse::RegistrerIkkeModtaget).await?;
        let frist = self.gaeldende_frist(&pakke).await?;
        Ok((pakke, frist, for_tidligt(frist, self.today())))
    }

    /// The deadline the organisation is held to: a returned package's resubmission deadline,
    /// else the report deadline.
    async fn gaeldende_frist(&self, pakke: &PakkeRecord) -> Result<Option<NaiveDate>, AppError> {
        if pakke.status == domain::package::PakkeStatus::Returneret {
            let retur = self.store.haendelser(pakke.id).await?.into_iter().rev().find(|h| h.to == pakke.status);
            if let Some(f) = retur.and_then(|h| h.frist) {
                return Ok(Some(f));
            }
        }
        Ok(pakke.frist)
    }

    /// The hjemstedskommune records that the package was not received by the deadline, so
    /// that it can hold the dialogue and write its redegørelse without it. The organisation is
    /// told by mail, and may still submit until a meeting is convened.
    pub async fn registrer_ikke_modtaget(
        &self,
        user: &SessionUser,
        id: PakkeId,
        laest: Option<Revision>,
    ) -> Result<(), AppError> {
        let (pakke, _) = self.scoped(&user.principal, id, PakkeTilladelse::RegistrerIkkeModtaget).await?;
        crate::packages::uaendret_siden(&pakke, laest)?;
        let frist = self.gaeldende_frist(&pakke).await?;
        if let Some(grund) = for_tidligt(frist, self.today()) {
            return Err(AppError::Conflict(grund));
        }
        let t = self.transition(user, &pakke, PakkeHaendelse::RegistrerIkkeModtaget, None)?;
        let kommune = self.kommune_navn(pakke.hjemstedskommune).await?;
        let tekst = format!(
            "{kommune} Kommune har registreret, at dokumentationspakken for styringsår {aar} fra {org} ikke er modtaget \
             inden fristen {frist}.\n\n\
             Kommunen holder styringsdialogen uden pakken og skriver i sin redegørelse, at dokumentationspakken ikke \
             er modtaget.\n\n\
             Pakken kan stadig indsendes i styringsdialogen, indtil kommunen indkalder til dialogmøde.\n",
            aar = pakke.styringsaar,
            org = pakke.organisation_navn,
            frist = frist.map(|f| f.format("%d.%m.%Y").to_string()).unwrap_or_default(),
        );
        let mails = self
            .organisation_mails(
                &pakke,
                "ikke-modtaget",
                &format!("Dokumentationspakken er ikke modtaget – styringsår {}", pakke.styringsaar),
                &tekst,
            )
            .await?;
        let audit = self.pakke_audit(user, &pakke, "pakke_ikke_modtaget", json!({"mails": mails.len()}));
        self.store.transition(&t, &mails, &audit).await.map_err(stale_as_conflict)
    }

    /// Records a henstilling or påbud to the organisation: dated (not later than today), with
    /// its text and an optional deadline (today or later), mailed to the organisation's users.
    pub async fn registrer_tilsynsreaktion(
        &self,
        user: &SessionUser,
        id: PakkeId,
        input: &TilsynsreaktionInput,
        laest: Option<Revision>,
    ) -> Result<i64, AppError> {
        let (pakke, _) = self.scoped(&user.principal, id, PakkeTilladelse::Tilsynsreaktion).await?;
        crate::packages::uaendret_siden(&pakke, laest)?;
        let mut errors = input.laesefejl.clone();
        let art = input.art;
        if art.is_none() {
            mangler(&mut errors, "art", "Vælg henstilling eller påbud");
        }
        let dato = input.dato;
        match dato {
            Some(d) if d > self.today() => {
                errors.push(FieldError { field: "dato".into(), message: "Datoen kan ikke ligge i fremtiden".into() })
            }
            Some(_) => {}
            None => mangler(&mut errors, "dato", "Angiv datoen"),
        }
        let tekst = input.tekst.trim();
        if tekst.is_empty() {
            errors.push(FieldError {
                field: "tekst".into(),
                message: "Skriv hvad kommunen henstiller eller påbyder, og hvorfor".into(),
            });
        }
        let frist = input.frist;
        if frist.is_some_and(|f| f < self.today()) {
            errors.push(FieldError { field: "frist".into(), message: "Fristen kan ikke ligge før i dag".into() });
        }
        let (Some(art), Some(dato)) = (art, dato) else { return Err(AppError::Invalid(errors)) };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let kommune = self.kommune_navn(pakke.hjemstedskommune).await?;
        let frist_tekst = frist.map(|f| format!("\n\nFrist: {}", f.format("%d.%m.%Y"))).unwrap_or_default();
        let mail_tekst = format!(
            "{kommune} Kommune har den {dato} givet {org} {hvad} i forbindelse med styringsdialogen for styringsår {aar}:\n\n\
             {tekst}{frist_tekst}\n\n\
             Du kan læse den på pakkens side i styringsdialogen.\n",
            dato = dato.format("%d.%m.%Y"),
            org = pakke.organisation_navn,
            hvad = match art {
                Tilsynsreaktion::Henstilling => "en henstilling",
                Tilsynsreaktion::Paabud => "et påbud",
            },
            aar = pakke.styringsaar,
        );
        let mails = self
            .organisation_mails(
                &pakke,
                art.as_str(),
                &format!("{} fra {kommune} Kommune – styringsår {}", art.label(), pakke.styringsaar),
                &mail_tekst,
            )
            .await?;
        let ny = NyTilsynsreaktion {
            pakke: id,
            art,
            dato,
            tekst: tekst.to_string(),
            frist,
            af: user.principal.user_id,
            at: self.now(),
        };
        let audit = self.pakke_audit(
            user,
            &pakke,
            "tilsynsreaktion",
            json!({"art": art.as_str(), "dato": dato, "frist": frist, "mails": mails.len()}),
        );
        Ok(self.store.registrer_tilsynsreaktion(&ny, &mails, &audit).await?)
    }

    /// The henstillinger and påbud of a package, oldest first, for their addressee (the
    /// organisation), the hjemstedskommune that gave them (also while the package is a draft)
    /// and the agency; a beliggenhedskommune is not their addressee and gets not found.
    pub async fn tilsynsreaktioner(
        &self,
        user: &SessionUser,
        id: PakkeId,
    ) -> Result<Vec<TilsynsreaktionRecord>, AppError> {
        let (_, scope) = self.pakke_scope(id).await?;
        self.tilsynsreaktioner_med_scope(user, id, &scope).await
    }

    /// The same for a package view already read (its scope is the one read with it), from the
    /// package's kept data: the package page shows them on every request.
    pub async fn pakkens_tilsynsreaktioner(
        &self,
        user: &SessionUser,
        view: &crate::PakkeView,
    ) -> Result<Arc<Vec<TilsynsreaktionRecord>>, AppError> {
        may_read_tilsynsreaktioner(user, &view.scope())?;
        let id = view.pakke.id;
        let kept = view
            .data
            .tilsynsreaktioner
            .get_or_try_init(|| async { Ok::<_, AppError>(Arc::new(self.store.tilsynsreaktioner(&[id]).await?)) })
            .await?;
        Ok(kept.clone())
    }

    async fn tilsynsreaktioner_med_scope(
        &self,
        user: &SessionUser,
        id: PakkeId,
        scope: &domain::access::PakkeScope,
    ) -> Result<Vec<TilsynsreaktionRecord>, AppError> {
        may_read_tilsynsreaktioner(user, scope)?;
        Ok(self.store.tilsynsreaktioner(&[id]).await?)
    }
}

/// Henstillinger and påbud are read by their addressee (the organisation), the
/// hjemstedskommune that gives them and the agency.
fn may_read_tilsynsreaktioner(user: &SessionUser, scope: &domain::access::PakkeScope) -> Result<(), AppError> {
    let p = &user.principal;
    let maa = p.may_pakke(PakkeTilladelse::Tilsynsreaktion, scope)
        || p.may_pakke(PakkeTilladelse::LaesKladde, scope)
        || (p.role == domain::access::Role::Styrelse && p.may_pakke(PakkeTilladelse::LaesIndsendt, scope));
    if maa { Ok(()) } else { Err(AppError::Forbidden) }
}
