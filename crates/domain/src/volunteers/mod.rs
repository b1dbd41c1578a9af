//! Volunteer points (志愿者积分, SPEC §7, seed 003 篇二 附件6): who the volunteers are, the
//! street's catalogue of kinds and points, activities taken first come first served, the points
//! ledger that is never rewritten, monthly publication, yearly awards and gifts. No I/O here.

pub mod activity;
pub mod catalogue;
pub mod gifts;
pub mod ledger;
pub mod publication;
pub mod register;
