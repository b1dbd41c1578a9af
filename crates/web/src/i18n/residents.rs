//! Texts of what residents get besides a report: finding a case again, time limits in public,
//! "me too" (我也遇到), and who refused a case and where to go instead: (key, 中文, English).

pub const ENTRIES: &[(&str, &str, &str)] = &[
    // finding a case by its number and phone
    ("find.title", "查找我反映的事件", "Find a case I reported"),
    (
        "find.intro",
        "链接丢了也没关系:输入事件编号和反映时留下的手机号,即可回到办理进度页面。",
        "Lost the link? Enter the case number and the phone you gave when reporting to get back to its progress page.",
    ),
    ("find.number", "事件编号", "Case number"),
    (
        "find.number_hint",
        "形如 SJ20251124-000123",
        "Like SJ20251124-000123",
    ),
    ("find.phone", "反映时留下的手机号", "The phone you gave"),
    ("find.submit", "查找", "Find"),
    ("find.link", "找回我反映的事件", "Find a case I reported"),
    (
        "find.private",
        "为保护隐私,编号与手机号不相符时不说明原因;匿名反映的事件只能通过原链接查看。",
        "To protect privacy a mismatch is never explained; an anonymous report can only be opened by its link.",
    ),
    // the tracking page: its link and the grid's board
    (
        "track.link_label",
        "本页链接(请保存,凭此查看进度)",
        "Link to this page (keep it to follow your case)",
    ),
    ("track.copy_link", "复制链接", "Copy link"),
    ("track.copied", "链接已复制", "Link copied"),
    (
        "track.copy_failed",
        "无法自动复制,请长按上面的链接手动复制",
        "Could not copy: press and hold the link above to copy it",
    ),
    (
        "track.board",
        "查看本网格办理结果公示",
        "See this grid's results board",
    ),
    (
        "track.me_too",
        "也遇到此问题的居民",
        "Residents also affected",
    ),
    // time limits in public
    ("limit.total", "办结时限", "Time limit"),
    ("limit.calendar_days", "{n} 个自然日", "{n} calendar days"),
    ("limit.working_days", "{n} 个工作日", "{n} working days"),
    ("limit.minutes", "{n} 分钟", "{n} minutes"),
    ("limit.until", "截至", "until"),
    ("limit.state", "是否按时", "In time?"),
    (
        "limit.state.running",
        "办理中,尚未超时",
        "Being handled, in time so far",
    ),
    ("limit.state.overdue", "已超时", "Overdue"),
    ("limit.state.met", "按时办结", "Closed in time"),
    ("limit.state.met_late", "超时办结", "Closed late"),
    ("limit.state.unknown", "时限待定", "No time limit set yet"),
    ("limit.open_for", "已历时", "Open for"),
    ("limit.took", "办理用时", "Took"),
    ("limit.elapsed", "{d} 天 {h} 小时", "{d} days {h} hours"),
    (
        "limit.elapsed_kind",
        "(按自然时间计,含节假日)",
        "(calendar time, holidays included)",
    ),
    // "me too" on the resident page
    ("metoo.title", "附近正在办理的问题", "Open problems nearby"),
    (
        "metoo.intro",
        "遇到同样的问题?点“我也遇到”即可,不必重复反映;人数多了会加急办理。",
        "Same problem? Tap “Me too” instead of reporting it again; when many do, it is made urgent.",
    ),
    (
        "metoo.none",
        "附近暂无正在办理的问题",
        "No open problems nearby",
    ),
    ("metoo.button", "我也遇到", "Me too"),
    ("metoo.count", "{n} 人也遇到", "{n} also affected"),
    (
        "metoo.photo",
        "补充一张照片(选填)",
        "Add a photo (optional)",
    ),
    ("metoo.added", "已记录,谢谢您的反映", "Counted, thank you"),
    (
        "metoo.already",
        "您已点过“我也遇到”,已经计入,无需重复",
        "You said so already; it is counted",
    ),
    (
        "metoo.raised",
        "反映人数已达到加急标准,该问题已加急办理",
        "Enough people said so: the case is now urgent",
    ),
    ("metoo.reported", "反映于", "Reported"),
    // the count for staff, and the step it makes
    ("ev.me_too", "我也遇到", "Me too"),
    (
        "ev.me_too_count",
        "{n} 位居民也遇到",
        "{n} residents also affected",
    ),
    ("ev.me_too_photos", "居民补充的照片", "Residents' photos"),
    (
        "action.raise_urgency",
        "群众反映集中,提升紧急程度",
        "Urgency raised by residents",
    ),
    (
        "step.raise_urgency",
        "{n} 位居民表示也遇到此问题,紧急程度提升为“紧急”",
        "{n} residents said “me too”; urgency raised to urgent",
    ),
    // who said no, and where to go instead
    (
        "refusal.title.reject",
        "您反映的问题未予受理",
        "Your case was not accepted",
    ),
    (
        "refusal.title.return",
        "您反映的问题被退回",
        "Your case was sent back",
    ),
    ("refusal.office", "作出决定的单位", "Decided by"),
    ("refusal.reason", "理由", "Reason"),
    (
        "refusal.where",
        "这类诉求可以找",
        "Where such a request belongs",
    ),
    (
        "refusal.return_next",
        "退回后由原受理单位重新安排办理,您无需再次反映。",
        "The office that accepted it arranges it again; you need not report it again.",
    ),
    (
        "refusal.where_default",
        "可拨打 12345 政务服务便民热线咨询",
        "Ask the 12345 government service hotline",
    ),
    // the category admin form
    (
        "cat.me_too_threshold",
        "“我也遇到”加急人数",
        "“Me too”s that make it urgent",
    ),
    (
        "cat.me_too_threshold_hint",
        "达到此人数时事件由一般提升为紧急;0 表示不向居民公开此类办理中的事件",
        "At this count a normal case becomes urgent; 0 keeps open cases of this kind from residents",
    ),
    (
        "cat.redirect_hint",
        "不予受理时的去向提示",
        "Where it belongs if refused",
    ),
    (
        "cat.redirect_hint_en",
        "去向提示英文版",
        "Where it belongs, in English",
    ),
    // the public board
    ("pub.open_title", "正在办理", "Being handled"),
    ("pub.closed_title", "已办结", "Closed"),
    (
        "pub.open_none",
        "暂无正在办理的事件",
        "Nothing being handled now",
    ),
];
