//! What the scheduler asks of the events: lights that turned, reminders given, its lease, and
//! levels whose limit passed where the category escalates by itself.

use super::*;

/// Open events whose light has turned and that have not been reminded for it yet.
pub async fn needing_reminders(
    h: &mut Handle<'_>,
    now: i64,
    limit: i64,
) -> Result<Vec<EventRow>, Error> {
    // Yellow starts at 80 % of the allowed time: due - (due - start) / 5.
    q!(h, fetch_all, EventRow,
        event_sql!("WHERE e.status IN ('reported', 'accepted', 'assigned', 'feedback_given') AND e.due_at IS NOT NULL \
         AND ((e.due_at < $1 AND e.reminded_light <> 'red') \
           OR (e.due_at - (e.due_at - e.level_started_at) / 5 <= $1 AND e.reminded_light = '')) \
         ORDER BY e.due_at LIMIT $2"),
        now, limit)
    .map_err(sql_error)
}

/// Records that the scheduler reminded the holder at this light.
pub async fn mark_reminded(h: &mut Handle<'_>, event_id: i64, light: &str) -> Result<(), Error> {
    q!(
        h,
        execute,
        "UPDATE events SET reminded_light = $1 WHERE id = $2",
        light,
        event_id
    )
    .map_err(sql_error)?;
    Ok(())
}

/// Takes or renews a named lease; true when this holder has it until `now + ttl_ms`. Several
/// server instances on one database agree on one scheduler this way.
pub async fn try_lease(
    h: &mut Handle<'_>,
    name: &str,
    holder: &str,
    now: i64,
    ttl_ms: i64,
) -> Result<bool, Error> {
    let n = q!(h, execute,
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE leases.holder = excluded.holder OR leases.expires_at < $4",
        name, holder, now + ttl_ms, now)
    .map_err(sql_error)?;
    Ok(n == 1)
}

/// Events accepted at a level below the city whose level limit has passed and whose category
/// escalates automatically (the scheduler escalates them).
pub async fn overdue_auto_escalations(
    h: &mut Handle<'_>,
    now: i64,
    limit: i64,
) -> Result<Vec<EventRow>, Error> {
    q!(h, fetch_all, EventRow,
        event_sql!("WHERE e.status = 'accepted' AND e.level < 5 AND c.auto_escalate AND e.due_at IS NOT NULL AND e.due_at < $1 \
         ORDER BY e.due_at LIMIT $2"),
        now, limit)
    .map_err(sql_error)
}

/// Counts again the due times an earlier calendar could not, once a year has been entered:
/// every event flagged `calendar_missing` gets the due times the calendar now gives, and a due
/// time that changes earns its reminders afresh. Returns how many events were looked at.
pub async fn refresh_missing_dues(h: &mut Handle<'_>, ctx: &EventCtx<'_>) -> Result<usize, Error> {
    let flagged: Vec<(i64, i64, i64, i64, String, String)> = q!(h, fetch_all, (i64, i64, i64, i64, String, String),
        "SELECT id, reported_at, level_started_at, level, complexity, state FROM events WHERE calendar_missing ORDER BY id")
    .map_err(sql_error)?;
    for (id, reported, level_start, level, complexity, state) in &flagged {
        let state: EventState = serde_json::from_str(state)
            .map_err(|e| err!("internal", detail = format!("event state: {e}")))?;
        let complexity = Complexity::parse(complexity).unwrap_or(Complexity::Ordinary);
        let level = u8::try_from(*level).unwrap_or(event::LEVEL_MAX);
        let (level_due, final_due, missing) = dues(ctx, *reported, *level_start, complexity, level);
        let due_at = event::acting_due(&state, *level_start, level_due, ctx.rules);
        q!(h, execute,
            "UPDATE events SET due_at = $1, final_due_at = $2, calendar_missing = $3, \
             reminded_light = CASE WHEN COALESCE(due_at, -1) = COALESCE($1, -1) THEN reminded_light ELSE '' END WHERE id = $4",
            due_at, final_due, missing, id)
        .map_err(sql_error)?;
    }
    Ok(flagged.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_by_level() {
        let p = "/350100000000/350102000000/350102001000/350102001001/350102001001001/";
        let code = |l| ancestor_at_level(p, l).map(|(c, _)| c);
        assert_eq!(code(1).as_deref(), Some("350102001001001"));
        assert_eq!(code(3).as_deref(), Some("350102001000"));
        assert_eq!(code(5).as_deref(), Some("350100000000"));
        assert_eq!(
            ancestor_at_level(p, 3).map(|(_, path)| path).as_deref(),
            Some("/350100000000/350102000000/350102001000/")
        );
        assert_eq!(ancestor_at_level(p, 6), None);
    }
}
