//! Grid editing checked before saving: a boundary that opens a gap is refused until confirmed
//! (and nothing is written meanwhile), overlaps stay refused, an earlier version can be restored
//! (a new, audited version); a grid page lists its events; the board takes the worker's photo;
//! the node picker's search stays inside the administrator's scope.

use crate::common::{Part, fixture, square, tiny_png, worker_report};

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use wangge_domain::geometry::{area_m2, parse_geojson_str};

const GRID: &str = "350102001001001";

fn geometry(x0: f64, x1: f64) -> Value {
    serde_json::from_str(&square(x0, 26.0, x1, 26.1)).unwrap()
}

/// The boundary of a node as the API gives it, and its area.
async fn boundary(f: &crate::common::Fixture, code: &str) -> (Value, f64) {
    let (s, v) = f
        .api(
            "admin_city",
            Method::GET,
            &format!("/api/v1/nodes/{code}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let b = v["node"]["boundary"].clone();
    let a = area_m2(&parse_geojson_str(&b.to_string()).unwrap());
    (b, a)
}

async fn versions(f: &crate::common::Fixture, code: &str) -> Vec<Value> {
    let (s, v) = f
        .api(
            "admin_city",
            Method::GET,
            &format!("/api/v1/grids/{code}/versions"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

fn gap_area(check: &Value) -> f64 {
    check["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap().iter())
        .filter(|x| x["kind"] == "gap")
        .map(|x| x["area_m2"].as_f64().unwrap())
        .sum()
}

#[tokio::test]
async fn a_save_that_opens_a_gap_is_refused_until_confirmed() {
    let f = fixture().await;
    let (before, before_area) = boundary(&f, GRID).await;
    // Shrinking the grid from 119.1 to 119.08 leaves a strip of its village uncovered.
    let shrunk = json!({"geometry": geometry(119.0, 119.08), "note": "shrink"});
    let (s, p) = f
        .api(
            "admin_city",
            Method::POST,
            "/api/v1/grids/preview",
            Some(json!({"code": GRID, "geometry": geometry(119.0, 119.08)})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["clean"], false);
    assert_eq!(p["blocked"], false);
    let strip =
        before_area - area_m2(&parse_geojson_str(&square(119.0, 26.0, 119.08, 26.1)).unwrap());
    let found = gap_area(&p["check"]);
    assert!(
        (found - strip).abs() < strip * 0.01,
        "the preview names the gap's area: {found} vs {strip}"
    );
    // The unchanged boundary previews clean.
    let (_, p) = f
        .api(
            "admin_city",
            Method::POST,
            "/api/v1/grids/preview",
            Some(json!({"code": GRID, "geometry": before})),
        )
        .await;
    assert_eq!(p["clean"], true, "{p}");

    // Without confirm: refused with the check, nothing written.
    let uri = format!("/api/v1/grids/{GRID}/boundary");
    let (s, v) = f
        .api("admin_city", Method::PUT, &uri, Some(shrunk.clone()))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "grid.check_not_clean");
    assert!((gap_area(&v["details"]["check"]) - strip).abs() < strip * 0.01);
    let message = v["message"].as_str().unwrap();
    assert!(
        message.contains("(1, ") && message.contains("m² in all") && !message.contains('{'),
        "the refusal says how many findings and their area: {message}"
    );
    assert_eq!(
        boundary(&f, GRID).await.0,
        before,
        "the boundary is unchanged"
    );
    assert_eq!(versions(&f, GRID).await.len(), 1, "no version was written");

    // An overlap is refused even when confirmed.
    let (s, v) = f
        .api(
            "admin_city",
            Method::PUT,
            &format!("{uri}?confirm=1"),
            Some(json!({"geometry": geometry(119.0, 119.15)})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["code"], "grid.overlap");
    assert_eq!(versions(&f, GRID).await.len(), 1);

    // Confirmed: saved.
    let (s, v) = f
        .api(
            "admin_city",
            Method::PUT,
            &format!("{uri}?confirm=1"),
            Some(shrunk),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, after_area) = boundary(&f, GRID).await;
    assert!((before_area - after_area - strip).abs() < strip * 0.01);
    let vs = versions(&f, GRID).await;
    assert_eq!(vs.len(), 2);
    assert_eq!(vs[0]["action"], "redraw");
}

#[tokio::test]
async fn restore_creates_a_new_version_equal_to_the_old_geometry() {
    let f = fixture().await;
    let (original, _) = boundary(&f, GRID).await;
    let uri = format!("/api/v1/grids/{GRID}/boundary?confirm=1");
    let (s, _) = f
        .api(
            "admin_city",
            Method::PUT,
            &uri,
            Some(json!({"geometry": geometry(119.0, 119.08)})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let vs = versions(&f, GRID).await;
    let (created, shrunk) = (vs[1]["id"].as_i64().unwrap(), vs[0]["id"].as_i64().unwrap());

    // Only administrators restore, and only in scope.
    for (user, want) in [
        ("gw_a1", StatusCode::FORBIDDEN),
        ("gl_a", StatusCode::FORBIDDEN),
    ] {
        let (s, _) = f
            .api(
                user,
                Method::POST,
                &format!("/api/v1/grids/{GRID}/versions/{created}/restore"),
                None,
            )
            .await;
        assert_eq!(s, want, "{user}");
    }
    let (s, _) = f
        .api(
            "admin_city",
            Method::POST,
            &format!("/api/v1/grids/{GRID}/versions/999999/restore"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Restoring the first version closes the gap again: clean, so no confirm is needed.
    let (s, v) = f
        .api(
            "admin_a",
            Method::POST,
            &format!("/api/v1/grids/{GRID}/versions/{created}/restore"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(boundary(&f, GRID).await.0, original);
    let vs = versions(&f, GRID).await;
    assert_eq!(
        vs.len(),
        3,
        "the restore is a new version; none is rewritten"
    );
    assert_eq!(vs[0]["action"], "restore");
    assert_eq!(vs[0]["actor"], "admin_a");
    assert_eq!(vs[0]["after_geojson"], vs[2]["after_geojson"]);
    assert_eq!(vs[0]["before_geojson"], vs[1]["after_geojson"]);

    // Restoring the shrunk version would open the gap again: refused until confirmed.
    let restore_uri = format!("/api/v1/grids/{GRID}/versions/{shrunk}/restore");
    let (s, v) = f.api("admin_city", Method::POST, &restore_uri, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "grid.check_not_clean");
    assert_eq!(versions(&f, GRID).await.len(), 3);
    let (s, _) = f
        .api(
            "admin_city",
            Method::POST,
            &format!("{restore_uri}?confirm=1"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(versions(&f, GRID).await.len(), 4);

    // Each restore is in the audit log.
    let (s, v) = f
        .api(
            "admin_city",
            Method::GET,
            "/api/v1/audit?action=restore",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rows = v["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    assert!(rows.iter().any(|r| r["actor_name"] == "admin_a"));

    // The grid page offers restore buttons to administrators only.
    let (_, page) = f.page("admin_city", &format!("/grids/{GRID}")).await;
    assert!(page.contains(&format!("data-testid=\"restore-{created}\"")));
    let (_, page) = f.page("gw_a1", &format!("/grids/{GRID}")).await;
    assert!(!page.contains("js-restore"));
}

#[tokio::test]
async fn a_grid_page_lists_its_own_events_open_first() {
    let f = fixture().await;
    let now = f.state.now();
    let mine = f
        .report_at("gw_a1", worker_report(GRID, "SR01", "井盖缺失"), now - 2000)
        .await;
    let newer = f
        .report_at("gw_a1", worker_report(GRID, "SR01", "路灯不亮"), now - 1000)
        .await;
    let other = f
        .report_at(
            "gw_a2",
            worker_report("350102001001002", "SR01", "邻格事件"),
            now,
        )
        .await;
    let (s, page) = f.page("gw_a1", &format!("/grids/{GRID}")).await;
    assert_eq!(s, StatusCode::OK);
    let section = page
        .split("data-testid=\"grid-events\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    let a = section
        .find(&format!("href=\"/events/{}\"", newer.number))
        .expect("the newer event is listed");
    let b = section
        .find(&format!("href=\"/events/{}\"", mine.number))
        .expect("the older event is listed");
    assert!(a < b, "newest first");
    assert!(
        !section.contains(&other.number),
        "a neighbour's event is not on this grid's page"
    );
    // A worker of the neighbouring grid cannot open this page at all.
    let (s, _) = f.page("gw_b1", &format!("/grids/{GRID}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_board_takes_the_workers_photo() {
    let f = fixture().await;
    let uri = format!("/grids/{GRID}/board/photo");
    let (_, board) = f.page("gw_a1", &format!("/grids/{GRID}/board")).await;
    assert!(board.contains("data-testid=\"board-photo-form\""));
    assert!(!board.contains("board-photo-img"));
    let (s, _, _) = f.get_bytes("gw_a1", &uri).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no photo yet");

    // Not a photo: refused, nothing stored.
    let (s, _, _) = f
        .post_multipart(
            &uri,
            Some("gw_a1"),
            &[Part::File("photo", "x.png", b"not an image".to_vec())],
        )
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Roles that do not keep the board, and workers of other grids, cannot.
    for (user, want) in [
        ("vol_a", StatusCode::FORBIDDEN),
        ("op_a", StatusCode::FORBIDDEN),
        ("gw_b1", StatusCode::NOT_FOUND),
    ] {
        let (s, _, _) = f
            .post_multipart(
                &uri,
                Some(user),
                &[Part::File("photo", "me.png", tiny_png())],
            )
            .await;
        assert_eq!(s, want, "{user}");
    }
    let (s, _, _) = f.get_bytes("gw_a1", &uri).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, h, _) = f
        .post_multipart(
            &uri,
            Some("gw_a1"),
            &[Part::File("photo", "me.png", tiny_png())],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h["location"], format!("/grids/{GRID}/board"));
    let (_, board) = f.page("op_a", &format!("/grids/{GRID}/board")).await;
    assert!(board.contains("data-testid=\"board-photo-img\""));
    assert!(!board.contains("board-photo-form"), "op_a may not upload");
    let (s, h, bytes) = f.get_bytes("op_a", &uri).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "image/png");
    assert!(bytes.starts_with(b"\x89PNG"));
    let (s, _, _) = f.get_bytes("op_b", &uri).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "out of scope");
}

#[tokio::test]
async fn the_node_picker_searches_only_the_administrators_scope() {
    let f = fixture().await;
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|n| n["code"].as_str().unwrap().to_string())
            .collect()
    };
    let (s, v) = f
        .api("admin_a", Method::GET, "/api/v1/nodes?q=001001", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let got = names(&v);
    assert!(got.contains(&"350102001001001".to_string()), "{got:?}");
    assert!(
        got.iter().all(|c| c.starts_with("350102001")),
        "only admin_a's township: {got:?}"
    );
    let (_, v) = f
        .api("admin_city", Method::GET, "/api/v1/nodes?q=001001", None)
        .await;
    assert!(names(&v).contains(&"350102002001001".to_string()));
    let (_, page) = f.page("admin_a", "/admin/users").await;
    assert!(page.contains("data-testid=\"node-picker\""));
    assert!(page.contains("data-root=\"350102001000\""));
}
