//! Grids: split and merge, and the territory — import, export, check, locate.

use super::*;
use wangge_domain::System;

#[tokio::test]
async fn split_and_merge_keep_area_codes_staff_and_history() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = System::acting().scope();
    let original = get(db, &all, GRID_1).await.unwrap();
    let original_area = original.area_m2.unwrap();
    let g0 = generation(db).await;

    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let now = now_ms();
    // A vertical line through the middle of grid 1, both ends outside it.
    let mid = x(0) + STEP / 2.0;
    let line = LineString::from(vec![(mid, y(0) - STEP / 2.0), (mid, y(1) + STEP / 2.0)]);
    let (kept, created) = nodes::split(h, &all, ACTOR, GRID_1, &line, "west or east half", now)
        .await
        .unwrap();
    assert_eq!(kept.code, GRID_1);
    assert_eq!(kept.id, original.id);
    assert_eq!(
        created.code, GRID_3,
        "the next never-issued sequence after 001 and 002"
    );
    assert_eq!(created.parent_id, original.parent_id);
    assert_eq!(created.grid_kind.map(GridKind::as_str), Some("basic"));
    let (a, b) = (kept.area_m2.unwrap(), created.area_m2.unwrap());
    assert!(
        close(a + b, original_area, 0.01),
        "{a} + {b} vs {original_area}"
    );
    assert!(close(a, original_area / 2.0, 0.01) && close(b, original_area / 2.0, 0.01));
    // The stored boundaries agree with the stored areas.
    let ga = kept.geometry().unwrap().unwrap();
    let gb = created.geometry().unwrap().unwrap();
    assert!(close(geometry::area_m2(&ga), a, 1e-6));
    assert!(close(geometry::area_m2(&gb), b, 1e-6));
    let g1 = generation(db).await;
    assert!(g1 > g0, "split bumps the generation");

    // A worker in the new grid moves with it when it is merged away.
    let worker = users::create(
        h,
        &all,
        &NewUser {
            username: "worker3".to_string(),
            display_name: "Worker Three".to_string(),
            password: "long enough password".to_string(),
            role: Role::Worker,
            node_code: GRID_3.to_string(),
            phone: None,
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(worker.node_code, GRID_3);

    let merged = nodes::merge(h, &all, ACTOR, GRID_1, GRID_3, now + 1)
        .await
        .unwrap();
    assert_eq!(merged.code, GRID_1);
    assert!(close(merged.area_m2.unwrap(), original_area, 0.01));
    let merged_geom = merged.geometry().unwrap().unwrap();
    assert_eq!(
        merged_geom.0.len(),
        1,
        "two halves sharing an edge merge into one polygon"
    );
    assert_err(nodes::by_code(h, &all, GRID_3).await, "node.not_found", 404);
    let vil = nodes::by_code(h, &all, VIL_A).await.unwrap();
    let kids: Vec<String> = nodes::children(h, &all, vil.id)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.code)
        .collect();
    assert_eq!(kids, vec![GRID_1, GRID_2]);
    let moved = users::get(h, &all, worker.id).await.unwrap();
    assert_eq!(moved.node_code, GRID_1);
    assert_eq!(moved.node_id, original.id);
    let g2 = generation(db).await;
    assert!(g2 > g1, "merge bumps the generation");

    // The history of grid 1: newest first, with the actor of each change.
    let versions = nodes::versions(h, &all, GRID_1).await.unwrap();
    let actions: Vec<(&str, &str)> = versions
        .iter()
        .map(|v| (v.action.as_str(), v.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![("merge", ACTOR), ("split", ACTOR), ("create", "builder")]
    );
    assert!(versions[0].note.contains(GRID_3));
    assert!(versions[1].note.contains(GRID_3));
    assert!(versions[2].before_geojson.is_none());
    assert_eq!(versions[1].before_geojson, versions[2].after_geojson);
    assert_eq!(versions[0].before_geojson, versions[1].after_geojson);
    assert_eq!(versions[0].after_geojson, merged.boundary);

    // A retired code is never reused: not by create, not by the next split.
    let r = nodes::create(
        h,
        &all,
        ACTOR,
        &grid(GRID_3, VIL_A, square(119.5, 26.5, 119.51, 26.51)),
        MIN_OVERLAP,
        now,
    )
    .await;
    assert_err(r, "node.code_taken", 409);
    let (_, again) = nodes::split(h, &all, ACTOR, GRID_1, &line, "again", now + 2)
        .await
        .unwrap();
    assert_eq!(again.code, GRID_4);
    assert!(generation(db).await > g2);

    // Grids of different villages, or not neighbours, are not merged.
    assert_err(
        nodes::merge(h, &all, ACTOR, GRID_1, GRID_B1, now).await,
        "grid.merge_invalid",
        400,
    );
    // A grid merged with itself.
    assert_err(
        nodes::merge(h, &all, ACTOR, GRID_1, GRID_1, now).await,
        "grid.merge_invalid",
        400,
    );
    // A line that misses the grid splits nothing and issues nothing.
    let before = counts(db).await;
    let miss = LineString::from(vec![(119.6, 26.0), (119.6, 26.2)]);
    let r = nodes::split(h, &all, ACTOR, GRID_2, &miss, "miss", now).await;
    assert!(r.is_err(), "a line missing the grid is refused");
    assert_eq!(counts(db).await, before);
}

// 4. Territory: import, export, check, locate

fn feature(code: &str, name: &str, parent: &str, geometry: Value) -> Value {
    json!({
        "type": "Feature",
        "properties": {"code": code, "name": name, "kind": "basic", "parent_code": parent},
        "geometry": geometry,
    })
}

fn collection(features: Vec<Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

async fn import(
    db: &Db,
    text: &str,
) -> (Result<territory::ImportSummary, Error>, wangge_store::Tx) {
    let mut tx = db.begin().await.unwrap();
    let r = territory::import_grids(
        &mut tx.handle(),
        &System::acting().scope(),
        ACTOR,
        text,
        MIN_OVERLAP,
        now_ms(),
    )
    .await;
    (r, tx)
}

fn bad_indexes(e: &Error) -> Vec<u64> {
    e.details
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["index"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = System::acting().scope();
    let before = counts(db).await;
    let g0 = generation(db).await;

    // The middle feature's ring is not closed.
    let mut open_ring = cell_json(1, 1);
    open_ring["coordinates"][0].as_array_mut().unwrap().pop();
    let text = collection(vec![
        feature(GRID_3, "three", VIL_A, cell_json(0, 1)),
        feature(GRID_4, "four", VIL_A, open_ring),
        feature(
            "350102001001005",
            "five",
            VIL_A,
            square_json(119.5, 26.5, 119.51, 26.51),
        ),
    ]);
    let (r, tx) = import(db, &text).await;
    let e = assert_err(r, "import.rows_invalid", 400);
    assert_eq!(bad_indexes(&e), vec![1]);
    assert_eq!(e.details[0]["code"], GRID_4);
    assert_eq!(e.details[0]["error"], "geometry.ring_not_closed");
    drop(tx);
    assert_eq!(
        counts(db).await,
        before,
        "nothing of a failed import is kept"
    );
    assert_eq!(generation(db).await, g0);
    assert_err(get(db, &all, GRID_3).await, "node.not_found", 404);

    // The last feature names a parent that does not exist.
    let text = collection(vec![
        feature(GRID_3, "three", VIL_A, cell_json(0, 1)),
        feature(GRID_4, "four", VIL_A, cell_json(1, 1)),
        feature(
            "350102001009001",
            "nine",
            "350102001009",
            square_json(119.5, 26.5, 119.51, 26.51),
        ),
    ]);
    let (r, tx) = import(db, &text).await;
    let e = assert_err(r, "import.rows_invalid", 400);
    assert_eq!(bad_indexes(&e), vec![2]);
    drop(tx);
    assert_eq!(counts(db).await, before);

    // A good import creates; the same file again updates.
    let good = collection(vec![
        feature(GRID_3, "three", VIL_A, cell_json(0, 1)),
        feature(GRID_4, "four", VIL_A, cell_json(1, 1)),
    ]);
    let (r, tx) = import(db, &good).await;
    let s = r.unwrap();
    assert_eq!((s.created, s.updated), (2, 0));
    tx.commit().await.unwrap();
    let g1 = generation(db).await;
    assert!(g1 > g0, "an import bumps the generation");
    let three = get(db, &all, GRID_3).await.unwrap();
    assert_eq!(three.name, "three");
    assert!(close(
        three.area_m2.unwrap(),
        geometry::area_m2(&cell(0, 1)),
        1e-9
    ));

    let renamed = good.replace("\"three\"", "\"three renamed\"");
    let (r, tx) = import(db, &renamed).await;
    let s = r.unwrap();
    assert_eq!((s.created, s.updated), (0, 2));
    tx.commit().await.unwrap();
    assert_eq!(get(db, &all, GRID_3).await.unwrap().name, "three renamed");
    assert!(generation(db).await > g1);
    let mut c = db.conn().await.unwrap();
    let actions: Vec<String> = nodes::versions(&mut c.handle(), &all, GRID_3)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.action)
        .collect();
    assert_eq!(actions, vec!["redraw", "create"]);

    // Export: every grid, with code, name, kind and parent code.
    let exported = territory::export_grids(&mut c.handle(), &all)
        .await
        .unwrap();
    assert_eq!(exported["type"], "FeatureCollection");
    let features = exported["features"].as_array().unwrap();
    let props: Vec<(String, String, String, String)> = features
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let s = |k: &str| p[k].as_str().unwrap().to_string();
            (s("code"), s("name"), s("kind"), s("parent_code"))
        })
        .collect();
    let expected = |code: &str, name: &str, parent: &str| {
        (
            code.to_string(),
            name.to_string(),
            "basic".to_string(),
            parent.to_string(),
        )
    };
    assert_eq!(
        props,
        vec![
            expected(GRID_1, &format!("grid {GRID_1}"), VIL_A),
            expected(GRID_2, &format!("grid {GRID_2}"), VIL_A),
            expected(GRID_3, "three renamed", VIL_A),
            expected(GRID_4, "four", VIL_A),
            expected(GRID_B1, &format!("grid {GRID_B1}"), VIL_B),
        ]
    );
    for f in features {
        let g = geometry::parse_geojson_geometry(&f["geometry"]).unwrap();
        assert!(geometry::area_m2(&g) > 1.0e6);
    }
    // An export can be imported again as it is: everything updates.
    drop(c);
    let (r, tx) = import(db, &exported.to_string()).await;
    let s = r.unwrap();
    assert_eq!((s.created, s.updated), (0, 5));
    drop(tx);

    // Export is scoped.
    let scope_b = scope_of(db, TWP_B).await;
    let mut c = db.conn().await.unwrap();
    let only_b = territory::export_grids(&mut c.handle(), &scope_b)
        .await
        .unwrap();
    let codes: Vec<&str> = only_b["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["properties"]["code"].as_str())
        .collect();
    assert_eq!(codes, vec![GRID_B1]);
}

#[tokio::test]
async fn check_finds_gaps_and_locate_finds_grids() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = System::acting().scope();
    let village = scope_of(db, VIL_A).await;
    let guidance = SizeGuidance::default();
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let now = now_ms();

    // Three of the four cells: one gap, the size of the missing cell, inside it.
    let g0 = generation(db).await;
    nodes::create(
        h,
        &all,
        ACTOR,
        &grid(GRID_3, VIL_A, cell(0, 1)),
        MIN_OVERLAP,
        now,
    )
    .await
    .unwrap();
    assert!(generation(db).await > g0);
    let report = territory::check(h, &village, &guidance).await.unwrap();
    assert_eq!(report.parents_checked, 1);
    assert_eq!(report.grids_checked, 3);
    assert!(report.sizes.is_empty(), "{:?}", report.sizes);
    assert!(report.missing_boundary.is_empty());
    assert_eq!(report.coverage.len(), 1, "{report:?}");
    let parent = &report.coverage[0];
    assert_eq!(parent.code, VIL_A);
    assert_eq!(parent.children, 3);
    assert_eq!(parent.findings.len(), 1, "{:?}", parent.findings);
    let gap = &parent.findings[0];
    assert_eq!(gap.kind, FindingKind::Gap);
    assert!(
        close(gap.area_m2, geometry::area_m2(&cell(1, 1)), 0.01),
        "gap area {}",
        gap.area_m2
    );
    assert!(gap.lon > x(1) && gap.lon < x(2) && gap.lat > y(1) && gap.lat < y(2));
    assert!(!report.is_clean());

    // The fourth cell completes the tiling.
    nodes::create(
        h,
        &all,
        ACTOR,
        &grid(GRID_4, VIL_A, cell(1, 1)),
        MIN_OVERLAP,
        now,
    )
    .await
    .unwrap();
    let report = territory::check(h, &village, &guidance).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.parents_checked, 1);
    assert_eq!(report.grids_checked, 4);

    // The whole tree: nodes above the village have no boundary and are reported as such.
    let report = territory::check(h, &all, &guidance).await.unwrap();
    let missing: BTreeSet<&str> = report.missing_boundary.iter().map(String::as_str).collect();
    assert_eq!(missing, BTreeSet::from([CITY, COUNTY, TWP_A, TWP_B, VIL_B]));

    // Locate: interior points find their grid, points outside find none.
    let index = territory::locate_index(h).await.unwrap();
    assert_eq!(index.len(), 5);
    let at = |i: u32, j: u32| {
        index
            .locate(x(i) + STEP * 0.3, y(j) + STEP * 0.6)
            .map(|g| g.code.clone())
    };
    assert_eq!(at(0, 0).as_deref(), Some(GRID_1));
    assert_eq!(at(1, 0).as_deref(), Some(GRID_2));
    assert_eq!(at(0, 1).as_deref(), Some(GRID_3));
    assert_eq!(at(1, 1).as_deref(), Some(GRID_4));
    let b1 = index.locate(119.405, 26.085).unwrap();
    assert_eq!(b1.code, GRID_B1);
    assert_eq!(
        b1.path,
        format!("/{CITY}/{COUNTY}/{TWP_B}/{VIL_B}/{GRID_B1}/")
    );
    assert!(index.locate(x(3), y(3)).is_none());
    assert!(index.locate(0.0, 0.0).is_none());
}
