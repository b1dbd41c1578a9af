//! Organisations (组织): filtered by kind and key supervision, with their grades.

use wangge_domain::Error;
use wangge_domain::basic::validate::{self, FieldError, OrgFields};
use wangge_domain::basic::{Grade, Org, OrgKind};
use wangge_domain::calendar::Date;
use wangge_store::basic::orgs::{self, Filter, OrgRow};
use wangge_store::basic::{Secret, history};

use super::access::Access;
use super::form::{Coded, Fields, Opt, coded, fields_error, from_form, opt_text};
use super::kit::{self, Choices, Field, FilterDef, Keys, ListQuery, Register};
use super::views::{Fact, Shown, fact, grid_fact};
use crate::i18n::Tr;
use crate::ui::time_text;

const KIND: Coded = coded!(OrgKind, "org_kind");
const GRADE: Coded = coded!(Grade, "grade");

pub struct Orgs;

kit::row!(OrgRow);

/// Key supervision: supervised, or not.
fn supervision_options(t: &Tr, selected: &str) -> Vec<Opt> {
    [("true", "basic.key_supervised"), ("false", "common.no")]
        .into_iter()
        .map(|(value, key)| Opt {
            value: value.into(),
            label: t.s(key).into(),
            selected: selected == value,
        })
        .collect()
}

impl Register for Orgs {
    const BASE: &'static str = "orgs";
    const KEYS: Keys = Keys {
        list: "basic.orgs_title",
        one: "basic.org_title",
        new: "basic.org_new",
        edit: "basic.org_edit",
        search: "basic.orgs_search",
    };
    const TABLE: history::Table = history::Table::Orgs;
    const FIELDS: &'static [Field] = &[
        Field::grid(),
        Field::text("name").required(),
        Field::select("kind", KIND).required(),
        Field::text("credit_code"),
        Field::text("contact_name").required(),
        Field::tel("contact_phone").sealed(Secret::OrgContactPhone, "contact_phone_masked"),
        Field::text("address").required(),
        Field::select("safety_grade", GRADE),
        Field::select("env_grade", GRADE),
        Field::yes_no("key_supervised"),
    ];
    const FILTERS: &'static [FilterDef] = &[
        FilterDef::coded("kind", "basic.all_kinds", KIND),
        FilterDef {
            name: "key_supervised",
            all: "basic.all_supervision",
            options: Choices::Own(supervision_options),
        },
    ];
    const COLUMNS: &'static [&'static str] = &[
        "bf.name",
        "bf.kind",
        "bf.contact_name",
        "bf.safety_grade",
        "bf.grid_code",
    ];
    const HISTORY: &'static [Shown] = &[
        Shown::plain("name", "bf.name"),
        Shown::coded("kind", "bf.kind", KIND),
        Shown::plain("credit_code", "bf.credit_code"),
        Shown::plain("contact_name", "bf.contact_name"),
        Shown::plain("contact_phone_masked", "bf.contact_phone"),
        Shown::plain("address", "bf.address"),
        Shown::plain("safety_grade", "bf.safety_grade"),
        Shown::plain("env_grade", "bf.env_grade"),
        Shown::plain("key_supervised", "bf.key_supervised"),
    ];

    type Row = OrgRow;
    type Filter = Filter;
    type Record = Org;

    fn heading(r: &OrgRow) -> String {
        r.name.clone()
    }

    fn cells(t: &Tr, r: &OrgRow, _: Date) -> Vec<String> {
        let star = if r.key_supervised { " ★" } else { "" };
        let grade = |g: &Option<String>| g.clone().unwrap_or_else(|| "—".into());
        vec![
            r.name.clone(),
            format!("{}{star}", KIND.label(t, &r.kind)),
            r.contact_name.clone(),
            format!("{} / {}", grade(&r.safety_grade), grade(&r.env_grade)),
            r.grid_name.clone(),
        ]
    }

    fn facts(t: &Tr, r: &OrgRow, _: Date) -> Vec<Fact> {
        let yes_no = |b: bool| t.s(if b { "common.yes" } else { "common.no" }).to_string();
        vec![
            fact(t, "bf.kind", KIND.label(t, &r.kind)),
            grid_fact(t, &r.grid_name, &r.grid_code),
            fact(t, "bf.credit_code", opt_text(&r.credit_code)),
            fact(t, "bf.contact_name", r.contact_name.clone()),
            fact(t, "bf.address", r.address.clone()),
            fact(t, "bf.safety_grade", opt_text(&r.safety_grade)),
            fact(t, "bf.env_grade", opt_text(&r.env_grade)),
            fact(t, "bf.key_supervised", yes_no(r.key_supervised)),
            fact(t, "basic.updated_at", time_text(r.updated_at)),
        ]
    }

    fn filter(_: &Access, q: &ListQuery, _: Date) -> Result<Filter, Error> {
        let kind = q.pick("kind", OrgKind::parse, |v| {
            kit::filter_invalid("organisation kind", v)
        })?;
        let key_supervised = match q.get("key_supervised") {
            "" => None,
            v => Some(validate::parse_bool("key_supervised", v).map_err(|e| fields_error(&[e]))?),
        };
        Ok(Filter {
            kind,
            key_supervised,
            ..Default::default()
        })
    }

    fn validate(m: &Fields, _: Date) -> Result<Org, Vec<FieldError>> {
        validate::org(&from_form!(m => OrgFields {
            grid_code, name, kind, credit_code, contact_name, contact_phone, address,
            safety_grade, env_grade, key_supervised,
        }))
    }

    kit::store_calls!(orgs, list: plain, write: keys);
}
