//! CONTRACT STUB — to be implemented (see brief). Signatures are fixed.
#![allow(unused_variables, clippy::panic, dead_code)]
use geo::MultiPolygon;

pub struct LocateIndex<T> {
    items: Vec<T>,
}

impl<T> LocateIndex<T> {
    pub fn build(items: Vec<(String, MultiPolygon<f64>, T)>) -> Self {
        unimplemented!()
    }
    pub fn locate(&self, lon: f64, lat: f64) -> Option<&T> {
        unimplemented!()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

pub struct BareIndex {
    n: usize,
}

impl BareIndex {
    pub fn build(polygons: &[MultiPolygon<f64>]) -> Self {
        unimplemented!()
    }
    pub fn first_containing(&self, lon: f64, lat: f64) -> Option<usize> {
        unimplemented!()
    }
}
