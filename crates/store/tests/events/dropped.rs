//! Abandoned work: a report whose future is dropped at any point (its client went away) is
//! whole or absent, leaves no connection inside a transaction and no writer's turn taken, and
//! the next report goes through.

use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::*;

/// Events without their first history step: a half report.
async fn half_reports(fx: &Fx) -> i64 {
    let sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_history h WHERE h.event_id = e.id)";
    match fx.db() {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

/// On PostgreSQL, a connection of its own that watches the pool's: a pooled one could be the
/// very connection left inside a transaction, and would not see itself idle.
async fn watcher(fx: &Fx) -> Option<sqlx::PgConnection> {
    use sqlx::Connection;
    match fx.db() {
        Db::Sqlite(_) => None,
        Db::Postgres(_) => Some(sqlx::PgConnection::connect(&fx.t.url).await.unwrap()),
    }
}

/// Waits up to a second for no session of this database to sit inside a transaction with
/// nothing running (a dropped transaction's ROLLBACK goes out as its connection returns to the
/// pool); returns how many still do.
async fn idle_in_transaction(w: &mut Option<sqlx::PgConnection>) -> i64 {
    let Some(c) = w else {
        return 0;
    };
    let mut n = 0;
    for _ in 0..20 {
        n = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap();
        if n == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    n
}

/// Wakes the test when the future polled with it can go on.
struct Wakeup(tokio::sync::Notify);

impl std::task::Wake for Wakeup {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.notify_one();
    }
}

/// Polls `fut` at most `max` times, each time after its waker fired; drops it then. Some(n)
/// when it finished at the n-th poll.
async fn polls_until<F: Future<Output = Result<Reported, Error>>>(
    fut: F,
    max: usize,
) -> Option<usize> {
    let wakeup = std::sync::Arc::new(Wakeup(tokio::sync::Notify::new()));
    let waker = Waker::from(wakeup.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = Box::pin(fut);
    for n in 1..=max {
        if let Poll::Ready(r) = fut.as_mut().poll(&mut cx) {
            r.unwrap();
            return Some(n);
        }
        if n < max {
            let _ = tokio::time::timeout(Duration::from_secs(30), wakeup.0.notified()).await;
        }
    }
    None
}

#[tokio::test]
async fn a_report_dropped_half_way_is_whole_or_absent() {
    let fx = fixture().await;
    let now = at("2025-03-03T10:00:00+08:00");
    let caller = resident();
    let ctx = fx.ctx();
    let mut dropped_unfinished = 0;
    let mut watch = watcher(&fx).await;
    // How many polls a whole report takes, each after the waker says it can go on; then the
    // report is dropped after 1, 2, … of them: at every await point in turn, BEGIN and COMMIT
    // included, as a client that gives up at any moment would have it.
    // The most of five whole reports: on a busy machine the database thread can answer before
    // the report looks, and a report then finishes in fewer polls than it can take.
    let mut total = 0;
    for i in 0..5 {
        let input = fx.located("MD01", &format!("完整的上报 {i}"));
        let polls = polls_until(
            events::submit(fx.db(), &ctx, &caller, input, now),
            usize::MAX,
        )
        .await
        .expect("a report finishes");
        total = total.max(polls);
    }
    for k in 1..total {
        let input = fx.located("MD01", &format!("放弃的上报 {k}"));
        let fut = events::submit(fx.db(), &ctx, &caller, input, now);
        if polls_until(fut, k).await.is_none() {
            dropped_unfinished += 1;
        }
        assert_eq!(half_reports(&fx).await, 0, "after {k} of {total} polls");
        assert_eq!(
            idle_in_transaction(&mut watch).await,
            0,
            "a connection left inside a transaction after {k} of {total} polls"
        );
    }
    assert!(
        dropped_unfinished >= 1,
        "the reports were dropped half-way ({total} polls make one)"
    );
    // No writer's turn or write lock is left behind: the next reports go through.
    for i in 0..3 {
        let input = fx.located("MD01", &format!("之后的上报 {i}"));
        let r = tokio::time::timeout(Duration::from_secs(30), fx.report(&caller, input, now))
            .await
            .expect("a report after the dropped ones is not kept waiting");
        r.unwrap();
    }
    assert_eq!(half_reports(&fx).await, 0);
    let events = fx.count("events").await;
    assert!(events >= 3, "{events}");
}
