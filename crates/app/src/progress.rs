//! Progress on standard error: one line rewritten in place on a terminal; off a terminal (a log
//! file, a pipe) plain lines, fewer of them, since carriage returns run together there.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    tty: bool,
    /// When the last line was written; none yet at first.
    last: Option<Instant>,
    /// Whether a line waits on the terminal for its newline.
    open: bool,
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
            last: None,
            open: false,
        }
    }

    pub fn is_terminal(&self) -> bool {
        self.tty
    }

    /// The least time between two lines: a terminal redraws often, a log gets a line now and then.
    fn gap(&self) -> Duration {
        if self.tty {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(5)
        }
    }

    /// Shows `line` unless one was shown a moment ago.
    pub fn show(&mut self, line: &str) {
        if self.last.is_some_and(|t| t.elapsed() < self.gap()) {
            return;
        }
        self.show_now(line);
    }

    /// Shows `line` whenever the last was shown (a new phase, the final count).
    pub fn show_now(&mut self, line: &str) {
        self.last = Some(Instant::now());
        let mut err = std::io::stderr();
        if self.tty {
            // Spaces wipe the tail of a longer line before.
            let _ = write!(err, "\r{line}   ");
            self.open = true;
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    /// Ends the terminal's line if one is open.
    pub fn end(&mut self) {
        if self.open {
            eprintln!();
            self.open = false;
        }
    }
}
