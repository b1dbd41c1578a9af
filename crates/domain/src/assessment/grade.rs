//! Grades, ranks and pay for a township's workers at quarter close (SPEC §6), and the streak
//! of unqualified quarters.
//!
//! The order (the rule the issue asks for): `total_100` descending; ties go to the higher
//! basic-work score, then the higher satisfaction, then the lower user id, so ranks are
//! distinct and the same input always gives the same ranks.
//!
//! Grades: a vetoed worker is unqualified. Excellent needs `total_100 >= excellent_min` and a
//! place within the cap floor(share × N / 100), taken in rank order (those over the cap are
//! qualified); qualified needs `qualified_min`; the rest are unqualified.
//!
//! Pay: excellent and qualified get the subsidy, unqualified `unqualified_pct` of it (cents
//! rounded down, so the worker never gets more than the share). The withheld remainder is the
//! reward pool: shared equally among the excellent in whole cents, the cents that do not
//! divide going one each to the best-ranked excellent first; each excellent also gets the
//! scheme's `reward_cents`. With no excellent worker the pool stays undistributed (it is
//! still returned, for the township to see).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::scheme::{Centi, Scheme};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Excellent,
    Qualified,
    Unqualified,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Qualified => "qualified",
            Grade::Unqualified => "unqualified",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        [Grade::Excellent, Grade::Qualified, Grade::Unqualified]
            .into_iter()
            .find(|g| g.as_str() == s)
    }
}

/// One worker as ranking sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub user_id: i64,
    pub total_100: Centi,
    pub basic: Centi,
    pub satisfaction: Centi,
    pub vetoed: bool,
    /// Consecutive unqualified quarters before this one.
    pub unqualified_before: u32,
}

/// One worker's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub user_id: i64,
    /// 1 = best; the tie rule makes ranks distinct.
    pub rank: u32,
    pub grade: Grade,
    pub pay_cents: i64,
    /// Consecutive unqualified quarters including this one (0 if not unqualified).
    pub unqualified_streak: u32,
    pub notice: bool,
    pub not_reengage: bool,
}

/// The ranking order: better first.
pub fn rank_order(a: &Entry, b: &Entry) -> Ordering {
    b.total_100
        .cmp(&a.total_100)
        .then(b.basic.cmp(&a.basic))
        .then(b.satisfaction.cmp(&a.satisfaction))
        .then(a.user_id.cmp(&b.user_id))
}

/// The most workers that may be excellent among `n`.
pub fn excellent_cap(scheme: &Scheme, n: usize) -> usize {
    let share = u128::from(scheme.grades.excellent_share_pct.min(100));
    usize::try_from(share * n as u128 / 100).unwrap_or(n)
}

/// Ranks, grades and pays a township's workers for one quarter: the outcomes in rank order and
/// the reward pool (the withheld pay) in cents. A negative subsidy counts as 0.
pub fn grade_all(scheme: &Scheme, entries: &[Entry], subsidy_cents: i64) -> (Vec<Outcome>, i64) {
    let subsidy = subsidy_cents.max(0);
    let mut order: Vec<&Entry> = entries.iter().collect();
    order.sort_by(|a, b| rank_order(a, b));
    let cap = excellent_cap(scheme, order.len());
    let g = &scheme.grades;
    let unqualified_pay =
        i64::try_from(i128::from(subsidy) * i128::from(scheme.pay.unqualified_pct.min(100)) / 100)
            .unwrap_or(subsidy);
    let mut excellent = 0usize;
    let mut pool: i64 = 0;
    let mut out: Vec<Outcome> = Vec::with_capacity(order.len());
    for (i, e) in order.iter().enumerate() {
        let grade = if e.vetoed || e.total_100 < g.qualified_min {
            Grade::Unqualified
        } else if e.total_100 >= g.excellent_min && excellent < cap {
            excellent += 1;
            Grade::Excellent
        } else {
            Grade::Qualified
        };
        let pay_cents = match grade {
            Grade::Unqualified => {
                pool = pool.saturating_add(subsidy - unqualified_pay);
                unqualified_pay
            }
            _ => subsidy,
        };
        let unqualified_streak = match grade {
            Grade::Unqualified => e.unqualified_before.saturating_add(1),
            _ => 0,
        };
        out.push(Outcome {
            user_id: e.user_id,
            rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
            grade,
            pay_cents,
            unqualified_streak,
            notice: grade == Grade::Unqualified && unqualified_streak == scheme.notice_after,
            not_reengage: grade == Grade::Unqualified
                && unqualified_streak >= scheme.not_reengage_after,
        });
    }
    if excellent > 0 {
        let n = i64::try_from(excellent).unwrap_or(i64::MAX);
        let (each, mut rest) = (pool / n, pool % n);
        for o in out.iter_mut().filter(|o| o.grade == Grade::Excellent) {
            let extra = i64::from(rest > 0);
            rest -= extra;
            o.pay_cents = o
                .pay_cents
                .saturating_add(each + extra)
                .saturating_add(scheme.pay.reward_cents.max(0));
        }
    }
    (out, pool)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn e(user_id: i64, total_100: Centi) -> Entry {
        Entry {
            user_id,
            total_100,
            basic: total_100 * 8 / 10,
            satisfaction: total_100 / 5,
            vetoed: false,
            unqualified_before: 0,
        }
    }

    fn by_user(out: &[Outcome], id: i64) -> &Outcome {
        out.iter().find(|o| o.user_id == id).unwrap()
    }

    #[test]
    fn grades_bounds_and_pay() {
        let s = Scheme::quarter100();
        // Ten workers: a cap of 2 excellent.
        let entries: Vec<Entry> = [9500, 9200, 9000, 8900, 7000, 6999, 8000, 8000, 7500, 5000]
            .iter()
            .enumerate()
            .map(|(i, &t)| e(i as i64 + 1, t))
            .collect();
        let (out, pool) = grade_all(&s, &entries, 100_000);
        assert_eq!(out.len(), 10);
        assert_eq!(by_user(&out, 1).grade, Grade::Excellent);
        assert_eq!(by_user(&out, 2).grade, Grade::Excellent);
        // 90 but over the cap: qualified.
        assert_eq!(by_user(&out, 3).grade, Grade::Qualified);
        assert_eq!(by_user(&out, 5).grade, Grade::Qualified);
        assert_eq!(by_user(&out, 6).grade, Grade::Unqualified);
        assert_eq!(by_user(&out, 10).grade, Grade::Unqualified);
        // Two unqualified withhold 30 % each: 60,000 cents, 30,000 to each excellent.
        assert_eq!(pool, 60_000);
        assert_eq!(by_user(&out, 6).pay_cents, 70_000);
        assert_eq!(by_user(&out, 3).pay_cents, 100_000);
        assert_eq!(by_user(&out, 1).pay_cents, 130_000);
        assert_eq!(by_user(&out, 2).pay_cents, 130_000);
        let ranks: Vec<u32> = out.iter().map(|o| o.rank).collect();
        assert_eq!(ranks, (1..=10).collect::<Vec<u32>>());
    }

    #[test]
    fn ties_go_to_basic_then_satisfaction_then_user_id() {
        let s = Scheme::quarter100();
        let mut a = e(7, 8000);
        a.basic = 6000;
        a.satisfaction = 2000;
        let mut b = e(3, 8000);
        b.basic = 6500;
        b.satisfaction = 1500;
        let mut c = e(5, 8000);
        c.basic = 6000;
        c.satisfaction = 1900;
        let mut d = e(2, 8000);
        d.basic = 6000;
        d.satisfaction = 1900;
        let (out, _) = grade_all(&s, &[a, b, c, d], 0);
        let ids: Vec<i64> = out.iter().map(|o| o.user_id).collect();
        assert_eq!(ids, vec![3, 7, 2, 5]);
    }

    #[test]
    fn a_veto_makes_the_best_unqualified() {
        let s = Scheme::thousand();
        let mut top = e(1, 9900);
        top.vetoed = true;
        let entries = vec![top, e(2, 9500), e(3, 9400), e(4, 8000), e(5, 8000)];
        let (out, pool) = grade_all(&s, &entries, 1000);
        // Still ranked first by score, but unqualified; the cap (1 of 5) goes to the next.
        assert_eq!(out[0].user_id, 1);
        assert_eq!(out[0].grade, Grade::Unqualified);
        assert_eq!(by_user(&out, 2).grade, Grade::Excellent);
        assert_eq!(by_user(&out, 3).grade, Grade::Qualified);
        assert_eq!(pool, 300);
        assert_eq!(by_user(&out, 2).pay_cents, 1300);
    }

    #[test]
    fn the_streak_drafts_a_notice_then_ends_the_engagement() {
        let s = Scheme::quarter100();
        let mut w = vec![e(1, 5000), e(2, 5000), e(3, 5000), e(4, 8000)];
        w[0].unqualified_before = 0;
        w[1].unqualified_before = 1;
        w[2].unqualified_before = 2;
        w[3].unqualified_before = 5;
        let (out, _) = grade_all(&s, &w, 0);
        let o = |id| by_user(&out, id);
        assert_eq!(
            (o(1).unqualified_streak, o(1).notice, o(1).not_reengage),
            (1, false, false)
        );
        assert_eq!(
            (o(2).unqualified_streak, o(2).notice, o(2).not_reengage),
            (2, true, false)
        );
        assert_eq!(
            (o(3).unqualified_streak, o(3).notice, o(3).not_reengage),
            (3, false, true)
        );
        // A qualified quarter ends the streak.
        assert_eq!(
            (o(4).unqualified_streak, o(4).notice, o(4).not_reengage),
            (0, false, false)
        );
    }

    #[test]
    fn pool_cents_that_do_not_divide_go_to_the_best_ranked() {
        let mut s = Scheme::quarter100();
        s.grades.excellent_share_pct = 100;
        s.pay.reward_cents = 50;
        let entries = vec![e(1, 9100), e(2, 9900), e(3, 9500), e(4, 1000)];
        // One unqualified withholds 30 % of 101 cents rounded so the worker gets 70: 31 cents.
        let (out, pool) = grade_all(&s, &entries, 101);
        assert_eq!(pool, 31);
        assert_eq!(by_user(&out, 4).pay_cents, 70);
        // 31 = 3 × 10 + 1: the best-ranked excellent (user 2) gets the extra cent.
        assert_eq!(by_user(&out, 2).pay_cents, 101 + 11 + 50);
        assert_eq!(by_user(&out, 3).pay_cents, 101 + 10 + 50);
        assert_eq!(by_user(&out, 1).pay_cents, 101 + 10 + 50);
    }

    #[test]
    fn no_excellent_leaves_the_pool_undistributed() {
        let s = Scheme::quarter100();
        let (out, pool) = grade_all(&s, &[e(1, 8000), e(2, 1000)], 1000);
        assert_eq!(pool, 300);
        let paid: i64 = out.iter().map(|o| o.pay_cents).sum();
        assert_eq!(paid, 2000 - 300);
    }

    #[test]
    fn few_workers_may_have_no_excellent_place() {
        // 20 % of 4 is 0.8: no one may be excellent.
        let s = Scheme::quarter100();
        let (out, _) = grade_all(&s, &[e(1, 9900), e(2, 9800), e(3, 9700), e(4, 9600)], 0);
        assert!(out.iter().all(|o| o.grade == Grade::Qualified));
        assert_eq!(excellent_cap(&s, 5), 1);
        assert_eq!(excellent_cap(&s, 0), 0);
    }

    #[test]
    fn empty_input_gives_nothing() {
        assert_eq!(grade_all(&Scheme::quarter100(), &[], 1000), (vec![], 0));
    }

    /// A small deterministic generator, so the cases are the same on every run.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    #[test]
    fn money_is_conserved_the_cap_holds_and_ranks_are_distinct() {
        let mut rng = Lcg(42);
        for round in 0..500 {
            let mut s = if round % 2 == 0 {
                Scheme::quarter100()
            } else {
                Scheme::thousand()
            };
            s.grades.excellent_share_pct = rng.next(101) as u32;
            s.pay.unqualified_pct = rng.next(101) as u32;
            s.pay.reward_cents = rng.next(3) as i64 * 1000;
            let n = rng.next(40) as usize;
            let entries: Vec<Entry> = (0..n)
                .map(|i| Entry {
                    user_id: rng.next(1000) as i64 * 100 + i as i64,
                    total_100: 6000 + rng.next(4001) as i64,
                    basic: rng.next(8001) as i64,
                    satisfaction: rng.next(2001) as i64,
                    vetoed: rng.next(10) == 0,
                    unqualified_before: rng.next(4) as u32,
                })
                .collect();
            let subsidy = rng.next(500_000) as i64;
            let (out, pool) = grade_all(&s, &entries, subsidy);
            assert_eq!(out.len(), n);
            let excellent = out.iter().filter(|o| o.grade == Grade::Excellent).count();
            assert!(excellent <= excellent_cap(&s, n));
            let mut ranks: Vec<u32> = out.iter().map(|o| o.rank).collect();
            ranks.dedup();
            assert_eq!(ranks, (1..=n as u32).collect::<Vec<u32>>());
            let withheld: i64 = out
                .iter()
                .filter(|o| o.grade == Grade::Unqualified)
                .map(|o| subsidy - o.pay_cents)
                .sum();
            assert_eq!(withheld, pool);
            let paid: i64 = out.iter().map(|o| o.pay_cents).sum();
            let given_back = if excellent > 0 { withheld } else { 0 };
            assert_eq!(
                paid,
                n as i64 * subsidy - withheld + given_back + s.pay.reward_cents * excellent as i64
            );
            // Rank order is the documented order, and grades respect the bounds.
            for w in out.windows(2) {
                let a = entries.iter().find(|x| x.user_id == w[0].user_id).unwrap();
                let b = entries.iter().find(|x| x.user_id == w[1].user_id).unwrap();
                assert_eq!(rank_order(a, b), Ordering::Less);
            }
            for o in &out {
                let x = entries.iter().find(|x| x.user_id == o.user_id).unwrap();
                match o.grade {
                    Grade::Excellent => {
                        assert!(!x.vetoed && x.total_100 >= s.grades.excellent_min)
                    }
                    Grade::Qualified => {
                        assert!(!x.vetoed && x.total_100 >= s.grades.qualified_min)
                    }
                    Grade::Unqualified => {
                        assert!(x.vetoed || x.total_100 < s.grades.qualified_min)
                    }
                }
            }
        }
    }
}
