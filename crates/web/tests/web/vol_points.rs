//! Volunteer points, part "points" (issue 17) through the router: a verified clue earns its
//! points once (the scheduler's tick), the notice masks names and publishing locks the month,
//! a volunteer's points on the phone and an organiser's correction, the ranking in scope with
//! the top 50 marked, the street's awards and archives.

use super::common::*;
use axum::http::{Method, StatusCode};
use serde_json::json;
use wangge_domain::System;
use wangge_domain::event::Action;
use wangge_domain::volunteers::catalogue::Catalogue;
use wangge_domain::volunteers::ledger::Kind;
use wangge_domain::volunteers::register::Post;
use wangge_store::audit::Actor;
use wangge_store::volunteers::ledger::{self, NewEntry};
use wangge_store::volunteers::register::{self, NewVolunteer};
use wangge_store::volunteers::{catalogue, clues};
use wangge_store::{Db, nodes, now_ms};
use wangge_web::scheduler;

const VIL_A: &str = "350102001001";
const VIL_B: &str = "350102002001";
const G_A1: &str = "350102001001001";

async fn fixture_nov() -> Fixture {
    Kit::new().clock("2026-11-05T10:00:00+08:00").build().await
}

async fn exec(db: &Db, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    }
    .unwrap()
}

async fn enrol(
    f: &Fixture,
    village: &str,
    name: &str,
    building: &str,
    post: Post,
    user: Option<&str>,
) -> i64 {
    let mut c = f.state.db.conn().await.unwrap();
    let h = &mut c.handle();
    let node = nodes::by_code(h, &System::acting().scope(), village)
        .await
        .unwrap();
    register::enrol(
        h,
        &NewVolunteer {
            community_id: node.id,
            grid_id: None,
            building,
            unit: "1单元",
            post,
            name,
            skills: "",
        },
        user.map(|u| f.ids[u]),
        "added",
        &Actor::system("测试"),
        // Enrolled before the reports these tests make (a clue reported earlier earns nothing).
        at("2026-10-01T00:00:00+08:00"),
    )
    .await
    .unwrap()
    .id
}

async fn add(f: &Fixture, v: i64, points: i64, month: &str) -> i64 {
    let mut tx = f.state.db.begin().await.unwrap();
    let e = ledger::append(
        &mut tx.handle(),
        &NewEntry::new(v, Kind::Service, points, month),
        &Actor::system("测试"),
        now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    e.id
}

async fn clue_entries(f: &Fixture) -> Vec<(i64, i64, Option<i64>, String)> {
    let sql = "SELECT volunteer_id, points, event_id, month FROM points_ledger WHERE kind = 'clue' ORDER BY id";
    match &f.state.db {
        Db::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
    }
}

/// An event handled on the spot by a worker and verified true by the grid leader, then
/// attributed to `reporter` (as if they had reported it through the one report path).
async fn verified_event(f: &Fixture, category: &str, reporter: &str) -> String {
    verified_event_at(f, category, reporter, "2026-11-03", "2026-11-04").await
}

async fn verified_event_at(
    f: &Fixture,
    category: &str,
    reporter: &str,
    reported: &str,
    verified: &str,
) -> String {
    let mut input = worker_report(G_A1, category, "发现线索");
    input.handled_on_spot = Some("已当场处理".into());
    let number = f
        .report_at("gw_a1", input, at(&format!("{reported}T09:00:00+08:00")))
        .await
        .number;
    let pass = Action::Verify {
        pass: true,
        note: "核实属实".into(),
    };
    f.act_at(
        "gl_a",
        &number,
        pass,
        &[],
        at(&format!("{verified}T10:00:00+08:00")),
    )
    .await;
    exec(
        &f.state.db,
        &format!(
            "UPDATE events SET reporter_user_id = {} WHERE number = '{number}'",
            f.ids[reporter]
        ),
    )
    .await;
    number
}

#[tokio::test]
async fn vol_points_a_verified_clue_earns_five_once() {
    let f = fixture_nov().await;
    let v = enrol(&f, VIL_A, "张三", "1栋", Post::Volunteer, Some("vol_a")).await;
    let _clue = verified_event(&f, "ZA01", "vol_a").await;
    // Not a clue category: verified, but earns nothing.
    let _other = verified_event(&f, "SR01", "vol_a").await;
    // A clue reported before its reporter became a volunteer: nothing.
    let _before = verified_event_at(&f, "ZA01", "vol_a", "2026-09-20", "2026-09-21").await;
    // A clue reported by a worker (no volunteer): nothing.
    let input = worker_report(G_A1, "ZA02", "工作人员上报");
    f.report_at("gw_a1", input, at("2026-11-03T09:00:00+08:00"))
        .await;

    // The volunteer signed in reports a clue themselves through the one report path.
    let own = worker_report(G_A1, "ZA01", "发现治安隐患");
    let own = f
        .report_at("vol_a", own, at("2026-11-03T10:00:00+08:00"))
        .await
        .number;
    let steps = [
        (
            "gw_a1",
            Action::Accept {
                due_ms: None,
                urgency: None,
                note: String::new(),
            },
        ),
        (
            "gw_a1",
            Action::Feedback {
                result: "已处置".into(),
                photos: Vec::new(),
            },
        ),
        (
            "gl_a",
            Action::Verify {
                pass: true,
                note: "核实属实".into(),
            },
        ),
    ];
    for (who, action) in steps {
        f.act_at(who, &own, action, &[], at("2026-11-04T11:00:00+08:00"))
            .await;
    }

    scheduler::tick(&f.state, "one").await.unwrap();
    let clues = clue_entries(&f).await;
    assert_eq!(clues.len(), 2, "{clues:?}");
    assert_eq!((clues[0].0, clues[0].1), (v, 5));
    assert_eq!(clues[0].3, "2026-11", "the month of the verification");
    // Again: nothing new.
    scheduler::tick(&f.state, "one").await.unwrap();
    assert_eq!(clue_entries(&f).await.len(), 2);

    let (s, b) = f
        .api("vol_a", Method::GET, "/api/v1/volunteers/me/points", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["balance"]["earned"], 10);
    assert_eq!(b["history"][0]["kind"], "clue");
    // The history names the clue in the page's language (the entry keeps only the number).
    let (s, page) = f.page("vol_a", "/vol/points").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&format!("线索 {own} 经核实属实")), "{page}");

    // Verified in October, found after October was published: it counts in November.
    let late = verified_event_at(&f, "ZA01", "vol_a", "2026-10-20", "2026-10-21").await;
    let (s, _) = f
        .api(
            "gl_a",
            Method::POST,
            &format!("/api/v1/volunteers/months/{VIL_A}/2026-10/publish"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    scheduler::tick(&f.state, "one").await.unwrap();
    let clues = clue_entries(&f).await;
    assert_eq!(clues.len(), 3, "{clues:?}");
    assert_eq!(clues[2].3, "2026-11", "{late}: October is locked");
    let mut c = f.state.db.conn().await.unwrap();
    let (n, breaks) = ledger::verify(&mut c.handle()).await.unwrap();
    assert_eq!((n, breaks.len()), (3, 0));
}

/// Events that another street's catalogue pays for as clues, but the reporter's does not, are
/// looked at once: before, 500 of them filled every batch and the clues behind never earned.
#[tokio::test]
async fn vol_points_unpaid_clues_do_not_starve_the_rest() {
    let f = fixture_nov().await;
    let v = enrol(&f, VIL_A, "张三", "1栋", Post::Volunteer, Some("vol_a")).await;
    {
        let mut c = f.state.db.conn().await.unwrap();
        let h = &mut c.handle();
        let street = nodes::by_code(h, &System::acting().scope(), "350102002000")
            .await
            .unwrap();
        let mut cat = Catalogue::seed();
        cat.clue_categories.push("SR01".into());
        catalogue::save_version(h, &street, &cat, "试行", &Actor::system("测试"), now_ms())
            .await
            .unwrap();
    }
    for _ in 0..3 {
        verified_event(&f, "SR01", "vol_a").await;
    }
    let clue = verified_event(&f, "ZA01", "vol_a").await;
    let award = || async {
        let mut tx = f.state.db.begin().await.unwrap();
        let n = clues::award_batch(&mut tx.handle(), f.state.now(), 2)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n
    };
    // Batches of two: the first holds two unpaid events, the next the third and the clue.
    assert_eq!(award().await, 0);
    assert_eq!(award().await, 1, "{clue} earns on the second batch");
    let entries = clue_entries(&f).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!((entries[0].0, entries[0].1), (v, 5));
    // Nothing is looked at twice, and the three unpaid events are recorded as such.
    assert_eq!(award().await, 0);
    let sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM clue_skips";
    let skipped: i64 = match &f.state.db {
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    };
    assert_eq!(skipped, 3);
}

#[tokio::test]
async fn vol_points_notice_masks_names_and_publishing_locks() {
    let f = fixture_nov().await;
    let a = enrol(
        &f,
        VIL_A,
        "王小明",
        "1栋",
        Post::BuildingLeader,
        Some("vol_a"),
    )
    .await;
    let b = enrol(&f, VIL_A, "欧阳娜娜", "2栋", Post::UnitLeader, None).await;
    let c = enrol(&f, VIL_A, "张三", "2栋", Post::Volunteer, None).await;
    add(&f, a, 2, "2026-10").await;
    add(&f, b, 3, "2026-10").await;
    add(&f, c, 2, "2026-09").await;

    let (s, page) = f
        .page("gl_a", &format!("/vol/months/{VIL_A}/2026-10"))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    for masked in ["王*明", "欧**娜", "张*"] {
        assert!(page.contains(masked), "{masked} missing");
    }
    for name in ["王小明", "欧阳娜娜", "张三"] {
        assert!(!page.contains(name), "{name} shown in full");
    }
    assert!(page.contains("notice-draft"));
    assert!(page.contains("@media print"));
    let (s, page) = f
        .page(
            "gl_a",
            &format!("/vol/months/{VIL_A}/2026-10?building=2%E6%A0%8B"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("欧**娜") && !page.contains("王*明"));
    // The volunteer reads their community's notice too; another street's organiser cannot.
    let (s, _) = f
        .page("vol_a", &format!("/vol/months/{VIL_A}/2026-10"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = f
        .api(
            "op_b",
            Method::GET,
            &format!("/api/v1/volunteers/months/{VIL_A}/2026-10"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, body) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/volunteers/months/{VIL_A}/2026-10"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["sheet"]["points"], 5);
    assert!(body.to_string().contains("王*明") && !body.to_string().contains("王小明"));

    // November has not ended; the volunteer may not publish; the organiser publishes October.
    let publish = |m: &str| format!("/api/v1/volunteers/months/{VIL_A}/{m}/publish");
    let (s, e) = f.api("gl_a", Method::POST, &publish("2026-11"), None).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("volunteers.month_not_ended"))
    );
    let (s, _) = f
        .api("vol_a", Method::POST, &publish("2026-10"), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = f.api("gl_a", Method::POST, &publish("2026-1x"), None).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("volunteers.month_invalid"))
    );
    let (s, p) = f.api("gl_a", Method::POST, &publish("2026-10"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["points"], 5);
    let (s, e) = f.api("gl_a", Method::POST, &publish("2026-10"), None).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("volunteers.month_already_published")
        )
    );

    // A late entry in October is refused with a reason in the user's language.
    let mut tx = f.state.db.begin().await.unwrap();
    let err = ledger::append(
        &mut tx.handle(),
        &NewEntry::new(a, Kind::Service, 2, "2026-10"),
        &Actor::system("测试"),
        now_ms(),
    )
    .await
    .unwrap_err();
    drop(tx);
    assert_eq!(err.code, "volunteers.month_published");
    assert!(err.text(true).contains("已公示"));

    let (s, list) = f
        .api("gl_a", Method::GET, "/api/v1/volunteers/months", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let oct = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == "2026-10")
        .unwrap();
    assert!(oct["published"].is_object());
    // The months page shows it locked, with who published it.
    let (s, page) = f.page("gl_a", "/vol/months").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("month-locked") && page.contains("用户gl_a"));
    // A street user picks a community first; the API asks for one.
    let (s, page) = f.page("op_a", "/vol/months").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&format!("community={VIL_A}")));
    let (s, _) = f
        .api("op_a", Method::GET, "/api/v1/volunteers/months", None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // The page's publish button asks to confirm, then publishes (September).
    let body = form_body(&[("community", VIL_A), ("month", "2026-09")]);
    let (s, _, page) = f.form("gl_a", "/vol/months", FORM, body).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("publish-confirm"));
    let body = form_body(&[("community", VIL_A), ("month", "2026-09"), ("confirm", "1")]);
    let (s, h, _) = f.form("gl_a", "/vol/months", FORM, body).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        h["location"]
            .to_str()
            .unwrap()
            .contains("published=2026-09")
    );
}

#[tokio::test]
async fn vol_points_my_points_and_corrections() {
    let f = fixture_nov().await;
    let v = enrol(&f, VIL_A, "张三", "1栋", Post::Volunteer, Some("vol_a")).await;
    let first = add(&f, v, 3, "2026-10").await;
    add(&f, v, 2, "2026-11").await;

    let (s, page) = f.page("vol_a", "/vol/points").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("data-testid=\"pts-earned\">5<"));
    assert!(page.contains("width=device-width"));

    let uri = format!("/api/v1/volunteers/{v}/corrections");
    // The volunteer may not correct; another street does not see them; a bad body is refused.
    let body = json!({"entry_id": first, "points": -1, "reason": "多记了一次"});
    let (s, _) = f.api("vol_a", Method::POST, &uri, Some(body.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = f.api("op_b", Method::POST, &uri, Some(body.clone())).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, e) = f
        .api(
            "gl_a",
            Method::POST,
            &uri,
            Some(json!({"entry_id": first, "points": -1, "reason": " "})),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("volunteers.correction_reason")
        )
    );
    let (s, c) = f.api("gl_a", Method::POST, &uri, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["entry"]["kind"], "correction");
    assert_eq!(c["entry"]["corrects_id"], first);

    // The history shows the correction as one, with its reason and the entry it corrects.
    let (s, b) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/volunteers/{v}/points"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["balance"]["earned"], 4);
    assert_eq!(b["history"].as_array().unwrap().len(), 3);
    assert_eq!(b["history"][0]["kind"], "correction");
    assert_eq!(b["history"][0]["corrects"]["id"], first);
    assert_eq!(b["history"][0]["reason"], "多记了一次");
    let c_id = c["entry"]["id"].as_i64().unwrap();
    assert_eq!(b["history"][2]["id"], first);
    assert_eq!(b["history"][2]["corrected_by"], json!([c_id]));
    let (s, page) = f.page("vol_a", "/vol/points").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("pts-corrects") && page.contains("多记了一次"));
    assert!(page.contains(&format!("#{first}")));

    // The organiser's page and its form: an error in the form, then a correction.
    let page_uri = format!("/vol/volunteers/{v}/points");
    let (s, page) = f.page("gl_a", &page_uri).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("pts-correct-submit"));
    assert!(page.contains("pts-corrected-by") && page.contains("pts-correct-link"));
    let (s, page) = f.page("gl_a", &format!("{page_uri}?correct={first}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&format!("name=\"entry_id\" value=\"{first}\"")));
    let bad = form_body(&[
        ("entry_id", &first.to_string()),
        ("points", "-9"),
        ("reason", "太多"),
    ]);
    let (s, _, page) = f.form("gl_a", &page_uri, FORM, bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("form-error"));
    let good = form_body(&[
        ("entry_id", &first.to_string()),
        ("points", "+1"),
        ("reason", "补记"),
    ]);
    let (s, h, _) = f.form("gl_a", &page_uri, FORM, good).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h["location"].to_str().unwrap().ends_with("done=1"));
    // Someone who is not a volunteer has no points page.
    let (s, _) = f
        .api("gl_a", Method::GET, "/api/v1/volunteers/me/points", None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = f.page("op_b", &page_uri).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn vol_points_ranking_awards_and_archives() {
    let f = fixture_nov().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let post = if i == 0 {
            Post::BuildingLeader
        } else {
            Post::UnitLeader
        };
        let v = enrol(
            &f,
            VIL_A,
            &format!("李{i}明"),
            "1栋",
            post,
            (i == 0).then_some("vol_a"),
        )
        .await;
        add(&f, v, 10 - i, "2026-07").await;
        ids.push(v);
    }
    let b = enrol(&f, VIL_B, "赵六", "9栋", Post::Volunteer, None).await;
    add(&f, b, 50, "2026-07").await;

    let (s, r) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/volunteers/ranking?year=2026",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["ranking"]["total"], 5, "street A only");
    assert_eq!(r["ranking"]["rows"][0]["rank"], 1);
    assert_eq!(r["ranking"]["rows"][0]["top"], true);
    assert_eq!(r["ranking"]["rows"][0]["name"], "李0明");
    let (s, r) = f
        .api(
            "admin_city",
            Method::GET,
            "/api/v1/volunteers/ranking?limit=2&offset=1",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["ranking"]["total"], 6);
    assert_eq!(r["ranking"]["rows"][0]["rank"], 2);
    let (s, _) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/volunteers/ranking?node=350102002000",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another street is out of scope");
    let (s, _) = f
        .api(
            "op_a",
            Method::GET,
            "/api/v1/volunteers/ranking?year=abc",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A volunteer sees their own name and others masked.
    let (s, r) = f
        .api("vol_a", Method::GET, "/api/v1/volunteers/ranking", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["ranking"]["rows"][0]["name"], "李0明");
    assert_eq!(r["ranking"]["rows"][1]["name"], "李*明");
    let (s, page) = f.page("cmd_a", "/vol/ranking").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("rank-top") && page.contains("awards-form"));

    // Awards: the street (commander) records them early on demand, once.
    let (s, e) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/volunteers/awards",
            Some(json!({"year": 2026, "share_pct": 50})),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("volunteers.year_not_ended"))
    );
    let (s, _) = f
        .api(
            "gl_a",
            Method::POST,
            "/api/v1/volunteers/awards",
            Some(json!({"year": 2026, "share_pct": 50, "early": true})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, a) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/volunteers/awards",
            Some(json!({"year": 2026, "share_pct": 50, "early": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["chosen"]["building_leaders"].as_array().unwrap().len(), 1);
    assert_eq!(a["chosen"]["unit_leaders"].as_array().unwrap().len(), 2);
    assert_eq!(a["chosen"]["top"].as_array().unwrap().len(), 5);
    let (s, _) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/volunteers/awards",
            Some(json!({"year": 2026, "share_pct": 50, "early": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, page) = f.page("cmd_a", "/vol/ranking").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"award\""));

    // Archives: an ended quarter, once; the current one is refused.
    let (s, e) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/volunteers/archives",
            Some(json!({"quarter": "2026Q4"})),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("volunteers.quarter_not_ended"))
    );
    let (s, a) = f
        .api(
            "cmd_a",
            Method::POST,
            "/api/v1/volunteers/archives",
            Some(json!({"quarter": "2026Q3"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["summary"]["points"], 40);
    assert_eq!(a["summary_hash"].as_str().unwrap().len(), 64);
    let id = a["id"].as_i64().unwrap();
    let (s, list) = f
        .api("op_a", Method::GET, "/api/v1/volunteers/archives", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (s, got) = f
        .api(
            "op_a",
            Method::GET,
            &format!("/api/v1/volunteers/archives/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["intact"], true);
    let (s, _) = f
        .api(
            "op_b",
            Method::GET,
            &format!("/api/v1/volunteers/archives/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, page) = f.page("cmd_a", &format!("/vol/archives/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("archive-intact") && page.contains("李0明"));
    let (s, page) = f.page("cmd_a", "/vol/archives").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("archive-row"));
}
