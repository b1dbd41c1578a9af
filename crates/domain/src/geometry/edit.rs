//! The checks and edits a grid manager needs: coverage of a parent by its children, overlaps with
//! neighbours, splitting by a drawn line, merging two neighbours.

use geo::algorithm::coordinate_position::{CoordPos, coord_pos_relative_to_ring};
use geo::{
    BooleanOps, BoundingRect, Centroid, Coord, InteriorPoint, Intersects, Line, LineString,
    MultiPolygon, Polygon, Rect,
};

use super::{GResult, GeometryError, area_m2, oriented, polygon_area_m2, rects_overlap};

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
