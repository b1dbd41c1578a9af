//! Rule set versions (`assess_rules`). Filled by the rules part.

// Skeleton: the owning part fills the `todo!()` bodies and removes this allowance.
#![allow(clippy::todo)]

use wangge_domain::Error;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::Scheme;

use crate::db::Handle;

/// The scheme in force for a quarter at a grid (or any node) path: the newest version of the
/// deepest county or township above it whose `effective_from` <= the quarter, else the
/// shipped `Scheme::quarter100()`. Returns the version's id (None for the shipped default).
pub async fn in_force(
    h: &mut Handle<'_>,
    path: &str,
    quarter: Quarter,
) -> Result<(Option<i64>, Scheme), Error> {
    let _ = (h, path, quarter);
    todo!("assessment rules part")
}
