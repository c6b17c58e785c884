//! What one benchmark request measured: vLLM's `RequestFuncOutput`, plus vLLM-Omni's audio.

/// One request's measurements, in seconds on the load generator's monotonic clock.
///
/// The load generator fills this from the response stream ([`outcome_from_stream`]) or, when
/// the request fails before streaming, with [`RequestOutcome::failed`].
///
/// [`outcome_from_stream`]: crate::bench::outcome_from_stream
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestOutcome {
    /// Whether the request counts as completed.
    pub success: bool,
    /// Prompt tokens: the dataset's count, replaced by the server's `usage.prompt_tokens`.
    pub prompt_len: u64,
    /// Generated tokens from the server's `usage.completion_tokens`. `None` or zero counts as
    /// one token, as vLLM does without a tokenizer; a caller with a tokenizer stores its count
    /// of [`generated_text`](Self::generated_text) here instead.
    pub output_tokens: Option<u64>,
    /// Time to first token: from sending the request to the first token-bearing message.
    pub ttft_s: f64,
    /// Inter-token latencies, one per later token-bearing message (or per token, when timed
    /// per token).
    pub itl_s: Vec<f64>,
    /// End-to-end latency: from sending to the last token-bearing message.
    pub latency_s: f64,
    /// When the request was sent, on the same clock as every other request's.
    pub start_time_s: f64,
    /// Time the request waited for a concurrency slot between its arrival and its sending.
    pub client_queue_s: f64,
    /// The generated text.
    pub generated_text: String,
    /// Why the request failed; empty on success.
    pub error: String,
    /// Seconds of input audio, for ASR throughput (`rtfx`).
    pub input_audio_duration_s: f64,
    /// Audio output, when the response carried any (vLLM-Omni).
    pub audio: Option<AudioOutcome>,
}

/// What a request's audio output measured (vLLM-Omni's `audio_*` fields).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AudioOutcome {
    /// Time to first audio packet: from sending to the first audio message.
    pub ttfp_s: f64,
    /// Seconds of audio: frames over the sample rate.
    pub duration_s: f64,
    /// Audio frames (samples per channel).
    pub frames: u64,
    /// Real-time factor: time to the last audio message over the audio's duration (0 without
    /// audio); below 1 is faster than playback.
    pub rtf: f64,
}

impl RequestOutcome {
    /// A request that failed before any usable response: a refused connection, an HTTP error
    /// status (whose reason phrase vLLM records as the error), a timeout.
    pub fn failed(start_time_s: f64, prompt_len: u64, error: impl Into<String>) -> RequestOutcome {
        RequestOutcome { success: false, prompt_len, start_time_s, error: error.into(), ..RequestOutcome::default() }
    }

    /// Time per output token after the first, as vLLM computes it for a request of
    /// `output_len` tokens: `None` for one token or fewer.
    pub fn tpot_s(&self, output_len: u64) -> Option<f64> {
        (output_len > 1).then(|| (self.latency_s - self.ttft_s) / (output_len - 1) as f64)
    }

    /// The output length vLLM counts for a completed request: the usage count, or one when
    /// usage reported nothing.
    pub fn counted_output_tokens(&self) -> u64 {
        match self.output_tokens {
            Some(tokens) if tokens > 0 => tokens,
            _ => 1,
        }
    }
}
