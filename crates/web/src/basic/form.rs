//! Reading a posted form and showing one again: fields by name, coded selects, per-field errors
//! in the page's language, and the shared form page.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use wangge_domain::Error;
use wangge_domain::basic::FieldError;
use wangge_domain::err;

use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::ui::{Layout, render};

/// A posted form's fields (the last value of a repeated name wins).
pub type Fields = HashMap<String, String>;

pub async fn read_form(req: Request) -> Result<Fields, Error> {
    let axum::Form(list) = axum::Form::<Vec<(String, String)>>::from_request(req, &())
        .await
        .map_err(|e| err!("request.bad_form", reason = e.body_text()))?;
    Ok(list.into_iter().collect())
}

pub fn f<'a>(m: &'a Fields, name: &str) -> &'a str {
    m.get(name).map(|s| s.trim()).unwrap_or("")
}

/// Field errors as one 400 whose details list each `{field, code, message}`.
pub fn fields_error(errs: &[FieldError]) -> Error {
    let names: Vec<&str> = errs.iter().map(|e| e.field).collect();
    err!("basic.invalid_fields", fields = names.join(", "))
        .with_details(serde_json::json!({ "fields": errs }))
}

/// An error a page shows beside the form that failed; a refusal (403) or a record outside the
/// area (404) is an error page instead.
pub fn shown_on_page(e: Error) -> Result<Error, AppError> {
    if e.status == 403 || e.status == 404 {
        Err(AppError(e))
    } else {
        Ok(e)
    }
}

/// Why saving a record failed: field errors (shown beside the fields) or another error.
pub enum SaveError {
    Fields(Vec<FieldError>),
    Other(Error),
}

impl From<Error> for SaveError {
    fn from(e: Error) -> Self {
        SaveError::Other(e)
    }
}

impl SaveError {
    /// What a form submit shows when saving failed: the form again with the field errors or a
    /// message; a refusal (403) or a record outside the area (404) is an error page instead.
    pub fn into_form(self) -> Result<(Vec<FieldError>, Option<Error>), AppError> {
        match self {
            SaveError::Fields(errs) => Ok((errs, None)),
            SaveError::Other(e) => Ok((Vec::new(), Some(shown_on_page(e)?))),
        }
    }

    pub fn into_error(self) -> Error {
        match self {
            SaveError::Fields(v) => fields_error(&v),
            SaveError::Other(e) => e,
        }
    }
}

/// An option of a select.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A coded enum of the domain (a house use, a key group …) as selects and labels show it.
#[derive(Clone, Copy)]
pub struct Coded {
    /// The table's keys of the English labels are `prefix.code`.
    pub prefix: &'static str,
    /// Every value: (code, Chinese label).
    pub all: fn() -> Vec<(&'static str, &'static str)>,
    /// The Chinese label of a code the domain knows.
    pub zh: fn(&str) -> Option<&'static str>,
}

/// The [`Coded`] of an enum with `ALL`, `as_str`, `label_zh` and `parse`.
macro_rules! coded {
    ($t:ty, $prefix:literal) => {
        $crate::basic::form::Coded {
            prefix: $prefix,
            all: || {
                <$t>::ALL
                    .iter()
                    .map(|v| (v.as_str(), v.label_zh()))
                    .collect()
            },
            zh: |code| <$t>::parse(code).map(<$t>::label_zh),
        }
    };
}
pub(crate) use coded;

impl Coded {
    /// A stored code's label; a code the domain does not know shows itself.
    pub fn label(&self, t: &Tr, code: &str) -> String {
        match (self.zh)(code) {
            Some(zh) => coded_label(t, self.prefix, code, zh),
            None => code.to_string(),
        }
    }

    pub fn options(&self, t: &Tr, selected: &str) -> Vec<Opt> {
        (self.all)()
            .into_iter()
            .map(|(code, zh)| Opt {
                value: code.to_string(),
                label: coded_label(t, self.prefix, code, zh),
                selected: code == selected,
            })
            .collect()
    }
}

/// A coded value's label: in English the table's `prefix.code`, in Chinese the domain's own
/// label `zh` (the domain is where the Chinese names are kept).
pub fn coded_label(t: &Tr, prefix: &str, code: &str, zh: &str) -> String {
    let key = format!("{prefix}.{code}");
    match t.lang {
        Lang::En if Tr::has(&key) => t.s(&key).to_string(),
        _ => zh.to_string(),
    }
}

/// One input of a record form.
#[derive(Debug, Clone)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    /// text, select, date, number, textarea, tel
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<Opt>,
    pub error: String,
    pub required: bool,
    pub hint: String,
}

/// Builds the inputs of a form, each with its value and its errors.
pub struct FormBuilder<'a> {
    pub t: &'a Tr,
    pub values: &'a Fields,
    pub errors: &'a [FieldError],
    pub fields: Vec<FieldView>,
}

impl<'a> FormBuilder<'a> {
    pub fn new(t: &'a Tr, values: &'a Fields, errors: &'a [FieldError]) -> FormBuilder<'a> {
        FormBuilder {
            t,
            values,
            errors,
            fields: Vec::new(),
        }
    }

    fn error_of(&self, name: &str) -> String {
        self.errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| field_error_text(self.t, e))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// An input labelled `bf.NAME`.
    pub fn add(&mut self, name: &str, kind: &'static str, required: bool) -> &mut FieldView {
        let label = self.t.s(&format!("bf.{name}")).to_string();
        let value = f(self.values, name).to_string();
        self.fields.push(FieldView {
            name: name.to_string(),
            label,
            kind,
            error: self.error_of(name),
            value,
            options: Vec::new(),
            required,
            hint: String::new(),
        });
        let n = self.fields.len() - 1;
        &mut self.fields[n]
    }

    pub fn select(&mut self, name: &str, required: bool, options: Vec<Opt>) -> &mut FieldView {
        let value = f(self.values, name).to_string();
        let v = self.add(name, "select", required);
        v.options = options
            .into_iter()
            .map(|mut o| {
                o.selected = o.value == value;
                o
            })
            .collect();
        v
    }

    pub fn yes_no(&mut self, name: &str) -> &mut FieldView {
        let t = self.t;
        let opts = [("false", "common.no"), ("true", "common.yes")]
            .into_iter()
            .map(|(value, key)| Opt {
                value: value.into(),
                label: t.s(key).into(),
                selected: false,
            })
            .collect();
        self.select(name, false, opts)
    }

    /// Errors naming no field of the form (shown above it).
    pub fn loose_errors(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| !self.fields.iter().any(|v| v.name == e.field))
            .map(|e| format!("{}: {}", e.field, field_error_text(self.t, e)))
            .collect()
    }
}

/// A field error in the page's language only: the error table's text for its code.
pub fn field_error_text(t: &Tr, e: &FieldError) -> String {
    e.text(t.lang == Lang::Zh)
}

#[derive(Template)]
#[template(path = "basic/form.html")]
pub struct FormPage {
    pub l: Layout,
    pub heading: String,
    pub action: String,
    pub back: String,
    pub fields: Vec<FieldView>,
    pub errors: Vec<String>,
    /// A person registered outside the caller's area: the form to request their transfer.
    pub transfer: Option<TransferOffer>,
}

/// What the request of a transfer (人口迁入) starts from: the values the user typed.
pub struct TransferOffer {
    pub id_number: String,
    pub grid_code: String,
}

/// Renders the form page: 400 when fields failed, the error's status for another failure.
pub fn form_page(
    l: Layout,
    action: String,
    back: String,
    b: FormBuilder<'_>,
    general: Option<&Error>,
) -> Response {
    let mut loose = b.loose_errors();
    if let Some(e) = general {
        loose.insert(0, l.t.error(e));
    }
    let failed = !b.errors.is_empty() || general.is_some();
    let status = match general {
        Some(e) => status_of(e),
        None if failed => StatusCode::BAD_REQUEST,
        None => StatusCode::OK,
    };
    let transfer = general
        .filter(|e| e.code == "basic.registered_elsewhere")
        .map(|_| TransferOffer {
            id_number: f(b.values, "id_number").to_string(),
            grid_code: f(b.values, "grid_code").to_string(),
        });
    let mut r = render(FormPage {
        heading: l.title.clone(),
        action,
        back,
        fields: b.fields,
        errors: loose,
        transfer,
        l,
    });
    *r.status_mut() = status;
    no_store(r)
}

/// The status a page shows a failed save or reveal with.
pub fn status_of(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST)
}

/// Pages showing personal data, a revealed value above all, must not be kept by the browser or
/// a proxy.
pub fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Parses a positive id from a path or query; anything else is "not found".
pub fn parse_id(s: &str) -> Result<i64, Error> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| err!("basic.not_found", id = s))
}

pub fn parse_after(s: Option<&str>) -> Result<Option<i64>, Error> {
    match s.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| err!("request.bad_number", field = "after")),
    }
}

pub fn opt_text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

/// A domain's `…Fields` struct of borrowed texts, each field read from the form by its name
/// (`into` wraps the ID number and phones in `Sensitive`).
macro_rules! from_form {
    ($m:expr => $t:ident { $($name:ident),* $(,)? }) => {
        $t {
            $($name: ::core::convert::From::from($crate::basic::form::f($m, stringify!($name))),)*
        }
    };
}
pub(crate) use from_form;
