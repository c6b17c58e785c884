//! `omnitest mock-runner`: the JSON-lines offline-runner protocol over stdio.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use omnitest::media::{picture, video, wav};
use omnitest::prelude::*;
use serde_json::{Value, json};

omni_test! {
    /// The runner announces itself, answers omni, diffusion and speech requests with files in
    /// the output folder, reports bad requests as errors, and exits on shutdown.
    #[levels(core_model)]
    #[markers(cpu)]
    fn test_mock_runner_speaks_the_protocol(ctx: &TestContext) -> TestResult {
        let out = ctx.output_dir()?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_omnitest"))
            .args(["mock-runner", "Qwen/Qwen3-Omni-30B-A3B-Instruct"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut stdin = child.stdin.take().ok_or_else(|| TestError::harness("no stdin"))?;
        let mut lines = BufReader::new(child.stdout.take().ok_or_else(|| TestError::harness("no stdout"))?).lines();
        let mut next = || -> Result<Value, TestError> {
            let line = lines.next().ok_or_else(|| TestError::failure("the runner closed stdout"))??;
            Ok(serde_json::from_str(&line)?)
        };
        check_eq!(next()?["event"], json!("ready"));

        let clip = out.join("clip.mp4");
        let frames: Vec<omnitest::media::Frame> = (0..9).map(|i| {
            let mut frame = omnitest::media::Frame::filled(64, 48, [0, 0, 0]);
            for y in 10..30 { for x in (5 + i * 3)..(25 + i * 3) { frame.set_pixel(x, y, [230, 40, 40]); } }
            frame
        }).collect();
        std::fs::write(&clip, video::encode_mp4(&frames, 8)?)?;
        let requests = [
            json!({"id": 1, "op": "omni", "output_dir": out.join("omni"), "prompts": ["Describe the video."], "videos": [clip], "modalities": ["text", "audio"]}),
            json!({"id": 2, "op": "diffusion", "output_dir": out.join("image"), "prompt": "two green squares", "width": 128, "height": 96, "num_outputs_per_prompt": 2}),
            json!({"id": 3, "op": "diffusion", "output_dir": out.join("video"), "prompt": "balls", "width": 64, "height": 48, "num_frames": 10, "fps": 8}),
            json!({"id": 4, "op": "speech", "output_dir": out.join("speech"), "input": "Hello there.", "voice": "vivian"}),
            json!({"id": 5, "op": "teleport", "output_dir": out.join("x")}),
        ];
        for request in &requests {
            writeln!(stdin, "{request}")?;
        }
        let omni = next()?;
        check_eq!((omni["id"].clone(), omni["ok"].clone()), (json!(1), json!(true)));
        let text = omni["outputs"][0]["text"].as_str().unwrap_or_default().to_owned();
        check!(text.contains("moving"), "the runner did not see the motion: {text}");
        let audio = wav::decode_wav(&std::fs::read(omni["outputs"][1]["path"].as_str().unwrap_or_default())?)?;
        check_eq!(omnitest::media::speech::recognize(&audio), Some(text));
        let images = next()?;
        check_eq!(images["outputs"].as_array().map(Vec::len), Some(2));
        let first = picture::decode_image(&std::fs::read(images["outputs"][0]["path"].as_str().unwrap_or_default())?)?;
        check_eq!((first.width, first.height), (128, 96));
        let clip_out = next()?;
        let info = video::probe(&std::fs::read(clip_out["outputs"][0]["path"].as_str().unwrap_or_default())?)?;
        check_eq!((info.width, info.height, info.frames), (64, 48, 9));
        check_eq!(next()?["outputs"][0]["type"], json!("audio"));
        let bad = next()?;
        check_eq!((bad["ok"].clone(), bad["error"]["type"].clone()), (json!(false), json!("InvalidRequest")));
        writeln!(stdin, "{}", json!({"op": "shutdown"}))?;
        check!(child.wait()?.success(), "the runner did not exit cleanly");
        Ok(())
    }
}

static OFFLINE_OMNI: Scenario =
    Scenario::offline("Qwen/Qwen3-Omni-30B-A3B-Instruct").id("offline_omni").mock_profile("qwen3-omni");

omni_test! {
    /// An offline scenario's runner is started by the fixture, shared like a server, and its
    /// outputs are read back and checked.
    #[levels(core_model)]
    #[markers(cpu)]
    #[scenarios(OFFLINE_OMNI)]
    fn test_offline_scenario_runs_through_the_fixture(ctx: &TestContext, runner: &OfflineRunner) -> TestResult {
        let image = synth::image(224, 224)?;
        let path = image.path.display().to_string();
        let outputs = runner.send(&OfflineRequest::omni(&["What is in the image?"]).images(&[&path]), &ctx.output_dir()?.join("omni"))?;
        let text = outputs.iter().find_map(|o| if let OfflineOutput::Text(t) = o { Some(t.clone()) } else { None }).unwrap_or_default();
        check!(text.contains("squares"), "the runner did not describe the squares: {text}");
        let images = runner.send(&OfflineRequest::diffusion("a red square").size(96, 64).outputs(2), &ctx.output_dir()?.join("image"))?;
        let sizes: Vec<(u32, u32)> = images.iter().filter_map(|o| if let OfflineOutput::Image(_, f) = o { Some((f.width, f.height)) } else { None }).collect();
        check_eq!(sizes, vec![(96, 64), (96, 64)]);
        Ok(())
    }
}
