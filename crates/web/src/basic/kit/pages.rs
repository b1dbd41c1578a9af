//! The pages of a register: the list, one record with its reveal, the new and edit forms.

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use wangge_domain::Error;
use wangge_domain::basic::FieldError;
use wangge_store::auth::Principal;
use wangge_store::basic::history;

use super::{
    Extra, Field, Input, ListQuery, Register, Row, list_rows, remove, reveal_secret, save,
    secrets_of,
};
use crate::auth::Me;
use crate::basic::access::{access_of, today};
use crate::basic::area::{grid_options, node_options};
use crate::basic::form::{
    Fields, FormBuilder, Opt, f, form_page, no_store, parse_id, read_form, shown_on_page, status_of,
};
use crate::basic::people::row_view;
use crate::basic::views::{ListPage, ListRow, RecordPage, SecretView, SelectView, history_view};
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render};

/// The generic list page.
pub async fn list_view<R: Register>(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    q: &ListQuery,
) -> Result<Response, Error> {
    let a = access_of(p)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let list = list_rows::<R>(s, h, p, &scope, &a, q).await?;
    let day = today(s.now())?;
    let l = Layout::new(lang, Some(p.clone()), R::KEYS.list);
    let t = l.t;
    let base = format!("/{}", R::BASE);
    Ok(render(ListPage {
        new_href: if a.write {
            format!("{base}/new")
        } else {
            String::new()
        },
        new_label: t.s(R::KEYS.new).into(),
        placeholder: t.s(R::KEYS.search).into(),
        q: q.text().into(),
        nodes: node_options(h, p, q.under()).await?,
        selects: R::FILTERS
            .iter()
            .map(|fd| SelectView {
                name: fd.name.into(),
                all_label: t.s(fd.all).into(),
                options: fd.options(&t, q.get(fd.name)),
            })
            .collect(),
        columns: R::COLUMNS.iter().map(|k| t.s(k).to_string()).collect(),
        rows: list
            .rows
            .iter()
            .map(|r| ListRow {
                href: format!("{base}/{}", r.id()),
                cells: R::cells(&t, r, day),
            })
            .collect(),
        next_href: list.next_href,
        first_href: list.first_href,
        paged: list.after.is_some(),
        base,
        l,
    }))
}

/// The generic detail page: facts, masked secrets with their reveal forms, the people living
/// there when the register has them, the history.
pub async fn detail_view<R: Register>(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    extra: Extra,
) -> Result<Response, Error> {
    let a = access_of(p)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let r = R::get(h, &scope, id).await?;
    let occupants = R::occupants(h, &s.keys, &scope, id).await?;
    let hist = history::of(h, &scope, R::TABLE, id).await?;
    let day = today(s.now())?;
    let l = Layout::new(lang, Some(p.clone()), R::KEYS.one);
    let t = l.t;
    let current = json!(r);
    let secrets = secret_views(&t, R::FIELDS, &current, &extra);
    Ok(no_store(render(RecordPage {
        heading: R::heading(&r),
        back_href: format!("/{}", R::BASE),
        back_label: t.s(R::KEYS.list).into(),
        base: format!("/{}/{id}", R::BASE),
        removed: r.removed(),
        write: a.write,
        reveal: a.reveal,
        facts: R::facts(&t, &r, day),
        secrets,
        reveal_error: extra.reveal_error,
        done: extra.done,
        show_occupants: occupants.is_some(),
        occupants: occupants
            .unwrap_or_default()
            .iter()
            .map(|m| row_view(&t, m, day))
            .collect(),
        history: history_view(&t, &hist, &current, R::HISTORY),
        l,
    })))
}

/// The sealed fields that hold a value, masked (or revealed by this response).
pub fn secret_views(t: &Tr, fields: &[Field], row: &Value, extra: &Extra) -> Vec<SecretView> {
    fields
        .iter()
        .filter_map(|fd| {
            let sealed = fd.sealed?;
            let masked = row.get(sealed.mask)?.as_str()?;
            Some(SecretView {
                secret: sealed.secret.as_str().to_string(),
                label: t.s(&format!("bf.{}", fd.name)).to_string(),
                masked: masked.to_string(),
                revealed: extra.shown(sealed.secret),
            })
        })
        .collect()
}

/// Validates and writes a record (new when `id` is `None`); blank sealed fields of an edit keep
/// the stored values.
/// The pages of a register: list, new, one record, edit, remove, and reveal when it seals any.
pub fn page_routes<R: Register>() -> Router<AppState> {
    let base = format!("/{}", R::BASE);
    let r = Router::new()
        .route(&base, get(list_page::<R>))
        .route(&format!("{base}/new"), get(new_page::<R>).post(create::<R>))
        .route(&format!("{base}/{{id}}"), get(detail_page::<R>))
        .route(
            &format!("{base}/{{id}}/edit"),
            get(edit_page::<R>).post(update::<R>),
        )
        .route(&format!("{base}/{{id}}/remove"), post(remove_page::<R>));
    if secrets_of::<R>().is_empty() {
        r
    } else {
        r.route(&format!("{base}/{{id}}/reveal"), post(reveal_page::<R>))
    }
}

async fn list_page<R: Register>(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    Ok(R::list_page(&s, lang, &p, &q).await?)
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn detail_page<R: Register>(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let extra = Extra {
        done: q.done.unwrap_or_default(),
        ..Default::default()
    };
    Ok(R::detail(&s, lang, &p, id, extra).await?)
}

async fn reveal_page<R: Register>(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let form = read_form(req).await?;
    let extra = match reveal_secret::<R>(&s, &p, f(&form, "secret"), id, f(&form, "reason")).await {
        Ok(v) => Extra {
            revealed: Some(v),
            ..Default::default()
        },
        Err(e) => {
            let e = shown_on_page(e)?;
            let extra = Extra {
                reveal_error: Tr::new(lang).error(&e),
                ..Default::default()
            };
            let mut r = R::detail(&s, lang, &p, id, extra).await?;
            *r.status_mut() = status_of(&e);
            return Ok(r);
        }
    };
    Ok(R::detail(&s, lang, &p, id, extra).await?)
}

async fn remove_page<R: Register>(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    remove::<R>(&s, &p, id).await?;
    Ok(Redirect::to(&format!("/{}/{id}?done=removed", R::BASE)).into_response())
}

async fn form_view<R: Register>(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: Option<i64>,
    values: &Fields,
    errors: &[FieldError],
    general: Option<&Error>,
) -> Result<Response, Error> {
    let mut c = s.db.conn().await?;
    let grids = grid_options(&mut c.handle(), &p.scope()).await?;
    let title = if id.is_some() {
        R::KEYS.edit
    } else {
        R::KEYS.new
    };
    let l = Layout::new(lang, Some(p.clone()), title);
    let t = l.t;
    let mut b = FormBuilder::new(&t, values, errors);
    for fd in R::FIELDS {
        add_field(&mut b, fd, id.is_some(), &grids);
    }
    let base = format!("/{}", R::BASE);
    let (action, back) = match id {
        Some(i) => (format!("{base}/{i}/edit"), format!("{base}/{i}")),
        None => (format!("{base}/new"), base),
    };
    Ok(form_page(l, action, back, b, general))
}

/// One field's input. A sealed value is never shown: an edit keeps it when left blank, so
/// there it is not required and says so.
fn add_field(b: &mut FormBuilder<'_>, fd: &Field, editing: bool, grids: &[Opt]) {
    let t = b.t;
    let (required, hint) = match fd.sealed {
        Some(_) if editing => (false, "basic.keep_blank"),
        _ => (fd.required, fd.hint),
    };
    let v = match fd.input {
        Input::Grid => b.select(fd.name, required, grids.to_vec()),
        Input::Select(c) => b.select(fd.name, required, c.options(t, "")),
        Input::YesNo => b.yes_no(fd.name),
        Input::Text => b.add(fd.name, "text", required),
        Input::Tel => b.add(fd.name, "tel", required),
        Input::Date => b.add(fd.name, "date", required),
        Input::Number => b.add(fd.name, "number", required),
        Input::TextArea => b.add(fd.name, "textarea", required),
    };
    if !hint.is_empty() {
        v.hint = t.s(hint).to_string();
    }
}

async fn new_page<R: Register>(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
) -> AppResult<Response> {
    access_of(&p)?.require_write()?;
    let mut v = Fields::new();
    if p.node_kind == wangge_domain::NodeKind::Grid {
        v.insert("grid_code".into(), p.node_code.clone());
    }
    for (name, value) in R::DEFAULTS {
        v.insert(name.to_string(), value.to_string());
    }
    Ok(form_view::<R>(&s, lang, &p, None, &v, &[], None).await?)
}

async fn edit_page<R: Register>(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    access_of(&p)?.require_write()?;
    let v = {
        let mut c = s.db.conn().await?;
        let h = &mut c.handle();
        let row = R::get(h, &p.scope(), id).await?;
        R::values_of(h, &p.scope(), &row).await?
    };
    Ok(form_view::<R>(&s, lang, &p, Some(id), &v, &[], None).await?)
}

async fn save_form<R: Register>(
    s: AppState,
    lang: Lang,
    p: Principal,
    id: Option<i64>,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    // What the user typed goes back to them (no-store); stored values never do.
    let (errs, general) = match save::<R>(&s, &p, id, &values).await {
        Ok(id) => {
            return Ok(Redirect::to(&format!("/{}/{id}?done=saved", R::BASE)).into_response());
        }
        Err(e) => e.into_form()?,
    };
    Ok(form_view::<R>(&s, lang, &p, id, &values, &errs, general.as_ref()).await?)
}

async fn create<R: Register>(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    save_form::<R>(s, lang, p, None, req).await
}

async fn update<R: Register>(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    save_form::<R>(s, lang, p, Some(id), req).await
}
