//! `data:<mime>;base64,<data>` URLs (RFC 2397), the way OpenAI-compatible APIs inline images,
//! audio and video in JSON.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};

use super::MediaError;

const FORMAT: &str = "data URL";

/// The media type RFC 2397 assigns to a data URL that names none.
const DEFAULT_MIME: &str = "text/plain";

/// A decoded data URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataUrl {
    /// The media type, without its parameters (`image/png`).
    pub mime: String,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

/// Encodes `bytes` as `data:<mime>;base64,<standard base64>`.
pub fn encode(mime: &str, bytes: &[u8]) -> String {
    format!("data:{mime};base64,{}", STANDARD.encode(bytes))
}

/// Decodes a base64 data URL; `;name=value` parameters before `;base64` are accepted and dropped.
pub fn decode(url: &str) -> Result<DataUrl, MediaError> {
    let rest =
        strip_scheme(url).ok_or_else(|| invalid(format!("expected it to start with `data:`, got {}", preview(url))))?;
    let (header, data) = rest
        .split_once(',')
        .ok_or_else(|| invalid("expected a comma between the media type and the data".to_owned()))?;
    let mut parts = header.split(';');
    let mime = parts.next().unwrap_or_default().trim();
    let parameters: Vec<&str> = parts.collect();
    let Some((last, leading)) = parameters.split_last() else {
        return Err(invalid(format!(
            "expected `;base64` after the media type `{mime}`; only base64 data URLs are supported"
        )));
    };
    if !last.trim().eq_ignore_ascii_case("base64") {
        return Err(invalid(format!(
            "expected `;base64` right before the comma, got `;{last}`; only base64 data URLs are supported"
        )));
    }
    if let Some(bad) = leading.iter().find(|parameter| !parameter.contains('=')) {
        return Err(invalid(format!("parameter `{bad}` in the media type is not `name=value`")));
    }
    let mime = match mime {
        "" => DEFAULT_MIME,
        named if is_media_type(named) => named,
        other => {
            return Err(invalid(format!("media type `{other}` is not `type/subtype`")));
        }
    };
    // Some servers drop the `=` padding; the bytes are the same either way.
    let bytes = STANDARD_PAD_INDIFFERENT
        .decode(data.trim())
        .map_err(|error| invalid(format!("the base64 data after the comma is not valid: {error}")))?;
    Ok(DataUrl { mime: mime.to_owned(), bytes })
}

/// The URL after a case-insensitive `data:` scheme.
fn strip_scheme(url: &str) -> Option<&str> {
    let url = url.trim_start();
    let scheme = url.get(..5)?;
    scheme.eq_ignore_ascii_case("data:").then(|| &url[5..])
}

fn is_media_type(mime: &str) -> bool {
    mime.split_once('/').is_some_and(|(kind, subtype)| !kind.is_empty() && !subtype.is_empty())
}

/// The start of a string that may be megabytes long, for error messages.
fn preview(text: &str) -> String {
    const LIMIT: usize = 24;
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("`{}…`", &text[..end]),
        None => format!("`{text}`"),
    }
}

fn invalid(detail: String) -> MediaError {
    MediaError::Invalid { format: FORMAT, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(result: Result<DataUrl, MediaError>) -> String {
        match result {
            Err(MediaError::Invalid { format, detail }) => {
                assert_eq!(format, FORMAT);
                detail
            }
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    #[test]
    fn encodes_with_standard_base64() {
        assert_eq!(encode("image/png", b"hello?>"), "data:image/png;base64,aGVsbG8/Pg==");
    }

    #[test]
    fn round_trips_every_byte_value() {
        let bytes: Vec<u8> = (0..=255).collect();
        let decoded = decode(&encode("audio/wav", &bytes)).unwrap();
        assert_eq!(decoded, DataUrl { mime: "audio/wav".to_owned(), bytes });
    }

    #[test]
    fn round_trips_empty_data() {
        let decoded = decode(&encode("application/octet-stream", &[])).unwrap();
        assert!(decoded.bytes.is_empty());
    }

    #[test]
    fn accepts_parameters_before_base64() {
        let decoded = decode("data:audio/wav;rate=24000;codec=pcm;base64,AAEC").unwrap();
        assert_eq!(decoded.mime, "audio/wav");
        assert_eq!(decoded.bytes, [0, 1, 2]);
    }

    #[test]
    fn accepts_missing_padding_and_an_uppercase_scheme() {
        let decoded = decode("DATA:text/plain;BASE64,aGk").unwrap();
        assert_eq!(decoded.bytes, b"hi");
    }

    #[test]
    fn an_empty_media_type_means_text_plain() {
        assert_eq!(decode("data:;base64,aGk=").unwrap().mime, "text/plain");
    }

    #[test]
    fn rejects_a_url_that_is_not_a_data_url() {
        let message = detail(decode("https://example.com/cat.png"));
        assert!(message.contains("start with `data:`"), "{message}");
    }

    #[test]
    fn rejects_a_missing_comma() {
        let message = detail(decode("data:image/png;base64"));
        assert!(message.contains("comma"), "{message}");
    }

    #[test]
    fn rejects_percent_encoded_data_urls() {
        let message = detail(decode("data:text/plain,hello%20world"));
        assert!(message.contains("only base64"), "{message}");
        let message = detail(decode("data:text/plain;charset=utf-8,hello"));
        assert!(message.contains("`;charset=utf-8`"), "{message}");
    }

    #[test]
    fn rejects_a_malformed_parameter() {
        let message = detail(decode("data:image/png;oops;base64,AAAA"));
        assert!(message.contains("parameter `oops`"), "{message}");
    }

    #[test]
    fn rejects_a_malformed_media_type() {
        let message = detail(decode("data:png;base64,AAAA"));
        assert!(message.contains("media type `png`"), "{message}");
    }

    #[test]
    fn rejects_bad_base64_naming_the_data_part() {
        let message = detail(decode("data:image/png;base64,not*base64"));
        assert!(message.contains("base64 data after the comma"), "{message}");
    }

    #[test]
    fn error_messages_truncate_long_input() {
        let long = "x".repeat(10_000);
        let message = detail(decode(&long));
        assert!(message.len() < 100, "{message}");
    }
}
