//! The public results board of a grid, a village or any node: closed events, no personal data.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use wangge_store::events::{self};

use super::*;
use crate::auth::MaybeMe;
use crate::error::AppResult;
use crate::i18n::Lang;
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
}

#[derive(Template)]
#[template(path = "events/public_results.html")]
pub(super) struct PublicPage {
    l: Layout,
    name: String,
    kind: String,
    code: String,
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
    let l = Layout::new(lang, me, "pub.title");
    let rows = list
        .into_iter()
        .map(|r| PublicRow {
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
        rows,
        l,
    }))
}
