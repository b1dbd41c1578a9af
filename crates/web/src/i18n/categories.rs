//! Texts of the category administration page: (key, 中文, English).

pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("nav.categories", "事件分类", "Categories"),
    ("cat.title", "事件分类管理", "Event categories"),
    (
        "cat.hint",
        "两级分类:大类及其小类。小类编码以大类编码开头;停用的分类保留在已有事件上,但不再受理新的上报。",
        "Two levels: classes and their kinds. A kind's code starts with its class's code; a retired category stays on past events but takes no new reports.",
    ),
    ("cat.saved", "已保存", "Saved"),
    ("cat.name", "名称", "Name"),
    ("cat.name_en", "英文名称", "English name"),
    ("cat.level", "处置层级", "Handling level"),
    ("cat.sort", "排序", "Order"),
    (
        "cat.auto_escalate",
        "超时自动上报",
        "Escalates when overdue",
    ),
    ("cat.active", "启用", "In use"),
    ("cat.retired", "已停用", "Retired"),
    ("cat.save", "保存", "Save"),
    ("cat.add", "新增分类", "Add a category"),
    ("cat.parent", "所属大类", "Class"),
    ("cat.no_parent", "(作为大类)", "(a class of its own)"),
    ("cat.code", "编码", "Code"),
];
