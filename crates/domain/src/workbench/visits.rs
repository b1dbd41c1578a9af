//! Rules of the workbench's visits (filled in by the part that builds it).
