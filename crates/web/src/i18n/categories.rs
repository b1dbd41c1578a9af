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
    (
        "err.category.code_invalid",
        "分类编码无效:2–12位大写字母或数字,小类编码以大类编码开头",
        "The code is 2 to 12 capital letters and digits; a kind's code starts with its class's code",
    ),
    (
        "err.category.code_taken",
        "该编码已存在,请修改原分类",
        "That code is taken; change that category instead",
    ),
    (
        "err.category.parent_invalid",
        "所属大类无效(分类只有两级)",
        "The class is not a class of the tree (two levels only)",
    ),
    (
        "err.category.parent_fixed",
        "分类不能移到其他大类,请新建",
        "A category stays in its class; add a new one instead",
    ),
    (
        "err.category.parent_retired",
        "所属大类已停用,请先启用大类",
        "Its class is retired; bring the class back first",
    ),
    (
        "err.category.name_invalid",
        "名称必填,且不超过规定长度",
        "The name is required and must not be too long",
    ),
    (
        "err.category.complexity_invalid",
        "复杂程度无效",
        "Unknown complexity",
    ),
    (
        "err.category.level_invalid",
        "处置层级为1(网格)至5(市)",
        "The handling level is 1 (grid) to 5 (city)",
    ),
    (
        "err.category.sort_invalid",
        "排序为0至1000000的整数",
        "The order is a whole number from 0 to 1000000",
    ),
    (
        "err.event.category_retired",
        "该分类已停用,请选择其他分类",
        "That category is retired; choose another",
    ),
];
