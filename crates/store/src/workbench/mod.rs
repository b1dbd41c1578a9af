//! The workbench's records (migration 15): duty rules, visits and their photos, patrols,
//! diaries, sweeps, daily use, meetings, ledgers and honesty flags. Every function takes the
//! caller's scope or acts on the caller's own rows.

pub mod diary;
pub mod flags;
pub mod ledger;
pub mod logins;
pub mod meetings;
pub mod patrol;
pub mod photos;
pub mod progress;
pub mod rules;
pub mod sweeps;
pub mod visits;
pub mod work_days;
