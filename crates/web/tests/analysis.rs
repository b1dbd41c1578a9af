//! Monthly analysis (研判) against a real database: events reported and moved through the
//! workflow at chosen times, then the exact counts, rates and times on the store's figures, the
//! page and the XLSX export (read back with a small inflater below), the default node and
//! month, refusals of bad months and of nodes outside the caller's area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use tower::ServiceExt;
use wangge_domain::deadline::parse_rfc3339;
use wangge_domain::event::{Action, Status, Urgency};
use wangge_domain::geometry::parse_geojson_str;
use wangge_domain::{GridKind, NodeKind, Role, Scope};
use wangge_store::events::{self, ReportInput, Source};
use wangge_store::testdb::{self, TestDb};
use wangge_store::{analysis, auth, nodes, now_ms, users};
use wangge_web::{AppState, WebConfig, router};

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
        .to_string()
}

const CITY: &str = "350100000000";
const COUNTY: &str = "350102000000";
const TOWN_A: &str = "350102001000";
const TOWN_B: &str = "350102002000";
const VILLAGE_A: &str = "350102001001";
const G_A1: &str = "350102001001001";
const G_A2: &str = "350102001001002";
const G_B1: &str = "350102002001001";

/// (code, kind, parent, grid kind, boundary [x0, x1] between lat 26.0 and 26.1)
type TreeRow = (
    &'static str,
    NodeKind,
    Option<&'static str>,
    Option<GridKind>,
    Option<(f64, f64)>,
);

const TREE: &[TreeRow] = &[
    (CITY, NodeKind::City, None, None, Some((119.0, 119.4))),
    (
        COUNTY,
        NodeKind::County,
        Some(CITY),
        None,
        Some((119.0, 119.4)),
    ),
    (
        TOWN_A,
        NodeKind::Township,
        Some(COUNTY),
        None,
        Some((119.0, 119.2)),
    ),
    (
        TOWN_B,
        NodeKind::Township,
        Some(COUNTY),
        None,
        Some((119.2, 119.4)),
    ),
    (
        VILLAGE_A,
        NodeKind::Village,
        Some(TOWN_A),
        None,
        Some((119.0, 119.2)),
    ),
    (
        "350102002001",
        NodeKind::Village,
        Some(TOWN_B),
        None,
        Some((119.2, 119.4)),
    ),
    (
        G_A1,
        NodeKind::Grid,
        Some(VILLAGE_A),
        Some(GridKind::Basic),
        Some((119.0, 119.1)),
    ),
    (
        G_A2,
        NodeKind::Grid,
        Some(VILLAGE_A),
        Some(GridKind::Basic),
        Some((119.1, 119.2)),
    ),
    (
        G_B1,
        NodeKind::Grid,
        Some("350102002001"),
        Some(GridKind::Basic),
        Some((119.2, 119.4)),
    ),
    (
        "350102001000D01",
        NodeKind::Department,
        Some(TOWN_A),
        None,
        None,
    ),
];

/// (user name, role, node)
const STAFF: &[(&str, Role, &str)] = &[
    ("admin_city", Role::Admin, CITY),
    ("op_a", Role::Operator, TOWN_A),
    ("op_b", Role::Operator, TOWN_B),
    ("gl_a", Role::GridLeader, VILLAGE_A),
    ("gw_a1", Role::Worker, G_A1),
    ("gw_a2", Role::Worker, G_A2),
    ("gw_b1", Role::Worker, G_B1),
];

struct Fixture {
    _db: TestDb,
    app: Router,
    state: AppState,
    /// user name → (user id, session secret)
    users: std::collections::HashMap<&'static str, (i64, String)>,
}

fn at(rfc3339: &str) -> i64 {
    parse_rfc3339(rfc3339).unwrap()
}

async fn fixture() -> Fixture {
    let t = testdb::fresh().await.unwrap();
    let now = now_ms();
    let mut tx = t.db.begin().await.unwrap();
    for (code, kind, parent, gk, xs) in TREE {
        let boundary = xs.map(|(a, b)| parse_geojson_str(&square(a, 26.0, b, 26.1)).unwrap());
        nodes::create(
            &mut tx.handle(),
            &Scope::everything(),
            "test",
            &nodes::NewNode {
                code: code.to_string(),
                kind: *kind,
                name: format!("节点{code}"),
                parent_code: parent.map(str::to_string),
                grid_kind: *gk,
                boundary,
                phone: None,
            },
            1.0,
            now,
        )
        .await
        .unwrap();
    }
    let mut map = std::collections::HashMap::new();
    for (name, role, node) in STAFF {
        let u = users::create(
            &mut tx.handle(),
            &Scope::everything(),
            &users::NewUser {
                username: name.to_string(),
                display_name: format!("用户{name}"),
                password: "password-123".into(),
                role: *role,
                node_code: node.to_string(),
                phone: None,
            },
            now,
        )
        .await
        .unwrap();
        let session = auth::create_session(&mut tx.handle(), u.id, now, 3_600_000)
            .await
            .unwrap();
        map.insert(*name, (u.id, session));
    }
    tx.commit().await.unwrap();
    let keys =
        wangge_store::seal::KeyRing::from_text(&format!("k1 {}", auth::random_secret().unwrap()))
            .unwrap();
    let state = AppState::new(t.db.clone(), WebConfig::default(), keys);
    Fixture {
        app: router(state.clone()),
        state,
        _db: t,
        users: map,
    }
}

impl Fixture {
    async fn caller(&self, user: &str) -> events::Caller {
        let mut c = self.state.db.conn().await.unwrap();
        let p = auth::principal_by_id(&mut c.handle(), self.users[user].0)
            .await
            .unwrap()
            .unwrap();
        wangge_web::auth::caller(&p).unwrap()
    }

    /// A worker's report on their own grid at `when`, handled on the spot when `on_spot`.
    async fn report(
        &self,
        user: &str,
        grid: &str,
        category: &str,
        when: &str,
        on_spot: bool,
    ) -> String {
        let caller = self.caller(user).await;
        let cal = self.state.calendar();
        let ctx = self.state.event_ctx(&cal);
        let mut tx = self.state.db.begin().await.unwrap();
        let r = events::report(
            &mut tx.handle(),
            &ctx,
            &caller,
            ReportInput {
                source: Source::Worker,
                category_code: category.into(),
                description: format!("{category} 测试事件"),
                lat: None,
                lon: None,
                address: None,
                located_grid: None,
                chosen_grid: Some(grid.into()),
                urgency: Urgency::Normal,
                reporter_name: None,
                reporter_phone: None,
                photos: vec![],
                submission_key: None,
                handled_on_spot: on_spot.then(|| "已当场处理".to_string()),
            },
            at(when),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        r.number
    }

    async fn act(&self, user: &str, number: &str, action: Action, when: &str) {
        let caller = self.caller(user).await;
        let cal = self.state.calendar();
        let ctx = self.state.event_ctx(&cal);
        let mut tx = self.state.db.begin().await.unwrap();
        events::act(
            &mut tx.handle(),
            &ctx,
            &caller,
            number,
            action,
            &[],
            at(when),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    async fn get(&self, user: &str, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let req = Request::builder()
            .uri(uri)
            .header(
                header::COOKIE,
                format!("wangge_session={}", self.users[user].1),
            )
            .body(Body::empty())
            .unwrap();
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = axum::body::to_bytes(resp.into_body(), 20 << 20)
            .await
            .unwrap();
        (status, headers, body.to_vec())
    }

    async fn page(&self, user: &str, uri: &str) -> (StatusCode, String) {
        let (s, _, b) = self.get(user, uri).await;
        (s, String::from_utf8_lossy(&b).into_owned())
    }

    /// March 2025 in the county (the expected figures are in `march_is_counted_exactly`), plus
    /// one April event that March must not count.
    async fn seed_march(&self) {
        let pass = || Action::Verify {
            pass: true,
            note: "核查通过".into(),
        };
        // E1: handled on the spot Monday 09:00, verified Tuesday 10:00: on time, 25 h.
        let e1 = self
            .report("gw_a1", G_A1, "SR01", "2025-03-03T09:00:00+08:00", true)
            .await;
        self.act("gl_a", &e1, pass(), "2025-03-04T10:00:00+08:00")
            .await;
        // E2: same, verified nine days later, past the level's 3 working days: late, 216 h.
        let e2 = self
            .report("gw_a1", G_A1, "SR01", "2025-03-03T09:00:00+08:00", true)
            .await;
        self.act("gl_a", &e2, pass(), "2025-03-12T09:00:00+08:00")
            .await;
        // E3: left reported: open and overdue.
        self.report("gw_a2", G_A2, "JM01", "2025-03-05T09:00:00+08:00", false)
            .await;
        // E4: rejected.
        let e4 = self
            .report("gw_a1", G_A1, "MD01", "2025-03-06T09:00:00+08:00", false)
            .await;
        self.act(
            "gw_a1",
            &e4,
            Action::Reject {
                reason: "不属于受理范围".into(),
            },
            "2025-03-06T10:00:00+08:00",
        )
        .await;
        // E5: verification fails once (rework), then passes: on time, 30 h, one rework.
        let e5 = self
            .report("gw_a2", G_A2, "SR02", "2025-03-10T09:00:00+08:00", true)
            .await;
        self.act(
            "gl_a",
            &e5,
            Action::Verify {
                pass: false,
                note: "未清理干净".into(),
            },
            "2025-03-10T12:00:00+08:00",
        )
        .await;
        self.act(
            "gw_a2",
            &e5,
            Action::Feedback {
                result: "已重新清理".into(),
                photos: vec![],
            },
            "2025-03-11T09:00:00+08:00",
        )
        .await;
        self.act("gl_a", &e5, pass(), "2025-03-11T15:00:00+08:00")
            .await;
        // E6: township B, left reported.
        self.report("gw_b1", G_B1, "SR01", "2025-03-17T09:00:00+08:00", false)
            .await;
        // E7: April, not March.
        self.report("gw_a1", G_A1, "SR01", "2025-04-01T09:00:00+08:00", false)
            .await;
        // E8: a village-level kind (level 2), left reported.
        self.report("gw_a1", G_A1, "MD02", "2025-03-20T09:00:00+08:00", false)
            .await;
    }
}

/// The text of the element with `data-testid="ID"`.
fn testid(body: &str, id: &str) -> String {
    body.split(&format!("data-testid=\"{id}\">"))
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_else(|| panic!("no {id} in the page"))
        .to_string()
}

/// The `data-count` of the row with `data-key="KEY"` inside the section `data-testid="SECTION"`.
fn row_count(body: &str, section: &str, key: &str) -> Option<i64> {
    let part = body
        .split(&format!("data-testid=\"{section}\""))
        .nth(1)?
        .split("</section>")
        .next()?;
    let row = part
        .split(&format!("data-key=\"{key}\" data-count=\""))
        .nth(1)?;
    row.split('"').next()?.parse().ok()
}

#[tokio::test]
async fn march_is_counted_exactly() {
    let f = fixture().await;
    f.seed_march().await;
    let county = {
        let mut c = f.state.db.conn().await.unwrap();
        nodes::by_code(&mut c.handle(), &Scope::everything(), COUNTY)
            .await
            .unwrap()
    };
    let now = at("2025-04-15T12:00:00+08:00");
    let mut c = f.state.db.conn().await.unwrap();
    let m = analysis::monthly(&mut c.handle(), &Scope::of_path(&county.path), 202503, now)
        .await
        .unwrap();
    drop(c);
    let fig = &m.figures;
    assert_eq!(fig.total, 7);
    assert_eq!(fig.closed, 3);
    assert_eq!(fig.closed_with_due, 3);
    assert_eq!(fig.on_time, 2);
    assert_eq!(fig.rework, 1);
    assert_eq!(
        fig.overdue_open, 3,
        "E3, E6 and E8 are past due in mid-April"
    );
    assert_eq!(fig.handling_ms, (25 + 216 + 30) * 3_600_000);
    assert!((fig.on_time_rate().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert!((fig.avg_handling_hours().unwrap() - 271.0 / 3.0).abs() < 1e-9);
    let levels: Vec<(u8, i64)> = m.by_level.iter().map(|l| (l.level, l.count)).collect();
    assert_eq!(levels, vec![(1, 6), (2, 1), (3, 0), (4, 0), (5, 0)]);
    let status = |s: Status| m.by_status.iter().find(|x| x.status == s).unwrap().count;
    assert_eq!(status(Status::Closed), 3);
    assert_eq!(status(Status::Reported), 3);
    assert_eq!(status(Status::Rejected), 1);
    assert_eq!(status(Status::Accepted), 0);
    assert_eq!(m.by_status.len(), Status::ALL.len());
    let cats: Vec<(&str, i64)> = m
        .by_category
        .iter()
        .map(|c| (c.code.as_str(), c.count))
        .collect();
    assert_eq!(
        cats,
        vec![
            ("MD01", 1),
            ("MD02", 1),
            ("SR01", 3),
            ("SR02", 1),
            ("JM01", 1)
        ]
    );
    let groups: Vec<(&str, i64, usize)> = m
        .by_group
        .iter()
        .map(|g| (g.code.as_str(), g.count, g.leaves.len()))
        .collect();
    assert_eq!(groups, vec![("MD", 2, 2), ("SR", 4, 2), ("JM", 1, 1)]);
    let kids: Vec<(&str, i64, i64)> = m
        .children
        .iter()
        .map(|c| (c.code.as_str(), c.figures.total, c.figures.closed))
        .collect();
    assert_eq!(kids, vec![(TOWN_A, 6, 3), (TOWN_B, 1, 0)]);
    // Within the open ones only, E6 (reported on the 17th) is not yet due on the 18th.
    let mut c = f.state.db.conn().await.unwrap();
    let early = analysis::monthly(
        &mut c.handle(),
        &Scope::of_path(&county.path),
        202503,
        at("2025-03-18T12:00:00+08:00"),
    )
    .await
    .unwrap();
    assert_eq!(early.figures.overdue_open, 1, "only E3 by the 18th");
    // April holds E7 alone; a month without events is all zeros.
    let april = analysis::monthly(&mut c.handle(), &Scope::of_path(&county.path), 202504, now)
        .await
        .unwrap();
    assert_eq!(april.figures.total, 1);
    let may = analysis::monthly(&mut c.handle(), &Scope::of_path(&county.path), 202505, now)
        .await
        .unwrap();
    assert_eq!(may.figures, analysis::Figures::default());
    assert!(may.by_group.is_empty());
    assert_eq!(may.children.len(), 2, "live children are listed with zeros");
    assert_eq!(may.figures.on_time_rate(), None);
    assert_eq!(
        analysis::monthly(&mut c.handle(), &Scope::of_path(&county.path), 202513, now)
            .await
            .unwrap_err()
            .code,
        "analysis.month_invalid"
    );

    // The running totals agree with the events everywhere.
    for code in [CITY, COUNTY, TOWN_A, TOWN_B, VILLAGE_A, G_A1, G_A2, G_B1] {
        let node = nodes::by_code(&mut c.handle(), &Scope::everything(), code)
            .await
            .unwrap();
        let scope = Scope::of_path(&node.path);
        for month in [202502, 202503, 202504] {
            let a = analysis::monthly(&mut c.handle(), &scope, month, now)
                .await
                .unwrap();
            let b = analysis::monthly_from_events(&mut c.handle(), &scope, month, now)
                .await
                .unwrap();
            assert_eq!(a, b, "{code} {month}");
        }
    }

    // The page shows the same.
    drop(c);
    let (s, body) = f
        .page(
            "admin_city",
            &format!("/analysis?node={COUNTY}&month=2025-03"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(testid(&body, "an-total"), "7");
    assert_eq!(testid(&body, "an-closed"), "3");
    assert_eq!(testid(&body, "an-on-time-rate"), "66.7%");
    assert_eq!(testid(&body, "an-avg-hours"), "90.3");
    assert_eq!(testid(&body, "an-rework"), "1");
    assert_eq!(
        testid(&body, "an-overdue"),
        "3",
        "the page counts at the server's now"
    );
    assert_eq!(row_count(&body, "analysis-levels", "1"), Some(6));
    assert_eq!(row_count(&body, "analysis-levels", "2"), Some(1));
    assert_eq!(row_count(&body, "analysis-levels", "5"), Some(0));
    assert_eq!(row_count(&body, "analysis-statuses", "closed"), Some(3));
    assert_eq!(row_count(&body, "analysis-statuses", "reported"), Some(3));
    assert_eq!(row_count(&body, "analysis-statuses", "rejected"), Some(1));
    assert_eq!(row_count(&body, "analysis-categories", "SR"), Some(4));
    assert_eq!(row_count(&body, "analysis-categories", "SR01"), Some(3));
    assert_eq!(row_count(&body, "analysis-categories", "JM01"), Some(1));
    assert_eq!(row_count(&body, "analysis-categories", "QT01"), None);
    assert_eq!(row_count(&body, "analysis-children", TOWN_A), Some(6));
    assert_eq!(row_count(&body, "analysis-children", TOWN_B), Some(1));
    assert!(body.contains("市容环境") && body.contains("暴露垃圾"));
    let links = body.replace("&amp;", "&").replace("&#38;", "&");
    assert!(links.contains(&format!("href=\"/analysis?node={TOWN_A}&month=2025-03\"")));
    assert!(
        links.contains("href=\"/analysis?node=350102000000&month=2025-02\""),
        "previous month"
    );
    assert!(links.contains("href=\"/analysis.xlsx?node=350102000000&month=2025-03\""));

    // One level down: the village's grids.
    let (s, body) = f
        .page("gl_a", &format!("/analysis?node={VILLAGE_A}&month=2025-03"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(testid(&body, "an-total"), "6");
    assert_eq!(row_count(&body, "analysis-children", G_A1), Some(4));
    assert_eq!(row_count(&body, "analysis-children", G_A2), Some(2));
    // A grid has no children; English works too.
    let (s, body) = f.page("gw_a2", "/analysis?month=2025-03").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(testid(&body, "an-total"), "2");
    assert_eq!(testid(&body, "an-rework"), "1");
    assert!(body.contains("无下级单位"));
}

#[tokio::test]
async fn defaults_scope_and_bad_months() {
    let f = fixture().await;
    f.seed_march().await;
    // The server's clock in late March 2025: the default month is March, the default node the
    // caller's own.
    f.state
        .clock
        .advance(at("2025-03-31T12:00:00+08:00") - now_ms());
    let (s, body) = f.page("op_a", "/analysis").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body.contains(&format!("data-node=\"{TOWN_A}\" data-month=\"2025-03\"")));
    assert_eq!(testid(&body, "an-total"), "6");
    assert_eq!(testid(&body, "an-overdue"), "2", "E3 and E8 on the 31st");
    assert_eq!(row_count(&body, "analysis-children", VILLAGE_A), Some(6));
    // Nodes outside the caller's area are not found, on the page and in the export.
    for uri in [
        format!("/analysis?node={TOWN_B}&month=2025-03"),
        format!("/analysis?node={COUNTY}&month=2025-03"),
        format!("/analysis.xlsx?node={TOWN_B}&month=2025-03"),
        "/analysis?node=999999999999&month=2025-03".to_string(),
    ] {
        let (s, _) = f.page("op_a", &uri).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
    }
    let (s, body) = f
        .page("op_b", &format!("/analysis?node={TOWN_B}&month=2025-03"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(testid(&body, "an-total"), "1");
    // Bad months: 400 with the message.
    for bad in ["2025-13", "2025-3", "March", "2025-03-01", "0000-01"] {
        let (s, body) = f
            .page("op_a", &format!("/analysis?node={TOWN_A}&month={bad}"))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body.contains("YYYY-MM"), "{bad}: {body}");
        let (s, _, b) = f
            .get("op_a", &format!("/analysis.xlsx?node={TOWN_A}&month={bad}"))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap_or_default();
        if !v.is_null() {
            assert_eq!(v["code"], "analysis.month_invalid");
        }
    }
    // Signed out: to the log-in page.
    let req = Request::builder()
        .uri("/analysis")
        .body(Body::empty())
        .unwrap();
    let resp = f.app.clone().oneshot(req).await.unwrap();
    assert!(resp.status().is_redirection());
}

#[tokio::test]
async fn the_export_is_a_workbook_with_the_figures() {
    let f = fixture().await;
    f.seed_march().await;
    let (s, headers, body) = f
        .get(
            "admin_city",
            &format!("/analysis.xlsx?node={COUNTY}&month=2025-03"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let cd = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''%E7%A0%94%E5%88%A4-350102000000-2025-03.xlsx"),
        "{cd}"
    );
    assert!(body.starts_with(b"PK\x03\x04"), "a ZIP file");
    let files = unzip(&body);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"xl/workbook.xml"), "{names:?}");
    assert!(names.contains(&"[Content_Types].xml"));
    let text = |name: &str| {
        let (_, data) = files.iter().find(|(n, _)| n == name).unwrap();
        String::from_utf8(data.clone()).unwrap()
    };
    let wb = text("xl/workbook.xml");
    let sheets: Vec<&str> = wb
        .split("<sheet name=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(sheets, vec!["概况", "按层级", "按类别", "按状态", "下级"]);
    let strings = text("xl/sharedStrings.xml");
    for s in [
        "事件总数",
        "按期办结率",
        "层级",
        "已结案",
        "市容环境",
        "暴露垃圾",
        "节点350102001000",
    ] {
        assert!(strings.contains(s), "{s} in the shared strings");
    }
    // The summary sheet's numbers: total 7, closed 3, on-time 2/3, 90.33 h, rework 1, overdue 3.
    let summary = text("xl/worksheets/sheet1.xml");
    let values: Vec<f64> = summary
        .split("<v>")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .filter_map(|s| s.parse().ok())
        .collect();
    for want in [7.0, 3.0, 2.0, 1.0] {
        assert!(values.contains(&want), "{want} in {values:?}");
    }
    assert!(
        values.iter().any(|v| (v - 2.0 / 3.0).abs() < 1e-6),
        "{values:?}"
    );
    assert!(
        values.iter().any(|v| (v - 271.0 / 3.0).abs() < 1e-6),
        "{values:?}"
    );
    // Children: two townships, six and one.
    let kids = text("xl/worksheets/sheet5.xml");
    assert_eq!(
        kids.matches("<row ").count(),
        3,
        "a header and two townships"
    );
    // A scoped user may export their own township only.
    let (s, _, body) = f
        .get(
            "op_a",
            &format!("/analysis.xlsx?node={TOWN_A}&month=2025-03"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.starts_with(b"PK"));
}

// ---- a small ZIP reader with an inflater (RFC 1951), enough to read the workbook back ----

fn u16le(b: &[u8], i: usize) -> usize {
    usize::from(b[i]) | usize::from(b[i + 1]) << 8
}
fn u32le(b: &[u8], i: usize) -> usize {
    u16le(b, i) | u16le(b, i + 2) << 16
}

/// Every entry of a ZIP archive, through its central directory.
fn unzip(z: &[u8]) -> Vec<(String, Vec<u8>)> {
    let eocd = (0..z.len() - 21)
        .rev()
        .find(|&i| z[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .expect("end of central directory");
    let count = u16le(z, eocd + 10);
    let mut p = u32le(z, eocd + 16);
    let mut out = Vec::new();
    for _ in 0..count {
        assert_eq!(z[p..p + 4], [0x50, 0x4b, 0x01, 0x02]);
        let method = u16le(z, p + 10);
        let csize = u32le(z, p + 20);
        let usize_ = u32le(z, p + 24);
        let (nlen, elen, clen) = (u16le(z, p + 28), u16le(z, p + 30), u16le(z, p + 32));
        let local = u32le(z, p + 42);
        let name = String::from_utf8(z[p + 46..p + 46 + nlen].to_vec()).unwrap();
        p += 46 + nlen + elen + clen;
        let start = local + 30 + u16le(z, local + 26) + u16le(z, local + 28);
        let data = &z[start..start + csize];
        let bytes = match method {
            0 => data.to_vec(),
            8 => inflate(data),
            m => panic!("compression method {m}"),
        };
        assert_eq!(bytes.len(), usize_, "{name}");
        out.push((name, bytes));
    }
    out
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    bit: u32,
}

impl Bits<'_> {
    fn get(&mut self, n: u32) -> usize {
        let mut v = 0usize;
        for i in 0..n {
            let b = (self.data[self.pos] >> self.bit) & 1;
            v |= usize::from(b) << i;
            self.bit += 1;
            if self.bit == 8 {
                self.bit = 0;
                self.pos += 1;
            }
        }
        v
    }
}

/// A canonical Huffman code: counts per length and symbols in code order.
struct Huffman {
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Huffman {
        let mut counts = [0u16; 16];
        for &l in lengths {
            counts[usize::from(l)] += 1;
        }
        counts[0] = 0;
        let mut offs = [0u16; 16];
        for i in 1..16 {
            offs[i] = offs[i - 1] + counts[i - 1];
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (s, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbols[usize::from(offs[usize::from(l)])] = s as u16;
                offs[usize::from(l)] += 1;
            }
        }
        Huffman { counts, symbols }
    }

    fn decode(&self, bits: &mut Bits) -> usize {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= bits.get(1) as i32;
            let count = i32::from(self.counts[len]);
            if code - count < first {
                return usize::from(self.symbols[(index + (code - first)) as usize]);
            }
            index += count;
            first += count;
            first <<= 1;
            code <<= 1;
        }
        panic!("bad Huffman code")
    }
}

const LEN_BASE: [usize; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u32; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [usize; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u32; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

fn inflate(data: &[u8]) -> Vec<u8> {
    let mut bits = Bits {
        data,
        pos: 0,
        bit: 0,
    };
    let mut out: Vec<u8> = Vec::new();
    loop {
        let last = bits.get(1);
        match bits.get(2) {
            0 => {
                if bits.bit != 0 {
                    bits.bit = 0;
                    bits.pos += 1;
                }
                let len = u16le(data, bits.pos);
                bits.pos += 4;
                out.extend_from_slice(&data[bits.pos..bits.pos + len]);
                bits.pos += len;
            }
            kind @ (1 | 2) => {
                let (lit, dist) = if kind == 1 {
                    let mut l = [8u8; 288];
                    l[144..256].fill(9);
                    l[256..280].fill(7);
                    (Huffman::new(&l), Huffman::new(&[5u8; 30]))
                } else {
                    let hlit = bits.get(5) + 257;
                    let hdist = bits.get(5) + 1;
                    let hclen = bits.get(4) + 4;
                    const ORDER: [usize; 19] = [
                        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
                    ];
                    let mut cl = [0u8; 19];
                    for &i in ORDER.iter().take(hclen) {
                        cl[i] = bits.get(3) as u8;
                    }
                    let clh = Huffman::new(&cl);
                    let mut lengths = Vec::with_capacity(hlit + hdist);
                    while lengths.len() < hlit + hdist {
                        match clh.decode(&mut bits) {
                            s @ 0..=15 => lengths.push(s as u8),
                            16 => {
                                let prev = *lengths.last().unwrap();
                                let n = 3 + bits.get(2);
                                lengths.extend(std::iter::repeat_n(prev, n));
                            }
                            17 => {
                                let n = 3 + bits.get(3);
                                lengths.extend(std::iter::repeat_n(0, n));
                            }
                            _ => {
                                let n = 11 + bits.get(7);
                                lengths.extend(std::iter::repeat_n(0, n));
                            }
                        }
                    }
                    (
                        Huffman::new(&lengths[..hlit]),
                        Huffman::new(&lengths[hlit..]),
                    )
                };
                loop {
                    let sym = lit.decode(&mut bits);
                    if sym < 256 {
                        out.push(sym as u8);
                    } else if sym == 256 {
                        break;
                    } else {
                        let i = sym - 257;
                        let len = LEN_BASE[i] + bits.get(LEN_EXTRA[i]);
                        let d = dist.decode(&mut bits);
                        let back = DIST_BASE[d] + bits.get(DIST_EXTRA[d]);
                        let from = out.len() - back;
                        for k in 0..len {
                            out.push(out[from + k]);
                        }
                    }
                }
            }
            _ => panic!("bad block type"),
        }
        if last == 1 {
            return out;
        }
    }
}
