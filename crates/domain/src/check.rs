//! The coverage check of the tree (`check-grids`): inside each parent, its territorial children
//! must cover it with no gap and no overlap, and each grid should sit inside the size guidance.

use geo::MultiPolygon;
use serde::Serialize;

use crate::geometry::{self, Finding};
use crate::guidance::{GridSize, SizeGuidance};

/// One territorial node as the check sees it.
#[derive(Debug, Clone)]
pub struct CheckNode {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub is_grid: bool,
    pub exclusive: bool,
    pub boundary: Option<MultiPolygon<f64>>,
    pub households: Option<i64>,
    pub population: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParentReport {
    pub code: String,
    pub name: String,
    pub children: usize,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SizeProblem {
    pub code: String,
    pub name: String,
    pub area_m2: f64,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct CheckReport {
    pub parents_checked: usize,
    pub grids_checked: usize,
    /// Parents with at least one gap, overlap or piece outside.
    pub coverage: Vec<ParentReport>,
    pub sizes: Vec<SizeProblem>,
    /// Territorial nodes that have no boundary at all.
    pub missing_boundary: Vec<String>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.coverage.is_empty() && self.sizes.is_empty() && self.missing_boundary.is_empty()
    }
}

/// Checks every parent that has territorial children, and every grid's size.
pub fn check_tree(nodes: &[CheckNode], guidance: &SizeGuidance) -> CheckReport {
    let mut report = CheckReport::default();
    let mut by_parent: std::collections::BTreeMap<i64, Vec<&CheckNode>> = Default::default();
    for n in nodes {
        if let Some(p) = n.parent_id {
            by_parent.entry(p).or_default().push(n);
        }
        if n.boundary.is_none() {
            report.missing_boundary.push(n.code.clone());
        }
    }
    for parent in nodes {
        let Some(kids) = by_parent.get(&parent.id) else {
            continue;
        };
        let Some(pb) = &parent.boundary else { continue };
        let children: Vec<(String, MultiPolygon<f64>)> = kids
            .iter()
            .filter_map(|k| k.boundary.clone().map(|b| (k.code.clone(), b)))
            .collect();
        report.parents_checked += 1;
        let findings = geometry::coverage_findings(pb, &children, guidance.min_finding_m2);
        if !findings.is_empty() {
            report.coverage.push(ParentReport {
                code: parent.code.clone(),
                name: parent.name.clone(),
                children: children.len(),
                findings,
            });
        }
    }
    for g in nodes.iter().filter(|n| n.is_grid) {
        report.grids_checked += 1;
        let Some(b) = &g.boundary else { continue };
        let area_m2 = geometry::area_m2(b);
        let problems = guidance.problems(GridSize {
            exclusive: g.exclusive,
            area_m2,
            households: g.households,
            population: g.population,
        });
        if !problems.is_empty() {
            report.sizes.push(SizeProblem {
                code: g.code.clone(),
                name: g.name.clone(),
                area_m2,
                problems,
            });
        }
    }
    report
}
