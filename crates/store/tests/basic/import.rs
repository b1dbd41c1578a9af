//! Imports of people, houses and organisations: the three modes, and the speed of a large one.

use super::*;
use wangge_domain::System;

use wangge_store::basic::import::{HousesImport, Mode, OrgsImport, PeopleImport};

fn many(grid: &str, from: u32, n: u32) -> Vec<Person> {
    (from..from + n)
        .map(|i| {
            let birth =
                Date::from_days(Date::parse("1950-01-01").unwrap().days() + i64::from(i / 999))
                    .unwrap();
            let mut p = person(grid, &format!("周{i}"), 0);
            p.birth_date = birth;
            p.sex = if i % 999 % 2 == 1 {
                Sex::Male
            } else {
                Sex::Female
            };
            p.id_number = make_id_number("350102", birth, i % 999 + 1).into();
            p.phone = Some(format!("138{:08}", i).into());
            p.house = Some(HouseAddress {
                building: format!("{}", i / 200),
                unit: "1".into(),
                room: format!("{}", i % 50),
            });
            p.household_no = Some(format!("HH{}", i / 3));
            p
        })
        .collect()
}

async fn people_count(db: &Db) -> i64 {
    count(db, "SELECT CAST(COUNT(*) AS BIGINT) FROM people").await
}

#[tokio::test]
async fn import_modes() {
    let t = setup().await;
    let keys = ring1();
    let vil_a = scope_of(&t.db, VIL_A).await;
    let all = System::acting().scope();
    let existing = person(GRID_B1, "已登记", 777);
    insert(&t.db, &keys, &all, &existing).await.unwrap();
    let mut rows = many(GRID_1, 0, 1000);
    rows[500].grid_code = GRID_B1.into(); // outside the importer's village
    rows[600].grid_code = "350102001001099".into(); // no such grid
    rows[700].grid_code = VIL_A.into(); // not a grid
    rows[800].id_number = rows[10].id_number.clone(); // twice in the file
    rows[900].id_number = existing.id_number.clone(); // registered in grid B1, outside
    let run = |mode: Mode| {
        let (db, keys, rows, scope) = (t.db.clone(), keys.clone(), rows.clone(), vil_a.clone());
        async move {
            let mut imp = PeopleImport::begin(&db, &keys, &scope, &actor(), mode, now_ms())
                .await
                .unwrap();
            let mut refused_now = Vec::new();
            for (i, p) in rows.into_iter().enumerate() {
                if let Err(p) = imp.push(i as u64 + 2, p).await.unwrap() {
                    refused_now.push(p.row);
                }
            }
            (imp.finish().await.unwrap(), refused_now)
        }
    };
    let (s, now) = run(Mode::AllOrNothing).await;
    assert!(!s.committed);
    assert_eq!(now, vec![502, 602, 702, 802]);
    let codes: Vec<(u64, &str)> = s.problems.iter().map(|p| (p.row, p.code)).collect();
    assert_eq!(
        codes,
        vec![
            (502, "basic.out_of_scope"),
            (602, "basic.grid_unknown"),
            (702, "basic.not_a_grid"),
            (802, "basic.duplicate_in_file"),
            (902, "basic.registered_elsewhere"),
        ]
    );
    // Outside the importer's village: the row names no grid.
    assert!(
        !s.problems[4].message.contains(GRID_B1),
        "{}",
        s.problems[4].message
    );
    assert!(s.problems[3].message.contains("row 12"));
    assert_eq!(people_count(&t.db).await, 1, "all or nothing wrote nothing");
    assert_eq!(
        count(&t.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM houses").await,
        1,
        "only the existing person's house"
    );

    let (s, _) = run(Mode::DryRun).await;
    assert!(!s.committed);
    assert_eq!((s.inserted, s.problems.len()), (995, 5));
    assert_eq!(people_count(&t.db).await, 1);

    let (s, _) = run(Mode::GoodRowsOnly).await;
    assert!(s.committed);
    assert_eq!((s.inserted, s.problems.len()), (995, 5));
    assert_eq!(people_count(&t.db).await, 996);
    // Sealed under their own ids: every imported value opens through reveal.
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let f = people::Filter {
        q: Some(rows[999].id_number.expose().clone()),
        ..Default::default()
    };
    let found = people::list(h, &keys, &all, &f, None, 5).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].household_no.as_deref(), Some("HH333"));
    drop(c);
    let mut tx = t.db.begin().await.unwrap();
    let v = reveal_as_actor(
        &mut tx.handle(),
        &keys,
        &all,
        Secret::PersonPhone,
        found[0].id,
        "check import",
    )
    .await
    .unwrap();
    assert_eq!(Some(v), rows[999].phone);
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let counts = basic::counts(h, &keys, &all, vil_a.path()).await.unwrap();
    assert_eq!(counts.people, 995);
    assert_eq!(counts.households, 334);
    let imports = audit_rows(h, "import", 10).await;
    assert_eq!(imports.len(), 1);
    assert_eq!(audit::verify(h).await.unwrap().1, vec![]);
    drop(c);

    // Houses and organisations.
    let house = |room: &str, grid: &str| House {
        grid_code: grid.into(),
        address: HouseAddress {
            building: "0".into(),
            unit: "1".into(),
            room: room.into(),
        },
        use_kind: HouseUse::Rented,
        owner_name: "业主".into(),
        owner_phone: Some("13600000000".into()),
        area_m2: None,
        point: None,
        rental: None,
    };
    let mut imp = HousesImport::begin(&t.db, &keys, &vil_a, &actor(), Mode::GoodRowsOnly, now_ms())
        .await
        .unwrap();
    imp.push(2, house("1", GRID_1)).await.unwrap().unwrap(); // a placeholder from the people import
    imp.push(3, house("new", GRID_1)).await.unwrap().unwrap();
    assert_eq!(
        imp.push(4, house("new", GRID_1))
            .await
            .unwrap()
            .unwrap_err()
            .code,
        "basic.duplicate_in_file"
    );
    assert_eq!(
        imp.push(5, house("x", GRID_B1))
            .await
            .unwrap()
            .unwrap_err()
            .code,
        "basic.out_of_scope"
    );
    let s = imp.finish().await.unwrap();
    assert_eq!(
        (s.inserted, s.updated, s.problems.len(), s.committed),
        (1, 1, 2, true)
    );
    let mut imp = HousesImport::begin(&t.db, &keys, &vil_a, &actor(), Mode::AllOrNothing, now_ms())
        .await
        .unwrap();
    assert_eq!(
        imp.push(2, house("1", GRID_1))
            .await
            .unwrap()
            .unwrap_err()
            .code,
        "basic.duplicate_house"
    );
    assert!(!imp.finish().await.unwrap().committed);

    let org = |name: &str, code: Option<&str>| Org {
        grid_code: GRID_1.into(),
        name: name.into(),
        kind: OrgKind::Shop,
        credit_code: code.map(str::to_string),
        contact_name: "店主".into(),
        contact_phone: Some("13500000000".into()),
        address: "街1号".into(),
        safety_grade: None,
        env_grade: None,
        key_supervised: false,
    };
    let mut imp = OrgsImport::begin(&t.db, &keys, &vil_a, &actor(), Mode::GoodRowsOnly, now_ms())
        .await
        .unwrap();
    imp.push(2, org("甲", Some("91350100M000100Y43")))
        .await
        .unwrap()
        .unwrap();
    imp.push(3, org("乙", None)).await.unwrap().unwrap();
    assert!(
        imp.push(4, org("丙", Some("91350100M000100Y43")))
            .await
            .unwrap()
            .is_err()
    );
    let s = imp.finish().await.unwrap();
    assert_eq!((s.inserted, s.problems.len()), (2, 1));
    let mut imp = OrgsImport::begin(&t.db, &keys, &vil_a, &actor(), Mode::GoodRowsOnly, now_ms())
        .await
        .unwrap();
    imp.push(2, org("丁", Some("91350100M000100Y43")))
        .await
        .unwrap()
        .unwrap();
    let s = imp.finish().await.unwrap();
    assert_eq!(
        (s.inserted, s.problems[0].code),
        (0, "basic.duplicate_credit_code")
    );
}

/// A rough timing, not a test: the import against a bare multi-row INSERT of the same rows,
/// all 26 columns, values sealed beforehand, in batches of the same size, one transaction.
/// `cargo test -p wangge-store --test basic import_speed -- --ignored --nocapture`
#[tokio::test]
#[ignore]
async fn import_speed() {
    use wangge_store::seal::{Aad, mask_id, mask_phone};
    enum V {
        I(i64),
        S(String),
        N,
        B(bool),
    }
    let n: u32 = std::env::var("IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let keys = ring1();
    let all = System::acting().scope();
    let mut rows = many(GRID_1, 0, n);
    if std::env::var("NO_PLACES").is_ok() {
        for r in &mut rows {
            r.house = None;
            r.household_no = None;
        }
    }

    let t = setup().await;
    let grid = nodes::by_code(&mut t.db.conn().await.unwrap().handle(), &all, GRID_1)
        .await
        .unwrap();
    let now = now_ms();
    let prep = std::time::Instant::now();
    let values: Vec<Vec<V>> = rows
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let id = (i + 1).to_string();
            let phone = p.phone.as_ref().unwrap().expose();
            vec![
                V::I(i as i64 + 1),
                V::I(grid.id),
                V::S(grid.path.clone()),
                V::S(p.name.clone()),
                V::S(String::new()),
                V::S(p.sex.as_str().into()),
                V::I(i64::from(p.birth_date.year())),
                V::S(
                    keys.seal(p.id_number.expose(), &Aad::new("people", "id_number", &id))
                        .unwrap(),
                ),
                V::S(keys.blind_index("id_number", p.id_number.expose())),
                V::S(mask_id(p.id_number.expose())),
                V::S(keys.seal(phone, &Aad::new("people", "phone", &id)).unwrap()),
                V::S(keys.blind_index("phone", phone)),
                V::S(mask_phone(phone)),
                V::S(p.ethnic.clone()),
                V::S(p.registered_address.clone()),
                V::S(p.residence.as_str().into()),
                V::N,
                V::N,
                V::B(p.party_member),
                V::S("senior".into()),
                V::S("教师".into()),
                V::N,
                V::N,
                V::S("head".into()),
                V::I(now),
                V::I(now),
            ]
        })
        .collect();
    println!(
        "sealing and indexing {n} rows beforehand: {:.2}s",
        prep.elapsed().as_secs_f64()
    );
    let started = std::time::Instant::now();
    let mut tx = t.db.begin().await.unwrap();
    let cols = "id, grid_id, path, name, name_initials, sex, birth_year, id_sealed, id_index, id_masked, \
        phone_sealed, phone_index, phone_masked, ethnic, registered_address, residence, arrived_on, left_on, party_member, \
        education, occupation, house_id, household_id, relation, created_at, updated_at";
    for chunk in values.chunks(wangge_store::basic::import::BATCH) {
        let ph = if t.db.is_postgres() {
            (0..chunk.len())
                .map(|r| {
                    format!(
                        "({})",
                        (1..=26)
                            .map(|c| format!("${}", r * 26 + c))
                            .collect::<Vec<_>>()
                            .join(",")
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        } else {
            vec![format!("({})", vec!["?"; 26].join(",")); chunk.len()].join(",")
        };
        let sql = format!("INSERT INTO people ({cols}) VALUES {ph}");
        macro_rules! run {
            ($c:expr) => {{
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for row in chunk {
                    for v in row {
                        q = match v {
                            V::I(x) => q.bind(*x),
                            V::S(x) => q.bind(x.as_str()),
                            V::N => q.bind(None::<i64>),
                            V::B(b) => q.bind(*b),
                        };
                    }
                }
                q.execute(&mut **$c).await.unwrap();
            }};
        }
        on_both!(&mut tx.handle(), c => run!(c))
    }
    tx.commit().await.unwrap();
    let bare = started.elapsed();
    drop(t);

    let t = setup().await;
    let started = std::time::Instant::now();
    let mut imp = PeopleImport::begin(&t.db, &keys, &all, &actor(), Mode::AllOrNothing, now_ms())
        .await
        .unwrap();
    for (i, p) in rows.into_iter().enumerate() {
        imp.push(i as u64, p).await.unwrap().unwrap();
    }
    let s = imp.finish().await.unwrap();
    let import = started.elapsed();
    assert_eq!(s.inserted, u64::from(n));
    println!(
        "{n} people: bare insert {:.2}s ({:.0}/s), import {:.2}s ({:.0}/s), import speed / bare = {:.2}",
        bare.as_secs_f64(),
        f64::from(n) / bare.as_secs_f64(),
        import.as_secs_f64(),
        f64::from(n) / import.as_secs_f64(),
        bare.as_secs_f64() / import.as_secs_f64()
    );
}
