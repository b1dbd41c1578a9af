//! Byte counting so a caller can show how far an import has got.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A cheap, clonable view of a reader's progress; safe to poll from another thread.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    read: Arc<AtomicU64>,
    total: Option<u64>,
}

impl Progress {
    pub(crate) fn new(total: Option<u64>) -> Progress {
        Progress {
            read: Arc::default(),
            total,
        }
    }

    /// Bytes taken from the file so far (for XLSX: compressed bytes, so it tracks the file size).
    pub fn bytes_read(&self) -> u64 {
        let read = self.read.load(Ordering::Relaxed);
        // XLSX reads the directory at the end first; never report more than the whole.
        self.total.map_or(read, |t| read.min(t))
    }

    /// The file's size when the caller knew it.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total
    }

    /// 0–100, when the size is known.
    pub fn percent(&self) -> Option<u8> {
        let total = self.total?;
        if total == 0 {
            return Some(100);
        }
        Some((self.bytes_read().saturating_mul(100) / total).min(100) as u8)
    }

    pub(crate) fn counter(&self) -> Arc<AtomicU64> {
        self.read.clone()
    }
}

/// Counts the bytes that pass through it.
pub(crate) struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    pub(crate) fn new(inner: R, progress: &Progress) -> Counting<R> {
        Counting {
            inner,
            read: progress.counter(),
        }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}
