//! The residents' satisfaction survey: its questions and how an answer becomes a score 0–100.
//! Filled by the satisfaction part.
