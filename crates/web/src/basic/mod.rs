//! Basic information (人、房、组织、物) in the web: the registers of people, houses,
//! organisations and objects as pages and JSON, all standing on the register kit (`kit`); the
//! audit log; import and export of spreadsheets.
//!
//! - `kit`: list, detail, form, save, remove and reveal of any register, pages and API;
//! - `people`, `houses`, `orgs`, `objects`: each register's fields and what is its own;
//!   `tags`: a person's key-group tags;
//! - `access`, `area`, `form`, `views`, `api`: what the registers share (rights, places, form
//!   reading, view models, JSON); `counts`: the counts per area, also on the tree and grid pages;
//! - `audit`, `import`, `export`, `imports`: the audit log; the import and export pipelines
//!   (also used by the command line) and their page.

pub mod access;
pub mod api;
pub mod area;
pub mod audit;
pub mod counts;
pub mod export;
pub mod export_stream;
pub mod form;
pub mod houses;
pub mod import;
pub mod imports;
pub mod kit;
pub mod objects;
pub mod orgs;
pub mod people;
pub mod tags;
pub mod views;

use axum::Router;

pub use self::counts::{CountsCard, counts_card, public_counts};
use self::houses::Houses;
use self::objects::Objects;
use self::orgs::Orgs;
use self::people::People;
use crate::state::AppState;

/// Browser pages (wrapped by the page error layer in `crate::router`).
pub fn pages() -> Router<AppState> {
    Router::new()
        .merge(kit::page_routes::<People>())
        .merge(tags::routes())
        .merge(kit::page_routes::<Houses>())
        .merge(kit::page_routes::<Orgs>())
        .merge(kit::page_routes::<Objects>())
        .merge(audit::routes())
        .merge(imports::routes())
}

/// The JSON API, and the import and export routes that answer errors as JSON.
pub fn api() -> Router<AppState> {
    Router::new()
        .merge(kit::api_routes::<People>())
        .merge(tags::api_routes())
        .merge(kit::api_routes::<Houses>())
        .merge(kit::api_routes::<Orgs>())
        .merge(kit::api_routes::<Objects>())
        .merge(counts::api_routes())
        .merge(audit::api_routes())
        .merge(imports::api_routes())
}
