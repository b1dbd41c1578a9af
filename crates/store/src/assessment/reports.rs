//! Read-only views of closed quarters: a township's ranking, a county's comparison of its
//! townships, the year-end summary. Filled by the reports part.
