//! Lists of events: the inboxes of a node or a person with search and filters, and the public
//! results of a grid or village.

use super::*;

/// Which list to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Inbox {
    All,
    /// Open events held by the caller in person or that the caller has acted on (我经办的).
    Mine,
    ToAccept,
    ToHandle,
    ToVerify,
    Overdue,
    /// Open events past 80 % of their time (the yellow light), not yet overdue.
    DueSoon,
    Supervised,
    /// Open events the caller has supervised (督办) in person.
    SupervisedByMe,
    Closed,
}

impl Inbox {
    pub const ALL: [Inbox; 10] = [
        Inbox::All,
        Inbox::Mine,
        Inbox::ToAccept,
        Inbox::ToHandle,
        Inbox::ToVerify,
        Inbox::Overdue,
        Inbox::DueSoon,
        Inbox::Supervised,
        Inbox::SupervisedByMe,
        Inbox::Closed,
    ];

    /// The inboxes that hold work still to do.
    pub const WORK: [Inbox; 6] = [
        Inbox::Mine,
        Inbox::ToAccept,
        Inbox::ToHandle,
        Inbox::ToVerify,
        Inbox::Overdue,
        Inbox::Supervised,
    ];

    /// What someone who watches an area rather than works it (a leader) follows.
    pub const WATCH: [Inbox; 4] = [
        Inbox::Overdue,
        Inbox::DueSoon,
        Inbox::SupervisedByMe,
        Inbox::Supervised,
    ];

    /// The lists a role's home counts and its event page offers first: what a leader watches,
    /// the work inboxes for everyone else.
    pub fn first_for(role: Role) -> &'static [Inbox] {
        match role {
            Role::Leader => &Inbox::WATCH,
            _ => &Inbox::WORK,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Inbox::All => "all",
            Inbox::Mine => "mine",
            Inbox::ToAccept => "to_accept",
            Inbox::ToHandle => "to_handle",
            Inbox::ToVerify => "to_verify",
            Inbox::Overdue => "overdue",
            Inbox::DueSoon => "due_soon",
            Inbox::Supervised => "supervised",
            Inbox::SupervisedByMe => "my_supervised",
            Inbox::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Inbox> {
        Inbox::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub text: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub level: Option<i64>,
    pub limit: i64,
    pub offset: i64,
    /// The caller's user, whose events the personal inbox lists.
    pub me: Option<i64>,
}

/// Which events are in an inbox: $1 the scope's path pattern, $2 the inbox, $3 the caller's node
/// path, $4 now, $5 the caller's user. Lists and counts use the same words.
macro_rules! inbox_where {
    () => {
        "WHERE (e.path LIKE $1 OR EXISTS (SELECT 1 FROM event_parties p WHERE p.event_id = e.id AND p.path LIKE $1)) \
         AND ($2 <> 'to_accept' OR (e.status = 'reported' AND e.holder_path = $3)) \
         AND ($2 <> 'to_handle' OR (e.status IN ('accepted', 'assigned') AND e.holder_path = $3)) \
         AND ($2 <> 'to_verify' OR e.status = 'feedback_given') \
         AND ($2 <> 'overdue' OR (e.status IN ('reported', 'accepted', 'assigned', 'feedback_given') AND e.due_at < $4)) \
         AND ($2 <> 'due_soon' OR (e.status IN ('reported', 'accepted', 'assigned', 'feedback_given') AND e.due_at >= $4 \
           AND ($4 - e.level_started_at) * 5 >= (e.due_at - e.level_started_at) * 4)) \
         AND ($2 <> 'supervised' OR (e.supervision IS NOT NULL AND e.status IN ('reported', 'accepted', 'assigned', 'feedback_given'))) \
         AND ($2 <> 'my_supervised' OR (e.status IN ('reported', 'accepted', 'assigned', 'feedback_given') \
           AND EXISTS (SELECT 1 FROM event_history x WHERE x.event_id = e.id AND x.action = 'supervise' AND x.actor_user_id = $5))) \
         AND ($2 <> 'closed' OR e.status = 'closed') \
         AND ($2 <> 'mine' OR (e.status IN ('reported', 'accepted', 'assigned', 'feedback_given') AND (e.holder_user_id = $5 \
           OR EXISTS (SELECT 1 FROM event_history x WHERE x.actor_user_id = $5 AND x.event_id = e.id))))"
    };
}

/// Events in the caller's scope for one inbox. "To accept" and "to handle" are those held at the
/// caller's own node; the others cover the whole scope.
pub async fn list(
    h: &mut Handle<'_>,
    scope: &Scope,
    inbox: Inbox,
    filter: &ListFilter,
    now: i64,
) -> Result<Vec<EventRow>, Error> {
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| format!("%{}%", t.replace(['%', '_'], "")));
    let limit = filter.limit.clamp(1, 500);
    q!(
        h,
        fetch_all,
        EventRow,
        event_sql!(
            inbox_where!(),
            " \
         AND ($6 IS NULL OR e.number LIKE $6 OR e.description LIKE $6 OR e.address LIKE $6) \
         AND ($7 IS NULL OR e.category_code = $7 OR c.parent_code = $7) \
         AND ($8 IS NULL OR e.status = $8) \
         AND ($9 IS NULL OR e.level = $9) \
         ORDER BY e.reported_at DESC, e.id DESC LIMIT $10 OFFSET $11"
        ),
        scope.like_pattern(),
        inbox.as_str(),
        scope.path(),
        now,
        filter.me,
        text,
        &filter.category,
        &filter.status,
        filter.level,
        limit,
        filter.offset.max(0)
    )
    .map_err(sql_error)
}

/// A closed event as the public board shows it: no names, no phones, no internal notes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PublicResult {
    pub number: String,
    pub category_name: String,
    pub category_name_en: String,
    pub grid_name: String,
    pub description: String,
    pub result: String,
    pub reported_at: i64,
    pub closed_at: Option<i64>,
    pub rating: Option<i64>,
    /// The whole case's time limit (办结时限), when the calendar knew it.
    pub final_due_at: Option<i64>,
    pub complexity: String,
}

/// Closed events under a grid or village (by path), newest first.
pub async fn public_results(
    h: &mut Handle<'_>,
    path: &str,
    limit: i64,
) -> Result<Vec<PublicResult>, Error> {
    q!(h, fetch_all, PublicResult,
        "SELECT e.number, c.name AS category_name, c.name_en AS category_name_en, g.name AS grid_name, e.description, \
         COALESCE((SELECT x.note FROM event_history x WHERE x.event_id = e.id AND x.action IN ('feedback', 'handle_on_spot') ORDER BY x.seq DESC LIMIT 1), '') AS result, \
         e.reported_at, e.closed_at, e.rating, e.final_due_at, e.complexity FROM events e JOIN categories c ON c.code = e.category_code JOIN nodes g ON g.id = e.grid_id \
         WHERE e.path LIKE $1 AND e.status = 'closed' ORDER BY e.closed_at DESC LIMIT $2",
        format!("{path}%"), limit.clamp(1, 200))
    .map_err(sql_error)
}

/// How many events are in each of `inboxes` for a caller, for the home page.
pub async fn inbox_counts(
    h: &mut Handle<'_>,
    scope: &Scope,
    me: i64,
    now: i64,
    inboxes: &[Inbox],
) -> Result<Vec<(Inbox, i64)>, Error> {
    let mut out = Vec::with_capacity(inboxes.len());
    for &inbox in inboxes {
        let n: i64 = q!(h, scalar fetch_one, i64,
            concat!("SELECT CAST(COUNT(*) AS BIGINT) FROM events e ", inbox_where!()),
            scope.like_pattern(), inbox.as_str(), scope.path(), now, Some(me))
        .map_err(sql_error)?;
        out.push((inbox, n));
    }
    Ok(out)
}
