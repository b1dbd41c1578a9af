//! Gifts (礼品兑换): what a community offers for points, and the rules of redeeming and
//! cancelling. A volunteer redeems against the year's available points (earned less spent in
//! the year, see `ledger::Kind::year_effect`); the stock never goes below zero; the organiser
//! may cancel any redemption not yet cancelled, the volunteer their own within the month it was
//! made. No I/O: the store checks these with the rows it reads under the community's lock.

use crate::{Error, err};

/// The longest gift name.
pub const MAX_NAME: usize = 40;
/// The longest description.
pub const MAX_DESCRIPTION: usize = 200;
/// The highest price. The brief allowed 10,000, but a redemption is one ledger entry and an
/// entry carries at most `ledger::MAX_ENTRY_POINTS` (1,000): a dearer gift could never be
/// redeemed, so the price stops there.
pub const MAX_PRICE: i64 = super::ledger::MAX_ENTRY_POINTS;
/// The largest stock.
pub const MAX_STOCK: i64 = 100_000;
/// The longest reason given for a cancellation.
pub const MAX_REASON: usize = 200;

/// A gift's fields as entered, checked by [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftFields {
    pub name: String,
    pub description: String,
    pub price: i64,
    pub stock: i64,
}

/// A trimmed name of 1–40 characters.
pub fn check_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(err!("volunteers.gift_name", max = MAX_NAME));
    }
    Ok(name.to_string())
}

/// A trimmed description of at most 200 characters (may be empty).
pub fn check_description(d: &str) -> Result<String, Error> {
    let d = d.trim();
    if d.chars().count() > MAX_DESCRIPTION {
        return Err(err!("volunteers.gift_description", max = MAX_DESCRIPTION));
    }
    Ok(d.to_string())
}

pub fn check_price(price: i64) -> Result<i64, Error> {
    if !(1..=MAX_PRICE).contains(&price) {
        return Err(err!(
            "volunteers.gift_price",
            value = price,
            max = MAX_PRICE
        ));
    }
    Ok(price)
}

pub fn check_stock(stock: i64) -> Result<i64, Error> {
    if !(0..=MAX_STOCK).contains(&stock) {
        return Err(err!(
            "volunteers.gift_stock",
            value = stock,
            max = MAX_STOCK
        ));
    }
    Ok(stock)
}

/// Checks and trims every field of a new gift.
pub fn check(name: &str, description: &str, price: i64, stock: i64) -> Result<GiftFields, Error> {
    Ok(GiftFields {
        name: check_name(name)?,
        description: check_description(description)?,
        price: check_price(price)?,
        stock: check_stock(stock)?,
    })
}

/// What a redemption is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedeemCheck<'a> {
    pub gift_name: &'a str,
    pub price: i64,
    pub stock: i64,
    pub active: bool,
    /// The gift is of the volunteer's own community.
    pub same_community: bool,
    /// The volunteer's available points this year.
    pub available: i64,
    /// The volunteer is active (approved, not left).
    pub volunteer_active: bool,
}

/// Whether the redemption may go ahead. Another community's gift is "not found", as the
/// store answers for anything out of scope.
pub fn may_redeem(c: &RedeemCheck<'_>, gift_id: i64) -> Result<(), Error> {
    if !c.same_community {
        return Err(err!("volunteers.gift_not_found", id = gift_id));
    }
    if !c.volunteer_active {
        return Err(err!("volunteers.redeem_not_active"));
    }
    if !c.active {
        return Err(err!("volunteers.gift_inactive", name = c.gift_name));
    }
    if c.stock < 1 {
        return Err(err!("volunteers.gift_out_of_stock", name = c.gift_name));
    }
    if c.available < c.price {
        return Err(err!(
            "volunteers.points_short",
            name = c.gift_name,
            price = c.price,
            available = c.available
        ));
    }
    Ok(())
}

/// Who asks to cancel a redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canceller {
    /// The community's organiser: any redemption of the year not yet cancelled.
    Organiser,
    /// A volunteer: `own` says whether the redemption is theirs.
    Volunteer { own: bool },
}

/// Whether a redemption made in `made_month` (`YYYY-MM`) with `status` may be cancelled in
/// `now_month`. A redemption of an earlier year stays: the year's points it was redeemed against
/// are closed, and giving them back into another year would count them twice.
pub fn may_cancel(
    who: Canceller,
    id: i64,
    status: &str,
    made_month: &str,
    now_month: &str,
) -> Result<(), Error> {
    if let Canceller::Volunteer { own: false } = who {
        return Err(err!("volunteers.redemption_not_found", id));
    }
    if status == "cancelled" {
        return Err(err!("volunteers.redemption_cancelled", id));
    }
    if made_month.get(..4) != now_month.get(..4) {
        return Err(err!("volunteers.redemption_year_over", id));
    }
    if matches!(who, Canceller::Volunteer { .. }) && made_month != now_month {
        return Err(err!("volunteers.redemption_month_over", id));
    }
    Ok(())
}

/// A cancellation's reason, trimmed, at most 200 characters (may be empty).
pub fn check_reason(reason: &str) -> Result<String, Error> {
    let r = reason.trim();
    if r.chars().count() > MAX_REASON {
        return Err(err!("volunteers.cancel_reason_long", max = MAX_REASON));
    }
    Ok(r.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn ok() -> RedeemCheck<'static> {
        RedeemCheck {
            gift_name: "毛巾",
            price: 10,
            stock: 1,
            active: true,
            same_community: true,
            available: 10,
            volunteer_active: true,
        }
    }

    #[test]
    fn fields() {
        let g = check("  毛巾 ", " 一条 ", 10, 0).unwrap();
        assert_eq!((g.name.as_str(), g.description.as_str()), ("毛巾", "一条"));
        assert_eq!(
            check("", "", 10, 1).unwrap_err().code,
            "volunteers.gift_name"
        );
        assert_eq!(
            check(&"礼".repeat(41), "", 10, 1).unwrap_err().code,
            "volunteers.gift_name"
        );
        assert!(check(&"礼".repeat(40), &"字".repeat(200), 1, 100_000).is_ok());
        assert_eq!(
            check("a", &"字".repeat(201), 1, 1).unwrap_err().code,
            "volunteers.gift_description"
        );
        assert_eq!(
            check("a", "", 0, 1).unwrap_err().code,
            "volunteers.gift_price"
        );
        assert_eq!(
            check("a", "", MAX_PRICE + 1, 1).unwrap_err().code,
            "volunteers.gift_price"
        );
        assert_eq!(
            check("a", "", 1, -1).unwrap_err().code,
            "volunteers.gift_stock"
        );
        assert_eq!(
            check("a", "", 1, 100_001).unwrap_err().code,
            "volunteers.gift_stock"
        );
        // Every price allowed fits one redeem entry.
        assert!(super::super::ledger::Kind::Redeem.points_fit(-MAX_PRICE));
    }

    #[test]
    fn redeem_rules() {
        assert!(may_redeem(&ok(), 1).is_ok());
        let code = |c: RedeemCheck<'_>| may_redeem(&c, 1).unwrap_err().code;
        assert_eq!(
            code(RedeemCheck {
                available: 9,
                ..ok()
            }),
            "volunteers.points_short"
        );
        assert_eq!(
            code(RedeemCheck { stock: 0, ..ok() }),
            "volunteers.gift_out_of_stock"
        );
        assert_eq!(
            code(RedeemCheck {
                active: false,
                ..ok()
            }),
            "volunteers.gift_inactive"
        );
        assert_eq!(
            code(RedeemCheck {
                same_community: false,
                ..ok()
            }),
            "volunteers.gift_not_found"
        );
        assert_eq!(
            code(RedeemCheck {
                volunteer_active: false,
                ..ok()
            }),
            "volunteers.redeem_not_active"
        );
    }

    #[test]
    fn cancel_rules() {
        let org = Canceller::Organiser;
        let own = Canceller::Volunteer { own: true };
        let other = Canceller::Volunteer { own: false };
        assert!(may_cancel(org, 1, "redeemed", "2026-01", "2026-11").is_ok());
        assert!(may_cancel(own, 1, "redeemed", "2026-11", "2026-11").is_ok());
        let code = |w, s, m, n| may_cancel(w, 1, s, m, n).unwrap_err().code;
        assert_eq!(
            code(own, "redeemed", "2026-10", "2026-11"),
            "volunteers.redemption_month_over"
        );
        assert_eq!(
            code(other, "redeemed", "2026-11", "2026-11"),
            "volunteers.redemption_not_found"
        );
        assert_eq!(
            code(org, "cancelled", "2026-11", "2026-11"),
            "volunteers.redemption_cancelled"
        );
        assert_eq!(
            code(org, "redeemed", "2025-12", "2026-01"),
            "volunteers.redemption_year_over"
        );
        assert!(check_reason(&"x".repeat(201)).is_err());
        assert_eq!(check_reason(" a ").unwrap(), "a");
    }
}
