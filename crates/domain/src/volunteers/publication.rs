//! Publication of points (一月一公示, 一季一汇总, 按年评选): how a name shows on a public notice,
//! which months and quarters may be published or archived (only ended ones, in China time), and
//! the yearly award rules (the top 50 for the free health check, excellent building and unit
//! leaders by a share the street sets). No I/O.

use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::workbench::periods;

/// How many of the year's ranking earn the free health check (前50名免费体检).
pub const TOP: i64 = 50;

/// A name as a public notice shows it: the first character (the surname) and, for names of
/// three or more characters, the last; everything between is `*`. 张三 → 张*, 王小明 → 王*明,
/// 欧阳娜娜 → 欧**娜. A one-character name still gets a star so the notice never shows a whole
/// name; an empty one shows as `*`.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => "*".to_string(),
        1 | 2 => format!("{}*", chars[0]),
        n => {
            let mut s = String::new();
            s.push(chars[0]);
            s.push_str(&"*".repeat(n - 2));
            s.push(chars[n - 1]);
            s
        }
    }
}

/// The first and last day of a `YYYY-MM` month.
pub fn month_days(month: &str) -> Option<(Date, Date)> {
    if month.len() != 7 {
        return None;
    }
    periods::parse_month(month)
}

/// Whether a month may be published on `today` (China time): it is a month and it has ended.
pub fn month_publishable(month: &str, today: Date) -> bool {
    month_days(month).is_some_and(|(_, last)| last < today)
}

/// The quarter (`YYYYQn`) a `YYYY-MM` month lies in.
pub fn quarter_of_month(month: &str) -> Option<String> {
    let (first, _) = month_days(month)?;
    Some(format!("{}Q{}", first.year(), (first.month() - 1) / 3 + 1))
}

/// A quarter `YYYYQn`: its year and number.
pub fn parse_quarter(q: &str) -> Option<(i32, u32)> {
    let b = q.as_bytes();
    if b.len() != 6 || !(b[4] == b'Q' || b[4] == b'q') {
        return None;
    }
    let year: i32 = q.get(0..4)?.parse().ok()?;
    let n: u32 = q.get(5..6)?.parse().ok()?;
    if !(1..=4).contains(&n) || !(2000..=2999).contains(&year) {
        return None;
    }
    Some((year, n))
}

/// The three months (`YYYY-MM`) of a quarter.
pub fn quarter_months(year: i32, n: u32) -> [String; 3] {
    let m0 = (n - 1) * 3 + 1;
    [0, 1, 2].map(|i| format!("{year:04}-{:02}", m0 + i))
}

/// Whether a quarter may be archived on `today`: it is one and its last month has ended.
pub fn quarter_ended(q: &str, today: Date) -> bool {
    parse_quarter(q).is_some_and(|(y, n)| month_publishable(&quarter_months(y, n)[2], today))
}

/// The quarter before the one `today` is in (the one a street archives next).
pub fn previous_quarter(today: Date) -> String {
    let n = (today.month() - 1) / 3 + 1;
    if n == 1 {
        format!("{}Q4", today.year() - 1)
    } else {
        format!("{}Q{}", today.year(), n - 1)
    }
}

/// The month before the one `today` is in.
pub fn previous_month(today: Date) -> String {
    if today.month() == 1 {
        format!("{}-12", today.year() - 1)
    } else {
        format!("{}-{:02}", today.year(), today.month() - 1)
    }
}

/// Whether a year's awards may be recorded on `today` without asking: the year has ended.
pub fn year_ended(year: i32, today: Date) -> bool {
    year < today.year()
}

/// The post of a volunteer as awards see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    BuildingLeader,
    UnitLeader,
    Volunteer,
}

impl Post {
    pub fn parse(s: &str) -> Post {
        match s {
            "building_leader" => Post::BuildingLeader,
            "unit_leader" => Post::UnitLeader,
            _ => Post::Volunteer,
        }
    }
}

/// One volunteer's year, as the awards read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub volunteer_id: i64,
    pub earned: i64,
    pub post: Post,
}

/// Competition ranks ("1224"): a volunteer's rank is one more than the number who earned
/// strictly more, so equal points share a rank. `earned` must be sorted descending.
pub fn competition_ranks(earned: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(earned.len());
    for (i, e) in earned.iter().enumerate() {
        let rank = match (i, out.last(), earned.get(i.wrapping_sub(1))) {
            (0, _, _) => 1,
            (_, Some(&r), Some(prev)) if prev == e => r,
            _ => i as i64 + 1,
        };
        out.push(rank);
    }
    out
}

/// Whether a rank earns the free health check: rank within the top 50 and some points earned.
/// Ties at the cut are all in (the 50th place shared by three means 52 checks): the notice says
/// "the top 50 by points", and leaving out one of equal points would rest on an arbitrary order
/// (who was added first), which no volunteer could be told as a reason.
pub fn in_top(rank: i64, earned: i64) -> bool {
    rank <= TOP && earned > 0
}

/// The ids of the top 50 (ties at the cut included, see [`in_top`]).
pub fn top_volunteers(standings: &[Standing]) -> Vec<i64> {
    let mut s: Vec<&Standing> = standings.iter().filter(|s| s.earned > 0).collect();
    s.sort_by(|a, b| {
        b.earned
            .cmp(&a.earned)
            .then(a.volunteer_id.cmp(&b.volunteer_id))
    });
    let earned: Vec<i64> = s.iter().map(|x| x.earned).collect();
    competition_ranks(&earned)
        .into_iter()
        .zip(s)
        .filter(|(r, x)| in_top(*r, x.earned))
        .map(|(_, x)| x.volunteer_id)
        .collect()
}

/// How many of `n` leaders a share (1–100 %) chooses: rounded up, so any share of a non-empty
/// group chooses at least one.
pub fn share_count(n: usize, share_pct: i64) -> usize {
    let share = share_pct.clamp(1, 100) as usize;
    (n * share).div_ceil(100)
}

/// The excellent leaders of one post (优秀楼栋长 or 优秀单元长): among that post's volunteers
/// with points > 0, the best `share_count` by earned points, ties at the cut all in (as for the
/// top 50). Best first.
pub fn excellent(standings: &[Standing], post: Post, share_pct: i64) -> Vec<i64> {
    let mut s: Vec<&Standing> = standings
        .iter()
        .filter(|s| s.post == post && s.earned > 0)
        .collect();
    s.sort_by(|a, b| {
        b.earned
            .cmp(&a.earned)
            .then(a.volunteer_id.cmp(&b.volunteer_id))
    });
    let k = share_count(s.len(), share_pct) as i64;
    let earned: Vec<i64> = s.iter().map(|x| x.earned).collect();
    competition_ranks(&earned)
        .into_iter()
        .zip(s)
        .filter(|(r, _)| *r <= k)
        .map(|(_, x)| x.volunteer_id)
        .collect()
}

/// Whether a share is one the street may set.
pub fn share_valid(share_pct: i64) -> bool {
    (1..=100).contains(&share_pct)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("王小明"), "王*明");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_name(" 李 "), "李*");
        assert_eq!(mask_name(""), "*");
    }

    #[test]
    fn only_ended_months_publish() {
        assert!(month_publishable("2026-10", d(2026, 11, 1)));
        assert!(!month_publishable("2026-11", d(2026, 11, 30)));
        assert!(!month_publishable("2026-12", d(2026, 11, 30)));
        assert!(!month_publishable("2026-13", d(2027, 1, 1)));
        assert!(!month_publishable("2026-1", d(2027, 1, 1)));
        assert!(month_publishable("2025-12", d(2026, 1, 1)));
    }

    #[test]
    fn quarters() {
        assert_eq!(quarter_of_month("2026-03").as_deref(), Some("2026Q1"));
        assert_eq!(quarter_of_month("2026-10").as_deref(), Some("2026Q4"));
        assert_eq!(parse_quarter("2026Q3"), Some((2026, 3)));
        assert_eq!(parse_quarter("2026Q5"), None);
        assert_eq!(parse_quarter("26Q1"), None);
        assert_eq!(quarter_months(2026, 2), ["2026-04", "2026-05", "2026-06"]);
        assert!(quarter_ended("2026Q3", d(2026, 10, 1)));
        assert!(!quarter_ended("2026Q3", d(2026, 9, 30)));
        assert_eq!(previous_quarter(d(2026, 2, 3)), "2025Q4");
        assert_eq!(previous_quarter(d(2026, 8, 3)), "2026Q2");
        assert_eq!(previous_month(d(2026, 1, 3)), "2025-12");
        assert_eq!(previous_month(d(2026, 11, 3)), "2026-10");
        assert!(year_ended(2025, d(2026, 1, 1)));
        assert!(!year_ended(2026, d(2026, 12, 31)));
    }

    #[test]
    fn ranks_share_ties() {
        assert_eq!(competition_ranks(&[9, 7, 7, 5]), vec![1, 2, 2, 4]);
        assert_eq!(competition_ranks(&[]), Vec::<i64>::new());
    }

    fn st(id: i64, earned: i64, post: Post) -> Standing {
        Standing {
            volunteer_id: id,
            earned,
            post,
        }
    }

    #[test]
    fn top_fifty_takes_ties_at_the_cut() {
        // 49 with 100 points, then three with 50: all three share rank 50.
        let mut s: Vec<Standing> = (1..=49).map(|i| st(i, 100, Post::Volunteer)).collect();
        s.extend((50..=52).map(|i| st(i, 50, Post::Volunteer)));
        s.push(st(53, 10, Post::Volunteer));
        s.push(st(54, 0, Post::Volunteer));
        let top = top_volunteers(&s);
        assert_eq!(top.len(), 52);
        assert!(!top.contains(&53));
        // Nobody with no points is in, however few there are.
        assert_eq!(
            top_volunteers(&[st(1, 0, Post::Volunteer)]),
            Vec::<i64>::new()
        );
    }

    #[test]
    fn excellent_leaders_by_share() {
        let s = vec![
            st(1, 30, Post::BuildingLeader),
            st(2, 20, Post::BuildingLeader),
            st(3, 10, Post::BuildingLeader),
            st(4, 0, Post::BuildingLeader),
            st(5, 40, Post::UnitLeader),
            st(6, 40, Post::UnitLeader),
            st(7, 5, Post::UnitLeader),
            st(8, 99, Post::Volunteer),
        ];
        // 3 building leaders with points: 34 % → 2 (rounded up).
        assert_eq!(excellent(&s, Post::BuildingLeader, 34), vec![1, 2]);
        assert_eq!(excellent(&s, Post::BuildingLeader, 1), vec![1]);
        assert_eq!(excellent(&s, Post::BuildingLeader, 100), vec![1, 2, 3]);
        // 3 unit leaders, 10 % → 1, but two share the first place: both.
        assert_eq!(excellent(&s, Post::UnitLeader, 10), vec![5, 6]);
        assert_eq!(share_count(0, 50), 0);
        assert_eq!(share_count(10, 15), 2);
        assert!(share_valid(1) && share_valid(100) && !share_valid(0) && !share_valid(101));
    }
}
