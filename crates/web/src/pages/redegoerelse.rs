//! The kommune's redegørelse of a package: the editor (with the meeting's aftaler), the
//! høring at the organisation and the publication.

use crate::AppState;
use crate::error::PageResult;
use crate::input::Indlaesning;
use crate::layout::Layout;
use crate::pages::kommune::handled;
use crate::pages::{Felter, afkrydset, felt};
use crate::pages::{PakkeHoved, redirect_with};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::{render, render_status};
use app::{AppError, FieldError, PakkeView};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::package::PakkeStatus;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use store::PakkeId;

/// A goal area of the editor with its three parts: (field id, label, guidance, text).
pub struct Omraade {
    pub titel: &'static str,
    pub dele: Vec<Redegoerelsesfelt>,
}

/// A field of the redegørelse's editor, with what is written in it.
pub struct Redegoerelsesfelt {
    pub id: String,
    pub label: &'static str,
    pub hjaelp: &'static str,
    pub tekst: String,
}

#[derive(Template)]
#[template(path = "redegoerelse.html")]
struct RedegoerelseSide {
    layout: Layout,
    hoved: PakkeHoved,
    sammenfatning: String,
    aftaletekst: String,
    omraader: Vec<Omraade>,
    has_draft: bool,
    can_send: bool,
    /// The organisation's comments.
    bemaerkninger: Vec<crate::format::Bemaerkning>,
    aftaler: Vec<crate::format::AftaleVisning>,
    maalomraader: Vec<crate::format::Valgmulighed>,
    emner: [&'static str; 5],
    ny_aftale: AftaleFelter,
    /// After "Udfyld tomme felter med forslag": how many empty fields got a suggestion.
    forslag: Option<usize>,
    /// The deadline for the organisation's comments, as proposed or typed.
    hoering_frist: String,
}

async fn redegoerelse_side(
    state: &AppState,
    v: &PakkeView,
    layout: Layout,
    tekst: &BTreeMap<String, String>,
    ny_aftale: AftaleFelter,
    forslag: Option<usize>,
) -> Result<RedegoerelseSide, AppError> {
    use domain::redegoerelse::{AFTALER, DELE, MAALOMRAADER, SAMMENFATNING, felt};
    let get = |id: &str| tekst.get(id).cloned().unwrap_or_default();
    let kommune = format!("{} Kommune", state.app.offentlig().kommune_navn(v.pakke.hjemstedskommune).await?);
    Ok(RedegoerelseSide {
        layout,
        hoved: v.into(),
        sammenfatning: get(SAMMENFATNING),
        aftaletekst: get(AFTALER),
        omraader: MAALOMRAADER
            .iter()
            .map(|(id, titel)| Omraade {
                titel,
                dele: DELE
                    .iter()
                    .map(|(del, label, hjaelp)| Redegoerelsesfelt {
                        id: felt(id, del),
                        label,
                        hjaelp,
                        tekst: get(&felt(id, del)),
                    })
                    .collect(),
            })
            .collect(),
        has_draft: !v.redegoerelser.is_empty(),
        can_send: v.pakke.status == PakkeStatus::MoedeAfholdt,
        bemaerkninger: state.app.bemaerkninger(v).await?.into_iter().map(crate::format::Bemaerkning::from).collect(),
        aftaler: state.app.pakke_aftaler(v).await?.iter().map(|a| crate::format::aftale_visning(a, &kommune)).collect(),
        maalomraader: crate::format::maalomraader(&ny_aftale.maalomraader),
        emner: domain::redegoerelse::AFTALE_EMNER,
        ny_aftale,
        forslag,
        hoering_frist: state.app.foreslaaet_trin_frist(v.pakke.styringsaar, app::Trin::Hoering).to_string(),
    })
}

/// The editor, with the saved draft.
pub async fn redegoerelse_form(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<crate::pages::Besked>,
) -> PageResult {
    let v = handled(&state, &user, id).await?;
    let tekst = v.latest_redegoerelse().map(|r| r.tekst.clone()).unwrap_or_default();
    let layout = Layout::new("Redegørelse", Some(&user), &csrf, "/pakker").with_besked(q.besked.as_deref());
    render(&redegoerelse_side(&state, &v, layout, &tekst, AftaleFelter::default(), None).await?)
}

/// "Udfyld tomme felter med forslag": the fields as posted, with the draft generated from the
/// package put only where a field is empty, so nothing typed or saved is ever replaced.
/// Nothing is saved; the returned count says how many fields were filled.
fn udfyld_tomme(tekst: &mut BTreeMap<String, String>, forslag: BTreeMap<String, String>) -> usize {
    let mut udfyldt = 0;
    for (felt, forslag) in forslag {
        let vaerdi = tekst.entry(felt).or_default();
        if vaerdi.trim().is_empty() {
            *vaerdi = forslag;
            udfyldt += 1;
        }
    }
    udfyldt
}

pub async fn gem_redegoerelse(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let forslag = form.get("_handling").is_some_and(|h| h == "forslag");
    let mut tekst: BTreeMap<String, String> = form.into_iter().filter(|(k, _)| !k.starts_with('_')).collect();
    if forslag {
        let v = handled(&state, &user, id).await?;
        let udfyldt = udfyld_tomme(&mut tekst, state.app.redegoerelse_forslag(&user, PakkeId(id)).await?);
        let layout = Layout::new("Redegørelse", Some(&user), &csrf, "/pakker");
        let side = redegoerelse_side(&state, &v, layout, &tekst, AftaleFelter::default(), Some(udfyldt)).await?;
        return render(&side);
    }
    match state.app.gem_redegoerelse(&user, PakkeId(id), tekst.clone(), None).await {
        Ok(()) => Ok(redirect_with(&format!("/pakker/{id}/redegoerelse"), "redegoerelse_gemt")),
        Err(AppError::Invalid(errors)) => {
            let v = handled(&state, &user, id).await?;
            let layout = Layout::new("Redegørelse", Some(&user), &csrf, "/pakker").with_errors(errors);
            let side = redegoerelse_side(&state, &v, layout, &tekst, AftaleFelter::default(), None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &side)
        }
        Err(e) => Err(e.into()),
    }
}

/// The new-aftale form as posted, kept as typed to show again with its errors.
#[derive(Default)]
pub struct AftaleFelter {
    emne: String,
    beskrivelse: String,
    oevrige_parter: String,
    /// The checked målområder (boxes named `maal_<id>`).
    maalomraader: Vec<String>,
    ansvarlig: String,
    frist: String,
    soeges_senere: bool,
}

impl AftaleFelter {
    fn fra(form: &Felter) -> Self {
        AftaleFelter {
            emne: felt(form, "emne").into(),
            beskrivelse: felt(form, "beskrivelse").into(),
            oevrige_parter: felt(form, "oevrige_parter").into(),
            maalomraader: afkrydset(form, "maal_"),
            ansvarlig: felt(form, "ansvarlig").into(),
            frist: felt(form, "frist").into(),
            soeges_senere: felt(form, "soeges_senere") == "ja",
        }
    }

    /// The aftale the fields give, with what could not be read.
    fn input(&self, today: chrono::NaiveDate) -> app::AftaleInput {
        let mut ind = Indlaesning::new(today);
        let frist = ind.dato("frist", &self.frist);
        app::AftaleInput {
            emne: self.emne.clone(),
            beskrivelse: self.beskrivelse.clone(),
            oevrige_parter: self.oevrige_parter.clone(),
            maalomraader: self.maalomraader.clone(),
            ansvarlig: self.ansvarlig.clone(),
            frist,
            soeges_senere: self.soeges_senere,
            laesefejl: ind.fejlene(),
        }
    }
}

/// A new aftale from the redegørelse page.
pub async fn opret_aftale(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<Felter>,
) -> PageResult {
    let felter = AftaleFelter::fra(&form);
    match state.app.opret_aftale(&user, PakkeId(id), &felter.input(state.app.today()), None).await {
        Ok(_) => Ok(redirect_with(&format!("/pakker/{id}/redegoerelse"), "aftale_oprettet")),
        Err(AppError::Invalid(errors)) => {
            let v = handled(&state, &user, id).await?;
            let tekst = v.latest_redegoerelse().map(|r| r.tekst.clone()).unwrap_or_default();
            let layout = Layout::new("Redegørelse", Some(&user), &csrf, "/pakker").with_errors(errors);
            let side = redegoerelse_side(&state, &v, layout, &tekst, felter, None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &side)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct HoeringForm {
    #[serde(default)]
    hoering_frist: String,
}

pub async fn send_i_hoering(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<HoeringForm>,
) -> PageResult {
    let mut ind = Indlaesning::new(state.app.today());
    let frist = ind.dato("frist", &form.hoering_frist);
    let udfald = match ind.faerdig(frist) {
        Ok(frist) => state.app.send_i_hoering(&user, PakkeId(id), frist, None).await,
        Err(e) => Err(e),
    };
    match udfald {
        Ok(()) => Ok(redirect_with(&format!("/pakker/{id}"), "hoering")),
        Err(AppError::Invalid(errors)) => {
            // The page has an aftale's deadline too: the høring's field has its own id.
            let errors =
                errors.into_iter().map(|e| FieldError { field: "hoering_frist".into(), message: e.message }).collect();
            let v = handled(&state, &user, id).await?;
            let tekst = v.latest_redegoerelse().map(|r| r.tekst.clone()).unwrap_or_default();
            let layout = Layout::new("Redegørelse", Some(&user), &csrf, "/pakker").with_errors(errors);
            let mut side = redegoerelse_side(&state, &v, layout, &tekst, AftaleFelter::default(), None).await?;
            side.hoering_frist = form.hoering_frist;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &side)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "bekraeft.html")]
struct Bekraeft {
    layout: Layout,
    hoved: PakkeHoved,
    /// Set while the høring runs and the organisation has not commented.
    hoering_advarsel: Option<String>,
}

/// Publishing cannot be undone, so it is confirmed on its own page first.
pub async fn bekraeft_offentliggoer(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
) -> PageResult {
    let v = handled(&state, &user, id).await?;
    render(&Bekraeft {
        layout: Layout::new("Offentliggør redegørelsen", Some(&user), &csrf, "/pakker"),
        hoering_advarsel: state.app.hoering_advarsel(&v.pakke).await?,
        hoved: (&v).into(),
    })
}

#[derive(Deserialize)]
pub struct OffentliggoerForm {
    #[serde(default)]
    bekraeftet: String,
}

pub async fn offentliggoer(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Form(form): Form<OffentliggoerForm>,
) -> PageResult {
    match state.app.offentliggoer_redegoerelse(&user, PakkeId(id), form.bekraeftet == "ja", None).await {
        Ok(()) => Ok(redirect_with(&format!("/pakker/{id}"), "offentliggjort")),
        // The høring ran on after the confirmation page was drawn: it is drawn again with the warning.
        Err(AppError::Invalid(errors)) => {
            let v = handled(&state, &user, id).await?;
            let advarsel = errors.first().map(|e| e.message.clone());
            let layout = Layout::new("Offentliggør redegørelsen", Some(&user), &csrf, "/pakker").with_errors(errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &Bekraeft { layout, hoering_advarsel: advarsel, hoved: (&v).into() },
            )
        }
        Err(e) => Err(e.into()),
    }
}
