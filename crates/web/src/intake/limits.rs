//! A case's time limit as residents see it (the tracking page, the resident page, the public
//! board): the limit by the case's complexity and when it ends, whether it was or is being met,
//! and how long the case has been open, in calendar days and hours (said so on the page).

use wangge_domain::deadline::{Complexity, Period};
use wangge_domain::event::Status;
use wangge_domain::residents::{self, LimitState};

use crate::i18n::Tr;
use crate::ui::due_text;

pub struct LimitView {
    /// "7 个自然日": the whole case's limit.
    pub period: String,
    /// When it ends, as every page says a due instant; empty when unknown.
    pub until: String,
    /// `running`, `overdue`, `met`, `met_late` or `unknown`.
    pub state: String,
    pub state_label: String,
    /// "已历时" while open, "办理用时" once closed.
    pub elapsed_label: String,
    /// "2 天 3 小时"; empty for a case that ended without being closed.
    pub elapsed: String,
}

impl LimitView {
    pub fn overdue(&self) -> bool {
        self.state == LimitState::Overdue.code()
    }
}

pub fn period_text(t: &Tr, p: Period) -> String {
    let (key, n) = match p {
        Period::CalendarDays(n) => ("limit.calendar_days", n),
        Period::WorkingDays(n) => ("limit.working_days", n),
        Period::Minutes(n) => ("limit.minutes", n),
    };
    t.s(key).replace("{n}", &n.to_string())
}

/// The view of a case reported at `reported_at` with the whole-case limit `final_due`.
pub fn limit_view(
    t: &Tr,
    complexity: &str,
    status: Status,
    reported_at: i64,
    final_due: Option<i64>,
    closed_at: Option<i64>,
    now: i64,
) -> LimitView {
    let open = status.is_open();
    let closed = if status == Status::Closed {
        closed_at
    } else {
        None
    };
    let state = residents::limit_state(final_due, open, closed, now);
    let end = if open { Some(now) } else { closed };
    let elapsed = end.map(|end| {
        let e = residents::elapsed(reported_at, end);
        t.s("limit.elapsed")
            .replace("{d}", &e.days.to_string())
            .replace("{h}", &e.hours.to_string())
    });
    LimitView {
        period: period_text(
            t,
            Complexity::parse(complexity)
                .unwrap_or(Complexity::Ordinary)
                .period(),
        ),
        until: final_due.map(due_text).unwrap_or_default(),
        state: state.code().to_string(),
        state_label: t.s(&format!("limit.state.{}", state.code())).to_string(),
        elapsed_label: t
            .s(if open { "limit.open_for" } else { "limit.took" })
            .to_string(),
        elapsed: elapsed.unwrap_or_default(),
    }
}
