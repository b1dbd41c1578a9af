//! The workbench's progress (filled in by the part that builds it).
