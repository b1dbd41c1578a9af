//! The residents' survey through the real router (issue 16, satisfaction part): a worker
//! issues their own grid's tokens (once shown), another grid answers 404; a resident answers
//! without logging in, once; a bad or missing answer is a 400 that writes nothing; the staff
//! page counts the answers and its slips carry a QR code; after the quarter no answer is taken.

use crate::common::{FORM, Fixture, Kit};
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};
use wangge_domain::deadline::parse_rfc3339;

const NOW: &str = "2026-08-10T10:00:00+08:00";
const GRID_A1: &str = "350102001001001";
const GRID_A2: &str = "350102001001002";

async fn sql(f: &Fixture, text: &str) {
    let mut conn = f.state.db.conn().await.unwrap();
    let h = &mut conn.handle();
    let q = sqlx::AssertSqlSafe(text.to_string());
    wangge_store::on_conn!(h, c => sqlx::query(q).execute(&mut **c).await.map(|_| ())).unwrap();
}

async fn scalar(f: &Fixture, text: &str) -> i64 {
    let mut conn = f.state.db.conn().await.unwrap();
    let h = &mut conn.handle();
    let q = sqlx::AssertSqlSafe(text.to_string());
    wangge_store::on_conn!(h, c => sqlx::query_scalar::<_, i64>(q).fetch_one(&mut **c).await)
        .unwrap()
}

async fn grid_id(f: &Fixture, code: &str) -> i64 {
    scalar(f, &format!("SELECT id FROM nodes WHERE code = '{code}'")).await
}

/// Households of a grid, as the register writes them (only what the survey reads).
async fn households(f: &Fixture, code: &str, n: usize) {
    let id = grid_id(f, code).await;
    for i in 1..=n {
        sql(
            f,
            &format!(
                "INSERT INTO households (grid_id, path, household_no, created_at) \
                 SELECT id, path, '{i}', 0 FROM nodes WHERE id = {id}"
            ),
        )
        .await;
    }
}

fn all(choice: &str) -> String {
    [
        "visits",
        "knows_household",
        "helps",
        "handles_problems",
        "overall",
    ]
    .iter()
    .map(|k| format!("q_{k}={choice}"))
    .collect::<Vec<_>>()
    .join("&")
}

fn tokens(v: &Value) -> Vec<String> {
    v["slips"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["token"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn issue_answer_once_and_count() {
    let f = Kit::new().clock(NOW).build().await;
    households(&f, GRID_A1, 2).await;
    households(&f, GRID_A2, 1).await;
    let a1 = grid_id(&f, GRID_A1).await;
    let a2 = grid_id(&f, GRID_A2).await;

    // The worker sees and issues for their own grid only.
    let (s, v) = f
        .api(
            "gw_a1",
            Method::GET,
            "/api/v1/assessment/surveys?quarter=2026Q3",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["grids"].as_array().unwrap().len(), 1);
    let issue = |g: i64, q: &str| json!({ "grid_id": g, "quarter": q });
    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/assessment/surveys",
            Some(issue(a2, "2026Q3")),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = f
        .api(
            "op_b",
            Method::POST,
            "/api/v1/assessment/surveys",
            Some(issue(a1, "2026Q3")),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = f
        .api(
            "dept_a",
            Method::POST,
            "/api/v1/assessment/surveys",
            Some(issue(a1, "2026Q3")),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (q, want) in [
        ("2026Q2", StatusCode::CONFLICT),
        ("2027Q1", StatusCode::BAD_REQUEST),
        ("2026Q5", StatusCode::BAD_REQUEST),
    ] {
        let (s, v) = f
            .api(
                "gw_a1",
                Method::POST,
                "/api/v1/assessment/surveys",
                Some(issue(a1, q)),
            )
            .await;
        assert_eq!(s, want, "{q}: {v}");
    }
    assert_eq!(
        scalar(&f, "SELECT CAST(COUNT(*) AS BIGINT) FROM survey_tokens").await,
        0
    );

    let (s, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/assessment/surveys",
            Some(issue(a1, "2026Q3")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let toks = tokens(&v);
    assert_eq!(toks.len(), 2);
    assert!(
        v["slips"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/survey/{}", toks[0]))
    );
    // Only the hash is stored.
    let plain = scalar(
        &f,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM survey_tokens WHERE token_hash = '{}'",
            toks[0]
        ),
    )
    .await;
    assert_eq!(plain, 0);

    // The resident's page, without logging in.
    let url = format!("/survey/{}", toks[0]);
    let (s, page) = f.page("", &url).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-state=\"form\""), "{page}");
    assert_eq!(page.matches("data-testid=\"survey-question\"").count(), 5);
    assert!(page.contains("基本满意"), "Chinese by default");
    // English when the resident switched.
    let req = axum::http::Request::builder()
        .uri(&url)
        .header(header::COOKIE, "lang=en")
        .body(axum::body::Body::empty())
        .unwrap();
    let (s, _, en) = f.send(req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        en.contains("Fairly satisfied") && !en.contains("基本满意"),
        "{en}"
    );
    let (s, page) = f.page("", &format!("/survey/{}", "0".repeat(64))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(page.contains("data-state=\"not_found\""));
    assert!(!page.contains("survey-question"));

    // A missing answer and a made-up one are refused, nothing written, choices kept.
    let partial = "q_visits=satisfied&q_helps=basic";
    let (s, _, page) = f.post_form_anonymous(&url, partial).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("data-testid=\"form-error\""));
    assert!(
        page.contains("value=\"basic\" required checked"),
        "the choice is kept"
    );
    let (s, _, _) = f.post_form_anonymous(&url, &all("great")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        scalar(&f, "SELECT CAST(COUNT(*) AS BIGINT) FROM survey_answers").await,
        0
    );

    // Answered once; the second try is a 409 and the page says thanks.
    let (s, h, _) = f
        .post_form_anonymous(
            &url,
            &format!("{}&comment=%E5%BE%88%E5%A5%BD", all("satisfied")),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], url.as_str());
    let (s, _, page) = f.post_form_anonymous(&url, &all("dissatisfied")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(page.contains("data-testid=\"survey-thanks\""));
    let (_, page) = f.page("", &url).await;
    assert!(page.contains("data-state=\"answered\""));
    assert_eq!(
        scalar(&f, "SELECT CAST(COUNT(*) AS BIGINT) FROM survey_answers").await,
        1
    );
    assert_eq!(scalar(&f, "SELECT score FROM survey_answers").await, 100);

    // The township's page counts it; the village leader re-issues: one fresh slip with a QR
    // code, the answered household keeps its answer, the old unanswered link stops working.
    let (s, page) = f.page("op_a", "/assess/surveys?quarter=2026Q3").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains(&format!(
            "data-grid=\"{GRID_A1}\" data-issued=\"2\" data-answered=\"1\" data-mean=\"100\""
        )),
        "{page}"
    );
    let (s, _, page) = f
        .form(
            "gl_a",
            "/assess/surveys/issue",
            FORM,
            format!("grid_id={a1}&quarter=2026Q3").into_bytes(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page.matches("data-testid=\"slip\"").count(), 1);
    assert!(page.contains("<svg"));
    assert!(page.contains("data-testid=\"slips-answered\">1<"));
    let (s, _) = f.page("", &format!("/survey/{}", toks[1])).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, page) = f
        .form(
            "gl_a",
            "/assess/surveys/issue",
            FORM,
            format!(
                "grid_id={}&quarter=2026Q3",
                grid_id(&f, "350102002001001").await
            )
            .into_bytes(),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{page}");

    // After the quarter a fresh token takes no answer.
    let (_, v) = f
        .api(
            "gw_a1",
            Method::POST,
            "/api/v1/assessment/surveys",
            Some(issue(a1, "2026Q3")),
        )
        .await;
    let late = format!("/survey/{}", tokens(&v)[0]);
    f.set_clock(parse_rfc3339("2026-10-01T08:00:00+08:00").unwrap());
    let (_, page) = f.page("", &late).await;
    assert!(page.contains("data-state=\"closed\""), "{page}");
    let (s, _, _) = f.post_form_anonymous(&late, &all("basic")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        scalar(&f, "SELECT CAST(COUNT(*) AS BIGINT) FROM survey_answers").await,
        1
    );
}
