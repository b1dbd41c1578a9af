//! Gifts on a real database (issue 17, part gifts): a hundred simultaneous redemptions of a
//! gift with 30 in stock redeem exactly 30, the stock ends at 0 and never below; one volunteer
//! redeeming at once many times more than their points buy spends only what they have; the
//! ledger's chain and year totals stay intact.

use super::*;
use wangge_domain::volunteers::gifts::GiftFields;
use wangge_domain::volunteers::ledger::Kind;
use wangge_domain::volunteers::register::Post;
use wangge_store::audit::Actor;
use wangge_store::volunteers::register::{self as reg, NewVolunteer, Volunteer};
use wangge_store::volunteers::{gifts, ledger};

fn organiser() -> Actor {
    Actor::system("组织者")
}

/// `n` active volunteers of village A, each with `points` service points this month.
async fn volunteers(db: &Db, n: usize, points: i64, now: i64) -> Vec<Volunteer> {
    let vil = get(db, &System::acting().scope(), VIL_A).await.unwrap();
    let month = wangge_store::volunteers::ledger::month_at(now).unwrap();
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
            now,
        )
        .await
        .unwrap();
        ledger::append(
            &mut tx.handle(),
            &ledger::NewEntry::new(v.id, Kind::Service, points, &month),
            &organiser(),
            now,
        )
        .await
        .unwrap();
        out.push(v);
    }
    tx.commit().await.unwrap();
    out
}

async fn gift(db: &Db, price: i64, stock: i64, now: i64) -> gifts::Gift {
    let vil = get(db, &System::acting().scope(), VIL_A).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let g = gifts::create(
        &mut tx.handle(),
        &System::acting().scope(),
        &organiser(),
        vil.id,
        &GiftFields {
            name: "毛巾".into(),
            description: String::new(),
            price,
            stock,
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    g
}

async fn redeem(db: &Db, v: &Volunteer, gift: i64, now: i64) -> Result<gifts::Redemption, Error> {
    let mut tx = db.begin().await?;
    let r = gifts::redeem(&mut tx.handle(), v, gift, &organiser(), now).await?;
    tx.commit().await?;
    Ok(r)
}

/// Every redemption at once; the error codes (or "ok") in any order, busy answers retried as
/// a client told 503 would.
async fn all_at_once(db: &Db, who: Vec<Volunteer>, gift: i64, now: i64) -> Vec<&'static str> {
    let tasks: Vec<_> = who
        .into_iter()
        .map(|v| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut retries = 0;
                loop {
                    match redeem(&db, &v, gift, now).await {
                        Err(e) if e.code == "db.busy" && retries < 20 => retries += 1,
                        Ok(_) => return "ok",
                        Err(e) => return e.code,
                    }
                }
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn stock(db: &Db, id: i64) -> i64 {
    let mut c = db.conn().await.unwrap();
    gifts::get(&mut c.handle(), &System::acting().scope(), id)
        .await
        .unwrap()
        .stock
}

async fn intact(db: &Db) {
    let mut c = db.conn().await.unwrap();
    let (_, breaks) = ledger::verify(&mut c.handle()).await.unwrap();
    assert!(breaks.is_empty(), "{breaks:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn vol_gifts_a_hundred_simultaneous_redemptions_of_thirty() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let now = now_ms();
    let vs = volunteers(&t.db, 100, 10, now).await;
    let g = gift(&t.db, 5, 30, now).await;
    let out = all_at_once(&t.db, vs, g.id, now).await;
    let ok = out.iter().filter(|c| **c == "ok").count();
    assert_eq!(ok, 30, "{out:?}");
    assert!(
        out.iter()
            .all(|c| *c == "ok" || *c == "volunteers.gift_out_of_stock"),
        "{out:?}"
    );
    assert_eq!(stock(&t.db, g.id).await, 0);
    let mut c = t.db.conn().await.unwrap();
    let rs = gifts::redemptions(&mut c.handle(), &System::acting().scope(), None, 500)
        .await
        .unwrap();
    assert_eq!(rs.len(), 30);
    assert!(rs.iter().all(|r| r.ledger_id.is_some()));
    drop(c);
    intact(&t.db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn vol_gifts_simultaneous_redemptions_never_overspend() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let now = now_ms();
    let v = volunteers(&t.db, 1, 10, now).await.remove(0);
    let g = gift(&t.db, 3, 100, now).await;
    let out = all_at_once(&t.db, vec![v.clone(); 20], g.id, now).await;
    assert_eq!(out.iter().filter(|c| **c == "ok").count(), 3, "{out:?}");
    assert!(
        out.iter()
            .all(|c| *c == "ok" || *c == "volunteers.points_short"),
        "{out:?}"
    );
    assert_eq!(stock(&t.db, g.id).await, 97);
    let year = wangge_store::volunteers::ledger::month_at(now).unwrap()[..4]
        .parse()
        .unwrap();
    let mut c = t.db.conn().await.unwrap();
    let b = ledger::balance(&mut c.handle(), v.id, year).await.unwrap();
    assert_eq!((b.earned, b.spent, b.available), (10, 9, 1));
    drop(c);
    intact(&t.db).await;
}
