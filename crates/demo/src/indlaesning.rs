//! Loading the national demo into a store: reference data, the generated dataset, the
//! computations, users for each role, and the packages with their history.

use app::{App, AppError, NewUserInput};
use domain::Styringsaar;
use domain::access::Role;
use domain::master::{Afdeling, Organisation, OrganisationId, OrganisationKind};
use domain::reference::kommuner_og_regioner;
use std::collections::BTreeSet;
use store::BulkData;

/// The password of every demo user. Printed at start; never use demo data in production.
pub const DEMO_PASSWORD: &str = "demo-styringsdialog";

/// A demo login to print for the newcomer.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub role: Role,
    pub description: String,
}

/// Seeds a national demo: reference data, the dataset, users for each role and the
/// packages of `styringsaar`. Refuses a non-empty database unless `force`, which first
/// empties it.
pub async fn seed_demo(
    app: &App,
    data: &BulkData,
    styringsaar: Styringsaar,
    force: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<DemoLogin>, AppError> {
    if !app.is_empty().await? {
        if !force {
            return Err(AppError::Conflict(
                "Databasen indeholder allerede data. Brug --force for at slette alt og indlæse demodata igen.".into(),
            ));
        }
        let audit = app.audit(None, "demo_nulstillet", "database", "", serde_json::json!({"via": "demo --force"}));
        app.store().reset(&audit).await?;
    }
    // Each phase's time is logged, so a slower demo load shows where it went.
    let mut fase = std::time::Instant::now();
    let mut tid = |navn: &str| {
        tracing::info!(fase = navn, ms = fase.elapsed().as_millis() as u64, "demodata");
        fase = std::time::Instant::now();
    };
    app.load_reference().await?;
    app.store().load_bulk(data, progress).await?;
    tid("stamdata og registre");
    // Every kommune gets a plausible CVR number, so national logins can be tried.
    let kommune_cvr: Vec<_> = app
        .store()
        .kommuner()
        .await?
        .into_iter()
        .map(|k| (k.kode, Some(domain::Cvr::i_serie(domain::Cvr::DEMO_KOMMUNER, u32::from(k.kode.get())))))
        .collect();
    let audit = app.audit(None, "demo_cvr", "kommuner", "", serde_json::json!({"antal": kommune_cvr.len()}));
    app.store().set_cvr_numre(&[], &kommune_cvr, &audit).await?;
    // Every year the data has accounts for, oldest first, so a year can fall back on the
    // benchmarks of the one before; the early warning reads the years behind.
    let aarene: BTreeSet<Styringsaar> =
        data.boligtal.iter().map(|b| b.styringsaar).filter(|a| *a <= styringsaar).collect();
    let aarene: Vec<Styringsaar> =
        aarene.iter().copied().chain(std::iter::once(styringsaar).filter(|a| !aarene.contains(a))).collect();
    for (aar, s) in aarene.iter().zip(app.beregn_aarene(&aarene).await?) {
        tracing::debug!(
            aar = aar.get(),
            laes_ms = s.load_ms,
            beregn_ms = s.compute_ms,
            gem_ms = s.store_ms,
            "demodata"
        );
    }
    tid("beregninger");
    let (logins, keep_open) = create_demo_users(app).await?;
    app.opret_pakker(None, styringsaar.previous()).await?;
    app.opret_pakker(None, styringsaar).await?;
    tid("brugere og pakker");
    crate::historik::seed_history(app, styringsaar, &keep_open).await?;
    tid("historik");
    // The history wrote tens of thousands of rows after the last analysis.
    app.store().refresh_statistics().await?;
    tid("statistik");
    Ok(logins)
}

/// Creates the demo users; returns them and the organisations whose packages stay open
/// for the newcomer to work on.
async fn create_demo_users(app: &App) -> Result<(Vec<DemoLogin>, BTreeSet<OrganisationId>), AppError> {
    let organisationer = app.store().organisationer().await?;
    let mut with_afdelinger: Vec<(Organisation, Vec<Afdeling>)> = Vec::new();
    for org in organisationer.iter().filter(|o| o.kind == OrganisationKind::EgneAfdelinger) {
        with_afdelinger.push((org.clone(), app.store().afdelinger(org.id).await?));
    }
    let outside = |(o, a): &(Organisation, Vec<Afdeling>)| a.iter().any(|x| x.data.kommune != o.hjemstedskommune);
    // A mid-sized, self-administered organisation with afdelinger in another kommune
    // shows routing to a beliggenhedskommune.
    let (boligorg, afdelinger) = with_afdelinger
        .iter()
        .filter(|x| x.0.administrator.is_none() && outside(x) && x.1.len() <= 60)
        .max_by_key(|x| (x.1.len(), std::cmp::Reverse(x.0.nummer)))
        .or_else(|| with_afdelinger.iter().max_by_key(|x| x.1.len()))
        .ok_or_else(|| AppError::internal_msg("demodata uden boligorganisationer"))?;
    let anden = with_afdelinger
        .iter()
        .find(|x| x.0.id != boligorg.id && x.0.hjemstedskommune != boligorg.hjemstedskommune)
        .ok_or_else(|| AppError::internal_msg("demodata med kun én boligorganisation"))?;
    let mut admin_counts = Vec::new();
    for org in organisationer.iter().filter(|o| o.kind == OrganisationKind::Administration) {
        admin_counts.push((app.store().administered_by(org.id).await?.len(), org.clone()));
    }
    let admorg = admin_counts.iter().max_by_key(|(n, o)| (*n, std::cmp::Reverse(o.nummer))).map(|(_, o)| o.clone());
    let beliggenhed: BTreeSet<_> =
        afdelinger.iter().map(|a| a.data.kommune).filter(|k| *k != boligorg.hjemstedskommune).collect();
    let kommune_navn = |kode| {
        let kommuner = kommuner_og_regioner().map(|(_, k)| k).unwrap_or_default();
        kommuner.into_iter().find(|k| k.kode == kode).map(|k| k.navn).unwrap_or_default()
    };

    let mut specs = vec![
        (
            "boligorg",
            Role::Organisation,
            None,
            vec![boligorg.nummer],
            "Anne Nielsen",
            format!("{} ({})", boligorg.navn, boligorg.nummer),
        ),
        (
            "andenorg",
            Role::Organisation,
            None,
            vec![anden.0.nummer],
            "Peter Madsen",
            format!("{} ({})", anden.0.navn, anden.0.nummer),
        ),
        (
            "kommune",
            Role::Kommune,
            Some(boligorg.hjemstedskommune),
            vec![],
            "Karen Holm",
            format!("{} Kommune (hjemstedskommune for boligorg)", kommune_navn(boligorg.hjemstedskommune)),
        ),
    ];
    if let Some(k) = beliggenhed.iter().next() {
        specs.push((
            "nabokommune",
            Role::Kommune,
            Some(*k),
            vec![],
            "Jens Lund",
            format!("{} Kommune (beliggenhedskommune)", kommune_navn(*k)),
        ));
    }
    if let Some(adm) = &admorg {
        specs.push((
            "admorg",
            Role::Organisation,
            None,
            vec![adm.nummer],
            "Lone Berg",
            format!("{} ({}), administrationsorganisation", adm.navn, adm.nummer),
        ));
    }
    specs.push(("styrelse", Role::Styrelse, None, vec![], "Søren Kjær", "Styrelsen (national administrator)".into()));

    let mut logins = Vec::new();
    // A person's name signs letters and heads pages; the description (what the login is
    // for) is printed with the demo logins only.
    for (username, role, kommune, organisationer, navn, description) in specs {
        app.add_user(
            None,
            NewUserInput {
                username: username.into(),
                display_name: navn.into(),
                email: Some(format!("{username}@demo.invalid")),
                password: DEMO_PASSWORD.into(),
                role,
                kommune,
                organisationer,
            },
        )
        .await?;
        logins.push(DemoLogin { username: username.into(), role, description });
    }
    let mut keep_open = BTreeSet::from([boligorg.id, anden.0.id]);
    keep_open.extend(admorg.map(|a| a.id));
    Ok((logins, keep_open))
}
