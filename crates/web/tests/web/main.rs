//! The web crate's integration tests, one binary: the kit in `common`, one module a topic.
//! Each test gets a fresh database (SQLite, or PostgreSQL with TEST_DATABASE_URL). One topic:
//! `cargo test -p wangge-web --test web basic::`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod analysis;
mod api_events_more;
mod apidoc;
mod as_close;
mod as_reports;
mod as_rules;
mod as_score;
mod as_supervise;
mod as_survey;
mod authsec;
mod basic;
mod categories;
mod dataio;
mod deadlines;
mod events;
mod gridedit;
mod handling;
mod importbounds;
mod imports;
mod intake;
mod lists;
mod load;
mod nav;
mod open311;
mod privacy;
mod residents;
mod scheduler;
mod transfer;
mod vol_activities;
mod vol_gifts;
mod vol_points;
mod vol_register;
mod wb_diary;
mod wb_field;
mod wb_home;
mod wb_staff;
mod wb_visits;
mod web;
