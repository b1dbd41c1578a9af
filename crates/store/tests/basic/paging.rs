//! Lists page by keyset: grid by grid, by name then id, by tag; and migration 0006's short blind indexes.

use super::*;
use wangge_domain::System;

#[tokio::test]
async fn browsing_pages_grid_by_grid() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let mut want = Vec::new();
    // Interleave grids so that id order and grid order differ.
    for i in 0..9u32 {
        let g = [GRID_B1, GRID_1, GRID_2][i as usize % 3];
        let id = insert(&t.db, &keys, &all, &person(g, &format!("冯{i}"), 200 + i))
            .await
            .unwrap();
        let path = scope_of(&t.db, g).await.path().to_string();
        want.push((path, id));
    }
    want.sort();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    for size in [1, 2, 4, 50] {
        let mut got = Vec::new();
        let mut after = None;
        loop {
            let page = people::list(h, &keys, &all, &people::Filter::default(), after, size)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            got.extend(page.into_iter().map(|r| (r.path, r.id)));
        }
        assert_eq!(got, want, "page size {size}");
    }
    // Houses page the same way; a search pages by id.
    let mut every: Vec<(String, i64)> =
        houses::list(h, &all, &houses::Filter::default(), None, 500)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.path, r.id))
            .collect();
    assert!(every.len() >= 3);
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let page = houses::list(h, &all, &houses::Filter::default(), after, 2)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        got.extend(page.into_iter().map(|r| (r.path, r.id)));
    }
    assert_eq!(got, every.clone());
    every.sort();
    assert_eq!(got, every);
    let f = people::Filter {
        q: Some("冯".into()),
        ..Default::default()
    };
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = people::list(h, &keys, &all, &f, after, 4).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        ids.extend(page.iter().map(|r| r.id));
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!((ids.len(), ids == sorted), (9, true));
}

/// Every page of `filter` in turn, `size` at a time: what each row gives by `key`.
async fn every_page<K>(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    scope: &Scope,
    filter: &people::Filter,
    size: i64,
    key: impl Fn(&people::PersonRow) -> K,
) -> Vec<K> {
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let page = people::list(h, keys, scope, filter, after, size)
            .await
            .unwrap();
        assert!(page.len() as i64 <= size);
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        got.extend(page.iter().map(&key));
    }
    got
}

#[tokio::test]
async fn name_search_pages_by_name_then_id() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let vil_a = scope_of(&t.db, VIL_A).await;
    // Names repeat and come in no order, so (name, id) order differs from id order; another
    // village's and a removed person's matches must not show, nor a name that only contains 林.
    let names = [
        "林芳",
        "林伟",
        "林芳",
        "林",
        "林伟",
        "林小明",
        "林芳",
        "林伟",
        "林林",
        "林芳",
    ];
    let mut want = Vec::new();
    let mut initials_want = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let g = [GRID_1, GRID_2][i % 2];
        let id = insert(&t.db, &keys, &all, &person(g, name, 300 + i as u32))
            .await
            .unwrap();
        want.push((name.to_string(), id));
        let ini = basic::name_initials(name);
        if ini.starts_with("lf") {
            initials_want.push((ini, id));
        }
    }
    insert(&t.db, &keys, &all, &person(GRID_B1, "林芳", 320))
        .await
        .unwrap();
    insert(&t.db, &keys, &all, &person(GRID_1, "王林", 321))
        .await
        .unwrap();
    let gone = insert(&t.db, &keys, &all, &person(GRID_2, "林芳", 322))
        .await
        .unwrap();
    let mut tx = t.db.begin().await.unwrap();
    people::remove(&mut tx.handle(), &all, &actor(), gone, now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    want.sort();
    initials_want.sort();
    assert!(initials_want.len() >= 4);
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let by_name = people::Filter {
        q: Some("林".into()),
        ..Default::default()
    };
    let by_initials = people::Filter {
        q: Some("LF".into()),
        ..Default::default()
    };
    for size in [1, 2, 3, 50] {
        let got = every_page(h, &keys, &vil_a, &by_name, size, |r| (r.name.clone(), r.id)).await;
        assert_eq!(got, want, "name, page size {size}");
        let got = every_page(h, &keys, &vil_a, &by_initials, size, |r| {
            (r.name_initials.clone(), r.id)
        })
        .await;
        assert_eq!(got, initials_want, "initials, page size {size}");
    }
    // A longer prefix narrows; with removed people included the removed match shows.
    let longer = people::Filter {
        q: Some("林芳".into()),
        include_removed: true,
        ..Default::default()
    };
    let got = every_page(h, &keys, &vil_a, &longer, 2, |r| r.id).await;
    let mut fang: Vec<i64> = want
        .iter()
        .filter(|(n, _)| n == "林芳")
        .map(|(_, id)| *id)
        .collect();
    fang.push(gone);
    assert_eq!(got, fang);
}

#[tokio::test]
async fn tag_filter_pages_grid_by_grid() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let tag = |group| PersonTag {
        group,
        since: date("2024-01-01"),
        until: None,
    };
    let mut want = Vec::new();
    let mut ended = None;
    let mut tx = t.db.begin().await.unwrap();
    for i in 0..12u32 {
        // Interleave grids so that id order and grid order differ.
        let g = [GRID_B1, GRID_2, GRID_1][i as usize % 3];
        let id = people::insert(
            &mut tx.handle(),
            &keys,
            &all,
            &actor(),
            &person(g, &format!("郑{i}"), 400 + i),
            now_ms(),
        )
        .await
        .unwrap();
        // Every other person is in the group; the rest carry another group.
        let group = if i % 2 == 0 {
            KeyGroup::Disabled
        } else {
            KeyGroup::Floating
        };
        let tag_id = people::add_tag(
            &mut tx.handle(),
            &keys,
            &all,
            &actor(),
            id,
            &tag(group),
            now_ms(),
        )
        .await
        .unwrap();
        if i == 4 {
            // An ended tag no longer counts.
            ended = Some(tag_id);
        } else if group == KeyGroup::Disabled {
            let path = scope_of_tx(&mut tx.handle(), g).await;
            want.push((path, id));
        }
    }
    people::end_tag(
        &mut tx.handle(),
        &all,
        &actor(),
        ended.unwrap(),
        date("2024-06-01"),
        now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    want.sort();
    assert_eq!(want.len(), 5);
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let f = people::Filter {
        tag: Some(KeyGroup::Disabled),
        ..Default::default()
    };
    for size in [1, 2, 3, 50] {
        let got = every_page(h, &keys, &all, &f, size, |r| (r.path.clone(), r.id)).await;
        assert_eq!(got, want, "page size {size}");
    }
    // Narrowed to one village, the other village's people drop out.
    let vil_a = scope_of(&t.db, VIL_A).await;
    let got = every_page(h, &keys, &vil_a, &f, 2, |r| (r.path.clone(), r.id)).await;
    let inside: Vec<_> = want
        .iter()
        .filter(|(p, _)| p.starts_with(vil_a.path()))
        .cloned()
        .collect();
    assert!(!inside.is_empty() && inside.len() < want.len());
    assert_eq!(got, inside);
}

async fn scope_of_tx(h: &mut Handle<'_>, code: &str) -> String {
    nodes::by_code(h, &System::acting().scope(), code)
        .await
        .unwrap()
        .path
}

/// Migration 0006 cut stored blind indexes to 128 bits: a database written with full-length
/// indexes (made here by lengthening today's, since the first 32 hex digits of an old index are
/// the new one) is found again by ID number and phone, and its tag counts move to the new metrics.
#[tokio::test]
async fn short_blind_index_migration() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let p = person(GRID_1, "陈迁移", 41);
    let id = insert(&t.db, &keys, &all, &p).await.unwrap();
    let mut tx = t.db.begin().await.unwrap();
    let tag = PersonTag {
        group: KeyGroup::Disabled,
        since: date("2024-01-01"),
        until: None,
    };
    people::add_tag(&mut tx.handle(), &keys, &all, &actor(), id, &tag, now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let tail = "0123456789abcdef0123456789abcdef";
    exec(
        &t.db,
        &format!(
            "UPDATE people SET id_index = id_index || '{tail}', phone_index = phone_index || '{tail}'; \
             UPDATE person_tags SET tag_index = tag_index || '{tail}'"
        ),
    )
    .await;
    let long = "SELECT CAST(COUNT(*) AS BIGINT) FROM basic_counts WHERE metric LIKE 'tag:%' AND length(metric) > 36 AND n > 0";
    assert_eq!(
        count(&t.db, long).await,
        1,
        "the old-length metric holds the count"
    );
    let find = |q: String| {
        let (db, keys, all) = (&t.db, &keys, &all);
        async move {
            let mut c = db.conn().await.unwrap();
            let f = people::Filter {
                q: Some(q),
                ..Default::default()
            };
            people::list(&mut c.handle(), keys, all, &f, None, 10)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(
        find(p.id_number.expose().clone()).await,
        0,
        "long indexes no longer match"
    );

    // Both backends' migration is the same SQL.
    let sql = include_str!("../../migrations/sqlite/0006_short_blind_indexes.sql");
    assert_eq!(
        sql,
        include_str!("../../migrations/postgres/0006_short_blind_indexes.sql")
    );
    exec(&t.db, sql).await;

    assert_eq!(
        find(p.id_number.expose().clone()).await,
        1,
        "found by ID number"
    );
    assert_eq!(
        find(p.phone.clone().unwrap().into_inner()).await,
        1,
        "found by phone"
    );
    assert_eq!(
        count(&t.db, long.replace(" AND n > 0", "").as_str()).await,
        0
    );
    let mut c = t.db.conn().await.unwrap();
    let counts = basic::counts(&mut c.handle(), &keys, &all, "/")
        .await
        .unwrap();
    assert!(
        counts.by_tag.contains(&(KeyGroup::Disabled, 1)),
        "{:?}",
        counts.by_tag
    );
    // A duplicate is still refused against the migrated index.
    drop(c);
    assert_code(
        insert(&t.db, &keys, &all, &person(GRID_2, "陈迁移", 41)).await,
        "basic.duplicate_id",
    );
}
