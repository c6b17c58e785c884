//! Request bodies, built once before the run from the prompts: the measured run only clones
//! bytes. The fields follow what each `vllm bench serve` backend sends.

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::api::Api;
use super::dataset::{DatasetError, Prompt};
use super::spec::StepSpec;
use crate::media::synth::{self, ImageFormat, ImageOptions};

/// One request, ready to send.
#[derive(Clone, Debug)]
pub struct PreparedRequest {
    /// The body.
    pub body: RequestBody,
    /// Prompt tokens, until the server's usage says otherwise.
    pub prompt_len: u64,
    /// Tokens asked for.
    pub output_len: u64,
}

/// A request body.
#[derive(Clone, Debug)]
pub enum RequestBody {
    /// A JSON document.
    Json(Bytes),
    /// A multipart form (the `/v1/videos` job API).
    Form(Vec<FormField>),
}

/// One field of a multipart form.
#[derive(Clone, Debug)]
pub enum FormField {
    /// A text field.
    Text(String, String),
    /// A file.
    File {
        /// The field name.
        name: String,
        /// The file name.
        file_name: String,
        /// Its media type.
        mime: &'static str,
        /// Its bytes.
        bytes: Bytes,
    },
}

/// Distinct input images per run for image-to-image and image-to-video requests.
const INPUT_IMAGES: u64 = 4;

/// The bodies of `prompts` for `spec`, addressed to `model`.
pub fn prepare(spec: &StepSpec, model: &str, prompts: Vec<Prompt>) -> Result<Vec<PreparedRequest>, DatasetError> {
    let mut inputs = Vec::new();
    if let Some(params) = spec.diffusion.as_ref().filter(|p| p.task.takes_image()) {
        for variant in 0..INPUT_IMAGES {
            let options = ImageOptions {
                width: params.width,
                height: params.height,
                seed: spec.seed + variant,
                format: ImageFormat::Png,
            };
            inputs.push(synth::image_with(options).map_err(|e| DatasetError::Media(e.to_string()))?);
        }
    }
    Ok(prompts
        .into_iter()
        .enumerate()
        .map(|(i, prompt)| {
            let input = (!inputs.is_empty()).then(|| &inputs[i % inputs.len()]);
            let body = match spec.api {
                Api::Video => RequestBody::Form(video_form(spec, model, &prompt, input)),
                _ => RequestBody::Json(Bytes::from(json_body(spec, model, &prompt, input).to_string())),
            };
            PreparedRequest { body, prompt_len: prompt.prompt_len, output_len: prompt.output_len }
        })
        .collect())
}

fn messages(prompt: &Prompt, image_url: Option<String>) -> Value {
    let mut parts = prompt.media.clone();
    if let Some(url) = image_url {
        parts.push(json!({"type": "image_url", "image_url": {"url": url}}));
    }
    if parts.is_empty() {
        return json!([{"role": "user", "content": prompt.text}]);
    }
    parts.insert(0, json!({"type": "text", "text": prompt.text}));
    json!([{"role": "user", "content": parts}])
}

fn json_body(spec: &StepSpec, model: &str, prompt: &Prompt, input: Option<&synth::Synthetic>) -> Value {
    let mut body = match spec.api {
        Api::Chat => json!({
            "model": model,
            "messages": messages(prompt, None),
            "max_completion_tokens": prompt.output_len,
            "stream": true,
            "stream_options": {"include_usage": true},
        }),
        Api::ChatOmni => json!({
            "model": model,
            "messages": messages(prompt, None),
            "temperature": 0.0,
            "max_tokens": prompt.output_len,
            "stream": true,
            "stream_options": {"include_usage": true, "continuous_usage_stats": true},
        }),
        Api::Completions => json!({
            "model": model,
            "prompt": prompt.text,
            "max_tokens": prompt.output_len,
            "repetition_penalty": 1.0,
            "stream": true,
            "stream_options": {"include_usage": true},
        }),
        Api::Speech => json!({
            "model": model,
            "input": prompt.text,
            "response_format": "pcm",
            "stream_format": "audio",
        }),
        Api::ImageChat => {
            let mut body = json!({"model": model, "messages": messages(prompt, input.map(synth::Synthetic::data_url))});
            diffusion_fields(spec, &mut body);
            body
        }
        Api::ImageGenerations => {
            let mut body = json!({"model": model, "prompt": prompt.text, "n": 1, "response_format": "b64_json"});
            if let (Some(params), Some(fields)) = (&spec.diffusion, body.as_object_mut()) {
                fields.insert("size".into(), json!(format!("{}x{}", params.width, params.height)));
                if let Some(steps) = params.num_inference_steps {
                    fields.insert("num_inference_steps".into(), json!(steps));
                }
                fields.extend(params.fields.clone());
            }
            body
        }
        Api::Video => Value::Null,
    };
    if spec.ignore_eos && spec.api.streams_tokens() {
        body["ignore_eos"] = json!(true);
    }
    if let Some(fields) = body.as_object_mut() {
        fields.extend(spec.extra_body.clone());
    }
    body
}

/// Height, width and steps at the top level of a chat request, as vLLM-Omni's diffusion client
/// sends them through `extra_body`.
fn diffusion_fields(spec: &StepSpec, body: &mut Value) {
    let (Some(params), Some(fields)) = (&spec.diffusion, body.as_object_mut()) else { return };
    fields.insert("height".into(), json!(params.height));
    fields.insert("width".into(), json!(params.width));
    if let Some(steps) = params.num_inference_steps {
        fields.insert("num_inference_steps".into(), json!(steps));
    }
    fields.extend(params.fields.clone());
}

fn video_form(spec: &StepSpec, model: &str, prompt: &Prompt, input: Option<&synth::Synthetic>) -> Vec<FormField> {
    let text = |name: &str, value: String| FormField::Text(name.to_owned(), value);
    let mut form = vec![text("model", model.to_owned()), text("prompt", prompt.text.clone())];
    if let Some(params) = &spec.diffusion {
        form.push(text("width", params.width.to_string()));
        form.push(text("height", params.height.to_string()));
        for (name, value) in [
            ("num_frames", params.num_frames),
            ("fps", params.fps),
            ("num_inference_steps", params.num_inference_steps),
        ] {
            if let Some(value) = value {
                form.push(text(name, value.to_string()));
            }
        }
        form.extend(params.fields.iter().map(|(k, v)| text(k, form_value(v))));
    }
    form.extend(spec.extra_body.iter().map(|(k, v)| text(k, form_value(v))));
    if let Some(image) = input {
        form.push(FormField::File {
            name: "input_reference".to_owned(),
            file_name: "input.png".to_owned(),
            mime: image.mime,
            bytes: Bytes::from(image.bytes.clone()),
        });
    }
    form
}

fn form_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The JSON object of a body, for tests and logs.
pub fn body_json(request: &PreparedRequest) -> Option<Map<String, Value>> {
    match &request.body {
        RequestBody::Json(bytes) => serde_json::from_slice(bytes).ok(),
        RequestBody::Form(_) => None,
    }
}
