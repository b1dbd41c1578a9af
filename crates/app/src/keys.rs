//! `wangge keys`: the key ring that seals personal data. `add` appends a new key to the key file
//! and makes it the active one; `reseal` re-seals every stored value under the active key (in
//! short transactions, safe while servers run); `rotate` does both; `status` shows the ring.
//!
//! A running server keeps the ring it started with: it cannot open values sealed under a key it
//! does not know, and it seals new values under its own active key. The gap-free order with
//! servers running is therefore `keys add`, restart every instance, `keys reseal`; `rotate` is
//! for a single instance that is restarted right after (then `reseal` once more catches values
//! the old instance wrote meanwhile). The README gives the procedure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use wangge_store::audit::Actor;
use wangge_store::seal::{KEYS_ENV, KeyRing};
use wangge_store::{Db, auth, reseal};

use crate::config::{DEFAULT_KEY_FILE, FileConfig};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CipherArg {
    /// AES-256-GCM (32-byte key)
    Aes,
    /// SM4-GCM, the 国密 option (16-byte key)
    Sm4,
}

#[derive(Subcommand)]
pub enum KeysWhat {
    /// Append a new key to the key file, make it active and re-seal every stored value under it;
    /// restart running servers with the new file afterwards
    Rotate {
        #[arg(long, value_enum, default_value = "aes")]
        cipher: CipherArg,
        /// Values per transaction while re-sealing
        #[arg(long, default_value_t = 500)]
        batch: usize,
    },
    /// Append a new key to the key file and make it active, without re-sealing (restart the
    /// servers, then run `keys reseal`)
    Add {
        #[arg(long, value_enum, default_value = "aes")]
        cipher: CipherArg,
    },
    /// Re-seal every stored value that is not under the active key
    Reseal {
        #[arg(long, default_value_t = 500)]
        batch: usize,
    },
    /// The key ids, their ciphers and the active one
    Status,
}

/// The key file the other commands use: `--keys`, the config's `key_file`, or the default.
pub fn key_file_path(flag: Option<&Path>, file: &FileConfig) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| file.key_file.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_KEY_FILE))
}

/// The key file's text with a new key `id` appended and made active. Earlier `active` entries
/// are dropped (they would outrank the new key); every other line, comments included, stays.
pub fn with_new_key(text: &str, id: &str, cipher: CipherArg, hex_key: &str) -> String {
    let mut out = String::with_capacity(text.len() + 128);
    for line in text.lines() {
        let (code, comment) = match line.find('#') {
            Some(i) => (&line[..i], Some(&line[i..])),
            None => (line, None),
        };
        let kept: Vec<&str> = code
            .split(';')
            .filter(|e| e.split_whitespace().next() != Some("active"))
            .collect();
        let code_kept = kept.join(";");
        if code_kept.trim().is_empty() && comment.is_none() && !code.trim().is_empty() {
            // The line held only an `active` entry.
            continue;
        }
        out.push_str(&code_kept);
        if let Some(c) = comment {
            out.push_str(c);
        }
        out.push('\n');
    }
    let kind = match cipher {
        CipherArg::Aes => "",
        CipherArg::Sm4 => "sm4 ",
    };
    out.push_str(&format!("{id} {kind}{hex_key}\nactive {id}\n"));
    out
}

/// A key id not yet in the ring: `k<n>` with the smallest n above the ring's size.
fn next_key_id(ring: &KeyRing) -> String {
    let ids: Vec<&str> = ring.key_ids().collect();
    (ids.len() + 1..)
        .map(|n| format!("k{n}"))
        .find(|id| !ids.contains(&id.as_str()))
        .unwrap_or_else(|| "k0".to_string())
}

/// Appends a new active key to the key file at `path`: the new text is parsed before it is
/// written, written beside the file (mode 0600) and renamed over it, so the file is never half
/// written. Returns the new ring and the new key's id.
pub fn add_key(path: &Path, cipher: CipherArg) -> anyhow::Result<(KeyRing, String)> {
    if std::env::var(KEYS_ENV).is_ok_and(|v| !v.trim().is_empty()) {
        bail!(
            "the key ring comes from {KEYS_ENV}, which this command cannot change: add a line \
             `<key_id> <64 hex>` (or `<key_id> sm4 <32 hex>`) and `active <key_id>` there, restart, \
             then run `wangge keys reseal`"
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    let ring = KeyRing::from_text(&text).map_err(crate::domain)?;
    let id = next_key_id(&ring);
    let random = auth::random_secret().map_err(crate::domain)?;
    let hex_key = match cipher {
        CipherArg::Aes => random,
        CipherArg::Sm4 => random.chars().take(32).collect(),
    };
    let new_text = with_new_key(&text, &id, cipher, &hex_key);
    let new_ring = KeyRing::from_text(&new_text).map_err(crate::domain)?;
    if new_ring.active_key_id() != id {
        bail!("the new key {id} did not become active; key file left unchanged");
    }
    let tmp = path.with_extension("keys.new");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        wangge_store::private_files::set_mode(&tmp, wangge_store::private_files::FILE_MODE)
            .and_then(|()| f.write_all(new_text.as_bytes()))
            .and_then(|()| f.sync_all())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot replace key file {}", path.display()))?;
    Ok((new_ring, id))
}

fn cipher_name(ring: &KeyRing, id: &str) -> &'static str {
    match ring.cipher_of(id).map(|c| c.as_str()) {
        Some("sm4") => "SM4-GCM",
        Some(_) => "AES-256-GCM",
        None => "?",
    }
}

async fn reseal_now(db: &Db, ring: &KeyRing, batch: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut column_shown = String::new();
    let mut line = crate::progress::Progress::new();
    let mut progress = |column: &str, n: u64| {
        let text = format!(
            "re-sealing under {}: {column} {n} values, {:.1} s",
            ring.active_key_id(),
            started.elapsed().as_secs_f64()
        );
        // A new column always shows; within one, the progress paces the lines.
        if column_shown != column {
            column_shown = column.to_string();
            line.show_now(&text);
        } else {
            line.show(&text);
        }
    };
    let counts = reseal::reseal_all(db, ring, &Actor::system("cli"), batch, &mut progress)
        .await
        .map_err(crate::domain)?;
    line.end();
    for (column, n) in &counts.by_column {
        println!("  {column:<28} {n:>9} re-sealed");
    }
    println!(
        "re-sealed {} values under {} in {:.1} s; {} changed meanwhile by their writer (already under the active key); {} could not be opened",
        counts.resealed,
        ring.active_key_id(),
        started.elapsed().as_secs_f64(),
        counts.skipped,
        counts.unopened.len()
    );
    for u in counts.unopened.iter().take(20) {
        println!(
            "  not opened: {} {} row {}: {}",
            u.table, u.column, u.id, u.reason
        );
    }
    if !counts.unopened.is_empty() {
        bail!(
            "{} values are still under a key that could not open them; keep every old key in the ring",
            counts.unopened.len()
        );
    }
    Ok(())
}

/// Runs a `keys` subcommand; the database at `url` is opened only by the commands that need it.
pub async fn run(what: KeysWhat, path: &Path, url: &str) -> anyhow::Result<()> {
    match what {
        KeysWhat::Status => {
            let ring =
                KeyRing::load(Some(path), std::env::var(KEYS_ENV).ok()).map_err(crate::domain)?;
            for id in ring.key_ids() {
                let mark = if id == ring.active_key_id() {
                    "  (active)"
                } else {
                    ""
                };
                println!("{id:<16} {}{mark}", cipher_name(&ring, id));
            }
        }
        KeysWhat::Add { cipher } => {
            let (ring, id) = add_key(path, cipher)?;
            println!(
                "key {id} ({}) added to {} and made active; restart every instance with this file, then run `wangge keys reseal`",
                cipher_name(&ring, &id),
                path.display()
            );
        }
        KeysWhat::Reseal { batch } => {
            let ring =
                KeyRing::load(Some(path), std::env::var(KEYS_ENV).ok()).map_err(crate::domain)?;
            let db = crate::open(url).await?;
            reseal_now(&db, &ring, batch).await?;
        }
        KeysWhat::Rotate { cipher, batch } => {
            // Open the database first: a wrong URL should fail before the key file changes.
            let db = crate::open(url).await?;
            let (ring, id) = add_key(path, cipher)?;
            println!(
                "key {id} ({}) added to {} and made active",
                cipher_name(&ring, &id),
                path.display()
            );
            reseal_now(&db, &ring, batch).await?;
            println!(
                "restart every running instance with {} now; then `wangge keys reseal` once more re-seals what they wrote meanwhile. Remove an old key only after that.",
                path.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const K1: &str = "0101010101010101010101010101010101010101010101010101010101010101";
    const K2: &str = "0202020202020202020202020202020202020202020202020202020202020202";
    const IDX: &str = "0303030303030303030303030303030303030303030303030303030303030303";

    #[test]
    fn a_new_key_replaces_the_active_line_and_keeps_the_rest() {
        let text = format!("# ring\nindex {IDX}\nk1 {K1}\nk2 {K2} # second\nactive k1\n");
        let new = with_new_key(&text, "k3", CipherArg::Sm4, &"04".repeat(16));
        let ring = KeyRing::from_text(&new).unwrap();
        assert_eq!(ring.active_key_id(), "k3");
        assert_eq!(ring.key_ids().collect::<Vec<_>>(), ["k1", "k2", "k3"]);
        assert_eq!(cipher_name(&ring, "k3"), "SM4-GCM");
        assert!(new.contains("# ring\n"));
        assert!(new.contains("# second"));
        assert!(!new.contains("active k1"));
        // The blind index is unchanged: the index line stayed.
        let old = KeyRing::from_text(&text).unwrap();
        assert_eq!(
            old.blind_index("id_number", "X"),
            ring.blind_index("id_number", "X")
        );
    }

    #[test]
    fn active_entries_inside_a_line_are_dropped() {
        let text = format!("k1 {K1}; active k1; k2 {K2}\n");
        let new = with_new_key(&text, "k3", CipherArg::Aes, &"05".repeat(32));
        let ring = KeyRing::from_text(&new).unwrap();
        assert_eq!(ring.active_key_id(), "k3");
        assert_eq!(ring.key_ids().count(), 3);
        assert_eq!(next_key_id(&ring), "k4");
    }

    #[test]
    fn add_key_rewrites_the_file_and_old_values_still_open() {
        let dir = std::env::temp_dir().join(format!("wangge_keys_test_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("test.keys");
        let _ = std::fs::remove_file(&path);
        let first = KeyRing::generate_file(&path).unwrap();
        let aad = wangge_store::seal::Aad::new("people", "id_number", "1");
        let sealed = first.seal("secret", &aad).unwrap();
        let (ring, id) = add_key(&path, CipherArg::Aes).unwrap();
        assert_ne!(id, first.active_key_id());
        assert_eq!(ring.active_key_id(), id);
        assert_eq!(ring.open(&sealed, &aad).unwrap(), "secret");
        assert!(ring.needs_reseal(&sealed));
        let reread = KeyRing::load(Some(&path), None).unwrap();
        assert_eq!(reread.active_key_id(), id);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
