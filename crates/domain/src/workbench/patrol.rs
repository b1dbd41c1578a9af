//! Time in the grid (巡查): the seconds a worker spends inside their grid each day, computed
//! from the positions sampled on patrol (never typed). Pure; the store feeds it the points.
//!
//! Two consecutive points of one patrol that are both inside the grid count the time between
//! them. A gap longer than [`MAX_GAP_MS`] counts only that much: the phone samples every
//! minute, so a long silence means the phone was off, asleep or out of signal, and nothing
//! says the worker stayed inside all that while; ten minutes forgives a few lost samples
//! without letting two points hours apart claim the whole afternoon. Time is split at China
//! midnight, so a patrol across midnight counts on both days.

use std::collections::BTreeMap;

use crate::calendar::Date;
use crate::deadline::{end_of_day, local_date};

/// The longest interval between two points that counts in full (ten minutes).
pub const MAX_GAP_MS: i64 = 10 * 60_000;
/// Points one batch may carry.
pub const MAX_POINTS_PER_BATCH: usize = 500;

/// One sampled position: when, and whether it lies inside the worker's own grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub at_ms: i64,
    pub inside: bool,
}

/// Milliseconds inside the grid per China day for the points of ONE patrol (any order).
pub fn ms_inside_by_day(samples: &[Sample]) -> BTreeMap<Date, i64> {
    let mut sorted = samples.to_vec();
    sorted.sort_by_key(|s| s.at_ms);
    let mut out = BTreeMap::new();
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if !(a.inside && b.inside) {
            continue;
        }
        let span = (b.at_ms - a.at_ms).min(MAX_GAP_MS);
        add_span(&mut out, a.at_ms, a.at_ms + span);
    }
    out
}

/// Seconds inside per day, summed over several patrols' day maps (whole seconds, rounded down).
pub fn seconds_by_day(patrols: &[BTreeMap<Date, i64>]) -> BTreeMap<Date, i64> {
    let mut ms: BTreeMap<Date, i64> = BTreeMap::new();
    for p in patrols {
        for (d, v) in p {
            *ms.entry(*d).or_default() += v;
        }
    }
    ms.into_iter().map(|(d, v)| (d, v / 1000)).collect()
}

/// Adds [from, to) to the days it covers, cut at each China midnight.
fn add_span(out: &mut BTreeMap<Date, i64>, from: i64, to: i64) {
    let mut t = from;
    while t < to {
        let Ok(day) = local_date(t) else { return };
        let cut = end_of_day(day).min(to);
        *out.entry(day).or_default() += cut - t;
        t = cut;
    }
}

/// The days whose time a change to a patrol with points from `first_ms` to `last_ms` can
/// alter: from the first point's day to the day the last point's counted span may reach.
pub fn days_touched(first_ms: i64, last_ms: i64) -> Vec<Date> {
    let (Ok(from), Ok(to)) = (local_date(first_ms), local_date(last_ms + MAX_GAP_MS)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut d = from;
    // A patrol spans a day or two; the bound only guards against absurd stated times.
    while d <= to && out.len() < 8 {
        out.push(d);
        match d.add_days(1) {
            Some(n) => d = n,
            None => break,
        }
    }
    out
}

/// Minutes, rounded down, of a number of seconds (what the pages show against the duty).
pub fn minutes(seconds: i64) -> i64 {
    seconds.max(0) / 60
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::deadline::parse_rfc3339;

    fn s(at: &str, inside: bool) -> Sample {
        Sample {
            at_ms: parse_rfc3339(at).unwrap(),
            inside,
        }
    }

    fn d(x: &str) -> Date {
        Date::parse(x).unwrap()
    }

    #[test]
    fn consecutive_inside_points_count_their_interval() {
        let m = ms_inside_by_day(&[
            s("2026-12-04T09:00:00+08:00", true),
            s("2026-12-04T09:05:00+08:00", true),
            s("2026-12-04T09:06:00+08:00", false),
            s("2026-12-04T09:09:00+08:00", true),
            s("2026-12-04T09:10:00+08:00", true),
        ]);
        // 09:00–09:05 and 09:09–09:10; the intervals touching the outside point count nothing.
        assert_eq!(m.get(&d("2026-12-04")), Some(&(6 * 60_000)));
    }

    #[test]
    fn order_does_not_matter_and_a_long_gap_counts_ten_minutes() {
        let m = ms_inside_by_day(&[
            s("2026-12-04T12:00:00+08:00", true),
            s("2026-12-04T09:00:00+08:00", true),
        ]);
        assert_eq!(m.get(&d("2026-12-04")), Some(&MAX_GAP_MS));
    }

    #[test]
    fn split_at_china_midnight() {
        let m = ms_inside_by_day(&[
            s("2026-12-04T23:57:00+08:00", true),
            s("2026-12-05T00:03:00+08:00", true),
        ]);
        assert_eq!(m.get(&d("2026-12-04")), Some(&(3 * 60_000)));
        assert_eq!(m.get(&d("2026-12-05")), Some(&(3 * 60_000)));
        let total = seconds_by_day(&[m.clone(), m]);
        assert_eq!(total.get(&d("2026-12-05")), Some(&360));
    }

    #[test]
    fn single_points_and_outside_only_count_nothing() {
        assert!(ms_inside_by_day(&[s("2026-12-04T09:00:00+08:00", true)]).is_empty());
        assert!(
            ms_inside_by_day(&[
                s("2026-12-04T09:00:00+08:00", false),
                s("2026-12-04T09:01:00+08:00", false)
            ])
            .is_empty()
        );
    }

    #[test]
    fn touched_days_reach_past_midnight_by_the_gap() {
        let a = parse_rfc3339("2026-12-04T09:00:00+08:00").unwrap();
        let b = parse_rfc3339("2026-12-04T23:55:00+08:00").unwrap();
        assert_eq!(days_touched(a, a), vec![d("2026-12-04")]);
        assert_eq!(days_touched(a, b), vec![d("2026-12-04"), d("2026-12-05")]);
        assert_eq!(minutes(119 * 60 + 59), 119);
    }
}
