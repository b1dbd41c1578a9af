//! Boundaries of territorial nodes: parsing and validating GeoJSON, areas on the ellipsoid, and
//! the checks and edits a grid manager needs (coverage of a parent by its children, overlaps with
//! neighbours, splitting by a drawn line, merging two neighbours).
//!
//! Coordinates are WGS-84 with x = longitude and y = latitude. Boolean operations run in the
//! plane of lon/lat degrees (with i_overlay through geo's `BooleanOps`); areas are measured on the
//! WGS-84 ellipsoid.

use geo::algorithm::coordinate_position::{CoordPos, coord_pos_relative_to_ring};
use geo::algorithm::line_intersection::{LineIntersection, line_intersection};
use geo::algorithm::orient::Direction;
use geo::{
    Area, BooleanOps, BoundingRect, Centroid, GeodesicArea, InteriorPoint, Intersects, Line,
    Orient, Rect,
};
use serde_json::{Value, json};

pub use geo::{Coord, LineString, MultiPolygon, Point, Polygon};

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

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn path_of(idx: &[usize]) -> String {
    let mut s = String::from("coordinates");
    for i in idx {
        s.push_str(&format!("[{i}]"));
    }
    s
}

/// Finds the geometry object: the value itself, or the `geometry` of a Feature.
fn geometry_object<'a>(v: &'a Value, expected: &'static str) -> GResult<(&'a str, &'a Value)> {
    let Value::Object(obj) = v else {
        return Err(GeometryError::NotAnObject {
            found: json_kind(v),
        });
    };
    let ty = match obj.get("type") {
        None => return Err(GeometryError::MissingType),
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(GeometryError::WrongType {
                expected,
                found: format!("<{}>", json_kind(other)),
            });
        }
    };
    if ty == "Feature" {
        let g = obj.get("geometry").unwrap_or(&Value::Null);
        if g.is_null() {
            return Err(GeometryError::WrongType {
                expected,
                found: "Feature without geometry".to_string(),
            });
        }
        if let Some(Value::String(t)) = g.get("type")
            && t == "Feature"
        {
            return Err(GeometryError::WrongType {
                expected,
                found: "Feature inside a Feature".to_string(),
            });
        }
        return geometry_object(g, expected);
    }
    let coords = obj
        .get("coordinates")
        .ok_or_else(|| GeometryError::BadCoordinates {
            path: "coordinates".to_string(),
            reason: "the member is missing".to_string(),
        })?;
    Ok((ty, coords))
}

fn as_array<'a>(v: &'a Value, idx: &[usize], what: &str) -> GResult<&'a Vec<Value>> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(GeometryError::BadCoordinates {
            path: path_of(idx),
            reason: format!("expected {what}, found {}", json_kind(other)),
        }),
    }
}

fn parse_position(v: &Value, idx: &[usize]) -> GResult<Coord<f64>> {
    let a = as_array(v, idx, "a [longitude, latitude] array")?;
    if a.len() < 2 {
        return Err(GeometryError::BadCoordinates {
            path: path_of(idx),
            reason: format!(
                "a position needs [longitude, latitude], found {} number(s)",
                a.len()
            ),
        });
    }
    let mut xy = [0.0f64; 2];
    for (k, slot) in xy.iter_mut().enumerate() {
        *slot = match &a[k] {
            Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| GeometryError::NonFinite { path: path_of(idx) })?,
            other => {
                return Err(GeometryError::BadCoordinates {
                    path: path_of(idx),
                    reason: format!(
                        "the {} must be a number, found {}",
                        if k == 0 { "longitude" } else { "latitude" },
                        json_kind(other)
                    ),
                });
            }
        };
    }
    // Extra members (altitude) must at least be numbers.
    for extra in &a[2..] {
        if !extra.is_number() {
            return Err(GeometryError::BadCoordinates {
                path: path_of(idx),
                reason: format!("extra members must be numbers, found {}", json_kind(extra)),
            });
        }
    }
    let [lon, lat] = xy;
    if !lon.is_finite() || !lat.is_finite() {
        return Err(GeometryError::NonFinite { path: path_of(idx) });
    }
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(GeometryError::OutOfRange {
            path: path_of(idx),
            lon,
            lat,
        });
    }
    Ok(Coord { x: lon, y: lat })
}

fn parse_positions(v: &Value, idx: &[usize], what: &str) -> GResult<Vec<Coord<f64>>> {
    let a = as_array(v, idx, what)?;
    let mut out = Vec::with_capacity(a.len());
    let mut p = idx.to_vec();
    p.push(0);
    for (i, pos) in a.iter().enumerate() {
        if let Some(last) = p.last_mut() {
            *last = i;
        }
        out.push(parse_position(pos, &p)?);
    }
    Ok(out)
}

/// Validates one ring (closed, enough positions, some area, simple) and returns it without
/// consecutive duplicate positions.
fn parse_ring(v: &Value, idx: &[usize]) -> GResult<LineString<f64>> {
    let pts = parse_positions(v, idx, "an array of positions (a linear ring)")?;
    let path = path_of(idx);
    if pts.len() < 4 {
        return Err(GeometryError::TooFewPositions {
            what: "ring",
            path,
            found: pts.len(),
            min: 4,
        });
    }
    if pts.first() != pts.last() {
        return Err(GeometryError::RingNotClosed { path });
    }
    let mut ring: Vec<Coord<f64>> = Vec::with_capacity(pts.len());
    for c in pts {
        if ring.last() != Some(&c) {
            ring.push(c);
        }
    }
    let ls = LineString::new(ring);
    if ls.0.len() < 4 || all_collinear(&ls.0) {
        return Err(GeometryError::ZeroArea { path });
    }
    check_simple(&ls, &path)?;
    if ring_signed_area(&ls) == 0.0 {
        return Err(GeometryError::ZeroArea { path });
    }
    Ok(ls)
}

fn all_collinear(pts: &[Coord<f64>]) -> bool {
    use geo::algorithm::kernels::{Kernel, Orientation, RobustKernel};
    let Some(&a) = pts.first() else { return true };
    let Some(&b) = pts.iter().find(|&&p| p != a) else {
        return true;
    };
    pts.iter()
        .all(|&p| RobustKernel::orient2d(a, b, p) == Orientation::Collinear)
}

fn ring_signed_area(ls: &LineString<f64>) -> f64 {
    Polygon::new(ls.clone(), vec![]).signed_area()
}

fn seg_rect(l: &Line<f64>) -> (f64, f64, f64, f64) {
    (
        l.start.x.min(l.end.x),
        l.start.y.min(l.end.y),
        l.start.x.max(l.end.x),
        l.start.y.max(l.end.y),
    )
}

/// Refuses a ring whose edges cross or touch, other than neighbouring edges sharing their common
/// endpoint. Sorts edges by their west end and sweeps, so typical rings cost far less than n².
fn check_simple(ls: &LineString<f64>, path: &str) -> GResult<()> {
    let lines: Vec<Line<f64>> = ls.lines().collect();
    let n = lines.len();
    let err = |a: usize, b: usize, c: Coord<f64>| GeometryError::SelfIntersection {
        path: path.to_string(),
        edge_a: a.min(b),
        edge_b: a.max(b),
        lon: c.x,
        lat: c.y,
    };
    // Neighbouring edges may only share their common vertex: a spike doubles back on itself.
    for i in 0..n {
        let j = (i + 1) % n;
        if let Some(LineIntersection::Collinear { .. }) = line_intersection(lines[i], lines[j]) {
            return Err(err(i, j, lines[i].end));
        }
    }
    let rects: Vec<(f64, f64, f64, f64)> = lines.iter().map(seg_rect).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| rects[a].0.total_cmp(&rects[b].0));
    for (k, &i) in order.iter().enumerate() {
        let ri = rects[i];
        for &j in &order[k + 1..] {
            let rj = rects[j];
            if rj.0 > ri.2 {
                break;
            }
            if rj.1 > ri.3 || rj.3 < ri.1 {
                continue;
            }
            let adjacent = (i + 1) % n == j || (j + 1) % n == i;
            if adjacent {
                continue;
            }
            if let Some(x) = line_intersection(lines[i], lines[j]) {
                let c = match x {
                    LineIntersection::SinglePoint { intersection, .. } => intersection,
                    LineIntersection::Collinear { intersection } => intersection.start,
                };
                return Err(err(i, j, c));
            }
        }
    }
    Ok(())
}

fn rect_of(ls: &LineString<f64>) -> Option<Rect<f64>> {
    ls.bounding_rect()
}

fn rects_overlap(a: &Rect<f64>, b: &Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

/// Whether the interiors of two simple rings (as polygons) intersect.
fn interiors_intersect(a: &Polygon<f64>, b: &Polygon<f64>) -> bool {
    use geo::Relate;
    use geo::algorithm::dimensions::Dimensions;
    a.relate(b).get(CoordPos::Inside, CoordPos::Inside) != Dimensions::Empty
}

fn parse_polygon(v: &Value, idx: &[usize]) -> GResult<Polygon<f64>> {
    let rings = as_array(v, idx, "an array of rings (a polygon)")?;
    if rings.is_empty() {
        return Err(GeometryError::TooFewPositions {
            what: "polygon",
            path: path_of(idx),
            found: 0,
            min: 1,
        });
    }
    let mut parsed = Vec::with_capacity(rings.len());
    let mut p = idx.to_vec();
    p.push(0);
    for (i, r) in rings.iter().enumerate() {
        if let Some(last) = p.last_mut() {
            *last = i;
        }
        parsed.push(parse_ring(r, &p)?);
    }
    let shell = parsed.remove(0);
    let shell_poly = Polygon::new(shell.clone(), vec![]);
    let shell_rect = rect_of(&shell);
    let hole_path = |i: usize| {
        let mut q = idx.to_vec();
        q.push(i + 1);
        path_of(&q)
    };
    let mut hole_polys = Vec::with_capacity(parsed.len());
    for (i, h) in parsed.iter().enumerate() {
        let hp = Polygon::new(h.clone(), vec![]);
        let inside = match (shell_rect, rect_of(h)) {
            (Some(sr), Some(hr)) => {
                hr.min().x >= sr.min().x
                    && hr.min().y >= sr.min().y
                    && hr.max().x <= sr.max().x
                    && hr.max().y <= sr.max().y
                    && {
                        use geo::Relate;
                        let m = shell_poly.relate(&hp);
                        m.is_covers() && !m.is_equal_topo()
                    }
            }
            _ => false,
        };
        if !inside {
            return Err(GeometryError::HoleOutsideShell { path: hole_path(i) });
        }
        hole_polys.push((hp, rect_of(h)));
    }
    for i in 0..hole_polys.len() {
        for j in i + 1..hole_polys.len() {
            let (a, ra) = &hole_polys[i];
            let (b, rb) = &hole_polys[j];
            if let (Some(ra), Some(rb)) = (ra, rb)
                && rects_overlap(ra, rb)
                && interiors_intersect(a, b)
            {
                return Err(GeometryError::HolesOverlap {
                    path_a: hole_path(i),
                    path_b: hole_path(j),
                });
            }
        }
    }
    Ok(Polygon::new(shell, parsed).orient(Direction::Default))
}

/// Parses a GeoJSON Polygon or MultiPolygon geometry (or a Feature holding one), validates it and
/// returns it as a MultiPolygon with exterior rings counter-clockwise and holes clockwise.
pub fn parse_geojson_geometry(v: &serde_json::Value) -> Result<MultiPolygon<f64>, GeometryError> {
    let (ty, coords) = geometry_object(v, "Polygon or MultiPolygon")?;
    let polys = match ty {
        "Polygon" => vec![parse_polygon(coords, &[])?],
        "MultiPolygon" => {
            let a = as_array(coords, &[], "an array of polygons")?;
            let mut out = Vec::with_capacity(a.len());
            for (i, p) in a.iter().enumerate() {
                out.push(parse_polygon(p, &[i])?);
            }
            out
        }
        other => {
            return Err(GeometryError::WrongType {
                expected: "Polygon or MultiPolygon",
                found: other.to_string(),
            });
        }
    };
    if polys.is_empty() {
        return Err(GeometryError::Empty);
    }
    let rects: Vec<Option<Rect<f64>>> = polys.iter().map(|p| p.bounding_rect()).collect();
    for i in 0..polys.len() {
        for j in i + 1..polys.len() {
            if let (Some(ra), Some(rb)) = (&rects[i], &rects[j])
                && rects_overlap(ra, rb)
                && interiors_intersect(&polys[i], &polys[j])
            {
                return Err(GeometryError::PolygonsOverlap { a: i, b: j });
            }
        }
    }
    Ok(MultiPolygon::new(polys))
}

/// Parses GeoJSON text, then as [`parse_geojson_geometry`].
pub fn parse_geojson_str(s: &str) -> Result<MultiPolygon<f64>, GeometryError> {
    let v: Value = serde_json::from_str(s).map_err(|e| GeometryError::Json(e.to_string()))?;
    parse_geojson_geometry(&v)
}

/// Parses a GeoJSON LineString (or a Feature holding one) of at least two positions.
pub fn parse_linestring(v: &serde_json::Value) -> Result<LineString<f64>, GeometryError> {
    let (ty, coords) = geometry_object(v, "LineString")?;
    if ty != "LineString" {
        return Err(GeometryError::WrongType {
            expected: "LineString",
            found: ty.to_string(),
        });
    }
    let pts = parse_positions(coords, &[], "an array of positions (a line)")?;
    let mut dedup: Vec<Coord<f64>> = Vec::with_capacity(pts.len());
    for c in &pts {
        if dedup.last() != Some(c) {
            dedup.push(*c);
        }
    }
    if dedup.len() < 2 {
        return Err(GeometryError::TooFewPositions {
            what: "line",
            path: "coordinates".to_string(),
            found: dedup.len(),
            min: 2,
        });
    }
    Ok(LineString::new(dedup))
}

fn ring_json(ls: &LineString<f64>) -> Value {
    let mut pts: Vec<Value> = ls.0.iter().map(|c| json!([c.x, c.y])).collect();
    if let (Some(f), Some(l)) = (ls.0.first(), ls.0.last())
        && f != l
    {
        pts.push(json!([f.x, f.y]));
    }
    Value::Array(pts)
}

fn polygon_json(p: &Polygon<f64>) -> Value {
    let mut rings = vec![ring_json(p.exterior())];
    rings.extend(p.interiors().iter().map(ring_json));
    Value::Array(rings)
}

/// A GeoJSON geometry: a Polygon when there is exactly one polygon, else a MultiPolygon.
pub fn to_geojson(mp: &MultiPolygon<f64>) -> serde_json::Value {
    if mp.0.len() == 1 {
        json!({"type": "Polygon", "coordinates": polygon_json(&mp.0[0])})
    } else {
        let polys: Vec<Value> = mp.0.iter().map(polygon_json).collect();
        json!({"type": "MultiPolygon", "coordinates": polys})
    }
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Gap,
    Overlap,
    Outside,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub area_m2: f64,
    pub lon: f64,
    pub lat: f64,
    pub codes: Vec<String>,
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

/// Unions many (consistently oriented) geometries in one overlay pass.
fn union_all<'a>(parts: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> MultiPolygon<f64> {
    geo::unary_union(parts)
}

fn push_pieces(
    out: &mut Vec<Finding>,
    kind: FindingKind,
    pieces: &MultiPolygon<f64>,
    codes: &[&str],
    min_area_m2: f64,
) {
    for p in &pieces.0 {
        let a = polygon_area_m2(p);
        if a < min_area_m2 || a <= 0.0 {
            continue;
        }
        let pt = p.interior_point().or_else(|| p.centroid());
        let Some(pt) = pt else { continue };
        out.push(Finding {
            kind,
            area_m2: a,
            lon: pt.x(),
            lat: pt.y(),
            codes: codes.iter().map(|c| c.to_string()).collect(),
        });
    }
}

/// Checks that `children` tile `parent`: reports gaps (parts of the parent no child covers),
/// overlaps (pairwise intersections of children, `codes` = both children) and parts of a child
/// outside the parent (`codes` = that child). Each finding is one connected piece of at least
/// `min_area_m2` square metres; smaller pieces (including floating-point slivers) are skipped.
///
/// Cheap global checks come first (one union of all children; the sum of children's areas
/// against the union's area), so a clean tiling costs three overlay passes; the pairwise and
/// per-child work only runs when there is something to find.
pub fn coverage_findings(
    parent: &MultiPolygon<f64>,
    children: &[(String, MultiPolygon<f64>)],
    min_area_m2: f64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let parent = oriented(parent);
    let kids: Vec<MultiPolygon<f64>> = children.iter().map(|(_, m)| oriented(m)).collect();
    let union = union_all(kids.iter());

    // (a) gaps
    let gaps = parent.difference(&union);
    push_pieces(&mut out, FindingKind::Gap, &gaps, &[], min_area_m2);

    // (b) overlaps: sum of areas minus the union's area bounds every overlap piece's area.
    let sum: f64 = kids.iter().map(area_m2).sum();
    let excess = sum - area_m2(&union);
    if excess >= min_area_m2 * 0.5 || min_area_m2 <= 0.0 {
        let rects: Vec<Option<Rect<f64>>> = kids.iter().map(|k| k.bounding_rect()).collect();
        let mut order: Vec<usize> = (0..kids.len()).filter(|&i| rects[i].is_some()).collect();
        order.sort_by(|&a, &b| {
            let ax = rects[a].map(|r| r.min().x).unwrap_or(0.0);
            let bx = rects[b].map(|r| r.min().x).unwrap_or(0.0);
            ax.total_cmp(&bx)
        });
        let mut pairs = Vec::new();
        for (k, &i) in order.iter().enumerate() {
            let Some(ri) = rects[i] else { continue };
            for &j in &order[k + 1..] {
                let Some(rj) = rects[j] else { continue };
                if rj.min().x > ri.max().x {
                    break;
                }
                if rects_overlap(&ri, &rj) {
                    pairs.push((i.min(j), i.max(j)));
                }
            }
        }
        pairs.sort_unstable();
        for (i, j) in pairs {
            let inter = kids[i].intersection(&kids[j]);
            push_pieces(
                &mut out,
                FindingKind::Overlap,
                &inter,
                &[&children[i].0, &children[j].0],
                min_area_m2,
            );
        }
    }

    // (c) outside
    let outside_all = union.difference(&parent);
    if outside_all
        .0
        .iter()
        .any(|p| polygon_area_m2(p) >= min_area_m2)
    {
        for (i, k) in kids.iter().enumerate() {
            let piece = k.difference(&parent);
            push_pieces(
                &mut out,
                FindingKind::Outside,
                &piece,
                &[&children[i].0],
                min_area_m2,
            );
        }
    }
    out
}

/// The `others` that overlap `candidate` by at least `min_area_m2`, with the overlapping area in
/// square metres, in the order given.
pub fn overlaps(
    candidate: &MultiPolygon<f64>,
    others: &[(String, MultiPolygon<f64>)],
    min_area_m2: f64,
) -> Vec<(String, f64)> {
    let Some(cr) = candidate.bounding_rect() else {
        return Vec::new();
    };
    let cand = oriented(candidate);
    let mut out = Vec::new();
    for (code, other) in others {
        let Some(or) = other.bounding_rect() else {
            continue;
        };
        if !rects_overlap(&cr, &or) {
            continue;
        }
        let a = area_m2(&cand.intersection(&oriented(other)));
        if a >= min_area_m2 && a > 0.0 {
            out.push((code.clone(), a));
        }
    }
    out
}

/// Splits an area by a drawn polyline that crosses it, both ends lying outside the area.
///
/// The line's ends are joined far outside the area by rays and an arc that never touch the area,
/// and the area is intersected with (and differenced from) that closed figure under the even-odd
/// rule. So every piece the line cuts off is assigned to one of two sides, alternating each time
/// the line is crossed; if the line cuts the area into more than two pieces, each side may be a
/// MultiPolygon. The two parts share their cut edges exactly (so [`merge`] gives back the area).
/// Their order is deterministic but carries no meaning.
///
/// Errors: an end of the line inside or on the area ([`GeometryError::LineEndInside`]), an end
/// from which no straight way out exists ([`GeometryError::LineEndEnclosed`]), or a line that
/// leaves either side empty ([`GeometryError::LineDoesNotCross`]).
pub fn split_by_line(
    mp: &MultiPolygon<f64>,
    line: &LineString<f64>,
) -> Result<(MultiPolygon<f64>, MultiPolygon<f64>), GeometryError> {
    let mp = oriented(mp);
    let (Some(r), Some(lr)) = (mp.bounding_rect(), line.bounding_rect()) else {
        return Err(GeometryError::Empty);
    };
    let pts: Vec<Coord<f64>> = line.0.clone();
    if pts.len() < 2 {
        return Err(GeometryError::LineDoesNotCross);
    }
    let first = pts[0];
    let last = pts[pts.len() - 1];
    for (which, c) in [("start", first), ("end", last)] {
        if position_in(&mp, c) != CoordPos::Outside {
            return Err(GeometryError::LineEndInside { which });
        }
    }
    // A disc that holds everything; rays and arc run on a circle twice as large.
    let min = Coord {
        x: r.min().x.min(lr.min().x),
        y: r.min().y.min(lr.min().y),
    };
    let max = Coord {
        x: r.max().x.max(lr.max().x),
        y: r.max().y.max(lr.max().y),
    };
    let c = Coord {
        x: (min.x + max.x) / 2.0,
        y: (min.y + max.y) / 2.0,
    };
    let radius = ((max.x - min.x).hypot(max.y - min.y) / 2.0).max(1e-9) * 1.01;
    let big = radius * 2.0;

    let escape = |p: Coord<f64>, prev: Coord<f64>, which: &'static str| -> GResult<Coord<f64>> {
        let d0 = (p.y - prev.y).atan2(p.x - prev.x);
        for k in 0..72 {
            // Try the line's own direction first, then alternate left and right.
            let step = ((k + 1) / 2) as f64 * std::f64::consts::PI / 36.0;
            let ang = if k % 2 == 1 { d0 + step } else { d0 - step };
            let dir = Coord {
                x: ang.cos(),
                y: ang.sin(),
            };
            // Solve |p + t·dir − c| = big for t > 0.
            let w = Coord {
                x: p.x - c.x,
                y: p.y - c.y,
            };
            let b = w.x * dir.x + w.y * dir.y;
            let cc = w.x * w.x + w.y * w.y - big * big;
            let t = -b + (b * b - cc).max(0.0).sqrt();
            let q = Coord {
                x: p.x + t * dir.x,
                y: p.y + t * dir.y,
            };
            if !Line::new(p, q).intersects(&mp) {
                return Ok(q);
            }
        }
        Err(GeometryError::LineEndEnclosed { which })
    };
    let q_end = escape(last, pts[pts.len() - 2], "end")?;
    let q_start = escape(first, pts[1], "start")?;

    let mut ring = pts.clone();
    ring.push(q_end);
    // Walk the big circle counter-clockwise from q_end to q_start in steps of at most 20°, so
    // every chord stays outside the disc that holds the area.
    let a0 = (q_end.y - c.y).atan2(q_end.x - c.x);
    let mut a1 = (q_start.y - c.y).atan2(q_start.x - c.x);
    while a1 <= a0 {
        a1 += std::f64::consts::TAU;
    }
    let steps = ((a1 - a0) / (std::f64::consts::PI / 9.0)).ceil().max(1.0) as usize;
    for s in 1..steps {
        let a = a0 + (a1 - a0) * s as f64 / steps as f64;
        ring.push(Coord {
            x: c.x + big * a.cos(),
            y: c.y + big * a.sin(),
        });
    }
    ring.push(q_start);
    ring.push(first);
    let side = Polygon::new(LineString::new(ring), vec![]);

    let a = mp.intersection(&side);
    let b = mp.difference(&side);
    let total = area_m2(&mp);
    let tiny = (total * 1e-9).max(1e-6);
    if area_m2(&a) <= tiny || area_m2(&b) <= tiny {
        return Err(GeometryError::LineDoesNotCross);
    }
    Ok((a, b))
}

fn position_in(mp: &MultiPolygon<f64>, c: Coord<f64>) -> CoordPos {
    let mut boundary = false;
    for p in &mp.0 {
        match polygon_position(p, c) {
            CoordPos::Inside => return CoordPos::Inside,
            CoordPos::OnBoundary => boundary = true,
            CoordPos::Outside => {}
        }
    }
    if boundary {
        CoordPos::OnBoundary
    } else {
        CoordPos::Outside
    }
}

/// Where a coordinate lies relative to one polygon (holes honoured). Allocation-free.
pub(crate) fn polygon_position(p: &Polygon<f64>, c: Coord<f64>) -> CoordPos {
    match coord_pos_relative_to_ring(c, p.exterior()) {
        CoordPos::Outside => CoordPos::Outside,
        CoordPos::OnBoundary => CoordPos::OnBoundary,
        CoordPos::Inside => {
            for h in p.interiors() {
                match coord_pos_relative_to_ring(c, h) {
                    CoordPos::Inside => return CoordPos::Outside,
                    CoordPos::OnBoundary => return CoordPos::OnBoundary,
                    CoordPos::Outside => {}
                }
            }
            CoordPos::Inside
        }
    }
}

/// Union of two neighbours. Refused with [`GeometryError::NotAdjacent`] unless they share a
/// boundary segment of positive length (touching at a point only, or disjoint, is refused).
/// Two single polygons sharing an edge give one polygon. Inputs that overlap are unioned too;
/// use [`overlaps`] first where an overlap must be refused.
pub fn merge(
    a: &MultiPolygon<f64>,
    b: &MultiPolygon<f64>,
) -> Result<MultiPolygon<f64>, GeometryError> {
    if a.0.is_empty() || b.0.is_empty() {
        return Err(GeometryError::Empty);
    }
    match (a.bounding_rect(), b.bounding_rect()) {
        (Some(ra), Some(rb)) if rects_overlap(&ra, &rb) => {}
        _ => return Err(GeometryError::NotAdjacent),
    }
    let a = oriented(a);
    let b = oriented(b);
    let u = a.union(&b);
    // Output polygons of the overlay are OGC-valid, so pieces touching only at a point stay
    // separate polygons: the union joins something only when a segment (or area) is shared.
    let before = a.0.len() + b.0.len();
    if u.0.len() >= before {
        return Err(GeometryError::NotAdjacent);
    }
    Ok(u)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// A sliver wound clockwise, as boolean operations may leave one, measures itself and not
    /// the rest of the Earth.
    #[test]
    fn clockwise_sliver_has_a_small_area() {
        let ring = LineString::from(vec![
            (119.3, 26.08),
            (119.300_000_1, 26.080_01),
            (119.300_000_2, 26.08),
            (119.3, 26.08),
        ]);
        let sliver = MultiPolygon::new(vec![Polygon::new(ring, vec![])]);
        let a = area_m2(&sliver);
        assert!(a < 1.0, "sliver area {a}");
    }

    /// A square of `side_m` metres with its south-west corner at (lon, lat).
    fn square(lon: f64, lat: f64, side_m: f64) -> Vec<[f64; 2]> {
        let dlat = side_m / 110_790.0;
        let dlon = side_m / (111_320.0 * lat.to_radians().cos() * 0.99989);
        vec![
            [lon, lat],
            [lon + dlon, lat],
            [lon + dlon, lat + dlat],
            [lon, lat + dlat],
            [lon, lat],
        ]
    }

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
        let v = json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]});
        parse_geojson_geometry(&v).unwrap()
    }

    fn err_of(v: Value) -> GeometryError {
        parse_geojson_geometry(&v).unwrap_err()
    }

    #[test]
    fn refusals() {
        assert_eq!(err_of(json!([1, 2])).code(), "geometry.not_an_object");
        assert_eq!(
            err_of(json!({"coordinates": []})).code(),
            "geometry.missing_type"
        );
        let e = err_of(json!({"type": "Point", "coordinates": [1, 2]}));
        assert_eq!(e.code(), "geometry.wrong_type");
        assert!(e.to_string().contains("\"Point\""), "{e}");
        let e =
            err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, "x"], [1, 1], [0, 0]]]}));
        assert_eq!(e.code(), "geometry.bad_coordinates");
        assert!(e.to_string().contains("coordinates[0][1]"), "{e}");
        let e = err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1], [1, 1], [0, 0]]]}));
        assert_eq!(e.code(), "geometry.bad_coordinates");
        let e =
            err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [181, 0], [1, 1], [0, 0]]]}));
        assert_eq!(e.code(), "geometry.out_of_range");
        assert!(e.to_string().contains("coordinates[0][1]"), "{e}");
        let e =
            err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 91], [1, 1], [0, 0]]]}));
        assert_eq!(e.code(), "geometry.out_of_range");
        let e = err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}));
        assert_eq!(e.code(), "geometry.too_few_positions");
        let e =
            err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}));
        assert_eq!(e.code(), "geometry.ring_not_closed");
        let e =
            err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}));
        assert_eq!(e.code(), "geometry.zero_area");
        // A bow tie.
        let e = err_of(
            json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}),
        );
        assert_eq!(e.code(), "geometry.self_intersection");
        assert!(e.to_string().contains("edge 0 and edge 2"), "{e}");
        // A hole sticking out of its shell.
        let e = err_of(json!({"type": "MultiPolygon", "coordinates": [
            [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]],
            [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [5, 1], [5, 2], [1, 2], [1, 1]]]
        ]}));
        assert_eq!(e.code(), "geometry.hole_outside_shell");
        assert!(e.to_string().contains("coordinates[1][1]"), "{e}");
        let e = err_of(json!({"type": "MultiPolygon", "coordinates": [
            [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]],
            [[[2, 2], [6, 2], [6, 6], [2, 6], [2, 2]]]
        ]}));
        assert_eq!(e.code(), "geometry.polygons_overlap");
        let e = err_of(json!({"type": "MultiPolygon", "coordinates": []}));
        assert_eq!(e.code(), "geometry.empty");
        let e = parse_geojson_str("{\"type\": \"Polygon\",\n \"coordinates\": [}").unwrap_err();
        assert_eq!(e.code(), "geometry.bad_json");
        assert!(e.to_string().contains("line 2"), "{e}");
        let e =
            parse_linestring(&json!({"type": "LineString", "coordinates": [[0, 0]]})).unwrap_err();
        assert_eq!(e.code(), "geometry.too_few_positions");
        let e = parse_linestring(&json!({"type": "Polygon", "coordinates": []})).unwrap_err();
        assert_eq!(e.code(), "geometry.wrong_type");
        let e = parse_linestring(&json!({"type": "LineString", "coordinates": [[0, 0], [0, -95]]}))
            .unwrap_err();
        assert_eq!(e.code(), "geometry.out_of_range");
        // Every variant's message is a sentence.
        for e in [
            GeometryError::NotAdjacent,
            GeometryError::LineDoesNotCross,
            GeometryError::Empty,
        ] {
            assert!(e.to_string().ends_with('.'));
        }
    }

    #[test]
    fn accepts_features_holes_and_round_trips() {
        let f = json!({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [[0, 0], [0, 4], [4, 4], [4, 0], [0, 0]],
            [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]
        ]}});
        let mp = parse_geojson_geometry(&f).unwrap();
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 1);
        let g = to_geojson(&mp);
        assert_eq!(g["type"], "Polygon");
        let ring = g["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.first(), ring.last());
        assert_eq!(parse_geojson_geometry(&g).unwrap(), mp);
        let two = json!({"type": "MultiPolygon", "coordinates": [
            [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
            [[[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]]
        ]});
        let mp2 = parse_geojson_geometry(&two).unwrap();
        let g2 = to_geojson(&mp2);
        assert_eq!(g2["type"], "MultiPolygon");
        assert_eq!(parse_geojson_str(&g2.to_string()).unwrap(), mp2);
        assert_eq!(bbox(&mp2), Some([0.0, 0.0, 2.0, 2.0]));
        let c = centroid(&mp2).unwrap();
        assert!((c.x() - 1.0).abs() < 1e-12 && (c.y() - 1.0).abs() < 1e-12);
        assert_eq!(bbox(&MultiPolygon::new(vec![])), None);
        assert_eq!(centroid(&MultiPolygon::new(vec![])), None);
        let l = parse_linestring(&json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}})).unwrap();
        assert_eq!(l.0.len(), 2);
    }

    #[test]
    fn area_of_a_square_kilometre() {
        let v = json!({"type": "Polygon", "coordinates": [square(119.3, 26.0, 1000.0)]});
        let a = area_m2(&parse_geojson_geometry(&v).unwrap());
        assert!((a - 1.0e6).abs() < 1.0e4, "area {a}");
    }

    fn grid2x2() -> (MultiPolygon<f64>, Vec<(String, MultiPolygon<f64>)>) {
        let (x0, y0, d) = (119.3, 26.0, 0.01);
        let parent = rect(x0, y0, x0 + 2.0 * d, y0 + 2.0 * d);
        let mut kids = Vec::new();
        for i in 0..2 {
            for j in 0..2 {
                let x = x0 + i as f64 * d;
                let y = y0 + j as f64 * d;
                kids.push((format!("g{i}{j}"), rect(x, y, x + d, y + d)));
            }
        }
        (parent, kids)
    }

    #[test]
    fn clean_tiling_has_no_findings() {
        let (parent, kids) = grid2x2();
        assert!(coverage_findings(&parent, &kids, 1.0).is_empty());
        assert!(coverage_findings(&parent, &kids, 0.0).is_empty());
        assert!(overlaps(&kids[0].1, &kids[1..], 1.0).is_empty());
    }

    #[test]
    fn finds_gap_overlap_and_outside() {
        let (parent, mut kids) = grid2x2();
        let d = 0.01;
        // A hole: remove the last child; its area is the gap.
        let removed = kids.pop().unwrap();
        let f = coverage_findings(&parent, &kids, 1.0);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, FindingKind::Gap);
        let expect = area_m2(&removed.1);
        assert!((f[0].area_m2 - expect).abs() < expect * 0.01);
        assert!(removed.1.intersects(&Point::new(f[0].lon, f[0].lat)));

        // An overlap: g00 widened east by a quarter cell into g10.
        let (parent, mut kids) = grid2x2();
        kids[0].1 = rect(119.3, 26.0, 119.3 + 1.25 * d, 26.0 + d);
        let f = coverage_findings(&parent, &kids, 1.0);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, FindingKind::Overlap);
        assert_eq!(f[0].codes, vec!["g00".to_string(), "g10".to_string()]);
        let expect = area_m2(&rect(119.3 + d, 26.0, 119.3 + 1.25 * d, 26.0 + d));
        assert!((f[0].area_m2 - expect).abs() < expect * 0.01);
        let o = overlaps(&kids[0].1, &kids[1..], 1.0);
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].0, "g10");

        // Outside: g11 stretched north beyond the parent.
        let (parent, mut kids) = grid2x2();
        kids[3].1 = rect(119.3 + d, 26.0 + d, 119.3 + 2.0 * d, 26.0 + 2.5 * d);
        let f = coverage_findings(&parent, &kids, 1.0);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, FindingKind::Outside);
        assert_eq!(f[0].codes, vec!["g11".to_string()]);
        let expect = area_m2(&rect(
            119.3 + d,
            26.0 + 2.0 * d,
            119.3 + 2.0 * d,
            26.0 + 2.5 * d,
        ));
        assert!((f[0].area_m2 - expect).abs() < expect * 0.01);
    }

    #[test]
    fn split_then_merge() {
        let mp = rect(119.3, 26.0, 119.31, 26.01);
        let line = LineString::from(vec![
            (119.299, 26.002),
            (119.305, 26.006),
            (119.311, 26.007),
        ]);
        let (a, b) = split_by_line(&mp, &line).unwrap();
        let total = area_m2(&mp);
        assert!((area_m2(&a) + area_m2(&b) - total).abs() < total * 1e-6);
        assert!(area_m2(&a) > total * 0.1 && area_m2(&b) > total * 0.1);
        let m = merge(&a, &b).unwrap();
        assert_eq!(m.0.len(), 1);
        assert!((area_m2(&m) - total).abs() < total * 1e-6);

        // A line that wiggles across three times gives alternating strips.
        let zig = LineString::from(vec![
            (119.299, 26.002),
            (119.311, 26.003),
            (119.311, 26.005),
            (119.299, 26.006),
        ]);
        // Its turn lies outside, so it crosses twice: the middle strip is one side.
        let (a, b) = split_by_line(&mp, &zig).unwrap();
        assert_eq!(a.0.len() + b.0.len(), 3);

        // Does not cross.
        let miss = LineString::from(vec![(119.29, 26.02), (119.32, 26.02)]);
        assert_eq!(
            split_by_line(&mp, &miss).unwrap_err().code(),
            "geometry.line_does_not_cross"
        );
        let inside = LineString::from(vec![(119.305, 26.005), (119.32, 26.02)]);
        assert_eq!(
            split_by_line(&mp, &inside).unwrap_err().code(),
            "geometry.line_end_inside"
        );
    }

    #[test]
    fn merge_refuses_non_neighbours() {
        let a = rect(0.0, 0.0, 1.0, 1.0);
        let far = rect(3.0, 0.0, 4.0, 1.0);
        let corner = rect(1.0, 1.0, 2.0, 2.0);
        let side = rect(1.0, 0.5, 2.0, 1.5);
        assert_eq!(merge(&a, &far).unwrap_err(), GeometryError::NotAdjacent);
        assert_eq!(merge(&a, &corner).unwrap_err(), GeometryError::NotAdjacent);
        let m = merge(&a, &side).unwrap();
        assert_eq!(m.0.len(), 1);
        assert!((m.unsigned_area() - 2.0).abs() < 1e-9);
    }
}
