//! What the database file tells without the key ring: the clear columns of people (grid path,
//! sex, birth year, ID mask) leave at least 10,000 ID numbers for each person, and migration 12
//! rewrites rows and history written before it (on SQLite, leaving no old value in the file).

use super::*;
use wangge_domain::basic::ident::fitting_id_numbers;

/// The county's division code from a grid's materialised path (`/…/350102…/`): the first six
/// digits of the grid's code, the last segment.
fn region_of(path: &str) -> String {
    let grid = path.trim_end_matches('/').rsplit('/').next().unwrap();
    grid[..6].to_string()
}

#[tokio::test]
async fn stored_columns_leave_ten_thousand_id_numbers_per_person() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let mut born = Vec::new();
    for (i, (y, m, d)) in [(1950, 1, 1), (1985, 3, 7), (2000, 2, 29), (2016, 12, 31)]
        .into_iter()
        .enumerate()
    {
        let birth = Date::new(y, m, d).unwrap();
        let seq = 101 + i as u32;
        let p = Person {
            birth_date: birth,
            id_number: make_id_number("350102", birth, seq).into(),
            sex: if seq % 2 == 1 { Sex::Male } else { Sex::Female },
            ..person(GRID_1, &format!("周{i}"), seq)
        };
        insert(&t.db, &keys, &all, &p).await.unwrap();
        born.push((birth, p.id_number.expose().clone()));
    }
    // Every clear column of the table, as someone holding only the file reads it.
    let mut c = t.db.conn().await.unwrap();
    let rows: Vec<(String, String, i64, String)> = on_both!(&mut c.handle(), c => {
        sqlx::query_as("SELECT path, sex, birth_year, id_masked FROM people ORDER BY id")
            .fetch_all(&mut **c)
            .await
            .unwrap()
    });
    let text: Vec<String> = on_both!(&mut c.handle(), c => {
        sqlx::query_scalar("SELECT name || sex || CAST(birth_year AS TEXT) || id_masked || path || registered_address FROM people")
            .fetch_all(&mut **c)
            .await
            .unwrap()
    });
    assert_eq!(rows.len(), born.len());
    for ((path, sex, year, mask), (birth, id)) in rows.iter().zip(&born) {
        let sex = Sex::parse(sex).unwrap();
        let n = fitting_id_numbers(mask, &region_of(path), *year as i32, sex);
        assert!(n >= 10_000, "{mask} born {year}: only {n} ID numbers fit");
        assert!(fitting_id_numbers(mask, &region_of(path), birth.year(), sex) > 0);
        let compact = birth.to_string().replace('-', "");
        for t in &text {
            assert!(
                !t.contains(&birth.to_string()) && !t.contains(&compact),
                "{t}"
            );
            assert!(!t.contains(id.as_str()), "{t}");
        }
    }
}

#[tokio::test]
async fn migration_12_rewrites_old_rows_and_their_history() {
    let t = testdb::fresh_at(11).await.unwrap();
    let all = System::acting().scope();
    let mut c = t.db.conn().await.unwrap();
    for n in [
        node(CITY, NodeKind::City, None),
        node(COUNTY, NodeKind::County, Some(CITY)),
        node(TWP_A, NodeKind::Township, Some(COUNTY)),
        node(VIL_A, NodeKind::Village, Some(TWP_A)),
        grid(GRID_1, VIL_A, square(119.30, 26.08, 119.31, 26.09)),
    ] {
        nodes::create(&mut c.handle(), &all, "builder", &n, 1.0, now_ms())
            .await
            .unwrap();
    }
    let g = nodes::by_code(&mut c.handle(), &all, GRID_1).await.unwrap();
    drop(c);
    // A row and a history entry as version 11 wrote them: the date and the 4 + 4 mask.
    let id = make_id_number("350102", date("1990-06-15"), 123);
    let old_mask = format!("{}{}{}", &id[..4], "*".repeat(10), &id[14..]);
    exec(
        &t.db,
        &format!(
            "INSERT INTO people (id, grid_id, path, name, name_initials, sex, birth_date, id_sealed, id_index, \
             id_masked, ethnic, registered_address, residence, party_member, created_at, updated_at) \
             VALUES (7, {}, '{}', '旧人', 'jr', 'male', '1990-06-15', 'v1:k1:x', 'i7', '{old_mask}', '汉族', '', \
             'registered', FALSE, 1, 1)",
            g.id, g.path
        ),
    )
    .await;
    let before = serde_json::json!({ "id": 7, "birth_date": "1990-06-15", "id_masked": old_mask, "name": "旧人" });
    exec(
        &t.db,
        &format!(
            "INSERT INTO record_history (table_name, row_id, action, actor_user_id, actor_name, at, before_json) \
             VALUES ('people', 7, 'update', 1, 'x', 1, '{before}')"
        ),
    )
    .await;
    t.db.migrate().await.unwrap();

    let mut c = t.db.conn().await.unwrap();
    let (year, mask): (i64, String) = on_both!(&mut c.handle(), c => {
        sqlx::query_as("SELECT birth_year, id_masked FROM people WHERE id = 7")
            .fetch_one(&mut **c)
            .await
            .unwrap()
    });
    assert_eq!(year, 1990);
    assert_eq!(mask, wangge_store::seal::mask_id(&id));
    let hist = basic::history::of(&mut c.handle(), &all, basic::history::Table::People, 7)
        .await
        .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(hist[0].before_json.as_deref().unwrap()).unwrap();
    assert_eq!(json["birth_year"], 1990, "{json}");
    assert_eq!(json["id_masked"], mask.as_str(), "{json}");
    assert!(json.get("birth_date").is_none(), "{json}");
    assert_eq!(json["name"], "旧人");
    // The history stays append-only.
    let r = on_both!(&mut c.handle(), c => sqlx::query("UPDATE record_history SET actor_name = 'y'")
        .execute(&mut **c)
        .await
        .map(|_| ()));
    assert!(r.is_err());
    drop(c);
    // On SQLite the file was rebuilt: the old values are not in free pages either.
    if let Some(path) = t.url.strip_prefix("sqlite://") {
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        let has = |s: &str| bytes.windows(s.len()).any(|w| w == s.as_bytes());
        assert!(
            !has("1990-06-15"),
            "the old birth date is still in the file"
        );
        assert!(!has(&old_mask), "the old mask is still in the file");
    }
}
