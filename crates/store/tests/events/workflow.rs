//! The workflow loop from report to rating, refusals by role and state, append-only history.

use super::*;

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
