//! Activities and sign-ups on a real database (issue 17, part activities): 500 simultaneous
//! sign-ups for 30 places confirm exactly 30 and queue 470, none lost and none twice; a
//! cancellation hands the place to the first waiting, who is told; attendance writes points
//! once; a published month refuses the whole attendance.

use super::*;
use wangge_domain::volunteers::register::Post;
use wangge_store::audit::Actor;
use wangge_store::volunteers::activities::{self, NewActivity, When};
use wangge_store::volunteers::register::{self as reg, NewVolunteer, Volunteer};
use wangge_store::volunteers::{ledger, messages};

const HOUR: i64 = 3_600_000;

fn organiser() -> Actor {
    Actor::system("组织者")
}

/// `n` active volunteers of village A (no accounts: the store does not need them).
async fn volunteers(db: &Db, n: usize) -> Vec<Volunteer> {
    let vil = get(db, &System::acting().scope(), VIL_A).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("志愿者{i}");
        let v = reg::enrol(
            &mut tx.handle(),
            &NewVolunteer {
                community_id: vil.id,
                grid_id: None,
                building: "1",
                unit: "1",
                post: Post::Volunteer,
                name: &name,
                skills: "",
            },
            None,
            "added",
            &organiser(),
            0,
        )
        .await
        .unwrap();
        out.push(v);
    }
    tx.commit().await.unwrap();
    out
}

async fn publish(db: &Db, places: i64, starts_at: i64, now: i64) -> activities::Activity {
    let vil = get(db, &System::acting().scope(), VIL_A).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let a = activities::create(
        &mut tx.handle(),
        &System::acting().scope(),
        &organiser(),
        &NewActivity {
            community_id: vil.id,
            title: "楼道清扫",
            content: "带扫帚",
            location: "3号楼",
            kind: "cleaning",
            points: 2,
            places,
            starts_at,
            ends_at: None,
            approval_id: None,
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    a
}

async fn sign(db: &Db, v: &Volunteer, id: i64, now: i64) -> Result<activities::Signup, Error> {
    let mut tx = db.begin().await?;
    let s = activities::signup(&mut tx.handle(), &Scope::of_path(&v.path), v, id, now).await?;
    tx.commit().await?;
    Ok(s)
}

#[tokio::test]
async fn vol_five_hundred_simultaneous_signups_fill_thirty_places() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let now = now_ms();
    let vs = volunteers(&t.db, 500).await;
    let a = publish(&t.db, 30, now + 24 * HOUR, now).await;
    let mut tasks = Vec::new();
    for v in vs.clone() {
        let db = t.db.clone();
        let id = a.id;
        tasks.push(tokio::spawn(async move {
            // A client told "busy" (503, Retry-After) asks again; count how often.
            let mut retries = 0u32;
            loop {
                match sign(&db, &v, id, now).await {
                    Err(e) if e.code == "db.busy" && retries < 20 => retries += 1,
                    r => return (v.id, r.map(|s| s.status), retries),
                }
            }
        }));
    }
    let mut confirmed = 0;
    let mut waiting = 0;
    let mut retries = 0;
    for task in tasks {
        let (vid, r, n) = task.await.unwrap();
        retries += n;
        match r
            .unwrap_or_else(|e| panic!("volunteer {vid}: {e}"))
            .as_str()
        {
            "confirmed" => confirmed += 1,
            "waiting" => waiting += 1,
            s => panic!("status {s}"),
        }
    }
    eprintln!("500 sign-ups: {confirmed} confirmed, {waiting} waiting, {retries} retried");
    assert_eq!((confirmed, waiting), (30, 470));
    // The database agrees: one row each, seq 1..=500 with no gap or repeat, the count kept.
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let roster = activities::roster(h, a.id).await.unwrap();
    assert_eq!(roster.len(), 500);
    let seqs: BTreeSet<i64> = roster.iter().map(|s| s.seq).collect();
    assert_eq!(seqs, (1..=500).collect::<BTreeSet<i64>>());
    let ids: BTreeSet<i64> = roster.iter().map(|s| s.volunteer_id).collect();
    assert_eq!(ids.len(), 500);
    assert_eq!(
        roster.iter().filter(|s| s.status == "confirmed").count(),
        30
    );
    // The first 30 in the queue hold the places.
    assert!(roster[..30].iter().all(|s| s.status == "confirmed"));
    let a = activities::get(h, &System::acting().scope(), a.id)
        .await
        .unwrap();
    assert_eq!(a.confirmed, 30);
    assert_eq!(a.places_left(), 0);
}

#[tokio::test]
async fn vol_cancel_promotes_attendance_writes_once_published_month_refuses() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let now = parse_rfc3339_ms("2026-11-10T09:00:00+08:00");
    let vs = volunteers(&t.db, 4).await;
    let a = publish(&t.db, 2, now + 24 * HOUR, now).await;
    for v in &vs[..3] {
        sign(&t.db, v, a.id, now).await.unwrap();
    }
    // A second sign-up is refused with 409, nothing written.
    let e = assert_err(
        sign(&t.db, &vs[0], a.id, now).await,
        "volunteers.already_signed_up",
        409,
    );
    drop(e);
    // The first cancels: the third (waiting) moves up and is told.
    let mut tx = t.db.begin().await.unwrap();
    let c = activities::cancel_signup(
        &mut tx.handle(),
        &Scope::of_path(&vs[0].path),
        &vs[0],
        a.id,
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(c.promoted, Some(vs[2].id));
    {
        let mut conn = t.db.conn().await.unwrap();
        let h = &mut conn.handle();
        let m = messages::list(h, vs[2].id, None, 10).await.unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].kind, "promoted");
        assert_eq!(messages::unread_count(h, vs[2].id).await.unwrap(), 1);
        let a2 = activities::get(h, &System::acting().scope(), a.id)
            .await
            .unwrap();
        assert_eq!(a2.confirmed, 2);
    }
    // The one who cancelled signs up again: to the end of the queue (waiting).
    let s = sign(&t.db, &vs[0], a.id, now).await.unwrap();
    assert_eq!((s.status.as_str(), s.seq), ("waiting", 4));

    // Attendance before the start is refused; after it, served volunteers get points once.
    let scope = System::acting().scope();
    let mark = |at: i64, served: Vec<i64>, absent: Vec<i64>| {
        let db = t.db.clone();
        let scope = scope.clone();
        async move {
            let mut tx = db.begin().await?;
            let r = activities::attendance(
                &mut tx.handle(),
                &scope,
                &organiser(),
                a.id,
                &served,
                &absent,
                at,
            )
            .await?;
            tx.commit().await?;
            Ok::<_, Error>(r)
        }
    };
    assert_err(
        mark(now, vec![vs[1].id], vec![]).await,
        "volunteers.attendance_early",
        409,
    );
    let later = now + 26 * HOUR;
    {
        let mut conn = t.db.conn().await.unwrap();
        let due = activities::awaiting_attendance(&mut conn.handle(), &scope, later, 10)
            .await
            .unwrap();
        assert_eq!(due.iter().map(|x| x.id).collect::<Vec<_>>(), vec![a.id]);
        let none = activities::awaiting_attendance(&mut conn.handle(), &scope, now, 10)
            .await
            .unwrap();
        assert!(none.is_empty());
    }
    assert_err(
        mark(later, vec![vs[0].id], vec![]).await,
        "volunteers.attendance_not_confirmed",
        400,
    );
    let r = mark(later, vec![vs[1].id], vec![vs[2].id]).await.unwrap();
    assert_eq!(r.served, vec![vs[1].id]);
    assert_eq!(r.month, "2026-11");
    assert_eq!(r.entries.len(), 1);
    let again = mark(later, vec![vs[1].id], vec![vs[2].id]).await.unwrap();
    assert!(again.entries.is_empty() && again.served.is_empty());
    let mut conn = t.db.conn().await.unwrap();
    let b = ledger::balance(&mut conn.handle(), vs[1].id, 2026)
        .await
        .unwrap();
    assert_eq!(b.earned, 2);
    drop(conn);
    assert_eq!(count(&t.db, "points_ledger").await, 1);

    // Another activity whose month is published: the whole attendance fails, nothing written.
    let b = publish(&t.db, 5, now + 48 * HOUR, now).await;
    sign(&t.db, &vs[3], b.id, now).await.unwrap();
    sign(&t.db, &vs[1], b.id, now).await.unwrap();
    let vil = get(&t.db, &System::acting().scope(), VIL_A).await.unwrap();
    {
        let sql = format!(
            "INSERT INTO points_months (community_id, path, month, entries, points, volunteers, ledger_seq, \
             ledger_hash, published_by_name, published_at) VALUES ({}, '{}', '2026-11', 1, 2, 1, 1, 'x', 'p', 0)",
            vil.id, vil.path
        );
        let sql = sqlx::AssertSqlSafe(sql);
        match &t.db {
            Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        }
        .unwrap();
    }
    let db = t.db.clone();
    let mut tx = db.begin().await.unwrap();
    let r = activities::attendance(
        &mut tx.handle(),
        &scope,
        &organiser(),
        b.id,
        &[vs[3].id, vs[1].id],
        &[],
        now + 50 * HOUR,
    )
    .await;
    drop(tx);
    assert_err(r, "volunteers.month_published", 409);
    assert_eq!(count(&t.db, "points_ledger").await, 1);
    let mut conn = t.db.conn().await.unwrap();
    let roster = activities::roster(&mut conn.handle(), b.id).await.unwrap();
    assert!(roster.iter().all(|s| s.status == "confirmed"));
    // Lists: the volunteer sees their own status.
    let l = activities::list(
        &mut conn.handle(),
        &Scope::of_path(&vs[3].path),
        When::Upcoming,
        Some(vs[3].id),
        now,
        50,
    )
    .await
    .unwrap();
    assert_eq!(l.len(), 2);
    let mine: Vec<Option<&str>> = l.iter().map(|x| x.my_status.as_deref()).collect();
    assert_eq!(mine, vec![None, Some("confirmed")]);
}

#[tokio::test]
async fn vol_cancelled_activity_tells_everyone_and_refuses_signups() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let now = now_ms();
    let vs = volunteers(&t.db, 3).await;
    let a = publish(&t.db, 1, now + 24 * HOUR, now).await;
    for v in &vs[..2] {
        sign(&t.db, v, a.id, now).await.unwrap();
    }
    let scope = System::acting().scope();
    let mut tx = t.db.begin().await.unwrap();
    let r =
        activities::cancel_activity(&mut tx.handle(), &scope, &organiser(), a.id, " ", now).await;
    assert_err(r, "volunteers.cancel_reason", 400);
    let c = activities::cancel_activity(&mut tx.handle(), &scope, &organiser(), a.id, "暴雨", now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(c.status, "cancelled");
    assert_eq!(count(&t.db, "volunteer_messages").await, 2);
    assert_err(
        sign(&t.db, &vs[2], a.id, now).await,
        "volunteers.activity_cancelled",
        409,
    );
    // Another community's volunteer does not see it at all.
    let other = Scope::of_path(
        &get(&t.db, &System::acting().scope(), VIL_B)
            .await
            .unwrap()
            .path,
    );
    let mut conn = t.db.conn().await.unwrap();
    assert_err(
        activities::get(&mut conn.handle(), &other, a.id).await,
        "volunteers.activity_not_found",
        404,
    );
}

fn parse_rfc3339_ms(s: &str) -> i64 {
    wangge_domain::deadline::parse_rfc3339(s).unwrap()
}
