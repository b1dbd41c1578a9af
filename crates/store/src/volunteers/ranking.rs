//! The yearly ranking (按年评选) inside a scope (a street, a county, the city): one row of
//! `volunteer_points` per volunteer joined to the volunteer, earned points descending, paged,
//! with the top 50 marked (competition ranks, ties at the cut in). The street's awards
//! (`volunteer_awards`: the share it sets, the excellent building and unit leaders and the top
//! 50, recorded once, audited) and its quarterly archives (`points_archives`: per community and
//! volunteer for an ended quarter, with the summary's SHA-256; append-only).

use serde::Serialize;
use sha2::{Digest, Sha256};
use wangge_domain::volunteers::publication::{self, Post, Standing};
use wangge_domain::{Error, NodeKind, Scope, err};

use crate::audit::{self, Actor};
use crate::db::{Handle, sql_error};
use crate::nodes::Node;
use crate::workbench::logins::china_day;

/// The most rows one page of the ranking holds.
pub const MAX_PAGE: i64 = 200;

/// One line of the ranking.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct RankRow {
    #[sqlx(default)]
    pub rank: i64,
    #[sqlx(default)]
    pub top: bool,
    pub volunteer_id: i64,
    pub name: String,
    pub post: String,
    pub building: String,
    pub unit: String,
    pub community_id: i64,
    pub community_name: String,
    pub earned: i64,
    pub spent: i64,
}

/// A page of the ranking: `total` volunteers with points in the year inside the scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankPage {
    pub year: i32,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    pub rows: Vec<RankRow>,
}

/// The year's ranking inside `scope`, `limit` rows (1–200) from `offset`. The query walks the
/// index on (year, earned) from the top and stops at the page, so a city of 50,000 reads a page
/// and two counts.
pub async fn ranking(
    h: &mut Handle<'_>,
    scope: &Scope,
    year: i32,
    offset: i64,
    limit: i64,
) -> Result<RankPage, Error> {
    let limit = limit.clamp(1, MAX_PAGE);
    let offset = offset.clamp(0, 10_000_000);
    let like = scope.like_pattern();
    let y = i64::from(year);
    let total: i64 = q!(h, scalar fetch_one, i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM volunteer_points WHERE year = $1 AND path LIKE $2",
        y, &like)
    .map_err(sql_error)?;
    let mut rows: Vec<RankRow> = q!(
        h,
        fetch_all,
        RankRow,
        "SELECT vp.volunteer_id, v.name, v.post, v.building, v.unit, vp.community_id, \
         n.name AS community_name, vp.earned, vp.spent \
         FROM volunteer_points vp JOIN volunteers v ON v.id = vp.volunteer_id \
         JOIN nodes n ON n.id = vp.community_id \
         WHERE vp.year = $1 AND vp.path LIKE $2 \
         ORDER BY vp.earned DESC, vp.volunteer_id LIMIT $3 OFFSET $4",
        y,
        &like,
        limit,
        offset
    )
    .map_err(sql_error)?;
    if let Some(first) = rows.first() {
        let above: i64 = q!(h, scalar fetch_one, i64,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM volunteer_points WHERE year = $1 AND path LIKE $2 AND earned > $3",
            y, &like, first.earned)
        .map_err(sql_error)?;
        let mut rank = above + 1;
        let mut prev = first.earned;
        for (i, r) in rows.iter_mut().enumerate() {
            if r.earned != prev {
                rank = offset + i as i64 + 1;
                prev = r.earned;
            }
            r.rank = rank;
            r.top = publication::in_top(rank, r.earned);
        }
    }
    Ok(RankPage {
        year,
        total,
        offset,
        limit,
        rows,
    })
}

/// One person chosen by the awards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Awarded {
    pub volunteer_id: i64,
    pub name: String,
    pub community: String,
    pub building: String,
    pub unit: String,
    pub post: String,
    pub earned: i64,
}

/// What a street's awards chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Chosen {
    /// The top 50 of the street's year (免费体检), ties at the cut included.
    pub top: Vec<Awarded>,
    /// 优秀楼栋长.
    pub building_leaders: Vec<Awarded>,
    /// 优秀单元长.
    pub unit_leaders: Vec<Awarded>,
}

/// A recorded award.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct AwardRow {
    pub id: i64,
    pub node_id: i64,
    pub path: String,
    pub year: i64,
    pub share_pct: i64,
    pub awards_json: String,
    pub decided_by_name: String,
    pub decided_at: i64,
}

/// Who the awards would choose in a street's year at a share.
pub async fn choose(
    h: &mut Handle<'_>,
    street: &Node,
    year: i32,
    share_pct: i64,
) -> Result<Chosen, Error> {
    let rows: Vec<StandingRow> = q!(
        h,
        fetch_all,
        StandingRow,
        "SELECT vp.volunteer_id, vp.earned, v.post, v.name, v.building, v.unit, n.name \
         FROM volunteer_points vp JOIN volunteers v ON v.id = vp.volunteer_id \
         JOIN nodes n ON n.id = vp.community_id \
         WHERE vp.year = $1 AND vp.path LIKE $2 AND vp.earned > 0 \
         ORDER BY vp.earned DESC, vp.volunteer_id",
        i64::from(year),
        format!("{}%", street.path)
    )
    .map_err(sql_error)?;
    let standings: Vec<Standing> = rows
        .iter()
        .map(|r| Standing {
            volunteer_id: r.0,
            earned: r.1,
            post: Post::parse(&r.2),
        })
        .collect();
    let pick = |ids: Vec<i64>| -> Vec<Awarded> {
        ids.into_iter()
            .filter_map(|id| rows.iter().find(|r| r.0 == id))
            .map(|r| Awarded {
                volunteer_id: r.0,
                earned: r.1,
                post: r.2.clone(),
                name: r.3.clone(),
                building: r.4.clone(),
                unit: r.5.clone(),
                community: r.6.clone(),
            })
            .collect()
    };
    Ok(Chosen {
        top: pick(publication::top_volunteers(&standings)),
        building_leaders: pick(publication::excellent(
            &standings,
            Post::BuildingLeader,
            share_pct,
        )),
        unit_leaders: pick(publication::excellent(
            &standings,
            Post::UnitLeader,
            share_pct,
        )),
    })
}

/// Records a street's awards for a year, once: after the year ends, or before it on demand
/// (`early`, for a street that holds its ceremony in December). Audited.
#[allow(clippy::too_many_arguments)]
pub async fn record_awards(
    h: &mut Handle<'_>,
    street: &Node,
    year: i32,
    share_pct: i64,
    early: bool,
    actor: &Actor,
    now: i64,
) -> Result<AwardRow, Error> {
    if street.node_kind() != NodeKind::Township {
        return Err(err!("volunteers.street_required"));
    }
    if !publication::share_valid(share_pct) {
        return Err(err!("volunteers.share_invalid", value = share_pct));
    }
    let today = china_day(now)?;
    if year > today.year() || year < 2000 || (!publication::year_ended(year, today) && !early) {
        return Err(err!("volunteers.year_not_ended", year = year));
    }
    let exists: i64 = q!(h, scalar fetch_one, i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM volunteer_awards WHERE node_id = $1 AND year = $2",
        street.id, i64::from(year))
    .map_err(sql_error)?;
    if exists > 0 {
        return Err(err!("volunteers.awards_recorded", year = year));
    }
    let chosen = choose(h, street, year, share_pct).await?;
    let json =
        serde_json::to_string(&chosen).map_err(|e| err!("internal", detail = e.to_string()))?;
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO volunteer_awards (node_id, path, year, share_pct, awards_json, decided_by, \
         decided_by_name, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        street.id, &street.path, i64::from(year), share_pct, &json, actor.user_id, &actor.name, now)
    .map_err(sql_error)?;
    let detail = serde_json::json!({
        "street": street.code, "year": year, "share_pct": share_pct,
        "top": chosen.top.len(), "building_leaders": chosen.building_leaders.len(),
        "unit_leaders": chosen.unit_leaders.len(),
    })
    .to_string();
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "vol_awards",
            subject_table: "volunteer_awards",
            subject_id: Some(id),
            column_name: None,
            reason: "",
            detail: &detail,
        },
        now,
    )
    .await?;
    Ok(AwardRow {
        id,
        node_id: street.id,
        path: street.path.clone(),
        year: i64::from(year),
        share_pct,
        awards_json: json,
        decided_by_name: actor.name.clone(),
        decided_at: now,
    })
}

/// The awards recorded inside a scope, newest year first.
pub async fn awards(h: &mut Handle<'_>, scope: &Scope) -> Result<Vec<AwardRow>, Error> {
    q!(
        h,
        fetch_all,
        AwardRow,
        "SELECT id, node_id, path, year, share_pct, awards_json, decided_by_name, decided_at \
         FROM volunteer_awards WHERE path LIKE $1 ORDER BY year DESC, id DESC LIMIT 200",
        scope.like_pattern()
    )
    .map_err(sql_error)
}

/// A volunteer's line in an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ArchivedVolunteer {
    pub volunteer_id: i64,
    pub name: String,
    pub building: String,
    pub unit: String,
    pub post: String,
    /// Points earned in each of the quarter's three months.
    pub months: [i64; 3],
    pub points: i64,
}

/// A community's part of an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ArchivedCommunity {
    pub community_id: i64,
    pub code: String,
    pub name: String,
    pub points: i64,
    pub volunteers: Vec<ArchivedVolunteer>,
}

/// The summary an archive keeps (its JSON is what the hash covers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Summary {
    pub node_code: String,
    pub quarter: String,
    pub months: [String; 3],
    pub points: i64,
    pub communities: Vec<ArchivedCommunity>,
}

/// An archived quarter; `summary_json` only when one is opened.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct ArchiveRow {
    pub id: i64,
    pub node_id: i64,
    pub path: String,
    pub quarter: String,
    pub summary_json: String,
    pub summary_hash: String,
    pub archived_by_name: String,
    pub archived_at: i64,
}

/// (community id, code, name, volunteer id, name, building, unit, post, month, points)
type SummaryRow = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
);

/// (volunteer id, earned, post, name, building, unit, community name)
type StandingRow = (i64, i64, String, String, String, String, String);

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A quarter's summary of a street: per community and volunteer, points earned per month.
pub async fn summarise(h: &mut Handle<'_>, street: &Node, quarter: &str) -> Result<Summary, Error> {
    let Some((y, n)) = publication::parse_quarter(quarter) else {
        return Err(err!(
            "volunteers.quarter_invalid",
            value = quarter.chars().take(20).collect::<String>()
        ));
    };
    let months = publication::quarter_months(y, n);
    let rows: Vec<SummaryRow> = q!(
        h,
        fetch_all,
        SummaryRow,
        "SELECT pl.community_id, c.code, c.name, pl.volunteer_id, v.name, v.building, v.unit, v.post, \
         pl.month, CAST(SUM(pl.points) AS BIGINT) \
         FROM points_ledger pl JOIN volunteers v ON v.id = pl.volunteer_id JOIN nodes c ON c.id = pl.community_id \
         WHERE pl.path LIKE $1 AND pl.month IN ($2, $3, $4) AND pl.kind IN ('service', 'clue', 'correction') \
         GROUP BY pl.community_id, c.code, c.name, pl.volunteer_id, v.name, v.building, v.unit, v.post, pl.month \
         ORDER BY c.code, pl.volunteer_id, pl.month",
        format!("{}%", street.path),
        &months[0],
        &months[1],
        &months[2]
    )
    .map_err(sql_error)?;
    let mut communities: Vec<ArchivedCommunity> = Vec::new();
    for (cid, code, cname, vid, vname, building, unit, post, month, pts) in rows {
        if communities.last().is_none_or(|c| c.community_id != cid) {
            communities.push(ArchivedCommunity {
                community_id: cid,
                code,
                name: cname,
                points: 0,
                volunteers: Vec::new(),
            });
        }
        let Some(c) = communities.last_mut() else {
            continue;
        };
        if c.volunteers.last().is_none_or(|v| v.volunteer_id != vid) {
            c.volunteers.push(ArchivedVolunteer {
                volunteer_id: vid,
                name: vname,
                building,
                unit,
                post,
                months: [0; 3],
                points: 0,
            });
        }
        let Some(v) = c.volunteers.last_mut() else {
            continue;
        };
        if let Some(i) = months.iter().position(|m| *m == month) {
            v.months[i] += pts;
        }
        v.points += pts;
        c.points += pts;
    }
    Ok(Summary {
        node_code: street.code.clone(),
        quarter: format!("{y}Q{n}"),
        points: communities.iter().map(|c| c.points).sum(),
        months,
        communities,
    })
}

/// Archives a street's ended quarter, once; audited.
pub async fn archive(
    h: &mut Handle<'_>,
    street: &Node,
    quarter: &str,
    actor: &Actor,
    now: i64,
) -> Result<ArchiveRow, Error> {
    if street.node_kind() != NodeKind::Township {
        return Err(err!("volunteers.street_required"));
    }
    let summary = summarise(h, street, quarter).await?;
    if !publication::quarter_ended(&summary.quarter, china_day(now)?) {
        return Err(err!(
            "volunteers.quarter_not_ended",
            quarter = summary.quarter.clone()
        ));
    }
    let exists: i64 = q!(h, scalar fetch_one, i64,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM points_archives WHERE node_id = $1 AND quarter = $2",
        street.id, &summary.quarter)
    .map_err(sql_error)?;
    if exists > 0 {
        return Err(err!(
            "volunteers.archive_exists",
            quarter = summary.quarter.clone()
        ));
    }
    let json =
        serde_json::to_string(&summary).map_err(|e| err!("internal", detail = e.to_string()))?;
    let hash = sha256_hex(&json);
    let id: i64 = q!(h, scalar fetch_one, i64,
        "INSERT INTO points_archives (node_id, path, quarter, summary_json, summary_hash, archived_by, \
         archived_by_name, archived_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        street.id, &street.path, &summary.quarter, &json, &hash, actor.user_id, &actor.name, now)
    .map_err(sql_error)?;
    let detail = serde_json::json!({
        "street": street.code, "quarter": summary.quarter, "sha256": hash,
    })
    .to_string();
    audit::append(
        h,
        &audit::Entry {
            actor,
            action: "vol_archive",
            subject_table: "points_archives",
            subject_id: Some(id),
            column_name: None,
            reason: "",
            detail: &detail,
        },
        now,
    )
    .await?;
    Ok(ArchiveRow {
        id,
        node_id: street.id,
        path: street.path.clone(),
        quarter: summary.quarter,
        summary_json: json,
        summary_hash: hash,
        archived_by_name: actor.name.clone(),
        archived_at: now,
    })
}

/// The archives inside a scope, newest first, without their summaries.
pub async fn archives(h: &mut Handle<'_>, scope: &Scope) -> Result<Vec<ArchiveRow>, Error> {
    q!(
        h,
        fetch_all,
        ArchiveRow,
        "SELECT id, node_id, path, quarter, '' AS summary_json, summary_hash, archived_by_name, archived_at \
         FROM points_archives WHERE path LIKE $1 ORDER BY quarter DESC, id DESC LIMIT 200",
        scope.like_pattern()
    )
    .map_err(sql_error)
}

/// One archive in scope, with its summary; whether its hash still matches.
pub async fn archive_get(
    h: &mut Handle<'_>,
    scope: &Scope,
    id: i64,
) -> Result<(ArchiveRow, bool), Error> {
    let row: Option<ArchiveRow> = q!(
        h,
        fetch_optional,
        ArchiveRow,
        "SELECT id, node_id, path, quarter, summary_json, summary_hash, archived_by_name, archived_at \
         FROM points_archives WHERE id = $1",
        id
    )
    .map_err(sql_error)?;
    let Some(row) = row.filter(|r| scope.contains(&r.path)) else {
        return Err(err!("volunteers.archive_not_found", id = id));
    };
    let intact = sha256_hex(&row.summary_json) == row.summary_hash;
    Ok((row, intact))
}
