//! Files that hold personal data or keys (the SQLite database and its `-wal`/`-shm`, the key
//! ring) are readable by their owner alone: 0600, in a data directory of 0700. Modes are set
//! explicitly after creation, so the umask does not decide them, and files made by an earlier
//! version are tightened at start-up. Elsewhere than unix these are no-ops.

use std::path::Path;

/// The mode of a private file.
pub const FILE_MODE: u32 = 0o600;
/// The mode of a data directory.
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` and its missing parents; the directories this call creates get 0700.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dir(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => set_mode(dir, DIR_MODE),
        // Another process made it meanwhile.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates an empty private file at `path` unless one exists (whoever then opens it, SQLite for
/// example, finds it already 0600).
pub fn create_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    match options.open(path) {
        Ok(_) => set_mode(path, FILE_MODE),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sets the mode bits of `path` exactly (the umask played its part at creation).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// The permission bits of `path`, if it exists (always `None` elsewhere than unix).
pub fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Takes group and other access away from an existing file or directory (`private` = 0600 or
/// 0700); a warning when that fails (a file owned by someone else, say).
pub fn tighten(path: &Path, private: u32) {
    let Some(mode) = mode_of(path) else {
        return;
    };
    if mode & 0o077 == 0 {
        return;
    }
    match set_mode(path, private) {
        Ok(()) => tracing::warn!(
            path = %path.display(),
            was = format!("{mode:o}"),
            now = format!("{private:o}"),
            "others could read this file of personal data or keys; its mode was tightened"
        ),
        Err(e) => tracing::warn!(
            path = %path.display(),
            error = %e,
            "others can read this file of personal data or keys and its mode cannot be changed; chmod it"
        ),
    }
}

/// Tightens a data directory made by an earlier version: only when every entry in it is one of
/// wangge's own files (names starting with `wangge` or with `own_prefix`, the database file's
/// name), so a directory shared with other things (a home) is never changed; nor one that is
/// shared by design (sticky or writable by all, like `/tmp`).
pub fn tighten_data_dir(dir: &Path, own_prefix: &str) {
    let Some(mode) = mode_of(dir).filter(|_| !dir.as_os_str().is_empty()) else {
        return;
    };
    if mode & 0o1002 != 0 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let only_ours = entries.flatten().all(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.starts_with("wangge") || (!own_prefix.is_empty() && name.starts_with(own_prefix))
    });
    if only_ours {
        tighten(dir, DIR_MODE);
    }
}

/// The SQLite files of the database at `path`: the database itself, its write-ahead log and
/// shared-memory index, and the rollback journal.
pub fn sqlite_files(path: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        out.push(name.into());
    }
    out
}
