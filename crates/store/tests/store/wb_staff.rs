//! Daily use checks, notices, meetings and the monthly ledger (issue 15, parts 7–9) on a real
//! database: the third missed working day drafts a notice; a month without log-in is listed;
//! notices are decided once, audited; attendance for someone not invited writes nothing; the
//! ledger counts the month's records and a signed ledger cannot change.

use super::*;
use wangge_domain::calendar::{Calendar, Date};
use wangge_domain::deadline::parse_rfc3339;
use wangge_domain::workbench::logins::NoticeStatus;
use wangge_domain::workbench::meetings::{Attendance, Kind};
use wangge_store::audit::{self, Actor, Filter};
use wangge_store::workbench::ledger::{self, Worker};
use wangge_store::workbench::logins;
use wangge_store::workbench::meetings::{self, Mark, NewMeeting};

fn at(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// Runs one statement outside the store (seeding rows the other parts write, or trying what
/// the store never does); the error text when it fails.
async fn exec(db: &Db, sql: &str) -> Result<u64, String> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
    .map_err(|e| e.to_string())
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

struct Staff {
    w1: i64,
    w2: i64,
    w3: i64,
    wb: i64,
    gl: i64,
}

async fn user(db: &Db, name: &str, role: Role, node: &str, created: i64) -> i64 {
    let mut c = db.conn().await.unwrap();
    users::create(
        &mut c.handle(),
        &System::acting().scope(),
        &NewUser {
            username: format!("user_{name}"),
            display_name: format!("员工{name}"),
            password: "password-123".into(),
            role,
            node_code: node.into(),
            phone: None,
        },
        created,
    )
    .await
    .unwrap()
    .id
}

/// The tree, and staff who existed since September (wb only from 5 November, noon).
async fn staffed(db: &Db) -> Staff {
    build_tree(db).await;
    let sept = at("2026-09-01T09:00:00+08:00");
    Staff {
        w1: user(db, "w1", Role::Worker, GRID_1, sept).await,
        w2: user(db, "w2", Role::Worker, GRID_2, sept).await,
        w3: user(db, "w3", Role::Worker, GRID_2, sept).await,
        wb: user(
            db,
            "wb",
            Role::Worker,
            GRID_B1,
            at("2026-11-05T12:00:00+08:00"),
        )
        .await,
        gl: user(db, "gl", Role::GridLeader, VIL_A, sept).await,
    }
}

async fn used(db: &Db, user: i64, days: &[&str]) {
    let mut c = db.conn().await.unwrap();
    for d in days {
        logins::record_use(
            &mut c.handle(),
            user,
            day(d),
            at(&format!("{d}T08:30:00+08:00")),
        )
        .await
        .unwrap();
    }
}

async fn check(db: &Db, now: &str) -> logins::CheckReport {
    let mut tx = db.begin().await.unwrap();
    let r = logins::run_checks(&mut tx.handle(), &Calendar::official(), at(now))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    r
}

async fn reminded(db: &Db, user: i64) -> Vec<String> {
    let mut c = db.conn().await.unwrap();
    let mut d: Vec<String> = logins::reminders(&mut c.handle(), user, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.day)
        .collect();
    d.sort();
    d
}

/// Everyone used the platform on Friday 30 October (the first data); then in the week of
/// 2 November w1 logs in Monday and Tuesday only, w2 misses Friday, w3 never comes.
async fn first_week(db: &Db, s: &Staff) {
    used(db, s.w1, &["2026-10-30", "2026-11-02", "2026-11-03"]).await;
    used(
        db,
        s.w2,
        &[
            "2026-10-30",
            "2026-11-02",
            "2026-11-03",
            "2026-11-04",
            "2026-11-05",
        ],
    )
    .await;
    used(db, s.w3, &["2026-10-30"]).await;
    used(
        db,
        s.gl,
        &[
            "2026-10-30",
            "2026-11-02",
            "2026-11-03",
            "2026-11-04",
            "2026-11-05",
            "2026-11-06",
        ],
    )
    .await;
}

#[tokio::test]
async fn the_third_missed_working_day_drafts_a_notice() {
    let t = fresh().await;
    let s = staffed(&t.db).await;
    first_week(&t.db, &s).await;
    // Monday 9 November: 30 Oct to 8 Nov are over; 31 Oct, 1, 7, 8 Nov are a weekend.
    let r = check(&t.db, "2026-11-09T10:00:00+08:00").await;
    assert_eq!(r.days_judged, 10);
    assert_eq!(
        reminded(&t.db, s.w1).await,
        ["2026-11-04", "2026-11-05", "2026-11-06"]
    );
    assert_eq!(reminded(&t.db, s.w2).await, ["2026-11-06"]);
    assert!(reminded(&t.db, s.gl).await.is_empty());
    // Not before the user existed: wb came in at noon on the 5th.
    assert_eq!(reminded(&t.db, s.wb).await, ["2026-11-06"]);
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let twp_a = scope_of(&t.db, TWP_A).await;
    let drafts = logins::notices(h, &twp_a, Some(NoticeStatus::Draft), 50)
        .await
        .unwrap();
    let who: BTreeSet<i64> = drafts.iter().map(|n| n.user_id).collect();
    // w1 and w3 (five missed days) reached three reminders; w2 did not.
    assert_eq!(who, [s.w1, s.w3].into_iter().collect());
    let n = drafts.iter().find(|n| n.user_id == s.w1).unwrap();
    assert_eq!(
        (n.period.as_str(), n.cause.as_str()),
        ("2026-11", "missed_logins")
    );
    assert!(
        n.body.contains("员工w1") && n.body.contains("2026年11月"),
        "{}",
        n.body
    );
    assert_eq!(logins::unread_reminders(h, s.w1).await.unwrap(), 3);
    drop(c);
    // Each day is judged once: a second run writes nothing.
    let again = check(&t.db, "2026-11-09T18:00:00+08:00").await;
    assert_eq!(again, logins::CheckReport::default());
    assert_eq!(count(&t.db, "login_reminders").await, 3 + 1 + 5 + 1);
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    // Reading the reminders: another user's is absent, one's own are marked.
    let other = logins::reminders(h, s.w2, 1).await.unwrap()[0].id;
    assert_err(
        logins::mark_read(h, s.w1, Some(other), 1).await,
        "work.reminder_not_found",
        404,
    );
    assert_eq!(logins::mark_read(h, s.w1, None, 1).await.unwrap(), 3);
    assert_eq!(logins::unread_reminders(h, s.w1).await.unwrap(), 0);
    drop(c);

    // December 1st: November is over, and the data covered all of it; October was not covered.
    check(&t.db, "2026-12-01T10:00:00+08:00").await;
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let list = logins::year_end(h, &twp_a, 2026).await.unwrap();
    let months: Vec<(i64, &str)> = list
        .iter()
        .map(|n| (n.user_id, n.period.as_str()))
        .collect();
    assert_eq!(months, [(s.w3, "2026-11")]);
    // Outside the township: not listed.
    assert!(
        logins::year_end(h, &scope_of(&t.db, TWP_B).await, 2026)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn notices_are_issued_or_waived_once_with_audit() {
    let t = fresh().await;
    let s = staffed(&t.db).await;
    first_week(&t.db, &s).await;
    check(&t.db, "2026-11-09T10:00:00+08:00").await;
    let twp_a = scope_of(&t.db, TWP_A).await;
    let twp_b = scope_of(&t.db, TWP_B).await;
    let op = Actor::user(s.gl, "乡镇管理员");
    let mut c = t.db.conn().await.unwrap();
    let drafts = logins::notices(&mut c.handle(), &twp_a, None, 50)
        .await
        .unwrap();
    drop(c);
    let n1 = drafts.iter().find(|n| n.user_id == s.w1).unwrap().id;
    let n3 = drafts.iter().find(|n| n.user_id == s.w3).unwrap().id;

    let decide = |scope: Scope, id: i64, to: NoticeStatus, note: &'static str| {
        let db = t.db.clone();
        let op = op.clone();
        async move {
            let mut tx = db.begin().await.unwrap();
            let r = logins::decide(&mut tx.handle(), &scope, &op, id, to, note, 5).await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r
        }
    };
    assert_err(
        decide(twp_b.clone(), n1, NoticeStatus::Issued, "x").await,
        "work.notice_not_found",
        404,
    );
    assert_err(
        decide(twp_a.clone(), n1, NoticeStatus::Issued, " ").await,
        "work.notice_note_required",
        400,
    );
    let issued = decide(twp_a.clone(), n1, NoticeStatus::Issued, "三次提醒未登录")
        .await
        .unwrap();
    assert_eq!(issued.status, "issued");
    assert_eq!(issued.decided_by_name.as_deref(), Some("乡镇管理员"));
    assert_err(
        decide(twp_a.clone(), n1, NoticeStatus::Waived, "改为免予").await,
        "work.notice_decided",
        409,
    );
    let waived = decide(twp_a.clone(), n3, NoticeStatus::Waived, "因病请假")
        .await
        .unwrap();
    assert_eq!(waived.status, "waived");
    let mut c = t.db.conn().await.unwrap();
    let rows = audit::search(
        &mut c.handle(),
        &Filter {
            actor_user_id: None,
            subject_table: Some("criticism_notices".into()),
            subject_id: None,
            action: None,
            from: None,
            to: None,
        },
        None,
        50,
    )
    .await
    .unwrap();
    let mut got: Vec<(Option<i64>, String)> = rows
        .iter()
        .map(|r| (r.subject_id, r.action.clone()))
        .collect();
    got.sort();
    let mut want = vec![
        (Some(n1), "notice_issue".to_string()),
        (Some(n3), "notice_waive".to_string()),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[tokio::test]
async fn attendance_for_someone_not_invited_writes_nothing() {
    let t = fresh().await;
    let s = staffed(&t.db).await;
    let vil_a = scope_of(&t.db, VIL_A).await;
    let vil_node = get(&t.db, &vil_a, VIL_A).await.unwrap().id;
    let org = Actor::user(s.gl, "网格长");
    let mut tx = t.db.begin().await.unwrap();
    let h = &mut tx.handle();
    let cands: BTreeSet<i64> = meetings::candidates(h, &vil_a)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(cands, [s.w1, s.w2, s.w3, s.gl].into_iter().collect());
    let mut new = NewMeeting {
        kind: Kind::Training,
        title: "业务培训".into(),
        place: "村委会".into(),
        agenda: String::new(),
        starts_at: at("2026-10-09T09:00:00+08:00"),
        report_required: true,
        invitees: vec![s.w1, s.wb],
    };
    assert_err(
        meetings::create(h, vil_node, &vil_a, &org, &new, 1).await,
        "work.invitee_out_of_scope",
        400,
    );
    new.invitees = vec![s.w1, s.w2];
    let id = meetings::create(h, vil_node, &vil_a, &org, &new, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mark = |user_id, a| Mark {
        user_id,
        attendance: Some(a),
        report_handed: true,
    };
    let mut tx = t.db.begin().await.unwrap();
    let r = meetings::mark(
        &mut tx.handle(),
        &vil_a,
        &org,
        id,
        &[
            mark(s.w1, Attendance::Present),
            mark(s.w3, Attendance::Late),
        ],
        2,
    )
    .await;
    assert_err(r, "work.not_invited", 400);
    drop(tx);
    assert_eq!(
        scalar(
            &t.db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM meeting_invitees WHERE attendance IS NOT NULL"
        )
        .await,
        0
    );
    // Another village cannot take this meeting's attendance.
    let mut tx = t.db.begin().await.unwrap();
    let vil_b = scope_of(&t.db, VIL_B).await;
    assert_err(
        meetings::mark(&mut tx.handle(), &vil_b, &org, id, &[], 2).await,
        "work.meeting_not_found",
        404,
    );
    drop(tx);
    let mut tx = t.db.begin().await.unwrap();
    meetings::mark(
        &mut tx.handle(),
        &vil_a,
        &org,
        id,
        &[
            mark(s.w1, Attendance::Present),
            mark(s.w2, Attendance::Excused),
        ],
        2,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    assert_eq!(
        meetings::trainings_attended(h, s.w1, 2026).await.unwrap(),
        1
    );
    assert_eq!(
        meetings::trainings_attended(h, s.w2, 2026).await.unwrap(),
        0
    );
    assert_eq!(
        meetings::trainings_attended(h, s.w1, 2027).await.unwrap(),
        0
    );
    // The invitee sees it from their grid; someone not invited outside its village does not.
    let g1 = scope_of(&t.db, GRID_1).await;
    assert_eq!(meetings::get(h, s.w1, &g1, id).await.unwrap().attended, 1);
    assert_err(
        meetings::get(h, s.w3, &scope_of(&t.db, GRID_2).await, id).await,
        "work.meeting_not_found",
        404,
    );
}

#[tokio::test]
async fn the_ledger_counts_the_month_and_a_signed_one_is_fixed() {
    let t = fresh().await;
    let s = staffed(&t.db).await;
    let g1 = get(&t.db, &System::acting().scope(), GRID_1).await.unwrap();
    let (gid, path) = (g1.id, g1.path.clone());
    let ms = at("2026-10-05T10:00:00+08:00");
    for (i, no) in ["H1", "H2"].iter().enumerate() {
        exec(&t.db, &format!(
            "INSERT INTO households (id, grid_id, path, household_no, created_at) VALUES ({}, {gid}, '{path}', '{no}', {ms})",
            900 + i
        )).await.unwrap();
    }
    // Three visits in October (two households, one key-person duty), one in November.
    for (i, (d, hh, duty)) in [
        ("2026-10-05", "900", "NULL"),
        ("2026-10-06", "900", "'weekly'"),
        ("2026-10-20", "901", "NULL"),
        ("2026-11-02", "901", "NULL"),
    ]
    .iter()
    .enumerate()
    {
        exec(&t.db, &format!(
            "INSERT INTO visits (worker_id, worker_name, grid_id, path, target_kind, target_id, household_id, duty, seen, \
             discussed, done, reply, evaluation, at, day, received_at, client_key, content_hash) VALUES ({w}, 'w1', {gid}, \
             '{path}', 'household', {hh}, {hh}, {duty}, '看了', '议了', '办了', '回了', '满意', {ms}, '{d}', {ms}, 'k{i}', 'h')",
            w = s.w1
        )).await.unwrap();
    }
    for (i, d) in ["2026-10-07", "2026-10-08", "2026-11-01"]
        .iter()
        .enumerate()
    {
        exec(&t.db, &format!(
            "INSERT INTO diary_entries (worker_id, worker_name, grid_id, path, day, body, tags, at, received_at, client_key, \
             content_hash) VALUES ({w}, 'w1', {gid}, '{path}', '{d}', '民情', '', {ms}, {ms}, 'd{i}', 'h')",
            w = s.w1
        )).await.unwrap();
    }
    for (week, findings) in [("2026-09-28", 5), ("2026-10-05", 2), ("2026-10-12", 0)] {
        exec(&t.db, &format!(
            "INSERT INTO sweeps (worker_id, grid_id, path, week, items_json, findings, submitted_at) VALUES \
             ({w}, {gid}, '{path}', '{week}', '[]', {findings}, {ms})",
            w = s.w1
        )).await.unwrap();
    }
    for (d, secs) in [
        ("2026-10-05", 3600),
        ("2026-10-06", 1800),
        ("2026-10-07", 0),
    ] {
        exec(&t.db, &format!(
            "INSERT INTO patrol_days (worker_id, day, grid_id, path, seconds_inside) VALUES ({w}, '{d}', {gid}, '{path}', {secs})",
            w = s.w1
        )).await.unwrap();
    }
    let w = Worker {
        id: s.w1,
        name: "员工w1",
        grid_id: gid,
        path: &path,
    };
    let mut tx = t.db.begin().await.unwrap();
    let l = ledger::generate(&mut tx.handle(), &w, "2026-10", 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sm = &l.summary;
    assert_eq!(l.status, "draft");
    assert_eq!(
        (sm.visits, sm.households_visited, sm.key_person_visits),
        (3, 2, 1)
    );
    assert_eq!((sm.diary_entries, sm.sweeps, sm.sweep_findings), (2, 2, 2));
    assert_eq!((sm.minutes_in_grid, sm.patrol_days), (90, 2));
    assert_eq!((sm.events_reported, sm.meetings_invited), (0, 0));
    assert_eq!(sm.visit_lines.len(), 3);

    let mut tx = t.db.begin().await.unwrap();
    let l = ledger::submit(&mut tx.handle(), &w, "2026-10", "已核对", 20)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        (l.status.as_str(), l.worker_note.as_str(), l.submitted_at),
        ("submitted", "已核对", Some(20))
    );
    let leader = Actor::user(s.gl, "网格长");
    let mut tx = t.db.begin().await.unwrap();
    assert_err(
        ledger::sign(
            &mut tx.handle(),
            &scope_of(&t.db, VIL_B).await,
            &leader,
            s.w1,
            "2026-10",
            "",
            30,
        )
        .await,
        "work.ledger_not_found",
        404,
    );
    drop(tx);
    let mut tx = t.db.begin().await.unwrap();
    let signed = ledger::sign(
        &mut tx.handle(),
        &scope_of(&t.db, VIL_A).await,
        &leader,
        s.w1,
        "2026-10",
        "属实",
        30,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(signed.status, "signed");
    assert_eq!(signed.signed_by_name.as_deref(), Some("网格长"));

    // A later record changes nothing of what was signed; nor does any step or a direct UPDATE.
    exec(&t.db, &format!(
        "INSERT INTO diary_entries (worker_id, worker_name, grid_id, path, day, body, tags, at, received_at, client_key, \
         content_hash) VALUES ({w}, 'w1', {gid}, '{path}', '2026-10-30', '补记', '', {ms}, {ms}, 'late', 'h')",
        w = s.w1
    )).await.unwrap();
    let mut tx = t.db.begin().await.unwrap();
    let h = &mut tx.handle();
    assert_eq!(
        ledger::generate(h, &w, "2026-10", 40)
            .await
            .unwrap()
            .summary
            .diary_entries,
        2
    );
    assert_err(
        ledger::submit(h, &w, "2026-10", "再交", 40).await,
        "work.ledger_signed",
        409,
    );
    tx.commit().await.unwrap();
    let e = exec(
        &t.db,
        &format!(
            "UPDATE ledgers SET worker_note = 'x' WHERE worker_id = {}",
            s.w1
        ),
    )
    .await;
    assert!(e.unwrap_err().contains("a signed ledger is fixed"));
    let mut c = t.db.conn().await.unwrap();
    assert_eq!(
        ledger::status(&mut c.handle(), s.w1, "2026-10")
            .await
            .unwrap()
            .as_deref(),
        Some("signed")
    );
    assert_eq!(
        ledger::status(&mut c.handle(), s.w1, "2026-09")
            .await
            .unwrap(),
        None
    );
}
