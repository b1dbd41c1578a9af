//! The demo city: the layout ([`layout`]) written through the same store functions the web
//! uses, plus staff as the seeds prescribe; then its basic information ([`basic`], people from
//! [`population`]) and its events ([`events`]). Demo generators live here, next to their users,
//! not in the domain crate, which holds rules only.

pub mod basic;
pub mod events;
pub mod layout;
mod names;
pub mod population;

use anyhow::Context;
use layout::{LayoutNode, Scale, demo_layout, person_name};
use wangge_domain::System;
use wangge_domain::rng::SplitMix64;
use wangge_domain::{NodeKind, Role};
use wangge_store::{Db, auth, nodes, now_ms, users};

/// Every demo account uses this password; the README says so.
pub const DEMO_PASSWORD: &str = "wangge2026";

pub struct Login {
    pub username: String,
    pub role: Role,
    pub node: String,
}

pub enum Outcome {
    Created {
        nodes: usize,
        grids: usize,
        users: usize,
        logins: Vec<Login>,
        /// The Open311 key of the demo city, shown once.
        open311_key: String,
    },
    AlreadyPresent {
        nodes: i64,
    },
}

fn phone(rng: &mut SplitMix64) -> String {
    let prefixes = ["138", "139", "135", "137", "150", "158", "186", "189"];
    format!("{}{:08}", rng.pick(&prefixes), rng.next_u64() % 100_000_000)
}

/// Writes the demo city into an empty database; leaves a database with a city alone.
pub async fn seed(db: &Db, seed: u64, scale: Scale) -> anyhow::Result<Outcome> {
    let mut c = db.conn().await?;
    let existing: i64 = nodes::count_by_kind(&mut c.handle(), &System::acting().scope())
        .await?
        .iter()
        .map(|(_, n)| n)
        .sum();
    drop(c);
    if existing > 0 {
        return Ok(Outcome::AlreadyPresent { nodes: existing });
    }
    let layout = demo_layout(seed, scale);
    let mut rng = SplitMix64::new(seed ^ 0x5EED_57AF);
    // One hash for every demo account keeps seeding fast; real accounts each get their own salt.
    let hash = auth::hash_password(DEMO_PASSWORD)?;
    let now = now_ms();
    let all = System::acting().scope();
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(layout.len());
    let mut logins = Vec::new();
    let mut user_count = 0usize;
    let mut township_no = 0usize;
    let mut county_no = 0usize;
    for n in &layout {
        let parent_code = n.parent.map(|i: usize| layout[i].code.clone());
        let new = nodes::NewNode {
            code: n.code.clone(),
            kind: n.kind,
            name: n.name.clone(),
            parent_code,
            grid_kind: n.grid_kind,
            boundary: n.boundary.clone(),
            phone: None,
        };
        let node = nodes::create(&mut tx.handle(), &all, "demo", &new, 1.0, now)
            .await
            .with_context(|| format!("demo node {} {}", n.code, n.name))?;
        ids.push(node.id);
        let staff = staff_for(n, &mut township_no, &mut county_no);
        for (username, role, display) in staff {
            let display = display.unwrap_or_else(|| person_name(&mut rng));
            let ph = phone(&mut rng);
            users::create_with_hash(
                &mut tx.handle(),
                &username,
                &display,
                &hash,
                role,
                node.id,
                Some(&ph),
                now,
            )
            .await
            .with_context(|| format!("demo user {username}"))?;
            user_count += 1;
            // Named accounts are printed, with the first of each per-node role, so that scope can
            // be tried at every level and across two sibling townships.
            const NAMED: [&str; 7] = [
                "admin",
                "cityleader",
                "leader",
                "countycentre",
                "operator1",
                "operator2",
                "commander1",
            ];
            let first_of_role = matches!(role, Role::GridLeader | Role::Worker | Role::DeptHandler)
                && !logins.iter().any(|l: &Login| l.role == role);
            if NAMED.contains(&username.as_str()) || first_of_role {
                logins.push(Login {
                    username,
                    role,
                    node: n.name.clone(),
                });
            }
        }
    }
    let (_, open311_key) = wangge_store::open311::create_key(&mut tx.handle(), "demo", now).await?;
    tx.commit().await?;
    let grids = layout.iter().filter(|n| n.kind == NodeKind::Grid).count();
    Ok(Outcome::Created {
        nodes: layout.len(),
        grids,
        users: user_count,
        logins,
        open311_key,
    })
}

/// The accounts a node of the demo gets: (user name, role, fixed display name or a random one).
fn staff_for(
    n: &LayoutNode,
    township_no: &mut usize,
    county_no: &mut usize,
) -> Vec<(String, Role, Option<String>)> {
    match n.kind {
        NodeKind::City => vec![
            ("admin".into(), Role::Admin, Some("系统管理员".into())),
            ("cityleader".into(), Role::Leader, None),
            ("citycentre".into(), Role::Operator, None),
        ],
        NodeKind::County => {
            *county_no += 1;
            let k = *county_no;
            let suffix = if k == 1 { String::new() } else { k.to_string() };
            vec![
                (format!("leader{suffix}"), Role::Leader, None),
                (format!("countycentre{suffix}"), Role::Operator, None),
            ]
        }
        NodeKind::Township => {
            *township_no += 1;
            let k = *township_no;
            vec![
                (format!("operator{k}"), Role::Operator, None),
                (format!("commander{k}"), Role::Commander, None),
            ]
        }
        NodeKind::Village => vec![(format!("gl{}", n.code), Role::GridLeader, None)],
        NodeKind::Grid => vec![(format!("gw{}", n.code), Role::Worker, None)],
        NodeKind::Department => vec![(
            format!("dept{}", n.code.to_lowercase()),
            Role::DeptHandler,
            None,
        )],
        NodeKind::Building | NodeKind::Unit => Vec::new(),
    }
}
