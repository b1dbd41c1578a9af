//! Honesty checks (不准弄虚作假, SPEC §5): what makes a record suspicious. A flagged record is
//! kept, never dropped; the village grid leader judges the flag with the evidence named here.

use serde::Serialize;

use super::duties::Duties;

/// Why a record was flagged (`work_flags.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The record's position is outside the grid it was made for (or outside every grid).
    OutsideGrid,
    /// A visit's position is far from the visited house.
    FarFromHouse,
    /// A photo with the same content was already used on another record.
    PhotoReused,
    /// Two records of one worker whose positions and times imply an impossible speed.
    ImpossibleSpeed,
    /// Sent long after its stated time, beyond the offline allowance (or stated in the future).
    LateSync,
}

impl Reason {
    pub const ALL: [Reason; 5] = [
        Reason::OutsideGrid,
        Reason::FarFromHouse,
        Reason::PhotoReused,
        Reason::ImpossibleSpeed,
        Reason::LateSync,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::OutsideGrid => "outside_grid",
            Reason::FarFromHouse => "far_from_house",
            Reason::PhotoReused => "photo_reused",
            Reason::ImpossibleSpeed => "impossible_speed",
            Reason::LateSync => "late_sync",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A point in time and space of one record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    pub at_ms: i64,
    pub lon: f64,
    pub lat: f64,
}

/// Great-circle distance in metres (haversine; good to a few metres at a city's scale).
pub fn distance_m(a_lon: f64, a_lat: f64, b_lon: f64, b_lat: f64) -> f64 {
    const R: f64 = 6_371_000.0;
    let (p1, p2) = (a_lat.to_radians(), b_lat.to_radians());
    let dp = (b_lat - a_lat).to_radians();
    let dl = (b_lon - a_lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

/// The speed in km/h implied by two fixes, when it exceeds the rule; `None` when plausible.
/// Fixes closer than a minute apart are judged as a minute apart, so GPS jitter between two
/// records made moments apart is not taken for a journey.
pub fn impossible_speed(d: &Duties, a: Fix, b: Fix) -> Option<f64> {
    let metres = distance_m(a.lon, a.lat, b.lon, b.lat);
    let hours = ((a.at_ms - b.at_ms).abs().max(60_000)) as f64 / 3_600_000.0;
    let kmh = metres / 1000.0 / hours;
    (kmh > d.max_speed_kmh as f64).then_some(kmh)
}

/// Hours between the stated time and its arrival, when beyond the offline allowance; a time
/// stated more than five minutes ahead of the server's is flagged too (a phone's clock may
/// drift a little).
pub fn late_sync(d: &Duties, stated_ms: i64, received_ms: i64) -> Option<f64> {
    let late_h = (received_ms - stated_ms) as f64 / 3_600_000.0;
    let ahead = stated_ms - received_ms > 5 * 60_000;
    (late_h > d.offline_allowance_hours as f64 || ahead).then_some(late_h)
}

/// Metres between a visit and the house, when beyond the rule.
pub fn far_from_house(d: &Duties, visit: (f64, f64), house: (f64, f64)) -> Option<f64> {
    let m = distance_m(visit.0, visit.1, house.0, house.1);
    (m > d.max_distance_from_house_m as f64).then_some(m)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn distances_at_city_scale() {
        // One degree of latitude is about 111 km.
        let m = distance_m(119.3, 26.0, 119.3, 27.0);
        assert!((m - 111_195.0).abs() < 100.0, "{m}");
        assert_eq!(distance_m(119.3, 26.0, 119.3, 26.0), 0.0);
    }

    #[test]
    fn speeds() {
        let d = Duties::default();
        let a = Fix {
            at_ms: 0,
            lon: 119.30,
            lat: 26.08,
        };
        // About 11 km in ten minutes: 67 km/h, plausible by car.
        let b = Fix {
            at_ms: 600_000,
            lon: 119.30,
            lat: 26.18,
        };
        assert_eq!(impossible_speed(&d, a, b), None);
        // The same 11 km in two minutes is not.
        let c = Fix {
            at_ms: 120_000,
            ..b
        };
        assert!(impossible_speed(&d, a, c).unwrap() > 300.0);
        // Ten metres of jitter a second apart is nothing.
        let e = Fix {
            at_ms: 1_000,
            lon: 119.3001,
            lat: 26.08,
        };
        assert_eq!(impossible_speed(&d, a, e), None);
    }

    #[test]
    fn late_and_ahead() {
        let d = Duties::default();
        let h = 3_600_000;
        assert_eq!(late_sync(&d, 0, 71 * h), None);
        assert!(late_sync(&d, 0, 73 * h).is_some());
        assert!(late_sync(&d, 10 * 60_000, 0).is_some());
        assert_eq!(late_sync(&d, 60_000, 0), None);
    }

    #[test]
    fn reasons_round_trip() {
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(r));
        }
    }
}
