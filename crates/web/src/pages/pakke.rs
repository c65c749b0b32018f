//! The package page, shared by every role; what it shows follows from `PakkeView`, which
//! the use case has already cut to the viewer's scope.

use crate::AppState;
use crate::error::PageResult;
use crate::format::{dato, farve_badge, svar_tekst, tidspunkt};
use crate::layout::Layout;
use crate::pages::public::{afsnit, noegletal_navn, vis_noegletal};
use crate::pages::{Besked, badge, kommune_navne};
use crate::security::{CsrfToken, CurrentUser};
use crate::view::render;
use app::{PakkeView, SessionUser};
use askama::Template;
use axum::extract::{Path, Query, State};
use domain::package::PakkeStatus;
use domain::template::Svar;
use store::PakkeId;

/// A key figure row: name, value, benchmark, last year, and the critical mark if any.
pub struct NoegletalRaekke {
    pub navn: String,
    pub vaerdi: String,
    pub benchmark: String,
    pub sidste_aar: String,
    pub markering: Option<(&'static str, &'static str)>,
}

pub struct SektionStatus {
    pub href: String,
    pub titel: String,
    pub status: &'static str,
    pub badge: &'static str,
    pub sidst_redigeret: Option<String>,
    pub noter: Option<String>,
}

#[derive(Template)]
#[template(path = "pakke.html")]
struct PakkeSide {
    layout: Layout,
    v: PakkeView,
    badge: &'static str,
    frist: String,
    /// The deadline has passed while the package is still open to the organisation.
    overskredet: bool,
    /// Days until the deadline while the package is open to the organisation.
    dage_tilbage: Option<i64>,
    modtagere: String,
    ver_indsendt: String,
    sektioner: Vec<SektionStatus>,
    noegletal: Vec<NoegletalRaekke>,
    can_receive: bool,
    can_return: bool,
    can_hold: bool,
    can_write: bool,
    moeder: Vec<(String, String)>,
    /// Convened meetings: (id, time, place, letter, held).
    /// (id, time, place, newest letter, status).
    dialogmoeder: Vec<(store::DialogmoedeId, String, String, String, &'static str)>,
    /// The hjemstedskommune may convene; a beliggenhedskommune may hold its own meeting.
    can_invite: bool,
    eget_moede: bool,
    i_hoering: bool,
    /// For the kommune: the organisation's comments since the draft was last saved.
    nye_bemaerkninger: usize,
    /// The deadline of the current step (resubmission or høring) and whether it has passed.
    trin_frist: Option<(String, bool)>,
    aftaler: Vec<crate::format::AftaleVisning>,
    redegoerelse: Vec<(String, String)>,
    historik: Vec<(String, String, String, String)>,
    /// Whose median the organisation's benchmarks are (bilag 5: administration organisations).
    benchmark_pulje: &'static str,
    /// When the kommune recorded the package as not received (the dialogue runs without it).
    ikke_modtaget: Option<String>,
    /// The accounts material: received, or what is missing and by when.
    regnskab: String,
    regnskab_mangler: bool,
    /// Henstillinger and påbud: (kind, date, text, deadline, registered by).
    tilsynsreaktioner: Vec<(&'static str, String, String, Option<String>, String)>,
}

/// The task list: each section with its status (Ikke startet, I gang, Gennemført or Der er
/// en fejl) and who edited it last; bilag 3 packages end with the afdeling forms.
pub fn sektion_status(v: &PakkeView) -> Vec<SektionStatus> {
    let mut tasks: Vec<SektionStatus> = v
        .skabelon
        .sektioner
        .iter()
        .map(|s| {
            let (status, badge) = crate::format::kortform(v.sektion_status(s).0);
            SektionStatus {
                href: format!("/pakker/{}/sektioner/{}", v.pakke.id, s.id),
                titel: s.titel.clone(),
                status,
                badge,
                sidst_redigeret: crate::format::sidst_redigeret(v, s.svar_ids()),
                noter: None,
            }
        })
        .collect();
    if v.afdelingsskema.is_some() {
        let statuses: Vec<_> = v.afdelinger.iter().map(|a| v.afdelingsskema_status(a).0).collect();
        let done = statuses.iter().filter(|s| **s == domain::template::SektionStatus::Gennemfoert).count();
        let (status, badge) = crate::format::kortform(domain::template::SektionStatus::samlet(statuses));
        let keys: Vec<String> = v.afdelinger.iter().flat_map(|a| v.afdelingsskema_noegler(a)).collect();
        tasks.push(SektionStatus {
            href: format!("/pakker/{}/afdelinger", v.pakke.id),
            titel: "Oplysningsskemaer for afdelinger (bilag 4)".into(),
            status,
            badge,
            sidst_redigeret: crate::format::sidst_redigeret(v, keys.iter().map(String::as_str)),
            noter: Some(format!("{done} af {} skemaer gennemført", v.afdelinger.len())),
        });
    }
    let (status, badge) = crate::format::kortform(v.bilag_status());
    tasks.push(SektionStatus {
        href: format!("/pakker/{}/bilag", v.pakke.id),
        titel: "Bilag: regnskab, revisionsprotokol, årsberetning og regnskabsspørgeskema".into(),
        status,
        badge,
        sidst_redigeret: None,
        noter: Some(format!("{} filer vedhæftet", v.bilag.len())),
    });
    tasks
}

pub async fn render_pakke(
    state: &AppState,
    user: &SessionUser,
    csrf: &str,
    v: PakkeView,
    besked: Option<&str>,
) -> PageResult {
    let status = v.pakke.status;
    let noegletal = v
        .noegletal
        .iter()
        .map(|n| NoegletalRaekke {
            navn: noegletal_navn(n),
            vaerdi: vis_noegletal(n.vaerdi, n.enhed),
            benchmark: match (n.benchmark, n.benchmark_fra_aar) {
                (Some(b), Some(aar)) => format!("{} (fra {aar})", vis_noegletal(Some(b), n.enhed)),
                (b, None) => vis_noegletal(b, n.enhed),
                (None, Some(_)) => "i/t".into(),
            },
            sidste_aar: vis_noegletal(n.sidste_aar, n.enhed),
            markering: n.markering.map(|m| {
                (m.label(), if m == domain::beregning::Markering::Roed { "badge-error" } else { "badge-warning" })
            }),
        })
        .collect();
    let historik = v
        .haendelser
        .iter()
        .map(|h| {
            (tidspunkt(h.at), h.to.label().to_string(), h.by_name.clone(), h.begrundelse.clone().unwrap_or_default())
        })
        .collect();
    let title = format!("Dokumentationspakke {} – {}", v.pakke.styringsaar, v.organisation.navn);
    let dialogmoeder = state
        .app
        .dialogmoeder(&v)
        .await?
        .iter()
        .map(|m| {
            let d = &m.moede.moede;
            let status = if m.is_held() {
                "Afholdt"
            } else if m.moede.aflyst().is_some() {
                "Aflyst"
            } else if !m.moede.aendringer.is_empty() {
                "Indkaldt, flyttet"
            } else {
                "Indkaldt"
            };
            // The newest letter: the invitation, or the last move or the cancellation.
            let brev = m.moede.aendringer.last().map_or(&d.brev, |a| &a.brev).clone();
            (m.moede.id, tidspunkt(d.starter), d.sted.clone(), brev, status)
        })
        .collect();
    let kommune = format!("{} Kommune", state.app.public().kommune_navn(v.pakke.hjemstedskommune).await?);
    let aftaler =
        state.app.pakke_aftaler(&v).await?.iter().map(|a| crate::format::aftale_visning(a, &kommune)).collect();
    // The kommune sees at once that the organisation has answered the høring.
    let nye_bemaerkninger = if v.may_behandl && status == PakkeStatus::RedegoerelseIHoering {
        let senest = v.latest_redegoerelse().map(|r| r.saved_at);
        state.app.bemaerkninger(&v).await?.iter().filter(|b| senest.is_none_or(|t| b.bemaerkning.at > t)).count()
    } else {
        0
    };
    // Henstillinger and påbud are for the organisation, the hjemstedskommune and the agency;
    // a beliggenhedskommune reading the package sees none.
    let tilsynsreaktioner = match state.app.tilsynsreaktioner(user, v.pakke.id).await {
        Err(app::AppError::Forbidden) => Vec::new(),
        r => r?,
    };
    let tilsynsreaktioner = tilsynsreaktioner
        .into_iter()
        .map(|r| (r.art.label(), dato(r.dato), r.tekst, r.frist.map(dato), r.af_navn))
        .collect();
    // The accounts material has its own deadline and may follow the report.
    let mangler: Vec<String> = v.manglende_regnskab().map(|a| a.navn.to_lowercase()).collect();
    let regnskab_mangler = !mangler.is_empty();
    let frist = v.regnskab_frist.map(dato).unwrap_or_else(|| "ikke fastsat".into());
    let regnskab = if !regnskab_mangler {
        "Modtaget".to_string()
    } else if v.versions.is_empty() && v.is_working_copy {
        format!("Frist {frist}; kan indsendes med rapporten eller eftersendes")
    } else {
        format!("Mangler: {} (frist {frist})", mangler.join(", "))
    };
    let eget_moede = user.principal.role == domain::access::Role::Kommune
        && !v.may_behandl
        && status.visible_to_recipients()
        && user.principal.kommune.is_some_and(|k| v.modtagere.contains(&k));
    render(&PakkeSide {
        layout: Layout::new(&title, Some(user), csrf, "/pakker").with_besked(besked),
        badge: badge(status),
        frist: v.pakke.frist.map(dato).unwrap_or_else(|| "Ikke fastsat".into()),
        overskredet: status.editable_by_organisation() && v.pakke.frist.is_some_and(|f| state.app.today() > f),
        dage_tilbage: v
            .pakke
            .frist
            .filter(|_| status.editable_by_organisation())
            .map(|f| (f - state.app.today()).num_days())
            .filter(|d| *d >= 0),
        modtagere: kommune_navne(&state.app, &v.modtagere).await?,
        ver_indsendt: v.versions.last().map(|x| tidspunkt(x.submitted_at)).unwrap_or_default(),
        sektioner: sektion_status(&v),
        noegletal,
        can_receive: status == PakkeStatus::Indsendt,
        can_return: matches!(status, PakkeStatus::Indsendt | PakkeStatus::Modtaget),
        can_hold: matches!(status, PakkeStatus::Modtaget | PakkeStatus::IkkeModtaget | PakkeStatus::MoedeIndkaldt),
        can_write: matches!(status, PakkeStatus::MoedeAfholdt | PakkeStatus::RedegoerelseIHoering),
        moeder: v.moeder.iter().map(|m| (dato(m.dato), m.deltagere.clone())).collect(),
        dialogmoeder,
        can_invite: matches!(status, PakkeStatus::Modtaget | PakkeStatus::IkkeModtaget | PakkeStatus::MoedeIndkaldt),
        eget_moede,
        i_hoering: status == PakkeStatus::RedegoerelseIHoering,
        nye_bemaerkninger,
        trin_frist: v.trin_frist().map(|f| (dato(f), f < state.app.today())),
        aftaler,
        redegoerelse: v.latest_redegoerelse().map(|r| afsnit(&r.tekst)).unwrap_or_default(),
        historik,
        benchmark_pulje: domain::beregning::Pulje::for_rapporttype(v.pakke.rapporttype).label(),
        regnskab,
        regnskab_mangler,
        ikke_modtaget: v.pakke.ikke_modtaget.map(tidspunkt),
        tilsynsreaktioner,
        v,
    })
}

#[derive(Template)]
#[template(path = "effektivitet.html")]
struct ForklaringSide {
    layout: Layout,
    hoved: crate::pages::PakkeHoved,
    f: app::EffektivitetForklaring,
    tal: String,
    badge: &'static str,
    potentiale: String,
    kommune_gns: String,
    region_gns: String,
    konti: Vec<(String, String, String, String, String)>,
}

/// Why an afdeling has its efficiency figure: group, best practice, account by account.
pub async fn forklaring(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path((id, afdeling)): Path<(i64, i64)>,
) -> PageResult {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let f = state.app.forklar_effektivitet(&v, domain::master::AfdelingId(afdeling)).await?;
    let kr = |x: f64| format!("{} kr.", crate::format::tal(x, 0));
    let procent = |x: Option<f64>| {
        x.map(|x| format!("{} % (vægtet med antal boliger)", crate::format::tal(x, 1))).unwrap_or_else(|| "i/t".into())
    };
    let konti = f
        .konti
        .iter()
        .map(|k| {
            let forhold = match k.forhold {
                None => "Ingen udgift".to_string(),
                Some(x) if x.is_infinite() => "Ikke billigere".to_string(),
                Some(x) => format!("{} %", crate::format::tal(x * 100.0, 1)),
            };
            (k.konto.clone(), k.navn.clone(), kr(k.egen), kr(k.bedste_praksis), forhold)
        })
        .collect();
    let title = format!("Effektivitetstal for {}", f.afdeling.data.navn);
    render(&ForklaringSide {
        layout: Layout::new(&title, Some(&user), &csrf, "/pakker"),
        hoved: (&v).into(),
        tal: format!("{} %", crate::format::tal(f.resultat.effektivitetstal, 1)),
        badge: farve_badge(f.resultat.farve),
        potentiale: format!(
            "{} % eller {}",
            crate::format::tal(100.0 - f.resultat.effektivitetstal, 1),
            kr(f.resultat.potentiale_kr)
        ),
        kommune_gns: procent(f.gennemsnit_kommune),
        region_gns: procent(f.gennemsnit_region),
        konti,
        f,
    })
}

pub async fn vis(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path(id): Path<i64>,
    Query(q): Query<Besked>,
) -> PageResult {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    render_pakke(&state, &user, &csrf, v, q.besked.as_deref()).await
}

/// (question, answer) pairs of one section or form.
pub type Svarliste = Vec<(String, String)>;

#[derive(Template)]
#[template(path = "version.html")]
struct VersionSide {
    layout: Layout,
    hoved: crate::pages::PakkeHoved,
    version: i64,
    indsendt: String,
    indsendt_af: String,
    for_sent: bool,
    sektioner: Vec<(String, Svarliste)>,
    afdelinger: Vec<(String, Svarliste)>,
    /// (id, file name, kind).
    bilag: Vec<(store::BilagId, String, String)>,
    /// The version before this one, and what changed since it: (where, question, before, now).
    forrige: Option<i64>,
    aendringer: Vec<(String, String, String, String)>,
}

/// Every (where, question, answer) of a version, in form order.
fn alle_svar(v: &PakkeView, svar: &std::collections::BTreeMap<String, Svar>) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for s in &v.skabelon.sektioner {
        out.extend(svarliste(std::iter::once(s), svar, "").into_iter().map(|(q, a)| (s.titel.clone(), q, a)));
    }
    for a in v.afdelinger.iter() {
        let prefix = domain::template::afdeling_noegle(a.data.nummer, "");
        let hvor = format!("Afdeling {} {}", a.data.nummer, a.data.navn);
        out.extend(
            svarliste(v.afdelingsskema_sektioner(a), svar, &prefix).into_iter().map(|(q, s)| (hvor.clone(), q, s)),
        );
    }
    out
}

/// The answers of sections as read-only (question, answer) pairs; a fact block's comment is
/// listed under the block's title. `prefix` selects an afdeling form's answers.
pub fn svarliste<'a>(
    sektioner: impl Iterator<Item = &'a domain::template::Sektion>,
    svar: &std::collections::BTreeMap<String, Svar>,
    prefix: &str,
) -> Svarliste {
    use domain::template::Element;
    sektioner
        .flat_map(|s| s.elementer.iter())
        .filter_map(|e| match e {
            Element::Spoergsmaal(q) => {
                let saved = svar.get(&format!("{prefix}{}", q.id));
                Some((q.overskrift(), saved.and_then(|s| s.valg.clone()).unwrap_or_else(|| svar_tekst(saved))))
            }
            Element::Fakta(f) => f.kommentar.as_ref().map(|k| {
                let tekst = svar.get(&format!("{prefix}{}", f.id)).map(|s| s.tekst.clone()).filter(|t| !t.is_empty());
                (format!("{}: {k}", f.titel), tekst.unwrap_or_else(|| "Ingen kommentar".into()))
            }),
        })
        .collect()
}

/// One submitted version, read-only: every answer, every afdeling form and the files it was
/// submitted with. Whoever may read the package may read its versions.
pub async fn version(
    State(state): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    CsrfToken(csrf): CsrfToken,
    Path((id, nummer)): Path<(i64, i64)>,
) -> PageResult {
    let v = state.app.pakke_view(&user, PakkeId(id)).await?;
    let ver = v.versions.iter().find(|x| x.version == nummer).ok_or(app::AppError::NotFound)?;
    let ver_svar = state.app.version_svar(&v, nummer).await?;
    let sektioner =
        v.skabelon.sektioner.iter().map(|s| (s.titel.clone(), svarliste(std::iter::once(s), &ver_svar, ""))).collect();
    let afdelinger = v
        .afdelinger
        .iter()
        .map(|a| {
            let prefix = domain::template::afdeling_noegle(a.data.nummer, "");
            (
                format!("Afdeling {} {}", a.data.nummer, a.data.navn),
                svarliste(v.afdelingsskema_sektioner(a), &ver_svar, &prefix),
            )
        })
        .filter(|(_, svar)| !svar.is_empty())
        .collect();
    let navne = state.app.pakke_bilag_navne(&v, ver).await?;
    let forrige = v.versions.iter().rev().find(|x| x.version < nummer);
    let aendringer = match forrige {
        None => Vec::new(),
        Some(f) => {
            let foer = alle_svar(&v, &state.app.version_svar(&v, f.version).await?);
            let nu = alle_svar(&v, &ver_svar);
            let mut out: Vec<(String, String, String, String)> = nu
                .into_iter()
                .zip(foer)
                .filter(|(n, f)| n.2 != f.2)
                .map(|((hvor, q, nu), (_, _, foer))| (hvor, q, foer, nu))
                .collect();
            let foer_bilag = state.app.pakke_bilag_navne(&v, f).await?;
            let nye: Vec<_> = navne.iter().filter(|b| !foer_bilag.iter().any(|x| x.0 == b.0)).collect();
            let mut fjernede: Vec<_> = foer_bilag.iter().filter(|b| !navne.iter().any(|x| x.0 == b.0)).collect();
            // A new file of a kind whose earlier file left is that file replaced: one row.
            for (_, navn, art) in nye {
                match fjernede.iter().position(|x| x.2 == *art) {
                    Some(i) => {
                        let (_, gammel, _) = fjernede.remove(i);
                        out.push(("Bilag".into(), art.clone(), gammel.clone(), format!("Erstattet af {navn}")));
                    }
                    None => out.push(("Bilag".into(), art.clone(), "–".into(), format!("Ny fil: {navn}"))),
                }
            }
            for (_, navn, art) in fjernede {
                out.push(("Bilag".into(), art.clone(), navn.clone(), "Ikke med i denne version".into()));
            }
            out
        }
    };
    render(&VersionSide {
        layout: Layout::new(&format!("Version {nummer}"), Some(&user), &csrf, "/pakker"),
        hoved: (&v).into(),
        version: nummer,
        indsendt: tidspunkt(ver.submitted_at),
        indsendt_af: v
            .haendelser
            .iter()
            .find(|h| h.at == ver.submitted_at)
            .map(|h| h.by_name.clone())
            .unwrap_or_default(),
        for_sent: ver.late,
        forrige: forrige.map(|f| f.version),
        aendringer,
        sektioner,
        afdelinger,
        bilag: navne,
    })
}
