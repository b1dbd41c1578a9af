//! The inboxes: the work tabs of a node or a person, with search, filters and paging.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use wangge_domain::event::{self, Status};
use wangge_store::auth::Principal;
use wangge_store::events::{self, EventRow, Inbox};

use super::api::{ListQuery, parse_list};
use super::*;

/// Events per page of an inbox.
const PAGE_SIZE: i64 = 20;
use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, due_text, render, urlencode};

pub struct Tab {
    pub key: &'static str,
    pub label: String,
    pub href: String,
    pub active: bool,
}

pub struct RowView {
    pub number: String,
    pub category: String,
    pub grid: String,
    pub level: i64,
    pub level_label: String,
    pub status: Status,
    pub status_label: String,
    pub urgency: String,
    pub urgency_label: String,
    pub holder: String,
    pub due: String,
    /// The due time falls past the loaded calendar: unknown, not guessed.
    pub calendar_missing: bool,
    pub light: String,
    pub light_label: String,
    pub supervision: String,
    pub supervision_label: String,
    pub summary: String,
    /// Residents who said "me too" (我也遇到).
    pub me_too: i64,
}

pub(super) fn row_view(t: &Tr, e: &EventRow, now: i64) -> RowView {
    let light = e.light(now).map(|l| l.code()).unwrap_or_default();
    let supervision = e.supervision.clone().unwrap_or_default();
    RowView {
        number: e.number.clone(),
        category: t.name(&e.category_name, &e.category_name_en).to_string(),
        grid: e.grid_name.clone(),
        level: e.level,
        level_label: label(t, "ev.level", &e.level.to_string()),
        status_label: label(t, "status", e.status.as_str()),
        status: e.status,
        urgency_label: label(t, "urgency", &e.urgency),
        urgency: e.urgency.clone(),
        holder: match e.state().map(|st| event::in_hand(&st)) {
            // A list names no verifying node: the status column says what waits.
            Ok(event::InHand::Verifying { .. }) => t.s("ev.in_hand.verifying").to_string(),
            Ok(event::InHand::Nobody) => t
                .s(&format!("ev.in_hand.{}", e.status.as_str()))
                .to_string(),
            _ => e.holder_label.clone(),
        },
        due: e.due_at.map(due_text).unwrap_or_default(),
        calendar_missing: e.due_missing(),
        light_label: if light.is_empty() {
            String::new()
        } else {
            label(t, "light", light)
        },
        light: light.to_string(),
        supervision_label: if supervision.is_empty() {
            String::new()
        } else {
            label(t, "ev.mark", &supervision)
        },
        supervision,
        summary: truncate(&e.description, 40),
        me_too: e.me_too_count,
    }
}

#[derive(Template)]
#[template(path = "events/inbox.html")]
pub(super) struct InboxPage {
    l: Layout,
    tabs: Vec<Tab>,
    inbox: String,
    rows: Vec<RowView>,
    q: String,
    categories: Vec<Opt>,
    statuses: Vec<Opt>,
    levels: Vec<Opt>,
    page: i64,
    prev_href: String,
    next_href: String,
}

#[derive(Deserialize, Default)]
pub(super) struct InboxQuery {
    inbox: Option<String>,
    q: Option<String>,
    category: Option<String>,
    status: Option<String>,
    level: Option<String>,
    page: Option<String>,
    /// Where this page starts (the last row of the page before), so that a page costs the same
    /// however deep; without it the page number counts rows from the top.
    before: Option<String>,
}

/// Which tab a user lands on: the one their role works from.
pub(super) fn default_inbox(p: &Principal) -> Inbox {
    match p.role() {
        wangge_domain::Role::Operator | wangge_domain::Role::Commander => Inbox::ToAccept,
        wangge_domain::Role::Leader => Inbox::All,
        wangge_domain::Role::DeptHandler => Inbox::ToHandle,
        _ => Inbox::ToAccept,
    }
}

pub(super) async fn inbox_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<InboxQuery>,
) -> AppResult<Response> {
    let page = q
        .page
        .as_deref()
        .and_then(|x| x.trim().parse::<i64>().ok())
        .filter(|x| (1..=100_000).contains(x))
        .unwrap_or(1);
    let inbox_text = q
        .inbox
        .clone()
        .filter(|x| !x.trim().is_empty())
        .unwrap_or_else(|| default_inbox(&p).as_str().to_string());
    let lq = ListQuery {
        inbox: Some(inbox_text),
        q: q.q.clone(),
        category: q.category.clone(),
        status: q.status.clone(),
        level: q.level.clone(),
        limit: Some((PAGE_SIZE + 1).to_string()),
        offset: Some(
            if q.before.as_deref().is_some_and(|b| !b.trim().is_empty()) {
                "0".to_string()
            } else {
                ((page - 1) * PAGE_SIZE).to_string()
            },
        ),
        before: q.before.clone(),
    };
    let (inbox, mut filter) = parse_list(&lq)?;
    filter.me = Some(p.user_id);
    let now = s.now();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let mut rows = events::list(h, &p.scope(), inbox, &filter, now).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let cats = events::categories(h).await?;
    let l = Layout::new(lang, Some(p.clone()), "ev.inbox_title");
    let t = l.t;
    let text = filter.text.clone().unwrap_or_default();
    let next_cursor = rows
        .last()
        .map(|e| events::Cursor {
            reported_at: e.reported_at,
            id: e.id,
        })
        .filter(|_| more);
    let href = |inbox: &str, page: i64, before: Option<events::Cursor>| {
        let mut out = format!("/events?inbox={inbox}");
        for (k, v) in [
            ("q", text.as_str()),
            ("category", filter.category.as_deref().unwrap_or("")),
            ("status", filter.status.as_deref().unwrap_or("")),
        ] {
            if !v.is_empty() {
                out.push_str(&format!("&{k}={}", urlencode(v)));
            }
        }
        if let Some(lv) = filter.level {
            out.push_str(&format!("&level={lv}"));
        }
        if page > 1 {
            out.push_str(&format!("&page={page}"));
        }
        if let Some(b) = before {
            out.push_str(&format!("&before={}", b.text()));
        }
        out
    };
    // The page before by its number while an offset reaches it, else the first page.
    let prev_page = if (page - 2) * PAGE_SIZE <= events::MAX_OFFSET {
        page - 1
    } else {
        1
    };
    // The role's first lists (work, or what a leader watches), then everything and what is closed.
    let tabs = Inbox::first_for(p.role())
        .iter()
        .chain(&[Inbox::All, Inbox::Closed])
        .map(|i| Tab {
            key: i.as_str(),
            label: t.s(&format!("ev.inbox.{}", i.as_str())).to_string(),
            href: href(i.as_str(), 1, None),
            active: *i == inbox,
        })
        .collect();
    let categories = cats
        .iter()
        .map(|c| Opt {
            value: c.code.clone(),
            label: if c.parent_code.is_some() {
                format!("\u{a0}\u{a0}{}", t.name(&c.name, &c.name_en))
            } else {
                t.name(&c.name, &c.name_en).to_string()
            },
            selected: filter.category.as_deref() == Some(c.code.as_str()),
        })
        .collect();
    let statuses = Status::ALL
        .iter()
        .map(|st| Opt {
            value: st.as_str().to_string(),
            label: label(&t, "status", st.as_str()),
            selected: filter.status.as_deref().and_then(Status::parse) == Some(*st),
        })
        .collect();
    let levels = (1..=5)
        .map(|lv: i64| Opt {
            value: lv.to_string(),
            label: label(&t, "ev.level", &lv.to_string()),
            selected: filter.level == Some(lv),
        })
        .collect();
    Ok(render(InboxPage {
        tabs,
        inbox: inbox.as_str().to_string(),
        rows: rows.iter().map(|e| row_view(&t, e, now)).collect(),
        q: text.clone(),
        categories,
        statuses,
        levels,
        page,
        prev_href: if page > 1 {
            href(inbox.as_str(), prev_page, None)
        } else {
            String::new()
        },
        next_href: match next_cursor {
            Some(c) => href(inbox.as_str(), page + 1, Some(c)),
            None => String::new(),
        },
        l,
    }))
}
