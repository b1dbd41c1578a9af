//! Configuration: defaults, then an optional TOML file, then environment and flags (clap reads
//! `WANGGE_*` variables for the flags it owns). With none of them, everything works.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;
use wangge_domain::guidance::SizeGuidance;
use wangge_store::Tuning;
use wangge_web::WebConfig;
use wangge_web::metrics::RequestLog;

/// The default database: one SQLite file under `./data/` of the working directory, so `demo`
/// and `serve` run in one directory see the same city.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/wangge.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Keys live beside the default database, never inside it.
pub const DEFAULT_KEY_FILE: &str = "data/wangge.keys";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub tile_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub session_hours: Option<i64>,
    pub key_file: Option<PathBuf>,
    /// Minutes within which an emergency must be accepted (1 to 1,440).
    pub emergency_accept_minutes: Option<u32>,
    #[serde(default)]
    pub guidance: Option<SizeGuidance>,
    /// Bounds on import files (`[import]`).
    pub import: Option<ImportConfig>,
    /// Limits on exact look-ups of personal data (`[privacy]`).
    pub privacy: Option<PrivacyConfig>,
    /// Longest a statement of a request may run, in ms (0: unbounded) [default: 15000].
    pub statement_timeout_ms: Option<u64>,
    /// Database connections of this instance [default: 8 on SQLite, 16 on PostgreSQL].
    pub pool_size: Option<u32>,
    /// How long a request waits for a connection before it is answered 503, in ms [default: 5000].
    pub pool_timeout_ms: Option<u64>,
    /// One line per request: "off" (the default), "info" or "debug".
    pub request_log: Option<String>,
}

/// How many exact look-ups by ID number or phone a user may make in an hour.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    pub lookups_per_hour: Option<i64>,
}

/// What an import file may make the reader hold; unset values keep their defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportConfig {
    /// The longest cell, in KiB (a longer one is its row's problem).
    pub max_cell_kb: Option<usize>,
    /// What one XLSX file may inflate to, all its parts together, in MiB.
    pub max_inflated_mb: Option<u64>,
}

impl FileConfig {
    /// Reads the named file, or `./wangge.toml` when it exists, or nothing.
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let path: Option<PathBuf> = match path {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from("wangge.toml")).filter(|p| p.exists()),
        };
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("the config file {} is not valid", path.display()))
    }

    pub fn database_url(&self, flag: Option<&str>) -> String {
        flag.map(str::to_string)
            .or_else(|| self.database_url.clone())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string())
    }

    /// The server's pool and statement bounds: its defaults, then the file's.
    pub fn tuning(&self) -> anyhow::Result<Tuning> {
        let mut t = Tuning::server();
        if let Some(ms) = self.statement_timeout_ms {
            anyhow::ensure!(
                ms <= 3_600_000,
                "statement_timeout_ms must be at most 3600000 (an hour), not {ms}"
            );
            t.statement_timeout_ms = ms;
        }
        if let Some(n) = self.pool_size {
            anyhow::ensure!(
                (1..=1000).contains(&n),
                "pool_size must be between 1 and 1000, not {n}"
            );
            t.pool_size = Some(n);
        }
        if let Some(ms) = self.pool_timeout_ms {
            anyhow::ensure!(
                (1..=600_000).contains(&ms),
                "pool_timeout_ms must be between 1 and 600000, not {ms}"
            );
            t.pool_timeout_ms = ms;
        }
        Ok(t)
    }

    /// The request log the flag asks for, else the file's, else off.
    pub fn request_log(&self, flag: Option<&str>) -> anyhow::Result<RequestLog> {
        let v = flag.or(self.request_log.as_deref()).unwrap_or("off");
        RequestLog::parse(v)
            .with_context(|| format!("request_log is off, info or debug, not {v:?}"))
    }

    pub fn web_config(
        &self,
        listen: &str,
        public_url: Option<&str>,
        tile_url: Option<&str>,
    ) -> anyhow::Result<WebConfig> {
        let mut c = WebConfig::default();
        c.public_url = public_url
            .map(str::to_string)
            .or_else(|| self.public_url.clone())
            .unwrap_or_else(|| format!("http://{listen}"));
        c.public_url = c.public_url.trim_end_matches('/').to_string();
        c.tile_url = tile_url
            .map(str::to_string)
            .or_else(|| self.tile_url.clone());
        if let Some(s) = self.secure_cookies {
            c.secure_cookies = s;
        }
        if let Some(h) = self.session_hours {
            c.session_ttl_ms = h.clamp(1, 24 * 30) * 3600 * 1000;
        }
        if let Some(g) = &self.guidance {
            c.guidance = g.clone();
        }
        if let Some(i) = &self.import {
            if let Some(kb) = i.max_cell_kb {
                anyhow::ensure!(
                    (1..=1024).contains(&kb),
                    "import.max_cell_kb must be between 1 and 1024, not {kb}"
                );
                c.import_limits.max_cell_bytes = kb * 1024;
            }
            if let Some(mb) = i.max_inflated_mb {
                anyhow::ensure!(
                    (1..=16 * 1024).contains(&mb),
                    "import.max_inflated_mb must be between 1 and 16384, not {mb}"
                );
                c.import_limits.max_inflated_bytes = mb * 1024 * 1024;
            }
        }
        if let Some(n) = self.privacy.as_ref().and_then(|p| p.lookups_per_hour) {
            anyhow::ensure!(
                (1..=10_000).contains(&n),
                "privacy.lookups_per_hour must be between 1 and 10000, not {n}"
            );
            c.lookups_per_hour = n;
        }
        if let Some(m) = self.emergency_accept_minutes {
            anyhow::ensure!(
                (1..=24 * 60).contains(&m),
                "emergency_accept_minutes must be between 1 and 1440, not {m}"
            );
            c.rules.emergency_accept_minutes = m;
        }
        Ok(c)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn file_then_flags() {
        let f: FileConfig = toml::from_str(
            "database_url = \"sqlite://x.db\"\npublic_url = \"https://g.example/\"\n[guidance]\nmax_households = 600\n",
        )
        .unwrap();
        assert_eq!(f.database_url(None), "sqlite://x.db");
        assert_eq!(f.database_url(Some("postgres://h/db")), "postgres://h/db");
        let w = f.web_config("127.0.0.1:9", None, None).unwrap();
        assert_eq!(w.public_url, "https://g.example");
        assert_eq!(w.guidance.max_households, 600);
        assert_eq!(w.guidance.min_households, 300);
        assert!(toml::from_str::<FileConfig>("nonsense = 1").is_err());
        assert_eq!(w.rules.emergency_accept_minutes, 30);
        let quick: FileConfig = toml::from_str("emergency_accept_minutes = 15").unwrap();
        let w = quick.web_config("127.0.0.1:9", None, None).unwrap();
        assert_eq!(w.rules.emergency_accept_minutes, 15);
        let bounds: FileConfig =
            toml::from_str("[import]\nmax_cell_kb = 8\nmax_inflated_mb = 200\n").unwrap();
        let w = bounds.web_config("127.0.0.1:9", None, None).unwrap();
        assert_eq!(w.import_limits.max_cell_bytes, 8 * 1024);
        assert_eq!(w.import_limits.max_inflated_bytes, 200 << 20);
        assert_eq!(w.lookups_per_hour, 30);
        let few: FileConfig = toml::from_str("[privacy]\nlookups_per_hour = 5\n").unwrap();
        assert_eq!(few.web_config("x", None, None).unwrap().lookups_per_hour, 5);
        let none: FileConfig = toml::from_str("[privacy]\nlookups_per_hour = 0\n").unwrap();
        assert!(none.web_config("x", None, None).is_err());
        let huge: FileConfig = toml::from_str("[import]\nmax_cell_kb = 100000\n").unwrap();
        assert!(huge.web_config("127.0.0.1:9", None, None).is_err());
        let never: FileConfig = toml::from_str("emergency_accept_minutes = 0").unwrap();
        assert!(never.web_config("127.0.0.1:9", None, None).is_err());
        assert_eq!(
            FileConfig::default().database_url(None),
            DEFAULT_DATABASE_URL
        );
    }

    #[test]
    fn server_bounds() {
        let f: FileConfig = toml::from_str(
            "statement_timeout_ms = 2000\npool_size = 32\npool_timeout_ms = 800\nrequest_log = \"info\"\n",
        )
        .unwrap();
        let t = f.tuning().unwrap();
        assert_eq!(
            (t.statement_timeout_ms, t.pool_size, t.pool_timeout_ms),
            (2000, Some(32), 800)
        );
        assert_eq!(f.request_log(None).unwrap(), RequestLog::Info);
        assert_eq!(f.request_log(Some("debug")).unwrap(), RequestLog::Debug);
        assert!(f.request_log(Some("loud")).is_err());
        assert_eq!(FileConfig::default().tuning().unwrap(), Tuning::server());
        assert_eq!(
            FileConfig::default().request_log(None).unwrap(),
            RequestLog::Off
        );
        let zero: FileConfig = toml::from_str("pool_size = 0").unwrap();
        assert!(zero.tuning().is_err());
    }
}
