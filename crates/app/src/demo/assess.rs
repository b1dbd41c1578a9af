//! Demo assessment: the two last ended quarters closed for every township of the demo city, with
//! appeals (one accepted, producing a correction; one rejected; one pending), and the current
//! quarter left running.
//!
//! The close measures what exists: the workbench demo (`work.rs`) writes records from the start
//! of the last ended quarter. The staff are engaged (their accounts dated) the day before that
//! quarter, so it is judged whole and the one before not at all — except for `work::lazy`
//! workers, engaged a quarter earlier and without records until this quarter: they are
//! unqualified twice in a row, which drafts their notices of criticism. Everything goes
//! through the real functions (`close::close_quarter`, `appeals::file` and `appeals::decide`),
//! in one transaction.

use anyhow::Context;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::calendar::Date;
use wangge_domain::{NodeKind, Scope, System};
use wangge_store::assessment::appeals::{self, Decision, NewAppeal};
use wangge_store::assessment::close;
use wangge_store::audit::Actor;
use wangge_store::nodes;
use wangge_store::seal::KeyRing;
use wangge_store::{Db, Handle, on_conn};

const DAY_MS: i64 = 86_400_000;
/// China time is UTC+8.
const CST_MS: i64 = 8 * 3_600_000;
/// The subsidy per worker and quarter: 1,800 yuan.
const SUBSIDY_CENTS: i64 = 180_000;

pub async fn fill_new_city(
    db: &Db,
    keys: &KeyRing,
    _seed: u64,
    city: &crate::demo::Outcome,
    now: i64,
) -> anyhow::Result<()> {
    if !matches!(city, crate::demo::Outcome::Created { .. }) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let today = Date::from_days((now + CST_MS).div_euclid(DAY_MS)).context("the clock")?;
    let quarter = Quarter::of(today).prev();
    let office = Actor::system("示范考核");
    let all = System::acting().scope();
    let mut tx = db.begin().await?;
    let h = &mut tx.handle();
    engage(h, quarter).await?;
    let townships = nodes::of_kind(h, &all, NodeKind::Township).await?;
    let mut closed = 0;
    let mut workers = 0;
    let mut first_quarter = None;
    for q in [quarter.prev(), quarter] {
        for t in &townships {
            let c = close::close_quarter(h, keys, t, q, SUBSIDY_CENTS, &office, now)
                .await
                .with_context(|| format!("closing {q} at {}", t.code))?;
            if q != quarter {
                continue;
            }
            closed += 1;
            workers += c.workers;
            if first_quarter.is_none() && c.workers >= 3 {
                first_quarter = Some((c.quarter_id, t.path.clone()));
            }
        }
    }
    let appeals = match first_quarter {
        Some((qid, path)) => appeal(h, qid, &path, now).await?,
        None => 0,
    };
    tx.commit().await?;
    eprintln!(
        "demo assessment: {quarter} closed at {closed} townships for {workers} workers, \
         {appeals} appeals, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Dates the workers' accounts (see the module's comment): the day before `quarter`, or the
/// day before the quarter before it for the lazy ones.
async fn engage(h: &mut Handle<'_>, quarter: Quarter) -> anyhow::Result<()> {
    let eve = |q: Quarter| (q.start().days() - 1) * DAY_MS - CST_MS + 9 * 3_600_000;
    let ids: Vec<i64> = on_conn!(&mut *h, c => sqlx::query_scalar::<_, i64>(
        "SELECT u.id FROM users u JOIN nodes n ON n.id = u.node_id \
         WHERE u.role = 'worker' AND n.kind = 'grid' ORDER BY u.id LIMIT $1"
    ).bind(crate::demo::work::MAX_WORKERS as i64).fetch_all(&mut **c).await)?;
    on_conn!(&mut *h, c => sqlx::query("UPDATE users SET created_at = $1 WHERE role = 'worker'")
        .bind(eve(quarter)).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    for (i, id) in ids.into_iter().enumerate() {
        if crate::demo::work::lazy(i) {
            on_conn!(&mut *h, c => sqlx::query("UPDATE users SET created_at = $1 WHERE id = $2")
                .bind(eve(quarter.prev())).bind(id).execute(&mut **c).await.map(|r| r.rows_affected()))?;
        }
    }
    Ok(())
}

/// Three workers of a closed quarter appeal a deduction each: the township accepts the first
/// (the deduction removed: a correction row), rejects the second, leaves the third pending.
async fn appeal(
    h: &mut Handle<'_>,
    quarter_id: i64,
    township_path: &str,
    now: i64,
) -> anyhow::Result<usize> {
    let township = Scope::of_path(township_path);
    let office = Actor::system("示范乡镇考核办");
    let mut filed = Vec::new();
    for r in close::in_force(h, quarter_id).await? {
        if filed.len() == 3 {
            break;
        }
        let Some(sheet) = r.sheet() else { continue };
        let Some((item, measure)) = sheet.items.iter().find_map(|i| {
            i.deductions
                .iter()
                .find(|d| d.count > 0)
                .map(|d| (i.key.clone(), d.measure.clone()))
        }) else {
            continue;
        };
        let worker = Actor::user(r.user_id, r.user_name.clone());
        let a = appeals::file(
            h,
            &Scope::of_path(&r.path),
            &worker,
            r.user_id,
            &NewAppeal {
                result_id: r.id,
                item_key: &item,
                measure: &measure,
                reason: "当周已走访,记录补录在工作日志中",
                evidence: &["工作日志".to_string()],
            },
            now,
        )
        .await
        .with_context(|| format!("an appeal by user {}", r.user_id))?;
        filed.push(a.id);
    }
    let decisions = [
        (Decision::Accept { count: 0 }, "核实日志属实,撤销该项扣分"),
        (Decision::Reject, "日志无对应记录,维持扣分"),
    ];
    for (id, (d, note)) in filed.iter().zip(decisions) {
        appeals::decide(h, &township, &office, *id, d, note, now + 60_000)
            .await
            .with_context(|| format!("deciding appeal {id}"))?;
    }
    Ok(filed.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::demo::layout::Scale;
    use wangge_store::assessment::reports;

    async fn scalar(db: &Db, sql: &str) -> i64 {
        let mut c = db.conn().await.unwrap();
        on_conn!(&mut c.handle(), c => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut **c).await)
        .unwrap()
    }

    /// Every township of the demo city has its last quarter closed with a spread of grades, and
    /// the three appeals: one accepted (its correction in force), one rejected, one pending.
    #[tokio::test]
    async fn the_last_quarter_is_closed_with_appeals() {
        // 2026-12-04 12:00 China time.
        let now = 1_796_356_800_000;
        let t = wangge_store::testdb::fresh().await.unwrap();
        let keys = KeyRing::from_text(&format!(
            "k1 {}",
            wangge_store::auth::random_secret().unwrap()
        ))
        .unwrap();
        let city = crate::demo::seed(&t.db, 1, Scale::Small).await.unwrap();
        // People and households, as in the browser tests' city: the lazy workers' grids have
        // people to visit, so their empty quarters find them unqualified.
        crate::demo::basic::fill_new_city(&t.db, &keys, 1, Scale::Small, Some(20), &city)
            .await
            .unwrap();
        super::super::work::fill_new_city(&t.db, 1, &city, now)
            .await
            .unwrap();
        fill_new_city(&t.db, &keys, 1, &city, now).await.unwrap();
        let townships = scalar(&t.db, "SELECT COUNT(*) FROM nodes WHERE kind = 'township'").await;
        let closed = scalar(
            &t.db,
            "SELECT COUNT(*) FROM assess_quarters WHERE quarter = '2026Q3'",
        )
        .await;
        assert_eq!(closed, townships);
        // One appeal of each outcome.
        let mut by_status = Vec::new();
        for status in ["accepted", "rejected", "pending"] {
            let sql = format!("SELECT COUNT(*) FROM assess_appeals WHERE status = '{status}'");
            by_status.push(scalar(&t.db, &sql).await);
        }
        assert_eq!(by_status, [1, 1, 1]);
        // A spread: the quarter before has every grade, the last more than one; the lazy
        // workers are unqualified twice in a row, and their notices are drafted.
        for (q, least) in [("2026Q2", 3), ("2026Q3", 2)] {
            let sql =
                format!("SELECT COUNT(DISTINCT grade) FROM assess_results WHERE quarter = '{q}'");
            assert!(scalar(&t.db, &sql).await >= least, "{q}");
        }
        let twice = scalar(
            &t.db,
            "SELECT COUNT(*) FROM assess_results WHERE quarter = '2026Q3' AND unqualified_streak = 2",
        )
        .await;
        assert!(twice > 0);
        assert_eq!(
            scalar(
                &t.db,
                "SELECT COUNT(*) FROM criticism_notices WHERE cause = 'assessment_unqualified'"
            )
            .await,
            twice
        );
        let corrections = scalar(
            &t.db,
            "SELECT COUNT(*) FROM assess_results WHERE kind = 'correction'",
        )
        .await;
        assert_eq!(corrections > 0, by_status[0] == 1);
        // One closed row per worker of the city and quarter.
        let workers = scalar(
            &t.db,
            "SELECT COUNT(*) FROM users WHERE role = 'worker' AND active",
        )
        .await;
        assert_eq!(
            scalar(
                &t.db,
                "SELECT COUNT(*) FROM assess_results WHERE kind = 'close'"
            )
            .await,
            2 * workers
        );
        // The city's comparison reads every township closed.
        let mut c = t.db.conn().await.unwrap();
        let root: String = on_conn!(&mut c.handle(), c => sqlx::query_scalar::<_, String>(
            "SELECT path FROM nodes WHERE kind = 'city'").fetch_one(&mut **c).await)
        .unwrap();
        let lines = reports::compare(&mut c.handle(), &root, Quarter::parse("2026Q3").unwrap())
            .await
            .unwrap();
        assert!(lines.iter().all(|l| l.closed));
    }
}
