//! Volunteers and the catalogue on a real database (issue 17, part "register"): the phone is
//! sealed under the row and opens with the key ring; pending applications are counted per
//! community within the caller's scope; a phone applied twice is refused, a rejected one may
//! apply again; catalogue versions number per node and the deepest is in force; an approved
//! "other" value is found only for its own community.

use super::*;
use wangge_domain::volunteers::catalogue::Catalogue;
use wangge_domain::volunteers::register::Fields;
use wangge_store::audit::Actor;
use wangge_store::seal::{Aad, KeyRing};
use wangge_store::volunteers::catalogue as cat;
use wangge_store::volunteers::register as reg;

fn keys() -> KeyRing {
    KeyRing::from_text(&format!("k1 {}", "ab".repeat(32))).unwrap()
}

fn person(name: &str, phone: &str) -> wangge_domain::volunteers::register::Checked {
    Fields {
        name: name.into(),
        phone: phone.into(),
        building: "1栋".into(),
        unit: "1单元".into(),
        post: "volunteer".into(),
        skills: String::new(),
    }
    .check()
    .unwrap()
}

#[tokio::test]
async fn vol_register_seals_counts_and_decides() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let keys = keys();
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let everyone = System::acting().scope();
    let a = reg::community_by_code(h, &everyone, VIL_A).await.unwrap();
    let b = reg::community_by_code(h, &everyone, VIL_B).await.unwrap();
    assert_err(
        reg::community_by_code(h, &everyone, GRID_1).await,
        "volunteers.not_community",
        400,
    );
    let id = reg::apply(h, &keys, &a, &person("甲", "13800000001"), 1)
        .await
        .unwrap();
    reg::apply(h, &keys, &a, &person("乙", "13800000002"), 2)
        .await
        .unwrap();
    reg::apply(h, &keys, &b, &person("丙", "13800000001"), 3)
        .await
        .unwrap();
    assert_err(
        reg::apply(h, &keys, &a, &person("丁", "13800000001"), 4).await,
        "volunteers.phone_taken",
        409,
    );
    let sealed: String = match db {
        Db::Sqlite(p) => sqlx::query_scalar("SELECT phone_sealed FROM volunteers WHERE id = $1")
            .bind(id)
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar("SELECT phone_sealed FROM volunteers WHERE id = $1")
            .bind(id)
            .fetch_one(p)
            .await
            .unwrap(),
    };
    assert!(!sealed.contains("13800000001"));
    let row = id.to_string();
    let aad = Aad::new("volunteers", "phone", &row);
    assert_eq!(keys.open(&sealed, &aad).unwrap(), "13800000001");

    let twp_a = scope_of(db, TWP_A).await;
    let counts = reg::pending_counts(h, &twp_a).await.unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!((counts[0].1.as_str(), counts[0].3), (VIL_A, 2));
    assert_eq!(reg::pending_counts(h, &everyone).await.unwrap().len(), 2);

    let actor = Actor::system("组长");
    assert_err(
        reg::reject(h, &scope_of(db, TWP_B).await, id, "x", &actor, 5).await,
        "volunteers.not_found",
        404,
    );
    let r = reg::reject(h, &twp_a, id, "不在本社区", &actor, 5)
        .await
        .unwrap();
    assert_eq!(r.status, "rejected");
    assert_err(
        reg::leave(h, &twp_a, id, "x", &actor, 6).await,
        "volunteers.transition",
        409,
    );
    // Rejected, the phone may apply again.
    reg::apply(h, &keys, &a, &person("甲", "13800000001"), 7)
        .await
        .unwrap();
    let (rows, total) = reg::list(
        h,
        &twp_a,
        &reg::Filter {
            status: "applied".into(),
            ..Default::default()
        },
        10,
        0,
    )
    .await
    .unwrap();
    assert_eq!(total, 2);
    assert!(
        rows.iter()
            .all(|r| r.phone_masked.as_deref() != Some("13800000001"))
    );
}

#[tokio::test]
async fn vol_register_catalogue_versions_and_approvals() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let everyone = System::acting().scope();
    let actor = Actor::system("街道");
    let twp = nodes::by_code(h, &everyone, TWP_A).await.unwrap();
    let vil = nodes::by_code(h, &everyone, VIL_A).await.unwrap();
    let mut cat1 = Catalogue::seed();
    cat1.kinds[0].points = 3;
    assert_err(
        cat::save_version(h, &vil, &cat1, "n", &actor, 1).await,
        "volunteers.catalogue_node",
        403,
    );
    let v1 = cat::save_version(h, &twp, &cat1, "一", &actor, 1)
        .await
        .unwrap();
    let v2 = cat::save_version(h, &twp, &Catalogue::seed(), "二", &actor, 2)
        .await
        .unwrap();
    assert_eq!((v1.version, v2.version), (1, 2));
    let (id, c_in) = cat::in_force(h, &vil.path).await.unwrap();
    assert_eq!(id, Some(v2.id));
    assert_eq!(c_in, Catalogue::seed());
    assert_eq!(cat::versions(h, &vil.path, 10).await.unwrap().len(), 2);
    let mut bad = Catalogue::seed();
    bad.kinds.push(bad.kinds[0].clone());
    let e = assert_err(
        cat::save_version(h, &twp, &bad, "x", &actor, 3).await,
        "volunteers.catalogue_duplicate",
        400,
    );
    assert_eq!(e.details["field"], "kinds.repair_errand.key");

    let a = reg::community_by_code(h, &everyone, VIL_A).await.unwrap();
    let b = reg::community_by_code(h, &everyone, VIL_B).await.unwrap();
    let req = cat::request_other(h, &a, "助老", 5, "每周", &actor, 4)
        .await
        .unwrap();
    assert_eq!(cat::approved(h, req.id, a.id).await.unwrap(), None);
    assert_err(
        cat::decide(h, &scope_of(db, TWP_B).await, req.id, true, "ok", &actor, 5).await,
        "volunteers.approval_not_found",
        404,
    );
    cat::decide(
        h,
        &scope_of(db, TWP_A).await,
        req.id,
        true,
        "同意",
        &actor,
        5,
    )
    .await
    .unwrap();
    assert_eq!(
        cat::approved(h, req.id, a.id)
            .await
            .unwrap()
            .map(|x| x.points),
        Some(5)
    );
    assert_eq!(cat::approved(h, req.id, b.id).await.unwrap(), None);
    assert_err(
        cat::decide(
            h,
            &scope_of(db, TWP_A).await,
            req.id,
            false,
            "再议",
            &actor,
            6,
        )
        .await,
        "volunteers.approval_decided",
        409,
    );
}
