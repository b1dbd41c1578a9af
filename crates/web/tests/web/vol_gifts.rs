//! Gifts and redemptions through the real router (issue 17, part 6): a redemption beyond the
//! year's points or the stock is refused and writes nothing; a cancel gives back points and
//! stock; simultaneous redemptions of the last item: one wins, and points never go below zero;
//! another community's gift answers 404; the pages show and act the same.

use crate::common::{FORM, Fixture, Kit, call};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::Role;
use wangge_domain::volunteers::ledger::Kind;
use wangge_domain::volunteers::register::Post;
use wangge_store::audit::Actor;
use wangge_store::volunteers::{ledger, register};

const A: &str = "350102001001";
const B: &str = "350102002001";

const MORE: &[(&str, Role, &str)] = &[
    ("vol_a2", Role::Volunteer, A),
    ("vol_a3", Role::Volunteer, A),
    ("vol_a4", Role::Volunteer, A),
    ("vol_b", Role::Volunteer, B),
    ("gl_b", Role::GridLeader, B),
];

async fn setup() -> Fixture {
    let f = Kit::new()
        .more_staff(MORE)
        .clock("2026-11-10T10:00:00+08:00")
        .build()
        .await;
    for u in ["vol_a", "vol_a2", "vol_a3", "vol_a4", "vol_b"] {
        enrol(&f, u).await;
    }
    f
}

/// Makes `user` an active volunteer of their community.
async fn enrol(f: &Fixture, user: &str) -> i64 {
    let code = if user == "vol_b" { B } else { A };
    let mut tx = f.state.db.begin().await.unwrap();
    let community: i64 = {
        let mut h = tx.handle();
        wangge_store::nodes::by_code(&mut h, &wangge_domain::System::acting().scope(), code)
            .await
            .unwrap()
            .id
    };
    let v = register::enrol(
        &mut tx.handle(),
        &register::NewVolunteer {
            community_id: community,
            grid_id: None,
            building: "1",
            unit: "1",
            post: Post::Volunteer,
            name: user,
            skills: "",
        },
        Some(f.ids[user]),
        "added",
        &Actor::user(f.ids["gl_a"], "gl"),
        f.state.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    v.id
}

/// Gives `user` `points` service points this month.
async fn earn(f: &Fixture, user: &str, points: i64) {
    let mut tx = f.state.db.begin().await.unwrap();
    let v = register::by_user(&mut tx.handle(), f.ids[user])
        .await
        .unwrap()
        .unwrap();
    ledger::append(
        &mut tx.handle(),
        &ledger::NewEntry::new(v.id, Kind::Service, points, "2026-11"),
        &Actor::user(f.ids["gl_a"], "gl"),
        f.state.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn gift(f: &Fixture, by: &str, name: &str, price: i64, stock: i64) -> i64 {
    let (s, v) = f
        .api(
            by,
            Method::POST,
            "/api/v1/gifts",
            Some(json!({"name": name, "description": "d", "price": price, "stock": stock})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

async fn available(f: &Fixture, user: &str) -> i64 {
    let (s, v) = f.api(user, Method::GET, "/api/v1/gifts", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["balance"]["available"].as_i64().unwrap()
}

async fn stock(f: &Fixture, by: &str, id: i64) -> i64 {
    let (_, v) = f.api(by, Method::GET, "/api/v1/gifts", None).await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .map(|g| g["stock"].as_i64().unwrap())
        .unwrap()
}

async fn count(f: &Fixture, table: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    match &f.state.db {
        wangge_store::Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
        wangge_store::Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
    }
    .unwrap()
}

#[tokio::test]
async fn vol_gifts_refused_beyond_points_or_stock_write_nothing() {
    let f = setup().await;
    let towel = gift(&f, "gl_a", "毛巾", 10, 1).await;
    let kettle = gift(&f, "gl_a", "水壶", 50, 3).await;
    earn(&f, "vol_a", 12).await;
    let before = (
        count(&f, "points_ledger").await,
        count(&f, "redemptions").await,
    );

    // Beyond the year's points: a clear 409 in the caller's terms, nothing written.
    let (s, v) = f
        .api(
            "vol_a",
            Method::POST,
            &format!("/api/v1/gifts/{kettle}/redeem"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "volunteers.points_short");
    assert!(v["message"].as_str().unwrap().contains("12"), "{v}");
    assert_eq!(stock(&f, "gl_a", kettle).await, 3);

    // One towel: redeemed; the second is beyond the stock.
    let (s, v) = f
        .api(
            "vol_a",
            Method::POST,
            &format!("/api/v1/gifts/{towel}/redeem"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "redeemed");
    assert!(v["ledger_id"].as_i64().is_some());
    assert_eq!(available(&f, "vol_a").await, 2);
    assert_eq!(stock(&f, "gl_a", towel).await, 0);
    earn(&f, "vol_a", 20).await;
    let after_one = (
        count(&f, "points_ledger").await,
        count(&f, "redemptions").await,
    );
    assert_eq!(after_one, (before.0 + 2, before.1 + 1));
    let (s, v) = f
        .api(
            "vol_a",
            Method::POST,
            &format!("/api/v1/gifts/{towel}/redeem"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "volunteers.gift_out_of_stock");
    assert_eq!(
        (
            count(&f, "points_ledger").await,
            count(&f, "redemptions").await
        ),
        after_one
    );
    assert_eq!(available(&f, "vol_a").await, 22);

    // A withdrawn gift is not redeemable; bad fields are refused.
    let (s, _) = f
        .api(
            "gl_a",
            Method::PATCH,
            &format!("/api/v1/gifts/{kettle}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = f
        .api(
            "vol_a",
            Method::POST,
            &format!("/api/v1/gifts/{kettle}/redeem"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "volunteers.gift_inactive");
    for (body, code) in [
        (
            json!({"name": "", "price": 1, "stock": 1}),
            "volunteers.gift_name",
        ),
        (
            json!({"name": "x", "price": 0, "stock": 1}),
            "volunteers.gift_price",
        ),
        (
            json!({"name": "x", "price": 1, "stock": -1}),
            "volunteers.gift_stock",
        ),
    ] {
        let (s, v) = f
            .api("gl_a", Method::POST, "/api/v1/gifts", Some(body))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["code"], code);
    }
    let (s, v) = f
        .api(
            "gl_a",
            Method::PATCH,
            &format!("/api/v1/gifts/{kettle}"),
            Some(json!({"stock": -1})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // A volunteer may not add gifts; a worker may not see them.
    let (s, _) = f
        .api(
            "vol_a",
            Method::POST,
            "/api/v1/gifts",
            Some(json!({"name": "x", "price": 1, "stock": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = f.api("gw_a1", Method::GET, "/api/v1/gifts", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The ledger's chain and year totals still verify.
    let mut c = f.state.db.conn().await.unwrap();
    let (_, breaks) = ledger::verify(&mut c.handle()).await.unwrap();
    assert!(breaks.is_empty(), "{breaks:?}");
}

#[tokio::test]
async fn vol_gifts_cancel_gives_back_points_and_stock() {
    let f = setup().await;
    let towel = gift(&f, "gl_a", "毛巾", 10, 2).await;
    earn(&f, "vol_a", 10).await;
    let (s, r) = f
        .api(
            "vol_a",
            Method::POST,
            &format!("/api/v1/gifts/{towel}/redeem"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let rid = r["id"].as_i64().unwrap();
    assert_eq!(available(&f, "vol_a").await, 0);
    assert_eq!(stock(&f, "gl_a", towel).await, 1);

    // Another volunteer cannot cancel it (not theirs: not found).
    let (s, _) = f
        .api(
            "vol_a2",
            Method::POST,
            &format!("/api/v1/redemptions/{rid}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Its volunteer can, within the month.
    let (s, v) = f
        .api(
            "vol_a",
            Method::POST,
            &format!("/api/v1/redemptions/{rid}/cancel"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "cancelled");
    assert!(v["cancel_ledger_id"].as_i64().is_some());
    assert_eq!(available(&f, "vol_a").await, 10);
    assert_eq!(stock(&f, "gl_a", towel).await, 2);
    let (s, v) = f
        .api(
            "vol_a",
            Method::POST,
            &format!("/api/v1/redemptions/{rid}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "volunteers.redemption_cancelled");

    // Redeemed again; next month only the organiser may cancel, with a reason.
    let (_, r) = f
        .api(
            "vol_a",
            Method::POST,
            &format!("/api/v1/gifts/{towel}/redeem"),
            None,
        )
        .await;
    let rid = r["id"].as_i64().unwrap();
    f.clock_to("2026-12-02T10:00:00+08:00");
    let (s, v) = f
        .api(
            "vol_a",
            Method::POST,
            &format!("/api/v1/redemptions/{rid}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["code"], "volunteers.redemption_month_over");
    let (s, v) = f
        .api(
            "gl_a",
            Method::POST,
            &format!("/api/v1/redemptions/{rid}/cancel"),
            Some(json!({"reason": "发错了"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["cancel_reason"], "发错了");
    assert_eq!(available(&f, "vol_a").await, 10);
    let (_, v) = f
        .api("vol_a", Method::GET, "/api/v1/redemptions", None)
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    // The history shows the redemption and its return.
    let mut c = f.state.db.conn().await.unwrap();
    let v = register::by_user(&mut c.handle(), f.ids["vol_a"])
        .await
        .unwrap()
        .unwrap();
    let h = ledger::history(&mut c.handle(), v.id, None, 10)
        .await
        .unwrap();
    let kinds: Vec<&str> = h.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["unredeem", "redeem", "unredeem", "redeem", "service"]
    );
}

fn redeem_req(f: &Fixture, user: &str, gift: i64) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/gifts/{gift}/redeem"))
        .header(header::AUTHORIZATION, format!("Bearer {}", f.creds[user].0))
        .body(Body::empty())
        .unwrap()
}

/// Sends every request at once; the statuses and codes in order.
async fn all_at_once(f: &Fixture, reqs: Vec<Request<Body>>) -> Vec<(StatusCode, Value)> {
    let tasks: Vec<_> = reqs
        .into_iter()
        .map(|r| {
            let app = f.app.clone();
            tokio::spawn(async move {
                let (s, _, b) = call(&app, r).await;
                (
                    s,
                    serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null),
                )
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn vol_gifts_simultaneous_redemptions_of_the_last_item_one_wins() {
    let f = setup().await;
    let users = ["vol_a", "vol_a2", "vol_a3", "vol_a4"];
    for u in users {
        earn(&f, u, 100).await;
    }
    let last = gift(&f, "gl_a", "最后一件", 10, 1).await;
    let reqs = users.iter().map(|u| redeem_req(&f, u, last)).collect();
    let out = all_at_once(&f, reqs).await;
    let won = out
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(won, 1, "{out:?}");
    for (s, v) in out.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_eq!(*s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["code"], "volunteers.gift_out_of_stock");
    }
    assert_eq!(stock(&f, "gl_a", last).await, 0);
    assert_eq!(count(&f, "redemptions").await, 1);

    // One volunteer with points for one gift redeems it four times at once: one wins.
    earn(&f, "vol_b", 10).await;
    let many = gift(&f, "gl_b", "多件", 10, 10).await;
    let reqs = (0..4).map(|_| redeem_req(&f, "vol_b", many)).collect();
    let out = all_at_once(&f, reqs).await;
    let won = out
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(won, 1, "{out:?}");
    assert!(
        out.iter()
            .filter(|(s, _)| *s != StatusCode::CREATED)
            .all(|(_, v)| v["code"] == "volunteers.points_short"),
        "{out:?}"
    );
    assert_eq!(available(&f, "vol_b").await, 0);
    assert_eq!(stock(&f, "gl_b", many).await, 9);
    let mut c = f.state.db.conn().await.unwrap();
    let (_, breaks) = ledger::verify(&mut c.handle()).await.unwrap();
    assert!(breaks.is_empty(), "{breaks:?}");
}

#[tokio::test]
async fn vol_gifts_another_communitys_gift_is_not_found() {
    let f = setup().await;
    earn(&f, "vol_a", 50).await;
    let theirs = gift(&f, "gl_b", "别社区的", 5, 5).await;
    let (s, v) = f
        .api(
            "vol_a",
            Method::POST,
            &format!("/api/v1/gifts/{theirs}/redeem"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["code"], "volunteers.gift_not_found");
    let (s, _) = f
        .api(
            "gl_a",
            Method::PATCH,
            &format!("/api/v1/gifts/{theirs}"),
            Some(json!({"stock": 100})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = f.api("vol_a", Method::GET, "/api/v1/gifts", None).await;
    assert!(v["items"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(stock(&f, "gl_b", theirs).await, 5);
    // The street above both sees it; an organiser above picks the community.
    let (s, v) = f
        .api(
            "op_a",
            Method::POST,
            "/api/v1/gifts",
            Some(json!({"name": "x", "price": 1, "stock": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "volunteers.gift_community");
    let (s, v) = f
        .api(
            "op_a",
            Method::POST,
            "/api/v1/gifts",
            Some(json!({"community_id": 999_999, "name": "x", "price": 1, "stock": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // Ids that are not ids are not found either.
    let (s, _) = f
        .api("vol_a", Method::POST, "/api/v1/gifts/abc/redeem", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn vol_gifts_pages() {
    let f = setup().await;
    earn(&f, "vol_a", 12).await;
    // The organiser adds a gift on the page.
    let (s, _, b) = f
        .form(
            "gl_a",
            "/vol/gifts",
            FORM,
            b"name=%E6%AF%9B%E5%B7%BE&description=&price=10&stock=2".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, b) = f.page("vol_a", "/vol/gifts").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        b.contains("毛巾") && b.contains("data-testid=\"gift-available\">12<"),
        "{b}"
    );
    let id = {
        let (_, v) = f.api("vol_a", Method::GET, "/api/v1/gifts", None).await;
        v["items"][0]["id"].as_i64().unwrap()
    };
    let (s, _, _) = f
        .form(
            "vol_a",
            &format!("/vol/gifts/{id}/redeem"),
            FORM,
            Vec::new(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // Beyond the points: the page again with the reason, in Chinese.
    let (s, _, b) = f
        .form(
            "vol_a",
            &format!("/vol/gifts/{id}/redeem"),
            FORM,
            Vec::new(),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(b.contains("不足以兑换"), "{b}");
    let (s, b) = f.page("gl_a", "/vol/gifts").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        b.contains("data-testid=\"gift-stock\">1<") && b.contains("redemption-cancel"),
        "{b}"
    );
    // A bad price on the form: the page with the error.
    let (s, _, b) = f
        .form(
            "gl_a",
            &format!("/vol/gifts/{id}"),
            FORM,
            b"name=x&price=abc&stock=1".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    // The organiser cancels the redemption on the page, with a reason: stock and points back.
    let (_, v) = f
        .api("gl_a", Method::GET, "/api/v1/redemptions", None)
        .await;
    let rid = v["items"][0]["id"].as_i64().unwrap();
    let (s, _, _) = f
        .form(
            "gl_a",
            &format!("/vol/redemptions/{rid}/cancel"),
            FORM,
            b"reason=%E5%8F%91%E9%94%99".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(available(&f, "vol_a").await, 12);
    assert_eq!(stock(&f, "gl_a", id).await, 2);
    // A commander (the street) reads; a worker may not.
    let (s, _) = f.page("cmd_a", "/vol/gifts").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = f.page("gw_a1", "/vol/gifts").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// The hrefs inside the element with `data-testid="{id}"`.
fn links_in(body: &str, id: &str) -> Vec<String> {
    let Some(start) = body.find(&format!("data-testid=\"{id}\"")) else {
        return Vec::new();
    };
    let rest = &body[start..];
    let end = rest
        .find("</section>")
        .or_else(|| rest.find("</nav>"))
        .unwrap_or(rest.len());
    rest[..end]
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn vol_gifts_hub_for_each_role() {
    let f = setup().await;
    earn(&f, "vol_a", 7).await;
    // A volunteer: home links to /vol, the bottom bar holds it, the hub shows their points.
    let (s, home) = f.page("vol_a", "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(home.contains("data-testid=\"home-vol\""), "{home}");
    assert!(links_in(&home, "bottom-nav").contains(&"/vol".to_string()));
    let (s, b) = f.page("vol_a", "/vol").await;
    assert_eq!(s, StatusCode::OK);
    assert!(b.contains("data-testid=\"hub-available\">7<"), "{b}");
    let links = links_in(&b, "hub-volunteer");
    for h in [
        "/vol/points",
        "/vol/activities",
        "/vol/messages",
        "/vol/gifts",
    ] {
        assert!(links.contains(&h.to_string()), "{h}: {links:?}");
    }
    // An organiser: their tiles, with the last ended month to publish.
    let (s, b) = f.page("gl_a", "/vol").await;
    assert_eq!(s, StatusCode::OK);
    let links = links_in(&b, "hub-organiser");
    for h in [
        "/vol/volunteers",
        "/vol/activities",
        "/vol/months",
        "/vol/gifts",
    ] {
        assert!(links.contains(&h.to_string()), "{h}: {links:?}");
    }
    assert!(b.contains("2026-10"), "{b}");
    assert!(!b.contains("hub-street"));
    // The street.
    let (s, b) = f.page("cmd_a", "/vol").await;
    assert_eq!(s, StatusCode::OK);
    let links = links_in(&b, "hub-street");
    for h in [
        "/vol/catalogue",
        "/vol/approvals",
        "/vol/ranking",
        "/vol/archives",
    ] {
        assert!(links.contains(&h.to_string()), "{h}: {links:?}");
    }
    let (s, home) = f.page("cmd_a", "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(links_in(&home, "home-vol").contains(&"/vol".to_string()));
    // Others are refused; the API says the same.
    let (s, _) = f.page("gw_a1", "/vol").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = f.api("vol_a", Method::GET, "/api/v1/vol/hub", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["balance"]["available"], 7);
    let (s, v) = f.api("op_a", Method::GET, "/api/v1/vol/hub", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["organiser"]["volunteers"], 4);
    assert!(v["approvals"].is_i64());
}
