//! CONTRACT STUB — to be implemented (see brief). Signatures are fixed.
#![allow(unused_variables, clippy::panic)]
use geo::MultiPolygon;

use crate::rng::SplitMix64;
use crate::tree::{GridKind, NodeKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Small,
    City,
}

#[derive(Debug, Clone)]
pub struct LayoutNode {
    pub code: String,
    pub kind: NodeKind,
    pub name: String,
    pub parent: Option<usize>,
    pub boundary: Option<MultiPolygon<f64>>,
    pub grid_kind: Option<GridKind>,
}

pub fn demo_layout(seed: u64, scale: Scale) -> Vec<LayoutNode> {
    unimplemented!()
}

pub fn person_name(rng: &mut SplitMix64) -> String {
    unimplemented!()
}
