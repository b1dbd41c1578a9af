//! `wangge verify`: walks every hash chain the database keeps — each event's history, the
//! audit log and each closed quarter's assessment results, each community's points ledger — and names the table and row of each
//! break. (The change history of basic records is append-only by trigger but not chained, so
//! there is nothing to recompute there.) It also re-runs every 双随机 draw from its kept pools
//! and seed and names each that differs.

use wangge_store::assessment::{close, draws};
use wangge_store::{Db, audit, events, volunteers};

/// What a run found: one line per break, one summary line per chain.
#[derive(Debug, Default)]
pub struct Report {
    pub breaks: Vec<String>,
    pub summary: Vec<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.breaks.is_empty()
    }
}

pub async fn check(db: &Db) -> anyhow::Result<Report> {
    let mut c = db.conn().await?;
    let mut r = Report::default();
    let (steps, breaks) = events::verify_history(&mut c.handle()).await?;
    for b in &breaks {
        r.breaks.push(format!(
            "event_history: event {} step {}: {}",
            b.event, b.seq, b.reason
        ));
    }
    r.summary.push(if breaks.is_empty() {
        format!("event history: {steps} steps checked, every chain intact")
    } else {
        format!(
            "event history: {steps} steps checked, {} breaks",
            breaks.len()
        )
    });
    let (rows, breaks) = audit::verify(&mut c.handle()).await?;
    for b in &breaks {
        r.breaks
            .push(format!("audit_log: row {}: {}", b.id, b.reason));
    }
    r.summary.push(if breaks.is_empty() {
        format!("audit log: {rows} rows checked, the chain is intact")
    } else {
        format!("audit log: {rows} rows checked, {} breaks", breaks.len())
    });
    let (rows, breaks) = close::verify(&mut c.handle()).await?;
    for b in &breaks {
        r.breaks.push(format!(
            "assess_results: quarter {} row {}: {}",
            b.quarter_id, b.id, b.reason
        ));
    }
    r.summary.push(if breaks.is_empty() {
        format!("assessment results: {rows} rows checked, every quarter's chain intact")
    } else {
        format!(
            "assessment results: {rows} rows checked, {} breaks",
            breaks.len()
        )
    });
    let (rows, breaks) = volunteers::ledger::verify(&mut c.handle()).await?;
    for b in &breaks {
        r.breaks.push(format!(
            "points_ledger: community {} entry {}: {}",
            b.community_id, b.seq, b.reason
        ));
    }
    r.summary.push(if breaks.is_empty() {
        format!(
            "volunteer points: {rows} entries checked, every community's chain and total intact"
        )
    } else {
        format!(
            "volunteer points: {rows} entries checked, {} breaks",
            breaks.len()
        )
    });
    let (rounds, bad) = draws::verify_all(&mut c.handle()).await?;
    for id in &bad {
        r.breaks.push(format!(
            "draw_rounds: round {id}: re-running the draw gives another result"
        ));
    }
    r.summary.push(if bad.is_empty() {
        format!("draws: {rounds} rounds re-run, every result the same")
    } else {
        format!("draws: {rounds} rounds re-run, {} differ", bad.len())
    });
    Ok(r)
}

/// Prints the report; `false` when anything is broken (the command then exits 1).
pub async fn run(db: &Db) -> anyhow::Result<bool> {
    let r = check(db).await?;
    for b in &r.breaks {
        println!("{b}");
    }
    for s in &r.summary {
        println!("{s}");
    }
    Ok(r.is_clean())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use wangge_store::audit::{Actor, Entry};
    use wangge_store::{Handle, now_ms, testdb};

    use super::*;

    async fn exec(db: &Db, sql: &str) {
        let mut c = db.conn().await.unwrap();
        match &mut c.handle() {
            Handle::Sqlite(c) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&mut **c)
                    .await
                    .unwrap();
            }
            Handle::Postgres(c) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
                    .execute(&mut **c)
                    .await
                    .unwrap();
            }
        }
    }

    #[tokio::test]
    async fn an_edited_audit_row_is_named() {
        let t = testdb::fresh().await.unwrap();
        let actor = Actor::system("test");
        for reason in ["first look", "second look", "third look"] {
            let mut tx = t.db.begin().await.unwrap();
            audit::append(
                &mut tx.handle(),
                &Entry {
                    actor: &actor,
                    action: "reveal",
                    subject_table: "people",
                    subject_id: Some(1),
                    column_name: Some("id_number"),
                    reason,
                    detail: "",
                },
                now_ms(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let r = check(&t.db).await.unwrap();
        assert!(r.is_clean(), "{r:?}");
        assert!(r.summary.iter().any(|s| s.contains("3 rows checked")));

        let edit = "UPDATE audit_log SET reason = 'nothing to see' WHERE id = (SELECT MIN(id) + 1 FROM audit_log)";
        if t.db.is_postgres() {
            exec(
                &t.db,
                &format!(
                    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; {edit}; \
                     ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"
                ),
            )
            .await;
        } else {
            exec(&t.db, &format!("DROP TRIGGER audit_log_no_update; {edit}")).await;
        }
        let mut c = t.db.conn().await.unwrap();
        let second: i64 = match &mut c.handle() {
            Handle::Sqlite(c) => sqlx::query_scalar("SELECT MIN(id) + 1 FROM audit_log")
                .fetch_one(&mut **c)
                .await
                .unwrap(),
            Handle::Postgres(c) => sqlx::query_scalar("SELECT MIN(id) + 1 FROM audit_log")
                .fetch_one(&mut **c)
                .await
                .unwrap(),
        };
        drop(c);
        let r = check(&t.db).await.unwrap();
        assert!(!r.is_clean());
        assert_eq!(r.breaks.len(), 1, "{r:?}");
        assert!(
            r.breaks[0].starts_with(&format!("audit_log: row {second}: ")),
            "{r:?}"
        );
        assert!(r.summary.iter().any(|s| s.contains("1 breaks")));
    }
}
