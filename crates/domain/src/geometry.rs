//! CONTRACT STUB — to be implemented (see brief). Signatures are fixed.
#![allow(unused_variables, clippy::panic)]

pub use geo::{Coord, LineString, MultiPolygon, Point, Polygon};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    #[error("{0}")]
    Invalid(String),
}

impl GeometryError {
    pub fn code(&self) -> &'static str {
        "geometry.invalid"
    }
}

pub fn parse_geojson_geometry(v: &serde_json::Value) -> Result<MultiPolygon<f64>, GeometryError> {
    unimplemented!()
}
pub fn parse_geojson_str(s: &str) -> Result<MultiPolygon<f64>, GeometryError> {
    unimplemented!()
}
pub fn parse_linestring(v: &serde_json::Value) -> Result<LineString<f64>, GeometryError> {
    unimplemented!()
}
pub fn to_geojson(mp: &MultiPolygon<f64>) -> serde_json::Value {
    unimplemented!()
}
pub fn area_m2(mp: &MultiPolygon<f64>) -> f64 {
    unimplemented!()
}
pub fn centroid(mp: &MultiPolygon<f64>) -> Option<Point<f64>> {
    unimplemented!()
}
pub fn bbox(mp: &MultiPolygon<f64>) -> Option<[f64; 4]> {
    unimplemented!()
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

pub fn coverage_findings(
    parent: &MultiPolygon<f64>,
    children: &[(String, MultiPolygon<f64>)],
    min_area_m2: f64,
) -> Vec<Finding> {
    unimplemented!()
}
pub fn overlaps(
    candidate: &MultiPolygon<f64>,
    others: &[(String, MultiPolygon<f64>)],
    min_area_m2: f64,
) -> Vec<(String, f64)> {
    unimplemented!()
}
pub fn split_by_line(
    mp: &MultiPolygon<f64>,
    line: &LineString<f64>,
) -> Result<(MultiPolygon<f64>, MultiPolygon<f64>), GeometryError> {
    unimplemented!()
}
pub fn merge(
    a: &MultiPolygon<f64>,
    b: &MultiPolygon<f64>,
) -> Result<MultiPolygon<f64>, GeometryError> {
    unimplemented!()
}
