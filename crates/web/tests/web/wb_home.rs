//! The workbench's home part (issue 15, parts 1, 10, 13): a worker's lights change as records
//! arrive (written with plain SQL: the parts that record them live elsewhere); the village
//! leader's week lists only their workers, another area answers 404; the township's month and
//! the county's roll-up; duty rule versions are validated and the one in force judges the day;
//! the hub links every page the role may open.

use crate::common::{FORM, Fixture, Kit, form_body};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// Wednesday 2 December 2026, 10:00 in China.
const NOW: &str = "2026-12-02T10:00:00+08:00";
const GRID_A1: &str = "350102001001001";

async fn fixture() -> Fixture {
    Kit::new().clock(NOW).build().await
}

/// Runs one statement on the fixture's database.
async fn sql(f: &Fixture, text: &str) {
    let mut conn = f.state.db.conn().await.unwrap();
    let h = &mut conn.handle();
    let q = sqlx::AssertSqlSafe(text.to_string());
    wangge_store::on_conn!(h, c => sqlx::query(q).execute(&mut **c).await.map(|_| ())).unwrap();
}

fn line<'a>(today: &'a Value, key: &str) -> &'a Value {
    today["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("no line {key} in {today}"))
}

async fn today(f: &Fixture, user: &str) -> Value {
    let (s, v) = f.api(user, Method::GET, "/api/v1/work/today", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn diary(f: &Fixture, user: &str, day: &str, key: &str) {
    let id = f.ids[user];
    sql(
        f,
        &format!(
            "INSERT INTO diary_entries (worker_id, worker_name, grid_id, path, day, body, tags, at, \
             received_at, client_key, content_hash) SELECT {id}, 'w', n.id, n.path, '{day}', '走访记录', '', 0, 0, \
             '{key}', 'h' FROM nodes n WHERE n.code = '{GRID_A1}'"
        ),
    )
    .await;
}

#[tokio::test]
async fn lights_change_when_records_arrive() {
    let f = fixture().await;
    let t = today(&f, "gw_a1").await;
    assert_eq!(t["week_start"], "2026-11-30");
    let d = line(&t, "diary");
    assert_eq!(
        (d["done"].as_i64(), d["required"].as_i64()),
        (Some(0), Some(2))
    );
    assert_eq!(d["light"], "amber");
    assert_eq!(d["due"], "2026-12-06");
    // Shortfalls first.
    let lights: Vec<&str> = t["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["light"].as_str().unwrap())
        .collect();
    let rank = |l: &str| ["red", "amber", "green"].iter().position(|x| *x == l);
    assert!(
        lights.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{lights:?}"
    );

    // Two diary entries this week (one of last week does not count): green.
    diary(&f, "gw_a1", "2026-11-29", "k0").await;
    diary(&f, "gw_a1", "2026-11-30", "k1").await;
    assert_eq!(line(&today(&f, "gw_a1").await, "diary")["done"], 1);
    diary(&f, "gw_a1", "2026-12-02", "k2").await;
    let t = today(&f, "gw_a1").await;
    assert_eq!(line(&t, "diary")["light"], "green");
    // Another worker's diary is theirs alone.
    assert_eq!(line(&today(&f, "gw_a2").await, "diary")["done"], 0);

    // A household of the grid, listed to visit until a visit reaches it.
    sql(
        &f,
        &format!(
            "INSERT INTO households (grid_id, path, household_no, created_at) \
             SELECT id, path, 'H001', 0 FROM nodes WHERE code = '{GRID_A1}'"
        ),
    )
    .await;
    let t = today(&f, "gw_a1").await;
    let hh = &t["households_to_visit"].as_array().unwrap()[0];
    let hid = hh["target_id"].as_i64().unwrap();
    assert_eq!(line(&t, "household_visits")["required"], 1);
    assert_eq!(line(&t, "household_visits")["light"], "amber");
    let (_, page) = f.page("gw_a1", "/work").await;
    assert!(
        // Askama writes `&` as `&#38;`, which the browser reads back.
        page.contains(&format!(
            "href=\"/work/visits/new?target_kind=household&#38;target_id={hid}\""
        )),
        "{page}"
    );
    assert!(page.contains("data-testid=\"duty-diary\" data-light=\"green\""));
    let id = f.ids["gw_a1"];
    sql(
        &f,
        &format!(
            "INSERT INTO visits (worker_id, worker_name, grid_id, path, target_kind, target_id, household_id, \
             seen, discussed, done, reply, evaluation, at, day, received_at, client_key, content_hash) \
             SELECT {id}, 'w', n.id, n.path, 'household', {hid}, {hid}, '', '', '', '', '', 0, '2026-12-01', 0, 'v1', 'h' \
             FROM nodes n WHERE n.code = '{GRID_A1}'"
        ),
    )
    .await;
    let t = today(&f, "gw_a1").await;
    assert_eq!(line(&t, "household_visits")["light"], "green");
    assert_eq!(line(&t, "family_visits")["done"], 1);
    assert!(t["households_to_visit"].as_array().unwrap().is_empty());
    let (_, page) = f.page("gw_a1", "/work").await;
    assert!(page.contains("data-testid=\"duty-household_visits\" data-light=\"green\""));

    // The worker's home shows the card of lights linking to /work; others' homes do not.
    let (s, home) = f.page("gw_a1", "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(home.contains("home-work-card") && home.contains("card-diary"));
    let (_, home) = f.page("gl_a", "/").await;
    assert!(!home.contains("home-work-card"));
    // The day is a worker's: a leader's API call is refused.
    let (s, _) = f.api("gl_a", Method::GET, "/api/v1/work/today", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

fn worker_ids(v: &Value) -> Vec<i64> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["worker"]["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn leaders_see_their_own_workers_only() {
    let f = fixture().await;
    diary(&f, "gw_a1", "2026-12-01", "k1").await;
    diary(&f, "gw_a1", "2026-12-02", "k2").await;
    let (a1, a2, b1) = (f.ids["gw_a1"], f.ids["gw_a2"], f.ids["gw_b1"]);

    // The village grid leader: the week of the village's workers.
    let (s, v) = f.api("gl_a", Method::GET, "/api/v1/work/team", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["period"], "week");
    let ids = worker_ids(&v);
    assert!(
        ids.contains(&a1) && ids.contains(&a2) && !ids.contains(&b1),
        "{v}"
    );
    // gw_a2 is further behind than gw_a1 (no diary): listed first.
    assert_eq!(ids[0], a2, "{v}");
    let (_, page) = f.page("gl_a", "/work/team").await;
    assert!(page.contains(&format!("data-worker=\"{a1}\"")));
    assert!(!page.contains(&format!("data-worker=\"{b1}\"")));

    // Another village, another township's worker, another township: 404.
    let (s, _) = f
        .api(
            "gl_a",
            Method::GET,
            "/api/v1/work/team?node=350102002001",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/work/team?worker={b1}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f
        .api(
            "op_b",
            Method::GET,
            "/api/v1/work/team?node=350102001000",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f.page("op_b", "/work/team?node=350102001000").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Drill-down to one worker lists their records with links.
    let (s, v) = f
        .api(
            "gl_a",
            Method::GET,
            &format!("/api/v1/work/team?worker={a1}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["records"].as_array().unwrap().len(), 2, "{v}");
    let (_, page) = f.page("gl_a", &format!("/work/team?worker={a1}")).await;
    assert!(page.contains("href=\"/work/diary/"), "{page}");

    // The township: its workers' month.
    let (s, v) = f.api("op_a", Method::GET, "/api/v1/work/team", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["period"], "month");
    assert_eq!(v["start"], "2026-12-01");
    let ids = worker_ids(&v);
    assert!(ids.contains(&a1) && !ids.contains(&b1));

    // The county: per township, then drill-down.
    let (s, v) = f
        .api("leader", Method::GET, "/api/v1/work/team", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{v}");
    let a = groups.iter().find(|g| g["code"] == "350102001000").unwrap();
    assert_eq!(a["workers"], 2);
    let (s, page) = f.page("leader", "/work/team").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("/work/team?node=350102001000&amp;period=month")
            || page.contains("/work/team?node=350102001000&period=month")
    );

    // The same as a workbook.
    let (s, headers, bytes) = f.get_bytes("gl_a", "/work/team.xlsx").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    assert!(bytes.starts_with(b"PK"));

    // Workers do not see the team; a bad period is a clear 400.
    let (s, _) = f.api("gw_a1", Method::GET, "/api/v1/work/team", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = f
        .api("gl_a", Method::GET, "/api/v1/work/team?period=year", None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["code"], "work.team_period_invalid");
}

#[tokio::test]
async fn rule_versions_are_validated_and_judge_the_day() {
    let f = fixture().await;
    let post = |user: &'static str, body: Value| {
        let f = &f;
        async move {
            f.api(user, Method::POST, "/api/v1/duty-rules", Some(body))
                .await
        }
    };
    // A version from today at the township: the worker's diary quota follows it.
    let (s, v) = post(
        "admin_a",
        json!({"effective_from": "2026-12-02", "note": "三篇", "rules": {"diary_per_week": 3}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 1);
    assert_eq!(v["rules"]["diary_per_week"], 3);
    assert_eq!(line(&today(&f, "gw_a1").await, "diary")["required"], 3);
    // A later version is not in force yet.
    let (s, v) = post(
        "admin_a",
        json!({"effective_from": "2026-12-09", "rules": {"diary_per_week": 5}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(line(&today(&f, "gw_a1").await, "diary")["required"], 3);
    // The other township keeps the defaults.
    assert_eq!(line(&today(&f, "gw_b1").await, "diary")["required"], 2);

    // Refusals: the past, a bad bound, an unknown field, a village, a worker, out of scope.
    let (s, v) = post(
        "admin_a",
        json!({"effective_from": "2026-12-01", "rules": {}}),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("work.rules_past"))
    );
    let (s, v) = post(
        "admin_a",
        json!({"effective_from": "2026-12-05", "rules": {"meeting_day": 0}}),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("work.rules_invalid"))
    );
    let (s, v) = post(
        "admin_a",
        json!({"effective_from": "2026-12-05", "rules": {"diary_per_wek": 3}}),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("work.rules_invalid"))
    );
    let (s, v) = post(
        "admin_a",
        json!({"node": "350102001001", "effective_from": "2026-12-05", "rules": {}}),
    )
    .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("work.rules_node"))
    );
    let (s, _) = post(
        "gw_a1",
        json!({"effective_from": "2026-12-05", "rules": {}}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = post(
        "admin_a",
        json!({"node": "350102002000", "effective_from": "2026-12-05", "rules": {}}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Listed, newest first, with the set in force.
    let (s, v) = f
        .api("admin_a", Method::GET, "/api/v1/duty-rules", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["versions"].as_array().unwrap().len(), 2);
    assert_eq!(v["versions"][0]["version"], 2);
    assert_eq!(v["in_force"]["diary_per_week"], 3);

    // The form: a bad value shows the form again with the reason; a good one is kept.
    let mut fields: Vec<(&str, String)> = vec![
        ("node", "350102001000".into()),
        ("effective_from", "2026-12-03".into()),
        ("note", "表单".into()),
    ];
    let defaults = wangge_domain::workbench::duties::Duties::default();
    let dj = serde_json::to_value(&defaults).unwrap();
    for (k, v) in dj.as_object().unwrap() {
        match v {
            Value::Bool(true) => fields.push((k.as_str(), "on".into())),
            Value::Bool(false) => {}
            n => fields.push((k.as_str(), n.to_string())),
        }
    }
    let bad: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| {
            (
                *k,
                if *k == "max_speed_kmh" {
                    "1"
                } else {
                    v.as_str()
                },
            )
        })
        .collect();
    let (s, _, page) = f
        .form("admin_a", "/work/rules", FORM, form_body(&bad))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("rules-error") && page.contains("max_speed_kmh"),
        "{page}"
    );
    let good: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, _) = f
        .form("admin_a", "/work/rules", FORM, form_body(&good))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, page) = f.page("admin_a", "/work/rules").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page.matches("data-testid=\"rules-version\"").count(), 3);
    assert!(page.contains("rules-form"));
    // A village leader reads the rules but has no form.
    let (s, page) = f.page("gl_a", "/work/rules").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.contains("rules-form"));
}

/// The hrefs of the hub's links on `/work`.
fn hub(page: &str) -> Vec<String> {
    page.split("<a href=\"")
        .skip(1)
        .filter_map(|s| {
            let (href, rest) = s.split_once('"')?;
            rest.starts_with(" data-testid=\"hub-link\"")
                .then(|| href.to_string())
        })
        .collect()
}

#[tokio::test]
async fn the_hub_links_every_page_the_role_may_open() {
    let f = fixture().await;
    let (s, page) = f.page("gw_a1", "/work").await;
    assert_eq!(s, StatusCode::OK);
    let links = hub(&page);
    for want in [
        "/work/visits/new",
        "/work/visits",
        "/work/patrol",
        "/work/diary",
        "/work/sweeps",
        "/work/meetings",
        "/work/ledger",
        "/work/flags",
        "/work/logins",
        "/work/rules",
        "/work/outbox",
        "/events/new",
    ] {
        assert!(
            links.iter().any(|l| l == want),
            "worker lacks {want}: {links:?}"
        );
    }
    assert!(!links.iter().any(|l| l == "/work/team"));
    for key in ["diary", "entries", "patrol", "sweep", "ledger", "login"] {
        assert!(
            page.contains(&format!("data-testid=\"duty-{key}\"")),
            "{key}"
        );
    }
    let (s, page) = f.page("gl_a", "/work").await;
    assert_eq!(s, StatusCode::OK);
    let links = hub(&page);
    assert!(links.iter().any(|l| l == "/work/team"), "{links:?}");
    assert!(
        !links
            .iter()
            .any(|l| l == "/work/outbox" || l == "/work/visits/new")
    );
    assert!(!page.contains("data-testid=\"duty-"));
    // This part's own pages open from the hub.
    for (user, href) in [
        ("gl_a", "/work/team"),
        ("gl_a", "/work/rules"),
        ("admin_a", "/work/rules"),
    ] {
        let (s, _) = f.page(user, href).await;
        assert_eq!(s, StatusCode::OK, "{user} {href}");
    }
    // The workbench is in the phone's bottom bar for a worker, in the people register's place.
    let (_, home) = f.page("gw_a1", "/").await;
    let bar = home.split("data-testid=\"bottom-nav\"").nth(1).unwrap();
    assert!(bar.contains("data-nav=\"work\"") && !bar.contains("data-nav=\"people\""));
    // Roles without the workbench are refused.
    let (s, _) = f.page("vol_a", "/work").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = f.page("dept_a", "/work").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
