//! Field validation of basic records: each failure names the field and says what is wrong.

use serde::Serialize;

use super::ident::{check_agrees, parse_credit_code, parse_id_number, parse_phone};
use super::{
    Condition, Education, Grade, House, HouseAddress, HouseUse, Object, ObjectKind, Org, OrgKind,
    Person, Relation, Rental, Residence, Sex,
};
use crate::Sensitive;
use crate::calendar::Date;
use crate::code;
use crate::err;
use crate::error::{Error, Params};
use crate::tree::NodeKind;

#[cfg(test)]
mod tests;

/// One field's problem, e.g. `{field: "id_number", code: "id.checksum", message: "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
    /// The parameters of the code's texts, to render them in the reader's language.
    #[serde(skip)]
    pub params: Params,
}

impl FieldError {
    /// `field`'s problem, described by an error of the table: `err!("id.length", n)`.
    pub fn new(field: &'static str, e: Error) -> FieldError {
        FieldError {
            field,
            code: e.code,
            message: e.message,
            params: e.params,
        }
    }

    /// The text in Chinese (`zh`) or English. In Chinese a column key given as `{field}` or
    /// `{other}` reads as its Chinese header, when every register names it alike.
    pub fn text(&self, zh: bool) -> String {
        match (zh, crate::error::codes::entry(self.code)) {
            (true, Some(e)) => {
                let params: Params = self
                    .params
                    .iter()
                    .map(|(k, v)| match (*k, header_zh(v)) {
                        ("field" | "other", Some(h)) => (*k, h.to_string()),
                        _ => (*k, v.clone()),
                    })
                    .collect();
                crate::error::render(e.zh, &params)
            }
            _ => self.message.clone(),
        }
    }
}

/// The Chinese header of a column key, if all registers that have the column agree on it.
fn header_zh(key: &str) -> Option<&'static str> {
    let mut names = super::row::Kind::ALL
        .iter()
        .flat_map(|k| super::row::columns(*k))
        .filter(|c| c.key == key)
        .map(|c| c.zh);
    let first = names.next()?;
    names.all(|n| n == first).then_some(first)
}

/// Parses a date as import files write it: `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYY.MM.DD` (month and
/// day may have one digit there), or `YYYYMMDD`.
pub fn parse_date(field: &'static str, s: &str) -> Result<Date, FieldError> {
    let t = s.trim();
    let bad = || FieldError::new(field, err!("date.invalid", value = t));
    let num = |p: &str, min: usize, max: usize| -> Option<u32> {
        if p.len() < min || p.len() > max || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let (y, m, d) = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        (num(&t[..4], 4, 4), num(&t[4..6], 2, 2), num(&t[6..], 2, 2))
    } else {
        let mut parts = t.split(['-', '/', '.']);
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        (num(y, 4, 4), num(m, 1, 2), num(d, 1, 2))
    };
    match (y, m, d) {
        (Some(y), Some(m), Some(d)) => Date::new(y as i32, m, d)
            .ok_or_else(|| FieldError::new(field, err!("date.impossible", value = t))),
        _ => Err(bad()),
    }
}

/// Parses a yes/no cell: 是/否, yes/no, true/false, y/n, 1/0 (any case).
pub fn parse_bool(field: &'static str, s: &str) -> Result<bool, FieldError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "是" | "yes" | "y" | "true" | "1" | "√" => Ok(true),
        "否" | "no" | "n" | "false" | "0" | "×" => Ok(false),
        other => Err(FieldError::new(field, err!("bool.invalid", value = other))),
    }
}

/// Collects every field's problem while a record is checked.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// The value, or `None` with the error recorded.
    fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        r.map_err(|e| self.push(e)).ok()
    }

    /// A non-empty trimmed value, or `None` with a "required" error.
    fn required<'a>(&mut self, field: &'static str, s: &'a str) -> Option<&'a str> {
        let t = s.trim();
        if t.is_empty() {
            self.push(FieldError::new(field, err!("required", field)));
            None
        } else {
            Some(t)
        }
    }

    /// Free text of at most `max` characters; `min` 1 makes it required.
    fn text(&mut self, field: &'static str, s: &str, min: usize, max: usize) -> Option<String> {
        let t = s.trim();
        if t.is_empty() {
            if min > 0 {
                self.required(field, t);
            }
            return None;
        }
        let n = t.chars().count();
        if n > max {
            self.push(FieldError::new(field, err!("text.too_long", field, max, n)));
            return None;
        }
        if t.chars().any(char::is_control) {
            self.push(FieldError::new(field, err!("text.control", field)));
            return None;
        }
        Some(t.to_string())
    }

    fn opt_date(&mut self, field: &'static str, s: &str) -> Option<Date> {
        if s.trim().is_empty() {
            None
        } else {
            self.take(parse_date(field, s))
        }
    }

    /// A date that may not lie after `today`.
    fn past_date(&mut self, field: &'static str, s: &str, today: Date) -> Option<Date> {
        let d = self.opt_date(field, s)?;
        if d > today {
            self.push(FieldError::new(field, err!("date.future", field, date = d)));
            return None;
        }
        Some(d)
    }

    fn opt_phone(&mut self, field: &'static str, s: Sensitive<&str>) -> Option<Sensitive<String>> {
        let s = *s.expose();
        if s.trim().is_empty() {
            None
        } else {
            self.take(parse_phone(field, s)).map(Sensitive::new)
        }
    }

    fn opt_bool(&mut self, field: &'static str, s: &str) -> bool {
        !s.trim().is_empty() && self.take(parse_bool(field, s)).unwrap_or(false)
    }

    /// An optional coded value (English code or Chinese label).
    fn choice<T>(
        &mut self,
        field: &'static str,
        s: &str,
        parse: impl Fn(&str) -> Option<T>,
        labels: impl Fn() -> Vec<&'static str>,
    ) -> Option<T> {
        let t = s.trim();
        if t.is_empty() {
            return None;
        }
        let v = parse(t);
        if v.is_none() {
            self.push(FieldError::new(
                field,
                err!("choice.invalid", value = t, choices = labels().join("/")),
            ));
        }
        v
    }

    fn grid_code(&mut self, s: &str) -> Option<String> {
        let t = self.required("grid_code", s)?;
        match code::validate(NodeKind::Grid, t) {
            Ok(()) => Some(t.to_string()),
            Err(_) => {
                self.push(FieldError::new(
                    "grid_code",
                    err!("grid_code.invalid", value = t),
                ));
                None
            }
        }
    }

    /// Building, unit and room: all blank (no address), or building and room given (unit may
    /// be blank for a house without units).
    fn address(
        &mut self,
        building: &str,
        unit: &str,
        room: &str,
        required: bool,
    ) -> Option<HouseAddress> {
        let any = [building, unit, room].iter().any(|s| !s.trim().is_empty());
        if !any && !required {
            return None;
        }
        let b = self.text("building", building, 1, 30);
        let u = self.text("unit", unit, 0, 10);
        let r = self.text("room", room, 1, 10);
        Some(HouseAddress {
            building: b?,
            unit: u.unwrap_or_default(),
            room: r?,
        })
    }

    fn point(&mut self, lon: &str, lat: &str, required: bool) -> Option<(f64, f64)> {
        let (lo, la) = (lon.trim(), lat.trim());
        if lo.is_empty() && la.is_empty() && !required {
            return None;
        }
        let one = |errs: &mut Errors, field: &'static str, s: &str, limit: f64| -> Option<f64> {
            let s = errs.required(field, s)?;
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() <= limit => Some(v),
                _ => {
                    errs.push(FieldError::new(
                        field,
                        err!("coordinate.invalid", value = s, field, limit),
                    ));
                    None
                }
            }
        };
        let x = one(self, "lon", lo, 180.0);
        let y = one(self, "lat", la, 90.0);
        Some((x?, y?))
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        match value {
            Some(v) if self.0.is_empty() => Ok(v),
            // A missing value always comes with at least one error; say so if not.
            _ if self.0.is_empty() => Err(vec![FieldError::new("record", err!("record.invalid"))]),
            _ => Err(self.0),
        }
    }
}

fn labels<T: Copy>(all: &'static [T], label: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| label(*v)).collect()
}

/// Education levels also accept the common ways forms write them.
pub fn parse_education(s: &str) -> Option<Education> {
    Education::parse(s).or(match s.trim() {
        "文盲" | "半文盲" | "无" => Some(Education::None),
        "高中" | "中专" | "职高" | "技校" => Some(Education::Senior),
        "专科" | "大学专科" | "高职" => Some(Education::College),
        "大学" | "大学本科" => Some(Education::Bachelor),
        "硕士" | "博士" | "硕士研究生" | "博士研究生" => Some(Education::Graduate),
        _ => None,
    })
}

/// A person's raw cells as an import or a form gives them; empty means absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct PersonFields<'a> {
    pub grid_code: &'a str,
    pub name: &'a str,
    pub sex: &'a str,
    pub birth_date: &'a str,
    pub id_number: Sensitive<&'a str>,
    pub phone: Sensitive<&'a str>,
    pub ethnic: &'a str,
    pub registered_address: &'a str,
    pub residence: &'a str,
    pub arrived_on: &'a str,
    pub left_on: &'a str,
    pub party_member: &'a str,
    pub education: &'a str,
    pub occupation: &'a str,
    pub building: &'a str,
    pub unit: &'a str,
    pub room: &'a str,
    pub household_no: &'a str,
    pub relation: &'a str,
}

/// Checks a person. Required: grid code, name, ID number, residence status; floating people
/// also their arrival date. Sex and birth date, when given, must agree with the ID number and
/// are taken from it when blank.
pub fn person(f: &PersonFields, today: Date) -> Result<Person, Vec<FieldError>> {
    let mut e = Errors::default();
    let grid_code = e.grid_code(f.grid_code);
    let name = e.text("name", f.name, 1, 30);
    let sex = e.choice("sex", f.sex, Sex::parse, || labels(Sex::ALL, Sex::label_zh));
    let birth_date = e.past_date("birth_date", f.birth_date, today);
    let id = e
        .required("id_number", f.id_number.expose())
        .and_then(|s| e.take(parse_id_number(s, today)));
    if let Some(id) = &id {
        for err in check_agrees(id, birth_date, sex) {
            e.push(err);
        }
    }
    let phone = e.opt_phone("phone", f.phone);
    let ethnic = e.text("ethnic", f.ethnic, 0, 20);
    let registered_address = e.text("registered_address", f.registered_address, 0, 200);
    let residence = e.required("residence", f.residence).and_then(|s| {
        e.choice("residence", s, Residence::parse, || {
            labels(Residence::ALL, Residence::label_zh)
        })
    });
    let arrived_on = e.past_date("arrived_on", f.arrived_on, today);
    let left_on = e.past_date("left_on", f.left_on, today);
    match residence {
        Some(Residence::Floating) if f.arrived_on.trim().is_empty() => {
            e.push(FieldError::new(
                "arrived_on",
                err!("required", field = "arrived_on"),
            ));
        }
        Some(Residence::Floating) => {}
        Some(r) => {
            for (field, v) in [("arrived_on", f.arrived_on), ("left_on", f.left_on)] {
                if !v.trim().is_empty() {
                    e.push(FieldError::new(
                        field,
                        err!("floating_only", field, residence = r.label_zh()),
                    ));
                }
            }
        }
        None => {}
    }
    if let (Some(a), Some(l)) = (arrived_on, left_on)
        && l < a
    {
        e.push(FieldError::new(
            "left_on",
            err!(
                "date.order",
                field = "left_on",
                date = l,
                other = "arrived_on",
                other_date = a
            ),
        ));
    }
    if let (Some(id), Some(a)) = (&id, arrived_on)
        && a < id.birth
    {
        e.push(FieldError::new(
            "arrived_on",
            err!(
                "date.order",
                field = "arrived_on",
                date = a,
                other = "birth_date",
                other_date = id.birth
            ),
        ));
    }
    let party_member = e.opt_bool("party_member", f.party_member);
    let education = e.choice("education", f.education, parse_education, || {
        labels(Education::ALL, Education::label_zh)
    });
    let occupation = e.text("occupation", f.occupation, 0, 50);
    let house = e.address(f.building, f.unit, f.room, false);
    let household_no = e.text("household_no", f.household_no, 0, 30);
    let relation = e.choice("relation", f.relation, Relation::parse, || {
        labels(Relation::ALL, Relation::label_zh)
    });
    match (
        f.household_no.trim().is_empty(),
        f.relation.trim().is_empty(),
    ) {
        (false, true) => e.push(FieldError::new(
            "relation",
            err!("required", field = "relation"),
        )),
        (true, false) => e.push(FieldError::new(
            "household_no",
            err!("required", field = "household_no"),
        )),
        _ => {}
    }
    let value = (|| {
        let id = id?;
        Some(Person {
            grid_code: grid_code?,
            name: name?,
            sex: id.sex,
            birth_date: id.birth,
            id_number: Sensitive::new(id.normalized),
            phone,
            ethnic: ethnic.unwrap_or_default(),
            registered_address: registered_address.unwrap_or_default(),
            residence: residence?,
            arrived_on,
            left_on,
            party_member,
            education,
            occupation,
            house,
            household_no,
            relation,
        })
    })();
    e.finish(value)
}

/// A house's raw cells; the rental columns apply to rented houses only.
#[derive(Debug, Clone, Copy, Default)]
pub struct HouseFields<'a> {
    pub grid_code: &'a str,
    pub building: &'a str,
    pub unit: &'a str,
    pub room: &'a str,
    pub use_kind: &'a str,
    pub owner_name: &'a str,
    pub owner_phone: Sensitive<&'a str>,
    pub area_m2: &'a str,
    pub lon: &'a str,
    pub lat: &'a str,
    pub tenant_name: &'a str,
    pub tenant_phone: Sensitive<&'a str>,
    pub rental_start: &'a str,
    pub rental_end: &'a str,
}

/// Accepts 出租屋 beside the labels, as forms often write it.
fn parse_house_use(s: &str) -> Option<HouseUse> {
    HouseUse::parse(s).or(match s.trim() {
        "出租屋" => Some(HouseUse::Rented),
        "闲置" => Some(HouseUse::Vacant),
        "商用" | "经营性" => Some(HouseUse::Business),
        _ => None,
    })
}

/// Checks a house. Required: grid code, building, room, use, owner name; rented houses also the
/// tenant's name and the start of the term. Whether the point lies inside the grid needs the
/// grid's boundary and is checked by the caller.
pub fn house(f: &HouseFields) -> Result<House, Vec<FieldError>> {
    let mut e = Errors::default();
    let grid_code = e.grid_code(f.grid_code);
    let address = e.address(f.building, f.unit, f.room, true);
    let use_kind = e.required("use_kind", f.use_kind).and_then(|s| {
        e.choice("use_kind", s, parse_house_use, || {
            labels(HouseUse::ALL, HouseUse::label_zh)
        })
    });
    let owner_name = e.text("owner_name", f.owner_name, 1, 30);
    let owner_phone = e.opt_phone("owner_phone", f.owner_phone);
    let area_m2 = match f.area_m2.trim() {
        "" => None,
        s => match s.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 && v <= 100_000.0 => Some(v),
            _ => {
                e.push(FieldError::new("area_m2", err!("area.invalid", value = s)));
                None
            }
        },
    };
    let point = e.point(f.lon, f.lat, false);
    let rental_cells = [
        ("tenant_name", f.tenant_name),
        ("tenant_phone", *f.tenant_phone.expose()),
        ("rental_start", f.rental_start),
        ("rental_end", f.rental_end),
    ];
    let rental = match use_kind {
        Some(HouseUse::Rented) => {
            let tenant_name = e.text("tenant_name", f.tenant_name, 1, 30);
            let tenant_phone = e.opt_phone("tenant_phone", f.tenant_phone);
            let start = e
                .required("rental_start", f.rental_start)
                .and_then(|s| e.opt_date("rental_start", s));
            let end = e.opt_date("rental_end", f.rental_end);
            if let (Some(s), Some(en)) = (start, end)
                && en < s
            {
                e.push(FieldError::new(
                    "rental_end",
                    err!(
                        "date.order",
                        field = "rental_end",
                        date = en,
                        other = "rental_start",
                        other_date = s
                    ),
                ));
            }
            start.map(|start| Rental {
                tenant_name: tenant_name.unwrap_or_default(),
                tenant_phone,
                start,
                end,
            })
        }
        Some(u) => {
            for (field, v) in rental_cells {
                if !v.trim().is_empty() {
                    e.push(FieldError::new(
                        field,
                        err!("rented_only", field, house_use = u.label_zh()),
                    ));
                }
            }
            None
        }
        None => None,
    };
    let value = (|| {
        Some(House {
            grid_code: grid_code?,
            address: address?,
            use_kind: use_kind?,
            owner_name: owner_name?,
            owner_phone,
            area_m2,
            point,
            rental,
        })
    })();
    e.finish(value)
}

/// An organisation's raw cells.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrgFields<'a> {
    pub grid_code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub credit_code: &'a str,
    pub contact_name: &'a str,
    pub contact_phone: Sensitive<&'a str>,
    pub address: &'a str,
    pub safety_grade: &'a str,
    pub env_grade: &'a str,
    pub key_supervised: &'a str,
}

/// Checks an organisation. Required: grid code, name, kind, contact name, address.
pub fn org(f: &OrgFields) -> Result<Org, Vec<FieldError>> {
    let mut e = Errors::default();
    let grid_code = e.grid_code(f.grid_code);
    let name = e.text("name", f.name, 1, 100);
    let kind = e.required("kind", f.kind).and_then(|s| {
        e.choice("kind", s, OrgKind::parse, || {
            labels(OrgKind::ALL, OrgKind::label_zh)
        })
    });
    let credit_code = match f.credit_code.trim() {
        "" => None,
        s => e.take(parse_credit_code(s)),
    };
    let contact_name = e.text("contact_name", f.contact_name, 1, 30);
    let contact_phone = e.opt_phone("contact_phone", f.contact_phone);
    let address = e.text("address", f.address, 1, 200);
    let grades = || labels(Grade::ALL, Grade::label_zh);
    let safety_grade = e.choice("safety_grade", f.safety_grade, Grade::parse, grades);
    let env_grade = e.choice("env_grade", f.env_grade, Grade::parse, grades);
    let key_supervised = e.opt_bool("key_supervised", f.key_supervised);
    let value = (|| {
        Some(Org {
            grid_code: grid_code?,
            name: name?,
            kind: kind?,
            credit_code,
            contact_name: contact_name?,
            contact_phone,
            address: address?,
            safety_grade,
            env_grade,
            key_supervised,
        })
    })();
    e.finish(value)
}

/// An object's raw cells.
#[derive(Debug, Clone, Copy, Default)]
pub struct ObjectFields<'a> {
    pub grid_code: &'a str,
    pub code: &'a str,
    pub kind: &'a str,
    pub lon: &'a str,
    pub lat: &'a str,
    pub condition: &'a str,
    pub note: &'a str,
}

/// Checks an object (部件). Required: grid code, code (letters, digits, `-`, `_`), kind and the
/// point; a blank condition means good. Whether the point lies inside the grid is the caller's
/// check (it needs the boundary).
pub fn object(f: &ObjectFields) -> Result<Object, Vec<FieldError>> {
    let mut e = Errors::default();
    let grid_code = e.grid_code(f.grid_code);
    let code = e.text("code", f.code, 1, 40).filter(|c| {
        let ok = c
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            e.push(FieldError::new(
                "code",
                err!("object_code.invalid", value = c),
            ));
        }
        ok
    });
    let kind = e.required("kind", f.kind).and_then(|s| {
        e.choice("kind", s, ObjectKind::parse, || {
            labels(ObjectKind::ALL, ObjectKind::label_zh)
        })
    });
    let point = e.point(f.lon, f.lat, true);
    let condition = e.choice("condition", f.condition, Condition::parse, || {
        labels(Condition::ALL, Condition::label_zh)
    });
    let condition_ok = f.condition.trim().is_empty() || condition.is_some();
    let note = e.text("note", f.note, 0, 200);
    let value = (|| {
        Some(Object {
            grid_code: grid_code?,
            code: code?,
            kind: kind?,
            point: point?,
            condition: if condition_ok {
                condition.unwrap_or(Condition::Good)
            } else {
                return None;
            },
            note,
        })
    })();
    e.finish(value)
}
