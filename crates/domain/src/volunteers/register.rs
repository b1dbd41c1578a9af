//! Who the volunteers are (附件3/4: building leaders, unit leaders, other volunteers) and the
//! rules of applying and approving (filled in by its part).

use serde::{Deserialize, Serialize};

use crate::{Error, err};

/// A volunteer's post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    /// 楼栋长.
    BuildingLeader,
    /// 单元长.
    UnitLeader,
    /// Any other volunteer.
    Volunteer,
}

impl Post {
    pub const ALL: [Post; 3] = [Post::BuildingLeader, Post::UnitLeader, Post::Volunteer];

    pub fn as_str(self) -> &'static str {
        match self {
            Post::BuildingLeader => "building_leader",
            Post::UnitLeader => "unit_leader",
            Post::Volunteer => "volunteer",
        }
    }

    pub fn parse(s: &str) -> Option<Post> {
        Post::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether the post is one the street's excellence awards choose from.
    pub fn is_leader(self) -> bool {
        matches!(self, Post::BuildingLeader | Post::UnitLeader)
    }
}

impl Post {
    /// The post from its key or its Chinese name (an import's cell may hold either).
    pub fn from_cell(s: &str) -> Option<Post> {
        match s.trim() {
            "楼栋长" => Some(Post::BuildingLeader),
            "单元长" => Some(Post::UnitLeader),
            "志愿者" | "" => Some(Post::Volunteer),
            other => Post::parse(other),
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Post::BuildingLeader => "楼栋长",
            Post::UnitLeader => "单元长",
            Post::Volunteer => "志愿者",
        }
    }
}

/// Where a volunteer is in their life: applied (waiting for the community), active (has an
/// account), rejected, left (the account is deactivated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Applied,
    Active,
    Rejected,
    Left,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Applied,
        Status::Active,
        Status::Rejected,
        Status::Left,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Active => "active",
            Status::Rejected => "rejected",
            Status::Left => "left",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The only moves: an application is approved or rejected; an active volunteer leaves.
    pub fn may_become(self, to: Status) -> bool {
        matches!(
            (self, to),
            (Status::Applied, Status::Active)
                | (Status::Applied, Status::Rejected)
                | (Status::Active, Status::Left)
        )
    }
}

pub const MAX_NAME: usize = 20;
pub const MAX_PLACE: usize = 20;
pub const MAX_SKILLS: usize = 200;
pub const MAX_REASON: usize = 200;

/// A volunteer's fields as typed (a form, a JSON body or an import row).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Fields {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub building: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub post: String,
    #[serde(default)]
    pub skills: String,
}

/// The fields checked: trimmed, the phone as 11 digits, the post known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub name: String,
    pub phone: String,
    pub building: String,
    pub unit: String,
    pub post: Post,
    pub skills: String,
}

fn field_err(e: Error, field: &str) -> Error {
    e.with_details(serde_json::json!({ "field": field }))
}

fn short(v: &str) -> String {
    v.chars().take(30).collect()
}

/// A mainland mobile number as 11 digits (1, then 3–9, then nine digits); spaces, dashes and a
/// leading +86 are dropped. None when it is not one.
pub fn normalize_phone(v: &str) -> Option<String> {
    let digits: String = v
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
        .unwrap_or(&digits);
    let b = digits.as_bytes();
    let ok = b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]);
    ok.then(|| digits.to_string())
}

impl Fields {
    /// Checks every field; the first fault is returned, naming its field in `details`.
    pub fn check(&self) -> Result<Checked, Error> {
        let name = self.name.trim();
        let n = name.chars().count();
        if n == 0 || n > MAX_NAME || name.chars().any(char::is_control) {
            return Err(field_err(err!("volunteers.name_invalid"), "name"));
        }
        let phone = normalize_phone(&self.phone).ok_or_else(|| {
            field_err(
                err!("volunteers.phone_invalid", value = short(&self.phone)),
                "phone",
            )
        })?;
        let building = self.building.trim();
        if building.chars().count() > MAX_PLACE || building.chars().any(char::is_control) {
            return Err(field_err(err!("volunteers.building_invalid"), "building"));
        }
        let unit = self.unit.trim();
        if unit.chars().count() > MAX_PLACE || unit.chars().any(char::is_control) {
            return Err(field_err(err!("volunteers.unit_invalid"), "unit"));
        }
        let skills = self.skills.trim();
        if skills.chars().count() > MAX_SKILLS || skills.contains('\0') {
            return Err(field_err(err!("volunteers.skills_invalid"), "skills"));
        }
        let post = Post::from_cell(&self.post).ok_or_else(|| {
            field_err(
                err!("volunteers.post_invalid", value = short(&self.post)),
                "post",
            )
        })?;
        Ok(Checked {
            name: name.to_string(),
            phone,
            building: building.to_string(),
            unit: unit.to_string(),
            post,
            skills: skills.to_string(),
        })
    }
}

/// A reason or note: trimmed, 1–200 characters.
pub fn check_reason(v: &str, code: &'static str) -> Result<String, Error> {
    let v = v.trim();
    let n = v.chars().count();
    if n == 0 || n > MAX_REASON || v.contains('\0') {
        return Err(field_err(Error::new(code, vec![]), "reason"));
    }
    Ok(v.to_string())
}

/// The import template's columns: (header, field, required).
pub const IMPORT_COLUMNS: [(&str, &str, bool); 6] = [
    ("姓名", "name", true),
    ("手机号", "phone", true),
    ("楼栋", "building", false),
    ("单元", "unit", false),
    ("岗位", "post", false),
    ("特长", "skills", false),
];

/// Where each column of an import is, from its header row (Chinese header or field key).
/// Err names the first required column missing.
pub fn map_header(cells: &[String]) -> Result<[Option<usize>; 6], String> {
    let mut at = [None; 6];
    for (i, (zh, key, _)) in IMPORT_COLUMNS.iter().enumerate() {
        at[i] = cells
            .iter()
            .position(|c| c.trim() == *zh || c.trim().eq_ignore_ascii_case(key));
    }
    for (i, (zh, _, required)) in IMPORT_COLUMNS.iter().enumerate() {
        if *required && at[i].is_none() {
            return Err((*zh).to_string());
        }
    }
    Ok(at)
}

/// One import row's fields, by the header's map.
pub fn row_fields(at: &[Option<usize>; 6], cells: &[String]) -> Fields {
    let cell = |i: usize| {
        at[i]
            .and_then(|c| cells.get(c))
            .cloned()
            .unwrap_or_default()
    };
    Fields {
        name: cell(0),
        phone: cell(1),
        building: cell(2),
        unit: cell(3),
        post: cell(4),
        skills: cell(5),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn good() -> Fields {
        Fields {
            name: " 张三 ".into(),
            phone: "+86 138-0013-8000".into(),
            building: "3栋".into(),
            unit: "2单元".into(),
            post: "楼栋长".into(),
            skills: "维修".into(),
        }
    }

    #[test]
    fn fields_are_checked_and_trimmed() {
        let c = good().check().unwrap();
        assert_eq!(c.name, "张三");
        assert_eq!(c.phone, "13800138000");
        assert_eq!(c.post, Post::BuildingLeader);
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(Fields, &str, &str)> = vec![
            (
                Fields {
                    name: "".into(),
                    ..good()
                },
                "name",
                "volunteers.name_invalid",
            ),
            (
                Fields {
                    name: "名".repeat(21),
                    ..good()
                },
                "name",
                "volunteers.name_invalid",
            ),
            (
                Fields {
                    phone: "1380013800".into(),
                    ..good()
                },
                "phone",
                "volunteers.phone_invalid",
            ),
            (
                Fields {
                    phone: "12800138000".into(),
                    ..good()
                },
                "phone",
                "volunteers.phone_invalid",
            ),
            (
                Fields {
                    building: "楼".repeat(21),
                    ..good()
                },
                "building",
                "volunteers.building_invalid",
            ),
            (
                Fields {
                    unit: "u".repeat(21),
                    ..good()
                },
                "unit",
                "volunteers.unit_invalid",
            ),
            (
                Fields {
                    skills: "s".repeat(201),
                    ..good()
                },
                "skills",
                "volunteers.skills_invalid",
            ),
            (
                Fields {
                    post: "captain".into(),
                    ..good()
                },
                "post",
                "volunteers.post_invalid",
            ),
        ];
        for (f, field, code) in cases {
            let e = f.check().unwrap_err();
            assert_eq!(e.code, code);
            assert_eq!(e.details["field"], field);
        }
    }

    #[test]
    fn only_allowed_transitions() {
        use Status::*;
        assert!(Applied.may_become(Active));
        assert!(Applied.may_become(Rejected));
        assert!(Active.may_become(Left));
        assert!(!Rejected.may_become(Active));
        assert!(!Left.may_become(Active));
        assert!(!Active.may_become(Rejected));
        assert!(!Applied.may_become(Left));
    }

    #[test]
    fn import_header_and_rows() {
        let header: Vec<String> = ["手机号", "姓名", "岗位"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let at = map_header(&header).unwrap();
        let row: Vec<String> = ["13900139000", "李四", "单元长"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = row_fields(&at, &row).check().unwrap();
        assert_eq!((c.name.as_str(), c.post), ("李四", Post::UnitLeader));
        let bad: Vec<String> = vec!["姓名".into()];
        assert_eq!(map_header(&bad).unwrap_err(), "手机号");
    }
}
