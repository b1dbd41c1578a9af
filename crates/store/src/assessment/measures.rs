//! What a quarter counts for each worker (`domain::assessment::measures::Measures`), from the
//! workbench's records, events, basic information, meetings and inspection findings, plus the
//! grid's satisfaction. Filled by the measures part.

// Skeleton: the owning part fills the `todo!()` bodies and removes this allowance.
#![allow(clippy::todo)]

use std::collections::HashMap;

use wangge_domain::Error;
use wangge_domain::assessment::measures::Measures;
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::calendar::Date;

use crate::db::Handle;
use crate::seal::KeyRing;

/// The measures of every active worker under `prefix` (a path the caller checked against their
/// scope) for `quarter`, counting only what has ended by `today` (the whole quarter once it
/// is over). Keyed by user id. A handful of GROUP BY queries however many workers.
pub async fn collect(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    prefix: &str,
    quarter: Quarter,
    today: Date,
) -> Result<HashMap<i64, Measures>, Error> {
    let _ = (h, keys, prefix, quarter, today);
    todo!("assessment measures part")
}

/// The measures of one worker (the running score page).
pub async fn collect_one(
    h: &mut Handle<'_>,
    keys: &KeyRing,
    user_id: i64,
    quarter: Quarter,
    today: Date,
) -> Result<Measures, Error> {
    let _ = (h, keys, user_id, quarter, today);
    todo!("assessment measures part")
}
