//! The quarterly assessment and the supervision of staff (migration 22): rule set versions,
//! the measures a quarter counts, closed quarters and their hash-chained results, appeals,
//! 双随机 draws, inspections and findings, and the residents' survey.

pub mod appeals;
pub mod close;
pub mod draws;
pub mod inspections;
pub mod measures;
mod measures_count;
pub mod reports;
pub mod rules;
pub mod survey;
