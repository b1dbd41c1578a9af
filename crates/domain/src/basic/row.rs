//! The columns of the import files and templates, and the mapping of a file's header row onto
//! them. An importer maps the header once, then for each row builds the fields and validates:
//!
//! ```text
//! let map = row::map_header(Kind::People, &header)?;
//! for cells in rows { validate::person(&map.person_fields(&cells), today) }
//! ```
//!
//! Headers may be the Chinese ones of the template or the English keys, in any order; a trailing
//! `*` (the template's mark of a required column) and surrounding spaces are ignored.
//!
//! **Households** are imported as people rows: the same columns as People, with the household
//! number (户号) and the relation to the head (与户主关系) required. Rows with the same grid code and
//! household number form one household; [`household_problems`] checks that each has exactly one
//! head. A household has no record of its own beyond its members and their house.

use std::collections::HashMap;

use crate::Sensitive;
use crate::err;

use super::validate::{FieldError, HouseFields, ObjectFields, OrgFields, PersonFields};

/// What an import file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    People,
    Households,
    Houses,
    Orgs,
    Objects,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::People,
        Kind::Households,
        Kind::Houses,
        Kind::Orgs,
        Kind::Objects,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::People => "people",
            Kind::Households => "households",
            Kind::Houses => "houses",
            Kind::Orgs => "orgs",
            Kind::Objects => "objects",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::People => "实有人口",
            Kind::Households => "户籍家庭",
            Kind::Houses => "房屋",
            Kind::Orgs => "组织",
            Kind::Objects => "部件",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        let s = s.trim();
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label_zh() == s)
    }
}

/// One column of an import file or template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The English header and the field name in [`FieldError`]s.
    pub key: &'static str,
    /// The Chinese header of the template.
    pub zh: &'static str,
    /// The column must be present in the header (its cells may still be checked per row).
    pub required: bool,
    /// Chinese labels offered as a drop-down in the template.
    pub choices: Option<&'static [&'static str]>,
}

// Labels of the coded enums, for drop-downs; a test keeps them equal to `label_zh`.
pub const SEX_CHOICES: &[&str] = &["男", "女"];
pub const RESIDENCE_CHOICES: &[&str] = &["户籍", "常住", "流动", "人户分离"];
pub const YES_NO_CHOICES: &[&str] = &["是", "否"];
pub const EDUCATION_CHOICES: &[&str] = &[
    "文盲或半文盲",
    "小学",
    "初中",
    "高中/中专",
    "大专",
    "本科",
    "研究生",
];
pub const RELATION_CHOICES: &[&str] = &[
    "户主",
    "配偶",
    "子女",
    "父母",
    "孙子女",
    "祖父母",
    "兄弟姐妹",
    "其他",
];
pub const HOUSE_USE_CHOICES: &[&str] = &["自住", "出租", "空置", "经营"];
pub const ORG_KIND_CHOICES: &[&str] = &["企业", "个体商户", "学校", "医院", "社会组织", "党组织"];
pub const GRADE_CHOICES: &[&str] = &["A", "B", "C", "D"];
pub const OBJECT_KIND_CHOICES: &[&str] =
    &["消防栓", "井盖", "监控摄像头", "路灯", "垃圾箱", "其他部件"];
pub const CONDITION_CHOICES: &[&str] = &["完好", "损坏", "丢失"];

const fn col(key: &'static str, zh: &'static str, required: bool) -> Column {
    Column {
        key,
        zh,
        required,
        choices: None,
    }
}

const fn pick(
    key: &'static str,
    zh: &'static str,
    required: bool,
    choices: &'static [&'static str],
) -> Column {
    Column {
        key,
        zh,
        required,
        choices: Some(choices),
    }
}

macro_rules! person_columns {
    ($household_required:literal) => {
        [
            col("grid_code", "网格编码", true),
            col("name", "姓名", true),
            pick("sex", "性别", false, SEX_CHOICES),
            col("birth_date", "出生日期", false),
            col("id_number", "身份证号", true),
            col("phone", "联系电话", false),
            col("ethnic", "民族", false),
            col("registered_address", "户籍地址", false),
            pick("residence", "人口类型", true, RESIDENCE_CHOICES),
            col("arrived_on", "来本地日期", false),
            col("left_on", "离开日期", false),
            pick("party_member", "是否党员", false, YES_NO_CHOICES),
            pick("education", "文化程度", false, EDUCATION_CHOICES),
            col("occupation", "职业", false),
            col("building", "楼栋", false),
            col("unit", "单元", false),
            col("room", "室", false),
            col("household_no", "户号", $household_required),
            pick(
                "relation",
                "与户主关系",
                $household_required,
                RELATION_CHOICES,
            ),
            // Open key-group tags, `独居老人(2024-03-01);低保户`: see `tags::parse_cell`.
            col("key_groups", "重点人群", false),
        ]
    };
}

const PEOPLE: [Column; 20] = person_columns!(false);
const HOUSEHOLDS: [Column; 20] = person_columns!(true);

const HOUSES: [Column; 14] = [
    col("grid_code", "网格编码", true),
    col("building", "楼栋", true),
    col("unit", "单元", false),
    col("room", "室", true),
    pick("use_kind", "房屋用途", true, HOUSE_USE_CHOICES),
    col("owner_name", "房主姓名", true),
    col("owner_phone", "房主电话", false),
    col("area_m2", "面积(平方米)", false),
    col("lon", "经度", false),
    col("lat", "纬度", false),
    col("tenant_name", "承租人姓名", false),
    col("tenant_phone", "承租人电话", false),
    col("rental_start", "租赁开始日期", false),
    col("rental_end", "租赁结束日期", false),
];

const ORGS: [Column; 10] = [
    col("grid_code", "网格编码", true),
    col("name", "组织名称", true),
    pick("kind", "组织类型", true, ORG_KIND_CHOICES),
    col("credit_code", "统一社会信用代码", false),
    col("contact_name", "联系人", true),
    col("contact_phone", "联系电话", false),
    col("address", "地址", true),
    pick("safety_grade", "安全生产等级", false, GRADE_CHOICES),
    pick("env_grade", "环保等级", false, GRADE_CHOICES),
    pick("key_supervised", "是否重点监管", false, YES_NO_CHOICES),
];

const OBJECTS: [Column; 7] = [
    col("grid_code", "网格编码", true),
    col("code", "部件编码", true),
    pick("kind", "部件类型", true, OBJECT_KIND_CHOICES),
    col("lon", "经度", true),
    col("lat", "纬度", true),
    pick("condition", "状况", false, CONDITION_CHOICES),
    col("note", "备注", false),
];

/// The columns of a kind, in template order.
pub fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::People => &PEOPLE,
        Kind::Households => &HOUSEHOLDS,
        Kind::Houses => &HOUSES,
        Kind::Orgs => &ORGS,
        Kind::Objects => &OBJECTS,
    }
}

// The example row of each template, cell by cell in column order: valid, so it shows the
// formats, and skipped by the import while it is left exactly as it is (see `is_example`).
const PERSON_EXAMPLE: [&str; 20] = [
    "350102001001001",
    "张示例",
    "男",
    "1980-01-02",
    "350102198001020017",
    "13800138000",
    "汉族",
    "福建省福州市鼓楼区示例路1号",
    "户籍",
    "",
    "",
    "否",
    "高中/中专",
    "个体",
    "1",
    "2",
    "301",
    "H0001",
    "户主",
    "",
];
const HOUSE_EXAMPLE: [&str; 14] = [
    "350102001001001",
    "1",
    "2",
    "301",
    "出租",
    "李示例",
    "13800138001",
    "89.5",
    "",
    "",
    "王示例",
    "13800138002",
    "2025-03-01",
    "2026-02-28",
];
const ORG_EXAMPLE: [&str; 10] = [
    "350102001001001",
    "示例便利店",
    "个体商户",
    "",
    "赵示例",
    "13800138003",
    "示例路1号",
    "B",
    "",
    "否",
];
const OBJECT_EXAMPLE: [&str; 7] = [
    "350102001001001",
    "XFS-0001",
    "消防栓",
    "119.30",
    "26.08",
    "完好",
    "示例路1号路口",
];

/// The template's example row of a kind, cell by cell in column order.
pub fn example(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::People | Kind::Households => &PERSON_EXAMPLE,
        Kind::Houses => &HOUSE_EXAMPLE,
        Kind::Orgs => &ORG_EXAMPLE,
        Kind::Objects => &OBJECT_EXAMPLE,
    }
}

/// Other Chinese headers seen in real files, mapped to a key.
const ALIASES: &[(&str, &str)] = &[
    ("身份证号码", "id_number"),
    ("公民身份号码", "id_number"),
    ("证件号码", "id_number"),
    ("手机号", "phone"),
    ("手机号码", "phone"),
    ("电话", "phone"),
    ("户籍地", "registered_address"),
    ("人员类型", "residence"),
    ("居住类型", "residence"),
    ("学历", "education"),
    ("网格编号", "grid_code"),
    ("房间号", "room"),
    ("面积", "area_m2"),
    ("面积（平方米）", "area_m2"),
    ("统一信用代码", "credit_code"),
];

/// Trims spaces, a byte-order mark and a required-column star.
fn clean_header(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .trim_end_matches(['*', '＊'])
        .trim()
}

fn find_column(cols: &'static [Column], header: &str) -> Option<usize> {
    let h = clean_header(header);
    cols.iter()
        .position(|c| c.zh == h || c.key.eq_ignore_ascii_case(h))
        .or_else(|| {
            let key = ALIASES.iter().find(|(zh, _)| *zh == h)?.1;
            cols.iter().position(|c| c.key == key)
        })
}

/// Where each column of a kind sits in a file's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    kind: Kind,
    /// Per column of `columns(kind)`, the cell index, if the file has it.
    at: Vec<Option<usize>>,
}

/// Maps a header row. Every problem is reported: each missing required column (field = its key),
/// each header that names no column (field "header") and each column given twice. Blank header
/// cells are ignored.
pub fn map_header(kind: Kind, header_cells: &[String]) -> Result<HeaderMap, Vec<FieldError>> {
    let cols = columns(kind);
    let mut at = vec![None; cols.len()];
    let mut errs = Vec::new();
    for (i, h) in header_cells.iter().enumerate() {
        if clean_header(h).is_empty() {
            continue;
        }
        match find_column(cols, h) {
            None => errs.push(FieldError::new(
                "header",
                err!(
                    "header.unknown",
                    column = i + 1,
                    header = clean_header(h),
                    kind = kind.as_str()
                ),
            )),
            Some(c) if at[c].is_some() => errs.push(FieldError::new(
                cols[c].key,
                err!(
                    "header.duplicate",
                    column = i + 1,
                    header = clean_header(h),
                    name = cols[c].zh,
                    key = cols[c].key
                ),
            )),
            Some(c) => at[c] = Some(i),
        }
    }
    for (c, col) in cols.iter().enumerate() {
        if col.required && at[c].is_none() {
            errs.push(FieldError::new(
                col.key,
                err!("header.missing", name = col.zh, key = col.key),
            ));
        }
    }
    if errs.is_empty() {
        Ok(HeaderMap { kind, at })
    } else {
        Err(errs)
    }
}

impl HeaderMap {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The cell index of a column key, if the file has it.
    pub fn index_of(&self, key: &str) -> Option<usize> {
        let c = columns(self.kind).iter().position(|c| c.key == key)?;
        self.at[c]
    }

    /// A row's cell for a column key; blank when the file lacks the column or the row is short.
    pub fn cell<'a>(&self, cells: &'a [String], key: &str) -> &'a str {
        self.index_of(key)
            .and_then(|i| cells.get(i))
            .map_or("", String::as_str)
    }

    /// People and households rows.
    pub fn person_fields<'a>(&self, cells: &'a [String]) -> PersonFields<'a> {
        let c = |k| self.cell(cells, k);
        PersonFields {
            grid_code: c("grid_code"),
            name: c("name"),
            sex: c("sex"),
            birth_date: c("birth_date"),
            id_number: Sensitive::new(c("id_number")),
            phone: Sensitive::new(c("phone")),
            ethnic: c("ethnic"),
            registered_address: c("registered_address"),
            residence: c("residence"),
            arrived_on: c("arrived_on"),
            left_on: c("left_on"),
            party_member: c("party_member"),
            education: c("education"),
            occupation: c("occupation"),
            building: c("building"),
            unit: c("unit"),
            room: c("room"),
            household_no: c("household_no"),
            relation: c("relation"),
        }
    }

    pub fn house_fields<'a>(&self, cells: &'a [String]) -> HouseFields<'a> {
        let c = |k| self.cell(cells, k);
        HouseFields {
            grid_code: c("grid_code"),
            building: c("building"),
            unit: c("unit"),
            room: c("room"),
            use_kind: c("use_kind"),
            owner_name: c("owner_name"),
            owner_phone: Sensitive::new(c("owner_phone")),
            area_m2: c("area_m2"),
            lon: c("lon"),
            lat: c("lat"),
            tenant_name: c("tenant_name"),
            tenant_phone: Sensitive::new(c("tenant_phone")),
            rental_start: c("rental_start"),
            rental_end: c("rental_end"),
        }
    }

    /// Whether a row is the template's example, left as it was: every column the file has
    /// holds the example's value (a file without some columns still matches on the rest).
    pub fn is_example(&self, cells: &[String]) -> bool {
        let example = example(self.kind);
        self.at.iter().zip(example).all(|(at, want)| match at {
            Some(i) => cells.get(*i).map_or("", |c| c.trim()) == *want,
            None => true,
        }) && cells.iter().enumerate().all(|(i, c)| {
            // A cell under no known column (blank header) must be blank too.
            self.at.contains(&Some(i)) || c.trim().is_empty()
        })
    }

    pub fn object_fields<'a>(&self, cells: &'a [String]) -> ObjectFields<'a> {
        let c = |k| self.cell(cells, k);
        ObjectFields {
            grid_code: c("grid_code"),
            code: c("code"),
            kind: c("kind"),
            lon: c("lon"),
            lat: c("lat"),
            condition: c("condition"),
            note: c("note"),
        }
    }

    pub fn org_fields<'a>(&self, cells: &'a [String]) -> OrgFields<'a> {
        let c = |k| self.cell(cells, k);
        OrgFields {
            grid_code: c("grid_code"),
            name: c("name"),
            kind: c("kind"),
            credit_code: c("credit_code"),
            contact_name: c("contact_name"),
            contact_phone: Sensitive::new(c("contact_phone")),
            address: c("address"),
            safety_grade: c("safety_grade"),
            env_grade: c("env_grade"),
            key_supervised: c("key_supervised"),
        }
    }
}

/// One household member as the cross-row check needs it.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// The row number to report (as the importer counts rows).
    pub row: usize,
    pub grid_code: &'a str,
    pub household_no: &'a str,
    pub is_head: bool,
}

/// A problem of a whole household, reported on one of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdProblem {
    pub row: usize,
    pub error: FieldError,
}

/// Checks that each household (grid code + household number) has exactly one head: a household
/// without one is reported on its first row, each extra head on its own row.
pub fn household_problems<'a>(
    members: impl IntoIterator<Item = Member<'a>>,
) -> Vec<HouseholdProblem> {
    // (first row, first head row) per household, in order of first appearance.
    let mut seen: HashMap<(&str, &str), (usize, Option<usize>)> = HashMap::new();
    let mut order = Vec::new();
    let mut out = Vec::new();
    for m in members {
        let key = (m.grid_code, m.household_no);
        let entry = seen.entry(key).or_insert_with(|| {
            order.push(key);
            (m.row, None)
        });
        if m.is_head {
            match entry.1 {
                None => entry.1 = Some(m.row),
                Some(first) => out.push(HouseholdProblem {
                    row: m.row,
                    error: FieldError::new(
                        "relation",
                        err!("household.two_heads", household = m.household_no, first),
                    ),
                }),
            }
        }
    }
    for key in order {
        if let Some((first, None)) = seen.get(&key) {
            out.push(HouseholdProblem {
                row: *first,
                error: FieldError::new("relation", err!("household.no_head", household = key.1)),
            });
        }
    }
    out.sort_by_key(|p| p.row);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::basic::{
        Condition, Education, Grade, HouseUse, ObjectKind, OrgKind, Relation, Residence, Sex,
        validate,
    };
    use crate::calendar::Date;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn choices_are_the_enum_labels() {
        fn labels<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|v| f(*v)).collect()
        }
        assert_eq!(SEX_CHOICES, labels(Sex::ALL, Sex::label_zh));
        assert_eq!(
            RESIDENCE_CHOICES,
            labels(Residence::ALL, Residence::label_zh)
        );
        assert_eq!(
            EDUCATION_CHOICES,
            labels(Education::ALL, Education::label_zh)
        );
        assert_eq!(RELATION_CHOICES, labels(Relation::ALL, Relation::label_zh));
        assert_eq!(HOUSE_USE_CHOICES, labels(HouseUse::ALL, HouseUse::label_zh));
        assert_eq!(ORG_KIND_CHOICES, labels(OrgKind::ALL, OrgKind::label_zh));
        assert_eq!(GRADE_CHOICES, labels(Grade::ALL, Grade::label_zh));
        assert_eq!(
            OBJECT_KIND_CHOICES,
            labels(ObjectKind::ALL, ObjectKind::label_zh)
        );
        assert_eq!(
            CONDITION_CHOICES,
            labels(Condition::ALL, Condition::label_zh)
        );
    }

    #[test]
    fn every_example_row_is_valid_and_recognised_only_unchanged() {
        let today = Date::new(2026, 1, 1).unwrap();
        for kind in Kind::ALL {
            let cols = columns(kind);
            let ex = example(kind);
            assert_eq!(ex.len(), cols.len(), "{kind:?}");
            let header: Vec<String> = cols.iter().map(|c| c.zh.to_string()).collect();
            let map = map_header(kind, &header).unwrap();
            let cells = strings(ex);
            let ok = match kind {
                Kind::People | Kind::Households => {
                    validate::person(&map.person_fields(&cells), today).is_ok()
                }
                Kind::Houses => validate::house(&map.house_fields(&cells)).is_ok(),
                Kind::Orgs => validate::org(&map.org_fields(&cells)).is_ok(),
                Kind::Objects => validate::object(&map.object_fields(&cells)).is_ok(),
            };
            assert!(ok, "{kind:?}'s example is not valid");
            assert!(map.is_example(&cells));
            let mut changed = cells.clone();
            changed[1].push('2');
            assert!(!map.is_example(&changed), "{kind:?}");
        }
    }

    #[test]
    fn keys_and_headers_are_unique_and_every_alias_names_a_column() {
        for kind in Kind::ALL {
            let cols = columns(kind);
            for (i, c) in cols.iter().enumerate() {
                for d in &cols[i + 1..] {
                    assert_ne!(c.key, d.key);
                    assert_ne!(c.zh, d.zh);
                }
            }
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        for (zh, key) in ALIASES {
            assert!(
                Kind::ALL
                    .iter()
                    .any(|k| columns(*k).iter().any(|c| c.key == *key)),
                "{zh} -> {key}"
            );
        }
    }

    #[test]
    fn chinese_or_english_headers_in_any_order() {
        let header = strings(&[
            "身份证号码",
            "name",
            " 人口类型* ",
            "\u{feff}网格编码",
            "楼栋",
            "",
        ]);
        let map = map_header(Kind::People, &header).unwrap();
        let id = crate::basic::ident::make_id_number("350102", Date::new(1980, 1, 2).unwrap(), 7);
        let row = strings(&[&id, "李雷", "常住", "350102001002003", "5"]);
        let f = map.person_fields(&row);
        assert_eq!(f.name, "李雷");
        assert_eq!(f.building, "5");
        assert_eq!(f.room, "");
        let p = validate::person(&f, Date::new(2026, 1, 1).unwrap());
        // The row has a building but no room: the validator says so, by key.
        assert_eq!(p.unwrap_err()[0].field, "room");
    }

    #[test]
    fn every_header_problem_is_reported() {
        let header = strings(&["姓名", "年龄", "姓名", "grid_code", "身份证号"]);
        let errs = map_header(Kind::Households, &header).unwrap_err();
        let got: Vec<_> = errs.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            [
                ("header", "header.unknown"),
                ("name", "header.duplicate"),
                ("residence", "header.missing"),
                ("household_no", "header.missing"),
                ("relation", "header.missing"),
            ]
        );
        assert!(errs[0].message.contains("column 2"), "{}", errs[0].message);
    }

    #[test]
    fn every_template_header_maps_to_itself() {
        for kind in Kind::ALL {
            let cols = columns(kind);
            let zh: Vec<String> = cols.iter().rev().map(|c| c.zh.to_string()).collect();
            let map = map_header(kind, &zh).unwrap();
            for (i, c) in cols.iter().rev().enumerate() {
                assert_eq!(map.index_of(c.key), Some(i));
            }
            let en: Vec<String> = cols.iter().map(|c| c.key.to_uppercase()).collect();
            assert!(map_header(kind, &en).is_ok());
        }
    }

    #[test]
    fn house_and_org_rows() {
        let map = map_header(
            Kind::Houses,
            &strings(&["网格编码", "楼栋", "室", "房屋用途", "房主姓名"]),
        )
        .unwrap();
        let h = validate::house(&map.house_fields(&strings(&[
            "350102001002003",
            "1",
            "101",
            "空置",
            "韩梅梅",
        ])))
        .unwrap();
        assert_eq!(h.use_kind, HouseUse::Vacant);
        let map = map_header(
            Kind::Orgs,
            &strings(&[
                "grid_code",
                "name",
                "kind",
                "contact_name",
                "address",
                "是否重点监管",
            ]),
        )
        .unwrap();
        let o = validate::org(&map.org_fields(&strings(&[
            "350102001002003",
            "东街小学",
            "学校",
            "周老师",
            "东街2号",
            "否",
        ])))
        .unwrap();
        assert_eq!(o.kind, OrgKind::School);
    }

    #[test]
    fn households_need_exactly_one_head() {
        let m = |row, no, is_head| Member {
            row,
            grid_code: "350102001002003",
            household_no: no,
            is_head,
        };
        let members = [
            m(2, "A", true),
            m(3, "A", false),
            m(4, "B", false),
            m(5, "C", true),
            m(6, "C", true),
            m(7, "B", false),
        ];
        let got: Vec<_> = household_problems(members)
            .into_iter()
            .map(|p| (p.row, p.error.code))
            .collect();
        assert_eq!(got, [(4, "household.no_head"), (6, "household.two_heads")]);
        // The same number in another grid is another household.
        let other = Member {
            grid_code: "350102001002004",
            ..m(8, "A", true)
        };
        assert!(household_problems([m(2, "A", true), other]).is_empty());
    }
}
