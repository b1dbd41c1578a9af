#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use geo::{Area, Intersects};
use serde_json::{Value, json};

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
    let e = err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, "x"], [1, 1], [0, 0]]]}));
    assert_eq!(e.code(), "geometry.bad_coordinates");
    assert!(e.to_string().contains("coordinates[0][1]"), "{e}");
    let e = err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1], [1, 1], [0, 0]]]}));
    assert_eq!(e.code(), "geometry.bad_coordinates");
    let e = err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [181, 0], [1, 1], [0, 0]]]}));
    assert_eq!(e.code(), "geometry.out_of_range");
    assert!(e.to_string().contains("coordinates[0][1]"), "{e}");
    let e = err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 91], [1, 1], [0, 0]]]}));
    assert_eq!(e.code(), "geometry.out_of_range");
    let e = err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}));
    assert_eq!(e.code(), "geometry.too_few_positions");
    let e = err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}));
    assert_eq!(e.code(), "geometry.ring_not_closed");
    let e = err_of(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}));
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
    let e = parse_linestring(&json!({"type": "LineString", "coordinates": [[0, 0]]})).unwrap_err();
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
