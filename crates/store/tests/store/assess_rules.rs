//! Assessment rule set versions (issue 16, rules part) on a real database: the shipped set
//! when none is kept; the deepest node's newest version in force for a quarter; a future
//! version changes nothing before its quarter; versions are numbered per node and audited; a
//! version outside the caller's area reads as missing; an invalid set is never stored.

use super::*;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::Scheme;
use wangge_store::assessment::rules::{self, NewVersion};
use wangge_store::audit::Actor;

fn q(s: &str) -> Quarter {
    Quarter::parse(s).unwrap()
}

async fn keep(db: &Db, code: &str, from: &str, scheme: &Scheme, note: &str) -> (i64, i64) {
    let node = get(db, &System::acting().scope(), code).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let out = rules::keep(
        &mut tx.handle(),
        &Actor::system("管理员"),
        &NewVersion {
            node_id: node.id,
            node_path: &node.path,
            effective_from: q(from),
            scheme,
            note,
        },
        now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    out
}

async fn in_force(db: &Db, code: &str, quarter: &str) -> (Option<i64>, Scheme) {
    let path = get(db, &System::acting().scope(), code).await.unwrap().path;
    let mut c = db.conn().await.unwrap();
    rules::in_force(&mut c.handle(), &path, q(quarter))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_shipped_set_is_in_force_when_none_is_kept() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let (id, s) = in_force(&t.db, GRID_1, "2026Q3").await;
    assert_eq!(id, None);
    assert_eq!(s, Scheme::quarter100());
}

#[tokio::test]
async fn the_deepest_newest_version_by_the_quarter_is_in_force() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let thousand = Scheme::thousand();
    let mut strict = Scheme::quarter100();
    strict.grades.qualified_min = 7500;
    let (county_v1, n1) = keep(&t.db, COUNTY, "2026Q3", &thousand, "全县千分制").await;
    let (twp_v1, n2) = keep(&t.db, TWP_A, "2027Q1", &strict, "").await;
    let (county_v2, n3) = keep(&t.db, COUNTY, "2026Q4", &Scheme::quarter100(), "").await;
    // Numbered per node.
    assert_eq!((n1, n2, n3), (1, 1, 2));

    // Before any version: the shipped set.
    assert_eq!(
        in_force(&t.db, GRID_1, "2026Q2").await,
        (None, Scheme::quarter100())
    );
    // The county's first version, at township A's grid and at township B's.
    assert_eq!(
        in_force(&t.db, GRID_1, "2026Q3").await,
        (Some(county_v1), thousand.clone())
    );
    assert_eq!(in_force(&t.db, GRID_B1, "2026Q3").await.0, Some(county_v1));
    // The county's second from 2026Q4.
    assert_eq!(in_force(&t.db, GRID_1, "2026Q4").await.0, Some(county_v2));
    // Township A's own from 2027Q1 wins over the county there, not in township B.
    assert_eq!(
        in_force(&t.db, GRID_1, "2027Q1").await,
        (Some(twp_v1), strict)
    );
    assert_eq!(in_force(&t.db, GRID_B1, "2027Q1").await.0, Some(county_v2));
    // A node itself and a village below resolve the same way.
    assert_eq!(in_force(&t.db, VIL_A, "2027Q2").await.0, Some(twp_v1));
    assert_eq!(in_force(&t.db, TWP_A, "2026Q4").await.0, Some(county_v2));

    // A later version for the same quarter replaces the earlier one (a correction).
    let (county_v3, _) = keep(&t.db, COUNTY, "2026Q4", &thousand, "更正").await;
    assert_eq!(in_force(&t.db, GRID_B1, "2026Q4").await.0, Some(county_v3));

    let mut c = t.db.conn().await.unwrap();
    let county_path = get(&t.db, &System::acting().scope(), COUNTY)
        .await
        .unwrap()
        .path;
    let listed = rules::versions(&mut c.handle(), &county_path)
        .await
        .unwrap();
    let nums: Vec<i64> = listed.iter().map(|k| k.version).collect();
    assert_eq!(nums, vec![3, 2, 1]);
    assert_eq!(listed[2].note, "全县千分制");
    assert_eq!(listed[2].scheme.name, "thousand");
    assert_eq!(listed[2].node_code, COUNTY);
    drop(c);
    assert_eq!(count(&t.db, "assess_rules").await, 4);
    let audited = count(&t.db, "audit_log WHERE action = 'assess_rules'").await;
    assert_eq!(audited, 4);
}

#[tokio::test]
async fn a_version_outside_the_area_reads_as_missing() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let (twp_a, _) = keep(&t.db, TWP_A, "2026Q3", &Scheme::quarter100(), "").await;
    let (county, _) = keep(&t.db, COUNTY, "2026Q3", &Scheme::thousand(), "").await;
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let in_a = scope_of(&t.db, GRID_1).await;
    let in_b = scope_of(&t.db, TWP_B).await;
    // Township A's own version and the county's above it are readable from its grid.
    assert!(rules::get(h, &in_a, twp_a).await.unwrap().is_some());
    assert!(rules::get(h, &in_a, county).await.unwrap().is_some());
    // Township B sees the county's, not township A's; an unknown id is the same answer.
    assert!(rules::get(h, &in_b, county).await.unwrap().is_some());
    assert_eq!(rules::get(h, &in_b, twp_a).await.unwrap(), None);
    assert_eq!(rules::get(h, &in_b, 987_654).await.unwrap(), None);
}

#[tokio::test]
async fn an_invalid_set_is_never_stored() {
    let t = fresh().await;
    build_tree(&t.db).await;
    let node = get(&t.db, &System::acting().scope(), TWP_A).await.unwrap();
    let mut bad = Scheme::quarter100();
    bad.items[0].deductions[0].measure = "made_up".into();
    let mut tx = t.db.begin().await.unwrap();
    let e = rules::keep(
        &mut tx.handle(),
        &Actor::system("管理员"),
        &NewVersion {
            node_id: node.id,
            node_path: &node.path,
            effective_from: q("2027Q1"),
            scheme: &bad,
            note: "",
        },
        now_ms(),
    )
    .await
    .unwrap_err();
    drop(tx);
    assert_eq!(e.code, "assess.rules_unknown_measure");
    assert_eq!(count(&t.db, "assess_rules").await, 0);
}
