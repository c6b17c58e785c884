//! Server-sent events cut out of a byte stream, as `vllm bench serve`'s
//! `StreamedResponseHandler` cuts them: a message ends at a blank line (`\n\n`, or `\r\n\r\n`),
//! lines starting with `:` are comments, `data:` lines carry the payload (several are joined with
//! `\n`), and `event:` names the event. A message whose blank line has not arrived yet is taken
//! as soon as it is one `data:` line holding `[DONE]` or a whole JSON object or array: vLLM's
//! client does so after every read, so a read that ends between a message and its blank line
//! stamps the message with that read's time, here as there. (vLLM also takes a bare JSON number
//! or string early; OpenAI-style streams never send one.) When the stream ends, a last
//! unterminated message is taken if its data is `[DONE]` or parses as JSON.
//!
//! The framer works on bytes and hands out slices of its own buffer, so a message costs no
//! allocation unless it has several `data:` lines.

/// One message.
#[derive(Debug, PartialEq, Eq)]
pub struct SseMessage<'a> {
    /// The `event:` name, when given.
    pub event: Option<&'a [u8]>,
    /// The data, `data:` lines joined with `\n`; empty when the message had none.
    pub data: &'a [u8],
}

/// Cuts messages out of the chunks of one response body.
#[derive(Debug, Default)]
pub struct SseFramer {
    buffer: Vec<u8>,
    /// Where the search for the next message end resumes.
    scanned: usize,
    joined: Vec<u8>,
}

impl SseFramer {
    /// A framer for a new stream.
    pub fn new() -> SseFramer {
        SseFramer::default()
    }

    /// Adds a chunk and hands every message it completes to `on_message`.
    pub fn push(&mut self, chunk: &[u8], mut on_message: impl FnMut(SseMessage<'_>)) {
        self.buffer.extend_from_slice(chunk);
        let mut start = 0;
        while let Some((end, next)) = message_end(&self.buffer, self.scanned.max(start)) {
            let (event, data) = fields(&self.buffer[start..end], &mut self.joined);
            let data = match data {
                Data::Borrowed(range) => &self.buffer[start + range.0..start + range.1],
                Data::Joined => &self.joined[..],
                Data::None => &[][..],
            };
            let event = event.map(|(a, b)| &self.buffer[start + a..start + b]);
            if event.is_some() || !data.is_empty() {
                on_message(SseMessage { event, data });
            }
            start = next;
            self.scanned = next;
        }
        if let Some((a, b)) = complete_data_line(&self.buffer[start..]) {
            on_message(SseMessage { event: None, data: &self.buffer[start + a..start + b] });
            start = self.buffer.len();
        }
        if start > 0 {
            self.buffer.drain(..start);
        }
        // A terminator may straddle two chunks: resume three bytes back.
        self.scanned = self.buffer.len().saturating_sub(3);
    }

    /// Ends the stream: a last message without its blank line is handed out when its data is
    /// `[DONE]` or JSON. Returns the bytes left over that did not form such a message.
    pub fn finish(&mut self, mut on_message: impl FnMut(SseMessage<'_>)) -> usize {
        let rest = std::mem::take(&mut self.buffer);
        self.scanned = 0;
        if rest.iter().all(u8::is_ascii_whitespace) {
            return 0;
        }
        let (event, data) = fields(&rest, &mut self.joined);
        let data = match data {
            Data::Borrowed(range) => &rest[range.0..range.1],
            Data::Joined => &self.joined[..],
            Data::None => &[][..],
        };
        let complete = data == b"[DONE]" || serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok();
        if complete {
            on_message(SseMessage { event: event.map(|(a, b)| &rest[a..b]), data });
            0
        } else {
            rest.len()
        }
    }
}

/// Where the message starting at or before `from` ends: `(end of its text, start of the next)`.
/// Newlines are found with `memchr`: a message carrying a second of base64 audio is tens of
/// kilobytes with no newline in it.
fn message_end(buffer: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut at = from;
    while let Some(found) = memchr::memchr(b'\n', buffer.get(at..)?) {
        let i = at + found;
        match (buffer.get(i + 1), buffer.get(i + 2)) {
            (Some(b'\n'), _) => return Some((i, i + 2)),
            (Some(b'\r'), Some(b'\n')) => return Some((i, i + 3)),
            (None, _) | (Some(b'\r'), None) => return None,
            _ => at = i + 1,
        }
    }
    None
}

/// The data of `rest`, the start of a message, when it is one `data:` line (whitespace may
/// follow) holding `[DONE]` or a whole JSON object or array; `None` otherwise. The last-byte
/// test keeps a large message that is still arriving from being parsed after every read.
fn complete_data_line(rest: &[u8]) -> Option<(usize, usize)> {
    let payload = rest.strip_prefix(b"data:")?;
    let line_end = memchr::memchr(b'\n', payload).unwrap_or(payload.len());
    if !payload[line_end..].iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let line = &payload[..line_end];
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    let end = line.iter().rposition(|b| !b.is_ascii_whitespace())? + 1;
    let data = &line[start..end];
    let whole = data == b"[DONE]"
        || matches!(data.last(), Some(b'}' | b']')) && serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok();
    let offset = b"data:".len();
    whole.then_some((offset + start, offset + end))
}

enum Data {
    None,
    Borrowed((usize, usize)),
    Joined,
}

/// The `event:` name and the data of one message's text, as offsets into it (or joined into
/// `joined` when there are several `data:` lines).
fn fields(text: &[u8], joined: &mut Vec<u8>) -> (Option<(usize, usize)>, Data) {
    let mut event = None;
    let mut data = Data::None;
    let mut offset = 0;
    for line in Lines(text) {
        let line_start = offset;
        offset += line.len() + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.first() == Some(&b':') {
            continue;
        }
        let (name, value_at) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value_at = if line.get(colon + 1) == Some(&b' ') { colon + 2 } else { colon + 1 };
                (&line[..colon], value_at)
            }
            None => (line, line.len()),
        };
        let value = (line_start + value_at, line_start + line.len());
        match name {
            b"data" => {
                data = match data {
                    Data::None => Data::Borrowed(value),
                    Data::Borrowed(first) => {
                        joined.clear();
                        joined.extend_from_slice(&text[first.0..first.1]);
                        joined.push(b'\n');
                        joined.extend_from_slice(&text[value.0..value.1]);
                        Data::Joined
                    }
                    Data::Joined => {
                        joined.push(b'\n');
                        joined.extend_from_slice(&text[value.0..value.1]);
                        Data::Joined
                    }
                };
            }
            b"event" => event = Some(value),
            _ => {}
        }
    }
    (event, data)
}

/// The lines of a message, split at `\n` with `memchr`.
struct Lines<'a>(&'a [u8]);

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.0.is_empty() {
            return None;
        }
        match memchr::memchr(b'\n', self.0) {
            Some(i) => {
                let line = &self.0[..i];
                self.0 = &self.0[i + 1..];
                Some(line)
            }
            None => Some(std::mem::take(&mut self.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(chunks: &[&[u8]]) -> (Vec<(Option<String>, String)>, usize) {
        let mut framer = SseFramer::new();
        let mut out = Vec::new();
        let mut take = |m: SseMessage<'_>| {
            out.push((
                m.event.map(|e| String::from_utf8_lossy(e).into_owned()),
                String::from_utf8_lossy(m.data).into_owned(),
            ))
        };
        for chunk in chunks {
            framer.push(chunk, &mut take);
        }
        let left = framer.finish(&mut take);
        (out, left)
    }

    #[test]
    fn messages_split_across_and_packed_into_chunks() {
        let (messages, left) = collect(&[b"data: {\"a\":1}\n", b"\ndata: {\"b\"", b":2}\n\ndata: [DONE]\n\n"]);
        assert_eq!(messages, [(None, "{\"a\":1}".into()), (None, "{\"b\":2}".into()), (None, "[DONE]".into())]);
        assert_eq!(left, 0);
    }

    #[test]
    fn comments_events_crlf_and_multi_line_data() {
        let (messages, _) = collect(&[
            b": ping\n\n",
            b"event: speech.audio.delta\r\ndata: {\"x\":\r\ndata: 1}\r\n\r\n",
            b"data:no-space\n\n",
        ]);
        assert_eq!(messages, [(Some("speech.audio.delta".into()), "{\"x\":\n1}".into()), (None, "no-space".into())]);
    }

    #[test]
    fn a_terminator_split_byte_by_byte_is_found() {
        let stream = b"data: {\"n\":1}\r\n\r\ndata: {\"n\":2}\n\n";
        let chunks: Vec<&[u8]> = stream.chunks(1).collect();
        let (messages, _) = collect(&chunks);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[1].1, "{\"n\":2}");
    }

    #[test]
    fn a_whole_data_line_is_taken_before_its_blank_line_arrives() {
        let mut framer = SseFramer::new();
        let mut seen = Vec::new();
        framer.push(b"data: {\"a\":{\"b\":1}}", |m| seen.push((1, String::from_utf8_lossy(m.data).into_owned())));
        framer.push(b"\n\ndata: {\"c\":", |m| seen.push((2, String::from_utf8_lossy(m.data).into_owned())));
        // A read that ends inside a nested object is not a whole message.
        framer.push(b"{\"d\":2}", |m| seen.push((3, String::from_utf8_lossy(m.data).into_owned())));
        framer.push(b"}\n", |m| seen.push((4, String::from_utf8_lossy(m.data).into_owned())));
        // The blank line's first newline went with the message, so the rest starts with a
        // newline, which vLLM's client does not take early either; it is taken at the end.
        framer.push(b"\ndata: [DONE]", |m| seen.push((5, String::from_utf8_lossy(m.data).into_owned())));
        assert_eq!(framer.finish(|m| seen.push((6, String::from_utf8_lossy(m.data).into_owned()))), 0);
        assert_eq!(seen, [(1, "{\"a\":{\"b\":1}}".into()), (4, "{\"c\":{\"d\":2}}".into()), (6, "[DONE]".into())]);
    }

    #[test]
    fn an_unterminated_last_message_counts_only_when_complete() {
        assert_eq!(collect(&[b"data: {\"a\":1}\n\ndata: [DONE]"]).0.len(), 2);
        let (messages, left) = collect(&[b"data: {\"a\":1}\n\ndata: {\"cut"]);
        assert_eq!(messages.len(), 1);
        assert_eq!(left, "data: {\"cut".len());
    }
}
