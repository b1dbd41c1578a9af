//! The database: one `Db` handle over SQLite or PostgreSQL, the migrations, and one repository
//! module per aggregate. Every read or write of territory-bound records takes the caller's
//! `Scope`, so an unscoped query cannot be written by accident.

#[macro_use]
mod db;
pub mod analysis;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod basic;
pub mod boards;
pub mod categories;
pub mod events;
pub mod nodes;
pub mod open311;
pub mod private_files;
pub mod ratelimit;
pub mod reseal;
pub mod seal;
pub mod territory;
pub mod testdb;
pub mod users;
pub mod volunteers;
mod wal;
pub mod workbench;

pub use db::{Conn, Db, DbError, Handle, Tuning, Tx, now_ms, redact_url};
