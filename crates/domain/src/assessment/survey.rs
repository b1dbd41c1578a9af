//! The residents' satisfaction survey: its questions and how an answer becomes a score 0–100.
//!
//! Five fixed questions after the seed's spirit (does the grid worker come round, know the
//! household, help with requests, handle reported problems, and overall satisfaction), each
//! answered 满意 / 基本满意 / 不满意, worth 100 / 60 / 0 points. Every question is required;
//! the score is the mean of the answers rounded half up, so it stays an integer 0–100. An
//! optional comment is bounded. A survey token answers only inside its own quarter.

use serde::{Deserialize, Serialize};

use super::quarter::Quarter;
use crate::calendar::Date;
use crate::{Error, err};

/// The question keys, in the order the page asks them (the texts are the UI's translations).
pub const QUESTIONS: [&str; 5] = [
    "visits",
    "knows_household",
    "helps",
    "handles_problems",
    "overall",
];

/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// One answer to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// 满意
    Satisfied,
    /// 基本满意
    Basic,
    /// 不满意
    Dissatisfied,
}

impl Choice {
    pub const ALL: [Choice; 3] = [Choice::Satisfied, Choice::Basic, Choice::Dissatisfied];

    pub fn points(self) -> i64 {
        match self {
            Choice::Satisfied => 100,
            Choice::Basic => 60,
            Choice::Dissatisfied => 0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Satisfied => "satisfied",
            Choice::Basic => "basic",
            Choice::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Choice> {
        Choice::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}

/// A checked answer sheet: one choice per question in `QUESTIONS` order, and the comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub answers: Vec<(String, Choice)>,
    pub comment: String,
}

impl Response {
    /// Checks what a form sent: `get(key)` gives the raw value of each question's field.
    /// Every question needs one of the three choices; the comment is trimmed and bounded.
    pub fn check<'a>(
        get: impl Fn(&str) -> Option<&'a str>,
        comment: &str,
    ) -> Result<Response, Error> {
        let mut answers = Vec::with_capacity(QUESTIONS.len());
        for key in QUESTIONS {
            let raw = get(key).map(str::trim).unwrap_or("");
            if raw.is_empty() {
                return Err(err!("assess.survey_unanswered"));
            }
            let c = Choice::parse(raw)
                .ok_or_else(|| err!("assess.survey_choice_invalid", value = raw))?;
            answers.push((key.to_string(), c));
        }
        let comment = comment.trim();
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(err!("assess.survey_comment_long", max = MAX_COMMENT_CHARS));
        }
        Ok(Response {
            answers,
            comment: comment.to_string(),
        })
    }

    /// The mean of the answers' points, rounded half up: 0–100.
    pub fn score(&self) -> i64 {
        let n = self.answers.len() as i64;
        if n == 0 {
            return 0;
        }
        let sum: i64 = self.answers.iter().map(|(_, c)| c.points()).sum();
        (2 * sum + n) / (2 * n)
    }
}

/// Whether a token of `quarter` may be answered on `today` (China day): only inside it.
pub fn answerable(quarter: Quarter, today: Date) -> Result<(), Error> {
    if today < quarter.start() {
        return Err(err!("assess.survey_not_begun", quarter = quarter));
    }
    if today > quarter.end() {
        return Err(err!("assess.survey_quarter_over", quarter = quarter));
    }
    Ok(())
}

/// Whether tokens for `quarter` may be issued on `today`: the current quarter or the next one
/// (slips are printed ahead); an ended quarter takes no more answers, so none are issued.
pub fn issuable(quarter: Quarter, today: Date) -> Result<(), Error> {
    let now = Quarter::of(today);
    if quarter < now {
        return Err(err!("assess.survey_quarter_over", quarter = quarter));
    }
    if quarter > now.next() {
        return Err(err!("assess.survey_quarter_far", quarter = quarter));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn sheet(choices: [&'static str; 5]) -> Result<Response, Error> {
        Response::check(
            |k| QUESTIONS.iter().position(|q| *q == k).map(|i| choices[i]),
            "",
        )
    }

    #[test]
    fn score_is_the_rounded_mean() {
        let all = sheet(["satisfied"; 5]).unwrap();
        assert_eq!(all.score(), 100);
        assert_eq!(sheet(["dissatisfied"; 5]).unwrap().score(), 0);
        assert_eq!(sheet(["basic"; 5]).unwrap().score(), 60);
        // 100+100+60+60+0 = 320 / 5 = 64.
        let mixed = sheet(["satisfied", "satisfied", "basic", "basic", "dissatisfied"]).unwrap();
        assert_eq!(mixed.score(), 64);
        // 100+60+60+60+60 = 340 / 5 = 68; 100+100+100+60+0 = 360 / 5 = 72.
        let s = sheet(["satisfied", "basic", "basic", "basic", "basic"]).unwrap();
        assert_eq!(s.score(), 68);
        assert_eq!(s.answers[0], ("visits".to_string(), Choice::Satisfied));
        // Rounding half up on an uneven mean.
        let r = Response {
            answers: vec![
                ("a".into(), Choice::Satisfied),
                ("b".into(), Choice::Basic),
                ("c".into(), Choice::Dissatisfied),
            ],
            comment: String::new(),
        };
        assert_eq!(r.score(), 53); // 160 / 3 = 53.33
        let r2 = Response {
            answers: vec![("a".into(), Choice::Basic), ("b".into(), Choice::Satisfied)],
            comment: String::new(),
        };
        assert_eq!(r2.score(), 80);
    }

    #[test]
    fn every_question_is_required_and_checked() {
        let e = Response::check(|k| (k != "helps").then_some("satisfied"), "").unwrap_err();
        assert_eq!(e.code, "assess.survey_unanswered");
        let e = Response::check(|_| Some("  "), "").unwrap_err();
        assert_eq!(e.code, "assess.survey_unanswered");
        let e = Response::check(|_| Some("great"), "").unwrap_err();
        assert_eq!(e.code, "assess.survey_choice_invalid");
    }

    #[test]
    fn comment_is_bounded_in_characters() {
        let ok = "好".repeat(MAX_COMMENT_CHARS);
        let r = Response::check(|_| Some("basic"), &format!("  {ok} ")).unwrap();
        assert_eq!(r.comment, ok);
        let long = "好".repeat(MAX_COMMENT_CHARS + 1);
        let e = Response::check(|_| Some("basic"), &long).unwrap_err();
        assert_eq!(e.code, "assess.survey_comment_long");
    }

    #[test]
    fn answers_only_inside_the_quarter() {
        let q = Quarter::parse("2026Q3").unwrap();
        let d = |s| Date::parse(s).unwrap();
        assert!(answerable(q, d("2026-07-01")).is_ok());
        assert!(answerable(q, d("2026-09-30")).is_ok());
        assert_eq!(
            answerable(q, d("2026-10-01")).unwrap_err().code,
            "assess.survey_quarter_over"
        );
        assert_eq!(
            answerable(q, d("2026-06-30")).unwrap_err().code,
            "assess.survey_not_begun"
        );
        assert!(issuable(q, d("2026-08-01")).is_ok());
        assert!(issuable(q, d("2026-06-15")).is_ok());
        assert_eq!(
            issuable(q, d("2026-03-31")).unwrap_err().code,
            "assess.survey_quarter_far"
        );
        assert_eq!(
            issuable(q, d("2026-10-01")).unwrap_err().code,
            "assess.survey_quarter_over"
        );
    }

    #[test]
    fn choices_round_trip() {
        for c in Choice::ALL {
            assert_eq!(Choice::parse(c.as_str()), Some(c));
        }
        assert_eq!(Choice::parse("SATISFIED"), None);
    }
}
