//! Inboxes, search, public results, reminders, leases and handing work down.

use super::*;

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
