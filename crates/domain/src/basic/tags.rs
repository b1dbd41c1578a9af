//! Key groups (特殊人群 / 重点人员) of SPEC §3 and the visiting duty each carries (SPEC §5): key
//! persons at least weekly, everyone else with the ordinary monthly household visit. The duty is a
//! default; configuration may override it per group.

use super::PersonTag;
use super::coded_enum;
use super::validate::{FieldError, parse_date};
use crate::calendar::Date;
use crate::err;

coded_enum!(KeyGroup {
    Poor = "poor", "困难家庭";
    Dibao = "dibao", "低保户";
    SingleParent = "single_parent", "单亲家庭";
    LeftBehindChild = "left_behind_child", "留守儿童";
    EmptyNestElderly = "empty_nest", "空巢老人";
    AloneElderly = "alone_elderly", "独居老人";
    IdleYouth = "idle_youth", "闲散青少年";
    Floating = "floating", "流动人口";
    Disabled = "disabled", "残疾人";
    DrugUser = "drug_user", "吸毒人员";
    Released = "released", "刑满释放人员";
    Correction = "correction", "社区矫正人员";
    MentalDisorder = "mental_disorder", "严重精神障碍患者";
    Cult = "cult", "邪教人员";
    Petitioner = "petitioner", "信访人员";
    Unemployed4050 = "unemployed_4050", "4050失业人员";
    ChildBearingWomen = "child_bearing", "育龄妇女";
    Entitled = "entitled", "优抚对象";
    Talent = "talent", "特殊人才";
    PoorPartyMember = "poor_party_member", "困难党员";
});

/// How often a grid worker must visit someone carrying the tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitDuty {
    Weekly,
    Monthly,
}

impl VisitDuty {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitDuty::Weekly => "weekly",
            VisitDuty::Monthly => "monthly",
        }
    }

    pub fn parse(s: &str) -> Option<VisitDuty> {
        match s.trim() {
            "weekly" | "每周" => Some(VisitDuty::Weekly),
            "monthly" | "每月" => Some(VisitDuty::Monthly),
            _ => None,
        }
    }
}

impl KeyGroup {
    /// The default duty: the key persons SPEC §5 names are visited weekly (poor party members,
    /// disabled, single mothers, floating population, entitled groups, people under correction,
    /// drug rehabilitation, released prisoners), and the risk groups beside them; the rest monthly.
    pub fn default_duty(self) -> VisitDuty {
        use KeyGroup::*;
        match self {
            PoorPartyMember | Disabled | SingleParent | Floating | Entitled | Correction
            | DrugUser | Released | MentalDisorder | Cult | Petitioner | AloneElderly => {
                VisitDuty::Weekly
            }
            Poor | Dibao | LeftBehindChild | EmptyNestElderly | IdleYouth | Unemployed4050
            | ChildBearingWomen | Talent => VisitDuty::Monthly,
        }
    }
}

/// The key-group cell of an import or export: open tags separated by `;` (or `；`, `,`, `、`),
/// each a group's label or code with the date it began in brackets, `独居老人(2024-03-01);低保户`.
/// A tag without a date began on `today`; a date after today, an unknown group or the same group
/// twice is an error on the `key_groups` column.
pub fn parse_cell(cell: &str, today: Date) -> Result<Vec<PersonTag>, FieldError> {
    let field = "key_groups";
    let mut out: Vec<PersonTag> = Vec::new();
    for part in cell.split([';', '；', ',', '，', '、']) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (label, since) = match part.trim_end_matches([')', '）']).split_once(['(', '（']) {
            Some((label, date)) if part.ends_with([')', '）']) => {
                (label.trim(), parse_date(field, date.trim())?)
            }
            _ => (part, today),
        };
        let group = KeyGroup::parse(label)
            .ok_or_else(|| FieldError::new(field, err!("basic.tag_invalid", group = label)))?;
        if since > today {
            return Err(FieldError::new(
                field,
                err!("date.future", field, date = since),
            ));
        }
        if out.iter().any(|t| t.group == group) {
            return Err(FieldError::new(
                field,
                err!("tag.repeated", tag = group.label_zh()),
            ));
        }
        out.push(PersonTag {
            group,
            since,
            until: None,
        });
    }
    Ok(out)
}

/// The key-group cell of open tags, as [`parse_cell`] reads it back.
pub fn cell_text<'a>(tags: impl IntoIterator<Item = (KeyGroup, &'a str)>) -> String {
    tags.into_iter()
        .map(|(g, since)| format!("{}({since})", g.label_zh()))
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_key_group_cell_reads_back_what_it_wrote() {
        let today = Date::new(2026, 12, 4).unwrap();
        let text = cell_text([
            (KeyGroup::AloneElderly, "2024-03-01"),
            (KeyGroup::Dibao, "2025-01-31"),
        ]);
        assert_eq!(text, "独居老人(2024-03-01);低保户(2025-01-31)");
        let tags = parse_cell(&text, today).unwrap();
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].group, KeyGroup::AloneElderly);
        assert_eq!(tags[0].since, Date::new(2024, 3, 1).unwrap());
        assert_eq!(tags[1].since, Date::new(2025, 1, 31).unwrap());
        // No date: since today; full-width brackets and separators; codes as well as labels.
        let tags = parse_cell("残疾人；dibao（2020-05-06）", today).unwrap();
        assert_eq!(tags[0].since, today);
        assert_eq!(tags[1].group, KeyGroup::Dibao);
        assert!(parse_cell("", today).unwrap().is_empty());
        for bad in [
            "外星人",
            "低保户(2027-01-01)",
            "低保户(2024-02-30)",
            "低保户;dibao",
        ] {
            assert_eq!(
                parse_cell(bad, today).unwrap_err().field,
                "key_groups",
                "{bad}"
            );
        }
    }

    #[test]
    fn codes_and_labels_are_unique_and_round_trip() {
        let mut codes = std::collections::HashSet::new();
        let mut labels = std::collections::HashSet::new();
        for g in KeyGroup::ALL {
            assert!(codes.insert(g.as_str()), "duplicate code {}", g.as_str());
            assert!(
                labels.insert(g.label_zh()),
                "duplicate label {}",
                g.label_zh()
            );
            assert_eq!(KeyGroup::parse(g.as_str()), Some(*g));
            assert_eq!(KeyGroup::parse(g.label_zh()), Some(*g));
        }
        assert_eq!(KeyGroup::parse("nonsense"), None);
    }

    #[test]
    fn key_persons_of_spec_5_are_weekly() {
        assert_eq!(KeyGroup::Correction.default_duty(), VisitDuty::Weekly);
        assert_eq!(KeyGroup::Released.default_duty(), VisitDuty::Weekly);
        assert_eq!(KeyGroup::Talent.default_duty(), VisitDuty::Monthly);
    }
}
