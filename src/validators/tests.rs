//! Validators on recorded responses: every modality at every level, and each failure.

use std::time::Duration;

use super::*;
use crate::client::{AudioOutput, KeyWords, Messages, SpeechMode, VideoOutput};
use crate::media::video::VideoInfo;
use crate::media::{Frame, speech};

/// A transcriber that hears a fixed text.
struct Hears(&'static str);

impl Transcriber for Hears {
    fn transcribe(&self, _: &Audio) -> Result<String, TestError> {
        Ok(self.0.to_owned())
    }
}

const LEVELS: [Level; 3] = [Level::CoreModel, Level::AdvancedModel, Level::FullModel];
const TEXT: &str = "The image shows three red squares on a white background.";

fn voice(name: &str) -> Audio {
    speech::synthesize(TEXT, &speech::voice(name), 24_000, 1.0)
}

fn omni_response(text: Option<&str>, audio: Option<Audio>) -> OmniResponse {
    OmniResponse {
        text: text.map(str::to_owned),
        audio: audio.map(|audio| AudioOutput { audio, segments: 3, format: "wav".into() }),
        e2e_latency: Duration::from_millis(10),
        ..OmniResponse::default()
    }
}

fn omni_request() -> OmniRequest {
    OmniRequest::new("m", Messages::user("What is in the image?"))
}

fn failure_of(result: Result<(), TestError>) -> String {
    match result {
        Err(err) => {
            assert_eq!(err.kind(), crate::outcome::ErrorKind::Failure);
            err.message().to_owned()
        }
        Ok(()) => panic!("expected a failure"),
    }
}

#[test]
fn omni_core_checks_structure_only() {
    let empty = omni_response(None, None);
    assert!(check_omni(&empty, &omni_request(), Level::CoreModel, &Hears("")).is_ok());
}

#[test]
fn omni_deep_levels_need_the_requested_outputs() {
    for level in [Level::AdvancedModel, Level::FullModel] {
        let no_audio = omni_response(Some(TEXT), None);
        assert!(failure_of(check_omni(&no_audio, &omni_request(), level, &Hears(TEXT))).contains("no audio"));
        let no_text = omni_response(None, Some(voice("ethan")));
        assert!(failure_of(check_omni(&no_text, &omni_request(), level, &Hears(TEXT))).contains("no text"));
        let both = omni_response(Some(TEXT), Some(voice("ethan")));
        assert!(check_omni(&both, &omni_request(), level, &Hears(TEXT)).is_ok());
    }
}

#[test]
fn omni_keywords_are_checked_in_text_or_transcript() {
    let response = omni_response(Some(TEXT), Some(voice("ethan")));
    let found = omni_request().key_words(KeyWords::image(["square", "quadrate"]));
    assert!(check_omni(&response, &found, Level::AdvancedModel, &Hears(TEXT)).is_ok());
    let absent = omni_request().key_words(KeyWords::image(["square"]).and_video(["sphere", "globe"]));
    let message = failure_of(check_omni(&response, &absent, Level::AdvancedModel, &Hears(TEXT)));
    assert!(
        message.starts_with("The output does not contain any of the keywords: none of [\"sphere\", \"globe\"] (video)"),
        "{message}"
    );
    assert!(check_omni(&omni_response(None, None), &absent, Level::CoreModel, &Hears("")).is_ok());
    // Audio only: the transcript is searched.
    let audio_only = omni_request().modalities(&[Modality::Audio]).key_words(KeyWords::audio(["capital"]));
    let message =
        failure_of(check_omni(&omni_response(None, Some(voice("ethan"))), &audio_only, Level::FullModel, &Hears(TEXT)));
    assert!(message.contains("is in the transcript"), "{message}");
}

#[test]
fn omni_audio_must_say_the_text() {
    let response = omni_response(Some(TEXT), Some(voice("ethan")));
    let message = failure_of(check_omni(
        &response,
        &omni_request(),
        Level::AdvancedModel,
        &Hears("Paris is a large city in the north of France."),
    ));
    assert!(message.starts_with("the audio does not say the text: similarity"), "{message}");
    let expected = omni_request().audio_ref_text("Something else entirely, said at length here.");
    assert!(
        failure_of(check_omni(&response, &expected, Level::AdvancedModel, &Hears(TEXT)))
            .starts_with("the audio does not say")
    );
}

#[test]
fn omni_preset_speakers_have_their_gender() {
    let female_request = omni_request().speaker("serena");
    let male_voice = omni_response(Some(TEXT), Some(voice("ethan")));
    let message = failure_of(check_omni(&male_voice, &female_request, Level::AdvancedModel, &Hears(TEXT)));
    assert!(message.starts_with("voice serena should sound female, but its median pitch is"), "{message}");
    let female_voice = omni_response(Some(TEXT), Some(voice("serena")));
    assert!(check_omni(&female_voice, &female_request, Level::AdvancedModel, &Hears(TEXT)).is_ok());
}

fn speech_response(format: &str, audio: Audio) -> SpeechResponse {
    let bytes = if format == "pcm" { wav::encode_pcm16(&audio) } else { wav::encode_wav(&audio) };
    SpeechResponse {
        status: 200,
        content_type: format!("audio/{format}"),
        bytes,
        audio: Some(audio),
        chunks: 1,
        ..SpeechResponse::default()
    }
}

#[test]
fn speech_core_checks_bytes_and_content_type() {
    let request = SpeechRequest::new("m", TEXT).min_audio_bytes(100);
    for level in LEVELS {
        assert!(check_speech(&speech_response("wav", voice("vivian")), &request, level, &Hears(TEXT)).is_ok());
    }
    let mut wrong_type = speech_response("wav", voice("vivian"));
    wrong_type.content_type = "audio/mpeg".into();
    assert!(failure_of(check_speech(&wrong_type, &request, Level::CoreModel, &Hears(TEXT))).contains("content-type"));
    let tiny = SpeechResponse { bytes: vec![0; 10], ..speech_response("wav", voice("vivian")) };
    assert!(
        failure_of(check_speech(&tiny, &request, Level::CoreModel, &Hears(TEXT))).starts_with("only 10 audio bytes")
    );
}

#[test]
fn speech_deep_levels_transcribe_or_measure_harmonicity() {
    let request = SpeechRequest::new("m", TEXT);
    assert!(
        check_speech(&speech_response("wav", voice("vivian")), &request, Level::CoreModel, &Hears("nonsense")).is_ok()
    );
    let message = failure_of(check_speech(
        &speech_response("wav", voice("vivian")),
        &request,
        Level::AdvancedModel,
        &Hears("nonsense words here, not the input at all"),
    ));
    assert!(message.starts_with("the speech does not say the input"), "{message}");
    let pcm = SpeechRequest::new("m", TEXT).response_format("pcm").mode(SpeechMode::RawStream);
    assert!(check_speech(&speech_response("pcm", voice("vivian")), &pcm, Level::FullModel, &Hears("")).is_ok());
    let mut rng = <rand::rngs::SmallRng as rand::SeedableRng>::seed_from_u64(1);
    let noise = Audio::mono(24_000, (0..48_000).map(|_| rand::RngExt::random_range(&mut rng, -0.5..0.5f32)).collect());
    let message = failure_of(check_speech(&speech_response("pcm", noise), &pcm, Level::FullModel, &Hears("")));
    assert!(message.contains("harmonics-to-noise ratio"), "{message}");
}

#[test]
fn speech_expected_errors() {
    let request = SpeechRequest::new("m", "hi").voice("nobody").expect_error(&[400], &["Invalid speaker"]);
    let error = SpeechResponse {
        status: 400,
        bytes: br#"{"error":{"message":"Invalid speaker 'nobody'"}}"#.to_vec(),
        ..SpeechResponse::default()
    };
    assert!(check_speech(&error, &request, Level::CoreModel, &Hears("")).is_ok());
    let other = SpeechResponse { status: 500, ..error.clone() };
    assert!(
        failure_of(check_speech(&other, &request, Level::CoreModel, &Hears("")))
            .starts_with("expected status [400], got 500")
    );
    assert!(
        failure_of(check_speech(&speech_response("wav", voice("vivian")), &request, Level::CoreModel, &Hears("")))
            .starts_with("expected an error")
    );
}

#[test]
fn diffusion_counts_at_every_level_and_sizes_deeply() {
    let request = DiffusionRequest::new("m", Messages::user("x")).sizes(&[(64, 32), (16, 16)]);
    let right = DiffusionResponse {
        images: vec![Frame::filled(64, 32, [0; 3]), Frame::filled(16, 16, [0; 3])],
        ..DiffusionResponse::default()
    };
    for level in LEVELS {
        assert!(check_diffusion(&right, &request, level).is_ok());
    }
    let wrong_size = DiffusionResponse {
        images: vec![Frame::filled(64, 32, [0; 3]), Frame::filled(8, 8, [0; 3])],
        ..DiffusionResponse::default()
    };
    assert!(check_diffusion(&wrong_size, &request, Level::CoreModel).is_ok());
    assert_eq!(
        failure_of(check_diffusion(&wrong_size, &request, Level::AdvancedModel)),
        "image 1: expected a 16x16 image, got 8x8"
    );
    let one = DiffusionResponse { images: vec![Frame::filled(64, 32, [0; 3])], ..DiffusionResponse::default() };
    assert_eq!(failure_of(check_diffusion(&one, &request, Level::CoreModel)), "expected 2 image(s), got 1");
    assert!(
        failure_of(check_diffusion(&DiffusionResponse::default(), &request, Level::CoreModel))
            .contains("no image, video or audio")
    );
}

#[test]
fn video_jobs_are_checked_fully_at_every_level() {
    let request = VideoRequest::new("Wan2.2", "balls")
        .field("width", 64)
        .field("height", 48)
        .field("num_frames", 10)
        .field("fps", 8);
    let video = |frames| DiffusionResponse {
        videos: vec![VideoOutput {
            bytes: vec![],
            info: VideoInfo {
                width: 64,
                height: 48,
                fps: 8.0,
                frames,
                duration_s: 1.0,
                codec: "h264".into(),
                has_audio: false,
            },
        }],
        ..DiffusionResponse::default()
    };
    for level in LEVELS {
        assert!(check_video_job(&video(9), &request, level).is_ok());
        assert!(
            failure_of(check_video_job(&video(10), &request, level))
                .contains("10 frames (expected (n // 4) * 4 + 1 = 9")
        );
    }
}

#[test]
fn http_errors_need_the_status_the_object_and_every_fragment() {
    let answer = |status, body: &str| HttpResponse {
        status,
        content_type: "application/json".into(),
        body: body.as_bytes().to_vec(),
        json: serde_json::from_str(body).ok(),
        elapsed: Duration::ZERO,
    };
    let good = answer(400, r#"{"error": {"message": "[{'type': 'json_invalid', 'msg': 'JSON decode error'}]"}}"#);
    assert!(check_http_error(&good, &[400], &["json_invalid", "decode error"]).is_ok());
    assert!(failure_of(check_http_error(&good, &[404], &[])).starts_with("expected status [404], got 400"));
    assert!(
        failure_of(check_http_error(&good, &[400], &["bool_parsing"])).contains("does not mention \"bool_parsing\"")
    );
    let bare = answer(400, "bad");
    assert!(failure_of(check_http_error(&bare, &[400], &[])).contains("must carry a `detail` or `error` object"));
}
