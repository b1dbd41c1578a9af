//! The diary (民情日志) and the outbox's contract, through the real router: an entry is sent
//! once per client key (201, then 200 with the same entry; other content 409), keeps its stated
//! time and flags a late one, flags a reused photo, is read by its worker and by the reviewers
//! of its scope only (404 elsewhere), and takes the village grid leader's comments. Bad input
//! (a future date, a photo that is not an image, a bad key, a writer without a grid) is refused
//! with nothing written. The pages: the form that the outbox sends offline and that posts plain
//! multipart without scripts, the entry page with its comments, the outbox page, `/sw.js`.

use crate::common::{Fixture, Kit, Part, tiny_png};
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};

/// Noon in China on a Friday.
const NOW: &str = "2026-12-04T12:00:00+08:00";

async fn fixture() -> Fixture {
    Kit::new().clock(NOW).build().await
}

fn b64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn entry(key: &str, body: &str) -> Value {
    json!({
        "client_key": key,
        "at": "2026-12-04T09:30:00+08:00",
        "day": "2026-12-04",
        "body": body,
        "tags": "矛盾纠纷, 独居老人",
        "lon": 119.35,
        "lat": 26.05,
    })
}

impl Fixture {
    async fn post_diary(&self, user: &str, body: Value) -> (StatusCode, Value) {
        self.api(user, Method::POST, "/api/v1/diary", Some(body))
            .await
    }

    async fn diary_count(&self, user: &str) -> usize {
        let (s, v) = self
            .api(user, Method::GET, "/api/v1/diary?which=mine", None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["items"].as_array().unwrap().len()
    }
}

#[tokio::test]
async fn an_entry_is_sent_once_and_read_in_scope() {
    let f = fixture().await;
    let mut first = entry(
        "0b7f0c3e-1f5a-4c55-9a51-1f2e3d4c5b6a",
        "走访了三户,王大爷家屋顶漏水",
    );
    first["photos"] = json!([{ "content_type": "image/png", "data": b64(&tiny_png()) }]);
    let (s, v) = f.post_diary("gw_a1", first.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["day"], "2026-12-04");
    assert_eq!(v["tags"], json!(["矛盾纠纷", "独居老人"]));
    assert_eq!(v["at"], "2026-12-04T09:30:00+08:00");
    assert_eq!(v["photos"].as_array().unwrap().len(), 1);
    assert_eq!(v["open_flags"], 0, "sent in time, a new photo: {v}");

    // The outbox sends again (the answer was lost): the same entry, 200, nothing new.
    let (s, again) = f.post_diary("gw_a1", first.clone()).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["id"], id);
    assert_eq!(f.diary_count("gw_a1").await, 1);

    // The same key with other content is refused, and writes nothing.
    let mut other = first.clone();
    other["body"] = json!("另一件事");
    let (s, e) = f.post_diary("gw_a1", other).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["code"], "work.client_key_reused");
    assert_eq!(f.diary_count("gw_a1").await, 1);

    // Another worker's key space is their own: the same key is a new entry of theirs.
    let (s, v2) = f.post_diary("gw_a2", first.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v2}");
    // …whose photo is the same content: flagged, kept.
    assert_eq!(v2["open_flags"], 1, "{v2}");

    // The village grid leader reads the entry and comments; the worker sees the comment.
    let (s, list) = f
        .api("gl_a", Method::GET, "/api/v1/diary?which=uncommented", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&id), "{list}");
    let uri = format!("/api/v1/diary/{id}/comments");
    let (s, c) = f
        .api(
            "gl_a",
            Method::POST,
            &uri,
            Some(json!({ "body": "已阅,请跟进漏水" })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (s, mine) = f
        .api("gw_a1", Method::GET, &format!("/api/v1/diary/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(mine["comments"][0]["body"], "已阅,请跟进漏水");
    assert_eq!(mine["comment_count"], 1);
    let (_, list) = f
        .api("gl_a", Method::GET, "/api/v1/diary?which=uncommented", None)
        .await;
    assert!(
        !list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id),
        "{list}"
    );

    // A worker does not comment; a neighbour worker and another township see nothing.
    let (s, _) = f
        .api("gw_a1", Method::POST, &uri, Some(json!({ "body": "x" })))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for who in ["gw_a2", "gw_b1", "op_b"] {
        let (s, e) = f
            .api(who, Method::GET, &format!("/api/v1/diary/{id}"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}: {e}");
        assert_eq!(e["code"], "work.diary_not_found");
        let (s, _) = f
            .api(who, Method::POST, &uri, Some(json!({ "body": "x" })))
            .await;
        assert!(matches!(s.as_u16(), 403 | 404), "{who}: {s}");
    }
    let (s, list) = f
        .api("op_b", Method::GET, "/api/v1/diary?which=scope", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"], json!([]));

    // The photo, through the entry's scope.
    let photo = v["photos"][0]["url"].as_str().unwrap().to_string();
    let (s, h, bytes) = f.api_bytes("gl_a", &photo).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "image/png");
    assert!(bytes.starts_with(b"\x89PNG"));
    let (s, _, _) = f.api_bytes("gw_b1", &photo).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let f = fixture().await;
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({ "day": "2026-12-05" }), 400, "work.diary_future"),
        (
            json!({ "photos": [{ "content_type": "image/jpeg", "data": b64(b"%PDF-1.4 not an image") }] }),
            400,
            "work.diary_photo_invalid",
        ),
        (
            json!({ "photos": [{ "content_type": "image/jpeg", "data": "***" }] }),
            400,
            "work.diary_photo_invalid",
        ),
        (json!({ "client_key": "x" }), 400, "work.client_key_invalid"),
        (json!({ "at": "yesterday" }), 400, "work.at_invalid"),
        (json!({ "body": "  " }), 400, "required"),
        (json!({ "lon": 119.3 , "lat": null }), 400, "locate.invalid"),
        (json!({ "lon": "east" }), 400, "request.bad_number"),
    ];
    for (n, (patch, status, code)) in cases.into_iter().enumerate() {
        let mut body = entry(&format!("bad-input-key-{n:04}"), "内容");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, e) = f.post_diary("gw_a1", body).await;
        assert_eq!(s.as_u16(), status, "{n}: {e}");
        assert_eq!(e["code"], code, "{n}: {e}");
    }
    assert_eq!(f.diary_count("gw_a1").await, 0);

    // Someone without a grid of their own does not write entries.
    let (s, e) = f.post_diary("gl_a", entry("leader-key-0001", "内容")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["code"], "work.not_in_grid");

    // Sent four days after it was written: kept, with its stated time, and flagged.
    let mut late = entry("late-key-00000001", "上周的走访");
    late["at"] = json!("2026-11-30T18:00:00+08:00");
    late["day"] = json!("2026-11-30");
    let (s, v) = f.post_diary("gw_a1", late).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["at"], "2026-11-30T18:00:00+08:00");
    assert_eq!(v["open_flags"], 1, "{v}");
}

#[tokio::test]
async fn the_pages_work_without_scripts_and_with_the_outbox() {
    let f = fixture().await;
    let (s, page) = f.page("gw_a1", "/work/diary").await;
    assert_eq!(s, StatusCode::OK);
    for needle in [
        "data-testid=\"diary-form\"",
        "data-offline=\"/api/v1/diary\"",
        "data-testid=\"diary-submit\"",
        "name=\"photos\"",
        "data-testid=\"outbox-banner\"",
        "/assets/offline.js",
        "民情日志",
    ] {
        assert!(page.contains(needle), "{needle}");
    }

    // The plain form: multipart, photos and all; a refusal shows the form again with the text.
    let parts = [
        Part::Text("client_key", "plain-form-key-0001".into()),
        Part::Text("day", "2026-12-09".into()),
        Part::Text("body", "将来的日志".into()),
        Part::Text("tags", String::new()),
        Part::File("photos", "", Vec::new()),
    ];
    let (s, _, text) = f.post_multipart("/work/diary", Some("gw_a1"), &parts).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(text.contains("将来的日志"), "the typed text comes back");
    assert!(text.contains("不能为将来的日期"), "{text}");
    let parts = [
        Part::Text("client_key", "plain-form-key-0002".into()),
        Part::Text("day", "2026-12-04".into()),
        Part::Text("body", "巡查中发现路灯损坏".into()),
        Part::Text("tags", "安全隐患".into()),
        Part::File("photos", "lamp.png", tiny_png()),
    ];
    let (s, h, _) = f.post_multipart("/work/diary", Some("gw_a1"), &parts).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let to = h[header::LOCATION].to_str().unwrap().to_string();
    assert!(to.starts_with("/work/diary/"), "{to}");
    // The same form posted twice (a double tap) is one entry.
    let (s, h2, _) = f.post_multipart("/work/diary", Some("gw_a1"), &parts).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h2[header::LOCATION], to.as_str());
    assert_eq!(f.diary_count("gw_a1").await, 1);

    let id: i64 = to
        .trim_start_matches("/work/diary/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (s, page) = f.page("gw_a1", &format!("/work/diary/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("巡查中发现路灯损坏"));
    assert!(page.contains(&format!("/api/v1/diary/{id}/photos/")));
    assert!(
        !page.contains("data-testid=\"diary-comment\""),
        "workers do not comment"
    );

    // The village grid leader: the entry waits for a comment; the comment form posts it.
    let (s, page) = f.page("gl_a", "/work/diary").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"diary-row\""));
    assert!(
        !page.contains("data-testid=\"diary-form\""),
        "leaders do not write"
    );
    let (s, h, _) = f
        .form(
            "gl_a",
            &format!("/work/diary/{id}/comments"),
            "application/x-www-form-urlencoded",
            "body=%E5%B7%B2%E9%98%85".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("done=commented")
    );
    let (_, page) = f.page("gw_a1", &format!("/work/diary/{id}")).await;
    assert!(page.contains("data-testid=\"diary-comment-row\""));
    assert!(page.contains("已阅"));
    let (s, _) = f.page("gw_b1", &format!("/work/diary/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The outbox page and the service worker, served from the root.
    let (s, page) = f.page("gw_a1", "/work/outbox").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"outbox-list\""));
    assert!(page.contains("data-texts="));
    let (s, h, js) = f.get("gw_a1", "/sw.js").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.contains("/work/diary"));
    let (s, _, js) = f.get("", "/assets/offline.js").await;
    assert_eq!(s, StatusCode::OK);
    assert!(js.contains("wgOutbox"));
    let (s, _, texts) = f.get("gw_a1", "/work/outbox/texts.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(texts.contains("outbox.saved_offline"), "{texts}");
}
