//! The demo city: the layout ([`layout`]) written through the same store functions the web
//! uses, plus staff as the seeds prescribe; then its basic information ([`basic`], people from
//! [`population`]) and its events ([`events`]). Demo generators live here, next to their users,
//! not in the domain crate, which holds rules only.

pub mod assess;
pub mod basic;
pub mod events;
pub mod layout;
mod names;
pub mod population;
pub mod volunteers;
pub mod work;

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
    /// Printed at the terminal: the named accounts and the first of each per-node role (the
    /// file of log-ins holds every account).
    pub shown: bool,
}

pub enum Outcome {
    Created {
        nodes: usize,
        grids: usize,
        users: usize,
        /// Every demo account, in the order created.
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
            logins.push(Login {
                shown: NAMED.contains(&username.as_str()) || first_of_role,
                username,
                role,
                node: n.name.clone(),
            });
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

/// Where the demo's list of log-ins goes: beside the SQLite file, or `./data` for PostgreSQL
/// (and an in-memory SQLite).
pub fn logins_path(database_url: &str) -> std::path::PathBuf {
    let dir = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .filter(|p| !p.is_empty() && !p.starts_with(":memory:"))
        .map(|p| {
            let p = p.split('?').next().unwrap_or(p);
            std::path::Path::new(p)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."))
                .to_path_buf()
        })
        .unwrap_or_else(|| std::path::PathBuf::from("data"));
    dir.join("demo-logins.txt")
}

/// The list of every demo log-in as the file holds it: the password, then one account a line.
pub fn logins_text(logins: &[Login]) -> String {
    let mut out = format!(
        "# wangge demo log-ins; the password of every account: {DEMO_PASSWORD}\n# user name\trole\tnode\n"
    );
    for l in logins {
        out.push_str(&format!(
            "{}\t{}\t{}\n",
            l.username,
            l.role.as_str(),
            l.node
        ));
    }
    out
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
        // The code as it is (its `D` upper case), so the user name reads like the code.
        NodeKind::Department => vec![(format!("dept{}", n.code), Role::DeptHandler, None)],
        NodeKind::Building | NodeKind::Unit => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logins_sit_beside_the_database() {
        let p = |u: &str| logins_path(u).to_string_lossy().into_owned();
        assert_eq!(p("sqlite://data/wangge.db"), "data/demo-logins.txt");
        assert_eq!(p("sqlite:///var/lib/w/w.db"), "/var/lib/w/demo-logins.txt");
        assert_eq!(p("sqlite://w.db"), "./demo-logins.txt");
        assert_eq!(p("sqlite::memory:"), "data/demo-logins.txt");
        assert_eq!(p("postgres://u@h:5432/db"), "data/demo-logins.txt");
    }

    #[test]
    fn the_file_lists_every_account_with_the_password() {
        let logins = [
            Login {
                username: "admin".into(),
                role: Role::Admin,
                node: "示范市".into(),
                shown: true,
            },
            Login {
                username: "dept350102000000D02".into(),
                role: Role::DeptHandler,
                node: "城管局".into(),
                shown: false,
            },
        ];
        let text = logins_text(&logins);
        assert!(text.contains(DEMO_PASSWORD));
        assert!(text.contains("admin\tadmin\t示范市\n"));
        assert!(text.contains("dept350102000000D02\tdept_handler\t城管局\n"));
    }

    #[test]
    fn a_department_user_name_carries_its_code_as_written() {
        let n = LayoutNode {
            code: "350102000000D01".into(),
            kind: NodeKind::Department,
            name: "城管局".into(),
            parent: Some(0),
            grid_kind: None,
            boundary: None,
        };
        let staff = staff_for(&n, &mut 0, &mut 0);
        assert_eq!(staff[0].0, "dept350102000000D01");
    }
}
