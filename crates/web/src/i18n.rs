//! zh-CN by default, English as a switch. Every string the UI shows comes from this table.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The `lang` cookie wins; otherwise Chinese.
    pub fn from_parts(parts: &Parts) -> Lang {
        match crate::auth::cookie(&parts.headers, "lang").as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Self::Rejection> {
        Ok(Lang::from_parts(parts))
    }
}

/// Translations handed to templates as `t`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The text for a key; an unknown key shows itself (a test checks that none is missing).
    pub fn s<'a>(&self, key: &'a str) -> &'a str {
        match TABLE.get(key) {
            Some((zh, en)) => match self.lang {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => key,
        }
    }

    pub fn has(key: &str) -> bool {
        TABLE.contains_key(key)
    }

    /// A node or grid kind, a role: looked up as `kind.X`, `grid_kind.X`, `role.X`.
    pub fn kind(&self, kind: &str) -> String {
        self.s(&format!("kind.{kind}")).to_string()
    }
    pub fn grid_kind(&self, kind: &str) -> String {
        self.s(&format!("grid_kind.{kind}")).to_string()
    }
    pub fn role(&self, role: &str) -> String {
        self.s(&format!("role.{role}")).to_string()
    }

    /// An error's message in this language: the table's text for `err.CODE`, else the message.
    pub fn error(&self, e: &wangge_domain::Error) -> String {
        match (self.lang, TABLE.get(format!("err.{}", e.code).as_str())) {
            (Lang::Zh, Some((zh, _))) => format!("{zh}({})", e.message),
            _ => e.message.clone(),
        }
    }
}

static TABLE: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| ENTRIES.iter().map(|(k, zh, en)| (*k, (*zh, *en))).collect());

/// (key, 中文, English)
pub const ENTRIES: &[(&str, &str, &str)] = &[
    (
        "app.name",
        "网格化服务管理平台",
        "Grid Service and Governance Platform",
    ),
    ("app.short", "网格", "wangge"),
    ("lang.switch", "English", "中文"),
    ("nav.home", "首页", "Home"),
    ("nav.tree", "区划与网格", "Areas & grids"),
    ("nav.map", "网格地图", "Grid map"),
    ("nav.users", "用户与角色", "Users & roles"),
    ("nav.check", "网格校验", "Grid check"),
    ("nav.api", "接口文档", "API docs"),
    ("nav.logout", "退出", "Log out"),
    ("login.title", "登录", "Log in"),
    ("login.username", "用户名", "User name"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Log in"),
    ("home.welcome", "欢迎", "Welcome"),
    ("home.your_area", "您的管辖范围", "Your area"),
    ("home.counts", "辖区概况", "Overview"),
    ("kind.city", "市", "City"),
    ("kind.county", "县(市、区)", "County / district"),
    ("kind.township", "乡镇(街道)", "Township / street"),
    ("kind.village", "村(社区)", "Village / community"),
    ("kind.grid", "网格", "Grid"),
    ("kind.building", "楼栋", "Building"),
    ("kind.unit", "单元", "Unit"),
    ("kind.department", "职能部门", "Department"),
    ("grid_kind.basic", "基础网格", "Basic grid"),
    (
        "grid_kind.office",
        "专属网格(商务楼宇)",
        "Exclusive: office building",
    ),
    ("grid_kind.park", "专属网格(园区)", "Exclusive: park"),
    (
        "grid_kind.market",
        "专属网格(商圈市场)",
        "Exclusive: market",
    ),
    ("grid_kind.school", "专属网格(学校)", "Exclusive: school"),
    (
        "grid_kind.hospital",
        "专属网格(医院)",
        "Exclusive: hospital",
    ),
    (
        "grid_kind.enterprise",
        "专属网格(企业)",
        "Exclusive: enterprise",
    ),
    ("role.admin", "管理员", "Administrator"),
    ("role.leader", "领导", "Leader"),
    ("role.operator", "综治中心", "Centre operator"),
    ("role.commander", "网格指挥长", "Grid commander"),
    ("role.grid_leader", "网格长", "Grid leader"),
    ("role.worker", "网格员", "Grid worker"),
    ("role.dept_handler", "职能部门", "Department handler"),
    ("role.volunteer", "志愿者", "Volunteer"),
    ("field.code", "编码", "Code"),
    ("field.name", "名称", "Name"),
    ("field.kind", "类型", "Kind"),
    ("field.area", "面积", "Area"),
    ("field.households", "户数", "Households"),
    ("field.population", "人口", "Population"),
    ("field.phone", "联系电话", "Phone"),
    ("field.worker", "网格员", "Grid worker"),
    ("field.leader", "网格长", "Grid leader"),
    ("field.parent", "上级", "Parent"),
    ("field.role", "角色", "Role"),
    ("field.node", "所属节点", "Node"),
    ("field.username", "用户名", "User name"),
    ("field.display_name", "姓名", "Name"),
    ("field.password", "密码", "Password"),
    ("field.active", "启用", "Active"),
    ("field.photo", "照片", "Photo"),
    ("common.none", "暂无", "None yet"),
    ("common.save", "保存", "Save"),
    ("common.cancel", "取消", "Cancel"),
    ("common.search", "搜索", "Search"),
    ("common.print", "打印", "Print"),
    ("common.back", "返回", "Back"),
    ("common.yes", "是", "Yes"),
    ("common.no", "否", "No"),
    ("common.not_filled", "待采集", "Not yet collected"),
    ("error.title", "出错了", "Something went wrong"),
    (
        "err.auth.bad_credentials",
        "用户名或密码错误",
        "Wrong user name or password",
    ),
    (
        "err.auth.throttled",
        "登录失败次数过多,请15分钟后再试",
        "Too many failed log-ins",
    ),
    ("err.auth.required", "请先登录", "Please log in"),
    (
        "err.auth.forbidden",
        "您的角色无权进行此操作",
        "Your role may not do this",
    ),
    (
        "err.auth.csrf",
        "请求来源不符,已拒绝",
        "Cross-site request refused",
    ),
    (
        "err.node.not_found",
        "未找到,或不在您的管辖范围内",
        "Not found, or outside your area",
    ),
    (
        "err.node.code_invalid",
        "编码不符合规则",
        "The code is not valid",
    ),
    (
        "err.node.code_taken",
        "编码已使用过,编码不可重复使用",
        "The code was used before",
    ),
    ("err.node.parent_unknown", "上级不存在", "Unknown parent"),
    (
        "err.node.name_invalid",
        "名称必填,不超过60字",
        "A name is required",
    ),
    (
        "err.grid.overlap",
        "边界与相邻网格重叠",
        "The boundary overlaps a neighbour",
    ),
    (
        "err.geometry.invalid",
        "边界图形无效",
        "The boundary is invalid",
    ),
    (
        "err.import.rows_invalid",
        "导入文件有错误,未导入任何数据",
        "The file has errors; nothing was imported",
    ),
    (
        "err.user.username_taken",
        "用户名已被占用",
        "User name taken",
    ),
    (
        "err.user.password_weak",
        "密码至少8位",
        "The password is too short",
    ),
    (
        "err.user.role_node_mismatch",
        "该角色不能挂在此类节点上",
        "This role does not sit at this kind of node",
    ),
    (
        "err.user.node_unknown",
        "节点不存在或不在管辖范围内",
        "Unknown node",
    ),
    (
        "err.request.invalid",
        "请求内容有误",
        "The request is invalid",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_filled() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in ENTRIES {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "empty text for {k}");
        }
        for k in wangge_domain::NodeKind::ALL {
            assert!(Tr::has(&format!("kind.{}", k.as_str())));
        }
        for k in wangge_domain::GridKind::ALL {
            assert!(Tr::has(&format!("grid_kind.{}", k.as_str())));
        }
        for r in wangge_domain::Role::ALL {
            assert!(Tr::has(&format!("role.{}", r.as_str())));
        }
    }

    /// Every `t.s("…")` in a template names a key of the table.
    #[test]
    fn templates_use_known_keys() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let Ok(entries) = std::fs::read_dir(dir) else {
            unreachable!("templates dir exists")
        };
        let mut checked = 0;
        for e in entries.flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            for part in text.split("t.s(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                assert!(
                    Tr::has(key),
                    "{} uses unknown key {key}",
                    e.path().display()
                );
                checked += 1;
            }
        }
        assert!(checked > 0);
    }
}
