//! Property tests: random walks through the workflow keep its invariants.

use super::*;
use crate::rng::SplitMix64;

fn text(rng: &mut SplitMix64) -> String {
    rng.pick(&["", " ", "原因", "  备注  "]).to_string()
}

fn some_text(rng: &mut SplitMix64) -> String {
    rng.pick(&["原因", "说明 x", "理由"]).to_string()
}

fn photos(rng: &mut SplitMix64) -> Vec<String> {
    (0..rng.below(4)).map(|i| format!("p/{i}.jpg")).collect()
}

fn number(rng: &mut SplitMix64) -> String {
    event_number(20251124, rng.below(1000) as u32)
}

/// An action of this kind whose inputs are valid for `state` at `now`; None for Report.
fn valid_action(
    rng: &mut SplitMix64,
    kind: ActionKind,
    s: &EventState,
    now: i64,
) -> Option<Action> {
    let due = now + 1 + rng.below(10) as i64 * DAY;
    Some(match kind {
        ActionKind::Report => return None,
        ActionKind::Accept => Action::Accept {
            due_ms: if rng.below(2) == 0 { None } else { Some(due) },
            urgency: rng
                .pick(&[None, Some(Urgency::Urgent), Some(Urgency::Emergency)])
                .to_owned(),
            note: text(rng),
        },
        ActionKind::Reject => Action::Reject {
            reason: some_text(rng),
        },
        ActionKind::Escalate => Action::Escalate {
            to: if s.level < LEVEL_MAX {
                chain(s.level + 1).to_string()
            } else {
                "Z".to_string()
            },
            due_ms: if rng.below(2) == 0 { None } else { Some(due) },
            note: text(rng),
        },
        ActionKind::Assign => {
            let mut options = vec![Holder::Person {
                user_id: *rng.pick(&[1, 6, 99]),
            }];
            if s.level > 1 {
                options.push(node(1 + rng.below(s.level as usize - 1) as u8));
            }
            if s.level >= 3 {
                options.push(Holder::Department { code: "D1".into() });
                options.push(Holder::Department { code: "D2".into() });
            }
            Action::Assign {
                to: rng.pick(&options).clone(),
                due_ms: due,
                note: text(rng),
            }
        }
        ActionKind::Transfer => {
            let current = match &s.holder {
                Holder::Department { code } => code.as_str(),
                _ => "",
            };
            let to = ["D1", "D2", "D3"]
                .into_iter()
                .filter(|c| *c != current)
                .nth(rng.below(2))
                .unwrap_or("D3");
            Action::Transfer {
                to: Holder::Department { code: to.into() },
                reason: some_text(rng),
                due_ms: if rng.below(2) == 0 { None } else { Some(due) },
            }
        }
        ActionKind::Return => Action::Return {
            reason: some_text(rng),
        },
        ActionKind::Feedback => Action::Feedback {
            result: some_text(rng),
            photos: photos(rng),
        },
        ActionKind::Verify => Action::Verify {
            pass: rng.below(2) == 0,
            note: some_text(rng),
        },
        ActionKind::Rate => Action::Rate {
            stars: 1 + rng.below(5) as u8,
            comment: text(rng),
        },
        ActionKind::Remind => Action::Remind { note: text(rng) },
        ActionKind::Supervise => Action::Supervise {
            mark: *rng.pick(Mark::ALL),
            note: text(rng),
        },
        ActionKind::Cancel => Action::Cancel {
            reason: some_text(rng),
            duplicate_of: if rng.below(2) == 0 {
                None
            } else {
                Some(number(rng))
            },
        },
        ActionKind::Merge => Action::Merge {
            into: number(rng),
            note: text(rng),
        },
        ActionKind::Reopen => Action::Reopen {
            reason: some_text(rng),
        },
        ActionKind::HandleOnSpot => Action::HandleOnSpot {
            result: some_text(rng),
            photos: photos(rng),
        },
        ActionKind::RaiseUrgency => {
            // Only a higher urgency is valid; an emergency has none.
            let higher: Vec<Urgency> = Urgency::ALL
                .iter()
                .copied()
                .filter(|u| u.rank() > s.urgency.rank())
                .collect();
            if higher.is_empty() {
                return None;
            }
            Action::RaiseUrgency {
                urgency: *rng.pick(&higher),
                me_too: 1 + rng.below(20) as u32,
            }
        }
    })
}

/// Any action, often with bad inputs.
fn random_action(rng: &mut SplitMix64, now: i64) -> Action {
    let holders = [
        node(1),
        node(3),
        Holder::Node {
            kind: NodeKind::Building,
            code: "B".into(),
        },
        Holder::Node {
            kind: NodeKind::Grid,
            code: " ".into(),
        },
        Holder::Department { code: "D1".into() },
        Holder::Department { code: "".into() },
        Holder::Person { user_id: 1 },
    ];
    let due = now + rng.below(3) as i64 * DAY - DAY;
    let long = "长".repeat(MAX_TEXT_CHARS + rng.below(2));
    let t = |rng: &mut SplitMix64| {
        if rng.below(10) == 0 {
            long.clone()
        } else {
            text(rng)
        }
    };
    let many = |rng: &mut SplitMix64| -> Vec<String> {
        (0..rng.below(12))
            .map(|i| if i == 3 { String::new() } else { "p".into() })
            .collect()
    };
    let num = |rng: &mut SplitMix64| {
        rng.pick(&["", "SJ20251124-000001", "SJ2025-1", "x"])
            .to_string()
    };
    match rng.below(15) {
        0 => Action::Accept {
            due_ms: Some(due),
            urgency: None,
            note: t(rng),
        },
        1 => Action::Reject { reason: t(rng) },
        2 => Action::Escalate {
            to: rng.pick(&["", "V1", "T1", "G1", "Y1"]).to_string(),
            due_ms: Some(due),
            note: t(rng),
        },
        3 => Action::Assign {
            to: rng.pick(&holders).clone(),
            due_ms: due,
            note: t(rng),
        },
        4 => Action::Transfer {
            to: rng.pick(&holders).clone(),
            reason: t(rng),
            due_ms: Some(due),
        },
        5 => Action::Return { reason: t(rng) },
        6 => Action::Feedback {
            result: t(rng),
            photos: many(rng),
        },
        7 => Action::Verify {
            pass: rng.below(2) == 0,
            note: t(rng),
        },
        8 => Action::Rate {
            stars: rng.below(8) as u8,
            comment: t(rng),
        },
        9 => Action::Remind { note: t(rng) },
        10 => Action::Supervise {
            mark: *rng.pick(Mark::ALL),
            note: t(rng),
        },
        11 => Action::Cancel {
            reason: t(rng),
            duplicate_of: Some(num(rng)),
        },
        12 => Action::Merge {
            into: num(rng),
            note: t(rng),
        },
        13 => Action::Reopen { reason: t(rng) },
        _ => Action::HandleOnSpot {
            result: t(rng),
            photos: many(rng),
        },
    }
}

fn check_invariants(prev: &EventState, next: &EventState, step: &Step, kind: ActionKind) {
    assert!((LEVEL_MIN..=LEVEL_MAX).contains(&next.level));
    assert!(next.level >= prev.level && next.level <= prev.level + 1);
    assert_eq!(next.owner.level(), Some(next.level), "{next:?}");
    if matches!(next.status, Status::Reported | Status::Accepted) {
        assert_eq!(next.holder, next.owner);
    }
    assert!(next.rework_count >= prev.rework_count);
    if next.rework_count != prev.rework_count {
        assert_eq!(
            (kind, next.rework_count),
            (ActionKind::Verify, prev.rework_count + 1)
        );
    }
    if prev.rating.is_some() {
        assert_eq!(next.rating, prev.rating);
    }
    if next.rating.is_some() {
        assert_eq!(next.status, Status::Closed);
    }
    assert!(next.reopened >= prev.reopened);
    assert!(!prev.status.is_terminal());
    if prev.status == Status::Closed {
        assert!(
            matches!(kind, ActionKind::Rate | ActionKind::Reopen),
            "{kind}"
        );
    }
    assert_eq!(next.status == Status::Closed, next.closed_at_ms.is_some());
    if matches!(
        kind,
        ActionKind::Remind | ActionKind::Supervise | ActionKind::Rate | ActionKind::Transfer
    ) {
        assert_eq!(next.status, prev.status);
    }
    assert_eq!(step.action, kind);
    assert_eq!(
        (step.from_status, step.to_status),
        (prev.status, next.status)
    );
    assert_eq!((step.from_level, step.to_level), (prev.level, next.level));
    assert_eq!(
        (&step.from_holder, &step.to_holder),
        (&prev.holder, &next.holder)
    );
}

#[test]
fn random_walks_keep_the_invariants() {
    let rules = rules();
    let actors = actors();
    let mut rng = SplitMix64::new(0x5EED_0001);
    let mut seen = std::collections::HashSet::new();
    let mut closed_and_rated = 0;
    let mut reopened_closed = 0;
    for _ in 0..3000 {
        let mut now = T0;
        let level = 1 + rng.below(5) as u8;
        let (mut state, _) = loop {
            let who = rng.pick(&actors);
            if let Ok(r) = report(who, &new_event(level), now) {
                break r;
            }
        };
        let (mut rates, mut reopens) = (0, 0);
        for _ in 0..60 {
            now += match rng.below(8) {
                0 | 1 => 0,
                2 | 3 => rng.below(1000) as i64,
                4 | 5 => rng.below(DAY as usize / 24) as i64,
                6 => rng.below(DAY as usize) as i64,
                _ => rng.below(4 * DAY as usize) as i64,
            };
            // Half the time someone who can do something, so walks get far.
            let active: Vec<&Actor> = actors
                .iter()
                .filter(|a| !available_actions(&state, a, now, &rules).is_empty())
                .collect();
            let actor = if !active.is_empty() && rng.below(2) == 0 {
                *rng.pick(&active)
            } else {
                rng.pick(&actors)
            };
            let avail = available_actions(&state, actor, now, &rules);
            assert!(!avail.contains(&ActionKind::Report));
            if state.status.is_terminal() {
                assert!(avail.is_empty());
            }
            if state.status == Status::Closed {
                assert!(
                    avail
                        .iter()
                        .all(|k| matches!(k, ActionKind::Rate | ActionKind::Reopen))
                );
            }
            // The two agree: an available kind with valid inputs applies, an unavailable one never.
            for &kind in ActionKind::ALL {
                let Some(a) = valid_action(&mut rng, kind, &state, now) else {
                    continue;
                };
                let r = apply(&state, actor, &a, now, &rules);
                assert_eq!(
                    r.is_ok(),
                    avail.contains(&kind),
                    "{a:?} by {actor:?} on {state:?}: {r:?}"
                );
                assert_eq!(allowed(&state, actor, &a, now, &rules), r.map(|_| ()));
            }
            // Take a step: usually an available one, sometimes anything at all.
            let action = if !avail.is_empty() && rng.below(10) < 8 {
                // Ending the event (reject, cancel, merge) is rare, so walks get far.
                let ending = |k: &ActionKind| {
                    matches!(
                        k,
                        ActionKind::Reject | ActionKind::Cancel | ActionKind::Merge
                    )
                };
                let going_on: Vec<ActionKind> =
                    avail.iter().copied().filter(|k| !ending(k)).collect();
                let kind = if going_on.is_empty() || rng.below(20) == 0 {
                    *rng.pick(&avail)
                } else {
                    *rng.pick(&going_on)
                };
                valid_action(&mut rng, kind, &state, now).unwrap()
            } else {
                random_action(&mut rng, now)
            };
            let kind = action.kind();
            let result = apply(&state, actor, &action, now, &rules);
            assert_eq!(
                allowed(&state, actor, &action, now, &rules),
                result.clone().map(|_| ())
            );
            match result {
                Ok((next, step)) => {
                    assert!(
                        avail.contains(&kind),
                        "{action:?} by {actor:?} on {state:?}"
                    );
                    check_invariants(&state, &next, &step, kind);
                    seen.insert((kind, state.status, next.status));
                    rates += usize::from(kind == ActionKind::Rate);
                    reopens += usize::from(kind == ActionKind::Reopen);
                    assert!(
                        rates <= 1 && reopens <= 1,
                        "rated {rates}, reopened {reopens}"
                    );
                    if next.level != state.level {
                        assert_eq!(kind, ActionKind::Escalate);
                    }
                    if next.status == Status::Closed
                        && next.reopened
                        && state.status != Status::Closed
                    {
                        reopened_closed += 1;
                    }
                    if next.rating.is_some() && state.rating.is_none() {
                        closed_and_rated += 1;
                    }
                    state = next;
                }
                Err(e) => {
                    assert!(e.code().starts_with("event."));
                    assert!(matches!(e.status(), 400 | 403 | 409));
                }
            }
        }
    }
    // The walks reach every transition of the diagram.
    for t in [
        (ActionKind::Accept, Status::Reported, Status::Accepted),
        (ActionKind::Reject, Status::Reported, Status::Rejected),
        (
            ActionKind::HandleOnSpot,
            Status::Reported,
            Status::FeedbackGiven,
        ),
        (ActionKind::Escalate, Status::Accepted, Status::Accepted),
        (ActionKind::Assign, Status::Accepted, Status::Assigned),
        (ActionKind::Assign, Status::Assigned, Status::Assigned),
        (ActionKind::Transfer, Status::Assigned, Status::Assigned),
        (ActionKind::Return, Status::Assigned, Status::Accepted),
        (
            ActionKind::Feedback,
            Status::Assigned,
            Status::FeedbackGiven,
        ),
        (
            ActionKind::Feedback,
            Status::Accepted,
            Status::FeedbackGiven,
        ),
        (ActionKind::Verify, Status::FeedbackGiven, Status::Closed),
        (ActionKind::Verify, Status::FeedbackGiven, Status::Assigned),
        (ActionKind::Verify, Status::FeedbackGiven, Status::Accepted),
        (ActionKind::Rate, Status::Closed, Status::Closed),
        (ActionKind::Reopen, Status::Closed, Status::Accepted),
        (ActionKind::Cancel, Status::Assigned, Status::Cancelled),
        (ActionKind::Merge, Status::Accepted, Status::Merged),
        (
            ActionKind::Supervise,
            Status::FeedbackGiven,
            Status::FeedbackGiven,
        ),
        (ActionKind::Remind, Status::Reported, Status::Reported),
    ] {
        assert!(seen.contains(&t), "never saw {t:?}");
    }
    assert!(
        closed_and_rated > 0 && reopened_closed > 0,
        "{closed_and_rated} {reopened_closed}"
    );
}
