//! The scheduler against a real database: reminders at yellow and red, automatic escalation,
//! one instance at a time under a lease; the test clock route; the calendar page.

use crate::common::{Fixture, Kit, call, form_string, set_clock, worker_report};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;
use wangge_domain::deadline::{format_rfc3339, parse_rfc3339};
use wangge_domain::event::Action;
use wangge_store::events::{self, EventRow};
use wangge_web::router;
use wangge_web::scheduler::{self, NOTE_ESCALATE, NOTE_RED, NOTE_YELLOW};

const VILLAGE: &str = "350102001001";
const GRID: &str = "350102001001001";

/// Monday 2025-03-03 09:00 in Shanghai: every deadline of these tests lies in loaded years.
const T0: &str = "2025-03-03T09:00:00+08:00";

/// The standard tree and staff at T0.
async fn fixture() -> Fixture {
    Kit::new().clock(T0).build().await
}

/// A worker's report of a category in the grid, at the state's now.
async fn report(f: &Fixture, category: &str) -> EventRow {
    let mut input = worker_report(GRID, category, "路边堆放垃圾");
    input.address = Some("测试路1号".into());
    f.report_at("gw_a1", input, f.state.now()).await.event
}

/// `user` accepts the event, now.
async fn accept(f: &Fixture, user: &str, number: &str) -> EventRow {
    let accept = Action::Accept {
        due_ms: None,
        urgency: None,
        note: String::new(),
    };
    f.act_at(user, number, accept, &[], f.state.now()).await
}

/// (action, note, actor name) of every step.
async fn steps_of(f: &Fixture, e: &EventRow) -> Vec<(String, String, String)> {
    let mut c = f.state.db.conn().await.unwrap();
    events::history(&mut c.handle(), e.id, false)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.action, s.note, s.actor_name))
        .collect()
}

async fn count(f: &Fixture, e: &EventRow, action: &str) -> usize {
    steps_of(f, e)
        .await
        .iter()
        .filter(|s| s.0 == action)
        .count()
}

/// The instant at `pct` % of an event's allowed time at its level.
fn at_pct(e: &EventRow, pct: i64) -> i64 {
    let due = e.due_at.expect("a due time");
    e.level_started_at + (due - e.level_started_at) * pct / 100
}

#[tokio::test]
async fn reminders_at_yellow_and_red_once_each() {
    let f = fixture().await;
    let e = report(&f, "QT01").await;
    assert_eq!(e.level, 1);
    let due = e.due_at.unwrap();
    assert_eq!(format_rfc3339(due).unwrap(), "2025-03-07T00:00:00+08:00");

    // Green: nothing.
    f.set_clock(at_pct(&e, 50));
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert!(r.leased);
    assert_eq!(r.reminded_yellow + r.reminded_red, 0);
    assert_eq!(count(&f, &e, "remind").await, 0);

    // 85 %: one yellow reminder by the system.
    f.set_clock(at_pct(&e, 85));
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!((r.reminded_yellow, r.reminded_red, r.failed), (1, 0, 0));
    let steps = steps_of(&f, &e).await;
    let reminds: Vec<_> = steps.iter().filter(|s| s.0 == "remind").collect();
    assert_eq!(reminds.len(), 1);
    assert_eq!(reminds[0].1, NOTE_YELLOW);
    assert_eq!(reminds[0].2, scheduler::NAME_REMIND);
    let now = f.event(&e.number).await;
    assert_eq!(now.reminded_light, "yellow");
    assert_eq!(now.reminder_count, 1);
    assert_eq!(now.status.as_str(), "reported");

    // Again: nothing new.
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!(r.reminded_yellow + r.reminded_red, 0);
    assert_eq!(count(&f, &e, "remind").await, 1);

    // Past due: one red reminder, then nothing more.
    f.set_clock(due + 60_000);
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!((r.reminded_yellow, r.reminded_red), (0, 1));
    let steps = steps_of(&f, &e).await;
    let last = steps.last().unwrap();
    assert_eq!((last.0.as_str(), last.1.as_str()), ("remind", NOTE_RED));
    assert_eq!(f.event(&e.number).await.reminded_light, "red");
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!(r.reminded_yellow + r.reminded_red, 0);
    assert_eq!(count(&f, &e, "remind").await, 2);
    // Reminders are internal: the public timeline does not show them.
    let mut c = f.state.db.conn().await.unwrap();
    let public = events::history(&mut c.handle(), e.id, true).await.unwrap();
    assert!(public.iter().all(|s| s.action != "remind"));
    // The chain of the history stays intact.
    let (_, breaks) = events::verify_history(&mut c.handle()).await.unwrap();
    assert!(breaks.is_empty());
}

#[tokio::test]
async fn a_late_event_jumps_straight_to_red() {
    let f = fixture().await;
    let e = report(&f, "QT01").await;
    f.set_clock(e.due_at.unwrap() + 1);
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!((r.reminded_yellow, r.reminded_red), (0, 1));
    let reminds: Vec<_> = steps_of(&f, &e)
        .await
        .into_iter()
        .filter(|s| s.0 == "remind")
        .collect();
    assert_eq!(reminds.len(), 1);
    assert_eq!(reminds[0].1, NOTE_RED);
}

#[tokio::test]
async fn auto_escalation_where_the_category_says_so() {
    let f = fixture().await;
    // MD01 (邻里纠纷) escalates automatically; QT01 (其他事项) does not.
    let auto = report(&f, "MD01").await;
    let manual = report(&f, "QT01").await;
    let auto = accept(&f, "gw_a1", &auto.number).await;
    let manual = accept(&f, "gw_a1", &manual.number).await;
    assert_eq!(auto.status.as_str(), "accepted");
    let due = auto.due_at.unwrap();
    assert_eq!(manual.due_at, Some(due));

    f.set_clock(due + 60_000);
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!(r.escalated, 1, "{r:?}");
    assert_eq!(r.reminded_red, 2);
    assert_eq!(r.failed, 0);

    let up = f.event(&auto.number).await;
    assert_eq!(up.level, 2);
    assert_eq!(up.status.as_str(), "accepted");
    assert!(
        up.holder_path.ends_with(&format!("/{VILLAGE}/")),
        "{}",
        up.holder_path
    );
    assert!(
        up.due_at.unwrap() > f.state.now(),
        "the new level has its own time"
    );
    assert_eq!(up.reminded_light, "");
    let steps = steps_of(&f, &up).await;
    let last = steps.last().unwrap();
    assert_eq!(last.0, "escalate");
    assert_eq!(last.1, NOTE_ESCALATE);
    assert_eq!(last.2, scheduler::NAME_ESCALATE);
    assert_eq!(steps[steps.len() - 2].1, NOTE_RED);

    let stay = f.event(&manual.number).await;
    assert_eq!(stay.level, 1);
    assert_eq!(stay.reminded_light, "red");

    // The same lateness does not escalate twice.
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!((r.escalated, r.reminded_red, r.failed), (0, 0, 0));
    assert_eq!(f.event(&auto.number).await.level, 2);
    assert_eq!(count(&f, &up, "escalate").await, 1);

    // The whole case (7 days from Monday) runs out first: red at the village, no escalation,
    // since the village's own three working days have not passed.
    let up_due = f.event(&auto.number).await.due_at.unwrap();
    assert_eq!(format_rfc3339(up_due).unwrap(), "2025-03-11T00:00:00+08:00");
    f.set_clock(up_due + 60_000);
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!((r.escalated, r.reminded_red), (0, 1), "{r:?}");
    assert_eq!(f.event(&auto.number).await.level, 2);
    let mut c = f.state.db.conn().await.unwrap();
    let (_, breaks) = events::verify_history(&mut c.handle()).await.unwrap();
    assert!(breaks.is_empty());
}

/// A complex case (15 days) climbs one level per lateness: village → township → county.
#[tokio::test]
async fn each_level_escalates_once_when_its_own_limit_passes() {
    let f = fixture().await;
    // XF01 (信访诉求): complex, handled at the village, escalates automatically.
    let e = report(&f, "XF01").await;
    assert_eq!(e.level, 2);
    let e = accept(&f, "gl_a", &e.number).await;
    assert_eq!(
        format_rfc3339(e.due_at.unwrap()).unwrap(),
        "2025-03-07T00:00:00+08:00"
    );
    let mut levels = Vec::new();
    for _ in 0..2 {
        let due = f.event(&e.number).await.due_at.unwrap();
        f.set_clock(due - 60_000);
        let r = scheduler::tick(&f.state, "one").await.unwrap();
        assert_eq!(r.escalated, 0, "not before the limit: {r:?}");
        f.set_clock(due + 60_000);
        let r = scheduler::tick(&f.state, "one").await.unwrap();
        assert_eq!((r.escalated, r.failed), (1, 0), "{r:?}");
        let r = scheduler::tick(&f.state, "one").await.unwrap();
        assert_eq!(r.escalated, 0, "{r:?}");
        levels.push(f.event(&e.number).await.level);
    }
    assert_eq!(levels, vec![3, 4]);
    let now = f.event(&e.number).await;
    assert!(
        now.holder_path.ends_with("/350102000000/"),
        "{}",
        now.holder_path
    );
    assert_eq!(count(&f, &e, "escalate").await, 2);
}

/// Escalating a case whose whole time (7 days) has run out: the level above gets no due time
/// rather than one already past, and the escalation goes through.
#[tokio::test]
async fn escalation_after_the_whole_case_is_overdue() {
    let f = fixture().await;
    let e = report(&f, "MD01").await;
    let e = accept(&f, "gw_a1", &e.number).await;
    f.set_clock(e.due_at.unwrap() + 60_000);
    assert_eq!(scheduler::tick(&f.state, "one").await.unwrap().escalated, 1);
    // Village: its own three working days end on Wednesday 12th; the case ended Monday 10th.
    set_clock(
        &f.state,
        parse_rfc3339("2025-03-13T00:01:00+08:00").unwrap(),
    );
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!((r.escalated, r.failed), (1, 0), "{r:?}");
    assert_eq!(f.event(&e.number).await.level, 3);
    let r = scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!(r.escalated, 0, "one lateness, one escalation: {r:?}");
}

#[tokio::test]
async fn only_the_lease_holder_works() {
    let f = fixture().await;
    // A second instance: its own pool and its own clock on the same database.
    let other = f.second_instance().await;
    let mut list = Vec::new();
    for _ in 0..3 {
        list.push(report(&f, "QT01").await);
    }
    let at = at_pct(&list[0], 85);
    f.set_clock(at);
    set_clock(&other, at);
    let (a, b) = tokio::join!(
        scheduler::tick(&f.state, "instance-a"),
        scheduler::tick(&other, "instance-b")
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        a.leased != b.leased,
        "exactly one holds the lease: {a:?} {b:?}"
    );
    assert_eq!(a.reminded_yellow + b.reminded_yellow, 3);
    for e in &list {
        assert_eq!(count(&f, e, "remind").await, 1);
    }
    let (holder, idle, idle_name) = if a.leased {
        (&f.state, &other, "instance-b")
    } else {
        (&other, &f.state, "instance-a")
    };
    let holder_name = if a.leased { "instance-a" } else { "instance-b" };

    // Past due: the instance without the lease does nothing, the holder does it all.
    let late = list[0].due_at.unwrap() + 60_000;
    set_clock(holder, late);
    set_clock(idle, late);
    // (The holder renews its lease on every tick; here it ticks first.)
    let r = scheduler::tick(holder, holder_name).await.unwrap();
    assert!(r.leased);
    assert_eq!(r.reminded_red, 3);
    let r = scheduler::tick(idle, idle_name).await.unwrap();
    assert!(!r.leased);
    assert_eq!(r.reminded_red, 0);
    for e in &list {
        assert_eq!(count(&f, e, "remind").await, 2);
    }

    // When the holder stops renewing, the lease lapses and the other instance takes over.
    set_clock(idle, late + scheduler::LEASE_TTL_MS + 1_000);
    let r = scheduler::tick(idle, idle_name).await.unwrap();
    assert!(r.leased);
    let r = scheduler::tick(holder, holder_name).await.unwrap();
    assert!(!r.leased, "the old holder no longer has it");
    for e in &list {
        assert_eq!(count(&f, e, "remind").await, 2);
    }
}

async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: String,
    lang_en: bool,
) -> (StatusCode, String, Option<String>) {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    if lang_en {
        b = b.header(header::COOKIE, "lang=en");
    }
    let (status, headers, bytes) = call(app, b.body(Body::from(body)).unwrap()).await;
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (
        status,
        String::from_utf8_lossy(&bytes).into_owned(),
        location,
    )
}

const FORM: Option<&str> = Some(crate::common::FORM);

/// A page through `app` with `token` (none when not given), in Chinese.
async fn get_page(
    app: &Router,
    token: Option<&str>,
    uri: &str,
) -> (StatusCode, String, Option<String>) {
    send(app, Method::GET, uri, token, None, String::new(), false).await
}

/// A form post through `app` with `token`, in Chinese.
async fn post_form(
    app: &Router,
    token: Option<&str>,
    uri: &str,
    body: String,
) -> (StatusCode, String, Option<String>) {
    send(app, Method::POST, uri, token, FORM, body, false).await
}

#[tokio::test]
async fn calendar_page_enters_a_year() {
    let f = fixture().await;
    let app = router(f.state.clone());
    let admin = f.creds["admin_city"].0.as_str();
    assert!(!f.state.calendar().is_loaded(2027));

    // Everyone signed in sees the loaded years; only the root administrator gets the forms.
    let gw = Some(f.creds["gw_a1"].0.as_str());
    let (s, html, _) = get_page(&app, gw, "/calendar").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("href=\"/calendar/2026\""));
    assert!(!html.contains("calendar-enter-year"));
    let (s, _, loc) = get_page(&app, gw, "/calendar?year=2025").await;
    assert_eq!(
        (s, loc.as_deref()),
        (StatusCode::SEE_OTHER, Some("/calendar/2025"))
    );
    let (s, html, _) = get_page(&app, gw, "/calendar/2025").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("2025-01-28"), "the Spring Festival of 2025");
    assert!(!html.contains("calendar-form"));
    let (s, html, _) = get_page(&app, Some(admin), "/calendar").await;
    assert_eq!(s, StatusCode::OK);
    // The first missing year to enter (2024–2026 are loaded).
    assert!(html.contains("data-testid=\"calendar-enter-year\" data-year=\"2027\""));
    let (s, html, _) = get_page(&app, Some(admin), "/calendar/2027").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("calendar-form"));
    assert!(
        html.contains("year 2027"),
        "the import starts from a template"
    );
    let (s, _, loc) = get_page(&app, None, "/calendar").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(loc.unwrap().starts_with("/login"));

    let body = "year 2027\n# 元旦\nholiday 2027-01-01\n# 春节\nholiday 2027-02-06..2027-02-12\nworkday 2027-02-14\n";
    // A township administrator may not change the calendar of the whole deployment.
    let (s, _, _) = post_form(
        &app,
        Some(&f.creds["admin_a"].0),
        "/calendar",
        form_string(&[("year", "2027"), ("body", body)]),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(!f.state.calendar().is_loaded(2027));

    let (s, _, loc) = post_form(
        &app,
        Some(admin),
        "/calendar",
        form_string(&[("year", "2027"), ("body", body)]),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/calendar/2027?saved=1#top"));
    let cal = f.state.calendar();
    assert!(cal.is_loaded(2027));
    assert_eq!(cal.holidays(2027).unwrap().len(), 8);
    assert_eq!(cal.workdays(2027).unwrap().len(), 1);
    // A deadline in 2027 is counted now instead of missing.
    let from = parse_rfc3339("2027-02-05T10:00:00+08:00").unwrap();
    let due =
        wangge_domain::deadline::due(from, wangge_domain::deadline::Period::WorkingDays(3), &cal)
            .unwrap();
    // Fri 5th; 6th–12th are holidays, 13th Sat rest, 14th Sun make-up, 15th Mon, 16th Tue.
    assert_eq!(format_rfc3339(due).unwrap(), "2027-02-17T00:00:00+08:00");
    // Stored: a fresh instance loads it too.
    let mut c = f.state.db.conn().await.unwrap();
    assert!(
        events::load_calendar(&mut c.handle())
            .await
            .unwrap()
            .is_loaded(2027)
    );
    let (s, html, _) = get_page(&app, Some(admin), "/calendar/2027?saved=1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("calendar-saved"));
    assert!(html.contains("2027-02-06"));
    assert!(html.contains("2027-02-14"));
    // The import holds the saved year, to correct it; the overview now offers 2028.
    assert!(html.contains("holiday 2027-02-06..2027-02-12"));
    let (_, html, _) = get_page(&app, Some(admin), "/calendar").await;
    assert!(html.contains("data-year=\"2028\""));
}

#[tokio::test]
async fn bad_calendar_text_names_the_line_and_saves_nothing() {
    let f = fixture().await;
    let app = router(f.state.clone());
    let admin = f.creds["admin_city"].0.as_str();
    let body = "year 2028\nholiday 2028-01-01\nholdiay 2028-02-01\n";
    let (s, html, _) = post_form(
        &app,
        Some(admin),
        "/calendar",
        form_string(&[("year", "2028"), ("body", body)]),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("第3行有误"), "{html}");
    assert!(html.contains("holdiay"), "the text is kept for correction");
    let (s, html, _) = send(
        &app,
        Method::POST,
        "/calendar",
        Some(admin),
        FORM,
        form_string(&[("year", "2028"), ("body", body)]),
        true,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("Line 3 is wrong"));
    // A make-up working day must be a weekend day.
    let body = "year 2028\nholiday 2028-01-01\nworkday 2028-01-05\n";
    let (s, html, _) = post_form(
        &app,
        Some(admin),
        "/calendar",
        form_string(&[("year", "2028"), ("body", body)]),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("第3行有误"), "{html}");
    // The year field and the text disagree; a text without holidays; a bad year.
    for (year, body) in [
        ("2029", "year 2028\nholiday 2028-01-01\n"),
        ("2028", "year 2028\n# nothing yet\n"),
        ("20x8", "year 2028\nholiday 2028-01-01\n"),
    ] {
        let (s, _, _) = post_form(
            &app,
            Some(admin),
            "/calendar",
            form_string(&[("year", year), ("body", body)]),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{year} {body}");
    }
    assert!(!f.state.calendar().is_loaded(2028));
    let mut c = f.state.db.conn().await.unwrap();
    let stored = events::load_calendar(&mut c.handle()).await.unwrap();
    assert_eq!(stored.loaded_years(), vec![2024, 2025, 2026]);
}

#[tokio::test]
async fn test_clock_route_moves_time_and_ticks() {
    let f = fixture().await;
    let e = report(&f, "QT01").await;
    let app = |enabled: bool| {
        Router::new()
            .merge(scheduler::routes_with(enabled))
            .layer(axum::middleware::from_fn_with_state(
                f.state.clone(),
                wangge_web::auth::resolve_principal,
            ))
            .with_state(f.state.clone())
    };
    let on = app(true);
    let advance = (at_pct(&e, 85) - f.state.now()).to_string();
    let body = format!("{{\"advance_ms\": {advance}}}");
    let json_ct = Some("application/json");
    // Off unless the server started in test mode.
    let (s, _, _) = send(
        &app(false),
        Method::POST,
        "/api/v1/test/clock",
        Some(&f.creds["admin_city"].0),
        json_ct,
        body.clone(),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Administrators only.
    let (s, _, _) = send(
        &on,
        Method::POST,
        "/api/v1/test/clock",
        Some(&f.creds["op_a"].0),
        json_ct,
        body.clone(),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = send(
        &on,
        Method::POST,
        "/api/v1/test/clock",
        Some(&f.creds["admin_city"].0),
        json_ct,
        "{\"advance\": 1}".into(),
        false,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, out, _) = send(
        &on,
        Method::POST,
        "/api/v1/test/clock",
        Some(&f.creds["admin_city"].0),
        json_ct,
        body,
        false,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["now"].as_str().unwrap().ends_with("+08:00"));
    assert_eq!(v["tick"]["reminded_yellow"], 1);
    assert_eq!(count(&f, &e, "remind").await, 1);
}
