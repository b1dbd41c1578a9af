//! What a record's dates mean today: a person's age, whether a house is still let. Both are
//! computed when read (with the app's clock), so nothing goes stale overnight.

use super::HouseUse;
use crate::calendar::Date;

/// Full years from `birth` to `today`; `None` when `birth` is after `today`. Someone born on
/// 29 February turns a year older on 1 March in common years.
pub fn age_on(birth: Date, today: Date) -> Option<u32> {
    if birth > today {
        return None;
    }
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// The latest birth date of someone at least `years` old on `today` (for an age filter).
pub fn born_by(years: u32, today: Date) -> Option<Date> {
    let y = today.year().checked_sub(i32::try_from(years).ok()?)?;
    // 29 February in a common year: the last day of February.
    Date::new(y, today.month(), today.day()).or_else(|| Date::new(y, today.month(), 28))
}

/// A house's letting as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Not a rented house.
    NotLet,
    /// Rented, with no end or an end today or later.
    Running,
    /// Rented, but the term ended on this day, before today: no longer let. The house keeps
    /// its former tenant on record until someone edits it.
    Ended(Date),
}

/// The letting of a house of `use_kind` whose term ends on `end`, as of `today`.
pub fn lease_on(use_kind: HouseUse, end: Option<Date>, today: Date) -> Lease {
    match (use_kind, end) {
        (HouseUse::Rented, Some(e)) if e < today => Lease::Ended(e),
        (HouseUse::Rented, _) => Lease::Running,
        _ => Lease::NotLet,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn age_turns_on_the_birthday() {
        let birth = d(1950, 6, 15);
        assert_eq!(age_on(birth, d(2026, 6, 14)), Some(75));
        assert_eq!(age_on(birth, d(2026, 6, 15)), Some(76));
        assert_eq!(age_on(birth, d(1950, 6, 15)), Some(0));
        assert_eq!(age_on(birth, d(1950, 6, 14)), None);
        // Born on a leap day: a year older on 1 March of a common year.
        let leap = d(2000, 2, 29);
        assert_eq!(age_on(leap, d(2026, 2, 28)), Some(25));
        assert_eq!(age_on(leap, d(2026, 3, 1)), Some(26));
    }

    #[test]
    fn born_by_is_the_edge_of_an_age() {
        let today = d(2026, 12, 4);
        let edge = born_by(80, today).unwrap();
        assert_eq!(edge, d(1946, 12, 4));
        assert_eq!(age_on(edge, today), Some(80));
        assert_eq!(age_on(edge.add_days(1).unwrap(), today), Some(79));
        assert_eq!(born_by(10, d(2024, 2, 29)), Some(d(2014, 2, 28)));
    }

    #[test]
    fn a_lease_that_ended_yesterday_is_no_longer_let() {
        let today = d(2026, 12, 4);
        let rented = HouseUse::Rented;
        assert_eq!(
            lease_on(rented, Some(d(2026, 12, 3)), today),
            Lease::Ended(d(2026, 12, 3))
        );
        assert_eq!(lease_on(rented, Some(today), today), Lease::Running);
        assert_eq!(lease_on(rented, None, today), Lease::Running);
        assert_eq!(
            lease_on(HouseUse::SelfOccupied, Some(d(2020, 1, 1)), today),
            Lease::NotLet
        );
    }
}
