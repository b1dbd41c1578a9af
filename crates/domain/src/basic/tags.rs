//! Key groups (特殊人群 / 重点人员) of SPEC §3 and the visiting duty each carries (SPEC §5): key
//! persons at least weekly, everyone else with the ordinary monthly household visit. The duty is a
//! default; configuration may override it per group.

use super::coded_enum;

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

#[cfg(test)]
mod tests {
    use super::*;

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
