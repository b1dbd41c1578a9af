//! Rules of the workbench's patrol (filled in by the part that builds it).
