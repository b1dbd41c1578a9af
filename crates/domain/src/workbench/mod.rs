//! The grid worker's workbench (SPEC §5): the duties as versioned data, the periods they are
//! judged over, and the honesty checks on records. Each part of the workbench keeps its own
//! rules in its own file here; none does I/O.

pub mod diary;
pub mod duties;
pub mod honesty;
pub mod ledger;
pub mod logins;
pub mod meetings;
pub mod patrol;
pub mod periods;
pub mod progress;
pub mod sweep;
pub mod visits;
