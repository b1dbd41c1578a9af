//! The assessment's reports (issue 16, parts 9–10) on a real database: a township's ranking of
//! the results in force (a correction replaces the closed row), the county's comparison of its
//! townships, the year-end summary with notices and trainings, paginated; reads stay inside the
//! path they are given. Closed quarters are seeded as rows here, as the close part writes them.

use super::*;
use wangge_domain::assessment::quarter::Quarter;
use wangge_store::assessment::reports::{self, CompareSort};

async fn exec(db: &Db, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

async fn worker(db: &Db, name: &str, grid: &str) -> i64 {
    let mut c = db.conn().await.unwrap();
    users::create(
        &mut c.handle(),
        &System::acting().scope(),
        &NewUser {
            username: format!("user_{name}"),
            display_name: format!("员工{name}"),
            password: "password-123".into(),
            role: Role::Worker,
            node_code: grid.into(),
            phone: None,
        },
        now_ms(),
    )
    .await
    .unwrap()
    .id
}

fn q(s: &str) -> Quarter {
    Quarter::parse(s).unwrap()
}

/// Closes `quarter` at a township as the close part would: the quarter row, then one row per
/// worker (user, grid code, total, grade, rank, pay, not re-engaged). Returns the quarter's id.
async fn close(
    db: &Db,
    township: &str,
    quarter: &str,
    rows: &[(i64, &str, i64, &str, i64, i64, bool)],
) -> i64 {
    let t = get(db, &System::acting().scope(), township).await.unwrap();
    exec(
        db,
        &format!(
            "INSERT INTO assess_quarters (node_id, path, quarter, rules_id, rules_json, subsidy_cents, \
             reward_pool_cents, workers, closed_by, closed_by_name, closed_at) VALUES \
             ({}, '{}', '{quarter}', NULL, '{{}}', 150000, 30000, {}, NULL, 'tester', 1)",
            t.id,
            t.path,
            rows.len()
        ),
    )
    .await;
    let qid = scalar(
        db,
        &format!(
            "SELECT id FROM assess_quarters WHERE node_id = {} AND quarter = '{quarter}'",
            t.id
        ),
    )
    .await;
    for (seq, r) in rows.iter().enumerate() {
        add_row(db, qid, seq + 1, quarter, r, "close", None).await;
    }
    qid
}

async fn add_row(
    db: &Db,
    qid: i64,
    seq: usize,
    quarter: &str,
    r: &(i64, &str, i64, &str, i64, i64, bool),
    kind: &str,
    corrects: Option<i64>,
) {
    let (user, grid, total, grade, rank, pay, nr) = *r;
    let g = get(db, &System::acting().scope(), grid).await.unwrap();
    exec(
        db,
        &format!(
            "INSERT INTO assess_results (quarter_id, seq, quarter, user_id, user_name, grid_id, path, \
             kind, corrects_id, reason, total_centi, basic_centi, satisfaction_centi, grade, rank, \
             pay_cents, unqualified_streak, not_reengage, veto, sheet_json, created_by, \
             created_by_name, created_at, prev_hash, hash) VALUES ({qid}, {seq}, '{quarter}', {user}, \
             'w{user}', {}, '{}', '{kind}', {}, '', {total}, {}, {}, '{grade}', {rank}, {pay}, {}, {}, \
             NULL, '{{}}', NULL, 'tester', 1, 'p', 'h')",
            g.id,
            g.path,
            corrects.map_or("NULL".to_string(), |c| c.to_string()),
            total * 9 / 10,
            total / 10,
            i64::from(grade == "unqualified"),
            if nr { "TRUE" } else { "FALSE" },
        ),
    )
    .await;
}

#[tokio::test]
async fn ranking_compare_and_year() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let w1 = worker(db, "1", GRID_1).await;
    let w2 = worker(db, "2", GRID_2).await;
    let w3 = worker(db, "3", GRID_2).await;
    let wb = worker(db, "b", GRID_B1).await;
    let all = System::acting().scope();
    let twp_a = get(db, &all, TWP_A).await.unwrap();
    let twp_b = get(db, &all, TWP_B).await.unwrap();
    let county = get(db, &all, COUNTY).await.unwrap();

    // Not closed yet: nothing to rank, the comparison lists both townships as open.
    {
        let mut c = db.conn().await.unwrap();
        let h = &mut c.handle();
        assert!(
            reports::ranking(h, &twp_a.path, twp_a.id, q("2026Q3"))
                .await
                .unwrap()
                .is_none()
        );
        let lines = reports::compare(h, &county.path, q("2026Q3"))
            .await
            .unwrap();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| !l.closed && l.workers == 0));
    }

    close(
        db,
        TWP_A,
        "2026Q2",
        &[
            (w1, GRID_1, 9000, "excellent", 1, 60000, false),
            (w2, GRID_2, 7000, "qualified", 2, 45000, false),
            (w3, GRID_2, 5000, "unqualified", 3, 0, false),
        ],
    )
    .await;
    let q3 = close(
        db,
        TWP_A,
        "2026Q3",
        &[
            (w1, GRID_1, 9200, "excellent", 1, 60000, false),
            (w2, GRID_2, 5500, "unqualified", 2, 0, false),
            (w3, GRID_2, 5400, "unqualified", 3, 0, true),
        ],
    )
    .await;
    // An accepted appeal corrects w2's result: a new row, the closed one stays.
    let closed_w2 = scalar(
        db,
        &format!("SELECT id FROM assess_results WHERE quarter_id = {q3} AND user_id = {w2}"),
    )
    .await;
    add_row(
        db,
        q3,
        4,
        "2026Q3",
        &(w2, GRID_2, 7100, "qualified", 2, 45000, false),
        "correction",
        Some(closed_w2),
    )
    .await;
    close(
        db,
        TWP_B,
        "2026Q3",
        &[(wb, GRID_B1, 8000, "qualified", 1, 50000, false)],
    )
    .await;

    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let r = reports::ranking(h, &twp_a.path, twp_a.id, q("2026Q3"))
        .await
        .unwrap()
        .unwrap();
    let order: Vec<i64> = r.rows.iter().map(|x| x.user_id).collect();
    assert_eq!(order, [w1, w2, w3]);
    assert!(
        r.rows[1].corrected() && r.rows[1].grade == "qualified" && r.rows[1].total_centi == 7100
    );
    assert!(!r.rows[0].corrected());
    assert!(r.rows[2].not_reengage);
    assert_eq!(
        (r.counts.excellent, r.counts.qualified, r.counts.unqualified),
        (1, 1, 1)
    );
    assert_eq!(r.pay_total_cents, 105_000);
    assert_eq!(r.closed.reward_pool_cents, 30000);

    // Township B's path does not reach A's quarter: out of sight is the same as not closed.
    assert!(
        reports::ranking(h, &twp_b.path, twp_a.id, q("2026Q3"))
            .await
            .unwrap()
            .is_none()
    );

    let mut lines = reports::compare(h, &county.path, q("2026Q3"))
        .await
        .unwrap();
    reports::sort_lines(&mut lines, CompareSort::Mean);
    assert_eq!(lines[0].code, TWP_B);
    let a = &lines[1];
    assert!(a.closed);
    assert_eq!(a.workers, 3);
    // (9200 + 7100 + 5400) / 3, the correction counted instead of the closed row.
    assert_eq!(a.mean_centi(), Some(7233));
    assert_eq!(
        (a.counts.excellent, a.counts.qualified, a.counts.unqualified),
        (1, 1, 1)
    );
    assert_eq!(a.pay_cents, 105_000);
    assert_eq!(a.share_permille(a.counts.unqualified), 333);
    // A township's own path sees only itself.
    let only = reports::compare(h, &twp_b.path, q("2026Q3")).await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].workers, 1);

    // The year: notices of the year (one of them a month without log-in), trainings required
    // by the duty rules in force (none attended).
    drop(c);
    for (user, period, cause) in [
        (w1, "2026-05", "no_login_month"),
        (w3, "2026Q3", "assessment_unqualified"),
        (w3, "2025-11", "no_login_month"),
    ] {
        exec(
            db,
            &format!(
                "INSERT INTO criticism_notices (user_id, user_name, path, period, cause, body, status, \
                 decision_note, created_at) SELECT id, display_name, '{}', '{period}', '{cause}', 'x', \
                 'draft', '', 1 FROM users WHERE id = {user}",
                get(db, &all, if user == w1 { GRID_1 } else { GRID_2 })
                    .await
                    .unwrap()
                    .path
            ),
        )
        .await;
    }
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let y = reports::year(h, &twp_a.path, 2026, 1, 2).await.unwrap();
    assert_eq!((y.total, y.lines.len(), y.per_page), (3, 2, 2));
    let l1 = y.lines.iter().find(|l| l.worker.user_id == w1).unwrap();
    assert_eq!(l1.quarters[1].as_ref().unwrap().grade, "excellent");
    assert_eq!(l1.quarters[2].as_ref().unwrap().total_centi, 9200);
    assert!(l1.quarters[0].is_none() && l1.quarters[3].is_none());
    assert_eq!(l1.mean_centi, Some(9100));
    assert_eq!(l1.no_login_months, ["2026-05"]);
    assert_eq!(l1.trainings_attended, 0);
    assert!(l1.trainings_required > 0);
    let p2 = reports::year(h, &twp_a.path, 2026, 2, 2).await.unwrap();
    assert_eq!(p2.lines.len(), 1);
    let l3 = &p2.lines[0];
    assert_eq!(l3.worker.user_id, w3);
    assert_eq!(l3.unqualified, 2);
    assert!(l3.not_reengage);
    // The notice of 2025 is not this year's.
    assert_eq!(l3.notices.len(), 1);
    assert!(l3.no_login_months.is_empty());
    let w2line = y.lines.iter().find(|l| l.worker.user_id == w2).unwrap();
    let c3 = w2line.quarters[2].as_ref().unwrap();
    assert!(c3.corrected && c3.grade == "qualified");
    assert_eq!(w2line.unqualified, 0);
    // Township B's summary holds only its own worker.
    let yb = reports::year(h, &twp_b.path, 2026, 1, 50).await.unwrap();
    assert_eq!(yb.total, 1);
    assert_eq!(yb.lines[0].worker.user_id, wb);
    // A page past the end is empty, not an error.
    let empty = reports::year(h, &twp_a.path, 2026, 9, 50).await.unwrap();
    assert!(empty.lines.is_empty());
    assert_eq!(empty.total, 3);
}
