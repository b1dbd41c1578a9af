//! Integration tests of the store on a real database: a temporary SQLite file by default, a
//! fresh PostgreSQL database when `TEST_DATABASE_URL` names a server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use serde_json::{Value, json};
use wangge_domain::System;
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
    let all = System::acting().scope();
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
    Scope::of_path(&get(db, &System::acting().scope(), code).await.unwrap().path)
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
        include_str!("../../migrations/postgres/0001_foundation.sql"),
        include_str!("../../migrations/postgres/0002_events.sql"),
        include_str!("../../migrations/postgres/0003_analysis.sql"),
        include_str!("../../migrations/postgres/0004_basic.sql"),
        include_str!("../../migrations/postgres/0005_basic_indexes.sql"),
        include_str!("../../migrations/postgres/0006_short_blind_indexes.sql"),
        include_str!("../../migrations/postgres/0007_personal_inbox.sql"),
        include_str!("../../migrations/postgres/0008_category_admin.sql"),
        include_str!("../../migrations/postgres/0009_history_link.sql"),
        include_str!("../../migrations/postgres/0010_residents.sql"),
        include_str!("../../migrations/postgres/0011_board_photos.sql"),
        include_str!("../../migrations/postgres/0012_masks.sql"),
        include_str!("../../migrations/postgres/0013_transfers.sql"),
        include_str!("../../migrations/postgres/0014_list_indexes.sql"),
        include_str!("../../migrations/postgres/0015_workbench.sql"),
        include_str!("../../migrations/postgres/0016_visits.sql"),
        include_str!("../../migrations/postgres/0017_field.sql"),
        include_str!("../../migrations/postgres/0018_staffops.sql"),
        include_str!("../../migrations/postgres/0019_workbench_home.sql"),
        include_str!("../../migrations/postgres/0020_workbench_offline.sql"),
        include_str!("../../migrations/postgres/0021_lists_more.sql"),
        include_str!("../../migrations/postgres/0022_assessment.sql"),
        include_str!("../../migrations/postgres/0023_work_days.sql"),
        include_str!("../../migrations/postgres/0024_volunteers.sql"),
        include_str!("../../migrations/postgres/0025_clue_skips.sql"),
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
            // ALTER TABLE t DROP COLUMN c;
            if let [t, "DROP", "COLUMN", col] = words.as_slice() {
                let col = col.trim_end_matches(';');
                out.retain(|(tt, c, _)| !(tt == t && c == col));
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

mod accounts;
mod assess_close;
mod assess_measures;
mod assess_reports;
mod assess_rules;
mod assess_supervise;
mod assess_survey;
mod grids;
mod login;
mod plans;
mod tree;
mod vol_activities;
mod vol_gifts;
mod vol_ledger;
mod vol_points;
mod vol_register;
mod wb_staff;
mod work_days;
