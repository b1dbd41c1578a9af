//! Integration tests of the store on a real database: a temporary SQLite file by default, a
//! fresh PostgreSQL database when `TEST_DATABASE_URL` names a server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use serde_json::{Value, json};
use wangge_domain::geometry::{self, FindingKind, LineString, MultiPolygon};
use wangge_domain::guidance::SizeGuidance;
use wangge_domain::{Error, GridKind, NodeKind, Role, Scope};
use wangge_store::nodes::{self, NewNode, Node};
use wangge_store::testdb::{self, TestDb};
use wangge_store::users::{self, NewUser};
use wangge_store::{Db, DbError, auth, now_ms, territory};

// ---------------------------------------------------------------------------------------------
// Helpers

const CITY: &str = "350100000000";
const COUNTY: &str = "350102000000";
const TWP_A: &str = "350102001000";
const TWP_B: &str = "350102002000";
const VIL_A: &str = "350102001001";
const VIL_B: &str = "350102002001";
const GRID_1: &str = "350102001001001";
const GRID_2: &str = "350102001001002";
const GRID_3: &str = "350102001001003";
const GRID_4: &str = "350102001001004";
const GRID_B1: &str = "350102002001001";

/// Origin of village A's 2×2 block of cells, each `STEP` degrees square (about 1 km).
const X0: f64 = 119.30;
const Y0: f64 = 26.08;
const STEP: f64 = 0.01;
const MIN_OVERLAP: f64 = 1.0;
const ACTOR: &str = "tester";

async fn fresh() -> TestDb {
    testdb::fresh().await.expect("a fresh test database")
}

fn x(i: u32) -> f64 {
    X0 + f64::from(i) * STEP
}
fn y(j: u32) -> f64 {
    Y0 + f64::from(j) * STEP
}

fn square_json(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]
    })
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    geometry::parse_geojson_str(&square_json(x0, y0, x1, y1).to_string()).expect("a valid square")
}

/// Cell (i, j) of village A's 2×2 block; shared edges are bit-for-bit equal.
fn cell(i: u32, j: u32) -> MultiPolygon<f64> {
    square(x(i), y(j), x(i + 1), y(j + 1))
}
fn cell_json(i: u32, j: u32) -> Value {
    square_json(x(i), y(j), x(i + 1), y(j + 1))
}

fn node(code: &str, kind: NodeKind, parent: Option<&str>) -> NewNode {
    NewNode {
        code: code.to_string(),
        kind,
        name: format!("{} {code}", kind.as_str()),
        parent_code: parent.map(str::to_string),
        grid_kind: None,
        boundary: None,
        phone: None,
    }
}

fn grid(code: &str, parent: &str, boundary: MultiPolygon<f64>) -> NewNode {
    NewNode {
        grid_kind: Some(GridKind::Basic),
        boundary: Some(boundary),
        ..node(code, NodeKind::Grid, Some(parent))
    }
}

/// city → county → townships A and B → village A (boundary: the 2×2 block) and village B →
/// grids 1 (cell 0,0) and 2 (cell 1,0) in village A and one grid in village B.
async fn build_tree(db: &Db) {
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let all = Scope::everything();
    let now = now_ms();
    let mut vil_a = node(VIL_A, NodeKind::Village, Some(TWP_A));
    vil_a.boundary = Some(square(x(0), y(0), x(2), y(2)));
    for n in [
        node(CITY, NodeKind::City, None),
        node(COUNTY, NodeKind::County, Some(CITY)),
        node(TWP_A, NodeKind::Township, Some(COUNTY)),
        node(TWP_B, NodeKind::Township, Some(COUNTY)),
        vil_a,
        node(VIL_B, NodeKind::Village, Some(TWP_B)),
        grid(GRID_1, VIL_A, cell(0, 0)),
        grid(GRID_2, VIL_A, cell(1, 0)),
        grid(GRID_B1, VIL_B, square(119.40, 26.08, 119.41, 26.09)),
    ] {
        nodes::create(h, &all, "builder", &n, MIN_OVERLAP, now)
            .await
            .unwrap_or_else(|e| panic!("creating {}: {e}", n.code));
    }
}

async fn get(db: &Db, scope: &Scope, code: &str) -> Result<Node, Error> {
    let mut c = db.conn().await.unwrap();
    nodes::by_code(&mut c.handle(), scope, code).await
}

async fn scope_of(db: &Db, code: &str) -> Scope {
    Scope::of_path(&get(db, &Scope::everything(), code).await.unwrap().path)
}

async fn generation(db: &Db) -> i64 {
    let mut c = db.conn().await.unwrap();
    nodes::generation(&mut c.handle()).await.unwrap()
}

/// Rows in a table, read outside any open transaction.
async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}");
    match db {
        Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

async fn counts(db: &Db) -> [i64; 4] {
    [
        count(db, "nodes").await,
        count(db, "codes_issued").await,
        count(db, "grid_versions").await,
        count(db, "settings").await,
    ]
}

fn assert_err<T: std::fmt::Debug>(r: Result<T, Error>, code: &str, status: u16) -> Error {
    match r {
        Ok(v) => panic!("expected error {code}, got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.code, code, "unexpected error: {e}");
            assert_eq!(e.status, status, "unexpected status for {e}");
            e
        }
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(a.abs())
}

// ---------------------------------------------------------------------------------------------
// 1. Schema, migrations, connecting

fn coarse(t: &str) -> &'static str {
    let t = t.to_ascii_lowercase();
    if t.contains("int") {
        "integer"
    } else if t.contains("real") || t.contains("double") {
        "real"
    } else if t.contains("bool") {
        "boolean"
    } else if t.contains("bytea") || t.contains("blob") {
        "bytes"
    } else {
        "text"
    }
}

type Columns = BTreeSet<(String, String, String)>;

/// The columns the PostgreSQL migration text declares, plus `schema_version` (which `migrate`
/// creates itself), read with a small parser good enough for our own migrations.
fn columns_of_pg_migration() -> Columns {
    let sql = [
        include_str!("../migrations/postgres/0001_foundation.sql"),
        include_str!("../migrations/postgres/0002_events.sql"),
        include_str!("../migrations/postgres/0003_analysis.sql"),
        include_str!("../migrations/postgres/0004_basic.sql"),
        include_str!("../migrations/postgres/0005_basic_indexes.sql"),
        include_str!("../migrations/postgres/0006_short_blind_indexes.sql"),
        include_str!("../migrations/postgres/0007_personal_inbox.sql"),
        include_str!("../migrations/postgres/0008_category_admin.sql"),
        include_str!("../migrations/postgres/0009_history_link.sql"),
    ]
    .join("\n");
    let mut out = Columns::new();
    let mut table: Option<String> = None;
    for line in sql.lines() {
        let line = line.trim();
        // ALTER TABLE t ADD COLUMN c TYPE;
        if let Some(rest) = line.strip_prefix("ALTER TABLE ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            if let [t, "ADD", "COLUMN", col, ty, ..] = words.as_slice() {
                let ty = ty.trim_end_matches(';');
                out.insert((t.to_string(), col.to_string(), coarse(ty).to_string()));
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
            table = rest.split_whitespace().next().map(str::to_string);
            continue;
        }
        if line.starts_with(')') {
            table = None;
            continue;
        }
        let Some(t) = &table else { continue };
        let mut words = line.split_whitespace();
        let (Some(col), Some(ty)) = (words.next(), words.next()) else {
            continue;
        };
        let upper = col.to_ascii_uppercase();
        if ["PRIMARY", "UNIQUE", "FOREIGN", "CONSTRAINT", "CHECK"].contains(&upper.as_str()) {
            continue;
        }
        out.insert((t.clone(), col.to_string(), coarse(ty).to_string()));
    }
    for col in ["version", "applied_at"] {
        out.insert((
            "schema_version".to_string(),
            col.to_string(),
            "integer".to_string(),
        ));
    }
    out
}

async fn sqlite_db() -> (Db, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "wangge_parity_{}_{}.db",
        std::process::id(),
        now_ms()
    ));
    let db = Db::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    (db, path)
}

fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn schema_parity_between_backends() {
    let (lite, path) = sqlite_db().await;
    lite.migrate().await.unwrap();
    let lite_cols: Columns = lite.describe_columns().await.unwrap().into_iter().collect();
    lite.close().await;
    remove_sqlite(&path);

    let has = |cols: &Columns, t: &str, c: &str, ty: &str| {
        cols.contains(&(t.to_string(), c.to_string(), ty.to_string()))
    };
    assert!(has(&lite_cols, "schema_version", "version", "integer"));
    assert!(has(&lite_cols, "nodes", "code", "text"));
    assert!(has(&lite_cols, "nodes", "area_m2", "real"));
    assert!(has(&lite_cols, "users", "active", "boolean"));

    // The PostgreSQL migration as written declares the same columns as SQLite has after migrating.
    let pg_text = columns_of_pg_migration();
    assert_eq!(
        lite_cols.symmetric_difference(&pg_text).collect::<Vec<_>>(),
        Vec::<&(String, String, String)>::new(),
        "SQLite schema and the PostgreSQL migration text differ"
    );

    // With a PostgreSQL server, the live schemas are compared too.
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        let t = fresh().await;
        assert!(t.db.is_postgres());
        let pg_cols: Columns = t.db.describe_columns().await.unwrap().into_iter().collect();
        assert!(has(&pg_cols, "schema_version", "version", "integer"));
        assert_eq!(
            lite_cols.symmetric_difference(&pg_cols).collect::<Vec<_>>(),
            Vec::<&(String, String, String)>::new(),
            "SQLite and PostgreSQL schemas differ"
        );
    }
}

#[tokio::test]
async fn migrate_twice_is_a_no_op() {
    let t = fresh().await;
    let known = Db::known_schema_version();
    assert!(known >= 1);
    assert_eq!(t.db.schema_version().await.unwrap(), known);
    let migrations = count(&t.db, "schema_version").await;
    let columns = t.db.describe_columns().await.unwrap();
    build_tree(&t.db).await;
    let before = counts(&t.db).await;

    t.db.migrate().await.unwrap();

    assert_eq!(t.db.schema_version().await.unwrap(), known);
    assert_eq!(count(&t.db, "schema_version").await, migrations);
    assert_eq!(t.db.describe_columns().await.unwrap(), columns);
    assert_eq!(
        counts(&t.db).await,
        before,
        "data survives a second migrate"
    );
}

#[tokio::test]
async fn concurrent_migrations_apply_once() {
    let (url, file) = testdb::fresh_url().await.unwrap();
    let a = Db::connect(&url).await.unwrap();
    let b = Db::connect(&url).await.unwrap();
    assert_eq!(a.schema_version().await.unwrap(), 0);
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    ra.unwrap();
    rb.unwrap();
    let known = Db::known_schema_version();
    assert_eq!(a.schema_version().await.unwrap(), known);
    assert_eq!(b.schema_version().await.unwrap(), known);
    assert_eq!(count(&a, "schema_version").await, known);
    a.close().await;
    b.close().await;
    if let Some(f) = file {
        remove_sqlite(&f);
    }
}

#[tokio::test]
async fn newer_schema_is_refused() {
    let t = fresh().await;
    let known = Db::known_schema_version();
    let sql = "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)";
    match &t.db {
        Db::Sqlite(p) => sqlx::query(sql)
            .bind(known + 1)
            .bind(0i64)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(known + 1)
            .bind(0i64)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
    }
    .unwrap();
    assert_eq!(t.db.schema_version().await.unwrap(), known + 1);
    match t.db.migrate().await {
        Err(DbError::SchemaTooNew { found, known: k }) => {
            assert_eq!(found, known + 1);
            assert_eq!(k, known);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_urls_and_unreachable_servers() {
    for url in ["mysql://x", "nonsense", "sqlite://", ""] {
        match Db::connect(url).await {
            Err(DbError::BadUrl(u)) => assert_eq!(u, url),
            other => panic!("{url:?}: expected BadUrl, got {other:?}"),
        }
    }
    match Db::connect("postgres://postgres@127.0.0.1:1/test").await {
        Err(DbError::Unreachable { url, .. }) => assert!(url.contains("127.0.0.1:1")),
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Nodes

#[tokio::test]
async fn tree_is_built_and_refusals_write_nothing() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = Scope::everything();

    let g1 = get(db, &all, GRID_1).await.unwrap();
    assert_eq!(g1.kind, "grid");
    assert_eq!(g1.grid_kind.as_deref(), Some("basic"));
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
    let all = Scope::everything();
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

// ---------------------------------------------------------------------------------------------
// 3. Split and merge

#[tokio::test]
async fn split_and_merge_keep_area_codes_staff_and_history() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = Scope::everything();
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
    assert_eq!(created.grid_kind.as_deref(), Some("basic"));
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

// ---------------------------------------------------------------------------------------------
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
        &Scope::everything(),
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
    let all = Scope::everything();
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
    let all = Scope::everything();
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

// ---------------------------------------------------------------------------------------------
// 5. Users and auth

fn new_user(username: &str, role: Role, node_code: &str) -> NewUser {
    NewUser {
        username: username.to_string(),
        display_name: format!("User {username}"),
        password: "correct horse battery".to_string(),
        role,
        node_code: node_code.to_string(),
        phone: Some("0591-12345678".to_string()),
    }
}

#[tokio::test]
async fn users_are_validated() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = Scope::everything();
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let now = now_ms();

    let users_before = count(db, "users").await;
    // A worker belongs at a grid, a grid leader at a village.
    assert_err(
        users::create(h, &all, &new_user("wkr1", Role::Worker, VIL_A), now).await,
        "user.role_node_mismatch",
        400,
    );
    assert_err(
        users::create(
            h,
            &all,
            &new_user("gleader1", Role::GridLeader, GRID_1),
            now,
        )
        .await,
        "user.role_node_mismatch",
        400,
    );
    let mut weak = new_user("wkr1", Role::Worker, GRID_1);
    weak.password = "1234567".to_string();
    assert_err(
        users::create(h, &all, &weak, now).await,
        "user.password_weak",
        400,
    );
    // A node outside the creator's scope is unknown.
    let scope_b = scope_of(db, TWP_B).await;
    assert_err(
        users::create(h, &scope_b, &new_user("wkr1", Role::Worker, GRID_1), now).await,
        "user.node_unknown",
        400,
    );
    assert_eq!(count(db, "users").await, users_before);

    let w1 = users::create(h, &all, &new_user("wkr1", Role::Worker, GRID_1), now)
        .await
        .unwrap();
    assert_eq!(w1.username, "wkr1");
    assert_eq!(w1.role, "worker");
    assert_eq!(w1.node_code, GRID_1);
    assert!(w1.active);
    let dup = new_user("wkr1", Role::GridLeader, VIL_A);
    assert_err(
        users::create(h, &all, &dup, now).await,
        "user.username_taken",
        409,
    );
    assert_eq!(count(db, "users").await, users_before + 1);

    // Users are scoped like nodes.
    assert_eq!(
        users::by_username(h, &scope_of(db, TWP_A).await, "wkr1")
            .await
            .unwrap()
            .id,
        w1.id
    );
    assert_err(
        users::by_username(h, &scope_b, "wkr1").await,
        "user.not_found",
        404,
    );
    // The password is stored hashed, never as given.
    let hash: String = match db {
        Db::Sqlite(p) => sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(w1.id)
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(w1.id)
            .fetch_one(p)
            .await
            .unwrap(),
    };
    assert!(!hash.contains("correct horse"));
    assert!(auth::verify_password("correct horse battery", &hash));
}

#[tokio::test]
async fn login_sessions_tokens_and_throttling() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = Scope::everything();
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let now = now_ms();
    let pw = "correct horse battery";

    let admin = users::create(h, &all, &new_user("admin1", Role::Admin, TWP_A), now)
        .await
        .unwrap();
    let other = users::create(h, &all, &new_user("other1", Role::Worker, GRID_2), now)
        .await
        .unwrap();

    // Good and bad passwords.
    assert_eq!(
        auth::login(h, "admin1", pw, "10.0.0.1", now).await.unwrap(),
        admin.id
    );
    assert_err(
        auth::login(h, "admin1", "wrong password", "10.0.0.2", now).await,
        "auth.bad_credentials",
        401,
    );
    assert_err(
        auth::login(h, "nobody", pw, "10.0.0.3", now).await,
        "auth.bad_credentials",
        401,
    );
    // A good log-in clears the user's failures.
    assert_eq!(
        auth::login(h, "admin1", pw, "10.0.0.1", now).await.unwrap(),
        admin.id
    );

    // Five failures, then even the right password is refused, for the name and for the address.
    for i in 0..auth::MAX_FAILURES {
        assert_err(
            auth::login(h, "admin1", "wrong password", "10.0.0.9", now + i).await,
            "auth.bad_credentials",
            401,
        );
    }
    let later = now + auth::MAX_FAILURES;
    assert_err(
        auth::login(h, "admin1", pw, "10.0.0.1", later).await,
        "auth.throttled",
        429,
    );
    assert_err(
        auth::login(h, "other1", pw, "10.0.0.9", later).await,
        "auth.throttled",
        429,
    );
    // A different name from a different address is not affected.
    assert_eq!(
        auth::login(h, "other1", pw, "10.0.0.4", later)
            .await
            .unwrap(),
        other.id
    );
    // Once the window has passed the right password works again.
    let after_window = now + auth::MAX_FAILURES + auth::FAILURE_WINDOW_MS;
    assert_eq!(
        auth::login(h, "admin1", pw, "10.0.0.9", after_window)
            .await
            .unwrap(),
        admin.id
    );

    // Sessions.
    let ttl = 60_000;
    let secret = auth::create_session(h, admin.id, now, ttl).await.unwrap();
    let p = auth::session_principal(h, &secret, now + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.user_id, admin.id);
    assert_eq!(p.username, "admin1");
    assert_eq!(p.role(), Some(Role::Admin));
    assert_eq!(p.node_code, TWP_A);
    assert_eq!(p.node_kind, "township");
    assert_eq!(p.scope(), scope_of(db, TWP_A).await);
    assert!(p.can_edit_tree());
    assert!(
        auth::session_principal(h, &secret, now + ttl + 1)
            .await
            .unwrap()
            .is_none(),
        "an expired session lets no one in"
    );
    assert!(
        auth::session_principal(h, "not a session", now)
            .await
            .unwrap()
            .is_none()
    );
    // The secret is stored only as a hash.
    let sql = "SELECT token_hash FROM sessions";
    let stored: Vec<String> = match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await,
    }
    .unwrap();
    assert_eq!(stored, vec![auth::sha256_hex(&secret)]);
    auth::end_session(h, &secret).await.unwrap();
    assert!(
        auth::session_principal(h, &secret, now + 1)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(count(db, "sessions").await, 0);
    // Starting a session sweeps expired ones.
    let old = auth::create_session(h, other.id, now, ttl).await.unwrap();
    let fresh_secret = auth::create_session(h, other.id, now + ttl + 1, ttl)
        .await
        .unwrap();
    assert_ne!(old, fresh_secret);
    assert_eq!(count(db, "sessions").await, 1);

    // API tokens.
    let token = auth::create_token(h, other.id, "script", now)
        .await
        .unwrap();
    assert!(token.starts_with("wg_"));
    let p = auth::token_principal(h, &token).await.unwrap().unwrap();
    assert_eq!(p.user_id, other.id);
    assert_eq!(p.node_code, GRID_2);
    assert!(!p.can_edit_tree());
    assert!(auth::token_principal(h, "wg_nope").await.unwrap().is_none());

    // A deactivated user can neither log in nor use a session or token.
    let session = auth::create_session(h, other.id, now, ttl).await.unwrap();
    assert!(
        auth::session_principal(h, &session, now + 1)
            .await
            .unwrap()
            .is_some()
    );
    let off = users::update(
        h,
        &all,
        other.id,
        Role::Worker,
        GRID_2,
        "Other One",
        None,
        false,
    )
    .await
    .unwrap();
    assert!(!off.active);
    assert_err(
        auth::login(h, "other1", pw, "10.0.0.5", now).await,
        "auth.bad_credentials",
        401,
    );
    assert!(
        auth::session_principal(h, &session, now + 1)
            .await
            .unwrap()
            .is_none()
    );
    assert!(auth::token_principal(h, &token).await.unwrap().is_none());
    // Re-activated, the token works again (the session was ended for good).
    users::update(
        h,
        &all,
        other.id,
        Role::Worker,
        GRID_2,
        "Other One",
        None,
        true,
    )
    .await
    .unwrap();
    assert!(auth::token_principal(h, &token).await.unwrap().is_some());
    assert!(
        auth::session_principal(h, &session, now + 1)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_write_ahead_log_is_copied_back_beside_the_writes() {
    let (db, path) = sqlite_db().await;
    let Db::Sqlite(pool) = &db else {
        panic!("sqlite_db gives SQLite");
    };
    sqlx::query("CREATE TABLE wal_probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(pool)
        .await
        .unwrap();
    // About a page a row, each in a commit of its own, in bursts with pauses between them as
    // real traffic has.
    let body = "x".repeat(3000);
    for _ in 0..20 {
        for _ in 0..100 {
            sqlx::query("INSERT INTO wal_probe (body) VALUES ($1)")
                .bind(&body)
                .execute(pool)
                .await
                .unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(count(&db, "wal_probe").await, 2000);
    let wal = std::fs::metadata(format!("{}-wal", path.display()))
        .map(|m| m.len())
        .unwrap_or(0);
    // 2,000 commits of a page or more: left to the pool's own limit (8,000 pages) the log would
    // hold every one of them, over 8 MB; checkpointed beside the writes it starts over after
    // each pause and never holds much more than one burst.
    assert!(wal < 4 * 1024 * 1024, "the log grew to {wal} bytes");
    db.close().await;
    remove_sqlite(&path);
}
