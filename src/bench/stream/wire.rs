//! A stream message read straight from its bytes into a [`StreamEvent`], without building a
//! `serde_json::Value` first: the load generator's per-event hot path. It reads exactly what
//! [`StreamEvent::from_message`] reads, which the tests check on the same messages.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;

use super::{ChoiceDelta, StreamEvent, Usage};

/// One parsed message and the base64 audio it carried, still encoded: the caller decodes it
/// and sets [`ChoiceDelta::audio`].
#[derive(Debug)]
pub struct WireMessage<'a> {
    /// The event, with [`ChoiceDelta::audio`] unset.
    pub event: StreamEvent,
    /// `delta.content` of an `audio` message, or `delta.audio.data`.
    pub audio_base64: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(default, borrow)]
    choices: Option<Vec<RawChoice<'a>>>,
    #[serde(default)]
    usage: Option<RawUsage>,
    #[serde(default, borrow)]
    modality: Option<Cow<'a, str>>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct RawChoice<'a> {
    #[serde(default, borrow)]
    delta: Option<RawDelta<'a>>,
    #[serde(default, borrow)]
    text: Option<Content<'a>>,
    #[serde(default)]
    token_ids: Option<SeqLen>,
}

#[derive(Deserialize)]
struct RawDelta<'a> {
    #[serde(default, borrow)]
    content: Option<Content<'a>>,
    #[serde(default, borrow)]
    audio: Option<RawAudio<'a>>,
}

#[derive(Deserialize)]
struct RawAudio<'a> {
    #[serde(default, borrow)]
    data: Option<Cow<'a, str>>,
}

/// `usage`: only the two counts are read. An empty object, or anything but an object, counts
/// as absent, as in vLLM.
struct RawUsage(Option<Usage>);

impl<'de> Deserialize<'de> for RawUsage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UsageVisitor;
        impl<'de> Visitor<'de> for UsageVisitor {
            type Value = Option<Usage>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a usage object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut usage = Usage::default();
                let mut keys = 0;
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    keys += 1;
                    match key.as_ref() {
                        "prompt_tokens" => usage.prompt_tokens = map.next_value::<Value>()?.as_u64(),
                        "completion_tokens" => usage.completion_tokens = map.next_value::<Value>()?.as_u64(),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok((keys > 0).then_some(usage))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        deserializer.deserialize_any(UsageVisitor).map(RawUsage)
    }
}

/// A content field: text, or something else (a list of images, a number) that is not text.
enum Content<'a> {
    Text(Cow<'a, str>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Content<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ContentVisitor;
        impl<'de> Visitor<'de> for ContentVisitor {
            type Value = Content<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("message content")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Content::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Content::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Content::Text(Cow::Owned(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Content::Other)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Content::Other)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Content::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Content::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Content::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Content::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Content::Other)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Content::Other)
            }
        }
        deserializer.deserialize_any(ContentVisitor)
    }
}

/// The length of a list, read without keeping its items.
struct SeqLen(u64);

impl<'de> Deserialize<'de> for SeqLen {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LenVisitor;
        impl<'de> Visitor<'de> for LenVisitor {
            type Value = Option<u64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Some(n))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
        }
        // Anything but a list reads as "not listed", as `from_message` treats it.
        match deserializer.deserialize_any(LenVisitor) {
            Ok(Some(n)) => Ok(SeqLen(n)),
            _ => Ok(SeqLen(u64::MAX)),
        }
    }
}

impl StreamEvent {
    /// The event for one `data:` message's bytes, arrived at `at_s`: the same event
    /// [`StreamEvent::from_message`] makes from the parsed value, with the audio left encoded.
    pub fn parse_wire(at_s: f64, data: &[u8]) -> Result<WireMessage<'_>, serde_json::Error> {
        let raw: RawMessage<'_> = serde_json::from_slice(data)?;
        let is_audio = raw.modality.as_deref() == Some("audio");
        let mut audio_base64 = None;
        let choice = raw.choices.and_then(|choices| choices.into_iter().next()).map(|first| {
            let (content, delta_audio) = match first.delta {
                Some(delta) => (delta.content.or(first.text), delta.audio.and_then(|a| a.data)),
                None => (first.text, None),
            };
            let content = match content {
                Some(Content::Text(text)) => Some(text),
                _ => None,
            };
            let text = if is_audio {
                audio_base64 = delta_audio.or(content);
                String::new()
            } else {
                if delta_audio.is_some() {
                    audio_base64 = delta_audio;
                }
                content.map(Cow::into_owned).unwrap_or_default()
            };
            let token_ids = first.token_ids.and_then(|SeqLen(n)| (n != u64::MAX).then_some(n));
            ChoiceDelta { text, token_ids, audio: None }
        });
        let usage = raw.usage.and_then(|RawUsage(usage)| usage);
        let error = raw.error.filter(|e| !e.is_null()).map(|e| super::error_text(&e));
        let event = StreamEvent { at_s, choice, usage, modality: raw.modality.map(Cow::into_owned), error };
        Ok(WireMessage { event, audio_base64 })
    }
}
