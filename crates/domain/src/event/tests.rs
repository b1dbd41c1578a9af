#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

mod walks;

const DAY: i64 = 24 * 60 * 60 * 1000;
const T0: i64 = 1_764_000_000_000;

/// The node codes of one chain from a grid up to the city, by level.
fn chain(level: u8) -> &'static str {
    ["", "G1", "V1", "T1", "C1", "Y1"][level as usize]
}

fn node(level: u8) -> Holder {
    Holder::Node {
        kind: kind_of_level(level).unwrap(),
        code: chain(level).to_string(),
    }
}

fn staff(user_id: i64, role: Role, node_kind: NodeKind, code: &str) -> Actor {
    Actor::Staff(Staff {
        user_id,
        role,
        node_kind,
        node_code: code.to_string(),
    })
}

fn worker() -> Actor {
    staff(1, Role::Worker, NodeKind::Grid, "G1")
}
fn other_worker() -> Actor {
    staff(2, Role::Worker, NodeKind::Grid, "G2")
}
fn grid_leader() -> Actor {
    staff(3, Role::GridLeader, NodeKind::Village, "V1")
}
fn commander() -> Actor {
    staff(4, Role::Commander, NodeKind::Township, "T1")
}
fn township_operator() -> Actor {
    staff(5, Role::Operator, NodeKind::Township, "T1")
}
fn county_operator() -> Actor {
    staff(6, Role::Operator, NodeKind::County, "C1")
}
fn city_operator() -> Actor {
    staff(7, Role::Operator, NodeKind::City, "Y1")
}
fn dept(code: &str) -> Actor {
    staff(8, Role::DeptHandler, NodeKind::Department, code)
}
fn reporter() -> Actor {
    Actor::Reporter { user_id: None }
}

fn actors() -> Vec<Actor> {
    vec![
        reporter(),
        Actor::Reporter { user_id: Some(50) },
        worker(),
        other_worker(),
        grid_leader(),
        staff(30, Role::GridLeader, NodeKind::Village, "V2"),
        commander(),
        township_operator(),
        staff(13, Role::Operator, NodeKind::Township, "T2"),
        county_operator(),
        city_operator(),
        dept("D1"),
        staff(9, Role::DeptHandler, NodeKind::Department, "D2"),
        staff(10, Role::Leader, NodeKind::City, "Y1"),
        staff(11, Role::Volunteer, NodeKind::Grid, "G1"),
        staff(12, Role::Admin, NodeKind::City, "Y1"),
        // A mismatched attachment: a worker claiming a township node acts for nothing.
        staff(14, Role::Worker, NodeKind::Township, "T1"),
    ]
}

fn rules() -> Rules {
    Rules::default()
}

fn new_event(level: u8) -> NewEvent {
    NewEvent {
        at: node(level),
        urgency: Urgency::Normal,
        description: "路灯不亮".to_string(),
        photos: vec!["photo/1.jpg".to_string()],
    }
}

fn reported(level: u8) -> EventState {
    report(&reporter(), &new_event(level), T0).unwrap().0
}

/// Apply or fail the test, checking the step's bookkeeping.
fn go(state: &EventState, actor: &Actor, action: Action, now: i64) -> EventState {
    let (next, step) = apply(state, actor, &action, now, &rules())
        .unwrap_or_else(|e| panic!("{action:?} by {actor:?} on {state:?}: {e}"));
    assert_eq!(step.action, action.kind());
    assert_eq!(step.from_status, state.status);
    assert_eq!(step.to_status, next.status);
    assert_eq!(step.at_ms, now);
    next
}

fn refused(state: &EventState, actor: &Actor, action: Action, now: i64) -> WorkflowError {
    let e = apply(state, actor, &action, now, &rules()).unwrap_err();
    assert_eq!(
        allowed(state, actor, &action, now, &rules()),
        Err(e.clone())
    );
    e
}

fn accept() -> Action {
    Action::Accept {
        due_ms: Some(T0 + 3 * DAY),
        urgency: None,
        note: String::new(),
    }
}
fn escalate(level: u8) -> Action {
    Action::Escalate {
        to: chain(level).to_string(),
        due_ms: None,
        note: "超出网格处置能力".to_string(),
    }
}
fn feedback() -> Action {
    Action::Feedback {
        result: "已修复".to_string(),
        photos: vec!["photo/2.jpg".to_string()],
    }
}
fn verify(pass: bool) -> Action {
    Action::Verify {
        pass,
        note: if pass {
            String::new()
        } else {
            "未修好".to_string()
        },
    }
}
fn rate(stars: u8) -> Action {
    Action::Rate {
        stars,
        comment: "满意".to_string(),
    }
}
fn reopen() -> Action {
    Action::Reopen {
        reason: "又坏了".to_string(),
    }
}

/// A township event assigned to department D1 and given feedback.
fn closed_event() -> EventState {
    let s = reported(3);
    let s = go(&s, &township_operator(), accept(), T0);
    let s = go(&s, &township_operator(), feedback(), T0 + 1);
    go(&s, &commander(), verify(true), T0 + 2)
}

#[test]
fn main_path() {
    let (s, step) = report(&reporter(), &new_event(1), T0).unwrap();
    assert_eq!(step.action, ActionKind::Report);
    assert_eq!(step.note, "路灯不亮");
    assert_eq!(
        (s.status, s.level, &s.holder),
        (Status::Reported, 1, &node(1))
    );
    assert!(available_actions(&s, &worker(), T0, &rules()).contains(&ActionKind::Accept));

    let s = go(&s, &worker(), accept(), T0 + 1);
    assert_eq!((s.status, s.due_ms), (Status::Accepted, Some(T0 + 3 * DAY)));

    let (s, step) = apply(&s, &worker(), &escalate(2), T0 + 2, &rules()).unwrap();
    assert_eq!(
        (s.status, s.level, &s.owner),
        (Status::Accepted, 2, &node(2))
    );
    assert_eq!((step.from_level, step.to_level), (1, 2));
    assert_eq!((&step.from_holder, &step.to_holder), (&node(1), &node(2)));
    assert_eq!(step.label(), "escalate");
    // The grid worker no longer holds it.
    assert_eq!(
        refused(&s, &worker(), escalate(3), T0 + 3).code(),
        "event.role_not_allowed"
    );

    let s = go(&s, &grid_leader(), escalate(3), T0 + 3);
    assert_eq!((s.level, &s.holder), (3, &node(3)));

    let assign = Action::Assign {
        to: Holder::Department {
            code: "D1".to_string(),
        },
        due_ms: T0 + 5 * DAY,
        note: "请城管处理".to_string(),
    };
    let s = go(&s, &township_operator(), assign, T0 + 4);
    assert_eq!(s.status, Status::Assigned);
    assert_eq!(s.holder, Holder::Department { code: "D1".into() });
    assert_eq!(s.owner, node(3));
    assert_eq!(s.assignment_due_ms, Some(T0 + 5 * DAY));
    assert_eq!(
        available_actions(&s, &dept("D1"), T0 + 5, &rules()),
        vec![
            ActionKind::Transfer,
            ActionKind::Return,
            ActionKind::Feedback
        ]
    );

    let (s, step) = apply(&s, &dept("D1"), &feedback(), T0 + 5, &rules()).unwrap();
    assert_eq!((s.status, s.feedback_by), (Status::FeedbackGiven, Some(8)));
    assert_eq!(step.attachments, vec!["photo/2.jpg".to_string()]);

    let (s, step) = apply(&s, &commander(), &verify(true), T0 + 6, &rules()).unwrap();
    assert_eq!((s.status, s.closed_at_ms), (Status::Closed, Some(T0 + 6)));
    assert_eq!(step.label(), "close");
    assert_eq!(
        available_actions(&s, &reporter(), T0 + 7, &rules()),
        vec![ActionKind::Rate, ActionKind::Reopen]
    );
    assert!(available_actions(&s, &commander(), T0 + 7, &rules()).is_empty());

    let (s, step) = apply(&s, &reporter(), &rate(5), T0 + 7, &rules()).unwrap();
    assert_eq!(
        (s.status, s.rating, step.stars),
        (Status::Closed, Some(5), Some(5))
    );
    assert!(available_actions(&s, &reporter(), T0 + 8, &rules()).is_empty());
}

#[test]
fn rework_is_counted_and_goes_back_to_whoever_gave_feedback() {
    let s = reported(3);
    let s = go(&s, &commander(), accept(), T0);
    let assign = Action::Assign {
        to: Holder::Department { code: "D1".into() },
        due_ms: T0 + DAY,
        note: String::new(),
    };
    let mut s = go(&s, &commander(), assign, T0);
    for n in 1..=3 {
        s = go(&s, &dept("D1"), feedback(), T0 + n);
        let (next, step) =
            apply(&s, &township_operator(), &verify(false), T0 + n, &rules()).unwrap();
        assert_eq!(step.label(), "rework");
        assert_eq!(step.note, "未修好");
        assert_eq!(
            (next.status, next.rework_count),
            (Status::Assigned, n as u32)
        );
        assert_eq!(next.holder, Holder::Department { code: "D1".into() });
        s = next;
    }
    // Handled at its own level: rework goes back to Accepted.
    let s = go(&reported(3), &commander(), accept(), T0);
    let s = go(&s, &commander(), feedback(), T0);
    let s = go(&s, &township_operator(), verify(false), T0);
    assert_eq!((s.status, s.rework_count), (Status::Accepted, 1));
}

#[test]
fn handled_on_spot_awaits_the_grid_leader() {
    let s = reported(1);
    let spot = Action::HandleOnSpot {
        result: "当场劝解".to_string(),
        photos: vec![],
    };
    assert_eq!(
        refused(&s, &other_worker(), spot.clone(), T0).code(),
        "event.role_not_allowed"
    );
    let s = go(&s, &worker(), spot.clone(), T0);
    assert_eq!((s.status, s.feedback_by), (Status::FeedbackGiven, Some(1)));
    assert!(!available_actions(&s, &worker(), T0, &rules()).contains(&ActionKind::Verify));
    let s = go(&s, &grid_leader(), verify(true), T0 + 1);
    assert_eq!(s.status, Status::Closed);
    // Only level 1.
    assert_eq!(
        refused(&reported(2), &grid_leader(), spot, T0).code(),
        "event.action_not_allowed"
    );
}

#[test]
fn refusals() {
    let s = reported(1);
    let blank = |a: Action| refused(&s, &worker(), a, T0);
    assert_eq!(
        blank(Action::Reject {
            reason: "  ".into()
        }),
        WorkflowError::ReasonRequired
    );
    assert_eq!(
        blank(Action::Cancel {
            reason: String::new(),
            duplicate_of: None
        }),
        WorkflowError::ReasonRequired
    );
    assert_eq!(
        blank(Action::Cancel {
            reason: "重复".into(),
            duplicate_of: Some("123".into())
        }),
        WorkflowError::LinkInvalid
    );
    assert_eq!(
        blank(Action::HandleOnSpot {
            result: " ".into(),
            photos: vec![]
        }),
        WorkflowError::ResultRequired
    );
    assert_eq!(
        blank(Action::Accept {
            due_ms: Some(T0),
            urgency: None,
            note: String::new()
        }),
        WorkflowError::DueInPast
    );
    assert_eq!(
        blank(Action::Reject {
            reason: "x".repeat(MAX_TEXT_CHARS + 1)
        }),
        WorkflowError::TextTooLong
    );

    // Wrong role.
    for who in [
        reporter(),
        other_worker(),
        dept("D1"),
        staff(10, Role::Leader, NodeKind::City, "Y1"),
        staff(11, Role::Volunteer, NodeKind::Grid, "G1"),
        staff(14, Role::Worker, NodeKind::Township, "T1"),
    ] {
        assert_eq!(
            refused(&s, &who, accept(), T0),
            WorkflowError::RoleNotAllowed {
                action: ActionKind::Accept
            }
        );
    }
    let a = go(&s, &worker(), accept(), T0);
    assert_eq!(
        refused(
            &a,
            &worker(),
            Action::Supervise {
                mark: Mark::Urgent,
                note: String::new()
            },
            T0
        )
        .code(),
        "event.role_not_allowed"
    );
    let fb = go(&a, &worker(), feedback(), T0);
    assert_eq!(refused(&fb, &reporter(), verify(true), T0).status(), 403);
    assert_eq!(
        refused(&fb, &grid_leader(), verify(false).clone_with_note(""), T0),
        WorkflowError::ReasonRequired
    );

    // Wrong state.
    assert_eq!(
        refused(&s, &worker(), feedback(), T0),
        WorkflowError::ActionNotAllowed {
            action: ActionKind::Feedback,
            status: Status::Reported
        }
    );
    assert_eq!(refused(&a, &reporter(), rate(5), T0).status(), 409);
    let rejected = go(
        &s,
        &worker(),
        Action::Reject {
            reason: "不属实".into(),
        },
        T0,
    );
    assert_eq!(rejected.status, Status::Rejected);
    for who in actors() {
        assert!(available_actions(&rejected, &who, T0, &rules()).is_empty());
    }

    // Escalation stops at the city.
    let mut e = go(&reported(4), &county_operator(), accept(), T0);
    e = go(&e, &county_operator(), escalate(5), T0);
    assert_eq!(e.level, 5);
    assert_eq!(
        refused(&e, &city_operator(), escalate(5).clone_with_to("Z"), T0),
        WorkflowError::LevelMax
    );
    assert!(!available_actions(&e, &city_operator(), T0, &rules()).contains(&ActionKind::Escalate));
    assert_eq!(
        refused(&a, &worker(), escalate(1), T0),
        WorkflowError::TargetInvalid
    );

    // Assignment targets: lower nodes, departments from the township up, people.
    let t = go(&reported(2), &grid_leader(), accept(), T0);
    let assign = |to: Holder| Action::Assign {
        to,
        due_ms: T0 + DAY,
        note: String::new(),
    };
    // A village hands a case to a department; the assignment is allowed at level 2.
    let to_dept = go(
        &t,
        &grid_leader(),
        assign(Holder::Department { code: "D1".into() }),
        T0,
    );
    assert_eq!(to_dept.holder, Holder::Department { code: "D1".into() });
    assert_eq!(
        refused(&t, &grid_leader(), assign(node(2)), T0),
        WorkflowError::TargetInvalid
    );
    let t = go(&t, &grid_leader(), assign(node(1)), T0);
    let r = go(
        &t,
        &worker(),
        Action::Return {
            reason: "不在本网格".into(),
        },
        T0,
    );
    assert_eq!(
        (r.status, &r.holder, r.assignment_due_ms),
        (Status::Accepted, &node(2), None)
    );
    assert_eq!(
        refused(
            &t,
            &worker(),
            Action::Transfer {
                to: Holder::Department { code: "D2".into() },
                reason: "x".into(),
                due_ms: None
            },
            T0
        )
        .code(),
        "event.action_not_allowed"
    );
}

#[test]
fn transfer_between_departments() {
    let s = go(&reported(4), &county_operator(), accept(), T0);
    let s = go(
        &s,
        &county_operator(),
        Action::Assign {
            to: Holder::Department { code: "D1".into() },
            due_ms: T0 + DAY,
            note: String::new(),
        },
        T0,
    );
    let transfer = |code: &str, reason: &str| Action::Transfer {
        to: Holder::Department { code: code.into() },
        reason: reason.into(),
        due_ms: Some(T0 + 2 * DAY),
    };
    assert_eq!(
        refused(&s, &dept("D1"), transfer("D2", ""), T0),
        WorkflowError::ReasonRequired
    );
    assert_eq!(
        refused(&s, &dept("D1"), transfer("D1", "x"), T0),
        WorkflowError::TargetInvalid
    );
    assert_eq!(
        refused(&s, &dept("D2"), transfer("D3", "x"), T0).status(),
        403
    );
    let s = go(&s, &dept("D1"), transfer("D2", "属于环保职责"), T0);
    assert_eq!(s.holder, Holder::Department { code: "D2".into() });
    assert_eq!(s.assignment_due_ms, Some(T0 + 2 * DAY));
    // The county reminds the holder, who cannot remind itself.
    let d2 = staff(9, Role::DeptHandler, NodeKind::Department, "D2");
    assert!(!available_actions(&s, &d2, T0, &rules()).contains(&ActionKind::Remind));
    let r = go(
        &s,
        &county_operator(),
        Action::Remind {
            note: "请尽快".into(),
        },
        T0,
    );
    assert_eq!((r.status, r.reminder_count), (Status::Assigned, 1));
    let r = go(
        &r,
        &city_operator(),
        Action::Supervise {
            mark: Mark::Important,
            note: String::new(),
        },
        T0,
    );
    assert_eq!(
        (r.status, r.supervision),
        (Status::Assigned, Some(Mark::Important))
    );
    // The owner takes a stalled task back and gives it to someone else; the holder cannot.
    let reassign = Action::Assign {
        to: Holder::Person { user_id: 6 },
        due_ms: T0 + 3 * DAY,
        note: "改派".into(),
    };
    assert_eq!(refused(&r, &d2, reassign.clone(), T0).status(), 403);
    let r = go(&r, &county_operator(), reassign, T0);
    assert_eq!(
        (r.status, &r.holder),
        (Status::Assigned, &Holder::Person { user_id: 6 })
    );
    assert_eq!(r.assignment_due_ms, Some(T0 + 3 * DAY));
}

#[test]
fn rating_once_within_the_window() {
    let s = closed_event();
    let closed_at = s.closed_at_ms.unwrap();
    assert_eq!(
        refused(&s, &reporter(), rate(0), T0 + 3),
        WorkflowError::StarsInvalid
    );
    assert_eq!(
        refused(&s, &reporter(), rate(6), T0 + 3),
        WorkflowError::StarsInvalid
    );
    assert_eq!(refused(&s, &commander(), rate(3), T0 + 3).status(), 403);
    let late = closed_at + rules().rating_window_ms + 1;
    assert_eq!(
        refused(&s, &reporter(), rate(3), late),
        WorkflowError::RatingWindowClosed
    );
    assert_eq!(
        refused(&s, &reporter(), reopen(), late),
        WorkflowError::RatingWindowClosed
    );
    assert!(available_actions(&s, &reporter(), late, &rules()).is_empty());
    let edge = closed_at + rules().rating_window_ms;
    let rated = go(&s, &reporter(), rate(3), edge);
    assert_eq!(rated.rating, Some(3));
    assert_eq!(
        refused(&rated, &reporter(), rate(4), edge),
        WorkflowError::AlreadyRated
    );
    assert_eq!(
        refused(&rated, &reporter(), reopen(), edge),
        WorkflowError::AlreadyRated
    );
}

#[test]
fn reopen_once() {
    let s = closed_event();
    assert_eq!(
        refused(
            &s,
            &reporter(),
            Action::Reopen { reason: "".into() },
            T0 + 3
        ),
        WorkflowError::ReasonRequired
    );
    let s = go(&s, &reporter(), reopen(), T0 + 3);
    assert_eq!(
        (s.status, s.reopened, s.closed_at_ms),
        (Status::Accepted, true, None)
    );
    assert_eq!(s.holder, node(3));
    let s = go(&s, &commander(), feedback(), T0 + 4);
    let s = go(&s, &township_operator(), verify(true), T0 + 5);
    assert_eq!(
        refused(&s, &reporter(), reopen(), T0 + 6),
        WorkflowError::AlreadyReopened
    );
    // The window restarts at the new closing.
    let s = go(&s, &reporter(), rate(2), T0 + 5 + rules().rating_window_ms);
    assert_eq!(s.rating, Some(2));
}

#[test]
fn self_verification_is_refused() {
    let s = go(&reported(3), &commander(), accept(), T0);
    let s = go(&s, &commander(), feedback(), T0);
    assert_eq!(
        refused(&s, &commander(), verify(true), T0),
        WorkflowError::SelfVerify
    );
    assert!(!available_actions(&s, &commander(), T0, &rules()).contains(&ActionKind::Verify));
    // A grid leader does not oversee a township event.
    assert_eq!(refused(&s, &grid_leader(), verify(true), T0).status(), 403);
    go(&s, &township_operator(), verify(true), T0);
}

#[test]
fn duplicates_are_cancelled_or_merged_with_a_link() {
    let s = go(&reported(1), &worker(), accept(), T0);
    let (c, step) = apply(
        &s,
        &grid_leader(),
        &Action::Cancel {
            reason: "重复上报".into(),
            duplicate_of: Some(" sj20251124-000007 ".into()),
        },
        T0,
        &rules(),
    )
    .unwrap();
    assert_eq!(c.status, Status::Cancelled);
    assert_eq!(c.link.as_deref(), Some("SJ20251124-000007"));
    assert_eq!(step.link, c.link);
    let m = go(
        &s,
        &worker(),
        Action::Merge {
            into: "SJ20251124-000008".into(),
            note: String::new(),
        },
        T0,
    );
    assert_eq!(
        (m.status, m.link.as_deref()),
        (Status::Merged, Some("SJ20251124-000008"))
    );
    assert!(m.status.is_terminal() && c.status.is_terminal());
}

#[test]
fn report_checks() {
    let mut n = new_event(1);
    n.at = Holder::Department { code: "D1".into() };
    assert_eq!(
        report(&reporter(), &n, T0).unwrap_err(),
        WorkflowError::LevelInvalid
    );
    n.at = Holder::Node {
        kind: NodeKind::Building,
        code: "B1".into(),
    };
    assert_eq!(
        report(&reporter(), &n, T0).unwrap_err(),
        WorkflowError::LevelInvalid
    );
    let mut n = new_event(1);
    n.description = " ".into();
    assert_eq!(
        report(&worker(), &n, T0).unwrap_err(),
        WorkflowError::DescriptionRequired
    );
    let mut n = new_event(1);
    n.photos = vec!["p".into(); MAX_ATTACHMENTS + 1];
    assert_eq!(
        report(&worker(), &n, T0).unwrap_err(),
        WorkflowError::AttachmentsInvalid
    );
    let leader = staff(10, Role::Leader, NodeKind::City, "Y1");
    assert_eq!(
        report(&leader, &new_event(5), T0).unwrap_err().status(),
        403
    );
    let (s, _) = report(&county_operator(), &new_event(4), T0).unwrap();
    assert_eq!((s.level, s.status), (4, Status::Reported));
}

#[test]
fn error_codes_and_http_status() {
    let e: crate::error::Error = WorkflowError::ActionNotAllowed {
        action: ActionKind::Rate,
        status: Status::Accepted,
    }
    .into();
    assert_eq!((e.code, e.status), ("event.action_not_allowed", 409));
    assert_eq!(e.details["action"], "rate");
    let e: crate::error::Error = WorkflowError::RoleNotAllowed {
        action: ActionKind::Verify,
    }
    .into();
    assert_eq!((e.code, e.status), ("event.role_not_allowed", 403));
    let e: crate::error::Error = WorkflowError::ReasonRequired.into();
    assert_eq!((e.code, e.status), ("event.reason_required", 400));
    assert_eq!(WorkflowError::LevelMax.code(), "event.level_max");
    assert_eq!(
        WorkflowError::RatingWindowClosed.code(),
        "event.rating_window_closed"
    );
}

#[test]
fn names_round_trip_and_serde() {
    for k in ActionKind::ALL {
        assert_eq!(ActionKind::parse(k.as_str()), Some(*k));
    }
    for s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()), Some(*s));
    }
    for l in LEVEL_MIN..=LEVEL_MAX {
        assert_eq!(level_of_kind(kind_of_level(l).unwrap()), Some(l));
    }
    assert_eq!(kind_of_level(6), None);
    let (s, step) = report(&worker(), &new_event(1), T0).unwrap();
    let json = serde_json::to_string(&(&s, &step)).unwrap();
    let back: (EventState, Step) = serde_json::from_str(&json).unwrap();
    assert_eq!(back, (s, step));
    let a = Action::Assign {
        to: Holder::Person { user_id: 3 },
        due_ms: 5,
        note: String::new(),
    };
    let v = serde_json::to_value(&a).unwrap();
    assert_eq!(v["action"], "assign");
    assert_eq!(v["to"]["type"], "person");
    assert_eq!(serde_json::from_value::<Action>(v).unwrap(), a);
}

trait Tweak {
    fn clone_with_note(&self, note: &str) -> Action;
    fn clone_with_to(&self, to: &str) -> Action;
}

impl Tweak for Action {
    fn clone_with_note(&self, n: &str) -> Action {
        match self.clone() {
            Action::Verify { pass, .. } => Action::Verify {
                pass,
                note: n.into(),
            },
            other => other,
        }
    }
    fn clone_with_to(&self, t: &str) -> Action {
        match self.clone() {
            Action::Escalate { due_ms, note, .. } => Action::Escalate {
                to: t.into(),
                due_ms,
                note,
            },
            other => other,
        }
    }
}

#[test]
fn an_emergency_waiting_to_be_accepted_is_due_within_the_configured_minutes() {
    let rules = Rules {
        emergency_accept_minutes: 20,
        ..Rules::default()
    };
    let minutes = 20 * 60_000;
    let level_due = Some(T0 + 3 * 86_400_000);
    let mut s = reported(1);
    // An ordinary report waits on its level's limit.
    assert_eq!(acting_due(&s, T0, level_due, &rules), level_due);
    s.urgency = Urgency::Urgent;
    assert_eq!(acting_due(&s, T0, level_due, &rules), level_due);
    s.urgency = Urgency::Emergency;
    assert_eq!(acting_due(&s, T0, level_due, &rules), Some(T0 + minutes));
    // The minutes need no calendar; a level limit sooner than them still binds.
    assert_eq!(acting_due(&s, T0, None, &rules), Some(T0 + minutes));
    assert_eq!(
        acting_due(&s, T0, Some(T0 + 60_000), &rules),
        Some(T0 + 60_000)
    );
    // Once accepted, the emergency works to its level's limit like any other event.
    let accepted = go(&s, &worker(), accept(), T0 + 5);
    assert_eq!(acting_due(&accepted, T0, level_due, &rules), level_due);
    // An assignment's own due time binds while it is assigned.
    let mut assigned = accepted.clone();
    assigned.status = Status::Assigned;
    assigned.assignment_due_ms = Some(T0 + 7);
    assert_eq!(acting_due(&assigned, T0, level_due, &rules), Some(T0 + 7));
}

#[test]
fn links_point_at_the_event_that_carries_on() {
    for status in [
        Status::Reported,
        Status::Accepted,
        Status::Assigned,
        Status::FeedbackGiven,
    ] {
        assert_eq!(check_link_target(ActionKind::Merge, status), Ok(()));
        assert_eq!(check_link_target(ActionKind::Cancel, status), Ok(()));
    }
    // A closed case is a fine original of a duplicate, but nothing merges into it.
    assert_eq!(
        check_link_target(ActionKind::Cancel, Status::Closed),
        Ok(())
    );
    assert_eq!(
        check_link_target(ActionKind::Merge, Status::Closed),
        Err(WorkflowError::LinkDeadEnd {
            status: Status::Closed
        })
    );
    for dead in [Status::Rejected, Status::Cancelled, Status::Merged] {
        for kind in [ActionKind::Merge, ActionKind::Cancel] {
            let e = check_link_target(kind, dead).unwrap_err();
            assert_eq!((e.code(), e.status()), ("event.link_dead_end", 409));
        }
    }
}

#[test]
fn leaders_supervise_and_remind_at_or_above_the_level() {
    let township_leader = staff(20, Role::Leader, NodeKind::Township, "T1");
    let s = go(&reported(3), &commander(), accept(), T0);
    let supervise = Action::Supervise {
        mark: Mark::Urgent,
        note: "本周内办结".into(),
    };
    let remind = Action::Remind {
        note: "请加快".into(),
    };
    let r = go(&s, &township_leader, supervise.clone(), T0);
    assert_eq!(r.supervision, Some(Mark::Urgent));
    let r = go(&r, &township_leader, remind.clone(), T0);
    assert_eq!(r.reminder_count, 1);
    // A county event is above a township leader; a leader does nothing else with events.
    let county = go(&reported(4), &county_operator(), accept(), T0);
    assert_eq!(
        refused(&county, &township_leader, supervise.clone(), T0),
        WorkflowError::RoleNotAllowed {
            action: ActionKind::Supervise
        }
    );
    assert_eq!(
        available_actions(&s, &township_leader, T0, &rules()),
        vec![ActionKind::Remind, ActionKind::Supervise]
    );
    // Neither kind is open to a closed event, nor to an administrator or a commander.
    for who in [staff(12, Role::Admin, NodeKind::City, "Y1"), commander()] {
        assert_eq!(refused(&s, &who, supervise.clone(), T0).status(), 403);
    }
    let fb = go(&s, &commander(), feedback(), T0);
    let closed = go(&fb, &township_operator(), verify(true), T0);
    assert_eq!(refused(&closed, &township_leader, remind, T0).status(), 409);
}

#[test]
fn who_has_the_event_in_hand_and_may_open_the_reporter() {
    let s = reported(1);
    assert_eq!(in_hand(&s), InHand::Holder(node(1)));
    assert!(may_reveal_reporter(&s, &worker()));
    for who in [
        other_worker(),
        grid_leader(),
        commander(),
        dept("D1"),
        staff(10, Role::Leader, NodeKind::City, "Y1"),
        staff(12, Role::Admin, NodeKind::City, "Y1"),
        reporter(),
    ] {
        assert!(!may_reveal_reporter(&s, &who), "{who:?}");
    }
    // The centre above it may; so may the department holding an assignment, not another.
    assert!(may_reveal_reporter(&s, &township_operator()));
    assert!(may_reveal_reporter(&s, &city_operator()));
    let a = go(&reported(3), &commander(), accept(), T0);
    assert!(!may_reveal_reporter(&a, &worker()));
    let d = go(
        &a,
        &commander(),
        Action::Assign {
            to: Holder::Department { code: "D1".into() },
            due_ms: T0 + 3 * DAY,
            note: String::new(),
        },
        T0,
    );
    assert!(may_reveal_reporter(&d, &dept("D1")));
    assert!(!may_reveal_reporter(&d, &dept("D2")));
    assert!(!may_reveal_reporter(&d, &commander()));
    // During verification the department no longer holds it: the township verifies.
    let fb = go(&d, &dept("D1"), feedback(), T0);
    assert_eq!(in_hand(&fb), InHand::Verifying { level: 3 });
    assert!(!may_reveal_reporter(&fb, &dept("D1")));
    assert!(may_reveal_reporter(&fb, &commander()));
    // A grid's feedback is verified by the village above it.
    let g = go(&reported(1), &worker(), feedback_on_spot(), T0);
    assert_eq!(in_hand(&g), InHand::Verifying { level: 2 });
    // Closed: nobody holds it; the centre still answers for it.
    let closed = go(&fb, &commander(), verify(true), T0);
    assert_eq!(in_hand(&closed), InHand::Nobody);
    assert!(!may_reveal_reporter(&closed, &commander()));
    assert!(may_reveal_reporter(&closed, &township_operator()));
}

fn feedback_on_spot() -> Action {
    Action::HandleOnSpot {
        result: "已当场处理".into(),
        photos: Vec::new(),
    }
}
