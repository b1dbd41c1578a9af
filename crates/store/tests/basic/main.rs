//! Basic information in the store, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL: sealing
//! at rest, scope, reveal with its audit row, the audit chain, duplicates, import, re-sealing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wangge_domain::System;
use wangge_domain::basic::ident::make_id_number;
use wangge_domain::basic::{
    Condition, Education, House, HouseAddress, HouseUse, KeyGroup, Object, ObjectKind, Org,
    OrgKind, Person, PersonTag, Relation, Residence, Sex,
};
use wangge_domain::calendar::Date;
use wangge_domain::geometry::{self, MultiPolygon};
use wangge_domain::{GridKind, NodeKind, Scope, Sensitive};
use wangge_store::basic::{self, Actor, Secret, houses, objects, orgs, people};
use wangge_store::nodes::{self, NewNode};
use wangge_store::seal::KeyRing;
use wangge_store::testdb::{self, TestDb};
use wangge_store::{Db, Handle, audit, now_ms};

/// Runs `$body` with `$c` bound to whichever database's connection the handle holds (the
/// store's `on_conn!`, under the name these tests know).
macro_rules! on_both {
    ($h:expr, $c:ident => $body:expr) => {
        wangge_store::on_conn!($h, $c => $body)
    };
}

const CITY: &str = "350100000000";
const COUNTY: &str = "350102000000";
const TWP_A: &str = "350102001000";
const VIL_A: &str = "350102001001";
const VIL_B: &str = "350102001002";
const GRID_1: &str = "350102001001001";
const GRID_2: &str = "350102001001002";
const GRID_B1: &str = "350102001002001";

pub const K1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
pub const K2: &str = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
pub const IDX: &str = "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";

fn ring1() -> KeyRing {
    KeyRing::from_text(&format!("index {IDX}\nk1 {K1}")).unwrap()
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    let j = serde_json::json!({
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]
    });
    geometry::parse_geojson_str(&j.to_string()).unwrap()
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

fn grid(code: &str, parent: &str, b: MultiPolygon<f64>) -> NewNode {
    NewNode {
        grid_kind: Some(GridKind::Basic),
        boundary: Some(b),
        ..node(code, NodeKind::Grid, Some(parent))
    }
}

async fn setup() -> TestDb {
    let t = testdb::fresh().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let all = System::acting().scope();
    for n in [
        node(CITY, NodeKind::City, None),
        node(COUNTY, NodeKind::County, Some(CITY)),
        node(TWP_A, NodeKind::Township, Some(COUNTY)),
        node(VIL_A, NodeKind::Village, Some(TWP_A)),
        node(VIL_B, NodeKind::Village, Some(TWP_A)),
        grid(GRID_1, VIL_A, square(119.30, 26.08, 119.31, 26.09)),
        grid(GRID_2, VIL_A, square(119.31, 26.08, 119.32, 26.09)),
        grid(GRID_B1, VIL_B, square(119.40, 26.08, 119.41, 26.09)),
    ] {
        nodes::create(h, &all, "builder", &n, 1.0, now_ms())
            .await
            .unwrap_or_else(|e| panic!("creating {}: {e}", n.code));
    }
    drop(c);
    t
}

async fn scope_of(db: &Db, code: &str) -> Scope {
    let mut c = db.conn().await.unwrap();
    let n = nodes::by_code(&mut c.handle(), &System::acting().scope(), code)
        .await
        .unwrap();
    Scope::of_path(&n.path)
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn person(grid: &str, name: &str, seq: u32) -> Person {
    let birth = date("1985-03-07");
    Person {
        grid_code: grid.to_string(),
        name: name.to_string(),
        sex: if seq % 2 == 1 { Sex::Male } else { Sex::Female },
        birth_date: birth,
        id_number: make_id_number("350102", birth, seq).into(),
        phone: Some(format!("1391234{:04}", seq % 10_000).into()),
        ethnic: "汉族".into(),
        registered_address: "福州市鼓楼区".into(),
        residence: Residence::Registered,
        arrived_on: None,
        left_on: None,
        party_member: false,
        education: Some(Education::Senior),
        occupation: Some("教师".into()),
        house: Some(HouseAddress {
            building: "3".into(),
            unit: "2".into(),
            room: format!("{}", 100 + seq % 7),
        }),
        household_no: Some(format!("H{}", seq % 5)),
        relation: Some(Relation::Head),
    }
}

fn actor() -> Actor {
    Actor::user(1, "张网格员")
}

fn assert_code<T: std::fmt::Debug>(
    r: Result<T, wangge_domain::Error>,
    code: &str,
) -> wangge_domain::Error {
    let e = r.expect_err("expected an error");
    assert_eq!(e.code, code, "{e:?}");
    e
}

async fn count(db: &Db, sql: &str) -> i64 {
    let mut c = db.conn().await.unwrap();
    on_both!(&mut c.handle(), c => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut **c)
        .await
        .unwrap())
}

async fn exec(db: &Db, sql: &str) {
    let mut c = db.conn().await.unwrap();
    on_both!(&mut c.handle(), c => {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut **c)
            .await
            .unwrap();
    })
}

/// Reveals as the test actor, who may.
async fn reveal_as_actor(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    secret: Secret,
    id: i64,
    reason: &str,
) -> Result<Sensitive<String>, wangge_domain::Error> {
    basic::reveal(h, keys, scope, &actor(), true, secret, id, reason, now_ms()).await
}

/// The newest audit rows of one action.
async fn audit_rows(h: &mut Handle<'_>, action: &str, n: i64) -> Vec<audit::AuditRow> {
    let f = audit::Filter {
        action: Some(action.into()),
        ..Default::default()
    };
    audit::search(h, &f, None, n).await.unwrap()
}

/// A rented house with an owner's and a tenant's phone.
fn rented_house(grid: &str, building: &str, room: &str, owner: &str, tenant: &str) -> House {
    House {
        grid_code: grid.into(),
        address: HouseAddress {
            building: building.into(),
            unit: "1".into(),
            room: room.into(),
        },
        use_kind: HouseUse::Rented,
        owner_name: "业主".into(),
        owner_phone: Some(owner.into()),
        area_m2: None,
        point: None,
        rental: Some(wangge_domain::basic::Rental {
            tenant_name: "租客".into(),
            tenant_phone: Some(tenant.into()),
            start: date("2024-01-01"),
            end: None,
        }),
    }
}

async fn insert(
    db: &Db,
    keys: &KeyRing,
    scope: &Scope,
    p: &Person,
) -> Result<i64, wangge_domain::Error> {
    let mut tx = db.begin().await?;
    let id = people::insert(&mut tx.handle(), keys, scope, &actor(), p, now_ms()).await?;
    tx.commit().await?;
    Ok(id)
}

#[tokio::test]
async fn people_crud_scope_and_counts() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let g1 = scope_of(&t.db, GRID_1).await;
    let gb = scope_of(&t.db, GRID_B1).await;
    let vil_a = scope_of(&t.db, VIL_A).await;

    let p1 = person(GRID_1, "张三", 11);
    let id1 = insert(&t.db, &keys, &g1, &p1).await.unwrap();
    let id2 = insert(&t.db, &keys, &all, &person(GRID_B1, "李四", 12))
        .await
        .unwrap();
    // A worker cannot register into another grid, nor into a village.
    assert_code(
        insert(&t.db, &keys, &g1, &person(GRID_B1, "王五", 13)).await,
        "basic.grid_unknown",
    );
    assert_code(
        insert(&t.db, &keys, &all, &person(VIL_A, "王五", 13)).await,
        "basic.not_a_grid",
    );

    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let row = people::get(h, &g1, id1).await.unwrap();
    assert_eq!(row.name, "张三");
    assert_eq!(row.grid_code, GRID_1);
    assert_eq!(
        row.id_masked,
        wangge_store::seal::mask_id(p1.id_number.expose())
    );
    assert_ne!(&row.id_masked, p1.id_number.expose());
    assert_eq!(row.phone_masked.as_deref(), Some("139****0011"));
    assert_eq!(row.house_address.as_deref(), Some("3栋2单元104室"));
    assert_eq!(row.household_no.as_deref(), Some("H1"));
    // Out of scope: not found, and not in lists.
    assert_eq!(people::get(h, &gb, id1).await.unwrap_err().status, 404);
    assert_eq!(people::get(h, &g1, id2).await.unwrap_err().status, 404);
    let listed = people::list(h, &keys, &gb, &people::Filter::default(), None, 50)
        .await
        .unwrap();
    assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id2]);
    // `under` outside the scope gives nothing; inside narrows.
    let f = people::Filter {
        under: Some(vil_a.path().into()),
        ..Default::default()
    };
    assert!(
        people::list(h, &keys, &gb, &f, None, 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        people::list(h, &keys, &all, &f, None, 50)
            .await
            .unwrap()
            .len(),
        1
    );
    // Search: name prefix, pinyin initials, exact ID number, exact phone.
    for q in [
        "张",
        "zs",
        "ZS",
        p1.id_number.expose().as_str(),
        &p1.id_number.expose().to_lowercase(),
        "13912340011",
    ] {
        let f = people::Filter {
            q: Some(q.into()),
            ..Default::default()
        };
        let r = people::list(h, &keys, &all, &f, None, 50).await.unwrap();
        assert_eq!(r.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id1], "{q}");
    }
    let f = people::Filter {
        q: Some("李".into()),
        ..Default::default()
    };
    assert_eq!(
        people::list(h, &keys, &g1, &f, None, 50)
            .await
            .unwrap()
            .len(),
        0
    );
    drop(c);

    // Paging by id.
    for i in 0..5 {
        insert(
            &t.db,
            &keys,
            &g1,
            &person(GRID_1, &format!("赵{i}"), 20 + i),
        )
        .await
        .unwrap();
    }
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let page1 = people::list(h, &keys, &g1, &people::Filter::default(), None, 4)
        .await
        .unwrap();
    let page2 = people::list(
        h,
        &keys,
        &g1,
        &people::Filter::default(),
        page1.last().map(|r| r.id),
        4,
    )
    .await
    .unwrap();
    assert_eq!(page1.len(), 4);
    assert_eq!(page2.len(), 2);
    assert!(page2[0].id > page1[3].id);

    // Counts come from the rollup and follow tags and removal.
    let counts = basic::counts(h, &keys, &all, vil_a.path()).await.unwrap();
    assert_eq!(counts.people, 6);
    assert_eq!(counts.by_residence, vec![(Residence::Registered, 6)]);
    assert!(
        counts.households >= 1 && counts.households <= 5,
        "{counts:?}"
    );
    assert_eq!(
        basic::counts(h, &keys, &g1, vil_a.path())
            .await
            .unwrap()
            .people,
        6
    );
    assert_eq!(
        basic::counts(h, &keys, &gb, vil_a.path())
            .await
            .unwrap_err()
            .status,
        404
    );
    drop(c);

    let mut tx = t.db.begin().await.unwrap();
    let tag = PersonTag {
        group: KeyGroup::Disabled,
        since: date("2024-01-01"),
        until: None,
    };
    let tag_id = people::add_tag(&mut tx.handle(), &keys, &g1, &actor(), id1, &tag, now_ms())
        .await
        .unwrap();
    assert_code(
        people::add_tag(&mut tx.handle(), &keys, &g1, &actor(), id1, &tag, now_ms()).await,
        "basic.duplicate_tag",
    );
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let tags = people::tags(h, &keys, &g1, id1).await.unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].group, "disabled");
    assert_eq!(tags[0].id, tag_id);
    let f = people::Filter {
        tag: Some(KeyGroup::Disabled),
        ..Default::default()
    };
    assert_eq!(
        people::list(h, &keys, &all, &f, None, 50)
            .await
            .unwrap()
            .len(),
        1
    );
    let c1 = basic::counts(h, &keys, &all, vil_a.path()).await.unwrap();
    assert_eq!(c1.by_tag, vec![(KeyGroup::Disabled, 1)]);
    drop(c);

    // Update keeps the before in the history; moving grid moves the counts.
    let mut moved = p1.clone();
    moved.grid_code = GRID_2.into();
    moved.residence = Residence::Floating;
    let mut tx = t.db.begin().await.unwrap();
    people::update(
        &mut tx.handle(),
        &keys,
        &vil_a,
        &actor(),
        id1,
        &moved,
        now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    assert_eq!(people::get(h, &g1, id1).await.unwrap_err().status, 404);
    let g2 = scope_of(&t.db, GRID_2).await;
    assert_eq!(
        people::get(h, &g2, id1).await.unwrap().residence,
        "floating"
    );
    let c2 = basic::counts(h, &keys, &all, g2.path()).await.unwrap();
    assert_eq!(
        (c2.people, c2.by_tag.clone()),
        (1, vec![(KeyGroup::Disabled, 1)])
    );
    let hist = basic::history::of(h, &all, basic::history::Table::People, id1)
        .await
        .unwrap();
    assert_eq!(
        hist.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        ["create", "update"]
    );
    let before = hist[1].before_json.as_deref().unwrap();
    assert!(before.contains(GRID_1) && before.contains("\"id_sealed\":\"v1:k1:"));
    assert!(
        !before.contains(p1.id_number.expose()),
        "history keeps the ID sealed"
    );
    drop(c);

    let mut tx = t.db.begin().await.unwrap();
    people::remove(&mut tx.handle(), &vil_a, &actor(), id1, now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let c3 = basic::counts(h, &keys, &all, vil_a.path()).await.unwrap();
    assert_eq!((c3.people, c3.by_tag.len()), (5, 0));
    assert!(
        people::get(h, &all, id1)
            .await
            .unwrap()
            .removed_at
            .is_some()
    );
    assert!(
        people::list(h, &keys, &g2, &people::Filter::default(), None, 50)
            .await
            .unwrap()
            .is_empty()
    );
    // The history cannot be rewritten.
    drop(c);
    let mut c = t.db.conn().await.unwrap();
    let r = on_both!(&mut c.handle(), c => sqlx::query("DELETE FROM record_history")
        .execute(&mut **c)
        .await
        .map(|_| ()));
    assert!(r.is_err());
}

#[tokio::test]
async fn duplicate_id_is_refused_naming_the_grid() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let p = person(GRID_1, "张三", 31);
    insert(&t.db, &keys, &all, &p).await.unwrap();
    let mut again = person(GRID_B1, "张三", 31);
    again.name = "别人".into();
    let e = assert_code(
        insert(&t.db, &keys, &all, &again).await,
        "basic.duplicate_id",
    );
    assert_eq!(e.status, 409);
    assert!(e.message.contains(GRID_1), "{}", e.message);
    // A worker who cannot see grid 1 learns only that the number is registered elsewhere
    // (see `transfer.rs`).
    let gb = scope_of(&t.db, GRID_B1).await;
    let e = assert_code(
        insert(&t.db, &keys, &gb, &again).await,
        "basic.registered_elsewhere",
    );
    assert!(!e.message.contains(GRID_1));
    assert_eq!(
        count(&t.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM people").await,
        1
    );
}

#[tokio::test]
async fn reveal_writes_one_audit_row_and_the_chain_detects_edits() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let g1 = scope_of(&t.db, GRID_1).await;
    let gb = scope_of(&t.db, GRID_B1).await;
    let p = person(GRID_1, "张三", 41);
    let id = insert(&t.db, &keys, &g1, &p).await.unwrap();

    let reveal = |scope: Scope, may: bool, secret: Secret, reason: &'static str| {
        let db = t.db.clone();
        let keys = keys.clone();
        async move {
            let mut tx = db.begin().await?;
            let v = basic::reveal(
                &mut tx.handle(),
                &keys,
                &scope,
                &actor(),
                may,
                secret,
                id,
                reason,
                now_ms(),
            )
            .await?;
            tx.commit().await?;
            Ok::<_, wangge_domain::Error>(v)
        }
    };
    let audits = || count(&t.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log");
    assert_eq!(
        reveal(g1.clone(), true, Secret::PersonIdNumber, "上门核实身份")
            .await
            .unwrap(),
        p.id_number
    );
    assert_eq!(audits().await, 1);
    assert_eq!(
        reveal(g1.clone(), true, Secret::PersonPhone, "phone call")
            .await
            .unwrap(),
        p.phone.clone().unwrap()
    );
    assert_eq!(audits().await, 2);
    // Refusals write nothing.
    assert_eq!(
        reveal(g1.clone(), false, Secret::PersonPhone, "phone call")
            .await
            .unwrap_err()
            .status,
        403
    );
    assert_code(
        reveal(g1.clone(), true, Secret::PersonPhone, " ab ").await,
        "basic.reason_required",
    );
    assert_eq!(
        reveal(gb.clone(), true, Secret::PersonPhone, "phone call")
            .await
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(audits().await, 2);

    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let rows = audit_rows(h, "reveal", 10).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].column_name.as_deref(), Some("phone"));
    assert_eq!(rows[1].reason, "上门核实身份");
    assert_eq!(rows[1].subject_id, Some(id));
    let f = audit::Filter {
        actor_user_id: Some(99),
        ..Default::default()
    };
    assert!(audit::search(h, &f, None, 10).await.unwrap().is_empty());
    assert_eq!(audit::verify(h).await.unwrap(), (2, vec![]));
    drop(c);
    // A third row, then edit the second with the guard switched off.
    reveal(all.clone(), true, Secret::PersonIdNumber, "third time")
        .await
        .unwrap();
    if t.db.is_postgres() {
        exec(&t.db, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; \
            UPDATE audit_log SET reason = 'nothing to see' WHERE id = (SELECT MIN(id) + 1 FROM audit_log); \
            ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only").await;
    } else {
        exec(&t.db, "DROP TRIGGER audit_log_no_update; \
            UPDATE audit_log SET reason = 'nothing to see' WHERE id = (SELECT MIN(id) + 1 FROM audit_log)").await;
    }
    let mut c = t.db.conn().await.unwrap();
    let (checked, breaks) = audit::verify(&mut c.handle()).await.unwrap();
    assert_eq!(checked, 3);
    assert_eq!(breaks.len(), 1, "{breaks:?}");
    drop(c);
    // Deleting a middle row breaks the link of the next.
    if t.db.is_postgres() {
        exec(
            &t.db,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; \
            DELETE FROM audit_log WHERE id = (SELECT MIN(id) FROM audit_log); \
            ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
        )
        .await;
    } else {
        exec(&t.db, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = (SELECT MIN(id) FROM audit_log)").await;
    }
    let mut c = t.db.conn().await.unwrap();
    let (checked, breaks) = audit::verify(&mut c.handle()).await.unwrap();
    assert_eq!(checked, 2);
    assert!(
        breaks.iter().any(|b| b.reason.contains("link")),
        "{breaks:?}"
    );
}

#[tokio::test]
async fn no_id_number_or_phone_in_clear_on_disk() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let mut plain = Vec::new();
    for i in 0..30u32 {
        let p = person(GRID_1, &format!("钱{i}"), 100 + i);
        plain.push(p.id_number.expose().clone());
        plain.push(p.phone.clone().unwrap().into_inner());
        insert(&t.db, &keys, &all, &p).await.unwrap();
    }
    let mut tx = t.db.begin().await.unwrap();
    let house = rented_house(GRID_1, "9", "101", "13700001111", "13700002222");
    let hid = houses::insert(&mut tx.handle(), &keys, &all, &actor(), &house, now_ms())
        .await
        .unwrap();
    plain.push("13700001111".into());
    plain.push("13700002222".into());
    let org = Org {
        grid_code: GRID_1.into(),
        name: "某公司".into(),
        kind: OrgKind::Enterprise,
        credit_code: None,
        contact_name: "联系人".into(),
        contact_phone: Some("13700003333".into()),
        address: "某路1号".into(),
        safety_grade: None,
        env_grade: None,
        key_supervised: true,
    };
    let oid = orgs::insert(&mut tx.handle(), &keys, &all, &actor(), &org, now_ms())
        .await
        .unwrap();
    plain.push("13700003333".into());
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    assert_eq!(
        houses::get(h, &all, hid)
            .await
            .unwrap()
            .owner_phone_masked
            .as_deref(),
        Some("137****1111")
    );
    assert_eq!(
        orgs::get(h, &all, oid)
            .await
            .unwrap()
            .contact_phone_masked
            .as_deref(),
        Some("137****3333")
    );
    drop(c);

    if t.db.is_postgres() {
        // The server's files are not ours to read: check every text column instead.
        let mut c = t.db.conn().await.unwrap();
        if let wangge_store::Handle::Postgres(c) = &mut c.handle() {
            for table in ["people", "houses", "orgs", "record_history", "audit_log"] {
                let dump: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT CAST(t AS TEXT) FROM {table} t"
                )))
                .fetch_all(&mut **c)
                .await
                .unwrap();
                let all_text = dump.join("\n");
                for p in &plain {
                    assert!(!all_text.contains(p.as_str()), "{p} in clear in {table}");
                }
            }
        }
        return;
    }
    let path = t.url.strip_prefix("sqlite://").unwrap().to_string();
    let mut total = 0;
    for suffix in ["", "-wal"] {
        let bytes = std::fs::read(format!("{path}{suffix}")).unwrap_or_default();
        total += bytes.len();
        for p in &plain {
            assert!(
                !bytes.windows(p.len()).any(|w| w == p.as_bytes()),
                "{p} in clear in the db file{suffix}"
            );
        }
    }
    assert!(total > 8192, "the data is somewhere");
    // After a checkpoint too. The server's own checkpointer may hold the checkpoint for a
    // moment, which makes this one answer "busy": ask again until it has run to the end.
    let Db::Sqlite(pool) = &t.db else {
        panic!("PostgreSQL returned above")
    };
    let mut busy = 1;
    for _ in 0..100 {
        let (b, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(pool)
            .await
            .unwrap();
        busy = b;
        if busy == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(busy, 0, "the checkpoint ran to the end");
    let bytes = std::fs::read(&path).unwrap();
    for p in &plain {
        assert!(
            !bytes.windows(p.len()).any(|w| w == p.as_bytes()),
            "{p} in clear after checkpoint"
        );
    }
    // The test can fail: the names are there in clear.
    assert!(bytes.windows("钱1".len()).any(|w| w == "钱1".as_bytes()));
}

#[tokio::test]
async fn houses_orgs_objects() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let g1 = scope_of(&t.db, GRID_1).await;
    let gb = scope_of(&t.db, GRID_B1).await;
    // A person creates a placeholder house; entering the house fills it in.
    let pid = insert(&t.db, &keys, &g1, &person(GRID_1, "孙一", 51))
        .await
        .unwrap();
    let mut c = t.db.conn().await.unwrap();
    let placeholder = people::get(&mut c.handle(), &g1, pid)
        .await
        .unwrap()
        .house_id
        .unwrap();
    drop(c);
    let house = House {
        grid_code: GRID_1.into(),
        address: HouseAddress {
            building: "3".into(),
            unit: "2".into(),
            room: "102".into(),
        },
        use_kind: HouseUse::SelfOccupied,
        owner_name: "孙一".into(),
        owner_phone: Some("13800001234".into()),
        area_m2: Some(90.5),
        point: Some((119.305, 26.085)),
        rental: None,
    };
    let mut tx = t.db.begin().await.unwrap();
    let hid = houses::insert(&mut tx.handle(), &keys, &g1, &actor(), &house, now_ms())
        .await
        .unwrap();
    assert_eq!(hid, placeholder);
    assert_code(
        houses::insert(&mut tx.handle(), &keys, &g1, &actor(), &house, now_ms()).await,
        "basic.duplicate_house",
    );
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let row = houses::get(h, &g1, hid).await.unwrap();
    assert_eq!((row.occupants, row.owner_name.as_str()), (1, "孙一"));
    assert_eq!(houses::get(h, &gb, hid).await.unwrap_err().status, 404);
    let f = houses::Filter {
        q: Some("2单元".into()),
        ..Default::default()
    };
    assert_eq!(houses::list(h, &all, &f, None, 10).await.unwrap().len(), 1);
    assert!(houses::list(h, &gb, &f, None, 10).await.unwrap().is_empty());
    assert_eq!(
        houses::occupants(h, &keys, &g1, hid).await.unwrap()[0].id,
        pid
    );
    drop(c);

    let mut tx = t.db.begin().await.unwrap();
    let revealed = reveal_as_actor(
        &mut tx.handle(),
        &keys,
        &g1,
        Secret::HouseOwnerPhone,
        hid,
        "call the owner",
    )
    .await
    .unwrap();
    assert_eq!(revealed.expose(), "13800001234");
    let shown = format!("{revealed:?} {revealed}");
    assert!(
        !shown.contains("1234"),
        "a revealed value never prints: {shown}"
    );
    let org = Org {
        grid_code: GRID_1.into(),
        name: "福州某某科技有限公司".into(),
        kind: OrgKind::Enterprise,
        credit_code: Some("91350100M000100Y43".into()),
        contact_name: "周经理".into(),
        contact_phone: Some("13800005678".into()),
        address: "某路2号".into(),
        safety_grade: None,
        env_grade: None,
        key_supervised: false,
    };
    let oid = orgs::insert(&mut tx.handle(), &keys, &g1, &actor(), &org, now_ms())
        .await
        .unwrap();
    let mut twin = org.clone();
    twin.grid_code = GRID_B1.into();
    assert_code(
        orgs::insert(&mut tx.handle(), &keys, &all, &actor(), &twin, now_ms()).await,
        "basic.duplicate_credit_code",
    );
    let obj = Object {
        grid_code: GRID_1.into(),
        code: "XFS-0001".into(),
        kind: ObjectKind::Hydrant,
        point: (119.301, 26.081),
        condition: Condition::Good,
        note: None,
    };
    let obj_id = objects::insert(&mut tx.handle(), &g1, &actor(), &obj, now_ms())
        .await
        .unwrap();
    let mut broken = obj.clone();
    broken.condition = Condition::Damaged;
    objects::update(&mut tx.handle(), &g1, &actor(), obj_id, &broken, now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let f = orgs::Filter {
        q: Some("福州".into()),
        ..Default::default()
    };
    assert_eq!(orgs::list(h, &g1, &f, None, 10).await.unwrap()[0].id, oid);
    let f = objects::Filter {
        condition: Some(Condition::Damaged),
        ..Default::default()
    };
    assert_eq!(
        objects::list(h, &all, &f, None, 10).await.unwrap()[0].id,
        obj_id
    );
    assert_eq!(objects::get(h, &gb, obj_id).await.unwrap_err().status, 404);
    let c1 = basic::counts(h, &keys, &all, g1.path()).await.unwrap();
    assert_eq!((c1.houses, c1.orgs, c1.objects, c1.people), (1, 1, 1, 1));
}

mod import;
mod paging;
mod privacy;
mod sealing;
mod transfer;
