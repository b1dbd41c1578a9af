//! Quarter close, corrections and appeals (issue 16, parts 7 and 8) on a real database: a close
//! writes one chained row per worker; a second close, a close before the quarter ends and a bad
//! subsidy write nothing; an appeal removes its deduction through a correction and leaves the
//! township's grades consistent; an appeal after the window is refused; an edited row is named
//! by the chain check.

use super::*;
use wangge_domain::assessment::grade;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::deadline::parse_rfc3339;
use wangge_store::assessment::appeals::{self, Decision, NewAppeal};
use wangge_store::assessment::close::{self, Change};
use wangge_store::audit::Actor;
use wangge_store::seal::KeyRing;

fn at(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

fn keys() -> KeyRing {
    KeyRing::from_text(&format!("k1 {}", auth::random_secret().unwrap())).unwrap()
}

async fn exec(db: &Db, sql: &str) -> Result<u64, String> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
    .map_err(|e| e.to_string())
}

async fn user(db: &Db, name: &str, node: &str, created: i64) -> i64 {
    let mut c = db.conn().await.unwrap();
    users::create(
        &mut c.handle(),
        &System::acting().scope(),
        &NewUser {
            username: format!("user_{name}"),
            display_name: format!("员工{name}"),
            password: "password-123".into(),
            role: Role::Worker,
            node_code: node.into(),
            phone: None,
        },
        created,
    )
    .await
    .unwrap()
    .id
}

struct World {
    t: TestDb,
    twp: Node,
    w1: i64,
}

/// The tree, three workers in township A and one in B; an inspection finds w1 twice failing to
/// pass information on (a deduction from findings only, so its removal shows in the score).
async fn world() -> World {
    let t = fresh().await;
    build_tree(&t.db).await;
    let june = at("2026-06-20T09:00:00+08:00");
    let w1 = user(&t.db, "w1", GRID_1, june).await;
    user(&t.db, "w2", GRID_2, june).await;
    user(&t.db, "w3", GRID_2, june).await;
    user(&t.db, "wb", GRID_B1, june).await;
    let twp = get(&t.db, &System::acting().scope(), TWP_A).await.unwrap();
    let grid = get(&t.db, &System::acting().scope(), GRID_1).await.unwrap();
    exec(
        &t.db,
        &format!(
            "INSERT INTO inspections (node_id, path, kind, quarter, day, summary, inspector_name, created_at) \
             VALUES ({}, '{}', 'quarterly', '2026Q3', '2026-09-10', 'check', 'inspector', 1)",
            grid.id, grid.path
        ),
    )
    .await
    .unwrap();
    exec(
        &t.db,
        &format!(
            "INSERT INTO inspection_findings (inspection_id, user_id, path, quarter, item_key, measure, count, \
             note, evidence_json, created_at) VALUES ((SELECT MAX(id) FROM inspections), {w1}, '{}', '2026Q3', \
             'opinions', 'info_not_passed_on', 2, 'not passed on', '[]', 1)",
            grid.path
        ),
    )
    .await
    .unwrap();
    World { t, twp, w1 }
}

fn actor() -> Actor {
    Actor::system("tester")
}

async fn close_at(
    w: &World,
    quarter: &str,
    subsidy: i64,
    now: i64,
) -> Result<close::Closed, Error> {
    let mut tx = w.t.db.begin().await.unwrap();
    let r = close::close_quarter(
        &mut tx.handle(),
        &keys(),
        &w.twp,
        Quarter::parse(quarter).unwrap(),
        subsidy,
        &actor(),
        now,
    )
    .await;
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

/// Every row in force agrees with grading the sheets in force again.
async fn consistent(db: &Db, quarter_id: i64) {
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let q = close::quarter(h, &System::acting().scope(), quarter_id)
        .await
        .unwrap();
    let rows = close::in_force(h, quarter_id).await.unwrap();
    let entries: Vec<grade::Entry> = rows
        .iter()
        .map(|r| {
            let s = r.sheet().unwrap();
            grade::Entry {
                user_id: r.user_id,
                total_100: s.total_100,
                basic: s.basic,
                satisfaction: s.satisfaction,
                vetoed: s.veto.is_some(),
                unqualified_before: 0,
            }
        })
        .collect();
    let (outcomes, _) = grade::grade_all(&q.scheme().unwrap(), &entries, q.subsidy_cents);
    for o in outcomes {
        let r = rows.iter().find(|r| r.user_id == o.user_id).unwrap();
        assert_eq!(r.grade, o.grade.as_str(), "worker {}", r.user_id);
        assert_eq!(r.rank, i64::from(o.rank), "worker {}", r.user_id);
        assert_eq!(r.pay_cents, o.pay_cents, "worker {}", r.user_id);
    }
}

#[tokio::test]
async fn close_writes_a_chain_and_refuses_bad_closes() {
    let w = world().await;
    // Not ended yet: the last day of the quarter.
    let e = close_at(&w, "2026Q3", 300_000, at("2026-09-30T20:00:00+08:00"))
        .await
        .unwrap_err();
    assert_eq!(e.code, "assess.quarter_not_ended");
    for bad in [0, -5, close::MAX_SUBSIDY_CENTS + 1] {
        let e = close_at(&w, "2026Q3", bad, at("2026-10-08T09:00:00+08:00"))
            .await
            .unwrap_err();
        assert_eq!(e.code, "assess.subsidy_invalid");
    }
    assert_eq!(count(&w.t.db, "assess_quarters").await, 0);
    assert_eq!(count(&w.t.db, "assess_results").await, 0);

    let closed = close_at(&w, "2026Q3", 300_000, at("2026-10-08T09:00:00+08:00"))
        .await
        .unwrap();
    assert_eq!(closed.workers, 3, "township A's three workers, not B's");
    assert_eq!(count(&w.t.db, "assess_results").await, 3);
    let mut c = w.t.db.conn().await.unwrap();
    let chain = close::chain(&mut c.handle(), closed.quarter_id)
        .await
        .unwrap();
    assert_eq!(
        chain.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(chain.iter().all(|r| r.kind == "close"));
    let q = close::quarter(
        &mut c.handle(),
        &System::acting().scope(),
        closed.quarter_id,
    )
    .await
    .unwrap();
    assert_eq!(chain[0].prev_hash, close::quarter_hash(&q));
    assert_eq!(chain[1].prev_hash, chain[0].hash);
    // The rules it was judged by are kept with it.
    assert!(q.scheme().is_ok());
    let (n, breaks) = close::verify(&mut c.handle()).await.unwrap();
    assert_eq!((n, breaks.len()), (3, 0));
    drop(c);
    consistent(&w.t.db, closed.quarter_id).await;

    // A second close: refused, nothing more written.
    let e = close_at(&w, "2026Q3", 300_000, at("2026-10-09T09:00:00+08:00"))
        .await
        .unwrap_err();
    assert_eq!(e.code, "assess.quarter_closed");
    assert_eq!(e.status, 409);
    assert_eq!(count(&w.t.db, "assess_quarters").await, 1);
    assert_eq!(count(&w.t.db, "assess_results").await, 3);

    // A village is not a township.
    let mut vil = w.twp.clone();
    vil.kind = NodeKind::Village;
    let mut tx = w.t.db.begin().await.unwrap();
    let e = close::close_quarter(
        &mut tx.handle(),
        &keys(),
        &vil,
        Quarter::parse("2026Q2").unwrap(),
        1000,
        &actor(),
        at("2026-10-09T09:00:00+08:00"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "assess.close_not_township");
}

#[tokio::test]
async fn an_accepted_appeal_corrects_the_result_and_regrades() {
    let w = world().await;
    let closed_at = at("2026-10-08T09:00:00+08:00");
    let closed = close_at(&w, "2026Q3", 300_000, closed_at).await.unwrap();
    let scope_a = scope_of(&w.t.db, TWP_A).await;
    let mut c = w.t.db.conn().await.unwrap();
    let before = close::in_force_of(&mut c.handle(), w.w1, Quarter::parse("2026Q3").unwrap())
        .await
        .unwrap()
        .unwrap();
    drop(c);
    let sheet = before.sheet().unwrap();
    let item = sheet
        .items
        .iter()
        .find(|i| {
            i.deductions
                .iter()
                .any(|d| d.measure == "info_not_passed_on" && d.count == 2)
        })
        .expect("the finding's deduction is on the sheet");
    let item_key = item.key.clone();
    let me = Actor::user(w.w1, "员工w1");

    // Someone else's result is not theirs to appeal.
    let mut tx = w.t.db.begin().await.unwrap();
    let e = appeals::file(
        &mut tx.handle(),
        &scope_a,
        &me,
        w.w1 + 1,
        &NewAppeal {
            result_id: before.id,
            item_key: &item_key,
            measure: "info_not_passed_on",
            reason: "passed on by phone",
            evidence: &[],
        },
        closed_at + 1000,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "assess.appeal_not_own");
    drop(tx);

    let file = |reason: &'static str, now: i64| {
        let db = w.t.db.clone();
        let scope = scope_a.clone();
        let me = me.clone();
        let item_key = item_key.clone();
        let result_id = before.id;
        let user_id = w.w1;
        async move {
            let mut tx = db.begin().await.unwrap();
            let r = appeals::file(
                &mut tx.handle(),
                &scope,
                &me,
                user_id,
                &NewAppeal {
                    result_id,
                    item_key: &item_key,
                    measure: "info_not_passed_on",
                    reason,
                    evidence: &["visit 12".to_string()],
                },
                now,
            )
            .await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r
        }
    };
    let a = file("passed on by phone", closed_at + 1000).await.unwrap();
    assert_eq!(a.status, "pending");
    assert_eq!(a.evidence(), vec!["visit 12".to_string()]);
    let e = file("again", closed_at + 2000).await.unwrap_err();
    assert_eq!(e.code, "assess.appeal_pending");

    // Out of scope: township B does not see it.
    let mut c = w.t.db.conn().await.unwrap();
    let scope_b = scope_of(&w.t.db, TWP_B).await;
    let e = appeals::get(&mut c.handle(), &scope_b, a.id)
        .await
        .unwrap_err();
    assert_eq!(e.code, "assess.appeal_not_found");
    drop(c);

    let mut tx = w.t.db.begin().await.unwrap();
    let decided = appeals::decide(
        &mut tx.handle(),
        &scope_a,
        &Actor::user(1, "镇"),
        a.id,
        Decision::Accept { count: 0 },
        "the phone log shows it",
        closed_at + 5000,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(decided.status, "accepted");
    let correction = decided.correction_id.unwrap();

    let mut c = w.t.db.conn().await.unwrap();
    let after = close::in_force_of(&mut c.handle(), w.w1, Quarter::parse("2026Q3").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.id, correction);
    assert_eq!(after.kind, "correction");
    assert_eq!(after.corrects_id, Some(before.id));
    assert!(after.reason.contains(&format!("#{}", a.id)));
    assert!(
        after.total_centi > before.total_centi,
        "{after:?} vs {before:?}"
    );
    let s = after.sheet().unwrap();
    let d = s
        .items
        .iter()
        .find(|i| i.key == item_key)
        .unwrap()
        .deductions
        .iter()
        .find(|d| d.measure == "info_not_passed_on")
        .unwrap();
    assert_eq!((d.count, d.lost), (0, 0));
    let (n, breaks) = close::verify(&mut c.handle()).await.unwrap();
    assert!(n >= 4);
    assert!(breaks.is_empty(), "{breaks:?}");
    drop(c);
    consistent(&w.t.db, closed.quarter_id).await;

    // Deciding twice is refused.
    let mut tx = w.t.db.begin().await.unwrap();
    let e = appeals::decide(
        &mut tx.handle(),
        &scope_a,
        &Actor::user(1, "镇"),
        a.id,
        Decision::Reject,
        "no",
        closed_at + 6000,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "assess.appeal_decided");
    drop(tx);

    // The old row is superseded; the window closes appeal_days after the close.
    let e = file("late", closed_at + 7000).await.unwrap_err();
    assert_eq!(e.code, "assess.result_superseded");
    let mut c = w.t.db.conn().await.unwrap();
    let q = close::quarter(&mut c.handle(), &scope_a, closed.quarter_id)
        .await
        .unwrap();
    let end = appeals::window_end(q.closed_at, q.scheme().unwrap().appeal_days);
    drop(c);
    let mut tx = w.t.db.begin().await.unwrap();
    let e = appeals::file(
        &mut tx.handle(),
        &scope_a,
        &me,
        w.w1,
        &NewAppeal {
            result_id: after.id,
            item_key: &item_key,
            measure: "info_not_passed_on",
            reason: "late",
            evidence: &[],
        },
        end + 1,
    )
    .await
    .unwrap_err();
    // No deduction is left there; an appeal against another after the window is refused
    // before that is even looked at.
    assert_eq!(e.code, "assess.appeal_window_closed");
    drop(tx);
    assert_eq!(count(&w.t.db, "assess_appeals").await, 1);
}

#[tokio::test]
async fn a_correction_with_a_bad_count_writes_nothing() {
    let w = world().await;
    let closed = close_at(&w, "2026Q3", 300_000, at("2026-10-08T09:00:00+08:00"))
        .await
        .unwrap();
    let mut c = w.t.db.conn().await.unwrap();
    let r = close::in_force_of(&mut c.handle(), w.w1, Quarter::parse("2026Q3").unwrap())
        .await
        .unwrap()
        .unwrap();
    drop(c);
    let all = System::acting().scope();
    for (change, code) in [
        (
            Change::Deduction {
                item_key: "nope".into(),
                measure: "info_not_passed_on".into(),
                count: 0,
            },
            "assess.deduction_not_found",
        ),
        (
            Change::Deduction {
                item_key: "opinions".into(),
                measure: "info_not_passed_on".into(),
                count: 3,
            },
            "assess.count_invalid",
        ),
    ] {
        let mut tx = w.t.db.begin().await.unwrap();
        let e = close::correct(&mut tx.handle(), &all, r.id, change, "why", &actor(), 1)
            .await
            .unwrap_err();
        assert_eq!(e.code, code);
    }
    assert_eq!(count(&w.t.db, "assess_results").await, 3);
    let _ = closed;
}

#[tokio::test]
async fn an_edited_result_is_named_by_the_chain_check() {
    let w = world().await;
    let closed = close_at(&w, "2026Q3", 300_000, at("2026-10-08T09:00:00+08:00"))
        .await
        .unwrap();
    // The triggers refuse an edit.
    let edit = format!(
        "UPDATE assess_results SET pay_cents = pay_cents + 100 WHERE quarter_id = {} AND seq = 2",
        closed.quarter_id
    );
    assert!(exec(&w.t.db, &edit).await.is_err());
    match &w.t.db {
        Db::Sqlite(_) => exec(&w.t.db, "DROP TRIGGER assess_results_no_update")
            .await
            .unwrap(),
        Db::Postgres(_) => exec(
            &w.t.db,
            "ALTER TABLE assess_results DISABLE TRIGGER assess_results_no_update",
        )
        .await
        .unwrap(),
    };
    exec(&w.t.db, &edit).await.unwrap();
    let mut c = w.t.db.conn().await.unwrap();
    let chain = close::chain(&mut c.handle(), closed.quarter_id)
        .await
        .unwrap();
    let (_, breaks) = close::verify(&mut c.handle()).await.unwrap();
    assert_eq!(breaks.len(), 1, "{breaks:?}");
    assert_eq!(breaks[0].id, chain[1].id);
    assert_eq!(breaks[0].reason, "the row was changed after it was written");
}

// The hash of a result row (a pure function; kept here to keep close.rs short).
fn row() -> close::ResultRow {
    close::ResultRow {
        id: 1,
        quarter_id: 1,
        seq: 1,
        quarter: "2026Q3".into(),
        user_id: 7,
        user_name: "a".into(),
        grid_id: None,
        path: "/1/".into(),
        kind: "close".into(),
        corrects_id: None,
        reason: String::new(),
        total_centi: 9000,
        basic_centi: 7000,
        satisfaction_centi: 2000,
        grade: "excellent".into(),
        rank: 1,
        pay_cents: 100,
        unqualified_streak: 0,
        not_reengage: false,
        veto: None,
        sheet_json: "{}".into(),
        created_by: None,
        created_by_name: "x".into(),
        created_at: 5,
        prev_hash: "p".into(),
        hash: String::new(),
    }
}

#[test]
fn hash_covers_fields_and_separates_absent_from_empty() {
    let a = row();
    let mut b = row();
    b.pay_cents = 101;
    assert_ne!(close::result_hash(&a), close::result_hash(&b));
    let mut c = row();
    c.veto = Some(String::new());
    assert_ne!(close::result_hash(&a), close::result_hash(&c));
    let mut d = row();
    d.id = 99;
    assert_eq!(
        close::result_hash(&a),
        close::result_hash(&d),
        "the id is not covered"
    );
}
