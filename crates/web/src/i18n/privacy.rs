//! Texts of the privacy rules: the birth year shown instead of the date, and the audit log's
//! exact look-ups by ID number or phone.

pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("bf.birth_year", "出生年份", "Birth year"),
    (
        "audit.action.lookup",
        "按身份证号或手机号查询",
        "Look-up by ID number or phone",
    ),
    ("audit.field.matched", "查到人数", "people found"),
    ("audit.field.ids", "记录ID", "record ids"),
];
