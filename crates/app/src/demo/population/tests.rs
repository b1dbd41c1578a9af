#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use std::collections::HashSet;
use wangge_domain::Sensitive;
use wangge_domain::basic::validate::{self, HouseFields, ObjectFields, OrgFields, PersonFields};

const BBOX: (f64, f64, f64, f64) = (119.30, 26.08, 119.305, 26.085);

fn today() -> Date {
    Date::new(2026, 11, 24).unwrap()
}

fn spec<'a>(grid_code: &'a str, slot: u32, people: usize) -> GridSpec<'a> {
    GridSpec {
        seed: 42,
        grid_code,
        region6: "350102",
        slot,
        bbox: BBOX,
        people_target: people,
        today: today(),
        contains: None,
    }
}

fn opt_date(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The person written out as an import row would hold it.
/// A phone in the clear, blank when there is none: what an import file's cell holds.
fn exposed(v: &Option<Sensitive<String>>) -> &str {
    v.as_ref().map_or("", |v| v.expose().as_str())
}

fn cells(p: &Person) -> Vec<String> {
    let h = p.house.clone().unwrap_or(HouseAddress {
        building: String::new(),
        unit: String::new(),
        room: String::new(),
    });
    vec![
        p.grid_code.clone(),
        p.name.clone(),
        p.sex.label_zh().to_string(),
        p.birth_date.to_string(),
        p.id_number.expose().clone(),
        p.phone
            .clone()
            .map(Sensitive::into_inner)
            .unwrap_or_default(),
        p.ethnic.clone(),
        p.registered_address.clone(),
        p.residence.label_zh().to_string(),
        opt_date(p.arrived_on),
        opt_date(p.left_on),
        if p.party_member { "是" } else { "否" }.to_string(),
        p.education
            .map(|e| e.label_zh())
            .unwrap_or_default()
            .to_string(),
        p.occupation.clone().unwrap_or_default(),
        h.building,
        h.unit,
        h.room,
        p.household_no.clone().unwrap_or_default(),
        p.relation
            .map(|r| r.label_zh())
            .unwrap_or_default()
            .to_string(),
    ]
}

fn fields(c: &[String]) -> PersonFields<'_> {
    PersonFields {
        grid_code: &c[0],
        name: &c[1],
        sex: &c[2],
        birth_date: &c[3],
        id_number: Sensitive::new(&c[4]),
        phone: Sensitive::new(&c[5]),
        ethnic: &c[6],
        registered_address: &c[7],
        residence: &c[8],
        arrived_on: &c[9],
        left_on: &c[10],
        party_member: &c[11],
        education: &c[12],
        occupation: &c[13],
        building: &c[14],
        unit: &c[15],
        room: &c[16],
        household_no: &c[17],
        relation: &c[18],
    }
}

#[test]
fn same_spec_same_data() {
    let a = grid_population(&spec("350102001002003", 7, 300));
    let b = grid_population(&spec("350102001002003", 7, 300));
    assert_eq!(a.people, b.people);
    assert_eq!(a.houses, b.houses);
    assert_eq!(a.orgs, b.orgs);
    let c = grid_population(&GridSpec {
        seed: 43,
        ..spec("350102001002003", 7, 300)
    });
    assert_ne!(a.people, c.people);
}

#[test]
fn every_record_passes_validation() {
    for (code, slot) in [("350102001002003", 0), ("350102101201004", 1234)] {
        let d = grid_population(&spec(code, slot, 1000));
        assert_eq!(d.people.len(), 1000);
        for p in &d.people {
            let c = cells(p);
            let back =
                validate::person(&fields(&c), today()).unwrap_or_else(|e| panic!("{p:?}: {e:?}"));
            assert_eq!(&back, p);
        }
        for h in &d.houses {
            let r = h.rental.clone();
            let (lon, lat) = h.point.map(|(x, y)| (x.to_string(), y.to_string())).unzip();
            let area = h.area_m2.map(|a| a.to_string()).unwrap_or_default();
            let start = opt_date(r.as_ref().map(|r| r.start));
            let end = opt_date(r.as_ref().and_then(|r| r.end));
            let f = HouseFields {
                grid_code: &h.grid_code,
                building: &h.address.building,
                unit: &h.address.unit,
                room: &h.address.room,
                use_kind: h.use_kind.as_str(),
                owner_name: &h.owner_name,
                owner_phone: Sensitive::new(exposed(&h.owner_phone)),
                area_m2: &area,
                lon: lon.as_deref().unwrap_or(""),
                lat: lat.as_deref().unwrap_or(""),
                tenant_name: r.as_ref().map_or("", |r| &r.tenant_name),
                tenant_phone: Sensitive::new(r.as_ref().map_or("", |r| exposed(&r.tenant_phone))),
                rental_start: &start,
                rental_end: &end,
            };
            assert_eq!(
                &validate::house(&f).unwrap_or_else(|e| panic!("{h:?}: {e:?}")),
                h
            );
        }
        assert!((12..=18).contains(&d.orgs.len()));
        for o in &d.orgs {
            let f = OrgFields {
                grid_code: &o.grid_code,
                name: &o.name,
                kind: o.kind.label_zh(),
                credit_code: o.credit_code.as_deref().unwrap_or(""),
                contact_name: &o.contact_name,
                contact_phone: Sensitive::new(exposed(&o.contact_phone)),
                address: &o.address,
                safety_grade: o.safety_grade.map_or("", |g| g.as_str()),
                env_grade: o.env_grade.map_or("", |g| g.as_str()),
                key_supervised: if o.key_supervised { "是" } else { "否" },
            };
            assert_eq!(
                &validate::org(&f).unwrap_or_else(|e| panic!("{o:?}: {e:?}")),
                o
            );
        }
        assert!(d.objects.len() >= 16);
        for o in &d.objects {
            let (lon, lat) = (o.point.0.to_string(), o.point.1.to_string());
            let f = ObjectFields {
                grid_code: &o.grid_code,
                code: &o.code,
                kind: o.kind.as_str(),
                lon: &lon,
                lat: &lat,
                condition: o.condition.as_str(),
                note: o.note.as_deref().unwrap_or(""),
            };
            assert_eq!(
                &validate::object(&f).unwrap_or_else(|e| panic!("{o:?}: {e:?}")),
                o
            );
        }
    }
}

/// Grids sharing a region with slots that share a day class or a sequence block, one of them
/// crowded, never repeat an ID number (nor a credit code).
#[test]
fn id_numbers_unique_across_grids_of_a_region() {
    let mut ids = HashSet::new();
    let mut credits = HashSet::new();
    let mut total = 0;
    let grids = [
        ("350102001001001", 0, 3000),
        ("350102001001002", 1, 1000),
        ("350102001001003", BLOCKS, 1000),
        ("350102001001004", BLOCKS + 1, 1000),
        ("350102001001005", MAX_SLOTS - 1, 1000),
    ];
    for (code, slot, n) in grids {
        let d = grid_population(&spec(code, slot, n));
        total += d.people.len();
        for p in &d.people {
            assert!(ids.insert(p.id_number.clone()), "{} repeats", p.id_number);
        }
        for c in d.orgs.iter().filter_map(|o| o.credit_code.clone()) {
            assert!(credits.insert(c));
        }
    }
    assert_eq!(ids.len(), total);
    // Every slot of the region, a few people each: the daily rotation of sequence numbers
    // must stay a bijection among the slots of a day.
    let mut ids = HashSet::new();
    for slot in 0..MAX_SLOTS {
        for p in grid_population(&spec("350102001001009", slot, 12)).people {
            assert!(ids.insert(p.id_number.clone()), "{} repeats", p.id_number);
        }
    }
}

#[test]
fn crowded_grid_is_capped_and_still_unique() {
    let d = grid_population(&spec("350102001002003", 0, MAX_PEOPLE + 500));
    assert_eq!(d.people.len(), MAX_PEOPLE);
    let ids: HashSet<_> = d.people.iter().map(|p| &p.id_number).collect();
    assert_eq!(ids.len(), MAX_PEOPLE);
    assert!(
        d.people
            .iter()
            .all(|p| p.birth_date < today() && today().year() - p.birth_date.year() <= 100)
    );
}

#[test]
fn households_have_one_head_and_share_a_house() {
    let d = grid_population(&spec("350102001002003", 3, 2000));
    let mut by_no: HashMap<&str, Vec<&Person>> = HashMap::new();
    for p in &d.people {
        by_no
            .entry(p.household_no.as_deref().unwrap())
            .or_default()
            .push(p);
    }
    for members in by_no.values() {
        assert!((1..=5).contains(&members.len()));
        let heads = members
            .iter()
            .filter(|p| p.relation == Some(Relation::Head))
            .count();
        assert_eq!(heads, 1);
        let head = members
            .iter()
            .find(|p| p.relation == Some(Relation::Head))
            .unwrap();
        for p in members
            .iter()
            .filter(|p| p.relation == Some(Relation::Spouse))
        {
            assert_ne!(p.sex, head.sex);
        }
        assert!(members.iter().all(|p| p.house == members[0].house));
    }
    let houses: HashSet<_> = d.houses.iter().map(|h| &h.address).collect();
    assert_eq!(houses.len(), d.houses.len(), "house addresses repeat");
    let occupied: HashSet<_> = d.people.iter().filter_map(|p| p.house.as_ref()).collect();
    for h in &d.houses {
        let lived_in = occupied.contains(&h.address);
        match h.use_kind {
            HouseUse::Vacant | HouseUse::Business => assert!(!lived_in),
            HouseUse::Rented => assert_eq!(h.rental.is_some(), lived_in),
            HouseUse::SelfOccupied => {}
        }
    }
}

fn share(n: usize, total: usize) -> f64 {
    n as f64 / total as f64
}

#[test]
fn rates_are_believable() {
    let mut people = Vec::new();
    let mut tags = Vec::new();
    let mut houses = Vec::new();
    for slot in 0..6 {
        let d = grid_population(&spec("350102001002003", slot, 1000));
        let base = people.len();
        tags.extend(d.tags.into_iter().map(|(i, t)| (i + base, t)));
        people.extend(d.people);
        houses.extend(d.houses);
    }
    let n = people.len();
    let count = |r| people.iter().filter(|p| p.residence == r).count();
    let registered = share(count(Residence::Registered), n);
    let floating = share(count(Residence::Floating), n);
    let away = share(count(Residence::Away), n);
    assert!(
        (0.62..0.78).contains(&registered),
        "registered {registered}"
    );
    assert!((0.08..0.17).contains(&floating), "floating {floating}");
    assert!((0.01..0.06).contains(&away), "away {away}");
    let party = share(people.iter().filter(|p| p.party_member).count(), n);
    assert!((0.05..0.11).contains(&party), "party {party}");
    let rented = share(
        houses
            .iter()
            .filter(|h| h.use_kind == HouseUse::Rented)
            .count(),
        houses.len(),
    );
    assert!((0.11..0.19).contains(&rented), "rented {rented}");
    // Every floating person carries the floating tag, and nobody else does.
    let floating_tags: HashSet<usize> = tags
        .iter()
        .filter(|(_, t)| t.group == KeyGroup::Floating)
        .map(|(i, _)| *i)
        .collect();
    for (i, p) in people.iter().enumerate() {
        assert_eq!(
            floating_tags.contains(&i),
            p.residence == Residence::Floating
        );
    }
    let disabled = share(
        tags.iter()
            .filter(|(_, t)| t.group == KeyGroup::Disabled)
            .count(),
        n,
    );
    assert!((0.008..0.025).contains(&disabled), "disabled {disabled}");
    let others = tags
        .iter()
        .filter(|(_, t)| t.group != KeyGroup::Floating)
        .count();
    assert!(
        (0.03..0.15).contains(&share(others, n)),
        "other tags {others}"
    );
    for (i, t) in &tags {
        assert!(t.since >= people[*i].birth_date && t.since <= today());
        assert!(t.until.is_none_or(|u| u > t.since));
    }
    let ages: Vec<i32> = people
        .iter()
        .map(|p| today().year() - p.birth_date.year())
        .collect();
    assert!(ages.iter().all(|a| (0..=96).contains(a)));
    assert!(ages.iter().any(|a| *a < 6) && ages.iter().any(|a| *a > 80));
    let adults_without_phone = people
        .iter()
        .zip(&ages)
        .filter(|(p, a)| **a >= 18 && p.phone.is_none())
        .count();
    assert!(share(adults_without_phone, n) < 0.1);
    assert!(
        people
            .iter()
            .zip(&ages)
            .all(|(p, a)| *a >= 15 || p.phone.is_none())
    );
}

#[test]
fn points_lie_inside_the_polygon() {
    // The triangle below the bbox's diagonal.
    let inside =
        |x: f64, y: f64| (x - BBOX.0) / (BBOX.2 - BBOX.0) + (y - BBOX.1) / (BBOX.3 - BBOX.1) < 1.0;
    let d = grid_population(&GridSpec {
        contains: Some(&inside),
        ..spec("350102001002003", 9, 500)
    });
    assert!(!d.objects.is_empty());
    for (x, y) in d
        .houses
        .iter()
        .filter_map(|h| h.point)
        .chain(d.objects.iter().map(|o| o.point))
    {
        assert!(inside(x, y), "{x},{y}");
    }
    // A polygon nothing lies in: no points, no objects, and no endless loop.
    let nowhere = |_: f64, _: f64| false;
    let d = grid_population(&GridSpec {
        contains: Some(&nowhere),
        ..spec("350102001002003", 9, 50)
    });
    assert!(d.objects.is_empty() && d.houses.iter().all(|h| h.point.is_none()));
}
