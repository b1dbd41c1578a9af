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

mod common;

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

// ---------------------------------------------------------------------------------------------
// (1) Reporting, routing, numbers, due times and the reporter's sealed data

#[tokio::test]
async fn report_routes_numbers_dues_and_seals_the_reporter() {
    let fx = fixture().await;
    let now = at("2025-03-03T09:00:00+08:00");
    let cal = &fx.calendar;

    // MD01 is handled at level 1: the grid owns it.
    let mut input = fx.located("MD01", "  楼上漏水，邻居协商不成  ");
    input.reporter_name = Some("张三丰".into());
    input.reporter_phone = Some("138-1234-5678".into());
    let shown = format!("{input:?}");
    assert!(
        shown.contains("MD01"),
        "the rest of a report prints: {shown}"
    );
    assert!(
        !shown.contains("张三丰") && !shown.contains("5678"),
        "a report prints no reporter: {shown}"
    );
    let r1 = fx.report(&resident(), input, now).await.unwrap();
    assert_eq!(r1.number, "SJ20250303-000001");
    assert!(!r1.duplicate_submission);
    let token1 = r1.tracking_token.clone().expect("a tracking link");
    let e1 = &r1.event;
    assert_eq!(e1.description, "楼上漏水，邻居协商不成");
    assert_eq!(e1.grid_code, GRID_A1);
    assert_eq!(e1.path, fx.path(GRID_A1));
    assert_eq!(e1.holder_path, fx.path(GRID_A1));
    assert_eq!(e1.level, 1);
    assert_eq!(e1.status.as_str(), "reported");
    assert_eq!(e1.route_note, None);
    assert_eq!(e1.source, "resident_qr");
    assert_eq!(e1.complexity, "ordinary");
    assert_eq!((e1.lat, e1.lon), (Some(IN_A1.0), Some(IN_A1.1)));
    let due = known_due(now, now, Complexity::Ordinary, 1, cal);
    assert_eq!(e1.due_at, Some(due.level_due));
    assert_eq!(e1.final_due_at, Some(due.final_due));
    assert!(!e1.calendar_missing);
    assert_eq!(e1.level_started_at, now);
    assert_eq!(e1.reported_at, now);
    assert_eq!(e1.light(now), Some(Light::Green));
    // The tracking link finds it again.
    {
        let mut c = fx.db().conn().await.unwrap();
        let found = events::by_tracking(&mut c.handle(), &token1).await.unwrap();
        assert_eq!(found.number, r1.number);
        assert_err(
            events::by_tracking(&mut c.handle(), "not-a-token").await,
            "event.not_found",
            404,
        );
    }

    // MD03 (complex) is handled at level 3: the township above the grid owns it.
    let mut input = fx.located("MD03", "工地拖欠工资");
    input.reporter_name = Some("李四".into());
    input.reporter_phone = Some("13812345678".into());
    let r2 = fx.report(&resident(), input, now + HOUR).await.unwrap();
    assert_eq!(r2.number, "SJ20250303-000002");
    assert_eq!(r2.event.level, 3);
    assert_eq!(r2.event.holder_path, fx.path(TWP_A));
    assert_eq!(r2.event.path, fx.path(GRID_A1));
    assert_eq!(r2.event.complexity, "complex");
    let due = known_due(now + HOUR, now + HOUR, Complexity::Complex, 3, cal);
    assert_eq!(r2.event.due_at, Some(due.level_due));
    assert_eq!(r2.event.final_due_at, Some(due.final_due));
    // The township operator sees it waiting; the grid worker sees it in scope but not to accept.
    assert_eq!(
        fx.list(TWP_A, Inbox::ToAccept, &ListFilter::default(), now + HOUR)
            .await,
        vec![r2.number.clone()]
    );
    assert_eq!(
        fx.list(GRID_A1, Inbox::ToAccept, &ListFilter::default(), now + HOUR)
            .await,
        vec![r1.number.clone()]
    );

    // A new day starts at 1 again; a hand-chosen grid differing from the located one is noted.
    let next_day = at("2025-03-04T08:00:00+08:00");
    let mut input = fx.located("SR01", "垃圾堆放");
    input.chosen_grid = Some(GRID_A2.into());
    input.reporter_phone = Some("139 0000 1111".into());
    let r3 = fx
        .report(&fx.caller("op_a"), input, next_day)
        .await
        .unwrap();
    assert_eq!(r3.number, "SJ20250304-000001");
    assert_eq!(r3.event.grid_code, GRID_A2);
    assert!(r3.event.route_note.as_deref().unwrap().contains(GRID_A1));
    // Anonymous report: no name, no phone.
    let r4 = fx
        .report(&resident(), fx.located("SR02", "路面脏"), next_day)
        .await
        .unwrap();
    assert_eq!(r4.number, "SJ20250304-000002");

    // Sealed at rest: neither the name nor the phone lies in clear in the database.
    let (name, phone, index) = fx.raw_reporter(&r1.number).await;
    let (name, phone, index) = (name.unwrap(), phone.unwrap(), index.unwrap());
    for clear in ["张三丰", "13812345678", "138-1234-5678", "5678"] {
        assert!(!name.contains(clear), "{name}");
        assert!(!phone.contains(clear), "{phone}");
        assert!(!index.contains(clear), "{index}");
    }
    let (_, _, index2) = fx.raw_reporter(&r2.number).await;
    assert_eq!(
        Some(index.clone()),
        index2,
        "the same phone has the same blind index"
    );
    let (_, _, index3) = fx.raw_reporter(&r3.number).await;
    assert_ne!(
        Some(index.clone()),
        index3,
        "another phone has another index"
    );
    assert_eq!(fx.raw_reporter(&r4.number).await, (None, None, None));

    // Masked by default; revealed on request.
    let mut c = fx.db().conn().await.unwrap();
    let masked = events::reporter(&mut c.handle(), &fx.ctx(), &r1.event)
        .await
        .unwrap();
    assert!(!masked.anonymous);
    assert_eq!(masked.name.as_deref(), Some("张**"));
    assert_eq!(masked.phone.as_deref(), Some("138****5678"));
    assert_eq!(masked.name, Some(mask_name("张三丰")));
    assert_eq!(masked.phone, Some(mask_phone("13812345678")));
    let clear = events::open_reporter(&mut c.handle(), &fx.ctx(), &r1.event)
        .await
        .unwrap();
    assert_eq!(
        clear.name.as_ref().map(|v| v.expose().as_str()),
        Some("张三丰")
    );
    assert_eq!(
        clear.phone.as_ref().map(|v| v.expose().as_str()),
        Some("13812345678")
    );
    // Opened, it still prints neither.
    let shown = format!("{clear:?}");
    assert!(
        !shown.contains("张三") && !shown.contains("5678"),
        "{shown}"
    );
    let anon = events::open_reporter(&mut c.handle(), &fx.ctx(), &r4.event)
        .await
        .unwrap();
    assert!(anon.anonymous);
    assert_eq!((anon.name, anon.phone), (None, None));
    // Lists and pages carry no reporter data.
    let row = serde_json::to_string(&r1.event).unwrap();
    assert!(
        !row.contains("张") && !row.contains("5678") && !row.contains("reporter"),
        "{row}"
    );
    // Another key ring cannot open it.
    let other = KeyRing::from_text(&format!("k1 {}", auth::random_secret().unwrap())).unwrap();
    let ctx = EventCtx {
        keys: &other,
        calendar: &fx.calendar,
        rules: &fx.rules,
        categories: Default::default(),
    };
    assert!(
        events::open_reporter(&mut c.handle(), &ctx, &r1.event)
            .await
            .is_err()
    );
    drop(c);

    // Every report wrote one event, its first step and its party.
    assert_eq!(fx.count("events").await, 4);
    assert_eq!(fx.count("event_history").await, 4);
    let h = fx.history(r1.event.id).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].action, "report");
    assert_eq!(h[0].note, "楼上漏水，邻居协商不成");
    assert_eq!(h[0].actor_type, "reporter");
    assert_eq!(h[0].actor_user_id, None);
}

// ---------------------------------------------------------------------------------------------
// (2) Refusals write nothing

#[tokio::test]
async fn refused_reports_write_nothing() {
    let fx = fixture().await;
    let now = at("2025-03-03T09:00:00+08:00");
    let before = fx.counts().await;
    assert_eq!(before, [0; 5]);

    // Each refusal runs on a bare connection, not in a transaction: the store itself must not
    // write anything before it refuses.
    let try_report = |input: ReportInput, caller: Caller| {
        let fx = &fx;
        async move {
            let mut c = fx.db().conn().await.unwrap();
            events::report(&mut c.handle(), &fx.ctx(), &caller, input, now).await
        }
    };
    let with_photo = |mut i: ReportInput| {
        i.photos = vec![png_photo()];
        i.reporter_name = Some("王五".into());
        i
    };

    assert_err(
        try_report(with_photo(fx.located("XX99", "什么事")), resident()).await,
        "event.category_unknown",
        400,
    );
    assert_err(
        try_report(with_photo(fx.located("MD", "纠纷")), resident()).await,
        "event.category_not_leaf",
        400,
    );
    assert_err(
        try_report(with_photo(fx.located("MD01", "   ")), resident()).await,
        "event.description_required",
        400,
    );
    let mut i = with_photo(fx.located("MD01", "纠纷"));
    i.lon = None;
    assert_err(
        try_report(i, resident()).await,
        "event.location_invalid",
        400,
    );
    let mut i = with_photo(fx.located("MD01", "纠纷"));
    i.lat = Some(95.0);
    assert_err(
        try_report(i, resident()).await,
        "event.location_invalid",
        400,
    );
    // A point outside every grid with no grid chosen.
    let mut i = with_photo(fx.located("MD01", "纠纷"));
    i.located_grid = None;
    i.lat = Some(30.0);
    assert_err(
        try_report(i, resident()).await,
        "event.location_outside",
        400,
    );
    // Neither a point nor a grid.
    let mut i = with_photo(fx.located("MD01", "纠纷"));
    (i.lat, i.lon, i.located_grid) = (None, None, None);
    assert_err(
        try_report(i, resident()).await,
        "event.location_required",
        400,
    );
    // A staff member of township B choosing a grid of township A.
    let mut i = with_photo(fx.located("MD01", "纠纷"));
    (i.lat, i.lon, i.located_grid) = (None, None, None);
    i.chosen_grid = Some(GRID_A1.into());
    assert_err(
        try_report(i, fx.caller("op_b")).await,
        "node.not_found",
        404,
    );
    // A chosen code that is not a grid.
    let mut i = with_photo(fx.located("MD01", "纠纷"));
    (i.lat, i.lon, i.located_grid) = (None, None, None);
    i.chosen_grid = Some(VIL_A.into());
    assert_err(
        try_report(i, fx.caller("op_a")).await,
        "event.not_a_grid",
        400,
    );
    // Bad reporter data is refused before anything is numbered or stored.
    let mut i = with_photo(fx.located("MD01", "纠纷"));
    i.reporter_phone = Some("12ab".into());
    assert_err(try_report(i, resident()).await, "event.phone_invalid", 400);
    let mut i = with_photo(fx.located("MD01", "纠纷"));
    i.reporter_name = Some("名".repeat(41).into());
    assert_err(try_report(i, resident()).await, "event.name_too_long", 400);
    // Too many photos.
    let mut i = fx.located("MD01", "纠纷");
    i.photos = (0..10).map(|_| png_photo()).collect();
    assert_err(
        try_report(i, resident()).await,
        "event.too_many_photos",
        400,
    );
    // A leader (read-only) may not report.
    let leader = Caller {
        actor: Actor::Staff(Staff {
            user_id: 999,
            role: Role::Leader,
            node_kind: NodeKind::County,
            node_code: COUNTY.into(),
        }),
        name: "领导".into(),
        scope: fx.scope(COUNTY),
    };
    let i = fx.located("MD01", "纠纷");
    assert_err(try_report(i, leader).await, "event.role_not_allowed", 403);

    // Handled on the spot: only by the grid's worker.
    let mut i = with_photo(fx.located("SR01", "垃圾"));
    i.handled_on_spot = Some("已清理".into());
    assert_err(
        try_report(i, resident()).await,
        "event.role_not_allowed",
        403,
    );
    let mut i = with_photo(fx.located("SR01", "垃圾"));
    i.handled_on_spot = Some("已清理".into());
    assert_err(
        try_report(i, fx.caller("gw_a2")).await,
        "event.role_not_allowed",
        403,
    );
    let mut i = with_photo(fx.located("MD03", "欠薪"));
    i.handled_on_spot = Some("已解决".into());
    // A level-3 event is not the grid's to handle on the spot.
    assert_err(
        try_report(i, fx.caller("gw_a1")).await,
        "event.action_not_allowed",
        409,
    );

    assert_eq!(
        fx.counts().await,
        before,
        "a refused report wrote something"
    );

    // The same in a transaction, then a good report: numbering starts at 1.
    let r = fx
        .report(&resident(), with_photo(fx.located("MD01", "纠纷")), now)
        .await
        .unwrap();
    assert_eq!(r.number, "SJ20250303-000001");
    assert_eq!(fx.counts().await, [1, 1, 1, 1, 1]);
    let h = fx.history(r.event.id).await;
    assert_eq!(h[0].attachment_ids().len(), 1);

    // The grid's worker handles one on the spot: two steps, waiting to be verified.
    let mut i = with_photo(fx.located("SR01", "垃圾"));
    i.source = Source::Worker;
    i.handled_on_spot = Some("已清理".into());
    let r = fx.report(&fx.caller("gw_a1"), i, now).await.unwrap();
    assert_eq!(r.event.status.as_str(), "feedback_given");
    let h = fx.history(r.event.id).await;
    let labels: Vec<&str> = h.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["report", "handle_on_spot"]);
    assert_eq!(h[1].note, "已清理");
    assert_eq!(h[1].attachment_ids().len(), 1);
    assert_eq!(
        fx.list(VIL_A, Inbox::ToVerify, &ListFilter::default(), now)
            .await,
        [r.number.as_str()]
    );
}

// ---------------------------------------------------------------------------------------------
// (3) A double submission makes one event

#[tokio::test]
async fn double_submission_returns_the_first_event() {
    let fx = fixture().await;
    let now = at("2025-03-03T09:00:00+08:00");
    let mut input = fx.located("MD01", "邻里纠纷");
    input.submission_key = Some("client-key-1".into());
    let first = fx.report(&resident(), input, now).await.unwrap();
    assert!(!first.duplicate_submission);
    assert!(first.tracking_token.is_some());

    let mut again = fx.located("MD01", "邻里纠纷（重复点击）");
    again.submission_key = Some("client-key-1".into());
    again.photos = vec![png_photo()];
    let second = fx.report(&resident(), again, now + 1000).await.unwrap();
    assert!(second.duplicate_submission);
    assert_eq!(second.number, first.number);
    assert_eq!(second.event.id, first.event.id);
    assert_eq!(second.event.description, "邻里纠纷");
    assert!(
        second.tracking_token.is_none(),
        "the tracking link is given out once"
    );
    assert_eq!(fx.counts().await, [1, 1, 0, 1, 1]);

    // Another key is another event.
    let mut other = fx.located("MD01", "另一件事");
    other.submission_key = Some("client-key-2".into());
    let third = fx.report(&resident(), other, now + 2000).await.unwrap();
    assert!(!third.duplicate_submission);
    assert_eq!(third.number, "SJ20250303-000002");
}

// ---------------------------------------------------------------------------------------------
// (3b) A report that fails or is dropped half-way leaves no transaction open

/// The name of a caller whose history step the test trigger refuses.
const FAILING_NAME: &str = "故障注入";

/// A trigger refusing the first history step of `FAILING_NAME`'s reports: it fires after the
/// number is taken and the event row written, as late as a report can fail.
async fn force_history_failure(fx: &Fx) {
    if fx.db().is_postgres() {
        fx.exec(&format!(
            "CREATE FUNCTION force_report_failure() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.actor_name = '{FAILING_NAME}' THEN RAISE EXCEPTION 'forced failure'; END IF; RETURN NEW; END $$"
        ))
        .await
        .unwrap();
        fx.exec(
            "CREATE TRIGGER force_report_failure BEFORE INSERT ON event_history \
             FOR EACH ROW EXECUTE FUNCTION force_report_failure()",
        )
        .await
        .unwrap();
    } else {
        fx.exec(&format!(
            "CREATE TRIGGER force_report_failure BEFORE INSERT ON event_history \
             WHEN NEW.actor_name = '{FAILING_NAME}' BEGIN SELECT RAISE(ABORT, 'forced failure'); END"
        ))
        .await
        .unwrap();
    }
}

/// Every pooled connection can begin a write transaction, one after another: none was left
/// inside one (on SQLite such a connection would refuse BEGIN, or hold the write lock so that
/// the others' BEGIN IMMEDIATE times out).
async fn assert_no_open_transaction(fx: &Fx) {
    // More than the pool holds (8 on SQLite), so each idle connection is handed out.
    for _ in 0..10 {
        let tx = fx
            .db()
            .begin()
            .await
            .expect("a pooled connection was left inside a transaction");
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn a_failed_report_rolls_back_and_leaves_no_open_transaction() {
    let fx = fixture().await;
    let now = at("2025-03-03T09:00:00+08:00");
    force_history_failure(&fx).await;
    let failing = |actor: Actor| Caller {
        actor,
        name: FAILING_NAME.into(),
        scope: System::acting().scope(),
    };
    let worker = fx.caller("gw_a1").actor;

    // The plain report (one write script), with a photo and handled on the spot (more trips).
    let plain = fx.located("MD01", "纠纷");
    let mut photo = fx.located("MD01", "纠纷");
    photo.photos = vec![png_photo()];
    photo.submission_key = Some("failing-key".into());
    let mut on_spot = fx.located("SR01", "垃圾");
    on_spot.source = Source::Worker;
    on_spot.handled_on_spot = Some("已清理".into());
    let tries = [
        (failing(Actor::Reporter { user_id: None }), plain),
        (failing(Actor::Reporter { user_id: None }), photo),
        (failing(worker), on_spot),
    ];
    for (caller, input) in tries {
        let r = fx.report(&caller, input, now).await;
        assert!(r.is_err(), "the trigger should refuse the report: {r:?}");
        assert_eq!(
            fx.counts().await,
            [0; 5],
            "a failed report left rows (its number included)"
        );
        assert_no_open_transaction(&fx).await;
    }

    // The next report on the same pool is written and takes the day's first number.
    let mut again = fx.located("MD01", "纠纷");
    again.submission_key = Some("failing-key".into());
    let r = fx.report(&resident(), again, now).await.unwrap();
    assert!(!r.duplicate_submission);
    assert_eq!(r.number, "SJ20250303-000001");
    assert_eq!(fx.counts().await, [1, 1, 0, 1, 1]);
}

#[tokio::test]
async fn a_dropped_report_leaves_no_open_transaction() {
    let fx = fixture().await;
    let now = at("2025-03-03T09:00:00+08:00");
    // Each report is dropped after one more poll than the last, so the drops land before,
    // between and after its round trips, until one runs to the end.
    let mut finished = 0;
    for polls in 1..=40 {
        let caller = resident();
        let mut fut =
            Box::pin(fx.report(&caller, fx.located("MD01", &format!("纠纷 {polls}")), now));
        let mut left = polls;
        let done = std::future::poll_fn(|cx| {
            if left == 0 {
                return std::task::Poll::Ready(None);
            }
            left -= 1;
            fut.as_mut().poll(cx).map(Some)
        })
        .await;
        drop(fut);
        assert_no_open_transaction(&fx).await;
        // Whatever was written is whole: each event has its party and its first step.
        let [events, history, _, parties, _] = fx.counts().await;
        assert_eq!(events, history, "after {polls} polls");
        assert_eq!(events, parties, "after {polls} polls");
        if let Some(r) = done {
            r.unwrap();
            finished += 1;
            if finished == 3 {
                break;
            }
        }
    }
    assert_eq!(finished, 3, "the reports never ran to the end");
    let r = fx
        .report(&resident(), fx.located("MD01", "纠纷"), now)
        .await
        .unwrap();
    let events = fx.count("events").await;
    assert_eq!(r.number, format!("SJ20250303-{events:06}"));
}

// ---------------------------------------------------------------------------------------------
// (4) The whole loop

#[tokio::test]
async fn full_loop_from_report_to_rating() {
    let fx = fixture().await;
    let cal = &fx.calendar;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let mut input = fx.located("MD01", "邻居装修噪声纠纷");
    input.reporter_name = Some("赵六".into());
    input.reporter_phone = Some("13700001111".into());
    let r = fx.report(&resident(), input, t0).await.unwrap();
    let (n, token) = (r.number.clone(), r.tracking_token.clone().unwrap());

    // The grid worker accepts at level 1.
    let e = fx.act("gw_a1", &n, accept(), &[], t0 + HOUR).await.unwrap();
    assert_eq!(e.status.as_str(), "accepted");
    assert_eq!(e.level, 1);
    let due1 = known_due(t0, t0, Complexity::Ordinary, 1, cal);
    assert_eq!(e.due_at, Some(due1.level_due));

    // … escalates to the village: level 2, the village owns it, the level's time restarts.
    let t2 = t0 + 2 * HOUR;
    let e = fx.act("gw_a1", &n, escalate(VIL_A), &[], t2).await.unwrap();
    assert_eq!((e.status.as_str(), e.level), ("accepted", 2));
    assert_eq!(e.holder_path, fx.path(VIL_A));
    assert_eq!(e.level_started_at, t2);
    let due2 = known_due(t0, t2, Complexity::Ordinary, 2, cal);
    assert_eq!(e.due_at, Some(due2.level_due));
    assert_eq!(e.final_due_at, Some(due1.final_due));
    // The worker no longer holds it and may not escalate again.
    assert_err(
        fx.act("gw_a1", &n, escalate(TWP_A), &[], t2 + 1).await,
        "event.role_not_allowed",
        403,
    );

    // The grid leader escalates to the township (the target is the parent, whatever is typed).
    let t3 = t0 + 3 * HOUR;
    let e = fx
        .act("gl_a", &n, escalate("anything"), &[], t3)
        .await
        .unwrap();
    assert_eq!(e.level, 3);
    assert_eq!(e.holder_path, fx.path(TWP_A));
    assert_eq!(e.level_started_at, t3);
    let due3 = known_due(t0, t3, Complexity::Ordinary, 3, cal);
    assert_eq!(e.due_at, Some(due3.level_due));

    // The township operator assigns it to its department with a due time.
    let t4 = t0 + 4 * HOUR;
    let assign_due = t0 + 2 * DAY;
    let assign = Action::Assign {
        to: Holder::Department {
            code: DEPT_A.into(),
        },
        due_ms: assign_due,
        note: "请城建办处理".into(),
    };
    // A department of another township is not a target.
    let elsewhere = Action::Assign {
        to: Holder::Department {
            code: DEPT_B.into(),
        },
        due_ms: assign_due,
        note: String::new(),
    };
    assert_err(
        fx.act("op_a", &n, elsewhere, &[], t4).await,
        "event.target_invalid",
        400,
    );
    let e = fx.act("op_a", &n, assign, &[], t4).await.unwrap();
    assert_eq!(e.status.as_str(), "assigned");
    assert_eq!(e.due_at, Some(assign_due));
    assert_eq!(e.holder_path, fx.path(DEPT_A));
    assert_eq!(e.level, 3);

    // The department sees it although the grid is not under its node.
    let dept_scope = fx.scope(DEPT_A);
    assert!(!dept_scope.contains(&e.path));
    assert_eq!(fx.get(&dept_scope, &n).await.unwrap().id, e.id);
    assert_eq!(
        fx.list(DEPT_A, Inbox::ToHandle, &ListFilter::default(), t4)
            .await,
        vec![n.clone()]
    );
    // … and not the county's department, nor the other township.
    assert_err(
        fx.get(&fx.scope(DEPT_COUNTY), &n).await,
        "event.not_found",
        404,
    );
    assert_err(fx.get(&fx.scope(TWP_B), &n).await, "event.not_found", 404);
    assert!(
        fx.list(TWP_B, Inbox::All, &ListFilter::default(), t4)
            .await
            .is_empty()
    );

    // The department gives feedback with a photo.
    let t5 = t0 + 5 * HOUR;
    let e = fx
        .act(
            "dept_a",
            &n,
            feedback("已上门调解，双方达成协议"),
            &[png_photo()],
            t5,
        )
        .await
        .unwrap();
    assert_eq!(e.status.as_str(), "feedback_given");
    assert_eq!(fx.count("photos").await, 1);

    // The operator verifies: closed.
    let t6 = t0 + 6 * HOUR;
    let e = fx.act("op_a", &n, verify(true), &[], t6).await.unwrap();
    assert_eq!(e.status.as_str(), "closed");
    assert_eq!(e.closed_at, Some(t6));
    assert_eq!(e.light(t6), None);

    // The reporter rates through the tracking link.
    let t7 = t0 + 7 * HOUR;
    let e = fx.as_reporter(&token, rate(5), t7).await.unwrap();
    assert_eq!(e.rating, Some(5));
    assert_eq!(e.rating_comment.as_deref(), Some("满意"));

    // Every step, in order.
    let h = fx.history(e.id).await;
    let labels: Vec<&str> = h.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "report", "accept", "escalate", "escalate", "assign", "feedback", "close", "rate"
        ]
    );
    let actions: Vec<&str> = h.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions[6], "verify");
    assert_eq!(
        h.iter().map(|s| s.seq).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<i64>>()
    );
    assert_eq!(
        h.iter().map(|s| s.at).collect::<Vec<_>>(),
        [t0, t0 + HOUR, t2, t3, t4, t5, t6, t7]
    );
    assert_eq!(
        h.iter().map(|s| s.to_level).collect::<Vec<_>>(),
        [1, 1, 2, 3, 3, 3, 3, 3]
    );
    assert_eq!(h[1].actor_user_id, Some(fx.user_id("gw_a1")));
    assert_eq!(h[1].actor_name, "用户gw_a1");
    assert_eq!(h[2].due_at, Some(due2.level_due));
    assert_eq!(h[4].due_at, Some(assign_due));
    assert_eq!(h[4].note, "请城建办处理");
    assert_eq!(h[5].actor_user_id, Some(fx.user_id("dept_a")));
    assert_eq!(h[5].note, "已上门调解，双方达成协议");
    assert_eq!(h[7].actor_type, "reporter");
    assert_eq!(h[0].prev_hash, "genesis");
    for w in h.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
    // The feedback's photo is stored with the step and served back byte for byte.
    let ids = h[5].attachment_ids();
    assert_eq!(ids.len(), 1);
    let mut c = fx.db().conn().await.unwrap();
    let (ct, bytes) = events::photo(&mut c.handle(), &e, ids[0]).await.unwrap();
    assert_eq!(ct, "image/png");
    assert_eq!(bytes, png_photo().bytes);
    // Not through another event.
    let other = fx
        .report(&resident(), fx.located("SR01", "垃圾"), t7)
        .await
        .unwrap();
    assert_err(
        events::photo(&mut c.handle(), &other.event, ids[0]).await,
        "photo.not_found",
        404,
    );
    drop(c);

    // Out of scope: the other township's operator neither sees nor acts.
    assert_err(fx.get(&fx.scope(TWP_B), &n).await, "event.not_found", 404);
    let before = fx.count("event_history").await;
    assert_err(
        fx.act("op_b", &n, Action::Remind { note: "催".into() }, &[], t7)
            .await,
        "event.not_found",
        404,
    );
    assert_eq!(fx.count("event_history").await, before);
    // The department still sees what it handled.
    assert_eq!(
        fx.list(DEPT_A, Inbox::Closed, &ListFilter::default(), t7)
            .await,
        vec![n.clone()]
    );
    let mut c = fx.db().conn().await.unwrap();
    let (rows, breaks) = events::verify_history(&mut c.handle()).await.unwrap();
    assert_eq!(rows, 9);
    assert!(breaks.is_empty(), "{breaks:?}");
}

// ---------------------------------------------------------------------------------------------
// (5) Wrong role, wrong state: the domain's codes, nothing appended

#[tokio::test]
async fn wrong_role_or_state_is_refused_and_appends_nothing() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let r = fx
        .report(&resident(), fx.located("MD01", "邻里纠纷"), t0)
        .await
        .unwrap();
    let (n, token) = (r.number.clone(), r.tracking_token.clone().unwrap());

    #[allow(clippy::too_many_arguments)]
    async fn refused(
        fx: &Fx,
        user: &str,
        n: &str,
        action: Action,
        photos: &[NewPhoto],
        now: i64,
        code: &str,
        status: u16,
    ) {
        let before = (
            fx.counts().await,
            fx.get(&System::acting().scope(), n)
                .await
                .unwrap()
                .updated_at,
        );
        // On a bare connection: a refusal must not leave anything behind by itself.
        let caller = fx.caller(user);
        let mut c = fx.db().conn().await.unwrap();
        let r = events::act(&mut c.handle(), &fx.ctx(), &caller, n, action, photos, now).await;
        drop(c);
        assert_err(r, code, status);
        let after = (
            fx.counts().await,
            fx.get(&System::acting().scope(), n)
                .await
                .unwrap()
                .updated_at,
        );
        assert_eq!(before, after, "{user} {code}: something was written");
    }

    // Reported: nothing to verify yet; a department cannot even see it; the grid worker of
    // another grid cannot see it either.
    refused(
        &fx,
        "gw_a1",
        &n,
        verify(true),
        &[],
        t0 + 1,
        "event.action_not_allowed",
        409,
    )
    .await;
    refused(
        &fx,
        "dept_a",
        &n,
        accept(),
        &[],
        t0 + 1,
        "event.not_found",
        404,
    )
    .await;
    refused(
        &fx,
        "gw_a2",
        &n,
        accept(),
        &[],
        t0 + 1,
        "event.not_found",
        404,
    )
    .await;
    refused(
        &fx,
        "gw_a1",
        &n,
        feedback("好了"),
        &[],
        t0 + 1,
        "event.action_not_allowed",
        409,
    )
    .await;
    // Photos go with feedback only, and are not left behind when refused.
    refused(
        &fx,
        "gw_a1",
        &n,
        accept(),
        &[png_photo()],
        t0 + 1,
        "event.photos_unexpected",
        400,
    )
    .await;
    // A note that is too long.
    let long = Action::Accept {
        due_ms: None,
        urgency: None,
        note: "x".repeat(2001),
    };
    refused(
        &fx,
        "gw_a1",
        &n,
        long,
        &[],
        t0 + 1,
        "event.text_too_long",
        400,
    )
    .await;
    // The reporter cannot rate an open event.
    assert_err(
        fx.as_reporter(&token, rate(5), t0 + 1).await,
        "event.action_not_allowed",
        409,
    );

    fx.act("gw_a1", &n, accept(), &[], t0 + HOUR).await.unwrap();
    // A department takes no assignment of a level-1 (grid) event.
    let to_dept = Action::Assign {
        to: Holder::Department {
            code: DEPT_A.into(),
        },
        due_ms: t0 + DAY,
        note: String::new(),
    };
    refused(
        &fx,
        "op_a",
        &n,
        to_dept,
        &[],
        t0 + HOUR + 1,
        "event.target_invalid",
        400,
    )
    .await;
    // An escalation by the grid leader, who does not hold it.
    refused(
        &fx,
        "gl_a",
        &n,
        escalate(VIL_A),
        &[],
        t0 + HOUR + 1,
        "event.role_not_allowed",
        403,
    )
    .await;
    refused(
        &fx,
        "gw_a1",
        &n,
        feedback("  "),
        &[],
        t0 + HOUR + 1,
        "event.result_required",
        400,
    )
    .await;

    fx.act("gw_a1", &n, feedback("已调解"), &[], t0 + 2 * HOUR)
        .await
        .unwrap();
    // A worker does not verify; nobody verifies their own feedback.
    refused(
        &fx,
        "gw_a1",
        &n,
        verify(true),
        &[],
        t0 + 3 * HOUR,
        "event.role_not_allowed",
        403,
    )
    .await;
    let no_reason = Action::Verify {
        pass: false,
        note: String::new(),
    };
    refused(
        &fx,
        "gl_a",
        &n,
        no_reason,
        &[],
        t0 + 3 * HOUR,
        "event.reason_required",
        400,
    )
    .await;
    fx.act("gl_a", &n, verify(true), &[], t0 + 3 * HOUR)
        .await
        .unwrap();

    // Closed: staff cannot rate; the reporter rates once.
    refused(
        &fx,
        "gl_a",
        &n,
        rate(4),
        &[],
        t0 + 4 * HOUR,
        "event.role_not_allowed",
        403,
    )
    .await;
    assert_err(
        fx.as_reporter(&token, rate(9), t0 + 4 * HOUR).await,
        "event.stars_invalid",
        400,
    );
    fx.as_reporter(&token, rate(4), t0 + 4 * HOUR)
        .await
        .unwrap();
    let before = fx.counts().await;
    assert_err(
        fx.as_reporter(&token, rate(5), t0 + 5 * HOUR).await,
        "event.already_rated",
        409,
    );
    assert_err(
        fx.as_reporter(
            &token,
            Action::Reopen {
                reason: "没修好".into(),
            },
            t0 + 5 * HOUR,
        )
        .await,
        "event.already_rated",
        409,
    );
    assert_eq!(fx.counts().await, before);
    let e = fx.get(&System::acting().scope(), &n).await.unwrap();
    assert_eq!(e.rating, Some(4));
    let labels: Vec<String> = fx
        .history(e.id)
        .await
        .into_iter()
        .map(|s| s.label)
        .collect();
    assert_eq!(labels, ["report", "accept", "feedback", "close", "rate"]);
}

// ---------------------------------------------------------------------------------------------
// (6) History is append-only and its chain shows tampering

#[tokio::test]
async fn history_is_append_only_and_tampering_is_found() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let a = fx
        .report(&resident(), fx.located("MD01", "一"), t0)
        .await
        .unwrap();
    let b = fx
        .report(&resident(), fx.located("MD01", "二"), t0 + 1)
        .await
        .unwrap();
    fx.act("gw_a1", &b.number, accept(), &[], t0 + HOUR)
        .await
        .unwrap();
    fx.act("gw_a1", &b.number, feedback("处理完毕"), &[], t0 + 2 * HOUR)
        .await
        .unwrap();

    assert!(
        fx.exec("UPDATE event_history SET note = 'x'")
            .await
            .is_err()
    );
    assert!(fx.exec("DELETE FROM event_history").await.is_err());
    assert!(
        fx.exec(&format!(
            "DELETE FROM event_history WHERE event_id = {}",
            a.event.id
        ))
        .await
        .is_err()
    );
    assert_eq!(fx.count("event_history").await, 4);

    let mut c = fx.db().conn().await.unwrap();
    let (rows, breaks) = events::verify_history(&mut c.handle()).await.unwrap();
    assert_eq!(rows, 4);
    assert!(breaks.is_empty(), "{breaks:?}");
    drop(c);

    // Bypass the guard the way someone with the database's owner rights could.
    let bypass = match fx.db() {
        Db::Sqlite(_) => "DROP TRIGGER event_history_no_update",
        Db::Postgres(_) => "ALTER TABLE event_history DISABLE TRIGGER event_history_append_only",
    };
    fx.exec(bypass).await.unwrap();
    let changed = fx
        .exec(&format!(
            "UPDATE event_history SET note = '未处理' WHERE event_id = {} AND seq = 3",
            b.event.id
        ))
        .await
        .unwrap();
    assert_eq!(changed, 1);

    let mut c = fx.db().conn().await.unwrap();
    let (rows, breaks) = events::verify_history(&mut c.handle()).await.unwrap();
    assert_eq!(rows, 4);
    assert_eq!(breaks.len(), 1, "{breaks:?}");
    assert_eq!(breaks[0].event, b.number);
    assert_eq!(breaks[0].seq, 3);
}

// ---------------------------------------------------------------------------------------------
// (7) Lists and public results

#[tokio::test]
async fn inboxes_search_and_public_results() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let none = ListFilter::default();

    // e1: reported at grid A1. e2: level 3, held by township A. e3: in township B.
    // e4: closed. e5: feedback given, waiting to be verified.
    let mut i1 = fx.located("MD01", "邻居吵架");
    i1.reporter_name = Some("钱七".into());
    i1.reporter_phone = Some("13911112222".into());
    let e1 = fx.report(&resident(), i1, t0).await.unwrap().number;
    let e2 = fx
        .report(&resident(), fx.located("MD03", "欠薪"), t0 + 1)
        .await
        .unwrap()
        .number;
    let mut i3 = fx.located("SR01", "垃圾");
    (i3.lat, i3.lon, i3.located_grid) = (Some(26.05), Some(119.25), Some(fx.grid(GRID_B1)));
    let e3 = fx.report(&resident(), i3, t0 + 2).await.unwrap().number;
    let mut i4 = fx.located("SR02", "道路脏");
    i4.reporter_name = Some("孙八".into());
    i4.reporter_phone = Some("13633334444".into());
    let e4 = fx.report(&resident(), i4, t0 + 3).await.unwrap().number;
    let e5 = fx
        .report(&resident(), fx.located("JM02", "乱停车"), t0 + 4)
        .await
        .unwrap()
        .number;
    fx.act("gw_a1", &e4, accept(), &[], t0 + HOUR)
        .await
        .unwrap();
    fx.act("gw_a1", &e4, feedback("已清扫干净"), &[], t0 + 2 * HOUR)
        .await
        .unwrap();
    fx.act("gl_a", &e4, verify(true), &[], t0 + 3 * HOUR)
        .await
        .unwrap();
    fx.act("gw_a1", &e5, accept(), &[], t0 + HOUR)
        .await
        .unwrap();
    fx.act("gw_a1", &e5, feedback("已劝离"), &[], t0 + 2 * HOUR)
        .await
        .unwrap();
    let now = t0 + 4 * HOUR;

    // Newest first.
    assert_eq!(
        fx.list(TWP_A, Inbox::All, &none, now).await,
        [e5.as_str(), e4.as_str(), e2.as_str(), e1.as_str()]
    );
    assert_eq!(fx.list(TWP_B, Inbox::All, &none, now).await, [e3.as_str()]);
    assert_eq!(fx.list(COUNTY, Inbox::All, &none, now).await.len(), 5);
    assert!(fx.list(GRID_A2, Inbox::All, &none, now).await.is_empty());
    // To accept: only what the caller's own node holds.
    assert_eq!(
        fx.list(GRID_A1, Inbox::ToAccept, &none, now).await,
        [e1.as_str()]
    );
    assert_eq!(
        fx.list(TWP_A, Inbox::ToAccept, &none, now).await,
        [e2.as_str()]
    );
    assert_eq!(
        fx.list(GRID_B1, Inbox::ToAccept, &none, now).await,
        [e3.as_str()]
    );
    assert!(fx.list(TWP_B, Inbox::ToAccept, &none, now).await.is_empty());
    assert!(fx.list(VIL_A, Inbox::ToAccept, &none, now).await.is_empty());
    // To verify: feedback given anywhere in scope.
    assert_eq!(
        fx.list(VIL_A, Inbox::ToVerify, &none, now).await,
        [e5.as_str()]
    );
    assert_eq!(
        fx.list(TWP_A, Inbox::ToVerify, &none, now).await,
        [e5.as_str()]
    );
    assert!(fx.list(TWP_B, Inbox::ToVerify, &none, now).await.is_empty());
    // Closed.
    assert_eq!(
        fx.list(VIL_A, Inbox::Closed, &none, now).await,
        [e4.as_str()]
    );
    assert!(fx.list(TWP_B, Inbox::Closed, &none, now).await.is_empty());
    // Overdue: nothing yet; after the due times, every open event but not the closed one.
    assert!(fx.list(CITY, Inbox::Overdue, &none, now).await.is_empty());
    let late = t0 + 20 * DAY;
    assert_eq!(
        fx.list(TWP_A, Inbox::Overdue, &none, late).await,
        [e5.as_str(), e2.as_str(), e1.as_str()]
    );
    assert_eq!(
        fx.list(TWP_B, Inbox::Overdue, &none, late).await,
        [e3.as_str()]
    );
    // Only e1 (3 working days) is overdue on Friday; e2 (complex, township: 5 working days) is not.
    let friday = at("2025-03-07T08:00:00+08:00");
    let overdue_friday = fx.list(TWP_A, Inbox::Overdue, &none, friday).await;
    assert!(
        overdue_friday.contains(&e1) && !overdue_friday.contains(&e2),
        "{overdue_friday:?}"
    );

    // Text search: by number, by description; filters by category, status and level.
    let by = |text: &str| ListFilter {
        text: Some(text.into()),
        ..ListFilter::default()
    };
    assert_eq!(
        fx.list(CITY, Inbox::All, &by(&e2), now).await,
        [e2.as_str()]
    );
    assert_eq!(
        fx.list(CITY, Inbox::All, &by(&e2[2..]), now).await,
        [e2.as_str()]
    );
    assert_eq!(
        fx.list(CITY, Inbox::All, &by("乱停"), now).await,
        [e5.as_str()]
    );
    assert!(fx.list(TWP_B, Inbox::All, &by(&e2), now).await.is_empty());
    assert!(fx.list(CITY, Inbox::All, &by("%"), now).await.len() == 5);
    let f = ListFilter {
        category: Some("MD".into()),
        ..ListFilter::default()
    };
    assert_eq!(
        fx.list(CITY, Inbox::All, &f, now).await,
        [e2.as_str(), e1.as_str()]
    );
    let f = ListFilter {
        status: Some("closed".into()),
        ..ListFilter::default()
    };
    assert_eq!(fx.list(CITY, Inbox::All, &f, now).await, [e4.as_str()]);
    let f = ListFilter {
        level: Some(3),
        ..ListFilter::default()
    };
    assert_eq!(fx.list(CITY, Inbox::All, &f, now).await, [e2.as_str()]);
    let f = ListFilter {
        limit: 2,
        offset: 1,
        ..ListFilter::default()
    };
    assert_eq!(
        fx.list(TWP_A, Inbox::All, &f, now).await,
        [e4.as_str(), e2.as_str()]
    );

    // Public results: the closed event with its result, and nothing about the reporter.
    let mut c = fx.db().conn().await.unwrap();
    let results = events::public_results(&mut c.handle(), &fx.path(VIL_A), 10)
        .await
        .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].number, e4);
    assert_eq!(results[0].result, "已清扫干净");
    assert_eq!(results[0].description, "道路脏");
    assert_eq!(results[0].closed_at, Some(t0 + 3 * HOUR));
    let text = serde_json::to_string(&results).unwrap();
    for secret in ["孙八", "13633334444", "4444", "reporter", "phone"] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(
        events::public_results(&mut c.handle(), &fx.path(VIL_B), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        events::public_results(&mut c.handle(), &fx.path(GRID_A1), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// (8) Reminders and leases

#[tokio::test]
async fn reminders_follow_the_light_and_leases_have_one_holder() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let r = fx
        .report(&resident(), fx.located("MD01", "纠纷"), t0)
        .await
        .unwrap();
    let closed = fx
        .report(&resident(), fx.located("SR01", "垃圾"), t0)
        .await
        .unwrap()
        .number;
    fx.act("gw_a1", &closed, accept(), &[], t0 + 1)
        .await
        .unwrap();
    fx.act("gw_a1", &closed, feedback("好了"), &[], t0 + 2)
        .await
        .unwrap();
    fx.act("gl_a", &closed, verify(true), &[], t0 + 3)
        .await
        .unwrap();
    let due = r.event.due_at.unwrap();
    let start = r.event.level_started_at;
    let at_pct = |p: i64| start + (due - start) * p / 100;

    let needing = |now: i64| {
        let fx = &fx;
        async move {
            let mut c = fx.db().conn().await.unwrap();
            events::needing_reminders(&mut c.handle(), now, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|e| (e.number.clone(), e.light(now).map(Light::code)))
                .collect::<Vec<_>>()
        }
    };
    let mark = |light: &'static str| {
        let fx = &fx;
        let id = r.event.id;
        async move {
            let mut c = fx.db().conn().await.unwrap();
            events::mark_reminded(&mut c.handle(), id, light)
                .await
                .unwrap();
        }
    };

    assert!(needing(at_pct(50)).await.is_empty());
    assert!(needing(at_pct(79)).await.is_empty());
    assert_eq!(deadline::light(start, due, at_pct(85)), Light::Yellow);
    assert_eq!(
        needing(at_pct(85)).await,
        [(r.number.clone(), Some("yellow"))]
    );
    mark("yellow").await;
    assert!(needing(at_pct(85)).await.is_empty());
    assert!(needing(due).await.is_empty(), "due is still yellow");
    assert_eq!(needing(due + 1).await, [(r.number.clone(), Some("red"))]);
    mark("red").await;
    assert!(needing(due + DAY).await.is_empty());
    // A late first look goes straight to red.
    let r2 = fx
        .report(&resident(), fx.located("MD01", "又一件"), t0 + 1)
        .await
        .unwrap();
    assert_eq!(needing(due + DAY).await, [(r2.number.clone(), Some("red"))]);

    // Leases.
    let lease = |holder: &'static str, now: i64| {
        let fx = &fx;
        async move {
            let mut c = fx.db().conn().await.unwrap();
            events::try_lease(&mut c.handle(), "scheduler", holder, now, 60_000)
                .await
                .unwrap()
        }
    };
    assert!(lease("A", t0).await);
    assert!(!lease("B", t0 + 10_000).await);
    assert!(
        lease("A", t0 + 20_000).await,
        "the holder renews (now until t0 + 80 s)"
    );
    assert!(!lease("B", t0 + 70_000).await, "the renewal holds");
    assert!(lease("B", t0 + 81_000).await, "an expired lease passes on");
    assert!(!lease("A", t0 + 82_000).await);
    assert!(lease("B", t0 + 83_000).await);
}

#[tokio::test]
async fn the_personal_inbox_holds_what_one_has_acted_on_or_holds_in_person() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let mine = |user: &'static str, now: i64| {
        let fx = &fx;
        async move {
            let (_, _, node, _) = fx.staff[user];
            let filter = ListFilter {
                me: Some(fx.user_id(user)),
                ..ListFilter::default()
            };
            fx.list(node, Inbox::Mine, &filter, now).await
        }
    };
    let r1 = fx
        .report(&resident(), fx.located("MD01", "楼道堆物"), t0)
        .await
        .unwrap()
        .number;
    let untouched = fx
        .report(&resident(), fx.located("MD01", "无人处理"), t0)
        .await
        .unwrap()
        .number;
    let done = fx
        .report(&resident(), fx.located("SR01", "垃圾"), t0)
        .await
        .unwrap()
        .number;
    assert!(mine("gw_a1", t0).await.is_empty(), "nothing acted on yet");

    fx.act("gw_a1", &r1, accept(), &[], t0 + 1).await.unwrap();
    fx.act("gw_a1", &r1, escalate(VIL_A), &[], t0 + 2)
        .await
        .unwrap();
    assert_eq!(
        mine("gw_a1", t0 + 3).await,
        std::slice::from_ref(&r1),
        "still open"
    );
    assert!(mine("gw_a2", t0 + 3).await.is_empty());

    // The village gives it to one worker in person: it is theirs though they never acted on it.
    let to_person = Action::Assign {
        to: Holder::Person {
            user_id: fx.user_id("gw_a2"),
        },
        due_ms: t0 + DAY,
        note: "请张师傅处理".into(),
    };
    fx.act("gl_a", &r1, to_person, &[], t0 + 4).await.unwrap();
    assert_eq!(mine("gw_a2", t0 + 5).await, std::slice::from_ref(&r1));
    assert_eq!(mine("gl_a", t0 + 5).await, std::slice::from_ref(&r1));
    assert!(mine("gw_b1", t0 + 5).await.is_empty());

    // Closed events leave it.
    fx.act("gw_a1", &done, accept(), &[], t0 + 6).await.unwrap();
    fx.act("gw_a1", &done, feedback("已清运"), &[], t0 + 7)
        .await
        .unwrap();
    assert_eq!(mine("gw_a1", t0 + 8).await.len(), 2);
    fx.act("gl_a", &done, verify(true), &[], t0 + 9)
        .await
        .unwrap();
    assert_eq!(mine("gw_a1", t0 + 10).await, std::slice::from_ref(&r1));
    // The home page's counts agree with the lists, inbox by inbox.
    for user in ["gw_a1", "gw_a2", "gl_a", "op_a"] {
        let (_, _, node, _) = fx.staff[user];
        let me = fx.user_id(user);
        let mut c = fx.db().conn().await.unwrap();
        let counts = events::inbox_counts(
            &mut c.handle(),
            &fx.scope(node),
            me,
            t0 + 10 * DAY,
            &Inbox::ALL,
        )
        .await
        .unwrap();
        drop(c);
        assert_eq!(counts.len(), Inbox::ALL.len());
        for (inbox, n) in counts {
            let filter = ListFilter {
                me: Some(me),
                ..ListFilter::default()
            };
            let listed = fx.list(node, inbox, &filter, t0 + 10 * DAY).await;
            assert_eq!(n, listed.len() as i64, "{user} {}", inbox.as_str());
        }
    }
    assert!(!mine("gl_a", t0 + 10).await.contains(&untouched));
    assert!(!mine("gl_a", t0 + 10).await.contains(&done));
}

#[tokio::test]
async fn a_township_hands_work_down_to_a_grid_and_lower_desks_may_not() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let handed_down = || {
        let mut input = fx.located("MD01", "上级交办:排查违建");
        input.source = Source::Assignment;
        input
    };
    let r = fx
        .report(&fx.caller("op_a"), handed_down(), t0)
        .await
        .unwrap();
    assert_eq!(r.event.source, "assignment");
    assert_eq!(r.event.grid_code, GRID_A1);
    assert_eq!(r.event.status.as_str(), "reported");
    assert_eq!(
        fx.list(GRID_A1, Inbox::ToAccept, &ListFilter::default(), t0 + 1)
            .await,
        std::slice::from_ref(&r.number)
    );
    let before = fx.counts().await;
    for user in ["gl_a", "gw_a1", "dept_a"] {
        let refused = fx.report(&fx.caller(user), handed_down(), t0 + 2).await;
        assert_err(refused, "auth.forbidden", 403);
    }
    assert_err(
        fx.report(&resident(), handed_down(), t0 + 2).await,
        "auth.forbidden",
        403,
    );
    assert_eq!(fx.counts().await, before, "nothing written");
}

#[tokio::test]
async fn administrators_keep_the_category_tree() {
    use wangge_domain::category::Draft;
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let save = |d: Draft, now: i64| {
        let fx = &fx;
        async move {
            let mut tx = fx.db().begin().await.unwrap();
            let r = categories::save(&mut tx.handle(), &d, now).await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r
        }
    };
    let stamp = || {
        let fx = &fx;
        async move {
            let mut c = fx.db().conn().await.unwrap();
            categories::stamp(&mut c.handle()).await.unwrap()
        }
    };
    let noise = || Draft {
        code: "MD90".into(),
        parent_code: Some("MD".into()),
        name: "噪声扰民".into(),
        name_en: Some("Noise".into()),
        complexity: "complex".into(),
        handling_level: 2,
        auto_escalate: true,
        ..Draft::default()
    };
    let before = stamp().await;
    let (c, created) = save(noise(), t0).await.unwrap();
    assert!(created && c.active);
    assert_eq!((c.complexity.as_str(), c.handling_level), ("complex", 2));
    let after = stamp().await;
    assert_eq!(after.0, before.0 + 1);
    assert!(c.sort > 0, "placed after the class's other kinds");

    // A report of the new kind takes its complexity: 15 days for a complex case.
    let r = fx
        .report(&resident(), fx.located("MD90", "夜间施工噪声"), t0)
        .await
        .unwrap();
    assert_eq!(r.event.complexity, "complex");

    // Changing it keeps its place in the tree; moving it to another class is refused.
    let (c, created) = save(
        Draft {
            complexity: "major".into(),
            ..noise()
        },
        t0 + 1,
    )
    .await
    .unwrap();
    assert!(!created);
    assert_eq!(c.complexity, "major");
    let moved = save(
        Draft {
            parent_code: Some("SR".into()),
            code: "MD90".into(),
            ..noise()
        },
        t0 + 2,
    )
    .await;
    assert_err(moved, "category.parent_fixed", 409);
    let under_a_kind = save(
        Draft {
            code: "MD0101".into(),
            parent_code: Some("MD01".into()),
            ..noise()
        },
        t0 + 2,
    )
    .await;
    assert_err(under_a_kind, "category.parent_invalid", 400);
    assert_err(
        save(
            Draft {
                code: "md91".into(),
                ..noise()
            },
            t0 + 2,
        )
        .await,
        "category.code_invalid",
        400,
    );
    assert_eq!(stamp().await.0, after.0, "refusals add nothing");

    // A new class goes after every other class.
    let (class, created) = save(
        Draft {
            code: "ZX".into(),
            parent_code: None,
            name: "智慧消防".into(),
            ..noise()
        },
        t0 + 2,
    )
    .await
    .unwrap();
    assert!(created && class.parent_code.is_none());
    let all = {
        let mut c = fx.db().conn().await.unwrap();
        events::categories(&mut c.handle()).await.unwrap()
    };
    let last_class = all
        .iter()
        .filter(|c| c.parent_code.is_none())
        .map(|c| c.sort)
        .max();
    assert_eq!(last_class, Some(class.sort));

    // Retiring the class retires its kinds: old events keep them, new reports may not use them.
    let class = {
        let mut c = fx.db().conn().await.unwrap();
        events::category(&mut c.handle(), "MD").await.unwrap()
    };
    let retire_class = Draft {
        code: "MD".into(),
        parent_code: None,
        name: class.name.clone(),
        name_en: Some(class.name_en.clone()),
        complexity: class.complexity.clone(),
        handling_level: class.handling_level,
        auto_escalate: class.auto_escalate,
        sort: None,
        active: Some(false),
        ..Draft::default()
    };
    save(retire_class.clone(), t0 + 3).await.unwrap();
    assert!(stamp().await.1 >= t0 + 3);
    let before_reports = fx.counts().await;
    for code in ["MD90", "MD01"] {
        assert_err(
            fx.report(&resident(), fx.located(code, "又吵了"), t0 + 4)
                .await,
            "event.category_retired",
            400,
        );
    }
    assert_eq!(fx.counts().await, before_reports);
    assert_eq!(
        fx.get(&System::acting().scope(), &r.number)
            .await
            .unwrap()
            .category_code,
        "MD90"
    );
    let back = save(
        Draft {
            active: Some(true),
            ..noise()
        },
        t0 + 5,
    )
    .await;
    assert_err(back, "category.parent_retired", 409);
    save(
        Draft {
            active: Some(true),
            ..retire_class
        },
        t0 + 6,
    )
    .await
    .unwrap();
    save(noise(), t0 + 7).await.unwrap();
    fx.report(&resident(), fx.located("MD90", "又吵了"), t0 + 8)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_emergency_must_be_accepted_within_the_configured_minutes() {
    let mut fx = fixture().await;
    fx.rules.emergency_accept_minutes = 20;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let ordinary = fx
        .report(&resident(), fx.located("MD01", "纠纷"), t0)
        .await
        .unwrap();
    let mut input = fx.located("MD01", "燃气泄漏");
    input.urgency = Urgency::Emergency;
    let r = fx.report(&resident(), input, t0).await.unwrap();
    assert_eq!(r.event.due_at, Some(t0 + 20 * 60_000));
    assert!(ordinary.event.due_at.unwrap() > t0 + DAY, "{ordinary:?}");
    assert_eq!(
        r.event.light(t0 + 15 * 60_000).map(Light::code),
        Some("green")
    );
    assert_eq!(
        r.event.light(t0 + 17 * 60_000).map(Light::code),
        Some("yellow")
    );
    assert_eq!(
        r.event.light(t0 + 21 * 60_000).map(Light::code),
        Some("red")
    );
    let mut c = fx.db().conn().await.unwrap();
    let late = events::needing_reminders(&mut c.handle(), t0 + 21 * 60_000, 100)
        .await
        .unwrap();
    drop(c);
    let late: Vec<_> = late.iter().map(|e| e.number.as_str()).collect();
    assert_eq!(late, [r.number.as_str()], "only the emergency is late");
    // Once accepted, the emergency works to its level's limit like the ordinary report.
    let accepted = fx
        .act("gw_a1", &r.number, accept(), &[], t0 + 25 * 60_000)
        .await
        .unwrap();
    assert_eq!(accepted.urgency, "emergency");
    assert_eq!(accepted.due_at, ordinary.event.due_at);
}

// ---------------------------------------------------------------------------------------------
// (9) Calendar years entered by administrators

#[tokio::test]
async fn calendar_years_are_saved_and_a_missing_year_is_flagged() {
    let mut fx = fixture().await;
    let late_dec = at("2026-12-30T10:00:00+08:00");

    // Without 2027 the due time cannot be counted: flagged, not guessed.
    let r = fx
        .report(&resident(), fx.located("MD01", "年末纠纷"), late_dec)
        .await
        .unwrap();
    assert!(r.event.calendar_missing);
    assert_eq!(r.event.due_at, None);
    assert_eq!(r.event.final_due_at, None);
    assert_eq!(r.event.light(late_dec), None);

    let mut c = fx.db().conn().await.unwrap();
    let loaded = events::load_calendar(&mut c.handle()).await.unwrap();
    assert!(!loaded.is_loaded(2027));
    // A body for another year, or two years, is refused.
    assert_err(
        events::save_calendar_year(&mut c.handle(), 2027, "year 2028\n", "admin", late_dec).await,
        "calendar.bad_year",
        400,
    );
    assert!(
        events::save_calendar_year(
            &mut c.handle(),
            2027,
            "year 2027\nholiday 2027-13-01\n",
            "admin",
            late_dec
        )
        .await
        .is_err()
    );
    assert_eq!(fx.count("calendar_years").await, 0);
    let body = "year 2027\nholiday 2027-01-01..2027-01-03\n";
    events::save_calendar_year(&mut c.handle(), 2027, body, "admin", late_dec)
        .await
        .unwrap();
    // Saving again replaces.
    let body = "year 2027\nholiday 2027-01-01\n";
    events::save_calendar_year(&mut c.handle(), 2027, body, "admin", late_dec)
        .await
        .unwrap();
    assert_eq!(fx.count("calendar_years").await, 1);
    let loaded = events::load_calendar(&mut c.handle()).await.unwrap();
    drop(c);
    assert!(loaded.is_loaded(2026) && loaded.is_loaded(2027));
    assert_eq!(
        loaded.holidays(2027).unwrap(),
        vec![wangge_domain::calendar::Date::parse("2027-01-01").unwrap()]
    );

    // With 2027 loaded a new report has its due times.
    fx.calendar = loaded;
    let r2 = fx
        .report(&resident(), fx.located("MD01", "年末纠纷二"), late_dec)
        .await
        .unwrap();
    assert!(!r2.event.calendar_missing);
    let due = known_due(late_dec, late_dec, Complexity::Ordinary, 1, &fx.calendar);
    assert_eq!(r2.event.due_at, Some(due.level_due));
    assert_eq!(r2.event.final_due_at, Some(due.final_due));
    assert!(deadline::local_date(due.final_due).unwrap().year() == 2027);
    // The first event's flag clears at its next step.
    let e = fx
        .act("gw_a1", &r.number, accept(), &[], late_dec + HOUR)
        .await
        .unwrap();
    assert!(!e.calendar_missing);
    assert_eq!(e.due_at, Some(due.level_due));
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
