//! A grid's pages: its card, its notice board (公示牌) with the QR code, the public page the QR
//! code opens, and the boundary editor for administrators.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use wangge_domain::err;
use wangge_domain::{Error, GridKind, NodeKind, Scope};
use wangge_store::Handle;
use wangge_store::nodes::{self, Node, NodeSummary};
use wangge_store::users::{self, Contact};

use super::tree::{Crumb, crumbs};
use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{
    Layout, area_text, count_text, grid_color, grid_colors_json, grid_kinds_json, render,
    texts_json, time_text,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/grids/{code}", get(grid_page))
        .route("/grids/{code}/board", get(board_page))
        .route("/grids/{code}/edit", get(edit_page))
}

/// What the grid's pages show; staff names and work phones are public (they stand on the board).
struct GridInfo {
    node: Node,
    chain: Vec<NodeSummary>,
    village: Option<NodeSummary>,
    township: Option<NodeSummary>,
    workers: Vec<Contact>,
    leaders: Vec<Contact>,
}

/// Loads a grid in scope (a code of another kind is not found), its ancestors and its staff.
async fn load_grid(h: &mut Handle<'_>, scope: &Scope, code: &str) -> Result<GridInfo, Error> {
    let node = nodes::by_code(h, scope, code).await?;
    if node.kind != NodeKind::Grid {
        return Err(err!("node.not_found", code));
    }
    let chain = nodes::ancestors(h, &node).await?;
    let village = chain.iter().find(|n| n.kind == NodeKind::Village).cloned();
    let township = chain.iter().find(|n| n.kind == NodeKind::Township).cloned();
    // The grid itself is in scope; its staff and the village's grid leader are public facts.
    let (workers, leaders) =
        users::board_contacts(h, node.id, village.as_ref().map(|v| v.id)).await?;
    Ok(GridInfo {
        workers,
        leaders,
        node,
        chain,
        village,
        township,
    })
}

/// The facts of a grid's card, formatted.
pub struct Card {
    pub code: String,
    pub name: String,
    pub kind: GridKind,
    pub kind_label: String,
    pub area: String,
    pub households: String,
    pub population: String,
    pub phone: String,
    pub village: String,
    pub township: String,
    pub workers: Vec<Contact>,
    pub leaders: Vec<Contact>,
}

fn card(t: &Tr, g: GridInfo) -> (Card, Node, Vec<NodeSummary>) {
    let kind = g.node.grid_kind.unwrap_or(GridKind::Basic);
    let c = Card {
        code: g.node.code.clone(),
        name: g.node.name.clone(),
        kind_label: t.grid_kind(kind),
        kind,
        area: area_text(g.node.area_m2),
        households: count_text(t, g.node.households),
        population: count_text(t, g.node.population),
        phone: g.node.phone.clone().unwrap_or_default(),
        village: g.village.map(|v| v.name).unwrap_or_default(),
        township: g.township.map(|v| v.name).unwrap_or_default(),
        workers: g.workers,
        leaders: g.leaders,
    };
    (c, g.node, g.chain)
}

pub struct VersionRow {
    pub id: i64,
    /// Whether the version left a boundary to restore (a retirement leaves none).
    pub restorable: bool,
    pub action: String,
    pub actor: String,
    pub at: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "grids/grid.html")]
struct GridPage {
    l: Layout,
    c: Card,
    crumbs: Vec<Crumb>,
    boundary: String,
    color: String,
    tile_url: String,
    versions: Vec<VersionRow>,
    basic: Option<crate::basic::CountsCard>,
    events: Vec<EventItem>,
    /// Texts the restore buttons' script shows.
    texts: String,
}

/// One of the grid's events on its page.
pub struct EventItem {
    pub number: String,
    pub category: String,
    pub summary: String,
    pub status_label: String,
    pub open: bool,
    pub reported: String,
}

/// How many events a grid page lists: all open ones up to this, then the latest closed.
const GRID_EVENTS: usize = 20;

/// The grid's events in the caller's scope: open first, then closed, newest first in each.
async fn grid_events(
    s: &AppState,
    h: &mut Handle<'_>,
    scope: &Scope,
    t: &Tr,
    path: &str,
) -> Result<Vec<EventItem>, Error> {
    let filter = wangge_store::events::ListFilter {
        limit: 200,
        ..Default::default()
    };
    let rows = wangge_store::events::list(
        h,
        &scope.narrow(path),
        wangge_store::events::Inbox::All,
        &filter,
        s.now(),
    )
    .await?;
    let (open, closed): (Vec<_>, Vec<_>) = rows.iter().partition(|e| e.status.is_open());
    Ok(open
        .into_iter()
        .chain(closed)
        .take(GRID_EVENTS)
        .map(|e| EventItem {
            number: e.number.clone(),
            category: t.name(&e.category_name, &e.category_name_en).to_string(),
            summary: crate::ui::truncate(&e.description, 40),
            status_label: t.s(&format!("status.{}", e.status.as_str())).to_string(),
            open: e.status.is_open(),
            reported: time_text(e.reported_at),
        })
        .collect())
}

/// Texts the grid page's restore buttons show.
const RESTORE_TEXTS: &[&str] = &[
    "grid.restore_confirm",
    "grid.restore_anyway",
    "grid.restored",
    "grid.restore",
    "edit.check_title",
    "edit.check_clean",
    "edit.check_parents",
    "edit.check_grids",
    "edit.sizes",
    "edit.missing_boundary",
    "check.gap",
    "check.overlap",
    "check.outside",
];

async fn grid_page(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let scope = me.0.scope();
    let mut conn = s.db.conn().await?;
    let h = &mut conn.handle();
    let info = load_grid(h, &scope, &code).await?;
    let versions = nodes::versions(h, &scope, &code).await?;
    let l = Layout::new(lang, Some(me.0.clone()), "grid.title");
    let t = l.t;
    let (mut c, node, chain) = card(&t, info);
    // Once the register holds people, its counts replace the figures typed in by hand.
    let (households, people) =
        crate::basic::public_counts(&s, h, &me.0.scope(), &node.path).await?;
    if people > 0 {
        c.households = crate::ui::group_digits(households);
        c.population = crate::ui::group_digits(people);
    }
    let basic = crate::basic::counts_card(&s, h, &me.0, &t, &node.code, &node.path).await?;
    let events = grid_events(&s, h, &scope, &t, &node.path).await?;
    let versions = versions
        .into_iter()
        .map(|v| VersionRow {
            id: v.id,
            restorable: v.after_geojson.is_some(),
            action: {
                let key = format!("version.{}", v.action);
                if Tr::has(&key) {
                    t.s(&key).to_string()
                } else {
                    v.action.clone()
                }
            },
            actor: v.actor,
            at: time_text(v.at),
            note: v.note,
        })
        .collect();
    Ok(render(GridPage {
        crumbs: crumbs(&me, &chain),
        boundary: node.boundary.unwrap_or_default(),
        color: grid_color(c.kind).to_string(),
        tile_url: s.config.tile_url.clone().unwrap_or_default(),
        versions,
        basic,
        events,
        texts: texts_json(&t, RESTORE_TEXTS),
        c,
        l,
    }))
}

#[derive(Template)]
#[template(path = "grids/board.html")]
struct BoardPage {
    l: Layout,
    c: Card,
    /// Households and people from the register (public: no tags).
    register: Option<(String, String)>,
    qr_svg: String,
    resident_url: String,
    /// Administrators are told when the QR code points at an address phones cannot reach.
    warn_local_url: bool,
    /// The worker's photo, when one was uploaded (its address changes with each upload).
    photo_url: Option<String>,
    may_upload: bool,
}

/// The QR code as an inline SVG element (without the XML prologue).
pub fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .build();
            match svg.find("<svg") {
                Some(i) => svg[i..].to_string(),
                None => svg,
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot make a QR code");
            String::new()
        }
    }
}

pub fn resident_url(s: &AppState, code: &str) -> String {
    format!("{}/r/{code}", s.config.public_url.trim_end_matches('/'))
}

async fn board_page(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let mut conn = s.db.conn().await?;
    let h = &mut conn.handle();
    let info = load_grid(h, &me.0.scope(), &code).await?;
    let (households, people) =
        crate::basic::public_counts(&s, h, &me.0.scope(), &info.node.path).await?;
    let photo_url = wangge_store::boards::photo_stamp(h, info.node.id)
        .await?
        .map(|at| format!("/grids/{code}/board/photo?v={at}"));
    let l = Layout::new(lang, Some(me.0.clone()), "board.title");
    let (c, _, _) = card(&l.t, info);
    let url = resident_url(&s, &c.code);
    Ok(render(BoardPage {
        register: (people > 0).then(|| {
            (
                crate::ui::group_digits(households),
                crate::ui::group_digits(people),
            )
        }),
        qr_svg: qr_svg(&url),
        resident_url: url,
        warn_local_url: s.config.public_url_is_local() && me.0.can_edit_tree(),
        photo_url,
        may_upload: super::board::may_upload(&me),
        c,
        l,
    }))
}

pub struct Sibling {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "grids/grid_edit.html")]
struct EditPage {
    l: Layout,
    c: Card,
    village_code: String,
    geojson_url: String,
    tile_url: String,
    boundary: String,
    siblings: Vec<Sibling>,
    colors: String,
    kinds: String,
    texts: String,
}

/// Texts the editor's script shows.
const EDIT_TEXTS: &[&str] = &[
    "edit.saved",
    "edit.split_done",
    "edit.merge_done",
    "edit.no_line",
    "edit.no_name",
    "edit.no_other",
    "edit.check_title",
    "edit.check_clean",
    "edit.check_parents",
    "edit.check_grids",
    "edit.sizes",
    "edit.missing_boundary",
    "edit.preview_clean",
    "edit.preview_not_clean",
    "edit.overlap_blocked",
    "edit.save_anyway",
    "edit.area_after",
    "check.gap",
    "check.overlap",
    "check.outside",
    "map.load_failed",
];

async fn edit_page(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    Path(code): Path<String>,
) -> AppResult<Response> {
    me.require_tree_editor()?;
    let scope = me.0.scope();
    let mut conn = s.db.conn().await?;
    let h = &mut conn.handle();
    let info = load_grid(h, &scope, &code).await?;
    let siblings = match info.node.parent_id {
        Some(pid) => nodes::children(h, &scope, pid)
            .await?
            .into_iter()
            .filter(|n| n.kind == NodeKind::Grid && n.code != code)
            .map(|n| Sibling {
                code: n.code,
                name: n.name,
            })
            .collect(),
        None => Vec::new(),
    };
    let village_code = info
        .village
        .as_ref()
        .map(|v| v.code.clone())
        .unwrap_or_default();
    let l = Layout::new(lang, Some(me.0.clone()), "edit.title");
    let t = l.t;
    let (c, node, _) = card(&t, info);
    let geojson_url = if village_code.is_empty() {
        "/api/v1/grids.geojson".to_string()
    } else {
        format!("/api/v1/grids.geojson?within={village_code}")
    };
    Ok(render(EditPage {
        village_code,
        geojson_url,
        tile_url: s.config.tile_url.clone().unwrap_or_default(),
        boundary: node.boundary.unwrap_or_default(),
        siblings,
        colors: grid_colors_json(),
        kinds: grid_kinds_json(&t),
        texts: texts_json(&t, EDIT_TEXTS),
        c,
        l,
    }))
}
