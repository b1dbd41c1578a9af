//! `/assess/rules`: the assessment rule set in force at a node this quarter (and from the next
//! if another is kept for it), the versions kept at the node and above it, and the shipped
//! sets, each shown readably; an administrator of a county or township (KeepDuties) edits a
//! copy of any of them as JSON and keeps it as a new version effective from the current or a
//! later quarter, validated and audited. Versions are never edited. Leaders who review work or
//! assess read them. `GET/POST /api/v1/assessment/rules` do the same in JSON.

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::{Measure, Scheme, Source, format_points};
use wangge_domain::{Error, NodeKind, Permission, err};
use wangge_store::assessment::rules::{self, Kept, NewVersion};
use wangge_store::auth::Principal;
use wangge_store::nodes::{self, Node};

use crate::auth::Me;
use crate::basic::access::{actor, today};
use crate::basic::form::{Fields, f, no_store, read_form};
use crate::error::AppResult;
use crate::form::ApiJson;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub fn pages() -> Router<AppState> {
    Router::new().route("/assess/rules", get(rules_page).post(rules_submit))
}

pub fn api() -> Router<AppState> {
    Router::new().route("/api/v1/assessment/rules", get(api_get).post(api_post))
}

/// The longest note kept with a version.
const NOTE_MAX: usize = 500;
/// The largest rule set text taken (the shipped sets are about 5 KB).
const JSON_MAX: usize = 64 * 1024;
/// How many quarters ahead a version may be kept.
const QUARTERS_AHEAD: usize = 8;

/// Whether versions may be kept at a node of this kind.
fn keeps_rules(kind: NodeKind) -> bool {
    matches!(kind, NodeKind::County | NodeKind::Township)
}

/// Who reads rule sets: those who review work or assess, and the administrators who keep them.
fn may_read(p: &Principal) -> bool {
    [
        Permission::ReviewWork,
        Permission::Assess,
        Permission::KeepDuties,
    ]
    .into_iter()
    .any(|x| p.may(x))
}

/// The node asked for (the caller's own by default), inside the caller's scope.
async fn node_of(s: &AppState, p: &Principal, code: Option<&str>) -> Result<Node, Error> {
    if !may_read(p) {
        return Err(err!("auth.forbidden"));
    }
    let code = match code.map(str::trim) {
        None | Some("") => p.node_code.clone(),
        Some(v) => v.chars().take(40).collect(),
    };
    let mut c = s.db.conn().await?;
    nodes::by_code(&mut c.handle(), &p.scope(), &code).await
}

fn current_quarter(s: &AppState) -> Result<Quarter, Error> {
    Ok(Quarter::of(today(s.now())?))
}

/// The quarters a new version may take effect from: this one and the next few.
fn open_quarters(now: Quarter) -> Vec<Quarter> {
    let mut out = vec![now];
    while out.len() < QUARTERS_AHEAD {
        let last = out[out.len() - 1];
        out.push(last.next());
    }
    out
}

/// Keeps a new version at `node`; its id and number.
async fn keep(
    s: &AppState,
    p: &Principal,
    node: &Node,
    effective_from: &str,
    scheme: &Scheme,
    note: &str,
) -> Result<(i64, i64), Error> {
    if !p.may(Permission::KeepDuties) {
        return Err(err!("auth.forbidden"));
    }
    if !keeps_rules(node.kind) {
        return Err(err!("assess.rules_node"));
    }
    let from = Quarter::parse(effective_from).ok_or_else(|| {
        err!(
            "assess.quarter_invalid",
            value = effective_from.chars().take(20).collect::<String>()
        )
    })?;
    if from < current_quarter(s)? {
        return Err(err!("assess.rules_past", value = from));
    }
    scheme.validate()?;
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(err!("assess.rules_note_long", max = NOTE_MAX));
    }
    let mut tx = s.db.begin().await?;
    let kept = rules::keep(
        &mut tx.handle(),
        &actor(p),
        &NewVersion {
            node_id: node.id,
            node_path: &node.path,
            effective_from: from,
            scheme,
            note,
        },
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(kept)
}

/// A rule set from posted text, bounded in size.
fn scheme_from_text(text: &str) -> Result<Scheme, Error> {
    if text.len() > JSON_MAX {
        return Err(err!("assess.rules_too_large", max = JSON_MAX));
    }
    Ok(Scheme::from_json(text)?)
}

// ---------------------------------------------------------------------------------------------
// Readable views

struct DeductionView {
    measure: String,
    per: String,
}

struct ItemView {
    name: String,
    points: String,
    deductions: Vec<DeductionView>,
}

/// A rule set as sentences and lists in the reader's language.
pub(crate) struct SchemeView {
    title: String,
    total: String,
    basic: String,
    satisfaction: String,
    /// "The items add up to … scaled to …", when they do.
    scaled: String,
    items: Vec<ItemView>,
    vetoes: Vec<String>,
    sat_rule: String,
    grades: String,
    pay: String,
    streak: String,
}

fn fill(t: &Tr, key: &str, params: &[(&str, String)]) -> String {
    let mut s = t.s(key).to_string();
    for (k, v) in params {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

fn points(t: &Tr, c: i64) -> String {
    fill(t, "assess.rules.points", &[("n", format_points(c))])
}

/// A measure's name in the reader's language (its key if unknown).
pub(crate) fn measure_name(t: &Tr, name: &str) -> String {
    match Measure::parse(name) {
        Some(m) => t.s(&format!("assess.measure.{}", m.as_str())).to_string(),
        None => name.to_string(),
    }
}

pub(crate) fn scheme_view(t: &Tr, s: &Scheme) -> SchemeView {
    let shipped_key = format!("assess.rules.scheme.{}", s.name);
    let title = if Scheme::SHIPPED.contains(&s.name.as_str()) {
        t.s(&shipped_key).to_string()
    } else {
        s.name.clone()
    };
    let items_sum: i64 = s.items.iter().map(|i| i.points).sum();
    let scaled = if items_sum != s.basic_share() {
        fill(
            t,
            "assess.rules.scaled",
            &[
                ("items", format_points(items_sum)),
                ("basic", format_points(s.basic_share())),
            ],
        )
    } else {
        String::new()
    };
    let sat = &s.satisfaction;
    let g = &s.grades;
    SchemeView {
        title,
        total: points(t, s.total),
        basic: format!("{} ({}%)", points(t, s.basic_share()), s.basic_pct),
        satisfaction: points(t, s.satisfaction_share()),
        scaled,
        items: s
            .items
            .iter()
            .map(|i| ItemView {
                name: t.name(&i.name_zh, &i.name_en).to_string(),
                points: points(t, i.points),
                deductions: i
                    .deductions
                    .iter()
                    .map(|d| DeductionView {
                        measure: measure_name(t, &d.measure),
                        per: fill(t, "assess.rules.per", &[("n", format_points(d.per))]),
                    })
                    .collect(),
            })
            .collect(),
        vetoes: s
            .vetoes
            .iter()
            .map(|v| t.name(&v.name_zh, &v.name_en).to_string())
            .collect(),
        sat_rule: fill(
            t,
            "assess.rules.sat_rule",
            &[
                ("survey", sat.survey_pct.to_string()),
                ("ratings", sat.ratings_pct.to_string()),
                ("min", sat.min_answers.to_string()),
                ("none", sat.no_answers_pct.to_string()),
            ],
        ),
        grades: fill(
            t,
            "assess.rules.grades",
            &[
                ("excellent", format_points(g.excellent_min)),
                ("share", g.excellent_share_pct.to_string()),
                ("qualified", format_points(g.qualified_min)),
            ],
        ),
        pay: fill(
            t,
            "assess.rules.pay",
            &[
                ("pct", s.pay.unqualified_pct.to_string()),
                ("reward", format_points(s.pay.reward_cents)),
            ],
        ),
        streak: fill(
            t,
            "assess.rules.streak",
            &[
                ("notice", s.notice_after.to_string()),
                ("stop", s.not_reengage_after.to_string()),
                ("days", s.appeal_days.to_string()),
            ],
        ),
    }
}

#[derive(Template)]
#[template(path = "assessment/rules_scheme.html")]
struct SchemeBlock<'a> {
    t: Tr,
    sv: &'a SchemeView,
}

/// A rule set as HTML (escaped by its own template), for the page to place several times.
fn scheme_html(t: &Tr, s: &Scheme) -> String {
    let sv = scheme_view(t, s);
    SchemeBlock { t: *t, sv: &sv }.render().unwrap_or_default()
}

struct VersionView {
    id: i64,
    node_name: String,
    version: i64,
    effective_from: String,
    note: String,
    by: String,
    at: String,
    scheme: String,
}

struct ShippedView {
    name: &'static str,
    title: String,
    scheme: String,
}

struct MeasureView {
    name: &'static str,
    label: String,
    source: String,
}

#[derive(Template)]
#[template(path = "assessment/rules.html")]
struct RulesPage {
    l: Layout,
    node_code: String,
    node_name: String,
    quarter: String,
    in_force: String,
    in_force_source: String,
    /// The set from next quarter, when another version takes over then.
    next: Option<(String, String)>,
    versions: Vec<VersionView>,
    shipped: Vec<ShippedView>,
    measures: Vec<MeasureView>,
    /// The form, for those who keep rules at this node.
    form: bool,
    base_label: String,
    quarters: Vec<String>,
    effective_from: String,
    rules_json: String,
    note: String,
    error: String,
    saved: bool,
}

#[derive(Deserialize)]
struct PageQuery {
    node: Option<String>,
    /// A shipped set's name or a kept version's id, to edit a copy of.
    base: Option<String>,
    saved: Option<String>,
}

/// Where a version in force comes from, for the reader.
fn source_text(t: &Tr, id: Option<i64>, kept: &[Kept]) -> String {
    match id.and_then(|id| kept.iter().find(|k| k.id == id)) {
        Some(k) => fill(
            t,
            "assess.rules.source_version",
            &[
                ("node", k.node_name.clone()),
                ("version", k.version.to_string()),
                ("from", k.effective_from.clone()),
            ],
        ),
        None => t.s("assess.rules.source_shipped").to_string(),
    }
}

struct Typed<'a> {
    values: &'a Fields,
    error: &'a Error,
}

async fn render_page(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    node: Node,
    base: Option<&str>,
    typed: Option<Typed<'_>>,
    saved: bool,
) -> Result<Response, Error> {
    let quarter = current_quarter(s)?;
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let (now_id, now_scheme) = rules::in_force(h, &node.path, quarter).await?;
    let (next_id, next_scheme) = rules::in_force(h, &node.path, quarter.next()).await?;
    let kept = rules::versions_at_and_above(h, &node.path).await?;
    // A copy of a version kept elsewhere in the area may be the base too.
    let base_kept = match base.and_then(|b| b.parse::<i64>().ok()) {
        Some(id) if !kept.iter().any(|k| k.id == id) => rules::get(h, &p.scope(), id).await?,
        _ => None,
    };
    drop(c);
    let l = Layout::new(lang, Some(p.clone()), "assess.rules.title");
    let t = l.t;
    // The base of the form: a shipped set, a kept version, or the set in force.
    let (base_label, base_scheme) = match base {
        Some(b) if Scheme::SHIPPED.contains(&b) => (
            t.s(&format!("assess.rules.scheme.{b}")).to_string(),
            Scheme::shipped(b).unwrap_or_else(Scheme::quarter100),
        ),
        Some(b) => match b
            .parse::<i64>()
            .ok()
            .and_then(|id| kept.iter().chain(base_kept.iter()).find(|k| k.id == id))
        {
            Some(k) => (format!("{} v{}", k.node_name, k.version), k.scheme.clone()),
            None => {
                return Err(err!(
                    "assess.rules_not_found",
                    id = b.chars().take(20).collect::<String>()
                ));
            }
        },
        None => (source_text(&t, now_id, &kept), now_scheme.clone()),
    };
    let may_keep = p.may(Permission::KeepDuties) && keeps_rules(node.kind);
    let quarters: Vec<String> = open_quarters(quarter)
        .iter()
        .map(Quarter::to_string)
        .collect();
    let (effective_from, rules_json, note, error) = match &typed {
        Some(ty) => (
            f(ty.values, "effective_from").to_string(),
            ty.values.get("rules").cloned().unwrap_or_default(),
            f(ty.values, "note").to_string(),
            t.error(ty.error),
        ),
        None => (
            quarter.next().to_string(),
            serde_json::to_string_pretty(&base_scheme).unwrap_or_default(),
            String::new(),
            String::new(),
        ),
    };
    let next = (next_id != now_id).then(|| {
        (
            source_text(&t, next_id, &kept),
            scheme_html(&t, &next_scheme),
        )
    });
    let page = RulesPage {
        node_code: node.code.clone(),
        node_name: node.name.clone(),
        quarter: quarter.to_string(),
        in_force: scheme_html(&t, &now_scheme),
        in_force_source: source_text(&t, now_id, &kept),
        next,
        versions: kept
            .iter()
            .map(|k| VersionView {
                id: k.id,
                node_name: k.node_name.clone(),
                version: k.version,
                effective_from: k.effective_from.clone(),
                note: k.note.clone(),
                by: k.created_by_name.clone(),
                at: time_text(k.created_at),
                scheme: scheme_html(&t, &k.scheme),
            })
            .collect(),
        shipped: Scheme::SHIPPED
            .iter()
            .filter_map(|n| {
                Some(ShippedView {
                    name: n,
                    title: t.s(&format!("assess.rules.scheme.{n}")).to_string(),
                    scheme: scheme_html(&t, &Scheme::shipped(n)?),
                })
            })
            .collect(),
        measures: Measure::ALL
            .iter()
            .map(|m| MeasureView {
                name: m.as_str(),
                label: measure_name(&t, m.as_str()),
                source: t
                    .s(match m.source() {
                        Source::Records => "assess.rules.source.records",
                        Source::Findings => "assess.rules.source.findings",
                    })
                    .to_string(),
            })
            .collect(),
        form: may_keep,
        base_label,
        quarters,
        effective_from,
        rules_json,
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
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let node = node_of(&s, &p, q.node.as_deref()).await?;
    let base = q.base.as_deref().map(str::trim).filter(|b| !b.is_empty());
    Ok(render_page(&s, lang, &p, node, base, None, q.saved.is_some()).await?)
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
    let result = match scheme_from_text(values.get("rules").map(String::as_str).unwrap_or("")) {
        Ok(scheme) => {
            keep(
                &s,
                &p,
                &node,
                f(&values, "effective_from"),
                &scheme,
                f(&values, "note"),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/assess/rules?node={}&saved=1", node.code)).into_response())
        }
        Err(e) if e.status == 400 => {
            let typed = Typed {
                values: &values,
                error: &e,
            };
            let mut r = render_page(&s, lang, &p, node, None, Some(typed), false).await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

fn version_json(k: &Kept) -> Value {
    json!({
        "id": k.id,
        "node_code": k.node_code,
        "node_name": k.node_name,
        "version": k.version,
        "effective_from": k.effective_from,
        "rules": k.scheme,
        "note": k.note,
        "created_by_name": k.created_by_name,
        "created_at": crate::ui::rfc3339(k.created_at),
    })
}

#[derive(Deserialize)]
struct ApiQuery {
    node: Option<String>,
    quarter: Option<String>,
}

async fn api_get(
    State(s): State<AppState>,
    Me(p): Me,
    Query(q): Query<ApiQuery>,
) -> AppResult<Response> {
    let node = node_of(&s, &p, q.node.as_deref()).await?;
    let quarter = match q.quarter.as_deref().map(str::trim) {
        None | Some("") => current_quarter(&s)?,
        Some(v) => Quarter::parse(v).ok_or_else(|| {
            err!(
                "assess.quarter_invalid",
                value = v.chars().take(20).collect::<String>()
            )
        })?,
    };
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let (id, scheme) = rules::in_force(h, &node.path, quarter).await?;
    let kept = rules::versions_at_and_above(h, &node.path).await?;
    Ok(no_store(
        Json(json!({
            "node": {"code": node.code, "name": node.name, "kind": node.kind.as_str()},
            "quarter": quarter.to_string(),
            "in_force": {"id": id, "rules": scheme},
            "versions": kept.iter().map(version_json).collect::<Vec<_>>(),
            "shipped": Scheme::SHIPPED,
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
    /// A shipped set's name, kept as it is…
    #[serde(default)]
    base: Option<String>,
    /// …or a whole rule set.
    #[serde(default)]
    rules: Option<Value>,
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
    let scheme = match (&r.base, &r.rules) {
        (Some(b), None) => Scheme::shipped(b.trim()).ok_or_else(|| {
            err!(
                "assess.rules_shipped_unknown",
                name = b.chars().take(40).collect::<String>()
            )
        })?,
        (None, Some(v)) => scheme_from_text(&v.to_string())?,
        _ => {
            return Err(err!("assess.rules_base_or_rules").into());
        }
    };
    let (id, _) = keep(
        &s,
        &p,
        &node,
        &r.effective_from,
        &scheme,
        r.note.as_deref().unwrap_or(""),
    )
    .await?;
    let mut c = s.db.conn().await?;
    let k = rules::get(&mut c.handle(), &p.scope(), id)
        .await?
        .ok_or_else(|| err!("internal", detail = "the kept version is missing"))?;
    Ok(no_store(
        (StatusCode::CREATED, Json(version_json(&k))).into_response(),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_and_shipped_set_has_both_texts() {
        for m in Measure::ALL {
            let key = format!("assess.measure.{}", m.as_str());
            assert!(Tr::has(&key), "{key}");
        }
        for n in Scheme::SHIPPED {
            assert!(Tr::has(&format!("assess.rules.scheme.{n}")), "{n}");
        }
    }

    #[test]
    fn the_seed_set_reads_in_chinese_and_english() {
        let zh = scheme_view(&Tr::new(Lang::Zh), &Scheme::quarter100());
        assert_eq!(zh.items.len(), 7);
        assert_eq!(zh.items[4].deductions[1].per, "每次扣 0.1 分");
        assert!(
            zh.scaled.contains("100") && zh.scaled.contains("80"),
            "{}",
            zh.scaled
        );
        let en = scheme_view(&Tr::new(Lang::En), &Scheme::thousand());
        assert_eq!(
            en.items[0].name,
            "Basic information collected, entered, updated"
        );
        assert_eq!(en.vetoes.len(), 3);
        assert!(
            !en.grades.is_empty() && !en.grades.contains('{'),
            "{}",
            en.grades
        );
    }

    #[test]
    fn quarters_open_for_a_new_version() {
        let q = Quarter::parse("2026Q4").unwrap();
        let open = open_quarters(q);
        assert_eq!(open.len(), QUARTERS_AHEAD);
        assert_eq!(open[0], q);
        assert_eq!(open[1].to_string(), "2027Q1");
    }
}
