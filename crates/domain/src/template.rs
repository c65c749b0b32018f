//! Report templates (bilag 3, 4 and 5 of the guidance) as versioned data per styringsår.
//! Every question and fact block has a stable id, so answers can be carried forward and
//! compared across years. The afdeling form (bilag 4) is answered once per afdeling; its
//! answers are keyed by [`afdeling_noegle`].

use crate::ids::AfdelingNummer;
use crate::master::Rapporttype;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Templates shipped with this release; an agency can load newer years as data.
const SHIPPED: &[&str] = &[
    include_str!("../../../data/templates/2026/bilag3.toml"),
    include_str!("../../../data/templates/2026/bilag4.toml"),
    include_str!("../../../data/templates/2026/bilag5.toml"),
];

/// Which of the guidance's three forms a template is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skema {
    /// Styringsrapport for an organisation with its own afdelinger.
    Bilag3,
    /// Oplysningsskema for one afdeling (part of the bilag 3 package).
    Bilag4,
    /// Styringsrapport for an administration organisation.
    Bilag5,
}

impl Skema {
    pub const ALL: [Skema; 3] = [Skema::Bilag3, Skema::Bilag4, Skema::Bilag5];
    pub fn as_str(self) -> &'static str {
        match self {
            Skema::Bilag3 => "bilag3",
            Skema::Bilag4 => "bilag4",
            Skema::Bilag5 => "bilag5",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Skema::Bilag3 => "Bilag 3: styringsrapport for boligorganisation",
            Skema::Bilag4 => "Bilag 4: oplysningsskema for afdeling",
            Skema::Bilag5 => "Bilag 5: styringsrapport for administrationsorganisation",
        }
    }
}

impl From<Rapporttype> for Skema {
    fn from(r: Rapporttype) -> Skema {
        match r {
            Rapporttype::Bilag3 => Skema::Bilag3,
            Rapporttype::Bilag5 => Skema::Bilag5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skabelon {
    pub skema: Skema,
    pub styringsaar: i32,
    pub version: u32,
    pub titel: String,
    pub sektioner: Vec<Sektion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sektion {
    pub id: String,
    pub titel: String,
    #[serde(default)]
    pub intro: Option<String>,
    /// Only for afdelinger in operation (bilag 4 part B is not filled in during construction).
    #[serde(default)]
    pub kun_i_drift: bool,
    /// Questions and fact blocks in the order the form shows them.
    pub elementer: Vec<Element>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "element", rename_all = "snake_case")]
pub enum Element {
    Spoergsmaal(Spoergsmaal),
    Fakta(Faktablok),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spoergsmaal {
    pub id: String,
    /// The guidance's question number, where it has one.
    #[serde(default)]
    pub nummer: Option<u32>,
    pub tekst: String,
    /// The follow-up asked when the answer is yes ("Hvis ja, hvilke?").
    #[serde(default)]
    pub hvilke: Option<String>,
    pub svartype: Svartype,
    /// The choices of a `valg` question.
    #[serde(default)]
    pub valg: Vec<String>,
    pub paakraevet: bool,
    /// Where a draft answer is taken from when the package is opened.
    #[serde(default)]
    pub forudfyld: Option<Forudfyldning>,
    /// The choice that means "nothing to remark" on an afdeling form: the bulk action on
    /// the afdeling list may give it where no key figure in the section is critical.
    #[serde(default)]
    pub uden_bemaerkninger: Option<String>,
    /// When this holds for the organisation, the question must be answered yes with a
    /// description (bilag 3 question 4: efficiency goals when afdelinger are yellow or red).
    #[serde(default)]
    pub kraeves_ja_ved: Option<Betingelse>,
    /// What the form says above the question when the condition holds.
    #[serde(default)]
    pub krav: Option<String>,
}

/// A fact about the organisation that makes a question required (`kraeves_ja_ved`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Betingelse {
    /// Afdelinger of the organisation have a yellow or red efficiency figure this year
    /// (almenboliglovens § 14 b, stk. 4, and the guidance's bilag 1: the board sets goals for
    /// improving efficiency, and they must appear in the styringsrapport).
    GuleEllerRoedeAfdelinger,
}

impl Betingelse {
    /// What the refusal asks for, and why.
    pub fn besked(self, navn: &str) -> String {
        match self {
            Betingelse::GuleEllerRoedeAfdelinger => format!(
                "Svar ja til {navn}, og beskriv bestyrelsens mål og initiativer for effektivisering: organisationen har afdelinger med gult eller rødt effektivitetstal"
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Svartype {
    /// Yes/no, and a text that is required when the answer is yes.
    JaNejHvilke,
    /// Yes/no only.
    JaNej,
    /// Free text.
    Tekst,
    /// One of the listed choices.
    Valg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Forudfyldning {
    /// Last year's published redegørelse and aftaler (bilag 3 Q8, bilag 5 part C).
    TidligereDroeftedeForhold,
    /// A yes/no from the afdeling's master data that the organisation may correct on its form
    /// (bilag 4: under construction, has an afdelingsbestyrelse). An answer that differs from
    /// the registered value is a correction, shown as one to the kommune.
    UnderOpfoerelse,
    Afdelingsbestyrelse,
}

impl Forudfyldning {
    /// The registered value of an afdeling, for the questions prefilled from master data.
    pub fn stamdata(self, a: &crate::master::AfdelingData) -> Option<bool> {
        match self {
            Forudfyldning::TidligereDroeftedeForhold => None,
            Forudfyldning::UnderOpfoerelse => Some(a.under_opfoerelse),
            Forudfyldning::Afdelingsbestyrelse => Some(a.afdelingsbestyrelse),
        }
    }
}

/// Facts the system fills in. A block can carry an optional comment ("Evt. kommentarer"),
/// answered under the block's id; the comment is required when one of the block's key
/// figures is marked critical.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faktablok {
    pub id: String,
    pub art: FaktaArt,
    pub titel: String,
    #[serde(default)]
    pub tekst: Option<String>,
    /// Key-figure ids from the catalogue (for `art = "noegletal"`).
    #[serde(default)]
    pub noegletal: Vec<String>,
    /// The label of the comment field, when the block has one.
    #[serde(default)]
    pub kommentar: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaktaArt {
    /// Number, name, kind and accounting period of the organisation; of the afdeling on bilag 4.
    Stamdata,
    /// Key figures with value, benchmark, last year's value and mark.
    Noegletal,
    /// The distribution of the afdelinger's efficiency colours.
    Effektivitetsfordeling,
    /// Family homes let per rental tool, per kommune.
    Udlejningsredskaber,
    /// Beboerklagenævn cases, this year and last.
    Beboerklager,
    /// Afdelinger with critical vacancy, move-out or maintenance figures.
    KritiskeAfdelinger,
    /// Family homes per afdeling with the allocation rules and labour-market attachment.
    Familieboliger,
    /// Bilag 1: every afdeling's efficiency figure with organisation, kommune and region averages.
    Effektivitetstal,
    /// Bilag 3 Q7: the afdelinger whose form (part A) reports special challenges.
    AfdelingerMedUdfordringer,
    /// Bilag 4: the rent of the afdeling's homes per housing type.
    Leje,
    /// Bilag 4: whether the afdeling has an afdelingsbestyrelse (master data).
    Afdelingsbestyrelse,
}

/// An answer to one question, or the comment of a fact block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Svar {
    #[serde(default)]
    pub ja: Option<bool>,
    #[serde(default)]
    pub tekst: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valg: Option<String>,
}

impl Svar {
    pub fn is_empty(&self) -> bool {
        self.ja.is_none() && self.tekst.trim().is_empty() && self.valg.is_none()
    }
    pub fn tekst(tekst: &str) -> Svar {
        Svar { tekst: tekst.to_string(), ..Svar::default() }
    }
}

/// The key of an afdeling form answer in a package's answers.
pub fn afdeling_noegle(afdeling: AfdelingNummer, id: &str) -> String {
    format!("afd{}:{id}", afdeling.get())
}

/// The afdeling and question of an afdeling form answer key.
pub fn split_afdeling_noegle(key: &str) -> Option<(AfdelingNummer, &str)> {
    let (afd, id) = key.strip_prefix("afd")?.split_once(':')?;
    Some((AfdelingNummer::new(afd.parse().ok()?).ok()?, id))
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SkabelonError {
    #[error("skabelonen kan ikke læses: {0}")]
    Syntax(String),
    #[error("skabelonen har ingen sektioner")]
    Tom,
    #[error("id «{0}» er brugt mere end én gang")]
    DobbeltId(String),
    #[error("sektion «{0}» har ingen spørgsmål eller faktablokke")]
    TomSektion(String),
    #[error("spørgsmål «{0}» har ingen tekst")]
    TomTekst(String),
    #[error("spørgsmål «{0}» er et valg, men har færre end to svarmuligheder i «valg»")]
    ForFaaValg(String),
    #[error("spørgsmål «{0}»: «uden_bemaerkninger» skal være en af svarmulighederne i «valg»")]
    UkendtStandardvalg(String),
    #[error("spørgsmål «{0}»: «kraeves_ja_ved» kræver svartype «ja_nej_hvilke»")]
    KravUdenJaNejHvilke(String),
    #[error("faktablok «{0}» viser nøgletal, men nævner ingen i «noegletal»")]
    IngenNoegletal(String),
    #[error("faktablok «{id}» nævner nøgletallet «{noegletal}», som ikke findes i nøgletalskataloget")]
    UkendtNoegletal { id: String, noegletal: String },
    #[error("id «{0}» må kun indeholde bogstaverne a–z og A–Z, tal, punktum, bindestreg og understregning")]
    UgyldigtId(String),
}

/// How far a section (or an afdeling form) has come, as the DKFDS task list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SektionStatus {
    IkkeStartet,
    IGang,
    Gennemfoert,
    Fejl,
}

impl SektionStatus {
    pub fn label(self) -> &'static str {
        match self {
            SektionStatus::IkkeStartet => "Ikke startet",
            SektionStatus::IGang => "I gang",
            SektionStatus::Gennemfoert => "Gennemført",
            SektionStatus::Fejl => "Der er en fejl",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            SektionStatus::IkkeStartet => "ikke_startet",
            SektionStatus::IGang => "i_gang",
            SektionStatus::Gennemfoert => "gennemfoert",
            SektionStatus::Fejl => "fejl",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [SektionStatus::IkkeStartet, SektionStatus::IGang, SektionStatus::Gennemfoert, SektionStatus::Fejl]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

impl SektionStatus {
    /// The status of several sections together (an afdeling form with parts A and B).
    pub fn samlet(statuses: impl IntoIterator<Item = SektionStatus>) -> SektionStatus {
        let all: Vec<SektionStatus> = statuses.into_iter().collect();
        if all.contains(&SektionStatus::Fejl) {
            SektionStatus::Fejl
        } else if all.iter().all(|s| *s == SektionStatus::Gennemfoert) {
            SektionStatus::Gennemfoert
        } else if all.iter().all(|s| *s == SektionStatus::IkkeStartet) {
            SektionStatus::IkkeStartet
        } else {
            SektionStatus::IGang
        }
    }
}

/// One thing that stops a submission: an answer that is missing, or one that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The answer key (with the afdeling prefix on afdeling forms).
    pub noegle: String,
    pub besked: String,
    /// Missing (the section is in progress) rather than wrong (the section has an error).
    pub mangler: bool,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

impl Skabelon {
    /// The sections of an afdeling form that apply to an afdeling: those marked `kun_i_drift`
    /// only once it is built.
    pub fn afdelingssektioner(&self, under_opfoerelse: bool) -> impl Iterator<Item = &Sektion> {
        self.sektioner.iter().filter(move |s| !(s.kun_i_drift && under_opfoerelse))
    }

    /// Parse and check a template file. Syntax errors name the line and column.
    pub fn parse(text: &str) -> Result<Skabelon, SkabelonError> {
        let skabelon: Skabelon = toml::from_str(text).map_err(|e| SkabelonError::Syntax(e.to_string()))?;
        if skabelon.sektioner.is_empty() {
            return Err(SkabelonError::Tom);
        }
        let mut seen = HashSet::new();
        let mut unique = |id: &str| {
            if !valid_id(id) {
                return Err(SkabelonError::UgyldigtId(id.to_string()));
            }
            if seen.insert(id.to_string()) { Ok(()) } else { Err(SkabelonError::DobbeltId(id.to_string())) }
        };
        for sektion in &skabelon.sektioner {
            unique(&sektion.id)?;
            if sektion.elementer.is_empty() {
                return Err(SkabelonError::TomSektion(sektion.id.clone()));
            }
            for element in &sektion.elementer {
                match element {
                    Element::Spoergsmaal(q) => {
                        unique(&q.id)?;
                        if q.tekst.trim().is_empty() {
                            return Err(SkabelonError::TomTekst(q.id.clone()));
                        }
                        if q.svartype == Svartype::Valg && q.valg.len() < 2 {
                            return Err(SkabelonError::ForFaaValg(q.id.clone()));
                        }
                        if q.uden_bemaerkninger.as_ref().is_some_and(|v| !q.valg.contains(v)) {
                            return Err(SkabelonError::UkendtStandardvalg(q.id.clone()));
                        }
                        // Only a yes/no question with a description can be required to say yes.
                        if q.kraeves_ja_ved.is_some() && q.svartype != Svartype::JaNejHvilke {
                            return Err(SkabelonError::KravUdenJaNejHvilke(q.id.clone()));
                        }
                    }
                    Element::Fakta(f) => {
                        unique(&f.id)?;
                        if f.art == FaktaArt::Noegletal && f.noegletal.is_empty() {
                            return Err(SkabelonError::IngenNoegletal(f.id.clone()));
                        }
                    }
                }
            }
        }
        Ok(skabelon)
    }

    /// Checks that every key figure a fact block names is in the catalogue.
    pub fn check_noegletal(&self, kendte: &[&str]) -> Result<(), SkabelonError> {
        for f in self.fakta() {
            if let Some(n) = f.noegletal.iter().find(|n| !kendte.contains(&n.as_str())) {
                return Err(SkabelonError::UkendtNoegletal { id: f.id.clone(), noegletal: n.clone() });
            }
        }
        Ok(())
    }

    /// The shipped templates.
    /// The shipped templates, parsed once per process.
    pub fn all_shipped() -> &'static [Skabelon] {
        static PARSED: std::sync::OnceLock<Vec<Skabelon>> = std::sync::OnceLock::new();
        PARSED.get_or_init(|| {
            SHIPPED.iter().map(|text| Skabelon::parse(text).expect("shipped templates are valid")).collect()
        })
    }

    /// The template in force for `skema` in `styringsaar` among `candidates`: the newest
    /// (year, version) not newer than the year, or the oldest when all are newer.
    pub fn in_force<S: std::borrow::Borrow<Skabelon>>(candidates: &[S], skema: Skema, styringsaar: i32) -> Option<&S> {
        let of_kind = || candidates.iter().filter(|s| s.borrow().skema == skema);
        of_kind()
            .filter(|s| s.borrow().styringsaar <= styringsaar)
            .max_by_key(|s| (s.borrow().styringsaar, s.borrow().version))
            .or_else(|| of_kind().min_by_key(|s| (s.borrow().styringsaar, s.borrow().version)))
    }

    /// The shipped template in force (see [`Skabelon::in_force`]).
    pub fn shipped(skema: impl Into<Skema>, styringsaar: i32) -> Option<Skabelon> {
        Skabelon::in_force(Skabelon::all_shipped(), skema.into(), styringsaar).cloned()
    }

    pub fn sektion(&self, id: &str) -> Option<&Sektion> {
        self.sektioner.iter().find(|s| s.id == id)
    }

    pub fn spoergsmaal(&self) -> impl Iterator<Item = &Spoergsmaal> {
        self.sektioner.iter().flat_map(|s| s.spoergsmaal())
    }

    pub fn fakta(&self) -> impl Iterator<Item = &Faktablok> {
        self.sektioner.iter().flat_map(|s| s.fakta())
    }

    /// Every id that takes an answer: questions and fact blocks with a comment.
    pub fn svar_ids(&self) -> impl Iterator<Item = &str> {
        self.sektioner.iter().flat_map(|s| s.svar_ids())
    }

    /// The afdeling form's question whose answers bilag 3 Q7 carries over: the first yes/no
    /// question with a description in the first section (part A).
    pub fn udfordringsspoergsmaal(&self) -> Option<&Spoergsmaal> {
        self.sektioner.first()?.spoergsmaal().find(|q| q.svartype == Svartype::JaNejHvilke)
    }

    /// The section holding an answer id.
    pub fn sektion_for(&self, id: &str) -> Option<&Sektion> {
        self.sektioner.iter().find(|s| s.svar_ids().any(|x| x == id))
    }
}

impl Sektion {
    pub fn spoergsmaal(&self) -> impl Iterator<Item = &Spoergsmaal> {
        self.elementer.iter().filter_map(|e| match e {
            Element::Spoergsmaal(q) => Some(q),
            Element::Fakta(_) => None,
        })
    }

    pub fn fakta(&self) -> impl Iterator<Item = &Faktablok> {
        self.elementer.iter().filter_map(|e| match e {
            Element::Fakta(f) => Some(f),
            Element::Spoergsmaal(_) => None,
        })
    }

    pub fn svar_ids(&self) -> impl Iterator<Item = &str> {
        self.elementer.iter().filter_map(|e| match e {
            Element::Spoergsmaal(q) => Some(q.id.as_str()),
            Element::Fakta(f) => f.kommentar.as_ref().map(|_| f.id.as_str()),
        })
    }

    /// The problems of this section's answers, and its status. `svar` looks an answer up by
    /// its template id; `kritisk` says whether a fact block shows a critical key figure (its
    /// comment is then required); `prefix` is put before ids in the problems (afdeling forms).
    pub fn vurder<'a>(
        &self,
        svar: impl Fn(&str) -> Option<&'a Svar>,
        kritisk: impl Fn(&Faktablok) -> bool,
        gaelder: impl Fn(Betingelse) -> bool,
        prefix: &str,
    ) -> (SektionStatus, Vec<Problem>) {
        let mut problems = Vec::new();
        let mut answered = false;
        for e in &self.elementer {
            match e {
                Element::Spoergsmaal(q) => {
                    let s = svar(&q.id);
                    answered |= s.is_some_and(|s| !s.is_empty());
                    let kraevet = q.kraeves_ja_ved.filter(|b| gaelder(*b));
                    if let Some((besked, mangler)) = q.fejl_med_krav(s, kraevet) {
                        problems.push(Problem { noegle: format!("{prefix}{}", q.id), besked, mangler });
                    }
                }
                Element::Fakta(f) => {
                    let s = svar(&f.id);
                    answered |= s.is_some_and(|s| !s.is_empty());
                    if f.kommentar.is_some() && kritisk(f) && s.is_none_or(|s| s.tekst.trim().is_empty()) {
                        problems.push(Problem {
                            noegle: format!("{prefix}{}", f.id),
                            besked: format!("Kommentér de kritiske nøgletal under «{}»", f.titel),
                            mangler: true,
                        });
                    }
                }
            }
        }
        let status = if problems.iter().any(|p| !p.mangler) {
            SektionStatus::Fejl
        } else if problems.is_empty() {
            SektionStatus::Gennemfoert
        } else if answered {
            SektionStatus::IGang
        } else {
            SektionStatus::IkkeStartet
        };
        (status, problems)
    }
}

impl Spoergsmaal {
    /// The question as a form shows it: "3. Har …" where it has a number.
    pub fn overskrift(&self) -> String {
        match self.nummer {
            Some(n) => format!("{n}. {}", self.tekst),
            None => self.tekst.clone(),
        }
    }

    /// How the question is named in messages: by its number where it has one.
    pub fn navn(&self) -> String {
        match self.nummer {
            Some(n) => format!("spørgsmål {n}"),
            None => format!("«{}»", self.tekst),
        }
    }

    /// As [`Spoergsmaal::fejl`], when `kraevet` holds a condition that requires the answer yes
    /// with a description: a no is then refused, and no answer is missing.
    pub fn fejl_med_krav(&self, svar: Option<&Svar>, kraevet: Option<Betingelse>) -> Option<(String, bool)> {
        match (kraevet, svar.and_then(|s| s.ja)) {
            (Some(b), None) => Some((b.besked(&self.navn()), true)),
            (Some(b), Some(false)) => Some((b.besked(&self.navn()), false)),
            _ => self.fejl(svar),
        }
    }

    /// Why the answer is not acceptable for submission, in Danish, and whether it is merely
    /// missing; `None` when it is acceptable.
    pub fn fejl(&self, svar: Option<&Svar>) -> Option<(String, bool)> {
        let empty = Svar::default();
        let svar = svar.unwrap_or(&empty);
        match self.svartype {
            Svartype::JaNejHvilke | Svartype::JaNej => match svar.ja {
                None if self.paakraevet => Some((format!("Svar ja eller nej til {}", self.navn()), true)),
                Some(true) if self.svartype == Svartype::JaNejHvilke && svar.tekst.trim().is_empty() => {
                    Some((format!("Beskriv {}, når du har svaret ja til {}", self.hvilke_kort(), self.navn()), false))
                }
                _ => None,
            },
            Svartype::Tekst if self.paakraevet && svar.tekst.trim().is_empty() => {
                Some((format!("Besvar {}", self.navn()), true))
            }
            Svartype::Tekst => None,
            Svartype::Valg => match &svar.valg {
                None if self.paakraevet => Some((format!("Vælg et svar til {}", self.navn()), true)),
                Some(v) if !self.valg.contains(v) => {
                    Some((format!("«{v}» er ikke et af svarene til {}", self.navn()), false))
                }
                _ => None,
            },
        }
    }

    fn hvilke_kort(&self) -> &'static str {
        if self.hvilke.as_deref().is_some_and(|h| h.contains("hvilke")) { "hvilke" } else { "nærmere" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_templates_cover_the_three_forms_with_every_question() {
        let b3 = Skabelon::shipped(Rapporttype::Bilag3, 2026).unwrap();
        assert_eq!(b3.spoergsmaal().next().unwrap().id, "b3.q1");
        let numbers: Vec<u32> = b3.spoergsmaal().filter_map(|q| q.nummer).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 8], "Q7 is carried over from the afdeling forms");
        assert!(b3.fakta().any(|f| f.art == FaktaArt::AfdelingerMedUdfordringer));
        assert!(b3.fakta().any(|f| f.art == FaktaArt::Effektivitetstal));
        let b4 = Skabelon::shipped(Skema::Bilag4, 2026).unwrap();
        assert!(b4.sektioner.iter().any(|s| s.kun_i_drift));
        assert!(b4.spoergsmaal().any(|q| q.svartype == Svartype::Valg));
        let b5 = Skabelon::shipped(Rapporttype::Bilag5, 2030).unwrap();
        assert_eq!(b5.skema, Skema::Bilag5);
        assert!(Skabelon::shipped(Rapporttype::Bilag3, 2024).is_some());
        let katalog = crate::beregning::Katalog::shipped();
        let ids: Vec<&str> = katalog.saet[0].noegletal.iter().map(|d| d.id.as_str()).collect();
        for s in [b3, b4, b5] {
            s.check_noegletal(&ids).unwrap();
        }
    }

    const MINIMAL: &str = r#"
        skema = "bilag3"
        styringsaar = 2026
        version = 1
        titel = "x"
        [[sektioner]]
        id = "s"
        titel = "S"
        [[sektioner.elementer]]
        element = "spoergsmaal"
        id = "q"
        nummer = 1
        tekst = "Q?"
        svartype = "tekst"
        paakraevet = true
    "#;

    #[test]
    fn template_errors_are_precise() {
        assert!(Skabelon::parse(MINIMAL).is_ok());
        let twice = format!(
            "{MINIMAL}\n[[sektioner.elementer]]\nelement = \"spoergsmaal\"\nid = \"q\"\ntekst = \"Q2?\"\nsvartype = \"tekst\"\npaakraevet = false\n"
        );
        assert_eq!(Skabelon::parse(&twice), Err(SkabelonError::DobbeltId("q".into())));
        let bad_valg = MINIMAL.replace("\"tekst\"", "\"valg\"");
        assert_eq!(Skabelon::parse(&bad_valg), Err(SkabelonError::ForFaaValg("q".into())));
        let bad_default = MINIMAL.replace(
            "svartype = \"tekst\"",
            "svartype = \"valg\"\nvalg = [\"God\", \"Dårlig\"]\nuden_bemaerkninger = \"Fin\"",
        );
        assert_eq!(Skabelon::parse(&bad_default), Err(SkabelonError::UkendtStandardvalg("q".into())));
        let Err(SkabelonError::Syntax(msg)) = Skabelon::parse(&MINIMAL.replace("paakraevet = true", "paakraevet = 3"))
        else {
            panic!("a wrong type is a syntax error");
        };
        // The element holding the wrong value is named by its line.
        assert!(msg.contains("line 9") && msg.contains("expected a boolean"), "{msg}");
        assert!(matches!(
            Skabelon::parse(&MINIMAL.replace("id = \"q\"", "id = \"Q 1\"")),
            Err(SkabelonError::UgyldigtId(_))
        ));
        let fakta = format!(
            "{MINIMAL}\n[[sektioner.elementer]]\nelement = \"fakta\"\nid = \"f\"\nart = \"noegletal\"\ntitel = \"F\"\nnoegletal = [\"findes_ikke\"]\n"
        );
        assert!(matches!(
            Skabelon::parse(&fakta).unwrap().check_noegletal(&["administrationsbidrag"]),
            Err(SkabelonError::UkendtNoegletal { .. })
        ));
    }

    #[test]
    fn yes_needs_a_which_and_choices_must_be_listed() {
        let b3 = Skabelon::shipped(Rapporttype::Bilag3, 2026).unwrap();
        let q = b3.spoergsmaal().next().unwrap();
        assert_eq!(q.fejl(None).map(|e| e.1), Some(true));
        assert_eq!(q.fejl(Some(&Svar { ja: Some(true), ..Svar::default() })).map(|e| e.1), Some(false));
        assert!(
            q.fejl(Some(&Svar { ja: Some(true), tekst: "Fælles boligsociale tiltag".into(), valg: None })).is_none()
        );
        assert!(q.fejl(Some(&Svar { ja: Some(false), ..Svar::default() })).is_none());
        let b4 = Skabelon::shipped(Skema::Bilag4, 2026).unwrap();
        let valg = b4.spoergsmaal().find(|q| q.svartype == Svartype::Valg).unwrap();
        assert!(valg.fejl(Some(&Svar { valg: Some("Tilfredsstillende".into()), ..Svar::default() })).is_none());
        assert_eq!(
            valg.fejl(Some(&Svar { valg: Some("Fremragende".into()), ..Svar::default() })).map(|e| e.1),
            Some(false)
        );
    }

    #[test]
    fn section_status_follows_the_task_list() {
        let b3 = Skabelon::shipped(Rapporttype::Bilag3, 2026).unwrap();
        let s = &b3.sektioner.iter().find(|s| s.spoergsmaal().count() >= 5).unwrap();
        let none = |_: &str| None;
        assert_eq!(s.vurder(none, |_| false, |_| false, "").0, SektionStatus::IkkeStartet);
        let ja = Svar { ja: Some(true), ..Svar::default() };
        let nej = Svar { ja: Some(false), ..Svar::default() };
        assert_eq!(s.vurder(|id| (id == "b3.q1").then_some(&nej), |_| false, |_| false, "").0, SektionStatus::IGang);
        assert_eq!(s.vurder(|id| (id == "b3.q1").then_some(&ja), |_| false, |_| false, "").0, SektionStatus::Fejl);
        assert_eq!(s.vurder(|_| Some(&nej), |_| false, |_| false, "").0, SektionStatus::Gennemfoert);
        // A critical key figure makes the block's comment required.
        let facts = b3.sektioner.iter().find(|s| s.fakta().any(|f| f.art == FaktaArt::Noegletal)).unwrap();
        assert_eq!(facts.vurder(none, |_| false, |_| false, "").0, SektionStatus::Gennemfoert);
        let (status, problems) = facts.vurder(none, |f| f.art == FaktaArt::Noegletal, |_| false, "");
        assert_eq!(status, SektionStatus::IkkeStartet);
        assert!(problems[0].besked.contains("kritiske nøgletal"));
    }

    #[test]
    fn question_4_must_state_efficiency_goals_when_afdelinger_are_yellow_or_red() {
        let b3 = Skabelon::shipped(Rapporttype::Bilag3, 2026).unwrap();
        let s = b3.sektion_for("b3.q4").unwrap();
        let q4 = s.spoergsmaal().find(|q| q.id == "b3.q4").unwrap();
        assert_eq!(q4.kraeves_ja_ved, Some(Betingelse::GuleEllerRoedeAfdelinger));
        assert!(q4.krav.as_deref().is_some_and(|k| k.contains("§ 14 b")));
        let nej = Svar { ja: Some(false), ..Svar::default() };
        let ja = Svar { ja: Some(true), tekst: "Mål: driftsudgifterne ned med 3 % på 4 år".into(), valg: None };
        let svar = |v: &'static Svar| move |id: &str| (id == "b3.q4").then_some(v);
        let nej: &'static Svar = Box::leak(Box::new(nej));
        let ja: &'static Svar = Box::leak(Box::new(ja));
        // Without yellow or red afdelinger, no is an answer.
        assert!(s.vurder(svar(nej), |_| false, |_| false, "").1.iter().all(|p| p.noegle != "b3.q4"));
        // With them, no is refused and no answer is missing; yes with the goals passes.
        let (_, problems) = s.vurder(svar(nej), |_| false, |_| true, "");
        let p = problems.iter().find(|p| p.noegle == "b3.q4").expect("refused");
        assert!(!p.mangler && p.besked.contains("mål og initiativer for effektivisering"), "{}", p.besked);
        let (_, problems) = s.vurder(|_| None, |_| false, |_| true, "");
        assert!(problems.iter().any(|p| p.noegle == "b3.q4" && p.mangler));
        assert!(s.vurder(svar(ja), |_| false, |_| true, "").1.iter().all(|p| p.noegle != "b3.q4"));
    }

    #[test]
    fn afdeling_keys_round_trip() {
        let key = afdeling_noegle(AfdelingNummer::new(12).unwrap(), "b4.a.udfordringer");
        assert_eq!(key, "afd12:b4.a.udfordringer");
        assert_eq!(split_afdeling_noegle(&key), Some((AfdelingNummer::new(12).unwrap(), "b4.a.udfordringer")));
        assert_eq!(split_afdeling_noegle("b3.q1"), None);
    }
}
