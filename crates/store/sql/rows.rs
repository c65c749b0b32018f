//! Rows as the database returns them (`FromRow`), and their conversion into records: the one
//! place where stored codes and names become domain types, and a value the types refuse is
//! reported as a corrupt database.

use super::{checked, count, from_json, parsed};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Role, UserId};
use domain::master::*;
use domain::package::{PakkeHaendelse, PakkeStatus};
use domain::period::Regnskabsperiode;
use domain::{AfdelingNummer, Kommunekode, OrganisationNummer, Styringsaar};
use store::*;

pub(super) const ORGANISATION_COLUMNS: &str =
    "o.id, o.nummer, o.navn, o.kind, o.hjemstedskommune, o.administrator_id, o.regnskabsaar_start_maaned, o.cvr";

#[derive(sqlx::FromRow)]
pub(super) struct OrganisationRow {
    id: i64,
    nummer: i64,
    navn: String,
    kind: String,
    hjemstedskommune: i64,
    administrator_id: Option<i64>,
    regnskabsaar_start_maaned: i64,
    cvr: Option<String>,
}

/// A stored CVR number, which the type accepts, else the database is corrupt.
pub(super) fn stored_cvr(v: Option<String>) -> Result<Option<domain::Cvr>> {
    v.map(|v| v.parse().map_err(|_| StoreError::corrupt("CVR-nummer", v))).transpose()
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = StoreError;
    fn try_from(r: OrganisationRow) -> Result<Self> {
        Ok(Organisation {
            id: OrganisationId(r.id),
            nummer: checked("organisationsnummer", r.nummer)?,
            navn: r.navn,
            kind: parsed("organisationstype", &r.kind, OrganisationKind::parse)?,
            hjemstedskommune: checked("kommunekode", r.hjemstedskommune)?,
            administrator: r.administrator_id.map(OrganisationId),
            regnskabsaar_start_maaned: count("måned", r.regnskabsaar_start_maaned)?,
            cvr: stored_cvr(r.cvr)?,
        })
    }
}

pub(super) const AFDELING_COLUMNS: &str = "a.id, a.organisation_id, a.nummer, a.navn, a.adresse, a.kommunekode, \
     a.familie_antal, a.familie_m2, a.aeldre_antal, a.aeldre_m2, a.ungdom_antal, a.ungdom_m2, a.erhverv_m2, \
     a.institution_m2, a.garager, a.ibrugtagningsaar, a.under_opfoerelse, a.afdelingsbestyrelse";

#[derive(sqlx::FromRow)]
pub(super) struct AfdelingRow {
    id: i64,
    organisation_id: i64,
    nummer: i64,
    navn: String,
    adresse: String,
    kommunekode: i64,
    familie_antal: i64,
    familie_m2: i64,
    aeldre_antal: i64,
    aeldre_m2: i64,
    ungdom_antal: i64,
    ungdom_m2: i64,
    erhverv_m2: i64,
    institution_m2: i64,
    garager: i64,
    ibrugtagningsaar: i64,
    under_opfoerelse: bool,
    afdelingsbestyrelse: bool,
}

impl TryFrom<AfdelingRow> for Afdeling {
    type Error = StoreError;
    fn try_from(r: AfdelingRow) -> Result<Self> {
        let boliger =
            |antal, m2| -> Result<Boliger> { Ok(Boliger { antal: count("antal", antal)?, m2: count("m2", m2)? }) };
        Ok(Afdeling {
            id: AfdelingId(r.id),
            organisation: OrganisationId(r.organisation_id),
            data: AfdelingData {
                nummer: checked("afdelingsnummer", r.nummer)?,
                navn: r.navn,
                adresse: r.adresse,
                kommune: checked("kommunekode", r.kommunekode)?,
                familie: boliger(r.familie_antal, r.familie_m2)?,
                aeldre: boliger(r.aeldre_antal, r.aeldre_m2)?,
                ungdom: boliger(r.ungdom_antal, r.ungdom_m2)?,
                erhverv_m2: count("erhverv_m2", r.erhverv_m2)?,
                institution_m2: count("institution_m2", r.institution_m2)?,
                garager: count("garager", r.garager)?,
                ibrugtagningsaar: count("ibrugtagningsaar", r.ibrugtagningsaar)?,
                under_opfoerelse: r.under_opfoerelse,
                afdelingsbestyrelse: r.afdelingsbestyrelse,
            },
        })
    }
}

pub(super) const USER_COLUMNS: &str = "b.id, b.brugernavn, b.navn, b.email, b.password_hash, b.rolle, b.kommunekode, b.deaktiveret, b.oprettet, \
     b.ekstern_id, b.cvr AS bruger_cvr, b.sidste_login";

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: i64,
    brugernavn: String,
    navn: String,
    email: Option<String>,
    password_hash: String,
    rolle: String,
    kommunekode: Option<i64>,
    deaktiveret: bool,
    oprettet: DateTime<Utc>,
    ekstern_id: Option<String>,
    bruger_cvr: Option<String>,
    sidste_login: Option<DateTime<Utc>>,
}

impl UserRow {
    pub(super) fn id(&self) -> UserId {
        UserId(self.id)
    }

    /// The record, with the user's organisations and those they administer.
    pub(super) fn into_record(
        self,
        organisationer: Vec<OrganisationId>,
        administrerede: Vec<OrganisationId>,
    ) -> Result<UserRecord> {
        Ok(UserRecord {
            id: UserId(self.id),
            username: self.brugernavn,
            display_name: self.navn,
            email: self.email,
            password_hash: self.password_hash,
            role: parsed("rolle", &self.rolle, Role::parse)?,
            kommune: self.kommunekode.map(|k| checked("kommunekode", k)).transpose()?,
            organisationer,
            administrerede,
            disabled: self.deaktiveret,
            created_at: self.oprettet,
            ekstern_id: self.ekstern_id,
            cvr: stored_cvr(self.bruger_cvr)?,
            last_login: self.sidste_login,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    token_hash: String,
    bruger_id: i64,
    csrf_token: String,
    session_oprettet: DateTime<Utc>,
    udloeber: DateTime<Utc>,
    id_token: Option<String>,
}

impl From<SessionRow> for SessionRecord {
    fn from(r: SessionRow) -> Self {
        SessionRecord {
            token_hash: r.token_hash,
            user_id: UserId(r.bruger_id),
            csrf_token: r.csrf_token,
            created_at: r.session_oprettet,
            expires_at: r.udloeber,
            id_token: r.id_token,
        }
    }
}

pub(super) const API_NOEGLE_COLUMNS: &str = "k.id AS noegle_id, k.bruger_id, k.navn AS noegle_navn, k.token_hash, k.oprettet AS noegle_oprettet, k.udloeber, \
     k.tilbagekaldt";

#[derive(sqlx::FromRow)]
pub(super) struct ApiNoegleRow {
    noegle_id: i64,
    bruger_id: i64,
    noegle_navn: String,
    token_hash: String,
    noegle_oprettet: DateTime<Utc>,
    udloeber: DateTime<Utc>,
    tilbagekaldt: Option<DateTime<Utc>>,
}

impl From<ApiNoegleRow> for ApiNoegleRecord {
    fn from(r: ApiNoegleRow) -> Self {
        ApiNoegleRecord {
            id: ApiNoegleId(r.noegle_id),
            noegle: NewApiNoegle {
                bruger: UserId(r.bruger_id),
                navn: r.noegle_navn,
                token_hash: r.token_hash,
                oprettet: r.noegle_oprettet,
                udloeber: r.udloeber,
            },
            tilbagekaldt: r.tilbagekaldt,
        }
    }
}

/// A package with its organisation and its progress (the read model kept on the row).
pub(super) const PAKKE_SELECT: &str = "SELECT p.id, p.organisation_id, o.nummer, o.navn, o.hjemstedskommune, \
     p.styringsaar, p.rapporttype, p.periode_start, p.periode_slut, p.status, p.frist, p.oprettet, p.opdateret, \
     p.revision, p.foerst_indsendt, p.for_sent, p.moede_indkaldt, p.moede_afholdt, p.redegoerelse_revisioner, p.trin_frist, p.nye_bemaerkninger, p.aendring, \
     p.rapport_fra, p.rapport_til, p.ikke_modtaget FROM pakker p JOIN organisationer o ON o.id = p.organisation_id";

/// A package with one of the kommuner it was sent to (none for a draft).
#[derive(sqlx::FromRow)]
pub(super) struct PakkeMedModtagerRow {
    pub(super) modtager: Option<i64>,
    #[sqlx(flatten)]
    pub(super) pakke: PakkeRow,
}

#[derive(sqlx::FromRow)]
pub(super) struct PakkeRow {
    id: i64,
    organisation_id: i64,
    nummer: i64,
    navn: String,
    hjemstedskommune: i64,
    styringsaar: i64,
    rapporttype: String,
    periode_start: NaiveDate,
    periode_slut: NaiveDate,
    status: String,
    frist: Option<NaiveDate>,
    oprettet: DateTime<Utc>,
    opdateret: DateTime<Utc>,
    revision: i64,
    foerst_indsendt: Option<DateTime<Utc>>,
    for_sent: Option<bool>,
    moede_indkaldt: Option<DateTime<Utc>>,
    moede_afholdt: Option<NaiveDate>,
    redegoerelse_revisioner: i64,
    trin_frist: Option<NaiveDate>,
    nye_bemaerkninger: i64,
    aendring: i64,
    rapport_fra: Option<NaiveDate>,
    rapport_til: Option<NaiveDate>,
    ikke_modtaget: Option<DateTime<Utc>>,
}

impl TryFrom<PakkeRow> for PakkeForloeb {
    type Error = StoreError;
    fn try_from(r: PakkeRow) -> Result<Self> {
        Ok(PakkeForloeb {
            pakke: PakkeRecord {
                id: PakkeId(r.id),
                organisation: OrganisationId(r.organisation_id),
                organisation_nummer: checked::<OrganisationNummer, _>("organisationsnummer", r.nummer)?,
                organisation_navn: r.navn,
                hjemstedskommune: checked::<Kommunekode, _>("kommunekode", r.hjemstedskommune)?,
                styringsaar: checked::<Styringsaar, _>("styringsår", r.styringsaar)?,
                rapporttype: parsed("rapporttype", &r.rapporttype, Rapporttype::parse)?,
                periode: Regnskabsperiode::new(r.periode_start, r.periode_slut)
                    .map_err(|e| StoreError::corrupt("periode", e))?,
                status: parsed("status", &r.status, PakkeStatus::parse)?,
                frist: r.frist,
                created_at: r.oprettet,
                updated_at: r.opdateret,
                revision: Revision(r.revision),
                rapportperiode: match (r.rapport_fra, r.rapport_til) {
                    (Some(fra), Some(til)) => Some(
                        domain::period::Rapportperiode::new(fra, til)
                            .map_err(|e| StoreError::corrupt("rapportperiode", e))?,
                    ),
                    _ => None,
                },
                ikke_modtaget: r.ikke_modtaget,
            },
            foerst_indsendt: r.foerst_indsendt,
            for_sent: r.for_sent,
            moede_indkaldt: r.moede_indkaldt,
            moede_afholdt: r.moede_afholdt,
            redegoerelse_revisioner: r.redegoerelse_revisioner,
            trin_frist: r.trin_frist,
            nye_bemaerkninger: r.nye_bemaerkninger,
            aendring: r.aendring,
        })
    }
}

impl TryFrom<PakkeRow> for PakkeRecord {
    type Error = StoreError;
    fn try_from(r: PakkeRow) -> Result<Self> {
        PakkeForloeb::try_from(r).map(|f| f.pakke)
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct VersionRow {
    pakke_id: i64,
    version: i64,
    indsendt_af: i64,
    indsendt: DateTime<Utc>,
    for_sent: bool,
    bilag: String,
    bestyrelse_godkendt: Option<NaiveDate>,
    supplement: Option<String>,
}

impl TryFrom<VersionRow> for VersionRecord {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> Result<Self> {
        Ok(VersionRecord {
            pakke: PakkeId(r.pakke_id),
            version: r.version,
            submitted_by: UserId(r.indsendt_af),
            submitted_at: r.indsendt,
            late: r.for_sent,
            bilag: from_json("bilag", &r.bilag)?,
            bestyrelse_godkendt: r.bestyrelse_godkendt,
            supplement: r.supplement,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct HaendelseRow {
    id: i64,
    pakke_id: i64,
    fra: String,
    til: String,
    haendelse: String,
    af: i64,
    af_navn: String,
    tidspunkt: DateTime<Utc>,
    begrundelse: Option<String>,
    frist: Option<NaiveDate>,
}

impl TryFrom<HaendelseRow> for HaendelseRecord {
    type Error = StoreError;
    fn try_from(r: HaendelseRow) -> Result<Self> {
        Ok(HaendelseRecord {
            id: r.id,
            pakke: PakkeId(r.pakke_id),
            from: parsed("status", &r.fra, PakkeStatus::parse)?,
            to: parsed("status", &r.til, PakkeStatus::parse)?,
            haendelse: parsed("hændelse", &r.haendelse, PakkeHaendelse::parse)?,
            by: UserId(r.af),
            by_name: r.af_navn,
            at: r.tidspunkt,
            begrundelse: r.begrundelse,
            frist: r.frist,
        })
    }
}

pub(super) const BILAG_COLUMNS: &str =
    "id, pakke_id, art, filnavn, mime, stoerrelse, sha256, uploadet_af, uploadet, erstattet";

#[derive(sqlx::FromRow)]
pub(super) struct BilagRow {
    id: i64,
    pakke_id: i64,
    art: String,
    filnavn: String,
    mime: String,
    stoerrelse: i64,
    sha256: String,
    uploadet_af: i64,
    uploadet: DateTime<Utc>,
    erstattet: Option<DateTime<Utc>>,
}

impl From<BilagRow> for BilagRecord {
    fn from(r: BilagRow) -> Self {
        BilagRecord {
            id: BilagId(r.id),
            pakke: PakkeId(r.pakke_id),
            art: r.art,
            filnavn: r.filnavn,
            mime: r.mime,
            stoerrelse: r.stoerrelse,
            sha256: r.sha256,
            uploaded_by: UserId(r.uploadet_af),
            uploaded_at: r.uploadet,
            erstattet: r.erstattet,
        }
    }
}

pub(super) const MAIL_SELECT: &str = "SELECT id, reference, til, emne, tekst, oprettet, vedhaeftning_navn, \
     vedhaeftning, vedhaeftning_art, sendt, afsendes, forsoeg, sidste_fejl FROM udbakke";

#[derive(sqlx::FromRow)]
pub(super) struct MailRow {
    id: i64,
    reference: String,
    til: String,
    emne: String,
    tekst: String,
    oprettet: DateTime<Utc>,
    vedhaeftning_navn: Option<String>,
    vedhaeftning: Option<String>,
    vedhaeftning_art: Option<String>,
    sendt: Option<DateTime<Utc>>,
    afsendes: Option<DateTime<Utc>>,
    forsoeg: i64,
    sidste_fejl: Option<String>,
}

impl From<MailRow> for MailRecord {
    fn from(r: MailRow) -> Self {
        MailRecord {
            id: MailId(r.id),
            mail: NewMail {
                reference: r.reference,
                til: r.til,
                emne: r.emne,
                tekst: r.tekst,
                oprettet: r.oprettet,
                vedhaeftning: r.vedhaeftning_navn.zip(r.vedhaeftning).map(|(navn, indhold)| Vedhaeftning {
                    navn,
                    indhold,
                    // Rows from before the column were calendar files.
                    art: r.vedhaeftning_art.as_deref().and_then(VedhaeftningArt::parse).unwrap_or_default(),
                }),
            },
            sendt: r.sendt,
            afsendes: r.afsendes,
            forsoeg: r.forsoeg,
            sidste_fejl: r.sidste_fejl,
        }
    }
}

pub(super) const MOEDE_SELECT: &str = "SELECT id, pakke_id, dato, deltagere, registreret_af, registreret, \
     dialogmoede_id, bilateral, kommunekode FROM moeder";

#[derive(sqlx::FromRow)]
pub(super) struct MoedeRow {
    id: i64,
    pakke_id: i64,
    dato: NaiveDate,
    deltagere: String,
    registreret_af: i64,
    registreret: DateTime<Utc>,
    dialogmoede_id: Option<i64>,
    bilateral: bool,
    kommunekode: Option<i64>,
}

impl TryFrom<MoedeRow> for MoedeRecord {
    type Error = StoreError;
    fn try_from(r: MoedeRow) -> Result<Self> {
        Ok(MoedeRecord {
            id: r.id,
            pakke: PakkeId(r.pakke_id),
            dato: r.dato,
            deltagere: r.deltagere,
            registered_by: UserId(r.registreret_af),
            registered_at: r.registreret,
            dialogmoede: r.dialogmoede_id.map(DialogmoedeId),
            bilateral: r.bilateral,
            kommune: r.kommunekode.map(|k| checked("kommunekode", k)).transpose()?,
        })
    }
}

pub(super) const DIALOGMOEDE_SELECT: &str = "SELECT id, kommunekode, styringsaar, starter, varighed_minutter, sted, \
     deltagere, kommuner, dagsorden, brev, indkaldt_af, indkaldt FROM dialogmoeder";

#[derive(sqlx::FromRow)]
pub(super) struct DialogmoedeRow {
    id: i64,
    kommunekode: i64,
    styringsaar: i64,
    starter: DateTime<Utc>,
    varighed_minutter: i64,
    sted: String,
    deltagere: String,
    kommuner: String,
    dagsorden: String,
    brev: String,
    indkaldt_af: i64,
    indkaldt: DateTime<Utc>,
}

impl DialogmoedeRow {
    pub(super) fn id(&self) -> DialogmoedeId {
        DialogmoedeId(self.id)
    }

    /// The record, with the packages the meeting covers and its changes (oldest first): its
    /// time and place are those of the newest change.
    pub(super) fn into_record(
        self,
        pakker: Vec<PakkeId>,
        aendringer: Vec<DialogmoedeAendring>,
    ) -> Result<DialogmoedeRecord> {
        let kommuner: Vec<i64> = from_json("kommuner", &self.kommuner)?;
        let (starter, varighed_minutter, sted) = match aendringer.last() {
            Some(a) => (a.starter, a.varighed_minutter, a.sted.clone()),
            None => (self.starter, self.varighed_minutter, self.sted),
        };
        Ok(DialogmoedeRecord {
            id: DialogmoedeId(self.id),
            aendringer,
            moede: NewDialogmoede {
                kommune: checked("kommunekode", self.kommunekode)?,
                styringsaar: checked("styringsår", self.styringsaar)?,
                starter,
                varighed_minutter,
                sted,
                deltagere: self.deltagere,
                kommuner: kommuner.into_iter().map(|k| checked("kommunekode", k)).collect::<Result<_>>()?,
                dagsorden: self.dagsorden,
                brev: self.brev,
                pakker,
                by: UserId(self.indkaldt_af),
                at: self.indkaldt,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct RedegoerelseRow {
    pakke_id: i64,
    revision: i64,
    tekst: String,
    gemt_af: i64,
    gemt: DateTime<Utc>,
    offentliggjort: Option<DateTime<Utc>>,
}

impl TryFrom<RedegoerelseRow> for RedegoerelseRecord {
    type Error = StoreError;
    fn try_from(r: RedegoerelseRow) -> Result<Self> {
        Ok(RedegoerelseRecord {
            pakke: PakkeId(r.pakke_id),
            revision: Revision(r.revision),
            tekst: from_json("redegørelse", &r.tekst)?,
            saved_by: UserId(r.gemt_af),
            saved_at: r.gemt,
            published_at: r.offentliggjort,
        })
    }
}

pub(super) const AFTALE_SELECT: &str = "SELECT a.id, a.pakke_id, a.organisation_id, a.kommunekode, a.oevrige_parter, \
     a.emne, a.beskrivelse, a.maalomraader, a.ansvarlig, a.frist, a.oprettet_af, a.oprettet, o.navn, p.styringsaar \
     FROM aftaler a JOIN organisationer o ON o.id = a.organisation_id JOIN pakker p ON p.id = a.pakke_id";

#[derive(sqlx::FromRow)]
pub(super) struct AftaleRow {
    id: i64,
    pakke_id: i64,
    organisation_id: i64,
    kommunekode: i64,
    oevrige_parter: String,
    emne: String,
    beskrivelse: String,
    maalomraader: String,
    ansvarlig: String,
    frist: Option<NaiveDate>,
    oprettet_af: i64,
    oprettet: DateTime<Utc>,
    navn: String,
    styringsaar: i64,
}

impl AftaleRow {
    pub(super) fn id(&self) -> AftaleId {
        AftaleId(self.id)
    }

    /// The record, with its status history (oldest first).
    pub(super) fn into_record(self, historik: Vec<AftaleStatusRecord>) -> Result<AftaleRecord> {
        Ok(AftaleRecord {
            id: AftaleId(self.id),
            aftale: NewAftale {
                pakke: PakkeId(self.pakke_id),
                organisation: OrganisationId(self.organisation_id),
                kommune: checked("kommunekode", self.kommunekode)?,
                oevrige_parter: self.oevrige_parter,
                emne: self.emne,
                beskrivelse: self.beskrivelse,
                maalomraader: from_json("målområder", &self.maalomraader)?,
                ansvarlig: self.ansvarlig,
                frist: self.frist,
                by: UserId(self.oprettet_af),
                at: self.oprettet,
            },
            organisation_navn: self.navn,
            styringsaar: checked("styringsår", self.styringsaar)?,
            historik,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AftaleStatusRow {
    pub(super) aftale_id: i64,
    status: String,
    bemaerkning: String,
    af: i64,
    tidspunkt: DateTime<Utc>,
}

impl TryFrom<AftaleStatusRow> for AftaleStatusRecord {
    type Error = StoreError;
    fn try_from(r: AftaleStatusRow) -> Result<Self> {
        Ok(AftaleStatusRecord {
            status: parsed("aftalestatus", &r.status, domain::redegoerelse::AftaleStatus::parse)?,
            bemaerkning: r.bemaerkning,
            by: UserId(r.af),
            at: r.tidspunkt,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct VaerdiRow {
    niveau: String,
    enhed_id: i64,
    noegletal: String,
    boligtype: String,
    vaerdi: f64,
    sammenligning: Option<f64>,
    markering: Option<String>,
}

pub(super) const VAERDI_COLUMNS: &str =
    "v.niveau, v.enhed_id, v.noegletal, v.boligtype, v.vaerdi, v.sammenligning, v.markering";

impl TryFrom<VaerdiRow> for domain::beregning::Vaerdi {
    type Error = StoreError;
    fn try_from(r: VaerdiRow) -> Result<Self> {
        use domain::beregning::{Markering, Niveau};
        Ok(domain::beregning::Vaerdi {
            noegletal: r.noegletal,
            niveau: parsed("niveau", &r.niveau, Niveau::parse)?,
            enhed_id: r.enhed_id,
            // An empty type is a figure for all housing types together.
            boligtype: Boligtype::parse(&r.boligtype),
            vaerdi: r.vaerdi,
            sammenligning: r.sammenligning,
            markering: r.markering.map(|m| parsed("markering", &m, Markering::parse)).transpose()?,
        })
    }
}

pub(super) const EFFEKTIVITET_COLUMNS: &str =
    "e.afdeling_id, e.gruppe, e.peers, e.effektivitetstal, e.bedste_praksis_id, e.potentiale_kr, e.farve";

#[derive(sqlx::FromRow)]
pub(super) struct EffektivitetRow {
    afdeling_id: i64,
    gruppe: String,
    peers: i64,
    effektivitetstal: f64,
    bedste_praksis_id: i64,
    potentiale_kr: f64,
    farve: String,
}

impl TryFrom<EffektivitetRow> for domain::beregning::Effektivitet {
    type Error = StoreError;
    fn try_from(r: EffektivitetRow) -> Result<Self> {
        Ok(domain::beregning::Effektivitet {
            afdeling: AfdelingId(r.afdeling_id),
            gruppe: r.gruppe,
            peers: count("peers", r.peers)?,
            effektivitetstal: r.effektivitetstal,
            bedste_praksis: AfdelingId(r.bedste_praksis_id),
            potentiale_kr: r.potentiale_kr,
            farve: parsed("farve", &r.farve, domain::effektivitet::Farve::parse)?,
        })
    }
}

/// An (organisation number, afdeling number) pair read beside a figure.
pub(super) fn numre(organisation: i64, afdeling: i64) -> Result<(OrganisationNummer, AfdelingNummer)> {
    Ok((checked("organisationsnummer", organisation)?, checked("afdelingsnummer", afdeling)?))
}

pub(super) const AENDRING_COLUMNS: &str =
    "moede_id, sekvens, art, starter, varighed_minutter, sted, begrundelse, brev, af, tidspunkt";

#[derive(sqlx::FromRow)]
pub(super) struct AendringRow {
    pub(super) moede_id: i64,
    sekvens: i64,
    art: String,
    starter: DateTime<Utc>,
    varighed_minutter: i64,
    sted: String,
    begrundelse: String,
    brev: String,
    af: i64,
    tidspunkt: DateTime<Utc>,
}

impl AendringRow {
    pub(super) fn into_record(self) -> Result<DialogmoedeAendring> {
        Ok(DialogmoedeAendring {
            moede: DialogmoedeId(self.moede_id),
            sekvens: self.sekvens,
            art: parsed("mødeændring", &self.art, MoedeAendringsArt::parse)?,
            starter: self.starter,
            varighed_minutter: self.varighed_minutter,
            sted: self.sted,
            begrundelse: self.begrundelse,
            brev: self.brev,
            by: UserId(self.af),
            at: self.tidspunkt,
        })
    }
}
