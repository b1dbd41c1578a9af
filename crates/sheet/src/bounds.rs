//! Readers that stop a file at its bounds. A ZIP's declared sizes are checked up front, but
//! never trusted: each of these counts what really passes and fails with a [`TooLarge`] the
//! moment a bound is crossed, so nothing past it is ever held.

use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{SheetError, TooLarge};

/// The payload of an I/O error raised at a bound, so it can be told from a real I/O error
/// after the zip, csv or XML reader has wrapped it.
#[derive(Debug)]
struct Overflow(TooLarge);

impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Overflow {}

pub(crate) fn overflow(t: TooLarge) -> io::Error {
    io::Error::other(Overflow(t))
}

/// The bound an I/O error reports, if it is one of ours.
pub(crate) fn bound_of(e: &io::Error) -> Option<TooLarge> {
    e.get_ref()?.downcast_ref::<Overflow>().map(|o| o.0.clone())
}

/// An I/O error as a [`SheetError`]: a crossed bound keeps its own code.
pub(crate) fn io_error(e: io::Error) -> SheetError {
    match bound_of(&e) {
        Some(t) => SheetError::TooLarge(t),
        None => SheetError::Io(e),
    }
}

/// Bytes the zip crate may read while it parses the ZIP directory; lifted once it is parsed.
/// Every directory entry it keeps costs a few hundred bytes and needs at least 46 read, so
/// this bounds what it holds however many entries the file claims.
pub(crate) struct Budgeted<R> {
    inner: R,
    left: Arc<AtomicU64>,
    max_kb: u64,
}

/// Lifts a [`Budgeted`] reader's budget.
pub(crate) struct Lift(Arc<AtomicU64>);

impl Lift {
    pub(crate) fn lift(&self) {
        self.0.store(u64::MAX, Ordering::Relaxed);
    }
}

impl<R> Budgeted<R> {
    pub(crate) fn new(inner: R, budget: u64) -> (Budgeted<R>, Lift) {
        let left = Arc::new(AtomicU64::new(budget));
        let reader = Budgeted {
            inner,
            left: left.clone(),
            max_kb: crate::limits::kib(budget),
        };
        (reader, Lift(left))
    }
}

impl<R: Read> Read for Budgeted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.left.load(Ordering::Relaxed);
        if left == u64::MAX {
            return self.inner.read(buf);
        }
        if left == 0 && !buf.is_empty() {
            return Err(overflow(TooLarge::Directory {
                max_kb: self.max_kb,
            }));
        }
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buf[..n])?;
        self.left.fetch_sub(got as u64, Ordering::Relaxed);
        Ok(got)
    }
}

impl<R: Seek> Seek for Budgeted<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// An inflated part, stopped at `left` bytes: one byte more fails with `over`.
pub(crate) struct Capped<R> {
    inner: R,
    left: u64,
    read: u64,
    over: TooLarge,
}

impl<R> Capped<R> {
    pub(crate) fn new(inner: R, max: u64, over: TooLarge) -> Capped<R> {
        Capped {
            inner,
            left: max,
            read: 0,
            over,
        }
    }

    /// Bytes inflated so far.
    pub(crate) fn inflated(&self) -> u64 {
        self.read
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // At the bound: the part may end exactly here, or it is too big.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(overflow(self.over.clone())),
            };
        }
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got as u64;
        self.read += got as u64;
        Ok(got)
    }
}

/// Bounds one XML event: the XML reader buffers a whole element or text run, so a long one is
/// stopped while it is read, not after. The caller calls [`EventCap::start`] before each event.
pub(crate) struct EventCap<R> {
    inner: R,
    used: usize,
    max: usize,
    /// What to report when an event is too long (its row is set as the sheet is read).
    over: TooLarge,
}

impl<R> EventCap<R> {
    pub(crate) fn new(inner: R, max: usize, over: TooLarge) -> EventCap<R> {
        EventCap {
            inner,
            used: 0,
            max,
            over,
        }
    }

    pub(crate) fn start(&mut self, row: Option<usize>) {
        self.used = 0;
        if let (TooLarge::Row { row: r, .. }, Some(row)) = (&mut self.over, row) {
            *r = row;
        }
    }
}

impl<R: Read> Read for EventCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.used = self.used.saturating_add(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for EventCap<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.used > self.max {
            return Err(overflow(self.over.clone()));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.used = self.used.saturating_add(amt);
        self.inner.consume(amt);
    }
}

/// The first 64 characters of an over-long cell, on one line: enough to find it, never more.
pub(crate) fn start_of(text: &str) -> String {
    text.trim_start()
        .chars()
        .take(64)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn capped_stops_one_byte_past_its_bound_and_not_at_it() {
        let over = TooLarge::Inflated { max_mb: 1 };
        let mut exact = Capped::new(&[1u8; 10][..], 10, over.clone());
        let mut out = Vec::new();
        exact.read_to_end(&mut out).unwrap();
        assert_eq!((out.len(), exact.inflated()), (10, 10));
        let mut longer = Capped::new(&[1u8; 11][..], 10, over.clone());
        let e = longer.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(bound_of(&e), Some(over));
    }

    #[test]
    fn budgeted_fails_when_spent_until_lifted() {
        let (mut r, lift) = Budgeted::new(io::Cursor::new(vec![0u8; 100]), 10);
        let mut buf = [0u8; 64];
        assert_eq!(r.read(&mut buf).unwrap(), 10);
        let e = r.read(&mut buf).unwrap_err();
        assert!(matches!(bound_of(&e), Some(TooLarge::Directory { .. })));
        lift.lift();
        assert_eq!(r.read(&mut buf).unwrap(), 64);
    }

    #[test]
    fn a_long_cell_starts_in_64_characters_on_one_line() {
        let s = start_of(&format!("  甲\n乙{}", "丙".repeat(1000)));
        assert_eq!(s.chars().count(), 64);
        assert!(s.starts_with("甲 乙丙"), "{s}");
    }
}
