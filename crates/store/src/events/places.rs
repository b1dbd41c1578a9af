//! Look-ups the event doors need without a caller's scope: the grid a QR code names, the node a
//! public board shows, the departments an event may be routed to, and the readable names of an
//! event's holders. Each returns only what its door shows (names, codes, a boundary, the
//! contacts a notice board prints), so a public page cannot reach a record through them.

use super::*;
use crate::users;
use wangge_domain::{GridKind, System};

pub use crate::users::Contact;

/// The public facts of a grid: what its notice board and the resident page show.
#[derive(Debug, Clone, Serialize)]
pub struct PublicGrid {
    pub code: String,
    pub name: String,
    pub grid_kind: Option<GridKind>,
    pub village: String,
    pub township: String,
    pub phone: String,
    pub workers: Vec<Contact>,
    pub leaders: Vec<Contact>,
    pub boundary: String,
    /// Where its cases lie, for the open cases its residents see.
    pub path: String,
}

/// The live grid with this code, as the public sees it; anything else is not found.
pub async fn public_grid(h: &mut Handle<'_>, code: &str) -> Result<PublicGrid, Error> {
    let node = nodes::by_code(h, &System::acting().scope(), code.trim()).await?;
    if node.kind != NodeKind::Grid {
        return Err(err!("node.not_found", code));
    }
    let chain = nodes::ancestors(h, &node).await?;
    let village = chain.iter().find(|n| n.kind == NodeKind::Village).cloned();
    let township = chain.iter().find(|n| n.kind == NodeKind::Township).cloned();
    let (workers, leaders) =
        users::board_contacts(h, node.id, village.as_ref().map(|v| v.id)).await?;
    Ok(PublicGrid {
        code: node.code,
        name: node.name,
        grid_kind: node.grid_kind,
        village: village.map(|v| v.name).unwrap_or_default(),
        township: township.map(|v| v.name).unwrap_or_default(),
        phone: node.phone.unwrap_or_default(),
        workers,
        leaders,
        boundary: node.boundary.unwrap_or_default(),
        path: node.path,
    })
}

/// A live node as a public board names it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicNode {
    pub code: String,
    pub kind: NodeKind,
    pub name: String,
    /// Where its closed events are looked up ([`public_results`]).
    pub path: String,
}

pub async fn public_node(h: &mut Handle<'_>, code: &str) -> Result<PublicNode, Error> {
    let n = nodes::by_code(h, &System::acting().scope(), code.trim()).await?;
    Ok(PublicNode {
        code: n.code,
        kind: n.kind,
        name: n.name,
        path: n.path,
    })
}

/// Departments an assignment or transfer of the event may go to, as (code, name): those hanging
/// off a node above the event (its village, township, county or city), wherever the caller sits.
pub async fn departments_above(
    h: &mut Handle<'_>,
    event: &EventRow,
) -> Result<Vec<(String, String)>, Error> {
    let all = nodes::of_kind(h, &System::acting().scope(), NodeKind::Department).await?;
    Ok(all
        .into_iter()
        .filter(|d| {
            let parent = d
                .path
                .strip_suffix(&format!("{}/", d.code))
                .unwrap_or_default();
            !parent.is_empty() && event.path.starts_with(parent)
        })
        .map(|d| (d.code, d.name))
        .collect())
}

/// The readable name of a holder an event's history mentions: the node's or the person's name;
/// `None` when it no longer exists.
pub async fn holder_name(h: &mut Handle<'_>, holder: &Holder) -> Option<String> {
    let all = System::acting().scope();
    match holder {
        Holder::Node { code, .. } | Holder::Department { code } => {
            nodes::by_code(h, &all, code).await.ok().map(|n| n.name)
        }
        Holder::Person { user_id } => users::get(h, &all, *user_id)
            .await
            .ok()
            .map(|u| u.display_name),
    }
}

/// The boundary (GeoJSON text) of the grid an event lies in, for its map.
pub async fn grid_boundary(h: &mut Handle<'_>, event: &EventRow) -> Option<String> {
    nodes::by_code(h, &System::acting().scope(), &event.grid_code)
        .await
        .ok()
        .and_then(|g| g.boundary)
}
