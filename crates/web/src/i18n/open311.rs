//! Texts of the Open311 answers that a client shows to residents: the notices of a request, the
//! discovery document and the attributes of a service. A client asks for English with
//! `Accept-Language`; Chinese otherwise.

pub const ENTRIES: &[(&str, &str, &str)] = &[
    (
        "o311.contact",
        "网格化服务管理中心：{base}",
        "Grid service centre: {base}",
    ),
    (
        "o311.key_service",
        "API 密钥由本平台的系统管理员签发",
        "An api_key is issued by the administrator of this platform",
    ),
    ("o311.notice.closed", "已办结", "Resolved"),
    ("o311.notice.rejected", "不予受理", "Not accepted"),
    ("o311.notice.cancelled", "已作废", "Cancelled"),
    (
        "o311.notice.merged",
        "已合并到另一事件",
        "Merged into another request",
    ),
    (
        "o311.notice.expected",
        "按规定时限办理，预计 {t} 前办结",
        "Handled within the set time; expected to be resolved by {t}",
    ),
    (
        "o311.notice.no_calendar",
        "办理期限待定：节假日日历尚未录入",
        "The due time awaits the holiday calendar",
    ),
    (
        "o311.notice.registered_due",
        "已登记为事件 {number}，由{holder}办理，预计 {t} 前办结",
        "Registered as event {number}, handled by {holder}; expected to be resolved by {t}",
    ),
    (
        "o311.notice.registered",
        "已登记为事件 {number}，由{holder}办理",
        "Registered as event {number}, handled by {holder}",
    ),
    (
        "o311.attr.urgency",
        "紧急程度，默认为一般",
        "Urgency; normal unless given",
    ),
    (
        "o311.attr.grid",
        "网格编码：未提供 lat/long 时据此分派",
        "The grid code that routes a request given without lat/long",
    ),
    (
        "o311.attr.submission_key",
        "提交键：同一键重复提交只登记一次",
        "A client key that makes a repeated submission create one request",
    ),
    ("o311.urgency.normal", "一般", "Normal"),
    ("o311.urgency.urgent", "紧急", "Urgent"),
    ("o311.urgency.emergency", "特急", "Emergency"),
];
