//! Shared state of a server instance.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use wangge_domain::guidance::SizeGuidance;
use wangge_domain::locate::LocateIndex;
use wangge_store::territory::{self, GridRef};
use wangge_store::{Db, nodes};

use crate::metrics::Metrics;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Where residents reach this server; the notice board's QR code points here.
    pub public_url: String,
    /// A map tile URL template (`https://…/{z}/{x}/{y}.png`); without one, maps draw grids
    /// on a plain background.
    pub tile_url: Option<String>,
    pub session_ttl_ms: i64,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    pub guidance: SizeGuidance,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: "http://127.0.0.1:8080".to_string(),
            tile_url: None,
            session_ttl_ms: 12 * 3600 * 1000,
            secure_cookies: false,
            guidance: SizeGuidance::default(),
        }
    }
}

/// The in-memory grid index and the territory generation it was built from.
pub struct LocateCache {
    index: RwLock<Arc<LocateIndex<GridRef>>>,
    generation: AtomicI64,
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub locate: Arc<LocateCache>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> AppState {
        AppState {
            db,
            config: Arc::new(config),
            locate: Arc::new(LocateCache {
                index: RwLock::new(Arc::new(LocateIndex::build(Vec::new()))),
                generation: AtomicI64::new(-1),
            }),
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// The current index; cheap (an `Arc` clone).
    pub fn locate_index(&self) -> Arc<LocateIndex<GridRef>> {
        match self.locate.index.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Rebuilds the index when the territory generation in the database has moved, so every
    /// instance serving one database answers alike shortly after any of them changes a grid.
    pub async fn refresh_locate(&self) -> Result<(), wangge_domain::Error> {
        let mut c = self.db.conn().await?;
        let h = &mut c.handle();
        let current = nodes::generation(h).await?;
        if current == self.locate.generation.load(Ordering::Acquire) {
            return Ok(());
        }
        let index = territory::locate_index(h).await?;
        match self.locate.index.write() {
            Ok(mut g) => *g = Arc::new(index),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(index),
        }
        self.locate.generation.store(current, Ordering::Release);
        Ok(())
    }

    pub fn spawn_locate_refresher(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = state.refresh_locate().await {
                    tracing::warn!(error = %e, "cannot refresh the locate index");
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        });
    }
}
