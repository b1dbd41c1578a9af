//! Rules of the workbench's logins (filled in by the part that builds it).
