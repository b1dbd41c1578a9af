//! Visits (走访) and honesty flags through the real router (issue 15, parts 2 and 12): a worker
//! records a visit once per client key (201, then 200 with the same record, 409 for other
//! content); a target outside the worker's grid answers as absent; a position outside every
//! grid is kept and flagged; a file that is not an image is refused with nothing written; a
//! photo used twice, a position far from the house, an impossible speed and a late sync are
//! flagged; the village grid leader reads and decides flags, another village's leader and
//! another grid's worker see nothing.

use crate::common::{FORM, Fixture, Kit, Part, at, form_body, text, tiny_png};
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::Role;
use wangge_domain::basic::ident::make_id_number;
use wangge_domain::calendar::Date;

const A1: &str = "350102001001001";
const A2: &str = "350102001001002";
/// The fixture's clock: a Monday morning in China.
const NOW: &str = "2026-03-02T10:00:00+08:00";
/// The house of the household, inside grid A1 (lon 119.0–119.1, lat 26.0–26.1).
const HOUSE: (f64, f64) = (119.05, 26.05);

async fn fixture() -> Fixture {
    Kit::new()
        .more_staff(&[("gl_b", Role::GridLeader, "350102002001")])
        .clock(NOW)
        .build()
        .await
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A PNG other than `tiny_png` (a text chunk the cleaner drops would not do: the bytes kept
/// must differ), so two photos differ in content.
fn other_png() -> Vec<u8> {
    let mut p = tiny_png();
    // Another pixel value in the compressed row, with the chunk's CRC recomputed.
    let idat = p.windows(4).position(|w| w == b"IDAT").unwrap();
    let data_start = idat + 4;
    let len = u32::from_be_bytes(p[idat - 4..idat].try_into().unwrap()) as usize;
    p[data_start + 8] = 0x7f;
    // Adler-32 of the raw row [0x00, 0x7f].
    let (a, b) = (1u32 + 0x7f, (1u32) + (1 + 0x7f));
    let adler = (b << 16) | a;
    p[data_start + len - 4..data_start + len].copy_from_slice(&adler.to_be_bytes());
    let crc = wangge_domain::photo::crc32(&p[idat..data_start + len]);
    p[data_start + len..data_start + len + 4].copy_from_slice(&crc.to_be_bytes());
    p
}

impl Fixture {
    /// A house with a position, and a household in it with one member; (household, person).
    async fn household(&self, user: &str, grid: &str, no: &str, seq: u32) -> (i64, i64) {
        let house = json!({"grid_code": grid, "building": no, "unit": "1", "room": "101",
            "use_kind": "self", "owner_name": "户主", "lon": HOUSE.0 + if grid == A1 { 0.0 } else { 0.1 },
            "lat": HOUSE.1});
        let (s, v) = self
            .api(user, Method::POST, "/api/v1/houses", Some(house))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = make_id_number("350102", Date::new(1970, 1, 1).unwrap(), seq);
        let person = json!({"grid_code": grid, "name": format!("居民{no}"), "id_number": id,
            "residence": "registered", "ethnic": "汉族", "building": no, "unit": "1",
            "room": "101", "household_no": no, "relation": "head"});
        let (s, v) = self
            .api(user, Method::POST, "/api/v1/people", Some(person))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let pid = v["id"].as_i64().unwrap();
        let (_, v) = self
            .api(user, Method::GET, &format!("/api/v1/people/{pid}"), None)
            .await;
        let hh = v["household_id"].as_i64().unwrap_or_else(|| panic!("{v}"));
        (hh, pid)
    }

    async fn visit(&self, user: &str, body: Value) -> (StatusCode, Value) {
        self.api(user, Method::POST, "/api/v1/visits", Some(body))
            .await
    }

    async fn visit_ok(&self, user: &str, body: Value) -> Value {
        let (s, v) = self.visit(user, body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v
    }

    async fn flags_of(&self, user: &str) -> Vec<Value> {
        let (s, v) = self
            .api(user, Method::GET, "/api/v1/work-flags", None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["items"].as_array().unwrap().clone()
    }
}

fn reasons(v: &Value) -> Vec<String> {
    let mut r: Vec<String> = v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r
}

fn body(hh: i64, key: &str) -> Value {
    json!({
        "target_kind": "household",
        "target_id": hh.to_string(),
        "seen": "家中三口人,房屋完好",
        "discussed": "孩子上学",
        "done": "",
        "reply": "已答复",
        "evaluation": "满意",
        "client_key": key,
        "at": NOW,
        "lon": HOUSE.0 + 0.0005,
        "lat": HOUSE.1,
    })
}

#[tokio::test]
async fn a_client_key_is_sent_once() {
    let f = fixture().await;
    let (hh, _) = f.household("gw_a1", A1, "H001", 11).await;
    let mut b = body(hh, "k-1");
    b["photos"] = json!([{"content_type": "image/png", "data": b64(&tiny_png())}]);
    let first = f.visit_ok("gw_a1", b.clone()).await;
    let id = first["id"].as_i64().unwrap();
    assert_eq!(first["seen"], "家中三口人,房屋完好");
    assert_eq!(first["at"], at(NOW));
    assert_eq!(first["day"], "2026-03-02");
    assert_eq!(first["photos"].as_array().unwrap().len(), 1);
    assert!(reasons(&first).is_empty(), "{first}");
    // A resend (the outbox after a lost answer): 200, the same record, nothing new.
    let (s, again) = f.visit("gw_a1", b.clone()).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["id"], id);
    assert_eq!(again["photos"].as_array().unwrap().len(), 1);
    // The same key with other content: 409, and still one visit.
    let mut other = b.clone();
    other["reply"] = json!("另有答复");
    let (s, v) = f.visit("gw_a1", other).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "work.client_key_reused");
    // Another photo is other content too.
    let mut other = b;
    other["photos"] = json!([{"content_type": "image/png", "data": b64(&other_png())}]);
    let (s, v) = f.visit("gw_a1", other).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (_, list) = f.api("gw_a1", Method::GET, "/api/v1/visits", None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    // The same key is another worker's own.
    let (hh2, _) = f.household("gw_a2", A2, "H201", 12).await;
    let mut b2 = body(hh2, "k-1");
    b2["lon"] = json!(HOUSE.0 + 0.1);
    f.visit_ok("gw_a2", b2).await;
}

#[tokio::test]
async fn outside_the_grid_is_absent_and_bad_input_writes_nothing() {
    let f = fixture().await;
    let (mine, _) = f.household("gw_a1", A1, "H001", 21).await;
    let (theirs, _) = f.household("gw_a2", A2, "H201", 22).await;
    let (s, v) = f.visit("gw_a1", body(theirs, "k-x")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["code"], "work.target_not_found");
    let (s2, absent) = f.visit("gw_a1", body(theirs + 1000, "k-y")).await;
    assert_eq!(s2, StatusCode::NOT_FOUND);
    assert_eq!(absent["code"], v["code"]);
    assert_eq!(
        absent["message"]
            .as_str()
            .unwrap()
            .replace(&(theirs + 1000).to_string(), "N"),
        v["message"]
            .as_str()
            .unwrap()
            .replace(&theirs.to_string(), "N")
    );
    assert!(!v.to_string().contains(A2), "{v}");
    // A file that is not an image: refused (415), and no visit, no photo.
    let mut b = body(mine, "k-2");
    b["photos"] = json!([
        {"content_type": "image/png", "data": b64(&tiny_png())},
        {"content_type": "image/jpeg", "data": b64(b"%PDF-1.4 not a photo")}
    ]);
    let (s, v) = f.visit("gw_a1", b).await;
    // The platform's status for a file of another type, as for event photos.
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
    assert_eq!(v["code"], "photo.unsupported_type");
    assert_eq!(v["details"]["photo"], 2, "{v}");
    // Not base64, a missing first step, a lone coordinate, a bad time: each 400.
    for (field, value, code) in [
        ("photos", json!([{"data": "***"}]), "work.photo_data"),
        ("seen", json!("  "), "work.visit_seen_required"),
        ("lat", json!(null), "work.position_invalid"),
        ("at", json!("yesterday"), "calendar.bad_instant"),
        ("target_kind", json!("car"), "work.visit_target_kind"),
    ] {
        let mut b = body(mine, "k-3");
        b[field] = value;
        let (s, v) = f.visit("gw_a1", b).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{field}: {v}");
        assert_eq!(v["code"], code, "{field}: {v}");
    }
    let (_, list) = f.api("gw_a1", Method::GET, "/api/v1/visits", None).await;
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    // The same key then works: nothing of the refusals was kept under it.
    f.visit_ok("gw_a1", body(mine, "k-2")).await;
    // Only a worker records visits.
    let (s, _) = f.visit("gl_a", body(mine, "k-9")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn suspicious_visits_are_kept_and_flagged() {
    let f = fixture().await;
    let (hh, _) = f.household("gw_a1", A1, "H001", 31).await;
    // Outside every grid: kept (201) and flagged, with the grid the position fell in (none).
    let mut b = body(hh, "k-out");
    b["lon"] = json!(121.5);
    b["lat"] = json!(31.2);
    b["at"] = json!("2026-03-01T08:00:00+08:00");
    let v = f.visit_ok("gw_a1", b).await;
    assert_eq!(reasons(&v), ["far_from_house", "outside_grid"], "{v}");
    let flag = v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["reason"] == "outside_grid")
        .unwrap();
    assert_eq!(flag["evidence"]["located_grid"], Value::Null);
    assert_eq!(flag["evidence"]["grid"], A1);
    assert_eq!(flag["status"], "open");

    // Inside the grid but 3 km from the house.
    let mut b = body(hh, "k-far");
    b["lon"] = json!(HOUSE.0 + 0.03);
    b["at"] = json!("2026-03-02T06:00:00+08:00");
    let v = f.visit_ok("gw_a1", b).await;
    assert_eq!(reasons(&v), ["far_from_house"], "{v}");
    let far = &v["flags"][0]["evidence"];
    assert!(far["distance_m"].as_f64().unwrap() > 2_900.0, "{far}");
    assert_eq!(far["max_m"], 500);

    // At the house two minutes later: 3 km in two minutes is 90 km/h, plausible; from the far
    // side of the grid (11 km) it is not.
    let mut b = body(hh, "k-fast");
    b["lon"] = json!(HOUSE.0 - 0.049);
    b["lat"] = json!(26.099);
    b["at"] = json!("2026-03-02T06:02:00+08:00");
    let v = f.visit_ok("gw_a1", b).await;
    assert!(reasons(&v).contains(&"impossible_speed".to_string()), "{v}");
    let sp = v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["reason"] == "impossible_speed")
        .unwrap();
    assert_eq!(sp["evidence"]["other_kind"], "visit");
    assert!(sp["evidence"]["speed_kmh"].as_f64().unwrap() > 120.0);

    // Sent four days after its stated time: beyond the 72 hours the phone may hold it.
    let mut b = body(hh, "k-late");
    b["at"] = json!("2026-02-26T09:00:00+08:00");
    let v = f.visit_ok("gw_a1", b).await;
    assert_eq!(reasons(&v), ["late_sync"], "{v}");
    assert!(v["flags"][0]["evidence"]["hours_late"].as_f64().unwrap() > 72.0);

    // The same photo on two visits: the second is flagged, naming the first.
    let mut b = body(hh, "k-p1");
    b["photos"] = json!([{"data": b64(&tiny_png())}]);
    let first = f.visit_ok("gw_a1", b.clone()).await;
    assert!(reasons(&first).is_empty(), "{first}");
    b["client_key"] = json!("k-p2");
    b["seen"] = json!("第二次");
    let second = f.visit_ok("gw_a1", b).await;
    assert_eq!(reasons(&second), ["photo_reused"], "{second}");
    assert_eq!(second["flags"][0]["evidence"]["other_id"], first["id"]);
    // And the flagged visit shows on the page with its evidence.
    let (s, page) = f
        .page("gw_a1", &format!("/work/visits/{}", second["id"]))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-reason=\"photo_reused\""), "{page}");
    assert!(page.contains("照片重复使用"));
}

#[tokio::test]
async fn the_village_leader_decides_flags_in_scope() {
    let f = fixture().await;
    let (hh, _) = f.household("gw_a1", A1, "H001", 41).await;
    let mut b = body(hh, "k-out");
    b["lon"] = json!(119.25);
    let v = f.visit_ok("gw_a1", b).await;
    let vid = v["id"].as_i64().unwrap();
    let flag = v["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["reason"] == "outside_grid")
        .unwrap()
        .clone();
    // The position lies in the other township's grid: the evidence names it.
    assert_eq!(flag["evidence"]["located_grid"], "350102002001001");
    let fid = flag["id"].as_i64().unwrap();

    // The worker sees their flag but does not judge it.
    assert!(f.flags_of("gw_a1").await.iter().any(|x| x["id"] == fid));
    let uri = format!("/api/v1/work-flags/{fid}/decision");
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            &uri,
            Some(json!({"decision": "clear", "note": "我在现场"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

    // Another village's leader and another grid's worker: as if nothing existed.
    assert!(f.flags_of("gl_b").await.is_empty());
    assert!(f.flags_of("gw_a2").await.is_empty());
    for user in ["gl_b", "gw_a2", "gw_b1"] {
        let (s, _) = f
            .api(user, Method::GET, &format!("/api/v1/visits/{vid}"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{user}");
        let (s, _) = f
            .api(
                user,
                Method::GET,
                &format!("/api/v1/work-flags/{fid}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{user}");
    }
    let (s, v) = f
        .api(
            "gl_b",
            Method::POST,
            &uri,
            Some(json!({"decision": "confirm", "note": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");

    // The village grid leader reads the visit and the flag, and decides with a note.
    let (s, _) = f
        .api("gl_a", Method::GET, &format!("/api/v1/visits/{vid}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, page) = f.page("gl_a", "/work/flags").await;
    assert!(page.contains("data-reason=\"outside_grid\""), "{page}");
    assert!(page.contains("data-testid=\"flag-confirm\""));
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &uri,
            Some(json!({"decision": "confirm", "note": " "})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "work.flag_note_required");
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &uri,
            Some(json!({"decision": "maybe", "note": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &uri,
            Some(json!({"decision": "confirm", "note": "位置在邻镇"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "confirmed");
    assert_eq!(v["decision_note"], "位置在邻镇");
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &uri,
            Some(json!({"decision": "clear", "note": "再议"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // One audit row for the decision.
    let (_, v) = f
        .api(
            "admin_city",
            Method::GET,
            "/api/v1/audit?action=work_flag_confirm",
            None,
        )
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    // A decided flag no longer counts as open on the visit (the far one still does).
    let (_, v) = f
        .api("gw_a1", Method::GET, &format!("/api/v1/visits/{vid}"), None)
        .await;
    assert_eq!(v["open_flags"], 1, "{v}");
}

#[tokio::test]
async fn the_plain_form_and_the_pages() {
    let f = fixture().await;
    let (hh, pid) = f.household("gw_a1", A1, "H001", 51).await;
    // A key person: the visit records the duty word only.
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            &format!("/api/v1/people/{pid}/tags"),
            Some(json!({"group": "correction"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    let (s, page) = f.page("gw_a1", "/work/visits/new?q=H001").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"visit-form\""));
    assert!(page.contains("data-offline=\"/api/v1/visits\""));
    assert!(page.contains(&format!(
        "data-testid=\"visit-link\" href=\"/work/visits/new?target_kind=household&amp;target_id={hh}\""
    )));
    let (_, page) = f
        .page(
            "gw_a1",
            &format!("/work/visits/new?target_kind=household&target_id={hh}"),
        )
        .await;
    assert!(page.contains(&format!(
        "name=\"target_id\" type=\"number\" min=\"1\" step=\"1\" value=\"{hh}\""
    )));

    // Without the offline script: a plain multipart post, with a photo.
    let hh_text = hh.to_string();
    let parts = [
        text("target_kind", "household"),
        text("target_id", &hh_text),
        text("seen", "入户看望"),
        text("discussed", ""),
        text("done", ""),
        text("reply", ""),
        text("evaluation", "满意"),
        Part::File("photos", "a.png", tiny_png()),
    ];
    let (s, h, text_) = f
        .post_multipart("/work/visits", Some("gw_a1"), &parts)
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{text_}");
    let loc = h[header::LOCATION].to_str().unwrap().to_string();
    let (s, page) = f.page("gw_a1", &loc).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("入户看望") && page.contains("data-testid=\"visit-photo\""));
    assert!(page.contains("data-testid=\"visit-duty\""), "{page}");
    let vid: i64 = loc
        .trim_start_matches("/work/visits/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, v) = f
        .api("gw_a1", Method::GET, &format!("/api/v1/visits/{vid}"), None)
        .await;
    assert_eq!(v["duty"], "weekly");
    assert!(!v.to_string().contains("correction"), "{v}");
    // The photo is served to the worker and the village leader, to nobody else.
    let photo = v["photos"][0]["url"].as_str().unwrap().to_string();
    let (s, _, bytes) = f.get_bytes("gw_a1", &photo).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(&bytes[..4], b"\x89PNG");
    let (s, _, _) = f.get_bytes("gl_a", &photo).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = f.get_bytes("gw_b1", &photo).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A refusal shows the form again with the reason, in the user's language.
    let parts = [
        text("target_kind", "household"),
        text("target_id", &hh_text),
        text("seen", ""),
        Part::File("photos", "a.txt", b"hello".to_vec()),
    ];
    let (s, _, page) = f
        .post_multipart("/work/visits", Some("gw_a1"), &parts)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("data-testid=\"form-errors\""), "{page}");
    assert!(page.contains("走"), "{page}");

    // An event reported from the visit, through the one report path, kept on the visit once.
    let uri = format!("/work/visits/{vid}/event");
    let form = form_body(&[("category", "SR01"), ("description", "楼道堆放杂物")]);
    let (s, h, page) = f.form("gw_a1", &uri, FORM, form.clone()).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("done=reported")
    );
    let (_, v) = f
        .api("gw_a1", Method::GET, &format!("/api/v1/visits/{vid}"), None)
        .await;
    let number = v["event_number"].as_str().unwrap().to_string();
    let (s, ev) = f
        .api(
            "gw_a1",
            Method::GET,
            &format!("/api/v1/events/{number}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{ev}");
    let (s, _, page) = f.form("gw_a1", &uri, FORM, form.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{page}");
    // Nobody else reports from it; out of scope it does not exist.
    let (s, _, _) = f.form("gl_a", &uri, FORM, form.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = f.form("gw_b1", &uri, FORM, form).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The lists: the worker's own, the leader's scope, nobody else's.
    let (_, page) = f.page("gw_a1", "/work/visits").await;
    assert!(page.contains("data-testid=\"visit-row\""));
    let (_, page) = f.page("gl_a", "/work/visits").await;
    assert!(page.contains("data-testid=\"visit-row\""));
    let (_, v) = f.api("gw_a2", Method::GET, "/api/v1/visits", None).await;
    assert!(v["items"].as_array().unwrap().is_empty());
    let (s, _) = f.page("gw_b1", &format!("/work/visits/{vid}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// A PNG of about `n` bytes: the pixels are never decoded, so a long IDAT chunk will do.
fn big_png(n: usize) -> Vec<u8> {
    let small = tiny_png();
    let iend = small.len() - 12;
    let mut out = small[..iend].to_vec();
    let mut chunk = b"IDAT".to_vec();
    chunk.extend(vec![7u8; n]);
    out.extend((n as u32).to_be_bytes());
    out.extend(&chunk);
    out.extend(wangge_domain::photo::crc32(&chunk).to_be_bytes());
    out.extend(&small[iend..]);
    out
}

#[tokio::test]
async fn phone_sized_photos_fit_and_the_limits_hold() {
    let f = fixture().await;
    let (hh, _) = f.household("gw_a1", A1, "H001", 61).await;
    // Two photos of 3 MB as base64 in JSON: far above the default request size.
    let mut b = body(hh, "k-big");
    let photo = json!({"data": b64(&big_png(3 << 20))});
    b["photos"] = json!([photo.clone(), photo.clone()]);
    let v = f.visit_ok("gw_a1", b).await;
    assert_eq!(v["photos"].as_array().unwrap().len(), 2, "{v}");
    // The same content twice on one record is not reuse on another record.
    assert!(reasons(&v).is_empty(), "{v}");
    // Seven photos are refused before any is read.
    let mut b = body(hh, "k-seven");
    b["photos"] = json!(vec![json!({"data": b64(&tiny_png())}); 7]);
    let (s, v) = f.visit("gw_a1", b).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "work.too_many_photos");
}
