#!/usr/bin/env python3
"""Drives vLLM-Omni's offline API (`vllm_omni.entrypoints.omni.Omni`) for omnitest's offline
tests, speaking the JSON-lines protocol of docs/offline-runner-protocol.md on stdio.

    python3 harness/offline_runner.py MODEL [--stage-configs-path FILE] [--seed N] [--extra JSON]

`--extra` holds `Omni(...)` keyword arguments; a `parallel_config` object becomes a
`DiffusionParallelConfig`.

Everything the engine prints goes to stderr; stdout carries only protocol lines.
"""
import argparse
import base64
import json
import os
import sys
import time
import traceback
import wave


def protocol_stdout():
    """Keeps a private handle on stdout for protocol lines and sends fd 1 to stderr, so that
    engine and library prints can never corrupt the protocol."""
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    return channel


def load_media(source, kind):
    """Reads a path or data: URL into what Omni takes: PIL images, numpy audio, video frames."""
    import io
    import numpy as np

    data = None
    if source.startswith("data:"):
        data = base64.b64decode(source.split(",", 1)[1])
    else:
        with open(source, "rb") as f:
            data = f.read()
    if kind == "image":
        from PIL import Image
        return Image.open(io.BytesIO(data)).convert("RGB")
    if kind == "audio":
        import soundfile
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32")
        if samples.ndim > 1:
            samples = samples.mean(axis=1)
        return (samples, rate)
    import imageio.v3 as iio
    return np.stack(list(iio.imiter(io.BytesIO(data), extension=".mp4")))


QWEN_SYSTEM = ("You are Qwen, a virtual human developed by the Qwen Team, Alibaba Group, capable of "
               "perceiving auditory and visual inputs, as well as generating text and speech.")


def chatml(prompt, audios, images, videos, model):
    """The raw ChatML prompt vLLM-Omni's test runner builds, with the model family's placeholders."""
    qwen3 = "qwen3" in model.lower()
    audio = "<|audio_bos|><|audio_pad|><|audio_eos|>" if qwen3 else "<|audio_bos|><|AUDIO|><|audio_eos|>"
    image = "<|vision_bos|><|image_pad|><|vision_eos|>" if qwen3 else "<|vision_bos|><|IMAGE|><|vision_eos|>"
    video = "<|vision_bos|><|video_pad|><|vision_eos|>" if qwen3 else "<|vision_bos|><|VIDEO|><|vision_eos|>"
    media = audio * len(audios) + image * len(images) + video * len(videos)
    return (f"<|im_start|>system\n{QWEN_SYSTEM}<|im_end|>\n<|im_start|>user\n{media}{prompt}<|im_end|>\n"
            "<|im_start|>assistant\n")


def write_wav(path, samples, rate, channels=1):
    """16-bit PCM WAV; `samples` is (frames,) or (frames, channels), interleaved on write."""
    import numpy as np
    pcm = (np.clip(np.asarray(samples, dtype="float32").reshape(-1), -1, 1) * 32767).astype("<i2")
    with wave.open(path, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(int(rate))
        out.writeframes(pcm.tobytes())


def omni_op(omni, model, request, out_dir):
    audios = [load_media(s, "audio") for s in request.get("audios", [])]
    images = [load_media(s, "image") for s in request.get("images", [])]
    videos = [load_media(s, "video") for s in request.get("videos", [])]
    modalities = request.get("modalities") or ["text", "audio"]
    prompts = []
    for prompt in request["prompts"]:
        mm = {}
        if audios:
            mm["audio"] = audios
        if images:
            mm["image"] = images
        if videos:
            mm["video"] = videos
        prompts.append({"prompt": chatml(prompt, audios, images, videos, model), "multi_modal_data": mm,
                        "modalities": modalities})
    outputs = []
    results = omni.generate(prompts, omni.default_sampling_params_list)
    for i, result in enumerate(results):
        kind = getattr(result, "final_output_type", "text")
        if kind == "text":
            outputs.append({"type": "text", "text": result.request_output.outputs[0].text})
        elif kind == "audio":
            audio = result.multimodal_output["audio"]
            rate = result.multimodal_output.get("sr", 24000)
            rate = rate[-1] if isinstance(rate, (list, tuple)) else rate
            path = os.path.join(out_dir, f"output_{i}.wav")
            samples = audio.float().detach().cpu().numpy() if hasattr(audio, "detach") else audio
            write_wav(path, samples, int(rate))
            outputs.append({"type": "audio", "path": path, "sample_rate": int(rate)})
    return outputs


def lora_arguments(lora):
    """The sampling-parameter fields of a per-request LoRA adapter ({"name", "path", "scale"})."""
    from vllm_omni.lora.request import LoRARequest
    from vllm_omni.lora.utils import stable_lora_int_id
    request = LoRARequest(lora_name=lora.get("name", "adapter"), lora_int_id=stable_lora_int_id(lora["path"]),
                          lora_path=lora["path"])
    return {"lora_request": request, "lora_scale": lora.get("scale", 1.0)}


def diffusion_op(omni, request, out_dir):
    from vllm_omni.inputs.data import OmniDiffusionSamplingParams
    keys = ["height", "width", "num_inference_steps", "guidance_scale", "seed", "num_frames", "fps",
            "num_outputs_per_prompt", "extra_args"]
    fields = {k: request[k] for k in keys if k in request}
    if "lora" in request:
        fields.update(lora_arguments(request["lora"]))
    params = OmniDiffusionSamplingParams(**fields)
    prompt = {"prompt": request["prompt"]}
    if "negative_prompt" in request:
        prompt["negative_prompt"] = request["negative_prompt"]
    result = omni.generate([prompt], [params])[0]
    if getattr(result, "final_output_type", None) == "audio":
        import numpy as np
        audio = np.asarray(result.multimodal_output["audio"], dtype="float32")
        audio = audio.reshape(-1, audio.shape[-1]) if audio.ndim > 1 else audio[None, :]
        rate = int(result.multimodal_output.get("sr", 44100))
        path = os.path.join(out_dir, "audio_0.wav")
        write_wav(path, audio.T, rate, channels=audio.shape[0])
        return [{"type": "audio", "path": path, "sample_rate": rate}]
    images = result.images
    outputs = []
    if images and isinstance(images[0], list):
        import imageio.v3 as iio
        import numpy as np
        path = os.path.join(out_dir, "video_0.mp4")
        frames = np.stack([np.asarray(frame) for frame in images[0]])
        iio.imwrite(path, frames, fps=request.get("fps", 16), codec="libx264")
        outputs.append({"type": "video", "path": path})
    else:
        for i, image in enumerate(images):
            path = os.path.join(out_dir, f"image_{i}.png")
            image.save(path)
            outputs.append({"type": "image", "path": path})
    return outputs


def speech_op(omni, request, out_dir):
    info = {"task_type": request.get("task_type", "CustomVoice"), "text": request["input"],
            "language": request.get("language", "Auto"), "speaker": request.get("voice", "vivian"),
            "max_new_tokens": request.get("max_new_tokens", 2048)}
    for key in ("ref_audio", "ref_text"):
        if key in request:
            info[key] = request[key]
    prompt = {"prompt_token_ids": [0] * 2048, "additional_information": info}
    result = omni.generate([prompt], omni.default_sampling_params_list)[-1]
    audio = result.multimodal_output["audio"]
    rate = result.multimodal_output.get("sr", 24000)
    rate = rate[-1] if isinstance(rate, (list, tuple)) else rate
    path = os.path.join(out_dir, "speech_0.wav")
    samples = audio.float().detach().cpu().numpy() if hasattr(audio, "detach") else audio
    write_wav(path, samples, int(rate))
    return [{"type": "audio", "path": path, "sample_rate": int(rate)}]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--stage-configs-path")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--extra", default="{}", help="JSON keyword arguments for Omni(...)")
    args = parser.parse_args()
    channel = protocol_stdout()
    from vllm_omni.entrypoints.omni import Omni

    extra = json.loads(args.extra)
    if "parallel_config" in extra:
        from vllm_omni.diffusion.data import DiffusionParallelConfig
        extra["parallel_config"] = DiffusionParallelConfig(**extra["parallel_config"])
    omni = Omni(model=args.model, log_stats=False, stage_init_timeout=600, batch_timeout=10, init_timeout=1800,
                stage_configs_path=args.stage_configs_path, **extra)
    channel.write(json.dumps({"event": "ready", "runner": "vllm-omni", "model": args.model}) + "\n")
    operations = {"omni": lambda r, d: omni_op(omni, args.model, r, d), "diffusion": lambda r, d: diffusion_op(omni, r, d),
                  "speech": lambda r, d: speech_op(omni, r, d)}
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
            except json.JSONDecodeError as err:
                channel.write(json.dumps({"id": None, "ok": False, "error": {"type": "InvalidRequest", "message": str(err)}}) + "\n")
                continue
            if request.get("op") == "shutdown":
                break
            started = time.monotonic()
            try:
                out_dir = request["output_dir"]
                os.makedirs(out_dir, exist_ok=True)
                outputs = operations[request["op"]](request, out_dir)
                reply = {"id": request.get("id"), "ok": True, "elapsed_s": time.monotonic() - started, "outputs": outputs}
            except Exception as err:  # noqa: BLE001 - every failure is reported to the harness
                traceback.print_exc()
                reply = {"id": request.get("id"), "ok": False, "error": {"type": type(err).__name__, "message": str(err)}}
            channel.write(json.dumps(reply) + "\n")
    finally:
        omni.close()


if __name__ == "__main__":
    main()
