//! GeoJSON in and out: parsing a Polygon or MultiPolygon (or a Feature holding one) and checking
//! it is a valid boundary (closed rings, no self-intersection, holes inside their shell and apart,
//! polygons apart), a drawn LineString, and writing a geometry back.

use geo::algorithm::coordinate_position::CoordPos;
use geo::algorithm::line_intersection::{LineIntersection, line_intersection};
use geo::algorithm::orient::Direction;
use geo::{Area, BoundingRect, Coord, Line, LineString, MultiPolygon, Orient, Polygon, Rect};
use serde_json::{Value, json};

use super::{GResult, GeometryError, rects_overlap};

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
