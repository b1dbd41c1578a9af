//! The points ledger's rules: the kinds of entry, what each does to a year's earned and spent
//! points, and the hash that chains a community's entries. The total earned never resets; the
//! year's balance (earned less spent in that year) is what gifts are redeemed against.

use sha2::{Digest, Sha256};

use crate::calendar::Date;

/// The hash a community's first entry links to.
pub const GENESIS: &str = "genesis";

/// The largest number of points one entry may carry either way.
pub const MAX_ENTRY_POINTS: i64 = 1_000;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Points for an activity served (confirmed by its organiser).
    Service,
    /// Points for a reported clue that was verified true.
    Clue,
    /// A gift redeemed: negative points, spent in the year.
    Redeem,
    /// A redemption cancelled: the points come back.
    Unredeem,
    /// A mistake corrected: signed points, naming the entry it corrects and why.
    Correction,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Service,
        Kind::Clue,
        Kind::Redeem,
        Kind::Unredeem,
        Kind::Correction,
    ];

    /// The stable name in the database, the API and the UI's keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Service => "service",
            Kind::Clue => "clue",
            Kind::Redeem => "redeem",
            Kind::Unredeem => "unredeem",
            Kind::Correction => "correction",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What an entry of `points` does to its year: (earned, spent). Earned counts the service
    /// the volunteer gave (and corrections of it); spent counts gifts.
    pub fn year_effect(self, points: i64) -> (i64, i64) {
        match self {
            Kind::Service | Kind::Clue | Kind::Correction => (points, 0),
            Kind::Redeem => (0, -points),
            Kind::Unredeem => (0, -points),
        }
    }

    /// Whether `points` has the sign and size this kind allows.
    pub fn points_fit(self, points: i64) -> bool {
        match self {
            Kind::Service | Kind::Clue | Kind::Unredeem => (1..=MAX_ENTRY_POINTS).contains(&points),
            Kind::Redeem => (-MAX_ENTRY_POINTS..=-1).contains(&points),
            Kind::Correction => points != 0 && points.abs() <= MAX_ENTRY_POINTS,
        }
    }
}

/// `YYYY-MM` of a day.
pub fn month_of(day: Date) -> String {
    crate::workbench::periods::month_key(day)
}

/// The year of a `YYYY-MM` month key, if it is one.
pub fn year_of_month(month: &str) -> Option<i32> {
    crate::workbench::periods::parse_month(month).map(|(first, _)| first.year())
}

/// The fields of an entry that its hash covers, in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashed<'a> {
    pub community_id: i64,
    pub seq: i64,
    pub volunteer_id: i64,
    pub kind: &'a str,
    pub points: i64,
    pub month: &'a str,
    pub activity_id: Option<i64>,
    pub event_id: Option<i64>,
    pub redemption_id: Option<i64>,
    pub corrects_id: Option<i64>,
    pub reason: &'a str,
    pub created_by: Option<i64>,
    pub created_by_name: &'a str,
    pub created_at: i64,
}

/// SHA-256 (hex) over the previous entry's hash and every field, each length-prefixed so that an
/// absent optional field differs from an empty one.
pub fn entry_hash(prev: &str, e: &Hashed<'_>) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: Option<&[u8]>| match bytes {
        None => h.update([0u8]),
        Some(b) => {
            h.update([1u8]);
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        }
    };
    let num = |n: i64| n.to_string();
    let opt = |n: Option<i64>| n.map(|v| v.to_string());
    field(Some(b"wangge.points.v1"));
    field(Some(prev.as_bytes()));
    field(Some(num(e.community_id).as_bytes()));
    field(Some(num(e.seq).as_bytes()));
    field(Some(num(e.volunteer_id).as_bytes()));
    field(Some(e.kind.as_bytes()));
    field(Some(num(e.points).as_bytes()));
    field(Some(e.month.as_bytes()));
    field(opt(e.activity_id).as_deref().map(str::as_bytes));
    field(opt(e.event_id).as_deref().map(str::as_bytes));
    field(opt(e.redemption_id).as_deref().map(str::as_bytes));
    field(opt(e.corrects_id).as_deref().map(str::as_bytes));
    field(Some(e.reason.as_bytes()));
    field(opt(e.created_by).as_deref().map(str::as_bytes));
    field(Some(e.created_by_name.as_bytes()));
    field(Some(num(e.created_at).as_bytes()));
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn entry() -> Hashed<'static> {
        Hashed {
            community_id: 7,
            seq: 1,
            volunteer_id: 3,
            kind: "service",
            points: 2,
            month: "2026-11",
            activity_id: Some(9),
            event_id: None,
            redemption_id: None,
            corrects_id: None,
            reason: "",
            created_by: Some(1),
            created_by_name: "张三",
            created_at: 1_700_000_000_000,
        }
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = entry_hash(GENESIS, &entry());
        assert_eq!(base.len(), 64);
        assert_ne!(entry_hash("other", &entry()), base);
        let mut e = entry();
        e.points = 3;
        assert_ne!(entry_hash(GENESIS, &e), base);
        let mut e = entry();
        e.activity_id = None;
        assert_ne!(entry_hash(GENESIS, &e), base);
        let mut e = entry();
        e.reason = "x";
        assert_ne!(entry_hash(GENESIS, &e), base);
        // An absent id differs from the same digits moved to another field.
        let mut e = entry();
        e.activity_id = None;
        e.event_id = Some(9);
        assert_ne!(entry_hash(GENESIS, &e), base);
    }

    #[test]
    fn signs_by_kind() {
        assert!(Kind::Service.points_fit(2));
        assert!(!Kind::Service.points_fit(0));
        assert!(!Kind::Service.points_fit(-2));
        assert!(Kind::Redeem.points_fit(-30));
        assert!(!Kind::Redeem.points_fit(30));
        assert!(Kind::Correction.points_fit(-2));
        assert!(!Kind::Correction.points_fit(0));
        assert!(!Kind::Clue.points_fit(MAX_ENTRY_POINTS + 1));
        assert_eq!(Kind::Redeem.year_effect(-30), (0, 30));
        assert_eq!(Kind::Unredeem.year_effect(30), (0, -30));
        assert_eq!(Kind::Correction.year_effect(-2), (-2, 0));
    }

    #[test]
    fn months() {
        let d = Date::new(2026, 3, 31).unwrap();
        assert_eq!(month_of(d), "2026-03");
        assert_eq!(year_of_month("2026-03"), Some(2026));
        assert_eq!(year_of_month("2026-13"), None);
        assert_eq!(year_of_month("bad"), None);
    }
}
