//! The workbench's diary (filled in by the part that builds it).
