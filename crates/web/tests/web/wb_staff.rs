//! Daily use, notices, meetings and the monthly ledger through the real router (issue 15,
//! parts 7–9): a request records the day's use; the township issues or waives the drafted
//! notices, a village leader may not, another township sees nothing; the monthly meeting moves
//! before the National Day holiday; attendance for someone not invited is a 400 that writes
//! nothing; a worker generates, submits and their village leader signs a ledger, which is then
//! fixed, and another village's leader gets 404.

use crate::common::{Fixture, Kit};
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::Role;
use wangge_domain::calendar::{Calendar, Date, Weekday};
use wangge_store::now_ms;
use wangge_store::workbench::logins::{self, china_day, day_start_ms};

async fn fixture() -> Fixture {
    Kit::new()
        .more_staff(&[("gl_b", Role::GridLeader, "350102002001")])
        .build()
        .await
}

/// Drafts notices the way the daily check does, on days after the fixture's staff were created
/// (they were created now), with a calendar of plain weeks: everyone used the platform on one
/// day, then nobody did for a working week.
async fn seed_notices(f: &Fixture) {
    let today = china_day(now_ms()).unwrap();
    let first = today.add_days(2).unwrap();
    let mut monday = first.add_days(1).unwrap();
    while monday.weekday() != Weekday::Monday {
        monday = monday.add_days(1).unwrap();
    }
    let judge: Date = monday.add_days(7).unwrap();
    let mut years = vec![first.year(), judge.year()];
    years.dedup();
    let text: String = years.iter().map(|y| format!("year {y}\n")).collect();
    let cal = Calendar::from_text(&text).unwrap();
    let mut tx = f.state.db.begin().await.unwrap();
    let h = &mut tx.handle();
    for id in f.ids.values() {
        logins::record_use(h, *id, first, day_start_ms(first) + 3_600_000)
            .await
            .unwrap();
    }
    let r = logins::run_checks(h, &cal, day_start_ms(judge) + 10 * 3_600_000)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // gw_a1, gw_a2, gw_b1, gl_a and gl_b, each with five missed days or more.
    assert_eq!(r.notices, 5, "{r:?}");
}

async fn notice_of(f: &Fixture, user: &str) -> i64 {
    let (s, v) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/logins/notices?status=draft",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let uid = f.ids[user];
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["user_id"] == json!(uid))
        .unwrap_or_else(|| panic!("no notice for {user}: {v}"))["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn daily_use_and_notices_issued_or_waived() {
    let f = fixture().await;
    // A request records the day's use, once.
    let (s, me) = f.api("gw_a1", Method::GET, "/api/v1/logins/me", None).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    f.api("gw_a1", Method::GET, "/api/v1/logins/me", None).await;
    let today = china_day(f.state.now()).unwrap();
    {
        let mut c = f.state.db.conn().await.unwrap();
        let days = logins::days(&mut c.handle(), f.ids["gw_a1"], today, today)
            .await
            .unwrap();
        assert_eq!(days.len(), 1);
    }

    seed_notices(&f).await;
    let (_, me) = f.api("gw_a1", Method::GET, "/api/v1/logins/me", None).await;
    assert!(me["unread"].as_i64().unwrap() >= 3, "{me}");
    assert_eq!(me["notices"][0]["cause"], "missed_logins");
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/logins/reminders/read",
            Some(json!({})),
        )
        .await;
    assert_eq!((s, v["unread"].clone()), (StatusCode::OK, json!(0)), "{v}");
    let (s, page) = f.page("gw_a1", "/work/logins").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"reminder-row\""));

    let n1 = notice_of(&f, "gw_a1").await;
    let n2 = notice_of(&f, "gw_a2").await;
    // Township B's operator does not see township A's notices, and cannot decide them.
    let (_, v) = f
        .api("op_b", Method::GET, "/api/v1/logins/notices", None)
        .await;
    let mut ids: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["user_id"].as_i64().unwrap())
        .collect();
    ids.sort();
    let mut want = vec![f.ids["gw_b1"], f.ids["gl_b"]];
    want.sort();
    assert_eq!(ids, want);
    let issue = |id: i64| format!("/api/v1/logins/notices/{id}/issue");
    let (s, v) = f
        .api("op_b", Method::POST, &issue(n1), Some(json!({"note": "x"})))
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::NOT_FOUND, json!("work.notice_not_found"))
    );
    // A village grid leader manages staff but does not issue notices.
    let (s, _) = f
        .api("gl_a", Method::POST, &issue(n1), Some(json!({"note": "x"})))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = f
        .api(
            "op_a",
            Method::POST,
            &issue(n1),
            Some(json!({"note": "  "})),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("work.notice_note_required"))
    );
    let (s, v) = f
        .api(
            "op_a",
            Method::POST,
            &issue(n1),
            Some(json!({"note": "经三次提醒仍未登录"})),
        )
        .await;
    assert_eq!(
        (s, v["status"].clone()),
        (StatusCode::OK, json!("issued")),
        "{v}"
    );
    let (s, v) = f
        .api(
            "op_a",
            Method::POST,
            &format!("/api/v1/logins/notices/{n1}/waive"),
            Some(json!({"note": "改"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::CONFLICT, json!("work.notice_decided"))
    );
    // Waived through the page's form.
    let (s, _, _) = f
        .form(
            "op_a",
            &format!("/work/logins/notices/{n2}/waive"),
            crate::common::FORM,
            b"note=%E7%97%85%E5%81%87".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/logins/notices?status=waived",
            None,
        )
        .await;
    assert_eq!(v["items"][0]["id"], json!(n2));
    assert_eq!(v["items"][0]["decision_note"], "病假");
    let mut c = f.state.db.conn().await.unwrap();
    let rows = wangge_store::audit::search(
        &mut c.handle(),
        &wangge_store::audit::Filter {
            actor_user_id: Some(f.ids["op_a"]),
            subject_table: Some("criticism_notices".into()),
            subject_id: None,
            action: None,
            from: None,
            to: None,
        },
        None,
        10,
    )
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["notice_waive", "notice_issue"]);
    let (s, page) = f.page("op_a", "/work/logins").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("data-testid=\"notice-row\""),
        "the drafts of gl_a remain"
    );
}

#[tokio::test]
async fn meetings_attendance_only_for_invitees() {
    let f = fixture().await;
    f.clock_to("2026-09-15T10:00:00+08:00");
    // National Day (1–7 October): the meeting of the 3rd moves to Wednesday 30 September.
    let (s, v) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/meetings/suggested?month=2026-10",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (v["day"].clone(), v["moved"].clone()),
        (json!("2026-09-30"), json!(true)),
        "{v}"
    );
    let (_, v) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/meetings/suggested?month=2026-12",
            None,
        )
        .await;
    assert_eq!(
        (v["day"].clone(), v["moved"].clone()),
        (json!("2026-12-03"), json!(false))
    );

    let base = json!({"kind": "meeting", "title": "十月例会", "place": "镇综治中心", "starts_at": "2026-09-30T09:00"});
    let mut out = base.clone();
    out["invitees"] = json!([f.ids["gw_a1"], f.ids["gw_b1"]]);
    let (s, v) = f
        .api("op_a", Method::POST, "/api/v1/meetings", Some(out))
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("work.invitee_out_of_scope"))
    );
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/meetings",
            Some(base.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let mut body = base.clone();
    body["invitees"] = json!([f.ids["gw_a1"]]);
    let (s, m) = f
        .api("op_a", Method::POST, "/api/v1/meetings", Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["day"], "2026-09-30");
    let id = m["id"].as_i64().unwrap();
    let sheet = format!("/api/v1/meetings/{id}/attendance");
    let (s, v) = f
        .api(
            "op_a",
            Method::POST,
            &sheet,
            Some(json!({"marks": [
                {"user_id": f.ids["gw_a1"], "attendance": "present", "report_handed": true},
                {"user_id": f.ids["gw_a2"], "attendance": "present"}
            ]})),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("work.not_invited")),
        "{v}"
    );
    let (_, m) = f
        .api("op_a", Method::GET, &format!("/api/v1/meetings/{id}"), None)
        .await;
    assert_eq!(
        m["attendance"][0]["attendance"],
        Value::Null,
        "nothing written: {m}"
    );
    assert_eq!(m["marked"], 0);
    let (s, v) = f
        .api(
            "op_a",
            Method::POST,
            &sheet,
            Some(json!({"marks": [{"user_id": f.ids["gw_a1"], "attendance": "holiday"}]})),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("work.attendance_invalid"))
    );
    let (s, m) = f
        .api("op_a", Method::POST, &sheet, Some(json!({"marks": [{"user_id": f.ids["gw_a1"], "attendance": "late", "report_handed": true}]})))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            m["attendance"][0]["attendance"].clone(),
            m["attended"].clone()
        ),
        (json!("late"), json!(1))
    );

    // The invitee sees it; a worker not invited and another township do not.
    let (_, v) = f.api("gw_a1", Method::GET, "/api/v1/meetings", None).await;
    assert_eq!(v["items"][0]["id"], json!(id));
    for who in ["gw_a2", "op_b"] {
        let (s, _) = f
            .api(who, Method::GET, &format!("/api/v1/meetings/{id}"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
    }
    let (s, page) = f.page("op_a", &format!("/work/meetings/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("data-testid=\"attendance-form\"")
            && page.contains("data-attendance=\"late\"")
    );
    let (s, page) = f.page("op_a", "/work/meetings/new").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("value=\"2026-09-30T09:00\""),
        "the suggested day is offered"
    );
    let (s, _) = f.page("gw_a1", "/work/meetings/new").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, page) = f.page("gw_a1", "/work/meetings").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"meeting-row\""));
}

#[tokio::test]
async fn a_ledger_is_submitted_signed_and_fixed() {
    let f = fixture().await;
    f.clock_to("2026-11-10T10:00:00+08:00");
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/ledgers/2026-12/generate",
            None,
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("work.month_future"))
    );
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/ledgers/2026-13/generate",
            None,
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("work.month_invalid"))
    );
    let (s, v) = f
        .api(
            "op_a",
            Method::POST,
            "/api/v1/ledgers/2026-10/generate",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // The current month cannot be submitted before it ends.
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/ledgers/2026-11/submit",
            Some(json!({"note": ""})),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("work.ledger_not_over"))
    );

    let (s, l) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/ledgers/2026-10/generate",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["status"], "draft");
    assert_eq!(
        (l["report_due"].clone(), l["final_due"].clone()),
        (json!("2026-11-15"), json!("2026-11-20"))
    );
    assert_eq!(l["summary"]["visits"], 0);
    let (s, l) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/ledgers/2026-10/submit",
            Some(json!({"note": "本月已核对"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(
        (l["status"].clone(), l["timeliness"].clone()),
        (json!("submitted"), json!("on_time"))
    );

    let w = f.ids["gw_a1"];
    let one = format!("/api/v1/ledgers/2026-10?worker_id={w}");
    let sign = json!({"worker_id": w, "note": "属实"});
    // Another village's leader: as if it did not exist.
    let (s, _) = f.api("gl_b", Method::GET, &one, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f
        .api(
            "gl_b",
            Method::POST,
            "/api/v1/ledgers/2026-10/sign",
            Some(sign.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The township's operator reviews but the village leader signs.
    let (s, _) = f.api("op_a", Method::GET, &one, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = f
        .api(
            "op_a",
            Method::POST,
            "/api/v1/ledgers/2026-10/sign",
            Some(sign.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, l) = f
        .api(
            "gl_a",
            Method::POST,
            "/api/v1/ledgers/2026-10/sign",
            Some(sign.clone()),
        )
        .await;
    assert_eq!(
        (s, l["status"].clone()),
        (StatusCode::OK, json!("signed")),
        "{l}"
    );
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            "/api/v1/ledgers/2026-10/sign",
            Some(sign),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::CONFLICT, json!("work.ledger_signed"))
    );
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/ledgers/2026-10/submit",
            Some(json!({"note": "改"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].clone()),
        (StatusCode::CONFLICT, json!("work.ledger_signed"))
    );
    let (_, l) = f
        .api("gw_a1", Method::GET, "/api/v1/ledgers/2026-10", None)
        .await;
    assert_eq!(
        (l["status"].clone(), l["worker_note"].clone()),
        (json!("signed"), json!("本月已核对"))
    );

    let (_, v) = f
        .api("gl_a", Method::GET, "/api/v1/ledgers?status=signed", None)
        .await;
    assert_eq!(v["in_scope"][0]["worker_id"], json!(w));
    let (s, page) = f.page("gw_a1", "/work/ledger/2026-10").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-status=\"signed\"") && !page.contains("ledger-submit-form"));
    let (s, page) = f
        .page("gl_a", &format!("/work/ledger/2026-10/print?worker={w}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("print-sheet"));
    let (s, h, body) = f.get_bytes("gw_a1", "/work/ledger/2026-10/xlsx").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(body.starts_with(b"PK"));
    let (s, _) = f
        .page("gl_b", &format!("/work/ledger/2026-10?worker={w}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
