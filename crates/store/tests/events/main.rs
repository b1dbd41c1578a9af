//! Events against a real database: a temporary SQLite file by default, a fresh PostgreSQL
//! database when `TEST_DATABASE_URL` names a server. Reporting and routing, refusals that write
//! nothing, double submissions, the whole workflow loop, append-only history, lists, public
//! results, reminders, leases and the calendar.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wangge_domain::System;
use wangge_domain::calendar::Calendar;
use wangge_domain::deadline::{self, Complexity, Light, event_due};
use wangge_domain::event::{Action, Actor, Holder, Staff, Urgency};
use wangge_domain::photo::{self, PhotoKind};
use wangge_domain::{Error, NodeKind, Role};
use wangge_store::categories;
use wangge_store::events::{
    self, Caller, EventCtx, EventRow, Inbox, ListFilter, NewPhoto, ReportInput, Reported, Source,
};
use wangge_store::seal::{KeyRing, mask_name, mask_phone};
use wangge_store::{Db, auth};

mod admin;
#[path = "../common/mod.rs"]
mod common;
mod dropped;
mod lists;
mod report;
mod workflow;

use common::*;

// ---------------------------------------------------------------------------------------------
// Helpers of these tests

impl Fx {
    /// A report in a transaction of its own, as the server makes one.
    async fn report(
        &self,
        caller: &Caller,
        input: ReportInput,
        now: i64,
    ) -> Result<Reported, Error> {
        events::submit(self.db(), &self.ctx(), caller, input, now).await
    }

    async fn act(
        &self,
        user: &str,
        number: &str,
        action: Action,
        photos: &[NewPhoto],
        now: i64,
    ) -> Result<EventRow, Error> {
        let caller = self.caller(user);
        let mut tx = self.db().begin().await.unwrap();
        let r = events::act(
            &mut tx.handle(),
            &self.ctx(),
            &caller,
            number,
            action,
            photos,
            now,
        )
        .await?;
        tx.commit().await.unwrap();
        Ok(r)
    }

    /// The reporter acting through the private tracking link.
    async fn as_reporter(&self, token: &str, action: Action, now: i64) -> Result<EventRow, Error> {
        let mut tx = self.db().begin().await.unwrap();
        let event = events::by_tracking(&mut tx.handle(), token).await?;
        let r = events::apply_to(
            &mut tx.handle(),
            &self.ctx(),
            &resident(),
            &event,
            action,
            &[],
            now,
        )
        .await?;
        tx.commit().await.unwrap();
        Ok(r)
    }

    async fn history(&self, event_id: i64) -> Vec<events::HistoryRow> {
        let mut c = self.db().conn().await.unwrap();
        events::history(&mut c.handle(), event_id, false)
            .await
            .unwrap()
    }

    /// Rows of every table a report or a step writes.
    async fn counts(&self) -> [i64; 5] {
        [
            self.count("events").await,
            self.count("event_history").await,
            self.count("photos").await,
            self.count("event_parties").await,
            self.count("event_counters").await,
        ]
    }

    /// One raw statement on the pool, outside the store's functions.
    async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match self.db() {
            Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
            Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        }
    }

    /// The reporter's columns as they lie in the database.
    async fn raw_reporter(&self, number: &str) -> (Option<String>, Option<String>, Option<String>) {
        let sql = "SELECT reporter_name, reporter_phone, reporter_phone_index FROM events WHERE number = $1";
        match self.db() {
            Db::Sqlite(p) => sqlx::query_as(sql).bind(number).fetch_one(p).await.unwrap(),
            Db::Postgres(p) => sqlx::query_as(sql).bind(number).fetch_one(p).await.unwrap(),
        }
    }
}

/// A 1×1 grey PNG with correct CRCs, which `photo::clean` accepts.
fn png_photo() -> NewPhoto {
    let (kind, bytes) = photo::clean(&tiny_png(), 1 << 20).unwrap();
    assert_eq!(kind, PhotoKind::Png);
    NewPhoto { kind, bytes }
}

fn accept() -> Action {
    Action::Accept {
        due_ms: None,
        urgency: None,
        note: "受理".into(),
    }
}

fn escalate(to: &str) -> Action {
    Action::Escalate {
        to: to.into(),
        due_ms: None,
        note: "超出本级职权".into(),
    }
}

fn feedback(result: &str) -> Action {
    Action::Feedback {
        result: result.into(),
        photos: Vec::new(),
    }
}

fn verify(pass: bool) -> Action {
    Action::Verify {
        pass,
        note: if pass { "" } else { "未处理到位" }.into(),
    }
}

fn rate(stars: u8) -> Action {
    Action::Rate {
        stars,
        comment: "满意".into(),
    }
}

/// Both due times of an event, which these tests expect the loaded calendar to give.
struct KnownDue {
    level_due: i64,
    final_due: i64,
}

fn known_due(reported: i64, start: i64, c: Complexity, level: u8, cal: &Calendar) -> KnownDue {
    let d = event_due(reported, start, c, level, cal);
    KnownDue {
        level_due: d.level_due.unwrap(),
        final_due: d.final_due.unwrap(),
    }
}
