//! The weekly sweep (排查, SPEC §5): once a week each grid worker goes through a checklist —
//! disputes, petitions, instability, public order, safety hazards — and says of each "nothing
//! found" or what was found; each finding becomes an event through the one report path. This
//! file checks a submitted checklist; it does no I/O.

use serde::{Deserialize, Serialize};

use super::periods::week_start;
use crate::calendar::Date;
use crate::err;
use crate::error::Error;

/// Characters a finding's text may have (an event's description allows as many).
pub const MAX_TEXT: usize = 1000;

/// One line of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    /// 矛盾纠纷
    Disputes,
    /// 信访
    Petitions,
    /// 不稳定因素
    Instability,
    /// 治安
    PublicOrder,
    /// 安全隐患
    SafetyHazards,
}

impl Item {
    pub const ALL: [Item; 5] = [
        Item::Disputes,
        Item::Petitions,
        Item::Instability,
        Item::PublicOrder,
        Item::SafetyHazards,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Item::Disputes => "disputes",
            Item::Petitions => "petitions",
            Item::Instability => "instability",
            Item::PublicOrder => "public_order",
            Item::SafetyHazards => "safety_hazards",
        }
    }

    pub fn parse(s: &str) -> Option<Item> {
        Item::ALL.into_iter().find(|i| i.as_str() == s.trim())
    }

    /// The category a finding is reported under unless the worker picks another: the leaf of
    /// the seeded tree closest to the item (an administrator may have closed it; the report
    /// then says so and the worker picks one).
    pub fn default_category(self) -> &'static str {
        match self {
            Item::Disputes => "MD01",
            Item::Petitions => "XF01",
            Item::Instability => "ZA01",
            Item::PublicOrder => "ZA01",
            Item::SafetyHazards => "AQ02",
        }
    }

    /// The Chinese name, written into the description of the event a finding becomes (the
    /// record is in the working language of the platform, whatever the page's language).
    pub fn zh(self) -> &'static str {
        match self {
            Item::Disputes => "矛盾纠纷",
            Item::Petitions => "信访",
            Item::Instability => "不稳定因素",
            Item::PublicOrder => "治安",
            Item::SafetyHazards => "安全隐患",
        }
    }
}

/// One line as submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIn {
    pub item: String,
    pub found: bool,
    pub text: String,
    pub category_code: Option<String>,
}

/// One line checked: a finding has its text and the category its event goes under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub item: Item,
    pub found: bool,
    pub text: String,
    pub category_code: Option<String>,
}

/// The week a sweep is for: any day of it, given as `YYYY-MM-DD`, names the week by its
/// Monday. A week after the current one is refused; past weeks may be caught up.
pub fn parse_week(text: &str, today: Date) -> Result<Date, Error> {
    let t = text.trim();
    let day = Date::parse(t).map_err(|_| {
        err!(
            "work.sweep_week_invalid",
            week = t.chars().take(20).collect::<String>()
        )
    })?;
    let week = week_start(day);
    if week > week_start(today) {
        return Err(err!("work.sweep_future_week", week = week.to_string()));
    }
    Ok(week)
}

/// Checks a checklist: every item once, a text for each finding and none too long. The lines
/// come back in the checklist's order.
pub fn check(lines: &[LineIn]) -> Result<Vec<Line>, Error> {
    let mut out: Vec<Line> = Vec::with_capacity(Item::ALL.len());
    if lines.len() > Item::ALL.len() * 2 {
        return Err(err!("work.sweep_items_incomplete"));
    }
    for l in lines {
        let item = Item::parse(&l.item).ok_or_else(|| {
            err!(
                "work.sweep_item_invalid",
                item = l.item.chars().take(40).collect::<String>()
            )
        })?;
        if out.iter().any(|x| x.item == item) {
            return Err(err!("work.sweep_items_incomplete"));
        }
        let text = l.text.trim().to_string();
        if text.chars().count() > MAX_TEXT {
            return Err(err!(
                "work.sweep_text_too_long",
                item = item.as_str(),
                max = MAX_TEXT
            ));
        }
        if l.found && text.is_empty() {
            return Err(err!("work.sweep_text_required", item = item.as_str()));
        }
        let category_code = if l.found {
            let picked = l
                .category_code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty());
            Some(
                picked
                    .map(|c| c.chars().take(40).collect())
                    .unwrap_or_else(|| item.default_category().to_string()),
            )
        } else {
            None
        };
        out.push(Line {
            item,
            found: l.found,
            // "Nothing found" keeps no text: a note there would be a finding not reported.
            text: if l.found { text } else { String::new() },
            category_code,
        });
    }
    if out.len() != Item::ALL.len() {
        return Err(err!("work.sweep_items_incomplete"));
    }
    out.sort_by_key(|l| Item::ALL.iter().position(|i| *i == l.item));
    Ok(out)
}

/// The description of the event a finding becomes.
pub fn event_description(week: Date, line: &Line) -> String {
    format!("【{}周排查·{}】{}", week, line.item.zh(), line.text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn none(item: &str) -> LineIn {
        LineIn {
            item: item.into(),
            found: false,
            text: String::new(),
            category_code: None,
        }
    }

    fn all_none() -> Vec<LineIn> {
        Item::ALL.iter().map(|i| none(i.as_str())).collect()
    }

    #[test]
    fn a_full_checklist_passes_in_order() {
        let mut lines = all_none();
        lines.reverse();
        lines[0] = LineIn {
            item: "safety_hazards".into(),
            found: true,
            text: " 楼道堆放杂物 ".into(),
            category_code: None,
        };
        let c = check(&lines).unwrap();
        assert_eq!(c[0].item, Item::Disputes);
        assert_eq!(c[4].text, "楼道堆放杂物");
        assert_eq!(c[4].category_code.as_deref(), Some("AQ02"));
        assert_eq!(c[0].category_code, None);
    }

    #[test]
    fn bad_checklists_are_refused() {
        let mut missing = all_none();
        missing.pop();
        assert_eq!(
            check(&missing).unwrap_err().code,
            "work.sweep_items_incomplete"
        );
        let mut twice = all_none();
        twice[1] = none("disputes");
        assert_eq!(
            check(&twice).unwrap_err().code,
            "work.sweep_items_incomplete"
        );
        let mut unknown = all_none();
        unknown[0] = none("weather");
        assert_eq!(check(&unknown).unwrap_err().code, "work.sweep_item_invalid");
        let mut blank = all_none();
        blank[2].found = true;
        assert_eq!(check(&blank).unwrap_err().code, "work.sweep_text_required");
        let mut long = all_none();
        long[2].found = true;
        long[2].text = "字".repeat(MAX_TEXT + 1);
        assert_eq!(check(&long).unwrap_err().code, "work.sweep_text_too_long");
    }

    #[test]
    fn weeks_are_mondays_and_not_ahead() {
        let today = Date::parse("2026-12-04").unwrap();
        assert_eq!(
            parse_week("2026-12-02", today).unwrap(),
            Date::parse("2026-11-30").unwrap()
        );
        assert_eq!(
            parse_week("2026-12-07", today).unwrap_err().code,
            "work.sweep_future_week"
        );
        assert_eq!(
            parse_week("2026-13-01", today).unwrap_err().code,
            "work.sweep_week_invalid"
        );
    }
}
