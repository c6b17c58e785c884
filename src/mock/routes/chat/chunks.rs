//! Stream chunk JSON, written directly: the hot path of a stream is one small object per token,
//! so the fixed part is rendered once and each token only has its text escaped.

use std::fmt::Write;

/// Token counts for a `usage` object.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    /// Prompt tokens.
    pub prompt: u64,
    /// Completion tokens so far.
    pub completion: u64,
    /// Prompt tokens served from the prefix cache, when usage carries `prompt_tokens_details`.
    pub cached: Option<u64>,
}

/// Renders the chunks of one response.
#[derive(Debug)]
pub struct ChunkWriter {
    head: String,
}

/// What a delta carries.
#[derive(Clone, Copy, Debug, Default)]
pub struct Delta<'a> {
    /// Starts the message (`"role": "assistant"`).
    pub role: bool,
    /// The content, if any.
    pub content: Option<&'a str>,
    /// The finish reason, on the last chunk.
    pub finish_reason: Option<&'a str>,
    /// Usage on this chunk (`continuous_usage_stats`).
    pub usage: Option<Usage>,
    /// Raw JSON for `logprobs`.
    pub logprobs: Option<&'a str>,
}

impl ChunkWriter {
    /// A writer for response `id`.
    pub fn new(id: &str, created: u64, model: &str) -> ChunkWriter {
        let mut head = String::with_capacity(96);
        head.push_str("{\"id\":");
        push_json_str(&mut head, id);
        let _ = write!(head, ",\"object\":\"chat.completion.chunk\",\"created\":{created},\"model\":");
        push_json_str(&mut head, model);
        head.push_str(",\"choices\":[");
        ChunkWriter { head }
    }

    /// A chunk with one delta of `modality`.
    pub fn delta(&self, modality: &str, delta: Delta<'_>) -> String {
        let mut out = String::with_capacity(self.head.len() + 128 + delta.content.map_or(0, str::len));
        out.push_str(&self.head);
        out.push_str("{\"index\":0,\"delta\":{");
        if delta.role {
            out.push_str("\"role\":\"assistant\"");
            if delta.content.is_some() {
                out.push(',');
            }
        }
        if let Some(content) = delta.content {
            out.push_str("\"content\":");
            push_json_str(&mut out, content);
        }
        out.push_str("},\"logprobs\":");
        out.push_str(delta.logprobs.unwrap_or("null"));
        out.push_str(",\"finish_reason\":");
        match delta.finish_reason {
            Some(reason) => push_json_str(&mut out, reason),
            None => out.push_str("null"),
        }
        out.push_str("}],\"modality\":");
        push_json_str(&mut out, modality);
        if let Some(usage) = delta.usage {
            push_usage(&mut out, usage);
        }
        out.push('}');
        out
    }

    /// A chunk whose delta content is a list of images.
    pub fn images(&self, urls: &[String], finish_reason: Option<&str>, extra: &serde_json::Value) -> String {
        let items: Vec<serde_json::Value> = urls
            .iter()
            .map(|url| {
                let mut item = serde_json::json!({"type": "image_url", "image_url": {"url": url}});
                if let (Some(item), Some(extra)) = (item.as_object_mut(), extra.as_object()) {
                    item.extend(extra.clone());
                }
                item
            })
            .collect();
        let content = serde_json::Value::Array(items).to_string();
        let mut out = self.head.clone();
        let _ = write!(
            out,
            "{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":{content}}},\"logprobs\":null,\"finish_reason\":"
        );
        match finish_reason {
            Some(reason) => push_json_str(&mut out, reason),
            None => out.push_str("null"),
        }
        out.push_str("}],\"modality\":\"image\"}");
        out
    }

    /// The final usage-only chunk (`include_usage`).
    pub fn usage(&self, usage: Usage) -> String {
        let mut out = self.head.clone();
        out.push(']');
        push_usage(&mut out, usage);
        out.push('}');
        out
    }
}

fn push_usage(out: &mut String, usage: Usage) {
    let _ = write!(
        out,
        ",\"usage\":{{\"prompt_tokens\":{},\"total_tokens\":{},\"completion_tokens\":{}",
        usage.prompt,
        usage.prompt + usage.completion,
        usage.completion
    );
    if let Some(cached) = usage.cached {
        let _ = write!(out, ",\"prompt_tokens_details\":{{\"cached_tokens\":{cached}}}");
    }
    out.push('}');
}

/// Appends `s` as a JSON string literal.
pub fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escaped = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if (c as u32) < 0x20 => {
                out.push_str(&s[start..i]);
                let _ = write!(out, "\\u{:04x}", c as u32);
                start = i + c.len_utf8();
                continue;
            }
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(escaped);
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn chunks_are_valid_json_with_vllm_omni_fields() {
        let writer = ChunkWriter::new("chatcmpl-1", 7, "m\"odel");
        let chunk = writer.delta(
            "text",
            Delta {
                role: true,
                content: Some("a \"quote\"\n\u{1}"),
                usage: Some(Usage { prompt: 3, completion: 1, cached: None }),
                ..Delta::default()
            },
        );
        let value: Value = serde_json::from_str(&chunk).unwrap();
        assert_eq!(value["choices"][0]["delta"], json!({"role": "assistant", "content": "a \"quote\"\n\u{1}"}));
        assert_eq!(value["modality"], "text");
        assert_eq!(value["model"], "m\"odel");
        assert_eq!(value["usage"]["total_tokens"], 4);
        let usage: Value =
            serde_json::from_str(&writer.usage(Usage { prompt: 3, completion: 5, cached: None })).unwrap();
        assert_eq!(usage["choices"], json!([]));
        assert!(usage["usage"].get("prompt_tokens_details").is_none());
        let cached: Value =
            serde_json::from_str(&writer.usage(Usage { prompt: 40, completion: 5, cached: Some(32) })).unwrap();
        assert_eq!(cached["usage"]["prompt_tokens_details"], json!({"cached_tokens": 32}));
        let images: Value =
            serde_json::from_str(&writer.images(&["data:x".into()], Some("stop"), &json!({"peak_memory_mb": 1.5})))
                .unwrap();
        assert_eq!(images["choices"][0]["delta"]["content"][0]["peak_memory_mb"], 1.5);
    }
}
