//! The points ledger (issue 17): entries chain per community, year totals follow every append,
//! a published month takes no entries, the triggers refuse edits, and `verify` names an entry
//! changed behind the triggers' back.

use super::*;
use wangge_domain::volunteers::ledger::Kind;
use wangge_domain::volunteers::register::Post;
use wangge_store::audit::Actor;
use wangge_store::volunteers::ledger::{self, NewEntry};
use wangge_store::volunteers::register::{self, NewVolunteer};

async fn exec(db: &Db, sql: &str) -> Result<u64, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
}

async fn volunteer(db: &Db, village: &str, name: &str) -> i64 {
    let node = get(db, &System::acting().scope(), village).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let v = register::enrol(
        &mut tx.handle(),
        &NewVolunteer {
            community_id: node.id,
            grid_id: None,
            building: "1栋",
            unit: "2单元",
            post: Post::BuildingLeader,
            name,
            skills: "",
        },
        None,
        "added",
        &Actor::system("社区"),
        now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    v.id
}

async fn append(db: &Db, e: NewEntry<'_>) -> Result<ledger::Entry, Error> {
    let mut tx = db.begin().await?;
    let row = ledger::append(&mut tx.handle(), &e, &Actor::system("社区"), now_ms()).await?;
    tx.commit().await?;
    Ok(row)
}

#[tokio::test]
async fn the_ledger_chains_counts_and_locks() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let a = volunteer(&t.db, VIL_A, "张三").await;
    let b = volunteer(&t.db, VIL_A, "李四").await;
    let c = volunteer(&t.db, VIL_B, "王五").await;

    let first = append(&t.db, NewEntry::new(a, Kind::Service, 2, "2026-10"))
        .await
        .unwrap();
    assert_eq!((first.seq, first.prev_hash.as_str()), (1, "genesis"));
    let second = append(&t.db, NewEntry::new(b, Kind::Service, 3, "2026-11"))
        .await
        .unwrap();
    assert_eq!(
        (second.seq, second.prev_hash.clone()),
        (2, first.hash.clone())
    );
    // Another community has its own chain.
    let other = append(&t.db, NewEntry::new(c, Kind::Clue, 5, "2026-11"))
        .await
        .unwrap();
    assert_eq!(other.seq, 1);
    append(&t.db, NewEntry::new(a, Kind::Redeem, -1, "2026-11"))
        .await
        .unwrap();
    // Last year's points count in the total that never resets, not in this year's balance.
    append(&t.db, NewEntry::new(a, Kind::Service, 4, "2025-12"))
        .await
        .unwrap();

    let mut conn = t.db.conn().await.unwrap();
    let bal = ledger::balance(&mut conn.handle(), a, 2026).await.unwrap();
    assert_eq!(
        (bal.earned, bal.spent, bal.available, bal.total_earned),
        (2, 1, 1, 6)
    );
    drop(conn);

    // Wrong signs, corrections without a reason, unknown volunteers and bad months are refused.
    assert_err(
        append(&t.db, NewEntry::new(a, Kind::Service, -2, "2026-11")).await,
        "volunteers.points_invalid",
        400,
    );
    assert_err(
        append(&t.db, NewEntry::new(a, Kind::Correction, -2, "2026-11")).await,
        "volunteers.correction_reason",
        400,
    );
    assert_err(
        append(&t.db, NewEntry::new(999_999, Kind::Service, 2, "2026-11")).await,
        "volunteers.not_found",
        404,
    );
    assert_err(
        append(&t.db, NewEntry::new(a, Kind::Service, 2, "2026-13")).await,
        "volunteers.month_invalid",
        400,
    );

    // A published month takes no entries, and nothing is written.
    let vil = get(&t.db, &System::acting().scope(), VIL_A).await.unwrap();
    exec(
        &t.db,
        &format!(
            "INSERT INTO points_months (community_id, path, month, entries, points, volunteers, \
             ledger_seq, ledger_hash, published_by_name, published_at) \
             VALUES ({}, '{}', '2026-10', 1, 2, 1, 1, '{}', '社区', 0)",
            vil.id, vil.path, first.hash
        ),
    )
    .await
    .unwrap();
    let before = count(&t.db, "points_ledger").await;
    assert_err(
        append(&t.db, NewEntry::new(b, Kind::Service, 2, "2026-10")).await,
        "volunteers.month_published",
        409,
    );
    assert_eq!(count(&t.db, "points_ledger").await, before);

    let mut conn = t.db.conn().await.unwrap();
    let (checked, breaks) = ledger::verify(&mut conn.handle()).await.unwrap();
    assert_eq!((checked, breaks.len()), (before as u64, 0), "{breaks:?}");
    drop(conn);

    // The triggers refuse edits and deletions.
    assert!(
        exec(&t.db, "UPDATE points_ledger SET points = 20 WHERE seq = 1")
            .await
            .is_err()
    );
    assert!(exec(&t.db, "DELETE FROM points_ledger").await.is_err());
    assert!(exec(&t.db, "DELETE FROM points_months").await.is_err());

    // Behind the triggers' back, an edited entry and a tampered total are named.
    if t.db.is_postgres() {
        exec(
            &t.db,
            "ALTER TABLE points_ledger DISABLE TRIGGER points_ledger_no_update",
        )
        .await
        .unwrap();
    } else {
        exec(&t.db, "DROP TRIGGER points_ledger_no_update")
            .await
            .unwrap();
    }
    exec(
        &t.db,
        &format!(
            "UPDATE points_ledger SET points = 20 WHERE id = {}",
            second.id
        ),
    )
    .await
    .unwrap();
    exec(
        &t.db,
        &format!("UPDATE volunteer_points SET earned = earned + 1 WHERE volunteer_id = {c}"),
    )
    .await
    .unwrap();
    let mut conn = t.db.conn().await.unwrap();
    let (_, breaks) = ledger::verify(&mut conn.handle()).await.unwrap();
    assert!(
        breaks
            .iter()
            .any(|b| b.community_id == vil.id && b.seq == 2 && b.reason.contains("changed")),
        "{breaks:?}"
    );
    assert!(
        breaks
            .iter()
            .any(|b| b.seq == 0 && b.reason.contains(&format!("volunteer {c}'s"))),
        "{breaks:?}"
    );
}
