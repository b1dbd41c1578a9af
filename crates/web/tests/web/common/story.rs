//! The steps of a story: move the clock, report as a resident, report and act as a role
//! (through the API, or through the store at a chosen time), and read the events back.

use super::{Fixture, Part, at, key_ring};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use wangge_domain::System;
use wangge_domain::event::{Action, Urgency};
use wangge_store::events::{self, Caller, EventRow, Inbox, ListFilter, NewPhoto};
use wangge_store::events::{ReportInput, Reported, Source};
use wangge_store::{Db, auth, now_ms, open311};
use wangge_web::{AppState, WebConfig};

/// Moves a state's clock to the instant `ms`.
pub fn set_clock(state: &AppState, ms: i64) {
    state.clock.advance(ms - state.now());
}

/// A worker's report on `grid` with no point, photo or reporter; tests change what they need.
pub fn worker_report(grid: &str, category: &str, description: &str) -> ReportInput {
    ReportInput {
        source: Source::Worker,
        category_code: category.into(),
        description: description.into(),
        lat: None,
        lon: None,
        address: None,
        located_grid: None,
        chosen_grid: Some(grid.into()),
        urgency: Urgency::Normal,
        reporter_name: None,
        reporter_phone: None,
        photos: vec![],
        submission_key: None,
        handled_on_spot: None,
    }
}

impl Fixture {
    /// Moves the clock to an RFC 3339 instant.
    pub fn clock_to(&self, rfc3339: &str) {
        set_clock(&self.state, at(rfc3339));
    }

    /// Moves the clock to the instant `ms`.
    pub fn set_clock(&self, ms: i64) {
        set_clock(&self.state, ms);
    }

    /// A second server instance on the same database: its own pool, keys and clock.
    pub async fn second_instance(&self) -> AppState {
        let db = Db::connect(&self.test_db.url).await.unwrap();
        AppState::new(db, WebConfig::default(), key_ring())
    }

    /// A resident's report on the grid's QR page (`/r/GRID`), as its multipart form sends it.
    pub async fn resident_report(&self, grid: &str, parts: &[Part<'_>]) -> (StatusCode, String) {
        let (s, _, b) = self
            .post_multipart(&format!("/r/{grid}"), None, parts)
            .await;
        (s, b)
    }

    /// An API key of an Open311 client; the secret.
    pub async fn open311_key(&self, client: &str) -> String {
        let mut c = self.state.db.conn().await.unwrap();
        let (_, key) = open311::create_key(&mut c.handle(), client, now_ms())
            .await
            .unwrap();
        key
    }

    /// `user` as the event rules see them, from their signed-in principal.
    pub async fn caller(&self, user: &str) -> Caller {
        let mut c = self.state.db.conn().await.unwrap();
        let p = auth::session_principal(&mut c.handle(), &self.creds[user].1, now_ms())
            .await
            .unwrap()
            .unwrap();
        wangge_web::auth::caller(&p).unwrap()
    }

    /// A report by `user` through the store at `when` (ms).
    pub async fn report_at(&self, user: &str, input: ReportInput, when: i64) -> Reported {
        let caller = self.caller(user).await;
        let cal = self.state.calendar();
        let ctx = self.state.event_ctx(&cal);
        let mut tx = self.state.db.begin().await.unwrap();
        let r = events::report(&mut tx.handle(), &ctx, &caller, input, when)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        r
    }

    /// An action by `caller` through the store at `when` (ms).
    pub async fn act_as_at(
        &self,
        caller: &Caller,
        number: &str,
        action: Action,
        photos: &[NewPhoto],
        when: i64,
    ) -> EventRow {
        let cal = self.state.calendar();
        let ctx = self.state.event_ctx(&cal);
        let mut tx = self.state.db.begin().await.unwrap();
        let e = events::act(&mut tx.handle(), &ctx, caller, number, action, photos, when)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        e
    }

    /// An action by `user` through the store at `when` (ms).
    pub async fn act_at(
        &self,
        user: &str,
        number: &str,
        action: Action,
        photos: &[NewPhoto],
        when: i64,
    ) -> EventRow {
        let caller = self.caller(user).await;
        self.act_as_at(&caller, number, action, photos, when).await
    }

    /// An event as the whole tree sees it.
    pub async fn event(&self, number: &str) -> EventRow {
        let mut c = self.state.db.conn().await.unwrap();
        events::get(&mut c.handle(), &System::acting().scope(), number)
            .await
            .unwrap()
    }

    /// Every event in the database (up to 500).
    pub async fn events(&self) -> Vec<EventRow> {
        let mut c = self.state.db.conn().await.unwrap();
        events::list(
            &mut c.handle(),
            &System::acting().scope(),
            Inbox::All,
            &ListFilter {
                limit: 500,
                ..Default::default()
            },
            self.state.now(),
        )
        .await
        .unwrap()
    }

    /// How many events the database holds.
    pub async fn event_count(&self) -> usize {
        self.events().await.len()
    }

    /// Reports through `POST /api/v1/events` as `user`; the number and the tracking token if
    /// one was given.
    pub async fn report_by_api(&self, user: &str, body: Value) -> (String, Option<String>) {
        let (s, v) = self
            .api(user, Method::POST, "/api/v1/events", Some(body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        (
            v["number"].as_str().unwrap().to_string(),
            v["tracking_token"].as_str().map(str::to_string),
        )
    }

    /// An action through the API as `user`.
    pub async fn act_by_api(&self, user: &str, number: &str, action: Value) -> (StatusCode, Value) {
        self.api(
            user,
            Method::POST,
            &format!("/api/v1/events/{number}/actions"),
            Some(action),
        )
        .await
    }

    /// An action through the API as `user`, which must succeed; the event after it.
    pub async fn act_ok(&self, user: &str, number: &str, action: Value) -> Value {
        let (s, v) = self.act_by_api(user, number, action.clone()).await;
        assert_eq!(s, StatusCode::OK, "{user} {action}: {v}");
        v
    }

    /// A grid's event handed to the township's first department: the grid worker accepts and
    /// escalates it to the village, which assigns it with three days to do it.
    pub async fn to_department(&self, number: &str) {
        self.act_ok(
            "gw_a1",
            number,
            json!({"action": "accept", "due_ms": null, "urgency": null, "note": ""}),
        )
        .await;
        self.act_ok(
            "gw_a1",
            number,
            json!({"action": "escalate", "to": "", "due_ms": null, "note": ""}),
        )
        .await;
        let due = self.state.now() + 3 * super::DAY;
        self.act_ok("gl_a", number, json!({"action": "assign", "to": {"type": "department", "code": "350102001000D01"}, "due_ms": due, "note": ""}))
            .await;
    }

    /// An event's detail through the API as `user`.
    pub async fn detail(&self, user: &str, number: &str) -> Value {
        let (s, v) = self
            .api(user, Method::GET, &format!("/api/v1/events/{number}"), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{user} reads {number}: {v}");
        v
    }
}
