//! Exports of people, houses and organisations in the caller's scope, as XLSX or CSV (UTF-8 or
//! GBK), shared by `GET /export/{kind}.xlsx|.csv` and `wangge export`.
//!
//! Rows are read a page at a time (keyset, 500 rows) and written at once, so memory stays flat
//! whatever the size. What leaves is masked as lists show it: ID numbers and phones masked,
//! key-group tags only when the caller's role may see them (and asked for). Each export writes
//! one `export` audit row: who, what kind, how many rows, in which format, under which node.

use std::io::Write;

use serde::Serialize;
use wangge_domain::basic::{
    Education, Grade, HouseUse, KeyGroup, OrgKind, Relation, Residence, Sex,
};
use wangge_domain::err;
use wangge_domain::{Error, Scope};
use wangge_sheet::{CsvRowWriter, Encoding, SheetError, XlsxRowWriter};
use wangge_store::Db;
use wangge_store::basic::{Actor, houses, orgs, people};
use wangge_store::seal::KeyRing;

/// Rows read per page.
const PAGE: i64 = 500;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    People,
    Houses,
    Orgs,
}

impl ExportKind {
    pub const ALL: [ExportKind; 3] = [ExportKind::People, ExportKind::Houses, ExportKind::Orgs];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::People => "people",
            ExportKind::Houses => "houses",
            ExportKind::Orgs => "orgs",
        }
    }

    pub fn parse(s: &str) -> Option<ExportKind> {
        ExportKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// The sheet's name and the file name's stem, in Chinese.
    pub fn label_zh(self) -> &'static str {
        match self {
            ExportKind::People => "实有人口",
            ExportKind::Houses => "房屋",
            ExportKind::Orgs => "组织",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv(Encoding),
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv(Encoding::Utf8) => "csv",
            ExportFormat::Csv(Encoding::Gbk) => "csv-gbk",
        }
    }

    /// From a file name's extension (`.xlsx`, `.csv`) and, for CSV, the encoding asked for.
    pub fn from_extension(ext: &str, encoding: Encoding) -> Option<ExportFormat> {
        match ext.trim_start_matches('.').to_ascii_lowercase().as_str() {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" => Some(ExportFormat::Csv(encoding)),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Csv(Encoding::Utf8) => "text/csv; charset=utf-8",
            ExportFormat::Csv(Encoding::Gbk) => "text/csv; charset=gbk",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv(_) => "csv",
        }
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportSpec {
    pub kind: ExportKind,
    pub format: ExportFormat,
    /// The caller's area.
    pub scope: Scope,
    /// A node path inside the scope to narrow to.
    pub under: Option<String>,
    /// Add the open key-group tags of each person; the caller has checked the role may see them.
    pub tags: bool,
}

fn sheet_error(e: SheetError) -> Error {
    match e {
        SheetError::Encoding { .. } => err!("export.encoding", reason = e),
        SheetError::Limit(_) => err!("export.too_many_rows"),
        other => err!(
            "internal",
            detail = format!("cannot write the export: {other}")
        ),
    }
}

enum Writer<W: Write + Send> {
    Xlsx(Box<XlsxRowWriter<W>>),
    Csv(Box<CsvRowWriter<W>>),
}

impl<W: Write + Send> Writer<W> {
    fn new(out: W, format: ExportFormat, sheet: &str, headers: &[&str]) -> Result<Self, Error> {
        Ok(match format {
            ExportFormat::Xlsx => Writer::Xlsx(Box::new(
                XlsxRowWriter::new(out, sheet, headers).map_err(sheet_error)?,
            )),
            ExportFormat::Csv(enc) => {
                let mut w = CsvRowWriter::new(out, enc).map_err(sheet_error)?;
                w.write_row(headers).map_err(sheet_error)?;
                Writer::Csv(Box::new(w))
            }
        })
    }

    fn row(&mut self, cells: &[String]) -> Result<(), Error> {
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        match self {
            Writer::Xlsx(w) => w.write_row(&cells),
            Writer::Csv(w) => w.write_row(&cells),
        }
        .map_err(sheet_error)
    }

    fn finish(self) -> Result<W, Error> {
        match self {
            Writer::Xlsx(w) => w.finish(),
            Writer::Csv(w) => w.finish(),
        }
        .map_err(sheet_error)
    }
}

/// The headers of an export, in Chinese (the import templates' language).
pub fn headers(kind: ExportKind, tags: bool) -> Vec<&'static str> {
    let mut h = match kind {
        ExportKind::People => vec![
            "网格编码",
            "网格名称",
            "姓名",
            "性别",
            "出生日期",
            "身份证号",
            "联系电话",
            "民族",
            "户籍地址",
            "人口类型",
            "来本地日期",
            "离开日期",
            "是否党员",
            "文化程度",
            "职业",
            "房屋地址",
            "户号",
            "与户主关系",
        ],
        ExportKind::Houses => vec![
            "网格编码",
            "网格名称",
            "楼栋",
            "单元",
            "室",
            "地址",
            "房屋用途",
            "房主姓名",
            "房主电话",
            "面积(平方米)",
            "经度",
            "纬度",
            "承租人姓名",
            "承租人电话",
            "租赁开始日期",
            "租赁结束日期",
            "居住人数",
        ],
        ExportKind::Orgs => vec![
            "网格编码",
            "网格名称",
            "组织名称",
            "组织类型",
            "统一社会信用代码",
            "联系人",
            "联系电话",
            "地址",
            "安全生产等级",
            "环保等级",
            "是否重点监管",
        ],
    };
    if tags && kind == ExportKind::People {
        h.push("重点人群");
    }
    h
}

fn label<T>(code: &str, parse: fn(&str) -> Option<T>, zh: fn(T) -> &'static str) -> String {
    parse(code).map_or_else(|| code.to_string(), |v| zh(v).to_string())
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn person_cells(p: &people::PersonRow) -> Vec<String> {
    vec![
        p.grid_code.clone(),
        p.grid_name.clone(),
        p.name.clone(),
        label(&p.sex, Sex::parse, Sex::label_zh),
        p.birth_date.clone(),
        p.id_masked.clone(),
        opt(&p.phone_masked),
        p.ethnic.clone(),
        p.registered_address.clone(),
        label(&p.residence, Residence::parse, Residence::label_zh),
        opt(&p.arrived_on),
        opt(&p.left_on),
        yes_no(p.party_member),
        p.education
            .as_deref()
            .map(|e| label(e, Education::parse, Education::label_zh))
            .unwrap_or_default(),
        opt(&p.occupation),
        opt(&p.house_address),
        opt(&p.household_no),
        p.relation
            .as_deref()
            .map(|r| label(r, Relation::parse, Relation::label_zh))
            .unwrap_or_default(),
    ]
}

fn house_cells(h: &houses::HouseRow) -> Vec<String> {
    vec![
        h.grid_code.clone(),
        h.grid_name.clone(),
        h.building.clone(),
        h.unit.clone(),
        h.room.clone(),
        h.address.clone(),
        label(&h.use_kind, HouseUse::parse, HouseUse::label_zh),
        h.owner_name.clone(),
        opt(&h.owner_phone_masked),
        num(h.area_m2),
        num(h.lon),
        num(h.lat),
        opt(&h.tenant_name),
        opt(&h.tenant_phone_masked),
        opt(&h.rent_start),
        opt(&h.rent_end),
        h.occupants.to_string(),
    ]
}

fn org_cells(o: &orgs::OrgRow) -> Vec<String> {
    let grade = |g: &Option<String>| {
        g.as_deref()
            .map(|g| label(g, Grade::parse, Grade::label_zh))
            .unwrap_or_default()
    };
    vec![
        o.grid_code.clone(),
        o.grid_name.clone(),
        o.name.clone(),
        label(&o.kind, OrgKind::parse, OrgKind::label_zh),
        opt(&o.credit_code),
        o.contact_name.clone(),
        opt(&o.contact_phone_masked),
        o.address.clone(),
        grade(&o.safety_grade),
        grade(&o.env_grade),
        yes_no(o.key_supervised),
    ]
}

/// Writes the export into `out` and records it in the audit log; returns `out` and the number
/// of data rows.
pub async fn export<W: Write + Send>(
    db: &Db,
    keys: &KeyRing,
    actor: &Actor,
    spec: &ExportSpec,
    out: W,
    now: i64,
) -> Result<(W, u64), Error> {
    let headers = headers(spec.kind, spec.tags);
    let mut w = Writer::new(out, spec.format, spec.kind.label_zh(), &headers)?;
    let mut rows = 0u64;
    let mut after: Option<i64> = None;
    let mut conn = db.conn().await?;
    loop {
        let h = &mut conn.handle();
        let got = match spec.kind {
            ExportKind::People => {
                let filter = people::Filter {
                    under: spec.under.clone(),
                    ..Default::default()
                };
                let page = people::list(h, keys, &spec.scope, &filter, after, PAGE).await?;
                for p in &page {
                    let mut cells = person_cells(p);
                    if spec.tags {
                        let tags = people::tags(h, keys, &spec.scope, p.id).await?;
                        let open: Vec<&str> = tags
                            .iter()
                            .filter(|t| t.until.is_none())
                            .filter_map(|t| KeyGroup::parse(&t.group).map(KeyGroup::label_zh))
                            .collect();
                        cells.push(open.join(";"));
                    }
                    w.row(&cells)?;
                }
                page.last().map(|p| (p.id, page.len() as u64))
            }
            ExportKind::Houses => {
                let filter = houses::Filter {
                    under: spec.under.clone(),
                    ..Default::default()
                };
                let page = houses::list(h, &spec.scope, &filter, after, PAGE).await?;
                for x in &page {
                    w.row(&house_cells(x))?;
                }
                page.last().map(|x| (x.id, page.len() as u64))
            }
            ExportKind::Orgs => {
                let filter = orgs::Filter {
                    under: spec.under.clone(),
                    ..Default::default()
                };
                let page = orgs::list(h, &spec.scope, &filter, after, PAGE).await?;
                for x in &page {
                    w.row(&org_cells(x))?;
                }
                page.last().map(|x| (x.id, page.len() as u64))
            }
        };
        match got {
            Some((last, n)) => {
                rows += n;
                after = Some(last);
            }
            None => break,
        }
    }
    drop(conn);
    let out = w.finish()?;
    let detail = serde_json::json!({
        "format": spec.format.as_str(),
        "rows": rows,
        "under": spec.under,
        "tags": spec.tags,
    })
    .to_string();
    let mut tx = db.begin().await?;
    wangge_store::audit::append(
        &mut tx.handle(),
        &wangge_store::audit::Entry {
            actor,
            action: "export",
            subject_table: spec.kind.as_str(),
            subject_id: None,
            column_name: None,
            reason: "",
            detail: &detail,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((out, rows))
}
