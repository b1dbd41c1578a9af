//! The workbench's ledger (filled in by the part that builds it).
