//! What a suite needs: `use omnitest::prelude::*;`.

pub use crate::client::{
    ChatStream, Client, DiffusionRequest, DiffusionResponse, HttpResponse, KeyWords, Messages, Modality, OmniRequest,
    OmniResponse, SpeechMode, SpeechRequest, SpeechResponse, VideoRequest,
};
pub use crate::fixtures::{GpuMemoryMonitor, OfflineOutput, OfflineRequest, OfflineRunner, Server};
pub use crate::media::synth;
pub use crate::outcome::{ErrorKind, TestError, TestResult};
pub use crate::registry::{Capability, Level, Marker, Scenario};
pub use crate::runner::TestContext;
pub use crate::validators::check_http_error;
pub use crate::{check, check_eq, omni_test};
