//! Wan2.2 video generation through the `/v1/videos` job API: the counterpart of the seed's
//! `tests/e2e/online_serving/test_wan22_t2v.py` (the text-to-video smoke) and of the job-API
//! surface its client and reliability suites use: create, poll, download, list, delete, the
//! blocking `/v1/videos/sync`, and image-to-video with an uploaded `input_reference` (the I2V
//! inputs of `test_wan22_expansion.py`). The L4 feature matrix is in `wan22_expansion.rs`.
//!
//! Every video is checked at every level, as the seed does: its size, fps within 1, and Wan's
//! frame rule `(num_frames // 4) * 4 + 1`. CI: L2 and L3 on one H100, with the seed's 35-minute
//! start-up budget for loading both experts.

use omnitest::media::video;
use omnitest::prelude::*;
use omnitest::validators::media::check_video;
use serde_json::Value;

use super::diffusion_common::{synthetic_image, video_request};

const T2V_MODEL: &str = "Wan-AI/Wan2.2-T2V-A14B-Diffusers";
const I2V_MODEL: &str = "Wan-AI/Wan2.2-I2V-A14B-Diffusers";
const PROMPT: &str = "Two anthropomorphic cats in boxing gear on a spotlighted stage.";

/// Text-to-video with the seed's start-up budget (both A14B experts load from slow storage).
static T2V: Scenario = Scenario::vllm_omni(T2V_MODEL)
    .args(&["--init-timeout", "2100", "--stage-init-timeout", "2100"])
    .startup_timeout_s(2100);

/// Image-to-video (MoE: a high-noise and a low-noise expert).
static I2V: Scenario = Scenario::vllm_omni(I2V_MODEL)
    .args(&["--init-timeout", "2100", "--stage-init-timeout", "2100"])
    .startup_timeout_s(2100);

/// The seed's CI video: 512×512, 8 frames at 8 fps (9 encoded frames), 2 steps.
fn ci_video(model: &str) -> VideoRequest {
    video_request(model, PROMPT, 512, 512, 8, 8)
}

/// The fields of a small job as multipart strings.
fn small_job_fields(model: &str) -> Vec<(&str, String)> {
    [
        ("width", "256"),
        ("height", "256"),
        ("num_frames", "8"),
        ("fps", "8"),
        ("num_inference_steps", "2"),
        ("seed", "42"),
    ]
    .iter()
    .map(|(k, v)| (*k, (*v).to_owned()))
    .chain([("model", model.to_owned()), ("prompt", PROMPT.to_owned())])
    .collect()
}

fn json_of(answer: &HttpResponse) -> Result<Value, TestError> {
    answer.json.clone().ok_or_else(|| TestError::failure(format!("the answer is not JSON: {}", answer.text())))
}

omni_test! {
    /// Text-to-video smoke: the job is accepted, completes, and its MP4 has the asked size,
    /// fps and frame count.
    /// Deploy Setting: default, --init-timeout 2100 --stage-init-timeout 2100
    /// Input Modal: text
    /// Output Modal: video
    /// Input Setting: height=512, width=512, num_frames=8, fps=8, num_inference_steps=2, guidance_scale=4.0, negative_prompt, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(T2V)]
    fn test_text_to_video_001(server: &Server, client: &Client) -> TestResult {
        client.send_video_diffusion_request(&ci_video(server.model()), 1)?;
        Ok(())
    }

    /// The job API end to end: POST answers at once with a queued job; polling reaches
    /// `completed` with progress 100; the content is an MP4; the job is listed, newest first;
    /// DELETE removes it (then GET is 404); an unknown id is 404.
    /// Deploy Setting: default, --init-timeout 2100 --stage-init-timeout 2100
    /// Input Modal: text
    /// Output Modal: video
    /// Input Setting: height=256, width=256, num_frames=8, fps=8, num_inference_steps=2, seed=42
    /// Datasets: single job, then list/delete calls
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(T2V)]
    fn test_video_jobs_001(server: &Server, client: &Client) -> TestResult {
        let fields = small_job_fields(server.model());
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let created = client.post_multipart("/v1/videos", &fields, &[])?;
        check_eq!(created.status, 200, "POST /v1/videos: {}", created.text());
        let job = json_of(&created)?;
        let id = job["id"].as_str().unwrap_or_default().to_owned();
        check!(!id.is_empty(), "the job has no id: {job}");
        check_eq!(job["object"], Value::from("video"));
        check!(["queued", "in_progress"].contains(&job["status"].as_str().unwrap_or_default()),
            "a new job should be queued or in progress, got {}", job["status"]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        let done = loop {
            let polled = json_of(&client.get(&format!("/v1/videos/{id}"))?)?;
            match polled["status"].as_str() {
                Some("completed") => break polled,
                Some("failed") => return Err(TestError::failure(format!("job {id} failed: {}", polled["error"]))),
                _ if std::time::Instant::now() > deadline => {
                    return Err(TestError::failure(format!("job {id} did not complete in 600 s")));
                }
                _ => std::thread::sleep(std::time::Duration::from_millis(200)),
            }
        };
        check_eq!(done["progress"], Value::from(100));
        let content = client.get(&format!("/v1/videos/{id}/content"))?;
        check_eq!(content.status, 200);
        check!(content.content_type.starts_with("video/mp4"), "content-type {}", content.content_type);
        check_video(&video::probe(&content.body)?, Some(8), Some(256), Some(256), Some(8.0))?;
        let listed = json_of(&client.get("/v1/videos?limit=100&order=desc")?)?;
        check_eq!(listed["object"], Value::from("list"));
        let ids: Vec<&str> = listed["data"].as_array().into_iter().flatten().filter_map(|j| j["id"].as_str()).collect();
        check!(ids.contains(&id.as_str()), "job {id} is not listed: {ids:?}");
        let deleted = json_of(&client.delete(&format!("/v1/videos/{id}"))?)?;
        check_eq!((deleted["id"].as_str(), deleted["deleted"].as_bool()), (Some(id.as_str()), Some(true)));
        check_eq!(client.get(&format!("/v1/videos/{id}"))?.status, 404);
        check_eq!(client.get("/v1/videos/video_gen_does_not_exist")?.status, 404);
        Ok(())
    }

    /// The blocking route: `/v1/videos/sync` answers with the MP4 itself.
    /// Deploy Setting: default, --init-timeout 2100 --stage-init-timeout 2100
    /// Input Modal: text
    /// Output Modal: video
    /// Input Setting: height=256, width=256, num_frames=8, fps=8, num_inference_steps=2, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(T2V)]
    fn test_video_sync_001(server: &Server, client: &Client) -> TestResult {
        let fields = small_job_fields(server.model());
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = client.post_multipart("/v1/videos/sync", &fields, &[])?;
        check_eq!(answer.status, 200, "POST /v1/videos/sync: {}", answer.text());
        check!(answer.content_type.starts_with("video/mp4"), "content-type {}", answer.content_type);
        check_video(&video::probe(&answer.body)?, Some(8), Some(256), Some(256), Some(8.0))?;
        Ok(())
    }

    /// Two visual references in one job are refused with 400.
    /// Deploy Setting: default, --init-timeout 2100 --stage-init-timeout 2100
    /// Input Modal: text + 2 references
    /// Output Modal: error
    /// Input Setting: input_reference file and image_reference JSON
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(T2V)]
    fn test_video_references_001(server: &Server, client: &Client) -> TestResult {
        let image = synthetic_image(64, 64, 0)?;
        let reference = format!("{{\"image_url\": \"{}\"}}", image.data_url());
        let fields = [("model", server.model()), ("prompt", PROMPT), ("image_reference", reference.as_str())];
        let files = [("input_reference", "ref.jpg", image.bytes.clone())];
        let answer = client.post_multipart("/v1/videos", &fields, &files)?;
        check_http_error(&answer, &[400], &[])
    }

    /// Image-to-video: the reference image is uploaded as `input_reference`; the MoE expert
    /// split is set per request.
    /// Deploy Setting: default, --init-timeout 2100 --stage-init-timeout 2100
    /// Input Modal: text + image
    /// Output Modal: video
    /// Input Setting: height=512, width=512, num_frames=8, fps=8, num_inference_steps=2, guidance_scale=4.0, guidance_scale_2=1.0, boundary_ratio=0.5, seed=42
    /// Datasets: single request
    #[levels(core_model, advanced_model)]
    #[markers(diffusion)]
    #[hardware(cuda = "H100", cards = 1)]
    #[scenarios(I2V)]
    fn test_image_to_video_001(server: &Server, client: &Client) -> TestResult {
        let request = ci_video(server.model())
            .field("guidance_scale_2", 1.0)
            .field("boundary_ratio", 0.5)
            .input_reference(synthetic_image(512, 512, 0)?.data_url());
        client.send_video_diffusion_request(&request, 1)?;
        Ok(())
    }
}
