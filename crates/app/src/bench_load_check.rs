//! What `wangge bench load` checks besides figures: after `--kill`, that every acknowledged
//! report is whole and the hash chains hold; with `--instances 2`, that each instance sees what
//! was changed elsewhere (through the database) within the documented lapse.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::bail;
use wangge_domain::System;
use wangge_store::{Db, auth, now_ms, on_conn, open311, users};

use crate::bench_kit::Client;

/// The holder of the scheduler's lease, if any instance holds one.
pub async fn lease_holder(db: &Db) -> anyhow::Result<Option<String>> {
    let mut c = db.conn().await?;
    let now = now_ms();
    Ok(on_conn!(&mut c.handle(), h => {
        sqlx::query_scalar("SELECT holder FROM leases WHERE name = $1 AND expires_at > $2")
            .bind(wangge_web::scheduler::LEASE)
            .bind(now)
            .fetch_optional(&mut **h)
            .await?
    }))
}

/// After a kill: every report answered with success exists with its first history step, and
/// every hash chain verifies.
pub async fn after_kill(url: &str, acknowledged: &[String]) -> anyhow::Result<()> {
    let db = Db::connect(url).await?;
    let mut missing = Vec::new();
    {
        let mut c = db.conn().await?;
        for n in acknowledged {
            let steps: i64 = on_conn!(&mut c.handle(), h => {
                sqlx::query_scalar(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM event_history eh JOIN events e ON e.id = eh.event_id WHERE e.number = $1",
                )
                .bind(n)
                .fetch_one(&mut **h)
                .await?
            });
            if steps == 0 {
                missing.push(n.clone());
            }
        }
    }
    println!(
        "kill: {} reports were answered with success; {} of them missing or without history",
        acknowledged.len(),
        missing.len()
    );
    let chains_ok = crate::verify::run(&db).await?;
    db.close().await;
    if !missing.is_empty() {
        bail!(
            "acknowledged reports lost after the kill: {}",
            missing.join(" ")
        );
    }
    if !chains_ok {
        bail!("wangge verify failed after the kill");
    }
    println!("kill: every acknowledged report is whole and wangge verify passes");
    Ok(())
}

/// How long `probe` takes to answer `want` after a change, polling every 50 ms up to `max`.
fn lapse(max: Duration, mut probe: impl FnMut() -> anyhow::Result<bool>) -> anyhow::Result<f64> {
    let started = Instant::now();
    loop {
        if probe()? {
            return Ok(started.elapsed().as_secs_f64());
        }
        if started.elapsed() > max {
            bail!("no change seen within {:.0} s", max.as_secs_f64());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn status(addr: SocketAddr, method: &str, path: &str, headers: &str, body: &str) -> u16 {
    Client::connect(addr)
        .and_then(|mut c| c.request(method, path, headers, body.as_bytes()))
        .map_or(0, |(s, _)| s)
}

/// Changes made through one instance's database are seen by the other: an Open311 key made
/// and revoked, a session begun and ended.
pub async fn visibility(url: &str, addrs: &[SocketAddr]) -> anyhow::Result<()> {
    let [_, b] = addrs else {
        return Ok(());
    };
    let b = *b;
    let db = Db::connect(url).await?;
    let (key, secret) = {
        let mut tx = db.begin().await?;
        let k = open311::create_key(&mut tx.handle(), "bench load visibility", now_ms()).await?;
        tx.commit().await?;
        k
    };
    let post = move || {
        status(
            b,
            "POST",
            "/open311/v2/requests.json",
            "Content-Type: application/x-www-form-urlencoded\r\n",
            &format!("api_key={secret}&service_code=none&lat=0&long=0"),
        )
    };
    // A new key works at once (an unknown key is always looked up); a refused body (unknown
    // category) still shows the key was accepted: 400, not 403.
    let new_key = tokio::task::spawn_blocking({
        let post = post.clone();
        move || lapse(Duration::from_secs(30), || Ok(post() == 400))
    })
    .await??;
    {
        let mut tx = db.begin().await?;
        open311::revoke_key(&mut tx.handle(), key.id, now_ms()).await?;
        tx.commit().await?;
    }
    let revoked =
        tokio::task::spawn_blocking(move || lapse(Duration::from_secs(60), || Ok(post() == 403)))
            .await??;
    println!(
        "instances: an Open311 key made elsewhere works on the other instance after {new_key:.1} s; revoked, it is refused after {revoked:.1} s (documented: within 10 s)"
    );
    let secret = {
        let mut tx = db.begin().await?;
        let u = users::by_username(&mut tx.handle(), &System::acting().scope(), "admin").await?;
        let s = auth::create_session(&mut tx.handle(), u.id, now_ms(), 3_600_000).await?;
        tx.commit().await?;
        s
    };
    let cookie = format!("Cookie: wangge_session={secret}\r\n");
    let me = {
        let cookie = cookie.clone();
        move || status(b, "GET", "/api/v1/me", &cookie, "")
    };
    let began = tokio::task::spawn_blocking({
        let me = me.clone();
        move || lapse(Duration::from_secs(30), || Ok(me() == 200))
    })
    .await??;
    {
        let mut c = db.conn().await?;
        auth::end_session(&mut c.handle(), &secret).await?;
    }
    let ended =
        tokio::task::spawn_blocking(move || lapse(Duration::from_secs(30), || Ok(me() == 401)))
            .await??;
    println!(
        "instances: a session begun elsewhere is honoured after {began:.1} s; ended, it is refused after {ended:.1} s"
    );
    db.close().await;
    Ok(())
}
