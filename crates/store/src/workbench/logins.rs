//! Daily use (`login_days`), reminders for missed working days (`login_reminders`) and the
//! notices of criticism they lead to (`criticism_notices`). `record_use` is called on a user's
//! first request of a day; `run_checks` is the scheduler's daily job, judging each day once
//! (`login_checks`, migration 18) whichever instance holds the lease.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use wangge_domain::calendar::{Calendar, Date};
use wangge_domain::workbench::logins::{self, Cause, DayKind, NoticeStatus};
use wangge_domain::workbench::periods;
use wangge_domain::{Error, Scope, err};

use super::rules;
use crate::audit::{self, Actor, Entry};
use crate::db::{Handle, sql_error};

/// The roles whose daily use is checked: grid workers and village grid leaders (网格长).
const CHECKED_ROLES: &str = "('worker', 'grid_leader')";

/// The first instant (ms) of a China day.
pub fn day_start_ms(day: Date) -> i64 {
    day.days() * 86_400_000 - 8 * 3_600_000
}

/// The China day of an instant.
pub fn china_day(now_ms: i64) -> Result<Date, Error> {
    Date::from_days((now_ms + 8 * 3_600_000).div_euclid(86_400_000))
        .ok_or_else(|| err!("internal", detail = "the clock is out of range"))
}

/// Records a user's use on `day` (the first request wins). True when this wrote the row.
pub async fn record_use(
    h: &mut Handle<'_>,
    user_id: i64,
    day: Date,
    at: i64,
) -> Result<bool, Error> {
    let n = q!(
        h,
        execute,
        "INSERT INTO login_days (user_id, day, first_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, day) DO NOTHING",
        user_id,
        day.to_string(),
        at
    )
    .map_err(sql_error)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LoginDay {
    pub day: String,
    pub first_at: i64,
}

/// A user's days of use between two days (inclusive), newest first.
pub async fn days(
    h: &mut Handle<'_>,
    user_id: i64,
    from: Date,
    to: Date,
) -> Result<Vec<LoginDay>, Error> {
    q!(
        h,
        fetch_all,
        LoginDay,
        "SELECT day, first_at FROM login_days WHERE user_id = $1 AND day >= $2 AND day <= $3 \
         ORDER BY day DESC",
        user_id,
        from.to_string(),
        to.to_string()
    )
    .map_err(sql_error)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Reminder {
    pub id: i64,
    pub day: String,
    pub month: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A user's reminders, newest first.
pub async fn reminders(
    h: &mut Handle<'_>,
    user_id: i64,
    limit: i64,
) -> Result<Vec<Reminder>, Error> {
    q!(
        h,
        fetch_all,
        Reminder,
        "SELECT id, day, month, created_at, read_at FROM login_reminders WHERE user_id = $1 \
         ORDER BY day DESC LIMIT $2",
        user_id,
        limit.clamp(1, 500)
    )
    .map_err(sql_error)
}

/// How many of a user's reminders are unread (the worker's home page shows it).
pub async fn unread_reminders(h: &mut Handle<'_>, user_id: i64) -> Result<i64, Error> {
    q!(
        h,
        scalar fetch_one,
        i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM login_reminders WHERE user_id = $1 AND read_at IS NULL",
        user_id
    )
    .map_err(sql_error)
}

/// Marks one of the user's reminders read, or all of them (`id` None). Another user's reminder
/// is as absent as one that does not exist.
pub async fn mark_read(
    h: &mut Handle<'_>,
    user_id: i64,
    id: Option<i64>,
    now: i64,
) -> Result<u64, Error> {
    match id {
        Some(id) => {
            let found = q!(
                h,
                scalar fetch_optional,
                i64,
                "SELECT id FROM login_reminders WHERE id = $1 AND user_id = $2",
                id,
                user_id
            )
            .map_err(sql_error)?;
            if found.is_none() {
                return Err(err!("work.reminder_not_found", id));
            }
            q!(
                h,
                execute,
                "UPDATE login_reminders SET read_at = $1 WHERE id = $2 AND read_at IS NULL",
                now,
                id
            )
            .map_err(sql_error)
        }
        None => q!(
            h,
            execute,
            "UPDATE login_reminders SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
            now,
            user_id
        )
        .map_err(sql_error),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub path: String,
    pub period: String,
    pub cause: String,
    pub body: String,
    pub status: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: String,
    pub created_at: i64,
}

const NOTICE_SQL: &str = "SELECT id, user_id, user_name, path, period, cause, body, status, decided_by_name, \
    decided_at, decision_note, created_at FROM criticism_notices";

/// Notices in a scope, by status (None: all), newest first.
pub async fn notices(
    h: &mut Handle<'_>,
    scope: &Scope,
    status: Option<NoticeStatus>,
    limit: i64,
) -> Result<Vec<Notice>, Error> {
    let sql = format!(
        "{NOTICE_SQL} WHERE path LIKE $1 AND ($2 = '' OR status = $2) ORDER BY id DESC LIMIT $3"
    );
    q!(
        h,
        fetch_all,
        Notice,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        status.map(|s| s.as_str()).unwrap_or(""),
        limit.clamp(1, 500)
    )
    .map_err(sql_error)
}

/// The notices about one user (their own page), newest first.
pub async fn my_notices(h: &mut Handle<'_>, user_id: i64) -> Result<Vec<Notice>, Error> {
    let sql = format!("{NOTICE_SQL} WHERE user_id = $1 ORDER BY id DESC LIMIT 100");
    q!(h, fetch_all, Notice, sqlx::AssertSqlSafe(sql), user_id).map_err(sql_error)
}

/// The year-end list: months of `year` without any log-in, in a scope.
pub async fn year_end(h: &mut Handle<'_>, scope: &Scope, year: i32) -> Result<Vec<Notice>, Error> {
    let sql = format!(
        "{NOTICE_SQL} WHERE path LIKE $1 AND cause = $2 AND period LIKE $3 ORDER BY user_name, period LIMIT 2000"
    );
    q!(
        h,
        fetch_all,
        Notice,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        Cause::NoLoginMonth.as_str(),
        format!("{year:04}-%")
    )
    .map_err(sql_error)
}

/// One notice in a scope.
pub async fn notice(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<Notice, Error> {
    let sql = format!("{NOTICE_SQL} WHERE id = $1 AND path LIKE $2");
    q!(
        h,
        fetch_optional,
        Notice,
        sqlx::AssertSqlSafe(sql),
        id,
        scope.like_pattern()
    )
    .map_err(sql_error)?
    .ok_or_else(|| err!("work.notice_not_found", id))
}

/// Issues or waives a drafted notice, with a note; audited. Runs in the caller's transaction.
pub async fn decide(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    to: NoticeStatus,
    note: &str,
    now: i64,
) -> Result<Notice, Error> {
    let note = note.trim();
    if note.is_empty() {
        return Err(err!("work.notice_note_required"));
    }
    if note.chars().count() > logins::MAX_NOTE {
        return Err(err!("work.note_too_long", max = logins::MAX_NOTE));
    }
    let before = notice(h, scope, id).await?;
    if before.status != NoticeStatus::Draft.as_str() || to == NoticeStatus::Draft {
        return Err(err!("work.notice_decided", id));
    }
    let n = q!(
        h,
        execute,
        "UPDATE criticism_notices SET status = $1, decided_by = $2, decided_by_name = $3, decided_at = $4, \
         decision_note = $5 WHERE id = $6 AND status = 'draft'",
        to.as_str(),
        actor.user_id,
        &actor.name,
        now,
        note,
        id
    )
    .map_err(sql_error)?;
    if n == 0 {
        return Err(err!("work.notice_decided", id));
    }
    let detail = serde_json::json!({
        "user_id": before.user_id,
        "period": before.period,
        "cause": before.cause,
        "status": to.as_str(),
    });
    audit::append(
        h,
        &Entry {
            actor,
            action: match to {
                NoticeStatus::Issued => "notice_issue",
                _ => "notice_waive",
            },
            subject_table: "criticism_notices",
            subject_id: Some(id),
            column_name: None,
            reason: note,
            detail: &detail.to_string(),
        },
        now,
    )
    .await?;
    notice(h, scope, id).await
}

/// What one run of the daily check did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub days_judged: usize,
    pub reminders: u64,
    pub notices: u64,
    pub months_listed: u64,
}

#[derive(sqlx::FromRow)]
struct Counted {
    user_id: i64,
    display_name: String,
    path: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct Silent {
    id: i64,
    display_name: String,
    path: String,
}

/// The daily check: every day over since the log-in data began (at most
/// `logins::LOOKBACK_DAYS` back) that no run has judged yet. A working day writes a reminder
/// for each checked user who existed all that day and did not log in; a user's reminder count
/// of the month reaching the rules' `reminders_before_notice` drafts a notice; a month's last
/// day closes the month, listing users without any log-in in it. A day of a year the calendar
/// lacks waits. Runs in the caller's transaction (the scheduler's, under its lease).
pub async fn run_checks(
    h: &mut Handle<'_>,
    cal: &Calendar,
    now: i64,
) -> Result<CheckReport, Error> {
    let mut report = CheckReport::default();
    let today = china_day(now)?;
    let first = q!(h, scalar fetch_one, Option<String>, "SELECT MIN(day) FROM login_days")
        .map_err(sql_error)?
        .and_then(|d| Date::parse(&d).ok());
    let Some((start, end)) = logins::window(today, first) else {
        return Ok(report);
    };
    let Some(first) = first else {
        return Ok(report);
    };
    let judged: HashSet<String> = q!(
        h,
        scalar fetch_all,
        String,
        "SELECT day FROM login_checks WHERE day >= $1 AND day <= $2",
        start.to_string(),
        end.to_string()
    )
    .map_err(sql_error)?
    .into_iter()
    .collect();
    let mut rules_by_path = HashMap::new();
    let mut day = start;
    while day <= end {
        let key = day.to_string();
        let kind = logins::day_kind(cal, day);
        if !judged.contains(&key) && kind != DayKind::Unknown {
            if kind == DayKind::Working {
                judge_day(h, day, now, &mut rules_by_path, &mut report).await?;
            }
            if day == periods::month_end(day) {
                report.months_listed += close_month(h, day, first, now).await?;
            }
            q!(
                h,
                execute,
                "INSERT INTO login_checks (day, checked_at) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING",
                &key,
                now
            )
            .map_err(sql_error)?;
            report.days_judged += 1;
        }
        day = match day.add_days(1) {
            Some(d) => d,
            None => break,
        };
    }
    Ok(report)
}

async fn judge_day(
    h: &mut Handle<'_>,
    day: Date,
    now: i64,
    rules_by_path: &mut HashMap<String, (bool, u32)>,
    report: &mut CheckReport,
) -> Result<(), Error> {
    let key = day.to_string();
    let month = periods::month_key(day);
    let sql = format!(
        "INSERT INTO login_reminders (user_id, path, day, month, created_at) \
         SELECT u.id, n.path, $1, $2, $3 FROM users u JOIN nodes n ON n.id = u.node_id \
         WHERE u.active AND u.role IN {CHECKED_ROLES} AND u.created_at < $4 \
         AND NOT EXISTS (SELECT 1 FROM login_days l WHERE l.user_id = u.id AND l.day = $1) \
         ON CONFLICT (user_id, day) DO NOTHING"
    );
    report.reminders += q!(
        h,
        execute,
        sqlx::AssertSqlSafe(sql),
        &key,
        &month,
        now,
        day_start_ms(day)
    )
    .map_err(sql_error)?;
    // Those reminded today, with their month's count: the candidates for a notice.
    let counted = q!(
        h,
        fetch_all,
        Counted,
        "SELECT r.user_id, u.display_name, n.path, CAST(COUNT(*) AS BIGINT) AS n \
         FROM login_reminders r JOIN users u ON u.id = r.user_id JOIN nodes n ON n.id = u.node_id \
         WHERE r.month = $1 AND r.user_id IN (SELECT user_id FROM login_reminders WHERE day = $2) \
         GROUP BY r.user_id, u.display_name, n.path",
        &month,
        &key
    )
    .map_err(sql_error)?;
    for c in counted {
        let (daily, before) = match rules_by_path.get(&c.path) {
            Some(v) => *v,
            None => {
                let d = rules::in_force(h, &c.path, day).await?;
                let v = (d.daily_login, d.reminders_before_notice);
                rules_by_path.insert(c.path.clone(), v);
                v
            }
        };
        if !logins::notice_due(c.n, before, daily) {
            continue;
        }
        let body = logins::notice_body(Cause::MissedLogins, &c.display_name, &month, c.n);
        report.notices += draft(
            h,
            c.user_id,
            &c.display_name,
            &c.path,
            &month,
            Cause::MissedLogins,
            &body,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Lists, for the month ending on `last`, the checked users who existed all month and never
/// logged in.
async fn close_month(h: &mut Handle<'_>, last: Date, first: Date, now: i64) -> Result<u64, Error> {
    let start = periods::month_start(last);
    if !logins::month_closable(last, first, start) {
        return Ok(0);
    }
    let month = periods::month_key(last);
    let sql = format!(
        "SELECT u.id, u.display_name, n.path FROM users u JOIN nodes n ON n.id = u.node_id \
         WHERE u.active AND u.role IN {CHECKED_ROLES} AND u.created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM login_days l WHERE l.user_id = u.id AND l.day >= $2 AND l.day <= $3)"
    );
    let silent = q!(
        h,
        fetch_all,
        Silent,
        sqlx::AssertSqlSafe(sql),
        day_start_ms(start),
        start.to_string(),
        last.to_string()
    )
    .map_err(sql_error)?;
    let mut n = 0;
    for s in silent {
        let body = logins::notice_body(Cause::NoLoginMonth, &s.display_name, &month, 0);
        n += draft(
            h,
            s.id,
            &s.display_name,
            &s.path,
            &month,
            Cause::NoLoginMonth,
            &body,
            now,
        )
        .await?;
    }
    Ok(n)
}

#[allow(clippy::too_many_arguments)]
async fn draft(
    h: &mut Handle<'_>,
    user_id: i64,
    name: &str,
    path: &str,
    period: &str,
    cause: Cause,
    body: &str,
    now: i64,
) -> Result<u64, Error> {
    q!(
        h,
        execute,
        "INSERT INTO criticism_notices (user_id, user_name, path, period, cause, body, status, decision_note, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, 'draft', '', $7) \
         ON CONFLICT (user_id, period, cause) DO NOTHING",
        user_id,
        name,
        path,
        period,
        cause.as_str(),
        body,
        now
    )
    .map_err(sql_error)
}
