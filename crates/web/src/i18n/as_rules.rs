//! Texts of this area of the UI: (key, 中文, English). The assessment's rule sets, and the
//! names of the measures a rule may name (`assess.measure.NAME`, one per
//! `domain::assessment::scheme::Measure`; the score sheet uses them too).

pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("assess.rules.title", "考核规则", "Assessment rules"),
    ("assess.rules.back", "返回考核", "Back to the assessment"),
    (
        "assess.rules.in_force",
        "本季度执行的规则",
        "In force this quarter",
    ),
    (
        "assess.rules.next",
        "下季度起执行的规则",
        "In force from next quarter",
    ),
    (
        "assess.rules.source_shipped",
        "内置规则(本地区尚未制定版本)",
        "The shipped set (no version kept for this area)",
    ),
    (
        "assess.rules.source_version",
        "{node} 第 {version} 版,自 {from} 起执行",
        "{node}, version {version}, in force from {from}",
    ),
    (
        "assess.rules.scheme.quarter100",
        "季度百分制(种子方案)",
        "Quarterly 100-point scheme (the seed's)",
    ),
    (
        "assess.rules.scheme.thousand",
        "千分制(含一票否决)",
        "1,000-point scheme with veto items",
    ),
    ("assess.rules.total", "总分", "Total"),
    ("assess.rules.basic", "基础工作", "Basic work"),
    (
        "assess.rules.satisfaction",
        "群众满意度",
        "Residents' satisfaction",
    ),
    ("assess.rules.points", "{n} 分", "{n} points"),
    (
        "assess.rules.scaled",
        "各项分值合计 {items} 分,得分按比例折算为基础工作分 {basic} 分",
        "The items add up to {items} points; their score is scaled to the basic share of {basic}",
    ),
    ("assess.rules.per", "每次扣 {n} 分", "−{n} each"),
    ("assess.rules.no_deductions", "无扣分规则", "No deductions"),
    ("assess.rules.vetoes", "一票否决", "Veto items"),
    (
        "assess.rules.veto_hint",
        "督查发现其中任一项,当期考核即为不合格",
        "One finding of any of them makes the worker unqualified",
    ),
    (
        "assess.rules.sat_rule",
        "满意度:问卷占 {survey}%,事件评价占 {ratings}%;某项少于 {min} 份视为没有,其权重转给另一项;两项都没有时得满意度分的 {none}%",
        "Satisfaction: the survey weighs {survey} %, event ratings {ratings} %; a part with fewer than {min} answers counts as none and passes its weight on; with neither, {none} % of the satisfaction points",
    ),
    (
        "assess.rules.grades",
        "等级(折合百分制):{excellent} 分及以上为优秀(不超过总人数的 {share}%),{qualified} 分及以上为合格,以下为不合格",
        "Grades (on a 100-point scale): excellent at {excellent} or more (at most {share} % of the workers), qualified at {qualified} or more, unqualified below",
    ),
    (
        "assess.rules.pay",
        "补贴:优秀、合格全额发放;不合格发放 {pct}%,扣发部分平均奖励优秀网格员;优秀另奖 {reward} 元",
        "Pay: excellent and qualified get the full subsidy; unqualified {pct} %, the withheld rest shared by the excellent; excellent get a further {reward} yuan",
    ),
    (
        "assess.rules.streak",
        "连续 {notice} 个季度不合格通报批评,连续 {stop} 个季度不合格下一年不予续用;结果公布后 {days} 天内可申诉",
        "{notice} unqualified quarters in a row draft a notice of criticism, {stop} end the engagement next year; appeals within {days} days of the close",
    ),
    ("assess.rules.versions", "已制定的版本", "Versions kept"),
    (
        "assess.rules.no_versions",
        "本地区及上级尚未制定版本,执行内置规则",
        "No version is kept here or above: the shipped set applies",
    ),
    ("assess.rules.shipped", "内置规则", "Shipped sets"),
    ("assess.rules.copy", "以此为基础修改", "Edit a copy"),
    ("assess.rules.new", "制定新版本", "Keep a new version"),
    ("assess.rules.base", "修改的基础", "Based on"),
    ("assess.rules.effective_from", "起始季度", "Effective from"),
    ("assess.rules.json", "规则内容(JSON)", "The rule set (JSON)"),
    (
        "assess.rules.json_hint",
        "分值以百分之一分为单位(15 分写作 1500);扣分规则的 measure 须为下列指标之一;保存前会逐项检查,出错时会指出位置",
        "Points are in hundredths (15 points is 1500); a deduction's measure is one of those listed below; everything is checked before it is kept, and an error names its place",
    ),
    ("assess.rules.note", "说明", "Note"),
    ("assess.rules.keep", "保存为新版本", "Save as a new version"),
    (
        "assess.rules.saved",
        "新版本已保存",
        "The new version is kept",
    ),
    (
        "assess.rules.measures",
        "可用的考核指标",
        "Measures a rule may name",
    ),
    (
        "assess.rules.source.records",
        "来自工作记录",
        "from the records",
    ),
    (
        "assess.rules.source.findings",
        "来自督查发现",
        "from inspection findings",
    ),
    // The measures (domain::assessment::scheme::Measure).
    (
        "assess.measure.records_incomplete",
        "信息采集不全、不准确或未录入",
        "Records incomplete, inaccurate or not entered",
    ),
    (
        "assess.measure.quarterly_update_missed",
        "未按季度更新基础信息",
        "Quarterly update of the records missed",
    ),
    (
        "assess.measure.entry_weeks_short",
        "每周信息录入未达数量",
        "Weeks short of the entry quota",
    ),
    (
        "assess.measure.info_not_passed_on",
        "未及时沟通信息、通报情况",
        "Information not passed on",
    ),
    (
        "assess.measure.opinion_not_collected",
        "未及时收集社情民意、居民诉求",
        "Opinions not collected",
    ),
    (
        "assess.measure.party_count_unknown",
        "网格内党员底数不清",
        "Party-member count unknown",
    ),
    (
        "assess.measure.needy_party_member_unserved",
        "困难党员未及时服务",
        "Needy party member not served",
    ),
    (
        "assess.measure.sweeps_missed",
        "每周排查缺少",
        "Weekly sweeps missed",
    ),
    (
        "assess.measure.late_petition_county",
        "迟报导致县级非访、越级访",
        "Late report led to a county-level petition",
    ),
    (
        "assess.measure.late_petition_city",
        "迟报导致市级非访、越级访",
        "Late report led to a city-level petition",
    ),
    (
        "assess.measure.late_petition_higher",
        "迟报导致更高级别非访、越级访",
        "Late report led to a higher-level petition",
    ),
    (
        "assess.measure.household_check_unsupported",
        "未及时协助入户核查",
        "Household check not supported",
    ),
    (
        "assess.measure.needy_resident_unserved",
        "有需求的困难居民未代办",
        "Needy resident not served",
    ),
    (
        "assess.measure.late_or_poor_service",
        "代办不及时或不到位",
        "Late or poor service",
    ),
    (
        "assess.measure.key_person_weeks_missed",
        "重点人员每周未走访(人次)",
        "Key persons not visited in a week",
    ),
    (
        "assess.measure.ordinary_visits_short",
        "一般走访少于要求(次)",
        "Ordinary visits short",
    ),
    (
        "assess.measure.diary_short",
        "民情日志少于每周要求(篇)",
        "Diary entries short",
    ),
    (
        "assess.measure.late_or_left_early",
        "培训、例会迟到或早退",
        "Late or left early",
    ),
    (
        "assess.measure.unexcused_absence",
        "无故缺席培训、例会",
        "Unexcused absence",
    ),
    (
        "assess.measure.report_not_handed",
        "未按时上报书面汇报",
        "Written report not handed in",
    ),
    (
        "assess.measure.patrol_days_short",
        "在格巡查不足 2 小时的工作日",
        "Working days without 2 hours in the grid",
    ),
    (
        "assess.measure.login_days_missed",
        "未登录的工作日",
        "Working days without a log-in",
    ),
    (
        "assess.measure.ledgers_late",
        "月度台账逾期未报",
        "Monthly ledgers late",
    ),
];
