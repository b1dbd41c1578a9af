//! Appeals (申诉) against a deduction of a closed result. Filled by the close part.
