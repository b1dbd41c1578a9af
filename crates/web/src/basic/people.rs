//! People (实有人口): the register of people on the kit, with what is theirs alone: a list that
//! heads a browse with the area's counts and offers houses when a search names nobody, a page
//! with the household's members and the key-group tags (see `tags`), and the form's house
//! (building, unit, room) read from the house a person lives in. Lists show each person's age
//! at today's date (the app's clock) and filter by an age range (`age_min`, `age_max`).

use askama::Template;
use axum::response::Response;
use serde_json::{Map, Value, json};
use wangge_domain::basic::dates::born_by;
use wangge_domain::basic::validate::{self, FieldError, PersonFields};
use wangge_domain::basic::{Education, KeyGroup, Person, Relation, Residence, Sex};
use wangge_domain::calendar::Date;
use wangge_domain::err;
use wangge_domain::{Error, Scope};
use wangge_store::Handle;
use wangge_store::auth::Principal;
use wangge_store::basic::people::{self, Filter, PersonRow};
use wangge_store::basic::{Secret, history, houses};
use wangge_store::seal::KeyRing;

use super::access::{Access, access_of, today};
use super::area::node_options;
use super::counts::{CountView, count_views};
use super::form::{Coded, Fields, Opt, coded, from_form, no_store, opt_text};
use super::kit::{self, Extra, Field, FilterDef, Keys, ListQuery, Register};
use super::tags::TagView;
use super::views::{Fact, HistoryView, SecretView, Shown, fact, grid_fact, history_view};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::{Layout, render, time_text};

pub const SEX: Coded = coded!(Sex, "sex");
pub const RESIDENCE: Coded = coded!(Residence, "residence");
pub const RELATION: Coded = coded!(Relation, "relation");
pub const EDUCATION: Coded = coded!(Education, "education");
pub const TAG: Coded = coded!(KeyGroup, "tag");

pub struct People;

kit::row!(PersonRow);

impl Register for People {
    const BASE: &'static str = "people";
    const KEYS: Keys = Keys {
        list: "basic.people_title",
        one: "basic.person_title",
        new: "basic.person_new",
        edit: "basic.person_edit",
        search: "basic.people_search",
    };
    const TABLE: history::Table = history::Table::People;
    const FIELDS: &'static [Field] = &[
        Field::grid(),
        Field::text("name").required(),
        Field::text("id_number")
            .required()
            .hint("basic.id_hint")
            .sealed(Secret::PersonIdNumber, "id_masked"),
        Field::select("sex", SEX),
        Field::date("birth_date"),
        Field::tel("phone").sealed(Secret::PersonPhone, "phone_masked"),
        Field::text("ethnic"),
        Field::text("registered_address"),
        Field::select("residence", RESIDENCE).required(),
        Field::date("arrived_on"),
        Field::date("left_on"),
        Field::yes_no("party_member"),
        Field::select("education", EDUCATION),
        Field::text("occupation"),
        Field::text("building"),
        Field::text("unit"),
        Field::text("room"),
        Field::text("household_no"),
        Field::select("relation", RELATION),
    ];
    const FILTERS: &'static [FilterDef] = &[
        FilterDef::coded("tag", "basic.all_tags", TAG),
        FilterDef::coded("residence", "basic.all_residence", RESIDENCE),
    ];
    const HISTORY: &'static [Shown] = &[
        Shown::plain("name", "bf.name"),
        Shown::coded("sex", "bf.sex", SEX),
        Shown::plain("birth_year", "bf.birth_year"),
        Shown::plain("id_masked", "bf.id_number"),
        Shown::plain("phone_masked", "bf.phone"),
        Shown::plain("ethnic", "bf.ethnic"),
        Shown::plain("registered_address", "bf.registered_address"),
        Shown::coded("residence", "bf.residence", RESIDENCE),
        Shown::plain("arrived_on", "bf.arrived_on"),
        Shown::plain("left_on", "bf.left_on"),
        Shown::plain("party_member", "bf.party_member"),
        Shown::coded("education", "bf.education", EDUCATION),
        Shown::plain("occupation", "bf.occupation"),
        Shown::coded("relation", "bf.relation", RELATION),
    ];
    const DEFAULTS: &'static [(&'static str, &'static str)] =
        &[("residence", "registered"), ("ethnic", "汉族")];

    type Row = PersonRow;
    type Filter = Filter;
    type Record = Person;

    fn heading(r: &PersonRow) -> String {
        r.name.clone()
    }

    fn facts(t: &Tr, p: &PersonRow, today: Date) -> Vec<Fact> {
        person_facts(t, p, today)
    }

    /// A tag filter needs a role that may see tags.
    fn filter(a: &Access, q: &ListQuery, today: Date) -> Result<Filter, Error> {
        let tag = match q.get("tag") {
            "" => None,
            v => {
                a.require_tags()?;
                Some(KeyGroup::parse(v).ok_or_else(|| err!("basic.tag_invalid", group = v))?)
            }
        };
        let residence = q.pick("residence", Residence::parse, |v| {
            err!("basic.residence_invalid", value = v)
        })?;
        // An age range: at least `age_min` (born by that many years ago), at most `age_max`
        // (born after `age_max + 1` years ago).
        let age = |name: &str| -> Result<Option<u32>, Error> {
            match q.get(name) {
                "" => Ok(None),
                v => v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n <= 150)
                    .map(Some)
                    .ok_or_else(|| kit::filter_invalid("age", v)),
            }
        };
        let born_by_min = age("age_min")?.and_then(|n| born_by(n, today));
        let born_after_max = age("age_max")?.and_then(|n| born_by(n + 1, today));
        Ok(Filter {
            tag,
            residence,
            born_by: born_by_min,
            born_after: born_after_max,
            ..Default::default()
        })
    }

    fn validate(m: &Fields, today: Date) -> Result<Person, Vec<FieldError>> {
        validate::person(
            &from_form!(m => PersonFields {
                grid_code, name, sex, birth_date, id_number, phone, ethnic, registered_address,
                residence, arrived_on, left_on, party_member, education, occupation, building,
                unit, room, household_no, relation,
            }),
            today,
        )
    }

    kit::store_calls!(people, list: keys, write: keys);

    fn exact_lookup(f: &Filter) -> Option<wangge_store::basic::lookups::By> {
        f.exact_lookup()
    }

    fn id_number(r: &Person) -> Option<&wangge_domain::Sensitive<String>> {
        Some(&r.id_number)
    }

    /// The stored columns, and the building, unit and room of the house lived in.
    async fn values_of(h: &mut Handle<'_>, scope: &Scope, p: &PersonRow) -> Result<Fields, Error> {
        let mut m = kit::row_values(Self::FIELDS, p);
        if let Some(hid) = p.house_id {
            let house = houses::get(h, scope, hid).await?;
            m.insert("building".into(), house.building);
            m.insert("unit".into(), house.unit);
            m.insert("room".into(), house.room);
        }
        Ok(m)
    }

    /// The key-group tags, for roles that may see them.
    async fn extra_json(
        h: &mut Handle<'_>,
        keys: &KeyRing,
        scope: &Scope,
        a: &Access,
        id: i64,
        json: &mut Map<String, Value>,
    ) -> Result<(), Error> {
        if a.tags {
            json.insert(
                "tags".into(),
                json!(people::tags(h, keys, scope, id).await?),
            );
        }
        Ok(())
    }

    async fn list_page(
        s: &AppState,
        lang: Lang,
        p: &Principal,
        q: &ListQuery,
    ) -> Result<Response, Error> {
        list_view(s, lang, p, q).await
    }

    async fn detail(
        s: &AppState,
        lang: Lang,
        p: &Principal,
        id: i64,
        extra: Extra,
    ) -> Result<Response, Error> {
        detail_view(s, lang, p, id, extra, String::new()).await
    }
}

/// A person in a list.
pub struct RowView {
    pub id: i64,
    pub name: String,
    pub sex: String,
    pub birth_year: String,
    /// Years reached this calendar year (only the birth year is kept in clear).
    pub age: String,
    pub id_masked: String,
    pub phone_masked: String,
    pub residence: String,
    pub grid: String,
    pub address: String,
    pub relation: String,
}

/// The age a person born in `birth_year` reaches in `today`'s year, as text (blank when the
/// year is unknown or later). Only the year is kept in clear, so this may be a year ahead of
/// the age in full years until the birthday.
pub fn age_text(birth_year: i64, today: Date) -> String {
    let age = i64::from(today.year()) - birth_year;
    if birth_year > 0 && age >= 0 {
        age.to_string()
    } else {
        String::new()
    }
}

/// A birth year as shown (blank when unknown).
pub fn year_text(birth_year: i64) -> String {
    if birth_year > 0 {
        birth_year.to_string()
    } else {
        String::new()
    }
}

pub fn row_view(t: &Tr, p: &PersonRow, today: Date) -> RowView {
    RowView {
        id: p.id,
        name: p.name.clone(),
        sex: SEX.label(t, &p.sex),
        birth_year: year_text(p.birth_year),
        age: age_text(p.birth_year, today),
        id_masked: p.id_masked.clone(),
        phone_masked: opt_text(&p.phone_masked),
        residence: RESIDENCE.label(t, &p.residence),
        grid: p.grid_name.clone(),
        address: opt_text(&p.house_address),
        relation: p
            .relation
            .as_deref()
            .map(|r| RELATION.label(t, r))
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "basic/people.html")]
struct ListPage {
    l: Layout,
    a: Access,
    q: String,
    nodes: Vec<Opt>,
    tags: Vec<Opt>,
    residences: Vec<Opt>,
    age_min: String,
    age_max: String,
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

async fn list_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    q: &ListQuery,
) -> Result<Response, Error> {
    let a = access_of(p)?;
    let scope = p.scope();
    let mut c = s.db.conn().await?;
    let h = &mut c.handle();
    let list = kit::list_rows::<People>(s, h, p, &scope, &a, q).await?;
    let (filter, after) = (&list.filter, list.after);
    // A text that names nobody may be an address: offer the houses it matches.
    let houses = match filter.q.as_deref().and_then(people::Query::classify) {
        Some(people::Query::Name(text)) if list.rows.is_empty() && after.is_none() => {
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
    let day = today(s.now())?;
    let path = filter
        .under
        .clone()
        .unwrap_or_else(|| scope.path().to_string());
    // The area's counts head a browse; a search or a later page skips them (they answer
    // nothing the searcher asked and cost a read over the whole area).
    let (counts, by_residence, by_tag) = if filter.q.is_none() && after.is_none() {
        count_views(s, h, &t, &scope, &path, a.tags).await?
    } else {
        Default::default()
    };
    Ok(render(ListPage {
        nodes: node_options(h, p, q.under()).await?,
        tags: if a.tags {
            TAG.options(&t, q.get("tag"))
        } else {
            Vec::new()
        },
        residences: RESIDENCE.options(&t, q.get("residence")),
        age_min: q.get("age_min").to_string(),
        age_max: q.get("age_max").to_string(),
        counts,
        by_residence,
        by_tag,
        rows: list.rows.iter().map(|r| row_view(&t, r, day)).collect(),
        next_href: list.next_href,
        first_href: list.first_href,
        paged: after.is_some(),
        houses,
        q: q.text().to_string(),
        a,
        l,
    }))
}

#[derive(Template)]
#[template(path = "basic/person.html")]
struct DetailPage {
    l: Layout,
    a: Access,
    id: i64,
    name: String,
    removed: bool,
    facts: Vec<Fact>,
    secrets: Vec<SecretView>,
    reveal_error: String,
    /// The secrets' reveal form: whether the role may, and the person's path.
    reveal: bool,
    base: String,
    members: Vec<RowView>,
    house_href: String,
    tags: Vec<TagView>,
    tag_options: Vec<Opt>,
    tag_error: String,
    today: String,
    history: Vec<HistoryView>,
    done: String,
}

pub fn person_facts(t: &Tr, p: &PersonRow, today: Date) -> Vec<Fact> {
    let mut v = vec![
        fact(t, "bf.sex", SEX.label(t, &p.sex)),
        fact(t, "bf.birth_year", year_text(p.birth_year)),
        fact(t, "bf.age", age_text(p.birth_year, today)),
        fact(t, "bf.ethnic", p.ethnic.clone()),
        fact(t, "bf.residence", RESIDENCE.label(t, &p.residence)),
        fact(t, "bf.registered_address", p.registered_address.clone()),
        grid_fact(t, &p.grid_name, &p.grid_code),
    ];
    if let Some(d) = &p.arrived_on {
        v.push(fact(t, "bf.arrived_on", d.clone()));
    }
    if let Some(d) = &p.left_on {
        v.push(fact(t, "bf.left_on", d.clone()));
    }
    let party = if p.party_member {
        "common.yes"
    } else {
        "common.no"
    };
    v.push(fact(t, "bf.party_member", t.s(party)));
    if let Some(e) = &p.education {
        v.push(fact(t, "bf.education", EDUCATION.label(t, e)));
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
        v.push(fact(t, "bf.relation", RELATION.label(t, r)));
    }
    v.push(fact(t, "basic.updated_at", time_text(p.updated_at)));
    v
}

/// A person's page; `tag_error` is the error of a tag form sent from it.
pub async fn detail_view(
    s: &AppState,
    lang: Lang,
    p: &Principal,
    id: i64,
    extra: Extra,
    tag_error: String,
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
    let day = today(s.now())?;
    let current = json!(person);
    let page = render(DetailPage {
        id,
        name: person.name.clone(),
        removed: person.removed_at.is_some(),
        facts: person_facts(&t, &person, day),
        secrets: kit::secret_views(&t, People::FIELDS, &current, &extra),
        reveal_error: extra.reveal_error,
        reveal: a.reveal,
        base: format!("/people/{id}"),
        members: members
            .iter()
            .filter(|m| m.id != id)
            .map(|m| row_view(&t, m, day))
            .collect(),
        house_href: person
            .house_id
            .map(|i| format!("/houses/{i}"))
            .unwrap_or_default(),
        tags: tags.iter().map(|g| TagView::of(&t, g)).collect(),
        tag_options: TAG.options(&t, ""),
        tag_error,
        today: day.to_string(),
        history: history_view(&t, &hist, &current, People::HISTORY),
        done: extra.done,
        a,
        l,
    });
    // Every person page carries personal data, a revealed value above all: never cached.
    Ok(no_store(page))
}
