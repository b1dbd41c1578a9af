//! Rules of the workbench's sweep (filled in by the part that builds it).
