//! Users and auth.

use super::*;
use wangge_domain::System;

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
    let all = System::acting().scope();
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
    assert_eq!(w1.role.as_str(), "worker");
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
async fn login_sessions_and_tokens() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = System::acting().scope();
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
        auth::login(h, "admin1", pw, "10.0.0.1", false, now)
            .await
            .unwrap(),
        admin.id
    );
    assert_err(
        auth::login(h, "admin1", "wrong password", "10.0.0.2", false, now).await,
        "auth.bad_credentials",
        401,
    );
    assert_err(
        auth::login(h, "nobody", pw, "10.0.0.3", false, now).await,
        "auth.bad_credentials",
        401,
    );
    // A good log-in after a failure from another address.
    assert_eq!(
        auth::login(h, "admin1", pw, "10.0.0.1", false, now)
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
    assert_eq!(p.role(), Role::Admin);
    assert_eq!(p.node_code, TWP_A);
    assert_eq!(p.node_kind.as_str(), "township");
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
        auth::login(h, "other1", pw, "10.0.0.5", false, now).await,
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

/// A role the code does not know (a newer version's row, a hand edit) fails the read as an
/// error instead of being guessed at or panicking.
#[tokio::test]
async fn an_unknown_role_is_a_read_error() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = System::acting().scope();
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let u = users::create(h, &all, &new_user("odd1", Role::Worker, GRID_1), now_ms())
        .await
        .unwrap();
    let sql = format!("UPDATE users SET role = 'root' WHERE id = {}", u.id);
    match db {
        Db::Sqlite(p) => {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(p)
                .await
                .unwrap();
        }
        Db::Postgres(p) => {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(p)
                .await
                .unwrap();
        }
    }
    assert_err(users::by_username(h, &all, "odd1").await, "internal", 500);
}
