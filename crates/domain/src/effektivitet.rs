//! Efficiency figures (docs/domain.md §6): the input-oriented free disposal hull (FDH) measure.
//!
//! Each afdeling `i` is compared with the peers of its comparison group. For a peer `j`,
//! θ(i,j) = max over accounts k of x(j,k)/x(i,k), with two zero rules:
//! - x(i,k) = 0 and x(j,k) = 0: the account puts no constraint and is skipped;
//! - x(i,k) = 0 and x(j,k) > 0: `j` is not cheaper on every account, θ(i,j) = +∞.
//!
//! E(i) = min over the peers and `i` itself of θ(i,j), so E(i) ≤ 1. Consequences worth knowing:
//! - an afdeling whose costs are all 0 has E = 1 and is its own best practice (every peer either
//!   spends something where it spends nothing, or is identical);
//! - a peer whose costs are all 0 gives θ = 0 to every afdeling with some cost, so those get
//!   E = 0. That is what the formula says, so leave out afdelinger that lack accounts rather
//!   than passing zeros for them;
//! - best practice is `i` itself unless a peer is strictly cheaper (E < 1); among peers with the
//!   same θ the one with the smallest total cost wins, then the smallest id.
//!
//! Peers are the group's members sorted by total cost (then id), less floor(trim · n) at each end.
//! Trimmed afdelinger are still scored against the peers.

use crate::reference::EffektivitetRegler;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// One afdeling to compare: costs per home on the benchmarked accounts, the same accounts in
/// the same order for every afdeling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enhed {
    pub id: String,
    /// Comparison group key; afdelinger are only compared within their group.
    pub gruppe: String,
    pub omkostninger: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Farve {
    Groen,
    Gul,
    Roed,
}

impl Farve {
    pub const ALL: [Farve; 3] = [Farve::Groen, Farve::Gul, Farve::Roed];

    pub fn as_str(self) -> &'static str {
        match self {
            Farve::Groen => "groen",
            Farve::Gul => "gul",
            Farve::Roed => "roed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Farve::Groen => "Grøn",
            Farve::Gul => "Gul",
            Farve::Roed => "Rød",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resultat {
    pub id: String,
    pub gruppe: String,
    /// E(i), 0..=1.
    pub effektivitet: f64,
    /// 100 · E(i).
    pub effektivitetstal: f64,
    /// Id of the best-practice peer; the afdeling's own id when no peer is strictly cheaper.
    pub bedste_praksis: String,
    /// (1 − E) · total cost, kr. per home.
    pub potentiale_kr: f64,
    pub farve: Farve,
    /// Size of the group's peer set after trimming.
    pub peers: usize,
}

/// One account of the comparison with best practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KontoSammenligning {
    /// Index into [`Enhed::omkostninger`].
    pub konto: usize,
    pub egen: f64,
    pub bedste_praksis: f64,
    /// Best practice ÷ own cost; `None` when both are 0 and the account puts no constraint.
    pub forhold: Option<f64>,
}

/// Why an afdeling got its figure: E is the largest `forhold` against best practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forklaring {
    pub resultat: Resultat,
    pub konti: Vec<KontoSammenligning>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EffektivitetError {
    #[error("trimandelen skal være mindst 0 og under 0,5, fik {0}")]
    Trim(f64),
    #[error("afdeling «{id}» har ingen konti at sammenligne på")]
    IngenKonti { id: String },
    #[error("afdeling «{id}» har {fundet} konti, de øvrige har {forventet}")]
    Kontoantal { id: String, forventet: usize, fundet: usize },
    #[error("afdeling «{id}» har en negativ omkostning ({vaerdi}) på kontoindeks {konto}")]
    Negativ { id: String, konto: usize, vaerdi: f64 },
    #[error("afdeling «{id}» har en omkostning, der ikke er et endeligt tal ({vaerdi}), på kontoindeks {konto}")]
    IkkeEndelig { id: String, konto: usize, vaerdi: f64 },
    #[error("afdeling «{id}»: summen af omkostningerne er for stor til at regne med")]
    SumForStor { id: String },
    #[error("afdeling «{id}» optræder mere end én gang")]
    Dublet { id: String },
}

/// Red below `roed_under_procent`, green from `groen_fra_procent`, yellow between.
pub fn farve(procent: f64, regler: &EffektivitetRegler) -> Farve {
    // 100 · 0.57 is 56.99999999999999 in binary; a figure shown as 57 % must get the colour of 57 %.
    const TOLERANCE: f64 = 1e-9;
    if procent + TOLERANCE < regler.roed_under_procent {
        Farve::Roed
    } else if procent + TOLERANCE >= regler.groen_fra_procent {
        Farve::Groen
    } else {
        Farve::Gul
    }
}

/// The efficiency of every afdeling, in input order, with peers trimmed by `regler.trim_andel`.
pub fn beregn(enheder: &[Enhed], regler: &EffektivitetRegler) -> Result<Vec<Resultat>, EffektivitetError> {
    let sammenligning = Sammenligning::new(enheder, regler.trim_andel)?;
    Ok((0..enheder.len()).map(|i| sammenligning.resultat(i, sammenligning.score(i), regler)).collect())
}

/// The efficiency of one afdeling with the account-by-account comparison behind it;
/// `None` when no afdeling has that id.
pub fn forklar(
    enheder: &[Enhed],
    regler: &EffektivitetRegler,
    id: &str,
) -> Result<Option<Forklaring>, EffektivitetError> {
    let sammenligning = Sammenligning::new(enheder, regler.trim_andel)?;
    let Some(i) = enheder.iter().position(|e| e.id == id) else {
        return Ok(None);
    };
    let score = sammenligning.score(i);
    let konti = sammenligning
        .costs(i)
        .iter()
        .zip(sammenligning.costs(score.best))
        .enumerate()
        .map(|(konto, (&egen, &bedste))| KontoSammenligning {
            konto,
            egen,
            bedste_praksis: bedste,
            // Own cost 0 means best practice is 0 too, or θ would be +∞.
            forhold: (egen > 0.0).then(|| bedste / egen),
        })
        .collect();
    Ok(Some(Forklaring { resultat: sammenligning.resultat(i, score, regler), konti }))
}

/// Validated input in a cache-friendly layout.
struct Sammenligning<'a> {
    enheder: &'a [Enhed],
    konti: usize,
    /// Costs of afdeling i at `i * konti..(i + 1) * konti`.
    costs: Vec<f64>,
    totals: Vec<f64>,
    group_of: Vec<usize>,
    groups: Vec<Group>,
    /// Factor that makes the sum bound safe against rounding (see `score`).
    slack: f64,
}

/// The peers of one group, ascending by (total, id), with their costs copied next to each
/// other so the scan reads memory sequentially.
struct Group {
    members: Vec<usize>,
    costs: Vec<f64>,
    totals: Vec<f64>,
    /// Mean cost per account over the peers.
    means: Vec<f64>,
}

struct Score {
    effektivitet: f64,
    best: usize,
}

impl<'a> Sammenligning<'a> {
    fn new(enheder: &'a [Enhed], trim: f64) -> Result<Self, EffektivitetError> {
        if !(0.0..0.5).contains(&trim) {
            return Err(EffektivitetError::Trim(trim));
        }
        let konti = enheder.first().map_or(0, |e| e.omkostninger.len());
        let mut costs = Vec::with_capacity(enheder.len() * konti);
        let mut totals = Vec::with_capacity(enheder.len());
        let mut ids = HashSet::with_capacity(enheder.len());
        let mut group_index: HashMap<&str, usize> = HashMap::new();
        let mut group_of = Vec::with_capacity(enheder.len());
        let mut group_members: Vec<Vec<usize>> = Vec::new();
        for (i, enhed) in enheder.iter().enumerate() {
            let id = || enhed.id.clone();
            if konti == 0 {
                return Err(EffektivitetError::IngenKonti { id: id() });
            }
            if enhed.omkostninger.len() != konti {
                return Err(EffektivitetError::Kontoantal {
                    id: id(),
                    forventet: konti,
                    fundet: enhed.omkostninger.len(),
                });
            }
            let mut total = 0.0;
            for (konto, &vaerdi) in enhed.omkostninger.iter().enumerate() {
                if !vaerdi.is_finite() {
                    return Err(EffektivitetError::IkkeEndelig { id: id(), konto, vaerdi });
                }
                if vaerdi < 0.0 {
                    return Err(EffektivitetError::Negativ { id: id(), konto, vaerdi });
                }
                // Adding 0.0 turns −0.0 into 0.0, so sorting by total treats both zeros alike.
                let vaerdi = vaerdi + 0.0;
                costs.push(vaerdi);
                total += vaerdi;
            }
            if !f64::is_finite(total) {
                return Err(EffektivitetError::SumForStor { id: id() });
            }
            totals.push(total);
            if !ids.insert(enhed.id.as_str()) {
                return Err(EffektivitetError::Dublet { id: id() });
            }
            let next = group_members.len();
            let g = *group_index.entry(enhed.gruppe.as_str()).or_insert(next);
            if g == next {
                group_members.push(Vec::new());
            }
            group_members[g].push(i);
            group_of.push(g);
        }
        let groups = group_members
            .into_iter()
            .map(|mut members| {
                members
                    .sort_by(|&a, &b| totals[a].total_cmp(&totals[b]).then_with(|| enheder[a].id.cmp(&enheder[b].id)));
                let cut = trimmed_per_end(members.len(), trim);
                members.truncate(members.len() - cut);
                members.drain(..cut);
                let peer_costs: Vec<f64> =
                    members.iter().flat_map(|&j| &costs[j * konti..(j + 1) * konti]).copied().collect();
                let means = (0..konti)
                    .map(|k| peer_costs.iter().skip(k).step_by(konti).sum::<f64>() / members.len() as f64)
                    .collect();
                let totals = members.iter().map(|&j| totals[j]).collect();
                Group { members, costs: peer_costs, totals, means }
            })
            .collect();
        // The rounding of two k-term sums, a division and the products forming the cutoff can put
        // the computed S_j/S_i above the computed θ by about (k + 2) · ε relative; 4× that is safe.
        let slack = 1.0 + 4.0 * (konti as f64 + 2.0) * f64::EPSILON;
        Ok(Sammenligning { enheder, konti, costs, totals, group_of, groups, slack })
    }

    fn costs(&self, i: usize) -> &[f64] {
        &self.costs[i * self.konti..(i + 1) * self.konti]
    }

    /// E(i) and its best practice.
    ///
    /// Peers are scanned by ascending total. Since θ(i,j) ≥ S_j/S_i (a max of ratios is at least
    /// the ratio of sums; with the zero rules, accounts where i is 0 either add nothing to S_j or
    /// make θ infinite), the scan stops once S_j/S_i reaches the best θ so far: no later peer can
    /// be strictly better. Only strict improvements replace the best, so among equal θ the first
    /// in (total, id) order wins, and `i` itself wins at E = 1.
    fn score(&self, i: usize) -> Score {
        let total = self.totals[i];
        let mut score = Score { effektivitet: 1.0, best: i };
        // All costs 0: nothing to save, and no peer can be strictly cheaper.
        if total == 0.0 {
            return score;
        }
        let own = self.costs(i);
        let group = &self.groups[self.group_of[i]];
        // Check first the accounts where i is cheap for its group: there a peer most likely costs
        // more, so θ(i,j) is rejected after one or two divisions. Order does not change θ.
        let relative = |k: usize| if group.means[k] > 0.0 { own[k] / group.means[k] } else { f64::INFINITY };
        let mut order: Vec<usize> = (0..self.konti).collect();
        order.sort_by(|&a, &b| relative(a).total_cmp(&relative(b)));
        let mut cutoff = total * self.slack;
        let peers = group.totals.iter().zip(group.costs.chunks_exact(self.konti)).zip(&group.members);
        for ((&peer_total, peer), &j) in peers {
            if peer_total >= cutoff {
                break;
            }
            if let Some(theta) = theta_below(own, peer, &order, score.effektivitet) {
                score = Score { effektivitet: theta, best: j };
                // Nothing is cheaper than free.
                if theta == 0.0 {
                    break;
                }
                cutoff = theta * total * self.slack;
            }
        }
        score
    }

    fn resultat(&self, i: usize, score: Score, regler: &EffektivitetRegler) -> Resultat {
        let enhed = &self.enheder[i];
        let effektivitetstal = 100.0 * score.effektivitet;
        Resultat {
            id: enhed.id.clone(),
            gruppe: enhed.gruppe.clone(),
            effektivitet: score.effektivitet,
            effektivitetstal,
            bedste_praksis: self.enheder[score.best].id.clone(),
            potentiale_kr: (1.0 - score.effektivitet) * self.totals[i],
            farve: farve(effektivitetstal, regler),
            peers: self.groups[self.group_of[i]].members.len(),
        }
    }
}

/// floor(trim · n), the number of afdelinger left out as peers at each end.
fn trimmed_per_end(n: usize, trim: f64) -> usize {
    // 0.29 · 100 is 28.999999999999996 in binary; the analyst means 29.
    let cut = (trim * n as f64 + 1e-9).floor() as usize;
    // A trim a hair below 0.5 must still leave one peer.
    cut.min(n.saturating_sub(1) / 2)
}

/// θ(i,j) if it is below `bound`, else `None`. `own` must have a positive cost, so at least one
/// account is compared.
fn theta_below(own: &[f64], peer: &[f64], order: &[usize], bound: f64) -> Option<f64> {
    let mut theta = 0.0;
    for &k in order {
        let (x_i, x_j) = (own[k], peer[k]);
        if x_i == 0.0 {
            if x_j == 0.0 {
                continue;
            }
            return None;
        }
        let ratio = x_j / x_i;
        if ratio >= bound {
            return None;
        }
        theta = f64::max(theta, ratio);
    }
    Some(theta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regler(trim: f64) -> EffektivitetRegler {
        EffektivitetRegler {
            roed_under_procent: 70.0,
            groen_fra_procent: 85.0,
            trim_andel: trim,
            min_sammenligningsgruppe: 30,
            stoerrelsesgraenser: vec![50, 200, 500],
            konti: vec![],
            grupper: Default::default(),
        }
    }

    fn enhed(id: &str, gruppe: &str, omkostninger: &[f64]) -> Enhed {
        Enhed { id: id.into(), gruppe: gruppe.into(), omkostninger: omkostninger.to_vec() }
    }

    /// (id, effektivitet, bedste_praksis) per afdeling.
    fn scores(enheder: &[Enhed], trim: f64) -> Vec<(String, f64, String)> {
        beregn(enheder, &regler(trim)).unwrap().into_iter().map(|r| (r.id, r.effektivitet, r.bedste_praksis)).collect()
    }

    fn expect(enheder: &[Enhed], trim: f64, expected: &[(&str, f64, &str)]) {
        let expected: Vec<_> = expected.iter().map(|&(id, e, bp)| (id.to_string(), e, bp.to_string())).collect();
        assert_eq!(scores(enheder, trim), expected);
    }

    #[test]
    fn hand_computed_example() {
        let enheder = [enhed("A", "g", &[10.0, 20.0]), enhed("B", "g", &[5.0, 10.0]), enhed("C", "g", &[8.0, 30.0])];
        let r = beregn(&enheder, &regler(0.0)).unwrap();
        // A vs B: max(5/10, 10/20) = 0.5; vs C: max(0.8, 1.5).
        assert_eq!((r[0].effektivitet, r[0].bedste_praksis.as_str()), (0.5, "B"));
        assert_eq!((r[0].effektivitetstal, r[0].potentiale_kr, r[0].farve), (50.0, 15.0, Farve::Roed));
        // B is cheapest on both accounts.
        assert_eq!((r[1].effektivitet, r[1].bedste_praksis.as_str()), (1.0, "B"));
        assert_eq!((r[1].potentiale_kr, r[1].farve), (0.0, Farve::Groen));
        // C vs A: max(10/8, 20/30) = 1.25; vs B: max(5/8, 10/30) = 0.625.
        assert_eq!((r[2].effektivitet, r[2].bedste_praksis.as_str()), (0.625, "B"));
        assert_eq!((r[2].effektivitetstal, r[2].potentiale_kr), (62.5, 14.25));
        assert!(r.iter().all(|r| r.peers == 3 && r.gruppe == "g"));
    }

    #[test]
    fn zero_rules() {
        let enheder = [
            enhed("I", "g", &[0.0, 10.0, 10.0]),
            // Spends on account 0 where I spends nothing: never best practice for I.
            enhed("J", "g", &[5.0, 1.0, 1.0]),
            // Account 0 is 0 for both and is skipped: θ(I,K) = max(8/10, 4/10).
            enhed("K", "g", &[0.0, 8.0, 4.0]),
        ];
        // J vs K: max(0/5, 8/1, 4/1) = 8, vs I: 10. K vs I: 2.5, vs J: +∞.
        expect(&enheder, 0.0, &[("I", 0.8, "K"), ("J", 1.0, "J"), ("K", 1.0, "K")]);
    }

    #[test]
    fn all_zero_afdeling_is_fully_efficient_and_makes_others_zero() {
        let enheder = [enhed("Z", "g", &[0.0, 0.0]), enhed("P", "g", &[3.0, 4.0]), enhed("Y", "g", &[0.0, 0.0])];
        let r = beregn(&enheder, &regler(0.0)).unwrap();
        expect(&enheder, 0.0, &[("Z", 1.0, "Z"), ("P", 0.0, "Y"), ("Y", 1.0, "Y")]);
        // All 7 kr. could be saved; total ties between Y and Z go to the smaller id.
        assert_eq!((r[1].potentiale_kr, r[1].farve), (7.0, Farve::Roed));
    }

    #[test]
    fn ties_go_to_smallest_total_then_smallest_id() {
        let enheder = [
            enhed("x", "g", &[10.0, 10.0]),
            enhed("c", "g", &[5.0, 8.0]),
            enhed("b", "g", &[8.0, 4.0]),
            enhed("a", "g", &[4.0, 8.0]),
        ];
        // θ(x, ·) = 0.8 for a, b and c; a and b cost 12, c costs 13.
        assert_eq!(scores(&enheder, 0.0)[0], ("x".into(), 0.8, "a".into()));
    }

    #[test]
    fn no_strictly_cheaper_peer_means_own_best_practice() {
        // y costs less in total, but not less on account 0: θ = 1, not an improvement.
        let enheder = [enhed("x", "g", &[10.0, 10.0]), enhed("y", "g", &[10.0, 5.0])];
        expect(&enheder, 0.0, &[("x", 1.0, "x"), ("y", 1.0, "y")]);
    }

    #[test]
    fn the_sum_bound_allows_for_rounding() {
        // q is i scaled by 0.96…; θ(i,p) is the next double above θ(i,q), and in floating point
        // S_q ≥ θ(i,p) · S_i. Without slack the scan would stop at q's total and miss it.
        let enheder = [
            enhed("i", "g", &[761112.0, 184420.0, 80079.9]),
            enhed("p", "g", &[730813.5311817385, 18442.0, 8007.99]),
            enhed("q", "g", &[730813.5311817384, 177078.5790009042, 76892.06647074345]),
        ];
        assert_eq!(scores(&enheder, 0.0)[0], ("i".into(), 0.9601918392848074, "q".into()));
    }

    /// Ten afdelinger costing 10, 20, …, 100 on both accounts.
    fn ladder() -> Vec<Enhed> {
        (1..=10).map(|c| enhed(&format!("m{c:02}"), "g", &[c as f64 * 10.0, c as f64 * 10.0])).collect()
    }

    #[test]
    fn without_trimming_the_cheapest_is_best_practice_for_all() {
        let r = beregn(&ladder(), &regler(0.0)).unwrap();
        for (c, r) in (1..=10).zip(&r) {
            assert_eq!((r.effektivitet, r.bedste_praksis.as_str(), r.peers), (1.0 / c as f64, "m01", 10));
        }
    }

    #[test]
    fn trimmed_afdelinger_are_scored_but_are_not_peers() {
        // floor(0.1 · 10) = 1 at each end.
        let r = beregn(&ladder(), &regler(0.1)).unwrap();
        assert!(r.iter().all(|r| r.peers == 8));
        assert_eq!((r[0].effektivitet, r[0].bedste_praksis.as_str()), (1.0, "m01"));
        assert_eq!((r[1].effektivitet, r[1].bedste_praksis.as_str()), (1.0, "m02"));
        assert_eq!((r[5].effektivitet, r[5].bedste_praksis.as_str()), (20.0 / 60.0, "m02"));
        assert_eq!((r[9].effektivitet, r[9].bedste_praksis.as_str()), (0.2, "m02"));
        // floor(0.25 · 10) = 2.
        let r = beregn(&ladder(), &regler(0.25)).unwrap();
        assert!(r.iter().all(|r| r.peers == 6));
        assert_eq!((r[1].effektivitet, r[1].bedste_praksis.as_str()), (1.0, "m02"));
        assert_eq!((r[9].effektivitet, r[9].bedste_praksis.as_str()), (0.3, "m03"));
    }

    #[test]
    fn trimming_breaks_total_ties_by_id_and_rounds_like_the_analyst() {
        let enheder = [
            enhed("b", "g", &[5.0, 5.0]),
            enhed("a", "g", &[5.0, 5.0]),
            enhed("c", "g", &[10.0, 10.0]),
            enhed("d", "g", &[20.0, 20.0]),
        ];
        // floor(0.25 · 4) = 1: a (same total as b, smaller id) and d are left out.
        expect(&enheder, 0.25, &[("b", 1.0, "b"), ("a", 1.0, "a"), ("c", 0.5, "b"), ("d", 0.25, "b")]);
        assert_eq!(trimmed_per_end(100, 0.29), 29);
        assert_eq!(trimmed_per_end(39, 0.025), 0);
        assert_eq!(trimmed_per_end(40, 0.025), 1);
        assert_eq!(trimmed_per_end(2, 0.499_999_999_999_9), 0);
    }

    #[test]
    fn groups_are_independent() {
        let enheder = [enhed("A", "g", &[10.0, 20.0]), enhed("B", "h", &[5.0, 10.0]), enhed("C", "g", &[8.0, 30.0])];
        expect(&enheder, 0.0, &[("A", 1.0, "A"), ("B", 1.0, "B"), ("C", 1.0, "C")]);
        let peers: Vec<_> = beregn(&enheder, &regler(0.0)).unwrap().into_iter().map(|r| r.peers).collect();
        assert_eq!(peers, [2, 1, 2]);
    }

    #[test]
    fn colours_follow_the_rules() {
        let r = regler(0.0);
        assert_eq!(farve(69.9, &r), Farve::Roed);
        assert_eq!(farve(70.0, &r), Farve::Gul);
        assert_eq!(farve(84.9, &r), Farve::Gul);
        assert_eq!(farve(85.0, &r), Farve::Groen);
        assert_eq!(farve(100.0 * 0.85, &r), Farve::Groen);
        let r57 = EffektivitetRegler { roed_under_procent: 57.0, groen_fra_procent: 57.0, ..r };
        assert_ne!(100.0 * 0.57, 57.0);
        assert_eq!(farve(100.0 * 0.57, &r57), Farve::Groen);
        assert_eq!([Farve::Groen, Farve::Gul, Farve::Roed].map(Farve::label), ["Grøn", "Gul", "Rød"]);
    }

    #[test]
    fn explanation_shows_every_account() {
        let enheder = [enhed("I", "g", &[0.0, 10.0, 10.0]), enhed("K", "g", &[0.0, 8.0, 4.0])];
        let f = forklar(&enheder, &regler(0.0), "I").unwrap().unwrap();
        assert_eq!((f.resultat.effektivitet, f.resultat.bedste_praksis.as_str(), f.resultat.peers), (0.8, "K", 2));
        let konti: Vec<_> = f.konti.iter().map(|k| (k.konto, k.egen, k.bedste_praksis, k.forhold)).collect();
        assert_eq!(konti, [(0, 0.0, 0.0, None), (1, 10.0, 8.0, Some(0.8)), (2, 10.0, 4.0, Some(0.4))]);
        assert_eq!(forklar(&enheder, &regler(0.0), "nope"), Ok(None));
        assert!(forklar(&enheder, &regler(0.5), "I").is_err());
    }

    #[test]
    fn bad_input_is_rejected_naming_the_afdeling() {
        let ok = [enhed("ok", "g", &[1.0, 2.0])];
        let check = |enheder: &[Enhed], trim: f64, expected: EffektivitetError| {
            let err = beregn(enheder, &regler(trim)).unwrap_err();
            assert_eq!(err, expected);
            assert!(err.to_string().contains("«bad»") || matches!(err, EffektivitetError::Trim(_)), "{err}");
        };
        let bad = |omkostninger: &[f64]| [ok[0].clone(), enhed("bad", "g", omkostninger)];
        let negativ = EffektivitetError::Negativ { id: "bad".into(), konto: 1, vaerdi: -1.0 };
        check(&bad(&[1.0, -1.0]), 0.0, negativ);
        let ikke_endelig = |vaerdi| EffektivitetError::IkkeEndelig { id: "bad".into(), konto: 0, vaerdi };
        let err = beregn(&bad(&[f64::NAN, 1.0]), &regler(0.0)).unwrap_err();
        assert!(
            matches!(err, EffektivitetError::IkkeEndelig { ref id, konto: 0, vaerdi } if id == "bad" && vaerdi.is_nan())
        );
        check(&bad(&[f64::INFINITY, 1.0]), 0.0, ikke_endelig(f64::INFINITY));
        check(&bad(&[1.0e308, 1.0e308]), 0.0, EffektivitetError::SumForStor { id: "bad".into() });
        check(&bad(&[1.0]), 0.0, EffektivitetError::Kontoantal { id: "bad".into(), forventet: 2, fundet: 1 });
        check(&[enhed("bad", "g", &[])], 0.0, EffektivitetError::IngenKonti { id: "bad".into() });
        check(
            &[enhed("bad", "g", &[1.0]), enhed("bad", "h", &[1.0])],
            0.0,
            EffektivitetError::Dublet { id: "bad".into() },
        );
        check(&ok, -0.1, EffektivitetError::Trim(-0.1));
        check(&ok, 0.5, EffektivitetError::Trim(0.5));
        assert!(beregn(&ok, &regler(f64::NAN)).is_err());
        // −0.0 is a zero, not a negative cost.
        assert!(beregn(&[enhed("z", "g", &[-0.0, 1.0])], &regler(0.0)).is_ok());
        assert_eq!(beregn(&[], &regler(0.0)), Ok(Vec::new()));
    }

    /// splitmix64: deterministic pseudo-random numbers without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// The definition taken literally: every θ(i,j), O(n²k).
    fn naive(enheder: &[Enhed], trim: f64) -> Vec<(String, f64, String)> {
        let total = |e: &Enhed| e.omkostninger.iter().sum::<f64>();
        let theta = |i: &Enhed, j: &Enhed| {
            let mut theta: Option<f64> = None;
            for (&a, &b) in i.omkostninger.iter().zip(&j.omkostninger) {
                match (a == 0.0, b == 0.0) {
                    (true, true) => {}
                    (true, false) => return f64::INFINITY,
                    _ => theta = Some(theta.map_or(b / a, |t| t.max(b / a))),
                }
            }
            theta.unwrap_or(1.0)
        };
        enheder
            .iter()
            .map(|i| {
                let mut members: Vec<&Enhed> = enheder.iter().filter(|j| j.gruppe == i.gruppe).collect();
                members.sort_by(|a, b| total(a).total_cmp(&total(b)).then(a.id.cmp(&b.id)));
                let n = members.len();
                let cut = ((trim * n as f64 + 1e-9).floor() as usize).min((n - 1) / 2);
                let peers = &members[cut..n - cut];
                let e = peers.iter().map(|j| theta(i, j)).fold(theta(i, i), f64::min);
                let best = if e == 1.0 { i } else { peers.iter().find(|j| theta(i, j) == e).copied().unwrap() };
                (i.id.clone(), e, best.id.clone())
            })
            .collect()
    }

    #[derive(Clone, Copy)]
    enum Data {
        /// Small integers: many ties in θ and in total cost.
        Integers,
        Continuous,
        /// One cost profile scaled per afdeling with ±0.1 % noise: θ(i,j) is close to S_j/S_i,
        /// so the scan stops right at the bound.
        NearlyProportional,
    }

    fn random_enheder(rng: &mut Rng, n: usize, konti: usize, data: Data) -> Vec<Enhed> {
        let profile: Vec<f64> = (0..konti).map(|_| 1000.0 + 9000.0 * rng.unit()).collect();
        let mut enheder: Vec<Enhed> = Vec::with_capacity(n);
        for i in 0..n {
            let id = format!("a{:03}", rng.below(1000) * 1000 + i as u64);
            if i > 0 && rng.below(4) == 0 {
                // A scaled copy: θ equals the ratio of totals, the tightest case for the sum bound.
                let source = &enheder[rng.below(i as u64) as usize];
                let factor = (12 + rng.below(9)) as f64 / 16.0;
                let omkostninger = source.omkostninger.iter().map(|x| x * factor).collect();
                enheder.push(Enhed { id, gruppe: source.gruppe.clone(), omkostninger });
                continue;
            }
            let all_zero = rng.below(40) == 0;
            let level = 0.5 + rng.unit();
            let omkostninger = profile
                .iter()
                .map(|share| match data {
                    _ if all_zero || rng.below(6) == 0 => 0.0,
                    Data::Integers => (1 + rng.below(8)) as f64,
                    Data::Continuous => level * (1000.0 + 9000.0 * rng.unit()),
                    Data::NearlyProportional => level * share * (0.999 + 0.002 * rng.unit()),
                })
                .collect();
            enheder.push(Enhed { id, gruppe: format!("g{}", rng.below(4)), omkostninger });
        }
        enheder
    }

    #[test]
    fn fast_algorithm_matches_the_definition() {
        let mut rng = Rng(20_240_601);
        for round in 0..12 {
            let data = [Data::Integers, Data::Continuous, Data::NearlyProportional][round % 3];
            let enheder = random_enheder(&mut rng, 300, 2 + round % 4, data);
            for trim in [0.0, 0.025, 0.1, 0.3] {
                assert_eq!(scores(&enheder, trim), naive(&enheder, trim), "round {round}, trim {trim}");
            }
        }
    }

    /// The model's properties, over generated groups (proptest shrinks a failure to a
    /// smallest case). Every afdeling spends something, as in the national computation.
    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A group of 2–40 afdelinger with 1–6 accounts; a fifth of the costs are zero.
        fn gruppe() -> impl Strategy<Value = Vec<Enhed>> {
            (1usize..=6, 2usize..=40).prop_flat_map(|(konti, n)| {
                let cost = prop_oneof![1 => Just(0.0), 4 => 1.0f64..10_000.0];
                proptest::collection::vec(proptest::collection::vec(cost, konti), n).prop_map(|rows| {
                    rows.into_iter()
                        .enumerate()
                        .map(|(i, mut omkostninger)| {
                            if omkostninger.iter().all(|c| *c == 0.0) {
                                omkostninger[0] = 1.0;
                            }
                            Enhed { id: format!("a{i:03}"), gruppe: "g".into(), omkostninger }
                        })
                        .collect()
                })
            })
        }

        fn figures(enheder: &[Enhed], trim: f64) -> Vec<(String, f64)> {
            beregn(enheder, &regler(trim)).unwrap().into_iter().map(|r| (r.id, r.effektivitetstal)).collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]

            #[test]
            fn every_figure_lies_in_0_to_100(enheder in gruppe(), trim in prop_oneof![Just(0.0), Just(0.1)]) {
                for (id, tal) in figures(&enheder, trim) {
                    prop_assert!(tal > 0.0 && tal <= 100.0, "{id}: {tal}");
                }
            }

            #[test]
            fn the_best_practice_peer_is_no_dearer_on_any_account(enheder in gruppe()) {
                for r in beregn(&enheder, &regler(0.1)).unwrap() {
                    let own = enheder.iter().find(|e| e.id == r.id).unwrap();
                    let peer = enheder.iter().find(|e| e.id == r.bedste_praksis).unwrap();
                    for (k, (a, b)) in own.omkostninger.iter().zip(&peer.omkostninger).enumerate() {
                        prop_assert!(*b <= *a * (1.0 + 1e-12), "{} vs {} on account {k}: {b} > {a}", r.id, peer.id);
                    }
                }
            }

            #[test]
            fn adding_a_dearer_afdeling_changes_nobodys_figure(enheder in gruppe()) {
                let konti = enheder[0].omkostninger.len();
                let dearest: Vec<f64> = (0..konti)
                    .map(|k| enheder.iter().map(|e| e.omkostninger[k]).fold(0.0, f64::max) * 2.0 + 1.0)
                    .collect();
                let mut more = enheder.clone();
                more.push(Enhed { id: "dyr".into(), gruppe: "g".into(), omkostninger: dearest });
                let before = figures(&enheder, 0.0);
                let after: Vec<_> = figures(&more, 0.0).into_iter().filter(|(id, _)| id != "dyr").collect();
                prop_assert_eq!(before, after);
            }

            #[test]
            fn scaling_every_cost_leaves_the_figures_unchanged(
                enheder in gruppe(),
                factor in prop_oneof![Just(0.25), Just(0.5), Just(2.0), Just(8.0)],
            ) {
                // Powers of two scale floating-point numbers exactly.
                let scaled: Vec<Enhed> = enheder
                    .iter()
                    .map(|e| Enhed { omkostninger: e.omkostninger.iter().map(|c| c * factor).collect(), ..e.clone() })
                    .collect();
                for trim in [0.0, 0.1] {
                    prop_assert_eq!(figures(&enheder, trim), figures(&scaled, trim));
                }
            }

            #[test]
            fn trimming_never_lowers_a_figure(enheder in gruppe(), trim in 0.01f64..0.45) {
                let untrimmed = figures(&enheder, 0.0);
                for ((id, trimmed), (_, full)) in figures(&enheder, trim).into_iter().zip(untrimmed) {
                    prop_assert!(trimmed >= full, "{id}: {trimmed} < {full} with trim {trim}");
                }
            }
        }
    }
}
