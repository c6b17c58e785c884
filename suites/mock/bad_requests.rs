//! Bad requests get vLLM's answers: the status, and an error object naming the problem. The
//! tables are the reliability suites' (`dfx::reliability::invalid_params`), run here against
//! the mock at core_model so that the mock keeps answering them as vLLM-Omni does.

use omnitest::prelude::*;

use super::{IMAGE, OMNI, TTS, VIDEO};
use crate::dfx::reliability::invalid_params;

omni_test! {
    /// The chat route's invalid-parameter table, and an unknown route.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(OMNI)]
    fn test_chat_invalid_parameters(server: &Server, client: &Client) -> TestResult {
        invalid_params::chat(client, server.model())?;
        invalid_params::unknown_route(client)
    }

    /// The images API's bad values.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(IMAGE)]
    fn test_images_invalid_parameters(server: &Server, client: &Client) -> TestResult {
        invalid_params::images(client, server.model())
    }

    /// The speech route's bad values.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(TTS)]
    fn test_speech_invalid_parameters(server: &Server, client: &Client) -> TestResult {
        invalid_params::speech(client, server.model())
    }

    /// The video API's bad values and unknown jobs.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(VIDEO)]
    fn test_videos_invalid_parameters(server: &Server, client: &Client) -> TestResult {
        invalid_params::videos(client, server.model())
    }
}
