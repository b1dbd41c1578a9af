//! Activities (志愿活动): what a community publishes (title, content, kind and points from the
//! catalogue in force, places, time), who may sign up and cancel, and how attendance is taken
//! after it started. Places are taken first come first served by the store (one conditional
//! UPDATE under the activity's row lock); the rules here say what is allowed at all.

use crate::volunteers::catalogue::{Catalogue, OTHER};
use crate::{Error, err};

pub const MAX_TITLE: usize = 60;
pub const MAX_CONTENT: usize = 2_000;
pub const MAX_LOCATION: usize = 100;
pub const MAX_PLACES: i64 = 500;
pub const MAX_REASON: usize = 200;
/// The longest an activity lasts, and how long it lasts when no end is given.
pub const MAX_LENGTH_MS: i64 = 7 * 86_400_000;
pub const DEFAULT_LENGTH_MS: i64 = 2 * 3_600_000;
/// How far ahead an activity may be published.
pub const MAX_AHEAD_DAYS: i64 = 366;
/// The most volunteers one attendance call marks.
pub const MAX_MARKS: usize = 500;

/// An activity as its organiser drafts it (texts trimmed by the caller or here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft<'a> {
    pub title: &'a str,
    pub content: &'a str,
    pub location: &'a str,
    pub kind: &'a str,
    pub points: i64,
    pub places: i64,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// The value of an "other" service approved by the street for this community, if one was named.
pub type ApprovedOther = Option<i64>;

/// Checks a draft against the catalogue in force at its community. For kind `other`,
/// `approved` is the points of the street's approval named with it (none when no approval, or
/// one that is not approved for this community, was named).
pub fn validate(
    d: &Draft<'_>,
    catalogue: &Catalogue,
    approved: ApprovedOther,
    now: i64,
) -> Result<(), Error> {
    let n = d.title.trim().chars().count();
    if n == 0 || n > MAX_TITLE {
        return Err(err!("volunteers.activity_title", max = MAX_TITLE));
    }
    if d.content.trim().chars().count() > MAX_CONTENT {
        return Err(err!("volunteers.activity_content", max = MAX_CONTENT));
    }
    if d.location.trim().chars().count() > MAX_LOCATION {
        return Err(err!("volunteers.activity_location", max = MAX_LOCATION));
    }
    if !(1..=MAX_PLACES).contains(&d.places) {
        return Err(err!("volunteers.activity_places", max = MAX_PLACES));
    }
    if d.starts_at <= now {
        return Err(err!("volunteers.activity_starts_past"));
    }
    if d.starts_at.saturating_sub(now) > MAX_AHEAD_DAYS * 86_400_000 {
        return Err(err!(
            "volunteers.activity_starts_far",
            days = MAX_AHEAD_DAYS
        ));
    }
    if d.ends_at <= d.starts_at || d.ends_at.saturating_sub(d.starts_at) > MAX_LENGTH_MS {
        return Err(err!(
            "volunteers.activity_ends",
            days = MAX_LENGTH_MS / 86_400_000
        ));
    }
    let kind: String = d.kind.trim().chars().take(32).collect();
    let want = if kind == OTHER {
        match approved {
            Some(p) => p,
            None => return Err(err!("volunteers.activity_other_unapproved")),
        }
    } else {
        match catalogue.kind(&kind) {
            Some(k) if k.activity => k.points,
            _ => return Err(err!("volunteers.activity_kind", kind)),
        }
    };
    if d.points != want {
        return Err(err!(
            "volunteers.activity_points",
            points = d.points,
            kind,
            want
        ));
    }
    Ok(())
}

/// An activity's facts the sign-up rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts<'a> {
    pub status: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub community_id: i64,
}

/// Only an active volunteer of the activity's community signs up, only to an open activity
/// that has not started. (A volunteer of another community never sees it: the store answers
/// "not found" before this.)
pub fn may_sign_up(
    a: &Facts<'_>,
    volunteer_status: &str,
    volunteer_community: i64,
    now: i64,
) -> Result<(), Error> {
    if volunteer_status != "active" || volunteer_community != a.community_id {
        return Err(err!("volunteers.not_active"));
    }
    if a.status == "cancelled" {
        return Err(err!("volunteers.activity_cancelled"));
    }
    if a.status != "open" || now >= a.starts_at {
        return Err(err!("volunteers.activity_started"));
    }
    Ok(())
}

/// A sign-up is cancelled only before the activity starts (and not once it was cancelled).
pub fn may_cancel_signup(a: &Facts<'_>, now: i64) -> Result<(), Error> {
    if a.status == "cancelled" {
        return Err(err!("volunteers.activity_cancelled"));
    }
    if a.status != "open" || now >= a.starts_at {
        return Err(err!("volunteers.signup_cancel_late"));
    }
    Ok(())
}

/// The organiser cancels an activity while it is open and not over, with a reason.
pub fn may_cancel_activity(a: &Facts<'_>, reason: &str, now: i64) -> Result<(), Error> {
    let n = reason.trim().chars().count();
    if n == 0 || n > MAX_REASON {
        return Err(err!("volunteers.cancel_reason", max = MAX_REASON));
    }
    if a.status == "cancelled" {
        return Err(err!("volunteers.activity_cancelled"));
    }
    if a.status != "open" || now >= a.ends_at {
        return Err(err!("volunteers.activity_over"));
    }
    Ok(())
}

/// Attendance is taken once the activity started, never for a cancelled one.
pub fn may_take_attendance(a: &Facts<'_>, now: i64) -> Result<(), Error> {
    if a.status == "cancelled" {
        return Err(err!("volunteers.activity_cancelled"));
    }
    if now < a.starts_at {
        return Err(err!("volunteers.attendance_early"));
    }
    Ok(())
}

/// What attendance makes of a confirmed sign-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Served,
    Absent,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Served => "served",
            Mark::Absent => "absent",
        }
    }
}

/// Turns an attendance call (who served, who was absent) into the marks to write, given the
/// activity's sign-ups as (volunteer id, status). Only confirmed sign-ups are marked; one
/// already marked the same way is left as it is (a second confirmation writes nothing more);
/// one marked the other way is refused (points once written are corrected in the ledger, not
/// here); anyone who did not hold a place is refused.
pub fn plan_attendance(
    signups: &[(i64, String)],
    served: &[i64],
    absent: &[i64],
) -> Result<Vec<(i64, Mark)>, Error> {
    if served.len() + absent.len() > MAX_MARKS {
        return Err(err!("volunteers.attendance_too_many", max = MAX_MARKS));
    }
    if served.is_empty() && absent.is_empty() {
        return Err(err!("volunteers.attendance_empty"));
    }
    let mut out: Vec<(i64, Mark)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let asked = served
        .iter()
        .map(|v| (*v, Mark::Served))
        .chain(absent.iter().map(|v| (*v, Mark::Absent)));
    for (id, mark) in asked {
        if !seen.insert(id) {
            return Err(err!("volunteers.attendance_twice", id));
        }
        let status = signups
            .iter()
            .find(|(v, _)| *v == id)
            .map(|(_, s)| s.as_str());
        match status {
            Some("confirmed") => out.push((id, mark)),
            Some(s) if s == mark.as_str() => {}
            Some("served") | Some("absent") => {
                return Err(err!("volunteers.attendance_marked", id));
            }
            _ => return Err(err!("volunteers.attendance_not_confirmed", id)),
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn draft() -> Draft<'static> {
        Draft {
            title: "楼道清扫",
            content: "",
            location: "3号楼",
            kind: "cleaning",
            points: 2,
            places: 30,
            starts_at: 10 * H,
            ends_at: 12 * H,
        }
    }

    fn code(r: Result<(), Error>) -> &'static str {
        r.err().map(|e| e.code).unwrap_or("ok")
    }

    #[test]
    fn a_good_draft_passes_and_each_fault_is_named() {
        let c = Catalogue::seed();
        assert_eq!(code(validate(&draft(), &c, None, 0)), "ok");
        let mut d = draft();
        d.title = " ";
        assert_eq!(code(validate(&d, &c, None, 0)), "volunteers.activity_title");
        let long = "字".repeat(61);
        let mut d = draft();
        d.title = &long;
        assert_eq!(code(validate(&d, &c, None, 0)), "volunteers.activity_title");
        let mut d = draft();
        d.places = 0;
        assert_eq!(
            code(validate(&d, &c, None, 0)),
            "volunteers.activity_places"
        );
        d.places = 501;
        assert_eq!(
            code(validate(&d, &c, None, 0)),
            "volunteers.activity_places"
        );
        assert_eq!(
            code(validate(&draft(), &c, None, 10 * H)),
            "volunteers.activity_starts_past"
        );
        let mut d = draft();
        d.ends_at = d.starts_at;
        assert_eq!(code(validate(&d, &c, None, 0)), "volunteers.activity_ends");
        let mut far = draft();
        far.starts_at = i64::MAX / 2;
        far.ends_at = far.starts_at + H;
        assert_eq!(
            code(validate(&far, &c, None, 0)),
            "volunteers.activity_starts_far"
        );
        d.ends_at = d.starts_at + MAX_LENGTH_MS + 1;
        assert_eq!(code(validate(&d, &c, None, 0)), "volunteers.activity_ends");
        let content = "x".repeat(2001);
        let mut d = draft();
        d.content = &content;
        assert_eq!(
            code(validate(&d, &c, None, 0)),
            "volunteers.activity_content"
        );
    }

    #[test]
    fn points_come_from_the_catalogue_or_an_approval() {
        let c = Catalogue::seed();
        let mut d = draft();
        d.points = 5;
        let e = validate(&d, &c, None, 0).unwrap_err();
        assert_eq!(e.code, "volunteers.activity_points");
        assert!(e.message.contains('2'), "{}", e.message);
        let mut d = draft();
        d.kind = "clue";
        d.points = 5;
        assert_eq!(code(validate(&d, &c, None, 0)), "volunteers.activity_kind");
        d.kind = "nonsense";
        assert_eq!(code(validate(&d, &c, None, 0)), "volunteers.activity_kind");
        d.kind = "other";
        assert_eq!(
            code(validate(&d, &c, None, 0)),
            "volunteers.activity_other_unapproved"
        );
        assert_eq!(code(validate(&d, &c, Some(5), 0)), "ok");
        assert_eq!(
            code(validate(&d, &c, Some(4), 0)),
            "volunteers.activity_points"
        );
    }

    #[test]
    fn sign_up_and_cancel_rules() {
        let a = Facts {
            status: "open",
            starts_at: 10 * H,
            ends_at: 12 * H,
            community_id: 7,
        };
        assert!(may_sign_up(&a, "active", 7, 9 * H).is_ok());
        assert_eq!(
            code(may_sign_up(&a, "applied", 7, 9 * H)),
            "volunteers.not_active"
        );
        assert_eq!(
            code(may_sign_up(&a, "active", 8, 9 * H)),
            "volunteers.not_active"
        );
        assert_eq!(
            code(may_sign_up(&a, "active", 7, 10 * H)),
            "volunteers.activity_started"
        );
        let c = Facts {
            status: "cancelled",
            ..a
        };
        assert_eq!(
            code(may_sign_up(&c, "active", 7, 0)),
            "volunteers.activity_cancelled"
        );
        assert!(may_cancel_signup(&a, 9 * H).is_ok());
        assert_eq!(
            code(may_cancel_signup(&a, 10 * H)),
            "volunteers.signup_cancel_late"
        );
        assert_eq!(
            code(may_cancel_activity(&a, "", 0)),
            "volunteers.cancel_reason"
        );
        assert!(may_cancel_activity(&a, "下雨", 11 * H).is_ok());
        assert_eq!(
            code(may_cancel_activity(&a, "下雨", 12 * H)),
            "volunteers.activity_over"
        );
        assert_eq!(
            code(may_take_attendance(&a, 9 * H)),
            "volunteers.attendance_early"
        );
        assert!(may_take_attendance(&a, 10 * H).is_ok());
        assert_eq!(
            code(may_take_attendance(&c, 11 * H)),
            "volunteers.activity_cancelled"
        );
    }

    #[test]
    fn attendance_marks_confirmed_once() {
        let s = |v: i64, st: &str| (v, st.to_string());
        let signups = vec![
            s(1, "confirmed"),
            s(2, "confirmed"),
            s(3, "waiting"),
            s(4, "served"),
            s(5, "cancelled"),
        ];
        let plan = plan_attendance(&signups, &[1, 4], &[2]).unwrap();
        assert_eq!(plan, vec![(1, Mark::Served), (2, Mark::Absent)]);
        let e = plan_attendance(&signups, &[3], &[]).unwrap_err();
        assert_eq!(e.code, "volunteers.attendance_not_confirmed");
        assert_eq!(
            plan_attendance(&signups, &[5], &[]).unwrap_err().code,
            "volunteers.attendance_not_confirmed"
        );
        assert_eq!(
            plan_attendance(&signups, &[99], &[]).unwrap_err().code,
            "volunteers.attendance_not_confirmed"
        );
        assert_eq!(
            plan_attendance(&signups, &[], &[4]).unwrap_err().code,
            "volunteers.attendance_marked"
        );
        assert_eq!(
            plan_attendance(&signups, &[1], &[1]).unwrap_err().code,
            "volunteers.attendance_twice"
        );
        assert_eq!(
            plan_attendance(&signups, &[], &[]).unwrap_err().code,
            "volunteers.attendance_empty"
        );
        assert!(plan_attendance(&signups, &[4], &[]).unwrap().is_empty());
    }
}
