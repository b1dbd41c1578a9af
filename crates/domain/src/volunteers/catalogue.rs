//! The catalogue of volunteer services and their points (服务资料和积分细则, seed 003 篇二
//! 附件6 二), as data: a street keeps versions of it; the seed's is shipped. "Other" services
//! (其他类) carry no fixed value: a community asks its street, and an approved value is recorded
//! (`store::volunteers::catalogue`).

use serde::{Deserialize, Serialize};

/// The families of the seed's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// 居民服务类.
    ResidentService,
    /// 宣传文化类.
    Culture,
    /// 社区治理类.
    Governance,
    /// 其他类: valued by the street case by case.
    Other,
}

impl Family {
    pub const ALL: [Family; 4] = [
        Family::ResidentService,
        Family::Culture,
        Family::Governance,
        Family::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::ResidentService => "resident_service",
            Family::Culture => "culture",
            Family::Governance => "governance",
            Family::Other => "other",
        }
    }
}

/// One kind of service: its stable key (the UI names it through `vol.kind.{key}`), its family
/// and the points one service earns. `activity` is false for kinds earned otherwise (a clue is
/// earned when the event it was reported as is verified true, not by signing up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindDef {
    pub key: String,
    pub family: Family,
    pub points: i64,
    #[serde(default = "yes")]
    pub activity: bool,
}

fn yes() -> bool {
    true
}

/// The key of the clue kind (线索), earned through the one report path.
pub const CLUE: &str = "clue";
/// The key of "other" services, valued by an approval.
pub const OTHER: &str = "other";

/// The most points one kind may be worth, and the most kinds a catalogue holds.
pub const MAX_POINTS: i64 = 100;
pub const MAX_KINDS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub kinds: Vec<KindDef>,
    /// Event categories whose reports, verified true, earn the clue kind's points.
    pub clue_categories: Vec<String>,
}

/// What is wrong with a catalogue: the field and, where it helps, the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    Empty,
    TooMany,
    DuplicateKey(String),
    BadKey(String),
    Points(String),
    MissingClue,
}

impl Catalogue {
    /// The seed's scheme.
    pub fn seed() -> Catalogue {
        let k = |key: &str, family, points| KindDef {
            key: key.to_string(),
            family,
            points,
            activity: true,
        };
        use Family::*;
        Catalogue {
            kinds: vec![
                k("repair_errand", ResidentService, 2),
                k("mediation", ResidentService, 3),
                k("vulnerable_care", ResidentService, 3),
                k("youth", ResidentService, 2),
                k("charity", ResidentService, 3),
                k("civility", Culture, 2),
                k("policy_publicity", Culture, 2),
                k("public_welfare", Culture, 2),
                k("cleaning", Governance, 2),
                k("hazard_check", Governance, 2),
                k("patrol", Governance, 2),
                KindDef {
                    key: CLUE.to_string(),
                    family: Governance,
                    points: 5,
                    activity: false,
                },
            ],
            // Organised crime, telecom fraud, public order hazards (治安刑事), illegal building.
            clue_categories: vec![
                "ZA01".to_string(),
                "ZA02".to_string(),
                "ZA03".to_string(),
                "WJ01".to_string(),
            ],
        }
    }

    /// The kind with this key.
    pub fn kind(&self, key: &str) -> Option<&KindDef> {
        self.kinds.iter().find(|k| k.key == key)
    }

    /// The points of a clue verified true.
    pub fn clue_points(&self) -> Option<i64> {
        self.kind(CLUE).map(|k| k.points)
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        if self.kinds.is_empty() {
            return Err(Invalid::Empty);
        }
        if self.kinds.len() > MAX_KINDS || self.clue_categories.len() > MAX_KINDS {
            return Err(Invalid::TooMany);
        }
        let mut seen = std::collections::HashSet::new();
        for k in &self.kinds {
            let good = !k.key.is_empty()
                && k.key.len() <= 32
                && k.key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !good || k.key == OTHER {
                return Err(Invalid::BadKey(k.key.clone()));
            }
            if !seen.insert(k.key.as_str()) {
                return Err(Invalid::DuplicateKey(k.key.clone()));
            }
            if !(1..=MAX_POINTS).contains(&k.points) || k.family == Family::Other {
                return Err(Invalid::Points(k.key.clone()));
            }
        }
        if self.clue_points().is_none() {
            return Err(Invalid::MissingClue);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_is_valid_and_has_its_values() {
        let c = Catalogue::seed();
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.kind("mediation").map(|k| k.points), Some(3));
        assert_eq!(c.kind("patrol").map(|k| k.points), Some(2));
        assert_eq!(c.clue_points(), Some(5));
        assert!(c.kind(OTHER).is_none());
    }

    #[test]
    fn bad_catalogues_name_the_fault() {
        let mut c = Catalogue::seed();
        c.kinds[1].key = "repair_errand".into();
        assert_eq!(
            c.validate(),
            Err(Invalid::DuplicateKey("repair_errand".into()))
        );
        let mut c = Catalogue::seed();
        c.kinds[0].points = 0;
        assert_eq!(c.validate(), Err(Invalid::Points("repair_errand".into())));
        let mut c = Catalogue::seed();
        c.kinds.retain(|k| k.key != CLUE);
        assert_eq!(c.validate(), Err(Invalid::MissingClue));
        let mut c = Catalogue::seed();
        c.kinds[0].key = "Bad Key".into();
        assert!(matches!(c.validate(), Err(Invalid::BadKey(_))));
    }
}
