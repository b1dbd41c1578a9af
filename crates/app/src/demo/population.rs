//! Deterministic demo basic information for one grid: houses in buildings, households of people
//! with Chinese names and valid ID numbers, key-group tags at believable rates, organisations and
//! objects. Everything comes from [`SplitMix64`] seeded by the caller.
//!
//! **ID numbers are unique across the city** when the caller keeps two promises: grids of
//! different counties use different `region6`, and grids sharing a `region6` have different
//! `slot`s below [`MAX_SLOTS`] (e.g. the grid's position among its county's grids). A slot owns
//! one pair of sequence numbers (odd for a man, even for a woman) on every [`DAY_CLASSES`]-th
//! birth day, the pair rotating from day to day among the slots of that day, so no two slots can
//! produce the same region + birth date + sequence; inside a grid each birth day holds at most
//! one man and one woman. Credit codes and object codes carry the region or grid code and the
//! slot, so they are unique the same way.

use std::collections::HashMap;

use wangge_domain::basic::ident::{make_credit_code, make_id_number};
use wangge_domain::basic::{
    Condition, Education, Grade, House, HouseAddress, HouseUse, KeyGroup, Object, ObjectKind, Org,
    OrgKind, Person, PersonTag, Relation, Rental, Residence, Sex,
};
use wangge_domain::calendar::Date;
use wangge_domain::rng::SplitMix64;

use super::names::{COMPOUND_SURNAMES, STREET_NAMES, SURNAMES};

#[cfg(test)]
mod tests;

/// Sequence pairs per birth day (an odd number for a man, the even one below it for a woman).
const BLOCKS: u32 = 500;
/// A slot uses every `DAY_CLASSES`-th birth day only.
pub const DAY_CLASSES: u32 = 10;
/// Grids that may share one `region6`.
pub const MAX_SLOTS: u32 = BLOCKS * DAY_CLASSES;
/// A grid has one man and one woman per slot day (3,650 days in 100 years); this many people at
/// most keeps every birth free whatever the mix of sexes. Larger targets are cut to it.
pub const MAX_PEOPLE: usize = 3600;
/// How far (in slot days) a taken birth day may move.
const MAX_DAY_STEPS: i64 = 3650;

/// One grid's basic information. `tags` name people by their index in `people`.
#[derive(Debug, Clone, Default)]
pub struct GridData {
    pub houses: Vec<House>,
    pub people: Vec<Person>,
    pub tags: Vec<(usize, PersonTag)>,
    pub orgs: Vec<Org>,
    pub objects: Vec<Object>,
}

/// What to generate for a grid.
#[derive(Clone, Copy)]
pub struct GridSpec<'a> {
    pub seed: u64,
    /// The grid's 15-digit code.
    pub grid_code: &'a str,
    /// The 6-digit division code put into ID numbers (the grid's county).
    pub region6: &'a str,
    /// Distinct for grids with the same `region6`, below [`MAX_SLOTS`] (taken modulo otherwise,
    /// and then uniqueness is not guaranteed).
    pub slot: u32,
    /// (min lon, min lat, max lon, max lat), WGS-84.
    pub bbox: (f64, f64, f64, f64),
    pub people_target: usize,
    pub today: Date,
    /// The grid's polygon test: points are drawn in `bbox` until it accepts one. Houses whose
    /// building finds no point get none; objects that find none are left out.
    pub contains: Option<&'a dyn Fn(f64, f64) -> bool>,
}

/// Generates one grid; the same spec always gives the same data.
pub fn grid_population(spec: &GridSpec) -> GridData {
    let mut g = Gen {
        rng: SplitMix64::new(
            spec.seed
                ^ u64::from(spec.slot).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ hash(spec.grid_code),
        ),
        spec,
        slot: spec.slot % MAX_SLOTS,
        used: HashMap::new(),
        out: GridData::default(),
    };
    g.households();
    g.orgs();
    g.objects();
    g.out
}

fn hash(s: &str) -> u64 {
    // FNV-1a: stable across versions, unlike the std hasher.
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

struct Gen<'a> {
    rng: SplitMix64,
    spec: &'a GridSpec<'a>,
    slot: u32,
    /// Birth day → the sexes already born that day in this grid (bit 1 men, bit 0 women).
    used: HashMap<i64, u8>,
    out: GridData,
}

const MALE_GIVEN: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "建国", "建华", "文", "辉", "鹏",
    "斌", "宇", "浩", "凯", "健", "俊", "旭", "龙", "波", "峰", "海", "志强", "成", "志", "荣",
    "亮", "东", "毅", "振", "德", "瑞", "博", "泽", "昊", "轩", "睿", "子轩", "浩然", "宇航",
    "俊杰", "宏", "永", "光", "天", "达", "庆", "立", "坤", "松", "山", "江", "雷", "启", "卫",
    "忠", "良", "彬", "铭", "金水", "福生", "国强", "建平", "晓东", "志明", "文杰", "家豪", "一鸣",
    "思远", "宇轩", "梓豪",
];
const FEMALE_GIVEN: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "秀英", "霞", "桂英", "英", "玲", "红", "婷", "雪",
    "倩", "丹", "萍", "燕", "慧", "莉", "颖", "梅", "兰", "琴", "蓉", "云", "晓燕", "欣", "怡",
    "涵", "诗涵", "雨涵", "梦", "晶", "悦", "璐", "彤", "琪", "瑶", "蕾", "薇", "淑珍", "惠", "珍",
    "美玲", "凤", "玉兰", "秀兰", "桂兰", "丽华", "海燕", "雅琴", "佳怡", "欣怡", "梓涵", "子涵",
    "可欣", "思琪", "雨萱", "一诺", "若曦", "紫萱", "美华", "秀珍", "素芬", "月娥", "春梅", "冬梅",
    "秋菊",
];
const ETHNIC: &[(&str, u32)] = &[
    ("汉族", 9700),
    ("畲族", 120),
    ("回族", 50),
    ("满族", 30),
    ("苗族", 30),
    ("土家族", 30),
    ("壮族", 20),
    ("蒙古族", 10),
    ("高山族", 10),
];
const ORIGINS: &[&str] = &[
    "江西省赣州市于都县",
    "四川省南充市仪陇县",
    "安徽省阜阳市临泉县",
    "河南省信阳市固始县",
    "湖南省邵阳市隆回县",
    "贵州省毕节市七星关区",
    "重庆市万州区",
    "湖北省黄冈市麻城市",
    "福建省南平市建瓯市",
    "福建省三明市尤溪县",
    "广西壮族自治区玉林市博白县",
    "云南省昭通市镇雄县",
    "浙江省温州市苍南县",
    "甘肃省天水市秦安县",
];
const OCCUPATIONS: &[&str] = &[
    "工人",
    "公司职员",
    "个体经营",
    "教师",
    "医生",
    "护士",
    "司机",
    "厨师",
    "快递员",
    "保安",
    "销售",
    "公务员",
    "务农",
    "自由职业",
    "无业",
];
const PHONE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "158", "159", "166", "177", "180", "181", "186", "187", "188", "189", "199",
];

const SHOP_HEADS: &[&str] = &["记", "家", "氏"];
const SHOP_TAILS: &[&str] = &[
    "面馆",
    "小吃店",
    "水果店",
    "便利店",
    "理发店",
    "五金店",
    "药店",
    "早餐店",
    "干洗店",
    "烟酒店",
    "超市",
    "鱼丸店",
    "粮油店",
    "茶庄",
    "服装店",
];
const ENTERPRISE_TAILS: &[&str] = &[
    "贸易有限公司",
    "科技有限公司",
    "物业服务有限公司",
    "建材有限公司",
    "餐饮管理有限公司",
    "电子有限公司",
    "食品有限公司",
];
const SOCIAL_NAMES: &[&str] = &[
    "志愿者协会",
    "老年人协会",
    "文体协会",
    "调解委员会",
    "业主委员会",
];

impl Gen<'_> {
    fn pick(&mut self, items: &[&'static str]) -> &'static str {
        items[self.rng.below(items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.next_f64() < p
    }

    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        // Inclusive; hi < lo gives lo.
        lo + self.rng.below((hi - lo + 1).max(1) as usize) as i64
    }

    fn surname(&mut self) -> &'static str {
        if self.chance(0.005) {
            return self.pick(&COMPOUND_SURNAMES[..]);
        }
        // Squaring a uniform draw favours the front of the list, which is in frequency order.
        let u = self.rng.next_f64();
        SURNAMES[((u * u) * SURNAMES.len() as f64) as usize % SURNAMES.len()]
    }

    fn given(&mut self, sex: Sex) -> &'static str {
        match sex {
            Sex::Male => self.pick(MALE_GIVEN),
            Sex::Female => self.pick(FEMALE_GIVEN),
        }
    }

    fn name(&mut self, surname: &str, sex: Sex) -> String {
        let mut s = String::with_capacity(12);
        s.push_str(surname);
        s.push_str(self.given(sex));
        if s.chars().count() == 2 && self.chance(0.4) {
            // Some single-character given names become two characters.
            let extra = self.given(sex);
            if extra.chars().count() == 1 {
                s.push_str(extra);
            }
        }
        s
    }

    fn phone(&mut self) -> String {
        let mut s = String::with_capacity(11);
        s.push_str(self.pick(PHONE_PREFIXES));
        let n = self.rng.below(100_000_000);
        s.push_str(&format!("{n:08}"));
        s
    }

    fn sex(&mut self) -> Sex {
        if self.chance(0.5) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// A birth date about `age` years before today, moved onto one of the slot's days, and the
    /// slot's sequence number for that day and sex. A day already taken for that sex moves the
    /// birth by `DAY_CLASSES` days, earlier or later, staying within the last 100 years.
    /// Returns (birth, seq3).
    fn birth_and_seq(&mut self, age: i64, sex: Sex) -> (Date, u32) {
        let today = self.spec.today.days();
        let c = i64::from(DAY_CLASSES);
        let class = i64::from(self.slot / BLOCKS);
        let wanted = today - age * 365 - self.between(1, 364);
        // The slot's day on or before the wanted one; never after today.
        let base = wanted - (wanted - class).rem_euclid(c);
        let parity = u8::from(sex == Sex::Male);
        let oldest = today - 100 * 365;
        let mut day = base;
        for step in 0..2 * MAX_DAY_STEPS {
            // base, base - c, base + c, base - 2c, …
            let k = (step + 1) / 2;
            day = if step % 2 == 1 {
                base - k * c
            } else {
                base + k * c
            };
            if day >= today || day < oldest {
                continue;
            }
            let mask = self.used.entry(day).or_insert(0);
            if *mask & (1 << parity) == 0 {
                *mask |= 1 << parity;
                break;
            }
        }
        // On each day the slots of one class take the blocks in a rotated order, a bijection,
        // so sequence numbers vary from person to person yet never meet another slot's.
        let turn = (day.div_euclid(c) * 7919).rem_euclid(i64::from(BLOCKS)) as u32;
        let block = (self.slot % BLOCKS + turn) % BLOCKS;
        let date = Date::from_days(day).unwrap_or(self.spec.today);
        (date, block * 2 + u32::from(parity))
    }

    fn ethnic(&mut self) -> &'static str {
        let total: u32 = ETHNIC.iter().map(|e| e.1).sum();
        let mut x = self.rng.below(total as usize) as u32;
        for (name, w) in ETHNIC {
            if x < *w {
                return name;
            }
            x -= w;
        }
        "汉族"
    }

    fn education(&mut self, age: i64) -> Option<Education> {
        Some(match age {
            0..=5 => return None,
            6..=11 => Education::Primary,
            12..=14 => Education::Junior,
            15..=17 => Education::Senior,
            _ => {
                let old = age >= 60;
                let x = self.rng.next_f64();
                let table: &[(f64, Education)] = if old {
                    &[
                        (0.10, Education::None),
                        (0.45, Education::Primary),
                        (0.80, Education::Junior),
                        (0.93, Education::Senior),
                        (0.97, Education::College),
                        (1.01, Education::Bachelor),
                    ]
                } else {
                    &[
                        (0.01, Education::None),
                        (0.10, Education::Primary),
                        (0.40, Education::Junior),
                        (0.62, Education::Senior),
                        (0.78, Education::College),
                        (0.95, Education::Bachelor),
                        (1.01, Education::Graduate),
                    ]
                };
                table
                    .iter()
                    .find(|(p, _)| x < *p)
                    .map_or(Education::Junior, |(_, e)| *e)
            }
        })
    }

    fn occupation(&mut self, age: i64) -> Option<String> {
        let s = match age {
            0..=5 => return None,
            6..=22 => "学生",
            _ if age >= 62 => "退休",
            _ => self.pick(OCCUPATIONS),
        };
        Some(s.to_string())
    }

    fn point(&mut self) -> Option<(f64, f64)> {
        let (x0, y0, x1, y1) = self.spec.bbox;
        for _ in 0..200 {
            let p = (
                x0 + (x1 - x0) * self.rng.next_f64(),
                y0 + (y1 - y0) * self.rng.next_f64(),
            );
            if self.spec.contains.is_none_or(|f| f(p.0, p.1)) {
                return Some(p);
            }
        }
        None
    }

    fn local_address(&mut self) -> String {
        let street = self.pick(&STREET_NAMES[..]);
        let n = self.between(1, 300);
        format!("福建省示范市{street}路{n}号")
    }

    /// The ages of a household's members, relation by relation, head first.
    fn household_shape(&mut self, size: usize) -> Vec<(Relation, i64, Option<Sex>)> {
        let head_age = if size == 1 {
            // Many one-person households are elderly.
            if self.chance(0.45) {
                self.between(60, 95)
            } else {
                self.between(20, 59)
            }
        } else {
            self.between(24, 85)
        };
        let mut m = vec![(Relation::Head, head_age, None)];
        if size >= 2 {
            if self.chance(0.88) {
                let a = (head_age + self.between(-5, 5)).clamp(20, 95);
                m.push((Relation::Spouse, a, Some(Sex::Female)));
            } else if head_age < 60 && self.chance(0.5) {
                let a = (head_age + self.between(22, 32)).min(95);
                m.push((Relation::Parent, a, None));
            } else {
                let a = (head_age + self.between(-8, 8)).clamp(18, 95);
                m.push((Relation::Sibling, a, None));
            }
        }
        while m.len() < size {
            let rel_age = if head_age >= 58 && self.chance(0.5) {
                (Relation::Grandchild, head_age - self.between(48, 62))
            } else if head_age < 50 && m.len() == 4 && head_age + 24 <= 95 {
                (Relation::Parent, (head_age + self.between(24, 32)).min(95))
            } else {
                (Relation::Child, head_age - self.between(22, 38))
            };
            let (rel, age) = rel_age;
            m.push((rel, age.max(0), None));
        }
        m
    }

    fn households(&mut self) {
        let target = self.spec.people_target.min(MAX_PEOPLE);
        let mut building_no = 0u32;
        let mut household_no = 0u32;
        // Free houses to fill, as indices into out.houses.
        let mut free: std::collections::VecDeque<usize> = Default::default();
        while self.out.people.len() < target {
            if free.is_empty() {
                building_no += 1;
                self.building(building_no, &mut free);
                continue;
            }
            let Some(h) = free.pop_front() else { break };
            let size = match self.rng.below(100) {
                0..=17 => 1,
                18..=47 => 2,
                48..=72 => 3,
                73..=89 => 4,
                _ => 5,
            }
            .min(target - self.out.people.len())
            .max(1);
            household_no += 1;
            self.household(h, size, household_no);
        }
        // Rooms of the last building nobody moved into are not let yet.
        for h in free {
            if self.out.houses[h].use_kind == HouseUse::Rented {
                self.out.houses[h].use_kind = HouseUse::Vacant;
            }
        }
    }

    /// Adds a building's houses; the occupied ones (self or rented) go to `free`.
    fn building(&mut self, no: u32, free: &mut std::collections::VecDeque<usize>) {
        let units = self.between(1, 3);
        let per_floor = self.between(2, 4);
        let point = self.point();
        for unit in 1..=units {
            for floor in 1..=6 {
                for r in 1..=per_floor {
                    let use_kind = match self.rng.below(100) {
                        0..=74 => HouseUse::SelfOccupied,
                        75..=89 => HouseUse::Rented,
                        90..=97 => HouseUse::Vacant,
                        _ => HouseUse::Business,
                    };
                    let use_kind = if use_kind == HouseUse::Business && floor > 1 {
                        HouseUse::SelfOccupied
                    } else {
                        use_kind
                    };
                    let owner_sex = self.sex();
                    let owner_surname = self.surname();
                    let owner_name = self.name(owner_surname, owner_sex);
                    let owner_phone = Some(self.phone().into());
                    let area = (self.between(45, 160) as f64) + self.between(0, 9) as f64 / 10.0;
                    let house = House {
                        grid_code: self.spec.grid_code.to_string(),
                        address: HouseAddress {
                            building: no.to_string(),
                            unit: unit.to_string(),
                            room: format!("{floor}{r:02}"),
                        },
                        use_kind,
                        owner_name,
                        owner_phone,
                        area_m2: Some(area),
                        point,
                        rental: None,
                    };
                    if matches!(use_kind, HouseUse::SelfOccupied | HouseUse::Rented) {
                        free.push_back(self.out.houses.len());
                    }
                    self.out.houses.push(house);
                }
            }
        }
    }

    fn household(&mut self, house: usize, size: usize, no: u32) {
        let rented = self.out.houses[house].use_kind == HouseUse::Rented;
        let today = self.spec.today;
        let residence = if rented {
            if self.chance(0.72) {
                Residence::Floating
            } else {
                Residence::Resident
            }
        } else if self.chance(0.87) {
            Residence::Registered
        } else {
            Residence::Resident
        };
        let floating = residence == Residence::Floating;
        let arrived = if floating {
            today.add_days(-self.between(30, 3650))
        } else {
            None
        };
        let origin = if floating {
            self.pick(ORIGINS).to_string()
        } else {
            self.local_address()
        };
        let shape = self.household_shape(size);
        // Most married couples register the husband as head; the spouse is the other sex.
        let head_sex = if size > 1 && shape[1].0 == Relation::Spouse {
            if self.chance(0.85) {
                Sex::Male
            } else {
                Sex::Female
            }
        } else {
            self.sex()
        };
        let family_surname = self.surname();
        let household_no = format!("{no:05}");
        let first = self.out.people.len();
        let mut members_over_60 = 0;
        for (i, (relation, age, sex)) in shape.iter().copied().enumerate() {
            let sex = match (i, sex) {
                (0, _) => head_sex,
                (_, Some(Sex::Female)) if head_sex == Sex::Female => Sex::Male,
                (_, Some(s)) => s,
                _ => self.sex(),
            };
            let surname = match relation {
                Relation::Head | Relation::Child | Relation::Grandchild | Relation::Sibling => {
                    family_surname
                }
                _ => self.surname(),
            };
            let (birth, seq) = self.birth_and_seq(age, sex);
            let age = i64::from(today.year() - birth.year());
            if age >= 60 {
                members_over_60 += 1;
            }
            let adult = age >= 16;
            let arrived_on = arrived.map(|a| if a < birth { birth } else { a });
            let residence = if residence == Residence::Registered
                && relation != Relation::Head
                && adult
                && self.chance(0.08)
            {
                Residence::Away
            } else {
                residence
            };
            let person = Person {
                grid_code: self.spec.grid_code.to_string(),
                name: self.name(surname, sex),
                sex,
                birth_date: birth,
                id_number: make_id_number(self.spec.region6, birth, seq).into(),
                phone: (adult && self.chance(0.95)).then(|| self.phone().into()),
                ethnic: self.ethnic().to_string(),
                registered_address: origin.clone(),
                residence,
                arrived_on: if floating { arrived_on } else { None },
                left_on: None,
                party_member: age >= 18 && self.chance(0.105),
                education: self.education(age),
                occupation: self.occupation(age),
                house: Some(self.out.houses[house].address.clone()),
                household_no: Some(household_no.clone()),
                relation: Some(relation),
            };
            self.out.people.push(person);
        }
        if rented {
            let start = today.add_days(-self.between(10, 1000)).unwrap_or(today);
            let years = self.between(1, 3);
            let head = &self.out.people[first];
            let rental = Rental {
                tenant_name: head.name.clone(),
                tenant_phone: head.phone.clone(),
                start,
                end: start.add_days(365 * years),
            };
            self.out.houses[house].rental = Some(rental);
        }
        for idx in first..self.out.people.len() {
            self.tags_for(idx, size, members_over_60);
        }
    }

    fn tag(&mut self, idx: usize, group: KeyGroup, since: Date, until: Option<Date>) {
        self.out.tags.push((
            idx,
            PersonTag {
                group,
                since,
                until,
            },
        ));
    }

    /// A date in the last `years` years, not before the person turned `min_age`.
    fn since(&mut self, birth: Date, years: i64, min_age: i64) -> Date {
        let today = self.spec.today;
        let d = today
            .add_days(-self.between(1, years * 365))
            .unwrap_or(today);
        let floor = birth.add_days(min_age * 365).unwrap_or(birth).min(today);
        d.max(floor)
    }

    fn tags_for(&mut self, idx: usize, household_size: usize, over_60: usize) {
        let p = &self.out.people[idx];
        let (birth, sex, residence, party, arrived) = (
            p.birth_date,
            p.sex,
            p.residence,
            p.party_member,
            p.arrived_on,
        );
        let age = i64::from(self.spec.today.year() - birth.year());
        if residence == Residence::Floating {
            let since = arrived.unwrap_or(self.spec.today);
            self.tag(idx, KeyGroup::Floating, since, None);
        }
        if age >= 60 && household_size == 1 && self.chance(0.8) {
            let s = self.since(birth, 10, 60);
            self.tag(idx, KeyGroup::AloneElderly, s, None);
        }
        if age >= 60 && household_size == 2 && over_60 == 2 && self.chance(0.3) {
            let s = self.since(birth, 10, 60);
            self.tag(idx, KeyGroup::EmptyNestElderly, s, None);
        }
        // (group, rate, minimum age): rates per person.
        let rates: [(KeyGroup, f64, i64); 12] = [
            (KeyGroup::Disabled, 0.015, 0),
            (KeyGroup::Dibao, 0.02, 0),
            (KeyGroup::Poor, 0.008, 0),
            (KeyGroup::Entitled, 0.005, 40),
            (KeyGroup::MentalDisorder, 0.003, 16),
            (KeyGroup::Petitioner, 0.001, 18),
            (KeyGroup::SingleParent, 0.004, 22),
            (KeyGroup::Talent, 0.002, 22),
            (KeyGroup::Correction, 0.0005, 18),
            (KeyGroup::Released, 0.0005, 18),
            (KeyGroup::DrugUser, 0.0005, 18),
            (KeyGroup::Cult, 0.0001, 18),
        ];
        for (group, rate, min_age) in rates {
            if age >= min_age && self.chance(rate) {
                let since = self.since(birth, 8, min_age);
                let until = (group == KeyGroup::Correction)
                    .then(|| since.add_days(365 * self.between(1, 3)))
                    .flatten();
                self.tag(idx, group, since, until);
            }
        }
        if (16..=25).contains(&age) && self.chance(0.01) {
            let s = self.since(birth, 3, 16);
            self.tag(idx, KeyGroup::IdleYouth, s, None);
        }
        if (40..=55).contains(&age) && self.chance(0.01) {
            let s = self.since(birth, 3, 40);
            self.tag(idx, KeyGroup::Unemployed4050, s, None);
        }
        if age < 16 && household_size >= 3 && self.chance(0.005) {
            let s = self.since(birth, 5, 0);
            self.tag(idx, KeyGroup::LeftBehindChild, s, None);
        }
        if sex == Sex::Female && (15..=49).contains(&age) && self.chance(0.03) {
            let s = self.since(birth, 5, 15);
            self.tag(idx, KeyGroup::ChildBearingWomen, s, None);
        }
        if party && self.chance(0.02) {
            let s = self.since(birth, 5, 18);
            self.tag(idx, KeyGroup::PoorPartyMember, s, None);
        }
    }

    fn orgs(&mut self) {
        let n = 12 + self.rng.below(7);
        let region = self.spec.region6;
        for i in 0..n {
            let kind = match i {
                0 => OrgKind::Party,
                1 => OrgKind::Social,
                2..=4 => OrgKind::Enterprise,
                5 if self.chance(0.3) => OrgKind::School,
                6 if self.chance(0.15) => OrgKind::Hospital,
                _ => OrgKind::Shop,
            };
            let surname = self.surname();
            let street = self.pick(&STREET_NAMES[..]);
            let name = match kind {
                OrgKind::Party => format!("{street}第{}党支部", i + 1),
                OrgKind::Social => format!("{street}{}", self.pick(SOCIAL_NAMES)),
                OrgKind::Enterprise => {
                    format!("示范市{street}{}", self.pick(ENTERPRISE_TAILS))
                }
                OrgKind::School => format!("{street}幼儿园"),
                OrgKind::Hospital => format!("{street}社区卫生服务站"),
                OrgKind::Shop => format!(
                    "{surname}{}{}",
                    self.pick(SHOP_HEADS),
                    self.pick(SHOP_TAILS)
                ),
            };
            // Registration authority and type (GB 32100): 9x market regulation (91 enterprise,
            // 92 individual business), 5x civil affairs, 12 public institution.
            let prefix = match kind {
                OrgKind::Enterprise => Some("91"),
                OrgKind::Shop => Some("92"),
                OrgKind::Social => Some("52"),
                OrgKind::School | OrgKind::Hospital => Some("12"),
                OrgKind::Party => None,
            };
            // The organisation-code part carries the slot and the index: unique in the region.
            let credit_code =
                prefix.map(|p| make_credit_code(&format!("{p}{region:.6}{:05}{i:04}", self.slot)));
            let graded = matches!(kind, OrgKind::Enterprise | OrgKind::Shop);
            let grade = |g: &mut Self| {
                graded.then(|| match g.rng.below(100) {
                    0..=49 => Grade::A,
                    50..=84 => Grade::B,
                    85..=96 => Grade::C,
                    _ => Grade::D,
                })
            };
            let safety_grade = grade(self);
            let env_grade = grade(self);
            let key_supervised = matches!(safety_grade, Some(Grade::C | Grade::D))
                || matches!(env_grade, Some(Grade::D));
            let contact_sex = self.sex();
            let contact_surname = self.surname();
            let org = Org {
                grid_code: self.spec.grid_code.to_string(),
                name,
                kind,
                credit_code,
                contact_name: self.name(contact_surname, contact_sex),
                contact_phone: Some(self.phone().into()),
                address: format!("{street}路{}号", self.between(1, 400)),
                safety_grade,
                env_grade,
                key_supervised,
            };
            self.out.orgs.push(org);
        }
    }

    fn objects(&mut self) {
        let n = 16 + self.rng.below(9);
        for i in 0..n {
            let kind = match self.rng.below(100) {
                0..=19 => ObjectKind::Hydrant,
                20..=44 => ObjectKind::ManholeCover,
                45..=59 => ObjectKind::Camera,
                60..=79 => ObjectKind::StreetLamp,
                80..=94 => ObjectKind::TrashBin,
                _ => ObjectKind::Other,
            };
            let Some(point) = self.point() else { continue };
            let condition = match self.rng.below(100) {
                0..=89 => Condition::Good,
                90..=97 => Condition::Damaged,
                _ => Condition::Missing,
            };
            let note = (condition != Condition::Good).then(|| {
                match condition {
                    Condition::Missing => "待补装",
                    _ => "已报修",
                }
                .to_string()
            });
            self.out.objects.push(Object {
                grid_code: self.spec.grid_code.to_string(),
                code: format!(
                    "{}-{}-{:03}",
                    self.spec.grid_code,
                    kind.as_str().to_uppercase(),
                    i + 1
                ),
                kind,
                point,
                condition,
                note,
            });
        }
    }
}
