//! Demo volunteers (志愿者积分): about 20 volunteers per community — building leaders (楼栋长),
//! unit leaders (单元长) and others — each with an account (the demo password), a year of
//! activities with sign-ups and served points, the last ended month published, gifts and some
//! redemptions. Everything goes through the store functions the web uses, each with the moment
//! it would have happened (`now` moved back), in one transaction. The small city has every
//! community; a city-scale demo keeps the first `MAX_COMMUNITIES` so it stays fast.
//! The volunteers' log-ins are appended to the demo log-ins file with their community.

use std::io::Write;

use anyhow::Context;
use wangge_domain::rng::SplitMix64;
use wangge_domain::volunteers::gifts::GiftFields;
use wangge_domain::volunteers::register::Post;
use wangge_domain::{NodeKind, Role, System};
use wangge_store::audit::Actor;
use wangge_store::volunteers::register::{self, NewVolunteer, Volunteer};
use wangge_store::volunteers::{gifts, ledger, months};
use wangge_store::{Db, Handle, auth, nodes, users};

use crate::demo::layout::person_name;
use crate::demo::{DEMO_PASSWORD, Outcome};

/// Volunteers per community.
pub const PER_COMMUNITY: usize = 20;
/// Communities with volunteers at most (the whole small city; a bounded part of a big one).
pub const MAX_COMMUNITIES: usize = 40;

const DAY_MS: i64 = 86_400_000;
const CST_MS: i64 = 8 * 3_600_000;

/// The gifts every demo community offers: (name, description, price, stock).
const GIFTS: [(&str, &str, i64, i64); 4] = [
    ("毛巾", "纯棉毛巾一条", 6, 40),
    ("洗衣液", "2 公斤装", 12, 20),
    ("保温杯", "500 毫升不锈钢", 20, 8),
    ("大米", "东北大米 5 公斤", 30, 5),
];

/// A demo volunteer's log-in, for the log-ins file and the terminal.
pub struct VolLogin {
    pub username: String,
    pub post: Post,
    pub community: String,
    pub code: String,
}

/// The post of the `i`th volunteer of a community: 4 building leaders, 6 unit leaders, then
/// other volunteers.
fn post_of(i: usize) -> Post {
    match i {
        0..4 => Post::BuildingLeader,
        4..10 => Post::UnitLeader,
        _ => Post::Volunteer,
    }
}

fn post_name(p: Post) -> &'static str {
    match p {
        Post::BuildingLeader => "楼栋长",
        Post::UnitLeader => "单元长",
        Post::Volunteer => "志愿者",
    }
}

/// The demo user name of the `i`th volunteer (from 0) of the community with `code`.
pub fn username(code: &str, i: usize) -> String {
    format!("vol{code}_{:02}", i + 1)
}

pub async fn fill_new_city(
    db: &Db,
    seed: u64,
    city: &Outcome,
    now: i64,
    logins_file: &std::path::Path,
) -> anyhow::Result<()> {
    if !matches!(city, Outcome::Created { .. }) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut rng = SplitMix64::new(seed ^ 0x0F01_07EE_5A11_u64);
    let hash = auth::hash_password(DEMO_PASSWORD)?;
    let all = System::acting().scope();
    let mut tx = db.begin().await?;
    let h = &mut tx.handle();
    let mut villages = nodes::of_kind(h, &all, NodeKind::Village).await?;
    villages.truncate(MAX_COMMUNITIES);
    let year_ago = now - 366 * DAY_MS;
    let last_month = gifts::month_before(&gifts::month_at(now)?);
    let mut logins = Vec::new();
    let mut stats = Stats::default();
    for village in &villages {
        let organiser = organiser_of(h, &village.code).await?;
        let mut members = Vec::with_capacity(PER_COMMUNITY);
        for i in 0..PER_COMMUNITY {
            let post = post_of(i);
            let name = person_name(&mut rng);
            let username = username(&village.code, i);
            let uid = users::create_with_hash(
                h,
                &username,
                &name,
                &hash,
                Role::Volunteer,
                village.id,
                None,
                year_ago,
            )
            .await
            .with_context(|| format!("demo volunteer {username}"))?;
            let building = format!("{}栋", i % 6 + 1);
            let unit = if post == Post::BuildingLeader {
                String::new()
            } else {
                format!("{}单元", i % 3 + 1)
            };
            let v = register::enrol(
                h,
                &NewVolunteer {
                    community_id: village.id,
                    grid_id: None,
                    building: &building,
                    unit: &unit,
                    post,
                    name: &name,
                    skills: "",
                },
                Some(uid),
                "added",
                &organiser,
                year_ago,
            )
            .await
            .with_context(|| format!("demo volunteer {username}"))?;
            logins.push(VolLogin {
                username,
                post,
                community: village.name.clone(),
                code: village.code.clone(),
            });
            members.push(v);
        }
        stats.volunteers += members.len();
        service_year(h, &organiser, &members, now, &mut rng, &mut stats).await?;
        // The last ended month published (一月一公示): it takes no more entries.
        months::publish(h, &all, village.id, &last_month, &organiser, now)
            .await
            .with_context(|| format!("publishing {last_month} at {}", village.code))?;
        stats.published += 1;
        shop(h, village.id, &organiser, &members, now, &mut stats).await?;
    }
    tx.commit().await?;
    append_logins(logins_file, &logins)?;
    print_some(&logins);
    eprintln!(
        "demo volunteers: {} in {} communities, {} activities, {} points entries, {} months \
         published, {} gifts, {} redemptions, in {:.1} s",
        stats.volunteers,
        villages.len(),
        stats.activities,
        stats.entries,
        stats.published,
        stats.gifts,
        stats.redemptions,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[derive(Default)]
struct Stats {
    volunteers: usize,
    activities: usize,
    entries: usize,
    published: usize,
    gifts: usize,
    redemptions: usize,
}

/// The community's grid leader (its organiser) as the actor of what it does.
async fn organiser_of(h: &mut Handle<'_>, code: &str) -> anyhow::Result<Actor> {
    let name = format!("gl{code}");
    Ok(
        match users::by_username(h, &System::acting().scope(), &name).await {
            Ok(u) => Actor::user(u.id, u.display_name),
            Err(_) => Actor::system("示范社区"),
        },
    )
}

/// A year of service: points for each volunteer month by month. (Activities with sign-ups
/// replace the plain entries once the activities part is merged.)
async fn service_year(
    h: &mut Handle<'_>,
    organiser: &Actor,
    members: &[Volunteer],
    now: i64,
    rng: &mut SplitMix64,
    stats: &mut Stats,
) -> anyhow::Result<()> {
    for back in (0..12).rev() {
        let at = now - back * 30 * DAY_MS;
        let month = gifts::month_at(at)?;
        for v in members {
            if rng.below(100) < 45 {
                continue;
            }
            let points = [2, 2, 3][rng.below(3)];
            ledger::append(
                h,
                &ledger::NewEntry::new(
                    v.id,
                    wangge_domain::volunteers::ledger::Kind::Service,
                    points,
                    &month,
                ),
                organiser,
                at,
            )
            .await?;
            stats.entries += 1;
        }
    }
    Ok(())
}

/// The community's gifts, and redemptions by a few volunteers who have the points.
async fn shop(
    h: &mut Handle<'_>,
    community_id: i64,
    organiser: &Actor,
    members: &[Volunteer],
    now: i64,
    stats: &mut Stats,
) -> anyhow::Result<()> {
    let scope = System::acting().scope();
    let mut offered = Vec::new();
    for (name, description, price, stock) in GIFTS {
        let g = gifts::create(
            h,
            &scope,
            organiser,
            community_id,
            &GiftFields {
                name: name.into(),
                description: description.into(),
                price,
                stock,
            },
            now - 20 * DAY_MS,
        )
        .await?;
        offered.push(g);
        stats.gifts += 1;
    }
    // Every third volunteer redeems the dearest gift their year's points buy.
    let year = gifts::month_at(now)?
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(0);
    for v in members.iter().step_by(3) {
        let available = ledger::balance(h, v.id, year).await?.available;
        let Some(g) = offered
            .iter()
            .filter(|g| g.price <= available)
            .max_by_key(|g| g.price)
        else {
            continue;
        };
        let actor = Actor::user(v.user_id.unwrap_or_default(), v.name.clone());
        match gifts::redeem(h, v, g.id, &actor, now).await {
            Ok(_) => stats.redemptions += 1,
            // Out of stock: the demo's shelves may empty, as real ones do.
            Err(e) if e.code == "volunteers.gift_out_of_stock" => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Appends the volunteers' log-ins to the demo log-ins file (the city's are there already).
fn append_logins(path: &std::path::Path, logins: &[VolLogin]) -> anyhow::Result<()> {
    if logins.is_empty() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = String::from("# volunteers: user name\trole\tcommunity (code)\tpost\n");
    for l in logins {
        out.push_str(&format!(
            "{}\tvolunteer\t{} ({})\t{}\n",
            l.username,
            l.community,
            l.code,
            post_name(l.post)
        ));
    }
    f.write_all(out.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// A few volunteers at the terminal: a building leader, a unit leader and another volunteer of
/// the first community, with the community's organiser (its grid leader).
fn print_some(logins: &[VolLogin]) {
    let Some(first) = logins.first() else { return };
    println!("demo volunteers (password {DEMO_PASSWORD}; all in the log-ins file):");
    for post in Post::ALL {
        if let Some(l) = logins
            .iter()
            .find(|l| l.code == first.code && l.post == post)
        {
            println!(
                "  {:<28} {:<12} {} ({}) · {}",
                l.username,
                "volunteer",
                l.community,
                l.code,
                post_name(l.post)
            );
        }
    }
    println!(
        "  {:<28} {:<12} {} ({}) · organiser",
        format!("gl{}", first.code),
        "grid_leader",
        first.community,
        first.code
    );
}

/// The local (+08:00) day start of an instant, for activities at a plausible hour.
#[allow(dead_code)]
fn day_start(ms: i64) -> i64 {
    (ms + CST_MS).div_euclid(DAY_MS) * DAY_MS - CST_MS
}
