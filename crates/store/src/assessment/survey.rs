//! The residents' satisfaction survey (`survey_tokens`, `survey_answers`) and the ratings of
//! closed events.

use std::collections::HashMap;

use wangge_domain::assessment::measures::SatisfactionInput;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::survey::Response;
use wangge_domain::{Error, err};

use crate::auth::{random_secret, sha256_hex};
use crate::db::{Handle, sql_error};
use crate::workbench::logins::day_start_ms;

#[derive(sqlx::FromRow)]
struct PathSum {
    path: String,
    n: i64,
    total: i64,
}

/// Per grid path under `prefix`: the quarter's survey answers and the ratings of the grid's
/// events closed in the quarter. An event counts in the quarter of its (last) close, China
/// time, if it is still closed and rated when asked; a rating given after the quarter ended
/// for an event closed in it still counts, as the close of the quarter reads what is there.
/// Grids with neither are absent (the caller takes the default, all zero).
pub async fn satisfaction(
    h: &mut Handle<'_>,
    prefix: &str,
    quarter: Quarter,
) -> Result<HashMap<String, SatisfactionInput>, Error> {
    let like = format!("{prefix}%");
    let answers = q!(
        h,
        fetch_all,
        PathSum,
        "SELECT path, CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(score), 0) AS BIGINT) AS total \
         FROM survey_answers WHERE path LIKE $1 AND quarter = $2 GROUP BY path",
        &like,
        quarter.to_string()
    )
    .map_err(sql_error)?;
    let from = day_start_ms(quarter.start());
    let until = day_start_ms(quarter.next().start());
    // The quarter after the calendar's last one is itself: no instant is past its end then.
    let until = if until <= from { i64::MAX } else { until };
    let ratings = q!(
        h,
        fetch_all,
        PathSum,
        "SELECT path, CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(rating), 0) AS BIGINT) AS total \
         FROM events WHERE path LIKE $1 AND status = 'closed' AND rating BETWEEN 1 AND 5 \
         AND closed_at >= $2 AND closed_at < $3 GROUP BY path",
        &like,
        from,
        until
    )
    .map_err(sql_error)?;
    let mut out: HashMap<String, SatisfactionInput> = HashMap::new();
    for r in answers {
        let e = out.entry(r.path).or_default();
        e.survey_answers = r.n;
        e.survey_score_sum = r.total;
    }
    for r in ratings {
        let e = out.entry(r.path).or_default();
        e.ratings = r.n;
        e.rating_sum = r.total;
    }
    Ok(out)
}

/// The most households one grid's batch of slips holds (a grid is 200–500 households).
pub const MAX_HOUSEHOLDS: i64 = 2_000;

/// A grid the caller may issue tokens for.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Grid {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
}

/// A grid under `prefix` (the caller's scope), else `assess.survey_grid_not_found`: out of
/// sight answers as "does not exist".
pub async fn grid(h: &mut Handle<'_>, prefix: &str, grid_id: i64) -> Result<Grid, Error> {
    q!(
        h,
        fetch_optional,
        Grid,
        "SELECT id, code, name, path FROM nodes \
         WHERE id = $1 AND kind = 'grid' AND retired_at IS NULL AND path LIKE $2",
        grid_id,
        format!("{prefix}%")
    )
    .map_err(sql_error)?
    .ok_or_else(|| err!("assess.survey_grid_not_found", id = grid_id))
}

/// One household's slip in a batch just issued.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Slip {
    pub household_id: i64,
    /// What a door slip may carry: the house's address and room, or the household number.
    pub label: String,
    /// The new token, shown this once; `None` when the household has already answered.
    pub token: Option<String>,
    pub answered: bool,
}

#[derive(sqlx::FromRow)]
struct HouseholdRow {
    id: i64,
    household_no: String,
    address: Option<String>,
    building: Option<String>,
    unit: Option<String>,
    room: Option<String>,
    token_id: Option<i64>,
    answered_at: Option<i64>,
}

impl HouseholdRow {
    fn label(&self) -> String {
        let parts: Vec<&str> = [&self.address, &self.building, &self.unit, &self.room]
            .into_iter()
            .filter_map(|p| p.as_deref().map(str::trim))
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            format!("#{}", self.household_no)
        } else {
            format!("{} (#{})", parts.join(" "), self.household_no)
        }
    }
}

/// Issues the survey tokens of a grid's households for a quarter (the caller checked the grid
/// against their scope and the quarter with `domain::assessment::survey::issuable`; run it in
/// a transaction). One token per household and quarter: a household without one gets one; a
/// household whose token is not yet answered gets a fresh one that replaces the old (its link
/// stops working: tokens are kept only as hashes, so a lost slip is re-issued, not recovered);
/// a household that has answered keeps its answer and gets none.
pub async fn issue(
    h: &mut Handle<'_>,
    grid: &Grid,
    quarter: Quarter,
    now: i64,
) -> Result<Vec<Slip>, Error> {
    let q = quarter.to_string();
    let rows = q!(
        h,
        fetch_all,
        HouseholdRow,
        "SELECT hh.id, hh.household_no, ho.address, ho.building, ho.unit, ho.room, \
         t.id AS token_id, t.answered_at \
         FROM households hh LEFT JOIN houses ho ON ho.id = hh.house_id \
         LEFT JOIN survey_tokens t ON t.household_id = hh.id AND t.quarter = $2 \
         WHERE hh.grid_id = $1 ORDER BY hh.household_no, hh.id LIMIT $3",
        grid.id,
        &q,
        MAX_HOUSEHOLDS + 1
    )
    .map_err(sql_error)?;
    if rows.len() as i64 > MAX_HOUSEHOLDS {
        return Err(err!("assess.survey_too_many", max = MAX_HOUSEHOLDS));
    }
    if rows.is_empty() {
        return Err(err!("assess.survey_no_households"));
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let label = r.label();
        if r.answered_at.is_some() {
            out.push(Slip {
                household_id: r.id,
                label,
                token: None,
                answered: true,
            });
            continue;
        }
        let token = random_secret()?;
        let hash = sha256_hex(&token);
        let written = match r.token_id {
            // Only while still unanswered: an answer that slipped in first keeps its token.
            Some(tid) => q!(
                h,
                execute,
                "UPDATE survey_tokens SET token_hash = $1, created_at = $2 \
                 WHERE id = $3 AND answered_at IS NULL",
                &hash,
                now,
                tid
            ),
            None => q!(
                h,
                execute,
                "INSERT INTO survey_tokens (household_id, grid_id, path, quarter, token_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                r.id,
                grid.id,
                &grid.path,
                &q,
                &hash,
                now
            ),
        }
        .map_err(sql_error)?;
        let fresh = written == 1;
        out.push(Slip {
            household_id: r.id,
            label,
            token: fresh.then_some(token),
            answered: !fresh,
        });
    }
    Ok(out)
}

/// A token as its public page sees it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TokenView {
    pub id: i64,
    pub quarter: String,
    pub grid_id: i64,
    pub path: String,
    pub grid_name: String,
    pub answered_at: Option<i64>,
}

/// The token behind a link, else `assess.survey_not_found` (which says nothing more).
pub async fn by_token(h: &mut Handle<'_>, token: &str) -> Result<TokenView, Error> {
    let not_found = || err!("assess.survey_not_found");
    // A token is 64 hex digits; anything else is not looked up at all.
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    q!(
        h,
        fetch_optional,
        TokenView,
        "SELECT t.id, t.quarter, t.grid_id, t.path, n.name AS grid_name, t.answered_at \
         FROM survey_tokens t JOIN nodes n ON n.id = t.grid_id WHERE t.token_hash = $1",
        sha256_hex(&token.to_ascii_lowercase())
    )
    .map_err(sql_error)?
    .ok_or_else(not_found)
}

/// Records the answer of the token (run in a transaction; the caller checked the day against
/// the token's quarter). One answer per token, also when two arrive at once: the token is
/// claimed by a guarded UPDATE and `survey_answers.token_id` is UNIQUE.
pub async fn answer(
    h: &mut Handle<'_>,
    token: &TokenView,
    response: &Response,
    now: i64,
) -> Result<i64, Error> {
    if token.answered_at.is_some() {
        return Err(err!("assess.survey_answered"));
    }
    let claimed = q!(
        h,
        execute,
        "UPDATE survey_tokens SET answered_at = $1 WHERE id = $2 AND answered_at IS NULL",
        now,
        token.id
    )
    .map_err(sql_error)?;
    if claimed != 1 {
        return Err(err!("assess.survey_answered"));
    }
    let score = response.score();
    let json = serde_json::to_string(response)
        .map_err(|e| err!("internal", detail = format!("survey answer: {e}")))?;
    q!(
        h,
        scalar fetch_one,
        i64,
        "INSERT INTO survey_answers (token_id, grid_id, path, quarter, score, answers_json, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        token.id,
        token.grid_id,
        &token.path,
        &token.quarter,
        score,
        json,
        now
    )
    .map_err(|e| match sql_error(e) {
        e if e.code == "db.duplicate" => err!("assess.survey_answered"),
        e => e,
    })
}

/// A grid's survey in a quarter: tokens issued, answered, and the answers' score sum.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct GridCount {
    pub grid_id: i64,
    pub grid_code: String,
    pub grid_name: String,
    pub path: String,
    pub households: i64,
    pub issued: i64,
    pub answered: i64,
    pub score_sum: i64,
}

impl GridCount {
    /// The mean score, rounded half up; none without answers.
    pub fn mean(&self) -> Option<i64> {
        (self.answered > 0).then(|| (2 * self.score_sum + self.answered) / (2 * self.answered))
    }
}

/// The most grids one view lists.
pub const MAX_GRIDS: i64 = 5_000;

/// Every grid under `prefix`, in the tree's order, with its survey counts for the quarter.
pub async fn counts(
    h: &mut Handle<'_>,
    prefix: &str,
    quarter: Quarter,
) -> Result<Vec<GridCount>, Error> {
    q!(
        h,
        fetch_all,
        GridCount,
        "SELECT n.id AS grid_id, n.code AS grid_code, n.name AS grid_name, n.path, \
         CAST((SELECT COUNT(*) FROM households hh WHERE hh.grid_id = n.id) AS BIGINT) AS households, \
         CAST((SELECT COUNT(*) FROM survey_tokens t WHERE t.path = n.path AND t.quarter = $2) AS BIGINT) AS issued, \
         CAST((SELECT COUNT(*) FROM survey_answers a WHERE a.path = n.path AND a.quarter = $2) AS BIGINT) AS answered, \
         CAST((SELECT COALESCE(SUM(a.score), 0) FROM survey_answers a WHERE a.path = n.path AND a.quarter = $2) AS BIGINT) AS score_sum \
         FROM nodes n WHERE n.kind = 'grid' AND n.retired_at IS NULL AND n.path LIKE $1 \
         ORDER BY n.path LIMIT $3",
        format!("{prefix}%"),
        quarter.to_string(),
        MAX_GRIDS
    )
    .map_err(sql_error)
}
