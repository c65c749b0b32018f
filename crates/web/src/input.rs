//! Parse, don't validate: the text of a form field or a JSON string becomes a domain value
//! here, at the edge, so the use cases take typed values only (`NaiveDate`, `Kommunekode`,
//! `PakkeId`, the domain's enums). Text that is not what the field expects is a field error
//! naming the field, in Danish, saying what was expected; an empty field is `None`, and whether
//! it may be empty is the use case's rule. The pages and the JSON API read through the same
//! functions, so both answer the same message for the same mistake.

use app::{AppError, FieldError};
use chrono::{NaiveDate, NaiveTime};
use domain::Kommunekode;
use domain::haendelser::HaendelsesType;
use store::PakkeId;

/// The fields read from one form or body, with the errors found so far.
pub(crate) struct Indlaesning {
    /// A date shown in messages as an example of what to type.
    eksempel: NaiveDate,
    errors: Vec<FieldError>,
}

impl Indlaesning {
    /// A reading on `today` (the examples in messages are two weeks on).
    pub(crate) fn new(today: NaiveDate) -> Self {
        Indlaesning { eksempel: today + chrono::Days::new(14), errors: Vec::new() }
    }

    fn fejl(&mut self, felt: &str, message: String) {
        self.errors.push(FieldError { field: felt.into(), message });
    }

    /// The errors found.
    pub(crate) fn fejlene(self) -> Vec<FieldError> {
        self.errors
    }

    /// A date written year-month-day (or day.month.year, as Danes also write it).
    pub(crate) fn dato(&mut self, felt: &str, tekst: &str) -> Option<NaiveDate> {
        let tekst = tekst.trim();
        if tekst.is_empty() {
            return None;
        }
        let dato =
            NaiveDate::parse_from_str(tekst, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(tekst, "%d.%m.%Y")).ok();
        if dato.is_none() {
            let eksempel = self.eksempel.format("%Y-%m-%d");
            self.fejl(felt, format!("«{tekst}» er ikke en dato; skriv den som år-måned-dag, fx {eksempel}"));
        }
        dato
    }

    /// A date the form must have: `tom` is the error when the field is empty.
    pub(crate) fn kraevet_dato(&mut self, felt: &str, tekst: &str, tom: &str) -> Option<NaiveDate> {
        if tekst.trim().is_empty() {
            self.fejl(felt, tom.into());
        }
        self.dato(felt, tekst)
    }

    /// A time of day written hour:minute (or hour.minute, as Danes also write it).
    pub(crate) fn klokkeslaet(&mut self, felt: &str, tekst: &str) -> Option<NaiveTime> {
        let tekst = tekst.trim();
        if tekst.is_empty() {
            return None;
        }
        let tid = NaiveTime::parse_from_str(tekst, "%H:%M").or_else(|_| NaiveTime::parse_from_str(tekst, "%H.%M")).ok();
        if tid.is_none() {
            self.fejl(felt, format!("«{tekst}» er ikke et klokkeslæt; skriv det som time:minut, fx 13:00"));
        }
        tid
    }

    /// A whole number of minutes.
    pub(crate) fn minutter(&mut self, felt: &str, tekst: &str) -> Option<u32> {
        let tekst = tekst.trim();
        if tekst.is_empty() {
            return None;
        }
        let minutter = tekst.parse().ok();
        if minutter.is_none() {
            self.fejl(felt, format!("«{tekst}» er ikke et antal minutter; skriv et helt tal, fx 90"));
        }
        minutter
    }

    /// A yes or a no, as the radio buttons post them (`ja`, `nej`).
    pub(crate) fn ja_nej(&mut self, felt: &str, tekst: &str) -> Option<bool> {
        match tekst.trim() {
            "" => None,
            "ja" => Some(true),
            "nej" => Some(false),
            andet => {
                self.fejl(felt, format!("Ukendt svar «{andet}»: vælg ja eller nej"));
                None
            }
        }
    }

    /// One of a closed set of values (a domain enum), read by its `parse`; `besked` says what to
    /// choose when the text is none of them.
    pub(crate) fn valg<T>(
        &mut self,
        felt: &str,
        tekst: &str,
        parse: impl FnOnce(&str) -> Option<T>,
        besked: &str,
    ) -> Option<T> {
        let tekst = tekst.trim();
        if tekst.is_empty() {
            return None;
        }
        let valgt = parse(tekst);
        if valgt.is_none() {
            self.fejl(felt, besked.into());
        }
        valgt
    }

    /// Kommunekoder (four digits each), as checked boxes or a JSON list send them.
    pub(crate) fn kommunekoder<S: AsRef<str>>(&mut self, felt: &str, koder: &[S]) -> Vec<Kommunekode> {
        let mut laest = Vec::new();
        for kode in koder {
            match kode.as_ref().trim().parse::<Kommunekode>() {
                Ok(k) => laest.push(k),
                Err(_) => self.fejl(felt, format!("«{}» er ikke en kommunekode", kode.as_ref().trim())),
            }
        }
        laest
    }

    /// Package ids, as checked boxes send them.
    pub(crate) fn pakker<S: AsRef<str>>(&mut self, felt: &str, ids: &[S]) -> Vec<PakkeId> {
        let mut laest = Vec::new();
        for id in ids {
            match id.as_ref().trim().parse::<i64>() {
                Ok(id) => laest.push(PakkeId(id)),
                Err(_) => self.fejl(felt, format!("«{}» er ikke en pakke", id.as_ref().trim())),
            }
        }
        laest
    }

    /// Event types a webhook endpoint listens for, by their names
    /// (`dk.styringsdialog.pakke.indsendt`, …); unknown names are one error naming them and the
    /// known ones.
    pub(crate) fn haendelsestyper<S: AsRef<str>>(&mut self, felt: &str, navne: &[S]) -> Vec<HaendelsesType> {
        let mut laest = Vec::new();
        let mut ukendte = Vec::new();
        for navn in navne {
            match HaendelsesType::parse(navn.as_ref().trim()) {
                Some(t) => laest.push(t),
                None => ukendte.push(navn.as_ref().trim()),
            }
        }
        if !ukendte.is_empty() {
            let kendte = HaendelsesType::ALL.map(|t| t.as_str()).join(", ");
            self.fejl(felt, format!("ukendt hændelsestype: {}; kendte er {kendte}", ukendte.join(", ")));
        }
        laest
    }

    /// `input` when every field could be read, else the errors found.
    pub(crate) fn faerdig<T>(self, input: T) -> Result<T, AppError> {
        if self.errors.is_empty() { Ok(input) } else { Err(AppError::Invalid(self.errors)) }
    }
}

/// A query's optional filter read by the type's `FromStr` (`Kommunekode`, `Regionskode`): empty
/// or not a value of the type is no filter, as an old link should still show the list
/// (`#[serde(default, deserialize_with = "crate::input::valgfri")]`).
pub(crate) fn valgfri<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
{
    let tekst = <String as serde::Deserialize>::deserialize(d)?;
    Ok(tekst.trim().parse().ok())
}

/// A closed set of choices a query gives by their codes in the URL: a filter or a sort order.
/// A missing or unknown code is the first choice, the list without the filter, so an old link or
/// a mistyped address shows the whole list rather than an error. `kode()` is the code for links.
macro_rules! valg {
    ($(#[$meta:meta])* $vis:vis enum $navn:ident { $($(#[$vmeta:meta])* $variant:ident = $kode:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $navn { $($(#[$vmeta])* $variant),+ }

        impl $navn {
            pub const ALLE: &[$navn] = &[$($navn::$variant),+];

            /// The choice's code in the URL ("" for the first).
            pub fn kode(self) -> &'static str {
                match self { $($navn::$variant => $kode),+ }
            }
        }

        impl Default for $navn {
            fn default() -> Self {
                Self::ALLE[0]
            }
        }

        impl<'de> serde::Deserialize<'de> for $navn {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let kode = <String as serde::Deserialize>::deserialize(d)?;
                Ok(Self::ALLE.iter().copied().find(|v| v.kode() == kode.trim()).unwrap_or_default())
            }
        }
    };
}
pub(crate) use valg;

#[cfg(test)]
mod tests {
    use super::*;

    fn idag() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
    }

    #[test]
    fn empty_fields_are_none_and_no_error() {
        let mut ind = Indlaesning::new(idag());
        assert_eq!(ind.dato("dato", "  "), None);
        assert_eq!(ind.klokkeslaet("tid", ""), None);
        assert_eq!(ind.minutter("varighed", ""), None);
        assert_eq!(ind.valg("art", "", |_| Some(1), "Vælg"), None);
        assert!(ind.faerdig(()).is_ok());
        let mut ind = Indlaesning::new(idag());
        assert_eq!(ind.kraevet_dato("rapport-fra", "", "Skriv en dato"), None);
        assert_eq!(ind.fejlene()[0].message, "Skriv en dato");
    }

    #[test]
    fn values_are_read_as_danes_write_them() {
        let mut ind = Indlaesning::new(idag());
        assert_eq!(ind.dato("dato", " 2026-05-14 "), NaiveDate::from_ymd_opt(2026, 5, 14));
        assert_eq!(ind.dato("dato", "14.05.2026"), NaiveDate::from_ymd_opt(2026, 5, 14));
        assert_eq!(ind.klokkeslaet("tid", "13.30"), NaiveTime::from_hms_opt(13, 30, 0));
        assert_eq!(ind.klokkeslaet("tid", "09:05"), NaiveTime::from_hms_opt(9, 5, 0));
        assert_eq!(ind.minutter("varighed", "90"), Some(90));
        assert_eq!(ind.kommunekoder("kommuner", &["0101", "147"]).len(), 2);
        assert_eq!(ind.pakker("faelles", &["42"]), vec![PakkeId(42)]);
        assert!(ind.faerdig(()).is_ok());
    }

    #[test]
    fn bad_text_is_an_error_on_its_field_saying_what_was_expected() {
        let mut ind = Indlaesning::new(idag());
        assert_eq!(ind.dato("frist", "31.02.2027"), None);
        assert_eq!(ind.klokkeslaet("tid", "om eftermiddagen"), None);
        assert_eq!(ind.minutter("varighed", "halvanden time"), None);
        assert_eq!(ind.valg("art", "advarsel", |_| None::<u8>, "Vælg henstilling eller påbud"), None);
        assert!(ind.kommunekoder("kommuner", &["København"]).is_empty());
        assert!(ind.pakker("faelles", &["x"]).is_empty());
        let Err(AppError::Invalid(errors)) = ind.faerdig(()) else { panic!("the errors were lost") };
        let felter: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(felter, ["frist", "tid", "varighed", "art", "kommuner", "faelles"]);
        assert_eq!(errors[0].message, "«31.02.2027» er ikke en dato; skriv den som år-måned-dag, fx 2026-05-15");
        assert!(errors[1].message.contains("fx 13:00"));
        assert_eq!(errors[3].message, "Vælg henstilling eller påbud");
    }

    valg! {
        enum Orden {
            Navn = "",
            Frist = "frist",
        }
    }

    #[derive(serde::Deserialize)]
    struct Forespoergsel {
        #[serde(default)]
        sorter: Orden,
    }

    #[test]
    fn a_choice_is_read_by_its_code_and_anything_else_is_the_first() {
        let laes = |q: &str| serde_urlencoded::from_str::<Forespoergsel>(q).unwrap().sorter;
        assert_eq!(laes("sorter=frist"), Orden::Frist);
        assert_eq!(laes(""), Orden::Navn);
        assert_eq!(laes("sorter="), Orden::Navn);
        assert_eq!(laes("sorter=%3Cscript%3E"), Orden::Navn);
        assert_eq!(Orden::Frist.kode(), "frist");
    }
}
