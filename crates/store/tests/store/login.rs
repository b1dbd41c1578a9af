//! Log-in throttling that a stranger cannot turn into a lock-out, answers that take as long for
//! an unknown name as for a known one, password changes that revoke what the old password
//! opened, and private file modes.

use super::*;
use std::time::Instant;
use wangge_store::private_files;
use wangge_store::users::Keep;

const PW: &str = "correct horse battery";

fn new_user(username: &str, role: Role, node_code: &str) -> NewUser {
    NewUser {
        username: username.to_string(),
        display_name: format!("User {username}"),
        password: PW.to_string(),
        role,
        node_code: node_code.to_string(),
        phone: None,
    }
}

/// Log-in failures written straight into the table, as a distributed guess leaves them.
async fn failures(db: &Db, rows: &[(String, String, i64)]) {
    for (name, ip, at) in rows {
        let sql = "INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3)";
        match db {
            Db::Sqlite(p) => sqlx::query(sql)
                .bind(name)
                .bind(ip)
                .bind(at)
                .execute(p)
                .await
                .map(|_| ()),
            Db::Postgres(p) => sqlx::query(sql)
                .bind(name)
                .bind(ip)
                .bind(at)
                .execute(p)
                .await
                .map(|_| ()),
        }
        .unwrap();
    }
}

fn retry_after(e: &Error) -> i64 {
    e.details["retry_after_s"].as_i64().unwrap_or(-1)
}

#[tokio::test]
async fn a_stranger_cannot_lock_a_worker_out() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = System::acting().scope();
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let now = now_ms();
    let w = users::create(h, &all, &new_user("worker1", Role::Worker, GRID_1), now)
        .await
        .unwrap();

    // Five wrong passwords from five addresses, then the right one from a sixth: in.
    for i in 0..5 {
        let ip = format!("10.1.0.{i}");
        assert_err(
            auth::login(h, "worker1", "wrong password", &ip, false, now + i).await,
            "auth.bad_credentials",
            401,
        );
    }
    assert_eq!(
        auth::login(h, "worker1", PW, "10.1.0.99", false, now + 10)
            .await
            .unwrap(),
        w.id
    );

    // From one address: a few free tries, then each next one must wait, twice as long each time.
    let ip = "10.2.0.1";
    let mut at = now + 100;
    for _ in 0..auth::PAIR_FREE_FAILURES {
        assert_err(
            auth::login(h, "worker1", "wrong password", ip, false, at).await,
            "auth.bad_credentials",
            401,
        );
    }
    let e = assert_err(
        auth::login(h, "worker1", PW, ip, false, at).await,
        "auth.slow_down",
        429,
    );
    let first_wait = retry_after(&e);
    assert_eq!(first_wait * 1000, auth::PAIR_FIRST_DELAY_MS);
    // The worker at another address is not slowed by it.
    assert_eq!(
        auth::login(h, "worker1", PW, "10.2.0.2", false, at)
            .await
            .unwrap(),
        w.id
    );
    // After the wait one more try is allowed; failing it doubles the wait.
    at += first_wait * 1000;
    assert_err(
        auth::login(h, "worker1", "wrong password", ip, false, at).await,
        "auth.bad_credentials",
        401,
    );
    let e = assert_err(
        auth::login(h, "worker1", PW, ip, false, at + 1).await,
        "auth.slow_down",
        429,
    );
    assert_eq!(retry_after(&e), 2 * first_wait);
    // The right password after the wait lets the address in and forgives its failures.
    at += 2 * first_wait * 1000;
    assert_eq!(
        auth::login(h, "worker1", PW, ip, false, at).await.unwrap(),
        w.id
    );
    assert!(
        auth::login(h, "worker1", "wrong password", ip, false, at + 1)
            .await
            .is_err_and(|e| e.code == "auth.bad_credentials")
    );

    // A distributed guess past the ceiling: new devices are refused for a while, a device that
    // signed in before passes with the right password (and only with it).
    let guess: Vec<_> = (0..auth::CEILING)
        .map(|i| {
            (
                "worker1".to_string(),
                format!("10.3.{}.{}", i / 200, i % 200),
                at,
            )
        })
        .collect();
    failures(db, &guess).await;
    let e = assert_err(
        auth::login(h, "worker1", PW, "10.4.0.1", false, at + 5).await,
        "auth.throttled",
        429,
    );
    assert!(retry_after(&e) > 0 && retry_after(&e) * 1000 <= auth::FAILURE_WINDOW_MS);
    assert_eq!(
        auth::login(h, "worker1", PW, "10.4.0.1", true, at + 5)
            .await
            .unwrap(),
        w.id
    );
    assert_err(
        auth::login(h, "worker1", "wrong password", "10.4.0.2", true, at + 5).await,
        "auth.bad_credentials",
        401,
    );
    // Once the guesses leave the window any device gets in again.
    assert_eq!(
        auth::login(
            h,
            "worker1",
            PW,
            "10.4.0.3",
            false,
            at + auth::FAILURE_WINDOW_MS + 1
        )
        .await
        .unwrap(),
        w.id
    );

    // One address spraying many names meets the same ceiling.
    let spray: Vec<_> = (0..auth::CEILING)
        .map(|i| (format!("name{i}"), "10.5.0.1".to_string(), at))
        .collect();
    failures(db, &spray).await;
    assert_err(
        auth::login(h, "worker1", PW, "10.5.0.1", false, at + 5).await,
        "auth.throttled",
        429,
    );
    assert_eq!(
        auth::login(h, "worker1", PW, "10.5.0.1", true, at + 5)
            .await
            .unwrap(),
        w.id
    );
}

#[test]
fn the_pair_wait_doubles_and_is_capped() {
    let free = auth::PAIR_FREE_FAILURES;
    assert_eq!(auth::pair_wait_ms(free - 1, 0, 0), None);
    assert_eq!(
        auth::pair_wait_ms(free, 0, 0),
        Some(auth::PAIR_FIRST_DELAY_MS)
    );
    assert_eq!(
        auth::pair_wait_ms(free + 2, 0, 0),
        Some(4 * auth::PAIR_FIRST_DELAY_MS)
    );
    assert_eq!(
        auth::pair_wait_ms(free + 60, 0, 0),
        Some(auth::PAIR_MAX_DELAY_MS)
    );
    // Measured from the last failure.
    assert_eq!(
        auth::pair_wait_ms(free, 0, 500),
        Some(auth::PAIR_FIRST_DELAY_MS - 500)
    );
    assert_eq!(auth::pair_wait_ms(free, 0, auth::PAIR_FIRST_DELAY_MS), None);
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Unknown and disabled names are checked against a dummy hash as costly as a real one, so the
/// time of a wrong answer does not tell which names exist. A ratio of medians, not a wall clock.
#[tokio::test]
async fn unknown_names_take_as_long_as_known_ones() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = System::acting().scope();
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let now = now_ms();
    let off = users::create(h, &all, &new_user("known1", Role::Worker, GRID_1), now)
        .await
        .unwrap();
    users::create(h, &all, &new_user("known2", Role::Worker, GRID_2), now)
        .await
        .unwrap();
    users::update(h, &all, off.id, Role::Worker, GRID_1, "Off", None, false)
        .await
        .unwrap();
    const N: usize = 15;
    let (mut known, mut unknown, mut disabled) = (Vec::new(), Vec::new(), Vec::new());
    // Interleaved, each from its own address so no throttle answers early.
    for i in 0..N + 1 {
        for (name, out) in [
            ("known2", &mut known),
            ("no_such_name", &mut unknown),
            ("known1", &mut disabled),
        ] {
            let ip = format!("10.9.{i}.{}", name.len());
            let start = Instant::now();
            let r = auth::login(h, name, "wrong password", &ip, false, now + i as i64).await;
            let took = start.elapsed().as_secs_f64();
            assert!(r.is_err_and(|e| e.code == "auth.bad_credentials"));
            // The first round warms the dummy hash and the statement cache.
            if i > 0 {
                out.push(took);
            }
        }
    }
    let (k, u, d) = (median(known), median(unknown), median(disabled));
    for (what, ratio) in [("unknown", u / k), ("disabled", d / k)] {
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{what}/known = {ratio:.2} (known {k:.4} s, unknown {u:.4} s, disabled {d:.4} s)"
        );
    }
}

async fn alive(h: &mut wangge_store::Handle<'_>, session: String) -> bool {
    auth::session_principal(h, &session, now_ms() + 1)
        .await
        .unwrap()
        .is_some()
}

async fn live_tokens(db: &Db, user_id: i64) -> i64 {
    let sql =
        "SELECT CAST(COUNT(*) AS BIGINT) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL";
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).bind(user_id).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(sql).bind(user_id).fetch_one(p).await,
    }
    .unwrap()
}

#[tokio::test]
async fn password_changes_revoke_sessions_and_tokens() {
    let t = fresh().await;
    let db = &t.db;
    build_tree(db).await;
    let all = System::acting().scope();
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let now = now_ms();
    let u = users::create(h, &all, &new_user("changer", Role::Worker, GRID_1), now)
        .await
        .unwrap();
    let ttl = 3_600_000;
    let here = auth::create_session(h, u.id, now, ttl).await.unwrap();
    let phone = auth::create_session(h, u.id, now, ttl).await.unwrap();
    let script = auth::create_token(h, u.id, "script", now).await.unwrap();
    // An own change needs the current password.
    assert_err(
        users::change_own_password(
            h,
            &all,
            u.id,
            "wrong",
            "new password 1",
            Keep::Session(&here),
            now,
        )
        .await,
        "auth.current_password",
        403,
    );
    assert!(
        alive(h, phone.clone()).await,
        "a refused change revokes nothing"
    );
    assert_eq!(live_tokens(db, u.id).await, 1);
    users::change_own_password(
        h,
        &all,
        u.id,
        PW,
        "new password 1",
        Keep::Session(&here),
        now,
    )
    .await
    .unwrap();
    assert!(
        alive(h, here.clone()).await,
        "the session that made the change stays"
    );
    assert!(!alive(h, phone.clone()).await, "another session ends");
    assert!(auth::token_principal(h, &script).await.unwrap().is_none());
    assert_eq!(live_tokens(db, u.id).await, 0);
    assert!(
        auth::login(h, "changer", "new password 1", "10.0.0.1", false, now)
            .await
            .is_ok()
    );

    // An own change made with a token keeps that token only.
    let t1 = auth::create_token(h, u.id, "t1", now).await.unwrap();
    let t2 = auth::create_token(h, u.id, "t2", now).await.unwrap();
    users::change_own_password(
        h,
        &all,
        u.id,
        "new password 1",
        "new password 2",
        Keep::Token(&t1),
        now,
    )
    .await
    .unwrap();
    assert!(auth::token_principal(h, &t1).await.unwrap().is_some());
    assert!(auth::token_principal(h, &t2).await.unwrap().is_none());
    assert!(!alive(h, here.clone()).await);

    // An administrator's reset revokes everything.
    let s3 = auth::create_session(h, u.id, now, ttl).await.unwrap();
    users::set_password(h, &all, u.id, "reset password", Keep::Nothing, now)
        .await
        .unwrap();
    assert!(!alive(h, s3).await);
    assert!(auth::token_principal(h, &t1).await.unwrap().is_none());
    assert_eq!(live_tokens(db, u.id).await, 0);
    assert!(
        auth::login(h, "changer", "reset password", "10.0.0.1", false, now)
            .await
            .is_ok()
    );
}

#[cfg(unix)]
#[tokio::test]
async fn database_and_key_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir =
        std::env::temp_dir().join(format!("wangge_modes_{}_{}", std::process::id(), now_ms()));
    let data = dir.join("data");
    let db_path = data.join("wangge.db");
    let db = Db::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data directory");
    for f in private_files::sqlite_files(&db_path) {
        if f.exists() {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
    }
    assert!(
        std::path::Path::new(&format!("{}-wal", db_path.display())).exists(),
        "the log was made and checked above"
    );
    let keys = data.join("wangge.keys");
    wangge_store::seal::KeyRing::load_or_create(&keys, None).unwrap();
    assert_eq!(mode(&keys), 0o600, "the key ring");
    db.close().await;

    // Files an earlier version left open to others are tightened when opened again.
    for f in private_files::sqlite_files(&db_path).iter().chain([&keys]) {
        if f.exists() {
            private_files::set_mode(f, 0o644).unwrap();
        }
    }
    private_files::set_mode(&data, 0o755).unwrap();
    let db = Db::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    wangge_store::seal::KeyRing::load(Some(&keys), None).unwrap();
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&db_path), 0o600);
    assert_eq!(mode(&keys), 0o600);
    db.close().await;

    // A directory that holds other things is left as it is.
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    private_files::set_mode(&dir, 0o755).unwrap();
    let other = dir.join("other.db");
    let db = Db::connect(&format!("sqlite://{}", other.display()))
        .await
        .unwrap();
    assert_eq!(mode(&dir), 0o755);
    assert_eq!(mode(&other), 0o600);
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
