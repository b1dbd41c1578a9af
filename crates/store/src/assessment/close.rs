//! Closing a township's quarter and correcting its results: append-only, hash-chained rows
//! (`assess_quarters`, `assess_results`). Filled by the close part.
