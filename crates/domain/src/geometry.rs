//! Boundaries of territorial nodes: parsing and validating GeoJSON, areas on the ellipsoid, and
//! the checks and edits a grid manager needs (coverage of a parent by its children, overlaps with
//! neighbours, splitting by a drawn line, merging two neighbours).
//!
//! Coordinates are WGS-84 with x = longitude and y = latitude. Boolean operations run in the
//! plane of lon/lat degrees (with i_overlay through geo's `BooleanOps`); areas are measured on the
//! WGS-84 ellipsoid.
//!
//! Here: the error type and areas; GeoJSON in and out in `geojson`, coverage and the edits in
//! `edit` (their public items re-exported here).

use geo::algorithm::orient::Direction;
use geo::{BoundingRect, Centroid, GeodesicArea, Orient, Rect};

pub use geo::{Coord, LineString, MultiPolygon, Point, Polygon};

mod edit;
mod geojson;
#[cfg(test)]
mod tests;

pub(crate) use edit::polygon_position;
pub use edit::{Finding, FindingKind, coverage_findings, merge, overlaps, split_by_line};
pub use geojson::{parse_geojson_geometry, parse_geojson_str, parse_linestring, to_geojson};

/// Why a geometry was refused or an edit could not be made. Positions in messages are JSON paths
/// into the GeoJSON `coordinates` array, counted from 0.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    #[error("{0}")]
    Invalid(String),
    #[error("The text is not valid JSON: {0}.")]
    Json(String),
    #[error("Expected a GeoJSON object, found {found}.")]
    NotAnObject { found: &'static str },
    #[error("The GeoJSON object has no \"type\" member.")]
    MissingType,
    #[error("Expected a GeoJSON {expected} geometry, found type {found:?}.")]
    WrongType {
        expected: &'static str,
        found: String,
    },
    #[error("Invalid coordinates at {path}: {reason}.")]
    BadCoordinates { path: String, reason: String },
    #[error("The position at {path} has a coordinate that is not a finite number.")]
    NonFinite { path: String },
    #[error(
        "The position at {path} is out of range: longitude {lon} must be within [-180, 180] and latitude {lat} within [-90, 90]."
    )]
    OutOfRange { path: String, lon: f64, lat: f64 },
    #[error("The {what} at {path} has {found} positions; at least {min} are needed.")]
    TooFewPositions {
        what: &'static str,
        path: String,
        found: usize,
        min: usize,
    },
    #[error("The ring at {path} is not closed: its first position must equal its last position.")]
    RingNotClosed { path: String },
    #[error("The ring at {path} encloses no area.")]
    ZeroArea { path: String },
    #[error(
        "The ring at {path} intersects itself: edge {edge_a} and edge {edge_b} meet near [{lon}, {lat}]."
    )]
    SelfIntersection {
        path: String,
        edge_a: usize,
        edge_b: usize,
        lon: f64,
        lat: f64,
    },
    #[error("The hole at {path} is not inside the exterior ring of its polygon.")]
    HoleOutsideShell { path: String },
    #[error("The holes at {path_a} and {path_b} overlap each other.")]
    HolesOverlap { path_a: String, path_b: String },
    #[error("Polygons {a} and {b} of the MultiPolygon overlap each other.")]
    PolygonsOverlap { a: usize, b: usize },
    #[error("The geometry has no polygons.")]
    Empty,
    #[error(
        "The {which} of the cutting line lies inside or on the area; a cutting line must start and end outside it."
    )]
    LineEndInside { which: &'static str },
    #[error(
        "The {which} of the cutting line is enclosed by the area; a cutting line must start and end in open space outside it."
    )]
    LineEndEnclosed { which: &'static str },
    #[error("The line does not cut the area into two parts.")]
    LineDoesNotCross,
    #[error(
        "The two areas are not neighbours: they do not share a boundary segment, so they cannot be merged."
    )]
    NotAdjacent,
}

impl GeometryError {
    /// A stable machine-readable code, one per variant.
    pub fn code(&self) -> &'static str {
        match self {
            GeometryError::Invalid(_) => "geometry.invalid",
            GeometryError::Json(_) => "geometry.bad_json",
            GeometryError::NotAnObject { .. } => "geometry.not_an_object",
            GeometryError::MissingType => "geometry.missing_type",
            GeometryError::WrongType { .. } => "geometry.wrong_type",
            GeometryError::BadCoordinates { .. } => "geometry.bad_coordinates",
            GeometryError::NonFinite { .. } => "geometry.non_finite",
            GeometryError::OutOfRange { .. } => "geometry.out_of_range",
            GeometryError::TooFewPositions { .. } => "geometry.too_few_positions",
            GeometryError::RingNotClosed { .. } => "geometry.ring_not_closed",
            GeometryError::ZeroArea { .. } => "geometry.zero_area",
            GeometryError::SelfIntersection { .. } => "geometry.self_intersection",
            GeometryError::HoleOutsideShell { .. } => "geometry.hole_outside_shell",
            GeometryError::HolesOverlap { .. } => "geometry.holes_overlap",
            GeometryError::PolygonsOverlap { .. } => "geometry.polygons_overlap",
            GeometryError::Empty => "geometry.empty",
            GeometryError::LineEndInside { .. } => "geometry.line_end_inside",
            GeometryError::LineEndEnclosed { .. } => "geometry.line_end_enclosed",
            GeometryError::LineDoesNotCross => "geometry.line_does_not_cross",
            GeometryError::NotAdjacent => "geometry.not_adjacent",
        }
    }

    /// The named parameters of the code's texts in the error table.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let s = |v: &dyn std::fmt::Display| v.to_string();
        match self {
            GeometryError::Invalid(reason) | GeometryError::Json(reason) => {
                vec![("reason", reason.clone())]
            }
            GeometryError::NotAnObject { found } => vec![("found", s(found))],
            GeometryError::WrongType { expected, found } => {
                vec![("expected", s(expected)), ("found", format!("{found:?}"))]
            }
            GeometryError::BadCoordinates { path, reason } => {
                vec![("path", path.clone()), ("reason", reason.clone())]
            }
            GeometryError::OutOfRange { path, lon, lat } => {
                vec![("path", path.clone()), ("lon", s(lon)), ("lat", s(lat))]
            }
            GeometryError::TooFewPositions {
                what,
                path,
                found,
                min,
            } => vec![
                ("what", s(what)),
                ("path", path.clone()),
                ("found", s(found)),
                ("min", s(min)),
            ],
            GeometryError::NonFinite { path }
            | GeometryError::RingNotClosed { path }
            | GeometryError::ZeroArea { path }
            | GeometryError::HoleOutsideShell { path } => vec![("path", path.clone())],
            GeometryError::SelfIntersection {
                path,
                edge_a,
                edge_b,
                lon,
                lat,
            } => vec![
                ("path", path.clone()),
                ("edge_a", s(edge_a)),
                ("edge_b", s(edge_b)),
                ("lon", s(lon)),
                ("lat", s(lat)),
            ],
            GeometryError::HolesOverlap { path_a, path_b } => {
                vec![("path_a", path_a.clone()), ("path_b", path_b.clone())]
            }
            GeometryError::PolygonsOverlap { a, b } => vec![("a", s(a)), ("b", s(b))],
            GeometryError::LineEndInside { which } | GeometryError::LineEndEnclosed { which } => {
                vec![("which", s(which))]
            }
            GeometryError::MissingType
            | GeometryError::Empty
            | GeometryError::LineDoesNotCross
            | GeometryError::NotAdjacent => Vec::new(),
        }
    }
}

type GResult<T> = Result<T, GeometryError>;

/// Unsigned area in square metres on the WGS-84 ellipsoid (holes subtracted).
pub fn area_m2(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter().map(polygon_area_m2).sum()
}

/// The area-weighted centroid (planar in lon/lat); `None` for an empty geometry.
pub fn centroid(mp: &MultiPolygon<f64>) -> Option<Point<f64>> {
    mp.centroid()
}

/// `[min_lon, min_lat, max_lon, max_lat]`; `None` for an empty geometry.
pub fn bbox(mp: &MultiPolygon<f64>) -> Option<[f64; 4]> {
    mp.bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// Geodesic area of one polygon. A ring wound the "wrong" way measures the rest of the Earth,
/// so each polygon is oriented first and, for slivers whose orientation is numerically
/// ambiguous, the smaller of the two readings is the polygon's area.
fn polygon_area_m2(p: &Polygon<f64>) -> f64 {
    const EARTH_M2: f64 = 510_065_621_724_088.5;
    let a = p.orient(Direction::Default).geodesic_area_unsigned();
    a.min((EARTH_M2 - a).max(0.0))
}

fn oriented(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.orient(Direction::Default)
}

fn rects_overlap(a: &Rect<f64>, b: &Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}
