//! The category tree for administrators: `GET /admin/categories` shows every class with its
//! kinds, each with a form to change its name, default complexity, handling level, automatic
//! escalation, order, or to retire it; a last form adds a class or a kind. `POST` saves one and
//! comes back to it; a bad form answers the page again with the reason and stores nothing.

use askama::Template;
use axum::Router;
use axum::extract::{Form, FromRequest, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use wangge_domain::Error;
use wangge_domain::category::Draft;
use wangge_domain::deadline::Complexity;
use wangge_domain::err;
use wangge_store::events::{self, Category};

use super::api::save_category;
use crate::auth::Me;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::ui::{Layout, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/categories", get(page).post(submit))
}

/// The form of one category; checkboxes are absent when unticked.
#[derive(Debug, Default, Deserialize)]
struct CategoryForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    parent_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    complexity: String,
    #[serde(default)]
    handling_level: String,
    #[serde(default)]
    auto_escalate: Option<String>,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    me_too_threshold: String,
    #[serde(default)]
    redirect_hint: Option<String>,
    #[serde(default)]
    redirect_hint_en: Option<String>,
    /// Present on the form that adds a category.
    #[serde(default)]
    adding: Option<String>,
}

impl CategoryForm {
    fn draft(&self) -> Result<Draft, Error> {
        let number = |s: &str, code: &'static str| -> Result<Option<i64>, Error> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            s.parse()
                .map(Some)
                .map_err(|_| Error::new(code, Vec::new()))
        };
        Ok(Draft {
            code: self.code.clone(),
            parent_code: Some(self.parent_code.clone()),
            name: self.name.clone(),
            name_en: Some(self.name_en.clone()),
            complexity: self.complexity.clone(),
            handling_level: number(&self.handling_level, "category.level_invalid")?.unwrap_or(0),
            auto_escalate: self.auto_escalate.is_some(),
            sort: number(&self.sort, "category.sort_invalid")?,
            active: Some(self.active.is_some()),
            me_too_threshold: number(&self.me_too_threshold, "category.threshold_invalid")
                .map_err(|_| {
                    err!(
                        "category.threshold_invalid",
                        max = wangge_domain::residents::MAX_ME_TOO_THRESHOLD
                    )
                })?,
            hint: self.redirect_hint.clone(),
            hint_en: self.redirect_hint_en.clone(),
        })
    }
}

pub struct Row {
    pub c: Category,
    pub class: bool,
}

pub struct Opt {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "categories/categories.html")]
struct CategoriesPage {
    l: Layout,
    rows: Vec<Row>,
    classes: Vec<Opt>,
    complexities: Vec<Opt>,
    levels: Vec<Opt>,
    saved: String,
    error: String,
    /// The code whose form the error belongs to (empty: the form adding one).
    error_code: String,
    /// What the adding form held when it was refused.
    new: Draft,
}

#[derive(Deserialize)]
struct PageQuery {
    saved: Option<String>,
}

fn refuse_unless_admin(me: &Me) -> Result<(), AppError> {
    if me.0.administers_deployment() {
        Ok(())
    } else {
        Err(AppError(err!("auth.forbidden")))
    }
}

async fn view(
    s: &AppState,
    lang: Lang,
    me: &Me,
    saved: String,
    error: Option<(String, String)>,
    new: Draft,
) -> Result<CategoriesPage, AppError> {
    let mut c = s.db.conn().await?;
    let all = events::categories(&mut c.handle()).await?;
    let l = Layout::new(lang, Some(me.0.clone()), "cat.title");
    let t = l.t;
    // Classes first by order, each followed by its kinds.
    let mut rows = Vec::new();
    for class in all.iter().filter(|c| c.parent_code.is_none()) {
        rows.push(Row {
            c: class.clone(),
            class: true,
        });
        for kind in all
            .iter()
            .filter(|k| k.parent_code.as_deref() == Some(class.code.as_str()))
        {
            rows.push(Row {
                c: kind.clone(),
                class: false,
            });
        }
    }
    let classes = all
        .iter()
        .filter(|c| c.parent_code.is_none())
        .map(|c| Opt {
            value: c.code.clone(),
            label: format!("{} {}", c.code, t.name(&c.name, &c.name_en)),
        })
        .collect();
    let complexities = Complexity::ALL
        .iter()
        .map(|x| Opt {
            value: x.as_str().to_string(),
            label: t.s(&format!("ev.complexity.{}", x.as_str())).to_string(),
        })
        .collect();
    let levels = (1..=5)
        .map(|n: i64| Opt {
            value: n.to_string(),
            label: t.s(&format!("ev.level.{n}")).to_string(),
        })
        .collect();
    let (error_code, error) = error.unwrap_or_default();
    Ok(CategoriesPage {
        l,
        rows,
        classes,
        complexities,
        levels,
        saved,
        error,
        error_code,
        new,
    })
}

async fn page(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    refuse_unless_admin(&me)?;
    let saved = q.saved.unwrap_or_default();
    let new = Draft {
        complexity: Complexity::Ordinary.as_str().to_string(),
        handling_level: 1,
        ..Draft::default()
    };
    Ok(render(view(&s, lang, &me, saved, None, new).await?))
}

async fn submit(
    State(s): State<AppState>,
    lang: Lang,
    me: Me,
    req: Request,
) -> Result<Response, AppError> {
    refuse_unless_admin(&me)?;
    let form = match Form::<CategoryForm>::from_request(req, &s).await {
        Ok(Form(f)) => f,
        Err(r) => return Err(AppError(err!("request.invalid", reason = r.body_text()))),
    };
    let adding = form.adding.is_some();
    let taken = adding && {
        let mut c = s.db.conn().await?;
        events::category(&mut c.handle(), form.code.trim())
            .await
            .is_ok()
    };
    let result = match form.draft() {
        _ if taken => Err(err!("category.code_taken", code = form.code.trim())),
        Ok(d) => save_category(&s, &me, &d).await.map(|(c, _)| c.code),
        Err(e) => Err(e),
    };
    match result {
        Ok(code) => Ok(Redirect::to(&format!(
            "/admin/categories?saved={}#cat-{}",
            crate::ui::urlencode(&code),
            crate::ui::urlencode(&code)
        ))
        .into_response()),
        Err(e) if e.status == 400 || e.status == 409 => {
            let t = crate::i18n::Tr::new(lang);
            let new = if adding {
                form.draft().unwrap_or_default()
            } else {
                Draft::default()
            };
            let code = if adding {
                String::new()
            } else {
                form.code.trim().to_string()
            };
            let mut resp =
                render(view(&s, lang, &me, String::new(), Some((code, t.error(&e))), new).await?);
            *resp.status_mut() = if e.status == 409 {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            Ok(resp)
        }
        Err(e) => Err(AppError(e)),
    }
}
