//! What the register pages show: list rows, a record's facts and masked secrets, its change
//! history, and the list and record pages of the registers without pages of their own.

use askama::Template;
use wangge_store::basic::history::HistoryRow;

use super::form::{Coded, Opt};
use super::people::RowView;
use crate::i18n::Tr;
use crate::ui::{Layout, time_text, urlencode};

/// A label and a value of a detail page.
pub struct Fact {
    pub label: String,
    pub value: String,
    pub href: String,
}

pub fn fact(t: &Tr, key: &str, value: impl Into<String>) -> Fact {
    Fact {
        label: t.s(key).to_string(),
        value: value.into(),
        href: String::new(),
    }
}

/// The record's grid, linked to the grid's page.
pub fn grid_fact(t: &Tr, name: &str, code: &str) -> Fact {
    let mut grid = fact(t, "bf.grid_code", format!("{name} {code}"));
    grid.href = format!("/grids/{code}");
    grid
}

/// A masked secret with its reveal form (when the role may reveal and there is a value).
pub struct SecretView {
    pub secret: String,
    pub label: String,
    pub masked: String,
    /// The full value, on the one response that revealed it.
    pub revealed: String,
}

/// A column the history compares: its name in the row, its label key, and how a coded value
/// is named (others show as stored).
#[derive(Clone, Copy)]
pub struct Shown {
    pub column: &'static str,
    pub label: &'static str,
    pub coded: Option<Coded>,
}

impl Shown {
    pub const fn plain(column: &'static str, label: &'static str) -> Shown {
        Shown {
            column,
            label,
            coded: None,
        }
    }

    pub const fn coded(column: &'static str, label: &'static str, coded: Coded) -> Shown {
        Shown {
            column,
            label,
            coded: Some(coded),
        }
    }
}

/// A line of a record's change history: who, when, and for a change what each field was.
pub struct HistoryView {
    pub at: String,
    pub action: String,
    pub actor: String,
    /// `label: before → after` for each shown field that changed.
    pub changes: Vec<String>,
}

/// The record's history, newest first. Each row keeps the record as it was before; the state
/// after is the next row's "before", or `current` for the latest. Only `shown` columns (plain
/// columns and masks, never ciphertexts) are compared.
pub fn history_view(
    t: &Tr,
    rows: &[HistoryRow],
    current: &serde_json::Value,
    shown: &[Shown],
) -> Vec<HistoryView> {
    let parsed: Vec<Option<serde_json::Value>> = rows
        .iter()
        .map(|r| {
            r.before_json
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok())
        })
        .collect();
    let text = |col: &Shown, v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "—".to_string(),
        Some(serde_json::Value::String(s)) => match col.coded {
            Some(c) => c.label(t, s),
            None => s.clone(),
        },
        Some(serde_json::Value::Bool(b)) => t.s(if *b { "common.yes" } else { "common.no" }).into(),
        Some(v) => v.to_string(),
    };
    let mut out: Vec<HistoryView> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let after = parsed
                .iter()
                .skip(i + 1)
                .find_map(|x| x.as_ref())
                .unwrap_or(current);
            let changes = match (&parsed[i], r.action.as_str()) {
                (Some(before), "update") => shown
                    .iter()
                    .filter_map(|col| {
                        let (b, a) = (before.get(col.column)?, after.get(col.column)?);
                        // Booleans may be stored as 0/1.
                        let same = b == a
                            || (b.as_i64().is_some() && a.as_bool().map(i64::from) == b.as_i64());
                        (!same).then(|| {
                            format!(
                                "{}:{} → {}",
                                t.s(col.label),
                                text(col, Some(b)),
                                text(col, Some(a))
                            )
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            };
            HistoryView {
                at: time_text(r.at),
                action: t.s(&format!("basic.change.{}", r.action)).to_string(),
                actor: r.actor_name.clone(),
                changes,
            }
        })
        .collect();
    out.reverse();
    out
}

/// `?after=ID` links of a keyset-paged list, keeping the other parameters.
pub fn next_href(base: &str, params: &[(&str, &str)], last_id: Option<i64>) -> String {
    let Some(last) = last_id else {
        return String::new();
    };
    let mut q: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    q.push(format!("after={last}"));
    format!("{base}?{}", q.join("&"))
}

/// The links of a list page: the next page (after `last`, when there is one) and the first.
pub fn page_links(base: &str, params: &[(&str, &str)], last: Option<i64>) -> (String, String) {
    (
        next_href(base, params, last),
        next_href(base, params, Some(0)).replace("after=0", ""),
    )
}

/// A select of a list's filters.
pub struct SelectView {
    pub name: String,
    pub all_label: String,
    pub options: Vec<Opt>,
}

/// A row of a generic list: the link and the cells (the first cell is the link's text).
pub struct ListRow {
    pub href: String,
    pub cells: Vec<String>,
}

/// The list page of houses, organisations and objects.
#[derive(Template)]
#[template(path = "basic/list.html")]
pub struct ListPage {
    pub l: Layout,
    pub base: String,
    pub new_href: String,
    pub new_label: String,
    pub placeholder: String,
    pub q: String,
    pub nodes: Vec<Opt>,
    pub selects: Vec<SelectView>,
    pub columns: Vec<String>,
    pub rows: Vec<ListRow>,
    pub next_href: String,
    pub first_href: String,
    pub paged: bool,
}

/// The detail page of a house, an organisation or an object.
#[derive(Template)]
#[template(path = "basic/record.html")]
pub struct RecordPage {
    pub l: Layout,
    pub heading: String,
    pub back_href: String,
    pub back_label: String,
    pub base: String,
    pub removed: bool,
    pub write: bool,
    pub reveal: bool,
    pub done: String,
    pub facts: Vec<Fact>,
    pub secrets: Vec<SecretView>,
    pub reveal_error: String,
    pub occupants: Vec<RowView>,
    pub show_occupants: bool,
    pub history: Vec<HistoryView>,
}
