//! FDH efficiency at national scale (7,100 afdelinger) and at a stress size (100,000).
//! Run with `cargo bench -p domain --bench fdh`.

use divan::{Bencher, black_box};
use domain::effektivitet::{Enhed, beregn};
use domain::reference::Regler;

fn main() {
    divan::main();
}

#[divan::bench]
fn afdelinger_7100_i_40_grupper(bencher: Bencher) {
    run(bencher, 7_100, 40);
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn afdelinger_100000_i_20_grupper(bencher: Bencher) {
    run(bencher, 100_000, 20);
}

fn run(bencher: Bencher, n: usize, groups: usize) {
    let enheder = generate(n, groups);
    let regler = Regler::standard().effektivitet;
    bencher.bench_local(|| beregn(black_box(&enheder), &regler));
}

/// Typical shares of the nine benchmarked accounts 109, 110, 111, 112.1, 114, 115, 117, 121, 122.
const SHARES: [f64; 9] = [0.08, 0.25, 0.15, 0.05, 0.10, 0.12, 0.10, 0.08, 0.07];

/// Deterministic afdelinger: group sizes skewed (the largest about five times the smallest);
/// a cost level of 8,000–30,000 kr. per home set by the group, since groups hold similar
/// afdelinger, ±25 % per afdeling; accounts ±15 % around the typical shares, 0.5 % of them 0.
/// This gives a mean figure of about 85 % with 15–25 % at 100 %, close to the real spread.
fn generate(n: usize, groups: usize) -> Vec<Enhed> {
    let mut rng = Rng(7_100);
    (0..n)
        .map(|i| {
            let gruppe = ((groups as f64 * rng.unit().powf(1.5)) as usize).min(groups - 1);
            let level = (8_000.0 + 22_000.0 * (gruppe as f64 / groups as f64).powi(2)) * (0.75 + 0.5 * rng.unit());
            let omkostninger = SHARES
                .iter()
                .map(|share| if rng.unit() < 0.005 { 0.0 } else { level * share * (0.85 + 0.3 * rng.unit()) })
                .collect();
            Enhed { id: format!("afd-{i:06}"), gruppe: format!("gruppe-{gruppe:02}"), omkostninger }
        })
        .collect()
}

/// splitmix64: reproducible data without a dependency.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}
