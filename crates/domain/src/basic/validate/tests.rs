#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use crate::basic::ident::{make_credit_code, make_id_number};

fn today() -> Date {
    Date::new(2026, 11, 24).unwrap()
}

fn id_1990_male() -> String {
    make_id_number("350102", Date::new(1990, 5, 17).unwrap(), 351)
}

fn good_person(id: &str) -> PersonFields<'_> {
    PersonFields {
        grid_code: "350102001002003",
        name: "张三丰",
        id_number: Sensitive::new(id),
        residence: "户籍",
        ..Default::default()
    }
}

fn fields(errs: &[FieldError]) -> Vec<&'static str> {
    errs.iter().map(|e| e.field).collect()
}

#[test]
fn dates_in_the_usual_spellings() {
    let want = Date::new(2020, 1, 5).unwrap();
    for s in [
        "2020-01-05",
        "2020/1/5",
        "2020.01.05",
        "20200105",
        " 2020-1-05 ",
    ] {
        assert_eq!(parse_date("d", s).unwrap(), want, "{s}");
    }
    assert_eq!(
        parse_date("d", "2019-02-29").unwrap_err().code,
        "date.impossible"
    );
    assert_eq!(
        parse_date("d", "19990230").unwrap_err().code,
        "date.impossible"
    );
    for s in [
        "2020-01",
        "20-01-05",
        "2020-01-05-01",
        "yesterday",
        "2020105",
    ] {
        assert_eq!(parse_date("d", s).unwrap_err().code, "date.invalid", "{s}");
    }
}

#[test]
fn booleans() {
    for s in ["是", "yes", "TRUE", "1"] {
        assert!(parse_bool("b", s).unwrap());
    }
    for s in ["否", "No", "false", "0"] {
        assert!(!parse_bool("b", s).unwrap());
    }
    assert_eq!(
        parse_bool("party_member", "maybe").unwrap_err().field,
        "party_member"
    );
}

#[test]
fn minimal_person_takes_sex_and_birth_from_the_id() {
    let id = id_1990_male();
    let p = person(&good_person(&id), today()).unwrap();
    assert_eq!(p.sex, Sex::Male);
    assert_eq!(p.birth_date, Date::new(1990, 5, 17).unwrap());
    assert_eq!(p.id_number.expose(), &id);
    assert!(!p.party_member);
    assert_eq!(p.house, None);
}

#[test]
fn full_person() {
    let id = id_1990_male();
    let f = PersonFields {
        sex: "男",
        birth_date: "1990/05/17",
        phone: Sensitive::new("+86 139-0000-1111"),
        ethnic: "汉族",
        registered_address: "福建省福州市鼓楼区",
        residence: "floating",
        arrived_on: "20240301",
        left_on: "2025-01-01",
        party_member: "是",
        education: "大学本科",
        occupation: "教师",
        building: "3",
        unit: "2",
        room: "501",
        household_no: "H0001",
        relation: "户主",
        ..good_person(&id)
    };
    let p = person(&f, today()).unwrap();
    assert_eq!(
        p.phone.as_ref().map(|v| v.expose().as_str()),
        Some("13900001111")
    );
    assert_eq!(p.residence, Residence::Floating);
    assert_eq!(p.arrived_on, Date::new(2024, 3, 1));
    assert!(p.party_member);
    assert_eq!(p.education, Some(Education::Bachelor));
    assert_eq!(p.house.unwrap().room, "501");
    assert_eq!(p.relation, Some(Relation::Head));
}

#[test]
fn every_bad_field_is_listed() {
    let id = id_1990_male();
    let f = PersonFields {
        grid_code: "35010200100200",
        name: "",
        sex: "女",
        birth_date: "1990-05-18",
        phone: Sensitive::new("12345"),
        residence: "外星",
        party_member: "maybe",
        education: "幼儿园",
        building: "3",
        relation: "户主",
        ..good_person(&id)
    };
    let errs = person(&f, today()).unwrap_err();
    assert_eq!(
        fields(&errs),
        [
            "grid_code",
            "name",
            "birth_date",
            "sex",
            "phone",
            "residence",
            "party_member",
            "education",
            "room",
            "household_no"
        ]
    );
    assert!(errs[3].message.contains("male"), "{}", errs[3].message);
}

#[test]
fn id_number_errors_reach_the_list() {
    let mut id = id_1990_male();
    let last = id.pop().unwrap();
    id.push(if last == '0' { '1' } else { '0' });
    let errs = person(&good_person(&id), today()).unwrap_err();
    assert_eq!(fields(&errs), ["id_number"]);
    assert!(
        errs[0]
            .message
            .starts_with(&format!("check character should be {last}"))
    );
    let errs = person(&good_person(""), today()).unwrap_err();
    assert_eq!((errs[0].field, errs[0].code), ("id_number", "required"));
}

#[test]
fn floating_dates() {
    let id = id_1990_male();
    let registered_with_date = PersonFields {
        arrived_on: "2020-01-01",
        ..good_person(&id)
    };
    let errs = person(&registered_with_date, today()).unwrap_err();
    assert_eq!(
        (errs[0].field, errs[0].code),
        ("arrived_on", "floating_only")
    );
    let floating_without = PersonFields {
        residence: "流动",
        ..good_person(&id)
    };
    assert_eq!(
        fields(&person(&floating_without, today()).unwrap_err()),
        ["arrived_on"]
    );
    let backwards = PersonFields {
        residence: "流动",
        arrived_on: "2024-03-01",
        left_on: "2024-02-01",
        ..good_person(&id)
    };
    let errs = person(&backwards, today()).unwrap_err();
    assert_eq!((errs[0].field, errs[0].code), ("left_on", "date.order"));
    let future = PersonFields {
        residence: "流动",
        arrived_on: "2027-01-01",
        ..good_person(&id)
    };
    assert_eq!(person(&future, today()).unwrap_err()[0].code, "date.future");
}

#[test]
fn name_length() {
    let id = id_1990_male();
    let long = "张".repeat(31);
    let f = PersonFields {
        name: &long,
        ..good_person(&id)
    };
    assert_eq!(person(&f, today()).unwrap_err()[0].code, "text.too_long");
    let ok = "张".repeat(30);
    assert!(
        person(
            &PersonFields {
                name: &ok,
                ..good_person(&id)
            },
            today()
        )
        .is_ok()
    );
}

fn good_house() -> HouseFields<'static> {
    HouseFields {
        grid_code: "350102001002003",
        building: "3",
        unit: "1",
        room: "502",
        use_kind: "自住",
        owner_name: "李四",
        ..Default::default()
    }
}

#[test]
fn houses() {
    let h = house(&good_house()).unwrap();
    assert_eq!(h.use_kind, HouseUse::SelfOccupied);
    assert_eq!(h.rental, None);
    let rented = HouseFields {
        use_kind: "出租屋",
        tenant_name: "王五",
        tenant_phone: Sensitive::new("13800138000"),
        rental_start: "2025-01-01",
        rental_end: "2025-12-31",
        area_m2: "89.5",
        lon: "119.3",
        lat: "26.08",
        ..good_house()
    };
    let h = house(&rented).unwrap();
    assert_eq!(h.rental.unwrap().tenant_name, "王五");
    assert_eq!(h.point, Some((119.3, 26.08)));
    let bad = HouseFields {
        use_kind: "出租",
        rental_end: "2024-12-31",
        rental_start: "2025-01-01",
        area_m2: "-3",
        lon: "119.3",
        ..good_house()
    };
    assert_eq!(
        fields(&house(&bad).unwrap_err()),
        ["area_m2", "lat", "tenant_name", "rental_end"]
    );
    let not_rented = HouseFields {
        tenant_name: "王五",
        room: "",
        ..good_house()
    };
    assert_eq!(
        fields(&house(&not_rented).unwrap_err()),
        ["room", "tenant_name"]
    );
}

#[test]
fn orgs() {
    let code = make_credit_code("91350102MA2XY0123");
    let f = OrgFields {
        grid_code: "350102001002003",
        name: "示范食品厂",
        kind: "企业",
        credit_code: &code,
        contact_name: "赵六",
        address: "东街1号",
        safety_grade: "B",
        key_supervised: "是",
        ..Default::default()
    };
    let o = org(&f).unwrap();
    assert_eq!(o.credit_code.as_deref(), Some(code.as_str()));
    assert!(o.key_supervised);
    let wrong = format!(
        "{}{}",
        &code[..17],
        if code.ends_with('1') { '2' } else { '1' }
    );
    let bad = OrgFields {
        credit_code: &wrong,
        kind: "公司",
        env_grade: "E",
        contact_name: "",
        ..f
    };
    assert_eq!(
        fields(&org(&bad).unwrap_err()),
        ["kind", "credit_code", "contact_name", "env_grade"]
    );
}

#[test]
fn objects() {
    let f = ObjectFields {
        grid_code: "350102001002003",
        code: "350102001002003-HY-001",
        kind: "消防栓",
        lon: "119.30",
        lat: "26.08",
        ..Default::default()
    };
    assert_eq!(object(&f).unwrap().condition, Condition::Good);
    let bad = ObjectFields {
        code: "井盖 1",
        lat: "95",
        condition: "broken",
        ..f
    };
    assert_eq!(
        fields(&object(&bad).unwrap_err()),
        ["code", "lat", "condition"]
    );
}

#[test]
fn records_and_their_fields_never_print_an_id_number_or_phone() {
    let id = id_1990_male();
    let f = PersonFields {
        phone: Sensitive::new("13900001111"),
        ..good_person(&id)
    };
    let p = person(&f, today()).unwrap();
    for shown in [format!("{p:?}"), format!("{f:?}")] {
        assert!(!shown.contains(&id), "{shown}");
        assert!(!shown.contains("13900001111"), "{shown}");
        assert!(shown.contains("张三丰"), "the rest still prints: {shown}");
    }
    let f = HouseFields {
        use_kind: "出租屋",
        owner_phone: Sensitive::new("13700001111"),
        tenant_name: "王五",
        tenant_phone: Sensitive::new("13800138000"),
        rental_start: "2025-01-01",
        ..good_house()
    };
    let h = house(&f).unwrap();
    for shown in [format!("{h:?}"), format!("{f:?}")] {
        assert!(!shown.contains("13700001111"), "{shown}");
        assert!(!shown.contains("13800138000"), "{shown}");
    }
    let f = OrgFields {
        grid_code: "350102001002003",
        name: "示范食品厂",
        kind: "企业",
        contact_name: "赵六",
        contact_phone: Sensitive::new("13600001111"),
        address: "东街1号",
        ..Default::default()
    };
    let o = org(&f).unwrap();
    assert_eq!(
        o.contact_phone.as_ref().map(|v| v.expose().as_str()),
        Some("13600001111")
    );
    for shown in [format!("{o:?}"), format!("{f:?}")] {
        assert!(!shown.contains("13600001111"), "{shown}");
    }
}
