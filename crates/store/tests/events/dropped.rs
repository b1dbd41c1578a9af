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

/// PostgreSQL sessions of this database left inside a transaction with nothing running.
async fn idle_in_transaction(fx: &Fx) -> i64 {
    match fx.db() {
        Db::Sqlite(_) => 0,
        Db::Postgres(p) => sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
        )
        .fetch_one(p)
        .await
        .unwrap(),
    }
}

#[tokio::test]
async fn a_report_dropped_half_way_is_whole_or_absent() {
    let fx = fixture().await;
    let now = at("2025-03-03T10:00:00+08:00");
    let caller = resident();
    let ctx = fx.ctx();
    let mut dropped_unfinished = 0;
    // Dropped after 1, 2, … polls: every await point of the report in turn, BEGIN and COMMIT
    // included, with the driver's threads moving on between polls.
    for polls in 1..=40 {
        let input = fx.located("MD01", &format!("放弃的上报 {polls}"));
        let mut fut = Box::pin(events::submit(fx.db(), &ctx, &caller, input, now));
        let mut cx = Context::from_waker(Waker::noop());
        let mut finished = false;
        for _ in 0..polls {
            if let Poll::Ready(r) = fut.as_mut().poll(&mut cx) {
                r.unwrap();
                finished = true;
                break;
            }
            tokio::time::sleep(Duration::from_micros(300)).await;
        }
        drop(fut);
        if !finished {
            dropped_unfinished += 1;
        }
        assert_eq!(half_reports(&fx).await, 0, "after {polls} polls");
    }
    assert!(dropped_unfinished > 5, "the reports were dropped half-way");
    // Connections go back to the pool out of transaction (a commit begun completes in its own
    // task; a dropped transaction is rolled back).
    let mut idle = idle_in_transaction(&fx).await;
    for _ in 0..100 {
        if idle == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        idle = idle_in_transaction(&fx).await;
    }
    assert_eq!(idle, 0, "connections left inside a transaction");
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
