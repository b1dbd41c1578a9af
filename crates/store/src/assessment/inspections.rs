//! Inspections and findings (`inspections`, `inspection_findings`). Filled by the supervision
//! part.
