"""Parses the mock's answers with the official openai client: exits 0 and prints "ok" when
every answer parses, non-zero with the exception otherwise.

    python3 openai_check.py BASE_URL MODEL chat|speech|images
"""
import base64
import sys

import openai


def chat(client, model):
    reply = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Say something."}], max_tokens=12,
        extra_body={"modalities": ["text", "audio"]})
    assert reply.choices[0].message.content, "no text in the first choice"
    assert any(c.message.audio is not None and c.message.audio.data for c in reply.choices), "no audio choice"
    assert reply.usage.completion_tokens == 12, reply.usage
    text = ""
    chunks = 0
    stream = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Say something."}], max_tokens=12, stream=True,
        stream_options={"include_usage": True}, extra_body={"modalities": ["text", "audio"]})
    for chunk in stream:
        chunks += 1
        if getattr(chunk, "modality", "text") == "text" and chunk.choices:
            text += chunk.choices[0].delta.content or ""
    assert text and chunks > 12, (text, chunks)


def speech(client, model):
    whole = client.audio.speech.create(model=model, input="Hello there.", voice="vivian")
    data = whole.read()
    assert data[:4] == b"RIFF", data[:16]
    with client.audio.speech.with_streaming_response.create(
            model=model, input="Hello there.", voice="vivian", response_format="pcm",
            extra_body={"stream_format": "audio"}) as streamed:
        pcm = b"".join(streamed.iter_bytes())
    assert len(pcm) > 1000 and len(pcm) % 2 == 0, len(pcm)


def images(client, model):
    result = client.images.generate(model=model, prompt="a red square", size="256x256", response_format="b64_json", n=2)
    assert len(result.data) == 2, result
    png = base64.b64decode(result.data[0].b64_json)
    assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:8]


if __name__ == "__main__":
    base_url, model, kind = sys.argv[1:4]
    client = openai.OpenAI(base_url=base_url + "/v1", api_key="EMPTY", max_retries=0)
    {"chat": chat, "speech": speech, "images": images}[kind](client, model)
    print("ok")
