//! The per-day counts table (migration 23, issue 15 "Speed"): after a mix of writes — through
//! the store's writers where they exist, by the writers' own SQL otherwise, offline resends
//! and refused replays included — the leaders' counts read from `work_days` equal the counts
//! read from the records, for weeks and months, today inside or after the span, and a
//! database holding records before the migration is filled from them.

use super::*;
use std::collections::HashMap;
use wangge_domain::calendar::Date;
use wangge_domain::deadline::parse_rfc3339;
use wangge_domain::workbench::diary::Draft;
use wangge_domain::workbench::progress::{Counts, Span};
use wangge_store::seal::KeyRing;
use wangge_store::workbench::diary::{self, Sent, Writer};
use wangge_store::workbench::progress::{counts, counts_from_records};
use wangge_store::workbench::sweeps::{self, NewSweep};
use wangge_store::workbench::{logins, rules};

fn at(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn keys() -> KeyRing {
    KeyRing::from_text(&format!("k1 {}", "ab".repeat(32))).unwrap()
}

async fn exec(db: &Db, sql: &str) -> u64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
    .unwrap()
}

async fn worker(db: &Db, name: &str, grid: &str) -> (i64, i64, String) {
    let mut c = db.conn().await.unwrap();
    let u = users::create(
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
        at("2026-09-01T09:00:00+08:00"),
    )
    .await
    .unwrap();
    let g = get(db, &System::acting().scope(), grid).await.unwrap();
    (u.id, g.id, g.path)
}

/// A visit as the visits writer stores it; a resend of a client key already seen inserts
/// nothing (the writer answers the stored record instead).
async fn visit(db: &Db, w: (i64, i64, &str), kind: &str, d: &str, key: &str) -> u64 {
    let (id, gid, path) = w;
    let ms = at(&format!("{d}T10:00:00+08:00"));
    exec(
        db,
        &format!(
            "INSERT INTO visits (worker_id, worker_name, grid_id, path, target_kind, target_id, seen, \
             discussed, done, reply, evaluation, at, day, received_at, client_key, content_hash) VALUES \
             ({id}, 'w', {gid}, '{path}', '{kind}', 1, '看', '议', '办', '回', '评', {ms}, '{d}', {ms}, '{key}', 'h') \
             ON CONFLICT (worker_id, client_key) DO NOTHING"
        ),
    )
    .await
}

/// Seconds inside the grid as the patrol writer recomputes them: an upsert per day.
async fn patrol(db: &Db, w: (i64, i64, &str), d: &str, secs: i64) {
    let (id, gid, path) = w;
    exec(
        db,
        &format!(
            "INSERT INTO patrol_days (worker_id, day, grid_id, path, seconds_inside) VALUES \
             ({id}, '{d}', {gid}, '{path}', {secs}) ON CONFLICT (worker_id, day) DO UPDATE \
             SET seconds_inside = excluded.seconds_inside"
        ),
    )
    .await;
}

async fn write_diary(db: &Db, w: (i64, i64, &str), d: &str, key: &str, body: &str) -> bool {
    let (id, gid, path) = w;
    let mut tx = db.begin().await.unwrap();
    let h = &mut tx.handle();
    let duties = rules::in_force(h, path, day(d)).await.unwrap();
    let ms = at(&format!("{d}T18:00:00+08:00"));
    let r = diary::write(
        h,
        &Writer {
            user_id: id,
            name: "w",
            grid_id: gid,
            grid_path: path,
        },
        &Draft {
            day: day(d),
            body: body.into(),
            tags: vec![],
        },
        &Sent {
            client_key: key,
            at: ms,
            position: None,
        },
        &[],
        &duties,
        ms,
    )
    .await;
    match r {
        Ok(w) => {
            tx.commit().await.unwrap();
            w.created
        }
        Err(_) => false,
    }
}

async fn sweep(db: &Db, w: (i64, i64, &str), week: &str) -> bool {
    let (id, gid, path) = w;
    let mut tx = db.begin().await.unwrap();
    let r = sweeps::insert(
        &mut tx.handle(),
        &NewSweep {
            worker_id: id,
            grid_id: gid,
            path,
            week,
            items_json: "[]",
            findings: 0,
            client_key: None,
            content_hash: "h",
        },
        at(&format!("{week}T09:00:00+08:00")),
    )
    .await;
    tx.commit().await.unwrap();
    r.is_ok()
}

async fn login(db: &Db, user: i64, d: &str) {
    let mut c = db.conn().await.unwrap();
    logins::record_use(
        &mut c.handle(),
        user,
        day(d),
        at(&format!("{d}T08:30:00+08:00")),
    )
    .await
    .unwrap();
}

/// Both readings for the township over the span; they must agree.
async fn both(db: &Db, span: &Span, minutes: u32) -> HashMap<i64, Counts> {
    let twp = get(db, &System::acting().scope(), TWP_A).await.unwrap();
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let k = keys();
    let table = counts(h, &k, &twp.path, span, minutes).await.unwrap();
    let records = counts_from_records(h, &k, &twp.path, span, minutes)
        .await
        .unwrap();
    assert_eq!(table, records, "{span:?}, {minutes} minutes a day");
    table
}

/// The spans the views ask: weeks and months seen on several days, a month already over.
fn spans() -> Vec<Span> {
    let mut out = Vec::new();
    for today in [
        "2026-11-02",
        "2026-11-06",
        "2026-11-08",
        "2026-11-30",
        "2026-12-03",
    ] {
        out.push(Span::week(day(today)));
        out.push(Span::month(day(today)));
    }
    out.push(Span::of_month(
        day("2026-10-01"),
        day("2026-10-31"),
        day("2026-12-03"),
    ));
    out
}

/// Writes a mix of records for two workers of the township and one outside it; returns w1.
async fn mixed_writes(db: &Db) -> (i64, i64) {
    let (w1, g1, p1) = worker(db, "w1", GRID_1).await;
    let (w2, g2, p2) = worker(db, "w2", GRID_2).await;
    let (wb, gb, pb) = worker(db, "wb", GRID_B1).await;
    let (a, b, o) = (
        (w1, g1, p1.as_str()),
        (w2, g2, p2.as_str()),
        (wb, gb, pb.as_str()),
    );
    // Visits: households and persons count as family visits, a house does not; a resend of
    // the same client key (offline, sent twice) inserts nothing.
    assert_eq!(visit(db, a, "household", "2026-11-02", "v1").await, 1);
    assert_eq!(visit(db, a, "person", "2026-11-02", "v2").await, 1);
    assert_eq!(visit(db, a, "household", "2026-11-02", "v1").await, 0);
    assert_eq!(visit(db, a, "house", "2026-11-03", "v3").await, 1);
    assert_eq!(visit(db, a, "household", "2026-11-07", "v4").await, 1);
    assert_eq!(visit(db, a, "person", "2026-10-30", "v5").await, 1);
    assert_eq!(visit(db, b, "household", "2026-11-05", "v1").await, 1);
    assert_eq!(visit(db, o, "household", "2026-11-05", "v1").await, 1);
    // Diary: a resend of the same entry is answered, not written again; the same key with
    // other content is refused and writes nothing.
    assert!(write_diary(db, a, "2026-11-02", "d1", "民情一").await);
    assert!(!write_diary(db, a, "2026-11-02", "d1", "民情一").await);
    assert!(!write_diary(db, a, "2026-11-02", "d1", "别的内容").await);
    assert!(write_diary(db, a, "2026-11-06", "d2", "民情二").await);
    assert!(write_diary(db, b, "2026-11-01", "d1", "民情").await);
    // Sweeps: one a week; the second of a week is refused.
    assert!(sweep(db, a, "2026-10-26").await);
    assert!(sweep(db, a, "2026-11-02").await);
    assert!(!sweep(db, a, "2026-11-02").await);
    assert!(sweep(db, b, "2026-11-30").await);
    // Days in the grid: recomputed as points arrive; a weekend day and a day of 0 seconds.
    patrol(db, a, "2026-11-02", 1800).await;
    patrol(db, a, "2026-11-02", 7500).await;
    patrol(db, a, "2026-11-03", 0).await;
    patrol(db, a, "2026-11-07", 9000).await;
    patrol(db, a, "2026-11-06", 7200).await;
    patrol(db, b, "2026-11-30", 3000).await;
    // Log-ins: the first request of a day only.
    for d in [
        "2026-11-02",
        "2026-11-02",
        "2026-11-03",
        "2026-11-08",
        "2026-12-03",
    ] {
        login(db, w1, d).await;
    }
    login(db, w2, "2026-11-06").await;
    (w1, w2)
}

#[tokio::test]
async fn the_table_counts_what_the_records_count() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let (w1, w2) = mixed_writes(&t.db).await;
    for span in spans() {
        for minutes in [0, 120] {
            both(&t.db, &span, minutes).await;
        }
    }
    // The figures themselves, so that both readings being wrong alike would show.
    let week = both(&t.db, &Span::week(day("2026-11-06")), 120).await;
    let c = &week[&w1];
    assert_eq!((c.family_visits, c.diary, c.sweeps), (2, 2, 1));
    // 7500 s on Monday and 7200 s on Friday meet 120 minutes; Saturday is no working day.
    assert_eq!(
        (c.patrol_days_met, c.minutes_today, c.login_days),
        (2, 120, 2)
    );
    assert!(!c.logged_in_today);
    let c = &week[&w2];
    assert_eq!((c.family_visits, c.diary, c.login_days), (1, 0, 1));
    assert!(c.logged_in_today);
    let month = both(&t.db, &Span::month(day("2026-11-30")), 120).await;
    // October's visit and sweep stay out of November, the week of 26 October's sweep in.
    assert_eq!((month[&w1].family_visits, month[&w1].sweeps), (3, 2));
    assert_eq!((month[&w2].diary, month[&w2].minutes_today), (1, 50));
    assert_eq!(
        month.len(),
        2,
        "the worker of another township is not counted"
    );
    let with_zero = both(&t.db, &Span::week(day("2026-11-06")), 0).await;
    // With no daily minimum, every working day with a `patrol_days` row counts, 0 s included.
    assert_eq!(with_zero[&w1].patrol_days_met, 3);
}

#[tokio::test]
async fn the_migration_fills_the_table_from_the_records_before_it() {
    let t = testdb::fresh_at(22).await.unwrap();
    build_tree(&t.db).await;
    // Before migration 23 there are no triggers: the records alone hold the counts.
    let (w1, _) = mixed_writes(&t.db).await;
    t.db.migrate().await.unwrap();
    for span in spans() {
        for minutes in [0, 120] {
            both(&t.db, &span, minutes).await;
        }
    }
    let week = both(&t.db, &Span::week(day("2026-11-06")), 120).await;
    assert_eq!(week[&w1].family_visits, 2);
    // And the triggers count what is written after it.
    let g1 = get(&t.db, &System::acting().scope(), GRID_1).await.unwrap();
    assert_eq!(
        visit(&t.db, (w1, g1.id, &g1.path), "person", "2026-11-04", "v9").await,
        1
    );
    let week = both(&t.db, &Span::week(day("2026-11-06")), 120).await;
    assert_eq!(week[&w1].family_visits, 3);
}
