//! Objects (部件): filtered by kind and condition; an object's point must lie inside its grid.

use wangge_domain::Error;
use wangge_domain::basic::validate::{self, FieldError, ObjectFields};
use wangge_domain::basic::{Condition, Object, ObjectKind};
use wangge_domain::calendar::Date;
use wangge_store::basic::history;
use wangge_store::basic::objects::{self, Filter, ObjectRow};

use super::access::Access;
use super::form::{Coded, Fields, coded, from_form, opt_text};
use super::kit::{self, Field, FilterDef, Keys, ListQuery, Register};
use super::views::{Fact, Shown, fact, grid_fact};
use crate::i18n::Tr;
use crate::ui::time_text;

const KIND: Coded = coded!(ObjectKind, "object_kind");
const CONDITION: Coded = coded!(Condition, "condition");

pub struct Objects;

kit::row!(ObjectRow);

impl Register for Objects {
    const BASE: &'static str = "objects";
    const KEYS: Keys = Keys {
        list: "basic.objects_title",
        one: "basic.object_title",
        new: "basic.object_new",
        edit: "basic.object_edit",
        search: "basic.objects_search",
    };
    const TABLE: history::Table = history::Table::Objects;
    const FIELDS: &'static [Field] = &[
        Field::grid(),
        Field::text("code").required(),
        Field::select("kind", KIND).required(),
        Field::number("lon").required().hint("basic.point_hint"),
        Field::number("lat").required(),
        Field::select("condition", CONDITION),
        Field::textarea("note"),
    ];
    const FILTERS: &'static [FilterDef] = &[
        FilterDef::coded("kind", "basic.all_kinds", KIND),
        FilterDef::coded("condition", "basic.all_conditions", CONDITION),
    ];
    const COLUMNS: &'static [&'static str] =
        &["bf.code", "bf.kind", "bf.condition", "bf.grid_code"];
    const HISTORY: &'static [Shown] = &[
        Shown::plain("code", "bf.code"),
        Shown::coded("kind", "bf.kind", KIND),
        Shown::plain("lon", "bf.lon"),
        Shown::plain("lat", "bf.lat"),
        Shown::coded("condition", "bf.condition", CONDITION),
        Shown::plain("note", "bf.note"),
    ];
    const DEFAULTS: &'static [(&'static str, &'static str)] = &[("condition", "good")];

    type Row = ObjectRow;
    type Filter = Filter;
    type Record = Object;

    fn heading(r: &ObjectRow) -> String {
        r.code.clone()
    }

    fn cells(t: &Tr, r: &ObjectRow, _: Date) -> Vec<String> {
        vec![
            r.code.clone(),
            KIND.label(t, &r.kind),
            CONDITION.label(t, &r.condition),
            r.grid_name.clone(),
        ]
    }

    fn facts(t: &Tr, r: &ObjectRow, _: Date) -> Vec<Fact> {
        vec![
            fact(t, "bf.kind", KIND.label(t, &r.kind)),
            grid_fact(t, &r.grid_name, &r.grid_code),
            fact(t, "bf.condition", CONDITION.label(t, &r.condition)),
            fact(t, "bf.point", format!("{:.6}, {:.6}", r.lon, r.lat)),
            fact(t, "bf.note", opt_text(&r.note)),
            fact(t, "basic.updated_at", time_text(r.updated_at)),
        ]
    }

    fn filter(_: &Access, q: &ListQuery, _: Date) -> Result<Filter, Error> {
        let kind = q.pick("kind", ObjectKind::parse, |v| {
            kit::filter_invalid("object kind", v)
        })?;
        let condition = q.pick("condition", Condition::parse, |v| {
            kit::filter_invalid("condition", v)
        })?;
        Ok(Filter {
            kind,
            condition,
            ..Default::default()
        })
    }

    fn validate(m: &Fields, _: Date) -> Result<Object, Vec<FieldError>> {
        validate::object(&from_form!(m => ObjectFields {
            grid_code, code, kind, lon, lat, condition, note,
        }))
    }

    fn point(r: &Object) -> Option<(&str, (f64, f64))> {
        Some((r.grid_code.as_str(), r.point))
    }

    kit::store_calls!(objects, list: plain, write: plain);
}
