//! The workbench's meetings (filled in by the part that builds it).
