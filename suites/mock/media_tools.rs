//! The mock's media opened by real tools: sox reads its WAV, ffprobe its MP4, with the
//! requested properties.

use std::process::Command;

use omnitest::prelude::*;
use serde_json::json;

use super::{TTS, VIDEO, tool};

fn run(command: &mut Command) -> Result<String, TestError> {
    let output = command.output()?;
    check!(output.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

omni_test! {
    /// `sox --i` reads speech WAV as 24 kHz mono 16-bit with the duration the samples give.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(TTS)]
    fn test_sox_reads_speech_wav(ctx: &TestContext, server: &Server, client: &Client) -> TestResult {
        let sox = tool("sox")?;
        let answer = client.post_json("/v1/audio/speech", &json!({"model": server.model(), "input": "Testing one two three.", "voice": "ethan"}))?;
        check_eq!(answer.status, 200);
        let path = ctx.output_dir()?.join("speech.wav");
        std::fs::write(&path, &answer.body)?;
        let rate = run(Command::new(&sox).args(["--i", "-r"]).arg(&path))?;
        let channels = run(Command::new(&sox).args(["--i", "-c"]).arg(&path))?;
        let bits = run(Command::new(&sox).args(["--i", "-b"]).arg(&path))?;
        let samples: usize = run(Command::new(&sox).args(["--i", "-s"]).arg(&path))?.trim().parse().unwrap_or(0);
        check_eq!((rate.trim(), channels.trim(), bits.trim()), ("24000", "1", "16"));
        check_eq!(samples, (answer.body.len() - 44) / 2, "sox's sample count vs the data chunk");
        Ok(())
    }

    /// ffprobe reads the job's MP4 as H.264 at the requested size and fps, with Wan's frame
    /// count for the requested number of frames.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(VIDEO)]
    fn test_ffprobe_reads_video_mp4(ctx: &TestContext, server: &Server, client: &Client) -> TestResult {
        let ffprobe = tool("ffprobe")?;
        let fields = [("prompt", "two balls"), ("width", "96"), ("height", "64"), ("num_frames", "17"), ("fps", "12"), ("model", server.model())];
        let answer = client.post_multipart("/v1/videos/sync", &fields, &[])?;
        check_eq!(answer.status, 200);
        let path = ctx.output_dir()?.join("video.mp4");
        std::fs::write(&path, &answer.body)?;
        let probe = run(Command::new(ffprobe)
            .args(["-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                   "stream=codec_name,width,height,r_frame_rate,nb_read_frames", "-of", "json"])
            .arg(&path))?;
        let stream: serde_json::Value = serde_json::from_str::<serde_json::Value>(&probe)?["streams"][0].clone();
        check_eq!(stream, json!({"codec_name": "h264", "width": 96, "height": 64, "r_frame_rate": "12/1", "nb_read_frames": "17"}));
        Ok(())
    }
}
