//! Activities through the real router (issue 17, part activities): an organiser publishes
//! (201), points outside the catalogue are refused, a volunteer signs up (201 confirmed, a
//! second time 409), a full activity queues (waiting), a cancellation moves the first waiting
//! up and tells them, sign-up to a started or cancelled activity is refused with a clear error,
//! attendance writes points once, another community's activity is not found; the pages.

use crate::common::{FORM, Fixture, Kit, form_body};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use wangge_domain::volunteers::register::Post;
use wangge_domain::{NodeKind, Role};
use wangge_store::audit::Actor;
use wangge_store::volunteers::register::{self, NewVolunteer};

const MORE: &[(&str, Role, &str)] = &[
    ("vol_a2", Role::Volunteer, "350102001001"),
    ("vol_b", Role::Volunteer, "350102002001"),
];

/// The fixture with vol_a and vol_a2 (village A) and vol_b (village B) enrolled; returns their
/// volunteer ids by user name.
async fn setup() -> (Fixture, std::collections::HashMap<&'static str, i64>) {
    let f = Kit::new()
        .more_staff(MORE)
        .clock("2026-11-10T09:00:00+08:00")
        .build()
        .await;
    let mut ids = std::collections::HashMap::new();
    let mut tx = f.state.db.begin().await.unwrap();
    for (user, code) in [
        ("vol_a", "350102001001"),
        ("vol_a2", "350102001001"),
        ("vol_b", "350102002001"),
    ] {
        let node = wangge_store::nodes::by_code(
            &mut tx.handle(),
            &wangge_domain::System::acting().scope(),
            code,
        )
        .await
        .unwrap();
        assert_eq!(node.kind, NodeKind::Village);
        let name = format!("志愿者{user}");
        let v = register::enrol(
            &mut tx.handle(),
            &NewVolunteer {
                community_id: node.id,
                grid_id: None,
                building: "3",
                unit: "2",
                post: Post::BuildingLeader,
                name: &name,
                skills: "",
            },
            Some(f.ids[user]),
            "added",
            &Actor::system("test"),
            0,
        )
        .await
        .unwrap();
        ids.insert(user, v.id);
    }
    tx.commit().await.unwrap();
    (f, ids)
}

fn activity(places: i64) -> Value {
    json!({
        "title": "楼道清扫",
        "kind": "cleaning",
        "points": 2,
        "places": places,
        "starts_at": "2026-11-11T09:00:00+08:00",
        "location": "3号楼",
    })
}

async fn publish(f: &Fixture, user: &str, body: Value) -> (StatusCode, Value) {
    f.api(user, Method::POST, "/api/v1/activities", Some(body))
        .await
}

async fn sign(f: &Fixture, user: &str, id: i64) -> (StatusCode, Value) {
    f.api(
        user,
        Method::POST,
        &format!("/api/v1/activities/{id}/signups"),
        None,
    )
    .await
}

#[tokio::test]
async fn vol_act_publish_sign_up_queue_cancel_promote() {
    let (f, vids) = setup().await;
    // A grid leader of the community publishes for it (the default community).
    let (s, a) = publish(&f, "gl_a", activity(1)).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["places_left"], 1);
    // Points outside the catalogue, a kind not in it, a kind earned otherwise: refused.
    let mut bad = activity(1);
    bad["points"] = json!(5);
    let (s, v) = publish(&f, "gl_a", bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "volunteers.activity_points");
    let mut bad = activity(1);
    bad["kind"] = json!("clue");
    let (s, v) = publish(&f, "gl_a", bad).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("volunteers.activity_kind"))
    );
    let mut bad = activity(1);
    bad["kind"] = json!("other");
    let (s, v) = publish(&f, "gl_a", bad).await;
    assert_eq!(v["code"], "volunteers.activity_other_unapproved", "{s} {v}");
    // Unix milliseconds work as well; a street operator names the community; without one, 400.
    let mut ms = activity(3);
    ms["starts_at"] = json!(1_794_358_800_000i64); // 2026-11-11T09:00+08:00
    ms["community"] = json!("350102001001");
    let (s, v) = publish(&f, "op_a", ms.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    ms.as_object_mut().unwrap().remove("community");
    let (s, v) = publish(&f, "op_a", ms.clone()).await;
    assert_eq!(v["code"], "volunteers.activity_community", "{s}");
    // Another township's operator cannot publish here, a volunteer cannot publish at all.
    ms["community"] = json!("350102001001");
    let (s, _) = publish(&f, "op_b", ms.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = publish(&f, "vol_a", ms).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // First come first served: vol_a confirmed, vol_a2 waiting; twice is a 409.
    let (s, v) = sign(&f, "vol_a", id).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "confirmed");
    let (s, v) = sign(&f, "vol_a", id).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "volunteers.already_signed_up");
    let (s, v) = sign(&f, "vol_a2", id).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::CREATED, Some("waiting"))
    );
    // Another community's volunteer and another township do not see it.
    let (s, v) = sign(&f, "vol_b", id).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = f
        .api(
            "vol_b",
            Method::GET,
            &format!("/api/v1/activities/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f
        .api(
            "op_b",
            Method::GET,
            &format!("/api/v1/activities/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, l) = f
        .api("vol_b", Method::GET, "/api/v1/activities", None)
        .await;
    assert_eq!(l["items"].as_array().unwrap().len(), 0);
    let (_, l) = f
        .api("vol_a", Method::GET, "/api/v1/activities", None)
        .await;
    assert_eq!(l["items"][0]["my_status"], "confirmed", "{l}");

    // vol_a cancels: vol_a2 moves up and is told (in their language).
    let (s, v) = f
        .api(
            "vol_a",
            Method::DELETE,
            &format!("/api/v1/activities/{id}/signups/mine"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["promoted"], true);
    let (s, m) = f
        .api(
            "vol_a2",
            Method::GET,
            "/api/v1/volunteers/me/messages",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["unread"], 1);
    assert_eq!(m["items"][0]["kind"], "promoted");
    assert!(
        m["items"][0]["text"].as_str().unwrap().contains("楼道清扫"),
        "{m}"
    );
    let (_, g) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/activities/{id}"),
            None,
        )
        .await;
    let roster = g["roster"].as_array().unwrap();
    let a2 = roster
        .iter()
        .find(|r| r["volunteer_id"] == vids["vol_a2"])
        .unwrap();
    assert_eq!(a2["status"], "confirmed");
    assert_eq!(g["confirmed"], 1);

    // The page shows a volunteer their status and the messages page the message.
    let (s, page) = f.page("vol_a2", "/vol/activities").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("楼道清扫") && page.contains("已确认"),
        "{page}"
    );
    let (s, page) = f.page("vol_a2", "/vol/messages").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("您已从候补转为确认"), "{page}");
}

#[tokio::test]
async fn vol_act_started_cancelled_and_attendance_once() {
    let (f, vids) = setup().await;
    let (_, a) = publish(&f, "gl_a", activity(5)).await;
    let id = a["id"].as_i64().unwrap();
    let (_, b) = publish(&f, "gl_a", activity(5)).await;
    let other = b["id"].as_i64().unwrap();
    sign(&f, "vol_a", id).await;
    sign(&f, "vol_a", other).await;
    // A cancelled activity: reason required; everyone signed up is told; no more sign-ups.
    let uri = format!("/api/v1/activities/{other}/cancel");
    let (s, v) = f
        .api("gl_a", Method::POST, &uri, Some(json!({"reason": ""})))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("volunteers.cancel_reason"))
    );
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &uri,
            Some(json!({"reason": "暴雨预警"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "cancelled");
    let (s, v) = sign(&f, "vol_a2", other).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["code"], "volunteers.activity_cancelled");
    let (_, m) = f
        .api("vol_a", Method::GET, "/api/v1/volunteers/me/messages", None)
        .await;
    assert!(
        m["items"][0]["text"].as_str().unwrap().contains("暴雨预警"),
        "{m}"
    );

    // Attendance before the start: refused. After it, sign-up is closed with a clear error.
    let att = format!("/api/v1/activities/{id}/attendance");
    let served = json!({"served": [vids["vol_a"]]});
    let (s, v) = f
        .api("gl_a", Method::POST, &att, Some(served.clone()))
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("volunteers.attendance_early"))
    );
    f.clock_to("2026-11-11T10:00:00+08:00");
    let (s, v) = sign(&f, "vol_a2", id).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "volunteers.activity_started");
    assert!(v["message"].as_str().unwrap().contains("sign-up is closed"));
    // Another township's operator neither takes attendance nor cancels here: not found.
    let (s, _) = f
        .api("op_b", Method::POST, &att, Some(served.clone()))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f
        .api(
            "op_b",
            Method::POST,
            &format!("/api/v1/activities/{id}/cancel"),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A volunteer cannot take attendance; the organiser writes points once.
    let (s, _) = f
        .api("vol_a", Method::POST, &att, Some(served.clone()))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &att,
            Some(json!({"served": [vids["vol_a2"]]})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "volunteers.attendance_not_confirmed");
    let (s, v) = f
        .api("gl_a", Method::POST, &att, Some(served.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
    assert_eq!(v["month"], "2026-11");
    let (s, v) = f.api("gl_a", Method::POST, &att, Some(served)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["entries"].as_array().unwrap().len(), 0);
    let mut c = f.state.db.conn().await.unwrap();
    let b = wangge_store::volunteers::ledger::balance(&mut c.handle(), vids["vol_a"], 2026)
        .await
        .unwrap();
    assert_eq!(b.earned, 2);
    let h = wangge_store::volunteers::ledger::history(&mut c.handle(), vids["vol_a"], None, 10)
        .await
        .unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].activity_id, Some(id));
}

#[tokio::test]
async fn vol_act_pages_publish_sign_up_and_confirm() {
    let (f, _) = setup().await;
    // The organiser's list has the publish button; the form publishes with the kind's points.
    let (s, page) = f.page("gl_a", "/vol/activities").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("/vol/activities/new"));
    let (s, page) = f.page("gl_a", "/vol/activities/new").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("value=\"patrol\""), "{page}");
    let body = form_body(&[
        ("community", "350102001001"),
        ("title", "夜间巡逻"),
        ("kind", "patrol"),
        ("places", "2"),
        ("starts", "2026-11-12T19:00"),
        ("ends", ""),
        ("location", "小区北门"),
        ("content", ""),
    ]);
    let (s, h, _) = f.form("gl_a", "/vol/activities/new", FORM, body).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "publish");
    let loc = h["location"].to_str().unwrap().to_string();
    let id: i64 = loc.rsplit('/').next().unwrap().parse().unwrap();
    // A start in the past shows the error on the form, in Chinese.
    let body = form_body(&[
        ("community", "350102001001"),
        ("title", "夜间巡逻"),
        ("kind", "patrol"),
        ("places", "2"),
        ("starts", "2026-11-01T19:00"),
    ]);
    let (s, _, page) = f.form("gl_a", "/vol/activities/new", FORM, body).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("开始时间须在将来"), "{page}");

    // The volunteer signs up on the page.
    let (s, page) = f.page("vol_a", &loc).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("act-signup"), "{page}");
    let (s, _, _) = f
        .form("vol_a", &format!("{loc}/signup"), FORM, Vec::new())
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = f.page("vol_a", &loc).await;
    assert!(
        page.contains("act-withdraw") && page.contains("已确认"),
        "{page}"
    );
    // Twice: the page says so with 409.
    let (s, _, page) = f
        .form("vol_a", &format!("{loc}/signup"), FORM, Vec::new())
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(page.contains("您已报名该活动"), "{page}");

    // After the start the organiser sees the attendance form and confirms.
    f.clock_to("2026-11-12T20:00:00+08:00");
    let (_, page) = f.page("gl_a", &loc).await;
    assert!(page.contains("act-attendance-form"), "{page}");
    let (_, page) = f.page("gl_a", "/vol/activities").await;
    assert!(page.contains("act-due"), "{page}");
    let vid = {
        let (_, g) = f
            .api(
                "gl_a",
                Method::GET,
                &format!("/api/v1/activities/{id}"),
                None,
            )
            .await;
        g["roster"][0]["volunteer_id"].as_i64().unwrap()
    };
    let field = format!("m_{vid}");
    let body = form_body(&[(&field, "served")]);
    let (s, _, _) = f
        .form("gl_a", &format!("{loc}/attendance"), FORM, body)
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = f.page("gl_a", &loc).await;
    assert!(page.contains("已服务"), "{page}");
    assert!(
        !page.contains("act-attendance-form"),
        "nobody is left to mark"
    );
    let (_, page) = f.page("vol_a", "/vol/messages").await;
    assert!(page.contains("记 2 分"), "{page}");
    // The street's list names the community of each activity.
    let (s, page) = f.page("op_a", "/vol/activities").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("节点350102001001") && page.contains("夜间巡逻"),
        "{page}"
    );
    // Another community's volunteer: not found.
    let (s, _) = f.page("vol_b", &loc).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn vol_act_other_needs_the_streets_approval() {
    let (f, _) = setup().await;
    // The community asks its street for an "other" value; the street approves it.
    let (s, r) = f
        .api(
            "gl_a",
            Method::POST,
            "/api/v1/volunteers/approvals",
            Some(json!({"title": "反诈宣传入户", "points": 4, "reason": "入户讲解一次"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let approval = r["id"].as_i64().unwrap();
    let mut other = activity(3);
    other["kind"] = json!("other");
    other["points"] = json!(4);
    other["approval_id"] = json!(approval);
    // Still pending: refused.
    let (s, v) = publish(&f, "gl_a", other.clone()).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("volunteers.activity_other_unapproved")
        )
    );
    let (s, v) = f
        .api(
            "cmd_a",
            Method::POST,
            &format!("/api/v1/volunteers/approvals/{approval}/decide"),
            Some(json!({"decision": "approve", "note": "同意"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Approved: its value and no other.
    let mut wrong = other.clone();
    wrong["points"] = json!(5);
    let (s, v) = publish(&f, "gl_a", wrong).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("volunteers.activity_points"))
    );
    let (s, v) = publish(&f, "gl_a", other.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["kind"].as_str(), v["points"].as_i64()),
        (Some("other"), Some(4))
    );
    assert_eq!(v["approval_id"], approval);
    // Another community may not use this community's approval.
    other["community"] = json!("350102002001");
    let (s, v) = publish(&f, "op_b", other).await;
    assert_eq!(v["code"], "volunteers.activity_other_unapproved", "{s} {v}");
    // The form offers the approval as a kind of its own; its points follow from it.
    let (_, page) = f.page("gl_a", "/vol/activities/new").await;
    let value = format!("value=\"other:{approval}\"");
    assert!(page.contains(&value), "{page}");
    let kind = format!("other:{approval}");
    let body = form_body(&[
        ("community", "350102001001"),
        ("title", "反诈宣传"),
        ("kind", &kind),
        ("places", "4"),
        ("starts", "2026-11-13T09:00"),
    ]);
    let (s, h, page) = f.form("gl_a", "/vol/activities/new", FORM, body).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let loc = h["location"].to_str().unwrap().to_string();
    let (_, a) = f
        .api("gl_a", Method::GET, &loc.replace("/vol/", "/api/v1/"), None)
        .await;
    assert_eq!(
        (a["kind"].as_str(), a["points"].as_i64()),
        (Some("other"), Some(4))
    );
}
