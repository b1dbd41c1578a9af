//! Nodes: building the tree (refusals write nothing) and what a scope sees.

use super::*;
use wangge_domain::System;

#[tokio::test]
async fn tree_is_built_and_refusals_write_nothing() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = System::acting().scope();

    let g1 = get(db, &all, GRID_1).await.unwrap();
    assert_eq!(g1.kind.as_str(), "grid");
    assert_eq!(g1.grid_kind.map(GridKind::as_str), Some("basic"));
    assert_eq!(
        g1.path,
        format!("/{CITY}/{COUNTY}/{TWP_A}/{VIL_A}/{GRID_1}/")
    );
    let vil = get(db, &all, VIL_A).await.unwrap();
    assert_eq!(g1.parent_id, Some(vil.id));
    let area = g1.area_m2.unwrap();
    assert!(close(area, geometry::area_m2(&cell(0, 0)), 1e-9));
    assert!((1.0e6..1.3e6).contains(&area), "about 1 km², got {area}");
    let stored = g1.geometry().unwrap().unwrap();
    assert!(close(geometry::area_m2(&stored), area, 1e-9));

    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let now = now_ms();
    let far = |k: f64| square(119.50 + k, 26.50, 119.51 + k, 26.51);

    // A village code that belongs under township B, put under township A.
    let r = nodes::create(
        h,
        &all,
        ACTOR,
        &node("350102002009", NodeKind::Village, Some(TWP_A)),
        MIN_OVERLAP,
        now,
    )
    .await;
    assert_err(r, "node.code_invalid", 400);
    // A malformed grid code.
    let r = nodes::create(
        h,
        &all,
        ACTOR,
        &grid("35010200100100", VIL_A, far(0.0)),
        MIN_OVERLAP,
        now,
    )
    .await;
    assert_err(r, "node.code_invalid", 400);
    // An unknown parent.
    let r = nodes::create(
        h,
        &all,
        ACTOR,
        &node("350102009001", NodeKind::Village, Some("350102009000")),
        MIN_OVERLAP,
        now,
    )
    .await;
    assert_err(r, "node.parent_unknown", 400);
    // A parent outside the caller's scope looks unknown too.
    let scope_b = scope_of(db, TWP_B).await;
    let r = nodes::create(
        h,
        &scope_b,
        ACTOR,
        &grid(GRID_3, VIL_A, far(0.0)),
        MIN_OVERLAP,
        now,
    )
    .await;
    assert_err(r, "node.parent_unknown", 400);
    // A grid without a boundary, and one without a kind.
    let mut no_boundary = grid(GRID_3, VIL_A, far(0.0));
    no_boundary.boundary = None;
    let r = nodes::create(h, &all, ACTOR, &no_boundary, MIN_OVERLAP, now).await;
    assert_err(r, "grid.boundary_missing", 400);
    let mut no_kind = grid(GRID_3, VIL_A, far(0.0));
    no_kind.grid_kind = None;
    let r = nodes::create(h, &all, ACTOR, &no_kind, MIN_OVERLAP, now).await;
    assert_err(r, "grid.kind_missing", 400);

    // An overlapping sibling: refused with the overlapped grid in the details, nothing written.
    let before = counts(db).await;
    let gen_before = generation(db).await;
    let overlapping = grid(
        GRID_3,
        VIL_A,
        square(x(0) + STEP / 2.0, y(0), x(1) + STEP / 2.0, y(1)),
    );
    let e = assert_err(
        nodes::create(h, &all, ACTOR, &overlapping, MIN_OVERLAP, now).await,
        "grid.overlap",
        409,
    );
    let hits = e.details.as_array().unwrap();
    assert_eq!(hits.len(), 2, "overlaps both grid 1 and grid 2: {hits:?}");
    let hit_codes: BTreeSet<&str> = hits.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(hit_codes, BTreeSet::from([GRID_1, GRID_2]));
    for d in hits {
        let a = d["area_m2"].as_f64().unwrap();
        assert!(close(a, area / 2.0, 0.01), "half a cell overlaps, got {a}");
    }
    assert_eq!(counts(db).await, before);
    assert_eq!(generation(db).await, gen_before);
    // The refused code was not issued: it can be used now, for a grid that fits.
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
    assert!(generation(db).await > gen_before);

    // Re-creating a code, even with a fine boundary, is refused.
    let before = counts(db).await;
    let r = nodes::create(
        h,
        &all,
        ACTOR,
        &grid(GRID_1, VIL_A, far(1.0)),
        MIN_OVERLAP,
        now,
    )
    .await;
    assert_err(r, "node.code_taken", 409);
    let r = nodes::create(
        h,
        &all,
        ACTOR,
        &node(TWP_B, NodeKind::Township, Some(COUNTY)),
        MIN_OVERLAP,
        now,
    )
    .await;
    assert_err(r, "node.code_taken", 409);
    assert_eq!(counts(db).await, before);
}

#[tokio::test]
async fn scope_limits_what_is_seen() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = System::acting().scope();
    let scope_a = scope_of(db, TWP_A).await;
    let scope_b = scope_of(db, TWP_B).await;

    // Another township's grid does not exist for a township's scope.
    let e = assert_err(get(db, &scope_b, GRID_1).await, "node.not_found", 404);
    assert!(e.message.contains(GRID_1));
    assert_eq!(get(db, &scope_a, GRID_1).await.unwrap().code, GRID_1);
    assert_eq!(get(db, &scope_b, GRID_B1).await.unwrap().code, GRID_B1);
    // Nor does anything above the scope.
    assert_err(get(db, &scope_a, COUNTY).await, "node.not_found", 404);
    assert_eq!(get(db, &scope_a, TWP_A).await.unwrap().code, TWP_A);

    let county = get(db, &all, COUNTY).await.unwrap();
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let codes = |v: Vec<nodes::NodeSummary>| v.into_iter().map(|n| n.code).collect::<Vec<_>>();
    assert_eq!(
        codes(nodes::children(h, &all, county.id).await.unwrap()),
        vec![TWP_A, TWP_B]
    );
    assert_eq!(
        codes(nodes::children(h, &scope_a, county.id).await.unwrap()),
        vec![TWP_A]
    );
    assert_eq!(
        codes(nodes::children(h, &scope_b, county.id).await.unwrap()),
        vec![TWP_B]
    );
    let vil_a = nodes::by_code(h, &all, VIL_A).await.unwrap();
    assert_eq!(
        codes(nodes::children(h, &scope_a, vil_a.id).await.unwrap()),
        vec![GRID_1, GRID_2]
    );
    assert!(
        nodes::children(h, &scope_b, vil_a.id)
            .await
            .unwrap()
            .is_empty()
    );

    let grid_codes = |v: Vec<Node>| v.into_iter().map(|n| n.code).collect::<Vec<_>>();
    assert_eq!(
        grid_codes(nodes::of_kind(h, &scope_a, NodeKind::Grid).await.unwrap()),
        vec![GRID_1, GRID_2]
    );
    assert_eq!(
        grid_codes(nodes::of_kind(h, &scope_b, NodeKind::Grid).await.unwrap()),
        vec![GRID_B1]
    );
    assert_eq!(
        grid_codes(nodes::of_kind(h, &all, NodeKind::Grid).await.unwrap()),
        vec![GRID_1, GRID_2, GRID_B1]
    );
    assert_eq!(
        grid_codes(
            nodes::of_kind(h, &scope_a, NodeKind::Township)
                .await
                .unwrap()
        ),
        vec![TWP_A]
    );

    // Search and counts see only the scope.
    assert_eq!(
        codes(nodes::search(h, &all, VIL_A, 10).await.unwrap()),
        vec![VIL_A, GRID_1, GRID_2]
    );
    assert_eq!(
        codes(nodes::search(h, &all, VIL_A, 2).await.unwrap()),
        vec![VIL_A, GRID_1]
    );
    assert!(
        nodes::search(h, &scope_b, VIL_A, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        codes(nodes::search(h, &scope_b, "grid", 10).await.unwrap()),
        vec![GRID_B1]
    );
    let mut counted = nodes::count_by_kind(h, &scope_a).await.unwrap();
    counted.sort();
    assert_eq!(
        counted,
        vec![
            ("grid".to_string(), 2),
            ("township".to_string(), 1),
            ("village".to_string(), 1),
        ]
    );
}
