//! Danish display formatting every page and document shares: numbers, dates and times,
//! answers, statuses and their badges, and aftaler as they are listed.

use app::PakkeView;
use domain::redegoerelse::MAALOMRAADER;
use domain::template::{SektionStatus, Svar};

/// Danish number formatting (one formatter for pages, PDFs and letters).
pub use domain::tal::dansk as tal;

pub fn dato(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// A moment as Danish users read it: in Danish time.
pub fn tidspunkt(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Copenhagen).format("%d.%m.%Y kl. %H:%M").to_string()
}

pub fn farve_badge(f: domain::effektivitet::Farve) -> &'static str {
    match f {
        domain::effektivitet::Farve::Groen => "badge-success",
        domain::effektivitet::Farve::Gul => "badge-warning",
        domain::effektivitet::Farve::Roed => "badge-error",
    }
}

/// An answer as read-only text.
pub fn svar_tekst(svar: Option<&Svar>) -> String {
    match svar {
        None => "Ikke besvaret".into(),
        Some(s) => match (s.ja, s.tekst.is_empty()) {
            (Some(true), false) => format!("Ja: {}", s.tekst),
            (Some(true), true) => "Ja".into(),
            (Some(false), _) => "Nej".into(),
            (None, false) => s.tekst.clone(),
            (None, true) => "Ikke besvaret".into(),
        },
    }
}

pub fn kortform(s: SektionStatus) -> (&'static str, &'static str) {
    let badge = match s {
        SektionStatus::IkkeStartet => "badge-info",
        SektionStatus::IGang => "badge-warning",
        SektionStatus::Gennemfoert => "badge-success",
        SektionStatus::Fejl => "badge-error",
    };
    (s.label(), badge)
}

/// Who edited answers among `keys` last, as "navn, tidspunkt".
pub fn sidst_redigeret<'a>(v: &'a PakkeView, keys: impl IntoIterator<Item = &'a str>) -> Option<String> {
    v.sidst_redigeret(keys).map(|r| format!("{}, {}", r.updated_by_name, tidspunkt(r.updated_at)))
}

pub struct AftaleVisning {
    pub id: store::AftaleId,
    pub organisation: String,
    pub aar: i32,
    pub emne: String,
    pub beskrivelse: String,
    pub parter: String,
    pub maalomraader: String,
    pub ansvarlig: String,
    pub frist: String,
    pub status: &'static str,
    pub aaben: bool,
    /// (time, status, follow-up text).
    pub historik: Vec<(String, &'static str, String)>,
}

pub fn aftale_visning(a: &store::AftaleRecord, kommune: &str) -> AftaleVisning {
    let mut parter = vec![kommune.to_string(), a.organisation_navn.clone()];
    if !a.aftale.oevrige_parter.is_empty() {
        parter.push(a.aftale.oevrige_parter.clone());
    }
    AftaleVisning {
        id: a.id,
        organisation: a.organisation_navn.clone(),
        aar: a.styringsaar.get(),
        emne: a.aftale.emne.clone(),
        beskrivelse: a.aftale.beskrivelse.clone(),
        parter: parter.join(", "),
        maalomraader: a
            .aftale
            .maalomraader
            .iter()
            .filter_map(|m| domain::redegoerelse::maalomraade_titel(m))
            .collect::<Vec<_>>()
            .join(", "),
        ansvarlig: a.aftale.ansvarlig.clone(),
        frist: a.aftale.frist.map(dato).unwrap_or_else(|| "Ingen".into()),
        status: a.status().map(|s| s.label()).unwrap_or(""),
        aaben: a.status().is_some_and(|s| s.aaben()),
        historik: a.historik.iter().map(|h| (tidspunkt(h.at), h.status.label(), h.bemaerkning.clone())).collect(),
    }
}

/// The goal areas for checkboxes: (id, heading).
pub fn maalomraader() -> Vec<(&'static str, &'static str)> {
    MAALOMRAADER.to_vec()
}
