//! The test kit of the store's event tests: a small tree of two townships with their villages,
//! grids and departments, staff of each role, a fresh database and the context a server gives
//! the event functions. Each test binary uses what it needs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use serde_json::json;
use wangge_domain::System;
use wangge_domain::calendar::Calendar;
use wangge_domain::deadline::parse_rfc3339;
use wangge_domain::event::{Actor, Rules, Staff, Urgency};
use wangge_domain::geometry::parse_geojson_str;
use wangge_domain::{Error, GridKind, NodeKind, Role, Scope};
use wangge_store::events::{
    self, Caller, EventCtx, EventRow, Inbox, ListFilter, ReportInput, Source,
};
use wangge_store::seal::KeyRing;
use wangge_store::territory::GridRef;
use wangge_store::testdb::{self, TestDb};
use wangge_store::{Db, auth, nodes, users};

// ---------------------------------------------------------------------------------------------
// The tree, the staff and the fixture

pub const CITY: &str = "350100000000";
pub const COUNTY: &str = "350102000000";
pub const TWP_A: &str = "350102001000";
pub const TWP_B: &str = "350102002000";
pub const VIL_A: &str = "350102001001";
pub const VIL_B: &str = "350102002001";
pub const GRID_A1: &str = "350102001001001";
pub const GRID_A2: &str = "350102001001002";
pub const GRID_B1: &str = "350102002001001";
pub const DEPT_A: &str = "350102001000D01";
pub const DEPT_B: &str = "350102002000D01";
pub const DEPT_COUNTY: &str = "350102000000D01";

/// A point inside grid A1 (lon 119.0–119.1, lat 26.0–26.1).
pub const IN_A1: (f64, f64) = (26.05, 119.05);

pub fn square(x0: f64, x1: f64) -> String {
    json!({"type": "Polygon", "coordinates": [[[x0, 26.0], [x1, 26.0], [x1, 26.1], [x0, 26.1], [x0, 26.0]]]})
        .to_string()
}

/// (code, kind, parent, boundary [x0, x1] between lat 26.0 and 26.1)
pub type TreeRow = (
    &'static str,
    NodeKind,
    Option<&'static str>,
    Option<(f64, f64)>,
);

pub const TREE: &[TreeRow] = &[
    (CITY, NodeKind::City, None, Some((119.0, 119.4))),
    (COUNTY, NodeKind::County, Some(CITY), Some((119.0, 119.4))),
    (
        TWP_A,
        NodeKind::Township,
        Some(COUNTY),
        Some((119.0, 119.2)),
    ),
    (
        TWP_B,
        NodeKind::Township,
        Some(COUNTY),
        Some((119.2, 119.4)),
    ),
    (VIL_A, NodeKind::Village, Some(TWP_A), Some((119.0, 119.2))),
    (VIL_B, NodeKind::Village, Some(TWP_B), Some((119.2, 119.4))),
    (GRID_A1, NodeKind::Grid, Some(VIL_A), Some((119.0, 119.1))),
    (GRID_A2, NodeKind::Grid, Some(VIL_A), Some((119.1, 119.2))),
    (GRID_B1, NodeKind::Grid, Some(VIL_B), Some((119.2, 119.3))),
    (DEPT_A, NodeKind::Department, Some(TWP_A), None),
    (DEPT_B, NodeKind::Department, Some(TWP_B), None),
    (DEPT_COUNTY, NodeKind::Department, Some(COUNTY), None),
];

/// (user name, role, node)
pub const STAFF: &[(&str, Role, &str)] = &[
    ("op_city", Role::Operator, CITY),
    ("op_a", Role::Operator, TWP_A),
    ("op_b", Role::Operator, TWP_B),
    ("gl_a", Role::GridLeader, VIL_A),
    ("gw_a1", Role::Worker, GRID_A1),
    ("gw_a2", Role::Worker, GRID_A2),
    ("gw_b1", Role::Worker, GRID_B1),
    ("dept_a", Role::DeptHandler, DEPT_A),
    ("dept_b", Role::DeptHandler, DEPT_B),
    ("dept_c", Role::DeptHandler, DEPT_COUNTY),
];

pub struct Fx {
    pub t: TestDb,
    pub keys: KeyRing,
    pub calendar: Calendar,
    pub rules: Rules,
    /// node code → path
    pub paths: HashMap<&'static str, String>,
    /// node code → id
    pub ids: HashMap<&'static str, i64>,
    /// user name → caller
    pub staff: HashMap<&'static str, (i64, Role, &'static str, NodeKind)>,
}

impl Fx {
    pub fn db(&self) -> &Db {
        &self.t.db
    }

    pub fn ctx(&self) -> EventCtx<'_> {
        EventCtx {
            keys: &self.keys,
            calendar: &self.calendar,
            rules: &self.rules,
            categories: Default::default(),
        }
    }

    pub fn path(&self, code: &str) -> String {
        self.paths[code].clone()
    }

    pub fn scope(&self, code: &str) -> Scope {
        Scope::of_path(&self.paths[code])
    }

    pub fn caller(&self, user: &str) -> Caller {
        let (id, role, node, kind) = self.staff[user];
        Caller {
            actor: Actor::Staff(Staff {
                user_id: id,
                role,
                node_kind: kind,
                node_code: node.to_string(),
            }),
            name: format!("用户{user}"),
            scope: self.scope(node),
        }
    }

    pub fn user_id(&self, user: &str) -> i64 {
        self.staff[user].0
    }

    pub async fn get(&self, scope: &Scope, number: &str) -> Result<EventRow, Error> {
        let mut c = self.db().conn().await.unwrap();
        events::get(&mut c.handle(), scope, number).await
    }

    pub async fn list(
        &self,
        code: &str,
        inbox: Inbox,
        filter: &ListFilter,
        now: i64,
    ) -> Vec<String> {
        let mut c = self.db().conn().await.unwrap();
        let filter = ListFilter {
            limit: if filter.limit == 0 { 100 } else { filter.limit },
            ..filter.clone()
        };
        events::list(&mut c.handle(), &self.scope(code), inbox, &filter, now)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.number)
            .collect()
    }

    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}");
        match self.db() {
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
}

pub async fn fixture() -> Fx {
    let t = testdb::fresh().await.expect("a fresh test database");
    let now = at("2025-01-02T09:00:00+08:00");
    let mut tx = t.db.begin().await.unwrap();
    let mut paths = HashMap::new();
    let mut ids = HashMap::new();
    for (code, kind, parent, xs) in TREE {
        let boundary = xs.map(|(a, b)| parse_geojson_str(&square(a, b)).unwrap());
        let n = nodes::create(
            &mut tx.handle(),
            &System::acting().scope(),
            "test",
            &nodes::NewNode {
                code: code.to_string(),
                kind: *kind,
                name: format!("节点{code}"),
                parent_code: parent.map(str::to_string),
                grid_kind: (*kind == NodeKind::Grid).then_some(GridKind::Basic),
                boundary,
                phone: None,
            },
            1.0,
            now,
        )
        .await
        .unwrap();
        paths.insert(*code, n.path);
        ids.insert(*code, n.id);
    }
    let mut staff = HashMap::new();
    for (name, role, node) in STAFF {
        let id = users::create_with_hash(
            &mut tx.handle(),
            name,
            &format!("用户{name}"),
            "not-a-real-hash",
            *role,
            ids[node],
            None,
            now,
        )
        .await
        .unwrap();
        let kind = TREE.iter().find(|r| r.0 == *node).unwrap().1;
        staff.insert(*name, (id, *role, *node, kind));
    }
    tx.commit().await.unwrap();
    let keys = KeyRing::from_text(&format!("k1 {}", auth::random_secret().unwrap())).unwrap();
    Fx {
        t,
        keys,
        calendar: Calendar::official(),
        rules: Rules::default(),
        paths,
        ids,
        staff,
    }
}

pub fn at(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 24 * HOUR;

pub fn resident() -> Caller {
    Caller {
        actor: Actor::Reporter { user_id: None },
        name: "群众".into(),
        scope: System::acting().scope(),
    }
}

impl Fx {
    /// A grid as the locate index answers it.
    pub fn grid(&self, code: &str) -> GridRef {
        GridRef {
            id: self.ids[code],
            code: code.to_string(),
            name: format!("节点{code}"),
            path: self.paths[code].clone(),
        }
    }

    /// A resident's report of `category` at a point located in grid A1.
    pub fn located(&self, category: &str, description: &str) -> ReportInput {
        ReportInput {
            source: Source::ResidentQr,
            category_code: category.into(),
            description: description.into(),
            lat: Some(IN_A1.0),
            lon: Some(IN_A1.1),
            address: Some("鼓楼区某路1号".into()),
            located_grid: Some(self.grid(GRID_A1)),
            chosen_grid: None,
            urgency: Urgency::Normal,
            reporter_name: None,
            reporter_phone: None,
            photos: Vec::new(),
            submission_key: None,
            handled_on_spot: None,
        }
    }
}

#[track_caller]
pub fn assert_err<T: std::fmt::Debug>(r: Result<T, Error>, code: &str, status: u16) {
    match r {
        Ok(v) => panic!("expected error {code}, got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.code, code, "unexpected error: {e:?}");
            assert_eq!(e.status, status, "unexpected status for {e:?}");
        }
    }
}

/// The smallest PNG there is (one pixel), for photos.
pub fn tiny_png() -> Vec<u8> {
    fn chunk(ty: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(ty);
        c.extend_from_slice(data);
        let crc = wangge_domain::photo::crc32(&c[4..]);
        c.extend_from_slice(&crc.to_be_bytes());
        c
    }
    let sig = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let ihdr = chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    let idat = chunk(
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0, 0, 0x00, 0x02, 0x00, 0x01,
        ],
    );
    let iend = chunk(b"IEND", &[]);
    [&sig[..], &ihdr, &idat, &iend].concat()
}
