//! The deadline of a step in the cycle, set by the kommune when it hands the package back to
//! the organisation: resubmission after a return for correction, and comments on the
//! redegørelse in høring. The rule set proposes a date (`[saet.frist]`); the kommune may pick
//! another. The deadline is kept on the step's event, and the package's progress carries it
//! while the step lasts, so overviews show it without another read.

use crate::{App, FieldError};
use chrono::NaiveDate;
use domain::Styringsaar;

/// A step that gives the organisation a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trin {
    /// The package is returned for correction and must be submitted again.
    Genindsendelse,
    /// The draft redegørelse is in høring with the organisation.
    Hoering,
}

impl Trin {
    fn navn(self) -> &'static str {
        match self {
            Trin::Genindsendelse => "Fristen for genindsendelse",
            Trin::Hoering => "Høringsfristen",
        }
    }
}

impl App {
    /// The date the rules propose for a step that starts today.
    pub fn foreslaaet_trin_frist(&self, aar: Styringsaar, trin: Trin) -> NaiveDate {
        let regler = &self.regler(aar).frist;
        let dage = match trin {
            Trin::Genindsendelse => regler.genindsendelse_dage,
            Trin::Hoering => regler.hoering_dage,
        };
        self.today() + chrono::Days::new(u64::from(dage))
    }

    /// A step's deadline (the field `frist`): given, and today or later.
    pub(crate) fn trin_frist(
        &self,
        frist: Option<NaiveDate>,
        trin: Trin,
        errors: &mut Vec<FieldError>,
    ) -> Option<NaiveDate> {
        let fejl = |message: String| FieldError { field: "frist".into(), message };
        match frist {
            None => {
                errors.push(fejl(format!("Angiv {}, fx {}", trin.navn().to_lowercase(), self.eksempel_dato())));
                None
            }
            Some(d) if d < self.today() => {
                errors.push(fejl(format!("{} kan ikke ligge før i dag", trin.navn())));
                None
            }
            Some(d) => Some(d),
        }
    }

    fn eksempel_dato(&self) -> String {
        (self.today() + chrono::Days::new(14)).format("%Y-%m-%d").to_string()
    }
}
