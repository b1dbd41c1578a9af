//! Secrets at rest: field-by-field sealing under a key ring, a blind index for exact look-ups,
//! and the masks used to show personal data.
//!
//! # Sealed values
//!
//! A sealed value is the text `v1:<key_id>:<base64(nonce ‖ ciphertext ‖ tag)>`: AES-256-GCM (or
//! SM4-GCM, for a key marked `sm4`: the key id names the key and so the cipher) under
//! the ring's active key with a fresh random 12-byte nonce (from the OS, never a counter), and as
//! associated data the value's place — table, column and row — so a value copied to another row
//! or column no longer opens. The associated data is `"wangge.seal.v1\0"` followed by table,
//! column and row, each as an 8-byte big-endian length and the UTF-8 bytes (unambiguous: `("ab",
//! "c")` and `("a", "bc")` differ). The row must therefore be known before the value is sealed
//! (a code or an id chosen before the INSERT), and must not change afterwards.
//!
//! # The key ring
//!
//! Keys live outside the database: in the environment variable `WANGGE_KEYS` or in a key file
//! (mode 0600). The text format, one entry per line (or per `;`, handy in an environment
//! variable), `#` starts a comment:
//!
//! ```text
//! index 00112233…(64 hex)   # optional: the blind-index key
//! k1 0123456789abcdef…(64 hex characters = 32 bytes)
//! k2 fedcba9876543210…
//! k3 sm4 0123456789abcdef…(32 hex characters = 16 bytes: an SM4-GCM key)
//! active k2                 # optional: default is the last key listed
//! ```
//!
//! Key ids are 1–16 characters of `A-Z a-z 0-9 _ -` (not `active` or `index`). Rotation: append a
//! new key (it becomes active as the last one listed, or name it in `active`), restart, then
//! re-seal every value for which [`KeyRing::needs_reseal`] is true; only then may an old key be
//! removed.
//!
//! # The blind index
//!
//! [`KeyRing::blind_index`] is the first 128 bits of HMAC-SHA256, in hex, under a dedicated
//! 32-byte index key, over
//! `"wangge.blind_index.v1\0"`, the column name (length-prefixed, as domain separation) and the
//! normalised value. The index key is the `index` line when the ring has one (generated files
//! always do); otherwise it is derived as HMAC-SHA256(key = the FIRST key listed, message =
//! `"wangge.seal.index-key.v1"`). Either way it does not change when keys are added or the active
//! key changes, so stored indexes stay valid across rotation. A ring without an `index` line must
//! keep its first key listed first, for ever: removing it would change every blind index.

use std::fmt;
use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wangge_domain::Error;
use wangge_domain::err;

mod mask;
#[cfg(test)]
mod tests;

pub use mask::{mask_id, mask_name, mask_phone};

type HmacSha256 = Hmac<Sha256>;

/// The environment variable that holds the key ring text; it wins over the key file.
pub const KEYS_ENV: &str = "WANGGE_KEYS";

const VERSION_PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const AAD_LABEL: &[u8] = b"wangge.seal.v1\0";
const INDEX_LABEL: &[u8] = b"wangge.blind_index.v1\0";
/// Bytes of the MAC a blind index keeps: 128 bits make a chance collision among even a billion
/// values negligible, and half-length entries make the unique indexes on them far cheaper to
/// insert into at city scale (migration 0006 cut stored indexes to this length).
const INDEX_BYTES: usize = 16;
const INDEX_KEY_LABEL: &[u8] = b"wangge.seal.index-key.v1";
const MAX_KEY_ID_LEN: usize = 16;

/// The place a sealed value belongs to; bound into the ciphertext as associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aad<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row: &'a str,
}

impl<'a> Aad<'a> {
    pub fn new(table: &'a str, column: &'a str, row: &'a str) -> Aad<'a> {
        Aad { table, column, row }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            AAD_LABEL.len() + 24 + self.table.len() + self.column.len() + self.row.len(),
        );
        out.extend_from_slice(AAD_LABEL);
        for part in [self.table, self.column, self.row] {
            push_prefixed(&mut out, part.as_bytes());
        }
        out
    }
}

fn push_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The authenticated cipher a key is used with. The key id inside a sealed value names the key,
/// and so the cipher: rings may mix both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherKind {
    /// AES-256-GCM, 32-byte keys: the default.
    Aes256Gcm,
    /// SM4-GCM (GB/T 32907 block cipher in GCM, 12-byte nonce, 16-byte tag), 16-byte keys:
    /// key lines `<key_id> sm4 <32 hex>`.
    Sm4Gcm,
}

impl CipherKind {
    fn key_len(self) -> usize {
        match self {
            CipherKind::Aes256Gcm => 32,
            CipherKind::Sm4Gcm => 16,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CipherKind::Aes256Gcm => "aes",
            CipherKind::Sm4Gcm => "sm4",
        }
    }
}

type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

#[derive(Clone)]
enum Cipher {
    Aes(Box<Aes256Gcm>),
    Sm4(Box<Sm4Gcm>),
}

impl Cipher {
    fn new(kind: CipherKind, key: &[u8]) -> Result<Cipher, Error> {
        let bad = |_| {
            err!(
                "internal",
                detail = "a key has the wrong length for its cipher"
            )
        };
        Ok(match kind {
            CipherKind::Aes256Gcm => {
                Cipher::Aes(Box::new(Aes256Gcm::new_from_slice(key).map_err(bad)?))
            }
            CipherKind::Sm4Gcm => Cipher::Sm4(Box::new(Sm4Gcm::new_from_slice(key).map_err(bad)?)),
        })
    }

    fn encrypt(
        &self,
        nonce: &[u8; NONCE_LEN],
        payload: Payload<'_, '_>,
    ) -> Result<Vec<u8>, aes_gcm::aead::Error> {
        match self {
            Cipher::Aes(c) => c.encrypt(nonce.into(), payload),
            Cipher::Sm4(c) => c.encrypt(nonce.into(), payload),
        }
    }

    fn decrypt(
        &self,
        nonce: &[u8; NONCE_LEN],
        payload: Payload<'_, '_>,
    ) -> Result<Vec<u8>, aes_gcm::aead::Error> {
        match self {
            Cipher::Aes(c) => c.decrypt(nonce.into(), payload),
            Cipher::Sm4(c) => c.decrypt(nonce.into(), payload),
        }
    }
}

#[derive(Clone)]
struct RingKey {
    id: String,
    kind: CipherKind,
    cipher: Cipher,
}

/// A set of keys (32-byte AES or 16-byte SM4), each named by a short key id, exactly one of them
/// active, plus the blind-index key. `Debug` shows the key ids only.
#[derive(Clone)]
pub struct KeyRing {
    keys: Vec<RingKey>,
    active: usize,
    index: HmacSha256,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("key_ids", &self.key_ids().collect::<Vec<_>>())
            .field("active", &self.active_key_id())
            .finish_non_exhaustive()
    }
}

fn keys_invalid(source: &str, message: impl fmt::Display) -> Error {
    err!("seal.keys_invalid", source, reason = message)
}

fn open_failed(message: impl Into<String>) -> Error {
    err!("seal.open_failed", reason = Into::<String>::into(message))
}

fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_KEY_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && id != "active"
        && id != "index"
}

/// Parses `2 × len` hex characters into `len` bytes; the error never repeats the text.
fn parse_hex_len(hex_text: &str, len: usize) -> Result<Vec<u8>, String> {
    if hex_text.chars().count() != 2 * len {
        return Err(format!(
            "must be {} hex characters ({len} bytes), found {} characters",
            2 * len,
            hex_text.chars().count()
        ));
    }
    hex::decode(hex_text)
        .map_err(|_| "contains characters that are not hex digits (0-9, a-f)".to_string())
}

/// Parses 64 hex characters into 32 bytes; the error never repeats the text.
fn parse_key_hex(hex_text: &str) -> Result<[u8; 32], String> {
    if hex_text.chars().count() != 64 {
        return Err(format!(
            "must be 64 hex characters (32 bytes), found {} characters",
            hex_text.chars().count()
        ));
    }
    let mut key = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut key)
        .map_err(|_| "contains characters that are not hex digits (0-9, a-f)".to_string())?;
    Ok(key)
}

fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| err!("seal.no_randomness", reason = e))?;
    Ok(b)
}

fn hmac_with(key: &[u8]) -> Result<HmacSha256, Error> {
    <HmacSha256 as Mac>::new_from_slice(key).map_err(|_| {
        err!(
            "internal",
            detail = "the blind-index key could not be set up"
        )
    })
}

impl KeyRing {
    /// Parses the key-ring text (see the module documentation). Errors (`seal.keys_invalid`)
    /// name the line and the key id, never the key material.
    pub fn from_text(text: &str) -> Result<KeyRing, Error> {
        KeyRing::parse(text, "key ring")
    }

    fn parse(text: &str, source: &str) -> Result<KeyRing, Error> {
        let mut raw: Vec<(String, CipherKind, Vec<u8>)> = Vec::new();
        let mut active: Option<(usize, String)> = None;
        let mut index_key: Option<[u8; 32]> = None;

        for (n, line) in text.lines().enumerate() {
            let n = n + 1;
            let line = line.split('#').next().unwrap_or("");
            for entry in line.split(';') {
                let tokens: Vec<&str> = entry.split_whitespace().collect();
                let err = |m: String| keys_invalid(source, format!("line {n}: {m}"));
                match tokens.as_slice() {
                    [] => {}
                    ["active", id] => {
                        if active.is_some() {
                            return Err(err("a second `active` line".into()));
                        }
                        active = Some((n, (*id).to_string()));
                    }
                    ["index", hex_text] => {
                        if index_key.is_some() {
                            return Err(err("a second `index` line".into()));
                        }
                        let key = parse_key_hex(hex_text)
                            .map_err(|m| err(format!("the index key {m}")))?;
                        index_key = Some(key);
                    }
                    [id, hex_text] | [id, "aes" | "sm4", hex_text] => {
                        let kind = if tokens.get(1) == Some(&"sm4") {
                            CipherKind::Sm4Gcm
                        } else {
                            CipherKind::Aes256Gcm
                        };
                        if !valid_key_id(id) {
                            return Err(err(format!(
                                "{id:?} is not a key id (1-{MAX_KEY_ID_LEN} characters of A-Z a-z 0-9 _ -)"
                            )));
                        }
                        if raw.iter().any(|(k, _, _)| k == id) {
                            return Err(err(format!("key id {id} is listed twice")));
                        }
                        let key = parse_hex_len(hex_text, kind.key_len())
                            .map_err(|m| err(format!("key {id} {m}")))?;
                        if let Some((other, _, _)) = raw.iter().find(|(_, _, k)| *k == key) {
                            return Err(err(format!(
                                "key {id} is the same key as {other}; generate a new one"
                            )));
                        }
                        raw.push(((*id).to_string(), kind, key));
                    }
                    _ => {
                        return Err(err(
                            "expected `<key_id> <64 hex characters>`, `<key_id> sm4 <32 hex \
                             characters>`, `active <key_id>` or `index <64 hex characters>`"
                                .into(),
                        ));
                    }
                }
            }
        }

        let Some((_, _, first_key)) = raw.first() else {
            return Err(keys_invalid(
                source,
                "no keys: expected at least one line `<key_id> <64 hex characters>`",
            ));
        };
        let index_key = match index_key {
            Some(k) => k,
            None => {
                let mut mac = hmac_with(first_key)?;
                mac.update(INDEX_KEY_LABEL);
                mac.finalize().into_bytes().into()
            }
        };
        let active = match active {
            Some((n, id)) => raw.iter().position(|(k, _, _)| *k == id).ok_or_else(|| {
                keys_invalid(
                    source,
                    format!("line {n}: the active key {id:?} is not in the ring"),
                )
            })?,
            None => raw.len() - 1,
        };
        let keys = raw
            .into_iter()
            .map(|(id, kind, key)| {
                Ok(RingKey {
                    id,
                    kind,
                    cipher: Cipher::new(kind, &key)?,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(KeyRing {
            keys,
            active,
            index: hmac_with(&index_key)?,
        })
    }

    /// Loads the ring: the `env` text (the value of `WANGGE_KEYS`) wins when it is present and not
    /// blank, else the key file at `path`. Neither → `seal.keys_missing`.
    pub fn load(path: Option<&Path>, env: Option<String>) -> Result<KeyRing, Error> {
        if let Some(text) = env.as_deref().filter(|t| !t.trim().is_empty()) {
            return KeyRing::parse(text, KEYS_ENV);
        }
        let Some(path) = path else {
            return Err(err!(
                "seal.keys_missing",
                reason = format!("set {KEYS_ENV} or give a key file")
            ));
        };
        match read_key_file(path)? {
            Some(ring) => Ok(ring),
            None => Err(err!(
                "seal.keys_missing",
                reason = format!("no key file at {}", path.display())
            )),
        }
    }

    /// Like [`KeyRing::load`], but when there is no `env` text and no file at `path`, creates the
    /// file with one new key ([`KeyRing::generate_file`]). For the demo and the first run.
    pub fn load_or_create(path: &Path, env: Option<String>) -> Result<KeyRing, Error> {
        if env.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            return KeyRing::load(Some(path), env);
        }
        if let Some(ring) = read_key_file(path)? {
            return Ok(ring);
        }
        match KeyRing::generate_file(path) {
            Ok(ring) => {
                tracing::warn!(
                    path = %path.display(),
                    "created a new key ring; back it up: without it sealed data cannot be read"
                );
                Ok(ring)
            }
            // Another process created it between our read and our create.
            Err(e) if e.code == "seal.keys_exist" => KeyRing::load(Some(path), None),
            Err(e) => Err(e),
        }
    }

    /// Creates a new key file at `path` (never overwriting: an existing file is
    /// `seal.keys_exist`) holding a random index key and one random key `k1`, mode 0600 on unix,
    /// and returns the ring it holds. Missing parent directories are created.
    pub fn generate_file(path: &Path) -> Result<KeyRing, Error> {
        let io_err = |what: &str, e: std::io::Error| {
            err!(
                "seal.keys_io",
                action = what,
                path = path.display(),
                reason = e
            )
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private_files::create_dir(dir)
                .map_err(|e| io_err("create the directory of", e))?;
        }
        let text = format!(
            "# wangge key ring. Keep it secret and keep a backup: without it sealed data is lost.\n\
             # `<key_id> <64 hex>` data keys; `active <key_id>` picks the one new values use\n\
             # (default: the last listed); `index <64 hex>` is the blind-index key: never change it.\n\
             index {}\n\
             k1 {}\n",
            hex::encode(random_bytes::<32>()?),
            hex::encode(random_bytes::<32>()?),
        );
        let ring = KeyRing::parse(&text, &path.display().to_string())?;

        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                err!("seal.keys_exist", path = path.display())
            } else {
                io_err("create", e)
            }
        })?;
        if let Err(e) = crate::private_files::set_mode(path, crate::private_files::FILE_MODE)
            .and_then(|()| file.write_all(text.as_bytes()))
            .and_then(|()| file.sync_all())
        {
            drop(file);
            let _ = std::fs::remove_file(path);
            return Err(io_err("write", e));
        }
        Ok(ring)
    }

    /// The id of the key new values are sealed with.
    pub fn active_key_id(&self) -> &str {
        self.keys.get(self.active).map_or("", |k| k.id.as_str())
    }

    /// The cipher of a key in the ring.
    pub fn cipher_of(&self, key_id: &str) -> Option<CipherKind> {
        self.keys.iter().find(|k| k.id == key_id).map(|k| k.kind)
    }

    /// All key ids, in the order listed.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.id.as_str())
    }

    /// Seals `plaintext` for the place `aad` under the active key:
    /// `v1:<key_id>:<base64(nonce ‖ ciphertext ‖ tag)>`.
    pub fn seal(&self, plaintext: &str, aad: &Aad) -> Result<String, Error> {
        let key = self
            .keys
            .get(self.active)
            .ok_or_else(|| err!("internal", detail = "the key ring has no active key"))?;
        let nonce = random_bytes::<NONCE_LEN>()?;
        let aad_bytes = aad.encode();
        let ciphertext = key
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad_bytes,
                },
            )
            .map_err(|_| err!("seal.seal_failed"))?;
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        Ok(format!("{VERSION_PREFIX}{}:{}", key.id, B64.encode(blob)))
    }

    /// Opens a sealed value for the place `aad`. A malformed value, an unknown key id, a value
    /// sealed for another place, or any altered byte → `seal.open_failed` (500); the message
    /// carries no secret data.
    pub fn open(&self, sealed: &str, aad: &Aad) -> Result<String, Error> {
        let (key_id, body) = split_sealed(sealed)
            .ok_or_else(|| open_failed("a sealed value is malformed (expected v1:<key>:<data>)"))?;
        let key = self.keys.iter().find(|k| k.id == key_id).ok_or_else(|| {
            open_failed(format!(
                "a sealed value names key {key_id:?}, which is not in the key ring"
            ))
        })?;
        let blob = B64
            .decode(body)
            .map_err(|_| open_failed("a sealed value is malformed (bad base64)"))?;
        if blob.len() < NONCE_LEN + TAG_LEN {
            return Err(open_failed("a sealed value is malformed (too short)"));
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| open_failed("a sealed value is malformed (too short)"))?;
        let aad_bytes = aad.encode();
        let plain = key
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &aad_bytes,
                },
            )
            .map_err(|_| {
                open_failed(format!(
                    "a sealed value in {}.{} could not be opened: altered, or not sealed for this row",
                    aad.table, aad.column
                ))
            })?;
        String::from_utf8(plain).map_err(|_| open_failed("a sealed value is not UTF-8 text"))
    }

    /// True when `sealed` is not a well-formed value under the active key (sealed under an older
    /// key, or not recognisable): the rotate command re-seals those.
    pub fn needs_reseal(&self, sealed: &str) -> bool {
        sealed_key_id(sealed) != Some(self.active_key_id())
    }

    /// Hex HMAC-SHA256 of `normalized_value` under the index key, with `column` as domain
    /// separation: equal values in one column give equal indexes; the same value in another
    /// column does not. The caller normalises (trim, upper-case the X of an ID number, …).
    pub fn blind_index(&self, column: &str, normalized_value: &str) -> String {
        let mut mac = self.index.clone();
        mac.update(INDEX_LABEL);
        let mut prefix = Vec::with_capacity(8 + column.len());
        push_prefixed(&mut prefix, column.as_bytes());
        mac.update(&prefix);
        mac.update(normalized_value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..INDEX_BYTES])
    }
}

/// Reads and parses a key file; `Ok(None)` when there is no file.
fn read_key_file(path: &Path) -> Result<Option<KeyRing>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(err!(
                "seal.keys_io",
                action = "read",
                path = path.display(),
                reason = e
            ));
        }
    };
    // A key file an earlier version (or a hand) left readable by others is tightened.
    crate::private_files::tighten(path, crate::private_files::FILE_MODE);
    if let Some(dir) = path.parent() {
        let own = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        crate::private_files::tighten_data_dir(dir, &own);
    }
    KeyRing::parse(&text, &path.display().to_string()).map(Some)
}

fn split_sealed(sealed: &str) -> Option<(&str, &str)> {
    let rest = sealed.strip_prefix(VERSION_PREFIX)?;
    let (key_id, body) = rest.split_once(':')?;
    (!key_id.is_empty() && !body.is_empty()).then_some((key_id, body))
}

/// The key id a sealed value names, if it is a well-formed `v1:` value.
pub fn sealed_key_id(sealed: &str) -> Option<&str> {
    split_sealed(sealed).map(|(id, _)| id)
}
