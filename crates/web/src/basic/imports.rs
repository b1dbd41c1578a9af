//! Import and export of basic information in the browser.
//!
//! - `GET /import` — the page: pick a kind, download its template, upload a file, check it
//!   (dry run) or import it (all-or-nothing, or the good rows only), watch the progress bar and
//!   read the bad rows with their reasons; export links for the caller's scope.
//! - `GET /import/template/{kind}.xlsx|.csv` — the empty template (XLSX with drop-downs).
//! - `POST /import` (multipart: `kind`, `encoding`, `mode`, `file`) — stores the upload in a
//!   temporary file (at most [`UPLOAD_LIMIT`] bytes), starts a job and answers
//!   `{"job": ID}` (or redirects to `/import?job=ID` for a plain form post).
//! - `GET /import/jobs/{id}` — the job as JSON: state, progress, and the report when done. Only
//!   the user who started it sees it. Jobs live in the server's memory for an hour.
//! - `GET /export/{kind}.xlsx|.csv[?encoding=gbk][&under=CODE]` — the caller's scope, masked,
//!   streamed from a temporary file; one `export` audit row each. Its columns are the
//!   template's, so it imports again (masked values excepted: see `export`).
//! - `POST /export` (form: `kind`, `format` = xlsx, csv or csv-gbk, `reason`, `under`) — the
//!   same with full ID numbers and phones, for roles that may reveal; the reason goes into the
//!   audit row.
//!
//! Importing needs a role that keeps the register (grid workers for their grid, grid leaders,
//! operators and administrators within their area); exporting needs one that reads it. Tags go
//! into a people export only for roles that may see them.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Extension, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use wangge_domain::basic::access;
use wangge_domain::basic::row::Kind;
use wangge_domain::err;
use wangge_domain::{Error, deadline};
use wangge_sheet::Encoding;
use wangge_store::audit::Actor;
use wangge_store::auth::Principal;
use wangge_store::basic::import::Mode;
use wangge_store::nodes;

use super::export::{self, ExportFormat, ExportKind, ExportSpec};
use super::import::{self, ImportProgress, ImportSpec, Report};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::ui::rfc5987;
use crate::ui::{Layout, render, texts_json};

/// The largest upload accepted: about 1.5 million people rows as CSV.
pub const UPLOAD_LIMIT: usize = 256 * 1024 * 1024;
/// How long a finished job's report is kept.
const KEEP_FINISHED: Duration = Duration::from_secs(3600);
/// The longest form value kept besides the file (`kind`, `mode`, `encoding` are words).
const MAX_FORM_VALUE: usize = 1024;
/// The longest file name a job keeps, in characters.
const MAX_FILE_NAME: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new().route("/import", get(page))
}

/// Routes answering JSON errors, outside the HTML error layer: the upload and its job, and the
/// downloads (a script or a client sees why one is refused).
pub fn api_routes() -> Router<AppState> {
    let jobs: Arc<Jobs> = Arc::default();
    Router::new()
        .route("/import/template/{file}", get(template))
        .route("/export/{file}", get(export_file))
        .route("/export", axum::routing::post(export_revealed))
        .route(
            "/import",
            axum::routing::post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT + 64 * 1024)),
        )
        .route("/import/jobs/{id}", get(job))
        .layer(Extension(jobs))
}

// ---- jobs ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum JobState {
    Running,
    Done,
    Failed,
}

struct Job {
    owner: i64,
    view: JobView,
    finished: Option<Instant>,
}

/// A job as `GET /import/jobs/{id}` shows it.
#[derive(Debug, Clone, Serialize)]
struct JobView {
    id: String,
    kind: &'static str,
    mode: Mode,
    file_name: String,
    state: JobState,
    progress: ImportProgress,
    report: Option<Report>,
    /// A server-side failure (the database), in the user's language when known.
    error: Option<String>,
}

/// The jobs of one router (one server), by id.
type Jobs = Mutex<HashMap<String, Job>>;

fn lock(jobs: &Jobs) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
    match jobs.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn update(jobs: &Jobs, id: &str, f: impl FnOnce(&mut Job)) {
    if let Some(j) = lock(jobs).get_mut(id) {
        f(j);
    }
}

/// Removes a temporary file when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn temp_path(prefix: &str, ext: &str) -> Result<PathBuf, Error> {
    let tag = wangge_store::auth::random_secret()?;
    Ok(std::env::temp_dir().join(format!("wangge-{prefix}-{}.{ext}", &tag[..16])))
}

// ---- who may ----

fn may_import(p: &Principal) -> Result<(), Error> {
    if access::may_write(p.role()) {
        Ok(())
    } else {
        Err(err!("auth.forbidden"))
    }
}

fn may_export(p: &Principal) -> Result<bool, Error> {
    let r = p.role();
    if access::may_read(r) {
        Ok(access::may_see_tags(r))
    } else {
        Err(err!("auth.forbidden"))
    }
}

fn actor_of(p: &Principal) -> Actor {
    Actor::user(p.user_id, p.display_name.clone())
}

fn parse_kind(s: &str) -> Result<Kind, Error> {
    Kind::parse(s).ok_or_else(|| {
        err!(
            "import.kind_invalid",
            kind = s,
            choices = "people, households, houses, orgs, objects"
        )
    })
}

fn parse_mode(s: &str) -> Result<Mode, Error> {
    match s.trim() {
        "" | "all" | "all_or_nothing" => Ok(Mode::AllOrNothing),
        "good_rows" | "good_rows_only" => Ok(Mode::GoodRowsOnly),
        "dry_run" | "check" => Ok(Mode::DryRun),
        other => Err(err!("import.mode_invalid", mode = other)),
    }
}

fn parse_encoding(s: &str) -> Result<Encoding, Error> {
    if s.trim().is_empty() {
        return Ok(Encoding::Utf8);
    }
    Encoding::parse(s).ok_or_else(|| err!("import.encoding_invalid", encoding = s))
}

// ---- the page ----

pub struct KindView {
    pub kind: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "basic/import.html")]
struct ImportPage {
    l: Layout,
    kinds: Vec<KindView>,
    export_kinds: Vec<KindView>,
    selected: String,
    job: String,
    may_import: bool,
    /// The role may export full values (with a reason).
    may_reveal: bool,
    limit_mb: usize,
    texts: String,
}

#[derive(Deserialize)]
struct PageQuery {
    kind: Option<String>,
    job: Option<String>,
}

const JS_TEXTS: &[&str] = &[
    "imports.running",
    "imports.reading",
    "imports.writing",
    "imports.rows_read",
    "imports.done_committed",
    "imports.done_dry_run",
    "imports.done_refused",
    "imports.done_stopped",
    "imports.inserted",
    "imports.updated",
    "imports.bad_rows",
    "imports.problems",
    "imports.unreported",
    "imports.row",
    "imports.column",
    "imports.message",
    "imports.no_problems",
    "imports.failed",
    "imports.choose_file",
    "imports.whole_file",
    "imports.example_skipped",
];

async fn page(lang: Lang, Me(me): Me, Query(q): Query<PageQuery>) -> AppResult<Response> {
    may_export(&me)?;
    let l = Layout::new(lang, Some(me.clone()), "imports.title");
    let t = l.t;
    let kinds = Kind::ALL
        .iter()
        .map(|k| KindView {
            kind: k.as_str(),
            label: t.s(&format!("imports.kind.{}", k.as_str())).to_string(),
        })
        .collect();
    let export_kinds = ExportKind::ALL
        .iter()
        .map(|k| KindView {
            kind: k.as_str(),
            label: t.s(&format!("imports.kind.{}", k.as_str())).to_string(),
        })
        .collect();
    let selected = q
        .kind
        .as_deref()
        .and_then(Kind::parse)
        .unwrap_or(Kind::People)
        .as_str()
        .to_string();
    let job = q
        .job
        .filter(|j| j.len() <= 64 && j.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_default();
    let may = may_import(&me).is_ok();
    Ok(render(ImportPage {
        texts: texts_json(&t, JS_TEXTS),
        l,
        kinds,
        export_kinds,
        selected,
        job,
        may_import: may,
        may_reveal: access::may_reveal(me.role()),
        limit_mb: UPLOAD_LIMIT / (1024 * 1024),
    }))
}

fn attachment(name_zh: &str, ascii: &str, content_type: &'static str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        rfc5987(name_zh)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h
}

/// `people.xlsx` → (`people`, `xlsx`).
fn split_file(file: &str) -> Result<(&str, &str), Error> {
    file.rsplit_once('.')
        .ok_or_else(|| err!("import.no_such_file", file))
}

async fn template(Me(me): Me, Path(file): Path<String>) -> AppResult<Response> {
    may_export(&me)?;
    let (kind, ext) = split_file(&file)?;
    let kind = parse_kind(kind)?;
    let (bytes, ty) = match ext {
        "xlsx" => (
            import::xlsx_template(kind)?,
            ExportFormat::Xlsx.content_type(),
        ),
        "csv" => (import::csv_template(kind)?, "text/csv; charset=utf-8"),
        _ => {
            return Err(AppError(err!("import.no_such_file", file)));
        }
    };
    let name = format!("{}导入模板.{ext}", kind.label_zh());
    let ascii = format!("{}-template.{ext}", kind.as_str());
    Ok((attachment(&name, &ascii, ty), bytes).into_response())
}

// ---- upload and jobs ----

#[derive(Serialize)]
struct Started {
    job: String,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn bad_form(m: impl Into<String>) -> Error {
    err!("request.bad_form", reason = Into::<String>::into(m))
}

/// The file's extension as sent (`csv`, `xlsx`), else `bin`; only letters and digits.
fn extension_of(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "bin".to_string())
}

async fn upload(
    State(s): State<AppState>,
    Extension(jobs): Extension<Arc<Jobs>>,
    lang: Lang,
    Me(me): Me,
    headers: HeaderMap,
    mut mp: Multipart,
) -> AppResult<Response> {
    may_import(&me)?;
    let mut text: HashMap<String, String> = HashMap::new();
    let mut file: Option<(TempFile, String, u64)> = None;
    while let Some(mut field) = mp.next_field().await.map_err(|e| bad_form(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) if name == "file" => {
                let path = temp_path("import", &extension_of(&file_name))?;
                let guard = TempFile(path.clone());
                let mut out =
                    std::io::BufWriter::new(std::fs::File::create(&path).map_err(|e| {
                        err!("internal", detail = format!("cannot store the upload: {e}"))
                    })?);
                let mut size = 0u64;
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    err!("import.too_large", max_mb = UPLOAD_LIMIT / (1024 * 1024))
                        .with_details(serde_json::json!({ "reason": e.body_text() }))
                })? {
                    size += chunk.len() as u64;
                    if size > UPLOAD_LIMIT as u64 {
                        return Err(AppError(err!(
                            "import.too_large",
                            max_mb = UPLOAD_LIMIT / (1024 * 1024)
                        )));
                    }
                    out.write_all(&chunk).map_err(|e| {
                        err!("internal", detail = format!("cannot store the upload: {e}"))
                    })?;
                }
                out.flush().map_err(|e| {
                    err!("internal", detail = format!("cannot store the upload: {e}"))
                })?;
                let file_name: String = file_name.chars().take(MAX_FILE_NAME).collect();
                file = Some((guard, file_name, size));
            }
            _ => {
                // Only the form's own words are kept, each short: the body may be 256 MB.
                let mut v = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| bad_form(e.body_text()))? {
                    if v.len() + chunk.len() > MAX_FORM_VALUE {
                        return Err(AppError(bad_form(format!(
                            "{} is longer than {MAX_FORM_VALUE} bytes",
                            name.chars().take(32).collect::<String>()
                        ))));
                    }
                    v.extend_from_slice(&chunk);
                }
                if matches!(name.as_str(), "kind" | "mode" | "encoding") {
                    let v = String::from_utf8(v)
                        .map_err(|_| bad_form(format!("{name} is not text")))?;
                    text.insert(name, v);
                }
            }
        }
    }
    let get = |k: &str| text.get(k).map(String::as_str).unwrap_or("");
    let kind = parse_kind(get("kind"))?;
    let mode = parse_mode(get("mode"))?;
    let encoding = parse_encoding(get("encoding"))?;
    let Some((temp, file_name, size)) = file.filter(|f| f.2 > 0) else {
        return Err(AppError(err!("import.no_file")));
    };
    let now = s.now();
    let spec = ImportSpec {
        actor: actor_of(&me),
        scope: me.scope(),
        kind,
        mode,
        today: deadline::local_date(now).map_err(Error::from)?,
        now,
    };
    let id = wangge_store::auth::random_secret()?[..24].to_string();
    {
        let mut all = lock(&jobs);
        all.retain(|_, j| j.finished.is_none_or(|f| f.elapsed() < KEEP_FINISHED));
        if all
            .values()
            .any(|j| j.owner == me.user_id && j.view.state == JobState::Running)
        {
            return Err(AppError(err!("import.busy")));
        }
        all.insert(
            id.clone(),
            Job {
                owner: me.user_id,
                view: JobView {
                    id: id.clone(),
                    kind: kind.as_str(),
                    mode,
                    file_name,
                    state: JobState::Running,
                    progress: ImportProgress {
                        total_bytes: Some(size),
                        phase: "reading",
                        ..Default::default()
                    },
                    report: None,
                    error: None,
                },
                finished: None,
            },
        );
    }
    let job_id = id.clone();
    let t = Tr::new(lang);
    tokio::spawn(async move {
        let locate = s.locate_index();
        let progress_id = job_id.clone();
        let limits = &s.config.import_limits;
        let result = import::import_file(
            &s.db,
            &s.keys,
            &spec,
            &temp.0,
            encoding,
            limits,
            &locate,
            |p| update(&jobs, &progress_id, |j| j.view.progress = p),
        )
        .await;
        drop(temp);
        update(&jobs, &job_id, |j| {
            j.finished = Some(Instant::now());
            match result {
                Ok(r) => {
                    j.view.state = JobState::Done;
                    j.view.report = Some(r);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "import failed");
                    j.view.state = JobState::Failed;
                    j.view.error = Some(t.error(&e));
                }
            }
        });
    });
    if wants_json(&headers) {
        Ok(axum::Json(Started { job: id }).into_response())
    } else {
        Ok(Redirect::to(&format!("/import?job={id}")).into_response())
    }
}

async fn job(
    Extension(jobs): Extension<Arc<Jobs>>,
    Me(me): Me,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let view = lock(&jobs)
        .get(&id)
        .filter(|j| j.owner == me.user_id)
        .map(|j| j.view.clone());
    match view {
        Some(v) => {
            let mut resp = axum::Json(v).into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(resp)
        }
        None => Err(AppError(err!("import.no_such_job", id))),
    }
}

// ---- export ----

#[derive(Deserialize)]
struct ExportQuery {
    encoding: Option<String>,
    under: Option<String>,
}

/// A file's bytes as a response body, read a chunk at a time; the file is removed at the end.
pub(super) struct FileStream {
    pub(super) rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
}

impl futures_core::Stream for FileStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

fn stream_file(temp: TempFile) -> Body {
    let (tx, rx) = mpsc::channel(4);
    std::thread::spawn(move || {
        use std::io::Read;
        let mut f = match std::fs::File::open(&temp.0) {
            Ok(f) => f,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
        drop(temp);
    });
    Body::from_stream(FileStream { rx })
}

async fn export_file(
    State(s): State<AppState>,
    Me(me): Me,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    Ok(export_response(&s, &me, &file, q, None).await?)
}

#[derive(Deserialize)]
struct RevealForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    reason: String,
    under: Option<String>,
}

/// An export with full values: the role must be one that may reveal, the reason is required.
async fn export_revealed(
    State(s): State<AppState>,
    Me(me): Me,
    axum::Form(f): axum::Form<RevealForm>,
) -> AppResult<Response> {
    if !access::may_reveal(me.role()) {
        return Err(AppError(err!("export.reveal_forbidden")));
    }
    let (ext, encoding) = match f.format.trim() {
        "" | "xlsx" => ("xlsx", None),
        "csv" => ("csv", None),
        "csv-gbk" => ("csv", Some("gbk".to_string())),
        other => return Err(AppError(err!("import.no_such_file", file = other))),
    };
    let file = format!("{}.{ext}", f.kind.trim());
    let q = ExportQuery {
        encoding,
        under: f.under,
    };
    Ok(export_response(&s, &me, &file, q, Some(f.reason)).await?)
}

async fn export_response(
    s: &AppState,
    me: &Principal,
    file: &str,
    q: ExportQuery,
    reveal: Option<String>,
) -> Result<Response, Error> {
    let tags = may_export(me)?;
    let (kind, ext) = split_file(file)?;
    let kind = ExportKind::parse(kind).ok_or_else(|| err!("import.no_such_file", file))?;
    let encoding = parse_encoding(q.encoding.as_deref().unwrap_or(""))?;
    let format = ExportFormat::from_extension(ext, encoding)
        .ok_or_else(|| err!("import.no_such_file", file))?;
    let scope = me.scope();
    let under = match q.under.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(code) => {
            let mut c = s.db.conn().await?;
            Some(nodes::by_code(&mut c.handle(), &scope, code).await?.path)
        }
    };
    let spec = ExportSpec {
        kind,
        format,
        scope,
        under,
        tags,
        reveal,
    };
    // CSV goes out page by page as it is written; an XLSX workbook is only whole at the end,
    // so it is written to a temporary file first.
    let body = if let ExportFormat::Csv(_) = format {
        super::export_stream::stream(s, actor_of(me), spec)?
    } else {
        let path = temp_path("export", format.extension())?;
        let temp = TempFile(path.clone());
        let out = std::io::BufWriter::new(
            std::fs::File::create(&path)
                .map_err(|e| err!("internal", detail = format!("cannot write the export: {e}")))?,
        );
        let (out, _rows) =
            export::export(&s.db, &s.keys, &actor_of(me), &spec, out, s.now()).await?;
        out.into_inner()
            .map_err(|e| err!("internal", detail = format!("cannot write the export: {e}")))?;
        stream_file(temp)
    };
    let day = deadline::local_date(s.now()).map_err(Error::from)?;
    let name = format!(
        "{}-{}-{day}.{}",
        kind.label_zh(),
        me.node_code,
        format.extension()
    );
    let ascii = format!(
        "{}-{}-{day}.{}",
        kind.as_str(),
        me.node_code,
        format.extension()
    );
    Ok((attachment(&name, &ascii, format.content_type()), body).into_response())
}
