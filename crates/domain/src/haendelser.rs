//! The events the system tells other systems of by webhook: the catalogue of CloudEvents
//! types (`dk.styringsdialog.<emne>.<hvad>`), each about one package.

use crate::package::PakkeHaendelse;

/// One kind of event a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HaendelsesType {
    PakkeOprettet,
    PakkeIndsendt,
    PakkeReturneret,
    PakkeModtaget,
    MoedeIndkaldt,
    MoedeAflyst,
    MoedeAfholdt,
    RedegoerelseIHoering,
    RedegoerelseBemaerkning,
    RedegoerelseOffentliggjort,
    AftaleStatus,
    FristAendret,
    PaamindelseSendt,
    PakkeIkkeModtaget,
    Tilsynsreaktion,
    RegnskabEftersendt,
}

impl HaendelsesType {
    pub const ALL: [HaendelsesType; 16] = [
        HaendelsesType::PakkeOprettet,
        HaendelsesType::PakkeIndsendt,
        HaendelsesType::PakkeReturneret,
        HaendelsesType::PakkeModtaget,
        HaendelsesType::MoedeIndkaldt,
        HaendelsesType::MoedeAflyst,
        HaendelsesType::MoedeAfholdt,
        HaendelsesType::RedegoerelseIHoering,
        HaendelsesType::RedegoerelseBemaerkning,
        HaendelsesType::RedegoerelseOffentliggjort,
        HaendelsesType::AftaleStatus,
        HaendelsesType::FristAendret,
        HaendelsesType::PaamindelseSendt,
        HaendelsesType::PakkeIkkeModtaget,
        HaendelsesType::Tilsynsreaktion,
        HaendelsesType::RegnskabEftersendt,
    ];

    /// The CloudEvents `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            HaendelsesType::PakkeOprettet => "dk.styringsdialog.pakke.oprettet",
            HaendelsesType::PakkeIndsendt => "dk.styringsdialog.pakke.indsendt",
            HaendelsesType::PakkeReturneret => "dk.styringsdialog.pakke.returneret",
            HaendelsesType::PakkeModtaget => "dk.styringsdialog.pakke.modtaget",
            HaendelsesType::MoedeIndkaldt => "dk.styringsdialog.moede.indkaldt",
            HaendelsesType::MoedeAflyst => "dk.styringsdialog.moede.aflyst",
            HaendelsesType::MoedeAfholdt => "dk.styringsdialog.moede.afholdt",
            HaendelsesType::RedegoerelseIHoering => "dk.styringsdialog.redegoerelse.hoering",
            HaendelsesType::RedegoerelseBemaerkning => "dk.styringsdialog.redegoerelse.bemaerkning",
            HaendelsesType::RedegoerelseOffentliggjort => "dk.styringsdialog.redegoerelse.offentliggjort",
            HaendelsesType::AftaleStatus => "dk.styringsdialog.aftale.status",
            HaendelsesType::FristAendret => "dk.styringsdialog.frist.aendret",
            HaendelsesType::PaamindelseSendt => "dk.styringsdialog.paamindelse.sendt",
            HaendelsesType::PakkeIkkeModtaget => "dk.styringsdialog.pakke.ikke_modtaget",
            HaendelsesType::Tilsynsreaktion => "dk.styringsdialog.tilsyn.reaktion",
            HaendelsesType::RegnskabEftersendt => "dk.styringsdialog.regnskab.eftersendt",
        }
    }

    pub fn parse(s: &str) -> Option<HaendelsesType> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// What the event tells, in Danish, for the registration form and the documentation.
    pub fn label(self) -> &'static str {
        match self {
            HaendelsesType::PakkeOprettet => "En pakke er oprettet",
            HaendelsesType::PakkeIndsendt => "En pakke er indsendt",
            HaendelsesType::PakkeReturneret => "En pakke er sendt retur",
            HaendelsesType::PakkeModtaget => "Kommunen har kvitteret for modtagelsen",
            HaendelsesType::MoedeIndkaldt => "Der er indkaldt til dialogmøde",
            HaendelsesType::MoedeAflyst => "Et dialogmøde er aflyst",
            HaendelsesType::MoedeAfholdt => "Et dialogmøde er afholdt",
            HaendelsesType::RedegoerelseIHoering => "Redegørelsen er sendt i høring",
            HaendelsesType::RedegoerelseBemaerkning => "Organisationen har afgivet bemærkninger",
            HaendelsesType::RedegoerelseOffentliggjort => "Redegørelsen er offentliggjort",
            HaendelsesType::AftaleStatus => "En aftale har fået en ny status",
            HaendelsesType::FristAendret => "En frist er ændret",
            HaendelsesType::PaamindelseSendt => "En påmindelse om fristen er sendt",
            HaendelsesType::PakkeIkkeModtaget => "Kommunen har registreret, at pakken ikke er modtaget",
            HaendelsesType::Tilsynsreaktion => "Kommunen har givet en henstilling eller et påbud",
            HaendelsesType::RegnskabEftersendt => "Organisationen har eftersendt regnskabsmateriale",
        }
    }

    /// Whether the hjemstedskommune hears of it while the package is a draft: it sets the
    /// deadlines, sends the reminders and reacts to the packages it awaits.
    pub fn om_ventet_pakke(self) -> bool {
        matches!(
            self,
            HaendelsesType::FristAendret | HaendelsesType::PaamindelseSendt | HaendelsesType::Tilsynsreaktion
        )
    }

    /// The event a package step is.
    pub fn af_trin(h: PakkeHaendelse) -> HaendelsesType {
        match h {
            PakkeHaendelse::Indsend => HaendelsesType::PakkeIndsendt,
            PakkeHaendelse::Returner => HaendelsesType::PakkeReturneret,
            PakkeHaendelse::Modtag => HaendelsesType::PakkeModtaget,
            PakkeHaendelse::IndkaldMoede => HaendelsesType::MoedeIndkaldt,
            PakkeHaendelse::AflysMoede => HaendelsesType::MoedeAflyst,
            PakkeHaendelse::MarkerMoedeAfholdt => HaendelsesType::MoedeAfholdt,
            PakkeHaendelse::SendRedegoerelseIHoering => HaendelsesType::RedegoerelseIHoering,
            PakkeHaendelse::OffentliggoerRedegoerelse => HaendelsesType::RedegoerelseOffentliggjort,
            PakkeHaendelse::RegistrerIkkeModtaget => HaendelsesType::PakkeIkkeModtaget,
        }
    }
}

/// The type of the test event an owner sends to check a receiver (not subscribable).
pub const TEST_TYPE: &str = "dk.styringsdialog.webhook.test";

/// A CloudEvent 1.0 in structured JSON mode: the envelope every delivery carries.
pub fn cloudevent(
    id: &str,
    type_: &str,
    subject: &str,
    time: chrono::DateTime<chrono::Utc>,
    data: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "specversion": "1.0",
        "id": id,
        "source": "urn:styringsdialog",
        "type": type_,
        "subject": subject,
        "time": time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "datacontenttype": "application/json",
        "data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_parses_back_and_every_step_is_an_event() {
        for t in HaendelsesType::ALL {
            assert_eq!(HaendelsesType::parse(t.as_str()), Some(t));
        }
        for h in PakkeHaendelse::ALL {
            assert!(HaendelsesType::ALL.contains(&HaendelsesType::af_trin(h)));
        }
        assert_eq!(HaendelsesType::parse("dk.styringsdialog.pakke.slettet"), None);
    }
}
