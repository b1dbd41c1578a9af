//! Workflow paths beyond the main loop, through the store against a real database (a temporary
//! SQLite file by default, a fresh PostgreSQL database when `TEST_DATABASE_URL` names a server):
//! rejection, a department's transfer and return, rework, duplicates and merges. Each test ends
//! by recomputing every history chain, since each of these paths appends steps of its own kind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wangge_domain::System;
use wangge_domain::event::{Action, ActionKind, Holder};
use wangge_domain::{Error, NodeKind};
use wangge_store::events::{self, EventRow, Inbox, ListFilter, ReportInput, Reported};

mod common;

use common::*;

/// A point inside grid B1 (lon 119.2–119.3).
const IN_B1: (f64, f64) = (26.05, 119.25);

impl Fx {
    /// A report in a transaction of its own, as the server makes one.
    async fn report(&self, input: ReportInput, now: i64) -> Reported {
        events::submit(self.db(), &self.ctx(), &resident(), input, now)
            .await
            .unwrap()
    }

    async fn act(
        &self,
        user: &str,
        number: &str,
        action: Action,
        now: i64,
    ) -> Result<EventRow, Error> {
        let caller = self.caller(user);
        let mut tx = self.db().begin().await.unwrap();
        let r = events::act(
            &mut tx.handle(),
            &self.ctx(),
            &caller,
            number,
            action,
            &[],
            now,
        )
        .await?;
        tx.commit().await.unwrap();
        Ok(r)
    }

    /// An action that must be refused with `code`/`status` and leave every table and the event's
    /// row as they were. It runs on a bare connection, not in a transaction, so the store itself
    /// must not write before it refuses.
    async fn refused(
        &self,
        user: &str,
        number: &str,
        action: Action,
        now: i64,
        code: &str,
        status: u16,
    ) -> Error {
        let before = (
            self.counts().await,
            self.get(&System::acting().scope(), number)
                .await
                .unwrap()
                .updated_at,
        );
        let caller = self.caller(user);
        let mut c = self.db().conn().await.unwrap();
        let r = events::act(
            &mut c.handle(),
            &self.ctx(),
            &caller,
            number,
            action,
            &[],
            now,
        )
        .await;
        drop(c);
        let err = match r {
            Ok(e) => panic!("expected {code}, got {e:?}"),
            Err(e) => e,
        };
        assert_eq!((err.code, err.status), (code, status), "{err:?}");
        let after = (
            self.counts().await,
            self.get(&System::acting().scope(), number)
                .await
                .unwrap()
                .updated_at,
        );
        assert_eq!(before, after, "{user} {code}: something was written");
        err
    }

    async fn row(&self, number: &str) -> EventRow {
        self.get(&System::acting().scope(), number).await.unwrap()
    }

    async fn mine(&self, user: &str, now: i64) -> Vec<String> {
        let (_, _, node, _) = self.staff[user];
        let filter = ListFilter {
            me: Some(self.user_id(user)),
            ..ListFilter::default()
        };
        self.list(node, Inbox::Mine, &filter, now).await
    }

    async fn history(&self, event_id: i64, public_only: bool) -> Vec<events::HistoryRow> {
        let mut c = self.db().conn().await.unwrap();
        events::history(&mut c.handle(), event_id, public_only)
            .await
            .unwrap()
    }

    async fn labels(&self, event_id: i64) -> Vec<String> {
        self.history(event_id, false)
            .await
            .into_iter()
            .map(|s| s.label)
            .collect()
    }

    async fn counts(&self) -> [i64; 4] {
        [
            self.count("events").await,
            self.count("event_history").await,
            self.count("photos").await,
            self.count("event_parties").await,
        ]
    }

    /// Every step of every event still chains: as many rows checked as there are, no break.
    async fn assert_chains_intact(&self) {
        let mut c = self.db().conn().await.unwrap();
        let (rows, breaks) = events::verify_history(&mut c.handle()).await.unwrap();
        drop(c);
        assert!(breaks.is_empty(), "{breaks:?}");
        assert_eq!(rows as i64, self.count("event_history").await);
    }
}

fn accept() -> Action {
    Action::Accept {
        due_ms: None,
        urgency: None,
        note: "受理".into(),
    }
}

fn feedback(result: &str) -> Action {
    Action::Feedback {
        result: result.into(),
        photos: Vec::new(),
    }
}

fn verify(pass: bool, note: &str) -> Action {
    Action::Verify {
        pass,
        note: note.into(),
    }
}

fn to_dept(code: &str, due_ms: i64) -> Action {
    Action::Assign {
        to: Holder::Department { code: code.into() },
        due_ms,
        note: "请部门处理".into(),
    }
}

fn holder_of(step: &events::HistoryRow) -> Holder {
    serde_json::from_str(&step.holder).unwrap()
}

// ---------------------------------------------------------------------------------------------
// 不予受理: a reason is required

#[tokio::test]
async fn rejecting_needs_a_reason_and_records_it() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let r = fx.report(fx.located("MD01", "邻居种菜"), t0).await;
    let n = r.number.clone();
    assert_eq!(
        fx.list(GRID_A1, Inbox::ToAccept, &ListFilter::default(), t0)
            .await,
        [n.as_str()]
    );

    for empty in ["", "   \n\t"] {
        fx.refused(
            "gw_a1",
            &n,
            Action::Reject {
                reason: empty.into(),
            },
            t0 + HOUR,
            "event.reason_required",
            400,
        )
        .await;
    }
    // A grid worker of another grid neither sees nor rejects it.
    fx.refused(
        "gw_b1",
        &n,
        Action::Reject {
            reason: "不归我管".into(),
        },
        t0 + HOUR,
        "event.not_found",
        404,
    )
    .await;
    let still = fx.row(&n).await;
    assert_eq!(still.status.as_str(), "reported");
    assert_eq!(fx.labels(r.event.id).await, ["report"]);

    let reason = "属于民事纠纷，请通过法院诉讼解决";
    let e = fx
        .act(
            "gw_a1",
            &n,
            Action::Reject {
                reason: format!("  {reason} "),
            },
            t0 + 2 * HOUR,
        )
        .await
        .unwrap();
    assert_eq!(e.status.as_str(), "rejected");
    assert_eq!(e.state().unwrap().status.as_str(), "rejected");
    assert_eq!(e.updated_at, t0 + 2 * HOUR);
    // Terminal: no light, out of the inbox to accept, and nothing more can be done.
    assert_eq!(e.light(t0 + 20 * DAY), None);
    assert!(
        fx.list(
            GRID_A1,
            Inbox::ToAccept,
            &ListFilter::default(),
            t0 + 3 * HOUR
        )
        .await
        .is_empty()
    );
    assert!(
        fx.list(CITY, Inbox::Overdue, &ListFilter::default(), t0 + 20 * DAY)
            .await
            .is_empty()
    );
    fx.refused(
        "gw_a1",
        &n,
        accept(),
        t0 + 3 * HOUR,
        "event.action_not_allowed",
        409,
    )
    .await;

    let h = fx.history(e.id, false).await;
    assert_eq!(h.len(), 2);
    let step = &h[1];
    assert_eq!(
        (step.seq, step.action.as_str(), step.label.as_str()),
        (2, "reject", "reject")
    );
    assert_eq!(step.note, reason, "the reason, trimmed");
    assert_eq!(
        (step.from_status.as_str(), step.to_status.as_str()),
        ("reported", "rejected")
    );
    assert_eq!(step.actor_user_id, Some(fx.user_id("gw_a1")));
    assert_eq!(step.at, t0 + 2 * HOUR);
    // A rejection is shown to the public with its reason.
    assert!(step.public);
    let public = fx.history(e.id, true).await;
    assert_eq!(public.len(), 2);
    assert_eq!(public[1].note, reason);
    fx.assert_chains_intact().await;
}

// ---------------------------------------------------------------------------------------------
// 交办 → 移交 → 退回: holders, due times and internal steps

#[tokio::test]
async fn a_department_transfers_and_the_receiver_returns_it() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    // MD03 is complex and handled by the township (level 3).
    let r = fx
        .report(fx.located("MD03", "工地拖欠农民工工资"), t0)
        .await;
    let n = r.number.clone();
    let accepted = fx.act("op_a", &n, accept(), t0 + HOUR).await.unwrap();
    assert_eq!((accepted.status.as_str(), accepted.level), ("accepted", 3));
    assert_eq!(accepted.holder_path, fx.path(TWP_A));
    let level_due = accepted.due_at.expect("a level due time");

    // 交办 to the township's department with a due time of its own.
    let assign_due = t0 + 2 * DAY;
    assert_ne!(assign_due, level_due);
    let e = fx
        .act("op_a", &n, to_dept(DEPT_A, assign_due), t0 + 2 * HOUR)
        .await
        .unwrap();
    assert_eq!(e.status.as_str(), "assigned");
    assert_eq!(e.holder_path, fx.path(DEPT_A));
    assert_eq!(
        e.due_at,
        Some(assign_due),
        "the assignment's due time rules"
    );
    assert_eq!(
        e.state().unwrap().holder,
        Holder::Department {
            code: DEPT_A.into()
        }
    );
    assert_eq!(
        fx.list(
            DEPT_A,
            Inbox::ToHandle,
            &ListFilter::default(),
            t0 + 2 * HOUR
        )
        .await,
        [n.as_str()]
    );

    // 移交 needs a reason, and goes to a department above the event (not township B's).
    let transfer = |reason: &str, to: &str, due: Option<i64>| Action::Transfer {
        to: Holder::Department { code: to.into() },
        reason: reason.into(),
        due_ms: due,
    };
    let transfer_due = t0 + 4 * DAY;
    fx.refused(
        "dept_a",
        &n,
        transfer("  ", DEPT_COUNTY, Some(transfer_due)),
        t0 + 3 * HOUR,
        "event.reason_required",
        400,
    )
    .await;
    fx.refused(
        "dept_a",
        &n,
        transfer("涉及区级职能", DEPT_B, Some(transfer_due)),
        t0 + 3 * HOUR,
        "event.target_invalid",
        400,
    )
    .await;
    fx.refused(
        "dept_a",
        &n,
        transfer("给自己", DEPT_A, Some(transfer_due)),
        t0 + 3 * HOUR,
        "event.target_invalid",
        400,
    )
    .await;
    // Only the holding department transfers; its township's operator does not.
    fx.refused(
        "op_a",
        &n,
        transfer("涉及区级职能", DEPT_COUNTY, Some(transfer_due)),
        t0 + 3 * HOUR,
        "event.role_not_allowed",
        403,
    )
    .await;

    let e = fx
        .act(
            "dept_a",
            &n,
            transfer("涉及区级劳动监察职能", DEPT_COUNTY, Some(transfer_due)),
            t0 + 3 * HOUR,
        )
        .await
        .unwrap();
    assert_eq!(e.status.as_str(), "assigned");
    assert_eq!(e.holder_path, fx.path(DEPT_COUNTY));
    assert_eq!(
        e.due_at,
        Some(transfer_due),
        "the transfer's due time replaces"
    );
    assert_eq!(e.level, 3, "a transfer does not change the level");
    // The receiver sees it and has it to handle; the sender no longer does but can still look.
    assert_eq!(fx.get(&fx.scope(DEPT_COUNTY), &n).await.unwrap().id, e.id);
    assert_eq!(
        fx.list(
            DEPT_COUNTY,
            Inbox::ToHandle,
            &ListFilter::default(),
            t0 + 3 * HOUR
        )
        .await,
        [n.as_str()]
    );
    assert!(
        fx.list(
            DEPT_A,
            Inbox::ToHandle,
            &ListFilter::default(),
            t0 + 3 * HOUR
        )
        .await
        .is_empty()
    );
    assert_eq!(fx.get(&fx.scope(DEPT_A), &n).await.unwrap().id, e.id);
    // The department of township B was never a party.
    assert!(fx.get(&fx.scope(DEPT_B), &n).await.is_err());

    // 退回 needs a reason and is the receiver's to do, not the sender's.
    fx.refused(
        "dept_c",
        &n,
        Action::Return { reason: "".into() },
        t0 + 4 * HOUR,
        "event.reason_required",
        400,
    )
    .await;
    fx.refused(
        "dept_a",
        &n,
        Action::Return {
            reason: "不是我们的".into(),
        },
        t0 + 4 * HOUR,
        "event.role_not_allowed",
        403,
    )
    .await;
    let e = fx
        .act(
            "dept_c",
            &n,
            Action::Return {
                reason: "属乡镇自行协调事项".into(),
            },
            t0 + 4 * HOUR,
        )
        .await
        .unwrap();
    assert_eq!(e.status.as_str(), "accepted");
    assert_eq!(e.holder_path, fx.path(TWP_A), "back to the owning node");
    assert_eq!(e.due_at, Some(level_due), "the level's own limit again");
    let state = e.state().unwrap();
    assert_eq!(state.assignment_due_ms, None);
    assert_eq!(
        state.holder,
        Holder::Node {
            kind: NodeKind::Township,
            code: TWP_A.into()
        }
    );
    assert_eq!(
        fx.list(
            TWP_A,
            Inbox::ToHandle,
            &ListFilter::default(),
            t0 + 4 * HOUR
        )
        .await,
        [n.as_str()]
    );
    assert!(
        fx.list(
            DEPT_COUNTY,
            Inbox::ToHandle,
            &ListFilter::default(),
            t0 + 4 * HOUR
        )
        .await
        .is_empty()
    );

    // History: in order, each step with its holder, due time and reason.
    let h = fx.history(e.id, false).await;
    let labels: Vec<&str> = h.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["report", "accept", "assign", "transfer", "return"]);
    assert_eq!(
        h.iter().map(|s| s.at).collect::<Vec<_>>(),
        [t0, t0 + HOUR, t0 + 2 * HOUR, t0 + 3 * HOUR, t0 + 4 * HOUR]
    );
    assert_eq!(
        holder_of(&h[2]),
        Holder::Department {
            code: DEPT_A.into()
        }
    );
    assert_eq!(h[2].due_at, Some(assign_due));
    assert_eq!(
        holder_of(&h[3]),
        Holder::Department {
            code: DEPT_COUNTY.into()
        }
    );
    assert_eq!(h[3].due_at, Some(transfer_due));
    assert_eq!(h[3].note, "涉及区级劳动监察职能");
    assert_eq!(h[3].actor_user_id, Some(fx.user_id("dept_a")));
    assert_eq!(holder_of(&h[4]), state.holder);
    assert_eq!(h[4].note, "属乡镇自行协调事项");
    assert_eq!(h[4].actor_user_id, Some(fx.user_id("dept_c")));
    assert_eq!(
        (h[4].from_status.as_str(), h[4].to_status.as_str()),
        ("assigned", "accepted")
    );
    // Transfers and returns are internal handling: not on the public timeline.
    assert!(!events::is_public(ActionKind::Transfer));
    assert!(!events::is_public(ActionKind::Return));
    assert!(events::is_public(ActionKind::Assign));
    assert_eq!(
        h.iter().map(|s| s.public).collect::<Vec<_>>(),
        [true, true, true, false, false]
    );
    let public: Vec<String> = fx
        .history(e.id, true)
        .await
        .into_iter()
        .map(|s| s.label)
        .collect();
    assert_eq!(public, ["report", "accept", "assign"]);
    fx.assert_chains_intact().await;
}

// ---------------------------------------------------------------------------------------------
// 返工: failed verification sends it back and counts

#[tokio::test]
async fn failed_verification_sends_it_back_for_rework_and_counts() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");

    // Held by its owner (the grid): rework goes back to "accepted".
    let g = fx.report(fx.located("SR01", "垃圾堆放"), t0).await.number;
    fx.act("gw_a1", &g, accept(), t0 + 1).await.unwrap();
    fx.act("gw_a1", &g, feedback("已清理"), t0 + 2)
        .await
        .unwrap();
    fx.refused(
        "gl_a",
        &g,
        verify(false, "  "),
        t0 + 3,
        "event.reason_required",
        400,
    )
    .await;
    let e = fx
        .act("gl_a", &g, verify(false, "现场仍有垃圾"), t0 + 3)
        .await
        .unwrap();
    assert_eq!(e.status.as_str(), "accepted");
    assert_eq!(e.rework_count, 1);
    assert_eq!(e.state().unwrap().rework_count, 1);
    assert_eq!(e.state().unwrap().feedback_by, None);
    assert_eq!(e.holder_path, fx.path(GRID_A1));
    assert_eq!(e.closed_at, None);
    assert!(
        fx.list(VIL_A, Inbox::ToVerify, &ListFilter::default(), t0 + 3)
            .await
            .is_empty()
    );
    assert_eq!(
        fx.list(GRID_A1, Inbox::ToHandle, &ListFilter::default(), t0 + 3)
            .await,
        [g.as_str()]
    );
    fx.act("gw_a1", &g, feedback("已彻底清运"), t0 + 4)
        .await
        .unwrap();
    let e = fx.act("gl_a", &g, verify(true, ""), t0 + 5).await.unwrap();
    assert_eq!(e.status.as_str(), "closed");
    assert_eq!(e.closed_at, Some(t0 + 5));
    assert_eq!(e.rework_count, 1, "passing does not reset the count");
    let h = fx.history(e.id, false).await;
    let labels: Vec<&str> = h.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "report", "accept", "feedback", "rework", "feedback", "close"
        ]
    );
    assert_eq!(h[3].action, "verify");
    assert_eq!(h[3].note, "现场仍有垃圾");
    assert_eq!(
        (h[3].from_status.as_str(), h[3].to_status.as_str()),
        ("feedback_given", "accepted")
    );

    // Held by a department: rework goes back to "assigned", to the same department, still on
    // the assignment's due time; two failures count two.
    let d = fx.report(fx.located("MD03", "欠薪"), t0 + 10).await.number;
    fx.act("op_a", &d, accept(), t0 + 11).await.unwrap();
    let assign_due = t0 + 3 * DAY;
    fx.act("op_a", &d, to_dept(DEPT_A, assign_due), t0 + 12)
        .await
        .unwrap();
    for (i, at) in [(1, t0 + 20), (2, t0 + 30)] {
        fx.act("dept_a", &d, feedback("已协调"), at).await.unwrap();
        let e = fx
            .act("op_a", &d, verify(false, "工资未到账"), at + 1)
            .await
            .unwrap();
        assert_eq!(e.status.as_str(), "assigned");
        assert_eq!(e.holder_path, fx.path(DEPT_A));
        assert_eq!(e.due_at, Some(assign_due));
        assert_eq!(e.rework_count, i);
        assert_eq!(e.state().unwrap().rework_count, i as u32);
        assert_eq!(
            fx.list(DEPT_A, Inbox::ToHandle, &ListFilter::default(), at + 1)
                .await,
            [d.as_str()]
        );
    }
    fx.act("dept_a", &d, feedback("工资已全额发放"), t0 + 40)
        .await
        .unwrap();
    let e = fx.act("op_a", &d, verify(true, ""), t0 + 41).await.unwrap();
    assert_eq!((e.status.as_str(), e.rework_count), ("closed", 2));
    assert_eq!(
        fx.labels(e.id).await,
        [
            "report", "accept", "assign", "feedback", "rework", "feedback", "rework", "feedback",
            "close"
        ]
    );
    // The grid's event kept its own count.
    assert_eq!(fx.row(&g).await.rework_count, 1);
    fx.assert_chains_intact().await;
}

// ---------------------------------------------------------------------------------------------
// 作废 as a duplicate, 合并: links are checked and kept

#[tokio::test]
async fn duplicates_are_cancelled_or_merged_with_a_checked_link() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let original = fx.report(fx.located("SR01", "路口垃圾堆放"), t0).await;
    let dup = fx
        .report(fx.located("SR01", "路口有垃圾（同一处）"), t0 + 1)
        .await;
    let merged = fx.report(fx.located("SR01", "路口垃圾发臭"), t0 + 2).await;
    // An event in township B, outside the grid worker's sight.
    let mut far = fx.located("SR01", "别处垃圾");
    (far.lat, far.lon, far.located_grid) = (Some(IN_B1.0), Some(IN_B1.1), Some(fx.grid(GRID_B1)));
    let far = fx.report(far, t0 + 3).await;
    let (a, b, c) = (&original.number, &dup.number, &merged.number);
    // The worker accepts the duplicate, so it is in their personal inbox until it ends.
    fx.act("gw_a1", b, accept(), t0 + 10).await.unwrap();
    assert_eq!(fx.mine("gw_a1", t0 + 11).await, [b.as_str()]);
    assert_eq!(
        fx.list(GRID_A1, Inbox::ToAccept, &ListFilter::default(), t0 + 11)
            .await,
        [c.as_str(), a.as_str()]
    );

    let cancel = |reason: &str, of: Option<&str>| Action::Cancel {
        reason: reason.into(),
        duplicate_of: of.map(str::to_string),
    };
    let missing = "SJ20250303-000099";
    let e = fx
        .refused(
            "gw_a1",
            b,
            cancel("重复", Some(missing)),
            t0 + 20,
            "event.not_found",
            404,
        )
        .await;
    assert!(e.message.contains(missing), "{e:?}");
    fx.refused(
        "gw_a1",
        b,
        cancel("重复", Some(b)),
        t0 + 20,
        "event.link_invalid",
        400,
    )
    .await;
    // A link is looked up in the caller's scope: an event the worker cannot see is not found.
    fx.refused(
        "gw_a1",
        b,
        cancel("重复", Some(&far.number)),
        t0 + 20,
        "event.not_found",
        404,
    )
    .await;
    fx.refused(
        "gw_a1",
        b,
        cancel(" ", Some(a)),
        t0 + 20,
        "event.reason_required",
        400,
    )
    .await;
    let merge = |into: &str| Action::Merge {
        into: into.into(),
        note: "同一处垃圾".into(),
    };
    fx.refused("gw_a1", c, merge(c), t0 + 20, "event.link_invalid", 400)
        .await;
    fx.refused("gw_a1", c, merge(missing), t0 + 20, "event.not_found", 404)
        .await;
    fx.refused(
        "gw_a1",
        c,
        merge(&far.number),
        t0 + 20,
        "event.not_found",
        404,
    )
    .await;
    for n in [a, b, c] {
        assert_eq!(fx.row(n).await.state().unwrap().link, None);
    }

    // 作废 as a duplicate: the link is stored in the state and the reason in history.
    let e = fx
        .act("gw_a1", b, cancel("与先报事件重复", Some(a)), t0 + 30)
        .await
        .unwrap();
    assert_eq!(e.status.as_str(), "cancelled");
    assert_eq!(e.state().unwrap().link.as_deref(), Some(a.as_str()));
    let stored = fx.row(b).await;
    assert_eq!(stored.state().unwrap().link.as_deref(), Some(a.as_str()));
    let h = fx.history(e.id, false).await;
    let last = h.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.to_status.as_str()),
        ("cancel", "cancelled")
    );
    assert_eq!(last.note, "与先报事件重复");

    // 合并 into the original, which carries on.
    let e = fx.act("gw_a1", c, merge(a), t0 + 40).await.unwrap();
    assert_eq!(e.status.as_str(), "merged");
    assert_eq!(e.state().unwrap().link.as_deref(), Some(a.as_str()));
    let last = fx.history(e.id, false).await.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.to_status.as_str()),
        ("merge", "merged")
    );
    assert_eq!(last.note, "同一处垃圾");
    let kept = fx.row(a).await;
    assert_eq!(
        (kept.status.as_str(), kept.state().unwrap().link),
        ("reported", None)
    );

    // Both leave the working inboxes; the original stays; all three are still on record.
    let late = t0 + 30 * DAY;
    assert_eq!(
        fx.list(GRID_A1, Inbox::ToAccept, &ListFilter::default(), t0 + 41)
            .await,
        [a.as_str()]
    );
    assert!(fx.mine("gw_a1", t0 + 41).await.is_empty());
    assert_eq!(
        fx.list(TWP_A, Inbox::Overdue, &ListFilter::default(), late)
            .await,
        [a.as_str()]
    );
    assert!(
        fx.list(GRID_A1, Inbox::ToHandle, &ListFilter::default(), t0 + 41)
            .await
            .is_empty()
    );
    assert_eq!(
        fx.list(GRID_A1, Inbox::All, &ListFilter::default(), t0 + 41)
            .await,
        [c.as_str(), b.as_str(), a.as_str()]
    );
    let cancelled = ListFilter {
        status: Some("cancelled".into()),
        ..ListFilter::default()
    };
    assert_eq!(
        fx.list(GRID_A1, Inbox::All, &cancelled, t0 + 41).await,
        [b.as_str()]
    );
    assert_eq!(fx.row(b).await.light(t0 + 41), None);
    // Terminal: neither can be cancelled, merged or worked on again.
    fx.refused(
        "gw_a1",
        b,
        cancel("再作废", None),
        t0 + 50,
        "event.action_not_allowed",
        409,
    )
    .await;
    fx.refused(
        "gw_a1",
        c,
        merge(a),
        t0 + 50,
        "event.action_not_allowed",
        409,
    )
    .await;
    fx.refused(
        "gw_a1",
        c,
        feedback("已处理"),
        t0 + 50,
        "event.action_not_allowed",
        409,
    )
    .await;
    fx.assert_chains_intact().await;
}

/// Merging hands the work to the target, so a target that is itself cancelled or merged leaves
/// the work with nobody; the store checks only that the target exists and is another event
/// (`resolve` in crates/store/src/events.rs, the `Action::Merge` arm).
#[tokio::test]
async fn merging_into_a_terminal_event_is_refused() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let gone = fx.report(fx.located("SR01", "垃圾"), t0).await.number;
    let live = fx
        .report(fx.located("SR01", "垃圾又来"), t0 + 1)
        .await
        .number;
    fx.act(
        "gw_a1",
        &gone,
        Action::Cancel {
            reason: "误报".into(),
            duplicate_of: None,
        },
        t0 + 2,
    )
    .await
    .unwrap();
    let into_gone = Action::Merge {
        into: gone.clone(),
        note: "同一处".into(),
    };
    let before = fx.counts().await;
    let caller = fx.caller("gw_a1");
    let mut c = fx.db().conn().await.unwrap();
    let r = events::act(
        &mut c.handle(),
        &fx.ctx(),
        &caller,
        &live,
        into_gone,
        &[],
        t0 + 3,
    )
    .await;
    drop(c);
    let err = r.expect_err("merged into a cancelled event");
    assert_eq!(
        (err.code, err.status),
        ("event.link_dead_end", 409),
        "{err:?}"
    );
    assert_eq!(fx.counts().await, before);
    assert_eq!(fx.row(&live).await.status.as_str(), "reported");

    // A duplicate points at an original, not at another duplicate.
    let third = fx.report(fx.located("SR01", "垃圾三"), t0 + 4).await.number;
    let dup_of_gone = Action::Cancel {
        reason: "重复".into(),
        duplicate_of: Some(gone.clone()),
    };
    let r = fx.act("gw_a1", &third, dup_of_gone, t0 + 5).await;
    assert_eq!(
        r.expect_err("a duplicate of a cancelled event").code,
        "event.link_dead_end"
    );

    // A link in another spelling of the number finds its event; a text that is no number is
    // bad input, not a missing event.
    let lower = Action::Merge {
        into: live.to_lowercase(),
        note: "同一处".into(),
    };
    let merged = fx.act("gw_a1", &third, lower, t0 + 6).await.unwrap();
    assert_eq!(merged.status.as_str(), "merged");
    let fourth = fx.report(fx.located("SR01", "垃圾四"), t0 + 7).await.number;
    let nonsense = Action::Merge {
        into: "not-a-number".into(),
        note: "同一处".into(),
    };
    let err = fx
        .act("gw_a1", &fourth, nonsense, t0 + 8)
        .await
        .unwrap_err();
    assert_eq!((err.code, err.status), ("event.link_invalid", 400));
    // The link is in the history step, under the hash.
    let steps = fx.history(merged.id, false).await;
    assert_eq!(steps.last().unwrap().link.as_deref(), Some(live.as_str()));
}
