//! 双随机 draws, inspections and findings (issue 16, parts 3 and 4) on a real database: a round
//! keeps its pools, seed and result, makes its inspections, replays, and refuses changes; an
//! empty pool writes nothing; findings are checked against the scheme and the inspected node;
//! scope hides what lies outside it, except from the inspector a round sent there.

use super::*;
use wangge_domain::assessment::draw::Params;
use wangge_domain::assessment::finding::{Evidence, Kind};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::{
    DeductionRule, Grades, Item, Pay, Satisfaction, Scheme, Veto,
};
use wangge_domain::calendar::Date;
use wangge_store::assessment::draws::{self, NewRound};
use wangge_store::assessment::inspections::{self, NewFinding, NewInspection};
use wangge_store::audit::Actor;
use wangge_store::auth::Principal;

/// A second village of township A with one grid, so that a round has someone from outside
/// each village to send.
const VIL_A2: &str = "350102001002";
const GRID_A2: &str = "350102001002001";

struct People {
    leader: i64,
    gl_a: i64,
    gl_a2: i64,
    w1: i64,
    w_a2: i64,
    wb: i64,
    leader_b: i64,
}

async fn user(db: &Db, name: &str, role: Role, node: &str) -> i64 {
    let mut c = db.conn().await.unwrap();
    users::create(
        &mut c.handle(),
        &System::acting().scope(),
        &NewUser {
            username: format!("user_{name}"),
            display_name: format!("员工{name}"),
            password: "password-123".into(),
            role,
            node_code: node.into(),
            phone: None,
        },
        now_ms(),
    )
    .await
    .unwrap()
    .id
}

async fn setup(db: &Db) -> People {
    build_tree(db).await;
    {
        let mut c = db.conn().await.unwrap();
        let h = &mut c.handle();
        let all = System::acting().scope();
        for n in [
            node(VIL_A2, NodeKind::Village, Some(TWP_A)),
            grid(GRID_A2, VIL_A2, square(119.50, 26.08, 119.51, 26.09)),
        ] {
            nodes::create(h, &all, "builder", &n, MIN_OVERLAP, now_ms())
                .await
                .unwrap();
        }
    }
    People {
        leader: user(db, "leader", Role::Leader, TWP_A).await,
        gl_a: user(db, "gla", Role::GridLeader, VIL_A).await,
        gl_a2: user(db, "gla2", Role::GridLeader, VIL_A2).await,
        w1: user(db, "w1", Role::Worker, GRID_1).await,
        w_a2: user(db, "wa2", Role::Worker, GRID_A2).await,
        wb: user(db, "wb", Role::Worker, GRID_B1).await,
        leader_b: user(db, "leaderb", Role::Leader, TWP_B).await,
    }
}

async fn principal(db: &Db, id: i64) -> Principal {
    let mut c = db.conn().await.unwrap();
    auth::principal_by_id(&mut c.handle(), id)
        .await
        .unwrap()
        .unwrap()
}

fn scheme() -> Scheme {
    Scheme {
        name: "test".into(),
        total: 10000,
        basic_pct: 80,
        items: vec![Item {
            key: "basic_info".into(),
            name_zh: "基础信息".into(),
            name_en: "Basic information".into(),
            points: 2000,
            deductions: vec![DeductionRule {
                measure: "records_incomplete".into(),
                per: 10,
            }],
        }],
        vetoes: vec![Veto {
            key: "petition".into(),
            name_zh: "信访".into(),
            name_en: "Petition".into(),
        }],
        satisfaction: Satisfaction {
            survey_pct: 50,
            ratings_pct: 50,
            no_answers_pct: 80,
            min_answers: 5,
        },
        grades: Grades {
            excellent_min: 9000,
            qualified_min: 6000,
            excellent_share_pct: 20,
        },
        pay: Pay {
            unqualified_pct: 80,
            reward_cents: 0,
        },
        appeal_days: 7,
        notice_after: 2,
        not_reengage_after: 3,
    }
}

fn q3() -> Quarter {
    Quarter::parse("2026Q3").unwrap()
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

async fn hold(
    db: &Db,
    twp: &str,
    share: u32,
    per: u32,
    picked: Option<&[i64]>,
    seed: Option<&str>,
) -> Result<i64, Error> {
    let township = get(db, &System::acting().scope(), twp).await.unwrap();
    let new = NewRound {
        township: &township,
        quarter: q3(),
        title: "第三季度双随机抽查",
        params: Params {
            share_pct: share,
            per_target: per,
        },
        picked,
        today: day("2026-08-03"),
    };
    let actor = Actor::user(1, "tester");
    let mut tx = db.begin().await.unwrap();
    let r = match seed {
        Some(s) => draws::hold_with_seed(&mut tx.handle(), &actor, &new, s, now_ms()).await,
        None => draws::hold(&mut tx.handle(), &actor, &new, now_ms()).await,
    };
    if r.is_ok() {
        tx.commit().await.unwrap();
    }
    r
}

#[tokio::test]
async fn a_round_keeps_its_pools_and_replays() {
    let t = fresh().await;
    let p = setup(&t.db).await;
    // All three grids, one inspector each.
    let id = hold(&t.db, TWP_A, 100, 1, None, Some("fixed-seed"))
        .await
        .unwrap();
    let twp_a = scope_of(&t.db, TWP_A).await;
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let r = draws::get(h, &twp_a, id).await.unwrap();
    assert_eq!(r.algorithm, "sha256-fisher-yates-v1");
    assert_eq!(r.seed, "fixed-seed");
    let codes: BTreeSet<&str> = r.targets.iter().map(|t| t.code.as_str()).collect();
    assert_eq!(codes, BTreeSet::from([GRID_1, GRID_2, GRID_A2]));
    let pool: BTreeSet<i64> = r.inspectors.iter().map(|i| i.id).collect();
    // Leaders and grid leaders hold Inspect; workers do not; township B is not in the pool.
    assert_eq!(pool, BTreeSet::from([p.leader, p.gl_a, p.gl_a2]));
    assert_eq!(r.result.len(), 3);
    assert_eq!(
        r.result_hash,
        auth::sha256_hex(&serde_json::to_string(&r.result).unwrap())
    );
    assert!(draws::replay(&r));
    for d in &r.result {
        let by = d.inspectors[0];
        // Nobody inspects their own village.
        if d.code == GRID_A2 {
            assert_ne!(by, p.gl_a2);
        } else {
            assert_ne!(by, p.gl_a);
        }
    }
    // One inspection per drawn target, kind random, with the first drawn inspector.
    let made = inspections::of_round(h, id).await.unwrap();
    assert_eq!(made.len(), 3);
    for i in &made {
        assert_eq!(i.kind, "random");
        assert_eq!(i.quarter, "2026Q3");
        assert_eq!(i.day, "2026-08-03");
        let d = r.result.iter().find(|d| d.target_id == i.node_id).unwrap();
        assert_eq!(i.inspector_id, Some(d.inspectors[0]));
    }
    // A changed seed (or result) no longer replays.
    let mut forged = r.clone();
    forged.seed = "another".into();
    assert!(!draws::replay(&forged));
    let (checked, bad) = draws::verify_all(h).await.unwrap();
    assert_eq!((checked, bad.len()), (1, 0));
    // Outside the scope: not found, the same answer as a missing round.
    let twp_b = scope_of(&t.db, TWP_B).await;
    assert_eq!(
        draws::get(h, &twp_b, id).await.unwrap_err().code,
        "assess.draw_not_found"
    );
    assert_eq!(draws::list(h, &twp_b).await.unwrap().len(), 0);
    assert_eq!(draws::list(h, &twp_a).await.unwrap().len(), 1);
    drop(c);
    // Rounds are append-only.
    for sql in [
        "UPDATE draw_rounds SET seed = 'x'",
        "DELETE FROM draw_rounds",
    ] {
        let e = exec_sql(&t.db, sql).await.unwrap_err();
        assert!(e.contains("append-only"), "{e}");
    }
    // A round with the system's own seed: 64 hex digits, and it replays too.
    let id2 = hold(&t.db, TWP_A, 30, 2, None, None).await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let r2 = draws::get(&mut c.handle(), &twp_a, id2).await.unwrap();
    assert_eq!(r2.seed.len(), 64);
    assert!(r2.seed.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(r2.result.len(), 1);
    assert!(draws::replay(&r2));
    drop(c);
    // Someone who gets past the trigger and edits a seed is named by the re-run.
    let edit = format!("UPDATE draw_rounds SET seed = 'edited' WHERE id = {id}");
    if t.db.is_postgres() {
        exec_sql(
            &t.db,
            "ALTER TABLE draw_rounds DISABLE TRIGGER draw_rounds_no_update",
        )
        .await
        .unwrap();
    } else {
        exec_sql(&t.db, "DROP TRIGGER draw_rounds_no_update")
            .await
            .unwrap();
    }
    exec_sql(&t.db, &edit).await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let (checked, bad) = draws::verify_all(&mut c.handle()).await.unwrap();
    assert_eq!((checked, bad), (2, vec![id]));
}

/// Runs one statement outside the store; the error text when it fails.
async fn exec_sql(db: &Db, sql: &str) -> Result<u64, String> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|r| r.rows_affected()),
    }
    .map_err(|e| e.to_string())
}

#[tokio::test]
async fn bad_draws_write_nothing() {
    let t = fresh().await;
    let p = setup(&t.db).await;
    let before = (
        count(&t.db, "draw_rounds").await,
        count(&t.db, "inspections").await,
    );
    // An empty pool of inspectors.
    let e = hold(&t.db, TWP_B, 50, 1, Some(&[]), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, "assess.draw_no_inspectors");
    // Only village A's grid leader picked: grids of village A have nobody eligible.
    let e = hold(&t.db, TWP_A, 100, 1, Some(&[p.gl_a]), None)
        .await
        .unwrap_err();
    assert_eq!(e.code, "assess.draw_no_eligible");
    // A worker is no inspector; nor is someone from another township.
    for bad in [p.w1, p.leader_b] {
        let e = hold(&t.db, TWP_A, 100, 1, Some(&[bad]), None)
            .await
            .unwrap_err();
        assert_eq!(e.code, "assess.draw_inspector_unknown");
    }
    assert_eq!(
        hold(&t.db, TWP_A, 0, 1, None, None).await.unwrap_err().code,
        "assess.draw_share"
    );
    // Only a township holds a round.
    assert_eq!(
        hold(&t.db, VIL_A, 50, 1, None, None)
            .await
            .unwrap_err()
            .code,
        "assess.draw_node"
    );
    let after = (
        count(&t.db, "draw_rounds").await,
        count(&t.db, "inspections").await,
    );
    assert_eq!(before, after);
    // A picked pool: only the township leader.
    let id = hold(&t.db, TWP_A, 100, 2, Some(&[p.leader]), None)
        .await
        .unwrap();
    let mut c = t.db.conn().await.unwrap();
    let r = draws::get(&mut c.handle(), &scope_of(&t.db, TWP_A).await, id)
        .await
        .unwrap();
    assert_eq!(r.inspectors.len(), 1);
    assert!(r.result.iter().all(|d| d.inspectors == vec![p.leader]));
}

#[tokio::test]
async fn inspections_and_findings() {
    let t = fresh().await;
    let p = setup(&t.db).await;
    let leader = principal(&t.db, p.leader).await;
    let gl_a = principal(&t.db, p.gl_a).await;
    let leader_b = principal(&t.db, p.leader_b).await;
    let all = System::acting().scope();
    let vil_a = get(&t.db, &all, VIL_A).await.unwrap();
    let grid_1 = get(&t.db, &all, GRID_1).await.unwrap();

    let mut tx = t.db.begin().await.unwrap();
    let h = &mut tx.handle();
    let new = |node, kind| NewInspection {
        node,
        kind,
        day: day("2026-08-20"),
        summary: "听取汇报,查阅工作日志",
    };
    let id = inspections::create(h, &leader, &new(&vil_a, Kind::Quarterly), now_ms())
        .await
        .unwrap();
    // A self-check: a village's grid leader on their own village only.
    inspections::create(h, &gl_a, &new(&grid_1, Kind::SelfCheck), now_ms())
        .await
        .unwrap();
    assert_eq!(
        inspections::create(h, &leader, &new(&vil_a, Kind::SelfCheck), now_ms())
            .await
            .unwrap_err()
            .code,
        "assess.inspection_self_check"
    );
    // Random inspections come from rounds only; a township is not inspected this way.
    assert_eq!(
        inspections::create(h, &leader, &new(&vil_a, Kind::Random), now_ms())
            .await
            .unwrap_err()
            .code,
        "assess.inspection_kind"
    );
    // Outside the caller's scope: the node is not found.
    assert_eq!(
        inspections::create(h, &leader_b, &new(&vil_a, Kind::Phone), now_ms())
            .await
            .unwrap_err()
            .code,
        "node.not_found"
    );
    let i = inspections::get(h, &leader, id).await.unwrap();
    assert_eq!(i.quarter, "2026Q3");
    assert_eq!(
        inspections::get(h, &leader_b, id).await.unwrap_err().code,
        "assess.inspection_not_found"
    );
    let s = scheme();
    let finding = |user_id, item: &'static str, measure: &'static str, count| NewFinding {
        user_id,
        item_key: item,
        measure,
        veto: None,
        count,
        note: "入户信息不全",
        evidence: &[],
    };
    let ev = [Evidence {
        kind: "household".into(),
        id: Some(12),
        text: "门牌号缺失".into(),
    }];
    let fid = inspections::add_finding(
        h,
        &leader,
        &i,
        &s,
        &NewFinding {
            evidence: &ev,
            ..finding(p.w1, "basic_info", "records_incomplete", 3)
        },
        now_ms(),
    )
    .await
    .unwrap();
    // A veto.
    inspections::add_finding(
        h,
        &leader,
        &i,
        &s,
        &NewFinding {
            veto: Some("petition"),
            ..finding(p.w1, "", "", 1)
        },
        now_ms(),
    )
    .await
    .unwrap();
    for (f, code) in [
        (
            finding(p.w1, "nope", "records_incomplete", 1),
            "assess.finding_item",
        ),
        (
            finding(p.w1, "basic_info", "diary_short", 1),
            "assess.finding_measure",
        ),
        (
            finding(p.w1, "basic_info", "records_incomplete", 0),
            "assess.finding_count",
        ),
        (
            finding(p.w1, "basic_info", "records_incomplete", 101),
            "assess.finding_count",
        ),
        // A worker of another village or township is not one of this inspection's.
        (
            finding(p.w_a2, "basic_info", "records_incomplete", 1),
            "assess.worker_not_found",
        ),
        (
            finding(p.wb, "basic_info", "records_incomplete", 1),
            "assess.worker_not_found",
        ),
        // A grid leader is no grid worker.
        (
            finding(p.gl_a, "basic_info", "records_incomplete", 1),
            "assess.worker_not_found",
        ),
    ] {
        let e = inspections::add_finding(h, &leader, &i, &s, &f, now_ms())
            .await
            .unwrap_err();
        assert_eq!(e.code, code);
    }
    let got = inspections::findings(h, id).await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, fid);
    assert_eq!(got[0].count, 3);
    assert_eq!(got[0].quarter, "2026Q3");
    assert_eq!(got[0].path, grid_1.path);
    assert_eq!(got[0].evidence, ev.to_vec());
    assert_eq!(got[1].measure, "veto");
    assert_eq!(got[1].veto.as_deref(), Some("petition"));
    let listed = inspections::list(h, &leader, Some(q3()), Some(Kind::Quarterly))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        inspections::list(h, &leader, None, None)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        inspections::list(h, &leader, Some(q3().next()), None)
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        inspections::list(h, &leader_b, None, None)
            .await
            .unwrap()
            .len(),
        0
    );
    tx.commit().await.unwrap();
    // Audited: two inspections, two findings.
    let audited = count_where(
        &t.db,
        "audit_log",
        "action IN ('inspection', 'inspection_finding')",
    )
    .await;
    assert_eq!(audited, 4);
}

async fn count_where(db: &Db, table: &str, cond: &str) -> i64 {
    let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table} WHERE {cond}");
    match db {
        Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

#[tokio::test]
async fn a_drawn_inspector_reaches_a_grid_outside_their_scope() {
    let t = fresh().await;
    let p = setup(&t.db).await;
    // Only village A2's grid leader: sent to village A's grids.
    let id = hold(&t.db, TWP_A, 100, 1, Some(&[p.gl_a2, p.leader]), Some("s"))
        .await
        .unwrap();
    let gl_a2 = principal(&t.db, p.gl_a2).await;
    let gl_a = principal(&t.db, p.gl_a).await;
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let made = inspections::of_round(h, id).await.unwrap();
    let theirs: Vec<_> = made
        .iter()
        .filter(|i| i.inspector_id == Some(p.gl_a2))
        .collect();
    assert!(!theirs.is_empty(), "the load spreads to both people");
    for i in &theirs {
        assert!(i.node_code != GRID_A2);
        let seen = inspections::get(h, &gl_a2, i.id).await.unwrap();
        assert_eq!(seen.id, i.id);
        // The village's own grid leader sees it by scope.
        assert!(inspections::get(h, &gl_a, i.id).await.is_ok());
    }
    // The one grid in village A2 is not theirs to open (not sent, and outside scope is only
    // for what a round sent them to).
    let a2 = made.iter().find(|i| i.node_code == GRID_A2).unwrap();
    assert_eq!(a2.inspector_id, Some(p.leader));
    assert!(
        inspections::get(h, &gl_a2, a2.id).await.is_ok(),
        "their own village, in scope"
    );
    let listed = inspections::list(h, &gl_a2, None, Some(Kind::Random))
        .await
        .unwrap();
    assert_eq!(listed.len(), theirs.len() + 1);
}
