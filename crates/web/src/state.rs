//! Shared state of a server instance.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use wangge_domain::Scope;
use wangge_domain::calendar::Calendar;
use wangge_domain::event::Rules;
use wangge_domain::guidance::SizeGuidance;
use wangge_domain::locate::LocateIndex;
use wangge_store::auth::sha256_hex;
use wangge_store::events::{self, EventCtx};
use wangge_store::open311::{self, ApiKey};
use wangge_store::seal::KeyRing;
use wangge_store::territory::{self, GridRef};
use wangge_store::{Db, Handle, basic, categories, nodes, now_ms};

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
    /// Settings of the event workflow (rating window, emergency acceptance).
    pub rules: Rules,
    /// What an uploaded import file may make the server inflate or hold.
    pub import_limits: wangge_sheet::ReadLimits,
    /// Exact look-ups by ID number or phone one user may make in an hour (`[privacy]`).
    pub lookups_per_hour: i64,
}

impl WebConfig {
    /// Whether residents' phones cannot reach the public URL: it names this machine (a loopback
    /// or unspecified address, `localhost`) or is not an http(s) URL with a host at all. The
    /// notice board's QR code would then lead nowhere.
    pub fn public_url_is_local(&self) -> bool {
        let rest = match self.public_url.trim().split_once("://") {
            Some(("http" | "https", rest)) => rest,
            _ => return true,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host_port = authority.rsplit('@').next().unwrap_or_default();
        let host = match host_port.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host_port.split(':').next().unwrap_or_default(),
        };
        let host = host.to_ascii_lowercase();
        if host.is_empty() || host == "localhost" || host.ends_with(".localhost") {
            return true;
        }
        match host.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback() || ip.is_unspecified(),
            Err(_) => false,
        }
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            public_url: "http://127.0.0.1:8080".to_string(),
            tile_url: None,
            session_ttl_ms: 12 * 3600 * 1000,
            secure_cookies: false,
            guidance: SizeGuidance::default(),
            rules: Rules::default(),
            import_limits: wangge_sheet::ReadLimits::default(),
            lookups_per_hour: basic::lookups::DEFAULT_PER_HOUR,
        }
    }
}

/// The category tree and the stamp of the table it was read at (`None`: not read yet).
#[derive(Clone, Default)]
struct Categories {
    stamp: Option<(i64, i64)>,
    list: Arc<Vec<events::Category>>,
}

/// The in-memory grid index and the territory generation it was built from.
pub struct LocateCache {
    index: RwLock<Arc<LocateIndex<GridRef>>>,
    generation: AtomicI64,
}

/// The server's clock: real time plus an offset that tests move instead of waiting.
#[derive(Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> i64 {
        now_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn advance(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub locate: Arc<LocateCache>,
    pub metrics: Arc<Metrics>,
    /// Keys that seal personal data; never stored in the database.
    pub keys: Arc<KeyRing>,
    pub clock: Arc<Clock>,
    calendar: Arc<RwLock<Arc<Calendar>>>,
    /// The category tree with the stamp it was read at; read again when the stamp moves.
    categories: Arc<RwLock<Categories>>,
    /// Open311 keys seen lately, by the hash of their secret, with when they were read.
    open311_keys: Arc<Mutex<HashMap<String, (ApiKey, i64)>>>,
    /// Register counts of wide areas (township and up) with when they were read.
    wide_counts: Arc<Mutex<HashMap<String, (basic::Counts, i64)>>>,
}

/// How long the register counts of a township or a wider area are shown without reading them
/// again: such an area sums thousands of per-grid rows, and a count a minute old is still right
/// for a list header or a dashboard. Grids and villages are always read fresh.
const WIDE_COUNTS_TTL_MS: i64 = 60_000;

/// How long a known Open311 key is trusted without asking the database again: a revoked key
/// stops working within this time on every instance.
const OPEN311_KEY_TTL_MS: i64 = 10_000;

impl AppState {
    pub fn new(db: Db, config: WebConfig, keys: KeyRing) -> AppState {
        AppState {
            db,
            config: Arc::new(config),
            locate: Arc::new(LocateCache {
                index: RwLock::new(Arc::new(LocateIndex::build(Vec::new()))),
                generation: AtomicI64::new(-1),
            }),
            metrics: Arc::new(Metrics::default()),
            keys: Arc::new(keys),
            clock: Arc::new(Clock::default()),
            calendar: Arc::new(RwLock::new(Arc::new(Calendar::official()))),
            categories: Arc::new(RwLock::new(Categories::default())),
            open311_keys: Arc::new(Mutex::new(HashMap::new())),
            wide_counts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The working-day calendar: the official years plus those administrators entered.
    pub fn calendar(&self) -> Arc<Calendar> {
        match self.calendar.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reloads the calendar after an administrator entered a year.
    pub async fn reload_calendar(&self) -> Result<(), wangge_domain::Error> {
        let mut c = self.db.conn().await?;
        let cal = Arc::new(events::load_calendar(&mut c.handle()).await?);
        match self.calendar.write() {
            Ok(mut g) => *g = cal,
            Err(poisoned) => *poisoned.into_inner() = cal,
        }
        Ok(())
    }

    /// The context of event operations, borrowing a calendar the caller holds:
    /// `let cal = state.calendar(); let ctx = state.event_ctx(&cal);`
    pub fn event_ctx<'a>(&'a self, calendar: &'a Calendar) -> EventCtx<'a> {
        EventCtx {
            keys: &self.keys,
            calendar,
            rules: &self.config.rules,
            categories: self.categories().list,
        }
    }

    /// The category tree as last read (by the locate refresher, or any event operation).
    pub fn category_list(&self) -> Arc<Vec<events::Category>> {
        self.categories().list
    }

    /// The live Open311 key with this secret. Only keys found are remembered, so guessing
    /// secrets neither fills the memory nor skips the database.
    pub async fn open311_key(&self, secret: &str) -> Result<Option<ApiKey>, wangge_domain::Error> {
        let hash = sha256_hex(secret.trim());
        let now = self.now();
        let cached = match self.open311_keys.lock() {
            Ok(m) => m.get(&hash).cloned(),
            Err(poisoned) => poisoned.into_inner().get(&hash).cloned(),
        };
        if let Some((key, read_at)) = cached
            && now - read_at < OPEN311_KEY_TTL_MS
        {
            return Ok(Some(key));
        }
        let mut c = self.db.conn().await?;
        let key = open311::key_by_secret(&mut c.handle(), secret).await?;
        let mut m = match self.open311_keys.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        match &key {
            Some(k) => m.insert(hash, (k.clone(), now)),
            None => m.remove(&hash),
        };
        Ok(key)
    }

    /// The register counts under `path`, which must lie in `scope` (else 404 as the store says).
    pub async fn basic_counts(
        &self,
        h: &mut Handle<'_>,
        scope: &Scope,
        path: &str,
    ) -> Result<basic::Counts, wangge_domain::Error> {
        // "/city/county/township/" has four slashes; deeper areas are cheap to count.
        let wide = path.matches('/').count() <= 4;
        if !wide || !scope.contains(path) {
            return basic::counts(h, &self.keys, scope, path).await;
        }
        let now = self.now();
        let cached = match self.wide_counts.lock() {
            Ok(m) => m.get(path).cloned(),
            Err(poisoned) => poisoned.into_inner().get(path).cloned(),
        };
        if let Some((c, read_at)) = cached
            && now - read_at < WIDE_COUNTS_TTL_MS
        {
            return Ok(c);
        }
        let c = basic::counts(h, &self.keys, scope, path).await?;
        match self.wide_counts.lock() {
            Ok(mut m) => m.insert(path.to_string(), (c.clone(), now)),
            Err(poisoned) => poisoned
                .into_inner()
                .insert(path.to_string(), (c.clone(), now)),
        };
        Ok(c)
    }

    /// The category tree as last read.
    fn categories(&self) -> Categories {
        match self.categories.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the category tree again when it changed (here or on another instance).
    pub async fn refresh_categories(&self, h: &mut Handle<'_>) -> Result<(), wangge_domain::Error> {
        let stamp = categories::stamp(h).await?;
        if self.categories().stamp == Some(stamp) {
            return Ok(());
        }
        let fresh = Categories {
            stamp: Some(stamp),
            list: Arc::new(events::categories(h).await?),
        };
        match self.categories.write() {
            Ok(mut g) => *g = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
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
        self.refresh_categories(h).await?;
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

/// (method, route, status)
type RequestKey = (String, String, u16);

/// Request counters for `/metrics`; kept here, beside the state that holds them, so that the
/// metrics module depends on the state and not the other way round.
#[derive(Default)]
pub struct Metrics {
    /// Count and total seconds per key.
    pub(crate) requests: std::sync::Mutex<std::collections::BTreeMap<RequestKey, (u64, f64)>>,
    /// Per (method, route): how many answers took at most each of `metrics::BUCKETS_S`, the
    /// last slot counting the slower ones.
    pub(crate) latency: std::sync::Mutex<std::collections::BTreeMap<(String, String), Vec<u64>>>,
    /// Where one line per request goes, when the operator asked for them (see `metrics`).
    pub(crate) request_log: std::sync::OnceLock<tokio::sync::mpsc::Sender<RequestLine>>,
    /// Lines the log writer could not keep up with, dropped rather than slowing a request.
    pub(crate) log_dropped: std::sync::atomic::AtomicU64,
}

/// One request as the request log writes it.
pub(crate) struct RequestLine {
    pub method: String,
    pub route: String,
    pub status: u16,
    pub ms: f64,
}

#[cfg(test)]
mod tests {
    use super::WebConfig;

    fn local(url: &str) -> bool {
        WebConfig {
            public_url: url.to_string(),
            ..WebConfig::default()
        }
        .public_url_is_local()
    }

    #[test]
    fn a_public_url_phones_cannot_reach_is_local() {
        for url in [
            "",
            "http://127.0.0.1:8080",
            "http://127.9.0.1",
            "https://localhost/",
            "http://LOCALHOST:8080/x",
            "http://[::1]:8080",
            "http://0.0.0.0:8080",
            "ftp://wangge.example.gov.cn",
            "wangge.example.gov.cn",
        ] {
            assert!(local(url), "{url}");
        }
        for url in [
            "https://wangge.example.gov.cn",
            "http://192.168.1.20:8080",
            "https://user@grid.example.cn:8443/path",
            "http://[2001:db8::1]/",
        ] {
            assert!(!local(url), "{url}");
        }
    }
}
