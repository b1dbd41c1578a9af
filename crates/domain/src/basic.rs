//! Basic information (人、房、组织、物): the validated records grid workers keep — people, houses,
//! organisations and objects — and the key groups (重点人员) people may carry. These types are
//! what the store writes and the import reads into; they hold plaintext, the store seals the
//! secret fields (ID number, phones, key-group tags) on the way in. ID numbers and phones are
//! held as [`Sensitive`], so a `{:?}` of a record, a log line or an error cannot show them.
//!
//! Each enum has one stable English code (`as_str`/`parse`, used in the database, the API and the
//! import files' English headers) and a Chinese label (`label_zh`, used by the UI and templates).

pub mod access;
pub mod dates;
pub mod ident;
pub mod pinyin;
pub mod row;
pub mod tags;
pub mod validate;

pub use tags::{KeyGroup, VisitDuty};
pub use validate::FieldError;

use crate::Sensitive;
use crate::calendar::Date;

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal, $zh:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// Accepts the English code or the Chinese label (as an import file has it).
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.as_str() == s || v.label_zh() == s)
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(Sex {
    Male = "male", "男";
    Female = "female", "女";
});

coded_enum!(
    /// 户籍人口 / 常住人口 / 流动人口 / 人户分离 (registered here but living away).
    Residence {
        Registered = "registered", "户籍";
        Resident = "resident", "常住";
        Floating = "floating", "流动";
        Away = "away", "人户分离";
    }
);

coded_enum!(Relation {
    Head = "head", "户主";
    Spouse = "spouse", "配偶";
    Child = "child", "子女";
    Parent = "parent", "父母";
    Grandchild = "grandchild", "孙子女";
    Grandparent = "grandparent", "祖父母";
    Sibling = "sibling", "兄弟姐妹";
    Other = "other", "其他";
});

coded_enum!(Education {
    None = "none", "文盲或半文盲";
    Primary = "primary", "小学";
    Junior = "junior", "初中";
    Senior = "senior", "高中/中专";
    College = "college", "大专";
    Bachelor = "bachelor", "本科";
    Graduate = "graduate", "研究生";
});

coded_enum!(HouseUse {
    SelfOccupied = "self", "自住";
    Rented = "rented", "出租";
    Vacant = "vacant", "空置";
    Business = "business", "经营";
});

coded_enum!(OrgKind {
    Enterprise = "enterprise", "企业";
    Shop = "shop", "个体商户";
    School = "school", "学校";
    Hospital = "hospital", "医院";
    Social = "social", "社会组织";
    Party = "party", "党组织";
});

coded_enum!(
    /// Supervision grade for safety production or the environment (A = lowest risk).
    Grade {
        A = "A", "A";
        B = "B", "B";
        C = "C", "C";
        D = "D", "D";
    }
);

coded_enum!(ObjectKind {
    Hydrant = "hydrant", "消防栓";
    ManholeCover = "manhole", "井盖";
    Camera = "camera", "监控摄像头";
    StreetLamp = "lamp", "路灯";
    TrashBin = "bin", "垃圾箱";
    Other = "other", "其他部件";
});

coded_enum!(Condition {
    Good = "good", "完好";
    Damaged = "damaged", "损坏";
    Missing = "missing", "丢失";
});

/// A person (实有人口) as validated. `grid_code` is the 15-digit grid they belong to; the house is
/// named by its address inside that grid, the household by its number (户号) inside that grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub grid_code: String,
    pub name: String,
    pub sex: Sex,
    pub birth_date: Date,
    /// 18 characters, the check character upper-case; agrees with `sex` and `birth_date`.
    pub id_number: Sensitive<String>,
    /// 11-digit mainland mobile number.
    pub phone: Option<Sensitive<String>>,
    /// 民族, e.g. 汉族.
    pub ethnic: String,
    pub registered_address: String,
    pub residence: Residence,
    /// Floating population only: when they arrived and (if gone) left.
    pub arrived_on: Option<Date>,
    pub left_on: Option<Date>,
    pub party_member: bool,
    pub education: Option<Education>,
    pub occupation: Option<String>,
    pub house: Option<HouseAddress>,
    pub household_no: Option<String>,
    pub relation: Option<Relation>,
}

/// A room's address inside a grid: building (楼栋), unit (单元), room (室).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HouseAddress {
    pub building: String,
    pub unit: String,
    pub room: String,
}

/// A house (房屋) down to the room.
#[derive(Debug, Clone, PartialEq)]
pub struct House {
    pub grid_code: String,
    pub address: HouseAddress,
    pub use_kind: HouseUse,
    pub owner_name: String,
    pub owner_phone: Option<Sensitive<String>>,
    pub area_m2: Option<f64>,
    /// WGS-84; when given it must lie inside the grid.
    pub point: Option<(f64, f64)>,
    /// Rented houses: tenant contact and the term.
    pub rental: Option<Rental>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rental {
    pub tenant_name: String,
    pub tenant_phone: Option<Sensitive<String>>,
    pub start: Date,
    pub end: Option<Date>,
}

/// An organisation (组织): enterprise, shop, school, hospital, social or party organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    pub grid_code: String,
    pub name: String,
    pub kind: OrgKind,
    /// 18-character unified social credit code (GB 32100), check character verified.
    pub credit_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: Option<Sensitive<String>>,
    pub address: String,
    pub safety_grade: Option<Grade>,
    pub env_grade: Option<Grade>,
    /// On the list of key-supervised organisations (重点监管).
    pub key_supervised: bool,
}

/// An object (部件): a public facility with its own code.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub grid_code: String,
    pub code: String,
    pub kind: ObjectKind,
    /// WGS-84 (lon, lat), inside the grid.
    pub point: (f64, f64),
    pub condition: Condition,
    pub note: Option<String>,
}

/// A key-group tag on a person, with its dates.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonTag {
    pub group: KeyGroup,
    pub since: Date,
    pub until: Option<Date>,
}
