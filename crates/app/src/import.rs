//! Importing accounts and register data (issue: the computing core). An import is checked
//! whole before anything is written: every error names the file, row, column, the value
//! found and what was expected; then all rows are written in one transaction, or none.
//! Rows are upserted by their key, so importing the same file again changes nothing.

use crate::{App, AppError, FieldError, SessionUser};
use domain::access::Tilladelse;
use domain::master::Boligtype;
use domain::noegletal::OrganisationPost;
use domain::reference::kontoplan;
use domain::registre::{AfdelingKontoRaekke, KlageKategori, Udlejningsredskab};
use domain::{AfdelingNummer, Kommunekode, OrganisationNummer, Styringsaar};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use store::import::{self, Felt, ImportRaekke, Tabel};
use tabular::{Row, Table, TableError};

/// At most this many errors are reported from one file; the first ones are enough to fix.
const MAX_ERRORS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportArt {
    Afdelingsregnskab,
    Organisationsregnskab,
    Boligtal,
    Udlejning,
    Klager,
    Arbejdsmarked,
    KommuneArbejdsmarked,
}

impl ImportArt {
    pub const ALL: [ImportArt; 7] = [
        ImportArt::Afdelingsregnskab,
        ImportArt::Organisationsregnskab,
        ImportArt::Boligtal,
        ImportArt::Udlejning,
        ImportArt::Klager,
        ImportArt::Arbejdsmarked,
        ImportArt::KommuneArbejdsmarked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportArt::Afdelingsregnskab => "afdelingsregnskab",
            ImportArt::Organisationsregnskab => "organisationsregnskab",
            ImportArt::Boligtal => "boligtal",
            ImportArt::Udlejning => "udlejning",
            ImportArt::Klager => "klager",
            ImportArt::Arbejdsmarked => "arbejdsmarked",
            ImportArt::KommuneArbejdsmarked => "kommune-arbejdsmarked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportArt::Afdelingsregnskab => "Afdelingernes regnskaber (pr. konto)",
            ImportArt::Organisationsregnskab => "Organisationernes regnskaber",
            ImportArt::Boligtal => "Fraflytninger, ledige boliger og leje pr. boligtype",
            ImportArt::Udlejning => "Udlejninger pr. udlejningsredskab",
            ImportArt::Klager => "Sager i beboerklagenævnet",
            ImportArt::Arbejdsmarked => "Arbejdsmarkedstilknytning pr. afdeling",
            ImportArt::KommuneArbejdsmarked => "Arbejdsmarkedstilknytning pr. kommune",
        }
    }

    /// The file's columns, in the order the format documents them.
    pub fn kolonner(self) -> &'static [&'static str] {
        match self {
            ImportArt::Afdelingsregnskab => &["organisation", "afdeling", "konto", "beloeb"],
            ImportArt::Organisationsregnskab => &["organisation", "post", "beloeb"],
            ImportArt::Boligtal => {
                &["organisation", "afdeling", "boligtype", "fraflytninger", "ledige", "aarsleje_pr_m2"]
            }
            ImportArt::Udlejning => &["organisation", "kommune", "redskab", "antal"],
            ImportArt::Klager => &["organisation", "kategori", "afgjorte", "tabte"],
            ImportArt::Arbejdsmarked => &["organisation", "afdeling", "uden_for_procent"],
            ImportArt::KommuneArbejdsmarked => &["kommune", "uden_for_procent"],
        }
    }

    fn tabel(self) -> Tabel {
        match self {
            ImportArt::Afdelingsregnskab => import::AFDELING_KONTI,
            ImportArt::Organisationsregnskab => import::ORGANISATION_POSTER,
            ImportArt::Boligtal => import::BOLIGTAL,
            ImportArt::Udlejning => import::UDLEJNINGER,
            ImportArt::Klager => import::BEBOERKLAGER,
            ImportArt::Arbejdsmarked => import::ARBEJDSMARKED,
            ImportArt::KommuneArbejdsmarked => import::KOMMUNE_ARBEJDSMARKED,
        }
    }
}

/// What an import did, or with `dry_run` would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRapport {
    pub fil: String,
    pub art: ImportArt,
    pub styringsaar: Styringsaar,
    pub raekker: usize,
    pub nye: usize,
    pub aendrede: usize,
    pub uaendrede: usize,
    pub dry_run: bool,
}

/// The columns of lettings known per afdeling: the `udlejning` format with `afdeling` in place
/// of `kommune` (a `kommune` column may stay, and must then be the afdeling's).
const UDLEJNING_PR_AFDELING: [&str; 4] = ["organisation", "afdeling", "redskab", "antal"];

/// Looks up numbers in the master data, once per import.
struct Opslag {
    organisationer: HashMap<OrganisationNummer, i64>,
    afdelinger: HashMap<(OrganisationNummer, AfdelingNummer), i64>,
    /// Each afdeling's kommune (read only for lettings per afdeling).
    afdeling_kommuner: HashMap<i64, Kommunekode>,
    kommuner: HashSet<Kommunekode>,
    konti: HashSet<String>,
}

impl Opslag {
    fn organisation(&self, t: &Table, r: &Row, c: usize) -> Result<(OrganisationNummer, i64), TableError> {
        let raw = t.integer(r, c)?;
        let nr = OrganisationNummer::new(raw)
            .map_err(|_| t.cell_error(r, c, format!("fandt «{raw}», forventede et organisationsnummer")))?;
        let id = self
            .organisationer
            .get(&nr)
            .ok_or_else(|| t.cell_error(r, c, format!("organisation {nr} findes ikke i stamdata")))?;
        Ok((nr, *id))
    }

    fn afdeling(&self, t: &Table, r: &Row, org: OrganisationNummer, c: usize) -> Result<i64, TableError> {
        let raw = t.integer(r, c)?;
        let nr = AfdelingNummer::new(raw)
            .map_err(|_| t.cell_error(r, c, format!("fandt «{raw}», forventede et afdelingsnummer")))?;
        self.afdelinger
            .get(&(org, nr))
            .copied()
            .ok_or_else(|| t.cell_error(r, c, format!("afdeling {nr} i organisation {org} findes ikke i stamdata")))
    }

    fn kommune(&self, t: &Table, r: &Row, c: usize) -> Result<i64, TableError> {
        let raw = t.integer(r, c)?;
        Kommunekode::new(raw)
            .ok()
            .filter(|k| self.kommuner.contains(k))
            .map(i64::from)
            .ok_or_else(|| t.cell_error(r, c, format!("fandt «{raw}», forventede en kommunekode som 101 eller 851")))
    }
}

fn kr_to_oere(t: &Table, r: &Row, c: usize) -> Result<i64, TableError> {
    Ok((t.number(r, c)? * 100.0).round() as i64)
}

fn count(t: &Table, r: &Row, c: usize) -> Result<i64, TableError> {
    let v = t.integer(r, c)?;
    if v < 0 {
        return Err(t.cell_error(r, c, format!("fandt «{v}», forventede et antal på 0 eller derover")));
    }
    Ok(v)
}

fn choice<T>(t: &Table, r: &Row, c: usize, parse: impl Fn(&str) -> Option<T>, allowed: &str) -> Result<T, TableError> {
    let raw = t.text(r, c)?;
    parse(&raw.to_lowercase()).ok_or_else(|| t.cell_error(r, c, format!("fandt «{raw}», forventede en af: {allowed}")))
}

fn percent_to_promille(t: &Table, r: &Row, c: usize) -> Result<i64, TableError> {
    let v = t.number(r, c)?;
    if !(0.0..=100.0).contains(&v) {
        return Err(t.cell_error(r, c, format!("fandt «{}», forventede en procent mellem 0 og 100", r.cells[c])));
    }
    Ok((v * 10.0).round() as i64)
}

/// One row of lettings per afdeling, checked: the afdeling exists, and lies in the row's
/// kommune when the file has one.
fn parse_udlejning_pr_afdeling(
    t: &Table,
    r: &Row,
    cols: &[usize],
    kommune: Option<usize>,
    o: &Opslag,
) -> Result<ImportRaekke, TableError> {
    let (nr, _) = o.organisation(t, r, cols[0])?;
    let afd = o.afdeling(t, r, nr, cols[1])?;
    if let Some(c) = kommune {
        let angivet = o.kommune(t, r, c)?;
        if let Some(k) = o.afdeling_kommuner.get(&afd).filter(|k| i64::from(**k) != angivet) {
            return Err(t.cell_error(
                r,
                c,
                format!("fandt «{angivet}», forventede afdelingens kommune {k} (eller ingen kommune-kolonne)"),
            ));
        }
    }
    let allowed = Udlejningsredskab::ALL.map(|u| u.as_str()).join(", ");
    let redskab = choice(t, r, cols[2], Udlejningsredskab::parse, &allowed)?;
    Ok(ImportRaekke {
        noegle: vec![Felt::Tal(afd), Felt::Tekst(redskab.as_str().into())],
        vaerdier: vec![count(t, r, cols[3])?],
    })
}

/// One file row as a table row, checked.
fn parse_row(art: ImportArt, t: &Table, r: &Row, cols: &[usize], o: &Opslag) -> Result<ImportRaekke, TableError> {
    let names = |all: &[&str]| all.join(", ");
    let row = match art {
        ImportArt::Afdelingsregnskab => {
            let (nr, _) = o.organisation(t, r, cols[0])?;
            let afd = o.afdeling(t, r, nr, cols[1])?;
            let konto = t.text(r, cols[2])?.to_string();
            if !o.konti.contains(&konto) {
                return Err(t.cell_error(
                    r,
                    cols[2],
                    format!("fandt «{konto}», forventede et kontonummer fra kontoplanen, fx 109 eller 112.1"),
                ));
            }
            ImportRaekke {
                noegle: vec![Felt::Tal(afd), Felt::Tekst(konto)],
                vaerdier: vec![kr_to_oere(t, r, cols[3])?],
            }
        }
        ImportArt::Organisationsregnskab => {
            let (_, org) = o.organisation(t, r, cols[0])?;
            let allowed = names(&OrganisationPost::ALL.map(|p| p.as_str()));
            let post = choice(t, r, cols[1], OrganisationPost::parse, &allowed)?;
            ImportRaekke {
                noegle: vec![Felt::Tal(org), Felt::Tekst(post.as_str().into())],
                vaerdier: vec![kr_to_oere(t, r, cols[2])?],
            }
        }
        ImportArt::Boligtal => {
            let (nr, _) = o.organisation(t, r, cols[0])?;
            let afd = o.afdeling(t, r, nr, cols[1])?;
            let boligtype = choice(t, r, cols[2], Boligtype::parse, "familie, aeldre, ungdom")?;
            ImportRaekke {
                noegle: vec![Felt::Tal(afd), Felt::Tekst(boligtype.as_str().into())],
                vaerdier: vec![count(t, r, cols[3])?, count(t, r, cols[4])?, kr_to_oere(t, r, cols[5])?],
            }
        }
        ImportArt::Udlejning => {
            let (_, org) = o.organisation(t, r, cols[0])?;
            let kommune = o.kommune(t, r, cols[1])?;
            let allowed = names(&Udlejningsredskab::ALL.map(|u| u.as_str()));
            let redskab = choice(t, r, cols[2], Udlejningsredskab::parse, &allowed)?;
            ImportRaekke {
                noegle: vec![Felt::Tal(org), Felt::Tal(kommune), Felt::Tekst(redskab.as_str().into())],
                vaerdier: vec![count(t, r, cols[3])?],
            }
        }
        ImportArt::Klager => {
            let (_, org) = o.organisation(t, r, cols[0])?;
            let allowed = names(&KlageKategori::ALL.map(|k| k.as_str()));
            let kategori = choice(t, r, cols[1], KlageKategori::parse, &allowed)?;
            let (afgjorte, tabte) = (count(t, r, cols[2])?, count(t, r, cols[3])?);
            if tabte > afgjorte {
                return Err(t.cell_error(
                    r,
                    cols[3],
                    format!("fandt «{tabte}», forventede højst antallet af afgjorte sager ({afgjorte})"),
                ));
            }
            ImportRaekke {
                noegle: vec![Felt::Tal(org), Felt::Tekst(kategori.as_str().into())],
                vaerdier: vec![afgjorte, tabte],
            }
        }
        ImportArt::Arbejdsmarked => {
            let (nr, _) = o.organisation(t, r, cols[0])?;
            let afd = o.afdeling(t, r, nr, cols[1])?;
            ImportRaekke { noegle: vec![Felt::Tal(afd)], vaerdier: vec![percent_to_promille(t, r, cols[2])?] }
        }
        ImportArt::KommuneArbejdsmarked => {
            let kommune = o.kommune(t, r, cols[0])?;
            ImportRaekke { noegle: vec![Felt::Tal(kommune)], vaerdier: vec![percent_to_promille(t, r, cols[1])?] }
        }
    };
    Ok(row)
}

impl App {
    /// Imports one file of one kind for a styringsår. `actor` is `None` for the command line.
    pub async fn import(
        &self,
        actor: Option<&SessionUser>,
        art: ImportArt,
        aar: Styringsaar,
        table: &Table,
        dry_run: bool,
    ) -> Result<ImportRapport, AppError> {
        if actor.is_some_and(|u| !u.principal.may(Tilladelse::Styrelse)) {
            return Err(AppError::Forbidden);
        }
        let invalid = |e: TableError| FieldError { field: "fil".into(), message: e.to_string() };
        // Lettings with an `afdeling` column are known per afdeling (section V); the kommune
        // totals then follow as their sums.
        let pr_afdeling = art == ImportArt::Udlejning && table.column("afdeling").is_some();
        let kolonner: &[&str] = if pr_afdeling { &UDLEJNING_PR_AFDELING } else { art.kolonner() };
        let cols = table.require(kolonner).map_err(|e| AppError::Invalid(vec![invalid(e)]))?;
        let afdeling_kommuner = if pr_afdeling {
            self.store.alle_afdelinger().await?.into_iter().map(|a| (a.id.0, a.data.kommune)).collect()
        } else {
            HashMap::new()
        };
        let opslag = Opslag {
            afdeling_kommuner,
            organisationer: self.store.organisationer().await?.into_iter().map(|o| (o.nummer, o.id.0)).collect(),
            afdelinger: self.store.afdeling_index().await?.into_iter().map(|(o, a, id)| ((o, a), id.0)).collect(),
            kommuner: self.kommuner().await?.iter().map(|k| k.kode).collect(),
            konti: kontoplan()
                .iter()
                .map(|k| k.nummer.clone())
                .chain([AfdelingKontoRaekke::OPSPAREDE_HENLAEGGELSER.to_string()])
                .collect(),
        };
        let mut rows = Vec::with_capacity(table.rows.len());
        let mut errors = Vec::new();
        let mut first_row: HashMap<Vec<Felt>, usize> = HashMap::new();
        for r in &table.rows {
            let parsed = if pr_afdeling {
                parse_udlejning_pr_afdeling(table, r, &cols, table.column("kommune"), &opslag)
            } else {
                parse_row(art, table, r, &cols, &opslag)
            };
            match parsed {
                Ok(row) => {
                    if let Some(first) = first_row.insert(row.noegle.clone(), r.number) {
                        errors.push(invalid(TableError::Row {
                            file: table.file.clone(),
                            row: r.number,
                            message: format!("samme nøgle som række {first}; hver række må kun optræde én gang"),
                        }));
                    }
                    rows.push(row);
                }
                Err(e) => errors.push(invalid(e)),
            }
            if errors.len() >= MAX_ERRORS {
                break;
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }

        let tabel = if pr_afdeling { import::AFDELING_UDLEJNINGER } else { art.tabel() };
        let existing = self.store.import_existing(tabel, aar).await?;
        let (mut nye, mut aendrede) = (0, 0);
        let changed: Vec<ImportRaekke> = rows
            .iter()
            .filter(|r| match existing.get(&r.noegle) {
                None => {
                    nye += 1;
                    true
                }
                Some(v) if *v != r.vaerdier => {
                    aendrede += 1;
                    true
                }
                Some(_) => false,
            })
            .cloned()
            .collect();
        let rapport = ImportRapport {
            fil: table.file.clone(),
            art,
            styringsaar: aar,
            raekker: rows.len(),
            nye,
            aendrede,
            uaendrede: rows.len() - nye - aendrede,
            dry_run,
        };
        if !dry_run && !changed.is_empty() {
            let audit = self.audit(
                actor.map(|u| u.principal.user_id),
                "import",
                "styringsaar",
                aar.get(),
                json!({"art": art.as_str(), "fil": table.file, "raekker": rapport.raekker, "nye": nye, "aendrede": aendrede}),
            );
            self.store.import_upsert(tabel, aar, &changed, &audit).await?;
        }
        Ok(rapport)
    }
}

/// What a CVR import did, or with `dry_run` would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CvrRapport {
    pub fil: String,
    pub raekker: usize,
    pub aendrede: usize,
    pub dry_run: bool,
}

/// The columns of a CVR file: `type` (organisation or kommune), `nummer` (organisationsnummer
/// or kommunekode) and `cvr` (eight digits; empty removes the number).
const CVR_KOLONNER: [&str; 3] = ["type", "nummer", "cvr"];

impl App {
    /// Imports the CVR numbers of organisations and kommuner, which map national logins to
    /// them. Checked whole first (every error names row and column), then written in one
    /// transaction, or nothing is. A CVR number may belong to one organisation or kommune.
    pub async fn import_cvr(
        &self,
        actor: Option<&SessionUser>,
        table: &Table,
        dry_run: bool,
    ) -> Result<CvrRapport, AppError> {
        if actor.is_some_and(|u| !u.principal.may(Tilladelse::Styrelse)) {
            return Err(AppError::Forbidden);
        }
        let invalid = |e: TableError| FieldError { field: "fil".into(), message: e.to_string() };
        let cols = table.require(&CVR_KOLONNER).map_err(|e| AppError::Invalid(vec![invalid(e)]))?;
        let organisationer: HashMap<OrganisationNummer, domain::master::Organisation> =
            self.store.organisationer().await?.into_iter().map(|o| (o.nummer, o)).collect();
        let kommuner: HashMap<Kommunekode, domain::master::Kommune> =
            self.kommuner().await?.iter().map(|k| (k.kode, k.clone())).collect();

        #[derive(PartialEq, Eq, Hash, Clone, Copy)]
        enum Ejer {
            Organisation(OrganisationNummer),
            Kommune(Kommunekode),
        }
        let mut errors = Vec::new();
        let mut rows: Vec<(Ejer, Option<domain::Cvr>)> = Vec::new();
        let mut ejer_raekke: HashMap<Ejer, usize> = HashMap::new();
        let mut cvr_raekke: HashMap<domain::Cvr, usize> = HashMap::new();
        for r in &table.rows {
            let row = (|| -> Result<(Ejer, Option<domain::Cvr>), TableError> {
                let art = choice(
                    table,
                    r,
                    cols[0],
                    |s| match s {
                        "organisation" => Some(true),
                        "kommune" => Some(false),
                        _ => None,
                    },
                    "organisation, kommune",
                )?;
                let raw = table.integer(r, cols[1])?;
                let ejer = if art {
                    let nr = OrganisationNummer::new(raw).ok().filter(|n| organisationer.contains_key(n)).ok_or_else(
                        || table.cell_error(r, cols[1], format!("organisation {raw} findes ikke i stamdata")),
                    )?;
                    Ejer::Organisation(nr)
                } else {
                    let kode = Kommunekode::new(raw).ok().filter(|k| kommuner.contains_key(k)).ok_or_else(|| {
                        table.cell_error(
                            r,
                            cols[1],
                            format!("fandt «{raw}», forventede en kommunekode som 101 eller 851"),
                        )
                    })?;
                    Ejer::Kommune(kode)
                };
                let tekst = r.cells.get(cols[2]).map(|c| c.trim()).unwrap_or_default();
                let cvr = if tekst.is_empty() {
                    None
                } else {
                    Some(tekst.parse::<domain::Cvr>().map_err(|_| {
                        table.cell_error(r, cols[2], format!("fandt «{tekst}», forventede et CVR-nummer på 8 cifre"))
                    })?)
                };
                Ok((ejer, cvr))
            })();
            match row {
                Ok((ejer, cvr)) => {
                    let mut dublet = |message: String| {
                        errors.push(invalid(TableError::Row { file: table.file.clone(), row: r.number, message }))
                    };
                    if let Some(first) = ejer_raekke.insert(ejer, r.number) {
                        dublet(format!("samme organisation eller kommune som række {first}"));
                    }
                    if let Some(c) = cvr
                        && let Some(first) = cvr_raekke.insert(c, r.number)
                    {
                        dublet(format!("CVR-nummer {c} står også i række {first}; et CVR-nummer hører til én"));
                    }
                    rows.push((ejer, cvr));
                }
                Err(e) => errors.push(invalid(e)),
            }
            if errors.len() >= MAX_ERRORS {
                break;
            }
        }
        // A number kept by a row the file does not change may not be given to another.
        let mut beholdt: HashMap<domain::Cvr, String> = HashMap::new();
        for o in organisationer.values().filter(|o| !ejer_raekke.contains_key(&Ejer::Organisation(o.nummer))) {
            if let Some(c) = o.cvr {
                beholdt.insert(c, format!("organisation {}", o.nummer));
            }
        }
        for k in kommuner.values().filter(|k| !ejer_raekke.contains_key(&Ejer::Kommune(k.kode))) {
            if let Some(c) = k.cvr {
                beholdt.insert(c, format!("{} Kommune", k.navn));
            }
        }
        for (c, raekke) in &cvr_raekke {
            if let Some(hvem) = beholdt.get(c) {
                errors.push(invalid(TableError::Row {
                    file: table.file.clone(),
                    row: *raekke,
                    message: format!("CVR-nummer {c} hører allerede til {hvem}"),
                }));
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.message.clone());
            return Err(AppError::Invalid(errors));
        }
        let mut org_changes = Vec::new();
        let mut kommune_changes = Vec::new();
        for (ejer, cvr) in &rows {
            match ejer {
                Ejer::Organisation(nr) => {
                    let o = &organisationer[nr];
                    if o.cvr != *cvr {
                        org_changes.push((o.id, *cvr));
                    }
                }
                Ejer::Kommune(kode) => {
                    if kommuner[kode].cvr != *cvr {
                        kommune_changes.push((*kode, *cvr));
                    }
                }
            }
        }
        let rapport = CvrRapport {
            fil: table.file.clone(),
            raekker: rows.len(),
            aendrede: org_changes.len() + kommune_changes.len(),
            dry_run,
        };
        if !dry_run && rapport.aendrede > 0 {
            let audit = self.audit(
                actor.map(|u| u.principal.user_id),
                "import",
                "cvr_numre",
                "",
                json!({"fil": table.file, "raekker": rapport.raekker, "aendrede": rapport.aendrede}),
            );
            self.store.set_cvr_numre(&org_changes, &kommune_changes, &audit).await?;
        }
        Ok(rapport)
    }
}
