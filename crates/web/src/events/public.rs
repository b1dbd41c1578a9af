//! The public results board of a grid, a village or any node: the cases being handled and the
//! closed ones, each with its time limit, whether it was met and how long it took; no personal
//! data.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use wangge_domain::event::Status;
use wangge_store::events::{self};

use super::*;
use crate::auth::MaybeMe;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::intake::limits::{LimitView, limit_view};
use crate::state::AppState;
use crate::ui::{Layout, render};

pub struct PublicRow {
    pub category: String,
    pub grid: String,
    pub summary: String,
    pub result: String,
    pub reported: String,
    pub closed: String,
    pub rating: String,
    pub limit: LimitView,
}

/// A case being handled, as the board shows it.
pub struct OpenRow {
    pub category: String,
    pub grid: String,
    pub summary: String,
    pub status: String,
    pub reported: String,
    pub limit: LimitView,
}

#[derive(Template)]
#[template(path = "events/public_results.html")]
pub(super) struct PublicPage {
    l: Layout,
    name: String,
    kind: String,
    code: String,
    open: Vec<OpenRow>,
    rows: Vec<PublicRow>,
}

/// Closed events under a grid, a village or any node, with no personal data: no log-in.
pub(super) async fn public_page(
    State(s): State<AppState>,
    lang: Lang,
    MaybeMe(me): MaybeMe,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let node = events::public_node(h, &code).await?;
    let list = events::public_results(h, &node.path, 50).await?;
    let open_list = events::open_public(h, &node.path, 50).await?;
    let l = Layout::new(lang, me, "pub.title");
    let t = l.t;
    let now = s.now();
    let en = t.lang == Lang::En;
    let open = open_list
        .into_iter()
        .map(|c| OpenRow {
            limit: limit_view(
                &t,
                &c.complexity,
                c.status,
                c.reported_at,
                c.final_due_at,
                None,
                now,
            ),
            category: if en {
                c.category_name_en
            } else {
                c.category_name
            },
            grid: c.grid_name,
            summary: truncate(&scrub_digits(&c.description), 60),
            status: label(&t, "status", c.status.as_str()),
            reported: date_text(c.reported_at),
        })
        .collect();
    let rows = list
        .into_iter()
        .map(|r| PublicRow {
            limit: limit_view(
                &t,
                &r.complexity,
                Status::Closed,
                r.reported_at,
                r.final_due_at,
                r.closed_at,
                now,
            ),
            category: l.t.name(&r.category_name, &r.category_name_en).to_string(),
            grid: r.grid_name,
            summary: truncate(&scrub_digits(&r.description), 60),
            result: truncate(&scrub_digits(&r.result), 200),
            reported: date_text(r.reported_at),
            closed: r.closed_at.map(date_text).unwrap_or_default(),
            rating: r
                .rating
                .map(|x| {
                    let n = usize::try_from(x.clamp(0, 5)).unwrap_or(0);
                    format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
                })
                .unwrap_or_default(),
        })
        .collect();
    Ok(render(PublicPage {
        kind: l.t.kind(node.kind),
        name: node.name,
        code: node.code,
        open,
        rows,
        l,
    }))
}
