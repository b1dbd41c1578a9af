//! Importing a community's volunteers from an XLSX or CSV file (the same reader and template
//! writer as the basic-information imports): every bad row reported with its number and
//! reason; nothing written unless every row is good, or the caller asked for the good rows.

use std::collections::HashMap;
use std::io::Cursor;

use serde::Serialize;
use wangge_domain::volunteers::register::{Checked, IMPORT_COLUMNS, map_header, row_fields};
use wangge_domain::{Error, err};
use wangge_sheet::{Encoding, ReadLimits, RowReader, TemplateColumn};
use wangge_store::audit::Actor;
use wangge_store::seal::KeyRing;
use wangge_store::volunteers::register::{self as reg, Community};

use crate::i18n::Tr;

/// The largest file taken, and the most rows one import takes (each makes an account).
pub const MAX_BYTES: usize = 1024 * 1024;
pub const MAX_ROWS: usize = 200;

/// Every row must be good (`all`, the default) or only the good rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    All,
    GoodRows,
}

pub fn parse_mode(v: &str) -> Result<Mode, Error> {
    match v.trim() {
        "" | "all" => Ok(Mode::All),
        "good_rows" => Ok(Mode::GoodRows),
        other => Err(err!(
            "volunteers.mode_invalid",
            value = other.chars().take(20).collect::<String>()
        )),
    }
}

/// The encoding of a CSV file (`utf-8` by default, or `gbk`; a UTF-8 BOM always wins).
pub fn parse_encoding(v: &str) -> Result<Encoding, Error> {
    if v.trim().is_empty() {
        return Ok(Encoding::Utf8);
    }
    Encoding::parse(v).ok_or_else(|| {
        err!(
            "import.encoding_invalid",
            encoding = v.chars().take(20).collect::<String>()
        )
    })
}

/// One bad row: its number as the spreadsheet shows it, the field and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub row: usize,
    pub field: String,
    pub code: String,
    pub message: String,
}

/// One written row and the account made for it (the password is shown this once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Imported {
    pub row: usize,
    pub id: i64,
    pub name: String,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub rows: usize,
    pub good: usize,
    pub bad: usize,
    pub problems: Vec<Problem>,
    pub imported: Vec<Imported>,
}

fn problem(t: &Tr, row: usize, e: &Error) -> Problem {
    Problem {
        row,
        field: e.details["field"].as_str().unwrap_or("row").to_string(),
        code: e.code.to_string(),
        message: t.error(e),
    }
}

/// The example row the template carries; left unchanged, the import skips it.
const EXAMPLE: [&str; 6] = ["张三", "13800138000", "1栋", "1单元", "楼栋长", "水电维修"];

/// The checked rows with their numbers, and the bad rows.
pub type Rows = (Vec<(usize, Checked)>, Vec<Problem>);

/// Reads the file's rows: the checked ones with their row numbers, and the problems.
pub fn read(t: &Tr, bytes: Vec<u8>, file_name: &str, encoding: Encoding) -> Result<Rows, Error> {
    if bytes.len() > MAX_BYTES {
        return Err(err!(
            "volunteers.import_too_large",
            max_kb = MAX_BYTES / 1024
        ));
    }
    let total = bytes.len() as u64;
    let unreadable = |e: wangge_sheet::SheetError| {
        err!(
            "volunteers.import_unreadable",
            reason = e.to_string().chars().take(200).collect::<String>()
        )
    };
    let reader = RowReader::from_seekable(
        Cursor::new(bytes),
        Some(file_name),
        encoding,
        Some(total),
        &ReadLimits::default(),
    )
    .map_err(unreadable)?;
    let mut at = None;
    let mut good = Vec::new();
    let mut problems = Vec::new();
    let mut phones: HashMap<String, usize> = HashMap::new();
    let mut count = 0usize;
    for row in reader {
        let row = row.map_err(unreadable)?;
        let Some(map) = at else {
            at = Some(
                map_header(&row.cells)
                    .map_err(|column| err!("volunteers.import_header", column))?,
            );
            continue;
        };
        if row
            .cells
            .iter()
            .map(String::as_str)
            .eq(EXAMPLE.iter().copied())
        {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            return Err(err!("volunteers.import_too_many", max = MAX_ROWS));
        }
        if let Some(long) = row.too_long.first() {
            let col = IMPORT_COLUMNS
                .iter()
                .enumerate()
                .find(|(i, _)| map[*i] == Some(long.col))
                .map_or("row", |(_, c)| c.1);
            let e = match col {
                "name" => err!("volunteers.name_invalid"),
                "building" => err!("volunteers.building_invalid"),
                "unit" => err!("volunteers.unit_invalid"),
                _ => err!("volunteers.skills_invalid"),
            }
            .with_details(serde_json::json!({ "field": col }));
            problems.push(problem(t, row.number, &e));
            continue;
        }
        match row_fields(&map, &row.cells).check() {
            Ok(c) => {
                if let Some(first) = phones.get(&c.phone) {
                    let e = err!("volunteers.import_duplicate", row = first)
                        .with_details(serde_json::json!({ "field": "phone" }));
                    problems.push(problem(t, row.number, &e));
                } else {
                    phones.insert(c.phone.clone(), row.number);
                    good.push((row.number, c));
                }
            }
            Err(e) => problems.push(problem(t, row.number, &e)),
        }
    }
    if at.is_none() || (good.is_empty() && problems.is_empty()) {
        return Err(err!("volunteers.import_empty"));
    }
    Ok((good, problems))
}

/// Checks the rows against the community's register, then writes them (all, or the good
/// ones) in one transaction.
pub async fn run(
    s: &crate::state::AppState,
    t: &Tr,
    community: &Community,
    (rows, mut problems): Rows,
    mode: Mode,
    actor: &Actor,
) -> Result<Report, Error> {
    let now = s.now();
    let keys: &KeyRing = &s.keys;
    let mut tx = s.db.begin().await?;
    let mut good = Vec::new();
    for (n, c) in rows {
        if reg::phone_taken(&mut tx.handle(), keys, community.id, &c.phone).await? {
            let e = err!("volunteers.phone_taken")
                .with_details(serde_json::json!({ "field": "phone" }));
            problems.push(problem(t, n, &e));
        } else {
            good.push((n, c));
        }
    }
    problems.sort_by_key(|p| p.row);
    let total = good.len() + problems.len();
    if !problems.is_empty() && (mode == Mode::All || good.is_empty()) {
        let report = Report {
            rows: total,
            good: good.len(),
            bad: problems.len(),
            problems,
            imported: Vec::new(),
        };
        return Err(err!("volunteers.import_rows", bad = report.bad)
            .with_details(serde_json::to_value(&report).unwrap_or_default()));
    }
    let mut imported = Vec::new();
    for (n, c) in &good {
        let (id, account) =
            reg::add(&mut tx.handle(), keys, community, c, "imported", actor, now).await?;
        imported.push(Imported {
            row: *n,
            id,
            name: c.name.clone(),
            username: account.username,
            password: account.password,
        });
    }
    tx.commit().await?;
    Ok(Report {
        rows: total,
        good: good.len(),
        bad: problems.len(),
        problems,
        imported,
    })
}

fn columns() -> Vec<TemplateColumn<'static>> {
    const POSTS: &[&str] = &["楼栋长", "单元长", "志愿者"];
    IMPORT_COLUMNS
        .iter()
        .map(|(zh, key, required)| TemplateColumn {
            header: zh,
            required: *required,
            choices: (*key == "post").then_some(POSTS),
            text: true,
            width: if *key == "skills" { 30.0 } else { 14.0 },
        })
        .collect()
}

fn example() -> Vec<Vec<String>> {
    vec![EXAMPLE.iter().map(|c| c.to_string()).collect()]
}

fn template_error(e: wangge_sheet::SheetError) -> Error {
    err!(
        "internal",
        detail = format!("cannot write the template: {e}")
    )
}

pub fn xlsx_template() -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    wangge_sheet::write_template(
        &mut out,
        "志愿者",
        &columns(),
        &example(),
        Some("示例行:照此格式填写,原样保留时导入会跳过。\nExample row: left unchanged it is skipped."),
    )
    .map_err(template_error)?;
    Ok(out)
}

pub fn csv_template() -> Result<Vec<u8>, Error> {
    wangge_sheet::write_csv_template(Vec::new(), &columns(), &example()).map_err(template_error)
}
