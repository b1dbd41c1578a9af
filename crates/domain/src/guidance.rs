//! Size guidance for grids (SPEC §2): an urban basic grid holds 300–500 households or about
//! 1000 people; area bounds catch grids drawn far too small or too large. Thresholds are
//! configuration, these are the defaults.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SizeGuidance {
    pub min_households: i64,
    pub max_households: i64,
    pub max_population: i64,
    pub min_area_m2: f64,
    pub max_area_m2: f64,
    /// Pieces of gap or overlap smaller than this are floating-point noise, not findings.
    pub min_finding_m2: f64,
}

impl Default for SizeGuidance {
    fn default() -> Self {
        SizeGuidance {
            min_households: 300,
            max_households: 500,
            max_population: 1200,
            min_area_m2: 10_000.0,
            max_area_m2: 5_000_000.0,
            min_finding_m2: 1.0,
        }
    }
}

/// What is known of a grid's size.
#[derive(Debug, Clone, Copy)]
pub struct GridSize {
    pub exclusive: bool,
    pub area_m2: f64,
    pub households: Option<i64>,
    pub population: Option<i64>,
}

impl SizeGuidance {
    /// Reasons why a grid falls outside the guidance; empty when it is inside. Household and
    /// population bounds apply to basic grids only (an exclusive grid follows its site).
    pub fn problems(&self, g: GridSize) -> Vec<String> {
        let mut out = Vec::new();
        if g.area_m2 < self.min_area_m2 {
            out.push(format!(
                "area {:.0} m² is below {:.0} m²",
                g.area_m2, self.min_area_m2
            ));
        }
        if g.area_m2 > self.max_area_m2 {
            out.push(format!(
                "area {:.0} m² is above {:.0} m²",
                g.area_m2, self.max_area_m2
            ));
        }
        if !g.exclusive {
            if let Some(h) = g.households
                && (h < self.min_households || h > self.max_households)
            {
                out.push(format!(
                    "{h} households, guidance is {}–{}",
                    self.min_households, self.max_households
                ));
            }
            if let Some(p) = g.population
                && p > self.max_population
            {
                out.push(format!(
                    "{p} people, guidance is at most {}",
                    self.max_population
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        let g = SizeGuidance::default();
        let ok = GridSize {
            exclusive: false,
            area_m2: 250_000.0,
            households: Some(400),
            population: None,
        };
        assert!(g.problems(ok).is_empty());
        assert_eq!(
            g.problems(GridSize {
                households: Some(900),
                ..ok
            })
            .len(),
            1
        );
        assert!(
            g.problems(GridSize {
                exclusive: true,
                households: Some(900),
                ..ok
            })
            .is_empty()
        );
        assert_eq!(
            g.problems(GridSize {
                area_m2: 10.0,
                ..ok
            })
            .len(),
            1
        );
    }
}
