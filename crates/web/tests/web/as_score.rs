//! The assessment's running score (issue 16, parts 6 and 9): a worker's live sheet counts the
//! weeks ended so far with evidence; a worker sees only their own, a leader the workers of
//! their area (others answer 404 like a stranger); the hub lists the workers lowest first and
//! links per permission; a closed quarter shows the result in force and its corrections, and
//! its own worker a 申诉 link on each deduction while the appeal window is open.

use crate::common::{Fixture, Kit};
use axum::http::{Method, StatusCode};
use serde_json::Value;
use wangge_domain::assessment::measures::Measures;
use wangge_domain::assessment::scheme::Scheme;
use wangge_domain::assessment::score::score;

/// Wednesday 2 December 2026, 10:00 in China: eight weeks of 2026Q4 have ended.
const NOW: &str = "2026-12-02T10:00:00+08:00";

async fn fixture() -> Fixture {
    let f = Kit::new().clock(NOW).build().await;
    // The staff existed long before the quarter (the fixture makes them "now").
    sql(&f, "UPDATE users SET created_at = 0").await;
    f
}

async fn sql(f: &Fixture, text: &str) {
    let mut conn = f.state.db.conn().await.unwrap();
    let h = &mut conn.handle();
    let q = sqlx::AssertSqlSafe(text.to_string());
    wangge_store::on_conn!(h, c => sqlx::query(q).execute(&mut **c).await.map(|_| ())).unwrap();
}

fn deduction<'a>(v: &'a Value, measure: &str) -> Option<&'a Value> {
    v["sheet"]["items"]
        .as_array()?
        .iter()
        .flat_map(|i| i["deductions"].as_array().into_iter().flatten())
        .find(|d| d["measure"] == measure)
}

#[tokio::test]
async fn a_worker_sees_their_running_sheet_with_evidence() {
    let f = fixture().await;
    let (s, v) = f
        .api("gw_a1", Method::GET, "/api/v1/assessment/score", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["quarter"], "2026Q4");
    assert_eq!(v["closed"], false);
    assert_eq!(v["user_id"], f.ids["gw_a1"]);
    // Weeks of 5 Oct … 23 Nov have ended: 8 weeks without a diary, 2 a week asked.
    let d = deduction(&v, "diary_short").expect("a diary deduction");
    assert_eq!(d["count"], 16);
    let ev = d["evidence"].as_array().unwrap();
    assert_eq!(ev[0]["type"], "absence");
    assert_eq!(ev[0]["period"], "2026-10-05");
    assert!(v["weeks_left"].as_u64().unwrap() >= 1);
    let total = v["sheet"]["total"].as_i64().unwrap();
    let full = Scheme::quarter100().total;
    assert!(total < full, "{total} of {full}");
    // A bad quarter is refused.
    let (s, v) = f
        .api(
            "gw_a1",
            Method::GET,
            "/api/v1/assessment/score?quarter=2026Q7",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // The page shows the sheet and the deduction's evidence in words.
    let (s, page) = f.page("gw_a1", "/assess").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"score-sheet\""));
    assert!(page.contains("2026-10-05 当周民情日志少 2 篇"), "{page}");
    assert!(!page.contains("data-testid=\"score-team\""));
    let (s, page) = f
        .page("gw_a1", &format!("/assess/sheet/{}/2026Q4", f.ids["gw_a1"]))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"print-sheet\""));
}

#[tokio::test]
async fn others_answer_404_outside_the_area() {
    let f = fixture().await;
    let a2 = f.ids["gw_a2"];
    let b1 = f.ids["gw_b1"];
    // A worker sees no one else's.
    let (s, _) = f
        .api(
            "gw_a1",
            Method::GET,
            &format!("/api/v1/assessment/score?user_id={a2}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The village leader sees their workers, not township B's, and not a made-up id.
    let (s, v) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/assessment/score?user_id={a2}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for id in [b1.to_string(), "99999".to_string()] {
        let (s, v) = f
            .api(
                "gl_a",
                Method::GET,
                &format!("/api/v1/assessment/score?user_id={id}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        assert_eq!(v["code"], "assess.worker_not_found");
    }
    let (s, _) = f.page("gl_a", &format!("/assess/workers/{b1}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, page) = f.page("gl_a", &format!("/assess/workers/{a2}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"score-sheet\""));
    let (s, _) = f.page("gl_a", &format!("/assess/sheet/{b1}/2026Q4")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // No log-in: 401.
    let (s, _) = f
        .anonymous(Method::GET, "/api/v1/assessment/score", None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_leaders_hub_lists_workers_lowest_first_and_links_by_permission() {
    let f = fixture().await;
    // gw_a1 keeps a diary every week: a higher score than gw_a2.
    let mut d = wangge_domain::calendar::Date::parse("2026-10-05").unwrap();
    for i in 0..16 {
        sql(
            &f,
            &format!(
                "INSERT INTO diary_entries (worker_id, worker_name, grid_id, path, day, body, tags, at, \
                 received_at, client_key, content_hash) SELECT {}, 'w', n.id, n.path, '{d}', '日志', '', \
                 0, 0, 'k{i}', 'h' FROM nodes n WHERE n.code = '350102001001001'",
                f.ids["gw_a1"]
            ),
        )
        .await;
        if i % 2 == 1 {
            d = d.add_days(7).unwrap();
        }
    }
    let (s, page) = f.page("gl_a", "/assess").await;
    assert_eq!(s, StatusCode::OK);
    let a1 = page
        .find(&format!("data-worker=\"{}\"", f.ids["gw_a1"]))
        .unwrap();
    let a2 = page
        .find(&format!("data-worker=\"{}\"", f.ids["gw_a2"]))
        .unwrap();
    assert!(a2 < a1, "the lower score first");
    assert!(!page.contains(&format!("data-worker=\"{}\"", f.ids["gw_b1"])));
    // A grid leader inspects and reviews; the rule sets are an assessor's.
    assert!(page.contains("href=\"/assess/inspections\""));
    assert!(page.contains("href=\"/assess/ranking\""));
    assert!(!page.contains("href=\"/assess/rules\""));
    let (_, v1) = f
        .api("gw_a1", Method::GET, "/api/v1/assessment/score", None)
        .await;
    assert!(deduction(&v1, "diary_short").is_none_or(|d| d["count"] == 0));
}

#[tokio::test]
async fn a_closed_quarter_shows_the_result_in_force_and_its_corrections() {
    let f = fixture().await;
    let a1 = f.ids["gw_a1"];
    let sheet = |n: i64| {
        let mut m = Measures::default();
        m.add(
            wangge_domain::assessment::scheme::Measure::DiaryShort,
            n,
            [],
        );
        serde_json::to_string(&score(&Scheme::quarter100(), &m))
            .unwrap()
            .replace('\'', "''")
    };
    sql(
        &f,
        "INSERT INTO assess_quarters (id, node_id, path, quarter, rules_json, subsidy_cents, \
         reward_pool_cents, workers, closed_by_name, closed_at) SELECT 1, n.id, n.path, '2026Q3', \
         '{}', 100000, 0, 2, 'admin', 0 FROM nodes n WHERE n.code = '350102001000'",
    )
    .await;
    for (id, seq, kind, corrects, reason, n) in [
        (1, 1, "close", "NULL", "", 10),
        (2, 2, "correction", "1", "申诉成立:日志已补录", 2),
    ] {
        sql(
            &f,
            &format!(
                "INSERT INTO assess_results (id, quarter_id, seq, quarter, user_id, user_name, grid_id, \
                 path, kind, corrects_id, reason, total_centi, basic_centi, satisfaction_centi, grade, \
                 rank, pay_cents, unqualified_streak, not_reengage, sheet_json, created_by_name, \
                 created_at, prev_hash, hash) SELECT {id}, 1, {seq}, '2026Q3', {a1}, 'w', n.id, n.path, \
                 '{kind}', {corrects}, '{reason}', 9000, 7000, 2000, 'qualified', 1, 100000, 0, FALSE, \
                 '{}', 'admin', {id}, 'p', 'h{id}' FROM nodes n WHERE n.code = '350102001001001'",
                sheet(n)
            ),
        )
        .await;
    }
    let (s, v) = f
        .api(
            "gw_a1",
            Method::GET,
            "/api/v1/assessment/score?quarter=2026Q3",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["closed"], true);
    let h = v["history"].as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["kind"], "correction");
    assert_eq!(deduction(&v, "diary_short").unwrap()["count"], 2);
    let (s, page) = f.page("gl_a", &format!("/assess/sheet/{a1}/2026Q3")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("申诉成立:日志已补录"));
    assert_eq!(page.matches("data-testid=\"score-history\"").count(), 2);
}

#[tokio::test]
async fn the_worker_may_appeal_a_deduction_while_the_window_is_open() {
    let f = fixture().await;
    let a1 = f.ids["gw_a1"];
    let mut m = Measures::default();
    m.add(
        wangge_domain::assessment::scheme::Measure::DiaryShort,
        3,
        [],
    );
    let sheet = serde_json::to_string(&score(&Scheme::quarter100(), &m))
        .unwrap()
        .replace('\'', "''");
    let rules = serde_json::to_string(&Scheme::quarter100())
        .unwrap()
        .replace('\'', "''");
    // 2026Q3 closed the day before NOW (window open), 2026Q2 long ago (window over).
    for (id, quarter, closed_at) in [(1, "2026Q3", 1_796_090_400_000i64), (2, "2026Q2", 0)] {
        sql(
            &f,
            &format!(
                "INSERT INTO assess_quarters (id, node_id, path, quarter, rules_json, subsidy_cents, \
                 reward_pool_cents, workers, closed_by_name, closed_at) SELECT {id}, n.id, n.path, \
                 '{quarter}', '{rules}', 100000, 0, 1, 'admin', {closed_at} FROM nodes n \
                 WHERE n.code = '350102001000'"
            ),
        )
        .await;
        sql(
            &f,
            &format!(
                "INSERT INTO assess_results (id, quarter_id, seq, quarter, user_id, user_name, grid_id, \
                 path, kind, corrects_id, reason, total_centi, basic_centi, satisfaction_centi, grade, \
                 rank, pay_cents, unqualified_streak, not_reengage, sheet_json, created_by_name, \
                 created_at, prev_hash, hash) SELECT {id}, {id}, 1, '{quarter}', {a1}, 'w', n.id, n.path, \
                 'close', NULL, '', 9000, 7000, 2000, 'qualified', 1, 100000, 0, FALSE, \
                 '{sheet}', 'admin', {closed_at}, 'p', 'h{id}' FROM nodes n WHERE n.code = '350102001001001'"
            ),
        )
        .await;
    }
    let (s, page) = f.page("gw_a1", &format!("/assess/sheet/{a1}/2026Q3")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-measure=\"diary_short\""), "{page}");
    assert_eq!(page.matches("data-testid=\"score-appeal\"").count(), 1);
    // Askama writes `&` as `&#38;`.
    assert!(
        page.contains("/assess/appeals/new?result_id=1&#38;item=diary&#38;measure=diary_short\""),
        "{page}"
    );
    // Not on the leader's view of the same sheet, nor once the window is over.
    let (_, page) = f.page("gl_a", &format!("/assess/sheet/{a1}/2026Q3")).await;
    assert!(page.contains("data-measure=\"diary_short\""));
    assert_eq!(page.matches("data-testid=\"score-appeal\"").count(), 0);
    let (_, page) = f.page("gw_a1", &format!("/assess/sheet/{a1}/2026Q2")).await;
    assert!(page.contains("data-measure=\"diary_short\""));
    assert_eq!(page.matches("data-testid=\"score-appeal\"").count(), 0);
}
