//! Demo events: two months of reports in a new demo city, written through the store's own event
//! functions with the demo's staff as actors, so every step is one the workflow allows and every
//! history chain verifies. They end in every state a user meets: waiting to be accepted, handled
//! at the grid, escalated to the village and assigned to a department, fed back and waiting for
//! verification, closed and rated, rejected, handled on the spot, some supervised and reminded.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, bail};
use wangge_domain::System;
use wangge_domain::event::{Action, Actor, Holder, Mark, Rules, Staff, Urgency};
use wangge_domain::rng::SplitMix64;
use wangge_domain::{NodeKind, Role, Scope, geometry};
use wangge_store::events::{self, Caller, EventCtx, ReportInput, Source};
use wangge_store::nodes::{self, Node};
use wangge_store::seal::KeyRing;
use wangge_store::territory::{self, GridRef};
use wangge_store::{Db, Handle, users};

const DAY_MS: i64 = 86_400_000;
/// How far back the first demo report lies.
const SPAN_DAYS: i64 = 60;

/// Where an event's story stops.
#[derive(Clone, Copy)]
enum Fate {
    Waiting,
    Rejected,
    InHandling,
    FeedbackGiven,
    ClosedAtGrid,
    AssignedToDepartment,
    ClosedByDepartment,
    OnTheSpot,
}

impl Fate {
    fn pick(rng: &mut SplitMix64) -> Fate {
        match rng.next_u64() % 20 {
            0..=2 => Fate::Waiting,
            3 => Fate::Rejected,
            4..=6 => Fate::InHandling,
            7..=8 => Fate::FeedbackGiven,
            9..=12 => Fate::ClosedAtGrid,
            13..=14 => Fate::AssignedToDepartment,
            15..=17 => Fate::ClosedByDepartment,
            _ => Fate::OnTheSpot,
        }
    }
}

/// The demo's people and places an event's story needs.
struct City {
    grids: Vec<(GridRef, (f64, f64))>,
    nodes: HashMap<i64, Node>,
    by_code: HashMap<String, i64>,
    /// Node code → its staff, by role.
    staff: HashMap<String, Vec<(Role, Caller)>>,
    departments: Vec<Node>,
    /// Kinds in use with their handling level.
    categories: Vec<(String, i64)>,
}

impl City {
    async fn load(h: &mut Handle<'_>, rng: &mut SplitMix64) -> anyhow::Result<City> {
        let all = System::acting().scope();
        let index = territory::locate_index(h).await?;
        let mut grids = Vec::new();
        for g in nodes::of_kind(h, &all, NodeKind::Grid).await? {
            let Some([x0, y0, x1, y1]) = g.geometry()?.as_ref().and_then(geometry::bbox) else {
                continue;
            };
            // A point the locate index puts in this grid, as a phone's location would be.
            for _ in 0..50 {
                let (lon, lat) = (
                    x0 + rng.next_f64() * (x1 - x0),
                    y0 + rng.next_f64() * (y1 - y0),
                );
                if let Some(found) = index.locate(lon, lat).filter(|f| f.code == g.code) {
                    grids.push((found.clone(), (lat, lon)));
                    break;
                }
            }
        }
        let mut nodes_by_id = HashMap::new();
        let mut by_code = HashMap::new();
        let mut departments = Vec::new();
        for kind in [
            NodeKind::City,
            NodeKind::County,
            NodeKind::Township,
            NodeKind::Village,
            NodeKind::Grid,
            NodeKind::Department,
        ] {
            for n in nodes::of_kind(h, &all, kind).await? {
                if kind == NodeKind::Department {
                    departments.push(n.clone());
                }
                by_code.insert(n.code.clone(), n.id);
                nodes_by_id.insert(n.id, n);
            }
        }
        let mut staff: HashMap<String, Vec<(Role, Caller)>> = HashMap::new();
        for u in users::list(h, &all, "", 1_000_000, 0).await? {
            let role = u.role;
            let Some(node) = by_code.get(&u.node_code).and_then(|id| nodes_by_id.get(id)) else {
                continue;
            };
            let node_kind = node.kind;
            let caller = Caller {
                actor: Actor::Staff(Staff {
                    user_id: u.id,
                    role,
                    node_kind,
                    node_code: u.node_code.clone(),
                }),
                name: u.display_name.clone(),
                scope: Scope::of_path(&node.path),
            };
            staff.entry(u.node_code).or_default().push((role, caller));
        }
        let categories = events::open_categories(h)
            .await?
            .into_iter()
            .filter(|c| c.parent_code.is_some())
            .map(|c| (c.code, c.handling_level))
            .collect();
        Ok(City {
            grids,
            nodes: nodes_by_id,
            by_code,
            staff,
            departments,
            categories,
        })
    }

    fn node(&self, code: &str) -> Option<&Node> {
        self.nodes.get(self.by_code.get(code)?)
    }

    fn parent(&self, code: &str) -> Option<&Node> {
        self.nodes.get(&self.node(code)?.parent_id?)
    }

    /// The centre operator of the township (or the level above) a node lies in.
    fn centre(&self, node: &Node) -> anyhow::Result<&Caller> {
        let mut n = node;
        while matches!(
            n.kind,
            NodeKind::Grid | NodeKind::Village | NodeKind::Department
        ) {
            n = self
                .nodes
                .get(&n.parent_id.context("a node above the village")?)
                .context("a known node")?;
        }
        self.one(&n.code, Role::Operator)
    }

    /// Who acts for a node: the grid's worker, the village's grid leader, a centre operator above.
    fn desk(&self, node: &Node) -> anyhow::Result<&Caller> {
        let role = match node.kind {
            NodeKind::Grid => Role::Worker,
            NodeKind::Village => Role::GridLeader,
            _ => Role::Operator,
        };
        self.one(&node.code, role)
    }

    fn one(&self, node: &str, role: Role) -> anyhow::Result<&Caller> {
        self.staff
            .get(node)
            .and_then(|list| list.iter().find(|(r, _)| *r == role))
            .map(|(_, c)| c)
            .with_context(|| format!("the demo has no {} at {node}", role.as_str()))
    }

    /// A department hanging off a node above the event's grid.
    fn department_above(&self, grid_path: &str, rng: &mut SplitMix64) -> Option<&Node> {
        let fitting: Vec<&Node> = self
            .departments
            .iter()
            .filter(|d| {
                self.nodes
                    .get(&d.parent_id.unwrap_or_default())
                    .is_some_and(|p| grid_path.starts_with(&p.path))
            })
            .collect();
        (!fitting.is_empty()).then(|| *rng.pick(&fitting))
    }
}

const TEXTS: &[&str] = &[
    "小区门口垃圾堆积多日无人清运",
    "路灯不亮,夜间通行不便",
    "楼道堆放杂物,存在消防隐患",
    "邻里因噪声发生争执",
    "人行道井盖破损",
    "店铺占道经营",
    "墙面张贴小广告",
    "工地夜间施工扰民",
    "雨水篦子堵塞,路面积水",
    "共享单车乱停放堵住出入口",
];

fn resident() -> Caller {
    Caller {
        actor: Actor::Reporter { user_id: None },
        name: "群众".into(),
        scope: System::acting().scope(),
    }
}

/// Writes `per_grid` events for each grid of a city the demo has just created (at most 3,000),
/// reported over the last two months and carried as far as each one's fate says.
pub async fn fill_new_city(
    db: &Db,
    keys: &KeyRing,
    seed: u64,
    per_grid: usize,
    city: &crate::demo::Outcome,
    now: i64,
) -> anyhow::Result<()> {
    if !matches!(city, crate::demo::Outcome::Created { .. }) || per_grid == 0 {
        return Ok(());
    }
    let started = Instant::now();
    let mut rng = SplitMix64::new(seed ^ 0xE7E7_5EED);
    let mut c = db.conn().await?;
    let calendar = events::load_calendar(&mut c.handle()).await?;
    let town = City::load(&mut c.handle(), &mut rng).await?;
    drop(c);
    if town.grids.is_empty() || town.categories.is_empty() {
        bail!("the demo city has no grids or no categories");
    }
    let rules = Rules::default();
    let ctx = EventCtx {
        keys,
        calendar: &calendar,
        rules: &rules,
        categories: Default::default(),
    };
    let total = (town.grids.len() * per_grid).min(3_000);
    let mut written = 0usize;
    for i in 0..total {
        let (grid, point) = town.grids[i % town.grids.len()].clone();
        let reported = now - SPAN_DAYS * DAY_MS + (i as i64 * SPAN_DAYS * DAY_MS) / total as i64;
        story(db, &ctx, &town, &grid, point, reported, now, &mut rng)
            .await
            .with_context(|| format!("demo event {i} in grid {}", grid.code))?;
        written += 1;
    }
    // Statistics for the list indexes of migration 14 (PostgreSQL plans a scope by them; a bulk
    // load leaves them stale until autovacuum comes round).
    let mut c = db.conn().await?;
    wangge_store::analysis::refresh_statistics(&mut c.handle()).await?;
    drop(c);
    println!(
        "events: {written} over the last {SPAN_DAYS} days in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One event: reported, then carried through the steps of its fate by the desk of the level it
/// routed to (the grid's worker, the village's grid leader, or a centre operator above), each
/// step a little later, none after `now`.
#[allow(clippy::too_many_arguments)]
async fn story(
    db: &Db,
    ctx: &EventCtx<'_>,
    town: &City,
    grid: &GridRef,
    (lat, lon): (f64, f64),
    reported: i64,
    now: i64,
    rng: &mut SplitMix64,
) -> anyhow::Result<()> {
    let (category, level) = rng.pick(&town.categories).clone();
    let mut fate = Fate::pick(rng);
    // Most cases older than a working week are done by now; a few are left overdue.
    let open = matches!(
        fate,
        Fate::Waiting | Fate::InHandling | Fate::FeedbackGiven | Fate::AssignedToDepartment
    );
    if open && now - reported > 6 * DAY_MS && !rng.next_u64().is_multiple_of(8) {
        fate = Fate::ClosedAtGrid;
    }
    if level > 1 && matches!(fate, Fate::OnTheSpot | Fate::ClosedAtGrid) {
        fate = Fate::ClosedByDepartment;
    }
    let worker = town.one(&grid.code, Role::Worker)?;
    let by_worker = matches!(fate, Fate::OnTheSpot) || rng.next_u64().is_multiple_of(3);
    let input = ReportInput {
        source: if by_worker {
            Source::Worker
        } else {
            Source::ResidentQr
        },
        category_code: category,
        description: rng.pick(TEXTS).to_string(),
        lat: Some(lat),
        lon: Some(lon),
        address: None,
        located_grid: Some(grid.clone()),
        chosen_grid: None,
        urgency: if rng.next_u64().is_multiple_of(10) {
            Urgency::Urgent
        } else {
            Urgency::Normal
        },
        reporter_name: None,
        reporter_phone: None,
        photos: Vec::new(),
        submission_key: None,
        handled_on_spot: matches!(fate, Fate::OnTheSpot).then(|| "已现场劝导处置".to_string()),
    };
    let someone = resident();
    let reporter = if by_worker { worker } else { &someone };
    let r = events::submit(db, ctx, reporter, input, reported).await?;
    let number = r.number;
    let owner_code = r
        .event
        .holder_path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let owner = town.node(&owner_code).context("the event's owner")?;
    let desk = town.desk(owner)?;
    // The owner's superior verifies what the owner or a department fed back.
    let above = town.parent(&owner.code).context("the owner's superior")?;
    let checker = town.desk(above)?;
    // Each step half an hour to six hours after the one before, never past now.
    let mut at = reported;
    let mut next = |rng: &mut SplitMix64| {
        at = (at + 30 * 60_000 + (rng.next_u64() % (6 * 3_600_000)) as i64).min(now);
        at
    };
    let accept = || Action::Accept {
        due_ms: None,
        urgency: None,
        note: "已受理".into(),
    };
    let feedback = |result: &str| Action::Feedback {
        result: result.into(),
        photos: Vec::new(),
    };
    let pass = || Action::Verify {
        pass: true,
        note: "经核查已处置到位".into(),
    };
    match fate {
        Fate::Waiting | Fate::OnTheSpot => {}
        Fate::Rejected => {
            let reject = Action::Reject {
                reason: "不属于受理范围,已告知群众向相关单位反映".into(),
            };
            act(db, ctx, desk, &number, reject, next(rng)).await?;
        }
        Fate::InHandling | Fate::FeedbackGiven | Fate::ClosedAtGrid => {
            act(db, ctx, desk, &number, accept(), next(rng)).await?;
            if !matches!(fate, Fate::InHandling) {
                let done = feedback("已协调处理完毕");
                act(db, ctx, desk, &number, done, next(rng)).await?;
            }
            if matches!(fate, Fate::ClosedAtGrid) {
                act(db, ctx, checker, &number, pass(), next(rng)).await?;
                rate(db, ctx, r.tracking_token.as_deref(), next(rng), rng).await?;
            }
        }
        Fate::AssignedToDepartment | Fate::ClosedByDepartment => {
            act(db, ctx, desk, &number, accept(), next(rng)).await?;
            // A grid sends it up to its village, which hands it to a department.
            let (holder, holder_desk) = if owner.kind == NodeKind::Grid {
                let up = Action::Escalate {
                    to: String::new(),
                    due_ms: None,
                    note: "超出网格处置能力,请社区协调".into(),
                };
                act(db, ctx, desk, &number, up, next(rng)).await?;
                (above, checker)
            } else {
                (owner, desk)
            };
            let Some(dept) = town.department_above(&holder.path, rng) else {
                return Ok(());
            };
            let when = next(rng);
            let assign = Action::Assign {
                to: Holder::Department {
                    code: dept.code.clone(),
                },
                due_ms: when + 5 * DAY_MS,
                note: "请职能部门按职责处置".into(),
            };
            act(db, ctx, holder_desk, &number, assign, when).await?;
            if matches!(fate, Fate::ClosedByDepartment) {
                let handler = town.one(&dept.code, Role::DeptHandler)?;
                let done = feedback("部门已处置并回复群众");
                act(db, ctx, handler, &number, done, next(rng)).await?;
                act(db, ctx, holder_desk, &number, pass(), next(rng)).await?;
                rate(db, ctx, r.tracking_token.as_deref(), next(rng), rng).await?;
            }
        }
    }
    if matches!(fate, Fate::InHandling | Fate::AssignedToDepartment)
        && rng.next_u64().is_multiple_of(3)
    {
        let supervise = Action::Supervise {
            mark: Mark::Important,
            note: "请加快处置".into(),
        };
        let centre = town.centre(owner)?;
        act(db, ctx, centre, &number, supervise, next(rng)).await?;
        // A centre reminds whoever holds the case, never itself.
        let centre_holds = matches!(fate, Fate::InHandling) && std::ptr::eq(centre, desk);
        if !centre_holds {
            let remind = Action::Remind {
                note: "请于期限内办结".into(),
            };
            act(db, ctx, centre, &number, remind, next(rng)).await?;
        }
    }
    Ok(())
}

/// One step in a transaction of its own, as the server takes it.
async fn act(
    db: &Db,
    ctx: &EventCtx<'_>,
    who: &Caller,
    number: &str,
    action: Action,
    at: i64,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    events::act(&mut tx.handle(), ctx, who, number, action, &[], at).await?;
    tx.commit().await?;
    Ok(())
}

/// Most residents rate a closed case through their private link.
async fn rate(
    db: &Db,
    ctx: &EventCtx<'_>,
    token: Option<&str>,
    at: i64,
    rng: &mut SplitMix64,
) -> anyhow::Result<()> {
    let Some(token) = token else {
        return Ok(());
    };
    if rng.next_u64().is_multiple_of(5) {
        return Ok(());
    }
    let stars = 3 + (rng.next_u64() % 3) as u8;
    let mut tx = db.begin().await?;
    let e = events::by_tracking(&mut tx.handle(), token).await?;
    let action = Action::Rate {
        stars,
        comment: if stars == 5 {
            "处理及时,满意"
        } else {
            ""
        }
        .into(),
    };
    events::apply_to(&mut tx.handle(), ctx, &resident(), &e, action, &[], at).await?;
    tx.commit().await?;
    Ok(())
}
