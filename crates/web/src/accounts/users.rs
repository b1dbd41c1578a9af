//! User administration: the list with search, the create form and one user's edit page. The
//! forms post JSON to `/api/v1/users` from app.js, which shows errors in the page's language.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use wangge_domain::err;
use wangge_domain::{NodeKind, Role};
use wangge_store::users::{self, User};

use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list_page))
        .route("/admin/users/{id}", get(edit_page))
}

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub role: Role,
    pub role_label: String,
    pub node_code: String,
    pub node_name: String,
    pub phone: String,
    pub active: bool,
}

fn user_row(t: &Tr, u: &User) -> UserRow {
    UserRow {
        id: u.id,
        username: u.username.clone(),
        name: u.display_name.clone(),
        role: u.role,
        role_label: t.role(u.role),
        node_code: u.node_code.clone(),
        node_name: u.node_name.clone(),
        phone: u.phone.clone().unwrap_or_default(),
        active: u.active,
    }
}

/// Every role with its label and the node kinds it sits at.
pub struct RoleOption {
    pub role: Role,
    pub label: String,
    pub nodes: String,
}

impl RoleOption {
    /// The role the new-user form offers first.
    pub fn is_default(&self) -> bool {
        self.role == Role::Worker
    }
}

fn role_options(t: &Tr) -> Vec<RoleOption> {
    Role::ALL
        .iter()
        .map(|r| RoleOption {
            role: *r,
            label: t.role(r),
            nodes: r
                .allowed_nodes()
                .iter()
                .map(|k| t.kind(k))
                .collect::<Vec<_>>()
                .join(" / "),
        })
        .collect()
}

/// What the node picker needs: where the admin's tree starts, the node kinds each role may sit
/// at, the kinds' names and its texts (JSON for `data-*` attributes).
pub struct Picker {
    pub root: String,
    pub role_kinds: String,
    pub kind_labels: String,
    pub texts: String,
}

fn picker(t: &Tr, root: &str) -> Picker {
    let role_kinds: serde_json::Map<String, serde_json::Value> = Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), serde_json::json!(r.allowed_nodes())))
        .collect();
    let kind_labels: serde_json::Map<String, serde_json::Value> = NodeKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), serde_json::json!(t.kind(k))))
        .collect();
    Picker {
        root: root.to_string(),
        role_kinds: serde_json::Value::Object(role_kinds).to_string(),
        kind_labels: serde_json::Value::Object(kind_labels).to_string(),
        texts: crate::ui::texts_json(
            t,
            &[
                "users.node_choose",
                "users.node_open",
                "users.node_not_for_role",
                "tree.no_results",
            ],
        ),
    }
}

const PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "accounts/users.html")]
struct ListPage {
    l: Layout,
    q: String,
    users: Vec<UserRow>,
    roles: Vec<RoleOption>,
    default_node: String,
    default_node_name: String,
    picker: Picker,
    q_enc: String,
    next_offset: Option<i64>,
    prev_offset: Option<i64>,
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    offset: Option<i64>,
}

async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    me.require_user_manager()?;
    let text = q.q.unwrap_or_default().trim().to_string();
    let offset = q.offset.unwrap_or(0).max(0);
    let mut c = s.db.conn().await?;
    let list = users::list(&mut c.handle(), &me.0.scope(), &text, PAGE + 1, offset).await?;
    let l = Layout::new(lang, Some(me.0.clone()), "nav.users");
    let t = l.t;
    let more = list.len() as i64 > PAGE;
    Ok(render(ListPage {
        users: list
            .iter()
            .take(PAGE as usize)
            .map(|u| user_row(&t, u))
            .collect(),
        roles: role_options(&t),
        default_node: me.0.node_code.clone(),
        default_node_name: me.0.node_name.clone(),
        picker: picker(&t, &me.0.node_code),
        next_offset: more.then_some(offset + PAGE),
        prev_offset: (offset > 0).then_some((offset - PAGE).max(0)),
        q_enc: crate::ui::urlencode(&text),
        q: text,
        l,
    }))
}

#[derive(Template)]
#[template(path = "accounts/user_edit.html")]
struct EditPage {
    l: Layout,
    u: UserRow,
    roles: Vec<RoleOption>,
    is_self: bool,
    picker: Picker,
}

async fn edit_page(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    me.require_user_manager()?;
    let id: i64 = id.parse().map_err(|_| err!("user.not_found", user = id))?;
    let mut c = s.db.conn().await?;
    let user = users::get(&mut c.handle(), &me.0.scope(), id).await?;
    let l = Layout::new(lang, Some(me.0.clone()), "users.edit_title");
    let t = l.t;
    Ok(render(EditPage {
        u: user_row(&t, &user),
        roles: role_options(&t),
        is_self: user.id == me.0.user_id,
        picker: picker(&t, &me.0.node_code),
        l,
    }))
}
