//! The grid map: every grid in the caller's scope (or under one node), coloured by kind.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use wangge_domain::{GridKind, NodeKind};
use wangge_store::nodes;

use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{
    KindSwatch, Layout, area_text, grid_color, grid_colors_json, grid_kinds_json, kind_swatches,
    render, texts_json, urlencode,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/map", get(map_page))
}

pub struct GridItem {
    pub code: String,
    pub name: String,
    pub kind: GridKind,
    pub kind_label: String,
    pub color: String,
    pub area: String,
}

#[derive(Template)]
#[template(path = "grids/map.html")]
struct MapPage {
    l: Layout,
    within_code: String,
    within_name: String,
    geojson_url: String,
    tile_url: String,
    colors: String,
    kinds: String,
    texts: String,
    legend: Vec<KindSwatch>,
    grids: Vec<GridItem>,
}

#[derive(Deserialize)]
struct MapQuery {
    within: Option<String>,
}

/// Texts the map scripts show in popups.
pub const MAP_TEXTS: &[&str] = &[
    "field.code",
    "field.kind",
    "field.area",
    "basic.households",
    "basic.people",
    "map.open_grid",
    "map.no_grids",
    "map.load_failed",
    "map.search_none",
];

async fn map_page(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    Query(q): Query<MapQuery>,
) -> AppResult<Response> {
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let within = q.within.unwrap_or_default().trim().to_string();
    let (scope, within_name) = if within.is_empty() {
        (me.0.scope(), me.0.node_name.clone())
    } else {
        let n = nodes::by_code(h, &me.0.scope(), &within).await?;
        (me.0.scope().narrow(&n.path), n.name)
    };
    let grids = nodes::of_kind(h, &scope, NodeKind::Grid).await?;
    let l = Layout::new(lang, Some(me.0.clone()), "nav.map");
    let t = l.t;
    let geojson_url = if within.is_empty() {
        "/api/v1/grids.geojson".to_string()
    } else {
        format!("/api/v1/grids.geojson?within={}", urlencode(&within))
    };
    let grids = grids
        .iter()
        .map(|g| {
            let kind = g.grid_kind.unwrap_or(GridKind::Basic);
            GridItem {
                code: g.code.clone(),
                name: g.name.clone(),
                kind_label: t.grid_kind(kind),
                color: grid_color(kind).to_string(),
                area: area_text(g.area_m2),
                kind,
            }
        })
        .collect();
    Ok(render(MapPage {
        within_code: within,
        within_name,
        geojson_url,
        tile_url: s.config.tile_url.clone().unwrap_or_default(),
        colors: grid_colors_json(),
        kinds: grid_kinds_json(&t),
        texts: texts_json(&t, MAP_TEXTS),
        legend: kind_swatches(&t),
        grids,
        l,
    }))
}
