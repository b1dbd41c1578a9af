//! Volunteer points, part "points" (issue 17) on a real database: publishing locks a month (a
//! later entry is refused and nothing is written), an unended month cannot be published, a
//! correction is a new entry, the ledger's triggers refuse edits and `ledger::verify` finds a
//! changed row once they are gone, the ranking marks the top 50 and respects scope, awards and
//! archives are recorded once.

use super::*;
use wangge_domain::deadline::parse_rfc3339;
use wangge_domain::volunteers::ledger::Kind;
use wangge_domain::volunteers::register::Post;
use wangge_store::audit::Actor;
use wangge_store::volunteers::ledger::{self, NewEntry};
use wangge_store::volunteers::register::{self, NewVolunteer};
use wangge_store::volunteers::{months, ranking};

fn at(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

fn organiser() -> Actor {
    Actor::system("组织者")
}

async fn exec(db: &Db, sql: &str) -> Result<u64, String> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
    .map_err(|e| e.to_string())
}

async fn volunteer(db: &Db, village: &str, name: &str, building: &str, post: Post) -> i64 {
    let node = get(db, &System::acting().scope(), village).await.unwrap();
    let mut c = db.conn().await.unwrap();
    register::enrol(
        &mut c.handle(),
        &NewVolunteer {
            community_id: node.id,
            grid_id: None,
            building,
            unit: "1单元",
            post,
            name,
            skills: "",
        },
        None,
        "added",
        &organiser(),
        now_ms(),
    )
    .await
    .unwrap()
    .id
}

async fn add(
    db: &Db,
    v: i64,
    kind: Kind,
    points: i64,
    month: &str,
) -> Result<ledger::Entry, Error> {
    let mut tx = db.begin().await.unwrap();
    let e = NewEntry::new(v, kind, points, month);
    let r = ledger::append(&mut tx.handle(), &e, &organiser(), now_ms()).await;
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

async fn publish(
    db: &Db,
    village: &str,
    month: &str,
    now: i64,
) -> Result<months::Published, Error> {
    let node = get(db, &System::acting().scope(), village).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let r = months::publish(
        &mut tx.handle(),
        &scope_of(db, TWP_A).await,
        node.id,
        month,
        &organiser(),
        now,
    )
    .await;
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

#[tokio::test]
async fn vol_publish_locks_the_month() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let a = volunteer(&t.db, VIL_A, "王小明", "1栋", Post::BuildingLeader).await;
    let b = volunteer(&t.db, VIL_A, "欧阳娜娜", "2栋", Post::Volunteer).await;
    add(&t.db, a, Kind::Service, 2, "2026-10").await.unwrap();
    add(&t.db, b, Kind::Service, 3, "2026-10").await.unwrap();
    add(&t.db, a, Kind::Clue, 5, "2026-11").await.unwrap();

    // November has not ended on 30 November (China time): refused, nothing written.
    let e = publish(&t.db, VIL_A, "2026-11", at("2026-11-30T23:00:00+08:00")).await;
    assert_err(e, "volunteers.month_not_ended", 409);
    assert_eq!(count(&t.db, "points_months").await, 0);
    assert_err(
        publish(&t.db, VIL_A, "2026-13", at("2027-02-01T09:00:00+08:00")).await,
        "volunteers.month_invalid",
        400,
    );

    let when = at("2026-11-02T09:00:00+08:00");
    let p = publish(&t.db, VIL_A, "2026-10", when).await.unwrap();
    assert_eq!((p.entries, p.points, p.volunteers), (2, 5, 2));
    assert_eq!(p.ledger_seq, 3);
    // Once only.
    assert_err(
        publish(&t.db, VIL_A, "2026-10", when).await,
        "volunteers.month_already_published",
        409,
    );
    // A later entry in October is refused and nothing is written: not the entry, not the totals.
    let before = (
        count(&t.db, "points_ledger").await,
        count(&t.db, "volunteer_points").await,
    );
    let mut c = t.db.conn().await.unwrap();
    let bal = ledger::balance(&mut c.handle(), a, 2026).await.unwrap();
    drop(c);
    assert_err(
        add(&t.db, a, Kind::Service, 2, "2026-10").await,
        "volunteers.month_published",
        409,
    );
    assert_eq!(
        (
            count(&t.db, "points_ledger").await,
            count(&t.db, "volunteer_points").await
        ),
        before
    );
    let mut c = t.db.conn().await.unwrap();
    assert_eq!(
        ledger::balance(&mut c.handle(), a, 2026).await.unwrap(),
        bal
    );
    // November still takes entries; the published row itself cannot be edited.
    drop(c);
    add(&t.db, b, Kind::Service, 2, "2026-11").await.unwrap();
    assert!(
        exec(&t.db, "UPDATE points_months SET points = 99")
            .await
            .is_err()
    );
    assert!(exec(&t.db, "DELETE FROM points_months").await.is_err());

    // The month's sheet: per volunteer and per building, year points to the month's end.
    let node = get(&t.db, &System::acting().scope(), VIL_A).await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let sheet = months::sheet(&mut c.handle(), node.id, "2026-11")
        .await
        .unwrap();
    let line_a = sheet.lines.iter().find(|l| l.volunteer_id == a).unwrap();
    assert_eq!((line_a.month_points, line_a.year_points), (5, 7));
    assert_eq!(sheet.buildings.len(), 2);
    assert!(sheet.published.is_none());
    let list = months::months(&mut c.handle(), node.id, when)
        .await
        .unwrap();
    let oct = list.iter().find(|m| m.month == "2026-10").unwrap();
    assert!(oct.published.is_some() && oct.ended);
    let nov = list.iter().find(|m| m.month == "2026-11").unwrap();
    assert!(nov.published.is_none() && !nov.ended);
}

#[tokio::test]
async fn vol_a_correction_is_a_new_entry() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let a = volunteer(&t.db, VIL_A, "张三", "1栋", Post::Volunteer).await;
    let first = add(&t.db, a, Kind::Service, 3, "2026-10").await.unwrap();
    let redeem = add(&t.db, a, Kind::Redeem, -1, "2026-10").await.unwrap();
    let scope = scope_of(&t.db, VIL_A).await;
    let now = now_ms();
    let correct = |id: i64, points: i64, reason: &'static str| {
        let db = t.db.clone();
        let scope = scope.clone();
        async move {
            let mut tx = db.begin().await.unwrap();
            let r = months::correct(
                &mut tx.handle(),
                &scope,
                id,
                points,
                reason,
                &organiser(),
                now,
            )
            .await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r
        }
    };
    assert_err(
        correct(first.id, -1, "  ").await,
        "volunteers.correction_reason",
        400,
    );
    assert_err(
        correct(redeem.id, 1, "错了").await,
        "volunteers.correction_kind",
        400,
    );
    assert_err(
        correct(first.id, -4, "多记了").await,
        "volunteers.correction_range",
        400,
    );
    assert_err(
        correct(999_999, -1, "无此记录").await,
        "volunteers.entry_not_found",
        404,
    );
    let c1 = correct(first.id, -1, "实际服务 1 次,多记了 1 分")
        .await
        .unwrap();
    assert_eq!(c1.kind, "correction");
    assert_eq!(c1.corrects_id, Some(first.id));
    assert_eq!(c1.points, -1);
    assert_eq!(c1.reason, "实际服务 1 次,多记了 1 分");
    // A correction of the correction corrects the original: its total stays within 0..
    let c2 = correct(c1.id, -2, "再扣").await.unwrap();
    assert_eq!(c2.corrects_id, Some(first.id));
    assert_err(
        correct(c1.id, -1, "扣成负数").await,
        "volunteers.correction_range",
        400,
    );
    // The original is as it was written.
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    assert_eq!(ledger::get(h, first.id).await.unwrap().unwrap(), first);
    assert_eq!(months::corrections_of(h, first.id).await.unwrap().len(), 2);
    let b = ledger::balance(h, a, 2026).await.unwrap();
    assert_eq!((b.earned, b.spent), (0, 1));
    // Outside the caller's scope it does not exist.
    drop(c);
    let other = scope_of(&t.db, VIL_B).await;
    let mut tx = t.db.begin().await.unwrap();
    let r = months::correct(
        &mut tx.handle(),
        &other,
        first.id,
        1,
        "x",
        &organiser(),
        now,
    )
    .await;
    assert_err(r, "volunteers.entry_not_found", 404);
    drop(tx);
    let mut c = t.db.conn().await.unwrap();
    let (n, breaks) = ledger::verify(&mut c.handle()).await.unwrap();
    assert_eq!((n, breaks.len()), (4, 0));
}

#[tokio::test]
async fn vol_ledger_refuses_edits_and_verify_finds_them() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let a = volunteer(&t.db, VIL_A, "张三", "1栋", Post::Volunteer).await;
    add(&t.db, a, Kind::Service, 2, "2026-10").await.unwrap();
    add(&t.db, a, Kind::Service, 3, "2026-10").await.unwrap();
    assert!(
        exec(&t.db, "UPDATE points_ledger SET points = 9")
            .await
            .is_err()
    );
    assert!(exec(&t.db, "DELETE FROM points_ledger").await.is_err());
    assert_eq!(count(&t.db, "points_ledger").await, 2);
    let drop_sql = if t.db.is_postgres() {
        "DROP TRIGGER points_ledger_no_update ON points_ledger"
    } else {
        "DROP TRIGGER points_ledger_no_update"
    };
    exec(&t.db, drop_sql).await.unwrap();
    exec(&t.db, "UPDATE points_ledger SET points = 9 WHERE seq = 1")
        .await
        .unwrap();
    let mut c = t.db.conn().await.unwrap();
    let (_, breaks) = ledger::verify(&mut c.handle()).await.unwrap();
    assert!(
        breaks
            .iter()
            .any(|b| b.seq == 1 && b.reason.contains("changed")),
        "{breaks:?}"
    );
    // The year totals no longer match the ledger either.
    assert!(breaks.iter().any(|b| b.seq == 0), "{breaks:?}");
}

#[tokio::test]
async fn vol_ranking_marks_the_top_fifty_in_scope() {
    let t = fresh().await;
    build_tree(&t.db).await;
    // 55 in village A (street A) with 100 down to 46 points, with 3 sharing 50 (ranks 50–52);
    // 5 in village B (street B) with more points than any of them.
    let mut a_ids = Vec::new();
    for i in 0..55i64 {
        let post = if i % 10 == 0 {
            Post::BuildingLeader
        } else {
            Post::UnitLeader
        };
        let v = volunteer(&t.db, VIL_A, &format!("甲{i}"), "1栋", post).await;
        let pts = match i {
            0..49 => 100 - i,
            49..=51 => 50,
            _ => 60 - i,
        };
        add(&t.db, v, Kind::Service, pts, "2026-03").await.unwrap();
        a_ids.push((v, pts));
    }
    for i in 0..5 {
        let v = volunteer(&t.db, VIL_B, &format!("乙{i}"), "9栋", Post::Volunteer).await;
        add(&t.db, v, Kind::Service, 500, "2026-03").await.unwrap();
    }
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let street_a = scope_of(&t.db, TWP_A).await;
    let page = ranking::ranking(h, &street_a, 2026, 0, 200).await.unwrap();
    assert_eq!(page.total, 55);
    assert!(page.rows.iter().all(|r| r.name.starts_with('甲')));
    assert_eq!(page.rows[0].rank, 1);
    let tops: Vec<_> = page.rows.iter().filter(|r| r.top).collect();
    assert_eq!(tops.len(), 52, "three share the 50th place");
    assert!(
        page.rows
            .iter()
            .filter(|r| r.earned == 50)
            .all(|r| r.rank == 50 && r.top)
    );
    assert!(!page.rows[52].top);
    // A second page starts at the right rank.
    let p2 = ranking::ranking(h, &street_a, 2026, 50, 10).await.unwrap();
    assert_eq!(p2.rows[0].rank, 50);
    assert_eq!(p2.rows[0].earned, 50);
    // The county sees both streets; village B's five come first.
    let county = scope_of(&t.db, COUNTY).await;
    let all = ranking::ranking(h, &county, 2026, 0, 10).await.unwrap();
    assert_eq!(all.total, 60);
    assert!(
        all.rows[..5]
            .iter()
            .all(|r| r.name.starts_with('乙') && r.rank == 1)
    );
    // Another year has nothing.
    assert_eq!(
        ranking::ranking(h, &county, 2025, 0, 10)
            .await
            .unwrap()
            .total,
        0
    );

    // Awards: once, after the year ends or on demand.
    let twp = get(&t.db, &System::acting().scope(), TWP_A).await.unwrap();
    let now = at("2026-12-20T09:00:00+08:00");
    let r = ranking::record_awards(h, &twp, 2026, 20, false, &organiser(), now).await;
    assert_err(r, "volunteers.year_not_ended", 409);
    let r = ranking::record_awards(h, &twp, 2026, 0, true, &organiser(), now).await;
    assert_err(r, "volunteers.share_invalid", 400);
    let row = ranking::record_awards(h, &twp, 2026, 20, true, &organiser(), now)
        .await
        .unwrap();
    let chosen: ranking::Chosen = serde_json::from_str(&row.awards_json).unwrap();
    assert_eq!(chosen.top.len(), 52);
    // 6 building leaders (i = 0, 10, …, 50): 20 % → 2; 49 unit leaders → 10.
    assert_eq!(chosen.building_leaders.len(), 2);
    assert_eq!(chosen.unit_leaders.len(), 10);
    let r = ranking::record_awards(h, &twp, 2026, 20, true, &organiser(), now).await;
    assert_err(r, "volunteers.awards_recorded", 409);

    // Archives: an ended quarter, once, with its hash.
    let r = ranking::archive(
        h,
        &twp,
        "2026Q1",
        &organiser(),
        at("2026-03-31T09:00:00+08:00"),
    )
    .await;
    assert_err(r, "volunteers.quarter_not_ended", 409);
    let ar = ranking::archive(h, &twp, "2026Q1", &organiser(), now)
        .await
        .unwrap();
    let s: ranking::Summary = serde_json::from_str(&ar.summary_json).unwrap();
    assert_eq!(s.communities.len(), 1);
    assert_eq!(s.communities[0].volunteers.len(), 55);
    assert_eq!(s.points, a_ids.iter().map(|x| x.1).sum::<i64>());
    let r = ranking::archive(h, &twp, "2026Q1", &organiser(), now).await;
    assert_err(r, "volunteers.archive_exists", 409);
    let (got, intact) = ranking::archive_get(h, &street_a, ar.id).await.unwrap();
    assert!(intact);
    assert_eq!(got.summary_hash, ar.summary_hash);
    let r = ranking::archive_get(h, &scope_of(&t.db, TWP_B).await, ar.id).await;
    assert_err(r, "volunteers.archive_not_found", 404);
    assert!(exec(&t.db, "DELETE FROM points_archives").await.is_err());
}
