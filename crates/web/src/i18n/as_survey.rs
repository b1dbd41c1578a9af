//! Texts of this area of the UI: (key, 中文, English).

pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("assess.survey.title", "满意度测评", "Residents' survey"),
    (
        "assess.survey.public_title",
        "群众满意度测评",
        "Satisfaction survey",
    ),
    ("assess.survey.slips_title", "满意度测评码", "Survey slips"),
    (
        "assess.survey.intro",
        "请对本网格网格员本季度的工作作出评价。不记名，约需一分钟。",
        "Please rate your grid worker's work this quarter. No name is asked; it takes about a minute.",
    ),
    (
        "assess.survey.q.visits",
        "网格员是否经常上门走访？",
        "Does the grid worker come round to visit you?",
    ),
    (
        "assess.survey.q.knows_household",
        "网格员是否了解您家的基本情况？",
        "Does the grid worker know your household?",
    ),
    (
        "assess.survey.q.helps",
        "您有事找网格员时，是否得到帮助？",
        "When you asked the grid worker for help, did you get it?",
    ),
    (
        "assess.survey.q.handles_problems",
        "您反映的问题是否得到及时处理？",
        "Were the problems you reported handled in good time?",
    ),
    (
        "assess.survey.q.overall",
        "您对网格员的工作总体是否满意？",
        "Overall, are you satisfied with the grid worker's work?",
    ),
    ("assess.survey.c.satisfied", "满意", "Satisfied"),
    ("assess.survey.c.basic", "基本满意", "Fairly satisfied"),
    ("assess.survey.c.dissatisfied", "不满意", "Dissatisfied"),
    (
        "assess.survey.comment",
        "意见建议（选填，最多 500 字）",
        "Comments (optional, at most 500 characters)",
    ),
    ("assess.survey.submit", "提交", "Submit"),
    (
        "assess.survey.thanks",
        "本问卷已提交，感谢您的参与！",
        "This survey has been answered. Thank you!",
    ),
    (
        "assess.survey.not_found",
        "测评链接无效或已失效。",
        "This survey link is not valid or has been replaced.",
    ),
    ("assess.survey.grid", "网格", "Grid"),
    ("assess.survey.households", "住户", "Households"),
    ("assess.survey.issued", "已发放", "Issued"),
    ("assess.survey.answered", "已答", "Answered"),
    ("assess.survey.mean", "平均分", "Mean score"),
    ("assess.survey.issue", "发放测评码", "Issue survey links"),
    (
        "assess.survey.issue_hint",
        "为网格内每户生成测评码并打印入户条：未答的旧测评码作废，已答的保留。测评码只在生成时显示一次。",
        "Makes a survey link for every household of the grid and prints the door slips: an unanswered older link stops working, answered ones are kept. Links are shown only when made.",
    ),
    (
        "assess.survey.no_grids",
        "范围内没有网格",
        "No grids in your area",
    ),
    ("assess.survey.prev", "上一季度", "Previous quarter"),
    ("assess.survey.next", "下一季度", "Next quarter"),
    (
        "assess.survey.shown_once",
        "测评码只显示这一次，请现在打印。",
        "These links are shown only now: print them now.",
    ),
    ("assess.survey.fresh", "新测评码", "New links"),
    (
        "assess.survey.already",
        "已答住户（未重新生成）",
        "Households that answered (no new link)",
    ),
    (
        "assess.survey.slip_text",
        "请扫描二维码或打开下面的链接，对网格员本季度的工作进行评价。",
        "Scan the code or open the link below to rate your grid worker's work this quarter.",
    ),
];
