//! Deadlines at the end of the loaded calendar: a December report keeps the due time that lies
//! inside the year while the one that runs into the next is flagged; administrators see a banner
//! from 1 November until next year is entered; the year's page enters it by clicking days.

use axum::http::StatusCode;
use serde_json::{Value, json};
use wangge_domain::deadline;

use crate::common::*;

const A1: (f64, f64) = (26.05, 119.05);
const FORM_TYPE: &str = "application/x-www-form-urlencoded";

/// A road collapse: a major case, reported to the township (5 working days, 30 calendar days).
fn road_collapse() -> Value {
    json!({
        "category_code": "TF01",
        "description": "幸福路路面塌陷",
        "lat": A1.0, "lon": A1.1,
        "address": "幸福路1号",
        "urgency": "normal",
        "source": "operator_phone",
    })
}

fn instant(v: &Value, key: &str) -> Option<i64> {
    v[key].as_str().map(|s| deadline::parse_rfc3339(s).unwrap())
}

/// The block of the page with this `data-testid`, up to its closing tag.
fn block<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("{id} in the page"));
    let rest = &page[start..];
    &rest[..rest.find("</dd>").unwrap_or(rest.len())]
}

async fn post(
    f: &Fixture,
    user: &str,
    uri: &str,
    pairs: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let (s, h, body) = f.form(user, uri, FORM_TYPE, form_body(pairs)).await;
    let loc = h.get("location").map(|v| v.to_str().unwrap().to_string());
    (s, loc, body)
}

#[tokio::test]
async fn a_december_major_report_keeps_the_due_time_inside_the_year() {
    let f = Kit::new().clock("2026-12-04T10:00:00+08:00").build().await;
    assert!(!f.state.calendar().is_loaded(2027));
    let n = f.report_by_api("op_a", road_collapse()).await.0;
    let v = f.detail("op_a", &n).await;
    assert_eq!(v["complexity"], "major", "{v}");
    // Five working days from Friday Dec 4: Friday Dec 11 at 24:00.
    assert_eq!(
        instant(&v, "due_at"),
        Some(at("2026-12-12T00:00:00+08:00")),
        "{v}"
    );
    assert_eq!(v["final_due_at"], Value::Null, "{v}");
    assert_eq!(v["calendar_missing"], true);
    assert_eq!(
        (&v["due_missing"], &v["final_due_missing"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(v["light"], "green", "{v}");

    // The page flags the case's limit only; the level's due time and light stand.
    let (s, page) = f.page("op_a", &format!("/events/{n}")).await;
    assert_eq!(s, StatusCode::OK);
    let due = block(&page, "event-due");
    assert!(!due.contains("calendar-missing"), "{due}");
    assert!(due.contains("2026-12-1"), "{due}");
    assert!(due.contains("light-green"), "{due}");
    assert!(block(&page, "event-final-due").contains("calendar-missing"));
    // The inbox row shows the due time, not the flag.
    let (_, inbox) = f.page("op_a", "/events?inbox=all").await;
    let row = inbox
        .split("<tr class=\"ev-row\"")
        .find(|r| r.contains(&format!("data-number=\"{n}\"")))
        .unwrap();
    assert!(!row.contains("calendar-missing"), "{row}");

    // The scheduler reminds at yellow as for any case.
    f.clock_to("2026-12-10T20:00:00+08:00");
    let report = wangge_web::scheduler::tick(&f.state, "test").await.unwrap();
    assert_eq!(report.reminded_yellow, 1, "{report:?}");

    // Entering 2027 on the year's page counts the case's limit: 30 days to Sunday Jan 3,
    // moved to Monday Jan 4.
    let (s, loc, body) = post(
        &f,
        "admin_city",
        "/calendar/2027",
        &[("holidays", "2027-01-01"), ("workdays", ""), ("save", "1")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(loc.as_deref(), Some("/calendar/2027?saved=1#top"));
    let v = f.detail("op_a", &n).await;
    assert_eq!(v["calendar_missing"], false, "{v}");
    assert_eq!(
        instant(&v, "final_due_at"),
        Some(at("2027-01-05T00:00:00+08:00"))
    );
    assert_eq!(instant(&v, "due_at"), Some(at("2026-12-12T00:00:00+08:00")));
}

#[tokio::test]
async fn administrators_see_the_banner_from_november_until_next_year_is_entered() {
    let f = Kit::new().clock("2026-10-31T12:00:00+08:00").build().await;
    let banner = |page: &str| page.contains("data-testid=\"calendar-banner\"");
    let (_, page) = f.page("admin_city", "/").await;
    assert!(!banner(&page), "not before November");
    f.clock_to("2026-11-01T08:00:00+08:00");
    for uri in ["/", "/events", "/calendar", "/calendar/2026"] {
        let (s, page) = f.page("admin_city", uri).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        assert!(banner(&page), "{uri}");
        assert!(page.contains("href=\"/calendar/2027\""), "{uri}");
        assert!(page.contains("2027 年的工作日历尚未载入"), "{uri}");
    }
    // Only those who may enter the calendar: not an operator, nor a township's administrator.
    for user in ["op_a", "admin_a", "gw_a1"] {
        let (_, page) = f.page(user, "/").await;
        assert!(!banner(&page), "{user}");
    }
    // The banner's link opens the year's page with its grid to click.
    let (s, page) = f.page("admin_city", "/calendar/2027").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"calendar-grid\""));
    assert_eq!(page.matches("name=\"cycle\"").count(), 365);
    assert!(page.contains("data-testid=\"calendar-not-loaded\""));
    let (s, _, _) = post(
        &f,
        "admin_city",
        "/calendar/2027",
        &[("holidays", "2027-01-01,2027-02-08"), ("save", "1")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = f.page("admin_city", "/").await;
    assert!(!banner(&page), "gone once 2027 is loaded");
}

#[tokio::test]
async fn the_year_grid_cycles_days_and_refuses_marks_that_change_nothing() {
    let f = Kit::new().clock("2026-11-20T12:00:00+08:00").build().await;
    // Without JS a day's button posts the marks with that day cycled; nothing is saved.
    let (s, _, page) = post(
        &f,
        "admin_city",
        "/calendar/2027",
        &[
            ("holidays", "2027-01-01"),
            ("workdays", ""),
            ("cycle", "2027-02-08"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("name=\"holidays\" value=\"2027-01-01,2027-02-08\""));
    assert!(page.contains("data-testid=\"calendar-unsaved\""));
    assert!(!f.state.calendar().is_loaded(2027));
    let (_, _, page) = post(
        &f,
        "admin_city",
        "/calendar/2027",
        &[
            ("holidays", "2027-01-01,2027-02-08"),
            ("cycle", "2027-02-08"),
        ],
    )
    .await;
    assert!(page.contains("name=\"holidays\" value=\"2027-01-01\""));
    assert!(page.contains("name=\"workdays\" value=\"2027-02-08\""));

    // A holiday on a Saturday, a make-up day on a Tuesday: refused with the day named.
    for (holidays, workdays, says) in [
        ("2027-01-01,2027-02-13", "", "2027-02-13 是周末"),
        ("2027-01-01", "2027-02-09", "2027-02-09 是工作日"),
        ("", "2027-02-14", "未列出 2027 年的任何法定节假日"),
        ("2027-13-01", "", "不是有效日期"),
    ] {
        let (s, _, page) = post(
            &f,
            "admin_city",
            "/calendar/2027",
            &[
                ("holidays", holidays),
                ("workdays", workdays),
                ("save", "1"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{holidays} {workdays}");
        assert!(page.contains("calendar-grid-error"), "{says}");
        assert!(page.contains(says), "{says}");
    }
    assert!(!f.state.calendar().is_loaded(2027));
    // Only the root administrator saves.
    let (s, _, _) = post(
        &f,
        "admin_a",
        "/calendar/2027",
        &[("holidays", "2027-01-01"), ("save", "1")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, page) = f.page("op_a", "/calendar/2026").await;
    assert!(!page.contains("calendar-grid") && !page.contains("name=\"cycle\""));
    assert!(
        page.contains("2026-10-01"),
        "viewers see the published holidays"
    );

    let (s, _, _) = post(
        &f,
        "admin_city",
        "/calendar/2027",
        &[
            ("holidays", "2027-01-01,2027-02-08,2027-02-09"),
            ("workdays", "2027-02-14"),
            ("save", "1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let cal = f.state.calendar();
    assert_eq!(cal.holidays(2027).unwrap().len(), 3);
    assert_eq!(cal.workdays(2027).unwrap().len(), 1);
    let (_, page) = f.page("admin_city", "/calendar/2027?saved=1").await;
    assert!(page.contains("calendar-saved"));
    assert!(page.contains("name=\"workdays\" value=\"2027-02-14\""));
    // The overview links each loaded year to its page, and offers the next missing one.
    let (_, page) = f.page("admin_city", "/calendar").await;
    assert!(page.contains("href=\"/calendar/2027\""));
    assert!(page.contains("data-testid=\"calendar-enter-year\" data-year=\"2028\""));
}
