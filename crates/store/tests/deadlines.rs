//! Due times at the end of the loaded calendar, through the real report path: each due time is
//! counted on its own, so one that runs into a year nobody entered yet is flagged while the
//! other keeps its light and reminders; entering the year counts the flagged one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wangge_domain::deadline::{self, Light};
use wangge_store::events;

mod common;

use common::*;

#[tokio::test]
async fn a_december_major_case_keeps_its_level_limit_while_2027_is_missing() {
    let mut fx = fixture().await;
    assert!(!fx.calendar.is_loaded(2027));
    // Friday 2026-12-04: a road collapse (major, reported to the township) must be handled by
    // the township in 5 working days (Friday Dec 11, 24:00); the case's 30 calendar days run
    // into 2027.
    let dec4 = at("2026-12-04T10:00:00+08:00");
    let r = events::submit(
        fx.db(),
        &fx.ctx(),
        &resident(),
        fx.located("TF01", "路面塌陷"),
        dec4,
    )
    .await
    .unwrap();
    let e = r.event;
    assert_eq!((e.complexity.as_str(), e.level), ("major", 3));
    let level_due = at("2026-12-12T00:00:00+08:00");
    assert_eq!(e.due_at, Some(level_due));
    assert_eq!(e.final_due_at, None);
    assert!(e.calendar_missing);
    assert!(!e.due_missing() && e.final_due_missing());
    assert_eq!(e.light(dec4), Some(Light::Green));

    // Its light turns and the scheduler's query finds it for a reminder.
    let yellow = dec4 + (level_due - dec4) * 85 / 100;
    assert_eq!(e.light(yellow), Some(Light::Yellow));
    let mut c = fx.db().conn().await.unwrap();
    let due_now = events::needing_reminders(&mut c.handle(), yellow, 50)
        .await
        .unwrap();
    assert!(due_now.iter().any(|x| x.number == r.number));
    let not_yet = events::needing_reminders(&mut c.handle(), dec4, 50)
        .await
        .unwrap();
    assert!(not_yet.iter().all(|x| x.number != r.number));
    // Past its level's limit, its category escalates it by itself.
    let accepted = {
        let caller = fx.caller("op_a");
        let mut tx = fx.db().begin().await.unwrap();
        let ev = events::act(
            &mut tx.handle(),
            &fx.ctx(),
            &caller,
            &r.number,
            wangge_domain::event::Action::Accept {
                due_ms: None,
                urgency: None,
                note: String::new(),
            },
            &[],
            dec4 + HOUR,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        ev
    };
    assert_eq!(accepted.due_at, Some(level_due));
    let late = events::overdue_auto_escalations(&mut c.handle(), level_due + HOUR, 50)
        .await
        .unwrap();
    assert!(late.iter().any(|x| x.number == r.number));

    // Entering 2027 counts the missing due time of the flagged event.
    let body = "year 2027\nholiday 2027-01-01\n";
    events::save_calendar_year(&mut c.handle(), 2027, body, "admin", dec4)
        .await
        .unwrap();
    fx.calendar = events::load_calendar(&mut c.handle()).await.unwrap();
    let n = events::refresh_missing_dues(&mut c.handle(), &fx.ctx())
        .await
        .unwrap();
    assert_eq!(n, 1);
    let e = fx
        .get(&wangge_domain::System::acting().scope(), &r.number)
        .await
        .unwrap();
    assert!(!e.calendar_missing);
    assert_eq!(e.due_at, Some(level_due));
    // Sunday 2027-01-03 is a rest day: the case ends on Monday Jan 4 at 24:00.
    assert_eq!(
        e.final_due_at.map(|d| deadline::format_rfc3339(d).unwrap()),
        Some("2027-01-05T00:00:00+08:00".to_string())
    );
    // Nothing is left to count.
    let n = events::refresh_missing_dues(&mut c.handle(), &fx.ctx())
        .await
        .unwrap();
    assert_eq!(n, 0);
}
