//! `wangge assess`: the rule set in force (or a shipped one), closing quarters of every
//! township under a node, and one worker's score explained (the closed result in force, or the
//! running measures when the quarter is not closed).

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::json;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::Scheme;
use wangge_domain::assessment::score;
use wangge_domain::calendar::Date;
use wangge_domain::{Error, NodeKind, Scope, System};
use wangge_store::assessment::{close, measures, rules};
use wangge_store::audit::Actor;
use wangge_store::seal::KeyRing;
use wangge_store::{Db, nodes, now_ms, users};

/// The subsidy per worker when none is given: 3,000 yuan a quarter.
pub const DEFAULT_SUBSIDY_CENTS: i64 = 300_000;

#[derive(Subcommand)]
pub enum AssessWhat {
    /// The rule set in force for the deployment's root this quarter, or a shipped set by name
    Rules {
        /// A shipped set: quarter100 or thousand
        #[arg(long)]
        set: Option<String>,
        /// Print the whole set as JSON
        #[arg(long)]
        json: bool,
    },
    /// Close a quarter for every township under a node (or that township); a line per township
    Close {
        /// The quarter, e.g. 2026Q3
        #[arg(long)]
        quarter: String,
        /// A node code: a township, or a county or city above townships
        #[arg(long)]
        under: String,
        /// The subsidy per worker, in cents [default: 300000]
        #[arg(long)]
        subsidy_cents: Option<i64>,
    },
    /// One worker's items, deductions and evidence for a quarter
    Explain {
        #[arg(long)]
        user: String,
        #[arg(long)]
        quarter: String,
        /// Print the sheet as JSON
        #[arg(long)]
        json: bool,
    },
}

fn domain(e: Error) -> anyhow::Error {
    anyhow::anyhow!("{} [{}]", e.message, e.code)
}

fn quarter_of(v: &str) -> anyhow::Result<Quarter> {
    Quarter::parse(v).with_context(|| format!("\"{v}\" is not a quarter such as 2026Q3"))
}

fn today() -> anyhow::Result<Date> {
    Date::from_days((now_ms() + 8 * 3_600_000).div_euclid(86_400_000))
        .context("the clock is out of range")
}

fn points(c: i64) -> String {
    format!("{}.{:02}", c / 100, (c % 100).abs())
}

pub async fn run(what: AssessWhat, db: &Db, keys: &KeyRing) -> anyhow::Result<()> {
    match what {
        AssessWhat::Rules { set, json } => rules_cmd(db, set.as_deref(), json).await,
        AssessWhat::Close {
            quarter,
            under,
            subsidy_cents,
        } => {
            let q = quarter_of(&quarter)?;
            close_cmd(
                db,
                keys,
                q,
                &under,
                subsidy_cents.unwrap_or(DEFAULT_SUBSIDY_CENTS),
            )
            .await
        }
        AssessWhat::Explain {
            user,
            quarter,
            json,
        } => explain_cmd(db, keys, &user, quarter_of(&quarter)?, json).await,
    }
}

async fn rules_cmd(db: &Db, set: Option<&str>, json: bool) -> anyhow::Result<()> {
    let (label, scheme) = match set {
        Some(name) => match Scheme::shipped(name) {
            Some(s) => (format!("shipped set {name}"), s),
            None => bail!(
                "no shipped set \"{name}\"; the sets are {}",
                Scheme::SHIPPED.join(", ")
            ),
        },
        None => {
            let mut c = db.conn().await.map_err(domain)?;
            let h = &mut c.handle();
            let all = System::acting().scope();
            let roots = nodes::of_kind(h, &all, NodeKind::City)
                .await
                .map_err(domain)?;
            let path = roots
                .first()
                .map(|n| n.path.clone())
                .unwrap_or_else(|| "/".into());
            let q = Quarter::of(today()?);
            let (id, s) = rules::in_force(h, &path, q).await.map_err(domain)?;
            let from = match id {
                Some(id) => format!("version #{id}"),
                None => "the shipped default".to_string(),
            };
            (format!("in force at {path} for {q}: {from}"), s)
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&scheme)?);
        return Ok(());
    }
    println!("{label}");
    println!(
        "{}: total {} points, basic {}%, satisfaction {}%",
        scheme.name,
        points(scheme.total),
        scheme.basic_pct,
        100 - scheme.basic_pct.min(100)
    );
    for i in &scheme.items {
        let rules: Vec<String> = i
            .deductions
            .iter()
            .map(|d| format!("{} -{}", d.measure, points(d.per)))
            .collect();
        println!(
            "  {} {} {}: {}",
            i.key,
            i.name_zh,
            points(i.points),
            rules.join(", ")
        );
    }
    for v in &scheme.vetoes {
        println!("  veto {} {}", v.key, v.name_zh);
    }
    println!(
        "grades: excellent >= {}, qualified >= {}, excellent at most {}% of a township",
        points(scheme.grades.excellent_min),
        points(scheme.grades.qualified_min),
        scheme.grades.excellent_share_pct
    );
    Ok(())
}

async fn close_cmd(
    db: &Db,
    keys: &KeyRing,
    quarter: Quarter,
    under: &str,
    subsidy_cents: i64,
) -> anyhow::Result<()> {
    let all = System::acting().scope();
    let townships = {
        let mut c = db.conn().await.map_err(domain)?;
        let h = &mut c.handle();
        let node = nodes::by_code(h, &all, under.trim())
            .await
            .map_err(domain)?;
        if node.kind == NodeKind::Township {
            vec![node]
        } else {
            nodes::of_kind(h, &Scope::of_path(&node.path), NodeKind::Township)
                .await
                .map_err(domain)?
        }
    };
    if townships.is_empty() {
        bail!("no township under {under}");
    }
    let actor = Actor::system("cli");
    let mut failed = 0;
    for t in &townships {
        // One transaction per township: one that cannot close leaves the others closed.
        let mut tx = db.begin().await.map_err(domain)?;
        match close::close_quarter(
            &mut tx.handle(),
            keys,
            t,
            quarter,
            subsidy_cents,
            &actor,
            now_ms(),
        )
        .await
        {
            Ok(c) => {
                tx.commit().await.map_err(domain)?;
                println!(
                    "{} {}: closed {}: {} workers, {} excellent, {} unqualified, reward pool {} yuan, {} notices drafted",
                    t.code,
                    t.name,
                    c.quarter,
                    c.workers,
                    c.excellent,
                    c.unqualified,
                    points(c.reward_pool_cents),
                    c.notices
                );
            }
            Err(e) => {
                failed += 1;
                println!(
                    "{} {}: not closed: {} [{}]",
                    t.code, t.name, e.message, e.code
                );
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} townships not closed", townships.len());
    }
    Ok(())
}

async fn explain_cmd(
    db: &Db,
    keys: &KeyRing,
    username: &str,
    quarter: Quarter,
    json: bool,
) -> anyhow::Result<()> {
    let all = System::acting().scope();
    let mut c = db.conn().await.map_err(domain)?;
    let h = &mut c.handle();
    let u = users::by_username(h, &all, username.trim())
        .await
        .map_err(domain)?;
    let out = match close::in_force_of(h, u.id, quarter).await.map_err(domain)? {
        Some(r) => json!({
            "user": u.username, "name": u.display_name, "quarter": quarter,
            "state": "closed", "result_id": r.id, "kind": r.kind, "grade": r.grade,
            "rank": r.rank, "pay_cents": r.pay_cents, "reason": r.reason,
            "sheet": serde_json::from_str::<serde_json::Value>(&r.sheet_json)?,
        }),
        None => {
            let node = nodes::by_id(h, &all, u.node_id).await.map_err(domain)?;
            let (_, scheme) = rules::in_force(h, &node.path, quarter)
                .await
                .map_err(domain)?;
            let day = today()?.min(quarter.end().add_days(1).unwrap_or(quarter.end()));
            let m = measures::collect_one(h, keys, u.id, quarter, day)
                .await
                .map_err(domain)?;
            json!({
                "user": u.username, "name": u.display_name, "quarter": quarter,
                "state": "running", "as_of": day.to_string(),
                "sheet": score::score(&scheme, &m),
            })
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{} {} {}: {}",
        u.username,
        u.display_name,
        quarter,
        out["state"].as_str().unwrap_or("")
    );
    let sheet: score::Sheet = serde_json::from_value(out["sheet"].clone())?;
    for i in &sheet.items {
        println!(
            "  {} {}: {} of {}",
            i.key,
            i.name_zh,
            points(i.score),
            points(i.points)
        );
        for d in i.deductions.iter().filter(|d| d.count > 0) {
            println!(
                "    {} x{} -{} ({} pieces of evidence)",
                d.measure,
                d.count,
                points(d.lost),
                d.evidence.len()
            );
        }
    }
    println!(
        "  basic {} + satisfaction {} = {} (on 100: {}){}",
        points(sheet.basic),
        points(sheet.satisfaction),
        points(sheet.total),
        points(sheet.total_100),
        sheet
            .veto
            .map(|v| format!(", veto {v}"))
            .unwrap_or_default()
    );
    Ok(())
}
