//! zh-CN by default, English as a switch. Every string the UI shows comes from this table.

mod analysis;
mod as_close;
mod as_reports;
mod as_rules;
mod as_score;
mod as_supervise;
mod as_survey;
mod auth;
mod basic;
mod calendar;
mod categories;
mod grids;
mod handling;
mod imports;
mod intake;
mod nav;
mod open311;
mod privacy;
mod residents;
mod transfer;
mod vol_activities;
mod vol_gifts;
mod vol_hub;
mod vol_points;
mod vol_register;
mod wb_field;
mod wb_home;
mod wb_offline;
mod wb_staff;
mod wb_visits;
mod work;

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

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

    /// For clients that keep no cookie of ours (Open311 apps): the `lang` cookie when there is
    /// one, else the language of highest weight in `Accept-Language`, else Chinese. Pages keep
    /// [`Lang::from_parts`]: a browser's own language must not switch them.
    pub fn negotiate(headers: &HeaderMap) -> Lang {
        if let Some(c) = crate::auth::cookie(headers, "lang") {
            return if c == "en" { Lang::En } else { Lang::Zh };
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
            .unwrap_or(Lang::Zh)
    }

    /// `zh-CN,en;q=0.8` → Chinese; `en-US,zh;q=0.5` → English; neither named → none. The first of
    /// equal weights wins; a weight of 0 refuses the language.
    pub fn from_accept_language(value: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for range in value.split(',').take(32) {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else if tag == "zh" || tag.starts_with("zh-") {
                Lang::Zh
            } else {
                continue;
            };
            if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map(|(_, l)| l)
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

    /// A node or grid kind, a role: looked up as `kind.X`, `grid_kind.X`, `role.X`. Takes the
    /// domain enum (whose Display is its stored name) or a name as text.
    pub fn kind(&self, kind: impl std::fmt::Display) -> String {
        self.s(&format!("kind.{kind}")).to_string()
    }
    pub fn grid_kind(&self, kind: impl std::fmt::Display) -> String {
        self.s(&format!("grid_kind.{kind}")).to_string()
    }
    pub fn role(&self, role: impl std::fmt::Display) -> String {
        self.s(&format!("role.{role}")).to_string()
    }

    /// A name kept in both languages (a category's): the English one on an English page, the
    /// Chinese one where no English name was given.
    pub fn name<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::En if !en.trim().is_empty() => en,
            _ => zh,
        }
    }

    /// An error's text in this language, from the domain's error table with its parameters.
    pub fn error(&self, e: &wangge_domain::Error) -> String {
        e.text(self.lang == Lang::Zh)
    }
}

static TABLE: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| all_entries().map(|(k, zh, en)| (*k, (*zh, *en))).collect());

/// Every table: the foundation's and one per area of the UI.
pub fn all_entries() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    ENTRIES
        .iter()
        .chain(intake::ENTRIES)
        .chain(residents::ENTRIES)
        .chain(work::ENTRIES)
        .chain(analysis::ENTRIES)
        .chain(calendar::ENTRIES)
        .chain(categories::ENTRIES)
        .chain(imports::ENTRIES)
        .chain(basic::ENTRIES)
        .chain(handling::ENTRIES)
        .chain(nav::ENTRIES)
        .chain(grids::ENTRIES)
        .chain(auth::ENTRIES)
        .chain(privacy::ENTRIES)
        .chain(transfer::ENTRIES)
        .chain(wb_visits::ENTRIES)
        .chain(wb_field::ENTRIES)
        .chain(wb_staff::ENTRIES)
        .chain(wb_home::ENTRIES)
        .chain(as_rules::ENTRIES)
        .chain(as_score::ENTRIES)
        .chain(as_close::ENTRIES)
        .chain(as_supervise::ENTRIES)
        .chain(as_survey::ENTRIES)
        .chain(as_reports::ENTRIES)
        .chain(wb_offline::ENTRIES)
        .chain(vol_hub::ENTRIES)
        .chain(vol_register::ENTRIES)
        .chain(vol_activities::ENTRIES)
        .chain(vol_points::ENTRIES)
        .chain(vol_gifts::ENTRIES)
        .chain(open311::ENTRIES)
}

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
    ("nav.events", "事件办理", "Events"),
    ("nav.analysis", "研判分析", "Analysis"),
    ("nav.users", "用户与角色", "Users & roles"),
    ("nav.check", "网格校验", "Grid check"),
    ("nav.api", "接口文档", "API docs"),
    ("nav.logout", "退出", "Log out"),
    ("login.title", "登录", "Log in"),
    ("login.username", "用户名", "User name"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Log in"),
    ("home.welcome", "欢迎,", "Welcome, "),
    ("home.your_area", "您的管辖范围", "Your area"),
    ("home.counts", "辖区概况", "Overview"),
    ("home.work", "我的工作", "My work"),
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
    ("common.saved", "已保存", "Saved"),
    ("common.prev", "上一页", "Previous"),
    ("common.next", "下一页", "Next"),
    (
        "tree.search_placeholder",
        "按名称或编码搜索",
        "Search by name or code",
    ),
    ("tree.results", "搜索结果", "Search results"),
    ("tree.no_results", "没有找到", "Nothing found"),
    ("tree.children", "下级", "Below this"),
    ("tree.staff", "本级人员", "Staff here"),
    ("tree.grid_page", "网格详情", "Grid page"),
    ("tree.on_map", "在地图上查看", "Show on map"),
    ("tree.add_child", "新增下级节点", "Add a node below"),
    ("tree.add_submit", "新增", "Add"),
    ("tree.grid_kind", "网格类型", "Grid kind"),
    (
        "tree.boundary_geojson",
        "边界(GeoJSON)",
        "Boundary (GeoJSON)",
    ),
    (
        "tree.grid_hint",
        "新增网格须提供边界;也可先导入,再在地图上调整。",
        "A new grid needs a boundary; you can also import grids and adjust them on the map.",
    ),
    ("map.grids", "个网格", "grids"),
    ("map.list_view", "列表", "List"),
    ("map.list_title", "网格列表", "Grid list"),
    ("map.no_grids", "范围内没有网格", "No grids in this area"),
    ("map.open_grid", "打开网格页", "Open grid page"),
    ("map.show_on_map", "定位", "Locate"),
    (
        "map.load_failed",
        "地图数据加载失败",
        "The map data could not be loaded",
    ),
    ("grid.title", "网格", "Grid"),
    ("grid.edit", "编辑边界", "Edit boundary"),
    ("grid.resident_page", "群众扫码页", "Resident page"),
    ("grid.no_boundary", "尚未绘制边界", "No boundary drawn yet"),
    ("grid.versions", "边界变更记录", "Boundary history"),
    ("grid.v_time", "时间", "Time"),
    ("grid.v_action", "操作", "Action"),
    ("grid.v_actor", "操作人", "By"),
    ("grid.v_note", "说明", "Note"),
    ("version.create", "新建", "Created"),
    ("version.redraw", "重绘", "Redrawn"),
    ("version.split", "拆分", "Split"),
    ("version.merge", "合并", "Merged"),
    ("version.retire", "撤销", "Retired"),
    ("board.title", "公示牌", "Notice board"),
    (
        "board.public_url_local",
        "二维码指向本机地址,居民手机无法打开。请用 --public-url(或配置文件的 public_url)设置居民可访问的地址后重启。",
        "The QR code points at this machine's own address, which residents' phones cannot open. Set an address they can reach with --public-url (or public_url in the config file) and restart.",
    ),
    ("board.heading", "网格公示牌", "Grid Notice Board"),
    ("board.code", "网格编码(一格一码)", "Grid code"),
    (
        "board.scan",
        "扫一扫,反映诉求、联系网格员",
        "Scan to contact your grid worker",
    ),
    (
        "board.duty",
        "网格员职责:走访群众、排查隐患、化解矛盾、代办服务、信息采集",
        "Grid worker's duties: visiting residents, spotting hazards, settling disputes, agency services, keeping information current",
    ),
    ("resident.title", "我的网格", "My grid"),
    ("resident.call", "拨打", "Call"),
    ("edit.title", "编辑网格边界", "Edit grid boundary"),
    ("edit.this_grid", "本网格", "This grid"),
    (
        "edit.siblings",
        "同村(社区)其他网格",
        "Other grids of the village",
    ),
    ("edit.redraw", "调整边界", "Redraw"),
    (
        "edit.redraw_hint",
        "点“编辑顶点”后拖动地图上的顶点,再点“保存边界”。",
        "Click “Edit vertices”, drag the vertices on the map, then “Save boundary”.",
    ),
    ("edit.edit_vertices", "编辑顶点", "Edit vertices"),
    ("edit.save_boundary", "保存边界", "Save boundary"),
    ("edit.note", "变更说明", "Note"),
    ("edit.geojson", "GeoJSON(高级)", "GeoJSON (advanced)"),
    ("edit.split", "拆分网格", "Split"),
    (
        "edit.split_hint",
        "点“画分割线”,在地图上依次点击画一条穿过网格的线,点最后一点(或“完成画线”)结束;填写新网格名称后保存。",
        "Click “Draw line”, click points across the grid, click the last point again (or “Finish line”); name the new grid and save.",
    ),
    ("edit.draw_line", "画分割线", "Draw line"),
    ("edit.finish_line", "完成画线", "Finish line"),
    ("edit.new_name", "新网格名称", "Name of the new grid"),
    ("edit.save_split", "保存拆分", "Save split"),
    ("edit.merge", "合并网格", "Merge"),
    (
        "edit.merge_hint",
        "选择相邻网格并入本网格;被并入的网格编码作废,人员转入本网格。",
        "Choose a neighbouring grid to merge into this one; its code is retired and its staff move here.",
    ),
    ("edit.merge_with", "并入的网格", "Grid to merge in"),
    ("edit.save_merge", "合并", "Merge"),
    ("edit.saved", "边界已保存", "Boundary saved"),
    ("edit.split_done", "已拆分,新网格:", "Split done; new grid:"),
    ("edit.merge_done", "已合并", "Merged"),
    ("edit.no_line", "请先画一条分割线", "Draw a line first"),
    (
        "edit.no_name",
        "请填写新网格名称",
        "Enter the new grid's name",
    ),
    (
        "edit.no_other",
        "请选择要并入的网格",
        "Choose a grid to merge",
    ),
    ("edit.check_title", "校验结果", "Check"),
    ("edit.check_clean", "无缝隙、无重叠", "No gaps, no overlaps"),
    ("edit.check_parents", "检查上级数", "Parents checked"),
    ("edit.check_grids", "检查网格数", "Grids checked"),
    ("edit.sizes", "规模提示", "Size notes"),
    ("edit.missing_boundary", "缺少边界", "Missing boundary"),
    (
        "check.within",
        "范围编码(留空为本级)",
        "Area code (empty: yours)",
    ),
    ("check.run", "校验", "Check"),
    ("check.parents_checked", "个上级已检查", "parents checked"),
    ("check.grids_checked", "个网格已检查", "grids checked"),
    ("check.findings", "处覆盖问题", "coverage findings"),
    ("check.size_problems", "规模问题", "Size problems"),
    (
        "check.clean",
        "无缝隙、无重叠,全域覆盖",
        "No gaps, no overlaps: full coverage",
    ),
    ("check.coverage", "覆盖问题", "Coverage findings"),
    ("check.gap", "缝隙", "Gap"),
    ("check.overlap", "重叠", "Overlap"),
    ("check.outside", "超出上级", "Outside parent"),
    ("check.area_m2", "面积(m²)", "Area (m²)"),
    ("check.where", "位置(纬度, 经度)", "Where (lat, lon)"),
    ("check.codes", "涉及网格", "Grids"),
    ("check.problem", "问题", "Problem"),
    (
        "check.missing_boundary",
        "缺少边界的节点",
        "Nodes without a boundary",
    ),
    (
        "users.search_placeholder",
        "用户名、姓名或节点名称",
        "User name, name or node",
    ),
    ("users.create", "新建用户", "New user"),
    ("users.create_submit", "创建", "Create"),
    ("users.node_code", "所属节点编码", "Node code"),
    (
        "users.node_hint",
        "选中的节点编码会填在这里,也可直接填写;角色须与节点类型相符(括号内)。",
        "The chosen node's code goes here; you may also type it. The role must fit the node kind (in brackets).",
    ),
    ("users.current_node", "当前节点", "Current node"),
    ("users.edit_title", "编辑用户", "Edit user"),
    ("users.set_password", "重置密码", "Set password"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn keys_are_unique_and_both_languages_filled() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in all_entries() {
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

    /// An error reads in one language: the table's text filled in, no English in a Chinese page.
    #[test]
    fn an_error_reads_in_the_page_language_only() {
        let e = wangge_domain::err!("event.not_found", number = "SJ20250101-000001");
        let zh = Tr::new(Lang::Zh).error(&e);
        assert!(zh.contains("找不到事件 SJ20250101-000001"), "{zh}");
        assert!(!zh.contains("no event"), "{zh}");
        assert_eq!(Tr::new(Lang::En).error(&e), "no event SJ20250101-000001");
        assert!(all_entries().all(|(k, _, _)| !k.starts_with("err.")));
    }

    #[test]
    fn accept_language_picks_the_weightiest_of_ours() {
        let l = Lang::from_accept_language;
        assert_eq!(l("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(l("zh-CN,zh;q=0.9,en;q=0.8"), Some(Lang::Zh));
        assert_eq!(l("fr, en;q=0.5, zh;q=0.7"), Some(Lang::Zh));
        assert_eq!(l("zh;q=0, en-GB"), Some(Lang::En));
        assert_eq!(l("english, zhx, fr"), None);
        assert_eq!(l(""), None);
        let mut h = HeaderMap::new();
        assert_eq!(Lang::negotiate(&h), Lang::Zh);
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en"));
        assert_eq!(Lang::negotiate(&h), Lang::En);
        // The switch a person made wins over what their browser says.
        h.insert(header::COOKIE, HeaderValue::from_static("lang=zh"));
        assert_eq!(Lang::negotiate(&h), Lang::Zh);
    }

    /// Every `t.s("…")` in a template names a key of the table.
    #[test]
    fn templates_use_known_keys() {
        // Templates sit in one folder per feature below the templates folder.
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates"
        ))];
        let mut checked = 0;
        let mut files = 0;
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                files += 1;
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for part in text.split("t.s(\"").skip(1) {
                    let key = part.split('"').next().unwrap_or_default();
                    assert!(Tr::has(key), "{} uses unknown key {key}", path.display());
                    checked += 1;
                }
            }
        }
        assert!(files > 20, "the templates were found");
        assert!(checked > 0);
    }
}
