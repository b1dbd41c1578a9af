//! `/work/rules`: the duty rule set in force at a node today and the versions kept there; an
//! administrator of a county or township (KeepDuties) keeps a new version from a form with
//! every field of `Duties`, effective from today or later, audited. Versions are never edited.
//! `GET/POST /api/v1/duty-rules` do the same in JSON.

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::calendar::Date;
use wangge_domain::workbench::duties::Duties;
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::auth::Principal;
use wangge_store::nodes::{self, Node};
use wangge_store::workbench::rules::{self, Kept, NewVersion};

use super::home::uses_workbench;
use crate::auth::Me;
use crate::basic::access::{actor, today};
use crate::basic::form::{Fields, f, no_store, read_form};
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new().route("/work/rules", get(rules_page).post(rules_submit))
}

pub fn api() -> Router<AppState> {
    Router::new().route("/api/v1/duty-rules", get(api_get).post(api_post))
}

/// The longest note kept with a version.
const NOTE_MAX: usize = 500;

/// Every field of a rule set as the form names it, with whether it is a yes/no.
pub const FIELDS: &[(&str, bool)] = &[
    ("household_visit_by_day", false),
    ("key_person_visits", true),
    ("family_visits_per_week", false),
    ("households_per_month", false),
    ("minutes_in_grid_per_day", false),
    ("diary_per_week", false),
    ("entries_per_week_village", false),
    ("entries_per_week_community", false),
    ("sweep_weekly", true),
    ("ledger_report_day", false),
    ("ledger_final_day", false),
    ("daily_login", true),
    ("reminders_before_notice", false),
    ("meeting_day", false),
    ("trainings_per_year", false),
    ("offline_allowance_hours", false),
    ("max_distance_from_house_m", false),
    ("max_speed_kmh", false),
];

/// Whether versions may be kept at a node of this kind.
fn keeps_rules(kind: NodeKind) -> bool {
    matches!(kind, NodeKind::County | NodeKind::Township)
}

/// The node asked for (the caller's own by default), inside the caller's scope.
async fn node_of(s: &AppState, p: &Principal, code: Option<&str>) -> Result<Node, Error> {
    if !uses_workbench(p) {
        return Err(err!("auth.forbidden"));
    }
    let code = match code.map(str::trim) {
        None | Some("") => p.node_code.clone(),
        Some(v) => v.chars().take(40).collect(),
    };
    let mut c = s.db.conn().await?;
    nodes::by_code(&mut c.handle(), &p.scope(), &code).await
}

/// Keeps a new version at `node`; its number.
async fn keep(
    s: &AppState,
    p: &Principal,
    node: &Node,
    effective_from: &str,
    duties: &Duties,
    note: &str,
) -> Result<i64, Error> {
    if !p.may(Permission::KeepDuties) {
        return Err(err!("auth.forbidden"));
    }
    if !keeps_rules(node.kind) {
        return Err(err!("work.rules_node"));
    }
    let day = Date::parse(effective_from.trim()).map_err(|_| {
        err!(
            "work.rules_date",
            value = effective_from.chars().take(20).collect::<String>()
        )
    })?;
    if day < today(s.now())? {
        return Err(err!("work.rules_past", value = day.to_string()));
    }
    duties
        .validate()
        .map_err(|e| err!("work.rules_invalid", field = e.field))?;
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(err!("work.rules_note_long", max = NOTE_MAX));
    }
    let mut tx = s.db.begin().await?;
    let (_, version) = rules::keep(
        &mut tx.handle(),
        &actor(p),
        &NewVersion {
            node_id: node.id,
            node_path: &node.path,
            effective_from: day,
            duties,
            note,
        },
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// A rule set from the form: numbers in their fields, yes/no as checkboxes.
fn duties_from_form(values: &Fields) -> Result<Duties, Error> {
    let mut obj = serde_json::Map::new();
    for (name, flag) in FIELDS {
        let v = f(values, name).trim();
        let value = if *flag {
            Value::Bool(matches!(v, "on" | "true" | "1"))
        } else {
            let n: u32 = v
                .parse()
                .map_err(|_| err!("work.rules_invalid", field = *name))?;
            Value::from(n)
        };
        obj.insert((*name).to_string(), value);
    }
    serde_json::from_value(Value::Object(obj))
        .map_err(|_| err!("work.rules_invalid", field = "rules"))
}

struct FieldView {
    name: &'static str,
    label: String,
    flag: bool,
    value: String,
    checked: bool,
}

fn field_views(l: &Layout, d: &Duties) -> Vec<FieldView> {
    let json = serde_json::to_value(d).unwrap_or(Value::Null);
    FIELDS
        .iter()
        .map(|(name, flag)| {
            let v = &json[*name];
            FieldView {
                name,
                label: l.t.s(&format!("wb.rules.f.{name}")).to_string(),
                flag: *flag,
                value: v.as_u64().map(|n| n.to_string()).unwrap_or_default(),
                checked: v.as_bool().unwrap_or(false),
            }
        })
        .collect()
}

struct VersionView {
    version: i64,
    effective_from: String,
    note: String,
    by: String,
    at: String,
    fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "workbench/rules.html")]
struct RulesPage {
    l: Layout,
    node_code: String,
    node_name: String,
    in_force: Vec<FieldView>,
    versions: Vec<VersionView>,
    /// The form, for those who keep rules at this node.
    form: Option<Vec<FieldView>>,
    effective_from: String,
    note: String,
    error: String,
    saved: bool,
}

#[derive(Deserialize)]
struct NodeQuery {
    node: Option<String>,
    saved: Option<String>,
}

async fn render_page(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    node: Node,
    form: Option<(&Fields, &Error)>,
    saved: bool,
) -> Result<Response, Error> {
    let today = today(s.now())?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let in_force = rules::in_force(h, &node.path, today).await?;
    let kept = rules::versions(h, &node.path).await?;
    drop(c);
    let l = Layout::new(lang, Some(p.clone()), "wb.rules.title");
    let may_keep = p.may(Permission::KeepDuties) && keeps_rules(node.kind);
    let (form_fields, effective_from, note, error) = match form {
        Some((values, e)) => {
            let mut fields = field_views(&l, &in_force);
            for fv in &mut fields {
                fv.value = f(values, fv.name).to_string();
                fv.checked = matches!(f(values, fv.name), "on" | "true" | "1");
            }
            (
                Some(fields),
                f(values, "effective_from").to_string(),
                f(values, "note").to_string(),
                l.t.error(e),
            )
        }
        None => (
            may_keep.then(|| field_views(&l, &in_force)),
            today.to_string(),
            String::new(),
            String::new(),
        ),
    };
    let page = RulesPage {
        node_code: node.code.clone(),
        node_name: node.name.clone(),
        in_force: field_views(&l, &in_force),
        versions: kept
            .iter()
            .map(|k: &Kept| VersionView {
                version: k.version,
                effective_from: k.effective_from.clone(),
                note: k.note.clone(),
                by: k.created_by_name.clone(),
                at: time_text(k.created_at),
                fields: field_views(&l, &k.duties),
            })
            .collect(),
        form: form_fields,
        effective_from,
        note,
        error,
        saved,
        l,
    };
    Ok(no_store(render(page)))
}

async fn rules_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<NodeQuery>,
) -> AppResult<Response> {
    let node = node_of(&s, &p, q.node.as_deref()).await?;
    Ok(render_page(&s, lang, &p, node, None, q.saved.is_some()).await?)
}

/// Keeps a version; a refusal shows the form again with what was typed and the reason.
async fn rules_submit(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    let node = node_of(&s, &p, Some(f(&values, "node"))).await?;
    let result = match duties_from_form(&values) {
        Ok(d) => {
            keep(
                &s,
                &p,
                &node,
                f(&values, "effective_from"),
                &d,
                f(&values, "note"),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/work/rules?node={}&saved=1", node.code)).into_response())
        }
        Err(e) if e.status == 400 => {
            let mut r = render_page(&s, lang, &p, node, Some((&values, &e)), false).await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

fn version_json(k: &Kept) -> Value {
    json!({
        "node_code": k.node_code,
        "version": k.version,
        "effective_from": k.effective_from,
        "rules": k.duties,
        "note": k.note,
        "created_by_name": k.created_by_name,
        "created_at": crate::ui::rfc3339(k.created_at),
    })
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<NodeQuery>,
) -> AppResult<Response> {
    let node = node_of(&s, &p, q.node.as_deref()).await?;
    let today = today(s.now())?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let in_force = rules::in_force(h, &node.path, today).await?;
    let kept = rules::versions(h, &node.path).await?;
    Ok(no_store(
        Json(json!({
            "node": {"code": node.code, "name": node.name, "kind": node.kind.as_str()},
            "today": today.to_string(),
            "in_force": in_force,
            "versions": kept.iter().map(version_json).collect::<Vec<_>>(),
        }))
        .into_response(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostReq {
    #[serde(default)]
    node: Option<String>,
    effective_from: String,
    #[serde(default)]
    note: Option<String>,
    rules: Value,
}

async fn api_post(
    State(s): State<AppState>,
    Me(p): Me,
    ApiJson(r): ApiJson<PostReq>,
) -> AppResult<Response> {
    if !p.may(Permission::KeepDuties) {
        return Err(err!("auth.forbidden").into());
    }
    let node = node_of(&s, &p, r.node.as_deref()).await?;
    let duties = Duties::from_json(&r.rules.to_string())
        .map_err(|e| err!("work.rules_invalid", field = e.field))?;
    let version = keep(
        &s,
        &p,
        &node,
        &r.effective_from,
        &duties,
        r.note.as_deref().unwrap_or(""),
    )
    .await?;
    let mut c = s.db.conn().await?;
    let kept = rules::versions(&mut c.handle(), &node.path).await?;
    let k = kept
        .iter()
        .find(|k| k.version == version)
        .ok_or_else(|| err!("internal", detail = "the kept version is missing"))?;
    Ok(no_store(
        (StatusCode::CREATED, Json(version_json(k))).into_response(),
    ))
}
