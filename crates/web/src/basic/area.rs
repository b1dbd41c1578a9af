//! Where records and lists are: the grids a record may be entered for, the nodes a list may be
//! narrowed to, and a record's point checked against its grid.

use wangge_domain::basic::FieldError;
use wangge_domain::err;
use wangge_domain::{Error, NodeKind, Scope};
use wangge_store::Handle;
use wangge_store::auth::Principal;
use wangge_store::nodes;

use super::form::Opt;
use crate::state::AppState;

/// A point must lie in the grid it is entered for (the locate index knows the boundaries).
pub fn check_point(
    s: &AppState,
    grid_code: &str,
    point: Option<(f64, f64)>,
) -> Result<(), FieldError> {
    let Some((lon, lat)) = point else {
        return Ok(());
    };
    let index = s.locate_index();
    match index.locate(lon, lat) {
        Some(g) if g.code == grid_code.trim() => Ok(()),
        Some(g) => Err(FieldError::new(
            "lon",
            err!(
                "point.other_grid",
                grid = g.code,
                grid_name = g.name,
                chosen = grid_code
            ),
        )),
        None => Err(FieldError::new("lon", err!("point.outside"))),
    }
}

/// The path of a node the caller names to narrow a list (`under`); empty means their own.
pub async fn under_path(
    h: &mut Handle<'_>,
    scope: &Scope,
    code: &str,
) -> Result<Option<String>, Error> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(None);
    }
    Ok(Some(nodes::by_code(h, scope, code).await?.path))
}

/// Nodes to narrow a list by: two levels below the caller's node (a township's villages and
/// grids, a county's townships and villages), read child list by child list so that a large
/// area costs a few small reads; a deeper `under` the caller typed is kept as an option.
pub async fn node_options(
    h: &mut Handle<'_>,
    p: &Principal,
    selected: &str,
) -> Result<Vec<Opt>, Error> {
    const AREAS: [NodeKind; 4] = [
        NodeKind::County,
        NodeKind::Township,
        NodeKind::Village,
        NodeKind::Grid,
    ];
    let scope = p.scope();
    let mut list = Vec::new();
    let kids = nodes::children(h, &scope, p.node_id).await?;
    for k in kids.iter().filter(|k| AREAS.contains(&k.kind)).take(60) {
        list.push((0, k.clone()));
        if k.kind != NodeKind::Grid {
            for g in nodes::children(h, &scope, k.id).await? {
                if AREAS.contains(&g.kind) {
                    list.push((1, g));
                }
            }
        }
    }
    if !selected.is_empty()
        && !list.iter().any(|(_, n)| n.code == selected)
        && let Ok(n) = nodes::by_code(h, &scope, selected).await
    {
        list.insert(
            0,
            (
                0,
                nodes::NodeSummary {
                    id: n.id,
                    code: n.code,
                    kind: n.kind,
                    name: n.name,
                    parent_id: n.parent_id,
                    path: n.path,
                    grid_kind: n.grid_kind,
                    area_m2: None,
                    households: None,
                    population: None,
                    phone: None,
                },
            ),
        );
    }
    Ok(list
        .into_iter()
        .map(|(depth, n)| Opt {
            selected: n.code == selected,
            label: format!("{}{} {}", if depth > 0 { "　" } else { "" }, n.name, n.code),
            value: n.code,
        })
        .collect())
}

/// The grids in scope, for a record's grid field.
pub async fn grid_options(h: &mut Handle<'_>, scope: &Scope) -> Result<Vec<Opt>, Error> {
    let list = nodes::search(h, scope, "", 500).await?;
    Ok(list
        .into_iter()
        .filter(|n| n.kind == NodeKind::Grid)
        .map(|n| Opt {
            selected: false,
            label: format!("{} {}", n.name, n.code),
            value: n.code,
        })
        .collect())
}
