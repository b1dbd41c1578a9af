//! The counts of the register under a node (households, people, houses, organisations,
//! objects, by residence and by key group): as cards on the people list and on the tree and
//! grid pages, and as JSON.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use wangge_domain::{Error, Scope};
use wangge_store::Handle;
use wangge_store::auth::Principal;

use super::access::access_of;
use super::area::under_path;
use super::people::{RESIDENCE, TAG};
use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::ui::group_digits;

pub fn api_routes() -> Router<AppState> {
    Router::new().route("/api/v1/counts", get(api_counts))
}

/// One count of a summary.
pub struct CountView {
    pub label: String,
    pub n: String,
    /// The people list filtered to what is counted (empty for the main counts).
    pub href: String,
}

/// The basic-information counts a grid, village or township page shows.
pub struct CountsCard {
    pub code: String,
    pub main: Vec<CountView>,
    pub by_residence: Vec<CountView>,
    pub by_tag: Vec<CountView>,
}

/// The counts under a node as the pages show them; tags only for roles that may see tags.
pub async fn count_views(
    s: &AppState,
    h: &mut Handle<'_>,
    t: &Tr,
    scope: &Scope,
    path: &str,
    with_tags: bool,
) -> Result<(Vec<CountView>, Vec<CountView>, Vec<CountView>), Error> {
    let c = s.basic_counts(h, scope, path).await?;
    // The node whose people are counted is the last code of its path.
    let under = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let people = |key: &str, value: &str| format!("/people?under={under}&{key}={value}");
    let main = [
        ("basic.households", c.households),
        ("basic.people", c.people),
        ("basic.houses", c.houses),
        ("basic.orgs", c.orgs),
        ("basic.objects", c.objects),
    ]
    .into_iter()
    .map(|(key, n)| CountView {
        label: t.s(key).to_string(),
        n: group_digits(n),
        href: String::new(),
    })
    .collect();
    let residence = c
        .by_residence
        .iter()
        .map(|(r, n)| CountView {
            label: RESIDENCE.label(t, r.as_str()),
            n: group_digits(*n),
            href: people("residence", r.as_str()),
        })
        .collect();
    let tags = if with_tags {
        c.by_tag
            .iter()
            .map(|(g, n)| CountView {
                label: TAG.label(t, g.as_str()),
                n: group_digits(*n),
                href: people("tag", g.as_str()),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok((main, residence, tags))
}

/// The counts card of a node, or `None` for roles that do not read the register.
pub async fn counts_card(
    s: &AppState,
    h: &mut Handle<'_>,
    p: &Principal,
    t: &Tr,
    code: &str,
    path: &str,
) -> Result<Option<CountsCard>, Error> {
    let Ok(a) = access_of(p) else {
        return Ok(None);
    };
    let (main, by_residence, by_tag) = count_views(s, h, t, &p.scope(), path, a.tags).await?;
    Ok(Some(CountsCard {
        code: code.to_string(),
        main,
        by_residence,
        by_tag,
    }))
}

/// Households and people of a grid from the register, for the public notice board (no tags).
pub async fn public_counts(
    s: &AppState,
    h: &mut Handle<'_>,
    scope: &Scope,
    path: &str,
) -> Result<(i64, i64), Error> {
    let c = s.basic_counts(h, &scope.narrow(path), path).await?;
    Ok((c.households, c.people))
}

#[derive(Deserialize, Default)]
struct CountsQuery {
    under: Option<String>,
}

/// Counts under a node (default: the caller's); tags only for roles that may see them.
async fn api_counts(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<CountsQuery>,
) -> AppResult<Json<Value>> {
    let a = access_of(&p)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let path = under_path(h, &scope, q.under.as_deref().unwrap_or(""))
        .await?
        .unwrap_or_else(|| scope.path().to_string());
    let n = s.basic_counts(h, &scope, &path).await?;
    let by_residence: Map<String, Value> = n
        .by_residence
        .iter()
        .map(|(r, k)| (r.as_str().to_string(), json!(k)))
        .collect();
    let mut v = json!({
        "path": path,
        "households": n.households,
        "people": n.people,
        "houses": n.houses,
        "orgs": n.orgs,
        "objects": n.objects,
        "by_residence": by_residence,
    });
    if a.tags
        && let Some(o) = v.as_object_mut()
    {
        let by_tag: Map<String, Value> = n
            .by_tag
            .iter()
            .map(|(g, k)| (g.as_str().to_string(), json!(k)))
            .collect();
        o.insert("by_tag".into(), Value::Object(by_tag));
    }
    Ok(Json(v))
}
