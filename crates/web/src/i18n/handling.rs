//! Texts of handling work: opening a reporter's contact, who has an event in hand, what a
//! leader watches: (key, 中文, English).

pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("ev.reveal.open", "查看联系方式", "Show contact"),
    ("ev.reveal.reason", "查看理由", "Reason"),
    (
        "ev.reveal.reason_hint",
        "例如:回访核实办理结果",
        "e.g. calling back to confirm the result",
    ),
    (
        "ev.reveal.audited",
        "查看将连同理由记入审计日志",
        "Showing it is written to the audit log with your reason",
    ),
    ("ev.reveal.submit", "查看", "Show"),
    (
        "ev.reveal.print",
        "打印含联系方式的表单",
        "Print a form with the contact",
    ),
    (
        "ev.reveal.print_hint",
        "仅本次打印显示上报人姓名和电话,并记入审计日志",
        "Only this print shows the reporter's name and phone; it is written to the audit log",
    ),
    ("ev.in_hand.verifying", "待核查", "Being verified"),
    ("ev.in_hand.closed", "无(已结案)", "Nobody (closed)"),
    ("ev.in_hand.rejected", "无(不予受理)", "Nobody (rejected)"),
    ("ev.in_hand.cancelled", "无(已作废)", "Nobody (cancelled)"),
    ("ev.in_hand.merged", "无(已合并)", "Nobody (merged)"),
    ("ev.inbox.due_soon", "即将到期", "Due soon"),
    ("ev.inbox.my_supervised", "我督办的", "Supervised by me"),
    ("home.watch", "我关注的", "What I watch"),
    (
        "home.watch_hint",
        "辖区内的事件:超时、即将到期和督办中的,点击查看并督办、催办",
        "Events in your area that are overdue, due soon or supervised; open one to supervise or remind",
    ),
    ("home.watch_all", "辖区全部事件", "All events in my area"),
];
