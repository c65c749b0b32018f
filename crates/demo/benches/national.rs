//! National benchmarks on the demo dataset (the real sector's size): the computation of every
//! key figure and efficiency figure, and reading a national accounts file.
//! Run with `cargo bench -p demo --bench national`.

use divan::{Bencher, black_box};
use domain::beregning::{AfdelingInput, Katalog, OrganisationInput, Pulje, beregn};
use domain::master::{AfdelingId, OrganisationId};
use domain::reference::{Regler, kommuner_og_regioner};
use domain::{OrganisationNummer, Styringsaar};
use std::collections::{BTreeMap, HashMap};

fn main() {
    divan::main();
}

fn aar() -> Styringsaar {
    Styringsaar::new(2026).unwrap()
}

fn dataset() -> store::BulkData {
    let (_, kommuner) = kommuner_og_regioner().unwrap();
    demo::generate(&kommuner, &demo::DemoOptions { seed: 2026, styringsaar: aar(), aar: 2, skala: 1.0 })
}

/// The inputs the store would load, built straight from the generated data.
fn inputs(data: &store::BulkData) -> (Vec<OrganisationInput>, Vec<AfdelingInput>) {
    let (_, kommuner) = kommuner_og_regioner().unwrap();
    let region: HashMap<_, _> = kommuner.iter().map(|k| (k.kode, k.region)).collect();
    let org_id: HashMap<OrganisationNummer, i64> =
        data.organisationer.iter().enumerate().map(|(i, o)| (o.nummer, i as i64 + 1)).collect();
    let tolv: HashMap<OrganisationNummer, bool> = data
        .perioder
        .iter()
        .filter(|p| p.periode.styringsaar() == aar())
        .map(|p| (p.organisation, p.periode.is_twelve_months()))
        .collect();
    let mut afdelinger: Vec<AfdelingInput> = data
        .afdelinger
        .iter()
        .enumerate()
        .map(|(i, (org, a))| AfdelingInput {
            id: AfdelingId(i as i64 + 1),
            organisation: OrganisationId(org_id[org]),
            region: region[&a.kommune],
            data: a.clone(),
            konti: BTreeMap::new(),
            tolv_maaneder: tolv.get(org).copied().unwrap_or(false),
            boligtal: BTreeMap::new(),
            uden_for_promille: None,
            kommune_uden_for_promille: None,
        })
        .collect();
    let index: HashMap<(OrganisationNummer, domain::AfdelingNummer), usize> =
        data.afdelinger.iter().enumerate().map(|(i, (o, a))| ((*o, a.nummer), i)).collect();
    for k in data.afdeling_konti.iter().filter(|k| k.styringsaar == aar()) {
        afdelinger[index[&(k.organisation, k.afdeling)]].konti.insert(k.konto.clone(), k.beloeb_oere);
    }
    for b in data.boligtal.iter().filter(|b| b.styringsaar == aar()) {
        afdelinger[index[&(b.organisation, b.afdeling)]]
            .boligtal
            .insert(b.boligtype, (b.fraflytninger, b.ledige, b.aarsleje_oere_pr_m2));
    }
    for m in data.arbejdsmarked.iter().filter(|m| m.styringsaar == aar()) {
        afdelinger[index[&(m.organisation, m.afdeling)]].uden_for_promille = Some(m.uden_for_promille);
    }
    let kommune_marked: HashMap<_, _> = data
        .kommune_arbejdsmarked
        .iter()
        .filter(|m| m.styringsaar == aar())
        .map(|m| (m.kommune, m.uden_for_promille))
        .collect();
    for a in &mut afdelinger {
        a.kommune_uden_for_promille = kommune_marked.get(&a.data.kommune).copied();
    }
    let regel = Regler::standard().lejemaalsenhed;
    let mut enheder: HashMap<i64, f64> = HashMap::new();
    for a in &afdelinger {
        *enheder.entry(a.organisation.0).or_default() += a.data.lejemaalsenheder(&regel);
    }
    let mut regnskaber: BTreeMap<i64, domain::noegletal::OrganisationRegnskab> = BTreeMap::new();
    for p in data.organisation_poster.iter().filter(|p| p.styringsaar == aar()) {
        regnskaber.entry(org_id[&p.organisation]).or_default().insert(p.post, p.beloeb_oere);
    }
    let pulje: HashMap<i64, Pulje> =
        data.organisationer.iter().map(|o| (org_id[&o.nummer], Pulje::for_organisation(o.kind))).collect();
    let organisationer = regnskaber
        .into_iter()
        .map(|(id, regnskab)| OrganisationInput {
            id: OrganisationId(id),
            pulje: pulje[&id],
            regnskab,
            lejemaalsenheder: enheder.get(&id).copied().unwrap_or(0.0),
        })
        .collect();
    (organisationer, afdelinger)
}

/// Every key figure, benchmark, mark and efficiency figure of the country for one year.
#[divan::bench(sample_count = 20)]
fn nationale_noegletal_og_effektivitetstal(bencher: Bencher) {
    let data = dataset();
    let (organisationer, afdelinger) = inputs(&data);
    let regler = Regler::standard();
    let katalog = Katalog::shipped();
    let saet = katalog.for_aar(aar()).unwrap();
    bencher.bench_local(|| {
        beregn(
            aar(),
            saet,
            black_box(&organisationer),
            black_box(&afdelinger),
            &[],
            &regler.lejemaalsenhed,
            &regler.effektivitet,
        )
        .unwrap()
    });
}

/// Reading and checking every number of a national accounts file (140,000 lines, CSV).
#[divan::bench(sample_count = 10)]
fn national_regnskabsfil_laest(bencher: Bencher) {
    let data = dataset();
    let csv = demo::regnskabsfil(&data, aar(), 0);
    bencher.bench_local(|| {
        let table = tabular::read_bytes("national.csv", black_box(csv.as_bytes())).unwrap();
        let sum: f64 = table.rows.iter().map(|r| table.number(r, 3).unwrap()).sum();
        black_box(sum)
    });
}
