//! Re-sealing every value under the active key, and rotating to an SM4 key.

use super::*;
use wangge_domain::System;

#[tokio::test]
async fn reseal_moves_everything_to_the_active_key() {
    use wangge_store::seal::{Aad, sealed_key_id};
    let t = setup().await;
    let old = ring1();
    let all = System::acting().scope();
    let mut ids = Vec::new();
    for i in 0..7u32 {
        ids.push(
            insert(
                &t.db,
                &old,
                &all,
                &person(GRID_1, &format!("吴{i}"), 60 + i),
            )
            .await
            .unwrap(),
        );
    }
    let mut tx = t.db.begin().await.unwrap();
    let tag = PersonTag {
        group: KeyGroup::Released,
        since: date("2023-05-01"),
        until: None,
    };
    people::add_tag(
        &mut tx.handle(),
        &old,
        &all,
        &actor(),
        ids[0],
        &tag,
        now_ms(),
    )
    .await
    .unwrap();
    let house = rented_house(GRID_1, "8", "1", "13600001111", "13600002222");
    let hid = houses::insert(&mut tx.handle(), &old, &all, &actor(), &house, now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // An event with a sealed reporter, written as events.rs writes it (row = the event number).
    let grid = nodes::by_code(&mut t.db.conn().await.unwrap().handle(), &all, GRID_1)
        .await
        .unwrap();
    let number = "E202401010001";
    let name = old
        .seal("报告人", &Aad::new("events", "reporter_name", number))
        .unwrap();
    let phone = old
        .seal("13300001111", &Aad::new("events", "reporter_phone", number))
        .unwrap();
    exec(&t.db, &format!(
        "INSERT INTO events (number, source, category_code, complexity, description, grid_id, path, level, urgency, status, \
         holder_path, holder_label, state, level_started_at, calendar_missing, reporter_name, reporter_phone, rework_count, \
         reminder_count, reminded_light, reported_at, month, updated_at) VALUES ('{number}', 'worker', 'QT01', 'ordinary', 'x', \
         {}, '{}', 1, 'normal', 'reported', '{}', 'g', '{{}}', 0, FALSE, '{name}', '{phone}', 0, 0, 'none', 0, 202401, 0)",
        grid.id, grid.path, grid.path)).await;

    // A volunteer's phone, sealed under the row's id as the volunteers' register seals it.
    exec(&t.db, &format!(
        "INSERT INTO volunteers (id, community_id, path, building, unit, post, name, skills, status, source, \
         applied_at, decision_reason) SELECT 900, id, path, '1', '1', 'volunteer', '志愿者', '', 'active', 'added', 0, '' \
         FROM nodes WHERE id = (SELECT parent_id FROM nodes WHERE id = {})", grid.id)).await;
    let vphone = old
        .seal("13300002222", &Aad::new("volunteers", "phone", "900"))
        .unwrap();
    exec(
        &t.db,
        &format!("UPDATE volunteers SET phone_sealed = '{vphone}' WHERE id = 900"),
    )
    .await;

    let new = KeyRing::from_text(&format!("index {IDX}\nk1 {K1}\nk2 {K2}")).unwrap();
    assert_eq!(new.active_key_id(), "k2");
    let mut seen = Vec::new();
    let counts =
        wangge_store::reseal::reseal_all(&t.db, &new, &Actor::system("cli"), 3, &mut |label, n| {
            seen.push((label.to_string(), n));
        })
        .await
        .unwrap();
    // 7 IDs + 7 phones + 2 house phones + 1 volunteer's phone + 1 tag + 2 reporter fields.
    assert_eq!(counts.resealed, 20, "{counts:?}");
    let sealed = count(
        &t.db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM volunteers WHERE phone_sealed LIKE 'v1:k2:%'",
    )
    .await;
    assert_eq!(sealed, 1);
    assert!(counts.unopened.is_empty());
    assert!(
        seen.iter().any(|(l, n)| l == "people.id_sealed" && *n == 3),
        "batches of 3: {seen:?}"
    );
    let left = count(&t.db, "SELECT CAST(COUNT(*) AS BIGINT) FROM people WHERE id_sealed LIKE 'v1:k1:%' OR phone_sealed LIKE 'v1:k1:%'").await;
    assert_eq!(left, 0);
    let k2 = count(
        &t.db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM people WHERE id_sealed LIKE 'v1:k2:%'",
    )
    .await;
    assert_eq!(k2, 7);
    // A second run has nothing to do.
    let again =
        wangge_store::reseal::reseal_all(&t.db, &new, &Actor::system("cli"), 3, &mut |_, _| {})
            .await
            .unwrap();
    assert_eq!(again.resealed, 0);

    // Without k1 everything still opens.
    let only_k2 = KeyRing::from_text(&format!("index {IDX}\nk2 {K2}")).unwrap();
    let mut tx = t.db.begin().await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        let v = reveal_as_actor(
            &mut tx.handle(),
            &only_k2,
            &all,
            Secret::PersonIdNumber,
            *id,
            "after rotation",
        )
        .await
        .unwrap();
        assert_eq!(v, person(GRID_1, "", 60 + i as u32).id_number);
    }
    let v = reveal_as_actor(
        &mut tx.handle(),
        &only_k2,
        &all,
        Secret::HouseTenantPhone,
        hid,
        "after rotation",
    )
    .await
    .unwrap();
    assert_eq!(v.expose(), "13600002222");
    let tags = people::tags(&mut tx.handle(), &only_k2, &all, ids[0])
        .await
        .unwrap();
    assert_eq!(tags[0].group, "released");
    // The ID search still finds people: the blind index did not change.
    let f = people::Filter {
        q: Some(person(GRID_1, "", 60).id_number.into_inner()),
        ..Default::default()
    };
    assert_eq!(
        people::list(&mut tx.handle(), &only_k2, &all, &f, None, 5)
            .await
            .unwrap()
            .len(),
        1
    );
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let (sealed_phone,): (String,) = on_both!(h, c => sqlx::query_as("SELECT reporter_phone FROM events")
        .fetch_one(&mut **c)
        .await
        .unwrap());
    assert_eq!(sealed_key_id(&sealed_phone), Some("k2"));
    assert_eq!(
        only_k2
            .open(&sealed_phone, &Aad::new("events", "reporter_phone", number))
            .unwrap(),
        "13300001111"
    );
    let rotates = audit_rows(h, "rotate", 5).await;
    assert_eq!(rotates.len(), 2);
    assert_eq!(audit::verify(h).await.unwrap().1, vec![]);
}

#[tokio::test]
async fn rotate_to_an_sm4_key() {
    let t = setup().await;
    let all = System::acting().scope();
    let s3 = "0123456789abcdeffedcba9876543210";
    let p = person(GRID_1, "郑一", 91);
    let id = insert(&t.db, &ring1(), &all, &p).await.unwrap();
    let both = KeyRing::from_text(&format!("index {IDX}\nk1 {K1}\nk3 sm4 {s3}")).unwrap();
    let counts =
        wangge_store::reseal::reseal_all(&t.db, &both, &Actor::system("cli"), 100, &mut |_, _| {})
            .await
            .unwrap();
    assert_eq!(counts.resealed, 2);
    let sm4_only = KeyRing::from_text(&format!("index {IDX}\nk3 sm4 {s3}")).unwrap();
    let mut tx = t.db.begin().await.unwrap();
    let v = reveal_as_actor(
        &mut tx.handle(),
        &sm4_only,
        &all,
        Secret::PersonIdNumber,
        id,
        "sm4 check",
    )
    .await
    .unwrap();
    assert_eq!(v, p.id_number);
    // New records under the SM4 key.
    let id2 = people::insert(
        &mut tx.handle(),
        &sm4_only,
        &all,
        &actor(),
        &person(GRID_1, "郑二", 92),
        now_ms(),
    )
    .await
    .unwrap();
    let v = reveal_as_actor(
        &mut tx.handle(),
        &sm4_only,
        &all,
        Secret::PersonPhone,
        id2,
        "sm4 check",
    )
    .await
    .unwrap();
    assert_eq!(Some(v), person(GRID_1, "", 92).phone);
    tx.commit().await.unwrap();
    assert_eq!(
        count(
            &t.db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM people WHERE id_sealed LIKE 'v1:k3:%'"
        )
        .await,
        2
    );
}
