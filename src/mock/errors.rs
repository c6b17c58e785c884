//! vLLM's error answers: the OpenAI-style error object (nested, or the older flat shape), with
//! pydantic-style validation messages for bad request bodies.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// How an error object is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorShape {
    /// Current vLLM: `{"error": {"message", "type", "param", "code"}}`.
    #[default]
    Nested,
    /// Older vLLM and SGLang: `{"object": "error", "message", "type", "param", "code"}`.
    Flat,
}

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    kind: String,
    param: Option<String>,
    shape: ErrorShape,
    extra: Vec<(&'static str, Value)>,
}

/// One field that failed validation, as pydantic reports it.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// pydantic's error type, e.g. `missing`, `bool_parsing`.
    pub kind: &'static str,
    /// The location, e.g. `("body", "messages")`.
    pub loc: Vec<Value>,
    /// pydantic's message.
    pub msg: String,
    /// The offending input.
    pub input: Value,
    /// Extra context pydantic adds (e.g. the JSON decoder's message).
    pub ctx: Option<Value>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            kind: kind.to_owned(),
            param: None,
            shape: ErrorShape::Nested,
            extra: vec![],
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "BadRequestError", message)
    }

    /// 404 for a model the server does not serve.
    pub fn unknown_model(model: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NotFoundError", format!("The model `{model}` does not exist."))
            .with_param("model")
    }

    /// 404 for a route the model does not have.
    pub fn unsupported_route(model: &str, route: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NotFoundError", format!("The model `{model}` does not support {route}."))
    }

    /// 404 for a missing object (a video job, a voice).
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NotFoundError", message)
    }

    /// 500 Internal Server Error.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", message)
    }

    /// Another status, with vLLM's type name for it.
    pub fn with_status(status: StatusCode, message: impl Into<String>) -> ApiError {
        let kind = status.canonical_reason().unwrap_or("Error").replace(' ', "");
        ApiError::new(status, &format!("{kind}Error"), message)
    }

    /// 400 listing validation errors the way FastAPI's `RequestValidationError` prints them.
    pub fn validation(errors: &[FieldError]) -> ApiError {
        let items: Vec<String> = errors
            .iter()
            .map(|e| {
                let loc: Vec<String> = e.loc.iter().map(python_repr).collect();
                let loc = if loc.len() == 1 { format!("({},)", loc[0]) } else { format!("({})", loc.join(", ")) };
                let ctx = e.ctx.as_ref().map(|ctx| format!(", 'ctx': {}", python_repr(ctx))).unwrap_or_default();
                format!(
                    "{{'type': '{}', 'loc': {loc}, 'msg': '{}', 'input': {}{ctx}}}",
                    e.kind,
                    e.msg.replace('\'', "\\'"),
                    python_repr(&e.input)
                )
            })
            .collect();
        ApiError::new(StatusCode::BAD_REQUEST, "Bad Request", format!("[{}]", items.join(", ")))
    }

    /// Names the offending parameter.
    #[must_use]
    pub fn with_param(mut self, param: &str) -> ApiError {
        self.param = Some(param.to_owned());
        self
    }

    /// Lays the error out in `shape`.
    #[must_use]
    pub fn with_shape(mut self, shape: ErrorShape) -> ApiError {
        self.shape = shape;
        self
    }

    /// Adds a field to the error object (vLLM-Omni adds `request_id` and `error_stage_id`).
    #[must_use]
    pub fn with_field(mut self, name: &'static str, value: Value) -> ApiError {
        self.extra.push((name, value));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error object as JSON.
    pub fn body(&self) -> Value {
        let mut object = json!({
            "message": self.message,
            "type": self.kind,
            "param": self.param,
            "code": self.status.as_u16(),
        });
        for (name, value) in &self.extra {
            object[*name] = value.clone();
        }
        match self.shape {
            ErrorShape::Nested => json!({ "error": object }),
            ErrorShape::Flat => {
                object["object"] = json!("error");
                object
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

/// A JSON value as Python's `repr` prints it, for FastAPI-compatible validation messages.
fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => format!("[{}]", items.iter().map(python_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let fields: Vec<String> = map.iter().map(|(k, v)| format!("'{k}': {}", python_repr(v))).collect();
            format!("{{{}}}", fields.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_flat_shapes() {
        let err = ApiError::unknown_model("nope");
        assert_eq!(
            err.body(),
            json!({"error": {"message": "The model `nope` does not exist.", "type": "NotFoundError", "param": "model", "code": 404}})
        );
        let flat = ApiError::internal("CUDA out of memory").with_shape(ErrorShape::Flat).body();
        assert_eq!(flat["object"], "error");
        assert_eq!(flat["code"], 500);
    }

    #[test]
    fn validation_messages_read_like_fastapi() {
        let err = ApiError::validation(&[FieldError {
            kind: "bool_parsing",
            loc: vec![json!("body"), json!("stream")],
            msg: "Input should be a valid boolean, unable to interpret input".into(),
            input: json!("yes"),
            ctx: None,
        }]);
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            err.body()["error"]["message"],
            "[{'type': 'bool_parsing', 'loc': ('body', 'stream'), 'msg': 'Input should be a valid boolean, unable to interpret input', 'input': 'yes'}]"
        );
    }
}
