//! Multipart forms (image edits, videos, transcriptions), collected into fields and files.

use std::collections::BTreeMap;

use axum::extract::Multipart;

use crate::mock::errors::ApiError;

/// An uploaded file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A parsed multipart form.
#[derive(Debug, Default)]
pub struct Form {
    /// Text fields (the last value wins).
    pub fields: BTreeMap<String, String>,
    /// Files, in order.
    pub files: Vec<Upload>,
}

impl Form {
    /// Reads the whole form.
    pub async fn read(mut multipart: Multipart) -> Result<Form, ApiError> {
        let mut form = Form::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => return Ok(form),
                Err(err) => {
                    return Err(ApiError::bad_request(format!("invalid multipart body: {err}")));
                }
            };
            let name = field.name().unwrap_or_default().to_owned();
            let is_file = field.file_name().is_some();
            let bytes = field
                .bytes()
                .await
                .map_err(|err| ApiError::bad_request(format!("invalid multipart field `{name}`: {err}")))?;
            if is_file {
                form.files.push(Upload { field: name, bytes: bytes.to_vec() });
            } else {
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| ApiError::bad_request(format!("form field `{name}` is not UTF-8 text")))?;
                form.fields.insert(name, text);
            }
        }
    }

    /// A text field.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// A required text field.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.text(name).ok_or_else(|| ApiError::bad_request(format!("Field required: {name}")).with_param(name))
    }

    /// A numeric field, or an error naming it.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.text(name) {
            None => Ok(None),
            Some(value) => value.trim().parse().map(Some).map_err(|_| {
                ApiError::bad_request(format!("Invalid value for {name}: `{value}` is not a number")).with_param(name)
            }),
        }
    }

    /// The files sent under any of `names`.
    pub fn files_named<'a>(&'a self, names: &'a [&str]) -> impl Iterator<Item = &'a Upload> {
        self.files.iter().filter(move |f| names.contains(&f.field.as_str()))
    }
}

/// Parses `WxH`.
pub fn parse_size(size: &str) -> Result<(u32, u32), ApiError> {
    let invalid = || {
        ApiError::bad_request(format!("Invalid size format: `{size}`; expected WIDTHxHEIGHT, e.g. 1024x1024"))
            .with_param("size")
    };
    let (w, h) = size.split_once(['x', 'X', '*']).ok_or_else(invalid)?;
    let (w, h): (u32, u32) = (w.trim().parse().map_err(|_| invalid())?, h.trim().parse().map_err(|_| invalid())?);
    if w == 0 || h == 0 || w > 8192 || h > 8192 {
        return Err(invalid());
    }
    Ok((w, h))
}
