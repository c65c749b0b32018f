//! Danish display formatting every page and document shares: numbers, dates and times,
//! answers, statuses and their badges, and aftaler as they are listed.

use app::PakkeView;
use domain::redegoerelse::{AftaleStatus, MAALOMRAADER};
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

/// A value with what it is, as a line of a description list or a two-column table.
pub struct NavnOgVaerdi {
    pub navn: String,
    pub vaerdi: String,
}

/// An option of a select: its code, its label, and whether it is the one chosen.
pub struct Valgmulighed {
    pub kode: String,
    pub label: String,
    pub valgt: bool,
}

impl Valgmulighed {
    /// The options `(kode, label)`, with `valgt` chosen.
    pub fn liste<K: ToString, L: ToString>(
        muligheder: impl IntoIterator<Item = (K, L)>,
        valgt: Option<&str>,
    ) -> Vec<Valgmulighed> {
        muligheder
            .into_iter()
            .map(|(kode, label)| {
                let kode = kode.to_string();
                Valgmulighed { valgt: valgt == Some(kode.as_str()), kode, label: label.to_string() }
            })
            .collect()
    }
}

/// A link with its text.
pub struct Link {
    pub href: String,
    pub tekst: String,
}

/// A label shown as a DKFDS badge.
pub struct Merke {
    pub tekst: String,
    /// The badge's class (`badge-error`, `badge-warning`, …).
    pub badge: &'static str,
}

/// The badge of a critical mark: red is an error, yellow a warning.
pub fn markering_badge(m: domain::beregning::Markering) -> &'static str {
    if m == domain::beregning::Markering::Roed { "badge-error" } else { "badge-warning" }
}

/// A critical mark as a badge.
pub fn markering_merke(m: domain::beregning::Markering) -> Merke {
    Merke { tekst: m.label().into(), badge: markering_badge(m) }
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

/// A task's state as a badge.
pub fn kortform(s: SektionStatus) -> Merke {
    let badge = match s {
        SektionStatus::IkkeStartet => "badge-info",
        SektionStatus::IGang => "badge-warning",
        SektionStatus::Gennemfoert => "badge-success",
        SektionStatus::Fejl => "badge-error",
    };
    Merke { tekst: s.label().into(), badge }
}

/// Who edited answers among `keys` last, as "navn, tidspunkt".
pub fn sidst_redigeret<'a>(v: &'a PakkeView, keys: impl IntoIterator<Item = &'a str>) -> Option<String> {
    redigeret_af(v.sidst_redigeret(keys))
}

/// Who saved an answer last, and when.
pub fn redigeret_af(svar: Option<&store::SvarRecord>) -> Option<String> {
    svar.map(|r| format!("{}, {}", r.updated_by_name, tidspunkt(r.updated_at)))
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
    pub tilstand: Option<AftaleStatus>,
    /// The status as the page writes it.
    pub status: &'static str,
    pub aaben: bool,
    pub historik: Vec<AftaleStatuslinje>,
}

impl AftaleVisning {
    /// Whether the aftale's status is `s` (the select's chosen option).
    pub fn har_status(&self, s: &AftaleStatus) -> bool {
        self.tilstand == Some(*s)
    }
}

/// A status an aftale was given, with the year's follow-up.
pub struct AftaleStatuslinje {
    pub tidspunkt: String,
    pub status: &'static str,
    pub bemaerkning: String,
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
        tilstand: a.status(),
        status: a.status().map(|s| s.label()).unwrap_or(""),
        aaben: a.status().is_some_and(|s| s.aaben()),
        historik: a
            .historik
            .iter()
            .map(|h| AftaleStatuslinje {
                tidspunkt: tidspunkt(h.at),
                status: h.status.label(),
                bemaerkning: h.bemaerkning.clone(),
            })
            .collect(),
    }
}

/// The goal areas as checkboxes, those in `valgte` checked.
pub fn maalomraader(valgte: &[String]) -> Vec<Valgmulighed> {
    MAALOMRAADER
        .iter()
        .map(|(id, titel)| Valgmulighed {
            kode: id.to_string(),
            label: titel.to_string(),
            valgt: valgte.iter().any(|v| v == id),
        })
        .collect()
}

/// The organisation's comment on a redegørelse in høring, as shown.
pub struct Bemaerkning {
    pub tidspunkt: String,
    pub af: String,
    pub tekst: String,
}

impl From<store::BemaerkningRecord> for Bemaerkning {
    fn from(b: store::BemaerkningRecord) -> Self {
        Bemaerkning { tidspunkt: tidspunkt(b.bemaerkning.at), af: b.by_name, tekst: b.bemaerkning.tekst }
    }
}
