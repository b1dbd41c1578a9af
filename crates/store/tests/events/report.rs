//! Reporting: routing, numbering, sealing, refusals that write nothing, double submissions and rollbacks.

use super::*;

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
