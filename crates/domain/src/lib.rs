//! Pure rules and types of wangge: codes, the admin tree, roles and scope, geometry, locate,
//! events, basic information. No I/O lives here, and no demo data (that is the app's).

pub mod actor;
pub mod assessment;
pub mod basic;
pub mod calendar;
pub mod category;
pub mod check;
pub mod code;
pub mod deadline;
pub mod error;
pub mod event;
pub mod geometry;
pub mod guidance;
pub mod locate;
pub mod permission;
pub mod photo;
pub mod residents;
pub mod rng;
pub mod role;
pub mod scope;
pub mod sensitive;
pub mod transfer;
pub mod tree;
pub mod volunteers;
pub mod workbench;

pub use actor::System;
pub use code::CodeError;
pub use error::{Error, Result};
pub use permission::{Permission, may};
pub use role::Role;
pub use scope::Scope;
pub use sensitive::Sensitive;
pub use tree::{GridKind, NodeKind};
