//! Qwen3-Omni online serving at L2 (core_model, dummy weights) and L3 (advanced_model, real
//! weights and deep validation): the port of the seed's
//! `tests/e2e/online_serving/test_qwen3_omni.py`.
//!
//! One server for the file, as the seed's `default` parameter: the CI deploy on two cards, the
//! synchronous pipeline (`--no-async-chunk`), prefix caching on the thinker and the talker, and
//! prompt token details in usage, with 16-token KV blocks so that cached counts can be checked.
//! The seed's batched-completions tests (`/v1/chat/completions/batch`) are not ported: the mock
//! has no batch route.

use omnitest::prelude::*;
use serde_json::json;

use super::common::{AUDIO_KEY, FEW, PROMPT_MIX, PROMPT_TEXT_ONLY, capital_in_text, mixed_media, qwen_messages};

const MODEL: &str = "Qwen/Qwen3-Omni-30B-A3B-Instruct";

/// The KV-cache block size the server runs with: cached prompt tokens come in whole blocks.
const BLOCK_SIZE: u64 = 16;

/// The seed's `default` server.
static DEFAULT: Scenario = Scenario::vllm_omni(MODEL).stage_configs("ci/qwen3_omni_moe.yaml").args(&[
    "--no-async-chunk",
    "--block-size",
    "16",
    "--stage-overrides",
    r#"{"0": {"enable_prefix_caching": true}, "1": {"enable_prefix_caching": true}}"#,
    "--enable-prompt-tokens-details",
]);

/// Sends `request` twice and checks the second was served from the prefix cache: it reports
/// cached tokens, in whole blocks, all of the prompt but the block that holds its last token
/// (which is always computed again). The first answer must report `prompt_tokens_details` too,
/// whatever it found cached (earlier tests may have cached the shared system prompt).
fn check_prefix_cache_hit(client: &Client, request: &OmniRequest) -> TestResult {
    let first = client.send_omni_request(request, 1)?.remove(0);
    check!(
        first.cached_tokens.is_some(),
        "the first answer has no usage.prompt_tokens_details.cached_tokens (--enable-prompt-tokens-details is on)"
    );
    let repeated = client.send_omni_request(request, 1)?.remove(0);
    let (Some(cached), Some(prompt)) = (repeated.cached_tokens, repeated.prompt_tokens) else {
        return Err(TestError::failure(format!(
            "the repeated request reports no cached or prompt tokens: cached {:?}, prompt {:?}",
            repeated.cached_tokens, repeated.prompt_tokens
        )));
    };
    check!(cached > 0, "the repeated prompt of {prompt} tokens found nothing in the prefix cache");
    check!(cached % BLOCK_SIZE == 0, "{cached} cached tokens are not whole blocks of {BLOCK_SIZE}");
    check_eq!(
        cached,
        prompt.saturating_sub(1) / BLOCK_SIZE * BLOCK_SIZE,
        "every whole block of the {prompt}-token prompt but the one holding its last token is cached"
    );
    Ok(())
}

omni_test! {
    /// Multi-modal input processing and text/audio output generation via the OpenAI API.
    /// Deploy Setting: default yaml
    /// Input Modal: text + audio + video + image
    /// Output Modal: text + audio
    /// Input Setting: stream=True
    /// Datasets: few requests
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT)]
    #[deep_needs(real_model, transcription)]
    fn test_mix_to_text_audio_001(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), mixed_media(PROMPT_MIX, 48_000)?)
            .stream(true)
            .key_words(KeyWords::audio(AUDIO_KEY));
        client.send_omni_request(&request, FEW)?;
        Ok(())
    }

    /// Text input processing and text output generation via the OpenAI API.
    /// Deploy Setting: default yaml
    /// Input Modal: text
    /// Output Modal: text
    /// Input Setting: stream=False
    /// Datasets: few requests
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT)]
    #[deep_needs(real_model)]
    fn test_text_to_text_001(server: &Server, client: &Client) -> TestResult {
        client.send_omni_request(&capital_in_text(server.model(), qwen_messages(PROMPT_TEXT_ONLY)), FEW)?;
        Ok(())
    }

    /// Thinker prefix caching: the same picture and question twice; the second request is
    /// served from cached blocks (the output itself is not compared, as the seed does not).
    /// Deploy Setting: default yaml (prefix caching, block size 16, prompt token details)
    /// Input Modal: text + image
    /// Output Modal: text
    /// Input Setting: stream=False
    /// Datasets: two identical requests
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT)]
    fn test_thinker_prefix_caching_001(server: &Server, client: &Client) -> TestResult {
        let messages =
            qwen_messages("What color are the squares in this image?").image(synth::image(224, 224)?.data_url());
        let request = OmniRequest::new(server.model(), messages).modalities(&[Modality::Text]);
        check_prefix_cache_hit(client, &request)
    }

    /// Thinker prefix caching does not hang the talker and code2wav: a cached prompt still gets
    /// its text and speech (a known regression hung them).
    /// Deploy Setting: default yaml (prefix caching, block size 16, prompt token details)
    /// Input Modal: text
    /// Output Modal: text + audio
    /// Input Setting: stream=True, include_usage
    /// Datasets: two identical requests
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT)]
    #[deep_needs(transcription)]
    fn test_thinker_prefix_caching_002(server: &Server, client: &Client) -> TestResult {
        let request = OmniRequest::new(server.model(), qwen_messages(PROMPT_TEXT_ONLY)).stream(true);
        check_prefix_cache_hit(client, &request)
    }

    /// Thinker–talker models reject `/v1/completions` with 400: their stage handoff needs the
    /// chat template's turn markers, which a bare prompt lacks.
    /// Deploy Setting: default yaml
    /// Input Modal: text (completions prompt)
    /// Output Modal: error 400
    /// Input Setting: POST /v1/completions, max_tokens=10
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(omni)]
    #[hardware(cuda = "H100", rocm = "MI325", cards = 2)]
    #[scenarios(DEFAULT)]
    fn test_completions_rejected_001(server: &Server, client: &Client) -> TestResult {
        let body = json!({"model": server.model(), "prompt": "Hello, how are you?", "max_tokens": 10});
        check_http_error(&client.post_json("/v1/completions", &body)?, &[400], &[])
    }
}
