//! Basic information for the demo city: every grid of the layout gets houses, households of
//! people, key-group tags, organisations and objects from `population::grid_population`,
//! written through the store's bulk import writers in large transactions (tags and objects
//! through the store's single-record writers, which seal and keep history).
//!
//! ID numbers stay unique across the city because each county passes its own 6-digit region and
//! each grid its position among the county's grids as the slot (see the population module).
//! Everything is deterministic for a seed: the "today" of the data is a fixed date.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use geo::{Contains, MultiPolygon, Point};
use wangge_domain::NodeKind;
use wangge_domain::System;
use wangge_domain::calendar::Date;
use wangge_domain::geometry::bbox;
use wangge_domain::scope::child_path;
use wangge_store::basic::import::{HousesImport, Mode, OrgsImport, PeopleImport, RowProblem};
use wangge_store::basic::{self, Actor, Counts, objects, people};
use wangge_store::seal::KeyRing;
use wangge_store::{Db, now_ms};

use super::layout::{CITY_CODE, LayoutNode, Scale};
use super::population::{GridData, GridSpec, MAX_SLOTS, grid_population};

/// The day the demo data is generated for (ages, arrival dates, tag dates), fixed so that a seed
/// always gives the same people.
pub const DEMO_TODAY: (i32, u32, u32) = (2026, 11, 1);

/// People a grid gets: about 1000 in the small city; the city scale's 9,968 grids get about 300
/// each, about 3,000,000 in all.
pub fn people_per_grid(scale: Scale) -> usize {
    match scale {
        Scale::Small => 1000,
        Scale::City => 300,
    }
}

/// Grids written per round of transactions: large enough that transactions are few, small
/// enough that progress moves and memory stays small.
const PEOPLE_PER_CHUNK: usize = 40_000;

/// One grid of the layout with what generating it needs.
#[derive(Debug, Clone)]
pub struct GridPlan {
    pub code: String,
    pub path: String,
    /// The county's 6-digit division code.
    pub region6: String,
    /// The grid's position among its county's grids.
    pub slot: u32,
    pub boundary: MultiPolygon<f64>,
}

/// The grids of a layout in layout order, each with its path, region and slot.
pub fn grid_plans(layout: &[LayoutNode]) -> anyhow::Result<Vec<GridPlan>> {
    let mut paths: Vec<String> = Vec::with_capacity(layout.len());
    let mut county_of: Vec<Option<usize>> = Vec::with_capacity(layout.len());
    let mut slots: HashMap<usize, u32> = HashMap::new();
    let mut plans = Vec::new();
    for (i, n) in layout.iter().enumerate() {
        let (path, county) = match n.parent {
            None => (child_path("/", &n.code), None),
            Some(p) => {
                let parent_path = paths
                    .get(p)
                    .with_context(|| format!("node {} comes before its parent", n.code))?;
                (child_path(parent_path, &n.code), county_of[p])
            }
        };
        let county = if n.kind == NodeKind::County {
            Some(i)
        } else {
            county
        };
        paths.push(path.clone());
        county_of.push(county);
        if n.kind != NodeKind::Grid {
            continue;
        }
        let c = county.with_context(|| format!("grid {} lies under no county", n.code))?;
        let slot = slots.entry(c).or_insert(0);
        if *slot >= MAX_SLOTS {
            bail!(
                "county {} has more than {MAX_SLOTS} grids: ID numbers could repeat",
                layout[c].code
            );
        }
        let boundary = n
            .boundary
            .clone()
            .with_context(|| format!("grid {} has no boundary", n.code))?;
        plans.push(GridPlan {
            code: n.code.clone(),
            path,
            region6: layout[c].code.chars().take(6).collect(),
            slot: *slot,
            boundary,
        });
        *slot += 1;
    }
    Ok(plans)
}

/// One grid's data, points drawn inside its polygon.
pub fn generate(seed: u64, plan: &GridPlan, people_target: usize) -> anyhow::Result<GridData> {
    let [x0, y0, x1, y1] = bbox(&plan.boundary)
        .with_context(|| format!("grid {} has an empty boundary", plan.code))?;
    let today = Date::new(DEMO_TODAY.0, DEMO_TODAY.1, DEMO_TODAY.2).context("the demo date")?;
    let contains = |lon: f64, lat: f64| plan.boundary.contains(&Point::new(lon, lat));
    Ok(grid_population(&GridSpec {
        seed,
        grid_code: &plan.code,
        region6: &plan.region6,
        slot: plan.slot,
        bbox: (x0, y0, x1, y1),
        people_target,
        today,
        contains: Some(&contains),
    }))
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub grids: usize,
    pub people: u64,
    pub houses: u64,
    pub orgs: u64,
    pub objects: u64,
    pub tags: u64,
    pub secs: f64,
    /// Seconds spent writing houses, people, organisations, tags and objects.
    pub phase_secs: [f64; 4],
    /// The counts the store keeps for the whole city afterwards.
    pub counts: Counts,
}

fn refuse(what: &str, problems: &[RowProblem]) -> anyhow::Error {
    let first: Vec<String> = problems
        .iter()
        .take(5)
        .map(|p| format!("row {} {}: {} [{}]", p.row, p.field, p.message, p.code))
        .collect();
    anyhow::anyhow!(
        "demo {what}: {} rows refused, nothing of this round written; first: {}",
        problems.len(),
        first.join("; ")
    )
}

/// Writes the basic information of the grids `plans` (grids already in the database, e.g. the
/// layout just written by [`crate::demo::seed`]), about `per_grid` people each. `progress` is
/// called after each round with (grids done, grids, people written).
pub async fn seed(
    db: &Db,
    keys: &KeyRing,
    seed: u64,
    plans: Vec<GridPlan>,
    per_grid: usize,
    mut progress: impl FnMut(usize, usize, u64),
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let plans = Arc::new(plans);
    let per_chunk = (PEOPLE_PER_CHUNK / per_grid.max(1)).max(1);
    let chunks: Vec<(usize, usize)> = (0..plans.len())
        .step_by(per_chunk)
        .map(|s| (s, (s + per_chunk).min(plans.len())))
        .collect();
    let actor = Actor::system("demo");
    let now = now_ms();
    let mut out = Outcome {
        grids: plans.len(),
        ..Outcome::default()
    };
    // Generating the next round overlaps writing this one.
    let spawn = |(s, e): (usize, usize)| {
        let plans = Arc::clone(&plans);
        tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<GridData>> {
            plans[s..e]
                .iter()
                .map(|p| generate(seed, p, per_grid))
                .collect()
        })
    };
    let mut next = chunks.first().map(|c| spawn(*c));
    for (k, &(s, e)) in chunks.iter().enumerate() {
        let data = match next.take() {
            Some(h) => h.await.context("demo generation stopped")??,
            None => break,
        };
        next = chunks.get(k + 1).map(|c| spawn(*c));
        write_round(db, keys, &actor, now, &plans[s..e], &data, &mut out).await?;
        progress(e, plans.len(), out.people);
    }
    let mut c = db.conn().await?;
    out.counts = basic::counts(
        &mut c.handle(),
        keys,
        &System::acting().scope(),
        &child_path("/", CITY_CODE),
    )
    .await?;
    out.secs = started.elapsed().as_secs_f64();
    Ok(out)
}

/// One round: houses, people (with their households), organisations, each in one import
/// transaction; then tags and objects in one more.
async fn write_round(
    db: &Db,
    keys: &KeyRing,
    actor: &Actor,
    now: i64,
    plans: &[GridPlan],
    data: &[GridData],
    out: &mut Outcome,
) -> anyhow::Result<()> {
    let all = System::acting().scope();
    let mut lap = Lap::start();
    let mut row = 0u64;
    let mut imp = HousesImport::begin(db, keys, &all, actor, Mode::AllOrNothing, now).await?;
    for h in data.iter().flat_map(|d| &d.houses) {
        row += 1;
        // A refused row is also in the summary's problems, reported below.
        let _ = imp.push(row, h.clone()).await?;
    }
    let sum = imp.finish().await?;
    if !sum.committed {
        return Err(refuse("houses", &sum.problems));
    }
    out.houses += sum.inserted + sum.updated;
    out.phase_secs[0] += lap.next();

    let mut imp = PeopleImport::begin(db, keys, &all, actor, Mode::AllOrNothing, now).await?;
    row = 0;
    for p in data.iter().flat_map(|d| &d.people) {
        row += 1;
        let _ = imp.push(row, p.clone()).await?;
    }
    let sum = imp.finish().await?;
    if !sum.committed {
        return Err(refuse("people", &sum.problems));
    }
    out.people += sum.inserted;
    out.phase_secs[1] += lap.next();

    let mut imp = OrgsImport::begin(db, keys, &all, actor, Mode::AllOrNothing, now).await?;
    row = 0;
    for o in data.iter().flat_map(|d| &d.orgs) {
        row += 1;
        let _ = imp.push(row, o.clone()).await?;
    }
    let sum = imp.finish().await?;
    if !sum.committed {
        return Err(refuse("orgs", &sum.problems));
    }
    out.orgs += sum.inserted;
    out.phase_secs[2] += lap.next();

    let mut tx = db.begin().await?;
    for (plan, d) in plans.iter().zip(data) {
        if !d.tags.is_empty() {
            let ids = person_ids(&mut tx.handle(), keys, plan, d).await?;
            for (i, tag) in &d.tags {
                let id = *ids
                    .get(*i)
                    .with_context(|| format!("demo tag names person {i} of grid {}", plan.code))?;
                people::add_tag(&mut tx.handle(), keys, &all, actor, id, tag, now)
                    .await
                    .with_context(|| format!("demo tag of person {id}"))?;
                out.tags += 1;
            }
        }
        for o in &d.objects {
            objects::insert(&mut tx.handle(), &all, actor, o, now)
                .await
                .with_context(|| format!("demo object {}", o.code))?;
            out.objects += 1;
        }
    }
    tx.commit().await?;
    out.phase_secs[3] += lap.next();
    Ok(())
}

/// Seconds since the last call.
struct Lap(Instant);

impl Lap {
    fn start() -> Lap {
        Lap(Instant::now())
    }

    fn next(&mut self) -> f64 {
        let now = Instant::now();
        let secs = now.duration_since(self.0).as_secs_f64();
        self.0 = now;
        secs
    }
}

/// The database ids of a grid's generated people, in generation order. The import writes a
/// grid's people in the order given with rising ids, so the grid's list in id order lines up;
/// each pair is checked (name, birth year, sex) and a mismatch falls back to the exact ID
/// number search.
async fn person_ids(
    h: &mut wangge_store::Handle<'_>,
    keys: &KeyRing,
    plan: &GridPlan,
    d: &GridData,
) -> anyhow::Result<Vec<i64>> {
    let all = System::acting().scope();
    let filter = people::Filter {
        under: Some(plan.path.clone()),
        ..people::Filter::default()
    };
    let mut rows = Vec::with_capacity(d.people.len());
    let mut after = None;
    loop {
        let page = people::list(h, keys, &all, &filter, after, 500).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        rows.extend(page);
    }
    let mut ids = Vec::with_capacity(d.people.len());
    for (i, p) in d.people.iter().enumerate() {
        let same = rows.get(i).is_some_and(|r| {
            r.name == p.name
                && r.birth_year == i64::from(p.birth_date.year())
                && r.sex == p.sex.as_str()
        });
        if same {
            ids.push(rows[i].id);
            continue;
        }
        let exact = people::Filter {
            q: Some(p.id_number.expose().clone()),
            ..filter.clone()
        };
        let found = people::list(h, keys, &all, &exact, None, 1).await?;
        let r = found.first().with_context(|| {
            format!(
                "demo person {i} of grid {} was not found after the import",
                plan.code
            )
        })?;
        ids.push(r.id);
    }
    Ok(ids)
}

/// After [`crate::demo::seed`]: a city just created gets its basic information (the override
/// people a grid when given, else [`people_per_grid`]; 0: none), with progress and a summary on
/// the terminal; a city already there is left alone.
pub async fn fill_new_city(
    db: &Db,
    keys: &KeyRing,
    seed_no: u64,
    scale: Scale,
    people_per_grid_override: Option<usize>,
    city: &crate::demo::Outcome,
) -> anyhow::Result<()> {
    let per_grid = people_per_grid_override.unwrap_or_else(|| people_per_grid(scale));
    if !matches!(city, crate::demo::Outcome::Created { .. }) || per_grid == 0 {
        return Ok(());
    }
    let layout = super::layout::demo_layout(seed_no, scale);
    let started = Instant::now();
    let o = seed(
        db,
        keys,
        seed_no,
        grid_plans(&layout)?,
        per_grid,
        print_progress(started),
    )
    .await?;
    let c = &o.counts;
    println!(
        "basic information: {} people in {} households, {} houses, {} organisations, {} objects, {} key-group tags over {} grids in {:.1} s ({:.0} people/s)",
        c.people,
        c.households,
        c.houses,
        c.orgs,
        c.objects,
        o.tags,
        o.grids,
        o.secs,
        o.people as f64 / o.secs.max(1e-9)
    );
    let by_tag: Vec<String> = c
        .by_tag
        .iter()
        .map(|(g, n)| format!("{} {n}", g.label_zh()))
        .collect();
    println!("key groups: {}", by_tag.join(", "));
    let [h, p, org, t] = o.phase_secs;
    println!(
        "time: houses {h:.1} s, people and households {p:.1} s, organisations {org:.1} s, tags and objects {t:.1} s"
    );
    Ok(())
}

/// A progress line on standard error (see [`crate::progress`]).
pub fn print_progress(started: Instant) -> impl FnMut(usize, usize, u64) {
    let mut progress = crate::progress::Progress::new();
    move |done, total, people| {
        let line = format!(
            "basic information: {done}/{total} grids, {people} people, {:.1} s",
            started.elapsed().as_secs_f64()
        );
        if done == total {
            progress.show_now(&line);
            progress.end();
        } else {
            progress.show(&line);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::collections::HashSet;

    use crate::demo::layout::demo_layout;

    use super::*;

    #[test]
    fn plans_give_each_grid_of_a_county_its_own_slot() {
        let layout = demo_layout(1, Scale::Small);
        let plans = grid_plans(&layout).unwrap();
        let grids = layout.iter().filter(|n| n.kind == NodeKind::Grid).count();
        assert_eq!(plans.len(), grids);
        let mut seen = HashSet::new();
        for p in &plans {
            assert!(
                seen.insert((p.region6.clone(), p.slot)),
                "{} repeats",
                p.code
            );
            assert!(p.code.starts_with(&p.region6));
            assert!(p.path.ends_with(&format!("/{}/", p.code)));
            assert!(p.path.starts_with(&format!("/{CITY_CODE}/")));
        }
    }

    #[test]
    fn generated_points_lie_in_the_grid() {
        let layout = demo_layout(1, Scale::Small);
        let plans = grid_plans(&layout).unwrap();
        for plan in plans.iter().take(3) {
            let d = generate(1, plan, 200).unwrap();
            assert!(d.people.len() >= 200);
            let houses_with_points = d.houses.iter().filter_map(|h| h.point).count();
            assert!(houses_with_points > 0);
            for (lon, lat) in d
                .houses
                .iter()
                .filter_map(|h| h.point)
                .chain(d.objects.iter().map(|o| o.point))
            {
                assert!(
                    plan.boundary.contains(&Point::new(lon, lat)),
                    "({lon}, {lat}) outside grid {}",
                    plan.code
                );
            }
        }
    }

    /// Three grids of the small city, through the real writers: the store's counts agree with
    /// what was generated, tags open to their key group on the right person, the exact ID
    /// search finds people, and objects and organisations are all there.
    #[tokio::test]
    async fn a_few_grids_written_and_counted() {
        let t = wangge_store::testdb::fresh().await.unwrap();
        let db = &t.db;
        let city = crate::demo::seed(db, 1, Scale::Small).await.unwrap();
        assert!(matches!(city, crate::demo::Outcome::Created { .. }));
        let keys = KeyRing::from_text(&format!("k1 {}", "ab".repeat(32))).unwrap();
        let layout = crate::demo::layout::demo_layout(1, Scale::Small);
        let plans: Vec<GridPlan> = grid_plans(&layout).unwrap().into_iter().take(3).collect();
        let expected: Vec<GridData> = plans.iter().map(|p| generate(1, p, 60).unwrap()).collect();
        let mut calls = 0;
        let o = seed(db, &keys, 1, plans.clone(), 60, |_, _, _| calls += 1)
            .await
            .unwrap();
        assert!(calls >= 1);
        let people: usize = expected.iter().map(|d| d.people.len()).sum();
        let houses: usize = expected.iter().map(|d| d.houses.len()).sum();
        let orgs: usize = expected.iter().map(|d| d.orgs.len()).sum();
        let objs: usize = expected.iter().map(|d| d.objects.len()).sum();
        let tags: usize = expected.iter().map(|d| d.tags.len()).sum();
        assert_eq!(o.people as usize, people);
        assert_eq!(o.counts.people as usize, people);
        assert_eq!(o.counts.houses as usize, houses);
        assert_eq!(o.counts.orgs as usize, orgs);
        assert_eq!(o.counts.objects as usize, objs);
        assert_eq!(o.tags as usize, tags);
        assert!(tags > 0, "60 people a grid should carry some tags");
        let households: std::collections::HashSet<(String, String)> = expected
            .iter()
            .flat_map(|d| &d.people)
            .map(|p| (p.grid_code.clone(), p.household_no.clone().unwrap()))
            .collect();
        assert_eq!(o.counts.households as usize, households.len());
        let open: usize = expected
            .iter()
            .flat_map(|d| &d.tags)
            .filter(|(_, t)| t.until.is_none())
            .count();
        let counted: i64 = o.counts.by_tag.iter().map(|(_, n)| n).sum();
        assert_eq!(counted as usize, open);

        // Each tagged person carries the generated group, found through the exact ID search.
        let all = System::acting().scope();
        let mut c = db.conn().await.unwrap();
        for (plan, d) in plans.iter().zip(&expected) {
            for (i, tag) in d.tags.iter().take(5) {
                let p = &d.people[*i];
                let filter = people::Filter {
                    q: Some(p.id_number.expose().clone()),
                    ..people::Filter::default()
                };
                let found = people::list(&mut c.handle(), &keys, &all, &filter, None, 5)
                    .await
                    .unwrap();
                assert_eq!(found.len(), 1);
                assert_eq!(found[0].name, p.name);
                assert_eq!(found[0].grid_code, plan.code);
                let tags = people::tags(&mut c.handle(), &keys, &all, found[0].id)
                    .await
                    .unwrap();
                assert!(tags.iter().any(|t| t.group == tag.group.as_str()));
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let layout = demo_layout(1, Scale::Small);
        let plans = grid_plans(&layout).unwrap();
        let a = generate(7, &plans[5], 100).unwrap();
        let b = generate(7, &plans[5], 100).unwrap();
        let ids = |d: &GridData| {
            d.people
                .iter()
                .map(|p| p.id_number.expose().clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        let c = generate(8, &plans[5], 100).unwrap();
        assert_ne!(ids(&a), ids(&c));
    }
}
