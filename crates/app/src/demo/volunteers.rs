//! Demo volunteers (志愿者积分): about 20 volunteers per community — building leaders (楼栋长),
//! unit leaders (单元长) and others — each with an account (the demo password), a year of
//! activities with sign-ups and served points, the last ended month published, gifts and some
//! redemptions. Everything goes through the store functions the web uses, each with the moment
//! it would have happened (`now` moved back), in one transaction. The small city has every
//! community; a city-scale demo keeps the first `MAX_COMMUNITIES` so it stays fast.
//! The volunteers' log-ins are appended to the demo log-ins file with their community.

use std::io::Write;

use anyhow::Context;
use wangge_domain::calendar::Date;
use wangge_domain::deadline::{local_date, start_of_day};
use wangge_domain::rng::SplitMix64;
use wangge_domain::volunteers::catalogue::Catalogue;
use wangge_domain::volunteers::gifts::GiftFields;
use wangge_domain::volunteers::register::Post;
use wangge_domain::{NodeKind, Role, System};
use wangge_store::audit::Actor;
use wangge_store::volunteers::activities::{self, NewActivity};
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
    let last_month = wangge_store::volunteers::ledger::month_before(now)?;
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
        service_year(
            h, village.id, &organiser, &members, now, &mut rng, &mut stats,
        )
        .await?;
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

/// What the demo communities hold: (title, kind in the seed's catalogue, where).
const ACTIVITIES: [(&str, &str, &str); 8] = [
    ("楼道卫生大扫除", "cleaning", "小区各楼道"),
    ("消防安全隐患排查", "hazard_check", "小区楼栋"),
    ("夜间治安巡逻", "patrol", "小区周边"),
    ("反诈宣传进小区", "policy_publicity", "社区广场"),
    ("独居老人上门探访", "vulnerable_care", "社区"),
    ("邻里纠纷调解", "mediation", "社区调解室"),
    ("青少年课后课堂", "youth", "社区活动室"),
    ("文明创建志愿服务", "civility", "社区"),
];

/// The first day of the month `back` months before `today`'s.
fn month_start(today: Date, back: u32) -> Option<Date> {
    let months = today.year() * 12 + today.month() as i32 - 1 - back as i32;
    Date::new(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
}

/// A year of activities, month by month through the activities' own functions, each step at
/// the moment it would have happened: published a week before, signed up for (first come first
/// served, some on the waiting list), and the attendance confirmed after it (service points).
/// Two activities are left coming up, open for sign-ups.
async fn service_year(
    h: &mut Handle<'_>,
    community_id: i64,
    organiser: &Actor,
    members: &[Volunteer],
    now: i64,
    rng: &mut SplitMix64,
    stats: &mut Stats,
) -> anyhow::Result<()> {
    let all = System::acting().scope();
    let catalogue = Catalogue::seed();
    let today = local_date(now).map_err(|e| anyhow::anyhow!("the clock: {e}"))?;
    for back in (0..=12u32).rev() {
        let Some(first) = month_start(today, back) else {
            continue;
        };
        for k in 0..2i64 {
            let day = first.add_days(4 + 14 * k + rng.below(5) as i64);
            let Some(day) = day else { continue };
            let starts_at = start_of_day(day) + 9 * 3_600_000;
            // Done ones are a day old at least; a later one is left to the two coming up.
            if starts_at > now - DAY_MS {
                continue;
            }
            let (title, kind, location) = ACTIVITIES[rng.below(ACTIVITIES.len())];
            let points = catalogue.kind(kind).map(|k| k.points).unwrap_or(2);
            let places = 6 + rng.below(5) as i64;
            let a = activities::create(
                h,
                &all,
                organiser,
                &NewActivity {
                    community_id,
                    title,
                    content: "请准时到场,服务结束后由社区确认服务记录。",
                    location,
                    kind,
                    points,
                    places,
                    starts_at,
                    ends_at: None,
                    approval_id: None,
                },
                starts_at - 7 * DAY_MS,
            )
            .await
            .with_context(|| format!("demo activity {title}"))?;
            stats.activities += 1;
            let mut served = Vec::new();
            let mut absent = Vec::new();
            let signing = places as usize + rng.below(4);
            for (i, v) in pick(members, signing, rng).into_iter().enumerate() {
                let s = activities::signup(
                    h,
                    &all,
                    v,
                    a.id,
                    starts_at - 5 * DAY_MS + i as i64 * 60_000,
                )
                .await?;
                if s.status == "confirmed" {
                    if rng.below(10) == 0 {
                        absent.push(v.id);
                    } else {
                        served.push(v.id);
                    }
                }
            }
            let done = activities::attendance(
                h,
                &all,
                organiser,
                a.id,
                &served,
                &absent,
                starts_at + 3 * 3_600_000,
            )
            .await?;
            stats.entries += done.entries.len();
        }
    }
    // Two coming up, a few places already taken.
    for (n, days) in [(0usize, 3i64), (1, 10)] {
        let Some(day) = today.add_days(days) else {
            continue;
        };
        let (title, kind, location) = ACTIVITIES[(n * 3 + rng.below(3)) % ACTIVITIES.len()];
        let points = catalogue.kind(kind).map(|k| k.points).unwrap_or(2);
        let a = activities::create(
            h,
            &all,
            organiser,
            &NewActivity {
                community_id,
                title,
                content: "欢迎报名,名额先到先得。",
                location,
                kind,
                points,
                places: 10,
                starts_at: start_of_day(day) + 9 * 3_600_000,
                ends_at: None,
                approval_id: None,
            },
            now - DAY_MS,
        )
        .await?;
        stats.activities += 1;
        for (i, v) in pick(members, 3 + rng.below(4), rng).into_iter().enumerate() {
            activities::signup(h, &all, v, a.id, now - DAY_MS + (i as i64 + 1) * 60_000).await?;
        }
    }
    Ok(())
}

/// `n` different members, at random.
fn pick<'a>(members: &'a [Volunteer], n: usize, rng: &mut SplitMix64) -> Vec<&'a Volunteer> {
    let mut idx: Vec<usize> = (0..members.len()).collect();
    for i in (1..idx.len()).rev() {
        idx.swap(i, rng.below(i + 1));
    }
    idx.into_iter().take(n).map(|i| &members[i]).collect()
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
    let year = wangge_store::volunteers::ledger::month_at(now)?
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
