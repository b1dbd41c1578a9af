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
            std::fs::create_dir_all(dir).map_err(|e| io_err("create the directory of", e))?;
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
        if let Err(e) = file
            .write_all(text.as_bytes())
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
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                "the key file can be read by other users; chmod 600 it"
            );
        }
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

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// Keeps the first `head` and last `tail` characters, one `*` for each character in between.
fn keep_ends(chars: &[char], head: usize, tail: usize) -> String {
    let n = chars.len();
    let mut out: String = chars.iter().take(head).collect();
    out.push_str(&stars(n.saturating_sub(head + tail)));
    out.extend(chars.iter().skip(n.saturating_sub(tail)));
    out
}

/// `13812345678` → `138****5678`: 8 or more characters keep the first 3 and last 4; 5–7 keep
/// the last 2; shorter ones are all stars. Counts characters, not bytes.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    match chars.len() {
        n if n >= 8 => keep_ends(&chars, 3, 4),
        5..=7 => keep_ends(&chars, 0, 2),
        n => stars(n),
    }
}

/// `350102199001011234` → `3501**********1234`: 12 or more characters (15- and 18-character
/// ID numbers) keep the first 4 and last 4; 6–11 (passports, permits) keep the first 2 and last
/// 2; shorter ones are all stars.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    match chars.len() {
        n if n >= 12 => keep_ends(&chars, 4, 4),
        6..=11 => keep_ends(&chars, 2, 2),
        n => stars(n),
    }
}

/// `张三丰` → `张**`: the first character, then one `*` per remaining character; a one-character
/// name is `*`, an empty one stays empty.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => stars(1),
        _ => keep_ends(&chars, 1, 0),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const K1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const K2: &str = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

    fn ring1() -> KeyRing {
        KeyRing::from_text(&format!("k1 {K1}")).unwrap()
    }

    fn place(row: &str) -> Aad<'_> {
        Aad::new("residents", "id_number", row)
    }

    fn temp_path(name: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "wangge-seal-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        dir.join(name)
    }

    #[test]
    fn round_trip() {
        let ring = ring1();
        for plain in ["350102199001011234", "", "张三丰 · 重点人员"] {
            let sealed = ring.seal(plain, &place("r1")).unwrap();
            assert!(sealed.starts_with("v1:k1:"), "{sealed}");
            assert!(!sealed.contains(plain) || plain.is_empty());
            assert_eq!(ring.open(&sealed, &place("r1")).unwrap(), plain);
        }
    }

    #[test]
    fn other_place_fails() {
        let ring = ring1();
        let sealed = ring.seal("13812345678", &place("r1")).unwrap();
        for other in [
            place("r2"),
            Aad::new("residents", "phone", "r1"),
            Aad::new("volunteers", "id_number", "r1"),
            // Same concatenation, different split: the length prefixes tell them apart.
            Aad::new("residentsi", "d_number", "r1"),
        ] {
            let e = ring.open(&sealed, &other).unwrap_err();
            assert_eq!(e.code, "seal.open_failed");
            assert_eq!(e.status, 500);
            assert!(!e.message.contains("13812345678"));
        }
    }

    #[test]
    fn tampering_fails() {
        let ring = ring1();
        let sealed = ring.seal("13812345678", &place("r1")).unwrap();
        let (head, body) = sealed.rsplit_once(':').unwrap();
        let blob = B64.decode(body).unwrap();
        for i in 0..blob.len() {
            let mut b = blob.clone();
            b[i] ^= 0x01;
            let t = format!("{head}:{}", B64.encode(&b));
            assert_eq!(
                ring.open(&t, &place("r1")).unwrap_err().code,
                "seal.open_failed",
                "byte {i}"
            );
        }
        // Truncated, empty, garbage, other version.
        for bad in [
            "",
            "v1:k1:",
            "v1:k1:AAAA",
            "v1:k1:not base64!",
            "v2:k1:AAAA",
            "13812345678",
            &sealed[..sealed.len() - 4],
        ] {
            assert_eq!(
                ring.open(bad, &place("r1")).unwrap_err().code,
                "seal.open_failed",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn unknown_key_fails() {
        let ring = ring1();
        let other = KeyRing::from_text(&format!("k9 {K2}")).unwrap();
        let sealed = other.seal("x", &place("r1")).unwrap();
        let e = ring.open(&sealed, &place("r1")).unwrap_err();
        assert_eq!(e.code, "seal.open_failed");
        assert!(e.message.contains("k9"));
        // A key with the right id but other bytes fails too.
        let impostor = KeyRing::from_text(&format!("k1 {K2}")).unwrap();
        let sealed = impostor.seal("x", &place("r1")).unwrap();
        assert_eq!(
            ring.open(&sealed, &place("r1")).unwrap_err().code,
            "seal.open_failed"
        );
    }

    #[test]
    fn fresh_nonce_but_stable_blind_index() {
        let ring = ring1();
        let a = ring.seal("350102199001011234", &place("r1")).unwrap();
        let b = ring.seal("350102199001011234", &place("r1")).unwrap();
        assert_ne!(a, b);
        let i1 = ring.blind_index("id_number", "350102199001011234");
        let i2 = ring.blind_index("id_number", "350102199001011234");
        assert_eq!(i1, i2);
        assert_eq!(i1.len(), 32);
        assert!(i1.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(i1, ring.blind_index("phone", "350102199001011234"));
        assert_ne!(i1, ring.blind_index("id_number", "350102199001011235"));
        // Column/value split is unambiguous.
        assert_ne!(ring.blind_index("ab", "c"), ring.blind_index("a", "bc"));
        // Another ring gives other indexes.
        let other = KeyRing::from_text(&format!("k1 {K2}")).unwrap();
        assert_ne!(i1, other.blind_index("id_number", "350102199001011234"));
    }

    #[test]
    fn rotation() {
        let old = ring1();
        let v1 = old.seal("13812345678", &place("r1")).unwrap();
        assert!(!old.needs_reseal(&v1));

        let new = KeyRing::from_text(&format!("k1 {K1}\nk2 {K2}")).unwrap();
        assert_eq!(new.active_key_id(), "k2");
        assert_eq!(new.key_ids().collect::<Vec<_>>(), ["k1", "k2"]);
        assert_eq!(new.open(&v1, &place("r1")).unwrap(), "13812345678");
        assert!(new.needs_reseal(&v1));
        let v2 = new.seal("13812345678", &place("r1")).unwrap();
        assert!(v2.starts_with("v1:k2:"));
        assert_eq!(sealed_key_id(&v2), Some("k2"));
        assert!(!new.needs_reseal(&v2));
        assert!(new.needs_reseal("garbage"));
        // The blind index survives rotation.
        assert_eq!(
            old.blind_index("phone", "13812345678"),
            new.blind_index("phone", "13812345678")
        );

        // An explicit `active` line overrides "last listed".
        let pinned = KeyRing::from_text(&format!("k1 {K1}; k2 {K2}; active k1")).unwrap();
        assert_eq!(pinned.active_key_id(), "k1");
        assert!(
            pinned
                .seal("x", &place("r1"))
                .unwrap()
                .starts_with("v1:k1:")
        );
        assert!(!pinned.needs_reseal(&v1));
    }

    #[test]
    fn index_line() {
        let with_index =
            KeyRing::from_text(&format!("# comment\nindex {K2}\nk1 {K1}  # trailing\n")).unwrap();
        let without = ring1();
        assert_eq!(with_index.active_key_id(), "k1");
        assert_ne!(
            with_index.blind_index("phone", "1"),
            without.blind_index("phone", "1")
        );
        // With an index line the first key may go away without changing the index.
        let later = KeyRing::from_text(&format!("index {K2}\nk2 {K1}")).unwrap();
        assert_eq!(
            with_index.blind_index("phone", "1"),
            later.blind_index("phone", "1")
        );
    }

    #[test]
    fn from_text_errors() {
        let cases = [
            ("".to_string(), "no keys"),
            ("# only a comment\n\n".to_string(), "no keys"),
            (format!("k1 {}", &K1[..63]), "line 1: key k1 must be 64 hex"),
            (format!("k1 {K1}0"), "found 65"),
            (format!("k1 {}zz", &K1[..62]), "line 1: key k1 contains"),
            (
                format!("k1 {K1}\nk1 {K2}"),
                "line 2: key id k1 is listed twice",
            ),
            (
                format!("k1 {K1}\nk2 {K1}"),
                "line 2: key k2 is the same key as k1",
            ),
            (
                format!("k1 {K1}\nactive k3"),
                "line 2: the active key \"k3\"",
            ),
            (format!("k1 {K1}\nactive k1\nactive k1"), "line 3: a second"),
            (format!("k:1 {K1}"), "line 1: \"k:1\" is not a key id"),
            (format!("\n\nk1 {K1} extra"), "line 3: expected"),
            ("k1".to_string(), "line 1: expected"),
            (
                format!("index 00\nk1 {K1}"),
                "line 1: the index key must be 64 hex",
            ),
        ];
        for (text, want) in cases {
            let e = KeyRing::from_text(&text).unwrap_err();
            assert_eq!(e.code, "seal.keys_invalid", "{text:?}");
            assert!(e.message.contains(want), "{text:?}: {}", e.message);
            assert!(!e.message.contains(&K1[..20]), "leaks key: {}", e.message);
            assert!(!e.message.contains(&K2[..20]), "leaks key: {}", e.message);
        }
        // Debug output shows no key material.
        let dbg = format!("{:?}", ring1());
        assert!(dbg.contains("k1") && !dbg.contains(&K1[..8]), "{dbg}");
    }

    #[test]
    fn load_precedence() {
        let path = temp_path("keys.txt");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("k1 {K1}\n")).unwrap();
        let from_file = KeyRing::load(Some(&path), None).unwrap();
        let from_env = KeyRing::load(Some(&path), Some(format!("k7 {K2};"))).unwrap();
        assert_eq!(from_file.active_key_id(), "k1");
        assert_eq!(from_env.active_key_id(), "k7");
        // A blank env value does not count.
        let blank = KeyRing::load(Some(&path), Some("  \n".into())).unwrap();
        assert_eq!(blank.active_key_id(), "k1");
        // The env ring's errors name the variable.
        let e = KeyRing::load(Some(&path), Some("k1 00".into())).unwrap_err();
        assert!(
            e.message.starts_with("WANGGE_KEYS: line 1"),
            "{}",
            e.message
        );

        let missing = path.with_file_name("absent.txt");
        assert_eq!(
            KeyRing::load(Some(&missing), None).unwrap_err().code,
            "seal.keys_missing"
        );
        assert_eq!(
            KeyRing::load(None, None).unwrap_err().code,
            "seal.keys_missing"
        );
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn load_or_create() {
        let path = temp_path("sub/keys.txt");
        // With the env value set, no file is created.
        let env_ring = KeyRing::load_or_create(&path, Some(format!("k1 {K1}"))).unwrap();
        assert_eq!(env_ring.active_key_id(), "k1");
        assert!(!path.exists());

        let created = KeyRing::load_or_create(&path, None).unwrap();
        assert!(path.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let loaded = KeyRing::load(Some(&path), None).unwrap();
        let again = KeyRing::load_or_create(&path, None).unwrap();
        let sealed = created.seal("13812345678", &place("r1")).unwrap();
        for ring in [&loaded, &again] {
            assert_eq!(ring.active_key_id(), "k1");
            assert_eq!(ring.open(&sealed, &place("r1")).unwrap(), "13812345678");
            assert_eq!(
                ring.blind_index("phone", "13812345678"),
                created.blind_index("phone", "13812345678")
            );
        }
        // Never overwrites.
        assert_eq!(
            KeyRing::generate_file(&path).unwrap_err().code,
            "seal.keys_exist"
        );
        // Two generated rings differ.
        let other = KeyRing::generate_file(&path.with_file_name("other.txt")).unwrap();
        assert!(other.open(&sealed, &place("r1")).is_err());
        std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap()).unwrap();
    }

    const S3: &str = "0123456789abcdeffedcba9876543210";

    #[test]
    fn sm4_gcm_known_answer() {
        // RFC 8998, appendix A.1 (SM4-GCM).
        let key = hex::decode(S3).unwrap();
        let c = Cipher::new(CipherKind::Sm4Gcm, &key).unwrap();
        let nonce: [u8; NONCE_LEN] = hex::decode("00001234567800000000ABCD")
            .unwrap()
            .try_into()
            .unwrap();
        let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
        let plain = hex::decode(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD\
             EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        )
        .unwrap();
        let out = c
            .encrypt(
                &nonce,
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .unwrap();
        assert_eq!(
            hex::encode_upper(&out),
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
             D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D\
             83DE3541E4C2B58177E065A9BF7B62EC"
        );
    }

    #[test]
    fn sm4_keys() {
        let ring = KeyRing::from_text(&format!("k1 {K1}\nk3 sm4 {S3}")).unwrap();
        assert_eq!(ring.active_key_id(), "k3");
        assert_eq!(ring.cipher_of("k3"), Some(CipherKind::Sm4Gcm));
        assert_eq!(ring.cipher_of("k1"), Some(CipherKind::Aes256Gcm));
        let sealed = ring.seal("350102199001011234", &place("r1")).unwrap();
        assert!(sealed.starts_with("v1:k3:"));
        assert_eq!(
            ring.open(&sealed, &place("r1")).unwrap(),
            "350102199001011234"
        );
        assert_eq!(
            ring.open(&sealed, &place("r2")).unwrap_err().code,
            "seal.open_failed"
        );
        // The key id picks the cipher: an AES value in the same ring still opens.
        let aes = ring1().seal("x", &place("r1")).unwrap();
        assert_eq!(ring.open(&aes, &place("r1")).unwrap(), "x");
        // An AES key with the SM4 key's id does not open it.
        let impostor = KeyRing::from_text(&format!("k3 {K2}")).unwrap();
        assert!(impostor.open(&sealed, &place("r1")).is_err());
        // Explicit `aes`, wrong lengths, unknown ciphers.
        assert!(KeyRing::from_text(&format!("k1 aes {K1}")).is_ok());
        for (text, want) in [
            (
                format!("k3 sm4 {K1}"),
                "line 1: key k3 must be 32 hex characters (16 bytes)",
            ),
            (format!("k1 aes {S3}"), "line 1: key k1 must be 64 hex"),
            (format!("k1 des {S3}"), "line 1: expected"),
        ] {
            let e = KeyRing::from_text(&text).unwrap_err();
            assert!(e.message.contains(want), "{text}: {}", e.message);
            assert!(!e.message.contains(&S3[..16]));
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0591-87654321"), "059******4321");
        assert_eq!(mask_phone("5551234"), "*****34");
        assert_eq!(mask_phone("1234"), "****");
        assert_eq!(mask_phone(""), "");
        assert_eq!(mask_phone("１３８１２３４５６７８"), "１３８****５６７８");

        assert_eq!(mask_id("350102199001011234"), "3501**********1234");
        assert_eq!(mask_id("35010219900101X"), "3501*******101X");
        assert_eq!(mask_id("E12345678"), "E1*****78");
        assert_eq!(mask_id("12345"), "*****");
        assert_eq!(mask_id(""), "");

        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("张"), "*");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name("阿依古丽·买买提"), "阿*******");
        assert_eq!(mask_name("Li Lei"), "L*****");
        assert_eq!(mask_name("👩‍🌾"), "👩**");
    }
}
