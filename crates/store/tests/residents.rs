//! What residents do besides reporting, against a real database: "me too" once per device
//! raising the urgency once at the category's threshold (the history chain still verifies),
//! finding a case again by number and phone (a mismatch answers exactly as an absent case),
//! and who refused a case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wangge_domain::Error;
use wangge_domain::category::Draft;
use wangge_domain::event::{Action, Holder};
use wangge_domain::photo::{self, PhotoKind};
use wangge_store::categories;
use wangge_store::events::{self, MeToo, NewPhoto, ReportInput, Reported};

mod common;

use common::*;

impl Fx {
    async fn report(&self, input: ReportInput, now: i64) -> Reported {
        events::submit(self.db(), &self.ctx(), &resident(), input, now)
            .await
            .unwrap()
    }

    async fn act(&self, user: &str, number: &str, action: Action, now: i64) {
        let caller = self.caller(user);
        let mut tx = self.db().begin().await.unwrap();
        events::act(
            &mut tx.handle(),
            &self.ctx(),
            &caller,
            number,
            action,
            &[],
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    async fn me_too(
        &self,
        number: &str,
        device: &str,
        photo: Option<NewPhoto>,
        now: i64,
    ) -> Result<MeToo, Error> {
        let mut tx = self.db().begin().await.unwrap();
        let r = events::me_too(
            &mut tx.handle(),
            &self.ctx(),
            &resident(),
            number,
            device,
            photo,
            now,
        )
        .await;
        if r.is_ok() {
            tx.commit().await.unwrap();
        }
        r
    }

    async fn lookup(&self, number: &str, phone: &str, now: i64) -> Option<String> {
        let mut tx = self.db().begin().await.unwrap();
        let r = events::lookup(&mut tx.handle(), &self.keys, number, phone, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        r
    }

    async fn refusal(&self, number: &str) -> Option<events::Refusal> {
        let e = self.get(&self.scope(CITY), number).await.unwrap();
        let mut c = self.db().conn().await.unwrap();
        events::refusal(&mut c.handle(), &e).await.unwrap()
    }
}

fn png() -> NewPhoto {
    let (kind, bytes) = photo::clean(&tiny_png(), photo::DEFAULT_MAX_BYTES).unwrap();
    assert_eq!(kind, PhotoKind::Png);
    NewPhoto { kind, bytes }
}

#[tokio::test]
async fn me_too_counts_once_per_device_and_raises_urgency_once() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    // The administrator sets exposed rubbish to raise at three.
    {
        let mut tx = fx.db().begin().await.unwrap();
        let draft = Draft {
            code: "SR01".into(),
            parent_code: Some("SR".into()),
            name: "暴露垃圾".into(),
            complexity: "ordinary".into(),
            handling_level: 1,
            auto_escalate: true,
            me_too_threshold: Some(3),
            ..Draft::default()
        };
        let (c, _) = categories::save(&mut tx.handle(), &draft, t0)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(c.me_too_threshold, 3);
        // Left out of the draft, the shipped hint stays (the class has one, the kind not).
        assert_eq!(c.redirect_hint, "");
    }
    let e = fx.report(fx.located("SR01", "路口垃圾堆"), t0).await.number;
    let dispute = fx.report(fx.located("MD01", "邻居吵架"), t0).await.number;

    // Residents see the rubbish, not the dispute (its class keeps open cases to itself).
    let open = {
        let mut c = fx.db().conn().await.unwrap();
        events::open_public(&mut c.handle(), &fx.path(GRID_A1), 20)
            .await
            .unwrap()
    };
    let numbers: Vec<&str> = open.iter().map(|c| c.number.as_str()).collect();
    assert_eq!(numbers, [e.as_str()]);

    let dev = |n: u8| format!("{n:064x}");
    let m = fx.me_too(&e, &dev(1), None, t0 + 1).await.unwrap();
    assert_eq!(
        m,
        MeToo::Counted {
            count: 1,
            raised: false
        }
    );
    // The same device again: counted already, nothing changes.
    let again = fx.me_too(&e, &dev(1), Some(png()), t0 + 2).await.unwrap();
    assert_eq!(again, MeToo::Already { count: 1 });
    assert_eq!(fx.count("photos").await, 0, "no photo kept for a repeat");
    let m = fx.me_too(&e, &dev(2), None, t0 + 3).await.unwrap();
    assert_eq!(
        m,
        MeToo::Counted {
            count: 2,
            raised: false
        }
    );
    let before = fx.get(&fx.scope(CITY), &e).await.unwrap();
    assert_eq!(before.urgency, "normal");

    // The third reaches the threshold: urgent, with one step in the history.
    let m = fx.me_too(&e, &dev(3), Some(png()), t0 + 4).await.unwrap();
    assert_eq!(
        m,
        MeToo::Counted {
            count: 3,
            raised: true
        }
    );
    let m = fx.me_too(&e, &dev(4), None, t0 + 5).await.unwrap();
    assert_eq!(
        m,
        MeToo::Counted {
            count: 4,
            raised: false
        }
    );
    let after = fx.get(&fx.scope(CITY), &e).await.unwrap();
    assert_eq!(after.urgency, "urgent");
    assert_eq!(after.me_too_count, 4);
    assert_eq!(after.state().unwrap().urgency.as_str(), "urgent");
    let mut c = fx.db().conn().await.unwrap();
    let h = &mut c.handle();
    let steps = events::history(h, after.id, false).await.unwrap();
    let raised: Vec<_> = steps
        .iter()
        .filter(|s| s.action == "raise_urgency")
        .collect();
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].note, "3");
    assert!(raised[0].public);
    let photos = events::me_too_photos(h, after.id).await.unwrap();
    assert_eq!(photos.len(), 1);
    let (ty, _) = events::photo(h, &after, photos[0]).await.unwrap();
    assert_eq!(ty, "image/png");
    // The chain still verifies.
    let (_, breaks) = events::verify_history(h).await.unwrap();
    assert!(breaks.is_empty(), "{breaks:?}");
    drop(c);

    // A category that keeps open cases from residents, and a closed case, take no "me too".
    assert_err(
        fx.me_too(&dispute, &dev(1), None, t0 + 6).await,
        "me_too.unavailable",
        404,
    );
    assert_err(
        fx.me_too("SJ20250303-999999", &dev(1), None, t0 + 6).await,
        "me_too.unavailable",
        404,
    );
    fx.act(
        "gw_a1",
        &e,
        Action::Accept {
            due_ms: None,
            urgency: None,
            note: String::new(),
        },
        t0 + HOUR,
    )
    .await;
    fx.act(
        "gw_a1",
        &e,
        Action::Feedback {
            result: "已清运".into(),
            photos: Vec::new(),
        },
        t0 + 2 * HOUR,
    )
    .await;
    fx.act(
        "gl_a",
        &e,
        Action::Verify {
            pass: true,
            note: String::new(),
        },
        t0 + 3 * HOUR,
    )
    .await;
    assert_err(
        fx.me_too(&e, &dev(9), None, t0 + 4 * HOUR).await,
        "me_too.unavailable",
        404,
    );
}

#[tokio::test]
async fn a_lookup_that_does_not_match_answers_as_an_absent_case() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let mut input = fx.located("SR01", "垃圾");
    input.reporter_phone = Some("138-0013-8000".to_string().into());
    let r = fx.report(input, t0).await;
    let anonymous = fx.report(fx.located("SR02", "道路脏"), t0 + 1).await.number;

    // The number and the phone as typed, spaces and dashes and a lower-case prefix alike.
    let token = fx.lookup(&r.number, "13800138000", t0 + 2).await.unwrap();
    let lower = r.number.to_lowercase();
    let token2 = fx.lookup(&lower, " 138 0013 8000 ", t0 + 3).await.unwrap();
    assert_ne!(token, token2);
    let mut c = fx.db().conn().await.unwrap();
    for t in [&token, &token2, r.tracking_token.as_ref().unwrap()] {
        let e = events::by_tracking(&mut c.handle(), t).await.unwrap();
        assert_eq!(e.number, r.number, "every link opens the case");
    }
    drop(c);

    // A wrong phone, an unknown number, a case reported without a phone, nonsense: one answer.
    let misses = [
        fx.lookup(&r.number, "13800138001", t0 + 4).await,
        fx.lookup("SJ20250303-999999", "13800138000", t0 + 4).await,
        fx.lookup(&anonymous, "13800138000", t0 + 4).await,
        fx.lookup(&anonymous, "", t0 + 4).await,
        fx.lookup("nonsense", "not a phone", t0 + 4).await,
    ];
    assert!(misses.iter().all(Option::is_none), "{misses:?}");
    assert_eq!(fx.count("tracking_links").await, 2, "misses issue nothing");
}

#[tokio::test]
async fn a_refusal_names_the_office_and_its_reason_until_someone_takes_the_case_up() {
    let fx = fixture().await;
    let t0 = at("2025-03-03T09:00:00+08:00");
    let rejected = fx.report(fx.located("SR01", "楼道堆物"), t0).await.number;
    assert_eq!(fx.refusal(&rejected).await, None);
    fx.act(
        "gw_a1",
        &rejected,
        Action::Reject {
            reason: "属物业管理范围".into(),
        },
        t0 + HOUR,
    )
    .await;
    let r = fx.refusal(&rejected).await.unwrap();
    assert_eq!(r.action, "reject");
    assert_eq!(r.office, format!("节点{GRID_A1}"));
    assert_eq!(r.reason, "属物业管理范围");

    // A wage dispute goes to township A, which gives it to its department; the department
    // sends it back, and the township gives it out again.
    let wages = fx.report(fx.located("MD03", "欠薪三个月"), t0).await.number;
    fx.act(
        "op_a",
        &wages,
        Action::Accept {
            due_ms: None,
            urgency: None,
            note: String::new(),
        },
        t0 + HOUR,
    )
    .await;
    let to_dept = || Action::Assign {
        to: Holder::Department {
            code: DEPT_A.into(),
        },
        due_ms: t0 + 5 * DAY,
        note: String::new(),
    };
    fx.act("op_a", &wages, to_dept(), t0 + 2 * HOUR).await;
    assert_eq!(fx.refusal(&wages).await, None);
    fx.act(
        "dept_a",
        &wages,
        Action::Return {
            reason: "应由劳动监察处理".into(),
        },
        t0 + 3 * HOUR,
    )
    .await;
    let r = fx.refusal(&wages).await.unwrap();
    assert_eq!(r.action, "return");
    assert_eq!(r.office, format!("节点{DEPT_A}"));
    assert_eq!(r.reason, "应由劳动监察处理");
    fx.act("op_a", &wages, to_dept(), t0 + 4 * HOUR).await;
    assert_eq!(fx.refusal(&wages).await, None);
}
