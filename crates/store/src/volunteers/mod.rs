//! Volunteer points (migration 24): the volunteers of each community and their applications,
//! the street's catalogue and "other" approvals, activities and sign-ups, the points ledger,
//! published months, archives and awards, gifts and redemptions.

pub mod activities;
pub mod catalogue;
pub mod clues;
pub mod gifts;
pub mod ledger;
pub mod messages;
pub mod months;
pub mod ranking;
pub mod register;
