//! The package page, shared by every role; what it shows follows from `PakkeView`, which
//! the use case has already cut to the viewer's scope.

use crate::AppState;
use crate::error::PageResult;
use crate::format::{dato, farve_badge, svar_tekst, tidspunkt};
use crate::layout::Layout;
use crate::pages::offentlig::{afsnit, noegletal_navn, vis_noegletal};
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
    pub markering: Option<crate::format::Merke>,
}

pub struct SektionStatus {
    pub href: String,
    pub titel: String,
    pub tilstand: domain::template::SektionStatus,
    /// The state as the page writes it, and its badge.
    pub status: String,
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
    /// Meetings held outside the system.
    moeder: Vec<AfholdtMoede>,
    /// Meetings convened in the system.
    dialogmoeder: Vec<IndkaldtMoede>,
    /// The hjemstedskommune may convene; a beliggenhedskommune may hold its own meeting.
    can_invite: bool,
    eget_moede: bool,
    i_hoering: bool,
    /// For the kommune: the organisation's comments since the draft was last saved.
    nye_bemaerkninger: usize,
    /// The deadline of the current step (resubmission or høring) and whether it has passed.
    trin_frist: Option<(String, bool)>,
    aftaler: Vec<crate::format::AftaleVisning>,
    redegoerelse: Vec<crate::pages::offentlig::Afsnit>,
    historik: Vec<Historiklinje>,
    /// Whose median the organisation's benchmarks are (bilag 5: administration organisations).
    benchmark_pulje: &'static str,
    /// When the kommune recorded the package as not received (the dialogue runs without it).
    ikke_modtaget: Option<String>,
    /// The accounts material: received, or what is missing and by when.
    regnskab: String,
    regnskab_mangler: bool,
    /// Henstillinger and påbud.
    tilsynsreaktioner: Vec<Reaktionslinje>,
}

struct AfholdtMoede {
    dato: String,
    deltagere: String,
}

struct IndkaldtMoede {
    id: store::DialogmoedeId,
    tidspunkt: String,
    sted: String,
    /// The newest letter: the invitation, or the last move or the cancellation.
    brev: String,
    status: Moedestatus,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Moedestatus {
    Indkaldt,
    Flyttet,
    Aflyst,
    Afholdt,
}

impl Moedestatus {
    fn label(self) -> &'static str {
        match self {
            Moedestatus::Indkaldt => "Indkaldt",
            Moedestatus::Flyttet => "Indkaldt, flyttet",
            Moedestatus::Aflyst => "Aflyst",
            Moedestatus::Afholdt => "Afholdt",
        }
    }

    fn badge(self) -> &'static str {
        match self {
            Moedestatus::Aflyst => "badge-warning",
            Moedestatus::Afholdt => "badge-success",
            Moedestatus::Indkaldt | Moedestatus::Flyttet => "badge-info",
        }
    }
}

/// A step of the package's history.
struct Historiklinje {
    tidspunkt: String,
    haendelse: String,
    af: String,
    begrundelse: String,
}

/// A henstilling or påbud.
struct Reaktionslinje {
    art: &'static str,
    dato: String,
    tekst: String,
    frist: Option<String>,
    af: String,
}

/// The task list: each section with its status (Ikke startet, I gang, Gennemført or Der er
/// en fejl) and who edited it last; bilag 3 packages end with the afdeling forms.
pub fn sektion_status(v: &PakkeView) -> Vec<SektionStatus> {
    let mut tasks: Vec<SektionStatus> = v
        .skabelon
        .sektioner
        .iter()
        .map(|s| {
            let tilstand = v.sektion_status(s).0;
            let crate::format::Merke { tekst: status, badge } = crate::format::kortform(tilstand);
            SektionStatus {
                href: format!("/pakker/{}/sektioner/{}", v.pakke.id, s.id),
                titel: s.titel.clone(),
                tilstand,
                status,
                badge,
                sidst_redigeret: crate::format::sidst_redigeret(v, s.svar_ids()),
                noter: None,
            }
        })
        .collect();
    if v.afdelingsskema.is_some() {
        let statuses: Vec<_> = v.afdelinger.iter().map(|a| v.afdelingsskema_tilstand(a)).collect();
        let done = statuses.iter().filter(|s| **s == domain::template::SektionStatus::Gennemfoert).count();
        let tilstand = domain::template::SektionStatus::samlet(statuses);
        let crate::format::Merke { tekst: status, badge } = crate::format::kortform(tilstand);
        tasks.push(SektionStatus {
            href: format!("/pakker/{}/afdelinger", v.pakke.id),
            titel: "Oplysningsskemaer for afdelinger (bilag 4)".into(),
            tilstand,
            status,
            badge,
            sidst_redigeret: crate::format::redigeret_af(v.afdelingsskemaer_sidst_redigeret()),
            noter: Some(format!("{done} af {} skemaer gennemført", v.afdelinger.len())),
        });
    }
    let tilstand = v.bilag_status();
    let crate::format::Merke { tekst: status, badge } = crate::format::kortform(tilstand);
    tasks.push(SektionStatus {
        href: format!("/pakker/{}/bilag", v.pakke.id),
        titel: "Bilag: regnskab, revisionsprotokol, årsberetning og regnskabsspørgeskema".into(),
        tilstand,
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
            markering: n.markering.map(crate::format::markering_merke),
        })
        .collect();
    let historik = v
        .haendelser
        .iter()
        .map(|h| Historiklinje {
            tidspunkt: tidspunkt(h.at),
            haendelse: h.to.label().to_string(),
            af: h.by_name.clone(),
            begrundelse: h.begrundelse.clone().unwrap_or_default(),
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
                Moedestatus::Afholdt
            } else if m.moede.aflyst().is_some() {
                Moedestatus::Aflyst
            } else if !m.moede.aendringer.is_empty() {
                Moedestatus::Flyttet
            } else {
                Moedestatus::Indkaldt
            };
            let brev = m.moede.aendringer.last().map_or(&d.brev, |a| &a.brev).clone();
            IndkaldtMoede { id: m.moede.id, tidspunkt: tidspunkt(d.starter), sted: d.sted.clone(), brev, status }
        })
        .collect();
    let kommune = format!("{} Kommune", state.app.offentlig().kommune_navn(v.pakke.hjemstedskommune).await?);
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
    let tilsynsreaktioner = match state.app.pakkens_tilsynsreaktioner(user, &v).await {
        Err(app::AppError::Forbidden) => Default::default(),
        r => r?,
    };
    let tilsynsreaktioner = tilsynsreaktioner
        .iter()
        .map(|r| Reaktionslinje {
            art: r.art.label(),
            dato: dato(r.dato),
            tekst: r.tekst.clone(),
            frist: r.frist.map(dato),
            af: r.af_navn.clone(),
        })
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
        moeder: v.moeder.iter().map(|m| AfholdtMoede { dato: dato(m.dato), deltagere: m.deltagere.clone() }).collect(),
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
    konti: Vec<Kontolinje>,
}

/// An account of the efficiency figure: the afdeling's cost against best practice's.
struct Kontolinje {
    konto: String,
    navn: String,
    egen: String,
    bedste_praksis: String,
    /// Best practice's cost as a share of the afdeling's.
    forhold: String,
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
            Kontolinje {
                konto: k.konto.clone(),
                navn: k.navn.clone(),
                egen: kr(k.egen),
                bedste_praksis: kr(k.bedste_praksis),
                forhold,
            }
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

/// A question with its answer, read-only.
pub struct Svarlinje {
    pub spoergsmaal: String,
    pub svar: String,
}

/// The answers of one section or form.
pub type Svarliste = Vec<Svarlinje>;

/// A section's or an afdeling form's answers under its title.
pub struct SvarAfsnit {
    pub titel: String,
    pub svar: Svarliste,
}

/// An answer or a file that changed between two versions.
struct Aendring {
    hvor: String,
    hvad: String,
    foer: String,
    nu: String,
}

#[derive(Template)]
#[template(path = "version.html")]
struct VersionSide {
    layout: Layout,
    hoved: crate::pages::PakkeHoved,
    version: i64,
    indsendt: String,
    indsendt_af: String,
    for_sent: bool,
    sektioner: Vec<SvarAfsnit>,
    afdelinger: Vec<SvarAfsnit>,
    bilag: Vec<app::VersionsBilag>,
    /// The version before this one, and what changed since it.
    forrige: Option<i64>,
    aendringer: Vec<Aendring>,
}

/// Every answer of a version with where it stands, in form order.
fn alle_svar(v: &PakkeView, svar: &std::collections::BTreeMap<String, Svar>) -> Vec<(String, Svarlinje)> {
    let mut out = Vec::new();
    for s in &v.skabelon.sektioner {
        out.extend(svarliste(std::iter::once(s), svar, "").into_iter().map(|l| (s.titel.clone(), l)));
    }
    for a in v.afdelinger.iter() {
        let prefix = domain::template::afdeling_noegle(a.data.nummer, "");
        let hvor = format!("Afdeling {} {}", a.data.nummer, a.data.navn);
        out.extend(svarliste(v.afdelingsskema_sektioner(a), svar, &prefix).into_iter().map(|l| (hvor.clone(), l)));
    }
    out
}

/// The answers of sections, read-only; a fact block's comment is listed under the block's
/// title. `prefix` selects an afdeling form's answers.
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
                Some(Svarlinje {
                    spoergsmaal: q.overskrift(),
                    svar: saved.and_then(|s| s.valg.clone()).unwrap_or_else(|| svar_tekst(saved)),
                })
            }
            Element::Fakta(f) => f.kommentar.as_ref().map(|k| {
                let tekst = svar.get(&format!("{prefix}{}", f.id)).map(|s| s.tekst.clone()).filter(|t| !t.is_empty());
                Svarlinje {
                    spoergsmaal: format!("{}: {k}", f.titel),
                    svar: tekst.unwrap_or_else(|| "Ingen kommentar".into()),
                }
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
    let sektioner = v
        .skabelon
        .sektioner
        .iter()
        .map(|s| SvarAfsnit { titel: s.titel.clone(), svar: svarliste(std::iter::once(s), &ver_svar, "") })
        .collect();
    let afdelinger = v
        .afdelinger
        .iter()
        .map(|a| {
            let prefix = domain::template::afdeling_noegle(a.data.nummer, "");
            SvarAfsnit {
                titel: format!("Afdeling {} {}", a.data.nummer, a.data.navn),
                svar: svarliste(v.afdelingsskema_sektioner(a), &ver_svar, &prefix),
            }
        })
        .filter(|a| !a.svar.is_empty())
        .collect();
    let navne = v.versions_bilag(ver);
    let forrige = v.versions.iter().rev().find(|x| x.version < nummer);
    let aendringer = match forrige {
        None => Vec::new(),
        Some(f) => {
            let foer = alle_svar(&v, state.app.version_svar(&v, f.version).await?.as_ref());
            let nu = alle_svar(&v, &ver_svar);
            let mut out: Vec<Aendring> = nu
                .into_iter()
                .zip(foer)
                .filter(|((_, n), (_, f))| n.svar != f.svar)
                .map(|((hvor, nu), (_, foer))| Aendring { hvor, hvad: nu.spoergsmaal, foer: foer.svar, nu: nu.svar })
                .collect();
            let foer_bilag = v.versions_bilag(f);
            let nye: Vec<_> = navne.iter().filter(|b| !foer_bilag.iter().any(|x| x.id == b.id)).collect();
            let mut fjernede: Vec<_> = foer_bilag.iter().filter(|b| !navne.iter().any(|x| x.id == b.id)).collect();
            let bilag =
                |hvad: &str, foer: String, nu: String| Aendring { hvor: "Bilag".into(), hvad: hvad.into(), foer, nu };
            // A new file of a kind whose earlier file left is that file replaced: one row.
            for b in nye {
                match fjernede.iter().position(|x| x.art == b.art) {
                    Some(i) => {
                        let gammel = fjernede.remove(i);
                        out.push(bilag(&b.art, gammel.filnavn.clone(), format!("Erstattet af {}", b.filnavn)));
                    }
                    None => out.push(bilag(&b.art, "–".into(), format!("Ny fil: {}", b.filnavn))),
                }
            }
            for b in fjernede {
                out.push(bilag(&b.art, b.filnavn.clone(), "Ikke med i denne version".into()));
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
