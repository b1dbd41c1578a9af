//! Meetings and trainings (`meetings`, `meeting_invitees`): scheduled by a township or village
//! for the workers and grid leaders in its scope, with attendance per invitee. A meeting is seen
//! by whoever's scope holds its node and by its invitees; attendance is taken by the former.

use serde::Serialize;
use wangge_domain::workbench::meetings::{Attendance, Kind, MAX_INVITEES};
use wangge_domain::{Error, Scope, err};

use super::logins::china_day;
use crate::audit::Actor;
use crate::db::{Handle, sql_error};

/// A person who may be invited: an active worker or grid leader in the organiser's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub node_code: String,
    pub node_name: String,
}

pub async fn candidates(h: &mut Handle<'_>, scope: &Scope) -> Result<Vec<Candidate>, Error> {
    q!(
        h,
        fetch_all,
        Candidate,
        "SELECT u.id, u.display_name AS name, u.role, n.code AS node_code, n.name AS node_name \
         FROM users u JOIN nodes n ON n.id = u.node_id \
         WHERE u.active AND u.role IN ('worker', 'grid_leader') AND n.path LIKE $1 \
         ORDER BY n.path, u.display_name LIMIT $2",
        scope.like_pattern(),
        i64::try_from(MAX_INVITEES).unwrap_or(2_000)
    )
    .map_err(sql_error)
}

/// What an organiser schedules (validated by the caller: kind, text bounds, time).
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub kind: Kind,
    pub title: String,
    pub place: String,
    pub agenda: String,
    pub starts_at: i64,
    pub report_required: bool,
    pub invitees: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Meeting {
    pub id: i64,
    pub node_code: String,
    pub node_name: String,
    pub kind: String,
    pub title: String,
    pub place: String,
    pub agenda: String,
    pub starts_at: i64,
    pub day: String,
    pub report_required: bool,
    pub created_by_name: String,
    pub created_at: i64,
    pub invitees: i64,
    pub marked: i64,
    pub attended: i64,
    /// Whether the viewer's scope holds the meeting's node (they may take attendance).
    #[sqlx(default)]
    pub may_mark: bool,
}

const MEETING_SQL: &str = "SELECT m.id, n.code AS node_code, n.name AS node_name, m.kind, m.title, m.place, \
    m.agenda, m.starts_at, m.day, m.report_required, m.created_by_name, m.created_at, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM meeting_invitees i WHERE i.meeting_id = m.id) AS invitees, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM meeting_invitees i WHERE i.meeting_id = m.id AND i.attendance IS NOT NULL) AS marked, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM meeting_invitees i WHERE i.meeting_id = m.id \
       AND i.attendance IN ('present', 'late', 'left_early')) AS attended \
    FROM meetings m JOIN nodes n ON n.id = m.node_id";

/// Schedules a meeting at the organiser's node; every invitee must be a candidate of the
/// organiser's scope. Runs in the caller's transaction; the new id.
pub async fn create(
    h: &mut Handle<'_>,
    node_id: i64,
    scope: &Scope,
    actor: &Actor,
    m: &NewMeeting,
    now: i64,
) -> Result<i64, Error> {
    if m.invitees.is_empty() {
        return Err(err!("work.meeting_no_invitees"));
    }
    // Each invitee checked on its own, so an area larger than the candidates' page still works.
    for u in &m.invitees {
        let ok = q!(
            h,
            scalar fetch_optional,
            i64,
            "SELECT u.id FROM users u JOIN nodes n ON n.id = u.node_id WHERE u.id = $1 AND u.active \
             AND u.role IN ('worker', 'grid_leader') AND n.path LIKE $2",
            u,
            scope.like_pattern()
        )
        .map_err(sql_error)?;
        if ok.is_none() {
            return Err(err!("work.invitee_out_of_scope", id = u));
        }
    }
    let day = china_day(m.starts_at)?.to_string();
    let id = q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO meetings (node_id, path, kind, title, place, agenda, starts_at, day, report_required, \
         created_by, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         RETURNING id",
        node_id,
        scope.path(),
        m.kind.as_str(),
        &m.title,
        &m.place,
        &m.agenda,
        m.starts_at,
        &day,
        m.report_required,
        actor.user_id,
        &actor.name,
        now
    )
    .map_err(sql_error)?;
    let mut seen = std::collections::HashSet::new();
    for u in &m.invitees {
        if !seen.insert(*u) {
            continue;
        }
        q!(
            h,
            execute,
            "INSERT INTO meeting_invitees (meeting_id, user_id, report_handed) VALUES ($1, $2, $3)",
            id,
            u,
            false
        )
        .map_err(sql_error)?;
    }
    Ok(id)
}

/// The meetings a viewer sees: those held in their scope and those they are invited to,
/// newest first.
pub async fn list(
    h: &mut Handle<'_>,
    user_id: i64,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<Meeting>, Error> {
    let sql = format!(
        "{MEETING_SQL} WHERE m.path LIKE $1 OR EXISTS (SELECT 1 FROM meeting_invitees i WHERE i.meeting_id = m.id \
         AND i.user_id = $2) ORDER BY m.starts_at DESC, m.id DESC LIMIT $3"
    );
    let mut rows = q!(
        h,
        fetch_all,
        Meeting,
        sqlx::AssertSqlSafe(sql),
        scope.like_pattern(),
        user_id,
        limit.clamp(1, 500)
    )
    .map_err(sql_error)?;
    for r in &mut rows {
        r.may_mark = in_scope(h, scope, r.id).await?;
    }
    Ok(rows)
}

async fn in_scope(h: &mut Handle<'_>, scope: &Scope, id: i64) -> Result<bool, Error> {
    Ok(q!(
        h,
        scalar fetch_optional,
        i64,
        "SELECT id FROM meetings WHERE id = $1 AND path LIKE $2",
        id,
        scope.like_pattern()
    )
    .map_err(sql_error)?
    .is_some())
}

/// One meeting the viewer sees (held in their scope or they are invited), else 404.
pub async fn get(
    h: &mut Handle<'_>,
    user_id: i64,
    scope: &Scope,
    id: i64,
) -> Result<Meeting, Error> {
    let sql = format!(
        "{MEETING_SQL} WHERE m.id = $1 AND (m.path LIKE $2 OR EXISTS (SELECT 1 FROM meeting_invitees i \
         WHERE i.meeting_id = m.id AND i.user_id = $3))"
    );
    let mut m = q!(
        h,
        fetch_optional,
        Meeting,
        sqlx::AssertSqlSafe(sql),
        id,
        scope.like_pattern(),
        user_id
    )
    .map_err(sql_error)?
    .ok_or_else(|| err!("work.meeting_not_found", id))?;
    m.may_mark = in_scope(h, scope, id).await?;
    Ok(m)
}

/// One invitee's line of the attendance sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Invitee {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    pub node_name: String,
    pub attendance: Option<String>,
    pub report_handed: bool,
    pub marked_at: Option<i64>,
}

/// The attendance sheet of a meeting the caller has already been allowed to see.
pub async fn invitees(h: &mut Handle<'_>, id: i64) -> Result<Vec<Invitee>, Error> {
    q!(
        h,
        fetch_all,
        Invitee,
        "SELECT i.user_id, u.display_name AS name, u.role, n.name AS node_name, i.attendance, i.report_handed, \
         i.marked_at FROM meeting_invitees i JOIN users u ON u.id = i.user_id JOIN nodes n ON n.id = u.node_id \
         WHERE i.meeting_id = $1 ORDER BY n.path, u.display_name",
        id
    )
    .map_err(sql_error)
}

/// One mark: a person's attendance (None: not yet taken) and whether they handed in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub user_id: i64,
    pub attendance: Option<Attendance>,
    pub report_handed: bool,
}

/// Takes attendance for a meeting in the caller's scope. A mark for anyone not invited refuses
/// the whole sheet before anything is written. Runs in the caller's transaction.
pub async fn mark(
    h: &mut Handle<'_>,
    scope: &Scope,
    actor: &Actor,
    id: i64,
    marks: &[Mark],
    now: i64,
) -> Result<(), Error> {
    if !in_scope(h, scope, id).await? {
        return Err(err!("work.meeting_not_found", id));
    }
    let invited: std::collections::HashSet<i64> = q!(
        h,
        scalar fetch_all,
        i64,
        "SELECT user_id FROM meeting_invitees WHERE meeting_id = $1",
        id
    )
    .map_err(sql_error)?
    .into_iter()
    .collect();
    if let Some(m) = marks.iter().find(|m| !invited.contains(&m.user_id)) {
        return Err(err!("work.not_invited", id = m.user_id));
    }
    for m in marks {
        q!(
            h,
            execute,
            "UPDATE meeting_invitees SET attendance = $1, report_handed = $2, marked_by = $3, marked_at = $4 \
             WHERE meeting_id = $5 AND user_id = $6",
            m.attendance.map(Attendance::as_str),
            m.report_handed,
            actor.user_id,
            now,
            id,
            m.user_id
        )
        .map_err(sql_error)?;
    }
    Ok(())
}

/// Trainings a user attended (present, late or left early) in a year: the home page compares
/// it with `Duties.trainings_per_year`.
pub async fn trainings_attended(h: &mut Handle<'_>, user_id: i64, year: i32) -> Result<i64, Error> {
    q!(
        h,
        scalar fetch_one,
        i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM meeting_invitees i JOIN meetings m ON m.id = i.meeting_id \
         WHERE i.user_id = $1 AND m.kind = 'training' AND m.day >= $2 AND m.day <= $3 \
         AND i.attendance IN ('present', 'late', 'left_early')",
        user_id,
        format!("{year:04}-01-01"),
        format!("{year:04}-12-31")
    )
    .map_err(sql_error)
}
