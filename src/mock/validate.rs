//! Request bodies checked the way vLLM's pydantic models check them: lax coercion where
//! pydantic is lax ("1.5" is a float, "true" a bool), an error entry per bad field otherwise,
//! all reported together as one 400.

use serde_json::{Map, Value, json};

use super::errors::{ApiError, FieldError};

/// Parses a JSON object body; a decode error or a non-object is a 400 naming the position.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::validation(&[FieldError {
            kind: "model_attributes_type",
            loc: vec![json!("body")],
            msg: "Input should be a valid dictionary or object to extract fields from".into(),
            input: other,
            ctx: None,
        }])),
        Err(err) => {
            // Python's decoder reports the 0-based offset of the offending character, or the
            // length of the input when it ends too soon.
            let position = if err.is_eof() { bytes.len() } else { byte_offset(bytes, err.line(), err.column()) };
            Err(ApiError::validation(&[FieldError {
                kind: "json_invalid",
                loc: vec![json!("body"), json!(position)],
                msg: "JSON decode error".into(),
                input: json!({}),
                ctx: Some(json!({ "error": err.to_string() })),
            }]))
        }
    }
}

fn byte_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, text_line) in bytes.split(|b| *b == b'\n').enumerate() {
        if i + 1 == line {
            return offset + column.saturating_sub(1);
        }
        offset += text_line.len() + 1;
    }
    offset
}

/// Reads typed fields from a body, collecting every problem.
pub struct Fields<'a> {
    body: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// Starts checking `body`.
    pub fn new(body: &'a Map<String, Value>) -> Fields<'a> {
        Fields { body, errors: Vec::new() }
    }

    fn fail(&mut self, name: &str, kind: &'static str, msg: &str, input: &Value) {
        self.errors.push(FieldError {
            kind,
            loc: vec![json!("body"), json!(name)],
            msg: msg.into(),
            input: input.clone(),
            ctx: None,
        });
    }

    /// A field that must be present.
    pub fn required(&mut self, name: &str) -> Option<&'a Value> {
        let value = self.body.get(name);
        if value.is_none() {
            self.errors.push(FieldError {
                kind: "missing",
                loc: vec![json!("body"), json!(name)],
                msg: "Field required".into(),
                input: Value::Object(self.body.clone()),
                ctx: None,
            });
        }
        value
    }

    /// A required list.
    pub fn required_list(&mut self, name: &str) -> Option<&'a Vec<Value>> {
        match self.required(name)? {
            Value::Array(items) => Some(items),
            other => {
                self.fail(name, "list_type", "Input should be a valid list", other);
                None
            }
        }
    }

    /// A string, required or not.
    pub fn string(&mut self, name: &str, required: bool) -> Option<&'a str> {
        let value = if required { self.required(name)? } else { self.body.get(name)? };
        match value {
            Value::String(s) => Some(s),
            Value::Null if !required => None,
            other => {
                self.fail(name, "string_type", "Input should be a valid string", other);
                None
            }
        }
    }

    /// An optional bool; pydantic accepts true/false, 0/1 and the strings it knows.
    pub fn bool(&mut self, name: &str) -> Option<bool> {
        let value = self.body.get(name)?;
        let parsed = match value {
            Value::Null => return None,
            Value::Bool(b) => Some(*b),
            Value::Number(n) if n.as_i64() == Some(0) => Some(false),
            Value::Number(n) if n.as_i64() == Some(1) => Some(true),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "t" | "yes" | "y" | "on" | "1" => Some(true),
                "false" | "f" | "no" | "n" | "off" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        };
        if parsed.is_none() {
            self.fail(name, "bool_parsing", "Input should be a valid boolean, unable to interpret input", value);
        }
        parsed
    }

    /// An optional number; numeric strings are accepted.
    pub fn float(&mut self, name: &str) -> Option<f64> {
        let value = self.body.get(name)?;
        let parsed = match value {
            Value::Null => return None,
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.fail(
                name,
                "float_parsing",
                "Input should be a valid number, unable to parse string as a number",
                value,
            );
        }
        parsed
    }

    /// An optional non-negative integer; integral floats and numeric strings are accepted.
    pub fn unsigned(&mut self, name: &str) -> Option<u64> {
        let value = self.body.get(name)?;
        let parsed = match value {
            Value::Null => return None,
            Value::Number(n) => {
                n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))
            }
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.fail(
                name,
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
                value,
            );
        }
        parsed
    }

    /// An optional object.
    pub fn object(&mut self, name: &str) -> Option<&'a Map<String, Value>> {
        match self.body.get(name)? {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => {
                self.fail(name, "model_type", "Input should be a valid dictionary", other);
                None
            }
        }
    }

    /// An optional list of strings.
    pub fn strings(&mut self, name: &str) -> Option<Vec<String>> {
        match self.body.get(name)? {
            Value::Null => None,
            Value::Array(items) if items.iter().all(Value::is_string) => {
                Some(items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            }
            other => {
                self.fail(name, "list_type", "Input should be a valid list of strings", other);
                None
            }
        }
    }

    /// Records a problem found by the caller.
    pub fn reject(&mut self, name: &str, kind: &'static str, msg: &str) {
        let input = self.body.get(name).cloned().unwrap_or(Value::Null);
        self.fail(name, kind, msg, &input);
    }

    /// The 400 listing every problem, if there were any.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::validation(&self.errors)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_is_a_positioned_json_invalid_error() {
        let err = parse_object(b"{\"model\": ").unwrap_err();
        let message = err.body()["error"]["message"].as_str().unwrap().to_owned();
        assert!(
            message.starts_with("[{'type': 'json_invalid', 'loc': ('body', 10), 'msg': 'JSON decode error'"),
            "{message}"
        );
    }

    #[test]
    fn wrong_types_and_missing_fields_are_all_reported() {
        let body = parse_object(br#"{"stream": "maybe", "temperature": "hot", "max_tokens": "many"}"#).unwrap();
        let mut fields = Fields::new(&body);
        fields.required_list("messages");
        fields.bool("stream");
        fields.float("temperature");
        fields.unsigned("max_tokens");
        let message = fields.finish().unwrap_err().body()["error"]["message"].as_str().unwrap().to_owned();
        for kind in ["'missing'", "'bool_parsing'", "'float_parsing'", "'int_parsing'"] {
            assert!(message.contains(kind), "{kind} missing from {message}");
        }
    }

    #[test]
    fn lax_coercions_are_accepted() {
        let body = parse_object(br#"{"stream": "true", "temperature": "0.5", "max_tokens": 16.0}"#).unwrap();
        let mut fields = Fields::new(&body);
        assert_eq!(fields.bool("stream"), Some(true));
        assert_eq!(fields.float("temperature"), Some(0.5));
        assert_eq!(fields.unsigned("max_tokens"), Some(16));
        assert!(fields.finish().is_ok());
    }
}
