//! The plans every list relies on (issue 14): on a seeded, analysed table each list's statement
//! walks an index in its own order and reads about a page. SQLite: no `SCAN e` of the events
//! and no `USE TEMP B-TREE FOR ORDER BY`. PostgreSQL: no `Seq Scan on events` and no `Sort`, in
//! the plan for the values given and in the generic plan a prepared statement may switch to.

use super::*;
use wangge_domain::event::Status;
use wangge_store::analysis::{self, SyntheticEvent};
use wangge_store::events::{self, Cursor, Inbox, ListFilter};
use wangge_store::open311::{self, RequestFilter};

/// Enough that reading a scope whole costs more than walking an index to a page (seeding
/// PostgreSQL row by row through the totals' triggers is slower, so it gets fewer).
const EVENTS_SQLITE: usize = 30_000;
const EVENTS_POSTGRES: usize = 15_000;
const DAY: i64 = 86_400_000;
/// 2026-01-01T00:00:00+08:00.
const T0: i64 = 1_767_196_800_000;

fn path_of(codes: &[&str]) -> String {
    let mut p = String::from("/");
    for c in codes {
        p.push_str(c);
        p.push('/');
    }
    p
}

/// The standard tree with many events over its three grids and a year, then statistics.
async fn seeded() -> TestDb {
    let t = fresh().await;
    build_tree(&t.db).await;
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let grids: Vec<(i64, String)> = nodes::of_kind(h, &System::acting().scope(), NodeKind::Grid)
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.id, g.path))
        .collect();
    let statuses = [
        Status::Closed,
        Status::Closed,
        Status::Closed,
        Status::Reported,
        Status::Accepted,
    ];
    let events = if t.db.is_postgres() {
        EVENTS_POSTGRES
    } else {
        EVENTS_SQLITE
    };
    let rows: Vec<SyntheticEvent> = (0..events)
        .map(|i| {
            let (grid_id, path) = grids[i % grids.len()].clone();
            let reported_at = T0 + (i as i64) * (365 * DAY / events as i64);
            let status = statuses[i % statuses.len()];
            SyntheticEvent {
                number: format!("P{i:08}"),
                category_code: if i % 7 == 0 { "SR01" } else { "SR02" }.to_string(),
                complexity: "ordinary".to_string(),
                grid_id,
                holder_path: path.clone(),
                path,
                level: 1,
                urgency: "normal".to_string(),
                status,
                reported_at,
                month: 202601,
                due_at: Some(reported_at + 3 * DAY),
                final_due_at: Some(reported_at + 7 * DAY),
                closed_at: (status == Status::Closed).then_some(reported_at + DAY),
                rework_count: 0,
            }
        })
        .collect();
    drop(c);
    let mut tx = t.db.begin().await.unwrap();
    for chunk in rows.chunks(analysis::SYNTHETIC_BATCH) {
        analysis::insert_synthetic(&mut tx.handle(), chunk)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    analysis::refresh_statistics(&mut c.handle()).await.unwrap();
    t
}

/// The rows a PostgreSQL plan line expects (`rows=N`), if it says.
fn estimated_rows(line: &str) -> Option<u64> {
    let rest = line.split("rows=").nth(1)?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Fails with the plan when it reads the events whole or sorts them. The side of a list that
/// finds events through `event_reach` (parties outside the events' grids: few) may sort those;
/// PostgreSQL, which knows each status's share, may sort what it expects to be a few rows (a
/// status no event has yet) — never more than a page's worth of a thousand.
fn assert_seeks(what: &str, plan: &str) {
    // Rare inboxes (due soon, supervised) read the scope's few matching open events through
    // migration 21's indexes and sort them.
    let by_reach = what.contains("side 1") || what.contains("rare ");
    for line in plan.lines() {
        let l = line.trim().trim_start_matches("->").trim();
        // `y`: the events a count finds by their holder (the caller).
        let full_scan = ((l.starts_with("SCAN e") || l.starts_with("SCAN y"))
            && !l.contains("INDEX"))
            || l.starts_with("Seq Scan on events ");
        let sqlite_sort = l.contains("USE TEMP B-TREE FOR ORDER BY");
        let pg_sort = (l.starts_with("Sort ") || l.starts_with("Incremental Sort"))
            && l.contains("(cost=")
            && estimated_rows(l).is_none_or(|n| n > 1000);
        assert!(
            !full_scan && (!(sqlite_sort || pg_sort) || by_reach),
            "{what} reads the events whole or sorts them:\n{plan}"
        );
    }
}

/// `only`: the lists whose names start so (all when empty).
async fn check_all(db: &Db, generic: bool, only: &str) {
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let now = T0 + 400 * DAY;
    let mut plans: Vec<(String, String)> = Vec::new();
    let scopes = [
        ("city", path_of(&[CITY])),
        ("county", path_of(&[CITY, COUNTY])),
        ("township", path_of(&[CITY, COUNTY, TWP_A])),
        ("village", path_of(&[CITY, COUNTY, TWP_A, VIL_A])),
        ("grid", path_of(&[CITY, COUNTY, TWP_A, VIL_A, GRID_1])),
    ];
    let page = ListFilter {
        limit: 21,
        ..Default::default()
    };
    let later = ListFilter {
        limit: 21,
        before: Some(Cursor {
            reported_at: T0 + 200 * DAY,
            id: 15_000,
        }),
        ..Default::default()
    };
    for (name, path) in &scopes {
        let scope = Scope::of_path(path);
        for inbox in [Inbox::All, Inbox::Closed, Inbox::ToAccept, Inbox::ToVerify] {
            for (which, f) in [("first page", &page), ("a later page", &later)] {
                for (i, p) in events::explain_list(h, &scope, inbox, f, now)
                    .await
                    .unwrap()
                    .into_iter()
                    .enumerate()
                {
                    plans.push((format!("{name} {} {which} (side {i})", inbox.as_str()), p));
                }
            }
        }
        for inbox in [Inbox::DueSoon, Inbox::Supervised] {
            for (i, p) in events::explain_list(h, &scope, inbox, &page, now)
                .await
                .unwrap()
                .into_iter()
                .enumerate()
            {
                plans.push((format!("{name} rare {} (side {i})", inbox.as_str()), p));
            }
        }
        plans.push((
            format!("{name} board"),
            events::explain_public_results(h, path, 50).await.unwrap(),
        ));
        // The home page's counts: what a worker, a centre and a leader see first.
        for inbox in Inbox::WORK.iter().chain(Inbox::WATCH.iter()) {
            for (i, p) in events::explain_inbox_counts(h, &scope, 7, now, *inbox)
                .await
                .unwrap()
                .into_iter()
                .enumerate()
            {
                plans.push((format!("count {name} {} (side {i})", inbox.as_str()), p));
            }
        }
    }
    let window = RequestFilter {
        service_codes: vec![],
        want_open: true,
        want_closed: true,
        from: now - 90 * DAY,
        to: now,
        limit: 100,
        offset: 0,
    };
    let variants = [
        ("open311 default", window.clone()),
        (
            "open311 open only",
            RequestFilter {
                want_closed: false,
                ..window.clone()
            },
        ),
        (
            "open311 two service codes, page 3",
            RequestFilter {
                service_codes: vec!["SR01".into(), "SR02".into()],
                offset: 200,
                ..window.clone()
            },
        ),
    ];
    for (name, f) in variants {
        for p in open311::explain_requests(h, &f).await.unwrap() {
            plans.push((name.to_string(), p));
        }
    }
    for (what, plan) in plans.iter().filter(|(w, _)| w.starts_with(only)) {
        if std::env::var_os("WANGGE_SHOW_PLANS").is_some() {
            eprintln!("== {what} (generic: {generic})\n{plan}");
        }
        assert!(!plan.is_empty(), "{what}: no plan");
        assert_seeks(&format!("{what} (generic: {generic})"), plan);
    }
}

#[tokio::test]
async fn every_list_seeks_an_index() {
    let t = seeded().await;
    check_all(&t.db, false, "").await;
    if t.db.is_postgres() {
        // The plan a prepared statement may switch to after five runs must seek as well: the
        // statements' shapes (equalities on indexed expressions, no parameter switches) are
        // why no list needs plan_cache_mode = force_custom_plan.
        let Db::Postgres(pool) = &t.db else {
            panic!("a PostgreSQL database")
        };
        let opts = pool.connect_options().as_ref().clone();
        let generic = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .after_connect(|c, _| {
                Box::pin(async move {
                    sqlx::query("SET plan_cache_mode = force_generic_plan")
                        .execute(c)
                        .await
                        .map(|_| ())
                })
            })
            .connect_with(opts)
            .await
            .unwrap();
        check_all(&Db::Postgres(generic), true, "").await;
    }
}

#[tokio::test]
async fn lists_page_by_cursor_and_see_departments() {
    let t = seeded().await;
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let village = Scope::of_path(&path_of(&[CITY, COUNTY, TWP_A, VIL_A]));
    let now = T0 + 400 * DAY;
    let mut seen = Vec::new();
    let mut before = None;
    for _ in 0..3 {
        let f = ListFilter {
            limit: 7,
            before,
            ..Default::default()
        };
        let rows = events::list(h, &village, Inbox::All, &f, now)
            .await
            .unwrap();
        assert_eq!(rows.len(), 7);
        let last = rows.last().unwrap();
        before = Some(Cursor {
            reported_at: last.reported_at,
            id: last.id,
        });
        seen.extend(rows.into_iter().map(|e| (e.reported_at, e.id)));
    }
    let by_offset = events::list(
        h,
        &village,
        Inbox::All,
        &ListFilter {
            limit: 21,
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        seen,
        by_offset
            .iter()
            .map(|e| (e.reported_at, e.id))
            .collect::<Vec<_>>(),
        "three cursor pages are the first 21 rows"
    );
}

/// `sqlite_stat1` of the events' indexes as `wangge bench lists` leaves it at 1,000,000 events
/// over 294 grids of one county. With these figures SQLite skip-scanned a path-led index for
/// Open311's time window and sorted the whole quarter (1–3 s a page) — 30,000 seeded events
/// over three grids never showed it, so the test plans with the big table's statistics.
const MILLION_STATS: &[(&str, &str)] = &[
    ("events_village_closed_at", "1000000 27028 3379 2"),
    ("events_closed_at", "1000000 125000 2"),
    // Migration 21's open events (none supervised in the bench's events).
    ("events_open_status_path", "159954 39989 137 1 1"),
    ("events_holder_reported", "1000000 2959 370 1 1"),
    ("events_village_reported", "1000000 27028 1 1"),
    ("events_township_reported", "1000000 166667 1 1"),
    ("events_county_reported", "1000000 1000000 1 1"),
    ("events_city_reported", "1000000 1000000 1 1"),
    ("events_grid_reported", "1000000 3402 1 1"),
    ("events_category_reported", "1000000 28572 1 1"),
    ("events_reported", "1000000 1 1"),
    ("events_grid_closed", "1000000 3402 426 2"),
    ("events_due", "1000000 125000 1"),
    ("events_holder", "1000000 2959 370"),
    ("events_path", "1000000 3402 426"),
];

#[tokio::test]
async fn sqlite_lists_seek_with_a_million_events_statistics() {
    let t = seeded().await;
    let Db::Sqlite(pool) = &t.db else {
        return;
    };
    let opts = pool.connect_options().as_ref().clone();
    // One connection, so the statistics it reloads are the ones every plan below uses.
    let one = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .unwrap();
    for (idx, stat) in MILLION_STATS {
        sqlx::query("UPDATE sqlite_stat1 SET stat = ? WHERE tbl = 'events' AND idx = ?")
            .bind(*stat)
            .bind(*idx)
            .execute(&one)
            .await
            .unwrap();
    }
    sqlx::query("ANALYZE sqlite_schema")
        .execute(&one)
        .await
        .unwrap();
    check_all(&Db::Sqlite(one), false, "").await;
}
