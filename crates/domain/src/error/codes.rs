//! Every error code the program returns, one line each: code, HTTP status, zh-CN text, English
//! text. `{name}`s in the texts are the error's named parameters; both texts use the same names
//! (a test checks that, that every code used in the sources is here, and that no text is empty).
//! The English text, filled in, is the API's `message`; `wangge errors` prints this table.
//!
//! Codes that a field check or an import row reports (`id.checksum`, `header.missing`,
//! `basic.duplicate_in_file`, `sheet.*`) are here too: they reach people in `details` and in
//! import reports, and carry status 400 as the request that found them does.

/// One line of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub code: &'static str,
    pub status: u16,
    pub zh: &'static str,
    pub en: &'static str,
}

/// The line of `code`, if it is tabled.
pub fn entry(code: &str) -> Option<&'static Entry> {
    CODES.iter().find(|e| e.code == code)
}

macro_rules! codes {
    ($($code:literal $status:literal $zh:literal $en:literal;)*) => {
        /// The table, grouped by area.
        pub const CODES: &[Entry] = &[$(Entry { code: $code, status: $status, zh: $zh, en: $en }),*];
    };
}

codes! {
    // Whatever went wrong inside; the detail is for whoever reads the log.
    "internal" 500 "服务器内部错误:{detail}" "internal error: {detail}";

    // Requests
    "request.invalid" 400 "请求内容有误:{reason}" "the request is invalid: {reason}";
    "request.invalid_json" 400 "请求内容格式有误:{reason}" "the request is not the expected JSON: {reason}";
    "request.bad_form" 400 "表单内容有误:{reason}" "the form could not be read: {reason}";
    "request.bad_number" 400 "{field} 不是有效的数字" "{field} is not a valid number here";
    "request.bad_date" 400 "{field} 应为日期 YYYY-MM-DD" "{field} is a date YYYY-MM-DD";
    "upload.invalid" 400 "上传内容有误:{reason}" "the upload is invalid: {reason}";
    "upload.too_large" 413 "上传内容超过 {max_mb} MB" "the body is larger than {max_mb} MB";
    "db.duplicate" 409 "记录已存在:{reason}" "already exists: {reason}";
    "db.reference" 409 "引用的记录不存在:{reason}" "a reference is broken: {reason}";
    "db.busy" 503 "服务器繁忙,请 {seconds} 秒后再试" "the server is busy; try again in {seconds} seconds";
    "db.timeout" 503 "数据库查询超时,请稍后再试" "the database took too long to answer; try again shortly";

    // Log-in, roles, tokens
    "auth.required" 401 "请先登录" "log in first";
    "auth.bad_credentials" 401 "用户名或密码错误" "wrong user name or password";
    "auth.bad_token" 401 "接口令牌无效或已撤销" "the API token is unknown or revoked";
    "auth.throttled" 429 "此账号或此地址登录失败次数过多,请 {minutes} 分钟后再试;在曾经登录过的设备上可用正确密码登录" "too many failed log-ins for this name or from this address; try again in {minutes} minutes, or log in from a device you have used before";
    "auth.slow_down" 429 "登录失败次数过多,请 {seconds} 秒后再试" "too many failed log-ins; try again in {seconds} seconds";
    "auth.current_password" 403 "当前密码不正确" "the current password is wrong";
    "auth.forbidden" 403 "您的角色无权进行此操作" "your role may not do this";
    "auth.csrf" 403 "请求来源不符,已拒绝" "cross-site request refused";
    "token.name_invalid" 400 "令牌名称必填,不超过80字" "a token needs a name (at most 80 characters)";

    // The tree and its grids
    "node.not_found" 404 "编码为 {code} 的节点不存在,或不在您的管辖范围内" "no node with code {code}";
    "node.code_invalid" 400 "编码不符合规则:{reason}" "{reason}";
    "node.code_taken" 409 "编码 {code} 已使用过,编码不可重复使用" "code {code} has been issued before; a code is never reused";
    "node.parent_unknown" 400 "上级 {code} 不存在或不在您的管辖范围内" "parent {code} does not exist in your area";
    "node.parent_missing" 400 "{kind} 须有上级编码" "a {kind} needs a parent code";
    "node.name_invalid" 400 "名称必填,不超过60字" "a name is required and has at most 60 characters";
    "node.kind_invalid" 400 "“{kind}”不是节点类型" "\"{kind}\" is not a node kind";
    "node.grid_kind_unexpected" 400 "只有网格才有网格类型" "only grids have a grid kind";
    "node.no_territory" 400 "该节点没有边界" "this node has no boundary to draw";
    "grid.overlap" 409 "边界与相邻网格重叠:{grids}" "the boundary overlaps {grids}";
    "grid.kind_missing" 400 "请选择网格类型(基础网格或专属网格)" "a grid needs a kind (basic or an exclusive kind)";
    "grid.kind_invalid" 400 "“{kind}”不是网格类型" "\"{kind}\" is not a grid kind";
    "grid.boundary_missing" 400 "网格缺少边界" "the grid needs a boundary";
    "grid.not_a_grid" 400 "只能拆分网格" "only grids are split";
    "grid.merge_invalid" 400 "只能合并同一村(社区)的两个不同网格" "only two different grids of the same village or community are merged";
    "grid.codes_exhausted" 409 "村(社区){village} 的999个网格编码已用完" "village {village} has used all 999 grid codes";
    "grid.check_not_clean" 409 "保存后将出现 {count} 处缝隙或越界,共 {area} 平方米;请确认后再保存" "saving leaves gaps or pieces outside ({count}, {area} m² in all): confirm to save anyway";
    "grid.version_not_found" 404 "网格 {code} 没有第 {version} 号版本" "grid {code} has no version {version}";
    "grid.version_empty" 400 "第 {version} 号版本没有边界,无法恢复" "version {version} has no boundary to restore";
    "grid.photo_missing" 400 "请选择一张照片" "choose a photo";
    "locate.invalid" 400 "纬度须在 [-90, 90]、经度须在 [-180, 180] 之内" "lat must lie in [-90, 90] and lon in [-180, 180]";

    // Geometry (GeometryError)
    "geometry.invalid" 400 "边界图形无效:{reason}" "{reason}";
    "geometry.missing" 400 "该要素没有图形" "the feature has no geometry";
    "geometry.bad_json" 400 "不是有效的 JSON:{reason}" "The text is not valid JSON: {reason}.";
    "geometry.not_an_object" 400 "应为 GeoJSON 对象,实为 {found}" "Expected a GeoJSON object, found {found}.";
    "geometry.missing_type" 400 "GeoJSON 对象缺少 \"type\" 成员" "The GeoJSON object has no \"type\" member.";
    "geometry.wrong_type" 400 "应为 GeoJSON {expected} 图形,实为类型 {found}" "Expected a GeoJSON {expected} geometry, found type {found}.";
    "geometry.bad_coordinates" 400 "{path} 处的坐标无效:{reason}" "Invalid coordinates at {path}: {reason}.";
    "geometry.non_finite" 400 "{path} 处的坐标不是有限数值" "The position at {path} has a coordinate that is not a finite number.";
    "geometry.out_of_range" 400 "{path} 处的坐标超出范围:经度 {lon} 须在 [-180, 180]、纬度 {lat} 须在 [-90, 90] 之内" "The position at {path} is out of range: longitude {lon} must be within [-180, 180] and latitude {lat} within [-90, 90].";
    "geometry.too_few_positions" 400 "{path} 处的{what}只有 {found} 个点,至少需要 {min} 个" "The {what} at {path} has {found} positions; at least {min} are needed.";
    "geometry.ring_not_closed" 400 "{path} 处的环未闭合:首点须与末点相同" "The ring at {path} is not closed: its first position must equal its last position.";
    "geometry.zero_area" 400 "{path} 处的环面积为零" "The ring at {path} encloses no area.";
    "geometry.self_intersection" 400 "{path} 处的边界自相交:第 {edge_a} 条边与第 {edge_b} 条边在 [{lon}, {lat}] 附近相交" "The ring at {path} intersects itself: edge {edge_a} and edge {edge_b} meet near [{lon}, {lat}].";
    "geometry.hole_outside_shell" 400 "{path} 处的洞不在所属多边形的外环之内" "The hole at {path} is not inside the exterior ring of its polygon.";
    "geometry.holes_overlap" 400 "{path_a} 与 {path_b} 处的洞相互重叠" "The holes at {path_a} and {path_b} overlap each other.";
    "geometry.polygons_overlap" 400 "多边形 {a} 与 {b} 相互重叠" "Polygons {a} and {b} of the MultiPolygon overlap each other.";
    "geometry.empty" 400 "图形中没有多边形" "The geometry has no polygons.";
    "geometry.line_end_inside" 400 "分割线的{which}在区域内或边界上,分割线须起止于区域之外" "The {which} of the cutting line lies inside or on the area; a cutting line must start and end outside it.";
    "geometry.line_end_enclosed" 400 "分割线的{which}被区域包围,分割线须起止于区域外的空地" "The {which} of the cutting line is enclosed by the area; a cutting line must start and end in open space outside it.";
    "geometry.line_does_not_cross" 400 "分割线没有把区域分成两部分" "The line does not cut the area into two parts.";
    "geometry.not_adjacent" 400 "两个区域不相邻(没有共同的边界线段),不能合并" "The two areas are not neighbours: they do not share a boundary segment, so they cannot be merged.";

    // Grid files (GeoJSON import)
    "import.not_json" 400 "文件不是 JSON:{reason}" "the file is not JSON: {reason}";
    "import.not_feature_collection" 400 "文件须为带 features 数组的 GeoJSON FeatureCollection" "the file must be a GeoJSON FeatureCollection with a features array";
    "import.rows_invalid" 400 "{total} 个要素中有 {bad} 个有误,未导入任何数据" "{bad} of {total} features are invalid; nothing was imported";
    "import.code_missing" 400 "缺少 code 属性" "property code is missing";
    "import.code_duplicate" 400 "编码 {code} 在文件中出现两次" "code {code} appears twice in the file";
    "import.name_missing" 400 "缺少 name 属性" "property name is missing";
    "import.parent_missing" 400 "缺少 parent_code 属性" "property parent_code is missing";
    "import.not_a_grid" 409 "编码 {code} 属于一个{kind}" "code {code} belongs to a {kind}";
    "import.parent_changed" 400 "网格 {code} 位于另一个上级之下,网格不能移动" "grid {code} lies under another parent; a grid does not move";

    // Users
    "user.not_found" 404 "用户 {user} 不存在或不在管辖范围内" "no user {user}";
    "user.username_invalid" 400 "用户名为3–40位字母、数字或 . _ -" "a user name has 3–40 letters, digits, '.', '_' or '-'";
    "user.username_taken" 409 "用户名 {username} 已被占用" "user name {username} is taken";
    "user.password_weak" 400 "密码至少8位" "a password has at least 8 characters";
    "user.phone_invalid" 400 "电话只能包含数字、- 和 +" "a phone number has digits, '-' and '+' only";
    "user.name_invalid" 400 "姓名必填,不超过40字" "a display name is required (at most 40 characters)";
    "user.role_invalid" 400 "“{role}”不是角色" "\"{role}\" is not a role";
    "user.role_node_mismatch" 400 "{role} 只能挂在 {allowed} 上,不能挂在 {kind} 上" "a {role} is attached to a {allowed}, not a {kind}";
    "user.node_unknown" 400 "节点 {code} 不存在或不在管辖范围内" "node {code} does not exist in your area";
    "user.self_deactivate" 400 "不能停用自己的账号" "you cannot deactivate yourself";
    "open311.key_name_invalid" 400 "接口密钥名称须为1至100个字符" "an API key needs a name of 1 to 100 characters";

    // Sealed values and their keys
    "seal.keys_missing" 500 "没有密钥:{reason}" "no keys: {reason}";
    "seal.keys_invalid" 500 "密钥文件有误:{source}:{reason}" "{source}: {reason}";
    "seal.keys_io" 500 "无法{action}密钥文件 {path}:{reason}" "cannot {action} key file {path}: {reason}";
    "seal.keys_exist" 500 "密钥文件 {path} 已存在,不会覆盖" "key file {path} already exists; not overwriting it";
    "seal.no_randomness" 500 "无法取得随机数:{reason}" "no randomness: {reason}";
    "seal.open_failed" 500 "无法解封数据:{reason}" "{reason}";
    "seal.seal_failed" 500 "数据无法加密封存" "a value could not be sealed";

    // Calendar (CalendarError and the calendar pages)
    "calendar.missing_year" 422 "缺少 {year} 年的日历" "calendar missing for {year}";
    "calendar.bad_date" 400 "“{text}”不是有效日期(应为 YYYY-MM-DD,年份 0000 至 9999)" "\"{text}\" is not a valid date (expected YYYY-MM-DD, year 0000 to 9999)";
    "calendar.bad_data" 400 "日历内容第 {line} 行有误:{reason}" "calendar data line {line}: {reason}";
    "calendar.bad_year" 400 "{year} 年的日历有误:{reason}" "calendar year {year}: {reason}";
    "calendar.bad_instant" 400 "“{text}”不是 RFC 3339 时间(如 2025-02-10T09:30:00+08:00):{reason}" "\"{text}\" is not an RFC 3339 date-time such as 2025-02-10T09:30:00+08:00: {reason}";
    "calendar.out_of_range" 400 "超出范围:{what}" "out of range: {what}";
    "calendar.year_invalid" 400 "年份须为四位数字,如 2027" "the year has four digits, as 2027";
    "calendar.year_empty" 400 "未列出 {year} 年的任何法定节假日" "the text lists no statutory holiday of {year}";
    "calendar.too_long" 400 "日历内容最多 {max} 字" "the text has at most {max} characters";
    "calendar.holiday_on_weekend" 400 "{date} 是周末,本来就休息:只有周一至周五才能标为节假日“休”" "{date} is a weekend day, a rest day already: only Monday to Friday can be marked as a holiday";
    "calendar.workday_on_weekday" 400 "{date} 是工作日,本来就上班:只有周六或周日才能标为调休上班“班”" "{date} is a weekday, a working day already: only a Saturday or Sunday can be a make-up working day";

    // Categories
    "category.code_invalid" 400 "分类编码无效:2–12位大写字母或数字,小类编码以大类编码开头且更长" "a category code is 2 to 12 capital letters and digits; a kind's code starts with its class's code and is longer";
    "category.code_taken" 409 "编码 {code} 已存在,请修改原分类" "{code} is taken; change that category instead";
    "category.name_invalid" 400 "名称必填,一行之内不超过 {max} 字" "the name is required and has at most {max} characters on one line";
    "category.parent_invalid" 400 "{parent} 不是分类树中的大类(分类只有两级)" "{parent} is not a class of the tree (the tree has two levels)";
    "category.parent_fixed" 409 "分类不能移到其他大类,请新建" "a category stays in its class; make a new one instead";
    "category.parent_retired" 409 "所属大类已停用,请先启用大类" "its class is retired; bring the class back first";
    "category.complexity_invalid" 400 "复杂程度为一般、复杂或重大" "complexity is ordinary, complex or major";
    "category.level_invalid" 400 "处置层级为1(网格)至5(市)" "the handling level is 1 (grid) to 5 (city)";
    "category.sort_invalid" 400 "排序为0至1000000的整数" "the sort order is 0 to 1000000";
    "category.threshold_invalid" 400 "“我也遇到”人数为0至{max}的整数(0 表示不向居民公开办理中的事件)" "the me-too count is 0 to {max} (0: open cases are not shown to residents)";
    "category.hint_invalid" 400 "去向提示在一行之内,不超过 {max} 字" "the hint is one line of at most {max} characters";

    // Events: reports
    "event.not_found" 404 "找不到事件 {number},或不在您的管辖范围内" "no event {number}";
    "event.category_unknown" 400 "类别 “{code}” 不存在" "no category \"{code}\"";
    "event.category_required" 400 "请选择问题类别" "choose a category";
    "event.category_retired" 400 "{name} 已停用,请选择其他分类" "{name} is no longer used; choose another kind";
    "event.category_not_leaf" 400 "请选择具体的小类({name} 之下)" "choose a kind inside {name}";
    "event.description_required" 400 "请填写问题描述" "describe what happened";
    "event.description_too_long" 400 "问题描述最多 {max} 字" "the description has at most {max} characters";
    "event.address_too_long" 400 "地址最多 {max} 字" "the address has at most {max} characters";
    "event.name_too_long" 400 "姓名最多 {max} 字" "the name has at most {max} characters";
    "event.phone_invalid" 400 "手机号码格式不正确(7至15位数字)" "a phone number has 7 to 15 digits";
    "event.too_many_photos" 400 "最多 {max} 张照片" "at most {max} photos";
    "event.location_invalid" 400 "请以 WGS-84 度数同时给出纬度和经度" "give both lat and lon in WGS-84 degrees";
    "event.location_outside" 400 "该位置不在任何网格内" "the location lies outside every grid";
    "event.location_required" 400 "请在地图上选择位置或选择网格" "give a location or choose a grid";
    "event.not_a_grid" 400 "{code} 不是网格" "{code} is not a grid";
    "event.grid_changed" 409 "网格刚刚有变动,请重新提交" "the grid changed a moment ago; send the report again";
    "event.urgency_invalid" 400 "紧急程度为一般、紧急或特急" "urgency is normal, urgent or emergency";
    "event.source_invalid" 400 "来源无效:来电、来访、网格员,或(乡镇及以上)上级交办" "source is operator_phone, operator_visit, worker or, from a township or higher, assignment";
    "event.submission_key_invalid" 400 "提交键最多100个字符" "a submission key has at most 100 characters";
    "intake.rate_limited" 429 "提交过于频繁:{minutes} 分钟内最多 {max} 次,请稍后再试" "too many submissions from this address: at most {max} in {minutes} minutes; try again later";
    "intake.form_invalid" 400 "表单无法读取,请重新填写:{reason}" "the form could not be read: {reason}";
    "intake.upload_too_large" 413 "上传内容过大(合计不超过 {max_mb} MB)" "the upload is larger than {max_mb} MB in all";
    "intake.too_many_photos" 400 "最多只能上传 {max} 张照片" "at most {max} photos";
    "track.lookup_not_found" 404 "没有找到与该编号和手机号相符的事件,请核对后重试" "no case matches that number and phone; check them and try again";
    "track.lookup_limited" 429 "查询过于频繁:{minutes} 分钟内最多 {max} 次,请稍后再试" "too many look-ups: at most {max} in {minutes} minutes; try again later";
    "privacy.lookup_limit" 429 "按身份证号或手机号精确查询过于频繁:每人 {minutes} 分钟内最多 {max} 次,每次都已记入审计日志,请稍后再试" "too many exact look-ups by ID number or phone: at most {max} per person in {minutes} minutes, each one written to the audit log; try again later";
    "me_too.unavailable" 404 "该事件已办结或不接受“我也遇到”" "that case is closed or takes no me-too";

    // Events: the workflow (WorkflowError) and its pages
    "event.action_not_allowed" 409 "处于“{status}”状态的事件不能进行“{action}”操作" "An event that is {status} cannot be given the action {action}.";
    "event.role_not_allowed" 403 "您的角色不能对此事件进行“{action}”操作" "Your role may not take the action {action} on this event.";
    "event.self_verify" 403 "反馈须由反馈人以外的人核查" "The feedback must be verified by someone other than the person who gave it.";
    "event.level_max" 409 "已是最高层级(市),不能再上报" "The event is already at the highest level (the city) and cannot be escalated.";
    "event.level_invalid" 400 "层级为1(网格)至5(市)" "the level is 1 (grid) to 5 (city)";
    "event.already_rated" 409 "已经评价过了" "The event has already been rated.";
    "event.already_reopened" 409 "已经申请过一次重新办理" "The event has already been reopened once.";
    "event.rating_window_closed" 409 "已超过评价或重新办理的期限" "The time for rating or reopening this event has passed.";
    "event.reason_required" 400 "请填写理由" "A reason is required.";
    "event.reporter_anonymous" 404 "事件 {number} 为匿名上报,没有联系方式" "event {number} was reported anonymously: there is no contact to show";
    "event.result_required" 400 "请填写办理结果" "say how it was handled";
    "event.target_required" 400 "请选择去向" "choose where it goes";
    "event.target_invalid" 400 "去向无效" "The target is not allowed here.";
    "event.due_in_past" 400 "期限须晚于现在" "The due time must be in the future.";
    "event.due_invalid" 400 "期限格式应为 YYYY-MM-DD" "the due date is YYYY-MM-DD";
    "event.due_required" 400 "请填写办理期限" "give the date it is due";
    "event.stars_invalid" 400 "请选择 1 到 5 星" "The rating must be 1 to 5 stars.";
    "event.text_too_long" 400 "文字过长(最多 {max} 字)" "The text is too long (at most {max} characters).";
    "event.attachments_invalid" 400 "附件无效:最多 {max} 个,须为本事件的照片且不能为空" "At most {max} attachments, each a photo of this event and none of them empty.";
    "event.link_invalid" 400 "关联的事件编号无效(须为另一事件的编号)" "The linked event number is not valid (it must be another event's number).";
    "event.link_dead_end" 409 "关联的事件处于“{status}”状态:请关联仍在办理的事件" "The linked event is {status}: link to the event that carries on the work.";
    "event.number_invalid" 400 "事件编号格式有误,形如 SJ20251124-000123" "Not an event number; they look like SJ20251124-000123.";
    "event.urgency_not_higher" 409 "事件的紧急程度已不低于此级别" "The event is already at least that urgent.";
    "event.changed" 409 "事件已被他人更新,请刷新后重试" "the event changed meanwhile; reload and try again";
    "event.photos_unexpected" 400 "只有反馈可以附照片" "photos go with feedback only";
    "event.inbox_invalid" 400 "列表类型无效" "inbox is one of all, mine, to_accept, to_handle, to_verify, overdue, supervised, closed";
    "event.status_invalid" 400 "没有状态 “{status}”" "no status \"{status}\"";
    "event.cursor_invalid" 400 "分页位置 before 无效，请从列表第一页重新翻页" "before is not a position this list gave; start again from the first page";
    "event.offset_too_far" 400 "偏移量不能超过 {max}，请用 before 继续翻页" "offset may not exceed {max}: page on with before";
    "event.verify_choice" 400 "请选择核查结果:通过或不通过" "choose pass or fail";
    "event.mark_invalid" 400 "请选择督办类别:重要、紧急或一般" "choose important, urgent or ordinary";
    "event.action_unknown" 400 "此页面没有这项操作" "no such action on this page";
    "event.form_unknown" 404 "没有这种表单:申报单、交办单、催办单、反馈单" "the forms are report, assign, remind and feedback";

    // Photos (PhotoError)
    "photo.empty" 400 "照片是空文件" "The photo is empty.";
    "photo.too_large" 413 "照片 {size_mb} MB,超过 {max_mb} MB 的上限" "The photo is {size_mb} MB, larger than the {max_mb} MB limit.";
    "photo.unsupported_type" 415 "文件不是 JPEG、PNG 或 WebP 图片" "The file is not a JPEG, PNG or WebP image.";
    "photo.corrupt" 400 "{kind} 图片已损坏或不完整({reason})" "The {kind} image is damaged or incomplete ({reason}).";
    "photo.not_found" 404 "照片不存在" "no such photo";

    // Analysis and audit
    "analysis.month_invalid" 400 "“{month}”不是月份,格式应为 YYYY-MM" "\"{month}\" is not a month; use YYYY-MM";
    "audit.actor_unknown" 400 "没有用户 “{name}”" "no user \"{name}\"";

    // Basic information register
    "basic.not_found" 404 "记录 {id} 不存在或不在您的范围内" "no record {id} in your area";
    "basic.grid_unknown" 404 "网格 {code} 不存在或不在您的范围内" "grid {code} does not exist or is outside your area";
    "basic.not_a_grid" 400 "{code} 不是网格:只能登记到网格" "{code} is not a grid: records belong to a grid";
    "basic.out_of_scope" 400 "网格 {code} 不在您的管辖范围内" "grid {code} is outside your area";
    "basic.no_value" 404 "记录 {id} 没有登记 {column}" "record {id} has no {column}";
    "basic.reason_required" 400 "请填写查看理由(至少 {min} 个字)" "give a reason of at least {min} characters for seeing the full value";
    "basic.duplicate_id" 409 "该身份证号已在网格 {grid} ({grid_name}) 登记" "this ID number is already registered in grid {grid} ({grid_name})";
    "basic.duplicate_house" 409 "{address} 已在网格 {grid} 登记" "{address} is already entered in grid {grid}";
    "basic.duplicate_object" 409 "部件编码 {code} 已在网格 {grid} 使用" "object code {code} is already used in grid {grid}";
    "basic.duplicate_credit_code" 409 "信用代码 {code} 已登记为网格 {grid} 的 {name}" "credit code {code} is already registered to {name} in grid {grid}";
    "basic.duplicate_tag" 409 "人员 {id} 已有标签 {tag}" "person {id} already carries the tag {tag}";
    "basic.duplicate_in_file" 400 "{field} 与文件第 {first} 行重复" "the same {field} as row {first}";
    "basic.removed" 409 "记录 {id} 已注销" "record {id} was removed";
    "basic.until_before_since" 400 "结束日期早于开始日期" "a tag cannot end before it began";
    "basic.tag_invalid" 400 "没有重点人群 “{group}”" "no key group \"{group}\"";
    "basic.residence_invalid" 400 "没有人口类型 “{value}”" "no residence \"{value}\"";
    "basic.secret_invalid" 400 "无法查看该项" "no such value on this record";
    "basic.filter_invalid" 400 "筛选条件 “{value}” 无效" "no such filter value \"{value}\"";
    "basic.invalid_fields" 400 "请检查标出的字段:{fields}" "check these fields: {fields}";

    // Fields of basic records (FieldError), in forms and import reports
    "required" 400 "{field} 必填" "{field} is required";
    "text.too_long" 400 "{field} 最多 {max} 字,现有 {n} 字" "{field} may have at most {max} characters, not {n}";
    "text.control" 400 "{field} 含有控制字符" "{field} contains a control character";
    "date.invalid" 400 "“{value}” 不是日期(应为 YYYY-MM-DD)" "\"{value}\" is not a date (use YYYY-MM-DD)";
    "date.impossible" 400 "{value} 这一天不存在" "{value} is not a real date";
    "date.future" 400 "{field} {date} 晚于今天" "{field} {date} is in the future";
    "date.order" 400 "{field} {date} 早于 {other} {other_date}" "{field} {date} is before {other} {other_date}";
    "bool.invalid" 400 "“{value}” 应填是或否" "\"{value}\" is not yes or no (use 是/否)";
    "choice.invalid" 400 "“{value}” 不是可选值({choices})" "\"{value}\" is not one of {choices}";
    "grid_code.invalid" 400 "网格编码 “{value}” 应为15位数字,末三位不为000" "grid code \"{value}\" must be 15 digits ending in a non-zero grid number";
    "coordinate.invalid" 400 "“{value}” 不是 -{limit} 至 {limit} 之间的{field}" "\"{value}\" is not a {field} between -{limit} and {limit}";
    "area.invalid" 400 "面积 “{value}” 应为大于0的平方米数" "area \"{value}\" must be a number of square metres above 0";
    "object_code.invalid" 400 "部件编码 “{value}” 只能含字母、数字、- 和 _" "object code \"{value}\" may hold only letters, digits, - and _";
    "record.invalid" 400 "记录不完整" "the record is incomplete";
    "floating_only" 400 "{field} 仅流动人口填写,不适用于{residence}" "{field} is only for floating population, not {residence}";
    "rented_only" 400 "{field} 仅出租房屋填写,不适用于{house_use}" "{field} is only for rented houses, not {house_use}";
    "id.length" 400 "身份证号应为18位,不是 {n} 位" "ID number must have 18 characters, not {n}";
    "id.chars" 400 "身份证号第 {position} 位字符无效(前17位为数字,末位为数字或X)" "ID number character {position} must be a digit (the last may be X)";
    "id.region" 400 "身份证号地区码 {region} 无效({province} 不是省级代码)" "ID number's region {region} names no province ({province} is not a province code)";
    "id.birth_date" 400 "身份证号中的出生日期 {date} 不存在" "ID number's birth date {date} is not a real date";
    "id.birth_future" 400 "身份证号中的出生日期 {date} 晚于今天" "ID number's birth date {date} is in the future";
    "id.checksum" 400 "校验位应为 {want},不是 {got}" "check character should be {want}, not {got}";
    "id.birth_mismatch" 400 "出生日期 {date} 与身份证号({id_date})不符" "birth date {date} disagrees with the ID number ({id_date})";
    "id.sex_mismatch" 400 "性别 {sex} 与身份证号({id_sex})不符" "sex {sex} disagrees with the ID number ({id_sex})";
    "phone.chars" 400 "电话 “{value}” 只能含数字" "phone number \"{value}\" must contain only digits";
    "phone.length" 400 "手机号应为11位,不是 {n} 位" "mobile number must have 11 digits, not {n}";
    "phone.prefix" 400 "手机号应以13–19开头,不是 {prefix}" "mobile number must start with 13–19, not {prefix}";
    "credit.length" 400 "统一社会信用代码应为18位,不是 {n} 位" "credit code must have 18 characters, not {n}";
    "credit.chars" 400 "统一社会信用代码第 {position} 位({char})不允许(数字及除 I、O、S、V、Z 外的 A–Y)" "credit code character {position} ({char}) is not allowed (digits and A–Y without I, O, S, V, Z)";
    "credit.checksum" 400 "校验位应为 {want},不是 {got}" "check character should be {want}, not {got}";
    "point.other_grid" 400 "位置在网格 {grid} ({grid_name}) 内,不在 {chosen} 内" "the point lies in grid {grid} ({grid_name}), not in {chosen}";
    "point.outside" 400 "位置不在任何网格内" "the point lies outside every grid";

    // Import files of the register
    "header.unknown" 400 "第 {column} 列 “{header}” 不是{kind}表的列" "column {column} \"{header}\" is not a {kind} column";
    "header.duplicate" 400 "第 {column} 列 “{header}” 与 {name} ({key}) 重复" "column {column} \"{header}\" repeats {name} ({key})";
    "header.missing" 400 "缺少必填列 {name} ({key})" "required column {name} ({key}) is missing";
    "household.two_heads" 400 "户 {household} 已有户主(第 {first} 行)" "household {household} already has a head (row {first})";
    "household.no_head" 400 "户 {household} 没有户主" "household {household} has no head (户主)";
    "house.point_outside_grid" 400 "坐标 ({lon}, {lat}) 位于网格 {found},不在网格 {grid} 内" "the point ({lon}, {lat}) lies in grid {found}, not in grid {grid}";
    "import.empty" 400 "文件没有任何行,第一行须为表头" "the file has no rows; the first row must be the header";
    "import.unreadable" 400 "无法读取 {path}:{reason}" "cannot read {path}: {reason}";
    "import.busy" 409 "您的上一次导入尚未完成,请等待其结束" "your previous import is still running; wait for it to finish";
    "import.no_file" 400 "请选择要导入的文件" "choose a file to import";
    "import.no_such_job" 404 "没有您的导入任务 {id}(任务保留一小时)" "no import job {id} of yours (jobs are kept for an hour)";
    "import.no_such_file" 404 "没有文件 “{file}”" "no file \"{file}\" here";
    "import.kind_invalid" 400 "“{kind}” 不是可选的类型({choices})" "\"{kind}\" is not one of {choices}";
    "import.mode_invalid" 400 "“{mode}” 不是导入方式(dry_run、all 或 good_rows)" "\"{mode}\" is not dry_run, all or good_rows";
    "import.encoding_invalid" 400 "“{encoding}” 不是 utf-8 或 gbk" "\"{encoding}\" is not utf-8 or gbk";
    "import.too_large" 413 "文件超过 {max_mb} MB" "the file exceeds {max_mb} MB";
    "import.masked_value" 400 "{field} 是导出时遮盖的值(含 *),不能导入:请使用含完整值的导出,或填写完整值" "{field} holds a value masked by an export (with *), which cannot be imported: use an export with full values, or type the full value";
    "export.reveal_forbidden" 403 "您的角色不能导出完整的身份证号和电话" "your role may not export full ID numbers and phones";
    "tag.repeated" 400 "重点人群 {tag} 写了两次" "key group {tag} is given twice";
    "export.encoding" 400 "有字符无法用 GBK 表示,请导出 UTF-8:{reason}" "some characters do not exist in GBK; export UTF-8: {reason}";
    "export.too_many_rows" 400 "行数超过 XLSX 上限,请导出 CSV 或缩小范围" "more rows than an XLSX sheet holds (1,048,576); export CSV or a smaller area";

    // Spreadsheets (SheetError)
    "sheet.not_spreadsheet" 400 "不是表格文件(应为 XLSX 或 CSV):{looks_like}" "not a spreadsheet: {looks_like}";
    "sheet.encoding" 400 "第 {row} 行编码不对(请选择 GBK 或另存为 UTF-8):{reason}" "row {row}: {reason}";
    "sheet.malformed" 400 "文件已损坏或格式错误:{reason}" "{reason}";
    "sheet.limit" 400 "超出表格行列上限:{reason}" "{reason}";
    "sheet.write" 500 "表格写入失败:{reason}" "writing the sheet failed: {reason}";
    "sheet.io" 500 "读取文件失败:{reason}" "reading the file failed: {reason}";
    // Bounds on what a file may make the reader hold (wangge_sheet::ReadLimits).
    "sheet.zip_directory" 400 "文件的 ZIP 目录超过 {max_kb} KB,不是 Excel 工作簿" "the ZIP directory of the file exceeds {max_kb} KB; it is not an Excel workbook";
    "sheet.too_large" 400 "文件解压后超过 {max_mb} MB,请拆分成几个较小的文件" "the file unpacks to more than {max_mb} MB; split it into smaller files";
    "sheet.part_too_large" 400 "文件中的 {part} 解压后超过 {max_mb} MB" "{part} in the file unpacks to more than {max_mb} MB";
    "sheet.element_too_long" 400 "文件中的 {part} 含有超过 {max_kb} KB 的元素或文本" "{part} in the file holds an element or text longer than {max_kb} KB";
    "sheet.shared_strings" 400 "工作簿的共享字符串超过 {max_mb} MB 或 {max_count} 条" "the shared strings of the workbook exceed {max_mb} MB or {max_count} strings";
    "sheet.row_too_long" 400 "第 {row} 行超过 {max_kb} KB" "row {row} is longer than {max_kb} KB";
    "sheet.cell_too_long" 400 "单元格超过 {max_kb} KB,开头为 “{start}”" "the cell is longer than {max_kb} KB; it begins “{start}”";

    // Transfers of a person's registration between grids (人口迁入/迁出). A conflict outside
    // the caller's area names no grid: it only says the number is registered elsewhere.
    "basic.registered_elsewhere" 409 "该身份证号已在您的管辖范围以外登记。如该人员已迁入本网格,请申请迁入" "this ID number is registered outside your area; if the person now lives in your grid, request a transfer";
    "transfer.not_found" 404 "迁移申请 {id} 不存在或不在您的范围内" "no transfer request {id} in your area";
    "transfer.not_registered" 404 "该身份证号尚未登记,请直接登记该人员" "this ID number is not registered; register the person instead";
    "transfer.in_scope" 409 "该人员已在您的管辖范围内登记,请在其记录中修改网格" "this person is registered in your area; change the grid on their record";
    "transfer.pending" 409 "已有迁入该网格的申请在等待审批" "a request to move this person into this grid is already waiting";
    "transfer.decided" 409 "迁移申请 {id} 已处理" "transfer request {id} has already been decided";
    "transfer.stale" 409 "该人员的登记已变动,请重新申请" "the person's registration changed since the request; make a new one";
    "transfer.reason_required" 400 "请填写申请理由" "give a reason for the request";
    "transfer.note_required" 400 "不同意时请填写理由" "give a note when refusing";
    "transfer.status_invalid" 400 "“{value}” 不是申请状态(pending、approved 或 refused)" "\"{value}\" is not a status (pending, approved or refused)";

    // The workbench's visits (走访) and honesty flags (不准弄虚作假). A target outside the
    // worker's grid answers as one that does not exist.
    "work.visit_target_kind" 400 "“{value}” 不是走访对象类型(household、person、house 或 org)" "\"{value}\" is not a kind of visit target (household, person, house or org)";
    "work.visit_target_id" 400 "“{value}” 不是有效的走访对象编号" "\"{value}\" is not a valid target id";
    "work.visit_seen_required" 400 "请填写“走”:走访时看到的情况" "say what was seen (the first step)";
    "work.position_invalid" 400 "位置无效:经度须在 -180 至 180 之间,纬度须在 -90 至 90 之间,且须同时提供" "the position is invalid: give both lon (-180 to 180) and lat (-90 to 90)";
    "work.client_key_invalid" 400 "客户端编号须为不含空格的文字,最多 {max} 字" "the client key is text without spaces, at most {max} characters";
    "work.client_key_reused" 409 "该客户端编号已用于另一条内容不同的记录" "this client key was already used for a record with other content";
    "work.too_many_photos" 400 "照片最多 {max} 张" "at most {max} photos";
    "work.photo_data" 400 "第 {index} 张照片的数据不是有效的 base64" "photo {index} is not valid base64";
    "work.target_not_found" 404 "您的网格内没有该走访对象({kind} {id})" "no {kind} {id} in your grid";
    "work.visit_not_found" 404 "走访记录 {id} 不存在或不在您的范围内" "no visit {id} in your area";
    "work.photo_not_found" 404 "照片 {id} 不存在或不在您的范围内" "no photo {id} in your area";
    "work.visit_event_exists" 409 "该走访已上报事件 {number}" "this visit already reported event {number}";
    "work.flag_not_found" 404 "核查标记 {id} 不存在或不在您的范围内" "no flag {id} in your area";
    "work.flag_note_required" 400 "请填写核查意见" "give a note with the decision";
    "work.flag_decided" 409 "核查标记 {id} 已处理" "flag {id} has already been decided";
    "work.flag_own" 403 "不能核查自己的记录" "you cannot judge a flag on your own record";
    "work.flag_decision_invalid" 400 "“{value}” 不是核查结论(confirm 或 clear)" "\"{value}\" is not a decision (confirm or clear)";
    "work.flag_status_invalid" 400 "“{value}” 不是标记状态(open、confirmed、cleared 或 all)" "\"{value}\" is not a flag status (open, confirmed, cleared or all)";
    // The workbench's diary (民情日志) and the outbox every offline record is sent from.
    "work.at_invalid" 400 "记录时间 at 应为 RFC 3339 时间,如 2026-12-04T09:30:00+08:00:{reason}" "at is an RFC 3339 time such as 2026-12-04T09:30:00+08:00: {reason}";
    "work.diary_future" 400 "不能为将来的日期({day})写民情日志" "a diary entry cannot be dated in the future ({day})";
    "work.diary_too_old" 400 "民情日志的日期 {day} 太早:最多补记 {max} 天以前的" "the diary date {day} is too far back: at most {max} days";
    "work.diary_tags" 400 "标签最多 {max} 个,每个最多 {max_len} 字" "at most {max} tags of at most {max_len} characters each";
    "work.diary_not_found" 404 "民情日志 {id} 不存在或不在您的范围内" "no diary entry {id} in your area";
    "work.diary_photo_invalid" 400 "第 {index} 张照片无效:{reason}" "photo {index} is not accepted: {reason}";
    "work.diary_too_many_photos" 400 "照片最多 {max} 张" "at most {max} photos";
    "work.not_in_grid" 403 "只有网格员可以在自己的网格里记录工作" "only a grid worker attached to a grid records work there";
    // The workbench's staff operations: daily log-in checks, meetings and trainings, ledgers.
    "work.reminder_not_found" 404 "提醒 {id} 不存在" "no reminder {id}";
    "work.notice_not_found" 404 "通报 {id} 不存在或不在您的范围内" "no notice {id} in your area";
    "work.notice_decided" 409 "通报 {id} 已处理" "notice {id} has already been decided";
    "work.notice_note_required" 400 "请填写处理意见" "give a note with the decision";
    "work.note_too_long" 400 "说明不能超过 {max} 个字" "the note may not exceed {max} characters";
    "work.meeting_not_found" 404 "会议 {id} 不存在或不在您的范围内" "no meeting {id} in your area";
    "work.meeting_kind_invalid" 400 "“{value}” 不是会议类型(meeting 或 training)" "\"{value}\" is not a kind (meeting or training)";
    "work.meeting_field" 400 "{field} 必填,且不超过 {max} 个字" "{field} is required and at most {max} characters";
    "work.meeting_time_invalid" 400 "开始时间 “{value}” 格式不对(如 2026-10-03T09:00)" "start time \"{value}\" is not a time such as 2026-10-03T09:00";
    "work.meeting_no_invitees" 400 "请至少选择一名参会人员" "invite at least one person";
    "work.invitee_out_of_scope" 400 "人员 {id} 不是您范围内的网格员或网格长" "user {id} is not a worker or grid leader in your area";
    "work.not_invited" 400 "人员 {id} 未被邀请参加此会议" "user {id} was not invited to this meeting";
    "work.attendance_invalid" 400 "“{value}” 不是出勤情况(present、late、left_early、excused 或 absent)" "\"{value}\" is not an attendance (present, late, left_early, excused or absent)";
    "work.month_invalid" 400 "“{value}” 不是月份(如 2026-10)" "\"{value}\" is not a month such as 2026-10";
    "work.month_future" 400 "{month} 尚未开始" "{month} has not begun";
    "work.ledger_not_found" 404 "{month} 的台帐不存在或不在您的范围内" "no ledger for {month} in your area";
    "work.ledger_not_over" 400 "{month} 尚未结束,月末后才能提交台帐" "{month} is not over; submit its ledger after the month ends";
    "work.ledger_state" 409 "台帐当前为“{status}”,不能进行此操作" "the ledger is {status}; this step does not apply";
    "work.ledger_signed" 409 "已签收的台帐不能修改" "a signed ledger cannot be changed";
    "work.status_invalid" 400 "“{value}” 不是可选的状态" "\"{value}\" is not a status here";
    "work.not_a_worker" 403 "只有网格员有台帐" "only grid workers keep a ledger";
    // The field work of the workbench: time in the grid (巡查) and the weekly sweep (排查).
    "work.field_key_invalid" 400 "client_key 应为 1–100 个字母、数字、短横线或下划线" "client_key is 1 to 100 letters, digits, dashes or underscores";
    "work.field_at_invalid" 400 "时间 {field} 应为 RFC 3339 格式,如 2026-12-04T09:00:00+08:00" "{field} is an RFC 3339 time such as 2026-12-04T09:00:00+08:00";
    "work.field_position_required" 400 "巡查需要手机定位:请允许本网站使用位置信息" "a patrol needs the phone's position: allow this site to use your location";
    "work.field_grid_worker_only" 403 "只有所属网格的网格员才能巡查和排查" "only a grid worker attached to a grid patrols and sweeps";
    "work.patrol_not_found" 404 "巡查 {id} 不存在或不在您的范围内" "no patrol {id} in your area";
    "work.patrol_points_empty" 400 "没有位置点" "no points were sent";
    "work.patrol_points_too_many" 400 "每次最多发送 {max} 个位置点" "send at most {max} points at a time";
    "work.patrol_ended" 409 "巡查 {id} 已于其他时间签退" "patrol {id} was already checked out at another time";
    "work.sweep_not_found" 404 "排查记录 {id} 不存在或不在您的范围内" "no sweep {id} in your area";
    "work.sweep_done" 409 "{week} 这一周已经提交过排查" "the sweep of the week of {week} has already been submitted";
    "work.sweep_future_week" 400 "不能为将来的一周({week})提交排查" "the week of {week} has not begun: a sweep cannot be submitted ahead";
    "work.sweep_week_invalid" 400 "周次“{week}”应为日期 YYYY-MM-DD" "the week \"{week}\" is a date YYYY-MM-DD";
    "work.sweep_item_invalid" 400 "“{item}”不是排查项目" "\"{item}\" is not an item of the sweep";
    "work.sweep_items_incomplete" 400 "排查要逐项填写:矛盾纠纷、信访、不稳定因素、治安、安全隐患各一项" "the sweep answers each item once: disputes, petitions, instability, public order, safety hazards";
    "work.sweep_text_required" 400 "发现问题的项目({item})请填写情况" "describe what was found for {item}";
    "work.sweep_text_too_long" 400 "{item} 的情况最多 {max} 个字" "what was found for {item} has at most {max} characters";
    // The worker's day, the leaders' views and the duty rules page (workbench, home part).
    "work.team_period_invalid" 400 "“{value}” 不是统计周期(week 或 month)" "\"{value}\" is not a period (week or month)";
    "work.team_worker_not_found" 404 "网格员 {id} 不存在或不在您的范围内" "no grid worker {id} in your area";
    "work.rules_node" 400 "职责规则只能在区县或乡镇(街道)制定" "duty rules are kept at a county or a township";
    "work.rules_date" 400 "“{value}” 不是日期(YYYY-MM-DD)" "\"{value}\" is not a date (YYYY-MM-DD)";
    "work.rules_past" 400 "生效日期 {value} 早于今天,新版本只能从今天或以后生效" "the version cannot take effect on {value}, before today";
    "work.rules_invalid" 400 "职责规则的 {field} 不合理,请检查" "the rule set's {field} is out of bounds";
    "work.rules_note_long" 400 "说明不能超过 {max} 字" "the note is longer than {max} characters";
    // The assessment (考核), shared by its parts.
    "assess.quarter_invalid" 400 "“{value}” 不是季度(如 2026Q3)" "\"{value}\" is not a quarter such as 2026Q3";
    "assess.worker_not_found" 404 "网格员 {id} 不存在或不在您的范围内" "no grid worker {id} in your area";
    // The assessment's rules part.
    "assess.rules_json" 400 "考核规则无法读取:第 {line} 行第 {column} 列有误(格式不对、缺少或多出字段)" "the rule set cannot be read: an error at line {line}, column {column} (bad syntax, or a field missing or unknown)";
    "assess.rules_unknown_measure" 400 "{field}:没有名为“{name}”的考核指标" "{field}: there is no measure named \"{name}\"";
    "assess.rules_duplicate_key" 400 "{field}:“{key}”重复" "{field}: \"{key}\" appears twice";
    "assess.rules_points_sum" 400 "各项分值合计 {sum} 分,应等于基础工作分 {basic} 分或总分 {total} 分" "the items add up to {sum} points; they must add up to the basic share ({basic}) or the total ({total})";
    "assess.rules_invalid" 400 "考核规则的 {field} 不合理,请检查" "the rule set's {field} is out of bounds";
    "assess.rules_node" 400 "考核规则只能在区县或乡镇(街道)制定" "assessment rules are kept at a county or a township";
    "assess.rules_past" 400 "新版本只能从本季度或以后的季度({value} 已过去)生效" "a new version takes effect in the current or a later quarter ({value} has passed)";
    "assess.rules_note_long" 400 "说明不能超过 {max} 字" "the note is longer than {max} characters";
    "assess.rules_too_large" 400 "考核规则不能超过 {max} 字节" "the rule set is larger than {max} bytes";
    "assess.rules_shipped_unknown" 400 "没有名为“{name}”的内置规则" "there is no shipped rule set named \"{name}\"";
    "assess.rules_base_or_rules" 400 "请给出 base(内置规则名称)或 rules(完整规则)二者之一" "give either base (a shipped set's name) or rules (a whole set), not both";
    "assess.rules_not_found" 404 "考核规则版本 {id} 不存在或不在您的范围内" "no rule set version {id} in your area";

    // The assessment's measures and running score part.

    // The assessment's close and appeals part.
    "assess.close_not_township" 400 "只有乡镇(街道)可以结算季度,{code} 不是乡镇(街道)" "only a township closes a quarter: {code} is not one";
    "assess.subsidy_invalid" 400 "补贴金额 {value} 分不合理(应大于 0、不超过 {max} 分)" "the subsidy of {value} cents is out of bounds (above 0, at most {max})";
    "assess.quarter_not_ended" 409 "{quarter} 尚未结束({end} 为最后一天),不能结算" "{quarter} has not ended ({end} is its last day): it cannot be closed yet";
    "assess.quarter_closed" 409 "{node} 的 {quarter} 已经结算过" "{quarter} of {node} is already closed";
    "assess.closed_quarter_not_found" 404 "已结算季度 {id} 不存在或不在您的范围内" "no closed quarter {id} in your area";
    "assess.result_not_found" 404 "考核结果 {id} 不存在或不在您的范围内" "no assessment result {id} in your area";
    "assess.result_superseded" 409 "考核结果 {id} 已被更正,请针对最新结果操作" "result {id} has been corrected since: act on the result in force";
    "assess.deduction_not_found" 404 "该结果中没有 {item} 的 {measure} 扣分" "the result has no deduction {measure} under {item}";
    "assess.count_invalid" 400 "扣分次数 {value} 不合理(0 到 {max})" "the count {value} is out of bounds (0 to {max})";
    "assess.reason_required" 400 "请填写理由" "give a reason";
    "assess.reason_too_long" 400 "理由最多 {max} 个字" "the reason has at most {max} characters";
    "assess.appeal_window_closed" 409 "申诉期已过(结算后 {days} 天内可申诉)" "the appeal window has closed ({days} days after the close)";
    "assess.appeal_pending" 409 "这项扣分已有待处理的申诉" "this deduction already has a pending appeal";
    "assess.appeal_not_found" 404 "申诉 {id} 不存在或不在您的范围内" "no appeal {id} in your area";
    "assess.appeal_decided" 409 "申诉 {id} 已经处理过" "appeal {id} has already been decided";
    "assess.appeal_not_own" 403 "只能对本人的考核结果申诉" "you may appeal only your own result";
    "assess.evidence_invalid" 400 "证据最多 {max} 条,每条最多 {chars} 个字" "evidence has at most {max} entries of at most {chars} characters each";
    "assess.decision_invalid" 400 "“{value}” 不是处理结果(accept 或 reject)" "\"{value}\" is not a decision (accept or reject)";
    "assess.subsidy_required" 400 "请填写每人补贴金额(分)" "give the subsidy per worker, in cents";

    // The assessment's supervision part (督查, 双随机).
    "assess.draw_share" 400 "抽取比例 {value}% 应在 1 到 100 之间" "the share {value}% is not between 1 and 100";
    "assess.draw_per_target" 400 "每个对象的检查人数 {value} 应在 1 到 {max} 之间" "{value} inspectors per target is not between 1 and {max}";
    "assess.draw_no_targets" 400 "没有可抽取的网格" "there are no grids to draw from";
    "assess.draw_no_inspectors" 400 "没有可抽取的检查人员" "there are no inspectors to draw from";
    "assess.draw_no_eligible" 400 "网格 {code} 没有本村以外的检查人员可派" "no inspector from outside its village can inspect grid {code}";
    "assess.draw_node" 400 "双随机抽查只能由乡镇(街道)组织" "a draw is held by a township";
    "assess.draw_title" 400 "标题必填,不超过 {max} 字" "a title is required, at most {max} characters";
    "assess.draw_inspector_unknown" 400 "检查人员 {id} 不在可抽取的人员中" "{id} is not someone who may inspect here";
    "assess.draw_not_found" 404 "抽查 {id} 不存在或不在您的范围内" "no draw {id} in your area";
    "assess.inspection_not_found" 404 "督查 {id} 不存在或不在您的范围内" "no inspection {id} in your area";
    "assess.inspection_kind" 400 "“{value}” 不是督查方式" "\"{value}\" is not a kind of inspection";
    "assess.inspection_self_check" 400 "自查由村(社区)网格长对本村进行" "a self-check is made by a village's grid leader on their own village";
    "assess.inspection_node" 400 "督查对象应为村(社区)或网格" "an inspection is of a village or a grid";
    "assess.inspection_text_long" 400 "{field} 不能超过 {max} 字" "{field} has at most {max} characters";
    "assess.finding_item" 400 "“{item}” 不是现行考核细则中的项目" "\"{item}\" is not an item of the rules in force";
    "assess.finding_measure" 400 "“{measure}” 不是项目 {item} 中由督查认定的扣分情形" "\"{measure}\" is not a measure of item {item} that inspections find";
    "assess.finding_veto" 400 "“{veto}” 不是现行考核细则中的一票否决项" "\"{veto}\" is not a veto item of the rules in force";
    "assess.finding_count" 400 "次数 {value} 应在 1 到 {max} 之间" "the count {value} is not between 1 and {max}";
    "assess.finding_evidence" 400 "佐证有误:{reason}" "the evidence is not valid: {reason}";

    // The assessment's satisfaction part.
    "assess.survey_unanswered" 400 "请回答每一个问题" "answer every question";
    "assess.survey_choice_invalid" 400 "“{value}” 不是可选的回答(满意、基本满意或不满意)" "\"{value}\" is not an answer (satisfied, basic or dissatisfied)";
    "assess.survey_comment_long" 400 "意见建议不能超过 {max} 个字" "the comment may not exceed {max} characters";
    "assess.survey_not_begun" 409 "{quarter} 的满意度测评尚未开始" "the survey of {quarter} has not begun";
    "assess.survey_quarter_over" 409 "{quarter} 已结束,不再接受满意度测评" "{quarter} is over: its survey takes no more answers";
    "assess.survey_quarter_far" 400 "只能为本季度或下一季度发放测评码({quarter} 太远)" "survey links are issued for this quarter or the next ({quarter} is too far ahead)";
    "assess.survey_not_found" 404 "测评链接无效或已失效" "this survey link is not valid or has been replaced";
    "assess.survey_answered" 409 "此问卷已经提交过,感谢您的参与" "this survey has already been answered, thank you";
    "assess.survey_grid_not_found" 404 "网格 {id} 不存在或不在您的范围内" "no grid {id} in your area";
    "assess.survey_forbidden" 403 "只有网格员或上级管理人员可以发放测评码" "only a grid worker or the staff above the grid issue survey links";
    "assess.survey_too_many" 400 "网格内住户超过 {max} 户,请联系管理员" "the grid holds more than {max} households; ask an administrator";
    "assess.survey_no_households" 400 "该网格还没有登记住户" "the grid has no households registered yet";

    // The assessment's reports part.
    "assess.year_invalid" 400 "“{value}” 不是年份(如 2026)" "\"{value}\" is not a year such as 2026";
    "assess.ranking_node" 400 "排名按乡镇(街道)查看:{code} 不是乡镇" "a ranking is of a township: {code} is not one";
    "assess.compare_node" 400 "对比按区县或市查看:{code} 不是区县或市" "a comparison is of a county or the city: {code} is neither";
    "assess.year_node" 400 "年度汇总按乡镇、区县或市查看:{code} 不是" "a year-end summary is of a township, a county or the city: {code} is none of these";
    "assess.sort_invalid" 400 "“{value}” 不是排序方式(code、mean、excellent、unqualified、pay 或 workers)" "\"{value}\" is not an order (code, mean, excellent, unqualified, pay or workers)";
    "assess.report_not_closed" 404 "{code} 的 {quarter} 尚未结算" "{quarter} is not closed at {code}";
    "assess.page_invalid" 400 "页码“{value}”应为 1 到 10000 的整数" "the page \"{value}\" is a whole number from 1 to 10000";


    // Volunteer points, shared by its parts (the ledger).
    "volunteers.not_found" 404 "志愿者 {id} 不存在或不在您的范围内" "no volunteer {id} in your area";
    "volunteers.points_invalid" 400 "积分 {value} 不合理" "{value} points is not a valid entry";
    "volunteers.month_invalid" 400 "“{value}” 不是月份(如 2026-11)" "\"{value}\" is not a month such as 2026-11";
    "volunteers.correction_reason" 400 "更正须写明理由,并指明所更正的记录" "a correction names the entry it corrects and gives a reason";
    "volunteers.community_not_found" 404 "社区 {id} 不存在或不在您的范围内" "no community {id} in your area";
    "volunteers.month_published" 409 "{month} 的积分已公示并锁定,不能再登记;如有差错,请在本月登记更正" "the points of {month} are published and locked: no entry can be added to it; correct a mistake with a correction this month";

    // Volunteer points: volunteers and the catalogue.
    "volunteers.name_invalid" 400 "姓名须为 1–20 个字" "the name must be 1–20 characters";
    "volunteers.phone_invalid" 400 "“{value}” 不是 11 位手机号" "\"{value}\" is not an 11-digit mobile number";
    "volunteers.building_invalid" 400 "楼栋最多 20 个字" "the building is at most 20 characters";
    "volunteers.unit_invalid" 400 "单元最多 20 个字" "the unit is at most 20 characters";
    "volunteers.skills_invalid" 400 "特长最多 200 个字" "skills are at most 200 characters";
    "volunteers.post_invalid" 400 "“{value}” 不是岗位(楼栋长、单元长或志愿者)" "\"{value}\" is not a post (building_leader, unit_leader or volunteer)";
    "volunteers.status_invalid" 400 "“{value}” 不是志愿者状态" "\"{value}\" is not a volunteer status";
    "volunteers.phone_taken" 409 "该手机号已在本社区申请或登记为志愿者" "this phone number has already applied or is registered as a volunteer in this community";
    "volunteers.transition" 409 "志愿者 {id} 当前为“{status}”,不能{action}" "volunteer {id} is {status}: cannot {action}";
    "volunteers.reason_required" 400 "请写明理由(最多 200 字)" "give a reason (at most 200 characters)";
    "volunteers.community_required" 400 "请选择社区" "choose a community";
    "volunteers.not_community" 400 "{code} 不是社区(村居)" "{code} is not a community (village) node";
    "volunteers.apply_rate_limited" 429 "提交过于频繁:{minutes} 分钟内最多 {max} 次,请稍后再试" "too many applications from this address: at most {max} in {minutes} minutes; try again later";
    "volunteers.import_no_file" 400 "请选择要导入的文件(XLSX 或 CSV)" "choose a file to import (XLSX or CSV)";
    "volunteers.import_too_large" 413 "文件超过 {max_kb} KB" "the file exceeds {max_kb} KB";
    "volunteers.import_too_many" 400 "一次最多导入 {max} 行" "at most {max} rows can be imported at once";
    "volunteers.import_empty" 400 "文件没有数据行" "the file has no data rows";
    "volunteers.import_header" 400 "表头缺少“{column}”列" "the header lacks the column \"{column}\"";
    "volunteers.import_unreadable" 400 "无法读取文件:{reason}" "cannot read the file: {reason}";
    "volunteers.import_rows" 400 "{bad} 行有误,未导入任何数据" "{bad} rows are invalid; nothing was imported";
    "volunteers.import_duplicate" 400 "手机号与第 {row} 行重复" "the phone number repeats row {row}";
    "volunteers.mode_invalid" 400 "“{value}” 不是导入方式(all 或 good_rows)" "\"{value}\" is not all or good_rows";
    "volunteers.catalogue_node" 403 "积分目录只能由街道(乡镇)或以上维护" "the catalogue is kept by a street (township) or above";
    "volunteers.catalogue_empty" 400 "目录至少要有一项服务" "the catalogue needs at least one kind";
    "volunteers.catalogue_too_many" 400 "目录最多 {max} 项" "the catalogue holds at most {max} kinds";
    "volunteers.catalogue_key" 400 "服务代码“{key}”不合规(小写字母、数字、下划线,不能是 other)" "kind key \"{key}\" is not valid (lower-case letters, digits, underscores; not other)";
    "volunteers.catalogue_duplicate" 400 "服务代码“{key}”重复" "kind key \"{key}\" appears twice";
    "volunteers.catalogue_points" 400 "“{key}”的积分须为 1–{max} 分" "the points of \"{key}\" must be 1–{max}";
    "volunteers.catalogue_clue" 400 "目录须含线索(clue)一项" "the catalogue must keep the clue kind";
    "volunteers.catalogue_family" 400 "“{value}” 不是服务类别" "\"{value}\" is not a family";
    "volunteers.note_required" 400 "请写明说明(1–200 字)" "give a note (1–200 characters)";
    "volunteers.title_invalid" 400 "事项名称须为 1–50 个字" "the title must be 1–50 characters";
    "volunteers.approval_points" 400 "“其他类”积分须为 1–20 分" "an \"other\" value must be 1–20 points";
    "volunteers.approval_not_found" 404 "审批 {id} 不存在或不在您的范围内" "no approval {id} in your area";
    "volunteers.approval_decided" 409 "审批 {id} 已经处理" "approval {id} is already decided";
    "volunteers.decision_invalid" 400 "“{value}” 不是审批结果(approve 或 reject)" "\"{value}\" is not approve or reject";
    "volunteers.street_only" 403 "只有社区所在街道可以审批" "only the street above the community decides";

    // Volunteer points: activities and sign-ups.
    "volunteers.activity_not_found" 404 "活动 {id} 不存在或不在您的范围内" "no activity {id} in your area";
    "volunteers.activity_title" 400 "活动名称必填,不超过{max}字" "an activity needs a title of at most {max} characters";
    "volunteers.activity_content" 400 "活动内容不超过{max}字" "the content is at most {max} characters";
    "volunteers.activity_location" 400 "地点不超过{max}字" "the location is at most {max} characters";
    "volunteers.activity_places" 400 "名额应为 1 至 {max} 人" "places are 1 to {max}";
    "volunteers.activity_starts_past" 400 "开始时间须在将来" "the activity must start in the future";
    "volunteers.activity_starts_far" 400 "活动最多提前{days}天发布" "an activity is published at most {days} days ahead";
    "volunteers.activity_ends" 400 "结束时间须晚于开始时间,活动最长{days}天" "the end comes after the start, at most {days} days later";
    "volunteers.activity_time" 400 "“{value}” 不是时间(如 2026-12-06T09:00:00+08:00 或毫秒数)" "\"{value}\" is not a time such as 2026-12-06T09:00:00+08:00 or Unix milliseconds";
    "volunteers.activity_kind" 400 "“{kind}” 不是现行积分细则中可发布活动的服务类别" "\"{kind}\" is not a kind of service an activity may have in the catalogue in force";
    "volunteers.activity_points" 400 "积分 {points} 与积分细则不符:“{kind}” 每次 {want} 分" "{points} points is outside the catalogue: \"{kind}\" is worth {want} points a time";
    "volunteers.activity_other_unapproved" 400 "“其他类”活动须选择街道已批准本社区的分值" "an activity of kind \"other\" needs a value the street approved for this community";
    "volunteers.activity_community" 400 "请指定活动所属社区(村)" "name the community (village) the activity belongs to";
    "volunteers.activity_cancelled" 409 "该活动已取消" "the activity was cancelled";
    "volunteers.activity_started" 409 "该活动已开始或已结束,不能再报名" "the activity has started or ended: sign-up is closed";
    "volunteers.activity_over" 409 "该活动已结束或已登记服务,不能取消" "the activity is over or its attendance is recorded: it cannot be cancelled";
    "volunteers.not_active" 403 "只有本社区在册的志愿者可以报名" "only an active volunteer of this community may sign up";
    "volunteers.not_a_volunteer" 403 "您的账号不是在册志愿者" "your account is not an active volunteer";
    "volunteers.already_signed_up" 409 "您已报名该活动" "you have already signed up for this activity";
    "volunteers.signup_not_found" 404 "您没有报名该活动" "you have not signed up for this activity";
    "volunteers.signup_cancel_late" 409 "活动已开始,不能取消报名" "the activity has started: the sign-up can no longer be cancelled";
    "volunteers.cancel_reason" 400 "取消活动须写明理由,不超过{max}字" "cancelling an activity needs a reason of at most {max} characters";
    "volunteers.attendance_early" 409 "活动开始后才能登记服务情况" "attendance is taken once the activity has started";
    "volunteers.attendance_empty" 400 "请勾选已服务或缺席的志愿者" "tick who served or was absent";
    "volunteers.attendance_too_many" 400 "一次最多登记 {max} 人" "at most {max} volunteers at a time";
    "volunteers.attendance_twice" 400 "志愿者 {id} 既登记为已服务又登记为缺席" "volunteer {id} is both served and absent";
    "volunteers.attendance_marked" 409 "志愿者 {id} 的服务情况已登记,已记积分的差错请在积分台账中更正" "volunteer {id}'s attendance is already recorded; correct points in the ledger";
    "volunteers.attendance_not_confirmed" 400 "志愿者 {id} 没有取得该活动的名额" "volunteer {id} holds no place in this activity";

    // Volunteer points: the ledger's pages, publication, ranking.
    "volunteers.month_not_ended" 409 "{month} 尚未结束,月末之后才能公示" "{month} has not ended yet: a month is published after it ends";
    "volunteers.month_already_published" 409 "{month} 的积分已经公示过" "the points of {month} are already published";
    "volunteers.entry_not_found" 404 "积分记录 {id} 不存在或不在您的范围内" "no points entry {id} in your area";
    "volunteers.correction_kind" 400 "只能更正服务或线索积分(兑换请通过撤销兑换处理)" "only service and clue points can be corrected (a redemption is undone by cancelling it)";
    "volunteers.correction_range" 400 "更正 {value} 分超出范围:本条记录可更正 {min} 至 {max} 分" "a correction of {value} is out of range: this entry can be corrected by {min} to {max}";
    "volunteers.pts_reason_too_long" 400 "理由不能超过 {max} 个字" "the reason is longer than {max} characters";
    "volunteers.quarter_invalid" 400 "“{value}” 不是季度(如 2026Q3)" "\"{value}\" is not a quarter such as 2026Q3";
    "volunteers.quarter_not_ended" 409 "{quarter} 尚未结束,季末之后才能归档" "{quarter} has not ended yet: a quarter is archived after it ends";
    "volunteers.archive_exists" 409 "{quarter} 已经归档" "{quarter} is already archived";
    "volunteers.archive_not_found" 404 "归档 {id} 不存在或不在您的范围内" "no archive {id} in your area";
    "volunteers.street_required" 400 "请选择一个街道(乡镇)" "choose a street (township)";
    "volunteers.share_invalid" 400 "比例 {value} 须在 1 至 100 之间" "a share of {value} is not between 1 and 100";
    "volunteers.year_not_ended" 409 "{year} 年尚未结束;如需提前评选,请勾选“提前评选”" "{year} has not ended: tick \"record early\" to record its awards now";
    "volunteers.awards_recorded" 409 "{year} 年的评选已经记录" "the awards of {year} are already recorded";
    "volunteers.pts_year_invalid" 400 "“{value}” 不是年份" "\"{value}\" is not a year";
    "volunteers.pts_community_required" 400 "请选择社区" "choose a community";
    "volunteers.pts_not_volunteer" 404 "您的账号还不是志愿者" "your account is not a volunteer's";

    // Volunteer points: gifts and the hub.
    "volunteers.gift_name" 400 "礼品名称必填,不超过 {max} 字" "a gift's name is required, at most {max} characters";
    "volunteers.gift_description" 400 "礼品说明不能超过 {max} 字" "a gift's description has at most {max} characters";
    "volunteers.gift_price" 400 "价格 {value} 应在 1 到 {max} 积分之间" "the price {value} is not between 1 and {max} points";
    "volunteers.gift_stock" 400 "库存 {value} 应在 0 到 {max} 之间" "the stock {value} is not between 0 and {max}";
    "volunteers.gift_not_found" 404 "礼品 {id} 不存在或不在您的范围内" "no gift {id} in your area";
    "volunteers.gift_inactive" 409 "“{name}”已下架,不能兑换" "\"{name}\" is withdrawn and cannot be redeemed";
    "volunteers.gift_out_of_stock" 409 "“{name}”已兑完,库存为 0" "\"{name}\" is out of stock";
    "volunteers.points_short" 409 "本年度可用积分 {available} 分,不足以兑换“{name}”(需 {price} 分)" "you have {available} points available this year; \"{name}\" costs {price}";
    "volunteers.redeem_not_active" 403 "只有在册的志愿者可以兑换礼品" "only an active volunteer may redeem gifts";
    "volunteers.not_volunteer" 403 "您的账号还不是志愿者,请先申请加入" "your account is not a volunteer's yet: apply first";
    "volunteers.redemption_not_found" 404 "兑换记录 {id} 不存在或不在您的范围内" "no redemption {id} in your area";
    "volunteers.redemption_cancelled" 409 "兑换记录 {id} 已经取消" "redemption {id} is already cancelled";
    "volunteers.redemption_month_over" 409 "兑换记录 {id} 不是本月的,只能由社区取消" "redemption {id} was not made this month: only the community may cancel it";
    "volunteers.redemption_year_over" 409 "兑换记录 {id} 属于往年,不能取消" "redemption {id} belongs to an earlier year and cannot be cancelled";
    "volunteers.cancel_reason_long" 400 "取消理由不能超过 {max} 字" "a reason for cancelling has at most {max} characters";
    "volunteers.gift_community" 400 "请选择礼品所属的社区" "choose the community the gift belongs to";
    "volunteers.gift_change_empty" 400 "请至少修改一项(名称、说明、价格、库存或上架状态)" "change at least one of name, description, price, stock or active";

}
