//! The organisation's answers: saving a section or an afdeling form, last year's answers,
//! the afdeling list's bulk marking.

use crate::Massemarkering;
use crate::error::stale_as_conflict;
use crate::{App, AppError, FieldError, PakkeView, SessionUser};
use domain::AfdelingNummer;
use domain::master::Rapporttype;
use domain::template::{Element, Sektion, Svar, Svartype};
use serde_json::json;
use store::*;

/// A form answer: the yes/no choice (`None`: not answered), the text and the chosen option.
#[derive(Debug, Clone, Default)]
pub struct SvarInput {
    pub ja: Option<bool>,
    pub tekst: String,
    pub valg: Option<String>,
}

impl SvarInput {
    /// The answer as kept: text trimmed, an empty choice no choice.
    fn svar(&self) -> Svar {
        let valg = self.valg.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        Svar { ja: self.ja, tekst: self.tekst.trim().to_string(), valg }
    }
}

/// The answer id of an element, and the question when it is one (a fact block's comment is
/// free text).
fn answerable(e: &domain::template::Element) -> Option<(&str, Option<domain::template::Spoergsmaal>)> {
    match e {
        domain::template::Element::Spoergsmaal(q) => Some((q.id.as_str(), Some(q.clone()))),
        domain::template::Element::Fakta(f) => f.kommentar.as_ref().map(|_| (f.id.as_str(), None)),
    }
}

impl App {
    /// Saves one section of the package, or one afdeling's whole form (`afdeling`). Drafts may
    /// be incomplete; only the section's own questions are accepted. `expected_revision` is the
    /// newest revision among the section's answers when the form was opened: if a colleague
    /// saved the section since, nothing is saved and the user is told (never a silent overwrite).
    /// Returns the package as the save left it.
    pub async fn gem_sektion(
        &self,
        user: &SessionUser,
        id: PakkeId,
        sektion: &str,
        afdeling: Option<AfdelingNummer>,
        answers: Vec<(String, SvarInput)>,
        expected_revision: Revision,
    ) -> Result<PakkeView, AppError> {
        let view = self.view_for_edit(user, id).await?;
        self.gem_sektion_i(user, &view, sektion, afdeling, answers, expected_revision).await
    }

    /// [`App::gem_sektion`] in the package as `user`'s own view of it was read in this request
    /// (the form page reads it first for the form's fields): the package, its scope, templates
    /// and afdelinger are not read again, and the package after the save is the view carried
    /// on (read again only when something else changed the package meanwhile).
    pub async fn gem_sektion_i(
        &self,
        user: &SessionUser,
        view: &PakkeView,
        sektion: &str,
        afdeling: Option<AfdelingNummer>,
        answers: Vec<(String, SvarInput)>,
        expected_revision: Revision,
    ) -> Result<PakkeView, AppError> {
        // The scope as the view was read under: the working copy, editable.
        if !view.is_working_copy {
            return Err(AppError::Forbidden);
        }
        if !view.may_edit {
            return Err(AppError::Conflict(super::INDSENDT.into()));
        }
        let pakke = &view.pakke;
        let id = pakke.id;
        // (answer key, the question when it is one): the section's answerable ids.
        let fields: Vec<(String, Option<domain::template::Spoergsmaal>)> = match (afdeling, &view.afdelingsskema) {
            (None, _) => {
                let s = view.skabelon.sektion(sektion).ok_or(AppError::NotFound)?;
                s.elementer.iter().filter_map(|e| answerable(e).map(|(id, q)| (id.to_string(), q))).collect()
            }
            (Some(nr), Some(skema)) if pakke.rapporttype == Rapporttype::Bilag3 => {
                if !view.afdelinger.iter().any(|a| a.data.nummer == nr) {
                    return Err(AppError::NotFound);
                }
                // Every section: the organisation may correct "under opførelse" on the same
                // form, and the sections shown follow its answer, not only the register.
                skema
                    .afdelingssektioner(false)
                    .flat_map(|s| s.elementer.iter())
                    .filter_map(|e| answerable(e).map(|(id, q)| (domain::template::afdeling_noegle(nr, id), q)))
                    .collect()
            }
            (Some(_), _) => return Err(AppError::NotFound),
        };
        let mut svar = Vec::new();
        let mut errors = Vec::new();
        for (key, input) in answers {
            let Some((_, question)) = fields.iter().find(|(k, _)| *k == key) else {
                return Err(AppError::field(&key, "Ukendt spørgsmål"));
            };
            let s = input.svar();
            match question {
                Some(q) if q.svartype == Svartype::Valg && s.valg.as_ref().is_some_and(|v| !q.valg.contains(v)) => {
                    errors.push(FieldError {
                        field: key.clone(),
                        message: format!("Vælg et af svarene til {}", q.navn()),
                    })
                }
                // "Hvis ja, hvilke?" belongs to a yes: under a no the form hides it, and a
                // text left there is not kept as if it were part of the answer.
                Some(q) if q.svartype == Svartype::JaNejHvilke && s.ja == Some(false) => {
                    svar.push((key, Svar { tekst: String::new(), ..s }))
                }
                _ => svar.push((key, s)),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let audit = self.pakke_audit(
            user,
            pakke,
            "svar_gemt",
            json!({"sektion": sektion, "afdeling": afdeling.map(|a| a.get()), "spoergsmaal": svar.iter().map(|(q, _)| q).collect::<Vec<_>>()}),
        );
        let change = SvarChange {
            pakke: id,
            expected_status: pakke.status,
            sektion: fields.into_iter().map(|(k, _)| k).collect(),
            expected_revision,
            svar,
            by: user.principal.user_id,
            at: self.now(),
        };
        let revision = self.store.save_svar(&change, &audit).await.map_err(|e| match e {
            StoreError::Stale => AppError::Conflict(
                "En anden har gemt dette afsnit, mens du arbejdede, eller pakken er indsendt. Dine ændringer er ikke gemt: \
                 åbn afsnittet igen for at se de nye svar, og indtast dine ændringer på ny."
                    .into(),
            ),
            other => other.into(),
        })?;
        self.pakke_cache.efter_svar(&change, &user.display_name, revision);
        if revision.0 != pakke.revision.0 + 1 {
            // Something else changed the package between the reading and the save.
            return self.pakke_view(user, id).await;
        }
        // The row as the save left it: a save changes the revision and the time, nothing else.
        let gemt = PakkeRecord { revision, updated_at: change.at, ..pakke.clone() };
        self.view_of(user, gemt, view.scope(), view.stempler).await
    }

    /// Copies last year's submitted answers into the unanswered questions of one section
    /// (`sektion`), of all afdeling forms (`sektion = "afdelinger"`) or of the whole package
    /// (`None`). Answers already given are never replaced, and questions prefilled from the
    /// redegørelse are left to that. Returns how many answers were copied.
    pub async fn hent_sidste_aars_svar(
        &self,
        user: &SessionUser,
        id: PakkeId,
        sektion: Option<&str>,
    ) -> Result<usize, AppError> {
        let view = self.view_for_edit(user, id).await?;
        let pakke = &view.pakke;
        let earlier = self.store.pakker_for_organisationer(&[pakke.organisation]).await?;
        let Some(last) = earlier
            .iter()
            .find(|p| p.styringsaar == pakke.styringsaar.previous() && p.rapporttype == pakke.rapporttype)
        else {
            return Err(AppError::Conflict(format!(
                "Der er ingen pakke fra styringsår {} at hente svar fra.",
                pakke.styringsaar.previous()
            )));
        };
        let Some(version) = self.store.versions(last.id).await?.pop() else {
            return Err(AppError::Conflict(format!(
                "Pakken for styringsår {} blev ikke indsendt, så der er ingen svar at hente.",
                last.styringsaar
            )));
        };
        let last_svar = self.store.version_svar(last.id, version.version).await?.unwrap_or_default();
        let prefilled = |id: &str| {
            view.skabelon.spoergsmaal().chain(view.afdelingsskema.iter().flat_map(|s| s.spoergsmaal())).any(|q| {
                q.forudfyld.is_some()
                    && (q.id == id || domain::template::split_afdeling_noegle(id).is_some_and(|(_, x)| x == q.id))
            })
        };
        let package_keys = |s: &Sektion| s.svar_ids().map(str::to_string).collect::<Vec<_>>();
        let form_keys = || view.afdelinger.iter().flat_map(|a| view.afdelingsskema_noegler(a)).collect::<Vec<_>>();
        let keys: Vec<String> = match sektion {
            None => view.skabelon.sektioner.iter().flat_map(package_keys).chain(form_keys()).collect(),
            Some("afdelinger") => form_keys(),
            Some(sid) => package_keys(view.skabelon.sektion(sid).ok_or(AppError::NotFound)?),
        };
        let svar: Vec<(String, Svar)> = keys
            .iter()
            .filter(|k| !prefilled(k) && view.svar.get(*k).is_none_or(Svar::is_empty))
            .filter_map(|k| last_svar.get(k).filter(|s| !s.is_empty()).map(|s| (k.clone(), s.clone())))
            .collect();
        if svar.is_empty() {
            return Ok(0);
        }
        let copied = svar.len();
        let audit = self.pakke_audit(
            user,
            pakke,
            "sidste_aars_svar_hentet",
            json!({"sektion": sektion, "fra_version": version.version, "antal": copied}),
        );
        let change = SvarChange {
            pakke: id,
            expected_status: pakke.status,
            expected_revision: view.revision_af(keys.iter().map(String::as_str)),
            sektion: keys,
            svar,
            by: user.principal.user_id,
            at: self.now(),
        };
        let revision = self.store.save_svar(&change, &audit).await.map_err(stale_as_conflict)?;
        self.pakke_cache.efter_svar(&change, &user.display_name, revision);
        Ok(copied)
    }

    /// The afdeling list's bulk action: the chosen afdelinger's forms are marked "no special
    /// challenges" (part A), and with `ogsaa_uden_bemaerkninger` every question that names its
    /// "nothing to remark" choice is given it (part B's state of maintenance), but only in a
    /// section where none of the afdeling's key figures is critical. Only unanswered questions
    /// are written. Returns what was marked and what was left for the organisation.
    pub async fn marker_uden_udfordringer(
        &self,
        user: &SessionUser,
        id: PakkeId,
        afdelinger: &[AfdelingNummer],
        ogsaa_uden_bemaerkninger: bool,
    ) -> Result<Massemarkering, AppError> {
        let view = self.view_for_edit(user, id).await?;
        let pakke = &view.pakke;
        let skema = view
            .afdelingsskema
            .as_ref()
            .ok_or_else(|| AppError::Conflict("Pakken har ingen afdelingsskemaer.".into()))?;
        let q = skema
            .udfordringsspoergsmaal()
            .ok_or_else(|| AppError::Conflict("Pakken har ingen afdelingsskemaer.".into()))?;
        let mut svar = Vec::new();
        let mut udfald = Massemarkering::default();
        for nr in afdelinger {
            let a = view.afdelinger.iter().find(|a| a.data.nummer == *nr).ok_or(AppError::NotFound)?;
            let key = domain::template::afdeling_noegle(*nr, &q.id);
            if view.svar.get(&key).is_some_and(|s| s.ja.is_some()) {
                udfald.allerede_besvaret += 1;
            } else {
                svar.push((key, Svar { ja: Some(false), ..Svar::default() }));
                udfald.markeret += 1;
            }
            if !ogsaa_uden_bemaerkninger {
                continue;
            }
            for s in view.afdelingsskema_sektioner(a) {
                let standard: Vec<(&str, &str)> = s
                    .spoergsmaal()
                    .filter_map(|q| q.uden_bemaerkninger.as_deref().map(|v| (q.id.as_str(), v)))
                    .collect();
                if standard.is_empty() {
                    continue;
                }
                if s.elementer.iter().any(|e| matches!(e, Element::Fakta(f) if view.kritisk(f, Some(a.id)))) {
                    udfald.kritiske.push(*nr);
                    continue;
                }
                for (qid, valg) in standard {
                    let key = domain::template::afdeling_noegle(*nr, qid);
                    if view.svar.get(&key).is_none() {
                        svar.push((key, Svar { valg: Some(valg.to_string()), ..Svar::default() }));
                        udfald.uden_bemaerkninger += 1;
                    }
                }
            }
        }
        if svar.is_empty() {
            return Ok(udfald);
        }
        let audit = self.pakke_audit(
            user,
            pakke,
            "afdelinger_uden_udfordringer",
            json!({"afdelinger": udfald.markeret, "uden_bemaerkninger": udfald.uden_bemaerkninger}),
        );
        let keys: Vec<String> = svar.iter().map(|(k, _)| k.clone()).collect();
        let change = SvarChange {
            pakke: id,
            expected_status: pakke.status,
            sektion: keys,
            // Only unanswered questions are written; one answered meanwhile makes the action stale.
            expected_revision: Revision(0),
            svar,
            by: user.principal.user_id,
            at: self.now(),
        };
        let revision = self.store.save_svar(&change, &audit).await.map_err(stale_as_conflict)?;
        self.pakke_cache.efter_svar(&change, &user.display_name, revision);
        Ok(udfald)
    }
}
