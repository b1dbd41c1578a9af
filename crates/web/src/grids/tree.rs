//! The tree browser: a node, its place in the tree, its children, its staff and a search box.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use wangge_domain::{NodeKind, code};
use wangge_store::nodes::{self, NodeSummary};
use wangge_store::users;

use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, area_text, count_text, node_href, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tree", get(own_node))
        .route("/tree/{code}", get(tree_page))
}

async fn own_node(me: Me) -> Response {
    Redirect::to(&format!("/tree/{}", me.0.node_code)).into_response()
}

/// One step of the breadcrumb; `href` is empty above the caller's scope.
pub struct Crumb {
    pub code: String,
    pub name: String,
    pub href: String,
}

pub fn crumbs(me: &Me, chain: &[NodeSummary]) -> Vec<Crumb> {
    let scope = me.0.scope();
    chain
        .iter()
        .map(|n| Crumb {
            code: n.code.clone(),
            name: n.name.clone(),
            href: if scope.contains(&n.path) {
                node_href(n.kind, &n.code)
            } else {
                String::new()
            },
        })
        .collect()
}

/// A node in a list.
pub struct Row {
    pub code: String,
    pub name: String,
    pub kind: NodeKind,
    pub kind_label: String,
    pub href: String,
    pub area: String,
}

pub fn row(t: &Tr, n: &NodeSummary) -> Row {
    let kind_label = match &n.grid_kind {
        Some(gk) => t.grid_kind(gk),
        None => t.kind(n.kind),
    };
    Row {
        code: n.code.clone(),
        name: n.name.clone(),
        kind: n.kind,
        kind_label,
        href: node_href(n.kind, &n.code),
        area: if n.area_m2.is_some() {
            area_text(n.area_m2)
        } else {
            String::new()
        },
    }
}

pub struct Staff {
    pub name: String,
    pub role: String,
    pub phone: String,
    pub id: i64,
}

/// A kind of child the add form offers, with a suggested unused code.
pub struct ChildKind {
    pub kind: NodeKind,
    pub label: String,
    pub suggest: String,
}

impl TreePage {
    /// A grid has its own page besides the tree.
    fn is_grid(&self) -> bool {
        self.kind == NodeKind::Grid
    }

    /// Nodes with territory above a grid open on the map, within their bounds.
    fn shows_on_map(&self) -> bool {
        self.kind.has_territory() && self.kind != NodeKind::Grid
    }

    /// Departments, buildings and units have no coverage to check.
    fn checkable(&self) -> bool {
        !matches!(
            self.kind,
            NodeKind::Department | NodeKind::Building | NodeKind::Unit
        )
    }
}

#[derive(Template)]
#[template(path = "grids/tree.html")]
struct TreePage {
    l: Layout,
    code: String,
    name: String,
    kind: NodeKind,
    kind_label: String,
    grid_kind_label: String,
    area: String,
    households: String,
    population: String,
    phone: String,
    crumbs: Vec<Crumb>,
    children: Vec<Row>,
    staff: Vec<Staff>,
    q: String,
    results: Vec<Row>,
    searched: bool,
    child_kinds: Vec<ChildKind>,
    grid_kinds: Vec<(String, String)>,
    offers_grid: bool,
    basic: Option<crate::basic::CountsCard>,
    /// The node's boundary (GeoJSON), outlined on the map a new grid is drawn on.
    boundary: String,
    tile_url: String,
    draw_texts: String,
}

/// Texts the new-grid map's script shows.
const DRAW_TEXTS: &[&str] = &[
    "edit.preview_clean",
    "edit.preview_not_clean",
    "edit.overlap_blocked",
    "edit.area_after",
    "edit.check_title",
    "edit.check_clean",
    "edit.check_parents",
    "edit.check_grids",
    "edit.sizes",
    "check.gap",
    "check.overlap",
    "check.outside",
];

#[derive(Deserialize)]
struct TreeQuery {
    q: Option<String>,
}

async fn tree_page(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    Path(code): Path<String>,
    Query(query): Query<TreeQuery>,
) -> AppResult<Response> {
    let scope = me.0.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let node = nodes::by_code(h, &scope, &code).await?;
    let chain = nodes::ancestors(h, &node).await?;
    let kids = nodes::children(h, &scope, node.id).await?;
    let staff = users::at_node(h, &scope, node.id).await?;
    let q = query.q.unwrap_or_default().trim().to_string();
    let found = if q.is_empty() {
        Vec::new()
    } else {
        nodes::search(h, &scope, &q, 50).await?
    };
    let l = Layout::new(lang, Some(me.0.clone()), "nav.tree");
    let t = l.t;

    let mut child_kinds = Vec::new();
    if l.can_edit_tree() {
        let nk = node.kind;
        for k in NodeKind::ALL {
            if !k.allowed_parents().contains(&nk) {
                continue;
            }
            let suggest = if k == NodeKind::Grid {
                nodes::next_grid_code(h, &node.code)
                    .await
                    .unwrap_or_default()
            } else {
                suggest_code(nk, &node.code, k, &kids)
            };
            child_kinds.push(ChildKind {
                kind: k,
                label: t.kind(k),
                suggest,
            });
        }
    }
    let offers_grid = child_kinds.iter().any(|k| k.kind == NodeKind::Grid);
    let basic = if matches!(
        node.kind,
        NodeKind::Grid | NodeKind::Village | NodeKind::Township
    ) {
        crate::basic::counts_card(&s, h, &me.0, &t, &node.code, &node.path).await?
    } else {
        None
    };
    // Once the register holds people, its counts replace the figures typed in by hand.
    let (mut households, mut population) = (
        count_text(&t, node.households),
        count_text(&t, node.population),
    );
    if node.kind != NodeKind::Department {
        let (hh, n) = crate::basic::public_counts(&s, h, &me.0.scope(), &node.path).await?;
        if n > 0 {
            households = crate::ui::group_digits(hh);
            population = crate::ui::group_digits(n);
        }
    }
    let grid_kinds = wangge_domain::GridKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), t.grid_kind(k.as_str())))
        .collect();

    let page = TreePage {
        code: node.code.clone(),
        name: node.name.clone(),
        kind: node.kind,
        kind_label: t.kind(node.kind),
        grid_kind_label: node.grid_kind.map(|g| t.grid_kind(g)).unwrap_or_default(),
        area: area_text(node.area_m2),
        households,
        population,
        phone: node.phone.clone().unwrap_or_default(),
        crumbs: crumbs(&me, &chain),
        children: kids.iter().map(|n| row(&t, n)).collect(),
        staff: staff
            .iter()
            .map(|u| Staff {
                name: u.display_name.clone(),
                role: t.role(u.role),
                phone: u.phone.clone().unwrap_or_default(),
                id: u.id,
            })
            .collect(),
        searched: !q.is_empty(),
        q,
        results: found.iter().map(|n| row(&t, n)).collect(),
        child_kinds,
        grid_kinds,
        offers_grid,
        basic,
        boundary: node.boundary.clone().unwrap_or_default(),
        tile_url: s.config.tile_url.clone().unwrap_or_default(),
        draw_texts: crate::ui::texts_json(&t, DRAW_TEXTS),
        l,
    };
    Ok(render(page))
}

/// The first numbered child code not used by an existing child (codes retired earlier may still
/// be refused by the server; the form then shows why).
fn suggest_code(
    parent: NodeKind,
    parent_code: &str,
    kind: NodeKind,
    kids: &[NodeSummary],
) -> String {
    let long_enough = match kind {
        NodeKind::Department => !parent_code.is_empty(),
        _ => parent_code.len() >= 12 && parent_code.is_ascii(),
    };
    if !long_enough {
        return String::new();
    }
    let mut seq = kids.iter().filter(|k| k.kind == kind).count() as u32 + 1;
    loop {
        let c = code::child_code(parent, parent_code, kind, seq);
        if seq >= 999 || !kids.iter().any(|k| k.code == c) {
            return c;
        }
        seq += 1;
    }
}
