//! The residents' satisfaction survey (`survey_tokens`, `survey_answers`) and the ratings of
//! closed events. Filled by the satisfaction part.

// Skeleton: the owning part fills the `todo!()` bodies and removes this allowance.
#![allow(clippy::todo)]

use std::collections::HashMap;

use wangge_domain::Error;
use wangge_domain::assessment::measures::SatisfactionInput;
use wangge_domain::assessment::quarter::Quarter;

use crate::db::Handle;

/// Per grid path under `prefix`: the quarter's survey answers and the ratings of the grid's
/// events closed in the quarter.
pub async fn satisfaction(
    h: &mut Handle<'_>,
    prefix: &str,
    quarter: Quarter,
) -> Result<HashMap<String, SatisfactionInput>, Error> {
    let _ = (h, prefix, quarter);
    todo!("assessment satisfaction part")
}
