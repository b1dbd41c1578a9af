//! The one way a report (事件上报) comes in. Four doors take reports — the resident page
//! (`/r/CODE`), the staff form (`/events/new`), `POST /api/v1/events` and Open311's
//! `POST requests` — and each only reads its own input into a [`ReportRequest`] and turns the
//! answer into its own output. [`submit`] locates the point once, in the server's index, and
//! hands the rest to the store's `events::submit`, which checks every rule of a report (category,
//! texts, location, photos, reporter, on-the-spot handling), routes it to a grid and a level and
//! writes the event with its first history step, in one transaction.
//!
//! It lives in web rather than in the store because locating needs this server's in-memory index
//! (`AppState::locate_index`), which the store does not hold.

use wangge_domain::event::Urgency;
use wangge_domain::{Error, Sensitive};
use wangge_store::events::{self, Caller, NewPhoto, ReportInput, Reported, Source};

use crate::state::AppState;

/// The largest request body a report may send: three photos of up to 5 MB and the text.
pub const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;
/// Photos one report carries (the forms and the JSON API alike).
pub const MAX_PHOTOS: usize = 3;

/// Where the report's grid comes from besides its point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridHint {
    /// The point alone decides.
    None,
    /// A grid picked by hand (a staff member routing it, an Open311 client naming one): it
    /// wins over the point, and the store records the override.
    Chosen(String),
    /// The grid the door stands for (the QR code's): taken when the point lies in no grid or
    /// there is no point; the store records why.
    Fallback(String),
}

/// A report as a door read it: typed, not yet checked.
pub struct ReportRequest {
    pub source: Source,
    pub category: String,
    pub description: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub grid: GridHint,
    pub address: Option<String>,
    pub urgency: Urgency,
    pub reporter_name: Option<Sensitive<String>>,
    pub reporter_phone: Option<Sensitive<String>>,
    /// Cleaned photos (each door reads its own upload format and names a refused file its way).
    pub photos: Vec<NewPhoto>,
    /// The client's key for the submission: a copy sent again answers with the first event.
    pub submission_key: Option<String>,
    /// A grid worker's "handled on the spot" result.
    pub handled_on_spot: Option<String>,
}

/// Locates, checks, routes and writes a report; nothing is written when it is refused.
pub async fn submit(s: &AppState, caller: &Caller, r: ReportRequest) -> Result<Reported, Error> {
    let located = match (r.lat, r.lon) {
        (Some(lat), Some(lon)) => s.locate_index().locate(lon, lat).cloned(),
        _ => None,
    };
    let chosen_grid = match r.grid {
        GridHint::None => None,
        GridHint::Chosen(code) => Some(code),
        GridHint::Fallback(code) => located.is_none().then_some(code),
    };
    let input = ReportInput {
        source: r.source,
        category_code: r.category,
        description: r.description,
        lat: r.lat,
        lon: r.lon,
        address: r.address,
        located_grid: located,
        chosen_grid,
        urgency: r.urgency,
        reporter_name: r.reporter_name,
        reporter_phone: r.reporter_phone,
        photos: r.photos,
        submission_key: r.submission_key,
        handled_on_spot: r.handled_on_spot,
    };
    let cal = s.calendar();
    let ctx = s.event_ctx(&cal);
    events::submit(&s.db, &ctx, caller, input, s.now()).await
}
