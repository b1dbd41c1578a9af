//! Houses (房屋): searched by address, a house with the people living there and its rental;
//! its point must lie inside its grid. A rented house whose lease ended before today is shown
//! as "lease ended" with the date, its tenant as the former one, and leaves the rented filter.

use wangge_domain::Error;
use wangge_domain::Scope;
use wangge_domain::basic::dates::{Lease, lease_on};
use wangge_domain::basic::validate::{self, FieldError, HouseFields};
use wangge_domain::basic::{House, HouseUse};
use wangge_domain::calendar::Date;
use wangge_store::Handle;
use wangge_store::basic::houses::{self, Filter, HouseRow};
use wangge_store::basic::people::PersonRow;
use wangge_store::basic::{Secret, history};
use wangge_store::seal::KeyRing;

use super::access::Access;
use super::form::{Coded, Fields, coded, from_form, opt_text};
use super::kit::{self, Field, FilterDef, Keys, ListQuery, Register};
use super::views::{Fact, Shown, fact, grid_fact};
use crate::i18n::Tr;
use crate::ui::time_text;

const USE: Coded = coded!(HouseUse, "house_use");

pub struct Houses;

kit::row!(HouseRow);

impl Register for Houses {
    const BASE: &'static str = "houses";
    const KEYS: Keys = Keys {
        list: "basic.houses_title",
        one: "basic.house_title",
        new: "basic.house_new",
        edit: "basic.house_edit",
        search: "basic.houses_search",
    };
    const TABLE: history::Table = history::Table::Houses;
    const FIELDS: &'static [Field] = &[
        Field::grid(),
        Field::text("building").required(),
        Field::text("unit"),
        Field::text("room").required(),
        Field::select("use_kind", USE).required(),
        Field::text("owner_name").required(),
        Field::tel("owner_phone").sealed(Secret::HouseOwnerPhone, "owner_phone_masked"),
        Field::number("area_m2"),
        Field::number("lon").hint("basic.point_hint"),
        Field::number("lat"),
        Field::text("tenant_name"),
        Field::tel("tenant_phone").sealed(Secret::HouseTenantPhone, "tenant_phone_masked"),
        Field::date("rental_start").column("rent_start"),
        Field::date("rental_end").column("rent_end"),
    ];
    const FILTERS: &'static [FilterDef] = &[FilterDef::coded("use", "basic.all_uses", USE)];
    const COLUMNS: &'static [&'static str] = &[
        "bf.address",
        "bf.use_kind",
        "bf.owner_name",
        "basic.occupants",
        "bf.grid_code",
    ];
    const HISTORY: &'static [Shown] = &[
        Shown::plain("address", "bf.address"),
        Shown::coded("use_kind", "bf.use_kind", USE),
        Shown::plain("owner_name", "bf.owner_name"),
        Shown::plain("owner_phone_masked", "bf.owner_phone"),
        Shown::plain("area_m2", "bf.area_m2"),
        Shown::plain("lon", "bf.lon"),
        Shown::plain("lat", "bf.lat"),
        Shown::plain("tenant_name", "bf.tenant_name"),
        Shown::plain("tenant_phone_masked", "bf.tenant_phone"),
        Shown::plain("rent_start", "bf.rental_start"),
        Shown::plain("rent_end", "bf.rental_end"),
    ];

    type Row = HouseRow;
    type Filter = Filter;
    type Record = House;

    fn heading(r: &HouseRow) -> String {
        r.address.clone()
    }

    fn cells(t: &Tr, r: &HouseRow, today: Date) -> Vec<String> {
        vec![
            r.address.clone(),
            use_text(t, r, today),
            r.owner_name.clone(),
            r.occupants.to_string(),
            r.grid_name.clone(),
        ]
    }

    fn facts(t: &Tr, r: &HouseRow, today: Date) -> Vec<Fact> {
        let ended = matches!(lease(r, today), Lease::Ended(_));
        let mut v = vec![
            fact(t, "bf.address", r.address.clone()),
            grid_fact(t, &r.grid_name, &r.grid_code),
            fact(t, "bf.use_kind", use_text(t, r, today)),
            fact(t, "bf.owner_name", r.owner_name.clone()),
        ];
        if let Some(a) = r.area_m2 {
            v.push(fact(t, "bf.area_m2", format!("{a}")));
        }
        if let (Some(lon), Some(lat)) = (r.lon, r.lat) {
            v.push(fact(t, "bf.point", format!("{lon:.6}, {lat:.6}")));
        }
        if let Some(n) = &r.tenant_name {
            let label = if ended {
                "basic.former_tenant"
            } else {
                "bf.tenant_name"
            };
            v.push(fact(t, label, n.clone()));
            v.push(fact(t, "bf.rental_start", opt_text(&r.rent_start)));
            if let Some(e) = &r.rent_end {
                v.push(fact(t, "bf.rental_end", e.clone()));
            }
        }
        v.push(fact(t, "basic.updated_at", time_text(r.updated_at)));
        v
    }

    fn filter(_: &Access, q: &ListQuery, today: Date) -> Result<Filter, Error> {
        Ok(Filter {
            use_kind: q.pick("use", HouseUse::parse, |v| {
                kit::filter_invalid("house use", v)
            })?,
            let_on: Some(today),
            ..Default::default()
        })
    }

    fn validate(m: &Fields, _: Date) -> Result<House, Vec<FieldError>> {
        validate::house(&from_form!(m => HouseFields {
            grid_code, building, unit, room, use_kind, owner_name, owner_phone, area_m2, lon,
            lat, tenant_name, tenant_phone, rental_start, rental_end,
        }))
    }

    fn point(r: &House) -> Option<(&str, (f64, f64))> {
        r.point.map(|p| (r.grid_code.as_str(), p))
    }

    kit::store_calls!(houses, list: plain, write: keys);

    async fn occupants(
        h: &mut Handle<'_>,
        keys: &KeyRing,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<Vec<PersonRow>>, Error> {
        Ok(Some(houses::occupants(h, keys, scope, id).await?))
    }
}

/// The house's letting today, from its stored use and term.
fn lease(r: &HouseRow, today: Date) -> Lease {
    let use_kind = HouseUse::parse(&r.use_kind).unwrap_or(HouseUse::SelfOccupied);
    let end = r.rent_end.as_deref().and_then(|d| Date::parse(d).ok());
    lease_on(use_kind, end, today)
}

/// The use as shown: "rented" only while the lease runs; after it, "lease ended" and the date.
fn use_text(t: &Tr, r: &HouseRow, today: Date) -> String {
    match lease(r, today) {
        Lease::Ended(d) => t.s("basic.lease_ended").replace("{date}", &d.to_string()),
        Lease::Running | Lease::NotLet => USE.label(t, &r.use_kind),
    }
}
