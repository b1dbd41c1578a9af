//! Monthly analysis (研判) against a real database: events reported and moved through the
//! workflow at chosen times, then the exact counts, rates and times on the store's figures, the
//! page and the XLSX export (read back with the zip crate), the default node and
//! month, refusals of bad months and of nodes outside the caller's area.

use crate::common::{Fixture, at, fixture, testid, unzip, worker_report};
use axum::http::{StatusCode, header};
use wangge_domain::Scope;
use wangge_domain::System;
use wangge_domain::event::{Action, Status};
use wangge_store::analysis;
use wangge_store::nodes;

const CITY: &str = "350100000000";
const COUNTY: &str = "350102000000";
const TOWN_A: &str = "350102001000";
const TOWN_B: &str = "350102002000";
const VILLAGE_A: &str = "350102001001";
const G_A1: &str = "350102001001001";
const G_A2: &str = "350102001001002";
const G_B1: &str = "350102002001001";

/// A worker's report on their own grid at `when`, handled on the spot when `on_spot`.
async fn report(
    f: &Fixture,
    user: &str,
    grid: &str,
    category: &str,
    when: &str,
    on_spot: bool,
) -> String {
    let mut input = worker_report(grid, category, &format!("{category} 测试事件"));
    input.handled_on_spot = on_spot.then(|| "已当场处理".to_string());
    f.report_at(user, input, at(when)).await.number
}

async fn act(f: &Fixture, user: &str, number: &str, action: Action, when: &str) {
    f.act_at(user, number, action, &[], at(when)).await;
}

/// March 2025 in the county (the expected figures are in `march_is_counted_exactly`), plus
/// one April event that March must not count.
async fn seed_march(f: &Fixture) {
    let pass = || Action::Verify {
        pass: true,
        note: "核查通过".into(),
    };
    // E1: handled on the spot Monday 09:00, verified Tuesday 10:00: on time, 25 h.
    let e1 = report(f, "gw_a1", G_A1, "SR01", "2025-03-03T09:00:00+08:00", true).await;
    act(f, "gl_a", &e1, pass(), "2025-03-04T10:00:00+08:00").await;
    // E2: same, verified nine days later, past the level's 3 working days: late, 216 h.
    let e2 = report(f, "gw_a1", G_A1, "SR01", "2025-03-03T09:00:00+08:00", true).await;
    act(f, "gl_a", &e2, pass(), "2025-03-12T09:00:00+08:00").await;
    // E3: left reported: open and overdue.
    report(f, "gw_a2", G_A2, "JM01", "2025-03-05T09:00:00+08:00", false).await;
    // E4: rejected.
    let e4 = report(f, "gw_a1", G_A1, "MD01", "2025-03-06T09:00:00+08:00", false).await;
    act(
        f,
        "gw_a1",
        &e4,
        Action::Reject {
            reason: "不属于受理范围".into(),
        },
        "2025-03-06T10:00:00+08:00",
    )
    .await;
    // E5: verification fails once (rework), then passes: on time, 30 h, one rework.
    let e5 = report(f, "gw_a2", G_A2, "SR02", "2025-03-10T09:00:00+08:00", true).await;
    act(
        f,
        "gl_a",
        &e5,
        Action::Verify {
            pass: false,
            note: "未清理干净".into(),
        },
        "2025-03-10T12:00:00+08:00",
    )
    .await;
    act(
        f,
        "gw_a2",
        &e5,
        Action::Feedback {
            result: "已重新清理".into(),
            photos: vec![],
        },
        "2025-03-11T09:00:00+08:00",
    )
    .await;
    act(f, "gl_a", &e5, pass(), "2025-03-11T15:00:00+08:00").await;
    // E6: township B, left reported.
    report(f, "gw_b1", G_B1, "SR01", "2025-03-17T09:00:00+08:00", false).await;
    // E7: April, not March.
    report(f, "gw_a1", G_A1, "SR01", "2025-04-01T09:00:00+08:00", false).await;
    // E8: a village-level kind (level 2), left reported.
    report(f, "gw_a1", G_A1, "MD02", "2025-03-20T09:00:00+08:00", false).await;
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
    seed_march(&f).await;
    let county = {
        let mut c = f.state.db.conn().await.unwrap();
        nodes::by_code(&mut c.handle(), &System::acting().scope(), COUNTY)
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
        let node = nodes::by_code(&mut c.handle(), &System::acting().scope(), code)
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
    seed_march(&f).await;
    // The server's clock in late March 2025: the default month is March, the default node the
    // caller's own.
    f.clock_to("2025-03-31T12:00:00+08:00");
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
            .get_bytes("op_a", &format!("/analysis.xlsx?node={TOWN_A}&month={bad}"))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap_or_default();
        if !v.is_null() {
            assert_eq!(v["code"], "analysis.month_invalid");
        }
    }
    // Signed out: to the log-in page.
    let (s, _, _) = f.get_bytes("", "/analysis").await;
    assert!(s.is_redirection());
}

#[tokio::test]
async fn the_export_is_a_workbook_with_the_figures() {
    let f = fixture().await;
    seed_march(&f).await;
    let (s, headers, body) = f
        .get_bytes(
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
        .get_bytes(
            "op_a",
            &format!("/analysis.xlsx?node={TOWN_A}&month=2025-03"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.starts_with(b"PK"));
}
