//! Regnskabsperioder and the styringsår they lead to (docs/domain.md §3.2).

use crate::ids::Styringsaar;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PeriodError {
    #[error("regnskabsperiodens slutdato ({slut}) skal ligge efter startdatoen ({start})")]
    SlutFoerStart { start: NaiveDate, slut: NaiveDate },
    #[error("en regnskabsperiode må højst vare 18 måneder ({start} – {slut})")]
    ForLang { start: NaiveDate, slut: NaiveDate },
    #[error("startmåned skal være 1–12, fik {0}")]
    Maaned(u32),
}

/// An accounting period of an organisation and its afdelinger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Regnskabsperiode {
    start: NaiveDate,
    slut: NaiveDate,
}

impl Regnskabsperiode {
    pub fn new(start: NaiveDate, slut: NaiveDate) -> Result<Self, PeriodError> {
        if slut <= start {
            return Err(PeriodError::SlutFoerStart { start, slut });
        }
        // The first period after a change of regnskabsår may be longer than 12 months, but
        // the bekendtgørelse never allows more than 18.
        if start.checked_add_months(Months::new(18)).is_none_or(|limit| slut >= limit) {
            return Err(PeriodError::ForLang { start, slut });
        }
        Ok(Self { start, slut })
    }

    /// The twelve-month period that begins on the first of `start_maaned` in `year`.
    pub fn twelve_months(year: i32, start_maaned: u32) -> Result<Self, PeriodError> {
        let start = NaiveDate::from_ymd_opt(year, start_maaned, 1).ok_or(PeriodError::Maaned(start_maaned))?;
        let slut = start
            .checked_add_months(Months::new(12))
            .and_then(|d| d.pred_opt())
            .ok_or(PeriodError::Maaned(start_maaned))?;
        Self::new(start, slut)
    }

    /// The twelve-month period whose report falls in styringsår `aar`, for an organisation
    /// whose regnskabsår starts in `start_maaned`.
    pub fn for_styringsaar(aar: Styringsaar, start_maaned: u32) -> Result<Self, PeriodError> {
        // The period must end in the calendar year before the styringsår.
        let slut_aar = aar.get() - 1;
        let start_aar = if start_maaned == 1 { slut_aar } else { slut_aar - 1 };
        Self::twelve_months(start_aar, start_maaned)
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn slut(&self) -> NaiveDate {
        self.slut
    }

    /// The styringsår is the calendar year after the year in which the period ends.
    pub fn styringsaar(&self) -> Styringsaar {
        Styringsaar::new(i64::from(self.slut.year()) + 1).expect("period years are in range")
    }

    /// Only periods of exactly twelve months enter the efficiency model (docs/domain.md §6).
    pub fn is_twelve_months(&self) -> bool {
        self.start.checked_add_months(Months::new(12)).and_then(|d| d.pred_opt()) == Some(self.slut)
    }

    /// True when the period's regnskabsår does not follow the calendar year.
    pub fn is_forskudt(&self) -> bool {
        self.start.month() != 1 || self.start.day() != 1
    }

    pub fn label(&self) -> String {
        format!("{} – {}", self.start.format("%d.%m.%Y"), self.slut.format("%d.%m.%Y"))
    }
}

/// The period a styringsrapport covers when the kommune sets one (almenboliglovens § 112,
/// stk. 4): the time since the last dialogue meeting, or a period it chooses. A package without
/// one reports on its accounting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rapportperiode {
    pub fra: NaiveDate,
    pub til: NaiveDate,
}

impl Rapportperiode {
    /// A period from `fra` to `til`, both included; refused when it ends before it begins.
    pub fn new(fra: NaiveDate, til: NaiveDate) -> Result<Rapportperiode, String> {
        if til < fra {
            return Err(format!(
                "perioden slutter {} før den begynder {}",
                til.format("%d.%m.%Y"),
                fra.format("%d.%m.%Y")
            ));
        }
        Ok(Rapportperiode { fra, til })
    }

    pub fn label(&self) -> String {
        format!("{} – {}", self.fra.format("%d.%m.%Y"), self.til.format("%d.%m.%Y"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn styringsaar_is_the_year_after_the_period_ends() {
        let calendar = Regnskabsperiode::new(d(2025, 1, 1), d(2025, 12, 31)).unwrap();
        assert_eq!(calendar.styringsaar().get(), 2026);
        let forskudt = Regnskabsperiode::new(d(2025, 4, 1), d(2026, 3, 31)).unwrap();
        assert_eq!(forskudt.styringsaar().get(), 2027);
        assert!(forskudt.is_forskudt() && !calendar.is_forskudt());
    }

    #[test]
    fn for_styringsaar_is_the_inverse() {
        for m in 1..=12 {
            let aar = Styringsaar::new(2026).unwrap();
            let p = Regnskabsperiode::for_styringsaar(aar, m).unwrap();
            assert_eq!(p.styringsaar(), aar, "month {m}");
            assert!(p.is_twelve_months());
        }
    }

    #[test]
    fn invalid_periods_are_refused() {
        assert!(Regnskabsperiode::new(d(2025, 1, 1), d(2024, 12, 31)).is_err());
        assert!(Regnskabsperiode::new(d(2024, 1, 1), d(2025, 12, 31)).is_err());
        let short = Regnskabsperiode::new(d(2025, 7, 1), d(2025, 12, 31)).unwrap();
        assert!(!short.is_twelve_months());
    }
}
