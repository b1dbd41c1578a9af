//! The quarterly assessment (考核, SPEC §6) and the supervision of staff (督查, SPEC §8): rule
//! sets as data, the measures a quarter is judged on, the score sheet with every deduction's
//! evidence, grades, pay, appeals, and the 双随机 draw. None of it does I/O.

pub mod draw;
pub mod finding;
pub mod grade;
pub mod measures;
pub mod quarter;
pub mod scheme;
pub mod score;
pub mod survey;
