//! Demo workbench records: the grid workers' work from the start of the last ended quarter (at
//! least two months) to today, so that every light and list of the workbench shows something
//! and the demo's closed quarter (`assess.rs`) is judged on records. Visits (most households once a month in the
//! 1st–15th window, key persons weekly), patrols with their points and daily minutes, diary
//! entries with some comments by the village grid leader, weekly sweeps with a few findings,
//! meetings and trainings with attendance, last month's ledgers (signed, submitted or not),
//! daily log-ins with gaps, their reminders and one notice of criticism, and a few open flags.
//! Every fifth worker is short of quota, and every 25th (`lazy`) kept no records before this
//! quarter. Deterministic by the seed (times are relative to
//! `now`). Written in bulk (multi-row INSERTs and INSERT … SELECT) in one transaction; at the
//! city scale only the first workers get records, so the demo stays quick.

use std::collections::HashMap;
use std::fmt::Write as _;

use anyhow::Context;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::calendar::Date;
use wangge_domain::rng::SplitMix64;
use wangge_domain::workbench::periods;
use wangge_store::{Db, Handle, on_conn};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// China time is UTC+8.
const CST_MS: i64 = 8 * HOUR_MS;
/// Days of records at least, today included.
const DAYS: i64 = 60;
/// Workers given records (the small city has far fewer; the city scale stops here).
pub const MAX_WORKERS: usize = 400;
/// Households and key persons visited per grid.
const MAX_HOUSEHOLDS: usize = 30;
const MAX_KEY_PERSONS: usize = 3;
/// Rows per INSERT.
const CHUNK: usize = 400;

#[derive(sqlx::FromRow)]
struct Worker {
    id: i64,
    name: String,
    grid_id: i64,
    path: String,
    village_id: Option<i64>,
    min_lon: Option<f64>,
    min_lat: Option<f64>,
    max_lon: Option<f64>,
    max_lat: Option<f64>,
}

impl Worker {
    /// A point inside the grid's box, away from its edges.
    fn point(&self, rng: &mut SplitMix64) -> (f64, f64) {
        let (a, b, c, d) = (
            self.min_lon.unwrap_or(119.3),
            self.min_lat.unwrap_or(26.05),
            self.max_lon.unwrap_or(119.31),
            self.max_lat.unwrap_or(26.06),
        );
        (
            a + (c - a) * (0.3 + 0.4 * rng.next_f64()),
            b + (d - b) * (0.3 + 0.4 * rng.next_f64()),
        )
    }
}

/// Rows of one table, flushed as multi-row INSERTs. Values are made here, never typed by a
/// user: numbers, and texts quoted by `lit`.
struct Bulk {
    head: String,
    rows: Vec<String>,
}

impl Bulk {
    fn new(table: &str, columns: &str) -> Bulk {
        Bulk {
            head: format!("INSERT INTO {table} ({columns}) VALUES "),
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: String) {
        self.rows.push(row);
    }

    async fn flush(&mut self, h: &mut Handle<'_>) -> anyhow::Result<usize> {
        let n = self.rows.len();
        for chunk in self.rows.chunks(CHUNK) {
            let sql = format!("{}{}", self.head, chunk.join(", "));
            exec(h, sql).await?;
        }
        self.rows.clear();
        Ok(n)
    }
}

/// Whether the worker at this place of the list (by user id) kept no records before this
/// quarter: the demo's closed quarters find them unqualified.
pub fn lazy(wi: usize) -> bool {
    wi % 25 == 24
}

/// The workers given records, in the order `lazy` counts them.
const WORKERS_SQL: &str = "SELECT u.id, u.display_name AS name, n.id AS grid_id, n.path, n.parent_id AS village_id, \
     n.min_lon, n.min_lat, n.max_lon, n.max_lat FROM users u JOIN nodes n ON n.id = u.node_id \
     WHERE u.role = 'worker' AND n.kind = 'grid' ORDER BY u.id LIMIT $1";

async fn exec(h: &mut Handle<'_>, sql: String) -> anyhow::Result<()> {
    on_conn!(h, c => sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&mut **c).await.map(|_| ()))
        .with_context(|| format!("demo work: {}", sql.chars().take(120).collect::<String>()))?;
    Ok(())
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt(v: Option<i64>) -> String {
    v.map_or_else(|| "NULL".to_string(), |v| v.to_string())
}

/// Unix ms of `hour` (fractional) China time on `day`.
fn at(day: Date, hour: f64) -> i64 {
    day.days() * DAY_MS - CST_MS + (hour * HOUR_MS as f64) as i64
}

const SEEN: &[&str] = &[
    "家中老人身体尚可,屋内整洁",
    "住户反映楼道灯不亮",
    "家中无人,邻居说外出务工",
    "房屋有渗水,需要维修",
    "一家人正常生活,无异常",
];
const DISCUSSED: &[&str] = &[
    "了解近期生活情况和诉求",
    "宣传防诈骗知识",
    "商量楼道卫生安排",
    "讲解医保缴费政策",
];
const DONE: &[&str] = &[
    "登记诉求,转社区处理",
    "当场帮助联系物业",
    "发放宣传资料",
    "无需处理",
];
const REPLY: &[&str] = &["已告知办理进度", "下周再来回访", "已答复住户"];
const EVAL: &[&str] = &["满意", "满意", "基本满意", "满意"];
const DIARY: &[&str] = &[
    "今天走访了辖区内几户独居老人,身体情况稳定,提醒注意防寒保暖。",
    "巡查中发现小区门口电动车乱停放,已与物业沟通整改。",
    "接到住户反映邻里噪音纠纷,上门调解,双方达成谅解。",
    "协助社区开展防诈骗宣传,发放资料三十余份。",
    "对出租房进行排查,更新了两户流动人口信息。",
    "雨后检查低洼地段,未发现积水和安全隐患。",
];
const DIARY_TAGS: &[&str] = &["独居老人", "安全隐患", "矛盾纠纷", "流动人口", "宣传", ""];
const COMMENTS: &[&str] = &[
    "已阅,工作扎实,继续保持。",
    "已阅。纠纷要跟踪回访,防止反复。",
    "已阅,隐患处要拍照留档。",
];

/// Fills the workbench of a new demo city; leaves an existing one alone.
pub async fn fill_new_city(
    db: &Db,
    seed: u64,
    city: &crate::demo::Outcome,
    now: i64,
) -> anyhow::Result<()> {
    if !matches!(city, crate::demo::Outcome::Created { .. }) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut rng = SplitMix64::new(seed ^ 0x3011_D1A7);
    let today = Date::from_days((now + CST_MS).div_euclid(DAY_MS)).context("the clock")?;
    let this_quarter = Quarter::of(today).start();
    let first = today
        .add_days(-(DAYS - 1))
        .context("the clock")?
        .min(Quarter::of(today).prev().start());
    let days = today.days() - first.days() + 1;
    let mut tx = db.begin().await?;
    let h = &mut tx.handle();

    let workers: Vec<Worker> = on_conn!(&mut *h, c => sqlx::query_as::<_, Worker>(WORKERS_SQL)
        .bind(MAX_WORKERS as i64).fetch_all(&mut **c).await)?;
    if workers.is_empty() {
        return Ok(());
    }
    let grids: Vec<String> = workers.iter().map(|w| w.grid_id.to_string()).collect();
    let in_grids = grids.join(", ");
    let households: Vec<(i64, i64)> = on_conn!(&mut *h, c => sqlx::query_as::<_, (i64, i64)>(
        sqlx::AssertSqlSafe(format!("SELECT grid_id, id FROM households WHERE grid_id IN ({in_grids}) ORDER BY id"))
    ).fetch_all(&mut **c).await)?;
    let key_people: Vec<(i64, i64, Option<i64>)> = on_conn!(&mut *h, c => sqlx::query_as::<_, (i64, i64, Option<i64>)>(
        sqlx::AssertSqlSafe(format!(
            "SELECT p.grid_id, p.id, p.household_id FROM people p WHERE p.grid_id IN ({in_grids}) \
             AND EXISTS (SELECT 1 FROM person_tags t WHERE t.person_id = p.id AND t.until IS NULL) ORDER BY p.id"
        ))
    ).fetch_all(&mut **c).await)?;
    let mut by_grid: HashMap<i64, Vec<i64>> = HashMap::new();
    for (g, id) in households {
        let v = by_grid.entry(g).or_default();
        if v.len() < MAX_HOUSEHOLDS {
            v.push(id);
        }
    }
    let mut keys_by_grid: HashMap<i64, Vec<(i64, Option<i64>)>> = HashMap::new();
    for (g, id, hh) in key_people {
        let v = keys_by_grid.entry(g).or_default();
        if v.len() < MAX_KEY_PERSONS {
            v.push((id, hh));
        }
    }

    let mut visits = Bulk::new(
        "visits",
        "worker_id, worker_name, grid_id, path, target_kind, target_id, household_id, duty, seen, discussed, \
         done, reply, evaluation, lon, lat, at, day, received_at, client_key, content_hash",
    );
    let mut patrols = Bulk::new(
        "patrols",
        "worker_id, grid_id, path, started_at, ended_at, day, client_key",
    );
    let mut patrol_days = Bulk::new(
        "patrol_days",
        "worker_id, day, grid_id, path, seconds_inside",
    );
    let mut diary = Bulk::new(
        "diary_entries",
        "worker_id, worker_name, grid_id, path, day, body, tags, lon, lat, at, received_at, client_key, content_hash",
    );
    let mut sweeps = Bulk::new(
        "sweeps",
        "worker_id, grid_id, path, week, items_json, findings, submitted_at",
    );
    let mut logins = Bulk::new("login_days", "user_id, day, first_at");
    let mut reminders = Bulk::new(
        "login_reminders",
        "user_id, path, day, month, created_at, read_at",
    );
    let mut ledgers = Bulk::new(
        "ledgers",
        "worker_id, worker_name, grid_id, path, month, summary_json, worker_note, status, submitted_at, \
         signed_by, signed_by_name, signed_at, sign_note, created_at",
    );
    let leaders: HashMap<i64, (i64, String)> =
        on_conn!(&mut *h, c => sqlx::query_as::<_, (i64, i64, String)>(
        "SELECT node_id, id, display_name FROM users WHERE role = 'grid_leader' ORDER BY id"
    ).fetch_all(&mut **c).await)?
        .into_iter()
        .map(|(n, id, name)| (n, (id, name)))
        .collect();
    let this_month = Date::new(today.year(), today.month(), 1).context("month")?;
    let last_month = this_month
        .add_days(-1)
        .and_then(|d| Date::new(d.year(), d.month(), 1))
        .context("month")?;
    let last_key = format!("{:04}-{:02}", last_month.year(), last_month.month());
    let mut missed_last_month: Vec<(usize, i64)> = Vec::new();

    let mut months = vec![Date::new(first.year(), first.month(), 1).context("month")?];
    while let Some(m) = months.last().copied().filter(|m| *m < this_month) {
        months.push(periods::month_end(m).add_days(1).context("month")?);
    }
    for (wi, w) in workers.iter().enumerate() {
        let short = wi % 5 == 4;
        // A lazy worker's records begin with this quarter.
        let first = if lazy(wi) {
            first.max(this_quarter)
        } else {
            first
        };
        let mut n = 0usize;
        let mut counts = [0i64; 4]; // last month's visits, diaries, sweeps, patrol hours
        // Households: once a month, on a day of the 1st–15th window up to today.
        for &month in months.iter().filter(|m| periods::month_end(**m) >= first) {
            for &hh in by_grid.get(&w.grid_id).into_iter().flatten() {
                if (short && rng.below(10) < 4) || rng.below(20) == 0 {
                    continue;
                }
                let last_day = if month == this_month {
                    today.day().min(15)
                } else {
                    15
                };
                let day = Date::new(
                    month.year(),
                    month.month(),
                    1 + rng.below(last_day as usize) as u32,
                )
                .context("day")?;
                if (day == today && rng.below(2) == 0) || day < first {
                    continue;
                }
                if month == last_month {
                    counts[0] += 1;
                }
                n += 1;
                push_visit(
                    &mut visits,
                    &mut rng,
                    w,
                    day,
                    "household",
                    hh,
                    Some(hh),
                    None,
                    n,
                );
            }
        }
        // Key persons: weekly, on a weekday of each week.
        for (pid, hh) in keys_by_grid.get(&w.grid_id).into_iter().flatten() {
            let mut monday = wangge_domain::workbench::periods::week_start(first);
            while monday <= today {
                let day = monday.add_days(rng.below(5) as i64).context("day")?;
                let skip = (short && rng.below(2) == 0) || day > today || day < first;
                if !skip {
                    n += 1;
                    push_visit(
                        &mut visits,
                        &mut rng,
                        w,
                        day,
                        "person",
                        *pid,
                        *hh,
                        Some("weekly"),
                        n,
                    );
                }
                monday = monday.add_days(7).context("day")?;
            }
        }
        // Days: patrols, log-ins, diaries.
        for d in 0..days {
            let day = first.add_days(d).context("day")?;
            if day > today {
                break;
            }
            let is_today = day == today;
            let weekend = day.weekday().is_weekend();
            // Log-in: nearly every day, fewer for the short workers; today is left to the
            // worker's own first request.
            let missed = !is_today && rng.below(100) < if short { 12 } else { 3 };
            if missed {
                reminders.push(format!(
                    "({}, {}, {}, {}, {}, {})",
                    w.id,
                    lit(&w.path),
                    lit(&day.to_string()),
                    lit(&format!("{:04}-{:02}", day.year(), day.month())),
                    at(day, 33.0),
                    if rng.below(2) == 0 {
                        (at(day, 35.0)).to_string()
                    } else {
                        "NULL".to_string()
                    }
                ));
                if day >= last_month && day < this_month {
                    match missed_last_month.iter_mut().find(|(i, _)| *i == wi) {
                        Some(m) => m.1 += 1,
                        None => missed_last_month.push((wi, 1)),
                    }
                }
            } else if !is_today {
                logins.push(format!(
                    "({}, {}, {})",
                    w.id,
                    lit(&day.to_string()),
                    at(day, 7.5 + rng.next_f64() * 2.0)
                ));
            }
            // Patrol: most working days, two to four hours; none yet today.
            let rest = (weekend && rng.below(3) > 0) || (short && rng.below(3) == 0);
            if !(is_today || missed || rest) {
                let start = at(day, 8.5 + rng.next_f64());
                let secs = 5_400 + rng.below(9_000) as i64;
                if day >= last_month && day < this_month {
                    counts[3] += secs / 3600;
                }
                patrols.push(format!(
                    "({}, {}, {}, {}, {}, {}, {})",
                    w.id,
                    w.grid_id,
                    lit(&w.path),
                    start,
                    start + secs * 1000,
                    lit(&day.to_string()),
                    lit(&format!("demo-p-{}-{d}", w.id))
                ));
                patrol_days.push(format!(
                    "({}, {}, {}, {}, {})",
                    w.id,
                    lit(&day.to_string()),
                    w.grid_id,
                    lit(&w.path),
                    secs
                ));
            }
            // Diary: two or three a week, fewer for the short workers.
            let every = if short { 5 } else { 3 };
            if !is_today && (d + wi as i64) % every == 0 {
                let (lon, lat) = w.point(&mut rng);
                let t = at(day, 18.0 + rng.next_f64() * 3.0);
                if day >= last_month && day < this_month {
                    counts[1] += 1;
                }
                let tags = *rng.pick(DIARY_TAGS);
                diary.push(format!(
                    "({}, {}, {}, {}, {}, {}, {}, {lon:.6}, {lat:.6}, {t}, {}, {}, 'demo')",
                    w.id,
                    lit(&w.name),
                    w.grid_id,
                    lit(&w.path),
                    lit(&day.to_string()),
                    lit(rng.pick::<&str>(DIARY)),
                    lit(tags),
                    t + 60_000,
                    lit(&format!("demo-d-{}-{d}", w.id))
                ));
            }
            // Sweep: on the Friday of each past week (this week's is still due).
            if day.weekday() == wangge_domain::calendar::Weekday::Friday
                && day < wangge_domain::workbench::periods::week_start(today)
                && !(short && rng.below(2) == 0)
            {
                let finding = rng.below(6) == 0;
                if day >= last_month && day < this_month {
                    counts[2] += 1;
                }
                sweeps.push(format!(
                    "({}, {}, {}, {}, {}, {}, {})",
                    w.id,
                    w.grid_id,
                    lit(&w.path),
                    lit(&wangge_domain::workbench::periods::week_start(day).to_string()),
                    lit(&sweep_items(finding)),
                    i64::from(finding),
                    at(day, 17.0)
                ));
            }
        }
        // Last month's ledger: signed for most, submitted for some, a draft for the short ones.
        let leader = w.village_id.and_then(|v| leaders.get(&v));
        let summary = format!(
            "{{\"visits\":{},\"diaries\":{},\"sweeps\":{},\"patrol_hours\":{}}}",
            counts[0], counts[1], counts[2], counts[3]
        );
        let submitted = at(this_month.add_days(9).context("day")?, 10.0).min(now);
        let (status, sub, signed) = match (short, wi % 3, leader) {
            (true, _, _) => ("draft", None, None),
            (false, 0, _) | (false, _, None) => ("submitted", Some(submitted), None),
            (false, _, Some(l)) => ("signed", Some(submitted), Some(l)),
        };
        ledgers.push(format!(
            "({}, {}, {}, {}, {}, {}, '', {}, {}, {}, {}, {}, {}, {})",
            w.id,
            lit(&w.name),
            w.grid_id,
            lit(&w.path),
            lit(&last_key),
            lit(&summary),
            lit(status),
            opt(sub),
            opt(signed.map(|l| l.0)),
            signed.map_or("NULL".to_string(), |l| lit(&l.1)),
            opt(signed.map(|_| submitted + HOUR_MS)),
            lit(if signed.is_some() { "同意" } else { "" }),
            at(this_month, 9.0)
        ));
    }

    let mut written = 0usize;
    for b in [
        &mut visits,
        &mut patrols,
        &mut patrol_days,
        &mut diary,
        &mut sweeps,
        &mut logins,
        &mut reminders,
        &mut ledgers,
    ] {
        written += b.flush(h).await?;
    }
    // Each patrol's check-in and check-out positions, in the middle of its grid.
    for (col, off) in [("started_at", "'-in'"), ("ended_at", "'-out'")] {
        exec(
            h,
            format!(
                "INSERT INTO patrol_points (patrol_id, worker_id, at, lon, lat, inside, received_at, client_key) \
                 SELECT p.id, p.worker_id, p.{col}, (n.min_lon + n.max_lon) / 2, (n.min_lat + n.max_lat) / 2, TRUE, \
                 p.{col}, p.client_key || {off} FROM patrols p JOIN nodes n ON n.id = p.grid_id \
                 WHERE p.client_key LIKE 'demo-p-%' AND n.min_lon IS NOT NULL"
            ),
        )
        .await?;
    }
    // The village grid leader comments on about a third of the diaries, the next morning.
    let mut comment_sql = String::from(
        "INSERT INTO diary_comments (entry_id, author_id, author_name, body, created_at) \
         SELECT e.id, u.id, u.display_name, CASE ",
    );
    for (i, c) in COMMENTS.iter().enumerate() {
        let _ = write!(
            comment_sql,
            "WHEN e.id % {} = {i} THEN {} ",
            COMMENTS.len(),
            lit(c)
        );
    }
    let _ = write!(
        comment_sql,
        "ELSE '已阅' END, e.received_at + {} FROM diary_entries e JOIN nodes g ON g.id = e.grid_id \
         JOIN users u ON u.node_id = g.parent_id AND u.role = 'grid_leader' \
         WHERE e.client_key LIKE 'demo-d-%' AND e.id % 3 = 0 AND e.day < {}",
        14 * HOUR_MS,
        lit(&today.add_days(-1).context("day")?.to_string())
    );
    exec(h, comment_sql).await?;
    // A few open flags with their evidence: visits made away from the grid, a late sync.
    exec(
        h,
        "INSERT INTO work_flags (record_kind, record_id, worker_id, path, reason, evidence_json, status, \
         decision_note, created_at) SELECT 'visit', v.id, v.worker_id, v.path, 'outside_grid', \
         '{\"distance_m\": 860, \"note\": \"demo\"}', 'open', '', v.received_at FROM visits v \
         WHERE v.client_key LIKE 'demo-v-%' AND v.id % 53 = 7"
            .to_string(),
    )
    .await?;
    exec(
        h,
        "INSERT INTO work_flags (record_kind, record_id, worker_id, path, reason, evidence_json, status, \
         decision_note, created_at) SELECT 'diary', e.id, e.worker_id, e.path, 'late_sync', \
         '{\"hours_late\": 80, \"allowance_hours\": 72}', 'open', '', e.received_at FROM diary_entries e \
         WHERE e.client_key LIKE 'demo-d-%' AND e.id % 41 = 5"
            .to_string(),
    )
    .await?;
    // Meetings: each village's monthly meeting on the 3rd, each township's training; every
    // worker below is invited, and attendance taken for those already held.
    let mut meetings = Bulk::new(
        "meetings",
        "node_id, path, kind, title, place, agenda, starts_at, day, report_required, created_by, created_by_name, created_at",
    );
    let villages: Vec<(i64, String, String)> = on_conn!(&mut *h, c => sqlx::query_as::<_, (i64, String, String)>(
        sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT v.id, v.path, v.kind FROM nodes v JOIN nodes g ON g.parent_id = v.id \
             WHERE g.id IN ({in_grids}) ORDER BY v.id"
        ))
    ).fetch_all(&mut **c).await)?;
    let mut townships: Vec<i64> = Vec::new();
    for (vid, path, _) in &villages {
        for month in [last_month, this_month] {
            let day = Date::new(month.year(), month.month(), 3).context("day")?;
            meetings.push(format!(
                "({vid}, {}, 'meeting', {}, '村委会会议室', '上月工作小结;本月走访和排查安排', {}, {}, TRUE, NULL, '示范数据', {})",
                lit(path),
                lit(&format!("{}月网格工作例会", month.month())),
                at(day, 9.0),
                lit(&day.to_string()),
                at(day, 8.0) - 5 * DAY_MS
            ));
        }
        let parent: Option<i64> = on_conn!(&mut *h, c => sqlx::query_scalar::<_, Option<i64>>(
            "SELECT parent_id FROM nodes WHERE id = $1"
        ).bind(*vid).fetch_one(&mut **c).await)?;
        if let Some(t) = parent.filter(|t| !townships.contains(t)) {
            townships.push(t);
        }
    }
    let training_day = today.add_days(-24).context("day")?;
    for t in &townships {
        meetings.push(format!(
            "({t}, (SELECT path FROM nodes WHERE id = {t}), 'training', '网格员业务培训', '镇综治中心', \
             '走访五步法;民情日志写法;手机离线使用', {}, {}, FALSE, NULL, '示范数据', {})",
            at(training_day, 14.5),
            lit(&training_day.to_string()),
            at(training_day, 9.0) - 7 * DAY_MS
        ));
    }
    written += meetings.flush(h).await?;
    let now_lit = now.to_string();
    exec(
        h,
        format!(
            "INSERT INTO meeting_invitees (meeting_id, user_id, attendance, report_handed, marked_by, marked_at) \
             SELECT m.id, u.id, CASE WHEN m.starts_at > {now_lit} THEN NULL \
             WHEN (u.id + m.id) % 13 = 0 THEN 'absent' WHEN (u.id + m.id) % 11 = 0 THEN 'late' \
             WHEN (u.id + m.id) % 17 = 0 THEN 'excused' WHEN (u.id + m.id) % 19 = 0 THEN 'left_early' \
             ELSE 'present' END, \
             CASE WHEN m.report_required AND m.starts_at < {now_lit} AND (u.id + m.id) % 4 <> 0 THEN TRUE ELSE FALSE END, \
             NULL, CASE WHEN m.starts_at > {now_lit} THEN NULL ELSE m.starts_at + 7200000 END \
             FROM meetings m JOIN nodes g ON g.path LIKE m.path || '%' AND g.kind = 'grid' \
             JOIN users u ON u.node_id = g.id AND u.role = 'worker' WHERE g.id IN ({in_grids})"
        ),
    )
    .await?;
    // The worker who missed most days last month: a draft notice of criticism.
    if let Some((wi, missed)) = missed_last_month.iter().max_by_key(|(_, m)| *m).copied() {
        let w = &workers[wi];
        exec(
            h,
            format!(
                "INSERT INTO criticism_notices (user_id, user_name, path, period, cause, body, status, \
                 decision_note, created_at) VALUES ({}, {}, {}, {}, 'missed_logins', {}, 'draft', '', {})",
                w.id,
                lit(&w.name),
                lit(&w.path),
                lit(&last_key),
                lit(&format!(
                    "{} 同志在 {last_key} 有 {missed} 天未登录平台,经三次提醒仍未改正,拟予通报批评。",
                    w.name
                )),
                at(this_month, 9.0)
            ),
        )
        .await?;
    }
    tx.commit().await?;
    eprintln!(
        "demo workbench: {} workers, {written} records in {:.1} s",
        workers.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn push_visit(
    b: &mut Bulk,
    rng: &mut SplitMix64,
    w: &Worker,
    day: Date,
    kind: &str,
    target: i64,
    household: Option<i64>,
    duty: Option<&str>,
    n: usize,
) {
    let (lon, lat) = w.point(rng);
    let t = at(day, 9.0 + rng.next_f64() * 8.0);
    b.push(format!(
        "({}, {}, {}, {}, {}, {target}, {}, {}, {}, {}, {}, {}, {}, {lon:.6}, {lat:.6}, {t}, {}, {}, {}, 'demo')",
        w.id,
        lit(&w.name),
        w.grid_id,
        lit(&w.path),
        lit(kind),
        opt(household),
        duty.map_or("NULL".to_string(), lit),
        lit(rng.pick::<&str>(SEEN)),
        lit(rng.pick::<&str>(DISCUSSED)),
        lit(rng.pick::<&str>(DONE)),
        lit(rng.pick::<&str>(REPLY)),
        lit(rng.pick::<&str>(EVAL)),
        lit(&day.to_string()),
        t + 120_000,
        lit(&format!("demo-v-{}-{n}", w.id))
    ));
}

/// A week's checklist: nothing found, or one finding (its event left for the worker to link).
fn sweep_items(finding: bool) -> String {
    use wangge_domain::workbench::sweep::Item;
    // The shape the sweep part writes (`workbench::sweeps`): a demo finding names no event.
    let parts: Vec<serde_json::Value> = Item::ALL
        .iter()
        .map(|item| {
            let found = finding && *item == Item::SafetyHazards;
            serde_json::json!({
                "item": item.as_str(),
                "found": found,
                "text": if found { "楼道堆放杂物,存在消防隐患" } else { "" },
                "category_code": if found { Some("AQ02") } else { None },
                "event_id": null,
                "event_number": null,
            })
        })
        .collect();
    serde_json::Value::Array(parts).to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::demo::layout::Scale;

    async fn counts(db: &Db) -> Vec<i64> {
        let mut c = db.conn().await.unwrap();
        let mut out = Vec::new();
        for t in [
            "patrols",
            "patrol_points",
            "patrol_days",
            "diary_entries",
            "diary_comments",
            "sweeps",
            "login_days",
            "login_reminders",
            "ledgers",
            "meetings",
            "meeting_invitees",
            "criticism_notices",
            "work_flags",
        ] {
            let sql = format!("SELECT COUNT(*) FROM {t}");
            let n: i64 =
                on_conn!(&mut c.handle(), c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut **c).await)
                .unwrap();
            out.push(n);
        }
        out
    }

    /// Every worker gets two months of records, the same for the same seed; the leaders'
    /// comments, the three ledger states and one draft notice are there.
    #[tokio::test]
    async fn the_same_seed_gives_the_same_work() {
        // 2026-12-04 12:00 China time.
        let now = 1_796_356_800_000;
        let mut seen = Vec::new();
        for _ in 0..2 {
            let t = wangge_store::testdb::fresh().await.unwrap();
            let city = crate::demo::seed(&t.db, 1, Scale::Small).await.unwrap();
            fill_new_city(&t.db, 1, &city, now).await.unwrap();
            seen.push(counts(&t.db).await);
            // An existing city is left alone.
            let again = crate::demo::Outcome::AlreadyPresent { nodes: 1 };
            fill_new_city(&t.db, 1, &again, now).await.unwrap();
            assert_eq!(counts(&t.db).await, seen[seen.len() - 1]);
        }
        assert_eq!(seen[0], seen[1]);
        let c = &seen[0];
        assert!(c.iter().all(|n| *n > 0), "{c:?}");
        assert_eq!(c[1], 2 * c[0], "check-in and check-out of each patrol");
        assert_eq!(c[11], 1, "one draft notice of criticism");
    }
}
