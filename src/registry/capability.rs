use std::fmt;

/// Something a test needs from the backend beyond a working server. A test whose needs the
/// backend lacks is reported ignored with the reason, never run to a meaningless failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// Real model weights: outputs carry meaning, so keyword checks on what an image or video
    /// shows, or accuracy scores, can pass. The mock describes pixels, not scenes.
    RealModel,
    /// Speech recognition of arbitrary audio. The mock transcribes only speech its own TTS made.
    RealAsr,
    /// Transcripts of the server's own speech output: the mock transcribes the speech it makes;
    /// a real server's needs a speech-recognition server (`OMNITEST_ASR_URL`).
    Transcription,
    /// The server is a child process on this machine, so its process tree can be signalled and
    /// inspected. An external server is not.
    LocalProcess,
    /// An engine that holds GPU memory, on GPUs this process can see: peak memory can be
    /// measured and memory pressure applied. The mock holds none.
    GpuMemory,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 5] = [
        Capability::RealModel,
        Capability::RealAsr,
        Capability::Transcription,
        Capability::LocalProcess,
        Capability::GpuMemory,
    ];

    /// The capability's name, as written in `#[needs(...)]`.
    pub const fn name(self) -> &'static str {
        match self {
            Capability::RealModel => "real_model",
            Capability::RealAsr => "real_asr",
            Capability::Transcription => "transcription",
            Capability::LocalProcess => "local_process",
            Capability::GpuMemory => "gpu_memory",
        }
    }

    /// What the capability means, for the reason an ignored test gives.
    pub const fn description(self) -> &'static str {
        match self {
            Capability::RealModel => "a real model's perception",
            Capability::RealAsr => "speech recognition of arbitrary audio",
            Capability::Transcription => "transcripts of the server's speech",
            Capability::LocalProcess => "a server process on this machine",
            Capability::GpuMemory => "an engine in GPU memory",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
