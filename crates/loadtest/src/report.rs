//! From goose's metrics to the figures reported: throughput, median and 99th percentile from
//! the response-time histograms, errors; and the Markdown tables and JSON they are printed as.

use goose::metrics::{GooseMetrics, GooseRequestMetricAggregate};
use goose::test_plan::TestPlanStepAction;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Response times as goose keeps them: a count per bucket, keyed by the bucket's lowest time
/// in microseconds (buckets are at most 1/64 of their time wide), with the exact extremes.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    buckets: BTreeMap<u64, u64>,
    min_us: u64,
    max_us: u64,
    count: u64,
}

impl Histogram {
    pub fn from_request(agg: &GooseRequestMetricAggregate) -> Histogram {
        let raw = &agg.raw_data;
        let mut h = Histogram { min_us: raw.minimum_time_us, max_us: raw.maximum_time_us, ..Histogram::default() };
        for (bucket, count) in raw.times_us.iter() {
            *h.buckets.entry(*bucket).or_default() += *count as u64;
            h.count += *count as u64;
        }
        h
    }

    pub fn merge(&mut self, other: &Histogram) {
        if other.count == 0 {
            return;
        }
        self.min_us = if self.count == 0 { other.min_us } else { self.min_us.min(other.min_us) };
        self.max_us = self.max_us.max(other.max_us);
        self.count += other.count;
        for (bucket, count) in &other.buckets {
            *self.buckets.entry(*bucket).or_default() += count;
        }
    }

    /// The time `percent` of the responses took at most (nearest rank), in microseconds: the
    /// lowest time of the bucket holding that rank, kept within the measured extremes. None
    /// without responses.
    pub fn percentile_us(&self, percent: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((percent / 100.0 * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (bucket, count) in &self.buckets {
            seen += count;
            if seen >= rank {
                return Some((*bucket).clamp(self.min_us, self.max_us));
            }
        }
        Some(self.max_us)
    }
}

/// One row: a page (per-page phase) or a request name (mixed phase).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub audience: String,
    pub name: String,
    /// Concurrent users (per-page phase).
    pub users: usize,
    pub requests: u64,
    pub errors: u64,
    pub rps: f64,
    pub median_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// Throughput as a share of the `/healthz` baseline of the same run (per-page phase).
    pub share_of_healthz: Option<f64>,
    /// What the row measures besides the plain request, e.g. the read before a save.
    pub note: Option<String>,
    #[serde(skip)]
    pub histogram: Histogram,
}

/// How long the attack ran, in seconds: from its first test-plan step (users starting) to its
/// last (all users stopped), so every counted request falls inside. Goose's own `duration` is
/// whole seconds, too coarse for two-second runs.
pub fn measured_seconds(metrics: &GooseMetrics) -> f64 {
    let first = metrics.history.first();
    let last = metrics
        .history
        .iter()
        .rev()
        .find(|s| matches!(s.action, TestPlanStepAction::Finished | TestPlanStepAction::Decreasing));
    match (first, last) {
        (Some(a), Some(b)) if b.timestamp > a.timestamp => {
            (b.timestamp - a.timestamp).num_microseconds().unwrap_or(0) as f64 / 1e6
        }
        _ => metrics.duration.max(1) as f64,
    }
}

/// The row of the request `method name` (e.g. `GET`, `/pakker/{id}`), if it was made.
pub fn request_row(metrics: &GooseMetrics, key: &str, seconds: f64) -> Option<Row> {
    metrics.requests.get(key).map(|agg| row(key, agg, seconds))
}

/// Every request of an attack, by name.
pub fn request_rows(metrics: &GooseMetrics, seconds: f64) -> Vec<Row> {
    let mut rows: Vec<Row> = metrics.requests.iter().map(|(key, agg)| row(key, agg, seconds)).collect();
    rows.sort_by(|a, b| (&a.audience, &a.name).cmp(&(&b.audience, &b.name)));
    rows
}

/// `key` is goose's: the method and the request's name, e.g. `GET /healthz`.
fn row(key: &str, agg: &GooseRequestMetricAggregate, seconds: f64) -> Row {
    let histogram = Histogram::from_request(agg);
    let requests = (agg.success_count + agg.fail_count) as u64;
    let (audience, name) = split_audience(key);
    Row {
        audience,
        name,
        users: 0,
        requests,
        errors: agg.fail_count as u64,
        rps: requests as f64 / seconds,
        median_ms: histogram.percentile_us(50.0).map(ms),
        p99_ms: histogram.percentile_us(99.0).map(ms),
        share_of_healthz: None,
        note: None,
        histogram,
    }
}

/// Request names in the mixed phase start with their journey in brackets: `[kommune] GET …`.
fn split_audience(key: &str) -> (String, String) {
    // The method comes first in goose's key: `GET [kommune] /kommune`.
    let (method, rest) = key.split_once(' ').unwrap_or(("", key));
    match rest.strip_prefix('[').and_then(|r| r.split_once("] ")) {
        Some((audience, path)) => (audience.to_string(), format!("{method} {path}")),
        None => (String::new(), key.to_string()),
    }
}

/// The sum of `rows`: counts and rates add up, the percentiles come from the merged histograms.
pub fn total(rows: &[Row], name: &str) -> Row {
    let mut histogram = Histogram::default();
    for r in rows {
        histogram.merge(&r.histogram);
    }
    Row {
        audience: String::new(),
        name: name.to_string(),
        users: rows.iter().map(|r| r.users).sum(),
        requests: rows.iter().map(|r| r.requests).sum(),
        errors: rows.iter().map(|r| r.errors).sum(),
        rps: rows.iter().map(|r| r.rps).sum(),
        median_ms: histogram.percentile_us(50.0).map(ms),
        p99_ms: histogram.percentile_us(99.0).map(ms),
        share_of_healthz: None,
        note: None,
        histogram,
    }
}

/// Every error goose recorded in an attack: `(request, error, occurrences)`.
pub fn errors(metrics: &GooseMetrics) -> Vec<(String, String, usize)> {
    metrics.errors.values().map(|e| (format!("{} {}", e.method, e.name), e.error.clone(), e.occurrences)).collect()
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// A time in milliseconds with about three significant digits.
pub fn format_ms(ms: Option<f64>) -> String {
    match ms {
        None => "–".into(),
        Some(v) if v < 10.0 => format!("{v:.2} ms"),
        Some(v) if v < 100.0 => format!("{v:.1} ms"),
        Some(v) => format!("{} ms", group(v.round() as u64)),
    }
}

/// Requests per second: whole numbers from 100 up, else one or two decimals.
pub fn format_rps(rps: f64) -> String {
    if rps >= 100.0 {
        group(rps.round() as u64)
    } else if rps >= 10.0 {
        format!("{rps:.1}")
    } else {
        format!("{rps:.2}")
    }
}

/// A share as a percentage with two significant digits at least (`41 %`, `2.3 %`, `0.12 %`).
pub fn format_share(share: Option<f64>) -> String {
    let Some(share) = share else { return "–".into() };
    let percent = share * 100.0;
    if percent >= 10.0 {
        format!("{percent:.0} %")
    } else if percent >= 1.0 {
        format!("{percent:.1} %")
    } else if percent >= 0.1 {
        format!("{percent:.2} %")
    } else {
        format!("{percent:.3} %")
    }
}

pub fn format_bytes(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// Thousands grouped with commas, as docs/performance.md writes them.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The per-page table.
pub fn per_page_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| audience | page | users | requests/s | median | 99th percentile | errors | share of /healthz |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let name = match &r.note {
            Some(note) => format!("`{}` ({note})", r.name),
            None => format!("`{}`", r.name),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.audience,
            name,
            r.users,
            format_rps(r.rps),
            format_ms(r.median_ms),
            format_ms(r.p99_ms),
            r.errors,
            format_share(r.share_of_healthz)
        );
    }
    out
}

/// The mixed-workload table, with its total.
pub fn mixed_table(rows: &[Row], total: &Row) -> String {
    let mut out = String::from(
        "| journey | request | count | requests/s | median | 99th percentile | errors |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
    );
    for r in rows.iter().chain(std::iter::once(total)) {
        let name = if r.audience.is_empty() { format!("**{}**", r.name) } else { format!("`{}`", r.name) };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.audience,
            name,
            group(r.requests),
            format_rps(r.rps),
            format_ms(r.median_ms),
            format_ms(r.p99_ms),
            r.errors
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(times_us: &[(u64, u64)]) -> Histogram {
        let mut h = Histogram::default();
        for &(bucket, count) in times_us {
            *h.buckets.entry(bucket).or_default() += count;
            h.count += count;
        }
        h.min_us = times_us.iter().map(|t| t.0).min().unwrap_or(0);
        h.max_us = times_us.iter().map(|t| t.0).max().unwrap_or(0);
        h
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        // 100 responses: 90 at 1 ms, 9 at 5 ms, 1 at 80 ms.
        let h = histogram(&[(1_000, 90), (5_000, 9), (80_000, 1)]);
        assert_eq!(h.percentile_us(50.0), Some(1_000));
        assert_eq!(h.percentile_us(90.0), Some(1_000));
        assert_eq!(h.percentile_us(91.0), Some(5_000));
        assert_eq!(h.percentile_us(99.0), Some(5_000));
        assert_eq!(h.percentile_us(100.0), Some(80_000));
        assert_eq!(Histogram::default().percentile_us(50.0), None);
    }

    #[test]
    fn merged_histograms_give_the_percentiles_of_all_responses() {
        let mut a = histogram(&[(2_000, 1)]);
        let b = histogram(&[(1_000, 3), (9_000, 1)]);
        a.merge(&b);
        assert_eq!(a.count, 5);
        assert_eq!(a.percentile_us(50.0), Some(1_000));
        assert_eq!(a.percentile_us(80.0), Some(2_000));
        assert_eq!((a.min_us, a.max_us), (1_000, 9_000));
    }

    #[test]
    fn shares_keep_two_significant_digits() {
        assert_eq!(format_share(Some(0.41)), "41 %");
        assert_eq!(format_share(Some(1.0)), "100 %");
        assert_eq!(format_share(Some(0.023)), "2.3 %");
        assert_eq!(format_share(Some(0.0012)), "0.12 %");
        assert_eq!(format_share(Some(0.00012)), "0.012 %");
        assert_eq!(format_share(None), "–");
    }

    #[test]
    fn numbers_are_formatted_for_the_performance_document() {
        assert_eq!(format_rps(43_718.4), "43,718");
        assert_eq!(format_rps(16.66), "16.7");
        assert_eq!(format_rps(0.5), "0.50");
        assert_eq!(format_ms(Some(0.24)), "0.24 ms");
        assert_eq!(format_ms(Some(60.94)), "60.9 ms");
        assert_eq!(format_ms(Some(1427.0)), "1,427 ms");
        assert_eq!(group(1_234_567), "1,234,567");
    }

    #[test]
    fn journeys_are_split_from_request_names() {
        assert_eq!(split_audience("GET [kommune] /kommune"), ("kommune".into(), "GET /kommune".into()));
        assert_eq!(split_audience("GET /healthz"), (String::new(), "GET /healthz".into()));
    }
}
