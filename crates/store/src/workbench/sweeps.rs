//! The workbench's sweeps (filled in by the part that builds it).
