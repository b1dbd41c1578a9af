//! Texts of log-in and passwords: (key, 中文, English).

pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("auth.change_password", "修改我的密码", "Change my password"),
    ("auth.current_password", "当前密码", "Current password"),
    ("auth.new_password", "新密码", "New password"),
    (
        "auth.password_change_hint",
        "修改或重置密码后,该用户在其他设备上的登录和全部接口令牌都将失效。",
        "After a change or reset, the user's other log-ins and all their API tokens stop working.",
    ),
];
