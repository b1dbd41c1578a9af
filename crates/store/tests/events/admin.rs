//! Categories, emergencies and the calendar.

use super::*;

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
