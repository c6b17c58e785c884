//! Streamed speech (`/v1/audio/speech` with `stream_format: "audio"`, `response_format: "pcm"`):
//! raw 16-bit PCM, timed as vLLM-Omni's `openai-audio-speech` backend times it.
//!
//! - `audio_ttfp`: the first non-empty chunk minus the send time; it is also reported as TTFT,
//!   which this endpoint does not otherwise have.
//! - `audio_duration`: samples over the sample rate ([`RAW_PCM`]: 24 kHz mono, vLLM-Omni's default).
//! - `audio_rtf`: the whole request's latency over the audio's duration.
//! - continuity: a player starts at the first chunk and plays in real time; the underrun is its
//!   longest wait for data, and the request is continuous when that is at most 0.1 s.

use std::time::Instant;

use super::audio::RAW_PCM;
use super::{RequestRecord, Target, describe_error};
use crate::bench::load::request::PreparedRequest;
use crate::bench::request::{AudioOutcome, RequestOutcome};

/// A real-time player of audio arriving in chunks.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Player {
    /// When the buffered audio runs out, in seconds on the run's clock; `None` before the first
    /// chunk.
    runs_dry_at: Option<f64>,
    /// The longest wait for data so far.
    pub worst_underrun_s: f64,
}

impl Player {
    /// A chunk of `seconds` of audio arrived at `at_s`.
    pub fn arrive(&mut self, at_s: f64, seconds: f64) {
        let runs_dry_at = match self.runs_dry_at {
            None => at_s + seconds,
            Some(dry) if at_s > dry => {
                self.worst_underrun_s = self.worst_underrun_s.max(at_s - dry);
                at_s + seconds
            }
            Some(dry) => dry + seconds,
        };
        self.runs_dry_at = Some(runs_dry_at);
    }
}

/// Sends a speech request stamped `sent`.
pub async fn send(target: &Target, request: &PreparedRequest, sent: Instant) -> RequestRecord {
    let start_s = target.clock.at(sent);
    let mut response = match target.open(request, start_s).await {
        Ok(response) => response,
        Err(failed) => return failed,
    };
    let bytes_per_frame = u64::from(RAW_PCM.channels) * u64::from(RAW_PCM.sample_width);
    let rate = f64::from(RAW_PCM.sample_rate);
    let (mut total_bytes, mut chunks, mut first_s, mut last_s) = (0u64, 0u64, None, start_s);
    let mut player = Player::default();
    let mut carried = 0u64;
    let mut broken = None;
    loop {
        match response.chunk().await {
            Ok(Some(bytes)) if !bytes.is_empty() => {
                let at_s = target.clock.now();
                chunks += 1;
                first_s.get_or_insert(at_s);
                last_s = at_s;
                total_bytes += bytes.len() as u64;
                // A frame may straddle two reads: only whole frames count as playable.
                let playable = (carried + bytes.len() as u64) / bytes_per_frame;
                carried = (carried + bytes.len() as u64) % bytes_per_frame;
                player.arrive(at_s, playable as f64 / rate);
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(error) => {
                broken =
                    Some(format!("the audio stream broke after {total_bytes} byte(s): {}", describe_error(&error)));
                break;
            }
        }
    }
    let frames = total_bytes / bytes_per_frame;
    let duration_s = frames as f64 / rate;
    let latency_s = last_s - start_s;
    let mut outcome = RequestOutcome {
        prompt_len: request.prompt_len,
        start_time_s: start_s,
        latency_s,
        ..RequestOutcome::default()
    };
    let Some(first_s) = first_s else {
        outcome.error = broken.unwrap_or_else(|| "the answer carried no audio".to_owned());
        return RequestRecord { outcome, events: chunks, ..RequestRecord::default() };
    };
    outcome.ttft_s = first_s - start_s;
    outcome.audio = Some(AudioOutcome {
        ttfp_s: first_s - start_s,
        duration_s,
        frames,
        rtf: if duration_s > 0.0 { latency_s / duration_s } else { 0.0 },
    });
    match broken {
        Some(problem) => outcome.error = problem,
        None => outcome.success = true,
    }
    RequestRecord {
        outcome,
        events: chunks,
        audio_underrun_s: Some(player.worst_underrun_s),
        ..RequestRecord::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_player_fed_faster_than_real_time_never_starves() {
        let mut player = Player::default();
        for i in 0..5 {
            player.arrive(f64::from(i) * 0.5, 1.0);
        }
        assert_eq!(player.worst_underrun_s, 0.0);
    }

    #[test]
    fn the_longest_wait_is_the_underrun() {
        let mut player = Player::default();
        // 0.5 s of audio at 0 runs out at 0.5; the next arrives at 0.75 (waits 0.25) and plays
        // to 1.25; the last arrives at 2.0 (waits 0.75).
        player.arrive(0.0, 0.5);
        player.arrive(0.75, 0.5);
        player.arrive(2.0, 0.5);
        assert_eq!(player.worst_underrun_s, 0.75);
    }
}
