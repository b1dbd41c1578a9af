//! People (实有人口): the list with search and counts, one person's page with reveal, tags and
//! history, and the create/edit form.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use wangge_domain::basic::validate::{self, PersonFields};
use wangge_domain::basic::{
    Education, FieldError, KeyGroup, Person, PersonTag, Relation, Residence, Sex,
};
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_domain::{Error, Scope};
use wangge_store::Handle;
use wangge_store::auth::Principal;
use wangge_store::basic::people::{self, Filter, PersonRow};
use wangge_store::basic::{self, Secret, history, houses, web_support};

use super::{
    Access, Fact, FieldView, Fields, FormBuilder, HistoryView, Opt, SecretView, access_of, actor,
    coded_label, coded_options, f, fact, fields_error, grid_options, history_view, next_href,
    no_store, node_options, opt_text, parse_after, parse_id, read_form, today, under_path,
};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::pages::{Layout, group_digits, render, time_text};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/people", get(list_page))
        .route("/people/new", get(new_page).post(create))
        .route("/people/{id}", get(detail_page))
        .route("/people/{id}/edit", get(edit_page).post(update))
        .route("/people/{id}/reveal", post(reveal))
        .route("/people/{id}/tags", post(add_tag))
        .route("/people/{id}/tags/{tag}/end", post(end_tag))
        .route("/people/{id}/remove", post(remove))
}

pub fn label_of(t: &Tr, prefix: &str, code: &str) -> String {
    let zh = match prefix {
        "sex" => Sex::parse(code).map(Sex::label_zh),
        "residence" => Residence::parse(code).map(Residence::label_zh),
        "relation" => Relation::parse(code).map(Relation::label_zh),
        "education" => Education::parse(code).map(Education::label_zh),
        "tag" => KeyGroup::parse(code).map(KeyGroup::label_zh),
        _ => None,
    };
    match zh {
        Some(zh) => coded_label(t, prefix, code, zh),
        None => code.to_string(),
    }
}

/// A person in a list.
pub struct RowView {
    pub id: i64,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub id_masked: String,
    pub phone_masked: String,
    pub residence: String,
    pub grid: String,
    pub address: String,
    pub relation: String,
}

pub fn row_view(t: &Tr, p: &PersonRow) -> RowView {
    RowView {
        id: p.id,
        name: p.name.clone(),
        sex: label_of(t, "sex", &p.sex),
        birth_date: p.birth_date.clone(),
        id_masked: p.id_masked.clone(),
        phone_masked: opt_text(&p.phone_masked),
        residence: label_of(t, "residence", &p.residence),
        grid: p.grid_name.clone(),
        address: opt_text(&p.house_address),
        relation: p
            .relation
            .as_deref()
            .map(|r| label_of(t, "relation", r))
            .unwrap_or_default(),
    }
}

/// One count of the summary above a list.
pub struct CountView {
    pub label: String,
    pub n: String,
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
    let main = vec![
        CountView {
            label: t.s("basic.households").to_string(),
            n: group_digits(c.households),
        },
        CountView {
            label: t.s("basic.people").to_string(),
            n: group_digits(c.people),
        },
        CountView {
            label: t.s("basic.houses").to_string(),
            n: group_digits(c.houses),
        },
        CountView {
            label: t.s("basic.orgs").to_string(),
            n: group_digits(c.orgs),
        },
        CountView {
            label: t.s("basic.objects").to_string(),
            n: group_digits(c.objects),
        },
    ];
    let residence = c
        .by_residence
        .iter()
        .map(|(r, n)| CountView {
            label: label_of(t, "residence", r.as_str()),
            n: group_digits(*n),
        })
        .collect();
    let tags = if with_tags {
        c.by_tag
            .iter()
            .map(|(g, n)| CountView {
                label: label_of(t, "tag", g.as_str()),
                n: group_digits(*n),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok((main, residence, tags))
}

const PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "basic_people.html")]
struct ListPage {
    l: Layout,
    a: Access,
    q: String,
    nodes: Vec<Opt>,
    tags: Vec<Opt>,
    residences: Vec<Opt>,
    counts: Vec<CountView>,
    by_residence: Vec<CountView>,
    by_tag: Vec<CountView>,
    rows: Vec<RowView>,
    next_href: String,
    first_href: String,
    paged: bool,
    /// Houses whose address matches a search that found nobody by name: (link, address, occupants).
    houses: Vec<(String, String, i64)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub under: Option<String>,
    pub tag: Option<String>,
    pub residence: Option<String>,
    pub after: Option<String>,
    pub limit: Option<String>,
}

fn non_empty(s: &Option<String>) -> &str {
    s.as_deref().map(str::trim).unwrap_or("")
}

/// Checks a list query; a tag filter needs a role that may see tags.
pub async fn parse_list(
    h: &mut Handle<'_>,
    scope: &Scope,
    a: &Access,
    q: &ListQuery,
) -> Result<(Filter, Option<i64>), Error> {
    let tag = match non_empty(&q.tag) {
        "" => None,
        v => {
            if !a.tags {
                return Err(err!("auth.forbidden"));
            }
            Some(KeyGroup::parse(v).ok_or_else(|| err!("basic.tag_invalid", group = v))?)
        }
    };
    let residence = match non_empty(&q.residence) {
        "" => None,
        v => Some(Residence::parse(v).ok_or_else(|| err!("basic.residence_invalid", value = v))?),
    };
    let text = non_empty(&q.q);
    Ok((
        Filter {
            under: under_path(h, scope, non_empty(&q.under)).await?,
            q: (!text.is_empty()).then(|| text.chars().take(60).collect()),
            tag,
            residence,
            ..Default::default()
        },
        parse_after(q.after.as_deref())?,
    ))
}

async fn list_page(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let a = access_of(&p)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let (filter, after) = parse_list(h, &scope, &a, &q).await?;
    let rows = people::list(h, &s.keys, &scope, &filter, after, PAGE + 1).await?;
    // A text that names nobody may be an address: offer the houses it matches.
    let houses = match filter.q.as_deref().and_then(people::Query::classify) {
        Some(people::Query::Name(text)) if rows.is_empty() && after.is_none() => {
            let hf = houses::Filter {
                under: filter.under.clone(),
                q: Some(text),
                ..Default::default()
            };
            houses::list(h, &scope, &hf, None, 20)
                .await?
                .into_iter()
                .map(|r| (format!("/houses/{}", r.id), r.address, r.occupants))
                .collect()
        }
        _ => Vec::new(),
    };
    let l = Layout::new(lang, Some(p.clone()), "basic.people_title");
    let t = l.t;
    let path = filter
        .under
        .clone()
        .unwrap_or_else(|| scope.path().to_string());
    // The area's counts head a browse; a search or a later page skips them (they answer
    // nothing the searcher asked and cost a read over the whole area).
    let (counts, by_residence, by_tag) = if filter.q.is_none() && after.is_none() {
        count_views(&s, h, &t, &scope, &path, a.tags).await?
    } else {
        Default::default()
    };
    let more = rows.len() as i64 > PAGE;
    let rows: Vec<PersonRow> = rows.into_iter().take(PAGE as usize).collect();
    let params = [
        ("q", non_empty(&q.q)),
        ("under", non_empty(&q.under)),
        ("tag", non_empty(&q.tag)),
        ("residence", non_empty(&q.residence)),
    ];
    let next = next_href(
        "/people",
        &params,
        if more {
            rows.last().map(|r| r.id)
        } else {
            None
        },
    );
    let mut first = next_href("/people", &params, Some(0));
    first = first.replace("after=0", "");
    Ok(render(ListPage {
        nodes: node_options(h, &p, non_empty(&q.under)).await?,
        tags: if a.tags {
            coded_options(&t, "tag", &pairs!(KeyGroup), non_empty(&q.tag))
        } else {
            Vec::new()
        },
        residences: coded_options(&t, "residence", &pairs!(Residence), non_empty(&q.residence)),
        counts,
        by_residence,
        by_tag,
        rows: rows.iter().map(|r| row_view(&t, r)).collect(),
        next_href: next,
        first_href: first,
        paged: after.is_some(),
        houses,
        q: non_empty(&q.q).to_string(),
        a,
        l,
    }))
}

// ---------- one person ----------

pub struct TagView {
    pub id: i64,
    pub label: String,
    pub since: String,
    pub until: String,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "basic_person.html")]
struct DetailPage {
    l: Layout,
    a: Access,
    id: i64,
    name: String,
    removed: bool,
    facts: Vec<Fact>,
    secrets: Vec<SecretView>,
    reveal_error: String,
    members: Vec<RowView>,
    house_href: String,
    tags: Vec<TagView>,
    tag_options: Vec<Opt>,
    tag_error: String,
    today: String,
    history: Vec<HistoryView>,
    done: String,
}

/// What a detail page shows besides the record: a revealed value or an error of a form on it.
#[derive(Default)]
pub struct Extra {
    pub revealed: Option<(Secret, String)>,
    pub reveal_error: String,
    pub tag_error: String,
    pub done: String,
}

pub fn person_facts(t: &Tr, p: &PersonRow) -> Vec<Fact> {
    let mut v = vec![
        fact(t, "bf.sex", label_of(t, "sex", &p.sex)),
        fact(t, "bf.birth_date", p.birth_date.clone()),
        fact(t, "bf.ethnic", p.ethnic.clone()),
        fact(t, "bf.residence", label_of(t, "residence", &p.residence)),
        fact(t, "bf.registered_address", p.registered_address.clone()),
    ];
    let mut grid = fact(
        t,
        "bf.grid_code",
        format!("{} {}", p.grid_name, p.grid_code),
    );
    grid.href = format!("/grids/{}", p.grid_code);
    v.push(grid);
    if let Some(d) = &p.arrived_on {
        v.push(fact(t, "bf.arrived_on", d.clone()));
    }
    if let Some(d) = &p.left_on {
        v.push(fact(t, "bf.left_on", d.clone()));
    }
    v.push(fact(
        t,
        "bf.party_member",
        t.s(if p.party_member {
            "common.yes"
        } else {
            "common.no"
        }),
    ));
    if let Some(e) = &p.education {
        v.push(fact(t, "bf.education", label_of(t, "education", e)));
    }
    if let Some(o) = &p.occupation {
        v.push(fact(t, "bf.occupation", o.clone()));
    }
    if let Some(a) = &p.house_address {
        let mut h = fact(t, "bf.house", a.clone());
        if let Some(id) = p.house_id {
            h.href = format!("/houses/{id}");
        }
        v.push(h);
    }
    if let Some(n) = &p.household_no {
        v.push(fact(t, "bf.household_no", n.clone()));
    }
    if let Some(r) = &p.relation {
        v.push(fact(t, "bf.relation", label_of(t, "relation", r)));
    }
    v.push(fact(t, "basic.updated_at", time_text(p.updated_at)));
    v
}

async fn detail_view(
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
    let person = people::get(h, &scope, id).await?;
    let members = match person.household_id {
        Some(hh) => {
            let f = Filter {
                household_id: Some(hh),
                ..Default::default()
            };
            people::list(h, &s.keys, &scope, &f, None, 100).await?
        }
        None => Vec::new(),
    };
    let tags = if a.tags {
        people::tags(h, &s.keys, &scope, id).await?
    } else {
        Vec::new()
    };
    let hist = history::of(h, &scope, history::Table::People, id).await?;
    let l = Layout::new(lang, Some(p.clone()), "basic.person_title");
    let t = l.t;
    let revealed = |sec: Secret| match &extra.revealed {
        Some((x, v)) if *x == sec => v.clone(),
        _ => String::new(),
    };
    let mut secrets = vec![SecretView {
        secret: Secret::PersonIdNumber.as_str().to_string(),
        label: t.s("bf.id_number").to_string(),
        masked: person.id_masked.clone(),
        revealed: revealed(Secret::PersonIdNumber),
    }];
    if let Some(m) = &person.phone_masked {
        secrets.push(SecretView {
            secret: Secret::PersonPhone.as_str().to_string(),
            label: t.s("bf.phone").to_string(),
            masked: m.clone(),
            revealed: revealed(Secret::PersonPhone),
        });
    }
    let page = render(DetailPage {
        id,
        name: person.name.clone(),
        removed: person.removed_at.is_some(),
        facts: person_facts(&t, &person),
        secrets,
        reveal_error: extra.reveal_error,
        members: members
            .iter()
            .filter(|m| m.id != id)
            .map(|m| row_view(&t, m))
            .collect(),
        house_href: person
            .house_id
            .map(|i| format!("/houses/{i}"))
            .unwrap_or_default(),
        tags: tags
            .iter()
            .map(|g| TagView {
                id: g.id,
                label: label_of(&t, "tag", &g.group),
                since: g.since.clone(),
                until: opt_text(&g.until),
                open: g.until.is_none(),
            })
            .collect(),
        tag_options: coded_options(&t, "tag", &pairs!(KeyGroup), ""),
        tag_error: extra.tag_error,
        today: today(s.now())?.to_string(),
        history: history_view(
            &t,
            &hist,
            &serde_json::json!(person),
            &[
                ("name", "bf.name"),
                ("sex", "bf.sex"),
                ("birth_date", "bf.birth_date"),
                ("id_masked", "bf.id_number"),
                ("phone_masked", "bf.phone"),
                ("ethnic", "bf.ethnic"),
                ("registered_address", "bf.registered_address"),
                ("residence", "bf.residence"),
                ("arrived_on", "bf.arrived_on"),
                ("left_on", "bf.left_on"),
                ("party_member", "bf.party_member"),
                ("education", "bf.education"),
                ("occupation", "bf.occupation"),
                ("relation", "bf.relation"),
            ],
            |col, v| {
                matches!(col, "sex" | "residence" | "relation" | "education")
                    .then(|| label_of(&t, col, v))
            },
        ),
        done: extra.done,
        a,
        l,
    });
    // Every person page carries personal data, a revealed value above all: never cached.
    Ok(no_store(page))
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn detail_page(
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
    Ok(detail_view(&s, lang, &p, id, extra).await?)
}

/// Opens a secret of a person for the caller (the store writes the audit row).
pub async fn reveal_person(
    s: &AppState,
    p: &Principal,
    id: i64,
    secret: &str,
    reason: &str,
) -> Result<(Secret, String), Error> {
    let a = access_of(p)?;
    let secret = match Secret::parse(secret) {
        Some(x @ (Secret::PersonIdNumber | Secret::PersonPhone)) => x,
        _ => {
            return Err(err!("basic.secret_invalid"));
        }
    };
    let mut tx = s.db.begin().await?;
    let value = basic::reveal(
        &mut tx.handle(),
        &s.keys,
        &p.scope(),
        &actor(p),
        a.reveal,
        secret,
        id,
        reason,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok((secret, value))
}

async fn reveal(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let form = read_form(req).await?;
    match reveal_person(&s, &p, id, f(&form, "secret"), f(&form, "reason")).await {
        Ok(v) => Ok(detail_view(
            &s,
            lang,
            &p,
            id,
            Extra {
                revealed: Some(v),
                ..Default::default()
            },
        )
        .await?),
        Err(e) if e.status == 404 || e.status == 403 => Err(AppError(e)),
        Err(e) => {
            let t = Tr::new(lang);
            let mut r = detail_view(
                &s,
                lang,
                &p,
                id,
                Extra {
                    reveal_error: t.error(&e),
                    ..Default::default()
                },
            )
            .await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(r)
        }
    }
}

/// Parses a tag form or API body.
pub fn parse_tag(group: &str, since: &str, until: &str, today: Date) -> Result<PersonTag, Error> {
    let g = KeyGroup::parse(group).ok_or_else(|| err!("basic.tag_invalid", group))?;
    let since = match since.trim() {
        "" => today,
        v => validate::parse_date("since", v).map_err(|e| fields_error(&[e]))?,
    };
    let until = match until.trim() {
        "" => None,
        v => Some(validate::parse_date("until", v).map_err(|e| fields_error(&[e]))?),
    };
    Ok(PersonTag {
        group: g,
        since,
        until,
    })
}

pub async fn add_tag_for(
    s: &AppState,
    p: &Principal,
    id: i64,
    tag: &PersonTag,
) -> Result<i64, Error> {
    let a = access_of(p)?;
    a.require_write()?;
    let mut tx = s.db.begin().await?;
    let tag_id = people::add_tag(
        &mut tx.handle(),
        &s.keys,
        &p.scope(),
        &actor(p),
        id,
        tag,
        s.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(tag_id)
}

async fn add_tag(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let form = read_form(req).await?;
    let result = async {
        let tag = parse_tag(
            f(&form, "group"),
            f(&form, "since"),
            f(&form, "until"),
            today(s.now())?,
        )?;
        add_tag_for(&s, &p, id, &tag).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}?done=tag#tags")).into_response()),
        Err(e) if e.status == 404 || e.status == 403 => Err(AppError(e)),
        Err(e) => {
            let t = Tr::new(lang);
            let extra = Extra {
                tag_error: t.error(&e),
                ..Default::default()
            };
            let mut r = detail_view(&s, lang, &p, id, extra).await?;
            *r.status_mut() = axum::http::StatusCode::from_u16(e.status)
                .unwrap_or(axum::http::StatusCode::BAD_REQUEST);
            Ok(r)
        }
    }
}

/// Ends one of the person's tags (a tag of someone else is "not found").
pub async fn end_tag_for(
    s: &AppState,
    p: &Principal,
    person_id: i64,
    tag_id: i64,
    until: &str,
) -> Result<(), Error> {
    let a = access_of(p)?;
    a.require_write()?;
    let until = match until.trim() {
        "" => today(s.now())?,
        v => validate::parse_date("until", v).map_err(|e| fields_error(&[e]))?,
    };
    let mut tx = s.db.begin().await?;
    let h = &mut tx.handle();
    if !people::tags(h, &s.keys, &p.scope(), person_id)
        .await?
        .iter()
        .any(|t| t.id == tag_id)
    {
        return Err(err!("basic.not_found", id = tag_id));
    }
    people::end_tag(h, &p.scope(), &actor(p), tag_id, until, s.now()).await?;
    tx.commit().await?;
    Ok(())
}

async fn end_tag(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path((id, tag)): Path<(String, String)>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let tag = parse_id(&tag)?;
    let form = read_form(req).await?;
    match end_tag_for(&s, &p, id, tag, f(&form, "until")).await {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}?done=tag_end#tags")).into_response()),
        Err(e) if e.status == 404 || e.status == 403 => Err(AppError(e)),
        Err(e) => {
            let t = Tr::new(lang);
            let extra = Extra {
                tag_error: t.error(&e),
                ..Default::default()
            };
            Ok(detail_view(&s, lang, &p, id, extra).await?)
        }
    }
}

async fn remove(
    State(s): State<AppState>,
    Me(p): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    remove_person(&s, &p, id).await?;
    Ok(Redirect::to(&format!("/people/{id}?done=removed")).into_response())
}

pub async fn remove_person(s: &AppState, p: &Principal, id: i64) -> Result<(), Error> {
    access_of(p)?.require_write()?;
    let mut tx = s.db.begin().await?;
    people::remove(&mut tx.handle(), &p.scope(), &actor(p), id, s.now()).await?;
    tx.commit().await?;
    Ok(())
}

// ---------- the form ----------

#[derive(Template)]
#[template(path = "basic_form.html")]
pub struct FormPage {
    pub l: Layout,
    pub heading: String,
    pub action: String,
    pub back: String,
    pub fields: Vec<FieldView>,
    pub errors: Vec<String>,
}

pub fn person_fields(m: &Fields) -> PersonFields<'_> {
    PersonFields {
        grid_code: f(m, "grid_code"),
        name: f(m, "name"),
        sex: f(m, "sex"),
        birth_date: f(m, "birth_date"),
        id_number: f(m, "id_number"),
        phone: f(m, "phone"),
        ethnic: f(m, "ethnic"),
        registered_address: f(m, "registered_address"),
        residence: f(m, "residence"),
        arrived_on: f(m, "arrived_on"),
        left_on: f(m, "left_on"),
        party_member: f(m, "party_member"),
        education: f(m, "education"),
        occupation: f(m, "occupation"),
        building: f(m, "building"),
        unit: f(m, "unit"),
        room: f(m, "room"),
        household_no: f(m, "household_no"),
        relation: f(m, "relation"),
    }
}

/// The form's values from a stored person; the secrets stay blank (blank keeps them).
async fn values_of(h: &mut Handle<'_>, scope: &Scope, p: &PersonRow) -> Result<Fields, Error> {
    let mut m = Fields::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    put("grid_code", p.grid_code.clone());
    put("name", p.name.clone());
    put("sex", p.sex.clone());
    put("birth_date", p.birth_date.clone());
    put("ethnic", p.ethnic.clone());
    put("registered_address", p.registered_address.clone());
    put("residence", p.residence.clone());
    put("arrived_on", opt_text(&p.arrived_on));
    put("left_on", opt_text(&p.left_on));
    put("party_member", p.party_member.to_string());
    put("education", opt_text(&p.education));
    put("occupation", opt_text(&p.occupation));
    put("household_no", opt_text(&p.household_no));
    put("relation", opt_text(&p.relation));
    if let Some(hid) = p.house_id {
        let house = houses::get(h, scope, hid).await?;
        put("building", house.building);
        put("unit", house.unit);
        put("room", house.room);
    }
    Ok(m)
}

async fn form_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: Option<i64>,
    values: &Fields,
    errors: &[FieldError],
    general: Option<Error>,
) -> Result<Response, Error> {
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let grids = grid_options(h, &scope, "").await?;
    let l = Layout::new(
        lang,
        Some(p.clone()),
        if id.is_some() {
            "basic.person_edit"
        } else {
            "basic.person_new"
        },
    );
    let t = l.t;
    let mut b = FormBuilder::new(&t, values, errors);
    b.select("grid_code", true, grids);
    b.add("name", "text", true);
    b.add("id_number", "text", id.is_none()).hint = t
        .s(if id.is_some() {
            "basic.keep_blank"
        } else {
            "basic.id_hint"
        })
        .to_string();
    b.select("sex", false, coded_options(&t, "sex", &pairs!(Sex), ""));
    b.add("birth_date", "date", false);
    b.add("phone", "tel", false).hint = if id.is_some() {
        t.s("basic.keep_blank").to_string()
    } else {
        String::new()
    };
    b.add("ethnic", "text", false);
    b.add("registered_address", "text", false);
    b.select(
        "residence",
        true,
        coded_options(&t, "residence", &pairs!(Residence), ""),
    );
    b.add("arrived_on", "date", false);
    b.add("left_on", "date", false);
    b.yes_no("party_member");
    b.select(
        "education",
        false,
        coded_options(&t, "education", &pairs!(Education), ""),
    );
    b.add("occupation", "text", false);
    b.add("building", "text", false);
    b.add("unit", "text", false);
    b.add("room", "text", false);
    b.add("household_no", "text", false);
    b.select(
        "relation",
        false,
        coded_options(&t, "relation", &pairs!(Relation), ""),
    );
    let (action, back) = match id {
        Some(i) => (format!("/people/{i}/edit"), format!("/people/{i}")),
        None => ("/people/new".to_string(), "/people".to_string()),
    };
    Ok(super::form_page(l, action, back, b, general.as_ref()))
}

async fn new_page(State(s): State<AppState>, lang: Lang, Me(p): Me) -> AppResult<Response> {
    access_of(&p)?.require_write()?;
    let mut v = Fields::new();
    if p.node_kind == "grid" {
        v.insert("grid_code".into(), p.node_code.clone());
    }
    v.insert("residence".into(), "registered".into());
    v.insert("ethnic".into(), "汉族".into());
    Ok(form_view(&s, lang, &p, None, &v, &[], None).await?)
}

async fn edit_page(
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
        let row = people::get(h, &p.scope(), id).await?;
        values_of(h, &p.scope(), &row).await?
    };
    Ok(form_view(&s, lang, &p, Some(id), &v, &[], None).await?)
}

/// Why saving a person failed: field errors (shown beside the fields) or another error.
pub enum SaveError {
    Fields(Vec<FieldError>),
    Other(Error),
}

impl From<Error> for SaveError {
    fn from(e: Error) -> Self {
        SaveError::Other(e)
    }
}

impl SaveError {
    /// What a form submit shows when saving failed: the form again with the field errors or a
    /// message; a refusal (403) or a record outside the area (404) is an error page instead.
    pub fn into_form(self) -> Result<(Vec<FieldError>, Option<Error>), AppError> {
        match self {
            SaveError::Fields(errs) => Ok((errs, None)),
            SaveError::Other(e) if e.status == 403 || e.status == 404 => Err(AppError(e)),
            SaveError::Other(e) => Ok((Vec::new(), Some(e))),
        }
    }

    pub fn into_error(self) -> Error {
        match self {
            SaveError::Fields(v) => fields_error(&v),
            SaveError::Other(e) => e,
        }
    }
}

/// Validates and writes a person (new when `id` is `None`); blank secrets on an edit keep the
/// stored values.
pub async fn save_person(
    s: &AppState,
    p: &Principal,
    id: Option<i64>,
    values: &Fields,
) -> Result<i64, SaveError> {
    access_of(p)?.require_write()?;
    let scope = p.scope();
    let mut values = values.clone();
    let mut tx = s.db.begin().await?;
    if let Some(id) = id {
        let h = &mut tx.handle();
        for (name, secret) in [
            ("id_number", Secret::PersonIdNumber),
            ("phone", Secret::PersonPhone),
        ] {
            if f(&values, name).is_empty()
                && let Some(v) = web_support::current_secret(h, &s.keys, &scope, secret, id).await?
            {
                values.insert(name.to_string(), v);
            }
        }
    }
    let now = s.now();
    let person: Person =
        validate::person(&person_fields(&values), today(now)?).map_err(SaveError::Fields)?;
    let h = &mut tx.handle();
    let id = match id {
        Some(id) => {
            people::update(h, &s.keys, &scope, &actor(p), id, &person, now).await?;
            id
        }
        None => people::insert(h, &s.keys, &scope, &actor(p), &person, now).await?,
    };
    tx.commit().await?;
    Ok(id)
}

async fn save_form(
    s: AppState,
    lang: Lang,
    p: Principal,
    id: Option<i64>,
    req: Request,
) -> AppResult<Response> {
    let values = read_form(req).await?;
    // What the user typed goes back to them (no-store); stored values never do.
    let (errs, general) = match save_person(&s, &p, id, &values).await {
        Ok(id) => return Ok(Redirect::to(&format!("/people/{id}?done=saved")).into_response()),
        Err(e) => e.into_form()?,
    };
    Ok(form_view(&s, lang, &p, id, &values, &errs, general).await?)
}

async fn create(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    req: Request,
) -> AppResult<Response> {
    save_form(s, lang, p, None, req).await
}

async fn update(
    State(s): State<AppState>,
    lang: Lang,
    Me(p): Me,
    Path(id): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    save_form(s, lang, p, Some(id), req).await
}
