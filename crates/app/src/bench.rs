//! `wangge bench …`: figures printed, never asserted.

use std::time::Instant;

use crate::demo::layout::Scale;
use wangge_domain::NodeKind;
use wangge_domain::System;
use wangge_domain::geometry;
use wangge_domain::locate::BareIndex;
use wangge_domain::rng::SplitMix64;
use wangge_store::{Db, nodes, testdb};
use wangge_web::{AppState, WebConfig};

/// Lookups per second through the server's own locate path (the shared index behind its lock,
/// loaded from the database) against a bare R-tree + `contains` loop over the same polygons.
pub async fn locate(database_url: Option<&str>, lookups: usize, seed: u64) -> anyhow::Result<()> {
    let (db, _guard) = match database_url {
        Some(url) => (Db::connect(url).await?, None),
        None => {
            let t = testdb::fresh().await?;
            (t.db.clone(), Some(t))
        }
    };
    db.migrate().await?;
    let started = Instant::now();
    if let crate::demo::Outcome::Created { grids, .. } =
        crate::demo::seed(&db, seed, Scale::City).await?
    {
        println!(
            "built the city demo: {grids} grids in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let keys = wangge_store::seal::KeyRing::from_text(&format!(
        "k1 {}",
        wangge_store::auth::random_secret()?
    ))?;
    let state = AppState::new(db.clone(), WebConfig::default(), keys);
    state.refresh_locate().await?;
    let mut c = db.conn().await?;
    let grids = nodes::of_kind(&mut c.handle(), &System::acting().scope(), NodeKind::Grid).await?;
    drop(c);
    let polygons = grids
        .iter()
        .filter_map(|g| g.geometry().ok().flatten())
        .collect::<Vec<_>>();
    let bare = BareIndex::build(&polygons);
    let (mut min_lon, mut min_lat, mut max_lon, mut max_lat) =
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in &polygons {
        if let Some([a, b, c, d]) = geometry::bbox(p) {
            min_lon = min_lon.min(a);
            min_lat = min_lat.min(b);
            max_lon = max_lon.max(c);
            max_lat = max_lat.max(d);
        }
    }
    let mut rng = SplitMix64::new(seed);
    let points: Vec<(f64, f64)> = (0..lookups)
        .map(|_| {
            (
                min_lon + rng.next_f64() * (max_lon - min_lon),
                min_lat + rng.next_f64() * (max_lat - min_lat),
            )
        })
        .collect();
    println!(
        "grids: {}  lookups per run: {}  points: uniform over the city's bounding box",
        polygons.len(),
        points.len()
    );

    // Alternate the two and keep each one's best of five runs, so neither gains from warm caches.
    let (mut best_real, mut best_bare) = (f64::MAX, f64::MAX);
    let (mut hits_real, mut hits_bare) = (0usize, 0usize);
    for _ in 0..5 {
        let t = Instant::now();
        hits_real = points
            .iter()
            .filter(|(lon, lat)| state.locate_index().locate(*lon, *lat).is_some())
            .count();
        best_real = best_real.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        hits_bare = points
            .iter()
            .filter(|(lon, lat)| bare.first_containing(*lon, *lat).is_some())
            .count();
        best_bare = best_bare.min(t.elapsed().as_secs_f64());
    }
    let real = points.len() as f64 / best_real;
    let bare_rate = points.len() as f64 / best_bare;
    println!("real locate path:       {real:>12.0} lookups/s  ({hits_real} inside a grid)");
    println!("bare R-tree + contains: {bare_rate:>12.0} lookups/s  ({hits_bare} inside a grid)");
    println!("ratio {:.3}", real / bare_rate);
    Ok(())
}
