//! The residents' survey and the ratings of closed events (issue 16, satisfaction part) on a
//! real database: `satisfaction()` sums per grid what the quarter holds and nothing else.

use super::*;
use wangge_domain::assessment::measures::SatisfactionInput;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::deadline::parse_rfc3339;
use wangge_store::assessment::survey;

fn at(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

fn quarter(s: &str) -> Quarter {
    Quarter::parse(s).unwrap()
}

/// Runs one statement outside the store (seeding rows other parts write).
async fn exec(db: &Db, sql: &str) -> u64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
    .unwrap()
}

async fn grid_node(db: &Db, code: &str) -> Node {
    get(db, &System::acting().scope(), code).await.unwrap()
}

/// A household of the grid, as the register writes it (only what the survey reads).
async fn household(db: &Db, g: &Node, no: &str) -> i64 {
    exec(
        db,
        &format!(
            "INSERT INTO households (grid_id, path, household_no, created_at) VALUES ({}, '{}', '{no}', 0)",
            g.id, g.path
        ),
    )
    .await;
    let sql = format!(
        "SELECT id FROM households WHERE grid_id = {} AND household_no = '{no}'",
        g.id
    );
    let sql = sqlx::AssertSqlSafe(sql);
    match db {
        Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
    }
    .unwrap()
}

/// An answered survey token written directly (the answering code is tested on its own).
async fn answered(db: &Db, g: &Node, no: &str, q: &str, score: i64) {
    let hh = household(db, g, no).await;
    exec(
        db,
        &format!(
            "INSERT INTO survey_tokens (household_id, grid_id, path, quarter, token_hash, created_at, answered_at) \
             VALUES ({hh}, {}, '{}', '{q}', 'hash-{hh}-{q}', 0, 1)",
            g.id, g.path
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "INSERT INTO survey_answers (token_id, grid_id, path, quarter, score, answers_json, created_at) \
             SELECT id, grid_id, path, quarter, {score}, '[]', 1 FROM survey_tokens WHERE token_hash = 'hash-{hh}-{q}'"
        ),
    )
    .await;
}

/// An event of the grid in `status`, closed at `closed` (if any) with `rating` (if any).
async fn event(
    db: &Db,
    g: &Node,
    number: &str,
    status: &str,
    closed: Option<&str>,
    rating: Option<i64>,
) {
    let closed = closed.map_or("NULL".to_string(), |c| at(c).to_string());
    let rating = rating.map_or("NULL".to_string(), |r| r.to_string());
    exec(db, &format!(
        "INSERT INTO events (number, source, category_code, complexity, description, grid_id, path, level, urgency, status, \
         holder_path, holder_label, state, level_started_at, calendar_missing, rework_count, reminder_count, reminded_light, \
         rating, reported_at, month, closed_at, updated_at) VALUES ('{number}', 'worker', 'QT01', 'ordinary', 'x', \
         {}, '{}', 1, 'normal', '{status}', '{}', 'g', '{{}}', 0, FALSE, 0, 0, 'none', {rating}, 0, 202607, {closed}, 0)",
        g.id, g.path, g.path)).await;
}

#[tokio::test]
async fn satisfaction_sums_the_quarter_per_grid() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let g1 = grid_node(db, GRID_1).await;
    let g2 = grid_node(db, GRID_2).await;
    let gb = grid_node(db, GRID_B1).await;
    let twp_a = grid_node(db, TWP_A).await;
    let county = grid_node(db, COUNTY).await;

    answered(db, &g1, "1", "2026Q3", 100).await;
    answered(db, &g1, "2", "2026Q3", 60).await;
    answered(db, &g1, "3", "2026Q2", 0).await; // another quarter
    answered(db, &g2, "1", "2026Q3", 40).await;
    answered(db, &gb, "1", "2026Q3", 80).await; // another township

    // Closed in the quarter (its first and last instants, China time) and rated: counted.
    event(
        db,
        &g1,
        "E1",
        "closed",
        Some("2026-07-01T00:00:00+08:00"),
        Some(5),
    )
    .await;
    event(
        db,
        &g1,
        "E2",
        "closed",
        Some("2026-09-30T23:59:59+08:00"),
        Some(3),
    )
    .await;
    event(
        db,
        &g1,
        "E3",
        "closed",
        Some("2026-08-10T10:00:00+08:00"),
        Some(4),
    )
    .await;
    // Not counted: unrated, closed just before or just after, reopened (no longer closed).
    event(
        db,
        &g1,
        "E4",
        "closed",
        Some("2026-08-10T10:00:00+08:00"),
        None,
    )
    .await;
    event(
        db,
        &g1,
        "E5",
        "closed",
        Some("2026-06-30T23:59:59+08:00"),
        Some(1),
    )
    .await;
    event(
        db,
        &g1,
        "E6",
        "closed",
        Some("2026-10-01T00:00:00+08:00"),
        Some(1),
    )
    .await;
    event(
        db,
        &g1,
        "E7",
        "accepted",
        Some("2026-08-10T10:00:00+08:00"),
        Some(1),
    )
    .await;
    event(
        db,
        &g2,
        "E8",
        "closed",
        Some("2026-08-01T10:00:00+08:00"),
        Some(2),
    )
    .await;
    event(
        db,
        &gb,
        "E9",
        "closed",
        Some("2026-08-01T10:00:00+08:00"),
        Some(1),
    )
    .await;

    let mut c = db.conn().await.unwrap();
    let s = survey::satisfaction(&mut c.handle(), &twp_a.path, quarter("2026Q3"))
        .await
        .unwrap();
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!(
        s[&g1.path],
        SatisfactionInput {
            survey_answers: 2,
            survey_score_sum: 160,
            ratings: 3,
            rating_sum: 12,
        }
    );
    assert_eq!(
        s[&g2.path],
        SatisfactionInput {
            survey_answers: 1,
            survey_score_sum: 40,
            ratings: 1,
            rating_sum: 2,
        }
    );

    // The county sees township B's grid too; one grid's prefix sees only that grid.
    let all = survey::satisfaction(&mut c.handle(), &county.path, quarter("2026Q3"))
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[&gb.path].survey_score_sum, 80);
    assert_eq!(all[&gb.path].rating_sum, 1);
    let one = survey::satisfaction(&mut c.handle(), &g1.path, quarter("2026Q3"))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);

    // The quarter before holds one answer and the event closed on its last second.
    let q2 = survey::satisfaction(&mut c.handle(), &twp_a.path, quarter("2026Q2"))
        .await
        .unwrap();
    assert_eq!(
        q2[&g1.path],
        SatisfactionInput {
            survey_answers: 1,
            survey_score_sum: 0,
            ratings: 1,
            rating_sum: 1,
        }
    );
    assert_eq!(q2.len(), 1);
    // A quarter with nothing gives an empty map.
    let empty = survey::satisfaction(&mut c.handle(), &twp_a.path, quarter("2025Q1"))
        .await
        .unwrap();
    assert!(empty.is_empty());
}
