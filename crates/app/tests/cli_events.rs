//! The real `wangge` binary on the event commands: `calendar due` against the shipped official
//! calendar, and `verify` on a SQLite file whose history is then tampered with. Each run gets a
//! temporary directory of its own as working directory and database location, so no config
//! file, key file or database of the checkout is touched.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

use wangge_domain::System;
use wangge_domain::calendar::Calendar;
use wangge_domain::deadline::parse_rfc3339;
use wangge_domain::event::{Action, Actor, Rules, Staff};
use wangge_domain::{NodeKind, Role, Scope};
use wangge_store::events::{self, Caller, EventCtx, ReportInput, Source};
use wangge_store::seal::KeyRing;
use wangge_store::territory::GridRef;
use wangge_store::{Db, auth, nodes, users};

/// A directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let name = format!(
            "wangge_cli_{tag}_{}_{nanos}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn db_url(&self) -> String {
        format!("sqlite://{}", self.0.join("x.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the binary in `dir` on its database there, with none of the caller's WANGGE_* settings.
fn wangge(dir: &TempDir, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wangge"));
    cmd.current_dir(dir.path())
        .args(["--database-url", &dir.db_url()])
        .args([
            "--keys",
            &dir.path().join("wangge.keys").display().to_string(),
        ])
        .args(args);
    for var in [
        "WANGGE_DATABASE_URL",
        "WANGGE_CONFIG",
        "WANGGE_KEY_FILE",
        "WANGGE_KEYS",
        "WANGGE_LOG_FORMAT",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("WANGGE_LOG", "warn");
    cmd.output().expect("the wangge binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `calendar due` for one period; the whole output on failure.
fn due(dir: &TempDir, from: &str, period: &str, n: u32) -> Output {
    wangge(
        dir,
        &["calendar", "due", "--from", from, period, &n.to_string()],
    )
}

#[track_caller]
fn printed_due(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
    let line = stdout(o).trim().to_string();
    assert!(
        parse_rfc3339(&line).is_ok(),
        "not an RFC 3339 instant: {line:?}"
    );
    assert!(line.ends_with("+08:00"), "{line}");
    line
}

// ---------------------------------------------------------------------------------------------
// calendar due

#[test]
fn working_days_skip_national_day_and_count_the_make_up_saturday() {
    let dir = TempDir::new("cal");
    // 2025's National Day with Mid-autumn: Oct 1 (Wed) to Oct 8 (Wed) off; Sun Sep 28 and
    // Sat Oct 11 are make-up working days. From Tue Sep 30 the start day is not counted, so the
    // three working days are Thu Oct 9, Fri Oct 10 and Sat Oct 11 (make-up). The period ends at
    // 24:00 of Oct 11, written 00:00 of Oct 12. Without the make-up day it would be Oct 14.
    let o = due(&dir, "2025-09-30T10:00:00+08:00", "--working-days", 3);
    assert_eq!(printed_due(&o), "2025-10-12T00:00:00+08:00");
    // The same instant given in UTC is the same local day.
    let o = due(&dir, "2025-09-30T02:00:00Z", "--working-days", 3);
    assert_eq!(printed_due(&o), "2025-10-12T00:00:00+08:00");
    // One working day from Sep 27 (Sat, a rest day): Sun Sep 28 is a make-up working day.
    let o = due(&dir, "2025-09-27T10:00:00+08:00", "--working-days", 1);
    assert_eq!(printed_due(&o), "2025-09-29T00:00:00+08:00");
}

#[test]
fn calendar_days_ending_in_the_holiday_move_to_the_next_working_day() {
    let dir = TempDir::new("cal");
    // Fri Sep 26 + 7 days = Fri Oct 3, inside the Oct 1–8 holiday: the next working day is
    // Thu Oct 9, so the period ends 00:00 Oct 10.
    let o = due(&dir, "2025-09-26T10:00:00+08:00", "--days", 7);
    assert_eq!(printed_due(&o), "2025-10-10T00:00:00+08:00");
    // Mon Sep 22 + 7 = Mon Sep 29, a working day: it stays.
    let o = due(&dir, "2025-09-22T10:00:00+08:00", "--days", 7);
    assert_eq!(printed_due(&o), "2025-09-30T00:00:00+08:00");
    // Sun Sep 21 + 7 = Sun Sep 28, a make-up working day: it stays too.
    let o = due(&dir, "2025-09-21T10:00:00+08:00", "--days", 7);
    assert_eq!(printed_due(&o), "2025-09-29T00:00:00+08:00");
}

#[test]
fn a_year_without_calendar_data_is_refused_not_guessed() {
    let dir = TempDir::new("cal");
    let o = due(&dir, "2031-03-03T10:00:00+08:00", "--days", 7);
    assert!(!o.status.success(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("calendar missing for 2031"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o).trim(), "");
    // A count that starts in a loaded year and runs into a missing one is refused as well.
    let o = due(&dir, "2026-12-30T10:00:00+08:00", "--working-days", 5);
    assert!(!o.status.success(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("calendar missing for 2027"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_malformed_start_is_refused_with_a_clear_message() {
    let dir = TempDir::new("cal");
    for bad in [
        "2025-13-01T10:00:00+08:00",
        "2025-09-30T10:00:00",
        "tomorrow",
    ] {
        let o = due(&dir, bad, "--working-days", 3);
        assert!(!o.status.success(), "{bad}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("{bad:?} is not an RFC 3339 date-time")),
            "{bad}: {err}"
        );
        assert!(err.contains("calendar.bad_instant"), "{bad}: {err}");
        assert_eq!(stdout(&o).trim(), "", "{bad}");
    }
    // A period is required, and only one.
    let o = wangge(
        &dir,
        &["calendar", "due", "--from", "2025-09-30T10:00:00+08:00"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--working-days"), "{}", stderr(&o));
    let o = wangge(
        &dir,
        &[
            "calendar",
            "due",
            "--from",
            "2025-09-30T10:00:00+08:00",
            "--days",
            "7",
            "--working-days",
            "3",
        ],
    );
    assert!(!o.status.success());
}

// ---------------------------------------------------------------------------------------------
// verify

/// The first grid of the demo city and its worker, as a caller.
async fn demo_grid_worker(db: &Db) -> (GridRef, Caller) {
    let mut c = db.conn().await.unwrap();
    let g = nodes::of_kind(&mut c.handle(), &System::acting().scope(), NodeKind::Grid)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo has grids");
    let u = users::by_username(
        &mut c.handle(),
        &System::acting().scope(),
        &format!("gw{}", g.code),
    )
    .await
    .expect("the demo's grid worker");
    let caller = Caller {
        actor: Actor::Staff(Staff {
            user_id: u.id,
            role: Role::Worker,
            node_kind: NodeKind::Grid,
            node_code: g.code.clone(),
        }),
        name: u.display_name,
        scope: Scope::of_path(&g.path),
    };
    let grid = GridRef {
        id: g.id,
        code: g.code,
        name: g.name,
        path: g.path,
    };
    (grid, caller)
}

/// Reports `steps.len()` events at the grid, each taken through its list of actions; returns
/// their numbers.
async fn make_events(db: &Db, steps: &[&[Action]]) -> Vec<String> {
    let (grid, worker) = demo_grid_worker(db).await;
    let keys = KeyRing::from_text(&format!("k1 {}", auth::random_secret().unwrap())).unwrap();
    let calendar = Calendar::official();
    let rules = Rules::default();
    let ctx = EventCtx {
        keys: &keys,
        calendar: &calendar,
        rules: &rules,
        categories: Default::default(),
    };
    let resident = Caller {
        actor: Actor::Reporter { user_id: None },
        name: "群众".into(),
        scope: System::acting().scope(),
    };
    // Fixed instants inside the shipped calendar's years, whatever today is.
    let t0 = parse_rfc3339("2025-03-03T09:00:00+08:00").unwrap();
    let mut numbers = Vec::new();
    for (i, actions) in steps.iter().enumerate() {
        let input = ReportInput {
            source: Source::ResidentQr,
            category_code: "SR01".into(),
            description: format!("垃圾堆放 {i}"),
            lat: None,
            lon: None,
            address: None,
            located_grid: Some(grid.clone()),
            chosen_grid: None,
            urgency: wangge_domain::event::Urgency::Normal,
            reporter_name: None,
            reporter_phone: None,
            photos: Vec::new(),
            submission_key: None,
            handled_on_spot: None,
        };
        let at = t0 + i as i64 * 60_000;
        let r = events::submit(db, &ctx, &resident, input, at)
            .await
            .unwrap();
        for (k, action) in actions.iter().enumerate() {
            let mut tx = db.begin().await.unwrap();
            events::act(
                &mut tx.handle(),
                &ctx,
                &worker,
                &r.number,
                action.clone(),
                &[],
                at + 1 + k as i64,
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        numbers.push(r.number);
    }
    numbers
}

async fn exec(db: &Db, sql: &str) -> Result<u64, sqlx::Error> {
    let Db::Sqlite(p) = db else {
        panic!("this test keeps its database in a SQLite file")
    };
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(p)
        .await
        .map(|r| r.rows_affected())
}

#[tokio::test]
async fn verify_passes_on_a_fresh_city_and_names_a_tampered_event() {
    let dir = TempDir::new("verify");

    // The demo city (no people: only the tree and its staff are needed).
    let o = wangge(
        &dir,
        &["demo", "--people-per-grid", "0", "--events-per-grid", "0"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("demo city created"), "{}", stdout(&o));

    // Events written through the store on the same file: 3 + 2 + 1 steps.
    let db = Db::connect(&dir.db_url()).await.unwrap();
    let accept = Action::Accept {
        due_ms: None,
        urgency: None,
        note: "受理".into(),
    };
    let feedback = Action::Feedback {
        result: "已清运".into(),
        photos: Vec::new(),
    };
    let numbers = make_events(&db, &[&[accept.clone(), feedback], &[accept], &[]]).await;
    db.close().await;

    let o = wangge(&dir, &["verify"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{}", stderr(&o));
    assert!(
        out.contains("event history: 6 steps checked, every chain intact"),
        "{out}"
    );
    assert!(!out.contains("event_history:"), "{out}");

    // Change the second event's accept step (seq 2) behind the store's back. The append-only
    // trigger refuses the UPDATE until it is dropped, as someone with owner rights could do.
    let db = Db::connect(&dir.db_url()).await.unwrap();
    let victim = &numbers[1];
    let id: i64 = {
        let Db::Sqlite(p) = &db else {
            panic!("SQLite only")
        };
        sqlx::query_scalar("SELECT id FROM events WHERE number = $1")
            .bind(victim)
            .fetch_one(p)
            .await
            .unwrap()
    };
    let edit =
        format!("UPDATE event_history SET note = '未受理' WHERE event_id = {id} AND seq = 2");
    assert!(exec(&db, &edit).await.is_err(), "the trigger should refuse");
    exec(&db, "DROP TRIGGER event_history_no_update")
        .await
        .unwrap();
    assert_eq!(exec(&db, &edit).await.unwrap(), 1);
    db.close().await;

    let o = wangge(&dir, &["verify"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{}", stderr(&o));
    assert!(
        out.contains(&format!(
            "event_history: event {victim} step 2: the step was changed after it was written"
        )),
        "{out}"
    );
    assert!(
        out.contains("event history: 6 steps checked, 1 breaks"),
        "{out}"
    );
    // Only the changed event is named.
    for other in [&numbers[0], &numbers[2]] {
        assert!(!out.contains(other.as_str()), "{other} named: {out}");
    }
}

#[tokio::test]
async fn the_demo_city_comes_with_events_in_every_state_and_intact_history() {
    let dir = TempDir::new("demo-events");
    let o = wangge(&dir, &["demo", "--people-per-grid", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("events: "), "{}", stdout(&o));

    let db = Db::connect(&dir.db_url()).await.unwrap();
    let Db::Sqlite(p) = &db else {
        panic!("this test keeps its database in a SQLite file")
    };
    let by_status: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM events GROUP BY status ORDER BY status")
            .fetch_all(p)
            .await
            .unwrap();
    let statuses: Vec<&str> = by_status.iter().map(|(s, _)| s.as_str()).collect();
    for wanted in [
        "accepted",
        "assigned",
        "closed",
        "feedback_given",
        "rejected",
        "reported",
    ] {
        assert!(
            statuses.contains(&wanted),
            "{wanted} missing: {by_status:?}"
        );
    }
    let total: i64 = by_status.iter().map(|(_, n)| n).sum();
    let (rated, escalated, on_spot): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM events WHERE rating IS NOT NULL), \
         (SELECT COUNT(*) FROM event_history WHERE action = 'escalate'), \
         (SELECT COUNT(*) FROM event_history WHERE action = 'handle_on_spot')",
    )
    .fetch_one(p)
    .await
    .unwrap();
    assert!(
        rated > 0 && escalated > 0 && on_spot > 0,
        "{rated} {escalated} {on_spot}"
    );
    db.close().await;

    let o = wangge(&dir, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("every chain intact"), "{}", stdout(&o));

    // A second run leaves the city and its events as they are.
    let o = wangge(&dir, &["demo", "--people-per-grid", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let db = Db::connect(&dir.db_url()).await.unwrap();
    let Db::Sqlite(p) = &db else {
        panic!("SQLite only")
    };
    let again: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
        .fetch_one(p)
        .await
        .unwrap();
    assert_eq!(again, total);
    db.close().await;
}
